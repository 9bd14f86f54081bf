//! The verifiable log end to end with the real binary: `tranche verify` passes on the demo
//! store and fails, naming where, on each tampered copy (a changed byte, a deleted event, two
//! events swapped, events and leaf hashes rewritten together, a forked history); and a witness
//! cosigns a running server's checkpoints, then refuses a fork.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

fn tranche(db: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tranche"));
    command.arg("--database").arg(db);
    command
}

fn run(db: &Path, args: &[&str]) -> Output {
    tranche(db).args(args).output().unwrap()
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A pledge of EUR 1,000 by `party` on 2026-03-01: one more event in the log.
fn announce(db: &Path, pledge: &str, party: &str) {
    ok(
        db,
        &[
            "pledge",
            "announce",
            pledge,
            "--party",
            party,
            "--amount",
            "1000",
            "--currency",
            "EUR",
            "--date",
            "2026-03-01",
        ],
    );
}

fn fails(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(!out.status.success(), "{args:?} should fail: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr).unwrap()
}

/// A demo + exercise store with its signing key and one more write (a second checkpoint).
fn demo(dir: &Path) -> (PathBuf, String) {
    let db = dir.join("tranche.db");
    ok(&db, &["demo", "--no-serve", "--exercise"]);
    announce(&db, "R90", "NLD");
    let key = ok(&db, &["key", "public", db.with_extension("db.key").to_str().unwrap()]).trim().to_string();
    (db, key)
}

/// A copy of the store (and its key) with `damage` done to it through SQLite, triggers dropped.
fn tampered(db: &Path, name: &str, damage: &str) -> PathBuf {
    let copy = db.with_file_name(format!("{name}.db"));
    let source = rusqlite::Connection::open(db).unwrap();
    source.execute("VACUUM INTO ?1", [copy.to_str().unwrap()]).unwrap();
    let connection = rusqlite::Connection::open(&copy).unwrap();
    connection
        .execute_batch(&format!(
            "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; \
             DROP TRIGGER log_leaves_no_update; DROP TRIGGER log_leaves_no_delete; {damage}"
        ))
        .unwrap();
    copy
}

#[test]
fn verify_passes_on_the_demo_and_fails_on_every_tampered_copy() {
    let dir = tempfile::tempdir().unwrap();
    let (db, key) = demo(dir.path());
    let out = ok(&db, &["verify", "--key", &key]);
    assert!(out.starts_with("ok: 163 entries"), "{out}");
    assert!(out.contains("2 signed checkpoint(s) checked"), "{out}");

    // One byte of one event: an amount's last digit.
    let amount = tampered(
        &db,
        "byte",
        "UPDATE events SET payload = replace(payload, '\"amount_minor\":50000000000', '\"amount_minor\":50000000001') \
         WHERE seq = (SELECT MIN(seq) FROM events WHERE payload LIKE '%\"amount_minor\":50000000000%');",
    );
    let first = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT MIN(seq) FROM events WHERE payload LIKE '%\"amount_minor\":50000000000%'", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap();
    let error = fails(&amount, &["verify", "--key", &key]);
    assert!(error.contains(&format!("entry {first}: the event does not match its recorded leaf hash")), "{error}");

    // A deleted event.
    let deleted = tampered(&db, "deleted", "DELETE FROM events WHERE seq = 70;");
    let error = fails(&deleted, &["verify", "--key", &key]);
    assert!(error.contains("entry 70: missing"), "{error}");

    // Two events swapped.
    let swapped = tampered(
        &db,
        "swapped",
        "UPDATE events SET seq = -1 WHERE seq = 80; UPDATE events SET seq = 80 WHERE seq = 81; \
         UPDATE events SET seq = 81 WHERE seq = -1;",
    );
    let error = fails(&swapped, &["verify", "--key", &key]);
    assert!(error.contains("entry 80: the event does not match its recorded leaf hash"), "{error}");

    // An event rewritten together with its leaf hash: the signed checkpoints catch it.
    let rewritten =
        tampered(&db, "rewritten", "DELETE FROM events WHERE seq = 163; DELETE FROM log_leaves WHERE seq >= 100;");
    rusqlite::Connection::open(&rewritten)
        .unwrap()
        .execute("UPDATE events SET recorded_at = '2030-01-01T00:00:00.000Z' WHERE seq = 120", [])
        .unwrap();
    // Verify reads a store as it is: leaf hashes missing.
    let error = fails(&rewritten, &["verify", "--key", &key]);
    assert!(error.contains("entry 100: no recorded leaf hash"), "{error}");
    // Any other command recomputes the missing leaf hashes from the (changed) events; then the
    // leaves agree with the events, and the signed checkpoints catch the rewrite.
    ok(&rewritten, &["report", "summary"]);
    let error = fails(&rewritten, &["verify", "--key", &key]);
    assert!(error.contains("checkpoint of size 162: the log's root differs"), "{error}");

    // A forked history signed with the same key: consistent with itself, not with what an ally
    // saved earlier.
    let saved = dir.path().join("saved.note");
    let note = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1", [], |r| r.get::<_, String>(0))
        .unwrap();
    std::fs::write(&saved, note).unwrap();
    ok(&db, &["verify", "--key", &key, "--checkpoint", saved.to_str().unwrap()]);
    let fork_dir = dir.path().join("fork");
    std::fs::create_dir(&fork_dir).unwrap();
    let fork = fork_dir.join("tranche.db");
    std::fs::copy(db.with_extension("db.key"), fork.with_extension("db.key")).unwrap();
    ok(&fork, &["demo", "--no-serve", "--exercise"]);
    announce(&fork, "R91", "DEU");
    ok(&fork, &["verify", "--key", &key]);
    let error = fails(&fork, &["verify", "--key", &key, "--checkpoint", saved.to_str().unwrap()]);
    assert!(error.contains("not consistent with the saved checkpoint of size 163"), "{error}");

    // A key that is not the log's.
    let other = dir.path().join("other.key");
    let other_key = ok(&db, &["key", "generate", "--name", "tranche.local/demo", "--out", other.to_str().unwrap()]);
    let error = fails(&db, &["verify", "--key", other_key.trim()]);
    assert!(error.contains("checkpoint of size 162: no valid signature by tranche.local/demo"), "{error}");
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &Path, witness: &str) -> Server {
    let (child, url) = common::serve(db.to_str().unwrap(), &["--witness", witness]);
    Server { child, url }
}

fn get(url: &str) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    agent.get(url).call().unwrap().body_mut().read_to_string().unwrap()
}

#[test]
fn a_witness_cosigns_a_running_servers_checkpoints_and_refuses_a_fork() {
    let dir = tempfile::tempdir().unwrap();
    let (db, log_key) = demo(dir.path());
    let witness_key = dir.path().join("witness.key");
    let witness =
        ok(&db, &["key", "generate", "--witness", "--name", "witness.example", "--out", witness_key.to_str().unwrap()]);
    let witness = witness.trim();
    let state = dir.path().join("witness.state");
    let server = serve(&db, witness);
    let follow = |url: &str| {
        run(
            &db,
            &[
                "witness",
                "--url",
                url,
                "--log-key",
                &log_key,
                "--key",
                witness_key.to_str().unwrap(),
                "--state",
                state.to_str().unwrap(),
            ],
        )
    };

    let first = follow(&server.url);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stdout).contains("at size 163"));
    let checkpoint = get(&format!("{}/api/v1/log/checkpoint", server.url));
    assert!(checkpoint.contains("\n\u{2014} witness.example "), "{checkpoint}");

    // A write over HTTP: the server signs a new checkpoint within a second or so.
    let token = ok(&db, &["token", "create", "--role", "coordinator"]);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let body = r#"{"command": {"type": "set-target", "target": {"id": "T09", "kind": "cumulative-goal", "amount": {"amount_minor": 100, "currency": "EUR"}, "date": "2026-12-31", "source": {"url": null, "date": "2026-03-01", "confidence": "confirmed"}, "note": null}}}"#;
    let reply = agent
        .post(&format!("{}/api/v1/commands", server.url))
        .header("Authorization", &format!("Bearer {}", token.trim()))
        .header("Idempotency-Key", "t09")
        .content_type("application/json")
        .send(body)
        .unwrap();
    assert_eq!(reply.status(), 201);
    let started = Instant::now();
    while !get(&format!("{}/api/v1/log/checkpoint", server.url)).contains("\n164\n") {
        assert!(started.elapsed() < Duration::from_secs(10), "no checkpoint of size 164 was signed");
        std::thread::sleep(Duration::from_millis(100));
    }
    let second = follow(&server.url);
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    assert!(String::from_utf8_lossy(&second.stdout).contains("at size 164"));
    // Proofs from the store equal the server's.
    for (cli, http) in [
        (vec!["proof", "inclusion", "42", "164"], "proof/inclusion?index=42&size=164"),
        (vec!["proof", "consistency", "100", "164"], "proof/consistency?from=100&to=164"),
    ] {
        let from_store: serde_json::Value = serde_json::from_str(&ok(&db, &cli)).unwrap();
        let from_server: serde_json::Value =
            serde_json::from_str(&get(&format!("{}/api/v1/log/{http}", server.url))).unwrap();
        assert_eq!(from_store, from_server, "{http}");
        assert!(from_store["hashes_b64"].as_array().unwrap().len() >= 7);
    }
    assert_eq!(ok(&db, &["proof", "checkpoint"]), get(&format!("{}/api/v1/log/checkpoint", server.url)));
    let error = fails(&db, &["proof", "inclusion", "164", "164"]);
    assert!(error.contains("index must be below size"), "{error}");
    // Anyone can verify the whole log online against the key, and keep the checkpoint.
    let saved = dir.path().join("ally.note");
    let online = ok(&db, &["verify", "--url", &server.url, "--key", &log_key, "--save", saved.to_str().unwrap()]);
    assert!(online.starts_with("ok: 164 entries"), "{online}");
    drop(server);

    // A forked log under the same key: the witness refuses it and says so.
    let fork = dir.path().join("fork").join("tranche.db");
    std::fs::create_dir_all(fork.parent().unwrap()).unwrap();
    std::fs::copy(db.with_extension("db.key"), fork.with_extension("db.key")).unwrap();
    ok(&fork, &["demo", "--no-serve", "--exercise"]);
    for n in 0..3 {
        announce(&fork, &format!("F{n}"), "DEU");
    }
    let forked = serve(&fork, witness);
    let refused = follow(&forked.url);
    assert!(!refused.status.success());
    let error = String::from_utf8_lossy(&refused.stderr);
    assert!(error.contains("fork: the checkpoint of size 165 is not consistent with the one of size 164"), "{error}");
    assert!(!get(&format!("{}/api/v1/log/checkpoint", forked.url)).contains("witness.example"));
    // The ally's saved checkpoint shows the fork too.
    let error =
        fails(&db, &["verify", "--url", &forked.url, "--key", &log_key, "--checkpoint", saved.to_str().unwrap()]);
    assert!(error.contains("fork: the checkpoint of size 165 is not consistent with the one of size 164"), "{error}");
}

