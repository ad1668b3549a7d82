//! Webhook endpoints (admin only): `/api/v1/admin/webhooks`. What is sent, signed and retried
//! is the worker's (`crate::webhooks`); the rules are `domain::webhook`'s.

use std::collections::HashMap;

use actix_web::{delete, get, http::StatusCode, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::responses::{
    AdminOnly, IfMatchHeader, JsonBodyErrors, PageErrors, StaleIfMatch, Unavailable,
};
use super::{
    audit::{Audit, Audited},
    extract::{JsonBody, Query},
    fields::{double_option, optional_text},
};
use crate::http::{
    cache::{created, json_ok, private_json, IfMatch},
    envelope::{Item, Page},
    pagination::PageParams,
};
use crate::{
    auth::Admin,
    db,
    domain::{
        webhook::{check_target, parse_events, subscribable, EventType, Secret},
        AuditAction, ResourceType, WebUrl,
    },
    errors::{found, ApiError, ApiResult, Problem, QueryResultExt, Validator},
    models::webhook::{self, EndpointChangeset, NewEndpoint, Retried},
    state::{AppState, WebhookTargets},
};

const NO_WEBHOOK: &str = "No webhook endpoint has this id.";
const NO_DELIVERY: &str = "This webhook endpoint has no delivery with this id.";
const DISABLED: &str = "The endpoint is disabled: enable it (PATCH `enabled: true`) first.";
const UNDERWAY: &str =
    "An attempt of this delivery is on its way: send it again once the log shows its answer.";
const CURSOR_KIND: &str = "webhooks";
const DELIVERY_CURSOR_KIND: &str = "webhook_deliveries";
/// How long the old secret keeps signing after a rotation.
const ROTATION_HOURS: i64 = 24;
const MAX_DESCRIPTION: usize = 500;

/// An endpoint that receives events. Its secret is shown once, when it is made or rotated.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: i64,
    #[schema(example = "https://hooks.example.org/perfusion")]
    pub url: String,
    /// Event types, or `*` for all.
    #[schema(example = json!(["article.published", "article.updated"]))]
    pub events: Vec<String>,
    #[schema(required = true)]
    pub description: Option<String>,
    pub enabled: bool,
    /// Why the service turned it off (it answered 410, or no delivery succeeded for 5 days);
    /// null when it is enabled or an admin turned it off.
    #[schema(required = true)]
    pub disabled_reason: Option<String>,
    /// When it was turned off, by the service or by an admin; null when it is enabled.
    #[schema(required = true)]
    pub disabled_at: Option<DateTime<Utc>>,
    /// The first failed attempt since the last success; null when the last attempt succeeded.
    #[schema(required = true)]
    pub failing_since: Option<DateTime<Utc>>,
    /// After a rotation, the old secret signs too until then (the header carries both).
    #[schema(required = true)]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Audited for Webhook {
    const RESOURCE: ResourceType = ResourceType::Webhook;
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
}

impl From<webhook::Endpoint> for Webhook {
    fn from(row: webhook::Endpoint) -> Self {
        let now = Utc::now();
        Self {
            id: row.id,
            url: row.url,
            events: row.events,
            description: row.description,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            disabled_at: row.disabled_at,
            failing_since: row.failing_since,
            previous_secret_expires_at: row.previous_secret_until.filter(|t| *t > now),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// An endpoint with its signing secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_` and the base64 of 32 random bytes: verify each delivery's `webhook-signature`
    /// with it (any Standard Webhooks library takes it as it is). Never shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwJGQmTkHXq2g=")]
    pub secret: String,
}

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where events are POSTed: https in production; never a loopback, private or link-local
    /// address (the name is resolved again at each delivery).
    #[schema(required = true, inline, value_type = WebUrl)]
    pub url: Option<String>,
    /// Event types (`article.published`, `article.updated`, `article.unpublished`,
    /// `article.deleted`, `history_event.created|updated|deleted`,
    /// `staffing_observation.created|updated|deleted`, `certification.changed`,
    /// `practice.changed`), or `*` for all; 1 to 20.
    #[schema(required = true, min_items = 1, max_items = 20, value_type = Vec<WebhookEventName>)]
    pub events: Option<Vec<String>>,
    /// Up to 500 characters.
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// Changes to an endpoint: only the fields present change. `enabled: true` turns it back on
/// (clearing why it was turned off); deliveries it missed while off are not sent.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    #[schema(inline, value_type = Option<WebUrl>)]
    pub url: Option<String>,
    #[schema(min_items = 1, max_items = 20, value_type = Option<Vec<WebhookEventName>>)]
    pub events: Option<Vec<String>>,
    /// Up to 500 characters; null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 500)]
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// An event type an endpoint may subscribe to, or `*` for all: the names
/// `domain::webhook::subscribable` lists, stated once.
pub struct WebhookEventName;

impl utoipa::ToSchema for WebhookEventName {}

impl utoipa::PartialSchema for WebhookEventName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "An event type an endpoint may subscribe to, or `*` for all.",
            ))
            .enum_values(Some(subscribable()))
            .into()
    }
}

