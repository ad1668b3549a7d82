//! Perfusion in practice: `/api/v1/practice`, the types of perfusion and the steps of a
//! perfusion service, both editable by editors and admins.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::responses::{
    AdminOnly, IfMatchHeader, JsonBodyErrors, NotModified, StaleIfMatch, Unavailable,
};
use super::{
    audit::{Audit, Audited},
    extract::{JsonBody, SlugParam},
    fields::{checked, double_option, optional_text, optional_url, slug_or_made_from},
};
use crate::http::{
    cache::{created, json_ok, IfMatch},
    envelope::Item,
};
use crate::{
    auth::Admin,
    db::{self, Tx},
    domain::{AuditAction, BoundedText, ResourceType, Slug, WebUrl},
    errors::{found, ApiResult, Problem, QueryResultExt, Validator},
    models::{
        practice_step::{self, NewPracticeStep, PracticeStepChangeset},
        practice_type::{self, NewPracticeType, PracticeTypeChangeset},
    },
    state::AppState,
};

const NO_TYPE: &str = "There is no such practice type.";
const NO_STEP: &str = "There is no such practice step.";
const TYPE_TAKEN: &str = "Another practice type has this slug.";

type Name = BoundedText<1, 200>;
type Summary = BoundedText<1, 2000>;

/// A type of perfusion.
#[derive(Debug, Serialize, ToSchema)]
pub struct PracticeType {
    #[schema(example = "ecmo")]
    pub slug: String,
    #[schema(example = "Extracorporeal membrane oxygenation (ECMO)")]
    pub name: String,
    pub summary: String,
    #[schema(required = true)]
    pub source_url: Option<String>,
    /// Types are ordered by position.
    pub position: i32,
}

impl Audited for PracticeType {
    const RESOURCE: ResourceType = ResourceType::PracticeType;
    fn audit_id(&self) -> String {
        self.slug.clone()
    }
}

impl From<practice_type::PracticeType> for PracticeType {
    fn from(t: practice_type::PracticeType) -> Self {
        Self {
            slug: t.slug,
            name: t.name,
            summary: t.summary,
            source_url: t.source_url,
            position: t.position,
        }
    }
}

/// A step of a perfusion service.
#[derive(Debug, Serialize, ToSchema)]
pub struct PracticeStep {
    pub id: i64,
    /// Steps are ordered by position.
    pub position: i32,
    #[schema(example = "Circuit setup and prime")]
    pub title: String,
    /// Null where the sources say nothing more than the title.
    #[schema(required = true)]
    pub detail: Option<String>,
}

impl Audited for PracticeStep {
    const RESOURCE: ResourceType = ResourceType::PracticeStep;
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
}

impl From<practice_step::PracticeStep> for PracticeStep {
    fn from(s: practice_step::PracticeStep) -> Self {
        Self {
            id: s.id,
            position: s.position,
            title: s.title,
            detail: s.detail,
        }
    }
}

/// Perfusion in practice.
#[derive(Debug, Serialize, ToSchema)]
pub struct Practice {
    /// The types of perfusion, in order.
    pub types: Vec<PracticeType>,
    /// The steps taken whenever perfusion services are performed, in order.
    pub steps: Vec<PracticeStep>,
}

/// The three types of perfusion and the seven steps of a perfusion service.
#[utoipa::path(
    operation_id = "getPractice",
    tag = "Practice",
    responses(
        (status = 200, description = "Types and steps", body = Item<Practice>, headers(("ETag" = String), ("Cache-Control" = String))),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/practice")]
pub async fn practice(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let types = practice_type::list(&mut conn).await?;
    let steps = practice_step::list(&mut conn).await?;
    Ok(json_ok(
        &req,
        &Item::new(Practice {
            types: types.into_iter().map(PracticeType::from).collect(),
            steps: steps.into_iter().map(PracticeStep::from).collect(),
        }),
    ))
}

/// A new type of perfusion.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeTypeInput {
    /// Made from the name when absent; needed when the name has no letters or digits to make
    /// one from (a 400 naming `slug`).
    #[schema(inline, value_type = Option<Slug>)]
    pub slug: Option<String>,
    #[schema(required = true, inline, value_type = BoundedText<1, 200>)]
    pub name: Option<String>,
    #[schema(required = true, inline, value_type = BoundedText<1, 2000>)]
    pub summary: Option<String>,
    #[schema(inline, value_type = Option<WebUrl>)]
    pub source_url: Option<String>,
    /// Default: after the last.
    pub position: Option<i32>,
}

/// Changes to a type; `source_url: null` removes the source.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeTypePatch {
    #[schema(inline, value_type = Option<Slug>)]
    pub slug: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<1, 200>>)]
    pub name: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<1, 2000>>)]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<WebUrl>)]
    pub source_url: Option<Option<String>>,
    pub position: Option<i32>,
}

