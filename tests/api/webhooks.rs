//! Webhooks as a receiver meets them: a real HTTP server on loopback gets each change, signed
//! as Standard Webhooks says (the signature is checked here with the specification's
//! algorithm, written out, not with the service's code), retried with the same id, in order.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::{engine::general_purpose::STANDARD, Engine};
use chrono::Utc;
use hmac::{Hmac, Mac};
use perfusion_api::domain::Role;
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

use crate::helpers::{assert_problem, fields, TestApp};

const WEBHOOKS: &str = "/api/v1/admin/webhooks";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HashMap<String, String>,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

/// A webhook receiver: an HTTP/1.1 server on loopback that records every request and answers
/// with the statuses queued (204 once the queue is empty), after the delay set (none at first).
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
    delay: Arc<Mutex<Duration>>,
}

impl Receiver {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://127.0.0.1:{}/hooks",
            listener.local_addr().unwrap().port()
        );
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let answers: Arc<Mutex<VecDeque<u16>>> = Arc::default();
        let delay: Arc<Mutex<Duration>> = Arc::default();
        let (store, script, wait) = (got.clone(), answers.clone(), delay.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (store, script, wait) = (store.clone(), script.clone(), wait.clone());
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    store.lock().unwrap().push(request);
                    let status = script.lock().unwrap().pop_front().unwrap_or(204);
                    let delay = *wait.lock().unwrap();
                    tokio::time::sleep(delay).await;
                    let reply = format!(
                        "HTTP/1.1 {status} Whatever\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                    );
                    let _ = stream.write_all(reply.as_bytes()).await;
                });
            }
        });
        Self {
            url,
            got,
            answers,
            delay,
        }
    }

    fn answer_next(&self, statuses: &[u16]) {
        self.answers.lock().unwrap().extend(statuses);
    }

    fn answer_after(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (up to 20 s) until at least `n` requests have come; all of them.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the receiver got {} requests, not {n}",
            self.received().len()
        );
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length")?.parse().ok()?;
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8(buf[head_end..head_end + length].to_vec()).ok()?;
    Some(Received { headers, body })
}

