//! Articles: `/api/v1/articles`. The public reads what is published (or scheduled and due);
//! editors and admins draft, schedule, publish, rename and archive with a token.

use std::collections::HashMap;

use actix_web::{
    delete, get, http::header, http::StatusCode, patch, post, put, web, FromRequest, HttpRequest,
    HttpResponse,
};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::responses::{JsonBodyErrors, NotModified, SignedIn, Unavailable};
use super::{
    extract::{JsonBody, Query, SlugParam},
    fields::double_option,
};
use crate::http::{
    cache::{json_ok, json_response, IfMatch},
    envelope::{Item, Page, PageMeta},
    pagination::{check_limit, encode_cursor, list_response, CursorKey, PageParams},
};
use crate::{
    auth::{bearer_token, AuthUser},
    db::{self, Tx},
    domain::{ArticleStatus, BoundedText, Markdown, Role, Slug, WebUrl},
    errors::{found, ApiError, ApiResult, Problem, QueryResultExt, Validator},
    models::{
        admin_user,
        article::{self as model, After, ArticleChangeset, Filter, NewArticle, Sort, Visibility},
        category,
        tag::{self, NewTag},
    },
    state::AppState,
};

const NO_ARTICLE: &str = "No article has this slug.";

type Title = BoundedText<1, 200>;
type Excerpt = BoundedText<0, 500>;
type ImageAlt = BoundedText<0, 300>;
type TagName = BoundedText<1, 50>;
const MAX_TAGS: usize = 20;
const MAX_Q_CHARS: usize = 200;

/// A category as an article shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryRef {
    #[schema(example = "career-development")]
    pub slug: String,
    #[schema(example = "Career Development")]
    pub name: String,
}

/// A tag as an article shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagRef {
    #[schema(example = "ecmo")]
    pub slug: String,
    #[schema(example = "ECMO")]
    pub name: String,
}

/// Who wrote an article: the display name only.
#[derive(Debug, Serialize, ToSchema)]
pub struct Author {
    pub name: String,
}

/// An article in a list: everything but its body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleSummary {
    /// Its address: `/api/v1/articles/{slug}`.
    #[schema(example = "advocating-for-perfusion")]
    pub slug: String,
    pub title: String,
    pub excerpt: String,
    pub category: CategoryRef,
    /// Ordered by slug.
    pub tags: Vec<TagRef>,
    /// Null for articles no admin user wrote (the seeded ones).
    #[schema(required = true)]
    pub author: Option<Author>,
    #[schema(required = true)]
    pub featured_image_url: Option<String>,
    #[schema(required = true)]
    pub featured_image_alt: Option<String>,
    /// As a reader sees it now: a scheduled article whose time has come is `published`.
    pub status: ArticleStatus,
    #[schema(required = true)]
    pub published_at: Option<DateTime<Utc>>,
    /// At 200 words a minute, at least 1.
    pub reading_time_minutes: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One article, with its Markdown source and the sanitized HTML rendered from it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Article {
    #[serde(flatten)]
    pub summary: ArticleSummary,
    pub body_markdown: String,
    /// Rendered on write and sanitized: no scripts, styles, event handlers, or javascript:
    /// and data: URLs; links carry rel="noopener noreferrer".
    pub body_html: String,
}

/// A new article, or (for PUT) the whole of one. `slug` is made from the title when absent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// Lowercase a-z, 0-9 and single hyphens; at most 120 characters.
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
    /// Up to 20 tag names, 1 to 50 characters each; made on first use, matched case-insensitively.
    #[schema(max_items = 20, example = json!(["ECMO", "Workforce"]))]
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
    /// RFC 3339, e.g. `2026-12-01T09:00:00Z`.
    #[schema(value_type = Option<String>, format = DateTime)]
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
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<WebUrl>)]
    pub featured_image_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<BoundedText<0, 300>>)]
    pub featured_image_alt: Option<Option<String>>,
    pub status: Option<ArticleStatus>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<Option<String>>,
}

