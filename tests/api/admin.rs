use std::time::{SystemTime, UNIX_EPOCH};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{encode, EncodingKey, Header};
use perfusion_api::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, fields, TestApp, JWT_SECRET, PASSWORD};

const USERS: &str = "/api/v1/admin/users";
const WRITE: &str = "/api/v1/history-events/john-gibbon-s-perfusion-pump-keeps-animals-alive";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A content write (a PATCH of one history event) as the holder of `token`.
async fn patch_with(app: &TestApp, token: &str) -> reqwest::Response {
    app.patch(WRITE)
        .token(token)
        .json(&json!({"year_is_approximate": true}))
        .send()
        .await
}

/// Creates an admin user through the API as `admin`; returns the answer.
async fn post_user(app: &TestApp, admin: &str, user: Value) -> reqwest::Response {
    app.post(USERS).token(admin).json(&user).send().await
}

/// PATCHes the admin user `id` as the holder of `token`; returns the answer.
async fn patch_user(app: &TestApp, token: &str, id: i64, change: Value) -> reqwest::Response {
    app.patch(&format!("{USERS}/{id}"))
        .token(token)
        .json(&change)
        .send()
        .await
}

/// Logs in as `email`; returns the access token.
async fn access_token(app: &TestApp, email: &str) -> String {
    let body: Value = app.login(email, PASSWORD).await.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_admin_logs_in_and_gets_a_short_lived_bearer_token() {
    let app = TestApp::spawn().await;
    let (_, email) = app.create_user(Role::Admin).await;
    // Emails are matched case-insensitively.
    let res = app.login(&email.to_uppercase(), PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap();
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    for claim in ["sub", "role", "iat", "nbf", "exp", "iss", "aud", "jti"] {
        assert!(!claims[claim].is_null(), "{claim} in {claims}");
    }
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        900
    );
    assert_eq!(patch_with(&app, token).await.status(), 200);
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_rate_limited() {
    let app = TestApp::spawn_with(|s| s.login_failures_per_window = 3).await;
    let (_, email) = app.create_user(Role::Admin).await;
    for _ in 0..3 {
        assert_eq!(app.login(&email, "wrong password!").await.status(), 401);
    }
    let res = app.login(&email, PASSWORD).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    assert_problem(res, 429).await;
}

#[tokio::test]
async fn missing_credentials_are_named() {
    let app = TestApp::spawn().await;
    let res = app.post("/api/v1/auth/token").json(&json!({})).send().await;
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, ["email", "password"]);
}

fn claims(sub: i64, exp: Option<u64>) -> Value {
    let mut c = json!({"sub": sub.to_string(), "role": "admin", "iat": now(), "nbf": now(), "iss": "perfusion-api", "aud": "perfusion-api/admin", "jti": "x"});
    if let Some(exp) = exp {
        c["exp"] = json!(exp);
    }
    c
}

#[tokio::test]
async fn forged_tampered_expired_and_unsigned_tokens_are_all_401() {
    let app = TestApp::spawn().await;
    let (id, _) = app.create_user(Role::Admin).await;
    let key = EncodingKey::from_secret(JWT_SECRET.as_bytes());
    let good = encode(&Header::default(), &claims(id, Some(now() + 600)), &key).unwrap();
    assert_eq!(
        patch_with(&app, &good).await.status(),
        200,
        "a correctly signed token works"
    );

    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(id, Some(now() + 600)).to_string());
    let alg_none = format!("{header_none}.{payload}.");
    let other_key = encode(
        &Header::default(),
        &claims(id, Some(now() + 600)),
        &EncodingKey::from_secret(b"another-secret-of-at-least-32-bytes!!"),
    )
    .unwrap();
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut tampered_claims = claims(id, Some(now() + 600));
    tampered_claims["sub"] = json!((id + 100).to_string());
    tampered_claims["role"] = json!("editor");
    parts[1] = URL_SAFE_NO_PAD.encode(tampered_claims.to_string());
    let tampered = parts.join(".");
    let expired = encode(&Header::default(), &claims(id, Some(now() - 120)), &key).unwrap();
    let no_exp = encode(&Header::default(), &claims(id, None), &key).unwrap();
    let mut wrong_aud = claims(id, Some(now() + 600));
    wrong_aud["aud"] = json!("someone-else");
    let wrong_aud = encode(&Header::default(), &wrong_aud, &key).unwrap();
    let hs512 = encode(
        &Header::new(jsonwebtoken::Algorithm::HS512),
        &claims(id, Some(now() + 600)),
        &key,
    )
    .unwrap();

    for (name, token) in [
        ("alg none", alg_none.as_str()),
        ("another key", &other_key),
        ("tampered payload", &tampered),
        ("expired", &expired),
        ("no exp", &no_exp),
        ("wrong audience", &wrong_aud),
        ("another algorithm", &hs512),
        ("garbage", "not.a.token"),
    ] {
        let res = patch_with(&app, token).await;
        assert!(res.headers().get("www-authenticate").is_some(), "{name}");
        assert_problem(res, 401).await;
    }
}

