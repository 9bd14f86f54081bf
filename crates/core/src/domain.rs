//! The nouns of the domain: parties, sources, participation, pledges, targets.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::ids::{GroupId, MechanismId, PackageRef, PartyId, PledgeId, TargetId};
use crate::money::{Currency, Money};

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(text: &str) -> Result<$name, ParseError> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => {
                        let allowed = [$($text),+].join(", ");
                        Err(ParseError::new($field, text, &format!("is not one of: {allowed}")))
                    }
                }
            }

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// How sure the public record is of a fact.
    Confidence, "confidence" { Confirmed = "confirmed", Reported = "reported", Uncertain = "uncertain" }
);

word_enum!(
    /// A party's dated stance toward a mechanism.
    ParticipationStatus, "participation status" {
        Participating = "participating",
        Declined = "declined",
        NonParticipation = "non-participation",
        Deferred = "deferred",
        Withdrawn = "withdrawn",
    }
);

impl ParticipationStatus {
    /// Counted as "declined" in summaries: declined, non-participation, deferred.
    pub fn is_declined(&self) -> bool {
        matches!(
            self,
            ParticipationStatus::Declined | ParticipationStatus::NonParticipation | ParticipationStatus::Deferred
        )
    }
}

word_enum!(
    /// What a party is.
    PartyKind, "party kind" { State = "state", Organisation = "organisation" }
);

word_enum!(
    /// The role a party usually plays in the mechanism.
    PartyRole, "role" {
        Contributor = "contributor",
        Recipient = "recipient",
        Supplier = "supplier",
        Coordinator = "coordinator",
    }
);

word_enum!(
    /// A pledge toward a package or the pool (`solo`), or a joint package's total (`joint-package`).
    PledgeKind, "pledge kind" { Solo = "solo", JointPackage = "joint-package" }
);

word_enum!(
    /// What a target measures.
    TargetKind, "target kind" {
        MonthlyRunRate = "monthly-run-rate",
        CumulativeGoal = "cumulative-goal",
        AnnualNeed = "annual-need",
    }
);

/// Where a fact came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub url: Option<String>,
    pub date: NaiveDate,
    pub confidence: Confidence,
}

/// Checks that a source URL is an http(s) URL of bounded length.
pub fn parse_source_url(text: &str) -> Result<Option<String>, ParseError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if !(text.starts_with("https://") || text.starts_with("http://"))
        || text.len() > 2048
        || text.contains(char::is_whitespace)
    {
        return Err(ParseError::new("source url", text, "is not an http(s) URL of at most 2048 characters"));
    }
    Ok(Some(text.to_string()))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub id: PartyId,
    pub name: String,
    pub kind: PartyKind,
    pub role: PartyRole,
    /// GDP 2021 in bn EUR, where known (Kiel tracker), for fair-share and per-GDP figures.
    pub gdp_2021_bn_eur: Option<Decimal>,
}

/// A named set of parties that acts jointly (the Nordic-Baltic Eight: `NB8`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub members: Vec<PartyId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mechanism {
    pub id: MechanismId,
    pub name: String,
    pub recipient: PartyId,
    pub supplier: PartyId,
    pub package_currency: Currency,
    pub reporting_currencies: Vec<Currency>,
}

/// Who pledges: one party, or several acting jointly (listed in the order given).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Contributor {
    Party(PartyId),
    Joint(Vec<PartyId>),
}

impl Contributor {
    pub fn parties(&self) -> &[PartyId] {
        match self {
            Contributor::Party(party) => std::slice::from_ref(party),
            Contributor::Joint(parties) => parties,
        }
    }

    /// `NLD`, or the members joined with `+` as listed: `DNK+NOR+SWE`.
    pub fn key(&self) -> String {
        let names: Vec<&str> = self.parties().iter().map(PartyId::as_str).collect();
        names.join("+")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipationChange {
    pub status: ParticipationStatus,
    pub date: NaiveDate,
}

/// Where a pledge stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PledgeStatus {
    Announced,
    Committed,
    PartPaid,
    Paid,
    Withdrawn,
    Superseded,
}

impl PledgeStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            PledgeStatus::Announced => "announced",
            PledgeStatus::Committed => "committed",
            PledgeStatus::PartPaid => "part-paid",
            PledgeStatus::Paid => "paid",
            PledgeStatus::Withdrawn => "withdrawn",
            PledgeStatus::Superseded => "superseded",
        }
    }
}

impl fmt::Display for PledgeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A pledge as folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pledge {
    pub id: PledgeId,
    pub kind: PledgeKind,
    pub contributor: Contributor,
    /// `None` when the amount is undisclosed.
    pub announced: Option<Money>,
    pub package: Option<PackageRef>,
    pub earmark: Option<String>,
    pub date: NaiveDate,
    pub source: Source,
    pub note: Option<String>,
    pub status: PledgeStatus,
    pub committed: Option<Money>,
    pub committed_on: Option<NaiveDate>,
    /// Settled so far, in the pledge's (committed) currency.
    pub paid: Option<Money>,
    pub withdrawn_on: Option<NaiveDate>,
    pub superseded: Option<(PledgeId, NaiveDate)>,
    /// The trigger it waits for, while it has not been declared.
    pub contingent_on: Option<String>,
    /// Allocated to packages and not released, in the pledge's currency.
    pub allocated: Option<Money>,
}

impl Pledge {
    /// The pledged amount as known on `as_of`: the committed amount once committed, else the
    /// announced amount; `None` when undisclosed.
    /// Committed and not yet allocated to a package, in the pledge's currency.
    pub fn unallocated(&self) -> Option<Money> {
        let committed = self.committed?;
        committed.checked_sub(self.allocated.unwrap_or(Money::zero(committed.currency)))
    }

    pub fn amount_as_of(&self, as_of: NaiveDate) -> Option<Money> {
        match (self.committed, self.committed_on) {
            (Some(committed), Some(on)) if on <= as_of => Some(committed),
            _ => self.announced,
        }
    }

    /// Counted on `as_of`: announced by then, and neither withdrawn nor superseded by then.
    pub fn counts_on(&self, as_of: NaiveDate) -> bool {
        self.date <= as_of
            && self.withdrawn_on.is_none_or(|on| on > as_of)
            && self.superseded.as_ref().is_none_or(|(_, on)| *on > as_of)
    }

    /// Committed but not yet paid, in the pledge's currency (zero when nothing is committed).
    pub fn outstanding(&self) -> Option<Money> {
        let committed = self.committed?;
        let paid = self.paid.unwrap_or(Money::zero(committed.currency));
        committed.checked_sub(paid)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub id: TargetId,
    pub kind: TargetKind,
    pub amount: Money,
    pub date: NaiveDate,
    pub source: Source,
    pub note: Option<String>,
}
