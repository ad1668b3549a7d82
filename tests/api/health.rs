use perfusion_api::{
    config::{AppEnv, Secret},
    domain::Role,
};

use crate::helpers::{assert_problem, TestApp};

#[tokio::test]
async fn live_and_ready_answer_200_when_the_database_is_migrated() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/health/live").send().await.status(), 200);
    let ready = app.get("/health/ready").send().await;
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn ready_is_503_with_retry_after_when_the_database_is_down() {
    let app = TestApp::spawn_without_database().await;
    let res = app.get("/health/ready").send().await;
    assert!(res.headers().get("retry-after").is_some());
    assert_problem(res, 503).await;
}

#[tokio::test]
async fn live_does_not_depend_on_the_database() {
    let app = TestApp::spawn_without_database().await;
    assert_eq!(app.get("/health/live").send().await.status(), 200);
}

#[tokio::test]
async fn a_public_list_during_a_database_outage_is_a_503_to_retry_not_a_500() {
    let app = TestApp::spawn_without_database().await;
    let res = app.get("/api/v1/history-events").send().await;
    assert!(res.headers().get("retry-after").is_some());
    assert_problem(res, 503).await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/history-events/john-gibbon-s-perfusion-pump-keeps-animals-alive")
        .send()
        .await;
    app.get("/api/v1/history-events/no-such-event").send().await;
    let res = app.get("/metrics").send().await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = res.text().await.unwrap();
    let line = |status: &str| {
        text.lines().find(|l| {
            l.starts_with("http_requests_total{")
                && l.contains("route=\"/api/v1/history-events/{slug}\"")
                && l.contains(&format!("status=\"{status}\""))
        })
    };
    assert!(line("200").is_some_and(|l| l.ends_with(" 1")), "{text}");
    assert!(line("404").is_some(), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket{"));
    assert!(text.contains("db_pool_connections ") && text.contains("db_pool_waiters "));
}

#[tokio::test]
async fn every_response_has_security_headers_and_a_request_id_and_no_version_banner() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/history-events").send().await;
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers().get("x-request-id").is_some());
    assert!(res.headers().get("server").is_none());
}

#[tokio::test]
async fn a_request_id_the_client_sends_is_echoed_back() {
    let app = TestApp::spawn().await;
    let res = app
        .get("/health/live")
        .header("x-request-id", "abc-123")
        .send()
        .await;
    assert_eq!(res.headers()["x-request-id"], "abc-123");
}

#[tokio::test]
async fn any_origin_may_read_but_only_configured_origins_may_write() {
    let app =
        TestApp::spawn_with(|s| s.cors_allowed_origins = vec!["https://partner.example".into()])
            .await;
    let res = app
        .get("/api/v1/history-events")
        .header("origin", "https://anyone.example")
        .send()
        .await;
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://anyone.example"
    );

    let preflight = |origin: &'static str| {
        app.options("/api/v1/history-events")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let allowed = preflight("https://partner.example").await;
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://partner.example"
    );
    let refused = preflight("https://evil.example").await;
    assert!(refused
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let problem = assert_problem(refused, 403).await;
    assert_eq!(problem["code"], "forbidden");
}

#[tokio::test]
async fn a_partner_site_own_sign_up_form_may_post_from_any_origin_without_credentials() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/subscriptions",
        "/api/v1/subscriptions/confirm",
        "/api/v1/subscriptions/unsubscribe",
        "/api/v1/subscriptions/preferences",
    ] {
        let method = if path.ends_with("preferences") {
            "PUT"
        } else {
            "POST"
        };
        let res = app
            .options(path)
            .header("origin", "https://hospital.example")
            .header("access-control-request-method", method)
            .header("access-control-request-headers", "content-type")
            .send()
            .await;
        assert_eq!(res.status(), 200, "preflight of {method} {path}");
        assert_eq!(
            res.headers()["access-control-allow-origin"],
            "https://hospital.example"
        );
        assert!(res
            .headers()
            .get("access-control-allow-credentials")
            .is_none());
    }
    let res = app
        .post("/api/v1/subscriptions")
        .header("origin", "https://hospital.example")
        .json(&serde_json::json!({"email": "nurse@hospital.example", "topics": ["research"]}))
        .send()
        .await;
    assert_eq!(res.status(), 202);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://hospital.example"
    );
    // Editors' writes stay closed to origins that are not configured.
    let res = app
        .options("/api/v1/articles")
        .header("origin", "https://hospital.example")
        .header("access-control-request-method", "POST")
        .send()
        .await;
    assert_problem(res, 403).await;
}

#[tokio::test]
async fn the_committed_openapi_document_matches_the_code() {
    let generated = perfusion_api::openapi::spec_json();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap_or_default();
    assert!(
        generated == committed,
        "openapi/openapi.json is out of date. Regenerate it with:\n    cargo run -- openapi > openapi/openapi.json"
    );
}

