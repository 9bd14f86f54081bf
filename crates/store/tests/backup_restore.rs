//! A restore refuses every backup line the rest of the system could not read back, or whose log
//! does not match its own checkpoints; each refusal names the line and writes nothing. Cases
//! are edits of the fuzzing seed (fuzz/seeds/backup/small.jsonl: a header, rates from line 2,
//! events from line 258 and one checkpoint of size 53 on line 311).

use tranche_store::{SqliteStore, Store};

const SEED: &str = include_str!("../../../fuzz/seeds/backup/small.jsonl");
const CHECKPOINT: usize = 311;

/// The seed with `from` replaced by `to` on line `number` (which must hold `from`).
fn edited(number: usize, from: &str, to: &str) -> Vec<String> {
    let mut lines: Vec<String> = SEED.lines().map(str::to_string).collect();
    let line = &mut lines[number - 1];
    assert!(line.contains(from), "line {number} holds no {from:?}");
    *line = line.replacen(from, to, 1);
    lines
}

/// The seed with line `number` given twice.
fn doubled(number: usize) -> Vec<String> {
    let mut lines: Vec<String> = SEED.lines().map(str::to_string).collect();
    lines.insert(number, lines[number - 1].clone());
    lines
}

/// The restore of `lines` is refused with an error naming `line` and holding `problem`, and the
/// store is left empty.
fn check(name: &str, lines: Vec<String>, line: usize, problem: &str) {
    let mut store = SqliteStore::in_memory().unwrap();
    let text = lines.join("\n");
    let error = match tranche_store::backup::restore(&mut store, &mut text.as_bytes()) {
        Ok(head) => panic!("{name}: restored {head} events"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains(&format!("backup line {line}: ")), "{name}: {error}");
    assert!(error.contains(problem), "{name}: {error} does not say {problem:?}");
    assert_eq!(store.head().unwrap(), 0, "{name}: events were written");
    assert_eq!(store.rate_count().unwrap(), 0, "{name}: rates were written");
    assert!(store.command_rows().unwrap().is_empty(), "{name}: commands were written");
    assert!(store.checkpoints().unwrap().is_empty(), "{name}: checkpoints were written");
}

#[test]
fn the_seed_restores_with_its_checkpoint() {
    let mut store = SqliteStore::in_memory().unwrap();
    assert_eq!(tranche_store::backup::restore(&mut store, &mut SEED.as_bytes()).unwrap(), 53);
    assert_eq!(store.checkpoints().unwrap().len(), 1);
}

#[test]
fn rate_lines_parse_as_quotes() {
    check("not a number", edited(2, r#""rate":"1.4565""#, r#""rate":"x""#), 2, "not a decimal number");
    check("not positive", edited(2, r#""rate":"1.4565""#, r#""rate":"-1""#), 2, "must be positive");
    check("year out of range", edited(2, "2024-01-02", "4048-10-01"), 2, "outside the years");
    check("not a date", edited(2, "2024-01-02", "2024-1-2"), 2, "a rate's date");
    check("not a currency", edited(2, r#""CAD""#, r#""cad!""#), 2, "a rate's currency");
    check("twice", doubled(2), 3, "appears twice");
}

#[test]
fn idempotency_records_name_command_ids() {
    check("empty command id", edited(206, r#""party:ALB""#, r#""""#), 206, "command id");
}

#[test]
fn event_fields_in_the_leaf_parse() {
    check(
        "kind of another event",
        edited(258, r#""kind":"party-registered""#, r#""kind":"group-defined""#),
        258,
        "kind",
    );
    check("unknown actor", edited(258, r#""actor":"admin""#, r#""actor":"root""#), 258, "the actor");
    check("actor of no party", edited(258, r#""actor":"admin""#, r#""actor":"contributor:""#), 258, "the actor");
    check("empty command id", edited(258, r#""command_id":"party:ALB""#, r#""command_id":"""#), 258, "command id");
    let time = "2026-11-29T16:48:36.031Z";
    check("time not RFC 3339", edited(258, time, "yesterday"), 258, "recorded_at");
    check("time with an offset", edited(258, time, "2026-11-29T17:48:36.031+01:00"), 258, "recorded_at");
    check("time without milliseconds", edited(258, time, "2026-11-29T16:48:36Z"), 258, "recorded_at");
}

#[test]
fn checkpoints_hold_for_the_restored_log() {
    let time = "2026-11-29T16:48:36.031Z";
    check("event changed", edited(258, time, "2020-01-01T00:00:00.000Z"), CHECKPOINT, "root differs");
    check("not a note", edited(CHECKPOINT, r#"\n\n— "#, r#"\n— "#), CHECKPOINT, "malformed note");
    check("beyond the head", edited(CHECKPOINT, r#"log\n53\n"#, r#"log\n60\n"#), CHECKPOINT, "holds only 53");
    check("of another size", edited(CHECKPOINT, r#""size":53"#, r#""size":52"#), CHECKPOINT, "the note is of size 53");
    check("twice", doubled(CHECKPOINT), CHECKPOINT + 1, "increasing sizes");
}
