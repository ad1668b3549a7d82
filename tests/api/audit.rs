//! The audit log: every write by an editor or admin leaves exactly one entry (who, what, which
//! fields, when, from where, in which request), committed with the write; a write that fails
//! leaves none; the database refuses to change or remove an entry; admins read the log with
//! filters and cursor pages.

use diesel::{sql_types::Text, QueryableByName};
use diesel_async::RunQueryDsl;
use perfusion_api::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, fields, TestApp, TestRequest, PASSWORD};

const LOG: &str = "/api/v1/admin/audit-log";

/// Someone with a token: their user id, email and token.
struct Writer {
    id: i64,
    email: String,
    token: String,
}

async fn writer(app: &TestApp, role: Role) -> Writer {
    let (id, email) = app.create_user(role).await;
    let res = app.login(&email, PASSWORD).await;
    let body: Value = res.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();
    Writer { id, email, token }
}

/// The log as an admin reads it, with `query` (e.g. `action=update&limit=5`).
async fn log(app: &TestApp, admin: &Writer, query: &str) -> Value {
    let path = format!("{LOG}?{query}");
    app.get(&path).token(&admin.token).send_json().await
}

/// How many entries the log holds.
async fn entries(app: &TestApp, admin: &Writer) -> i64 {
    log(app, admin, "limit=1").await["meta"]["total"]
        .as_i64()
        .unwrap()
}

/// Sends `write`, checks that it is answered `status` and that it left exactly one entry, which
/// carries the answer's `X-Request-Id` and the client's address; returns that entry and the
/// answer's `Location`, if any.
async fn logged(
    app: &TestApp,
    admin: &Writer,
    write: TestRequest,
    status: u16,
) -> (Value, Option<String>) {
    let before = entries(app, admin).await;
    let res = write.send().await;
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let answered = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(answered, status, "{body}");
    let page = log(app, admin, "limit=1").await;
    assert_eq!(page["meta"]["total"], before + 1, "exactly one entry");
    let entry = page["data"][0].clone();
    assert_eq!(entry["request_id"], request_id, "{entry}");
    assert_eq!(entry["client_addr"], "127.0.0.1", "{entry}");
    (entry, location)
}

/// Asserts what an entry says about a write.
fn says(entry: &Value, by: &Writer, action: &str, resource: &str, id: &str, changed: &[&str]) {
    assert_eq!(entry["actor_id"], by.id, "{entry}");
    assert_eq!(entry["actor_email"], by.email, "{entry}");
    assert_eq!(entry["action"], action, "{entry}");
    assert_eq!(entry["resource_type"], resource, "{entry}");
    assert_eq!(entry["resource_id"], id, "{entry}");
    assert_eq!(entry["changed_fields"], json!(changed), "{entry}");
}

/// The ETag of `path`, as the holder of `token` reads it.
async fn etag(app: &TestApp, token: &str, path: &str) -> String {
    let res = app.get(path).token(token).send().await;
    assert_eq!(res.status(), 200, "{path}");
    res.headers()["etag"].to_str().unwrap().to_owned()
}

/// The last segment of a path: a slug or an id.
fn last(path: &str) -> &str {
    path.rsplit('/').next().unwrap()
}

