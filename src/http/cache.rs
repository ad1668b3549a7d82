//! HTTP caching of public GETs: a strong ETag from the response body, `Cache-Control`, and
//! `If-None-Match` → 304; plus the `If-Match` precondition of writes.

use actix_web::{
    http::{header, StatusCode},
    HttpRequest, HttpResponse,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{envelope::Item, semantics::without_coding};
use crate::{auth::bearer_token, errors::ApiError};

pub const PUBLIC_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";
pub const PRIVATE_CACHE_CONTROL: &str = "private, no-store";

/// The strong ETag of a body: a quoted, truncated SHA-256.
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]))
}

/// The ETag a value has when sent as a JSON body.
pub fn etag_of_json<T: Serialize>(value: &T) -> String {
    etag_of(&serde_json::to_vec(value).unwrap_or_default())
}

/// A 200 JSON response with an ETag and `Cache-Control`, or a 304 when the client's copy is
/// current. Requests with a token get `private, no-store`.
pub fn json_ok<T: Serialize>(req: &HttpRequest, value: &T) -> HttpResponse {
    json_response(req, StatusCode::OK, value, &[])
}

/// Like [`json_ok`] with a status and extra headers (e.g. `Link`).
pub fn json_response<T: Serialize>(
    req: &HttpRequest,
    status: StatusCode,
    value: &T,
    extra: &[(header::HeaderName, String)],
) -> HttpResponse {
    let body = serde_json::to_vec(value).unwrap_or_default();
    cached_response(req, status, "application/json; charset=utf-8", body, extra)
}

/// A 201 for a new resource: its representation with its ETag, and `Location`.
pub fn created<T: Serialize>(req: &HttpRequest, location: String, value: &T) -> HttpResponse {
    json_response(
        req,
        StatusCode::CREATED,
        value,
        &[(header::LOCATION, location)],
    )
}

/// A response of any content type with a strong ETag of `body`, `Cache-Control`, and a 304
/// when `If-None-Match` already has it.
pub fn cached_response(
    req: &HttpRequest,
    status: StatusCode,
    content_type: &str,
    body: Vec<u8>,
    extra: &[(header::HeaderName, String)],
) -> HttpResponse {
    let etag = etag_of(&body);
    let cache_control = if bearer_token(req).is_some() {
        PRIVATE_CACHE_CONTROL
    } else {
        PUBLIC_CACHE_CONTROL
    };
    // Only a read can be "not modified"; a write's answer is always sent.
    let readable = matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    );
    let fresh = status == StatusCode::OK && readable && if_none_match_hits(req, &etag);
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::build(status)
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control));
    for (name, value) in extra {
        res.insert_header((name.clone(), value.clone()));
    }
    if fresh {
        res.finish()
    } else {
        res.content_type(content_type.to_owned()).body(body)
    }
}

/// A JSON response that no cache may keep (answers about one person's subscription).
pub fn private_json<T: Serialize>(status: StatusCode, value: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, PRIVATE_CACHE_CONTROL))
        .content_type("application/json; charset=utf-8")
        .body(serde_json::to_vec(value).unwrap_or_default())
}

/// True when `If-None-Match` lists `etag` (weak comparison, as RFC 9110 asks) or is `*`.
pub(crate) fn if_none_match_hits(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || without_coding(tag.trim_start_matches("W/")) == etag)
        })
}

/// The `If-Match` of a write: the ETags the client read (none when it sent no header). Check
/// it against the locked row's representation inside the write's transaction.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Vec<String>);

impl IfMatch {
    /// The request's `If-Match`.
    pub fn of(req: &HttpRequest) -> Self {
        Self(if_match_values(req))
    }

    /// 412 when `current` (what a GET answers as `data`) no longer has one of the client's
    /// ETags; without the header there is nothing to check.
    pub fn check<T: Serialize>(&self, current: &T) -> Result<(), ApiError> {
        check_if_match(&self.0, &etag_of_json(&Item { data: current }))
    }

    /// Like [`check`](Self::check), for writes that must name the version they change (428
    /// without the header).
    pub fn require<T: Serialize>(&self, current: &T) -> Result<(), ApiError> {
        require_if_match(&self.0, &etag_of_json(&Item { data: current }))
    }
}

impl actix_web::FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(Self::of(req)))
    }
}

/// The entity tags of the request's `If-Match` headers (empty when it sent none).
pub fn if_match_values(req: &HttpRequest) -> Vec<String> {
    req.headers()
        .get_all(header::IF_MATCH)
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

/// Like [`check_if_match`], for writes that must send `If-Match` (428 without one).
pub fn require_if_match(values: &[String], current_etag: &str) -> Result<(), ApiError> {
    if values.is_empty() {
        return Err(ApiError::PreconditionRequired);
    }
    check_if_match(values, current_etag)
}

/// Checks `If-Match` values (from [`if_match_values`]) against the current ETag (strong
/// comparison of the resource's state: the gzip body's ETag names the same state): 412 when
/// stale; no values means no precondition.
pub fn check_if_match(values: &[String], current_etag: &str) -> Result<(), ApiError> {
    if values.is_empty() {
        return Ok(());
    }
    let matches = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || without_coding(tag) == current_etag);
    if matches {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}
