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
use crate::money::{Currency, Money};
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
    /// The part of the allocated money its pledges have paid in: each pledge's payments pay its
    /// allocations oldest first (docs/ACCOUNTING.md, "Whose cash pays a package").
    pub paid: Money,
    pub disbursed: Money,
    pub delivered: Money,
    /// Allocated / price, in percent with two decimals (half-even); `None` without a price.
    pub coverage_percent: Option<Decimal>,
    pub history: Vec<(PackageState, NaiveDate)>,
    /// Empty for the public.
    pub lines: Vec<LineRow>,
}

fn paid_part(paid_in: &BTreeMap<crate::ids::PackageRef, Money>, package: &Package) -> Money {
    paid_in.get(&package.id).copied().unwrap_or(Money::zero(package.currency))
}

pub fn package_rows(state: &State, reader: Reader) -> Vec<PackageRow> {
    let paid_in = state.paid_in_by_package();
    state
        .packages
        .values()
        .map(|package| {
            let allocated = package.allocated();
            let coverage_percent = package.price.filter(|p| p.is_positive()).and_then(|price| {
                let percent = Decimal::from(allocated.amount_minor).checked_mul(Decimal::ONE_HUNDRED);
                let ratio = percent.and_then(|p| p.checked_div(Decimal::from(price.amount_minor)));
                ratio.map(|r| r.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointNearestEven))
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
                            description: requirement.restricted.description.to_string(),
                            delivered: delivery.map(|d| d.value),
                            confirmed_on: delivery.and_then(|d| d.confirmed_on),
                        }
                    })
                    .collect(),
            };
            PackageRow {
                package: package.id.to_string(),
                name: reader.sees_restricted().then(|| package.name.to_string()),
                state: package.state,
                price: package.price,
                allocated,
                paid: paid_part(&paid_in, package),
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
            let money: i128 = now.iter().filter_map(|p| p.price).map(|p| i128::from(p.amount_minor)).sum();
            let spent: Vec<i64> = state
                .packages
                .values()
                .flat_map(|p| p.days_in_states(as_of))
                .filter(|(s, _)| s == which)
                .map(|(_, days)| days)
                .collect();
            let terminal = matches!(which, PackageState::Closed | PackageState::Cancelled);
            let mean_days = if terminal { None } else { mean(&spent).map(|mean| mean.round_dp(1)) };
            PipelineRow {
                state: *which,
                packages: now.len(),
                money: crate::procurement::saturated(money, currency),
                mean_days,
            }
        })
        .collect()
}

/// The mean of `days`; `None` when empty (or beyond what a decimal holds).
fn mean(days: &[i64]) -> Option<Decimal> {
    let total = days.iter().try_fold(0_i64, |sum, day| sum.checked_add(*day))?;
    Decimal::from(total).checked_div(Decimal::from(days.len()))
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
    let mut rows: BTreeMap<YearMonth, [i128; 3]> = BTreeMap::new();
    for requirement in state.requirements.values() {
        add(&mut rows, requirement.month, REQUIRED, requirement.estimated_cost);
    }
    for package in state.packages.values() {
        let funded_on = package.history.iter().find(|(s, _)| *s == PackageState::Funded).map(|(_, d)| *d);
        if let (Some(on), Some(price)) = (funded_on, package.price) {
            add(&mut rows, YearMonth::of(on), FUNDED, price);
        }
        for delivery in package.deliveries.values() {
            if let Some(on) = delivery.confirmed_on {
                add(&mut rows, YearMonth::of(on), DELIVERED, delivery.value);
            }
        }
    }
    let run_rate = state.targets.values().find(|t| t.kind == TargetKind::MonthlyRunRate);
    let target = run_rate.map(|t| rates.convert(t.amount, currency, t.date)).transpose()?;
    let money = |minor| crate::procurement::saturated(minor, currency);
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

const REQUIRED: usize = 0;
const FUNDED: usize = 1;
const DELIVERED: usize = 2;

/// Adds `amount` to one column of its month (saturating: a report, never a panic).
fn add(rows: &mut BTreeMap<YearMonth, [i128; 3]>, month: YearMonth, column: usize, amount: Money) {
    if let Some(sum) = rows.entry(month).or_default().get_mut(column) {
        *sum = sum.saturating_add(i128::from(amount.amount_minor));
    }
}

/// Per requirement month, in the package currency: what the month's requirements need, the part
/// of it funded, and the part delivered. Every figure is filed by the requirement's own month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageRow {
    pub month: YearMonth,
    /// The requirements' estimated cost.
    pub required: Money,
    /// Each requirement counts its package's funded share of its cost: cost × min(allocated,
    /// price) / price, rounded down to the minor unit, at most its cost over all its packages; a
    /// requirement in no package, a cancelled one or one without a price counts nothing.
    pub funded: Money,
    /// Confirmed deliveries of the month's requirements (by the requirement's month, not the
    /// month delivered).
    pub delivered: Money,
}

/// The funded part of `cost` in `package`: its share allocated of its price, rounded down.
fn funded_part(cost: Money, package: &Package) -> i128 {
    let Some(price) = package.price.filter(|p| p.is_positive() && package.state != PackageState::Cancelled) else {
        return 0;
    };
    let allocated = i128::from(package.allocated().amount_minor).max(0).min(i128::from(price.amount_minor));
    i128::from(cost.amount_minor)
        .checked_mul(allocated)
        .and_then(|product| product.checked_div(i128::from(price.amount_minor)))
        .unwrap_or(0)
}

pub fn coverage(state: &State, currency: Currency) -> Vec<CoverageRow> {
    let mut rows: BTreeMap<YearMonth, [i128; 3]> = BTreeMap::new();
    for requirement in state.requirements.values() {
        let cost = i128::from(requirement.estimated_cost.amount_minor);
        let mut funded: i128 = 0;
        let mut delivered: i128 = 0;
        for package in state.packages.values().filter(|p| p.requirements.contains(&requirement.id)) {
            funded = funded.saturating_add(funded_part(requirement.estimated_cost, package));
            if let Some(delivery) = package.deliveries.get(&requirement.id).filter(|d| d.confirmed_on.is_some()) {
                delivered = delivered.saturating_add(i128::from(delivery.value.amount_minor));
            }
        }
        let sums = rows.entry(requirement.month).or_default();
        for (sum, figure) in sums.iter_mut().zip([cost, funded.min(cost), delivered]) {
            *sum = sum.saturating_add(figure);
        }
    }
    let money = |minor| crate::procurement::saturated(minor, currency);
    rows.into_iter()
        .map(|(month, [required, funded, delivered])| CoverageRow {
            month,
            required: money(required),
            funded: money(funded),
            delivered: money(delivered),
        })
        .collect()
}
