//! Nothing acknowledged is lost: a write route answers 2xx only after PostgreSQL confirmed its
//! COMMIT. Each test holds one route's COMMIT with a deferred trigger that sleeps, terminates
//! the backend while it sleeps (as a failover or an operator would), and checks that the client
//! was not told "done" and that nothing was stored; then it sends the same request with no
//! fault and checks that it is answered 2xx and stored.
//!
//! The tests come first, one a route, grouped as the API is; then the `held_*` helpers that send
//! a route's request through the fault; then the fixtures that find what a route writes; then
//! the fault itself; last, a load test of the same promise under repeated connection kills.

use std::time::Duration;

use diesel::{sql_types::Text, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use perfusion_api::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestRequest};

// History events.

#[tokio::test]
async fn creating_a_history_event_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Editor).await;
    let path = "/api/v1/history-events";
    let event = json!({"title": "A held commit", "summary": "Lost or kept.", "year": 1990});
    held_create(&app, &token, "history_events", path, event).await;
}

#[tokio::test]
async fn replacing_a_history_event_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Editor).await;
    let path = first_in(&app, "/api/v1/history-events").await;
    let event = json!({"title": "Replaced", "summary": "Replaced.", "year": 1951});
    held_put(&app, &token, "history_events", &path, event).await;
}

#[tokio::test]
async fn changing_a_history_event_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Editor).await;
    let path = first_in(&app, "/api/v1/history-events").await;
    let change = json!({"summary": "Changed."});
    held_patch(&app, &token, "history_events", &path, change).await;
}

#[tokio::test]
async fn removing_a_history_event_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Editor).await;
    let path = first_in(&app, "/api/v1/history-events").await;
    held_delete(&app, &token, "history_events", &path).await;
}

// Articles.

#[tokio::test]
async fn creating_an_article_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Editor).await;
    let article = json!({
        "title": "A held commit",
        "body_markdown": "# A held commit\n\nLost or kept.",
        "category": "perfusion-research",
        "tags": ["ECMO"],
        "status": "published",
    });
    held_create(&app, &token, "articles", "/api/v1/articles", article).await;
}

#[tokio::test]
async fn replacing_an_article_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Editor).await;
    let path = first_in(&app, "/api/v1/articles").await;
    let article = json!({
        "title": "Replaced",
        "body_markdown": "Replaced words.",
        "category": "perfusion-research",
        "status": "published",
    });
    held_put(&app, &token, "articles", &path, article).await;
}

#[tokio::test]
async fn changing_an_article_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Editor).await;
    let path = first_in(&app, "/api/v1/articles").await;
    let change = json!({"excerpt": "Changed."});
    held_patch(&app, &token, "articles", &path, change).await;
}

#[tokio::test]
async fn archiving_an_article_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Editor).await;
    let path = first_in(&app, "/api/v1/articles").await;
    held_delete(&app, &token, "articles", &path).await;
}

#[tokio::test]
async fn removing_an_article_for_good_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = first_in(&app, "/api/v1/articles").await + "?hard=true";
    held_delete(&app, &token, "articles", &path).await;
}

// Categories.

#[tokio::test]
async fn creating_a_category_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = "/api/v1/categories";
    let category =
        json!({"name": "Clinical Practice", "description": "At the pump.", "position": 5});
    held_create(&app, &token, "categories", path, category).await;
}

#[tokio::test]
async fn changing_a_category_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = first_in(&app, "/api/v1/categories").await;
    let change = json!({"description": "Changed."});
    held_patch(&app, &token, "categories", &path, change).await;
}

#[tokio::test]
async fn removing_a_category_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let empty = json!({"name": "Empty Shelf"});
    let path = created(&app, &token, "/api/v1/categories", empty).await;
    held_delete(&app, &token, "categories", &path).await;
}

// Staffing statistics.

