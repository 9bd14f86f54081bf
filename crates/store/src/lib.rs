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
pub mod snapshot;
mod sqlite;
pub mod synthetic;

use std::collections::HashMap;

use tranche_core::{CommandId, Event, JournalEntry, Pledge, RateQuote, RateTable};

pub use ledger::{
    ExecuteError, Ledger, Outcome, RatesImported, check_latest_snapshot, fingerprint, replay, replay_and_compare,
    usable_snapshot,
};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
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
    /// Refused before anything was touched (no such store; a restore into a store with events).
    #[error("{0}")]
    Refused(String),
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

/// What a streamed append asks for the next batch, given the store (its own transaction's
/// writes included): a batch, or `None` at the end.
pub type NextBatch<'a> = dyn FnMut(&dyn Store) -> Result<Option<Batch>, StoreError> + 'a;

/// What one durable append writes: commands in order (events numbered from head + 1), and the
/// current form of every pledge they touched, for the projections.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub commands: Vec<AcceptedCommand>,
    pub pledges: Vec<Pledge>,
    /// The log's head the batch was decided on: the append is refused with
    /// [`StoreError::Conflict`] when another writer has appended since (optimistic append).
    pub expected_head: Option<u64>,
    /// A snapshot of the state after the batch, written in the same transaction.
    pub snapshot: Option<snapshot::PendingSnapshot>,
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

/// One idempotency record, for backups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCommandRow {
    pub command_id: String,
    pub fingerprint: [u8; 32],
    pub first_seq: u64,
    pub event_count: u32,
}

/// A stored API token (its secret only as an Argon2 hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub token_id: String,
    pub secret_hash: String,
    pub role: String,
    pub expires_at: Option<String>,
    pub revoked: bool,
}

impl StoredEvent {
    /// The stored form of one event of an accepted command, numbered `seq` (every backend's
    /// append writes exactly this).
    pub(crate) fn of(
        command: &AcceptedCommand,
        event: &Event,
        seq: u64,
        recorded_at: &str,
    ) -> Result<StoredEvent, StoreError> {
        Ok(StoredEvent {
            seq,
            command_id: command.command_id.to_string(),
            kind: event.name().to_string(),
            actor: command.actor.to_string(),
            recorded_at: recorded_at.to_string(),
            payload: serde_json::to_string(event).map_err(|e| StoreError::Database(e.to_string()))?,
        })
    }

    /// The leaf hash of this event as it is appended: from the event itself, so the payload is
    /// not parsed back (equal to [`leaf_of`] on the stored row; the conformance suite checks).
    pub(crate) fn leaf_hash(&self, event: &Event, secret: &[u8; 32]) -> Result<tranche_log::Hash, StoreError> {
        let value = serde_json::to_value(event).map_err(|e| StoreError::Database(e.to_string()))?;
        let entry = tranche_log::leaf::Entry {
            seq: self.seq,
            command_id: &self.command_id,
            actor: &self.actor,
            kind: &self.kind,
            recorded_at: &self.recorded_at,
            payload: "",
        };
        let bytes = tranche_log::leaf::leaf_bytes_with(&entry, value, secret)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(tranche_log::leaf_hash(&bytes))
    }
}

/// The most events one page returns.
pub const MAX_PAGE: usize = 1000;

/// A backend for the event log. Implementations must pass the conformance tests in
/// `tests/conformance.rs`.
pub trait Store {
    /// The sequence number of the last event (0 for an empty log).
    fn head(&self) -> Result<u64, StoreError>;

    fn command(&self, id: &CommandId) -> Result<Option<StoredCommand>, StoreError>;

    /// What the store remembers of each of these command ids (absent ones are left out); one
    /// round trip for a whole batch on a networked store.
    fn commands(&self, ids: &[&CommandId]) -> Result<HashMap<CommandId, StoredCommand>, StoreError> {
        let mut found = HashMap::new();
        for id in ids {
            if let Some(stored) = self.command(id)? {
                found.insert((*id).clone(), stored);
            }
        }
        Ok(found)
    }

