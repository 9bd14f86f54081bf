//! The money-over-time series against the counting rules: on every date, the counted series
//! equals `summarise` on that date, and the committed and paid series equal a direct per-date
//! evaluation, for random histories of solo, member and joint pledges, commitments, payments,
//! withdrawals, supersessions and contingent pledges.

use chrono::NaiveDate;
use proptest::prelude::*;
use tranche_core::series::{COMMITTED, COUNTED, Flows, PAID, value_on};
use tranche_core::*;

const PARTIES: [&str; 3] = ["DNK", "NOR", "SWE"];

fn day(offset: u8) -> NaiveDate {
    parse_date("2025-08-01").unwrap() + chrono::Days::new(u64::from(offset))
}

fn rates() -> RateTable {
    let mut rates = RateTable::new();
    for (offset, usd) in [(0u8, "1.10"), (10, "1.17"), (25, "1.05")] {
        let date = day(offset).pred_opt().unwrap();
        rates.insert(RateQuote { date, currency: Currency::USD, rate: Rate::parse(usd).unwrap() }).unwrap();
    }
    rates
}

#[derive(Debug, Clone)]
enum Step {
    Announce { id: u8, joint: bool, party: u8, minor: Option<i64>, usd: bool, day: u8, package: bool, contingent: bool },
    Commit { id: u8, day: u8 },
    Pay { id: u8, minor: i64, day: u8 },
    Withdraw { id: u8, day: u8 },
    Supersede { id: u8, by: u8, day: u8 },
    Trigger { day: u8 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (
            0u8..8,
            any::<bool>(),
            0u8..3,
            proptest::option::weighted(0.9, 1i64..1_000_000),
            any::<bool>(),
            0u8..40,
            any::<bool>(),
            proptest::bool::weighted(0.15)
        )
            .prop_map(|(id, joint, party, minor, usd, day, package, contingent)| Step::Announce {
                id,
                joint,
                party,
                minor,
                usd,
                day,
                package,
                contingent
            }),
        2 => (0u8..8, 0u8..40).prop_map(|(id, day)| Step::Commit { id, day }),
        2 => (0u8..8, 1i64..400_000, 0u8..40).prop_map(|(id, minor, day)| Step::Pay { id, minor, day }),
        1 => (0u8..8, 0u8..40).prop_map(|(id, day)| Step::Withdraw { id, day }),
        1 => (0u8..8, 0u8..8, 0u8..40).prop_map(|(id, by, day)| Step::Supersede { id, by, day }),
        1 => (0u8..40).prop_map(|day| Step::Trigger { day }),
    ]
}

fn pledge(n: u8) -> PledgeId {
    PledgeId::parse(&format!("P{n}")).unwrap()
}

fn command(step: &Step) -> Command {
    match step {
        Step::Announce { id, joint, party, minor, usd, day: d, package, contingent } => {
            let currency = if *usd { Currency::USD } else { Currency::EUR };
            let party_id = |i: u8| PartyId::parse(PARTIES[usize::from(i % 3)]).unwrap();
            let (kind, contributor) = match joint {
                true => (PledgeKind::JointPackage, Contributor::Joint(vec![party_id(*party), party_id(party + 1)])),
                false => (PledgeKind::Solo, Contributor::Party(party_id(*party))),
            };
            let announcement = Announcement {
                pledge: pledge(*id),
                kind,
                contributor,
                amount: minor.map(|m| Money::new(m, currency).unwrap()),
                package: package.then(|| PackageRef::parse("2").unwrap()),
                earmark: None,
                date: day(*d),
                source: Source { url: None, date: day(*d), confidence: Confidence::Confirmed },
                note: None,
                contingent_on: contingent.then(|| "talks-fail".to_string()),
                cap_per_package: None,
                shares: Vec::new(),
            };
            Command::AnnouncePledge { announcement, supersedes: None }
        }
        Step::Commit { id, day: d } => Command::CommitPledge { pledge: pledge(*id), amount: None, date: day(*d) },
        Step::Pay { id, minor, day: d } => Command::PayPledge {
            pledge: pledge(*id),
            amount: Money::new(*minor, Currency::EUR).unwrap(),
            date: day(*d),
        },
        Step::Withdraw { id, day: d } => Command::WithdrawPledge { pledge: pledge(*id), date: day(*d), reason: None },
        Step::Supersede { id, by, day: d } => {
            Command::SupersedePledge { pledge: pledge(*id), by: pledge(*by), date: day(*d) }
        }
        Step::Trigger { day: d } => Command::DeclareTrigger { trigger: "talks-fail".into(), date: day(*d) },
    }
}

