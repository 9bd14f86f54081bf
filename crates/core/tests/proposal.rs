//! A funding proposal on a state built with commands: priorities from the latest list version,
//! earmarked, tied, capped, contingent, announced, undisclosed and other-currency pledges; the
//! explanations name what blocks each package; the proposed allocations execute as proposed.

use chrono::NaiveDate;
use tranche_core::funding::proposal::{FundingStatus, Options, Proposal, propose};
use tranche_core::procurement::*;
use tranche_core::*;

fn date(text: &str) -> NaiveDate {
    parse_date(text).unwrap()
}

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

fn eur(text: &str) -> Money {
    Money::parse(text, Currency::EUR).unwrap()
}

fn party(id: &str) -> PartyId {
    PartyId::parse(id).unwrap()
}

fn package_id(id: &str) -> PackageRef {
    PackageRef::parse(id).unwrap()
}

fn requirement_id(id: &str) -> RequirementId {
    RequirementId::parse(id).unwrap()
}

fn source(day: &str) -> Source {
    Source { url: None, date: date(day), confidence: Confidence::Confirmed }
}

fn run(state: &mut State, rates: &RateTable, command: Command) {
    let name = command.name();
    state.execute(rates, &command).unwrap_or_else(|e| panic!("{name}: {e}"));
}

/// Parties, a USD mechanism, a EUR/USD rate of 1.25.
fn world() -> (State, RateTable) {
    let mut rates = RateTable::new();
    let rate = Rate::parse("1.25").unwrap();
    rates.insert(RateQuote { date: date("2026-01-02"), currency: Currency::USD, rate }).unwrap();
    let mut state = State::new();
    for (id, role) in [
        ("NLD", PartyRole::Contributor),
        ("DEU", PartyRole::Contributor),
        ("SWE", PartyRole::Contributor),
        ("UKR", PartyRole::Recipient),
        ("USA", PartyRole::Supplier),
    ] {
        let party = Party {
            id: party(id),
            name: Name::parse(id).unwrap(),
            kind: PartyKind::State,
            role,
            gdp_2021_bn_eur: None,
            nato_member_since: None,
        };
        run(&mut state, &rates, Command::RegisterParty { party });
    }
    let mechanism = Mechanism {
        id: MechanismId::parse("PURL").unwrap(),
        name: Name::parse("PURL").unwrap(),
        recipient: party("UKR"),
        supplier: party("USA"),
        package_currency: Currency::USD,
        reporting_currencies: vec![Currency::EUR, Currency::USD],
    };
    run(&mut state, &rates, Command::DefineMechanism { mechanism });
    (state, rates)
}

/// An open package of one requirement of `category`, priced `price` USD.
fn open_package(
    state: &mut State,
    rates: &RateTable,
    id: &str,
    requirement: &str,
    category: RequirementCategory,
    price: &str,
) {
    let cost = usd("100");
    let submitted = Requirement {
        id: requirement_id(requirement),
        category,
        estimated_cost: cost,
        month: YearMonth::parse("2026-03").unwrap(),
        submitted_on: date("2026-02-20"),
        restricted: Restricted { quantity: None, description: Note::parse("line").unwrap() },
    };
    run(state, rates, Command::SubmitRequirement { requirement: submitted });
    let package = package_id(id);
    let name = Name::parse(id).unwrap();
    let lines = vec![requirement_id(requirement)];
    run(
        state,
        rates,
        Command::DraftPackage { package: package.clone(), name, requirements: lines, date: date("2026-03-01") },
    );
    let price = usd(price);
    run(state, rates, Command::QuotePackage { package: package.clone(), price, date: date("2026-03-02") });
    run(state, rates, Command::ProposePackage { package: package.clone(), date: date("2026-03-03") });
    let decision = DecisionId::parse(&format!("D-{id}")).unwrap();
    run(
        state,
        rates,
        Command::OpenDecision {
            decision: decision.clone(),
            subject: Subject::Package(package.clone()),
            procedure: Procedure::Silence { deadline: date("2026-03-10") },
            participants: vec![party("NLD")],
            date: date("2026-03-03"),
        },
    );
    run(state, rates, Command::ApprovePackage { package: package.clone(), decision, date: date("2026-03-10") });
    run(state, rates, Command::OpenPackage { package, date: date("2026-03-11") });
}

struct Pledged<'a> {
    id: &'a str,
    by: &'a str,
    amount: Option<Money>,
    earmark: Option<&'a str>,
    package: Option<&'a str>,
    cap: Option<Money>,
    contingent_on: Option<&'a str>,
    commit: bool,
}

const PLEDGE: Pledged<'static> = Pledged {
    id: "",
    by: "NLD",
    amount: None,
    earmark: None,
    package: None,
    cap: None,
    contingent_on: None,
    commit: true,
};

