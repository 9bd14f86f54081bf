//! The PostgreSQL backend of the `Store` trait: the same tables and the same guarantees as the
//! SQLite store (one transaction per append, append-only events and leaves, idempotency by
//! fingerprint), for a shared service. Text is ordered with `COLLATE "C"` (byte order), as in
//! SQLite, so dumps and comparisons agree across backends.
//!
//! Several writers may share one database: appends take turns on an advisory lock and a batch
//! decided on an older head is refused (`StoreError::Conflict`); the `Ledger` then catches up
//! and decides its commands again.

use std::cell::RefCell;
use std::collections::HashMap;

use postgres::{Client, GenericClient, NoTls, Statement};
use tranche_core::{CommandId, Event, JournalEntry, Pledge, RateQuote, RateTable};

use crate::snapshot::SnapshotRow;
use crate::{Batch, Store, StoreError, StoredCommand, StoredCommandRow, StoredEvent, StoredToken, leaf_of};

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/postgres/0001_init.sql"),
    include_str!("../migrations/postgres/0002_tokens.sql"),
    include_str!("../migrations/postgres/0003_snapshots.sql"),
];

/// The advisory lock key appenders take turns on ("tranche" in ASCII).
const APPEND_LOCK: i64 = 0x0074_7261_6e63_6865;

/// The PostgreSQL store. The `postgres` client blocks on a runtime of its own, so inside an
/// async server (`tranche serve`) each call runs in `block_in_place`; outside one, directly.
pub struct PostgresStore {
    /// Present until dropped (the client's drop blocks too).
    direct: Option<Direct>,
}

impl PostgresStore {
    /// Connects (`postgres://user@host:port/database`, or key=value pairs) and runs any pending
    /// migration.
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        Ok(PostgresStore { direct: Some(blocking(|| Direct::connect(url))?) })
    }

    /// The schema version found at connect and the version now.
    pub fn schema_versions(&self) -> (u32, u32) {
        self.direct().schema_versions()
    }

    fn direct(&self) -> &Direct {
        self.direct.as_ref().expect("the connection is present until dropped")
    }

    fn direct_mut(&mut self) -> &mut Direct {
        self.direct.as_mut().expect("the connection is present until dropped")
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        let direct = self.direct.take();
        blocking(move || drop(direct));
    }
}

impl Store for PostgresStore {
    crate::forward_store!(this => this.direct(), this.direct_mut(), blocking);
}

/// Runs a call that blocks on the client's own runtime: in `block_in_place` when on a worker
/// of a multi-threaded runtime (else the nested runtime would panic), directly elsewhere.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

const HEAD: &str = "SELECT COALESCE(MAX(seq), 0) FROM events";
const LOCK: &str = "SELECT pg_advisory_xact_lock($1)";
const INSERT_COMMANDS: &str = "INSERT INTO commands (command_id, fingerprint, first_seq, event_count) \
     SELECT * FROM unnest($1::text[], $2::bytea[], $3::bigint[], $4::bigint[])";
const INSERT_EVENTS: &str = "INSERT INTO events (seq, command_id, kind, payload, recorded_at, actor) \
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])";
const INSERT_LEAVES: &str = "INSERT INTO log_leaves (seq, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])";
const INSERT_POSTINGS: &str = "INSERT INTO postings (seq, entry, book, account, currency, amount_minor) \
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[])";
const UPSERT_PLEDGES: &str = "INSERT INTO pledge_view (pledge_id, kind, contributor, date, status, currency, \
     announced_minor, committed_minor, paid_minor, package, last_seq) \
     SELECT *, $11::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
     $7::bigint[], $8::bigint[], $9::bigint[], $10::text[]) \
     ON CONFLICT (pledge_id) DO UPDATE SET kind = excluded.kind, contributor = excluded.contributor, \
     date = excluded.date, status = excluded.status, currency = excluded.currency, \
     announced_minor = excluded.announced_minor, committed_minor = excluded.committed_minor, \
     paid_minor = excluded.paid_minor, package = excluded.package, last_seq = excluded.last_seq";
const SELECT_COMMAND: &str = "SELECT fingerprint, first_seq, event_count FROM commands WHERE command_id = $1";
/// One index probe per id (a join would let a generic plan scan the whole table).
const SELECT_COMMANDS: &str = "SELECT c.command_id, c.fingerprint, c.first_seq, c.event_count \
     FROM unnest($1::text[]) AS q(id) CROSS JOIN LATERAL \
     (SELECT * FROM commands WHERE command_id = q.id) AS c";
