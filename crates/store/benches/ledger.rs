//! Ledger benchmarks on a durable SQLite file (WAL, synchronous=FULL) and, side by side, on
//! PostgreSQL (`TRANCHE_TEST_POSTGRES`, default the local server; skipped with a notice when
//! none answers). Figures in docs/PERFORMANCE.md; run with
//! `cargo bench -p tranche-store --bench ledger`.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tranche_store::synthetic::{build_store, date, fresh_postgres, lifecycle, open, seed};
use tranche_store::{Ledger, Store};

fn ingest(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = open(&dir.path().join("ingest.db"));
    seed(&mut sqlite);
    ingest_into(c, "ingest", &mut sqlite);
    let base = std::env::var("TRANCHE_TEST_POSTGRES")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".to_string());
    match fresh_postgres(&base, "ingest") {
        Some(store) => {
            let mut postgres = Ledger::open(store).unwrap();
            seed(&mut postgres);
            ingest_into(c, "ingest_postgres", &mut postgres);
        }
        None => eprintln!("notice: no PostgreSQL server at {base}; the PostgreSQL ingest is not measured"),
    }
}

/// Announce, commit and two payments per pledge, `batch_size` commands per durable transaction.
fn ingest_into<S: Store>(c: &mut Criterion, name: &str, ledger: &mut Ledger<S>) {
    let mut next = 0u64;
    let mut group = c.benchmark_group(name);
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