fn pledge(state: &mut State, rates: &RateTable, p: Pledged) {
    let day = "2026-03-05";
    let announcement = Announcement {
        pledge: PledgeId::parse(p.id).unwrap(),
        kind: PledgeKind::Solo,
        contributor: Contributor::Party(party(p.by)),
        amount: p.amount,
        package: p.package.map(package_id),
        earmark: p.earmark.map(|e| Name::parse(e).unwrap()),
        date: date(day),
        source: source(day),
        note: None,
        contingent_on: p.contingent_on.map(str::to_string),
        cap_per_package: p.cap,
        shares: Vec::new(),
    };
    run(state, rates, Command::AnnouncePledge { announcement, supersedes: None });
    if p.commit {
        run(
            state,
            rates,
            Command::CommitPledge { pledge: PledgeId::parse(p.id).unwrap(), amount: None, date: date(day) },
        );
    }
}

/// P1 air defence (USD 500), P2 armour (400), P3 drones (300); the list's latest version ranks
/// P2's requirement first, then P1's, then P3's.
fn scenario() -> (State, RateTable) {
    use RequirementCategory::*;
    let (mut state, rates) = world();
    open_package(&mut state, &rates, "P1", "REQ-A", AirDefence, "500");
    open_package(&mut state, &rates, "P2", "REQ-B", Armour, "400");
    open_package(&mut state, &rates, "P3", "REQ-C", Drones, "300");
    let month = YearMonth::parse("2026-03").unwrap();
    for order in [["REQ-A", "REQ-B", "REQ-C"], ["REQ-B", "REQ-A", "REQ-C"]] {
        let order = order.iter().map(|r| requirement_id(r)).collect();
        run(&mut state, &rates, Command::PrioritiseList { month, order, date: date("2026-03-04") });
    }
    let s = &mut state;
    let r = &rates;
    pledge(s, r, Pledged { id: "E1", amount: Some(eur("100")), earmark: Some("Air defence"), ..PLEDGE });
    pledge(s, r, Pledged { id: "E2", amount: Some(eur("40")), earmark: Some("engineering"), ..PLEDGE });
    pledge(s, r, Pledged { id: "U1", by: "DEU", amount: Some(usd("300")), ..PLEDGE });
    pledge(s, r, Pledged { id: "T1", by: "SWE", amount: Some(usd("350")), package: Some("P3"), ..PLEDGE });
    pledge(s, r, Pledged { id: "C1", amount: Some(usd("400")), cap: Some(usd("100")), ..PLEDGE });
    pledge(s, r, Pledged { id: "A1", by: "DEU", amount: Some(usd("50")), commit: false, ..PLEDGE });
    let contingent = Pledged {
        id: "G1",
        by: "SWE",
        amount: Some(usd("80")),
        contingent_on: Some("talks-fail"),
        commit: false,
        ..PLEDGE
    };
    pledge(s, r, contingent);
    pledge(s, r, Pledged { id: "N1", amount: Some(usd("10")), earmark: Some("Patriot"), ..PLEDGE });
    pledge(s, r, Pledged { id: "X1", by: "SWE", commit: false, ..PLEDGE });
    (state, rates)
}

fn options() -> Options {
    Options { as_of: date("2026-03-20"), include_announced: false, assume_triggers: Vec::new() }
}

fn explanations(proposal: &Proposal, package: &str) -> Vec<String> {
    proposal.packages.iter().find(|p| p.package.as_str() == package).unwrap().explanations.clone()
}

fn has(lines: &[String], fragment: &str) {
    assert!(lines.iter().any(|l| l.contains(fragment)), "{fragment:?} missing from {lines:#?}");
}

#[test]
fn proposes_in_priority_order_and_explains_what_blocks() {
    let (state, rates) = scenario();
    let proposal = propose(&state, &rates, &options()).unwrap();
    let order: Vec<(&str, String, FundingStatus, Money)> = proposal
        .packages
        .iter()
        .map(|p| (p.package.as_str(), p.priority.map(|p| p.to_string()).unwrap_or_default(), p.status, p.proposed))
        .collect();
    // P2 (armour): U1 300 + C1's cap 100. P1 cannot be met (E1 is USD 125, C1 100 under its
    // cap, U1 is needed for P2), P3 is met by T1, then P1 gets what is left for it: 225.
    assert_eq!(
        order,
        vec![
            ("P2", "2026-03 #1".to_string(), FundingStatus::Funded, usd("400")),
            ("P1", "2026-03 #2".to_string(), FundingStatus::Partial, usd("225")),
            ("P3", "2026-03 #3".to_string(), FundingStatus::Funded, usd("300")),
        ]
    );
    assert_eq!(proposal.log_head, state.events_applied);
    let lines = explanations(&proposal, "P1");
    has(&lines, "shortfall USD 275.00");
    has(&lines, "USD 400.00 it could have had went to higher-priority packages");
    has(&lines, "USD 50.00 earmarked to engineering cannot go to air-defence");
    has(&lines, "pledge C1 is capped at USD 100.00 per package");
    has(&lines, "pledge T1 is tied to package P3");
    has(&lines, "USD 50.00 of pledge A1 is announced, not committed (use --include-announced)");
    has(&lines, "pledge G1 (USD 80.00) waits for trigger talks-fail (--assume-trigger talks-fail)");
    assert!(explanations(&proposal, "P2").is_empty());
    let excluded: Vec<(&str, &str)> =
        proposal.excluded.iter().map(|e| (e.pledge.as_str(), e.reason.as_str())).collect();
    for (pledge, fragment) in [
        ("A1", "announced, not committed"),
        ("G1", "waits for trigger talks-fail"),
        ("N1", "earmark \"Patriot\" is not a requirement category"),
        ("X1", "undisclosed"),
    ] {
        assert!(excluded.iter().any(|(p, r)| *p == pledge && r.contains(fragment)), "{pledge}: {excluded:?}");
    }
    // The other-currency pledge is converted at the proposal date: EUR 100 is USD 125.
    let e1 = proposal.pledges.iter().find(|p| p.pledge.as_str() == "E1").unwrap();
    assert_eq!((e1.supply, e1.used, e1.left), (usd("125"), usd("125"), usd("0")));
}

