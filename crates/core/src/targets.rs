//! Targets, milestones and projections: where the counted money stands against each target, and
//! when the open goals are reached at the pace so far.
//!
//! Every figure comes from the counted series ([`Flows`]), whose value on a date equals
//! `summarise(..).totals` on that date (the counting rules, docs/COUNTING.md), computed once per
//! currency: no summary is recomputed per date.
//!
//! Definitions (each figure is a [`Money`] in the target's currency, computed in `i128`):
//! - A cumulative goal measures the counted total; an annual need measures the growth of the
//!   counted total in the calendar year of its date (from 1 January). Reached on the first date the
//!   measure meets the amount; missed when its date has passed unreached (by the amount minus the
//!   measure on its date); open otherwise.
//! - A month, for rates and projections, is [`DAYS_PER_MONTH`] days (365.25 / 12 = 30.4375).
//!   Days left run from `as_of` (or from the day before an annual need's year starts, when later)
//!   to the target's date. The rate required is `still needed × 30.4375 / days left`, rounded up
//!   to the minor unit: paid each month, it reaches the goal on or before its date.
//! - The trailing run rate over N months is the growth of the counted total from the same day N
//!   calendar months before `as_of` (exclusive) to `as_of`, divided by N, rounded half-even.
//!   At a rate r a goal is reached `ceil(still needed × 30.4375 / r)` days after the start of the
//!   remaining time; never at a rate of zero or less.
//! - Per month, counted is the growth of the counted total during the calendar month (a
//!   superseding record's difference falls in its own month). The months run from the first month
//!   anything counted to the month of `as_of` (partial when `as_of` is not its last day); the
//!   shortfall is the monthly target minus counted, floored at zero.
//! - Milestones: the first date the counted total reached each whole billion.
//! - Fair-share projection from date F: every participating party pays its fair share of the
//!   monthly run-rate target, and the shares sum exactly to the target, so the counted total stands
//!   at its value on the day before F (or on `as_of`, if earlier) and grows by the target on F and
//!   on the same day of each following month, converted into a goal's currency at the reference
//!   rate of each such date. What was actually recorded from F on is replaced by the projection.

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::domain::{Target, TargetKind};
use crate::error::{DomainError, FxError};
use crate::fx::RateTable;
use crate::ids::TargetId;
use crate::money::{Currency, Money};
use crate::series::{COUNTED, Flows, Point, value_on};
use crate::state::State;
use crate::summary::YearMonth;

/// Days in a month, for rates and projections: 365.25 / 12.
pub const DAYS_PER_MONTH: &str = "30.4375";
/// [`DAYS_PER_MONTH`] as an integer fraction: `304_375 / 10_000`.
const DAYS_PER_MONTH_NUMERATOR: i128 = 304_375;
const DAYS_PER_MONTH_DENOMINATOR: i128 = 10_000;

/// The trailing windows of the run rate, in calendar months.
pub const TRAILING_MONTHS: [u32; 3] = [1, 3, 6];

/// The most milestones reported per currency, and the most months in the shortfall table (the
/// latest are kept): limits on report work.
pub const MAX_MILESTONES: usize = 1_000;
pub const MAX_MONTHS: usize = 1_200;

/// The last date a projection names; a goal reached later is reported as "later than" it.
pub fn last_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(crate::dates::LAST_YEAR, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// What the report projects, besides the record as it stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    /// The state includes hypothetical records (added by the caller to a copy of the state).
    pub what_if: Option<WhatIf>,
    /// Project as if every participating party paid its fair share of the monthly run-rate
    /// target from this date.
    pub fair_share_from: Option<NaiveDate>,
}

impl Projection {
    pub fn none() -> Projection {
        Projection::default()
    }

    /// Whether any figure of the report is hypothetical.
    pub fn is_projection(&self) -> bool {
        self.what_if.is_some() || self.fair_share_from.is_some()
    }
}

/// Hypothetical records added to the state: how many, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatIf {
    pub records: usize,
    pub source: String,
}

