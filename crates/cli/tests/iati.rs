//! `tranche export iati` and `tranche import iati`: every export validates against the official
//! IATI 2.03 schema (`xmllint`, Debian `libxml2-utils`), the public never reads restricted
//! fields, and an export imported into a fresh store gives the same pledges and reports.

use std::path::{Path, PathBuf};
use std::process::Command;

use tranche_core::auth::Role;
use tranche_core::{Command as DomainCommand, CommandId, Currency, Envelope, Mechanism, MechanismId, Name, PartyId};
use tranche_store::{Ledger, SqliteStore, Store};

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

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, db: &str, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_tranche"))
            .arg("--database")
            .arg(self.path(db))
            .args(args)
            .output()
            .unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn ok(&self, db: &str, args: &[&str]) -> String {
        let run = self.run(db, args);
        assert_eq!(run.code, 0, "tranche {args:?} failed\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
        run.stdout
    }

    fn fails(&self, db: &str, args: &[&str]) -> Run {
        let run = self.run(db, args);
        assert_ne!(run.code, 0, "tranche {args:?} should fail\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
        run
    }

    /// Exports the store `db` as `reader` to `name` and returns the XML.
    fn export(&self, db: &str, reader: &str, name: &str) -> String {
        let out = self.path(name);
        self.ok(db, &["--as", reader, "export", "iati", "-o", out.to_str().unwrap()]);
        std::fs::read_to_string(out).unwrap()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Everything that must not change when an import is refused or only tried.
    fn contents(&self, db: &str) -> (u64, Vec<String>) {
        let store = SqliteStore::open(&self.path(db)).unwrap();
        (store.head().unwrap(), store.projection_dump().unwrap())
    }

    /// A store with what an import of IATI needs and nothing else: the shipped rates and
    /// parties, and the PURL mechanism (as `tranche demo` defines it).
    fn fresh(&self, db: &str) {
        let mut ledger = Ledger::open(SqliteStore::open(&self.path(db)).unwrap()).unwrap();
        let rates = tranche_io::ecb::parse("rates", tranche_io::shipped::ECB_RATES_CSV).unwrap();
        ledger.import_rates(&rates).unwrap();
        ledger.execute_all(&tranche_io::parties::parse("parties", tranche_io::shipped::PARTIES_CSV).unwrap()).unwrap();
        let party = |id: &str| PartyId::parse(id).unwrap();
        let mechanism = Mechanism {
            id: MechanismId::parse("PURL").unwrap(),
            name: Name::parse("Prioritized Ukraine Requirements List").unwrap(),
            recipient: party("UKR"),
            supplier: party("USA"),
            package_currency: Currency::USD,
            reporting_currencies: vec![Currency::EUR, Currency::USD],
        };
        let envelope = Envelope {
            command_id: CommandId::parse("mechanism:PURL").unwrap(),
            actor: Role::Admin,
            command: DomainCommand::DefineMechanism { mechanism },
        };
        ledger.execute(&envelope).unwrap();
    }

    fn state(&self, db: &str) -> tranche_core::State {
        Ledger::open(SqliteStore::open(&self.path(db)).unwrap()).unwrap().state().clone()
    }
}

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/iati-2.03/iati-activities-schema.xsd")
}

/// `xmllint`, or `None` (with a notice) when it is missing outside CI; under `CI=true` a missing
/// `xmllint` fails the test (`.ci/run` installs it).
fn xmllint() -> Option<&'static str> {
    let found = Command::new("xmllint").arg("--version").output().is_ok_and(|o| o.status.success());
    match (found, std::env::var("CI").is_ok_and(|v| v == "true")) {
        (true, _) => Some("xmllint"),
        (false, true) => panic!("CI=true but xmllint is missing (Debian libxml2-utils; .ci/run installs it)"),
        (false, false) => {
            eprintln!("notice: xmllint is missing (apt-get install libxml2-utils); the schema checks are skipped");
            None
        }
    }
}

/// Runs `xmllint --noout --schema` on `file`: `Ok` when valid, else its messages.
fn validate(xmllint: &str, file: &Path) -> Result<(), String> {
    let output = Command::new(xmllint).arg("--noout").arg("--schema").arg(schema()).arg(file).output().unwrap();
    match output.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&output.stderr).into_owned()),
    }
}

