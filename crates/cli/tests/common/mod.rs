//! What the multi-process tests share: a fresh PostgreSQL schema per test, `tranche` runs, and
//! `tranche serve` processes driven over HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Runs `tranche --database DATABASE ARGS`, which must succeed; returns its stdout.
pub fn tranche(database: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tranche")).arg("--database").arg(database).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A URL naming a fresh schema of the test server, or `None` (with a one-line notice) when no
/// server answers and `TRANCHE_REQUIRE_POSTGRES=1` is not set.
pub fn fresh_postgres(name: &str) -> Option<String> {
    let base = std::env::var("TRANCHE_TEST_POSTGRES")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".to_string());
    let mut admin = match postgres::Client::connect(&base, postgres::NoTls) {
        Ok(client) => client,
        Err(error) if std::env::var("TRANCHE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
            panic!("TRANCHE_REQUIRE_POSTGRES=1 but PostgreSQL does not answer at {base}: {error}")
        }
        Err(error) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "notice: skipping a PostgreSQL test ({name}): {error}");
            return None;
        }
    };
    // Schemas that earlier runs left go first (test binaries run one at a time; this one's
    // schemas end in its process id).
    static CLEANED: std::sync::Once = std::sync::Once::new();
    CLEANED.call_once(|| {
        let mine = format!("%\\_{}", std::process::id());
        let old = admin
            .query(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tranche\\_cli\\_%' AND nspname NOT LIKE $1",
                &[&mine],
            )
            .unwrap();
        for row in old {
            admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", row.get::<_, String>(0))).unwrap();
        }
    });
    let schema = format!("tranche_cli_{name}_{}", std::process::id());
    admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
    let field = |key: &str, default: &'static str| {
        base.split_whitespace().find_map(|kv| kv.strip_prefix(key)).map(str::to_string).unwrap_or(default.into())
    };
    let (host, port, user, db) =
        (field("host=", "127.0.0.1"), field("port=", "5432"), field("user=", "postgres"), field("dbname=", "test"));
    Some(format!("postgres://{user}@{host}:{port}/{db}?options=-c%20search_path%3D{schema}"))
}

/// One `tranche serve` process on port 0; killed (SIGKILL) when dropped.
pub struct Served {
    pub child: Child,
    pub url: String,
    pub agent: ureq::Agent,
}

pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Starts `tranche --database DATABASE serve --listen 127.0.0.1:0 EXTRA` and reads the URL it
/// prints first.
pub fn serve(database: &str, extra: &[&str]) -> (Child, String) {
    // The server's log goes to a file (a pipe nobody reads would fill and stall it), read back
    // only when the server does not start.
    static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let number = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let log = std::env::temp_dir().join(format!("tranche-serve-{}-{number}.log", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_tranche"))
        .args(["--database", database, "serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let Some(url) = line.trim().strip_prefix("listening on ").map(str::to_string) else {
        let status = child.wait().ok();
        let stderr = std::fs::read_to_string(&log).unwrap_or_default();
        panic!("the server did not start: first line {line:?}, exit {status:?}, stderr:\n{stderr}");
    };
    let _ = std::fs::remove_file(&log);
    (child, url)
}

/// The stored idempotency records by the client's key: (first event, event count).
pub fn stored_commands(store: &dyn tranche_store::Store) -> std::collections::HashMap<String, (u64, u32)> {
    let rows = store.command_rows().unwrap().into_iter();
    rows.map(|row| (client_key(&row.command_id).to_string(), (row.first_seq, row.event_count))).collect()
}

/// The client's idempotency key in a stored command id: the API scopes keys per actor as
/// `<actor>/<key>` (roles hold no '/').
pub fn client_key(command_id: &str) -> &str {
    command_id.split_once('/').map_or(command_id, |(_, key)| key)
}

impl Served {
    pub fn start(database: &str, extra: &[&str]) -> Served {
        let (child, url) = serve(database, &[&["--rate-limit", "1000000"], extra].concat());
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build()
            .into();
        Served { child, url, agent }
    }

    fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<Reply, ureq::Error> {
        let mut response = response?;
        let body = response.body_mut().read_to_string()?;
        Ok(Reply { status: response.status().as_u16(), body })
    }

    pub fn get(&self, path: &str, token: &str) -> Reply {
        let request =
            self.agent.get(&format!("{}{path}", self.url)).header("Authorization", &format!("Bearer {token}"));
        Served::reply(request.call()).unwrap()
    }

    /// A command; `Err` when the connection failed (the server is gone).
    pub fn post(&self, token: &str, key: &str, command: &serde_json::Value) -> Result<Reply, ureq::Error> {
        let body = serde_json::json!({ "command": command }).to_string();
        let request = self
            .agent
            .post(&format!("{}/api/v1/commands", self.url))
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json")
            .header("Authorization", &format!("Bearer {token}"));
        Served::reply(request.send(&body))
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill();
    }
}
