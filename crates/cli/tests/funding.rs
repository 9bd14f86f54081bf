//! Fair shares and share keys, through the real `tranche` binary on the shipped record.

mod common;

use std::path::PathBuf;
use std::process::Command;

use rust_decimal::Decimal;
use serde_json::Value;

struct Store {
    dir: tempfile::TempDir,
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Store {
    /// A fresh store holding the shipped record (`tranche demo --no-serve`).
    fn demo() -> Store {
        Store::demo_with(&[])
    }

    fn demo_with(extra: &[&str]) -> Store {
        let store = Store { dir: tempfile::tempdir().unwrap() };
        let run = store.run(&[&["demo", "--no-serve"][..], extra].concat());
        assert!(run.ok, "demo: {}", run.stderr);
        store
    }

    fn run(&self, args: &[&str]) -> Run {
        let db = self.dir.path().join("t.db");
        let out = Command::new(env!("CARGO_BIN_EXE_tranche")).arg("--database").arg(db).args(args).output().unwrap();
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn json(&self, args: &[&str]) -> Value {
        let run = self.run(args);
        assert!(run.ok, "{args:?}: {}", run.stderr);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", run.stdout))
    }

    fn db(&self) -> String {
        self.dir.path().join("t.db").display().to_string()
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The number of events in the log (`tranche check`).
    fn head(&self) -> String {
        let run = self.run(&["check"]);
        assert!(run.ok, "check: {}", run.stderr);
        run.stdout.split_whitespace().nth(1).unwrap().to_string()
    }
}

fn decimal(value: &Value) -> Decimal {
    value.as_str().unwrap_or_else(|| panic!("not a decimal string: {value}")).parse().unwrap()
}

fn rows(share: &Value) -> &Vec<Value> {
    share["rows"].as_array().unwrap()
}

fn row<'a>(share: &'a Value, party: &str) -> &'a Value {
    rows(share).iter().find(|r| r["party"] == party).unwrap_or_else(|| panic!("no row for {party}"))
}

fn standing_of(share: &Value, party: &str) -> String {
    row(share, party)["standing"].as_str().unwrap().to_string()
}

#[test]
fn fair_shares_on_the_shipped_record() {
    let store = Store::demo();
    let as_of = "2026-11-30";
    let share = store.json(&["funding", "fair-share", "--as-of", as_of, "--json"]);
    let summary = store.json(&["report", "summary", "--as-of", as_of, "--json"]);
    assert_eq!(share["key"]["name"], "gdp-2021");
    for declined in ["CZE", "FRA", "HUN", "ITA", "SVK"] {
        assert_eq!(standing_of(&share, declined), "not-participating", "{declined}");
        assert!(row(&share, declined)["fair_share"].is_null(), "{declined}");
    }
    assert_eq!(row(&share, "ITA")["status"], "deferred");
    for missing in ["ALB", "MNE", "MKD"] {
        assert_eq!(standing_of(&share, missing), "no-key-value", "{missing}");
        assert!(row(&share, missing)["key_value"].is_null());
    }
    for partner in ["AUS", "NZL"] {
        assert_eq!(standing_of(&share, partner), "partner", "{partner}");
        assert!(decimal(&row(&share, partner)["counted"]["EUR"]) > Decimal::ZERO, "{partner}'s money counts");
    }
    for other in ["USA", "UKR", "NATO"] {
        assert_eq!(standing_of(&share, other), "not-contributor", "{other}");
    }
    let carriers: Vec<&Value> = rows(&share).iter().filter(|r| r["standing"] == "carries").collect();
    assert!(carriers.len() >= 20, "{} carriers", carriers.len());
    for currency in ["EUR", "USD"] {
        // The total is the summary's, and the parties' counted money adds up to it exactly.
        let total = decimal(&summary["totals"][currency]);
        assert_eq!(decimal(&share["total"][currency]), total, "{currency}");
        let counted: Decimal = rows(&share).iter().map(|r| decimal(&r["counted"][currency])).sum();
        assert_eq!(counted, total, "counted by party, {currency}");
        // The fair shares add up exactly to the total, and each is the key's proportion of it
        // to within a cent (computed here from the key values, not by the code under test).
        let fair: Decimal = carriers.iter().map(|r| decimal(&r["fair_share"][currency])).sum();
        assert_eq!(fair, total, "fair shares, {currency}");
        let key_sum: Decimal = carriers.iter().map(|r| decimal(&r["key_value"])).sum();
        for carrier in &carriers {
            let exact = total * decimal(&carrier["key_value"]) / key_sum;
            let given = decimal(&carrier["fair_share"][currency]);
            assert!((given - exact).abs() <= Decimal::new(1, 2), "{}: {given} vs {exact}", carrier["party"]);
            let difference = decimal(&carrier["counted"][currency]) - given;
            assert_eq!(decimal(&carrier["difference"][currency]), difference, "{}", carrier["party"]);
        }
    }
    // The record holds announcements only: committed and paid are not reported, not zero.
    assert!(row(&share, "NLD")["committed"].is_null() && row(&share, "NLD")["paid"].is_null());
    let percents: Decimal = carriers.iter().map(|r| decimal(&r["key_percent"])).sum();
    assert!((percents - Decimal::ONE_HUNDRED).abs() < Decimal::new(1, 4), "{percents}");

    // Partners carry a share when included.
    let with_partners = store.json(&["funding", "fair-share", "--as-of", as_of, "--include-partners", "--json"]);
    assert_eq!(standing_of(&with_partners, "AUS"), "carries");
    assert_eq!(standing_of(&with_partners, "NZL"), "carries");

    // Before France declined it carried a share.
    let early = store.json(&["funding", "fair-share", "--as-of", "2025-07-01", "--json"]);
    assert_eq!(standing_of(&early, "FRA"), "carries");
    assert_eq!(standing_of(&early, "HUN"), "not-participating");
}

#[test]
fn an_amount_is_split_in_whole_units_that_sum_exactly() {
    let store = Store::demo();
    let share = store.json(&["funding", "fair-share", "--amount", "500000000", "--currency", "USD", "--json"]);
    assert_eq!(share["amount"], "500000000.00");
    let mut sum = Decimal::ZERO;
    for row in rows(&share) {
        match row["standing"].as_str().unwrap() {
            "carries" => {
                let part = decimal(&row["proposed"]);
                assert_eq!(part.fract(), Decimal::ZERO, "{}: {part} is not whole", row["party"]);
                sum += part;
            }
            _ => assert!(row["proposed"].is_null(), "{} carries nothing", row["party"]),
        }
    }
    assert_eq!(sum, Decimal::from(500_000_000));
    let text = store.run(&["funding", "fair-share", "--amount", "500000000", "--currency", "USD"]);
    assert!(text.ok && text.stdout.contains("Split of USD 500,000,000.00"), "{}", text.stdout);
    assert!(
        text.stdout.contains("No key value in gdp-2021") && text.stdout.contains("ALB, MKD, MNE"),
        "{}",
        text.stdout
    );
    let fractional = store.run(&["funding", "fair-share", "--amount", "100.50", "--currency", "USD"]);
    assert!(
        !fractional.ok && fractional.stderr.contains("must be a positive whole number of USD"),
        "{}",
        fractional.stderr
    );
}

#[test]
fn share_keys_load_as_events_and_bad_key_files_change_nothing() {
    let store = Store::demo();
    let before = store.head();
    let check_refused = |name: &str, text: &str, expect: &str| {
        let file = store.file(name, text);
        let run = store.run(&[
            "--as",
            "coordinator",
            "share-key",
            "import",
            file.to_str().unwrap(),
            "--name",
            "population-2024",
            "--date",
            "2025-01-01",
        ]);
        assert!(!run.ok, "{name} was accepted");
        assert!(run.stderr.contains(expect), "{name}: {}", run.stderr);
        assert_eq!(store.head(), before, "{name} changed the log");
    };
    check_refused(
        "dup.csv",
        "party,value\nNLD,17.9\nDEU,84.5\nNLD,18\n",
        "dup.csv:4: column party: NLD is already given a value on line 2",
    );
    check_refused("neg.csv", "party,value\nNLD,-3\n", "neg.csv:2: column value: value \"-3\" is negative");
    check_refused(
        "text.csv",
        "party,value\r\nNLD,many\r\n",
        "text.csv:2: column value: value \"many\" is not a decimal number",
    );
    check_refused("unknown.csv", "party,value\nXYZ,1\n", "unknown party XYZ");
    let unknown = store.run(&["funding", "fair-share", "--key", "gni-2030"]);
    assert!(
        !unknown.ok && unknown.stderr.contains("unknown share key gni-2030; loaded: gdp-2021"),
        "{}",
        unknown.stderr
    );

    // A contributor may not load a key; the coordinator may, once per name.
    let file = store.file("pop.csv", "party,value\nNLD,17.9\nDEU,84.5\nPOL,36.6\n");
    let path = file.to_str().unwrap();
    let args = ["share-key", "import", path, "--name", "pop-2024", "--date", "2025-01-01"];
    let contributor = store.run(&[&["--as", "contributor:NLD"][..], &args].concat());
    assert!(!contributor.ok && contributor.stderr.contains("not a contributor's to do"), "{}", contributor.stderr);
    let loaded = store.run(&[&["--as", "coordinator"][..], &args].concat());
    assert!(loaded.ok, "{}", loaded.stderr);
    let again = store.run(&[&["--as", "coordinator"][..], &args, &["--command-id", "other"]].concat());
    assert!(!again.ok && again.stderr.contains("share key pop-2024 is already loaded"), "{}", again.stderr);
    let share = store.json(&["funding", "fair-share", "--key", "pop-2024", "--json"]);
    let deu = decimal(&row(&share, "DEU")["key_percent"]);
    let exact = Decimal::from(845) * Decimal::ONE_HUNDRED / Decimal::from(179 + 845 + 366);
    assert!((deu - exact).abs() < Decimal::new(1, 5), "{deu} vs {exact}");
    assert_eq!(standing_of(&share, "BEL"), "no-key-value");
    // A key only declined parties have cannot share anything: said so, not an overflow.
    let declined = store.file("fra.csv", "party,value\nFRA,2500\n");
    let load = [
        "--as",
        "coordinator",
        "share-key",
        "import",
        declined.to_str().unwrap(),
        "--name",
        "fra-only",
        "--date",
        "2025-01-01",
    ];
    assert!(store.run(&load).ok);
    let none = store.run(&["funding", "fair-share", "--key", "fra-only"]);
    assert!(!none.ok && none.stderr.contains("no party that carries a share on"), "{}", none.stderr);
    let endless = store.run(&[
        "--as",
        "coordinator",
        "share-key",
        "import",
        "/dev/zero",
        "--name",
        "zero",
        "--date",
        "2025-01-01",
    ]);
    assert!(!endless.ok && endless.stderr.contains("larger than 1048576 bytes"), "{}", endless.stderr);
    let several = store.run(&["share-key", "list"]);
    assert!(several.stdout.contains("gdp-2021") && several.stdout.contains("pop-2024"), "{}", several.stdout);
}

#[test]
fn the_api_serves_the_same_fair_shares_as_the_command_line() {
    let store = Store::demo();
    let token = store.run(&["token", "create", "--role", "auditor"]).stdout.trim().to_string();
    let served = common::Served::start(&store.db(), &[]);
    let query = "as_of=2026-06-30&amount=500000000&currency=USD&include_partners=true";
    let reply = served.get(&format!("/api/v1/funding/fair-share?{query}"), &token);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let cli = store.json(&[
        "funding",
        "fair-share",
        "--as-of",
        "2026-06-30",
        "--amount",
        "500000000",
        "--currency",
        "USD",
        "--include-partners",
        "--json",
    ]);
    assert_eq!(reply.json(), cli);
    let unknown = served.get("/api/v1/funding/fair-share?key=gni-2030", &token);
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(unknown.body.contains("unknown share key gni-2030"), "{}", unknown.body);
    let half = served.get("/api/v1/funding/fair-share?amount=5", &token);
    assert_eq!(half.status, 400, "{}", half.body);
}

#[test]
fn the_api_serves_the_same_targets_report_as_the_command_line() {
    let store = Store::demo();
    let token = store.run(&["token", "create", "--role", "auditor"]).stdout.trim().to_string();
    let served = common::Served::start(&store.db(), &[]);
    for (query, args) in [
        ("as_of=2026-11-30", vec!["targets", "--as-of", "2026-11-30", "--json"]),
        (
            "as_of=2026-03-31&fair_share_from=2026-04-01",
            vec!["targets", "--as-of", "2026-03-31", "--fair-share-from", "2026-04-01", "--json"],
        ),
    ] {
        let reply = served.get(&format!("/api/v1/targets/report?{query}"), &token);
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.json(), store.json(&args), "{query}");
    }
    let bad = served.get("/api/v1/targets/report?as_of=2026-02-30", &token);
    assert_eq!(bad.status, 400, "{}", bad.body);
}

