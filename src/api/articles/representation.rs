//! What an article looks like in answers (the summary of a list, the whole of one), built from
//! the rows and decorations (category, byline, tags) that `models::article` reads together.

use actix_web::{FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    api::audit::Audited,
    auth::{bearer_token, AuthUser},
    domain::{
        webhook::{article_event, EventType},
        ArticleStatus, AuditAction, ResourceType,
    },
    errors::ApiResult,
    models::article::{self},
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

    /// `article.published`, `updated` or `unpublished`, by what the public could read before
    /// and after (a scheduled article whose time has not come is not public).
    fn event(_: AuditAction, before: Option<&Self>, after: &Self) -> Option<EventType> {
        let public = |a: &Self| a.summary.status == ArticleStatus::Published;
        article_event(before.is_some_and(public), public(after))
    }
}

/// The user of a request that sent a token (401 when the token is bad), else `None`.
pub async fn optional_user(req: &HttpRequest) -> ApiResult<Option<AuthUser>> {
    if bearer_token(req).is_none() {
        return Ok(None);
    }
    AuthUser::extract(req).await.map(Some)
}

impl ArticleSummary {
    /// An article as a list shows it, `now` deciding whether a scheduled one reads as published.
    pub fn new(head: article::ArticleHead, d: article::Decoration, now: DateTime<Utc>) -> Self {
        let status = head.status.effective(head.published_at, now);
        ArticleSummary {
            tags: d
                .tag_slugs
                .into_iter()
                .zip(d.tag_names)
                .map(|(slug, name)| TagRef { slug, name })
                .collect(),
            author: d.author_name.map(|name| Author { name }),
            category: CategoryRef {
                slug: d.category_slug,
                name: d.category_name,
            },
            slug: head.slug,
            title: head.title,
            excerpt: head.excerpt,
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

impl Article {
    /// The whole of one article, from its row and its decoration (read together by
    /// `article::find`).
    pub fn new(row: article::Article, d: article::Decoration, now: DateTime<Utc>) -> Self {
        let (head, body_markdown, body_html) = row.split();
        Article {
            summary: ArticleSummary::new(head, d, now),
            body_markdown,
            body_html,
        }
    }
}

/// The full representation of a row already in hand, after a write (its ETag is what
/// `If-Match` is checked against).
pub async fn full(
    conn: &mut AsyncPgConnection,
    row: article::Article,
    now: DateTime<Utc>,
) -> ApiResult<Article> {
    let d = article::decoration_of(conn, row.id).await?;
    Ok(Article::new(row, d, now))
}

pub fn location(slug: &str) -> String {
    format!("/api/v1/articles/{slug}")
}
