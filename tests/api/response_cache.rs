//! The cache of rendered public responses: readers are served from memory, and never see an
//! answer older than the last write that finished before they asked.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use chrono::{SecondsFormat, Utc};
use perfusion_api::domain::Role;
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::TestApp;

fn x_cache(res: &Response) -> &str {
    res.headers()
        .get("x-cache")
        .map_or("none", |v| v.to_str().unwrap())
}

fn etag(res: &Response) -> String {
    res.headers()["etag"].to_str().unwrap().to_owned()
}

/// Reads `path` as the public does until it is served from the cache; returns its ETag. (Just
/// after start the cache stands aside until its listener hears PostgreSQL.)
async fn warm(app: &TestApp, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let res = app.get(path).send().await;
        assert_eq!(res.status(), 200, "{path}");
        if x_cache(&res) == "hit" {
            return etag(&res);
        }
        assert!(
            Instant::now() < deadline,
            "{path} is never served from the cache"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

const PAGE: &str = "/api/v1/articles?limit=3&category=perfusion-research";

#[tokio::test]
async fn the_same_question_in_another_order_is_served_from_memory_byte_for_byte() {
    let app = TestApp::spawn().await;
    let first_etag = warm(&app, PAGE).await;
    let first_body = app.get(PAGE).send().await.bytes().await.unwrap();

    let again = app
        .get("/api/v1/articles?category=perfusion-research&limit=3")
        .send()
        .await;
    assert_eq!(x_cache(&again), "hit");
    assert_eq!(etag(&again), first_etag);
    assert_eq!(
        again.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(
        again.headers()["cache-control"].to_str().unwrap(),
        "public, max-age=60, stale-while-revalidate=300"
    );
    assert_eq!(again.bytes().await.unwrap(), first_body);
}

#[tokio::test]
async fn a_revalidation_from_the_cache_is_a_304_with_the_same_validator() {
    let app = TestApp::spawn().await;
    let first_etag = warm(&app, PAGE).await;
    let res = app
        .get(PAGE)
        .header("If-None-Match", &first_etag)
        .send()
        .await;
    assert_eq!(res.status(), 304);
    assert_eq!(x_cache(&res), "hit");
    assert_eq!(etag(&res), first_etag);
}

#[tokio::test]
async fn an_editors_reads_never_come_from_the_shared_cache() {
    let app = TestApp::spawn().await;
    warm(&app, PAGE).await;
    let editor = app.token(Role::Editor).await;
    let res = app.get(PAGE).token(&editor).send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(x_cache(&res), "none");
    assert_eq!(res.headers()["cache-control"], "private, no-store");
}

#[tokio::test]
async fn errors_are_not_kept() {
    let app = TestApp::spawn().await;
    warm(&app, PAGE).await;
    for _ in 0..2 {
        let res = app.get("/api/v1/articles/no-such-article").send().await;
        assert_eq!(res.status(), 404);
        assert_ne!(x_cache(&res), "hit");
    }
}

/// One write and the public reads it must change.
struct Write {
    method: Method,
    /// `{location}` stands for the `Location` of the last 201.
    path: &'static str,
    body: Option<Value>,
    /// Read the ETag with the token first and send it as `If-Match`.
    if_match: bool,
    reads: &'static [&'static str],
}

fn write(
    method: Method,
    path: &'static str,
    body: Option<Value>,
    reads: &'static [&'static str],
) -> Write {
    Write {
        method,
        path,
        body,
        if_match: false,
        reads,
    }
}

/// Makes each write in turn as an admin, each after its reads were served from the cache, and
/// checks that every one of those reads is answered afresh, showing the change.
async fn each_write_is_seen_by_the_next_public_read(writes: impl IntoIterator<Item = Write>) {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let mut location = String::new();
    for w in writes {
        let path = w.path.replace("{location}", &location);
        let mut before = Vec::new();
        for read in w.reads {
            before.push(warm(&app, read).await);
        }
        let mut req = app.request(w.method.clone(), &path).token(&admin);
        if w.if_match {
            let current = app.get(&path).token(&admin).send().await;
            req = req.if_match(&etag(&current));
        }
        if let Some(body) = &w.body {
            req = req.json(body);
        }
        let res = req.send().await;
        let status = res.status();
        if let Some(l) = res.headers().get("location") {
            location = l.to_str().unwrap().to_owned();
        }
        assert!(
            status.is_success(),
            "{} {path}: {status} {}",
            w.method,
            res.text().await.unwrap()
        );
        for (read, old) in w.reads.iter().zip(before) {
            let res = app.get(read).send().await;
            assert_eq!(
                x_cache(&res),
                "miss",
                "after {} {path}, {read} is read afresh",
                w.method
            );
            if res.status() == 200 {
                assert_ne!(
                    etag(&res),
                    old,
                    "after {} {path}, {read} shows the change",
                    w.method
                );
            }
        }
    }
}

#[tokio::test]
async fn every_kind_of_article_write_is_seen_by_the_next_public_read() {
    let article = json!({
        "title": "Cache story", "body_markdown": "A story about caches.",
        "category": "perfusion-research", "status": "published", "tags": ["Cache Tag"],
    });
    each_write_is_seen_by_the_next_public_read([
        write(
            Method::POST,
            "/api/v1/articles",
            Some(article),
            &[
                "/api/v1/articles?limit=5",
                "/api/v1/tags",
                "/api/v1/categories",
                "/feeds/articles.rss",
                "/feeds/articles.atom",
                "/feeds/articles.json",
            ],
        ),
        Write {
            if_match: true,
            ..write(
                Method::PATCH,
                "/api/v1/articles/cache-story",
                Some(json!({"excerpt": "Changed."})),
                &["/api/v1/articles/cache-story", "/api/v1/articles?limit=5"],
            )
        },
        Write {
            if_match: true,
            ..write(
                Method::PUT,
                "/api/v1/articles/cache-story",
                Some(json!({
                    "title": "Cache story", "body_markdown": "Replaced.",
                    "category": "career-development", "status": "published",
                })),
                &["/api/v1/articles/cache-story"],
            )
        },
        write(
            Method::DELETE,
            "/api/v1/articles/cache-story",
            None,
            &["/api/v1/articles?limit=5", "/feeds/articles.rss"],
        ),
    ])
    .await;
}

#[tokio::test]
async fn every_kind_of_category_write_is_seen_by_the_next_public_read() {
    each_write_is_seen_by_the_next_public_read([
        write(
            Method::POST,
            "/api/v1/categories",
            Some(
                json!({"name": "Clinical Practice", "description": "At the pump.", "position": 5}),
            ),
            &["/api/v1/categories"],
        ),
        write(
            Method::PATCH,
            "/api/v1/categories/clinical-practice",
            Some(json!({"description": "Changed."})),
            &["/api/v1/categories/clinical-practice"],
        ),
        write(
            Method::DELETE,
            "/api/v1/categories/clinical-practice",
            None,
            &["/api/v1/categories"],
        ),
    ])
    .await;
}

#[tokio::test]
async fn every_kind_of_history_event_write_is_seen_by_the_next_public_read() {
    each_write_is_seen_by_the_next_public_read([
        write(
            Method::POST,
            "/api/v1/history-events",
            Some(
                json!({"title": "Early experiment", "summary": "Before all others.", "year": 1600}),
            ),
            &["/api/v1/history-events"],
        ),
        write(
            Method::PATCH,
            "/api/v1/history-events/early-experiment",
            Some(json!({"year": 1601})),
            &[
                "/api/v1/history-events/early-experiment",
                "/api/v1/history-events",
            ],
        ),
        write(
            Method::PUT,
            "/api/v1/history-events/early-experiment",
            Some(json!({"title": "Early experiment", "summary": "Replaced.", "year": 1601})),
            &["/api/v1/history-events/early-experiment"],
        ),
        write(
            Method::DELETE,
            "/api/v1/history-events/early-experiment",
            None,
            &["/api/v1/history-events"],
        ),
    ])
    .await;
}

#[tokio::test]
async fn every_kind_of_staffing_observation_write_is_seen_by_the_next_public_read() {
    each_write_is_seen_by_the_next_public_read([
        write(
            Method::POST,
            "/api/v1/staffing-statistics/certified_perfusionists/observations",
            Some(
                json!({"value": 4600, "as_of": "2026-11-24", "source": "ABCP annual report", "headline": true}),
            ),
            &[
                "/api/v1/staffing-statistics",
                "/api/v1/staffing-statistics/certified_perfusionists",
                "/api/v1/workforce/projection?years=5",
            ],
        ),
        write(
            Method::PATCH,
            "{location}",
            Some(json!({"value": 4610})),
            &["/api/v1/staffing-statistics"],
        ),
        write(
            Method::DELETE,
            "{location}",
            None,
            &["/api/v1/staffing-statistics"],
        ),
    ])
    .await;
}

#[tokio::test]
async fn every_kind_of_certification_write_is_seen_by_the_next_public_read() {
    each_write_is_seen_by_the_next_public_read([
        write(
            Method::POST,
            "/api/v1/certification/steps",
            Some(json!({"title": "Recertify every year"})),
            &["/api/v1/certification"],
        ),
        write(
            Method::PATCH,
            "{location}",
            Some(json!({"title": "Recertify yearly"})),
            &["/api/v1/certification"],
        ),
        write(
            Method::DELETE,
            "{location}",
            None,
            &["/api/v1/certification"],
        ),
        write(
            Method::POST,
            "/api/v1/certification/programs",
            Some(
                json!({"name": "Clinical Perfusion Education", "institution": "University of Nebraska Medical Center", "state": "NE"}),
            ),
            &["/api/v1/certification/programs"],
        ),
        write(
            Method::PATCH,
            "{location}",
            Some(json!({"city": "Omaha"})),
            &["/api/v1/certification/programs"],
        ),
        write(
            Method::DELETE,
            "{location}",
            None,
            &["/api/v1/certification/programs"],
        ),
        write(
            Method::PATCH,
            "/api/v1/certification/licensure/OR",
            Some(json!({"note": "Checked while testing the cache."})),
            &[
                "/api/v1/certification/licensure?limit=100",
                "/api/v1/certification/licensure/OR",
            ],
        ),
    ])
    .await;
}

#[tokio::test]
async fn every_kind_of_practice_write_is_seen_by_the_next_public_read() {
    each_write_is_seen_by_the_next_public_read([
        write(
            Method::POST,
            "/api/v1/practice/types",
            Some(json!({"name": "Organ perfusion", "summary": "Keeping a donor organ alive."})),
            &["/api/v1/practice"],
        ),
        write(
            Method::PATCH,
            "/api/v1/practice/types/organ-perfusion",
            Some(json!({"summary": "Changed."})),
            &["/api/v1/practice", "/api/v1/practice/types/organ-perfusion"],
        ),
        write(
            Method::DELETE,
            "/api/v1/practice/types/organ-perfusion",
            None,
            &["/api/v1/practice"],
        ),
        write(
            Method::POST,
            "/api/v1/practice/steps",
            Some(json!({"title": "Debrief", "detail": "What went well."})),
            &["/api/v1/practice"],
        ),
        write(
            Method::PATCH,
            "{location}",
            Some(json!({"detail": "What to change."})),
            &["/api/v1/practice"],
        ),
        write(Method::DELETE, "{location}", None, &["/api/v1/practice"]),
    ])
    .await;
}

#[tokio::test]
async fn a_change_made_elsewhere_reaches_this_instance_through_postgres() {
    // Another instance, or an operator in psql, changes a row: the trigger's NOTIFY drops
    // what this instance kept.
    let app = TestApp::spawn().await;
    let before = warm(&app, "/api/v1/history-events").await;
    use diesel_async::RunQueryDsl;
    let mut conn = app.conn().await;
    diesel::sql_query("UPDATE history_events SET summary = summary || ' (amended)'")
        .execute(&mut conn)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let res = app.get("/api/v1/history-events").send().await;
        if etag(&res) != before {
            break;
        }
        assert!(Instant::now() < deadline, "the notification never arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_scheduled_article_appears_on_time_even_on_cached_pages() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let at = Utc::now() + chrono::Duration::seconds(2);
    let res = app
        .post("/api/v1/articles")
        .token(&editor)
        .json(&json!({
            "title": "Embargoed results", "body_markdown": "Out at last.",
            "category": "perfusion-research", "status": "scheduled",
            "published_at": at.to_rfc3339_opts(SecondsFormat::Micros, true),
        }))
        .send()
        .await;
    assert_eq!(res.status(), 201);

    // Before its time the cached pages do not have it, and stay cached.
    let list = "/api/v1/articles?limit=1";
    warm(&app, list).await;
    warm(&app, "/feeds/articles.rss").await;
    let first = app.get(list).send_json().await;
    assert_ne!(first["data"][0]["slug"], "embargoed-results");

    // Nobody writes; the time comes. The very next reads show it.
    let wait = (at - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(50);
    tokio::time::sleep(wait).await;
    let now = app.get(list).send_json().await;
    assert_eq!(now["data"][0]["slug"], "embargoed-results");
    let rss = app.get("/feeds/articles.rss").send().await;
    assert!(rss.text().await.unwrap().contains("Embargoed results"));
    let one = app.get("/api/v1/articles/embargoed-results").send().await;
    assert_eq!(one.status(), 200);
}

#[tokio::test]
async fn every_read_that_starts_after_a_write_commits_sees_it() {
    let app = Arc::new(TestApp::spawn().await);
    let admin = app.token(Role::Admin).await;
    let path = "/api/v1/history-events?limit=100";
    warm(&app, path).await;

    // Readers hammer the list, noting when each read started and what it saw.
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..8 {
        let (app, stop) = (app.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let body = app.get(path).send().await.text().await.unwrap();
                seen.push((started, body.contains("Burst-time discovery")));
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let res = app
        .post("/api/v1/history-events")
        .token(&admin)
        .json(
            &json!({"title": "Burst-time discovery", "summary": "Found under load.", "year": 2001}),
        )
        .send()
        .await;
    assert_eq!(res.status(), 201);
    let committed = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);

    let mut after = 0;
    for reader in readers {
        for (started, saw_it) in reader.await.unwrap() {
            if started >= committed {
                after += 1;
                assert!(
                    saw_it,
                    "a read that started after the write answered missed it"
                );
            }
        }
    }
    assert!(
        after > 8,
        "the readers kept reading after the write ({after} reads)"
    );
}

#[tokio::test]
async fn with_the_cache_off_every_read_goes_to_the_database() {
    let app = TestApp::spawn_with(|s| s.response_cache_mb = 0).await;
    for _ in 0..2 {
        let res = app.get("/api/v1/articles").send().await;
        assert_eq!(res.status(), 200);
        assert_eq!(x_cache(&res), "none");
    }
}

async fn get_encoded(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> Response {
    let req = app.get(path);
    match accept_encoding {
        Some(accept) => req.header("Accept-Encoding", accept),
        None => req,
    }
    .send()
    .await
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip stream");
    out
}

const FEED: &str = "/feeds/articles.rss";

#[tokio::test]
async fn a_feed_reader_that_accepts_gzip_gets_the_stored_gzip_bytes() {
    let app = TestApp::spawn().await;
    let stored_etag = warm(&app, FEED).await;
    let plain = app.get(FEED).send().await;
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(
        plain.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("Accept-Encoding"),
        "both variants say what they depend on"
    );
    let plain = plain.bytes().await.unwrap();
    assert!(
        plain.len() >= 1024,
        "the feed is large enough to be compressed"
    );

    // Served from memory, compressed once: the same bytes on every hit, and they are the feed.
    let first = get_encoded(&app, FEED, Some("gzip, deflate, br")).await;
    assert_eq!(first.status(), 200);
    assert_eq!(x_cache(&first), "hit");
    assert_eq!(first.headers()["content-encoding"], "gzip");
    assert_eq!(
        etag(&first),
        format!("{}-gzip\"", stored_etag.trim_end_matches('"')),
        "the gzip body has an ETag of its own"
    );
    let first = first.bytes().await.unwrap();
    assert!(first.len() < plain.len() / 2, "gzip pays on a feed");
    assert_eq!(gunzip(&first), plain);
    let second = get_encoded(&app, FEED, Some("gzip")).await;
    assert_eq!(x_cache(&second), "hit");
    assert_eq!(second.bytes().await.unwrap(), first);
}

#[tokio::test]
async fn a_client_that_refuses_gzip_or_names_none_gets_the_plain_body_from_memory() {
    let app = TestApp::spawn().await;
    warm(&app, FEED).await;
    let plain = app.get(FEED).send().await.bytes().await.unwrap();
    for accept in [Some("gzip;q=0, identity"), Some("identity"), None] {
        let res = get_encoded(&app, FEED, accept).await;
        assert_eq!(x_cache(&res), "hit", "{accept:?}");
        assert!(
            res.headers().get("content-encoding").is_none(),
            "{accept:?}"
        );
        assert_eq!(res.bytes().await.unwrap(), plain, "{accept:?}");
    }
}

#[tokio::test]
async fn a_revalidation_of_a_stored_feed_is_a_304_whatever_the_client_accepts() {
    let app = TestApp::spawn().await;
    let stored_etag = warm(&app, FEED).await;
    let res = app
        .get(FEED)
        .header("Accept-Encoding", "gzip")
        .header("If-None-Match", &stored_etag)
        .send()
        .await;
    assert_eq!(res.status(), 304);
}

#[tokio::test]
async fn a_small_answer_is_stored_plain_and_compressed_as_before() {
    let app = TestApp::spawn().await;
    let path = "/api/v1/categories";
    warm(&app, path).await;
    let plain = app.get(path).send().await.bytes().await.unwrap();
    assert!(plain.len() < 1024, "the category list is small");
    let res = get_encoded(&app, path, Some("gzip")).await;
    assert_eq!(x_cache(&res), "hit");
    // The Compress middleware still answers the client's wish (per request, as for any answer).
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(gunzip(&res.bytes().await.unwrap()), plain);
}
