//! What each dashboard page shows, built from the state alone (no HTTP here): headline figures,
//! series for the charts, table rows for display, and the same rows as a dataset for download.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use tranche_core::auth::Reader;
use tranche_core::procurement::PackageState;
use tranche_core::series::{COMMITTED, COUNTED, Flows, PAID, Point, value_on};
use tranche_core::targets::{self, TargetStatus};
use tranche_core::{
    Currency, DomainError, FxError, Money, PartyId, Pledge, PledgeKind, PledgeStatus, RateTable, State, TargetKind,
    YearMonth, summarise,
};
use tranche_io::wire;

use super::charts;
use super::i18n::{self, Arg, Lang};
pub use crate::datasets::{ColumnType, CurrencyOf, Dataset, csv_cell, flag, grouped, minor_decimal};

pub fn shown(money: &Money) -> String {
    format!("{} {}", money.currency, grouped(&money.to_decimal_string()))
}

/// A percentage (a plain decimal) in `lang`: `12.3%`, `12,3 %`.
pub fn percent(lang: Lang, plain: &str) -> String {
    match lang {
        Lang::En => format!("{}%", i18n::decimal(lang, plain)),
        Lang::Fr => format!("{}\u{A0}%", i18n::decimal(lang, plain)),
    }
}

/// A dataset's rows as a page shows them in `lang`: amounts and decimals written the
/// language's way, the rest as they are.
pub fn shown_rows(lang: Lang, dataset: &Dataset) -> Vec<Vec<String>> {
    let cell = |(value, kind): (&String, &ColumnType)| match kind {
        ColumnType::Amount(_) | ColumnType::Decimal => i18n::decimal(lang, value),
        _ => value.clone(),
    };
    dataset.rows.iter().map(|row| row.iter().zip(&dataset.types).map(cell).collect()).collect()
}

/// A month on a chart's axis in `lang`, short: `Mar 26`, `mars 26`.
fn month_label(lang: Lang, month: YearMonth) -> String {
    const EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const FR: [&str; 12] =
        ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
    let names = match lang {
        Lang::En => EN,
        Lang::Fr => FR,
    };
    let name = usize::try_from(month.month)
        .ok()
        .and_then(|m| m.checked_sub(1))
        .and_then(|i| names.get(i))
        .copied()
        .unwrap_or_default();
    format!("{name} {:02}", month.year.rem_euclid(100))
}

/// A word of the record (a status, a package state, a kind of record, a confidence, a filter
/// value) as a page shows it in `lang`; the machine-readable attributes and downloads keep the
/// word itself. A word not listed here is shown as it is.
pub fn word(lang: Lang, text: &str) -> String {
    match text {
        "announced" => lang.t("word-announced"),
        "committed" => lang.t("word-committed"),
        "part-paid" => lang.t("word-part-paid"),
        "paid" => lang.t("word-paid"),
        "withdrawn" => lang.t("word-withdrawn"),
        "superseded" => lang.t("word-superseded"),
        "participating" => lang.t("word-participating"),
        "declined" => lang.t("word-declined"),
        "non-participation" => lang.t("word-non-participation"),
        "deferred" => lang.t("word-deferred"),
        "draft" => lang.t("word-draft"),
        "proposed" => lang.t("word-proposed"),
        "approved" => lang.t("word-approved"),
        "open" => lang.t("word-open"),
        "funded" => lang.t("word-funded"),
        "contracted" => lang.t("word-contracted"),
        "delivering" => lang.t("word-delivering"),
        "delivered" => lang.t("word-delivered"),
        "closed" => lang.t("word-closed"),
        "cancelled" => lang.t("word-cancelled"),
        "pledge" => lang.t("word-pledge"),
        "joint-package" => lang.t("word-joint-package"),
        "contingent" => lang.t("word-contingent"),
        "participation" => lang.t("word-participation"),
        "target" => lang.t("word-target"),
        "yes" => lang.t("word-yes"),
        "no" => lang.t("word-no"),
        "undisclosed" => lang.t("word-undisclosed"),
        "remainder" => lang.t("word-remainder"),
        "apart" => lang.t("word-apart"),
        "monthly-run-rate" => lang.t("word-monthly-run-rate"),
        "cumulative-goal" => lang.t("word-cumulative-goal"),
        "annual-need" => lang.t("word-annual-need"),
        "confirmed" => lang.t("word-confirmed"),
        "reported" => lang.t("word-reported"),
        "uncertain" => lang.t("word-uncertain"),
        "announced (contingent)" => lang.t("word-announced-contingent"),
        "joint-package total" => lang.t("word-joint-package-total"),
        other => other.to_string(),
    }
}

/// The overview's funnel as shown in `lang`: each stage's name, definition, amount and share.
pub struct FunnelView {
    pub currency: Currency,
    pub stages: Vec<StageView>,
}

pub struct StageView {
    pub key: &'static str,
    pub label: String,
    pub definition: String,
    pub shown: String,
    /// The plain decimal (for `data-value`); empty when none is recorded.
    pub plain: String,
    pub percent: String,
    pub bar: String,
}

/// A funnel stage's name and definition in `lang`.
fn stage_words(lang: Lang, key: &str) -> (String, String) {
    match key {
        "pledged" => (lang.t("funnel-pledged"), lang.t("funnel-pledged-definition")),
        "committed" => (lang.t("funnel-committed"), lang.t("funnel-committed-definition")),
        "paid" => (lang.t("funnel-paid"), lang.t("funnel-paid-definition")),
        "allocated" => (lang.t("funnel-allocated"), lang.t("funnel-allocated-definition")),
        "contracted" => (lang.t("funnel-contracted"), lang.t("funnel-contracted-definition")),
        "disbursed" => (lang.t("funnel-disbursed"), lang.t("funnel-disbursed-definition")),
        "delivered" => (lang.t("funnel-delivered"), lang.t("funnel-delivered-definition")),
        other => (other.to_string(), String::new()),
    }
}

/// The funnel's stages in `lang`, its amounts and shares written the language's way.
pub fn funnel_view(lang: Lang, funnel: &super::glance::Funnel) -> FunnelView {
    let pledged = funnel.stage("pledged").and_then(|s| s.amount_minor).filter(|p| *p > 0);
    let stages = (funnel.stages.iter())
        .map(|stage| {
            let (label, definition) = stage_words(lang, stage.key);
            let share = match (stage.amount_minor, pledged) {
                (Some(a), Some(b)) => a as f64 / b as f64,
                _ => 0.0,
            };
            let percent = match (stage.amount_minor, pledged) {
                (Some(_), Some(_)) => percent(lang, &format!("{:.1}", share * 100.0)),
                _ => "—".to_string(),
            };
            let title = lang
                .t_args("funnel-bar-title", &[("stage", label.as_str().into()), ("percent", percent.as_str().into())]);
            StageView {
                key: stage.key,
                shown: (stage.amount_minor)
                    .map(|minor| i18n::money_minor(lang, minor, funnel.currency))
                    .unwrap_or_else(|| lang.t("none-recorded")),
                plain: stage.plain.clone(),
                bar: charts::funding_bar(&title, share),
                percent,
                label,
                definition,
            }
        })
        .collect();
    FunnelView { currency: funnel.currency, stages }
}

/// A reason as HTML, each "(rule N)" (French "(règle N)") a link to the rule on `/rules`.
pub fn rule_links(lang: Lang, text: &str) -> String {
    match lang {
        Lang::En => super::rules::links(text),
        Lang::Fr => super::rules::links(&text.replace("(règle ", "(rule ")).replace("\">rule ", "\">règle "),
    }
}

/// Billions, for a chart's axis (approximate by nature; tables carry the exact figures).
pub(super) fn billions(minor: i128, currency: Currency) -> f64 {
    minor as f64 / 10f64.powi(currency.exponent() as i32) / 1e9
}

pub struct Headline {
    pub as_of: String,
    pub eur: String,
    pub eur_plain: String,
    pub usd: String,
    pub usd_plain: String,
    pub contributors: usize,
    pub undisclosed: usize,
    pub declined: Vec<String>,
    pub contingent: usize,
    pub synthetic: bool,
}

pub struct GoalRow {
    pub label: String,
    pub amount: String,
    pub date: String,
    pub reached: Option<String>,
    pub source: SourceView,
    /// What counts toward it on the as-of date, as a percentage of it (the targets report's
    /// `counted`: for an annual need, what its year added).
    pub met_percent: String,
    /// For an open goal, the monthly rate that reaches it on its date (the targets report's).
    pub required_per_month: String,
    pub target: String,
}

pub struct Overview {
    pub headline: Headline,
    pub cumulative_svg: String,
    pub cumulative_currency: String,
    pub monthly_svg: String,
    pub monthly_currency: String,
    pub monthly_target: Option<String>,
    /// The counted total's trailing 3-month run rate in the cumulative currency (the targets
    /// report's), shown.
    pub run_rate: String,
    pub goals: Vec<GoalRow>,
    /// Each open goal projected (the targets report's figures).
    pub projections: Vec<GoalProjection>,
    /// Why the targets report, and so the projections, could not be computed.
    pub projection_error: Option<String>,
    /// Why no projection is drawn although the report could be computed: its trailing window
    /// holds no record.
    pub projection_left_out: Option<String>,
    /// Per month on the as-of basis (what `tranche report months` gives).
    pub months: Dataset,
    /// Per month, counted to date on the as-of basis beside the counted total as it stood at
    /// each month's end (records later superseded still in it), and the difference.
    pub months_at_the_time: Dataset,
}