#[tokio::test]
async fn every_article_category_and_history_write_leaves_one_entry() {
    let app = TestApp::spawn().await;
    let (editor, admin) = (
        writer(&app, Role::Editor).await,
        writer(&app, Role::Admin).await,
    );
    let (e, a) = (&editor.token, &admin.token);

    // An editor writes a draft, publishes it, reworks it, schedules a second one, archives.
    let draft = json!({
        "title": "Audit trails in the pump room",
        "body_markdown": "Who changed what, and when.",
        "category": "perfusion-research",
        "tags": ["Safety"],
    });
    let post = app.post("/api/v1/articles").token(e).json(&draft);
    let (entry, location) = logged(&app, &admin, post, 201).await;
    let article = location.unwrap();
    let slug = last(&article);
    let fields = [
        "author",
        "body_markdown",
        "category",
        "slug",
        "status",
        "tags",
        "title",
    ];
    says(&entry, &editor, "create", "article", slug, &fields);

    let publish = json!({"status": "published"});
    let tag = etag(&app, e, &article).await;
    let patch = app.patch(&article).token(e).if_match(&tag).json(&publish);
    let (entry, _) = logged(&app, &admin, patch, 200).await;
    says(
        &entry,
        &editor,
        "update",
        "article",
        slug,
        &["published_at", "status"],
    );

    let rework = json!({
        "title": "Audit trails in the pump room",
        "body_markdown": "Who changed what, when, and from where.",
        "category": "perfusion-research",
        "status": "published",
    });
    let tag = etag(&app, e, &article).await;
    let put = app.put(&article).token(e).if_match(&tag).json(&rework);
    let (entry, _) = logged(&app, &admin, put, 200).await;
    // A PUT is the whole article, but without `published_at` a published one keeps its date.
    let fields = ["body_markdown", "tags"];
    says(&entry, &editor, "replace", "article", slug, &fields);

    let later = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let scheduled = json!({
        "title": "Next week's checklist",
        "body_markdown": "Soon.",
        "category": "perfusion-research",
        "status": "scheduled",
        "published_at": later,
    });
    let post = app.post("/api/v1/articles").token(e).json(&scheduled);
    let (entry, location) = logged(&app, &admin, post, 201).await;
    let next_week = location.unwrap();
    assert!(entry["changed_fields"]
        .as_array()
        .unwrap()
        .contains(&json!("published_at")));

    let archive = app.delete(&article).token(e);
    let (entry, _) = logged(&app, &admin, archive, 204).await;
    says(&entry, &editor, "archive", "article", slug, &[]);

    // Only an admin removes an article for good.
    let hard = app.delete(&format!("{next_week}?hard=true")).token(a);
    let (entry, _) = logged(&app, &admin, hard, 204).await;
    says(&entry, &admin, "delete", "article", last(&next_week), &[]);

    // Categories, by an admin.
    let shelf = json!({"name": "Clinical Practice", "description": "At the pump."});
    let post = app.post("/api/v1/categories").token(a).json(&shelf);
    let (entry, _) = logged(&app, &admin, post, 201).await;
    let category = "/api/v1/categories/clinical-practice";
    let fields = ["description", "name", "position", "slug"];
    says(
        &entry,
        &admin,
        "create",
        "category",
        "clinical-practice",
        &fields,
    );

    let tag = etag(&app, a, category).await;
    let change = json!({"position": 9, "description": "Changed."});
    let patch = app.patch(category).token(a).if_match(&tag).json(&change);
    let (entry, _) = logged(&app, &admin, patch, 200).await;
    let fields = ["description", "position"];
    says(
        &entry,
        &admin,
        "update",
        "category",
        "clinical-practice",
        &fields,
    );

    let remove = app.delete(category).token(a);
    let (entry, _) = logged(&app, &admin, remove, 204).await;
    says(
        &entry,
        &admin,
        "delete",
        "category",
        "clinical-practice",
        &[],
    );

    // History events, by an editor: a rename is logged under the new slug.
    let event =
        json!({"title": "A new oxygenator", "summary": "Better gas exchange.", "year": 1990});
    let post = app.post("/api/v1/history-events").token(e).json(&event);
    let (entry, _) = logged(&app, &admin, post, 201).await;
    let fields = ["slug", "summary", "title", "year"];
    says(
        &entry,
        &editor,
        "create",
        "history_event",
        "a-new-oxygenator",
        &fields,
    );

    let path = "/api/v1/history-events/a-new-oxygenator";
    let replacement = json!({"title": "A new oxygenator", "summary": "Better.", "year": 1991});
    let tag = etag(&app, e, path).await;
    let put = app.put(path).token(e).if_match(&tag).json(&replacement);
    let (entry, _) = logged(&app, &admin, put, 200).await;
    let fields = ["summary", "year"];
    says(
        &entry,
        &editor,
        "replace",
        "history_event",
        "a-new-oxygenator",
        &fields,
    );

    let rename = json!({"slug": "membrane-oxygenator", "people": ["A. Inventor"]});
    let tag = etag(&app, e, path).await;
    let patch = app.patch(path).token(e).if_match(&tag).json(&rename);
    let (entry, _) = logged(&app, &admin, patch, 200).await;
    let (id, fields) = ("membrane-oxygenator", ["people", "slug"]);
    says(&entry, &editor, "update", "history_event", id, &fields);

    let path = "/api/v1/history-events/membrane-oxygenator";
    let (entry, _) = logged(&app, &admin, app.delete(path).token(e), 204).await;
    says(&entry, &editor, "delete", "history_event", id, &[]);
}

