//! Member subscriptions ("Join the Community"): sign-up with double opt-in, confirmation,
//! one-click unsubscribe (RFC 8058) and preferences. Nothing here tells anyone whether an
//! address is subscribed: a sign-up always gets the same 202.

use actix_web::{get, http::header, http::StatusCode, post, put, web, HttpRequest, HttpResponse};
use std::net::{IpAddr, Ipv4Addr};

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::responses::{JsonBodyErrors, Unavailable};
use super::{
    extract::{JsonBody, Query},
    fields::double_option,
};
use crate::http::{cache::private_json, envelope::Item};
use crate::{
    db::{self, Tx},
    domain::{token_hash, BoundedText, Email, SubscriberStatus, Topic},
    errors::{ApiError, ApiResult, Problem, Validator},
    models::subscriber::{self, Confirmed, Subscriber},
    rate_limit::client_ip,
    state::AppState,
};

type Name = BoundedText<1, 100>;

/// The version of the consent wording a subscriber agreed to when confirming.
pub const CONSENT_VERSION: &str = "join-the-community/2026-11-24";

/// Confirmation mails one address may be sent a day.
const CONFIRMATIONS_PER_DAY: i32 = 3;

/// A sign-up.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupInput {
    /// Trimmed; the domain is lowercased.
    #[schema(required = true, value_type = String, format = Email, max_length = 254, example = "pat@example.org")]
    pub email: Option<String>,
    #[schema(inline, value_type = Option<BoundedText<1, 100>>)]
    pub name: Option<String>,
    /// Default: all of them.
    #[schema(min_items = 1, max_items = 5)]
    pub topics: Option<Vec<Topic>>,
}

/// The one answer every sign-up gets.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignupAccepted {
    #[schema(
        example = "If this address can receive mail, a message with a confirmation link is on its way. The link works for 48 hours."
    )]
    pub message: String,
}

/// Signs an address up (double opt-in): a new or pending address is sent a confirmation mail;
/// a confirmed one nothing new. The answer is the same 202 whatever the address's state, so no
/// one can learn whether an address is subscribed.
#[utoipa::path(
    operation_id = "createSubscription",
    tag = "Subscriptions",
    request_body = SignupInput,
    responses(
        (status = 202, description = "Accepted (always the same body)", body = Item<SignupAccepted>),
        (status = 429, description = "Too many sign-ups from this address, or confirmation mails to this email today", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        Unavailable,
    )
)]
#[post("/api/v1/subscriptions")]
pub async fn sign_up(
    req: HttpRequest,
    state: web::Data<AppState>,
    input: JsonBody<SignupInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let signup = input.parse(v)?;
    sign_up_address(&req, &state, &signup).await?;
    let accepted = Item::new(SignupAccepted::new());
    Ok(private_json(StatusCode::ACCEPTED, &accepted))
}

/// The sign-up itself, shared by the JSON endpoint and the widget's form: the client's
/// sign-ups counted, then the one sign-up transaction (double opt-in: a confirmation mail is
/// queued for a new, pending or unsubscribed address), and the mail worker woken.
pub async fn sign_up_address(
    req: &HttpRequest,
    state: &AppState,
    signup: &Signup,
) -> ApiResult<()> {
    let mut conn = state.pool.get().await?;
    count_sign_up(req, state, &mut conn).await?;
    let today = Utc::now().date_naive();
    let new = signup.as_new();
    let signed = db::write(&mut conn, async |tx| {
        subscriber::sign_up(tx, &new, today, CONFIRMATIONS_PER_DAY).await
    })
    .await?
    .ok_or_else(mails_for_today_sent)?;
    if signed.mailed {
        state.outbox_wakeup.notify_one();
    }
    Ok(())
}

/// One check-and-count of the client's sign-ups (on any instance), before any work: a burst
/// cannot slip past the limit. Without a peer address (not over TCP) every such request shares
/// one bucket.
async fn count_sign_up(
    req: &HttpRequest,
    state: &AppState,
    conn: &mut AsyncPgConnection,
) -> ApiResult<()> {
    let ip = client_ip(req, &state.trusted_proxies).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    state.signups.try_acquire(conn, ip).await
}

/// A checked sign-up.
pub struct Signup {
    email: Email,
    name: Option<Name>,
    topics: Vec<&'static str>,
}

impl SignupInput {
    /// Every field checked; all problems reported at once (with those already in `v`).
    pub fn parse(&self, mut v: Validator) -> ApiResult<Signup> {
        let email = v.require("email", self.email.as_deref().map(Email::parse));
        let name = self
            .name
            .as_deref()
            .and_then(|n| v.check("name", Name::parse(n)));
        let topics = v.check("topics", Topic::set(self.topics.as_deref()));
        v.finish()?;
        let (Some(email), Some(topics)) = (email, topics) else {
            unreachable!("a missing or invalid field was recorded above")
        };
        let topics = topics.iter().map(|t| t.as_str()).collect();
        Ok(Signup {
            email,
            name,
            topics,
        })
    }
}

