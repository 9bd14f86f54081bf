//! The seed corpora (fuzz/seeds/<target>/), made from the shipped data by
//! `cargo run -p tranche-fuzz --example seeds`: small slices, so the fuzzer starts from inputs
//! that reach deep and mutates them quickly.

use std::collections::{BTreeMap, BTreeSet};

use tranche_core::{Envelope, RateQuote};
use tranche_io::{ecb, exercise, parties, record, shipped};
use tranche_log::merkle::{self, Tree};
use tranche_store::{Ledger, SqliteStore, Store};

/// One seed: its target, its file name and its bytes.
pub struct Seed {
    pub target: &'static str,
    pub name: String,
    pub bytes: Vec<u8>,
}

fn seed(target: &'static str, name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Seed {
    Seed { target, name: name.into(), bytes: bytes.into() }
}

/// Every seed; `ecb_history` is the ECB's full history when at hand (../shared/data), whose
/// oldest rows name currencies that no longer exist.
pub fn all(ecb_history: Option<&str>) -> Vec<Seed> {
    let mut seeds = Vec::new();
    seeds.extend(slices("record_csv", shipped::PURL_RECORD_CSV, 8));
    seeds.push(seed("parties_csv", "parties.csv", shipped::PARTIES_CSV));
    seeds.extend(slices("ecb_rates", shipped::ECB_RATES_CSV, 4).take(2));
    if let Some(history) = ecb_history {
        let oldest: Vec<&str> = history.lines().rev().take(3).collect();
        let header = history.lines().next().unwrap_or_default();
        seeds.push(seed("ecb_rates", "oldest.csv", format!("{header}\n{}\n", oldest.join("\n"))));
    }
    seeds.extend(slices("kiel_series", shipped::KIEL_PROCUREMENT_CSV, 12).take(2));
    seeds.extend(commands());
    seeds.extend(crate::notes::seeds().into_iter().map(|(name, bytes)| seed("checkpoint_note", name, bytes)));
    seeds.extend(proofs());
    seeds.extend(store_seeds());
    let iati = crate::iati::seeds(record_envelopes());
    seeds.extend(iati.into_iter().map(|(name, bytes)| seed("iati_xml", name, bytes)));
    seeds
}

/// The header and `rows` rows at a time.
fn slices(target: &'static str, csv: &'static str, rows: usize) -> impl Iterator<Item = Seed> {
    let mut lines = csv.lines();
    let header = lines.next().unwrap_or_default();
    let body: Vec<&str> = lines.collect();
    body.chunks(rows)
        .enumerate()
        .map(move |(i, chunk)| seed(target, format!("slice-{i:02}.csv"), format!("{header}\n{}\n", chunk.join("\n"))))
        .collect::<Vec<_>>()
        .into_iter()
}

/// Commands of the types that neither the exercise nor the record uses, and a joint pledge with
/// shares, each accepted after the shipped record.
pub(crate) const MORE_COMMANDS: &[&str] = &[
    r#"{"command_id":"fz:1","actor":"contributor:LTU","command":{"type":"withdraw-pledge","pledge":"R01","date":"2026-03-01","reason":"fuzz"}}"#,
    r#"{"command_id":"fz:2","actor":"coordinator","command":{"type":"supersede-pledge","pledge":"R01","by":"R02","date":"2026-03-01"}}"#,
    r#"{"command_id":"fz:3","actor":"admin","command":{"type":"announce-pledge","supersedes":null,"announcement":{"pledge":"FZ-J1","kind":"joint-package","contributor":{"joint":["NLD","DEU"]},"amount":{"amount_minor":100000,"currency":"EUR"},"package":null,"earmark":null,"date":"2026-03-06","source":{"confidence":"reported","date":"2026-03-06","url":"https://example.org/a"},"note":null,"contingent_on":null,"shares":[{"party":"NLD","share":{"percent":"60"}},{"party":"DEU","share":{"percent":"40"}}]}}}"#,
];

