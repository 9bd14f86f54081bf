//! `tranche targets`: each target's status, the milestones, the run rates and the monthly
//! shortfall; with `--what-if FILE` or `--fair-share-from DATE`, a projection (nothing written).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use tranche_core::targets::{self, Projection, Reach, TargetRow, TargetStatus, TargetsReport, WhatIf};
use tranche_core::{Money, State, TargetKind};
use tranche_io::record::{self, Known};
use tranche_io::targets_wire::TargetsReportDto;

use crate::report::{grouped, print_json, today};

#[derive(clap::Args)]
pub struct TargetsArgs {
    /// Count only records dated on or before this date (YYYY-MM-DD). Default: today.
    #[arg(long, value_parser = crate::report::parse_as_of)]
    as_of: Option<NaiveDate>,
    /// The report as JSON (the shape of `GET /api/v1/targets/report`).
    #[arg(long)]
    json: bool,
    /// Add the records of FILE (the public record's columns) to a copy of the state: a
    /// projection, never written.
    #[arg(long)]
    what_if: Option<PathBuf>,
    /// Project as if every participating party paid its fair share of the monthly run-rate
    /// target from DATE.
    #[arg(long, value_parser = crate::report::parse_as_of)]
    fair_share_from: Option<NaiveDate>,
}

pub fn run(ledger: &crate::AnyLedger, args: TargetsArgs) -> Result<()> {
    crate::report::exercise_banner(ledger);
    let as_of = args.as_of.unwrap_or_else(today);
    let mut projection = Projection { what_if: None, fair_share_from: args.fair_share_from };
    let hypothetical;
    let state = match &args.what_if {
        Some(file) => {
            let (state, records) = with_what_if(ledger, file)?;
            hypothetical = state;
            projection.what_if = Some(WhatIf { records, source: file.display().to_string() });
            &hypothetical
        }
        None => ledger.state(),
    };
    let report = targets::report(state, ledger.rates(), as_of, &projection)?;
    if args.json {
        return print_json(&TargetsReportDto::from(&report));
    }
    print_report(&report);
    Ok(())
}

/// A copy of the state with the records of `file` applied, and how many records they were. Any
/// bad row is an error naming the file, its line and the problem; nothing is written.
fn with_what_if(ledger: &crate::AnyLedger, file: &Path) -> Result<(State, usize)> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read the what-if file {name}"))?;
    let state = ledger.state();
    let parsed = record::parse(&name, &text, &|id| state.has_pledge(id))?;
    // Every what-if record is new: one repeating a stored record is refused (its id exists).
    let plan = record::plan(&name, parsed, state, ledger.rates(), &|_| Known::New);
    if !plan.rejected.is_empty() {
        let problems: Vec<String> = plan.rejected.iter().map(|e| e.to_string()).collect();
        bail!("what-if file {name}: {} bad rows; nothing was projected\n{}", problems.len(), problems.join("\n"));
    }
    let mut hypothetical = state.clone();
    for envelope in &plan.envelopes {
        hypothetical
            .execute(ledger.rates(), &envelope.command)
            .with_context(|| format!("what-if file {name}: {}", envelope.command_id))?;
    }
    Ok((hypothetical, plan.accepted_rows))
}

fn money(money: &Money) -> String {
    format!("{} {}", money.currency, grouped(money))
}

fn reach(reach: &Reach) -> String {
    match reach {
        Reach::On(date) => format!("reached on {date}"),
        Reach::Never => "never at this rate".to_string(),
        Reach::LaterThan(date) => format!("not before {date}"),
    }
}

fn print_report(report: &TargetsReport) {
    if let Some(what_if) = &report.projection.what_if {
        out!("PROJECTION (what-if: {} hypothetical records from {}, nothing written)", what_if.records, what_if.source);
    }
    if let Some(fair) = &report.fair_share {
        out!(
            "PROJECTION (fair share: from {} every participating party pays its share of {} a month ({}); \
             the counted total stands at its value on {} and grows by that each month)",
            fair.from,
            money(&fair.per_month),
            fair.target,
            fair.base_on
        );
    }
    out!(
        "Targets as of {} (counting rules: docs/COUNTING.md; a month is {} days)",
        report.as_of,
        targets::DAYS_PER_MONTH
    );
    for row in &report.targets {
        print_target(row);
    }
    out!("\nMilestones (the first date the counted total reached each whole billion)");
    if report.milestones.is_empty() {
        out!("  none yet");
    }
    for milestone in &report.milestones {
        out!("  {:>24}  passed on {}", money(&milestone.amount), milestone.passed_on);
    }
    out!("\nRun rate (growth of the counted total per month, trailing calendar months to {})", report.as_of);
    for currency in &report.currencies {
        let rates: Vec<String> = report
            .run_rates
            .iter()
            .filter(|r| r.per_month.currency == *currency)
            .map(|r| format!("{} mo {:>17}", r.window_months, grouped(&r.per_month)))
            .collect();
        out!("  {currency}  {}", rates.join("   "));
    }
    if let Some(first) = report.months.first() {
        out!("\nAgainst the monthly run-rate target of {} (shortfall floored at zero)", money(&first.target));
        out!("  {:<8} {:>22} {:>22} {:>22}", "month", "counted", "target", "shortfall");
        for month in &report.months {
            out!(
                "  {:<8} {:>22} {:>22} {:>22}{}",
                month.month.to_string(),
                grouped(&month.counted),
                grouped(&month.target),
                grouped(&month.shortfall),
                if month.partial { "  (month not over)" } else { "" }
            );
        }
    }
}

fn print_target(row: &TargetRow) {
    let what = match row.kind {
        TargetKind::MonthlyRunRate => format!("monthly run rate {} a month (set {})", money(&row.amount), row.date),
        TargetKind::CumulativeGoal => format!("cumulative goal {} by {}", money(&row.amount), row.date),
        TargetKind::AnnualNeed => {
            let from = row.counts_from.map_or(String::new(), |d| format!(" from {d}"));
            format!("annual need {} by {} (counted{from})", money(&row.amount), row.date)
        }
    };
    out!("\n{} {what}", row.id);
    if let Some(counted) = &row.counted {
        out!("  counted          {}", money(counted));
    }
    match &row.status {
        TargetStatus::Reached { on } => out!("  reached on       {on}"),
        TargetStatus::Missed { by, reached_later_on } => {
            out!("  missed on its date by {}", money(by));
            match reached_later_on {
                Some(on) => out!("  reached later on {on}"),
                None => out!("  not reached yet"),
            }
        }
        TargetStatus::Open { still_needed, days_left, required_per_month } => {
            let months = targets::months_left(*days_left)
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointNearestEven);
            out!("  open; still needed {}", money(still_needed));
            out!("  {days_left} days left ({months} months); required {} a month", money(required_per_month));
        }
        TargetStatus::RunRate { months, months_met, shortfall } => {
            let shortfall = shortfall.as_ref().map_or("beyond the amount limit".to_string(), money);
            out!("  {months_met} of {months} full months met it; summed shortfall {shortfall}");
        }
    }
    for at in &row.at_trailing_rates {
        out!(
            "  projection at the trailing {}-month rate ({} a month): {}",
            at.window_months,
            money(&at.per_month),
            reach(&at.reached)
        );
    }
    if let Some(fair) = &row.fair_share {
        out!("  projection under fair shares: {}", reach(fair));
    }
}