/// The Standard Webhooks check, as its specification writes it: HMAC-SHA256 of
/// `{webhook-id}.{webhook-timestamp}.{body}` keyed with the base64 after `whsec_`, compared
/// with each `v1,` signature of the header.
fn verifies(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let signed = format!(
        "{}.{}.{}",
        r.header("webhook-id"),
        r.header("webhook-timestamp"),
        r.body
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(signed.as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    r.header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

async fn app() -> TestApp {
    TestApp::spawn_with(|s| s.webhook_allow_private_targets = true).await
}

/// Subscribes `receiver` to `events`; the endpoint as created (with its secret).
async fn subscribe(app: &TestApp, admin: &str, receiver: &Receiver, events: &[&str]) -> Value {
    let res = app
        .post(WEBHOOKS)
        .token(admin)
        .json(&json!({"url": receiver.url, "events": events, "description": "our front end"}))
        .send()
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["data"].clone()
}

async fn publish(app: &TestApp, editor: &str, title: &str) -> String {
    let res = app
        .post("/api/v1/articles")
        .token(editor)
        .json(&json!({
            "title": title,
            "body_markdown": format!("Some words about {title}."),
            "category": "perfusion-research",
            "status": "published",
        }))
        .send()
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["data"]["slug"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The endpoint as an admin reads it.
async fn endpoint(app: &TestApp, admin: &str, id: &Value) -> Value {
    app.get(&format!("{WEBHOOKS}/{id}"))
        .token(admin)
        .send_json()
        .await["data"]
        .clone()
}

async fn deliveries(app: &TestApp, admin: &str, id: &Value) -> Vec<Value> {
    let log = app
        .get(&format!("{WEBHOOKS}/{id}/deliveries"))
        .token(admin)
        .send_json()
        .await;
    log["data"].as_array().unwrap().clone()
}

/// Waits (up to 20 s) until `check` holds of the endpoint's delivery log.
async fn log_until(app: &TestApp, admin: &str, id: &Value, check: impl Fn(&[Value]) -> bool) {
    for _ in 0..200 {
        if check(&deliveries(app, admin, id).await) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the log never got there: {:#?}",
        deliveries(app, admin, id).await
    );
}

#[tokio::test]
async fn a_published_article_reaches_the_receiver_signed_with_its_public_representation() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    let hook = subscribe(&app, &admin, &receiver, &["article.published"]).await;
    let secret = hook["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    let slug = publish(&app, &admin, "Oxygenator checks").await;

    let got = receiver.wait_for(1).await;
    let delivery = &got[0];
    assert!(verifies(secret, delivery), "the signature verifies");
    assert!(delivery.header("webhook-id").starts_with("msg_"));
    let sent_at: i64 = delivery.header("webhook-timestamp").parse().unwrap();
    assert!((Utc::now().timestamp() - sent_at).abs() < 60);
    assert_eq!(delivery.header("content-type"), "application/json");
    let body = delivery.json();
    assert_eq!(body["type"], "article.published");
    assert!(body["timestamp"].is_string());
    let public = app
        .get(&format!("/api/v1/articles/{slug}"))
        .send_json()
        .await;
    assert_eq!(body["data"], public["data"], "what the public GET returns");
}

#[tokio::test]
async fn the_secret_is_shown_once_and_never_again() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    let hook = subscribe(&app, &admin, &receiver, &["*"]).await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    let one = app
        .get(&format!("{WEBHOOKS}/{}", hook["id"]))
        .token(&admin)
        .send()
        .await
        .text()
        .await
        .unwrap();
    let all = app
        .get(WEBHOOKS)
        .token(&admin)
        .send()
        .await
        .text()
        .await
        .unwrap();
    for text in [one, all] {
        assert!(
            !text.contains(&secret[6..]) && !text.contains("secret\""),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_500_is_retried_with_the_same_webhook_id_and_the_log_shows_both_attempts() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    let hook = subscribe(&app, &admin, &receiver, &["*"]).await;
    receiver.answer_next(&[500]);
    publish(&app, &admin, "Retried news").await;

    let got = receiver.wait_for(2).await;
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));
    assert!(got
        .iter()
        .all(|r| verifies(hook["secret"].as_str().unwrap(), r)));
    log_until(&app, &admin, &hook["id"], |log| {
        log[0]["state"] == "succeeded"
    })
    .await;
    let log = deliveries(&app, &admin, &hook["id"]).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["event_type"], "article.published");
    assert_eq!(log[0]["webhook_id"], got[0].header("webhook-id"));
    let statuses: Vec<&Value> = log[0]["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(statuses, [&json!(500), &json!(204)]);
    let first = &log[0]["attempts"][0];
    assert!(first["error"].as_str().unwrap().contains("500"));
    assert!(first["latency_ms"].is_number() && first["attempted_at"].is_string());
}

#[tokio::test]
async fn a_410_turns_the_endpoint_off_and_the_admin_sees_why() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    let hook = subscribe(&app, &admin, &receiver, &["*"]).await;
    receiver.answer_next(&[410]);
    publish(&app, &admin, "Gone for good").await;
    receiver.wait_for(1).await;
    log_until(&app, &admin, &hook["id"], |log| log[0]["state"] == "failed").await;

    let endpoint = endpoint(&app, &admin, &hook["id"]).await;
    assert_eq!(endpoint["enabled"], false);
    assert!(endpoint["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("410"));
    publish(&app, &admin, "Nobody listens").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.received().len(), 1, "nothing more is sent");
}

#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_turned_off_at_its_next_failure() {
    use diesel_async::RunQueryDsl;
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    let hook = subscribe(&app, &admin, &receiver, &["*"]).await;
    // Its last success was five days and an hour ago (as if every attempt since had failed).
    diesel::sql_query(format!(
        "UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 hour' WHERE id = {}",
        hook["id"]
    ))
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    receiver.answer_next(&[503]);
    publish(&app, &admin, "One failure too many").await;
    receiver.wait_for(1).await;
    log_until(&app, &admin, &hook["id"], |log| log[0]["state"] == "failed").await;

    let endpoint = endpoint(&app, &admin, &hook["id"]).await;
    assert_eq!(endpoint["enabled"], false);
    let reason = endpoint["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("5 days"), "{reason}");
    // The admin turns it back on: the reason and the failing time are forgotten.
    let res = app
        .patch(&format!("{WEBHOOKS}/{}", hook["id"]))
        .token(&admin)
        .json(&json!({"enabled": true}))
        .send()
        .await;
    let on = res.json::<Value>().await.unwrap()["data"].clone();
    assert_eq!(on["enabled"], true);
    assert!(on["disabled_reason"].is_null() && on["failing_since"].is_null());
}

#[tokio::test]
async fn a_scheduled_article_is_announced_exactly_once_with_two_instances_running() {
    let (a, receiver) = (app().await, Receiver::start().await);
    let b = a
        .spawn_beside(|s| s.webhook_allow_private_targets = true)
        .await;
    let admin = a.token(Role::Admin).await;
    subscribe(&a, &admin, &receiver, &["article.published"]).await;
    let at = Utc::now() + chrono::Duration::seconds(2);
    let res = a
        .post("/api/v1/articles")
        .token(&admin)
        .json(&json!({
            "title": "Scheduled news",
            "body_markdown": "Out on time.",
            "category": "perfusion-research",
            "status": "scheduled",
            "published_at": at.to_rfc3339(),
        }))
        .send()
        .await;
    assert_eq!(res.status(), 201);
    assert!(receiver.received().is_empty(), "not public yet: no event");

    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].json()["data"]["slug"], "scheduled-news");
    assert_eq!(got[0].json()["data"]["status"], "published");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        receiver.received().len(),
        1,
        "one event, not one per instance"
    );
    drop(b);
}

#[tokio::test]
async fn a_rotation_signs_with_the_new_and_the_old_secret_for_a_day() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    let hook = subscribe(&app, &admin, &receiver, &["article.updated"]).await;
    let old = hook["secret"].as_str().unwrap().to_owned();
    let res = app
        .post(&format!("{WEBHOOKS}/{}/rotate-secret", hook["id"]))
        .token(&admin)
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let rotated = res.json::<Value>().await.unwrap()["data"].clone();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let until = chrono::DateTime::parse_from_rfc3339(
        rotated["previous_secret_expires_at"].as_str().unwrap(),
    )
    .unwrap();
    assert!((until.with_timezone(&Utc) - Utc::now()).num_hours() >= 23);

    let res = app
        .post(&format!("{WEBHOOKS}/{}/test", hook["id"]))
        .token(&admin)
        .send()
        .await;
    assert_eq!(res.status(), 202);
    let got = receiver.wait_for(1).await;
    assert_eq!(
        got[0].json()["type"],
        "webhook.test",
        "sent whatever it subscribes to"
    );
    assert_eq!(got[0].json()["data"]["endpoint_id"], hook["id"]);
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2);
    assert!(verifies(&new, &got[0]) && verifies(&old, &got[0]));
}