const EVENTS_AFTER: &str =
    "SELECT seq, kind, actor, recorded_at, payload, command_id FROM events WHERE seq > $1 ORDER BY seq LIMIT $2";
const SELECT_TOKEN: &str =
    "SELECT token_id, secret_hash, role, expires_at, revoked_at IS NOT NULL FROM tokens WHERE token_id = $1";

/// The statements of the hot paths, prepared once per connection (an unprepared query costs
/// a second round trip to the server).
struct Statements {
    head: Statement,
    lock: Statement,
    insert_commands: Statement,
    insert_events: Statement,
    insert_leaves: Statement,
    insert_postings: Statement,
    upsert_pledges: Statement,
    command: Statement,
    commands: Statement,
    events_after: Statement,
    token: Statement,
}

impl Statements {
    fn prepare(client: &mut Client) -> Result<Statements, StoreError> {
        let mut prepare = |sql: &str| client.prepare(sql).map_err(db);
        Ok(Statements {
            head: prepare(HEAD)?,
            lock: prepare(LOCK)?,
            insert_commands: prepare(INSERT_COMMANDS)?,
            insert_events: prepare(INSERT_EVENTS)?,
            insert_leaves: prepare(INSERT_LEAVES)?,
            insert_postings: prepare(INSERT_POSTINGS)?,
            upsert_pledges: prepare(UPSERT_PLEDGES)?,
            command: prepare(SELECT_COMMAND)?,
            commands: prepare(SELECT_COMMANDS)?,
            events_after: prepare(EVENTS_AFTER)?,
            token: prepare(SELECT_TOKEN)?,
        })
    }
}

/// One connection and the store's methods over it.
struct Direct {
    client: RefCell<Client>,
    statements: Statements,
    secret: [u8; 32],
    /// The schema version found at connect (before any migration ran).
    found_version: u32,
}

fn db(error: postgres::Error) -> StoreError {
    StoreError::Database(described(&error))
}

/// The client's error with its causes ("db error" alone does not say which).
fn described(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return format!("{}: {}", db.severity(), db.message());
    }
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        text.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    text
}

impl Direct {
    fn connect(url: &str) -> Result<Direct, StoreError> {
        let mut client = Client::connect(url, NoTls)
            .map_err(|e| StoreError::Database(format!("cannot connect: {}", described(&e))))?;
        let found_version = migrate(&mut client)?;
        let secret = load_or_create_secret(&mut client)?;
        let statements = Statements::prepare(&mut client)?;
        Ok(Direct { client: RefCell::new(client), statements, secret, found_version })
    }

    fn schema_versions(&self) -> (u32, u32) {
        (self.found_version, MIGRATIONS.len() as u32)
    }
}

