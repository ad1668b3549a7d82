//! Subscribers for admins: `/api/v1/admin/subscribers` (list, one, CSV export, stats, erasure).
//! Editors get 403.

use actix_web::{delete, get, http::header, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::stream;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::audit::Audit;
use super::extract::Query;
use super::responses::{AdminOnly, Unavailable};
use crate::http::{
    cache::private_json,
    envelope::{Item, Page},
    pagination::{CursorKey, PageParams, PageRequest},
};
use crate::{
    auth::Admin,
    db,
    domain::{AuditAction, BoundedText, ResourceType, SubscriberStatus, Topic},
    errors::{found, ApiError, ApiResult, Problem, QueryResultExt, Validator},
    models::subscriber::{self, AdminFilter, Subscriber},
    state::AppState,
};

const NO_SUBSCRIBER: &str = "No subscriber has this id.";

const CURSOR_KIND: &str = "subscribers";
/// Rows read per query while exporting.
const EXPORT_BATCH: i64 = 5000;

/// A subscriber as an admin sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSubscriber {
    pub id: i64,
    /// Null once erased.
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub name: Option<String>,
    pub topics: Vec<Topic>,
    #[schema(schema_with = super::schemas::subscriber_status)]
    pub status: SubscriberStatus,
    #[schema(required = true)]
    pub consent_version: Option<String>,
    #[schema(required = true)]
    pub confirmed_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub unsubscribed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Subscriber> for AdminSubscriber {
    fn from(s: Subscriber) -> Self {
        Self {
            id: s.id,
            email: s.email,
            name: s.name,
            topics: s
                .topics
                .iter()
                .flatten()
                .filter_map(|t| Topic::parse(t))
                .collect(),
            status: s.status,
            consent_version: s.consent_version,
            confirmed_at: s.confirmed_at,
            unsubscribed_at: s.unsubscribed_at,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// The filters of the list and the export.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscriberFilter {
    /// Only subscribers with this status.
    #[param(schema_with = super::schemas::subscriber_status)]
    pub status: Option<String>,
    /// Subscribed to this topic.
    pub topic: Option<Topic>,
    /// A piece of the email address, any case.
    #[param(inline, value_type = Option<crate::domain::BoundedText<0, 254>>)]
    pub q: Option<String>,
}

impl SubscriberFilter {
    fn parse(&self, v: &mut Validator) -> AdminFilter {
        let q = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        AdminFilter {
            status: self
                .status
                .as_deref()
                .and_then(|s| v.check("status", SubscriberStatus::parse(s))),
            topic: self.topic.map(|t| t.as_str().to_owned()),
            q: q.and_then(|q| v.check("q", EmailPiece::parse(q)))
                .map(EmailPiece::into_inner),
        }
    }
}

/// What `q` may be: a piece of an email address.
type EmailPiece = BoundedText<1, 254>;

/// The list query: filters and page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscriberListParams {
    /// Only subscribers with this status.
    #[param(schema_with = super::schemas::subscriber_status)]
    pub status: Option<String>,
    pub topic: Option<Topic>,
    #[param(inline, value_type = Option<crate::domain::BoundedText<0, 254>>)]
    pub q: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// The `meta.next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

impl SubscriberListParams {
    /// The filter and the page, with every bad parameter named at once.
    fn parse<'k>(
        self,
        key: &'k CursorKey,
    ) -> Result<(AdminFilter, PageRequest<'k, i64>), ApiError> {
        let mut v = Validator::default();
        let filter = SubscriberFilter {
            status: self.status,
            topic: self.topic,
            q: self.q,
        }
        .parse(&mut v);
        let page = PageParams {
            limit: self.limit,
            cursor: self.cursor,
        }
        .request_checked(CURSOR_KIND, key, &mut v);
        v.finish()?;
        Ok((filter, page.expect("a bad page was recorded above")))
    }
}

/// Subscribers, newest first (admin).
#[utoipa::path(
    operation_id = "listAdminSubscribers",
    tag = "Subscriptions",
    params(SubscriberListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of subscribers", body = Page<AdminSubscriber>, headers(("Link" = String, description = "rel=\"next\" when there is a next page"))),
        (status = 400, description = "A bad parameter, named in `errors`", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[get("/api/v1/admin/subscribers")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    params: Query<SubscriberListParams>,
) -> ApiResult<HttpResponse> {
    let (filter, page) = params.0.parse(&state.cursor_key)?;
    let mut conn = state.pool.get().await?;
    let rows = subscriber::list_admin(&mut conn, &filter, page.after, page.fetch()).await?;
    let total = subscriber::count_admin(&mut conn, &filter).await?;
    Ok(page.respond(&req, rows, total, |s| s.id, AdminSubscriber::from))
}

/// One subscriber (admin).
#[utoipa::path(
    operation_id = "getAdminSubscriber",
    tag = "Subscriptions",
    params(("id" = i64, Path, description = "The subscriber's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The subscriber", body = Item<AdminSubscriber>),
        (status = 404, description = "No subscriber with this id", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[get("/api/v1/admin/subscribers/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let s = subscriber::find(&mut conn, *id)
        .await
        .or_404(NO_SUBSCRIBER)?;
    Ok(private_json(
        actix_web::http::StatusCode::OK,
        &Item::new(AdminSubscriber::from(s)),
    ))
}

/// One CSV field: quoted when needed, and with a leading `'` when a spreadsheet would read it as
/// a formula.
fn csv_field(out: &mut String, value: &str) {
    let guard = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = value.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    if quote {
        for part in value.split_inclusive('"') {
            out.push_str(part);
            if part.ends_with('"') {
                out.push('"');
            }
        }
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// RFC 3339 in UTC, as `DateTime::to_rfc3339` writes it, without allocating: the fields by
/// hand (a `format` string is parsed again at every call, three times a row), with the
/// fraction in 3, 6 or 9 digits as it needs. Years outside 0..=9999 and leap seconds, which
/// PostgreSQL never returns, go through `format`.
fn csv_time(out: &mut String, t: Option<DateTime<Utc>>) {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    let Some(t) = t else { return };
    let nanos = t.nanosecond();
    if !(0..=9999).contains(&t.year()) || nanos >= 1_000_000_000 {
        let _ = write!(out, "{}", t.format("%Y-%m-%dT%H:%M:%S%.f+00:00"));
        return;
    }
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let _ = match nanos {
        0 => Ok(()),
        n if n % 1_000_000 == 0 => write!(out, ".{:03}", n / 1_000_000),
        n if n % 1_000 == 0 => write!(out, ".{:06}", n / 1_000),
        n => write!(out, ".{n:09}"),
    };
    out.push_str("+00:00");
}

fn csv_row(s: &subscriber::ExportRow, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "{},", s.id);
    csv_field(out, s.email.as_deref().unwrap_or_default());
    out.push(',');
    csv_field(out, s.name.as_deref().unwrap_or_default());
    out.push(',');
    // Topics are slugs ([a-z-]): nothing to quote or guard.
    for (i, topic) in s.topics.iter().flatten().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(topic);
    }
    out.push(',');
    csv_field(out, s.status.as_str());
    out.push(',');
    csv_time(out, s.confirmed_at);
    out.push(',');
    csv_time(out, s.unsubscribed_at);
    out.push(',');
    csv_time(out, Some(s.created_at));
    out.push_str("\r\n");
}

const CSV_HEADER: &str = "id,email,name,topics,status,confirmed_at,unsubscribed_at,created_at\r\n";

/// Every matching subscriber as CSV, oldest first (admin). Streamed in batches, so a million
/// rows export in constant memory.
#[utoipa::path(
    operation_id = "exportAdminSubscribers",
    tag = "Subscriptions",
    params(SubscriberFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "CSV with a header row", content_type = "text/csv", body = String),
        (status = 400, description = "A bad parameter, named in `errors`", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[get("/api/v1/admin/subscribers.csv")]
pub async fn export(
    state: web::Data<AppState>,
    _admin: Admin,
    params: Query<SubscriberFilter>,
) -> ApiResult<HttpResponse> {
    let mut v = Validator::default();
    let filter = params.0.parse(&mut v);
    v.finish()?;
    // Check the database now, so an outage is a 503 rather than a broken download.
    let conn = state.pool.get().await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"subscribers.csv\"",
        ))
        .streaming(csv_stream(conn, filter)))
}

/// The CSV file: the header row, then the rows in batches. A reader task asks PostgreSQL for
/// the next batch as soon as it has one, while a writer task turns the last one into CSV, so
/// the database and the formatting work at once. Each channel holds two batches at most, so
/// memory stays flat, and a client that goes away stops both. A failure part-way ends the
/// stream with an error, never as if the file were whole.
fn csv_stream(
    mut conn: crate::db::PooledConn,
    filter: AdminFilter,
) -> impl futures_util::Stream<Item = Result<web::Bytes, ApiError>> {
    let (rows_tx, mut rows_rx) =
        tokio::sync::mpsc::channel::<diesel::QueryResult<Vec<subscriber::ExportRow>>>(2);
    tokio::spawn(async move {
        let mut after = 0i64;
        loop {
            let batch = subscriber::export_batch(&mut conn, &filter, after, EXPORT_BATCH).await;
            let done = batch.as_ref().map_or(true, Vec::is_empty);
            if let Ok(rows) = &batch {
                after = rows.last().map_or(after, |s| s.id);
            }
            if rows_tx.send(batch).await.is_err() || done {
                break;
            }
        }
    });
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<web::Bytes, ApiError>>(2);
    tokio::spawn(async move {
        let mut ended = false;
        while let Some(batch) = rows_rx.recv().await {
            ended = batch.as_ref().map_or(true, Vec::is_empty);
            let item = match batch {
                Ok(rows) if rows.is_empty() => break,
                Ok(rows) => Ok(csv_rows(&rows)),
                Err(e) => {
                    tracing::error!(error = %e, "subscriber export failed part-way");
                    Err(ApiError::from(e))
                }
            };
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                return;
            }
        }
        if !ended {
            // The reader stopped without its last (empty) batch: never end the file as if whole.
            let lost = anyhow::anyhow!("the export's reader stopped part-way");
            let _ = tx.send(Err(ApiError::Internal(lost))).await;
        }
    });
    let first =
        stream::once(async { Ok::<_, ApiError>(web::Bytes::from_static(CSV_HEADER.as_bytes())) });
    let rows = stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    futures_util::StreamExt::chain(first, rows)
}

fn csv_rows(rows: &[subscriber::ExportRow]) -> web::Bytes {
    let mut out = String::with_capacity(rows.len() * 112);
    for s in rows {
        csv_row(s, &mut out);
    }
    web::Bytes::from(out)
}

/// A count by key.
#[derive(Debug, Serialize, ToSchema)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

/// Subscription statistics.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriberStats {
    /// Subscribers (and erased rows) by status.
    pub by_status: Vec<Count>,
    /// Confirmed subscribers by topic.
    pub by_topic: Vec<Count>,
    /// Sign-ups per week (the key is the week's Monday) over the last 52 weeks.
    pub signups_per_week: Vec<Count>,
}

