//! Articles: what readers, editors, admins and partner sites do with them.

use std::{collections::HashSet, time::Duration};

use chrono::{SecondsFormat, Utc};
use perfusion_api::domain::{Markdown, Role};
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, fields, TestApp};

const SEEDED: usize = 5;

impl TestApp {
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        if_match: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(m) = if_match {
            req = req.header("If-Match", m);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.unwrap()
    }

    /// Creates an article; returns its body (`data`).
    async fn create_article(&self, token: &str, body: Value) -> Value {
        let res = self
            .send(
                Method::POST,
                "/api/v1/articles",
                Some(token),
                None,
                Some(&body),
            )
            .await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        res.json::<Value>().await.unwrap()["data"].clone()
    }

    /// The current ETag of an article as an editor reads it.
    async fn etag(&self, token: &str, slug: &str) -> String {
        let res = self
            .send(
                Method::GET,
                &format!("/api/v1/articles/{slug}"),
                Some(token),
                None,
                None,
            )
            .await;
        assert_eq!(res.status(), 200);
        res.headers()["etag"].to_str().unwrap().to_owned()
    }

    /// PATCHes an article with its current ETag; returns the response.
    async fn patch_article(&self, token: &str, slug: &str, body: Value) -> Response {
        let etag = self.etag(token, slug).await;
        self.send(
            Method::PATCH,
            &format!("/api/v1/articles/{slug}"),
            Some(token),
            Some(&etag),
            Some(&body),
        )
        .await
    }

    async fn get_json(&self, path: &str) -> Value {
        let res = self.get(path).send().await;
        assert_eq!(res.status(), 200, "{path}");
        res.json().await.unwrap()
    }
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
    let page = app.get_json("/api/v1/articles").await;
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
        let a = app.get_json(&format!("/api/v1/articles/{slug}")).await["data"].clone();
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
        .get_json("/api/v1/articles/education-and-certification")
        .await;
    assert!(cert["data"]["body_markdown"]
        .as_str()
        .unwrap()
        .contains("nothing is skipped"));
}