/// The trailing window, in calendar months, of the overview's projections.
pub const PROJECTION_WINDOW_MONTHS: u32 = 3;

/// An open goal (cumulative goal or annual need not yet met) projected: what it still needs, the
/// monthly rate that reaches it on its date, and when it is reached at the trailing 3-month rate.
/// Every figure is the targets report's (`GET /api/v1/targets/report`), as its wire form gives it.
pub struct GoalProjection {
    pub target: String,
    pub currency: String,
    pub date: String,
    pub still_needed: String,
    pub required_per_month: String,
    pub rate_per_month: String,
    /// `on`, `never` or `later-than` (the wire form's `reached.kind`).
    pub reached_kind: String,
    pub reached_date: String,
    /// The same figures as one sentence.
    pub sentence: String,
}

/// The open goals of a targets report, projected at the trailing 3-month rate, said in `lang`.
fn goal_projections(lang: Lang, report: &targets::TargetsReport) -> Vec<GoalProjection> {
    let dto = tranche_io::targets_wire::TargetsReportDto::from(report);
    dto.targets
        .iter()
        .filter(|t| t.status == "open")
        .filter_map(|t| {
            let at_rate =
                t.projected.as_ref()?.at_trailing_rates.iter().find(|r| r.window_months == PROJECTION_WINDOW_MONTHS)?;
            let money = |plain: &str| match lang {
                Lang::En => format!("{} {}", t.currency, i18n::decimal(lang, plain)),
                Lang::Fr => format!("{}\u{A0}{}", i18n::decimal(lang, plain), t.currency),
            };
            let still_needed = t.still_needed.clone().unwrap_or_default();
            let required = t.required_per_month.clone().unwrap_or_default();
            let reached_date = at_rate.reached.date.clone().unwrap_or_default();
            let on = Arg::from(reached_date.as_str());
            let reached = match at_rate.reached.kind.as_str() {
                "on" => lang.t_args("projection-reached-on", &[("date", on)]),
                "later-than" => lang.t_args("projection-reached-later", &[("date", on)]),
                _ => lang.t("projection-never"),
            };
            let kind = match t.kind.as_str() {
                "annual-need" => {
                    lang.t_args("projection-annual-need", &[("year", t.date.get(..4).unwrap_or_default().into())])
                }
                _ => lang.t("projection-cumulative-goal"),
            };
            let sentence = lang.t_args(
                "projection-sentence",
                &[
                    ("target", t.id.as_str().into()),
                    ("kind", kind.into()),
                    ("amount", money(&t.amount).into()),
                    ("date", t.date.as_str().into()),
                    ("still-needed", money(&still_needed).into()),
                    ("required", money(&required).into()),
                    ("months", Arg::Count(i64::from(PROJECTION_WINDOW_MONTHS))),
                    ("rate", money(&at_rate.per_month).into()),
                    ("reached", reached.into()),
                ],
            );
            Some(GoalProjection {
                target: t.id.clone(),
                currency: t.currency.clone(),
                date: t.date.clone(),
                still_needed,
                required_per_month: required,
                rate_per_month: at_rate.per_month.clone(),
                reached_kind: at_rate.reached.kind.clone(),
                reached_date,
                sentence,
            })
        })
        .collect()
}

/// A projection drawn on the cumulative chart.
struct ProjectedLine {
    label: String,
    colour: plotters::prelude::RGBColor,
    points: Vec<(NaiveDate, f64)>,
}

/// Straight dashed lines from `(as_of, now)` for the chart in `currency`: the projection at the
/// trailing 3-month rate to `horizon`, and for each open goal in that currency the line its
/// required monthly rate follows to its date. Approximate by nature (f64 billions, for the eye).
fn projection_lines(
    lang: Lang,
    report: &targets::TargetsReport,
    currency: Currency,
    as_of: NaiveDate,
    now_minor: i128,
    horizon: NaiveDate,
) -> Vec<ProjectedLine> {
    let months = |days: i64| days as f64 / 30.4375;
    let mut lines = Vec::new();
    let rate = report
        .run_rates
        .iter()
        .find(|r| r.window_months == PROJECTION_WINDOW_MONTHS && r.per_month.currency == currency);
    if let Some(rate) = rate {
        let ahead = months((horizon - as_of).num_days().max(0));
        let end = billions(now_minor, currency) + billions(i128::from(rate.per_month.amount_minor), currency) * ahead;
        lines.push(ProjectedLine {
            label: lang.t_args("chart-projection", &[("months", Arg::Count(i64::from(PROJECTION_WINDOW_MONTHS)))]),
            colour: charts::PROJECTION,
            points: vec![(as_of, billions(now_minor, currency)), (horizon.max(as_of), end)],
        });
    }
    for row in &report.targets {
        let TargetStatus::Open { still_needed, .. } = &row.status else { continue };
        if still_needed.currency != currency {
            continue;
        }
        let end = now_minor + i128::from(still_needed.amount_minor);
        lines.push(ProjectedLine {
            label: lang.t_args("chart-required", &[("target", row.id.to_string().into())]),
            colour: charts::REQUIRED,
            points: vec![(as_of, billions(now_minor, currency)), (row.date.max(as_of), billions(end, currency))],
        });
    }
    lines
}
/// The most months the monthly chart shows (the latest ones).
const MAX_MONTHS: usize = 24;

pub(super) fn month_end(month: YearMonth) -> NaiveDate {
    let (year, next) = if month.month == 12 { (month.year + 1, 1) } else { (month.year, month.month + 1) };
    NaiveDate::from_ymd_opt(year, next, 1).and_then(|d| d.pred_opt()).expect("a valid month")
}

pub(super) fn next_month(month: YearMonth) -> YearMonth {
    if month.month == 12 {
        YearMonth { year: month.year + 1, month: 1 }
    } else {
        YearMonth { month: month.month + 1, ..month }
    }
}

