//! Staffing statistics and the workforce projection, as a front end and a planner use them.

use chrono::{Datelike, Utc};
use perfusion_api::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, fields, TestApp};

const STATISTICS: &str = "/api/v1/staffing-statistics";
const CERTIFIED: &str = "/api/v1/staffing-statistics/certified_perfusionists/observations";

/// POSTs an observation to a metric's `observations` as the holder of `token`.
async fn post_observation(
    app: &TestApp,
    token: &str,
    observations: &str,
    body: Value,
) -> reqwest::Response {
    app.post(observations).token(token).json(&body).send().await
}

/// Adds a newer count of certified perfusionists (4600 as of 2026-11-24); returns the answer.
async fn post_newer_count(app: &TestApp, editor: &str) -> reqwest::Response {
    let newer = json!({"value": 4600, "as_of": "2026-11-24", "source": "ABCP annual report", "source_url": "https://abcp.example/report"});
    post_observation(app, editor, CERTIFIED, newer).await
}

/// Adds the newer count (see `post_newer_count`); returns its path.
async fn add_newer_count(app: &TestApp, editor: &str) -> String {
    let res = post_newer_count(app, editor).await;
    assert_eq!(res.status(), 201);
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// The figure the statistics page shows first: the latest count of certified perfusionists.
async fn first_figure(app: &TestApp) -> Value {
    app.get(STATISTICS).send_json().await["data"][0].clone()
}

/// The projection for `query`: its `data`.
async fn projection(app: &TestApp, query: &str) -> Value {
    let path = format!("/api/v1/workforce/projection{query}");
    app.get(&path).send_json().await["data"].clone()
}

#[tokio::test]
async fn each_metric_shows_its_latest_sourced_figure() {
    let app = TestApp::spawn().await;
    let page = app.get(STATISTICS).send_json().await;
    let rows = page["data"].as_array().unwrap();
    let keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
    for key in [
        "certified_perfusionists",
        "workforce_over_50_percent",
        "annual_exits",
        "annual_graduates",
        "shortage",
        "retiring_within_10_years_percent",
        "open_positions",
        "vacancy_rate_percent",
    ] {
        assert!(keys.contains(&key), "{key}");
    }
    assert_eq!(page["meta"]["total"], 8);
    let certified = &rows[0];
    assert_eq!(certified["key"], "certified_perfusionists");
    assert_eq!(certified["unit"], "people");
    assert_eq!(certified["value"], 4522, "a whole count is a JSON integer");
    assert_eq!(certified["as_of"], "2026-11-23");
    assert_eq!(
        certified["source_url"],
        "https://perfusionleaders.com/about-us/"
    );
    let over_50 = rows
        .iter()
        .find(|r| r["key"] == "workforce_over_50_percent")
        .unwrap();
    assert_eq!(over_50["value"], 44.3);
    assert_eq!(over_50["unit"], "percent");
}

#[tokio::test]
async fn a_metric_has_its_whole_series_oldest_first() {
    let app = TestApp::spawn().await;
    let metric = app
        .get("/api/v1/staffing-statistics/annual_graduates")
        .send_json()
        .await["data"]
        .clone();
    let series = metric["series"].as_array().unwrap();
    let values: Vec<i64> = series
        .iter()
        .map(|o| o["value"].as_i64().unwrap())
        .collect();
    assert_eq!(values, vec![180, 150, 200]);
    let dates: Vec<&str> = series
        .iter()
        .map(|o| o["as_of"].as_str().unwrap())
        .collect();
    assert_eq!(dates, vec!["2017-12-31", "2024-06-30", "2026-11-23"]);
    assert!(series.iter().all(|o| o["source"].is_string()));
    assert_eq!(metric["value"], 200);
}

#[tokio::test]
async fn an_unknown_or_malformed_metric_key_is_a_404() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/staffing-statistics/no_such_metric",
        "/api/v1/staffing-statistics/Not-A-Key",
    ] {
        assert_problem(app.get(path).send().await, 404).await;
    }
}

#[tokio::test]
async fn adding_an_observation_needs_a_token() {
    let app = TestApp::spawn().await;
    let res = app
        .post(CERTIFIED)
        .json(&json!({"value": 4600, "as_of": "2026-01-01", "source": "Anyone"}))
        .send()
        .await;
    assert_problem(res, 401).await;
}

#[tokio::test]
async fn an_observation_is_checked_against_its_metrics_unit_and_every_bad_field_is_named() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let bad =
        json!({"value": 4600.5, "as_of": "2999-01-01", "source": " ", "source_url": "ftp://x"});
    let res = post_observation(&app, &editor, CERTIFIED, bad).await;
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, vec!["as_of", "source", "source_url", "value"]);

    let over_100_percent = json!({"value": 101, "as_of": "2025-01-01", "source": "Survey"});
    let vacancy_rate = "/api/v1/staffing-statistics/vacancy_rate_percent/observations";
    let res = post_observation(&app, &editor, vacancy_rate, over_100_percent).await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["value"]);
}

#[tokio::test]
async fn a_newer_observation_becomes_the_latest_figure() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let res = post_newer_count(&app, &editor).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!(
            "/api/v1/staffing-statistics/certified_perfusionists/observations/{}",
            created["data"]["id"]
        )
    );
    let latest = first_figure(&app).await;
    assert_eq!(latest["value"], 4600);
    assert_eq!(latest["source"], "ABCP annual report");
}

