//! The webhook worker (Standard Webhooks): each turn it announces scheduled articles whose time
//! has come, fans committed events out to the endpoints that subscribe, and sends due
//! deliveries, signed (at most [`IN_FLIGHT`] at once; an endpoint's first attempts one after
//! another, in order), recording every attempt. It runs in every instance; the database keeps
//! them from doing anything twice (`models::webhook`). The loop and its transactions are the mail outbox's (`worker`); its
//! connections are its own, and their commits do not wait for the disk (`db::background_pool`):
//! a crash can only make it send a delivery again, under the same webhook-id.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;
use tokio::sync::{mpsc, Notify, OwnedSemaphorePermit, Semaphore};

use crate::{
    api::articles::representation::Article,
    db::{DbPool, Tx},
    domain::webhook::{is_public_address, signature_header, verdict, EventType, Verdict},
    models::{
        article,
        webhook::{self, Attempt, Finished, Job},
    },
    telemetry::Metrics,
    worker,
};

/// The most first attempts of one endpoint claimed at once, sent one after another.
const RUN: i64 = 16;
/// The worker's own database connections (its turns run one after another; the second is for
/// a replacement while the first reconnects).
pub const CONNECTIONS: usize = 2;
/// Deliveries sent at once by one instance.
const IN_FLIGHT: usize = 64;
/// How long an instance holds the first delivery of a claimed run before another may take it
/// over: well past the 15 s an attempt may take. Each next one of the run is held [`TIMEOUT`]
/// longer, as it cannot start sooner.
const HOLD: Duration = Duration::from_secs(60);
/// An attempt's whole exchange, connection to response body.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// The most of a response body read (and kept, in the log of a failed attempt: its start).
const MAX_RESPONSE_BYTES: usize = 4096;
/// Events fanned out, and articles announced, per turn.
const BATCH: i64 = 500;
/// A turn with nothing found waits this long, unless woken first; scheduled articles whose
/// time has come are looked for at most this often.
const IDLE: Duration = Duration::from_millis(500);
/// A woken turn waits this long first, so the attempts that finish close together are recorded
/// together (one transaction for many deliveries, not one each).
const SETTLE: Duration = Duration::from_millis(20);

pub struct Worker {
    pub pool: DbPool,
    pub sender: Arc<Sender>,
    pub metrics: Arc<Metrics>,
    /// Notified when an attempt finishes, or a delivery is put in line.
    pub wakeup: Arc<Notify>,
}

impl Worker {
    /// Runs until the runtime stops.
    pub async fn run(self) {
        let wakeup = self.wakeup.clone();
        let (done, finished) = mpsc::unbounded_channel();
        let turns = Turns {
            worker: self,
            slots: Arc::new(Semaphore::new(IN_FLIGHT)),
            done,
            finished,
            unrecorded: Vec::new(),
            unreleased: Vec::new(),
            announced_at: None,
        };
        worker::run(wakeup, IDLE, SETTLE, turns).await;
    }

    /// Sends a run of deliveries one after another, each when the one before has been
    /// answered, and hands each attempt back to be recorded as it finishes (a task of its
    /// own). The run stops at the first attempt that fails (the endpoint may be gone or
    /// turned off), or when the next one's claim would run out before its answer could come;
    /// the deliveries not sent are handed back too, to be claimed again in order.
    fn deliver(
        &self,
        run: Vec<(Job, OwnedSemaphorePermit)>,
        done: mpsc::UnboundedSender<Done>,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let (sender, wakeup) = (self.sender.clone(), self.wakeup.clone());
        let margin = chrono::Duration::from_std(TIMEOUT * 2).unwrap_or_default();
        async move {
            let mut go_on = true;
            for (job, slot) in run {
                if !go_on || Utc::now() + margin > job.claimed_until {
                    go_on = false;
                    drop(slot);
                    let _ = done.send(Done::Released(job));
                    continue;
                }
                let (attempt, status) = sender.send(&job).await;
                let verdict = verdict(status, job.attempts + 1, job.failing_since, attempt.at);
                if verdict != Verdict::Succeeded {
                    go_on = false;
                    tracing::info!(
                        delivery = job.delivery_id,
                        endpoint = job.endpoint_id,
                        event = %job.event_type,
                        status = ?status,
                        error = attempt.error.as_deref().unwrap_or(""),
                        outcome = outcome(&verdict),
                        "webhook delivery failed"
                    );
                }
                drop(slot);
                // The worker lives as long as the runtime: a send fails only as that stops.
                let _ = done.send(Done::Attempted(Finished {
                    job,
                    attempt,
                    verdict,
                }));
                wakeup.notify_one();
            }
            wakeup.notify_one();
        }
    }
}

/// What a delivery task hands back.
enum Done {
    Attempted(Finished),
    /// Claimed, not sent: back in line.
    Released(Job),
}

/// Claimed deliveries as the worker sends them: an endpoint's first attempts in one run, in
/// order (each waits for the answer to the one before); each retry on its own.
fn runs(mut jobs: Vec<Job>) -> Vec<Vec<Job>> {
    jobs.sort_by_key(|j| (j.attempts > 0, j.endpoint_id, j.delivery_id));
    let mut runs: Vec<Vec<Job>> = Vec::new();
    for job in jobs {
        match runs.last_mut() {
            Some(run)
                if job.attempts == 0
                    && run[0].attempts == 0
                    && run[0].endpoint_id == job.endpoint_id =>
            {
                run.push(job)
            }
            _ => runs.push(vec![job]),
        }
    }
    runs
}

