//! The verifiable log over HTTP, public, in fixed forms (docs/LOG.md): the latest signed
//! checkpoint with its cosignatures (`text/plain`), entries as the exact leaf bytes, inclusion
//! and consistency proofs in RFC 6962 order, and witnesses' cosignatures posted back.
//!
//! The server keeps the tree in memory (O(log n) per appended leaf), extends it after every
//! commit, and signs a checkpoint after a batch when the last one is at least a second old; a
//! ticker signs whatever is left within a second.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use tranche_log::Tree;
use tranche_log::note::{SignedNote, Signer25519, VerifierKey};
use tranche_store::{AnyStore, Ledger, Store};

use crate::AppState;
use crate::problem::Problem;

/// The most entries one request returns.
pub const MAX_ENTRIES: u64 = 1000;

/// How the server signs and whom it accepts cosignatures from.
#[derive(Clone, Default)]
pub struct LogConfig {
    pub signer: Option<Signer25519>,
    pub witnesses: Vec<VerifierKey>,
}

pub struct LogState {
    pub tree: Tree,
    config: LogConfig,
    last_signed: Option<Instant>,
    /// The size of the latest checkpoint known to be kept: an idle log is not signed again, so
    /// neither the ticker nor the writer reads the store or waits for its lock for nothing.
    signed_size: Option<u64>,
}

pub type SharedLog = Arc<Mutex<LogState>>;

impl LogState {
    /// The log's public key, when the server signs.
    pub fn public_key(&self) -> Option<String> {
        self.config.signer.as_ref().map(|s| s.verifier().to_text())
    }

    pub fn load(ledger: &Ledger<AnyStore>, config: LogConfig) -> Result<LogState, tranche_store::StoreError> {
        let tree = tranche_store::log::tree_of(ledger.store())?;
        Ok(LogState { tree, config, last_signed: None, signed_size: None })
    }

    /// Extends the tree with the leaves stored since, and signs a checkpoint when one is due
    /// (`force`: whatever the time since the last).
    pub fn catch_up(&mut self, ledger: &mut Ledger<AnyStore>, force: bool) -> Result<(), tranche_store::StoreError> {
        tranche_store::log::extend(ledger.store(), &mut self.tree)?;
        let Some(signer) = &self.config.signer else { return Ok(()) };
        let due = force || self.last_signed.is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
        if !due || self.signed_size == Some(self.tree.size()) {
            return Ok(());
        }
        if tranche_store::log::sign_checkpoint(ledger.store_mut(), &self.tree, signer)?.is_some() {
            self.last_signed = Some(Instant::now());
        }
        self.signed_size = Some(self.tree.size());
        Ok(())
    }
}

/// Signs the checkpoints left unsigned by the writer's one-per-second rule, once a second. It
/// writes on the read connection while the writer appends on its own: safe because every SQLite
/// write transaction takes the write lock when it begins (`BEGIN IMMEDIATE`), so neither side
/// fails on the other's commit (issue 12, #11).
pub fn spawn_ticker(
    ledger: Arc<Mutex<Ledger<AnyStore>>>,
    log: SharedLog,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopping.changed() => return,
            }
            let mut ledger = ledger.lock().expect("the ledger lock is not poisoned");
            let mut log = log.lock().expect("the log lock is not poisoned");
            if let Err(error) = log.catch_up(&mut ledger, true) {
                tracing::error!("signing a checkpoint failed: {error}");
            }
        }
    });
}

