//! `tranche report packages | pipeline | requirements`: procurement reports for people and
//! scripts. The reader decides whether restricted fields appear.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;
use tranche_core::Currency;
use tranche_core::auth::Reader;
use tranche_core::reports::{package_rows, pipeline};
use tranche_store::{Ledger, SqliteStore};

use crate::report::{grouped, print_json, today};

pub fn print_packages(ledger: &Ledger<SqliteStore>, reader: Reader, json: bool) -> Result<()> {
    let rows = package_rows(ledger.state(), reader);
    if json {
        let dtos: Vec<tranche_io::wire::PackageDto> = rows.iter().map(Into::into).collect();
        return print_json(&dtos);
    }
    out!("Packages ({} of them; amounts in the package currency)", rows.len());
    out!(
        "  {:<16} {:<11} {:>18} {:>18} {:>18} {:>18} {:>18} {:>9}",
        "package",
        "state",
        "price",
        "allocated",
        "paid",
        "disbursed",
        "delivered",
        "coverage"
    );
    for row in &rows {
        let price = row.price.map_or("-".to_string(), |p| grouped(&p));
        let coverage = row.coverage_percent.map_or("-".to_string(), |c| format!("{c}%"));
        out!(
            "  {:<16} {:<11} {:>18} {:>18} {:>18} {:>18} {:>18} {:>9}",
            row.package,
            row.state.to_string(),
            price,
            grouped(&row.allocated),
            grouped(&row.paid),
            grouped(&row.disbursed),
            grouped(&row.delivered),
            coverage
        );
        if let Some(name) = &row.name {
            out!("    {name}");
        }
        for line in &row.lines {
            let quantity = line.quantity.map_or(String::new(), |q| format!(" x{q}"));
            let delivered = match (line.delivered, line.confirmed_on) {
                (Some(value), Some(on)) => format!("delivered {} (confirmed {on})", grouped(&value)),
                (Some(value), None) => format!("delivered {} (not confirmed)", grouped(&value)),
                _ => "not delivered".to_string(),
            };
            out!("    - {} [{}]{quantity}: {} — {delivered}", line.requirement, line.category, line.description);
        }
        let steps: Vec<String> = row.history.iter().map(|(s, d)| format!("{s} {d}")).collect();
        out!("    {}", steps.join(" > "));
    }
    Ok(())
}

#[derive(Serialize)]
struct PipelineDto {
    state: String,
    packages: usize,
    money: String,
    mean_days: Option<String>,
}

pub fn print_pipeline(ledger: &Ledger<SqliteStore>, json: bool) -> Result<()> {
    let currency = ledger.state().mechanism.as_ref().map_or(Currency::USD, |m| m.package_currency);
    let rows = pipeline(ledger.state(), currency, today());
    if json {
        let dtos: Vec<PipelineDto> = rows
            .iter()
            .map(|r| PipelineDto {
                state: r.state.to_string(),
                packages: r.packages,
                money: r.money.to_decimal_string(),
                mean_days: r.mean_days.map(|d| d.to_string()),
            })
            .collect();
        return print_json(&dtos);
    }
    out!("Pipeline (packages now in each state; mean days spent in it, in {currency})");
    for row in &rows {
        let days = row.mean_days.map_or("-".to_string(), |d| format!("{d} days"));
        out!("  {:<11} {:>3}  {:>20}  {days}", row.state.to_string(), row.packages, grouped(&row.money));
    }
    let total: usize = rows.iter().map(|r| r.packages).sum();
    out!("  {:<11} {:>3}", "all", total);
    Ok(())
}

#[derive(Serialize)]
struct RequirementDto {
    rank: Option<usize>,
    requirement: String,
    category: String,
    estimated_cost: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    package: Option<String>,
}

pub fn print_requirements(ledger: &Ledger<SqliteStore>, reader: Reader, json: bool) -> Result<()> {
    let state = ledger.state();
    let mut by_month: BTreeMap<String, Vec<RequirementDto>> = BTreeMap::new();
    for requirement in state.requirements.values() {
        let latest = state.lists.get(&requirement.month).and_then(|versions| versions.last());
        let rank = latest.and_then(|list| list.order.iter().position(|id| *id == requirement.id)).map(|i| i + 1);
        let package = state
            .packages
            .values()
            .find(|p| p.state.as_str() != "cancelled" && p.requirements.contains(&requirement.id));
        by_month.entry(requirement.month.to_string()).or_default().push(RequirementDto {
            rank,
            requirement: requirement.id.to_string(),
            category: requirement.category.to_string(),
            estimated_cost: requirement.estimated_cost.to_decimal_string(),
            quantity: requirement.restricted.quantity.filter(|_| reader.sees_restricted()),
            description: reader.sees_restricted().then(|| requirement.restricted.description.clone()),
            package: package.map(|p| p.id.to_string()),
        });
    }
    for rows in by_month.values_mut() {
        rows.sort_by_key(|r| (r.rank.unwrap_or(usize::MAX), r.requirement.clone()));
    }
    if json {
        return print_json(&by_month);
    }
    for (month, rows) in &by_month {
        let version = state.lists.get(&tranche_core::YearMonth::parse(month)?).map_or(0, |v| v.len());
        out!("{month} (list version {version})");
        for row in rows {
            let rank = row.rank.map_or("-".to_string(), |r| r.to_string());
            let detail = match (&row.description, row.quantity) {
                (Some(d), Some(q)) => format!(" x{q}: {d}"),
                (Some(d), None) => format!(": {d}"),
                _ => String::new(),
            };
            let package = row.package.as_deref().map_or(String::new(), |p| format!(" [package {p}]"));
            out!("  {rank:>2}. {} {} {}{detail}{package}", row.requirement, row.category, row.estimated_cost);
        }
    }
    Ok(())
}
