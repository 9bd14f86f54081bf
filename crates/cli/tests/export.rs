//! `tranche export` on the demo store (with the synthetic exercise): the columns docs/EXPORTS.md
//! lists are exactly the columns written, the CSV equals the dashboard's download byte for byte,
//! the journal sums to the balances, `-o` writes whole files, bad arguments are named, and the
//! Frictionless Data Package passes `frictionless validate` (and a broken copy does not).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use rust_decimal::Decimal;

const DATASETS: [&str; 11] = [
    "summary",
    "parties",
    "months",
    "pledges",
    "payments",
    "packages",
    "requirements",
    "decisions",
    "balances",
    "journal",
    "records",
];

/// A demo store (with the exercise when asked) in a fresh folder.
fn demo(exercise: bool) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("demo.db").to_str().unwrap().to_string();
    let mut args = vec!["demo", "--no-serve"];
    if exercise {
        args.push("--exercise");
    }
    common::tranche(&database, &args);
    (dir, database)
}

fn run(database: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tranche")).arg("--database").arg(database).args(args).output().unwrap()
}

/// A CSV as rows of cells (the csv crate: an independent reader).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

/// docs/EXPORTS.md: per dataset heading, its table's (column, type) pairs.
fn documented() -> BTreeMap<String, Vec<(String, String)>> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/EXPORTS.md")).unwrap();
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut current = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("### ") {
            current = Some(name.trim().to_string());
            out.insert(name.trim().to_string(), Vec::new());
        } else if let (Some(name), Some(row)) = (&current, line.strip_prefix("| `")) {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let column = cells[0].trim_end_matches('`').to_string();
            out.get_mut(name).unwrap().push((column, cells[1].to_string()));
        }
    }
    out
}

/// A documented name matches a written one: `{monthly}` and `{cumulative}` stand for a
/// currency code in lower case.
fn name_matches(documented: &str, written: &str) -> bool {
    let mut pattern = documented.to_string();
    for placeholder in ["{monthly}", "{cumulative}"] {
        if let Some(at) = pattern.find(placeholder) {
            let (before, after) = (&pattern[..at], &pattern[at + placeholder.len()..]);
            let code = written.get(before.len()..before.len() + 3).unwrap_or_default();
            if !code.bytes().all(|b| b.is_ascii_lowercase()) {
                return false;
            }
            pattern = format!("{before}{code}{after}");
        }
    }
    pattern == written
}

#[test]
fn the_documented_columns_are_exactly_the_columns_written() {
    let (dir, database) = demo(true);
    let docs = documented();
    assert_eq!(docs.keys().map(String::as_str).collect::<Vec<_>>(), {
        let mut names = DATASETS.to_vec();
        names.sort();
        names
    });
    let package = dir.path().join("package");
    common::tranche(&database, &["export", "datapackage", "-o", package.to_str().unwrap()]);
    let descriptor: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(package.join("datapackage.json")).unwrap()).unwrap();
    for name in DATASETS {
        let csv = common::tranche(&database, &["export", "csv", name]);
        let header = parse_csv(&csv).remove(0);
        let documented = &docs[name];
        let names: Vec<&str> = documented.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(header.len(), documented.len(), "{name}: written {header:?}, documented {names:?}");
        for (written, (doc, _)) in header.iter().zip(documented) {
            assert!(name_matches(doc, written), "{name}: written {written:?}, documented {doc:?}");
        }
        // The types: the Table Schema the package declares (amounts carry their currency).
        let resource = descriptor["resources"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap();
        let fields = resource["schema"]["fields"].as_array().unwrap();
        for (field, (column, kind)) in fields.iter().zip(documented) {
            let amount = field["description"].as_str().is_some_and(|d| d.starts_with("An amount in"));
            let expected = match kind.as_str() {
                "text" => ("string", false),
                "date" => ("date", false),
                "integer" => ("integer", false),
                "decimal" => ("number", false),
                "amount" => ("number", true),
                "boolean" => ("boolean", false),
                other => panic!("{name}.{column}: unknown type {other:?} in docs/EXPORTS.md"),
            };
            assert_eq!((field["type"].as_str().unwrap(), amount), expected, "{name}.{column}");
        }
    }
}

