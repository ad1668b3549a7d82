//! Articles: what readers, editors, admins and partner sites do with them.

use std::{collections::HashSet, time::Duration};

use chrono::{SecondsFormat, Utc};
use perfusion_api::domain::{Markdown, Role};
use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, fields, TestApp};

const SEEDED: usize = 5;

const ARTICLES: &str = "/api/v1/articles";

/// POSTs an article as the holder of `token`; returns the answer.
async fn post_article(app: &TestApp, token: &str, body: &Value) -> Response {
    app.post(ARTICLES).token(token).json(body).send().await
}

/// Creates an article; returns its body (`data`).
async fn create_article(app: &TestApp, token: &str, body: Value) -> Value {
    let res = post_article(app, token, &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["data"].clone()
}

/// The current ETag of an article as an editor reads it.
async fn etag(app: &TestApp, token: &str, slug: &str) -> String {
    let res = app
        .get(&format!("{ARTICLES}/{slug}"))
        .token(token)
        .send()
        .await;
    assert_eq!(res.status(), 200);
    res.headers()["etag"].to_str().unwrap().to_owned()
}

/// PATCHes an article with its current ETag; returns the response.
async fn patch_article(app: &TestApp, token: &str, slug: &str, body: Value) -> Response {
    let etag = etag(app, token, slug).await;
    app.patch(&format!("{ARTICLES}/{slug}"))
        .token(token)
        .if_match(&etag)
        .json(&body)
        .send()
        .await
}

fn slugs(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect()
}

fn article(title: &str, status: &str) -> Value {
    json!({
        "title": title,
        "body_markdown": format!("# {title}\n\nSome words about {title}."),
        "category": "perfusion-research",
        "status": status,
    })
}

#[tokio::test]
async fn the_seed_pages_sections_are_published_articles_rendered_by_the_service() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/v1/articles").send_json().await;
    assert_eq!(page["meta"]["total"], SEEDED);
    let listed = slugs(&page);
    for slug in [
        "advocating-for-perfusion",
        "perfusion-in-practice",
        "education-and-certification",
        "staffing-trends",
        "join-the-community",
    ] {
        assert!(listed.contains(&slug.to_owned()), "{slug} is listed");
        let a = app
            .get(&format!("/api/v1/articles/{slug}"))
            .send_json()
            .await["data"]
            .clone();
        assert_eq!(a["status"], "published");
        assert!(a["author"].is_null(), "no invented author");
        let rendered = Markdown::parse(a["body_markdown"].as_str().unwrap())
            .unwrap()
            .to_html();
        assert_eq!(
            a["body_html"],
            rendered.as_str(),
            "{slug}: stored HTML is the renderer's"
        );
    }
    // A list shows no bodies; the detail does.
    assert!(page["data"][0].get("body_html").is_none());
    // The correction of facts.json is there, not only the page's claim.
    let cert = app
        .get("/api/v1/articles/education-and-certification")
        .send_json()
        .await;
    assert!(cert["data"]["body_markdown"]
        .as_str()
        .unwrap()
        .contains("nothing is skipped"));
}

const ECMO: &str = "/api/v1/articles/ecmo-transport-a-checklist";

/// An editor's draft on ECMO transport, at `ECMO`; returns its `data`.
async fn ecmo_draft(app: &TestApp, editor: &str) -> Value {
    create_article(
        app,
        editor,
        json!({
            "title": "ECMO transport: a checklist",
            "excerpt": "What to check before moving a patient on ECMO.",
            "body_markdown": "Check the **circuit**, then the [pump](https://example.org/pump).",
            "category": "career-development",
            "tags": ["ECMO", "Transport"],
        }),
    )
    .await
}

/// The ECMO draft, published and then renamed to `ecmo-transport`.
async fn ecmo_published_and_renamed(app: &TestApp, editor: &str) {
    ecmo_draft(app, editor).await;
    for change in [
        json!({"status": "published"}),
        json!({"slug": "ecmo-transport"}),
    ] {
        let slug = "ecmo-transport-a-checklist";
        let res = patch_article(app, editor, slug, change).await;
        assert_eq!(res.status(), 200);
    }
}

#[tokio::test]
async fn a_new_article_is_a_draft_by_its_author_with_its_html_rendered() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let draft = ecmo_draft(&app, &editor).await;
    assert_eq!(draft["slug"], "ecmo-transport-a-checklist");
    assert_eq!(draft["status"], "draft");
    assert!(draft["published_at"].is_null());
    assert_eq!(draft["author"]["name"], "Test User");
    assert!(draft["author"].get("email").is_none(), "never the email");
    assert_eq!(draft["tags"][0]["slug"], "ecmo");
    assert_eq!(draft["category"]["name"], "Career Development");
    assert!(draft["body_html"]
        .as_str()
        .unwrap()
        .contains("<strong>circuit</strong>"));
}

