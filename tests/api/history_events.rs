use perfusion_api::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, fields, TestApp};

const EVENTS: &str = "/api/v1/history-events";
const GIBBON: &str =
    "/api/v1/history-events/first-successful-total-cardiopulmonary-bypass-in-a-human";

/// POSTs an event as the holder of `token`; returns the answer.
async fn post_event(app: &TestApp, token: &str, event: &Value) -> reqwest::Response {
    app.post(EVENTS).token(token).json(event).send().await
}

/// The slugs of a page of events, in order.
fn slugs(page: &Value) -> Vec<&str> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap())
        .collect()
}

/// The ETag the public reads for `path`.
async fn etag(app: &TestApp, path: &str) -> String {
    let res = app.get(path).send().await;
    res.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_visitor_reads_the_seeded_timeline_in_chronological_order() {
    let app = TestApp::spawn().await;
    let res = app.get(EVENTS).send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let body: Value = res.json().await.unwrap();
    let events = body["data"].as_array().unwrap();
    assert_eq!(events.len(), 8);
    assert_eq!(body["meta"]["total"], 8);
    assert_eq!(body["meta"]["limit"], 20);
    assert!(body["meta"]["next_cursor"].is_null());
    let years: Vec<i64> = events.iter().map(|e| e["year"].as_i64().unwrap()).collect();
    assert!(years.windows(2).all(|w| w[0] <= w[1]), "{years:?}");
    assert_eq!(years.first(), Some(&1851));
    assert_eq!(years.last(), Some(&1980));
    // The sourced facts, not the seed page's slips: Gibbon's 1953 operation, with its source.
    let gibbon = events.iter().find(|e| e["year"] == 1953).unwrap();
    assert_eq!(
        gibbon["source_url"],
        "https://library.jefferson.edu/archives/collections/highlights/Gibbon"
    );
    assert!(gibbon["people"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "John H. Gibbon Jr."));
}

#[tokio::test]
async fn pages_follow_the_cursor_and_the_link_header_without_repeats() {
    let app = TestApp::spawn().await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/history-events?limit=3".to_owned();
    loop {
        let res = app.get(&path).send().await;
        assert_eq!(res.status(), 200);
        let link = res
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_owned());
        let body: Value = res.json().await.unwrap();
        seen.extend(slugs(&body).into_iter().map(str::to_owned));
        match body["meta"]["next_cursor"].as_str() {
            Some(_) => {
                let link = link.expect("a Link header when there is a next page");
                assert!(
                    link.ends_with("; rel=\"next\"") && link.contains("limit=3"),
                    "{link}"
                );
                path = link
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap()
                    .to_owned();
            }
            None => {
                assert!(link.is_none());
                break;
            }
        }
    }
    assert_eq!(seen.len(), 8);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 8, "no event twice: {seen:?}");
}

#[tokio::test]
async fn an_event_inserted_while_paging_does_not_make_a_reader_see_one_twice() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let first: Value = app
        .get("/api/v1/history-events?limit=4")
        .send()
        .await
        .json()
        .await
        .unwrap();
    // An editor adds an event that sorts before everything already read.
    let early = json!({"title": "Early experiment", "summary": "Before all others.", "year": 1600});
    let res = post_event(&app, &token, &early).await;
    assert_eq!(res.status(), 201);
    let cursor = first["meta"]["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(&format!("/api/v1/history-events?limit=10&cursor={cursor}"))
        .send()
        .await
        .json()
        .await
        .unwrap();
    let (a, b) = (slugs(&first), slugs(&second));
    assert_eq!(
        a.len() + b.len(),
        8,
        "every event that existed is read once: {a:?} {b:?}"
    );
    assert!(a.iter().all(|s| !b.contains(s)));
}

#[tokio::test]
async fn one_event_by_slug_has_a_strong_etag_and_is_publicly_cacheable() {
    let app = TestApp::spawn().await;
    let res = app.get(GIBBON).send().await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong etag {etag}"
    );
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=60, stale-while-revalidate=300"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["year"], 1953);
}

