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
use crate::text::{Name, Note};

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
/// The largest quantity a requirement or a delivery may name (and exactly representable in
/// the log's canonical JSON, whose numbers are IEEE doubles).
pub const MAX_QUANTITY: u64 = 1_000_000_000_000;

/// `#[serde(deserialize_with = "crate::procurement::quantity")]`: a quantity within [`MAX_QUANTITY`].
pub fn quantity<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    match Option::<u64>::deserialize(deserializer)? {
        Some(q) if q > MAX_QUANTITY => {
            Err(serde::de::Error::custom(format!("quantity {q} is beyond the limit of {MAX_QUANTITY}")))
        }
        other => Ok(other),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Restricted {
    #[serde(default, deserialize_with = "quantity")]
    pub quantity: Option<u64>,
    pub description: Note,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requirement {
    pub id: RequirementId,
    pub category: RequirementCategory,
    /// In the mechanism's package currency.
    pub estimated_cost: Money,
    pub month: YearMonth,
    #[serde(with = "crate::dates::iso")]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Procedure {
    /// Adopted when every participant has approved; one objection rejects it.
    Consensus,
    /// Adopted at the deadline unless a participant objects on or before it.
    Silence {
        #[serde(with = "crate::dates::iso")]
        deadline: NaiveDate,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Response {
    Approve,
    /// Approval with a reservation on record; it does not block.
    Reservation(Note),
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
    #[serde(default, deserialize_with = "quantity")]
    pub quantity: Option<u64>,
    pub value: Money,
    pub date: NaiveDate,
    pub confirmed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub id: PackageRef,
    pub name: Name,
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
    /// Each disbursement with its date, oldest first (their sum is `disbursed`).
    #[serde(default)]
    pub disbursements: Vec<(NaiveDate, Money)>,
    pub deliveries: BTreeMap<RequirementId, Delivery>,
}

/// A sum of bounded amounts as money (sums are taken in `i128`, so they never overflow; a
/// report of sums beyond `i64` saturates rather than wraps or panics).
pub(crate) fn saturated(minor: i128, currency: Currency) -> Money {
    let amount_minor = i64::try_from(minor).unwrap_or(if minor < 0 { i64::MIN } else { i64::MAX });
    Money { amount_minor, currency }
}

impl Package {
    /// Allocated and not released, in the package currency.
    pub fn allocated(&self) -> Money {
        let sum =
            |allocations: &[Allocation]| allocations.iter().map(|a| i128::from(a.amount.amount_minor)).sum::<i128>();
        // Both sums are of i64 amounts, far inside i128, so the difference never saturates.
        saturated(sum(&self.allocations).saturating_sub(sum(&self.released)), self.currency)
    }

    pub fn delivered_value(&self) -> Money {
        let confirmed = self.deliveries.values().filter(|d| d.confirmed_on.is_some());
        saturated(confirmed.map(|d| i128::from(d.value.amount_minor)).sum(), self.currency)
    }

    /// Days spent in each state entered (the current one up to `as_of`).
    pub fn days_in_states(&self, as_of: NaiveDate) -> Vec<(PackageState, i64)> {
        let left = self.history.iter().skip(1).map(|next| next.1).chain([as_of]);
        let spent = |((state, entered), left): (&(PackageState, NaiveDate), NaiveDate)| {
            (*state, left.signed_duration_since(*entered).num_days().max(0))
        };
        self.history.iter().zip(left).map(spent).collect()
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
