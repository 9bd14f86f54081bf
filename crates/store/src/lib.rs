//! Tranche store: durable event log, idempotency records, reference rates and projections,
//! behind the [`Store`] trait; and [`Ledger`], which runs commands through the core against
//! the store's state. SQLite is the embedded default ([`SqliteStore`]).
//!
//! Pair assertions: before an append, every journal entry balances (by construction) and the
//! books' trial balance is zero; after a load or replay, the event sequence is gap-free, the
//! replayed count equals the head, and every core invariant holds ([`State::check_invariants`]).

pub mod backup;
mod ledger;
pub mod log;
pub mod postgres;
mod sqlite;
pub mod synthetic;

use tranche_core::{CommandId, Event, JournalEntry, Pledge, RateQuote, RateTable};

pub use ledger::{ExecuteError, Ledger, Outcome, RatesImported, replay_and_compare};
pub use postgres::PostgresStore;
pub use sqlite::{SqliteStore, StoredCommandRow, StoredToken};
pub use tranche_core::State;

/// SHA-256 of a command's canonical JSON: a repeat with the same id must carry the same bytes.
pub type Fingerprint = [u8; 32];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Rates(String),
    /// Another writer appended first: the log's head is not the one the batch was decided on.
    #[error("another writer appended first (the log is at event {found}, the batch was decided at {expected})")]
    Conflict { expected: u64, found: u64 },
}

/// What the store remembers of an accepted command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredCommand {
    pub fingerprint: Fingerprint,
    pub first_seq: u64,
    pub event_count: u32,
}

/// One accepted command with its events and the journal entries each posted.
#[derive(Debug, Clone)]
pub struct AcceptedCommand {
    pub command_id: CommandId,
    pub actor: tranche_core::auth::Role,
    pub fingerprint: Fingerprint,
    pub events: Vec<(Event, Vec<JournalEntry>)>,
}

/// What one durable append writes: commands in order (events numbered from head + 1), and the
/// current form of every pledge they touched, for the projections.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub commands: Vec<AcceptedCommand>,
    pub pledges: Vec<Pledge>,
    /// The log's head the batch was decided on: the append is refused with
    /// [`StoreError::Conflict`] when another writer has appended since (optimistic append).
    pub expected_head: Option<u64>,
}

/// One stored event as read back for clients: its JSON payload untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: u64,
    pub command_id: String,
    pub kind: String,
    pub actor: String,
    pub recorded_at: String,
    pub payload: String,
}

/// The most events one page returns.
pub const MAX_PAGE: usize = 1000;

/// A backend for the event log. Implementations must pass the conformance tests in
/// `tests/conformance.rs`.
pub trait Store {
    /// The sequence number of the last event (0 for an empty log).
    fn head(&self) -> Result<u64, StoreError>;

    fn command(&self, id: &CommandId) -> Result<Option<StoredCommand>, StoreError>;

    /// Appends a batch in one durable transaction: all of it or none of it.
    fn append(&mut self, batch: &Batch) -> Result<(), StoreError>;

    /// Calls `visit` with every event in sequence order, checking the sequence is gap-free.
    fn replay(&self, visit: &mut dyn FnMut(u64, Event) -> Result<(), StoreError>) -> Result<u64, StoreError>;

    /// Adds reference rates in one transaction; returns how many were new. A rate that differs
    /// from the one held for the same currency and date is an error and nothing is written.
    fn put_rates(&mut self, quotes: &[RateQuote]) -> Result<usize, StoreError>;

    fn rates(&self) -> Result<RateTable, StoreError>;

    /// Events with `seq > after`, oldest first, at most `limit` (capped at [`MAX_PAGE`]).
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError>;

    /// Replaces every projection with the given form (after a full replay).
    fn rebuild_projections(
        &mut self,
        postings: &[(u64, Vec<JournalEntry>)],
        pledges: &[&Pledge],
    ) -> Result<(), StoreError>;

    /// The projections, as rows of text, for comparison with a rebuild.
    fn projection_dump(&self) -> Result<Vec<String>, StoreError>;

    /// Compares the stored projections with the given form (from a full replay) without
    /// writing; `Some` names the first difference.
    fn projections_differ(
        &self,
        postings: &[(u64, Vec<JournalEntry>)],
        pledges: &[&Pledge],
    ) -> Result<Option<String>, StoreError>;

    /// The secret behind the salts of restricted fields in the log's leaves (docs/LOG.md).
    fn log_secret(&self) -> [u8; 32];

    /// Whether other processes may append to this store too (the ledger then catches up before
    /// deciding, and decides again when another writer came first).
    fn shared(&self) -> bool {
        false
    }

    /// Stored leaf hashes with `seq > after`, oldest first, at most `limit`.
    fn leaf_hashes(&self, after: u64, limit: usize) -> Result<Vec<(u64, tranche_log::Hash)>, StoreError>;