/// Adds a type of perfusion (admin).
#[utoipa::path(
    operation_id = "createPracticeType",
    tag = "Practice",
    request_body = PracticeTypeInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = Item<PracticeType>, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[post("/api/v1/practice/types")]
pub async fn create_type(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    input: JsonBody<PracticeTypeInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let new = input.parse(v)?;
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let row = practice_type::insert(tx, &new).await.or_409(TYPE_TAKEN)?;
        audit.created(tx, PracticeType::from(row)).await
    })
    .await?;
    let location = format!("/api/v1/practice/types/{}", data.slug);
    Ok(created(&req, location, &Item::new(data)))
}

impl PracticeTypeInput {
    /// Every field checked; all problems reported at once (with those already in `v`).
    fn parse(&self, mut v: Validator) -> ApiResult<NewPracticeType> {
        let slug = self
            .slug
            .as_deref()
            .and_then(|s| v.check("slug", Slug::parse(s)));
        let name = v.require("name", self.name.as_deref().map(Name::parse));
        let summary = v.require("summary", self.summary.as_deref().map(Summary::parse));
        let source_url = optional_url(&mut v, "source_url", self.source_url.as_deref());
        v.finish()?;
        let (Some(name), Some(summary)) = (name, summary) else {
            unreachable!("a missing or invalid field was recorded above")
        };
        let when_unmade = "must be given when the name has no letters or digits to make one from";
        Ok(NewPracticeType {
            slug: slug_or_made_from(slug, name.as_str(), when_unmade)?.into_inner(),
            name: name.into_inner(),
            summary: summary.into_inner(),
            source_url,
            position: self.position,
        })
    }
}

/// One type of perfusion.
#[utoipa::path(
    operation_id = "getPracticeType",
    tag = "Practice",
    params(("slug" = String, Path, description = "The type's slug")),
    responses(
        (status = 200, description = "The type", body = Item<PracticeType>, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 404, description = "No type with this slug", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/practice/types/{slug}")]
pub async fn show_type(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<SlugParam>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = practice_type::find(&mut conn, &slug)
        .await
        .or_404(NO_TYPE)?;
    Ok(json_ok(&req, &Item::new(PracticeType::from(row))))
}

/// Changes a type of perfusion (admin). An `If-Match` with a stale ETag is refused
/// with 412.
#[utoipa::path(
    operation_id = "updatePracticeType",
    tag = "Practice",
    params(("slug" = String, Path, description = "The type's slug"), IfMatchHeader),
    request_body = PracticeTypePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<PracticeType>, headers(("ETag" = String))),
        (status = 404, description = "No type with this slug", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[patch("/api/v1/practice/types/{slug}")]
pub async fn update_type(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    slug: web::Path<SlugParam>,
    input: JsonBody<PracticeTypePatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let changes = input.parse(v)?;
    let if_match = IfMatch::of(&req);
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        change_type(tx, &audit, &slug, &if_match, &changes).await
    })
    .await?;
    Ok(json_ok(&req, &Item::new(data)))
}

/// Changes the locked type after checking `If-Match`, and records it in the audit log.
async fn change_type(
    tx: &mut Tx<'_>,
    audit: &Audit<Admin>,
    slug: &str,
    if_match: &IfMatch,
    changes: &PracticeTypeChangeset,
) -> ApiResult<PracticeType> {
    let current = practice_type::find_for_update(tx, slug)
        .await
        .or_404(NO_TYPE)?;
    let (id, before) = (current.id, PracticeType::from(current));
    if_match.check(&before)?;
    let row = practice_type::update(tx, id, changes)
        .await
        .or_409(TYPE_TAKEN)?;
    audit
        .changed(tx, AuditAction::Update, &before, row.into())
        .await
}

impl PracticeTypePatch {
    fn parse(&self, mut v: Validator) -> ApiResult<PracticeTypeChangeset> {
        let changes = PracticeTypeChangeset {
            slug: checked(&mut v, "slug", self.slug.as_deref(), Slug::parse),
            name: checked(&mut v, "name", self.name.as_deref(), Name::parse),
            summary: checked(&mut v, "summary", self.summary.as_deref(), Summary::parse),
            source_url: self
                .source_url
                .as_ref()
                .map(|u| optional_url(&mut v, "source_url", u.as_deref())),
            position: self.position,
        };
        v.finish()?;
        Ok(changes)
    }
}

