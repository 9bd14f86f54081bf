//! [`Ledger`]: the state folded from a store, and the one path by which commands become events.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use tranche_core::{
    CommandId, Currency, Decided, DomainError, Envelope, Known, PledgeId, RateQuote, RateTable, State, Summary,
    summarise,
};

use tranche_log::Frontier;

use crate::snapshot::{self, PendingSnapshot, Snapshot, SnapshotRow};
use crate::{AcceptedCommand, Batch, Fingerprint, Store, StoreError};

/// What a streamed import asks for its next chunk: decided and applied on the state it is given
/// (with the rates, and the store to read), or `None` at the end.
pub type NextDecided<'a> =
    dyn FnMut(&mut State, &RateTable, &dyn Store) -> Result<Option<Vec<Decided>>, StoreError> + 'a;

/// How often a batch is decided again after another writer appended first.
const MAX_ATTEMPTS: u32 = 60;

/// A pause before deciding again: growing with each attempt (up to 50 ms) and jittered, so that
/// two writers that keep colliding do not wait in step and collide again (on a loaded machine two
/// writers backing off by the same amounts lost twenty times in a row).
fn back_off(attempt: u32) {
    let ceiling = u64::from(attempt.min(50)).max(1);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let thread = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        std::thread::current().id().hash(&mut hasher);
        hasher.finish()
    };
    let jitter = (u64::from(nanos) ^ thread) % (ceiling + 1);
    std::thread::sleep(std::time::Duration::from_millis(ceiling / 2 + jitter));
}

