//! Widgets, as a partner site's page uses them: in an iframe, drawn by a browser, read by a
//! screen reader, and allowed in the frame only for the partners the operator names.

use perfusion_api::domain::Role;
use serde_json::json;

use crate::helpers::{assert_problem, fields, TestApp};

const FIGURE: &str = "/embed/staffing-statistics/certified_perfusionists";

/// A widget as a browser in an iframe asks for it.
async fn widget(app: &TestApp, path: &str) -> (reqwest::header::HeaderMap, String) {
    let res = app.get(path).header("Accept", "text/html").send().await;
    assert_eq!(res.status(), 200, "{path}");
    let headers = res.headers().clone();
    (headers, res.text().await.unwrap())
}

#[tokio::test]
async fn a_figure_widget_shows_the_figure_its_date_and_its_source() {
    let app = TestApp::spawn().await;
    let (h, page) = widget(&app, FIGURE).await;
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert!(page.starts_with("<!DOCTYPE html><html lang=\"en\">"));
    assert!(page.contains("<h1>Certified perfusionists</h1>"));
    assert!(page.contains("4,522"));
    assert!(page.contains("undated (retrieved 2026-11-23)"));
    assert!(page.contains(
        r#"<a href="https://perfusionleaders.com/about-us/" target="_blank" rel="noopener noreferrer">"#
    ));
    assert!(!page.contains("<script"), "no script is needed");
    assert!(page.len() < 30 * 1024, "under 30 KB: {}", page.len());
    let etag = h["etag"].to_str().unwrap();
    let again = app.get(FIGURE).header("If-None-Match", etag).send().await;
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn widgets_may_be_framed_anywhere_by_default_and_nothing_else_may() {
    let app = TestApp::spawn().await;
    let (h, _) = widget(&app, FIGURE).await;
    assert!(h.get("x-frame-options").is_none());
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'unsafe-inline'"),
        "{csp}"
    );
    assert!(csp.contains("form-action 'self'"));
    assert!(
        csp.contains("frame-src 'self'"),
        "the gallery frames the widgets"
    );
    assert!(csp.ends_with("frame-ancestors *"), "{csp}");
    let res = app.get("/api/v1/history-events").send().await;
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test]
async fn an_operator_names_the_partners_that_may_frame_widgets() {
    let app = TestApp::spawn_with(|s| {
        s.embed_allowed_origins = vec![
            "https://hospital.example".into(),
            "https://society.example".into(),
        ]
    })
    .await;
    let (h, _) = widget(&app, "/embed/history-events").await;
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.ends_with("frame-ancestors https://hospital.example https://society.example"),
        "{csp}"
    );
}

#[tokio::test]
async fn a_bad_parameter_is_a_small_html_page_for_a_browser_and_a_problem_otherwise() {
    let app = TestApp::spawn().await;
    let path = format!("{FIGURE}?accent=red&theme=dark");
    let res = app.get(&path).header("Accept", "text/html").send().await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let page = res.text().await.unwrap();
    assert!(page.contains("<code>accent</code>"), "{page}");
    let res = app.get(&path).send().await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["accent"]);
    let res = app
        .get("/embed/staffing-statistics/no_such_metric")
        .header("Accept", "text/html")
        .send()
        .await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("<h1>"));
    let res = app.get(&format!("{FIGURE}?theme=neon")).send().await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["theme"]);
}

#[tokio::test]
async fn a_widget_takes_the_partners_theme_and_accent() {
    let app = TestApp::spawn().await;
    let (_, page) = widget(&app, &format!("{FIGURE}?theme=dark&accent=%2300ff88")).await;
    assert!(page.contains("background:#121417"), "the dark theme");
    assert!(page.contains("color:#00ff88"), "links in the accent");
}