/// The query of `GET /api/v1/articles`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleListParams {
    /// Only articles in this category (its slug); an unknown one is a 400.
    #[param(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub category: Option<String>,
    /// Only articles with this tag (its slug or name, any case).
    #[param(max_length = 50)]
    pub tag: Option<String>,
    /// Full-text search (web-search syntax: words, "quoted phrases", -excluded, or). Results are
    /// ranked by relevance unless `sort` is given. A blank `q` is ignored.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Published at or after this time (RFC 3339, or a date meaning its midnight UTC).
    #[param(value_type = Option<String>)]
    pub published_after: Option<String>,
    /// Published before this time (RFC 3339, or a date meaning its midnight UTC).
    #[param(value_type = Option<String>)]
    pub published_before: Option<String>,
    /// The order of the list.
    #[param(schema_with = super::schemas::article_sort)]
    pub sort: Option<String>,
    /// With a token only: `draft`, `scheduled` (not yet due), `published` or `archived`.
    /// Without `status` a list shows what the public sees.
    pub status: Option<ArticleStatus>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// The `meta.next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// Parses `2026-11-24T09:30:00Z` or `2026-11-24` (midnight UTC), in the years 1900 to 9999.
fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    let t = DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
        .ok_or_else(|| {
            "must be an RFC 3339 time such as 2026-11-24T09:30:00Z, or a date such as 2026-11-24"
                .to_owned()
        })?;
    if !(1900..=9999).contains(&t.year()) {
        return Err("must be in the years 1900 to 9999".into());
    }
    Ok(t)
}

fn cursor_kind(sort: Sort) -> &'static str {
    match sort {
        Sort::Newest => "articles/newest",
        Sort::Oldest => "articles/oldest",
        Sort::Title => "articles/title",
        Sort::Relevance => "articles/relevance",
    }
}

/// A tag name's identity: its slug, or an error when it has no letters or digits.
fn tag_slug(name: &str) -> Result<Slug, String> {
    Slug::from_title(name)
        .filter(|s| s.as_str().len() <= 60)
        .ok_or_else(|| "must contain letters or digits".into())
}

/// The list a request asks for, after checking every parameter.
struct ListRequest {
    filter: Filter,
    sort: Sort,
    after: Option<After>,
    limit: u32,
    /// The tag named does not exist: the list is empty.
    unknown_tag: bool,
}

impl ArticleListParams {
    async fn parse(
        &self,
        conn: &mut AsyncPgConnection,
        user: Option<AuthUser>,
        now: DateTime<Utc>,
        key: &CursorKey,
    ) -> ApiResult<ListRequest> {
        let mut v = Validator::default();
        let limit = v.check("limit", check_limit(self.limit)).unwrap_or(20);
        let q = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .and_then(|q| {
                if q.chars().count() > MAX_Q_CHARS {
                    v.push("q", format!("must be at most {MAX_Q_CHARS} characters"));
                    None
                } else if q.chars().any(char::is_control) {
                    v.push("q", "must not contain control characters");
                    None
                } else {
                    Some(q.to_owned())
                }
            });
        let sort = match self.sort.as_deref() {
            None if q.is_some() => Some(Sort::Relevance),
            None | Some("-published_at") => Some(Sort::Newest),
            Some("published_at") => Some(Sort::Oldest),
            Some("title") => Some(Sort::Title),
            Some("relevance") if q.is_some() => Some(Sort::Relevance),
            Some("relevance") => {
                v.push("sort", "`relevance` needs a search `q`");
                None
            }
            Some(_) => {
                v.push(
                    "sort",
                    "must be one of `-published_at`, `published_at`, `title`, `relevance`",
                );
                None
            }
        };
        let after_t = self
            .published_after
            .as_deref()
            .and_then(|s| v.check("published_after", parse_time(s)));
        let before_t = self
            .published_before
            .as_deref()
            .and_then(|s| v.check("published_before", parse_time(s)));
        if let (Some(a), Some(b)) = (after_t, before_t) {
            if a >= b {
                v.push("published_before", "must be later than `published_after`");
            }
        }
        let visibility = match (self.status, user) {
            (None, _) | (Some(ArticleStatus::Published), _) => Visibility::Public,
            (Some(_), None) => {
                return Err(ApiError::Unauthorized(
                    "Listing by `status` needs an editor's or admin's token.".into(),
                ))
            }
            (Some(ArticleStatus::Draft), Some(_)) => Visibility::Drafts,
            (Some(ArticleStatus::Scheduled), Some(_)) => Visibility::Upcoming,
            (Some(ArticleStatus::Archived), Some(_)) => Visibility::Archived,
        };
        let category_slug = self
            .category
            .as_deref()
            .and_then(|s| v.check("category", Slug::parse(s)));
        let tag = self
            .tag
            .as_deref()
            .and_then(|s| v.check("tag", TagName::parse(s).and_then(|n| tag_slug(n.as_str()))));
        let after = match (sort, self.cursor.as_deref()) {
            (Some(sort), Some(c)) => v.check("cursor", decode_after(sort, c, key)),
            _ => None,
        };
        // Look the category up only once everything else is known to be well-formed.
        let category_id = match category_slug {
            Some(slug) if v.is_empty() => match category::find_by_slug(conn, slug.as_str()).await {
                Ok(c) => Some(c.id),
                Err(diesel::result::Error::NotFound) => {
                    v.push(
                        "category",
                        "is not a category; the categories are listed at /api/v1/categories",
                    );
                    None
                }
                Err(e) => return Err(e.into()),
            },
            _ => None,
        };
        v.finish()?;
        let (tag_id, unknown_tag) = match tag {
            Some(slug) => match tag::find_by_slug(conn, slug.as_str()).await? {
                Some(t) => (Some(t.id), false),
                None => (None, true),
            },
            None => (None, false),
        };
        Ok(ListRequest {
            filter: Filter {
                visibility,
                category_id,
                tag_id,
                q,
                published_after: after_t,
                published_before: before_t,
                now,
            },
            sort: sort.unwrap_or(Sort::Newest),
            after,
            limit,
            unknown_tag,
        })
    }
}

