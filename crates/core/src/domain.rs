//! The nouns of the domain: parties, sources, participation, pledges, targets.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::ids::{GroupId, MechanismId, PackageRef, PartyId, PledgeId, ShareKeyName, TargetId};
use crate::money::{Currency, Money};
use crate::text::{Name, Note, SourceUrl};

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Source {
    pub url: Option<SourceUrl>,
    #[serde(with = "crate::dates::iso")]
    pub date: NaiveDate,
    pub confidence: Confidence,
}

/// A source URL from a form or a CSV column: empty is none, anything else a [`SourceUrl`].
pub fn parse_source_url(text: &str) -> Result<Option<SourceUrl>, ParseError> {
    SourceUrl::parse_optional(text)
}

/// The largest GDP a party may be given, in bn EUR (ten times the world's).
pub const MAX_GDP_BN_EUR: i64 = 1_000_000;

/// Parses a GDP in bn EUR: not negative, at most [`MAX_GDP_BN_EUR`], at most six decimals.
pub fn parse_gdp(text: &str) -> Result<Decimal, ParseError> {
    let value: Decimal = text.trim().parse().map_err(|_| ParseError::new("gdp", text, "is not a decimal number"))?;
    check_gdp(value).map_err(|problem| ParseError::new("gdp", text, problem))
}

fn check_gdp(value: Decimal) -> Result<Decimal, &'static str> {
    match value {
        v if v.is_sign_negative() && !v.is_zero() => Err("is negative"),
        v if v > Decimal::from(MAX_GDP_BN_EUR) => Err("is beyond the limit of 1,000,000 bn EUR"),
        v if v.scale() > 6 => Err("has more than six decimals"),
        v => Ok(v),
    }
}

fn gdp<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
    let value = Option::<Decimal>::deserialize(deserializer)?;
    value.map(|v| check_gdp(v).map_err(|p| serde::de::Error::custom(format!("gdp {v} {p}")))).transpose()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Party {
    pub id: PartyId,
    pub name: Name,
    pub kind: PartyKind,
    pub role: PartyRole,
    /// GDP 2021 in bn EUR, where known (Kiel tracker), for fair-share and per-GDP figures.
    #[serde(default, deserialize_with = "gdp")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::DecimalText>))]
    pub gdp_2021_bn_eur: Option<Decimal>,
    /// The year it joined NATO; `None` for partners outside the alliance (and organisations).
    /// Fair shares fall on members only, unless partners are included.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "member_since")]
    pub nato_member_since: Option<u16>,
}

/// The first and last year a party may have joined the alliance.
pub const MEMBER_SINCE_YEARS: std::ops::RangeInclusive<u16> = 1949..=2199;

/// Parses the year a party joined NATO: four digits, 1949 to 2199.
pub fn parse_member_since(text: &str) -> Result<u16, ParseError> {
    let year: u16 = text.trim().parse().map_err(|_| ParseError::new("nato_member_since", text, "is not a year"))?;
    match MEMBER_SINCE_YEARS.contains(&year) {
        true => Ok(year),
        false => Err(ParseError::new("nato_member_since", text, "is not a year from 1949 to 2199")),
    }
}

fn member_since<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u16>, D::Error> {
    let year = Option::<u16>::deserialize(deserializer)?;
    year.map(|y| parse_member_since(&y.to_string()).map_err(serde::de::Error::custom)).transpose()
}

/// A named set of parties that acts jointly (the Nordic-Baltic Eight: `NB8`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    pub id: GroupId,
    pub name: Name,
    pub members: Vec<PartyId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mechanism {
    pub id: MechanismId,
    pub name: Name,
    pub recipient: PartyId,
    pub supplier: PartyId,
    pub package_currency: Currency,
    pub reporting_currencies: Vec<Currency>,
}

/// Who pledges: one party, or several acting jointly (listed in the order given).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    #[serde(with = "crate::dates::iso")]
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
    pub earmark: Option<Name>,
    #[serde(with = "crate::dates::iso")]
    pub date: NaiveDate,
    pub source: Source,
    pub note: Option<Note>,
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
    /// The most it may give any one package, in the pledge's currency.
    pub cap_per_package: Option<Money>,
    /// Members' stated shares of a joint pledge (empty: none stated).
    #[serde(default)]
    pub shares: Vec<crate::command::MemberShare>,
}

