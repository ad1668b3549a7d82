//! Which methods each path takes, from the OpenAPI document (plus the docs' static files), and
//! the middleware that answers any other method with 405 and `Allow` (RFC 9110, 15.5.6) before
//! the request is routed: before authentication, before a `{id}` parameter is read, whatever
//! the method is called (`TRACE`, `PROPFIND`, `BREW`).

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web, Error,
};

use crate::errors::ApiError;

/// The paths and methods of the OpenAPI document, to tell 404 from 405 (with `Allow`).
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    /// A route's path split at `/` (`{name}` for a parameter) and the methods it takes.
    routes: Vec<(Vec<String>, Vec<String>)>,
    /// Trees of static files (the docs): the prefix (also a path itself) and its methods.
    trees: Vec<(String, Vec<String>)>,
}

impl RouteTable {
    pub fn from_spec(spec: &utoipa::openapi::OpenApi) -> Self {
        let routes = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let methods = with_implied(
                    [
                        ("GET", item.get.is_some()),
                        ("POST", item.post.is_some()),
                        ("PUT", item.put.is_some()),
                        ("PATCH", item.patch.is_some()),
                        ("DELETE", item.delete.is_some()),
                    ]
                    .into_iter()
                    .filter(|(_, has)| *has)
                    .map(|(m, _)| m),
                );
                (segments, methods)
            })
            .collect();
        Self {
            routes,
            trees: Vec::new(),
        }
    }

    /// `prefix` and everything below it are static files read with GET (and HEAD, OPTIONS).
    pub fn with_static_tree(mut self, prefix: &str) -> Self {
        self.trees
            .push((prefix.to_owned(), with_implied(["GET"].into_iter())));
        self
    }

    /// The methods allowed on `path`, if it is a route at all. A literal segment wins over a
    /// parameter (`/subscribers/stats` over `/subscribers/{id}`).
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        if let Some((_, methods)) = self.trees.iter().find(|(prefix, _)| {
            path.strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        }) {
            return Some(methods.clone());
        }
        let wanted: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .filter(|(segments, _)| {
                segments.len() == wanted.len()
                    && segments
                        .iter()
                        .zip(&wanted)
                        .all(|(s, w)| (s.starts_with('{') && !w.is_empty()) || s == w)
            })
            .max_by_key(|(segments, _)| segments.iter().filter(|s| !s.starts_with('{')).count())
            .map(|(_, methods)| methods.clone())
    }

    /// The 405 for `method` on `path`, when the path is a route that does not take it. OPTIONS
    /// is always taken (a plain one lists `Allow`; a CORS preflight is CORS's).
    pub fn refusal(&self, method: &Method, path: &str) -> Option<ApiError> {
        let allow = self.allowed(path)?;
        let taken = *method == Method::OPTIONS || allow.iter().any(|m| m == method.as_str());
        (!taken).then_some(ApiError::MethodNotAllowed { allow })
    }
}

/// The methods a path takes: its own, HEAD where it takes GET, and OPTIONS.
fn with_implied<'a>(own: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut methods: Vec<String> = Vec::new();
    for m in own {
        methods.push(m.to_owned());
        if m == "GET" {
            methods.push("HEAD".to_owned());
        }
    }
    methods.push("OPTIONS".to_owned());
    methods
}

/// Middleware (inside CORS and HEAD-as-GET, outside the routes): a method the path does not
/// take is a 405 with `Allow` at once.
pub async fn refuse_other_methods(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let refusal = req
        .app_data::<web::Data<RouteTable>>()
        .and_then(|t| t.refusal(req.method(), req.path()));
    match refusal {
        Some(e) => Ok(req.error_response(e).map_into_right_body()),
        None => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable {
        let routes = [
            ("/api/v1/things", vec!["GET", "HEAD", "POST", "OPTIONS"]),
            (
                "/api/v1/things/{id}",
                vec!["GET", "HEAD", "DELETE", "OPTIONS"],
            ),
            ("/api/v1/things/stats", vec!["GET", "HEAD", "OPTIONS"]),
        ];
        RouteTable {
            routes: routes
                .into_iter()
                .map(|(p, m)| {
                    (
                        p.split('/').map(str::to_owned).collect(),
                        m.into_iter().map(str::to_owned).collect(),
                    )
                })
                .collect(),
            trees: Vec::new(),
        }
        .with_static_tree("/docs")
    }

    #[test]
    fn a_literal_segment_wins_over_a_parameter() {
        let t = table();
        assert_eq!(
            t.allowed("/api/v1/things/stats").unwrap(),
            ["GET", "HEAD", "OPTIONS"]
        );
        assert!(t.refusal(&Method::DELETE, "/api/v1/things/stats").is_some());
        assert!(t.refusal(&Method::DELETE, "/api/v1/things/7").is_none());
        assert!(
            t.allowed("/api/v1/things/").is_none(),
            "an empty id is no id"
        );
        assert!(t.allowed("/api/v1/other").is_none());
    }

    #[test]
    fn any_method_a_route_does_not_take_is_refused_but_options_never() {
        let t = table();
        for m in ["PUT", "PATCH", "TRACE", "PROPFIND", "BREW"] {
            let method = Method::from_bytes(m.as_bytes()).unwrap();
            match t.refusal(&method, "/api/v1/things") {
                Some(ApiError::MethodNotAllowed { allow }) => {
                    assert_eq!(allow, ["GET", "HEAD", "POST", "OPTIONS"])
                }
                other => panic!("{m}: {other:?}"),
            }
        }
        assert!(t.refusal(&Method::OPTIONS, "/api/v1/things").is_none());
        assert!(t.refusal(&Method::POST, "/nothing/here").is_none(), "a 404");
    }

    #[test]
    fn a_static_tree_takes_get_below_its_prefix_only() {
        let t = table();
        for path in ["/docs", "/docs/", "/docs/swagger-ui.css", "/docs/a/b"] {
            assert_eq!(
                t.allowed(path).unwrap(),
                ["GET", "HEAD", "OPTIONS"],
                "{path}"
            );
            assert!(t.refusal(&Method::POST, path).is_some(), "{path}");
        }
        assert!(t.allowed("/docsx").is_none());
    }
}
