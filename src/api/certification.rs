//! Certification: `/api/v1/certification` (the pathway to the CCP credential), its editable
//! steps, the accredited programs directory, and licensure by state.

use actix_web::{
    delete, get, http::header, http::StatusCode, patch, post, web, HttpRequest, HttpResponse,
};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::responses::{AdminOnly, JsonBodyErrors, NotModified, PageErrors, Unavailable};
use super::{
    extract::{JsonBody, Query},
    fields::{double_option, optional_text, optional_url},
};
use crate::http::{
    cache::{json_ok, json_response, IfMatch},
    envelope::{Item, Page, PageMeta},
    pagination::{list_response, page, PageParams},
};
use crate::{
    auth::Admin,
    db,
    domain::{AccreditationStatus, BoundedText, WebUrl},
    errors::{found, ApiError, ApiResult, Problem, QueryResultExt, Validator},
    models::certification::{
        self as model, LicensureChangeset, NewProgram, NewStep, ProgramChangeset, StepChangeset,
    },
    state::AppState,
};

const NO_STEP: &str = "There is no such step.";
const NO_PROGRAM: &str = "There is no such program.";
const NO_STATE: &str = "There is no such state.";

type Title = BoundedText<1, 200>;
type Name = BoundedText<1, 200>;
type Short = BoundedText<1, 100>;

const PROGRAMS_CURSOR: &str = "programs";
const LICENSURE_CURSOR: &str = "licensure";

/// The credential a certified perfusionist holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct Credential {
    #[schema(example = "CCP")]
    pub code: String,
    #[schema(example = "Certified Clinical Perfusionist")]
    pub name: String,
    #[schema(example = "American Board of Cardiovascular Perfusion (ABCP)")]
    pub awarded_by: String,
    pub description: String,
}

/// One step of the pathway.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificationStep {
    /// Its id, to edit or remove it.
    pub id: i64,
    /// Steps are ordered by position.
    pub position: i32,
    pub title: String,
    #[schema(required = true)]
    pub detail: Option<String>,
    #[schema(required = true)]
    pub source_url: Option<String>,
}

impl From<model::Step> for CertificationStep {
    fn from(s: model::Step) -> Self {
        Self {
            id: s.id,
            position: s.position,
            title: s.title,
            detail: s.detail,
            source_url: s.source_url,
        }
    }
}

/// Keeping the credential.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recertification {
    #[schema(example = "annual")]
    pub frequency: String,
    pub clinical_activity: String,
    pub professional_activity: String,
    pub source_urls: Vec<String>,
}

/// Who accredits perfusion programs.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accreditation {
    pub bodies: String,
    pub outcome_thresholds: String,
    pub source_urls: Vec<String>,
}

/// The pathway to certification.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificationPathway {
    pub credential: Credential,
    /// The ordered steps under today's rules.
    pub steps: Vec<CertificationStep>,
    /// Other ways through the steps that today's rules allow.
    pub alternatives: Vec<String>,
    /// What the Perfusion Partners page says.
    pub seed_page_says: String,
    /// Where today's rules differ from the page.
    pub correction: String,
    pub recertification: Recertification,
    pub accreditation: Accreditation,
}

fn flat(urls: Vec<Option<String>>) -> Vec<String> {
    urls.into_iter().flatten().collect()
}

/// The whole pathway: the credential, the ordered steps, what the seed page says and the
/// correction where today's rules differ, recertification and accreditation.
#[utoipa::path(
    operation_id = "getCertificationPathway",
    tag = "Certification",
    responses(
        (status = 200, description = "The pathway", body = Item<CertificationPathway>, headers(("ETag" = String), ("Cache-Control" = String))),
        NotModified,
        Unavailable,
    )
)]
#[get("/certification")]
pub async fn pathway(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let o = model::overview(&mut conn).await?;
    let steps = model::steps(&mut conn).await?;
    Ok(json_ok(
        &req,
        &Item {
            data: CertificationPathway {
                credential: Credential {
                    code: o.credential_code,
                    name: o.credential_name,
                    awarded_by: o.awarded_by,
                    description: o.credential,
                },
                steps: steps.into_iter().map(CertificationStep::from).collect(),
                alternatives: flat(o.alternatives),
                seed_page_says: o.seed_page_says,
                correction: o.correction,
                recertification: Recertification {
                    frequency: o.recertification_frequency,
                    clinical_activity: o.recertification_clinical,
                    professional_activity: o.recertification_professional,
                    source_urls: flat(o.recertification_sources),
                },
                accreditation: Accreditation {
                    bodies: o.accreditation_bodies,
                    outcome_thresholds: o.accreditation_thresholds,
                    source_urls: flat(o.accreditation_sources),
                },
            },
        },
    ))
}