/// One event sent (or to be sent) to an endpoint, with every attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    #[schema(example = "article.published")]
    pub event_type: String,
    /// The `webhook-id` header: the same on every attempt, so a receiver can drop repeats.
    #[schema(example = "msg_2b7e151628aed2a6abf7158809cf4f3c")]
    pub webhook_id: String,
    /// `pending` (waiting for its next attempt), `succeeded`, or `failed` (given up, or its
    /// endpoint was turned off).
    #[schema(example = "succeeded")]
    pub state: String,
    /// When the next attempt is due; null unless pending.
    #[schema(required = true)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Oldest first.
    pub attempts: Vec<DeliveryAttempt>,
    pub created_at: DateTime<Utc>,
}

/// One try at delivering.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    pub attempted_at: DateTime<Utc>,
    /// The endpoint's answer; null when there was none (refused, timed out, no connection).
    #[schema(required = true)]
    pub status_code: Option<i32>,
    /// From sending to the end of the answer, in milliseconds.
    pub latency_ms: i32,
    /// What went wrong (the start of the answer's body for a non-2xx); null on success.
    #[schema(required = true)]
    pub error: Option<String>,
}

impl From<webhook::AttemptRow> for DeliveryAttempt {
    fn from(row: webhook::AttemptRow) -> Self {
        Self {
            attempted_at: row.attempted_at,
            status_code: row.status_code,
            latency_ms: row.latency_ms,
            error: row.error,
        }
    }
}

impl Delivery {
    fn new(row: webhook::Delivery, attempts: Vec<DeliveryAttempt>) -> Self {
        Self {
            next_attempt_at: (row.state == "pending").then_some(row.next_attempt_at),
            id: row.id,
            event_type: row.event_type,
            webhook_id: row.message_id,
            state: row.state,
            attempts,
            created_at: row.created_at,
        }
    }
}

/// Checks a URL as given and against where webhooks may go (`url`).
fn parse_url(v: &mut Validator, url: &str, targets: WebhookTargets) -> Option<String> {
    let url = v.check("url", WebUrl::parse(url))?.into_inner();
    v.check(
        "url",
        check_target(&url, targets.https_only, targets.allow_private),
    )?;
    Some(url)
}

fn parse_event_names(v: &mut Validator, names: &[String]) -> Option<Vec<String>> {
    match parse_events(names) {
        Ok(events) => Some(events),
        Err(errors) => {
            for (field, message) in errors {
                v.push(field, message);
            }
            None
        }
    }
}

/// The URL and event names of a body, each checked (`None` when absent or invalid, with the
/// error in `v`).
fn parse_target(
    v: &mut Validator,
    url: Option<&str>,
    events: Option<&[String]>,
    targets: WebhookTargets,
) -> (Option<String>, Option<Vec<String>>) {
    (
        url.and_then(|u| parse_url(v, u, targets)),
        events.and_then(|e| parse_event_names(v, e)),
    )
}

impl WebhookInput {
    fn parse(&self, mut v: Validator, targets: WebhookTargets) -> ApiResult<NewEndpoint> {
        let (url, events) =
            parse_target(&mut v, self.url.as_deref(), self.events.as_deref(), targets);
        let description =
            optional_text::<MAX_DESCRIPTION>(&mut v, "description", self.description.as_deref());
        if self.url.is_none() {
            v.missing("url");
        }
        if self.events.is_none() {
            v.missing("events");
        }
        v.finish()?;
        let (Some(url), Some(events)) = (url, events) else {
            unreachable!("a missing or invalid field was recorded above")
        };
        Ok(NewEndpoint {
            url,
            events,
            description,
            secret: Vec::new(),
        })
    }
}

impl WebhookPatch {
    fn parse(&self, mut v: Validator, targets: WebhookTargets) -> ApiResult<EndpointChangeset> {
        let (url, events) =
            parse_target(&mut v, self.url.as_deref(), self.events.as_deref(), targets);
        let description = self
            .description
            .as_ref()
            .map(|d| optional_text::<MAX_DESCRIPTION>(&mut v, "description", d.as_deref()));
        v.finish()?;
        // Turning it on again forgets why it was off and how long it had been failing.
        let on = self.enabled == Some(true);
        Ok(EndpointChangeset {
            url,
            events,
            description,
            enabled: self.enabled,
            disabled_reason: on.then_some(None),
            disabled_at: on.then_some(None),
            failing_since: on.then_some(None),
        })
    }
}

