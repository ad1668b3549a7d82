//! Middleware: no request holds the service longer than its limits. The body must arrive within
//! `body` of the request (a client trickling it gets 408 and the connection is closed), and
//! once it is in, the answer must be ready within `request`: a stalled database or an exhausted
//! pool is a 503 with `Retry-After`, never a hang. Until the database's schema is ready (the
//! service starts while PostgreSQL is down), every route that needs it answers 503 too.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, OnceLock,
    },
    time::Duration,
};

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    test::TestRequest,
    Error, HttpMessage, ResponseError,
};
use futures_util::{stream, StreamExt};
use tokio::{sync::Notify, time::Instant};

use crate::errors::ApiError;

/// The limits and the schema's readiness, registered as app data.
#[derive(Debug, Clone)]
pub struct Deadlines {
    pub body: Duration,
    pub request: Duration,
    /// Set once the migrations are applied; until then database routes answer 503.
    pub schema_ready: Arc<AtomicBool>,
}

/// Routes that answer without the database, so they work while it is down or not migrated.
/// (`/health/ready` is not one: it is 503 until this instance has its schema, so that a 200
/// there always means the other routes will answer.)
fn needs_no_database(path: &str) -> bool {
    matches!(path, "/health/live" | "/metrics" | "/openapi.json") || path.starts_with("/docs")
}

pub async fn enforce(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let Some(limits) = req.app_data::<actix_web::web::Data<Deadlines>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let start = Instant::now();
    if !limits.schema_ready.load(Ordering::Acquire) && !needs_no_database(req.path()) {
        let e = ApiError::Unavailable("the database is not ready yet".into());
        return Ok(req.error_response(e).map_into_right_body());
    }
    // The request is routed inside `next.call`, which needs it unshared, and a timed-out
    // handler takes it down with it: the refusal goes out with a detached copy of its line.
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let refuse = move |e: ApiError| {
        let detached = TestRequest::default()
            .method(method.clone())
            .uri(&uri.to_string())
            .to_http_request();
        Ok(ServiceResponse::new(detached, e.error_response()).map_into_right_body())
    };

    let body = Arc::new(BodyProgress::default());
    if has_body(&req) {
        let mut payload = req.take_payload();
        let (reading, done) = (body.clone(), body.clone());
        let tracked = stream::poll_fn(move |cx| {
            if !reading.started.swap(true, Ordering::Relaxed) {
                reading.changed.notify_one();
            }
            payload.poll_next_unpin(cx)
        });
        let marker = stream::once(async move {
            let _ = done.done.set(Instant::now());
            done.changed.notify_one();
        })
        .filter_map(|()| async { None });
        req.set_payload(Payload::Stream {
            payload: Box::pin(tracked.chain(marker)),
        });
    } else {
        let _ = body.done.set(start);
    }

    let answer = next.call(req);
    tokio::pin!(answer);
    loop {
        let (limit, _) = body.limit(start, &limits);
        tokio::select! {
            res = &mut answer => return res.map(ServiceResponse::map_into_left_body),
            () = body.changed.notified() => continue, // a new limit applies
            () = tokio::time::sleep_until(limit) => {
                // The request may have moved on meanwhile (its body began or ended): the limit
                // it is under now decides.
                let (limit, expiry) = body.limit(start, &limits);
                if Instant::now() < limit {
                    continue;
                }
                return refuse(match expiry {
                    Expiry::SlowBody => ApiError::RequestTimeout,
                    Expiry::Stalled => ApiError::Unavailable(format!(
                        "no answer within {} ms (database stalled or pool exhausted)",
                        limits.request.as_millis()
                    )),
                });
            }
        }
    }
}

/// How far the handler got with the request body.
#[derive(Default)]
struct BodyProgress {
    /// The handler asked for the body.
    started: AtomicBool,
    /// The body was read to its end (at once, for a request without one).
    done: OnceLock<Instant>,
    /// Told when either of the above happens.
    changed: Notify,
}

impl BodyProgress {
    /// The limit the request is under now, and what passing it means.
    fn limit(&self, start: Instant, limits: &Deadlines) -> (Instant, Expiry) {
        match (self.done.get(), self.started.load(Ordering::Relaxed)) {
            (Some(at), _) => (*at + limits.request, Expiry::Stalled),
            // The handler reads the body: the client has `body` to send it.
            (None, true) => (start + limits.body, Expiry::SlowBody),
            // Nothing has asked for the body yet: the service itself is waiting (typically for
            // the database, to check the caller's token).
            (None, false) => (start + limits.request, Expiry::Stalled),
        }
    }
}

/// What a passed limit means.
enum Expiry {
    /// The client did not send its body in time: 408.
    SlowBody,
    /// The service did not answer in time: 503.
    Stalled,
}

fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    length.is_some_and(|n| n > 0) || headers.contains_key(header::TRANSFER_ENCODING)
}
