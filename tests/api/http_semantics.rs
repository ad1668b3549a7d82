//! HTTP as RFC 9110 describes it, checked the way `curl -I`, a browser and a caching proxy
//! would meet it.

use perfusion_api::domain::Role;
use serde_json::Value;

use crate::helpers::{assert_problem, TestApp, TestRequest};

/// Every GET route of the spec, with its parameters filled from the seed.
async fn every_get_path(app: &TestApp) -> Vec<String> {
    let spec = app.get("/openapi.json").send_json().await;
    let first = async |list: &str, field: &str| {
        let body = app.get(list).send_json().await;
        body["data"][0][field].as_str().unwrap().to_owned()
    };
    let article = first("/api/v1/articles", "slug").await;
    let event = first("/api/v1/history-events", "slug").await;
    let metric = first("/api/v1/staffing-statistics", "key").await;
    let category = first("/api/v1/categories", "slug").await;
    let mut paths = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        if item.get("get").is_none() {
            continue;
        }
        let filled = path
            .replace("/articles/{slug}", &format!("/articles/{article}"))
            .replace(
                "/history-events/{slug}",
                &format!("/history-events/{event}"),
            )
            .replace(
                "/staffing-statistics/{key}",
                &format!("/staffing-statistics/{metric}"),
            )
            .replace("/categories/{slug}", &format!("/categories/{category}"));
        if !filled.contains('{') {
            paths.push(filled);
        }
    }
    paths
}

#[tokio::test]
async fn head_answers_every_get_route_with_the_same_status_and_headers_and_no_body() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let paths = every_get_path(&app).await;
    assert!(paths.len() > 20, "most GET routes are checked: {paths:?}");
    for path in paths {
        // Once as the public, once as an admin (admin routes answer 401 to the public).
        for token in [None, Some(&admin)] {
            let as_caller = |req: TestRequest| match token {
                Some(t) => req.token(t),
                None => req,
            };
            let get = as_caller(app.get(&path)).send().await;
            let head = as_caller(app.head(&path)).send().await;
            assert_eq!(head.status(), get.status(), "HEAD {path}");
            for name in ["etag", "cache-control", "content-type"] {
                assert_eq!(
                    head.headers().get(name),
                    get.headers().get(name),
                    "HEAD {path}: {name}"
                );
            }
            // The metrics change with every request, so their length may too.
            if path != "/metrics" {
                assert_eq!(
                    head.headers().get("content-length"),
                    get.headers().get("content-length"),
                    "HEAD {path}: content-length"
                );
            }
            assert!(
                head.bytes().await.unwrap().is_empty(),
                "HEAD {path} has no body"
            );
        }
    }
}

#[tokio::test]
async fn a_plain_options_lists_the_methods_and_allow_always_names_head_beside_get() {
    let app = TestApp::spawn().await;
    let res = app.options("/api/v1/history-events").send().await;
    assert_eq!(res.status(), 204);
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    for method in ["GET", "HEAD", "POST", "OPTIONS"] {
        assert!(allow.contains(method), "Allow: {allow}");
    }
    let res = app.put("/api/v1/articles").send().await;
    assert_eq!(res.status(), 405);
    assert!(res.headers()["allow"].to_str().unwrap().contains("HEAD"));
}

#[tokio::test]
async fn options_on_no_route_is_still_a_404() {
    let app = TestApp::spawn().await;
    let res = app.options("/nothing/here").send().await;
    assert_eq!(res.status(), 404, "OPTIONS on no route is still a 404");
}

#[tokio::test]
async fn docs_without_a_slash_redirect_to_the_docs() {
    let app = TestApp::spawn().await;
    let res = app.get("/docs").send().await;
    assert_eq!(res.status(), 308);
    assert_eq!(res.headers()["location"], "/docs/");
}

#[tokio::test]
async fn the_gzip_body_has_its_own_etag_and_either_etag_revalidates() {
    let app = TestApp::spawn().await;
    let get = |encoding: &'static str, if_none_match: Option<String>| {
        let req = app
            .get("/api/v1/history-events")
            .header("accept-encoding", encoding);
        match if_none_match {
            Some(tag) => req.header("if-none-match", tag),
            None => req,
        }
        .send()
    };
    let etag = |res: &reqwest::Response| res.headers()["etag"].to_str().unwrap().to_owned();
    let plain = get("identity", None).await;
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_tag = etag(&plain);
    let zipped = get("gzip", None).await;
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let zipped_tag = etag(&zipped);
    assert_ne!(
        plain_tag, zipped_tag,
        "two representations, two strong ETags"
    );
    assert!(!zipped_tag.starts_with("W/"), "still a strong ETag");

    // A gzip client revalidates with its own tag; the 304 names that tag.
    let res = get("gzip", Some(zipped_tag.clone())).await;
    assert_eq!(res.status(), 304);
    assert_eq!(etag(&res), zipped_tag);
    // A client holding the other representation's tag is current too.
    let res = get("identity", Some(zipped_tag.clone())).await;
    assert_eq!(res.status(), 304);
    let res = get("gzip", Some(plain_tag.clone())).await;
    assert_eq!(res.status(), 304);
    assert_eq!(etag(&res), plain_tag);

    // Any other coding is a representation of its own too.
    let deflated = get("deflate", None).await;
    if let Some(coding) = deflated.headers().get("content-encoding") {
        let coding = coding.to_str().unwrap().to_owned();
        let tag = etag(&deflated);
        assert_ne!(tag, plain_tag);
        assert_ne!(tag, zipped_tag);
        assert!(tag.ends_with(&format!("-{coding}\"")), "{tag}");
        let res = get("identity", Some(tag)).await;
        assert_eq!(res.status(), 304);
    }
}

#[tokio::test]
async fn the_openapi_document_has_an_etag_and_answers_304() {
    let app = TestApp::spawn().await;
    let res = app.get("/openapi.json").send().await;
    assert_eq!(res.status(), 200);
    let tag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = app
        .get("/openapi.json")
        .header("if-none-match", &tag)
        .send()
        .await;
    assert_eq!(res.status(), 304);
}

#[tokio::test]
async fn feeds_say_when_they_last_changed() {
    let app = TestApp::spawn().await;
    for feed in ["rss", "atom", "json"] {
        let res = app.get(&format!("/feeds/articles.{feed}")).send().await;
        assert_eq!(res.status(), 200);
        let modified = res.headers()["last-modified"].to_str().unwrap().to_owned();
        assert!(
            chrono::DateTime::parse_from_rfc2822(&modified.replace("GMT", "+0000")).is_ok(),
            "{feed}: Last-Modified {modified} is an HTTP date"
        );
    }
}

#[tokio::test]
async fn a_problems_type_resolves_to_a_page_that_explains_it() {
    let app = TestApp::spawn().await;
    let problem: Value = app
        .get("/api/v1/history-events/no-such-event")
        .send()
        .await
        .json()
        .await
        .unwrap();
    let type_ = problem["type"].as_str().unwrap();
    let page = app.get(type_).send().await;
    assert_eq!(page.status(), 200, "GET {type_}");
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.unwrap();
    assert!(html.contains(problem["title"].as_str().unwrap()), "{html}");
    assert!(html.contains("HTTP 404"));
}

#[tokio::test]
async fn an_unknown_problem_type_is_a_404_that_does_not_echo_markup() {
    let app = TestApp::spawn().await;
    let unknown = app.get("/problems/<script>").send().await;
    let body = assert_problem(unknown, 404).await;
    assert!(!body.to_string().contains("<script>"));
}
