//! The fuzz entry points: one function per parser, taking arbitrary bytes. Each must return
//! without a panic whatever it is given; a panic is a finding. Where a format has a writer, what
//! is read must read back the same after writing. libFuzzer runs these from `fuzz/` (one target
//! per function); `cargo test` runs every kept crash and seed through them
//! (`tests/regressions.rs`), so a crash found once stays a test without the fuzzer.
//! docs/RELIABILITY.md ("Fuzzing") says how to run a campaign.

mod backup;
mod commands;
mod fixture;
mod iati;
mod notes;
mod proofs;
pub mod seeds;
mod tables;

use std::fmt::Debug;

use chrono::NaiveDate;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tranche_core::auth::Reader;
use tranche_core::{Currency, Money, RateTable, State};

pub use backup::backup;
pub use commands::command_json;
pub use iati::iati_xml;
pub use notes::checkpoint_note;
pub use proofs::{log_entry, proofs};
pub use tables::{ecb_rates, kiel_series, parties_csv, record_csv};

/// An entry point: arbitrary bytes in, a panic on a finding.
pub type Target = fn(&[u8]);

/// Every target by name: the fuzz/ binaries, the folders of fuzz/seeds and fuzz/regressions.
pub const TARGETS: &[(&str, Target)] = &[
    ("record_csv", record_csv),
    ("parties_csv", parties_csv),
    ("ecb_rates", ecb_rates),
    ("kiel_series", kiel_series),
    ("command_json", command_json),
    ("checkpoint_note", checkpoint_note),
    ("proofs", proofs),
    ("log_entry", log_entry),
    ("backup", backup),
    ("iati_xml", iati_xml),
];

/// The input as text; the formats are UTF-8, and the readers get `&str`.
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// `value` written in its JSON form and read again is `value`.
fn round_trip_json<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let json = serde_json::to_string(value).unwrap_or_else(|e| panic!("{value:?} does not serialise: {e}"));
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json} does not read back: {e}"));
    assert_eq!(&back, value, "{json} reads back differently");
}

/// The largest amounts a value in `currency` may hold, both signs.
fn extreme_amounts(currency: Currency) -> impl Iterator<Item = Money> {
    let max = tranche_core::money::MAX_AMOUNT_MINOR;
    [max, -max, 1].into_iter().filter_map(move |minor| Money::new(minor, currency).ok())
}

/// The dates a public read may be asked about: the data's own years and the last one allowed.
fn read_dates() -> [NaiveDate; 2] {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a valid date");
    [date(2026, 6, 30), date(9999, 12, 31)]
}

/// Whatever the domain accepted, the summary and the reports answer (issue 12: a state that a
/// report cannot count must have been refused when decided).
fn reports_answer(state: &State, rates: &RateTable) {
    let currencies = [Currency::EUR, Currency::USD];
    for as_of in read_dates() {
        if let Err(e) = tranche_core::summarise(state, rates, as_of, &currencies) {
            panic!("the summary as of {as_of} fails: {e}");
        }
        tranche_core::reports::pipeline(state, Currency::USD, as_of);
    }
    tranche_core::reports::package_rows(state, Reader::Public);
    if let Err(e) = tranche_core::reports::months(state, rates, Currency::USD) {
        panic!("the monthly report fails: {e}");
    }
    funding_answers(state, rates);
}

/// The funding engine answers too: the targets report always; fair shares and proposals with
/// a value or a refusal that names what is missing (no key loaded, no mechanism), never another
/// failure.
fn funding_answers(state: &State, rates: &RateTable) {
    use tranche_core::DomainError;
    use tranche_core::funding::{fair_share, proposal};
    for as_of in read_dates() {
        let projection = tranche_core::targets::Projection::default();
        if let Err(e) = tranche_core::targets::report(state, rates, as_of, &projection) {
            panic!("the targets report as of {as_of} fails: {e}");
        }
        let amount = Money::new(500_000_000_00, Currency::USD).ok();
        let options = fair_share::Options { key: None, as_of, include_partners: true, amount };
        match fair_share::fair_share(state, rates, &options) {
            Ok(_) | Err(DomainError::Rule(_)) => {}
            Err(e) => panic!("fair shares as of {as_of} fail: {e}"),
        }
        let options = proposal::Options { as_of, include_announced: true, assume_triggers: Vec::new() };
        match proposal::propose(state, rates, &options) {
            Ok(_) | Err(DomainError::Rule(_)) => {}
            Err(e) => panic!("the funding proposal as of {as_of} fails: {e}"),
        }
    }
}
