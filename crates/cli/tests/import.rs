//! `tranche import`: every rejection names the physical line it is on (LF and CRLF files, rows
//! spanning lines), and `--dry-run` reports what would change and writes nothing.

use std::process::Command;

const HEADER: &str = "record_id,date,kind,parties,amount,currency,package,supersedes,confidence,status,note,source_url";

struct Store {
    _dir: tempfile::TempDir,
    path: String,
}

impl Store {
    fn demo() -> Store {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("import.db").to_str().unwrap().to_string();
        let store = Store { _dir: dir, path };
        store.ok(&["demo", "--no-serve"]);
        store
    }

    fn empty() -> Store {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.db").to_str().unwrap().to_string();
        Store { _dir: dir, path }
    }

    fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out =
            Command::new(env!("CARGO_BIN_EXE_tranche")).arg("--database").arg(&self.path).args(args).output().unwrap();
        (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    }

    /// Runs with imports read, decided and written `rows` rows at a time.
    fn run_in_chunks(&self, rows: usize, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_tranche"))
            .env("TRANCHE_IMPORT_CHUNK_ROWS", rows.to_string())
            .arg("--database")
            .arg(&self.path)
            .args(args)
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    }

    /// What a store holds, as the command line reports it: the replay check (event count and
    /// head), the log written back as a record, the pledges and the balances.
    fn contents(&self) -> Vec<String> {
        [
            vec!["check"],
            vec!["export", "record"],
            vec!["export", "json", "pledges"],
            vec!["report", "balances"],
            vec!["report", "summary", "--json", "--as-of", "2026-11-26"],
        ]
        .iter()
        .map(|args| self.ok(args))
        .collect()
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, stdout, stderr) = self.run(args);
        assert!(ok, "{args:?} failed: {stderr}");
        stdout
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self._dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }

    /// The number of events in the log, as `check` replays it.
    /// How many signed checkpoints the store keeps (the demo leaves a key beside it).
    fn checkpoints(&self) -> i64 {
        let connection = rusqlite::Connection::open(&self.path).unwrap();
        connection.query_row("SELECT COUNT(*) FROM checkpoints", [], |row| row.get(0)).unwrap()
    }

    fn events(&self) -> u64 {
        let out = self.ok(&["check"]);
        let count = out.strip_prefix("ok: ").and_then(|rest| rest.split(' ').next()).unwrap_or_else(|| panic!("{out}"));
        count.parse().unwrap()
    }
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// The `file:line` of every `rejected:` line on stderr, in order.
fn rejected_lines(stderr: &str) -> Vec<u64> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("rejected: "))
        .map(|l| l.split(':').nth(1).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn a_rejection_names_the_physical_line_in_lf_and_crlf_files() {
    let store = Store::demo();
    // Line 2: a party nobody registered (a rejection by the domain, after parsing). Line 3 is
    // valid; line 4 starts a row whose note spans two lines; line 6 has a negative amount (a
    // parse rejection); line 7 a party nobody registered again.
    let text = format!(
        "{HEADER}\n\
         L1,2025-08-10,pledge,ZZZ,1000,EUR,,,confirmed,announced,first data row,https://example.org/1\n\
         L2,2025-08-11,pledge,NLD,1000,EUR,,,confirmed,announced,valid,https://example.org/2\n\
         L3,2025-08-12,pledge,DEU,1000,EUR,,,confirmed,announced,\"a note\nover two lines\",https://example.org/3\n\
         L4,2025-08-13,pledge,DEU,-5,EUR,,,confirmed,announced,negative,https://example.org/4\n\
         L5,2025-08-14,pledge,ZZY,1000,EUR,,,confirmed,announced,last,https://example.org/5\n"
    );
    let before = store.events();
    for (name, body) in [("lf.csv", text.clone()), ("crlf.csv", crlf(&text))] {
        let path = store.file(name, &body);
        let (ok, _, stderr) = store.run(&["import", "record", &path]);
        assert!(!ok, "{name}: an invalid file must be refused");
        assert_eq!(rejected_lines(&stderr), vec![2, 6, 7], "{name}: {stderr}");
        assert!(stderr.contains(&format!("{path}:2: record L1: unknown party ZZZ")), "{name}: {stderr}");
        assert!(stderr.contains("nothing was imported"), "{name}: {stderr}");
    }
    assert_eq!(store.events(), before, "a refused import wrote nothing");
}

#[test]
fn dry_run_reports_what_would_change_and_writes_nothing() {
    let store = Store::demo();
    let text = format!(
        "{HEADER}\n\
         D1,2025-08-10,pledge,NLD,1000,EUR,,,confirmed,announced,one,https://example.org/1\n\
         D2,2025-08-11,pledge,DEU,2000,EUR,,,confirmed,committed,two,https://example.org/2\n"
    );
    let path = store.file("dry.csv", &text);
    let before = store.events();
    let summary = store.ok(&["report", "summary", "--json", "--as-of", "2026-01-01"]);
    // No checkpoint of the head yet: a write would sign one, a dry run must not.
    rusqlite::Connection::open(&store.path).unwrap().execute("DELETE FROM checkpoints", []).unwrap();

    let out = store.ok(&["import", "record", "--dry-run", &path]);
    assert!(
        out.contains("2 rows would be imported, 0 already imported, 0 rejected (dry run: nothing was written)"),
        "{out}"
    );
    assert_eq!(store.events(), before);
    assert_eq!(store.checkpoints(), 0, "a dry run signs no checkpoint");
    assert_eq!(store.ok(&["report", "summary", "--json", "--as-of", "2026-01-01"]), summary);

    let out = store.ok(&["import", "record", &path]);
    assert!(out.contains("2 rows imported, 0 already imported, 0 rejected"), "{out}");
    let after = store.events();
    assert!(after > before, "the real import writes");
    assert_eq!(store.checkpoints(), 1, "and signs its head");
    assert_ne!(store.ok(&["report", "summary", "--json", "--as-of", "2026-01-01"]), summary);

    // A second dry run sees the rows as already imported.
    let out = store.ok(&["import", "record", "--dry-run", &path]);
    assert!(out.contains("0 rows would be imported, 2 already imported"), "{out}");
    assert_eq!(store.events(), after);

    // A dry run of an invalid file says so, as the real import would, and writes nothing.
    let bad = store.file(
        "bad.csv",
        &format!("{HEADER}\nD3,2025-08-12,pledge,ZZZ,1,EUR,,,confirmed,announced,x,https://example.org/3\n"),
    );
    let (ok, _, stderr) = store.run(&["import", "record", "--dry-run", &bad]);
    assert!(!ok);
    assert!(stderr.contains("nothing would be imported"), "{stderr}");
    assert_eq!(store.events(), after);
}

#[test]
fn dry_runs_of_rates_and_parties_write_nothing() {
    let store = Store::empty();
    let repo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/");
    let rates = format!("{repo}ecb-eurofxref-2024-2026.csv");
    let parties = format!("{repo}parties.csv");

    let out = store.ok(&["import", "parties", "--dry-run", &parties]);
    let count = std::fs::read_to_string(&parties).unwrap().lines().skip(1).filter(|l| !l.trim().is_empty()).count();
    assert!(out.contains(&format!("{count} parties, {count} new, 0 already registered (dry run")), "{out}");
    assert_eq!(store.events(), 0);
    let out = store.ok(&["import", "parties", &parties]);
    assert!(out.contains(&format!("{count} parties, {count} new")), "{out}");
    assert_eq!(store.events(), count as u64);
    let out = store.ok(&["import", "parties", "--dry-run", &parties]);
    assert!(out.contains(&format!("0 new, {count} already registered (dry run")), "{out}");

    let out = store.ok(&["import", "ecb", "--dry-run", &rates]);
    let new: u64 = out.split(", ").nth(1).and_then(|s| s.strip_suffix(" new")).unwrap().parse().unwrap();
    assert!(new > 0 && out.contains("0 already loaded (dry run"), "{out}");
    let out = store.ok(&["import", "ecb", &rates]);
    assert!(out.contains(&format!(", {new} new, 0 already loaded")), "dry run and import agree: {out}");
    let out = store.ok(&["import", "ecb", "--dry-run", &rates]);
    assert!(out.contains(&format!(", 0 new, {new} already loaded (dry run")), "{out}");
}

#[test]
fn an_import_is_issued_by_its_role_and_authorised_as_that_roles_commands() {
    let store = Store::demo();
    let deu = store.file(
        "deu.csv",
        &format!("{HEADER}\nW1,2026-05-01,pledge,DEU,5000000000,EUR,,,confirmed,committed,x,https://example.org/w1\n"),
    );
    let nld = store.file(
        "nld.csv",
        &format!("{HEADER}\nW2,2026-05-01,pledge,NLD,1000,EUR,,,confirmed,announced,x,https://example.org/w2\n"),
    );
    let before = store.events();
    for (role, file) in
        [("public", &deu), ("auditor", &deu), ("supplier", &deu), ("contributor:NLD", &deu), ("contributor:DEU", &nld)]
    {
        for dry in [true, false] {
            let mut args = vec!["--as", role, "import", "record", file.as_str()];
            if dry {
                args.push("--dry-run");
            }
            let (ok, out, stderr) = store.run(&args);
            assert!(!ok, "{args:?} must be refused: {out}");
            assert!(
                stderr.contains(role.split(':').next().unwrap()) || stderr.contains("may not"),
                "{args:?}: {stderr}"
            );
        }
    }
    for role in ["public", "contributor:NLD", "auditor"] {
        let rates = store.file("rates.csv", "Date,USD\n2026-11-30,1.17\n");
        let (ok, _, stderr) = store.run(&["--as", role, "import", "ecb", &rates]);
        assert!(!ok && stderr.contains("may not"), "{role}: {stderr}");
    }
    assert_eq!(store.events(), before, "nothing refused was written");

    // A contributor imports its own pledge; the event names it as the actor.
    let out = store.ok(&["--as", "contributor:NLD", "import", "record", &nld]);
    assert!(out.contains("1 rows imported"), "{out}");
    assert_eq!(store.events(), before + 1);
}

/// A record of `rows` pledges by registered parties: every fifth committed, and from row 14 on
/// every seventh superseding the same party's row seven before it (chunks before, when small).
fn many_rows(rows: usize) -> String {
    let parties = ["NLD", "DEU", "NOR", "SWE", "DNK", "CAN", "POL"];
    let mut text = format!("{HEADER}\n");
    for i in 0..rows {
        let status = if i % 5 == 0 { "committed" } else { "announced" };
        let supersedes = if i >= 14 && i % 7 == 0 { format!("C{}", i - 7) } else { String::new() };
        let party = parties[i % parties.len()];
        text.push_str(&format!(
            "C{i},2025-{:02}-{:02},pledge,{party},{},EUR,,{supersedes},confirmed,{status},,\n",
            1 + i / 28,
            1 + i % 28,
            1000 + i
        ));
    }
    text
}

#[test]
fn a_file_of_many_chunks_imports_what_one_chunk_does() {
    let text = many_rows(40);
    let (whole, chunked) = (Store::demo(), Store::demo());
    let (ok, out, stderr) = whole.run_in_chunks(1_000, &["import", "record", &whole.file("many.csv", &text)]);
    assert!(ok, "{stderr}");
    assert!(out.contains("40 rows imported, 0 already imported, 0 rejected"), "{out}");
    let (ok, out, stderr) = chunked.run_in_chunks(3, &["import", "record", &chunked.file("many.csv", &text)]);
    assert!(ok, "{stderr}");
    assert!(out.contains("40 rows imported, 0 already imported, 0 rejected"), "{out}");
    assert_eq!(chunked.contents(), whole.contents());
    // Again, in chunks: every row is already imported and nothing is written.
    let before = chunked.events();
    let (ok, out, _) = chunked.run_in_chunks(3, &["import", "record", &chunked.file("many.csv", &text)]);
    assert!(ok && out.contains("0 rows imported, 40 already imported, 0 rejected"), "{out}");
    assert_eq!(chunked.events(), before);
}

#[test]
fn a_rejected_row_chunks_into_the_file_leaves_the_store_as_it_was() {
    let store = Store::demo();
    let mut text = many_rows(30);
    // Line 29 (the 28th row, the tenth chunk of three) names a party nobody registered.
    text = text.replace("C27,2025-01-28,pledge,POL", "C27,2025-01-28,pledge,ZZZ");
    let path = store.file("late.csv", &text);
    let before = store.contents();
    let (ok, _, stderr) = store.run_in_chunks(3, &["import", "record", &path]);
    assert!(!ok, "an invalid row fails the import");
    assert_eq!(rejected_lines(&stderr), vec![29], "{stderr}");
    assert!(stderr.contains("late.csv:29: record C27: unknown party ZZZ"), "{stderr}");
    assert!(stderr.contains("1 invalid rows; nothing was imported"), "{stderr}");
    assert_eq!(store.contents(), before, "nothing of the nine chunks before it was kept");

    // With --skip-invalid the other rows land, in chunks, and the row is named all the same.
    let (ok, out, stderr) = store.run_in_chunks(3, &["import", "record", &path, "--skip-invalid"]);
    assert!(ok, "{stderr}");
    assert_eq!(rejected_lines(&stderr), vec![29], "{stderr}");
    assert!(out.contains("29 rows imported, 0 already imported, 1 rejected"), "{out}");
}

#[test]
fn a_supersedes_naming_a_later_chunk_is_refused_with_the_later_line() {
    let store = Store::demo();
    let text = format!(
        "{HEADER}\n\
         F1,2025-08-10,pledge,NLD,1000,EUR,,F5,confirmed,announced,,\n\
         F2,2025-08-10,pledge,NLD,1000,EUR,,,confirmed,announced,,\n\
         F3,2025-08-10,pledge,NLD,1000,EUR,,,confirmed,announced,,\n\
         F4,2025-08-10,pledge,NLD,1000,EUR,,,confirmed,announced,,\n\
         F5,2025-08-10,pledge,NLD,1000,EUR,,,confirmed,announced,,\n\
         F2,2025-08-11,pledge,DEU,1000,EUR,,,confirmed,announced,,\n"
    );
    let path = store.file("ahead.csv", &text);
    for rows in [1, 2, 100] {
        let (ok, _, stderr) = store.run_in_chunks(rows, &["import", "record", &path]);
        assert!(!ok);
        assert!(
            stderr.contains("ahead.csv:2: column supersedes: supersedes F5, which comes later in the file (line 6)"),
            "chunks of {rows}: {stderr}"
        );
        assert!(stderr.contains("ahead.csv:7: column record_id: duplicate record id F2 (first on line 3)"), "{stderr}");
    }
}

#[test]
fn a_chunk_size_out_of_range_is_refused_by_name() {
    let store = Store::demo();
    let path = store.file("one.csv", &many_rows(1));
    for rows in [0, 10_000_000] {
        let (ok, _, stderr) = store.run_in_chunks(rows, &["import", "record", &path]);
        assert!(!ok && stderr.contains("TRANCHE_IMPORT_CHUNK_ROWS"), "{stderr}");
    }
}

#[test]
fn an_import_crossing_the_snapshot_interval_ends_with_a_snapshot_that_check_compares() {
    let store = Store::demo();
    let path = store.file("many.csv", &many_rows(40));
    let out = Command::new(env!("CARGO_BIN_EXE_tranche"))
        .env("TRANCHE_SNAPSHOT_EVERY", "50")
        .env("TRANCHE_IMPORT_CHUNK_ROWS", "7")
        .args(["--database", &store.path, "import", "record", &path])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let head = store.events();
    assert!(head > 100, "the demo's events and 40 rows cross 100");
    let rows = tranche_store::SqliteStore::open(std::path::Path::new(&store.path)).unwrap();
    let kept: Vec<u64> = tranche_store::Store::snapshots(&rows).unwrap().iter().map(|row| row.seq).collect();
    assert_eq!(kept, vec![head], "one snapshot, at the end of the import, not one per chunk");
    let check = store.ok(&["check"]);
    assert!(check.contains(&format!("the snapshot at event {head} equals its replay")), "{check}");
    let summary = store.ok(&["report", "summary", "--json"]);

    // Damaged bytes: opening ignores it with a notice and replays; check names it.
    let mut rows = rows;
    let mut row = tranche_store::Store::snapshots(&rows).unwrap().remove(0);
    let last = row.payload.len() - 1;
    row.payload[last] ^= 0x55;
    tranche_store::Store::put_snapshot(&mut rows, &row).unwrap();
    drop(rows);
    let (ok, again, stderr) = store.run(&["report", "summary", "--json"]);
    assert!(ok, "{stderr}");
    assert_eq!(again, summary, "the replay gives what the snapshot gave");
    assert!(stderr.contains(&format!("the snapshot at event {head} is ignored")), "{stderr}");
    let (ok, _, stderr) = store.run(&["check"]);
    assert!(!ok && stderr.contains(&format!("the snapshot at event {head}")), "{stderr}");

    // `tranche snapshot` writes a good one at the head again.
    assert_eq!(store.ok(&["snapshot"]).trim(), format!("snapshot written at event {head}"));
    assert!(store.ok(&["check"]).contains("equals its replay"));
}

#[test]
fn a_file_whose_lines_end_in_cr_alone_is_refused_by_name() {
    let store = Store::demo();
    let before = store.contents();
    let text = format!("{HEADER}\rC1,2025-08-01,pledge,NLD,1000,EUR,,,confirmed,announced,,\r");
    let (ok, _, stderr) = store.run(&["import", "record", &store.file("cr.csv", &text)]);
    assert!(!ok, "a file read as one header line must not import nothing silently");
    assert!(stderr.contains("cr.csv:1") && stderr.contains("CR alone"), "{stderr}");
    assert_eq!(store.contents(), before);
}
