//! Synthetic stores for benchmarks and load tests: eight parties and pledges that are each
//! announced, committed and paid. Deterministic, so every run measures the same log.

// Amounts are written in minor units grouped as money: 1_000_000_00 is 1,000,000.00.
#![allow(clippy::inconsistent_digit_grouping)]

use std::path::Path;

use chrono::NaiveDate;
use tranche_core::*;

use crate::{Ledger, SqliteStore};

pub const PARTIES: [&str; 8] = ["NLD", "DEU", "NOR", "SWE", "DNK", "CAN", "POL", "GBR"];

pub fn date(text: &str) -> NaiveDate {
    parse_date(text).expect("synthetic data is valid")
}

pub fn envelope(id: String, command: Command) -> Envelope {
    Envelope {
        command_id: CommandId::parse(&id).expect("synthetic data is valid"),
        actor: tranche_core::auth::Role::Admin,
        command,
    }
}

pub fn seed<S: crate::Store>(ledger: &mut Ledger<S>) {
    let quote = RateQuote {
        date: date("2025-01-01"),
        currency: Currency::USD,
        rate: Rate::parse("1.16").expect("synthetic data is valid"),
    };
    ledger.import_rates(&[quote]).expect("synthetic data is valid");
    let parties: Vec<Envelope> = PARTIES
        .iter()
        .map(|id| {
            let party = Party {
                id: PartyId::parse(id).expect("synthetic data is valid"),
                name: tranche_core::Name::parse(id).expect("synthetic data is valid"),
                kind: PartyKind::State,
                role: PartyRole::Contributor,
                gdp_2021_bn_eur: None,
                nato_member_since: None,
            };
            envelope(format!("party:{id}"), Command::RegisterParty { party })
        })
        .collect();
    ledger.execute_all(&parties).expect("synthetic data is valid");
}

/// Pledge `n`'s lifecycle: announce, commit, then `payments` payments (alternating EUR and USD).
pub fn lifecycle(n: u64, payments: u64) -> Vec<Envelope> {
    let pledge = PledgeId::parse(&format!("P{n}")).expect("synthetic data is valid");
    let day = date("2025-08-01") + chrono::Days::new(n % 400);
    let announcement = Announcement {
        pledge: pledge.clone(),
        kind: PledgeKind::Solo,
        contributor: Contributor::Party(PartyId::parse(PARTIES[(n % 8) as usize]).expect("synthetic data is valid")),
        amount: Some(Money::new(1_000_000_00, Currency::EUR).expect("synthetic data is valid")),
        package: None,
        earmark: None,
        date: day,
        source: Source { url: None, date: day, confidence: Confidence::Confirmed },
        note: None,
        contingent_on: None,
        cap_per_package: None,
        shares: Vec::new(),
    };
    let mut commands = vec![
        envelope(format!("a{n}"), Command::AnnouncePledge { announcement, supersedes: None }),
        envelope(format!("c{n}"), Command::CommitPledge { pledge: pledge.clone(), amount: None, date: day }),
    ];
    for k in 0..payments {
        let amount = match k % 2 {
            0 => Money::new(100_000_00, Currency::EUR).expect("synthetic data is valid"),
            _ => Money::new(116_000_00, Currency::USD).expect("synthetic data is valid"),
        };
        commands.push(envelope(format!("p{n}.{k}"), Command::PayPledge { pledge: pledge.clone(), amount, date: day }));
    }
    commands
}

/// A fresh, empty schema on the PostgreSQL server `base` (a connection string) and a store in
/// it; `None` when no server answers. For benchmarks and load tests.
pub fn fresh_postgres(base: &str, name: &str) -> Option<crate::PostgresStore> {
    let mut admin = postgres::Client::connect(base, postgres::NoTls).ok()?;
    let schema = format!("tranche_bench_{name}_{}", std::process::id());
    admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).ok()?;
    crate::PostgresStore::connect(&format!("{base} options='-c search_path={schema}'")).ok()
}

pub fn open(path: &Path) -> Ledger<SqliteStore> {
    Ledger::open(SqliteStore::open(path).expect("synthetic data is valid")).expect("synthetic data is valid")
}

/// Builds a store of exactly `events` events (parties included): pledges with announce,
/// commit and three payments each.
pub fn build_store(path: &Path, events: u64) -> Ledger<SqliteStore> {
    let mut ledger = open(path);
    seed(&mut ledger);
    let mut n = 0;
    let mut batch = Vec::new();
    while ledger.head() + (batch.len() as u64) < events {
        let room = events - ledger.head() - batch.len() as u64;
        let mut commands = lifecycle(n, 3);
        commands.truncate(room as usize);
        batch.extend(commands);
        n += 1;
        if batch.len() >= 10_000 {
            ledger.execute_all(&batch).expect("synthetic data is valid");
            batch.clear();
        }
    }
    ledger.execute_all(&batch).expect("synthetic data is valid");
    assert_eq!(ledger.head(), events);
    ledger
}