#[tokio::test]
async fn every_staffing_certification_and_practice_write_leaves_one_entry() {
    let app = TestApp::spawn().await;
    let (editor, admin) = (
        writer(&app, Role::Editor).await,
        writer(&app, Role::Admin).await,
    );
    let (e, a) = (&editor.token, &admin.token);

    // Staffing observations, by an editor.
    let metric = "/api/v1/staffing-statistics/certified_perfusionists/observations";
    let figure = json!({"value": 4600, "as_of": "2025-01-01", "source": "ABCP annual report"});
    let post = app.post(metric).token(e).json(&figure);
    let (entry, location) = logged(&app, &admin, post, 201).await;
    let observation = location.unwrap();
    let id = last(&observation);
    let fields = ["as_of", "source", "value"];
    says(
        &entry,
        &editor,
        "create",
        "staffing_observation",
        id,
        &fields,
    );

    let tag = etag(&app, e, &observation).await;
    let correction = json!({"note": "Checked.", "headline": true});
    let patch = app
        .patch(&observation)
        .token(e)
        .if_match(&tag)
        .json(&correction);
    let (entry, _) = logged(&app, &admin, patch, 200).await;
    let fields = ["headline", "note"];
    says(
        &entry,
        &editor,
        "update",
        "staffing_observation",
        id,
        &fields,
    );

    let (entry, _) = logged(&app, &admin, app.delete(&observation).token(e), 204).await;
    says(&entry, &editor, "delete", "staffing_observation", id, &[]);

    // Certification, by an admin: steps, programs, licensure.
    let step = json!({"title": "Recertify every year"});
    let post = app.post("/api/v1/certification/steps").token(a).json(&step);
    let (entry, location) = logged(&app, &admin, post, 201).await;
    let step = location.unwrap();
    let id = last(&step);
    let fields = ["position", "title"];
    says(&entry, &admin, "create", "certification_step", id, &fields);
    let tag = etag(&app, a, &step).await;
    let patch = app
        .patch(&step)
        .token(a)
        .if_match(&tag)
        .json(&json!({"detail": "Yearly."}));
    let (entry, _) = logged(&app, &admin, patch, 200).await;
    says(
        &entry,
        &admin,
        "update",
        "certification_step",
        id,
        &["detail"],
    );
    let (entry, _) = logged(&app, &admin, app.delete(&step).token(a), 204).await;
    says(&entry, &admin, "delete", "certification_step", id, &[]);

    let program =
        json!({"name": "Clinical Perfusion Education", "institution": "UNMC", "state": "NE"});
    let post = app
        .post("/api/v1/certification/programs")
        .token(a)
        .json(&program);
    let (entry, location) = logged(&app, &admin, post, 201).await;
    let program = location.unwrap();
    let id = last(&program);
    let fields = ["accreditation_status", "institution", "name", "state"];
    says(
        &entry,
        &admin,
        "create",
        "certification_program",
        id,
        &fields,
    );
    let tag = etag(&app, a, &program).await;
    let change = json!({"accreditation_status": "probation", "state": null});
    let patch = app.patch(&program).token(a).if_match(&tag).json(&change);
    let (entry, _) = logged(&app, &admin, patch, 200).await;
    let fields = ["accreditation_status", "state"];
    says(
        &entry,
        &admin,
        "update",
        "certification_program",
        id,
        &fields,
    );
    let (entry, _) = logged(&app, &admin, app.delete(&program).token(a), 204).await;
    says(&entry, &admin, "delete", "certification_program", id, &[]);

    let oregon = "/api/v1/certification/licensure/OR";
    let tag = etag(&app, a, oregon).await;
    let change = json!({"note": "Checked again."});
    let patch = app.patch(oregon).token(a).if_match(&tag).json(&change);
    let (entry, _) = logged(&app, &admin, patch, 200).await;
    says(&entry, &admin, "update", "licensure", "OR", &["note"]);

    // Perfusion in practice, by an admin: types and steps.
    let kind = json!({"name": "Organ perfusion", "summary": "Keeping a donor organ alive."});
    let post = app.post("/api/v1/practice/types").token(a).json(&kind);
    let (entry, _) = logged(&app, &admin, post, 201).await;
    let fields = ["name", "position", "slug", "summary"];
    says(
        &entry,
        &admin,
        "create",
        "practice_type",
        "organ-perfusion",
        &fields,
    );
    let path = "/api/v1/practice/types/organ-perfusion";
    let tag = etag(&app, a, path).await;
    let patch = app
        .patch(path)
        .token(a)
        .if_match(&tag)
        .json(&json!({"name": "Organs"}));
    let (entry, _) = logged(&app, &admin, patch, 200).await;
    says(
        &entry,
        &admin,
        "update",
        "practice_type",
        "organ-perfusion",
        &["name"],
    );
    let (entry, _) = logged(&app, &admin, app.delete(path).token(a), 204).await;
    says(
        &entry,
        &admin,
        "delete",
        "practice_type",
        "organ-perfusion",
        &[],
    );

    let step = json!({"title": "Debrief"});
    let post = app.post("/api/v1/practice/steps").token(a).json(&step);
    let (entry, location) = logged(&app, &admin, post, 201).await;
    let step = location.unwrap();
    let id = last(&step);
    says(
        &entry,
        &admin,
        "create",
        "practice_step",
        id,
        &["position", "title"],
    );
    let tag = etag(&app, a, &step).await;
    let patch = app
        .patch(&step)
        .token(a)
        .if_match(&tag)
        .json(&json!({"detail": "Why."}));
    let (entry, _) = logged(&app, &admin, patch, 200).await;
    says(&entry, &admin, "update", "practice_step", id, &["detail"]);
    let (entry, _) = logged(&app, &admin, app.delete(&step).token(a), 204).await;
    says(&entry, &admin, "delete", "practice_step", id, &[]);
}

