//! Member subscriptions ("Join the Community"): sign-up with double opt-in, confirmation,
//! one-click unsubscribe (RFC 8058) and preferences. Nothing here tells anyone whether an
//! address is subscribed: a sign-up always gets the same 202.

use actix_web::{get, http::header, http::StatusCode, post, put, web, HttpRequest, HttpResponse};
use chrono::Utc;

use futures_util::StreamExt;
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
    domain::{token_hash, BoundedText, Email, Topic},
    errors::{ApiError, ApiResult, Problem},
    models::subscriber::{self as model, Subscriber},
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
#[post("/subscriptions")]
pub async fn sign_up(
    req: HttpRequest,
    state: web::Data<AppState>,
    input: JsonBody<SignupInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, mut v) = input;
    let email = v.require("email", input.email.as_deref().map(Email::parse));
    let name = input
        .name
        .as_deref()
        .and_then(|n| v.check("name", Name::parse(n)));
    let topics = v.check("topics", Topic::set(input.topics.as_deref()));
    v.finish()?;
    let (Some(email), Some(topics)) = (email, topics) else {
        unreachable!("a missing or invalid field was recorded above")
    };
    // One check-and-count, before any work: a burst cannot slip past the limit. Without a
    // peer address (not over TCP) every such request shares one bucket.
    let ip = client_ip(&req, &state.trusted_proxies)
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    state
        .signups
        .try_acquire(ip)
        .map_err(|retry_after_secs| ApiError::TooManyRequests { retry_after_secs })?;
    let topics: Vec<&str> = topics.iter().map(|t| t.as_str()).collect();
    let name = name.as_ref().map(BoundedText::as_str);
    let today = Utc::now().date_naive();
    let mut conn = state.pool.get().await?;
    // New, pending and confirmed addresses take the same one statement (and meet the same
    // per-address limit), so neither the answer nor a 429 tells a confirmed address from any
    // other. An unsubscribed address is restarted (and mailed) in the same transaction, so a
    // counted confirmation mail is never left unsent.
    let mailed = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let signed = model::sign_up(
            tx,
            email.as_str(),
            name,
            &topics,
            today,
            CONFIRMATIONS_PER_DAY,
        )
        .await?
        .ok_or_else(|| ApiError::TooManyRequests {
            retry_after_secs: seconds_until_tomorrow(),
        })?;
        match signed.status.as_str() {
            "pending" => Ok(true),
            // Only while it is still unsubscribed: the update is conditional.
            "unsubscribed" => {
                let restarted = model::restart(tx, signed.id, name, &topics).await?;
                if restarted {
                    model::enqueue(tx, signed.id, "confirmation").await?;
                }
                Ok(restarted)
            }
            _ => Ok(false),
        }
    })
    .await?;
    if mailed {
        state.outbox_wakeup.notify_one();
    }
    Ok(private_json(
        StatusCode::ACCEPTED,
        &Item {
            data: SignupAccepted {
                message: "If this address can receive mail, a message with a confirmation link is on its way. The link works for 48 hours.".into(),
            },
        },
    ))
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
    pub status: String,
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
#[post("/subscriptions/confirm")]
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
    let welcomed = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let (s, expires) = model::lock_by_token(tx, &hash, "confirm")
            .await?
            .ok_or_else(unknown_token)?;
        match s.status.as_str() {
            "confirmed" => Ok(false),
            "pending" if expires.is_some_and(|t| t < now) => Err(ApiError::Gone(
                "This confirmation link has expired; sign up again to get a new one.".into(),
            )),
            "pending" => {
                model::confirm(tx, s.id, CONSENT_VERSION, now).await?;
                model::enqueue(tx, s.id, "welcome").await?;
                Ok(true)
            }
            _ => Err(unknown_token()),
        }
    })
    .await?;
    if welcomed {
        state.outbox_wakeup.notify_one();
    }
    Ok(private_json(
        StatusCode::OK,
        &Item {
            data: SubscriptionStatus {
                status: "confirmed".into(),
            },
        },
    ))
}

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
    manageable(model::lock_by_token(tx, &hash, "manage").await?)
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
#[post("/subscriptions/unsubscribe")]
pub async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<TokenParam>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    const LIMIT: usize = 4096;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::BadRequest("The body could not be read.".into()))?;
        if body.len() + chunk.len() > LIMIT {
            return Err(ApiError::PayloadTooLarge { limit: LIMIT });
        }
        body.extend_from_slice(&chunk);
    }
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let token: Option<String> = match essence.as_str() {
        "application/json" => {
            let input: TokenInput = serde_json::from_slice(&body)
                .map_err(|_| ApiError::field("token", "must be given as {\"token\": \"…\"}"))?;
            input.token.or(params.0.token)
        }
        "application/x-www-form-urlencoded" | "multipart/form-data" | "" => params.0.token,
        other => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "Send JSON `{{\"token\": …}}` or the one-click form body, not `{other}`."
            )))
        }
    };
    let now = Utc::now();
    let mut conn = state.pool.get().await?;
    db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let s = by_manage_token(tx, token.as_deref()).await?;
        model::unsubscribe(tx, s.id, now).await?;
        Ok(())
    })
    .await?;
    Ok(private_json(
        StatusCode::OK,
        &Item {
            data: SubscriptionStatus {
                status: "unsubscribed".into(),
            },
        },
    ))
}

/// A subscriber's preferences.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preferences {
    pub email: String,
    #[schema(required = true)]
    pub name: Option<String>,
    pub topics: Vec<Topic>,
    #[schema(schema_with = super::schemas::subscription_status)]
    pub status: String,
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
#[get("/subscriptions/preferences")]
pub async fn preferences(
    state: web::Data<AppState>,
    params: Query<TokenParam>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let hash = params.0.token.as_deref().and_then(token_hash);
    let hash = hash.ok_or_else(unknown_token)?;
    let s = manageable(model::find_by_token(&mut conn, &hash, "manage").await?)?;
    Ok(private_json(
        StatusCode::OK,
        &Item {
            data: Preferences::of(s),
        },
    ))
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
#[put("/subscriptions/preferences")]
pub async fn update_preferences(
    state: web::Data<AppState>,
    params: Query<TokenParam>,
    input: JsonBody<PreferencesInput>,
) -> ApiResult<HttpResponse> {
    let JsonBody(input, mut v) = input;
    let name = input
        .name
        .as_ref()
        .map(|n| n.as_deref().and_then(|n| v.check("name", Name::parse(n))));
    let topics = match input.topics.as_deref() {
        Some(t) => v.check("topics", Topic::set(Some(t))),
        None => None,
    };
    v.finish()?;
    let topic_strs: Option<Vec<&str>> = topics
        .as_ref()
        .map(|t| t.iter().map(|t| t.as_str()).collect());
    let mut conn = state.pool.get().await?;
    let s = db::write::<_, ApiError, _>(&mut conn, async |tx| {
        let s = by_manage_token(tx, params.0.token.as_deref()).await?;
        Ok(model::set_preferences(
            tx,
            s.id,
            name.as_ref().map(|n| n.as_ref().map(BoundedText::as_str)),
            topic_strs.as_deref(),
        )
        .await?)
    })
    .await?;
    Ok(private_json(
        StatusCode::OK,
        &Item {
            data: Preferences::of(s),
        },
    ))
}
