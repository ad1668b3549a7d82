//! Widgets for partner sites: small self-contained HTML pages made to live in an iframe
//! (`/embed/*`). Inline styles only, no script, no fetch; `theme` and `accent` as a partner
//! asks; semantic, accessible HTML from maud templates (every text escaped). Who may frame
//! them is `EMBED_ALLOWED_ORIGINS` (see `http::security`). A bad parameter is a
//! small HTML page for a browser, problem+json for anything else.

pub mod subscribe;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Datelike, Utc};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::articles::feed::{latest, FeedParams};
use crate::api::articles::representation::{Article, NO_ARTICLE};
use crate::api::charts::{projection_summary, projection_svg, ChartParams, ChartStyle};
use crate::api::extract::parse_query;
use crate::api::extract::SlugParam;
use crate::api::html::{layout, out_link, respond};
use crate::api::responses::{NotModified, Unavailable};
use crate::api::staffing::KeyParam;
use crate::api::workforce::ProjectionParams;
use crate::domain::chart::{format_number, Scale, Theme};
use crate::domain::{figure_date_label, MetricUnit};
use crate::errors::ApiError;
use crate::errors::{ApiResult, Problem, QueryResultExt, Validator};
use crate::http::links::SiteLinks;
use crate::models::{self, history_event, staffing};
use crate::state::AppState;

const NO_METRIC: &str = "There is no staffing metric with this key.";

/// The look of a widget.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmbedParams {
    /// `light` (default) or `dark`.
    #[param(inline)]
    pub theme: Option<Theme>,
    /// Links and lines in this colour: a hex colour such as `#a4262c` (send `#` as `%23`).
    #[param(pattern = "^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    pub accent: Option<String>,
}

impl EmbedParams {
    /// The style of a widget whose drawing is `width` x `height`, or a 400 naming what is
    /// wrong.
    pub fn style(&self, width: u32, height: u32) -> ApiResult<ChartStyle> {
        let mut v = Validator::default();
        let style = self.check(&mut v, width, height);
        v.finish()?;
        Ok(style.expect("a bad parameter was recorded above"))
    }

    /// The style of a widget whose drawing is `width` x `height` (its own size, not a
    /// partner's: only the theme and accent are theirs).
    fn check(&self, v: &mut Validator, width: u32, height: u32) -> Option<ChartStyle> {
        let look = ChartParams {
            width: None,
            height: None,
            theme: self.theme,
            accent: self.accent.clone(),
        };
        look.check(v).map(|style| ChartStyle {
            width,
            height,
            titled: false,
            ..style
        })
    }
}

fn with_unit(v: f64, unit: MetricUnit) -> String {
    match unit {
        MetricUnit::Percent => format!("{}%", format_number(v)),
        _ => format_number(v),
    }
}

