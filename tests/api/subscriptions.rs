//! Joining the community: a visitor signs up, confirms from the mail, changes topics and leaves
//! with one click; and nobody learns who is subscribed.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use diesel_async::RunQueryDsl;
use perfusion_api::{config::Secret, domain::Role};
use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

use crate::helpers::{assert_problem, fields, TestApp};

const BASE: &str = "https://perfusion.example";

/// A real SMTP server, just enough of one to take mails: it keeps each message's DATA.
pub(crate) struct SmtpSink {
    port: u16,
    mails: Arc<Mutex<Vec<String>>>,
}

impl SmtpSink {
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails: Arc<Mutex<Vec<String>>> = Arc::default();
        let store = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                    let mut data: Option<String> = None;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if let Some(body) = data.as_mut() {
                            if line == "." {
                                store.lock().unwrap().push(std::mem::take(body));
                                data = None;
                                let _ = write.write_all(b"250 queued\r\n").await;
                            } else {
                                body.push_str(line.strip_prefix('.').unwrap_or(&line));
                                body.push('\n');
                            }
                            continue;
                        }
                        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" | "HELO" => b"250 sink\r\n",
                            "DATA" => {
                                data = Some(String::new());
                                b"354 go ahead\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => b"250 ok\r\n",
                        };
                        let _ = write.write_all(reply).await;
                    }
                });
            }
        });
        Self { port, mails }
    }

    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits for the `n`th mail to `to` (1-based) and returns it.
    pub(crate) async fn mail_to(&self, to: &str, n: usize) -> Mail {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let found: Vec<String> = self
                .mails
                .lock()
                .unwrap()
                .iter()
                .filter(|m| Mail(m.to_string()).header("To").contains(to))
                .cloned()
                .collect();
            if found.len() >= n {
                return Mail(found[n - 1].clone());
            }
            assert!(Instant::now() < deadline, "mail {n} to {to} never came");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) fn count_to(&self, to: &str) -> usize {
        self.mails
            .lock()
            .unwrap()
            .iter()
            .filter(|m| Mail(m.to_string()).header("To").contains(to))
            .count()
    }
}

pub(crate) struct Mail(String);

impl Mail {
    /// A header's value, unfolded.
    fn header(&self, name: &str) -> String {
        let head = self.0.split("\n\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.lines() {
            if let Some(v) = value.as_mut() {
                if line.starts_with(' ') || line.starts_with('\t') {
                    v.push_str(line.trim_start());
                    continue;
                }
                break;
            }
            if let Some((n, v)) = line.split_once(':') {
                if n.eq_ignore_ascii_case(name) {
                    value = Some(v.trim().to_owned());
                }
            }
        }
        value.unwrap_or_default()
    }

    /// The body, decoded from quoted-printable.
    fn body(&self) -> String {
        let raw = self.0.split_once("\n\n").map(|(_, b)| b).unwrap_or("");
        let joined = raw.replace("=\n", "");
        let mut out = Vec::new();
        let mut rest = joined.as_bytes();
        while let Some((&b, tail)) = rest.split_first() {
            let hex = tail
                .get(..2)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (b, hex) {
                (b'=', Some(decoded)) => {
                    out.push(decoded);
                    rest = &tail[2..];
                }
                _ => {
                    out.push(b);
                    rest = tail;
                }
            }
        }
        String::from_utf8(out).unwrap()
    }

    /// Whether the mail has a link to `path` on the public site, with a token.
    fn has_link(&self, path: &str) -> bool {
        self.body().contains(&format!("{BASE}{path}?token="))
    }

    /// The token of the first link that goes to `path`.
    fn token(&self, path: &str) -> String {
        let body = self.body();
        let needle = format!("{BASE}{path}?token=");
        let start = body
            .find(&needle)
            .unwrap_or_else(|| panic!("no {needle} in {body}"))
            + needle.len();
        body[start..start + 43].to_owned()
    }
}

async fn app_with_sink() -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(move |s| {
        s.smtp_url = Some(Secret::new(url));
        s.public_base_url = BASE.into();
        s.signups_per_minute = 1000;
    })
    .await;
    (app, sink)
}

