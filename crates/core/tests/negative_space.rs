//! The negative space of the ledger: what must be rejected, with which message, changing
//! nothing; and a property test over random command sequences.

use chrono::NaiveDate;
use proptest::prelude::*;
use tranche_core::*;

fn date(text: &str) -> NaiveDate {
    parse_date(text).unwrap()
}

fn party(id: &str) -> Party {
    Party {
        id: PartyId::parse(id).unwrap(),
        name: tranche_core::Name::parse(id).unwrap(),
        kind: PartyKind::State,
        role: PartyRole::Contributor,
        gdp_2021_bn_eur: None,
        nato_member_since: None,
    }
}

fn money(text: &str, code: &str) -> Money {
    Money::parse(text, Currency::parse(code).unwrap()).unwrap()
}

fn rates() -> RateTable {
    let mut rates = RateTable::new();
    for (code, rate) in [("USD", "1.25"), ("NOK", "11.5")] {
        let quote = RateQuote {
            date: date("2025-01-01"),
            currency: Currency::parse(code).unwrap(),
            rate: Rate::parse(rate).unwrap(),
        };
        rates.insert(quote).unwrap();
    }
    rates
}

fn announce(id: &str, by: &str, amount: Option<Money>) -> Command {
    let announcement = Announcement {
        pledge: PledgeId::parse(id).unwrap(),
        kind: PledgeKind::Solo,
        contributor: Contributor::Party(PartyId::parse(by).unwrap()),
        amount,
        package: None,
        earmark: None,
        date: date("2025-08-01"),
        source: Source { url: None, date: date("2025-08-01"), confidence: Confidence::Confirmed },
        note: None,
        contingent_on: None,
        cap_per_package: None,
        shares: Vec::new(),
    };
    Command::AnnouncePledge { announcement, supersedes: None }
}

fn pledge(id: &str) -> PledgeId {
    PledgeId::parse(id).unwrap()
}

/// A state with NLD registered and pledge P1 (EUR 100) announced and committed.
fn committed() -> State {
    let mut state = State::new();
    let rates = rates();
    state.execute(&rates, &Command::RegisterParty { party: party("NLD") }).unwrap();
    state.execute(&rates, &announce("P1", "NLD", Some(money("100", "EUR")))).unwrap();
    state
        .execute(&rates, &Command::CommitPledge { pledge: pledge("P1"), amount: None, date: date("2025-08-02") })
        .unwrap();
    state
}

/// Runs `command` against `state`: it must be rejected with `expect`, leaving the state as it was.
fn check_rejected(state: &State, command: Command, expect: &str) {
    let mut after = state.clone();
    let error = after.execute(&rates(), &command).unwrap_err();
    assert_eq!(error.to_string(), expect);
    assert_eq!(&after, state, "a rejected command changed the state");
}

#[test]
fn overpayment_is_rejected() {
    let state = committed();
    let pay = |amount: Money| Command::PayPledge { pledge: pledge("P1"), amount, date: date("2025-08-03") };
    check_rejected(
        &state,
        pay(money("100.01", "EUR")),
        "overpayment: pledge P1 has EUR 100.00 outstanding, payment settles EUR 100.01",
    );
    // USD 126 at 1.25 USD/EUR settles EUR 100.80.
    check_rejected(
        &state,
        pay(money("126", "USD")),
        "overpayment: pledge P1 has EUR 100.00 outstanding, payment settles EUR 100.80",
    );
    let mut paid = state.clone();
    paid.execute(&rates(), &pay(money("60", "EUR"))).unwrap();
    check_rejected(
        &paid,
        pay(money("40.01", "EUR")),
        "overpayment: pledge P1 has EUR 40.00 outstanding, payment settles EUR 40.01",
    );
}

#[test]
fn negative_and_zero_amounts_are_rejected() {
    let state = committed();
    let pay = |amount: Money| Command::PayPledge { pledge: pledge("P1"), amount, date: date("2025-08-03") };
    check_rejected(&state, pay(money("-5", "EUR")), "amount EUR -5.00 must be positive");
    check_rejected(&state, pay(money("0", "EUR")), "amount EUR 0.00 must be positive");
    check_rejected(&state, announce("P2", "NLD", Some(money("-1", "EUR"))), "amount EUR -1.00 must be positive");
    check_rejected(&state, announce("P2", "NLD", Some(money("0", "USD"))), "amount USD 0.00 must be positive");
}