/// `verify --key` takes the private key file `demo` writes beside the store, a file holding the
/// public key, and the public key itself; a file that is neither is refused by name, without
/// repeating its content.
#[test]
fn verify_takes_the_demo_key_file_or_a_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tranche.db");
    ok(&db, &["demo", "--no-serve"]);
    let private = db.with_extension("db.key");
    assert!(std::fs::read_to_string(&private).unwrap().starts_with("PRIVATE+KEY+"));
    let public = ok(&db, &["key", "public", private.to_str().unwrap()]).trim().to_string();
    let public_file = dir.path().join("log.pub");
    std::fs::write(&public_file, format!("{public}\n")).unwrap();
    let by_text = ok(&db, &["verify", "--key", &public]);
    assert!(by_text.starts_with("ok: "), "{by_text}");
    assert_eq!(ok(&db, &["verify", "--key", private.to_str().unwrap()]), by_text);
    assert_eq!(ok(&db, &["verify", "--key", public_file.to_str().unwrap()]), by_text);

    // Another log's private key is a key, but not this log's: the signatures do not verify.
    let other = dir.path().join("other.key");
    ok(&db, &["key", "generate", "--name", "tranche.local/demo", "--out", other.to_str().unwrap()]);
    fails(&db, &["verify", "--key", other.to_str().unwrap()]);

    let neither = dir.path().join("notes.txt");
    std::fs::write(&neither, "secret-looking words\n").unwrap();
    let error = fails(&db, &["verify", "--key", neither.to_str().unwrap()]);
    assert!(error.contains("notes.txt is neither a public key"), "{error}");
    assert!(error.contains("nor a private key file"), "{error}");
    assert!(!error.contains("secret-looking"), "the error repeats the file: {error}");
    let error = fails(&db, &["verify", "--key", "no-such-file.key"]);
    assert!(error.contains("not a file, and not a public key"), "{error}");
}