const SUBSCRIPTIONS: &str = "/api/v1/subscriptions";
const CONFIRM: &str = "/api/v1/subscriptions/confirm";
const UNSUBSCRIBE: &str = "/api/v1/subscriptions/unsubscribe";
const SUBSCRIBERS: &str = "/api/v1/admin/subscribers";

async fn sign_up(app: &TestApp, body: Value) -> reqwest::Response {
    app.post(SUBSCRIPTIONS).json(&body).send().await
}

/// POSTs `{"token": token}` to `path` (confirm or unsubscribe), as the link in a mail does.
async fn post_token(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.post(path).json(&json!({"token": token})).send().await
}

/// The preferences of the subscriber whose manage token is `manage`.
fn preferences(manage: &str) -> String {
    format!("/api/v1/subscriptions/preferences?token={manage}")
}

/// `email` signs up, and confirms from the first mail it gets.
async fn sign_up_and_confirm(app: &TestApp, sink: &SmtpSink, email: &str) {
    sign_up(app, json!({"email": email})).await;
    let token = sink.mail_to(email, 1).await.token("/subscriptions/confirm");
    post_token(app, CONFIRM, &token).await;
}

/// Pat signs up for research and careers; returns the confirmation mail.
async fn pat_signs_up(app: &TestApp, sink: &SmtpSink) -> Mail {
    let res = sign_up(
        app,
        json!({"email": "  Pat@Example.ORG ", "name": "Pat", "topics": ["research", "careers"]}),
    )
    .await;
    assert_eq!(res.status(), 202);
    sink.mail_to("Pat@example.org", 1).await
}

/// Pat signs up and confirms; returns the welcome mail.
async fn pat_confirmed(app: &TestApp, sink: &SmtpSink) -> Mail {
    let confirm = pat_signs_up(app, sink)
        .await
        .token("/subscriptions/confirm");
    let res = post_token(app, CONFIRM, &confirm).await;
    assert_eq!(res.status(), 200);
    sink.mail_to("Pat@example.org", 2).await
}