#[test]
fn unknown_currency_is_rejected_at_the_boundary() {
    assert_eq!(
        Currency::parse("EURO").unwrap_err().to_string(),
        "currency \"EURO\" not a known ISO 4217 currency code"
    );
    // A payment in a currency without rates is an FX error naming currency and date.
    let state = committed();
    let pay = Command::PayPledge { pledge: pledge("P1"), amount: money("10", "GBP"), date: date("2025-08-03") };
    check_rejected(
        &state,
        pay,
        "no exchange rate for GBP on or before 2025-08-03 (no GBP rates are loaded; import ECB rates first)",
    );
}

#[test]
fn paying_a_withdrawn_pledge_is_rejected() {
    let mut state = committed();
    let withdraw = Command::WithdrawPledge { pledge: pledge("P1"), date: date("2025-08-04"), reason: None };
    state.execute(&rates(), &withdraw).unwrap();
    state.check_invariants().unwrap();
    let pay = Command::PayPledge { pledge: pledge("P1"), amount: money("1", "EUR"), date: date("2025-08-05") };
    check_rejected(&state, pay, "pledge P1 is withdrawn; paying needs a pledge that is committed or part-paid");
}

#[test]
fn pledging_for_an_unknown_party_is_rejected() {
    let state = committed();
    check_rejected(&state, announce("P2", "FRA", Some(money("1", "EUR"))), "unknown party FRA");
    let record = Command::RecordParticipation {
        party: PartyId::parse("XKX").unwrap(),
        status: ParticipationStatus::Declined,
        source: Source { url: None, date: date("2025-01-01"), confidence: Confidence::Reported },
        note: None,
    };
    check_rejected(&state, record, "unknown party XKX");
}

#[test]
fn groups_need_known_distinct_members() {
    let state = committed();
    let group = |members: &[&str]| Command::DefineGroup {
        group: Group {
            id: GroupId::parse("NB8").unwrap(),
            name: tranche_core::Name::parse("Nordic-Baltic Eight").unwrap(),
            members: members.iter().map(|m| PartyId::parse(m).unwrap()).collect(),
        },
    };
    check_rejected(&state, group(&["NLD", "XKX"]), "unknown party XKX");
    check_rejected(&state, group(&["NLD"]), "a joint pledge needs at least two distinct parties, got NB8");
    check_rejected(&state, group(&["NLD", "NLD"]), "a joint pledge needs at least two distinct parties, got NB8");
    let mut with_group = state.clone();
    with_group.execute(&rates(), &Command::RegisterParty { party: party("DNK") }).unwrap();
    with_group.execute(&rates(), &group(&["NLD", "DNK"])).unwrap();
    check_rejected(&with_group, group(&["DNK", "NLD"]), "group NB8 already exists");
}

#[test]
fn lifecycle_rejections_name_the_state() {
    let state = committed();
    check_rejected(
        &state,
        Command::CommitPledge { pledge: pledge("P1"), amount: None, date: date("2025-08-05") },
        "pledge P1 is committed; committing needs a pledge that is announced",
    );
    check_rejected(
        &state,
        Command::CommitPledge { pledge: pledge("P9"), amount: None, date: date("2025-08-05") },
        "unknown pledge P9",
    );
    check_rejected(&state, announce("P1", "NLD", None), "pledge P1 already exists");
    let mut undisclosed = state.clone();
    undisclosed.execute(&rates(), &announce("P2", "NLD", None)).unwrap();
    check_rejected(
        &undisclosed,
        Command::CommitPledge { pledge: pledge("P2"), amount: None, date: date("2025-08-05") },
        "pledge P2 has an undisclosed amount; commit it with an amount",
    );
    let mut announced = State::new();
    announced.execute(&rates(), &Command::RegisterParty { party: party("NLD") }).unwrap();
    announced.execute(&rates(), &announce("P1", "NLD", Some(money("100", "EUR")))).unwrap();
    check_rejected(
        &announced,
        Command::CommitPledge { pledge: pledge("P1"), amount: Some(money("100", "USD")), date: date("2025-08-05") },
        "currency mismatch: pledge P1 is in EUR, got USD",
    );
    check_rejected(
        &state,
        Command::PayPledge { pledge: pledge("P1"), amount: money("1", "EUR"), date: date("2025-08-01") },
        "payment on 2025-08-01 is before the pledge's commitment on 2025-08-02",
    );
}