#[tokio::test]
async fn the_public_neither_reads_nor_lists_a_draft() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    ecmo_draft(&app, &editor).await;
    assert_problem(app.get(ECMO).send().await, 404).await;
    let listed = slugs(&app.get("/api/v1/articles?limit=100").send_json().await);
    assert!(!listed.contains(&"ecmo-transport-a-checklist".to_owned()));
}

#[tokio::test]
async fn an_editor_reads_a_draft_and_nobody_caches_it() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    ecmo_draft(&app, &editor).await;
    let res = app.get(ECMO).token(&editor).send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
}

#[tokio::test]
async fn an_editor_lists_the_drafts_and_the_public_may_not() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    ecmo_draft(&app, &editor).await;
    let drafts = "/api/v1/articles?status=draft";
    let listed = app.get(drafts).token(&editor).send_json().await;
    assert_eq!(slugs(&listed), vec!["ecmo-transport-a-checklist"]);
    assert_problem(app.get(drafts).send().await, 401).await;
}

#[tokio::test]
async fn a_change_without_an_etag_is_428_and_with_a_stale_one_412() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    ecmo_draft(&app, &editor).await;
    let patch = json!({"status": "published"});
    let res = app.patch(ECMO).token(&editor).json(&patch).send().await;
    assert_problem(res, 428).await;
    let res = app
        .patch(ECMO)
        .token(&editor)
        .if_match("\"stale\"")
        .json(&patch)
        .send()
        .await;
    assert_problem(res, 412).await;
}

#[tokio::test]
async fn publishing_a_draft_dates_it_now_and_shows_it_to_the_public() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    ecmo_draft(&app, &editor).await;
    let patch = json!({"status": "published"});
    let res = patch_article(&app, &editor, "ecmo-transport-a-checklist", patch).await;
    assert_eq!(res.status(), 200);
    let published: Value = res.json().await.unwrap();
    assert_eq!(published["data"]["status"], "published");
    assert!(published["data"]["published_at"].is_string());
    assert_eq!(app.get(ECMO).send().await.status(), 200);
    assert_eq!(
        app.get(ARTICLES).send_json().await["meta"]["total"],
        SEEDED + 1
    );
}

#[tokio::test]
async fn a_renamed_articles_old_slug_redirects_to_the_new_one() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    ecmo_published_and_renamed(&app, &editor).await;
    let res = app.get(ECMO).send().await;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "/api/v1/articles/ecmo-transport");
    let renamed = app.get("/api/v1/articles/ecmo-transport").send().await;
    assert_eq!(renamed.status(), 200);
}

#[tokio::test]
async fn an_unpublished_article_is_hidden_under_its_new_and_its_old_slug() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    ecmo_published_and_renamed(&app, &editor).await;
    let res = patch_article(&app, &editor, "ecmo-transport", json!({"status": "draft"})).await;
    assert_eq!(res.status(), 200);
    let renamed = app.get("/api/v1/articles/ecmo-transport").send().await;
    assert_problem(renamed, 404).await;
    assert_problem(app.get(ECMO).send().await, 404).await;
}

#[tokio::test]
async fn deleting_an_article_archives_it_and_its_editor_still_sees_it() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    ecmo_draft(&app, &editor).await;
    let res = app.delete(ECMO).token(&editor).send().await;
    assert_eq!(res.status(), 204);
    let archived = app.get(ECMO).token(&editor).send_json().await;
    assert_eq!(archived["data"]["status"], "archived");
}

#[tokio::test]
async fn only_an_admin_removes_an_archived_article_for_good() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    ecmo_draft(&app, &editor).await;
    let res = app.delete(ECMO).token(&editor).send().await;
    assert_eq!(res.status(), 204);
    let hard = format!("{ECMO}?hard=true");
    let res = app.delete(&hard).token(&editor).send().await;
    assert_problem(res, 403).await;
    let admin = app.token(Role::Admin).await;
    let res = app.delete(&hard).token(&admin).send().await;
    assert_eq!(res.status(), 204);
    let res = app.get(ECMO).token(&admin).send().await;
    assert_problem(res, 404).await;
}

#[tokio::test]
async fn a_scheduled_article_appears_by_itself_when_its_time_comes() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let at = Utc::now() + chrono::Duration::seconds(3);
    let mut body = article("Scheduled news", "scheduled");
    body["published_at"] = json!(at.to_rfc3339_opts(SecondsFormat::Micros, true));
    let created = create_article(&app, &editor, body).await;
    assert_eq!(created["status"], "scheduled");
    assert_problem(app.get("/api/v1/articles/scheduled-news").send().await, 404).await;
    let upcoming = app
        .get("/api/v1/articles?status=scheduled")
        .token(&editor)
        .send_json()
        .await;
    assert_eq!(slugs(&upcoming), vec!["scheduled-news"]);

    // No write happens; time passes.
    let wait = (at - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(300);
    tokio::time::sleep(wait).await;
    let shown = app.get("/api/v1/articles/scheduled-news").send_json().await;
    assert_eq!(shown["data"]["status"], "published");
    assert_eq!(
        slugs(&app.get("/api/v1/articles?limit=1").send_json().await),
        vec!["scheduled-news"]
    );
}