#[tokio::test]
async fn the_projection_widget_draws_the_chart_and_says_it_in_words() {
    let app = TestApp::spawn().await;
    let (_, page) = widget(&app, "/embed/workforce/projection?years=5").await;
    assert!(page.contains("<svg"));
    assert!(page.contains("<figcaption"));
    assert!(page.contains("Supply goes from 4,522 to 4,022"), "{page}");
    let res = app
        .get("/embed/workforce/projection?years=0")
        .header("Accept", "text/html")
        .send()
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn the_timeline_widget_lists_the_history_oldest_first() {
    let app = TestApp::spawn().await;
    let (_, page) = widget(&app, "/embed/history-events").await;
    assert!(page.contains("<ol class=\"timeline\">"));
    let gibbon = page.find("1953").expect("1953 is on the timeline");
    let later = page.find("1970").unwrap_or(usize::MAX);
    assert!(gibbon < later || later == usize::MAX);
}

#[tokio::test]
async fn what_editors_write_is_escaped_in_every_widget() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let hostile = r#"<script>alert("x")</script> & "quotes""#;
    let res = app
        .post("/api/v1/staffing-statistics/certified_perfusionists/observations")
        .token(&editor)
        .json(
            &json!({"value": 4600, "as_of": "2025-01-01", "source": hostile,
            "source_url": "https://example.org/?a=1&b=\"2\"", "headline": true}),
        )
        .send()
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post("/api/v1/history-events")
        .token(&editor)
        .json(&json!({"title": hostile, "summary": hostile, "year": 2025}))
        .send()
        .await;
    assert_eq!(res.status(), 201);
    for path in [FIGURE, "/embed/history-events"] {
        let (_, page) = widget(&app, path).await;
        assert!(!page.contains("<script"), "{path}");
        assert!(
            page.contains(
                "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;"
            ),
            "{path}"
        );
    }
    let (_, page) = widget(&app, FIGURE).await;
    assert!(
        page.contains(r#"href="https://example.org/?a=1&amp;b="#),
        "an attribute is escaped too"
    );
}

/// Publishes an article titled `title` as an editor; returns its slug.
async fn publish(app: &TestApp, editor: &str, title: &str) -> String {
    let res = app
        .post("/api/v1/articles")
        .token(editor)
        .json(&json!({"title": title, "excerpt": format!("About {title}"),
            "body_markdown": "Some words.", "category": "perfusion-research",
            "status": "published", "tags": ["Pumps"]}))
        .send()
        .await;
    assert_eq!(res.status(), 201);
    res.json::<serde_json::Value>().await.unwrap()["data"]["slug"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_article_has_a_readable_page_with_its_card_tags_and_structured_data() {
    let app =
        TestApp::spawn_with(|s| s.public_base_url = "https://api.perfusion.example".into()).await;
    let editor = app.token(Role::Editor).await;
    let slug = publish(&app, &editor, "Roller pumps explained").await;
    let res = app.get(&format!("/articles/{slug}")).send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        res.headers()["x-frame-options"],
        "DENY",
        "a page is no widget"
    );
    let page = res.text().await.unwrap();
    let canonical = format!("https://api.perfusion.example/articles/{slug}");
    assert!(page.contains(&format!(r#"<link rel="canonical" href="{canonical}">"#)));
    assert!(page.contains(r#"<meta property="og:title" content="Roller pumps explained">"#));
    assert!(page.contains(r#"<meta property="og:type" content="article">"#));
    assert!(page.contains(r#"<meta name="twitter:card" content="summary">"#));
    assert!(page.contains("<h1>Roller pumps explained</h1>"));
    assert!(page.contains("<p>Some words.</p>"), "the rendered body");
    let start = page.find(r#"<script type="application/ld+json">"#).unwrap() + 35;
    let end = start + page[start..].find("</script>").unwrap();
    let ld: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    assert_eq!(ld["@type"], "Article");
    assert_eq!(ld["headline"], "Roller pumps explained");
    assert_eq!(ld["mainEntityOfPage"], canonical.as_str());
    assert_eq!(ld["keywords"], json!(["Pumps"]));
}

#[tokio::test]
async fn an_old_slug_redirects_to_the_articles_page_and_a_draft_has_none() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let slug = publish(&app, &editor, "Old name").await;
    let path = format!("/api/v1/articles/{slug}");
    let etag = app.get(&path).token(&editor).send().await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let res = app
        .patch(&path)
        .token(&editor)
        .if_match(&etag)
        .json(&json!({"slug": "new-name"}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let res = app.get(&format!("/articles/{slug}")).send().await;
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "/articles/new-name");
    let res = app
        .post("/api/v1/articles")
        .token(&editor)
        .json(
            &json!({"title": "Unfinished", "body_markdown": "x", "category": "perfusion-research"}),
        )
        .send()
        .await;
    let draft = res.json::<serde_json::Value>().await.unwrap()["data"]["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .get(&format!("/articles/{draft}"))
        .header("Accept", "text/html")
        .send()
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
}

#[tokio::test]
async fn the_articles_widget_links_each_title_to_its_page() {
    let app =
        TestApp::spawn_with(|s| s.public_base_url = "https://api.perfusion.example".into()).await;
    let editor = app.token(Role::Editor).await;
    let slug = publish(&app, &editor, "Newest of all").await;
    let (_, page) = widget(&app, "/embed/articles?limit=2").await;
    assert_eq!(page.matches("<li>").count(), 2, "limit");
    assert!(page.contains(&format!(
        r#"<a href="https://api.perfusion.example/articles/{slug}" target="_blank" rel="noopener noreferrer">Newest of all</a>"#
    )));
    assert!(!page.contains("/api/v1/articles/"), "never the JSON");
    let (_, page) = widget(&app, "/embed/articles?tag=Pumps").await;
    assert_eq!(page.matches("<li>").count(), 1, "by tag");
    for bad in ["limit=11", "limit=0", "category=no-such-category"] {
        let res = app.get(&format!("/embed/articles?{bad}")).send().await;
        let field = bad.split('=').next().unwrap();
        assert_eq!(
            fields(&assert_problem(res, 400).await),
            vec![field],
            "{bad}"
        );
    }
}

#[tokio::test]
async fn an_article_card_reads_more_on_the_sites_own_front_end_when_it_has_one() {
    let app = TestApp::spawn_with(|s| {
        s.article_url_template = Some("https://perfusionpartners.example/read/{slug}".into())
    })
    .await;
    let editor = app.token(Role::Editor).await;
    let slug = publish(&app, &editor, "A card").await;
    let (_, page) = widget(&app, &format!("/embed/articles/{slug}")).await;
    assert!(page.contains(&format!(
        r#"<a href="https://perfusionpartners.example/read/{slug}" target="_blank" rel="noopener noreferrer">Read more</a>"#
    )));
    assert!(page.contains("About A card"), "the excerpt");
    let res = app
        .get("/embed/articles/no-such-article")
        .header("Accept", "text/html")
        .send()
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn an_articles_hostile_title_is_escaped_on_its_page_card_and_list() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let hostile = r#"<script>alert("x")</script> & "quotes""#;
    let slug = publish(&app, &editor, hostile).await;
    for path in [
        format!("/articles/{slug}"),
        format!("/embed/articles/{slug}"),
        "/embed/articles".to_owned(),
    ] {
        let res = app.get(&path).send().await;
        assert_eq!(res.status(), 200, "{path}");
        let page = res.text().await.unwrap();
        assert!(!page.contains("<script>alert"), "{path}");
        assert!(
            page.contains(
                "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;"
            ),
            "{path}"
        );
    }
    let page = app
        .get(&format!("/articles/{slug}"))
        .send()
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"\u003cscript\u003ealert"#),
        "JSON-LD cannot end its element"
    );
}

const SUBSCRIBE: &str = "/embed/subscribe";

/// Posts the sign-up form as a browser does.
async fn post_form(app: &TestApp, form: &str) -> reqwest::Response {
    app.post(SUBSCRIBE)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "text/html")
        .body(form.to_owned())
        .send()
        .await
}

async fn subscriber_count(app: &TestApp, email: &str) -> i64 {
    use diesel::sql_types::{BigInt, Text};
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query(
        "SELECT count(*) AS n FROM subscribers s JOIN outbox o ON o.subscriber_id = s.id \
         WHERE s.email = $1 AND s.status = 'pending' AND o.kind = 'confirmation'",
    )
    .bind::<Text, _>(email)
    .get_result::<Count>(&mut app.conn().await)
    .await
    .unwrap()
    .n
}

#[tokio::test]
async fn the_sign_up_form_has_labelled_fields_and_the_partners_topics_ticked() {
    let app = TestApp::spawn().await;
    let (_, page) = widget(&app, SUBSCRIBE).await;
    assert!(page.contains(r#"<form method="post" action="/embed/subscribe""#));
    assert!(page.contains(r#"<label for="email">Email</label>"#));
    assert!(page.contains(r#"id="email" name="email" type="email""#));
    assert_eq!(page.matches(r#"type="checkbox""#).count(), 5);
    assert_eq!(page.matches("checked").count(), 5, "all topics by default");
    let (_, page) = widget(&app, &format!("{SUBSCRIBE}?topics=research,careers")).await;
    assert_eq!(page.matches("checked").count(), 2);
    let res = app.get(&format!("{SUBSCRIBE}?topics=gossip")).send().await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["topics"]);
}

#[tokio::test]
async fn the_form_signs_an_address_up_through_the_same_double_opt_in() {
    let app = TestApp::spawn().await;
    let res = post_form(
        &app,
        "email=Kim%40Example.org&name=Kim&topics=research&topics=media&website=",
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let page = res.text().await.unwrap();
    assert!(page.contains(
        "If this address can receive mail, a message with a confirmation link is on its way."
    ));
    assert_eq!(
        subscriber_count(&app, "Kim@example.org").await,
        1,
        "pending, with its confirmation mail queued"
    );
    let again = post_form(&app, "email=Kim%40Example.org&topics=research").await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.text().await.unwrap(),
        page,
        "the same words for every address"
    );
}

#[tokio::test]
async fn a_bot_that_fills_the_hidden_field_is_answered_as_anyone_and_nothing_is_sent() {
    let app = TestApp::spawn().await;
    let res = post_form(
        &app,
        "email=bot%40example.org&topics=research&website=http%3A%2F%2Fspam",
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Check your mail"));
    assert_eq!(subscriber_count(&app, "bot@example.org").await, 0);
}

#[tokio::test]
async fn a_bad_field_shows_the_form_again_with_what_is_wrong_and_what_was_typed() {
    let app = TestApp::spawn().await;
    let res = post_form(
        &app,
        "email=not-an-address&name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&topics=research",
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"aria-invalid="true""#));
    assert!(page.contains(r#"<span id="email-error" class="error">Email "#));
    assert!(
        page.contains(r#"value="not-an-address""#),
        "what was typed stays"
    );
    assert!(!page.contains("<script>alert"), "and is escaped");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let res = post_form(&app, "email=kim%40example.org").await;
    assert_eq!(res.status(), 400, "no topic ticked");
}

#[tokio::test]
async fn the_form_meets_the_same_rate_limit_as_the_json_sign_up() {
    let app = TestApp::spawn_with(|s| s.signups_per_minute = 1).await;
    let first = post_form(&app, "email=a%40example.org&topics=research").await;
    assert_eq!(first.status(), 200);
    let second = post_form(&app, "email=b%40example.org&topics=research").await;
    assert_eq!(second.status(), 429);
    assert!(second.headers().contains_key("retry-after"));
    assert_eq!(second.headers()["content-type"], "text/html; charset=utf-8");
}

#[tokio::test]
async fn the_gallery_shows_every_widget_and_chart_live_with_its_snippet() {
    let app =
        TestApp::spawn_with(|s| s.public_base_url = "https://api.perfusion.example".into()).await;
    let (h, page) = widget(&app, "/embed").await;
    assert!(
        h.get("x-frame-options").is_none(),
        "the gallery is under /embed"
    );
    for path in [
        "/embed/articles?limit=3",
        "/embed/staffing-statistics/certified_perfusionists",
        "/embed/workforce/projection",
        "/embed/history-events",
        "/embed/subscribe",
    ] {
        let src = format!("https://api.perfusion.example{path}").replace('&', "&amp;");
        assert!(
            page.contains(&format!(r#"<iframe src="{src}""#)),
            "{path} live"
        );
        assert!(
            page.contains(&format!(r#"&lt;iframe src=&quot;{src}"#)),
            "{path} snippet"
        );
    }
    assert_eq!(page.matches("<img src=").count(), 2, "two charts");
    assert!(page.contains(
        "/oembed?url=https%3A%2F%2Fapi.perfusion.example%2Fembed%2Farticles%3Flimit%3D3"
    ));
}
