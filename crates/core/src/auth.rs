//! Who may do what: the one place where commands are authorised and reads are filtered.
//!
//! | role | may |
//! |---|---|
//! | admin | everything (the operator: imports, set-up) |
//! | coordinator | parties, groups, mechanism, participation, targets, recording public pledges, decisions, packages (draft, propose, approve, open, close, cancel), allocations, triggers |
//! | contributor (one party) | its own party's (or its groups') pledges and payments, its participation, its responses to decisions |
//! | recipient | requirements and their priority lists, confirming receipt |
//! | supplier | quotes, contracts, disbursements, deliveries |
//! | auditor | nothing to write; reads everything |
//!
//! Readers: the public (no role) never sees restricted fields; every role above may.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::command::Command;
use crate::domain::Contributor;
use crate::error::{DomainError, ParseError};
use crate::ids::PartyId;
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

fn authorise_contributor(own: PartyId, role: Role, command: &Command, state: &State) -> Result<(), DomainError> {
    use Command::*;
    let speaks_for = |contributor: &Contributor| contributor.parties().contains(&own);
    let pledge_of = |id| state.pledge(id).map(|p| speaks_for(&p.contributor));
    let ok = match command {
        AnnouncePledge { announcement, .. } => speaks_for(&announcement.contributor),
        CommitPledge { pledge, .. } | PayPledge { pledge, .. } | WithdrawPledge { pledge, .. } => pledge_of(pledge)?,
        SupersedePledge { pledge, by, .. } => pledge_of(pledge)? && pledge_of(by)?,
        RecordParticipation { party, .. } | RespondToDecision { party, .. } => *party == own,
        _ => return Err(forbidden(role, command, "not a contributor's to do")),
    };
    match ok {
        true => Ok(()),
        false => Err(forbidden(role, command, &format!("{own} may act only for itself or a group it belongs to"))),
    }
}
