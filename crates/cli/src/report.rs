//! `tranche report ...`: text tables for people, JSON (wire DTOs, converted by hand) for scripts.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::NaiveDate;
use clap::Subcommand;
use serde::Serialize;
use tranche_core::auth::Reader;
use tranche_core::{Currency, Money, Summary, TargetKind, YearMonth, parse_date};

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Totals, contributors, undisclosed, declined, by party and by month.
    Summary {
        #[arg(long)]
        json: bool,
        /// Count only records dated on or before this date (YYYY-MM-DD). Default: today.
        #[arg(long, value_parser = parse_as_of)]
        as_of: Option<NaiveDate>,
    },
    /// Per party: participation status and counted money.
    Parties {
        #[arg(long)]
        json: bool,
        #[arg(long, value_parser = parse_as_of)]
        as_of: Option<NaiveDate>,
    },
    /// The books: every account's balance per currency (memo and main), and the trial balance.
    Balances {
        #[arg(long)]
        json: bool,
    },
    /// Per package: price, allocated, paid, disbursed, delivered, coverage, state changes; lines
    /// (restricted) only for roles that may see them.
    Packages {
        #[arg(long)]
        json: bool,
    },
    /// Packages and money per state, and the mean days spent in each state.
    Pipeline {
        #[arg(long)]
        json: bool,
    },
    /// The prioritised requirement lists; quantities and descriptions only for roles.
    Requirements {
        #[arg(long)]
        json: bool,
    },
    /// Per month: counted money, cumulative, and the monthly run-rate target.
    Months {
        #[arg(long)]
        json: bool,
        #[arg(long, value_parser = parse_as_of)]
        as_of: Option<NaiveDate>,
    },
}

pub fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    parse_date(text).map_err(|e| e.to_string())
}

/// Every report of a store holding the synthetic exercise says so, on stderr so that JSON on
/// stdout stays machine-readable.
pub fn exercise_banner(ledger: &crate::AnyLedger) {
    if let Some(label) = crate::exercise::loaded(ledger) {
        eprintln!("note: this store includes the SYNTHETIC exercise {label:?} (records EX-*); it is not real data");
    }
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

pub fn run(ledger: &crate::AnyLedger, reader: Reader, command: ReportCommand) -> Result<()> {
    exercise_banner(ledger);
    match command {
        ReportCommand::Summary { json, as_of } => print_summary(ledger, as_of, json),
        ReportCommand::Parties { json, as_of } => print_parties(ledger, as_of, json),
        ReportCommand::Months { json, as_of } => print_months(ledger, as_of, json),
        ReportCommand::Balances { json } => print_balances(ledger, json),
        ReportCommand::Packages { json } => crate::report_procurement::print_packages(ledger, reader, json),
        ReportCommand::Pipeline { json } => crate::report_procurement::print_pipeline(ledger, json),
        ReportCommand::Requirements { json } => crate::report_procurement::print_requirements(ledger, reader, json),
    }
}

#[derive(Serialize)]
struct BalancesDto {
    after_events: u64,
    journal_entries: u64,
    /// Every non-zero balance (the balances dataset of docs/EXPORTS.md): debits positive.
    balances: Vec<BalanceDto>,
}

#[derive(Serialize)]
struct BalanceDto {
    book: String,
    account: String,
    currency: String,
    balance: String,
}

fn print_balances(ledger: &crate::AnyLedger, json: bool) -> Result<()> {
    let books = &ledger.state().books;
    if json {
        books.check_trial_balance().map_err(|error| anyhow::anyhow!("{error}"))?;
        let rows = tranche_api::datasets::balances(ledger.state()).rows;
        let balances = rows
            .into_iter()
            .map(|row| match <[String; 4]>::try_from(row) {
                Ok([book, account, currency, balance]) => Ok(BalanceDto { book, account, currency, balance }),
                Err(row) => Err(anyhow::anyhow!("a balances row of {} cells", row.len())),
            })
            .collect::<Result<Vec<_>>>()?;
        return print_json(&BalancesDto {
            after_events: ledger.head(),
            journal_entries: books.entry_count(),
            balances,
        });
    }
    out!(
        "Balances after {} events ({} journal entries); debits positive, credits negative",
        ledger.head(),
        books.entry_count()
    );
    for book in [tranche_core::Book::Memo, tranche_core::Book::Main] {
        out!("\n{} book", book.as_str());
        for (account, currency, minor) in books.balances().filter(|(a, _, m)| a.book() == book && *m != 0) {
            let money = Money::new(i64::try_from(minor)?, currency)?;
            out!("  {:<52} {currency} {:>20}", account.to_string(), grouped(&money));
        }
    }
    match books.check_trial_balance() {
        Ok(()) => out!("\ntrial balance: every book sums to zero in every currency"),
        Err(error) => anyhow::bail!("{error}"),
    }
    Ok(())
}

pub use tranche_io::wire::amounts as amounts_dto;

/// `4434608230.02` -> `4,434,608,230.02`.
pub fn grouped(money: &Money) -> String {
    let text = money.to_decimal_string();
    let (sign, digits) = text.strip_prefix('-').map_or(("", text.as_str()), |rest| ("-", rest));
    let (whole, fraction) = digits.split_once('.').map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{out}.{fraction}"),
        None => format!("{sign}{out}"),
    }
}

