//! The one error type of the API, [`ApiError`], and its `application/problem+json` body
//! (RFC 9457). Every failure a client can see goes through here, including actix's own
//! extractor errors. A 500 says nothing internal; its cause is logged once, here.

use actix_web::{
    http::{header, StatusCode},
    HttpResponse, ResponseError,
};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name (`title`, `people[2]`, or a query parameter such as `limit`).
    pub field: String,
    /// What is wrong with it, in plain words.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An error, as RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation_failed",
    "title": "Invalid request",
    "status": 400,
    "detail": "2 fields are invalid.",
    "code": "validation_failed",
    "errors": [{"field": "year", "message": "must be from 1500 to 2026"}]
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem: `/problems/{code}`.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// A stable, machine-readable code (snake_case).
    pub code: String,
    /// For validation failures: every invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// A kind of problem: what `type` (`/problems/{code}`) names. `GET /problems/{code}` explains
/// it from this table, which is also where every error takes its code, title and status.
#[derive(Debug)]
pub struct ProblemType {
    pub code: &'static str,
    pub title: &'static str,
    pub status: StatusCode,
    /// What it means and what to do about it.
    pub description: &'static str,
}

macro_rules! problem_types {
    ($($name:ident = $code:literal, $status:ident, $title:literal, $description:literal;)*) => {
        $(const $name: ProblemType = ProblemType {
            code: $code,
            title: $title,
            status: StatusCode::$status,
            description: $description,
        };)*
        /// Every kind of problem the API answers with.
        pub const PROBLEM_TYPES: &[ProblemType] = &[$($name),*];
    };
}

