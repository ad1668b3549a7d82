//! The history timeline: `/api/v1/history-events`. Public reads, token-guarded writes.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::responses::{
    IfMatchHeader, JsonBodyErrors, NotModified, PageErrors, SignedIn, StaleIfMatch, Unavailable,
};
use super::{
    audit::{Audit, Audited},
    extract::{JsonBody, Query, SlugParam},
    fields::double_option,
};
use crate::http::{
    cache::{created, json_ok, IfMatch},
    envelope::{Item, Page},
    pagination::{list_response, page, PageParams},
};
use crate::{
    db,
    domain::{AuditAction, BoundedText, ResourceType, Slug, WebUrl, Year},
    errors::{found, ApiError, ApiResult, Problem, QueryResultExt, Validator},
    models::history_event::{self, HistoryEventChangeset, NewHistoryEvent, Position},
    state::AppState,
};

const NO_EVENT: &str = "No history event has this slug.";
const SLUG_TAKEN: &str = "The slug is already used by another history event.";

const CURSOR_KIND: &str = "history_events";

type Title = BoundedText<1, 200>;
type Summary = BoundedText<1, 2000>;
type PersonName = BoundedText<1, 200>;
const MAX_PEOPLE: usize = 50;

/// A moment in the history of perfusion.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEvent {
    /// Its address: `/api/v1/history-events/{slug}`.
    #[schema(example = "first-successful-total-cardiopulmonary-bypass-in-a-human")]
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// The year it happened.
    #[schema(example = 1953)]
    pub year: i32,
    /// True when the year is an estimate (e.g. the start of a decade).
    pub year_is_approximate: bool,
    /// The people involved.
    pub people: Vec<String>,
    /// Where the facts come from; null where no source is known.
    #[schema(required = true)]
    pub source_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Audited for HistoryEvent {
    const RESOURCE: ResourceType = ResourceType::HistoryEvent;
    fn audit_id(&self) -> String {
        self.slug.clone()
    }
}

impl From<history_event::HistoryEvent> for HistoryEvent {
    fn from(row: history_event::HistoryEvent) -> Self {
        Self {
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            year: row.year,
            year_is_approximate: row.year_is_approximate,
            people: row.people.into_iter().flatten().collect(),
            source_url: row.source_url,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new event, or (for PUT) the whole of an event. `slug` is made from the title when absent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryEventInput {
    /// Lowercase a-z, 0-9 and single hyphens; at most 120 characters. Made from the title when
    /// absent (the first free of `slug`, `slug-2`…); needed when the title has no letters or
    /// digits to make one from (a 400 naming `slug`).
    #[schema(inline, value_type = Option<Slug>)]
    pub slug: Option<String>,
    #[schema(required = true, inline, value_type = BoundedText<1, 200>)]
    pub title: Option<String>,
    #[schema(required = true, inline, value_type = BoundedText<1, 2000>)]
    pub summary: Option<String>,
    /// From 1500 to the current year.
    #[schema(required = true, value_type = i64, minimum = 1500)]
    pub year: Option<i64>,
    /// Default false.
    pub year_is_approximate: Option<bool>,
    /// Up to 50 names, each 1 to 200 characters.
    #[schema(inline, value_type = Option<Vec<BoundedText<1, 200>>>, max_items = 50)]
    pub people: Option<Vec<String>>,
    /// An absolute http or https URL.
    #[schema(inline, value_type = Option<WebUrl>)]
    pub source_url: Option<String>,
}

/// Changes to an event: only the fields present change; `source_url: null` removes the source.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryEventPatch {
    #[schema(inline, value_type = Option<Slug>)]
    pub slug: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<1, 200>>)]
    pub title: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<1, 2000>>)]
    pub summary: Option<String>,
    #[schema(minimum = 1500)]
    pub year: Option<i64>,
    pub year_is_approximate: Option<bool>,
    #[schema(inline, value_type = Option<Vec<BoundedText<1, 200>>>, max_items = 50)]
    pub people: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<WebUrl>)]
    pub source_url: Option<Option<String>>,
}

/// Validated fields of an input; each is `None` when absent (or invalid, with the error in `v`).
struct Parsed {
    slug: Option<Slug>,
    title: Option<Title>,
    summary: Option<Summary>,
    year: Option<Year>,
    people: Option<Vec<String>>,
    source_url: Option<Option<WebUrl>>,
}

fn parse_fields(
    v: &mut Validator,
    slug: Option<&str>,
    title: Option<&str>,
    summary: Option<&str>,
    year: Option<i64>,
    people: Option<&[String]>,
    source_url: Option<Option<&str>>,
) -> Parsed {
    if people.is_some_and(|p| p.len() > MAX_PEOPLE) {
        v.push("people", format!("must list at most {MAX_PEOPLE} names"));
    }
    Parsed {
        slug: slug.and_then(|s| v.check("slug", Slug::parse(s))),
        title: title.and_then(|s| v.check("title", Title::parse(s))),
        summary: summary.and_then(|s| v.check("summary", Summary::parse(s))),
        year: year.and_then(|y| v.check("year", Year::parse(y))),
        source_url: source_url.map(|u| u.and_then(|u| v.check("source_url", WebUrl::parse(u)))),
        people: people.map(|names| {
            names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| {
                    v.check(&format!("people[{i}]"), PersonName::parse(n))
                        .map(BoundedText::into_inner)
                })
                .collect()
        }),
    }
}