/// Pat, confirmed, leaves with the one-click link of the welcome mail (RFC 8058: a form body,
/// no auth, no cookie); returns the answer and the welcome mail.
async fn pat_leaves_with_one_click(app: &TestApp, sink: &SmtpSink) -> (reqwest::Response, Mail) {
    let welcome = pat_confirmed(app, sink).await;
    let one_click = welcome.token("/api/v1/subscriptions/unsubscribe");
    let res = app
        .post(&format!("{UNSUBSCRIBE}?token={one_click}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await;
    (res, welcome)
}

#[tokio::test]
async fn a_sign_up_is_accepted_and_the_confirmation_mail_links_to_the_public_site() {
    let (app, sink) = app_with_sink().await;
    let res = sign_up(
        &app,
        json!({"email": "  Pat@Example.ORG ", "name": "Pat", "topics": ["research", "careers"]}),
    )
    .await;
    assert_eq!(res.status(), 202);
    assert_eq!(res.headers()["cache-control"], "private, no-store");

    // The confirmation mail, with its link on PUBLIC_BASE_URL.
    let mail = sink.mail_to("Pat@example.org", 1).await;
    assert!(mail.header("Subject").contains("Confirm"));
    assert!(mail.has_link("/subscriptions/confirm"));
    assert!(
        mail.header("List-Unsubscribe").is_empty(),
        "not subscribed yet"
    );
}

#[tokio::test]
async fn the_token_is_in_the_mail_and_only_its_hash_in_the_database() {
    let (app, sink) = app_with_sink().await;
    let confirm = pat_signs_up(&app, &sink)
        .await
        .token("/subscriptions/confirm");
    let mut conn = app.conn().await;
    for table in ["subscribers", "subscriber_tokens", "outbox"] {
        let dump: Vec<String> =
            diesel::sql_query(format!("SELECT row_to_json(t)::text AS j FROM {table} t"))
                .load::<Dump>(&mut conn)
                .await
                .unwrap()
                .into_iter()
                .map(|d| d.j)
                .collect();
        assert!(!dump.is_empty() || table == "outbox");
        assert!(
            !dump.iter().any(|row| row.contains(&confirm)),
            "{table} holds the token"
        );
    }
}

#[tokio::test]
async fn confirming_twice_is_confirmed_both_times() {
    let (app, sink) = app_with_sink().await;
    let mail = pat_signs_up(&app, &sink).await;
    let confirm = mail.token("/subscriptions/confirm");
    for _ in 0..2 {
        let res = post_token(&app, CONFIRM, &confirm).await;
        assert_eq!(res.status(), 200, "{confirm} from {}", mail.0);
        assert_eq!(
            res.json::<Value>().await.unwrap()["data"]["status"],
            "confirmed"
        );
    }
}

#[tokio::test]
async fn the_welcome_mail_carries_the_one_click_unsubscribe_headers() {
    let (app, sink) = app_with_sink().await;
    let welcome = pat_confirmed(&app, &sink).await;
    assert!(welcome.has_link("/subscriptions/preferences"));
    let unsubscribe_url = format!("{BASE}/api/v1/subscriptions/unsubscribe?token=");
    let list_unsubscribe = welcome.header("List-Unsubscribe");
    assert!(
        list_unsubscribe.starts_with(&format!("<{unsubscribe_url}")),
        "{list_unsubscribe}"
    );
    assert_eq!(
        welcome.header("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    assert!(welcome.has_link("/api/v1/subscriptions/unsubscribe"));
}

#[tokio::test]
async fn a_subscriber_reads_and_changes_their_preferences() {
    let (app, sink) = app_with_sink().await;
    let manage = pat_confirmed(&app, &sink)
        .await
        .token("/subscriptions/preferences");
    let prefs = app.get(&preferences(&manage)).send().await;
    assert_eq!(prefs.headers()["cache-control"], "private, no-store");
    let prefs: Value = prefs.json().await.unwrap();
    assert_eq!(prefs["data"]["email"], "Pat@example.org");
    assert_eq!(prefs["data"]["topics"], json!(["research", "careers"]));
    assert_eq!(prefs["data"]["status"], "confirmed");
    let res = app
        .put(&preferences(&manage))
        .json(&json!({"topics": ["leadership", "media", "media"], "name": null}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["data"]["topics"], json!(["media", "leadership"]));
    assert!(changed["data"]["name"].is_null());
}

#[tokio::test]
async fn a_get_of_the_unsubscribe_link_changes_nothing() {
    let (app, sink) = app_with_sink().await;
    let one_click = pat_confirmed(&app, &sink)
        .await
        .token("/api/v1/subscriptions/unsubscribe");
    let res = app
        .get(&format!("{UNSUBSCRIBE}?token={one_click}"))
        .send()
        .await;
    assert_eq!(res.status(), 405);
}

#[tokio::test]
async fn the_one_click_post_unsubscribes_with_a_200_and_no_redirect() {
    let (app, sink) = app_with_sink().await;
    let (res, welcome) = pat_leaves_with_one_click(&app, &sink).await;
    assert_eq!(res.status(), 200);
    let manage = welcome.token("/subscriptions/preferences");
    let prefs = app.get(&preferences(&manage)).send_json().await;
    assert_eq!(prefs["data"]["status"], "unsubscribed");
}

#[tokio::test]
async fn unsubscribing_again_with_the_json_form_is_harmless_and_no_mail_follows() {
    let (app, sink) = app_with_sink().await;
    let (res, welcome) = pat_leaves_with_one_click(&app, &sink).await;
    assert_eq!(res.status(), 200);
    let one_click = welcome.token("/api/v1/subscriptions/unsubscribe");
    let res = post_token(&app, UNSUBSCRIBE, &one_click).await;
    assert_eq!(res.status(), 200);
    assert_eq!(sink.count_to("Pat@example.org"), 2, "no mail after leaving");
}

#[derive(diesel::QueryableByName)]
struct Dump {
    #[diesel(sql_type = diesel::sql_types::Text)]
    j: String,
}

/// Addresses in each state: pending@ (signed up), confirmed@, and left@ (confirmed, then
/// unsubscribed).
async fn an_address_in_each_state(app: &TestApp, sink: &SmtpSink) {
    sign_up(app, json!({"email": "pending@example.org"})).await;
    sign_up_and_confirm(app, sink, "confirmed@example.org").await;
    sign_up_and_confirm(app, sink, "left@example.org").await;
    let one_click = sink
        .mail_to("left@example.org", 2)
        .await
        .token("/api/v1/subscriptions/unsubscribe");
    post_token(app, UNSUBSCRIBE, &one_click).await;
}

const ADDRESSES_IN_EACH_STATE: [&str; 4] = [
    "new@example.org",
    "pending@example.org",
    "confirmed@example.org",
    "left@example.org",
];

#[tokio::test]
async fn every_sign_up_gets_the_same_answer_whatever_the_address_state() {
    let (app, sink) = app_with_sink().await;
    an_address_in_each_state(&app, &sink).await;
    let mut answers = Vec::new();
    for email in ADDRESSES_IN_EACH_STATE {
        let res = sign_up(&app, json!({"email": email})).await;
        let status = res.status();
        let headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "date" | "x-request-id"))
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        answers.push((status, headers, res.bytes().await.unwrap()));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 202);
}

#[tokio::test]
async fn signing_up_again_mails_a_new_link_to_pending_and_returning_addresses_only() {
    let (app, sink) = app_with_sink().await;
    an_address_in_each_state(&app, &sink).await;
    for email in ADDRESSES_IN_EACH_STATE {
        sign_up(&app, json!({"email": email})).await;
    }
    sink.mail_to("pending@example.org", 2).await;
    sink.mail_to("left@example.org", 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.count_to("confirmed@example.org"), 2);
}

#[tokio::test]
async fn concurrent_duplicate_sign_ups_make_one_row_and_no_error() {
    let (app, _sink) = app_with_sink().await;
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let req = app
            .post(SUBSCRIPTIONS)
            .json(&json!({"email": "twin@example.org"}));
        tasks.push(tokio::spawn(
            async move { req.send().await.status().as_u16() },
        ));
    }
    for t in tasks {
        let status = t.await.unwrap();
        assert!(status == 202 || status == 429, "got {status}");
    }
    let mut conn = app.conn().await;
    let rows: Vec<Dump> =
        diesel::sql_query("SELECT email AS j FROM subscribers WHERE email = 'twin@example.org'")
            .load(&mut conn)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1);
}

#[tokio::test]
async fn bad_sign_ups_are_refused_naming_each_field() {
    let (app, _sink) = app_with_sink().await;
    let res = sign_up(
        &app,
        json!({"email": "not-an-address", "name": "x".repeat(101), "topics": ["sports"]}),
    )
    .await;
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, vec!["email", "name", "topics[0]"]);
    let res = sign_up(
        &app,
        json!({"email": format!("{}@example.org", "a".repeat(65))}),
    )
    .await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["email"]);
    let res = sign_up(&app, json!({"email": "a@example.org", "topics": []})).await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["topics"]);
}

