//! `GET /problems/{code}`: what a problem's `type` names, explained for the person reading it.
//! The page comes from the same table every error takes its code, title and status from.

use actix_web::{get, http::StatusCode, web, HttpRequest, HttpResponse};
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;
use utoipa::{
    openapi::{schema::Type, Object, ObjectBuilder},
    IntoParams,
};

use crate::errors::{ApiError, ApiResult, Problem, ProblemType, PROBLEM_TYPES};
use crate::http::cache::cached_response;

/// The path of a problem type.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProblemPath {
    /// A problem's `code`, e.g. `validation_failed`.
    #[param(schema_with = problem_code)]
    pub code: String,
}

/// Every problem code, as an enum (from the same table as the errors).
fn problem_code() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(PROBLEM_TYPES.iter().map(|p| p.code)))
        .build()
}

/// Explains one kind of problem (the page a problem's `type` points to).
#[utoipa::path(
    operation_id = "getProblemType",
    tag = "Operations",
    params(ProblemPath),
    responses(
        (status = 200, description = "A short page explaining this kind of problem", body = String, content_type = "text/html"),
        (status = 404, description = "No problem has this code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/problems/{code}")]
pub async fn show(req: HttpRequest, path: web::Path<ProblemPath>) -> ApiResult<HttpResponse> {
    let kind = PROBLEM_TYPES
        .iter()
        .find(|p| p.code == path.code)
        .ok_or_else(|| ApiError::NotFound("No problem has this code.".into()))?;
    Ok(cached_response(
        &req,
        StatusCode::OK,
        "text/html; charset=utf-8",
        page(kind).into_string().into_bytes(),
        &[],
    ))
}

fn page(kind: &ProblemType) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (kind.title) " · Perfusion Partners API" }
                style {
                    "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
                    "code{background:#f2f2f2;padding:0 .25em;border-radius:3px}"
                    ".meta{color:#555}"
                }
            }
            body {
                main {
                    p.meta { "Perfusion Partners API · problem type" }
                    h1 { (kind.title) }
                    p.meta {
                        "HTTP " (kind.status.as_u16()) " · code " code { (kind.code) }
                    }
                    // `code` spans of the description are shown as code.
                    p {
                        @for (i, part) in kind.description.split('`').enumerate() {
                            @if i % 2 == 1 { code { (part) } } @else { (part) }
                        }
                    }
                    p {
                        "Such answers are " code { "application/problem+json" } " (RFC 9457) with "
                        code { "type" } " " code { "/problems/" (kind.code) } ", a stable "
                        code { "code" } " and a " code { "detail" } " about the request."
                    }
                }
            }
        }
    }
}
