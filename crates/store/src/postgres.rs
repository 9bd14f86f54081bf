//! The PostgreSQL backend of the `Store` trait: the same tables and the same guarantees as the
//! SQLite store (one transaction per append, append-only events and leaves, idempotency by
//! fingerprint), for a shared service. Text is ordered with `COLLATE "C"` (byte order), as in
//! SQLite, so dumps and comparisons agree across backends.
//!
//! Several writers may share one database: appends take turns on an advisory lock and a batch
//! decided on an older head is refused (`StoreError::Conflict`); the `Ledger` then catches up
//! and decides its commands again. Not yet here: API tokens, backups and restores.

use std::cell::RefCell;

use postgres::{Client, NoTls, Transaction};
use tranche_core::{CommandId, Event, JournalEntry, Pledge, RateQuote, RateTable};

use crate::{Batch, Store, StoreError, StoredCommand, StoredEvent, leaf_of};

const MIGRATIONS: &[&str] = &[include_str!("../migrations/postgres/0001_init.sql")];

/// The advisory lock key appenders take turns on ("tranche" in ASCII).
const APPEND_LOCK: i64 = 0x7472_616e_6368_65;

pub struct PostgresStore {
    client: RefCell<Client>,
    secret: [u8; 32],
}

fn db(error: postgres::Error) -> StoreError {
    StoreError::Database(error.to_string())
}

impl PostgresStore {
    /// Connects (`postgres://user@host:port/database`, or key=value pairs) and runs any pending
    /// migration.
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let client = Client::connect(url, NoTls).map_err(|e| StoreError::Database(format!("cannot connect: {e}")))?;
        let mut store = PostgresStore { client: RefCell::new(client), secret: [0; 32] };
        store.migrate()?;
        store.secret = store.load_or_create_secret()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let client = self.client.get_mut();
        client.batch_execute("CREATE TABLE IF NOT EXISTS tranche_schema (version INTEGER NOT NULL)").map_err(db)?;
        let mut tx = client.transaction().map_err(db)?;
        tx.batch_execute("LOCK TABLE tranche_schema IN EXCLUSIVE MODE").map_err(db)?;
        let version: i32 =
            tx.query_one("SELECT COALESCE(MAX(version), 0) FROM tranche_schema", &[]).map_err(db)?.get(0);
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
        tx.commit().map_err(db)
    }

    fn load_or_create_secret(&mut self) -> Result<[u8; 32], StoreError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| StoreError::Database(format!("no randomness: {e}")))?;
        let client = self.client.get_mut();
        client
            .execute(
                "INSERT INTO log_meta (key, value) VALUES ('secret', $1) ON CONFLICT (key) DO NOTHING",
                &[&&secret[..]],
            )
            .map_err(db)?;
        let stored: Vec<u8> =
            client.query_one("SELECT value FROM log_meta WHERE key = 'secret'", &[]).map_err(db)?.get(0);
        stored.try_into().map_err(|_| StoreError::Corrupt("the log secret is not 32 bytes".into()))
    }
}

