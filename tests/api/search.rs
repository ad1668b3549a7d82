//! Searching the articles (`GET /api/v1/articles?q=`): what a reader typing in a search box gets.

use std::{collections::HashSet, time::Duration};

use chrono::{SecondsFormat, Utc};
use diesel_async::RunQueryDsl;
use perfusion_api::domain::Role;
use serde_json::{json, Value};

use crate::helpers::TestApp;

const ARTICLES: &str = "/api/v1/articles";

fn article(title: &str, excerpt: &str, body: &str) -> Value {
    json!({
        "title": title,
        "excerpt": excerpt,
        "body_markdown": body,
        "category": "perfusion-research",
        "status": "published",
    })
}

async fn publish(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app.post(ARTICLES).token(token).json(&body).send().await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["data"].clone()
}

async fn search(app: &TestApp, query: &str) -> Value {
    app.get(&format!("{ARTICLES}?{query}")).send_json().await
}

fn slugs(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_last_word_typed_is_a_prefix_so_a_search_box_finds_as_you_type() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    publish(
        &app,
        &editor,
        article("Oxygenator checks", "Before every case.", "Pressure drop."),
    )
    .await;

    for typed in ["oxygen", "oxy", "oxygenator%20che", "Oxygenator%20Checks"] {
        let found = search(&app, &format!("q={typed}")).await;
        // (A seeded article mentions oxygenators in its body: it ranks after the title.)
        assert_eq!(slugs(&found)[0], "oxygenator-checks", "q={typed}");
    }
    // A word before the last is a whole word, as before: "oxy" alone is not "oxygenator".
    assert_eq!(search(&app, "q=oxy%20checks").await["meta"]["total"], 0);
}

#[tokio::test]
async fn each_hit_has_a_snippet_with_the_words_marked_and_the_rest_escaped() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    publish(
        &app,
        &editor,
        article(
            "Circuit notes",
            "Plain notes.",
            "Dose when ACT < 480 & check the oxygenator <script>alert('x')</script> \"here\".",
        ),
    )
    .await;

    let found = search(&app, "q=oxygenator").await;
    let hit = found["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["slug"] == "circuit-notes")
        .unwrap();
    let snippet = hit["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>oxygenator</mark>"), "{snippet}");
    assert!(snippet.contains("ACT &lt; 480 &amp; check"), "{snippet}");
    // PostgreSQL's parser reads `<script>` as a tag and leaves it out; its text is escaped.
    assert!(snippet.contains("alert(&#39;x&#39;)"), "{snippet}");
    assert!(!snippet.contains("script&gt;"), "{snippet}");
    let without_marks = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(!without_marks.contains(['<', '>']), "{snippet}");
    // A list without a search has no snippet.
    assert!(search(&app, "limit=1").await["data"][0]
        .get("snippet")
        .is_none());
}

#[tokio::test]
async fn a_misspelled_search_that_finds_nothing_suggests_the_title_word() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    publish(
        &app,
        &editor,
        article("Oxygenator selection", "Which one.", "Criteria."),
    )
    .await;
    let mut draft = article("Cardioplegiax secrets", "Unpublished.", "Hidden.");
    draft["status"] = json!("draft");
    publish(&app, &editor, draft).await;

    let missed = search(&app, "q=oxygnator").await;
    assert_eq!(missed["meta"]["total"], 0);
    assert_eq!(missed["meta"]["suggestion"], "oxygenator");
    assert_eq!(
        slugs(&search(&app, "q=oxygenator").await)[0],
        "oxygenator-selection"
    );
    // A word only a draft's title has is never suggested.
    let hidden = search(&app, "q=cardioplegiaxx").await;
    assert_eq!(hidden["meta"]["total"], 0);
    assert!(hidden["meta"].get("suggestion").is_none(), "{hidden}");
    // Nor is anything offered when the search finds articles.
    assert!(search(&app, "q=oxygenator").await["meta"]
        .get("suggestion")
        .is_none());
}

