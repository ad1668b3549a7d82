//! Nothing acknowledged is lost: a write route answers 2xx only after PostgreSQL confirmed its
//! COMMIT. Each test holds one route's COMMIT with a deferred trigger that sleeps, terminates
//! the backend while it sleeps (as a failover or an operator would), and checks that the client
//! was not told "done" and that nothing was stored; then it sends the same request with no
//! fault and checks that it is answered 2xx and stored.

use std::time::Duration;

use diesel::{sql_types::Text, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use perfusion_api::domain::Role;
use serde_json::{json, Value};

use crate::helpers::TestApp;

/// Drives one write route through the held-commit fault and then without it.
///
/// `table` is the table the route writes (the trigger that holds the commit goes there);
/// `request` builds the request; it is sent twice, so it must build the same one each time.
pub async fn assert_acknowledged_only_after_commit(
    app: &TestApp,
    table: &str,
    request: impl Fn() -> reqwest::RequestBuilder,
) {
    let send = || async { request().send().await.expect("the server answers") };
    let mut control = app.conn().await;
    hold_commits_on(&mut control, table).await;
    let before = digest(&mut control, table).await;

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

/// The first item of a public list, e.g. a seeded history event.
async fn first_of(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    let body: Value = res.json().await.unwrap();
    body["data"][0].clone()
}

/// The ETag of `path` as its editor reads it.
async fn etag_of(app: &TestApp, token: &str, path: &str) -> String {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn creating_a_history_event_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    assert_acknowledged_only_after_commit(&app, "history_events", || {
        app.client
            .post(app.url("/api/v1/history-events"))
            .bearer_auth(&token)
            .json(&json!({"title": "A held commit", "summary": "Lost or kept.", "year": 1990}))
    })
    .await;
}

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
                let res = if i % 2 == 0 {
                    app.client
                        .post(app.url("/api/v1/history-events"))
                        .bearer_auth(token)
                        .json(&json!({"title": format!("Event {key}"), "summary": "Load.", "year": 1990}))
                        .send()
                        .await
                } else {
                    app.client
                        .post(app.url("/api/v1/subscriptions"))
                        .json(&json!({"email": format!("{key}@example.org"), "topics": ["research"]}))
                        .send()
                        .await
                };
                answers.push((i % 2 == 0, key, res.expect("the server answers").status().as_u16()));
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

#[tokio::test]
async fn replacing_a_history_event_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let slug = first_of(&app, "/api/v1/history-events").await["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/history-events/{slug}");
    let etag = etag_of(&app, &token, &path).await;
    assert_acknowledged_only_after_commit(&app, "history_events", || {
        app.client
            .put(app.url(&path))
            .bearer_auth(&token)
            .header("if-match", &etag)
            .json(&json!({"title": "Replaced", "summary": "Replaced.", "year": 1951}))
    })
    .await;
}

#[tokio::test]
async fn changing_a_history_event_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let slug = first_of(&app, "/api/v1/history-events").await["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/history-events/{slug}");
    let etag = etag_of(&app, &token, &path).await;
    assert_acknowledged_only_after_commit(&app, "history_events", || {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .header("if-match", &etag)
            .json(&json!({"summary": "Changed."}))
    })
    .await;
}

#[tokio::test]
async fn removing_a_history_event_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let slug = first_of(&app, "/api/v1/history-events").await["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/history-events/{slug}");
    assert_acknowledged_only_after_commit(&app, "history_events", || {
        app.client.delete(app.url(&path)).bearer_auth(&token)
    })
    .await;
}

/// A path's `data[key]` as a string (a slug, or an id as text).
async fn field_of(app: &TestApp, path: &str, pointer: &str) -> String {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    let body: Value = res.json().await.unwrap();
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
    let res = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{path}");
    res.headers()["location"].to_str().unwrap().to_owned()
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
            let s = subscriber::sign_up(tx, email, None, &["research"], now.date_naive(), 3)
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

// Articles.

#[tokio::test]
async fn creating_an_article_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    assert_acknowledged_only_after_commit(&app, "articles", || {
        app.client
            .post(app.url("/api/v1/articles"))
            .bearer_auth(&token)
            .json(&json!({
                "title": "A held commit",
                "body_markdown": "# A held commit\n\nLost or kept.",
                "category": "perfusion-research",
                "tags": ["ECMO"],
                "status": "published",
            }))
    })
    .await;
}

