//! Commands (what a client asks for) and events (what was accepted). Commands carry a
//! client-chosen [`CommandId`]; events are immutable facts folded into [`crate::State`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{Contributor, Group, Mechanism, ParticipationStatus, Party, PledgeKind, ShareKey, Source, Target};
use rust_decimal::Decimal;

use crate::auth::Role;
use crate::ids::{CommandId, DecisionId, PackageRef, PartyId, PledgeId, RequirementId};
use crate::money::{Currency, Money};
use crate::procurement::{Allocation, Decision, PackageState, PriorityList, Procedure, Requirement, Response, Subject};
use crate::reference::KielRelease;
use crate::summary::YearMonth;
use crate::text::{Name, Note};

/// A command with its idempotency key and the role that issues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub command_id: CommandId,
    pub actor: Role,
    pub command: Command,
}

/// A member's part of a joint pledge: an amount in the pledge's currency, or a percentage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Share {
    Amount(Money),
    Percent(Percent),
}

/// A percentage share: more than 0, at most 100, at most six decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Percent(Decimal);

impl Percent {
    pub fn new(value: Decimal) -> Result<Percent, crate::error::ParseError> {
        let bad = |problem| Err(crate::error::ParseError::new("percent", &value.to_string(), problem));
        match value {
            v if v <= Decimal::ZERO => bad("must be more than 0"),
            v if v > Decimal::ONE_HUNDRED => bad("must be at most 100"),
            v if v.scale() > 6 => bad("has more than six decimals"),
            v => Ok(Percent(v.normalize())),
        }
    }

    pub fn value(&self) -> Decimal {
        self.0
    }
}

impl TryFrom<Decimal> for Percent {
    type Error = crate::error::ParseError;
    fn try_from(value: Decimal) -> Result<Percent, Self::Error> {
        Percent::new(value)
    }
}

