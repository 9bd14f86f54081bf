//! The event log for clients: pages (`GET /api/v1/events?after=&limit=`) and a Server-Sent
//! Events stream (`GET /api/v1/events/stream`, resumable with `Last-Event-ID`). The public gets
//! each event with its restricted fields removed.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tranche_core::auth::{Reader, Role};
use tranche_store::{Store, StoredEvent};

use crate::problem::Problem;
use crate::tokens::RECHECK;
use crate::{AppState, reader};

/// The default and the largest page.
const DEFAULT_PAGE: usize = 100;

/// Fields the public may not read, per event kind: the same table commits them in the log.
use tranche_log::leaf::for_each_restricted;

/// One event as clients read it (the list, the stream, a command's outcome).
#[derive(Serialize, utoipa::ToSchema)]
pub struct EventDto {
    /// Its place in the log, from 1.
    seq: u64,
    /// The event's kind (`pledge-paid`, ...).
    kind: String,
    /// The role that issued the command.
    actor: String,
    /// When it was appended (RFC 3339, UTC).
    recorded_at: String,
    /// The command it came from as stored: `<actor>/<idempotency key>` for commands sent to
    /// the API (`GET /api/v1/commands/{key}` reads its outcome).
    command_id: String,
    /// The event itself; for the public without restricted fields.
    #[schema(value_type = Object)]
    event: Value,
}

/// The event as a reader may see it: the public sees no restricted field, and a reader who may
/// not read requirements does not see theirs.
fn visible(event: &StoredEvent, reader: Reader) -> EventDto {
    let mut payload: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    let hidden = !reader.sees_restricted() || (event.kind == "requirement-submitted" && !reader.sees_requirements());
    if hidden {
        let Ok(()) = for_each_restricted::<std::convert::Infallible>(&event.kind, &mut payload, |_, map, key| {
            map.remove(key);
            Ok(())
        });
    }
    EventDto {
        seq: event.seq,
        kind: event.kind.clone(),
        actor: event.actor.clone(),
        recorded_at: event.recorded_at.clone(),
        command_id: event.command_id.clone(),
        event: payload,
    }
}

/// The event as a reader may see it, as the cells of a row of the log download (the columns of
/// [`crate::datasets::events`]): seq, kind, actor, recorded_at, command_id, the event as JSON.
pub(crate) fn cells(event: &StoredEvent, reader: Reader) -> Vec<String> {
    let dto = visible(event, reader);
    vec![dto.seq.to_string(), dto.kind, dto.actor, dto.recorded_at, dto.command_id, dto.event.to_string()]
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// Events after this sequence number (default 0: from the start).
    #[param(minimum = 0)]
    after: Option<u64>,
    /// At most this many (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventPage {
    events: Vec<EventDto>,
    /// Pass as `after` for the next page.
    next: u64,
}

type SharedLedger = std::sync::Arc<std::sync::Mutex<tranche_store::Ledger<tranche_store::AnyStore>>>;

/// Stores number events with signed 64-bit integers: no event is numbered beyond this.
const LAST_SEQ: u64 = i64::MAX as u64;

fn read(ledger: &SharedLedger, after: u64, limit: usize) -> Result<Vec<StoredEvent>, Problem> {
    // A position beyond any event reads nothing (passed on as it is, 2^64 - 1 would wrap to -1
    // in the store's query and read from the start).
    if after >= LAST_SEQ {
        return Ok(Vec::new());
    }
    let ledger = ledger.lock().expect("the ledger lock is not poisoned");
    Ok(ledger.store().events_after(after, limit)?)
}

/// A page of the event log; the public gets events without restricted fields.
#[utoipa::path(get, path = "/api/v1/events", params(Page), security((), ("bearer" = [])), responses(
    (status = 200, description = "Events in sequence order", body = EventPage),
    (status = 400, description = "A bad limit", body = crate::problem::Problem, content_type = "application/problem+json"),
    (status = 401, description = "An invalid token", body = crate::problem::Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = crate::problem::Problem, content_type = "application/problem+json"),
))]
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query<Page>,
) -> Result<Json<EventPage>, Problem> {
    let reader = reader(&state, &headers).await?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > tranche_store::MAX_PAGE {
        return Err(Problem::bad_request(format!("limit must be 1 to {}", tranche_store::MAX_PAGE)));
    }
    let after = query.after.unwrap_or(0);
    let events = read(&state.ledger, after, limit)?;
    let next = events.last().map_or(after, |e| e.seq);
    Ok(Json(EventPage { events: events.iter().map(|e| visible(e, reader)).collect(), next }))
}