/// One command of each type as a stored envelope and as an HTTP body, and the exercise's script
/// as JSON Lines.
fn commands() -> Vec<Seed> {
    let script: Vec<String> = exercise::steps().iter().map(|e| serde_json::to_string(e).expect("serialises")).collect();
    let mut seeds = vec![seed("command_json", "exercise.jsonl", script.join("\n"))];
    let mut kinds = BTreeSet::new();
    let more = MORE_COMMANDS.iter().map(|json| serde_json::from_str::<Envelope>(json).expect("a seed parses"));
    let parties = parties::parse("parties", shipped::PARTIES_CSV).expect("the shipped parties parse");
    let base = crate::fixture::mechanism_and_group().into_iter().chain(parties.into_iter().take(1));
    for envelope in exercise::steps().into_iter().chain(record_envelopes()).chain(base).chain(more) {
        let json = serde_json::to_value(&envelope).expect("an envelope serialises");
        let kind = match json["command"]["announcement"]["shares"].as_array() {
            Some(shares) if !shares.is_empty() => "shares".to_string(),
            _ => json["command"]["type"].as_str().unwrap_or_default().to_string(),
        };
        // One of each command type keeps the corpus small.
        if !kinds.insert(kind.clone()) {
            continue;
        }
        let body = serde_json::json!({"command_id": envelope.command_id.as_str(), "command": json["command"]});
        seeds.push(seed("command_json", format!("{kind}.json"), json.to_string()));
        seeds.push(seed("command_json", format!("{kind}.body.json"), body.to_string()));
    }
    seeds
}

fn record_envelopes() -> Vec<Envelope> {
    let parsed = record::parse("record", shipped::PURL_RECORD_CSV, &|_| false).expect("the shipped record parses");
    parsed.rows.into_iter().flat_map(|row| row.envelopes).collect()
}

/// Real proofs from a tree of 10 leaves, in the layout `proofs` reads.
fn proofs() -> Vec<Seed> {
    let mut tree = Tree::new();
    for i in 0..10u64 {
        tree.push(merkle::leaf_hash(&i.to_be_bytes()));
    }
    let encode = |index: u64, size: u64, first: [u8; 32], second: [u8; 32], proof: Vec<[u8; 32]>| {
        let mut bytes = [index.to_le_bytes(), size.to_le_bytes()].concat();
        bytes.extend(first.into_iter().chain(second).chain(proof.into_iter().flatten()));
        bytes
    };
    let inclusion = tree.inclusion_proof(3, 10).expect("3 < 10");
    let (leaf, root) = (tree.leaf(3).expect("a leaf"), tree.root());
    let consistency = tree.consistency_proof(6, 10).expect("6 <= 10");
    let old = tree.root_at(6).expect("6 <= 10");
    vec![
        seed("proofs", "inclusion-3-of-10", encode(3, 10, leaf, root, inclusion)),
        seed("proofs", "consistency-6-to-10", encode(6, 10, old, root, consistency)),
    ]
}

/// A small store (the parties, the PURL mechanism, the record's first rows, a signed
/// checkpoint): its backup, and its log's leaves.
fn store_seeds() -> Vec<Seed> {
    let mut ledger = Ledger::open(SqliteStore::in_memory().expect("an in-memory store")).expect("an empty ledger");
    ledger.import_rates(&monthly_rates()).expect("the shipped rates import");
    let mut envelopes = parties::parse("parties", shipped::PARTIES_CSV).expect("the shipped parties parse");
    envelopes.extend(crate::fixture::mechanism_and_group());
    envelopes.extend(record_envelopes().into_iter().take(14));
    for envelope in &envelopes {
        // Rows the shipped record holds but the domain refuses are left out, as on import.
        let _ = ledger.execute(envelope);
    }
    let signer = crate::notes::log_signer();
    let mut store = ledger.into_store();
    let tree = tranche_store::log::tree_of(&store).expect("the log reads");
    tranche_store::log::sign_checkpoint(&mut store, &tree, signer).expect("the checkpoint is signed");
    let mut backup = Vec::new();
    tranche_store::backup::write(&store, &mut backup).expect("the backup is written");
    let mut seeds = vec![seed("backup", "small.jsonl", backup)];
    let secret = store.log_secret();
    let events = store.events_after(0, tranche_store::MAX_PAGE).expect("the events read");
    let mut kinds = BTreeSet::new();
    for event in events.iter().filter(|event| kinds.insert(event.kind.clone())) {
        let leaf = tranche_store::leaf_of(event, &secret).expect("a leaf");
        seeds.push(seed("log_entry", format!("{}.json", event.kind), leaf));
    }
    seeds
}

