//! The embedded SQLite backend: WAL, `synchronous=FULL`, one writer.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use tranche_core::{CommandId, Event, JournalEntry, Pledge, RateQuote, RateTable};

use crate::snapshot::SnapshotRow;
use crate::{Batch, Store, StoreError, StoredCommand, StoredCommandRow, StoredEvent, StoredToken};

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_event_actor.sql"),
    include_str!("../migrations/sqlite/0003_tokens.sql"),
    include_str!("../migrations/sqlite/0004_log.sql"),
    include_str!("../migrations/sqlite/0005_snapshots.sql"),
];

pub struct SqliteStore {
    connection: Connection,
    /// The log secret (salts of restricted fields), read once at open.
    secret: [u8; 32],
    /// The schema version found at open (before any migration ran).
    found_version: u32,
}

/// The error with SQLite's extended result code, which tells apart what its message does not
/// (SQLITE_BUSY_SNAPSHOT from another lock holder, SQLITE_FULL, SQLITE_READONLY_*, SQLITE_IOERR_*).
fn db(error: rusqlite::Error) -> StoreError {
    match &error {
        rusqlite::Error::SqliteFailure(failure, _) => {
            StoreError::Database(format!("{error} (SQLite code {})", failure.extended_code))
        }
        _ => StoreError::Database(error.to_string()),
    }
}

/// How long a statement waits for another connection's write lock before it fails.
const BUSY_TIMEOUT_MS: u32 = 5000;

/// Every transaction that writes takes the write lock when it begins (`BEGIN IMMEDIATE`). A
/// deferred one reads first (the head) under a snapshot; when another connection (the server's
/// read connection signing a checkpoint, the command line beside it) commits before the first
/// write, SQLite cannot upgrade that snapshot and fails at once (SQLITE_BUSY_SNAPSHOT), without
/// waiting for the busy timeout: a whole group commit was lost that way (issue 12, #11).
fn write_transaction(connection: &mut Connection) -> Result<Transaction<'_>, StoreError> {
    connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)
}