impl From<Percent> for Decimal {
    fn from(percent: Percent) -> Decimal {
        percent.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberShare {
    pub party: PartyId,
    pub share: Share,
}

/// A pledge as announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Announcement {
    pub pledge: PledgeId,
    pub kind: PledgeKind,
    pub contributor: Contributor,
    /// `None`: undisclosed.
    pub amount: Option<Money>,
    pub package: Option<PackageRef>,
    pub earmark: Option<Name>,
    #[serde(with = "crate::dates::iso")]
    pub date: NaiveDate,
    pub source: Source,
    pub note: Option<Note>,
    /// Counts separately, and commits only when the coordinator declares this trigger.
    #[serde(default)]
    pub contingent_on: Option<String>,
    /// Members' shares of a joint pledge; they must sum to the whole.
    #[serde(default)]
    pub shares: Vec<MemberShare>,
    /// The most this pledge may give any one package, in its currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_per_package: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Command {
    RegisterParty {
        party: Party,
    },
    DefineMechanism {
        mechanism: Mechanism,
    },
    DefineGroup {
        group: Group,
    },
    RecordParticipation {
        party: PartyId,
        status: ParticipationStatus,
        source: Source,
        note: Option<Note>,
    },
    /// Announce a pledge; `supersedes` marks an earlier announcement as replaced by this one.
    AnnouncePledge {
        announcement: Announcement,
        supersedes: Option<PledgeId>,
    },
    /// Make a pledge binding; `amount` defaults to the announced amount.
    CommitPledge {
        pledge: PledgeId,
        amount: Option<Money>,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    /// Record money received against a committed pledge, in any currency with a rate.
    PayPledge {
        pledge: PledgeId,
        amount: Money,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    WithdrawPledge {
        pledge: PledgeId,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
        reason: Option<Note>,
    },
    SupersedePledge {
        pledge: PledgeId,
        by: PledgeId,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    SetTarget {
        target: Target,
    },
    /// Load a share key for fair shares; a name is loaded once.
    LoadShareKey {
        key: ShareKey,
    },
    /// Load a release of the Kiel tracker as a reference series; a release is loaded once. A
    /// whole release (release 29: about 150 KB) is more than the 64 KiB a request body may
    /// hold: load it with `tranche import kiel`; the API takes small releases only.
    LoadKielRelease {
        release: Box<KielRelease>,
    },
    SubmitRequirement {
        requirement: Requirement,
    },
    /// A new version of a month's prioritised list (rank 1 first).
    PrioritiseList {
        month: YearMonth,
        order: Vec<RequirementId>,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    OpenDecision {
        decision: DecisionId,
        subject: Subject,
        procedure: Procedure,
        participants: Vec<PartyId>,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    RespondToDecision {
        decision: DecisionId,
        party: PartyId,
        response: Response,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    DraftPackage {
        package: PackageRef,
        name: Name,
        requirements: Vec<RequirementId>,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    ProposePackage {
        package: PackageRef,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    QuotePackage {
        package: PackageRef,
        price: Money,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    /// Approve a proposed package on the strength of an adopted decision about it.
    ApprovePackage {
        package: PackageRef,
        decision: DecisionId,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    OpenPackage {
        package: PackageRef,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    /// Set aside `amount` (package currency) of a committed pledge for an open package.
    Allocate {
        package: PackageRef,
        pledge: PledgeId,
        amount: Money,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    DeclareTrigger {
        trigger: String,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    /// Exchange cash the fund holds into another currency at the reference rate of `date`.
    ConvertCash {
        from: Money,
        to: Currency,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    ContractPackage {
        package: PackageRef,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    Disburse {
        package: PackageRef,
        amount: Money,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    RecordDelivery {
        package: PackageRef,
        requirement: RequirementId,
        #[serde(default, deserialize_with = "crate::procurement::quantity")]
        quantity: Option<u64>,
        value: Money,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    ConfirmDelivery {
        package: PackageRef,
        requirement: RequirementId,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    ClosePackage {
        package: PackageRef,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    CancelPackage {
        package: PackageRef,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
        reason: Option<Note>,
    },
}

impl Command {
    /// Kebab-case name of the command, for messages and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Command::RegisterParty { .. } => "register-party",
            Command::DefineMechanism { .. } => "define-mechanism",
            Command::DefineGroup { .. } => "define-group",
            Command::RecordParticipation { .. } => "record-participation",
            Command::AnnouncePledge { .. } => "announce-pledge",
            Command::CommitPledge { .. } => "commit-pledge",
            Command::PayPledge { .. } => "pay-pledge",
            Command::WithdrawPledge { .. } => "withdraw-pledge",
            Command::SupersedePledge { .. } => "supersede-pledge",
            Command::SetTarget { .. } => "set-target",
            Command::LoadShareKey { .. } => "load-share-key",
            Command::LoadKielRelease { .. } => "load-kiel-release",
            Command::SubmitRequirement { .. } => "submit-requirement",
            Command::PrioritiseList { .. } => "prioritise-list",
            Command::OpenDecision { .. } => "open-decision",
            Command::RespondToDecision { .. } => "respond-to-decision",
            Command::DraftPackage { .. } => "draft-package",
            Command::ProposePackage { .. } => "propose-package",
            Command::QuotePackage { .. } => "quote-package",
            Command::ApprovePackage { .. } => "approve-package",
            Command::OpenPackage { .. } => "open-package",
            Command::Allocate { .. } => "allocate",
            Command::DeclareTrigger { .. } => "declare-trigger",
            Command::ConvertCash { .. } => "convert-cash",
            Command::ContractPackage { .. } => "contract-package",
            Command::Disburse { .. } => "disburse",
            Command::RecordDelivery { .. } => "record-delivery",
            Command::ConfirmDelivery { .. } => "confirm-delivery",
            Command::ClosePackage { .. } => "close-package",
            Command::CancelPackage { .. } => "cancel-package",
        }
    }
}

/// Stored externally tagged (`{"pledge-announced": {...}}`), which decodes without buffering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Event {
    PartyRegistered {
        party: Party,
    },
    MechanismDefined {
        mechanism: Mechanism,
    },
    GroupDefined {
        group: Group,
    },
    ParticipationRecorded {
        party: PartyId,
        status: ParticipationStatus,
        source: Source,
        note: Option<Note>,
    },
    PledgeAnnounced {
        announcement: Announcement,
    },
    PledgeCommitted {
        pledge: PledgeId,
        amount: Money,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    /// `settled` is `amount` converted to the pledge's currency at the reference rate of `date`.
    PaymentReceived {
        pledge: PledgeId,
        amount: Money,
        settled: Money,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    /// `released` is the committed but unpaid amount written off, when the pledge was binding.
    PledgeWithdrawn {
        pledge: PledgeId,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
        reason: Option<Note>,
        released: Option<Money>,
    },
    PledgeSuperseded {
        pledge: PledgeId,
        by: PledgeId,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    TargetSet {
        target: Target,
    },
    ShareKeyLoaded {
        key: ShareKey,
    },
    /// A reference series, never counted as our records.
    KielReleaseLoaded {
        release: Box<KielRelease>,
    },
    RequirementSubmitted {
        requirement: Requirement,
    },
    ListPrioritised {
        list: PriorityList,
    },
    DecisionOpened {
        decision: Decision,
    },
    DecisionResponded {
        decision: DecisionId,
        party: PartyId,
        response: Response,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    PackageDrafted {
        package: PackageRef,
        name: Name,
        requirements: Vec<RequirementId>,
        currency: Currency,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    PackageQuoted {
        package: PackageRef,
        price: Money,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    /// A lifecycle step: proposed, approved, open, funded, contracted, delivering, delivered, closed.
    PackageMoved {
        package: PackageRef,
        to: PackageState,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    Allocated {
        package: PackageRef,
        allocation: Allocation,
    },
    TriggerDeclared {
        trigger: String,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    CashConverted {
        from: Money,
        to: Money,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    Disbursed {
        package: PackageRef,
        amount: Money,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    DeliveryRecorded {
        package: PackageRef,
        requirement: RequirementId,
        #[serde(default, deserialize_with = "crate::procurement::quantity")]
        quantity: Option<u64>,
        value: Money,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    DeliveryConfirmed {
        package: PackageRef,
        requirement: RequirementId,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
    },
    /// Allocations not yet disbursed go back to the pool.
    PackageCancelled {
        package: PackageRef,
        #[serde(with = "crate::dates::iso")]
        date: NaiveDate,
        reason: Option<Note>,
        released: Vec<Allocation>,
    },
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Event::PartyRegistered { .. } => "party-registered",
            Event::MechanismDefined { .. } => "mechanism-defined",
            Event::GroupDefined { .. } => "group-defined",
            Event::ParticipationRecorded { .. } => "participation-recorded",
            Event::PledgeAnnounced { .. } => "pledge-announced",
            Event::PledgeCommitted { .. } => "pledge-committed",
            Event::PaymentReceived { .. } => "payment-received",
            Event::PledgeWithdrawn { .. } => "pledge-withdrawn",
            Event::PledgeSuperseded { .. } => "pledge-superseded",
            Event::TargetSet { .. } => "target-set",
            Event::ShareKeyLoaded { .. } => "share-key-loaded",
            Event::KielReleaseLoaded { .. } => "kiel-release-loaded",
            Event::RequirementSubmitted { .. } => "requirement-submitted",
            Event::ListPrioritised { .. } => "list-prioritised",
            Event::DecisionOpened { .. } => "decision-opened",
            Event::DecisionResponded { .. } => "decision-responded",
            Event::PackageDrafted { .. } => "package-drafted",
            Event::PackageQuoted { .. } => "package-quoted",
            Event::PackageMoved { .. } => "package-moved",
            Event::Allocated { .. } => "allocated",
            Event::TriggerDeclared { .. } => "trigger-declared",
            Event::CashConverted { .. } => "cash-converted",
            Event::Disbursed { .. } => "disbursed",
            Event::DeliveryRecorded { .. } => "delivery-recorded",
            Event::DeliveryConfirmed { .. } => "delivery-confirmed",
            Event::PackageCancelled { .. } => "package-cancelled",
        }
    }
}

/// What the store knows of a command id: new, already applied with the same content, or
/// applied with different content (a message naming the conflict).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    New,
    Same,
    Different(String),
}

/// A command decided once, authorised as its envelope's actor, and applied to the state it was
/// decided on: the events with the journal entries each posted. An importer's planner produces
/// these and the writer appends them as they are, without deciding them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub envelope: Envelope,
    pub events: Vec<(Event, Vec<crate::ledger::JournalEntry>)>,
}