fn amounts_text(amounts: &BTreeMap<Currency, Money>) -> String {
    amounts.values().map(|m| format!("{} {:>17}", m.currency, grouped(m))).collect::<Vec<_>>().join("  ")
}

/// A party's counted amounts as text: `undisclosed` when every counted record of it is (never
/// a made-up 0.00), and marked as a lower bound when some are.
fn party_amounts_text(summary: &Summary, key: &str, amounts: &BTreeMap<Currency, Money>) -> String {
    if summary.undisclosed_only.contains(key) {
        return "undisclosed".to_string();
    }
    match summary.with_undisclosed.contains(key) {
        true => format!("{}  (and undisclosed)", amounts_text(amounts)),
        false => amounts_text(amounts),
    }
}

pub fn print_json<T: Serialize>(value: &T) -> Result<()> {
    out!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub fn print_summary(ledger: &crate::AnyLedger, as_of: Option<NaiveDate>, json: bool) -> Result<()> {
    let summary = ledger.summary(as_of.unwrap_or_else(today))?;
    if json {
        return print_json(&tranche_io::wire::SummaryDto::from(&summary));
    }
    let name = ledger.state().mechanism.as_ref().map_or("Pooled fund", |m| m.id.as_str());
    out!("{name} summary as of {} (counting rules: docs/COUNTING.md)", summary.as_of);
    out!("  total          {}", amounts_text(&summary.totals));
    out!("  contributors   {} ({} with undisclosed amounts)", summary.contributors, summary.undisclosed);
    let declined: Vec<String> = summary.declined.iter().map(|p| p.to_string()).collect();
    out!("  declined       {}", if declined.is_empty() { "none".to_string() } else { declined.join(", ") });
    if summary.contingent > 0 {
        out!(
            "  contingent     {} pledges, {} (apart until their triggers are declared)",
            summary.contingent,
            amounts_text(&summary.contingent_totals)
        );
    }
    out!("\nBy month");
    for (month, amounts) in &summary.by_month {
        out!("  {month}        {}", amounts_text(amounts));
    }
    out!("\nBy party (a joint package counts its remainder under its members, joined by +)");
    for (key, amounts) in &summary.by_party {
        out!("  {key:<32} {}", party_amounts_text(&summary, key, amounts));
    }
    print_targets(ledger, &summary)
}

/// Each cumulative goal: met or missed on its date (or the gap so far), and when it was reached.
fn print_targets(ledger: &crate::AnyLedger, summary: &Summary) -> Result<()> {
    let goals: Vec<_> = ledger.state().targets.values().filter(|t| t.kind == TargetKind::CumulativeGoal).collect();
    if goals.is_empty() {
        return Ok(());
    }
    out!("\nGoals");
    for goal in goals {
        let judged_on = goal.date.min(summary.as_of);
        let counted = ledger.summary(judged_on)?.totals.get(&goal.amount.currency).copied();
        let Some(counted) = counted else { continue };
        let gap = goal.amount.checked_sub(counted).expect("bounded amounts");
        let distance = grouped(&Money { amount_minor: gap.amount_minor.abs(), ..gap });
        let verdict = match (summary.as_of >= goal.date, gap.amount_minor <= 0) {
            (true, true) => format!("met on its date, over by {distance}"),
            (true, false) => format!("missed on its date by {distance}"),
            (false, true) => format!("met, over by {distance}"),
            (false, false) => format!("short by {distance} so far"),
        };
        let reached = tranche_core::first_date_reaching(ledger.state(), ledger.rates(), goal.amount, summary.as_of)?;
        let reached = reached.map_or(String::new(), |d| format!("; reached on {d}"));
        out!("  {} {} by {} ({}): {verdict}{reached}", goal.amount.currency, grouped(&goal.amount), goal.date, goal.id);
    }
    Ok(())
}

#[derive(Serialize)]
struct PartyRowDto {
    party: String,
    name: Option<String>,
    status: Option<String>,
    status_date: Option<String>,
    /// `null` when every counted record of the party is undisclosed.
    counted: Option<BTreeMap<String, String>>,
    /// A counted record of the party is undisclosed: `counted` is unknown (`null`) or a lower bound.
    undisclosed: bool,
    gdp_2021_bn_eur: Option<String>,
}

fn print_parties(ledger: &crate::AnyLedger, as_of: Option<NaiveDate>, json: bool) -> Result<()> {
    let summary = ledger.summary(as_of.unwrap_or_else(today))?;
    let state = ledger.state();
    let mut keys: Vec<String> = summary.by_party.keys().cloned().collect();
    keys.extend(state.participation.keys().map(|p| p.to_string()).filter(|p| !summary.by_party.contains_key(p)));
    keys.sort();
    let rows: Vec<PartyRowDto> = keys
        .iter()
        .map(|key| {
            let party = tranche_core::PartyId::parse(key).ok();
            let known = party.as_ref().and_then(|p| state.parties.get(p));
            let status = party.as_ref().and_then(|p| state.participation_on(p, summary.as_of));
            PartyRowDto {
                party: key.clone(),
                name: known.map(|p| p.name.to_string()),
                status: status.map(|s| s.change.status.to_string()),
                status_date: status.map(|s| s.change.date.to_string()),
                counted: match summary.undisclosed_only.contains(key) {
                    true => None,
                    false => Some(summary.by_party.get(key).map(amounts_dto).unwrap_or_default()),
                },
                undisclosed: summary.with_undisclosed.contains(key),
                gdp_2021_bn_eur: known.and_then(|p| p.gdp_2021_bn_eur).map(|g| g.to_string()),
            }
        })
        .collect();
    if json {
        return print_json(&rows);
    }
    out!("Parties as of {}", summary.as_of);
    out!(
        "  {:<32} {:<22} counted ({})",
        "party",
        "status",
        summary.currencies.iter().map(|c| c.code()).collect::<Vec<_>>().join(", ")
    );
    for row in &rows {
        let status = match (&row.status, &row.status_date) {
            (Some(status), Some(date)) => format!("{status} {date}"),
            _ => "-".to_string(),
        };
        let amounts = summary
            .by_party
            .get(&row.party)
            .map(|amounts| party_amounts_text(&summary, &row.party, amounts))
            .unwrap_or_default();
        out!("  {:<32} {:<22} {amounts}", row.party, status);
    }
    Ok(())
}

#[derive(Serialize)]
struct MonthRowDto {
    month: String,
    /// Pledges counted by the counting rules, by record month, in the reporting currencies.
    counted: BTreeMap<String, String>,
    cumulative: BTreeMap<String, String>,
    /// Procurement, in the package currency: requirements' estimated cost, packages funded,
    /// deliveries confirmed, and the monthly run-rate target.
    required: String,
    funded: String,
    delivered: String,
    target: Option<String>,
}

fn print_months(ledger: &crate::AnyLedger, as_of: Option<NaiveDate>, json: bool) -> Result<()> {
    let summary = ledger.summary(as_of.unwrap_or_else(today))?;
    let currency = ledger.state().mechanism.as_ref().map_or(Currency::USD, |m| m.package_currency);
    let procurement: BTreeMap<YearMonth, tranche_core::reports::MonthRow> =
        tranche_core::reports::months(ledger.state(), ledger.rates(), currency)?
            .into_iter()
            .map(|r| (r.month, r))
            .collect();
    let mut months: Vec<YearMonth> = summary.by_month.keys().chain(procurement.keys()).copied().collect();
    months.sort();
    months.dedup();
    let zero = Money::zero(currency);
    let mut cumulative: BTreeMap<Currency, Money> = summary.currencies.iter().map(|c| (*c, Money::zero(*c))).collect();
    let mut rows = Vec::new();
    for month in &months {
        let counted = summary
            .by_month
            .get(month)
            .cloned()
            .unwrap_or_else(|| cumulative.keys().map(|c| (*c, Money::zero(*c))).collect());
        for (currency, money) in &counted {
            let slot = cumulative.get_mut(currency).expect("reporting currency");
            *slot = slot.checked_add(*money).expect("bounded amounts");
        }
        let row = procurement.get(month);
        rows.push((month, counted.clone(), cumulative.clone(), row));
    }
    if json {
        let dtos: Vec<MonthRowDto> = rows
            .iter()
            .map(|(month, counted, cumulative, row)| MonthRowDto {
                month: month.to_string(),
                counted: amounts_dto(counted),
                cumulative: amounts_dto(cumulative),
                required: row.map_or(zero, |r| r.required).to_decimal_string(),
                funded: row.map_or(zero, |r| r.funded).to_decimal_string(),
                delivered: row.map_or(zero, |r| r.delivered).to_decimal_string(),
                target: row.and_then(|r| r.target).map(|t| t.to_decimal_string()),
            })
            .collect();
        return print_json(&dtos);
    }
    out!("Months as of {} (pledges counted by record date; procurement in {currency})", summary.as_of);
    let run_rate = ledger.state().targets.values().find(|t| t.kind == TargetKind::MonthlyRunRate);
    if let Some(target) = run_rate {
        out!("  monthly run-rate target: {} {} ({})", target.amount.currency, grouped(&target.amount), target.id);
    }
    for (month, counted, cumulative, row) in &rows {
        out!("  {month}  {}   cumulative {}", amounts_text(counted), amounts_text(cumulative));
        if let Some(row) = row {
            out!(
                "           required {} {}  funded {}  delivered {}",
                currency,
                grouped(&row.required),
                grouped(&row.funded),
                grouped(&row.delivered)
            );
        }
    }
    Ok(())
}
