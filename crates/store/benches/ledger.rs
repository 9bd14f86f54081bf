//! Ledger benchmarks on a durable SQLite file (WAL, synchronous=FULL) and, side by side, on
//! PostgreSQL (`TRANCHE_TEST_POSTGRES`, default the local server; skipped with a notice when
//! none answers). Figures in docs/PERFORMANCE.md; run with
//! `cargo bench -p tranche-store --bench ledger`. Beside Tranche's ingest, the storage limit:
//! raw SQLite inserting the same rows into the same file (`ingest_raw_sqlite`), and the hash
//! limit of `verify` (`sha256`). `scripts/bench` runs them all and puts each figure beside its
//! limit.

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

/// The events of the store the replay and report figures read: `TRANCHE_BENCH_EVENTS` (default
/// 1,000,000; `scripts/bench --quick` sets a small one).
fn store_events() -> u64 {
    std::env::var("TRANCHE_BENCH_EVENTS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000)
}

fn million(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("million.db");
    let events = store_events();
    let ledger = build_store(&path, events);
    let as_of = date("2027-01-01");
    let mut group = c.benchmark_group("store_of_events");
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("report_summary", events), |b| b.iter(|| ledger.summary(as_of).unwrap()));
    drop(ledger);
    group.throughput(Throughput::Elements(events));
    if std::env::var_os("TRANCHE_BENCH_QUICK").is_none() {
        group.measurement_time(Duration::from_secs(30));
    }
    group.bench_function(BenchmarkId::new("replay_open", events), |b| b.iter(|| open(&path)));
    group.finish();
}

/// The rows one synthetic command writes, read back from a store Tranche wrote: the raw
/// SQLite figures insert exactly these rows (same sizes) with the same rusqlite calls.
struct Rows {
    /// (command_id, fingerprint, event_count), one per command, in log order.
    commands: Vec<(String, Vec<u8>, i64)>,
    /// (command_id, kind, payload, recorded_at, actor), one per event (one event per command here).
    events: Vec<(String, String, String, String, String)>,
    leaves: Vec<Vec<u8>>,
    /// Per event: (entry, book, account, currency, amount_minor).
    postings: Vec<Vec<(i64, String, String, String, i64)>>,
    /// pledge_view rows: (pledge_id, kind, contributor, date, status, currency, announced, committed, paid).
    pledges: Vec<(String, String, String, String, String, Option<String>, Option<i64>, Option<i64>, Option<i64>)>,
}

const RAW_SOURCE_PLEDGES: u64 = 1_000;