/// The latest signed checkpoint, as a C2SP signed note with its witnesses' cosignatures.
#[utoipa::path(get, path = "/api/v1/log/checkpoint", responses(
    (status = 200, description = "The signed note: origin, tree size, base64 root hash, a blank line, then signature lines", body = String, content_type = "text/plain"),
    (status = 404, description = "No checkpoint is signed yet (the server has no signing key)", body = Problem, content_type = "application/problem+json"),
))]
pub async fn checkpoint(State(state): State<AppState>) -> Result<Response, Problem> {
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    match tranche_store::log::latest_note(ledger.store())? {
        Some((_, note)) => Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response()),
        None => Err(Problem::not_found("no checkpoint is signed yet")),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Range {
    /// The first leaf index (0-based; leaf i is event i + 1).
    #[param(minimum = 0)]
    start: u64,
    /// One past the last leaf index (at most start + 1000, at most the tree size).
    #[param(minimum = 0)]
    end: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LogEntry {
    index: u64,
    /// Base64 of the exact bytes hashed into the leaf (`H(0x00 || bytes)`).
    leaf_b64: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LogEntries {
    entries: Vec<LogEntry>,
}

/// Leaves in their committed form: restricted values are salted hash commitments.
#[utoipa::path(get, path = "/api/v1/log/entries", params(Range), responses(
    (status = 200, description = "The entries", body = LogEntries),
    (status = 400, description = "A range that is empty, too long or beyond the tree", body = Problem, content_type = "application/problem+json"),
))]
pub async fn entries(State(state): State<AppState>, Query(range): Query<Range>) -> Result<Json<LogEntries>, Problem> {
    let size = state.log.lock().expect("the log lock is not poisoned").tree.size();
    if range.start >= range.end || range.end > size || range.end - range.start > MAX_ENTRIES {
        return Err(Problem::bad_request(format!(
            "start must be below end, end at most the tree size {size}, and at most {MAX_ENTRIES} entries"
        )));
    }
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    let secret = ledger.store().log_secret();
    let events = ledger.store().events_after(range.start, (range.end - range.start) as usize)?;
    let mut entries = Vec::with_capacity(events.len());
    for event in &events {
        let leaf = tranche_store::leaf_of(event, &secret)?;
        entries.push(LogEntry { index: event.seq - 1, leaf_b64: STANDARD.encode(leaf) });
    }
    Ok(Json(LogEntries { entries }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Proof {
    /// The proof's hashes, base64, in RFC 6962 order.
    hashes_b64: Vec<String>,
}

fn proof(hashes: Vec<tranche_log::Hash>) -> Json<Proof> {
    Json(Proof { hashes_b64: hashes.iter().map(|h| STANDARD.encode(h)).collect() })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The leaf index (0-based).
    #[param(minimum = 0)]
    index: u64,
    /// The tree size the proof is for (a signed checkpoint's size).
    #[param(minimum = 1)]
    size: u64,
}

/// RFC 6962 PATH(index, D[size]).
#[utoipa::path(get, path = "/api/v1/log/proof/inclusion", params(InclusionQuery), responses(
    (status = 200, description = "The inclusion proof", body = Proof),
    (status = 400, description = "The index is not below the size, or the size is beyond the tree", body = Problem, content_type = "application/problem+json"),
))]
pub async fn inclusion(
    State(state): State<AppState>,
    Query(query): Query<InclusionQuery>,
) -> Result<Json<Proof>, Problem> {
    let log = state.log.lock().expect("the log lock is not poisoned");
    let hashes = log.tree.inclusion_proof(query.index, query.size).ok_or_else(|| {
        Problem::bad_request(format!("index must be below size, and size at most the tree size {}", log.tree.size()))
    })?;
    Ok(proof(hashes))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree size.
    #[param(minimum = 0)]
    from: u64,
    /// The newer tree size.
    #[param(minimum = 0)]
    to: u64,
}

/// RFC 6962 PROOF(from, D[to]).
#[utoipa::path(get, path = "/api/v1/log/proof/consistency", params(ConsistencyQuery), responses(
    (status = 200, description = "The consistency proof", body = Proof),
    (status = 400, description = "from is above to, or to is beyond the tree", body = Problem, content_type = "application/problem+json"),
))]
pub async fn consistency(
    State(state): State<AppState>,
    Query(query): Query<ConsistencyQuery>,
) -> Result<Json<Proof>, Problem> {
    let log = state.log.lock().expect("the log lock is not poisoned");
    let hashes = log.tree.consistency_proof(query.from, query.to).ok_or_else(|| {
        Problem::bad_request(format!("from must be at most to, and to at most the tree size {}", log.tree.size()))
    })?;
    Ok(proof(hashes))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cosignature {
    /// The size of the checkpoint cosigned.
    size: u64,
    /// The cosignature line: `— <witness name> <base64(key hash, time, signature)>`.
    cosignature: String,
}

/// A witness's cosignature of a checkpoint; only witnesses the server was started with
/// (`--witness KEY`) are accepted, and only a signature that verifies.
#[utoipa::path(post, path = "/api/v1/log/cosignatures", request_body = Cosignature, responses(
    (status = 201, description = "Kept; the checkpoint now carries it"),
    (status = 403, description = "Not a witness of this log", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No checkpoint of that size", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A malformed body or a signature that does not verify", body = Problem, content_type = "application/problem+json"),
))]
pub async fn cosign(State(state): State<AppState>, body: Bytes) -> Result<Response, Problem> {
    let invalid = |detail: String| {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-cosignature", "Invalid cosignature", detail)
    };
    let posted: Cosignature = serde_json::from_slice(&body).map_err(|e| invalid(e.to_string()))?;
    let line = posted.cosignature.trim_end_matches('\n');
    let (name, signature) = line
        .strip_prefix("\u{2014} ")
        .and_then(|rest| rest.split_once(' '))
        .ok_or_else(|| invalid("the cosignature is not a line '— <name> <signature>'".into()))?;
    let witness = {
        let log = state.log.lock().expect("the log lock is not poisoned");
        log.config.witnesses.iter().find(|w| w.name == name).cloned()
    };
    let witness = witness.ok_or_else(|| {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", format!("{name} is not a witness of this log"))
    })?;
    let mut ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    let text = ledger
        .store()
        .checkpoints()?
        .into_iter()
        .find(|(size, _)| *size == posted.size)
        .and_then(|(_, note)| SignedNote::parse(&note).ok())
        .map(|note| note.text)
        .ok_or_else(|| Problem::not_found(format!("no checkpoint of size {}", posted.size)))?;
    let note = SignedNote { text, signatures: vec![(name.to_string(), signature.to_string())] };
    note.verify(&witness).map_err(|e| invalid(format!("the cosignature does not verify: {e}")))?;
    ledger.store_mut().put_cosignature(posted.size, name, line)?;
    Ok(StatusCode::CREATED.into_response())
}