/// The result of an accepted command (first time or repeated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub first_seq: u64,
    pub event_count: u32,
    /// `true` when the command id was seen before: nothing was applied this time.
    pub repeated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecuteError {
    #[error("command {command_id} ({command}) rejected: {error}")]
    Rejected { command_id: CommandId, command: &'static str, error: Box<DomainError> },
    #[error("command id {0} was already used for a different command")]
    IdReused(CommandId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatesImported {
    pub new: usize,
    pub unchanged: usize,
}

pub struct Ledger<S: Store> {
    store: S,
    state: State,
    rates: RateTable,
    /// On a shared store: an earlier state to return to when a batch must be decided again.
    saved: Option<State>,
    /// The log's right edge at some position at or before the store's head (extended from the
    /// store's leaf hashes when a snapshot or a checkpoint needs it).
    frontier: Frontier,
    /// A snapshot is written with the append that crosses a multiple of this many events (0: never).
    snapshot_every: u64,
}

/// How many events a shared store's ledger applies before it copies its state again.
const COPY_EVERY: u64 = 16_384;

/// SHA-256 of the actor and the command's JSON form.
pub fn fingerprint(envelope: &Envelope) -> Fingerprint {
    let bytes = serde_json::to_vec(&(&envelope.actor, &envelope.command)).expect("commands serialise");
    Sha256::digest(bytes).into()
}

impl<S: Store> Ledger<S> {
    /// Loads the latest usable snapshot and replays only the events after it; without one,
    /// loads the rates and replays every event. Either way the invariants are checked after the
    /// load (after-load assertion). A snapshot that cannot be used is ignored with a warning
    /// naming why.
    pub fn open(store: S) -> Result<Ledger<S>, StoreError> {
        let head = store.head()?;
        // One row at a time, newest first: an older one is read only when a newer one is unusable.
        let mut newest = 0;
        while let Some(row) = store.snapshot_nth(newest)? {
            match usable_snapshot(&store, &row, head) {
                Ok(loaded) => {
                    drop(row);
                    return Ledger::from_snapshot(store, loaded);
                }
                Err(why) => {
                    tracing::warn!(seq = row.seq, "the snapshot at event {} is ignored: {why}", row.seq);
                }
            }
            newest += 1;
        }
        let rates = store.rates()?;
        let state = replay(&store)?;
        Ok(Ledger {
            store,
            state,
            rates,
            saved: None,
            frontier: Frontier::new(),
            snapshot_every: snapshot::DEFAULT_EVERY,
        })
    }

    fn from_snapshot(store: S, loaded: Snapshot) -> Result<Ledger<S>, StoreError> {
        // The rates come from the store's table, as a replay's do: a snapshot's copy is not
        // trusted (its checksum proves only that the row is whole, not who wrote it).
        let rates = store.rates()?;
        let mut ledger = Ledger {
            store,
            state: loaded.state,
            rates,
            saved: None,
            frontier: loaded.frontier,
            snapshot_every: snapshot::DEFAULT_EVERY,
        };
        ledger.catch_up_from_store()?;
        ledger.state.check_invariants().map_err(|e| StoreError::Corrupt(format!("after replay: {e}")))?;
        Ok(ledger)
    }

    /// Writes a snapshot with every append that crosses a multiple of `events`, an interval that
    /// doubles as the log grows ([`snapshot::interval_at`]; 0: never).
    pub fn with_snapshot_every(mut self, events: u64) -> Ledger<S> {
        self.snapshot_every = events;
        self
    }

    /// The log's frontier at the store's head: the kept one extended by the leaves stored since.
    pub fn frontier(&mut self) -> Result<&Frontier, StoreError> {
        crate::log::extend_frontier(&self.store, &mut self.frontier)?;
        Ok(&self.frontier)
    }

    /// Writes a snapshot of the state at the head now (`tranche snapshot`); returns its position.
    /// Another writer appending meanwhile makes it catch up and try again (three tries).
    pub fn take_snapshot(&mut self) -> Result<u64, StoreError> {
        let mut tries = 1;
        loop {
            match self.try_snapshot() {
                Err(StoreError::Conflict { .. }) if tries < 3 => tries += 1,
                done => return done,
            }
        }
    }

    fn try_snapshot(&mut self) -> Result<u64, StoreError> {
        self.catch_up_from_store()?;
        self.state.check_invariants().map_err(|e| StoreError::Corrupt(format!("refusing to snapshot: {e}")))?;
        let payload = snapshot::encode(&self.state, &self.rates)?;
        if !snapshot::fits(&payload) {
            return Err(StoreError::Corrupt(format!(
                "the state encodes to {} bytes, more than a snapshot holds ({}); none was written",
                payload.len(),
                snapshot::MAX_PAYLOAD_BYTES
            )));
        }
        let frontier = self.frontier()?.clone();
        if frontier.size() != self.state.events_applied {
            return Err(StoreError::Conflict { expected: self.state.events_applied, found: frontier.size() });
        }
        self.store.put_snapshot(&snapshot::row(&frontier, payload))?;
        Ok(frontier.size())
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn rates(&self) -> &RateTable {
        &self.rates
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, for what is not the event log (tokens). Events go through `execute_*` only.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    pub fn into_store(self) -> S {
        self.store
    }

    pub fn head(&self) -> u64 {
        self.state.events_applied
    }

    /// What the store knows of this envelope's command id.
    pub fn known(&self, envelope: &Envelope) -> Result<Known, StoreError> {
        Ok(match self.store.command(&envelope.command_id)? {
            None => Known::New,
            Some(stored) if stored.fingerprint == fingerprint(envelope) => Known::Same,
            Some(_) => {
                Known::Different(format!("command id {} was already used for a different command", envelope.command_id))
            }
        })
    }

    pub fn execute(&mut self, envelope: &Envelope) -> Result<Outcome, ExecuteError> {
        let mut outcomes = self.execute_all(std::slice::from_ref(envelope))?;
        Ok(outcomes.pop().expect("one outcome per envelope"))
    }

    /// Runs every command and appends their events in one durable transaction: all or nothing.
    /// A command id seen before returns its first outcome and applies nothing.
    pub fn execute_all(&mut self, envelopes: &[Envelope]) -> Result<Vec<Outcome>, ExecuteError> {
        let mut attempts = 0;
        loop {
            match self.execute_all_once(envelopes) {
                // Another writer came first: caught up (reloaded); decide again on the new state.
                Err(ExecuteError::Store(StoreError::Conflict { .. })) if attempts < MAX_ATTEMPTS => {
                    attempts += 1;
                    back_off(attempts);
                }
                other => return other,
            }
        }
    }

    fn execute_all_once(&mut self, envelopes: &[Envelope]) -> Result<Vec<Outcome>, ExecuteError> {
        self.before_deciding()?;
        let (results, batch) = match self.execute_in_memory(envelopes, true) {
            Ok(done) => done,
            Err(error) => {
                self.restore()?;
                return Err(error);
            }
        };
        if let Some(error) = results.iter().find_map(|r| r.as_ref().err()) {
            let error = error.clone();
            self.restore()?;
            return Err(error);
        }
        self.append(batch)?;
        Ok(results.into_iter().map(|r| r.expect("no rejection")).collect())
    }

    /// Appends commands decided chunk by chunk on this ledger's own state, all in ONE durable
    /// transaction, without deciding them again: `next` decides and applies the next chunk on
    /// the state it is given (authorising each command as its envelope's actor), and returns it,
    /// or `None` at the end; it may read the store (this transaction's writes included). Before
    /// each chunk is written the books' trial balance is checked (the before-append assertion).
    /// Any error (from `next`, the check or a write) rolls everything back and the state is
    /// replayed from the store; with `write == false` (a dry run) everything is decided and
    /// written, then rolled back, and the state replayed. Returns the head after the last chunk.
    pub fn append_decided(&mut self, write: bool, next: &mut NextDecided<'_>) -> Result<u64, StoreError> {
        self.before_deciding()?;
        crate::log::extend_frontier(&self.store, &mut self.frontier)?;
        let Ledger { store, state, rates, frontier, snapshot_every, .. } = self;
        let (expected_head, every) = (state.events_applied, *snapshot_every);
        // One snapshot, at the end of the stream, when it crossed a multiple of the interval:
        // written in the same transaction, after the last chunk (a batch with no commands).
        let mut snapshot_taken = false;
        let mut snapshot_frontier = frontier.clone();
        let result = store.append_stream(Some(expected_head), write, &mut |reader| {
            let Some(chunk) = next(state, rates, reader)? else {
                let crossed = snapshot::due(every, expected_head, state.events_applied);
                if !crossed || snapshot_taken {
                    return Ok(None);
                }
                snapshot_taken = true;
                crate::log::extend_frontier(reader, &mut snapshot_frontier)?;
                if snapshot_frontier.size() != state.events_applied {
                    return Err(StoreError::Conflict {
                        expected: state.events_applied,
                        found: snapshot_frontier.size(),
                    });
                }
                state.check_invariants().map_err(|e| StoreError::Corrupt(format!("refusing to snapshot: {e}")))?;
                let Some(payload) = snapshot_fits(snapshot::encode(state, rates)?, state.events_applied) else {
                    return Ok(None);
                };
                let pending = PendingSnapshot { payload, frontier: snapshot_frontier.clone() };
                return Ok(Some(Batch {
                    commands: Vec::new(),
                    pledges: Vec::new(),
                    expected_head: None,
                    snapshot: Some(pending),
                }));
            };
            state.books.check_trial_balance().map_err(|e| StoreError::Corrupt(format!("refusing to append: {e}")))?;
            decided_batch(state, chunk).map(Some)
        });
        if result.is_err() || !write {
            self.restore()?;
        }
        result
    }

    /// What [`Ledger::execute_all`] would do, decided on a copy of the state: nothing is written
    /// and the state is left as it was (`--dry-run`).
    pub fn preview_all(&mut self, envelopes: &[Envelope]) -> Result<Vec<Outcome>, ExecuteError> {
        self.before_deciding()?;
        let saved = self.state.clone();
        let run = self.execute_in_memory(envelopes, true);
        self.state = saved;
        let (results, _unwritten) = run?;
        results.into_iter().collect()
    }

    /// What [`Ledger::import_rates`] would do: the same conflicts refused, nothing written.
    pub fn preview_rates(&self, quotes: &[RateQuote]) -> Result<RatesImported, StoreError> {
        let mut merged = self.rates.clone();
        let mut new = 0;
        for quote in quotes {
            match merged.insert(*quote).map_err(|e| StoreError::Rates(format!("{e}; nothing would be imported")))? {
                tranche_core::fx::Inserted::New => new += 1,
                tranche_core::fx::Inserted::Unchanged => {}
            }
        }
        Ok(RatesImported { new, unchanged: quotes.len() - new })
    }

    /// On a store other writers share: reads what they appended since, and keeps a copy of the
    /// state to return to if a batch must be decided again. The copy is taken again only every
    /// [`COPY_EVERY`] events (a copy costs the whole state; returning to an older copy costs
    /// only the events stored since it, read back from the store).
    fn before_deciding(&mut self) -> Result<(), StoreError> {
        if !self.store.shared() {
            return Ok(());
        }
        self.catch_up_from_store()?;
        let stale = self.saved.as_ref().is_none_or(|s| self.state.events_applied - s.events_applied >= COPY_EVERY);
        if stale {
            self.saved = Some(self.state.clone());
        }
        Ok(())
    }

    /// Back to the state as stored: the copy plus every event stored since it (this writer's
    /// and others'), or a full replay.
    fn restore(&mut self) -> Result<(), StoreError> {
        match self.saved.take() {
            Some(state) => {
                self.state = state;
                self.catch_up_from_store()
            }
            None => self.reload(),
        }
    }

    /// A second ledger over another connection to the same store, starting from this one's
    /// state (no second replay), then following the store: the server reads from a replica while
    /// its writer appends, so reads never wait for a durable commit.
    pub fn replica<T: Store>(&self, store: T) -> Result<Ledger<T>, StoreError> {
        let head = store.head()?;
        if head < self.head() {
            return Err(StoreError::Corrupt(format!(
                "the replica's store holds {head} events, fewer than the ledger's {}",
                self.head()
            )));
        }
        let mut replica = Ledger {
            store,
            state: self.state.clone(),
            rates: self.rates.clone(),
            saved: None,
            frontier: self.frontier.clone(),
            snapshot_every: self.snapshot_every,
        };
        replica.follow()?;
        Ok(replica)
    }

    /// Applies the events stored after this ledger's head by other writers or another
    /// connection, incrementally; returns how many. The server's read replica calls it after
    /// every commit, and the writer when idle.
    pub fn follow(&mut self) -> Result<u64, StoreError> {
        let before = self.state.events_applied;
        self.catch_up_from_store()?;
        Ok(self.state.events_applied - before)
    }

    /// Reads the reference rates again when another process added some (`true` then).
    pub fn refresh_rates(&mut self) -> Result<bool, StoreError> {
        if self.store.rate_count()? == self.rates.len() as u64 {
            return Ok(false);
        }
        self.rates = self.store.rates()?;
        Ok(true)
    }

    /// Applies the events stored after this ledger's head (other writers').
    fn catch_up_from_store(&mut self) -> Result<(), StoreError> {
        loop {
            let events = self.store.events_after(self.state.events_applied, crate::MAX_PAGE)?;
            if events.is_empty() {
                return Ok(());
            }
            for stored in events {
                if stored.seq != self.state.events_applied + 1 {
                    return Err(StoreError::Corrupt(format!("event {} is missing", self.state.events_applied + 1)));
                }
                let event: tranche_core::Event = serde_json::from_str(&stored.payload)
                    .map_err(|e| StoreError::Corrupt(format!("event {} does not decode: {e}", stored.seq)))?;
                self.state
                    .apply(&event)
                    .map_err(|e| StoreError::Corrupt(format!("event {} does not apply: {e}", stored.seq)))?;
            }
        }
    }

    /// Runs each command on its own (a rejection affects only its own result) and appends the
    /// accepted ones in one durable transaction: group commit, one fsync for the lot. A store
    /// failure fails every command of the batch and leaves the state as stored.
    pub fn execute_each(&mut self, envelopes: &[Envelope]) -> Result<Vec<Result<Outcome, ExecuteError>>, StoreError> {
        let mut attempts = 0;
        loop {
            match self.execute_each_once(envelopes) {
                Err(StoreError::Conflict { .. }) if attempts < MAX_ATTEMPTS => {
                    attempts += 1;
                    back_off(attempts);
                }
                other => return other,
            }
        }
    }

    fn execute_each_once(&mut self, envelopes: &[Envelope]) -> Result<Vec<Result<Outcome, ExecuteError>>, StoreError> {
        self.before_deciding()?;
        let (results, batch) = match self.execute_in_memory(envelopes, false) {
            Ok(done) => done,
            Err(ExecuteError::Store(error)) => {
                self.restore()?;
                return Err(error);
            }
            Err(other) => unreachable!("only store errors end a batch early: {other}"),
        };
        self.append(batch)?;
        Ok(results)
    }

    fn append(&mut self, mut batch: Batch) -> Result<(), StoreError> {
        if batch.commands.is_empty() {
            return Ok(());
        }
        let written = self.check_before_append().and_then(|()| self.snapshot_due(&batch)).and_then(|pending| {
            batch.snapshot = pending;
            self.store.append(&batch)
        });
        if let Err(error) = written {
            self.restore()?;
            return Err(error);
        }
        Ok(())
    }

    /// The snapshot to write with this batch, when it crosses a multiple of the interval in force
    /// ([`snapshot::due`]): the state after the batch (already applied), the frontier before it.
    fn snapshot_due(&mut self, batch: &Batch) -> Result<Option<PendingSnapshot>, StoreError> {
        let (Some(before), every) = (batch.expected_head, self.snapshot_every) else { return Ok(None) };
        if !snapshot::due(every, before, self.state.events_applied) {
            return Ok(None);
        }
        let frontier = self.frontier()?.clone();
        if frontier.size() != before {
            // Another writer appended since: the append is refused as a conflict anyway.
            return Ok(None);
        }
        let payload = snapshot::encode(&self.state, &self.rates)?;
        Ok(snapshot_fits(payload, before).map(|payload| PendingSnapshot { payload, frontier }))
    }

    /// Decides and applies each envelope. With `stop_at_rejection`, the first rejection ends the
    /// run (its result is the last); otherwise every envelope gets its own result.
    #[allow(clippy::type_complexity)]
    fn execute_in_memory(
        &mut self,
        envelopes: &[Envelope],
        stop_at_rejection: bool,
    ) -> Result<(Vec<Result<Outcome, ExecuteError>>, Batch), ExecuteError> {
        let mut batch = Batch { expected_head: Some(self.state.events_applied), ..Batch::default() };
        let mut results = Vec::with_capacity(envelopes.len());
        let mut in_batch: HashMap<&CommandId, (Fingerprint, Outcome)> = HashMap::new();
        let mut touched: HashSet<PledgeId> = HashSet::new();
        let ids: Vec<&CommandId> = envelopes.iter().map(|e| &e.command_id).collect();
        let stored = self.store.commands(&ids)?;
        for envelope in envelopes {
            let fingerprint = fingerprint(envelope);
            let earlier = match in_batch.get(&envelope.command_id) {
                Some((seen, outcome)) => Some((*seen, outcome.first_seq, outcome.event_count)),
                None => stored.get(&envelope.command_id).map(|s| (s.fingerprint, s.first_seq, s.event_count)),
            };
            let result = match earlier {
                Some((seen, _, _)) if seen != fingerprint => Err(ExecuteError::IdReused(envelope.command_id.clone())),
                Some((_, first_seq, event_count)) => Ok(Outcome { first_seq, event_count, repeated: true }),
                None => self.run_one(envelope).map(|events| {
                    let outcome = Outcome {
                        first_seq: self.state.events_applied + 1 - events.len() as u64,
                        event_count: events.len() as u32,
                        repeated: false,
                    };
                    touched.extend(events.iter().flat_map(|(event, _)| touched_pledges(event)));
                    in_batch.insert(&envelope.command_id, (fingerprint, outcome));
                    batch.commands.push(AcceptedCommand {
                        command_id: envelope.command_id.clone(),
                        actor: envelope.actor,
                        fingerprint,
                        events,
                    });
                    outcome
                }),
            };
            let stop = stop_at_rejection && result.is_err();
            results.push(result);
            if stop {
                break;
            }
        }
        batch.pledges =
            touched.iter().map(|id| self.state.pledge(id).cloned().expect("a touched pledge exists")).collect();
        Ok((results, batch))
    }

    /// Authorises, decides and applies one command.
    fn run_one(
        &mut self,
        envelope: &Envelope,
    ) -> Result<Vec<(tranche_core::Event, Vec<tranche_core::JournalEntry>)>, ExecuteError> {
        let rejected = |error| ExecuteError::Rejected {
            command_id: envelope.command_id.clone(),
            command: envelope.command.name(),
            error: Box::new(error),
        };
        self.state.execute_as(envelope.actor, &self.rates, &envelope.command).map_err(rejected)
    }

    /// Before-append assertion: the books still balance with the batch applied.
    fn check_before_append(&self) -> Result<(), StoreError> {
        self.state.books.check_trial_balance().map_err(|e| StoreError::Corrupt(format!("refusing to append: {e}")))
    }

    /// Discards the in-memory state and replays it from the store (and its invariants). The
    /// server's writer calls it after a panic, which may have left the state half-applied.
    pub fn reload(&mut self) -> Result<(), StoreError> {
        self.saved = None;
        self.state = replay(&self.store)?;
        Ok(())
    }

    /// Imports reference rates: all or nothing; a conflicting rate is an error.
    pub fn import_rates(&mut self, quotes: &[RateQuote]) -> Result<RatesImported, StoreError> {
        let mut merged = self.rates.clone();
        for quote in quotes {
            merged.insert(*quote).map_err(|e| StoreError::Rates(format!("{e}; nothing was imported")))?;
        }
        let new = self.store.put_rates(quotes)?;
        self.rates = merged;
        Ok(RatesImported { new, unchanged: quotes.len() - new })
    }

    /// The counting-rule summary in the mechanism's reporting currencies (EUR and USD when no
    /// mechanism is defined).
    pub fn summary(&self, as_of: NaiveDate) -> Result<Summary, tranche_core::FxError> {
        summarise(&self.state, &self.rates, as_of, &self.reporting_currencies())
    }

    pub fn reporting_currencies(&self) -> Vec<Currency> {
        self.state.reporting_currencies()
    }

    /// The state as it stood after event `seq` (a replay of the log's first `seq` events).
    pub fn state_at(&self, seq: u64) -> Result<State, StoreError> {
        let mut state = State::new();
        let mut after = 0;
        while after < seq {
            let page = self.store.events_after(after, crate::MAX_PAGE.min((seq - after) as usize))?;
            if page.is_empty() {
                break;
            }
            for stored in page {
                let event: tranche_core::Event = serde_json::from_str(&stored.payload)
                    .map_err(|e| StoreError::Corrupt(format!("event {} does not decode: {e}", stored.seq)))?;
                state
                    .apply(&event)
                    .map_err(|e| StoreError::Corrupt(format!("event {} does not apply: {e}", stored.seq)))?;
                after = stored.seq;
            }
        }
        Ok(state)
    }

    /// Rebuilds every projection from a full replay.
    pub fn rebuild_projections(&mut self) -> Result<(), StoreError> {
        let mut state = State::new();
        let mut postings = Vec::new();
        self.store.replay(&mut |seq, event| {
            let entries = state.apply(&event).map_err(|e| StoreError::Corrupt(format!("event {seq}: {e}")))?;
            postings.push((seq, entries));
            Ok(())
        })?;
        let pledges: Vec<_> = state.pledges().iter().collect();
        self.store.rebuild_projections(&postings, &pledges)
    }
}

/// A kept snapshot checked against the store: its own checks ([`snapshot::check`]), a position
/// within the log, the last complete subtree of its frontier equal to the stored leaves' (when it
/// spans at most [`LEAVES_CHECKED`] leaves), and the root of a kept checkpoint of its size.
pub fn usable_snapshot<S: Store + ?Sized>(store: &S, row: &SnapshotRow, head: u64) -> Result<Snapshot, String> {
    if row.seq > head {
        return Err(format!("the log holds only {head} events"));
    }
    let frontier = snapshot::frontier_of(row)?;
    if !last_subtree_matches(store, &frontier).map_err(|e| e.to_string())? {
        return Err("its frontier differs from the log's leaves at its position".into());
    }
    let checkpoints = store.checkpoints().map_err(|e| e.to_string())?;
    if let Some((_, note)) = checkpoints.iter().find(|(size, _)| *size == row.seq) {
        let checkpoint = tranche_log::SignedNote::parse(note)
            .and_then(|note| note.checkpoint())
            .map_err(|e| format!("the checkpoint of its size does not read: {e}"))?;
        if checkpoint.root != row.root {
            return Err("its root differs from the signed checkpoint of its size".into());
        }
    }
    snapshot::decode(row, frontier)
}

/// The most leaves read to check a snapshot's last subtree against the log.
const LEAVES_CHECKED: u64 = 4096;

/// Whether the frontier's smallest subtree (its last hash) is the tree of the stored leaves it
/// covers; `true` unchecked when it covers more than [`LEAVES_CHECKED`].
fn last_subtree_matches<S: Store + ?Sized>(store: &S, frontier: &Frontier) -> Result<bool, StoreError> {
    let size = frontier.size();
    let Some(last) = frontier.hashes().last() else { return Ok(true) };
    let width = 1u64 << size.trailing_zeros();
    if width > LEAVES_CHECKED {
        return Ok(true);
    }
    let mut tree = tranche_log::Tree::new();
    for (_, hash) in store.leaf_hashes(size - width, width as usize)? {
        tree.push(hash);
    }
    Ok(tree.size() == width && tree.root() == *last)
}

/// The batch that writes already-decided commands, with the current form of every pledge they
/// touched (from `state`, on which they were applied).
fn decided_batch(state: &State, chunk: Vec<Decided>) -> Result<Batch, StoreError> {
    let mut touched: HashSet<PledgeId> = HashSet::new();
    let mut commands = Vec::with_capacity(chunk.len());
    for Decided { envelope, events } in chunk {
        touched.extend(events.iter().flat_map(|(event, _)| touched_pledges(event)));
        commands.push(AcceptedCommand {
            fingerprint: fingerprint(&envelope),
            command_id: envelope.command_id,
            actor: envelope.actor,
            events,
        });
    }
    let pledges = touched
        .iter()
        .map(|id| state.pledge(id).cloned().map_err(|e| StoreError::Corrupt(format!("refusing to append: {e}"))))
        .collect::<Result<_, _>>()?;
    Ok(Batch { commands, pledges, expected_head: None, snapshot: None })
}

/// The pledges whose projection row an event changes.
fn touched_pledges(event: &tranche_core::Event) -> Vec<PledgeId> {
    use tranche_core::Event::*;
    match event {
        PledgeAnnounced { announcement } => vec![announcement.pledge.clone()],
        PledgeCommitted { pledge, .. }
        | PaymentReceived { pledge, .. }
        | PledgeWithdrawn { pledge, .. }
        | PledgeSuperseded { pledge, .. } => vec![pledge.clone()],
        Allocated { allocation, .. } => vec![allocation.pledge.clone()],
        PackageCancelled { released, .. } => released.iter().map(|a| a.pledge.clone()).collect(),
        _ => Vec::new(),
    }
}

/// One replay for `tranche verify`: folds every event (each journal entry balanced), checks the
/// invariants, and compares the stored projections with the replay without writing. `Some`
/// names the first difference.
pub fn replay_and_compare<S: Store + ?Sized>(store: &S) -> Result<Option<String>, StoreError> {
    let rates = store.rates()?;
    let mut rows = store.snapshots()?;
    rows.reverse();
    let mut kept = rows.iter().peekable();
    let mut differences = Vec::new();
    let mut state = State::new();
    let mut postings = Vec::new();
    // A snapshot of the empty log (`tranche snapshot` on a new store) is compared before any event.
    while let Some(row) = kept.next_if(|row| row.seq == 0 && row.damage.is_none()) {
        differences.extend(snapshot_differs(row, &state, &rates));
    }
    // The visitor compares states only: a networked store is busy streaming the events to it.
    store.replay(&mut |seq, event| {
        let entries = state.apply(&event).map_err(|e| StoreError::Corrupt(format!("event {seq}: {e}")))?;
        postings.push((seq, entries));
        while let Some(row) = kept.next_if(|row| row.seq <= seq) {
            differences.extend(snapshot_differs(row, &state, &rates));
        }
        Ok(())
    })?;
    for row in kept {
        differences.extend(snapshot_differs(row, &state, &rates));
    }
    let mut frontier = Frontier::new();
    for row in &rows {
        if frontier_up_to(store, &mut frontier, row.seq)? && frontier.root() != row.root {
            differences.push(format!("the snapshot at event {} has a root other than the log's there", row.seq));
        }
    }
    state.check_invariants().map_err(|e| StoreError::Corrupt(format!("after the replay: {e}")))?;
    if let Some(first) = differences.into_iter().next() {
        return Ok(Some(first));
    }
    let pledges: Vec<_> = state.pledges().iter().collect();
    store.projections_differ(&postings, &pledges)
}

/// Extends the frontier by the stored leaves up to `seq`; `false` when the log holds fewer.
fn frontier_up_to<S: Store + ?Sized>(store: &S, frontier: &mut Frontier, seq: u64) -> Result<bool, StoreError> {
    while frontier.size() < seq {
        let wanted = usize::try_from(seq - frontier.size()).unwrap_or(usize::MAX).min(100_000);
        let page = store.leaf_hashes(frontier.size(), wanted)?;
        if page.is_empty() {
            return Ok(false);
        }
        for (at, hash) in page {
            if at != frontier.size() + 1 {
                return Err(StoreError::Corrupt(format!("leaf {} is missing", frontier.size() + 1)));
            }
            frontier.push(hash);
        }
    }
    Ok(frontier.size() == seq)
}

/// The encoded state when it can be kept as a snapshot; else `None`, with a warning: a snapshot
/// is a cache, and one too large to store must not fail the append it rides on.
fn snapshot_fits(payload: Vec<u8>, at: u64) -> Option<Vec<u8>> {
    if snapshot::fits(&payload) {
        return Some(payload);
    }
    tracing::warn!(
        bytes = payload.len(),
        "no snapshot near event {at}: the state encodes to {} bytes, more than a snapshot holds ({})",
        payload.len(),
        snapshot::MAX_PAYLOAD_BYTES
    );
    None
}

/// Whether every quote of `some` is in `all`, with the same rate.
fn rates_within(some: &RateTable, all: &RateTable) -> bool {
    let mut merged = all.clone();
    some.quotes().all(|quote| matches!(merged.insert(quote), Ok(tranche_core::fx::Inserted::Unchanged)))
}

/// How a kept snapshot differs from the replay's state at its position (`None`: equal).
fn snapshot_differs(row: &SnapshotRow, replayed: &State, rates: &RateTable) -> Option<String> {
    if let Some(damage) = &row.damage {
        return Some(format!("the snapshot at event {} cannot be used: {damage}", row.seq));
    }
    if replayed.events_applied != row.seq {
        return Some(match row.seq > replayed.events_applied {
            true => format!("the snapshot at event {} is beyond the log's {} events", row.seq, replayed.events_applied),
            false => format!("the snapshot at event {} is at no position a replay stops at", row.seq),
        });
    }
    // Fast path: the bytes are those of the replayed state with the store's rates (the encoding
    // is deterministic); otherwise (rates imported since, say) decode and compare the states.
    if snapshot::frontier_of(row).is_ok() && snapshot::encode(replayed, rates).is_ok_and(|bytes| bytes == row.payload) {
        return None;
    }
    match snapshot::check(row) {
        Err(why) => Some(format!("the snapshot at event {} cannot be used: {why}", row.seq)),
        Ok(loaded) if loaded.state != *replayed => {
            Some(format!("the snapshot at event {} differs from the replay's state there", row.seq))
        }
        // Rates are only ever added: a snapshot's are some of the store's.
        Ok(loaded) if !rates_within(&loaded.rates, rates) => {
            Some(format!("the snapshot at event {} holds rates the store does not", row.seq))
        }
        Ok(_) => None,
    }
}

/// `tranche check`: the latest kept snapshot against a replay of the log up to its position
/// (`Some` names the difference; `None` also when no snapshot is kept).
pub fn check_latest_snapshot<S: Store + ?Sized>(store: &S) -> Result<Option<String>, StoreError> {
    let Some(row) = store.snapshot_nth(0)? else { return Ok(None) };
    let rates = store.rates()?;
    let mut state = State::new();
    store.replay(&mut |seq, event| {
        if seq <= row.seq {
            state.apply(&event).map_err(|e| StoreError::Corrupt(format!("event {seq} does not apply: {e}")))?;
        }
        Ok(())
    })?;
    if let Some(difference) = snapshot_differs(&row, &state, &rates) {
        return Ok(Some(difference));
    }
    let mut frontier = Frontier::new();
    if frontier_up_to(store, &mut frontier, row.seq)? && frontier.root() != row.root {
        return Ok(Some(format!("the snapshot at event {} has a root other than the log's there", row.seq)));
    }
    Ok(None)
}

/// Folds every stored event into a fresh state and checks the invariants.
pub fn replay<S: Store + ?Sized>(store: &S) -> Result<State, StoreError> {
    let mut state = State::new();
    // The head before: another writer may append while this one reads (never fewer, though).
    let head = store.head()?;
    let replayed = store.replay(&mut |seq, event| {
        state.apply(&event).map(drop).map_err(|e| StoreError::Corrupt(format!("event {seq} does not apply: {e}")))
    })?;
    if replayed < head || state.events_applied != replayed {
        return Err(StoreError::Corrupt(format!("replayed {replayed} events but the head is {head}")));
    }
    state.check_invariants().map_err(|e| StoreError::Corrupt(format!("after replay: {e}")))?;
    Ok(state)
}
