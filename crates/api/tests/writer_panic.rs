//! A panic in the writer fails only its batch: the real writer and server, in process, on a
//! SQLite store wrapped so that appending a marked command panics (after the ledger has applied
//! it in memory, so its state is half-applied when the panic strikes).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use tranche_core::auth::Role;
use tranche_core::{CommandId, Event, JournalEntry, Pledge, RateQuote, RateTable};
use tranche_store::{
    AnyStore, Batch, Ledger, SqliteStore, Store, StoreError, StoredCommand, StoredCommandRow, StoredEvent, StoredToken,
};

/// A store that panics on appending a batch with a command id containing `PANIC`; one with
/// `FATAL` also breaks every later replay, so the writer cannot recover.
struct Panicky {
    inner: SqliteStore,
    broken: Arc<AtomicBool>,
}

impl Store for Panicky {
    fn head(&self) -> Result<u64, StoreError> {
        self.inner.head()
    }
    fn command(&self, id: &CommandId) -> Result<Option<StoredCommand>, StoreError> {
        self.inner.command(id)
    }
    fn append(&mut self, batch: &Batch) -> Result<(), StoreError> {
        let marked = |mark: &str| batch.commands.iter().any(|c| c.command_id.as_str().contains(mark));
        if marked("FATAL") {
            self.broken.store(true, Ordering::SeqCst);
        }
        if marked("PANIC") || marked("FATAL") {
            panic!("a test panic while appending");
        }
        self.inner.append(batch)
    }
    fn append_stream(
        &mut self,
        expected_head: Option<u64>,
        write: bool,
        next: &mut tranche_store::NextBatch<'_>,
    ) -> Result<u64, StoreError> {
        self.inner.append_stream(expected_head, write, next)
    }
    fn replay(&self, visit: &mut dyn FnMut(u64, Event) -> Result<(), StoreError>) -> Result<u64, StoreError> {
        assert!(!self.broken.load(Ordering::SeqCst), "a test panic while replaying");
        self.inner.replay(visit)
    }
    fn put_rates(&mut self, quotes: &[RateQuote]) -> Result<usize, StoreError> {
        self.inner.put_rates(quotes)
    }
    fn rates(&self) -> Result<RateTable, StoreError> {
        self.inner.rates()
    }
    fn rate_count(&self) -> Result<u64, StoreError> {
        self.inner.rate_count()
    }
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        self.inner.events_after(after, limit)
    }
    fn rebuild_projections(
        &mut self,
        postings: &[(u64, Vec<JournalEntry>)],
        pledges: &[&Pledge],
    ) -> Result<(), StoreError> {
        self.inner.rebuild_projections(postings, pledges)
    }
    fn projection_dump(&self) -> Result<Vec<String>, StoreError> {
        self.inner.projection_dump()
    }
    fn projections_differ(
        &self,
        postings: &[(u64, Vec<JournalEntry>)],
        pledges: &[&Pledge],
    ) -> Result<Option<String>, StoreError> {
        self.inner.projections_differ(postings, pledges)
    }
    fn log_secret(&self) -> [u8; 32] {
        self.inner.log_secret()
    }
    fn leaf_hashes(&self, after: u64, limit: usize) -> Result<Vec<(u64, tranche_log::Hash)>, StoreError> {
        self.inner.leaf_hashes(after, limit)
    }
    fn put_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StoreError> {
        self.inner.put_checkpoint(size, note)
    }
    fn checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError> {
        self.inner.checkpoints()
    }
    fn put_cosignature(&mut self, size: u64, witness: &str, line: &str) -> Result<(), StoreError> {
        self.inner.put_cosignature(size, witness, line)
    }
    fn cosignatures(&self, size: u64) -> Result<Vec<(String, String)>, StoreError> {
        self.inner.cosignatures(size)
    }
    fn command_rows(&self) -> Result<Vec<StoredCommandRow>, StoreError> {
        self.inner.command_rows()
    }
    fn restore_rows(
        &mut self,
        rates: &[(String, String, String)],
        commands: &[StoredCommandRow],
        events: &[StoredEvent],
        secret: Option<[u8; 32]>,
    ) -> Result<(), StoreError> {
        self.inner.restore_rows(rates, commands, events, secret)
    }
    fn insert_token(&mut self, token: &StoredToken) -> Result<(), StoreError> {
        self.inner.insert_token(token)
    }
    fn token(&self, token_id: &str) -> Result<Option<StoredToken>, StoreError> {
        self.inner.token(token_id)
    }
    fn revoke_token(&mut self, token_id: &str) -> Result<bool, StoreError> {
        self.inner.revoke_token(token_id)
    }
}

struct Server {
    url: String,
    token: String,
    path: std::path::PathBuf,
    agent: ureq::Agent,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: u16,
    body: Value,
}

