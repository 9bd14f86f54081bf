//! The counting rules over an in-memory state (no store): `cargo bench -p tranche-core`.

// Amounts are written in minor units grouped as money: 1_000_000_00 is 1,000,000.00.
#![allow(clippy::inconsistent_digit_grouping)]
use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use tranche_core::*;

const PARTIES: [&str; 8] = ["NLD", "DEU", "NOR", "SWE", "DNK", "CAN", "POL", "GBR"];

fn date(text: &str) -> NaiveDate {
    parse_date(text).unwrap()
}

/// `pledges` pledges, each announced, committed and paid three times: five events a pledge.
pub fn state_with(pledges: u64) -> (State, RateTable) {
    let mut rates = RateTable::new();
    for day in 0..500 {
        let quote_date = date("2025-07-01") + chrono::Days::new(day);
        let rate = Rate::parse(&format!("1.{}", 1000 + day % 300)).unwrap();
        rates.insert(RateQuote { date: quote_date, currency: Currency::USD, rate }).unwrap();
    }
    let mut state = State::new();
    for id in PARTIES {
        let party = Party {
            id: PartyId::parse(id).unwrap(),
            name: tranche_core::Name::parse(id).unwrap(),
            kind: PartyKind::State,
            role: PartyRole::Contributor,
            gdp_2021_bn_eur: None,
            nato_member_since: Some(1949),
        };
        state.execute(&rates, &Command::RegisterParty { party }).unwrap();
    }
    let values = PARTIES
        .iter()
        .enumerate()
        .map(|(i, id)| domain::KeyEntry {
            party: PartyId::parse(id).unwrap(),
            value: domain::KeyValue::parse(&format!("{}.5", 100 * (i + 1))).unwrap(),
        })
        .collect();
    let source = Source { url: None, date: date("2025-01-01"), confidence: Confidence::Confirmed };
    let key = ShareKey { name: ShareKeyName::parse("gdp-2021").unwrap(), source, note: None, values };
    state.execute(&rates, &Command::LoadShareKey { key }).unwrap();
    for n in 0..pledges {
        let pledge = PledgeId::parse(&format!("P{n}")).unwrap();
        let day = date("2025-08-01") + chrono::Days::new(n % 400);
        let announcement = Announcement {
            pledge: pledge.clone(),
            kind: PledgeKind::Solo,
            contributor: Contributor::Party(PartyId::parse(PARTIES[(n % 8) as usize]).unwrap()),
            amount: Some(Money::new(1_000_000_00 + n as i64, Currency::EUR).unwrap()),
            package: None,
            earmark: None,
            date: day,
            source: Source { url: None, date: day, confidence: Confidence::Confirmed },
            note: None,
            contingent_on: None,
            cap_per_package: None,
            shares: Vec::new(),
        };
        state.execute(&rates, &Command::AnnouncePledge { announcement, supersedes: None }).unwrap();
        state.execute(&rates, &Command::CommitPledge { pledge: pledge.clone(), amount: None, date: day }).unwrap();
        for _ in 0..3 {
            let amount = Money::new(100_000_00, Currency::EUR).unwrap();
            state.execute(&rates, &Command::PayPledge { pledge: pledge.clone(), amount, date: day }).unwrap();
        }
    }
    (state, rates)
}

/// Pledges of the state: a fifth of `TRANCHE_BENCH_EVENTS` (default 1,000,000 events, 200,000
/// pledges; `scripts/bench --quick` sets a small one).
fn pledges() -> u64 {
    std::env::var("TRANCHE_BENCH_EVENTS").ok().and_then(|n| n.parse::<u64>().ok()).map_or(200_000, |n| n / 5)
}

fn summary(c: &mut Criterion) {
    let (state, rates) = state_with(pledges());
    let as_of = date("2027-01-01");
    c.bench_function(&format!("summarise/{}_pledges", pledges()), |b| {
        b.iter(|| summarise(&state, &rates, as_of, &[Currency::EUR, Currency::USD]).unwrap())
    });
    c.bench_function(&format!("series_usd/{}_pledges", pledges()), |b| {
        b.iter(|| series::Flows::compute(&state, &rates, Currency::USD).unwrap())
    });
    let options = funding::fair_share::Options {
        key: None,
        as_of,
        include_partners: false,
        amount: Some(Money::new(500_000_000_00, Currency::USD).unwrap()),
    };
    c.bench_function(&format!("fair_share/{}_pledges", pledges()), |b| {
        b.iter(|| funding::fair_share::fair_share(&state, &rates, &options).unwrap())
    });
}

/// The three kinds of target, as the shipped record has them.
fn with_targets(state: &mut State, rates: &RateTable) {
    let targets = [
        ("T01", TargetKind::MonthlyRunRate, 1_000_000_000_00, Currency::EUR, "2025-12-02"),
        ("T02", TargetKind::CumulativeGoal, 5_000_000_000_00, Currency::USD, "2025-12-31"),
        ("T03", TargetKind::AnnualNeed, 15_000_000_000_00, Currency::USD, "2026-12-31"),
    ];
    for (id, kind, minor, currency, on) in targets {
        let day = date(on);
        let target = Target {
            id: TargetId::parse(id).unwrap(),
            kind,
            amount: Money::new(minor, currency).unwrap(),
            date: day,
            source: Source { url: None, date: day, confidence: Confidence::Confirmed },
            note: None,
        };
        state.execute(rates, &Command::SetTarget { target }).unwrap();
    }
}

/// The targets report (statuses, milestones in EUR and USD, run rates, monthly shortfall, and
/// the fair-share projection) over the same 1,000,000-event state.
fn targets(c: &mut Criterion) {
    let (mut state, rates) = state_with(pledges());
    with_targets(&mut state, &rates);
    let as_of = date("2026-03-01");
    let projection = targets::Projection { what_if: None, fair_share_from: Some(date("2026-04-01")) };
    c.bench_function(&format!("targets_report/{}_pledges", pledges()), |b| {
        b.iter(|| targets::report(&state, &rates, as_of, &projection).unwrap())
    });
}

criterion_group!(benches, summary, targets);
criterion_main!(benches);
