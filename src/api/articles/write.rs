//! Writing articles: create, replace, change (publish, schedule, rename…) and archive or
//! remove.

use actix_web::{delete, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::representation::{full, location, Article, NO_ARTICLE};
use crate::api::audit::{identifiers, Audit};
use crate::api::extract::{JsonBody, Query, SlugParam};
use crate::api::fields::{double_option, published_time, slug_or_made_from};
use crate::api::responses::{
    IfMatchRequired, IfMatchRequiredHeader, JsonBodyErrors, SignedIn, Unavailable,
};
use crate::http::{
    cache::{created, json_ok, IfMatch},
    envelope::Item,
};
use crate::{
    db::{self, Tx},
    domain::{
        webhook::EventType, ArticleStatus, AuditAction, BoundedText, Markdown, ResourceType, Role,
        Slug, WebUrl,
    },
    errors::{found, ApiError, ApiResult, Problem, QueryResultExt, Validator},
    models::{
        article::{self, ArticleChangeset, NewArticle},
        category,
        tag::NewTag,
        webhook,
    },
    state::AppState,
};

type Title = BoundedText<1, 200>;
type Excerpt = BoundedText<0, 500>;
type ImageAlt = BoundedText<0, 300>;
type TagName = BoundedText<1, 50>;
const MAX_TAGS: usize = 20;

/// A new article, or (for PUT) the whole of one. `slug` is made from the title when absent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// Lowercase a-z, 0-9 and single hyphens; at most 120 characters. Made from the title when
    /// absent (the first free of `slug`, `slug-2`…); needed when the title has no letters or
    /// digits to make one from (a 400 naming `slug`).
    #[schema(inline, value_type = Option<Slug>)]
    pub slug: Option<String>,
    #[schema(required = true, inline, value_type = BoundedText<1, 200>)]
    pub title: Option<String>,
    /// Up to 500 characters.
    #[schema(inline, value_type = Option<BoundedText<0, 500>>)]
    pub excerpt: Option<String>,
    /// CommonMark (with tables, strikethrough and footnotes), up to 200 KB.
    #[schema(required = true, inline, value_type = BoundedText<1, 204800>)]
    pub body_markdown: Option<String>,
    /// The slug of a category (see `/api/v1/categories`).
    // Written out, not `inline, value_type = Slug`: utoipa drops an `example` from an inline
    // field, and Swagger UI's "Try it out" fills this one in.
    #[schema(required = true, example = "career-development", value_type = String, max_length = 120, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub category: Option<String>,
    /// Up to 20 tag names, 1 to 50 characters each, with letters or digits (a name is matched
    /// by its slug, so `!!` alone names nothing); made on first use, matched case-insensitively.
    #[schema(inline, value_type = Option<Vec<BoundedText<1, 50>>>, max_items = 20, example = json!(["ECMO", "Workforce"]))]
    pub tags: Option<Vec<String>>,
    /// An absolute http or https URL.
    #[schema(inline, value_type = Option<WebUrl>)]
    pub featured_image_url: Option<String>,
    /// Up to 300 characters.
    #[schema(inline, value_type = Option<BoundedText<0, 300>>)]
    pub featured_image_alt: Option<String>,
    /// Default `draft`. `scheduled` needs a future `published_at`; `published` without one is
    /// published now.
    pub status: Option<ArticleStatus>,
    /// RFC 3339, e.g. `2026-12-01T09:00:00Z`, in the years 1900 to 9999.
    #[schema(value_type = Option<String>, format = DateTime, pattern = "^(19[0-9]{2}|[2-9][0-9]{3})-")]
    pub published_at: Option<String>,
}

/// Changes to an article: only the fields present change; `null` clears the image, its alt
/// text or `published_at`. Publishing, scheduling, unpublishing and archiving are changes of
/// `status`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticlePatch {
    #[schema(inline, value_type = Option<Slug>)]
    pub slug: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<1, 200>>)]
    pub title: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<0, 500>>)]
    pub excerpt: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<1, 204800>>)]
    pub body_markdown: Option<String>,
    #[schema(inline, value_type = Option<Slug>)]
    pub category: Option<String>,
    #[schema(inline, value_type = Option<Vec<BoundedText<1, 50>>>, max_items = 20)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<WebUrl>)]
    pub featured_image_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<BoundedText<0, 300>>)]
    pub featured_image_alt: Option<Option<String>>,
    pub status: Option<ArticleStatus>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = DateTime, pattern = "^(19[0-9]{2}|[2-9][0-9]{3})-")]
    pub published_at: Option<Option<String>>,
}

