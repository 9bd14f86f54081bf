//! State snapshots: what a replay builds (the [`State`], the rate table, the log's [`Frontier`])
//! at a log position, so that opening a store replays only the events after it.
//!
//! A snapshot row holds its format version, the position (events count), the log's Merkle root
//! there, the frontier's hashes, the payload (state and rates in CBOR) and a SHA-256 checksum of
//! all of these. [`check`] refuses a row whose version, checksum, frontier, root, payload or
//! invariants do not hold, naming why; the ledger then ignores it and replays (docs/LOG.md,
//! "Snapshots").

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tranche_core::{RateTable, State};
use tranche_log::{Frontier, Hash};

use crate::StoreError;

/// The encoding of the payload; a row of another version is ignored (and replaced by the next).
pub const FORMAT_VERSION: u32 = 1;

/// How many events apart the ledger writes a snapshot with an append, unless told otherwise.
pub const DEFAULT_EVERY: u64 = 100_000;

/// How much longer than the interval the log must be before the interval doubles: a snapshot
/// costs about the state's size, which grows with the log, so a fixed interval would make each
/// event's share of that cost grow too. With the interval at least an eighth of the log (once
/// the log is 8 intervals long), that share stays bounded.
const GROWTH: u64 = 8;

/// The interval in force at a log of `position` events, for a base interval of `every`: `every`
/// doubled while it is less than an eighth of the log. Every interval is a multiple of `every`,
/// so snapshots stay at multiples of it.
pub fn interval_at(every: u64, position: u64) -> u64 {
    let mut interval = every;
    while interval != 0 && interval < position / GROWTH {
        interval = interval.saturating_mul(2);
    }
    interval
}

/// Whether an append from `before` to `after` events is one that writes a snapshot: it crosses a
/// multiple of the interval in force at `before` (`every == 0`: never).
pub fn due(every: u64, before: u64, after: u64) -> bool {
    let interval = interval_at(every, before);
    interval != 0 && after / interval != before / interval
}

/// How many snapshots a store keeps (the latest); older ones are deleted as new ones are written.
pub const KEEP: usize = 3;

/// The largest payload a snapshot may hold: a bound on what a load allocates, below SQLite's
/// largest value (1,000,000,000 bytes). A state whose encoding is larger is not snapshotted:
/// the append goes on without one ([`fits`]); the log is replayed from the previous one.
pub const MAX_PAYLOAD_BYTES: usize = 900_000_000;

/// Whether an encoded state can be kept as a snapshot.
pub fn fits(payload: &[u8]) -> bool {
    payload.len() <= MAX_PAYLOAD_BYTES
}

/// One snapshot as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow {
    pub seq: u64,
    pub version: u32,
    pub root: Hash,
    /// The frontier's hashes, 32 bytes each, largest subtree first.
    pub frontier: Vec<u8>,
    pub payload: Vec<u8>,
    pub checksum: Hash,
    /// Why the stored row cannot be one (a negative position, a root of the wrong length, a
    /// column of the wrong type): such a row is kept, so that opening ignores it with a notice
    /// and `check` and `verify` name it, rather than the store failing to open.
    pub damage: Option<String>,
}

/// A snapshot decoded and checked.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub state: State,
    pub rates: RateTable,
    pub frontier: Frontier,
}

/// A snapshot the ledger asks an append to write in the same transaction: the encoded state after
/// the batch, and the frontier before it (the store extends it by the batch's leaves).
#[derive(Debug, Clone)]
pub struct PendingSnapshot {
    pub payload: Vec<u8>,
    pub frontier: Frontier,
}

#[derive(Serialize)]
struct PayloadRef<'a> {
    state: &'a State,
    rates: Vec<(String, String, String)>,
}

#[derive(Deserialize)]
struct PayloadOwned {
    state: State,
    rates: Vec<(String, String, String)>,
}

/// Encodes the state and the rates (each rate as the text the stores keep).
pub fn encode(state: &State, rates: &RateTable) -> Result<Vec<u8>, StoreError> {
    let rates =
        rates.quotes().map(|q| (q.currency.code().to_string(), q.date.to_string(), q.rate.to_string())).collect();
    let mut bytes = Vec::new();
    ciborium::into_writer(&PayloadRef { state, rates }, &mut bytes)
        .map_err(|e| StoreError::Database(format!("cannot encode a snapshot: {e}")))?;
    Ok(bytes)
}