const BAD_CURSOR: &str = "is not a cursor of this list; use meta.next_cursor as given";

/// The keyset position of a cursor made for `sort`.
fn decode_after(sort: Sort, cursor: &str, key: &CursorKey) -> Result<After, String> {
    let page = PageParams {
        limit: None,
        cursor: Some(cursor.to_owned()),
    };
    let bad = |_| BAD_CURSOR.to_owned();
    let kind = cursor_kind(sort);
    Ok(match sort {
        Sort::Newest | Sort::Oldest => {
            let (_, p) = page.parse::<(DateTime<Utc>, i64)>(kind, key).map_err(bad)?;
            let (t, id) = p.unwrap_or_default();
            After::Time(t, id)
        }
        Sort::Title => {
            let (_, p) = page.parse::<(String, i64)>(kind, key).map_err(bad)?;
            let (t, id) = p.unwrap_or_default();
            if t.chars().count() > 200 {
                return Err(BAD_CURSOR.to_owned());
            }
            After::Title(t, id)
        }
        Sort::Relevance => {
            let (_, p) = page.parse::<(f32, i64)>(kind, key).map_err(bad)?;
            let (r, id) = p.unwrap_or_default();
            if !r.is_finite() {
                return Err(BAD_CURSOR.to_owned());
            }
            After::Rank(r, id)
        }
    })
}

fn encode_after(sort: Sort, head: &model::ArticleHead, rank: f32, key: &CursorKey) -> String {
    let kind = cursor_kind(sort);
    match sort {
        Sort::Newest | Sort::Oldest => encode_cursor(kind, &(head.listed_at, head.id), key),
        Sort::Title => encode_cursor(kind, &(&head.title, head.id), key),
        Sort::Relevance => encode_cursor(kind, &(rank, head.id), key),
    }
}

/// The user of a request that sent a token (401 when the token is bad), else `None`.
async fn optional_user(req: &HttpRequest) -> ApiResult<Option<AuthUser>> {
    if bearer_token(req).is_none() {
        return Ok(None);
    }
    AuthUser::extract(req).await.map(Some)
}

/// Categories, bylines and tags of these articles, in three queries whatever their number.
struct Extras {
    categories: HashMap<i64, category::Category>,
    authors: HashMap<i64, String>,
    tags: HashMap<i64, Vec<tag::Tag>>,
}