impl Pledge {
    /// The pledged amount as known on `as_of`: the committed amount once committed, else the
    /// announced amount; `None` when undisclosed.
    /// Committed and not yet allocated to a package, in the pledge's currency.
    pub fn unallocated(&self) -> Option<Money> {
        let committed = self.committed?;
        committed.checked_sub(self.allocated.unwrap_or(Money::zero(committed.currency)))
    }

    /// How much committing `amount` raises the pledge's larger amount (announced or committed),
    /// when it does: the bound [`crate::State`] keeps on the money recorded.
    pub fn increase_by_committing(&self, amount: Money) -> Option<Money> {
        match self.announced {
            Some(announced) if announced.currency == amount.currency => {
                amount.checked_sub(announced).filter(Money::is_positive)
            }
            _ => Some(amount),
        }
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    pub id: TargetId,
    pub kind: TargetKind,
    pub amount: Money,
    #[serde(with = "crate::dates::iso")]
    pub date: NaiveDate,
    pub source: Source,
    pub note: Option<Note>,
}

/// The largest value a share key may give a party (GDP in any unit, population, a percentage).
pub const MAX_KEY_VALUE: i64 = 1_000_000_000_000;

/// The most parties one share key may name.
pub const MAX_KEY_PARTIES: usize = 1_000;

/// A party's value in a share key: not negative, at most [`MAX_KEY_VALUE`], at most six decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct KeyValue(Decimal);

impl KeyValue {
    pub fn new(value: Decimal) -> Result<KeyValue, ParseError> {
        let bad = |problem| Err(ParseError::new("value", &value.to_string(), problem));
        match value {
            v if v.is_sign_negative() && !v.is_zero() => bad("is negative"),
            v if v > Decimal::from(MAX_KEY_VALUE) => bad("is beyond the limit of 1,000,000,000,000"),
            v if v.scale() > 6 => bad("has more than six decimals"),
            v => Ok(KeyValue(v.normalize())),
        }
    }

    /// Parses a decimal number (`1681.127`) as a key value.
    pub fn parse(text: &str) -> Result<KeyValue, ParseError> {
        let trimmed = text.trim();
        let unsigned = trimmed.strip_prefix('-').unwrap_or(trimmed);
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        // Plain decimal notation only (a minus sign is read, to be refused as negative): no plus
        // sign, exponent, separators or underscores.
        if whole.is_empty() || !digits(whole) || !digits(fraction) || (trimmed.ends_with('.')) {
            return Err(ParseError::new("value", text, "is not a decimal number"));
        }
        let value: Decimal = trimmed.parse().map_err(|_| ParseError::new("value", text, "is not a decimal number"))?;
        KeyValue::new(value)
    }

    pub fn value(&self) -> Decimal {
        self.0
    }
}

impl TryFrom<Decimal> for KeyValue {
    type Error = ParseError;
    fn try_from(value: Decimal) -> Result<KeyValue, ParseError> {
        KeyValue::new(value)
    }
}

impl From<KeyValue> for Decimal {
    fn from(value: KeyValue) -> Decimal {
        value.0
    }
}

/// One party's entry in a share key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyEntry {
    pub party: PartyId,
    pub value: KeyValue,
}

/// A named, dated and sourced distribution key for fair shares (GDP, GNI-based cost shares,
/// population), loaded by the coordinator as an event like any other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareKey {
    pub name: ShareKeyName,
    /// Where the values come from; its date is the key's date.
    pub source: Source,
    pub note: Option<Note>,
    /// One entry per party, in the order given; parties without a value are absent.
    pub values: Vec<KeyEntry>,
}

impl ShareKey {
    pub fn value_of(&self, party: &PartyId) -> Option<KeyValue> {
        self.values.iter().find(|e| e.party == *party).map(|e| e.value)
    }
}