#[test]
fn cross_currency_payment_goes_through_trading_accounts() {
    let mut state = committed();
    let pay = Command::PayPledge { pledge: pledge("P1"), amount: money("125", "USD"), date: date("2025-08-03") };
    let applied = state.execute(&rates(), &pay).unwrap();
    let entry = &applied[0].1[0];
    let shown: Vec<String> = entry.postings().iter().map(|p| format!("{} {}", p.account, p.amount)).collect();
    assert_eq!(
        shown,
        [
            "assets:cash:USD USD 125.00",
            "trading:fx:USD USD -125.00",
            "trading:fx:EUR EUR 100.00",
            "assets:pledges-receivable:NLD EUR -100.00",
        ]
    );
    assert_eq!(state.pledge(&pledge("P1")).unwrap().status, PledgeStatus::Paid);
    state.check_invariants().unwrap();
}

#[derive(Debug, Clone)]
enum Step {
    Announce { id: u8, minor: i64, currency: u8, undisclosed: bool },
    Commit { id: u8, minor: Option<i64> },
    Pay { id: u8, minor: i64, currency: u8 },
    Withdraw { id: u8 },
    Supersede { id: u8, by: u8 },
}

fn step() -> impl Strategy<Value = Step> {
    let minor = -1_000i64..1_000_000;
    prop_oneof![
        (0u8..6, minor.clone(), 0u8..3, any::<bool>()).prop_map(|(id, minor, currency, undisclosed)| Step::Announce {
            id,
            minor,
            currency,
            undisclosed
        }),
        (0u8..6, proptest::option::of(minor.clone())).prop_map(|(id, minor)| Step::Commit { id, minor }),
        (0u8..6, minor, 0u8..3).prop_map(|(id, minor, currency)| Step::Pay { id, minor, currency }),
        (0u8..6).prop_map(|id| Step::Withdraw { id }),
        (0u8..6, 0u8..6).prop_map(|(id, by)| Step::Supersede { id, by }),
    ]
}

fn to_command(step: &Step) -> Command {
    let currency = |c: u8| Currency::parse(["EUR", "USD", "NOK"][c as usize]).unwrap();
    let id = |n: u8| pledge(&format!("P{n}"));
    let day = date("2025-09-01");
    match step {
        Step::Announce { id: n, minor, currency: c, undisclosed } => {
            let amount = (!undisclosed).then(|| Money::new(*minor, currency(*c)).unwrap());
            announce(&format!("P{n}"), ["NLD", "DNK+NOR"][(*n % 2) as usize].split('+').next().unwrap(), amount)
        }
        Step::Commit { id: n, minor } => Command::CommitPledge {
            pledge: id(*n),
            amount: minor.map(|m| Money::new(m, Currency::EUR).unwrap()),
            date: day,
        },
        Step::Pay { id: n, minor, currency: c } => {
            Command::PayPledge { pledge: id(*n), amount: Money::new(*minor, currency(*c)).unwrap(), date: day }
        }
        Step::Withdraw { id: n } => Command::WithdrawPledge { pledge: id(*n), date: day, reason: None },
        Step::Supersede { id: n, by } => Command::SupersedePledge { pledge: id(*n), by: id(*by), date: day },
    }
}

proptest! {
    /// Whatever the sequence: accepted commands keep every invariant; rejected ones change
    /// nothing; and a replay of the accepted events gives the same state.
    #[test]
    fn invariants_hold_for_any_command_sequence(steps in proptest::collection::vec(step(), 1..40)) {
        let rates = rates();
        let mut state = State::new();
        state.execute(&rates, &Command::RegisterParty { party: party("NLD") }).unwrap();
        let mut events = Vec::new();
        for step in &steps {
            let before = state.clone();
            match state.execute(&rates, &to_command(step)) {
                Ok(applied) => events.extend(applied.into_iter().map(|(event, _)| event)),
                Err(_) => prop_assert_eq!(&state, &before),
            }
            prop_assert_eq!(state.check_invariants(), Ok(()));
            for pledge in state.pledges() {
                if let (Some(paid), Some(committed)) = (pledge.paid, pledge.committed) {
                    prop_assert!(paid.amount_minor <= committed.amount_minor && paid.amount_minor >= 0);
                }
            }
        }
        let mut replayed = State::new();
        replayed.execute(&rates, &Command::RegisterParty { party: party("NLD") }).unwrap();
        for event in &events {
            replayed.apply(event).unwrap();
        }
        prop_assert_eq!(replayed, state);
    }
}
