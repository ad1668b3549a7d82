//! Categories: `/api/v1/categories` (public, with counts of published articles) and their
//! editing by admins. Tags: `/api/v1/tags`.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::Utc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::responses::{
    AdminOnly, IfMatchHeader, JsonBodyErrors, NotModified, PageErrors, StaleIfMatch, Unavailable,
};
use super::{
    audit::{Audit, Audited},
    extract::{JsonBody, Query, SlugParam},
    fields::{checked, double_option, optional_text},
};
use crate::http::{
    cache::{created, json_ok, IfMatch},
    envelope::{Item, Page},
    pagination::PageParams,
};
use crate::{
    auth::Admin,
    db::{self, Tx},
    domain::{AuditAction, BoundedText, ResourceType, Slug},
    errors::{ApiError, ApiResult, Problem, QueryResultExt, Validator},
    models::{
        category::{self, CategoryChangeset, NewCategory},
        tag,
    },
    state::AppState,
};

const NO_CATEGORY: &str = "No category has this slug.";
const CATEGORY_TAKEN: &str = "Another category has this slug or name.";

const CURSOR_KIND: &str = "categories";
const TAG_CURSOR_KIND: &str = "tags";

type Name = BoundedText<1, 100>;
type Description = BoundedText<0, 1000>;

/// A section articles are filed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct Category {
    #[schema(example = "career-development")]
    pub slug: String,
    #[schema(example = "Career Development")]
    pub name: String,
    /// Null where no description has been written.
    #[schema(required = true)]
    pub description: Option<String>,
    /// Lists are ordered by position, then by when the category was made.
    pub position: i32,
    /// How many of its articles the public can see now.
    pub article_count: i64,
}

impl Audited for Category {
    const RESOURCE: ResourceType = ResourceType::Category;
    const DERIVED: &'static [&'static str] = &["article_count"];
    fn audit_id(&self) -> String {
        self.slug.clone()
    }
}

fn to_dto(row: category::Category, article_count: i64) -> Category {
    Category {
        slug: row.slug,
        name: row.name,
        description: row.description,
        position: row.position,
        article_count,
    }
}

/// A new category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// Made from the name when absent; needed when the name has no letters or digits to make
    /// one from (a 400 naming `slug`).
    #[schema(inline, value_type = Option<Slug>)]
    pub slug: Option<String>,
    #[schema(required = true, inline, value_type = BoundedText<1, 100>)]
    pub name: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<0, 1000>>)]
    pub description: Option<String>,
    /// Default 0.
    #[schema(value_type = Option<i32>)]
    pub position: Option<i32>,
}

/// Changes to a category; `description: null` removes it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryPatch {
    #[schema(inline, value_type = Option<Slug>)]
    pub slug: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<1, 100>>)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<BoundedText<0, 1000>>)]
    pub description: Option<Option<String>>,
    pub position: Option<i32>,
}

/// The categories, in their order, each with its count of published articles.
#[utoipa::path(
    operation_id = "listCategories",
    tag = "Articles",
    params(PageParams),
    responses(
        (status = 200, description = "A page of categories", body = Page<Category>,
        headers(("ETag" = String), ("Cache-Control" = String), ("Link" = String, description = "rel=\"next\" when there is a next page"))),
        PageErrors,
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/categories")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = params.0.request(CURSOR_KIND, &state.cursor_key)?;
    let mut conn = state.pool.get().await?;
    let rows = category::list_with_counts(&mut conn, page.after, page.fetch(), Utc::now()).await?;
    let total = category::count(&mut conn).await?;
    Ok(page.respond(
        &req,
        rows,
        total,
        |(c, _)| (c.position, c.id),
        |(c, n)| to_dto(c, n),
    ))
}

/// One category.
#[utoipa::path(
    operation_id = "getCategory",
    tag = "Articles",
    params(("slug" = String, Path, description = "The category's slug")),
    responses(
        (status = 200, description = "The category", body = Item<Category>, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 404, description = "No category with this slug", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/categories/{slug}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<SlugParam>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = category::find_by_slug(&mut conn, &slug)
        .await
        .or_404(NO_CATEGORY)?;
    let data = with_count(&mut conn, row).await?;
    Ok(json_ok(&req, &Item::new(data)))
}

async fn with_count(
    conn: &mut diesel_async::AsyncPgConnection,
    row: category::Category,
) -> ApiResult<Category> {
    let counts = category::published_counts(conn, &[row.id], Utc::now()).await?;
    let n = counts.get(&row.id).copied().unwrap_or(0);
    Ok(to_dto(row, n))
}

/// Adds a category (admin).
#[utoipa::path(
    operation_id = "createCategory",
    tag = "Articles",
    request_body = CategoryInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Item<Category>, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The slug or name is taken", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[post("/api/v1/categories")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    input: JsonBody<CategoryInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let new = input.parse(v)?;
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        let row = category::insert(tx, &new).await.or_409(CATEGORY_TAKEN)?;
        audit.created(tx, to_dto(row, 0)).await
    })
    .await?;
    Ok(created(
        &req,
        format!("/api/v1/categories/{}", data.slug),
        &Item::new(data),
    ))
}