impl Extras {
    async fn load(
        conn: &mut AsyncPgConnection,
        articles: &[(i64, i64, Option<i64>)],
    ) -> ApiResult<Self> {
        let mut category_ids: Vec<i64> = articles.iter().map(|a| a.1).collect();
        category_ids.sort_unstable();
        category_ids.dedup();
        let mut author_ids: Vec<i64> = articles.iter().filter_map(|a| a.2).collect();
        author_ids.sort_unstable();
        author_ids.dedup();
        let ids: Vec<i64> = articles.iter().map(|a| a.0).collect();
        Ok(Self {
            categories: category::by_ids(conn, &category_ids)
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect(),
            authors: if author_ids.is_empty() {
                HashMap::new()
            } else {
                admin_user::display_names(conn, &author_ids).await?
            },
            tags: if ids.is_empty() {
                HashMap::new()
            } else {
                tag::for_articles(conn, &ids).await?
            },
        })
    }

    fn summary(&mut self, head: model::ArticleHead, now: DateTime<Utc>) -> ArticleSummary {
        let category = self
            .categories
            .get(&head.category_id)
            .map(|c| CategoryRef {
                slug: c.slug.clone(),
                name: c.name.clone(),
            })
            .unwrap_or(CategoryRef {
                slug: String::new(),
                name: String::new(),
            });
        let status = head.status.effective(head.published_at, now);
        ArticleSummary {
            tags: self
                .tags
                .remove(&head.id)
                .unwrap_or_default()
                .into_iter()
                .map(|t| TagRef {
                    slug: t.slug,
                    name: t.name,
                })
                .collect(),
            author: head
                .author_id
                .and_then(|id| self.authors.get(&id).cloned())
                .map(|name| Author { name }),
            slug: head.slug,
            title: head.title,
            excerpt: head.excerpt,
            category,
            featured_image_url: head.featured_image_url,
            featured_image_alt: head.featured_image_alt,
            status,
            published_at: head.published_at,
            reading_time_minutes: head.reading_time_minutes,
            created_at: head.created_at,
            updated_at: head.updated_at,
        }
    }
}

fn head_of(a: &model::Article) -> model::ArticleHead {
    model::ArticleHead {
        id: a.id,
        slug: a.slug.clone(),
        title: a.title.clone(),
        excerpt: a.excerpt.clone(),
        category_id: a.category_id,
        author_id: a.author_id,
        featured_image_url: a.featured_image_url.clone(),
        featured_image_alt: a.featured_image_alt.clone(),
        status: a.status,
        published_at: a.published_at,
        reading_time_minutes: a.reading_time_minutes,
        created_at: a.created_at,
        updated_at: a.updated_at,
        listed_at: a.listed_at,
    }
}

/// The full representation of one article (its ETag is what `If-Match` is checked against).
async fn full(
    conn: &mut AsyncPgConnection,
    row: model::Article,
    now: DateTime<Utc>,
) -> ApiResult<Article> {
    let mut extras = Extras::load(conn, &[(row.id, row.category_id, row.author_id)]).await?;
    Ok(Article {
        summary: extras.summary(head_of(&row), now),
        body_markdown: row.body_markdown,
        body_html: row.body_html,
    })
}

fn location(slug: &str) -> String {
    format!("/api/v1/articles/{slug}")
}

/// Published articles, newest first; with a token and `status`, drafts, scheduled or archived
/// ones.
///
/// Keyset-paginated: follow `meta.next_cursor` (or the `Link: rel="next"` header). A reader
/// paging through a list while articles are published sees every article that existed when
/// they started exactly once. `q` searches titles (weighted most), excerpts and bodies.
#[utoipa::path(
    operation_id = "listArticles",
    tag = "Articles",
    params(ArticleListParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of articles", body = Page<ArticleSummary>,
        headers(("ETag" = String), ("Cache-Control" = String), ("Link" = String, description = "rel=\"next\" when there is a next page"))),
        (status = 400, description = "A bad parameter, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`status` without a token, or a bad token", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<ArticleListParams>,
) -> ApiResult<HttpResponse> {
    let user = optional_user(&req).await?;
    let now = Utc::now();
    let mut conn = state.pool.get().await?;
    let request = params
        .0
        .parse(&mut conn, user, now, &state.cursor_key)
        .await?;
    let body = if request.unknown_tag {
        Page {
            data: Vec::new(),
            meta: PageMeta {
                limit: request.limit,
                next_cursor: None,
                total: 0,
            },
        }
    } else {
        let mut rows = model::list(
            &mut conn,
            &request.filter,
            request.sort,
            request.after.as_ref(),
            i64::from(request.limit) + 1,
        )
        .await?;
        let total = model::count(&mut conn, &request.filter).await?;
        let has_more = rows.len() > request.limit as usize;
        rows.truncate(request.limit as usize);
        let next_cursor = if has_more {
            rows.last()
                .map(|(head, rank)| encode_after(request.sort, head, *rank, &state.cursor_key))
        } else {
            None
        };
        let keys: Vec<_> = rows
            .iter()
            .map(|(h, _)| (h.id, h.category_id, h.author_id))
            .collect();
        let mut extras = Extras::load(&mut conn, &keys).await?;
        Page {
            data: rows
                .into_iter()
                .map(|(head, _)| extras.summary(head, now))
                .collect(),
            meta: PageMeta {
                limit: request.limit,
                next_cursor,
                total,
            },
        }
    };
    Ok(list_response(&req, &body, body.meta.next_cursor.as_deref()))
}

