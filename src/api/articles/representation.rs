//! What an article looks like in answers (the summary of a list, the whole of one), and the
//! loader that gives a page of articles their categories, bylines and tags in three queries.

use std::collections::HashMap;

use actix_web::{FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    api::audit::Audited,
    auth::{bearer_token, AuthUser},
    domain::{ArticleStatus, ResourceType},
    errors::ApiResult,
    models::{
        admin_user,
        article::{self},
        category,
        tag::{self},
    },
};

pub const NO_ARTICLE: &str = "No article has this slug.";

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
    /// Only in a search's results (`q`): the passage of the excerpt and the body's beginning
    /// (its first 500 characters) that best matches, as HTML: the matched words in `<mark>`,
    /// every other character escaped (`&lt;`, `&amp;`…). A hit matched further into its body
    /// shows its opening words, unmarked.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        example = "A practical guide to the <mark>oxygenator</mark>: checks before every case"
    )]
    pub snippet: Option<String>,
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

impl Audited for Article {
    const RESOURCE: ResourceType = ResourceType::Article;
    const DERIVED: &'static [&'static str] = &["body_html", "reading_time_minutes"];
    fn audit_id(&self) -> String {
        self.summary.slug.clone()
    }
}

/// The user of a request that sent a token (401 when the token is bad), else `None`.
pub async fn optional_user(req: &HttpRequest) -> ApiResult<Option<AuthUser>> {
    if bearer_token(req).is_none() {
        return Ok(None);
    }
    AuthUser::extract(req).await.map(Some)
}

/// Categories, bylines and tags of these articles, in three queries whatever their number.
pub struct Extras {
    categories: HashMap<i64, category::Category>,
    authors: HashMap<i64, String>,
    tags: HashMap<i64, Vec<tag::Tag>>,
}

impl Extras {
    pub async fn load(
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

    pub fn summary(&mut self, head: article::ArticleHead, now: DateTime<Utc>) -> ArticleSummary {
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
            snippet: None,
        }
    }
}

pub fn head_of(a: &article::Article) -> article::ArticleHead {
    article::ArticleHead {
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
pub async fn full(
    conn: &mut AsyncPgConnection,
    row: article::Article,
    now: DateTime<Utc>,
) -> ApiResult<Article> {
    let mut extras = Extras::load(conn, &[(row.id, row.category_id, row.author_id)]).await?;
    Ok(Article {
        summary: extras.summary(head_of(&row), now),
        body_markdown: row.body_markdown,
        body_html: row.body_html,
    })
}

pub fn location(slug: &str) -> String {
    format!("/api/v1/articles/{slug}")
}
