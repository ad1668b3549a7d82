//! HTTP semantics that every route shares (RFC 9110): HEAD is answered as GET without a body,
//! each content coding of a body has its own strong ETag, and a refused CORS preflight is a
//! problem like every other error.

use actix_web::{
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{
        header::{self, HeaderValue},
        Method, StatusCode,
    },
    middleware::Next,
    Error, ResponseError,
};

use crate::errors::ApiError;

/// The suffix, inside the quotes, of the ETag of a gzip-coded body.
pub const GZIP_ETAG_SUFFIX: &str = "-gzip";

/// Middleware: a HEAD request is routed and answered as a GET. The connection knows it was a
/// HEAD and sends the status and headers (ETag, Content-Length, Cache-Control) but no body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// Middleware (outside compression): a gzip-coded body gets the ETag `"<tag>-gzip"`, so a
/// cache never mixes up the two representations; a 304 carries the ETag of the
/// representation the client holds.
pub async fn etag_per_coding(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let client_has_gzip = req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim().ends_with(&format!("{GZIP_ETAG_SUFFIX}\"")));
    let mut res = next.call(req).await?;
    let gzip = res
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|c| c.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let not_modified = res.status() == StatusCode::NOT_MODIFIED;
    if gzip || (not_modified && client_has_gzip) {
        let tagged = res
            .headers()
            .get(header::ETAG)
            .and_then(|e| e.to_str().ok())
            .and_then(gzip_etag);
        if let Some(tagged) = tagged {
            res.headers_mut().insert(header::ETAG, tagged);
        }
    }
    Ok(res)
}

/// Middleware (outside CORS): a preflight that CORS refused is answered as problem+json: 403
/// for an origin that may not write, 400 for a method or header that is not allowed.
pub async fn cors_problem(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let res = next.call(req).await?;
    let refusal = res
        .response()
        .error()
        .and_then(|e| e.as_error::<actix_cors::CorsError>())
        .map(|e| match e {
            actix_cors::CorsError::OriginNotAllowed => ApiError::Forbidden(
                "This origin may not send this request. Public reads and the subscription \
                 endpoints accept any origin; other writes only the origins in \
                 CORS_ALLOWED_ORIGINS."
                    .into(),
            ),
            other => ApiError::BadRequest(format!("CORS preflight refused: {other}")),
        });
    match refusal {
        Some(problem) => {
            let (req, _) = res.into_parts();
            Ok(ServiceResponse::new(req, problem.error_response()))
        }
        None => Ok(res.map_into_boxed_body()),
    }
}

/// `"abc"` → `"abc-gzip"`; weak tags and tags already marked are left alone.
fn gzip_etag(etag: &str) -> Option<HeaderValue> {
    let inner = etag.strip_prefix('"')?.strip_suffix('"')?;
    if inner.ends_with(GZIP_ETAG_SUFFIX) {
        return None;
    }
    HeaderValue::from_str(&format!("\"{inner}{GZIP_ETAG_SUFFIX}\"")).ok()
}

/// The tag of the resource's state whichever coding it was sent in: `"abc-gzip"` → `"abc"`.
pub fn without_coding(tag: &str) -> String {
    match tag.strip_suffix(&format!("{GZIP_ETAG_SUFFIX}\"")) {
        Some(inner) => format!("{inner}\""),
        None => tag.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gzip_etag_is_the_plain_one_marked_and_maps_back() {
        let tagged = gzip_etag("\"abc\"").unwrap();
        assert_eq!(tagged, "\"abc-gzip\"");
        assert_eq!(without_coding(tagged.to_str().unwrap()), "\"abc\"");
        assert_eq!(without_coding("\"abc\""), "\"abc\"");
        assert!(gzip_etag("W/\"abc\"").is_none());
        assert!(gzip_etag("\"abc-gzip\"").is_none());
    }
}
