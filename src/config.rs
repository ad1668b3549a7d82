//! Settings read from the environment once, at start-up. Every variable and its default is
//! listed in the README; secrets live in [`Secret`], which never prints its value.

use std::{fmt, net::SocketAddr, path::PathBuf, time::Duration};

/// Where the service runs: development starts what it needs, production requires it all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// A value that must not reach logs: `Debug` and `Display` print `[redacted]`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How the service reaches PostgreSQL.
#[derive(Debug, Clone)]
pub enum DatabaseSetting {
    /// `DATABASE_URL`: an existing server; the database is created if missing.
    Url(Secret),
    /// No `DATABASE_URL` in development: a private cluster in this directory.
    Embedded { data_dir: PathBuf },
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub app_env: AppEnv,
    pub bind_addr: SocketAddr,
    pub database: DatabaseSetting,
    /// `None` in development means "make a random one at start".
    pub jwt_secret: Option<Secret>,
    pub token_ttl: Duration,
    pub public_base_url: String,
    pub smtp_url: Option<Secret>,
    pub cors_allowed_origins: Vec<String>,
    /// An article's canonical address on a site with its own front end
    /// (`https://example.org/articles/{slug}`); none: this service's `/articles/{slug}`.
    pub article_url_template: Option<String>,
    /// Origins that may frame the widgets under `/embed` (none given: any).
    pub embed_allowed_origins: Vec<String>,
    /// Largest JSON body accepted by default, in bytes.
    pub max_body_bytes: usize,
    /// Failed logins allowed per client address per window before 429.
    pub login_failures_per_window: u32,
    pub login_failure_window: Duration,
    /// Database connections in the pool.
    pub db_pool_size: usize,
    /// HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
    /// Sign-ups allowed per client address per minute.
    pub signups_per_minute: u32,
    /// Proxies whose `X-Forwarded-For` is believed; from anyone else it is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The `From` of mails.
    pub mail_from: String,
    /// Memory for the cache of rendered public responses, in MiB; 0 turns it off.
    pub response_cache_mb: u64,
    /// The longest a cached response is kept.
    pub response_cache_ttl: Duration,
    /// How long each stage of a request may take (README, "Limits and timeouts").
    pub timeouts: Timeouts,
    /// `METRICS_TOKEN`: a bearer token of its own that `/metrics` on the public port requires.
    pub metrics_token: Option<Secret>,
    /// `METRICS_BIND_ADDR`: a second address (a private interface) serving only `/metrics`.
    pub metrics_bind_addr: Option<SocketAddr>,
    /// `WEBHOOK_ALLOW_PRIVATE_TARGETS=true`: webhooks may reach loopback and private addresses
    /// (tests, and a receiver on the same private network). Off by default.
    pub webhook_allow_private_targets: bool,
    /// `SEARCH_INDEX`: `memory` (the default) keeps a search index of the public articles in
    /// this process (built at start; searches are answered by PostgreSQL until it is ready);
    /// `off` answers every search from PostgreSQL's full-text index.
    pub search_index: bool,
}

/// The limits that keep a slow client or a stalled database from holding the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// The request head (line and headers) must arrive within this: 408 and closed otherwise.
    pub header: Duration,
    /// The body must arrive within this after the head: 408 otherwise.
    pub body: Duration,
    /// Once the body is in, the answer must be ready within this: 503 with Retry-After
    /// otherwise (a stalled database, an exhausted pool).
    pub request: Duration,
    /// PostgreSQL cancels any one statement running longer than this.
    pub statement: Duration,
    /// An idle keep-alive connection is closed after this.
    pub keep_alive: Duration,
    /// On SIGTERM, in-flight requests get this long to finish (below Docker's 10 s).
    pub shutdown: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header: Duration::from_secs(5),
            body: Duration::from_secs(10),
            request: Duration::from_millis(2500),
            statement: Duration::from_millis(2000),
            keep_alive: Duration::from_secs(5),
            shutdown: Duration::from_secs(8),
        }
    }
}

