//! The shared in-process cache of rendered public responses.
//!
//! A public GET (no `Authorization`, on a content path) is answered from memory when the same
//! normalized request was answered before and nothing has changed since: the stored body, ETag
//! and headers are sent as they are, so a hit touches no database and serializes nothing.
//!
//! What "nothing has changed" means is one atomic word, the *state*: a generation in the high
//! bits and the number of content writes in flight in the low bits. Entries are keyed by the
//! state their request saw when it started, so a change of state makes every older entry
//! unreachable at once (they age out of the LRU). The state changes:
//! - when an admin's write starts and again when it has answered (a read never uses or fills
//!   the cache while a write is in flight, so no read that starts after a commit sees older
//!   data, and the writer sees its write on its next read);
//! - when PostgreSQL tells us that a content table changed (`NOTIFY content_changed`, sent by
//!   triggers at commit), so writes through other instances, or straight in SQL, are seen too;
//! - when the listener loses its connection and when it listens again: in between, the cache
//!   stands aside as it does for a write in flight (it could miss a notification).
//!
//! An entry also never outlives the next scheduled article's publish time (the query decides
//! what is public, so a scheduled article appears on time with no write) nor
//! `RESPONSE_CACHE_TTL_SECONDS`.
//!
//! A body of 1 KB or more is also stored gzipped, once, when it is cached: a client that
//! accepts gzip (browsers, feed readers) gets those bytes as they are, with `Content-Encoding:
//! gzip`, so a hit never compresses (the `Compress` middleware passes an encoded answer on).

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use actix_web::web::Bytes;
use actix_web::{
    body::{self, BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{
        header::{self, AcceptEncoding, Encoding, HeaderMap, HeaderName, HeaderValue},
        Method, StatusCode,
    },
    middleware::Next,
    web, Error, HttpMessage, HttpResponse,
};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::StreamExt;

use crate::{
    auth::{bearer_token, TokenKeys},
    db::DbPool,
    errors::ApiError,
    http::cache::{if_none_match_hits, PUBLIC_CACHE_CONTROL},
    models::article,
};

/// The channel the content triggers notify (migration `content_change_notify`).
pub const CHANNEL: &str = "content_changed";

/// The paths whose GETs may be cached: public content, never a person's data.
const CACHEABLE: &[&str] = &[
    "/api/v1/articles",
    "/api/v1/categories",
    "/api/v1/certification",
    "/api/v1/history-events",
    "/api/v1/practice",
    "/api/v1/staffing-statistics",
    "/api/v1/tags",
    "/api/v1/workforce",
    "/articles",
    "/embed",
    "/feeds",
];

/// One generation in the state word; the bits below count the writes in flight.
const GENERATION: u64 = 1 << 16;
const IN_FLIGHT: u64 = GENERATION - 1;

const X_CACHE: HeaderName = HeaderName::from_static("x-cache");
const HIT: HeaderValue = HeaderValue::from_static("hit");
const MISS: HeaderValue = HeaderValue::from_static("miss");

/// Bodies smaller than this are not worth a gzip variant (headers dominate).
const GZIP_MIN_BYTES: usize = 1024;

/// A rendered 200: its headers (ETag, Cache-Control, Content-Type, Link…) and body, and the
/// body gzipped when it is large enough to gain.
struct Entry {
    headers: HeaderMap,
    body: Bytes,
    gzip: Option<Bytes>,
    expires: Instant,
}

#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<String, Arc<Entry>> for Weight {
    fn weight(&self, key: &String, entry: &Arc<Entry>) -> u64 {
        // The bodies, the key and a fair allowance for the headers and bookkeeping.
        let gzip = entry.gzip.as_ref().map_or(0, Bytes::len);
        (entry.body.len() + gzip + key.len() + 512) as u64
    }
}

pub struct ResponseCache {
    /// `None` when the cache is off (`RESPONSE_CACHE_MB=0`).
    entries: Option<quick_cache::sync::Cache<String, Arc<Entry>, Weight>>,
    state: AtomicU64,
    ttl: Duration,
    /// The next scheduled publish time as last read, and the state it was read in.
    publish_bound: Mutex<Option<(u64, Option<Instant>)>>,
}

