//! Runs the real `tranche` binary against temporary stores and prints everything useful when a
//! check fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use tranche_store::{SqliteStore, Store};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox { dir: tempfile::tempdir().unwrap() }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("tranche.db")
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn run(&self, args: &[&str]) -> Run {
        let output =
            Command::new(env!("CARGO_BIN_EXE_tranche")).arg("--database").arg(self.db()).args(args).output().unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, 0, "tranche {args:?} failed\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
        run.stdout
    }

    fn fails(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_ne!(run.code, 0, "tranche {args:?} should fail\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
        run
    }

    /// Everything that must not change when bad input is refused.
    fn contents(&self) -> (u64, Vec<String>, usize) {
        let store = SqliteStore::open(&self.db()).unwrap();
        (store.head().unwrap(), store.projection_dump().unwrap(), store.rates().unwrap().len())
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}

fn demo() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.ok(&["demo", "--no-serve"]);
    sandbox
}

/// A read on a mistyped path names it and creates nothing (not an empty store reporting zeros).
#[test]
fn reads_refuse_a_store_that_is_not_there() {
    let sandbox = Sandbox::new();
    for args in [
        &["report", "summary", "--json"][..],
        &["targets"],
        &["check"],
        &["snapshot"],
        &["export", "csv", "-o", "out.csv"],
    ] {
        let run = sandbox.fails(args);
        assert!(run.stderr.contains(&format!("no store at {}", sandbox.db().display())), "{args:?}: {}", run.stderr);
        assert!(!sandbox.db().exists(), "{args:?} created the store");
    }
    // A write creates it; the reads then answer.
    sandbox.ok(&["migrate"]);
    sandbox.ok(&["report", "summary", "--json"]);
}

#[test]
fn demo_prints_the_purl_figures() {
    let sandbox = Sandbox::new();
    let out = sandbox.ok(&["demo", "--no-serve"]);
    assert!(out.contains("EUR  4,434,608,230.02  USD  5,168,314,728.80"), "{out}");
    assert!(out.contains("contributors   20 (4 with undisclosed amounts)"), "{out}");
    assert!(out.contains("declined       CZE, FRA, HUN, ITA, SVK"), "{out}");
    assert!(out.contains("missed on its date by 343,511,271.20; reached on 2026-02-13"), "{out}");
}

#[test]
fn summary_json_has_the_documented_shape_and_figures() {
    let sandbox = demo();
    let summary = sandbox.json(&["report", "summary", "--json", "--as-of", "2026-11-26"]);
    assert_eq!(summary["as_of"], "2026-11-26");
    assert_eq!(summary["totals"], serde_json::json!({"EUR": "4434608230.02", "USD": "5168314728.80"}));
    assert_eq!(summary["contributors"], 20);
    assert_eq!(summary["undisclosed"], 4);
    assert_eq!(summary["declined"], serde_json::json!(["CZE", "FRA", "HUN", "ITA", "SVK"]));
    assert_eq!(summary["by_party"]["NLD"]["EUR"], "750000000.00");
    assert_eq!(summary["by_party"]["DNK+NOR+SWE"], serde_json::json!({"EUR": "0.00", "USD": "0.00"}));
    let keys: Vec<&String> = summary.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "as_of",
            "by_month",
            "by_party",
            "contributors",
            "declined",
            "partly_undisclosed",
            "totals",
            "undisclosed",
            "undisclosed_parties"
        ]
    );
    let months: Vec<&String> = summary["by_month"].as_object().unwrap().keys().collect();
    assert_eq!(months, ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-02"]);
    let early = sandbox.json(&["report", "summary", "--json", "--as-of", "2025-12-04"]);
    assert_eq!(early["totals"]["EUR"], "3953094151.45");
}

/// The contributors whose every counted record is undisclosed, from the records dataset (each
/// record's own reason, not the summary's tally).
fn undisclosed_only(sandbox: &Sandbox) -> Vec<String> {
    let records = sandbox.json(&["export", "json", "records"]);
    let rows = records["rows"].as_array().unwrap();
    let by = |category: &str| -> std::collections::BTreeSet<String> {
        rows.iter()
            .filter(|r| r["counts"] == category)
            .map(|r| r["contributor"].as_str().unwrap().to_string())
            .collect()
    };
    let disclosed: std::collections::BTreeSet<String> = by("yes").union(&by("remainder")).cloned().collect();
    by("undisclosed").difference(&disclosed).cloned().collect()
}