#[tokio::test]
async fn an_unknown_or_malformed_token_is_one_generic_404() {
    let (app, _sink) = app_with_sink().await;
    let unknown = "A".repeat(43);
    for token in [unknown.as_str(), "short", "'; DROP TABLE subscribers; --"] {
        assert_problem(post_token(&app, CONFIRM, token).await, 404).await;
    }
    let res = app.get(&preferences("nope")).send().await;
    assert_problem(res, 404).await;
}

#[tokio::test]
async fn an_expired_token_is_410() {
    let (app, sink) = app_with_sink().await;
    sign_up(&app, json!({"email": "late@example.org"})).await;
    let token = sink
        .mail_to("late@example.org", 1)
        .await
        .token("/subscriptions/confirm");
    let mut conn = app.conn().await;
    diesel::sql_query("UPDATE subscriber_tokens SET expires_at = now() - interval '1 hour'")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_problem(post_token(&app, CONFIRM, &token).await, 410).await;
}

/// An app that takes 5 sign-up attempts a minute from one client.
async fn app_taking_5_sign_ups_a_minute() -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(move |s| {
        s.smtp_url = Some(Secret::new(url));
        s.public_base_url = BASE.into();
        s.signups_per_minute = 5;
    })
    .await;
    (app, sink)
}