    /// Appends a batch in one durable transaction: all of it or none of it.
    fn append(&mut self, batch: &Batch) -> Result<(), StoreError>;

    /// Appends the batches `next` gives, one after another, in ONE durable transaction, until it
    /// gives `None`; returns the head after the last. The head must be `expected_head` when the
    /// transaction begins (else [`StoreError::Conflict`]); each batch's own `expected_head` is
    /// not consulted. `next` may read the store through the handle it is given and sees what
    /// this transaction wrote. An error from `next` or from a write rolls everything back; so
    /// does `write == false` (a dry run: decided and written, then rolled back).
    fn append_stream(
        &mut self,
        expected_head: Option<u64>,
        write: bool,
        next: &mut NextBatch<'_>,
    ) -> Result<u64, StoreError>;

    /// Calls `visit` with every event in sequence order, checking the sequence is gap-free.
    fn replay(&self, visit: &mut dyn FnMut(u64, Event) -> Result<(), StoreError>) -> Result<u64, StoreError>;

    /// Adds reference rates in one transaction; returns how many were new. A rate that differs
    /// from the one held for the same currency and date is an error and nothing is written.
    fn put_rates(&mut self, quotes: &[RateQuote]) -> Result<usize, StoreError>;

    fn rates(&self) -> Result<RateTable, StoreError>;

    /// How many reference rates are held: rates are only ever added, so a change in the count
    /// tells a long-running process to read them again.
    fn rate_count(&self) -> Result<u64, StoreError>;

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

    /// The kept state snapshots, newest first (a store that keeps none: none).
    fn snapshots(&self) -> Result<Vec<snapshot::SnapshotRow>, StoreError> {
        Ok(Vec::new())
    }

    /// The kept snapshot `newest` places from the newest (0: the newest), read alone: opening a
    /// store reads the rows one at a time, newest first, and stops at the first usable one.
    fn snapshot_nth(&self, newest: usize) -> Result<Option<snapshot::SnapshotRow>, StoreError> {
        Ok(self.snapshots()?.into_iter().nth(newest))
    }

