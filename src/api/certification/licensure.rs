//! Licensure of perfusionists by state (`/api/v1/certification/licensure`).

use actix_web::{get, patch, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::audit::{Audit, Audited};
use crate::api::extract::{JsonBody, Query, StateParam};
use crate::api::fields::{double_option, optional_text, optional_url};
use crate::api::responses::{
    AdminOnly, IfMatchHeader, JsonBodyErrors, NotModified, PageErrors, StaleIfMatch, Unavailable,
};
use crate::http::{
    cache::{json_ok, IfMatch},
    envelope::{Item, Page},
    pagination::PageParams,
};
use crate::{
    auth::Admin,
    db,
    domain::{AuditAction, BoundedText, PastDate, ResourceType, WebUrl},
    errors::{ApiResult, Problem, QueryResultExt, Validator},
    models::licensure::{self, LicensureChangeset},
    state::AppState,
};

const NO_STATE: &str = "There is no such state.";
const LICENSURE_CURSOR: &str = "licensure";

/// Whether a state requires a license: `true`, `false`, or `"title_protection"` (only the
/// title is protected).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum LicenseRequired {
    Required(bool),
    Title(TitleProtection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TitleProtection {
    TitleProtection,
}

impl LicenseRequired {
    fn from_db(s: &str) -> Self {
        match s {
            "yes" => Self::Required(true),
            "title_protection" => Self::Title(TitleProtection::TitleProtection),
            _ => Self::Required(false),
        }
    }

    fn to_db(self) -> &'static str {
        match self {
            Self::Required(true) => "yes",
            Self::Required(false) => "no",
            Self::Title(_) => "title_protection",
        }
    }
}

/// Licensure in one state.
#[derive(Debug, Serialize, ToSchema)]
pub struct StateLicensure {
    /// The two-letter code.
    #[schema(example = "NE")]
    pub state: String,
    #[schema(example = "Nebraska")]
    pub name: String,
    /// Null where the source says nothing (the District of Columbia).
    #[schema(required = true, value_type = Option<LicenseRequired>)]
    pub license_required: Option<LicenseRequired>,
    /// The date of the source.
    #[schema(required = true)]
    pub as_of: Option<NaiveDate>,
    #[schema(required = true)]
    pub source_url: Option<String>,
    #[schema(required = true)]
    pub note: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl Audited for StateLicensure {
    const RESOURCE: ResourceType = ResourceType::Licensure;
    fn audit_id(&self) -> String {
        self.state.clone()
    }
}

impl From<licensure::Licensure> for StateLicensure {
    fn from(l: licensure::Licensure) -> Self {
        Self {
            license_required: l.license_required.as_deref().map(LicenseRequired::from_db),
            state: l.state,
            name: l.name,
            as_of: l.as_of,
            source_url: l.source_url,
            note: l.note,
            updated_at: l.updated_at,
        }
    }
}

/// Licensure by state: the 50 states and DC, by code.
#[utoipa::path(
    operation_id = "listLicensure",
    tag = "Certification",
    params(PageParams),
    responses(
        (status = 200, description = "A page of states", body = Page<StateLicensure>,
        headers(("ETag" = String), ("Cache-Control" = String), ("Link" = String, description = "rel=\"next\" when there is a next page"))),
        PageErrors,
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/certification/licensure")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = params
        .0
        .request::<String>(LICENSURE_CURSOR, &state.cursor_key)?;
    let mut conn = state.pool.get().await?;
    let rows = licensure::list(&mut conn, page.after.clone(), page.fetch()).await?;
    let total = licensure::count(&mut conn).await?;
    Ok(page.respond(&req, rows, total, |l| l.state.clone(), StateLicensure::from))
}

/// Licensure in one state.
#[utoipa::path(
    operation_id = "getLicensure",
    tag = "Certification",
    params(("state" = String, Path, description = "The two-letter state code, e.g. `NE`", pattern = "^[A-Z]{2}$")),
    responses(
        (status = 200, description = "The state", body = Item<StateLicensure>, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 404, description = "No such state", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/certification/licensure/{state}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<StateParam>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = licensure::find(&mut conn, &code).await.or_404(NO_STATE)?;
    Ok(json_ok(&req, &Item::new(StateLicensure::from(row))))
}

/// Changes to a state's licensure; `null` clears `as_of`, `source_url` or `note`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicensurePatch {
    #[schema(value_type = Option<LicenseRequired>)]
    pub license_required: Option<LicenseRequired>,
    /// The date of the source (YYYY-MM-DD), from 1900 to today.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Date, pattern = "^(19[0-9]{2}|[2-9][0-9]{3})-")]
    pub as_of: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<WebUrl>)]
    pub source_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<BoundedText<0, 2000>>)]
    pub note: Option<Option<String>>,
}

/// Changes a state's licensure (admin). An `If-Match` with a stale ETag is refused
/// with 412.
#[utoipa::path(
    operation_id = "updateLicensure",
    tag = "Certification",
    params(("state" = String, Path, description = "The two-letter state code", pattern = "^[A-Z]{2}$"),
        IfMatchHeader),
    request_body = LicensurePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<StateLicensure>, headers(("ETag" = String))),
        (status = 404, description = "No such state", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[patch("/api/v1/certification/licensure/{state}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    code: web::Path<StateParam>,
    input: JsonBody<LicensurePatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let changes = input.parse(v)?;
    let if_match = IfMatch::of(&req);
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let current = licensure::find_for_update(tx, &code)
            .await
            .or_404(NO_STATE)?;
        let before = StateLicensure::from(current);
        if_match.check(&before)?;
        let row = licensure::update(tx, &code, &changes).await?;
        audit
            .changed(tx, AuditAction::Update, &before, row.into())
            .await
    })
    .await?;
    Ok(json_ok(&req, &Item::new(data)))
}

/// A source's date, from 1900 to today.
fn past_date(s: &str) -> Result<NaiveDate, String> {
    PastDate::parse(s, Utc::now().date_naive()).map(PastDate::get)
}

impl LicensurePatch {
    fn parse(&self, mut v: Validator) -> ApiResult<LicensureChangeset> {
        let changes = LicensureChangeset {
            license_required: self.license_required.map(|l| Some(l.to_db().to_owned())),
            as_of: self
                .as_of
                .as_ref()
                .map(|d| d.as_deref().and_then(|d| v.check("as_of", past_date(d)))),
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
