//! `tranche export hledger|ledger|record`, checked by tools nobody here wrote: hledger and ledger
//! must read the journal, pass every balance assertion and report, for every account and
//! currency, the balance `tranche report balances --json` reports; a journal with one amount
//! changed must fail both. The record export must import into a fresh store and give the same
//! reports and pledges.
//!
//! Needs the Debian packages `hledger` and `ledger` (`.ci/run` installs them); without them the
//! journal tests fail when `CI=true` and are skipped with a notice otherwise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox { dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `tranche --database DB ARGS`, which must succeed; returns (stdout, stderr).
    fn tranche(&self, db: &str, args: &[&str]) -> (String, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_tranche"))
            .arg("--database")
            .arg(self.path(db))
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "tranche {args:?} failed:\n{stdout}\n{stderr}");
        (stdout, stderr)
    }

    fn json(&self, db: &str, args: &[&str]) -> Value {
        let (stdout, _) = self.tranche(db, args);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{stdout}"))
    }

    /// A store with the demo (and the exercise when asked).
    fn demo(&self, db: &str, exercise: bool) {
        let mut args = vec!["demo", "--no-serve"];
        if exercise {
            args.push("--exercise");
        }
        self.tranche(db, &args);
    }
}

/// Whether `tool` runs; without it a test fails on CI and is skipped (with a notice) elsewhere.
fn have(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!ci, "CI=true but {tool} is not installed (.ci/run installs it: apt-get install -y {tool})");
        eprintln!("notice: {tool} is not installed; skipping its check (apt-get install -y {tool})");
    }
    found
}

type Balances = BTreeMap<(String, String), Decimal>;

/// Tranche's own figures: `report balances --json`, with the book as the top-level prefix the
/// journal gives the main book (docs/ACCOUNTING.md's names, `main:` before the main book's).
fn tranche_balances(sandbox: &Sandbox, db: &str) -> Balances {
    let rows = sandbox.json(db, &["report", "balances", "--json"]);
    let mut balances = Balances::new();
    for row in rows["balances"].as_array().unwrap() {
        let account = row["account"].as_str().unwrap();
        let name = match row["book"].as_str().unwrap() {
            "memo" => account.to_string(),
            "main" => format!("main:{account}"),
            other => panic!("book {other}"),
        };
        let amount = Decimal::from_str(row["balance"].as_str().unwrap()).unwrap();
        balances.insert((name, row["currency"].as_str().unwrap().to_string()), amount.normalize());
    }
    assert!(balances.len() > 10, "too few balances to be a check: {balances:?}");
    balances
}

/// `-1234.56 EUR` -> (EUR, -1234.56).
fn amount(text: &str) -> (String, Decimal) {
    let (number, commodity) = text.trim().split_once(' ').unwrap_or_else(|| panic!("amount {text:?}"));
    (commodity.trim().to_string(), Decimal::from_str(number).unwrap_or_else(|e| panic!("{text:?}: {e}")).normalize())
}

fn run_tool(tool: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(tool).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), stdout, stderr)
}

/// hledger's balances: `bal -O csv` rows `"account","-3.00 EUR, 11.00 USD"`.
fn hledger_balances(journal: &Path) -> Balances {
    let (ok, stdout, stderr) = run_tool("hledger", &["-f", journal.to_str().unwrap(), "bal", "--flat", "-O", "csv"]);
    assert!(ok, "hledger refused the journal:\n{stderr}");
    let mut balances = Balances::new();
    for line in stdout.lines().skip(1) {
        let (account, amounts) = line.split_once("\",\"").unwrap_or_else(|| panic!("hledger line {line:?}"));
        let account = account.trim_start_matches('"');
        if account == "total" {
            continue;
        }
        for text in amounts.trim_end_matches('"').split(", ") {
            let (commodity, number) = amount(text);
            balances.insert((account.to_string(), commodity), number);
        }
    }
    balances
}