#[tokio::test]
async fn the_openapi_document_and_the_docs_are_served() {
    let app = TestApp::spawn().await;
    let served = app.get("/openapi.json").send().await.text().await.unwrap();
    assert_eq!(
        served,
        perfusion_api::openapi::spec_json(),
        "the served document is the committed one"
    );
    let spec: serde_json::Value = serde_json::from_str(&served).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    let ops = &spec["paths"]["/api/v1/history-events/{slug}"];
    for method in ["get", "put", "patch", "delete"] {
        assert!(ops[method].is_object(), "{method} is documented");
    }
    assert_eq!(ops["patch"]["security"][0]["bearer"], serde_json::json!([]));
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    let docs = app.get("/docs/").send().await;
    assert_eq!(docs.status(), 200);
    assert!(docs
        .text()
        .await
        .unwrap()
        .to_lowercase()
        .contains("swagger"));
}

#[tokio::test]
async fn every_operation_has_its_own_lower_camel_case_operation_id() {
    let spec = serde_json::to_value(perfusion_api::openapi::spec()).unwrap();
    let mut seen = std::collections::HashMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && id.chars().all(|c| c.is_ascii_alphanumeric()),
                "{method} {path}: `{id}` is not lowerCamelCase"
            );
            if let Some(other) = seen.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("`{id}` names both {other} and {method} {path}");
            }
        }
    }
    assert!(seen.len() > 60, "every operation was looked at");
}

#[tokio::test]
async fn the_healthcheck_command_exits_0_on_a_ready_server_and_1_otherwise() {
    let app = TestApp::spawn().await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let run = |addr: String| {
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_perfusion-api"))
                .args(["healthcheck", "--addr", &addr])
                .output()
                .unwrap()
        })
    };
    let ok = run(addr).await.unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    let down = TestApp::spawn_without_database().await;
    let not_ready = run(down.address.trim_start_matches("http://").to_owned())
        .await
        .unwrap();
    assert_eq!(not_ready.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&not_ready.stderr).contains("not ready"));

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let nobody = run(format!("127.0.0.1:{port}")).await.unwrap();
    assert_eq!(nobody.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("cannot connect"));
}

#[tokio::test]
async fn every_error_response_shows_an_example_of_its_own_status() {
    let spec: serde_json::Value =
        serde_json::from_str(&perfusion_api::openapi::spec_json()).unwrap();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let Some(media) = response["content"].get("application/problem+json") else {
                    continue;
                };
                let example = &media["example"];
                assert_eq!(
                    example["status"].to_string(),
                    *status,
                    "{method} {path} {status}: {example}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked} error responses checked");
}

const METRICS_TOKEN: &str = "a-metrics-token-of-32-characters!";

/// The metrics text, or the status when there is none.
async fn scrape(app: &TestApp, bearer: Option<&str>) -> Result<String, u16> {
    let mut req = app.get("/metrics");
    if let Some(token) = bearer {
        req = req.token(token);
    }
    let res = req.send().await;
    match res.status().as_u16() {
        200 => Ok(res.text().await.unwrap()),
        status => {
            assert_problem(res, status).await;
            Err(status)
        }
    }
}

#[tokio::test]
async fn in_production_metrics_are_not_served_on_the_public_port_without_a_token() {
    let app = TestApp::spawn_with(|s| s.app_env = AppEnv::Production).await;
    let admin = app.token(Role::Admin).await;
    assert_eq!(scrape(&app, None).await, Err(404));
    assert_eq!(
        scrape(&app, Some(&admin)).await,
        Err(404),
        "not for admins either"
    );
    assert_eq!(scrape(&app, Some(METRICS_TOKEN)).await, Err(404));
}

#[tokio::test]
async fn with_a_metrics_token_only_its_bearer_may_scrape() {
    for env in [AppEnv::Production, AppEnv::Development] {
        let app = TestApp::spawn_with(|s| {
            s.app_env = env;
            s.metrics_token = Some(Secret::new(METRICS_TOKEN));
        })
        .await;
        let admin = app.token(Role::Admin).await;
        let res = app.get("/metrics").send().await;
        assert!(res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
        assert_problem(res, 401).await;
        assert_eq!(
            scrape(&app, Some(&admin)).await,
            Err(401),
            "{env:?}: an admin's JWT"
        );
        let almost = &METRICS_TOKEN[..METRICS_TOKEN.len() - 1];
        assert_eq!(scrape(&app, Some(almost)).await, Err(401));
        let text = scrape(&app, Some(METRICS_TOKEN)).await.unwrap();
        assert!(text.contains("http_requests_total{"), "{env:?}: {text}");
    }
}

#[tokio::test]
async fn metrics_on_a_private_address_of_their_own_leave_the_public_port() {
    let app = TestApp::spawn_with(|s| {
        s.app_env = AppEnv::Production;
        s.metrics_bind_addr = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    app.get("/api/v1/history-events").send().await;
    assert_eq!(scrape(&app, None).await, Err(404));

    let private = app.metrics_address.clone().expect("a metrics listener");
    let res = app
        .client
        .get(format!("{private}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total{")
            && l.contains("route=\"/api/v1/history-events\"")),
        "the public port's requests are counted: {text}"
    );
    // The private listener serves metrics and nothing else.
    let res = app
        .client
        .get(format!("{private}/api/v1/history-events"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