#[test]
fn accepted_commands_execute_and_fund_as_proposed() {
    let (state, rates) = scenario();
    let proposal = propose(&state, &rates, &options()).unwrap();
    let mut after = state.clone();
    for command in proposal.commands() {
        after.execute(&rates, &command).unwrap_or_else(|e| panic!("{command:?}: {e}"));
    }
    after.check_invariants().unwrap();
    for planned in &proposal.packages {
        let package = after.package(&planned.package).unwrap();
        let expected = planned.allocated_before.checked_add(planned.proposed).unwrap();
        assert_eq!(package.allocated(), expected, "{}", planned.package);
        let funded = planned.status == FundingStatus::Funded;
        assert_eq!(package.state == PackageState::Funded, funded, "{}", planned.package);
    }
    // Nothing is left to propose for the packages funded, and the proposal is stable.
    let again = propose(&after, &rates, &options()).unwrap();
    assert!(again.packages.iter().all(|p| p.package.as_str() == "P1"));
    assert_eq!(again.packages[0].proposed, usd("0"));
}

#[test]
fn options_bring_in_announced_and_contingent_money_but_never_allocate_it() {
    let (state, rates) = scenario();
    let assumed = Options { include_announced: true, assume_triggers: vec!["talks-fail".into()], ..options() };
    let proposal = propose(&state, &rates, &assumed).unwrap();
    let p1 = proposal.packages.iter().find(|p| p.package.as_str() == "P1").unwrap();
    assert_eq!(p1.proposed, usd("355"), "225 committed plus A1's 50 and G1's 80");
    let uncommitted: Vec<&str> =
        proposal.allocations.iter().filter(|a| !a.committed).map(|a| a.pledge.as_str()).collect();
    assert_eq!(uncommitted, vec!["A1", "G1"]);
    let commands = proposal.commands();
    assert_eq!(commands.len(), proposal.allocations.len() - 2);
    let mut after = state.clone();
    for command in commands {
        after.execute(&rates, &command).unwrap();
    }
}

#[test]
fn a_pledge_that_cannot_be_converted_is_excluded_not_fatal() {
    let (state, _) = scenario();
    let proposal = propose(&state, &RateTable::new(), &options()).unwrap();
    let e1 = proposal.excluded.iter().find(|e| e.pledge.as_str() == "E1").unwrap();
    assert!(e1.reason.contains("no exchange rate for USD on or before 2026-03-20"), "{}", e1.reason);
    assert_eq!(proposal.packages.len(), 3);
}

#[test]
fn allocations_in_another_currency_never_round_past_the_pledge() {
    // Six packages of USD 0.59 and a EUR 3.05 pledge, which converts to USD 3.54 = 6 × 0.59;
    // but each USD 0.59 converts back to EUR 0.51 on its own, and 6 × 0.51 = 3.06 > 3.05. The
    // supply is lowered and the proposal solved again, so every allocation is accepted.
    let (mut state, mut rates) = world();
    rates
        .insert(RateQuote { date: date("2026-03-01"), currency: Currency::USD, rate: Rate::parse("1.1617").unwrap() })
        .unwrap();
    for n in 0..6 {
        let (id, requirement) = (format!("P{}", n + 4), format!("REQ-{n}"));
        open_package(&mut state, &rates, &id, &requirement, RequirementCategory::Armour, "0.59");
    }
    pledge(&mut state, &rates, Pledged { id: "E9", amount: Some(eur("3.05")), ..PLEDGE });
    let proposal = propose(&state, &rates, &options()).unwrap();
    let statuses: Vec<FundingStatus> = proposal.packages.iter().map(|p| p.status).collect();
    assert_eq!(statuses[..5], [FundingStatus::Funded; 5]);
    assert_eq!(statuses[5], FundingStatus::Partial);
    for command in proposal.commands() {
        state.execute(&rates, &command).unwrap_or_else(|e| panic!("{command:?}: {e}"));
    }
    state.check_invariants().unwrap();
    let e9 = state.pledge(&PledgeId::parse("E9").unwrap()).unwrap();
    assert!(e9.unallocated().unwrap().amount_minor >= 0);
}