/// Waits for other connections' locks instead of failing at once; set on every connection.
fn set_busy_timeout(connection: &Connection) -> Result<(), StoreError> {
    connection.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS.into())).map_err(db)
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and runs any pending migration.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let connection =
            Connection::open(path).map_err(|e| StoreError::Database(format!("cannot open {}: {e}", path.display())))?;
        SqliteStore::with_connection(connection)
    }

    /// Opens an existing store for reading only: nothing is migrated, created or backfilled
    /// (`tranche verify` checks a store exactly as it is).
    pub fn open_read_only(path: &Path) -> Result<SqliteStore, StoreError> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(path, flags)
            .map_err(|e| StoreError::Database(format!("cannot open {}: {e}", path.display())))?;
        set_busy_timeout(&connection)?;
        let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(db)?;
        if version != MIGRATIONS.len() as i64 {
            return Err(StoreError::Corrupt(format!(
                "schema version {version}, this tranche reads {}; open it once with this tranche first",
                MIGRATIONS.len()
            )));
        }
        let secret: Vec<u8> = connection
            .query_row("SELECT value FROM log_meta WHERE key = 'secret'", [], |row| row.get(0))
            .map_err(|e| StoreError::Corrupt(format!("the log secret is missing: {e}")))?;
        let secret = secret.try_into().map_err(|_| StoreError::Corrupt("the log secret is not 32 bytes".into()))?;
        Ok(SqliteStore { connection, secret, found_version: version as u32 })
    }

    /// A private in-memory store, for tests and dry runs.
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::with_connection(Connection::open_in_memory().map_err(db)?)
    }

    fn with_connection(connection: Connection) -> Result<SqliteStore, StoreError> {
        set_busy_timeout(&connection)?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(db)?;
        let mut store = SqliteStore { connection, secret: [0; 32], found_version: 0 };
        store.found_version = store.migrate()?;
        store.secret = store.load_or_create_secret()?;
        store.backfill_leaves()?;
        Ok(store)
    }

    fn load_or_create_secret(&mut self) -> Result<[u8; 32], StoreError> {
        let stored: Option<Vec<u8>> = self
            .connection
            .query_row("SELECT value FROM log_meta WHERE key = 'secret'", [], |row| row.get(0))
            .optional()
            .map_err(db)?;
        if let Some(bytes) = stored {
            return bytes.try_into().map_err(|_| StoreError::Corrupt("the log secret is not 32 bytes".into()));
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| StoreError::Database(format!("no randomness: {e}")))?;
        self.connection
            .execute("INSERT INTO log_meta (key, value) VALUES ('secret', ?1)", params![&secret[..]])
            .map_err(db)?;
        Ok(secret)
    }

    /// Computes the leaf hash of every event that has none yet (stores made before the
    /// verifiable log, and restores), in one transaction.
    pub(crate) fn backfill_leaves(&mut self) -> Result<(), StoreError> {
        let done: i64 = self
            .connection
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM log_leaves", [], |row| row.get(0))
            .map_err(db)?;
        let head = self.head()?;
        if done as u64 >= head {
            return Ok(());
        }
        let secret = self.secret;
        let tx = write_transaction(&mut self.connection)?;
        // Read again under the write lock: another process opening the store may have done it.
        let done: i64 =
            tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM log_leaves", [], |row| row.get(0)).map_err(db)?;
        {
            let mut select = tx
                .prepare(
                    "SELECT seq, kind, actor, recorded_at, payload, command_id FROM events WHERE seq > ?1 ORDER BY seq",
                )
                .map_err(db)?;
            let mut insert = tx.prepare("INSERT INTO log_leaves (seq, hash) VALUES (?1, ?2)").map_err(db)?;
            let mut rows = select.query(params![done]).map_err(db)?;
            while let Some(row) = rows.next().map_err(db)? {
                let event = StoredEvent {
                    seq: row.get::<_, i64>(0).map_err(db)? as u64,
                    kind: row.get(1).map_err(db)?,
                    actor: row.get(2).map_err(db)?,
                    recorded_at: row.get(3).map_err(db)?,
                    payload: row.get(4).map_err(db)?,
                    command_id: row.get(5).map_err(db)?,
                };
                let hash = tranche_log::leaf_hash(&crate::leaf_of(&event, &secret)?);
                insert.execute(params![event.seq as i64, &hash[..]]).map_err(db)?;
            }
        }
        tx.commit().map_err(db)
    }

    /// Runs the pending migrations, each in its own transaction; returns the version found.
    fn migrate(&mut self) -> Result<u32, StoreError> {
        let version: i64 = self.connection.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(db)?;
        let version = usize::try_from(version)
            .map_err(|_| StoreError::Corrupt(format!("schema version {version} is not valid")))?;
        if version > MIGRATIONS.len() {
            return Err(StoreError::Corrupt(format!(
                "schema version {version} is newer than this tranche knows ({}); upgrade tranche",
                MIGRATIONS.len()
            )));
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = write_transaction(&mut self.connection)?;
            tx.execute_batch(sql).map_err(db)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1)).map_err(db)?;
            tx.commit().map_err(db)?;
        }
        Ok(version as u32)
    }

    /// The schema version found at open and the version now.
    pub fn schema_versions(&self) -> (u32, u32) {
        (self.found_version, MIGRATIONS.len() as u32)
    }

    /// The underlying connection, for tests that must damage a store on purpose.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }
}