#[tokio::test]
async fn scheduling_needs_a_time_in_the_future() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let mut past = article("Too late", "scheduled");
    past["published_at"] = json!("2020-01-01T00:00:00Z");
    let res = post_article(&app, &editor, &past).await;
    assert_eq!(
        fields(&assert_problem(res, 400).await),
        vec!["published_at"]
    );
}

#[tokio::test]
async fn publishing_cannot_be_dated_in_the_future() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let mut future = article("Too early", "published");
    future["published_at"] = json!("2999-01-01T00:00:00Z");
    let res = post_article(&app, &editor, &future).await;
    assert_eq!(
        fields(&assert_problem(res, 400).await),
        vec!["published_at"]
    );
}

#[tokio::test]
async fn hostile_markdown_comes_out_inert() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let created = create_article(&app, &editor,
            json!({
                "title": "Hostile",
                "category": "perfusion-research",
                "body_markdown": "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n\n<a href=\"data:text/html,x\" onclick=\"x()\">d</a>\n\n<style>body{}</style>\n\n[safe](https://example.org)",
            }),
        )
        .await;
    let html = created["body_html"].as_str().unwrap().to_ascii_lowercase();
    for bad in [
        "<script",
        "onerror",
        "javascript:",
        "data:",
        "onclick",
        "<style",
    ] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains("href=\"https://example.org\" rel=\"noopener noreferrer\""));
}

#[tokio::test]
async fn every_malformed_field_of_a_new_article_is_named_at_once() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let body = json!({
        "title": "x".repeat(201),
        "slug": "Not A Slug",
        "category": "no-such-category",
        "body_markdown": "fine",
        "featured_image_url": "javascript:alert(1)",
        "published_at": "yesterday",
    });
    let res = post_article(&app, &editor, &body).await;
    let problem = assert_problem(res, 400).await;
    let mut named = fields(&problem);
    named.sort();
    assert_eq!(
        named,
        vec!["featured_image_url", "published_at", "slug", "title"],
        "{problem}"
    );
}

#[tokio::test]
async fn the_category_is_checked_once_the_fields_are_well_formed() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let body = json!({"title": "A", "category": "no-such-category", "body_markdown": "b"});
    let res = post_article(&app, &editor, &body).await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["category"]);
}

#[tokio::test]
async fn missing_required_fields_are_named() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let res = post_article(&app, &editor, &json!({"excerpt": "only"})).await;
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, vec!["body_markdown", "category", "title"]);
}

#[tokio::test]
async fn fields_a_client_may_not_set_are_named() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    for field in ["id", "author", "created_at", "body_html"] {
        let mut body = article("Sneaky", "draft");
        body[field] = json!(1);
        let res = post_article(&app, &editor, &body).await;
        let problem = assert_problem(res, 400).await;
        assert!(
            problem.to_string().contains(field),
            "{field} is named: {problem}"
        );
    }
}

#[tokio::test]
async fn a_body_over_200_kb_is_refused_by_name_and_a_request_over_the_routes_limit_is_a_413() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let mut big = article("Big", "draft");
    big["body_markdown"] = json!("a".repeat(200 * 1024 + 1));
    let res = post_article(&app, &editor, &big).await;
    assert_eq!(
        fields(&assert_problem(res, 400).await),
        vec!["body_markdown"]
    );
    let mut huge = article("Huge", "draft");
    huge["body_markdown"] = json!("a".repeat(600 * 1024));
    assert_problem(post_article(&app, &editor, &huge).await, 413).await;
}

#[tokio::test]
async fn bad_list_parameters_are_named() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("category=nope", "category"),
        ("category=Bad%20Slug", "category"),
        ("sort=popularity", "sort"),
        ("sort=relevance", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("published_after=last-week", "published_after"),
        ("published_before=2026-13-45", "published_before"),
        ("published_after=-5000-01-01", "published_after"),
        ("published_before=0999-12-31T00:00:00Z", "published_before"),
        (
            "published_after=2026-02-01&published_before=2026-01-01",
            "published_before",
        ),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),
    ] {
        let res = app.get(&format!("/api/v1/articles?{query}")).send().await;
        assert_eq!(
            fields(&assert_problem(res, 400).await),
            vec![field],
            "{query}"
        );
    }
}

#[tokio::test]
async fn a_blank_search_is_ignored_not_refused() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/api/v1/articles?q=%20").send().await.status(), 200);
}