/// New events as Server-Sent Events, resumable with `Last-Event-ID`.
#[utoipa::path(get, path = "/api/v1/events/stream", params(Page), security((), ("bearer" = [])), responses(
    (status = 200, description = "A stream of events, until the server stops or the token is revoked or expires: `id:` the sequence number, `data:` the event as in the event list", body = String, content_type = "text/event-stream"),
    (status = 401, description = "An invalid token", body = crate::problem::Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate, or too many failed token verifications", body = crate::problem::Problem, content_type = "application/problem+json"),
))]
pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query<Page>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, Problem> {
    let reader = reader(&state, &headers).await?;
    let token = crate::bearer(&headers)?.map(|token| (state.tokens.clone(), token.to_string()));
    let resume = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let follower = Follower {
        ledger: state.ledger.clone(),
        heads: state.heads.clone(),
        stopping: state.stopping.clone(),
        token,
        reader,
        after: resume.or(query.after).unwrap_or(0),
        pending: VecDeque::new(),
    };
    let events = stream::unfold(follower, Follower::next);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// What an event stream holds: the ledger and two signals, not the whole state (it must not
/// keep the writer alive, and it ends when the server begins to stop), and the reader's token,
/// verified again before every event and every [`RECHECK`] while idle: a revoked or expired
/// token ends the stream.
struct Follower {
    ledger: SharedLedger,
    heads: tokio::sync::watch::Receiver<u64>,
    stopping: tokio::sync::watch::Receiver<bool>,
    token: Option<(Arc<crate::tokens::Verified>, String)>,
    reader: Reader,
    after: u64,
    pending: VecDeque<StoredEvent>,
}

impl Follower {
    /// The next event, or `None` when the stream ends.
    async fn next(mut self) -> Option<(Result<SseEvent, Infallible>, Follower)> {
        loop {
            if *self.stopping.borrow() || !self.allowed().await {
                return None;
            }
            if let Some(event) = self.pending.pop_front() {
                self.after = event.seq;
                let data = serde_json::to_string(&visible(&event, self.reader)).unwrap_or_default();
                let sse = SseEvent::default().id(event.seq.to_string()).event(event.kind.clone()).data(data);
                return Some((Ok(sse), self));
            }
            match read(&self.ledger, self.after, DEFAULT_PAGE) {
                Ok(page) if !page.is_empty() => self.pending = page.into(),
                Ok(_) => self.wait().await,
                Err(_) => return None,
            }
        }
    }

    /// The public may always read; a role while its token still verifies.
    async fn allowed(&self) -> bool {
        match &self.token {
            None => true,
            Some((tokens, token)) => crate::verify(tokens, &self.ledger, token).await.is_ok(),
        }
    }

    /// Waits for a commit or the stop, or a while (less with a token to check again).
    async fn wait(&mut self) {
        let tick = if self.token.is_some() { RECHECK } else { Duration::from_secs(5) };
        tokio::select! {
            changed = self.heads.changed() => {
                // No writer publishes any more: look again now and then, not in a busy loop.
                if changed.is_err() {
                    tokio::time::sleep(tick).await;
                }
            }
            _ = self.stopping.changed() => {}
            _ = tokio::time::sleep(tick) => {}
        }
    }
}

/// What became of a command: found only for the actor that sent it (and for admin).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutcomeQuery {
    /// Admin only: the role that sent the command (`coordinator`, `contributor:NLD`); default the
    /// token's own role.
    actor: Option<String>,
}

/// A command's outcome: accepted, with its events in log order.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CommandOutcomeDto {
    /// The idempotency key the client sent.
    command_id: String,
    /// The role that sent it.
    actor: String,
    /// Always `accepted`: a refused command leaves nothing in the log (send it again with the
    /// same key to learn why).
    #[schema(example = "accepted")]
    status: &'static str,
    /// The sequence number of its first event.
    first_seq: u64,
    event_count: u32,
    events: Vec<EventDto>,
}

/// The outcome of a command sent with this idempotency key, for the actor that sent it (a
/// client that timed out asks here). Another actor's command is 404, as if it did not exist;
/// admin reads any with `actor`.
#[utoipa::path(get, path = "/api/v1/commands/{id}", params(
        ("id" = String, Path, description = "The idempotency key (`Idempotency-Key` or `command_id`) the command was sent with"),
        OutcomeQuery,
    ), security(("bearer" = [])), responses(
    (status = 200, description = "Accepted, with its events", body = CommandOutcomeDto),
    (status = 400, description = "A malformed key or actor", body = crate::problem::Problem, content_type = "application/problem+json"),
    (status = 401, description = "No or an invalid token", body = crate::problem::Problem, content_type = "application/problem+json"),
    (status = 404, description = "No accepted command of this actor has this key (never received, refused, or another actor's)", body = crate::problem::Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = crate::problem::Problem, content_type = "application/problem+json"),
))]
pub async fn outcome(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(key): axum::extract::Path<String>,
    query: Query<OutcomeQuery>,
) -> Result<Json<CommandOutcomeDto>, Problem> {
    let Reader::Role(role) = reader(&state, &headers).await? else {
        return Err(Problem::unauthorized("a command's outcome is read with the token that sent it"));
    };
    let not_found = || Problem::not_found(format!("no accepted command with the key {key}"));
    let actor = match &query.actor {
        None => role,
        Some(text) => {
            let actor = Role::parse(text).map_err(|e| Problem::bad_request(format!("actor: {e}")))?;
            // Another actor's commands do not exist for anyone but admin (404, not 403).
            if actor != role && role != Role::Admin {
                return Err(not_found());
            }
            actor
        }
    };
    let id = crate::scoped_id(actor, &key)?;
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    let stored = ledger.store().command(&id)?.ok_or_else(not_found)?;
    let count = usize::try_from(stored.event_count).unwrap_or(usize::MAX).min(tranche_store::MAX_PAGE);
    let events = match (stored.first_seq, count) {
        (0, _) | (_, 0) => Vec::new(),
        (first, count) => ledger.store().events_after(first - 1, count)?,
    };
    let reader = Reader::Role(role);
    let events: Vec<EventDto> =
        events.iter().filter(|e| e.command_id == id.as_str()).map(|e| visible(e, reader)).collect();
    Ok(Json(CommandOutcomeDto {
        command_id: key,
        actor: actor.to_string(),
        status: "accepted",
        first_seq: stored.first_seq,
        event_count: stored.event_count,
        events,
    }))
}
