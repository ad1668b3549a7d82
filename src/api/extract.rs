//! Extractors for JSON bodies and query strings whose errors are problem+json naming every bad
//! field (serde alone stops at the first one and does not say where).

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures_util::{future::LocalBoxFuture, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{
    auth::{bearer_token, is_revoked, Admin, AuthUser},
    domain::Role,
    errors::{ApiError, FieldError, Validator},
    models::admin_user,
    state::AppState,
};

/// The largest body a route accepts, in bytes, unless its [`JsonBody`] says otherwise.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body (`application/json` or any `+json` type), and a [`Validator`] holding
/// the errors of fields whose JSON type was wrong (those fields are absent from the value), so
/// the handler's own checks add to them and the client hears of every bad field at once.
///
/// The body may be as large as the app's [`BodyLimit`], or `MAX` bytes when the route says
/// (`JsonBody<ArticleInput, ARTICLE_BODY_LIMIT>`).
pub struct JsonBody<T, const MAX: usize = 0>(pub T, pub Validator);

impl<T: DeserializeOwned + 'static, const MAX: usize> FromRequest for JsonBody<T, MAX> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = match MAX {
            0 => req.app_data::<BodyLimit>().map_or(64 * 1024, |l| l.0),
            max => max,
        };
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            let essence = content_type
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if essence != "application/json"
                && !(essence.starts_with("application/") && essence.ends_with("+json"))
            {
                return Err(ApiError::UnsupportedMediaType(format!(
                    "The body must be JSON, sent with `Content-Type: application/json`{}.",
                    if essence.is_empty() {
                        String::new()
                    } else {
                        format!(", not `{essence}`")
                    }
                )));
            }
            if declared_len.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::BadRequest(format!("The body could not be read: {e}"))
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            let (value, v) = json_object(&body)?;
            Ok(JsonBody(value, v))
        })
    }
}

/// A body read whole, as a JSON object of type `T` and a [`Validator`] holding the errors of
/// its fields (as [`JsonBody`] gives them): not JSON (not UTF-8, nested too deep) is a 400, and
/// so is a body with no usable fields, naming each.
pub fn json_object<T: DeserializeOwned>(body: &[u8]) -> Result<(T, Validator), ApiError> {
    let mut value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("The body is not valid JSON: {e}.")))?;
    integral_numbers_as_integers(&mut value);
    if !value.is_object() {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    let (value, errors) = from_value(value);
    match value {
        Some(v) => Ok((v, Validator::from(errors))),
        None => Err(ApiError::Validation(errors_or_body(errors))),
    }
}

/// JSON has one number type, and JSON Schema's `integer` is any number without a fraction:
/// `3.0` and `3e2` are integers there, as `3` is. serde reads them as floats, which an integer
/// field refuses, so every whole number is made an integer before the body is read.
fn integral_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            // i64::MAX as f64 rounds up to 2^63, which does not fit: keep below it.
            if x.fract() == 0.0 && x >= i64::MIN as f64 && x < i64::MAX as f64 {
                *value = Value::from(x as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
    }
}

fn errors_or_body(errors: Vec<FieldError>) -> Vec<FieldError> {
    if errors.is_empty() {
        vec![FieldError::new(
            "body",
            "does not fit this operation's schema",
        )]
    } else {
        errors
    }
}

/// Deserializes `value`, collecting an error for every field that does not fit instead of
/// stopping at the first: each bad top-level field is reported and removed, then it tries again.
/// Input types make their fields optional, so the value without the bad fields still parses.
pub fn from_value<T: DeserializeOwned>(mut value: Value) -> (Option<T>, Vec<FieldError>) {
    let mut errors = Vec::new();
    for _ in 0..64 {
        match serde_path_to_error::deserialize::<_, T>(value.clone()) {
            Ok(t) => return (Some(t), errors),
            Err(e) => {
                let path = e.path().to_string();
                let message = describe(&e.inner().to_string());
                let key = top_level_key(&path, &message);
                errors.push(FieldError::new(
                    if path == "." {
                        key.clone().unwrap_or_else(|| "body".into())
                    } else {
                        path
                    },
                    message,
                ));
                let removed = match (key, value.as_object_mut()) {
                    (Some(k), Some(obj)) => obj.remove(&k).is_some(),
                    _ => false,
                };
                if !removed {
                    return (None, errors);
                }
            }
        }
    }
    (None, errors)
}

/// A query string, with errors naming the parameter.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut errors = Vec::new();
    for _ in 0..32 {
        let encoded = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        let de =
            serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(encoded.as_bytes()));
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(t) if errors.is_empty() => return Ok(t),
            Ok(_) => break,
            Err(e) => {
                let path = e.path().to_string();
                let message = describe(&e.inner().to_string());
                let key = if path == "." {
                    top_level_key(&path, &message)
                } else {
                    Some(path.clone())
                };
                let field = key.clone().unwrap_or_else(|| "query".into());
                errors.push(FieldError::new(field, message));
                let before = pairs.len();
                if let Some(k) = key {
                    pairs.retain(|(name, _)| *name != k);
                }
                if pairs.len() == before {
                    break;
                }
            }
        }
    }
    Err(ApiError::Validation(errors))
}