fn write_postings(tx: &Connection, seq: u64, entries: &[JournalEntry]) -> Result<(), StoreError> {
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO postings (seq, entry, book, account, currency, amount_minor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(db)?;
    for (index, entry) in entries.iter().enumerate() {
        for posting in entry.postings() {
            insert
                .execute(params![
                    seq as i64,
                    index as i64,
                    entry.book().as_str(),
                    posting.account.to_string(),
                    posting.amount.currency.code(),
                    posting.amount.amount_minor
                ])
                .map_err(db)?;
        }
    }
    Ok(())
}

fn write_pledge(tx: &Connection, pledge: &Pledge, seq: u64) -> Result<(), StoreError> {
    let mut upsert = tx
        .prepare_cached(
            "INSERT OR REPLACE INTO pledge_view (pledge_id, kind, contributor, date, status, currency, announced_minor, \
             committed_minor, paid_minor, package, last_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .map_err(db)?;
    let currency = pledge.committed.or(pledge.announced).map(|m| m.currency.code().to_string());
    upsert
        .execute(params![
            pledge.id.as_str(),
            pledge.kind.as_str(),
            pledge.contributor.key(),
            pledge.date.to_string(),
            pledge.status.as_str(),
            currency,
            pledge.announced.map(|m| m.amount_minor),
            pledge.committed.map(|m| m.amount_minor),
            pledge.paid.map(|m| m.amount_minor),
            pledge.package.as_ref().map(|p| p.as_str()),
            seq as i64
        ])
        .map_err(db)?;
    Ok(())
}

/// Keeps a snapshot and deletes all but the latest [`crate::snapshot::KEEP`].
fn write_snapshot(tx: &Connection, row: &SnapshotRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT OR REPLACE INTO snapshots (seq, version, root, frontier, payload, checksum) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![row.seq as i64, i64::from(row.version), &row.root[..], row.frontier, row.payload, &row.checksum[..]],
    )
    .map_err(db)?;
    // Rows beyond the log's head cannot be snapshots of it (a damaged store): they go first, so
    // that they never push out the usable ones.
    tx.execute("DELETE FROM snapshots WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM events)", []).map_err(db)?;
    tx.execute(
        "DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?1)",
        params![crate::snapshot::KEEP as i64],
    )
    .map_err(db)?;
    Ok(())
}

/// The log's head, refused with [`StoreError::Conflict`] when it is not the one expected.
fn checked_head(connection: &Connection, expected: Option<u64>) -> Result<u64, StoreError> {
    let head: i64 =
        connection.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |row| row.get(0)).map_err(db)?;
    match expected.filter(|e| *e != head as u64) {
        Some(expected) => Err(StoreError::Conflict { expected, found: head as u64 }),
        None => Ok(head as u64),
    }
}