impl HistoryEventInput {
    /// Every field checked; all problems reported at once (with those already in `v`).
    fn parse(&self, mut v: Validator) -> Result<(Option<Slug>, NewHistoryEvent), ApiError> {
        let p = parse_fields(
            &mut v,
            self.slug.as_deref(),
            self.title.as_deref(),
            self.summary.as_deref(),
            self.year,
            self.people.as_deref(),
            Some(self.source_url.as_deref()),
        );
        for (field, present) in [
            ("title", self.title.is_some()),
            ("summary", self.summary.is_some()),
            ("year", self.year.is_some()),
        ] {
            if !present {
                v.missing(field);
            }
        }
        v.finish()?;
        let (Some(title), Some(summary), Some(year)) = (p.title, p.summary, p.year) else {
            unreachable!("a missing or invalid field was recorded above")
        };
        Ok((
            p.slug,
            NewHistoryEvent {
                slug: String::new(),
                title: title.into_inner(),
                summary: summary.into_inner(),
                year: year.get(),
                year_is_approximate: self.year_is_approximate.unwrap_or(false),
                people: p.people.unwrap_or_default().into_iter().map(Some).collect(),
                source_url: p.source_url.flatten().map(WebUrl::into_inner),
            },
        ))
    }
}

impl HistoryEventPatch {
    fn parse(&self, mut v: Validator) -> Result<HistoryEventChangeset, ApiError> {
        let p = parse_fields(
            &mut v,
            self.slug.as_deref(),
            self.title.as_deref(),
            self.summary.as_deref(),
            self.year,
            self.people.as_deref(),
            self.source_url.as_ref().map(Option::as_deref),
        );
        v.finish()?;
        Ok(HistoryEventChangeset {
            slug: p.slug.map(Slug::into_inner),
            title: p.title.map(BoundedText::into_inner),
            summary: p.summary.map(BoundedText::into_inner),
            year: p.year.map(Year::get),
            year_is_approximate: self.year_is_approximate,
            people: p.people.map(|names| names.into_iter().map(Some).collect()),
            source_url: p.source_url.map(|u| u.map(WebUrl::into_inner)),
        })
    }
}

fn location(slug: &str) -> String {
    format!("/api/v1/history-events/{slug}")
}

/// The timeline, oldest first.
///
/// Keyset-paginated: follow `meta.next_cursor` (or the `Link: rel="next"` header).
#[utoipa::path(
    operation_id = "listHistoryEvents",
    tag = "History",
    params(PageParams),
    responses(
        (status = 200, description = "A page of events in chronological order", body = Page<HistoryEvent>,
        headers(("ETag" = String), ("Cache-Control" = String), ("Link" = String, description = "rel=\"next\" when there is a next page"))),
        PageErrors,
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/history-events")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let (limit, after) = params
        .0
        .parse::<(i32, i64)>(CURSOR_KIND, &state.cursor_key)?;
    let after = after.map(|(year, id)| Position { year, id });
    let mut conn = state.pool.get().await?;
    let rows = history_event::list(&mut conn, after, i64::from(limit) + 1).await?;
    let total = history_event::count(&mut conn).await?;
    let body = page(
        rows,
        limit,
        total,
        (CURSOR_KIND, &state.cursor_key),
        |r| (r.year, r.id),
        HistoryEvent::from,
    );
    Ok(list_response(&req, &body, body.meta.next_cursor.as_deref()))
}

/// One event.
#[utoipa::path(
    operation_id = "getHistoryEvent",
    tag = "History",
    params(("slug" = String, Path, description = "The event's slug")),
    responses(
        (status = 200, description = "The event", body = Item<HistoryEvent>, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 404, description = "No event with this slug", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/history-events/{slug}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<SlugParam>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = history_event::find(&mut conn, &slug)
        .await
        .or_404(NO_EVENT)?;
    Ok(json_ok(&req, &Item::new(HistoryEvent::from(row))))
}

/// Adds an event (editor or admin).
#[utoipa::path(
    operation_id = "createHistoryEvent",
    tag = "History",
    request_body = HistoryEventInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Item<HistoryEvent>, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        SignedIn,
        Unavailable,
    )
)]
#[post("/api/v1/history-events")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit,
    input: JsonBody<HistoryEventInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let (slug, mut new) = input.parse(v)?;
    let mut conn = state.pool.get().await?;
    let data = match slug {
        Some(slug) => {
            new.slug = slug.into_inner();
            insert(&mut conn, &audit, &new).await?
        }
        None => insert_with_free_slug(&mut conn, &audit, new).await?,
    };
    Ok(created(&req, location(&data.slug), &Item::new(data)))
}