/// The overview's figures, its words and numbers in `lang` (its datasets stay plain).
pub fn overview(
    lang: Lang,
    state: &State,
    rates: &RateTable,
    currencies: &[Currency],
    as_of: NaiveDate,
) -> Result<Overview, DomainError> {
    let goals_in_force: Vec<&tranche_core::Target> = state.targets.values().collect();
    let cumulative_currency = goals_in_force
        .iter()
        .find(|t| t.kind == TargetKind::CumulativeGoal)
        .map(|t| t.amount.currency)
        .unwrap_or(Currency::USD);
    // The month table's to-date column is a sum of the summary's months in the cumulative currency.
    let mut counted_in = currencies.to_vec();
    if !counted_in.contains(&cumulative_currency) {
        counted_in.push(cumulative_currency);
    }
    let summary = summarise(state, rates, as_of, &counted_in)?;
    // The projections are the targets report's; when it cannot be computed (an amount beyond the
    // report's range), the overview still shows the record, and says why it has no projection.
    let (report, projection_error) = match targets::report(state, rates, as_of, &targets::Projection::none()) {
        Ok(report) => (Some(report), None),
        Err(error) => (None, Some(error.to_string())),
    };
    let total = |c: Currency| summary.totals.get(&c).copied();
    let monthly = goals_in_force.iter().find(|t| t.kind == TargetKind::MonthlyRunRate);
    let monthly_currency = monthly
        .map(|t| t.amount.currency)
        .filter(|c| currencies.contains(c))
        .unwrap_or_else(|| currencies.first().copied().unwrap_or(Currency::EUR));
    let flows = Flows::compute(state, rates, cumulative_currency)?;
    let points = flows.total(as_of);

    let headline = Headline {
        as_of: as_of.to_string(),
        eur: total(Currency::EUR).map(|m| i18n::money(lang, &m)).unwrap_or_default(),
        eur_plain: total(Currency::EUR).map(|m| m.to_decimal_string()).unwrap_or_default(),
        usd: total(Currency::USD).map(|m| i18n::money(lang, &m)).unwrap_or_default(),
        usd_plain: total(Currency::USD).map(|m| m.to_decimal_string()).unwrap_or_default(),
        contributors: summary.contributors,
        undisclosed: summary.undisclosed,
        declined: summary.declined.iter().map(|p| p.to_string()).collect(),
        contingent: summary.contingent,
        synthetic: state.pledges().iter().any(|p| p.id.as_str().starts_with("EX-")),
    };

    // Goals: reached on the first date the counted series meets them.
    let mut goals = Vec::new();
    let mut levels = Vec::new();
    let mut horizon = NaiveDate::from_ymd_opt(as_of.year(), 12, 31).expect("a valid date");
    for target in &goals_in_force {
        if !matches!(target.kind, TargetKind::CumulativeGoal | TargetKind::AnnualNeed) {
            continue;
        }
        let series;
        let in_currency: &[Point] = if target.amount.currency == cumulative_currency {
            &points
        } else {
            series = Flows::compute(state, rates, target.amount.currency)?.total(as_of);
            &series
        };
        let goal = i128::from(target.amount.amount_minor);
        let reached = match target.kind {
            TargetKind::CumulativeGoal => in_currency.iter().find(|p| p.values[COUNTED] >= goal).map(|p| p.date),
            _ => {
                let start = NaiveDate::from_ymd_opt(target.date.year(), 1, 1).expect("a valid date");
                let before = value_on(in_currency, start.pred_opt().unwrap_or(start))[COUNTED];
                in_currency
                    .iter()
                    .filter(|p| p.date >= start)
                    .find(|p| p.values[COUNTED] - before >= goal)
                    .map(|p| p.date)
            }
        };
        let label = match target.kind {
            TargetKind::CumulativeGoal => lang.t_args(
                "goal-label-cumulative",
                &[("amount", i18n::money(lang, &target.amount).into()), ("date", target.date.to_string().into())],
            ),
            _ => lang.t_args(
                "goal-label-annual",
                &[
                    ("year", target.date.year().to_string().into()),
                    ("amount", i18n::money(lang, &target.amount).into()),
                ],
            ),
        };
        if target.amount.currency == cumulative_currency {
            // An annual need is drawn where the cumulative total meets it: the total on 31
            // December before its year plus the need.
            let level = match target.kind {
                TargetKind::CumulativeGoal => Some(goal),
                _ => NaiveDate::from_ymd_opt(target.date.year() - 1, 12, 31)
                    .map(|end| value_on(in_currency, end.min(as_of))[COUNTED].saturating_add(goal)),
            };
            if let Some(level) = level {
                horizon = horizon.max(target.date);
                levels.push((label.clone(), billions(level, cumulative_currency)));
            }
        }
        let row = report.iter().flat_map(|r| &r.targets).find(|r| r.id == target.id);
        let met_percent = row
            .and_then(|r| r.counted)
            .filter(|_| goal > 0)
            .map(|counted| percent(lang, &format!("{:.1}", 100.0 * counted.amount_minor as f64 / goal as f64)));
        let required_per_month = row.and_then(|r| match &r.status {
            TargetStatus::Open { required_per_month, .. } => Some(i18n::money(lang, required_per_month)),
            _ => None,
        });
        goals.push(GoalRow {
            label,
            amount: i18n::money(lang, &target.amount),
            date: target.date.to_string(),
            reached: reached.map(|d| d.to_string()),
            source: SourceView::of(target.source.url.as_deref().unwrap_or_default()),
            met_percent: met_percent.unwrap_or_else(|| "—".into()),
            required_per_month: required_per_month.unwrap_or_else(|| "—".into()),
            target: target.id.to_string(),
        });
    }

    for row in report.iter().flat_map(|r| &r.targets) {
        if matches!(row.status, TargetStatus::Open { .. }) && row.amount.currency == cumulative_currency {
            horizon = horizon.max(row.date);
        }
    }
    // The figures know nothing after the record's cut-off: months after it are not drawn as
    // zero months, and a projection whose trailing window holds no record is left out.
    let cutoff = record_cutoff(state, as_of);
    let window_start = as_of.checked_sub_months(chrono::Months::new(PROJECTION_WINDOW_MONTHS)).unwrap_or(as_of);
    let projection_left_out = match cutoff {
        Some(cutoff) if cutoff > window_start => None,
        _ => {
            let months = ("months", Arg::Count(i64::from(PROJECTION_WINDOW_MONTHS)));
            let as_of = ("as-of", Arg::from(as_of.to_string()));
            Some(match cutoff {
                Some(d) => lang.t_args("projection-left-out", &[months, as_of, ("latest", d.to_string().into())]),
                None => lang.t_args("projection-left-out-no-record", &[months, as_of]),
            })
        }
    };
    let report = report.filter(|_| projection_left_out.is_none());
    let drawn_to = cutoff.unwrap_or(as_of);
    let now = value_on(&points, as_of);
    let run_rate = report
        .iter()
        .flat_map(|r| &r.run_rates)
        .find(|r| r.window_months == PROJECTION_WINDOW_MONTHS && r.per_month.currency == cumulative_currency)
        .map(|r| i18n::money(lang, &r.per_month))
        .unwrap_or_default();
    let line = |label, colour, measure: usize| charts::Line {
        label,
        colour,
        points: points.iter().map(|p| (p.date, billions(p.values[measure], cumulative_currency))).collect(),
        dashed: false,
    };
    let words = [lang.t("chart-counted"), lang.t("chart-committed"), lang.t("chart-paid")];
    let mut lines = vec![
        line(&words[0], charts::COUNTED, COUNTED),
        line(&words[1], charts::COMMITTED, COMMITTED),
        line(&words[2], charts::PAID, PAID),
    ];
    for l in &mut lines {
        l.points.push((drawn_to, l.points.last().map_or(0.0, |p| p.1)));
    }
    let projected = match &report {
        Some(report) => projection_lines(lang, report, cumulative_currency, as_of, now[COUNTED], horizon),
        None => Vec::new(),
    };
    for line in &projected {
        lines.push(charts::Line { label: &line.label, colour: line.colour, points: line.points.clone(), dashed: true });
    }
    let level_refs: Vec<charts::Level> = levels.iter().map(|(l, v)| charts::Level { label: l, value: *v }).collect();
    let unit = lang.t_args("chart-unit-bn", &[("currency", cumulative_currency.to_string().into())]);
    let cumulative_svg = charts::cumulative(
        lang,
        &lang.t_args("chart-cumulative-title", &[("currency", cumulative_currency.to_string().into())]),
        &unit,
        &lines,
        &level_refs,
        (640, 360),
    );

    // Monthly bars: every month from the first record to the month of the record's cut-off.
    let mut months = Vec::new();
    if let Some(first) = summary.by_month.keys().next().copied() {
        let mut month = first;
        let last = YearMonth::of(drawn_to);
        while month <= last {
            months.push(month);
            month = next_month(month);
        }
    }
    let shown_months = &months[months.len().saturating_sub(MAX_MONTHS)..];
    let counted_in_month = |month: &YearMonth, currency: Currency| {
        summary.by_month.get(month).and_then(|a| a.get(&currency)).map_or(0, |m| i128::from(m.amount_minor))
    };
    let counted_in = |month: &YearMonth| counted_in_month(month, monthly_currency);
    let bars: Vec<(String, f64)> =
        shown_months.iter().map(|m| (month_label(lang, *m), billions(counted_in(m), monthly_currency))).collect();
    let target_amount = monthly.filter(|t| t.amount.currency == monthly_currency).map(|t| t.amount);
    let target_label =
        target_amount.map(|m| lang.t_args("chart-monthly-target", &[("amount", i18n::money(lang, &m).into())]));
    let monthly_svg = charts::bars(
        lang,
        &lang.t_args("chart-monthly-title", &[("currency", monthly_currency.to_string().into())]),
        &lang.t_args("chart-unit-bn", &[("currency", monthly_currency.to_string().into())]),
        &bars,
        target_amount
            .zip(target_label.as_deref())
            .map(|(m, label)| charts::Level { label, value: billions(i128::from(m.amount_minor), monthly_currency) }),
        (640, 360),
    );

    // Committed and paid are not reported up to the first commitment the record holds (before
    // it, the record holds only announcements): an empty cell, never 0.00.
    let first_commitment = state.pledges().iter().filter_map(|p| p.committed_on).filter(|d| *d <= as_of).min();
    let reported = |minor: i128, day: NaiveDate| match first_commitment.is_some_and(|first| first <= day) {
        true => minor_decimal(minor, cumulative_currency),
        false => String::new(),
    };
    // One basis for the table: the counting rules on `as_of` (what `tranche report months`
    // gives). Counted to date is the sum of the months so far on that basis, not the counted
    // series at each month's end, which holds records as they stood then (later superseded).
    // Committed and paid to date are dated events: their sums by each month's end.
    let mut to_date: i128 = 0;
    let mut rows = Vec::new();
    let mut at_the_time_rows = Vec::new();
    for m in &months {
        to_date = to_date.saturating_add(counted_in_month(m, cumulative_currency));
        let day = month_end(*m).min(as_of);
        let at = value_on(&points, day);
        rows.push(vec![
            m.to_string(),
            minor_decimal(counted_in(m), monthly_currency),
            target_amount.map(|t| t.to_decimal_string()).unwrap_or_default(),
            minor_decimal(to_date, cumulative_currency),
            reported(at[COMMITTED], day),
            reported(at[PAID], day),
        ]);
        at_the_time_rows.push(vec![
            m.to_string(),
            minor_decimal(to_date, cumulative_currency),
            minor_decimal(at[COUNTED], cumulative_currency),
            minor_decimal(at[COUNTED].saturating_sub(to_date), cumulative_currency),
        ]);
    }
    let in_monthly = ColumnType::Amount(CurrencyOf::Fixed(monthly_currency));
    let in_cumulative = ColumnType::Amount(CurrencyOf::Fixed(cumulative_currency));
    let months = Dataset::new(
        "overview-months",
        vec![
            ("month", ColumnType::Text),
            (leak(format!("counted_in_month_{}", monthly_currency.code().to_lowercase())), in_monthly),
            (leak(format!("monthly_target_{}", monthly_currency.code().to_lowercase())), in_monthly),
            (leak(format!("counted_to_date_{}", cumulative_currency.code().to_lowercase())), in_cumulative),
            (leak(format!("committed_to_date_{}", cumulative_currency.code().to_lowercase())), in_cumulative),
            (leak(format!("paid_to_date_{}", cumulative_currency.code().to_lowercase())), in_cumulative),
        ],
        rows,
    );
    let months_at_the_time = Dataset::new(
        "overview-months-at-the-time",
        vec![
            ("month", ColumnType::Text),
            (leak(format!("counted_to_date_{}", cumulative_currency.code().to_lowercase())), in_cumulative),
            (leak(format!("counted_to_date_at_the_time_{}", cumulative_currency.code().to_lowercase())), in_cumulative),
            (leak(format!("difference_{}", cumulative_currency.code().to_lowercase())), in_cumulative),
        ],
        at_the_time_rows,
    );
    Ok(Overview {
        headline,
        cumulative_svg,
        cumulative_currency: cumulative_currency.to_string(),
        monthly_svg,
        monthly_currency: monthly_currency.to_string(),
        monthly_target: target_amount.map(|m| i18n::money(lang, &m)),
        run_rate,
        goals,
        projections: report.as_ref().map(|r| goal_projections(lang, r)).unwrap_or_default(),
        projection_error,
        projection_left_out,
        months,
        months_at_the_time,
    })
}

