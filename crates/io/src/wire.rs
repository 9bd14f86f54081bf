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
    /// Counted money by contributor. A party whose every counted record is undisclosed is not
    /// here (its amount is unknown, not zero): it is listed under `undisclosed_parties`.
    pub by_party: BTreeMap<String, BTreeMap<String, String>>,
    /// Contributors whose every counted record is undisclosed.
    pub undisclosed_parties: Vec<String>,
    /// Contributors in `by_party` with an undisclosed counted record too: their figure is a
    /// lower bound.
    pub partly_undisclosed: Vec<String>,
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
            by_party: summary
                .by_party
                .iter()
                .filter(|(key, _)| !summary.undisclosed_only.contains(*key))
                .map(|(key, a)| (key.clone(), amounts(a)))
                .collect(),
            undisclosed_parties: summary.undisclosed_only.iter().cloned().collect(),
            partly_undisclosed: summary.with_undisclosed.difference(&summary.undisclosed_only).cloned().collect(),
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
    /// Every state entered, oldest first: `[state, date]` pairs.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<String>>))]
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

/// One pledge: money-level facts only, public.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PledgeDto {
    pub pledge: String,
    pub kind: String,
    pub contributor: String,
    pub status: String,
    pub date: String,
    pub currency: Option<String>,
    pub announced: Option<String>,
    pub committed: Option<String>,
    pub paid: Option<String>,
    pub package: Option<String>,
    pub earmark: Option<String>,
    pub contingent_on: Option<String>,
    pub source_url: Option<String>,
    pub confidence: String,
    pub note: Option<String>,
}

impl From<&tranche_core::Pledge> for PledgeDto {
    fn from(pledge: &tranche_core::Pledge) -> PledgeDto {
        let decimal = |money: Option<Money>| money.map(|m| m.to_decimal_string());
        PledgeDto {
            pledge: pledge.id.to_string(),
            kind: pledge.kind.to_string(),
            contributor: pledge.contributor.key(),
            status: pledge.status.to_string(),
            date: pledge.date.to_string(),
            currency: pledge.committed.or(pledge.announced).map(|m| m.currency.to_string()),
            announced: decimal(pledge.announced),
            committed: decimal(pledge.committed),
            paid: decimal(pledge.paid),
            package: pledge.package.as_ref().map(|p| p.to_string()),
            earmark: pledge.earmark.clone().map(String::from),
            contingent_on: pledge.contingent_on.clone(),
            source_url: pledge.source.url.clone().map(String::from),
            confidence: pledge.source.confidence.to_string(),
            note: pledge.note.clone().map(String::from),
        }
    }
}

/// A page of pledges; pass `next_cursor` as `cursor` for the next one.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PledgePage {
    pub pledges: Vec<PledgeDto>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyDto {
    pub party: String,
    pub name: String,
    pub kind: String,
    pub role: String,
    pub gdp_2021_bn_eur: Option<String>,
    /// The latest participation status on the day asked, with its date.
    pub status: Option<String>,
    pub status_date: Option<String>,
}