impl PendingSnapshot {
    /// The row of this snapshot once the batch's leaves are appended to the frontier.
    pub fn seal(self, leaves: &[Hash]) -> SnapshotRow {
        let mut frontier = self.frontier;
        frontier.extend(leaves.iter().copied());
        row(&frontier, self.payload)
    }
}

/// The row of a snapshot at the frontier's size.
pub fn row(frontier: &Frontier, payload: Vec<u8>) -> SnapshotRow {
    let hashes: Vec<u8> = frontier.hashes().iter().flatten().copied().collect();
    sealed(FORMAT_VERSION, frontier.size(), frontier.root(), hashes, payload)
}

/// A row of the given parts with their checksum (a row of another version, or whose root is
/// not its frontier's, is refused by [`check`]: for tests of exactly that).
pub fn sealed(version: u32, seq: u64, root: Hash, frontier: Vec<u8>, payload: Vec<u8>) -> SnapshotRow {
    let checksum = checksum(version, seq, &root, &frontier, &payload);
    SnapshotRow { seq, version, root, frontier, payload, checksum, damage: None }
}

fn checksum(version: u32, seq: u64, root: &Hash, frontier: &[u8], payload: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(version.to_be_bytes());
    hasher.update(seq.to_be_bytes());
    hasher.update(root);
    hasher.update((frontier.len() as u64).to_be_bytes());
    hasher.update(frontier);
    hasher.update(payload);
    hasher.finalize().into()
}

/// The frontier of a row whose version and checksum hold, and whose frontier's root is the row's
/// root (without decoding the state: what signing a checkpoint needs).
pub fn frontier_of(row: &SnapshotRow) -> Result<Frontier, String> {
    if let Some(damage) = &row.damage {
        return Err(damage.clone());
    }
    if row.version != FORMAT_VERSION {
        return Err(format!("format version {}, this tranche reads {FORMAT_VERSION}", row.version));
    }
    if checksum(row.version, row.seq, &row.root, &row.frontier, &row.payload) != row.checksum {
        return Err("its checksum does not match its bytes".into());
    }
    let (chunks, rest) = row.frontier.as_chunks::<32>();
    if !rest.is_empty() {
        return Err("its frontier is not a whole number of hashes".into());
    }
    let frontier = Frontier::from_parts(row.seq, chunks.to_vec()).map_err(|e| e.to_string())?;
    if frontier.root() != row.root {
        return Err("its root is not its frontier's root".into());
    }
    Ok(frontier)
}

/// Decodes a row and checks it: version, checksum, frontier and root, the payload decoding
/// through the validating types, the state's invariants, the state's position. `Err` says why
/// the row cannot be used.
pub fn check(row: &SnapshotRow) -> Result<Snapshot, String> {
    decode(row, frontier_of(row)?)
}

/// The rest of [`check`] for a row whose [`frontier_of`] already holds (its checksum is not
/// computed again): the payload decoding through the validating types, the state's position.
pub fn decode(row: &SnapshotRow, frontier: Frontier) -> Result<Snapshot, String> {
    if !fits(&row.payload) {
        return Err(format!("its payload of {} bytes is beyond the limit of {MAX_PAYLOAD_BYTES}", row.payload.len()));
    }
    let payload: PayloadOwned = ciborium::from_reader(row.payload.as_slice())
        .map_err(|e| format!("it does not decode: {}", cbor_problem(&e)))?;
    if payload.state.events_applied != row.seq {
        return Err(format!("its state holds {} events, not {}", payload.state.events_applied, row.seq));
    }
    let mut rates = RateTable::new();
    for (currency, date, rate) in &payload.rates {
        let quote = crate::stored_quote(currency, date, rate).map_err(|e| e.to_string())?;
        rates.insert(quote).map_err(|e| e.to_string())?;
    }
    Ok(Snapshot { state: payload.state, rates, frontier })
}