/// When a goal is reached under a projection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    On(NaiveDate),
    /// At a rate of zero or less.
    Never,
    /// After the last date a projection names ([`last_date`]).
    LaterThan(NaiveDate),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetStatus {
    /// Met on or before its date.
    Reached { on: NaiveDate },
    /// Its date passed unmet: short by `by` on it; perhaps met later (up to `as_of`).
    Missed { by: Money, reached_later_on: Option<NaiveDate> },
    /// Its date is ahead: still needed, the days left, and the monthly rate that reaches it.
    Open { still_needed: Money, days_left: u32, required_per_month: Money },
    /// A monthly run rate: the months in the shortfall table (partial month left out), how many
    /// met it, and their summed shortfall.
    /// `shortfall` is `None` when the months' shortfalls add up past the amount limit (a long
    /// report of a run-rate target beyond any real figure).
    RunRate { months: usize, months_met: usize, shortfall: Option<Money> },
}

/// An open goal at a trailing run rate (a projection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReachAtRate {
    pub window_months: u32,
    pub per_month: Money,
    pub reached: Reach,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRow {
    pub id: TargetId,
    pub kind: TargetKind,
    pub amount: Money,
    pub date: NaiveDate,
    /// An annual need counts from 1 January of its year; a cumulative goal from the start.
    pub counts_from: Option<NaiveDate>,
    /// What counts toward it on `as_of`; `None` for a run rate.
    pub counted: Option<Money>,
    pub status: TargetStatus,
    /// For a goal not yet met by `as_of`: when the trailing run rates reach it (projections).
    pub at_trailing_rates: Vec<ReachAtRate>,
    /// For a goal not yet met by `as_of`, under a fair-share projection: when it is reached.
    pub fair_share: Option<Reach>,
}

/// The first date the counted total reached `amount` (a whole billion).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Milestone {
    pub amount: Money,
    pub passed_on: NaiveDate,
}

/// The counted total's growth per month over a trailing window ending on `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunRate {
    pub window_months: u32,
    /// The window starts after this date.
    pub from: NaiveDate,
    pub per_month: Money,
}

/// One month against the monthly run-rate target, in the target's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthShortfall {
    pub month: YearMonth,
    pub counted: Money,
    pub target: Money,
    pub shortfall: Money,
    /// The month of `as_of`, not yet over.
    pub partial: bool,
}

/// The fair-share projection's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FairShare {
    pub from: NaiveDate,
    pub target: TargetId,
    pub per_month: Money,
    /// The counted total stands at its value on this date before the projected payments start.
    pub base_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetsReport {
    pub as_of: NaiveDate,
    pub projection: Projection,
    pub fair_share: Option<FairShare>,
    pub targets: Vec<TargetRow>,
    /// Per currency, in the order of [`TargetsReport::currencies`].
    pub currencies: Vec<Currency>,
    pub milestones: Vec<Milestone>,
    pub run_rates: Vec<RunRate>,
    /// Against the monthly run-rate target (empty without one).
    pub months: Vec<MonthShortfall>,
}

/// The counted series in one currency, up to `as_of`.
struct Series {
    currency: Currency,
    points: Vec<Point>,
}

impl Series {
    /// The counted total on `date` (its value on `as_of` for any later date).
    fn at(&self, date: NaiveDate) -> i128 {
        value_on(&self.points, date)[COUNTED]
    }
}

fn money(minor: i128, currency: Currency, what: &str) -> Result<Money, DomainError> {
    i64::try_from(minor)
        .ok()
        .and_then(|minor| Money::new(minor, currency).ok())
        .ok_or_else(|| DomainError::Overflow(format!("{what}: {minor} minor units of {currency}")))
}

fn overflow(what: &str) -> DomainError {
    DomainError::Overflow(what.to_string())
}

/// `n / d` rounded half-even; `None` when `d` is not positive or on overflow.
pub fn div_half_even(n: i128, d: i128) -> Option<i128> {
    if d <= 0 {
        return None;
    }
    let (quotient, remainder) = (n.checked_div_euclid(d)?, n.checked_rem_euclid(d)?);
    let odd = quotient.checked_rem_euclid(2)? == 1;
    match remainder.checked_mul(2)?.cmp(&d) {
        std::cmp::Ordering::Less => Some(quotient),
        std::cmp::Ordering::Equal if !odd => Some(quotient),
        _ => quotient.checked_add(1),
    }
}

/// `n / d` rounded up; `None` when `d` is not positive or on overflow.
fn div_ceil(n: i128, d: i128) -> Option<i128> {
    if d <= 0 {
        return None;
    }
    let (quotient, remainder) = (n.checked_div_euclid(d)?, n.checked_rem_euclid(d)?);
    if remainder > 0 { quotient.checked_add(1) } else { Some(quotient) }
}