/// The verdict's name in the log and the metrics.
fn outcome(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Succeeded => "succeeded",
        Verdict::RetryAt(_) => "retrying",
        Verdict::GiveUp => "failed",
        Verdict::Disable(_) => "disabled",
    }
}

/// The worker between turns: its free delivery slots, and the attempts finished (and the
/// deliveries handed back) but not yet recorded, kept until a turn's transaction commits them.
struct Turns {
    worker: Worker,
    slots: Arc<Semaphore>,
    done: mpsc::UnboundedSender<Done>,
    finished: mpsc::UnboundedReceiver<Done>,
    unrecorded: Vec<Finished>,
    unreleased: Vec<Job>,
    announced_at: Option<Instant>,
}

/// What one turn's transaction did.
struct Turn {
    fanned: usize,
    jobs: Vec<Job>,
}

impl worker::Step for Turns {
    /// One turn: announces scheduled articles whose time came (at most every [`IDLE`], in a
    /// durable transaction of its own); then, in one transaction and one instance at a time,
    /// fans committed events out, records the attempts that finished, and claims as many due
    /// deliveries as there are free slots; then sends those. True when a batch was full (more
    /// is waiting); finished attempts wake the worker themselves.
    async fn step(&mut self) -> bool {
        while let Ok(done) = self.finished.try_recv() {
            match done {
                Done::Attempted(f) => {
                    self.worker.metrics.webhook_attempt(outcome(&f.verdict));
                    self.unrecorded.push(f);
                }
                Done::Released(job) => self.unreleased.push(job),
            }
        }
        let finished = std::mem::take(&mut self.unrecorded);
        let released = std::mem::take(&mut self.unreleased);
        let look_for_due = self.announced_at.is_none_or(|t| t.elapsed() >= IDLE);
        let free = self.slots.available_permits() as i64;
        let now = Utc::now();
        let hold_until = now + chrono::Duration::from_std(HOLD).unwrap_or_default();
        let announced = match look_for_due {
            true => {
                let what = "webhooks: could not announce scheduled articles";
                worker::write(&self.worker.pool, what, async |tx| announce(tx).await).await
            }
            false => Some(0),
        };
        let what = "webhooks: could not record attempts or claim deliveries";
        let turn = worker::write(&self.worker.pool, what, async |tx| {
            webhook::lock_turn(tx).await?;
            let fanned = webhook::fan_out(tx, BATCH).await?;
            webhook::record(tx, &finished, &released).await?;
            let jobs = match free {
                0 => Vec::new(),
                n => webhook::claim(tx, n, RUN, now, hold_until, TIMEOUT).await?,
            };
            Ok(Turn { fanned, jobs })
        })
        .await;
        if look_for_due && announced.is_some() {
            self.announced_at = Some(Instant::now());
        }
        let Some(turn) = turn else {
            // Recorded by a later turn (a repeat of one that did commit changes nothing).
            self.unrecorded = finished;
            self.unreleased = released;
            return false;
        };
        for run in runs(turn.jobs) {
            // No more were claimed than slots were free: each job gets one.
            let run: Vec<_> = run
                .into_iter()
                .filter_map(|job| Some((job, self.slots.clone().try_acquire_owned().ok()?)))
                .collect();
            tokio::spawn(self.worker.deliver(run, self.done.clone()));
        }
        announced.unwrap_or(0) as i64 == BATCH || turn.fanned as i64 == BATCH
    }
}

/// Scheduled articles whose time came with no write: one `article.published` each.
async fn announce(tx: &mut Tx<'_>) -> diesel::QueryResult<usize> {
    let ids = webhook::announce_due(tx, BATCH).await?;
    let now = Utc::now();
    for id in &ids {
        let (row, decoration) = article::find_by_id(tx, *id).await?;
        let data = serde_json::to_value(Article::new(row, decoration, now))
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        webhook::emit(tx, EventType::ArticlePublished, &data).await?;
    }
    Ok(ids.len())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn job(delivery_id: i64, endpoint_id: i64, attempts: i32) -> Job {
        Job {
            delivery_id,
            endpoint_id,
            attempts,
            url: String::new(),
            secret: Vec::new(),
            previous_secret: None,
            failing_since: None,
            claimed_until: Utc::now(),
            message_id: String::new(),
            event_type: String::new(),
            body: String::new(),
        }
    }

    #[test]
    fn an_endpoints_first_attempts_go_in_one_run_in_order_and_retries_alone() {
        let claimed = vec![
            job(7, 2, 0),
            job(3, 1, 0),
            job(5, 1, 2),
            job(4, 2, 0),
            job(1, 1, 0),
            job(2, 1, 1),
        ];
        let runs: Vec<Vec<i64>> = runs(claimed)
            .iter()
            .map(|r| r.iter().map(|j| j.delivery_id).collect())
            .collect();
        assert_eq!(runs, vec![vec![1, 3], vec![4, 7], vec![2], vec![5]]);
    }
}