/// Fields of an input, each parsed into its domain type; `None` when absent or invalid (the
/// error is then in the validator).
struct Parsed {
    slug: Option<Slug>,
    title: Option<Title>,
    excerpt: Option<Excerpt>,
    body: Option<Markdown>,
    category: Option<Slug>,
    tags: Option<Vec<NewTag>>,
    featured_image_url: Option<Option<WebUrl>>,
    featured_image_alt: Option<Option<ImageAlt>>,
    published_at: Option<Option<DateTime<Utc>>>,
}

#[allow(clippy::too_many_arguments)]
fn parse_fields(
    v: &mut Validator,
    slug: Option<&str>,
    title: Option<&str>,
    excerpt: Option<&str>,
    body: Option<&str>,
    category: Option<&str>,
    tags: Option<&[String]>,
    featured_image_url: Option<Option<&str>>,
    featured_image_alt: Option<Option<&str>>,
    published_at: Option<Option<&str>>,
) -> Parsed {
    if tags.is_some_and(|t| t.len() > MAX_TAGS) {
        v.push("tags", format!("must list at most {MAX_TAGS} tags"));
    }
    Parsed {
        slug: slug.and_then(|s| v.check("slug", Slug::parse(s))),
        title: title.and_then(|s| v.check("title", Title::parse(s))),
        excerpt: excerpt.and_then(|s| v.check("excerpt", Excerpt::parse(s))),
        body: body.and_then(|s| v.check("body_markdown", Markdown::parse(s))),
        category: category.and_then(|s| v.check("category", Slug::parse(s))),
        tags: tags.map(|names| {
            let mut out: Vec<NewTag> = Vec::new();
            for (i, name) in names.iter().enumerate() {
                let field = format!("tags[{i}]");
                let Some(name) = v.check(&field, TagName::parse(name)) else {
                    continue;
                };
                let Some(slug) = v.check(&field, Slug::for_tag(name.as_str())) else {
                    continue;
                };
                if !out.iter().any(|t| t.slug == slug.as_str()) {
                    out.push(NewTag {
                        slug: slug.into_inner(),
                        name: name.into_inner(),
                    });
                }
            }
            out
        }),
        featured_image_url: featured_image_url
            .map(|u| u.and_then(|u| v.check("featured_image_url", WebUrl::parse(u)))),
        featured_image_alt: featured_image_alt
            .map(|a| a.and_then(|a| v.check("featured_image_alt", ImageAlt::parse(a)))),
        published_at: published_at
            .map(|t| t.and_then(|t| v.check("published_at", published_time(t)))),
    }
}

