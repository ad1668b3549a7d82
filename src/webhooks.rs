//! The webhook worker (Standard Webhooks): each turn it announces scheduled articles whose time
//! has come, fans committed events out to the endpoints that subscribe, and sends due
//! deliveries, signed, each as its own task (at most [`IN_FLIGHT`] at once), recording every
//! attempt. It runs in every instance; the database keeps them from doing anything twice
//! (`models::webhook`). The loop and its transactions are the mail outbox's (`worker`).

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use crate::{
    api::articles::representation::Article,
    db::DbPool,
    domain::webhook::{is_public_address, signature_header, verdict, EventType, Verdict},
    models::{
        article,
        webhook::{self, Attempt, Job},
    },
    telemetry::Metrics,
    worker,
};

/// Deliveries sent at once by one instance.
const IN_FLIGHT: usize = 16;
/// How long an instance holds a claimed delivery before another may take it over: well past
/// the 15 s an attempt may take.
const HOLD: Duration = Duration::from_secs(60);
/// An attempt's whole exchange, connection to response body.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// The most of a response body read (and kept, in the log of a failed attempt: its start).
const MAX_RESPONSE_BYTES: usize = 4096;
/// Events fanned out, and articles announced, per turn.
const BATCH: i64 = 500;

pub struct Worker {
    pub pool: DbPool,
    pub sender: Arc<Sender>,
    pub metrics: Arc<Metrics>,
    /// Notified when an attempt is recorded (the next delivery of its endpoint may go).
    pub wakeup: Arc<Notify>,
}

impl Worker {
    /// Runs until the runtime stops.
    pub async fn run(self) {
        let wakeup = self.wakeup.clone();
        let turns = Turns {
            worker: self,
            slots: Arc::new(Semaphore::new(IN_FLIGHT)),
        };
        worker::run(wakeup, Duration::from_millis(500), turns).await;
    }

    /// One turn; true when it found work.
    async fn step(&self, slots: &Arc<Semaphore>) -> bool {
        let announced = self.announce().await;
        let fanned = worker::write(
            &self.pool,
            "webhooks: could not fan out events",
            async |tx| webhook::fan_out(tx, BATCH).await,
        )
        .await
        .unwrap_or(0);
        let free = slots.available_permits();
        let now = Utc::now();
        let hold_until = now + chrono::Duration::from_std(HOLD).unwrap_or_default();
        let jobs = match free {
            0 => Vec::new(),
            n => worker::write(
                &self.pool,
                "webhooks: could not claim deliveries",
                async |tx| webhook::claim(tx, n as i64, now, hold_until).await,
            )
            .await
            .unwrap_or_default(),
        };
        let claimed = jobs.len();
        for job in jobs {
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                break; // cannot happen: no more were claimed than slots were free
            };
            tokio::spawn(self.deliver(job, slot));
        }
        announced + fanned + claimed > 0
    }

    /// Scheduled articles whose time came with no write: one `article.published` each.
    async fn announce(&self) -> usize {
        let what = "webhooks: could not announce scheduled articles";
        worker::write(&self.pool, what, async |tx| {
            let ids = webhook::announce_due(tx, BATCH).await?;
            let now = Utc::now();
            for id in &ids {
                let (row, decoration) = article::find_by_id(tx, *id).await?;
                let data =
                    serde_json::to_value(Article::new(row, decoration, now)).unwrap_or_default();
                webhook::emit(tx, EventType::ArticlePublished, &data).await?;
            }
            Ok(ids.len())
        })
        .await
        .unwrap_or(0)
    }

    /// Sends one delivery and records the attempt (a task of its own).
    fn deliver(
        &self,
        job: Job,
        slot: OwnedSemaphorePermit,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let (pool, sender, metrics, wakeup) = (
            self.pool.clone(),
            self.sender.clone(),
            self.metrics.clone(),
            self.wakeup.clone(),
        );
        async move {
            let (attempt, status) = sender.send(&job).await;
            let verdict = verdict(status, job.attempts + 1, job.failing_since, attempt.at);
            let outcome = match &verdict {
                Verdict::Succeeded => "succeeded",
                Verdict::RetryAt(_) => "retrying",
                Verdict::GiveUp => "failed",
                Verdict::Disable(_) => "disabled",
            };
            if verdict != Verdict::Succeeded {
                tracing::info!(
                    delivery = job.delivery_id,
                    endpoint = job.endpoint_id,
                    event = %job.event_type,
                    status = ?status,
                    error = attempt.error.as_deref().unwrap_or(""),
                    outcome,
                    "webhook delivery failed"
                );
            }
            let what = "webhooks: could not record an attempt";
            let recorded = worker::write(&pool, what, async |tx| {
                webhook::record(tx, &job, &attempt, &verdict).await
            })
            .await;
            if recorded.is_some() {
                metrics.webhook_attempt(outcome);
            }
            drop(slot);
            wakeup.notify_one();
        }
    }
}