fn write_postings(tx: &mut Transaction, seq: u64, entries: &[JournalEntry]) -> Result<(), StoreError> {
    let insert = tx
        .prepare(
            "INSERT INTO postings (seq, entry, book, account, currency, amount_minor) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .map_err(db)?;
    for (index, entry) in entries.iter().enumerate() {
        for posting in entry.postings() {
            tx.execute(
                &insert,
                &[
                    &(seq as i64),
                    &(index as i64),
                    &entry.book().as_str(),
                    &posting.account.to_string(),
                    &posting.amount.currency.code(),
                    &posting.amount.amount_minor,
                ],
            )
            .map_err(db)?;
        }
    }
    Ok(())
}

fn write_pledge(tx: &mut Transaction, pledge: &Pledge, seq: u64) -> Result<(), StoreError> {
    let currency = pledge.committed.or(pledge.announced).map(|m| m.currency.code().to_string());
    tx.execute(
        "INSERT INTO pledge_view (pledge_id, kind, contributor, date, status, currency, announced_minor, \
         committed_minor, paid_minor, package, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (pledge_id) DO UPDATE SET kind = excluded.kind, contributor = excluded.contributor, \
         date = excluded.date, status = excluded.status, currency = excluded.currency, \
         announced_minor = excluded.announced_minor, committed_minor = excluded.committed_minor, \
         paid_minor = excluded.paid_minor, package = excluded.package, last_seq = excluded.last_seq",
        &[
            &pledge.id.as_str(),
            &pledge.kind.as_str(),
            &pledge.contributor.key(),
            &pledge.date.to_string(),
            &pledge.status.as_str(),
            &currency,
            &pledge.announced.map(|m| m.amount_minor),
            &pledge.committed.map(|m| m.amount_minor),
            &pledge.paid.map(|m| m.amount_minor),
            &pledge.package.as_ref().map(|p| p.as_str()),
            &(seq as i64),
        ],
    )
    .map_err(db)?;
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

impl Store for PostgresStore {
    fn head(&self) -> Result<u64, StoreError> {
        let row = self.client.borrow_mut().query_one("SELECT COALESCE(MAX(seq), 0) FROM events", &[]).map_err(db)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn command(&self, id: &CommandId) -> Result<Option<StoredCommand>, StoreError> {
        let row = self
            .client
            .borrow_mut()
            .query_opt(
                "SELECT fingerprint, first_seq, event_count FROM commands WHERE command_id = $1",
                &[&id.as_str()],
            )
            .map_err(db)?;
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

    fn append(&mut self, batch: &Batch) -> Result<(), StoreError> {
        let recorded_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let secret = self.secret;
        let client = self.client.get_mut();
        let mut tx = client.transaction().map_err(db)?;
        // Appenders on every process take turns here (released at commit or rollback); then a
        // batch decided on an older head is refused and its writer catches up and decides again.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK]).map_err(db)?;
        let head: i64 = tx.query_one("SELECT COALESCE(MAX(seq), 0) FROM events", &[]).map_err(db)?.get(0);
        if let Some(expected) = batch.expected_head.filter(|e| *e != head as u64) {
            return Err(StoreError::Conflict { expected, found: head as u64 });
        }
        let mut seq = head as u64;
        let insert_event = tx
            .prepare("INSERT INTO events (seq, command_id, kind, payload, recorded_at, actor) VALUES ($1, $2, $3, $4, $5, $6)")
            .map_err(db)?;
        let insert_leaf = tx.prepare("INSERT INTO log_leaves (seq, hash) VALUES ($1, $2)").map_err(db)?;
        for command in &batch.commands {
            tx.execute(
                "INSERT INTO commands (command_id, fingerprint, first_seq, event_count) VALUES ($1, $2, $3, $4)",
                &[
                    &command.command_id.as_str(),
                    &&command.fingerprint[..],
                    &((seq + 1) as i64),
                    &(command.events.len() as i64),
                ],
            )
            .map_err(db)?;
            for (event, entries) in &command.events {
                seq += 1;
                let payload = serde_json::to_string(event).map_err(|e| StoreError::Database(e.to_string()))?;
                let stored = StoredEvent {
                    seq,
                    command_id: command.command_id.to_string(),
                    kind: event.name().to_string(),
                    actor: command.actor.to_string(),
                    recorded_at: recorded_at.clone(),
                    payload,
                };
                tx.execute(
                    &insert_event,
                    &[
                        &(seq as i64),
                        &stored.command_id,
                        &stored.kind,
                        &stored.payload,
                        &stored.recorded_at,
                        &stored.actor,
                    ],
                )
                .map_err(db)?;
                let leaf = tranche_log::leaf_hash(&leaf_of(&stored, &secret)?);
                tx.execute(&insert_leaf, &[&(seq as i64), &&leaf[..]]).map_err(db)?;
                write_postings(&mut tx, seq, entries)?;
            }
        }
        for pledge in &batch.pledges {
            write_pledge(&mut tx, pledge, seq)?;
        }
        tx.commit().map_err(db)
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
        let mut new = 0;
        for quote in quotes {
            let (currency, date) = (quote.currency.code(), quote.date.to_string());
            let held = tx
                .query_opt("SELECT rate FROM fx_rates WHERE currency = $1 AND date = $2", &[&currency, &date])
                .map_err(db)?
                .map(|row| row.get::<_, String>(0));
            if crate::rate_is_new(quote, held.as_deref())? {
                tx.execute(
                    "INSERT INTO fx_rates (currency, date, rate) VALUES ($1, $2, $3)",
                    &[&currency, &date, &quote.rate.to_string()],
                )
                .map_err(db)?;
                new += 1;
            }
        }
        tx.commit().map_err(db)?;
        Ok(new)
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
            .query(
                "SELECT seq, kind, actor, recorded_at, payload, command_id FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&(after as i64), &limit],
            )
            .map_err(db)?;
        Ok(rows.iter().map(stored_event).collect())
    }

    fn rebuild_projections(
        &mut self,
        postings: &[(u64, Vec<JournalEntry>)],
        pledges: &[&Pledge],
    ) -> Result<(), StoreError> {
        let mut tx = self.client.get_mut().transaction().map_err(db)?;
        tx.batch_execute("DELETE FROM postings; DELETE FROM pledge_view;").map_err(db)?;
        for (seq, entries) in postings {
            write_postings(&mut tx, *seq, entries)?;
        }
        let head: i64 = tx.query_one("SELECT COALESCE(MAX(seq), 0) FROM events", &[]).map_err(db)?.get(0);
        for pledge in pledges {
            write_pledge(&mut tx, pledge, head as u64)?;
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
                &[&(after as i64), &(limit.min(i64::MAX as usize) as i64)],
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
}
