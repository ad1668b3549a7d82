//! Schemas stated once for the OpenAPI document: closed sets of strings as enums (so that
//! generated clients get unions of literals instead of plain strings), and [`nullable`] for a
//! field that may be null. Text, slug and URL fields take their schema from the domain type
//! (`inline, value_type = BoundedText<1, 200>`).

use utoipa::openapi::{schema::Type, Object, ObjectBuilder};

fn string_enum(values: &[&str], description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .build()
}

/// Where a subscriber stands, as the admin sees it.
pub fn subscriber_status() -> Object {
    string_enum(
        &["pending", "confirmed", "unsubscribed", "erased"],
        "`pending` (not confirmed yet), `confirmed`, `unsubscribed` or `erased`.",
    )
}

/// Where a subscription stands, as its subscriber sees it.
pub fn subscription_status() -> Object {
    string_enum(
        &["pending", "confirmed", "unsubscribed"],
        "`pending` (not confirmed yet), `confirmed` or `unsubscribed`.",
    )
}

/// The answer of a confirmation or an unsubscribe.
pub fn settled_subscription_status() -> Object {
    string_enum(
        &["confirmed", "unsubscribed"],
        "`confirmed` or `unsubscribed`.",
    )
}

/// The orders of an article list.
pub fn article_sort() -> Object {
    string_enum(
        &["-published_at", "published_at", "title", "relevance"],
        "`-published_at` (newest first, the default), `published_at`, `title`, or `relevance` \
         (with `q`; the default when `q` is given).",
    )
}

/// Rules across the fields of a named schema that utoipa's derive cannot state, as JSON Schema
/// keywords that `openapi::render` adds to that schema: `(schema, keyword, value)`.
pub fn cross_field_rules() -> Vec<(&'static str, &'static str, serde_json::Value)> {
    let given = |field: &str| serde_json::json!({"required": [field], "properties": {field: {"type": "string"}}});
    vec![(
        // A new observation is dated by the day it describes or, when its source is undated,
        // by the day it was taken in: one of the two, not null.
        "ObservationInput",
        "anyOf",
        serde_json::json!([given("as_of"), given("retrieved_at")]),
    )]
}