/// One article. A slug the article had before a rename answers 301 to the current one.
///
/// Without a token only published articles (and scheduled ones whose time has come) exist;
/// with an editor's or admin's token, any article.
#[utoipa::path(
    operation_id = "getArticle",
    tag = "Articles",
    params(("slug" = String, Path, description = "The article's slug")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The article", body = Item<Article>, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 301, description = "Renamed: `Location` has its current address", headers(("Location" = String))),
        (status = 401, description = "A bad token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article with this slug", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/{slug}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<SlugParam>,
) -> ApiResult<HttpResponse> {
    let user = optional_user(&req).await?;
    let now = Utc::now();
    let public_at = if user.is_some() { None } else { Some(now) };
    let mut conn = state.pool.get().await?;
    match model::find(&mut conn, &slug, public_at).await? {
        Some(row) => Ok(json_ok(
            &req,
            &Item {
                data: full(&mut conn, row, now).await?,
            },
        )),
        None => match model::find_redirect(&mut conn, &slug, public_at).await? {
            Some(current) => Ok(HttpResponse::MovedPermanently()
                .insert_header((header::LOCATION, location(&current)))
                .insert_header((
                    header::CACHE_CONTROL,
                    if user.is_some() {
                        crate::http::cache::PRIVATE_CACHE_CONTROL
                    } else {
                        crate::http::cache::PUBLIC_CACHE_CONTROL
                    },
                ))
                .finish()),
            None => Err(ApiError::NotFound(NO_ARTICLE.into())),
        },
    }
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
                let Some(slug) = v.check(&field, tag_slug(name.as_str())) else {
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
        published_at: published_at.map(|t| t.and_then(|t| v.check("published_at", parse_time(t)))),
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
#[post("")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    input: JsonBody<ArticleInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let now = Utc::now();
    let draft = input.parse(v, now)?;
    let mut conn = state.pool.get().await?;
    let article = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let category_id = category_id(tx, &draft.category).await?;
        let new = NewArticle {
            slug: String::new(),
            title: draft.title.as_str().to_owned(),
            excerpt: draft.excerpt.clone(),
            body_html: draft.body.to_html(),
            reading_time_minutes: draft.body.reading_time_minutes(),
            body_markdown: draft.body.as_str().to_owned(),
            category_id,
            author_id: Some(user.id),
            featured_image_url: draft.featured_image_url.clone(),
            featured_image_alt: draft.featured_image_alt.clone(),
            status: draft.status,
            published_at: draft.published_at,
        };
        let row = insert_with_slug(tx, new, draft.slug.clone()).await?;
        let tag_ids = tag::ensure(tx, &draft.tags).await?;
        tag::set_for_article(tx, row.id, &tag_ids).await?;
        // The answer is read in the same transaction: once COMMIT is confirmed nothing can
        // fail, so a committed create is never answered 503 (and retried into a duplicate).
        full(tx, row, now).await
    })
    .await?;
    let body = Item { data: article };
    let location = location(&body.data.summary.slug);
    Ok(json_response(
        &req,
        StatusCode::CREATED,
        &body,
        &[(header::LOCATION, location)],
    ))
}