impl ResponseCache {
    /// A cache of at most `megabytes` of responses (0 turns it off), each kept at most `ttl`.
    pub fn new(megabytes: u64, ttl: Duration) -> Self {
        let bytes = megabytes * 1024 * 1024;
        let entries = (bytes > 0).then(|| {
            // A list page is a few KB: size the table for that.
            let items = (bytes / 4096).clamp(64, 1 << 20) as usize;
            quick_cache::sync::Cache::with_weighter(items, bytes, Weight)
        });
        Self {
            entries,
            // Not listening yet: stand aside until the listener says it hears (see `listen`).
            state: AtomicU64::new(1),
            ttl,
            publish_bound: Mutex::new(None),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// Makes every stored response unreachable (content changed somewhere).
    pub fn invalidate(&self) {
        self.state.fetch_add(GENERATION, Ordering::AcqRel);
    }

    /// Marks a content write as in flight until the guard drops.
    fn begin_write(&self) -> WriteGuard<'_> {
        self.state.fetch_add(GENERATION + 1, Ordering::AcqRel);
        WriteGuard(self)
    }

    /// The instant the next scheduled article goes public, as seen in `state` (cached until
    /// the state changes or the instant passes).
    async fn publish_bound(&self, state: u64, pool: &DbPool) -> Result<Option<Instant>, ApiError> {
        let now = Instant::now();
        if let Some((seen, bound)) = *self.publish_bound.lock().expect("not poisoned") {
            if seen == state && bound.is_none_or(|b| b > now) {
                return Ok(bound);
            }
        }
        let mut conn = pool.get().await?;
        let next = article::next_scheduled_publish(&mut conn).await?;
        let bound = next.map(|at| {
            let wait = (at - Utc::now()).to_std().unwrap_or_default();
            now + wait
        });
        *self.publish_bound.lock().expect("not poisoned") = Some((state, bound));
        Ok(bound)
    }
}

struct WriteGuard<'a>(&'a ResponseCache);

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        // One more generation, one fewer write in flight.
        self.0.state.fetch_add(GENERATION - 1, Ordering::AcqRel);
    }
}

/// What the middleware needs besides the cache: the pool (for the publish bound) and the token
/// keys (only a verified token may move the generation). Registered as app data.
pub struct Gate {
    pub cache: Arc<ResponseCache>,
    pub pool: DbPool,
    pub tokens: Arc<TokenKeys>,
}