problem_types! {
    VALIDATION_FAILED = "validation_failed", BAD_REQUEST, "Invalid request",
        "One or more fields or query parameters are invalid. `errors` lists each one by name with what is wrong with it; fix them all and send again.";
    BAD_REQUEST = "bad_request", BAD_REQUEST, "Malformed request",
        "The request cannot be read at all, for example a body that is not well-formed JSON, or a CORS preflight asking for a method or header that is not allowed.";
    UNAUTHORIZED = "unauthorized", UNAUTHORIZED, "Authentication required",
        "This needs `Authorization: Bearer <token>` with a valid, unexpired token from `POST /api/v1/auth/token`, or the email and password were not accepted.";
    FORBIDDEN = "forbidden", FORBIDDEN, "Not allowed",
        "You are known, but your role (or your origin, for a cross-origin write) may not do this.";
    NOT_FOUND = "not_found", NOT_FOUND, "Not found",
        "Nothing exists at this address, or the public may not see it (a draft, an archived article).";
    METHOD_NOT_ALLOWED = "method_not_allowed", METHOD_NOT_ALLOWED, "Method not allowed",
        "The address exists but does not take this method; the `Allow` header lists those it takes.";
    CONFLICT = "conflict", CONFLICT, "Conflict",
        "The change clashes with what is stored, for example a slug or email already in use, or a category that still files articles.";
    GONE = "gone", GONE, "Gone",
        "It existed and is no longer valid, for example an expired confirmation link: sign up again for a new one.";
    PRECONDITION_FAILED = "precondition_failed", PRECONDITION_FAILED, "Precondition failed",
        "The resource changed since you read it: its ETag no longer matches your `If-Match`. Read it again, reapply your change, and send it with the new ETag.";
    PRECONDITION_REQUIRED = "precondition_required", PRECONDITION_REQUIRED, "Precondition required",
        "This write must say which version it changes: GET the resource and send its ETag in `If-Match`, so that no one's edit is overwritten unseen.";
    REQUEST_TIMEOUT = "request_timeout", REQUEST_TIMEOUT, "Request timeout",
        "The request body did not arrive in time (the limit is in the README, section Limits and timeouts); the connection is closed. Send the request again in one go.";
    PAYLOAD_TOO_LARGE = "payload_too_large", PAYLOAD_TOO_LARGE, "Payload too large",
        "The request body is over the size limit; the detail gives the limit in bytes.";
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "Unsupported media type",
        "The body must be JSON, sent with `Content-Type: application/json`.";
    RATE_LIMITED = "rate_limited", TOO_MANY_REQUESTS, "Too many requests",
        "Too many requests of this kind from your address; wait the seconds given in `Retry-After`.";
    NOT_IMPLEMENTED = "not_implemented", NOT_IMPLEMENTED, "Not implemented",
        "The service does not offer this variant of the request, for example oEmbed as XML: ask for `format=json`.";
    SERVICE_UNAVAILABLE = "service_unavailable", SERVICE_UNAVAILABLE, "Service unavailable",
        "The database cannot be reached right now; retry after the seconds given in `Retry-After`. A write answered this way may or may not have been stored: read before you retry a create.";
    INTERNAL_ERROR = "internal_error", INTERNAL_SERVER_ERROR, "Internal server error",
        "Something went wrong on our side; it has been logged. Retrying may help; if it persists, tell us the `X-Request-Id` of the answer.";
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Fields that failed validation (400).
    #[error("invalid fields: {0:?}")]
    Validation(Vec<FieldError>),
    /// A request that cannot be read at all, e.g. malformed JSON (400).
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("conflict: {0}")]
    Conflict(String),
    /// It existed and is no longer valid, e.g. an expired link (410).
    #[error("gone: {0}")]
    Gone(String),
    #[error("precondition failed")]
    PreconditionFailed,
    /// A write that must name the version it changes (`If-Match`) did not (428).
    #[error("precondition required")]
    PreconditionRequired,
    /// The body arrived too slowly (408).
    #[error("request timeout")]
    RequestTimeout,
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// A variant of a request the service does not offer, e.g. oEmbed as XML (501).
    #[error("not implemented: {0}")]
    NotImplemented(String),
    /// The database cannot be reached; the client should retry.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// One invalid field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// The kind of problem this is: its code, title, status and explanation.
    pub fn kind(&self) -> &'static ProblemType {
        match self {
            Self::Validation(_) => &VALIDATION_FAILED,
            Self::BadRequest(_) => &BAD_REQUEST,
            Self::Unauthorized(_) => &UNAUTHORIZED,
            Self::Forbidden(_) => &FORBIDDEN,
            Self::NotFound(_) => &NOT_FOUND,
            Self::MethodNotAllowed { .. } => &METHOD_NOT_ALLOWED,
            Self::Conflict(_) => &CONFLICT,
            Self::Gone(_) => &GONE,
            Self::PreconditionFailed => &PRECONDITION_FAILED,
            Self::PreconditionRequired => &PRECONDITION_REQUIRED,
            Self::RequestTimeout => &REQUEST_TIMEOUT,
            Self::PayloadTooLarge { .. } => &PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => &UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => &RATE_LIMITED,
            Self::NotImplemented(_) => &NOT_IMPLEMENTED,
            Self::Unavailable(_) => &SERVICE_UNAVAILABLE,
            Self::Internal(_) => &INTERNAL_ERROR,
        }
    }

    fn code_and_title(&self) -> (&'static str, &'static str) {
        (self.kind().code, self.kind().title)
    }

    fn detail(&self) -> String {
        match self {
            Self::Validation(errors) if errors.len() == 1 => {
                format!("`{}` {}.", errors[0].field, errors[0].message)
            }
            Self::Validation(errors) => format!("{} fields are invalid.", errors.len()),
            Self::BadRequest(d)
            | Self::Unauthorized(d)
            | Self::Forbidden(d)
            | Self::NotFound(d)
            | Self::Conflict(d)
            | Self::Gone(d)
            | Self::NotImplemented(d)
            | Self::UnsupportedMediaType(d) => d.clone(),
            Self::MethodNotAllowed { allow } => {
                format!("This resource allows {}.", allow.join(", "))
            }
            Self::PreconditionFailed => {
                "The resource has changed since you read it (its ETag differs from If-Match); read it again.".into()
            }
            Self::PreconditionRequired => {
                "Send `If-Match` with the ETag you read (GET it first), so that no one's edit is overwritten unseen.".into()
            }
            Self::RequestTimeout => {
                "The request body did not arrive in time; send it again in one go.".into()
            }
            Self::PayloadTooLarge { limit } => {
                format!("The request body is larger than the limit of {limit} bytes.")
            }
            Self::TooManyRequests { retry_after_secs } => {
                format!("Too many requests; retry after {retry_after_secs} seconds.")
            }
            Self::Unavailable(_) => "The service is temporarily unavailable; retry shortly.".into(),
            Self::Internal(_) => "An unexpected error occurred; it has been logged.".into(),
        }
    }

    /// The problem body of this error.
    pub fn problem(&self) -> Problem {
        let (code, title) = self.code_and_title();
        Problem {
            type_: format!("/problems/{code}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            code: code.into(),
            errors: match self {
                Self::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
        }
    }
}

/// Seconds a client should wait before retrying while the database is unreachable.
const UNAVAILABLE_RETRY_SECS: u64 = 5;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind().status
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error")
            }
            Self::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        res.content_type("application/problem+json")
            .insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            Self::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"perfusion-api\""));
            }
            Self::MethodNotAllowed { allow } => {
                res.insert_header((header::ALLOW, allow.join(", ")));
            }
            Self::TooManyRequests { retry_after_secs } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, UNAVAILABLE_RETRY_SECS.to_string()));
            }
            Self::RequestTimeout => {
                res.insert_header((header::CONNECTION, "close"));
            }
            _ => {}
        }
        res.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<DieselError> for ApiError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => Self::NotFound("No such resource.".into()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::Conflict("A resource with the same unique value already exists.".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(_, ref info) if is_connection_failure(info.message()) => {
                Self::Unavailable(info.message().to_owned())
            }
            // PostgreSQL rolled the transaction back to settle a conflict with another one (a
            // serialization failure, or a deadlock's victim): nothing was written, and the same
            // request can succeed when retried.
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(_, ref info) if info.message() == "deadlock detected" => {
                Self::Unavailable(info.message().to_owned())
            }
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

/// tokio-postgres reports a lost connection as an unknown database error; recognise it so an
/// outage is a 503 to retry, not a 500. The server's own messages (a terminated backend, a
/// cancelled statement, a deadlock) come in its `lc_messages` language, which diesel-async gives
/// us instead of their SQLSTATE: the embedded cluster speaks C, and `db::prepare` warns when a
/// `DATABASE_URL` server does not.
fn is_connection_failure(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "connection closed",
        "connection reset",
        "broken pipe",
        "terminating connection",
        "error communicating",
        "timed out",
        "connection refused",
        // statement_timeout, or a cancel from the server's operator
        "canceling statement due to",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::Unavailable(format!("no database connection: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A query's "no such row" and "that value is taken", in the API's words:
/// `article::find(conn, slug).await.or_404(NO_ARTICLE)?`.
pub trait QueryResultExt<T> {
    /// `diesel::NotFound` becomes a 404 saying `detail`; other errors as usual.
    fn or_404(self, detail: &str) -> ApiResult<T>;
    /// A unique violation becomes a 409 saying `detail`; other errors as usual.
    fn or_409(self, detail: &str) -> ApiResult<T>;
}

impl<T> QueryResultExt<T> for Result<T, DieselError> {
    fn or_404(self, detail: &str) -> ApiResult<T> {
        self.map_err(|e| match e {
            DieselError::NotFound => ApiError::NotFound(detail.into()),
            other => other.into(),
        })
    }

    fn or_409(self, detail: &str) -> ApiResult<T> {
        self.map_err(|e| match e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::Conflict(detail.into())
            }
            other => other.into(),
        })
    }
}

/// `Ok` when something was found (e.g. a delete removed a row), else a 404 saying `detail`.
pub fn found(done: bool, detail: &str) -> ApiResult<()> {
    if done {
        Ok(())
    } else {
        Err(ApiError::NotFound(detail.into()))
    }
}

/// Collects field errors while parsing input into domain types, so that a request hears about
/// every bad field at once.
#[derive(Debug, Default)]
pub struct Validator(Vec<FieldError>);

impl From<Vec<FieldError>> for Validator {
    fn from(errors: Vec<FieldError>) -> Self {
        Self(errors)
    }
}

impl Validator {
    /// The parsed value, or `None` with the error recorded under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result
            .map_err(|m| self.0.push(FieldError::new(field, m)))
            .ok()
    }

    /// Like [`check`](Self::check) for a field that must be present. A field already reported
    /// (e.g. of the wrong JSON type) is not reported again as missing.
    pub fn require<T>(&mut self, field: &str, value: Option<Result<T, String>>) -> Option<T> {
        match value {
            Some(result) => self.check(field, result),
            None => {
                self.missing(field);
                None
            }
        }
    }

    /// Records that a required `field` is absent, unless it was already reported.
    pub fn missing(&mut self, field: &str) {
        if !self.0.iter().any(|e| e.field == field) {
            self.0.push(FieldError::new(field, "is required"));
        }
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// True while no error has been recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Err` with every recorded error, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_type_has_its_own_code_and_an_error_status() {
        let mut codes: Vec<_> = PROBLEM_TYPES.iter().map(|p| p.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), PROBLEM_TYPES.len(), "codes are unique");
        for p in PROBLEM_TYPES {
            assert!(
                p.status.is_client_error() || p.status.is_server_error(),
                "{}",
                p.code
            );
            assert!(!p.description.is_empty(), "{}", p.code);
        }
    }

    #[test]
    fn an_error_takes_its_type_from_the_table() {
        let e = ApiError::PreconditionRequired;
        let problem = e.problem();
        assert_eq!(problem.type_, "/problems/precondition_required");
        let kind = PROBLEM_TYPES
            .iter()
            .find(|p| p.code == problem.code)
            .unwrap();
        assert_eq!(kind.status.as_u16(), problem.status);
        assert_eq!(kind.title, problem.title);
    }
}