/// Days from `from` to `to` (negative when `to` is earlier).
fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    to.signed_duration_since(from).num_days()
}

/// Months in `days` days, as the fraction `days × 10_000 / 304_375`: exact, never rounded.
pub fn months_left(days: u32) -> rust_decimal::Decimal {
    let ratio = rust_decimal::Decimal::from(days).checked_div(rust_decimal::Decimal::new(304_375, 4));
    ratio.unwrap_or_default()
}

/// The monthly rate that raises `still_needed_minor` in `days_left` days, rounded up to the minor
/// unit; `None` when no day is left or on overflow.
pub fn required_per_month(still_needed_minor: i128, days_left: u32) -> Option<i128> {
    let days = i128::from(days_left);
    div_ceil(still_needed_minor.checked_mul(DAYS_PER_MONTH_NUMERATOR)?, days.checked_mul(DAYS_PER_MONTH_DENOMINATOR)?)
}

/// The date `still_needed_minor` is raised at `per_month_minor` a month, counting from `start`.
pub fn reached_at_rate(still_needed_minor: i128, per_month_minor: i128, start: NaiveDate) -> Reach {
    if still_needed_minor <= 0 {
        return Reach::On(start);
    }
    if per_month_minor <= 0 {
        return Reach::Never;
    }
    let days = still_needed_minor
        .checked_mul(DAYS_PER_MONTH_NUMERATOR)
        .zip(per_month_minor.checked_mul(DAYS_PER_MONTH_DENOMINATOR))
        .and_then(|(n, d)| div_ceil(n, d))
        .and_then(|days| u64::try_from(days).ok());
    match days.and_then(|days| start.checked_add_days(Days::new(days))) {
        Some(date) if date <= last_date() => Reach::On(date),
        _ => Reach::LaterThan(last_date()),
    }
}

/// The currencies reported: the mechanism's reporting currencies, then any other target currency.
fn report_currencies(state: &State) -> Vec<Currency> {
    let mut currencies = state.reporting_currencies();
    for target in state.targets.values() {
        if !currencies.contains(&target.amount.currency) {
            currencies.push(target.amount.currency);
        }
    }
    currencies
}

/// The targets report as of `as_of`: statuses, milestones, run rates, the monthly shortfall and,
/// with `projection.fair_share_from`, the fair-share projection. `state` may hold what-if
/// records (`projection.what_if` says so).
pub fn report(
    state: &State,
    rates: &RateTable,
    as_of: NaiveDate,
    projection: &Projection,
) -> Result<TargetsReport, DomainError> {
    let currencies = report_currencies(state);
    let series = currencies
        .iter()
        .map(|currency| {
            Ok(Series { currency: *currency, points: Flows::compute_counted(state, rates, *currency)?.total(as_of) })
        })
        .collect::<Result<Vec<Series>, FxError>>()?;
    let run_rate_target = state.targets.values().find(|t| t.kind == TargetKind::MonthlyRunRate);
    let fair_share = match projection.fair_share_from {
        None => None,
        Some(from) => {
            let target = run_rate_target.ok_or_else(|| {
                DomainError::Rule(format!(
                    "a fair-share projection from {from} needs a monthly run-rate target; none is recorded"
                ))
            })?;
            let base_on = from.pred_opt().unwrap_or(from).min(as_of);
            Some(FairShare { from, target: target.id.clone(), per_month: target.amount, base_on })
        }
    };
    let mut run_rates = Vec::new();
    for one in &series {
        for window_months in TRAILING_MONTHS {
            run_rates.push(run_rate(one, as_of, window_months)?);
        }
    }
    let months = match run_rate_target {
        Some(target) => match series.iter().find(|s| s.currency == target.amount.currency) {
            Some(one) => month_rows(one, target.amount, as_of)?,
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    let context = Context { rates, as_of, run_rates: &run_rates, months: &months, fair_share: fair_share.as_ref() };
    let mut targets = Vec::new();
    for target in state.targets.values() {
        let Some(one) = series.iter().find(|s| s.currency == target.amount.currency) else { continue };
        targets.push(target_row(&context, one, target)?);
    }
    let mut milestones = Vec::new();
    for one in &series {
        milestones.extend(milestones_of(one)?);
    }
    Ok(TargetsReport {
        as_of,
        projection: projection.clone(),
        fair_share,
        targets,
        currencies,
        milestones,
        run_rates,
        months,
    })
}

fn run_rate(series: &Series, as_of: NaiveDate, window_months: u32) -> Result<RunRate, DomainError> {
    // Before the first representable date nothing had counted.
    let from = as_of.checked_sub_months(Months::new(window_months)).unwrap_or(NaiveDate::MIN);
    let grown = series.at(as_of).checked_sub(series.at(from)).ok_or_else(|| overflow("run rate"))?;
    let per_month = div_half_even(grown, i128::from(window_months)).ok_or_else(|| overflow("run rate"))?;
    Ok(RunRate { window_months, from, per_month: money(per_month, series.currency, "run rate")? })
}

/// What every target row reads.
struct Context<'a> {
    rates: &'a RateTable,
    as_of: NaiveDate,
    run_rates: &'a [RunRate],
    months: &'a [MonthShortfall],
    fair_share: Option<&'a FairShare>,
}

/// A goal's measure: the counted total, less its value on `base_on` for an annual need.
struct Goal<'a> {
    series: &'a Series,
    amount: i128,
    /// The first day that counts (an annual need's 1 January).
    start: Option<NaiveDate>,
}