pub fn parties(state: &tranche_core::State, as_of: chrono::NaiveDate) -> Vec<PartyDto> {
    state
        .parties
        .values()
        .map(|party| {
            let status = state.participation_on(&party.id, as_of);
            PartyDto {
                party: party.id.to_string(),
                name: party.name.to_string(),
                kind: party.kind.to_string(),
                role: party.role.to_string(),
                gdp_2021_bn_eur: party.gdp_2021_bn_eur.map(|g| g.to_string()),
                status: status.map(|s| s.change.status.to_string()),
                status_date: status.map(|s| s.change.date.to_string()),
            }
        })
        .collect()
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionDto {
    pub decision: String,
    pub subject: String,
    /// `consensus` or `silence`.
    pub procedure: String,
    pub deadline: Option<String>,
    pub participants: Vec<String>,
    pub not_asked: Vec<String>,
    /// `pending`, `adopted` or `rejected`, computed on the day asked.
    pub outcome: String,
    pub outcome_on: Option<String>,
    pub objected_by: Option<String>,
    /// `[party, reservation]` pairs.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<String>>))]
    pub reservations: Vec<(String, String)>,
}

pub fn decisions(state: &tranche_core::State, as_of: chrono::NaiveDate) -> Vec<DecisionDto> {
    use tranche_core::procurement::{Outcome, Procedure};
    state
        .decisions
        .values()
        .map(|decision| {
            let (outcome, on, by) = match decision.outcome(as_of) {
                Outcome::Pending => ("pending", None, None),
                Outcome::Adopted { on } => ("adopted", Some(on.to_string()), None),
                Outcome::Rejected { by, on } => ("rejected", Some(on.to_string()), Some(by.to_string())),
            };
            let (procedure, deadline) = match decision.procedure {
                Procedure::Consensus => ("consensus", None),
                Procedure::Silence { deadline } => ("silence", Some(deadline.to_string())),
            };
            DecisionDto {
                decision: decision.id.to_string(),
                subject: decision.subject.to_string(),
                procedure: procedure.to_string(),
                deadline,
                participants: decision.participants.iter().map(|p| p.to_string()).collect(),
                not_asked: decision.not_asked.iter().map(|p| p.to_string()).collect(),
                outcome: outcome.to_string(),
                outcome_on: on,
                objected_by: by,
                // Only the responses known on the day asked, as the outcome.
                reservations: decision
                    .responses
                    .iter()
                    .filter(|(_, _, on)| *on <= as_of)
                    .filter_map(|(party, response, _)| match response {
                        tranche_core::procurement::Response::Reservation(text) => {
                            Some((party.to_string(), text.to_string()))
                        }
                        _ => None,
                    })
                    .collect(),
            }
        })
        .collect()
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetDto {
    pub target: String,
    pub kind: String,
    pub currency: String,
    pub amount: String,
    pub date: String,
    pub note: Option<String>,
}

pub fn targets(state: &tranche_core::State) -> Vec<TargetDto> {
    state
        .targets
        .values()
        .map(|t| TargetDto {
            target: t.id.to_string(),
            kind: t.kind.to_string(),
            currency: t.amount.currency.to_string(),
            amount: t.amount.to_decimal_string(),
            date: t.date.to_string(),
            note: t.note.clone().map(String::from),
        })
        .collect()
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PipelineDto {
    pub state: String,
    pub packages: usize,
    pub money: String,
    pub mean_days: Option<String>,
}

pub fn pipeline(state: &tranche_core::State, currency: Currency, as_of: chrono::NaiveDate) -> Vec<PipelineDto> {
    tranche_core::reports::pipeline(state, currency, as_of)
        .iter()
        .map(|r| PipelineDto {
            state: r.state.to_string(),
            packages: r.packages,
            money: r.money.to_decimal_string(),
            mean_days: r.mean_days.map(|d| d.to_string()),
        })
        .collect()
}

/// A requirement with its rank in the latest list; quantity and description only for roles.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequirementDto {
    pub requirement: String,
    pub month: String,
    pub category: String,
    pub estimated_cost: String,
    pub currency: String,
    pub rank: Option<usize>,
    pub list_version: Option<u32>,
    /// The package it is bundled in (not counting cancelled ones).
    pub package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

pub fn requirements(state: &tranche_core::State, reader: Reader) -> Vec<RequirementDto> {
    let mut rows: Vec<RequirementDto> = state
        .requirements
        .values()
        .map(|r| {
            let latest = state.lists.get(&r.month).and_then(|versions| versions.last());
            RequirementDto {
                requirement: r.id.to_string(),
                month: r.month.to_string(),
                category: r.category.to_string(),
                estimated_cost: r.estimated_cost.to_decimal_string(),
                currency: r.estimated_cost.currency.to_string(),
                rank: latest.and_then(|l| l.order.iter().position(|id| *id == r.id)).map(|i| i + 1),
                list_version: latest.map(|l| l.version),
                package: state
                    .packages
                    .values()
                    .find(|p| {
                        p.state != tranche_core::procurement::PackageState::Cancelled && p.requirements.contains(&r.id)
                    })
                    .map(|p| p.id.to_string()),
                quantity: r.restricted.quantity.filter(|_| reader.sees_requirements()),
                description: reader.sees_requirements().then(|| r.restricted.description.to_string()),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.month, a.rank.unwrap_or(usize::MAX), &a.requirement).cmp(&(
            &b.month,
            b.rank.unwrap_or(usize::MAX),
            &b.requirement,
        ))
    });
    rows
}

/// Per month in the package currency: required, funded, delivered, and the run-rate target.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthDto {
    pub month: String,
    pub currency: String,
    pub required: String,
    pub funded: String,
    pub delivered: String,
    pub target: Option<String>,
}

pub fn months(
    state: &tranche_core::State,
    rates: &tranche_core::RateTable,
    currency: Currency,
) -> Result<Vec<MonthDto>, tranche_core::FxError> {
    Ok(tranche_core::reports::months(state, rates, currency)?
        .iter()
        .map(|r| MonthDto {
            month: r.month.to_string(),
            currency: currency.to_string(),
            required: r.required.to_decimal_string(),
            funded: r.funded.to_decimal_string(),
            delivered: r.delivered.to_decimal_string(),
            target: r.target.map(|t| t.to_decimal_string()),
        })
        .collect())
}