impl Signup {
    fn as_new(&self) -> subscriber::NewSignUp<'_> {
        subscriber::NewSignUp {
            email: self.email.as_str(),
            name: self.name.as_ref().map(BoundedText::as_str),
            topics: &self.topics,
        }
    }
}

/// The one answer every sign-up gets, whatever the address.
pub const SIGNUP_ACCEPTED: &str = "If this address can receive mail, a message with a confirmation link is on its way. The link works for 48 hours.";

impl SignupAccepted {
    fn new() -> Self {
        Self {
            message: SIGNUP_ACCEPTED.into(),
        }
    }
}

/// 429 when an address has had its confirmation mails for today.
fn mails_for_today_sent() -> ApiError {
    ApiError::TooManyRequests {
        retry_after_secs: seconds_until_tomorrow(),
    }
}

fn seconds_until_tomorrow() -> u64 {
    let now = Utc::now();
    let tomorrow = (now.date_naive() + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now);
    (tomorrow - now).num_seconds().max(1) as u64
}

/// A token from a mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// The `token` of the link in the mail.
    #[schema(required = true, value_type = String, min_length = 43, max_length = 43, pattern = "^[A-Za-z0-9_-]{43}$")]
    pub token: Option<String>,
}

/// Where a subscription stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionStatus {
    #[schema(schema_with = super::schemas::settled_subscription_status)]
    pub status: SubscriberStatus,
}

impl SubscriptionStatus {
    fn answer(status: SubscriberStatus) -> HttpResponse {
        private_json(StatusCode::OK, &Item::new(Self { status }))
    }
}

fn unknown_token() -> ApiError {
    ApiError::NotFound("This link is not valid (any more). Sign up again to get a new one.".into())
}

/// Confirms a subscription with the token of the confirmation mail. Repeating it answers 200
/// again; an unknown, used-up or malformed token is one generic 404, an expired one 410.
#[utoipa::path(
    operation_id = "confirmSubscription",
    tag = "Subscriptions",
    request_body = TokenInput,
    responses(
        (status = 200, description = "Confirmed", body = Item<SubscriptionStatus>),
        (status = 400, description = "Malformed JSON or no token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, used-up or malformed token", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The link has expired", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        Unavailable,
    )
)]
#[post("/api/v1/subscriptions/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    input: JsonBody<TokenInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, mut v) = input;
    let token = v.require("token", input.token.map(Ok));
    v.finish()?;
    let hash = token
        .as_deref()
        .and_then(token_hash)
        .ok_or_else(unknown_token)?;
    let now = Utc::now();
    let mut conn = state.pool.get().await?;
    let confirmed = db::write(&mut conn, async |tx| {
        subscriber::confirm_by_token(tx, &hash, CONSENT_VERSION, now).await
    })
    .await?;
    match confirmed {
        Confirmed::Now => state.outbox_wakeup.notify_one(),
        Confirmed::Before => {}
        Confirmed::UnknownLink => return Err(unknown_token()),
        Confirmed::Expired => return Err(ApiError::Gone(EXPIRED.into())),
    }
    Ok(SubscriptionStatus::answer(SubscriberStatus::Confirmed))
}

const EXPIRED: &str = "This confirmation link has expired; sign up again to get a new one.";

/// The manage token of a link, as a query parameter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenParam {
    /// The `token` of the link in the mail.
    #[param(pattern = "^[A-Za-z0-9_-]{43}$")]
    pub token: Option<String>,
}

/// The subscriber a manage token belongs to, locked for a write (404 for anything else).
async fn by_manage_token(tx: &mut Tx<'_>, token: Option<&str>) -> ApiResult<Subscriber> {
    let hash = token.and_then(token_hash).ok_or_else(unknown_token)?;
    manageable(subscriber::lock_by_token(tx, &hash, "manage").await?)
}

/// A subscriber found by a manage token, unless it was erased.
fn manageable(found: Option<(Subscriber, Option<chrono::DateTime<Utc>>)>) -> ApiResult<Subscriber> {
    match found {
        Some((s, _)) if s.email.is_some() => Ok(s),
        _ => Err(unknown_token()),
    }
}

/// Unsubscribes, with the token of any mail's link: either the RFC 8058 one-click POST (the
/// link's URL with `?token=…`, a form body `List-Unsubscribe=One-Click`, no cookie, no
/// redirect) or a JSON body `{"token": …}`. Repeating it answers 200 again.
#[utoipa::path(
    operation_id = "unsubscribe",
    tag = "Subscriptions",
    params(TokenParam),
    request_body(content = TokenInput, description = "JSON `{token}`, or the form body `List-Unsubscribe=One-Click` with the token in the query", content_type = "application/json"),
    responses(
        (status = 200, description = "Unsubscribed", body = Item<SubscriptionStatus>),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or malformed token", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor a form", body = Problem, content_type = "application/problem+json"),
        Unavailable,
    )
)]
#[post("/api/v1/subscriptions/unsubscribe")]
pub async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<TokenParam>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let token = unsubscribe_token(&req, payload, params.0.token).await?;
    let now = Utc::now();
    let mut conn = state.pool.get().await?;
    db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let s = by_manage_token(tx, token.as_deref()).await?;
        Ok(subscriber::unsubscribe(tx, s.id, now).await?)
    })
    .await?;
    Ok(SubscriptionStatus::answer(SubscriberStatus::Unsubscribed))
}

