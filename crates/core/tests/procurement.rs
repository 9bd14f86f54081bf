//! The mechanism at work: each lifecycle rule, its accepted path and its rejected paths
//! (wrong role, wrong state, over-allocation, objection after the deadline, shares that do not
//! sum), with the books' invariants checked after every step.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tranche_core::auth::{Role, authorise};
use tranche_core::command::{MemberShare, Share};
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

struct World {
    state: State,
    rates: RateTable,
}

impl World {
    /// Authorise, decide and apply, then check every invariant.
    fn run(&mut self, role: Role, command: Command) -> Result<Vec<Event>, DomainError> {
        let before = self.state.clone();
        let result = self.state.execute_as(role, &self.rates, &command);
        if result.is_err() {
            assert_eq!(self.state, before, "a rejected command changed the state");
        }
        self.state.check_invariants().unwrap();
        result.map(|applied| applied.into_iter().map(|(event, _)| event).collect())
    }

    fn ok(&mut self, role: Role, command: Command) -> Vec<Event> {
        let name = command.name();
        self.run(role, command).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// The command must be refused with exactly `expect`.
    fn refused(&mut self, role: Role, command: Command, expect: &str) {
        let error = self.run(role, command).unwrap_err();
        assert_eq!(error.to_string(), expect);
    }

    fn package(&self, id: &str) -> &Package {
        self.state.package(&package_id(id)).unwrap()
    }
}

const C: Role = Role::Coordinator;
const R: Role = Role::Recipient;
const S: Role = Role::Supplier;

fn nld() -> Role {
    Role::Contributor(party("NLD"))
}

/// Parties, the mechanism (USD packages), HUN not participating, a rate for EUR/USD.
fn world() -> World {
    let mut rates = RateTable::new();
    rates
        .insert(RateQuote { date: date("2026-01-02"), currency: Currency::USD, rate: Rate::parse("1.25").unwrap() })
        .unwrap();
    let mut world = World { state: State::new(), rates };
    for (id, role) in [
        ("NLD", PartyRole::Contributor),
        ("DEU", PartyRole::Contributor),
        ("SWE", PartyRole::Contributor),
        ("HUN", PartyRole::Contributor),
        ("UKR", PartyRole::Recipient),
        ("USA", PartyRole::Supplier),
    ] {
        let party = Party {
            id: party(id),
            name: tranche_core::Name::parse(id).unwrap(),
            kind: PartyKind::State,
            role,
            gdp_2021_bn_eur: None,
            nato_member_since: None,
        };
        world.ok(Role::Admin, Command::RegisterParty { party });
    }
    let mechanism = Mechanism {
        id: MechanismId::parse("PURL").unwrap(),
        name: tranche_core::Name::parse("PURL").unwrap(),
        recipient: party("UKR"),
        supplier: party("USA"),
        package_currency: Currency::USD,
        reporting_currencies: vec![Currency::EUR, Currency::USD],
    };
    world.ok(Role::Admin, Command::DefineMechanism { mechanism });
    let status = ParticipationStatus::NonParticipation;
    world.ok(C, Command::RecordParticipation { party: party("HUN"), status, source: source("2026-01-05"), note: None });
    world
}

fn requirement(id: &str, cost: &str) -> Command {
    Command::SubmitRequirement {
        requirement: Requirement {
            id: requirement_id(id),
            category: RequirementCategory::AirDefence,
            estimated_cost: usd(cost),
            month: YearMonth::parse("2026-03").unwrap(),
            submitted_on: date("2026-02-20"),
            restricted: Restricted {
                quantity: Some(4),
                description: tranche_core::Note::parse(&format!("secret line {id}")).unwrap(),
            },
        },
    }
}

fn pledge(id: &str, by: &str, amount: Money, day: &str) -> Command {
    let announcement = Announcement {
        pledge: PledgeId::parse(id).unwrap(),
        kind: PledgeKind::Solo,
        contributor: Contributor::Party(party(by)),
        amount: Some(amount),
        package: None,
        earmark: None,
        date: date(day),
        source: source(day),
        note: None,
        contingent_on: None,
        cap_per_package: None,
        shares: Vec::new(),
    };
    Command::AnnouncePledge { announcement, supersedes: None }
}

fn commit(id: &str, day: &str) -> Command {
    Command::CommitPledge { pledge: PledgeId::parse(id).unwrap(), amount: None, date: date(day) }
}

fn at(day: &str) -> NaiveDate {
    date(day)
}

/// A package P1 (two lines, USD 500) drafted, quoted, proposed and approved by silence, then opened.
fn open_package() -> World {
    let mut world = world();
    world.ok(R, requirement("REQ-1", "300"));
    world.ok(R, requirement("REQ-2", "200"));
    let lines = vec![requirement_id("REQ-1"), requirement_id("REQ-2")];
    world.ok(
        C,
        Command::DraftPackage {
            package: package_id("P1"),
            name: tranche_core::Name::parse("Air defence").unwrap(),
            requirements: lines,
            date: at("2026-03-01"),
        },
    );
    world.ok(S, Command::QuotePackage { package: package_id("P1"), price: usd("500"), date: at("2026-03-02") });
    world.ok(C, Command::ProposePackage { package: package_id("P1"), date: at("2026-03-03") });
    let procedure = Procedure::Silence { deadline: at("2026-03-10") };
    let participants = vec![party("NLD"), party("DEU"), party("HUN")];
    let decision = DecisionId::parse("D1").unwrap();
    world.ok(
        C,
        Command::OpenDecision {
            decision: decision.clone(),
            subject: Subject::Package(package_id("P1")),
            procedure,
            participants,
            date: at("2026-03-03"),
        },
    );
    world.ok(C, Command::ApprovePackage { package: package_id("P1"), decision, date: at("2026-03-10") });
    world.ok(C, Command::OpenPackage { package: package_id("P1"), date: at("2026-03-11") });
    world
}

#[test]
fn requirements_and_versioned_lists() {
    let mut world = world();
    world.ok(R, requirement("REQ-1", "300"));
    world.ok(R, requirement("REQ-2", "200"));
    world.refused(R, requirement("REQ-1", "1"), "requirement REQ-1 already exists");
    world.refused(
        nld(),
        requirement("REQ-3", "1"),
        "contributor:NLD may not submit-requirement: not a contributor's to do",
    );
    world.refused(C, requirement("REQ-3", "1"), "coordinator may not submit-requirement: not this role's to do");
    let month = YearMonth::parse("2026-03").unwrap();
    let order = |ids: &[&str]| ids.iter().map(|i| requirement_id(i)).collect::<Vec<_>>();
    world.ok(R, Command::PrioritiseList { month, order: order(&["REQ-2", "REQ-1"]), date: at("2026-02-25") });
    world.ok(R, Command::PrioritiseList { month, order: order(&["REQ-1", "REQ-2"]), date: at("2026-02-26") });
    let versions = &world.state.lists[&month];
    assert_eq!(
        versions.iter().map(|l| (l.version, l.order[0].to_string())).collect::<Vec<_>>(),
        [(1, "REQ-2".into()), (2, "REQ-1".into())]
    );
    world.refused(
        R,
        Command::PrioritiseList { month, order: order(&["REQ-1", "REQ-1"]), date: at("2026-02-27") },
        "requirement REQ-1 is ranked twice in the list for 2026-03",
    );
    world.refused(
        R,
        Command::PrioritiseList { month, order: order(&["REQ-9"]), date: at("2026-02-27") },
        "unknown requirement REQ-9",
    );
    let april = YearMonth::parse("2026-04").unwrap();
    world.refused(
        R,
        Command::PrioritiseList { month: april, order: order(&["REQ-1"]), date: at("2026-02-27") },
        "requirement REQ-1 is for 2026-03, not 2026-04",
    );
    let mut eur_cost = requirement("REQ-4", "1");
    if let Command::SubmitRequirement { requirement } = &mut eur_cost {
        requirement.estimated_cost = eur("1");
    }
    world.refused(R, eur_cost, "an estimated cost must be in USD, the package currency; got EUR 1.00");
}

#[test]
fn silence_procedure_adopts_at_the_deadline_and_one_objection_stops_it() {
    let mut world = world();
    world.ok(R, requirement("REQ-1", "300"));
    world.ok(
        C,
        Command::DraftPackage {
            package: package_id("P1"),
            name: tranche_core::Name::parse("x").unwrap(),
            requirements: vec![requirement_id("REQ-1")],
            date: at("2026-03-01"),
        },
    );
    world.ok(C, Command::ProposePackage { package: package_id("P1"), date: at("2026-03-02") });
    let open = |id: &str, deadline: &str| Command::OpenDecision {
        decision: DecisionId::parse(id).unwrap(),
        subject: Subject::Package(package_id("P1")),
        procedure: Procedure::Silence { deadline: at(deadline) },
        participants: vec![party("NLD"), party("DEU"), party("HUN")],
        date: at("2026-03-02"),
    };
    world.ok(C, open("D1", "2026-03-10"));
    let decision = world.state.decision(&DecisionId::parse("D1").unwrap()).unwrap().clone();
    assert_eq!(decision.participants, [party("NLD"), party("DEU")], "HUN (non-participation) is not asked");
    assert_eq!(decision.not_asked, [party("HUN")]);
    assert_eq!(decision.outcome(at("2026-03-09")), Outcome::Pending);
    assert_eq!(decision.outcome(at("2026-03-10")), Outcome::Adopted { on: at("2026-03-10") });

    let respond = |id: &str, who: &str, response: Response, day: &str| Command::RespondToDecision {
        decision: DecisionId::parse(id).unwrap(),
        party: party(who),
        response,
        date: at(day),
    };
    world.refused(
        Role::Contributor(party("HUN")),
        respond("D1", "HUN", Response::Object, "2026-03-05"),
        "HUN is not asked in decision D1 (declined or non-participation) and does not block it",
    );
    world.refused(
        nld(),
        respond("D1", "DEU", Response::Object, "2026-03-05"),
        "contributor:NLD may not respond-to-decision: NLD may act only for itself; a joint pledge binds other states and is recorded by the coordinator",
    );
    world.ok(
        nld(),
        respond(
            "D1",
            "NLD",
            Response::Reservation(tranche_core::Note::parse("prefers deliveries in Q2").unwrap()),
            "2026-03-04",
        ),
    );
    world.refused(
        nld(),
        respond("D1", "NLD", Response::Approve, "2026-03-05"),
        "NLD has already responded to decision D1",
    );
    world.refused(
        Role::Contributor(party("DEU")),
        respond("D1", "DEU", Response::Object, "2026-03-11"),
        "decision D1 closed at its deadline 2026-03-10; a response on 2026-03-11 is after the deadline",
    );
    let decision = world.state.decision(&DecisionId::parse("D1").unwrap()).unwrap();
    assert_eq!(decision.reservations().collect::<Vec<_>>(), [(&party("NLD"), "prefers deliveries in Q2")]);
    assert_eq!(
        decision.outcome(at("2026-03-10")),
        Outcome::Adopted { on: at("2026-03-10") },
        "a reservation does not block"
    );

    world.ok(C, open("D2", "2026-03-20"));
    world.ok(Role::Contributor(party("DEU")), respond("D2", "DEU", Response::Object, "2026-03-20"));
    let decision = world.state.decision(&DecisionId::parse("D2").unwrap()).unwrap();
    assert_eq!(decision.outcome(at("2026-03-21")), Outcome::Rejected { by: party("DEU"), on: at("2026-03-20") });
    world.refused(
        C,
        Command::ApprovePackage {
            package: package_id("P1"),
            decision: DecisionId::parse("D2").unwrap(),
            date: at("2026-03-21"),
        },
        "package P1 has no price; the supplier quotes it first",
    );
    world.ok(S, Command::QuotePackage { package: package_id("P1"), price: usd("290"), date: at("2026-03-21") });
    world.refused(
        C,
        Command::ApprovePackage {
            package: package_id("P1"),
            decision: DecisionId::parse("D2").unwrap(),
            date: at("2026-03-21"),
        },
        "decision D2 was rejected: DEU objected on 2026-03-20",
    );
    world.ok(
        C,
        Command::ApprovePackage {
            package: package_id("P1"),
            decision: DecisionId::parse("D1").unwrap(),
            date: at("2026-03-21"),
        },
    );
}

#[test]
fn consensus_needs_every_participant() {
    let mut world = world();
    world.ok(R, requirement("REQ-1", "300"));
    let month = YearMonth::parse("2026-03").unwrap();
    world.ok(R, Command::PrioritiseList { month, order: vec![requirement_id("REQ-1")], date: at("2026-02-25") });
    let decision = DecisionId::parse("L1").unwrap();
    world.refused(
        C,
        Command::OpenDecision {
            decision: decision.clone(),
            subject: Subject::List { month, version: 2 },
            procedure: Procedure::Consensus,
            participants: vec![party("NLD")],
            date: at("2026-02-26"),
        },
        "there is no list 2026-03 v2",
    );
    world.ok(
        C,
        Command::OpenDecision {
            decision: decision.clone(),
            subject: Subject::List { month, version: 1 },
            procedure: Procedure::Consensus,
            participants: vec![party("NLD"), party("SWE")],
            date: at("2026-02-26"),
        },
    );
    let respond = |who: &str, day: &str| Command::RespondToDecision {
        decision: decision.clone(),
        party: party(who),
        response: Response::Approve,
        date: at(day),
    };
    world.ok(nld(), respond("NLD", "2026-02-27"));
    assert_eq!(world.state.decision(&decision).unwrap().outcome(at("2026-03-31")), Outcome::Pending);
    world.ok(Role::Contributor(party("SWE")), respond("SWE", "2026-03-01"));
    assert_eq!(
        world.state.decision(&decision).unwrap().outcome(at("2026-03-01")),
        Outcome::Adopted { on: at("2026-03-01") }
    );
}

#[test]
fn package_lifecycle_rejects_illegal_transitions_naming_the_state() {
    let mut world = open_package();
    assert_eq!(world.package("P1").state, PackageState::Open);
    world.refused(
        C,
        Command::ProposePackage { package: package_id("P1"), date: at("2026-03-12") },
        "package P1 is open; proposing needs a package that is draft",
    );
    world.refused(
        S,
        Command::ContractPackage { package: package_id("P1"), date: at("2026-03-12") },
        "package P1 is open; contracting needs a package that is funded",
    );
    world.refused(
        C,
        Command::ClosePackage { package: package_id("P1"), date: at("2026-03-12") },
        "package P1 is open; closing needs a package that is delivered",
    );
    world.refused(
        C,
        Command::QuotePackage { package: package_id("P1"), price: usd("1"), date: at("2026-03-12") },
        "coordinator may not quote-package: not this role's to do",
    );
    world.refused(
        S,
        Command::Disburse { package: package_id("P1"), amount: usd("1"), date: at("2026-03-12") },
        "package P1 is open; disbursing needs a package that is contracted, delivering or delivered",
    );
    let lines = vec![requirement_id("REQ-1")];
    world.refused(
        C,
        Command::DraftPackage {
            package: package_id("P2"),
            name: tranche_core::Name::parse("again").unwrap(),
            requirements: lines,
            date: at("2026-03-12"),
        },
        "requirement REQ-1 is already in package P1",
    );
}

#[test]
fn funding_allocation_and_over_allocation() {
    let mut world = open_package();
    world.ok(C, pledge("NL1", "NLD", eur("200"), "2026-03-12"));
    world.refused(
        C,
        Command::Allocate {
            package: package_id("P1"),
            pledge: PledgeId::parse("NL1").unwrap(),
            amount: usd("100"),
            date: at("2026-03-13"),
        },
        "pledge NL1 is announced; only committed money is allocated",
    );
    world.ok(nld(), commit("NL1", "2026-03-13"));
    world.ok(C, pledge("DE1", "DEU", usd("400"), "2026-03-12"));
    world.ok(C, commit("DE1", "2026-03-13"));
    let allocate = |pledge: &str, amount: &str| Command::Allocate {
        package: package_id("P1"),
        pledge: PledgeId::parse(pledge).unwrap(),
        amount: usd(amount),
        date: at("2026-03-14"),
    };
    world.refused(nld(), allocate("NL1", "100"), "contributor:NLD may not allocate: not a contributor's to do");
    // EUR 200 at 1.25 USD/EUR is USD 250: asking USD 251 needs EUR 200.80.
    world.refused(
        C,
        allocate("NL1", "251"),
        "pledge NL1 has EUR 200.00 committed and unallocated; USD 251.00 needs EUR 200.80",
    );
    world.ok(C, allocate("NL1", "250"));
    world.refused(
        C,
        allocate("DE1", "250.01"),
        "over-allocation: package P1 needs USD 250.00 more to reach its price USD 500.00, asked USD 250.01",
    );
    let events = world.ok(C, allocate("DE1", "250"));
    assert!(
        events.iter().any(|e| matches!(e, Event::PackageMoved { to: PackageState::Funded, .. })),
        "funded exactly at the price"
    );
    assert_eq!(world.package("P1").state, PackageState::Funded);
    assert_eq!(world.package("P1").allocated(), usd("500"));
    let books = &world.state.books;
    assert_eq!(books.balance(&Account::PackageFunds("P1".into()), Currency::USD), -50000);
    assert_eq!(books.balance(&Account::Trading(Currency::EUR), Currency::EUR), -20000);
    assert_eq!(books.balance(&Account::Trading(Currency::USD), Currency::USD), 25000);
    world.refused(
        C,
        Command::WithdrawPledge { pledge: PledgeId::parse("DE1").unwrap(), date: at("2026-03-15"), reason: None },
        "pledge DE1 has USD 250.00 allocated to packages; cancel those packages before withdrawing it",
    );
}

/// Funded with NL1 (EUR 200 = USD 250) and DE1 (USD 250), then contracted.
fn contracted() -> World {
    let mut world = open_package();
    world.ok(C, pledge("NL1", "NLD", eur("200"), "2026-03-12"));
    world.ok(C, commit("NL1", "2026-03-13"));
    world.ok(C, pledge("DE1", "DEU", usd("400"), "2026-03-12"));
    world.ok(C, commit("DE1", "2026-03-13"));
    for (pledge, amount) in [("NL1", "250"), ("DE1", "250")] {
        let command = Command::Allocate {
            package: package_id("P1"),
            pledge: PledgeId::parse(pledge).unwrap(),
            amount: usd(amount),
            date: at("2026-03-14"),
        };
        world.ok(C, command);
    }
    world.ok(S, Command::ContractPackage { package: package_id("P1"), date: at("2026-03-20") });
    // The contributors pay (NLD in EUR, DEU in USD); the coordinator converts the EUR to USD.
    world.ok(
        nld(),
        Command::PayPledge { pledge: PledgeId::parse("NL1").unwrap(), amount: eur("200"), date: at("2026-03-20") },
    );
    world.ok(
        C,
        Command::PayPledge { pledge: PledgeId::parse("DE1").unwrap(), amount: usd("250"), date: at("2026-03-20") },
    );
    world.ok(C, Command::ConvertCash { from: eur("200"), to: Currency::USD, date: at("2026-03-20") });
    world
}

#[test]
fn disbursing_needs_cash_in_the_package_currency() {
    let mut world = open_package();
    world.ok(C, pledge("DE1", "DEU", usd("500"), "2026-03-12"));
    world.ok(C, commit("DE1", "2026-03-13"));
    world.ok(
        C,
        Command::Allocate {
            package: package_id("P1"),
            pledge: PledgeId::parse("DE1").unwrap(),
            amount: usd("500"),
            date: at("2026-03-14"),
        },
    );
    world.ok(S, Command::ContractPackage { package: package_id("P1"), date: at("2026-03-20") });
    world.refused(
        S,
        Command::Disburse { package: package_id("P1"), amount: usd("100"), date: at("2026-03-21") },
        "insufficient USD cash: the fund holds USD 0.00, needs USD 100.00; collect payments or convert cash first",
    );
    world.ok(
        C,
        Command::PayPledge { pledge: PledgeId::parse("DE1").unwrap(), amount: eur("80"), date: at("2026-03-21") },
    );
    world.refused(
        C,
        Command::ConvertCash { from: eur("80.01"), to: Currency::USD, date: at("2026-03-21") },
        "insufficient EUR cash: the fund holds EUR 80.00, needs EUR 80.01; collect payments or convert cash first",
    );
    world.refused(
        S,
        Command::ConvertCash { from: eur("80"), to: Currency::USD, date: at("2026-03-21") },
        "supplier may not convert-cash: not this role's to do",
    );
    let events = world.ok(C, Command::ConvertCash { from: eur("80"), to: Currency::USD, date: at("2026-03-21") });
    assert_eq!(events, [Event::CashConverted { from: eur("80"), to: usd("100"), date: at("2026-03-21") }]);
    world.ok(S, Command::Disburse { package: package_id("P1"), amount: usd("100"), date: at("2026-03-21") });
    assert_eq!(world.state.books.balance(&Account::Cash(Currency::USD), Currency::USD), 0);
}

#[test]
fn disbursements_never_exceed_funding_and_deliveries_complete_the_package() {
    let mut world = contracted();
    world.refused(
        S,
        Command::Disburse { package: package_id("P1"), amount: usd("500.01"), date: at("2026-03-21") },
        "over-disbursement: package P1 has USD 500.00 funded and not disbursed, asked USD 500.01",
    );
    world.refused(
        C,
        Command::Disburse { package: package_id("P1"), amount: usd("1"), date: at("2026-03-21") },
        "coordinator may not disburse: not this role's to do",
    );
    world.ok(S, Command::Disburse { package: package_id("P1"), amount: usd("300"), date: at("2026-03-21") });
    let deliver = |line: &str| Command::RecordDelivery {
        package: package_id("P1"),
        requirement: requirement_id(line),
        quantity: Some(2),
        value: usd("250"),
        date: at("2026-04-01"),
    };
    let confirm = |line: &str, day: &str| Command::ConfirmDelivery {
        package: package_id("P1"),
        requirement: requirement_id(line),
        date: at(day),
    };
    world.refused(R, deliver("REQ-1"), "recipient may not record-delivery: not this role's to do");
    world.ok(S, deliver("REQ-1"));
    assert_eq!(world.package("P1").state, PackageState::Delivering);
    world.refused(S, deliver("REQ-1"), "the delivery of REQ-1 in package P1 is already recorded");
    world.refused(S, deliver("REQ-9"), "requirement REQ-9 is not in package P1");
    world.refused(S, confirm("REQ-1", "2026-04-02"), "supplier may not confirm-delivery: not this role's to do");
    world.refused(R, confirm("REQ-2", "2026-04-02"), "no delivery of REQ-2 in package P1 is recorded yet");
    world.refused(R, confirm("REQ-1", "2026-03-31"), "confirmation on 2026-03-31 is before the delivery on 2026-04-01");
    world.ok(R, confirm("REQ-1", "2026-04-02"));
    world.ok(S, deliver("REQ-2"));
    let events = world.ok(R, confirm("REQ-2", "2026-04-03"));
    assert!(events.iter().any(|e| matches!(e, Event::PackageMoved { to: PackageState::Delivered, .. })));
    world.ok(S, Command::Disburse { package: package_id("P1"), amount: usd("200"), date: at("2026-04-04") });
    world.ok(C, Command::ClosePackage { package: package_id("P1"), date: at("2026-04-05") });
    let package = world.package("P1");
    assert_eq!(
        (package.state, package.disbursed, package.delivered_value()),
        (PackageState::Closed, usd("500"), usd("500"))
    );
    let states: Vec<&str> = package.history.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        states,
        ["draft", "proposed", "approved", "open", "funded", "contracted", "delivering", "delivered", "closed"]
    );
    assert_eq!(world.state.books.balance(&Account::PackageFunds("P1".into()), Currency::USD), 0);
}

