//! The pathway to the CCP credential (`/api/v1/certification`) and its editable steps.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::audit::{Audit, Audited};
use crate::api::extract::JsonBody;
use crate::api::fields::{checked, double_option, optional_text, optional_url};
use crate::api::responses::{
    AdminOnly, IfMatchHeader, JsonBodyErrors, NotModified, StaleIfMatch, Unavailable,
};
use crate::http::{
    cache::{created, json_ok, IfMatch},
    envelope::Item,
};
use crate::{
    auth::Admin,
    db,
    domain::{AuditAction, BoundedText, ResourceType, WebUrl},
    errors::{found, ApiResult, Problem, QueryResultExt, Validator},
    models::{
        certification,
        certification_step::{self, NewStep, StepChangeset},
    },
    state::AppState,
};

const NO_STEP: &str = "There is no such step.";

type Title = BoundedText<1, 200>;

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

impl Audited for CertificationStep {
    const RESOURCE: ResourceType = ResourceType::CertificationStep;
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
}

impl From<certification_step::Step> for CertificationStep {
    fn from(s: certification_step::Step) -> Self {
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
#[get("/api/v1/certification")]
pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let overview = certification::overview(&mut conn).await?;
    let steps = certification_step::list(&mut conn).await?;
    Ok(json_ok(
        &req,
        &Item::new(CertificationPathway::of(overview, steps)),
    ))
}

impl CertificationPathway {
    fn of(o: certification::Overview, steps: Vec<certification_step::Step>) -> Self {
        Self {
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
        }
    }
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
#[post("/api/v1/certification/steps")]
pub async fn create_step(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    input: JsonBody<StepInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let new = input.parse(v)?;
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let row = certification_step::insert(tx, &new).await?;
        audit.created(tx, CertificationStep::from(row)).await
    })
    .await?;
    let location = format!("/api/v1/certification/steps/{}", data.id);
    Ok(created(&req, location, &Item::new(data)))
}

impl StepInput {
    fn parse(&self, mut v: Validator) -> ApiResult<NewStep> {
        let title = v.require("title", self.title.as_deref().map(Title::parse));
        let detail = optional_text::<2000>(&mut v, "detail", self.detail.as_deref());
        let source_url = optional_url(&mut v, "source_url", self.source_url.as_deref());
        v.finish()?;
        Ok(NewStep {
            position: self.position,
            title: title
                .expect("a missing or invalid title was recorded above")
                .into_inner(),
            detail,
            source_url,
        })
    }
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
#[get("/api/v1/certification/steps/{id}")]
pub async fn show_step(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = certification_step::find(&mut conn, *id)
        .await
        .or_404(NO_STEP)?;
    Ok(json_ok(&req, &Item::new(CertificationStep::from(row))))
}

/// Changes a step (admin). An `If-Match` with a stale ETag is refused with 412.
#[utoipa::path(
    operation_id = "updateCertificationStep",
    tag = "Certification",
    params(("id" = i64, Path, description = "The step's id"), IfMatchHeader),
    request_body = StepPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<CertificationStep>, headers(("ETag" = String))),
        (status = 404, description = "No step with this id", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[patch("/api/v1/certification/steps/{id}")]
pub async fn update_step(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    id: web::Path<i64>,
    input: JsonBody<StepPatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let changes = input.parse(v)?;
    let (if_match, id) = (IfMatch::of(&req), *id);
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let current = certification_step::find_for_update(tx, id)
            .await
            .or_404(NO_STEP)?;
        let before = CertificationStep::from(current);
        if_match.check(&before)?;
        let row = certification_step::update(tx, id, &changes).await?;
        audit
            .changed(tx, AuditAction::Update, &before, row.into())
            .await
    })
    .await?;
    Ok(json_ok(&req, &Item::new(data)))
}

impl StepPatch {
    fn parse(&self, mut v: Validator) -> ApiResult<StepChangeset> {
        let changes = StepChangeset {
            position: self.position,
            title: checked(&mut v, "title", self.title.as_deref(), Title::parse),
            detail: self
                .detail
                .as_ref()
                .map(|d| optional_text::<2000>(&mut v, "detail", d.as_deref())),
            source_url: self
                .source_url
                .as_ref()
                .map(|u| optional_url(&mut v, "source_url", u.as_deref())),
        };
        v.finish()?;
        Ok(changes)
    }
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
#[delete("/api/v1/certification/steps/{id}")]
pub async fn remove_step(
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (mut conn, id) = (state.pool.get().await?, *id);
    let resource = ResourceType::CertificationStep;
    db::write(&mut conn, async |tx| {
        found(certification_step::delete(tx, id).await?, NO_STEP)?;
        audit.removed(tx, AuditAction::Delete, resource, id).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