/// ledger's balances, one commodity at a time (`bal --flat`, each line `AMOUNT COMMODITY|ACCOUNT`).
fn ledger_balances(journal: &Path, currencies: &[String]) -> Balances {
    let mut balances = Balances::new();
    for currency in currencies {
        let (ok, stdout, stderr) = run_tool(
            "ledger",
            &[
                "-f",
                journal.to_str().unwrap(),
                "bal",
                "--flat",
                "--no-total",
                "--limit",
                &format!("commodity == \"{currency}\""),
                "--balance-format",
                "%(scrub(display_total))|%(account)\n",
            ],
        );
        assert!(ok && stderr.is_empty(), "ledger refused the journal:\n{stderr}");
        for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
            let (text, account) = line.split_once('|').unwrap_or_else(|| panic!("ledger line {line:?}"));
            let (commodity, number) = amount(text);
            assert_eq!(&commodity, currency, "{line}");
            balances.insert((account.to_string(), commodity), number);
        }
    }
    balances
}

fn check_journals(exercise: bool) {
    let (hledger, ledger) = (have("hledger"), have("ledger"));
    let sandbox = Sandbox::new();
    sandbox.demo("t.db", exercise);
    let ours = tranche_balances(&sandbox, "t.db");
    let currencies: Vec<String> = {
        let mut c: Vec<String> = ours.keys().map(|(_, currency)| currency.clone()).collect();
        c.dedup();
        c.sort();
        c.dedup();
        c
    };
    if hledger {
        let file = sandbox.path("books.hledger");
        let (_, said) = sandbox.tranche("t.db", &["export", "hledger", "-o", file.to_str().unwrap()]);
        assert!(said.contains("balance assertions"), "{said}");
        assert_eq!(hledger_balances(&file), ours, "hledger's balances differ from Tranche's");
        tampered_fails("hledger", &sandbox, &file);
    }
    if ledger {
        let file = sandbox.path("books.ledger");
        sandbox.tranche("t.db", &["export", "ledger", "-o", file.to_str().unwrap()]);
        assert_eq!(ledger_balances(&file, &currencies), ours, "ledger's balances differ from Tranche's");
        tampered_fails("ledger", &sandbox, &file);
    }
}

/// One posting's amount raised by one minor unit (and its partner's lowered, so the transaction
/// still balances): only the balance assertions can catch it, and they must.
fn tampered_fails(tool: &str, sandbox: &Sandbox, journal: &Path) {
    let text = std::fs::read_to_string(journal).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The first transaction's two postings: `    ACCOUNT    AMOUNT COMMODITY[ = ...]`.
    let first = lines.iter().position(|l| l.starts_with("    ") && !l.trim_start().starts_with("format")).unwrap();
    let bump = |line: &str, by: i64| -> String {
        let (account, rest) = line.trim_start().split_once("    ").unwrap();
        let (posting, assertion) = rest.split_once(" = ").map_or((rest, None), |(p, a)| (p, Some(a)));
        let (commodity, number) = amount(posting);
        let unit = Decimal::new(1, number.scale().max(2));
        let changed = number + unit * Decimal::from(by);
        let assertion = assertion.map_or(String::new(), |a| format!(" = {a}"));
        format!("    {account}    {changed} {commodity}{assertion}")
    };
    let mut changed: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    changed[first] = bump(lines[first], 1);
    changed[first + 1] = bump(lines[first + 1], -1);
    assert_ne!(changed[first], lines[first]);
    let file = sandbox.path(&format!("tampered.{tool}"));
    std::fs::write(&file, changed.join("\n") + "\n").unwrap();
    let (ok, _, stderr) = run_tool(tool, &["-f", file.to_str().unwrap(), "bal"]);
    assert!(!ok || !stderr.is_empty(), "{tool} accepted a tampered journal");
    assert!(stderr.to_lowercase().contains("balance assertion"), "{tool} failed otherwise:\n{stderr}");
}

#[test]
fn hledger_and_ledger_balances_equal_the_books_of_the_demo() {
    check_journals(false);
}

