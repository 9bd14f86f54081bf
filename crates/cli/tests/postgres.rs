//! The command line on the PostgreSQL store: the demo and the exercise load, and every report
//! equals the same store's on SQLite; `check` passes. Skipped with a notice when no server
//! answers, unless `TRANCHE_REQUIRE_POSTGRES=1` (as in `.ci/run`).

mod common;

use std::process::Command;

use common::{fresh_postgres, tranche};

#[test]
fn the_postgres_store_gives_the_same_reports_as_sqlite() {
    let Some(url) = fresh_postgres("reports") else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("tranche.db");
    let sqlite = sqlite.to_str().unwrap();
    for database in [sqlite, url.as_str()] {
        tranche(database, &["demo", "--no-serve", "--exercise"]);
    }
    for report in [
        vec!["report", "summary", "--json", "--as-of", "2026-11-26"],
        vec!["report", "packages", "--json"],
        vec!["report", "balances"],
        vec!["report", "months", "--json"],
        vec!["--as", "public", "report", "requirements", "--json"],
    ] {
        assert_eq!(tranche(&url, &report), tranche(sqlite, &report), "{report:?}");
    }
    assert!(tranche(&url, &["check"]).starts_with("ok: 162 events"));
    // The Kiel release the demo loaded is in the PostgreSQL log, read back by a new process.
    let kiel = dir.path().join("kiel");
    std::fs::create_dir(&kiel).unwrap();
    std::fs::write(kiel.join("release_info.csv"), tranche_io::shipped::KIEL_RELEASE_INFO_CSV).unwrap();
    std::fs::write(kiel.join("procurement_trends.csv"), tranche_io::shipped::KIEL_PROCUREMENT_CSV).unwrap();
    std::fs::write(kiel.join("data_explorer.csv"), tranche_io::shipped::KIEL_DATA_EXPLORER_CSV).unwrap();
    let again = tranche(&url, &["import", "kiel", kiel.to_str().unwrap()]);
    assert!(again.contains("Kiel release 29") && again.contains("already loaded"), "{again}");
    // Loading again changes nothing: idempotency holds on PostgreSQL too.
    assert!(tranche(&url, &["demo", "--no-serve", "--exercise"]).contains("0 new, 71 already loaded"));
    // Tokens live in the store on either backend.
    assert!(tranche(&url, &["token", "create", "--role", "auditor"]).starts_with("trn_"));
    assert!(tranche(&url, &["migrate"]).contains("schema at version 3, up to date"));
}

fn reports(database: &str) -> Vec<String> {
    [
        vec!["report", "summary", "--json", "--as-of", "2026-11-26"],
        vec!["report", "packages", "--json"],
        vec!["report", "balances"],
        vec!["report", "parties", "--json"],
        vec!["report", "months", "--json"],
        vec!["report", "pipeline", "--json"],
        vec!["report", "requirements", "--json"],
    ]
    .iter()
    .map(|args| tranche(database, args))
    .collect()
}

#[test]
fn copy_moves_the_demo_store_to_postgres_and_back_with_identical_reports() {
    let Some(url) = fresh_postgres("copy") else { return };
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original.db");
    let original = original.to_str().unwrap();
    tranche(original, &["demo", "--no-serve", "--exercise"]);
    let out = tranche(original, &["copy", "--from", &format!("sqlite:{original}"), "--to", &url]);
    assert!(out.starts_with("copied 162 events"), "{out}");
    assert!(out.contains("identical: state, rates, idempotency records, projections, log root, checkpoints"), "{out}");
    let back = dir.path().join("back.db");
    let back = back.to_str().unwrap();
    let out = tranche(original, &["copy", "--from", &url, "--to", back]);
    assert!(out.starts_with("copied 162 events"), "{out}");
    let expected = reports(original);
    assert_eq!(reports(&url), expected);
    assert_eq!(reports(back), expected);
    // The log travels whole: the copy verifies against the original's key and checkpoints.
    let key = tranche(original, &["key", "public", &format!("{original}.key")]);
    let verified = tranche(back, &["verify", "--key", key.trim()]);
    assert!(verified.starts_with("ok: 162 entries"), "{verified}");
    let verified = tranche(&url, &["verify", "--key", key.trim()]);
    assert!(verified.starts_with("ok: 162 entries"), "{verified}");
    // A copy goes only into an empty store; the refused copy changes nothing.
    let before = tranche(&url, &["report", "summary", "--json", "--as-of", "2026-11-26"]);
    let out =
        Command::new(env!("CARGO_BIN_EXE_tranche")).args(["copy", "--from", original, "--to", &url]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("restore needs an empty store"), "{out:?}");
    assert_eq!(tranche(&url, &["report", "summary", "--json", "--as-of", "2026-11-26"]), before);
    assert!(tranche(&url, &["check"]).starts_with("ok: 162 events"));
}

