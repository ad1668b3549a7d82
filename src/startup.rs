//! [`Application::build`]: the HTTP server with its state and middleware, used by `main` and by
//! the tests alike (port 0 picks a free port).

use std::{
    net::{SocketAddr, TcpListener},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use actix_cors::Cors;
use actix_web::{
    dev::{RequestHead, Server},
    http::{header, Method},
    middleware::{from_fn, Compress},
    web, App, HttpServer,
};
use rand::RngCore;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    api::{self, extract::BodyLimit},
    auth::TokenKeys,
    config::{AppEnv, Settings},
    db,
    http::{
        deadline::{self, Deadlines},
        methods::{self, RouteTable},
        pagination::CursorKey,
        security::{self, SecurityHeaders},
        semantics as http_semantics,
    },
    mail::Mailer,
    outbox,
    rate_limit::Limit,
    response_cache::{self, ResponseCache},
    search_index::SearchIndex,
    state::{AppState, WebhookTargets},
    telemetry::{self, Metrics, MetricsAccess},
    webhooks,
};

pub struct Application {
    port: u16,
    server: Server,
    /// The private `/metrics` listener on `METRICS_BIND_ADDR`, and its port.
    metrics_server: Option<(Server, u16)>,
    schema_ready: Arc<AtomicBool>,
    search_index: Arc<SearchIndex>,
}