    /// Keeps a snapshot in a transaction of its own, with the latest [`snapshot::KEEP`] only.
    fn put_snapshot(&mut self, row: &snapshot::SnapshotRow) -> Result<(), StoreError> {
        Err(StoreError::Refused(format!("this store keeps no snapshots (one at event {} was offered)", row.seq)))
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

    /// Every idempotency record, in sequence order (for backups).
    fn command_rows(&self) -> Result<Vec<StoredCommandRow>, StoreError>;

    /// Writes restored rows into an empty store in one transaction, with each event's leaf hash
    /// (salted with `secret` when given, else with the store's own); the projections are rebuilt
    /// afterwards from the events.
    fn restore_rows(
        &mut self,
        rates: &[(String, String, String)],
        commands: &[StoredCommandRow],
        events: &[StoredEvent],
        secret: Option<[u8; 32]>,
    ) -> Result<(), StoreError>;

    fn insert_token(&mut self, token: &StoredToken) -> Result<(), StoreError>;

    fn token(&self, token_id: &str) -> Result<Option<StoredToken>, StoreError>;

    /// Revokes a token; `false` when there is no such active token.
    fn revoke_token(&mut self, token_id: &str) -> Result<bool, StoreError>;
}

/// Implements [`Store`] by forwarding every method to another store: `$shared` and `$exclusive`
/// reach it from `$this` (`&self` and `&mut self`), and `$around` runs each call (a plain call,
/// or one that may block inside an async runtime).
macro_rules! forward_store {
    ($this:ident => $shared:expr, $exclusive:expr, $around:path) => {
        fn head(&self) -> Result<u64, StoreError> {
            let $this = self;
            $around(|| $shared.head())
        }
        fn command(&self, id: &CommandId) -> Result<Option<StoredCommand>, StoreError> {
            let $this = self;
            $around(|| $shared.command(id))
        }
        fn commands(&self, ids: &[&CommandId]) -> Result<HashMap<CommandId, StoredCommand>, StoreError> {
            let $this = self;
            $around(|| $shared.commands(ids))
        }
        fn append(&mut self, batch: &Batch) -> Result<(), StoreError> {
            let $this = self;
            $around(|| $exclusive.append(batch))
        }
        fn append_stream(
            &mut self,
            expected_head: Option<u64>,
            write: bool,
            next: &mut $crate::NextBatch<'_>,
        ) -> Result<u64, StoreError> {
            let $this = self;
            $around(|| $exclusive.append_stream(expected_head, write, next))
        }
        fn replay(&self, visit: &mut dyn FnMut(u64, Event) -> Result<(), StoreError>) -> Result<u64, StoreError> {
            let $this = self;
            $around(|| $shared.replay(visit))
        }
        fn put_rates(&mut self, quotes: &[RateQuote]) -> Result<usize, StoreError> {
            let $this = self;
            $around(|| $exclusive.put_rates(quotes))
        }
        fn rates(&self) -> Result<RateTable, StoreError> {
            let $this = self;
            $around(|| $shared.rates())
        }
        fn rate_count(&self) -> Result<u64, StoreError> {
            let $this = self;
            $around(|| $shared.rate_count())
        }
        fn events_after(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
            let $this = self;
            $around(|| $shared.events_after(after, limit))
        }
        fn rebuild_projections(
            &mut self,
            postings: &[(u64, Vec<JournalEntry>)],
            pledges: &[&Pledge],
        ) -> Result<(), StoreError> {
            let $this = self;
            $around(|| $exclusive.rebuild_projections(postings, pledges))
        }
        fn projection_dump(&self) -> Result<Vec<String>, StoreError> {
            let $this = self;
            $around(|| $shared.projection_dump())
        }
        fn projections_differ(
            &self,
            postings: &[(u64, Vec<JournalEntry>)],
            pledges: &[&Pledge],
        ) -> Result<Option<String>, StoreError> {
            let $this = self;
            $around(|| $shared.projections_differ(postings, pledges))
        }
        fn log_secret(&self) -> [u8; 32] {
            let $this = self;
            $shared.log_secret()
        }
        fn shared(&self) -> bool {
            let $this = self;
            $shared.shared()
        }
        fn leaf_hashes(&self, after: u64, limit: usize) -> Result<Vec<(u64, tranche_log::Hash)>, StoreError> {
            let $this = self;
            $around(|| $shared.leaf_hashes(after, limit))
        }
        fn snapshots(&self) -> Result<Vec<crate::snapshot::SnapshotRow>, StoreError> {
            let $this = self;
            $around(|| $shared.snapshots())
        }
        fn snapshot_nth(&self, newest: usize) -> Result<Option<crate::snapshot::SnapshotRow>, StoreError> {
            let $this = self;
            $around(|| $shared.snapshot_nth(newest))
        }
        fn put_snapshot(&mut self, row: &crate::snapshot::SnapshotRow) -> Result<(), StoreError> {
            let $this = self;
            $around(|| $exclusive.put_snapshot(row))
        }
        fn put_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StoreError> {
            let $this = self;
            $around(|| $exclusive.put_checkpoint(size, note))
        }
        fn checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError> {
            let $this = self;
            $around(|| $shared.checkpoints())
        }
        fn put_cosignature(&mut self, size: u64, witness: &str, line: &str) -> Result<(), StoreError> {
            let $this = self;
            $around(|| $exclusive.put_cosignature(size, witness, line))
        }
        fn cosignatures(&self, size: u64) -> Result<Vec<(String, String)>, StoreError> {
            let $this = self;
            $around(|| $shared.cosignatures(size))
        }
        fn command_rows(&self) -> Result<Vec<StoredCommandRow>, StoreError> {
            let $this = self;
            $around(|| $shared.command_rows())
        }
        fn restore_rows(
            &mut self,
            rates: &[(String, String, String)],
            commands: &[StoredCommandRow],
            events: &[StoredEvent],
            secret: Option<[u8; 32]>,
        ) -> Result<(), StoreError> {
            let $this = self;
            $around(|| $exclusive.restore_rows(rates, commands, events, secret))
        }
        fn insert_token(&mut self, token: &StoredToken) -> Result<(), StoreError> {
            let $this = self;
            $around(|| $exclusive.insert_token(token))
        }
        fn token(&self, token_id: &str) -> Result<Option<StoredToken>, StoreError> {
            let $this = self;
            $around(|| $shared.token(token_id))
        }
        fn revoke_token(&mut self, token_id: &str) -> Result<bool, StoreError> {
            let $this = self;
            $around(|| $exclusive.revoke_token(token_id))
        }
    };
}
pub(crate) use forward_store;

/// Runs `f` as it is (for [`forward_store`]).
pub(crate) fn call<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// A boxed store is a store: the command line picks its backend at run time
/// (`Ledger<Box<dyn Store>>`).
impl<S: Store + ?Sized> Store for Box<S> {
    forward_store!(this => (**this), (**this), call);
}

/// A store whose backend is chosen at run time; what `tranche serve` and the command line hold.
pub type AnyStore = Box<dyn Store + Send>;

/// Where a store is: a SQLite file or a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(std::path::PathBuf),
    Postgres(String),
}

