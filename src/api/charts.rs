//! Charts as plain images a partner site puts in an `<img>`: a staffing metric's series
//! (`/api/v1/staffing-statistics/{key}/chart.svg`) and the workforce projection
//! (`/api/v1/workforce/projection.svg`). Accessible SVG (`role="img"`, a `<title>` and a `<desc>`
//! with the figures in words), drawn by a maud template, so every text is escaped.

use actix_web::{get, http::header, http::StatusCode, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::Query;
use super::responses::{NotModified, Unavailable};
use super::staffing::KeyParam;
use super::workforce::{ProjectionParams, WorkforceProjection};
use crate::domain::chart::{
    format_number, nice_ticks, Accent, Palette, Scale, Theme, DEFAULT_HEIGHT, DEFAULT_WIDTH,
    HEIGHT, WIDTH,
};
use crate::domain::{figure_date_label, MetricUnit};
use crate::errors::{ApiResult, Problem, QueryResultExt, Validator};
use crate::http::cache::cached_response;
use crate::models::staffing;
use crate::state::AppState;

/// What an SVG answer may do: draw, with its own inline styles, and nothing else.
pub const SVG_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

const NO_METRIC: &str = "There is no staffing metric with this key.";

/// How a chart is drawn.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChartParams {
    /// Width in pixels, 200 to 1200 (default 600).
    #[param(minimum = 200, maximum = 1200, default = 600)]
    pub width: Option<u32>,
    /// Height in pixels, 120 to 800 (default 300).
    #[param(minimum = 120, maximum = 800, default = 300)]
    pub height: Option<u32>,
    /// `light` (default) or `dark`.
    #[param(inline)]
    pub theme: Option<Theme>,
    /// The line colour: a hex colour such as `#a4262c` (send `#` as `%23`, or leave it out).
    #[param(pattern = "^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    pub accent: Option<String>,
}

/// A chart's size and colours, checked.
pub struct ChartStyle {
    pub width: u32,
    pub height: u32,
    pub palette: Palette,
    pub accent: String,
    /// Draw the title on the chart (a widget shows it as its heading instead).
    pub titled: bool,
}

impl ChartParams {
    /// The style these parameters ask for; what is wrong goes to `v` under the parameter's name.
    pub fn check(&self, v: &mut Validator) -> Option<ChartStyle> {
        let bounded = |v: &mut Validator,
                       field: &str,
                       x: Option<u32>,
                       range: std::ops::RangeInclusive<u32>,
                       default: u32| {
            let x = x.unwrap_or(default);
            v.check(
                field,
                if range.contains(&x) {
                    Ok(x)
                } else {
                    Err(format!("must be from {} to {}", range.start(), range.end()))
                },
            )
        };
        let width = bounded(v, "width", self.width, WIDTH, DEFAULT_WIDTH);
        let height = bounded(v, "height", self.height, HEIGHT, DEFAULT_HEIGHT);
        let palette = self.theme.unwrap_or_default().palette();
        let accent = match self.accent.as_deref() {
            Some(a) => v
                .check("accent", Accent::parse(a))
                .map(|a| a.as_str().to_owned()),
            None => Some(palette.default_accent.to_owned()),
        };
        Some(ChartStyle {
            width: width?,
            height: height?,
            palette,
            accent: accent?,
            titled: true,
        })
    }
}

/// The SVG answer: image/svg+xml with its ETag, the public cache headers and a CSP that lets
/// it do nothing but draw.
fn svg_response(req: &HttpRequest, chart: Markup) -> HttpResponse {
    cached_response(
        req,
        StatusCode::OK,
        "image/svg+xml; charset=utf-8",
        chart.into_string().into_bytes(),
        &[(header::CONTENT_SECURITY_POLICY, SVG_CSP.to_owned())],
    )
}

