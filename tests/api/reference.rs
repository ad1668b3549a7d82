//! Certification and perfusion in practice: what a student reads, and what admins keep current.

use perfusion_api::domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, fields, TestApp};

async fn get_json(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).send().await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(m) = if_match {
        req = req.header("If-Match", m);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_student_reads_the_whole_path_to_the_ccp_credential() {
    let app = TestApp::spawn().await;
    let p = get_json(&app, "/api/v1/certification").await["data"].clone();
    assert_eq!(p["credential"]["code"], "CCP");
    assert_eq!(p["credential"]["name"], "Certified Clinical Perfusionist");
    assert!(p["credential"]["awarded_by"]
        .as_str()
        .unwrap()
        .contains("ABCP"));
    let titles: Vec<&str> = p["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        vec![
            "Earn a bachelor's degree",
            "Complete an accredited perfusion program",
            "Record 75 clinical perfusions",
            "Pass the Perfusion Basic Science Examination (PBSE)",
            "Perform 40 independent clinical perfusions after graduation",
            "Pass the Clinical Applications in Perfusion Examination (CAPE)",
            "Become a Certified Clinical Perfusionist (CCP)",
        ]
    );
    assert!(p["steps"][0]["source_url"].is_string());
    assert!(p["seed_page_says"].as_str().unwrap().contains("seventeen"));
    assert!(p["alternatives"][0]
        .as_str()
        .unwrap()
        .contains("same window"));
    assert!(p["correction"]
        .as_str()
        .unwrap()
        .contains("nothing is skipped"));
    assert_eq!(p["recertification"]["frequency"], "annual");
    assert!(p["accreditation"]["bodies"]
        .as_str()
        .unwrap()
        .contains("CAAHEP"));
    assert_eq!(
        p["accreditation"]["source_urls"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn a_student_finds_whether_their_state_needs_a_license() {
    let app = TestApp::spawn().await;
    let all = get_json(&app, "/api/v1/certification/licensure?limit=100").await;
    assert_eq!(all["meta"]["total"], 51, "50 states and DC");
    let rows = all["data"].as_array().unwrap();
    assert_eq!(rows.len(), 51);
    let by_code = |code: &str| rows.iter().find(|r| r["state"] == code).unwrap().clone();
    assert_eq!(by_code("NE")["license_required"], true);
    assert_eq!(by_code("TX")["license_required"], true);
    assert_eq!(by_code("CA")["license_required"], "title_protection");
    assert_eq!(by_code("AL")["license_required"], false);
    assert_eq!(by_code("DC")["name"], "District of Columbia");
    assert!(
        by_code("DC")["license_required"].is_null(),
        "the source covers states only: no guess for DC"
    );
    assert_eq!(by_code("NE")["as_of"], "2024-06-04");
    assert!(by_code("NE")["source_url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert_eq!(
        rows.iter()
            .filter(|r| r["license_required"] == true)
            .count(),
        18
    );
    // Paging by 20 covers every state once.
    let first = get_json(&app, "/api/v1/certification/licensure").await;
    assert_eq!(first["data"].as_array().unwrap().len(), 20);
    assert!(first["meta"]["next_cursor"].is_string());

    let one = get_json(&app, "/api/v1/certification/licensure/NY").await;
    assert_eq!(one["data"]["license_required"], true);
    assert_problem(
        app.get("/api/v1/certification/licensure/ZZ").send().await,
        404,
    )
    .await;
    assert_problem(
        app.get("/api/v1/certification/licensure/ny").send().await,
        404,
    )
    .await;
}

#[tokio::test]
async fn admins_keep_licensure_current() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let path = "/api/v1/certification/licensure/OR";
    let etag = app.get(path).send().await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let res = send(
        &app,
        Method::PATCH,
        path,
        &admin,
        Some(&etag),
        Some(json!({"license_required": true, "as_of": "2025-01-01", "source_url": "https://oregon.example/law", "note": null})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let row: Value = res.json().await.unwrap();
    assert_eq!(row["data"]["license_required"], true);
    assert!(row["data"]["note"].is_null());
    let res = send(
        &app,
        Method::PATCH,
        path,
        &admin,
        Some(&etag),
        Some(json!({"license_required": false})),
    )
    .await;
    assert_problem(res, 412).await;
    let res = send(
        &app,
        Method::PATCH,
        path,
        &admin,
        None,
        Some(json!({"license_required": "maybe", "as_of": "someday"})),
    )
    .await;
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, vec!["as_of", "license_required"]);
    let res = app
        .client
        .patch(app.url(path))
        .json(&json!({"license_required": false}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;
    // Reference data is the admins' to change; an editor gets 403.
    let writer = app.token(Role::Editor).await;
    for (method, path, body) in [
        (Method::PATCH, path, json!({"license_required": false})),
        (
            Method::POST,
            "/api/v1/certification/programs",
            json!({"name": "A", "institution": "B"}),
        ),
        (
            Method::POST,
            "/api/v1/certification/steps",
            json!({"title": "A"}),
        ),
        (
            Method::POST,
            "/api/v1/practice/steps",
            json!({"title": "A"}),
        ),
    ] {
        let res = send(&app, method, path, &writer, None, Some(body)).await;
        assert_problem(res, 403).await;
    }
}

#[tokio::test]
async fn the_programs_directory_starts_empty_and_reports_what_sources_count() {
    let app = TestApp::spawn().await;
    let page = get_json(&app, "/api/v1/certification/programs").await;
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["meta"]["total"], 0);
    assert_eq!(page["meta"]["limit"], 20);
    let counts: Vec<i64> = page["meta"]["reported_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, vec![17, 16, 19, 23], "the seed page's 17 first");
    assert!(page["meta"]["note"]
        .as_str()
        .unwrap()
        .contains("No authoritative"));

    let admin = app.token(Role::Admin).await;
    let res = send(
        &app,
        Method::POST,
        "/api/v1/certification/programs",
        &admin,
        None,
        Some(json!({"name": "Clinical Perfusion Education", "institution": "University of Nebraska Medical Center", "state": "Nebraska"})),
    )
    .await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["state"]);
    let res = send(
        &app,
        Method::POST,
        "/api/v1/certification/programs",
        &admin,
        None,
        Some(json!({"name": "Clinical Perfusion Education", "institution": "University of Nebraska Medical Center", "city": "Omaha", "state": "NE", "degree": "Master of Perfusion Science", "url": "https://www.unmc.edu/alliedhealth/"})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let program: Value = res.json().await.unwrap();
    assert_eq!(program["data"]["accreditation_status"], "accredited");
    let page = get_json(&app, "/api/v1/certification/programs").await;
    assert_eq!(page["meta"]["total"], 1);
    assert_eq!(page["data"][0]["city"], "Omaha");

    let res = send(
        &app,
        Method::PATCH,
        &location,
        &admin,
        None,
        Some(json!({"accreditation_status": "probation", "city": null})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["data"]["accreditation_status"], "probation");
    assert!(changed["data"]["city"].is_null());
    let res = send(&app, Method::DELETE, &location, &admin, None, None).await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get(&location).send().await, 404).await;
}

#[tokio::test]
async fn admins_add_reorder_and_remove_pathway_steps() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let res = send(
        &app,
        Method::POST,
        "/api/v1/certification/steps",
        &admin,
        None,
        Some(json!({"title": "Recertify every year", "source_url": "https://www.abcp.org/for-ccps/recertification/clinical-activity"})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let p = get_json(&app, "/api/v1/certification").await;
    let steps = p["data"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 8);
    assert_eq!(steps[7]["title"], "Recertify every year");
    assert_eq!(steps[7]["position"], 8);

    let res = send(
        &app,
        Method::PATCH,
        &location,
        &admin,
        None,
        Some(json!({"position": 0})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let p = get_json(&app, "/api/v1/certification").await;
    assert_eq!(p["data"]["steps"][0]["title"], "Recertify every year");
    let res = send(
        &app,
        Method::PATCH,
        &location,
        &admin,
        None,
        Some(json!({"title": ""})),
    )
    .await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["title"]);
    let res = send(&app, Method::DELETE, &location, &admin, None, None).await;
    assert_eq!(res.status(), 204);
    let p = get_json(&app, "/api/v1/certification").await;
    assert_eq!(p["data"]["steps"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn perfusion_in_practice_lists_three_types_and_seven_steps() {
    let app = TestApp::spawn().await;
    let p = get_json(&app, "/api/v1/practice").await["data"].clone();
    let slugs: Vec<&str> = p["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        vec!["cardiopulmonary-bypass", "ecmo", "isolated-limb-perfusion"]
    );
    assert!(p["types"][2]["summary"].as_str().unwrap().contains("1958"));
    assert!(p["types"][0]["source_url"].is_string());
    let steps: Vec<&str> = p["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(steps.len(), 7);
    assert_eq!(steps[0], "Pre-operative equipment inspection");
    assert_eq!(steps[6], "Reporting and continuous improvement");
    assert!(
        p["steps"][0]["detail"].is_null(),
        "the page gives titles only"
    );
}

#[tokio::test]
async fn admins_edit_perfusion_in_practice() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let res = app
        .client
        .post(app.url("/api/v1/practice/steps"))
        .json(&json!({"title": "Debrief"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;

    let path = "/api/v1/practice/types/ecmo";
    let etag = app.get(path).send().await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let res = send(
        &app,
        Method::PATCH,
        path,
        &admin,
        Some(&etag),
        Some(json!({"name": "ECMO"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = send(
        &app,
        Method::PATCH,
        path,
        &admin,
        Some(&etag),
        Some(json!({"name": "Again"})),
    )
    .await;
    assert_problem(res, 412).await;
    let res = send(
        &app,
        Method::PATCH,
        path,
        &admin,
        None,
        Some(json!({"slug": "cardiopulmonary-bypass"})),
    )
    .await;
    assert_problem(res, 409).await;

    let res = send(
        &app,
        Method::POST,
        "/api/v1/practice/steps",
        &admin,
        None,
        Some(json!({"title": "Debrief", "detail": "What went well, what to change."})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let p = get_json(&app, "/api/v1/practice").await;
    assert_eq!(p["data"]["steps"][7]["title"], "Debrief");
    assert_eq!(p["data"]["types"][1]["name"], "ECMO");
    let res = send(&app, Method::DELETE, &location, &admin, None, None).await;
    assert_eq!(res.status(), 204);
    let res = send(
        &app,
        Method::POST,
        "/api/v1/practice/types",
        &admin,
        None,
        Some(json!({"name": "Organ perfusion", "summary": "   "})),
    )
    .await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["summary"]);
}

#[tokio::test]
async fn reference_reads_are_cacheable() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/certification",
        "/api/v1/certification/programs",
        "/api/v1/certification/licensure",
        "/api/v1/practice",
        "/api/v1/staffing-statistics",
        "/api/v1/staffing-statistics/shortage",
        "/api/v1/workforce/projection?years=50",
    ] {
        let res = app
            .client
            .get(app.url(path))
            .header("Origin", "https://partner.example")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=60, stale-while-revalidate=300"
        );
        assert_eq!(
            res.headers()["access-control-allow-origin"],
            "https://partner.example",
            "{path}: any origin may read"
        );
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        let res = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .header("Origin", "https://partner.example")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 304, "{path}");
    }
}