fn location(id: i64) -> String {
    format!("/api/v1/admin/webhooks/{id}")
}

/// The endpoints, by id.
#[utoipa::path(
    operation_id = "listWebhooks",
    tag = "Webhooks",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of endpoints", body = Page<Webhook>,
        headers(("Link" = String, description = "rel=\"next\" when there is a next page"))),
        PageErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[get("/api/v1/admin/webhooks")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    params: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = params.0.request::<i64>(CURSOR_KIND, &state.cursor_key)?;
    let mut conn = state.pool.get().await?;
    let rows = webhook::list(&mut conn, page.after, page.fetch()).await?;
    let total = webhook::count(&mut conn).await?;
    Ok(page.respond(&req, rows, total, |w| w.id, Webhook::from))
}

/// Adds an endpoint; the answer shows its signing secret, this once.
#[utoipa::path(
    operation_id = "createWebhook",
    tag = "Webhooks",
    request_body = WebhookInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created, with the secret", body = Item<WebhookWithSecret>, headers(("Location" = String))),
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[post("/api/v1/admin/webhooks")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    input: JsonBody<WebhookInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let mut new = input.parse(v, state.webhook_targets)?;
    let secret = Secret::generate();
    new.secret = secret.0.clone();
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let row = webhook::insert(tx, &new).await?;
        let (action, unseen) = (AuditAction::Create, &["secret"]);
        audit
            .wrote(tx, action, None, Webhook::from(row), unseen)
            .await
    })
    .await?;
    let shown = WebhookWithSecret {
        secret: secret.shown(),
        webhook: data,
    };
    Ok(created(&req, location(shown.webhook.id), &Item::new(shown)))
}

/// One endpoint (without its secret).
#[utoipa::path(
    operation_id = "getWebhook",
    tag = "Webhooks",
    params(("id" = i64, Path, description = "The endpoint's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoint", body = Item<Webhook>, headers(("ETag" = String))),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[get("/api/v1/admin/webhooks/{id}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = webhook::find(&mut conn, *id).await.or_404(NO_WEBHOOK)?;
    Ok(json_ok(&req, &Item::new(Webhook::from(row))))
}

/// Changes an endpoint: `url`, `events`, `description`, `enabled`. An `If-Match` with a stale
/// ETag is refused with 412.
#[utoipa::path(
    operation_id = "updateWebhook",
    tag = "Webhooks",
    params(("id" = i64, Path, description = "The endpoint's id"), IfMatchHeader),
    request_body = WebhookPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<Webhook>, headers(("ETag" = String))),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[patch("/api/v1/admin/webhooks/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    id: web::Path<i64>,
    input: JsonBody<WebhookPatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let changes = input.parse(v, state.webhook_targets)?;
    let (if_match, id) = (IfMatch::of(&req), *id);
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let before = Webhook::from(webhook::find_for_update(tx, id).await.or_404(NO_WEBHOOK)?);
        if_match.check(&before)?;
        let changes = changes.turning_off(before.enabled, Utc::now());
        let row = webhook::update(tx, id, &changes).await?;
        audit
            .changed(tx, AuditAction::Update, &before, row.into())
            .await
    })
    .await?;
    Ok(json_ok(&req, &Item::new(data)))
}

