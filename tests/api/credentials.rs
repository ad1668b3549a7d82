//! Credentials that can be taken back: a token dies with its user's password (whoever changes
//! it), with being disabled or re-enabled, and with sign-out-everywhere; an editor changes their
//! own password; old password hashes are upgraded; and a login refusal takes the same time
//! whether the email exists or not.

use std::time::{Duration, Instant};

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHasher, SaltString},
    Algorithm, Argon2, Params, Version,
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use perfusion_api::{
    db,
    domain::Role,
    models::admin_user::{self, NewAdminUser},
    schema::admin_users,
};
use serde_json::{json, Value};

use crate::admin::{admin_create, Password};
use crate::helpers::{assert_problem, fields, TestApp, PASSWORD};

const USERS: &str = "/api/v1/admin/users";
const OWN_PASSWORD: &str = "/api/v1/auth/password";
const SIGN_OUT: &str = "/api/v1/auth/sign-out-everywhere";
const NEW_PASSWORD: &str = "a brand new passphrase";

/// A route only a signed-in editor or admin may read: the answer says whether `token` works.
async fn works(app: &TestApp, token: &str) -> bool {
    let res = app
        .patch("/api/v1/history-events/john-gibbon-s-perfusion-pump-keeps-animals-alive")
        .token(token)
        .json(&json!({}))
        .send()
        .await;
    match res.status().as_u16() {
        200 => true,
        401 => {
            // A revoked token is refused like any bad token: the same problem, word for word.
            let body = assert_problem(res, 401).await;
            assert_eq!(
                body["detail"],
                "The bearer token is invalid or has expired."
            );
            false
        }
        other => panic!("unexpected {other}"),
    }
}

