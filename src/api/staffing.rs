//! Staffing statistics: `/api/v1/staffing-statistics`. Each workforce metric with its current
//! sourced figure, its whole history, and observations that editors add, correct or remove.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};

use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;

use super::responses::{
    IfMatchHeader, JsonBodyErrors, NotModified, PageErrors, SignedIn, StaleIfMatch, Unavailable,
};
use super::{
    audit::{Audit, Audited},
    extract::{JsonBody, Query},
    fields::{checked, double_option, optional_text, optional_url},
};
use crate::http::{
    cache::{created, json_ok, IfMatch},
    envelope::{Item, Page},
    pagination::PageParams,
};
use crate::{
    db::{self, Tx},
    domain::{
        check_figure_dates, figure_date_label, AuditAction, BoundedText, MetricUnit, PastDate,
        ResourceType, WebUrl,
    },
    errors::{found, ApiError, ApiResult, Problem, QueryResultExt, Validator},
    models::staffing::{self, NewObservation, ObservationChangeset},
    state::AppState,
};

const NO_METRIC: &str =
    "No staffing metric has this key; the metrics are listed at /api/v1/staffing-statistics.";
const NO_OBSERVATION: &str = "This metric has no observation with this id.";

const CURSOR_KIND: &str = "staffing_metrics";

type Source = BoundedText<1, 500>;

/// Whole numbers as JSON integers (4522, not 4522.0); others as they are.
fn number<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

fn optional_number<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => number(v, s),
        None => s.serialize_none(),
    }
}

/// Which observation a metric's current figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The observation an editor chose as the metric's figure.
    Headline,
    /// No headline: the newest dated observation.
    Newest,
}

impl Basis {
    fn of(o: &staffing::Observation) -> Self {
        if o.headline {
            Self::Headline
        } else {
            Self::Newest
        }
    }
}

/// A workforce metric with its current figure at the top level: the headline observation an
/// editor chose, else the newest dated one (all null when it has neither).
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffingStatistic {
    #[schema(example = "certified_perfusionists")]
    pub key: String,
    #[schema(example = "Certified perfusionists")]
    pub label: String,
    pub unit: MetricUnit,
    pub description: String,
    /// The current figure.
    #[serde(serialize_with = "optional_number")]
    #[schema(required = true, example = 4522)]
    pub value: Option<f64>,
    /// Which observation `value` is: `headline` (an editor's choice) or `newest` (the newest
    /// dated one).
    #[schema(required = true)]
    pub basis: Option<Basis>,
    /// The observation `value` comes from.
    #[schema(required = true)]
    pub observation_id: Option<i64>,
    /// The day the figure describes; null when its source is undated (the Perfusion Partners
    /// page's figures are): see `retrieved_at`.
    #[schema(required = true)]
    pub as_of: Option<NaiveDate>,
    /// For an undated figure, the day it was taken from its source.
    #[schema(required = true)]
    pub retrieved_at: Option<NaiveDate>,
    /// The figure's date as it can be shown: `2016-06-30`, or `undated (retrieved 2026-11-23)`.
    #[schema(required = true, example = "undated (retrieved 2026-11-23)")]
    pub date_label: Option<String>,
    /// Where the figure comes from.
    #[schema(required = true)]
    pub source: Option<String>,
    #[schema(required = true)]
    pub source_url: Option<String>,
    /// What to know about the figure (e.g. where sources disagree).
    #[schema(required = true)]
    pub note: Option<String>,
}

impl StaffingStatistic {
    fn new(metric: staffing::Metric, current: Option<&staffing::Observation>) -> Self {
        Self {
            unit: metric.unit,
            key: metric.key,
            label: metric.label,
            description: metric.description,
            value: current.map(|o| o.value),
            basis: current.map(Basis::of),
            observation_id: current.map(|o| o.id),
            as_of: current.and_then(|o| o.as_of),
            retrieved_at: current.and_then(|o| o.retrieved_at),
            date_label: current.map(|o| figure_date_label(o.as_of, o.retrieved_at)),
            source: current.map(|o| o.source.clone()),
            source_url: current.and_then(|o| o.source_url.clone()),
            note: current.and_then(|o| o.note.clone()),
        }
    }
}

