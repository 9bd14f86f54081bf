//! Tranche HTTP API: JSON under `/api/v1`, RFC 9457 problem+json errors, bearer tokens mapped to
//! roles, idempotent writes through a single group-committing writer. Knows HTTP and JSON;
//! the rules stay in `tranche-core`, durability in `tranche-store`.

mod connections;
pub mod datasets;
pub mod edge;
mod events;
mod funding;
pub mod log;
mod metrics;
pub mod openapi;
pub mod problem;
mod reads;
pub mod tokens;
pub mod web;
mod writer;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use tranche_core::auth::{Reader, Role};
use tranche_core::{Command, CommandId, Envelope, PackageRef, parse_date};
use tranche_io::wire;
use tranche_store::{AnyStore, Ledger};

use crate::problem::Problem;
use crate::writer::{Request, WriteRequest};

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct AppState {
    /// The read replica (see [`serve`]).
    ledger: Arc<Mutex<Ledger<AnyStore>>>,
    writes: mpsc::Sender<Request>,
    tokens: Arc<tokens::Verified>,
    /// The log's head, published by the writer after every commit (for the event stream).
    heads: tokio::sync::watch::Receiver<u64>,
    /// Turns true when the server begins to stop: event streams end so connections can close.
    stopping: tokio::sync::watch::Receiver<bool>,
    /// The last summary served, as JSON, by (log head, rates held, as-of date): reads between
    /// two commits share one computation.
    summaries: Arc<Mutex<Option<(SummaryKey, Bytes)>>>,
    metrics: Arc<metrics::Metrics>,
    /// Requests per second and token (429 with Retry-After beyond).
    limiter: Arc<governor::DefaultKeyedRateLimiter<String>>,
    timeout: std::time::Duration,
    /// Dashboard sessions (signed in with a token).
    sessions: Arc<web::Sessions>,
    /// The Merkle tree of the log, its signing key and its witnesses.
    log: log::SharedLog,
}

/// What a cached summary was computed from: the log head, the rates held, the as-of date.
type SummaryKey = (u64, usize, chrono::NaiveDate);

