//! Wire forms of the funding engine: `tranche funding fair-share --json` and
//! `GET /api/v1/funding/fair-share` (one shape, one conversion).

use std::collections::BTreeMap;

use serde::Serialize;
use tranche_core::funding::fair_share::{FairShare, Row, Standing};

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
