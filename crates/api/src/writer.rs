//! The single writer with group commit: requests queue on a channel; the writer takes what has
//! queued (up to `MAX_BATCH`), runs each command on its own, and appends all accepted ones in one
//! durable transaction (one fsync). Every request gets its own outcome. A request with a
//! precondition (`If-Match` on a package) is checked against the state just before it runs,
//! after the requests queued ahead of it.
//!
//! The writer owns its ledger; requests read a replica (another connection to the store) that
//! follows each commit before the writes are answered, so reads never wait for an fsync.
//!
//! On a store several processes share (PostgreSQL), the ledger reads the others' events before
//! deciding each batch and decides again when another process appended first. On any store an
//! idle writer follows other processes' events every [`FOLLOW_EVERY`] (and their new reference
//! rates every tenth time).

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};
use tranche_core::{Envelope, PackageRef};
use tranche_store::{AnyStore, ExecuteError, Ledger, Outcome};

/// The most commands one transaction takes.
pub const MAX_BATCH: usize = 512;

/// The most requests waiting for the writer before new writes are refused with 503.
pub const QUEUE_DEPTH: usize = 8192;

/// How often an idle writer reads other processes' events.
pub const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

#[derive(Debug)]
pub enum WriteError {
    Execute(ExecuteError),
    /// The package's current entity tag is not the one the client last saw.
    PreconditionFailed {
        package: PackageRef,
        current: Option<String>,
    },
}

pub struct WriteRequest {
    pub envelope: Envelope,
    /// `If-Match`: the package and the entity tag the client expects it to have.
    pub if_match: Option<(PackageRef, String)>,
    pub reply: oneshot::Sender<Result<Outcome, WriteError>>,
}

type Shared = Arc<Mutex<Ledger<AnyStore>>>;

struct Writer {
    /// The writer's own ledger: decides and appends.
    ledger: Ledger<AnyStore>,
    /// The requests' replica: follows each commit before the writes are answered.
    replica: Shared,
    log: crate::log::SharedLog,
    heads: tokio::sync::watch::Sender<u64>,
    metrics: Arc<crate::metrics::Metrics>,
    /// How often the writer has found nothing to do (paces the rates check).
    idle_rounds: u64,
}

impl Writer {
    /// Runs the requests as one group commit, lets the replica follow, and answers each.
    fn commit(&mut self, batch: Vec<WriteRequest>) {
        if batch.is_empty() {
            return;
        }
        let envelopes: Vec<Envelope> = batch.iter().map(|r| r.envelope.clone()).collect();
        let before = self.ledger.head();
        let results = self.ledger.execute_each(&envelopes);
        self.extend_log();
        self.metrics.events_appended.inc_by(self.ledger.head() - before);
        self.publish();
        match results {
            Ok(results) => {
                for (request, result) in batch.into_iter().zip(results) {
                    let _ = request.reply.send(result.map_err(WriteError::Execute));
                }
            }
            Err(error) => {
                self.metrics.store_errors.inc();
                for request in batch {
                    let _ = request.reply.send(Err(WriteError::Execute(ExecuteError::Store(error.clone()))));
                }
            }
        }
    }

    /// Extends the log's tree with what was stored, and signs a checkpoint when one is due.
    fn extend_log(&mut self) {
        let mut log = self.log.lock().expect("the log lock is not poisoned");
        if let Err(error) = log.catch_up(&mut self.ledger, false) {
            tracing::error!("extending the log's tree failed: {error}");
        }
    }

    /// The replica reads what was stored since it last looked; then the new head is published
    /// (for the event stream).
    fn publish(&self) {
        let mut replica = self.replica.lock().expect("the ledger lock is not poisoned");
        if let Err(error) = replica.follow() {
            self.metrics.store_errors.inc();
            tracing::error!("the read replica could not follow the store: {error}");
        }
        self.heads.send_replace(replica.head());
    }

    /// Reads what other processes appended (when no write is waiting), so reads, the event
    /// stream and the log's tree show them; every tenth time, the reference rates too.
    fn follow(&mut self) {
        self.idle_rounds += 1;
        if self.idle_rounds.is_multiple_of(10) {
            let refreshed = self
                .ledger
                .refresh_rates()
                .and_then(|_| self.replica.lock().expect("the ledger lock is not poisoned").refresh_rates());
            if let Err(error) = refreshed {
                self.metrics.store_errors.inc();
                tracing::error!("reading the reference rates again failed: {error}");
            }
        }
        match self.ledger.follow() {
            Ok(0) => {}
            Ok(_) => {
                self.extend_log();
                self.publish();
            }
            Err(error) => {
                self.metrics.store_errors.inc();
                tracing::error!("reading other writers' events failed: {error}");
            }
        }
    }

    /// Checks a precondition against the current state; on a mismatch answers 412 at once.
    fn precondition_holds(&self, request: &mut Option<WriteRequest>) -> bool {
        let Some((package, expected)) = request.as_ref().and_then(|r| r.if_match.clone()) else { return true };
        let current = crate::package_etag(self.ledger.state(), &package);
        if current.as_deref() == Some(expected.as_str()) {
            return true;
        }
        let request = request.take().expect("checked above");
        let _ = request.reply.send(Err(WriteError::PreconditionFailed { package, current }));
        false
    }
}

pub fn spawn(
    ledger: Ledger<AnyStore>,
    replica: Shared,
    mut requests: mpsc::Receiver<WriteRequest>,
    heads: tokio::sync::watch::Sender<u64>,
    metrics: Arc<crate::metrics::Metrics>,
    log: crate::log::SharedLog,
) -> JoinHandle<()> {
    let runtime = tokio::runtime::Handle::current();
    let mut writer = Writer { ledger, replica, log, heads, metrics, idle_rounds: 0 };
    std::thread::spawn(move || {
        loop {
            // An idle writer follows other processes (servers on a shared database, the command
            // line beside a SQLite file) every FOLLOW_EVERY.
            let first = match runtime.block_on(async { tokio::time::timeout(FOLLOW_EVERY, requests.recv()).await }) {
                Ok(request) => request,
                Err(_elapsed) => {
                    writer.follow();
                    continue;
                }
            };
            let Some(first) = first else { break };
            let mut queued = vec![first];
            while queued.len() < MAX_BATCH {
                match requests.try_recv() {
                    Ok(request) => queued.push(request),
                    Err(_) => break,
                }
            }
            let mut batch = Vec::with_capacity(queued.len());
            for request in queued {
                if request.if_match.is_some() {
                    writer.commit(std::mem::take(&mut batch));
                    let mut request = Some(request);
                    if writer.precondition_holds(&mut request) {
                        writer.commit(request.into_iter().collect());
                    }
                    continue;
                }
                batch.push(request);
            }
            writer.commit(batch);
        }
    })
}
