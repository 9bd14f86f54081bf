//! Procurement reports, computed from the state: per package, the pipeline, and per month.
//! Restricted fields appear only in the `lines` of a package row, which [`package_rows`] fills
//! only for a reader who may see them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::auth::Reader;
use crate::domain::TargetKind;
use crate::error::FxError;
use crate::fx::RateTable;
use crate::money::{Currency, Money, round_half_even};
use crate::procurement::{Package, PackageState, RequirementCategory};
use crate::state::State;
use crate::summary::YearMonth;

/// One line of a package, for readers who may see restricted fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub requirement: String,
    pub category: RequirementCategory,
    pub quantity: Option<u64>,
    pub description: String,
    pub delivered: Option<Money>,
    pub confirmed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRow {
    pub package: String,
    /// Restricted (the name says what is bought): `None` for the public.
    pub name: Option<String>,
    pub state: PackageState,
    pub price: Option<Money>,
    /// Committed money allocated to the package (not released).
    pub allocated: Money,
    /// The part of the allocated money its pledges have paid in (pro rata per pledge).
    pub paid: Money,
    pub disbursed: Money,
    pub delivered: Money,
    /// Allocated / price, in percent with two decimals (half-even); `None` without a price.
    pub coverage_percent: Option<Decimal>,
    pub history: Vec<(PackageState, NaiveDate)>,
    /// Empty for the public.
    pub lines: Vec<LineRow>,
}

fn paid_part(state: &State, package: &Package) -> Money {
    let mut minor: i64 = 0;
    for allocation in &package.allocations {
        let released: i64 =
            package.released.iter().filter(|r| r.pledge == allocation.pledge).map(|r| r.amount.amount_minor).sum();
        let Ok(pledge) = state.pledge(&allocation.pledge) else { continue };
        let (Some(paid), Some(committed)) = (pledge.paid, pledge.committed) else { continue };
        let ratio = Decimal::from(paid.amount_minor) / Decimal::from(committed.amount_minor);
        let net = Decimal::from((allocation.amount.amount_minor - released).max(0));
        let part =
            round_half_even(net * ratio / Decimal::from(10_i64.pow(package.currency.exponent())), package.currency);
        minor += part.map(|m| m.amount_minor).unwrap_or(0);
    }
    Money { amount_minor: minor, currency: package.currency }
}

pub fn package_rows(state: &State, reader: Reader) -> Vec<PackageRow> {
    state
        .packages
        .values()
        .map(|package| {
            let allocated = package.allocated();
            let coverage_percent = package.price.filter(|p| p.is_positive()).map(|price| {
                (Decimal::from(allocated.amount_minor) * Decimal::ONE_HUNDRED / Decimal::from(price.amount_minor))
                    .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointNearestEven)
            });
            let lines = match reader.sees_restricted() {
                false => Vec::new(),
                true => package
                    .requirements
                    .iter()
                    .filter_map(|id| state.requirements.get(id))
                    .map(|requirement| {
                        let delivery = package.deliveries.get(&requirement.id);
                        LineRow {
                            requirement: requirement.id.to_string(),
                            category: requirement.category,
                            quantity: requirement.restricted.quantity,
                            description: requirement.restricted.description.clone(),
                            delivered: delivery.map(|d| d.value),
                            confirmed_on: delivery.and_then(|d| d.confirmed_on),
                        }
                    })
                    .collect(),
            };
            PackageRow {
                package: package.id.to_string(),
                name: reader.sees_restricted().then(|| package.name.clone()),
                state: package.state,
                price: package.price,
                allocated,
                paid: paid_part(state, package),
                disbursed: package.disbursed,
                delivered: package.delivered_value(),
                coverage_percent,
                history: package.history.clone(),
                lines,
            }
        })
        .collect()
}

/// Packages and money per state, and the mean days packages spent in each state they entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineRow {
    pub state: PackageState,
    pub packages: usize,
    /// Sum of the quoted prices of the packages now in this state.
    pub money: Money,
    /// Mean days spent in this state by the packages that entered it (to `as_of` if still
    /// there); `None` for the terminal states, closed and cancelled.
    pub mean_days: Option<Decimal>,
}

pub fn pipeline(state: &State, currency: Currency, as_of: NaiveDate) -> Vec<PipelineRow> {
    PackageState::ALL
        .iter()
        .map(|which| {
            let now: Vec<&Package> = state.packages.values().filter(|p| p.state == *which).collect();
            let money = now.iter().filter_map(|p| p.price).map(|p| p.amount_minor).sum();
            let spent: Vec<i64> = state
                .packages
                .values()
                .flat_map(|p| p.days_in_states(as_of))
                .filter(|(s, _)| s == which)
                .map(|(_, days)| days)
                .collect();
            let terminal = matches!(which, PackageState::Closed | PackageState::Cancelled);
            let mean_days = (!spent.is_empty() && !terminal)
                .then(|| (Decimal::from(spent.iter().sum::<i64>()) / Decimal::from(spent.len() as i64)).round_dp(1));
            PipelineRow {
                state: *which,
                packages: now.len(),
                money: Money { amount_minor: money, currency },
                mean_days,
            }
        })
        .collect()
}

/// Per month, in the package currency: required (requirements' estimated cost by their month),
/// funded (prices of packages by the month they became funded), delivered (confirmed values by
/// month of confirmation), and the monthly run-rate target converted at its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRow {
    pub month: YearMonth,
    pub required: Money,
    pub funded: Money,
    pub delivered: Money,
    pub target: Option<Money>,
}

pub fn months(state: &State, rates: &RateTable, currency: Currency) -> Result<Vec<MonthRow>, FxError> {
    let mut rows: BTreeMap<YearMonth, [i64; 3]> = BTreeMap::new();
    for requirement in state.requirements.values() {
        rows.entry(requirement.month).or_default()[0] += requirement.estimated_cost.amount_minor;
    }
    for package in state.packages.values() {
        let funded_on = package.history.iter().find(|(s, _)| *s == PackageState::Funded).map(|(_, d)| *d);
        if let (Some(on), Some(price)) = (funded_on, package.price) {
            rows.entry(YearMonth::of(on)).or_default()[1] += price.amount_minor;
        }
        for delivery in package.deliveries.values() {
            if let Some(on) = delivery.confirmed_on {
                rows.entry(YearMonth::of(on)).or_default()[2] += delivery.value.amount_minor;
            }
        }
    }
    let run_rate = state.targets.values().find(|t| t.kind == TargetKind::MonthlyRunRate);
    let target = run_rate.map(|t| rates.convert(t.amount, currency, t.date)).transpose()?;
    let money = |minor| Money { amount_minor: minor, currency };
    Ok(rows
        .into_iter()
        .map(|(month, [required, funded, delivered])| MonthRow {
            month,
            required: money(required),
            funded: money(funded),
            delivered: money(delivered),
            target,
        })
        .collect())
}