/// The fields of a CSV line (RFC 4180 quotes), read here without the code under test.
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Pledge and joint-package rows of the shipped record: (with an amount, without one).
fn record_pledges() -> (usize, usize) {
    let text = tranche_io::shipped::PURL_RECORD_CSV;
    let rows = text.lines().skip(1).filter(|l| !l.trim().is_empty()).map(csv_fields);
    let pledges: Vec<Vec<String>> =
        rows.filter(|f| matches!(f.get(2).map(String::as_str), Some("pledge" | "joint-package"))).collect();
    let disclosed = pledges.iter().filter(|f| !f[4].is_empty()).count();
    (disclosed, pledges.len() - disclosed)
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[test]
fn every_export_validates_against_the_iati_2_03_schema() {
    let sandbox = Sandbox::new();
    sandbox.ok("demo.db", &["demo", "--no-serve"]);
    sandbox.ok("exercise.db", &["demo", "--no-serve", "--exercise"]);
    let Some(xmllint) = xmllint() else { return };
    for db in ["demo.db", "exercise.db"] {
        for reader in ["admin", "public", "contributor:NLD"] {
            let name = format!("{db}.{reader}.xml").replace(':', "-");
            let xml = sandbox.export(db, reader, &name);
            assert!(xml.contains("<iati-activities version=\"2.03\""), "{xml}");
            if let Err(messages) = validate(xmllint, &sandbox.path(&name)) {
                panic!("{name} does not validate:\n{messages}");
            }
        }
    }
    // A mechanism with nothing pledged yet is still a valid activity.
    sandbox.fresh("empty.db");
    sandbox.export("empty.db", "public", "empty.xml");
    if let Err(messages) = validate(xmllint, &sandbox.path("empty.xml")) {
        panic!("empty.xml does not validate:\n{messages}");
    }
    // The exercise's packages are activities of their own, linked to the mechanism.
    let xml = std::fs::read_to_string(sandbox.path("exercise.db.admin.xml")).unwrap();
    let packages = sandbox.state("exercise.db").packages.len();
    assert!(packages > 0);
    assert_eq!(count(&xml, "<iati-activity "), 1 + packages);
    assert_eq!(count(&xml, "<related-activity ref=\"NATO-PURL\" type=\"1\"/>"), packages);
}

#[test]
fn a_document_the_schema_refuses_fails_the_check() {
    let sandbox = Sandbox::new();
    sandbox.ok("demo.db", &["demo", "--no-serve"]);
    let xml = sandbox.export("demo.db", "admin", "good.xml");
    let Some(xmllint) = xmllint() else { return };
    // A transaction without its value: the schema requires one.
    let start = xml.find("<value ").unwrap();
    let end = start + xml[start..].find("</value>").unwrap() + "</value>".len();
    let broken = format!("{}{}", &xml[..start], &xml[end..]);
    let path = sandbox.write("no-value.xml", &broken);
    let messages = validate(xmllint, &path).expect_err("a transaction without a value must not validate");
    assert!(messages.contains("value"), "{messages}");
    // An activity without its identifier.
    let broken = xml.replacen("<iati-identifier>NATO-PURL</iati-identifier>", "", 1);
    let path = sandbox.write("no-identifier.xml", &broken);
    assert!(validate(xmllint, &path).is_err());
}

#[test]
fn pledges_commitments_and_payments_are_transactions_and_undisclosed_amounts_are_not_zero() {
    let sandbox = Sandbox::new();
    sandbox.ok("demo.db", &["demo", "--no-serve"]);
    let xml = sandbox.export("demo.db", "public", "demo.xml");
    let (disclosed, undisclosed) = record_pledges();
    assert_eq!(
        count(&xml, "<transaction-type code=\"13\"/>") - count(&xml, "tranche:reversal=\"supersession\""),
        disclosed
    );
    assert_eq!(count(&xml, "undisclosed=\"true\""), undisclosed);
    let summary: serde_json::Value =
        serde_json::from_str(&sandbox.ok("demo.db", &["report", "summary", "--json"])).unwrap();
    assert_eq!(summary["undisclosed"].as_u64().unwrap() as usize, undisclosed);
    assert!(!xml.contains(">0.00</value>") && !xml.contains(">0</value>"), "an amount written as zero");

    // The exercise commits, pays, allocates and disburses.
    sandbox.ok("exercise.db", &["demo", "--no-serve", "--exercise"]);
    let xml = sandbox.export("exercise.db", "public", "exercise.xml");
    let state = sandbox.state("exercise.db");
    let committed = state.pledges().iter().filter(|p| p.committed.is_some()).count();
    assert_eq!(
        count(&xml, "<transaction-type code=\"11\"/>") - count(&xml, "tranche:reversal=\"withdrawal\""),
        committed
    );
    assert_eq!(count(&xml, "<transaction-type code=\"1\"/>"), state.payments().len());
    let allocations: usize = state.packages.values().map(|p| p.allocations.len() + p.released.len()).sum();
    assert_eq!(count(&xml, "<transaction-type code=\"2\"/>"), allocations);
    // Disbursed in total, as the packages report shows it, against the sum of type 3 values.
    let mut disbursed_minor = 0_i64;
    for chunk in xml.split("<transaction-type code=\"3\"/>").skip(1) {
        let value = chunk.split("\">").nth(1).unwrap().split('<').next().unwrap();
        let (units, cents) = value.split_once('.').unwrap();
        disbursed_minor += units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap();
    }
    let packages: serde_json::Value =
        serde_json::from_str(&sandbox.ok("exercise.db", &["report", "packages", "--json"])).unwrap();
    let reported: i64 = packages
        .as_array()
        .or_else(|| packages["packages"].as_array())
        .unwrap()
        .iter()
        .map(|p| {
            let text = p["disbursed"].as_str().unwrap();
            let amount = text.split_whitespace().last().unwrap().replace(',', "");
            let (units, cents) = amount.split_once('.').unwrap();
            units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
        })
        .sum();
    assert!(reported > 0);
    assert_eq!(disbursed_minor, reported);
}

#[test]
fn the_public_never_reads_package_contents_in_an_iati_export() {
    let sandbox = Sandbox::new();
    sandbox.ok("exercise.db", &["demo", "--no-serve", "--exercise"]);
    let state = sandbox.state("exercise.db");
    let names: Vec<String> = state.packages.values().map(|p| p.name.to_string()).collect();
    let descriptions: Vec<String> = state.requirements.values().map(|r| r.restricted.description.to_string()).collect();
    assert!(!names.is_empty() && !descriptions.is_empty());
    let coordinator = sandbox.export("exercise.db", "coordinator", "coordinator.xml");
    let public = sandbox.export("exercise.db", "public", "public.xml");
    for restricted in names.iter().chain(&descriptions) {
        // Written as XML text: quick-xml escapes quotes and apostrophes.
        let escaped = restricted.replace('&', "&amp;").replace('\'', "&apos;").replace('"', "&quot;");
        assert!(coordinator.contains(&escaped), "the coordinator should read {restricted:?}");
        assert!(!public.contains(&escaped), "the public reads {restricted:?}");
    }
    assert!(!public.contains("<description type=\"2\">"), "requirement lines in the public export");
}

/// Exports `db`, imports the export into a fresh store, and requires the same pledges and the
/// same reports.
fn round_trip(sandbox: &Sandbox, db: &str) {
    let xml_path = sandbox.path(&format!("{db}.xml"));
    sandbox.export(db, "admin", &format!("{db}.xml"));
    let copy = format!("{db}.copy");
    sandbox.fresh(&copy);
    let before = sandbox.contents(&copy);
    let dry = sandbox.ok(&copy, &["import", "iati", xml_path.to_str().unwrap(), "--dry-run"]);
    assert!(dry.contains("nothing written"), "{dry}");
    assert_eq!(sandbox.contents(&copy), before, "--dry-run wrote");
    let out = sandbox.ok(&copy, &["import", "iati", xml_path.to_str().unwrap()]);
    assert!(out.contains("0 already imported"), "{out}");

    let strip = |state: &tranche_core::State| {
        let mut pledges = state.pledges().to_vec();
        // Allocations are decided here, not imported.
        pledges.iter_mut().for_each(|p| p.allocated = None);
        pledges
    };
    let (original, imported) = (sandbox.state(db), sandbox.state(&copy));
    assert_eq!(strip(&imported), strip(&original));
    assert_eq!(imported.participation, original.participation);
    for report in [["report", "summary", "--json"], ["report", "parties", "--json"]] {
        assert_eq!(sandbox.ok(&copy, &report), sandbox.ok(db, &report), "{report:?} differs");
    }
    // The months' counted money (their procurement columns come from packages, not imported).
    let counted = |db: &str| {
        let months: serde_json::Value = serde_json::from_str(&sandbox.ok(db, &["report", "months", "--json"])).unwrap();
        let rows = months.as_array().unwrap().iter();
        rows.map(|m| (m["month"].clone(), m["counted"].clone(), m["cumulative"].clone()))
            .filter(|(_, counted, _)| counted.as_object().unwrap().values().any(|v| v != "0.00"))
            .collect::<Vec<_>>()
    };
    assert_eq!(counted(&copy), counted(db));
    for as_of in ["2025-08-31", "2025-12-04", "2026-03-21"] {
        let args = ["report", "summary", "--json", "--as-of", as_of];
        assert_eq!(sandbox.ok(&copy, &args), sandbox.ok(db, &args), "summary as of {as_of} differs");
    }
    // Importing it again changes nothing.
    let after = sandbox.contents(&copy);
    let again = sandbox.ok(&copy, &["import", "iati", xml_path.to_str().unwrap()]);
    assert!(again.contains("0 commands written"), "{again}");
    assert_eq!(sandbox.contents(&copy), after);
}

#[test]
fn the_demo_round_trips_through_iati() {
    let sandbox = Sandbox::new();
    sandbox.ok("demo.db", &["demo", "--no-serve"]);
    round_trip(&sandbox, "demo.db");
}

#[test]
fn the_exercise_round_trips_through_iati() {
    let sandbox = Sandbox::new();
    sandbox.ok("exercise.db", &["demo", "--no-serve", "--exercise"]);
    round_trip(&sandbox, "exercise.db");
}

/// Imports `text` into a fresh store: it must fail, say `expect`, and write nothing.
fn refused(sandbox: &Sandbox, name: &str, text: &str, expect: &[&str]) {
    let db = format!("{name}.db");
    sandbox.fresh(&db);
    let before = sandbox.contents(&db);
    let path = sandbox.write(name, text);
    let run = sandbox.fails(&db, &["import", "iati", path.to_str().unwrap()]);
    for part in expect.iter().chain(&[name, "nothing was imported"]) {
        assert!(run.stderr.contains(part), "{name}: expected {part:?} in:\n{}", run.stderr);
    }
    assert_eq!(sandbox.contents(&db), before, "{name}: a refused import wrote");
}

#[test]
fn hostile_iati_files_are_refused_whole_with_their_place() {
    let sandbox = Sandbox::new();
    sandbox.ok("demo.db", &["demo", "--no-serve"]);
    let xml = sandbox.export("demo.db", "admin", "demo.xml");
    // The third transaction of the first activity.
    let third = |xml: &str| xml.match_indices("<transaction ").nth(2).unwrap().0;
    let at = "/iati-activities/iati-activity[1]/transaction[3]";

    refused(&sandbox, "truncated.xml", &xml[..xml.len() / 2], &["not well-formed XML"]);
    refused(&sandbox, "mismatched.xml", &xml.replacen("</title>", "</titel>", 1), &["not well-formed XML", "line 10"]);
    refused(
        &sandbox,
        "doctype.xml",
        &xml.replacen("<iati-activities", "<!DOCTYPE x [<!ENTITY a \"b\">]><iati-activities", 1),
        &["DOCTYPE"],
    );

    let start = third(&xml);
    let unknown = format!("{}{}", &xml[..start], xml[start..].replacen("code=\"13\"", "code=\"7\"", 1));
    refused(
        &sandbox,
        "unknown-type.xml",
        &unknown,
        &[&format!("{at}/transaction-type/@code"), "transaction type \"7\""],
    );

    let value = |replacement: &str| {
        let open = start + xml[start..].find("<value ").unwrap();
        let text = open + xml[open..].find('>').unwrap() + 1;
        let close = text + xml[text..].find('<').unwrap();
        format!("{}{replacement}{}", &xml[..text], &xml[close..])
    };
    refused(&sandbox, "negative.xml", &value("-5000000.00"), &[&format!("{at}/value"), "not positive"]);
    refused(&sandbox, "garbage.xml", &value("12abc"), &[&format!("{at}/value"), "not a decimal number"]);
    refused(&sandbox, "too-precise.xml", &value("1.005"), &[&format!("{at}/value"), "more decimals"]);
    refused(&sandbox, "zero.xml", &value("0"), &[&format!("{at}/value"), "not positive"]);
    refused(&sandbox, "huge-value.xml", &value("99999999999999999999"), &[&format!("{at}/value")]);
    refused(
        &sandbox,
        "no-value.xml",
        &{
            let open = start + xml[start..].find("<value ").unwrap();
            let close = open + xml[open..].find("</value>").unwrap() + "</value>".len();
            format!("{}{}", &xml[..open], &xml[close..])
        },
        &[at, "has no <value>"],
    );
    refused(
        &sandbox,
        "bad-date.xml",
        &{
            let open = start + xml[start..].find("iso-date=\"").unwrap() + "iso-date=\"".len();
            format!("{}2025-02-30{}", &xml[..open], &xml[open + 10..])
        },
        &[&format!("{at}/transaction-date/@iso-date")],
    );
    refused(
        &sandbox,
        "version.xml",
        &xml.replacen("version=\"2.03\"", "version=\"1.05\"", 1),
        &["/iati-activities/@version"],
    );
    refused(&sandbox, "unknown-party.xml", &xml.replacen("parties=\"NLD\"", "parties=\"XXX\"", 1), &["XXX"]);

    // Bigger than the limit: refused before it is read (a sparse file costs no disk).
    let db = "huge.db";
    sandbox.fresh(db);
    let before = sandbox.contents(db);
    let path = sandbox.path("huge.xml");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(tranche_io::iati::MAX_FILE_BYTES as u64 + 1).unwrap();
    let run = sandbox.fails(db, &["import", "iati", path.to_str().unwrap()]);
    assert!(run.stderr.contains("more than the 67108864"), "{}", run.stderr);
    assert_eq!(sandbox.contents(db), before);

    // Imported into the store it came from: every pledge is already there, by another command.
    let before = sandbox.contents("demo.db");
    let run = sandbox.fails("demo.db", &["import", "iati", sandbox.path("demo.xml").to_str().unwrap()]);
    assert!(run.stderr.contains("/iati-activities/iati-activity[1]/transaction[1]"), "{}", run.stderr);
    assert_eq!(sandbox.contents("demo.db"), before);
}

#[test]
fn withdrawals_are_reversing_transactions_and_round_trip() {
    let sandbox = Sandbox::new();
    let db = "withdrawn.db";
    sandbox.ok(db, &["demo", "--no-serve"]);
    // docs/ACCOUNTING.md, "Withdrawal": R10 (EUR 100,000,000) committed, EUR 40,000,000 paid,
    // then withdrawn releases EUR 60,000,000. R01 is withdrawn while only announced.
    sandbox.ok(db, &["pledge", "commit", "R10", "--date", "2025-12-20"]);
    sandbox.ok(db, &["pledge", "pay", "R10", "--amount", "40000000", "--currency", "EUR", "--date", "2025-12-22"]);
    sandbox.ok(db, &["pledge", "withdraw", "R10", "--date", "2025-12-31"]);
    sandbox.ok(db, &["pledge", "withdraw", "R01", "--date", "2025-09-01"]);
    let xml = sandbox.export(db, "public", "withdrawn.xml");
    let reversal = |pledge: &str| {
        let start = xml.find(&format!("ref=\"{pledge}/withdrawal\"")).unwrap();
        let chunk = &xml[start..start + xml[start..].find("</transaction>").unwrap()];
        let code = chunk.split("code=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let value = chunk.split("\">").find(|s| s.starts_with('-')).unwrap().split('<').next().unwrap().to_string();
        (code, value)
    };
    assert_eq!(reversal("R10"), ("11".to_string(), "-60000000.00".to_string()));
    assert_eq!(reversal("R01"), ("13".to_string(), "-30000000.00".to_string()));
    if let Some(xmllint) = xmllint() {
        validate(xmllint, &sandbox.path("withdrawn.xml")).unwrap();
    }
    round_trip(&sandbox, db);
}