/// Service limits, chosen at start-up.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests per second per token; bursts up to twice that.
    pub per_token_per_second: u32,
    /// Longest a request may take before it is answered 408.
    pub request_timeout: std::time::Duration,
    /// Longest a client may take to send a request's headers, and longest a keep-alive
    /// connection may wait idle for its next request; then the connection is closed (slowloris).
    pub header_timeout: std::time::Duration,
    /// Connections served at once; one more is closed as soon as it is accepted.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            per_token_per_second: 1000,
            request_timeout: std::time::Duration::from_secs(10),
            header_timeout: std::time::Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/metrics", get(metrics::render))
        .route("/readyz", get(ready))
        .route("/api/v1/summary", get(summary))
        .route("/api/v1/packages", get(packages))
        .route("/api/v1/packages/{package}", get(reads::package))
        .route("/api/v1/parties", get(reads::parties))
        .route("/api/v1/pledges", get(reads::pledges))
        .route("/api/v1/decisions", get(reads::decisions))
        .route("/api/v1/targets", get(reads::targets))
        .route("/api/v1/reference/kiel", get(reads::kiel))
        .route("/api/v1/reports/pipeline", get(reads::pipeline))
        .route("/api/v1/reports/months", get(reads::months))
        .route("/api/v1/requirements", get(reads::requirements))
        .route("/api/v1/funding/fair-share", get(funding::fair_share))
        .route("/api/v1/targets/report", get(funding::targets_report))
        .route("/api/v1/funding/proposal", get(funding::proposal))
        .route("/api/v1/funding/proposal/accept", post(funding::accept))
        .route("/api/v1/commands", post(command))
        .route("/api/v1/commands/{id}", get(events::outcome))
        .route("/api/v1/events", get(events::page))
        .route("/api/v1/events/stream", get(events::stream))
        .route("/api/v1/log/checkpoint", get(log::checkpoint))
        .route("/api/v1/log/entries", get(log::entries))
        .route("/api/v1/log/proof/inclusion", get(log::inclusion))
        .route("/api/v1/log/proof/consistency", get(log::consistency))
        .route("/api/v1/log/cosignatures", post(log::cosign))
        .merge(web::routes())
        .fallback(web::not_found)
        .layer(axum::middleware::from_fn(web::i18n::remember_target))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, state.timeout))
        // Outside the timeout, so that its 408 becomes problem+json too.
        .layer(axum::middleware::map_response(problem::plain_errors_as_problems))
        .layer(axum::middleware::from_fn(edge::refuse_oversized))
        // Outside both: the refusals above answered as HTML pages on the dashboard's paths.
        .layer(axum::middleware::from_fn_with_state(state.clone(), web::html_errors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(axum::middleware::map_response(edge::security_headers))
        .layer(axum::middleware::from_fn(edge::request_span))
        .with_state(state)
}

/// Serves until ctrl-c or SIGTERM; in-flight requests finish and the writer drains its queue
/// (every acknowledged write is already durable) before this returns.
///
/// The writer owns `ledger`; requests read a replica of it over `reads`, a second connection
/// to the same store, which follows each commit before its writes are answered: reads never
/// wait for a durable append, and a client reads its own acknowledged writes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    mut ledger: Ledger<AnyStore>,
    reads: AnyStore,
    limits: Limits,
    log_config: log::LogConfig,
) -> std::io::Result<()> {
    // Registered before anything else: a SIGTERM that arrives while the server starts (or before
    // the accept loop first looks at it) still stops it gracefully instead of killing it.
    let stop_signal = shutdown_signal()?;
    let failed = |e: tranche_store::StoreError| std::io::Error::other(e.to_string());
    let sessions = Arc::new(web::Sessions::new(csrf_key(&tranche_store::Store::log_secret(ledger.store()))));
    let mut log_state = log::LogState::load(&ledger, log_config).map_err(failed)?;
    log_state.catch_up(&mut ledger, true).map_err(failed)?;
    let log = Arc::new(Mutex::new(log_state));
    let replica = Arc::new(Mutex::new(ledger.replica(reads).map_err(failed)?));
    let metrics = Arc::new(metrics::Metrics::new());
    let (writes, queue) = mpsc::channel(writer::QUEUE_DEPTH);
    let head = replica.lock().expect("the ledger lock is not poisoned").head();
    let (publish, heads) = tokio::sync::watch::channel(head);
    let writer = writer::spawn(ledger, replica.clone(), queue, publish, metrics.clone(), log.clone());
    let ledger = replica;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    log::spawn_ticker(ledger.clone(), log.clone(), stopping.clone());
    let summaries = Arc::new(Mutex::new(None));
    let per_second = std::num::NonZeroU32::new(limits.per_token_per_second.max(1)).expect("positive");
    let burst = std::num::NonZeroU32::new(limits.per_token_per_second.max(1).saturating_mul(2)).expect("positive");
    let limiter = Arc::new(governor::RateLimiter::keyed(governor::Quota::per_second(per_second).allow_burst(burst)));
    let state = AppState {
        ledger,
        writes,
        tokens: Arc::new(tokens::Verified::default()),
        heads,
        stopping: stopping.clone(),
        summaries,
        metrics: metrics.clone(),
        limiter,
        timeout: limits.request_timeout,
        sessions,
        log,
    };
    let signal = async move {
        stop_signal.await;
        tracing::info!("stopping: requests in flight finish, event streams end");
        stop.send_replace(true);
    };
    connections::serve(listener, router(state), &limits, metrics, stopping, signal).await;
    writer.join().map_err(|_| std::io::Error::other("the writer thread panicked"))
}

/// Registers for ctrl-c and SIGTERM now, and completes when either arrives.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

pub fn local_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// The reader behind a request: the public without a token; a role with a valid one.
pub(crate) async fn reader(state: &AppState, headers: &HeaderMap) -> Result<Reader, Problem> {
    let Some(token) = bearer(headers)? else { return Ok(Reader::Public) };
    let role = verify(&state.tokens, &state.ledger, token).await?;
    let token_id = token.split('_').nth(1).unwrap_or_default().to_string();
    if let Err(not_until) = state.limiter.check_key(&token_id) {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
        return Err(Problem::too_many_requests(wait.as_secs().max(1)));
    }
    Ok(Reader::Role(role))
}

/// The bearer token of a request, when it carries one.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<Option<&str>, Problem> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let text = value.to_str().map_err(|_| Problem::unauthorized("the Authorization header is not text"))?;
    let token =
        text.strip_prefix("Bearer ").ok_or_else(|| Problem::unauthorized("use Authorization: Bearer <token>"))?;
    Ok(Some(token.trim()))
}

