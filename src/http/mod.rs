//! HTTP mechanics shared by the handlers and the middleware, below both: the envelopes, page
//! parameters and signed cursors of API.md (`pagination`), validators and caching headers
//! (`cache`: ETag, 304, `If-Match`), and the middleware that makes every route behave the same
//! (`semantics`: HEAD as GET, an ETag per content coding, CORS refusals as problems), the 405s
//! with `Allow` (`methods`) and the security headers of every answer (`security`).
//! Nothing here knows a resource.

pub mod cache;
pub mod deadline;
pub mod envelope;
pub mod links;
pub mod methods;
pub mod pagination;
pub mod security;
pub mod semantics;