/// Four sign-ups of eager@: three confirmation mails a day for one address, then a 429.
async fn eager_signs_up_four_times(app: &TestApp) -> reqwest::Response {
    for _ in 0..3 {
        let res = sign_up(app, json!({"email": "eager@example.org"})).await;
        assert_eq!(res.status(), 202);
    }
    sign_up(app, json!({"email": "eager@example.org"})).await
}

#[tokio::test]
async fn three_confirmation_mails_a_day_go_to_one_address_and_then_no_more() {
    let (app, sink) = app_taking_5_sign_ups_a_minute().await;
    let res = eager_signs_up_four_times(&app).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429).await;
    sink.mail_to("eager@example.org", 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.count_to("eager@example.org"), 3);
}

#[tokio::test]
async fn five_sign_up_attempts_a_minute_from_one_client_refused_ones_counting_too() {
    let (app, _sink) = app_taking_5_sign_ups_a_minute().await;
    assert_problem(eager_signs_up_four_times(&app).await, 429).await;
    let res = sign_up(&app, json!({"email": "fourth@example.org"})).await;
    assert_eq!(res.status(), 202);
    let res = sign_up(&app, json!({"email": "fifth@example.org"})).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429).await;
    let mut conn = app.conn().await;
    let rows: Vec<Dump> =
        diesel::sql_query("SELECT email AS j FROM subscribers WHERE email = 'fifth@example.org'")
            .load(&mut conn)
            .await
            .unwrap();
    assert!(rows.is_empty());
    // X-Forwarded-For from an untrusted peer changes nothing.
    let res = app
        .post(SUBSCRIPTIONS)
        .header("X-Forwarded-For", "203.0.113.9")
        .json(&json!({"email": "sixth@example.org"}))
        .send()
        .await;
    assert_problem(res, 429).await;
}