impl Application {
    /// Binds `settings.bind_addr` and prepares the server; nothing is served until
    /// [`run_until_stopped`](Self::run_until_stopped). The pool connects lazily, and the
    /// database is created and migrated in the background (retried until PostgreSQL answers),
    /// so the service starts, and answers 503, while the database is down.
    pub fn build(settings: &Settings, database_url: &str) -> anyhow::Result<Self> {
        let secret = match &settings.jwt_secret {
            Some(s) => s.expose().as_bytes().to_vec(),
            None => {
                tracing::warn!(
                    "JWT_SECRET is unset: using a random secret; tokens will not survive a restart"
                );
                let mut bytes = vec![0u8; 32];
                rand::thread_rng().fill_bytes(&mut bytes);
                bytes
            }
        };
        let schema_ready = Arc::new(AtomicBool::new(false));
        tokio::spawn(prepare_database(
            database_url.to_owned(),
            schema_ready.clone(),
        ));
        let deadlines = web::Data::new(Deadlines {
            body: settings.timeouts.body,
            request: settings.timeouts.request,
            schema_ready: schema_ready.clone(),
        });
        let metrics = Arc::new(Metrics::new());
        let wakeup = Arc::new(tokio::sync::Notify::new());
        let webhook_wakeup = Arc::new(tokio::sync::Notify::new());
        let spec = crate::openapi::spec();
        let response_cache = Arc::new(ResponseCache::new(
            settings.response_cache_mb,
            settings.response_cache_ttl,
        ));
        if response_cache.is_enabled() {
            tokio::spawn(response_cache::listen(
                response_cache.clone(),
                database_url.to_owned(),
            ));
        }
        let tokens = Arc::new(TokenKeys::new(&secret, settings.token_ttl));
        let pool = db::pool(
            database_url,
            settings.db_pool_size,
            settings.timeouts.statement,
            settings.timeouts.request,
        );
        let search_index = Arc::new(SearchIndex::default());
        if settings.search_index {
            let index = search_index.clone().run(pool.clone());
            tokio::spawn(once_migrated(schema_ready.clone(), index));
        }
        let cache_gate = web::Data::new(response_cache::Gate {
            cache: response_cache.clone(),
            pool: pool.clone(),
            tokens: tokens.clone(),
        });
        let state = web::Data::new(AppState {
            pool,
            tokens: tokens.clone(),
            login_failures: Limit::new(
                "login_failures",
                settings.login_failures_per_window,
                settings.login_failure_window,
            ),
            public_base_url: settings.public_base_url.clone(),
            links: crate::http::links::SiteLinks::new(
                &settings.public_base_url,
                settings.article_url_template.as_deref(),
            ),
            metrics: metrics.clone(),
            openapi_json: crate::openapi::render(&spec),
            cursor_key: CursorKey::derive(&secret),
            signups: Limit::new(
                "signups",
                settings.signups_per_minute,
                Duration::from_secs(60),
            ),
            trusted_proxies: settings.trusted_proxies.clone(),
            outbox_wakeup: wakeup.clone(),
            response_cache,
            metrics_access: MetricsAccess::for_public_port(settings),
            webhook_targets: WebhookTargets {
                https_only: settings.app_env == AppEnv::Production,
                allow_private: settings.webhook_allow_private_targets,
            },
            webhook_wakeup: webhook_wakeup.clone(),
            search_index: search_index.clone(),
        });
        let mailer = Mailer::new(
            settings.smtp_url.as_ref().map(|s| s.expose()),
            &settings.mail_from,
        )
        .map_err(|e| anyhow::anyhow!("SMTP_URL {e}"))?;
        let outbox = outbox::Worker {
            pool: state.pool.clone(),
            mailer,
            public_base_url: settings.public_base_url.clone(),
            wakeup,
        };
        tokio::spawn(once_migrated(schema_ready.clone(), outbox.run()));
        tokio::spawn(once_migrated(
            schema_ready.clone(),
            webhooks::Worker {
                // Its own connections, whose commits do not wait for the disk (`background_pool`).
                pool: db::background_pool(
                    database_url,
                    webhooks::CONNECTIONS,
                    settings.timeouts.statement,
                    settings.timeouts.request,
                ),
                sender: Arc::new(webhooks::Sender::new(
                    settings.webhook_allow_private_targets,
                )?),
                metrics: metrics.clone(),
                wakeup: webhook_wakeup,
            }
            .run(),
        ));
        let routes = web::Data::new(RouteTable::from_spec(&spec).with_static_tree("/docs"));
        let metrics = web::Data::from(metrics);
        let body_limit = BodyLimit(settings.max_body_bytes);
        let allowed_origins = Arc::new(settings.cors_allowed_origins.clone());
        let security_headers = web::Data::new(SecurityHeaders::new(
            &settings.embed_allowed_origins,
            &settings.public_base_url,
        ));

        let metrics_server = match settings.metrics_bind_addr {
            Some(addr) => Some(metrics_server(
                addr,
                state.clone(),
                security_headers.clone(),
            )?),
            None => None,
        };
        let listener = TcpListener::bind(settings.bind_addr)?;
        let port = listener.local_addr()?.port();
        let mut server = HttpServer::new(move || {
            let origins = allowed_origins.clone();
            // The document was built once above; each worker only registers the routes.
            let app = App::new()
                .app_data(state.clone())
                .app_data(cache_gate.clone())
                .app_data(routes.clone())
                .app_data(metrics.clone())
                .app_data(body_limit)
                .app_data(security_headers.clone())
                .app_data(deadlines.clone())
                .app_data(
                    web::PathConfig::default().error_handler(|_, req| api::path_error(req).into()),
                )
                .configure(api::configure_workers)
                .service(
                    // No validator: its badge would be fetched from swagger.io (the docs' CSP
                    // allows this service's own files only).
                    SwaggerUi::new("/docs/{_:.*}").config(
                        utoipa_swagger_ui::Config::from("/openapi.json").validator_url("none"),
                    ),
                )
                .default_service(web::to(api::fallback));
            app.service(web::redirect("/docs", "/docs/").permanent())
                .wrap(from_fn(methods::refuse_other_methods))
                .wrap(from_fn(response_cache::serve))
                .wrap(cors(origins))
                .wrap(from_fn(http_semantics::cors_problem))
                .wrap(Compress::default())
                .wrap(from_fn(http_semantics::etag_per_coding))
                .wrap(from_fn(http_semantics::head_as_get))
                .wrap(from_fn(deadline::enforce))
                .wrap(from_fn(telemetry::observe))
                .wrap(from_fn(security::security_headers))
        })
        .client_request_timeout(settings.timeouts.header)
        .client_disconnect_timeout(Duration::from_secs(1))
        .keep_alive(settings.timeouts.keep_alive)
        .shutdown_timeout(settings.timeouts.shutdown.as_secs())
        .listen(listener)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            server: server.run(),
            metrics_server,
            schema_ready,
            search_index,
        })
    }

    /// Whether the database is migrated and the service is ready to serve.
    pub fn is_ready(&self) -> bool {
        self.schema_ready.load(Ordering::Acquire)
    }

    /// Whether the search index is built (never, with `SEARCH_INDEX=off`).
    pub fn search_index_is_ready(&self) -> bool {
        self.search_index.is_ready()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the private `/metrics` listener, when `METRICS_BIND_ADDR` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(_, port)| *port)
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests (up to
    /// `SHUTDOWN_TIMEOUT_SECONDS`). The metrics listener stops with the main one.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics_server.map(|(server, _)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let served = self.server.await;
        if let Some(handle) = metrics {
            handle.stop(true).await;
        }
        served
    }

    /// A handle to stop the server from elsewhere (tests).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