/// The dashboard's download of `path`, by a visitor signed in as `role` (or the public).
fn download(server: &common::Served, database: &str, path: &str, role: Option<&str>) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
    let mut cookies = String::new();
    if let Some(role) = role {
        let mut response = agent.get(&format!("{}/sign-in", server.url)).call().unwrap();
        let set = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
        let csrf_cookie = set.split(';').next().unwrap().to_string();
        // The form token the server issued for that cookie, from the sign-in form.
        let page = response.body_mut().read_to_string().unwrap();
        let marker = "name=\"csrf\" value=\"";
        let start = page.find(marker).unwrap() + marker.len();
        let csrf = page[start..start + page[start..].find('"').unwrap()].to_string();
        let token = common::tranche(database, &["token", "create", "--role", role]).trim().to_string();
        let response = agent
            .post(&format!("{}/sign-in", server.url))
            .header("Cookie", &csrf_cookie)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(format!("csrf={csrf}&token={token}"))
            .unwrap();
        assert_eq!(response.status().as_u16(), 303, "signed in");
        let session = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
            .find(|c| c.starts_with("tranche_session="))
            .unwrap();
        cookies = format!("{csrf_cookie}; {session}");
    }
    let mut response = agent.get(&format!("{}{path}", server.url)).header("Cookie", &cookies).call().unwrap();
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.body_mut().read_to_string().unwrap()
}

#[test]
fn the_csv_export_is_the_dashboard_download_byte_for_byte() {
    let (_dir, database) = demo(true);
    let server = common::Served::start(&database, &[]);
    // (dataset, page, role): the public pages as the public, the requirements as the coordinator.
    let pages = [
        ("months", "/", None),
        ("parties", "/contributors", None),
        ("packages", "/packages", None),
        ("records", "/records", None),
        ("requirements", "/requirements", Some("coordinator")),
    ];
    for (name, page, role) in pages {
        let who = role.unwrap_or("public");
        for format in ["csv", "json"] {
            let separator = if page.contains('?') { '&' } else { '?' };
            let served = download(&server, &database, &format!("{page}{separator}format={format}"), role);
            let exported = common::tranche(&database, &["--as", who, "export", format, name]);
            assert_eq!(exported, served, "{name} as {format}, read as {who}");
        }
    }
}

#[test]
fn the_journal_sums_to_the_balances_and_every_entry_to_zero() {
    let (_dir, database) = demo(true);
    let journal = parse_csv(&common::tranche(&database, &["export", "csv", "journal"]));
    let balances = parse_csv(&common::tranche(&database, &["export", "csv", "balances"]));
    assert_eq!(journal[0], ["event", "date", "kind", "entry", "book", "account", "currency", "amount"]);
    let mut sums: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    let mut entries: BTreeMap<(String, String, String), Decimal> = BTreeMap::new();
    for row in &journal[1..] {
        let amount: Decimal = row[7].parse().unwrap();
        *sums.entry((row[5].clone(), row[6].clone())).or_default() += amount;
        *entries.entry((row[0].clone(), row[3].clone(), row[6].clone())).or_default() += amount;
    }
    assert!(entries.values().all(|sum| sum.is_zero()), "every entry sums to zero per currency");
    sums.retain(|_, sum| !sum.is_zero());
    let from_balances: BTreeMap<(String, String), Decimal> =
        balances[1..].iter().map(|r| ((r[1].clone(), r[2].clone()), r[3].parse().unwrap())).collect();
    assert_eq!(sums, from_balances);
    // And `report balances --json` lists the same balances as the text report prints.
    let json: serde_json::Value =
        serde_json::from_str(&common::tranche(&database, &["report", "balances", "--json"])).unwrap();
    let text = common::tranche(&database, &["report", "balances"]);
    let printed: BTreeMap<(String, String), Decimal> = text
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split_whitespace().collect();
            match cells.as_slice() {
                [account, currency, amount] if account.contains(':') => {
                    Some(((account.to_string(), currency.to_string()), amount.replace(',', "").parse().unwrap()))
                }
                _ => None,
            }
        })
        .collect();
    let listed: BTreeMap<(String, String), Decimal> = json["balances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let key = (b["account"].as_str().unwrap().to_string(), b["currency"].as_str().unwrap().to_string());
            (key, b["balance"].as_str().unwrap().parse().unwrap())
        })
        .collect();
    assert_eq!(listed, printed);
    assert_eq!(listed, from_balances);
    // As many entries in the journal as the books have posted.
    let distinct: std::collections::BTreeSet<(&str, &str)> =
        journal[1..].iter().map(|r| (r[0].as_str(), r[3].as_str())).collect();
    assert_eq!(json["journal_entries"].as_u64(), Some(distinct.len() as u64));
}