impl Timeouts {
    fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let ms = |key: &str, default: Duration, range| {
            parse_number(lookup, key, default.as_millis() as u64, range).map(Duration::from_millis)
        };
        let secs = |key: &str, default: Duration, range| {
            parse_number(lookup, key, default.as_secs(), range).map(Duration::from_secs)
        };
        let timeouts = Self {
            header: secs("HEADER_TIMEOUT_SECONDS", d.header, 1..=300)?,
            body: secs("BODY_TIMEOUT_SECONDS", d.body, 1..=3600)?,
            request: ms("REQUEST_TIMEOUT_MS", d.request, 100..=600_000)?,
            statement: ms("DB_STATEMENT_TIMEOUT_MS", d.statement, 100..=600_000)?,
            keep_alive: secs("KEEP_ALIVE_SECONDS", d.keep_alive, 1..=3600)?,
            shutdown: secs("SHUTDOWN_TIMEOUT_SECONDS", d.shutdown, 1..=3600)?,
        };
        Ok(timeouts)
    }
}

/// A configuration problem, reported as one line before exiting.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let app_env = match lookup("APP_ENV").as_deref().map(str::trim) {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some(other) => {
                return Err(ConfigError(format!(
                    "APP_ENV must be `development` or `production`, not `{other}`"
                )))
            }
        };

        let bind_addr = parse_addr(&lookup, "BIND_ADDR")?
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let metrics_bind_addr = parse_addr(&lookup, "METRICS_BIND_ADDR")?;
        let metrics_token = lookup("METRICS_TOKEN").map(Secret::new);
        if metrics_token
            .as_ref()
            .is_some_and(|t| t.expose().len() < 32)
        {
            return Err(ConfigError(
                "METRICS_TOKEN must be at least 32 characters (e.g. `openssl rand -hex 32`)".into(),
            ));
        }

        let database = match (lookup("DATABASE_URL"), app_env) {
            (Some(url), _) => {
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    return Err(ConfigError(
                        "DATABASE_URL must start with postgres:// or postgresql://".into(),
                    ));
                }
                DatabaseSetting::Url(Secret::new(url))
            }
            (None, AppEnv::Production) => {
                return Err(ConfigError(
                    "DATABASE_URL is required when APP_ENV=production".into(),
                ))
            }
            (None, AppEnv::Development) => DatabaseSetting::Embedded {
                data_dir: lookup("PERFUSION_DATA_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from(".data/postgres")),
            },
        };

        let jwt_secret = lookup("JWT_SECRET").map(Secret::new);
        match (&jwt_secret, app_env) {
            (Some(s), _) if s.expose().len() < 32 => {
                return Err(ConfigError(
                    "JWT_SECRET must be at least 32 bytes long".into(),
                ))
            }
            (None, AppEnv::Production) => {
                return Err(ConfigError(
                    "JWT_SECRET is required when APP_ENV=production (at least 32 bytes)".into(),
                ))
            }
            _ => {}
        }

        let token_ttl =
            Duration::from_secs(parse_number(&lookup, "JWT_TTL_SECONDS", 900, 60..=86_400)?);
        let public_base_url = lookup("PUBLIC_BASE_URL")
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{bind_addr}"));
        if url::Url::parse(&public_base_url).is_err() {
            return Err(ConfigError(format!(
                "PUBLIC_BASE_URL must be an absolute URL, not `{public_base_url}`"
            )));
        }

        let cors_allowed_origins = lookup("CORS_ALLOWED_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();

        let article_url_template = lookup("ARTICLE_URL_TEMPLATE").filter(|t| !t.trim().is_empty());
        if let Some(t) = &article_url_template {
            let url = url::Url::parse(&t.replace("{slug}", "slug"));
            let valid = t.matches("{slug}").count() == 1
                && url.is_ok_and(|u| {
                    matches!(u.scheme(), "http" | "https") && u.host_str().is_some()
                });
            if !valid {
                return Err(ConfigError(format!(
                    "ARTICLE_URL_TEMPLATE must be an http(s) URL with {{slug}} once, such as https://example.org/articles/{{slug}}, not `{t}`"
                )));
            }
        }
        let embed_allowed_origins: Vec<String> = lookup("EMBED_ALLOWED_ORIGINS")
            .map(|v| {
                v.split([',', ' '])
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for origin in &embed_allowed_origins {
            let valid = origin == "*"
                || url::Url::parse(origin).is_ok_and(|u| {
                    matches!(u.scheme(), "http" | "https")
                        && u.host_str().is_some()
                        && u.path() == "/"
                        && u.query().is_none()
                });
            if !valid || origin.contains([';', '\'', '"']) {
                return Err(ConfigError(format!(
                    "EMBED_ALLOWED_ORIGINS must list origins such as https://hospital.example (or *), not `{origin}`"
                )));
            }
        }

        let trusted_proxies = match lookup("TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(v) => v
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| {
                    p.parse().map_err(|_| {
                        ConfigError(format!("TRUSTED_PROXIES must list IP addresses, not `{p}`"))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let mail_from = lookup("MAIL_FROM")
            .unwrap_or_else(|| "Perfusion Partners <no-reply@perfusion-partners.invalid>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError(format!(
                "MAIL_FROM must be a mailbox such as `Name <address@example.org>`, not `{mail_from}`"
            )));
        }
        if let Some(url) = lookup("SMTP_URL") {
            if let Err(e) = crate::mail::smtp_transport(&url) {
                return Err(ConfigError(format!("SMTP_URL {e}")));
            }
        }

        Ok(Self {
            app_env,
            bind_addr,
            database,
            jwt_secret,
            token_ttl,
            public_base_url,
            smtp_url: lookup("SMTP_URL").map(Secret::new),
            cors_allowed_origins,
            embed_allowed_origins,
            article_url_template,
            max_body_bytes: parse_number(&lookup, "MAX_BODY_BYTES", 64 * 1024, 1024..=16 << 20)?
                as usize,
            login_failures_per_window: parse_number(
                &lookup,
                "LOGIN_FAILURES_PER_WINDOW",
                10,
                1..=10_000,
            )? as u32,
            login_failure_window: Duration::from_secs(parse_number(
                &lookup,
                "LOGIN_FAILURE_WINDOW_SECONDS",
                900,
                1..=86_400,
            )?),
            db_pool_size: parse_number(&lookup, "DATABASE_POOL_SIZE", 16, 1..=512)? as usize,
            workers: lookup("WORKERS")
                .map(|_| parse_number(&lookup, "WORKERS", 2, 1..=256).map(|n| n as usize))
                .transpose()?,
            signups_per_minute: parse_number(&lookup, "SIGNUPS_PER_MINUTE", 5, 1..=1_000_000)?
                as u32,
            trusted_proxies,
            mail_from,
            response_cache_mb: parse_number(&lookup, "RESPONSE_CACHE_MB", 64, 0..=16_384)?,
            response_cache_ttl: Duration::from_secs(parse_number(
                &lookup,
                "RESPONSE_CACHE_TTL_SECONDS",
                300,
                1..=86_400,
            )?),
            timeouts: Timeouts::from_lookup(&lookup)?,
            metrics_token,
            metrics_bind_addr,
            webhook_allow_private_targets: match lookup("WEBHOOK_ALLOW_PRIVATE_TARGETS")
                .as_deref()
                .map(str::trim)
            {
                None | Some("false") => false,
                Some("true") => true,
                Some(other) => {
                    return Err(ConfigError(format!(
                        "WEBHOOK_ALLOW_PRIVATE_TARGETS must be `true` or `false`, not `{other}`"
                    )))
                }
            },
            search_index: match lookup("SEARCH_INDEX").as_deref().map(str::trim) {
                None | Some("memory") => true,
                Some("off") => false,
                Some(other) => {
                    return Err(ConfigError(format!(
                        "SEARCH_INDEX must be `memory` or `off`, not `{other}`"
                    )))
                }
            },
        })
    }
}

fn parse_addr(
    lookup: &impl Fn(&str) -> Option<String>,
    key: &str,
) -> Result<Option<SocketAddr>, ConfigError> {
    lookup(key)
        .map(|v| {
            v.trim().parse().map_err(|_| {
                ConfigError(format!(
                    "{key} must be an address and port such as 127.0.0.1:8080, not `{v}`"
                ))
            })
        })
        .transpose()
}

fn parse_number(
    lookup: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    match lookup(key) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(ConfigError(format!(
                "{key} must be a whole number from {} to {}, not `{v}`",
                range.start(),
                range.end()
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn an_article_url_template_is_a_url_with_the_slug_once() {
        let s = settings(&[(
            "ARTICLE_URL_TEMPLATE",
            "https://site.example/articles/{slug}",
        )])
        .unwrap();
        assert_eq!(
            s.article_url_template.as_deref(),
            Some("https://site.example/articles/{slug}")
        );
        assert!(settings(&[]).unwrap().article_url_template.is_none());
        for bad in [
            "https://site.example/articles",
            "site.example/{slug}",
            "https://x/{slug}/{slug}",
            "ftp://x/{slug}",
        ] {
            assert!(settings(&[("ARTICLE_URL_TEMPLATE", bad)]).is_err(), "{bad}");
        }
    }

    #[test]
    fn embed_origins_are_origins_or_a_star() {
        let s = settings(&[(
            "EMBED_ALLOWED_ORIGINS",
            "https://a.example, https://b.example/",
        )])
        .unwrap();
        assert_eq!(
            s.embed_allowed_origins,
            vec!["https://a.example", "https://b.example"]
        );
        assert!(settings(&[]).unwrap().embed_allowed_origins.is_empty());
        assert_eq!(
            settings(&[("EMBED_ALLOWED_ORIGINS", "*")])
                .unwrap()
                .embed_allowed_origins,
            vec!["*"]
        );
        for bad in [
            "a.example",
            "https://a.example/path",
            "https://a.example;script-src *",
            "javascript:x",
        ] {
            assert!(
                settings(&[("EMBED_ALLOWED_ORIGINS", bad)]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn defaults_are_development_with_an_embedded_database() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.app_env, AppEnv::Development);
        assert_eq!(s.bind_addr.to_string(), "127.0.0.1:8080");
        assert!(
            matches!(s.database, DatabaseSetting::Embedded { ref data_dir } if data_dir.ends_with(".data/postgres"))
        );
        assert_eq!(s.token_ttl, Duration::from_secs(900));
        assert_eq!(s.max_body_bytes, 65536);
    }

    #[test]
    fn production_requires_a_database_url_and_a_long_secret() {
        let err = settings(&[("APP_ENV", "production")]).unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL"));
        let err = settings(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://h/db"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("JWT_SECRET"));
        let err = settings(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://h/db"),
            ("JWT_SECRET", "short"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("32 bytes"));
        let ok = settings(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://h/db"),
            ("JWT_SECRET", &"x".repeat(32)),
        ]);
        assert!(ok.is_ok());
    }

    #[test]
    fn secrets_never_print() {
        let s = settings(&[("DATABASE_URL", "postgres://u:hunter2@h/db")]).unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert!(settings(&[("BIND_ADDR", "nope")])
            .unwrap_err()
            .to_string()
            .contains("BIND_ADDR"));
        assert!(settings(&[("APP_ENV", "staging")])
            .unwrap_err()
            .to_string()
            .contains("APP_ENV"));
        assert!(settings(&[("JWT_TTL_SECONDS", "0")])
            .unwrap_err()
            .to_string()
            .contains("JWT_TTL_SECONDS"));
    }
}