/// Column names that depend on a currency: a handful of short strings, interned once each.
pub(super) fn leak(name: String) -> &'static str {
    static NAMES: std::sync::Mutex<BTreeSet<&'static str>> = std::sync::Mutex::new(BTreeSet::new());
    let mut names = NAMES.lock().expect("the name lock is not poisoned");
    if let Some(known) = names.get(name.as_str()) {
        return known;
    }
    let name: &'static str = Box::leak(name.into_boxed_str());
    names.insert(name);
    name
}

pub struct Column {
    pub key: &'static str,
    pub label: String,
    pub numeric: bool,
    pub next_dir: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Party,
    Status,
    Counted,
    Committed,
    Paid,
    Share,
    PerGdp,
}

#[derive(Debug, Clone, Copy)]
pub struct SortOrder {
    pub key: SortKey,
    pub ascending: bool,
}

const SORT_KEYS: [(&str, SortKey); 7] = [
    ("party", SortKey::Party),
    ("status", SortKey::Status),
    ("counted", SortKey::Counted),
    ("committed", SortKey::Committed),
    ("paid", SortKey::Paid),
    ("share", SortKey::Share),
    ("per_gdp", SortKey::PerGdp),
];

/// The contributors page's order when none is asked for: counted money, largest first.
impl Default for SortOrder {
    fn default() -> SortOrder {
        SortOrder { key: SortKey::Counted, ascending: false }
    }
}

impl SortOrder {
    pub fn parse(key: &str, dir: &str) -> Result<SortOrder, String> {
        let key = SORT_KEYS
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, k)| *k)
            .ok_or_else(|| format!("sort {key:?} is not one of {}", SORT_KEYS.map(|(n, _)| n).join(", ")))?;
        let ascending = match dir {
            "asc" => true,
            "desc" => false,
            other => return Err(format!("dir {other:?} is not asc or desc")),
        };
        Ok(SortOrder { key, ascending })
    }
}

/// The contributors table's columns, headed in `lang`.
pub fn contributor_columns(lang: Lang, order: SortOrder) -> Vec<Column> {
    let column = |key: &'static str, label: String, numeric| {
        let current = SORT_KEYS.iter().any(|(n, k)| *n == key && *k == order.key);
        let next_dir = match (current, order.ascending, numeric) {
            (true, true, _) => "desc",
            (true, false, _) => "asc",
            (false, _, true) => "desc",
            (false, _, false) => "asc",
        };
        Column { key, label, numeric, next_dir }
    };
    vec![
        column("party", lang.t("contributors-col-contributor"), false),
        column("status", lang.t("contributors-col-participation"), false),
        column("counted", lang.t("contributors-col-counted-eur"), true),
        Column { key: "", label: lang.t("contributors-col-counted-usd"), numeric: true, next_dir: "" },
        column("committed", lang.t("contributors-col-committed-eur"), true),
        column("paid", lang.t("contributors-col-paid-eur"), true),
        column("share", lang.t("contributors-col-share"), true),
        column("per_gdp", lang.t("contributors-col-per-gdp"), true),
        Column { key: "", label: lang.t("contributors-col-over-time"), numeric: false, next_dir: "" },
    ]
}

pub struct ContributorRow {
    pub key: String,
    /// The records page filtered to this contributor, whose rows add up to its counted figures.
    pub records_href: String,
    pub name: String,
    pub status: String,
    pub status_date: String,
    pub source: SourceView,
    pub declined: bool,
    pub counted_eur: String,
    pub counted_usd: String,
    pub committed_eur: String,
    pub paid_eur: String,
    pub share: String,
    pub per_gdp: String,
    pub spark: String,
    /// Every counted record of it is undisclosed: its amounts are unknown, shown as such.
    pub undisclosed: bool,
    /// Some counted record of it is undisclosed: its amounts are a lower bound.
    pub partly_undisclosed: bool,
    /// The record reports a commitment for one of its counted records; if not, committed and paid
    /// are not reported (the record holds only announcements).
    pub commitment_reported: bool,
    /// It has a counted record (a party listed only for its participation has none).
    pub counts: bool,
    /// Its total rests on a record whose source is uncertain.
    pub uncertain: bool,
    /// Its total includes synthetic exercise records (`EX-*`).
    pub synthetic: bool,
    sort: (i128, i128, i128, f64, f64),
}

/// What a contributor's counted records say about how far its figures are known.
#[derive(Debug, Default, Clone, Copy)]
struct Grounds {
    commitment_reported: bool,
    uncertain: bool,
    synthetic: bool,
}

/// Whether a pledge belongs to the synthetic exercise (ids `EX-*`).
pub fn is_synthetic(pledge: &Pledge) -> bool {
    pledge.id.as_str().starts_with("EX-")
}

/// Per contributor key, the grounds of its records counted on `as_of`.
fn grounds(state: &State, as_of: NaiveDate) -> std::collections::HashMap<String, Grounds> {
    let mut out: std::collections::HashMap<String, Grounds> = std::collections::HashMap::new();
    for pledge in state.pledges().iter().filter(|p| p.counts_on(as_of) && !state.is_pending_contingent(p, as_of)) {
        let entry = out.entry(pledge.contributor.key()).or_default();
        entry.commitment_reported |= pledge.committed_on.is_some_and(|on| on <= as_of);
        entry.uncertain |= pledge.source.confidence == tranche_core::Confidence::Uncertain;
        entry.synthetic |= is_synthetic(pledge);
    }
    out
}

pub struct ContributorsTable {
    pub rows: Vec<ContributorRow>,
    pub dataset: Dataset,
}