#[tokio::test]
async fn a_mail_claimed_by_an_instance_that_crashed_is_sent_later() {
    let (app, sink) = app_with_sink().await;
    let mut conn = app.conn().await;
    diesel::sql_query(
        "WITH s AS (INSERT INTO subscribers (email, topics) VALUES ('orphan@example.org', '{research}') RETURNING id) \
         INSERT INTO outbox (subscriber_id, kind, status, attempts, claimed_at) \
         SELECT id, 'confirmation', 'sending', 1, now() - interval '20 minutes' FROM s",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let mail = sink.mail_to("orphan@example.org", 1).await;
    assert!(mail.header("Subject").contains("Confirm"));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let sent: Vec<Dump> = diesel::sql_query("SELECT status AS j FROM outbox")
            .load(&mut conn)
            .await
            .unwrap();
        if sent.iter().all(|d| d.j == "sent") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox row was never marked sent"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Four sign-ups, oldest first: ann (confirmed), bob and cy (research), and dee (media, with
/// a name that is a spreadsheet formula). Returns an admin's token.
async fn four_subscribers(app: &TestApp, sink: &SmtpSink) -> String {
    for email in ["ann@example.org", "bob@example.org", "cy@example.org"] {
        sign_up(app, json!({"email": email, "topics": ["research"]})).await;
    }
    sign_up(
        app,
        json!({"email": "dee@example.org", "name": "=HYPERLINK(\"x\")", "topics": ["media"]}),
    )
    .await;
    let token = sink
        .mail_to("ann@example.org", 1)
        .await
        .token("/subscriptions/confirm");
    post_token(app, CONFIRM, &token).await;
    app.token(Role::Admin).await
}

/// Erases the newest subscriber (dee) as `admin`; returns its id.
async fn erase_the_newest(app: &TestApp, admin: &str) -> i64 {
    let all = app
        .get(&format!("{SUBSCRIBERS}?limit=2"))
        .token(admin)
        .send_json()
        .await;
    let id = all["data"][0]["id"].as_i64().unwrap();
    let res = app
        .delete(&format!("{SUBSCRIBERS}/{id}"))
        .token(admin)
        .send()
        .await;
    assert_eq!(res.status(), 204);
    id
}

#[tokio::test]
async fn an_editor_may_not_list_subscribers() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let res = app.get(SUBSCRIBERS).token(&editor).send().await;
    assert_problem(res, 403).await;
}

#[tokio::test]
async fn an_admin_pages_through_subscribers_newest_first() {
    let (app, sink) = app_with_sink().await;
    let admin = four_subscribers(&app, &sink).await;
    let all = app
        .get(&format!("{SUBSCRIBERS}?limit=2"))
        .token(&admin)
        .send_json()
        .await;
    assert_eq!(all["meta"]["total"], 4);
    assert_eq!(all["data"][0]["email"], "dee@example.org", "newest first");
    let cursor = all["meta"]["next_cursor"].as_str().unwrap().to_owned();
    let next = app
        .get(&format!("{SUBSCRIBERS}?limit=2&cursor={cursor}"))
        .token(&admin)
        .send_json()
        .await;
    assert_eq!(next["data"][1]["email"], "ann@example.org");
}

#[tokio::test]
async fn an_admin_filters_subscribers_by_status_topic_and_text() {
    let (app, sink) = app_with_sink().await;
    let admin = four_subscribers(&app, &sink).await;
    let get = async |query: &str| {
        let path = format!("{SUBSCRIBERS}?{query}");
        app.get(&path).token(&admin).send_json().await
    };
    assert_eq!(get("status=confirmed").await["meta"]["total"], 1);
    assert_eq!(
        get("topic=media").await["data"][0]["email"],
        "dee@example.org"
    );
    assert_eq!(get("q=BOB").await["meta"]["total"], 1);
    assert_eq!(
        get("q=%25").await["meta"]["total"],
        0,
        "% is a character, not a wildcard"
    );
    let res = app
        .get(&format!("{SUBSCRIBERS}?status=gone"))
        .token(&admin)
        .send()
        .await;
    assert_eq!(fields(&assert_problem(res, 400).await), vec!["status"]);
}

#[tokio::test]
async fn an_admin_counts_subscribers_by_status_topic_and_week() {
    let (app, sink) = app_with_sink().await;
    let admin = four_subscribers(&app, &sink).await;
    let stats = app
        .get("/api/v1/admin/subscribers/stats")
        .token(&admin)
        .send_json()
        .await;
    let by_status = &stats["data"]["by_status"];
    assert!(by_status
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["key"] == "pending" && c["count"] == 3));
    assert_eq!(
        stats["data"]["by_topic"],
        json!([{"key": "research", "count": 1}])
    );
    assert_eq!(stats["data"]["signups_per_week"][0]["count"], 4);
}

#[tokio::test]
async fn the_csv_export_guards_against_spreadsheet_formulas() {
    let (app, sink) = app_with_sink().await;
    let admin = four_subscribers(&app, &sink).await;
    let csv = app
        .get("/api/v1/admin/subscribers.csv?topic=media")
        .token(&admin)
        .send()
        .await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("id,email,name,topics,status"));
    assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
}

#[tokio::test]
async fn erasure_removes_the_address_and_name_and_the_anonymous_row_still_counts() {
    let (app, sink) = app_with_sink().await;
    let admin = four_subscribers(&app, &sink).await;
    let id = erase_the_newest(&app, &admin).await;
    let erased = app
        .get(&format!("{SUBSCRIBERS}/{id}"))
        .token(&admin)
        .send_json()
        .await;
    assert!(erased["data"]["email"].is_null() && erased["data"]["name"].is_null());
    assert_eq!(erased["data"]["status"], "erased");
}

#[tokio::test]
async fn a_sign_up_after_erasure_starts_afresh_with_the_same_answer_as_any_other() {
    let (app, sink) = app_with_sink().await;
    let admin = four_subscribers(&app, &sink).await;
    // Dee's first confirmation is sent before the erasure (an erasure drops unsent mail).
    sink.mail_to("dee@example.org", 1).await;
    erase_the_newest(&app, &admin).await;
    let res = sign_up(&app, json!({"email": "dee@example.org"})).await;
    assert_eq!(res.status(), 202);
    sink.mail_to("dee@example.org", 2).await;
    let all = app.get(SUBSCRIBERS).token(&admin).send_json().await;
    assert_eq!(all["meta"]["total"], 5);
}

