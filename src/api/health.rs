//! Operations: liveness, readiness, Prometheus metrics and the OpenAPI document.

use actix_web::{get, http::StatusCode, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::cache::cached_response;
use crate::{
    db,
    errors::{ApiError, ApiResult, Problem},
    state::AppState,
};

/// The state of a health check.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// 200 while the process runs.
#[utoipa::path(
    operation_id = "getLiveness",tag = "Operations", responses((status = 200, description = "Alive", body = Health)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health {
            status: "ok".into(),
        })
}

/// 200 when the database answers and every migration is applied; else 503.
#[utoipa::path(
    operation_id = "getReadiness",
    tag = "Operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Database unreachable or not migrated", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64))),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    if !db::is_migrated(&mut conn).await? {
        return Err(ApiError::Unavailable("migrations are not applied".into()));
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health {
            status: "ready".into(),
        }))
}

/// Prometheus metrics: requests and latency by route template and status, pool size and waiters.
#[utoipa::path(
    operation_id = "getMetrics",
    tag = "Operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(state.metrics.render(&state.pool))
}

/// This API's OpenAPI 3.1 document (interactive docs at `/docs/`).
#[utoipa::path(
    operation_id = "getOpenApiDocument",
    tag = "Operations",
    responses((status = 200, description = "The OpenAPI document", body = Object, content_type = "application/json"))
)]
#[get("/openapi.json")]
pub async fn openapi_json(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    cached_response(
        &req,
        StatusCode::OK,
        "application/json",
        state.openapi_json.clone().into_bytes(),
        &[],
    )
}
