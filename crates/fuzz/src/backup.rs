//! Backups (crates/store `backup`): a restore of arbitrary bytes into a fresh in-memory SQLite
//! store is refused, or leaves a store that opens, replays to its projections, verifies as a
//! log, and backs up to a file that restores to the same backup again.

use tranche_store::{Ledger, SqliteStore, StoreError};

pub fn backup(data: &[u8]) {
    let Ok(store) = restored(data) else { return };
    let written = checked(store);
    let again = restored(&written).unwrap_or_else(|e| panic!("a written backup does not restore: {e}"));
    assert!(checked(again) == written, "a backup restored and written again differs");
}

/// A fresh store with the backup restored; refusals are the restore's answer.
fn restored(data: &[u8]) -> Result<SqliteStore, StoreError> {
    let mut store = SqliteStore::in_memory().expect("an in-memory store opens");
    tranche_store::backup::restore(&mut store, &mut &data[..])?;
    Ok(store)
}

/// What `tranche restore` then does, and what `tranche check` and `verify` ask of a store;
/// returns the store's own backup.
fn checked(store: SqliteStore) -> Vec<u8> {
    let mut ledger = Ledger::open(store).unwrap_or_else(|e| panic!("a restored store does not open: {e}"));
    ledger.rebuild_projections().unwrap_or_else(|e| panic!("a restored store's projections do not rebuild: {e}"));
    match tranche_store::replay_and_compare(ledger.store()) {
        Ok(None) => {}
        Ok(Some(difference)) => panic!("the projections differ from the replay: {difference}"),
        Err(e) => panic!("a restored store does not replay: {e}"),
    }
    if let Err(e) = tranche_store::log::verify_store(ledger.store(), None) {
        panic!("a restored store's log does not verify: {e}");
    }
    let mut out = Vec::new();
    tranche_store::backup::write(ledger.store(), &mut out).unwrap_or_else(|e| panic!("the backup fails: {e}"));
    out
}
