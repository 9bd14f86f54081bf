//! The CSV formats of `tranche-io`: the public record, the parties table, the ECB rates and
//! Kiel's series. Each must refuse what it cannot read with an error, never a panic; what it
//! reads must survive its writer (the commands' JSON form; an ECB or Kiel table) unchanged; and
//! the commands it makes must run through the domain and the reports without a panic.

use std::fmt::Write;

use tranche_core::{Envelope, Known, RateQuote, RateTable, State};
use tranche_io::{ecb, kiel, parties, record};

use crate::fixture::{self, Fixture};
use crate::{reports_answer, round_trip_json, text};

/// The public record: parsed, each row's commands through JSON and back, then planned against
/// the shipped parties and rates; the plan's commands must execute in order and keep every
/// invariant, and every report must answer.
pub fn record_csv(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Ok(parsed) = record::parse("fuzz.csv", text, &|_| false) else { return };
    for envelope in parsed.rows.iter().flat_map(|row| &row.envelopes) {
        round_trip_json(envelope);
    }
    let base = fixture::base();
    let plan = record::plan("fuzz.csv", parsed, &base.state, &base.rates, &|_| Known::New);
    let state = executed(base, &plan.envelopes);
    reports_answer(&state, &base.rates);
}

/// The parties table: through JSON and back, then registered in a fresh state.
pub fn parties_csv(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Ok(envelopes) = parties::parse("fuzz.csv", text) else { return };
    let mut state = State::new();
    for envelope in &envelopes {
        round_trip_json(envelope);
        // A repeated party id is refused by the domain, which is an answer, not a failure.
        let _ = state.execute(&fixture::base().rates, &envelope.command);
    }
    state.check_invariants().expect("registered parties keep the invariants");
}

/// The ECB layout: every quote written back as an ECB table parses to the same quotes; then
/// loaded into a rate table (conflicting quotes refused) that converts without a panic.
pub fn ecb_rates(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Ok(quotes) = ecb::parse("fuzz.csv", text) else { return };
    let written = ecb_table(&quotes);
    let reread = ecb::parse("written.csv", &written).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(reread, quotes, "the ECB table written back reads differently:\n{written}");
    let mut rates = RateTable::new();
    for quote in &quotes {
        let _ = rates.insert(*quote);
    }
    for quote in &quotes {
        for money in crate::extreme_amounts(quote.currency) {
            let _ = rates.convert(money, tranche_core::Currency::EUR, quote.date);
        }
    }
}

/// One row per quote, `N/A` in the other currencies' columns.
fn ecb_table(quotes: &[RateQuote]) -> String {
    let mut currencies: Vec<_> = quotes.iter().map(|q| q.currency).collect();
    currencies.sort();
    currencies.dedup();
    let mut out = String::from("Date");
    for currency in &currencies {
        write!(out, ",{currency}").expect("writing to a string");
    }
    for quote in quotes {
        write!(out, "\n{}", quote.date).expect("writing to a string");
        for currency in &currencies {
            match *currency == quote.currency {
                true => write!(out, ",{}", quote.rate),
                false => write!(out, ",N/A"),
            }
            .expect("writing to a string");
        }
    }
    out.push('\n');
    out
}

/// Kiel's monthly series: written back as `year,month,nato_purl`, it reads the same.
pub fn kiel_series(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Ok(series) = kiel::parse_purl_series("fuzz.csv", text) else { return };
    let mut written = String::from("year,month,nato_purl\n");
    for (month, bn_eur) in &series {
        writeln!(written, "{},{},{bn_eur}", month.year, month.month).expect("writing to a string");
    }
    let reread = kiel::parse_purl_series("written.csv", &written).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(reread, series, "the Kiel series written back reads differently:\n{written}");
}

/// The state after the planned commands; each must execute, since the plan accepted it.
pub(crate) fn executed(base: &Fixture, envelopes: &[Envelope]) -> State {
    let mut state = base.state.clone();
    for envelope in envelopes {
        if let Err(e) = state.execute(&base.rates, &envelope.command) {
            panic!("a planned command is refused: {e}\n{envelope:?}");
        }
    }
    state.check_invariants().expect("the planned commands keep the invariants");
    state
}