#[tokio::test]
async fn adding_a_staffing_observation_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Editor).await;
    let path = "/api/v1/staffing-statistics/certified_perfusionists/observations";
    let observation = json!({"value": 4600, "as_of": "2025-01-01", "source": "ABCP annual report"});
    held_create(&app, &token, "staffing_observations", path, observation).await;
}

#[tokio::test]
async fn correcting_a_staffing_observation_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Editor).await;
    let path = an_observation(&app).await;
    let correction = json!({"note": "Corrected."});
    held_patch(&app, &token, "staffing_observations", &path, correction).await;
}

#[tokio::test]
async fn removing_a_staffing_observation_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Editor).await;
    let path = an_observation(&app).await;
    held_delete(&app, &token, "staffing_observations", &path).await;
}

// Certification.

#[tokio::test]
async fn adding_a_certification_step_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = "/api/v1/certification/steps";
    let step = json!({"title": "Recertify every year"});
    held_create(&app, &token, "certification_steps", path, step).await;
}

#[tokio::test]
async fn changing_a_certification_step_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = a_certification_step(&app).await;
    let change = json!({"title": "Changed"});
    held_patch(&app, &token, "certification_steps", &path, change).await;
}

#[tokio::test]
async fn removing_a_certification_step_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = a_certification_step(&app).await;
    held_delete(&app, &token, "certification_steps", &path).await;
}

#[tokio::test]
async fn adding_a_certification_program_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = "/api/v1/certification/programs";
    held_create(&app, &token, "accredited_programs", path, a_program()).await;
}

#[tokio::test]
async fn changing_a_certification_program_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = created(&app, &token, "/api/v1/certification/programs", a_program()).await;
    let change = json!({"accreditation_status": "probation", "city": null});
    held_patch(&app, &token, "accredited_programs", &path, change).await;
}

#[tokio::test]
async fn removing_a_certification_program_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = created(&app, &token, "/api/v1/certification/programs", a_program()).await;
    held_delete(&app, &token, "accredited_programs", &path).await;
}

#[tokio::test]
async fn changing_a_states_licensure_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = "/api/v1/certification/licensure/OR";
    let change = json!({"note": "Checked again.", "as_of": "2025-01-01"});
    held_patch(&app, &token, "licensure", path, change).await;
}

// Perfusion in practice.

#[tokio::test]
async fn adding_a_practice_type_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = "/api/v1/practice/types";
    let kind = json!({"name": "Organ perfusion", "summary": "Keeping a donor organ alive."});
    held_create(&app, &token, "practice_types", path, kind).await;
}

#[tokio::test]
async fn changing_a_practice_type_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = "/api/v1/practice/types/ecmo";
    let change = json!({"name": "ECMO"});
    held_patch(&app, &token, "practice_types", path, change).await;
}

#[tokio::test]
async fn removing_a_practice_type_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = "/api/v1/practice/types/isolated-limb-perfusion";
    held_delete(&app, &token, "practice_types", path).await;
}

#[tokio::test]
async fn adding_a_practice_step_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = "/api/v1/practice/steps";
    let step = json!({"title": "Debrief", "detail": "What went well, what to change."});
    held_create(&app, &token, "practice_steps", path, step).await;
}

#[tokio::test]
async fn changing_a_practice_step_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = a_practice_step(&app).await;
    let change = json!({"detail": "Changed."});
    held_patch(&app, &token, "practice_steps", &path, change).await;
}

#[tokio::test]
async fn removing_a_practice_step_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = a_practice_step(&app).await;
    held_delete(&app, &token, "practice_steps", &path).await;
}

// Subscriptions: anonymous, with the subscriber's token in the body or the query.

#[tokio::test]
async fn signing_up_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let path = "/api/v1/subscriptions";
    let sign_up = json!({"email": "held@example.org", "topics": ["research"]});
    held_anonymous_post(&app, "subscribers", path, sign_up).await;
}

