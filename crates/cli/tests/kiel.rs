//! `tranche import kiel` and the dashboard's comparison with the Kiel tracker: a release loads
//! once, by the roles that may load it, all or nothing, with errors that name file, line and
//! column; the pages show the difference per month that this test computes on its own from
//! Kiel's CSV and our summary.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use rust_decimal::{Decimal, RoundingStrategy};
use tranche_io::shipped;

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn run(db: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_tranche")).arg("--database").arg(db).args(args).output().unwrap();
    Run {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn ok(db: &Path, args: &[&str]) -> String {
    let run = run(db, args);
    assert!(run.ok, "tranche {args:?} failed\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    run.stdout
}

fn fails(db: &Path, args: &[&str]) -> String {
    let run = run(db, args);
    assert!(!run.ok, "tranche {args:?} should fail\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    run.stderr
}

fn head(db: &Path) -> String {
    ok(db, &["check"]).split_whitespace().nth(1).unwrap_or_default().to_string()
}

/// A folder holding a release's three files as Kiel names them.
fn release_dir(parent: &Path, name: &str, info: &str, trends: &str, explorer: &str) -> PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("release_info.csv"), info).unwrap();
    std::fs::write(dir.join("procurement_trends.csv"), trends).unwrap();
    std::fs::write(dir.join("data_explorer.csv"), explorer).unwrap();
    dir
}

fn shipped_release(parent: &Path) -> PathBuf {
    release_dir(
        parent,
        "release-29",
        shipped::KIEL_RELEASE_INFO_CSV,
        shipped::KIEL_PROCUREMENT_CSV,
        shipped::KIEL_DATA_EXPLORER_CSV,
    )
}

#[test]
fn a_release_loads_once_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tranche.db");
    let release = shipped_release(dir.path());
    let release = release.to_str().unwrap();

    let dry = ok(&db, &["--as", "coordinator", "import", "kiel", "--dry-run", release]);
    assert!(dry.contains("Kiel release 29") && dry.contains("would be loaded"), "{dry}");
    assert!(dry.contains("52 months of nato_purl, 1079 country-months"), "{dry}");
    assert_eq!(head(&db), "0", "a dry run writes nothing");

    let loaded = ok(&db, &["--as", "coordinator", "import", "kiel", release]);
    assert!(
        loaded.contains("published 2026-08-04, data to 2026-04") && loaded.contains("loaded as event 1"),
        "{loaded}"
    );
    // Another process, the same store: the release is there and is not loaded twice.
    let again = ok(&db, &["--as", "coordinator", "import", "kiel", release]);
    assert!(again.contains("already loaded; nothing changed"), "{again}");
    let dry_again = ok(&db, &["import", "kiel", "--dry-run", release]);
    assert!(dry_again.contains("already loaded"), "{dry_again}");
    assert_eq!(head(&db), "1");
    // Kiel's figures are not our records: nothing is counted.
    let summary: serde_json::Value = serde_json::from_str(&ok(&db, &["report", "summary", "--json"])).unwrap();
    assert_eq!(summary["contributors"], 0, "{summary}");

    // The same release number with other figures is refused, not merged.
    let changed_trends = shipped::KIEL_PROCUREMENT_CSV.replace(
        "2025,9,0.0315234777677025,1.0506854376346,0,0.045",
        "2025,9,0.0315234777677025,1.0506854376346,0,0.046",
    );
    assert_ne!(changed_trends, shipped::KIEL_PROCUREMENT_CSV);
    let changed = release_dir(
        dir.path(),
        "changed",
        shipped::KIEL_RELEASE_INFO_CSV,
        &changed_trends,
        shipped::KIEL_DATA_EXPLORER_CSV,
    );
    let error = fails(&db, &["import", "kiel", changed.to_str().unwrap()]);
    assert!(error.contains("Kiel release 29 is already loaded with other figures; nothing was imported"), "{error}");
    // A later release loads beside it.
    let info_30 = shipped::KIEL_RELEASE_INFO_CSV
        .replace("\"29\",\"04/2026\",\"2026-08-04\"", "\"30\",\"05/2026\",\"2026-09-10\"");
    let next = release_dir(dir.path(), "release-30", &info_30, &changed_trends, shipped::KIEL_DATA_EXPLORER_CSV);
    assert!(ok(&db, &["import", "kiel", next.to_str().unwrap()]).contains("Kiel release 30"));
    assert_eq!(head(&db), "2");
    ok(&db, &["check"]);
}

#[test]
fn only_the_coordinator_and_the_operator_load_a_release() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tranche.db");
    let release = shipped_release(dir.path());
    let release = release.to_str().unwrap();
    for role in ["contributor:DEU", "recipient", "supplier", "auditor"] {
        let error = fails(&db, &["--as", role, "import", "kiel", release]);
        assert!(error.contains(&format!("{role} may not load-kiel-release")), "{role}: {error}");
        let error = fails(&db, &["--as", role, "import", "kiel", "--dry-run", release]);
        assert!(error.contains("may not load-kiel-release"), "{role} (dry run): {error}");
    }
    let error = fails(&db, &["--as", "public", "import", "kiel", release]);
    assert!(error.contains("the public may not import"), "{error}");
    assert_eq!(head(&db), "0");
    assert!(ok(&db, &["--as", "admin", "import", "kiel", release]).contains("loaded as event 1"));
}

