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

/// The figure the statistics page shows first: the current count of certified perfusionists.
async fn first_figure(app: &TestApp) -> Value {
    app.get(STATISTICS).send_json().await["data"][0].clone()
}

/// The projection for `query`: its `data`.
async fn projection(app: &TestApp, query: &str) -> Value {
    let path = format!("/api/v1/workforce/projection{query}");
    app.get(&path).send_json().await["data"].clone()
}

#[tokio::test]
async fn each_metric_shows_its_current_sourced_figure() {
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
    assert_eq!(certified["basis"], "headline");
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
async fn the_page_figures_are_undated_headlines_taken_in_on_2026_11_23() {
    let app = TestApp::spawn().await;
    let page = app.get(STATISTICS).send_json().await;
    let rows = page["data"].as_array().unwrap();
    for key in [
        "certified_perfusionists",
        "workforce_over_50_percent",
        "annual_exits",
        "annual_graduates",
        "shortage",
    ] {
        let row = rows.iter().find(|r| r["key"] == key).unwrap();
        assert_eq!(row["basis"], "headline", "{key}");
        assert!(row["as_of"].is_null(), "{key}: the page gives no date");
        assert_eq!(row["retrieved_at"], "2026-11-23", "{key}");
        assert_eq!(row["date_label"], "undated (retrieved 2026-11-23)", "{key}");
        assert!(row["observation_id"].is_i64(), "{key}");
    }
}

#[tokio::test]
async fn a_metric_without_a_headline_shows_its_newest_dated_figure() {
    let app = TestApp::spawn().await;
    let page = app.get(STATISTICS).send_json().await;
    let retiring = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "retiring_within_10_years_percent")
        .unwrap()
        .clone();
    assert_eq!(retiring["value"], 38.2);
    assert_eq!(retiring["basis"], "newest");
    assert_eq!(retiring["as_of"], "2016-06-30");
    assert!(retiring["retrieved_at"].is_null());
    assert_eq!(retiring["date_label"], "2016-06-30");
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
    assert_eq!(
        values,
        vec![180, 150, 200],
        "dated oldest first, then the undated"
    );
    let dates: Vec<Value> = series.iter().map(|o| o["as_of"].clone()).collect();
    assert_eq!(
        dates,
        vec![json!("2017-12-31"), json!("2024-06-30"), Value::Null]
    );
    let labels: Vec<&str> = series
        .iter()
        .map(|o| o["date_label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        vec!["2017-12-31", "2024-06-30", "undated (retrieved 2026-11-23)"]
    );
    let headlines: Vec<bool> = series
        .iter()
        .map(|o| o["headline"].as_bool().unwrap())
        .collect();
    assert_eq!(headlines, vec![false, false, true]);
    assert!(series.iter().all(|o| o["source"].is_string()));
    assert_eq!(metric["value"], 200);
    assert_eq!(metric["basis"], "headline");
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
async fn a_newer_dated_observation_does_not_replace_an_editors_headline() {
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
    let current = first_figure(&app).await;
    assert_eq!(
        current["value"], 4522,
        "the page figure is still the headline"
    );
    assert_eq!(current["basis"], "headline");
    let series = app
        .get("/api/v1/staffing-statistics/certified_perfusionists")
        .send_json()
        .await["data"]["series"]
        .clone();
    let newest = series
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["as_of"] == "2026-11-24")
        .unwrap()
        .clone();
    assert_eq!(newest["value"], 4600, "it is in the series");
    assert_eq!(newest["headline"], false);
}

#[tokio::test]
async fn a_newer_dated_observation_becomes_the_figure_of_a_metric_without_a_headline() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let vacancy = "/api/v1/staffing-statistics/vacancy_rate_percent";
    let newer = json!({"value": 14.1, "as_of": "2025-06-30", "source": "2025 study"});
    let res = post_observation(&app, &editor, &format!("{vacancy}/observations"), newer).await;
    assert_eq!(res.status(), 201);
    let metric = app.get(vacancy).send_json().await["data"].clone();
    assert_eq!(metric["value"], 14.1);
    assert_eq!(metric["basis"], "newest");
    assert_eq!(metric["as_of"], "2025-06-30");
}