#[tokio::test]
async fn confirming_a_subscription_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let (_, token) = subscriber_with_token(&app, "pending@example.org", "confirm").await;
    let path = "/api/v1/subscriptions/confirm";
    held_anonymous_post(&app, "subscribers", path, json!({"token": token})).await;
}

#[tokio::test]
async fn unsubscribing_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let (_, token) = subscriber_with_token(&app, "member@example.org", "manage").await;
    let path = "/api/v1/subscriptions/unsubscribe";
    held_anonymous_post(&app, "subscribers", path, json!({"token": token})).await;
}

#[tokio::test]
async fn changing_preferences_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let (_, token) = subscriber_with_token(&app, "member@example.org", "manage").await;
    let path = format!("/api/v1/subscriptions/preferences?token={token}");
    let preferences = json!({"name": "Pat", "topics": ["media", "careers"]});
    assert_acknowledged_only_after_commit(&app, "subscribers", || {
        app.put(&path).json(&preferences)
    })
    .await;
}

// Administration and authentication.

#[tokio::test]
async fn erasing_a_subscriber_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let (id, _) = subscriber_with_token(&app, "member@example.org", "manage").await;
    let path = format!("/api/v1/admin/subscribers/{id}");
    held_delete(&app, &token, "subscribers", &path).await;
}

#[tokio::test]
async fn adding_an_admin_user_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let path = "/api/v1/admin/users";
    let user = json!({
        "email": "grace@example.org",
        "password": "a very long password",
        "role": "editor",
        "display_name": "Grace",
    });
    held_create(&app, &token, "admin_users", path, user).await;
}

/// Sent without an If-Match, so spelled out rather than through `held_patch`.
#[tokio::test]
async fn changing_an_admin_user_is_acknowledged_only_once_committed() {
    let (app, token) = spawn_as(Role::Admin).await;
    let (id, _) = app.create_user(Role::Editor).await;
    let path = format!("/api/v1/admin/users/{id}");
    let change = json!({"display_name": "Renamed", "role": "admin"});
    assert_acknowledged_only_after_commit(&app, "admin_users", || {
        app.patch(&path).token(&token).json(&change)
    })
    .await;
}

/// Logging in records the time of the login (`last_login_at`): a write too.
#[tokio::test]
async fn logging_in_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let (_, email) = app.create_user(Role::Editor).await;
    let login = json!({"email": email, "password": crate::helpers::PASSWORD});
    let path = "/api/v1/auth/token";
    held_anonymous_post(&app, "admin_users", path, login).await;
}

// How a route's request is sent through the held commit: each helper builds the request the
// route's client would send and hands it to `assert_acknowledged_only_after_commit`.

/// POSTs `body` to `path` as the holder of `token`.
async fn held_create(app: &TestApp, token: &str, table: &str, path: &str, body: Value) {
    assert_acknowledged_only_after_commit(app, table, || app.post(path).token(token).json(&body))
        .await;
}

/// PATCHes `path` with `body`, If-Match its ETag as read before the fault.
async fn held_patch(app: &TestApp, token: &str, table: &str, path: &str, body: Value) {
    let etag = etag_of(app, token, path).await;
    assert_acknowledged_only_after_commit(app, table, || {
        app.patch(path).token(token).if_match(&etag).json(&body)
    })
    .await;
}

/// PUTs `body` at `path`, If-Match its ETag as read before the fault.
async fn held_put(app: &TestApp, token: &str, table: &str, path: &str, body: Value) {
    let etag = etag_of(app, token, path).await;
    assert_acknowledged_only_after_commit(app, table, || {
        app.put(path).token(token).if_match(&etag).json(&body)
    })
    .await;
}

/// DELETEs `path` as the holder of `token`.
async fn held_delete(app: &TestApp, token: &str, table: &str, path: &str) {
    assert_acknowledged_only_after_commit(app, table, || app.delete(path).token(token)).await;
}