/// Runs the pending migrations in one transaction (concurrent starts take turns on a table
/// lock); returns the version found.
fn migrate(client: &mut Client) -> Result<u32, StoreError> {
    client.batch_execute("CREATE TABLE IF NOT EXISTS tranche_schema (version INTEGER NOT NULL)").map_err(db)?;
    let mut tx = client.transaction().map_err(db)?;
    tx.batch_execute("LOCK TABLE tranche_schema IN EXCLUSIVE MODE").map_err(db)?;
    let version: i32 = tx.query_one("SELECT COALESCE(MAX(version), 0) FROM tranche_schema", &[]).map_err(db)?.get(0);
    let known = MIGRATIONS.len() as i32;
    if version > known {
        return Err(StoreError::Corrupt(format!(
            "schema version {version} is newer than this tranche knows ({known}); upgrade tranche"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.batch_execute(sql).map_err(db)?;
        tx.execute("INSERT INTO tranche_schema (version) VALUES ($1)", &[&(index as i32 + 1)]).map_err(db)?;
    }
    tx.commit().map_err(db)?;
    Ok(version as u32)
}

fn load_or_create_secret(client: &mut Client) -> Result<[u8; 32], StoreError> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| StoreError::Database(format!("no randomness: {e}")))?;
    client
        .execute(
            "INSERT INTO log_meta (key, value) VALUES ('secret', $1) ON CONFLICT (key) DO NOTHING",
            &[&&secret[..]],
        )
        .map_err(db)?;
    let stored: Vec<u8> = client.query_one("SELECT value FROM log_meta WHERE key = 'secret'", &[]).map_err(db)?.get(0);
    stored.try_into().map_err(|_| StoreError::Corrupt("the log secret is not 32 bytes".into()))
}

/// Posting rows gathered column by column, written with one statement (`unnest`).
#[derive(Default)]
struct Postings {
    seq: Vec<i64>,
    entry: Vec<i64>,
    book: Vec<&'static str>,
    account: Vec<String>,
    currency: Vec<String>,
    amount: Vec<i64>,
}

impl Postings {
    fn add(&mut self, seq: u64, entries: &[JournalEntry]) {
        for (index, entry) in entries.iter().enumerate() {
            for posting in entry.postings() {
                self.seq.push(seq as i64);
                self.entry.push(index as i64);
                self.book.push(entry.book().as_str());
                self.account.push(posting.account.to_string());
                self.currency.push(posting.amount.currency.code().to_string());
                self.amount.push(posting.amount.amount_minor);
            }
        }
    }

    fn write(&self, tx: &mut impl GenericClient, statements: &Statements) -> Result<(), StoreError> {
        tx.execute(
            &statements.insert_postings,
            &[&self.seq, &self.entry, &self.book, &self.account, &self.currency, &self.amount],
        )
        .map_err(db)?;
        Ok(())
    }
}

/// Writes the current form of each pledge (one statement), as of event `seq`.
fn write_pledges(
    tx: &mut impl GenericClient,
    statements: &Statements,
    pledges: &[&Pledge],
    seq: u64,
) -> Result<(), StoreError> {
    let column = |f: fn(&Pledge) -> Option<String>| pledges.iter().map(|p| f(p)).collect::<Vec<_>>();
    let minor = |f: fn(&Pledge) -> Option<i64>| pledges.iter().map(|p| f(p)).collect::<Vec<_>>();
    tx.execute(
        &statements.upsert_pledges,
        &[
            &column(|p| Some(p.id.to_string())),
            &column(|p| Some(p.kind.as_str().to_string())),
            &column(|p| Some(p.contributor.key())),
            &column(|p| Some(p.date.to_string())),
            &column(|p| Some(p.status.as_str().to_string())),
            &column(|p| p.committed.or(p.announced).map(|m| m.currency.code().to_string())),
            &minor(|p| p.announced.map(|m| m.amount_minor)),
            &minor(|p| p.committed.map(|m| m.amount_minor)),
            &minor(|p| p.paid.map(|m| m.amount_minor)),
            &column(|p| p.package.as_ref().map(|r| r.to_string())),
            &(seq as i64),
        ],
    )
    .map_err(db)?;
    Ok(())
}

/// Inserts events and their leaf hashes (one statement each).
fn insert_events(
    tx: &mut impl GenericClient,
    statements: &Statements,
    events: &[StoredEvent],
    leaves: &[Vec<u8>],
) -> Result<(), StoreError> {
    let seqs: Vec<i64> = events.iter().map(|e| e.seq as i64).collect();
    let text = |f: fn(&StoredEvent) -> &str| events.iter().map(f).collect::<Vec<&str>>();
    tx.execute(
        &statements.insert_events,
        &[
            &seqs,
            &text(|e| &e.command_id),
            &text(|e| &e.kind),
            &text(|e| &e.payload),
            &text(|e| &e.recorded_at),
            &text(|e| &e.actor),
        ],
    )
    .map_err(db)?;
    tx.execute(&statements.insert_leaves, &[&seqs, &leaves]).map_err(db)?;
    Ok(())
}

fn stored_event(row: &postgres::Row) -> StoredEvent {
    StoredEvent {
        seq: row.get::<_, i64>(0) as u64,
        kind: row.get(1),
        actor: row.get(2),
        recorded_at: row.get(3),
        payload: row.get(4),
        command_id: row.get(5),
    }
}

/// Keeps a snapshot and deletes all but the latest [`crate::snapshot::KEEP`].
fn write_snapshot(tx: &mut impl GenericClient, row: &SnapshotRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO snapshots (seq, version, root, frontier, payload, checksum) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (seq) DO UPDATE SET version = excluded.version, root = excluded.root, \
         frontier = excluded.frontier, payload = excluded.payload, checksum = excluded.checksum",
        &[&(row.seq as i64), &i64::from(row.version), &&row.root[..], &row.frontier, &row.payload, &&row.checksum[..]],
    )
    .map_err(db)?;
    // Rows beyond the log's head cannot be snapshots of it (a damaged store): they go first, so
    // that they never push out the usable ones.
    tx.execute("DELETE FROM snapshots WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM events)", &[]).map_err(db)?;
    tx.execute(
        "DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT $1)",
        &[&(crate::snapshot::KEEP as i64)],
    )
    .map_err(db)?;
    Ok(())
}