#[tokio::test]
async fn an_observation_is_corrected_with_if_match_and_a_stale_etag_is_412() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let location = add_newer_count(&app, &editor).await;
    let res = app.get(&location).send().await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = app
        .patch(&location)
        .token(&editor)
        .if_match(&etag)
        .json(&json!({"value": 4610, "note": null}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .patch(&location)
        .token(&editor)
        .if_match(&etag)
        .json(&json!({"value": 4620}))
        .send()
        .await;
    assert_problem(res, 412).await;
    assert_eq!(app.get(&location).send_json().await["data"]["value"], 4610);
}

#[tokio::test]
async fn removing_the_latest_observation_shows_the_one_before_again() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let location = add_newer_count(&app, &editor).await;
    let res = app.delete(&location).token(&editor).send().await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get(&location).send().await, 404).await;
    assert_eq!(first_figure(&app).await["value"], 4522);
}

#[tokio::test]
async fn the_projection_defaults_to_the_latest_figures_and_says_so() {
    let app = TestApp::spawn().await;
    let p = projection(&app, "").await;
    let params = &p["parameters"];
    assert_eq!(params["years"]["value"], 10.0);
    assert_eq!(params["years"]["origin"], "default");
    assert_eq!(params["graduates_per_year"]["value"], 200.0);
    assert_eq!(params["graduates_per_year"]["origin"], "latest_observation");
    assert_eq!(params["graduates_per_year"]["metric"], "annual_graduates");
    assert_eq!(params["graduates_per_year"]["as_of"], "2026-11-23");
    assert_eq!(params["exits_per_year"]["value"], 300.0);
    assert_eq!(params["start_supply"]["value"], 4522.0);
    assert_eq!(params["start_shortage"]["value"], 100.0);
    assert_eq!(params["demand_growth_percent"]["origin"], "default");
    let series = p["series"].as_array().unwrap();
    assert_eq!(series.len(), 11);
    assert_eq!(series[0]["year"], Utc::now().year());
    assert_eq!(series[0]["gap"], 100.0);
    assert_eq!(
        series[10]["gap"], 1100.0,
        "200 in, 300 out: the gap grows 100 a year"
    );
    assert!(p["model"].as_str().unwrap().contains("supply(t+1)"));
}

#[tokio::test]
async fn a_planner_asks_what_if_we_graduate_250_a_year() {
    let app = TestApp::spawn().await;
    let p = projection(
        &app,
        "?years=20&graduates_per_year=250&demand_growth_percent=1&threshold=1000",
    )
    .await;
    assert_eq!(p["parameters"]["graduates_per_year"]["origin"], "query");
    let series = p["series"].as_array().unwrap();
    assert_eq!(series.len(), 21);
    // Supply falls by 50 a year; demand grows 1% a year.
    assert_eq!(series[1]["supply"], 4472.0);
    let d1 = series[1]["demand"].as_f64().unwrap();
    assert!((d1 - 4622.0 * 1.01).abs() < 1e-6);
    let first = p["first_year_gap_exceeds_threshold"].as_i64().unwrap();
    let row = series.iter().find(|y| y["year"] == first).unwrap();
    assert!(row["gap"].as_f64().unwrap() > 1000.0);
    let before = series.iter().find(|y| y["year"] == first - 1).unwrap();
    assert!(before["gap"].as_f64().unwrap() <= 1000.0);
}

#[tokio::test]
async fn balanced_flows_and_no_growth_keep_supply_flat() {
    let app = TestApp::spawn().await;
    let flat = projection(&app, "?graduates_per_year=300&exits_per_year=300").await;
    for y in flat["series"].as_array().unwrap() {
        assert_eq!(y["supply"], 4522.0);
    }
}

#[tokio::test]
async fn bad_projection_parameters_are_400s_naming_each_one() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("years=0", "years"),
        ("years=51", "years"),
        ("years=ten", "years"),
        ("graduates_per_year=-1", "graduates_per_year"),
        ("exits_per_year=NaN", "exits_per_year"),
        ("demand_growth_percent=inf", "demand_growth_percent"),
        ("demand_growth_percent=101", "demand_growth_percent"),
        ("start_supply=-5", "start_supply"),
        ("start_shortage=1e9", "start_shortage"),
        ("threshold=abc", "threshold"),
    ] {
        let res = app
            .get(&format!("/api/v1/workforce/projection?{query}"))
            .send()
            .await;
        assert_eq!(
            fields(&assert_problem(res, 400).await),
            vec![field],
            "{query}"
        );
    }
    let res = app
        .get("/api/v1/workforce/projection?years=0&graduates_per_year=-1")
        .send()
        .await;
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, vec!["graduates_per_year", "years"]);
}

#[tokio::test]
async fn a_projection_cannot_start_from_negative_demand() {
    let app = TestApp::spawn().await;
    let res = app
        .get("/api/v1/workforce/projection?start_supply=10&start_shortage=-11")
        .send()
        .await;
    assert_eq!(
        fields(&assert_problem(res, 400).await),
        vec!["start_shortage"]
    );
}

#[tokio::test]
async fn minus_zero_graduates_a_year_is_zero() {
    let app = TestApp::spawn().await;
    let p = projection(&app, "?graduates_per_year=-0").await;
    assert_eq!(
        p["parameters"]["graduates_per_year"]["value"].to_string(),
        "0.0"
    );
}
