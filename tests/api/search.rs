//! Searching the articles (`GET /api/v1/articles?q=`): what a reader typing in a search box gets.

use std::{collections::HashSet, time::Duration};

use chrono::{SecondsFormat, Utc};
use diesel_async::RunQueryDsl;
use perfusion_api::domain::Role;
use serde_json::{json, Value};

use crate::helpers::TestApp;

const ARTICLES: &str = "/api/v1/articles";

/// What answers a search: the search index in the service (the default), or PostgreSQL (with
/// `SEARCH_INDEX=off`, and while the index is built). Every story below runs with each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Index,
    Database,
}

impl Engine {
    async fn spawn(self) -> TestApp {
        TestApp::spawn_with(|s| s.search_index = self == Engine::Index).await
    }
}

macro_rules! with_each_engine {
    ($($story:ident),+ $(,)?) => {
        mod by_the_search_index {
            $(#[tokio::test]
            async fn $story() {
                super::$story(super::Engine::Index).await
            })+
        }
        mod by_postgresql {
            $(#[tokio::test]
            async fn $story() {
                super::$story(super::Engine::Database).await
            })+
        }
    };
}

with_each_engine!(
    the_last_word_typed_is_a_prefix_so_a_search_box_finds_as_you_type,
    each_hit_has_a_snippet_with_the_words_marked_and_the_rest_escaped,
    a_misspelled_search_that_finds_nothing_suggests_the_title_word,
    a_title_match_ranks_above_an_excerpt_match_above_a_body_match,
    a_scheduled_article_is_found_when_its_time_comes_without_a_write,
    paging_through_a_search_shows_every_hit_exactly_once,
    a_search_reflects_a_write_at_once,
    without_pg_trgm_a_search_still_answers_only_without_a_suggestion,
    a_search_with_operators_only_is_answered_not_refused,
);

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

/// The snippet of the hit `slug` on a page of search results.
fn snippet_of(page: &Value, slug: &str) -> String {
    let hit = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["slug"] == slug)
        .unwrap_or_else(|| panic!("{slug} is not on the page: {page}"));
    hit["snippet"].as_str().unwrap().to_owned()
}