#[tokio::test]
async fn a_cursor_of_another_sort_or_edited_by_hand_never_reaches_sql() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/v1/articles?limit=2").send_json().await;
    let cursor = page["meta"]["next_cursor"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/articles?sort=title&cursor={cursor}"))
        .send()
        .await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["cursor"]);
    use base64::Engine;
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"{"k":"articles/newest","p":["'; DROP TABLE articles; --",1]}"#);
    let res = app
        .get(&format!("/api/v1/articles?cursor={forged}"))
        .send()
        .await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["cursor"]);
    assert_eq!(app.get(ARTICLES).send_json().await["meta"]["total"], SEEDED);
}

#[tokio::test]
async fn a_reader_paging_while_an_editor_publishes_sees_each_existing_article_once() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    for i in 0..16 {
        let mut body = article(&format!("Research note {i:02}"), "published");
        body["tags"] = json!(["Research"]);
        create_article(&app, &editor, body).await;
    }
    for sort in ["-published_at", "published_at", "title"] {
        let existing: HashSet<String> = slugs(
            &app.get("/api/v1/articles?tag=research&limit=100")
                .send_json()
                .await,
        )
        .into_iter()
        .collect();
        assert!(existing.len() >= 16);
        let mut seen = Vec::new();
        let mut url = format!("/api/v1/articles?tag=research&limit=7&sort={sort}");
        let mut round = 0;
        loop {
            let res = app.get(&url).send().await;
            assert_eq!(res.status(), 200);
            let link = res
                .headers()
                .get("link")
                .map(|l| l.to_str().unwrap().to_owned());
            let page: Value = res.json().await.unwrap();
            seen.extend(slugs(&page));
            // Meanwhile an editor publishes more in the same filter.
            let mut body = article(&format!("Breaking {sort} {round}"), "published");
            body["tags"] = json!(["RESEARCH"]);
            create_article(&app, &editor, body).await;
            round += 1;
            match page["meta"]["next_cursor"].as_str() {
                Some(c) => {
                    let link = link.expect("a Link header with the next page");
                    assert!(link.contains(&format!("cursor={c}")) && link.contains("rel=\"next\""));
                    url = format!("/api/v1/articles?tag=research&limit=7&sort={sort}&cursor={c}");
                }
                None => break,
            }
        }
        for slug in &existing {
            assert_eq!(
                seen.iter().filter(|s| *s == slug).count(),
                1,
                "{slug} seen once with sort {sort}: {seen:?}"
            );
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "no article twice ({sort})");
    }
}

#[tokio::test]
async fn search_filters_and_ranks_by_relevance() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let mut in_title = article("Cannula sizes compared", "published");
    in_title["body_markdown"] = json!("A comparison.");
    create_article(&app, &editor, in_title).await;
    let mut in_body = article("Weekly notes", "published");
    in_body["body_markdown"] = json!("This week we also mention a cannula in passing.");
    create_article(&app, &editor, in_body).await;
    let mut draft = article("Cannula draft", "draft");
    draft["body_markdown"] = json!("cannula cannula cannula");
    create_article(&app, &editor, draft).await;

    let found = app.get("/api/v1/articles?q=cannulas").send_json().await;
    assert_eq!(
        slugs(&found),
        vec!["cannula-sizes-compared", "weekly-notes"],
        "stemmed, title first, drafts never"
    );
    assert_eq!(found["meta"]["total"], 2);
    // Paging through ranked results with limit 1 gives the same order.
    let first = app
        .get("/api/v1/articles?q=cannula&limit=1")
        .send_json()
        .await;
    let cursor = first["meta"]["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!(
            "/api/v1/articles?q=cannula&limit=1&cursor={cursor}"
        ))
        .send_json()
        .await;
    assert_eq!(slugs(&second), vec!["weekly-notes"]);
    assert!(second["meta"]["next_cursor"].is_null());
    // Web-search syntax: exclusion.
    let excluded = app
        .get("/api/v1/articles?q=cannula%20-sizes")
        .send_json()
        .await;
    assert_eq!(slugs(&excluded), vec!["weekly-notes"]);
    // With an explicit sort, results follow it.
    let by_title = app
        .get("/api/v1/articles?q=cannula&sort=title")
        .send_json()
        .await;
    assert_eq!(
        slugs(&by_title),
        vec!["cannula-sizes-compared", "weekly-notes"]
    );
}

#[tokio::test]
async fn filters_by_category_tag_and_dates() {
    let app = TestApp::spawn().await;
    let by_category = app
        .get("/api/v1/articles?category=career-development&limit=100")
        .send_json()
        .await;
    assert_eq!(by_category["meta"]["total"], 3);
    for a in by_category["data"].as_array().unwrap() {
        assert_eq!(a["category"]["slug"], "career-development");
    }
    // Tags match by slug or by name, in any case.
    for tag in ["ecmo", "ECMO", "Ecmo"] {
        let page = app
            .get(&format!("/api/v1/articles?tag={tag}"))
            .send_json()
            .await;
        assert_eq!(slugs(&page), vec!["perfusion-in-practice"], "{tag}");
    }
    let none = app
        .get("/api/v1/articles?tag=unknown-tag")
        .send_json()
        .await;
    assert_eq!(none["meta"]["total"], 0);
    // The seed is published on 2026-11-23.
    let after = app
        .get("/api/v1/articles?published_after=2026-11-23")
        .send_json()
        .await;
    assert_eq!(after["meta"]["total"], SEEDED);
    let before = app
        .get("/api/v1/articles?published_before=2026-11-23T00:00:00Z")
        .send_json()
        .await;
    assert_eq!(before["meta"]["total"], 0);
    let by_title = app
        .get("/api/v1/articles?sort=title&limit=2")
        .send_json()
        .await;
    assert_eq!(
        slugs(&by_title),
        vec!["advocating-for-perfusion", "education-and-certification"]
    );
}

