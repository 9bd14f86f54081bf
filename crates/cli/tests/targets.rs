//! `tranche targets` on the shipped record, run through the real binary. Each figure is checked
//! against an independent computation from `report summary --json` totals.

// Amounts are written in minor units grouped as money: 1_000_000_000_00 is 1,000,000,000.00.
#![allow(clippy::inconsistent_digit_grouping)]

use std::path::PathBuf;

use chrono::Datelike;
use std::process::Command;

use serde_json::Value;
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
    /// A store holding the shipped record (`tranche demo`).
    fn demo() -> Sandbox {
        let sandbox = Sandbox { dir: tempfile::tempdir().unwrap() };
        sandbox.ok(&["demo", "--no-serve"]);
        sandbox
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

    fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("tranche {args:?}: {e}\n{out}"))
    }

    /// Everything a projection must leave as it was: the log head and the projections.
    fn contents(&self) -> (u64, Vec<String>) {
        let store = SqliteStore::open(&self.db()).unwrap();
        (store.head().unwrap(), store.projection_dump().unwrap())
    }

    /// The counted total in `currency`, in minor units, from `report summary --json`.
    fn counted(&self, as_of: &str, currency: &str) -> i128 {
        let summary = self.json(&["report", "summary", "--json", "--as-of", as_of]);
        minor(&summary["totals"][currency])
    }
}

/// `"5168314728.80"` -> 516831472880 (every reporting currency here has two decimals).
fn minor(value: &Value) -> i128 {
    let text = value.as_str().unwrap_or_else(|| panic!("not an amount: {value}"));
    let (whole, cents) = text.split_once('.').unwrap_or((text, "00"));
    assert_eq!(cents.len(), 2, "{text}");
    whole.parse::<i128>().unwrap() * 100 + cents.parse::<i128>().unwrap()
}

fn target<'a>(report: &'a Value, id: &str) -> &'a Value {
    let targets = report["targets"].as_array().unwrap();
    targets.iter().find(|t| t["id"] == id).unwrap_or_else(|| panic!("no target {id} in {report:#}"))
}

const BILLION_MINOR: i128 = 1_000_000_000_00;