/// A new step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// Where it goes (steps are ordered by position; default: after the last).
    pub position: Option<i32>,
    #[schema(required = true, inline, value_type = BoundedText<1, 200>)]
    pub title: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<0, 2000>>)]
    pub detail: Option<String>,
    #[schema(inline, value_type = Option<WebUrl>)]
    pub source_url: Option<String>,
}

/// Changes to a step; `null` clears `detail` or `source_url`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepPatch {
    pub position: Option<i32>,
    #[schema(inline, value_type = Option<BoundedText<1, 200>>)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<BoundedText<0, 2000>>)]
    pub detail: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<WebUrl>)]
    pub source_url: Option<Option<String>>,
}

/// Adds a step to the pathway (admin).
#[utoipa::path(
    operation_id = "createCertificationStep",
    tag = "Certification",
    request_body = StepInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = Item<CertificationStep>, headers(("Location" = String), ("ETag" = String))),
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[post("/certification/steps")]
pub async fn create_step(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    input: JsonBody<StepInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, mut v) = input;
    let title = v.require("title", input.title.as_deref().map(Title::parse));
    let detail = optional_text::<2000>(&mut v, "detail", input.detail.as_deref());
    let source_url = optional_url(&mut v, "source_url", input.source_url.as_deref());
    v.finish()?;
    let Some(title) = title else {
        unreachable!("a missing or invalid title was recorded above")
    };
    let mut conn = state.pool.get().await?;
    let position = match input.position {
        Some(p) => p,
        None => model::steps(&mut conn)
            .await?
            .last()
            .map_or(1, |s| s.position.saturating_add(1)),
    };
    let row = db::write(&mut conn, async |tx| {
        model::insert_step(
            tx,
            &NewStep {
                position,
                title: title.into_inner(),
                detail,
                source_url,
            },
        )
        .await
    })
    .await?;
    let location = format!("/api/v1/certification/steps/{}", row.id);
    Ok(json_response(
        &req,
        StatusCode::CREATED,
        &Item {
            data: CertificationStep::from(row),
        },
        &[(header::LOCATION, location)],
    ))
}

/// One step.
#[utoipa::path(
    operation_id = "getCertificationStep",
    tag = "Certification",
    params(("id" = i64, Path, description = "The step's id")),
    responses(
        (status = 200, description = "The step", body = Item<CertificationStep>, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 404, description = "No step with this id", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/certification/steps/{id}")]
pub async fn show_step(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = model::find_step(&mut conn, *id).await.or_404(NO_STEP)?;
    Ok(json_ok(
        &req,
        &Item {
            data: CertificationStep::from(row),
        },
    ))
}

/// Changes a step (admin). An `If-Match` with a stale ETag is refused with 412.
#[utoipa::path(
    operation_id = "updateCertificationStep",
    tag = "Certification",
    params(("id" = i64, Path, description = "The step's id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 if it changed since")),
    request_body = StepPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<CertificationStep>, headers(("ETag" = String))),
        (status = 404, description = "No step with this id", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[patch("/certification/steps/{id}")]
pub async fn update_step(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<i64>,
    input: JsonBody<StepPatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, mut v) = input;
    let changes = StepChangeset {
        position: input.position,
        title: input
            .title
            .as_deref()
            .and_then(|t| v.check("title", Title::parse(t)))
            .map(BoundedText::into_inner),
        detail: input
            .detail
            .as_ref()
            .map(|d| optional_text::<2000>(&mut v, "detail", d.as_deref())),
        source_url: input
            .source_url
            .as_ref()
            .map(|u| optional_url(&mut v, "source_url", u.as_deref())),
    };
    v.finish()?;
    let if_match = IfMatch::of(&req);
    let id = *id;
    let mut conn = state.pool.get().await?;
    let row = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let current = model::find_step_for_update(tx, id).await.or_404(NO_STEP)?;
        if_match.check(&CertificationStep::from(current))?;
        Ok(model::update_step(tx, id, &changes).await?)
    })
    .await?;
    Ok(json_ok(
        &req,
        &Item {
            data: CertificationStep::from(row),
        },
    ))
}