fn rows_of_synthetic_commands(dir: &std::path::Path) -> Rows {
    let mut ledger = open(&dir.join("source.db"));
    seed(&mut ledger);
    let first = ledger.head();
    let commands: Vec<_> = (0..RAW_SOURCE_PLEDGES).flat_map(|n| lifecycle(n, 2)).collect();
    ledger.execute_all(&commands).unwrap();
    drop(ledger);
    let source = tranche_store::SqliteStore::open(&dir.join("source.db")).unwrap();
    let db = source.connection();
    let first = first as i64;
    let query = |sql: &str| db.prepare(sql).unwrap();
    let commands =
        query("SELECT command_id, fingerprint, event_count FROM commands WHERE first_seq > ?1 ORDER BY first_seq")
            .query_map([first], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect::<Vec<(String, Vec<u8>, i64)>>();
    let events = query("SELECT command_id, kind, payload, recorded_at, actor FROM events WHERE seq > ?1 ORDER BY seq")
        .query_map([first], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    assert_eq!(commands.len(), events.len(), "one event per synthetic command");
    let leaves = query("SELECT hash FROM log_leaves WHERE seq > ?1 ORDER BY seq")
        .query_map([first], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<Vec<u8>>>();
    let mut postings = vec![Vec::new(); events.len()];
    let mut rows = query("SELECT seq, entry, book, account, currency, amount_minor FROM postings WHERE seq > ?1");
    for row in rows
        .query_map([first], |r| Ok((r.get::<_, i64>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))))
        .unwrap()
    {
        let (seq, posting) = row.unwrap();
        postings[(seq - first - 1) as usize].push(posting);
    }
    let pledges = query(
        "SELECT pledge_id, kind, contributor, date, status, currency, announced_minor, committed_minor, paid_minor \
         FROM pledge_view ORDER BY pledge_id",
    )
    .query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect::<Vec<_>>();
    Rows { commands, events, leaves, postings, pledges }
}

/// Which of a command's rows the raw writer inserts, cumulatively: the event alone (the storage
/// limit), then its command (idempotency) record, its Merkle leaf, its postings, and the pledge
/// view, which Tranche writes once per pledge a transaction touches.
const RAW_LEVELS: [&str; 5] =
    ["event", "event+command", "event+command+leaf", "event+command+leaf+postings", "all_rows"];

/// Raw SQLite: the same file (schema, WAL, synchronous=FULL, as `SqliteStore::open` makes it),
/// the same prepared statements and `BEGIN IMMEDIATE`, inserting the rows a Tranche command
/// writes, without deciding, checking, hashing or encoding anything.
fn raw_sqlite(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows_of_synthetic_commands(dir.path());
    let target = tranche_store::SqliteStore::open(&dir.path().join("raw.db")).unwrap();
    let db = target.connection();
    let mut seq = 0i64;
    let mut round = 0u64;
    let mut group = c.benchmark_group("ingest_raw_sqlite");
    for (batch_size, levels) in [(1usize, &RAW_LEVELS[..1]), (1000, &RAW_LEVELS[..])] {
        group.throughput(Throughput::Elements(batch_size as u64));
        for (level, name) in levels.iter().enumerate() {
            let id = BenchmarkId::new(format!("{name}/commands_per_transaction"), batch_size);
            group.bench_function(id, |b| {
                b.iter_custom(|iterations| {
                    let started = Instant::now();
                    for _ in 0..iterations {
                        round += 1;
                        raw_transaction(db, &rows, level + 1, batch_size, round, &mut seq);
                    }
                    started.elapsed()
                })
            });
        }
    }
    group.finish();
}

fn raw_transaction(db: &rusqlite::Connection, rows: &Rows, level: usize, batch_size: usize, round: u64, seq: &mut i64) {
    use rusqlite::params;
    let tx = rusqlite::Transaction::new_unchecked(db, rusqlite::TransactionBehavior::Immediate).unwrap();
    let _head: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |row| row.get(0)).unwrap();
    let mut event = tx
        .prepare_cached(
            "INSERT INTO events (seq, command_id, kind, payload, recorded_at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .unwrap();
    let mut command = tx
        .prepare_cached(
            "INSERT INTO commands (command_id, fingerprint, first_seq, event_count) VALUES (?1, ?2, ?3, ?4)",
        )
        .unwrap();
    let mut leaf = tx.prepare_cached("INSERT INTO log_leaves (seq, hash) VALUES (?1, ?2)").unwrap();
    let mut posting = tx
        .prepare_cached(
            "INSERT INTO postings (seq, entry, book, account, currency, amount_minor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .unwrap();
    let offset = (round as usize * batch_size) % rows.events.len();
    for i in 0..batch_size {
        let k = (offset + i) % rows.events.len();
        *seq += 1;
        let command_id = format!("{round}:{}", rows.commands[k].0);
        if level >= 2 {
            let (_, fingerprint, count) = &rows.commands[k];
            command.execute(params![command_id, fingerprint, *seq, count]).unwrap();
        }
        let (_, kind, payload, recorded_at, actor) = &rows.events[k];
        event.execute(params![*seq, command_id, kind, payload, recorded_at, actor]).unwrap();
        if level >= 3 {
            leaf.execute(params![*seq, rows.leaves[k]]).unwrap();
        }
        if level >= 4 {
            for (entry, book, account, currency, amount) in &rows.postings[k] {
                posting.execute(params![*seq, entry, book, account, currency, amount]).unwrap();
            }
        }
    }
    if level >= 5 {
        // Four commands per pledge in this mix: one pledge row per four commands, at least one.
        let mut upsert = tx
            .prepare_cached(
                "INSERT OR REPLACE INTO pledge_view (pledge_id, kind, contributor, date, status, currency, announced_minor, \
                 committed_minor, paid_minor, package, last_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .unwrap();
        for i in 0..batch_size.div_ceil(4) {
            let p = &rows.pledges[(offset / 4 + i) % rows.pledges.len()];
            let id = format!("{round}:{}", p.0);
            upsert.execute(params![id, p.1, p.2, p.3, p.4, p.5, p.6, p.7, p.8, None::<String>, *seq]).unwrap();
        }
    }
    drop((event, command, leaf, posting));
    tx.commit().unwrap();
}

/// SHA-256 (the `sha2` crate, as the log uses it) over the leaf bytes of the same synthetic
/// events and over interior nodes (0x01, two hashes: 65 bytes): the hash limit of `verify`,
/// which hashes every leaf and rebuilds the tree (one node per leaf but one).
fn sha256(c: &mut Criterion) {
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let rows = rows_of_synthetic_commands(dir.path());
    let secret = [7u8; 32];
    let leaves: Vec<Vec<u8>> = rows
        .events
        .iter()
        .enumerate()
        .map(|(i, (command_id, kind, payload, recorded_at, actor))| {
            let entry =
                tranche_log::leaf::Entry { seq: i as u64 + 1, command_id, actor, kind, recorded_at, payload: "" };
            let mut bytes = vec![0u8];
            bytes.extend(
                tranche_log::leaf::leaf_bytes_with(&entry, serde_json::from_str(payload).unwrap(), &secret).unwrap(),
            );
            bytes
        })
        .collect();
    let total: usize = leaves.iter().map(Vec::len).sum();
    let mean = total / leaves.len();
    eprintln!("sha256: {} leaves of the synthetic events, {mean} bytes each on average", leaves.len());
    let mut group = c.benchmark_group("sha256");
    group.throughput(Throughput::Bytes(mean as u64));
    group.bench_function(BenchmarkId::new("one_leaf_of_mean_bytes", mean), |b| {
        b.iter_custom(|iterations| {
            let started = Instant::now();
            for i in 0..iterations {
                std::hint::black_box(sha2::Sha256::digest(&leaves[i as usize % leaves.len()]));
            }
            started.elapsed()
        })
    });
    let node = [1u8; 65];
    group.throughput(Throughput::Bytes(65));
    group.bench_function("one_node_65_bytes", |b| b.iter(|| sha2::Sha256::digest(std::hint::black_box(&node))));
    let block = vec![0x5au8; 1 << 20];
    group.throughput(Throughput::Bytes(block.len() as u64));
    group.bench_function("one_mib", |b| b.iter(|| sha2::Sha256::digest(std::hint::black_box(&block))));
    group.finish();
}

criterion_group!(benches, ingest, raw_sqlite, sha256, million);
criterion_main!(benches);
