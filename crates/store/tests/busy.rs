//! Appends on one connection while another connection writes to the same SQLite file, as the
//! server does: its writer appends while checkpoints are signed and cosignatures kept on the
//! read connection (issue 12, #11). A deferred append transaction reads the head and then
//! writes; once another connection commits in between, SQLite refuses the upgrade
//! (SQLITE_BUSY_SNAPSHOT) without waiting, and a whole group commit failed. No append may fail.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tranche_core::*;
use tranche_log::note::{KeyType, Signer25519};
use tranche_store::{Ledger, SqliteStore, Store};

/// Appends per run: enough to hit the window many times over, bounded so the test stops soon.
const APPENDS: usize = 1000;

/// A distinct party id per number: four capital letters.
fn party_id(n: usize) -> String {
    (0..4).map(|digit| char::from(b'A' + (n / 26usize.pow(digit) % 26) as u8)).collect()
}

fn register(n: usize) -> Envelope {
    let id = party_id(n);
    let party = Party {
        id: PartyId::parse(&id).unwrap(),
        name: id.as_str().try_into().unwrap(),
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

/// What the second connection does, over and over, until told to stop.
type Interloper = fn(&mut SqliteStore, &Signer25519) -> Result<(), String>;

/// Signs a checkpoint of what is stored, as the server's checkpoint ticker does.
fn sign(store: &mut SqliteStore, signer: &Signer25519) -> Result<(), String> {
    let tree = tranche_store::log::tree_of(store).map_err(|e| e.to_string())?;
    tranche_store::log::sign_checkpoint(store, &tree, signer).map_err(|e| e.to_string())?;
    Ok(())
}

/// Keeps a witness's cosignature of the latest checkpoint, as `POST /api/v1/log/cosignatures`.
fn cosign(store: &mut SqliteStore, _: &Signer25519) -> Result<(), String> {
    let Some((size, _)) = store.checkpoints().map_err(|e| e.to_string())?.pop() else { return Ok(()) };
    store.put_cosignature(size, "witness.example", "— witness.example c2ln").map_err(|e| e.to_string())
}

/// Runs `APPENDS` appends on one connection while `interloper` writes on another; returns the
/// appends that failed and the interloper's own failures.
fn run(path: &Path, interloper: Interloper) -> (Vec<String>, Vec<String>) {
    let signer = Signer25519::generate("busy.example/log", KeyType::Note).unwrap();
    let mut ledger = Ledger::open(SqliteStore::open(path).unwrap()).unwrap();
    let mut second = SqliteStore::open(path).unwrap();
    sign(&mut second, &signer).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let stop = done.clone();
    let other = std::thread::spawn(move || {
        let mut failures = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            failures.extend(interloper(&mut second, &signer).err());
            // A pause between writes, as between a server's checkpoints or a witness's requests:
            // a loop that re-takes the write lock the moment it commits (and holds it through the
            // fsync) can starve the appender past the busy timeout on a loaded machine, which is
            // SQLite's lock not being fair, not the failure this test is for.
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        failures
    });
    let failed = (0..APPENDS).filter_map(|n| ledger.execute(&register(n)).err().map(|e| e.to_string())).collect();
    done.store(true, Ordering::Relaxed);
    (failed, other.join().unwrap())
}

fn check(name: &str, interloper: Interloper) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    let (failed, other) = run(&path, interloper);
    assert!(failed.is_empty(), "{name}: {} of {APPENDS} appends failed, the first: {}", failed.len(), failed[0]);
    assert!(other.is_empty(), "{name}: the other connection failed {} times, the first: {}", other.len(), other[0]);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.head().unwrap(), APPENDS as u64, "{name}: every acknowledged append is stored");
    tranche_store::log::verify_store(&store, None).unwrap_or_else(|e| panic!("{name}: the log verifies: {e}"));
}

#[test]
fn appends_never_fail_while_another_connection_signs_checkpoints() {
    check("checkpoints", sign);
}

#[test]
fn appends_never_fail_while_another_connection_keeps_cosignatures() {
    check("cosignatures", cosign);
}