/// Looks a category up by slug; an unknown one is a field error.
async fn category_id(conn: &mut AsyncPgConnection, slug: &Slug) -> ApiResult<i64> {
    match category::find_by_slug(conn, slug.as_str()).await {
        Ok(c) => Ok(c.id),
        Err(diesel::result::Error::NotFound) => Err(ApiError::field(
            "category",
            "is not a category; the categories are listed at /api/v1/categories",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Everything a new or replaced article is, checked.
struct Draft {
    slug: Option<Slug>,
    title: Title,
    excerpt: String,
    body: Markdown,
    category: Slug,
    tags: Vec<NewTag>,
    featured_image_url: Option<String>,
    featured_image_alt: Option<String>,
    status: ArticleStatus,
    published_at: Option<DateTime<Utc>>,
}

impl ArticleInput {
    fn parse(&self, mut v: Validator, now: DateTime<Utc>) -> ApiResult<Draft> {
        let p = parse_fields(
            &mut v,
            self.slug.as_deref(),
            self.title.as_deref(),
            self.excerpt.as_deref(),
            self.body_markdown.as_deref(),
            self.category.as_deref(),
            self.tags.as_deref(),
            Some(self.featured_image_url.as_deref()),
            Some(self.featured_image_alt.as_deref()),
            Some(self.published_at.as_deref()),
        );
        for (field, present) in [
            ("title", self.title.is_some()),
            ("body_markdown", self.body_markdown.is_some()),
            ("category", self.category.is_some()),
        ] {
            if !present {
                v.missing(field);
            }
        }
        let status = self.status.unwrap_or(ArticleStatus::Draft);
        let published_at = if self.published_at.is_some() && p.published_at == Some(None) {
            None // invalid, already reported
        } else {
            v.check(
                "published_at",
                status.resolve_published_at(p.published_at.flatten(), now),
            )
            .flatten()
        };
        v.finish()?;
        let (Some(title), Some(body), Some(category)) = (p.title, p.body, p.category) else {
            unreachable!("a missing or invalid field was recorded above")
        };
        Ok(Draft {
            slug: p.slug,
            title,
            excerpt: p.excerpt.map(BoundedText::into_inner).unwrap_or_default(),
            body,
            category,
            tags: p.tags.unwrap_or_default(),
            featured_image_url: p.featured_image_url.flatten().map(WebUrl::into_inner),
            featured_image_alt: p.featured_image_alt.flatten().map(BoundedText::into_inner),
            status,
            published_at,
        })
    }
}

/// Writes an article: a JSON body may be up to 512 KiB (a 200 KB body, escaped).
pub const ARTICLE_BODY_LIMIT: usize = 512 * 1024;

/// Adds an article (editor or admin); it starts as a draft unless `status` says otherwise.
#[utoipa::path(
    operation_id = "createArticle",
    tag = "Articles",
    request_body = ArticleInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Item<Article>, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        SignedIn,
        Unavailable,
    )
)]
#[post("/api/v1/articles")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit,
    input: JsonBody<ArticleInput, ARTICLE_BODY_LIMIT>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let now = Utc::now();
    let draft = input.parse(v, now)?;
    let mut conn = state.pool.get().await?;
    let article = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let new = draft.to_new(tx, audit.user.id).await?;
        let row = article::insert_with_tags(tx, &new, &draft.tags)
            .await
            .map_err(write_error)?;
        // The answer is read in the same transaction: once COMMIT is confirmed nothing can
        // fail, so a committed create is never answered 503 (and retried into a duplicate).
        let article = full(tx, row, now).await?;
        audit.created(tx, article).await
    })
    .await?;
    let location = location(&article.summary.slug);
    Ok(created(&req, location, &Item::new(article)))
}

impl Draft {
    /// The row to insert: the category looked up, the body rendered, and the slug given or
    /// made from the title (the first of `slug`, `slug-2`… that is free).
    async fn to_new(&self, tx: &mut Tx<'_>, author_id: i64) -> ApiResult<NewArticle> {
        let slug = match &self.slug {
            Some(slug) => slug.clone(),
            None => {
                let when_unmade =
                    "must be given when the title has no letters or digits to make one from";
                let base = slug_or_made_from(None, self.title.as_str(), when_unmade)?;
                article::free_slug(tx, &base).await?.ok_or_else(|| {
                    ApiError::Conflict(
                        "No free slug could be made from this title; give a `slug`.".into(),
                    )
                })?
            }
        };
        Ok(NewArticle {
            slug: slug.into_inner(),
            title: self.title.as_str().to_owned(),
            excerpt: self.excerpt.clone(),
            body_html: self.body.to_html(),
            reading_time_minutes: self.body.reading_time_minutes(),
            body_markdown: self.body.as_str().to_owned(),
            category_id: category_id(tx, &self.category).await?,
            author_id: Some(author_id),
            featured_image_url: self.featured_image_url.clone(),
            featured_image_alt: self.featured_image_alt.clone(),
            status: self.status,
            published_at: self.published_at,
        })
    }
}

/// Replaces an article (editor or admin). Requires `If-Match` with the ETag you read: a
/// stale one is 412, a missing one 428. Fields left out take their defaults (no tags, no
/// image, `draft`); the slug stays unless given.
#[utoipa::path(
    operation_id = "replaceArticle",
    tag = "Articles",
    params(("slug" = String, Path, description = "The article's slug"), IfMatchRequiredHeader),
    request_body = ArticleInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = Item<Article>, headers(("ETag" = String))),
        (status = 404, description = "No article with this slug", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken", body = Problem, content_type = "application/problem+json"),
        IfMatchRequired,
        JsonBodyErrors,
        SignedIn,
        Unavailable,
    )
)]
#[put("/api/v1/articles/{slug}")]
pub async fn replace(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit,
    slug: web::Path<SlugParam>,
    input: JsonBody<ArticleInput, ARTICLE_BODY_LIMIT>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let (now, time_given) = (Utc::now(), input.published_at.is_some());
    let draft = input.parse(v, now)?;
    let change = Change {
        slug: draft.slug,
        title: Some(draft.title),
        excerpt: Some(draft.excerpt),
        body: Some(draft.body),
        category: Some(draft.category),
        tags: Some(draft.tags),
        featured_image_url: Some(draft.featured_image_url),
        featured_image_alt: Some(draft.featured_image_alt),
        status: Some(draft.status),
        // Without a time, a published article keeps its own (a typo fixed by PUT is not news).
        published_at: time_given.then_some(draft.published_at),
        resolved: true,
    };
    update_checked(&req, &state, &audit, &slug, change, now).await
}

