//! The exercise scenario: SYNTHETIC data, clearly labelled (ids `EX-*`, notes and descriptions
//! say so), loaded on top of the public record by `tranche demo --exercise`. Two months of
//! requirements, four packages, decisions by silence (one objection), pledges from the public
//! record's contributors, one contingent pledge whose trigger fires, allocations, disbursements
//! and deliveries, ending with one package cancelled. Every step runs as the role that may take
//! it, with a fixed command id, so loading it twice changes nothing.

use tranche_core::auth::Role;
use tranche_core::procurement::{Procedure, Requirement, RequirementCategory, Response, Restricted, Subject};
use tranche_core::text::{Name, Note};
use tranche_core::{
    Announcement, Command, CommandId, Confidence, Contributor, Currency, DecisionId, Envelope, Money, PackageRef,
    PartyId, PledgeId, PledgeKind, RequirementId, Source, YearMonth, parse_date,
};

pub const LABEL: &str = "PURL exercise 2026 (synthetic)";

struct Script {
    steps: Vec<Envelope>,
}

fn day(text: &str) -> chrono::NaiveDate {
    parse_date(text).expect("a valid date")
}

/// Whole units of a two-decimal currency.
fn major(units: i64, code: &str) -> Money {
    Money::new(units * 100, Currency::parse(code).expect("a known currency")).expect("within limits")
}

fn usd(units: i64) -> Money {
    major(units, "USD")
}

fn package(id: &str) -> PackageRef {
    PackageRef::parse(id).expect("a valid id")
}

fn requirement(id: &str) -> RequirementId {
    RequirementId::parse(id).expect("a valid id")
}

fn party(id: &str) -> PartyId {
    PartyId::parse(id).expect("a valid id")
}

fn pledge_id(id: &str) -> PledgeId {
    PledgeId::parse(id).expect("a valid id")
}

fn decision(id: &str) -> DecisionId {
    DecisionId::parse(id).expect("a valid id")
}

impl Script {
    fn step(&mut self, actor: Role, command: Command) {
        let command_id = CommandId::parse(&format!("exercise:{:03}", self.steps.len() + 1)).expect("a valid id");
        self.steps.push(Envelope { command_id, actor, command });
    }

    fn requirement(
        &mut self,
        id: &str,
        category: RequirementCategory,
        cost: i64,
        month: &str,
        quantity: u64,
        what: &str,
    ) {
        let requirement = Requirement {
            id: requirement(id),
            category,
            estimated_cost: usd(cost),
            month: YearMonth::parse(month).expect("a valid month"),
            submitted_on: day("2026-03-02"),
            restricted: Restricted {
                quantity: Some(quantity),
                description: note(&format!("SYNTHETIC exercise line: {what}")),
            },
        };
        self.step(Role::Recipient, Command::SubmitRequirement { requirement });
    }

    fn pledge(&mut self, id: &str, by: &str, amount: Money, date: &str, contingent_on: Option<&str>) {
        let announcement = Announcement {
            pledge: pledge_id(id),
            kind: PledgeKind::Solo,
            contributor: Contributor::Party(party(by)),
            amount: Some(amount),
            package: None,
            earmark: None,
            date: day(date),
            source: Source { url: None, date: day(date), confidence: Confidence::Uncertain },
            note: Some(note("SYNTHETIC EXERCISE pledge; not a real announcement")),
            contingent_on: contingent_on.map(str::to_string),
            cap_per_package: None,
            shares: Vec::new(),
        };
        self.step(Role::Contributor(party(by)), Command::AnnouncePledge { announcement, supersedes: None });
        if contingent_on.is_none() {
            let commit = Command::CommitPledge { pledge: pledge_id(id), amount: None, date: day(date) };
            self.step(Role::Contributor(party(by)), commit);
        }
    }

    /// Draft, quote, propose and open a silence decision on a package.
    fn propose(&mut self, id: &str, name: &str, lines: &[&str], price: i64, decision_id: &str, deadline: &str) {
        let requirements = lines.iter().map(|l| requirement(l)).collect();
        self.step(
            Role::Coordinator,
            Command::DraftPackage {
                package: package(id),
                name: Name::parse(name).expect("exercise names are valid"),
                requirements,
                date: day("2026-03-09"),
            },
        );
        self.step(
            Role::Supplier,
            Command::QuotePackage { package: package(id), price: usd(price), date: day("2026-03-10") },
        );
        self.step(Role::Coordinator, Command::ProposePackage { package: package(id), date: day("2026-03-11") });
        self.silence(id, decision_id, "2026-03-11", deadline);
    }

