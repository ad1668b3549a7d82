//! Page parameters, opaque keyset cursors, and the RFC 8288 `Link` header of every list.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use super::envelope::{Page, PageMeta};
use crate::errors::{ApiError, Validator};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// Page parameters of every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// The `meta.next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

impl PageParams {
    /// The validated limit, and the decoded position of the cursor (for the list `kind`).
    pub fn parse<P: DeserializeOwned>(
        &self,
        kind: &str,
        key: &CursorKey,
    ) -> Result<(u32, Option<P>), ApiError> {
        let mut v = Validator::default();
        let parsed = self.check(kind, key, &mut v);
        v.finish()?;
        Ok(parsed.expect("an error was recorded above"))
    }

    /// Like [`parse`](Self::parse), recording what is wrong in `v` (with a list's other
    /// parameters).
    pub fn check<P: DeserializeOwned>(
        &self,
        kind: &str,
        key: &CursorKey,
        v: &mut Validator,
    ) -> Option<(u32, Option<P>)> {
        let limit = v.check("limit", check_limit(self.limit));
        let position = match self.cursor.as_deref() {
            None => Some(None),
            Some(c) => v
                .check(
                    "cursor",
                    decode_cursor(kind, c, key).ok_or_else(|| {
                        "is not a cursor of this list; use meta.next_cursor as given".to_owned()
                    }),
                )
                .map(Some),
        };
        Some((limit?, position?))
    }
    /// The list request these parameters make, for the list `kind` (a 400 naming `limit` or
    /// `cursor` when either is bad).
    pub fn request<'k, P: DeserializeOwned>(
        &self,
        kind: &'static str,
        key: &'k CursorKey,
    ) -> Result<PageRequest<'k, P>, ApiError> {
        let (limit, after) = self.parse(kind, key)?;
        Ok(PageRequest {
            limit,
            after,
            kind,
            key,
        })
    }

    /// Like [`request`](Self::request), recording what is wrong in `v`.
    pub fn request_checked<'k, P: DeserializeOwned>(
        &self,
        kind: &'static str,
        key: &'k CursorKey,
        v: &mut Validator,
    ) -> Option<PageRequest<'k, P>> {
        let (limit, after) = self.check(kind, key, v)?;
        Some(PageRequest {
            limit,
            after,
            kind,
            key,
        })
    }
}

/// A parsed list request: the page size and where the previous page ended (`after`, the
/// keyset position a cursor carried). It owns the rest of a list's mechanics: fetching
/// `limit + 1` rows to learn whether a next page exists, signing the next cursor, and the
/// `Link: rel="next"` header.
pub struct PageRequest<'k, P> {
    pub limit: u32,
    pub after: Option<P>,
    kind: &'static str,
    key: &'k CursorKey,
}

impl<P: Serialize> PageRequest<'_, P> {
    /// How many rows to fetch: one more than the page.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// The page made of rows fetched with [`fetch`](Self::fetch); `position` is a row's keyset
    /// position (what the next cursor carries).
    pub fn page<R, T>(
        &self,
        rows: Vec<R>,
        total: i64,
        position: impl Fn(&R) -> P,
        to_dto: impl Fn(R) -> T,
    ) -> Page<T> {
        page(
            rows,
            self.limit,
            total,
            (self.kind, self.key),
            position,
            to_dto,
        )
    }

    /// The 200 response of that page: ETag, `Cache-Control`, 304, and `Link: rel="next"`.
    pub fn respond<R, T: Serialize>(
        &self,
        req: &actix_web::HttpRequest,
        rows: Vec<R>,
        total: i64,
        position: impl Fn(&R) -> P,
        to_dto: impl Fn(R) -> T,
    ) -> actix_web::HttpResponse {
        let body = self.page(rows, total, position, to_dto);
        list_response(req, &body, body.meta.next_cursor.as_deref())
    }
}

/// The key that signs cursors, so that only cursors this service made are accepted: a
/// client cannot forge or edit a position (what it decodes to never reaches SQL unless the
/// server wrote it). Derived from the token secret, so cursors survive restarts and are valid
/// on every instance that shares `JWT_SECRET`.
#[derive(Clone)]
pub struct CursorKey([u8; 32]);

impl CursorKey {
    pub fn derive(secret: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(b"perfusion-api cursor signing key\0");
        h.update(secret);
        Self(h.finalize().into())
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(payload);
        mac
    }
}

/// A page size: 1 to 100, 20 when absent.
pub fn check_limit(limit: Option<u32>) -> Result<u32, String> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(format!("must be from 1 to {MAX_LIMIT}")),
    }
}

#[derive(Serialize, Deserialize)]
struct CursorBody<P> {
    k: String,
    p: P,
}

/// Bytes of the HMAC-SHA256 tag kept in a cursor.
const TAG_LEN: usize = 16;

