//! What the background workers (the mail outbox, webhook deliveries) share: the loop that runs
//! a step until it finds nothing to do, then waits for a wake-up or a tick; and a step's
//! transaction on a pooled connection, whose failure is logged and retried on the next turn.

use std::{future::Future, sync::Arc, time::Duration};

use tokio::sync::Notify;

use crate::db::{self, DbPool, Tx, TxWork};

/// One turn of a worker.
pub trait Step: Send {
    /// Does what is due; true when it found work (the next turn follows at once).
    fn step(&mut self) -> impl Future<Output = bool> + Send;
}

/// Runs `worker` forever: again at once while a turn reports work done, else after `idle` or
/// when `wakeup` is notified, whichever comes first; a wake-up is followed by `settle` first,
/// so that what comes in a burst is handled in one turn.
pub async fn run(wakeup: Arc<Notify>, idle: Duration, settle: Duration, mut worker: impl Step) {
    loop {
        if !worker.step().await {
            tokio::select! {
                _ = wakeup.notified() => tokio::time::sleep(settle).await,
                _ = tokio::time::sleep(idle) => {}
            }
        }
    }
}

/// Runs `work` in one transaction on a connection from `pool`. A failure (no connection, a
/// statement error, a lost COMMIT) is logged with `what` and is `None`: the worker's next turn
/// tries again, and whatever was claimed goes stale and is taken over.
pub async fn write<T, F>(pool: &DbPool, what: &str, work: F) -> Option<T>
where
    F: for<'r, 'c> TxWork<&'r mut Tx<'c>, diesel::QueryResult<T>, Fut: Send> + Send,
    T: Send,
{
    let result = async {
        let mut conn = pool.get().await.map_err(|e| e.to_string())?;
        db::write(&mut conn, work).await.map_err(|e| e.to_string())
    }
    .await;
    result
        .map_err(|e| tracing::warn!(error = %e, "{what}; will retry"))
        .ok()
}
