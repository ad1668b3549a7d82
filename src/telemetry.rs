//! Logs and metrics. One log line per request (JSON in production), a request id on every
//! response (`X-Request-Id`, taken from the request when it is sane; handlers read it as
//! [`RequestId`]), and Prometheus metrics.

use std::time::Instant;

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
    web, Error, HttpMessage,
};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

use subtle::ConstantTimeEq;

use crate::{
    config::{AppEnv, Secret, Settings},
    db::DbPool,
};

/// Installs the global subscriber: readable lines in development, JSON in production.
/// `RUST_LOG` overrides the default level (`info`).
pub fn init(app_env: AppEnv) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match app_env {
        AppEnv::Production => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false),
            )
            .try_init(),
        AppEnv::Development => registry.with(fmt::layer().compact()).try_init(),
    };
    let _ = result; // already installed (tests): keep the first
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, as its `X-Request-Id` response header and its log line
/// carry it; [`observe`] puts it in the request's extensions for handlers (the audit log).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The service's Prometheus registry.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_size: IntGauge,
    pool_available: IntGauge,
    pool_waiting: IntGauge,
    webhook_attempts: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route template and status",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by method, route template and status",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let pool_size = IntGauge::new(
            "db_pool_connections",
            "Database connections open in the pool",
        )
        .expect("valid metric");
        let pool_available =
            IntGauge::new("db_pool_available", "Idle database connections in the pool")
                .expect("valid metric");
        let pool_waiting = IntGauge::new(
            "db_pool_waiters",
            "Requests waiting for a database connection",
        )
        .expect("valid metric");
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "webhook_attempts_total",
                "Webhook delivery attempts by outcome: succeeded, retrying, failed (given up), \
                 disabled (the endpoint turned off)",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(webhook_attempts.clone()),
            Box::new(latency.clone()),
            Box::new(pool_size.clone()),
            Box::new(pool_available.clone()),
            Box::new(pool_waiting.clone()),
        ] {
            registry.register(c).expect("metric names are unique");
        }
        Self {
            registry,
            requests,
            latency,
            pool_size,
            pool_available,
            pool_waiting,
            webhook_attempts,
        }
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    /// Counts a webhook delivery attempt by its outcome.
    pub fn webhook_attempt(&self, outcome: &str) {
        self.webhook_attempts.with_label_values(&[outcome]).inc();
    }

    /// The text exposition, with the pool gauges read now.
    pub fn render(&self, pool: &DbPool) -> String {
        let status = pool.status();
        self.pool_size.set(status.size as i64);
        self.pool_available.set(status.available as i64);
        self.pool_waiting.set(status.waiting as i64);
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Middleware: request id, one log line and the metrics of every request.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let start = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    req.extensions_mut().insert(RequestId(request_id.clone()));

    let mut res = next.call(req).await?;

    let status = res.status().as_u16();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let elapsed = start.elapsed();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    if let Some(m) = metrics {
        m.observe(&method, &route, status, elapsed.as_secs_f64());
    }
    tracing::info!(
        target: "http",
        method = %method,
        path = %path,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        request_id = %request_id,
        "request"
    );
    Ok(res)
}

/// Who may read `/metrics` on the public port (README, "Metrics").
#[derive(Debug, Clone)]
pub enum MetricsAccess {
    /// Anyone (development, with neither a token nor a metrics address set).
    Open,
    /// Whoever sends `Authorization: Bearer <METRICS_TOKEN>`.
    Token(Secret),
    /// No one: answered as an unknown path (production without a token, or metrics served on
    /// `METRICS_BIND_ADDR` instead).
    Closed,
}

/// What to do with one request for `/metrics` on the public port.
#[derive(Debug, PartialEq, Eq)]
pub enum MetricsVerdict {
    Serve,
    Unauthorized,
    NotFound,
}

impl MetricsAccess {
    /// The public port's policy: a token, when set, is always required; otherwise metrics stay
    /// off the public port when they have an address of their own or the service runs in
    /// production.
    pub fn for_public_port(settings: &Settings) -> Self {
        match (
            &settings.metrics_token,
            settings.metrics_bind_addr,
            settings.app_env,
        ) {
            (Some(token), _, _) => Self::Token(token.clone()),
            (None, Some(_), _) | (None, None, AppEnv::Production) => Self::Closed,
            (None, None, AppEnv::Development) => Self::Open,
        }
    }

    /// The verdict on a request carrying `bearer` (the token from its Authorization header).
    /// The token is compared in constant time.
    pub fn judge(&self, bearer: Option<&str>) -> MetricsVerdict {
        match self {
            Self::Open => MetricsVerdict::Serve,
            Self::Closed => MetricsVerdict::NotFound,
            Self::Token(token) => {
                let given = bearer.unwrap_or_default().as_bytes();
                match bool::from(given.ct_eq(token.expose().as_bytes())) {
                    true => MetricsVerdict::Serve,
                    false => MetricsVerdict::Unauthorized,
                }
            }
        }
    }
}

#[cfg(test)]
mod metrics_access_tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn access(vars: &[(&str, &str)]) -> MetricsAccess {
        let settings = Settings::from_lookup(|key| {
            vars.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        })
        .unwrap();
        MetricsAccess::for_public_port(&settings)
    }

    const PRODUCTION: [(&str, &str); 3] = [
        ("APP_ENV", "production"),
        ("DATABASE_URL", "postgres://db/perfusion"),
        ("JWT_SECRET", "a production secret of at least 32 bytes"),
    ];

    #[test]
    fn development_is_open_unless_told_otherwise() {
        assert_eq!(access(&[]).judge(None), MetricsVerdict::Serve);
        let private = access(&[("METRICS_BIND_ADDR", "10.0.0.5:9100")]);
        assert_eq!(private.judge(None), MetricsVerdict::NotFound);
    }

    #[test]
    fn production_serves_nothing_on_the_public_port_without_a_token() {
        assert_eq!(access(&PRODUCTION).judge(None), MetricsVerdict::NotFound);
        assert_eq!(
            access(&PRODUCTION).judge(Some(TOKEN)),
            MetricsVerdict::NotFound
        );
    }

    #[test]
    fn a_token_is_required_wherever_one_is_set() {
        let mut vars = PRODUCTION.to_vec();
        vars.push(("METRICS_TOKEN", TOKEN));
        for policy in [access(&vars), access(&[("METRICS_TOKEN", TOKEN)])] {
            assert_eq!(policy.judge(Some(TOKEN)), MetricsVerdict::Serve);
            assert_eq!(policy.judge(None), MetricsVerdict::Unauthorized);
            assert_eq!(policy.judge(Some("")), MetricsVerdict::Unauthorized);
            assert_eq!(
                policy.judge(Some(&TOKEN[..31])),
                MetricsVerdict::Unauthorized
            );
            assert_eq!(
                policy.judge(Some(&format!("{TOKEN}x"))),
                MetricsVerdict::Unauthorized
            );
        }
    }

    #[test]
    fn a_short_token_is_refused_at_start() {
        let err = Settings::from_lookup(|k| (k == "METRICS_TOKEN").then(|| "short".into()));
        assert!(err.unwrap_err().0.contains("METRICS_TOKEN"));
    }
}