impl Location {
    /// `postgres://...` / `postgresql://...` for PostgreSQL; `sqlite:PATH` or a plain path for
    /// a SQLite file.
    pub fn parse(text: &str) -> Location {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Location::Postgres(text.to_string());
        }
        Location::File(std::path::PathBuf::from(text.strip_prefix("sqlite:").unwrap_or(text)))
    }

    /// How the location is named in messages (a URL without its password).
    pub fn display(&self) -> String {
        match self {
            Location::File(path) => path.display().to_string(),
            Location::Postgres(url) => {
                match url.split_once("://").and_then(|(s, rest)| Some((s, rest.split_once('@')?))) {
                    Some((scheme, (credentials, host))) if credentials.contains(':') => {
                        let user = credentials.split(':').next().unwrap_or_default();
                        format!("{scheme}://{user}:***@{host}")
                    }
                    _ => url.clone(),
                }
            }
        }
    }

    /// Opens the store (a SQLite file is created, with its directory, if missing); pending
    /// migrations run.
    pub fn open(&self) -> Result<AnyStore, StoreError> {
        let store: AnyStore = match self {
            Location::Postgres(url) => Box::new(PostgresStore::connect(url).map_err(|e| self.named(e))?),
            Location::File(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| StoreError::Database(format!("cannot create {}: {e}", parent.display())))?;
                }
                Box::new(SqliteStore::open(path)?)
            }
        };
        Ok(store)
    }

    /// Opens the store to check it as it is: a SQLite file read-only and unmigrated (it must
    /// exist); a PostgreSQL database as [`Location::open`] does (a check only reads).
    pub fn open_for_checking(&self) -> Result<AnyStore, StoreError> {
        match self {
            Location::File(path) if !path.exists() => {
                Err(StoreError::Refused(format!("no store at {}", path.display())))
            }
            Location::File(path) => Ok(Box::new(SqliteStore::open_read_only(path)?)),
            Location::Postgres(_) => self.open(),
        }
    }

    /// Runs any pending migration; returns the schema version found and the version now.
    pub fn migrate(&self) -> Result<(u32, u32), StoreError> {
        Ok(match self {
            Location::Postgres(url) => PostgresStore::connect(url)?.schema_versions(),
            Location::File(path) => SqliteStore::open(path)?.schema_versions(),
        })
    }

    /// A PostgreSQL error that names the database (SQLite's name their file already).
    fn named(&self, error: StoreError) -> StoreError {
        match error {
            StoreError::Database(text) => StoreError::Database(format!("{}: {text}", self.display())),
            other => other,
        }
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
