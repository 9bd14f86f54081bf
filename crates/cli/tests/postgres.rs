//! The command line on the PostgreSQL store: the demo and the exercise load, and every report
//! equals the same store's on SQLite; `check` passes. Skipped with a notice when no server
//! answers, unless `TRANCHE_REQUIRE_POSTGRES=1` (as in `.ci/run`).

use std::process::Command;

fn tranche(database: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tranche")).arg("--database").arg(database).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A URL naming a fresh schema of the test server, or `None` when there is none to use.
fn fresh_postgres() -> Option<String> {
    let base = std::env::var("TRANCHE_TEST_POSTGRES")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".to_string());
    let mut admin = match postgres::Client::connect(&base, postgres::NoTls) {
        Ok(client) => client,
        Err(error) if std::env::var("TRANCHE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
            panic!("TRANCHE_REQUIRE_POSTGRES=1 but PostgreSQL does not answer at {base}: {error}")
        }
        Err(error) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "notice: skipping the PostgreSQL command-line test: {error}");
            return None;
        }
    };
    let schema = format!("tranche_cli_{}", std::process::id());
    admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
    let host = base.split_whitespace().find_map(|kv| kv.strip_prefix("host=")).unwrap_or("127.0.0.1");
    let port = base.split_whitespace().find_map(|kv| kv.strip_prefix("port=")).unwrap_or("5432");
    let user = base.split_whitespace().find_map(|kv| kv.strip_prefix("user=")).unwrap_or("postgres");
    let db = base.split_whitespace().find_map(|kv| kv.strip_prefix("dbname=")).unwrap_or("test");
    Some(format!("postgres://{user}@{host}:{port}/{db}?options=-c%20search_path%3D{schema}"))
}

#[test]
fn the_postgres_store_gives_the_same_reports_as_sqlite() {
    let Some(url) = fresh_postgres() else { return };
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
    assert!(tranche(&url, &["check"]).starts_with("ok: 160 events"));
    // Loading again changes nothing: idempotency holds on PostgreSQL too.
    assert!(tranche(&url, &["demo", "--no-serve", "--exercise"]).contains("0 new, 71 already loaded"));
    let out = Command::new(env!("CARGO_BIN_EXE_tranche"))
        .args(["--database", &url, "token", "create", "--role", "admin"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("works on a SQLite store file only"));
}
