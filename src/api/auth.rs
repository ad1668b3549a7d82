//! `POST /api/v1/auth/token`: trade an admin's email and password for a short-lived token.

use std::net::IpAddr;

use actix_web::{post, web, HttpRequest, HttpResponse};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::JsonBody;
use super::responses::Unavailable;
use crate::{
    auth::{hash_password, verify_password},
    db,
    errors::{ApiError, ApiResult, Problem, Validator},
    models::admin_user,
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
    let Some(user) = authenticate(&mut conn, &email, password).await? else {
        return Err(refuse(&state, &mut conn, client).await);
    };
    db::write(&mut conn, async |tx| {
        admin_user::touch_last_login(tx, user.id).await
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: state.tokens.issue(user.id, user.role),
            token_type: "Bearer".into(),
            expires_in: state.tokens.ttl.as_secs(),
        }))
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

/// The one answer to wrong credentials, counted against the client.
async fn refuse(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    client: Option<IpAddr>,
) -> ApiError {
    if let Some(ip) = client {
        if let Err(e) = state.login_failures.record(conn, ip).await {
            return e;
        }
    }
    ApiError::Unauthorized(BAD_CREDENTIALS.into())
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
