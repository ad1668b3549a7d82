//! Rate limits shared by every instance: a fixed window of hits per key (e.g. failed logins
//! per client address) counted in PostgreSQL (`models::rate_limit`), so N instances behind a
//! load balancer allow what one would, not N times as much. A crate such as `governor` does
//! this arithmetic in process memory only; here the arithmetic is one atomic upsert, in SQL.

use std::{net::IpAddr, time::Duration};

use diesel_async::AsyncPgConnection;

use crate::{db, errors::ApiError, models::rate_limit};

/// One limit: at most `max` hits per key per `window`.
#[derive(Debug, Clone)]
pub struct Limit {
    /// Names this limit's windows in the shared table.
    bucket: &'static str,
    max: u32,
    window: Duration,
}

impl Limit {
    pub fn new(bucket: &'static str, max: u32, window: Duration) -> Self {
        Self {
            bucket,
            max,
            window,
        }
    }

    fn window_secs(&self) -> f64 {
        self.window.as_secs_f64()
    }

    /// 429 while `key` has used up its window; nothing is counted.
    pub async fn check(&self, conn: &mut AsyncPgConnection, key: IpAddr) -> Result<(), ApiError> {
        match rate_limit::current(conn, self.bucket, &key.to_string(), self.window_secs()).await? {
            Some(w) if w.hits >= self.max as i32 => Err(too_many(w)),
            _ => Ok(()),
        }
    }

    /// Counts one hit for `key` and, in the same step (no burst slips between the two), 429
    /// when it is over the limit.
    pub async fn try_acquire(
        &self,
        conn: &mut AsyncPgConnection,
        key: IpAddr,
    ) -> Result<(), ApiError> {
        let w = self.record(conn, key).await?;
        if w.hits > self.max as i32 {
            return Err(too_many(w));
        }
        Ok(())
    }

    /// Counts one hit for `key`; now and then also clears this limit's ended windows.
    pub async fn record(
        &self,
        conn: &mut AsyncPgConnection,
        key: IpAddr,
    ) -> Result<rate_limit::Window, ApiError> {
        let (bucket, key, secs) = (self.bucket, key.to_string(), self.window_secs());
        let purge = rand::random::<u8>() == 0;
        db::write(conn, async |tx| {
            if purge {
                rate_limit::purge_ended(tx, bucket, secs).await?;
            }
            rate_limit::hit(tx, bucket, &key, secs).await
        })
        .await
        .map_err(ApiError::from)
    }
}

fn too_many(w: rate_limit::Window) -> ApiError {
    ApiError::TooManyRequests {
        retry_after_secs: w.seconds_left.max(1) as u64,
    }
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the last address in
/// `X-Forwarded-For` that is not itself a trusted proxy. Anyone else's `X-Forwarded-For` is
/// ignored, so a client cannot pick the address it is limited under.
pub fn client_ip(
    req: &actix_web::HttpRequest,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // From the right: skip our own proxies; the first other entry is the client. An entry that
    // does not parse ends the walk (what lies left of it cannot be trusted).
    for entry in entries.into_iter().rev() {
        match entry.parse::<std::net::IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return Some(ip),
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}
