//! Several `tranche serve` processes on one PostgreSQL database, many clients at once: pledges
//! announced, committed and paid, and allocations racing for the last room in one package.
//! Afterwards the log is gap-free, every acknowledged command is in it exactly once (repeats
//! through another server answer the first outcome), the package is not over-allocated, the
//! money adds up, and every server's figures equal a fresh replay's. Skipped with a notice
//! without PostgreSQL unless `TRANCHE_REQUIRE_POSTGRES=1`.

mod common;

use std::collections::HashMap;
use std::sync::Mutex;

use common::{Served, fresh_postgres, tranche};
use serde_json::{Value, json};
use tranche_store::{PostgresStore, Store};

const SERVERS: usize = 3;
const CLIENTS: usize = 9;
const ROUNDS: usize = 4;
/// USD minor units of each pledge, payment and allocation.
const AMOUNT: i64 = 25_000_000 * 100;
const PARTIES: [&str; 6] = ["NLD", "DEU", "CAN", "NOR", "SWE", "DNK"];

fn usd(amount_minor: i64) -> Value {
    json!({"amount_minor": amount_minor, "currency": "USD"})
}

/// The four commands of one client round, each with its idempotency key.
fn round(client: usize, k: usize) -> Vec<(String, &'static str, Value)> {
    let pledge = format!("CL{client}-{k}");
    let party = PARTIES[(client + k) % PARTIES.len()];
    let source = json!({"url": null, "date": "2026-05-04", "confidence": "reported"});
    vec![
        (
            format!("{pledge}-announce"),
            "announce",
            json!({"type": "announce-pledge", "announcement": {"pledge": pledge, "kind": "solo", "contributor": {"party": party}, "amount": usd(AMOUNT), "package": null, "earmark": null, "date": "2026-05-04", "source": source, "note": null}, "supersedes": null}),
        ),
        (
            format!("{pledge}-commit"),
            "commit",
            json!({"type": "commit-pledge", "pledge": pledge, "amount": null, "date": "2026-05-05"}),
        ),
        (
            format!("{pledge}-pay"),
            "pay",
            json!({"type": "pay-pledge", "pledge": pledge, "amount": usd(AMOUNT), "date": "2026-05-06"}),
        ),
        (
            format!("{pledge}-allocate"),
            "allocate",
            json!({"type": "allocate", "package": "EX-P3", "pledge": pledge, "amount": usd(AMOUNT), "date": "2026-05-07"}),
        ),
    ]
}

/// What a client saw of one command.
#[derive(Debug, Clone, Copy)]
struct Ack {
    first_seq: u64,
    event_count: u64,
}

fn applied(server: &Served, token: &str) -> (u64, u64) {
    let body = server.get("/readyz", token).body;
    let numbers: Vec<u64> = body.split_whitespace().filter_map(|w| w.trim_end_matches(',').parse().ok()).collect();
    (numbers[0], numbers[1])
}

