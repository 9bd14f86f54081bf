//! Portable backups: the log, the idempotency records and the reference rates as JSON Lines,
//! readable by any backend. A restore goes into an empty store, replays every event and checks
//! every invariant before it commits, then rebuilds the projections.
//!
//! Format `tranche-backup/1`, one JSON object per line:
//! `{"header":{"format":"tranche-backup","version":1,"head":N}}`, then `{"rate":{...}}` lines,
//! `{"command":{...}}` lines, `{"event":{...}}` lines in sequence order, then the signed
//! checkpoints (`{"checkpoint":{...}}`). The header carries the log secret, so the restored
//! store derives the same leaves and its tree matches the checkpoints. API tokens are not
//! included (issue new ones after a restore).

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};
use tranche_core::State;

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
    let (mut rates, mut commands, mut events) = (Vec::new(), Vec::new(), Vec::new());
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
            Line::Rate { currency, date, rate } => rates.push((currency, date, rate)),
            Line::Command { command_id, fingerprint, first_seq, event_count } => {
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
                let event: tranche_core::Event =
                    serde_json::from_value(payload.clone()).map_err(|e| bad(number, format!("event {seq}: {e}")))?;
                state.apply(&event).map_err(|e| bad(number, format!("event {seq} does not apply: {e}")))?;
                events.push(StoredEvent { seq, kind, actor, recorded_at, payload: payload.to_string(), command_id });
            }
            Line::Checkpoint { size, note } => checkpoints.push((size, note)),
        }
    }
    let head = header_head.ok_or_else(|| bad(1, "the backup is empty".into()))?;
    if head != events.len() as u64 {
        return Err(StoreError::Corrupt(format!("the header says {head} events, the backup holds {}", events.len())));
    }
    state.check_invariants().map_err(|e| StoreError::Corrupt(format!("the restored log breaks an invariant: {e}")))?;
    store.restore_rows(&rates, &commands, &events, secret)?;
    for (size, note) in checkpoints {
        store.put_checkpoint(size, &note)?;
    }
    Ok(head)
}
