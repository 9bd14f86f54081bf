//! RFC 9457 problem details: every error of the API, with a stable `type` per kind. Internals
//! (SQL, file paths) never reach a client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tranche_core::DomainError;
use tranche_store::{ExecuteError, StoreError};

/// RFC 9457 problem details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// Seconds for `Retry-After` (429).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:tranche:problem:{kind}"),
            title,
            status: status.as_u16(),
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn unauthorized(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Authentication required", detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad-request", "Malformed request", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    pub fn too_many_requests(retry_after_seconds: u64) -> Problem {
        let detail = format!("this token's request rate is over its limit; retry in {retry_after_seconds} s");
        Problem {
            retry_after: Some(retry_after_seconds),
            ..Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "Too many requests", detail)
        }
    }

    pub fn unavailable() -> Problem {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            "the service is shutting down or its store failed",
        )
    }
}

/// What a problem response said, kept in its extensions so that the dashboard can answer the
/// same refusal as an HTML page on its own paths (`web::html_errors`).
#[derive(Debug, Clone)]
pub struct Answered {
    pub detail: String,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&self)).into_response();
        response.extensions_mut().insert(Answered { detail: self.detail.clone() });
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<ExecuteError> for Problem {
    fn from(error: ExecuteError) -> Problem {
        match error {
            ExecuteError::Rejected { error, .. } => match *error {
                DomainError::Forbidden { .. } => {
                    Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed for this role", error.to_string())
                }
                DomainError::UnknownParty(_) | DomainError::UnknownPledge(_) => Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown-reference",
                    "Unknown reference",
                    error.to_string(),
                ),
                DomainError::WrongPledgeStatus { .. } | DomainError::WrongPackageState { .. } => Problem::new(
                    StatusCode::CONFLICT,
                    "wrong-state",
                    "Not allowed in the current state",
                    error.to_string(),
                ),
                DomainError::Fx(tranche_core::FxError::Overflow { .. }) => Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "amount-limit",
                    "Beyond the amount limit",
                    error.to_string(),
                ),
                DomainError::Fx(_) => Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "missing-rate",
                    "No exchange rate",
                    error.to_string(),
                ),
                _ => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "rejected", "Command rejected", error.to_string()),
            },
            ExecuteError::IdReused(id) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency key reused",
                format!("the key {id} was already used for a different request"),
            ),
            ExecuteError::Store(error) => error.into(),
        }
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Problem {
        tracing::error!(%error, "store error");
        Problem::unavailable()
    }
}

/// Turns the framework's own plain-text errors (body too large, wrong method, the request
/// timeout's 408) into problem+json. Hyper's own answers to requests it cannot parse (400, and
/// 431 for a head over its 64 KiB buffer) never reach the router; `edge` answers the usual
/// oversized requests (413, 414, 431) first, as problems.
pub async fn plain_errors_as_problems(response: Response) -> Response {
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).map(|v| v.as_bytes());
    // Problems pass as they are, and so do the dashboard's own error pages.
    let answered =
        content_type.is_some_and(|v| v.starts_with(b"application/problem+json") || v.starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error()) || answered {
        return response;
    }
    let (kind, title, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ("payload-too-large", "Request body too large", format!("the body is over {} bytes", crate::MAX_BODY_BYTES))
        }
        StatusCode::REQUEST_TIMEOUT => {
            ("timeout", "Request timed out", "the request took too long and was abandoned".to_string())
        }
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method-not-allowed", "Method not allowed", "this resource does not take that method".to_string())
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported-media-type", "Unsupported media type", "send application/json".to_string())
        }
        _ => ("error", "Request failed", status.canonical_reason().unwrap_or("error").to_string()),
    };
    // The framework's headers (a 405's `Allow`) stay; the body and its type are the problem's.
    let mut problem = Problem::new(status, kind, title, detail).into_response();
    for (name, value) in response.headers() {
        if !matches!(*name, header::CONTENT_TYPE | header::CONTENT_LENGTH) && !problem.headers().contains_key(name) {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    problem
}