#[tokio::test]
async fn categories_and_tags_count_only_published_articles() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let mut draft = article("Secret draft", "draft");
    draft["tags"] = json!(["Unreleased"]);
    draft["category"] = json!("leadership-training");
    create_article(&app, &editor, draft).await;

    let categories = app.get("/api/v1/categories").send_json().await;
    let counts: Vec<(String, i64)> = categories["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["slug"].as_str().unwrap().to_owned(),
                c["article_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            ("career-development".to_owned(), 3),
            ("perfusion-research".to_owned(), 1),
            ("career-opportunities".to_owned(), 1),
            ("leadership-training".to_owned(), 0),
        ]
    );
    assert_eq!(categories["data"][0]["name"], "Career Development");
    assert!(categories["data"][0]["description"].is_null());

    let tags = app.get("/api/v1/tags?limit=100").send_json().await;
    let names: Vec<&str> = tags["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert!(
        !names.contains(&"unreleased"),
        "a draft's tag stays private"
    );
    assert!(names.contains(&"ecmo"));
    assert_eq!(tags["meta"]["total"], names.len());
}

#[tokio::test]
async fn tags_are_case_insensitive_and_a_second_spelling_reuses_the_first() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let mut one = article("One", "published");
    one["tags"] = json!(["Perfusion Safety"]);
    let a = create_article(&app, &editor, one).await;
    let mut two = article("Two", "published");
    two["tags"] = json!(["perfusion safety", "PERFUSION SAFETY"]);
    let b = create_article(&app, &editor, two).await;
    assert_eq!(a["tags"], b["tags"]);
    assert_eq!(b["tags"][0]["name"], "Perfusion Safety");
}

const CATEGORIES: &str = "/api/v1/categories";
const CLINICAL_PRACTICE: &str = "/api/v1/categories/clinical-practice";

/// POSTs the Clinical Practice category as the holder of `token`; returns the answer.
async fn post_clinical_practice(app: &TestApp, token: &str) -> Response {
    let body = json!({"name": "Clinical Practice", "description": "At the pump.", "position": 5});
    app.post(CATEGORIES).token(token).json(&body).send().await
}

/// Creates the Clinical Practice category as `admin`.
async fn clinical_practice(app: &TestApp, admin: &str) {
    assert_eq!(post_clinical_practice(app, admin).await.status(), 201);
}

#[tokio::test]
async fn an_admin_creates_a_category_and_an_editor_may_not() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let admin = app.token(Role::Admin).await;
    assert_problem(post_clinical_practice(&app, &editor).await, 403).await;
    let res = post_clinical_practice(&app, &admin).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["location"], CLINICAL_PRACTICE);
}

#[tokio::test]
async fn a_category_name_already_taken_is_a_conflict() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    clinical_practice(&app, &admin).await;
    assert_problem(post_clinical_practice(&app, &admin).await, 409).await;
}

#[tokio::test]
async fn an_admin_clears_a_categorys_description() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    clinical_practice(&app, &admin).await;
    let res = app
        .patch(CLINICAL_PRACTICE)
        .token(&admin)
        .json(&json!({"description": null}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.unwrap()["data"]["description"].is_null());
}

#[tokio::test]
async fn a_category_with_articles_cannot_be_removed() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let res = app
        .delete("/api/v1/categories/career-development")
        .token(&admin)
        .send()
        .await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn an_empty_category_is_removed() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    clinical_practice(&app, &admin).await;
    let res = app.delete(CLINICAL_PRACTICE).token(&admin).send().await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get(CLINICAL_PRACTICE).send().await, 404).await;
}

#[tokio::test]
async fn public_reads_are_cacheable_and_revalidate_with_304() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/articles",
        "/api/v1/articles/staffing-trends",
        "/api/v1/categories",
        "/api/v1/tags",
        "/feeds/articles.rss",
    ] {
        let res = app.get(path).send().await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=60, stale-while-revalidate=300"
        );
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        assert!(etag.starts_with('"'), "strong ETag");
        let body = res.bytes().await.unwrap();
        assert_eq!(
            etag,
            perfusion_api::http::cache::etag_of(&body),
            "{path}: ETag from the body"
        );
        let res = app.get(path).header("If-None-Match", &etag).send().await;
        assert_eq!(res.status(), 304, "{path}");
    }
}