/// POSTs `body` to `path` with no credentials (sign-ups, subscribers' tokens, logins).
async fn held_anonymous_post(app: &TestApp, table: &str, path: &str, body: Value) {
    assert_acknowledged_only_after_commit(app, table, || app.post(path).json(&body)).await;
}

// Fixtures: the service, and what the routes write (seeded, or made before the fault).

/// A running service and a token of `role` for it.
async fn spawn_as(role: Role) -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let token = app.token(role).await;
    (app, token)
}

/// The path of the first item of a public list, e.g. `/api/v1/articles/{slug}`.
async fn first_in(app: &TestApp, list: &str) -> String {
    let body = app.get(list).send_json().await;
    let slug = body["data"][0]["slug"].as_str().unwrap();
    format!("{list}/{slug}")
}

/// A path's `data[key]` as a string (a slug, or an id as text).
async fn field_of(app: &TestApp, path: &str, pointer: &str) -> String {
    let body = app.get(path).send_json().await;
    match &body
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{path} has {pointer}"))
    {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Makes the resource `body` describes with a POST to `path` (before any fault); returns its
/// Location.
async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let res = app.post(path).token(token).json(&body).send().await;
    assert_eq!(res.status(), 201, "{path}");
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// The ETag of `path` as its editor reads it.
async fn etag_of(app: &TestApp, token: &str, path: &str) -> String {
    let res = app.get(path).token(token).send().await;
    assert_eq!(res.status(), 200, "{path}");
    res.headers()["etag"].to_str().unwrap().to_owned()
}

/// The path of a seeded observation of certified perfusionists.
async fn an_observation(app: &TestApp) -> String {
    let metric = "/api/v1/staffing-statistics/certified_perfusionists";
    let id = field_of(app, metric, "/data/series/0/id").await;
    format!("{metric}/observations/{id}")
}

/// The path of the first step of the certification pathway.
async fn a_certification_step(app: &TestApp) -> String {
    let id = field_of(app, "/api/v1/certification", "/data/steps/0/id").await;
    format!("/api/v1/certification/steps/{id}")
}

/// An accredited program, as an admin enters one.
fn a_program() -> Value {
    json!({
        "name": "Clinical Perfusion Education",
        "institution": "University of Nebraska Medical Center",
        "city": "Omaha",
        "state": "NE",
    })
}

/// The path of the first step of perfusion in practice.
async fn a_practice_step(app: &TestApp) -> String {
    let id = field_of(app, "/api/v1/practice", "/data/steps/0/id").await;
    format!("/api/v1/practice/steps/{id}")
}

/// A subscriber made directly in the database, with a token of `purpose`: a pending one with a
/// "confirm" token, or a confirmed one with a "manage" token. Returns its id and the token.
async fn subscriber_with_token(app: &TestApp, email: &str, purpose: &str) -> (i64, String) {
    use perfusion_api::models::subscriber;
    let (token, hash) = perfusion_api::domain::new_token();
    let now = chrono::Utc::now();
    let id = perfusion_api::db::write::<_, diesel::result::Error, _>(
        &mut app.conn().await,
        async |tx| {
            let new = subscriber::NewSignUp {
                email,
                name: None,
                topics: &["research"],
            };
            let s = subscriber::sign_up(tx, &new, now.date_naive(), 3)
                .await?
                .expect("a new address signs up");
            let expires = match purpose {
                "manage" => {
                    subscriber::confirm(
                        tx,
                        s.id,
                        perfusion_api::api::subscriptions::CONSENT_VERSION,
                        now,
                    )
                    .await?;
                    None
                }
                _ => Some(now + chrono::Duration::hours(48)),
            };
            subscriber::insert_token(tx, &hash, s.id, purpose, expires).await?;
            Ok(s.id)
        },
    )
    .await
    .unwrap();
    (id, token)
}

// The fault: a COMMIT held by a sleeping trigger, and the backend terminated while it sleeps.

/// Drives one write route through the held-commit fault and then without it.
///
/// `table` is the table the route writes (the trigger that holds the commit goes there);
/// `request` builds the request; it is sent twice, so it must build the same one each time.
pub async fn assert_acknowledged_only_after_commit(
    app: &TestApp,
    table: &str,
    request: impl Fn() -> TestRequest,
) {
    let send = || request().send();
    let mut control = app.conn().await;
    hold_commits_on(&mut control, table).await;
    let before = digest(&mut control, table).await;
    let audit_before = digest(&mut control, "audit_log").await;

    let (res, killed) = tokio::join!(send(), terminate_the_sleeping_backend(app));
    assert!(
        killed,
        "no backend was holding a commit on {table}: the request did not write to it"
    );
    let status = res.status().as_u16();
    let retry_after = res.headers().contains_key("retry-after");
    let body = res.text().await.unwrap_or_default();
    assert_eq!(
        status, 503,
        "a write whose commit was lost must not be acknowledged; got {status}: {body}"
    );
    assert!(retry_after, "a 503 says when to retry");
    assert_eq!(
        digest(&mut control, table).await,
        before,
        "the lost write left nothing in {table}"
    );
    assert_eq!(
        digest(&mut control, "audit_log").await,
        audit_before,
        "the lost write left no audit entry: it commits with the write or not at all"
    );

    release_commits_on(&mut control, table).await;
    let res = send().await;
    let status = res.status();
    let body = res.text().await.unwrap_or_default();
    assert!(
        status.is_success(),
        "without the fault the same request succeeds; got {status}: {body}"
    );
    assert_ne!(
        digest(&mut control, table).await,
        before,
        "an acknowledged write is in {table}"
    );
}

/// A deferred constraint trigger on `table` that sleeps at COMMIT, long enough to be found.
async fn hold_commits_on(conn: &mut AsyncPgConnection, table: &str) {
    diesel::sql_query(
        "CREATE OR REPLACE FUNCTION test_hold_commit() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$",
    )
    .execute(conn)
    .await
    .unwrap();
    diesel::sql_query(format!(
        "CREATE CONSTRAINT TRIGGER test_hold_commit AFTER INSERT OR UPDATE OR DELETE ON {table} \
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_hold_commit()"
    ))
    .execute(conn)
    .await
    .unwrap();
}

async fn release_commits_on(conn: &mut AsyncPgConnection, table: &str) {
    diesel::sql_query(format!("DROP TRIGGER test_hold_commit ON {table}"))
        .execute(conn)
        .await
        .unwrap();
}

/// Waits (at most 15 s) for a backend of this database sleeping in the trigger, and
/// terminates it. True when one was found.
async fn terminate_the_sleeping_backend(app: &TestApp) -> bool {
    #[derive(QueryableByName)]
    struct Killed {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        killed: bool,
    }
    let mut conn = app.conn().await;
    for _ in 0..1500 {
        let found: Vec<Killed> = diesel::sql_query(
            "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event = 'PgSleep' \
               AND pid <> pg_backend_pid()",
        )
        .load(&mut conn)
        .await
        .unwrap();
        if found.iter().any(|k| k.killed) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// A fingerprint of every row of `table`.
async fn digest(conn: &mut AsyncPgConnection, table: &str) -> String {
    #[derive(QueryableByName)]
    struct Digest {
        #[diesel(sql_type = Text)]
        digest: String,
    }
    let d: Digest = diesel::sql_query(format!(
        "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS digest \
         FROM {table} t"
    ))
    .get_result(conn)
    .await
    .unwrap();
    d.digest
}

// The same promise under load.

/// The load test of the issue: writers and sign-ups run while every backend of the service is
/// terminated again and again; every commit waits a few random milliseconds (a deferred
/// trigger), so the kills land inside commits too. Every 201 and 202 must be stored exactly
/// once; every other answer must be a 503 to retry.
#[tokio::test]
async fn under_repeated_connection_kills_every_acknowledged_write_is_stored_exactly_once() {
    const CLIENTS: usize = 8;
    const REQUESTS_PER_CLIENT: usize = 100;
    let app = TestApp::spawn_with(|s| {
        s.db_pool_size = 8;
        s.signups_per_minute = 1_000_000;
    })
    .await;
    let token = app.token(Role::Editor).await;
    let mut control = app.conn().await;
    diesel::sql_query(
        "CREATE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN PERFORM pg_sleep(random() * 0.02); RETURN NULL; END $$",
    )
    .execute(&mut control)
    .await
    .unwrap();
    for table in ["history_events", "subscribers"] {
        diesel::sql_query(format!(
            "CREATE CONSTRAINT TRIGGER test_slow_commit AFTER INSERT ON {table} \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_slow_commit()"
        ))
        .execute(&mut control)
        .await
        .unwrap();
    }

    let run = uuid::Uuid::new_v4().simple().to_string();
    let writers = (0..CLIENTS).map(|c| {
        let (app, token, run) = (&app, &token, &run);
        async move {
            let mut answers = Vec::new();
            for i in 0..REQUESTS_PER_CLIENT {
                let key = format!("{run}-{c}-{i}");
                let req = if i % 2 == 0 {
                    app.post("/api/v1/history-events").token(token).json(
                        &json!({"title": format!("Event {key}"), "summary": "Load.", "year": 1990}),
                    )
                } else {
                    app.post("/api/v1/subscriptions").json(
                        &json!({"email": format!("{key}@example.org"), "topics": ["research"]}),
                    )
                };
                answers.push((i % 2 == 0, key, req.send().await.status().as_u16()));
            }
            answers
        }
    });
    let killing = std::sync::atomic::AtomicBool::new(true);
    let killer = async {
        let mut kills = 0;
        while std::sync::atomic::AtomicBool::load(&killing, std::sync::atomic::Ordering::Relaxed) {
            #[derive(QueryableByName)]
            struct Killed {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let k: Killed = diesel::sql_query(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n \
                 FROM pg_stat_activity WHERE datname = current_database() \
                   AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            )
            .get_result(&mut control)
            .await
            .unwrap();
            kills += k.n;
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        kills
    };
    let (answers, kills) = tokio::join!(
        async {
            let answers = futures_util::future::join_all(writers).await;
            killing.store(false, std::sync::atomic::Ordering::Relaxed);
            answers.into_iter().flatten().collect::<Vec<_>>()
        },
        killer
    );
    assert!(kills > 0, "the service's connections were terminated");

    let mut check = app.conn().await;
    let (mut acknowledged, mut refused) = (0, 0);
    for (is_event, key, status) in &answers {
        match (*is_event, *status) {
            (true, 201) | (false, 202) => {
                acknowledged += 1;
                let (table, column, value) = if *is_event {
                    ("history_events", "title", format!("Event {key}"))
                } else {
                    ("subscribers", "email", format!("{key}@example.org"))
                };
                let stored = count_where(&mut check, table, column, &value).await;
                assert_eq!(
                    stored, 1,
                    "{key} was acknowledged ({status}) and is stored {stored} times"
                );
            }
            (_, 503) => refused += 1,
            (_, other) => panic!("{key}: a write under faults answers 2xx or 503, not {other}"),
        }
    }
    assert!(acknowledged > 0, "some writes got through");
    assert!(
        refused > 0,
        "the kills hit requests in flight ({kills} kills)"
    );
    eprintln!(
        "{} writes: {acknowledged} acknowledged and stored once, {refused} refused with 503; {kills} backends killed",
        answers.len()
    );
}

async fn count_where(conn: &mut AsyncPgConnection, table: &str, column: &str, value: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let c: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM {table} WHERE {column} = $1"
    ))
    .bind::<Text, _>(value)
    .get_result(conn)
    .await
    .unwrap();
    c.n
}