impl CategoryInput {
    /// Every field checked; all problems reported at once (with those already in `v`). The
    /// slug is made from the name when absent.
    fn parse(&self, mut v: Validator) -> ApiResult<NewCategory> {
        let slug = self
            .slug
            .as_deref()
            .and_then(|s| v.check("slug", Slug::parse(s)));
        let name = v.require("name", self.name.as_deref().map(Name::parse));
        let description = self
            .description
            .as_deref()
            .and_then(|d| v.check("description", Description::parse(d)));
        v.finish()?;
        let name = name.expect("a missing or invalid name was recorded above");
        let slug = match slug {
            Some(s) => s,
            None => Slug::from_title(name.as_str()).ok_or_else(|| {
                ApiError::field(
                    "slug",
                    "must be given when the name has no letters or digits to make one from",
                )
            })?,
        };
        Ok(NewCategory {
            slug: slug.into_inner(),
            name: name.into_inner(),
            description: description
                .map(BoundedText::into_inner)
                .filter(|d| !d.is_empty()),
            position: self.position.unwrap_or(0),
        })
    }
}

/// Changes a category (admin). An `If-Match` with a stale ETag is refused with 412.
#[utoipa::path(
    operation_id = "updateCategory",
    tag = "Articles",
    params(("slug" = String, Path, description = "The category's slug"), IfMatchHeader),
    request_body = CategoryPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<Category>, headers(("ETag" = String))),
        (status = 404, description = "No category with this slug", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug or name is taken", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        JsonBodyErrors,
        AdminOnly,
        Unavailable,
    )
)]
#[patch("/api/v1/categories/{slug}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    slug: web::Path<SlugParam>,
    input: JsonBody<CategoryPatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let changes = input.parse(v)?;
    let if_match = IfMatch::of(&req);
    let mut conn = state.pool.get().await?;
    let data = db::write(&mut conn, async |tx| {
        apply(tx, &audit, &slug, &if_match, &changes).await
    })
    .await?;
    Ok(json_ok(&req, &Item::new(data)))
}

/// Changes the locked category after checking `If-Match`, and records it in the audit log.
async fn apply(
    tx: &mut Tx<'_>,
    audit: &Audit<Admin>,
    slug: &str,
    if_match: &IfMatch,
    changes: &CategoryChangeset,
) -> ApiResult<Category> {
    let current = category::find_for_update(tx, slug)
        .await
        .or_404(NO_CATEGORY)?;
    let (id, before) = (current.id, with_count(tx, current).await?);
    if_match.check(&before)?;
    let row = category::update(tx, id, changes)
        .await
        .or_409(CATEGORY_TAKEN)?;
    let after = with_count(tx, row).await?;
    audit.changed(tx, AuditAction::Update, &before, after).await
}

impl CategoryPatch {
    fn parse(&self, mut v: Validator) -> ApiResult<CategoryChangeset> {
        let changes = CategoryChangeset {
            slug: checked(&mut v, "slug", self.slug.as_deref(), Slug::parse),
            name: checked(&mut v, "name", self.name.as_deref(), Name::parse),
            description: self
                .description
                .as_ref()
                .map(|d| optional_text::<1000>(&mut v, "description", d.as_deref())),
            position: self.position,
        };
        v.finish()?;
        Ok(changes)
    }
}

/// Removes a category (admin); one that still has articles (of any status) is a 409.
#[utoipa::path(
    operation_id = "deleteCategory",
    tag = "Articles",
    params(("slug" = String, Path, description = "The category's slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No category with this slug", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Articles are filed in it", body = Problem, content_type = "application/problem+json"),
        AdminOnly,
        Unavailable,
    )
)]
#[delete("/api/v1/categories/{slug}")]
pub async fn remove(
    state: web::Data<AppState>,
    audit: Audit<Admin>,
    slug: web::Path<SlugParam>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let current = category::find_for_update(tx, &slug)
            .await
            .or_404(NO_CATEGORY)?;
        if category::has_articles(tx, current.id).await? {
            return Err(ApiError::Conflict(
                "Articles are filed in this category; move or remove them first.".into(),
            ));
        }
        category::delete(tx, current.id).await?;
        let resource = ResourceType::Category;
        audit
            .removed(tx, AuditAction::Delete, resource, &slug)
            .await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A tag with its count of published articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tag {
    #[schema(example = "ecmo")]
    pub slug: String,
    #[schema(example = "ECMO")]
    pub name: String,
    pub article_count: i64,
}

/// The tags of published articles, by slug, each with its count of published articles.
#[utoipa::path(
    operation_id = "listTags",
    tag = "Articles",
    params(PageParams),
    responses(
        (status = 200, description = "A page of tags", body = Page<Tag>,
        headers(("ETag" = String), ("Cache-Control" = String), ("Link" = String, description = "rel=\"next\" when there is a next page"))),
        PageErrors,
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/tags")]
pub async fn tags(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = params
        .0
        .request::<String>(TAG_CURSOR_KIND, &state.cursor_key)?;
    let now = Utc::now();
    let mut conn = state.pool.get().await?;
    let rows = tag::list_public(&mut conn, page.after.as_deref(), page.fetch(), now).await?;
    let total = tag::count_public(&mut conn, now).await?;
    Ok(page.respond(&req, rows, total, |(t, _)| t.slug.clone(), Tag::from))
}

impl From<(tag::Tag, i64)> for Tag {
    fn from((t, article_count): (tag::Tag, i64)) -> Self {
        Self {
            slug: t.slug,
            name: t.name,
            article_count,
        }
    }
}
