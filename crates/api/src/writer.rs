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
//! idle writer follows other processes' events every [`FOLLOW_EVERY`]; busy or idle, it reads
//! their new reference rates every [`RATES_EVERY`].

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};
use tranche_core::{Envelope, PackageRef};
use tranche_store::{AnyStore, ExecuteError, Ledger, Outcome, StoreError};

/// The most commands one transaction takes.
pub const MAX_BATCH: usize = 512;

/// The most requests waiting for the writer before new writes are refused with 503.
pub const QUEUE_DEPTH: usize = 8192;

/// How often an idle writer reads other processes' events.
pub const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// How often the writer reads the reference rates again (one count on the store).
pub const RATES_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Debug)]
pub enum WriteError {
    Execute(ExecuteError),
    /// The package's current entity tag is not the one the client last saw.
    PreconditionFailed {
        package: PackageRef,
        current: Option<String>,
    },
    /// The writer panicked on this request's batch (logged with the batch's command ids).
    Internal,
    /// An all-or-nothing batch computed at one log head found the log at another.
    HeadMoved {
        expected: u64,
        current: u64,
    },
}

pub struct WriteRequest {
    pub envelope: Envelope,
    /// `If-Match`: the package and the entity tag the client expects it to have.
    pub if_match: Option<(PackageRef, String)>,
    pub reply: oneshot::Sender<Result<Outcome, WriteError>>,
}

/// Commands that go in together or not at all (a funding proposal's allocations), computed on
/// the state at log head `at_head`: refused whole when the log has moved on, unless every command
/// was already applied (a repeat, which returns the first outcomes).
pub struct AllRequest {
    pub envelopes: Vec<Envelope>,
    pub at_head: u64,
    pub reply: oneshot::Sender<Result<Vec<Outcome>, WriteError>>,
}

/// What the writer's queue holds.
pub enum Request {
    One(WriteRequest),
    All(AllRequest),
}

impl Request {
    fn envelopes(&self) -> Vec<&Envelope> {
        match self {
            Request::One(request) => vec![&request.envelope],
            Request::All(request) => request.envelopes.iter().collect(),
        }
    }
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
    /// When the reference rates were last read again.
    rates_checked: std::time::Instant,
    /// The ledger may differ from the store (a panic, then a failed reload): it is replayed
    /// before the next batch.
    stale: bool,
}

impl Writer {
    /// Runs the requests as one group commit, lets the replica follow, and answers each. A
    /// panic fails this batch alone (500): the writer recovers and goes on.
    fn commit(&mut self, batch: Vec<WriteRequest>) {
        if batch.is_empty() {
            return;
        }
        let envelopes: Vec<Envelope> = batch.iter().map(|r| r.envelope.clone()).collect();
        // Unwind safety: after a panic the ledger is replayed from the store (`recover`), so no
        // half-applied state is used again.
        match panic::catch_unwind(AssertUnwindSafe(|| self.run(&envelopes))) {
            Ok(Ok(results)) => {
                for (request, result) in batch.into_iter().zip(results) {
                    if let Err(error) = &result {
                        tracing::info!(command_id = %request.envelope.command_id, %error, "command refused");
                    }
                    let _ = request.reply.send(result.map_err(WriteError::Execute));
                }
            }
            Ok(Err(error)) => {
                self.metrics.store_errors.inc();
                tracing::error!(%error, commands = %command_ids(&envelopes), "a batch failed in the store");
                for request in batch {
                    let _ = request.reply.send(Err(WriteError::Execute(ExecuteError::Store(error.clone()))));
                }
            }
            Err(panic) => {
                // Answered first: if recovering panics too, the writer stops, but these know.
                for request in batch {
                    let _ = request.reply.send(Err(WriteError::Internal));
                }
                self.recover(&command_ids(&envelopes), panic.as_ref());
            }
        }
    }

    /// Decides and appends a batch, then extends the log and lets the replica follow.
    fn run(&mut self, envelopes: &[Envelope]) -> Result<Vec<Result<Outcome, ExecuteError>>, StoreError> {
        if self.stale {
            self.ledger.reload()?;
            self.stale = false;
        }
        let before = self.ledger.head();
        let results = self.ledger.execute_each(envelopes);
        self.extend_log();
        self.metrics.events_appended.inc_by(self.ledger.head().saturating_sub(before));
        self.publish();
        results
    }

