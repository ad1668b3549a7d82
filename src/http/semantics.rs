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

/// The content codings whose bodies get ETags of their own: `"<tag>-<coding>"`.
const CODINGS: &[&str] = &["gzip", "deflate", "br", "zstd"];

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

/// Middleware (outside compression): a body sent with a content coding gets the ETag
/// `"<tag>-<coding>"`, so a cache never mixes up two representations; a 304 carries the ETag of
/// the representation the client says it holds.
pub async fn etag_per_coding(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let held_coding = req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|tag| coding_of(tag.trim()));
    let mut res = next.call(req).await?;
    let coding = if res.status() == StatusCode::NOT_MODIFIED {
        held_coding
    } else {
        res.headers()
            .get(header::CONTENT_ENCODING)
            .and_then(|c| c.to_str().ok())
            .and_then(|c| CODINGS.iter().copied().find(|k| c.eq_ignore_ascii_case(k)))
    };
    if let Some(coding) = coding {
        let tagged = res
            .headers()
            .get(header::ETAG)
            .and_then(|e| e.to_str().ok())
            .and_then(|e| coded_etag(e, coding));
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
fn coded_etag(etag: &str, coding: &str) -> Option<HeaderValue> {
    let inner = etag.strip_prefix('"')?.strip_suffix('"')?;
    if coding_of(etag).is_some() {
        return None;
    }
    HeaderValue::from_str(&format!("\"{inner}-{coding}\"")).ok()
}

/// The coding a tag was marked with, if any.
fn coding_of(tag: &str) -> Option<&'static str> {
    let inner = tag.trim_start_matches("W/").strip_suffix('"')?;
    CODINGS.iter().copied().find(|c| {
        inner
            .strip_suffix(c)
            .is_some_and(|rest| rest.ends_with('-'))
    })
}

/// The tag of the resource's state whichever coding it was sent in: `"abc-gzip"` → `"abc"`.
pub fn without_coding(tag: &str) -> String {
    match coding_of(tag) {
        Some(coding) => {
            let inner = tag.strip_suffix('"').unwrap_or(tag);
            format!("{}\"", &inner[..inner.len() - coding.len() - 1])
        }
        None => tag.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_coded_etag_is_the_plain_one_marked_and_maps_back() {
        for coding in CODINGS {
            let tagged = coded_etag("\"abc\"", coding).unwrap();
            assert_eq!(tagged, format!("\"abc-{coding}\"").as_str());
            assert_eq!(coding_of(tagged.to_str().unwrap()), Some(*coding));
            assert_eq!(without_coding(tagged.to_str().unwrap()), "\"abc\"");
        }
        assert_eq!(without_coding("\"abc\""), "\"abc\"");
        assert_eq!(without_coding("\"abcgzip\""), "\"abcgzip\"");
        assert!(coded_etag("W/\"abc\"", "gzip").is_none());
        assert!(coded_etag("\"abc-gzip\"", "gzip").is_none());
    }
}
