//! Commands (what a client asks for) and events (what was accepted). Commands carry a
//! client-chosen [`CommandId`]; events are immutable facts folded into [`crate::State`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{Contributor, Group, Mechanism, ParticipationStatus, Party, PledgeKind, Source, Target};
use crate::ids::{CommandId, PackageRef, PartyId, PledgeId};
use crate::money::Money;

/// A command with its idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub command_id: CommandId,
    pub command: Command,
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