async fn login_token(app: &TestApp, email: &str, password: &str) -> String {
    let res = app.login(email, password).await;
    assert_eq!(res.status(), 200, "{email} logs in");
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn change_own_password(
    app: &TestApp,
    token: &str,
    current: &str,
    new: &str,
) -> reqwest::Response {
    app.put(OWN_PASSWORD)
        .token(token)
        .json(&json!({"current_password": current, "new_password": new}))
        .send()
        .await
}

#[tokio::test]
async fn an_admins_old_token_dies_when_the_command_line_resets_their_password() {
    let app = TestApp::spawn().await;
    admin_create(
        &app,
        "chief@example.org",
        Password::Env("the first password"),
    );
    let old = login_token(&app, "chief@example.org", "the first password").await;
    assert!(works(&app, &old).await);

    admin_create(
        &app,
        "chief@example.org",
        Password::Env("the second password"),
    );
    assert!(!works(&app, &old).await, "the token from before the reset");
    let res = app.get(USERS).token(&old).send().await;
    assert_problem(res, 401).await;

    // A token issued right after the reset (in the same second) works.
    let new = login_token(&app, "chief@example.org", "the second password").await;
    assert!(works(&app, &new).await);
    assert_eq!(app.get(USERS).token(&new).send().await.status(), 200);
}

#[tokio::test]
async fn a_users_old_token_dies_when_an_admin_sets_their_password() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let (id, email) = app.create_user(Role::Editor).await;
    let old = login_token(&app, &email, PASSWORD).await;
    assert!(works(&app, &old).await);

    let res = app
        .patch(&format!("{USERS}/{id}"))
        .token(&admin)
        .json(&json!({"password": NEW_PASSWORD}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert!(!works(&app, &old).await);
    assert!(works(&app, &login_token(&app, &email, NEW_PASSWORD).await).await);
    // The admin's own token is untouched.
    assert!(works(&app, &admin).await);
}

#[tokio::test]
async fn disabling_then_re_enabling_a_user_leaves_their_old_tokens_dead() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let (id, email) = app.create_user(Role::Editor).await;
    let old = login_token(&app, &email, PASSWORD).await;
    for disabled in [true, false] {
        let res = app
            .patch(&format!("{USERS}/{id}"))
            .token(&admin)
            .json(&json!({"disabled": disabled}))
            .send()
            .await;
        assert_eq!(res.status(), 200);
    }
    assert!(
        !works(&app, &old).await,
        "re-enabling does not bring a token back"
    );
    assert!(works(&app, &login_token(&app, &email, PASSWORD).await).await);
}

#[tokio::test]
async fn a_role_change_applies_at_once_and_keeps_the_token() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let (id, email) = app.create_user(Role::Admin).await;
    let token = login_token(&app, &email, PASSWORD).await;
    assert_eq!(app.get(USERS).token(&token).send().await.status(), 200);
    let res = app
        .patch(&format!("{USERS}/{id}"))
        .token(&admin)
        .json(&json!({"role": "editor"}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(app.get(USERS).token(&token).send().await, 403).await;
    assert!(works(&app, &token).await, "still an editor");
}

#[tokio::test]
async fn an_editor_changes_their_own_password_and_gets_the_only_working_token() {
    let app = TestApp::spawn().await;
    let (_, email) = app.create_user(Role::Editor).await;
    let first = login_token(&app, &email, PASSWORD).await;
    let second = login_token(&app, &email, PASSWORD).await;

    let res = change_own_password(&app, &first, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    let fresh = body["access_token"].as_str().unwrap();

    assert!(works(&app, fresh).await, "the answer's token");
    assert!(!works(&app, &first).await, "the token that asked");
    assert!(!works(&app, &second).await, "another of the user's tokens");
    assert_problem(app.login(&email, PASSWORD).await, 401).await;
    assert!(works(&app, &login_token(&app, &email, NEW_PASSWORD).await).await);
}

#[tokio::test]
async fn a_self_service_change_names_what_is_wrong_and_changes_nothing() {
    let app = TestApp::spawn_with(|s| s.login_failures_per_window = 3).await;
    let (_, email) = app.create_user(Role::Editor).await;
    let token = login_token(&app, &email, PASSWORD).await;

    // No token: 401, as on every signed-in route.
    let res = app
        .put(OWN_PASSWORD)
        .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
        .send()
        .await;
    assert_problem(res, 401).await;

    // A new password too short, and both fields missing, are 400s naming the fields.
    let res = change_own_password(&app, &token, PASSWORD, "short").await;
    assert_eq!(fields(&assert_problem(res, 400).await), ["new_password"]);
    let res = app
        .put(OWN_PASSWORD)
        .token(&token)
        .json(&json!({}))
        .send()
        .await;
    let mut named = fields(&assert_problem(res, 400).await);
    named.sort();
    assert_eq!(named, ["current_password", "new_password"]);
    let res = app
        .put(OWN_PASSWORD)
        .token(&token)
        .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "role": "admin"}))
        .send()
        .await;
    assert_eq!(fields(&assert_problem(res, 400).await), ["role"]);

    // A wrong current password is a 401 and counts as a failed login: three, then 429.
    for _ in 0..3 {
        let res = change_own_password(&app, &token, "not my password", NEW_PASSWORD).await;
        let body = assert_problem(res, 401).await;
        assert_eq!(body["detail"], "The current password is wrong.");
    }
    let res = change_own_password(&app, &token, PASSWORD, NEW_PASSWORD).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429).await;

    // Nothing changed: the old password and the old token still work.
    assert!(works(&app, &token).await);
    let other = TestApp::spawn_on(&app.database_url).await;
    assert_eq!(other.login(&email, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_token_of_the_caller_and_no_one_elses() {
    let app = TestApp::spawn().await;
    let (_, email) = app.create_user(Role::Editor).await;
    let phone = login_token(&app, &email, PASSWORD).await;
    let laptop = login_token(&app, &email, PASSWORD).await;
    let colleague = app.token(Role::Editor).await;

    let res = app.post(SIGN_OUT).token(&laptop).send().await;
    assert_eq!(res.status(), 204);
    assert!(!works(&app, &phone).await);
    assert!(!works(&app, &laptop).await);
    assert!(works(&app, &colleague).await);
    assert_problem(app.post(SIGN_OUT).token(&laptop).send().await, 401).await;

    // Signing in again, at once, works: the password is unchanged.
    assert!(works(&app, &login_token(&app, &email, PASSWORD).await).await);
}

#[tokio::test]
async fn a_password_hashed_with_weaker_parameters_is_upgraded_at_the_next_login() {
    let app = TestApp::spawn().await;
    // A hash as an older release (or another tool) made it: Argon2id with 4 MiB and 1 pass.
    let weak = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(4096, 1, 1, None).unwrap(),
    )
    .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
    .unwrap()
    .to_string();
    let new = NewAdminUser {
        email: "old-timer@example.org".into(),
        display_name: "Old Timer".into(),
        password_hash: weak.clone(),
        role: Role::Editor,
    };
    let id = db::write(&mut app.conn().await, async |tx| {
        admin_user::insert(tx, &new).await
    })
    .await
    .unwrap()
    .id;
    let stored = async || -> String {
        admin_users::table
            .find(id)
            .select(admin_users::password_hash)
            .first(&mut app.conn().await)
            .await
            .unwrap()
    };

    // A failed login changes nothing.
    assert_problem(
        app.login("old-timer@example.org", "wrong password!!").await,
        401,
    )
    .await;
    assert_eq!(stored().await, weak);

    let token = login_token(&app, "old-timer@example.org", PASSWORD).await;
    let upgraded = stored().await;
    assert!(
        upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{upgraded}"
    );
    // The same password, so the token just issued (and any other) keeps working.
    assert!(works(&app, &token).await);
    assert_eq!(
        app.login("old-timer@example.org", PASSWORD).await.status(),
        200
    );
    assert_eq!(
        stored().await,
        upgraded,
        "upgraded once, not at every login"
    );
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// 30 refusals of an unknown email and 30 of a real user's wrong password, interleaved, each
/// kind going first in every other pair (so that neither pays for coming second).
async fn refusal_medians(app: &TestApp, email: &str) -> (Duration, Duration) {
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    for i in 0..30 {
        let mut pair = [
            ("nobody-at-all@example.org", &mut unknown),
            (email, &mut wrong),
        ];
        if i % 2 == 1 {
            pair.reverse();
        }
        for (who, times) in pair {
            let started = Instant::now();
            let res = app.login(who, &format!("wrong password {i}")).await;
            times.push(started.elapsed());
            assert_eq!(res.status(), 401);
        }
    }
    (median(unknown), median(wrong))
}

#[tokio::test]
async fn a_refusal_takes_the_same_time_whether_the_email_exists_or_not() {
    let app = TestApp::spawn_with(|s| s.login_failures_per_window = 10_000).await;
    let (_, email) = app.create_user(Role::Admin).await;
    // Warm up: the first refusal makes the stand-in hash an unknown email is checked against.
    refusal_medians(&app, &email).await;
    // A shared machine is noisy: one of three rounds within 15% shows the paths cost the same
    // (a real difference, such as a skipped hash or an extra query, shows in every round).
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let (unknown, wrong) = refusal_medians(&app, &email).await;
        let (fast, slow) = (unknown.min(wrong), unknown.max(wrong));
        if slow.as_secs_f64() <= fast.as_secs_f64() * 1.15 {
            return;
        }
        rounds.push((unknown, wrong));
    }
    panic!("unknown email vs wrong password medians, three rounds: {rounds:?}");
}

#[tokio::test]
async fn an_admin_sets_their_own_password_only_by_giving_the_current_one() {
    let app = TestApp::spawn().await;
    let (id, email) = app.create_user(Role::Admin).await;
    let token = login_token(&app, &email, PASSWORD).await;
    let res = app
        .patch(&format!("{USERS}/{id}"))
        .token(&token)
        .json(&json!({"password": NEW_PASSWORD}))
        .send()
        .await;
    let body = assert_problem(res, 409).await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("PUT /api/v1/auth/password"));
    assert!(works(&app, &token).await, "nothing changed");
    assert_eq!(app.login(&email, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn enabling_a_user_who_is_already_enabled_keeps_their_tokens() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let (id, email) = app.create_user(Role::Editor).await;
    let token = login_token(&app, &email, PASSWORD).await;
    let res = app
        .patch(&format!("{USERS}/{id}"))
        .token(&admin)
        .json(&json!({"disabled": false, "display_name": "Renamed"}))
        .send()
        .await;
    assert_eq!(res.status(), 200);
    assert!(works(&app, &token).await);
}
