//! `tranche report packages | pipeline | requirements`: procurement reports for people and
//! scripts. The reader decides whether restricted fields appear.

use anyhow::Result;
use tranche_core::Currency;
use tranche_core::auth::Reader;
use tranche_core::reports::{package_rows, pipeline};

use crate::report::{grouped, print_json, today};

pub fn print_packages(ledger: &crate::AnyLedger, reader: Reader, json: bool) -> Result<()> {
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

pub fn print_pipeline(ledger: &crate::AnyLedger, json: bool) -> Result<()> {
    let currency = ledger.state().mechanism.as_ref().map_or(Currency::USD, |m| m.package_currency);
    let rows = pipeline(ledger.state(), currency, today());
    if json {
        return print_json(&tranche_io::wire::pipeline(ledger.state(), currency, today()));
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

pub fn print_requirements(ledger: &crate::AnyLedger, reader: Reader, json: bool) -> Result<()> {
    let rows = tranche_io::wire::requirements(ledger.state(), reader);
    if json {
        return print_json(&rows);
    }
    let mut month = String::new();
    for row in &rows {
        if row.month != month {
            month = row.month.clone();
            out!("{month} (list version {})", row.list_version.unwrap_or(0));
        }
        let rank = row.rank.map_or("-".to_string(), |r| r.to_string());
        let detail = match (&row.description, row.quantity) {
            (Some(d), Some(q)) => format!(" x{q}: {d}"),
            (Some(d), None) => format!(": {d}"),
            _ => String::new(),
        };
        let package = row.package.as_deref().map_or(String::new(), |p| format!(" [package {p}]"));
        out!("  {rank:>2}. {} {} {}{detail}{package}", row.requirement, row.category, row.estimated_cost);
    }
    Ok(())
}
