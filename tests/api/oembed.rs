//! oEmbed, as a CMS uses it: given the address of one of our pages, it gets an iframe to show.

use perfusion_api::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, fields, TestApp};

const BASE: &str = "https://api.perfusion.example";

async fn app() -> TestApp {
    TestApp::spawn_with(|s| s.public_base_url = BASE.into()).await
}

async fn oembed(app: &TestApp, url: &str, extra: &str) -> reqwest::Response {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("url", url)
        .finish();
    app.get(&format!("/oembed?{query}{extra}")).send().await
}

async fn publish(app: &TestApp, title: &str) -> String {
    let editor = app.token(Role::Editor).await;
    let res = app
        .post("/api/v1/articles")
        .token(&editor)
        .json(&json!({"title": title, "body_markdown": "Words.", "category": "perfusion-research", "status": "published"}))
        .send()
        .await;
    res.json::<Value>().await.unwrap()["data"]["slug"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_article_page_embeds_as_an_iframe_of_its_card() {
    let app = app().await;
    let slug = publish(&app, "Embed me").await;
    let res = oembed(&app, &format!("{BASE}/articles/{slug}"), "&maxwidth=300").await;
    assert_eq!(res.status(), 200);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["version"], "1.0");
    assert_eq!(e["type"], "rich");
    assert_eq!(e["title"], "Embed me");
    assert_eq!(e["provider_name"], "Perfusion Partners");
    assert_eq!(e["width"], 300, "maxwidth is honoured");
    assert_eq!(e["height"], 420);
    assert!(e["cache_age"].is_u64());
    let html = e["html"].as_str().unwrap();
    assert!(
        html.starts_with(&format!(r#"<iframe src="{BASE}/embed/articles/{slug}" title="Embed me" width="300" height="420""#)),
        "{html}"
    );
    let page = app
        .get(&format!("/articles/{slug}"))
        .send()
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<link rel="alternate" type="application/json+oembed""#));
    assert!(page.contains("/oembed?url=https%3A%2F%2Fapi.perfusion.example%2Farticles%2F"));
}

#[tokio::test]
async fn charts_and_the_projection_embed_as_their_widgets() {
    let app = app().await;
    let chart = format!("{BASE}/api/v1/staffing-statistics/annual_graduates/chart.svg");
    let e: Value = oembed(&app, &chart, "").await.json().await.unwrap();
    assert_eq!(e["title"], "New graduates each year");
    assert!(e["html"].as_str().unwrap().contains(&format!(
        "{BASE}/embed/staffing-statistics/annual_graduates"
    )));
    let projection = format!("{BASE}/api/v1/workforce/projection?years=20&graduates_per_year=250");
    let e: Value = oembed(&app, &projection, "&maxheight=200")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["height"], 200);
    assert!(e["html"]
        .as_str()
        .unwrap()
        .contains("/embed/workforce/projection?years=20&amp;graduates_per_year=250"));
}

#[tokio::test]
async fn only_our_own_embeddable_addresses_are_answered_and_nothing_is_fetched() {
    let app = app().await;
    for url in [
        "https://evil.example/articles/x",
        "http://169.254.169.254/latest/meta-data",
        &format!("{BASE}/api/v1/admin/users"),
        &format!("{BASE}/articles/no-such-article"),
        &format!("{BASE}/api/v1/staffing-statistics/no_such_metric/chart.svg"),
    ] {
        assert_problem(oembed(&app, url, "").await, 404).await;
    }
    let page = format!("{BASE}/embed/history-events");
    assert_problem(oembed(&app, &page, "&format=xml").await, 501).await;
    let res = oembed(&app, &page, "&format=yaml").await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["format"]);
    assert_problem(app.get("/oembed").send().await, 400).await;
    let res = oembed(&app, &page, "&maxwidth=0&maxheight=20000").await;
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, vec!["maxheight", "maxwidth"]);
}

#[tokio::test]
async fn an_article_on_the_sites_own_front_end_embeds_too() {
    let app = TestApp::spawn_with(|s| {
        s.public_base_url = BASE.into();
        s.article_url_template = Some("https://perfusionpartners.example/read/{slug}".into());
    })
    .await;
    let slug = publish(&app, "Front end").await;
    let res = oembed(
        &app,
        &format!("https://perfusionpartners.example/read/{slug}"),
        "",
    )
    .await;
    assert_eq!(res.status(), 200);
    let e: Value = res.json().await.unwrap();
    assert!(e["html"]
        .as_str()
        .unwrap()
        .contains(&format!("{BASE}/embed/articles/{slug}")));
}

#[tokio::test]
async fn a_hostile_title_is_escaped_in_the_iframe() {
    let app = app().await;
    let slug = publish(&app, r#"<script>x</script> & "q""#).await;
    let e: Value = oembed(&app, &format!("{BASE}/articles/{slug}"), "")
        .await
        .json()
        .await
        .unwrap();
    let html = e["html"].as_str().unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(
        html.contains(r#"title="&lt;script&gt;x&lt;/script&gt; &amp; &quot;q&quot;""#),
        "{html}"
    );
}
