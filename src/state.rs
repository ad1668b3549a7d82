//! [`AppState`]: what every handler can reach, built once by `startup::Application::build`.
//! It sits below the handlers and the middleware (they import it; it imports none of them).

use std::{net::IpAddr, sync::Arc};

use crate::{
    auth::TokenKeys, db::DbPool, http::links::SiteLinks, http::pagination::CursorKey,
    rate_limit::Limit, response_cache::ResponseCache, search_index::SearchIndex,
    telemetry::Metrics, telemetry::MetricsAccess,
};

/// What every handler can reach.
pub struct AppState {
    pub pool: DbPool,
    pub tokens: Arc<TokenKeys>,
    pub login_failures: Limit,
    pub public_base_url: String,
    /// Where people read what the service serves (an article's page).
    pub links: SiteLinks,
    pub metrics: Arc<Metrics>,
    pub openapi_json: String,
    /// Signs list cursors.
    pub cursor_key: CursorKey,
    /// Sign-ups per client address per minute.
    pub signups: Limit,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Wakes the outbox worker when a mail is written.
    pub outbox_wakeup: Arc<tokio::sync::Notify>,
    /// Rendered public responses.
    pub response_cache: Arc<ResponseCache>,
    /// Who may read `/metrics` on the public port.
    pub metrics_access: MetricsAccess,
    /// What a webhook URL may be: https only (production), internal addresses allowed.
    pub webhook_targets: WebhookTargets,
    /// Wakes the webhook worker (a test event to send).
    pub webhook_wakeup: Arc<tokio::sync::Notify>,
    /// The search index of the public articles (empty with `SEARCH_INDEX=off`).
    pub search_index: Arc<SearchIndex>,
}

/// The rules a webhook URL is checked against when an admin gives it.
#[derive(Debug, Clone, Copy)]
pub struct WebhookTargets {
    pub https_only: bool,
    pub allow_private: bool,
}
