//! The targets report's wire form: `tranche targets --json` and `GET /api/v1/targets/report`.
//! Amounts are decimal strings in the currency named beside them, dates `YYYY-MM-DD`. Every field
//! is always present (`null` when it does not apply), so the shape is the same for every target.
//! Figures that are projections sit under a `projected` key or carry `"projection": true`; when the
//! state itself includes hypothetical (what-if) records, `projection.is_projection` is true and
//! every figure is one.

use serde::Serialize;
use tranche_core::money::Money;
use tranche_core::targets::{
    FairShare, Milestone, MonthShortfall, Projection, Reach, ReachAtRate, RunRate, TargetRow, TargetStatus,
    TargetsReport,
};

/// The whole report.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetsReportDto {
    pub as_of: String,
    pub projection: ProjectionDto,
    /// Days in a month for rates and projections (`30.4375`, 365.25 / 12).
    pub days_per_month: String,
    pub targets: Vec<TargetStatusDto>,
    /// The first date the counted total reached each whole billion, per currency.
    pub milestones: Vec<MilestoneDto>,
    /// The counted total's growth per month over the trailing 1, 3 and 6 calendar months.
    pub run_rates: Vec<RunRateDto>,
    /// Per calendar month against the monthly run-rate target (empty without one).
    pub months: Vec<MonthShortfallDto>,
    /// The fair-share projection's terms (`null` without `fair_share_from`).
    pub fair_share: Option<FairShareProjectionDto>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectionDto {
    /// True when any figure is hypothetical (what-if records or a fair-share projection).
    pub is_projection: bool,
    /// Hypothetical records included in the state (never written).
    pub what_if: Option<WhatIfDto>,
    pub fair_share_from: Option<String>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WhatIfDto {
    pub records: usize,
    pub source: String,
}

/// One target. `status` is `reached`, `missed`, `open` or `run-rate`; the fields of the other
/// statuses are `null`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetStatusDto {
    pub id: String,
    /// `monthly-run-rate`, `cumulative-goal` or `annual-need`.
    pub kind: String,
    pub currency: String,
    pub amount: String,
    pub date: String,
    /// An annual need counts from 1 January of its year; `null` for the others.
    pub counts_from: Option<String>,
    /// What counts toward it on `as_of` (`null` for a run rate).
    pub counted: Option<String>,
    pub status: String,
    /// `reached`: the first date it was met.
    pub reached_on: Option<String>,
    /// `missed`: short by this on its date, and met later on `reached_later_on` (or `null`).
    pub missed_by: Option<String>,
    pub reached_later_on: Option<String>,
    /// `open`: still needed, days and months left (days / 30.4375, to four decimals, half-even:
    /// shown only; the rate is computed from the days), and the monthly rate
    /// that reaches it on its date (rounded up to the minor unit).
    pub still_needed: Option<String>,
    pub days_left: Option<u32>,
    pub months_left: Option<String>,
    pub required_per_month: Option<String>,
    /// `run-rate`: full months in the monthly table, how many met the target, their summed
    /// shortfall (`null` when it adds up past the amount limit).
    pub months: Option<usize>,
    pub months_met: Option<usize>,
    pub shortfall: Option<String>,
    /// Projections for a goal not met by `as_of` (`null` otherwise).
    pub projected: Option<ProjectedDto>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectedDto {
    /// Always true: these figures are projections.
    pub projection: bool,
    pub at_trailing_rates: Vec<ReachAtRateDto>,
    /// When it is reached under the fair-share projection (`null` without one).
    pub fair_share: Option<ReachDto>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReachAtRateDto {
    pub window_months: u32,
    pub per_month: String,
    pub reached: ReachDto,
}

/// `on` a date; `never` at this rate (zero or less); `later-than` the date (beyond the calendar
/// the projections name).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReachDto {
    pub kind: String,
    pub date: Option<String>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MilestoneDto {
    pub currency: String,
    pub amount: String,
    pub passed_on: String,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunRateDto {
    pub currency: String,
    pub window_months: u32,
    /// The window starts after this date and ends on `as_of`.
    pub from: String,
    pub per_month: String,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthShortfallDto {
    pub month: String,
    pub currency: String,
    pub counted: String,
    pub target: String,
    pub shortfall: String,
    /// The month of `as_of`, not yet over.
    pub partial: bool,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FairShareProjectionDto {
    /// Always true.
    pub projection: bool,
    pub from: String,
    /// The monthly run-rate target the shares add up to.
    pub target: String,
    pub currency: String,
    pub per_month: String,
    /// The counted total stands at its value on this date before the projected payments.
    pub base_on: String,
}

fn amount(money: &Money) -> String {
    money.to_decimal_string()
}

impl From<&TargetsReport> for TargetsReportDto {
    fn from(report: &TargetsReport) -> TargetsReportDto {
        TargetsReportDto {
            as_of: report.as_of.to_string(),
            projection: ProjectionDto::from(&report.projection),
            days_per_month: tranche_core::targets::DAYS_PER_MONTH.to_string(),
            targets: report.targets.iter().map(TargetStatusDto::from).collect(),
            milestones: report.milestones.iter().map(MilestoneDto::from).collect(),
            run_rates: report.run_rates.iter().map(RunRateDto::from).collect(),
            months: report.months.iter().map(MonthShortfallDto::from).collect(),
            fair_share: report.fair_share.as_ref().map(FairShareProjectionDto::from),
        }
    }
}

impl From<&Projection> for ProjectionDto {
    fn from(projection: &Projection) -> ProjectionDto {
        ProjectionDto {
            is_projection: projection.is_projection(),
            what_if: projection.what_if.as_ref().map(|w| WhatIfDto { records: w.records, source: w.source.clone() }),
            fair_share_from: projection.fair_share_from.map(|d| d.to_string()),
        }
    }
}

impl From<&TargetRow> for TargetStatusDto {
    fn from(row: &TargetRow) -> TargetStatusDto {
        let mut dto = TargetStatusDto {
            id: row.id.to_string(),
            kind: row.kind.to_string(),
            currency: row.amount.currency.to_string(),
            amount: amount(&row.amount),
            date: row.date.to_string(),
            counts_from: row.counts_from.map(|d| d.to_string()),
            counted: row.counted.as_ref().map(amount),
            status: String::new(),
            reached_on: None,
            missed_by: None,
            reached_later_on: None,
            still_needed: None,
            days_left: None,
            months_left: None,
            required_per_month: None,
            months: None,
            months_met: None,
            shortfall: None,
            projected: None,
        };
        match &row.status {
            TargetStatus::Reached { on } => {
                dto.status = "reached".into();
                dto.reached_on = Some(on.to_string());
            }
            TargetStatus::Missed { by, reached_later_on } => {
                dto.status = "missed".into();
                dto.missed_by = Some(amount(by));
                dto.reached_later_on = reached_later_on.map(|d| d.to_string());
            }
            TargetStatus::Open { still_needed, days_left, required_per_month } => {
                dto.status = "open".into();
                dto.still_needed = Some(amount(still_needed));
                dto.days_left = Some(*days_left);
                let months = tranche_core::targets::months_left(*days_left);
                let months = months.round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointNearestEven);
                dto.months_left = Some(months.normalize().to_string());
                dto.required_per_month = Some(amount(required_per_month));
            }
            TargetStatus::RunRate { months, months_met, shortfall } => {
                dto.status = "run-rate".into();
                dto.months = Some(*months);
                dto.months_met = Some(*months_met);
                dto.shortfall = shortfall.as_ref().map(amount);
            }
        }
        if !row.at_trailing_rates.is_empty() || row.fair_share.is_some() {
            dto.projected = Some(ProjectedDto {
                projection: true,
                at_trailing_rates: row.at_trailing_rates.iter().map(ReachAtRateDto::from).collect(),
                fair_share: row.fair_share.as_ref().map(ReachDto::from),
            });
        }
        dto
    }
}

impl From<&ReachAtRate> for ReachAtRateDto {
    fn from(at: &ReachAtRate) -> ReachAtRateDto {
        ReachAtRateDto {
            window_months: at.window_months,
            per_month: amount(&at.per_month),
            reached: (&at.reached).into(),
        }
    }
}

impl From<&Reach> for ReachDto {
    fn from(reach: &Reach) -> ReachDto {
        let (kind, date) = match reach {
            Reach::On(date) => ("on", Some(date.to_string())),
            Reach::Never => ("never", None),
            Reach::LaterThan(date) => ("later-than", Some(date.to_string())),
        };
        ReachDto { kind: kind.to_string(), date }
    }
}

impl From<&Milestone> for MilestoneDto {
    fn from(milestone: &Milestone) -> MilestoneDto {
        MilestoneDto {
            currency: milestone.amount.currency.to_string(),
            amount: amount(&milestone.amount),
            passed_on: milestone.passed_on.to_string(),
        }
    }
}

impl From<&RunRate> for RunRateDto {
    fn from(rate: &RunRate) -> RunRateDto {
        RunRateDto {
            currency: rate.per_month.currency.to_string(),
            window_months: rate.window_months,
            from: rate.from.to_string(),
            per_month: amount(&rate.per_month),
        }
    }
}

impl From<&MonthShortfall> for MonthShortfallDto {
    fn from(month: &MonthShortfall) -> MonthShortfallDto {
        MonthShortfallDto {
            month: month.month.to_string(),
            currency: month.target.currency.to_string(),
            counted: amount(&month.counted),
            target: amount(&month.target),
            shortfall: amount(&month.shortfall),
            partial: month.partial,
        }
    }
}

impl From<&FairShare> for FairShareProjectionDto {
    fn from(fair: &FairShare) -> FairShareProjectionDto {
        FairShareProjectionDto {
            projection: true,
            from: fair.from.to_string(),
            target: fair.target.to_string(),
            currency: fair.per_month.currency.to_string(),
            per_month: amount(&fair.per_month),
            base_on: fair.base_on.to_string(),
        }
    }
}