/// `tranche --database DATABASE ARGS` with imports read, decided and written `rows` at a time,
/// and a snapshot every 50 events.
fn in_chunks(database: &str, rows: usize, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tranche"))
        .env("TRANCHE_IMPORT_CHUNK_ROWS", rows.to_string())
        .env("TRANCHE_SNAPSHOT_EVERY", "50")
        .arg("--database")
        .arg(database)
        .args(args)
        .output()
        .unwrap()
}

/// Pledges by registered parties, every fifth committed, every seventh from the 14th on
/// superseding the same party's pledge seven rows (several chunks) before.
fn many_rows(rows: usize) -> String {
    let parties = ["NLD", "DEU", "NOR", "SWE", "DNK", "CAN", "POL"];
    let mut text = "record_id,date,kind,parties,amount,currency,package,supersedes,confidence,status,note,source_url\n"
        .to_string();
    for i in 0..rows {
        let status = if i % 5 == 0 { "committed" } else { "announced" };
        let supersedes = if i >= 14 && i % 7 == 0 { format!("C{}", i - 7) } else { String::new() };
        let party = parties[i % parties.len()];
        let (month, day, amount) = (1 + i / 28, 1 + i % 28, 1000 + i);
        text.push_str(&format!(
            "C{i},2025-{month:02}-{day:02},pledge,{party},{amount},EUR,,{supersedes},confirmed,{status},,\n"
        ));
    }
    text
}

#[test]
fn a_streamed_import_is_one_transaction_on_postgres_too() {
    let Some(url) = fresh_postgres("stream") else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("tranche.db");
    let sqlite = sqlite.to_str().unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, many_rows(40)).unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, many_rows(30).replace("C27,2025-01-28,pledge,POL", "C27,2025-01-28,pledge,ZZZ")).unwrap();
    for database in [sqlite, url.as_str()] {
        tranche(database, &["demo", "--no-serve"]);
    }
    // A row refused in the tenth chunk of three rows: nothing of the nine before stays.
    let before = reports(&url);
    let head = tranche(&url, &["check"]);
    let out = in_chunks(&url, 3, &["import", "record", bad.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("bad.csv:29: record C27: unknown party ZZZ"), "{stderr}");
    assert_eq!(reports(&url), before);
    assert_eq!(tranche(&url, &["check"]), head);
    // The good file in chunks of three on PostgreSQL, in one chunk on SQLite: the same store.
    let out = in_chunks(&url, 3, &["import", "record", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = in_chunks(sqlite, 1000, &["import", "record", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(reports(&url), reports(sqlite));
    assert_eq!(tranche(&url, &["export", "record"]), tranche(sqlite, &["export", "record"]));
    assert_eq!(tranche(&url, &["check"]).split(' ').nth(1), tranche(sqlite, &["check"]).split(' ').nth(1));
    // Both imports crossed 100 events: each ended with a snapshot in its transaction.
    for database in [sqlite, url.as_str()] {
        let check = tranche(database, &["check"]);
        let head = check.split(' ').nth(1).unwrap();
        assert!(check.contains(&format!("the snapshot at event {head} equals its replay")), "{database}: {check}");
    }
}