impl Goal<'_> {
    fn base_on(&self) -> Option<NaiveDate> {
        self.start.map(|start| start.pred_opt().unwrap_or(start))
    }

    fn base(&self) -> i128 {
        self.base_on().map_or(0, |on| self.series.at(on))
    }

    /// The measure on `date` (zero before the start).
    fn measure(&self, date: NaiveDate) -> i128 {
        if self.start.is_some_and(|start| date < start) {
            return 0;
        }
        self.series.at(date).saturating_sub(self.base())
    }

    /// The first date, up to `as_of`, the measure met the amount.
    fn reached(&self) -> Option<NaiveDate> {
        let base = self.base();
        self.series
            .points
            .iter()
            .filter(|p| self.start.is_none_or(|start| p.date >= start))
            .find(|p| p.values[COUNTED].saturating_sub(base) >= self.amount)
            .map(|p| p.date)
    }
}

fn target_row(context: &Context, series: &Series, target: &Target) -> Result<TargetRow, DomainError> {
    let currency = target.amount.currency;
    let mut row = TargetRow {
        id: target.id.clone(),
        kind: target.kind,
        amount: target.amount,
        date: target.date,
        counts_from: None,
        counted: None,
        status: TargetStatus::RunRate { months: 0, months_met: 0, shortfall: Some(Money::zero(currency)) },
        at_trailing_rates: Vec::new(),
        fair_share: None,
    };
    let start = match target.kind {
        TargetKind::MonthlyRunRate => {
            row.status = run_rate_status(context.months, currency)?;
            return Ok(row);
        }
        TargetKind::CumulativeGoal => None,
        TargetKind::AnnualNeed => NaiveDate::from_ymd_opt(target.date.year(), 1, 1),
    };
    row.counts_from = start;
    let goal = Goal { series, amount: i128::from(target.amount.amount_minor), start };
    let counted = goal.measure(context.as_of);
    row.counted = Some(money(counted, currency, "counted")?);
    let reached = goal.reached();
    row.status = match reached {
        Some(on) if on <= target.date => TargetStatus::Reached { on },
        _ if context.as_of >= target.date => {
            let by = goal.amount.saturating_sub(goal.measure(target.date));
            TargetStatus::Missed { by: money(by, currency, "missed by")?, reached_later_on: reached }
        }
        _ => {
            let origin = goal.base_on().map_or(context.as_of, |base_on| base_on.max(context.as_of));
            let days_left = u32::try_from(days_between(origin, target.date)).unwrap_or(u32::MAX);
            let still_needed = goal.amount.saturating_sub(counted);
            // With less than a month left, the month's rate needed is what is still needed.
            let required = required_per_month(still_needed, days_left)
                .map(|rate| rate.min(still_needed.max(0)))
                .ok_or_else(|| overflow("required rate"))?;
            TargetStatus::Open {
                still_needed: money(still_needed, currency, "still needed")?,
                days_left,
                required_per_month: money(required, currency, "required rate")?,
            }
        }
    };
    if reached.is_none() {
        let origin = goal.base_on().map_or(context.as_of, |base_on| base_on.max(context.as_of));
        let still_needed = goal.amount.saturating_sub(counted);
        row.at_trailing_rates = context
            .run_rates
            .iter()
            .filter(|rate| rate.per_month.currency == currency)
            .map(|rate| ReachAtRate {
                window_months: rate.window_months,
                per_month: rate.per_month,
                reached: reached_at_rate(still_needed, i128::from(rate.per_month.amount_minor), origin),
            })
            .collect();
        if let Some(fair) = context.fair_share {
            row.fair_share = Some(fair_share_reach(context.rates, fair, &goal)?);
        }
    }
    Ok(row)
}

