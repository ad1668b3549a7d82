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