impl Server {
    /// A fresh store with an admin token, served on a port of its own by a runtime on a thread
    /// of its own (left running when the test ends, with the process).
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tranche.db");
        let mut store = SqliteStore::open(&path).unwrap();
        let token = tranche_api::tokens::issue(Role::Admin, None).unwrap();
        store.insert_token(&token.stored).unwrap();
        let writes: AnyStore = Box::new(Panicky { inner: store, broken: Arc::default() });
        let reads: AnyStore = Box::new(SqliteStore::open(&path).unwrap());
        let (address, listening) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                address.send(listener.local_addr().unwrap()).unwrap();
                let ledger = Ledger::open(writes).unwrap();
                let log = tranche_api::log::LogConfig { signer: None, witnesses: Vec::new() };
                tranche_api::serve(listener, ledger, reads, tranche_api::Limits::default(), log).await.unwrap();
            });
        });
        let url = tranche_api::local_url(listening.recv().unwrap());
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build()
            .into();
        Server { url, token: token.text, path, agent, _dir: dir }
    }

    fn reply(response: ureq::http::Response<ureq::Body>) -> Reply {
        let status = response.status().as_u16();
        let text = response.into_body().read_to_string().unwrap();
        Reply { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
    }

    /// Registers party `party` under the idempotency key `key`.
    fn register(&self, key: &str, party: &str) -> Reply {
        let command = json!({"command": {"type": "register-party", "party": {
            "id": party, "name": "Zed", "kind": "state", "role": "contributor", "gdp_2021_bn_eur": null}}});
        let request = self
            .agent
            .post(&format!("{}/api/v1/commands", self.url))
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json");
        Server::reply(request.send(command.to_string()).unwrap())
    }

    fn get(&self, path: &str) -> Reply {
        Server::reply(self.agent.get(&format!("{}{path}", self.url)).call().unwrap())
    }

    /// The parties a fresh replay of the store holds, after checking it agrees with the
    /// projections.
    fn stored_parties(&self) -> Vec<String> {
        let store = SqliteStore::open(&self.path).unwrap();
        assert_eq!(tranche_store::replay_and_compare(&store).unwrap(), None, "the projections differ from a replay");
        let ledger = Ledger::open(store).unwrap();
        let mut parties: Vec<String> = ledger.state().parties.keys().map(|p| p.to_string()).collect();
        parties.sort();
        parties
    }
}

fn check(reply: &Reply, status: u16, kind: Option<&str>) {
    assert_eq!(reply.status, status, "{}", reply.body);
    if let Some(kind) = kind {
        assert_eq!(reply.body["type"], format!("urn:tranche:problem:{kind}"), "{}", reply.body);
    }
}

#[test]
fn a_panic_in_the_writer_fails_its_batch_alone_and_the_writer_goes_on() {
    let server = Server::start();
    check(&server.register("k1", "ZZA"), 201, None);
    check(&server.register("k2-PANIC", "ZZB"), 500, Some("internal"));
    check(&server.register("k3", "ZZC"), 201, None);
    check(&server.get("/readyz"), 200, None);
    // The same panic again, and a repeat of an accepted write: still answered.
    check(&server.register("k2-PANIC", "ZZB"), 500, Some("internal"));
    let repeat = server.register("k3", "ZZC");
    check(&repeat, 200, None);
    assert_eq!(repeat.body["first_seq"], 2, "the half-applied event was not kept: {}", repeat.body);
    check(&server.register("k4", "ZZD"), 201, None);
    let parties = server.get("/api/v1/parties").body;
    let ids: Vec<&str> = parties.as_array().unwrap().iter().map(|p| p["party"].as_str().unwrap()).collect();
    assert!(!ids.contains(&"ZZB") && ids.contains(&"ZZD"), "{ids:?}");
    assert_eq!(server.stored_parties(), ["ZZA", "ZZC", "ZZD"]);
}

/// `/readyz` once it no longer says ready: the writer answers a batch before it tries to
/// recover, and stops only when that panics too (at most 5 s).
fn readiness_once_stopped(server: &Server) -> Reply {
    for _ in 0..500 {
        let reply = server.get("/readyz");
        if reply.status != 200 {
            return reply;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("/readyz still says ready after the writer stopped");
}

#[test]
fn a_writer_that_cannot_recover_stops_and_readiness_says_so() {
    let server = Server::start();
    check(&server.register("k1", "ZZA"), 201, None);
    check(&server.register("k2-FATAL", "ZZB"), 500, Some("internal"));
    let ready = readiness_once_stopped(&server);
    check(&ready, 503, Some("unavailable"));
    assert!(ready.body["detail"].as_str().unwrap().contains("writer is not running"), "{}", ready.body);
    check(&server.register("k3", "ZZC"), 503, Some("unavailable"));
}