/// The token of an unsubscribe: from a JSON body `{"token": …}`, else from the query (the
/// one-click form post, whose body is only `List-Unsubscribe=One-Click`).
async fn unsubscribe_token(
    req: &HttpRequest,
    payload: web::Payload,
    from_query: Option<String>,
) -> ApiResult<Option<String>> {
    let body = super::extract::read_body(payload, 4096).await?;
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match essence.as_str() {
        "application/json" => {
            let (input, v) = super::extract::json_object::<TokenInput>(&body)?;
            v.finish()?;
            Ok(input.token.or(from_query))
        }
        "application/x-www-form-urlencoded" | "multipart/form-data" | "" => Ok(from_query),
        other => Err(ApiError::UnsupportedMediaType(format!(
            "Send JSON `{{\"token\": …}}` or the one-click form body, not `{other}`."
        ))),
    }
}

/// A subscriber's preferences.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preferences {
    pub email: String,
    #[schema(required = true)]
    pub name: Option<String>,
    pub topics: Vec<Topic>,
    #[schema(schema_with = super::schemas::subscription_status)]
    pub status: SubscriberStatus,
}

impl Preferences {
    fn of(s: Subscriber) -> Self {
        Self {
            email: s.email.unwrap_or_default(),
            name: s.name,
            topics: s
                .topics
                .iter()
                .flatten()
                .filter_map(|t| Topic::parse(t))
                .collect(),
            status: s.status,
        }
    }
}

/// Reads a subscriber's preferences, with the token of a mail's link (never cached).
#[utoipa::path(
    operation_id = "getSubscriptionPreferences",
    tag = "Subscriptions",
    params(TokenParam),
    responses(
        (status = 200, description = "The preferences", body = Item<Preferences>),
        (status = 400, description = "A malformed query (e.g. `token` twice)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or malformed token", body = Problem, content_type = "application/problem+json"),
        Unavailable,
    )
)]
#[get("/api/v1/subscriptions/preferences")]
pub async fn preferences(
    state: web::Data<AppState>,
    params: Query<TokenParam>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let hash = params.0.token.as_deref().and_then(token_hash);
    let hash = hash.ok_or_else(unknown_token)?;
    let s = manageable(subscriber::find_by_token(&mut conn, &hash, "manage").await?)?;
    Ok(private_json(StatusCode::OK, &Item::new(Preferences::of(s))))
}

/// Changes to preferences; `name: null` removes the name.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesInput {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(inline, value_type = Option<BoundedText<1, 100>>)]
    pub name: Option<Option<String>>,
    #[schema(min_items = 1, max_items = 5)]
    pub topics: Option<Vec<Topic>>,
}

/// Changes a subscriber's topics or name, with the token of a mail's link.
#[utoipa::path(
    operation_id = "updateSubscriptionPreferences",
    tag = "Subscriptions",
    params(TokenParam),
    request_body = PreferencesInput,
    responses(
        (status = 200, description = "Changed", body = Item<Preferences>),
        (status = 404, description = "Unknown or malformed token", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        Unavailable,
    )
)]
#[put("/api/v1/subscriptions/preferences")]
pub async fn update_preferences(
    state: web::Data<AppState>,
    params: Query<TokenParam>,
    input: JsonBody<PreferencesInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, v) = input;
    let change = input.parse(v)?;
    let mut conn = state.pool.get().await?;
    let s = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let s = by_manage_token(tx, params.0.token.as_deref()).await?;
        let name = change
            .name
            .as_ref()
            .map(|n| n.as_ref().map(BoundedText::as_str));
        Ok(subscriber::set_preferences(tx, s.id, name, change.topics.as_deref()).await?)
    })
    .await?;
    Ok(private_json(StatusCode::OK, &Item::new(Preferences::of(s))))
}

/// Checked changes to preferences: `None` leaves a field as it is.
struct PreferenceChange {
    name: Option<Option<Name>>,
    topics: Option<Vec<&'static str>>,
}

impl PreferencesInput {
    fn parse(&self, mut v: Validator) -> ApiResult<PreferenceChange> {
        let name = self
            .name
            .as_ref()
            .map(|n| n.as_deref().and_then(|n| v.check("name", Name::parse(n))));
        let topics = self
            .topics
            .as_deref()
            .and_then(|t| v.check("topics", Topic::set(Some(t))));
        v.finish()?;
        let topics = topics.map(|t| t.iter().map(|t| t.as_str()).collect());
        Ok(PreferenceChange { name, topics })
    }
}