/// `release_info.csv` of release 29 and small files for the failures below.
const INFO: &str = "\"release\",\"period\",\"date\",\"label\"\n\"29\",\"04/2026\",\"2026-08-04\",\"Ukraine Support Tracker, Release 29 (04/2026)\"\n";
const TRENDS: &str = "\"year\",\"month\",\"stockpile\",\"procurement\",\"unspecified\",\"nato_purl\"\n2025,8,0,0,0,1.88323218983518\n2025,9,0,0,0,0.045\n";
const EXPLORER: &str = "\"country\",\"iso\",\"year\",\"month\",\"total\",\"financial\",\"humanitarian\",\"military\",\"commitments\",\"to_be_allocated\",\"gdp\",\"pct_gdp\"\n\"Germany\",\"DEU\",2025,8,1.117662,0,0,1.117662,0,-1.117662,3601.74999999994,0.0310310821128623\n\"Germany\",\"DEU\",2025,10,2.06,0,0.06,2,0.06,-2,3601.74999999994,0.0571944193794692\n";

fn check_refused(name: &str, info: &str, trends: &str, explorer: &str, expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tranche.db");
    let release = release_dir(dir.path(), name, info, trends, explorer);
    for dry_run in [true, false] {
        let args = match dry_run {
            true => vec!["import", "kiel", "--dry-run", release.to_str().unwrap()],
            false => vec!["import", "kiel", release.to_str().unwrap()],
        };
        let error = fails(&db, &args);
        assert!(error.contains(expect), "{name}: expected {expect:?} in\n{error}");
    }
    assert_eq!(head(&db), "0", "{name}: nothing is imported");
}

