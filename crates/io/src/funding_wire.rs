//! Wire forms of the funding engine: `tranche funding fair-share --json` and
//! `GET /api/v1/funding/fair-share` (one shape, one conversion).

use std::collections::BTreeMap;

use serde::Serialize;
use tranche_core::funding::fair_share::{FairShare, Row, Standing};
use tranche_core::funding::proposal::{FundingStatus, Proposal};

use crate::wire::amounts;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareKeyDto {
    pub name: String,
    /// The key's date (its source's date).
    pub date: String,
    pub source_url: Option<String>,
    pub confidence: String,
    pub note: Option<String>,
    /// Parties given a value.
    pub parties: usize,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FairShareRowDto {
    pub party: String,
    pub name: String,
    /// `carries`, `no-key-value`, `not-participating`, `partner` or `not-contributor`.
    pub standing: String,
    /// For `not-participating`: the status (declined, non-participation, deferred, withdrawn), its
    /// date and source; for `not-contributor`: the role.
    pub status: Option<String>,
    pub status_date: Option<String>,
    pub status_source_url: Option<String>,
    /// The party's value in the key; `null` when the key gives it none.
    pub key_value: Option<String>,
    /// Its part of the key over the parties that carry a share, in percent (six decimals).
    pub key_percent: Option<String>,
    /// Its fair share of the total counted so far, per reporting currency (carriers only).
    pub fair_share: Option<BTreeMap<String, String>>,
    /// What it put in by the counting rules, and of that what is committed and paid; committed
    /// and paid are `null` when not reported (none of its counted records is committed, as in a
    /// record that holds only announcements).
    pub counted: BTreeMap<String, String>,
    pub committed: Option<BTreeMap<String, String>>,
    pub paid: Option<BTreeMap<String, String>>,
    /// A counted record of this party has an undisclosed amount: its figures are a lower bound.
    pub undisclosed: bool,
    /// Counted less fair share (carriers only).
    pub difference: Option<BTreeMap<String, String>>,
    /// The difference as a percentage of the fair share (two decimals).
    pub difference_percent: BTreeMap<String, String>,
    /// Its part of the amount to split, when one was given.
    pub proposed: Option<String>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FairShareDto {
    pub as_of: String,
    pub key: ShareKeyDto,
    pub include_partners: bool,
    /// The total counted so far, per reporting currency.
    pub total: BTreeMap<String, String>,
    /// The amount split (`--amount`), with its currency.
    pub amount: Option<String>,
    pub amount_currency: Option<String>,
    pub rows: Vec<FairShareRowDto>,
}

impl From<&FairShare> for FairShareDto {
    fn from(share: &FairShare) -> FairShareDto {
        let key = &share.key;
        FairShareDto {
            as_of: share.as_of.to_string(),
            key: ShareKeyDto {
                name: key.name.to_string(),
                date: key.source.date.to_string(),
                source_url: key.source.url.clone().map(String::from),
                confidence: key.source.confidence.to_string(),
                note: key.note.clone().map(String::from),
                parties: key.values.len(),
            },
            include_partners: share.include_partners,
            total: amounts(&share.total),
            amount: share.amount.map(|a| a.to_decimal_string()),
            amount_currency: share.amount.map(|a| a.currency.to_string()),
            rows: share.rows.iter().map(row).collect(),
        }
    }
}

fn row(row: &Row) -> FairShareRowDto {
    let (standing, status, status_date, status_source_url) = match &row.standing {
        Standing::Carries => ("carries", None, None, None),
        Standing::NoKeyValue => ("no-key-value", None, None, None),
        Standing::Partner => ("partner", None, None, None),
        Standing::NotContributor { role } => ("not-contributor", Some(role.to_string()), None, None),
        Standing::NotParticipating { status, since, source } => (
            "not-participating",
            Some(status.to_string()),
            Some(since.to_string()),
            source.url.clone().map(String::from),
        ),
    };
    FairShareRowDto {
        party: row.party.to_string(),
        name: row.name.clone(),
        standing: standing.to_string(),
        status,
        status_date,
        status_source_url,
        key_value: row.key_value.map(|v| v.value().to_string()),
        key_percent: row.key_percent.map(|p| p.to_string()),
        fair_share: row.fair_share.as_ref().map(amounts),
        counted: amounts(&row.counted),
        committed: row.committed.as_ref().map(amounts),
        paid: row.paid.as_ref().map(amounts),
        undisclosed: row.undisclosed,
        difference: row.difference.as_ref().map(amounts),
        difference_percent: row
            .difference_percent
            .iter()
            .map(|(c, p)| (c.code().to_string(), format!("{p:.2}")))
            .collect(),
        proposed: row.proposed.map(|p| p.to_decimal_string()),
    }
}

/// `tranche funding propose --json` and `GET /api/v1/funding/proposal`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalDto {
    pub as_of: String,
    /// The log head the proposal was computed at: accept it with `If-Match: "<log_head>"`.
    pub log_head: u64,
    /// The package currency; every amount below is in it.
    pub currency: String,
    pub include_announced: bool,
    pub assume_triggers: Vec<String>,
    /// The open packages in priority order.
    pub packages: Vec<PackageProposalDto>,
    pub allocations: Vec<ProposedAllocationDto>,
    /// Pledges left out, and why.
    pub excluded: Vec<ExcludedDto>,
    /// Each pledge's supply, what the proposal uses and what is left.
    pub pledges: Vec<PledgeUseDto>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageProposalDto {
    pub package: String,
    /// The best rank of its requirements in their month's latest list (`2026-03 #1`); `null` when
    /// none is ranked (such packages come last, by id).
    pub priority: Option<String>,
    pub price: String,
    pub allocated_before: String,
    pub need: String,
    pub proposed: String,
    /// `funded`, `partial` or `unfunded`.
    pub status: String,
    /// For a package not fully funded: what blocks it, with amounts.
    pub explanations: Vec<String>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposedAllocationDto {
    pub pledge: String,
    pub package: String,
    pub amount: String,
    /// `false` for announced money or money waiting for an assumed trigger: shown, not allocated
    /// when the proposal is accepted.
    pub committed: bool,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExcludedDto {
    pub pledge: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PledgeUseDto {
    pub pledge: String,
    pub supply: String,
    pub used: String,
    pub left: String,
    pub committed: bool,
}

impl From<&Proposal> for ProposalDto {
    fn from(proposal: &Proposal) -> ProposalDto {
        let decimal = |money: &tranche_core::Money| money.to_decimal_string();
        ProposalDto {
            as_of: proposal.as_of.to_string(),
            log_head: proposal.log_head,
            currency: proposal.currency.to_string(),
            include_announced: proposal.include_announced,
            assume_triggers: proposal.assume_triggers.clone(),
            packages: proposal
                .packages
                .iter()
                .map(|p| PackageProposalDto {
                    package: p.package.to_string(),
                    priority: p.priority.as_ref().map(|r| r.to_string()),
                    price: decimal(&p.price),
                    allocated_before: decimal(&p.allocated_before),
                    need: decimal(&p.need),
                    proposed: decimal(&p.proposed),
                    status: match p.status {
                        FundingStatus::Funded => "funded",
                        FundingStatus::Partial => "partial",
                        FundingStatus::Unfunded => "unfunded",
                    }
                    .to_string(),
                    explanations: p.explanations.clone(),
                })
                .collect(),
            allocations: proposal
                .allocations
                .iter()
                .map(|a| ProposedAllocationDto {
                    pledge: a.pledge.to_string(),
                    package: a.package.to_string(),
                    amount: decimal(&a.amount),
                    committed: a.committed,
                })
                .collect(),
            excluded: proposal
                .excluded
                .iter()
                .map(|e| ExcludedDto { pledge: e.pledge.to_string(), reason: e.reason.clone() })
                .collect(),
            pledges: proposal
                .pledges
                .iter()
                .map(|p| PledgeUseDto {
                    pledge: p.pledge.to_string(),
                    supply: decimal(&p.supply),
                    used: decimal(&p.used),
                    left: decimal(&p.left),
                    committed: p.committed,
                })
                .collect(),
        }
    }
}

/// `POST /api/v1/funding/proposal/accept` and `tranche funding propose --accept`: what was
/// written.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptedDto {
    /// The log head the proposal was computed at.
    pub log_head: u64,
    /// Allocation commands written (0 when all were written before: a repeat).
    pub allocations: usize,
    pub repeated: bool,
    /// The first event written, and how many.
    pub first_seq: Option<u64>,
    pub event_count: u64,
}
