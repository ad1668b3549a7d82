use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{encode, EncodingKey, Header};
use perfusion_api::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, TestApp, JWT_SECRET, PASSWORD};

const WRITE: &str = "/api/v1/history-events/john-gibbon-s-perfusion-pump-keeps-animals-alive";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn patch_with(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .patch(app.url(WRITE))
        .bearer_auth(token)
        .json(&json!({"year_is_approximate": true}))
        .send()
        .await
        .unwrap()
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
async fn a_wrong_password_and_an_unknown_email_get_the_same_401_in_about_the_same_time() {
    let app = TestApp::spawn().await;
    let (_, email) = app.create_user(Role::Editor).await;
    let started = Instant::now();
    let wrong = app.login(&email, "not the password at all").await;
    let wrong_time = started.elapsed();
    let started = Instant::now();
    let unknown = app
        .login("nobody@example.org", "not the password at all")
        .await;
    let unknown_time = started.elapsed();
    let a = assert_problem(wrong, 401).await;
    let b = assert_problem(unknown, 401).await;
    assert_eq!(a["detail"], b["detail"]);
    // Both verify an argon2 hash; neither answers instantly.
    let (fast, slow) = if wrong_time < unknown_time {
        (wrong_time, unknown_time)
    } else {
        (unknown_time, wrong_time)
    };
    assert!(
        slow < fast * 4 + Duration::from_millis(50),
        "{wrong_time:?} vs {unknown_time:?}"
    );
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
    let res = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let mut named = crate::helpers::fields(&assert_problem(res, 400).await);
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
    let res = app.login(&editor_email, PASSWORD).await;
    let editor: Value = res.json().await.unwrap();
    let editor = editor["access_token"].as_str().unwrap().to_owned();
    assert_eq!(patch_with(&app, &editor).await.status(), 200);

    let res = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{editor_id}")))
        .bearer_auth(&admin)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_problem(patch_with(&app, &editor).await, 401).await;
    assert_problem(app.login(&editor_email, PASSWORD).await, 401).await;
}

#[tokio::test]
async fn editors_write_content_but_only_admins_manage_users() {
    let app = TestApp::spawn().await;
    let editor = app.token(Role::Editor).await;
    assert_eq!(patch_with(&app, &editor).await.status(), 200);
    let res = app
        .client
        .get(app.url("/api/v1/admin/users"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403).await;
    let res = app
        .client
        .post(app.url("/api/v1/admin/users"))
        .bearer_auth(&editor)
        .json(
            &json!({"email": "x@example.org", "password": "long enough password", "role": "admin"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(res, 403).await;
}

#[tokio::test]
async fn an_admin_adds_an_editor_who_can_then_log_in() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let res = app
        .client
        .post(app.url("/api/v1/admin/users"))
        .bearer_auth(&admin)
        .json(&json!({"email": "Grace@Example.org", "password": "a very long password", "role": "editor", "display_name": "Grace"}))
        .send()
        .await
        .unwrap();
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

    let shown = app
        .client
        .get(app.url(&location))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 200);
    let list: Value = app
        .client
        .get(app.url("/api/v1/admin/users?limit=1"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["meta"]["total"], 2);
    assert!(list["meta"]["next_cursor"].is_string());

    // The same email again, in another case: a conflict.
    let dup = app
        .client
        .post(app.url("/api/v1/admin/users"))
        .bearer_auth(&admin)
        .json(&json!({"email": "GRACE@example.org", "password": "a very long password", "role": "editor"}))
        .send()
        .await
        .unwrap();
    assert_problem(dup, 409).await;
    let weak = app
        .client
        .post(app.url("/api/v1/admin/users"))
        .bearer_auth(&admin)
        .json(&json!({"email": "not-an-email", "password": "short", "role": "king"}))
        .send()
        .await
        .unwrap();
    let mut named = crate::helpers::fields(&assert_problem(weak, 400).await);
    named.sort();
    assert_eq!(named, ["email", "password", "role"]);
}

#[tokio::test]
async fn an_admin_cannot_lock_themself_out() {
    let app = TestApp::spawn().await;
    let (id, email) = app.create_user(Role::Admin).await;
    let token: Value = app.login(&email, PASSWORD).await.json().await.unwrap();
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{id}")))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn the_command_line_creates_the_first_admin_with_the_password_from_the_environment() {
    let app = TestApp::spawn().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_perfusion-api"))
        .args([
            "admin",
            "create",
            "--email",
            "First@Example.org",
            "--role",
            "admin",
        ])
        .env("DATABASE_URL", &app.database_url)
        .env("PERFUSION_ADMIN_PASSWORD", "first admin password")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        app.login("first@example.org", "first admin password")
            .await
            .status(),
        200
    );

    // Running it again resets the password.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_perfusion-api"))
        .args([
            "admin",
            "create",
            "--email",
            "first@example.org",
            "--role",
            "admin",
        ])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .env_remove("PERFUSION_ADMIN_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"second admin password\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
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
async fn an_unreachable_database_at_start_is_one_clear_line_and_a_failure_exit() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_perfusion-api"))
        .env("DATABASE_URL", "postgres://nobody:x@127.0.0.1:1/none")
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("DATABASE_URL") && stderr.contains("Docker"),
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
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{id}")))
        .bearer_auth(&admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["email"], email.as_str());
}