#[test]
fn bad_files_are_refused_naming_file_line_and_column() {
    // The small files load.
    let dir = tempfile::tempdir().unwrap();
    let good = release_dir(dir.path(), "good", INFO, TRENDS, EXPLORER);
    let out = ok(&dir.path().join("tranche.db"), &["import", "kiel", good.to_str().unwrap()]);
    assert!(out.contains("2 months of nato_purl, 2 country-months"), "{out}");

    let bad_military = EXPLORER.replace("2,0.06,-2,3601", "two,0.06,-2,3601");
    check_refused("military", INFO, TRENDS, &bad_military, "data_explorer.csv:3: column military: bn EUR \"two\"");
    // The same file with CRLF line endings: the same physical line.
    check_refused("crlf", INFO, TRENDS, &bad_military.replace('\n', "\r\n"), "data_explorer.csv:3: column military");
    let bad_month = TRENDS.replace("2025,9,", "2025,13,");
    check_refused("month", INFO, &bad_month, EXPLORER, "procurement_trends.csv:3: column month: \"13\" is not a month");
    let twice = format!("{TRENDS}2025,8,0,0,0,1\n");
    check_refused("twice", INFO, &twice, EXPLORER, "procurement_trends.csv:4: column month: 2025-08 appears twice");
    let bad_iso = EXPLORER.replace("\"DEU\",2025,10", "\"deu\",2025,10");
    check_refused("iso", INFO, TRENDS, &bad_iso, "data_explorer.csv:3: column iso: iso \"deu\" is not a country code");
    let huge = TRENDS.replace("0.045", "20000");
    check_refused("huge", INFO, &huge, EXPLORER, "procurement_trends.csv:3: column nato_purl");
    let bad_date = INFO.replace("2026-08-04", "2026-02-30");
    check_refused("date", &bad_date, TRENDS, EXPLORER, "release_info.csv:2: column date");
    let two_releases = format!("{INFO}\"30\",\"05/2026\",\"2026-09-01\",\"Release 30\"\n");
    check_refused("two", &two_releases, TRENDS, EXPLORER, "release_info.csv:3: a second release row");
    let no_purl = TRENDS.replace("nato_purl", "purl");
    check_refused("header", INFO, &no_purl, EXPLORER, "procurement_trends.csv:1: not a Kiel release_info");

    // A missing file: named, nothing imported.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tranche.db");
    let info = dir.path().join("release_info.csv");
    std::fs::write(&info, INFO).unwrap();
    let trends = dir.path().join("procurement_trends.csv");
    std::fs::write(&trends, TRENDS).unwrap();
    let error = fails(&db, &["import", "kiel", info.to_str().unwrap(), trends.to_str().unwrap()]);
    assert!(error.contains("a Kiel release needs data_explorer.csv; it is missing"), "{error}");
    assert_eq!(head(&db), "0");
}

/// Kiel's bn EUR as cents, rounded half-even: computed here, apart from the code under test.
fn kiel_cents(bn: &str) -> i128 {
    let value: Decimal = bn.parse().unwrap();
    let euros = (value * Decimal::from(1_000_000_000)).round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    (euros * Decimal::from(100)).trunc().to_string().parse().unwrap()
}

fn cents(decimal: &str) -> i128 {
    let value: Decimal = decimal.parse().unwrap();
    (value * Decimal::from(100)).trunc().to_string().parse().unwrap()
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines().map(|line| line.split(',').map(|c| c.trim_matches('"').to_string()).collect()).collect()
}