/// The role of a token now, through the cache of verified tokens (see [`tokens::Verified`]).
pub(crate) async fn verify(
    tokens: &tokens::Verified,
    ledger: &Mutex<Ledger<AnyStore>>,
    token: &str,
) -> Result<Role, Problem> {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let lookup = |id: &str| ledger.lock().expect("the ledger lock is not poisoned").store().token(id);
    tokens.role(token, &now, lookup).await.map_err(|refusal| match refusal {
        tokens::Refusal::Throttled { retry_after } => {
            let seconds = retry_after.as_secs().max(1);
            Problem {
                retry_after: Some(seconds),
                ..Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "Too many requests",
                    format!("{}; retry in {seconds} s", refusal.message()),
                )
            }
        }
        refusal => Problem::unauthorized(refusal.message()),
    })
}

/// Liveness.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The process is up", body = String, content_type = "text/plain")))]
async fn health() -> &'static str {
    "ok"
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", responses((status = 200, description = "The OpenAPI 3.1 document", body = Object, content_type = "application/json")))]
async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi::document()).into_response()
}

/// Readiness: the writer runs and the store answers.
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "Ready, with the events stored and the events this process has applied", body = String, content_type = "text/plain"),
    (status = 503, description = "The writer is not running, or the store failed", body = Problem, content_type = "application/problem+json"),
))]
async fn ready(State(state): State<AppState>) -> Response {
    // The writer's end of the queue is gone only when its thread stopped.
    if state.writes.is_closed() {
        let detail = "the writer is not running: writes cannot be applied until the server restarts";
        return Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable", detail)
            .into_response();
    }
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    // Events stored (by every process) and applied to this process's state; equal once this
    // process has followed the others.
    match tranche_store::Store::head(ledger.store()) {
        Ok(head) => (StatusCode::OK, format!("ready: {head} events stored, {} applied", ledger.head())).into_response(),
        Err(error) => Problem::from(error).into_response(),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AsOf {
    /// Count only records dated on or before this date (YYYY-MM-DD); default today.
    as_of: Option<String>,
    /// Read the log as it stood after this event (a replay; for audits of past figures).
    #[param(minimum = 0)]
    as_of_seq: Option<u64>,
}

/// Where the money stands, by the counting rules (docs/COUNTING.md).
#[utoipa::path(get, path = "/api/v1/summary", params(AsOf), security((), ("bearer" = [])), responses(
    (status = 200, description = "The summary", body = tranche_io::wire::SummaryDto),
    (status = 400, description = "A malformed date", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A rate is missing for a record's date", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
async fn summary(State(state): State<AppState>, headers: HeaderMap, query: Query<AsOf>) -> Result<Response, Problem> {
    reader(&state, &headers).await?;
    let as_of = match &query.as_of {
        Some(text) => parse_date(text).map_err(|e| Problem::bad_request(format!("as_of: {e}")))?,
        None => chrono::Utc::now().date_naive(),
    };
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    if let Some(seq) = query.as_of_seq {
        if seq > ledger.head() {
            return Err(Problem::bad_request(format!("as_of_seq {seq} is beyond the log's {} events", ledger.head())));
        }
        let past = ledger.state_at(seq)?;
        let currencies = ledger.reporting_currencies();
        let summary = tranche_core::summarise(&past, ledger.rates(), as_of, &currencies).map_err(|e| {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "missing-rate", "No exchange rate", e.to_string())
        })?;
        return Ok(Json(wire::SummaryDto::from(&summary)).into_response());
    }
    let key = (ledger.head(), ledger.rates().len(), as_of);
    let mut cache = state.summaries.lock().expect("the cache lock is not poisoned");
    let body = match cache.as_ref() {
        Some((at, body)) if *at == key => body.clone(),
        _ => {
            let summary = ledger.summary(as_of).map_err(|e| {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "missing-rate", "No exchange rate", e.to_string())
            })?;
            let body =
                Bytes::from(serde_json::to_vec(&wire::SummaryDto::from(&summary)).expect("a summary serialises"));
            *cache = Some((key, body.clone()));
            body
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Every package with its money; names and lines only for roles.
#[utoipa::path(get, path = "/api/v1/packages", security((), ("bearer" = [])), responses(
    (status = 200, description = "The packages", body = [tranche_io::wire::PackageDto]),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
async fn packages(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<wire::PackageDto>>, Problem> {
    let reader = reader(&state, &headers).await?;
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    Ok(Json(wire::packages(ledger.state(), reader)))
}

/// A write: the command in its JSON form, and an optional command id (or `Idempotency-Key`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CommandRequest {
    /// The idempotency key, unless given as the `Idempotency-Key` header.
    command_id: Option<String>,
    /// The command in its JSON form: `{"type": "commit-pledge", "pledge": "R02", ...}`; each
    /// `type` has its own schema (`Command` is a `oneOf` discriminated by `type`).
    command: Command,
}

#[derive(Serialize, utoipa::ToSchema)]
struct CommandResponse {
    command_id: String,
    first_seq: u64,
    event_count: u32,
    repeated: bool,
}

/// Issue a command as the token's role. A repeat with the same key and body returns the first
/// outcome (200); the same key with another body is 422. Keys are per actor: another role's
/// same key is another command.
#[utoipa::path(post, path = "/api/v1/commands", request_body = CommandRequest, security(("bearer" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "The command's idempotency key"),
        ("If-Match" = Option<String>, Header, description = "For package commands: the package's ETag as last read"),
    ),
    responses(
        (status = 201, description = "Accepted and durable", body = CommandResponse),
        (status = 200, description = "A repeat: the first outcome", body = CommandResponse),
        (status = 400, description = "No or conflicting idempotency key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or an invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not this role's to do", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match: the package changed since it was read", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body, rejected command, or a reused key", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The write failed unexpectedly; a repeat with the same key applies it or gives its outcome", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The writer is full or not running, or the store failed", body = Problem, content_type = "application/problem+json"),
    ))]
async fn command(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, Problem> {
    let Reader::Role(actor) = reader(&state, &headers).await? else {
        return Err(Problem::unauthorized("writes need a bearer token"));
    };
    let request = read_command_request(&body)?;
    let key = headers.get("idempotency-key").map(|v| v.to_str().map(str::to_string));
    let key = key.transpose().map_err(|_| Problem::bad_request("the Idempotency-Key header is not text"))?;
    let id_text = match (key, request.command_id) {
        (Some(key), Some(id)) if key != id => {
            return Err(Problem::bad_request("Idempotency-Key and command_id differ"));
        }
        (Some(key), _) => key,
        (None, Some(id)) => id,
        (None, None) => return Err(Problem::bad_request("give an Idempotency-Key header or a command_id")),
    };
    let command_id = scoped_id(actor, &id_text)?;
    let if_match = match headers.get(header::IF_MATCH) {
        None => None,
        Some(value) => {
            let tag =
                value.to_str().map_err(|_| Problem::bad_request("the If-Match header is not text"))?.trim().to_string();
            let package = package_of(&request.command)
                .ok_or_else(|| Problem::bad_request("If-Match applies to package commands only"))?;
            Some((package.clone(), tag))
        }
    };
    let envelope = Envelope { command_id, actor, command: request.command };
    let outcome = submit(&state, envelope, if_match).await?;
    let status = if outcome.repeated { StatusCode::OK } else { StatusCode::CREATED };
    let response = CommandResponse {
        command_id: id_text,
        first_seq: outcome.first_seq,
        event_count: outcome.event_count,
        repeated: outcome.repeated,
    };
    Ok((status, Json(response)).into_response())
}

/// A `POST /api/v1/commands` body as the endpoint reads it: the command and the optional command id.
pub fn read_command_body(body: &[u8]) -> Result<(Option<String>, Command), Problem> {
    read_command_request(body).map(|request| (request.command_id, request.command))
}

fn read_command_request(body: &[u8]) -> Result<CommandRequest, Problem> {
    serde_json::from_slice(body).map_err(|e| {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-body", "Invalid request body", e.to_string())
    })
}

/// The longest idempotency key a client may give.
const MAX_KEY: usize = 128;

/// Idempotency keys are the client's own, per actor: the command id stored is `<actor>/<key>`,
/// so the same key from another actor is another command, never the first one's outcome.
pub(crate) fn scoped_id(actor: Role, key: &str) -> Result<CommandId, Problem> {
    let key = CommandId::parse(key).map_err(|e| Problem::bad_request(format!("the idempotency key: {e}")))?;
    if key.as_str().len() > MAX_KEY {
        return Err(Problem::bad_request(format!("the idempotency key is over {MAX_KEY} characters")));
    }
    CommandId::parse(&format!("{actor}/{key}")).map_err(|e| Problem::bad_request(e.to_string()))
}

/// The client's key in a command id made by [`scoped_id`] (roles hold no '/').
fn client_key(id: &CommandId) -> &str {
    id.as_str().split_once('/').map_or(id.as_str(), |(_, key)| key)
}

async fn submit(
    state: &AppState,
    envelope: Envelope,
    if_match: Option<(PackageRef, String)>,
) -> Result<tranche_store::Outcome, Problem> {
    let (reply, answer) = oneshot::channel();
    state.writes.try_send(Request::One(WriteRequest { envelope, if_match, reply })).map_err(|error| {
        let cause = match error {
            mpsc::error::TrySendError::Full(_) => "the write queue is full",
            mpsc::error::TrySendError::Closed(_) => "the writer has stopped",
        };
        tracing::warn!(cause, "a write was refused (503)");
        Problem::unavailable()
    })?;
    let result = answer.await.map_err(|_| {
        tracing::error!("the writer dropped a write without answering (503)");
        Problem::unavailable()
    })?;
    result.map_err(write_problem)
}

/// The answer to a write the writer refused or failed.
pub(crate) fn write_problem(error: writer::WriteError) -> Problem {
    match error {
        writer::WriteError::Execute(tranche_store::ExecuteError::IdReused(id)) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency key reused",
            format!("the key {} was already used for a different request", client_key(&id)),
        ),
        writer::WriteError::Execute(error) => Problem::from(error),
        writer::WriteError::Internal => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the write failed unexpectedly; send it again with the same idempotency key to apply it or learn its outcome",
        ),
        writer::WriteError::PreconditionFailed { package, current } => Problem::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition-failed",
            "The package has changed",
            match current {
                Some(tag) => format!("package {package} is now at {tag}; read it again before changing it"),
                None => format!("package {package} does not exist"),
            },
        ),
        writer::WriteError::HeadMoved { expected, current } => Problem::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition-failed",
            "The log has moved on",
            format!(
                "the proposal was computed at log head {expected} and the log is now at {current}; \
                 compute the proposal again before accepting it"
            ),
        ),
    }
}

