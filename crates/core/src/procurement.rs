//! The mechanism at work: requirements and their prioritised monthly lists, decisions
//! (consensus and silence procedure), packages and their lifecycle, allocations, disbursements
//! and deliveries. Types here; the rules are in `rules.rs`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::ids::{DecisionId, PackageRef, PartyId, PledgeId, RequirementId};
use crate::money::{Currency, Money};
use crate::summary::YearMonth;

word_enum!(
    /// What a requirement is for.
    RequirementCategory, "category" {
        AirDefence = "air-defence",
        ArtilleryAmmunition = "artillery-ammunition",
        Armour = "armour",
        Drones = "drones",
        Engineering = "engineering",
        Medical = "medical",
        Other = "other",
    }
);

/// Fields only the coordinator, recipient, supplier, admin and auditor may read. Every read
/// path that serves the public drops them (see `crate::auth::Reader`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restricted {
    pub quantity: Option<u64>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub id: RequirementId,
    pub category: RequirementCategory,
    /// In the mechanism's package currency.
    pub estimated_cost: Money,
    pub month: YearMonth,
    pub submitted_on: NaiveDate,
    pub restricted: Restricted,
}

/// One version of a month's prioritised list (rank 1 first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityList {
    pub month: YearMonth,
    pub version: u32,
    pub order: Vec<RequirementId>,
    pub date: NaiveDate,
}

/// What a decision approves.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Subject {
    List { month: YearMonth, version: u32 },
    Package(PackageRef),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::List { month, version } => write!(f, "list {month} v{version}"),
            Subject::Package(package) => write!(f, "package {package}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Procedure {
    /// Adopted when every participant has approved; one objection rejects it.
    Consensus,
    /// Adopted at the deadline unless a participant objects on or before it.
    Silence { deadline: NaiveDate },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Response {
    Approve,
    /// Approval with a reservation on record; it does not block.
    Reservation(String),
    Object,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub id: DecisionId,
    pub subject: Subject,
    pub procedure: Procedure,
    /// Asked to respond.
    pub participants: Vec<PartyId>,
    /// Named but not asked: their latest status is declined or non-participation.
    pub not_asked: Vec<PartyId>,
    pub opened_on: NaiveDate,
    pub responses: Vec<(PartyId, Response, NaiveDate)>,
}

/// A decision's outcome, computed from its responses and deadline; never set by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pending,
    Adopted { on: NaiveDate },
    Rejected { by: PartyId, on: NaiveDate },
}

impl Decision {
    pub fn outcome(&self, as_of: NaiveDate) -> Outcome {
        let known: Vec<&(PartyId, Response, NaiveDate)> = self.responses.iter().filter(|r| r.2 <= as_of).collect();
        if let Some((by, _, on)) = known.iter().find(|r| r.1 == Response::Object) {
            return Outcome::Rejected { by: *by, on: *on };
        }
        match self.procedure {
            Procedure::Silence { deadline } if as_of >= deadline => Outcome::Adopted { on: deadline },
            Procedure::Silence { .. } => Outcome::Pending,
            Procedure::Consensus => {
                let all = self.participants.iter().all(|p| known.iter().any(|r| r.0 == *p));
                match (all, known.iter().map(|r| r.2).max()) {
                    (true, Some(on)) => Outcome::Adopted { on: on.max(self.opened_on) },
                    (true, None) => Outcome::Adopted { on: self.opened_on },
                    (false, _) => Outcome::Pending,
                }
            }
        }
    }

    pub fn reservations(&self) -> impl Iterator<Item = (&PartyId, &str)> {
        self.responses.iter().filter_map(|(party, response, _)| match response {
            Response::Reservation(text) => Some((party, text.as_str())),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageState {
    Draft,
    Proposed,
    Approved,
    Open,
    Funded,
    Contracted,
    Delivering,
    Delivered,
    Closed,
    Cancelled,
}

impl PackageState {
    pub const ALL: [PackageState; 10] = [
        PackageState::Draft,
        PackageState::Proposed,
        PackageState::Approved,
        PackageState::Open,
        PackageState::Funded,
        PackageState::Contracted,
        PackageState::Delivering,
        PackageState::Delivered,
        PackageState::Closed,
        PackageState::Cancelled,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            PackageState::Draft => "draft",
            PackageState::Proposed => "proposed",
            PackageState::Approved => "approved",
            PackageState::Open => "open",
            PackageState::Funded => "funded",
            PackageState::Contracted => "contracted",
            PackageState::Delivering => "delivering",
            PackageState::Delivered => "delivered",
            PackageState::Closed => "closed",
            PackageState::Cancelled => "cancelled",
        }
    }

    /// Funded or beyond (and not cancelled): the money is all there.
    pub fn is_funded(&self) -> bool {
        matches!(
            self,
            PackageState::Funded
                | PackageState::Contracted
                | PackageState::Delivering
                | PackageState::Delivered
                | PackageState::Closed
        )
    }
}

impl fmt::Display for PackageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Committed money of one pledge set aside for one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub pledge: PledgeId,
    /// In the package currency.
    pub amount: Money,
    /// The same money in the pledge's currency (converted at the allocation date's rate).
    pub pledge_amount: Money,
    pub date: NaiveDate,
}

/// Delivery of one package line (a requirement), as recorded by the supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub quantity: Option<u64>,
    pub value: Money,
    pub date: NaiveDate,
    pub confirmed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub id: PackageRef,
    pub name: String,
    pub requirements: Vec<RequirementId>,
    /// The mechanism's package currency: price, allocations, disbursements and deliveries.
    pub currency: Currency,
    pub price: Option<Money>,
    pub state: PackageState,
    /// Every state entered, with its date, oldest first.
    pub history: Vec<(PackageState, NaiveDate)>,
    pub allocations: Vec<Allocation>,
    pub released: Vec<Allocation>,
    pub disbursed: Money,
    pub deliveries: BTreeMap<RequirementId, Delivery>,
}

impl Package {
    /// Allocated and not released, in the package currency.
    pub fn allocated(&self) -> Money {
        let currency = self.currency;
        let minor: i64 = self.allocations.iter().map(|a| a.amount.amount_minor).sum::<i64>()
            - self.released.iter().map(|a| a.amount.amount_minor).sum::<i64>();
        Money { amount_minor: minor, currency }
    }

    pub fn delivered_value(&self) -> Money {
        let currency = self.currency;
        let minor = self.deliveries.values().filter(|d| d.confirmed_on.is_some()).map(|d| d.value.amount_minor).sum();
        Money { amount_minor: minor, currency }
    }

    /// Days spent in each state entered (the current one up to `as_of`).
    pub fn days_in_states(&self, as_of: NaiveDate) -> Vec<(PackageState, i64)> {
        let mut days = Vec::new();
        for (index, (state, entered)) in self.history.iter().enumerate() {
            let left = self.history.get(index + 1).map_or(as_of, |next| next.1);
            days.push((*state, (left - *entered).num_days().max(0)));
        }
        days
    }
}

/// A named event on which contingent pledges depend (`talks-fail`).
pub fn parse_trigger(text: &str) -> Result<String, ParseError> {
    let valid = !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    match valid {
        true => Ok(text.to_string()),
        false => {
            Err(ParseError::new("trigger", text, "is not a trigger name (1 to 64 lowercase letters, digits, '-')"))
        }
    }
}