const FEEDS: [&str; 3] = [
    "/feeds/articles.rss",
    "/feeds/articles.atom",
    "/feeds/articles.json",
];

#[tokio::test]
async fn partner_sites_read_three_feeds_that_parse() {
    let app =
        TestApp::spawn_with(|s| s.public_base_url = "https://api.perfusion.example".into()).await;
    for (path, content_type) in [
        ("/feeds/articles.rss", "application/rss+xml; charset=utf-8"),
        (
            "/feeds/articles.atom",
            "application/atom+xml; charset=utf-8",
        ),
        (
            "/feeds/articles.json",
            "application/feed+json; charset=utf-8",
        ),
    ] {
        let res = app.get(path).send().await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], content_type);
        assert!(res.headers().contains_key("etag"));
        let body = res.bytes().await.unwrap();
        let feed =
            feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{path} parses: {e}"));
        assert_eq!(feed.entries.len(), SEEDED, "{path}");
        for entry in &feed.entries {
            let link = &entry.links[0].href;
            assert!(
                link.starts_with("https://api.perfusion.example/articles/"),
                "{path}: a reader opens the article's page, not its JSON: {link}"
            );
            assert!(
                entry
                    .id
                    .starts_with("https://api.perfusion.example/api/v1/articles/"),
                "{path}: the entry keeps its permanent id: {}",
                entry.id
            );
            assert!(entry.title.is_some());
            assert!(entry.published.is_some(), "{path}");
        }
    }
}

#[tokio::test]
async fn a_site_with_its_own_front_end_gets_feed_links_to_its_pages() {
    let app = TestApp::spawn_with(|s| {
        s.article_url_template = Some("https://perfusionpartners.example/read/{slug}".into())
    })
    .await;
    for path in FEEDS {
        let body = app.get(path).send().await.bytes().await.unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap();
        for entry in &feed.entries {
            let link = &entry.links[0].href;
            assert!(
                link.starts_with("https://perfusionpartners.example/read/"),
                "{path}: {link}"
            );
        }
    }
}

#[tokio::test]
async fn feeds_filter_by_category_and_by_tag() {
    let app = TestApp::spawn().await;
    for path in FEEDS {
        let res = app
            .get(&format!("{path}?category=career-opportunities"))
            .send()
            .await;
        let feed = feed_rs::parser::parse(&res.bytes().await.unwrap()[..]).unwrap();
        assert_eq!(feed.entries.len(), 1);
        let res = app.get(&format!("{path}?tag=ECMO")).send().await;
        let feed = feed_rs::parser::parse(&res.bytes().await.unwrap()[..]).unwrap();
        assert_eq!(feed.entries.len(), 1);
        assert_problem(app.get(&format!("{path}?category=nope")).send().await, 400).await;
    }
}

const ORIGINAL: &str = "/api/v1/articles/original";

/// A published article with tags and an image, at `ORIGINAL`; returns its ETag.
async fn original(app: &TestApp, editor: &str) -> String {
    let mut body = article("Original", "published");
    body["tags"] = json!(["Old tag"]);
    body["featured_image_url"] = json!("https://images.example/a.jpg");
    body["featured_image_alt"] = json!("A pump");
    create_article(app, editor, body).await;
    etag(app, editor, "original").await
}

/// A whole article, as a PUT sends it: no slug, tags, image or excerpt.
fn replacement() -> Value {
    json!({
        "title": "Replaced",
        "body_markdown": "New *body*.",
        "category": "leadership-training",
        "status": "published",
        "published_at": "2026-01-02T03:04:05Z",
    })
}

/// PUTs `body` at `ORIGINAL` with `if_match`; returns the answer.
async fn put_original(app: &TestApp, editor: &str, if_match: &str, body: &Value) -> Response {
    app.put(ORIGINAL)
        .token(editor)
        .if_match(if_match)
        .json(body)
        .send()
        .await
}

#[tokio::test]
async fn put_replaces_the_whole_article_and_keeps_its_slug_unless_given() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let before = original(&app, &editor).await;
    let res = put_original(&app, &editor, &before, &replacement()).await;
    assert_eq!(res.status(), 200);
    let new_etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let a = res.json::<Value>().await.unwrap()["data"].clone();
    assert_eq!(a["slug"], "original");
    assert_eq!(a["title"], "Replaced");
    assert_eq!(a["category"]["slug"], "leadership-training");
    assert_eq!(a["tags"], json!([]));
    assert!(a["featured_image_url"].is_null() && a["featured_image_alt"].is_null());
    assert_eq!(a["body_html"], "<p>New <em>body</em>.</p>\n");
    assert_eq!(a["published_at"], "2026-01-02T03:04:05Z");
    assert_eq!(a["excerpt"], "");
    // The new ETag is what a reader gets.
    assert_eq!(new_etag, etag(&app, &editor, "original").await);
}