#[test]
fn cancelling_releases_undisbursed_money_to_the_pool() {
    let mut world = contracted();
    world.ok(S, Command::Disburse { package: package_id("P1"), amount: usd("100"), date: at("2026-03-21") });
    let events = world.ok(
        C,
        Command::CancelPackage {
            package: package_id("P1"),
            date: at("2026-03-22"),
            reason: Some(tranche_core::Note::parse("supplier cannot deliver").unwrap()),
        },
    );
    let Event::PackageCancelled { released, .. } = &events[0] else { panic!("{events:?}") };
    // Latest allocation first: DE1's USD 250 whole, then USD 150 of NL1's USD 250 (EUR 120 of EUR 200).
    let shown: Vec<String> =
        released.iter().map(|a| format!("{} {} {}", a.pledge, a.amount, a.pledge_amount)).collect();
    assert_eq!(shown, ["DE1 USD 250.00 USD 250.00", "NL1 USD 150.00 EUR 120.00"]);
    assert_eq!(world.state.pledge(&PledgeId::parse("NL1").unwrap()).unwrap().allocated, Some(eur("80")));
    assert_eq!(world.state.books.balance(&Account::PackageFunds("P1".into()), Currency::USD), 0);
    world.refused(
        C,
        Command::CancelPackage { package: package_id("P1"), date: at("2026-03-23"), reason: None },
        "package P1 is cancelled; cancelling needs a package that is neither delivered, closed nor cancelled",
    );
    // Released money is free again: DE1 can be withdrawn now.
    world.ok(
        C,
        Command::WithdrawPledge { pledge: PledgeId::parse("DE1").unwrap(), date: at("2026-03-24"), reason: None },
    );
}