#[tokio::test]
async fn admin_user_writes_and_erasures_are_logged_without_passwords_or_addresses() {
    let app = TestApp::spawn().await;
    let admin = writer(&app, Role::Admin).await;
    let a = &admin.token;

    let grace = json!({
        "email": "grace@example.org",
        "password": "a very long first password",
        "role": "editor",
        "display_name": "Grace",
    });
    let post = app.post("/api/v1/admin/users").token(a).json(&grace);
    let (entry, location) = logged(&app, &admin, post, 201).await;
    let user = location.unwrap();
    let id = last(&user);
    let fields = ["display_name", "email", "password", "role"];
    says(&entry, &admin, "create", "admin_user", id, &fields);

    let change = json!({"password": "a very long second password", "disabled": true});
    let patch = app.patch(&user).token(a).json(&change);
    let (entry, _) = logged(&app, &admin, patch, 200).await;
    says(
        &entry,
        &admin,
        "update",
        "admin_user",
        id,
        &["disabled", "password"],
    );

    // A subscriber's erasure names them by id: their address is what it removes.
    let sign_up = json!({"email": "pat@example.org", "topics": ["research"]});
    let res = app
        .post("/api/v1/subscriptions")
        .json(&sign_up)
        .send()
        .await;
    assert_eq!(res.status(), 202);
    let found = app
        .get("/api/v1/admin/subscribers?q=pat@example.org")
        .token(a)
        .send_json()
        .await;
    let subscriber = found["data"][0]["id"].to_string();
    let path = format!("/api/v1/admin/subscribers/{subscriber}");
    let (entry, _) = logged(&app, &admin, app.delete(&path).token(a), 204).await;
    says(&entry, &admin, "erase", "subscriber", &subscriber, &[]);

    // Nothing secret or personal is in any entry: no password, no hash, no subscriber address.
    let everything = all_entries_as_text(&app).await;
    for secret in [
        "a very long first password",
        "a very long second password",
        "$argon2",
        "pat@example.org",
        "grace@example.org",
    ] {
        assert!(!everything.contains(secret), "{secret} in {everything}");
    }
}