/// Removes a type of perfusion (admin).
#[utoipa::path(
    operation_id = "deletePracticeType",
    tag = "Practice",
    params(("slug" = String, Path, description = "The type's slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No type with this slug", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[delete("/api/v1/practice/types/{slug}")]
pub async fn remove_type(
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    slug: web::Path<SlugParam>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let resource = ResourceType::PracticeType;
    db::write(&mut conn, async |tx| {
        found(practice_type::delete(tx, &slug).await?, NO_TYPE)?;
        audit
            .removed(tx, AuditAction::Delete, resource, &slug)
            .await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeStepInput {
    /// Default: after the last.
    pub position: Option<i32>,
    #[schema(required = true, inline, value_type = BoundedText<1, 200>)]
    pub title: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<0, 2000>>)]
    pub detail: Option<String>,
}

/// Changes to a step; `detail: null` removes it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeStepPatch {
    pub position: Option<i32>,
    #[schema(inline, value_type = Option<BoundedText<1, 200>>)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<BoundedText<0, 2000>>)]
    pub detail: Option<Option<String>>,
}

/// Adds a step (admin).
#[utoipa::path(
    operation_id = "createPracticeStep",
    tag = "Practice",
    request_body = PracticeStepInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = Item<PracticeStep>, headers(("Location" = String), ("ETag" = String))),
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[post("/api/v1/practice/steps")]
pub async fn create_step(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    input: JsonBody<PracticeStepInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let new = input.parse(v)?;
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let row = practice_step::insert(tx, &new).await?;
        audit.created(tx, PracticeStep::from(row)).await
    })
    .await?;
    let location = format!("/api/v1/practice/steps/{}", data.id);
    Ok(created(&req, location, &Item::new(data)))
}

impl PracticeStepInput {
    fn parse(&self, mut v: Validator) -> ApiResult<NewPracticeStep> {
        let title = v.require("title", self.title.as_deref().map(Name::parse));
        let detail = optional_text::<2000>(&mut v, "detail", self.detail.as_deref());
        v.finish()?;
        Ok(NewPracticeStep {
            position: self.position,
            title: title
                .expect("a missing or invalid title was recorded above")
                .into_inner(),
            detail,
        })
    }
}

/// One step.
#[utoipa::path(
    operation_id = "getPracticeStep",
    tag = "Practice",
    params(("id" = i64, Path, description = "The step's id")),
    responses(
        (status = 200, description = "The step", body = Item<PracticeStep>, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 404, description = "No step with this id", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/practice/steps/{id}")]
pub async fn show_step(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = practice_step::find(&mut conn, *id).await.or_404(NO_STEP)?;
    Ok(json_ok(&req, &Item::new(PracticeStep::from(row))))
}

/// Changes a step (admin). An `If-Match` with a stale ETag is refused with 412.
#[utoipa::path(
    operation_id = "updatePracticeStep",
    tag = "Practice",
    params(("id" = i64, Path, description = "The step's id"), IfMatchHeader),
    request_body = PracticeStepPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<PracticeStep>, headers(("ETag" = String))),
        (status = 404, description = "No step with this id", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[patch("/api/v1/practice/steps/{id}")]
pub async fn update_step(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    id: web::Path<i64>,
    input: JsonBody<PracticeStepPatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let changes = input.parse(v)?;
    let (if_match, id) = (IfMatch::of(&req), *id);
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let current = practice_step::find_for_update(tx, id)
            .await
            .or_404(NO_STEP)?;
        let before = PracticeStep::from(current);
        if_match.check(&before)?;
        let row = practice_step::update(tx, id, &changes).await?;
        audit
            .changed(tx, AuditAction::Update, &before, row.into())
            .await
    })
    .await?;
    Ok(json_ok(&req, &Item::new(data)))
}

impl PracticeStepPatch {
    fn parse(&self, mut v: Validator) -> ApiResult<PracticeStepChangeset> {
        let changes = PracticeStepChangeset {
            position: self.position,
            title: checked(&mut v, "title", self.title.as_deref(), Name::parse),
            detail: self
                .detail
                .as_ref()
                .map(|d| optional_text::<2000>(&mut v, "detail", d.as_deref())),
        };
        v.finish()?;
        Ok(changes)
    }
}

/// Removes a step (admin).
#[utoipa::path(
    operation_id = "deletePracticeStep",
    tag = "Practice",
    params(("id" = i64, Path, description = "The step's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No step with this id", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[delete("/api/v1/practice/steps/{id}")]
pub async fn remove_step(
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (mut conn, id) = (state.pool.get().await?, *id);
    let resource = ResourceType::PracticeStep;
    db::write(&mut conn, async |tx| {
        found(practice_step::delete(tx, id).await?, NO_STEP)?;
        audit.removed(tx, AuditAction::Delete, resource, id).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
