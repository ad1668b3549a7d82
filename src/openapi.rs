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
    add_cross_field_rules(&mut doc);
    require_path_parameters(&mut doc);
    add_chain_links(&mut doc);
    html_error_pages(&mut doc);
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

/// The rules of [`crate::api::schemas::cross_field_rules`], added once the named schemas are
/// referenced (an inline copy is recognised by being equal to the derived schema).
fn add_cross_field_rules(doc: &mut serde_json::Value) {
    for (name, keyword, value) in crate::api::schemas::cross_field_rules() {
        let schema = doc["components"]["schemas"][name]
            .as_object_mut()
            .unwrap_or_else(|| panic!("no schema named {name} for its cross-field rule"));
        schema.insert(keyword.into(), value);
    }
}

/// The links of each chain in [`crate::api::chains::CHAINS`]: a create's 201 and an update's
/// 200 name the item by the body (`$response.body#/data/slug`; an update may change a slug),
/// the read's 200 by its own path; each update is given the answer's `ETag` as `If-Match`.
/// Then the links of [`crate::api::chains::FEEDS`].
fn add_chain_links(doc: &mut serde_json::Value) {
    use crate::api::chains::{CHAINS, FEEDS};
    use serde_json::{json, Map, Value};
    let mut places: Vec<(String, String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op["operationId"].as_str() {
                places.push((id.to_owned(), path.clone(), method.clone()));
            }
        }
    }
    let place = |id: &str| {
        places
            .iter()
            .find(|(op, _, _)| op == id)
            .map(|(_, path, method)| (path.clone(), method.clone()))
            .unwrap_or_else(|| panic!("a link names {id}, which is no operation"))
    };
    let add = |doc: &mut Value, source: &str, status: &str, link: Value| {
        let (path, method) = place(source);
        let response = &mut doc["paths"][&path][&method]["responses"][status];
        let Some(response) = response.as_object_mut() else {
            panic!("{source} has no {status} answer to link from");
        };
        let name = link["operationId"].as_str().unwrap_or_default().to_owned();
        response.entry("links").or_insert_with(|| json!({}))[name] = link;
    };
    let takes_if_match = |doc: &Value, id: &str| {
        let (path, method) = place(id);
        doc["paths"][&path][&method]["parameters"]
            .as_array()
            .is_some_and(|ps| {
                ps.iter()
                    .any(|p| p["in"] == "header" && p["name"] == "If-Match")
            })
    };
    for chain in CHAINS {
        let by_body = format!("$response.body#/data/{}", chain.param);
        let by_path = format!("$request.path.{}", chain.param);
        let updates_and_delete: Vec<&str> =
            chain.updates.iter().copied().chain(chain.delete).collect();
        let read_views_delete: Vec<&str> = std::iter::once(chain.read)
            .chain(chain.views.iter().copied())
            .chain(chain.delete)
            .collect();
        let mut from: Vec<(&str, &str, &str, Vec<&str>)> = Vec::new();
        if let Some(create) = chain.create {
            let all = read_views_delete.iter().chain(chain.updates).copied();
            from.push((create, "201", &by_body, all.collect()));
        }
        from.push((chain.read, "200", &by_path, updates_and_delete.clone()));
        for update in chain.updates {
            from.push((update, "200", &by_body, read_views_delete.clone()));
        }
        for (source, status, item, targets) in from {
            for target in targets {
                let mut parameters = Map::new();
                parameters.insert(chain.param.into(), item.into());
                for shared in chain.shared {
                    parameters.insert((*shared).into(), format!("$request.path.{shared}").into());
                }
                if takes_if_match(doc, target) {
                    parameters.insert("header.If-Match".into(), "$response.header.ETag".into());
                }
                let verb = match target {
                    t if t == chain.read => "Reads",
                    t if Some(t) == chain.delete => "Deletes",
                    t if chain.views.contains(&t) => "Shows (once published)",
                    _ => "Changes",
                };
                let link = json!({
                    "operationId": target,
                    "parameters": parameters,
                    "description": format!("{verb} the item this answer is about."),
                });
                add(doc, source, status, link);
            }
        }
    }
    for feed in FEEDS {
        let mut link = json!({"operationId": feed.to, "description": feed.description});
        match feed.into.split_once('.') {
            Some(("body", field)) => link["requestBody"] = json!({ field: feed.value }),
            _ => link["parameters"] = json!({ feed.into: feed.value }),
        }
        add(doc, feed.from, feed.status, link);
    }
}

/// A page (an operation whose 200 is `text/html`: the widgets and article pages) answers its
/// errors through `api::html::respond`: problem+json, or the same problem as a small HTML page
/// when the request's `Accept` names `text/html` (a browser in an iframe). Each error response
/// says both.
fn html_error_pages(doc: &mut serde_json::Value) {
    let html = serde_json::json!({"schema": {"type": "string"}});
    for_each_responses(doc, |responses| {
        let is_page = responses
            .get("200")
            .is_some_and(|ok| ok["content"].get("text/html").is_some());
        if !is_page {
            return;
        }
        for (_, response) in responses.iter_mut().filter(|(s, _)| !s.starts_with('2')) {
            if let Some(content) = response
                .get_mut("content")
                .and_then(serde_json::Value::as_object_mut)
            {
                if content.contains_key("application/problem+json") {
                    content.entry("text/html").or_insert_with(|| html.clone());
                }
            }
        }
    });
}

/// Calls `f` with the `responses` object of every operation in the document.
fn for_each_responses(
    doc: &mut serde_json::Value,
    mut f: impl FnMut(&mut serde_json::Map<String, serde_json::Value>),
) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut().filter_map(|item| item.as_object_mut()) {
        for op in item.values_mut() {
            if let Some(responses) = op
                .get_mut("responses")
                .and_then(serde_json::Value::as_object_mut)
            {
                f(responses);
            }
        }
    }
}

/// Each error response shows an example problem of its own status (taken from the table of
/// problem types), not the one schema-level example, which is a 400.
fn example_problems_by_status(doc: &mut serde_json::Value) {
    for_each_responses(doc, |responses| {
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
    });
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
