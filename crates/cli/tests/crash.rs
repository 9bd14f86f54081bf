//! kill -9 under write load, on both backends: every acknowledged command survives with the
//! outcome it was acknowledged with, nothing is half-written, the books balance and the
//! projections equal a rebuild; a restarted server answers a retried command with its first
//! outcome. On PostgreSQL two servers share the database and only one is killed: the other
//! keeps writing.

mod common;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Served, fresh_postgres, tranche};
use serde_json::{Value, json};
use tranche_store::Store;

const CLIENTS: usize = 6;
const AMOUNT: i64 = 1_000_000 * 100;

fn steps(client: usize, i: usize) -> [(String, Value); 3] {
    let pledge = format!("K{client}-{i}");
    let usd = json!({"amount_minor": AMOUNT, "currency": "USD"});
    let source = json!({"url": null, "date": "2026-05-04", "confidence": "reported"});
    [
        (
            format!("{pledge}-announce"),
            json!({"type": "announce-pledge", "announcement": {"pledge": pledge, "kind": "solo", "contributor": {"party": "NLD"}, "amount": usd, "package": null, "earmark": null, "date": "2026-05-04", "source": source, "note": null}, "supersedes": null}),
        ),
        (
            format!("{pledge}-commit"),
            json!({"type": "commit-pledge", "pledge": pledge, "amount": null, "date": "2026-05-05"}),
        ),
        (format!("{pledge}-pay"), json!({"type": "pay-pledge", "pledge": pledge, "amount": usd, "date": "2026-05-06"})),
    ]
}

/// Clients write to `servers` until their server dies or `stop` is set; the victim (server 0)
/// is killed with SIGKILL mid-load. Returns every acknowledged key with its command and first
/// event, and how many were acknowledged after the kill (by the survivors).
fn load_and_kill(servers: &mut [Served], token: &str) -> (HashMap<String, (Value, u64)>, usize) {
    let acks = Mutex::new(HashMap::new());
    let stop = AtomicBool::new(false);
    let killed = AtomicBool::new(false);
    let after_kill = Mutex::new(0usize);
    let (victim, survivors) = servers.split_first_mut().unwrap();
    let victim_pid = victim.child.id();
    std::thread::scope(|scope| {
        let everyone: Vec<&Served> = std::iter::once(&*victim).chain(survivors.iter()).collect();
        for client in 0..CLIENTS {
            let server = everyone[client % everyone.len()];
            let (acks, stop, killed, after_kill) = (&acks, &stop, &killed, &after_kill);
            scope.spawn(move || {
                for i in 0.. {
                    for (key, command) in steps(client, i) {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let Ok(reply) = server.post(token, &key, &command) else { return };
                        match reply.status {
                            201 => {
                                let first = reply.json()["first_seq"].as_u64().unwrap();
                                acks.lock().unwrap().insert(key, (command, first));
                                if killed.load(Ordering::SeqCst) {
                                    *after_kill.lock().unwrap() += 1;
                                }
                            }
                            // The server is going down under the request.
                            503 => return,
                            status => panic!("{key}: {status} {}", reply.body),
                        }
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_millis(1500));
        let kill = std::process::Command::new("kill").args(["-KILL", &victim_pid.to_string()]).status().unwrap();
        assert!(kill.success());
        killed.store(true, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(700));
        stop.store(true, Ordering::Relaxed);
    });
    victim.kill();
    (acks.into_inner().unwrap(), after_kill.into_inner().unwrap())
}

fn check_after_crash(database: &str, acks: &HashMap<String, (Value, u64)>, token: &str) {
    eprintln!("{} commands acknowledged before the check", acks.len());
    assert!(acks.len() > 50, "too little load before the kill: {} acknowledged", acks.len());
    // Replay, invariants, books and projections, from the store as the crash left it.
    let check = tranche(database, &["check"]);
    assert!(check.starts_with("ok: "), "{check}");
    let store = tranche_store::Location::parse(database).open().unwrap();
    let rows = common::stored_commands(&store);
    for (key, (_, first)) in acks {
        assert_eq!(rows.get(key).map(|r| r.0), Some(*first), "acknowledged {key} did not survive as acknowledged");
    }
    // Nothing half-written: every stored command has all its events, under its own id.
    let mut by_command: HashMap<String, u32> = HashMap::new();
    let mut after = 0;
    loop {
        let page = store.events_after(after, 1000).unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        for event in page {
            *by_command.entry(common::client_key(&event.command_id).to_string()).or_default() += 1;
        }
    }
    for (key, (_, count)) in &rows {
        assert_eq!(by_command.get(key), Some(count), "{key}: its events");
    }
    // Every acknowledged payment is in the books.
    let ledger = tranche_store::Ledger::open(store).unwrap();
    let paid: i64 = ledger
        .state()
        .pledges()
        .iter()
        .filter(|p| p.id.as_str().starts_with('K'))
        .map(|p| p.paid.map_or(0, |m| m.amount_minor))
        .sum();
    let acknowledged_payments = acks.keys().filter(|k| k.ends_with("-pay")).count() as i64;
    assert!(paid >= AMOUNT * acknowledged_payments, "paid {paid} < {acknowledged_payments} acknowledged payments");
    drop(ledger);

    // A restarted server answers a retry with the first outcome, and takes new writes.
    let server = Served::start(database, &[]);
    for (key, (command, first)) in acks.iter().take(20) {
        let again = server.post(token, key, command).unwrap();
        assert_eq!(again.status, 200, "{key}: {}", again.body);
        assert_eq!(again.json()["first_seq"].as_u64(), Some(*first), "{key}");
    }
    let (key, command) = steps(99, 0).into_iter().next().unwrap();
    assert_eq!(server.post(token, &key, &command).unwrap().status, 201);
}

#[test]
fn kill_9_under_write_load_loses_no_acknowledged_command_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("crash.db");
    let database = database.to_str().unwrap();
    tranche(database, &["demo", "--no-serve"]);
    let token = tranche(database, &["token", "create", "--role", "coordinator"]).trim().to_string();
    let mut servers = vec![Served::start(database, &[])];
    let (acks, _) = load_and_kill(&mut servers, &token);
    check_after_crash(database, &acks, &token);
}

#[test]
fn kill_9_of_one_of_two_servers_loses_no_acknowledged_command_on_postgres() {
    let Some(url) = fresh_postgres("crash") else { return };
    tranche(&url, &["demo", "--no-serve"]);
    let token = tranche(&url, &["token", "create", "--role", "coordinator"]).trim().to_string();
    let mut servers = vec![Served::start(&url, &[]), Served::start(&url, &[])];
    let (acks, after_kill) = load_and_kill(&mut servers, &token);
    assert!(after_kill > 0, "the surviving server took no writes after the other was killed");
    check_after_crash(&url, &acks, &token);
}
