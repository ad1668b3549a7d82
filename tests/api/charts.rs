//! Charts as images, as a partner site uses them: an `<img src=".../chart.svg">` that a browser
//! draws and a screen reader reads, and nothing else.

use perfusion_api::domain::Role;
use quick_xml::{events::Event, Reader};
use serde_json::json;

use crate::helpers::{assert_problem, fields, TestApp};

const CERTIFIED_CHART: &str = "/api/v1/staffing-statistics/certified_perfusionists/chart.svg";
const PROJECTION_CHART: &str = "/api/v1/workforce/projection.svg";

/// A chart as an SVG reader sees it: every element name, the text of `<title>` and `<desc>`,
/// and all the text drawn. Panics unless the document is well-formed XML.
struct Svg {
    elements: Vec<String>,
    title: String,
    desc: String,
    text: String,
    raw: String,
}

fn parse(raw: String) -> Svg {
    let mut reader = Reader::from_str(&raw);
    let (mut elements, mut open) = (Vec::new(), Vec::<(String, String)>::new());
    let (mut title, mut desc, mut text) = (String::new(), String::new(), String::new());
    loop {
        match reader.read_event().expect("the chart is well-formed XML") {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                elements.push(name.clone());
                open.push((name, String::new()));
            }
            Event::Empty(e) => {
                elements.push(String::from_utf8(e.name().as_ref().to_vec()).unwrap())
            }
            Event::Text(t) => {
                if let Some((_, inner)) = open.last_mut() {
                    inner.push_str(&t.decode().unwrap());
                }
            }
            Event::GeneralRef(r) => {
                let entity = format!("&{};", r.decode().unwrap());
                if let Some((_, inner)) = open.last_mut() {
                    inner.push_str(&quick_xml::escape::unescape(&entity).unwrap());
                }
            }
            Event::End(_) => {
                let (name, inner) = open.pop().unwrap();
                match name.as_str() {
                    "title" if title.is_empty() => title = inner,
                    "desc" => desc = inner,
                    "text" => {
                        text.push_str(&inner);
                        text.push('\n');
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(open.is_empty(), "every element is closed");
    Svg {
        elements,
        title,
        desc,
        text,
        raw,
    }
}

async fn chart(app: &TestApp, path: &str) -> Svg {
    let res = app.get(path).send().await;
    assert_eq!(res.status(), 200, "{path}");
    parse(res.text().await.unwrap())
}

#[tokio::test]
async fn a_metric_chart_is_an_svg_image_that_does_nothing_but_draw() {
    let app = TestApp::spawn().await;
    let res = app.get(CERTIFIED_CHART).send().await;
    assert_eq!(res.status(), 200);
    let h = res.headers();
    assert_eq!(h["content-type"], "image/svg+xml; charset=utf-8");
    assert_eq!(
        h["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    );
    assert_eq!(h["x-frame-options"], "DENY", "only widgets may be framed");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["cache-control"].to_str().unwrap().starts_with("public"));
    let etag = h["etag"].to_str().unwrap().to_owned();
    let svg = parse(res.text().await.unwrap());
    assert_eq!(svg.elements[0], "svg");
    assert!(svg.raw.contains(r#"role="img""#));
    assert!(!svg
        .elements
        .iter()
        .any(|e| e == "script" || e == "foreignObject"));
    let again = app
        .get(CERTIFIED_CHART)
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn a_metric_chart_says_its_figures_in_words_and_names_its_source() {
    let app = TestApp::spawn().await;
    let svg = chart(&app, CERTIFIED_CHART).await;
    assert_eq!(svg.title, "Certified perfusionists");
    for words in [
        "3,875 on 2016-06-30",
        "3,989 on 2022-05-01",
        "4,522 (undated (retrieved 2026-11-23))",
    ] {
        assert!(svg.desc.contains(words), "{words} in {}", svg.desc);
    }
    assert!(svg.text.contains("people"), "the unit labels the axis");
    assert!(svg.text.contains("2016"), "years label the time axis");
    assert!(svg.text.contains("Source: Perfusion Partners page"));
    assert!(svg
        .text
        .contains("Current figure 4,522, undated (retrieved 2026-11-23)"));
}

#[tokio::test]
async fn a_chart_takes_a_size_a_theme_and_an_accent() {
    let app = TestApp::spawn().await;
    let svg = chart(
        &app,
        &format!("{CERTIFIED_CHART}?width=320&height=200&theme=dark&accent=%2312ab34"),
    )
    .await;
    assert!(svg.raw.contains(r#"width="320" height="200""#));
    assert!(svg.raw.contains("#12ab34"), "the accent draws the line");
    assert!(svg.raw.contains("#121417"), "the dark background");
    let short = chart(&app, &format!("{CERTIFIED_CHART}?accent=abc")).await;
    assert!(short.raw.contains("#aabbcc"));
}

#[tokio::test]
async fn bad_chart_parameters_are_named() {
    let app = TestApp::spawn().await;
    let res = app
        .get(&format!(
            "{CERTIFIED_CHART}?width=10000&height=1&accent=red"
        ))
        .send()
        .await;
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, vec!["accent", "height", "width"]);
    let res = app
        .get(&format!("{CERTIFIED_CHART}?theme=neon"))
        .send()
        .await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["theme"]);
    let res = app
        .get("/api/v1/staffing-statistics/no_such_metric/chart.svg")
        .send()
        .await;
    assert_problem(res, 404).await;
}

#[tokio::test]
async fn what_an_editor_writes_is_escaped_in_a_chart() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let hostile = r#"<script>alert("x")</script> & "quotes" 'too'"#;
    let res = app
        .post("/api/v1/staffing-statistics/certified_perfusionists/observations")
        .token(&editor)
        .json(&json!({"value": 4600, "as_of": "2025-01-01", "source": hostile, "headline": true}))
        .send()
        .await;
    assert_eq!(res.status(), 201);
    let svg = chart(&app, CERTIFIED_CHART).await;
    assert!(!svg.raw.contains("<script"), "{}", svg.raw);
    assert!(svg.raw.contains("&lt;script&gt;"));
    assert!(
        svg.desc.contains(hostile),
        "a reader hears the text as written"
    );
    assert!(!svg.elements.iter().any(|e| e == "script"));
}

#[tokio::test]
async fn the_projection_chart_draws_supply_and_demand_and_says_them_in_words() {
    let app = TestApp::spawn().await;
    let res = app.get(PROJECTION_CHART).send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "image/svg+xml; charset=utf-8"
    );
    let svg = parse(res.text().await.unwrap());
    assert_eq!(svg.title, "Perfusionist supply and demand");
    assert!(
        svg.desc.contains("Supply goes from 4,522 to 3,522"),
        "{}",
        svg.desc
    );
    assert!(
        svg.desc.contains("from 100 to 1,100"),
        "the gap: {}",
        svg.desc
    );
    assert!(svg.desc.contains("undated (retrieved 2026-11-23)"));
    assert!(
        svg.text.contains("Supply") && svg.text.contains("Demand"),
        "a legend"
    );
    assert_eq!(
        svg.elements.iter().filter(|e| *e == "polyline").count(),
        2,
        "two lines"
    );
    let what_if = chart(
        &app,
        &format!("{PROJECTION_CHART}?years=5&graduates_per_year=400"),
    )
    .await;
    assert!(
        what_if.desc.contains("Supply goes from 4,522 to 5,022"),
        "{}",
        what_if.desc
    );
    let res = app.get(&format!("{PROJECTION_CHART}?years=0")).send().await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["years"]);
}