fn accept(served: &common::Served, token: &str, query: &str, if_match: Option<&str>) -> common::Reply {
    let url = format!("{}/api/v1/funding/proposal/accept?{query}", served.url);
    let mut request = served.agent.post(&url).header("Authorization", &format!("Bearer {token}"));
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    let mut response = request.send("").unwrap();
    let body = response.body_mut().read_to_string().unwrap();
    common::Reply { status: response.status().as_u16(), body }
}

/// The exercise leaves EX-P3 open with USD 350,000,000 to find; the proposal funds it from the
/// committed money left, the API and the command line agree, and accepting writes it once.
#[test]
fn a_funding_proposal_is_served_accepted_once_and_refused_when_stale() {
    let store = Store::demo_with(&["--exercise"]);
    let args = ["funding", "propose", "--as-of", "2026-04-30", "--json"];
    let proposal = store.json(&args);
    let p3 = proposal["packages"].as_array().unwrap().iter().find(|p| p["package"] == "EX-P3").unwrap();
    assert_eq!(p3["need"], "350000000.00");
    assert_eq!(p3["status"], "funded");
    let to_p3: Decimal = proposal["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["package"] == "EX-P3")
        .map(|a| decimal(&a["amount"]))
        .sum();
    assert_eq!(to_p3, Decimal::from(350_000_000));
    let head = proposal["log_head"].as_u64().unwrap();

    let coordinator = store.run(&["token", "create", "--role", "coordinator"]).stdout.trim().to_string();
    let contributor =
        store.run(&["token", "create", "--role", "contributor", "--party", "NLD"]).stdout.trim().to_string();
    let served = common::Served::start(&store.db(), &[]);
    let read = served.get("/api/v1/funding/proposal?as_of=2026-04-30", &coordinator);
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.json(), proposal, "the API's proposal is the command line's");
    let query = "as_of=2026-04-30";
    let tag = format!("\"{head}\"");
    let stale = format!("\"{}\"", head - 1);
    assert_eq!(accept(&served, &contributor, query, Some(&tag)).status, 403);
    assert_eq!(accept(&served, &coordinator, query, None).status, 428);
    let refused = accept(&served, &coordinator, query, Some(&stale));
    assert_eq!(refused.status, 412, "{}", refused.body);
    assert!(refused.body.contains("compute the proposal again"), "{}", refused.body);
    let unchanged = served.get("/api/v1/funding/proposal?as_of=2026-04-30", &coordinator).json();
    assert_eq!(unchanged["log_head"].as_u64(), Some(head), "a refused accept wrote nothing");

    assert_eq!(accept(&served, &coordinator, query, Some(&format!("W/{tag}"))).status, 412, "a weak tag never matches");
    assert_eq!(accept(&served, &coordinator, query, Some(&format!("\"0{head}\""))).status, 400);
    let accepted = accept(&served, &coordinator, query, Some(&tag));
    assert_eq!(accepted.status, 201, "{}", accepted.body);
    let accepted = accepted.json();
    assert_eq!(accepted["allocations"].as_u64(), Some(3));
    assert_eq!(accepted["repeated"], false);
    let again = accept(&served, &coordinator, query, Some(&tag));
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["repeated"], true);
    let packages = served.get("/api/v1/packages", &coordinator).json();
    let p3 = packages.as_array().unwrap().iter().find(|p| p["package"] == "EX-P3").unwrap();
    assert_eq!(p3["state"], "funded", "{p3}");
    drop(served);

    // On the command line: a stale head is refused and writes nothing; the store checks out.
    let stale_cli = store.run(&[
        "--as",
        "coordinator",
        "funding",
        "propose",
        "--as-of",
        "2026-04-30",
        "--accept",
        "--at-head",
        "3",
    ]);
    assert!(!stale_cli.ok && stale_cli.stderr.contains("run `tranche funding propose` again"), "{}", stale_cli.stderr);
    let check = store.run(&["check"]);
    assert!(check.ok, "{}", check.stderr);
}