#[test]
fn an_undisclosed_party_is_undisclosed_never_zero() {
    let sandbox = demo();
    let expected = undisclosed_only(&sandbox);
    assert!(!expected.is_empty(), "the shipped record has parties with undisclosed amounts only");
    let summary = sandbox.json(&["report", "summary", "--json"]);
    let listed: Vec<String> =
        summary["undisclosed_parties"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
    assert_eq!(listed, expected);
    for party in &expected {
        assert!(summary["by_party"].get(party).is_none(), "{party} is absent from by_party: {summary}");
    }
    let text = sandbox.ok(&["report", "summary"]);
    let parties = sandbox.ok(&["report", "parties"]);
    for party in &expected {
        for out in [&text, &parties] {
            let line = out.lines().find(|l| l.trim_start().starts_with(&format!("{party} "))).unwrap();
            assert!(line.trim_end().ends_with("undisclosed"), "{line}");
            assert!(!line.contains("0.00"), "{line}");
        }
    }
    let rows = sandbox.json(&["report", "parties", "--json"]);
    for row in rows.as_array().unwrap() {
        let party = row["party"].as_str().unwrap();
        let only = expected.iter().any(|p| p == party);
        assert_eq!(row["counted"].is_null(), only, "{row}");
        if only {
            assert_eq!(row["undisclosed"], true, "{row}");
        }
    }
    // The downloads: an empty cell (JSON null) and the flag, for exactly these parties.
    let csv = sandbox.ok(&["export", "csv", "parties"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        let only = expected.iter().any(|p| p == &record[column("contributor")]);
        assert_eq!(&record[column("undisclosed")], if only { "true" } else { "false" }, "{record:?}");
        if only {
            for name in ["counted_eur", "counted_usd", "share_percent"] {
                assert_eq!(&record[column(name)], "", "{name} of {record:?}");
            }
        }
        // The shipped record holds only announcements: committed and paid are not reported.
        assert_eq!(&record[column("commitment_reported")], "false", "{record:?}");
        assert_eq!(&record[column("committed_eur")], "", "{record:?}");
        assert_eq!(&record[column("paid_eur")], "", "{record:?}");
    }
    let json = sandbox.json(&["export", "json", "parties"]);
    for row in json["rows"].as_array().unwrap() {
        let only = expected.iter().any(|p| p == row["contributor"].as_str().unwrap());
        assert_eq!(row["undisclosed"], serde_json::Value::Bool(only), "{row}");
        assert_eq!(row["counted_eur"].is_null(), only, "{row}");
        assert!(row["committed_eur"].is_null(), "{row}");
    }
    let pledges = sandbox.json(&["export", "json", "pledges"]);
    for row in pledges["rows"].as_array().unwrap() {
        let unknown = row["announced"].is_null() && row["committed"].is_null();
        assert_eq!(row["undisclosed"], serde_json::Value::Bool(unknown), "{row}");
    }
}

#[test]
fn repeating_imports_and_commands_changes_nothing() {
    let sandbox = demo();
    let before = sandbox.contents();
    let out = sandbox.ok(&["demo", "--no-serve"]);
    assert!(out.contains("0 rows imported, 44 already imported"), "{out}");
    let record = sandbox.file("record.csv", tranche_io::shipped::PURL_RECORD_CSV);
    sandbox.ok(&["import", "record", record.to_str().unwrap()]);
    let rates = sandbox.file("rates.csv", tranche_io::shipped::ECB_RATES_CSV);
    sandbox.ok(&["import", "ecb", rates.to_str().unwrap()]);
    assert_eq!(sandbox.contents(), before);

    let commit = ["pledge", "commit", "R02", "--date", "2025-08-10"];
    assert!(sandbox.ok(&commit).contains("accepted"));
    let after_commit = sandbox.contents();
    assert!(sandbox.ok(&commit).contains("already applied"));
    let pay = [
        "pledge",
        "pay",
        "R02",
        "--amount",
        "100000000",
        "--currency",
        "EUR",
        "--date",
        "2025-08-20",
        "--command-id",
        "pay-nld-1",
    ];
    sandbox.ok(&pay);
    let after_pay = sandbox.contents();
    assert!(after_pay.0 > after_commit.0);
    assert!(sandbox.ok(&pay).contains("nothing changed"));
    assert_eq!(sandbox.contents(), after_pay);
    sandbox.ok(&["check"]);
}

const HEADER: &str =
    "record_id,date,kind,parties,amount,currency,package,supersedes,confidence,status,note,source_url\n";
const GOOD_ROW: &str = "X01,2025-09-01,pledge,NLD,10,EUR,,,confirmed,announced,,https://example.org/x\n";

/// Imports a record whose second row is `row`: it must fail naming `expect`, and change nothing.
fn check_bad_row(row: &str, expect: &str) {
    let sandbox = demo();
    let before = sandbox.contents();
    let file = sandbox.file("bad.csv", &format!("{HEADER}{GOOD_ROW}{row}\n"));
    let run = sandbox.fails(&["import", "record", file.to_str().unwrap()]);
    assert!(run.stderr.contains(expect), "expected {expect:?} in:\n{}", run.stderr);
    assert!(run.stderr.contains("nothing was imported"), "{}", run.stderr);
    assert_eq!(sandbox.contents(), before, "a refused import changed the store");
}

#[test]
fn unknown_party_is_named() {
    check_bad_row(
        "X02,2025-09-01,pledge,XKX,10,EUR,,,confirmed,announced,,",
        "bad.csv:3: record X02: unknown party XKX",
    );
}

#[test]
fn unknown_currency_is_named() {
    check_bad_row(
        "X02,2025-09-01,pledge,NLD,10,EUX,,,confirmed,announced,,",
        "bad.csv:3: column currency: currency \"EUX\" not a known ISO 4217 currency code",
    );
}

#[test]
fn bad_date_is_named() {
    check_bad_row(
        "X02,2025-02-30,pledge,NLD,10,EUR,,,confirmed,announced,,",
        "bad.csv:3: column date: date \"2025-02-30\" is not a calendar date",
    );
}

#[test]
fn negative_amount_is_named() {
    check_bad_row(
        "X02,2025-09-01,pledge,NLD,-10,EUR,,,confirmed,announced,,",
        "bad.csv:3: column amount: amount \"-10\" is negative; amounts must be positive",
    );
}

#[test]
fn duplicate_record_id_is_named() {
    check_bad_row(
        "X01,2025-09-02,pledge,NLD,5,EUR,,,confirmed,announced,,",
        "bad.csv:3: column record_id: duplicate record id X01 (first on line 2)",
    );
}

#[test]
fn supersedes_naming_no_record_is_named() {
    check_bad_row(
        "X02,2025-09-01,pledge,NLD,10,EUR,,X99,confirmed,announced,,",
        "bad.csv:3: column supersedes: supersedes X99, but no record has that id",
    );
}

#[test]
fn joint_record_without_parties_is_named() {
    check_bad_row(
        "X02,2025-09-01,joint-package,,500,USD,7,,reported,announced,,",
        "bad.csv:3: column parties: a joint-package record names no parties",
    );
}

#[test]
fn skip_invalid_imports_the_valid_rows_and_lists_the_rest() {
    let sandbox = demo();
    let rows = format!(
        "{HEADER}{GOOD_ROW}X02,2025-09-01,pledge,XKX,10,EUR,,,confirmed,announced,,\nX03,2025-09-01,pledge,NLD,-1,EUR,,,confirmed,announced,,\n"
    );
    let file = sandbox.file("mixed.csv", &rows);
    let run = sandbox.run(&["import", "record", file.to_str().unwrap(), "--skip-invalid"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("1 rows imported, 0 already imported, 2 rejected"), "{}", run.stdout);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("rejected: ") && l.ends_with("mixed.csv:3: record X02: unknown party XKX")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("mixed.csv:4: column amount"), "{}", run.stderr);
    let summary = sandbox.json(&["report", "summary", "--json", "--as-of", "2026-11-26"]);
    assert_eq!(summary["totals"]["EUR"], "4434608240.02", "X01's EUR 10 is counted");
}

#[test]
fn bad_domain_commands_change_nothing() {
    let sandbox = demo();
    let before = sandbox.contents();
    let cases: &[(&[&str], &str)] = &[
        (
            &["pledge", "pay", "R02", "--amount", "1", "--currency", "EUR", "--date", "2025-09-01"],
            "pledge R02 is announced; paying needs a pledge that is committed or part-paid",
        ),
        (&["pledge", "announce", "Z1", "--party", "XKX", "--amount", "1", "--currency", "EUR"], "unknown party XKX"),
        (
            &["pledge", "announce", "Z1", "--party", "NLD", "--amount", "0", "--currency", "EUR"],
            "amount \"0\" is zero; amounts must be positive",
        ),
        (
            &["pledge", "announce", "Z1", "--party", "NLD", "--amount", "5", "--currency", "EURO"],
            "currency \"EURO\" not a known ISO 4217 currency code",
        ),
        (&["pledge", "commit", "R99"], "unknown pledge R99"),
        (
            &["pledge", "withdraw", "R07"],
            "pledge R07 is superseded; withdrawing needs a pledge that is announced, committed or part-paid",
        ),
    ];
    for (args, expect) in cases {
        let run = sandbox.fails(args);
        assert!(run.stderr.contains(expect), "tranche {args:?}: expected {expect:?} in:\n{}", run.stderr);
    }
    assert_eq!(sandbox.contents(), before);
}

#[test]
fn overpayment_and_withdrawn_payment_are_refused() {
    let sandbox = demo();
    sandbox.ok(&["pledge", "commit", "R10", "--date", "2025-09-01"]);
    let before = sandbox.contents();
    let run = sandbox.fails(&[
        "pledge",
        "pay",
        "R10",
        "--amount",
        "100000000.01",
        "--currency",
        "EUR",
        "--date",
        "2025-09-02",
    ]);
    assert!(
        run.stderr
            .contains("overpayment: pledge R10 has EUR 100000000.00 outstanding, payment settles EUR 100000000.01"),
        "{}",
        run.stderr
    );
    assert_eq!(sandbox.contents(), before);
    sandbox.ok(&["pledge", "withdraw", "R10", "--date", "2025-09-03"]);
    let run = sandbox.fails(&["pledge", "pay", "R10", "--amount", "1", "--currency", "EUR", "--date", "2025-09-04"]);
    assert!(run.stderr.contains("pledge R10 is withdrawn"), "{}", run.stderr);
    let summary = sandbox.json(&["report", "summary", "--json", "--as-of", "2026-11-26"]);
    assert_eq!(summary["totals"]["EUR"], "4334608230.02", "a withdrawn pledge no longer counts");
    sandbox.ok(&["check"]);
}

#[test]
fn bad_files_are_named() {
    let sandbox = demo();
    let before = sandbox.contents();
    let rates = sandbox.file("rates.csv", "Date,USD\n2025-08-04,1.2\n2025-08-05,zero\n");
    let run = sandbox.fails(&["import", "ecb", rates.to_str().unwrap()]);
    assert!(run.stderr.contains("rates.csv:3: column USD: rate \"zero\" not a decimal number"), "{}", run.stderr);
    let conflicting = sandbox.file("conflict.csv", "Date,USD\n2025-08-04,1.5\n");
    let run = sandbox.fails(&["import", "ecb", conflicting.to_str().unwrap()]);
    assert!(run.stderr.contains("conflicting USD rate for 2025-08-04"), "{}", run.stderr);
    let missing = Path::new("/nonexistent/record.csv");
    let run = sandbox.fails(&["import", "record", missing.to_str().unwrap()]);
    assert!(run.stderr.contains("cannot read /nonexistent/record.csv"), "{}", run.stderr);
    let wrong_header = sandbox.file("header.csv", "id,date\nR1,2025-01-01\n");
    let run = sandbox.fails(&["import", "record", wrong_header.to_str().unwrap()]);
    assert!(run.stderr.contains("header.csv:1: missing column \"record_id\""), "{}", run.stderr);
    assert_eq!(sandbox.contents(), before);
}

#[test]
fn help_and_completions_exist() {
    let sandbox = Sandbox::new();
    for args in [
        &["--help"][..],
        &["import", "record", "--help"],
        &["report", "summary", "--help"],
        &["pledge", "announce", "--help"],
    ] {
        assert!(sandbox.ok(args).contains("Usage: tranche"), "{args:?}");
    }
    assert!(sandbox.ok(&["completions", "bash"]).contains("_tranche"));
}

#[test]
fn a_row_refused_halfway_leaves_no_trace() {
    // X02 announces (fine) then commits an undisclosed amount (refused): neither may land.
    let sandbox = demo();
    let rows = format!(
        "{HEADER}{GOOD_ROW}X02,2025-09-01,pledge,NLD,,,,,confirmed,committed,,\nX03,2025-09-02,pledge,NLD,5,EUR,,X02,confirmed,announced,,\nX04,2025-09-03,pledge,DEU,7,EUR,,,confirmed,announced,,\n"
    );
    let file = sandbox.file("half.csv", &rows);
    let run = sandbox.run(&["import", "record", file.to_str().unwrap(), "--skip-invalid"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("half.csv:3: record X02: pledge X02 has an undisclosed amount; commit it with an amount"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("half.csv:4: record X03: unknown pledge X02"), "{}", run.stderr);
    assert!(run.stdout.contains("2 rows imported, 0 already imported, 2 rejected"), "{}", run.stdout);
    let summary = sandbox.json(&["report", "summary", "--json", "--as-of", "2026-11-26"]);
    assert_eq!(summary["totals"]["EUR"], "4434608247.02", "X01 (10) and X04 (7) count, X02 and X03 do not");
    sandbox.ok(&["check"]);
}

#[test]
fn a_group_pledges_jointly() {
    let sandbox = demo();
    let run = sandbox.fails(&["pledge", "announce", "G1", "--group", "NB9", "--amount", "1", "--currency", "EUR"]);
    assert!(run.stderr.contains("unknown group NB9"), "{}", run.stderr);
    sandbox.ok(&["group", "define", "BN2", "--name", "Benelux two", "--members", "BEL,NLD"]);
    sandbox.ok(&[
        "pledge",
        "announce",
        "G1",
        "--group",
        "BN2",
        "--amount",
        "10",
        "--currency",
        "EUR",
        "--date",
        "2026-03-01",
    ]);
    let summary = sandbox.json(&["report", "summary", "--json", "--as-of", "2026-11-26"]);
    assert_eq!(summary["by_party"]["BEL+NLD"]["EUR"], "10.00");
    sandbox.ok(&["pledge", "announce", "G2", "--group", "NB8", "--undisclosed", "--date", "2026-03-02"]);
    let summary = sandbox.json(&["report", "summary", "--json", "--as-of", "2026-11-26"]);
    assert_eq!(summary["undisclosed"], 5);
    assert!(summary["by_party"].get("DNK+EST+FIN+ISL+LVA+LTU+NOR+SWE").is_some());
}

fn exercise() -> Sandbox {
    let sandbox = Sandbox::new();
    let out = sandbox.ok(&["demo", "--no-serve", "--exercise"]);
    assert!(out.contains("PURL exercise 2026 (synthetic): 71 steps, 71 new"), "{out}");
    sandbox
}

#[test]
fn the_exercise_runs_end_to_end_and_its_reports_add_up() {
    let sandbox = exercise();
    let run = sandbox.run(&["report", "packages", "--json"]);
    assert!(
        run.stderr.contains("SYNTHETIC exercise"),
        "every report of the exercise says it is synthetic: {}",
        run.stderr
    );
    let packages: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let states: Vec<&str> = packages.as_array().unwrap().iter().map(|p| p["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["closed", "delivering", "open", "cancelled"]);
    let funded =
        states.iter().filter(|s| ["funded", "contracted", "delivering", "delivered", "closed"].contains(s)).count();
    let open = states.iter().filter(|s| **s == "open").count();
    let cancelled = states.iter().filter(|s| **s == "cancelled").count();
    assert_eq!(funded + open + cancelled, states.len(), "funded + open + cancelled = all packages");
    assert_eq!(packages[0]["coverage_percent"], "100");
    assert_eq!(packages[2]["allocated"], "150000000.00");
    assert_eq!(packages[3]["allocated"], "0.00", "cancelling released the allocations");
    let pipeline = sandbox.json(&["report", "pipeline", "--json"]);
    let total: u64 = pipeline.as_array().unwrap().iter().map(|r| r["packages"].as_u64().unwrap()).sum();
    assert_eq!(total, 4);
    let balances = sandbox.ok(&["report", "balances"]);
    assert!(balances.contains("trial balance: every book sums to zero in every currency"), "{balances}");
    sandbox.ok(&["check"]);
    // Loading it again changes nothing.
    let before = sandbox.contents();
    assert!(sandbox.ok(&["demo", "--no-serve", "--exercise"]).contains("0 new, 71 already loaded"));
    assert_eq!(sandbox.contents(), before);
}

#[test]
fn the_public_never_sees_restricted_fields() {
    let sandbox = exercise();
    let restricted =
        ["SYNTHETIC exercise line", "interceptor missiles", "155 mm rounds", "Exercise package 1", "x20000"];
    let reports: &[&[&str]] = &[
        &["report", "summary"],
        &["report", "summary", "--json"],
        &["report", "parties", "--json"],
        &["report", "months", "--json"],
        &["report", "months"],
        &["report", "packages"],
        &["report", "packages", "--json"],
        &["report", "pipeline", "--json"],
        &["report", "requirements"],
        &["report", "requirements", "--json"],
        &["report", "balances"],
    ];
    for report in reports {
        let mut args = report.to_vec();
        args.extend(["--as", "public"]);
        let run = sandbox.run(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        for secret in restricted {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{args:?} shows {secret:?} to the public"
            );
        }
        for key in ["\"quantity\"", "\"description\"", "\"lines\""] {
            assert!(!run.stdout.contains(key), "{args:?} has {key} for the public");
        }
        if report[1] == "packages" {
            assert!(!run.stdout.contains("\"name\""), "{args:?} names a package for the public");
        }
    }
    // A role sees them.
    let coordinator = sandbox.ok(&["report", "packages", "--as", "coordinator"]);
    assert!(coordinator.contains("interceptor missiles"), "{coordinator}");
    // Errors do not echo restricted values either.
    let run =
        sandbox.fails(&["package", "deliver", "EX-P2", "--requirement", "EX-R3", "--value", "1", "--as", "supplier"]);
    assert!(run.stderr.contains("the delivery of EX-R3 in package EX-P2 is already recorded"), "{}", run.stderr);
    assert!(!run.stderr.contains("reconnaissance"), "{}", run.stderr);
    // And the public writes nothing.
    let run = sandbox.fails(&["pledge", "commit", "R02", "--as", "public"]);
    assert!(run.stderr.contains("the public may not write; pass --as ROLE"), "{}", run.stderr);
}

#[test]
fn roles_are_enforced_from_the_command_line() {
    let sandbox = exercise();
    let before = sandbox.contents();
    let cases: &[(&[&str], &str)] = &[
        (&["package", "cancel", "EX-P3", "--as", "supplier"], "supplier may not cancel-package: not this role's to do"),
        (
            &["package", "disburse", "EX-P2", "--amount", "1", "--as", "coordinator"],
            "coordinator may not disburse: not this role's to do",
        ),
        (
            &["pledge", "commit", "R10", "--as", "contributor:NLD"],
            "contributor:NLD may not commit-pledge: NLD may act only for itself; a joint pledge binds other states and is recorded by the coordinator",
        ),
        (
            &[
                "requirement",
                "submit",
                "EX-R9",
                "--category",
                "drones",
                "--cost",
                "1",
                "--month",
                "2026-05",
                "--description",
                "x",
                "--as",
                "auditor",
            ],
            "auditor may not submit-requirement: auditors read only",
        ),
        (
            &["package", "allocate", "EX-P3", "--pledge", "EX-CAN1", "--amount", "500000000", "--as", "coordinator"],
            "over-allocation: package EX-P3 needs USD 350000000.00 more to reach its price USD 500000000.00, asked USD 500000000.00",
        ),
        (
            &["package", "open", "EX-P1", "--as", "coordinator"],
            "package EX-P1 is closed; opening needs a package that is approved",
        ),
        (
            &[
                "decision",
                "respond",
                "EX-D1",
                "--party",
                "NOR",
                "--object",
                "--date",
                "2026-03-17",
                "--as",
                "contributor:NOR",
            ],
            "decision EX-D1 closed at its deadline 2026-03-16; a response on 2026-03-17 is after the deadline",
        ),
    ];
    for (args, expect) in cases {
        let run = sandbox.fails(args);
        assert!(run.stderr.contains(expect), "tranche {args:?}: expected {expect:?} in:\n{}", run.stderr);
    }
    assert_eq!(sandbox.contents(), before);
    sandbox.ok(&[
        "package",
        "allocate",
        "EX-P3",
        "--pledge",
        "EX-CAN1",
        "--amount",
        "50000000",
        "--as",
        "coordinator",
        "--date",
        "2026-04-01",
    ]);
}

#[test]
fn joint_shares_from_the_command_line() {
    let sandbox = demo();
    let announce = |shares: &[&str]| -> Vec<String> {
        let mut args = vec![
            "pledge",
            "announce",
            "J9",
            "--party",
            "NLD,DEU",
            "--amount",
            "100",
            "--currency",
            "EUR",
            "--date",
            "2026-03-01",
        ];
        for share in shares {
            args.extend(["--share", share]);
        }
        args.iter().map(|a| a.to_string()).collect()
    };
    let cases = [
        (announce(&["NLD=60%", "DEU=30%"]), "the shares of pledge J9 sum to 90%, not 100%"),
        (announce(&["NLD=60", "DEU=30"]), "the shares of pledge J9 sum to EUR 90.00, not EUR 100.00"),
        (announce(&["NLD60"]), "--share takes PARTY=AMOUNT or PARTY=PERCENT%, got \"NLD60\""),
    ];
    for (args, expect) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = sandbox.fails(&args);
        assert!(run.stderr.contains(expect), "{args:?}: {}", run.stderr);
    }
    let good = announce(&["NLD=60", "DEU=40"]);
    sandbox.ok(&good.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn backup_and_restore_rebuild_the_same_store() {
    let source = exercise();
    let backup = source.dir.path().join("store.backup");
    source.ok(&["backup", backup.to_str().unwrap()]);
    let target = Sandbox::new();
    let out = target.ok(&["restore", backup.to_str().unwrap()]);
    assert!(out.contains("restored 162 events"), "{out}"); // 160, the share key gdp-2021 and Kiel release 29
    assert_eq!(target.contents(), source.contents(), "same log head, projections and rates");
    let summary = |s: &Sandbox| s.json(&["report", "summary", "--json", "--as-of", "2026-11-26"]);
    assert_eq!(summary(&target), summary(&source));
    let packages = |s: &Sandbox| s.ok(&["report", "packages", "--json"]);
    assert_eq!(packages(&target), packages(&source));
    // The log secret and the signed checkpoints travel: the restored log has the same root, and
    // its checkpoints verify under the source's key.
    let key_of = |s: &Sandbox| s.ok(&["key", "public", s.dir.path().join("tranche.db.key").to_str().unwrap()]);
    let key = key_of(&source);
    let root = |s: &Sandbox| s.ok(&["verify", "--key", key.trim()]);
    let verified = root(&target);
    assert_eq!(verified, root(&source));
    assert!(verified.contains("162 entries") && verified.contains("1 signed checkpoint(s) checked"), "{verified}");
    // Idempotency survives: the demo and the exercise are already there.
    assert!(target.ok(&["demo", "--no-serve", "--exercise"]).contains("0 new, 71 already loaded"));
    target.ok(&["check"]);
    // A restore goes only into an empty store, and a damaged backup is refused whole.
    let run = target.fails(&["restore", backup.to_str().unwrap()]);
    assert!(run.stderr.contains("restore needs an empty store"), "{}", run.stderr);
    let text = std::fs::read_to_string(&backup).unwrap();
    let damaged = text.replacen("\"seq\":100,", "\"seq\":101,", 1);
    let damaged_file = source.file("damaged.backup", &damaged);
    let empty = Sandbox::new();
    let run = empty.fails(&["restore", damaged_file.to_str().unwrap()]);
    assert!(run.stderr.contains("event 101 out of sequence (expected 100)"), "{}", run.stderr);
    assert_eq!(empty.contents().0, 0, "nothing was kept");
}

#[test]
fn a_backup_carries_no_snapshot_and_a_restore_writes_one() {
    let source = exercise();
    assert_eq!(source.ok(&["snapshot"]).trim(), "snapshot written at event 162");
    let backup = source.dir.path().join("store.backup");
    source.ok(&["backup", backup.to_str().unwrap()]);
    let text = std::fs::read_to_string(&backup).unwrap();
    assert!(!text.contains("snapshot") && !text.contains("frontier"), "the backup holds events, not snapshots");
    let target = Sandbox::new();
    let restored = Command::new(env!("CARGO_BIN_EXE_tranche"))
        .env("TRANCHE_SNAPSHOT_EVERY", "100")
        .arg("--database")
        .arg(target.db())
        .args(["restore", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    let kept: Vec<u64> = SqliteStore::open(&target.db()).unwrap().snapshots().unwrap().iter().map(|r| r.seq).collect();
    assert_eq!(kept, vec![162], "the restore rebuilt one at the head");
    assert!(target.ok(&["check"]).contains("the snapshot at event 162 equals its replay"));
    // Below the interval (the default, 100,000 events), a restore writes none.
    let small = Sandbox::new();
    small.ok(&["restore", backup.to_str().unwrap()]);
    assert!(SqliteStore::open(&small.db()).unwrap().snapshots().unwrap().is_empty());
}