fn state_after(steps: &[Step], rates: &RateTable) -> State {
    let mut state = State::new();
    for id in PARTIES {
        let party = Party {
            id: PartyId::parse(id).unwrap(),
            name: tranche_core::Name::parse(id).unwrap(),
            kind: PartyKind::State,
            role: PartyRole::Contributor,
            gdp_2021_bn_eur: None,
            nato_member_since: None,
        };
        state.execute(rates, &Command::RegisterParty { party }).unwrap();
    }
    for step in steps {
        // Rejected commands change nothing; the history is whatever was accepted.
        let _ = state.execute(rates, &command(step));
    }
    state
}

fn convert(money: Money, date: NaiveDate, to: Currency, rates: &RateTable) -> i128 {
    let from_rate = rates.rate_on(money.currency, date).unwrap();
    let to_rate = rates.rate_on(to, date).unwrap();
    i128::from(fx::convert_at(money, to, from_rate, to_rate).unwrap().amount_minor)
}

/// Committed money on `date`, evaluated directly: the counting rules applied to committed
/// amounts (a joint counts its committed remainder over its members' committed pledges).
fn committed_on(state: &State, rates: &RateTable, date: NaiveDate, to: Currency) -> i128 {
    let committed = |p: &Pledge| -> i128 {
        let counted = p.counts_on(date) && !state.is_pending_contingent(p, date);
        match (p.committed, p.committed_on) {
            (Some(amount), Some(on)) if counted && on <= date => convert(amount, p.date, to, rates),
            _ => 0,
        }
    };
    let mut total = 0;
    for p in state.pledges() {
        if p.kind != PledgeKind::JointPackage {
            total += committed(p);
            continue;
        }
        let members: i128 = state
            .pledges()
            .iter()
            .filter(|m| m.kind != PledgeKind::JointPackage && m.package.is_some() && m.package == p.package)
            .filter(|m| matches!(m.contributor.parties(), [party] if p.contributor.parties().contains(party)))
            .map(committed)
            .sum();
        if committed(p) > 0 {
            total += (committed(p) - members).max(0);
        }
    }
    total
}

fn paid_by(state: &State, rates: &RateTable, date: NaiveDate, to: Currency) -> i128 {
    let payments = state.payments().iter().filter(|p| p.date <= date);
    payments.map(|p| convert(p.settled, state.pledges()[p.pledge_index].date, to, rates)).sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn series_follow_the_counting_rules_on_every_date(steps in proptest::collection::vec(step(), 1..30)) {
        let rates = rates();
        let state = state_after(&steps, &rates);
        for currency in [Currency::EUR, Currency::USD] {
            let flows = Flows::compute(&state, &rates, currency).unwrap();
            let last = day(45);
            let points = flows.total(last);
            prop_assert!(points.windows(2).all(|w| w[0].date < w[1].date), "points are in date order");
            // The counted-only series (the targets report's) has the same counted values.
            let counted_only = Flows::compute_counted(&state, &rates, currency).unwrap().total(last);
            for date in points.iter().chain(&counted_only).map(|p| p.date) {
                prop_assert_eq!(value_on(&counted_only, date)[COUNTED], value_on(&points, date)[COUNTED]);
            }
            for offset in 0..45 {
                let date = day(offset);
                let summary = summarise(&state, &rates, date, &[currency]).unwrap();
                let values = value_on(&points, date);
                prop_assert_eq!(values[COUNTED], i128::from(summary.totals[&currency].amount_minor), "counted on {}", date);
                prop_assert_eq!(values[COMMITTED], committed_on(&state, &rates, date, currency), "committed on {}", date);
                prop_assert_eq!(values[PAID], paid_by(&state, &rates, date, currency), "paid by {}", date);
                // Per contributor, the series add up to the total and match the summary's by_party.
                let mut sum = 0;
                for key in flows.keys() {
                    let own = value_on(&flows.of(key, last), date)[COUNTED];
                    let expected = summary.by_party.get(key).map_or(0, |a| i128::from(a[&currency].amount_minor));
                    prop_assert_eq!(own, expected, "{} on {}", key, date);
                    sum += own;
                }
                prop_assert_eq!(sum, values[COUNTED]);
            }
        }
    }
}

