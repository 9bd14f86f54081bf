//! Portable backups: the log, the idempotency records and the reference rates as JSON Lines,
//! readable by any backend. A restore goes into an empty store, replays every event and checks
//! every invariant before it commits, then rebuilds the projections. Before anything is written
//! it also reads every line as the rest of the system would read it back (rates as quotes, each
//! event's leaf fields through their own types) and checks each checkpoint's root against the
//! tree of the restored leaves; a refusal names the backup line.
//!
//! Format `tranche-backup/1`, one JSON object per line:
//! `{"header":{"format":"tranche-backup","version":1,"head":N}}`, then `{"rate":{...}}` lines,
//! `{"command":{...}}` lines, `{"event":{...}}` lines in sequence order, then the signed
//! checkpoints (`{"checkpoint":{...}}`). The header carries the log secret, so the restored
//! store derives the same leaves and its tree matches the checkpoints. API tokens are not
//! included (issue new ones after a restore).

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};
use tranche_core::fx::Inserted;
use tranche_core::{CommandId, Currency, Rate, RateQuote, RateTable, State};

use crate::{Store, StoreError, StoredCommandRow, StoredEvent};

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Line {
    Header {
        format: String,
        version: u32,
        head: u64,
        /// Hex; absent in backups made before the verifiable log (a new secret is made then).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        log_secret: Option<String>,
    },
    Rate {
        currency: String,
        date: String,
        rate: String,
    },
    Command {
        command_id: String,
        fingerprint: String,
        first_seq: u64,
        event_count: u32,
    },
    Event {
        seq: u64,
        command_id: String,
        actor: String,
        kind: String,
        recorded_at: String,
        payload: serde_json::Value,
    },
    Checkpoint {
        size: u64,
        note: String,
    },
}

fn io(error: std::io::Error) -> StoreError {
    StoreError::Database(format!("backup file: {error}"))
}

/// Writes the whole store; returns the number of events written.
pub fn write<S: Store + ?Sized>(store: &S, out: &mut dyn Write) -> Result<u64, StoreError> {
    let head = store.head()?;
    let mut line = |value: &Line| -> Result<(), StoreError> {
        serde_json::to_writer(&mut *out, value).map_err(|e| StoreError::Database(e.to_string()))?;
        out.write_all(b"\n").map_err(io)
    };
    let log_secret = Some(store.log_secret().iter().map(|b| format!("{b:02x}")).collect());
    line(&Line::Header { format: "tranche-backup".into(), version: 1, head, log_secret })?;
    for quote in store.rates()?.quotes() {
        line(&Line::Rate {
            currency: quote.currency.to_string(),
            date: quote.date.to_string(),
            rate: quote.rate.to_string(),
        })?;
    }
    for row in store.command_rows()? {
        let fingerprint = row.fingerprint.iter().map(|b| format!("{b:02x}")).collect();
        line(&Line::Command {
            command_id: row.command_id,
            fingerprint,
            first_seq: row.first_seq,
            event_count: row.event_count,
        })?;
    }
    let mut after = 0;
    loop {
        let page = store.events_after(after, crate::MAX_PAGE)?;
        if page.is_empty() {
            break;
        }
        for event in page {
            after = event.seq;
            let payload = serde_json::from_str(&event.payload)
                .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", event.seq)))?;
            line(&Line::Event {
                seq: event.seq,
                command_id: event.command_id,
                actor: event.actor,
                kind: event.kind,
                recorded_at: event.recorded_at,
                payload,
            })?;
        }
    }
    for (size, note) in store.checkpoints()? {
        line(&Line::Checkpoint { size, note })?;
    }
    out.flush().map_err(io)?;
    Ok(head)
}

