//! The outbox worker: sends the mails that changes wrote to the `outbox` table, with retries and
//! backoff, safely alongside other instances (claims use `FOR UPDATE SKIP LOCKED`; a mail a
//! crashed instance claimed is retried after fifteen minutes). It also purges sign-ups that were
//! never confirmed within seven days.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::{
    db::{self, DbPool},
    domain::{new_token, SubscriberStatus},
    mail::{Mail, Mailer},
    models::subscriber::{self as model, OutboxMail},
    worker,
};

/// How long a confirmation link works.
pub const CONFIRMATION_TTL_HOURS: i64 = 48;
/// Tries before a mail is given up.
const MAX_ATTEMPTS: i32 = 8;
/// Mails claimed at once. With SMTP's 15 s timeout per step, a batch ends well inside
/// [`STALE_CLAIM`], so a slow server does not make another instance send a mail twice.
const BATCH: i64 = 4;
/// How long a claimed mail may stay unfinished before another instance takes it over.
const STALE_CLAIM: Duration = Duration::from_secs(15 * 60);
/// Unconfirmed sign-ups are removed after this many days.
const PENDING_DAYS: i64 = 7;

pub struct Worker {
    pub pool: DbPool,
    pub mailer: Mailer,
    pub public_base_url: String,
    pub wakeup: Arc<Notify>,
}

impl Worker {
    /// Runs until the runtime stops: claims due mails, sends them, waits for more.
    pub async fn run(self) {
        let wakeup = self.wakeup.clone();
        let turns = Turns {
            worker: self,
            last_purge: None,
        };
        worker::run(wakeup, Duration::from_secs(1), Duration::ZERO, turns).await;
    }

    /// One turn: the purge when it is due, then a batch of mails; true when there were mails.
    async fn step(&self, last_purge: &mut Option<DateTime<Utc>>) -> bool {
        let now = Utc::now();
        if last_purge.is_none_or(|t| now - t > chrono::Duration::minutes(10)) {
            self.purge(now).await;
            *last_purge = Some(now);
        }
        let stale = now - chrono::Duration::from_std(STALE_CLAIM).unwrap_or_default();
        let claimed = worker::write(&self.pool, "outbox: could not claim mails", async |tx| {
            model::claim_due(tx, BATCH, now, stale).await
        })
        .await
        .unwrap_or_default();
        let busy = !claimed.is_empty();
        for mail in claimed {
            self.deliver(mail).await;
        }
        busy
    }

    async fn purge(&self, now: DateTime<Utc>) {
        let cutoff = now - chrono::Duration::days(PENDING_DAYS);
        let what = "could not purge unconfirmed sign-ups";
        let removed = worker::write(&self.pool, what, async |tx| {
            model::purge_pending(tx, cutoff).await
        })
        .await;
        if let Some(n @ 1..) = removed {
            tracing::info!(removed = n, "purged sign-ups never confirmed");
        }
    }

    async fn deliver(&self, job: OutboxMail) {
        let outcome = match self.render(&job).await {
            Ok(Some(mail)) => self.mailer.send(&mail).await.map(|_| true),
            Ok(None) => Ok(false),
            Err(e) => Err(e),
        };
        let Ok(mut conn) = self.pool.get().await else {
            return; // the claim goes stale and the mail is retried
        };
        let now = Utc::now();
        let result = match outcome {
            Ok(true) => {
                db::write(&mut conn, async |tx| model::mark_sent(tx, &job, now).await).await
            }
            Ok(false) => {
                db::write(&mut conn, async |tx| {
                    model::mark_failed(tx, &job, "no longer applies", None).await
                })
                .await
            }
            Err(e) => {
                let next = (job.attempts < MAX_ATTEMPTS).then(|| now + backoff(job.attempts));
                tracing::warn!(mail = job.id, attempts = job.attempts, error = %e, "mail not sent");
                db::write(&mut conn, async |tx| {
                    model::mark_failed(tx, &job, &e, next).await
                })
                .await
            }
        };
        if let Err(e) = result {
            tracing::warn!(mail = job.id, error = %e, "could not record a mail's outcome");
        }
    }

    /// The mail for a job, with a fresh token; `None` when it no longer applies (the address
    /// was erased, or the subscriber is no longer in the state the mail is for).
    async fn render(&self, job: &OutboxMail) -> Result<Option<Mail>, String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        let (token, hash) = new_token();
        let expires = Utc::now() + chrono::Duration::hours(CONFIRMATION_TTL_HOURS);
        // The subscriber is read locked and the link's token committed in one transaction, so
        // an erasure or unsubscribe cannot slip in between, and the link works once mailed.
        let to = db::write(&mut conn, async |tx| {
            let s = model::lock(tx, job.subscriber_id).await?;
            let (purpose, expiry) = match (job.kind.as_str(), s.status) {
                ("confirmation", SubscriberStatus::Pending) => ("confirm", Some(expires)),
                ("welcome", SubscriberStatus::Confirmed) => ("manage", None),
                _ => return Ok(None),
            };
            let Some(to) = s.email else {
                return Ok(None);
            };
            model::insert_token(tx, &hash, s.id, purpose, expiry).await?;
            Ok(Some(to))
        })
        .await
        .map_err(|e: diesel::result::Error| e.to_string())?;
        let Some(to) = to else {
            return Ok(None);
        };
        let base = &self.public_base_url;
        Ok(Some(if job.kind == "confirmation" {
            Mail {
                to,
                subject: "Confirm your Perfusion Partners subscription".into(),
                body: format!(
                    "Hello,\r\n\r\nPlease confirm that you want to join the Perfusion Partners community\r\n\
                     and receive the best in research and media around the perfusion industry.\r\n\r\n\
                     Confirm your subscription:\r\n{base}/subscriptions/confirm?token={token}\r\n\r\n\
                     The link works for {CONFIRMATION_TTL_HOURS} hours. If you did not sign up, ignore this mail:\r\n\
                     nothing will happen.\r\n"
                ),
                unsubscribe_url: None,
            }
        } else {
            let unsubscribe = format!("{base}/api/v1/subscriptions/unsubscribe?token={token}");
            Mail {
                to,
                subject: "Welcome to the Perfusion Partners community".into(),
                body: format!(
                    "Hello,\r\n\r\nYou are now subscribed to Perfusion Partners.\r\n\r\n\
                     Choose your topics:\r\n{base}/subscriptions/preferences?token={token}\r\n\r\n\
                     Unsubscribe at any time:\r\n{unsubscribe}\r\n"
                ),
                unsubscribe_url: Some(unsubscribe),
            }
        }))
    }
}

/// The worker and when it last purged.
struct Turns {
    worker: Worker,
    last_purge: Option<DateTime<Utc>>,
}

impl worker::Step for Turns {
    async fn step(&mut self) -> bool {
        self.worker.step(&mut self.last_purge).await
    }
}

/// The wait before try `attempts + 1`: 30 s, doubling, at most 32 minutes.
fn backoff(attempts: i32) -> chrono::Duration {
    let secs = 30i64.saturating_mul(1 << attempts.clamp(1, 7).saturating_sub(1));
    chrono::Duration::seconds(secs.min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1).num_seconds(), 30);
        assert_eq!(backoff(2).num_seconds(), 60);
        assert_eq!(backoff(7).num_seconds(), 1920);
        assert_eq!(backoff(50).num_seconds(), 1920);
    }
}