#[tokio::test]
async fn a_disabled_users_tokens_stop_working_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let (editor_id, editor_email) = app.create_user(Role::Editor).await;
    let editor = access_token(&app, &editor_email).await;
    assert_eq!(patch_with(&app, &editor).await.status(), 200);

    let res = patch_user(&app, &admin, editor_id, json!({"disabled": true})).await;
    assert_eq!(res.status(), 200);
    assert_problem(patch_with(&app, &editor).await, 401).await;
    assert_problem(app.login(&editor_email, PASSWORD).await, 401).await;
}

#[tokio::test]
async fn editors_write_content_but_only_admins_manage_users() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    assert_eq!(patch_with(&app, &editor).await.status(), 200);
    assert_problem(app.get(USERS).token(&editor).send().await, 403).await;
    let user =
        json!({"email": "x@example.org", "password": "long enough password", "role": "admin"});
    assert_problem(post_user(&app, &editor, user).await, 403).await;
}

/// Grace, an editor as an admin enters her.
fn grace() -> Value {
    json!({"email": "Grace@Example.org", "password": "a very long password", "role": "editor", "display_name": "Grace"})
}

#[tokio::test]
async fn an_admin_adds_an_editor_who_can_then_log_in() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let res = post_user(&app, &admin, grace()).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["data"]["email"], "grace@example.org");
    assert!(
        created["data"].get("password_hash").is_none(),
        "no hash ever leaves"
    );
    assert_eq!(
        app.login("grace@example.org", "a very long password")
            .await
            .status(),
        200
    );

    let shown = app.get(&location).token(&admin).send().await;
    assert_eq!(shown.status(), 200);
    let list: Value = app
        .get("/api/v1/admin/users?limit=1")
        .token(&admin)
        .send()
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["meta"]["total"], 2);
    assert!(list["meta"]["next_cursor"].is_string());
}

#[tokio::test]
async fn an_email_already_taken_in_another_case_is_a_conflict() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    assert_eq!(post_user(&app, &admin, grace()).await.status(), 201);
    let dup =
        json!({"email": "GRACE@example.org", "password": "a very long password", "role": "editor"});
    assert_problem(post_user(&app, &admin, dup).await, 409).await;
}

#[tokio::test]
async fn a_new_users_bad_email_short_password_and_unknown_role_are_all_named() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let weak = json!({"email": "not-an-email", "password": "short", "role": "king"});
    let res = post_user(&app, &admin, weak).await;
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, ["email", "password", "role"]);
}

#[tokio::test]
async fn an_admin_cannot_lock_themself_out() {
    let app = TestApp::spawn().await;
    let (id, email) = app.create_user(Role::Admin).await;
    let token = access_token(&app, &email).await;
    let res = patch_user(&app, &token, id, json!({"disabled": true})).await;
    assert_problem(res, 409).await;
}

/// Runs `perfusion-api admin create --email <email> --role admin` on the app's database, with
/// the password in PERFUSION_ADMIN_PASSWORD (`Env`) or typed on standard input (`Stdin`).
pub(crate) fn admin_create(app: &TestApp, email: &str, password: Password) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_perfusion-api"));
    cmd.args(["admin", "create", "--email", email, "--role", "admin"])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn");
    let out = match password {
        Password::Env(password) => cmd
            .env("PERFUSION_ADMIN_PASSWORD", password)
            .output()
            .unwrap(),
        Password::Stdin(password) => cmd
            .env_remove("PERFUSION_ADMIN_PASSWORD")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(format!("{password}\n").as_bytes())?;
                child.wait_with_output()
            })
            .unwrap(),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) enum Password<'a> {
    Env(&'a str),
    Stdin(&'a str),
}

#[tokio::test]
async fn the_command_line_creates_the_first_admin_with_the_password_from_the_environment() {
    let app = TestApp::spawn().await;
    admin_create(
        &app,
        "First@Example.org",
        Password::Env("first admin password"),
    );
    assert_eq!(
        app.login("first@example.org", "first admin password")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn running_the_command_again_resets_the_password_typed_on_standard_input() {
    let app = TestApp::spawn().await;
    admin_create(
        &app,
        "First@Example.org",
        Password::Env("first admin password"),
    );
    admin_create(
        &app,
        "first@example.org",
        Password::Stdin("second admin password"),
    );
    assert_eq!(
        app.login("first@example.org", "second admin password")
            .await
            .status(),
        200
    );
    assert_problem(
        app.login("first@example.org", "first admin password").await,
        401,
    )
    .await;
}

#[tokio::test]
async fn a_short_password_on_the_command_line_is_refused() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_perfusion-api"))
        .args([
            "admin",
            "create",
            "--email",
            "a@example.org",
            "--role",
            "editor",
        ])
        .env("PERFUSION_ADMIN_PASSWORD", "short")
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));
}

#[tokio::test]
async fn a_database_url_that_is_not_postgres_is_one_clear_line_and_a_failure_exit() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_perfusion-api"))
        .env("DATABASE_URL", "mysql://nobody:x@127.0.0.1:1/none")
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("DATABASE_URL") && stderr.contains("postgres://"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[tokio::test]
async fn a_nul_byte_in_the_email_is_an_ordinary_401() {
    let app = TestApp::spawn().await;
    assert_problem(
        app.login("a\u{0}b@example.org", "whatever password").await,
        401,
    )
    .await;
}

#[tokio::test]
async fn an_empty_patch_of_a_user_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let (id, email) = app.create_user(Role::Editor).await;
    let res = patch_user(&app, &admin, id, json!({})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["email"], email.as_str());
}