/// Counts by status and topic, and sign-ups per week (admin). Erased subscribers still count.
#[utoipa::path(
    operation_id = "getAdminSubscriberStats",
    tag = "Subscriptions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The statistics", body = Item<SubscriberStats>),
        AdminOnly,
        Unavailable,
    )
)]
#[get("/api/v1/admin/subscribers/stats")]
pub async fn stats(state: web::Data<AppState>, _admin: Admin) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let convert = |rows: Vec<subscriber::Count>| {
        rows.into_iter()
            .map(|c| Count {
                key: c.key,
                count: c.count,
            })
            .collect()
    };
    let by_status = convert(subscriber::count_by_status(&mut conn).await?);
    let by_topic = convert(subscriber::count_by_topic(&mut conn).await?);
    let signups_per_week = convert(subscriber::signups_per_week(&mut conn, 52).await?);
    Ok(private_json(
        actix_web::http::StatusCode::OK,
        &Item::new(SubscriberStats {
            by_status,
            by_topic,
            signups_per_week,
        }),
    ))
}

/// Erases a subscriber's personal data (admin): the address and name are gone, only an
/// anonymous row for the counts stays, and a later sign-up of the address starts a fresh
/// double opt-in.
#[utoipa::path(
    operation_id = "eraseAdminSubscriber",
    tag = "Subscriptions",
    params(("id" = i64, Path, description = "The subscriber's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Erased"),
        (status = 404, description = "No subscriber with this id", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[delete("/api/v1/admin/subscribers/{id}")]
pub async fn erase(
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let (id, resource) = (*id, ResourceType::Subscriber);
    // The log names the subscriber by id only: their address is what the erasure removes.
    db::write(&mut conn, async |tx| {
        found(subscriber::erase(tx, id).await?, NO_SUBSCRIBER)?;
        audit.removed(tx, AuditAction::Erase, resource, id).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_written_as_to_rfc3339_writes_them() {
        for (secs, nanos) in [
            (1_764_000_000, 0),
            (1_764_000_000, 5_000_000),
            (1_764_000_000, 123_456_000),
            (1_764_000_000, 123_456_789),
            (1_764_000_000, 1),
            (0, 10_000),
            (-62_135_596_800, 0),
            (253_402_300_799, 999_999_999),
            (1_764_000_059, 1_500_000_000),
        ] {
            let t = Utc.timestamp_opt(secs, nanos).unwrap();
            let mut out = String::new();
            csv_time(&mut out, Some(t));
            assert_eq!(out, t.to_rfc3339());
        }
    }

    #[test]
    fn fields_are_quoted_and_guarded_against_formulas() {
        let cases = [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("=1+1", "'=1+1"),
            ("-2,\"x\"", "\"'-2,\"\"x\"\"\""),
            ("", ""),
        ];
        for (value, expected) in cases {
            let mut out = String::new();
            csv_field(&mut out, value);
            assert_eq!(out, expected, "{value}");
        }
    }
}