fn run_rate_status(months: &[MonthShortfall], currency: Currency) -> Result<TargetStatus, DomainError> {
    let full: Vec<&MonthShortfall> = months.iter().filter(|m| !m.partial).collect();
    let shortfall: i128 = full.iter().map(|m| i128::from(m.shortfall.amount_minor)).fold(0, i128::saturating_add);
    Ok(TargetStatus::RunRate {
        months: full.len(),
        months_met: full.iter().filter(|m| m.shortfall.amount_minor == 0).count(),
        shortfall: money(shortfall, currency, "run-rate shortfall").ok(),
    })
}

/// Under the fair-share projection: the first payment date on which the goal is met.
fn fair_share_reach(rates: &RateTable, fair: &FairShare, goal: &Goal) -> Result<Reach, DomainError> {
    let currency = goal.series.currency;
    // The measure's base under the projection: an annual need's year may start after F.
    let mut total = goal.series.at(fair.base_on);
    let base = match goal.base_on() {
        Some(base_on) if base_on <= fair.base_on => goal.series.at(base_on),
        Some(base_on) => total.saturating_add(fair_paid(rates, fair, currency, base_on)?),
        None => 0,
    };
    for step in 0..MAX_MONTHS {
        let months = u32::try_from(step).map_err(|_| overflow("fair-share projection"))?;
        let Some(date) = fair.from.checked_add_months(Months::new(months)).filter(|d| *d <= last_date()) else {
            break;
        };
        let paid = rates.convert(fair.per_month, currency, date)?;
        total = total.saturating_add(i128::from(paid.amount_minor));
        let counts = goal.start.is_none_or(|start| date >= start);
        if counts && total.saturating_sub(base) >= goal.amount {
            return Ok(Reach::On(date));
        }
    }
    Ok(Reach::LaterThan(last_date()))
}

/// What the fair-share payments add up to by `until` (inclusive), in `currency`.
fn fair_paid(rates: &RateTable, fair: &FairShare, currency: Currency, until: NaiveDate) -> Result<i128, DomainError> {
    let mut paid: i128 = 0;
    for step in 0..MAX_MONTHS {
        let months = u32::try_from(step).map_err(|_| overflow("fair-share projection"))?;
        match fair.from.checked_add_months(Months::new(months)) {
            Some(date) if date <= until => {
                paid = paid.saturating_add(i128::from(rates.convert(fair.per_month, currency, date)?.amount_minor));
            }
            _ => break,
        }
    }
    Ok(paid)
}

/// The first day of `month`.
fn first_day(month: YearMonth) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(month.year, month.month, 1)
}

/// Per calendar month from the first that counted to the month of `as_of`: counted against the
/// monthly target (in the target's currency).
fn month_rows(series: &Series, target: Money, as_of: NaiveDate) -> Result<Vec<MonthShortfall>, DomainError> {
    let Some(first) = series.points.first() else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    let mut month = first_day(YearMonth::of(first.date)).ok_or_else(|| overflow("month"))?;
    while month <= as_of {
        let next = month.checked_add_months(Months::new(1)).ok_or_else(|| overflow("month"))?;
        let last = next.pred_opt().ok_or_else(|| overflow("month"))?;
        let before = month.pred_opt().unwrap_or(month);
        let counted = series.at(last.min(as_of)).saturating_sub(series.at(before));
        let shortfall = i128::from(target.amount_minor).saturating_sub(counted).max(0);
        rows.push(MonthShortfall {
            month: YearMonth::of(month),
            counted: money(counted, target.currency, "counted in a month")?,
            target,
            shortfall: money(shortfall, target.currency, "shortfall")?,
            partial: as_of < last,
        });
        month = next;
    }
    let excess = rows.len().saturating_sub(MAX_MONTHS);
    rows.drain(..excess);
    Ok(rows)
}

