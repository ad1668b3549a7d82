//! The OpenAPI document: its frame here, its operations from the handlers (see `api::configure`).

use actix_web::App;
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};
use utoipa_actix_web::AppExt;

use crate::errors::{FieldError, Problem, ProblemType, PROBLEM_TYPES};

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
        license(name = "MIT", identifier = "MIT")
    ),
    security(()),
    servers((url = "/", description = "This server (paths are relative to where the document is served)")),
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
        (name = "Audit log", description = "Every write by an editor or admin: who, what, when and from where (admin role)"),
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
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("`METRICS_TOKEN`, for `/metrics` only"))
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

/// The document as committed in `openapi/openapi.json` and served at `/openapi.json`
/// (pretty, with a final newline), with named schemas referenced rather than copied.
pub fn spec_json() -> String {
    render(&spec())
}

/// `spec` as JSON, the way [`spec_json`] renders it.
pub fn render(spec: &utoipa::openapi::OpenApi) -> String {
    let mut doc = serde_json::to_value(spec).expect("the OpenAPI document serializes");
    reference_named_schemas(&mut doc);
    require_path_parameters(&mut doc);
    example_problems_by_status(&mut doc);
    merge_inline_wrappers(&mut doc);
    let mut json = serde_json::to_string_pretty(&doc).expect("a JSON value serializes");
    json.push('\n');
    json
}

/// A field whose schema comes from a domain type (`inline, value_type = BoundedText<1, 200>`)
/// is wrapped by utoipa in a `oneOf` of that one schema (to hold the field's description), or
/// of it and `{"type": "null"}` when optional. Both become the plain schema the type states,
/// with `"type": [t, "null"]` for the optional one, as a hand-written field would be.
fn merge_inline_wrappers(node: &mut serde_json::Value) {
    use serde_json::Value;
    fn is_null(v: &Value) -> bool {
        v.as_object()
            .is_some_and(|o| o.len() == 1 && o.get("type") == Some(&Value::from("null")))
    }
    match node {
        Value::Object(map) => {
            map.values_mut().for_each(merge_inline_wrappers);
            let Some(Value::Array(items)) = map.get("oneOf") else {
                return;
            };
            let nullable = items.iter().any(is_null);
            let inner: Vec<&Value> = items.iter().filter(|v| !is_null(v)).collect();
            let [Value::Object(inner)] = inner.as_slice() else {
                return;
            };
            let Some(Value::String(t)) = inner.get("type") else {
                return;
            };
            if items.len() > 1 + usize::from(nullable) {
                return;
            }
            let mut merged = inner.clone();
            if nullable {
                merged.insert("type".into(), serde_json::json!([t, "null"]));
            }
            map.remove("oneOf");
            for (k, v) in merged {
                map.entry(k).or_insert(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(merge_inline_wrappers),
        _ => {}
    }
}

/// Each error response shows an example problem of its own status (taken from the table of
/// problem types), not the one schema-level example, which is a 400.
fn example_problems_by_status(doc: &mut serde_json::Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut().filter_map(|item| item.as_object_mut()) {
        for op in item.values_mut() {
            let Some(responses) = op
                .get_mut("responses")
                .and_then(serde_json::Value::as_object_mut)
            else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                let Some(kind) = PROBLEM_TYPES
                    .iter()
                    .find(|p| p.status.as_str() == status.as_str())
                else {
                    continue;
                };
                if let Some(media) = response
                    .get_mut("content")
                    .and_then(|c| c.get_mut("application/problem+json"))
                    .and_then(serde_json::Value::as_object_mut)
                {
                    media.insert("example".into(), example_problem(kind));
                }
            }
        }
    }
}

fn example_problem(kind: &ProblemType) -> serde_json::Value {
    let mut example = serde_json::json!({
        "type": format!("/problems/{}", kind.code),
        "title": kind.title,
        "status": kind.status.as_u16(),
        "detail": kind.description,
        "code": kind.code,
    });
    if kind.code == "validation_failed" {
        example["detail"] = "`limit` must be from 1 to 100.".into();
        example["errors"] =
            serde_json::json!([{"field": "limit", "message": "must be from 1 to 100"}]);
    }
    example
}

/// A path parameter is always required (OpenAPI 3.1, 4.8.12.2); utoipa drops the flag when a
/// parameter's schema comes from `schema_with`.
fn require_path_parameters(doc: &mut serde_json::Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for op in paths.values_mut().filter_map(|item| item.as_object_mut()) {
        for op in op.values_mut() {
            if let Some(params) = op
                .get_mut("parameters")
                .and_then(serde_json::Value::as_array_mut)
            {
                for p in params.iter_mut().filter(|p| p["in"] == "path") {
                    p["required"] = serde_json::Value::Bool(true);
                }
            }
        }
    }
}

/// utoipa inlines the type argument of a generic envelope (`Item<Article>` carries a copy of
/// `Article`), which leaves the named schema unused and gives generated clients anonymous
/// types. Every inline copy of a named schema becomes a `$ref` to it.
fn reference_named_schemas(doc: &mut serde_json::Value) {
    let named: Vec<(String, serde_json::Value)> = doc["components"]["schemas"]
        .as_object()
        .map(|schemas| {
            schemas
                .iter()
                .map(|(name, schema)| (name.clone(), schema.clone()))
                .collect()
        })
        .unwrap_or_default();
    fn walk(node: &mut serde_json::Value, named: &[(String, serde_json::Value)]) {
        if let Some((name, _)) = named.iter().find(|(_, schema)| schema == node) {
            *node = serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
            return;
        }
        match node {
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| walk(v, named)),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, named)),
            _ => {}
        }
    }
    walk(&mut doc["paths"], &named);
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for schema in schemas.values_mut() {
            // A named schema's own body stays; what it contains may refer to others.
            if let Some(map) = schema.as_object_mut() {
                map.values_mut().for_each(|v| walk(v, &named));
            }
        }
    }
}