/// One sourced figure of a metric.
#[derive(Debug, Serialize, ToSchema)]
pub struct Observation {
    /// Its id, to correct or remove it.
    pub id: i64,
    #[serde(serialize_with = "number")]
    #[schema(example = 4522)]
    pub value: f64,
    /// The day the figure describes; null when its source is undated.
    #[schema(required = true)]
    pub as_of: Option<NaiveDate>,
    /// For an undated figure, the day it was taken from its source.
    #[schema(required = true)]
    pub retrieved_at: Option<NaiveDate>,
    /// The figure's date as it can be shown: `2016-06-30`, or `undated (retrieved 2026-11-23)`.
    pub date_label: String,
    /// Whether an editor chose it as the metric's current figure (at most one is).
    pub headline: bool,
    pub source: String,
    #[schema(required = true)]
    pub source_url: Option<String>,
    #[schema(required = true)]
    pub note: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

impl Audited for Observation {
    const RESOURCE: ResourceType = ResourceType::StaffingObservation;
    const DERIVED: &'static [&'static str] = &["date_label"];
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
}

impl From<staffing::Observation> for Observation {
    fn from(o: staffing::Observation) -> Self {
        Self {
            id: o.id,
            value: o.value,
            date_label: figure_date_label(o.as_of, o.retrieved_at),
            as_of: o.as_of,
            retrieved_at: o.retrieved_at,
            headline: o.headline,
            source: o.source,
            source_url: o.source_url,
            note: o.note,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A metric with its current figure and its whole series.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffingMetric {
    #[serde(flatten)]
    pub current: StaffingStatistic,
    /// Every observation: the dated ones oldest first, then the undated ones (`as_of` null,
    /// labelled by `date_label`).
    pub series: Vec<Observation>,
}

/// A new observation. It needs the day it describes (`as_of`) or, for an undated source, the
/// day it was taken in (`retrieved_at`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservationInput {
    /// Checked by the metric's unit: a percentage from 0 to 100, or a whole count from 0 to
    /// 10,000,000.
    #[schema(required = true, value_type = f64, minimum = 0, maximum = 10_000_000)]
    pub value: Option<f64>,
    /// The day the value describes (YYYY-MM-DD), from 1900 to today; leave it out when the
    /// source is undated.
    #[schema(value_type = Option<String>, format = Date, pattern = "^(19[0-9]{2}|[2-9][0-9]{3})-")]
    pub as_of: Option<String>,
    /// For an undated source: the day the value was taken from it (YYYY-MM-DD), up to today.
    #[schema(value_type = Option<String>, format = Date, pattern = "^(19[0-9]{2}|[2-9][0-9]{3})-")]
    pub retrieved_at: Option<String>,
    /// Make it the metric's current figure (the old headline stops being one). Default false.
    pub headline: Option<bool>,
    /// Who says so.
    #[schema(required = true, inline, value_type = BoundedText<1, 500>)]
    pub source: Option<String>,
    #[schema(inline, value_type = Option<WebUrl>)]
    pub source_url: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<0, 2000>>)]
    pub note: Option<String>,
}

impl ObservationInput {
    /// Every field checked (the value against the metric's unit); all problems at once.
    fn parse(&self, mut v: Validator, metric: &staffing::Metric) -> ApiResult<NewObservation> {
        let today = Utc::now().date_naive();
        let value = v.require("value", self.value.map(|x| metric.unit.check(x)));
        let as_of = self
            .as_of
            .as_deref()
            .map(|d| v.check("as_of", PastDate::parse(d, today)));
        let retrieved_at = self
            .retrieved_at
            .as_deref()
            .map(|d| v.check("retrieved_at", PastDate::parse(d, today)));
        if as_of.is_none() && retrieved_at.is_none() {
            v.check("as_of", check_figure_dates(None, None));
        }
        let source = v.require("source", self.source.as_deref().map(Source::parse));
        let source_url = optional_url(&mut v, "source_url", self.source_url.as_deref());
        let note = optional_text::<2000>(&mut v, "note", self.note.as_deref());
        v.finish()?;
        let (Some(value), Some(source)) = (value, source) else {
            unreachable!("a missing or invalid field was recorded above")
        };
        Ok(NewObservation {
            metric_id: metric.id,
            value,
            as_of: as_of.flatten().map(PastDate::get),
            retrieved_at: retrieved_at.flatten().map(PastDate::get),
            headline: self.headline.unwrap_or(false),
            source: source.into_inner(),
            source_url,
            note,
        })
    }
}

/// Changes to an observation; `null` clears `as_of`, `retrieved_at`, `source_url` or `note`
/// (it must keep `as_of` or `retrieved_at`). `headline: true` makes it the metric's current
/// figure in place of the old headline; `false` leaves the metric without one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservationPatch {
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub value: Option<f64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Date, pattern = "^(19[0-9]{2}|[2-9][0-9]{3})-")]
    pub as_of: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Date, pattern = "^(19[0-9]{2}|[2-9][0-9]{3})-")]
    pub retrieved_at: Option<Option<String>>,
    pub headline: Option<bool>,
    #[schema(inline, value_type = Option<BoundedText<1, 500>>)]
    pub source: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<WebUrl>)]
    pub source_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<BoundedText<0, 2000>>)]
    pub note: Option<Option<String>>,
}