/// An opaque cursor: base64url of the list's kind and the last item's keyset position, with an
/// HMAC tag.
pub fn encode_cursor<P: Serialize>(kind: &str, position: &P, key: &CursorKey) -> String {
    let json = serde_json::to_vec(&CursorBody {
        k: kind.to_owned(),
        p: position,
    })
    .unwrap_or_default();
    let tag = key.mac(&json).finalize().into_bytes();
    let mut bytes = json;
    bytes.extend_from_slice(&tag[..TAG_LEN]);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn decode_cursor<P: DeserializeOwned>(kind: &str, cursor: &str, key: &CursorKey) -> Option<P> {
    if cursor.len() > 512 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).ok()?;
    let split = bytes.len().checked_sub(TAG_LEN)?;
    let (json, tag) = bytes.split_at(split);
    key.mac(json).verify_truncated_left(tag).ok()?;
    let body: CursorBody<P> = serde_json::from_slice(json).ok()?;
    (body.k == kind).then_some(body.p)
}

/// Builds a page from `limit + 1` fetched rows: the extra row only says there is a next page.
pub fn page<R, T, P: Serialize>(
    mut rows: Vec<R>,
    limit: u32,
    total: i64,
    (kind, key): (&str, &CursorKey),
    position: impl Fn(&R) -> P,
    to_dto: impl Fn(R) -> T,
) -> Page<T> {
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if has_more {
        rows.last().map(|r| encode_cursor(kind, &position(r), key))
    } else {
        None
    };
    Page {
        data: rows.into_iter().map(to_dto).collect(),
        meta: PageMeta {
            limit,
            next_cursor,
            total,
            suggestion: None,
        },
    }
}

/// A 200 list response (see [`super::cache::json_response`]) with the `Link: rel="next"`
/// header when there is a next page.
pub fn list_response<T: Serialize>(
    req: &actix_web::HttpRequest,
    body: &T,
    next_cursor: Option<&str>,
) -> actix_web::HttpResponse {
    let link: Vec<_> = next_cursor
        .map(|c| {
            (
                actix_web::http::header::LINK,
                next_link(req.path(), req.query_string(), c),
            )
        })
        .into_iter()
        .collect();
    super::cache::json_response(req, actix_web::http::StatusCode::OK, body, &link)
}

/// The `Link: <…>; rel="next"` value for a page, relative to the request's path, keeping its
/// other query parameters.
pub fn next_link(path: &str, query: &str, next_cursor: &str) -> String {
    let mut params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.push(("cursor".into(), next_cursor.into()));
    let qs = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("<{path}?{qs}>; rel=\"next\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_belong_to_one_list() {
        let key = CursorKey::derive(b"secret");
        let c = encode_cursor("history", &(1953, 5_i64), &key);
        let params = PageParams {
            limit: Some(5),
            cursor: Some(c.clone()),
        };
        let (limit, pos) = params.parse::<(i32, i64)>("history", &key).unwrap();
        assert_eq!((limit, pos), (5, Some((1953, 5))));
        assert!(PageParams {
            limit: None,
            cursor: Some(c)
        }
        .parse::<(i32, i64)>("users", &key)
        .is_err());
        assert!(PageParams {
            limit: None,
            cursor: Some("garbage!".into())
        }
        .parse::<(i32, i64)>("history", &key)
        .is_err());
    }

    #[test]
    fn a_forged_or_edited_cursor_is_refused() {
        let key = CursorKey::derive(b"secret");
        let good = encode_cursor("history", &(1953, 5_i64), &key);
        let parse = |c: String, key: &CursorKey| {
            PageParams {
                limit: None,
                cursor: Some(c),
            }
            .parse::<(i32, i64)>("history", key)
        };
        assert!(parse(good.clone(), &key).is_ok());
        assert!(parse(good.clone(), &CursorKey::derive(b"other")).is_err());
        let unsigned = URL_SAFE_NO_PAD.encode(br#"{"k":"history","p":[1,1]}"#);
        assert!(parse(unsigned, &key).is_err());
        let mut bytes = URL_SAFE_NO_PAD.decode(&good).unwrap();
        bytes[20] ^= 1;
        assert!(parse(URL_SAFE_NO_PAD.encode(bytes), &key).is_err());
    }

    #[test]
    fn limits_outside_1_to_100_are_refused() {
        for bad in [0, 101] {
            assert!(PageParams {
                limit: Some(bad),
                cursor: None
            }
            .parse::<i64>("x", &CursorKey::derive(b"k"))
            .is_err());
        }
    }

    #[test]
    fn the_next_link_keeps_other_parameters() {
        let link = next_link("/api/v1/history-events", "limit=2&cursor=old", "new");
        assert_eq!(
            link,
            "</api/v1/history-events?limit=2&cursor=new>; rel=\"next\""
        );
    }
}
