//! Who may do what: the one place where commands are authorised and reads are filtered.
//!
//! | role | may |
//! |---|---|
//! | admin | everything (the operator: imports, set-up) |
//! | coordinator | parties, groups, mechanism, participation, targets, share keys, recording public pledges, decisions, packages (draft, propose, approve, open, close, cancel), allocations, triggers |
//! | contributor (one party) | its own party's (or its groups') pledges and payments, its participation, its responses to decisions |
//! | recipient | requirements and their priority lists, confirming receipt |
//! | supplier | quotes, contracts, disbursements, deliveries |
//! | auditor | nothing to write; reads everything |
//!
//! Readers: the public (no role) never sees restricted fields; every role above may.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::command::{Command, Event};
use crate::domain::Contributor;
use crate::error::{DomainError, ParseError};
use crate::ids::{PartyId, PledgeId};
use crate::state::State;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Role {
    Admin,
    Coordinator,
    Contributor(PartyId),
    Recipient,
    Supplier,
    Auditor,
}

impl Role {
    /// `admin`, `coordinator`, `contributor:NLD`, `recipient`, `supplier`, `auditor`.
    pub fn parse(text: &str) -> Result<Role, ParseError> {
        match text {
            "admin" => Ok(Role::Admin),
            "coordinator" => Ok(Role::Coordinator),
            "recipient" => Ok(Role::Recipient),
            "supplier" => Ok(Role::Supplier),
            "auditor" => Ok(Role::Auditor),
            _ => match text.strip_prefix("contributor:") {
                Some(party) => Ok(Role::Contributor(PartyId::parse(party)?)),
                None => Err(ParseError::new(
                    "role",
                    text,
                    "is not one of: admin, coordinator, contributor:<PARTY>, recipient, supplier, auditor",
                )),
            },
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Admin => f.write_str("admin"),
            Role::Coordinator => f.write_str("coordinator"),
            Role::Contributor(party) => write!(f, "contributor:{party}"),
            Role::Recipient => f.write_str("recipient"),
            Role::Supplier => f.write_str("supplier"),
            Role::Auditor => f.write_str("auditor"),
        }
    }
}

impl TryFrom<String> for Role {
    type Error = ParseError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Role::parse(&text)
    }
}

impl From<Role> for String {
    fn from(role: Role) -> String {
        role.to_string()
    }
}

/// Who reads: the public, or a role. Decides whether restricted fields are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Public,
    Role(Role),
}

impl Reader {
    pub fn sees_restricted(&self) -> bool {
        matches!(self, Reader::Role(_))
    }

    /// Whether the requirements' restricted fields (quantity, description) are read: by the
    /// roles whose work they are (recipient, coordinator, suppliers, the operator) and the
    /// auditor; not by contributors, who see them as the public does. The API, the event log
    /// and the dashboard all ask here.
    pub fn sees_requirements(&self) -> bool {
        matches!(self, Reader::Role(Role::Recipient | Role::Coordinator | Role::Supplier | Role::Admin | Role::Auditor))
    }
}

fn forbidden(role: Role, command: &Command, why: &str) -> DomainError {
    DomainError::Forbidden { role: role.to_string(), action: command.name(), why: why.to_string() }
}