    fn silence(&mut self, id: &str, decision_id: &str, opened: &str, deadline: &str) {
        let participants = ["NLD", "DEU", "NOR", "SWE", "CAN", "HUN"].iter().map(|p| party(p)).collect();
        self.step(
            Role::Coordinator,
            Command::OpenDecision {
                decision: decision(decision_id),
                subject: Subject::Package(package(id)),
                procedure: Procedure::Silence { deadline: day(deadline) },
                participants,
                date: day(opened),
            },
        );
    }

    fn approve_and_open(&mut self, id: &str, decision_id: &str, date: &str) {
        self.step(
            Role::Coordinator,
            Command::ApprovePackage { package: package(id), decision: decision(decision_id), date: day(date) },
        );
        self.step(Role::Coordinator, Command::OpenPackage { package: package(id), date: day(date) });
    }

    fn allocate(&mut self, id: &str, pledge: &str, amount: i64, date: &str) {
        let command =
            Command::Allocate { package: package(id), pledge: pledge_id(pledge), amount: usd(amount), date: day(date) };
        self.step(Role::Coordinator, command);
    }

    fn deliver(&mut self, id: &str, line: &str, value: i64, delivered: &str, confirmed: &str) {
        let record = Command::RecordDelivery {
            package: package(id),
            requirement: requirement(line),
            quantity: None,
            value: usd(value),
            date: day(delivered),
        };
        self.step(Role::Supplier, record);
        let confirm =
            Command::ConfirmDelivery { package: package(id), requirement: requirement(line), date: day(confirmed) };
        self.step(Role::Recipient, confirm);
    }
}

