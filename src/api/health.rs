//! Operations: liveness, readiness, Prometheus metrics and the OpenAPI document.

use actix_web::{get, http::StatusCode, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::cache::cached_response;
use crate::{
    auth::bearer_token,
    db,
    errors::{ApiError, ApiResult, Problem},
    state::AppState,
    telemetry::MetricsVerdict,
};

/// The state of a health check.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
    /// Readiness only: what answers searches. `index`: the search index in this process;
    /// `database`: PostgreSQL's full-text index, while the search index is being built (after a
    /// start) or when it is off (`SEARCH_INDEX=off`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "index")]
    pub search: Option<String>,
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
            search: None,
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
            search: Some(
                match state.search_index.is_ready() {
                    true => "index",
                    false => "database",
                }
                .into(),
            ),
        }))
}

/// Prometheus metrics: requests and latency by route template and status, pool size and waiters.
///
/// Open in development. With `METRICS_TOKEN` set it needs `Authorization: Bearer <METRICS_TOKEN>`;
/// in production without one, or with `METRICS_BIND_ADDR` set, it is not served on this port
/// (404, like any unknown path).
#[utoipa::path(
    operation_id = "getMetrics",
    tag = "Operations",
    security((), ("metrics_token" = [])),
    responses(
        (status = 200, description = "Prometheus text format", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "`METRICS_TOKEN` is set and the request does not carry it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not served on this port (production without `METRICS_TOKEN`, or `METRICS_BIND_ADDR` set)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    match state.metrics_access.judge(bearer_token(&req)) {
        MetricsVerdict::Serve => Ok(metrics_text(&state)),
        MetricsVerdict::Unauthorized => Err(ApiError::Unauthorized(
            "/metrics needs `Authorization: Bearer <METRICS_TOKEN>`.".into(),
        )),
        MetricsVerdict::NotFound => Err(ApiError::NotFound("There is nothing at /metrics.".into())),
    }
}

/// `/metrics` on `METRICS_BIND_ADDR`, the private address that serves nothing else.
pub async fn private_metrics(state: web::Data<AppState>) -> HttpResponse {
    metrics_text(&state)
}

fn metrics_text(state: &AppState) -> HttpResponse {
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