/// The contributors table, its cells in `lang` (its dataset stays plain).
pub fn contributors(
    lang: Lang,
    state: &State,
    rates: &RateTable,
    as_of: NaiveDate,
    order: SortOrder,
) -> Result<ContributorsTable, FxError> {
    let (eur, usd) = (Currency::EUR, Currency::USD);
    let summary = summarise(state, rates, as_of, &[eur, usd])?;
    let flows = Flows::compute(state, rates, eur)?;
    let flows_usd = Flows::compute(state, rates, usd)?;
    let total_eur = i128::from(summary.totals[&eur].amount_minor);
    let first = state.pledges().iter().map(|p| p.date).min().unwrap_or(as_of);
    let mut keys: BTreeSet<String> = summary.by_party.keys().cloned().collect();
    keys.extend(summary.declined.iter().map(|p| p.to_string()));
    let grounds = grounds(state, as_of);
    let mut rows = Vec::new();
    let mut dataset_rows = Vec::new();
    for key in keys {
        let amounts = summary.by_party.get(&key);
        let counted = |c: Currency| amounts.and_then(|a| a.get(&c)).map_or(0, |m| i128::from(m.amount_minor));
        let ground = grounds.get(&key).copied().unwrap_or_default();
        let undisclosed = summary.undisclosed_only.contains(&key);
        let partly_undisclosed = !undisclosed && summary.with_undisclosed.contains(&key);
        let reported = ground.commitment_reported;
        // The counted amount as a cell: empty when unknown.
        let counted_cell = |c: Currency| match undisclosed {
            true => String::new(),
            false => minor_decimal(counted(c), c),
        };
        let reported_cell = |minor: i128, c: Currency| match reported {
            true => minor_decimal(minor, c),
            false => String::new(),
        };
        let own = flows.of(&key, as_of);
        let now = own.last().map_or([0; 3], |p| p.values);
        let now_usd = flows_usd.of(&key, as_of).last().map_or([0; 3], |p| p.values);
        let party = PartyId::parse(&key).ok().and_then(|id| state.parties.get(&id));
        let name_in = |lang: Lang| match party {
            Some(party) => party.name.to_string(),
            None => lang.t_args("contributors-joint-name", &[("members", key.replace('+', ", ").into())]),
        };
        let name = name_in(lang);
        let dataset_name = name_in(Lang::En);
        let participation = PartyId::parse(&key).ok().and_then(|id| state.participation_on(&id, as_of));
        let share = if total_eur > 0 { counted(eur) as f64 / total_eur as f64 } else { 0.0 };
        let gdp = party.and_then(|p| p.gdp_2021_bn_eur).and_then(|g| g.to_string().parse::<f64>().ok());
        let per_gdp = gdp.filter(|g| *g > 0.0).map(|g| billions(counted(eur), eur) / g);
        let spark_points: Vec<(NaiveDate, f64)> =
            own.iter().map(|p| (p.date, billions(p.values[COUNTED], eur))).collect();
        let status = participation.map(|r| r.change.status.to_string()).unwrap_or_default();
        let row = ContributorRow {
            name: name.clone(),
            status: word(lang, &status),
            status_date: participation.map(|r| r.change.date.to_string()).unwrap_or_default(),
            source: SourceView::of(participation.and_then(|r| r.source.url.as_deref()).unwrap_or_default()),
            declined: participation.is_some_and(|r| r.change.status.is_declined()),
            counted_eur: i18n::decimal(lang, &counted_cell(eur)),
            counted_usd: i18n::decimal(lang, &counted_cell(usd)),
            committed_eur: i18n::decimal(lang, &reported_cell(now[COMMITTED], eur)),
            paid_eur: i18n::decimal(lang, &reported_cell(now[PAID], eur)),
            share: match undisclosed {
                true => String::new(),
                false => percent(lang, &format!("{:.2}", share * 100.0)),
            },
            per_gdp: match (undisclosed, per_gdp) {
                (false, Some(r)) => percent(lang, &format!("{:.3}", r * 100.0)),
                _ => "—".into(),
            },
            undisclosed,
            partly_undisclosed,
            commitment_reported: reported,
            counts: amounts.is_some(),
            uncertain: ground.uncertain,
            synthetic: ground.synthetic,
            spark: charts::sparkline(
                &lang.t_args("contributors-spark-title", &[("name", name.as_str().into())]),
                &spark_points,
                (first, as_of),
            ),
            sort: (counted(eur), now[COMMITTED], now[PAID], share, per_gdp.unwrap_or(-1.0)),
            records_href: format!("/records?party={}", key.replace('+', "%2B")),
            key: key.clone(),
        };
        dataset_rows.push(vec![
            key,
            dataset_name,
            status,
            row.status_date.clone(),
            participation.and_then(|r| r.source.url.as_deref()).unwrap_or_default().to_string(),
            counted_cell(eur),
            counted_cell(usd),
            reported_cell(now[COMMITTED], eur),
            reported_cell(now_usd[COMMITTED], usd),
            reported_cell(now[PAID], eur),
            reported_cell(now_usd[PAID], usd),
            match undisclosed {
                true => String::new(),
                false => format!("{:.4}", share * 100.0),
            },
            per_gdp.filter(|_| !undisclosed).map(|r| format!("{:.5}", r * 100.0)).unwrap_or_default(),
            flag(undisclosed),
            flag(partly_undisclosed),
            flag(reported),
            flag(ground.uncertain),
            flag(ground.synthetic),
        ]);
        rows.push(row);
    }
    let mut paired: Vec<(ContributorRow, Vec<String>)> = rows.into_iter().zip(dataset_rows).collect();
    paired.sort_by(|(a, _), (b, _)| {
        let ordering = match order.key {
            SortKey::Party => a.key.cmp(&b.key),
            SortKey::Status => a.status.cmp(&b.status).then(a.key.cmp(&b.key)),
            SortKey::Counted => a.sort.0.cmp(&b.sort.0),
            SortKey::Committed => a.sort.1.cmp(&b.sort.1),
            SortKey::Paid => a.sort.2.cmp(&b.sort.2),
            SortKey::Share => a.sort.3.total_cmp(&b.sort.3),
            SortKey::PerGdp => a.sort.4.total_cmp(&b.sort.4),
        }
        .then_with(|| a.key.cmp(&b.key));
        if order.ascending { ordering } else { ordering.reverse() }
    });
    let (rows, dataset_rows): (Vec<_>, Vec<_>) = paired.into_iter().unzip();
    let (in_eur, in_usd) = (ColumnType::Amount(CurrencyOf::Fixed(eur)), ColumnType::Amount(CurrencyOf::Fixed(usd)));
    Ok(ContributorsTable {
        rows,
        dataset: Dataset::new(
            "contributors",
            vec![
                ("contributor", ColumnType::Text),
                ("name", ColumnType::Text),
                ("participation", ColumnType::Text),
                ("participation_date", ColumnType::Date),
                ("participation_source", ColumnType::Text),
                ("counted_eur", in_eur),
                ("counted_usd", in_usd),
                ("committed_eur", in_eur),
                ("committed_usd", in_usd),
                ("paid_eur", in_eur),
                ("paid_usd", in_usd),
                ("share_percent", ColumnType::Decimal),
                ("per_gdp_percent", ColumnType::Decimal),
                ("undisclosed", ColumnType::Boolean),
                ("partly_undisclosed", ColumnType::Boolean),
                ("commitment_reported", ColumnType::Boolean),
                ("uncertain", ColumnType::Boolean),
                ("synthetic", ColumnType::Boolean),
            ],
            dataset_rows,
        ),
    })
}

pub struct PackageView {
    pub id: String,
    pub name: Option<String>,
    pub state: String,
    pub price: String,
    pub allocated: String,
    pub coverage: String,
    pub bar: String,
    pub disbursed: String,
    pub delivered: String,
    pub history: Vec<(String, String)>,
    pub lines: Vec<String>,
    /// Paid in by the pledges allocated to it (docs/ACCOUNTING.md, "Whose cash pays a package").
    pub paid: String,
    pub paid_plain: String,
}

/// A package as the public record names it (`package` column): its records, whether or not a
/// package of that id is on the ledger.
pub struct RecordPackage {
    pub id: String,
    /// The ledger's package of that id, its state; `None`: named in the record only.
    pub on_ledger: Option<String>,
    pub records: Vec<RecordPackageLine>,
}

/// One record naming a package: what the record says of it.
pub struct RecordPackageLine {
    pub record: String,
    pub date: String,
    pub kind: String,
    pub contributor: String,
    /// As announced (or committed) by the day; "undisclosed" when the record gives no amount.
    pub amount: String,
    pub status: String,
    pub source: SourceView,
}

/// The packages the record's pledges name, dated on or before `as_of`, in the order of their
/// first record, each with its records.
pub fn record_packages(lang: Lang, state: &State, as_of: NaiveDate) -> Vec<RecordPackage> {
    let mut named: Vec<RecordPackage> = Vec::new();
    for pledge in state.pledges().iter().filter(|p| p.date <= as_of) {
        let Some(package) = &pledge.package else { continue };
        let line = RecordPackageLine {
            record: pledge.id.to_string(),
            date: pledge.date.to_string(),
            kind: match pledge.kind {
                PledgeKind::JointPackage => lang.t("word-joint-package-total"),
                _ => lang.t("word-pledge"),
            },
            contributor: pledge.contributor.key(),
            amount: pledge
                .amount_as_of(as_of)
                .map(|m| i18n::money(lang, &m))
                .unwrap_or_else(|| lang.t("word-undisclosed")),
            status: word(lang, pledge.status.as_str()),
            source: SourceView::of(pledge.source.url.as_deref().unwrap_or_default()),
        };
        match named.iter_mut().find(|n| n.id == package.as_str()) {
            Some(known) => known.records.push(line),
            None => named.push(RecordPackage {
                id: package.to_string(),
                on_ledger: state.packages.get(package).map(|p| word(lang, p.state.as_str())),
                records: vec![line],
            }),
        }
    }
    for package in &mut named {
        package.records.sort_by(|a, b| (&a.date, &a.record).cmp(&(&b.date, &b.record)));
    }
    named
}

pub struct Packages {
    /// The packages the public record names (with or without a package on the ledger).
    pub named: Vec<RecordPackage>,
    pub currency: String,
    /// Every state but cancelled (cancelled packages are not in the pipeline's totals).
    pub pipeline: Vec<wire::PipelineDto>,
    /// The pipeline's packages and money (the sum of their prices), cancelled ones left out.
    pub pipeline_total: (usize, String),
    /// Packages not cancelled.
    pub packages: Vec<PackageView>,
    pub cancelled: Vec<PackageView>,
    /// The Paid column's sum over the packages not cancelled, shown and plain.
    pub paid_total: (String, String),
    pub dataset: Dataset,
}

/// The packages page, its cells in `lang` (its dataset stays plain).
pub fn packages(lang: Lang, state: &State, reader: Reader, as_of: NaiveDate) -> Packages {
    let currency = state.mechanism.as_ref().map(|m| m.package_currency);
    let mut pipeline = currency.map(|c| wire::pipeline(state, c, as_of)).unwrap_or_default();
    pipeline.retain(|row| row.state != PackageState::Cancelled.as_str());
    let minor_of = |plain: &str| currency.and_then(|c| Money::parse(plain, c).ok()).map(|m| i128::from(m.amount_minor));
    let pipeline_minor: i128 = pipeline.iter().filter_map(|row| minor_of(&row.money)).sum();
    let pipeline_count: usize = pipeline.iter().map(|row| row.packages).sum();
    for row in &mut pipeline {
        row.money = i18n::decimal(lang, &row.money);
        row.mean_days = Some(row.mean_days.take().map_or_else(|| "—".into(), |days| i18n::decimal(lang, &days)));
        row.state = word(lang, &row.state);
    }
    let dtos = wire::packages(state, reader);
    let mut views = Vec::new();
    let mut cancelled = Vec::new();
    let mut paid_minor: i128 = 0;
    let mut rows = Vec::new();
    for p in &dtos {
        let share = match (p.price.as_deref().and_then(|x| x.parse::<f64>().ok()), p.allocated.parse::<f64>().ok()) {
            (Some(price), Some(allocated)) if price > 0.0 => allocated / price,
            _ => 0.0,
        };
        let coverage = match &p.coverage_percent {
            Some(c) => lang.t_args("package-funded", &[("percent", percent(lang, c).into())]),
            None => lang.t("package-no-price"),
        };
        let is_cancelled = p.state == PackageState::Cancelled.as_str();
        if !is_cancelled {
            paid_minor += minor_of(&p.paid).unwrap_or(0);
        }
        let into = if is_cancelled { &mut cancelled } else { &mut views };
        let title = lang.t_args(
            "package-bar-title",
            &[("package", p.package.as_str().into()), ("coverage", coverage.as_str().into())],
        );
        into.push(PackageView {
            paid: i18n::decimal(lang, &p.paid),
            paid_plain: p.paid.clone(),
            id: p.package.clone(),
            name: p.name.clone(),
            state: word(lang, &p.state),
            price: p.price.as_deref().map(|price| i18n::decimal(lang, price)).unwrap_or_else(|| "—".into()),
            allocated: i18n::decimal(lang, &p.allocated),
            bar: charts::funding_bar(&title, share),
            coverage,
            disbursed: i18n::decimal(lang, &p.disbursed),
            delivered: i18n::decimal(lang, &p.delivered),
            history: p.history.iter().map(|(step, date)| (word(lang, step), date.clone())).collect(),
            lines: p
                .lines
                .iter()
                .map(|l| match l.quantity {
                    Some(q) => format!("{} · {} × {}", l.requirement, q, l.description),
                    None => format!("{} · {}", l.requirement, l.description),
                })
                .collect(),
        });
        let mut row = vec![
            p.package.clone(),
            p.state.clone(),
            p.currency.clone(),
            p.price.clone().unwrap_or_default(),
            p.allocated.clone(),
            p.paid.clone(),
            p.disbursed.clone(),
            p.delivered.clone(),
            p.coverage_percent.clone().unwrap_or_default(),
            p.history.iter().map(|(s, d)| format!("{s} {d}")).collect::<Vec<_>>().join("; "),
        ];
        if reader.sees_restricted() {
            row.push(p.name.clone().unwrap_or_default());
        }
        rows.push(row);
    }
    let in_currency = ColumnType::Amount(CurrencyOf::Column("currency"));
    let mut columns = vec![
        ("package", ColumnType::Text),
        ("state", ColumnType::Text),
        ("currency", ColumnType::Text),
        ("price", in_currency),
        ("committed", in_currency),
        ("paid", in_currency),
        ("disbursed", in_currency),
        ("delivered", in_currency),
        ("coverage_percent", ColumnType::Decimal),
        ("history", ColumnType::Text),
    ];
    if reader.sees_restricted() {
        columns.push(("name", ColumnType::Text));
    }
    let in_currency = |minor: i128| currency.map(|c| minor_decimal(minor, c)).unwrap_or_default();
    Packages {
        named: record_packages(lang, state, as_of),
        currency: currency.map(|c| c.to_string()).unwrap_or_default(),
        pipeline,
        pipeline_total: (pipeline_count, i18n::decimal(lang, &in_currency(pipeline_minor))),
        packages: views,
        cancelled,
        paid_total: (i18n::decimal(lang, &in_currency(paid_minor)), in_currency(paid_minor)),
        dataset: Dataset::new("packages", columns, rows),
    }
}

