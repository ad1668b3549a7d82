//! Staffing statistics and the workforce projection, as a front end and a planner use them.

use chrono::{Datelike, Utc};
use perfusion_api::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, fields, TestApp};

async fn get_json(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).send().await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn each_metric_shows_its_latest_sourced_figure() {
    let app = TestApp::spawn().await;
    let page = get_json(&app, "/api/v1/staffing-statistics").await;
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
    let metric =
        get_json(&app, "/api/v1/staffing-statistics/annual_graduates").await["data"].clone();
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
    assert_problem(
        app.get("/api/v1/staffing-statistics/no_such_metric")
            .send()
            .await,
        404,
    )
    .await;
    assert_problem(
        app.get("/api/v1/staffing-statistics/Not-A-Key")
            .send()
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn editors_add_correct_and_remove_observations_checked_by_unit() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let url = app.url("/api/v1/staffing-statistics/certified_perfusionists/observations");
    let res = app
        .client
        .post(&url)
        .json(&json!({"value": 4600, "as_of": "2026-01-01", "source": "Anyone"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;

    // Values are checked against the metric's unit; every bad field is named.
    let res = app
        .client
        .post(&url)
        .bearer_auth(&editor)
        .json(&json!({"value": 4600.5, "as_of": "2999-01-01", "source": " ", "source_url": "ftp://x"}))
        .send()
        .await
        .unwrap();
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, vec!["as_of", "source", "source_url", "value"]);
    let res = app
        .client
        .post(app.url("/api/v1/staffing-statistics/vacancy_rate_percent/observations"))
        .bearer_auth(&editor)
        .json(&json!({"value": 101, "as_of": "2025-01-01", "source": "Survey"}))
        .send()
        .await
        .unwrap();
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["value"]);

    // A newer observation becomes the latest.
    let res = app
        .client
        .post(&url)
        .bearer_auth(&editor)
        .json(&json!({"value": 4600, "as_of": "2026-11-24", "source": "ABCP annual report", "source_url": "https://abcp.example/report"}))
        .send()
        .await
        .unwrap();
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
    let list = get_json(&app, "/api/v1/staffing-statistics").await;
    assert_eq!(list["data"][0]["value"], 4600);
    assert_eq!(list["data"][0]["source"], "ABCP annual report");

    // Correct it (with If-Match), then remove it: the page's figure is the latest again.
    let res = app.get(&location).send().await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = app
        .client
        .patch(app.url(&location))
        .bearer_auth(&editor)
        .header("If-Match", &etag)
        .json(&json!({"value": 4610, "note": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .client
        .patch(app.url(&location))
        .bearer_auth(&editor)
        .header("If-Match", &etag)
        .json(&json!({"value": 4620}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 412).await;
    assert_eq!(get_json(&app, &location).await["data"]["value"], 4610);
    let res = app
        .client
        .delete(app.url(&location))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_problem(app.get(&location).send().await, 404).await;
    let list = get_json(&app, "/api/v1/staffing-statistics").await;
    assert_eq!(list["data"][0]["value"], 4522);
}

#[tokio::test]
async fn the_projection_defaults_to_the_latest_figures_and_says_so() {
    let app = TestApp::spawn().await;
    let p = get_json(&app, "/api/v1/workforce/projection").await["data"].clone();
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
    let p = get_json(
        &app,
        "/api/v1/workforce/projection?years=20&graduates_per_year=250&demand_growth_percent=1&threshold=1000",
    )
    .await["data"]
        .clone();
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

    // Balanced flows and no growth keep supply flat.
    let flat = get_json(
        &app,
        "/api/v1/workforce/projection?graduates_per_year=300&exits_per_year=300",
    )
    .await;
    for y in flat["data"]["series"].as_array().unwrap() {
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
    let p = get_json(&app, "/api/v1/workforce/projection?graduates_per_year=-0").await;
    assert_eq!(
        p["data"]["parameters"]["graduates_per_year"]["value"].to_string(),
        "0.0"
    );
}