/// Removes a step (admin).
#[utoipa::path(
    operation_id = "deleteCertificationStep",
    tag = "Certification",
    params(("id" = i64, Path, description = "The step's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No step with this id", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[delete("/certification/steps/{id}")]
pub async fn remove_step(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    found(
        db::write(&mut conn, async |tx| model::delete_step(tx, *id).await).await?,
        NO_STEP,
    )?;
    Ok(HttpResponse::NoContent().finish())
}

/// An accredited perfusion program.
#[derive(Debug, Serialize, ToSchema)]
pub struct Program {
    pub id: i64,
    pub name: String,
    pub institution: String,
    #[schema(required = true)]
    pub city: Option<String>,
    /// A two-letter US state code.
    #[schema(required = true, example = "NE")]
    pub state: Option<String>,
    #[schema(required = true, example = "Master of Perfusion Science")]
    pub degree: Option<String>,
    #[schema(required = true)]
    pub url: Option<String>,
    pub accreditation_status: AccreditationStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<model::Program> for Program {
    fn from(p: model::Program) -> Self {
        Self {
            id: p.id,
            name: p.name,
            institution: p.institution,
            city: p.city,
            state: p.state,
            degree: p.degree,
            url: p.url,
            accreditation_status: p.accreditation_status,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A count of accredited programs as a source states it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedCount {
    #[schema(example = 17)]
    pub value: i32,
    pub source: String,
    #[schema(required = true)]
    pub source_url: Option<String>,
    /// Null where the source is undated.
    #[schema(required = true)]
    pub as_of: Option<NaiveDate>,
    #[schema(required = true)]
    pub note: Option<String>,
}

/// The page's meta, plus what sources say the number of programs is.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramsMeta {
    #[serde(flatten)]
    pub page: PageMeta,
    /// Counts of accredited programs stated by sources (the seed page says 17); they conflict,
    /// and the directory holds only programs entered from a source.
    pub reported_counts: Vec<ReportedCount>,
    pub note: String,
}

/// A page of the programs directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramsPage {
    pub data: Vec<Program>,
    pub meta: ProgramsMeta,
}

/// The accredited programs directory, by name; `meta.reported_counts` has the counts sources
/// state, so a front end can show both honestly.
#[utoipa::path(
    operation_id = "listCertificationPrograms",
    tag = "Certification",
    params(PageParams),
    responses(
        (status = 200, description = "A page of programs", body = ProgramsPage,
        headers(("ETag" = String), ("Cache-Control" = String), ("Link" = String, description = "rel=\"next\" when there is a next page"))),
        PageErrors,
        NotModified,
        Unavailable,
    )
)]
#[get("/certification/programs")]
pub async fn programs(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let (limit, after) = params
        .0
        .parse::<(String, i64)>(PROGRAMS_CURSOR, &state.cursor_key)?;
    let mut conn = state.pool.get().await?;
    let rows = model::list_programs(&mut conn, after, i64::from(limit) + 1).await?;
    let total = model::count_programs(&mut conn).await?;
    let counts = model::program_counts(&mut conn).await?;
    let overview = model::overview(&mut conn).await?;
    let Page { data, meta } = page(
        rows,
        limit,
        total,
        (PROGRAMS_CURSOR, &state.cursor_key),
        |p| (p.name.clone(), p.id),
        Program::from,
    );
    let body = ProgramsPage {
        data,
        meta: ProgramsMeta {
            page: meta,
            reported_counts: counts
                .into_iter()
                .map(|c| ReportedCount {
                    value: c.value,
                    source: c.source,
                    source_url: c.source_url,
                    as_of: c.as_of,
                    note: c.note,
                })
                .collect(),
            note: overview.programs_note,
        },
    };
    Ok(list_response(
        &req,
        &body,
        body.meta.page.next_cursor.as_deref(),
    ))
}

/// A two-letter state code.
fn parse_state(s: &str) -> Result<String, String> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(s.to_owned())
    } else {
        Err("must be a two-letter state code such as NE".into())
    }
}

/// A new program.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramInput {
    #[schema(required = true, inline, value_type = BoundedText<1, 200>)]
    pub name: Option<String>,
    #[schema(required = true, inline, value_type = BoundedText<1, 200>)]
    pub institution: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<1, 100>>)]
    pub city: Option<String>,
    #[schema(pattern = "^[A-Z]{2}$")]
    pub state: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<1, 100>>)]
    pub degree: Option<String>,
    #[schema(inline, value_type = Option<WebUrl>)]
    pub url: Option<String>,
    /// Default `accredited`.
    pub accreditation_status: Option<AccreditationStatus>,
}