/// Writes one batch after event `head` inside the open transaction; returns the new head.
fn write_batch(
    tx: &Connection,
    batch: &Batch,
    head: u64,
    recorded_at: &str,
    secret: &[u8; 32],
) -> Result<u64, StoreError> {
    let mut seq = head;
    let mut leaves = Vec::new();
    {
        let mut insert_event = tx
            .prepare_cached(
                "INSERT INTO events (seq, command_id, kind, payload, recorded_at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(db)?;
        let mut insert_command = tx
            .prepare_cached(
                "INSERT INTO commands (command_id, fingerprint, first_seq, event_count) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(db)?;
        let mut insert_leaf = tx.prepare_cached("INSERT INTO log_leaves (seq, hash) VALUES (?1, ?2)").map_err(db)?;
        for command in &batch.commands {
            insert_command
                .execute(params![
                    command.command_id.as_str(),
                    &command.fingerprint[..],
                    (seq + 1) as i64,
                    command.events.len() as i64
                ])
                .map_err(db)?;
            for (event, entries) in &command.events {
                seq += 1;
                let stored = StoredEvent::of(command, event, seq, recorded_at)?;
                insert_event
                    .execute(params![
                        seq as i64,
                        stored.command_id,
                        stored.kind,
                        stored.payload,
                        stored.recorded_at,
                        stored.actor
                    ])
                    .map_err(db)?;
                let leaf = stored.leaf_hash(event, secret)?;
                insert_leaf.execute(params![seq as i64, &leaf[..]]).map_err(db)?;
                if batch.snapshot.is_some() {
                    leaves.push(leaf);
                }
                write_postings(tx, seq, entries)?;
            }
        }
    }
    for pledge in &batch.pledges {
        write_pledge(tx, pledge, seq)?;
    }
    if let Some(pending) = &batch.snapshot {
        write_snapshot(tx, &crate::snapshot::sealed_at(pending, &leaves, seq)?)?;
    }
    Ok(seq)
}

impl Store for SqliteStore {
    fn head(&self) -> Result<u64, StoreError> {
        let head: i64 =
            self.connection.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |row| row.get(0)).map_err(db)?;
        Ok(head as u64)
    }

    fn command(&self, id: &CommandId) -> Result<Option<StoredCommand>, StoreError> {
        let mut query = self
            .connection
            .prepare_cached("SELECT fingerprint, first_seq, event_count FROM commands WHERE command_id = ?1")
            .map_err(db)?;
        let row = query
            .query_row([id.as_str()], |row| {
                Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
            })
            .optional()
            .map_err(db)?;
        row.map(|(fingerprint, first_seq, event_count)| {
            let fingerprint = fingerprint
                .try_into()
                .map_err(|_| StoreError::Corrupt(format!("command {id} has a fingerprint that is not 32 bytes")))?;
            Ok(StoredCommand { fingerprint, first_seq: first_seq as u64, event_count: event_count as u32 })
        })
        .transpose()
    }

    fn append(&mut self, batch: &Batch) -> Result<(), StoreError> {
        let recorded_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let secret = self.secret;
        let tx = write_transaction(&mut self.connection)?;
        let head = checked_head(&tx, batch.expected_head)?;
        write_batch(&tx, batch, head, &recorded_at, &secret)?;
        tx.commit().map_err(db)
    }

    fn append_stream(
        &mut self,
        expected_head: Option<u64>,
        write: bool,
        next: &mut crate::NextBatch<'_>,
    ) -> Result<u64, StoreError> {
        let recorded_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        // A plain BEGIN on the connection (not a `Transaction` borrowing it), so `next` can read
        // the store, this transaction's own writes included, between chunks.
        self.connection.execute_batch("BEGIN IMMEDIATE").map_err(db)?;
        let written = (|| {
            let mut head = checked_head(&self.connection, expected_head)?;
            while let Some(batch) = next(&*self)? {
                if batch.commands.is_empty() && batch.snapshot.is_none() {
                    continue;
                }
                head = write_batch(&self.connection, &batch, head, &recorded_at, &self.secret)?;
            }
            Ok(head)
        })();
        let end = if written.is_ok() && write { "COMMIT" } else { "ROLLBACK" };
        match (written, self.connection.execute_batch(end).map_err(db)) {
            (Ok(head), Ok(())) => Ok(head),
            (Err(error), _) | (Ok(_), Err(error)) => {
                if !self.connection.is_autocommit() {
                    let _ = self.connection.execute_batch("ROLLBACK");
                }
                Err(error)
            }
        }
    }

    fn replay(&self, visit: &mut dyn FnMut(u64, Event) -> Result<(), StoreError>) -> Result<u64, StoreError> {
        let mut query = self.connection.prepare("SELECT seq, payload FROM events ORDER BY seq").map_err(db)?;
        let mut rows = query.query([]).map_err(db)?;
        let mut expected = 1u64;
        while let Some(row) = rows.next().map_err(db)? {
            let seq = row.get::<_, i64>(0).map_err(db)? as u64;
            if seq != expected {
                return Err(StoreError::Corrupt(format!("event {expected} is missing (the next is {seq})")));
            }
            let payload =
                row.get_ref(1).map_err(db)?.as_str().map_err(|e| StoreError::Corrupt(format!("event {seq}: {e}")))?;
            let event: Event = serde_json::from_str(payload)
                .map_err(|e| StoreError::Corrupt(format!("event {seq} does not decode: {e}")))?;
            visit(seq, event)?;
            expected += 1;
        }
        Ok(expected - 1)
    }

    fn put_rates(&mut self, quotes: &[RateQuote]) -> Result<usize, StoreError> {
        let tx = write_transaction(&mut self.connection)?;
        let mut new = 0;
        {
            let mut find =
                tx.prepare_cached("SELECT rate FROM fx_rates WHERE currency = ?1 AND date = ?2").map_err(db)?;
            let mut insert =
                tx.prepare_cached("INSERT INTO fx_rates (currency, date, rate) VALUES (?1, ?2, ?3)").map_err(db)?;
            for quote in quotes {
                let (currency, date) = (quote.currency.code(), quote.date.to_string());
                let held: Option<String> =
                    find.query_row(params![currency, date], |row| row.get(0)).optional().map_err(db)?;
                if crate::rate_is_new(quote, held.as_deref())? {
                    insert.execute(params![currency, date, quote.rate.to_string()]).map_err(db)?;
                    new += 1;
                }
            }
        }
        tx.commit().map_err(db)?;
        Ok(new)
    }

    fn rate_count(&self) -> Result<u64, StoreError> {
        let count: i64 =
            self.connection.query_row("SELECT COUNT(*) FROM fx_rates", [], |row| row.get(0)).map_err(db)?;
        Ok(count as u64)
    }

    fn rates(&self) -> Result<RateTable, StoreError> {
        let mut query = self.connection.prepare("SELECT currency, date, rate FROM fx_rates").map_err(db)?;
        let mut rows = query.query([]).map_err(db)?;
        let mut table = RateTable::new();
        while let Some(row) = rows.next().map_err(db)? {
            let (currency, date, rate): (String, String, String) =
                (row.get(0).map_err(db)?, row.get(1).map_err(db)?, row.get(2).map_err(db)?);
            let quote = crate::stored_quote(&currency, &date, &rate)?;
            table.insert(quote).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        Ok(table)
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let mut query = self
            .connection
            .prepare_cached(
                "SELECT seq, kind, actor, recorded_at, payload, command_id FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(db)?;
        let limit = limit.min(crate::MAX_PAGE) as i64;
        let rows = query
            .query_map(params![i64::try_from(after).unwrap_or(i64::MAX), limit], |row| {
                Ok(StoredEvent {
                    seq: row.get::<_, i64>(0)? as u64,
                    kind: row.get(1)?,
                    actor: row.get(2)?,
                    recorded_at: row.get(3)?,
                    payload: row.get(4)?,
                    command_id: row.get(5)?,
                })
            })
            .map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }

    fn rebuild_projections(
        &mut self,
        postings: &[(u64, Vec<JournalEntry>)],
        pledges: &[&Pledge],
    ) -> Result<(), StoreError> {
        let tx = write_transaction(&mut self.connection)?;
        tx.execute_batch("DELETE FROM postings; DELETE FROM pledge_view;").map_err(db)?;
        for (seq, entries) in postings {
            write_postings(&tx, *seq, entries)?;
        }
        let head: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |row| row.get(0)).map_err(db)?;
        for pledge in pledges {
            write_pledge(&tx, pledge, head as u64)?;
        }
        tx.commit().map_err(db)
    }

    fn projection_dump(&self) -> Result<Vec<String>, StoreError> {
        let mut lines = Vec::new();
        let queries = [
            "SELECT 'posting', seq, entry, book, account, currency, amount_minor FROM postings ORDER BY seq, entry, account, currency, amount_minor",
            "SELECT 'pledge', pledge_id, kind, contributor, date, status, currency, announced_minor, committed_minor, paid_minor, package \
             FROM pledge_view ORDER BY pledge_id",
        ];
        for sql in queries {
            let mut query = self.connection.prepare(sql).map_err(db)?;
            let columns = query.column_count();
            let mut rows = query.query([]).map_err(db)?;
            while let Some(row) = rows.next().map_err(db)? {
                let fields: Vec<String> = (0..columns)
                    .map(|i| match row.get_ref(i) {
                        Ok(ValueRef::Text(text)) => String::from_utf8_lossy(text).into_owned(),
                        Ok(ValueRef::Integer(n)) => n.to_string(),
                        Ok(ValueRef::Null) => "NULL".to_string(),
                        Ok(other) => format!("{other:?}"),
                        Err(e) => e.to_string(),
                    })
                    .collect();
                lines.push(fields.join("|"));
            }
        }
        Ok(lines)
    }

    fn projections_differ(
        &self,
        postings: &[(u64, Vec<JournalEntry>)],
        pledges: &[&Pledge],
    ) -> Result<Option<String>, StoreError> {
        // Postings, in the stored order: by event, entry, account, currency, amount.
        let mut query = self
            .connection
            .prepare("SELECT seq, entry, book, account, currency, amount_minor FROM postings ORDER BY seq, entry, account, currency, amount_minor")
            .map_err(db)?;
        let mut rows = query.query([]).map_err(db)?;
        for (seq, entries) in postings {
            for (index, entry) in entries.iter().enumerate() {
                let mut expected: Vec<(String, &str, i64)> = entry
                    .postings()
                    .iter()
                    .map(|p| (p.account.to_string(), p.amount.currency.code(), p.amount.amount_minor))
                    .collect();
                expected.sort();
                for (account, currency, amount) in expected {
                    let Some(row) = rows.next().map_err(db)? else {
                        return Ok(Some(format!("the posting of event {seq} to {account} is missing")));
                    };
                    let same = row.get::<_, i64>(0).map_err(db)? == *seq as i64
                        && row.get::<_, i64>(1).map_err(db)? == index as i64
                        && row.get_ref(2).map_err(db)?.as_str().map_err(|e| StoreError::Corrupt(e.to_string()))?
                            == entry.book().as_str()
                        && row.get_ref(3).map_err(db)?.as_str().map_err(|e| StoreError::Corrupt(e.to_string()))?
                            == account
                        && row.get_ref(4).map_err(db)?.as_str().map_err(|e| StoreError::Corrupt(e.to_string()))?
                            == currency
                        && row.get::<_, i64>(5).map_err(db)? == amount;
                    if !same {
                        return Ok(Some(format!("the postings differ at event {seq} (account {account})")));
                    }
                }
            }
        }
        if rows.next().map_err(db)?.is_some() {
            return Ok(Some("there are postings the log does not explain".into()));
        }
        drop(rows);
        // Pledges, by id.
        let mut sorted: Vec<&&Pledge> = pledges.iter().collect();
        sorted.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        let mut query = self
            .connection
            .prepare(
                "SELECT pledge_id, kind, contributor, date, status, currency, announced_minor, committed_minor, paid_minor, package \
                 FROM pledge_view ORDER BY pledge_id",
            )
            .map_err(db)?;
        let mut rows = query.query([]).map_err(db)?;
        for pledge in sorted {
            let Some(row) = rows.next().map_err(db)? else {
                return Ok(Some(format!("the projection of pledge {} is missing", pledge.id)));
            };
            let text = |i: usize| -> Result<Option<String>, StoreError> { row.get::<_, Option<String>>(i).map_err(db) };
            let number = |i: usize| -> Result<Option<i64>, StoreError> { row.get::<_, Option<i64>>(i).map_err(db) };
            let currency = pledge.committed.or(pledge.announced).map(|m| m.currency.code().to_string());
            let same = text(0)?.as_deref() == Some(pledge.id.as_str())
                && text(1)?.as_deref() == Some(pledge.kind.as_str())
                && text(2)? == Some(pledge.contributor.key())
                && text(3)? == Some(pledge.date.to_string())
                && text(4)?.as_deref() == Some(pledge.status.as_str())
                && text(5)? == currency
                && number(6)? == pledge.announced.map(|m| m.amount_minor)
                && number(7)? == pledge.committed.map(|m| m.amount_minor)
                && number(8)? == pledge.paid.map(|m| m.amount_minor)
                && text(9)?.as_deref() == pledge.package.as_ref().map(|p| p.as_str());
            if !same {
                return Ok(Some(format!("the projection of pledge {} differs from the replay", pledge.id)));
            }
        }
        if rows.next().map_err(db)?.is_some() {
            return Ok(Some("there are pledge projections the log does not explain".into()));
        }
        Ok(None)
    }

    fn log_secret(&self) -> [u8; 32] {
        self.secret
    }

    fn leaf_hashes(&self, after: u64, limit: usize) -> Result<Vec<(u64, tranche_log::Hash)>, StoreError> {
        let mut query = self
            .connection
            .prepare_cached("SELECT seq, hash FROM log_leaves WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .map_err(db)?;
        let rows = query
            .query_map(params![i64::try_from(after).unwrap_or(i64::MAX), limit.min(i64::MAX as usize) as i64], |row| {
                Ok((row.get::<_, i64>(0)? as u64, row.get::<_, Vec<u8>>(1)?))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, bytes) = row.map_err(db)?;
            let hash = bytes.try_into().map_err(|_| StoreError::Corrupt(format!("leaf {seq}: not a 32-byte hash")))?;
            out.push((seq, hash));
        }
        Ok(out)
    }

    fn snapshots(&self) -> Result<Vec<SnapshotRow>, StoreError> {
        self.snapshot_rows(-1, 0)
    }

    fn snapshot_nth(&self, newest: usize) -> Result<Option<SnapshotRow>, StoreError> {
        let offset = i64::try_from(newest).unwrap_or(i64::MAX);
        Ok(self.snapshot_rows(1, offset)?.pop())
    }

    fn put_snapshot(&mut self, row: &SnapshotRow) -> Result<(), StoreError> {
        let tx = write_transaction(&mut self.connection)?;
        write_snapshot(&tx, row)?;
        tx.commit().map_err(db)
    }

    fn put_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StoreError> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        self.connection
            .execute(
                "INSERT INTO checkpoints (size, note, signed_at) VALUES (?1, ?2, ?3) ON CONFLICT (size) DO NOTHING",
                params![size as i64, note, now],
            )
            .map_err(db)?;
        Ok(())
    }

    fn checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError> {
        let mut query =
            self.connection.prepare_cached("SELECT size, note FROM checkpoints ORDER BY size").map_err(db)?;
        let rows = query.query_map([], |row| Ok((row.get::<_, i64>(0)? as u64, row.get(1)?))).map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    fn put_cosignature(&mut self, size: u64, witness: &str, line: &str) -> Result<(), StoreError> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        self.connection
            .execute(
                "INSERT INTO cosignatures (size, witness, line, received_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line, received_at = excluded.received_at",
                params![size as i64, witness, line, now],
            )
            .map_err(db)?;
        Ok(())
    }

    fn cosignatures(&self, size: u64) -> Result<Vec<(String, String)>, StoreError> {
        let mut query = self
            .connection
            .prepare_cached("SELECT witness, line FROM cosignatures WHERE size = ?1 ORDER BY witness")
            .map_err(db)?;
        let rows = query.query_map(params![size as i64], |row| Ok((row.get(0)?, row.get(1)?))).map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    fn command_rows(&self) -> Result<Vec<StoredCommandRow>, StoreError> {
        let mut query = self
            .connection
            .prepare("SELECT command_id, fingerprint, first_seq, event_count FROM commands ORDER BY first_seq")
            .map_err(db)?;
        let rows = query
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?, row.get::<_, i64>(2)?, row.get::<_, i64>(3)?))
            })
            .map_err(db)?;
        rows.map(|row| {
            let (command_id, fingerprint, first_seq, event_count) = row.map_err(db)?;
            let fingerprint = fingerprint
                .try_into()
                .map_err(|_| StoreError::Corrupt(format!("command {command_id}: fingerprint")))?;
            Ok(StoredCommandRow {
                command_id,
                fingerprint,
                first_seq: first_seq as u64,
                event_count: event_count as u32,
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
        let tx = write_transaction(&mut self.connection)?;
        if let Some(secret) = secret {
            tx.execute("UPDATE log_meta SET value = ?1 WHERE key = 'secret'", params![&secret[..]]).map_err(db)?;
        }
        {
            let mut rate = tx.prepare("INSERT INTO fx_rates (currency, date, rate) VALUES (?1, ?2, ?3)").map_err(db)?;
            for (currency, date, value) in rates {
                rate.execute(params![currency, date, value]).map_err(db)?;
            }
            let mut command = tx
                .prepare(
                    "INSERT INTO commands (command_id, fingerprint, first_seq, event_count) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(db)?;
            for row in commands {
                command
                    .execute(params![
                        row.command_id,
                        &row.fingerprint[..],
                        row.first_seq as i64,
                        row.event_count as i64
                    ])
                    .map_err(db)?;
            }
            let mut event = tx
                .prepare("INSERT INTO events (seq, command_id, kind, payload, recorded_at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .map_err(db)?;
            for row in events {
                event
                    .execute(params![row.seq as i64, row.command_id, row.kind, row.payload, row.recorded_at, row.actor])
                    .map_err(db)?;
            }
        }
        tx.commit().map_err(db)?;
        if let Some(secret) = secret {
            self.secret = secret;
        }
        self.backfill_leaves()
    }

    fn insert_token(&mut self, token: &StoredToken) -> Result<(), StoreError> {
        let created_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.connection
            .execute(
                "INSERT INTO tokens (token_id, secret_hash, role, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token.token_id, token.secret_hash, token.role, created_at, token.expires_at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn token(&self, token_id: &str) -> Result<Option<StoredToken>, StoreError> {
        self.connection
            .query_row(
                "SELECT token_id, secret_hash, role, expires_at, revoked_at IS NOT NULL FROM tokens WHERE token_id = ?1",
                [token_id],
                |row| {
                    Ok(StoredToken {
                        token_id: row.get(0)?,
                        secret_hash: row.get(1)?,
                        role: row.get(2)?,
                        expires_at: row.get(3)?,
                        revoked: row.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(db)
    }

    fn revoke_token(&mut self, token_id: &str) -> Result<bool, StoreError> {
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let changed = self
            .connection
            .execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE token_id = ?1 AND revoked_at IS NULL",
                params![token_id, at],
            )
            .map_err(db)?;
        Ok(changed == 1)
    }
}

impl SqliteStore {
    /// Pledge rows of the projection: `(pledge_id, contributor, status)`, for queries and tests.
    pub fn pledge_rows(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut query = self
            .connection
            .prepare("SELECT pledge_id, contributor, status FROM pledge_view ORDER BY pledge_id")
            .map_err(db)?;
        let rows = query.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }

    /// Up to `limit` kept snapshots (-1: all), newest first, after skipping `offset`.
    fn snapshot_rows(&self, limit: i64, offset: i64) -> Result<Vec<SnapshotRow>, StoreError> {
        let mut query = self
            .connection
            .prepare(
                "SELECT seq, version, root, frontier, payload, checksum FROM snapshots \
                 ORDER BY seq DESC LIMIT ?1 OFFSET ?2",
            )
            .map_err(db)?;
        // Each column read as what it holds: a value of the wrong type marks the row damaged
        // (ignored with a notice on open) rather than failing every read of the store.
        let mut rows = query.query(params![limit, offset]).map_err(db)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(db)? {
            let integer = |i: usize| match row.get_ref(i) {
                Ok(rusqlite::types::ValueRef::Integer(n)) => Ok(n),
                Ok(other) => Err(format!("is {:?}, not an integer", other.data_type())),
                Err(e) => Err(e.to_string()),
            };
            let bytes = |i: usize| match row.get_ref(i) {
                Ok(rusqlite::types::ValueRef::Blob(b)) => Ok(b.to_vec()),
                Ok(other) => Err(format!("is {:?}, not bytes", other.data_type())),
                Err(e) => Err(e.to_string()),
            };
            out.push(crate::snapshot::stored_row(integer(0), integer(1), bytes(2), bytes(3), bytes(4), bytes(5)));
        }
        Ok(out)
    }
}
