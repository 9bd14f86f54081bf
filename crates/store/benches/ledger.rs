//! Ledger benchmarks on a durable SQLite file (WAL, synchronous=FULL). Figures in
//! docs/PERFORMANCE.md; run with `cargo bench -p tranche-store --bench ledger`.

// Amounts are written in minor units grouped as money: 1_000_000_00 is 1,000,000.00.
#![allow(clippy::inconsistent_digit_grouping)]

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tranche_core::*;
use tranche_store::{Ledger, SqliteStore};

const PARTIES: [&str; 8] = ["NLD", "DEU", "NOR", "SWE", "DNK", "CAN", "POL", "GBR"];

fn date(text: &str) -> NaiveDate {
    parse_date(text).unwrap()
}

fn envelope(id: String, command: Command) -> Envelope {
    Envelope { command_id: CommandId::parse(&id).unwrap(), actor: tranche_core::auth::Role::Admin, command }
}

fn seed(ledger: &mut Ledger<SqliteStore>) {
    let quote = RateQuote { date: date("2025-01-01"), currency: Currency::USD, rate: Rate::parse("1.16").unwrap() };
    ledger.import_rates(&[quote]).unwrap();
    let parties: Vec<Envelope> = PARTIES
        .iter()
        .map(|id| {
            let party = Party {
                id: PartyId::parse(id).unwrap(),
                name: id.to_string(),
                kind: PartyKind::State,
                role: PartyRole::Contributor,
                gdp_2021_bn_eur: None,
            };
            envelope(format!("party:{id}"), Command::RegisterParty { party })
        })
        .collect();
    ledger.execute_all(&parties).unwrap();
}

/// Pledge `n`'s lifecycle: announce, commit, then `payments` payments (alternating EUR and USD).
fn lifecycle(n: u64, payments: u64) -> Vec<Envelope> {
    let pledge = PledgeId::parse(&format!("P{n}")).unwrap();
    let day = date("2025-08-01") + chrono::Days::new(n % 400);
    let announcement = Announcement {
        pledge: pledge.clone(),
        kind: PledgeKind::Solo,
        contributor: Contributor::Party(PartyId::parse(PARTIES[(n % 8) as usize]).unwrap()),
        amount: Some(Money::new(1_000_000_00, Currency::EUR).unwrap()),
        package: None,
        earmark: None,
        date: day,
        source: Source { url: None, date: day, confidence: Confidence::Confirmed },
        note: None,
        contingent_on: None,
        shares: Vec::new(),
    };
    let mut commands = vec![
        envelope(format!("a{n}"), Command::AnnouncePledge { announcement, supersedes: None }),
        envelope(format!("c{n}"), Command::CommitPledge { pledge: pledge.clone(), amount: None, date: day }),
    ];
    for k in 0..payments {
        let amount = match k % 2 {
            0 => Money::new(100_000_00, Currency::EUR).unwrap(),
            _ => Money::new(116_000_00, Currency::USD).unwrap(),
        };
        commands.push(envelope(format!("p{n}.{k}"), Command::PayPledge { pledge: pledge.clone(), amount, date: day }));
    }
    commands
}

fn open(path: &Path) -> Ledger<SqliteStore> {
    Ledger::open(SqliteStore::open(path).unwrap()).unwrap()
}

fn ingest(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = open(&dir.path().join("ingest.db"));
    seed(&mut ledger);
    let mut next = 0u64;
    let mut group = c.benchmark_group("ingest");
    for batch_size in [1usize, 1000] {
        group.throughput(Throughput::Elements(batch_size as u64));
        group.bench_function(BenchmarkId::new("commands_per_transaction", batch_size), |b| {
            b.iter_custom(|iterations| {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iterations {
                    let mut batch = Vec::with_capacity(batch_size);
                    while batch.len() < batch_size {
                        batch.extend(lifecycle(next, 2));
                        next += 1;
                    }
                    let started = Instant::now();
                    for chunk in batch.chunks(batch_size) {
                        ledger.execute_all(chunk).unwrap();
                    }
                    elapsed += started.elapsed().mul_f64(batch_size as f64 / batch.len() as f64);
                }
                elapsed
            })
        });
    }
    group.finish();
}

/// Builds a store of exactly `events` events (parties included): pledges with announce,
/// commit and three payments each.
fn build_store(path: &Path, events: u64) -> Ledger<SqliteStore> {
    let mut ledger = open(path);
    seed(&mut ledger);
    let mut n = 0;
    let mut batch = Vec::new();
    while ledger.head() + (batch.len() as u64) < events {
        let room = events - ledger.head() - batch.len() as u64;
        let mut commands = lifecycle(n, 3);
        commands.truncate(room as usize);
        batch.extend(commands);
        n += 1;
        if batch.len() >= 10_000 {
            ledger.execute_all(&batch).unwrap();
            batch.clear();
        }
    }
    ledger.execute_all(&batch).unwrap();
    assert_eq!(ledger.head(), events);
    ledger
}

fn million(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("million.db");
    let events = 1_000_000;
    let ledger = build_store(&path, events);
    let as_of = date("2027-01-01");
    let mut group = c.benchmark_group("store_of_1m_events");
    group.sample_size(10);
    group.bench_function("report_summary", |b| b.iter(|| ledger.summary(as_of).unwrap()));
    drop(ledger);
    group.throughput(Throughput::Elements(events));
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("replay_open", |b| b.iter(|| open(&path)));
    group.finish();
}

criterion_group!(benches, ingest, million);
criterion_main!(benches);