/// The key of the dashboard's CSRF tokens: derived from the store's log secret under a label of
/// its own, so every server on one store issues the same tokens and no other use of the secret
/// yields them.
fn csrf_key(secret: &[u8; 32]) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(b"tranche csrf key v1\n");
    mac.finalize().into_bytes().into()
}

/// The entity tag of a package: an HMAC-SHA256 of its full (role) form, so any change changes
/// it, keyed with the store's log secret, so the public, who sees the tag but not the form,
/// cannot confirm a guess of a name or a quantity offline; every server on one store agrees.
pub fn package_etag(ledger: &Ledger<AnyStore>, package: &PackageRef) -> Option<String> {
    use hmac::{KeyInit, Mac};
    let row = tranche_core::reports::package_rows(ledger.state(), Reader::Role(Role::Admin))
        .into_iter()
        .find(|r| r.package == package.as_str())?;
    let json = serde_json::to_vec(&wire::PackageDto::from(&row)).expect("a package serialises");
    let secret = tranche_store::Store::log_secret(ledger.store());
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&secret).expect("HMAC takes a key of any length");
    // The label keeps these tags apart from anything else ever keyed with the same secret.
    mac.update(b"tranche package etag v1\n");
    mac.update(&json);
    let tag = mac.finalize().into_bytes();
    Some(format!("\"{}\"", tag.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>()))
}

/// The package a command changes, for `If-Match`.
fn package_of(command: &Command) -> Option<&PackageRef> {
    use Command::*;
    match command {
        DraftPackage { package, .. }
        | ProposePackage { package, .. }
        | QuotePackage { package, .. }
        | ApprovePackage { package, .. }
        | OpenPackage { package, .. }
        | Allocate { package, .. }
        | ContractPackage { package, .. }
        | Disburse { package, .. }
        | RecordDelivery { package, .. }
        | ConfirmDelivery { package, .. }
        | ClosePackage { package, .. }
        | CancelPackage { package, .. } => Some(package),
        _ => None,
    }
}

/// For `tranche token create`: a role from `--role` and an optional `--party`.
pub fn role_for(role: &str, party: Option<&str>) -> Result<Role, String> {
    match (role, party) {
        ("contributor", Some(party)) => Role::parse(&format!("contributor:{party}")).map_err(|e| e.to_string()),
        ("contributor", None) => Err("a contributor token needs --party ISO3".into()),
        (_, Some(_)) => Err("--party goes with --role contributor only".into()),
        (role, None) => Role::parse(role).map_err(|e| e.to_string()),
    }
}