/// Every row of the audit log, as PostgreSQL prints it.
async fn all_entries_as_text(app: &TestApp) -> String {
    #[derive(QueryableByName)]
    struct Rows {
        #[diesel(sql_type = Text)]
        rows: String,
    }
    let rows: Rows = diesel::sql_query(
        "SELECT coalesce(string_agg(a::text, '\n'), '') AS rows FROM audit_log a",
    )
    .get_result(&mut app.conn().await)
    .await
    .unwrap();
    rows.rows
}

#[tokio::test]
async fn a_write_that_fails_leaves_no_entry() {
    let app = TestApp::spawn().await;
    let (editor, admin) = (
        writer(&app, Role::Editor).await,
        writer(&app, Role::Admin).await,
    );
    let (e, a) = (&editor.token, &admin.token);
    let article = "/api/v1/articles/advocating-for-perfusion";
    let stale = etag(&app, e, article).await;
    let change = json!({"excerpt": "Changed once."});
    let res = app
        .patch(article)
        .token(e)
        .if_match(&stale)
        .json(&change)
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let before = entries(&app, &admin).await;

    // Invalid (400), stale (412), unconditional (428), missing (404), taken (409), refused by a
    // rule inside the transaction (409), forbidden (403), anonymous (401).
    let bad = json!({"title": "", "year": 3000});
    let res = app
        .post("/api/v1/history-events")
        .token(e)
        .json(&bad)
        .send()
        .await;
    assert_problem(res, 400).await;
    let again = json!({"excerpt": "Changed twice."});
    let res = app
        .patch(article)
        .token(e)
        .if_match(&stale)
        .json(&again)
        .send()
        .await;
    assert_problem(res, 412).await;
    let res = app.patch(article).token(e).json(&again).send().await;
    assert_problem(res, 428).await;
    let res = app
        .delete("/api/v1/history-events/never-happened")
        .token(e)
        .send()
        .await;
    assert_problem(res, 404).await;
    let taken = json!({"name": "Perfusion Research"});
    let res = app
        .post("/api/v1/categories")
        .token(a)
        .json(&taken)
        .send()
        .await;
    assert_problem(res, 409).await;
    let filed = "/api/v1/categories/perfusion-research";
    assert_problem(app.delete(filed).token(a).send().await, 409).await;
    let user = json!({"email": editor.email, "password": "long enough password", "role": "editor"});
    let res = app
        .post("/api/v1/admin/users")
        .token(a)
        .json(&user)
        .send()
        .await;
    assert_problem(res, 409).await;
    let res = app
        .post("/api/v1/categories")
        .token(e)
        .json(&json!({"name": "Mine"}))
        .send()
        .await;
    assert_problem(res, 403).await;
    assert_problem(app.delete(article).send().await, 401).await;

    assert_eq!(
        entries(&app, &admin).await,
        before,
        "no entry for a failed write"
    );
    let article_now = app.get(article).send_json().await;
    assert_eq!(article_now["data"]["excerpt"], "Changed once.");
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_an_entry() {
    let app = TestApp::spawn().await;
    let admin = writer(&app, Role::Admin).await;
    let step = json!({"title": "Recertify every year"});
    let post = app
        .post("/api/v1/certification/steps")
        .token(&admin.token)
        .json(&step);
    logged(&app, &admin, post, 201).await;
    let kept = all_entries_as_text(&app).await;

    let mut conn = app.conn().await;
    for statement in [
        "UPDATE audit_log SET actor_email = 'someone-else@example.org'",
        "UPDATE audit_log SET changed_fields = '{}' WHERE false",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE false",
        "TRUNCATE audit_log",
    ] {
        let refused = diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .expect_err(statement);
        assert!(
            refused.to_string().contains("audit_log is append-only"),
            "{statement}: {refused}"
        );
    }
    assert_eq!(
        all_entries_as_text(&app).await,
        kept,
        "every entry as it was"
    );
}

#[tokio::test]
async fn admins_filter_the_log_and_page_through_it_newest_first() {
    let app = TestApp::spawn().await;
    let (editor, admin) = (
        writer(&app, Role::Editor).await,
        writer(&app, Role::Admin).await,
    );
    let (e, a) = (&editor.token, &admin.token);
    let event = json!({"title": "Heparin", "summary": "Blood that does not clot.", "year": 1916});
    let post = app.post("/api/v1/history-events").token(e).json(&event);
    logged(&app, &admin, post, 201).await;
    let path = "/api/v1/history-events/heparin";
    let tag = etag(&app, e, path).await;
    let patch = app
        .patch(path)
        .token(e)
        .if_match(&tag)
        .json(&json!({"year": 1918}));
    let (middle, _) = logged(&app, &admin, patch, 200).await;
    let shelf = json!({"name": "Clinical Practice"});
    logged(
        &app,
        &admin,
        app.post("/api/v1/categories").token(a).json(&shelf),
        201,
    )
    .await;
    let path = "/api/v1/categories/clinical-practice";
    let tag = etag(&app, a, path).await;
    let patch = app
        .patch(path)
        .token(a)
        .if_match(&tag)
        .json(&json!({"position": 7}));
    logged(&app, &admin, patch, 200).await;
    let path = "/api/v1/history-events/heparin";
    logged(&app, &admin, app.delete(path).token(e), 204).await;

    let total = |page: &Value| page["meta"]["total"].as_i64().unwrap();
    assert_eq!(total(&log(&app, &admin, "").await), 5);
    let by_id = format!("actor={}", editor.id);
    assert_eq!(total(&log(&app, &admin, &by_id).await), 3);
    let by_email = format!("actor={}", editor.email.to_uppercase());
    assert_eq!(total(&log(&app, &admin, &by_email).await), 3);
    assert_eq!(total(&log(&app, &admin, "resource=category").await), 2);
    let one = log(&app, &admin, "resource=history_event/heparin").await;
    let actions: Vec<&str> = one["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["delete", "update", "create"], "newest first");
    assert_eq!(total(&log(&app, &admin, "action=update").await), 2);
    let both = format!("actor={}&action=update", admin.id);
    assert_eq!(total(&log(&app, &admin, &both).await), 1);

    // since is inclusive, until exclusive: the middle entry starts one and ends the other.
    let at = middle["occurred_at"].as_str().unwrap();
    let since = log(&app, &admin, &format!("since={at}")).await;
    assert_eq!(total(&since), 4);
    assert_eq!(since["data"][3]["id"], middle["id"]);
    assert_eq!(total(&log(&app, &admin, &format!("until={at}")).await), 1);
    assert_eq!(total(&log(&app, &admin, "since=9999-01-01").await), 0);

    // Pages of two, newest first, each entry once, the filter kept in the next link.
    let (mut seen, mut query) = (Vec::new(), "limit=2".to_owned());
    for expected in [2, 2, 1] {
        let res = app.get(&format!("{LOG}?{query}")).token(a).send().await;
        let link = res
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_owned());
        let page: Value = res.json().await.unwrap();
        let ids: Vec<i64> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), expected, "{page}");
        seen.extend(ids);
        match page["meta"]["next_cursor"].as_str() {
            Some(cursor) => {
                assert!(link.unwrap().contains("rel=\"next\""));
                query = format!("limit=2&cursor={cursor}");
            }
            None => assert!(link.is_none(), "no next link on the last page"),
        }
    }
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
    let filtered = log(&app, &admin, &format!("{by_id}&limit=2")).await;
    let cursor = filtered["meta"]["next_cursor"].as_str().unwrap();
    let rest = log(&app, &admin, &format!("{by_id}&limit=2&cursor={cursor}")).await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert_eq!(rest["data"][0]["actor_id"], editor.id);
}