#[tokio::test]
async fn deliveries_to_one_endpoint_arrive_in_the_order_of_the_changes() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    subscribe(&app, &admin, &receiver, &["history_event.created"]).await;
    let mut slugs = Vec::new();
    for n in 0..6 {
        let res = app
            .post("/api/v1/history-events")
            .token(&admin)
            .json(&json!({"title": format!("Moment {n}"), "summary": "It happened.", "year": 1950 + n}))
            .send()
            .await;
        assert_eq!(res.status(), 201);
        slugs.push(res.json::<Value>().await.unwrap()["data"]["slug"].clone());
    }
    let got = receiver.wait_for(6).await;
    let order: Vec<Value> = got
        .iter()
        .map(|r| r.json()["data"]["slug"].clone())
        .collect();
    assert_eq!(order, slugs);
    assert!(got
        .iter()
        .all(|r| r.json()["type"] == "history_event.created"));
}

#[tokio::test]
async fn a_delivery_can_be_sent_again_from_the_log_with_the_same_id() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    let hook = subscribe(&app, &admin, &receiver, &["*"]).await;
    publish(&app, &admin, "Worth repeating").await;
    receiver.wait_for(1).await;
    log_until(&app, &admin, &hook["id"], |log| {
        log[0]["state"] == "succeeded"
    })
    .await;
    let delivery = deliveries(&app, &admin, &hook["id"]).await[0]["id"].clone();

    let res = app
        .post(&format!(
            "{WEBHOOKS}/{}/deliveries/{delivery}/retry",
            hook["id"]
        ))
        .token(&admin)
        .send()
        .await;
    assert_eq!(res.status(), 202);
    let got = receiver.wait_for(2).await;
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));
    let missing = app
        .post(&format!(
            "{WEBHOOKS}/{}/deliveries/999999/retry",
            hook["id"]
        ))
        .token(&admin)
        .send()
        .await;
    assert_problem(missing, 404).await;
}