#[test]
fn a_joint_counts_only_its_remainder_over_time() {
    let rates = rates();
    let steps = [
        Step::Announce {
            id: 1,
            joint: true,
            party: 0,
            minor: Some(500),
            usd: false,
            day: 1,
            package: true,
            contingent: false,
        },
        Step::Announce {
            id: 2,
            joint: false,
            party: 0,
            minor: Some(200),
            usd: false,
            day: 5,
            package: true,
            contingent: false,
        },
        Step::Announce {
            id: 3,
            joint: false,
            party: 1,
            minor: Some(400),
            usd: false,
            day: 9,
            package: true,
            contingent: false,
        },
    ];
    let state = state_after(&steps, &rates);
    let flows = Flows::compute(&state, &rates, Currency::EUR).unwrap();
    let points = flows.total(day(20));
    // The joint's 500 alone, then 200 + a remainder of 300, then 200 + 400 and no remainder.
    assert_eq!(value_on(&points, day(1))[COUNTED], 500);
    assert_eq!(value_on(&points, day(5))[COUNTED], 500);
    assert_eq!(value_on(&points, day(9))[COUNTED], 600);
    assert_eq!(value_on(&points, day(0))[COUNTED], 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// The targets report's goal status against a brute-force evaluation: `summarise` on every date.
    #[test]
    fn a_goal_status_follows_the_summary_on_every_date(
        steps in proptest::collection::vec(step(), 1..30),
        goal_minor in 1i64..3_000_000,
        goal_day in 0u8..45,
        as_of_day in 0u8..46,
    ) {
        let rates = rates();
        let mut state = state_after(&steps, &rates);
        let goal = Money::new(goal_minor, Currency::EUR).unwrap();
        let target = Target {
            id: TargetId::parse("G1").unwrap(),
            kind: TargetKind::CumulativeGoal,
            amount: goal,
            date: day(goal_day),
            source: Source { url: None, date: day(0), confidence: Confidence::Confirmed },
            note: None,
        };
        state.execute(&rates, &Command::SetTarget { target }).unwrap();
        let as_of = day(as_of_day);
        let report = targets::report(&state, &rates, as_of, &targets::Projection::none()).unwrap();
        let row = report.targets.iter().find(|t| t.id.as_str() == "G1").unwrap();
        let total = |date: NaiveDate| summarise(&state, &rates, date, &[Currency::EUR]).unwrap().totals[&Currency::EUR];
        let first = (0..=as_of_day).map(day).find(|d| total(*d).amount_minor >= goal_minor);
        let expected = match first {
            Some(on) if on <= day(goal_day) => targets::TargetStatus::Reached { on },
            _ if as_of >= day(goal_day) => targets::TargetStatus::Missed {
                by: goal.checked_sub(total(day(goal_day))).unwrap(),
                reached_later_on: first,
            },
            _ => {
                let still_needed = goal.checked_sub(total(as_of)).unwrap();
                let days_left = (day(goal_day) - as_of).num_days() as u32;
                let required = match &row.status {
                    targets::TargetStatus::Open { required_per_month, .. } => *required_per_month,
                    other => return Err(TestCaseError::fail(format!("expected open, got {other:?}"))),
                };
                targets::TargetStatus::Open { still_needed, days_left, required_per_month: required }
            }
        };
        prop_assert_eq!(&row.status, &expected);
        prop_assert_eq!(row.counted, Some(total(as_of)));
        prop_assert_eq!(row.at_trailing_rates.is_empty(), first.is_some());
    }
}
