//! The security headers of every answer, in one middleware (the outermost, so errors, 404s,
//! 405s and the 503s of an unready database get them too): no MIME sniffing, no referrer, a
//! Content-Security-Policy fitted to what the answer is, who may frame it (only the widgets
//! under `/embed`, by the origins in `EMBED_ALLOWED_ORIGINS`), HSTS when the public address is
//! `https`, and nothing that names the software.

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderMap, HeaderName, HeaderValue},
    middleware::Next,
    test::TestRequest,
    web, Error,
};

/// JSON, problems, CSV, feeds, metrics: nothing to load, run, submit or be framed by.
pub const API_CSP: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Pages for people (an article's page, a problem's page, their HTML error pages): their own
/// inline style sheet (written from validated colours only), pictures from anywhere on the web
/// (an article's are on other sites), no script, no form, never framed.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src 'self' https: http: data:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The interactive docs (Swagger UI, served from this service's own files): its script, style
/// sheets and icons from here, "Try it out" calls to here, never framed. Nothing inline but the
/// one `<style>` element Swagger UI writes (its logo's colours), allowed by its hash.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// HSTS, for a service whose public address is `https`: a year, this host only (the operator's
/// other subdomains are theirs to decide), not preloaded.
const HSTS: &str = "max-age=31536000";

/// The headers' settings, registered as app data.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    /// The `Content-Security-Policy` of a widget: it may draw with inline styles, show
    /// pictures, show frames of this service (the gallery shows the widgets), post its form
    /// here, and be framed by the allowed origins; nothing else.
    embed_csp: HeaderValue,
    /// Whether to send `Strict-Transport-Security`.
    hsts: bool,
}

/// Where an answer belongs, for its policy.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Area {
    /// `/embed` and below: the widgets.
    Embed,
    /// `/docs` and below.
    Docs,
    /// Everything else.
    Api,
}

impl Area {
    fn of(path: &str) -> Self {
        if under(path, "/embed") {
            Self::Embed
        } else if under(path, "/docs") {
            Self::Docs
        } else {
            Self::Api
        }
    }
}

impl SecurityHeaders {
    /// `allowed_origins` may frame the widgets (none named, or `*`: any); `public_base_url` is
    /// where people reach the service (`https` turns HSTS on).
    pub fn new(allowed_origins: &[String], public_base_url: &str) -> Self {
        let ancestors = if allowed_origins.is_empty() || allowed_origins.iter().any(|o| o == "*") {
            "*".to_owned()
        } else {
            allowed_origins.join(" ")
        };
        let embed_csp = format!(
            "default-src 'none'; style-src 'unsafe-inline'; \
             img-src 'self' https: http: data:; frame-src 'self'; form-action 'self'; \
             base-uri 'none'; frame-ancestors {ancestors}"
        );
        Self {
            // The origins were checked as origins when the settings were read.
            embed_csp: HeaderValue::from_str(&embed_csp)
                .unwrap_or(HeaderValue::from_static("frame-ancestors 'none'")),
            hsts: public_base_url
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://")),
        }
    }

    /// The `Content-Security-Policy` for an answer in `area` of `content_type`, given the
    /// policy the handler set itself (a chart's), and whether it may be framed at all.
    fn policy(
        &self,
        area: Area,
        content_type: &[u8],
        own: Option<&HeaderValue>,
    ) -> (HeaderValue, bool) {
        let csp = match (area, own) {
            (Area::Embed, _) => return (self.embed_csp.clone(), true),
            (Area::Docs, _) => HeaderValue::from_static(DOCS_CSP),
            (Area::Api, Some(own)) if !own.is_empty() => {
                let own = own.to_str().unwrap_or("default-src 'none'");
                if own.contains("frame-ancestors") {
                    HeaderValue::from_str(own)
                } else {
                    HeaderValue::from_str(&format!("{own}; frame-ancestors 'none'"))
                }
                .unwrap_or(HeaderValue::from_static(API_CSP))
            }
            _ if content_type.starts_with(b"text/html") => HeaderValue::from_static(PAGE_CSP),
            _ => HeaderValue::from_static(API_CSP),
        };
        (csp, false)
    }

    /// Sets the headers on an answer in `area`.
    fn apply(&self, area: Area, headers: &mut HeaderMap) {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .map_or(&b""[..], HeaderValue::as_bytes);
        let own = headers.get(header::CONTENT_SECURITY_POLICY);
        let (csp, frameable) = self.policy(area, content_type, own);
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
        if frameable {
            headers.remove(header::X_FRAME_OPTIONS);
        } else {
            // For browsers that predate `frame-ancestors`.
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        if self.hsts {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(HSTS),
            );
        }
        headers.remove(header::SERVER);
        headers.remove(HeaderName::from_static("x-powered-by"));
    }
}