/// Takes the appenders' lock (released at commit or rollback) and reads the head, refused with
/// [`StoreError::Conflict`] when it is not the one expected: a batch decided on an older head is
/// refused and its writer catches up and decides again.
fn locked_head(
    client: &mut impl GenericClient,
    statements: &Statements,
    expected: Option<u64>,
) -> Result<u64, StoreError> {
    client.execute(&statements.lock, &[&APPEND_LOCK]).map_err(db)?;
    let head: i64 = client.query_one(&statements.head, &[]).map_err(db)?.get(0);
    match expected.filter(|e| *e != head as u64) {
        Some(expected) => Err(StoreError::Conflict { expected, found: head as u64 }),
        None => Ok(head as u64),
    }
}

/// Writes one batch after event `head` inside the open transaction, one statement per table
/// (columns as arrays, `unnest`); returns the new head.
fn write_batch(
    client: &mut impl GenericClient,
    statements: &Statements,
    batch: &Batch,
    head: u64,
    recorded_at: &str,
    secret: &[u8; 32],
) -> Result<u64, StoreError> {
    let mut seq = head;
    let (mut ids, mut fingerprints, mut firsts, mut counts) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut events: Vec<StoredEvent> = Vec::new();
    let mut leaves = Vec::new();
    let mut postings = Postings::default();
    for command in &batch.commands {
        ids.push(command.command_id.as_str());
        fingerprints.push(&command.fingerprint[..]);
        firsts.push((seq + 1) as i64);
        counts.push(command.events.len() as i64);
        for (event, entries) in &command.events {
            seq += 1;
            let stored = StoredEvent::of(command, event, seq, recorded_at)?;
            leaves.push(stored.leaf_hash(event, secret)?.to_vec());
            postings.add(seq, entries);
            events.push(stored);
        }
    }
    client.execute(&statements.insert_commands, &[&ids, &fingerprints, &firsts, &counts]).map_err(db)?;
    insert_events(client, statements, &events, &leaves)?;
    postings.write(client, statements)?;
    if !batch.pledges.is_empty() {
        write_pledges(client, statements, &batch.pledges.iter().collect::<Vec<_>>(), seq)?;
    }
    if let Some(pending) = &batch.snapshot {
        let hashes: Vec<tranche_log::Hash> = leaves
            .iter()
            .map(|leaf| {
                leaf.as_slice().try_into().map_err(|_| StoreError::Corrupt("a leaf hash is not 32 bytes".into()))
            })
            .collect::<Result<_, _>>()?;
        write_snapshot(client, &crate::snapshot::sealed_at(pending, &hashes, seq)?)?;
    }
    Ok(seq)
}