/// The field a root-level serde message is about (`missing field `x``, `unknown field `x``).
fn top_level_key(path: &str, message: &str) -> Option<String> {
    if path != "." {
        return path.split(['.', '[']).next().map(str::to_owned);
    }
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_owned())
}

/// Serde's wording, made plainer for API users.
fn describe(serde_message: &str) -> String {
    let m = serde_message
        .split(" at line ")
        .next()
        .unwrap_or(serde_message);
    if let Some(rest) = m.strip_prefix("invalid type: ") {
        let (got, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        let expected = match expected {
            e if e.starts_with('i') || e.starts_with('u') && e.len() <= 5 => "an integer",
            "a boolean" | "bool" => "true or false",
            e => e,
        };
        return format!("must be {expected}, not {got}");
    }
    if m.starts_with("unknown field") {
        return "is not a known field".into();
    }
    if m.starts_with("invalid digit")
        || m.starts_with("cannot parse integer")
        || m.starts_with("number too large")
    {
        return "must be an integer".into();
    }
    if m.starts_with("invalid value: integer") {
        return "is out of range".into();
    }
    m.to_owned()
}

/// A small request body, read whole: a 413 past `limit` bytes.
pub async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::BadRequest("The body could not be read.".into()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A `{slug}` path segment; one that cannot be a slug is a 404 without a query.
pub struct SlugParam(String);

impl<'de> serde::Deserialize<'de> for SlugParam {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        crate::domain::Slug::parse(&s)
            .map(|_| SlugParam(s))
            .map_err(serde::de::Error::custom)
    }
}

impl std::ops::Deref for SlugParam {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SlugParam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A `{state}` path segment: two capital letters, else a 404 without a query.
pub struct StateParam(String);

impl<'de> serde::Deserialize<'de> for StateParam {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        crate::domain::UsState::parse(&s)
            .map(|state| StateParam(state.into_inner()))
            .map_err(serde::de::Error::custom)
    }
}

impl std::ops::Deref for StateParam {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for StateParam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The editor or admin a request's bearer token names. The user is read on every request (one
/// indexed read), so disabling or demoting a user takes effect at once.
async fn authenticate(req: HttpRequest) -> Result<AuthUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState missing")))?;
    let token = bearer_token(&req).ok_or_else(|| {
        ApiError::Unauthorized("This request needs `Authorization: Bearer <token>`.".into())
    })?;
    let claims = state.tokens.verify(token)?;
    let id: i64 = claims.sub.parse().map_err(|_| {
        ApiError::Unauthorized("The bearer token is invalid or has expired.".into())
    })?;
    let mut conn = state.pool.get().await?;
    match admin_user::access(&mut conn, id).await? {
        Some(a) if !a.disabled && !is_revoked(&claims, a.tokens_valid_after) => {
            Ok(AuthUser { id, role: a.role })
        }
        _ => Err(ApiError::Unauthorized(
            "The bearer token is invalid or has expired.".into(),
        )),
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = authenticate(req).await?;
            if user.role == Role::Admin {
                Ok(Admin(user))
            } else {
                Err(ApiError::Forbidden("This needs the `admin` role.".into()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        title: Option<String>,
        year: Option<i64>,
        people: Option<Vec<String>>,
    }

    #[test]
    fn every_bad_field_is_named() {
        let (value, errs) = from_value::<Input>(
            serde_json::json!({"title": 5, "year": "x", "people": ["a", 3], "extra": 1}),
        );
        assert!(value.is_some(), "the other fields still parse");
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&"title")
                && fields.contains(&"year")
                && fields.contains(&"people[1]")
                && fields.contains(&"extra"),
            "{fields:?}"
        );
    }

    #[test]
    fn a_whole_number_written_with_a_fraction_is_an_integer() {
        let mut body =
            serde_json::json!({"title": "t", "year": 1958.0, "people": [], "x": [2.5, 1e2]});
        integral_numbers_as_integers(&mut body);
        assert_eq!(body["year"], serde_json::json!(1958));
        assert_eq!(body["x"], serde_json::json!([2.5, 100]));
        body.as_object_mut().unwrap().remove("x");
        let (value, errs) = from_value::<Input>(body);
        assert_eq!(value.and_then(|v| v.year), Some(1958), "{errs:?}");
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Q {
        limit: Option<u32>,
        cursor: Option<String>,
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let err = parse_query::<Q>("limit=abc&cursor=x").unwrap_err();
        match err {
            ApiError::Validation(errs) => assert_eq!(errs[0].field, "limit"),
            other => panic!("{other:?}"),
        }
        assert!(parse_query::<Q>("limit=5&other=1").is_ok());
    }
}