#[tokio::test]
async fn a_title_match_ranks_above_an_excerpt_match_above_a_body_match() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    publish(
        &app,
        &editor,
        article(
            "Weekly notes",
            "Nothing special.",
            "We tried a new hemofilter today.",
        ),
    )
    .await;
    publish(
        &app,
        &editor,
        article("Monthly notes", "A hemofilter review.", "Other things."),
    )
    .await;
    publish(
        &app,
        &editor,
        article("Hemofilter basics", "An introduction.", "Other things."),
    )
    .await;

    let found = search(&app, "q=hemofilter").await;
    assert_eq!(
        slugs(&found),
        vec!["hemofilter-basics", "monthly-notes", "weekly-notes"]
    );
}

#[tokio::test]
async fn a_scheduled_article_is_found_when_its_time_comes_without_a_write() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let at = Utc::now() + chrono::Duration::seconds(2);
    let mut body = article("Perfluorocarbon outlook", "Soon.", "Later.");
    body["status"] = json!("scheduled");
    body["published_at"] = json!(at.to_rfc3339_opts(SecondsFormat::Micros, true));
    publish(&app, &editor, body).await;

    assert_eq!(search(&app, "q=perfluorocarbon").await["meta"]["total"], 0);
    let wait = (at - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(300);
    tokio::time::sleep(wait).await;
    assert_eq!(
        slugs(&search(&app, "q=perfluorocarbon").await),
        vec!["perfluorocarbon-outlook"]
    );
}

#[tokio::test]
async fn paging_through_a_search_shows_every_hit_exactly_once() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let mut expected = HashSet::new();
    for i in 0..7 {
        // Some rank alike (the same text), some differ: ties are broken by id.
        let body = "The centrifugal pump. ".repeat(1 + i % 3);
        let made = publish(
            &app,
            &editor,
            article(&format!("Notes {i}"), "Notes.", &body),
        )
        .await;
        expected.insert(made["slug"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut query = "q=centrifugal&limit=2".to_owned();
    loop {
        let page = search(&app, &query).await;
        assert_eq!(page["meta"]["total"], 7);
        seen.extend(slugs(&page));
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => query = format!("q=centrifugal&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), expected);
}

#[tokio::test]
async fn a_search_reflects_a_write_at_once() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let made = publish(&app, &editor, article("Pump notes", "Notes.", "Words.")).await;
    assert_eq!(search(&app, "q=impeller").await["meta"]["total"], 0);

    let slug = made["slug"].as_str().unwrap();
    let etag = app
        .get(&format!("{ARTICLES}/{slug}"))
        .token(&editor)
        .send()
        .await
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let res = app
        .patch(&format!("{ARTICLES}/{slug}"))
        .token(&editor)
        .if_match(&etag)
        .json(&json!({ "title": "Impeller notes" }))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(slugs(&search(&app, "q=impeller").await), vec![slug]);

    let res = app
        .delete(&format!("{ARTICLES}/{slug}"))
        .token(&editor)
        .send()
        .await;
    assert!(res.status().is_success());
    assert_eq!(search(&app, "q=impeller").await["meta"]["total"], 0);
}

#[tokio::test]
async fn without_pg_trgm_a_search_still_answers_only_without_a_suggestion() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    publish(
        &app,
        &editor,
        article("Oxygenator selection", "Which one.", "Criteria."),
    )
    .await;
    let mut conn = app.conn().await;
    diesel::sql_query("DROP EXTENSION pg_trgm CASCADE")
        .execute(&mut conn)
        .await
        .unwrap();

    let missed = search(&app, "q=oxygnator").await;
    assert_eq!(missed["meta"]["total"], 0);
    assert!(missed["meta"].get("suggestion").is_none(), "{missed}");
    let found = search(&app, "q=oxygen").await;
    assert_eq!(slugs(&found)[0], "oxygenator-selection");
}

#[tokio::test]
async fn a_search_with_operators_only_is_answered_not_refused() {
    let app = TestApp::spawn().await;
    for q in [
        "%22",
        "-",
        "or",
        "a%20or",
        "oxygen%3A*",
        "%26%7C!",
        "%22heart%20lung",
    ] {
        let res = app.get(&format!("{ARTICLES}?q={q}")).send().await;
        assert_eq!(res.status(), 200, "q={q}");
    }
}