/// The first date the counted total reached each whole billion (up to [`MAX_MILESTONES`]).
fn milestones_of(series: &Series) -> Result<Vec<Milestone>, DomainError> {
    let currency = series.currency;
    let billion = 10_i128
        .checked_pow(currency.exponent())
        .and_then(|unit| unit.checked_mul(1_000_000_000))
        .ok_or_else(|| overflow("a billion"))?;
    let mut milestones = Vec::new();
    let mut next = billion;
    for point in &series.points {
        while point.values[COUNTED] >= next && milestones.len() < MAX_MILESTONES {
            milestones.push(Milestone { amount: money(next, currency, "milestone")?, passed_on: point.date });
            next = next.checked_add(billion).ok_or_else(|| overflow("milestone"))?;
        }
    }
    Ok(milestones)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        crate::parse_date(text).unwrap()
    }

    #[test]
    fn half_even_division_rounds_ties_to_even() {
        let check = |n, d, expect| assert_eq!(div_half_even(n, d), Some(expect), "{n} / {d}");
        check(10, 4, 2); // 2.5 -> 2
        check(14, 4, 4); // 3.5 -> 4
        check(11, 4, 3); // 2.75 -> 3
        check(9, 4, 2); // 2.25 -> 2
        check(-10, 4, -2); // -2.5 -> -2
        check(-14, 4, -4); // -3.5 -> -4
        check(7, 1, 7);
        assert_eq!(div_half_even(1, 0), None);
    }

    #[test]
    fn months_left_is_days_over_thirty_point_four_three_seven_five() {
        let check = |days, expect: &str| assert_eq!(months_left(days).normalize().to_string(), expect, "{days}");
        check(0, "0");
        check(487, "16"); // 16 × 30.4375 = 487
        check(1461, "48"); // four years of 365.25 days
        check(3896, "128");
        // Not whole: 30 days are a little less than a month, 31 a little more.
        assert!(months_left(30) < rust_decimal::Decimal::ONE && months_left(31) > rust_decimal::Decimal::ONE);
    }

    #[test]
    #[allow(clippy::inconsistent_digit_grouping)] // minor units grouped as money
    fn required_rate_is_rounded_up_and_reaches_the_goal_on_its_date() {
        // USD 1,000.00 in 487 days (16 months): 62.50 a month, exactly.
        assert_eq!(required_per_month(100_000, 487), Some(6_250));
        // USD 1.00 in 3 months of 30.4375 days each is not whole days: 1.00 × 30.4375 / 91 =
        // 0.33447..., rounded up to 0.34.
        assert_eq!(required_per_month(100, 91), Some(34));
        assert_eq!(required_per_month(100, 0), None);
        let start = date("2026-03-01");
        for (needed, days) in [(1_234_567_89_i128, 305_u32), (1, 1), (999_999_999_99, 30), (7, 400)] {
            let rate = required_per_month(needed, days).unwrap();
            let deadline = start.checked_add_days(Days::new(u64::from(days))).unwrap();
            match reached_at_rate(needed, rate, start) {
                Reach::On(on) => assert!(on <= deadline, "{needed} in {days} days at {rate}: {on} after {deadline}"),
                other => panic!("{needed} at {rate}: {other:?}"),
            }
            // One minor unit a month less reaches it after the deadline (unless it rounds to it).
            if let Reach::On(on) = reached_at_rate(needed, rate - 1, start) {
                assert!(on >= deadline, "{needed} at {} reached {on} before {deadline}", rate - 1);
            }
        }
    }

    #[test]
    fn never_at_a_zero_or_negative_rate() {
        assert_eq!(reached_at_rate(100, 0, date("2026-01-01")), Reach::Never);
        assert_eq!(reached_at_rate(100, -5, date("2026-01-01")), Reach::Never);
        // Nothing still needed: reached where the remaining time starts.
        assert_eq!(reached_at_rate(0, 0, date("2026-01-01")), Reach::On(date("2026-01-01")));
    }

    #[test]
    fn date_reached_at_a_rate() {
        let start = date("2026-01-01");
        let check = |needed, rate, expect: Reach| assert_eq!(reached_at_rate(needed, rate, start), expect);
        // One month's worth: 30.4375 days, rounded up to 31.
        check(1_000, 1_000, Reach::On(date("2026-02-01")));
        // Four months: 121.75 days -> 122.
        check(4_000, 1_000, Reach::On(date("2026-05-03")));
        // 48 months are 1461 days exactly.
        check(48, 1, Reach::On(date("2030-01-01")));
        // A cent a month toward a billion: far beyond the calendar the projections name.
        check(100_000_000_000, 1, Reach::LaterThan(last_date()));
    }
}