/// Middleware: answers public GETs from the cache, fills it, and brackets admins' writes.
pub async fn serve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<Gate>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let cache = &state.cache;
    if !cache.is_enabled() {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let method = req.method().clone();
    if method == Method::GET {
        if bearer_token(req.request()).is_none() && is_cacheable(req.path()) {
            return read_through(req, next, cache, &state.pool).await;
        }
    } else if method != Method::HEAD && method != Method::OPTIONS {
        // Only a verified token can write content, so only it may move the generation.
        let writer = bearer_token(req.request()).is_some_and(|t| state.tokens.verify(t).is_ok());
        if writer {
            let _write = cache.begin_write();
            return Ok(next.call(req).await?.map_into_boxed_body());
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

async fn read_through(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    cache: &ResponseCache,
    pool: &DbPool,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let entries = cache.entries.as_ref().expect("checked by the caller");
    let state = cache.state.load(Ordering::Acquire);
    if state & IN_FLIGHT != 0 {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let key = cache_key(state, req.path(), req.query_string());
    if let Some(entry) = entries.get(&key) {
        if entry.expires > Instant::now() {
            let res = answer(&req, &entry, HIT);
            return Ok(req.into_response(res));
        }
    }
    // Read the publish bound before the response, so the response cannot be newer than it.
    let bound = match cache.publish_bound(state, pool).await {
        Ok(bound) => bound,
        Err(_) => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let res = next.call(req).await?;
    let public = res.status() == StatusCode::OK
        && res
            .headers()
            .get(header::CACHE_CONTROL)
            .is_some_and(|v| v == PUBLIC_CACHE_CONTROL);
    if !public {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let body = body::to_bytes(body).await.map_err(|e| {
        let e: Box<dyn std::error::Error> = e.into();
        ApiError::Internal(anyhow::anyhow!("reading a response body: {e}"))
    })?;
    let expires = bound.map_or(Instant::now() + cache.ttl, |b| {
        b.min(Instant::now() + cache.ttl)
    });
    let gzip =
        if body.len() >= GZIP_MIN_BYTES && !head.headers().contains_key(header::CONTENT_ENCODING) {
            let plain = body.clone();
            // Compressing a feed takes milliseconds: off the async worker.
            web::block(move || gzip(&plain)).await.ok().flatten()
        } else {
            None
        };
    let mut headers = head.headers().clone();
    if gzip.is_some() {
        // Either variant depends on Accept-Encoding, for shared caches too.
        headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    let entry = Arc::new(Entry {
        headers,
        body,
        gzip,
        expires,
    });
    // A write that started meanwhile moved the state: this response may be older than it.
    if cache.state.load(Ordering::Acquire) == state {
        entries.insert(key, entry.clone());
    }
    let res = answer_from(&req, &entry, head.status(), MISS);
    Ok(ServiceResponse::new(req, res))
}

/// The stored answer, or a 304 when the client's copy is current.
fn answer(req: &ServiceRequest, entry: &Entry, how: HeaderValue) -> HttpResponse {
    answer_from(req.request(), entry, StatusCode::OK, how)
}

fn answer_from(
    req: &actix_web::HttpRequest,
    entry: &Entry,
    status: StatusCode,
    how: HeaderValue,
) -> HttpResponse {
    let etag = entry.headers.get(header::ETAG);
    let fresh = etag
        .and_then(|e| e.to_str().ok())
        .is_some_and(|e| if_none_match_hits(req, e));
    let mut res = if fresh {
        let mut res = HttpResponse::NotModified().finish();
        for (name, value) in &entry.headers {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                res.headers_mut().append(name.clone(), value.clone());
            }
        }
        res
    } else {
        match entry.gzip.as_ref().filter(|_| accepts_gzip(req)) {
            Some(gzip) => {
                let mut res = HttpResponse::with_body(status, BoxBody::new(gzip.clone()));
                *res.headers_mut() = entry.headers.clone();
                res.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                res
            }
            None => {
                let mut res = HttpResponse::with_body(status, BoxBody::new(entry.body.clone()));
                *res.headers_mut() = entry.headers.clone();
                res
            }
        }
    };
    res.headers_mut().insert(X_CACHE, how);
    res
}

/// Whether the client takes gzip (as `Compress` would negotiate it: `q=0` refuses).
fn accepts_gzip(req: &actix_web::HttpRequest) -> bool {
    req.get_header::<AcceptEncoding>().is_some_and(|accept| {
        accept.negotiate([Encoding::gzip(), Encoding::identity()].iter()) == Some(Encoding::gzip())
    })
}

/// `body` gzipped at the default level (`None` if the encoder fails, which it cannot in memory).
fn gzip(body: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::default(),
    );
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn is_cacheable(path: &str) -> bool {
    CACHEABLE.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// `state path?query` with the query's parameters in a stable order (by name; repeated names
/// keep their order), so `?a=1&b=2` and `?b=2&a=1` share one entry.
fn cache_key(state: u64, path: &str, query: &str) -> String {
    let mut key = String::with_capacity(path.len() + query.len() + 18);
    key.push_str(&format!("{state:x} {path}"));
    if query.is_empty() {
        return key;
    }
    let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    pairs.sort_by_key(|p| p.split_once('=').map_or(*p, |(name, _)| name));
    key.push('?');
    key.push_str(&pairs.join("&"));
    key
}

/// Listens for `NOTIFY content_changed` and invalidates the cache on each. While it is not
/// listening (before the first connection, or after one drops) the cache stands aside, as
/// it would for a write in flight: nobody would tell it about a change.
pub async fn listen(cache: Arc<ResponseCache>, database_url: String) {
    let mut backoff = Duration::from_millis(250);
    loop {
        match listen_once(&cache, &database_url).await {
            Ok(()) => backoff = Duration::from_millis(250),
            Err(e) => {
                tracing::warn!(error = %e, "response cache: listening for content changes failed")
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

async fn listen_once(cache: &ResponseCache, database_url: &str) -> anyhow::Result<()> {
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    diesel::sql_query(format!("LISTEN {CHANNEL}"))
        .execute(&mut conn)
        .await?;
    // Listening: the cache may serve again (in a new generation) until this guard drops.
    let _deaf = Deaf::listening(cache);
    loop {
        let heard = {
            let mut notifications = std::pin::pin!(conn.notifications_stream());
            tokio::select! {
                n = notifications.next() => match n {
                    Some(Ok(_)) => true,
                    Some(Err(e)) => return Err(e.into()),
                    None => return Ok(()),
                },
                _ = tokio::time::sleep(Duration::from_secs(30)) => false,
            }
        };
        if heard {
            cache.invalidate();
        } else {
            // A quiet connection may be a dead one: the stream alone would never say.
            diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        }
    }
}

/// While alive, the listener hears every change; dropping it makes the cache stand aside again.
struct Deaf<'a>(&'a ResponseCache);

impl<'a> Deaf<'a> {
    fn listening(cache: &'a ResponseCache) -> Self {
        // One more generation, one fewer reason to stand aside.
        cache.state.fetch_add(GENERATION - 1, Ordering::AcqRel);
        Self(cache)
    }
}

impl Drop for Deaf<'_> {
    fn drop(&mut self) {
        self.0.state.fetch_add(GENERATION + 1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_ignores_parameter_order_but_not_values() {
        assert_eq!(
            cache_key(1, "/api/v1/articles", "limit=5&category=x"),
            cache_key(1, "/api/v1/articles", "category=x&limit=5")
        );
        assert_ne!(
            cache_key(1, "/api/v1/articles", "limit=5"),
            cache_key(1, "/api/v1/articles", "limit=6")
        );
        assert_ne!(
            cache_key(1, "/api/v1/articles", "tag=a&tag=b"),
            cache_key(1, "/api/v1/articles", "tag=b&tag=a")
        );
        assert_ne!(
            cache_key(1, "/api/v1/articles", ""),
            cache_key(2, "/api/v1/articles", "")
        );
    }

    #[test]
    fn only_public_content_paths_are_cacheable() {
        assert!(is_cacheable("/api/v1/articles"));
        assert!(is_cacheable("/api/v1/articles/some-slug"));
        assert!(is_cacheable("/feeds/articles.rss"));
        assert!(!is_cacheable("/api/v1/articlesx"));
        assert!(!is_cacheable("/api/v1/subscriptions/preferences"));
        assert!(!is_cacheable("/api/v1/admin/subscribers"));
        assert!(!is_cacheable("/health/live"));
    }

    #[test]
    fn a_write_in_flight_keeps_reads_off_the_cache_and_moves_the_generation() {
        let cache = ResponseCache::new(1, Duration::from_secs(60));
        let listening = Deaf::listening(&cache);
        let before = cache.state.load(Ordering::Acquire);
        let guard = cache.begin_write();
        let during = cache.state.load(Ordering::Acquire);
        assert_ne!(during & IN_FLIGHT, 0);
        drop(guard);
        let after = cache.state.load(Ordering::Acquire);
        assert_eq!(after & IN_FLIGHT, 0);
        assert_ne!(after, before);
        cache.invalidate();
        assert_ne!(cache.state.load(Ordering::Acquire), after);
        drop(listening);
        assert_ne!(cache.state.load(Ordering::Acquire) & IN_FLIGHT, 0);
    }
}