#[test]
fn contingent_pledges_count_apart_until_their_trigger() {
    let mut world = world();
    let mut contingent = pledge("SE1", "SWE", usd("100"), "2026-03-01");
    if let Command::AnnouncePledge { announcement, .. } = &mut contingent {
        announcement.contingent_on = Some("talks-fail".into());
    }
    world.ok(C, contingent);
    world.ok(C, pledge("NL1", "NLD", usd("50"), "2026-03-01"));
    let summary = summarise(&world.state, &world.rates, at("2026-03-05"), &[Currency::USD]).unwrap();
    assert_eq!(
        (summary.totals[&Currency::USD], summary.contingent, summary.contingent_totals[&Currency::USD]),
        (usd("50"), 1, usd("100"))
    );
    world.refused(
        Role::Contributor(party("SWE")),
        commit("SE1", "2026-03-02"),
        "pledge SE1 is contingent on talks-fail; it commits when the coordinator declares the trigger",
    );
    world.refused(
        Role::Contributor(party("SWE")),
        Command::DeclareTrigger { trigger: "talks-fail".into(), date: at("2026-03-06") },
        "contributor:SWE may not declare-trigger: not a contributor's to do",
    );
    let events = world.ok(C, Command::DeclareTrigger { trigger: "talks-fail".into(), date: at("2026-03-06") });
    assert!(matches!(&events[1], Event::PledgeCommitted { pledge, .. } if pledge.as_str() == "SE1"));
    assert_eq!(world.state.pledge(&PledgeId::parse("SE1").unwrap()).unwrap().status, PledgeStatus::Committed);
    let summary = summarise(&world.state, &world.rates, at("2026-03-06"), &[Currency::USD]).unwrap();
    assert_eq!((summary.totals[&Currency::USD], summary.contingent), (usd("150"), 0));
    let before = summarise(&world.state, &world.rates, at("2026-03-05"), &[Currency::USD]).unwrap();
    assert_eq!(before.contingent, 1, "as of the day before the trigger it still counts apart");
    world.refused(
        C,
        Command::DeclareTrigger { trigger: "talks-fail".into(), date: at("2026-03-07") },
        "trigger talks-fail was already declared on 2026-03-06",
    );
}