impl ObservationPatch {
    /// The changes it asks for, the value checked against the metric's unit, or every invalid
    /// field at once.
    fn parse(self, mut v: Validator, unit: MetricUnit) -> ApiResult<ObservationChangeset> {
        let today = Utc::now().date_naive();
        let date = |v: &mut Validator, field: &str, d: &Option<Option<String>>| {
            d.as_ref().map(|d| {
                d.as_deref()
                    .and_then(|d| v.check(field, PastDate::parse(d, today)).map(PastDate::get))
            })
        };
        let changes = ObservationChangeset {
            value: self.value.and_then(|x| v.check("value", unit.check(x))),
            as_of: date(&mut v, "as_of", &self.as_of),
            retrieved_at: date(&mut v, "retrieved_at", &self.retrieved_at),
            headline: self.headline,
            source: checked(&mut v, "source", self.source.as_deref(), Source::parse),
            source_url: self
                .source_url
                .as_ref()
                .map(|u| optional_url(&mut v, "source_url", u.as_deref())),
            note: self
                .note
                .as_ref()
                .map(|n| optional_text::<2000>(&mut v, "note", n.as_deref())),
        };
        v.finish()?;
        Ok(changes)
    }
}

/// A 400 unless the observation still has `as_of` or `retrieved_at` once `changes` apply. A
/// change leaves nothing out (absent fields stay as they are): it cleared the last date.
fn keeps_a_date(changes: &ObservationChangeset, current: &staffing::Observation) -> ApiResult<()> {
    let (as_of, retrieved_at) = changes.dates_of(current);
    check_figure_dates(as_of, retrieved_at).map_err(|_| {
        ApiError::field(
            "as_of",
            "cannot be cleared while `retrieved_at` is null: an observation keeps the day it \
             describes or, undated, the day it was taken in",
        )
    })
}

/// A `{key}` path segment; one that cannot be a metric key is a 404 without a query.
pub struct KeyParam(String);

impl KeyParam {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for KeyParam {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let valid = !s.is_empty()
            && s.len() <= 64
            && s.split('_').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if valid {
            Ok(KeyParam(s))
        } else {
            Err(serde::de::Error::custom("not a metric key"))
        }
    }
}

#[derive(Deserialize)]
pub struct ObservationPath {
    key: KeyParam,
    id: i64,
}

/// Every metric with its current figure (its headline observation, else its newest dated one) and source.
#[utoipa::path(
    operation_id = "listStaffingStatistics",
    tag = "Staffing",
    params(PageParams),
    responses(
        (status = 200, description = "A page of metrics", body = Page<StaffingStatistic>,
        headers(("ETag" = String), ("Cache-Control" = String), ("Link" = String, description = "rel=\"next\" when there is a next page"))),
        PageErrors,
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/staffing-statistics")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = params
        .0
        .request::<(i32, i64)>(CURSOR_KIND, &state.cursor_key)?;
    let mut conn = state.pool.get().await?;
    let rows = staffing::list_metrics_with_current(&mut conn, page.after, page.fetch()).await?;
    let total = staffing::count_metrics(&mut conn).await?;
    let position = |(m, _): &(staffing::Metric, _)| (m.position, m.id);
    Ok(page.respond(&req, rows, total, position, |(m, l)| {
        StaffingStatistic::new(m, l.as_ref())
    }))
}

/// One metric with its whole series, oldest first.
#[utoipa::path(
    operation_id = "getStaffingStatistic",
    tag = "Staffing",
    params(("key" = String, Path, description = "The metric's key, e.g. `certified_perfusionists`")),
    responses(
        (status = 200, description = "The metric", body = Item<StaffingMetric>, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 404, description = "No metric with this key", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/staffing-statistics/{key}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<KeyParam>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let metric = staffing::find_metric(&mut conn, &key.0)
        .await
        .or_404(NO_METRIC)?;
    let current = staffing::current(&mut conn, &[metric.id]).await?;
    let series = staffing::series(&mut conn, metric.id).await?;
    let current = StaffingStatistic::new(metric, current.values().next());
    let series = series.into_iter().map(Observation::from).collect();
    Ok(json_ok(
        &req,
        &Item::new(StaffingMetric { current, series }),
    ))
}

/// Adds an observation to a metric (editor or admin).
#[utoipa::path(
    operation_id = "createStaffingObservation",
    tag = "Staffing",
    params(("key" = String, Path, description = "The metric's key")),
    request_body = ObservationInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = Item<Observation>, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON or invalid fields (a value the metric's unit does not allow)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No metric with this key", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        SignedIn,
        Unavailable,
    )
)]
#[post("/api/v1/staffing-statistics/{key}/observations")]
pub async fn add_observation(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit,
    key: web::Path<KeyParam>,
    input: JsonBody<ObservationInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let mut conn = state.pool.get().await?;
    let metric = staffing::find_metric(&mut conn, &key.0)
        .await
        .or_404(NO_METRIC)?;
    let new = input.parse(v, &metric)?;
    let data = db::write(&mut conn, async |tx| {
        let row = staffing::insert(tx, &new).await?;
        audit.created(tx, Observation::from(row)).await
    })
    .await?;
    let location = format!(
        "/api/v1/staffing-statistics/{}/observations/{}",
        metric.key, data.id
    );
    Ok(created(&req, location, &Item::new(data)))
}

