//! The directory of accredited perfusion programs (`/api/v1/certification/programs`).

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::audit::{Audit, Audited};
use crate::api::extract::{JsonBody, Query};
use crate::api::fields::{checked, double_option, optional_url};
use crate::api::responses::{
    AdminOnly, IfMatchHeader, JsonBodyErrors, NotModified, PageErrors, StaleIfMatch, Unavailable,
};
use crate::http::{
    cache::{created, json_ok, IfMatch},
    envelope::{Item, Page, PageMeta},
    pagination::{list_response, PageParams},
};
use crate::{
    auth::Admin,
    db,
    domain::{AccreditationStatus, AuditAction, BoundedText, ResourceType, UsState, WebUrl},
    errors::{found, ApiResult, Problem, QueryResultExt, Validator},
    models::{
        certification,
        program::{self, NewProgram, ProgramChangeset},
    },
    state::AppState,
};

const NO_PROGRAM: &str = "There is no such program.";
const PROGRAMS_CURSOR: &str = "programs";

type Name = BoundedText<1, 200>;
type Short = BoundedText<1, 100>;

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

impl Audited for Program {
    const RESOURCE: ResourceType = ResourceType::CertificationProgram;
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
}

impl From<program::Program> for Program {
    fn from(p: program::Program) -> Self {
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
#[get("/api/v1/certification/programs")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = params
        .0
        .request::<(String, i64)>(PROGRAMS_CURSOR, &state.cursor_key)?;
    let mut conn = state.pool.get().await?;
    let rows = program::list(&mut conn, page.after.clone(), page.fetch()).await?;
    let total = program::count(&mut conn).await?;
    let Page { data, meta } = page.page(rows, total, |p| (p.name.clone(), p.id), Program::from);
    let body = ProgramsPage {
        data,
        meta: ProgramsMeta::load(&mut conn, meta).await?,
    };
    let next_cursor = body.meta.page.next_cursor.as_deref();
    Ok(list_response(&req, &body, next_cursor))
}

impl ProgramsMeta {
    /// A page's meta with what the sources say the number of programs is.
    async fn load(conn: &mut AsyncPgConnection, page: PageMeta) -> ApiResult<Self> {
        let counts = certification::program_counts(conn).await?;
        let overview = certification::overview(conn).await?;
        Ok(Self {
            page,
            reported_counts: counts.into_iter().map(ReportedCount::from).collect(),
            note: overview.programs_note,
        })
    }
}

impl From<certification::ProgramCount> for ReportedCount {
    fn from(c: certification::ProgramCount) -> Self {
        Self {
            value: c.value,
            source: c.source,
            source_url: c.source_url,
            as_of: c.as_of,
            note: c.note,
        }
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
    #[schema(inline, value_type = Option<UsState>)]
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
    #[schema(inline, value_type = Option<UsState>)]
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
            name: checked(&mut v, "name", input.name.as_deref(), Name::parse),
            institution: checked(
                &mut v,
                "institution",
                input.institution.as_deref(),
                Name::parse,
            ),
            city: input
                .city
                .as_ref()
                .map(|c| short(&mut v, "city", c.as_deref())),
            state: input.state.as_ref().map(|s| {
                s.as_deref()
                    .and_then(|s| v.check("state", UsState::parse(s).map(UsState::into_inner)))
            }),
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
#[post("/api/v1/certification/programs")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    input: JsonBody<ProgramInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let new = input.parse(v)?;
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let row = program::insert(tx, &new).await?;
        audit.created(tx, Program::from(row)).await
    })
    .await?;
    let location = format!("/api/v1/certification/programs/{}", data.id);
    Ok(created(&req, location, &Item::new(data)))
}

impl ProgramInput {
    /// Every field checked; all problems reported at once (with those already in `v`).
    fn parse(&self, mut v: Validator) -> ApiResult<NewProgram> {
        let name = v.require("name", self.name.as_deref().map(Name::parse));
        let institution = v.require("institution", self.institution.as_deref().map(Name::parse));
        let city = short(&mut v, "city", self.city.as_deref());
        let state = self
            .state
            .as_deref()
            .and_then(|s| v.check("state", UsState::parse(s)));
        let degree = short(&mut v, "degree", self.degree.as_deref());
        let url = optional_url(&mut v, "url", self.url.as_deref());
        v.finish()?;
        let (Some(name), Some(institution)) = (name, institution) else {
            unreachable!("a missing or invalid field was recorded above")
        };
        Ok(NewProgram {
            name: name.into_inner(),
            institution: institution.into_inner(),
            city,
            state: state.map(UsState::into_inner),
            degree,
            url,
            accreditation_status: self
                .accreditation_status
                .unwrap_or(AccreditationStatus::Accredited),
        })
    }
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
#[get("/api/v1/certification/programs/{id}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = program::find(&mut conn, *id).await.or_404(NO_PROGRAM)?;
    Ok(json_ok(&req, &Item::new(Program::from(row))))
}

/// Changes a program (admin). An `If-Match` with a stale ETag is refused with 412.
#[utoipa::path(
    operation_id = "updateCertificationProgram",
    tag = "Certification",
    params(("id" = i64, Path, description = "The program's id"), IfMatchHeader),
    request_body = ProgramPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<Program>, headers(("ETag" = String))),
        (status = 404, description = "No program with this id", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[patch("/api/v1/certification/programs/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    id: web::Path<i64>,
    input: JsonBody<ProgramPatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let changes = input.parse(v)?;
    let if_match = IfMatch::of(&req);
    let id = *id;
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let current = program::find_for_update(tx, id).await.or_404(NO_PROGRAM)?;
        let before = Program::from(current);
        if_match.check(&before)?;
        let row = program::update(tx, id, &changes).await?;
        audit
            .changed(tx, AuditAction::Update, &before, row.into())
            .await
    })
    .await?;
    Ok(json_ok(&req, &Item::new(data)))
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
#[delete("/api/v1/certification/programs/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (mut conn, id) = (state.pool.get().await?, *id);
    let resource = ResourceType::CertificationProgram;
    db::write(&mut conn, async |tx| {
        found(program::delete(tx, id).await?, NO_PROGRAM)?;
        audit.removed(tx, AuditAction::Delete, resource, id).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
