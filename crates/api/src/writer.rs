//! The single writer with group commit: requests queue on a channel; the writer takes what has
//! queued (up to `MAX_BATCH`), runs each command on its own, and appends all accepted ones in one
//! durable transaction (one fsync). Every request gets its own outcome.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};
use tranche_core::Envelope;
use tranche_store::{ExecuteError, Ledger, Outcome, SqliteStore};

/// The most commands one transaction takes.
pub const MAX_BATCH: usize = 512;

/// The most requests waiting for the writer before new writes are refused with 503.
pub const QUEUE_DEPTH: usize = 8192;

pub struct WriteRequest {
    pub envelope: Envelope,
    pub reply: oneshot::Sender<Result<Outcome, ExecuteError>>,
}

pub fn spawn(
    ledger: Arc<Mutex<Ledger<SqliteStore>>>,
    mut requests: mpsc::Receiver<WriteRequest>,
    heads: tokio::sync::watch::Sender<u64>,
    metrics: Arc<crate::metrics::Metrics>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        while let Some(first) = requests.blocking_recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match requests.try_recv() {
                    Ok(request) => batch.push(request),
                    Err(_) => break,
                }
            }
            let envelopes: Vec<Envelope> = batch.iter().map(|r| r.envelope.clone()).collect();
            let (results, before, head) = {
                let mut ledger = ledger.lock().expect("the ledger lock is not poisoned");
                let before = ledger.head();
                (ledger.execute_each(&envelopes), before, ledger.head())
            };
            metrics.events_appended.inc_by(head - before);
            if results.is_err() {
                metrics.store_errors.inc();
            }
            heads.send_replace(head);
            match results {
                Ok(results) => {
                    for (request, result) in batch.into_iter().zip(results) {
                        let _ = request.reply.send(result);
                    }
                }
                Err(error) => {
                    for request in batch {
                        let _ = request.reply.send(Err(ExecuteError::Store(error.clone())));
                    }
                }
            }
        }
    })
}
