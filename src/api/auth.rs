//! `POST /api/v1/auth/token`: trade an admin's email and password for a short-lived token;
//! `PUT /api/v1/auth/password` and `POST /api/v1/auth/sign-out-everywhere` for the signed-in.

use std::net::IpAddr;

use actix_web::{post, put, web, HttpRequest, HttpResponse};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin_users::AdminUser as AdminUserDto;
use super::audit::Audit;
use super::extract::JsonBody;
use super::responses::{JsonBodyErrors, SignedIn, Unavailable};
use crate::{
    auth::{hash_password, needs_rehash, verify_password},
    db::{self, Tx},
    domain::{AuditAction, Password},
    errors::{ApiError, ApiResult, Problem, Validator},
    models::admin_user::{self, AdminUserChangeset},
    state::AppState,
};

/// An admin's credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[schema(required = true, value_type = String, max_length = 254)]
    pub email: Option<String>,
    #[schema(required = true, value_type = String, max_length = 256)]
    pub password: Option<String>,
}

/// A bearer token for the write endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
}

const BAD_CREDENTIALS: &str = "The email or password is wrong, or the account is disabled.";

/// Issues an access token (HS256 JWT, 15 minutes by default).
///
/// Wrong passwords and unknown emails get the same answer in about the same time. Repeated
/// failures from one address are refused with 429 for a while.
#[utoipa::path(
    operation_id = "issueToken",
    tag = "Auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        (status = 400, description = "Malformed JSON or missing fields", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong credentials", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait"))),
        Unavailable,
    )
)]
#[post("/api/v1/auth/token")]
pub async fn issue_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    input: JsonBody<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let client = crate::rate_limit::client_ip(&req, &state.trusted_proxies);
    let mut conn = state.pool.get().await?;
    check_failures(&state, &mut conn, client).await?;
    let JsonBody(input, v) = input;
    let (email, password) = input.parse(v)?;
    let Some(user) = authenticate(&mut conn, &email, password.clone()).await? else {
        return Err(refuse(&state, &mut conn, client, BAD_CREDENTIALS).await);
    };
    let rehashed = match needs_rehash(&user.password_hash) {
        true => Some(hash_off_thread(password).await?),
        false => None,
    };
    db::write(&mut conn, async |tx| {
        admin_user::record_login(tx, user.id, rehashed.as_deref()).await
    })
    .await?;
    Ok(token_response(&state, &user))
}

/// A fresh token for `user`, as the answer to a login or a password change.
fn token_response(state: &AppState, user: &admin_user::AdminUser) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: state
                .tokens
                .issue(user.id, user.role, user.tokens_valid_after),
            token_type: "Bearer".into(),
            expires_in: state.tokens.ttl.as_secs(),
        })
}

/// A signed-in user's own password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(required = true, value_type = String, max_length = 256)]
    pub current_password: Option<String>,
    /// 12 to 256 characters.
    #[schema(required = true, value_type = String, min_length = 12, max_length = 256)]
    pub new_password: Option<String>,
}

impl PasswordChange {
    /// The current password (any text: it is checked, not validated) and the new one.
    fn parse(self, mut v: Validator) -> ApiResult<(String, Password)> {
        let current = v.require("current_password", self.current_password.map(Ok));
        let new = v.require(
            "new_password",
            self.new_password.as_deref().map(Password::parse),
        );
        v.finish()?;
        Ok(current
            .zip(new)
            .expect("a missing field was recorded above"))
    }
}

const WRONG_CURRENT_PASSWORD: &str = "The current password is wrong.";