/// The worker and its free delivery slots.
struct Turns {
    worker: Worker,
    slots: Arc<Semaphore>,
}

impl worker::Step for Turns {
    async fn step(&mut self) -> bool {
        self.worker.step(&self.slots).await
    }
}

/// The HTTP client of deliveries: no redirects followed, no proxy, [`TIMEOUT`] per attempt,
/// and a resolver that hands the connector only addresses a delivery may reach, so the
/// address checked is the address connected to (a name that changes its answer after the
/// endpoint was saved is checked again).
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    pub fn new(allow_private: bool) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .user_agent(concat!(
                "PerfusionPartners-Webhooks/",
                env!("CARGO_PKG_VERSION")
            ))
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .build()?;
        Ok(Self {
            client,
            allow_private,
        })
    }

    /// One attempt: what it saw, and the status it got (`None`: no answer).
    pub async fn send(&self, job: &Job) -> (Attempt, Option<u16>) {
        let at = Utc::now();
        let started = Instant::now();
        let result = self.exchange(job, at.timestamp()).await;
        let latency_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let (status_code, error) = match result {
            Ok((status, _)) if (200..300).contains(&status) => (Some(status), None),
            Ok((status, body)) => {
                let start: String = body.chars().take(200).collect();
                let error = match start.trim() {
                    "" => format!("answered {status}"),
                    text => format!("answered {status}: {text}"),
                };
                (Some(status), Some(error))
            }
            Err(e) => (None, Some(e)),
        };
        let attempt = Attempt {
            at,
            status_code: status_code.map(i32::from),
            latency_ms,
            error,
        };
        (attempt, status_code)
    }

    /// POSTs the event; the status and the start of the body, or why there was no answer.
    async fn exchange(&self, job: &Job, timestamp: i64) -> Result<(u16, String), String> {
        let url = reqwest::Url::parse(&job.url).map_err(|e| format!("bad URL: {e}"))?;
        if let Some(ip) = literal_ip(&url) {
            if !self.allow_private && !is_public_address(ip) {
                return Err(format!("refused: {ip} is an internal address"));
            }
        }
        let mut keys: Vec<&[u8]> = vec![&job.secret];
        if let Some(previous) = &job.previous_secret {
            keys.push(previous);
        }
        let signature = signature_header(&keys, &job.message_id, timestamp, &job.body);
        let mut response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &job.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(job.body.clone())
            .send()
            .await
            .map_err(describe)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while body.len() < MAX_RESPONSE_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) if (200..300).contains(&status) => {
                    tracing::debug!(error = %e, "webhook response body cut short");
                    break;
                }
                Err(e) => return Err(describe(e)),
            }
        }
        body.truncate(MAX_RESPONSE_BYTES);
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

/// The host of `url` when it is an address written out.
fn literal_ip(url: &reqwest::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

/// An error and its causes in one line, for the delivery log.
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("timed out after {} s", TIMEOUT.as_secs());
    }
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

/// Resolves a name and keeps only the addresses a delivery may reach.
struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || is_public_address(a.ip()))
                .collect();
            if allowed.is_empty() {
                let refused = format!("refused: {host} resolves to internal addresses only");
                return Err(refused.into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}