/// Changes part of an article (editor or admin): publish (`status: published`), schedule
/// (`status: scheduled` with a future `published_at`), unpublish (`status: draft`), rename
/// (`slug`; the old slug then redirects). Requires `If-Match` with the ETag you read: a stale
/// one is 412, a missing one 428.
#[utoipa::path(
    operation_id = "updateArticle",
    tag = "Articles",
    params(("slug" = String, Path, description = "The article's slug"), IfMatchRequiredHeader),
    request_body = ArticlePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<Article>, headers(("ETag" = String))),
        (status = 404, description = "No article with this slug", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken", body = Problem, content_type = "application/problem+json"),
        IfMatchRequired,
        JsonBodyErrors,
        SignedIn,
        Unavailable,
    )
)]
#[patch("/api/v1/articles/{slug}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit,
    slug: web::Path<SlugParam>,
    input: JsonBody<ArticlePatch, ARTICLE_BODY_LIMIT>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let change = input.parse(v)?;
    let now = Utc::now();
    update_checked(&req, &state, &audit, &slug, change, now).await
}

impl ArticlePatch {
    fn parse(&self, mut v: Validator) -> ApiResult<Change> {
        let p = parse_fields(
            &mut v,
            self.slug.as_deref(),
            self.title.as_deref(),
            self.excerpt.as_deref(),
            self.body_markdown.as_deref(),
            self.category.as_deref(),
            self.tags.as_deref(),
            self.featured_image_url.as_ref().map(Option::as_deref),
            self.featured_image_alt.as_ref().map(Option::as_deref),
            self.published_at.as_ref().map(Option::as_deref),
        );
        v.finish()?;
        Ok(Change {
            slug: p.slug,
            title: p.title,
            excerpt: p.excerpt.map(BoundedText::into_inner),
            body: p.body,
            category: p.category,
            tags: p.tags,
            featured_image_url: p.featured_image_url.map(|u| u.map(WebUrl::into_inner)),
            featured_image_alt: p.featured_image_alt.map(|a| a.map(BoundedText::into_inner)),
            status: self.status,
            published_at: p.published_at,
            resolved: false,
        })
    }
}

/// A checked change; `None` leaves a field as it is.
struct Change {
    slug: Option<Slug>,
    title: Option<Title>,
    excerpt: Option<String>,
    body: Option<Markdown>,
    category: Option<Slug>,
    tags: Option<Vec<NewTag>>,
    featured_image_url: Option<Option<String>>,
    featured_image_alt: Option<Option<String>>,
    status: Option<ArticleStatus>,
    published_at: Option<Option<DateTime<Utc>>>,
    /// A PUT (a replace, for the audit log): status and time were checked together when the
    /// body gave a time; without one the stored time stands where the status allows.
    resolved: bool,
}

/// Applies `change` in one transaction, after checking `If-Match` against the locked row, and
/// records it in the audit log (a change of tags is a change of the article).
async fn update_checked(
    req: &HttpRequest,
    state: &AppState,
    audit: &Audit,
    slug: &str,
    change: Change,
    now: DateTime<Utc>,
) -> ApiResult<HttpResponse> {
    let if_match = IfMatch::of(req);
    let action = match change.resolved {
        true => AuditAction::Replace,
        false => AuditAction::Update,
    };
    let mut conn = state.pool.get().await?;
    let article = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let current = article::find_for_update(tx, slug)
            .await
            .or_404(NO_ARTICLE)?;
        let before = full(tx, current.clone(), now).await?;
        if_match.require(&before)?;
        let changes = change.changeset(tx, &current, now).await?;
        let tags = change.tags.as_deref();
        let row = article::update_with_tags(tx, &current, changes, tags, now)
            .await
            .map_err(write_error)?;
        // Read in the same transaction, as in `create`.
        let after = full(tx, row, now).await?;
        audit.changed(tx, action, &before, after).await
    })
    .await?;
    Ok(json_ok(req, &Item::new(article)))
}