#[tokio::test]
async fn unpublishing_and_deleting_tell_the_receiver_with_identifiers_only() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    subscribe(
        &app,
        &admin,
        &receiver,
        &["article.unpublished", "article.deleted"],
    )
    .await;
    let archived = publish(&app, &admin, "Archived soon").await;
    let deleted = publish(&app, &admin, "Deleted soon").await;
    let path = |slug: &str| format!("/api/v1/articles/{slug}");
    let res = app.delete(&path(&archived)).token(&admin).send().await;
    assert_eq!(res.status(), 204);
    let res = app
        .delete(&format!("{}?hard=true", path(&deleted)))
        .token(&admin)
        .send()
        .await;
    assert_eq!(res.status(), 204);

    let got = receiver.wait_for(2).await;
    let bodies: Vec<Value> = got.iter().map(Received::json).collect();
    assert_eq!(bodies[0]["type"], "article.unpublished");
    assert_eq!(bodies[0]["data"], json!({"slug": archived}));
    assert_eq!(bodies[1]["type"], "article.deleted");
    assert_eq!(bodies[1]["data"], json!({"slug": deleted}));
}

#[tokio::test]
async fn an_admin_turns_an_endpoint_off_and_nothing_is_sent_until_it_is_on_again() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    let hook = subscribe(&app, &admin, &receiver, &["*"]).await;
    let path = format!("{WEBHOOKS}/{}", hook["id"]);
    let switch = async |enabled: bool| {
        let res = app
            .patch(&path)
            .token(&admin)
            .json(&json!({ "enabled": enabled }))
            .send()
            .await;
        assert_eq!(res.status(), 200);
        res.json::<Value>().await.unwrap()["data"].clone()
    };
    let off = switch(false).await;
    assert_eq!(off["enabled"], false);
    assert!(off["disabled_at"].is_string(), "{off}");
    assert_eq!(off["disabled_reason"], Value::Null, "an admin did it");
    assert_eq!(
        switch(false).await["disabled_at"],
        off["disabled_at"],
        "still the first time"
    );
    publish(&app, &admin, "Sent while off").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(receiver.received().is_empty());
    let on = switch(true).await;
    assert_eq!(on["disabled_at"], Value::Null);
    publish(&app, &admin, "Sent while on").await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].json()["data"]["slug"], "sent-while-on");
}

#[tokio::test]
async fn a_failure_in_a_backlog_is_retried_and_the_rest_still_arrive_in_order() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    subscribe(&app, &admin, &receiver, &["article.published"]).await;
    // The receiver is slow at first, so the next changes queue up behind the first delivery
    // and go out as one run; the second of them fails.
    receiver.answer_after(Duration::from_millis(1500));
    receiver.answer_next(&[204, 500]);
    let mut slugs = Vec::new();
    for i in 1..=5 {
        slugs.push(publish(&app, &admin, &format!("Backlog {i}")).await);
        if i == 1 {
            receiver.wait_for(1).await;
            receiver.answer_after(Duration::ZERO);
        }
    }
    let got = receiver.wait_for(6).await;
    let arrived: Vec<String> = got
        .iter()
        .map(|r| r.json()["data"]["slug"].as_str().unwrap().to_owned())
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut first_arrivals = arrived.clone();
    first_arrivals.retain(|s| seen.insert(s.clone()));
    assert_eq!(
        first_arrivals, slugs,
        "first attempts in the order of the changes"
    );
    assert_eq!(
        arrived.iter().filter(|s| **s == slugs[1]).count(),
        2,
        "{arrived:?}"
    );
    let tries: Vec<&Received> = got
        .iter()
        .filter(|r| r.json()["data"]["slug"] == slugs[1])
        .collect();
    assert_eq!(tries[0].header("webhook-id"), tries[1].header("webhook-id"));
}

#[tokio::test]
async fn a_delivery_on_its_way_cannot_be_sent_again_until_it_is_answered() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    let hook = subscribe(&app, &admin, &receiver, &["*"]).await;
    receiver.answer_after(Duration::from_secs(3));
    publish(&app, &admin, "Slow to answer").await;
    receiver.wait_for(1).await;
    let delivery = &deliveries(&app, &admin, &hook["id"]).await[0];
    let retry = format!(
        "{WEBHOOKS}/{}/deliveries/{}/retry",
        hook["id"], delivery["id"]
    );
    let res = app.post(&retry).token(&admin).send().await;
    let problem = assert_problem(res, 409).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("on its way"),
        "{problem}"
    );
    log_until(&app, &admin, &hook["id"], |log| {
        log[0]["state"] == "succeeded"
    })
    .await;
    receiver.answer_after(Duration::ZERO);
    let res = app.post(&retry).token(&admin).send().await;
    assert_eq!(res.status(), 202);
    let got = receiver.wait_for(2).await;
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));
}