#[tokio::test]
async fn a_put_without_a_time_keeps_a_published_articles_date_and_a_draft_gets_now() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let before = original(&app, &editor).await;
    let published = app.get(ORIGINAL).send_json().await["data"]["published_at"].clone();
    let mut fix = replacement();
    fix.as_object_mut().unwrap().remove("published_at");
    let res = put_original(&app, &editor, &before, &fix).await;
    assert_eq!(res.status(), 200);
    let a = res.json::<Value>().await.unwrap()["data"].clone();
    assert_eq!(a["title"], "Replaced");
    assert_eq!(a["published_at"], published, "a typo fixed is not news");

    // A draft published by PUT without a time is published now.
    let draft = article("Fresh draft", "draft");
    create_article(&app, &editor, draft).await;
    let tag = etag(&app, &editor, "fresh-draft").await;
    let started = chrono::Utc::now() - chrono::Duration::seconds(5);
    let res = app
        .put("/api/v1/articles/fresh-draft")
        .token(&editor)
        .if_match(&tag)
        .json(&fix)
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let a = res.json::<Value>().await.unwrap()["data"].clone();
    let at: chrono::DateTime<chrono::Utc> = a["published_at"].as_str().unwrap().parse().unwrap();
    assert!(at > started, "{at}");
}

#[tokio::test]
async fn a_put_without_an_etag_is_428_and_with_the_one_before_the_last_put_412() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let etag = original(&app, &editor).await;
    let res = app
        .put(ORIGINAL)
        .token(&editor)
        .json(&replacement())
        .send()
        .await;
    assert_problem(res, 428).await;
    let res = put_original(&app, &editor, &etag, &replacement()).await;
    assert_eq!(res.status(), 200);
    // The old ETag is now stale.
    let res = put_original(&app, &editor, &etag, &replacement()).await;
    assert_problem(res, 412).await;
}

#[tokio::test]
async fn a_put_renaming_to_a_slug_another_article_has_is_a_conflict() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let etag = original(&app, &editor).await;
    let mut taken = replacement();
    taken["slug"] = json!("staffing-trends");
    let res = put_original(&app, &editor, &etag, &taken).await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn an_empty_change_changes_nothing() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    create_article(&app, &editor, article("Steady", "draft")).await;
    let before = etag(&app, &editor, "steady").await;
    let res = patch_article(&app, &editor, "steady", json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), before);
}

#[tokio::test]
async fn publishing_a_scheduled_article_early_publishes_it_now() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let mut early = article("Early bird", "scheduled");
    early["published_at"] = json!("2999-01-01T00:00:00Z");
    create_article(&app, &editor, early).await;
    let res = patch_article(&app, &editor, "early-bird", json!({"status": "published"})).await;
    assert_eq!(res.status(), 200);
    let a = res.json::<Value>().await.unwrap()["data"].clone();
    assert_eq!(a["status"], "published");
    let at = chrono::DateTime::parse_from_rfc3339(a["published_at"].as_str().unwrap()).unwrap();
    assert!((Utc::now() - at.with_timezone(&Utc)).num_seconds().abs() < 60);
    let shown = app.get("/api/v1/articles/early-bird").send().await;
    assert_eq!(shown.status(), 200);
}

#[tokio::test]
async fn a_scheduled_article_that_went_public_by_itself_can_have_its_time_corrected() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let mut due = article("Due now", "scheduled");
    let at = Utc::now() + chrono::Duration::milliseconds(1500);
    due["published_at"] = json!(at.to_rfc3339_opts(SecondsFormat::Micros, true));
    create_article(&app, &editor, due).await;
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let res = patch_article(
        &app,
        &editor,
        "due-now",
        json!({"published_at": "2026-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let shown = app.get("/api/v1/articles/due-now").send_json().await;
    assert_eq!(shown["data"]["status"], "published");
    assert_eq!(shown["data"]["published_at"], "2026-01-01T00:00:00Z");
}

#[tokio::test]
async fn feeds_stay_well_formed_whatever_the_text() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let mut tricky = article("Ampersands & <angles> ]]> \"quotes\"", "published");
    tricky["excerpt"] = json!("An excerpt with ]]> and <b>tags</b> & more");
    tricky["slug"] = json!("tricky");
    create_article(&app, &editor, tricky).await;
    for path in FEEDS {
        let body = app.get(path).send().await.bytes().await.unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{path}: {e}"));
        let entry = feed
            .entries
            .iter()
            .find(|e| e.links[0].href.ends_with("/tricky"))
            .unwrap();
        assert_eq!(
            entry.title.as_ref().unwrap().content,
            "Ampersands & <angles> ]]> \"quotes\"",
            "{path}"
        );
    }
}

/// What a count in SQL finds for the public list, a category's, a tag's.
async fn live_totals(app: &TestApp) -> Vec<i64> {
    use diesel_async::RunQueryDsl;
    let mut conn = app.conn().await;
    let mut totals = Vec::new();
    for filter in [
        "TRUE",
        "category_id = (SELECT id FROM categories WHERE slug = 'career-development')",
        "id IN (SELECT article_id FROM article_tags JOIN tags ON tags.id = tag_id \
         WHERE tags.slug = 'ecmo')",
    ] {
        let n: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
            "(SELECT count(*) FROM articles WHERE status IN ('published', 'scheduled') \
             AND listed_at <= now() AND {filter})"
        )))
        .get_result(&mut conn)
        .await
        .unwrap();
        totals.push(n);
    }
    totals
}