#[test]
fn the_dashboard_shows_our_months_against_kiel() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tranche.db");
    ok(&db, &["demo", "--no-serve"]);
    let served = common::Served::start(db.to_str().unwrap(), &[]);
    let get = |path: &str| {
        served.agent.get(&format!("{}{path}", served.url)).call().unwrap().into_body().read_to_string().unwrap()
    };

    // Our side from the summary report, Kiel's from its CSV, the difference computed here.
    let summary: serde_json::Value = serde_json::from_str(&ok(&db, &["report", "summary", "--json"])).unwrap();
    let kiel: std::collections::BTreeMap<String, String> = csv_rows(shipped::KIEL_PROCUREMENT_CSV)
        .into_iter()
        .skip(1)
        .map(|row| (format!("{}-{:0>2}", row[0], row[1]), row[5].clone()))
        .collect();
    let page = csv_rows(&get("/months?format=csv"));
    assert_eq!(
        page[0],
        [
            "month",
            "ours_counted_in_month_eur",
            "kiel_nato_purl_eur",
            "difference_ours_minus_kiel_eur",
            "as_of",
            "record_cutoff"
        ]
    );
    let mut compared = 0;
    let mut not_recorded = Vec::new();
    for row in &page[1..] {
        let ours = summary["by_month"].get(&row[0]).map_or(0, |m| cents(m["EUR"].as_str().unwrap()));
        // Ours is known up to the month of the record's cut-off (the last column), not after it.
        let recorded = row[0].as_str() <= &row[5][..7];
        match recorded {
            true => assert_eq!(cents(&row[1]), ours, "{row:?}"),
            false => {
                assert_eq!((row[1].as_str(), ours), ("", 0), "{row:?}: not recorded is empty, never 0.00");
                not_recorded.push(row[0].clone());
            }
        }
        match kiel.get(&row[0]) {
            Some(bn) if recorded => {
                assert_eq!(cents(&row[2]), kiel_cents(bn), "{row:?}");
                assert_eq!(cents(&row[3]), ours - kiel_cents(bn), "{row:?}");
                compared += 1;
            }
            Some(bn) => {
                assert_eq!(cents(&row[2]), kiel_cents(bn), "{row:?}");
                assert_eq!(row[3], "", "{row:?}: no difference without our figure");
            }
            None => assert_eq!(row[2..4], ["", ""], "{row:?}: empty, as every export leaves an unknown"),
        }
    }
    assert!(compared >= 8, "July 2025 to February 2026 (the record's cut-off) are in both");
    // Kiel reports March and April 2026, after the demo record's cut-off (2026-02-17).
    assert_eq!(not_recorded.first().map(String::as_str), Some("2026-03"), "{not_recorded:?}");
    // August 2025, by hand: ours 1,890,375,509.51 (the summary), Kiel 1.88323218983518 bn.
    let august = page.iter().find(|r| r[0] == "2025-08").unwrap();
    assert_eq!(august[3], "7143319.67");

    // The pages say which release, and show months Kiel has not reported as such.
    let months = get("/months");
    assert!(months.contains("id=\"kiel-months\"") && months.contains("id=\"kiel-per-gdp\""), "{months}");
    assert!(
        months.contains("Ukraine Support Tracker, Release 29 (04/2026)") && months.contains("published 2026-08-04")
    );
    assert!(months.contains(
        "<td class=\"date\">2026-03</td><td class=\"num\">not recorded</td><td class=\"num\">17,284,000.00</td><td class=\"num\">not recorded</td>"
    ));
    assert!(months.contains(
        "<td class=\"date\">2026-05</td><td class=\"num\">not recorded</td><td class=\"num\">not reported</td><td class=\"num\">not recorded</td>"
    ));
    // In French: the figures written the French way, the unknowns said in French.
    let french = get("/months?lang=fr");
    assert!(
        french.contains("<td class=\"date\">2025-08</td><td class=\"num\">1\u{202F}890\u{202F}375\u{202F}509,51</td>")
    );
    assert!(french.contains(
        "<td class=\"date\">2026-05</td><td class=\"num\">non enregistré</td><td class=\"num\">non communiqué</td>"
    ));
    assert!(months.contains("<td class=\"date\">2025-08</td><td class=\"num\">1,890,375,509.51</td><td class=\"num\">1,883,232,189.84</td><td class=\"num\">7,143,319.67</td>"));
    let overview = get("/");
    assert!(overview.contains("id=\"kiel-months\"") && overview.contains("data-release=\"29\""), "{overview}");
    let json: serde_json::Value = serde_json::from_str(&get("/months?format=json")).unwrap();
    let august = json["rows"].as_array().unwrap().iter().find(|r| r["month"] == "2025-08").unwrap();
    assert_eq!(august["difference_ours_minus_kiel_eur"], "7143319.67");

    // The API gives the same rows, Kiel's missing months as null.
    let api: serde_json::Value = serde_json::from_str(&get("/api/v1/reference/kiel")).unwrap();
    assert_eq!(api["release"]["release"], 29);
    assert_eq!(api["release"]["date"], "2026-08-04");
    assert_eq!(api["release"]["publisher"], "Kiel Institute for the World Economy");
    let api_months = api["months"].as_array().unwrap();
    assert_eq!(api_months.len(), page.len() - 1);
    for (row, month) in page[1..].iter().zip(api_months) {
        assert_eq!(month["month"], row[0].as_str());
        let figure = |cell: &str| match cell {
            "" => serde_json::Value::Null,
            figure => serde_json::Value::from(figure),
        };
        assert_eq!(month["ours_counted_in_month_eur"], figure(&row[1]), "{row:?}: null when not recorded");
        assert_eq!(month["kiel_nato_purl_eur"], figure(&row[2]), "{row:?}: null when Kiel has no figure");
        assert_eq!(month["difference_ours_minus_kiel_eur"], figure(&row[3]), "{row:?}");
    }

    // Per GDP: the Netherlands, computed here from our summary to the end of April 2026 and
    // Kiel's data_explorer rows from July 2025 to April 2026.
    let at_end: serde_json::Value =
        serde_json::from_str(&ok(&db, &["report", "summary", "--json", "--as-of", "2026-04-30"])).unwrap();
    let ours: Decimal = at_end["by_party"]["NLD"]["EUR"].as_str().unwrap().parse().unwrap();
    let nld: Vec<Vec<String>> = csv_rows(shipped::KIEL_DATA_EXPLORER_CSV)
        .into_iter()
        .filter(|r| r.get(1).is_some_and(|iso| iso == "NLD"))
        .collect();
    let in_window = |r: &Vec<String>| {
        let month = format!("{}-{:0>2}", r[2], r[3]);
        ("2025-07".to_string()..="2026-04".to_string()).contains(&month)
    };
    let military: Decimal = nld.iter().filter(|r| in_window(r)).map(|r| r[7].parse::<Decimal>().unwrap()).sum();
    let gdp: Decimal = nld[0][10].parse().unwrap();
    let percent =
        |eur: Decimal| format!("{:.4}", (eur * Decimal::from(100) / (gdp * Decimal::from(1_000_000_000))).round_dp(4));
    let per_gdp = csv_rows(&get("/months?format=csv&table=per-gdp"));
    let row = per_gdp.iter().find(|r| r[0] == "NLD").unwrap();
    assert_eq!(row[1].parse::<Decimal>().unwrap(), ours);
    assert_eq!(cents(&row[3]), kiel_cents(&military.to_string()));
    assert_eq!(row[4], percent(ours));
    assert_eq!(row[5], percent(military * Decimal::from(1_000_000_000)));
    assert!(ours < military * Decimal::from(1_000_000_000), "PURL is a part of military aid");
}

#[test]
fn without_a_release_the_pages_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tranche.db");
    let rates = dir.path().join("rates.csv");
    std::fs::write(&rates, shipped::ECB_RATES_CSV).unwrap();
    let parties = dir.path().join("parties.csv");
    std::fs::write(&parties, shipped::PARTIES_CSV).unwrap();
    ok(&db, &["import", "ecb", rates.to_str().unwrap()]);
    ok(&db, &["import", "parties", parties.to_str().unwrap()]);
    let served = common::Served::start(db.to_str().unwrap(), &[]);
    let overview = served.agent.get(&format!("{}/", served.url)).call().unwrap().into_body().read_to_string().unwrap();
    assert!(overview.contains("id=\"kiel-none\"") && !overview.contains("id=\"kiel-months\""), "{overview}");
    let csv = served.agent.get(&format!("{}/months?format=csv", served.url)).call().unwrap();
    assert_eq!(csv.status().as_u16(), 404);
    let api = served.agent.get(&format!("{}/api/v1/reference/kiel", served.url)).call().unwrap();
    assert_eq!(api.status().as_u16(), 404);
}
