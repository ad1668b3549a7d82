//! The error responses many operations share, stated once for the OpenAPI document: an
//! operation lists its own answers and names these sets, e.g.
//! `responses((status = 201, …), (status = 409, …), JsonBodyErrors, AdminOnly, Unavailable)`.
//! Each set is what the shared code really answers (the extractors, the auth guard, the pool,
//! `IfMatch`). Also the `If-Match` header parameter of updates: `params(…, IfMatchHeader)`.

use std::collections::BTreeMap;

use utoipa::{
    openapi::{
        path::{Parameter, ParameterBuilder, ParameterIn},
        schema::{SchemaType, Type},
        ContentBuilder, ObjectBuilder, Ref, RefOr, Required, Response, ResponseBuilder,
    },
    IntoParams, IntoResponses,
};

fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

fn set(responses: &[(&str, RefOr<Response>)]) -> BTreeMap<String, RefOr<Response>> {
    responses
        .iter()
        .map(|(status, r)| ((*status).to_owned(), r.clone()))
        .collect()
}

/// 503: the database could not be reached (every operation that reads or writes it).
pub struct Unavailable;

impl IntoResponses for Unavailable {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        set(&[("503", problem("Database unavailable"))])
    }
}

/// 304: the client's copy (`If-None-Match`) is current (every cached read).
pub struct NotModified;

impl IntoResponses for NotModified {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        set(&[(
            "304",
            ResponseBuilder::new()
                .description("Not modified (If-None-Match)")
                .build()
                .into(),
        )])
    }
}

/// 400, 413, 415: what [`JsonBody`](super::extract::JsonBody) refuses.
pub struct JsonBodyErrors;

impl IntoResponses for JsonBodyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        set(&[
            ("400", problem("Malformed JSON or invalid fields")),
            ("413", problem("Body too large")),
            ("415", problem("Not JSON")),
        ])
    }
}

/// 400: a bad `limit` or `cursor` of a list.
pub struct PageErrors;

impl IntoResponses for PageErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        set(&[("400", problem("Bad `limit` or `cursor`"))])
    }
}

/// 401: no token, or one that is invalid (an editor's or admin's operation).
pub struct SignedIn;

impl IntoResponses for SignedIn {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        set(&[("401", problem("No or invalid token"))])
    }
}

/// 401 and 403: an admin-only operation.
pub struct AdminOnly;

impl IntoResponses for AdminOnly {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        set(&[
            ("401", problem("No or invalid token")),
            ("403", problem("Not an admin")),
        ])
    }
}

/// 412: the `If-Match` sent is stale (`IfMatch::check`).
pub struct StaleIfMatch;

impl IntoResponses for StaleIfMatch {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        set(&[("412", problem("Stale If-Match"))])
    }
}

/// 412 and 428: `If-Match` is stale or missing (`IfMatch::require`).
pub struct IfMatchRequired;

impl IntoResponses for IfMatchRequired {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        set(&[
            ("412", problem("Stale If-Match")),
            ("428", problem("No If-Match")),
        ])
    }
}

fn if_match(required: bool, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name("If-Match")
        .parameter_in(ParameterIn::Header)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(if required {
            SchemaType::Type(Type::String)
        } else {
            SchemaType::from_iter([Type::String, Type::Null])
        })))
        .build()
}

/// The optional `If-Match` header of an update (412 when stale).
pub struct IfMatchHeader;

impl IntoParams for IfMatchHeader {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![if_match(
            false,
            "The ETag you read; 412 if it changed since",
        )]
    }
}

/// The required `If-Match` header of an update (428 without it, 412 when stale).
pub struct IfMatchRequiredHeader;

impl IntoParams for IfMatchRequiredHeader {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![if_match(true, "The ETag you read")]
    }
}