#[tokio::test]
async fn an_editor_drafts_publishes_renames_and_archives_an_article() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;

    // A draft: the editor sees it, the public does not.
    let draft = app
        .create_article(
            &editor,
            json!({
                "title": "ECMO transport: a checklist",
                "excerpt": "What to check before moving a patient on ECMO.",
                "body_markdown": "Check the **circuit**, then the [pump](https://example.org/pump).",
                "category": "career-development",
                "tags": ["ECMO", "Transport"],
            }),
        )
        .await;
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
    let path = "/api/v1/articles/ecmo-transport-a-checklist";
    assert_problem(app.get(path).send().await, 404).await;
    assert!(!slugs(&app.get_json("/api/v1/articles?limit=100").await)
        .contains(&"ecmo-transport-a-checklist".to_owned()));
    let res = app.send(Method::GET, path, Some(&editor), None, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let drafts: Value = app
        .send(
            Method::GET,
            "/api/v1/articles?status=draft",
            Some(&editor),
            None,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(slugs(&drafts), vec!["ecmo-transport-a-checklist"]);
    assert_problem(app.get("/api/v1/articles?status=draft").send().await, 401).await;

    // Changes need the current ETag: none is 428, a stale one 412.
    let patch = json!({"status": "published"});
    let res = app
        .send(Method::PATCH, path, Some(&editor), None, Some(&patch))
        .await;
    assert_problem(res, 428).await;
    let res = app
        .send(
            Method::PATCH,
            path,
            Some(&editor),
            Some("\"stale\""),
            Some(&patch),
        )
        .await;
    assert_problem(res, 412).await;

    // Publishing: published_at becomes now and the public sees it.
    let res = app
        .patch_article(&editor, "ecmo-transport-a-checklist", patch)
        .await;
    assert_eq!(res.status(), 200);
    let published: Value = res.json().await.unwrap();
    assert_eq!(published["data"]["status"], "published");
    assert!(published["data"]["published_at"].is_string());
    assert_eq!(app.get(path).send().await.status(), 200);
    assert_eq!(
        app.get_json("/api/v1/articles").await["meta"]["total"],
        SEEDED + 1
    );

    // Renaming: the old slug answers 301 to the new one.
    let res = app
        .patch_article(
            &editor,
            "ecmo-transport-a-checklist",
            json!({"slug": "ecmo-transport"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app.get(path).send().await;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "/api/v1/articles/ecmo-transport");
    assert_eq!(
        app.get("/api/v1/articles/ecmo-transport")
            .send()
            .await
            .status(),
        200
    );

    // Unpublishing hides it again; archiving too, and the editor still sees it.
    let res = app
        .patch_article(&editor, "ecmo-transport", json!({"status": "draft"}))
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(app.get("/api/v1/articles/ecmo-transport").send().await, 404).await;
    assert_problem(app.get(path).send().await, 404).await;
    let res = app
        .send(
            Method::DELETE,
            "/api/v1/articles/ecmo-transport",
            Some(&editor),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    let archived: Value = app
        .send(
            Method::GET,
            "/api/v1/articles/ecmo-transport",
            Some(&editor),
            None,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(archived["data"]["status"], "archived");

    // Only an admin removes for good.
    let res = app
        .send(
            Method::DELETE,
            "/api/v1/articles/ecmo-transport?hard=true",
            Some(&editor),
            None,
            None,
        )
        .await;
    assert_problem(res, 403).await;
    let admin = app.token(Role::Admin).await;
    let res = app
        .send(
            Method::DELETE,
            "/api/v1/articles/ecmo-transport?hard=true",
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    let res = app
        .send(
            Method::GET,
            "/api/v1/articles/ecmo-transport",
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_problem(res, 404).await;
}

#[tokio::test]
async fn a_scheduled_article_appears_by_itself_when_its_time_comes() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let at = Utc::now() + chrono::Duration::seconds(3);
    let mut body = article("Scheduled news", "scheduled");
    body["published_at"] = json!(at.to_rfc3339_opts(SecondsFormat::Micros, true));
    let created = app.create_article(&editor, body).await;
    assert_eq!(created["status"], "scheduled");
    assert_problem(app.get("/api/v1/articles/scheduled-news").send().await, 404).await;
    let upcoming: Value = app
        .send(
            Method::GET,
            "/api/v1/articles?status=scheduled",
            Some(&editor),
            None,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(slugs(&upcoming), vec!["scheduled-news"]);

    // No write happens; time passes.
    let wait = (at - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(300);
    tokio::time::sleep(wait).await;
    let shown = app.get_json("/api/v1/articles/scheduled-news").await;
    assert_eq!(shown["data"]["status"], "published");
    assert_eq!(
        slugs(&app.get_json("/api/v1/articles?limit=1").await),
        vec!["scheduled-news"]
    );

    // Scheduling needs a future time; publishing cannot be in the future.
    let mut past = article("Too late", "scheduled");
    past["published_at"] = json!("2020-01-01T00:00:00Z");
    let res = app
        .send(
            Method::POST,
            "/api/v1/articles",
            Some(&editor),
            None,
            Some(&past),
        )
        .await;
    assert_eq!(
        fields(&assert_problem(res, 400).await),
        vec!["published_at"]
    );
    let mut future = article("Too early", "published");
    future["published_at"] = json!("2999-01-01T00:00:00Z");
    let res = app
        .send(
            Method::POST,
            "/api/v1/articles",
            Some(&editor),
            None,
            Some(&future),
        )
        .await;
    assert_eq!(
        fields(&assert_problem(res, 400).await),
        vec!["published_at"]
    );
}

#[tokio::test]
async fn hostile_markdown_comes_out_inert() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let created = app
        .create_article(
            &editor,
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
async fn bad_input_is_a_400_naming_each_field() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let post = |body: Value| {
        let app = &app;
        let editor = editor.clone();
        async move {
            app.send(
                Method::POST,
                "/api/v1/articles",
                Some(&editor),
                None,
                Some(&body),
            )
            .await
        }
    };

    let res = post(json!({
        "title": "x".repeat(201),
        "slug": "Not A Slug",
        "category": "no-such-category",
        "body_markdown": "fine",
        "featured_image_url": "javascript:alert(1)",
        "published_at": "yesterday",
    }))
    .await;
    let problem = assert_problem(res, 400).await;
    let mut named = fields(&problem);
    named.sort();
    assert_eq!(
        named,
        vec!["featured_image_url", "published_at", "slug", "title"],
        "{problem}"
    );

    // The category is checked once the fields are well-formed.
    let res =
        post(json!({"title": "A", "category": "no-such-category", "body_markdown": "b"})).await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["category"]);

    // Missing fields, and fields a client may not set.
    let res = post(json!({"excerpt": "only"})).await;
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, vec!["body_markdown", "category", "title"]);
    for field in ["id", "author", "created_at", "body_html"] {
        let mut body = article("Sneaky", "draft");
        body[field] = json!(1);
        let problem = assert_problem(post(body).await, 400).await;
        assert!(
            problem.to_string().contains(field),
            "{field} is named: {problem}"
        );
    }

    // A body over 200 KB is refused by name; a request over the route's limit is a 413.
    let mut big = article("Big", "draft");
    big["body_markdown"] = json!("a".repeat(200 * 1024 + 1));
    assert_eq!(
        fields(&assert_problem(post(big).await, 400).await),
        vec!["body_markdown"]
    );
    let mut huge = article("Huge", "draft");
    huge["body_markdown"] = json!("a".repeat(600 * 1024));
    assert_problem(post(huge).await, 413).await;

    // List parameters.
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

    // A blank search is ignored, not refused.
    assert_eq!(app.get("/api/v1/articles?q=%20").send().await.status(), 200);

    // A cursor of another sort, or one edited by hand, never reaches SQL.
    let page = app.get_json("/api/v1/articles?limit=2").await;
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
    assert_eq!(
        app.get_json("/api/v1/articles").await["meta"]["total"],
        SEEDED
    );
}

#[tokio::test]
async fn a_reader_paging_while_an_editor_publishes_sees_each_existing_article_once() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    for i in 0..16 {
        let mut body = article(&format!("Research note {i:02}"), "published");
        body["tags"] = json!(["Research"]);
        app.create_article(&editor, body).await;
    }
    for sort in ["-published_at", "published_at", "title"] {
        let existing: HashSet<String> = slugs(
            &app.get_json("/api/v1/articles?tag=research&limit=100")
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
            app.create_article(&editor, body).await;
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
    app.create_article(&editor, in_title).await;
    let mut in_body = article("Weekly notes", "published");
    in_body["body_markdown"] = json!("This week we also mention a cannula in passing.");
    app.create_article(&editor, in_body).await;
    let mut draft = article("Cannula draft", "draft");
    draft["body_markdown"] = json!("cannula cannula cannula");
    app.create_article(&editor, draft).await;

    let found = app.get_json("/api/v1/articles?q=cannulas").await;
    assert_eq!(
        slugs(&found),
        vec!["cannula-sizes-compared", "weekly-notes"],
        "stemmed, title first, drafts never"
    );
    assert_eq!(found["meta"]["total"], 2);
    // Paging through ranked results with limit 1 gives the same order.
    let first = app.get_json("/api/v1/articles?q=cannula&limit=1").await;
    let cursor = first["meta"]["next_cursor"].as_str().unwrap();
    let second = app
        .get_json(&format!(
            "/api/v1/articles?q=cannula&limit=1&cursor={cursor}"
        ))
        .await;
    assert_eq!(slugs(&second), vec!["weekly-notes"]);
    assert!(second["meta"]["next_cursor"].is_null());
    // Web-search syntax: exclusion.
    let excluded = app.get_json("/api/v1/articles?q=cannula%20-sizes").await;
    assert_eq!(slugs(&excluded), vec!["weekly-notes"]);
    // With an explicit sort, results follow it.
    let by_title = app.get_json("/api/v1/articles?q=cannula&sort=title").await;
    assert_eq!(
        slugs(&by_title),
        vec!["cannula-sizes-compared", "weekly-notes"]
    );
}

#[tokio::test]
async fn filters_by_category_tag_and_dates() {
    let app = TestApp::spawn().await;
    let by_category = app
        .get_json("/api/v1/articles?category=career-development&limit=100")
        .await;
    assert_eq!(by_category["meta"]["total"], 3);
    for a in by_category["data"].as_array().unwrap() {
        assert_eq!(a["category"]["slug"], "career-development");
    }
    // Tags match by slug or by name, in any case.
    for tag in ["ecmo", "ECMO", "Ecmo"] {
        let page = app.get_json(&format!("/api/v1/articles?tag={tag}")).await;
        assert_eq!(slugs(&page), vec!["perfusion-in-practice"], "{tag}");
    }
    let none = app.get_json("/api/v1/articles?tag=unknown-tag").await;
    assert_eq!(none["meta"]["total"], 0);
    // The seed is published on 2026-11-23.
    let after = app
        .get_json("/api/v1/articles?published_after=2026-11-23")
        .await;
    assert_eq!(after["meta"]["total"], SEEDED);
    let before = app
        .get_json("/api/v1/articles?published_before=2026-11-23T00:00:00Z")
        .await;
    assert_eq!(before["meta"]["total"], 0);
    let by_title = app.get_json("/api/v1/articles?sort=title&limit=2").await;
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
    app.create_article(&editor, draft).await;

    let categories = app.get_json("/api/v1/categories").await;
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

    let tags = app.get_json("/api/v1/tags?limit=100").await;
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

    // Tags are case-insensitive: a second spelling reuses the first.
    let mut one = article("One", "published");
    one["tags"] = json!(["Perfusion Safety"]);
    let a = app.create_article(&editor, one).await;
    let mut two = article("Two", "published");
    two["tags"] = json!(["perfusion safety", "PERFUSION SAFETY"]);
    let b = app.create_article(&editor, two).await;
    assert_eq!(a["tags"], b["tags"]);
    assert_eq!(b["tags"][0]["name"], "Perfusion Safety");
}

#[tokio::test]
async fn admins_manage_categories() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let admin = app.token(Role::Admin).await;
    let body = json!({"name": "Clinical Practice", "description": "At the pump.", "position": 5});
    let res = app
        .send(
            Method::POST,
            "/api/v1/categories",
            Some(&editor),
            None,
            Some(&body),
        )
        .await;
    assert_problem(res, 403).await;
    let res = app
        .send(
            Method::POST,
            "/api/v1/categories",
            Some(&admin),
            None,
            Some(&body),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()["location"],
        "/api/v1/categories/clinical-practice"
    );
    let res = app
        .send(
            Method::POST,
            "/api/v1/categories",
            Some(&admin),
            None,
            Some(&body),
        )
        .await;
    assert_problem(res, 409).await;
    let res = app
        .send(
            Method::PATCH,
            "/api/v1/categories/clinical-practice",
            Some(&admin),
            None,
            Some(&json!({"description": null})),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.unwrap()["data"]["description"].is_null());
    // A category with articles cannot go; an empty one can.
    let res = app
        .send(
            Method::DELETE,
            "/api/v1/categories/career-development",
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_problem(res, 409).await;
    let res = app
        .send(
            Method::DELETE,
            "/api/v1/categories/clinical-practice",
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(
        app.get("/api/v1/categories/clinical-practice").send().await,
        404,
    )
    .await;
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
            perfusion_api::api::http_cache::etag_of(&body),
            "{path}: ETag from the body"
        );
        let res = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 304, "{path}");
    }
}

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
                link.starts_with("https://api.perfusion.example/api/v1/articles/"),
                "{path}: absolute link {link}"
            );
            assert!(entry.title.is_some());
            assert!(entry.published.is_some(), "{path}");
        }

        // Filtered by category and by tag.
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

#[tokio::test]
async fn put_replaces_the_whole_article_and_keeps_its_slug_unless_given() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let mut body = article("Original", "published");
    body["tags"] = json!(["Old tag"]);
    body["featured_image_url"] = json!("https://images.example/a.jpg");
    body["featured_image_alt"] = json!("A pump");
    app.create_article(&editor, body).await;
    let etag = app.etag(&editor, "original").await;
    let replacement = json!({
        "title": "Replaced",
        "body_markdown": "New *body*.",
        "category": "leadership-training",
        "status": "published",
        "published_at": "2026-01-02T03:04:05Z",
    });
    let res = app
        .send(
            Method::PUT,
            "/api/v1/articles/original",
            Some(&editor),
            None,
            Some(&replacement),
        )
        .await;
    assert_problem(res, 428).await;
    let res = app
        .send(
            Method::PUT,
            "/api/v1/articles/original",
            Some(&editor),
            Some(&etag),
            Some(&replacement),
        )
        .await;
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
    // The old ETag is now stale; the new one is what a reader gets.
    assert_eq!(new_etag, app.etag(&editor, "original").await);
    let res = app
        .send(
            Method::PUT,
            "/api/v1/articles/original",
            Some(&editor),
            Some(&etag),
            Some(&replacement),
        )
        .await;
    assert_problem(res, 412).await;
    // A rename to a slug another article has is a conflict.
    let mut taken = replacement.clone();
    taken["slug"] = json!("staffing-trends");
    let res = app
        .send(
            Method::PUT,
            "/api/v1/articles/original",
            Some(&editor),
            Some(&new_etag),
            Some(&taken),
        )
        .await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn status_changes_start_from_what_readers_see() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;

    // An empty change changes nothing.
    app.create_article(&editor, article("Steady", "draft"))
        .await;
    let before = app.etag(&editor, "steady").await;
    let res = app.patch_article(&editor, "steady", json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), before);

    // Publishing a scheduled article early publishes it now.
    let mut early = article("Early bird", "scheduled");
    early["published_at"] = json!("2999-01-01T00:00:00Z");
    app.create_article(&editor, early).await;
    let res = app
        .patch_article(&editor, "early-bird", json!({"status": "published"}))
        .await;
    assert_eq!(res.status(), 200);
    let a = res.json::<Value>().await.unwrap()["data"].clone();
    assert_eq!(a["status"], "published");
    let at = chrono::DateTime::parse_from_rfc3339(a["published_at"].as_str().unwrap()).unwrap();
    assert!((Utc::now() - at.with_timezone(&Utc)).num_seconds().abs() < 60);
    assert_eq!(
        app.get("/api/v1/articles/early-bird").send().await.status(),
        200
    );

    // A scheduled article that went public by itself can have its time corrected.
    let mut due = article("Due now", "scheduled");
    let at = Utc::now() + chrono::Duration::milliseconds(1500);
    due["published_at"] = json!(at.to_rfc3339_opts(SecondsFormat::Micros, true));
    app.create_article(&editor, due).await;
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let res = app
        .patch_article(
            &editor,
            "due-now",
            json!({"published_at": "2026-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let shown = app.get_json("/api/v1/articles/due-now").await;
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
    app.create_article(&editor, tricky).await;
    for path in [
        "/feeds/articles.rss",
        "/feeds/articles.atom",
        "/feeds/articles.json",
    ] {
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
            .get_json(&format!("/api/v1/articles?limit=1{query}"))
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
    app.create_article(&editor, first).await;
    step(&app, &mut expected, "publish a new article").await;

    let mut second = article("Totals two", "draft");
    second["category"] = json!("career-development");
    second["tags"] = json!(["ECMO"]);
    app.create_article(&editor, second).await;
    assert_eq!(api_totals(&app).await, expected, "a draft counts nowhere");
    let res = app
        .patch_article(&editor, "totals-two", json!({"status": "published"}))
        .await;
    assert_eq!(res.status(), 200);
    step(&app, &mut expected, "publish a draft").await;

    let res = app
        .patch_article(
            &editor,
            "totals-one",
            json!({"category": "perfusion-research"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    step(&app, &mut expected, "move to another category").await;

    let res = app
        .patch_article(&editor, "totals-one", json!({"tags": ["Transport"]}))
        .await;
    assert_eq!(res.status(), 200);
    step(&app, &mut expected, "take a tag away").await;

    let at = Utc::now() + chrono::Duration::seconds(2);
    let mut later = article("Totals later", "scheduled");
    later["category"] = json!("career-development");
    later["tags"] = json!(["ECMO"]);
    later["published_at"] = json!(at.to_rfc3339_opts(SecondsFormat::Micros, true));
    app.create_article(&editor, later).await;
    assert_eq!(api_totals(&app).await, expected, "not due yet");
    tokio::time::sleep((at - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(200))
        .await;
    step(&app, &mut expected, "a scheduled article falls due").await;

    let res = app
        .patch_article(&editor, "totals-two", json!({"status": "archived"}))
        .await;
    assert_eq!(res.status(), 200);
    step(&app, &mut expected, "archive").await;

    let res = app
        .send(
            Method::DELETE,
            "/api/v1/articles/totals-later",
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    step(&app, &mut expected, "delete").await;
}