/// A staffing figure: the metric's current figure, its date (or that it is undated), its
/// source, and a sparkline of its dated series.
#[utoipa::path(
    operation_id = "getStaffingStatisticWidget",
    tag = "Embeds",
    params(("key" = String, Path, description = "The metric's key"), EmbedParams),
    responses(
        (status = 200, description = "The widget, an HTML page for an iframe", content_type = "text/html", body = String,
        headers(("ETag" = String), ("Cache-Control" = String), ("Content-Security-Policy" = String))),
        (status = 400, description = "A bad parameter (an HTML page for browsers)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No metric with this key", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/embed/staffing-statistics/{key}")]
pub async fn staffing_figure(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<KeyParam>,
) -> HttpResponse {
    let page = async {
        let style = parse_query::<EmbedParams>(req.query_string())?.style(300, 60)?;
        let mut conn = state.pool.get().await?;
        let metric = staffing::find_metric(&mut conn, key.as_str())
            .await
            .or_404(NO_METRIC)?;
        let current = staffing::current(&mut conn, &[metric.id]).await?;
        let series = staffing::series(&mut conn, metric.id).await?;
        Ok(figure_page(
            &metric,
            current.values().next(),
            &series,
            &style,
        ))
    };
    respond(&req, page.await)
}

fn figure_page(
    metric: &staffing::Metric,
    current: Option<&staffing::Observation>,
    series: &[staffing::Observation],
    style: &ChartStyle,
) -> Markup {
    let unit = metric.unit;
    let body = html! {
        main {
            h1 { (metric.label) }
            @match current {
                Some(o) => {
                    p class="figure" { (with_unit(o.value, unit)) }
                    p class="muted" {
                        @if o.as_of.is_some() { "As of " }
                        (figure_date_label(o.as_of, o.retrieved_at))
                    }
                    (sparkline(series, style))
                    p class="muted" {
                        "Source: "
                        @match &o.source_url {
                            Some(url) => (out_link(url, &o.source)),
                            None => (o.source),
                        }
                    }
                }
                None => p { "No figure yet." }
            }
        }
    };
    layout(&metric.label, style, body)
}

/// The dated figures as a small line, for the eye (the figure and its date are in the text).
fn sparkline(series: &[staffing::Observation], style: &ChartStyle) -> Markup {
    let points: Vec<(f64, f64)> = series
        .iter()
        .filter_map(|o| o.as_of.map(|d| (f64::from(d.num_days_from_ce()), o.value)))
        .collect();
    if points.len() < 2 {
        return html! {};
    }
    let (w, h) = (f64::from(style.width), f64::from(style.height));
    let xs = points.iter().map(|p| p.0);
    let ys = points.iter().map(|p| p.1);
    let x = Scale::new(
        (
            xs.clone().fold(f64::INFINITY, f64::min),
            xs.fold(f64::NEG_INFINITY, f64::max),
        ),
        (4.0, w - 4.0),
    );
    let y = Scale::new(
        (
            ys.clone().fold(f64::INFINITY, f64::min),
            ys.fold(f64::NEG_INFINITY, f64::max),
        ),
        (h - 4.0, 4.0),
    );
    let line: Vec<String> = points
        .iter()
        .map(|(px, py)| format!("{:.1},{:.1}", x.map(*px), y.map(*py)))
        .collect();
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(style.width) height=(style.height)
            viewBox={"0 0 " (style.width) " " (style.height)} aria-hidden="true" focusable="false" {
            polyline fill="none" stroke=(style.accent) stroke-width="2.5" points=(line.join(" ")) {}
        }
    }
}

/// The supply/demand chart of the workforce projection (the projection's parameters), with
/// its summary in words.
#[utoipa::path(
    operation_id = "getWorkforceProjectionWidget",
    tag = "Embeds",
    params(ProjectionParams, EmbedParams),
    responses(
        (status = 200, description = "The widget, an HTML page for an iframe", content_type = "text/html", body = String,
        headers(("ETag" = String), ("Cache-Control" = String), ("Content-Security-Policy" = String))),
        (status = 400, description = "A bad parameter (an HTML page for browsers)", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/embed/workforce/projection")]
pub async fn projection(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let page = async {
        // One query, read as the projection's parameters and as the widget's look.
        let inputs: ProjectionParams = parse_query(req.query_string())?;
        let style = parse_query::<EmbedParams>(req.query_string())?.style(560, 280)?;
        let mut conn = state.pool.get().await?;
        let projected = inputs.resolve(&mut conn).await?.project(Utc::now().year());
        let chart = projection_svg(&projected, &style);
        Ok(layout(
            "Perfusionist supply and demand",
            &style,
            html! {
                main {
                    h1 { "Perfusionist supply and demand" }
                    figure style="margin:0" {
                        (chart)
                        figcaption class="muted" { (projection_summary(&projected)) }
                    }
                }
            },
        ))
    };
    respond(&req, page.await)
}

/// The history of perfusion as a timeline, oldest first.
#[utoipa::path(
    operation_id = "getHistoryTimelineWidget",
    tag = "Embeds",
    params(EmbedParams),
    responses(
        (status = 200, description = "The widget, an HTML page for an iframe", content_type = "text/html", body = String,
        headers(("ETag" = String), ("Cache-Control" = String), ("Content-Security-Policy" = String))),
        (status = 400, description = "A bad parameter (an HTML page for browsers)", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/embed/history-events")]
pub async fn history(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let page = async {
        let style = parse_query::<EmbedParams>(req.query_string())?.style(300, 60)?;
        let mut conn = state.pool.get().await?;
        let events = history_event::list(&mut conn, None, TIMELINE_SIZE).await?;
        Ok(timeline_page(&events, &style))
    };
    respond(&req, page.await)
}

/// The latest articles widget's query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticlesWidgetParams {
    /// Only articles in this category (its slug); an unknown one is a 400.
    #[param(inline, value_type = Option<crate::domain::Slug>)]
    pub category: Option<String>,
    /// Only articles with this tag (its slug or name, any case); a name without letters or
    /// digits names no tag (a 400).
    #[param(inline, value_type = Option<crate::domain::BoundedText<1, 50>>)]
    pub tag: Option<String>,
    /// How many, 1 to 10 (default 5).
    #[param(minimum = 1, maximum = 10, default = 5)]
    pub limit: Option<u32>,
    /// `light` (default) or `dark`.
    #[param(inline)]
    pub theme: Option<Theme>,
    /// Links in this colour: a hex colour such as `#a4262c` (send `#` as `%23`).
    #[param(pattern = "^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    pub accent: Option<String>,
}

/// The latest published articles: each title links to the article's page (in a new tab), with
/// its date and excerpt.
#[utoipa::path(
    operation_id = "getArticlesWidget",
    tag = "Embeds",
    params(ArticlesWidgetParams),
    responses(
        (status = 200, description = "The widget, an HTML page for an iframe", content_type = "text/html", body = String,
        headers(("ETag" = String), ("Cache-Control" = String), ("Content-Security-Policy" = String))),
        (status = 400, description = "A bad parameter (an HTML page for browsers)", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/embed/articles")]
pub async fn articles(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let page = async {
        let params: ArticlesWidgetParams = parse_query(req.query_string())?;
        let (filter, limit, style) = params.parse()?;
        let mut conn = state.pool.get().await?;
        let now = Utc::now();
        let list = latest(&mut conn, &filter, now, &state.cursor_key, limit).await?;
        Ok(articles_page(&list, &state.links, &style))
    };
    respond(&req, page.await)
}

impl ArticlesWidgetParams {
    /// The articles asked for, how many, and the look.
    fn parse(self) -> ApiResult<(FeedParams, i64, ChartStyle)> {
        let limit = self.limit.unwrap_or(5);
        if !(1..=10).contains(&limit) {
            return Err(ApiError::field("limit", "must be from 1 to 10"));
        }
        let look = EmbedParams {
            theme: self.theme,
            accent: self.accent,
        };
        let filter = FeedParams {
            category: self.category,
            tag: self.tag,
        };
        Ok((filter, limit.into(), look.style(300, 60)?))
    }
}

fn articles_page(list: &[Article], links: &SiteLinks, style: &ChartStyle) -> Markup {
    let body = html! {
        main {
            h1 { "Latest articles" }
            @if list.is_empty() { p { "No articles yet." } }
            ul class="articles" {
                @for a in list {
                    li { (card(a, links, false)) }
                }
            }
        }
    };
    layout("Latest articles", style, body)
}

/// One article: its title (a link to its page), date, category and excerpt; with `full`, its
/// image and a "Read more" link too.
fn card(a: &Article, links: &SiteLinks, full: bool) -> Markup {
    let s = &a.summary;
    let href = links.article(&s.slug);
    html! {
        h2 { (out_link(&href, &s.title)) }
        p class="muted" {
            @if let Some(t) = s.published_at {
                time datetime=(t.to_rfc3339()) { (t.format("%-d %B %Y")) } " · "
            }
            (s.category.name)
        }
        @if full {
            @if let Some(image) = &s.featured_image_url {
                img src=(image) alt=(s.featured_image_alt.as_deref().unwrap_or("")) loading="lazy"
                    style="max-width:100%;height:auto;margin:0 0 8px";
            }
        }
        @if !s.excerpt.is_empty() { p { (s.excerpt) } }
        @if full { p { (out_link(&href, "Read more")) } }
    }
}

/// One published article's card: image, title, date, category, excerpt and a link to read it.
#[utoipa::path(
    operation_id = "getArticleWidget",
    tag = "Embeds",
    params(("slug" = String, Path, description = "The article's slug"), EmbedParams),
    responses(
        (status = 200, description = "The widget, an HTML page for an iframe", content_type = "text/html", body = String,
        headers(("ETag" = String), ("Cache-Control" = String), ("Content-Security-Policy" = String))),
        (status = 400, description = "A bad parameter (an HTML page for browsers)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published article with this slug", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/embed/articles/{slug}")]
pub async fn article(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<SlugParam>,
) -> HttpResponse {
    let page = async {
        let style = parse_query::<EmbedParams>(req.query_string())?.style(300, 60)?;
        let now = Utc::now();
        let mut conn = state.pool.get().await?;
        let found = models::article::find(&mut conn, &slug, Some(now)).await?;
        let (row, decoration) = found.ok_or_else(|| ApiError::NotFound(NO_ARTICLE.into()))?;
        let a = Article::new(row, decoration, now);
        let body = html! { main { article { (card(&a, &state.links, true)) } } };
        Ok(layout(&a.summary.title, &style, body))
    };
    respond(&req, page.await)
}

/// The most events a timeline shows.
const TIMELINE_SIZE: i64 = 100;

fn timeline_page(events: &[history_event::HistoryEvent], style: &ChartStyle) -> Markup {
    let body = html! {
        main {
            h1 { "The history of perfusion" }
            ol class="timeline" {
                @for e in events {
                    li {
                        h2 {
                            @if e.year_is_approximate { "c. " }
                            (e.year) ": " (e.title)
                        }
                        p { (e.summary) }
                        @if let Some(url) = &e.source_url {
                            p class="muted" { (out_link(url, "Source")) }
                        }
                    }
                }
            }
        }
    };
    layout("The history of perfusion", style, body)
}

/// Every widget and chart live, each with the snippet a partner pastes: an iframe, an image,
/// or the address to give an oEmbed-aware CMS.
#[utoipa::path(
    operation_id = "getEmbedGallery",
    tag = "Embeds",
    params(EmbedParams),
    responses(
        (status = 200, description = "The gallery, an HTML page", content_type = "text/html", body = String,
        headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 400, description = "A bad parameter (an HTML page for browsers)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/embed")]
pub async fn gallery(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let page = (|| {
        let style = parse_query::<EmbedParams>(req.query_string())?.style(600, 300)?;
        Ok(gallery_page(&state.links, &style))
    })();
    respond(&req, page)
}

/// A widget in the gallery: its title, its path, the frame's size.
const WIDGETS: [(&str, &str, u32, u32); 5] = [
    ("Latest articles", "/embed/articles?limit=3", 360, 520),
    (
        "A staffing figure",
        "/embed/staffing-statistics/certified_perfusionists",
        320,
        300,
    ),
    (
        "The workforce projection",
        "/embed/workforce/projection",
        600,
        440,
    ),
    (
        "The history of perfusion",
        "/embed/history-events",
        600,
        500,
    ),
    ("Join the community", "/embed/subscribe", 360, 520),
];

/// A chart in the gallery: its alternative text and its path.
const CHARTS: [(&str, &str); 2] = [
    (
        "New graduates each year",
        "/api/v1/staffing-statistics/annual_graduates/chart.svg?width=480",
    ),
    (
        "Perfusionist supply and demand",
        "/api/v1/workforce/projection.svg?width=480",
    ),
];

/// The oEmbed address of `src`, as a CMS would ask for it.
fn oembed_address(links: &SiteLinks, src: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("url", src)
        .finish();
    links.ours(&format!("/oembed?{query}"))
}

fn gallery_page(links: &SiteLinks, style: &ChartStyle) -> Markup {
    let body = html! {
        main style="max-width:70rem" {
            h1 { "Widgets and charts for partner sites" }
            p { "Paste a snippet into your page. Widgets take " code { "theme=dark" } " and "
                code { "accent=%23a4262c" } "; charts also " code { "width" } " and " code { "height" } "." }
            @for (title, path, width, height) in WIDGETS {
                @let src = links.ours(path);
                @let snippet = html! {
                    iframe src=(src) title=(title) width=(width) height=(height) style="border:0" {}
                }.into_string();
                section {
                    h2 { (title) }
                    (PreEscaped(&snippet))
                    p { "Snippet:" }
                    pre { code { (snippet) } }
                    p class="muted" { "oEmbed: " code { (oembed_address(links, &src)) } }
                }
            }
            @for (alt, path) in CHARTS {
                @let src = links.ours(path);
                @let snippet = html! { img src=(src) alt=(alt); }.into_string();
                section {
                    h2 { (alt) " (chart)" }
                    (PreEscaped(&snippet))
                    p { "Snippet:" }
                    pre { code { (snippet) } }
                }
            }
        }
    };
    layout("Widgets and charts for partner sites", style, body)
}