#[tokio::test]
async fn replacing_an_article_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let slug = first_of(&app, "/api/v1/articles").await["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/articles/{slug}");
    let etag = etag_of(&app, &token, &path).await;
    assert_acknowledged_only_after_commit(&app, "articles", || {
        app.client
            .put(app.url(&path))
            .bearer_auth(&token)
            .header("if-match", &etag)
            .json(&json!({
                "title": "Replaced",
                "body_markdown": "Replaced words.",
                "category": "perfusion-research",
                "status": "published",
            }))
    })
    .await;
}

#[tokio::test]
async fn changing_an_article_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let slug = first_of(&app, "/api/v1/articles").await["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/articles/{slug}");
    let etag = etag_of(&app, &token, &path).await;
    assert_acknowledged_only_after_commit(&app, "articles", || {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .header("if-match", &etag)
            .json(&json!({"excerpt": "Changed."}))
    })
    .await;
}

#[tokio::test]
async fn archiving_an_article_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let slug = first_of(&app, "/api/v1/articles").await["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/articles/{slug}");
    assert_acknowledged_only_after_commit(&app, "articles", || {
        app.client.delete(app.url(&path)).bearer_auth(&token)
    })
    .await;
}

#[tokio::test]
async fn removing_an_article_for_good_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let slug = first_of(&app, "/api/v1/articles").await["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/articles/{slug}?hard=true");
    assert_acknowledged_only_after_commit(&app, "articles", || {
        app.client.delete(app.url(&path)).bearer_auth(&token)
    })
    .await;
}

// Categories.

#[tokio::test]
async fn creating_a_category_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    assert_acknowledged_only_after_commit(&app, "categories", || {
        app.client
            .post(app.url("/api/v1/categories"))
            .bearer_auth(&token)
            .json(
                &json!({"name": "Clinical Practice", "description": "At the pump.", "position": 5}),
            )
    })
    .await;
}

#[tokio::test]
async fn changing_a_category_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let slug = first_of(&app, "/api/v1/categories").await["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/categories/{slug}");
    let etag = etag_of(&app, &token, &path).await;
    assert_acknowledged_only_after_commit(&app, "categories", || {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .header("if-match", &etag)
            .json(&json!({"description": "Changed."}))
    })
    .await;
}

#[tokio::test]
async fn removing_a_category_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let path = created(
        &app,
        &token,
        "/api/v1/categories",
        json!({"name": "Empty Shelf"}),
    )
    .await;
    assert_acknowledged_only_after_commit(&app, "categories", || {
        app.client.delete(app.url(&path)).bearer_auth(&token)
    })
    .await;
}

// Staffing statistics.

#[tokio::test]
async fn adding_a_staffing_observation_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    assert_acknowledged_only_after_commit(&app, "staffing_observations", || {
        app.client
            .post(app.url("/api/v1/staffing-statistics/certified_perfusionists/observations"))
            .bearer_auth(&token)
            .json(&json!({"value": 4600, "as_of": "2025-01-01", "source": "ABCP annual report"}))
    })
    .await;
}

/// The path of a seeded observation of certified perfusionists.
async fn an_observation(app: &TestApp) -> String {
    let metric = "/api/v1/staffing-statistics/certified_perfusionists";
    let id = field_of(app, metric, "/data/series/0/id").await;
    format!("{metric}/observations/{id}")
}

#[tokio::test]
async fn correcting_a_staffing_observation_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let path = an_observation(&app).await;
    let etag = etag_of(&app, &token, &path).await;
    assert_acknowledged_only_after_commit(&app, "staffing_observations", || {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .header("if-match", &etag)
            .json(&json!({"note": "Corrected."}))
    })
    .await;
}

#[tokio::test]
async fn removing_a_staffing_observation_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Editor).await;
    let path = an_observation(&app).await;
    assert_acknowledged_only_after_commit(&app, "staffing_observations", || {
        app.client.delete(app.url(&path)).bearer_auth(&token)
    })
    .await;
}