/// A decoding error in words (ciborium's own text is its debug form).
fn cbor_problem<T>(error: &ciborium::de::Error<T>) -> String {
    use ciborium::de::Error;
    match error {
        Error::Io(_) => "the payload ends early".into(),
        Error::Syntax(at) => format!("the payload is not CBOR at byte {at}"),
        Error::Semantic(Some(at), what) => format!("{what} (at byte {at})"),
        Error::Semantic(None, what) => what.clone(),
        Error::RecursionLimitExceeded => "the payload nests too deeply".into(),
    }
}

/// The row of a pending snapshot sealed with the batch's leaves, which must end at `head`.
pub(crate) fn sealed_at(pending: &PendingSnapshot, leaves: &[Hash], head: u64) -> Result<SnapshotRow, StoreError> {
    let row = pending.clone().seal(leaves);
    match row.seq == head {
        true => Ok(row),
        false => Err(StoreError::Corrupt(format!(
            "a snapshot at event {} was offered with the batch ending at {head}",
            row.seq
        ))),
    }
}

/// A row read back from a store's columns; a value that cannot be one is a damaged store.
pub(crate) fn stored_row(
    seq: Result<i64, String>,
    version: Result<i64, String>,
    root: Result<Vec<u8>, String>,
    frontier: Result<Vec<u8>, String>,
    payload: Result<Vec<u8>, String>,
    checksum: Result<Vec<u8>, String>,
) -> SnapshotRow {
    let mut damage = Vec::new();
    let mut note = |what: String| damage.push(what);
    let seq = match seq {
        Ok(seq) => u64::try_from(seq).unwrap_or_else(|_| {
            note(format!("a negative position ({seq})"));
            0
        }),
        Err(why) => {
            note(format!("its position {why}"));
            0
        }
    };
    let version = match version.map(u32::try_from) {
        Ok(Ok(version)) => version,
        Ok(Err(_)) => {
            note("a version out of range".into());
            0
        }
        Err(why) => {
            note(format!("its version {why}"));
            0
        }
    };
    let mut hash = |what: &str, value: Result<Vec<u8>, String>| match value.map(Hash::try_from) {
        Ok(Ok(hash)) => hash,
        Ok(Err(_)) => {
            note(format!("a {what} that is not 32 bytes"));
            [0; 32]
        }
        Err(why) => {
            note(format!("its {what} {why}"));
            [0; 32]
        }
    };
    let (root, checksum) = (hash("root", root), hash("checksum", checksum));
    let mut bytes = |what: &str, value: Result<Vec<u8>, String>| {
        value.unwrap_or_else(|why| {
            note(format!("its {what} {why}"));
            Vec::new()
        })
    };
    let (frontier, payload) = (bytes("frontier", frontier), bytes("payload", payload));
    let damage = (!damage.is_empty()).then(|| format!("the stored row is damaged: {}", damage.join(", ")));
    SnapshotRow { seq, version, root, frontier, payload, checksum, damage }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_the_base_on_a_short_log_and_an_eighth_to_a_sixteenth_of_a_long_one() {
        assert_eq!(interval_at(100_000, 0), 100_000);
        assert_eq!(interval_at(100_000, 800_000), 100_000, "eight intervals long: not yet doubled");
        assert_eq!(interval_at(100_000, 1_000_000), 200_000);
        assert_eq!(interval_at(0, 5_000_000), 0, "0 stays never");
        for position in [900_000u64, 1_600_001, 7_500_008, 10_000_000, u64::MAX / 3] {
            let interval = interval_at(100_000, position);
            assert_eq!(interval % 100_000, 0, "a multiple of the base at {position}");
            assert!(interval >= position / GROWTH, "at least an eighth of {position}: {interval}");
            assert!(interval / 2 < position / GROWTH, "doubled no further than needed at {position}");
        }
        assert_eq!(interval_at(u64::MAX, u64::MAX), u64::MAX, "no overflow");
    }

    #[test]
    fn an_append_is_due_when_it_crosses_a_multiple_of_the_interval_in_force() {
        assert!(due(100, 99, 100));
        assert!(!due(100, 100, 199));
        assert!(due(100, 150, 1_000), "a long append crosses");
        assert!(!due(0, 0, u64::MAX), "0: never");
        // At 1,000,000 events the interval is 200,000: 1,100,000 is not a snapshot position.
        assert!(!due(100_000, 1_000_000, 1_100_000));
        assert!(due(100_000, 1_100_000, 1_200_000));
    }
}