#[tokio::test]
async fn an_editor_moves_the_headline_and_the_projection_starts_from_it() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let metric = app
        .get("/api/v1/staffing-statistics/certified_perfusionists")
        .send_json()
        .await["data"]
        .clone();
    let michigan = metric["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["value"] == 3989)
        .unwrap()
        .clone();
    let path = format!("{CERTIFIED}/{}", michigan["id"]);
    let res = app
        .patch(&path)
        .token(&editor)
        .json(&json!({"headline": true}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let current = first_figure(&app).await;
    assert_eq!(current["value"], 3989);
    assert_eq!(current["basis"], "headline");
    assert_eq!(current["as_of"], "2022-05-01");
    let supply = &projection(&app, "").await["parameters"]["start_supply"];
    assert_eq!(supply["value"], 3989.0);
    assert_eq!(supply["observation_id"], michigan["id"]);
    assert_eq!(supply["as_of"], "2022-05-01");
    assert_eq!(supply["basis"], "headline");
    let series = app
        .get("/api/v1/staffing-statistics/certified_perfusionists")
        .send_json()
        .await["data"]["series"]
        .clone();
    let headlines: Vec<i64> = series
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["headline"] == true)
        .map(|o| o["value"].as_i64().unwrap())
        .collect();
    assert_eq!(headlines, vec![3989], "the page figure is no longer one");
}

#[tokio::test]
async fn without_a_headline_a_metric_falls_back_to_its_newest_dated_figure() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let id = first_figure(&app).await["observation_id"].clone();
    let res = app
        .patch(&format!("{CERTIFIED}/{id}"))
        .token(&editor)
        .json(&json!({"headline": false}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let current = first_figure(&app).await;
    assert_eq!(
        current["value"], 3989,
        "Michigan Medicine, 2022, the newest dated"
    );
    assert_eq!(current["basis"], "newest");
    let supply = &projection(&app, "").await["parameters"]["start_supply"];
    assert_eq!(supply["value"], 3989.0);
    assert_eq!(supply["basis"], "newest");
}

#[tokio::test]
async fn a_new_observation_can_be_the_headline_at_once() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let body = json!({"value": 4600, "retrieved_at": "2026-11-30", "source": "ABCP site", "headline": true});
    let res = post_observation(&app, &editor, CERTIFIED, body).await;
    assert_eq!(res.status(), 201);
    let current = first_figure(&app).await;
    assert_eq!(current["value"], 4600);
    assert_eq!(current["date_label"], "undated (retrieved 2026-11-30)");
    let metric = app
        .get("/api/v1/staffing-statistics/certified_perfusionists")
        .send_json()
        .await["data"]
        .clone();
    let headlines = metric["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["headline"] == true)
        .count();
    assert_eq!(headlines, 1);
}

#[tokio::test]
async fn an_observation_needs_its_date_or_the_day_it_was_taken_in_and_never_the_future() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let undated = json!({"value": 4600, "source": "Somebody"});
    let res = post_observation(&app, &editor, CERTIFIED, undated).await;
    let problem = assert_problem(res, 400).await;
    assert_eq!(fields(&problem), vec!["as_of"]);
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("retrieved_at"));
    let tomorrow = (Utc::now() + chrono::Duration::days(1))
        .date_naive()
        .to_string();
    for field in ["as_of", "retrieved_at"] {
        let future = json!({"value": 4600, field: tomorrow, "source": "Somebody"});
        let res = post_observation(&app, &editor, CERTIFIED, future).await;
        assert_eq!(fields(&assert_problem(res, 400).await), vec![field]);
    }
    // A dated observation cannot lose its date without saying when it was taken in.
    let location = add_newer_count(&app, &editor).await;
    let res = app
        .patch(&location)
        .token(&editor)
        .json(&json!({"as_of": null}))
        .send()
        .await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["as_of"]);
    let res = app
        .patch(&location)
        .token(&editor)
        .json(&json!({"as_of": null, "retrieved_at": "2026-11-24"}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let o = app.get(&location).send_json().await["data"].clone();
    assert!(o["as_of"].is_null());
    assert_eq!(o["retrieved_at"], "2026-11-24");
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
async fn removing_an_observation_leaves_the_headline_as_it_was() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let location = add_newer_count(&app, &editor).await;
    let res = app.delete(&location).token(&editor).send().await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get(&location).send().await, 404).await;
    assert_eq!(first_figure(&app).await["value"], 4522);
}