#[test]
fn hledger_and_ledger_balances_equal_the_books_of_the_exercise() {
    check_journals(true);
}

/// The reports and pledges that a record round trip must keep.
fn snapshot(sandbox: &Sandbox, db: &str) -> Vec<Value> {
    let as_of = "2026-11-26";
    let mut views: Vec<Value> = ["summary", "parties", "months"]
        .iter()
        .map(|report| sandbox.json(db, &["report", report, "--json", "--as-of", as_of]))
        .collect();
    let store = tranche_store::SqliteStore::open(&sandbox.path(db)).unwrap();
    let ledger = tranche_store::Ledger::open(store).unwrap();
    views.push(serde_json::to_value(ledger.state().pledges()).unwrap());
    views
}

#[test]
fn the_shipped_record_round_trips_through_the_record_export() {
    let sandbox = Sandbox::new();
    sandbox.demo("a.db", false);
    let file = sandbox.path("record.csv");
    let (_, said) = sandbox.tranche("a.db", &["export", "record", "-o", file.to_str().unwrap()]);
    assert!(!said.contains("not in the record format"), "{said}");
    // Against the shipped file itself: the same rows, field by field, but for the targets' kind
    // (the export names it; the shipped file leaves it to the note) and trailing zeros.
    let exported = std::fs::read_to_string(&file).unwrap();
    let shipped =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/purl-public-record.csv")).unwrap();
    let rows = |text: &str| -> Vec<Vec<String>> {
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    };
    let (exported_rows, shipped_rows) = (rows(&exported), rows(&shipped));
    assert_eq!(exported_rows.len(), shipped_rows.len());
    for (mine, theirs) in exported_rows.iter().zip(&shipped_rows) {
        for (column, (a, b)) in mine.iter().zip(theirs).enumerate() {
            let target_kind = column == 9 && mine[2] == "target" && b.is_empty();
            assert!(a == b || target_kind, "record {}: column {column}: {a:?} exported, {b:?} shipped", theirs[0]);
        }
    }
    sandbox.tranche("b.db", &["demo", "--no-serve", "--record", file.to_str().unwrap()]);
    assert_eq!(snapshot(&sandbox, "b.db"), snapshot(&sandbox, "a.db"));
}

#[test]
fn the_exercise_record_round_trips_its_announcements_and_says_what_it_leaves_out() {
    let sandbox = Sandbox::new();
    sandbox.demo("a.db", true);
    let file = sandbox.path("record.csv");
    let (_, said) = sandbox.tranche("a.db", &["export", "record", "-o", file.to_str().unwrap()]);
    // Payments, allocations and the procurement steps are not in the record format.
    for missing in ["payment-received", "allocated", "disbursed", "contingency"] {
        assert!(said.contains(missing), "the export does not say it leaves out {missing}:\n{said}");
    }
    sandbox.tranche("b.db", &["demo", "--no-serve", "--record", file.to_str().unwrap()]);
    // What the record carries comes back: every pledge's announcement, its commitment when
    // made as announced, every participation record and target.
    let pledges = |db: &str| -> Vec<Value> {
        let store = tranche_store::SqliteStore::open(&sandbox.path(db)).unwrap();
        let ledger = tranche_store::Ledger::open(store).unwrap();
        let announced = |p: &tranche_core::Pledge| {
            serde_json::json!([
                p.id.as_str(),
                p.contributor.key(),
                p.announced.map(|m| m.to_decimal_string()),
                p.package.as_ref().map(|r| r.to_string()),
                p.date.to_string(),
                p.note.as_deref()
            ])
        };
        ledger.state().pledges().iter().map(announced).collect()
    };
    assert_eq!(pledges("b.db"), pledges("a.db"));
    let again = sandbox.path("again.csv");
    sandbox.tranche("b.db", &["export", "record", "-o", again.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&again).unwrap(), std::fs::read_to_string(&file).unwrap());
}
