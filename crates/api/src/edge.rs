//! What every request meets before a handler: a request id and a span around it, refusals of
//! oversized requests before their body is read (413, 414, 431 as problem+json), and the
//! security headers on every response.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::problem::Problem;

/// The longest request target (path and query) answered; longer ones get 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The most header bytes (names and values) a request may carry; beyond, 431.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// The most header fields a request may carry; beyond, 431.
pub const MAX_HEADERS: usize = 100;

/// The longest request id taken from a client; a longer or unusual one is replaced.
pub const MAX_REQUEST_ID_CHARS: usize = 64;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The dashboard's scripts and styles come from our own origin (the vendored htmx, the
/// stylesheet); charts are inline SVG elements, which need no source. Nothing inline runs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// `same-origin`, not `no-referrer`: other sites get no referrer at all, and our own form posts
/// keep their `Origin` header, which the CSRF check reads (`no-referrer` makes it `null`).
pub const REFERRER_POLICY: &str = "same-origin";

const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, REFERRER_POLICY),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// Adds the security headers to every response that does not set its own.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in &SECURITY_HEADERS {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), HeaderValue::from_static(value));
        }
    }
    response
}

/// Refuses a request whose target, headers or declared body are over the limits, before a
/// handler reads anything: a `Content-Length` over the body limit is answered 413 at once
/// instead of waiting for a body that will be refused anyway.
pub async fn refuse_oversized(request: Request, next: Next) -> Response {
    match oversized(&request) {
        Some(problem) => {
            let mut response = problem.into_response();
            // The body is not read: the connection cannot be reused.
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
        None => next.run(request).await,
    }
}

fn oversized(request: &Request) -> Option<Problem> {
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        let detail = format!("the request target is over {MAX_URI_BYTES} bytes");
        return Some(Problem::new(StatusCode::URI_TOO_LONG, "uri-too-long", "Request target too long", detail));
    }
    let headers = request.headers();
    let header_bytes: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        let detail = format!("at most {MAX_HEADERS} header fields and {MAX_HEADER_BYTES} bytes of headers");
        let title = "Request headers too large";
        return Some(Problem::new(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers-too-large", title, detail));
    }
    match declared_length(headers) {
        Some(length) if length > crate::MAX_BODY_BYTES as u64 => {
            let detail = format!("the declared body of {length} bytes is over {} bytes", crate::MAX_BODY_BYTES);
            Some(Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Request body too large", detail))
        }
        _ => None,
    }
}

/// The `Content-Length` a request declares (hyper has already refused malformed ones).
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// Gives every request an id (the client's `X-Request-Id` when it is short and plain, else a
/// new one), runs it in a span carrying that id, logs its outcome, and echoes the id.
pub async fn request_span(request: Request, next: Next) -> Response {
    let id = request_id(request.headers());
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_string();
    let method = crate::metrics::method_label(request.method());
    let span = tracing::info_span!("request", id = %id, method, route);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    span.in_scope(|| match response.status().is_server_error() {
        true => tracing::warn!(status, elapsed_us, "answered"),
        false => tracing::info!(status, elapsed_us, "answered"),
    });
    let value = HeaderValue::from_str(&id).expect("request ids are visible ASCII");
    response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    response
}

/// The client's request id when it is 1 to 64 characters of letters, digits, `-`, `_`, `.`
/// or `:` (so it is safe in a header and a log line); otherwise a new random one.
pub fn request_id(headers: &HeaderMap) -> String {
    let given = headers.get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()).filter(|id| acceptable_id(id));
    match given {
        Some(id) => id.to_string(),
        None => new_request_id(),
    }
}

fn acceptable_id(id: &str) -> bool {
    (1..=MAX_REQUEST_ID_CHARS).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn new_request_id() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the OS random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_id(given: Option<&str>, kept: bool) {
        let mut headers = HeaderMap::new();
        if let Some(given) = given {
            headers.insert(&X_REQUEST_ID, HeaderValue::from_str(given).unwrap());
        }
        let id = request_id(&headers);
        assert_eq!(Some(id.as_str()) == given, kept, "{given:?} gave {id:?}");
        assert!(acceptable_id(&id), "{id:?}");
    }

    #[test]
    fn request_ids_are_kept_when_plain_and_replaced_otherwise() {
        check_id(Some("abc-123_x.y:z"), true);
        check_id(Some(&"a".repeat(64)), true);
        check_id(None, false);
        check_id(Some(""), false);
        check_id(Some(&"a".repeat(65)), false);
        check_id(Some("has space"), false);
        check_id(Some("quote\"d"), false);
        check_id(Some("{\"json\":1}"), false);
    }
}