/// After a write: the API's totals are the live counts, and the write changed one of them.
async fn step(app: &TestApp, expected: &mut Vec<i64>, what: &str) {
    let totals = live_totals(app).await;
    assert_eq!(
        api_totals(app).await,
        totals,
        "{what}: the API's totals are the live counts"
    );
    assert_ne!(&totals, expected, "{what}: the step changes a total");
    *expected = totals;
}

async fn api_totals(app: &TestApp) -> Vec<i64> {
    let mut totals = Vec::new();
    for query in ["", "&category=career-development", "&tag=ecmo"] {
        let page = app
            .get(&format!("/api/v1/articles?limit=1{query}"))
            .send_json()
            .await;
        totals.push(page["meta"]["total"].as_i64().unwrap());
    }
    totals
}

#[tokio::test]
async fn list_totals_stay_exact_through_every_kind_of_write() {
    let app = TestApp::spawn_with(|s| s.response_cache_mb = 0).await;
    let editor = app.token(Role::Editor).await;
    let admin = app.token(Role::Admin).await;
    let mut expected = live_totals(&app).await;
    assert_eq!(api_totals(&app).await, expected, "the seeded articles");

    let mut first = article("Totals one", "published");
    first["category"] = json!("career-development");
    first["tags"] = json!(["ECMO", "Transport"]);
    create_article(&app, &editor, first).await;
    step(&app, &mut expected, "publish a new article").await;

    let mut second = article("Totals two", "draft");
    second["category"] = json!("career-development");
    second["tags"] = json!(["ECMO"]);
    create_article(&app, &editor, second).await;
    assert_eq!(api_totals(&app).await, expected, "a draft counts nowhere");
    let res = patch_article(&app, &editor, "totals-two", json!({"status": "published"})).await;
    assert_eq!(res.status(), 200);
    step(&app, &mut expected, "publish a draft").await;

    let res = patch_article(
        &app,
        &editor,
        "totals-one",
        json!({"category": "perfusion-research"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    step(&app, &mut expected, "move to another category").await;

    let res = patch_article(&app, &editor, "totals-one", json!({"tags": ["Transport"]})).await;
    assert_eq!(res.status(), 200);
    step(&app, &mut expected, "take a tag away").await;

    let at = Utc::now() + chrono::Duration::seconds(2);
    let mut later = article("Totals later", "scheduled");
    later["category"] = json!("career-development");
    later["tags"] = json!(["ECMO"]);
    later["published_at"] = json!(at.to_rfc3339_opts(SecondsFormat::Micros, true));
    create_article(&app, &editor, later).await;
    assert_eq!(api_totals(&app).await, expected, "not due yet");
    tokio::time::sleep((at - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(200))
        .await;
    step(&app, &mut expected, "a scheduled article falls due").await;

    let res = patch_article(&app, &editor, "totals-two", json!({"status": "archived"})).await;
    assert_eq!(res.status(), 200);
    step(&app, &mut expected, "archive").await;

    let res = app
        .delete("/api/v1/articles/totals-later")
        .token(&admin)
        .send()
        .await;
    assert_eq!(res.status(), 204);
    step(&app, &mut expected, "delete").await;
}

#[tokio::test]
async fn a_category_that_does_not_exist_is_named_and_an_empty_one_lists_nothing() {
    let app = TestApp::spawn().await;
    // The list finds the category in its own statement; only an empty answer asks whether the
    // category exists at all.
    for path in [
        "/api/v1/articles?category=no-such-category",
        "/feeds/articles.rss?category=no-such-category",
    ] {
        let problem = assert_problem(app.get(path).send().await, 400).await;
        assert_eq!(fields(&problem), vec!["category"], "{path}");
    }
    let admin = app.token(Role::Admin).await;
    clinical_practice(&app, &admin).await;
    let empty = app
        .get("/api/v1/articles?category=clinical-practice")
        .send_json()
        .await;
    assert_eq!(empty["data"].as_array().unwrap().len(), 0);
    assert_eq!(empty["meta"]["total"], 0);
    let feed = app
        .get("/feeds/articles.rss?category=clinical-practice")
        .send()
        .await;
    assert_eq!(feed.status(), 200);
    // An unknown tag is no error: nothing has it.
    let none = app
        .get("/api/v1/articles?tag=no-such-tag&category=career-development")
        .send_json()
        .await;
    assert_eq!(none["meta"]["total"], 0);
}