pub struct Requirements {
    pub currency: String,
    pub coverage: Vec<Vec<String>>,
    pub dataset: Dataset,
}

pub fn requirements(state: &State, _rates: &RateTable, reader: Reader) -> Result<Requirements, FxError> {
    let currency = state.mechanism.as_ref().map(|m| m.package_currency).unwrap_or(Currency::USD);
    let coverage = tranche_core::reports::coverage(state, currency)
        .iter()
        .map(|m| {
            let share = match m.required.amount_minor {
                required if required > 0 => format!("{:.1}%", 100.0 * m.funded.amount_minor as f64 / required as f64),
                _ => "—".into(),
            };
            let money = |money: &Money| grouped(&money.to_decimal_string());
            vec![m.month.to_string(), money(&m.required), money(&m.funded), money(&m.delivered), share]
        })
        .collect();
    let rows = wire::requirements(state, reader)
        .into_iter()
        .map(|r| {
            vec![
                r.month,
                r.rank.map(|n| n.to_string()).unwrap_or_default(),
                r.requirement,
                r.category,
                r.description.unwrap_or_default(),
                r.quantity.map(|q| q.to_string()).unwrap_or_default(),
                r.estimated_cost,
                r.currency,
                r.package.unwrap_or_default(),
            ]
        })
        .collect();
    Ok(Requirements {
        currency: currency.to_string(),
        coverage,
        dataset: Dataset::new(
            "requirements",
            vec![
                ("month", ColumnType::Text),
                ("rank", ColumnType::Integer),
                ("requirement", ColumnType::Text),
                ("category", ColumnType::Text),
                ("description", ColumnType::Text),
                ("quantity", ColumnType::Integer),
                ("estimated_cost", ColumnType::Amount(CurrencyOf::Column("currency"))),
                ("currency", ColumnType::Text),
                ("package", ColumnType::Text),
            ],
            rows,
        ),
    })
}

pub const RECORD_KINDS: [&str; 5] = ["pledge", "joint-package", "contingent", "participation", "target"];
pub const COUNTS_FILTERS: [&str; 5] = ["yes", "no", "undisclosed", "remainder", "apart"];

#[derive(Debug, Default)]
pub struct RecordFilter {
    pub party: String,
    pub kind: String,
    pub counts: String,
    pub month: String,
}

impl RecordFilter {
    pub fn parse(
        party: Option<&str>,
        kind: Option<&str>,
        counts: Option<&str>,
        month: Option<&str>,
    ) -> Result<RecordFilter, String> {
        // A party code or a joint group's key (`DNK+NOR+SWE`; a `+` left unencoded in the
        // address arrives as a space).
        let party = party.unwrap_or_default().trim().replace(' ', "+");
        if !party.is_empty() {
            for code in party.split('+') {
                PartyId::parse(code).map_err(|e| format!("party: {e}"))?;
            }
        }
        let kind = kind.unwrap_or_default();
        if !kind.is_empty() && !RECORD_KINDS.contains(&kind) {
            return Err(format!("kind {kind:?} is not one of {}", RECORD_KINDS.join(", ")));
        }
        let counts = counts.unwrap_or_default();
        if !counts.is_empty() && !COUNTS_FILTERS.contains(&counts) {
            return Err(format!("counts {counts:?} is not one of {}", COUNTS_FILTERS.join(", ")));
        }
        let month = month.unwrap_or_default();
        if !month.is_empty() {
            YearMonth::parse(month).map_err(|e| format!("month: {e}"))?;
        }
        Ok(RecordFilter { party, kind: kind.to_string(), counts: counts.to_string(), month: month.to_string() })
    }

    /// The filter as a query string (ending in `&`, ready for `format=`).
    pub fn query(&self) -> String {
        let mut out = String::new();
        for (name, value) in
            [("party", &self.party), ("kind", &self.kind), ("counts", &self.counts), ("month", &self.month)]
        {
            if !value.is_empty() {
                out.push_str(&format!("{name}={}&", value.replace('+', "%2B")));
            }
        }
        out
    }
}

/// What a records filter's contributor key names in the ledger.
#[derive(Debug, PartialEq, Eq)]
pub enum ContributorKey {
    /// A party the ledger knows, or a joint key exactly as its records write it.
    Known,
    /// A joint key whose members are those of a recorded joint key in another order: the
    /// recorded (canonical) key, to redirect to.
    Reordered(String),
    /// No party or joint key of the ledger.
    Unknown,
}

/// Whether `key` (a party code or a joint key `A+B`) names a contributor of `state`.
pub fn contributor_key(state: &State, key: &str) -> ContributorKey {
    if !key.contains('+') {
        let named = |party: &PartyId| party.as_str() == key;
        let known = state.parties.keys().any(named)
            || state.pledges().iter().any(|pledge| pledge.contributor.parties().iter().any(named));
        return if known { ContributorKey::Known } else { ContributorKey::Unknown };
    }
    let mut wanted: Vec<&str> = key.split('+').collect();
    wanted.sort_unstable();
    let mut reordered = None;
    for pledge in state.pledges().iter().filter(|p| p.contributor.parties().len() > 1) {
        let recorded = pledge.contributor.key();
        if recorded == key {
            return ContributorKey::Known;
        }
        let mut members: Vec<&str> = pledge.contributor.parties().iter().map(PartyId::as_str).collect();
        members.sort_unstable();
        if members == wanted && reordered.is_none() {
            reordered = Some(recorded);
        }
    }
    reordered.map_or(ContributorKey::Unknown, ContributorKey::Reordered)
}

/// Whether and how a money record counts on `as_of` (docs/COUNTING.md), as a category and a
/// sentence: counts, remainder, undisclosed, apart, superseded, withdrawn, later.
/// The sentence is in `lang` (English in the downloads).
fn reason(
    lang: Lang,
    state: &State,
    pledge: &Pledge,
    as_of: NaiveDate,
    members: &BTreeSet<(&str, &PartyId)>,
) -> (&'static str, String) {
    if pledge.date > as_of {
        return ("later", lang.t("reason-later"));
    }
    if let Some((by, on)) = pledge.superseded.as_ref().filter(|(_, on)| *on <= as_of) {
        let args = [("by", Arg::from(by.to_string())), ("date", Arg::from(on.to_string()))];
        return ("superseded", lang.t_args("reason-superseded", &args));
    }
    if let Some(on) = pledge.withdrawn_on.filter(|on| *on <= as_of) {
        return ("withdrawn", lang.t_args("reason-withdrawn", &[("date", on.to_string().into())]));
    }
    if state.is_pending_contingent(pledge, as_of) {
        let trigger = pledge.contingent_on.clone().unwrap_or_default();
        return ("apart", lang.t_args("reason-apart", &[("trigger", trigger.to_string().into())]));
    }
    if pledge.amount_as_of(as_of).is_none() {
        return ("undisclosed", lang.t("reason-undisclosed"));
    }
    if pledge.kind == PledgeKind::JointPackage {
        return (
            "remainder",
            match &pledge.package {
                Some(p) => lang.t_args("reason-remainder-package", &[("package", p.to_string().into())]),
                None => lang.t("reason-remainder"),
            },
        );
    }
    if let (Some(package), [party]) = (&pledge.package, pledge.contributor.parties())
        && members.contains(&(package.as_str(), party))
    {
        return ("yes", lang.t_args("reason-member-share", &[("package", package.to_string().into())]));
    }
    ("yes", lang.t("reason-counts"))
}