    /// Keeps a signed checkpoint (a C2SP signed note) of the tree of `size` leaves.
    fn put_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StoreError>;

    /// Every kept checkpoint, by size.
    fn checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError>;

    /// Keeps a witness's cosignature line of the checkpoint of `size` (one per witness).
    fn put_cosignature(&mut self, size: u64, witness: &str, line: &str) -> Result<(), StoreError>;

    /// The cosignature lines of the checkpoint of `size`, by witness.
    fn cosignatures(&self, size: u64) -> Result<Vec<(String, String)>, StoreError>;
}

/// A boxed store is a store: the command line picks its backend at run time
/// (`Ledger<Box<dyn Store>>`).
impl<S: Store + ?Sized> Store for Box<S> {
    fn head(&self) -> Result<u64, StoreError> {
        (**self).head()
    }
    fn command(&self, id: &CommandId) -> Result<Option<StoredCommand>, StoreError> {
        (**self).command(id)
    }
    fn append(&mut self, batch: &Batch) -> Result<(), StoreError> {
        (**self).append(batch)
    }
    fn replay(&self, visit: &mut dyn FnMut(u64, Event) -> Result<(), StoreError>) -> Result<u64, StoreError> {
        (**self).replay(visit)
    }
    fn put_rates(&mut self, quotes: &[RateQuote]) -> Result<usize, StoreError> {
        (**self).put_rates(quotes)
    }
    fn rates(&self) -> Result<RateTable, StoreError> {
        (**self).rates()
    }
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        (**self).events_after(after, limit)
    }
    fn rebuild_projections(
        &mut self,
        postings: &[(u64, Vec<JournalEntry>)],
        pledges: &[&Pledge],
    ) -> Result<(), StoreError> {
        (**self).rebuild_projections(postings, pledges)
    }
    fn projection_dump(&self) -> Result<Vec<String>, StoreError> {
        (**self).projection_dump()
    }
    fn projections_differ(
        &self,
        postings: &[(u64, Vec<JournalEntry>)],
        pledges: &[&Pledge],
    ) -> Result<Option<String>, StoreError> {
        (**self).projections_differ(postings, pledges)
    }
    fn log_secret(&self) -> [u8; 32] {
        (**self).log_secret()
    }
    fn shared(&self) -> bool {
        (**self).shared()
    }
    fn leaf_hashes(&self, after: u64, limit: usize) -> Result<Vec<(u64, tranche_log::Hash)>, StoreError> {
        (**self).leaf_hashes(after, limit)
    }
    fn put_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StoreError> {
        (**self).put_checkpoint(size, note)
    }
    fn checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError> {
        (**self).checkpoints()
    }
    fn put_cosignature(&mut self, size: u64, witness: &str, line: &str) -> Result<(), StoreError> {
        (**self).put_cosignature(size, witness, line)
    }
    fn cosignatures(&self, size: u64) -> Result<Vec<(String, String)>, StoreError> {
        (**self).cosignatures(size)
    }
}

/// A stored rate row read back: every backend keeps currency, date and rate as text.
pub(crate) fn stored_quote(currency: &str, date: &str, rate: &str) -> Result<RateQuote, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("stored rate {currency} {date} {rate}: bad {what}"));
    Ok(RateQuote {
        currency: tranche_core::Currency::parse(currency).map_err(|_| corrupt("currency"))?,
        date: tranche_core::parse_date(date).map_err(|_| corrupt("date"))?,
        rate: tranche_core::Rate::parse(rate).map_err(|_| corrupt("rate"))?,
    })
}

/// Whether an offered rate is new (`true`), already held (`false`), or conflicts with the held
/// one (an error naming both; the caller writes nothing).
pub(crate) fn rate_is_new(quote: &RateQuote, held: Option<&str>) -> Result<bool, StoreError> {
    match held {
        None => Ok(true),
        Some(held) if tranche_core::Rate::parse(held).ok() == Some(quote.rate) => Ok(false),
        Some(held) => Err(StoreError::Rates(format!(
            "conflicting {} rate for {}: {held} is loaded, {} offered; nothing was imported",
            quote.currency, quote.date, quote.rate
        ))),
    }
}

/// The leaf of a stored event: its committed canonical bytes (docs/LOG.md).
pub fn leaf_of(event: &StoredEvent, secret: &[u8; 32]) -> Result<Vec<u8>, StoreError> {
    let entry = tranche_log::leaf::Entry {
        seq: event.seq,
        command_id: &event.command_id,
        actor: &event.actor,
        kind: &event.kind,
        recorded_at: &event.recorded_at,
        payload: &event.payload,
    };
    tranche_log::leaf::leaf_bytes(&entry, secret).map_err(|e| StoreError::Corrupt(e.to_string()))
}
