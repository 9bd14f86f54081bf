//! The states the fuzzed inputs run against, built once per process from the shipped data: the
//! parties, rates, mechanism and group of `tranche demo` (`base`), and that plus the public record
//! (`record`), so commands that name R02 reach deep paths.

use std::sync::OnceLock;

use tranche_core::{Command, Envelope, RateTable, State};
use tranche_io::{ecb, parties, record, shipped};

pub struct Fixture {
    pub state: State,
    pub rates: RateTable,
}

/// Written in the envelopes' JSON form, so this file does not follow the domain types' fields.
const MECHANISM_AND_GROUP: &str = r#"[
  {"command_id": "mechanism:PURL", "actor": "admin", "command": {"type": "define-mechanism", "mechanism": {
   "id": "PURL", "name": "Prioritized Ukraine Requirements List", "recipient": "UKR", "supplier": "USA",
   "package_currency": "USD", "reporting_currencies": ["EUR", "USD"]}}},
  {"command_id": "group:NB8", "actor": "admin", "command": {"type": "define-group", "group": {
   "id": "NB8", "name": "Nordic-Baltic Eight", "members": ["DNK", "EST", "FIN", "ISL", "LVA", "LTU", "NOR", "SWE"]}}}
]"#;

/// The commands of `tranche demo` that define the PURL mechanism and the NB8 group.
pub fn mechanism_and_group() -> Vec<Envelope> {
    serde_json::from_str(MECHANISM_AND_GROUP).expect("the fixture's commands parse")
}

/// Shipped parties and rates, the PURL mechanism and the NB8 group.
pub fn base() -> &'static Fixture {
    static BASE: OnceLock<Fixture> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut rates = RateTable::new();
        for quote in ecb::parse("rates", shipped::ECB_RATES_CSV).expect("the shipped rates parse") {
            rates.insert(quote).expect("the shipped rates agree");
        }
        let mut fixture = Fixture { state: State::new(), rates };
        let envelopes = parties::parse("parties", shipped::PARTIES_CSV).expect("the shipped parties parse");
        fixture.run(envelopes.iter().map(|e| &e.command));
        fixture.run(mechanism_and_group().iter().map(|e| &e.command));
        fixture
    })
}

/// `base` with the public record.
pub fn record() -> &'static Fixture {
    static RECORD: OnceLock<Fixture> = OnceLock::new();
    RECORD.get_or_init(|| {
        let base = base();
        let mut fixture = Fixture { state: base.state.clone(), rates: base.rates.clone() };
        let parsed = record::parse("record", shipped::PURL_RECORD_CSV, &|_| false).expect("the shipped record parses");
        let envelopes: Vec<Envelope> = parsed.rows.into_iter().flat_map(|row| row.envelopes).collect();
        fixture.run(envelopes.iter().map(|e| &e.command));
        fixture
    })
}

impl Fixture {
    /// Runs commands in order; the shipped record holds rows the domain refuses, skipped here
    /// as the importer skips them.
    fn run<'a>(&mut self, commands: impl Iterator<Item = &'a Command>) {
        for command in commands {
            let _ = self.state.execute(&self.rates, command);
        }
    }
}