#[tokio::test]
async fn an_admin_exports_100000_subscribers_as_csv() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    diesel::sql_query(
        "INSERT INTO subscribers (email, name, topics, status, confirmed_at) \
         SELECT 'member' || g || '@example.org', 'Member ' || g, '{research,careers}', 'confirmed', now() \
         FROM generate_series(1, 100000) AS g",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let admin = app.token(Role::Admin).await;
    let res = app
        .get("/api/v1/admin/subscribers.csv?status=confirmed")
        .token(&admin)
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let text = res.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 100_001, "a header and every row");
    assert!(lines[1].starts_with("1,member1@example.org,Member 1,research careers,confirmed,"));
    assert!(lines[100_000].contains("member100000@example.org"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(move |s| {
        s.smtp_url = Some(Secret::new(url));
        s.signups_per_minute = 1;
        s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let from = |client: &'static str, email: &'static str| {
        app.post(SUBSCRIPTIONS)
            .header("X-Forwarded-For", format!("198.51.100.7, {client}"))
            .json(&json!({"email": email}))
            .send()
    };
    assert_eq!(from("203.0.113.1", "a1@example.org").await.status(), 202);
    assert_problem(from("203.0.113.1", "a2@example.org").await, 429).await;
    assert_eq!(from("203.0.113.2", "b1@example.org").await.status(), 202);
}

#[tokio::test]
async fn a_mail_that_cannot_be_sent_is_kept_and_retried_later() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = TestApp::spawn_with(move |s| {
        s.smtp_url = Some(Secret::new(format!("smtp://127.0.0.1:{port}")));
    })
    .await;
    assert_eq!(
        sign_up(&app, json!({"email": "later@example.org"}))
            .await
            .status(),
        202
    );
    let mut conn = app.conn().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let rows: Vec<Dump> = diesel::sql_query(
            "SELECT status || ' ' || attempts || ' ' || (next_attempt_at > now() + interval '20 seconds') AS j \
             FROM outbox WHERE last_error IS NOT NULL",
        )
        .load(&mut conn)
        .await
        .unwrap();
        if let Some(row) = rows.as_slice().first() {
            assert_eq!(row.j, "pending 1 true", "kept, with a later retry");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the failed send was never recorded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn sign_ups_never_confirmed_are_purged_after_a_week() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    diesel::sql_query(
        "INSERT INTO subscribers (email, topics, created_at, updated_at) VALUES \
         ('stale@example.org', '{research}', now() - interval '8 days', now() - interval '8 days'), \
         ('renewed@example.org', '{research}', now() - interval '30 days', now() - interval '1 day'), \
         ('fresh@example.org', '{research}', now() - interval '6 days', now() - interval '6 days')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    // A new instance purges when it starts.
    let _second = TestApp::spawn_on(&app.database_url).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows: Vec<Dump> =
            diesel::sql_query("SELECT email AS j FROM subscribers ORDER BY email")
                .load(&mut conn)
                .await
                .unwrap();
        let emails: Vec<&str> = rows.iter().map(|r| r.j.as_str()).collect();
        if emails == ["fresh@example.org", "renewed@example.org"] {
            break;
        }
        assert!(Instant::now() < deadline, "still {emails:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_daily_mail_limit_reveals_nothing_either() {
    let (app, sink) = app_with_sink().await;
    sign_up_and_confirm(&app, &sink, "member@example.org").await;
    sign_up(&app, json!({"email": "waiting@example.org"})).await;
    let mut sequences = Vec::new();
    for email in ["member@example.org", "waiting@example.org"] {
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(
                sign_up(&app, json!({"email": email}))
                    .await
                    .status()
                    .as_u16(),
            );
        }
        sequences.push(statuses);
    }
    assert_eq!(sequences[0], vec![202, 202, 429]);
    assert_eq!(
        sequences[0], sequences[1],
        "confirmed and pending look alike"
    );
}