#[tokio::test]
async fn a_subscription_sends_nothing_and_a_draft_sends_nothing() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    subscribe(&app, &admin, &receiver, &["*"]).await;
    let res = app
        .post("/api/v1/subscriptions")
        .json(&json!({"email": "reader@example.org"}))
        .send()
        .await;
    assert_eq!(res.status(), 202);
    let res = app
        .post("/api/v1/articles")
        .token(&admin)
        .json(&json!({"title": "Draft", "body_markdown": "Not yet.", "category": "perfusion-research"}))
        .send()
        .await;
    assert_eq!(res.status(), 201);
    publish(&app, &admin, "The one event").await;
    let got = receiver.wait_for(1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(got[0].json()["data"]["slug"], "the-one-event");
    assert!(!receiver.received()[0].body.contains("reader@example.org"));
}

#[tokio::test]
async fn a_bad_endpoint_is_refused_naming_each_field() {
    let app = app().await;
    let admin = app.token(Role::Admin).await;
    let body =
        json!({"url": "ftp://example.org", "events": ["article.published", "article.eaten"]});
    let res = app.post(WEBHOOKS).token(&admin).json(&body).send().await;
    let problem = assert_problem(res, 400).await;
    assert_eq!(fields(&problem), ["url", "events[1]"]);
    let res = app
        .post(WEBHOOKS)
        .token(&admin)
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(fields(&assert_problem(res, 400).await), ["url", "events"]);
    let long = format!("https://example.org/?{}", "0".repeat(2100));
    let body = json!({"url": long, "events": ["*"]});
    let res = app.post(WEBHOOKS).token(&admin).json(&body).send().await;
    assert_eq!(fields(&assert_problem(res, 400).await), ["url"]);
    let editor = app.token(Role::Editor).await;
    let body = json!({"url": "https://example.org/", "events": ["*"]});
    let res = app.post(WEBHOOKS).token(&editor).json(&body).send().await;
    assert_problem(res, 403).await;
}

#[tokio::test]
async fn an_internal_address_is_refused_unless_allowed() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    for url in [
        "http://127.0.0.1:9/",
        "http://localhost/hooks",
        "http://169.254.169.254/",
    ] {
        let body = json!({"url": url, "events": ["*"]});
        let res = app.post(WEBHOOKS).token(&admin).json(&body).send().await;
        let problem = assert_problem(res, 400).await;
        assert_eq!(fields(&problem), ["url"], "{url}");
    }
}

#[tokio::test]
async fn a_name_that_resolves_to_an_internal_address_is_refused_when_delivering() {
    // The machine's own name: a DNS name (so taken when the endpoint is made) that resolves
    // to loopback (so refused when connecting, by the address actually resolved).
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_lowercase();
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 80))
        .await
        .unwrap()
        .collect();
    assert!(
        addrs.iter().all(|a| a.ip().is_loopback()),
        "{host}: {addrs:?}"
    );
    let receiver = Receiver::start().await;
    let port = receiver.url.rsplit(':').next().unwrap().to_owned();
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let body = json!({"url": format!("http://{host}:{port}"), "events": ["*"]});
    let res = app.post(WEBHOOKS).token(&admin).json(&body).send().await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let id = res.json::<Value>().await.unwrap()["data"]["id"].clone();
    publish(&app, &admin, "Nowhere to go").await;
    log_until(&app, &admin, &id, |log| {
        log.first()
            .and_then(|d| d["attempts"].as_array())
            .is_some_and(|a| !a.is_empty())
    })
    .await;
    let log = deliveries(&app, &admin, &id).await;
    let attempt = &log[0]["attempts"][0];
    assert!(attempt["status_code"].is_null());
    let error = attempt["error"].as_str().unwrap();
    assert!(error.contains("internal addresses only"), "{error}");
    assert_eq!(log[0]["state"], "pending", "retried later");
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn metrics_count_attempts_by_outcome() {
    let (app, receiver) = (app().await, Receiver::start().await);
    let admin = app.token(Role::Admin).await;
    subscribe(&app, &admin, &receiver, &["*"]).await;
    receiver.answer_next(&[503]);
    publish(&app, &admin, "Counted").await;
    receiver.wait_for(2).await;
    let mut text = String::new();
    for _ in 0..50 {
        text = app.get("/metrics").send().await.text().await.unwrap();
        if text.contains("webhook_attempts_total{outcome=\"succeeded\"} 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        text.contains("webhook_attempts_total{outcome=\"retrying\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("webhook_attempts_total{outcome=\"succeeded\"} 1"),
        "{text}"
    );
}
