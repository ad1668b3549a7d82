//! `GET /articles/{slug}`: a published article as a page a person reads (what feeds, widgets
//! and mails link to when the site has no front end of its own), with its canonical address,
//! OpenGraph and Twitter card tags and schema.org `Article` JSON-LD. An old slug answers 301.

use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use chrono::Utc;
use maud::{html, Markup, PreEscaped};

use super::representation::{Article, NO_ARTICLE};
use crate::api::extract::SlugParam;
use crate::api::html::{default_style, layout_with_head, respond};
use crate::api::responses::{NotModified, Unavailable};
use crate::errors::{ApiError, Problem};
use crate::http::cache::PUBLIC_CACHE_CONTROL;
use crate::http::links::SiteLinks;
use crate::models::article;
use crate::state::AppState;

const SITE_NAME: &str = "Perfusion Partners";

/// A published article as a readable HTML page. A slug the article had before answers 301 to
/// its current page; anything not published is a 404.
#[utoipa::path(
    operation_id = "getArticlePage",
    tag = "Embeds",
    params(("slug" = String, Path, description = "The article's slug")),
    responses(
        (status = 200, description = "The article's page", content_type = "text/html", body = String,
        headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 301, description = "Renamed: `Location` has its current page", headers(("Location" = String))),
        (status = 404, description = "No published article with this slug (an HTML page for browsers)", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/articles/{slug}")]
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<SlugParam>,
) -> HttpResponse {
    let now = Utc::now();
    let found = async {
        let mut conn = state.pool.get().await?;
        if let Some((row, decoration)) = article::find(&mut conn, &slug, Some(now)).await? {
            return Ok(Ok(Article::new(row, decoration, now)));
        }
        match article::find_redirect(&mut conn, &slug, Some(now)).await? {
            Some(current) => Ok(Err(current)),
            None => Err(ApiError::NotFound(NO_ARTICLE.into())),
        }
    };
    match found.await {
        Ok(Err(current)) => HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, format!("/articles/{current}")))
            .insert_header((header::CACHE_CONTROL, PUBLIC_CACHE_CONTROL))
            .finish(),
        Ok(Ok(article)) => respond(&req, Ok(article_page(&article, &state.links))),
        Err(e) => respond(&req, Err(e)),
    }
}

fn article_page(a: &Article, links: &SiteLinks) -> Markup {
    let s = &a.summary;
    let canonical = links.article(&s.slug);
    let published = s.published_at.map(|t| t.to_rfc3339());
    let head = html! {
        link rel="canonical" href=(canonical);
        link rel="alternate" type="application/json+oembed" title=(s.title)
            href=(oembed_url(links, &canonical));
        meta name="description" content=(s.excerpt);
        meta property="og:type" content="article";
        meta property="og:site_name" content=(SITE_NAME);
        meta property="og:title" content=(s.title);
        meta property="og:description" content=(s.excerpt);
        meta property="og:url" content=(canonical);
        @if let Some(image) = &s.featured_image_url {
            meta property="og:image" content=(image);
            @if let Some(alt) = &s.featured_image_alt { meta property="og:image:alt" content=(alt); }
        }
        @if let Some(t) = &published { meta property="article:published_time" content=(t); }
        meta property="article:section" content=(s.category.name);
        @for tag in &s.tags { meta property="article:tag" content=(tag.name); }
        meta name="twitter:card"
            content=(if s.featured_image_url.is_some() { "summary_large_image" } else { "summary" });
        meta name="twitter:title" content=(s.title);
        meta name="twitter:description" content=(s.excerpt);
        script type="application/ld+json" { (PreEscaped(json_ld(a, &canonical))) }
    };
    let body = html! {
        main {
            article {
                header {
                    p class="muted" { (s.category.name) }
                    h1 { (s.title) }
                    p class="muted" {
                        @if let (Some(t), Some(p)) = (&published, s.published_at) {
                            time datetime=(t) { (p.format("%-d %B %Y")) } " · "
                        }
                        (s.reading_time_minutes) " min read"
                        @if let Some(author) = &s.author { " · " (author.name) }
                    }
                }
                @if let Some(image) = &s.featured_image_url {
                    img src=(image) alt=(s.featured_image_alt.as_deref().unwrap_or(""))
                        style="max-width:100%;height:auto";
                }
                // The body was rendered from Markdown and sanitized (ammonia) when it was saved.
                div class="body" { (PreEscaped(&a.body_html)) }
                @if !s.tags.is_empty() {
                    footer {
                        p class="muted" {
                            "Tags: "
                            @for (i, tag) in s.tags.iter().enumerate() {
                                @if i > 0 { ", " }
                                (tag.name)
                            }
                        }
                    }
                }
            }
        }
    };
    layout_with_head(&s.title, &default_style(), head, body)
}

/// The oEmbed address of a page (its discovery link).
fn oembed_url(links: &SiteLinks, address: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("url", address)
        .append_pair("format", "json")
        .finish();
    links.ours(&format!("/oembed?{query}"))
}

/// The schema.org `Article` of a page, as JSON safe inside a `<script>` element: `<`, `>` and
/// `&` are written as `\u003c`, `\u003e` and `\u0026`, so no text can end the element.
fn json_ld(a: &Article, canonical: &str) -> String {
    let s = &a.summary;
    let value = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": s.title,
        "description": s.excerpt,
        "url": canonical,
        "mainEntityOfPage": canonical,
        "datePublished": s.published_at,
        "dateModified": s.updated_at,
        "articleSection": s.category.name,
        "keywords": s.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        "image": s.featured_image_url,
        "author": s.author.as_ref().map(|a| serde_json::json!({"@type": "Person", "name": a.name})),
        "publisher": {"@type": "Organization", "name": SITE_NAME},
    });
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}