/// A metric's series as an accessible SVG line chart: its dated figures over time and its
/// current figure (an undated headline is drawn as a dashed level), with the unit, the years
/// and the source on the chart.
#[utoipa::path(
    operation_id = "getStaffingStatisticChart",
    tag = "Staffing",
    params(("key" = String, Path, description = "The metric's key"), ChartParams),
    responses(
        (status = 200, description = "The chart", content_type = "image/svg+xml", body = String,
        headers(("ETag" = String), ("Cache-Control" = String), ("Content-Security-Policy" = String))),
        (status = 400, description = "A bad parameter, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No metric with this key", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/staffing-statistics/{key}/chart.svg")]
pub async fn staffing_chart(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<KeyParam>,
    params: Query<ChartParams>,
) -> ApiResult<HttpResponse> {
    let mut v = Validator::default();
    let style = params.0.check(&mut v);
    v.finish()?;
    let style = style.expect("a bad parameter was recorded above");
    let mut conn = state.pool.get().await?;
    let metric = staffing::find_metric(&mut conn, key.as_str())
        .await
        .or_404(NO_METRIC)?;
    let current = staffing::current(&mut conn, &[metric.id]).await?;
    let series = staffing::series(&mut conn, metric.id).await?;
    let chart = MetricChart::new(&metric, current.values().next(), &series);
    Ok(svg_response(&req, chart.render(&style)))
}

/// The workforce projection as an accessible SVG chart: supply and demand year by year (the
/// same parameters and defaults as the JSON projection), with the figures in words.
#[utoipa::path(
    operation_id = "getWorkforceProjectionChart",
    tag = "Staffing",
    params(ProjectionParams, ChartParams),
    responses(
        (status = 200, description = "The chart", content_type = "image/svg+xml", body = String,
        headers(("ETag" = String), ("Cache-Control" = String), ("Content-Security-Policy" = String))),
        (status = 400, description = "A bad parameter, named in `errors`", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/workforce/projection.svg")]
pub async fn projection_chart(
    req: HttpRequest,
    state: web::Data<AppState>,
    projection: Query<ProjectionParams>,
    chart: Query<ChartParams>,
) -> ApiResult<HttpResponse> {
    // One query, read as the projection's parameters and as the chart's.
    let (projection, chart) = (projection.0, chart.0);
    let mut v = Validator::default();
    let style = chart.check(&mut v);
    v.finish()?;
    let style = style.expect("a bad parameter was recorded above");
    let mut conn = state.pool.get().await?;
    let inputs = projection.resolve(&mut conn).await?;
    let projected = inputs.project(Utc::now().year());
    Ok(svg_response(&req, projection_svg(&projected, &style)))
}

/// One line of a chart.
struct Line {
    label: String,
    color: String,
    dashed: bool,
    /// (x, y, what the point says on hover)
    points: Vec<(f64, f64, String)>,
}

/// A line chart, ready to draw.
struct LineChart {
    title: String,
    desc: String,
    y_label: String,
    source: String,
    x_domain: (f64, f64),
    x_ticks: Vec<(f64, String)>,
    y_values: Vec<f64>,
    lines: Vec<Line>,
    /// A dashed level across the plot, with its label (an undated current figure).
    level: Option<(f64, String)>,
}

/// The approximate width of a character at `size` px (for cutting text that cannot wrap).
fn fits(text: &str, width: f64, size: f64) -> String {
    let max = (width / (size * 0.56)).floor().max(4.0) as usize;
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

impl LineChart {
    fn render(&self, style: &ChartStyle) -> Markup {
        let (w, h) = (f64::from(style.width), f64::from(style.height));
        let p = &style.palette;
        let (left, right, top, bottom) = (60.0, 16.0, 44.0, 46.0);
        let mut ys = self.y_values.clone();
        if let Some((level, _)) = &self.level {
            ys.push(*level);
        }
        let y_min = ys.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
        let y_max = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let y_ticks = nice_ticks(y_min, if y_max.is_finite() { y_max } else { 1.0 }, 4);
        let (t0, t1) = (y_ticks[0], *y_ticks.last().unwrap_or(&1.0));
        let y = Scale::new((t0, t1), (h - bottom, top));
        let x = Scale::new(self.x_domain, (left + 8.0, w - right - 8.0));
        let font = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif";
        html! {
            svg xmlns="http://www.w3.org/2000/svg" width=(style.width) height=(style.height)
                viewBox={"0 0 " (style.width) " " (style.height)} role="img"
                aria-labelledby="chart-title chart-desc" style=(font) {
                title id="chart-title" { (self.title) }
                desc id="chart-desc" { (self.desc) }
                rect width="100%" height="100%" fill=(p.background) {}
                @if style.titled {
                    text x="12" y="22" font-size="15" font-weight="600" fill=(p.text) {
                        (fits(&self.title, w - 24.0, 15.0))
                    }
                }
                text x="12" y="38" font-size="11" fill=(p.muted) { (self.y_label) }
                @for t in &y_ticks {
                    line x1=(left) x2=(w - right) y1=(y.map(*t)) y2=(y.map(*t))
                        stroke=(p.grid) stroke-width="1" {}
                    text x=(left - 6.0) y=(y.map(*t) + 4.0) font-size="11" text-anchor="end"
                        fill=(p.muted) { (format_number(*t)) }
                }
                @for (tx, label) in &self.x_ticks {
                    text x=(x.map(*tx)) y=(h - bottom + 16.0) font-size="11" text-anchor="middle"
                        fill=(p.muted) { (label) }
                }
                @if let Some((level, label)) = &self.level {
                    line x1=(left) x2=(w - right) y1=(y.map(*level)) y2=(y.map(*level))
                        stroke=(style.accent) stroke-width="2" stroke-dasharray="6 4" {}
                    text x=(w - right) y=(y.map(*level) - 6.0) font-size="11" text-anchor="end"
                        fill=(p.text) { (fits(label, w - left - right, 11.0)) }
                }
                @for line in &self.lines {
                    @if line.points.len() > 1 {
                        polyline fill="none" stroke=(line.color) stroke-width="2.5"
                            stroke-dasharray=[line.dashed.then_some("7 5")]
                            points=(line.points.iter().map(|(px, py, _)| format!("{:.1},{:.1}", x.map(*px), y.map(*py))).collect::<Vec<_>>().join(" ")) {}
                    }
                    @if line.points.len() <= 12 {
                        @for (px, py, says) in &line.points {
                            circle cx=(format!("{:.1}", x.map(*px))) cy=(format!("{:.1}", y.map(*py))) r="4"
                                fill=(p.background) stroke=(line.color) stroke-width="2" {
                                title { (says) }
                            }
                        }
                    }
                }
                @if self.lines.len() > 1 {
                    @for (i, line) in self.lines.iter().enumerate() {
                        @let lx = w - right - 150.0 + 78.0 * i as f64;
                        line x1=(lx) x2=(lx + 18.0) y1="34" y2="34" stroke=(line.color)
                            stroke-width="2.5" stroke-dasharray=[line.dashed.then_some("7 5")] {}
                        text x=(lx + 22.0) y="38" font-size="11" fill=(p.text) { (line.label) }
                    }
                }
                text x="12" y=(h - 10.0) font-size="11" fill=(p.muted) {
                    (fits(&self.source, w - 24.0, 11.0))
                }
            }
        }
    }
}

/// A date as a position on a time axis (years, with the day's share of its year).
fn year_of(d: NaiveDate) -> f64 {
    f64::from(d.year()) + f64::from(d.ordinal0()) / 366.0
}

fn unit_label(unit: MetricUnit) -> &'static str {
    match unit {
        MetricUnit::People => "people",
        MetricUnit::Percent => "percent",
        MetricUnit::PeoplePerYear => "people a year",
        MetricUnit::Positions => "positions",
    }
}

fn with_unit(v: f64, unit: MetricUnit) -> String {
    match unit {
        MetricUnit::Percent => format!("{}%", format_number(v)),
        _ => format_number(v),
    }
}

/// A staffing metric's chart, from its rows.
struct MetricChart(LineChart);

impl MetricChart {
    fn new(
        metric: &staffing::Metric,
        current: Option<&staffing::Observation>,
        series: &[staffing::Observation],
    ) -> Self {
        let unit = metric.unit;
        let dated: Vec<(NaiveDate, &staffing::Observation)> = series
            .iter()
            .filter_map(|o| o.as_of.map(|d| (d, o)))
            .collect();
        let points: Vec<(f64, f64, String)> = dated
            .iter()
            .map(|(d, o)| {
                (
                    year_of(*d),
                    o.value,
                    format!("{} on {d}: {}", with_unit(o.value, unit), o.source),
                )
            })
            .collect();
        let years: Vec<i32> = dated.iter().map(|(d, _)| d.year()).collect();
        let (first, last) = match (years.iter().min(), years.iter().max()) {
            (Some(a), Some(b)) => (*a, *b),
            _ => {
                let now = Utc::now().year();
                (now, now)
            }
        };
        let x_domain = (f64::from(first), f64::from(last) + 1.0);
        let step = ((last - first) / 5 + 1).max(1);
        let x_ticks = (first..=last + 1)
            .step_by(step as usize)
            .map(|y| (f64::from(y), y.to_string()))
            .collect();
        let in_words: Vec<String> = dated
            .iter()
            .map(|(d, o)| format!("{} on {d} ({})", with_unit(o.value, unit), o.source))
            .collect();
        let mut desc = format!("{}, in {}. ", metric.label, unit_label(unit));
        if in_words.is_empty() {
            desc.push_str("No dated figures. ");
        } else {
            desc.push_str(&format!("Dated figures: {}. ", in_words.join("; ")));
        }
        let level = current.filter(|o| o.as_of.is_none()).map(|o| {
            let label = format!(
                "Current figure {}, {}",
                with_unit(o.value, unit),
                figure_date_label(o.as_of, o.retrieved_at)
            );
            (o.value, label)
        });
        let source = match current {
            Some(o) => {
                desc.push_str(&format!(
                    "Current figure: {} ({}), from {}.",
                    with_unit(o.value, unit),
                    figure_date_label(o.as_of, o.retrieved_at),
                    o.source
                ));
                format!("Source: {}", o.source)
            }
            None => {
                desc.push_str("No current figure.");
                "No figures yet".to_owned()
            }
        };
        let y_values = series.iter().map(|o| o.value).collect();
        Self(LineChart {
            title: metric.label.clone(),
            desc,
            y_label: unit_label(unit).to_owned(),
            source,
            x_domain,
            x_ticks,
            y_values,
            lines: vec![Line {
                label: metric.label.clone(),
                color: String::new(),
                dashed: false,
                points,
            }],
            level,
        })
    }

    fn render(mut self, style: &ChartStyle) -> Markup {
        for line in &mut self.0.lines {
            line.color = style.accent.clone();
        }
        self.0.render(style)
    }
}

/// The projection's chart.
pub fn projection_svg(p: &WorkforceProjection, style: &ChartStyle) -> Markup {
    let series = &p.series;
    let (first, last) = match (series.first(), series.last()) {
        (Some(a), Some(b)) => (a, b),
        _ => unreachable!("a projection has at least the current year"),
    };
    let step = ((last.year - first.year) / 5).max(1);
    let x_ticks = (first.year..=last.year)
        .step_by(step as usize)
        .map(|y| (f64::from(y), y.to_string()))
        .collect();
    let supply = series
        .iter()
        .map(|y| {
            (
                f64::from(y.year),
                y.supply,
                format!("{}: supply {}", y.year, format_number(y.supply)),
            )
        })
        .collect();
    let demand = series
        .iter()
        .map(|y| {
            (
                f64::from(y.year),
                y.demand,
                format!("{}: demand {}", y.year, format_number(y.demand)),
            )
        })
        .collect();
    let desc = projection_summary(p);
    let start_from = starting_supply(p);
    let chart = LineChart {
        title: "Perfusionist supply and demand".into(),
        desc,
        y_label: "people".into(),
        source: format!("Stock-and-flow projection; {start_from}"),
        x_domain: (f64::from(first.year), f64::from(last.year)),
        x_ticks,
        y_values: series.iter().flat_map(|y| [y.supply, y.demand]).collect(),
        lines: vec![
            Line {
                label: "Supply".into(),
                color: style.accent.clone(),
                dashed: false,
                points: supply,
            },
            Line {
                label: "Demand".into(),
                color: style.palette.text.to_owned(),
                dashed: true,
                points: demand,
            },
        ],
        level: None,
    };
    chart.render(style)
}

/// Where the projection's supply starts, with its source and date when it came from a figure.
fn starting_supply(p: &WorkforceProjection) -> String {
    let start = &p.parameters.start_supply;
    match (&start.source, &start.date_label) {
        (Some(source), Some(date)) => {
            format!(
                "starting supply {} ({source}, {date})",
                format_number(start.value)
            )
        }
        _ => format!("starting supply {}", format_number(start.value)),
    }
}

/// The projection in words: the range of years, supply, demand and the gap, and the inputs.
pub fn projection_summary(p: &WorkforceProjection) -> String {
    let (Some(first), Some(last)) = (p.series.first(), p.series.last()) else {
        return String::new();
    };
    format!(
        "Projected perfusionist supply and demand from {} to {}. Supply goes from {} to {}; demand from {} to {}; the gap (demand minus supply, a shortage when positive) from {} to {}. Inputs: {}, {} graduates and {} leaving a year, demand growing {}% a year.",
        first.year,
        last.year,
        format_number(first.supply),
        format_number(last.supply),
        format_number(first.demand),
        format_number(last.demand),
        format_number(first.gap),
        format_number(last.gap),
        starting_supply(p),
        format_number(p.parameters.graduates_per_year.value),
        format_number(p.parameters.exits_per_year.value),
        format_number(p.parameters.demand_growth_percent.value),
    )
}