#[tokio::test]
async fn bad_filters_are_a_400_naming_each() {
    let app = TestApp::spawn().await;
    let admin = writer(&app, Role::Admin).await;
    let query =
        "action=rename&resource=articles&since=yesterday&until=soon&limit=0&cursor=nope&actor=";
    let res = app
        .get(&format!("{LOG}?{query}"))
        .token(&admin.token)
        .send()
        .await;
    let problem = assert_problem(res, 400).await;
    let mut named = fields(&problem);
    named.sort();
    assert_eq!(
        named,
        ["action", "actor", "cursor", "limit", "resource", "since", "until"]
    );

    let backwards = "since=2026-12-02&until=2026-12-01";
    let res = app
        .get(&format!("{LOG}?{backwards}"))
        .token(&admin.token)
        .send()
        .await;
    assert_eq!(fields(&assert_problem(res, 400).await), ["until"]);
    let res = app
        .get(&format!("{LOG}?resource=article/"))
        .token(&admin.token)
        .send()
        .await;
    assert_eq!(fields(&assert_problem(res, 400).await), ["resource"]);
    // Another list's cursor does not page the log.
    let events = app.get("/api/v1/history-events?limit=1").send_json().await;
    let cursor = events["meta"]["next_cursor"].as_str().unwrap();
    let res = app
        .get(&format!("{LOG}?cursor={cursor}"))
        .token(&admin.token)
        .send()
        .await;
    assert_eq!(fields(&assert_problem(res, 400).await), ["cursor"]);
}