/// Changes to a program; `null` clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramPatch {
    #[schema(inline, value_type = Option<BoundedText<1, 200>>)]
    pub name: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<1, 200>>)]
    pub institution: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<BoundedText<1, 100>>)]
    pub city: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, pattern = "^[A-Z]{2}$")]
    pub state: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<BoundedText<1, 100>>)]
    pub degree: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<WebUrl>)]
    pub url: Option<Option<String>>,
    pub accreditation_status: Option<AccreditationStatus>,
}

impl ProgramPatch {
    /// The changes it asks for, or every invalid field at once.
    fn parse(self, mut v: Validator) -> ApiResult<ProgramChangeset> {
        let input = self;
        let changes = ProgramChangeset {
            name: input
                .name
                .as_deref()
                .and_then(|t| v.check("name", Name::parse(t)))
                .map(BoundedText::into_inner),
            institution: input
                .institution
                .as_deref()
                .and_then(|t| v.check("institution", Name::parse(t)))
                .map(BoundedText::into_inner),
            city: input
                .city
                .as_ref()
                .map(|c| short(&mut v, "city", c.as_deref())),
            state: input
                .state
                .as_ref()
                .map(|s| s.as_deref().and_then(|s| v.check("state", parse_state(s)))),
            degree: input
                .degree
                .as_ref()
                .map(|d| short(&mut v, "degree", d.as_deref())),
            url: input
                .url
                .as_ref()
                .map(|u| optional_url(&mut v, "url", u.as_deref())),
            accreditation_status: input.accreditation_status,
        };
        v.finish()?;
        Ok(changes)
    }
}

fn short(v: &mut Validator, field: &str, value: Option<&str>) -> Option<String> {
    value
        .and_then(|t| v.check(field, Short::parse(t)))
        .map(BoundedText::into_inner)
}

/// Adds a program to the directory (admin).
#[utoipa::path(
    operation_id = "createCertificationProgram",
    tag = "Certification",
    request_body = ProgramInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = Item<Program>, headers(("Location" = String), ("ETag" = String))),
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[post("/certification/programs")]
pub async fn create_program(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    input: JsonBody<ProgramInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, mut v) = input;
    let name = v.require("name", input.name.as_deref().map(Name::parse));
    let institution = v.require("institution", input.institution.as_deref().map(Name::parse));
    let city = short(&mut v, "city", input.city.as_deref());
    let us_state = input
        .state
        .as_deref()
        .and_then(|s| v.check("state", parse_state(s)));
    let degree = short(&mut v, "degree", input.degree.as_deref());
    let url = optional_url(&mut v, "url", input.url.as_deref());
    v.finish()?;
    let (Some(name), Some(institution)) = (name, institution) else {
        unreachable!("a missing or invalid field was recorded above")
    };
    let mut conn = state.pool.get().await?;
    let row = db::write(&mut conn, async |tx| {
        model::insert_program(
            tx,
            &NewProgram {
                name: name.into_inner(),
                institution: institution.into_inner(),
                city,
                state: us_state,
                degree,
                url,
                accreditation_status: input
                    .accreditation_status
                    .unwrap_or(AccreditationStatus::Accredited),
            },
        )
        .await
    })
    .await?;
    let location = format!("/api/v1/certification/programs/{}", row.id);
    Ok(json_response(
        &req,
        StatusCode::CREATED,
        &Item {
            data: Program::from(row),
        },
        &[(header::LOCATION, location)],
    ))
}

