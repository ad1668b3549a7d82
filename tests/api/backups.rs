//! Backups, as an operator runs them: `perfusion-api backup` and `restore` (the real binary)
//! against a real database. A restore brings back every row as it was, and never overwrites a
//! database by accident.

use std::{
    collections::BTreeMap,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::Output,
    time::{Duration, Instant},
};

use diesel::{sql_types::Text, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use perfusion_api::{
    db,
    domain::Role,
    embedded_pg::{ClusterKind, EmbeddedPostgres},
};
use serde_json::json;

use crate::helpers::{ScratchDb, TestApp};

/// The operator at a terminal: the real binary on one database (`DATABASE_URL`, or the
/// embedded cluster in a data directory), with no other environment than PATH.
enum Operator<'a> {
    On(&'a str),
    Embedded(&'a Path),
}

impl Operator<'_> {
    async fn run(&self, args: &[&str]) -> Output {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_perfusion-api"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args(args);
        match self {
            Operator::On(url) => cmd.env("DATABASE_URL", url),
            Operator::Embedded(dir) => cmd.env("PERFUSION_DATA_DIR", dir),
        };
        cmd.output().await.unwrap()
    }

    async fn backup(&self, file: &Path) -> Output {
        self.run(&["backup", "--out", file.to_str().unwrap()]).await
    }

    async fn restore(&self, file: &Path) -> Output {
        self.run(&["restore", file.to_str().unwrap()]).await
    }

    async fn restore_with_force(&self, file: &Path) -> Output {
        self.run(&["restore", file.to_str().unwrap(), "--force"])
            .await
    }
}

/// The command's one line on stdout, asserting that it succeeded.
fn succeeded(out: &Output) -> String {
    let (stdout, stderr) = texts(out);
    assert!(out.status.success(), "failed: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout}");
    stdout
}

/// The command's one line on stderr, asserting that it failed.
fn failed(out: &Output) -> String {
    let (stdout, stderr) = texts(out);
    assert!(!out.status.success(), "succeeded: {stdout}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("perfusion-api: "), "{stderr}");
    stderr
}

fn texts(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What the database holds: every table's rows as JSON, in a stable order, and where every
/// sequence stands. Tables are listed from the catalog, so a new one is compared too.
async fn contents(database_url: &str) -> BTreeMap<String, String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    #[derive(QueryableByName)]
    struct Rows {
        #[diesel(sql_type = Text)]
        json: String,
    }
    let mut conn = AsyncPgConnection::establish(database_url).await.unwrap();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let mut queries: BTreeMap<String, String> = tables
        .into_iter()
        .map(|t| {
            let sql = format!(
                "SELECT coalesce(json_agg(t ORDER BY t::text), '[]')::text AS json FROM public.{} t",
                db::quote_ident(&t.name)
            );
            (t.name, sql)
        })
        .collect();
    // Whether the webhook worker has fanned an event out yet is its progress, not content: a
    // restored database's worker takes the events up again.
    queries.entry("webhook_events".into()).and_modify(|sql| {
        *sql = "SELECT coalesce(json_agg(t ORDER BY t::text), '[]')::text AS json FROM \
         (SELECT id, event_type, message_id, body, created_at, xid FROM public.webhook_events) t"
            .into()
    });
    queries.insert(
        "(sequences)".into(),
        "SELECT coalesce(json_agg(s ORDER BY s::text), '[]')::text AS json FROM \
         (SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public') s"
            .into(),
    );
    let mut contents = BTreeMap::new();
    for (name, sql) in queries {
        let rows: Rows = diesel::sql_query(sql).get_result(&mut conn).await.unwrap();
        contents.insert(name, rows.json);
    }
    contents
}

/// Waits until the mail worker has sent everything, so that the database holds still while the
/// test compares it.
async fn outbox_is_sent(app: &TestApp) {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.conn().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left: Count =
            diesel::sql_query("SELECT count(*) AS n FROM outbox WHERE status <> 'sent'")
                .get_result(&mut conn)
                .await
                .unwrap();
        if left.n == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the outbox was never sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn run_sql(database_url: &str, sql: &str) {
    let mut conn = AsyncPgConnection::establish(database_url).await.unwrap();
    diesel::sql_query(sql).execute(&mut conn).await.unwrap();
}

/// An app with some of everything: an article, a staffing figure, a subscriber, and the seeds.
async fn app_with_content() -> TestApp {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    let res = app
        .post("/api/v1/articles")
        .token(&editor)
        .json(&json!({
            "title": "Why we keep backups",
            "category": "perfusion-research",
            "body_markdown": "Because *things* go wrong.",
            "status": "published",
        }))
        .send()
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let res = app
        .post("/api/v1/staffing-statistics/certified_perfusionists/observations")
        .token(&editor)
        .json(&json!({"value": 4600, "as_of": "2026-11-24", "source": "ABCP annual report"}))
        .send()
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let res = app
        .post("/api/v1/subscriptions")
        .json(&json!({"email": "pat@example.org", "name": "Pat", "topics": ["research"]}))
        .send()
        .await;
    assert_eq!(res.status(), 202);
    outbox_is_sent(&app).await;
    app
}

fn backup_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("perfusion.dump");
    (dir, file)
}

#[tokio::test]
async fn a_restore_brings_back_every_row_after_edits_and_deletions() {
    let app = app_with_content().await;
    let operator = Operator::On(&app.database_url);
    let before = contents(&app.database_url).await;
    assert!(before["subscribers"].contains("pat@example.org"));
    assert!(before["articles"].contains("Why we keep backups"));
    assert!(before.contains_key("__diesel_schema_migrations"));

    let (dir, file) = backup_dir();
    let said = succeeded(&operator.backup(&file).await);
    let written = std::fs::metadata(&file).unwrap();
    let expected = format!("backed up to {} ({} bytes)", file.display(), written.len());
    assert_eq!(said.trim(), expected);
    assert_eq!(
        written.permissions().mode() & 0o777,
        0o600,
        "it holds emails"
    );
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(files, 1, "no partial file left beside it");

    // Things go wrong: an edit, a deletion, a table wiped.
    let url = &app.database_url;
    run_sql(url, "UPDATE articles SET title = 'Overwritten'").await;
    run_sql(
        url,
        "DELETE FROM staffing_observations WHERE source = 'ABCP annual report'",
    )
    .await;
    run_sql(url, "TRUNCATE subscribers CASCADE").await;
    let changed = contents(url).await;
    assert_ne!(changed, before);

    // A restore over them needs --force; without it nothing changes.
    let refused = failed(&operator.restore(&file).await);
    assert!(
        refused.contains("is not empty") && refused.contains("--force"),
        "{refused}"
    );
    assert_eq!(contents(url).await, changed);

    let said = succeeded(&operator.restore_with_force(&file).await);
    assert!(said.starts_with("restored database test_"), "{said}");
    assert_eq!(contents(url).await, before, "every row as it was");

    // The running service reads the restored article (its response cache heard of the restore).
    let article = app
        .get("/api/v1/articles/why-we-keep-backups")
        .send_json()
        .await;
    assert_eq!(article["data"]["title"], "Why we keep backups");
}

#[tokio::test]
async fn a_new_database_is_restored_without_force() {
    let app = app_with_content().await;
    let (_dir, file) = backup_dir();
    succeeded(&Operator::On(&app.database_url).backup(&file).await);

    let new = ScratchDb::new();
    succeeded(&Operator::On(&new.url).restore(&file).await);
    assert_eq!(contents(&new.url).await, contents(&app.database_url).await);
}

#[tokio::test]
async fn a_file_that_is_not_a_backup_is_refused_and_changes_nothing() {
    let app = app_with_content().await;
    let before = contents(&app.database_url).await;
    let (_dir, file) = backup_dir();
    std::fs::write(&file, "-- not a pg_dump archive\nDROP TABLE articles;\n").unwrap();

    let refused = failed(
        &Operator::On(&app.database_url)
            .restore_with_force(&file)
            .await,
    );
    assert!(refused.contains("is not a backup"), "{refused}");
    assert!(refused.contains("nothing was changed"), "{refused}");
    assert_eq!(contents(&app.database_url).await, before);
}

#[tokio::test]
async fn a_restore_that_fails_half_way_changes_nothing() {
    let app = app_with_content().await;
    let operator = Operator::On(&app.database_url);
    // A schema of the operator's own: a restore empties only the service's (public) schema, so
    // the archive's CREATE SCHEMA fails after the public schema was already dropped.
    run_sql(&app.database_url, "CREATE SCHEMA operator_notes").await;
    let (_dir, file) = backup_dir();
    succeeded(&operator.backup(&file).await);
    run_sql(
        &app.database_url,
        "UPDATE articles SET title = 'Edited since'",
    )
    .await;
    let changed = contents(&app.database_url).await;

    let refused = failed(&operator.restore_with_force(&file).await);
    assert!(refused.contains("rolled back"), "{refused}");
    assert!(refused.contains("operator_notes"), "{refused}");
    assert_eq!(contents(&app.database_url).await, changed);
}

#[tokio::test]
async fn an_empty_database_in_use_is_refused_without_force() {
    let app = app_with_content().await;
    let (_dir, file) = backup_dir();
    succeeded(&Operator::On(&app.database_url).backup(&file).await);

    let empty = ScratchDb::new().create().await;
    let _service = AsyncPgConnection::establish(&empty.url).await.unwrap();
    let refused = failed(&Operator::On(&empty.url).restore(&file).await);
    assert!(refused.contains("in use by 1 other session"), "{refused}");
    assert!(refused.contains("stop it first"), "{refused}");
    let still = contents(&empty.url).await;
    assert_eq!(
        still.keys().collect::<Vec<_>>(),
        ["(sequences)"],
        "no table"
    );
    assert_eq!(still["(sequences)"], "[]", "no sequence");
}

#[tokio::test]
async fn messages_name_the_database_but_never_its_password() {
    let app = TestApp::spawn().await;
    let url = url::Url::parse(&app.database_url).unwrap();
    let mut missing = url.clone();
    missing.set_path("/no_such_database");
    let (dir, file) = backup_dir();

    let said = succeeded(&Operator::On(url.as_str()).backup(&file).await);
    let refused = failed(&Operator::On(missing.as_str()).backup(&file).await);
    assert!(refused.contains("no_such_database"), "{refused}");
    if let Some(password) = url.password() {
        assert!(!said.contains(password) && !refused.contains(password));
    }
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(files, 1, "the good backup, and no partial one");
}

/// A directory the `postgres` system user can reach when the tests run as root.
fn data_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

#[tokio::test]
async fn the_embedded_database_moves_to_a_new_data_directory() {
    let root = data_root();
    let (old_dir, new_dir) = (root.path().join("old"), root.path().join("new"));
    // The service ran once on the old directory, and left an admin behind.
    let mut old = EmbeddedPostgres::start(ClusterKind::Persistent(old_dir.clone())).unwrap();
    let old_url = old.url("perfusion");
    db::create_database_if_missing(&old_url).await.unwrap();
    db::run_migrations(&old_url).await.unwrap();
    let admin = "INSERT INTO admin_users (email, display_name, password_hash, role) \
                 VALUES ('ops@example.org', 'Ops', 'x', 'admin')";
    run_sql(&old_url, admin).await;
    let expected = contents(&old_url).await;
    old.stop().unwrap();

    // Backed up with the service stopped (the command starts and stops the cluster), restored
    // into a directory that has no cluster yet.
    let file = root.path().join("perfusion.dump");
    succeeded(&Operator::Embedded(&old_dir).backup(&file).await);
    succeeded(&Operator::Embedded(&new_dir).restore(&file).await);

    let mut new = EmbeddedPostgres::start(ClusterKind::Persistent(new_dir)).unwrap();
    assert_eq!(contents(&new.url("perfusion")).await, expected);
    new.stop().unwrap();
}