#[tokio::test]
async fn only_admins_read_the_log_and_no_cache_keeps_it() {
    let app = TestApp::spawn().await;
    let editor = writer(&app, Role::Editor).await;
    let admin = writer(&app, Role::Admin).await;
    assert_problem(app.get(LOG).send().await, 401).await;
    assert_problem(app.get(LOG).token(&editor.token).send().await, 403).await;
    let res = app.get(LOG).token(&admin.token).send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    assert!(
        res.headers().get("x-cache").is_none(),
        "the response cache stands aside"
    );
}

#[tokio::test]
async fn the_entry_has_the_clients_request_id_and_the_address_a_trusted_proxy_forwarded() {
    let proxied =
        TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let admin = writer(&proxied, Role::Admin).await;
    let step = json!({"title": "Sit the exam"});
    let res = proxied
        .post("/api/v1/certification/steps")
        .token(&admin.token)
        .header("X-Forwarded-For", "203.0.113.7")
        .header("X-Request-Id", "trace-4711")
        .json(&step)
        .send()
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["x-request-id"], "trace-4711");
    let entry = &log(&proxied, &admin, "").await["data"][0];
    assert_eq!(entry["client_addr"], "203.0.113.7");
    assert_eq!(entry["request_id"], "trace-4711");

    // Without a trusted proxy, a client cannot choose the address it is logged under.
    let app = TestApp::spawn().await;
    let admin = writer(&app, Role::Admin).await;
    let forged = app
        .post("/api/v1/certification/steps")
        .token(&admin.token)
        .header("X-Forwarded-For", "203.0.113.7")
        .json(&step);
    logged(&app, &admin, forged, 201).await;
}

#[tokio::test]
async fn a_users_own_password_change_and_sign_out_everywhere_are_logged_by_name_only() {
    let app = TestApp::spawn().await;
    let admin = writer(&app, Role::Admin).await;
    let editor = writer(&app, Role::Editor).await;
    let id = editor.id.to_string();

    let change = json!({"current_password": PASSWORD, "new_password": "a fresh long passphrase"});
    let put = app
        .put("/api/v1/auth/password")
        .token(&editor.token)
        .json(&change);
    let (entry, _) = logged(&app, &admin, put, 200).await;
    says(&entry, &editor, "update", "admin_user", &id, &["password"]);

    let fresh = writer_token(&app, &editor.email, "a fresh long passphrase").await;
    let post = app.post("/api/v1/auth/sign-out-everywhere").token(&fresh);
    let (entry, _) = logged(&app, &admin, post, 204).await;
    says(
        &entry,
        &editor,
        "update",
        "admin_user",
        &id,
        &["tokens_valid_after"],
    );

    // A wrong current password changes nothing and leaves nothing.
    let before = entries(&app, &admin).await;
    let again = writer_token(&app, &editor.email, "a fresh long passphrase").await;
    let wrong = json!({"current_password": "not it at all", "new_password": "another long one!"});
    let res = app
        .put("/api/v1/auth/password")
        .token(&again)
        .json(&wrong)
        .send()
        .await;
    assert_eq!(res.status(), 401);
    assert_eq!(entries(&app, &admin).await, before);
    assert!(!all_entries_as_text(&app)
        .await
        .contains("a fresh long passphrase"));
}

async fn writer_token(app: &TestApp, email: &str, password: &str) -> String {
    let body: Value = app.login(email, password).await.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}
