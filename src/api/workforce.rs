//! The workforce projection: `/api/v1/workforce/projection`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Query;
use super::responses::{NotModified, Unavailable};
use super::staffing::Basis;
use crate::http::{cache::json_ok, envelope::Item};
use crate::{
    domain::{figure_date_label, Projection},
    errors::{ApiResult, Problem, Validator},
    models::staffing,
    state::AppState,
};

/// The projection's parameters; each one left out defaults as its description says.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectionParams {
    /// Years to project, 1 to 50 (default 10).
    #[param(minimum = 1, maximum = 50, default = 10)]
    pub years: Option<u32>,
    /// New perfusionists a year, 0 to 1,000,000 (default: the current `annual_graduates`).
    #[param(minimum = 0, maximum = 1000000)]
    pub graduates_per_year: Option<f64>,
    /// Perfusionists leaving a year, 0 to 1,000,000 (default: the current `annual_exits`).
    #[param(minimum = 0, maximum = 1000000)]
    pub exits_per_year: Option<f64>,
    /// Yearly growth of demand in percent, -50 to 100 (default 0).
    #[param(minimum = -50, maximum = 100, default = 0)]
    pub demand_growth_percent: Option<f64>,
    /// Perfusionists now, 0 to 10,000,000 (default: the current `certified_perfusionists`).
    #[param(minimum = 0, maximum = 10000000)]
    pub start_supply: Option<f64>,
    /// Unfilled demand now, -10,000,000 to 10,000,000 (default: the current `shortage`).
    #[param(minimum = -10000000, maximum = 10000000)]
    pub start_shortage: Option<f64>,
    /// Report the first year the gap exceeds this, -10,000,000 to 10,000,000.
    #[param(minimum = -10000000, maximum = 10000000)]
    pub threshold: Option<f64>,
}

/// Where a parameter's value came from.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParameterOrigin {
    /// Given in the query.
    Query,
    /// The model's fixed default.
    Default,
    /// The current figure of a staffing metric: its headline observation, else its newest
    /// dated one (see `basis`).
    Observation,
}

/// A parameter as used, and where it came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct Parameter {
    pub value: f64,
    pub origin: ParameterOrigin,
    /// For `observation`: the metric's key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// For `observation`: which observation (its id, in the metric's series).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observation_id: Option<i64>,
    /// For `observation`: `headline` (an editor's choice) or `newest` (the newest dated one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
    /// For `observation`: the day the value describes; absent when its source is undated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
    /// For an undated `observation`: the day it was taken from its source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrieved_at: Option<NaiveDate>,
    /// For `observation`: its date as it can be shown (`undated (retrieved 2026-11-23)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_label: Option<String>,
    /// For `observation`: who says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
}

impl Parameter {
    fn fixed(value: f64, origin: ParameterOrigin) -> Self {
        Self {
            value,
            origin,
            metric: None,
            observation_id: None,
            basis: None,
            as_of: None,
            retrieved_at: None,
            date_label: None,
            source: None,
            source_url: None,
        }
    }
}

/// The parameters used.
#[derive(Debug, Serialize, ToSchema)]
pub struct Parameters {
    pub years: Parameter,
    pub graduates_per_year: Parameter,
    pub exits_per_year: Parameter,
    pub demand_growth_percent: Parameter,
    pub start_supply: Parameter,
    pub start_shortage: Parameter,
}

/// One year of the projection.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectionYear {
    #[schema(example = 2026)]
    pub year: i32,
    pub supply: f64,
    pub demand: f64,
    /// demand - supply: positive is a shortage.
    pub gap: f64,
}

/// The projection: the parameters used, the model, and one row a year from the current one.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkforceProjection {
    pub parameters: Parameters,
    /// The model, as formulas.
    pub model: String,
    #[schema(required = true)]
    pub threshold: Option<f64>,
    /// The first year whose gap exceeds `threshold` (null without a threshold, or if none does).
    #[schema(required = true)]
    pub first_year_gap_exceeds_threshold: Option<i32>,
    pub series: Vec<ProjectionYear>,
}

