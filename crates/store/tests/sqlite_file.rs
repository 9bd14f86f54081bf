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