/// Removes an endpoint with its delivery log; nothing more is sent to it (an attempt already on
/// its way may still arrive).
#[utoipa::path(
    operation_id = "deleteWebhook",
    tag = "Webhooks",
    params(("id" = i64, Path, description = "The endpoint's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[delete("/api/v1/admin/webhooks/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (mut conn, id) = (state.pool.get().await?, *id);
    db::write(&mut conn, async |tx| {
        found(webhook::delete(tx, id).await?, NO_WEBHOOK)?;
        let resource = ResourceType::Webhook;
        audit.removed(tx, AuditAction::Delete, resource, id).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Makes a new signing secret, shown this once. For the next 24 hours the old one signs too
/// (`webhook-signature` carries both), so the receiver can switch without losing an event.
#[utoipa::path(
    operation_id = "rotateWebhookSecret",
    tag = "Webhooks",
    params(("id" = i64, Path, description = "The endpoint's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoint with its new secret", body = Item<WebhookWithSecret>),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[post("/api/v1/admin/webhooks/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (secret, id) = (Secret::generate(), *id);
    let until = Utc::now() + chrono::Duration::hours(ROTATION_HOURS);
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let before = Webhook::from(webhook::find_for_update(tx, id).await.or_404(NO_WEBHOOK)?);
        let row = webhook::rotate_secret(tx, id, &secret.0, until).await?;
        let (action, unseen) = (AuditAction::Update, &["secret"]);
        audit
            .wrote(tx, action, Some(&before), row.into(), unseen)
            .await
    })
    .await?;
    let shown = WebhookWithSecret {
        secret: secret.shown(),
        webhook: data,
    };
    Ok(private_json(StatusCode::OK, &Item::new(shown)))
}

/// Sends a `webhook.test` event to this endpoint, whatever it subscribes to; the answer is
/// the delivery, to follow in the log.
#[utoipa::path(
    operation_id = "testWebhook",
    tag = "Webhooks",
    params(("id" = i64, Path, description = "The endpoint's id")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued; sent within a second", body = Item<Delivery>, headers(("Location" = String, description = "The endpoint's delivery log"))),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[post("/api/v1/admin/webhooks/{id}/test")]
pub async fn test(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = *id;
    let mut conn = state.pool.get().await?;
    let delivery = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let endpoint = webhook::find_for_update(tx, id).await.or_404(NO_WEBHOOK)?;
        if !endpoint.enabled {
            return Err(ApiError::Conflict(DISABLED.into()));
        }
        let data =
            serde_json::json!({ "endpoint_id": id, "message": "A test from Perfusion Partners." });
        Ok(webhook::emit_to(tx, id, EventType::WebhookTest, &data).await?)
    })
    .await?;
    state.webhook_wakeup.notify_one();
    Ok(accepted(id, Delivery::new(delivery, Vec::new())))
}

fn accepted(endpoint_id: i64, delivery: Delivery) -> HttpResponse {
    let mut res = private_json(StatusCode::ACCEPTED, &Item::new(delivery));
    if let Ok(value) = format!("{}/deliveries", location(endpoint_id)).parse() {
        res.headers_mut()
            .insert(actix_web::http::header::LOCATION, value);
    }
    res
}

/// The endpoint's delivery log, newest first: each event sent, its `webhook-id`, and every
/// attempt (time, status, latency, error).
#[utoipa::path(
    operation_id = "listWebhookDeliveries",
    tag = "Webhooks",
    params(("id" = i64, Path, description = "The endpoint's id"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<Delivery>,
        headers(("Link" = String, description = "rel=\"next\" when there is a next page"))),
        (status = 404, description = "No such endpoint", body = Problem, content_type = "application/problem+json"),
        PageErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[get("/api/v1/admin/webhooks/{id}/deliveries")]
pub async fn deliveries(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<i64>,
    params: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = params
        .0
        .request::<i64>(DELIVERY_CURSOR_KIND, &state.cursor_key)?;
    let (mut conn, id) = (state.pool.get().await?, *id);
    webhook::find(&mut conn, id).await.or_404(NO_WEBHOOK)?;
    let rows = webhook::deliveries(&mut conn, id, page.after, page.fetch()).await?;
    let total = webhook::count_deliveries(&mut conn, id).await?;
    let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
    let mut attempts: HashMap<i64, Vec<DeliveryAttempt>> = HashMap::new();
    for a in webhook::attempts_of(&mut conn, &ids).await? {
        attempts.entry(a.delivery_id).or_default().push(a.into());
    }
    let rows: Vec<Delivery> = rows
        .into_iter()
        .map(|d| {
            let tries = attempts.remove(&d.id).unwrap_or_default();
            Delivery::new(d, tries)
        })
        .collect();
    Ok(page.respond(&req, rows, total, |d| d.id, |d| d))
}

/// Sends a delivery again now, with the same `webhook-id` (a failed one gets one more try).
#[utoipa::path(
    operation_id = "retryWebhookDelivery",
    tag = "Webhooks",
    params(
        ("id" = i64, Path, description = "The endpoint's id"),
        ("delivery_id" = i64, Path, description = "The delivery's id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued; sent within a second", body = Item<Delivery>, headers(("Location" = String, description = "The endpoint's delivery log"))),
        (status = 404, description = "No such endpoint or delivery", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled, or an attempt of this delivery is on its way", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[post("/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry_delivery(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, delivery_id) = *path;
    let mut conn = state.pool.get().await?;
    let delivery = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let endpoint = webhook::find_for_update(tx, id).await.or_404(NO_WEBHOOK)?;
        if !endpoint.enabled {
            return Err(ApiError::Conflict(DISABLED.into()));
        }
        match webhook::retry(tx, id, delivery_id, Utc::now()).await? {
            Retried::Queued(delivery) => Ok(delivery),
            Retried::Underway => Err(ApiError::Conflict(UNDERWAY.into())),
            Retried::Missing => Err(ApiError::NotFound(NO_DELIVERY.into())),
        }
    })
    .await?;
    state.webhook_wakeup.notify_one();
    let mut conn = state.pool.get().await?;
    let attempts = webhook::attempts_of(&mut conn, &[delivery.id]).await?;
    let attempts = attempts.into_iter().map(DeliveryAttempt::from).collect();
    Ok(accepted(id, Delivery::new(delivery, attempts)))
}