// Certification.

#[tokio::test]
async fn adding_a_certification_step_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    assert_acknowledged_only_after_commit(&app, "certification_steps", || {
        app.client
            .post(app.url("/api/v1/certification/steps"))
            .bearer_auth(&token)
            .json(&json!({"title": "Recertify every year"}))
    })
    .await;
}

/// The path of the first step of the certification pathway.
async fn a_certification_step(app: &TestApp) -> String {
    let id = field_of(app, "/api/v1/certification", "/data/steps/0/id").await;
    format!("/api/v1/certification/steps/{id}")
}

#[tokio::test]
async fn changing_a_certification_step_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let path = a_certification_step(&app).await;
    let etag = etag_of(&app, &token, &path).await;
    assert_acknowledged_only_after_commit(&app, "certification_steps", || {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .header("if-match", &etag)
            .json(&json!({"title": "Changed"}))
    })
    .await;
}

#[tokio::test]
async fn removing_a_certification_step_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let path = a_certification_step(&app).await;
    assert_acknowledged_only_after_commit(&app, "certification_steps", || {
        app.client.delete(app.url(&path)).bearer_auth(&token)
    })
    .await;
}

fn a_program() -> Value {
    json!({
        "name": "Clinical Perfusion Education",
        "institution": "University of Nebraska Medical Center",
        "city": "Omaha",
        "state": "NE",
    })
}

#[tokio::test]
async fn adding_a_certification_program_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    assert_acknowledged_only_after_commit(&app, "accredited_programs", || {
        app.client
            .post(app.url("/api/v1/certification/programs"))
            .bearer_auth(&token)
            .json(&a_program())
    })
    .await;
}

#[tokio::test]
async fn changing_a_certification_program_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let path = created(&app, &token, "/api/v1/certification/programs", a_program()).await;
    let etag = etag_of(&app, &token, &path).await;
    assert_acknowledged_only_after_commit(&app, "accredited_programs", || {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .header("if-match", &etag)
            .json(&json!({"accreditation_status": "probation", "city": null}))
    })
    .await;
}

#[tokio::test]
async fn removing_a_certification_program_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let path = created(&app, &token, "/api/v1/certification/programs", a_program()).await;
    assert_acknowledged_only_after_commit(&app, "accredited_programs", || {
        app.client.delete(app.url(&path)).bearer_auth(&token)
    })
    .await;
}

#[tokio::test]
async fn changing_a_states_licensure_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let path = "/api/v1/certification/licensure/OR";
    let etag = etag_of(&app, &token, path).await;
    assert_acknowledged_only_after_commit(&app, "licensure", || {
        app.client
            .patch(app.url(path))
            .bearer_auth(&token)
            .header("if-match", &etag)
            .json(&json!({"note": "Checked again.", "as_of": "2025-01-01"}))
    })
    .await;
}

// Perfusion in practice.

#[tokio::test]
async fn adding_a_practice_type_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    assert_acknowledged_only_after_commit(&app, "practice_types", || {
        app.client
            .post(app.url("/api/v1/practice/types"))
            .bearer_auth(&token)
            .json(&json!({"name": "Organ perfusion", "summary": "Keeping a donor organ alive."}))
    })
    .await;
}

#[tokio::test]
async fn changing_a_practice_type_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let path = "/api/v1/practice/types/ecmo";
    let etag = etag_of(&app, &token, path).await;
    assert_acknowledged_only_after_commit(&app, "practice_types", || {
        app.client
            .patch(app.url(path))
            .bearer_auth(&token)
            .header("if-match", &etag)
            .json(&json!({"name": "ECMO"}))
    })
    .await;
}

#[tokio::test]
async fn removing_a_practice_type_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let path = "/api/v1/practice/types/isolated-limb-perfusion";
    assert_acknowledged_only_after_commit(&app, "practice_types", || {
        app.client.delete(app.url(path)).bearer_auth(&token)
    })
    .await;
}