#[tokio::test]
async fn the_projection_defaults_to_the_current_figures_and_names_each_one() {
    let app = TestApp::spawn().await;
    let p = projection(&app, "").await;
    let params = &p["parameters"];
    assert_eq!(params["years"]["value"], 10.0);
    assert_eq!(params["years"]["origin"], "default");
    assert_eq!(params["graduates_per_year"]["value"], 200.0);
    let graduates = &params["graduates_per_year"];
    assert_eq!(graduates["origin"], "observation");
    assert_eq!(graduates["metric"], "annual_graduates");
    assert_eq!(graduates["basis"], "headline");
    assert!(graduates["observation_id"].is_i64());
    assert!(graduates["as_of"].is_null(), "the page figure is undated");
    assert_eq!(graduates["retrieved_at"], "2026-11-23");
    assert_eq!(graduates["date_label"], "undated (retrieved 2026-11-23)");
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

#[tokio::test]
async fn a_second_headline_is_impossible_even_under_concurrency() {
    use diesel::result::{DatabaseErrorKind, Error};
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let mut paths = Vec::new();
    for day in 1..=6 {
        let body =
            json!({"value": 4000 + day, "as_of": format!("2020-01-0{day}"), "source": "Count"});
        let res = post_observation(&app, &editor, CERTIFIED, body).await;
        assert_eq!(res.status(), 201);
        paths.push(res.headers()["location"].to_str().unwrap().to_owned());
    }
    // Six editors make six observations the headline at once, while two more post new ones
    // as the headline.
    let moves = paths.iter().map(|path| {
        app.patch(path)
            .token(&editor)
            .json(&json!({"headline": true}))
            .send()
    });
    let posts = (0..2).map(|i| {
        let body = json!({"value": 4100 + i, "retrieved_at": "2026-11-30", "source": "Count", "headline": true});
        app.post(CERTIFIED).token(&editor).json(&body).send()
    });
    let (moved, posted) = tokio::join!(
        futures_util::future::join_all(moves),
        futures_util::future::join_all(posts)
    );
    for res in moved.iter().chain(&posted) {
        assert!(res.status().is_success(), "{}", res.status());
    }
    let metric = app
        .get("/api/v1/staffing-statistics/certified_perfusionists")
        .send_json()
        .await["data"]
        .clone();
    let headlines: Vec<&Value> = metric["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["headline"] == true)
        .collect();
    assert_eq!(headlines.len(), 1, "one headline after the race");
    assert_eq!(metric["observation_id"], headlines[0]["id"]);
    // And the database itself refuses a second one.
    let second = diesel::sql_query(
        "UPDATE staffing_observations SET headline = true \
         WHERE id = (SELECT min(o.id) FROM staffing_observations o \
                     JOIN staffing_metrics m ON m.id = o.metric_id \
                     WHERE m.key = 'certified_perfusionists' AND NOT o.headline)",
    )
    .execute(&mut app.conn().await)
    .await;
    assert!(
        matches!(
            second,
            Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
        ),
        "{second:?}"
    );
}

#[tokio::test]
async fn the_dates_migration_moves_only_the_untouched_page_figures() {
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    conn.batch_execute(include_str!(
        "../../migrations/2026-12-01-000001_observation_dates/down.sql"
    ))
    .await
    .unwrap();
    // Before the migration, an editor corrected one page figure and added a figure of the same
    // day and source as another.
    diesel::sql_query("UPDATE staffing_observations SET value = 4523 WHERE value = 4522")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query(
        "INSERT INTO staffing_observations (metric_id, value, as_of, source) \
         SELECT id, 300, DATE '2026-11-23', 'Perfusion Partners page (''over 300'')' \
         FROM staffing_metrics WHERE key = 'annual_exits'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.batch_execute(include_str!(
        "../../migrations/2026-12-01-000001_observation_dates/up.sql"
    ))
    .await
    .unwrap();

    let metric = |key: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/staffing-statistics/{key}"))
                .send_json()
                .await["data"]
                .clone()
        }
    };
    let certified = metric("certified_perfusionists").await;
    assert_eq!(
        certified["value"], 4523,
        "the corrected figure is left as it was"
    );
    assert_eq!(certified["as_of"], "2026-11-23");
    assert_eq!(certified["basis"], "newest", "and is no headline");
    let over_50 = metric("workforce_over_50_percent").await;
    assert_eq!(over_50["basis"], "headline");
    assert!(over_50["as_of"].is_null());
    assert_eq!(over_50["retrieved_at"], "2026-11-23");
    let exits = metric("annual_exits").await;
    assert_eq!(exits["basis"], "headline");
    let series = exits["series"].as_array().unwrap();
    let editors_copy: Vec<&Value> = series
        .iter()
        .filter(|o| o["as_of"] == "2026-11-23")
        .collect();
    assert_eq!(editors_copy.len(), 1, "the editor's row keeps its date");
    assert_eq!(editors_copy[0]["headline"], false);
}
