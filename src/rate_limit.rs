//! A fixed-window counter per key (e.g. failed logins per client address), in memory.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::Mutex,
    time::{Duration, Instant},
};

pub struct WindowLimiter<K> {
    max: u32,
    window: Duration,
    counts: Mutex<HashMap<K, (u32, Instant)>>,
}

impl<K: Eq + Hash + Clone> WindowLimiter<K> {
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` when `key` has used up its window.
    pub fn check(&self, key: &K) -> Result<(), u64> {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        match counts.get(key) {
            Some((n, start)) if *n >= self.max && start.elapsed() < self.window => {
                Err((self.window - start.elapsed()).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    /// Checks and counts one event for `key` in one step (no burst slips between the two):
    /// `Err(seconds to wait)` when its window is used up, and then nothing is counted.
    pub fn try_acquire(&self, key: K) -> Result<(), u64> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.len() > 100_000 {
            let window = self.window;
            counts.retain(|_, (_, start)| start.elapsed() < window);
        }
        let entry = counts.entry(key).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        if entry.0 >= self.max {
            return Err((self.window - entry.1.elapsed()).as_secs().max(1));
        }
        entry.0 += 1;
        Ok(())
    }

    /// Counts one event for `key`.
    pub fn record(&self, key: K) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.len() > 100_000 {
            let window = self.window;
            counts.retain(|_, (_, start)| start.elapsed() < window);
        }
        let entry = counts.entry(key).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_limited_after_max_events_and_others_are_not() {
        let l = WindowLimiter::new(2, Duration::from_secs(60));
        l.record("a");
        assert!(l.check(&"a").is_ok());
        l.record("a");
        let wait = l.check(&"a").unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(l.check(&"b").is_ok());
    }

    #[test]
    fn the_window_resets() {
        let l = WindowLimiter::new(1, Duration::from_millis(20));
        l.record(1);
        assert!(l.check(&1).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(l.check(&1).is_ok());
    }
}