/// Inserts an event and records it in the audit log, in one transaction; a taken slug is a 409.
async fn insert(
    conn: &mut AsyncPgConnection,
    audit: &Audit,
    new: &NewHistoryEvent,
) -> ApiResult<HistoryEvent> {
    db::write(conn, async |tx| {
        let row = history_event::insert(tx, new).await.or_409(SLUG_TAKEN)?;
        audit.created(tx, HistoryEvent::from(row)).await
    })
    .await
}

/// Inserts with a slug made from the title, adding `-2`, `-3`… while it is taken.
async fn insert_with_free_slug(
    conn: &mut AsyncPgConnection,
    audit: &Audit,
    mut new: NewHistoryEvent,
) -> ApiResult<HistoryEvent> {
    let base = Slug::from_title(&new.title).ok_or_else(|| {
        ApiError::field(
            "slug",
            "must be given when the title has no letters or digits to make one from",
        )
    })?;
    for n in 1..=50 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            base.with_suffix(n)
        };
        if history_event::slug_exists(conn, candidate.as_str()).await? {
            continue;
        }
        new.slug = candidate.into_inner();
        match insert(conn, audit, &new).await {
            Err(ApiError::Conflict(_)) => continue, // taken since we looked
            other => return other,
        }
    }
    Err(ApiError::Conflict(
        "No free slug could be made from this title; give a `slug`.".into(),
    ))
}

/// Replaces an event (editor or admin). An `If-Match` with a stale ETag is refused with 412.
#[utoipa::path(
    operation_id = "replaceHistoryEvent",
    tag = "History",
    params(("slug" = String, Path, description = "The event's slug"), IfMatchHeader),
    request_body = HistoryEventInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = Item<HistoryEvent>, headers(("ETag" = String))),
        (status = 404, description = "No event with this slug", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        JsonBodyErrors,
        SignedIn,
        Unavailable,
    )
)]
#[put("/api/v1/history-events/{slug}")]
pub async fn replace(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit,
    slug: web::Path<SlugParam>,
    input: JsonBody<HistoryEventInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let (new_slug, new) = input.parse(v)?;
    let changes = HistoryEventChangeset {
        slug: new_slug.map(Slug::into_inner),
        title: Some(new.title),
        summary: Some(new.summary),
        year: Some(new.year),
        year_is_approximate: Some(new.year_is_approximate),
        people: Some(new.people),
        source_url: Some(new.source_url),
    };
    let action = AuditAction::Replace;
    update_checked(&req, &state, &audit, &slug, changes, action).await
}

/// Changes part of an event (editor or admin). An `If-Match` with a stale ETag is refused with 412.
#[utoipa::path(
    operation_id = "updateHistoryEvent",
    tag = "History",
    params(("slug" = String, Path, description = "The event's slug"), IfMatchHeader),
    request_body = HistoryEventPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<HistoryEvent>, headers(("ETag" = String))),
        (status = 404, description = "No event with this slug", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        JsonBodyErrors,
        SignedIn,
        Unavailable,
    )
)]
#[patch("/api/v1/history-events/{slug}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit,
    slug: web::Path<SlugParam>,
    input: JsonBody<HistoryEventPatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let changes = input.parse(v)?;
    let action = AuditAction::Update;
    update_checked(&req, &state, &audit, &slug, changes, action).await
}

/// Applies `changes` in one transaction, after checking `If-Match` against the locked row, and
/// records the `action` in the audit log.
async fn update_checked(
    req: &HttpRequest,
    state: &AppState,
    audit: &Audit,
    slug: &str,
    changes: HistoryEventChangeset,
    action: AuditAction,
) -> ApiResult<HttpResponse> {
    let if_match = IfMatch::of(req);
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let current = history_event::find_for_update(tx, slug)
            .await
            .or_404(NO_EVENT)?;
        let (id, before) = (current.id, HistoryEvent::from(current));
        if_match.check(&before)?;
        let row = history_event::update(tx, id, &changes)
            .await
            .or_409(SLUG_TAKEN)?;
        audit.changed(tx, action, &before, row.into()).await
    })
    .await?;
    Ok(json_ok(req, &Item::new(data)))
}

/// Removes an event (editor or admin).
#[utoipa::path(
    operation_id = "deleteHistoryEvent",
    tag = "History",
    params(("slug" = String, Path, description = "The event's slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No event with this slug", body = Problem, content_type = "application/problem+json"),
        SignedIn,
        Unavailable,
    )
)]
#[delete("/api/v1/history-events/{slug}")]
pub async fn remove(
    state: web::Data<AppState>,
    audit: Audit,
    slug: web::Path<SlugParam>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    db::write(&mut conn, async |tx| {
        found(history_event::delete(tx, &slug).await?, NO_EVENT)?;
        let resource = ResourceType::HistoryEvent;
        audit
            .removed(tx, AuditAction::Delete, resource, &slug)
            .await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
