//! The audit log for admins: `GET /api/v1/admin/audit-log`, newest first, with filters and
//! cursor pages. Editors get 403. What is recorded, and when, is in `api/audit.rs`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Query;
use super::fields::published_time;
use super::responses::{AdminOnly, Unavailable};
use crate::http::{
    envelope::Page,
    pagination::{CursorKey, PageParams, PageRequest},
};
use crate::{
    auth::Admin,
    domain::{AuditAction, BoundedText, ResourceType},
    errors::{ApiError, ApiResult, Problem, Validator},
    models::audit_entry::{self, Filter, Position},
    state::AppState,
};

const CURSOR_KIND: &str = "audit_log";

/// One write by an editor or admin, as the audit log recorded it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// When the write's transaction ran.
    pub occurred_at: DateTime<Utc>,
    /// The user who wrote (their id stays in the log if the user is removed).
    pub actor_id: i64,
    /// Their email address when they wrote.
    pub actor_email: String,
    pub action: AuditAction,
    pub resource_type: ResourceType,
    /// The resource's slug, id or state code after the write (a renamed resource: its new
    /// slug, with `slug` among the changed fields).
    #[schema(example = "advocating-for-perfusion")]
    pub resource_id: String,
    /// The names of the fields whose value the write changed (never the values): for a create,
    /// every field it gave a value; for a delete, archive or erasure, none. An admin user's
    /// new password is named `password`, and nothing else about it is kept.
    #[schema(example = json!(["tags", "title"]))]
    pub changed_fields: Vec<String>,
    /// The client's address: the connection's peer, or the address a trusted proxy forwarded.
    #[schema(required = true, example = "203.0.113.7")]
    pub client_addr: Option<String>,
    /// The request's `X-Request-Id`, as its response and log line carried it.
    #[schema(required = true)]
    pub request_id: Option<String>,
}

impl From<audit_entry::AuditEntry> for AuditEntry {
    fn from(row: audit_entry::AuditEntry) -> Self {
        Self {
            id: row.id,
            occurred_at: row.occurred_at,
            actor_id: row.actor_id,
            actor_email: row.actor_email,
            action: row.action,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            changed_fields: row.changed_fields.into_iter().flatten().collect(),
            client_addr: row.client_addr,
            request_id: row.request_id,
        }
    }
}

/// The filters (all optional, combined with AND) and the page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditLogParams {
    /// Writes by this user: their id (`12`), or their email address as it was when they wrote.
    #[param(max_length = 254, example = "editor@example.org")]
    pub actor: Option<String>,
    /// Writes to one kind of resource (`article`), or to one resource
    /// (`article/advocating-for-perfusion`, `admin_user/12`).
    #[param(max_length = 300, example = "article")]
    pub resource: Option<String>,
    /// Writes that did this.
    #[param(value_type = Option<AuditAction>)]
    pub action: Option<String>,
    /// Writes at or after this time (RFC 3339, or a date meaning its midnight UTC).
    #[param(value_type = Option<String>, example = "2026-12-01T00:00:00Z")]
    pub since: Option<String>,
    /// Writes before this time (RFC 3339, or a date meaning its midnight UTC).
    #[param(value_type = Option<String>, example = "2026-12-02")]
    pub until: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// The `meta.next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

type Actor = BoundedText<1, 254>;
/// What a cursor carries: the last entry's time and id.
type Cursor = (DateTime<Utc>, i64);

impl AuditLogParams {
    /// The filter and the page, with every bad parameter named at once.
    fn parse(self, key: &CursorKey) -> Result<(Filter, PageRequest<'_, Cursor>), ApiError> {
        let mut v = Validator::default();
        let mut filter = Filter {
            action: self
                .action
                .and_then(|a| v.check("action", AuditAction::parse(&a))),
            since: self
                .since
                .and_then(|t| v.check("since", published_time(&t))),
            until: self
                .until
                .and_then(|t| v.check("until", published_time(&t))),
            ..Filter::default()
        };
        if let (Some(since), Some(until)) = (filter.since, filter.until) {
            if since >= until {
                v.push("until", "must be later than `since`");
            }
        }
        if let Some(actor) = self.actor.and_then(|a| v.check("actor", Actor::parse(&a))) {
            match actor.as_str().parse::<i64>() {
                Ok(id) => filter.actor_id = Some(id),
                Err(_) => filter.actor_email = Some(actor.as_str().to_lowercase()),
            }
        }
        if let Some((kind, id)) = self
            .resource
            .and_then(|r| v.check("resource", resource(&r)))
        {
            (filter.resource_type, filter.resource_id) = (Some(kind), id);
        }
        let page = PageParams {
            limit: self.limit,
            cursor: self.cursor,
        }
        .request_checked(CURSOR_KIND, key, &mut v);
        v.finish()?;
        Ok((filter, page.expect("a bad page was recorded above")))
    }
}

/// `type` or `type/id` (the id may hold further slashes).
fn resource(s: &str) -> Result<(ResourceType, Option<String>), String> {
    let (kind, id) = match s.split_once('/') {
        Some((kind, id)) if !id.is_empty() && id.len() <= 200 => (kind, Some(id.to_owned())),
        Some(_) => {
            return Err("must be a resource type, or a type and an id: `article/some-slug`".into())
        }
        None => (s, None),
    };
    Ok((ResourceType::parse(kind)?, id))
}

/// Writes by editors and admins, newest first (admin). Each write through the API that changed
/// something left exactly one entry, committed with the change; logins and public
/// subscription requests are not editors' writes and are not in it.
#[utoipa::path(
    operation_id = "listAuditLog",
    tag = "Audit log",
    params(AuditLogParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of entries, newest first", body = Page<AuditEntry>, headers(("Link" = String, description = "rel=\"next\" when there is a next page"))),
        (status = 400, description = "A bad parameter, named in `errors`", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[get("/api/v1/admin/audit-log")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    params: Query<AuditLogParams>,
) -> ApiResult<HttpResponse> {
    let (filter, page) = params.0.parse(&state.cursor_key)?;
    let after = page
        .after
        .map(|(occurred_at, id)| Position { occurred_at, id });
    let mut conn = state.pool.get().await?;
    let rows = audit_entry::list(&mut conn, &filter, after, page.fetch()).await?;
    let total = audit_entry::count(&mut conn, &filter).await?;
    let position = |e: &audit_entry::AuditEntry| (e.occurred_at, e.id);
    Ok(page.respond(&req, rows, total, position, AuditEntry::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_filter_is_a_type_or_a_type_and_an_id() {
        assert_eq!(resource("article"), Ok((ResourceType::Article, None)));
        assert_eq!(
            resource("history_event/first-bypass"),
            Ok((ResourceType::HistoryEvent, Some("first-bypass".into())))
        );
        assert!(resource("article/").is_err());
        assert!(resource("articles").is_err());
        assert!(resource("/12").is_err());
    }
}
