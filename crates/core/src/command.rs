//! Commands (what a client asks for) and events (what was accepted). Commands carry a
//! client-chosen [`CommandId`]; events are immutable facts folded into [`crate::State`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{Contributor, Group, Mechanism, ParticipationStatus, Party, PledgeKind, Source, Target};
use rust_decimal::Decimal;

use crate::auth::Role;
use crate::ids::{CommandId, DecisionId, PackageRef, PartyId, PledgeId, RequirementId};
use crate::money::{Currency, Money};
use crate::procurement::{Allocation, Decision, PackageState, PriorityList, Procedure, Requirement, Response, Subject};
use crate::summary::YearMonth;

/// A command with its idempotency key and the role that issues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub command_id: CommandId,
    pub actor: Role,
    pub command: Command,
}

/// A member's part of a joint pledge: an amount in the pledge's currency, or a percentage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Share {
    Amount(Money),
    Percent(Decimal),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberShare {
    pub party: PartyId,
    pub share: Share,
}

/// A pledge as announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    pub pledge: PledgeId,
    pub kind: PledgeKind,
    pub contributor: Contributor,
    /// `None`: undisclosed.
    pub amount: Option<Money>,
    pub package: Option<PackageRef>,
    pub earmark: Option<String>,
    pub date: NaiveDate,
    pub source: Source,
    pub note: Option<String>,
    /// Counts separately, and commits only when the coordinator declares this trigger.
    #[serde(default)]
    pub contingent_on: Option<String>,
    /// Members' shares of a joint pledge; they must sum to the whole.
    #[serde(default)]
    pub shares: Vec<MemberShare>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        note: Option<String>,
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
        date: NaiveDate,
    },
    /// Record money received against a committed pledge, in any currency with a rate.
    PayPledge {
        pledge: PledgeId,
        amount: Money,
        date: NaiveDate,
    },
    WithdrawPledge {
        pledge: PledgeId,
        date: NaiveDate,
        reason: Option<String>,
    },
    SupersedePledge {
        pledge: PledgeId,
        by: PledgeId,
        date: NaiveDate,
    },
    SetTarget {
        target: Target,
    },
    SubmitRequirement {
        requirement: Requirement,
    },
    /// A new version of a month's prioritised list (rank 1 first).
    PrioritiseList {
        month: YearMonth,
        order: Vec<RequirementId>,
        date: NaiveDate,
    },
    OpenDecision {
        decision: DecisionId,
        subject: Subject,
        procedure: Procedure,
        participants: Vec<PartyId>,
        date: NaiveDate,
    },
    RespondToDecision {
        decision: DecisionId,
        party: PartyId,
        response: Response,
        date: NaiveDate,
    },
    DraftPackage {
        package: PackageRef,
        name: String,
        requirements: Vec<RequirementId>,
        date: NaiveDate,
    },
    ProposePackage {
        package: PackageRef,
        date: NaiveDate,
    },
    QuotePackage {
        package: PackageRef,
        price: Money,
        date: NaiveDate,
    },
    /// Approve a proposed package on the strength of an adopted decision about it.
    ApprovePackage {
        package: PackageRef,
        decision: DecisionId,
        date: NaiveDate,
    },
    OpenPackage {
        package: PackageRef,
        date: NaiveDate,
    },
    /// Set aside `amount` (package currency) of a committed pledge for an open package.
    Allocate {
        package: PackageRef,
        pledge: PledgeId,
        amount: Money,
        date: NaiveDate,
    },
    DeclareTrigger {
        trigger: String,
        date: NaiveDate,
    },
    /// Exchange cash the fund holds into another currency at the reference rate of `date`.
    ConvertCash {
        from: Money,
        to: Currency,
        date: NaiveDate,
    },
    ContractPackage {
        package: PackageRef,
        date: NaiveDate,
    },
    Disburse {
        package: PackageRef,
        amount: Money,
        date: NaiveDate,
    },
    RecordDelivery {
        package: PackageRef,
        requirement: RequirementId,
        quantity: Option<u64>,
        value: Money,
        date: NaiveDate,
    },
    ConfirmDelivery {
        package: PackageRef,
        requirement: RequirementId,
        date: NaiveDate,
    },
    ClosePackage {
        package: PackageRef,
        date: NaiveDate,
    },
    CancelPackage {
        package: PackageRef,
        date: NaiveDate,
        reason: Option<String>,
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
        note: Option<String>,
    },
    PledgeAnnounced {
        announcement: Announcement,
    },
    PledgeCommitted {
        pledge: PledgeId,
        amount: Money,
        date: NaiveDate,
    },
    /// `settled` is `amount` converted to the pledge's currency at the reference rate of `date`.
    PaymentReceived {
        pledge: PledgeId,
        amount: Money,
        settled: Money,
        date: NaiveDate,
    },
    /// `released` is the committed but unpaid amount written off, when the pledge was binding.
    PledgeWithdrawn {
        pledge: PledgeId,
        date: NaiveDate,
        reason: Option<String>,
        released: Option<Money>,
    },
    PledgeSuperseded {
        pledge: PledgeId,
        by: PledgeId,
        date: NaiveDate,
    },
    TargetSet {
        target: Target,
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
        date: NaiveDate,
    },
    PackageDrafted {
        package: PackageRef,
        name: String,
        requirements: Vec<RequirementId>,
        currency: Currency,
        date: NaiveDate,
    },
    PackageQuoted {
        package: PackageRef,
        price: Money,
        date: NaiveDate,
    },
    /// A lifecycle step: proposed, approved, open, funded, contracted, delivering, delivered, closed.
    PackageMoved {
        package: PackageRef,
        to: PackageState,
        date: NaiveDate,
    },
    Allocated {
        package: PackageRef,
        allocation: Allocation,
    },
    TriggerDeclared {
        trigger: String,
        date: NaiveDate,
    },
    CashConverted {
        from: Money,
        to: Money,
        date: NaiveDate,
    },
    Disbursed {
        package: PackageRef,
        amount: Money,
        date: NaiveDate,
    },
    DeliveryRecorded {
        package: PackageRef,
        requirement: RequirementId,
        quantity: Option<u64>,
        value: Money,
        date: NaiveDate,
    },
    DeliveryConfirmed {
        package: PackageRef,
        requirement: RequirementId,
        date: NaiveDate,
    },
    /// Allocations not yet disbursed go back to the pool.
    PackageCancelled {
        package: PackageRef,
        date: NaiveDate,
        reason: Option<String>,
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
