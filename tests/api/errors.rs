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

/// Two transactions that lock rows 1 and 2 of a table of their own in opposite orders: one of
/// them is PostgreSQL's deadlock victim. Returns that one's error as the API answers it.
async fn deadlock_victim(app: &TestApp) -> perfusion_api::errors::ApiError {
    use diesel_async::{AsyncConnection, RunQueryDsl, SimpleAsyncConnection};
    let mut setup = app.conn().await;
    setup
        .batch_execute("CREATE TABLE deadlock_probe (id int PRIMARY KEY); INSERT INTO deadlock_probe VALUES (1), (2);")
        .await
        .unwrap();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    let run = |first: i32, second: i32| {
        let barrier = barrier.clone();
        async move {
            let mut conn = app.conn().await;
            conn.transaction::<(), diesel::result::Error, _>(async |tx| {
                let lock =
                    |id: i32| format!("SELECT id FROM deadlock_probe WHERE id = {id} FOR UPDATE");
                diesel::sql_query(lock(first)).execute(tx).await?;
                barrier.wait().await;
                diesel::sql_query(lock(second)).execute(tx).await?;
                Ok(())
            })
            .await
        }
    };
    let (a, b) = tokio::join!(run(1, 2), run(2, 1));
    match (a, b) {
        (Err(e), Ok(())) | (Ok(()), Err(e)) => e.into(),
        other => panic!("one deadlock victim expected, got {other:?}"),
    }
}

#[tokio::test]
async fn a_deadlock_victim_and_a_serialization_failure_are_503s_to_retry_not_500s() {
    use actix_web::ResponseError;
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    let app = TestApp::spawn().await;

    let victim = deadlock_victim(&app).await;
    let res = victim.error_response();
    assert_eq!(res.status(), 503, "{victim:?}");
    assert!(res.headers().contains_key("retry-after"));

    // Two repeatable-read transactions that change the same row: the second to commit fails.
    let (mut a, mut b) = (app.conn().await, app.conn().await);
    for conn in [&mut a, &mut b] {
        conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1 FROM deadlock_probe;")
            .await
            .unwrap();
    }
    let change = "UPDATE deadlock_probe SET id = id + 10 WHERE id = 1";
    diesel::sql_query(change).execute(&mut a).await.unwrap();
    a.batch_execute("COMMIT").await.unwrap();
    let failure: perfusion_api::errors::ApiError = diesel::sql_query(change)
        .execute(&mut b)
        .await
        .unwrap_err()
        .into();
    assert_eq!(failure.error_response().status(), 503, "{failure:?}");
}
