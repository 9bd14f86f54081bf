//! `tranche export xlsx` read back by a spreadsheet nobody here wrote: LibreOffice (headless)
//! converts every sheet to CSV, and every cell must equal the CSV export's (numbers compared as
//! decimals); amounts must be number cells, not text. On the demo store and on the exercise.

mod common;

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

/// The LibreOffice filter: comma, double quote, UTF-8, from line 1, raw values (not as
/// shown), every sheet to its own file (LibreOffice 7.2 and later).
const FILTER: &str = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1";

fn soffice() -> Option<&'static str> {
    if Command::new("soffice").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return Some("soffice");
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but `soffice` is missing (apt-get install libreoffice-calc-nogui; .ci/run installs it)"
    );
    eprintln!("notice: LibreOffice is not installed; the XLSX round trip did not run");
    None
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

fn check(exercise: bool) {
    let Some(soffice) = soffice() else { return };
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("demo.db").to_str().unwrap().to_string();
    let mut demo = vec!["demo", "--no-serve"];
    if exercise {
        demo.push("--exercise");
    }
    common::tranche(&database, &demo);
    let book = dir.path().join("book.xlsx");
    common::tranche(&database, &["export", "xlsx", "-o", book.to_str().unwrap()]);
    let sheets = dir.path().join("sheets");
    let profile = format!("file://{}", dir.path().join("lo-profile").display());
    let out = Command::new(soffice)
        .arg(format!("-env:UserInstallation={profile}"))
        .args(["--headless", "--convert-to", FILTER, "--outdir"])
        .arg(&sheets)
        .arg(&book)
        .output()
        .unwrap();
    assert!(out.status.success(), "soffice: {}", String::from_utf8_lossy(&out.stderr));
    let package = dir.path().join("package");
    common::tranche(&database, &["export", "datapackage", "-o", package.to_str().unwrap()]);
    let descriptor: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(package.join("datapackage.json")).unwrap()).unwrap();
    let mut amounts_seen = 0;
    for name in DATASETS {
        let sheet = read_sheet(&sheets, name);
        let exported = parse_csv(&common::tranche(&database, &["export", "csv", name]));
        assert_eq!(sheet.len(), exported.len(), "{name}: rows");
        assert_eq!(sheet[0], exported[0], "{name}: header");
        let resource = descriptor["resources"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap();
        let fields = resource["schema"]["fields"].as_array().unwrap();
        for (line, (from_sheet, from_csv)) in sheet.iter().zip(&exported).enumerate().skip(1) {
            for (column, field) in fields.iter().enumerate() {
                let (got, want) = (cell(from_sheet, column), cell(from_csv, column));
                let at = format!("{name} row {line} column {}", field["name"]);
                let numeric = matches!(field["type"].as_str(), Some("number" | "integer"));
                if numeric && !want.is_empty() {
                    let (got, want): (Decimal, Decimal) = (
                        got.parse().unwrap_or_else(|e| panic!("{at}: {got:?} is not a number ({e})")),
                        want.parse().unwrap(),
                    );
                    assert_eq!(got, want, "{at}");
                    // A number cell prints its value (30000000), a text cell its text (30000000.00).
                    assert_eq!(got.normalize().to_string(), cell(from_sheet, column), "{at}: not a number cell");
                    amounts_seen += 1;
                } else if field["type"].as_str() == Some("boolean") && !want.is_empty() {
                    // A flag is a boolean cell, which LibreOffice prints as TRUE or FALSE.
                    assert!(got == "TRUE" || got == "FALSE", "{at}: {got:?} is not a boolean cell");
                    assert_eq!(got.to_lowercase(), want, "{at}");
                } else {
                    // The CSV export guards formula-like text with a leading apostrophe.
                    let want = want.strip_prefix('\'').filter(|_| !got.starts_with('\'')).unwrap_or(want);
                    assert_eq!(got, want, "{at}");
                }
            }
        }
    }
    assert!(amounts_seen > 0);
    let sources = read_sheet(&sheets, "sources");
    let records = parse_csv(&common::tranche(&database, &["export", "csv", "records"]));
    assert_eq!(sources.len(), records.len(), "a source per record");
    assert_eq!(sources[0], ["record", "date", "kind", "contributor", "source_url", "confidence"]);
    let about = std::fs::read_to_string(sheets.join("book-about.csv")).unwrap();
    let head = common::tranche(&database, &["report", "balances"]);
    let events = head.split_whitespace().nth(2).unwrap();
    assert!(about.contains(&format!("head of {events} events")), "{about}");
    assert!(about.contains("A contingent pledge"), "the counting rules are on the cover: {about}");
}

fn read_sheet(folder: &Path, name: &str) -> Vec<Vec<String>> {
    let path = folder.join(format!("book-{name}.csv"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_csv(&text)
}

fn cell(row: &[String], column: usize) -> &str {
    row.get(column).map(String::as_str).unwrap_or_default()
}

#[test]
fn libreoffice_reads_the_demo_workbook_as_the_csv_export() {
    check(false);
}

#[test]
fn libreoffice_reads_the_exercise_workbook_as_the_csv_export() {
    check(true);
}