const MODEL: &str = "supply(0) = start_supply; supply(t+1) = max(0, supply(t) + graduates_per_year - exits_per_year); demand(0) = start_supply + start_shortage; demand(t) = demand(0) * (1 + demand_growth_percent/100)^t; gap(t) = demand(t) - supply(t)";

/// A numeric parameter within `range`, or the error for `field`.
fn bounded(
    v: &mut Validator,
    field: &str,
    value: Option<f64>,
    range: std::ops::RangeInclusive<f64>,
) -> Option<f64> {
    // `+ 0.0` turns -0 into 0.
    let x = value? + 0.0;
    let ok = x.is_finite() && range.contains(&x);
    v.check(
        field,
        if ok {
            Ok(x)
        } else {
            Err(format!(
                "must be a number from {} to {}",
                range.start(),
                range.end()
            ))
        },
    )
}

/// A parameter: as given in the query (`None` if it was invalid, already reported), else the
/// current figure of `metric`.
async fn resolve(
    conn: &mut AsyncPgConnection,
    v: &mut Validator,
    (field, given, checked): (&str, Option<f64>, Option<f64>),
    metric: &str,
) -> ApiResult<Option<Parameter>> {
    if given.is_some() {
        return Ok(checked.map(|x| Parameter::fixed(x, ParameterOrigin::Query)));
    }
    Ok(match staffing::current_by_key(conn, metric).await? {
        Some(o) => Some(Parameter {
            value: o.value,
            origin: ParameterOrigin::Observation,
            metric: Some(metric.to_owned()),
            observation_id: Some(o.id),
            basis: Some(if o.headline {
                Basis::Headline
            } else {
                Basis::Newest
            }),
            date_label: Some(figure_date_label(o.as_of, o.retrieved_at)),
            as_of: o.as_of,
            retrieved_at: o.retrieved_at,
            source: Some(o.source),
            source_url: o.source_url,
        }),
        None => {
            v.push(
                field,
                format!("must be given: `{metric}` has no observation to default to"),
            );
            None
        }
    })
}