#[test]
fn the_summary_export_gives_the_demo_totals() {
    let (_dir, database) = demo(false);
    // The figures .ci/run checks in the demo's text summary: EUR 4,434,608,230.02, USD 5,168,314,728.80.
    let as_of = "2026-02-28";
    let rows = parse_csv(&common::tranche(&database, &["export", "csv", "summary", "--as-of", as_of]));
    let counted: BTreeMap<&str, &str> =
        rows.iter().filter(|r| r[1] == "counted").map(|r| (r[2].as_str(), r[3].as_str())).collect();
    let text = common::tranche(&database, &["report", "summary", "--as-of", as_of]);
    let total = text.lines().find(|l| l.trim_start().starts_with("total")).unwrap();
    let expected: Vec<&str> = total.split_whitespace().skip(1).collect();
    assert_eq!(expected.len(), 4, "{total}");
    assert_eq!(counted["EUR"], expected[1].replace(',', ""));
    assert_eq!(counted["USD"], expected[3].replace(',', ""));
    assert!(rows[1..].iter().all(|r| r[0] == as_of));
}

#[test]
fn restricted_columns_and_datasets_follow_the_role() {
    let (_dir, database) = demo(true);
    let public = parse_csv(&common::tranche(&database, &["--as", "public", "export", "csv", "packages"]));
    let coordinator = parse_csv(&common::tranche(&database, &["--as", "coordinator", "export", "csv", "packages"]));
    assert!(!public[0].contains(&"name".to_string()), "{:?}", public[0]);
    assert!(coordinator[0].contains(&"name".to_string()), "{:?}", coordinator[0]);
    let refused = run(&database, &["--as", "public", "export", "csv", "requirements"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("restricted"));
    // The public's workbook and package have no requirements.
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("public");
    common::tranche(&database, &["--as", "public", "export", "datapackage", "-o", package.to_str().unwrap()]);
    assert!(!package.join("requirements.csv").exists());
    assert!(package.join("pledges.csv").exists());
    assert!(!std::fs::read_to_string(package.join("packages.csv")).unwrap().contains("Exercise package 1"));
}

#[test]
fn bad_arguments_are_named_with_the_valid_ones() {
    let (_dir, database) = demo(false);
    let what = run(&database, &["export", "csv", "ledgers"]);
    assert!(!what.status.success());
    let message = String::from_utf8_lossy(&what.stderr);
    assert!(message.contains("\"ledgers\" is not a dataset") && message.contains("journal, records"), "{message}");
    let format = run(&database, &["export", "yaml", "pledges"]);
    assert!(!format.status.success());
    let message = String::from_utf8_lossy(&format.stderr);
    assert!(message.contains("csv") && message.contains("xlsx") && message.contains("datapackage"), "{message}");
    let missing = run(&database, &["export", "csv"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("needs WHAT"));
}

#[test]
fn output_files_are_written_whole() {
    let (dir, database) = demo(false);
    let path = dir.path().join("pledges.csv");
    std::fs::write(&path, "an older export\n").unwrap();
    common::tranche(&database, &["export", "csv", "pledges", "-o", path.to_str().unwrap()]);
    let stdout = common::tranche(&database, &["export", "csv", "pledges"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), stdout);
    // A package over a folder that holds files is refused, and nothing is left behind.
    let taken = dir.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("keep.txt"), "mine").unwrap();
    let refused = run(&database, &["export", "datapackage", "-o", taken.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert_eq!(std::fs::read_dir(&taken).unwrap().count(), 1);
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    // Temporary files and folders are hidden (`.tmp...`, `.tranche-datapackage-...`).
    assert!(names.iter().all(|n| !n.starts_with('.')), "no temporary file or folder is left: {names:?}");
}

/// The `frictionless` command, or `None` locally when it is not installed (CI requires it).
fn frictionless() -> Option<std::path::PathBuf> {
    let found = Command::new("frictionless").arg("--version").output().is_ok_and(|o| o.status.success());
    if found {
        return Some("frictionless".into());
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but `frictionless` is missing (pip install frictionless; .ci/run installs it)"
    );
    eprintln!("notice: frictionless is not installed; the Data Package validation did not run");
    None
}

fn validate(tool: &Path, descriptor: &Path) -> (bool, String) {
    let out = Command::new(tool).arg("validate").arg(descriptor).output().unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), report)
}

#[test]
fn the_data_package_passes_frictionless_and_a_broken_copy_fails() {
    let Some(tool) = frictionless() else { return };
    let (dir, database) = demo(true);
    let package = dir.path().join("package");
    common::tranche(&database, &["export", "datapackage", "-o", package.to_str().unwrap()]);
    for name in DATASETS {
        let exported = common::tranche(&database, &["export", "csv", name]);
        assert_eq!(std::fs::read_to_string(package.join(format!("{name}.csv"))).unwrap(), exported, "{name}");
    }
    let (valid, report) = validate(&tool, &package.join("datapackage.json"));
    assert!(valid, "frictionless validate failed:\n{report}");
    // A text in an amount column must fail.
    let broken = dir.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    for entry in std::fs::read_dir(&package).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), broken.join(entry.file_name())).unwrap();
    }
    let pledges = std::fs::read_to_string(broken.join("pledges.csv")).unwrap();
    let mut rows = parse_csv(&pledges);
    let announced = rows[0].iter().position(|c| c == "announced").unwrap();
    let row = rows.iter().position(|r| !r[announced].is_empty() && r[announced] != "announced").unwrap();
    rows[row][announced] = "about a billion".into();
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in &rows {
        writer.write_record(row).unwrap();
    }
    std::fs::write(broken.join("pledges.csv"), writer.into_inner().unwrap()).unwrap();
    let (valid, report) = validate(&tool, &broken.join("datapackage.json"));
    assert!(!valid, "frictionless accepted a text in an amount column:\n{report}");
    assert!(report.contains("type-error"), "{report}");
}