impl Store for Direct {
    fn head(&self) -> Result<u64, StoreError> {
        let row = self.client.borrow_mut().query_one(&self.statements.head, &[]).map_err(db)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn command(&self, id: &CommandId) -> Result<Option<StoredCommand>, StoreError> {
        let row = self.client.borrow_mut().query_opt(&self.statements.command, &[&id.as_str()]).map_err(db)?;
        row.map(|row| {
            let fingerprint: Vec<u8> = row.get(0);
            let fingerprint = fingerprint
                .try_into()
                .map_err(|_| StoreError::Corrupt(format!("command {id} has a fingerprint that is not 32 bytes")))?;
            Ok(StoredCommand {
                fingerprint,
                first_seq: row.get::<_, i64>(1) as u64,
                event_count: row.get::<_, i64>(2) as u32,
            })
        })
        .transpose()
    }

    fn commands(&self, ids: &[&CommandId]) -> Result<HashMap<CommandId, StoredCommand>, StoreError> {
        let texts: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
        let rows = self.client.borrow_mut().query(&self.statements.commands, &[&texts]).map_err(db)?;
        rows.iter()
            .map(|row| {
                let id: &str = row.get(0);
                let id = CommandId::parse(id).map_err(|e| StoreError::Corrupt(format!("command id {id}: {e}")))?;
                let fingerprint: Vec<u8> = row.get(1);
                let fingerprint = fingerprint
                    .try_into()
                    .map_err(|_| StoreError::Corrupt(format!("command {id} has a fingerprint that is not 32 bytes")))?;
                let stored = StoredCommand {
                    fingerprint,
                    first_seq: row.get::<_, i64>(2) as u64,
                    event_count: row.get::<_, i64>(3) as u32,
                };
                Ok((id, stored))
            })
            .collect()
    }

    fn append(&mut self, batch: &Batch) -> Result<(), StoreError> {
        let recorded_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let secret = self.secret;
        let statements = &self.statements;
        let mut tx = self.client.get_mut().transaction().map_err(db)?;
        let head = locked_head(&mut tx, statements, batch.expected_head)?;
        write_batch(&mut tx, statements, batch, head, &recorded_at, &secret)?;
        tx.commit().map_err(db)
    }

    fn append_stream(
        &mut self,
        expected_head: Option<u64>,
        write: bool,
        next: &mut crate::NextBatch<'_>,
    ) -> Result<u64, StoreError> {
        let recorded_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        // A plain BEGIN on the client (not a `Transaction` borrowing it), so `next` can read the
        // store, this transaction's own writes included, between chunks.
        self.client.get_mut().batch_execute("BEGIN").map_err(db)?;
        let written = (|| {
            let mut head = locked_head(&mut *self.client.borrow_mut(), &self.statements, expected_head)?;
            while let Some(batch) = next(&*self)? {
                if batch.commands.is_empty() && batch.snapshot.is_none() {
                    continue;
                }
                let mut client = self.client.borrow_mut();
                head = write_batch(&mut *client, &self.statements, &batch, head, &recorded_at, &self.secret)?;
            }
            Ok(head)
        })();
        let end = if written.is_ok() && write { "COMMIT" } else { "ROLLBACK" };
        let ended = self.client.get_mut().batch_execute(end).map_err(db);
        match (written, ended) {
            (Ok(head), Ok(())) => Ok(head),
            (Err(error), _) | (Ok(_), Err(error)) => {
                let _ = self.client.get_mut().batch_execute("ROLLBACK");
                Err(error)
            }
        }
    }

    fn replay(&self, visit: &mut dyn FnMut(u64, Event) -> Result<(), StoreError>) -> Result<u64, StoreError> {
        let mut expected = 1u64;
        let mut client = self.client.borrow_mut();
        let mut after = 0i64;
        loop {
            let rows = client
                .query("SELECT seq, payload FROM events WHERE seq > $1 ORDER BY seq LIMIT 10000", &[&after])
                .map_err(db)?;
            if rows.is_empty() {
                break;
            }
            for row in rows {
                let seq = row.get::<_, i64>(0) as u64;
                if seq != expected {
                    return Err(StoreError::Corrupt(format!("event {expected} is missing (the next is {seq})")));
                }
                let payload: &str = row.get(1);
                let event: Event = serde_json::from_str(payload)
                    .map_err(|e| StoreError::Corrupt(format!("event {seq} does not decode: {e}")))?;
                visit(seq, event)?;
                expected += 1;
                after = seq as i64;
            }
        }
        Ok(expected - 1)
    }

    fn put_rates(&mut self, quotes: &[RateQuote]) -> Result<usize, StoreError> {
        let mut tx = self.client.get_mut().transaction().map_err(db)?;
        // The held rates for every offered (currency, date) in one query; the new ones in another.
        let currencies: Vec<&str> = quotes.iter().map(|q| q.currency.code()).collect();
        let dates: Vec<String> = quotes.iter().map(|q| q.date.to_string()).collect();
        let held: std::collections::HashMap<(String, String), String> = tx
            .query(
                "SELECT r.currency, r.date, r.rate FROM fx_rates r \
                 JOIN unnest($1::text[], $2::text[]) AS o(currency, date) USING (currency, date)",
                &[&currencies, &dates],
            )
            .map_err(db)?
            .into_iter()
            .map(|row| ((row.get(0), row.get(1)), row.get(2)))
            .collect();
        let mut new = (Vec::new(), Vec::new(), Vec::new());
        let mut offered = std::collections::HashSet::new();
        for (quote, date) in quotes.iter().zip(&dates) {
            let key = (quote.currency.code().to_string(), date.clone());
            if crate::rate_is_new(quote, held.get(&key).map(String::as_str))? && offered.insert(key) {
                new.0.push(quote.currency.code());
                new.1.push(date.as_str());
                new.2.push(quote.rate.to_string());
            }
        }
        tx.execute(
            "INSERT INTO fx_rates (currency, date, rate) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])",
            &[&new.0, &new.1, &new.2],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(new.0.len())
    }

    fn rate_count(&self) -> Result<u64, StoreError> {
        let row = self.client.borrow_mut().query_one("SELECT COUNT(*) FROM fx_rates", &[]).map_err(db)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn rates(&self) -> Result<RateTable, StoreError> {
        let rows = self.client.borrow_mut().query("SELECT currency, date, rate FROM fx_rates", &[]).map_err(db)?;
        let mut table = RateTable::new();
        for row in rows {
            let (currency, date, rate): (String, String, String) = (row.get(0), row.get(1), row.get(2));
            let quote = crate::stored_quote(&currency, &date, &rate)?;
            table.insert(quote).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        Ok(table)
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let limit = limit.min(crate::MAX_PAGE) as i64;
        let rows = self
            .client
            .borrow_mut()
            .query(&self.statements.events_after, &[&i64::try_from(after).unwrap_or(i64::MAX), &limit])
            .map_err(db)?;
        Ok(rows.iter().map(stored_event).collect())
    }

    fn rebuild_projections(
        &mut self,
        postings: &[(u64, Vec<JournalEntry>)],
        pledges: &[&Pledge],
    ) -> Result<(), StoreError> {
        let statements = &self.statements;
        let mut tx = self.client.get_mut().transaction().map_err(db)?;
        tx.batch_execute("DELETE FROM postings; DELETE FROM pledge_view;").map_err(db)?;
        for chunk in postings.chunks(10_000) {
            let mut rows = Postings::default();
            for (seq, entries) in chunk {
                rows.add(*seq, entries);
            }
            rows.write(&mut tx, statements)?;
        }
        let head: i64 = tx.query_one(&statements.head, &[]).map_err(db)?.get(0);
        for chunk in pledges.chunks(10_000) {
            write_pledges(&mut tx, statements, chunk, head as u64)?;
        }
        tx.commit().map_err(db)
    }

    fn projection_dump(&self) -> Result<Vec<String>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut lines = Vec::new();
        let field = |text: Option<String>| text.unwrap_or_else(|| "NULL".into());
        let number = |n: Option<i64>| n.map_or_else(|| "NULL".into(), |n| n.to_string());
        for row in client
            .query(
                "SELECT seq, entry, book, account, currency, amount_minor FROM postings \
                 ORDER BY seq, entry, account COLLATE \"C\", currency COLLATE \"C\", amount_minor",
                &[],
            )
            .map_err(db)?
        {
            let fields = [
                "posting".to_string(),
                row.get::<_, i64>(0).to_string(),
                row.get::<_, i64>(1).to_string(),
                row.get(2),
                row.get(3),
                row.get(4),
                row.get::<_, i64>(5).to_string(),
            ];
            lines.push(fields.join("|"));
        }
        for row in client
            .query(
                "SELECT pledge_id, kind, contributor, date, status, currency, announced_minor, committed_minor, paid_minor, package \
                 FROM pledge_view ORDER BY pledge_id COLLATE \"C\"",
                &[],
            )
            .map_err(db)?
        {
            let fields = [
                "pledge".to_string(),
                row.get(0),
                row.get(1),
                row.get(2),
                row.get(3),
                row.get(4),
                field(row.get(5)),
                number(row.get(6)),
                number(row.get(7)),
                number(row.get(8)),
                field(row.get(9)),
            ];
            lines.push(fields.join("|"));
        }
        Ok(lines)
    }

    fn projections_differ(
        &self,
        postings: &[(u64, Vec<JournalEntry>)],
        pledges: &[&Pledge],
    ) -> Result<Option<String>, StoreError> {
        // The same comparison as SQLite's, through the text dump of a rebuild's rows.
        let mut expected = Vec::new();
        for (seq, entries) in postings {
            for (index, entry) in entries.iter().enumerate() {
                let mut rows: Vec<(String, &str, i64)> = entry
                    .postings()
                    .iter()
                    .map(|p| (p.account.to_string(), p.amount.currency.code(), p.amount.amount_minor))
                    .collect();
                rows.sort();
                for (account, currency, amount) in rows {
                    expected
                        .push(format!("posting|{seq}|{index}|{}|{account}|{currency}|{amount}", entry.book().as_str()));
                }
            }
        }
        let mut sorted: Vec<&&Pledge> = pledges.iter().collect();
        sorted.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        let text = |t: Option<&str>| t.unwrap_or("NULL").to_string();
        let number = |n: Option<i64>| n.map_or_else(|| "NULL".into(), |n| n.to_string());
        for pledge in sorted {
            let currency = pledge.committed.or(pledge.announced).map(|m| m.currency.code().to_string());
            expected.push(
                [
                    "pledge".to_string(),
                    pledge.id.to_string(),
                    pledge.kind.as_str().to_string(),
                    pledge.contributor.key(),
                    pledge.date.to_string(),
                    pledge.status.as_str().to_string(),
                    text(currency.as_deref()),
                    number(pledge.announced.map(|m| m.amount_minor)),
                    number(pledge.committed.map(|m| m.amount_minor)),
                    number(pledge.paid.map(|m| m.amount_minor)),
                    text(pledge.package.as_ref().map(|p| p.as_str())),
                ]
                .join("|"),
            );
        }
        let stored = self.projection_dump()?;
        Ok(stored.iter().zip(&expected).position(|(a, b)| a != b).map(|i| format!("row {i}: {}", stored[i])).or_else(
            || {
                (stored.len() != expected.len())
                    .then(|| format!("{} stored rows, {} from the replay", stored.len(), expected.len()))
            },
        ))
    }

    fn log_secret(&self) -> [u8; 32] {
        self.secret
    }

    fn shared(&self) -> bool {
        true
    }

    fn leaf_hashes(&self, after: u64, limit: usize) -> Result<Vec<(u64, tranche_log::Hash)>, StoreError> {
        let rows = self
            .client
            .borrow_mut()
            .query(
                "SELECT seq, hash FROM log_leaves WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&i64::try_from(after).unwrap_or(i64::MAX), &(limit.min(i64::MAX as usize) as i64)],
            )
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let seq = row.get::<_, i64>(0) as u64;
                let bytes: Vec<u8> = row.get(1);
                let hash =
                    bytes.try_into().map_err(|_| StoreError::Corrupt(format!("leaf {seq}: not a 32-byte hash")))?;
                Ok((seq, hash))
            })
            .collect()
    }

    fn put_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StoreError> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        self.client
            .get_mut()
            .execute(
                "INSERT INTO checkpoints (size, note, signed_at) VALUES ($1, $2, $3) ON CONFLICT (size) DO NOTHING",
                &[&(size as i64), &note, &now],
            )
            .map_err(db)?;
        Ok(())
    }