impl Change {
    /// The columns this change sets on `current`: the status and time moved by
    /// [`ArticleStatus::transition`] (a PUT's pair with a time was checked already), the
    /// category looked up, the body rendered.
    async fn changeset(
        &self,
        tx: &mut Tx<'_>,
        current: &article::Article,
        now: DateTime<Utc>,
    ) -> ApiResult<ArticleChangeset> {
        let standing = match (self.resolved, self.published_at) {
            (true, Some(time)) => self.status.map(|s| (s, time)),
            _ => {
                let stored = (current.status, current.published_at);
                ArticleStatus::transition(stored, self.status, self.published_at, now)
                    .map_err(|m| ApiError::field("published_at", m))?
            }
        };
        let category_id = match &self.category {
            Some(category) => Some(category_id(tx, category).await?),
            None => None,
        };
        Ok(ArticleChangeset {
            status: standing.map(|(s, _)| s),
            published_at: standing.map(|(_, t)| t),
            category_id,
            slug: self.slug.clone().map(Slug::into_inner),
            title: self.title.clone().map(BoundedText::into_inner),
            excerpt: self.excerpt.clone(),
            body_html: self.body.as_ref().map(Markdown::to_html),
            reading_time_minutes: self.body.as_ref().map(Markdown::reading_time_minutes),
            body_markdown: self.body.as_ref().map(|b| b.as_str().to_owned()),
            featured_image_url: self.featured_image_url.clone(),
            featured_image_alt: self.featured_image_alt.clone(),
            ..Default::default()
        })
    }
}

/// The query of `DELETE /api/v1/articles/{slug}`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteParams {
    /// `true` (admins only) removes the article for good instead of archiving it.
    pub hard: Option<bool>,
}

/// Archives an article (editor or admin): the public no longer sees it (404), editors still
/// do. `?hard=true` by an admin removes it for good.
#[utoipa::path(
    operation_id = "deleteArticle",
    tag = "Articles",
    params(("slug" = String, Path, description = "The article's slug"), DeleteParams),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Archived (or removed)"),
        (status = 400, description = "A bad `hard`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`hard=true` by an editor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article with this slug", body = Problem, content_type = "application/problem+json"),
        SignedIn,
        Unavailable,
    )
)]
#[delete("/api/v1/articles/{slug}")]
pub async fn remove(
    state: web::Data<AppState>,
    audit: Audit,
    slug: web::Path<SlugParam>,
    params: Query<DeleteParams>,
) -> ApiResult<HttpResponse> {
    let hard = params.0.hard.unwrap_or(false);
    if hard && audit.user.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "Only an admin may remove an article for good; editors archive.".into(),
        ));
    }
    let mut conn = state.pool.get().await?;
    db::write(&mut conn, async |tx| {
        take_down(tx, &audit, &slug, hard).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes the article for good (`hard`) or archives it, records which in the audit log, and,
/// when the public could read it, tells the webhooks (`article.deleted`, or
/// `article.unpublished` for an archived one).
async fn take_down(tx: &mut Tx<'_>, audit: &Audit, slug: &str, hard: bool) -> ApiResult<()> {
    let current = article::find_for_update(tx, slug)
        .await
        .or_404(NO_ARTICLE)?;
    let was_public =
        current.status.effective(current.published_at, Utc::now()) == ArticleStatus::Published;
    let (done, action, event) = match hard {
        true => (
            article::delete(tx, slug).await?,
            AuditAction::Delete,
            EventType::ArticleDeleted,
        ),
        false => (
            article::archive(tx, slug).await?,
            AuditAction::Archive,
            EventType::ArticleUnpublished,
        ),
    };
    found(done, NO_ARTICLE)?;
    audit
        .removed(tx, action, ResourceType::Article, slug)
        .await?;
    if was_public {
        let data = identifiers(ResourceType::Article, slug);
        webhook::emit(tx, event, &data).await?;
    }
    Ok(())
}

/// A taken slug is a 409; a category removed while the article was being written is a 400.
fn write_error(e: diesel::result::Error) -> ApiError {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            ApiError::Conflict("The slug is already used by another article.".into())
        }
        Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            ApiError::field("category", "is not a category (any more)")
        }
        other => other.into(),
    }
}