#[test]
fn several_servers_on_one_database_keep_one_log_under_concurrent_clients() {
    let Some(url) = fresh_postgres("cluster") else { return };
    tranche(&url, &["demo", "--no-serve", "--exercise"]);
    assert!(tranche(&url, &["migrate"]).contains("up to date"));
    let token = tranche(&url, &["token", "create", "--role", "coordinator"]).trim().to_string();
    let servers: Vec<Served> = (0..SERVERS).map(|_| Served::start(&url, &[])).collect();
    let package = |server: &Served| server.get("/api/v1/packages/EX-P3", &token).json();
    let before = package(&servers[0]);
    let minor = |v: &Value| (v.as_str().unwrap().parse::<f64>().unwrap() * 100.0).round() as i64;
    let (price, allocated_before) = (minor(&before["price"]), minor(&before["allocated"]));
    assert!(price - allocated_before < AMOUNT * (CLIENTS * ROUNDS) as i64, "the allocations must race for room");

    let acks: Mutex<HashMap<String, Ack>> = Mutex::new(HashMap::new());
    let refused_allocations = Mutex::new(0usize);
    std::thread::scope(|scope| {
        for client in 0..CLIENTS {
            let (servers, token, acks, refused) = (&servers, &token, &acks, &refused_allocations);
            scope.spawn(move || {
                for k in 0..ROUNDS {
                    for (step, (key, what, command)) in round(client, k).into_iter().enumerate() {
                        let server = &servers[(client + k + step) % SERVERS];
                        let reply = server.post(token, &key, &command).expect("the server answers");
                        match (reply.status, what) {
                            (201, _) => {
                                let body = reply.json();
                                let ack = Ack {
                                    first_seq: body["first_seq"].as_u64().unwrap(),
                                    event_count: body["event_count"].as_u64().unwrap(),
                                };
                                acks.lock().unwrap().insert(key.clone(), ack);
                                // The same command again, through another server: the first outcome.
                                if (client + k) % 3 == 0 {
                                    let other = &servers[(client + k + step + 1) % SERVERS];
                                    let again = other.post(token, &key, &command).expect("the server answers");
                                    assert_eq!(again.status, 200, "{key}: {}", again.body);
                                    assert_eq!(again.json()["first_seq"].as_u64(), Some(ack.first_seq), "{key}");
                                    assert_eq!(again.json()["repeated"], true);
                                }
                            }
                            (409, "allocate") => *refused.lock().unwrap() += 1,
                            (status, _) => panic!("{key} through {}: {status} {}", server.url, reply.body),
                        }
                    }
                }
            });
        }
    });
    let acks = acks.into_inner().unwrap();
    let refused = refused_allocations.into_inner().unwrap();
    let allocations = acks.keys().filter(|k| k.ends_with("-allocate")).count();
    assert_eq!(allocations + refused, CLIENTS * ROUNDS);
    assert_eq!(acks.len(), CLIENTS * ROUNDS * 3 + allocations);
    assert!(refused > 0, "no allocation was refused: the race did not happen");

    // One gap-free log; each acknowledged command is in it once, where its answer said.
    let store = PostgresStore::connect(&url).unwrap();
    let head = store.head().unwrap();
    let mut events_by_command: HashMap<String, Vec<u64>> = HashMap::new();
    let mut after = 0;
    loop {
        let page = store.events_after(after, 1000).unwrap();
        if page.is_empty() {
            break;
        }
        for event in page {
            assert_eq!(event.seq, after + 1, "the log has a gap before event {}", event.seq);
            after = event.seq;
            events_by_command.entry(common::client_key(&event.command_id).to_string()).or_default().push(event.seq);
        }
    }
    assert_eq!(after, head);
    let rows = common::stored_commands(&store);
    for (key, ack) in &acks {
        assert_eq!(rows.get(key), Some(&(ack.first_seq, ack.event_count as u32)), "{key}");
        let seqs = &events_by_command[key];
        let expected: Vec<u64> = (ack.first_seq..ack.first_seq + ack.event_count).collect();
        assert_eq!(seqs, &expected, "{key}: its events");
    }
    for (key, seqs) in &events_by_command {
        if key.starts_with("CL") {
            assert!(acks.contains_key(key), "{key} is in the log but no client was told so");
        }
        assert_eq!(rows[key].1 as usize, seqs.len(), "{key}");
    }

    // No over-allocation; the money adds up (the bank check): every acknowledged payment and
    // allocation is counted once, and the books balance after a fresh replay.
    let ledger = tranche_store::Ledger::open(store).unwrap();
    let ex_p3 = ledger.state().package(&tranche_core::PackageRef::parse("EX-P3").unwrap()).unwrap();
    let allocated = ex_p3.allocated().amount_minor;
    assert!(allocated <= price, "EX-P3 over-allocated: {allocated} of {price}");
    assert_eq!(allocated, allocated_before + AMOUNT * allocations as i64);
    let ours = ledger.state().pledges().iter().filter(|p| p.id.as_str().starts_with("CL"));
    let paid: i64 = ours.clone().map(|p| p.paid.map_or(0, |m| m.amount_minor)).sum();
    assert_eq!(paid, AMOUNT * (CLIENTS * ROUNDS) as i64);
    assert_eq!(ours.count(), CLIENTS * ROUNDS);
    assert!(tranche(&url, &["check"]).starts_with(&format!("ok: {head} events")));

    // Every server follows to the same head and shows what a fresh replay shows.
    let fresh = Served::start(&url, &[]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    for server in &servers {
        while applied(server, &token) != (head, head) {
            assert!(std::time::Instant::now() < deadline, "{} did not follow to {head}", server.url);
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    for path in [
        "/api/v1/summary?as_of=2026-11-26",
        "/api/v1/packages",
        "/api/v1/pledges",
        "/api/v1/reports/months",
        "/api/v1/reports/pipeline",
    ] {
        let expected = fresh.get(path, &token).body;
        for server in &servers {
            assert_eq!(server.get(path, &token).body, expected, "{path} on {}", server.url);
        }
    }
}
