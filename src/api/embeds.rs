//! Widgets for partner sites: small self-contained HTML pages made to live in an iframe
//! (`/embed/*`). Inline styles only, no script, no fetch; `theme` and `accent` as a partner
//! asks; semantic, accessible HTML from maud templates (every text escaped). Who may frame
//! them is `EMBED_ALLOWED_ORIGINS` (see `http::semantics::frame_policy`). A bad parameter is a
//! small HTML page for a browser, problem+json for anything else.

use actix_web::{
    get, http::header, http::StatusCode, web, HttpRequest, HttpResponse, ResponseError,
};
use chrono::{Datelike, Utc};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;
use utoipa::IntoParams;

use super::charts::{projection_summary, projection_svg, ChartParams, ChartStyle};
use super::extract::parse_query;
use super::responses::{NotModified, Unavailable};
use super::staffing::KeyParam;
use super::workforce::ProjectionParams;
use crate::domain::chart::{format_number, Scale, Theme};
use crate::domain::{figure_date_label, MetricUnit};
use crate::errors::{ApiError, ApiResult, Problem, QueryResultExt, Validator};
use crate::http::cache::cached_response;
use crate::models::{history_event, staffing};
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
    fn style(&self, width: u32, height: u32) -> ApiResult<ChartStyle> {
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

/// A widget's answer: the page, or the error as a browser or a program wants it.
fn respond(req: &HttpRequest, page: ApiResult<Markup>) -> HttpResponse {
    match page {
        Ok(page) => cached_response(
            req,
            StatusCode::OK,
            "text/html; charset=utf-8",
            page.into_string().into_bytes(),
            &[],
        ),
        Err(e) if wants_html(req) => error_page(&e),
        Err(e) => e.error_response(),
    }
}

/// True when the client asked for HTML (a browser in an iframe does).
fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"))
}

/// The error as a small HTML page (never cached), for a person looking at the widget.
fn error_page(e: &ApiError) -> HttpResponse {
    if let ApiError::Internal(cause) = e {
        tracing::error!(error = format!("{cause:#}"), "internal error");
    }
    let problem = e.problem();
    let style = default_style();
    let page = layout(
        &problem.title,
        &style,
        html! {
            main {
                h1 { (problem.title) }
                p { (problem.detail) }
                @if let Some(errors) = &problem.errors {
                    ul {
                        @for err in errors {
                            li { code { (err.field) } " " (err.message) }
                        }
                    }
                }
            }
        },
    );
    HttpResponse::build(e.status_code())
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(page.into_string())
}

fn default_style() -> ChartStyle {
    let palette = Theme::Light.palette();
    ChartStyle {
        width: 600,
        height: 300,
        palette,
        accent: palette.default_accent.to_owned(),
        titled: false,
    }
}

/// The page around a widget: its own styles from the theme and the (validated) accent. The
/// style sheet is written from those colour values only, never from request or content text.
fn layout(title: &str, style: &ChartStyle, body: Markup) -> Markup {
    let p = &style.palette;
    let css = format!(
        "*{{box-sizing:border-box}}\
         body{{margin:0;padding:16px;background:{bg};color:{text};\
         font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}}\
         h1{{font-size:17px;margin:0 0 8px}}h2{{font-size:15px;margin:0}}p{{margin:0 0 8px}}\
         a{{color:{link}}}a:focus-visible{{outline:3px solid {link};outline-offset:2px}}\
         .figure{{font-size:34px;font-weight:700;line-height:1.2;margin:0}}\
         .muted{{color:{muted};font-size:13px}}\
         ol.timeline{{list-style:none;margin:0;padding:0}}\
         ol.timeline li{{border-left:3px solid {link};padding:0 0 12px 12px}}\
         svg{{max-width:100%;height:auto;display:block}}",
        bg = p.background,
        text = p.text,
        muted = p.muted,
        link = style.accent,
    );
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) }
                style { (PreEscaped(css)) }
            }
            body { (body) }
        }
    }
}

/// A link that opens in a new tab, leaving the partner's page.
fn out_link(href: &str, text: &str) -> Markup {
    html! { a href=(href) target="_blank" rel="noopener noreferrer" { (text) } }
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
        let params: ProjectionWidgetParams = parse_query(req.query_string())?;
        let (inputs, look) = params.split();
        let style = look.style(560, 280)?;
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

/// The projection widget's query: the projection's parameters and the widget's look.
#[derive(Debug, Default, Deserialize)]
pub struct ProjectionWidgetParams {
    pub years: Option<u32>,
    pub graduates_per_year: Option<f64>,
    pub exits_per_year: Option<f64>,
    pub demand_growth_percent: Option<f64>,
    pub start_supply: Option<f64>,
    pub start_shortage: Option<f64>,
    pub theme: Option<Theme>,
    pub accent: Option<String>,
}

impl ProjectionWidgetParams {
    fn split(self) -> (ProjectionParams, EmbedParams) {
        let inputs = ProjectionParams {
            years: self.years,
            graduates_per_year: self.graduates_per_year,
            exits_per_year: self.exits_per_year,
            demand_growth_percent: self.demand_growth_percent,
            start_supply: self.start_supply,
            start_shortage: self.start_shortage,
            threshold: None,
        };
        let look = EmbedParams {
            theme: self.theme,
            accent: self.accent,
        };
        (inputs, look)
    }
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