/// Whether `role` may issue `command` against `state`.
pub fn authorise(role: Role, command: &Command, state: &State) -> Result<(), DomainError> {
    use Command::*;
    let allowed = match (role, command) {
        (Role::Admin, _) => return Ok(()),
        (Role::Auditor, _) => return Err(forbidden(role, command, "auditors read only")),
        (Role::Contributor(own), _) => return authorise_contributor(own, role, command, state),
        (Role::Recipient, SubmitRequirement { .. } | PrioritiseList { .. } | ConfirmDelivery { .. }) => true,
        (Role::Supplier, QuotePackage { .. } | ContractPackage { .. } | Disburse { .. } | RecordDelivery { .. }) => {
            true
        }
        (
            Role::Coordinator,
            RegisterParty { .. }
            | DefineMechanism { .. }
            | DefineGroup { .. }
            | RecordParticipation { .. }
            | SetTarget { .. }
            | LoadShareKey { .. }
            | LoadKielRelease { .. }
            | AnnouncePledge { .. }
            | CommitPledge { .. }
            | PayPledge { .. }
            | WithdrawPledge { .. }
            | SupersedePledge { .. }
            | OpenDecision { .. }
            | DraftPackage { .. }
            | ProposePackage { .. }
            | ApprovePackage { .. }
            | OpenPackage { .. }
            | Allocate { .. }
            | DeclareTrigger { .. }
            | ConvertCash { .. }
            | ClosePackage { .. }
            | CancelPackage { .. },
        ) => true,
        _ => false,
    };
    match allowed {
        true => Ok(()),
        false => Err(forbidden(role, command, "not this role's to do")),
    }
}

/// A contributor's commands by type; what they touch is checked by [`authorise_effects`].
fn authorise_contributor(own: PartyId, role: Role, command: &Command, state: &State) -> Result<(), DomainError> {
    use Command::*;
    let alone = |contributor: &Contributor| *contributor == Contributor::Party(own);
    let pledge_of = |id| state.pledge(id).map(|p| alone(&p.contributor));
    let ok = match command {
        AnnouncePledge { announcement, .. } => alone(&announcement.contributor),
        CommitPledge { pledge, .. } | PayPledge { pledge, .. } | WithdrawPledge { pledge, .. } => pledge_of(pledge)?,
        SupersedePledge { pledge, by, .. } => pledge_of(pledge)? && pledge_of(by)?,
        RecordParticipation { party, .. } | RespondToDecision { party, .. } => *party == own,
        _ => return Err(forbidden(role, command, "not a contributor's to do")),
    };
    match ok {
        true => Ok(()),
        false => Err(forbidden(role, command, &not_own(own))),
    }
}

fn not_own(own: PartyId) -> String {
    format!("{own} may act only for itself; a joint pledge binds other states and is recorded by the coordinator")
}

/// Whether `role` may cause `events` (what `command` decided against `state`, before they are
/// applied): the pledges, parties and shares they touch, not only the command's type. A
/// contributor's events may touch only its own solo pledges, its own participation and its own
/// responses; every other role is authorised by type in [`authorise`].
pub fn authorise_effects(role: Role, command: &Command, events: &[Event], state: &State) -> Result<(), DomainError> {
    let Role::Contributor(own) = role else { return Ok(()) };
    let alone = |contributor: &Contributor| *contributor == Contributor::Party(own);
    let own_pledge = |id: &PledgeId| state.pledge(id).is_ok_and(|p| alone(&p.contributor));
    for event in events {
        let ok = match event {
            Event::PledgeAnnounced { announcement } => {
                alone(&announcement.contributor) && announcement.shares.iter().all(|s| s.party == own)
            }
            Event::PledgeSuperseded { pledge, by, .. } => {
                own_pledge(pledge) && (own_pledge(by) || announced_here(events, by, own))
            }
            Event::PledgeCommitted { pledge, .. }
            | Event::PaymentReceived { pledge, .. }
            | Event::PledgeWithdrawn { pledge, .. } => own_pledge(pledge),
            Event::ParticipationRecorded { party, .. } | Event::DecisionResponded { party, .. } => *party == own,
            _ => false,
        };
        if !ok {
            return Err(forbidden(role, command, &format!("{} ({})", not_own(own), event.name())));
        }
    }
    Ok(())
}

/// Whether `events` announce pledge `id` as `own`'s solo pledge (a new pledge that supersedes
/// an older one in the same command).
fn announced_here(events: &[Event], id: &PledgeId, own: PartyId) -> bool {
    events.iter().any(|e| {
        matches!(e, Event::PledgeAnnounced { announcement }
            if announcement.pledge == *id && announcement.contributor == Contributor::Party(own))
    })
}