/// Changes the caller's own password (editor or admin) and answers with a fresh token: every
/// token issued before it stops working, on every instance.
///
/// A wrong current password is a 401 and counts as a failed login (429 after too many).
#[utoipa::path(
    operation_id = "changeOwnPassword",
    tag = "Auth",
    request_body = PasswordChange,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed; a fresh token (the old ones are refused from now on)", body = TokenResponse),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64))),
        JsonBodyErrors,
        SignedIn,
        Unavailable,
    )
)]
#[put("/api/v1/auth/password")]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    audit: Audit,
    input: JsonBody<PasswordChange>,
) -> ApiResult<HttpResponse> {
    let client = crate::rate_limit::client_ip(&req, &state.trusted_proxies);
    let mut conn = state.pool.get().await?;
    check_failures(&state, &mut conn, client).await?;
    let JsonBody(input, v) = input;
    let (current, new) = input.parse(v)?;
    let hash = admin_user::find(&mut conn, audit.user.id)
        .await?
        .password_hash;
    if !web::block(move || verify_password(&current, Some(&hash))).await? {
        return Err(refuse(&state, &mut conn, client, WRONG_CURRENT_PASSWORD).await);
    }
    let changes = AdminUserChangeset {
        password_hash: Some(hash_off_thread(new.expose().to_owned()).await?),
        ..Default::default()
    };
    let user = db::write(&mut conn, async |tx| {
        own_change(tx, &audit, Some(&changes)).await
    })
    .await?;
    Ok(token_response(&state, &user))
}

/// Applies `changes` (a new password) to the caller's own user, or with none revokes their
/// tokens, and records it in the audit log by the field's name only.
async fn own_change(
    tx: &mut Tx<'_>,
    audit: &Audit,
    changes: Option<&AdminUserChangeset>,
) -> ApiResult<admin_user::AdminUser> {
    let id = audit.user.id;
    let before = AdminUserDto::from(admin_user::find_for_update(tx, id).await?);
    let (after, fields) = match changes {
        Some(changes) => (admin_user::update(tx, id, changes).await?, ["password"]),
        None => (
            admin_user::revoke_tokens(tx, id).await?,
            ["tokens_valid_after"],
        ),
    };
    audit
        .wrote(
            tx,
            AuditAction::Update,
            Some(&before),
            after.clone().into(),
            &fields,
        )
        .await?;
    Ok(after)
}

/// Signs the caller out everywhere: every token they hold now, this one included, is refused
/// from now on, on every instance. Sign in again for a new one.
#[utoipa::path(
    operation_id = "signOutEverywhere",
    tag = "Auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every token of the caller is refused from now on"),
        SignedIn,
        Unavailable,
    )
)]
#[post("/api/v1/auth/sign-out-everywhere")]
pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    audit: Audit,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    db::write(&mut conn, async |tx| own_change(tx, &audit, None).await).await?;
    Ok(HttpResponse::NoContent()
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}

/// 429 while the client's failed logins (on any instance) are over the limit.
async fn check_failures(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    client: Option<IpAddr>,
) -> ApiResult<()> {
    match client {
        Some(ip) => state.login_failures.check(conn, ip).await,
        None => Ok(()),
    }
}

/// The answer to wrong credentials (`why`), counted against the client as a failed login.
async fn refuse(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    client: Option<IpAddr>,
    why: &str,
) -> ApiError {
    if let Some(ip) = client {
        if let Err(e) = state.login_failures.record(conn, ip).await {
            return e;
        }
    }
    ApiError::Unauthorized(why.into())
}

impl TokenRequest {
    /// The email and password, both required.
    fn parse(self, mut v: Validator) -> ApiResult<(String, String)> {
        let email = v.require("email", self.email.map(Ok));
        let password = v.require("password", self.password.map(Ok));
        v.finish()?;
        Ok(email
            .zip(password)
            .expect("a missing field was recorded above"))
    }
}

/// The enabled user these credentials belong to, if any.
async fn authenticate(
    conn: &mut AsyncPgConnection,
    email: &str,
    password: String,
) -> ApiResult<Option<admin_user::AdminUser>> {
    let key = email.trim().to_lowercase();
    // PostgreSQL text cannot hold NUL: such an email cannot be anyone's.
    let user = if key.contains('\0') {
        None
    } else {
        admin_user::find_by_email(conn, &key).await?
    };
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let valid = web::block(move || verify_password(&password, hash.as_deref())).await?;
    Ok(user.filter(|u| valid && !u.disabled))
}

/// Hashes a password off the async workers.
pub async fn hash_off_thread(password: String) -> ApiResult<String> {
    Ok(web::block(move || hash_password(&password)).await?)
}