pub struct Records {
    /// Per record: id, date, kind, contributor, amount, status, reason, counts, source link,
    /// source text, rate, rate date, counted EUR, counted USD (shown), counted EUR, counted USD
    /// (plain, empty unless they add to the total row), effect.
    pub rows: Vec<Vec<String>>,
    /// The counted figures of the rows shown, added up (the contributor's figure when filtered
    /// by one contributor).
    pub total_eur: String,
    /// Some rows of the total count with an undisclosed amount: the total is a lower bound.
    pub partly_undisclosed: bool,
    pub total_usd: String,
    pub parties: Vec<String>,
    pub months: Vec<String>,
    pub dataset: Dataset,
}

/// A record's source as a page shows it: a link only to an http(s) URL. Anything else (a
/// `javascript:` URL that an older store may hold) is shown as text, never as a link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceView {
    /// Where the link goes; empty when the source is not a link.
    pub href: String,
    /// What is shown: the site's name for a link, else the text as stored (escaped on output).
    pub text: String,
}

impl SourceView {
    pub fn of(url: &str) -> SourceView {
        let web = ["http://", "https://"].iter().any(|p| url.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p)));
        match web {
            true => SourceView { href: url.to_string(), text: source_label(url) },
            false => SourceView { href: String::new(), text: url.to_string() },
        }
    }
}

fn source_label(url: &str) -> String {
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(url)
        .trim_start_matches("www.")
        .to_string()
}

/// The date of the newest record on or before `as_of`: the last day the figures know anything
/// about (announcements, commitments, withdrawals, supersessions, participation, targets).
/// `None` when the log holds no record by then.
pub fn record_cutoff(state: &State, as_of: NaiveDate) -> Option<NaiveDate> {
    let pledge_dates = state
        .pledges()
        .iter()
        .flat_map(|p| [Some(p.date), p.committed_on, p.withdrawn_on, p.superseded.as_ref().map(|(_, date)| *date)]);
    let participation = state.participation.values().flatten().map(|r| Some(r.change.date));
    let targets = state.targets.values().map(|t| Some(t.source.date));
    pledge_dates.chain(participation).chain(targets).flatten().filter(|date| *date <= as_of).max()
}

/// The reporting currencies of the records page: each record's counted figure in both.
const COUNTED_IN: [Currency; 2] = [Currency::EUR, Currency::USD];

/// A record's effect as the downloads name it: `counts` refined (a member's share of a joint
/// package, money or not).
fn effect_of(category: &str, member_share: bool) -> &'static str {
    match category {
        "yes" if member_share => "member-share",
        "yes" => "counted",
        "remainder" => "remainder",
        "undisclosed" => "undisclosed",
        "apart" => "apart",
        "superseded" => "superseded",
        "withdrawn" => "withdrawn",
        "later" => "later",
        _ => "not-money",
    }
}

/// The reference rates a pledge converts at (docs/COUNTING.md rule 2): units of its currency per
/// EUR, USD per EUR, and the date the rate was published (its currency's, or USD's for EUR).
struct RateUsed {
    rate: String,
    usd_rate: String,
    date: String,
}

fn rate_used(rates: &RateTable, money: &Money, date: NaiveDate) -> RateUsed {
    let per_eur = |c: Currency| rates.rate_on(c, date).map(|r| r.to_string()).unwrap_or_default();
    let published = match money.currency {
        Currency::EUR => rates.published_on(Currency::USD, date),
        currency => rates.published_on(currency, date),
    };
    RateUsed {
        rate: per_eur(money.currency),
        usd_rate: per_eur(Currency::USD),
        date: published.map(|d| d.to_string()).unwrap_or_default(),
    }
}

/// Whether a contribution adds to its contributor's figure (counted in full or a remainder).
fn adds(contribution: &tranche_core::Contribution) -> bool {
    matches!(contribution.effect, tranche_core::Effect::Counted | tranche_core::Effect::Remainder)
}

/// A counted figure for display: grouped, without its currency (the column names it).
fn counted_cell(lang: Lang, money: Option<&Money>) -> String {
    money.map(|m| i18n::decimal(lang, &m.to_decimal_string())).unwrap_or_default()
}

/// A money record as the records page shows it: the display row (in `lang`) and the dataset row.
#[allow(clippy::too_many_arguments)]
fn pledge_rows(
    lang: Lang,
    state: &State,
    rates: &RateTable,
    pledge: &Pledge,
    as_of: NaiveDate,
    members: &BTreeSet<(&str, &PartyId)>,
    contribution: Option<&tranche_core::Contribution>,
    attributed: bool,
) -> (Vec<String>, Vec<String>) {
    let kind = match (pledge.kind, &pledge.contingent_on) {
        (PledgeKind::JointPackage, _) => "joint-package",
        (_, Some(_)) => "contingent",
        _ => "pledge",
    };
    let (category, mut why) = reason(Lang::En, state, pledge, as_of, members);
    let mut shown_why = reason(lang, state, pledge, as_of, members).1;
    let member_share = category == "yes" && why.contains("a member's share");
    let amount = pledge.amount_as_of(as_of);
    let url = pledge.source.url.clone().map(String::from).unwrap_or_default();
    let source = SourceView::of(&url);
    let status = match pledge.status {
        PledgeStatus::Announced if pledge.contingent_on.is_some() => "announced (contingent)".to_string(),
        status => status.to_string(),
    };
    let shown_status = word(lang, &status);
    let rate = amount.filter(|_| pledge.date <= as_of).map(|m| rate_used(rates, &m, pledge.date));
    // What counts to the contributor: the contribution of the counting rules, when it adds to
    // the figures (counted or a remainder).
    let counted = contribution.filter(|c| adds(c));
    let counted_in = |c: Currency| counted.and_then(|c2| c2.counted.get(&c));
    if let (Some(c), "remainder") = (counted, category)
        && let (Some(total), Some(left)) =
            (c.converted.as_ref().and_then(|t| t.get(&Currency::USD)), counted_in(Currency::USD))
    {
        let remainder = |lang: Lang| {
            let args = [
                ("group", Arg::from(pledge.contributor.key())),
                ("total", Arg::from(i18n::money(lang, total))),
                ("left", Arg::from(i18n::money(lang, left))),
            ];
            match &pledge.package {
                Some(p) => {
                    let mut args = args.to_vec();
                    args.push(("package", p.to_string().into()));
                    lang.t_args("reason-remainder-left-package", &args)
                }
                None => lang.t_args("reason-remainder-left", &args),
            }
        };
        why = remainder(Lang::En);
        shown_why = remainder(lang);
    }
    // "undisclosed" stays the word: the template shows it as a badge in the page's language.
    let display_counted = |c: Currency| match (counted_in(c), category) {
        (Some(money), _) if attributed => counted_cell(lang, Some(money)),
        (Some(_), _) => lang.t("records-to-the-group"),
        (None, "undisclosed") => "undisclosed".to_string(),
        (None, _) => "—".to_string(),
    };
    let rate_shown = |rate: &str| i18n::decimal(lang, rate);
    let display = vec![
        pledge.id.to_string(),
        pledge.date.to_string(),
        word(lang, kind),
        pledge.contributor.key(),
        amount.map(|m| i18n::money(lang, &m)).unwrap_or_else(|| "undisclosed".into()),
        shown_status,
        shown_why,
        category.to_string(),
        source.href,
        source.text,
        rate.as_ref()
            .map(|r| match amount.map(|m| m.currency) {
                Some(Currency::EUR) => format!("USD {}", rate_shown(&r.usd_rate)),
                Some(Currency::USD) | None => format!("USD {}", rate_shown(&r.rate)),
                Some(other) => format!("{other} {} · USD {}", rate_shown(&r.rate), rate_shown(&r.usd_rate)),
            })
            .unwrap_or_else(|| "—".into()),
        rate.as_ref().map(|r| r.date.clone()).unwrap_or_default(),
        display_counted(Currency::EUR),
        display_counted(Currency::USD),
        if attributed {
            counted_in(Currency::EUR).map(|m| m.to_decimal_string()).unwrap_or_default()
        } else {
            String::new()
        },
        if attributed {
            counted_in(Currency::USD).map(|m| m.to_decimal_string()).unwrap_or_default()
        } else {
            String::new()
        },
        effect_of(category, member_share).to_string(),
        pledge.source.confidence.to_string(),
        flag(is_synthetic(pledge)),
    ];
    let dataset = vec![
        pledge.id.to_string(),
        pledge.date.to_string(),
        kind.to_string(),
        pledge.contributor.key(),
        amount.map(|m| m.currency.to_string()).unwrap_or_default(),
        amount.map(|m| m.to_decimal_string()).unwrap_or_default(),
        status,
        category.to_string(),
        why,
        url,
        pledge.source.confidence.to_string(),
        // As on the page: a joint record among a member's records counts to the group, so the
        // filtered download adds up to the member's figure.
        counted_in(Currency::EUR).filter(|_| attributed).map(|m| m.to_decimal_string()).unwrap_or_default(),
        counted_in(Currency::USD).filter(|_| attributed).map(|m| m.to_decimal_string()).unwrap_or_default(),
        rate.as_ref().map(|r| r.rate.clone()).unwrap_or_default(),
        rate.as_ref().map(|r| r.usd_rate.clone()).unwrap_or_default(),
        rate.as_ref().map(|r| r.date.clone()).unwrap_or_default(),
        effect_of(category, member_share).to_string(),
        flag(amount.is_none()),
        flag(is_synthetic(pledge)),
    ];
    (display, dataset)
}