/// One observation.
#[utoipa::path(
    operation_id = "getStaffingObservation",
    tag = "Staffing",
    params(("key" = String, Path, description = "The metric's key"), ("id" = i64, Path, description = "The observation's id")),
    responses(
        (status = 200, description = "The observation", body = Item<Observation>, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 404, description = "No such metric or observation", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/staffing-statistics/{key}/observations/{id}")]
pub async fn show_observation(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<ObservationPath>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let metric = staffing::find_metric(&mut conn, &path.key.0)
        .await
        .or_404(NO_METRIC)?;
    let row = staffing::find_observation(&mut conn, metric.id, path.id)
        .await
        .or_404(NO_OBSERVATION)?;
    Ok(json_ok(&req, &Item::new(Observation::from(row))))
}

/// Corrects an observation (editor or admin). An `If-Match` with a stale ETag is refused with 412.
#[utoipa::path(
    operation_id = "updateStaffingObservation",
    tag = "Staffing",
    params(("key" = String, Path, description = "The metric's key"), ("id" = i64, Path, description = "The observation's id"),
        IfMatchHeader),
    request_body = ObservationPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Corrected", body = Item<Observation>, headers(("ETag" = String))),
        (status = 404, description = "No such metric or observation", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        JsonBodyErrors,
        SignedIn,
        Unavailable,
    )
)]
#[patch("/api/v1/staffing-statistics/{key}/observations/{id}")]
pub async fn update_observation(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit,
    path: web::Path<ObservationPath>,
    input: JsonBody<ObservationPatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let if_match = IfMatch::of(&req);
    let mut conn = state.pool.get().await?;
    let metric = staffing::find_metric(&mut conn, &path.key.0)
        .await
        .or_404(NO_METRIC)?;
    let (changes, at) = (input.parse(v, metric.unit)?, (metric.id, path.id));
    let data = db::write(&mut conn, async |tx| {
        correct(tx, &audit, at, &if_match, &changes).await
    })
    .await?;
    Ok(json_ok(&req, &Item::new(data)))
}

/// Changes the locked observation `(metric id, id)` after checking `If-Match`, and records it
/// in the audit log.
async fn correct(
    tx: &mut Tx<'_>,
    audit: &Audit,
    (metric_id, id): (i64, i64),
    if_match: &IfMatch,
    changes: &ObservationChangeset,
) -> ApiResult<Observation> {
    let current = staffing::find_observation_for_update(tx, metric_id, id)
        .await
        .or_404(NO_OBSERVATION)?;
    let before = Observation::from(current.clone());
    if_match.check(&before)?;
    keeps_a_date(changes, &current)?;
    let row = staffing::update(tx, &current, changes).await?;
    audit
        .changed(tx, AuditAction::Update, &before, row.into())
        .await
}

/// Removes an observation (editor or admin).
#[utoipa::path(
    operation_id = "deleteStaffingObservation",
    tag = "Staffing",
    params(("key" = String, Path, description = "The metric's key"), ("id" = i64, Path, description = "The observation's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such metric or observation", body = Problem, content_type = "application/problem+json"),
        SignedIn,
        Unavailable,
    )
)]
#[delete("/api/v1/staffing-statistics/{key}/observations/{id}")]
pub async fn remove_observation(
    state: web::Data<AppState>,
    audit: Audit,
    path: web::Path<ObservationPath>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let metric = staffing::find_metric(&mut conn, &path.key.0)
        .await
        .or_404(NO_METRIC)?;
    let (resource, id) = (ResourceType::StaffingObservation, path.id);
    db::write(&mut conn, async |tx| {
        found(staffing::delete(tx, metric.id, id).await?, NO_OBSERVATION)?;
        audit.removed(tx, AuditAction::Delete, resource, id).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