#[test]
fn accepting_on_the_command_line_writes_the_allocations_once() {
    let store = Store::demo_with(&["--exercise"]);
    let proposal = store.json(&["funding", "propose", "--as-of", "2026-04-30", "--json"]);
    let head = proposal["log_head"].as_u64().unwrap().to_string();
    let accept = ["--as", "coordinator", "funding", "propose", "--as-of", "2026-04-30", "--accept", "--at-head", &head];
    let first = store.run(&accept);
    assert!(first.ok && first.stdout.contains("accepted: 3 allocations"), "{} {}", first.stdout, first.stderr);
    let unreviewed = store.run(&["--as", "coordinator", "funding", "propose", "--as-of", "2026-04-30", "--accept"]);
    assert!(!unreviewed.ok && unreviewed.stderr.contains("--at-head"), "{}", unreviewed.stderr);
    let again = store.run(&accept);
    assert!(again.ok && again.stdout.contains("already accepted"), "{} {}", again.stdout, again.stderr);
    let after = store.json(&["funding", "propose", "--as-of", "2026-04-30", "--json"]);
    assert!(
        after["packages"].as_array().unwrap().iter().all(|p| p["package"] != "EX-P3"),
        "EX-P3 is funded and no longer open: {after}"
    );
}

/// The README's examples are real output: every line of each quoted block (but the elisions
/// and the lines shortened with " ...") is a line the command prints today.
#[test]
fn the_readme_shows_real_output() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let block_after = |intro: &str| -> Vec<String> {
        let start = readme.find(intro).unwrap_or_else(|| panic!("the README has no {intro:?}"));
        let fence = start + readme[start..].find("```\n").unwrap() + 4;
        let end = fence + readme[fence..].find("```").unwrap();
        readme[fence..end].lines().map(str::to_string).collect()
    };
    let check = |store: &Store, intro: &str, args: &[&str]| {
        let run = store.run(args);
        assert!(run.ok, "{args:?}: {}", run.stderr);
        let printed: Vec<&str> = run.stdout.lines().collect();
        for line in block_after(intro) {
            if line.trim() == "..." || line.ends_with(" ...") || line.is_empty() {
                continue;
            }
            assert!(
                printed.contains(&line.as_str()),
                "README line not printed by {args:?}:\n{line}\n---\n{}",
                run.stdout
            );
        }
    };
    let record = Store::demo();
    check(&record, "`tranche targets --as-of 2026-03-01` on the shipped record", &["targets", "--as-of", "2026-03-01"]);
    check(
        &record,
        "`tranche funding fair-share --as-of 2026-03-01 --amount 500000000 --currency USD` on the shipped",
        &["funding", "fair-share", "--as-of", "2026-03-01", "--amount", "500000000", "--currency", "USD"],
    );
    let exercise = Store::demo_with(&["--exercise"]);
    check(
        &exercise,
        "`tranche funding propose` (here on the exercise",
        &["funding", "propose", "--as-of", "2026-04-30"],
    );
}