/// A record that is not money (a participation status or a target): its display and dataset
/// rows, with empty counted columns.
#[allow(clippy::too_many_arguments)]
fn other_rows(
    lang: Lang,
    id: String,
    date: NaiveDate,
    kind: &str,
    by: String,
    amount: Option<&Money>,
    status: String,
    why: impl Fn(Lang) -> String,
    url: String,
    confidence: String,
) -> (Vec<String>, Vec<String>) {
    let source = SourceView::of(&url);
    let display = vec![
        if id.is_empty() { "—".into() } else { id.clone() },
        date.to_string(),
        word(lang, kind),
        if by.is_empty() { "—".into() } else { by.clone() },
        amount.map(|m| i18n::money(lang, m)).unwrap_or_else(|| "—".into()),
        word(lang, &status),
        why(lang),
        kind.to_string(),
        source.href,
        source.text,
        "—".into(),
        String::new(),
        "—".into(),
        "—".into(),
        String::new(),
        String::new(),
        "not-money".into(),
        confidence.clone(),
        flag(false),
    ];
    let dataset = vec![
        id,
        date.to_string(),
        kind.to_string(),
        by,
        amount.map(|m| m.currency.to_string()).unwrap_or_default(),
        amount.map(|m| m.to_decimal_string()).unwrap_or_default(),
        status,
        kind.to_string(),
        why(Lang::En),
        url,
        confidence,
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        "not-money".into(),
        String::new(),
        flag(false),
    ];
    (display, dataset)
}

/// Every record with whether and how it counts on `as_of`, filtered; each money record with what
/// it adds to its contributor's figure (`tranche_core::contributions`, the walk the summary sums),
/// so a contributor's rows add up to its figure on the contributors page.
/// The display rows are in `lang`, the dataset plain (its reasons in English).
pub fn records(
    lang: Lang,
    state: &State,
    rates: &RateTable,
    as_of: NaiveDate,
    filter: &RecordFilter,
) -> Result<Records, FxError> {
    let contributions = tranche_core::contributions(state, rates, as_of, &COUNTED_IN)?;
    let by_pledge: std::collections::HashMap<&str, &tranche_core::Contribution> =
        contributions.iter().map(|c| (c.pledge.id.as_str(), c)).collect();
    let mut members: BTreeSet<(&str, &PartyId)> = BTreeSet::new();
    for joint in state.pledges().iter().filter(|p| p.kind == PledgeKind::JointPackage) {
        if let Some(package) = &joint.package {
            members.extend(joint.contributor.parties().iter().map(|party| (package.as_str(), party)));
        }
    }
    let mut parties = BTreeSet::new();
    let mut months = BTreeSet::new();
    // (display row, dataset row)
    let mut out: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let joint_filter = filter.party.contains('+');
    let wanted = |key: &str, parties_of: &[PartyId], kind: &str, category: &str, date: NaiveDate| {
        let party = match (filter.party.is_empty(), joint_filter) {
            (true, _) => true,
            (false, true) => key == filter.party,
            (false, false) => parties_of.iter().any(|p| p.as_str() == filter.party),
        };
        party
            && (filter.kind.is_empty() || filter.kind == kind)
            && (filter.month.is_empty() || YearMonth::of(date).to_string() == filter.month)
            && match filter.counts.as_str() {
                "" => true,
                "yes" => matches!(category, "yes" | "remainder" | "undisclosed"),
                "no" => matches!(category, "superseded" | "withdrawn" | "later"),
                other => other == category,
            }
    };
    let (mut total_eur, mut total_usd) = (0i128, 0i128);
    // Rows adding money, and rows counting with an undisclosed amount: a total resting only on
    // undisclosed amounts is unknown ("undisclosed"), never 0.00.
    let (mut adding, mut undisclosed) = (0usize, 0usize);
    for pledge in state.pledges() {
        let kind = match (pledge.kind, &pledge.contingent_on) {
            (PledgeKind::JointPackage, _) => "joint-package",
            (_, Some(_)) => "contingent",
            _ => "pledge",
        };
        let key = pledge.contributor.key();
        parties.extend(pledge.contributor.parties().iter().map(|p| p.to_string()));
        if pledge.kind == PledgeKind::JointPackage {
            parties.insert(key.clone());
        }
        months.insert(YearMonth::of(pledge.date).to_string());
        let (category, _) = reason(Lang::En, state, pledge, as_of, &members);
        if !wanted(&key, pledge.contributor.parties(), kind, category, pledge.date) {
            continue;
        }
        // A joint record shown among a member's records counts to the group, not to the member.
        let attributed = filter.party.is_empty() || key == filter.party;
        let contribution = by_pledge.get(pledge.id.as_str()).copied();
        if contribution.is_some_and(|c| attributed && c.effect == tranche_core::Effect::Undisclosed) {
            undisclosed = undisclosed.saturating_add(1);
        }
        if let Some(counted) = contribution.filter(|c| attributed && adds(c)).map(|c| &c.counted) {
            adding = adding.saturating_add(1);
            let minor = |c: Currency| counted.get(&c).map_or(0, |m| i128::from(m.amount_minor));
            total_eur = total_eur.saturating_add(minor(Currency::EUR));
            total_usd = total_usd.saturating_add(minor(Currency::USD));
        }
        out.push(pledge_rows(lang, state, rates, pledge, as_of, &members, contribution, attributed));
    }
    for (party, history) in &state.participation {
        for record in history.iter().filter(|r| r.change.date <= as_of) {
            parties.insert(party.to_string());
            months.insert(YearMonth::of(record.change.date).to_string());
            if !wanted(
                party.as_str(),
                std::slice::from_ref(party),
                "participation",
                "participation",
                record.change.date,
            ) {
                continue;
            }
            out.push(other_rows(
                lang,
                String::new(),
                record.change.date,
                "participation",
                party.to_string(),
                None,
                record.change.status.to_string(),
                |lang: Lang| lang.t("reason-participation"),
                record.source.url.clone().map(String::from).unwrap_or_default(),
                record.source.confidence.to_string(),
            ));
        }
    }
    for target in state.targets.values() {
        if !wanted("", &[], "target", "target", target.date) || !filter.party.is_empty() {
            continue;
        }
        out.push(other_rows(
            lang,
            target.id.to_string(),
            target.date,
            "target",
            String::new(),
            Some(&target.amount),
            target.kind.to_string(),
            |lang: Lang| lang.t_args("reason-target", &[("kind", word(lang, target.kind.as_str()).into())]),
            target.source.url.clone().map(String::from).unwrap_or_default(),
            target.source.confidence.to_string(),
        ));
    }
    out.sort_by(|a, b| (&a.0[1], &a.0[0]).cmp(&(&b.0[1], &b.0[0])));
    let (rows, dataset_rows): (Vec<_>, Vec<_>) = out.into_iter().unzip();
    let (in_eur, in_usd) =
        (ColumnType::Amount(CurrencyOf::Fixed(Currency::EUR)), ColumnType::Amount(CurrencyOf::Fixed(Currency::USD)));
    Ok(Records {
        rows,
        parties: parties.into_iter().collect(),
        months: months.into_iter().collect(),
        total_eur: match (adding, undisclosed) {
            (0, 1..) => "undisclosed".into(),
            _ => i18n::decimal(lang, &minor_decimal(total_eur, Currency::EUR)),
        },
        total_usd: match (adding, undisclosed) {
            (0, 1..) => "undisclosed".into(),
            _ => i18n::decimal(lang, &minor_decimal(total_usd, Currency::USD)),
        },
        partly_undisclosed: adding > 0 && undisclosed > 0,
        dataset: Dataset::new(
            "records",
            vec![
                ("record", ColumnType::Text),
                ("date", ColumnType::Date),
                ("kind", ColumnType::Text),
                ("contributor", ColumnType::Text),
                ("currency", ColumnType::Text),
                ("amount", ColumnType::Amount(CurrencyOf::Column("currency"))),
                ("status", ColumnType::Text),
                ("counts", ColumnType::Text),
                ("reason", ColumnType::Text),
                ("source_url", ColumnType::Text),
                ("confidence", ColumnType::Text),
                ("counted_eur", in_eur),
                ("counted_usd", in_usd),
                ("rate", ColumnType::Decimal),
                ("usd_rate", ColumnType::Decimal),
                ("rate_date", ColumnType::Date),
                ("effect", ColumnType::Text),
                ("undisclosed", ColumnType::Boolean),
                ("synthetic", ColumnType::Boolean),
            ],
            dataset_rows,
        ),
    })
}

/// The latest signed checkpoint, as the log page shows it.
pub struct CheckpointView {
    pub origin: String,
    pub size: u64,
    pub root: String,
    /// Witnesses that cosigned it (every signer but the log itself).
    pub witnesses: Vec<String>,
    pub note: String,
}

pub fn checkpoint_view(note: &str) -> Option<CheckpointView> {
    let parsed = tranche_log::SignedNote::parse(note).ok()?;
    let checkpoint = parsed.checkpoint().ok()?;
    let witnesses =
        parsed.signatures.iter().map(|(name, _)| name.clone()).filter(|name| *name != checkpoint.origin).collect();
    Some(CheckpointView {
        origin: checkpoint.origin,
        size: checkpoint.size,
        root: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, checkpoint.root),
        witnesses,
        note: note.to_string(),
    })
}