/// Whether `path` is `prefix` or below it (`/embed`, `/embed/articles`; not `/embedded`).
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Middleware (the outermost): the security headers on every answer, an error's too.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let settings = req.app_data::<web::Data<SecurityHeaders>>().cloned();
    let area = Area::of(req.path());
    // Inner layers need the request unshared, so an error's answer goes out with a detached
    // copy of its line.
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let mut res = match next.call(req).await {
        Ok(res) => res.map_into_left_body(),
        // An error no inner layer turned into an answer becomes one here, with the headers.
        Err(e) => {
            let detached = TestRequest::default()
                .method(method)
                .uri(&uri.to_string())
                .to_http_request();
            ServiceResponse::from_err(e, detached).map_into_right_body()
        }
    };
    if let Some(settings) = settings {
        settings.apply(area, res.headers_mut());
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_for(s: &SecurityHeaders, path: &str, ct: &str, own: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        if let Some(own) = own {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(own).unwrap(),
            );
        }
        h.insert(header::SERVER, HeaderValue::from_static("actix-web/4"));
        s.apply(Area::of(path), &mut h);
        h
    }

    fn get(h: &HeaderMap, name: HeaderName) -> &str {
        h.get(name).unwrap().to_str().unwrap()
    }

    fn csp(h: &HeaderMap) -> &str {
        get(h, header::CONTENT_SECURITY_POLICY)
    }

    #[test]
    fn only_widgets_may_be_framed_and_only_by_the_allowed_origins() {
        assert!(under("/embed", "/embed") && under("/embed/articles", "/embed"));
        assert!(!under("/embedded", "/embed") && !under("/api/v1/embed", "/embed"));
        let any = SecurityHeaders::new(&[], "http://127.0.0.1:8080");
        let h = headers_for(&any, "/embed/articles", "text/html", None);
        assert!(csp(&h).ends_with("frame-ancestors *"));
        assert!(!h.contains_key(header::X_FRAME_OPTIONS));
        let some = SecurityHeaders::new(
            &["https://a.example".into(), "https://b.example".into()],
            "http://x",
        );
        let h = headers_for(&some, "/embed", "text/html", None);
        assert!(csp(&h).ends_with("frame-ancestors https://a.example https://b.example"));
        assert!(csp(&h).starts_with("default-src 'none'"));
        for path in ["/embedded", "/articles/a", "/api/v1/articles", "/docs/"] {
            let h = headers_for(&some, path, "text/html", None);
            assert!(csp(&h).ends_with("frame-ancestors 'none'"), "{path}");
            assert_eq!(get(&h, header::X_FRAME_OPTIONS), "DENY", "{path}");
        }
    }

    #[test]
    fn each_kind_of_answer_gets_its_policy() {
        let s = SecurityHeaders::new(&[], "http://x");
        let json = headers_for(&s, "/api/v1/articles", "application/json", None);
        assert_eq!(csp(&json), API_CSP);
        let problem = headers_for(&s, "/nothing", "application/problem+json", None);
        assert_eq!(csp(&problem), API_CSP);
        let page = headers_for(&s, "/articles/a", "text/html; charset=utf-8", None);
        assert_eq!(csp(&page), PAGE_CSP);
        for path in ["/docs", "/docs/", "/docs/swagger-ui.css"] {
            assert_eq!(csp(&headers_for(&s, path, "text/css", None)), DOCS_CSP);
        }
        let chart = headers_for(&s, "/c.svg", "image/svg+xml", Some("default-src 'none'"));
        assert_eq!(csp(&chart), "default-src 'none'; frame-ancestors 'none'");
        assert!(!DOCS_CSP.contains("unsafe") && !API_CSP.contains("unsafe"));
    }

    #[test]
    fn the_docs_policy_allows_the_one_style_element_swagger_ui_writes_and_no_other() {
        use base64::{engine::general_purpose::STANDARD, Engine};
        use sha2::{Digest, Sha256};
        // What the page's scripts write into a `<style>` element (React's createElement).
        const STYLE: &str = r#"createElement("style",null,""#;
        let config = std::sync::Arc::new(utoipa_swagger_ui::Config::from("/openapi.json"));
        let mut written = Vec::new();
        for file in ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"] {
            let js = utoipa_swagger_ui::serve(file, config.clone())
                .unwrap()
                .unwrap();
            let js = String::from_utf8_lossy(&js.bytes).into_owned();
            assert_eq!(
                js.matches(r#"createElement("style""#).count(),
                js.matches(STYLE).count(),
                "{file}: every <style> element it makes has a fixed text"
            );
            let mut from = 0;
            while let Some(at) = js[from..].find(STYLE) {
                let start = from + at + STYLE.len();
                let end = start + js[start..].find('"').unwrap();
                written.push(js[start..end].to_owned());
                from = end;
            }
        }
        assert_eq!(written.len(), 1, "one <style> element: {written:?}");
        let hash = STANDARD.encode(Sha256::digest(written[0].as_bytes()));
        assert!(DOCS_CSP.contains(&format!("'sha256-{hash}'")), "{hash}");
    }

    #[test]
    fn every_answer_gets_nosniff_and_no_referrer_and_no_banner() {
        let s = SecurityHeaders::new(&[], "http://x");
        for path in ["/embed", "/docs/", "/api/v1/articles", "/nothing"] {
            let h = headers_for(&s, path, "application/json", None);
            assert_eq!(get(&h, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            assert_eq!(get(&h, header::REFERRER_POLICY), "no-referrer");
            assert!(!h.contains_key(header::SERVER));
            assert!(!h.contains_key(header::STRICT_TRANSPORT_SECURITY));
        }
    }

    #[test]
    fn hsts_only_when_people_reach_the_service_over_https() {
        for (base, hsts) in [
            ("https://api.example", true),
            ("HTTPS://api.example", true),
            ("http://127.0.0.1:8080", false),
            ("http", false),
        ] {
            let s = SecurityHeaders::new(&[], base);
            let h = headers_for(&s, "/api/v1/articles", "application/json", None);
            assert_eq!(
                h.contains_key(header::STRICT_TRANSPORT_SECURITY),
                hsts,
                "{base}"
            );
        }
    }
}