#[test]
fn joint_shares_must_sum_to_the_whole() {
    let mut world = world();
    let joint = |shares: Vec<(&str, Share)>| {
        let announcement = Announcement {
            pledge: PledgeId::parse("J1").unwrap(),
            kind: PledgeKind::JointPackage,
            contributor: Contributor::Joint(vec![party("NLD"), party("DEU")]),
            amount: Some(usd("500")),
            package: Some(package_id("9")),
            earmark: None,
            date: at("2026-03-01"),
            source: source("2026-03-01"),
            note: None,
            contingent_on: None,
            cap_per_package: None,
            shares: shares.into_iter().map(|(p, share)| MemberShare { party: party(p), share }).collect(),
        };
        Command::AnnouncePledge { announcement, supersedes: None }
    };
    let percent = |n: i64| Share::Percent(tranche_core::command::Percent::new(Decimal::from(n)).unwrap());
    world.refused(
        C,
        joint(vec![("NLD", Share::Amount(usd("300"))), ("DEU", Share::Amount(usd("199")))]),
        "the shares of pledge J1 sum to USD 499.00, not USD 500.00",
    );
    world.refused(
        C,
        joint(vec![("NLD", percent(60)), ("DEU", percent(30))]),
        "the shares of pledge J1 sum to 90%, not 100%",
    );
    world.refused(
        C,
        joint(vec![("NLD", percent(60)), ("SWE", percent(40))]),
        "SWE holds a share of pledge J1 but is not one of its members",
    );
    world.refused(
        C,
        joint(vec![("NLD", percent(60)), ("DEU", Share::Amount(usd("200")))]),
        "the shares of pledge J1 mix amounts and percentages",
    );
    world.refused(
        Role::Contributor(party("SWE")),
        joint(vec![]),
        "contributor:SWE may not announce-pledge: SWE may act only for itself; a joint pledge binds other states and is recorded by the coordinator",
    );
    // A member may not bind the others (NLD to 60 %) on its own: the coordinator records it.
    world.refused(
        Role::Contributor(party("DEU")),
        joint(vec![("NLD", percent(60)), ("DEU", percent(40))]),
        "contributor:DEU may not announce-pledge: DEU may act only for itself; a joint pledge binds other states and is recorded by the coordinator",
    );
    world.ok(C, joint(vec![("NLD", percent(60)), ("DEU", percent(40))]));
}