/// The README's export example is real output: the quoted CSV is what the command it shows
/// prints on the demo store.
#[test]
fn the_readme_export_example_is_what_the_command_prints() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let command = "tranche export csv summary --as-of 2026-02-28";
    assert!(readme.contains(command), "the README shows {command:?}");
    let start = readme.find("```\nas_of,measure,currency").expect("the README quotes the summary CSV") + 4;
    let quoted = &readme[start..start + readme[start..].find("```").unwrap()];
    let (_dir, db) = demo(false);
    let out = run(&db, &["export", "csv", "summary", "--as-of", "2026-02-28"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n"), quoted);
}

/// `-o` renames a new file over the name: it refuses what it would destroy instead of writing
/// into (a symbolic link, a device, a read-only file, the store and its key).
#[test]
fn an_export_never_replaces_what_it_should_not() {
    let (dir, db) = demo(false);
    let folder = dir.path();
    let target = folder.join("target.csv");
    std::fs::write(&target, "keep").unwrap();
    let link = folder.join("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let read_only = folder.join("read-only.csv");
    std::fs::write(&read_only, "keep").unwrap();
    let mut permissions = std::fs::metadata(&read_only).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&read_only, permissions).unwrap();
    let key = format!("{db}.key");
    let key_before = std::fs::read(&key).unwrap();
    let cases: Vec<(String, &str)> = vec![
        (link.to_str().unwrap().to_string(), "symbolic link"),
        ("/dev/null".to_string(), "not an ordinary file"),
        (read_only.to_str().unwrap().to_string(), "read-only"),
        (db.clone(), "the store"),
        (key.clone(), "the store"),
        (folder.join(".").join("demo.db").to_str().unwrap().to_string(), "the store"),
    ];
    for (path, said) in &cases {
        for format in [&["csv", "parties"][..], &["hledger"][..]] {
            let mut args = vec!["export"];
            args.extend_from_slice(format);
            args.extend(["-o", path.as_str()]);
            let out = run(&db, &args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success() && stderr.contains(said), "{args:?}: {stderr}");
        }
    }
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    assert_eq!(std::fs::read_to_string(&read_only).unwrap(), "keep");
    assert_eq!(std::fs::read(&key).unwrap(), key_before);
    assert!(common::tranche(&db, &["check"]).starts_with("ok: "), "the store is intact");
    // An ordinary file is replaced whole.
    let out = run(&db, &["export", "csv", "parties", "-o", target.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read_to_string(&target).unwrap().starts_with("contributor,"));
}

/// `?synthetic=hide` leaves the exercise out of the overview's months: its last counted total
/// equals the summary of a store that never held the exercise, and its rows flag nothing.
#[test]
fn hiding_the_exercise_gives_the_figures_of_a_store_without_it() {
    let (_dir, database) = demo(true);
    let (_plain_dir, plain) = demo(false);
    let without: serde_json::Value =
        serde_json::from_str(&common::tranche(&plain, &["report", "summary", "--json"])).unwrap();
    let server = common::Served::start(&database, &[]);
    let months: serde_json::Value =
        serde_json::from_str(&download(&server, &database, "/?synthetic=hide&format=json", None)).unwrap();
    let last = months["rows"].as_array().unwrap().last().unwrap().clone();
    let (column, total) = last.as_object().unwrap().iter().find(|(k, _)| k.starts_with("counted_to_date_")).unwrap();
    let currency = column.trim_start_matches("counted_to_date_").to_uppercase();
    assert_eq!(total, &without["totals"][&currency], "{last}");
    let shown: serde_json::Value = serde_json::from_str(&download(&server, &database, "/?format=json", None)).unwrap();
    let last_shown = shown["rows"].as_array().unwrap().last().unwrap().clone();
    assert_ne!(last_shown[column], without["totals"][&currency], "the exercise counts while shown");
    let records: serde_json::Value =
        serde_json::from_str(&download(&server, &database, "/records?synthetic=hide&format=json", None)).unwrap();
    assert!(records["rows"].as_array().unwrap().iter().all(|r| r["synthetic"] == false));
    let all: serde_json::Value =
        serde_json::from_str(&download(&server, &database, "/records?format=json", None)).unwrap();
    for row in all["rows"].as_array().unwrap() {
        let ex = row["record"].as_str().unwrap().starts_with("EX-");
        assert_eq!(row["synthetic"], serde_json::Value::Bool(ex), "{row}");
    }
}

/// Each party's counted figures (`report parties --json`) in cents, by key and currency.
fn party_figures(database: &str, as_of: &str) -> BTreeMap<(String, String), Decimal> {
    let parties: serde_json::Value =
        serde_json::from_str(&common::tranche(database, &["report", "parties", "--json", "--as-of", as_of])).unwrap();
    let mut out = BTreeMap::new();
    for party in parties.as_array().unwrap() {
        for currency in ["EUR", "USD"] {
            let counted = party["counted"][currency].as_str().unwrap_or("0.00");
            out.insert((party["party"].as_str().unwrap().to_string(), currency.to_string()), counted.parse().unwrap());
        }
    }
    out
}

#[test]
fn the_counted_records_add_up_to_each_party_figure() {
    for exercise in [false, true] {
        let (_dir, database) = demo(exercise);
        for as_of in ["2025-08-31", "2025-12-04", "2026-02-28", "2026-11-30"] {
            let figures = party_figures(&database, as_of);
            let rows = parse_csv(&common::tranche(&database, &["export", "csv", "records", "--as-of", as_of]));
            let header = &rows[0];
            let column = |name: &str| header.iter().position(|c| c == name).unwrap_or_else(|| panic!("{name}"));
            let (contributor, effect) = (column("contributor"), column("effect"));
            let mut added: BTreeMap<(String, String), Decimal> = BTreeMap::new();
            for row in &rows[1..] {
                for currency in ["EUR", "USD"] {
                    let cell = &row[column(&format!("counted_{}", currency.to_lowercase()))];
                    if cell.is_empty() {
                        continue;
                    }
                    assert!(
                        ["counted", "member-share", "remainder"].contains(&row[effect].as_str()),
                        "a counted figure on a record that does not count: {row:?}"
                    );
                    *added.entry((row[contributor].clone(), currency.to_string())).or_default() +=
                        cell.parse::<Decimal>().unwrap();
                }
            }
            for (key, figure) in &figures {
                let sum = added.get(key).copied().unwrap_or_default();
                assert_eq!(
                    sum, *figure,
                    "exercise {exercise}, as of {as_of}: {key:?}, the records add up to {sum}, the party's figure is {figure}"
                );
            }
            for key in added.keys() {
                assert!(
                    figures.contains_key(key),
                    "exercise {exercise}, as of {as_of}: records count to {key:?}, a party `report parties` does not list"
                );
            }
            assert!(figures.len() > 20, "{}", figures.len());
        }
    }
}
