//! SQLite-specific behaviour: durability across reopen, append-only events, damage detection.

use tranche_core::*;
use tranche_store::{Ledger, SqliteStore};

fn party(id: &str) -> Envelope {
    let party = Party {
        id: PartyId::parse(id).unwrap(),
        name: tranche_core::Name::parse(id).unwrap(),
        kind: PartyKind::State,
        role: PartyRole::Contributor,
        gdp_2021_bn_eur: None,
        nato_member_since: None,
    };
    Envelope {
        command_id: CommandId::parse(&format!("party:{id}")).unwrap(),
        actor: tranche_core::auth::Role::Admin,
        command: Command::RegisterParty { party },
    }
}

#[test]
fn survives_reopen_and_reports_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut ledger = Ledger::open(SqliteStore::open(&path).unwrap()).unwrap();
    ledger.execute_all(&[party("NLD"), party("DEU")]).unwrap();
    let state = ledger.state().clone();
    drop(ledger);
    let store = SqliteStore::open(&path).unwrap();
    let mode: String = store.connection().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    let sync: i64 = store.connection().query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
    assert_eq!((mode.as_str(), sync), ("wal", 2), "WAL with synchronous=FULL");
    assert_eq!(Ledger::open(store).unwrap().state(), &state);
}

#[test]
fn events_are_append_only() {
    let mut ledger = Ledger::open(SqliteStore::in_memory().unwrap()).unwrap();
    ledger.execute(&party("NLD")).unwrap();
    let store = ledger.into_store();
    let update = store.connection().execute("UPDATE events SET payload = '{}' WHERE seq = 1", []);
    assert!(update.unwrap_err().to_string().contains("events are append-only"));
    let delete = store.connection().execute("DELETE FROM events", []);
    assert!(delete.unwrap_err().to_string().contains("events are append-only"));
}

#[test]
fn damaged_event_is_named_on_open() {
    let mut ledger = Ledger::open(SqliteStore::in_memory().unwrap()).unwrap();
    ledger.execute_all(&[party("NLD"), party("DEU")]).unwrap();
    let store = ledger.into_store();
    store
        .connection()
        .execute_batch("DROP TRIGGER events_no_update; UPDATE events SET payload = 'x' WHERE seq = 2;")
        .unwrap();
    let error = Ledger::open(store).err().unwrap().to_string();
    assert!(error.starts_with("the store is damaged: event 2 does not decode"), "{error}");
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    SqliteStore::open(&path).unwrap().connection().execute_batch("PRAGMA user_version = 99").unwrap();
    let error = SqliteStore::open(&path).err().unwrap().to_string();
    assert!(error.contains("schema version 99 is newer"), "{error}");
}

/// A snapshot row that cannot be one (a negative position, a root of the wrong length, a payload
/// stored as text) is ignored on open with the state still the replay's; `check` and `verify`
/// name it; the store never fails to open over it.
#[test]
fn a_snapshot_row_of_the_wrong_shape_is_ignored_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut ledger = Ledger::open(SqliteStore::open(&path).unwrap()).unwrap().with_snapshot_every(2);
    for id in ["NLD", "DEU", "NOR", "SWE", "DNK"] {
        ledger.execute(&party(id)).unwrap();
    }
    let state = ledger.state().clone();
    drop(ledger);
    for damage in [
        "UPDATE snapshots SET seq = -1 WHERE seq = 4",
        "UPDATE snapshots SET root = x'00' WHERE seq = 4",
        "UPDATE snapshots SET payload = 'hello' WHERE seq = 2",
        "UPDATE snapshots SET version = 4294967297 WHERE seq = 2",
    ] {
        let copy = dir.path().join("copy.db");
        std::fs::copy(&path, &copy).unwrap();
        let _ = std::fs::remove_file(dir.path().join("copy.db-wal"));
        let store = SqliteStore::open(&copy).unwrap();
        store.connection().execute_batch(damage).unwrap();
        let ledger = Ledger::open(store).unwrap_or_else(|e| panic!("{damage}: the store must open: {e}"));
        assert_eq!(ledger.state(), &state, "{damage}");
        let named = tranche_store::replay_and_compare(ledger.store()).unwrap().unwrap_or_default();
        assert!(named.contains("the stored row is damaged"), "{damage}: verify names it: {named}");
        drop(ledger);
        std::fs::remove_file(&copy).unwrap();
    }
}