fn script() -> Script {
    use RequirementCategory::*;
    let mut s = Script { steps: Vec::new() };
    // Two months of requirements and their prioritised lists (March re-prioritised once).
    s.requirement("EX-R1", AirDefence, 350_000_000, "2026-03", 4, "interceptor missiles for a medium-range system");
    s.requirement("EX-R2", ArtilleryAmmunition, 150_000_000, "2026-03", 20_000, "155 mm rounds");
    s.requirement("EX-R3", Drones, 200_000_000, "2026-03", 300, "reconnaissance drones");
    s.requirement("EX-R4", Medical, 60_000_000, "2026-03", 40, "field surgical kits");
    s.requirement("EX-R5", Armour, 300_000_000, "2026-04", 30, "armoured personnel carriers");
    s.requirement("EX-R6", Engineering, 200_000_000, "2026-04", 12, "bridging equipment");
    s.requirement("EX-R7", AirDefence, 250_000_000, "2026-04", 2, "radar sets");
    s.requirement("EX-R8", Other, 250_000_000, "2026-04", 500, "secure radios");
    let list = |ids: &[&str]| ids.iter().map(|i| requirement(i)).collect::<Vec<_>>();
    let march = YearMonth::parse("2026-03").expect("a month");
    let april = YearMonth::parse("2026-04").expect("a month");
    s.step(
        Role::Recipient,
        Command::PrioritiseList {
            month: march,
            order: list(&["EX-R1", "EX-R2", "EX-R3", "EX-R4"]),
            date: day("2026-03-03"),
        },
    );
    s.step(
        Role::Recipient,
        Command::PrioritiseList {
            month: march,
            order: list(&["EX-R3", "EX-R1", "EX-R2", "EX-R4"]),
            date: day("2026-03-05"),
        },
    );
    s.step(
        Role::Recipient,
        Command::PrioritiseList {
            month: april,
            order: list(&["EX-R7", "EX-R5", "EX-R6", "EX-R8"]),
            date: day("2026-03-05"),
        },
    );
    // Pledges from the public record's contributors; SWE's is contingent on talks failing.
    s.pledge("EX-NLD1", "NLD", major(430_000_000, "EUR"), "2026-03-06", None);
    s.pledge("EX-DEU1", "DEU", usd(300_000_000), "2026-03-06", None);
    s.pledge("EX-NOR1", "NOR", major(2_000_000_000, "NOK"), "2026-03-06", None);
    s.pledge("EX-CAN1", "CAN", major(300_000_000, "CAD"), "2026-03-06", None);
    s.pledge("EX-SWE1", "SWE", usd(100_000_000), "2026-03-06", Some("talks-fail"));
    // Four packages, each proposed and put to a silence procedure.
    s.propose(
        "EX-P1",
        "Exercise package 1: air defence and ammunition",
        &["EX-R1", "EX-R2"],
        500_000_000,
        "EX-D1",
        "2026-03-16",
    );
    s.propose(
        "EX-P2",
        "Exercise package 2: drones and medical",
        &["EX-R3", "EX-R4"],
        260_000_000,
        "EX-D2",
        "2026-03-16",
    );
    s.propose(
        "EX-P3",
        "Exercise package 3: armour and engineering",
        &["EX-R5", "EX-R6"],
        500_000_000,
        "EX-D3",
        "2026-03-16",
    );
    s.propose(
        "EX-P4",
        "Exercise package 4: radars and radios",
        &["EX-R7", "EX-R8"],
        500_000_000,
        "EX-D4",
        "2026-03-16",
    );
    s.step(
        Role::Contributor(party("NLD")),
        Command::RespondToDecision {
            decision: decision("EX-D1"),
            party: party("NLD"),
            response: Response::Reservation(note("deliveries before summer")),
            date: day("2026-03-12"),
        },
    );
    // One objection stops EX-D3; a second procedure after consultations adopts the package.
    s.step(
        Role::Contributor(party("DEU")),
        Command::RespondToDecision {
            decision: decision("EX-D3"),
            party: party("DEU"),
            response: Response::Object,
            date: day("2026-03-13"),
        },
    );
    s.silence("EX-P3", "EX-D3B", "2026-03-17", "2026-03-24");
    for (id, decision_id, date) in [
        ("EX-P1", "EX-D1", "2026-03-16"),
        ("EX-P2", "EX-D2", "2026-03-16"),
        ("EX-P4", "EX-D4", "2026-03-16"),
        ("EX-P3", "EX-D3B", "2026-03-24"),
    ] {
        s.approve_and_open(id, decision_id, date);
    }
    // The contingent pledge's trigger fires; allocations fund EX-P1 and EX-P2.
    s.step(Role::Coordinator, Command::DeclareTrigger { trigger: "talks-fail".into(), date: day("2026-03-18") });
    s.allocate("EX-P1", "EX-NLD1", 300_000_000, "2026-03-19");
    s.allocate("EX-P1", "EX-DEU1", 200_000_000, "2026-03-19");
    s.allocate("EX-P2", "EX-SWE1", 100_000_000, "2026-03-19");
    s.allocate("EX-P2", "EX-NOR1", 160_000_000, "2026-03-19");
    s.allocate("EX-P3", "EX-CAN1", 150_000_000, "2026-03-25");
    s.allocate("EX-P4", "EX-DEU1", 100_000_000, "2026-03-25");
    s.allocate("EX-P4", "EX-NOR1", 25_000_000, "2026-03-25");
    // Payments in the contributors' currencies.
    s.step(
        Role::Contributor(party("NLD")),
        Command::PayPledge { pledge: pledge_id("EX-NLD1"), amount: major(430_000_000, "EUR"), date: day("2026-03-20") },
    );
    s.step(
        Role::Contributor(party("DEU")),
        Command::PayPledge { pledge: pledge_id("EX-DEU1"), amount: usd(200_000_000), date: day("2026-03-20") },
    );
    s.step(
        Role::Contributor(party("SWE")),
        Command::PayPledge { pledge: pledge_id("EX-SWE1"), amount: usd(100_000_000), date: day("2026-03-20") },
    );
    // The coordinator converts the euros received into the package currency.
    s.step(
        Role::Coordinator,
        Command::ConvertCash { from: major(430_000_000, "EUR"), to: Currency::USD, date: day("2026-03-20") },
    );
    // The supplier contracts, is paid and delivers; the recipient confirms.
    for id in ["EX-P1", "EX-P2"] {
        s.step(Role::Supplier, Command::ContractPackage { package: package(id), date: day("2026-03-23") });
    }
    s.step(
        Role::Supplier,
        Command::Disburse { package: package("EX-P1"), amount: usd(500_000_000), date: day("2026-03-24") },
    );
    s.step(
        Role::Supplier,
        Command::Disburse { package: package("EX-P2"), amount: usd(100_000_000), date: day("2026-03-24") },
    );
    s.deliver("EX-P1", "EX-R1", 350_000_000, "2026-04-06", "2026-04-08");
    s.deliver("EX-P1", "EX-R2", 150_000_000, "2026-04-10", "2026-04-13");
    s.step(Role::Coordinator, Command::ClosePackage { package: package("EX-P1"), date: day("2026-04-20") });
    s.deliver("EX-P2", "EX-R3", 200_000_000, "2026-04-15", "2026-04-17");
    // EX-P4 is cancelled: its allocations go back to the pool.
    let cancel = Command::CancelPackage {
        package: package("EX-P4"),
        date: day("2026-04-21"),
        reason: Some(note("SYNTHETIC: supplier cannot source the radars this year")),
    };
    s.step(Role::Coordinator, cancel);
    s
}

/// Every step of the exercise, in order, each issued by the role whose job it is.
pub fn steps() -> Vec<Envelope> {
    script().steps
}

/// The exercise's own texts, which are valid by construction.
fn note(text: &str) -> Note {
    Note::parse(text).expect("exercise texts are valid notes")
}
