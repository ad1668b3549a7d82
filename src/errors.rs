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
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
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

    fn code_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::Validation(_) => ("validation_failed", "Invalid request"),
            Self::BadRequest(_) => ("bad_request", "Malformed request"),
            Self::Unauthorized(_) => ("unauthorized", "Authentication required"),
            Self::Forbidden(_) => ("forbidden", "Not allowed"),
            Self::NotFound(_) => ("not_found", "Not found"),
            Self::MethodNotAllowed { .. } => ("method_not_allowed", "Method not allowed"),
            Self::Conflict(_) => ("conflict", "Conflict"),
            Self::Gone(_) => ("gone", "Gone"),
            Self::PreconditionFailed => ("precondition_failed", "Precondition failed"),
            Self::PreconditionRequired => ("precondition_required", "Precondition required"),
            Self::PayloadTooLarge { .. } => ("payload_too_large", "Payload too large"),
            Self::UnsupportedMediaType(_) => ("unsupported_media_type", "Unsupported media type"),
            Self::TooManyRequests { .. } => ("rate_limited", "Too many requests"),
            Self::Unavailable(_) => ("service_unavailable", "Service unavailable"),
            Self::Internal(_) => ("internal_error", "Internal server error"),
        }
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
        match self {
            Self::Validation(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
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
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

/// tokio-postgres reports a lost connection as an unknown database error; recognise it so an
/// outage is a 503 to retry, not a 500.
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