#[test]
fn auditors_read_only_and_admin_may_do_anything() {
    let world = world();
    let command = requirement("REQ-1", "1");
    assert_eq!(
        authorise(Role::Auditor, &command, &world.state).unwrap_err().to_string(),
        "auditor may not submit-requirement: auditors read only"
    );
    assert!(authorise(Role::Admin, &command, &world.state).is_ok());
    assert_eq!(Role::parse("contributor:NLD").unwrap(), nld());
    assert!(Role::parse("minister").unwrap_err().to_string().contains("is not one of"));
}

/// A package is paid for only by the pledges allocated to it: other contributors' cash in the
/// pool is not disbursed for it, and `report packages` shows what its own pledges paid in.
#[test]
fn a_package_spends_only_its_own_paid_in_money() {
    let mut world = open_package();
    for (id, by, amount) in [("DE1", "DEU", "300"), ("NL1", "NLD", "400"), ("SE1", "SWE", "1000")] {
        world.ok(C, pledge(id, by, usd(amount), "2026-03-12"));
        world.ok(C, commit(id, "2026-03-13"));
    }
    let allocate = |pledge: &str, amount: &str| Command::Allocate {
        package: package_id("P1"),
        pledge: PledgeId::parse(pledge).unwrap(),
        amount: usd(amount),
        date: at("2026-03-14"),
    };
    world.ok(C, allocate("DE1", "300"));
    world.ok(C, allocate("NL1", "200"));
    let pay = |pledge: &str, amount: &str| Command::PayPledge {
        pledge: PledgeId::parse(pledge).unwrap(),
        amount: usd(amount),
        date: at("2026-03-15"),
    };
    world.ok(C, pay("SE1", "1000"));
    world.ok(C, pay("DE1", "100"));
    world.ok(S, Command::ContractPackage { package: package_id("P1"), date: at("2026-03-20") });
    let disburse =
        |amount: &str| Command::Disburse { package: package_id("P1"), amount: usd(amount), date: at("2026-03-21") };
    world.refused(
        S,
        disburse("100.01"),
        "package P1 has USD 100.00 paid in by the pledges allocated to it and USD 0.00 disbursed; disbursing USD 100.01 \
         would spend other contributors' money: collect its pledges' payments first",
    );
    world.ok(S, disburse("100"));
    // NL1 pays 250: 200 pays its allocation to P1, 50 stays in the pool unattributed.
    world.ok(C, pay("NL1", "250"));
    let paid_in = world.state.paid_in_by_package();
    assert_eq!(paid_in[&package_id("P1")], usd("300"));
    let rows = tranche_core::reports::package_rows(&world.state, tranche_core::auth::Reader::Public);
    assert_eq!(rows[0].paid, usd("300"));
    world.refused(
        S,
        disburse("200.01"),
        "package P1 has USD 300.00 paid in by the pledges allocated to it and USD 100.00 disbursed; disbursing USD \
         200.01 would spend other contributors' money: collect its pledges' payments first",
    );
    world.ok(S, disburse("200"));
}