/// Restores a backup into an empty store: all or nothing. Returns the number of events.
pub fn restore<S: Store + ?Sized>(store: &mut S, input: &mut dyn BufRead) -> Result<u64, StoreError> {
    if store.head()? != 0 {
        return Err(StoreError::Refused("restore needs an empty store; this one already has events".into()));
    }
    let bad = |number: usize, problem: String| StoreError::Corrupt(format!("backup line {number}: {problem}"));
    let mut header_head = None;
    let mut secret = None;
    let mut checkpoints = Vec::new();
    let (mut rates, mut commands, mut events) = (RateTable::new(), Vec::new(), Vec::new());
    let mut state = State::new();
    for (index, text) in input.lines().enumerate() {
        let number = index + 1;
        let text = text.map_err(io)?;
        let line: Line = serde_json::from_str(&text).map_err(|e| bad(number, e.to_string()))?;
        match line {
            Line::Header { format, version, head, log_secret } => {
                if let Some(hex) = log_secret {
                    let bytes: Option<Vec<u8>> = (0..hex.len() / 2)
                        .map(|i| hex.get(2 * i..2 * i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
                        .collect();
                    secret = Some(
                        bytes
                            .and_then(|b| <[u8; 32]>::try_from(b).ok())
                            .ok_or_else(|| bad(number, "the log secret is not 32 bytes of hex".into()))?,
                    );
                }
                if number != 1 || format != "tranche-backup" || version != 1 {
                    return Err(bad(number, format!("not a tranche-backup/1 header ({format}/{version})")));
                }
                header_head = Some(head);
            }
            _ if header_head.is_none() => {
                return Err(bad(number, "the first line must be the tranche-backup header".into()));
            }
            Line::Rate { currency, date, rate } => {
                let quote = rate_quote(&currency, &date, &rate).map_err(|e| bad(number, e))?;
                add_quote(&mut rates, quote).map_err(|e| bad(number, e))?;
            }
            Line::Command { command_id, fingerprint, first_seq, event_count } => {
                CommandId::parse(&command_id).map_err(|e| bad(number, format!("a command id: {e}")))?;
                let bytes: Vec<u8> = (0..fingerprint.len() / 2)
                    .map(|i| u8::from_str_radix(fingerprint.get(2 * i..2 * i + 2).unwrap_or("zz"), 16))
                    .collect::<Result<_, _>>()
                    .map_err(|_| bad(number, "a fingerprint is not hex".into()))?;
                let fingerprint: [u8; 32] =
                    bytes.try_into().map_err(|_| bad(number, "a fingerprint is not 32 bytes".into()))?;
                commands.push(StoredCommandRow { command_id, fingerprint, first_seq, event_count });
            }
            Line::Event { seq, command_id, actor, kind, recorded_at, payload } => {
                if seq != events.len() as u64 + 1 {
                    return Err(bad(number, format!("event {seq} out of sequence (expected {})", events.len() + 1)));
                }
                let stored = StoredEvent { seq, kind, actor, recorded_at, payload: payload.to_string(), command_id };
                let event = event_of(&stored, payload).map_err(|e| bad(number, format!("event {seq}: {e}")))?;
                state.apply(&event).map_err(|e| bad(number, format!("event {seq} does not apply: {e}")))?;
                events.push(stored);
            }
            Line::Checkpoint { size, note } => checkpoints.push((number, size, note)),
        }
    }
    let head = header_head.ok_or_else(|| bad(1, "the backup is empty".into()))?;
    if head != events.len() as u64 {
        return Err(StoreError::Corrupt(format!("the header says {head} events, the backup holds {}", events.len())));
    }
    state.check_invariants().map_err(|e| StoreError::Corrupt(format!("the restored log breaks an invariant: {e}")))?;
    let tree = tree_of(&events, &secret.unwrap_or_else(|| store.log_secret()))?;
    check_checkpoints(&tree, &checkpoints).map_err(|(number, problem)| bad(number, problem))?;
    let rates: Vec<(String, String, String)> =
        rates.quotes().map(|q| (q.currency.to_string(), q.date.to_string(), q.rate.to_string())).collect();
    store.restore_rows(&rates, &commands, &events, secret)?;
    for (_, size, note) in checkpoints {
        store.put_checkpoint(size, &note)?;
    }
    Ok(head)
}

/// A rate line as the quote it stands for, through the parsers every other way in uses.
fn rate_quote(currency: &str, date: &str, rate: &str) -> Result<RateQuote, String> {
    Ok(RateQuote {
        currency: Currency::parse(currency).map_err(|e| format!("a rate's currency: {e}"))?,
        date: tranche_core::parse_date(date).map_err(|e| format!("a rate's date: {e}"))?,
        rate: Rate::parse(rate).map_err(|e| format!("a rate: {e}"))?,
    })
}

/// Adds a restored quote to the table; a backup holds each currency and date once.
fn add_quote(table: &mut RateTable, quote: RateQuote) -> Result<(), String> {
    match table.insert(quote) {
        Ok(Inserted::New) => Ok(()),
        Ok(Inserted::Unchanged) => Err(format!("the rate of {} on {} appears twice", quote.currency, quote.date)),
        Err(conflict) => Err(conflict.to_string()),
    }
}

/// The event of a restored line, after checking every field its leaf commits to: the command
/// id and actor parse, `recorded_at` is in the form the store writes, and the kind is the
/// payload's own.
fn event_of(stored: &StoredEvent, payload: serde_json::Value) -> Result<tranche_core::Event, String> {
    CommandId::parse(&stored.command_id).map_err(|e| format!("the command id: {e}"))?;
    tranche_core::auth::Role::parse(&stored.actor).map_err(|e| format!("the actor: {e}"))?;
    check_recorded_at(&stored.recorded_at)?;
    let event: tranche_core::Event = serde_json::from_value(payload).map_err(|e| e.to_string())?;
    if event.name() != stored.kind {
        return Err(format!("the kind {:?} is not the payload's ({})", stored.kind, event.name()));
    }
    Ok(event)
}

/// Every store writes `recorded_at` as RFC 3339 in UTC with milliseconds; only that form is
/// restored, so the leaf of a restored event is one the store could have written.
fn check_recorded_at(text: &str) -> Result<(), String> {
    let time = chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|e| format!("recorded_at {text:?} is not an RFC 3339 time: {e}"))?;
    let written = time.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    if written != text {
        return Err(format!("recorded_at {text:?} is not in the stored form ({written})"));
    }
    Ok(())
}

/// The Merkle tree of the restored events' leaves, as the store will derive them.
fn tree_of(events: &[StoredEvent], secret: &[u8; 32]) -> Result<tranche_log::Tree, StoreError> {
    let mut tree = tranche_log::Tree::new();
    for event in events {
        tree.push(tranche_log::leaf_hash(&crate::leaf_of(event, secret)?));
    }
    Ok(tree)
}

/// Each checkpoint (with its backup line number) parses as a signed note of its own size, in
/// increasing sizes, and the tree's root at that size is its root. The signing key may not be
/// known at a restore, so the signature is left to `verify`. Errors carry the line number.
fn check_checkpoints(tree: &tranche_log::Tree, checkpoints: &[(usize, u64, String)]) -> Result<(), (usize, String)> {
    let mut previous = None;
    for (number, size, note) in checkpoints {
        let problem = |text: String| (*number, format!("checkpoint of size {size}: {text}"));
        if previous.is_some_and(|previous| previous >= *size) {
            return Err(problem("the checkpoints are not in increasing sizes".into()));
        }
        let checkpoint = crate::log::check_checkpoint(tree, note, None).map_err(|e| problem(e.to_string()))?;
        if checkpoint.size != *size {
            return Err(problem(format!("the note is of size {}", checkpoint.size)));
        }
        previous = Some(*size);
    }
    Ok(())
}
