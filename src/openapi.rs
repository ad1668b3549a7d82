//! The OpenAPI document: its frame here, its operations from the handlers (see `api::configure`).

use actix_web::App;
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};
use utoipa_actix_web::AppExt;

use crate::errors::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Perfusion Partners API",
        description = "The content and community API for perfusionists: articles, staffing statistics, \
certification, the history of perfusion, and member subscriptions.\n\n\
Conventions: JSON in and out; one item is `{\"data\": …}`, a list is `{\"data\": […], \"meta\": {\"limit\", \"next_cursor\", \"total\"}}` \
with keyset pagination through the opaque `cursor` and an RFC 8288 `Link: rel=\"next\"` header (a relative reference). \
Errors are RFC 9457 `application/problem+json` with a stable `code` and, for validation, `errors: [{field, message}]`. \
Public GETs carry a strong `ETag` and `Cache-Control` and answer `If-None-Match` with 304. \
Writes need `Authorization: Bearer <token>` from `POST /api/v1/auth/token`.",
        license(name = "MIT")
    ),
    modifiers(&BearerAuth),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "Articles", description = "News, research, career guidance and tips; categories and tags"),
        (name = "Feeds", description = "RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the latest articles, for partner sites"),
        (name = "Staffing", description = "Workforce statistics with their sources and history, and the workforce projection"),
        (name = "Certification", description = "The pathway to the CCP credential, accredited programs, licensure by state"),
        (name = "Practice", description = "The types of perfusion and the steps of a perfusion service"),
        (name = "Subscriptions", description = "Join the community: double opt-in sign-up, confirmation, one-click unsubscribe, preferences"),
        (name = "History", description = "The timeline of perfusion"),
        (name = "Auth", description = "Admin tokens"),
        (name = "Admin users", description = "Editors and admins (admin role)"),
        (name = "Operations", description = "Health, metrics and this document"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The whole document, generated from the code.
pub fn spec() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::api::configure)
        .split_for_parts();
    api
}

/// The document as committed in `openapi/openapi.json` (pretty, with a final newline).
pub fn spec_json() -> String {
    let mut json = spec()
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    json.push('\n');
    json
}