/// The listener on `METRICS_BIND_ADDR`: `/metrics` and nothing else, without a token (the
/// address, a private interface, is the protection). One worker is plenty for a scraper.
fn metrics_server(
    addr: SocketAddr,
    state: web::Data<AppState>,
    security_headers: web::Data<SecurityHeaders>,
) -> std::io::Result<(Server, u16)> {
    let listener = TcpListener::bind(addr)?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(security_headers.clone())
            .route("/metrics", web::get().to(api::health::private_metrics))
            .wrap(from_fn(security::security_headers))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    Ok((server, port))
}

/// Creates and migrates the database, retrying (1 s, doubling to 10 s) while PostgreSQL cannot
/// be reached; then marks the service ready.
async fn prepare_database(database_url: String, ready: Arc<AtomicBool>) {
    let mut wait = Duration::from_secs(1);
    loop {
        match db::prepare(&database_url).await {
            Ok(()) => {
                ready.store(true, Ordering::Release);
                tracing::info!("the database is ready");
                db::warn_unless_messages_in_english(&database_url).await;
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_secs = wait.as_secs(), "the database is not ready");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(10));
            }
        }
    }
}

/// Runs `work` (a background task that reads the schema) once the database is migrated: on a
/// new database it would otherwise fail, warn and retry until then.
async fn once_migrated(ready: Arc<AtomicBool>, work: impl std::future::Future<Output = ()>) {
    while !ready.load(Ordering::Acquire) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    work.await
}

/// The public subscription endpoints (sign-up, confirm, unsubscribe, preferences): any origin
/// may post to them, so that a partner's own form works.
const PUBLIC_WRITE_PREFIX: &str = "/api/v1/subscriptions";

/// Any origin may read and use the subscription endpoints; only `CORS_ALLOWED_ORIGINS` may
/// make other writes.
fn cors(allowed: Arc<Vec<String>>) -> Cors {
    Cors::default()
        .allowed_origin_fn(move |origin, head: &RequestHead| {
            let method = if head.method == Method::OPTIONS {
                head.headers
                    .get(header::ACCESS_CONTROL_REQUEST_METHOD)
                    .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
                    .unwrap_or(Method::OPTIONS)
            } else {
                head.method.clone()
            };
            // Reads, and a partner's own sign-up form (no credentials are ever allowed).
            if method == Method::GET
                || method == Method::HEAD
                || head.uri.path().starts_with(PUBLIC_WRITE_PREFIX)
            {
                return true;
            }
            origin
                .to_str()
                .is_ok_and(|o| allowed.iter().any(|a| a == o))
        })
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
        ])
        .block_on_origin_mismatch(false)
        .max_age(Some(Duration::from_secs(3600).as_secs() as usize))
}