#[test]
fn the_shipped_record_shows_the_milestones_and_goals() {
    let sandbox = Sandbox::demo();
    let as_of = "2026-03-01";
    let report = sandbox.json(&["targets", "--as-of", as_of, "--json"]);
    assert_eq!(report["projection"]["is_projection"], false);

    // EUR 4 billion passed on 2025-12-21: short of it the day before, over it that day.
    let milestones = report["milestones"].as_array().unwrap();
    let four = milestones.iter().find(|m| m["currency"] == "EUR" && m["amount"] == "4000000000.00").unwrap();
    assert_eq!(four["passed_on"], "2025-12-21");
    assert!(sandbox.counted("2025-12-20", "EUR") < 4 * BILLION_MINOR);
    assert!(sandbox.counted("2025-12-21", "EUR") >= 4 * BILLION_MINOR);
    // One milestone per whole billion counted, in each currency.
    for currency in ["EUR", "USD"] {
        let whole = sandbox.counted(as_of, currency) / BILLION_MINOR;
        let count = milestones.iter().filter(|m| m["currency"] == currency).count();
        assert_eq!(count as i128, whole, "{currency} milestones in {report:#}");
    }

    // T02: USD 5 billion by 2025-12-31, missed by the gap on that date, reached on 2026-02-13.
    let t02 = target(&report, "T02");
    assert_eq!(t02["status"], "missed");
    let gap = 5 * BILLION_MINOR - sandbox.counted("2025-12-31", "USD");
    assert_eq!(gap, 343_511_271_20);
    assert_eq!(minor(&t02["missed_by"]), gap);
    assert_eq!(t02["reached_later_on"], "2026-02-13");
    assert!(sandbox.counted("2026-02-12", "USD") < 5 * BILLION_MINOR);
    assert!(sandbox.counted("2026-02-13", "USD") >= 5 * BILLION_MINOR);

    // T03: USD 15 billion needed in 2026; open. What 2026 has counted so far is the total now
    // less the total at the end of 2025.
    let t03 = target(&report, "T03");
    assert_eq!(t03["status"], "open");
    let counted_2026 = sandbox.counted(as_of, "USD") - sandbox.counted("2025-12-31", "USD");
    assert!(counted_2026 > 0);
    assert_eq!(minor(&t03["counted"]), counted_2026);
    let needed = 15 * BILLION_MINOR - counted_2026;
    assert_eq!(minor(&t03["still_needed"]), needed);
    let days = (chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        - chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap())
    .num_days() as i128;
    assert_eq!(t03["days_left"], days as u64);
    // The required rate is the least whole cent a month that raises what is needed in the days
    // left, a month being 30.4375 days: `rate × days / 30.4375 >= needed`, and a cent less falls short.
    let required = minor(&t03["required_per_month"]);
    let raised = |rate: i128| rate * days * 10_000; // compared with needed × 304_375
    assert!(raised(required) >= needed * 304_375, "{required} a month is not enough");
    assert!(raised(required - 1) < needed * 304_375, "{required} a month is more than needed");
    // Projected at the trailing rates: flagged, and later than the goal's date at these rates.
    let projected = &t03["projected"];
    assert_eq!(projected["projection"], true);
    for at in projected["at_trailing_rates"].as_array().unwrap() {
        assert!(minor(&at["per_month"]) < required, "{at}");
        assert_eq!(at["reached"]["kind"], "on", "{at}");
        assert!(at["reached"]["date"].as_str().unwrap() > "2026-12-31", "{at}");
    }

    // The text says the same.
    let text = sandbox.ok(&["targets", "--as-of", as_of]);
    for line in [
        "EUR 4,000,000,000.00  passed on 2025-12-21",
        "missed on its date by USD 343,511,271.20",
        "reached later on 2026-02-13",
        "open; still needed USD ",
        "required USD ",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
    assert!(!text.contains("PROJECTION"), "{text}");
}

#[test]
fn the_monthly_shortfall_adds_up_to_the_counted_total() {
    let sandbox = Sandbox::demo();
    let as_of = "2026-03-01";
    let report = sandbox.json(&["targets", "--as-of", as_of, "--json"]);
    let months = report["months"].as_array().unwrap();
    assert_eq!(months.first().unwrap()["month"], "2025-07");
    assert_eq!(months.last().unwrap()["month"], "2026-03");
    assert_eq!(months.last().unwrap()["partial"], true);
    let counted: i128 = months.iter().map(|m| minor(&m["counted"])).sum();
    assert_eq!(counted, sandbox.counted(as_of, "EUR"));
    for month in months {
        let (counted, target, shortfall) =
            (minor(&month["counted"]), minor(&month["target"]), minor(&month["shortfall"]));
        assert_eq!(target, BILLION_MINOR);
        assert_eq!(shortfall, (target - counted).max(0), "{month}");
    }
    let t01 = target(&report, "T01");
    assert_eq!(t01["status"], "run-rate");
    let full: Vec<&Value> = months.iter().filter(|m| m["partial"] == false).collect();
    assert_eq!(t01["months"], full.len());
    assert_eq!(minor(&t01["shortfall"]), full.iter().map(|m| minor(&m["shortfall"])).sum::<i128>());
    // The trailing 3-month rate is the growth since 2025-12-01, by the summary, over three.
    let grown = sandbox.counted(as_of, "EUR") - sandbox.counted("2025-12-01", "EUR");
    let rates = report["run_rates"].as_array().unwrap();
    let three = rates.iter().find(|r| r["currency"] == "EUR" && r["window_months"] == 3).unwrap();
    assert!((minor(&three["per_month"]) * 3 - grown).abs() <= 2, "{three} against {grown}");
}

#[test]
fn a_what_if_file_changes_the_projection_and_writes_nothing() {
    let sandbox = Sandbox::demo();
    let before = sandbox.contents();
    let what_if = sandbox.file(
        "what-if.csv",
        "record_id,date,kind,parties,amount,currency,package,supersedes,confidence,status,note,source_url\n\
         W01,2026-02-20,pledge,DEU,2000000000,USD,,,confirmed,committed,a hypothetical pledge,\n",
    );
    let what_if = what_if.to_str().unwrap();
    let plain = sandbox.json(&["targets", "--as-of", "2026-03-01", "--json"]);
    let projected = sandbox.json(&["targets", "--as-of", "2026-03-01", "--json", "--what-if", what_if]);
    assert_eq!(projected["projection"]["is_projection"], true);
    assert_eq!(projected["projection"]["what_if"]["records"], 1);
    let needed = |report: &Value| minor(&target(report, "T03")["still_needed"]);
    assert_eq!(needed(&plain) - needed(&projected), 2 * BILLION_MINOR);
    let text = sandbox.ok(&["targets", "--as-of", "2026-03-01", "--what-if", what_if]);
    let header = format!("PROJECTION (what-if: 1 hypothetical records from {what_if}, nothing written)");
    assert!(text.starts_with(&header), "{text}");
    assert_eq!(sandbox.contents(), before, "a what-if projection wrote to the store");
    // The store's own report is as it was.
    assert_eq!(sandbox.json(&["targets", "--as-of", "2026-03-01", "--json"]), plain);
}

#[test]
fn a_what_if_file_with_a_bad_row_is_refused_naming_file_and_line() {
    let sandbox = Sandbox::demo();
    let before = sandbox.contents();
    let what_if = sandbox.file(
        "bad.csv",
        "record_id,date,kind,parties,amount,currency,package,supersedes,confidence,status,note,source_url\n\
         W01,2026-02-20,pledge,DEU,2000000000,USD,,,confirmed,committed,,\n\
         W02,2026-02-21,pledge,POL,-5,USD,,,confirmed,committed,,\n",
    );
    let what_if = what_if.to_str().unwrap();
    for json in [false, true] {
        let mut args = vec!["targets", "--as-of", "2026-03-01", "--what-if", what_if];
        if json {
            args.push("--json");
        }
        let run = sandbox.run(&args);
        assert_ne!(run.code, 0, "a bad what-if row was accepted\n{}", run.stdout);
        assert!(run.stderr.contains(&format!("{what_if}:3:")), "no file and line in\n{}", run.stderr);
        assert!(run.stderr.contains("negative"), "no problem named in\n{}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
    // A record that repeats one in the store is refused too (its id exists), with its line.
    let repeat = sandbox.file(
        "repeat.csv",
        "record_id,date,kind,parties,amount,currency,package,supersedes,confidence,status,note,source_url\n\
         R02,2025-08-04,pledge,NLD,500000000,EUR,1,,confirmed,announced,,\n",
    );
    let run = sandbox.run(&["targets", "--what-if", repeat.to_str().unwrap()]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains(":2:") && run.stderr.contains("R02"), "{}", run.stderr);
    let missing = sandbox.run(&["targets", "--what-if", "/nonexistent/what-if.csv"]);
    assert_ne!(missing.code, 0);
    assert!(missing.stderr.contains("/nonexistent/what-if.csv"), "{}", missing.stderr);
    assert_eq!(sandbox.contents(), before, "a refused what-if file changed the store");
}

#[test]
fn as_of_before_any_record() {
    let sandbox = Sandbox::demo();
    let report = sandbox.json(&["targets", "--as-of", "2024-06-01", "--json"]);
    assert_eq!(sandbox.counted("2024-06-01", "USD"), 0);
    assert!(report["milestones"].as_array().unwrap().is_empty(), "{report:#}");
    assert!(report["months"].as_array().unwrap().is_empty(), "{report:#}");
    for rate in report["run_rates"].as_array().unwrap() {
        assert_eq!(minor(&rate["per_month"]), 0, "{rate}");
    }
    let t02 = target(&report, "T02");
    assert_eq!(t02["status"], "open");
    assert_eq!(minor(&t02["still_needed"]), 5 * BILLION_MINOR);
    for at in t02["projected"]["at_trailing_rates"].as_array().unwrap() {
        assert_eq!(at["reached"]["kind"], "never", "{at}");
    }
    let text = sandbox.ok(&["targets", "--as-of", "2024-06-01"]);
    assert!(text.contains("never at this rate") && text.contains("none yet"), "{text}");
}

#[test]
fn the_fair_share_projection_is_flagged_and_grows_by_the_monthly_target() {
    let sandbox = Sandbox::demo();
    let report = sandbox.json(&["targets", "--as-of", "2026-03-01", "--fair-share-from", "2026-04-01", "--json"]);
    assert_eq!(report["projection"]["is_projection"], true);
    let fair = &report["fair_share"];
    assert_eq!(fair["projection"], true);
    assert_eq!((fair["target"].as_str(), fair["per_month"].as_str()), (Some("T01"), Some("1000000000.00")));
    let t03 = target(&report, "T03");
    let reached = &t03["projected"]["fair_share"];
    assert_eq!(reached["kind"], "on", "{t03}");
    // EUR 1 billion a month is more than USD 1 billion at any 2025-2026 rate and less than USD 1.25
    // billion, so what 2026 still needs takes between needed / 1.25 and needed / 1 payments.
    let needed = minor(&t03["still_needed"]);
    let (fewest, most) = (needed * 4 / (5 * BILLION_MINOR), (needed + BILLION_MINOR - 1) / BILLION_MINOR);
    let date = chrono::NaiveDate::parse_from_str(reached["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let from = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    let payments = (date.year_ce().1 as i128 - 2026) * 12 + date.month0() as i128 - 3 + 1;
    assert!(date.day() == 1 && (fewest..=most).contains(&payments), "{date} after {payments} payments from {from}");
    let text = sandbox.ok(&["targets", "--as-of", "2026-03-01", "--fair-share-from", "2026-04-01"]);
    assert!(text.starts_with("PROJECTION (fair share: from 2026-04-01"), "{text}");
    assert!(text.contains("projection under fair shares: reached on"), "{text}");
    // Without a monthly run-rate target there is nothing to share: a clear error.
    let empty = Sandbox { dir: tempfile::tempdir().unwrap() };
    empty.ok(&["migrate"]);
    let run = empty.run(&["targets", "--fair-share-from", "2026-04-01"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("monthly run-rate target"), "{}", run.stderr);
}