/// One program.
#[utoipa::path(
    operation_id = "getCertificationProgram",
    tag = "Certification",
    params(("id" = i64, Path, description = "The program's id")),
    responses(
        (status = 200, description = "The program", body = Item<Program>, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 404, description = "No program with this id", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/certification/programs/{id}")]
pub async fn show_program(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = model::find_program(&mut conn, *id)
        .await
        .or_404(NO_PROGRAM)?;
    Ok(json_ok(
        &req,
        &Item {
            data: Program::from(row),
        },
    ))
}

/// Changes a program (admin). An `If-Match` with a stale ETag is refused with 412.
#[utoipa::path(
    operation_id = "updateCertificationProgram",
    tag = "Certification",
    params(("id" = i64, Path, description = "The program's id"), ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 if it changed since")),
    request_body = ProgramPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<Program>, headers(("ETag" = String))),
        (status = 404, description = "No program with this id", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[patch("/certification/programs/{id}")]
pub async fn update_program(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<i64>,
    input: JsonBody<ProgramPatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let changes = input.parse(v)?;
    let if_match = IfMatch::of(&req);
    let id = *id;
    let mut conn = state.pool.get().await?;
    let row = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let current = model::find_program_for_update(tx, id)
            .await
            .or_404(NO_PROGRAM)?;
        if_match.check(&Program::from(current))?;
        Ok(model::update_program(tx, id, &changes).await?)
    })
    .await?;
    Ok(json_ok(
        &req,
        &Item {
            data: Program::from(row),
        },
    ))
}

/// Removes a program (admin).
#[utoipa::path(
    operation_id = "deleteCertificationProgram",
    tag = "Certification",
    params(("id" = i64, Path, description = "The program's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No program with this id", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[delete("/certification/programs/{id}")]
pub async fn remove_program(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    found(
        db::write(&mut conn, async |tx| model::delete_program(tx, *id).await).await?,
        NO_PROGRAM,
    )?;
    Ok(HttpResponse::NoContent().finish())
}

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

impl From<model::Licensure> for StateLicensure {
    fn from(l: model::Licensure) -> Self {
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
#[get("/certification/licensure")]
pub async fn licensure(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let (limit, after) = params
        .0
        .parse::<String>(LICENSURE_CURSOR, &state.cursor_key)?;
    let mut conn = state.pool.get().await?;
    let rows = model::list_licensure(&mut conn, after, i64::from(limit) + 1).await?;
    let total = model::count_licensure(&mut conn).await?;
    let body = page(
        rows,
        limit,
        total,
        (LICENSURE_CURSOR, &state.cursor_key),
        |l| l.state.clone(),
        StateLicensure::from,
    );
    Ok(list_response(&req, &body, body.meta.next_cursor.as_deref()))
}

/// A `{state}` path segment: two capital letters, else a 404 without a query.
pub struct StateParam(String);

impl<'de> Deserialize<'de> for StateParam {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_state(&s)
            .map(StateParam)
            .map_err(serde::de::Error::custom)
    }
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
#[get("/certification/licensure/{state}")]
pub async fn show_licensure(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<StateParam>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = model::find_licensure(&mut conn, &code.0)
        .await
        .or_404(NO_STATE)?;
    Ok(json_ok(
        &req,
        &Item {
            data: StateLicensure::from(row),
        },
    ))
}

/// Changes to a state's licensure; `null` clears `as_of`, `source_url` or `note`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicensurePatch {
    #[schema(value_type = Option<LicenseRequired>)]
    pub license_required: Option<LicenseRequired>,
    /// The date of the source (YYYY-MM-DD), from 1900 to today.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<WebUrl>)]
    pub source_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<BoundedText<0, 2000>>)]
    pub note: Option<Option<String>>,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| "must be a date such as 2024-06-04".to_owned())?;
    if d.year() < 1900 || d > Utc::now().date_naive() {
        return Err("must be from 1900-01-01 to today".into());
    }
    Ok(d)
}

/// Changes a state's licensure (admin). An `If-Match` with a stale ETag is refused
/// with 412.
#[utoipa::path(
    operation_id = "updateLicensure",
    tag = "Certification",
    params(("state" = String, Path, description = "The two-letter state code", pattern = "^[A-Z]{2}$"),
        ("If-Match" = Option<String>, Header, description = "The ETag you read; 412 if it changed since")),
    request_body = LicensurePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<StateLicensure>, headers(("ETag" = String))),
        (status = 404, description = "No such state", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[patch("/certification/licensure/{state}")]
pub async fn update_licensure(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    code: web::Path<StateParam>,
    input: JsonBody<LicensurePatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, mut v) = input;
    let changes = LicensureChangeset {
        license_required: input.license_required.map(|l| Some(l.to_db().to_owned())),
        as_of: input
            .as_of
            .as_ref()
            .map(|d| d.as_deref().and_then(|d| v.check("as_of", parse_date(d)))),
        source_url: input
            .source_url
            .as_ref()
            .map(|u| optional_url(&mut v, "source_url", u.as_deref())),
        note: input
            .note
            .as_ref()
            .map(|n| optional_text::<2000>(&mut v, "note", n.as_deref())),
    };
    v.finish()?;
    let if_match = IfMatch::of(&req);
    let code = code.into_inner().0;
    let mut conn = state.pool.get().await?;
    let row = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let current = model::find_licensure_for_update(tx, &code)
            .await
            .or_404(NO_STATE)?;
        if_match.check(&StateLicensure::from(current))?;
        Ok(model::update_licensure(tx, &code, &changes).await?)
    })
    .await?;
    Ok(json_ok(
        &req,
        &Item {
            data: StateLicensure::from(row),
        },
    ))
}