/// Inserts with the given slug, or one made from the title with `-2`, `-3`… while taken.
async fn insert_with_slug(
    tx: &mut Tx<'_>,
    mut new: NewArticle,
    slug: Option<Slug>,
) -> ApiResult<model::Article> {
    if let Some(slug) = slug {
        new.slug = slug.into_inner();
        return model::insert(tx, &new).await.map_err(write_error);
    }
    let base = Slug::from_title(&new.title).ok_or_else(|| {
        ApiError::field(
            "slug",
            "is required when the title has no letters or digits to make one from",
        )
    })?;
    for n in 1..=50 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            base.with_suffix(n)
        };
        if !model::slug_exists(tx, candidate.as_str()).await? {
            new.slug = candidate.into_inner();
            // Inside a transaction a unique violation cannot be retried; the check above
            // leaves only a concurrent insert of the same slug, which is a 409.
            return model::insert(tx, &new).await.map_err(write_error);
        }
    }
    Err(ApiError::Conflict(
        "No free slug could be made from this title; give a `slug`.".into(),
    ))
}

/// Replaces an article (editor or admin). Requires `If-Match` with the ETag you read: a
/// stale one is 412, a missing one 428. Fields left out take their defaults (no tags, no
/// image, `draft`); the slug stays unless given.
#[utoipa::path(
    operation_id = "replaceArticle",
    tag = "Articles",
    params(("slug" = String, Path, description = "The article's slug"), ("If-Match" = String, Header, description = "The ETag you read")),
    request_body = ArticleInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = Item<Article>, headers(("ETag" = String))),
        (status = 404, description = "No article with this slug", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        SignedIn,
        Unavailable,
    )
)]
#[put("/{slug}")]
pub async fn replace(
    req: HttpRequest,
    state: web::Data<AppState>,
    _user: AuthUser,
    slug: web::Path<SlugParam>,
    input: JsonBody<ArticleInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let now = Utc::now();
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
        published_at: Some(draft.published_at),
        resolved: true,
    };
    update_checked(&req, &state, &slug, change, now).await
}

/// Changes part of an article (editor or admin): publish (`status: published`), schedule
/// (`status: scheduled` with a future `published_at`), unpublish (`status: draft`), rename
/// (`slug`; the old slug then redirects). Requires `If-Match` with the ETag you read: a stale
/// one is 412, a missing one 428.
#[utoipa::path(
    operation_id = "updateArticle",
    tag = "Articles",
    params(("slug" = String, Path, description = "The article's slug"), ("If-Match" = String, Header, description = "The ETag you read")),
    request_body = ArticlePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Item<Article>, headers(("ETag" = String))),
        (status = 404, description = "No article with this slug", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        SignedIn,
        Unavailable,
    )
)]
#[patch("/{slug}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    _user: AuthUser,
    slug: web::Path<SlugParam>,
    input: JsonBody<ArticlePatch>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, mut v) = input;
    let now = Utc::now();
    let p = parse_fields(
        &mut v,
        input.slug.as_deref(),
        input.title.as_deref(),
        input.excerpt.as_deref(),
        input.body_markdown.as_deref(),
        input.category.as_deref(),
        input.tags.as_deref(),
        input.featured_image_url.as_ref().map(Option::as_deref),
        input.featured_image_alt.as_ref().map(Option::as_deref),
        input.published_at.as_ref().map(Option::as_deref),
    );
    v.finish()?;
    let change = Change {
        slug: p.slug,
        title: p.title,
        excerpt: p.excerpt.map(BoundedText::into_inner),
        body: p.body,
        category: p.category,
        tags: p.tags,
        featured_image_url: p.featured_image_url.map(|u| u.map(WebUrl::into_inner)),
        featured_image_alt: p.featured_image_alt.map(|a| a.map(BoundedText::into_inner)),
        status: input.status,
        published_at: p.published_at,
        resolved: false,
    };
    update_checked(&req, &state, &slug, change, now).await
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
    /// Status and time were already checked together (PUT).
    resolved: bool,
}