    fn snapshots(&self) -> Result<Vec<SnapshotRow>, StoreError> {
        self.snapshot_rows(None, 0)
    }

    fn snapshot_nth(&self, newest: usize) -> Result<Option<SnapshotRow>, StoreError> {
        let offset = i64::try_from(newest).unwrap_or(i64::MAX);
        Ok(self.snapshot_rows(Some(1), offset)?.pop())
    }

    fn put_snapshot(&mut self, row: &SnapshotRow) -> Result<(), StoreError> {
        let mut tx = self.client.get_mut().transaction().map_err(db)?;
        write_snapshot(&mut tx, row)?;
        tx.commit().map_err(db)
    }

    fn checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError> {
        let rows =
            self.client.borrow_mut().query("SELECT size, note FROM checkpoints ORDER BY size", &[]).map_err(db)?;
        Ok(rows.iter().map(|row| (row.get::<_, i64>(0) as u64, row.get(1))).collect())
    }

    fn put_cosignature(&mut self, size: u64, witness: &str, line: &str) -> Result<(), StoreError> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        self.client
            .get_mut()
            .execute(
                "INSERT INTO cosignatures (size, witness, line, received_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line, received_at = excluded.received_at",
                &[&(size as i64), &witness, &line, &now],
            )
            .map_err(db)?;
        Ok(())
    }

    fn cosignatures(&self, size: u64) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self
            .client
            .borrow_mut()
            .query(
                "SELECT witness, line FROM cosignatures WHERE size = $1 ORDER BY witness COLLATE \"C\"",
                &[&(size as i64)],
            )
            .map_err(db)?;
        Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
    }

    fn command_rows(&self) -> Result<Vec<StoredCommandRow>, StoreError> {
        let rows = self
            .client
            .borrow_mut()
            .query("SELECT command_id, fingerprint, first_seq, event_count FROM commands ORDER BY first_seq", &[])
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let command_id: String = row.get(0);
                let fingerprint: Vec<u8> = row.get(1);
                let fingerprint = fingerprint
                    .try_into()
                    .map_err(|_| StoreError::Corrupt(format!("command {command_id}: fingerprint")))?;
                Ok(StoredCommandRow {
                    command_id,
                    fingerprint,
                    first_seq: row.get::<_, i64>(2) as u64,
                    event_count: row.get::<_, i64>(3) as u32,
                })
            })
            .collect()
    }

    fn restore_rows(
        &mut self,
        rates: &[(String, String, String)],
        commands: &[StoredCommandRow],
        events: &[StoredEvent],
        secret: Option<[u8; 32]>,
    ) -> Result<(), StoreError> {
        let salt = secret.unwrap_or(self.secret);
        let mut leaves = Vec::with_capacity(events.len());
        for event in events {
            leaves.push(tranche_log::leaf_hash(&leaf_of(event, &salt)?).to_vec());
        }
        let statements = &self.statements;
        let mut tx = self.client.get_mut().transaction().map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK]).map_err(db)?;
        let head: i64 = tx.query_one("SELECT COALESCE(MAX(seq), 0) FROM events", &[]).map_err(db)?.get(0);
        if head != 0 {
            return Err(StoreError::Refused("restore needs an empty store; this one already has events".into()));
        }
        tx.execute("UPDATE log_meta SET value = $1 WHERE key = 'secret'", &[&&salt[..]]).map_err(db)?;
        let column = |f: fn(&(String, String, String)) -> &str| rates.iter().map(f).collect::<Vec<&str>>();
        tx.execute(
            "INSERT INTO fx_rates (currency, date, rate) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])",
            &[&column(|r| &r.0), &column(|r| &r.1), &column(|r| &r.2)],
        )
        .map_err(db)?;
        tx.execute(
            "INSERT INTO commands (command_id, fingerprint, first_seq, event_count) \
             SELECT * FROM unnest($1::text[], $2::bytea[], $3::bigint[], $4::bigint[])",
            &[
                &commands.iter().map(|c| c.command_id.as_str()).collect::<Vec<_>>(),
                &commands.iter().map(|c| &c.fingerprint[..]).collect::<Vec<_>>(),
                &commands.iter().map(|c| c.first_seq as i64).collect::<Vec<_>>(),
                &commands.iter().map(|c| i64::from(c.event_count)).collect::<Vec<_>>(),
            ],
        )
        .map_err(db)?;
        for (chunk, hashes) in events.chunks(10_000).zip(leaves.chunks(10_000)) {
            insert_events(&mut tx, statements, chunk, hashes)?;
        }
        tx.commit().map_err(db)?;
        self.secret = salt;
        Ok(())
    }

    fn insert_token(&mut self, token: &StoredToken) -> Result<(), StoreError> {
        let created_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.client
            .get_mut()
            .execute(
                "INSERT INTO tokens (token_id, secret_hash, role, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                &[&token.token_id, &token.secret_hash, &token.role, &created_at, &token.expires_at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn token(&self, token_id: &str) -> Result<Option<StoredToken>, StoreError> {
        let row = self.client.borrow_mut().query_opt(&self.statements.token, &[&token_id]).map_err(db)?;
        Ok(row.map(|row| StoredToken {
            token_id: row.get(0),
            secret_hash: row.get(1),
            role: row.get(2),
            expires_at: row.get(3),
            revoked: row.get(4),
        }))
    }

    fn revoke_token(&mut self, token_id: &str) -> Result<bool, StoreError> {
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let changed = self
            .client
            .get_mut()
            .execute("UPDATE tokens SET revoked_at = $2 WHERE token_id = $1 AND revoked_at IS NULL", &[&token_id, &at])
            .map_err(db)?;
        Ok(changed == 1)
    }
}

impl Direct {
    /// Up to `limit` kept snapshots (`None`: all), newest first, after skipping `offset`.
    fn snapshot_rows(&self, limit: Option<i64>, offset: i64) -> Result<Vec<SnapshotRow>, StoreError> {
        let rows = self
            .client
            .borrow_mut()
            .query(
                "SELECT seq, version, root, frontier, payload, checksum FROM snapshots \
                 ORDER BY seq DESC LIMIT $1 OFFSET $2",
                &[&limit as &(dyn postgres::types::ToSql + Sync), &offset],
            )
            .map_err(db)?;
        Ok(rows
            .iter()
            .map(|row| {
                let integer = |i: usize| row.try_get::<_, i64>(i).map_err(|e| e.to_string());
                let bytes = |i: usize| row.try_get::<_, Vec<u8>>(i).map_err(|e| e.to_string());
                crate::snapshot::stored_row(integer(0), integer(1), bytes(2), bytes(3), bytes(4), bytes(5))
            })
            .collect())
    }
}
