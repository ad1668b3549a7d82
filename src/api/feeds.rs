//! Feeds for partner sites: the latest 50 published articles as RSS 2.0, Atom 1.0 and JSON
//! Feed 1.1, each filterable by `category` and `tag`. Links are absolute, from
//! `PUBLIC_BASE_URL` (never the request's Host).

use actix_web::{
    get,
    http::{header, StatusCode},
    web, HttpRequest, HttpResponse,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::responses::{NotModified, Unavailable};
use super::{
    articles::{
        feed::{latest_for_feed, FeedParams},
        representation::Article,
    },
    extract::Query,
};
use crate::http::cache::cached_response;
use crate::{
    errors::{ApiResult, Problem},
    state::AppState,
};

const TITLE: &str = "Perfusion Partners";
const DESCRIPTION: &str =
    "News, research, career guidance and tips for perfusionists, from Perfusion Partners.";

struct FeedContext {
    base: String,
    links: crate::http::links::SiteLinks,
    /// This feed's own absolute URL, with its query.
    self_url: String,
    articles: Vec<Article>,
}

impl FeedContext {
    async fn load(
        req: &HttpRequest,
        state: &AppState,
        params: &FeedParams,
    ) -> ApiResult<FeedContext> {
        let mut conn = state.pool.get().await?;
        let articles = latest_for_feed(&mut conn, params, Utc::now(), &state.cursor_key).await?;
        let query = req.query_string();
        Ok(FeedContext {
            base: state.public_base_url.clone(),
            links: state.links.clone(),
            self_url: format!(
                "{}{}{}{}",
                state.public_base_url,
                req.path(),
                if query.is_empty() { "" } else { "?" },
                query
            ),
            articles,
        })
    }

    /// Where a reader opens an article: its page (see `SiteLinks`), never its JSON.
    fn link(&self, slug: &str) -> String {
        self.links.article(slug)
    }

    /// An entry's permanent id, as it has been since the first feed (readers key on it).
    fn id(&self, slug: &str) -> String {
        format!("{}/api/v1/articles/{slug}", self.base)
    }

    /// `Last-Modified`: the newest change, as an HTTP date (feed readers poll with it).
    fn last_modified(&self) -> (header::HeaderName, String) {
        (
            header::LAST_MODIFIED,
            self.updated()
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string(),
        )
    }

    /// When the newest change in the feed happened (the epoch for an empty feed, so that an
    /// unchanged feed keeps its ETag).
    fn updated(&self) -> DateTime<Utc> {
        self.articles
            .iter()
            .map(|a| {
                a.summary
                    .updated_at
                    .max(a.summary.published_at.unwrap_or_default())
            })
            .max()
            .unwrap_or_default()
    }
}

impl FeedContext {
    /// A 200 with this feed's body, ETag, `Cache-Control` and `Last-Modified` (or a 304).
    fn respond(&self, req: &HttpRequest, content_type: &str, body: Vec<u8>) -> HttpResponse {
        cached_response(
            req,
            StatusCode::OK,
            content_type,
            body,
            &[self.last_modified()],
        )
    }

    /// The feed as RSS 2.0.
    fn to_rss(&self) -> Vec<u8> {
        let items: Vec<::rss::Item> = self
            .articles
            .iter()
            .map(|a| {
                let s = &a.summary;
                let link = self.link(&s.slug);
                ::rss::ItemBuilder::default()
                    .title(Some(s.title.clone()))
                    .link(Some(link.clone()))
                    .guid(Some(::rss::Guid {
                        value: self.id(&s.slug),
                        permalink: false,
                    }))
                    // RSS readers show a description as HTML; the excerpt is plain text.
                    .description(Some(maud::html! { (s.excerpt) }.into_string()))
                    .content(Some(a.body_html.clone()))
                    .pub_date(s.published_at.map(|t| t.to_rfc2822()))
                    .categories(
                        std::iter::once(&s.category.name)
                            .chain(s.tags.iter().map(|t| &t.name))
                            .map(|name| ::rss::Category {
                                name: name.clone(),
                                domain: None,
                            })
                            .collect::<Vec<_>>(),
                    )
                    .build()
            })
            .collect();
        let channel = ::rss::ChannelBuilder::default()
            .title(TITLE)
            .link(self.links.ours("/embed/articles"))
            .description(DESCRIPTION)
            .language(Some("en".to_owned()))
            .last_build_date(Some(self.updated().to_rfc2822()))
            .namespaces(
                [("atom".to_owned(), "http://www.w3.org/2005/Atom".to_owned())]
                    .into_iter()
                    .collect::<std::collections::BTreeMap<_, _>>(),
            )
            .atom_ext(Some(::rss::extension::atom::AtomExtension {
                links: vec![::rss::extension::atom::Link {
                    href: self.self_url.clone(),
                    rel: "self".into(),
                    mime_type: Some("application/rss+xml".into()),
                    ..Default::default()
                }],
            }))
            .items(items)
            .build();
        channel.to_string().into_bytes()
    }

    /// The feed as Atom 1.0.
    fn to_atom(&self) -> Vec<u8> {
        use atom_syndication::{
            CategoryBuilder, ContentBuilder, EntryBuilder, FeedBuilder, LinkBuilder, PersonBuilder,
            Text,
        };
        let entries: Vec<atom_syndication::Entry> = self
            .articles
            .iter()
            .map(|a| {
                let s = &a.summary;
                let link = self.link(&s.slug);
                let mut entry = EntryBuilder::default();
                entry
                    .id(self.id(&s.slug))
                    .title(Text::plain(s.title.clone()))
                    .updated(last_change(s).fixed_offset())
                    .published(s.published_at.map(|t| t.fixed_offset()))
                    .link(LinkBuilder::default().href(link).rel("alternate").build())
                    .content(Some(
                        ContentBuilder::default()
                            .content_type(Some("html".to_owned()))
                            .value(Some(a.body_html.clone()))
                            .build(),
                    ))
                    .category(
                        CategoryBuilder::default()
                            .term(s.category.slug.clone())
                            .label(Some(s.category.name.clone()))
                            .build(),
                    );
                if !s.excerpt.is_empty() {
                    entry.summary(Some(Text::plain(s.excerpt.clone())));
                }
                for t in &s.tags {
                    entry.category(
                        CategoryBuilder::default()
                            .term(t.slug.clone())
                            .label(Some(t.name.clone()))
                            .build(),
                    );
                }
                if let Some(author) = &s.author {
                    entry.author(PersonBuilder::default().name(author.name.clone()).build());
                }
                entry.build()
            })
            .collect();
        let out = FeedBuilder::default()
            .id(self.self_url.clone())
            .title(TITLE)
            .subtitle(Some(Text::plain(DESCRIPTION)))
            .updated(self.updated().fixed_offset())
            .author(PersonBuilder::default().name(TITLE).build())
            .link(
                LinkBuilder::default()
                    .href(self.self_url.clone())
                    .rel("self")
                    .mime_type(Some("application/atom+xml".to_owned()))
                    .build(),
            )
            .link(
                LinkBuilder::default()
                    .href(self.links.ours("/embed/articles"))
                    .rel("alternate")
                    .mime_type(Some("text/html".to_owned()))
                    .build(),
            )
            .entries(entries)
            .build();
        out.to_string().into_bytes()
    }

    /// The feed as JSON Feed 1.1.
    fn to_json(&self) -> Vec<u8> {
        let items = self
            .articles
            .iter()
            .map(|a| {
                let s = &a.summary;
                let link = self.link(&s.slug);
                JsonFeedItem {
                    id: self.id(&s.slug),
                    url: link,
                    title: s.title.clone(),
                    content_html: a.body_html.clone(),
                    summary: Some(s.excerpt.clone()).filter(|e| !e.is_empty()),
                    date_published: s.published_at,
                    date_modified: last_change(s),
                    authors: s
                        .author
                        .iter()
                        .map(|a| JsonFeedAuthor {
                            name: a.name.clone(),
                        })
                        .collect(),
                    tags: std::iter::once(s.category.name.clone())
                        .chain(s.tags.iter().map(|t| t.name.clone()))
                        .collect(),
                }
            })
            .collect();
        let doc = JsonFeed {
            version: "https://jsonfeed.org/version/1.1".into(),
            title: TITLE.into(),
            description: DESCRIPTION.into(),
            home_page_url: self.links.ours("/embed/articles"),
            feed_url: self.self_url.clone(),
            language: "en".into(),
            items,
        };
        serde_json::to_vec(&doc).unwrap_or_default()
    }
}

/// When an article last changed for a feed reader: a scheduled article that went public by
/// itself changed when it did, after its last edit.
fn last_change(s: &super::articles::representation::ArticleSummary) -> DateTime<Utc> {
    s.updated_at.max(s.published_at.unwrap_or_default())
}

/// RSS 2.0.
#[utoipa::path(
    operation_id = "getArticlesRssFeed",
    tag = "Feeds",
    params(FeedParams),
    responses(
        (status = 200, description = "The latest 50 published articles", content_type = "application/rss+xml", body = String,
        headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 400, description = "An unknown category or a bad tag", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/feeds/articles.rss")]
pub async fn rss(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<FeedParams>,
) -> ApiResult<HttpResponse> {
    let feed = FeedContext::load(&req, &state, &params.0).await?;
    Ok(feed.respond(&req, "application/rss+xml; charset=utf-8", feed.to_rss()))
}

/// Atom 1.0.
#[utoipa::path(
    operation_id = "getArticlesAtomFeed",
    tag = "Feeds",
    params(FeedParams),
    responses(
        (status = 200, description = "The latest 50 published articles", content_type = "application/atom+xml", body = String,
        headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 400, description = "An unknown category or a bad tag", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/feeds/articles.atom")]
pub async fn atom(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<FeedParams>,
) -> ApiResult<HttpResponse> {
    let feed = FeedContext::load(&req, &state, &params.0).await?;
    Ok(feed.respond(&req, "application/atom+xml; charset=utf-8", feed.to_atom()))
}

/// A JSON Feed 1.1 document (https://jsonfeed.org/version/1.1).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JsonFeed {
    #[schema(example = "https://jsonfeed.org/version/1.1")]
    pub version: String,
    pub title: String,
    pub description: String,
    pub home_page_url: String,
    pub feed_url: String,
    pub language: String,
    pub items: Vec<JsonFeedItem>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JsonFeedItem {
    pub id: String,
    pub url: String,
    pub title: String,
    pub content_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_published: Option<DateTime<Utc>>,
    pub date_modified: DateTime<Utc>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<JsonFeedAuthor>,
    pub tags: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JsonFeedAuthor {
    pub name: String,
}

/// JSON Feed 1.1.
#[utoipa::path(
    operation_id = "getArticlesJsonFeed",
    tag = "Feeds",
    params(FeedParams),
    responses(
        (status = 200, description = "The latest 50 published articles", content_type = "application/feed+json", body = JsonFeed,
        headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 400, description = "An unknown category or a bad tag", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/feeds/articles.json")]
pub async fn json(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<FeedParams>,
) -> ApiResult<HttpResponse> {
    let feed = FeedContext::load(&req, &state, &params.0).await?;
    Ok(feed.respond(&req, "application/feed+json; charset=utf-8", feed.to_json()))
}