/// Applies `change` in one transaction, after checking `If-Match` against the locked row.
async fn update_checked(
    req: &HttpRequest,
    state: &AppState,
    slug: &str,
    change: Change,
    now: DateTime<Utc>,
) -> ApiResult<HttpResponse> {
    let if_match = IfMatch::of(req);
    let mut conn = state.pool.get().await?;
    let article = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let current = model::find_for_update(tx, slug).await.or_404(NO_ARTICLE)?;
        if_match.require(&full(tx, current.clone(), now).await?)?;

        let mut changes = ArticleChangeset::default();
        // Status and time: start from what a reader sees now (a scheduled article whose
        // time has come is published), apply the change, and check the pair.
        let stored = current.status;
        let seen = stored.effective(current.published_at, now);
        let status = change.status.unwrap_or(seen);
        if change.resolved {
            changes.status = Some(status);
            changes.published_at = change.published_at;
        } else if change.status.is_some() || change.published_at.is_some() {
            let published_at = match change.published_at {
                Some(t) => t,
                // Publishing a scheduled article early publishes it now.
                None if status == ArticleStatus::Published
                    && current.published_at.is_some_and(|t| t > now) =>
                {
                    None
                }
                None => current.published_at,
            };
            let resolved = status
                .resolve_published_at(published_at, now)
                .map_err(|m| ApiError::field("published_at", m))?;
            changes.status = Some(status);
            changes.published_at = Some(resolved);
        }
        if let Some(category) = &change.category {
            changes.category_id = Some(category_id(tx, category).await?);
        }
        changes.slug = change.slug.map(Slug::into_inner);
        changes.title = change.title.map(BoundedText::into_inner);
        changes.excerpt = change.excerpt;
        if let Some(body) = &change.body {
            changes.body_html = Some(body.to_html());
            changes.reading_time_minutes = Some(body.reading_time_minutes());
            changes.body_markdown = Some(body.as_str().to_owned());
        }
        changes.featured_image_url = change.featured_image_url;
        changes.featured_image_alt = change.featured_image_alt;
        if let Some(tags) = &change.tags {
            let ids = tag::ensure(tx, tags).await?;
            tag::set_for_article(tx, current.id, &ids).await?;
            changes.updated_at = Some(now);
        }
        let row = model::update(tx, &current, &changes)
            .await
            .map_err(write_error)?;
        // Read in the same transaction, as in `create`.
        full(tx, row, now).await
    })
    .await?;
    Ok(json_ok(req, &Item { data: article }))
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
#[delete("/{slug}")]
pub async fn remove(
    state: web::Data<AppState>,
    user: AuthUser,
    slug: web::Path<SlugParam>,
    params: Query<DeleteParams>,
) -> ApiResult<HttpResponse> {
    let hard = params.0.hard.unwrap_or(false);
    if hard && user.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "Only an admin may remove an article for good; editors archive.".into(),
        ));
    }
    let mut conn = state.pool.get().await?;
    let done = if hard {
        db::write(&mut conn, async |tx| model::delete(tx, &slug).await).await?
    } else {
        db::write(&mut conn, async |tx| model::archive(tx, &slug).await).await?
    };
    found(done, NO_ARTICLE)?;
    Ok(HttpResponse::NoContent().finish())
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

/// The feeds' filters: `category` (slug; unknown is a 400) and `tag` (slug or name).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Only articles in this category (its slug).
    #[param(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub category: Option<String>,
    /// Only articles with this tag (its slug or name, any case).
    #[param(max_length = 50)]
    pub tag: Option<String>,
}

/// The number of articles a feed carries.
pub const FEED_SIZE: i64 = 50;

/// The latest published articles for a feed, newest first, in full.
pub async fn latest_for_feed(
    conn: &mut AsyncPgConnection,
    params: &FeedParams,
    now: DateTime<Utc>,
    key: &CursorKey,
) -> ApiResult<Vec<Article>> {
    let query = ArticleListParams {
        category: params.category.clone(),
        tag: params.tag.clone(),
        ..Default::default()
    };
    let request = query.parse(conn, None, now, key).await?;
    if request.unknown_tag {
        return Ok(Vec::new());
    }
    let rows = model::latest_public(
        conn,
        request.filter.category_id,
        request.filter.tag_id,
        now,
        FEED_SIZE,
    )
    .await?;
    let keys: Vec<_> = rows
        .iter()
        .map(|r| (r.id, r.category_id, r.author_id))
        .collect();
    let mut extras = Extras::load(conn, &keys).await?;
    Ok(rows
        .into_iter()
        .map(|row| Article {
            summary: extras.summary(head_of(&row), now),
            body_markdown: row.body_markdown,
            body_html: row.body_html,
        })
        .collect())
}