/// The first shipped quote of each month in the currencies of the record, enough to convert it.
fn monthly_rates() -> Vec<RateQuote> {
    let quotes = ecb::parse("rates", shipped::ECB_RATES_CSV).expect("the shipped rates parse");
    let mut months = BTreeSet::new();
    let mut kept: Vec<RateQuote> = quotes.into_iter().rev().filter(|q| months.insert((q.currency, month(q)))).collect();
    kept.retain(|q| ["USD", "NOK", "DKK", "SEK", "GBP", "CAD"].contains(&q.currency.to_string().as_str()));
    kept
}

fn month(quote: &RateQuote) -> String {
    quote.date.format("%Y-%m").to_string()
}

/// Values at the edges of what the formats allow, for every dictionary.
const EDGES: &[&str] = &[
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "79228162514264337593543950335",
    "1000000000000000",
    "1000000000000001",
    "0.0000000000000000000000000001",
    "1e308",
    "-0",
    "0001-01-01",
    "9999-12-31",
    "+10000-01-01",
    "2023-12-31",
    "javascript:",
    "\u{202e}",
    "..",
];

/// libFuzzer dictionaries, one per target: the words of its seeds (JSON keys and short strings;
/// CSV fields) and the edge values, so mutations splice in names the parsers compare against.
pub fn dictionaries(seeds: &[Seed]) -> BTreeMap<&'static str, String> {
    let mut words: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    // The proofs' seeds are binary: no words.
    for seed in seeds.iter().filter(|seed| seed.target != "proofs") {
        let set = words.entry(seed.target).or_default();
        let text = String::from_utf8_lossy(&seed.bytes);
        for line in text.lines() {
            match serde_json::from_str::<serde_json::Value>(line) {
                // XML: the element names and attribute keys the reader compares against.
                _ if seed.target == "iati_xml" => set.extend(line.split_whitespace().filter_map(|word| {
                    let name = |w: &str| w.split(['>', '/', '=']).next().map(str::to_string);
                    match word.strip_prefix('<') {
                        Some(element) => name(element).map(|n| format!("<{n}")),
                        None => word.contains("=\"").then(|| name(word).map(|n| format!("{n}=\""))).flatten(),
                    }
                })),
                Ok(value) => json_words(&value, set),
                Err(_) => set.extend(line.split([',', ';', '\n']).filter(|w| w.len() <= 24).map(str::to_string)),
            }
        }
        set.extend(EDGES.iter().map(|w| w.to_string()));
    }
    let entry = |word: &String| format!("\"{}\"\n", escaped(word));
    words.into_iter().map(|(target, set)| (target, set.iter().filter(|w| !w.is_empty()).map(entry).collect())).collect()
}

fn json_words(value: &serde_json::Value, words: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::String(text) if text.len() <= 32 => {
            words.insert(format!("\"{text}\""));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| json_words(item, words)),
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                words.insert(format!("\"{key}\":"));
                json_words(item, words);
            }
        }
        _ => {}
    }
}

/// A dictionary word: printable ASCII as it is, other bytes as `\xHH`.
fn escaped(word: &str) -> String {
    word.bytes()
        .map(|b| match b {
            b'"' | b'\\' => format!("\\{}", b as char),
            b' '..=b'~' => (b as char).to_string(),
            _ => format!("\\x{b:02X}"),
        })
        .collect()
}