#[tokio::test]
async fn one_event_revalidates_with_a_304_for_its_etag_and_a_200_for_another() {
    let app = TestApp::spawn().await;
    let etag = etag(&app, GIBBON).await;
    let cached = app.get(GIBBON).header("if-none-match", &etag).send().await;
    assert_eq!(cached.status(), 304);
    assert_eq!(cached.headers()["etag"].to_str().unwrap(), etag);
    assert!(cached.text().await.unwrap().is_empty());

    let other = app
        .get(GIBBON)
        .header("if-none-match", "\"something-else\"")
        .send()
        .await;
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn an_unknown_slug_is_a_404_problem() {
    let app = TestApp::spawn().await;
    let res = app
        .get("/api/v1/history-events/never-happened")
        .send()
        .await;
    assert_problem(res, 404).await;
}

#[tokio::test]
async fn writing_without_a_token_is_a_401_with_www_authenticate() {
    let app = TestApp::spawn().await;
    let body = json!({"title": "T", "summary": "S", "year": 1990});
    for req in [
        app.post(EVENTS).json(&body),
        app.patch(GIBBON).json(&body),
        app.put(GIBBON).json(&body),
        app.delete(GIBBON),
    ] {
        let res = req.send().await;
        assert!(res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
        assert_problem(res, 401).await;
    }
}

#[tokio::test]
async fn an_editor_adds_an_event_and_the_public_sees_it() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let event = json!({
        "title": "  First pediatric ECMO survivor  ",
        "summary": "Robert Bartlett's team supported a newborn, Esperanza, with ECMO.",
        "year": 1975,
        "people": ["Robert H. Bartlett"],
        "source_url": "https://example.org/ecmo"
    });
    let res = post_event(&app, &token, &event).await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()["location"],
        "/api/v1/history-events/first-pediatric-ecmo-survivor"
    );
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["data"]["title"], "First pediatric ECMO survivor");
    assert_eq!(created["data"]["year_is_approximate"], false);

    let public: Value = app.get(EVENTS).send().await.json().await.unwrap();
    assert_eq!(public["meta"]["total"], 9);
    let slugs = slugs(&public);
    let pos = slugs
        .iter()
        .position(|s| *s == "first-pediatric-ecmo-survivor")
        .unwrap();
    assert_eq!(
        slugs[pos - 1],
        "extended-perfusion-membrane-lungs-and-the-first-prolonged-ecmo",
        "between 1971 and 1980"
    );
}

#[tokio::test]
async fn a_title_that_is_taken_gets_a_numbered_slug() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let again = json!({"title": "John Gibbon's perfusion pump keeps animals alive", "summary": "Again.", "year": 1935});
    let res = post_event(&app, &token, &again).await;
    assert_eq!(
        res.headers()["location"],
        "/api/v1/history-events/john-gibbon-s-perfusion-pump-keeps-animals-alive-2"
    );
}

#[tokio::test]
async fn a_taken_explicit_slug_is_409() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let taken = json!({"slug": "john-gibbon-s-perfusion-pump-keeps-animals-alive", "title": "T", "summary": "S", "year": 1935});
    let res = post_event(&app, &token, &taken).await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn required_fields_are_named_when_missing() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let res = post_event(&app, &token, &json!({})).await;
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, ["summary", "title", "year"]);
}

#[tokio::test]
async fn a_future_year_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let next_year = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    let event = json!({"title": "T", "summary": "S", "year": next_year});
    let res = post_event(&app, &token, &event).await;
    assert_eq!(fields(&assert_problem(res, 400).await), ["year"]);
}

#[tokio::test]
async fn patch_changes_only_the_given_fields() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let etag = etag(&app, GIBBON).await;
    let res = app
        .patch(GIBBON)
        .token(&token)
        .if_match(&etag)
        .json(&json!({"year_is_approximate": true, "source_url": null}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["data"]["year_is_approximate"], true);
    assert!(changed["data"]["source_url"].is_null());
    assert_eq!(changed["data"]["year"], 1953, "untouched");
}

#[tokio::test]
async fn a_patch_with_a_stale_etag_is_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let etag = etag(&app, GIBBON).await;
    let res = app
        .patch(GIBBON)
        .token(&token)
        .if_match(&etag)
        .json(&json!({"year_is_approximate": true, "source_url": null}))
        .send()
        .await;
    assert_eq!(res.status(), 200);

    // The same (now stale) ETag again: someone else changed it meanwhile.
    let res = app
        .patch(GIBBON)
        .token(&token)
        .if_match(&etag)
        .json(&json!({"year": 1952}))
        .send()
        .await;
    assert_problem(res, 412).await;
    let now = app.get(GIBBON).send_json().await;
    assert_eq!(
        now["data"]["year"], 1953,
        "a refused change changes nothing"
    );
}

#[tokio::test]
async fn put_replaces_the_event_and_can_rename_it() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let res = app
        .put(GIBBON)
        .token(&token)
        .json(&json!({"slug": "gibbon-1953", "title": "Gibbon's first success", "summary": "Total bypass, 26 minutes.", "year": 1953}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["slug"], "gibbon-1953");
    assert_eq!(
        body["data"]["people"],
        json!([]),
        "PUT replaces the whole event"
    );
    let renamed = app.get("/api/v1/history-events/gibbon-1953").send().await;
    assert_eq!(renamed.status(), 200);
    assert_problem(app.get(GIBBON).send().await, 404).await;
}

#[tokio::test]
async fn delete_removes_the_event() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let res = app.delete(GIBBON).token(&token).send().await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get(GIBBON).send().await, 404).await;
    let again = app.delete(GIBBON).token(&token).send().await;
    assert_problem(again, 404).await;
    let list: Value = app.get(EVENTS).send().await.json().await.unwrap();
    assert_eq!(list["meta"]["total"], 7);
}

#[tokio::test]
async fn an_empty_patch_changes_nothing_and_answers_the_event() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let res = app
        .patch(GIBBON)
        .token(&token)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["year"], 1953);
}

#[tokio::test]
async fn a_slug_that_cannot_exist_is_a_404_not_a_database_error() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/history-events/a%00b",
        "/api/v1/history-events/UPPER%20case",
    ] {
        assert_problem(app.get(path).send().await, 404).await;
    }
}