/// Projects perfusionist supply and demand year by year.
///
/// A stock-and-flow model: `supply(0) = start_supply`;
/// `supply(t+1) = max(0, supply(t) + graduates_per_year - exits_per_year)`;
/// `demand(0) = start_supply + start_shortage`;
/// `demand(t) = demand(0) * (1 + demand_growth_percent / 100)^t`;
/// `gap(t) = demand(t) - supply(t)`, a shortage when positive. The series has one row for the
/// current year (t = 0) and one for each of the next `years`. Parameters left out default to
/// the current figure of the matching staffing metric (`annual_graduates`, `annual_exits`,
/// `certified_perfusionists`, `shortage`: its headline observation, else its newest dated one),
/// and the response names each default's observation with its date (`as_of`, or `retrieved_at`
/// for an undated figure).
#[utoipa::path(
    operation_id = "getWorkforceProjection",
    tag = "Staffing",
    params(ProjectionParams),
    responses(
        (status = 200, description = "The projection", body = Item<WorkforceProjection>, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 400, description = "A parameter out of range, named in `errors`", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/workforce/projection")]
pub async fn projection(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<ProjectionParams>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let inputs = params.0.resolve(&mut conn).await?;
    Ok(json_ok(&req, &Item::new(inputs.project(Utc::now().year()))))
}

/// The projection's inputs once checked and completed: every value with where it came from.
pub struct ProjectionInputs {
    years: u32,
    parameters: Parameters,
    threshold: Option<f64>,
}

impl ProjectionParams {
    /// Checks every parameter and fills each one left out from its metric's current figure;
    /// a 400 names every bad or missing parameter at once.
    pub async fn resolve(self, conn: &mut AsyncPgConnection) -> ApiResult<ProjectionInputs> {
        let p = self;
        let mut v = Validator::default();
        let years = match p.years {
            None => Some(10),
            Some(y) if (1..=50).contains(&y) => Some(y),
            Some(_) => {
                v.push("years", "must be from 1 to 50");
                None
            }
        };
        let graduates = bounded(
            &mut v,
            "graduates_per_year",
            p.graduates_per_year,
            0.0..=1e6,
        );
        let exits = bounded(&mut v, "exits_per_year", p.exits_per_year, 0.0..=1e6);
        let growth = bounded(
            &mut v,
            "demand_growth_percent",
            p.demand_growth_percent,
            -50.0..=100.0,
        );
        let supply = bounded(&mut v, "start_supply", p.start_supply, 0.0..=1e7);
        let shortage = bounded(&mut v, "start_shortage", p.start_shortage, -1e7..=1e7);
        let threshold = bounded(&mut v, "threshold", p.threshold, -1e7..=1e7);
        let graduates = resolve(
            conn,
            &mut v,
            ("graduates_per_year", p.graduates_per_year, graduates),
            "annual_graduates",
        )
        .await?;
        let exits = resolve(
            conn,
            &mut v,
            ("exits_per_year", p.exits_per_year, exits),
            "annual_exits",
        )
        .await?;
        let supply = resolve(
            conn,
            &mut v,
            ("start_supply", p.start_supply, supply),
            "certified_perfusionists",
        )
        .await?;
        let shortage = resolve(
            conn,
            &mut v,
            ("start_shortage", p.start_shortage, shortage),
            "shortage",
        )
        .await?;
        if let (Some(s), Some(short)) = (&supply, &shortage) {
            if s.value + short.value < 0.0 {
                v.push(
                    "start_shortage",
                    "must not be below -start_supply (demand cannot be negative)",
                );
            }
        }
        v.finish()?;
        let (Some(years), Some(graduates), Some(exits), Some(supply), Some(shortage)) =
            (years, graduates, exits, supply, shortage)
        else {
            unreachable!("a missing or invalid parameter was recorded above")
        };
        let years_origin = if p.years.is_some() {
            ParameterOrigin::Query
        } else {
            ParameterOrigin::Default
        };
        Ok(ProjectionInputs {
            years,
            parameters: Parameters {
                years: Parameter::fixed(f64::from(years), years_origin),
                graduates_per_year: graduates,
                exits_per_year: exits,
                demand_growth_percent: match growth {
                    Some(g) => Parameter::fixed(g, ParameterOrigin::Query),
                    None => Parameter::fixed(0.0, ParameterOrigin::Default),
                },
                start_supply: supply,
                start_shortage: shortage,
            },
            threshold,
        })
    }
}

impl ProjectionInputs {
    /// Runs the model from `start_year`.
    pub fn project(self, start_year: i32) -> WorkforceProjection {
        let p = &self.parameters;
        let model = Projection {
            years: self.years,
            graduates_per_year: p.graduates_per_year.value,
            exits_per_year: p.exits_per_year.value,
            demand_growth_percent: p.demand_growth_percent.value,
            start_supply: p.start_supply.value,
            start_shortage: p.start_shortage.value,
        };
        let series: Vec<ProjectionYear> = model
            .run()
            .into_iter()
            .map(|y| ProjectionYear {
                year: start_year + y.t as i32,
                supply: y.supply,
                demand: y.demand,
                gap: y.gap,
            })
            .collect();
        let first_year_gap_exceeds_threshold = self
            .threshold
            .and_then(|t| series.iter().find(|y| y.gap > t).map(|y| y.year));
        WorkforceProjection {
            parameters: self.parameters,
            model: MODEL.into(),
            threshold: self.threshold,
            first_year_gap_exceeds_threshold,
            series,
        }
    }
}