fn slugs(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_last_word_typed_is_a_prefix_so_a_search_box_finds_as_you_type(engine: Engine) {
    let app = engine.spawn().await;
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

async fn each_hit_has_a_snippet_with_the_words_marked_and_the_rest_escaped(engine: Engine) {
    let app = engine.spawn().await;
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
    let snippet = snippet_of(&found, "circuit-notes");
    assert!(snippet.contains("<mark>oxygenator</mark>"), "{snippet}");
    assert!(snippet.contains("ACT &lt; 480 &amp; check"), "{snippet}");
    // A tag is left out (as PostgreSQL's parser reads it); its text is escaped.
    assert!(snippet.contains("alert(&#39;x&#39;)"), "{snippet}");
    assert!(!snippet.contains("script&gt;"), "{snippet}");
    let without_marks = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(!without_marks.contains(['<', '>']), "{snippet}");
    // A word still being typed is marked whole.
    let typing = search(&app, "q=act%20oxyg").await;
    let snippet = snippet_of(&typing, "circuit-notes");
    assert!(snippet.contains("<mark>oxygenator</mark>"), "{snippet}");
    // A list without a search has no snippet.
    assert!(search(&app, "limit=1").await["data"][0]
        .get("snippet")
        .is_none());
}

async fn a_misspelled_search_that_finds_nothing_suggests_the_title_word(engine: Engine) {
    let app = engine.spawn().await;
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

async fn a_title_match_ranks_above_an_excerpt_match_above_a_body_match(engine: Engine) {
    let app = engine.spawn().await;
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

async fn a_scheduled_article_is_found_when_its_time_comes_without_a_write(engine: Engine) {
    let app = engine.spawn().await;
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

async fn paging_through_a_search_shows_every_hit_exactly_once(engine: Engine) {
    let app = engine.spawn().await;
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

async fn a_search_reflects_a_write_at_once(engine: Engine) {
    let app = engine.spawn().await;
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

async fn without_pg_trgm_a_search_still_answers_only_without_a_suggestion(engine: Engine) {
    let app = engine.spawn().await;
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

async fn a_search_with_operators_only_is_answered_not_refused(engine: Engine) {
    let app = engine.spawn().await;
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

/// PostgreSQL holds only stems: "oxygena" is no prefix of "oxygen", the stem of "oxygenator",
/// so there a search box finds nothing between "oxygen" and "oxygenator". The index also holds
/// the words as written.
#[tokio::test]
async fn with_the_index_every_letter_typed_keeps_finding_the_word() {
    let app = Engine::Index.spawn().await;
    let editor = app.token(Role::Editor).await;
    publish(
        &app,
        &editor,
        article("Oxygenator checks", "Before every case.", "Pressure drop."),
    )
    .await;
    for end in 3..="oxygenator".len() {
        let typed = &"oxygenator"[..end];
        let found = search(&app, &format!("q={typed}")).await;
        assert_eq!(slugs(&found)[0], "oxygenator-checks", "q={typed}");
        let snippet = found["data"][0]["snippet"].as_str().unwrap();
        assert!(!snippet.is_empty(), "q={typed}");
    }
    let typing = search(&app, "q=checks%20oxygenat").await;
    assert_eq!(slugs(&typing), ["oxygenator-checks"]);
}

#[tokio::test]
async fn readiness_says_what_answers_searches() {
    let indexed = Engine::Index.spawn().await;
    let ready = indexed.get("/health/ready").send_json().await;
    assert_eq!(ready["search"], "index", "{ready}");
    let off = Engine::Database.spawn().await;
    let ready = off.get("/health/ready").send_json().await;
    assert_eq!(ready["search"], "database", "{ready}");
}

#[tokio::test]
async fn a_second_instance_finds_a_write_of_the_first_at_once() {
    let first = Engine::Index.spawn().await;
    // Without a response cache: another instance's cached answers are dropped when PostgreSQL's
    // NOTIFY reaches it, a few milliseconds after the commit (tests/api/response_cache.rs);
    // this story is about the search index, which never lags a commit.
    let second = first.spawn_beside(|s| s.response_cache_mb = 0).await;
    let editor = first.token(Role::Editor).await;
    // The second instance built its index before the article existed.
    assert!(second
        .get("/health/ready")
        .send_json()
        .await
        .get("search")
        .is_some_and(|s| s == "index"));
    let made = publish(
        &first,
        &editor,
        article("Normothermic perfusion", "Notes.", "Words."),
    )
    .await;
    let slug = made["slug"].as_str().unwrap();
    assert_eq!(slugs(&search(&second, "q=normothermic").await), vec![slug]);

    // Its words change, then it is archived: the second instance follows each write.
    let etag = first
        .get(&format!("{ARTICLES}/{slug}"))
        .token(&editor)
        .send()
        .await
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let res = first
        .patch(&format!("{ARTICLES}/{slug}"))
        .token(&editor)
        .if_match(&etag)
        .json(&json!({ "title": "Hypothermic perfusion" }))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(search(&second, "q=normothermic").await["meta"]["total"], 0);
    assert_eq!(slugs(&search(&second, "q=hypothermic").await), vec![slug]);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = first
        .patch(&format!("{ARTICLES}/{slug}"))
        .token(&editor)
        .if_match(&etag)
        .json(&json!({ "status": "archived" }))
        .send()
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(search(&second, "q=hypothermic").await["meta"]["total"], 0);
}

#[tokio::test]
async fn while_many_search_at_once_each_finds_what_was_written_before_it() {
    // Searches that arrive together share the index's rounds of catching up with PostgreSQL;
    // each must still find the write its reader made just before. (No response cache: every
    // search goes to the index.) A round numbered too late would slip through here only
    // within one round trip's time; the proof of the numbering is in `Engine::catch_up`.
    let app = TestApp::spawn_with(|s| {
        s.search_index = true;
        s.response_cache_mb = 0;
    })
    .await;
    let editor = app.token(Role::Editor).await;
    let birds = ["kestrel", "osprey", "heron", "plover", "curlew", "egret"];
    let writer = |bird: &'static str| {
        let (app, editor) = (&app, &editor);
        async move {
            for n in 1..=4 {
                let title = format!("{bird} sighting {n}");
                publish(app, editor, article(&title, "Seen.", "Words.")).await;
                let found = search(app, &format!("q={bird}")).await;
                assert_eq!(found["meta"]["total"], n, "{bird}: {found}");
            }
        }
    };
    let reader = || async {
        for _ in 0..30 {
            search(&app, "q=sighting").await;
        }
    };
    tokio::join!(
        futures_util::future::join_all(birds.map(writer)),
        reader(),
        reader(),
    );
    let all = search(&app, "q=sighting").await;
    assert_eq!(all["meta"]["total"], birds.len() * 4);
}

#[tokio::test]
async fn a_write_rolled_back_never_shows_and_one_committed_later_does() {
    let app = Engine::Index.spawn().await;
    let editor = app.token(Role::Editor).await;
    publish(&app, &editor, article("Argon", "a", "a")).await;
    publish(&app, &editor, article("Neon", "n", "n")).await;
    // Two transactions rename those articles and stay open while searches and another write
    // go on; then one rolls back and the other commits.
    let rename =
        |from: &str, to: &str| format!("UPDATE articles SET title = '{to}' WHERE slug = '{from}'");
    let mut undone = app.conn().await;
    diesel::sql_query("BEGIN")
        .execute(&mut undone)
        .await
        .unwrap();
    diesel::sql_query(rename("argon", "Xenon"))
        .execute(&mut undone)
        .await
        .unwrap();
    let mut late = app.conn().await;
    diesel::sql_query("BEGIN").execute(&mut late).await.unwrap();
    diesel::sql_query(rename("neon", "Krypton"))
        .execute(&mut late)
        .await
        .unwrap();
    publish(&app, &editor, article("Radon", "r", "r")).await;
    assert_eq!(search(&app, "q=radon").await["meta"]["total"], 1);
    assert_eq!(search(&app, "q=xenon").await["meta"]["total"], 0);
    assert_eq!(search(&app, "q=krypton").await["meta"]["total"], 0);
    assert_eq!(search(&app, "q=argon").await["meta"]["total"], 1);

    diesel::sql_query("ROLLBACK")
        .execute(&mut undone)
        .await
        .unwrap();
    diesel::sql_query("COMMIT")
        .execute(&mut late)
        .await
        .unwrap();
    assert_eq!(search(&app, "q=xenon").await["meta"]["total"], 0);
    assert_eq!(search(&app, "q=argon").await["meta"]["total"], 1);
    assert_eq!(slugs(&search(&app, "q=krypton").await), vec!["neon"]);
    assert_eq!(search(&app, "q=neon").await["meta"]["total"], 0);
}

#[tokio::test]
async fn a_cursor_is_continued_by_the_engine_that_made_it() {
    let indexed = Engine::Index.spawn().await;
    let off = indexed.spawn_beside(|s| s.search_index = false).await;
    let editor = indexed.token(Role::Editor).await;
    for i in 0..5 {
        publish(
            &indexed,
            &editor,
            article(&format!("Cannula notes {i}"), "Notes.", "Cannula sizes."),
        )
        .await;
    }
    // Page 1 from PostgreSQL, the rest from the instance with an index: still PostgreSQL's
    // order, every hit once.
    let first = search(&off, "q=cannula&limit=2").await;
    let mut seen = slugs(&first);
    let mut cursor = first["meta"]["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let page = search(&indexed, &format!("q=cannula&limit=2&cursor={c}")).await;
        assert_eq!(page["meta"]["total"], 5);
        seen.extend(slugs(&page));
        cursor = page["meta"]["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5, "{seen:?}");

    // A cursor of the index's order, given to an instance without the index: 503, retry.
    let page = search(&indexed, "q=cannula&limit=2").await;
    let c = page["meta"]["next_cursor"].as_str().unwrap();
    let res = off
        .get(&format!("{ARTICLES}?q=cannula&limit=2&cursor={c}"))
        .send()
        .await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
}
