use crate::helpers::{assert_problem, fields, TestApp};
use perfusion_api::domain::Role;
use serde_json::json;

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = TestApp::spawn().await;
    let body = assert_problem(app.get("/api/v1/nothing-here").send().await, 404).await;
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let app = TestApp::spawn().await;
    let res = app.put("/api/v1/history-events").send().await;
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert_problem(res, 405).await;
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let res = app
        .post("/api/v1/history-events")
        .token(&token)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await;
    assert_eq!(assert_problem(res, 400).await["code"], "bad_request");
}

#[tokio::test]
async fn a_body_of_the_wrong_content_type_is_a_415() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let res = app
        .post("/api/v1/history-events")
        .token(&token)
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await;
    assert_problem(res, 415).await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let huge = json!({"title": "x", "summary": "y".repeat(70 * 1024), "year": 1953});
    let res = app
        .post("/api/v1/history-events")
        .token(&token)
        .json(&huge)
        .send()
        .await;
    assert_problem(res, 413).await;
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let app = TestApp::spawn_with(|s| s.max_body_bytes = 2048).await;
    let token = app.token(Role::Editor).await;
    let body = json!({"title": "x", "summary": "y".repeat(3000), "year": 1953});
    let res = app
        .post("/api/v1/history-events")
        .token(&token)
        .json(&body)
        .send()
        .await;
    assert_problem(res, 413).await;
}

#[tokio::test]
async fn every_invalid_field_is_named_at_once() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let body = json!({
        "slug": "Not A Slug", "title": "", "summary": 42, "year": 1066,
        "people": ["ok", ""], "source_url": "javascript:alert(1)", "colour": "red"
    });
    let res = app
        .post("/api/v1/history-events")
        .token(&token)
        .json(&body)
        .send()
        .await;
    let problem = assert_problem(res, 400).await;
    let named = fields(&problem);
    for field in [
        "slug",
        "title",
        "summary",
        "year",
        "people[1]",
        "source_url",
        "colour",
    ] {
        assert!(
            named.iter().any(|f| f == field),
            "{field} is named in {named:?}"
        );
    }
}

#[tokio::test]
async fn bad_query_parameters_are_named() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("cursor=%%%", "cursor"),
    ] {
        let res = app
            .get(&format!("/api/v1/history-events?{query}"))
            .send()
            .await;
        let problem = assert_problem(res, 400).await;
        assert_eq!(fields(&problem), vec![field.to_owned()], "{query}");
    }
}

#[tokio::test]
async fn a_method_a_literal_path_does_not_allow_is_a_405_even_beside_a_parameter_route() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let res = app
        .delete("/api/v1/admin/subscribers/stats")
        .token(&admin)
        .send()
        .await;
    assert_eq!(res.headers()["allow"], "GET, HEAD, OPTIONS");
    assert_problem(res, 405).await;
}

#[tokio::test]
async fn a_parameter_route_given_a_value_of_the_wrong_type_is_a_404() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let res = app
        .delete("/api/v1/certification/steps/not-a-number")
        .token(&admin)
        .send()
        .await;
    assert_problem(res, 404).await;
}