/// A cap per package holds for every allocation, not only the proposal's (found by a hostile
/// client: a manual allocation ignored it).
#[test]
fn a_cap_per_package_bounds_every_allocation() {
    let mut world = open_package();
    let mut capped = pledge("DE1", "DEU", usd("500"), "2026-03-12");
    if let Command::AnnouncePledge { announcement, .. } = &mut capped {
        announcement.cap_per_package = Some(usd("300"));
    }
    world.ok(C, capped);
    world.ok(C, commit("DE1", "2026-03-13"));
    let allocate = |amount: &str| Command::Allocate {
        package: package_id("P1"),
        pledge: PledgeId::parse("DE1").unwrap(),
        amount: usd(amount),
        date: at("2026-03-14"),
    };
    world.ok(C, allocate("200"));
    world.refused(
        C,
        allocate("100.01"),
        "pledge DE1 is capped at USD 300.00 per package; package P1 would get USD 300.01 of it with USD 100.01 (USD 100.01)",
    );
    world.ok(C, allocate("100"));
}

#[test]
fn a_half_funded_package_counts_half_of_each_requirement() {
    let mut world = open_package();
    let coverage = |world: &World| {
        let rows = tranche_core::reports::coverage(&world.state, Currency::USD);
        assert_eq!(rows.len(), 1, "one requirement month");
        (rows[0].required, rows[0].funded, rows[0].delivered)
    };
    assert_eq!(coverage(&world), (usd("500"), usd("0"), usd("0")), "nothing allocated yet");
    world.ok(C, pledge("DE1", "DEU", usd("250"), "2026-03-12"));
    world.ok(C, commit("DE1", "2026-03-13"));
    let allocate = Command::Allocate {
        package: package_id("P1"),
        pledge: PledgeId::parse("DE1").unwrap(),
        amount: usd("250"),
        date: at("2026-03-14"),
    };
    world.ok(C, allocate);
    // Half the price allocated: each line counts half its cost (300 / 2 + 200 / 2).
    assert_eq!(coverage(&world), (usd("500"), usd("250"), usd("0")));
}
