//! Wire forms (DTOs) shared by the command line's `--json` output and the HTTP API: amounts as
//! decimal strings, dates as `YYYY-MM-DD`, converted by hand from the domain types.

use std::collections::BTreeMap;

use serde::Serialize;
use tranche_core::auth::Reader;
use tranche_core::reports::PackageRow;
use tranche_core::{Currency, Money, Summary};

pub fn amounts(amounts: &BTreeMap<Currency, Money>) -> BTreeMap<String, String> {
    amounts.iter().map(|(currency, money)| (currency.code().to_string(), money.to_decimal_string())).collect()
}

/// `tranche report summary --json` and `GET /api/v1/summary`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SummaryDto {
    pub as_of: String,
    pub totals: BTreeMap<String, String>,
    pub contributors: usize,
    pub undisclosed: usize,
    pub declined: Vec<String>,
    pub by_party: BTreeMap<String, BTreeMap<String, String>>,
    pub by_month: BTreeMap<String, BTreeMap<String, String>>,
}

impl From<&Summary> for SummaryDto {
    fn from(summary: &Summary) -> SummaryDto {
        SummaryDto {
            as_of: summary.as_of.to_string(),
            totals: amounts(&summary.totals),
            contributors: summary.contributors,
            undisclosed: summary.undisclosed,
            declined: summary.declined.iter().map(|p| p.to_string()).collect(),
            by_party: summary.by_party.iter().map(|(key, a)| (key.clone(), amounts(a))).collect(),
            by_month: summary.by_month.iter().map(|(month, a)| (month.to_string(), amounts(a))).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineDto {
    pub requirement: String,
    pub category: String,
    pub quantity: Option<u64>,
    pub description: String,
    pub delivered: Option<String>,
    pub confirmed_on: Option<String>,
}

/// One package; `name` and `lines` are restricted and absent for the public.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageDto {
    pub package: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub state: String,
    pub currency: String,
    pub price: Option<String>,
    pub allocated: String,
    pub paid: String,
    pub disbursed: String,
    pub delivered: String,
    pub coverage_percent: Option<String>,
    pub history: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineDto>,
}

impl From<&PackageRow> for PackageDto {
    fn from(row: &PackageRow) -> PackageDto {
        PackageDto {
            package: row.package.clone(),
            name: row.name.clone(),
            state: row.state.to_string(),
            currency: row.allocated.currency.to_string(),
            price: row.price.map(|p| p.to_decimal_string()),
            allocated: row.allocated.to_decimal_string(),
            paid: row.paid.to_decimal_string(),
            disbursed: row.disbursed.to_decimal_string(),
            delivered: row.delivered.to_decimal_string(),
            coverage_percent: row.coverage_percent.map(|c| c.to_string()),
            history: row.history.iter().map(|(s, d)| (s.to_string(), d.to_string())).collect(),
            lines: row
                .lines
                .iter()
                .map(|line| LineDto {
                    requirement: line.requirement.clone(),
                    category: line.category.to_string(),
                    quantity: line.quantity,
                    description: line.description.clone(),
                    delivered: line.delivered.map(|d| d.to_decimal_string()),
                    confirmed_on: line.confirmed_on.map(|d| d.to_string()),
                })
                .collect(),
        }
    }
}

/// Package rows for a reader, in wire form.
pub fn packages(state: &tranche_core::State, reader: Reader) -> Vec<PackageDto> {
    tranche_core::reports::package_rows(state, reader).iter().map(PackageDto::from).collect()
}