    /// After a panic: logs it with the command ids it struck, replays the ledger from the store
    /// (the panic may have left its state half-applied; the store's transaction rolled back),
    /// mends the replica if the panic held its lock, and lets the replica and the log follow.
    /// A panic in here stops the writer (`/readyz` then says so).
    fn recover(&mut self, commands: &str, panic: &(dyn Any + Send)) {
        let cause = panic_message(panic);
        tracing::error!(
            commands,
            cause,
            "the writer panicked: the batch failed, the ledger is reloaded from the store"
        );
        self.stale = true;
        match self.ledger.reload() {
            Ok(()) => self.stale = false,
            Err(error) => tracing::error!(%error, "reloading the writer's ledger failed; it is tried again next batch"),
        }
        if self.replica.is_poisoned() {
            let mut replica = self.replica.lock().unwrap_or_else(PoisonError::into_inner);
            match replica.reload() {
                Ok(()) => self.replica.clear_poison(),
                Err(error) => tracing::error!(%error, "reloading the read replica failed"),
            }
        }
        self.extend_log();
        self.publish();
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

    /// Reads the reference rates again when [`RATES_EVERY`] has passed: another process may
    /// have imported some, and a writer kept busy must see them too.
    fn refresh_rates_when_due(&mut self) {
        if self.rates_checked.elapsed() < RATES_EVERY {
            return;
        }
        self.rates_checked = std::time::Instant::now();
        let refreshed = self
            .ledger
            .refresh_rates()
            .and_then(|_| self.replica.lock().expect("the ledger lock is not poisoned").refresh_rates());
        if let Err(error) = refreshed {
            self.metrics.store_errors.inc();
            tracing::error!("reading the reference rates again failed: {error}");
        }
    }

    /// Reads what other processes appended (when no write is waiting), so reads, the event
    /// stream and the log's tree show them, and the reference rates when due.
    fn follow(&mut self) {
        self.refresh_rates_when_due();
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

    /// Commits what queued: in group commits, each request with a precondition on its own,
    /// checked after the requests ahead of it.
    fn handle(&mut self, queued: Vec<Request>) {
        self.refresh_rates_when_due();
        let mut batch = Vec::with_capacity(queued.len());
        for request in queued {
            let request = match request {
                Request::One(request) => request,
                Request::All(request) => {
                    self.commit(std::mem::take(&mut batch));
                    self.commit_all(request);
                    continue;
                }
            };
            if request.if_match.is_some() {
                self.commit(std::mem::take(&mut batch));
                let mut request = Some(request);
                if self.precondition_holds(&mut request) {
                    self.commit(request.into_iter().collect());
                }
                continue;
            }
            batch.push(request);
        }
        self.commit(batch);
    }

    /// Runs an all-or-nothing batch on its own, if the log is still at the head it was computed
    /// at (or every command in it was applied before: then their first outcomes).
    fn commit_all(&mut self, request: AllRequest) {
        let AllRequest { envelopes, at_head, reply } = request;
        let ids = command_ids(&envelopes);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| -> Result<Vec<Outcome>, WriteError> {
            if self.stale {
                self.ledger.reload().map_err(|e| WriteError::Execute(ExecuteError::Store(e)))?;
                self.stale = false;
            }
            // Other processes' events read here must reach the log and the replica too, whatever
            // the outcome (else the replica would lag until the next write).
            if self.ledger.follow().map_err(|e| WriteError::Execute(ExecuteError::Store(e)))? > 0 {
                self.extend_log();
                self.publish();
            }
            let current = self.ledger.head();
            let repeat = !envelopes.is_empty()
                && envelopes.iter().all(|e| matches!(self.ledger.known(e), Ok(tranche_core::Known::Same)));
            if current != at_head && !repeat {
                return Err(WriteError::HeadMoved { expected: at_head, current });
            }
            let before = self.ledger.head();
            let outcomes = self.ledger.execute_all(&envelopes).map_err(WriteError::Execute)?;
            self.extend_log();
            self.metrics.events_appended.inc_by(self.ledger.head().saturating_sub(before));
            self.publish();
            Ok(outcomes)
        }));
        match outcome {
            Ok(result) => {
                if let Err(error) = &result {
                    tracing::info!(commands = %ids, ?error, "an all-or-nothing batch was refused");
                }
                let _ = reply.send(result);
            }
            Err(panic) => {
                let _ = reply.send(Err(WriteError::Internal));
                self.recover(&ids, panic.as_ref());
            }
        }
    }

    /// Checks a precondition against the current state; on a mismatch answers 412 at once.
    fn precondition_holds(&self, request: &mut Option<WriteRequest>) -> bool {
        let Some((package, expected)) = request.as_ref().and_then(|r| r.if_match.clone()) else { return true };
        let current = crate::package_etag(&self.ledger, &package);
        if current.as_deref() == Some(expected.as_str()) {
            return true;
        }
        let request = request.take().expect("checked above");
        let _ = request.reply.send(Err(WriteError::PreconditionFailed { package, current }));
        false
    }
}

/// The command ids of a batch, for the log.
fn command_ids<'a>(envelopes: impl IntoIterator<Item = &'a Envelope>) -> String {
    envelopes.into_iter().map(|e| e.command_id.as_str()).collect::<Vec<_>>().join(", ")
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(text), _) => text,
        (_, Some(text)) => text,
        _ => "a panic without a message",
    }
}

pub fn spawn(
    ledger: Ledger<AnyStore>,
    replica: Shared,
    mut requests: mpsc::Receiver<Request>,
    heads: tokio::sync::watch::Sender<u64>,
    metrics: Arc<crate::metrics::Metrics>,
    log: crate::log::SharedLog,
) -> JoinHandle<()> {
    let runtime = tokio::runtime::Handle::current();
    let mut writer =
        Writer { ledger, replica, log, heads, metrics, rates_checked: std::time::Instant::now(), stale: false };
    std::thread::spawn(move || {
        loop {
            // An idle writer follows other processes (servers on a shared database, the command
            // line beside a SQLite file) every FOLLOW_EVERY.
            let first = match runtime.block_on(async { tokio::time::timeout(FOLLOW_EVERY, requests.recv()).await }) {
                Ok(request) => request,
                Err(_elapsed) => {
                    if let Err(panic) = panic::catch_unwind(AssertUnwindSafe(|| writer.follow())) {
                        writer.recover("none (following the store)", panic.as_ref());
                    }
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
            // A panic outside a commit (a precondition's check) drops the requests not yet
            // answered (503 for them); the writer recovers all the same.
            let commands = command_ids(queued.iter().flat_map(Request::envelopes));
            if let Err(panic) = panic::catch_unwind(AssertUnwindSafe(|| writer.handle(queued))) {
                writer.recover(&commands, panic.as_ref());
            }
        }
    })
}
