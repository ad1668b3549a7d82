//! Two instances of the service on one PostgreSQL, as behind a load balancer: one limit across
//! both, a write on one seen by the other's response cache within a second, each mail sent once.

use std::time::{Duration, Instant};

use perfusion_api::{config::Secret, domain::Role};
use serde_json::json;

use crate::{
    helpers::{assert_problem, TestApp, PASSWORD},
    subscriptions::SmtpSink,
};

#[tokio::test]
async fn the_login_limit_holds_across_two_instances() {
    let limit = |s: &mut perfusion_api::config::Settings| s.login_failures_per_window = 3;
    let a = TestApp::spawn_with(limit).await;
    let b = a.spawn_beside(limit).await;
    let (_, email) = a.create_user(Role::Admin).await;

    // Three wrong passwords, spread over both instances, use up the window…
    for app in [&a, &b, &a] {
        assert_problem(app.login(&email, "not the password").await, 401).await;
    }
    // …so both refuse the client now, even with the right password.
    for app in [&b, &a] {
        let res = app.login(&email, PASSWORD).await;
        assert!(res.headers().contains_key("retry-after"));
        assert_problem(res, 429).await;
    }
}

#[tokio::test]
async fn the_sign_up_limit_holds_across_two_instances() {
    let limit = |s: &mut perfusion_api::config::Settings| s.signups_per_minute = 2;
    let a = TestApp::spawn_with(limit).await;
    let b = a.spawn_beside(limit).await;
    let sign_up = |app: &TestApp, n: u32| {
        app.post("/api/v1/subscriptions")
            .json(&json!({"email": format!("reader{n}@example.org")}))
            .send()
    };
    assert_eq!(sign_up(&a, 1).await.status(), 202);
    assert_eq!(sign_up(&b, 2).await.status(), 202);
    assert_problem(sign_up(&a, 3).await, 429).await;
    assert_problem(sign_up(&b, 4).await, 429).await;
}

#[tokio::test]
async fn a_write_on_one_instance_is_seen_through_the_others_cache_within_a_second() {
    let a = TestApp::spawn().await;
    let b = a.spawn_beside(|_| {}).await;
    let path = "/api/v1/history-events?limit=1";
    let first = b.get(path).send_json().await;
    let again = b.get(path).send().await;
    assert_eq!(
        again.headers()["x-cache"],
        "hit",
        "b serves it from its cache"
    );
    let slug = first["data"][0]["slug"].as_str().unwrap().to_owned();

    let token = a.token(Role::Editor).await;
    let item = format!("/api/v1/history-events/{slug}");
    let etag = a.get(&item).send().await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let res = a
        .patch(&item)
        .token(&token)
        .if_match(&etag)
        .json(&json!({"title": "Retitled on instance A"}))
        .send()
        .await;
    assert_eq!(res.status(), 200);

    let written = Instant::now();
    loop {
        let seen = b.get(path).send_json().await;
        if seen["data"][0]["title"] == "Retitled on instance A" {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "b still served the old title after a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn with_two_instances_each_mail_is_sent_once() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let settings = move |s: &mut perfusion_api::config::Settings| {
        s.smtp_url = Some(Secret::new(url.clone()));
        s.signups_per_minute = 1000;
    };
    let a = TestApp::spawn_with(settings.clone()).await;
    let b = a.spawn_beside(settings).await;

    // Twenty readers sign up, alternately on each instance; both mail workers run.
    for n in 0..20 {
        let app = if n % 2 == 0 { &a } else { &b };
        let res = app
            .post("/api/v1/subscriptions")
            .json(&json!({"email": format!("twice{n}@example.org")}))
            .send()
            .await;
        assert_eq!(res.status(), 202);
    }
    for n in 0..20 {
        sink.mail_to(&format!("twice{n}@example.org"), 1).await;
    }
    // Time for a second sending, were there to be one.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for n in 0..20 {
        assert_eq!(
            sink.count_to(&format!("twice{n}@example.org")),
            1,
            "reader {n} got one mail"
        );
    }
}

#[tokio::test]
async fn a_used_up_window_opens_again_when_it_ends() {
    let limit = |s: &mut perfusion_api::config::Settings| {
        s.login_failures_per_window = 2;
        s.login_failure_window = Duration::from_secs(1);
    };
    let a = TestApp::spawn_with(limit).await;
    let b = a.spawn_beside(limit).await;
    let (_, email) = a.create_user(Role::Editor).await;
    assert_problem(a.login(&email, "wrong password").await, 401).await;
    assert_problem(b.login(&email, "wrong password").await, 401).await;
    let res = a.login(&email, PASSWORD).await;
    assert_eq!(res.headers()["retry-after"], "1");
    assert_problem(res, 429).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(b.login(&email, PASSWORD).await.status(), 200);
}