#[tokio::test]
async fn adding_a_practice_step_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    assert_acknowledged_only_after_commit(&app, "practice_steps", || {
        app.client
            .post(app.url("/api/v1/practice/steps"))
            .bearer_auth(&token)
            .json(&json!({"title": "Debrief", "detail": "What went well, what to change."}))
    })
    .await;
}

/// The path of the first step of perfusion in practice.
async fn a_practice_step(app: &TestApp) -> String {
    let id = field_of(app, "/api/v1/practice", "/data/steps/0/id").await;
    format!("/api/v1/practice/steps/{id}")
}

#[tokio::test]
async fn changing_a_practice_step_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let path = a_practice_step(&app).await;
    let etag = etag_of(&app, &token, &path).await;
    assert_acknowledged_only_after_commit(&app, "practice_steps", || {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .header("if-match", &etag)
            .json(&json!({"detail": "Changed."}))
    })
    .await;
}

#[tokio::test]
async fn removing_a_practice_step_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let path = a_practice_step(&app).await;
    assert_acknowledged_only_after_commit(&app, "practice_steps", || {
        app.client.delete(app.url(&path)).bearer_auth(&token)
    })
    .await;
}

// Subscriptions.

#[tokio::test]
async fn signing_up_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    assert_acknowledged_only_after_commit(&app, "subscribers", || {
        app.client
            .post(app.url("/api/v1/subscriptions"))
            .json(&json!({"email": "held@example.org", "topics": ["research"]}))
    })
    .await;
}

#[tokio::test]
async fn confirming_a_subscription_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let (_, token) = subscriber_with_token(&app, "pending@example.org", "confirm").await;
    assert_acknowledged_only_after_commit(&app, "subscribers", || {
        app.client
            .post(app.url("/api/v1/subscriptions/confirm"))
            .json(&json!({"token": token}))
    })
    .await;
}

#[tokio::test]
async fn unsubscribing_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let (_, token) = subscriber_with_token(&app, "member@example.org", "manage").await;
    assert_acknowledged_only_after_commit(&app, "subscribers", || {
        app.client
            .post(app.url("/api/v1/subscriptions/unsubscribe"))
            .json(&json!({"token": token}))
    })
    .await;
}

#[tokio::test]
async fn changing_preferences_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let (_, token) = subscriber_with_token(&app, "member@example.org", "manage").await;
    let path = format!("/api/v1/subscriptions/preferences?token={token}");
    assert_acknowledged_only_after_commit(&app, "subscribers", || {
        app.client
            .put(app.url(&path))
            .json(&json!({"name": "Pat", "topics": ["media", "careers"]}))
    })
    .await;
}

// Administration.

#[tokio::test]
async fn erasing_a_subscriber_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let (id, _) = subscriber_with_token(&app, "member@example.org", "manage").await;
    let path = format!("/api/v1/admin/subscribers/{id}");
    assert_acknowledged_only_after_commit(&app, "subscribers", || {
        app.client.delete(app.url(&path)).bearer_auth(&token)
    })
    .await;
}

#[tokio::test]
async fn adding_an_admin_user_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    assert_acknowledged_only_after_commit(&app, "admin_users", || {
        app.client
            .post(app.url("/api/v1/admin/users"))
            .bearer_auth(&token)
            .json(&json!({"email": "grace@example.org", "password": "a very long password", "role": "editor", "display_name": "Grace"}))
    })
    .await;
}

#[tokio::test]
async fn changing_an_admin_user_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let (id, _) = app.create_user(Role::Editor).await;
    let path = format!("/api/v1/admin/users/{id}");
    assert_acknowledged_only_after_commit(&app, "admin_users", || {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .json(&json!({"display_name": "Renamed", "role": "admin"}))
    })
    .await;
}

/// Logging in records the time of the login (`last_login_at`): a write too.
#[tokio::test]
async fn logging_in_is_acknowledged_only_once_committed() {
    let app = TestApp::spawn().await;
    let (_, email) = app.create_user(Role::Editor).await;
    assert_acknowledged_only_after_commit(&app, "admin_users", || {
        app.client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"email": email, "password": crate::helpers::PASSWORD}))
    })
    .await;
}
