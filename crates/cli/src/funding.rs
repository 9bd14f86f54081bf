//! `tranche share-key ...` and `tranche funding ...`: share keys, fair shares, funding proposals.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;
use tranche_core::auth::Role;
use tranche_core::domain::Source;
use tranche_core::funding::fair_share::{self, FairShare, Standing};
use tranche_core::{Command, Confidence, Currency, Money, Note, ShareKeyName, SourceUrl, parse_date};
use tranche_io::funding_wire::FairShareDto;

use crate::domain_commands::{Common, submit};
use crate::report::{grouped, print_json, today};

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    parse_date(text).map_err(|e| e.to_string())
}

fn parse_key_name(text: &str) -> Result<ShareKeyName, String> {
    ShareKeyName::parse(text).map_err(|e| e.to_string())
}

#[derive(Subcommand)]
pub enum ShareKeyCommand {
    /// Load a share key from a CSV file with columns `party,value` (coordinator); `--date` is
    /// the key's date (when its source published the values).
    Import {
        file: PathBuf,
        /// The key's name (`gdp-2021`, `nato-cost-shares-2025`); a name is loaded once.
        #[arg(long, value_parser = parse_key_name)]
        name: ShareKeyName,
        /// Where the values come from (http or https URL).
        #[arg(long, value_parser = |t: &str| SourceUrl::parse(t).map_err(|e| e.to_string()))]
        source_url: Option<SourceUrl>,
        /// confirmed, reported or uncertain.
        #[arg(long, default_value = "confirmed", value_parser = |t: &str| Confidence::parse(t).map_err(|e| e.to_string()))]
        confidence: Confidence,
        #[arg(long, value_parser = |t: &str| Note::parse(t).map_err(|e| e.to_string()))]
        note: Option<Note>,
        #[command(flatten)]
        common: Common,
    },
    /// The keys loaded, with their dates and sources.
    List,
}

#[derive(Subcommand)]
pub enum FundingCommand {
    /// Per party: key value and percentage, fair share of the total counted so far, what it
    /// counted, committed and paid, and the difference; with --amount, the split of that amount.
    FairShare {
        /// The key (default: gdp-2021 when loaded, else the only key).
        #[arg(long, value_parser = parse_key_name)]
        key: Option<ShareKeyName>,
        /// An amount to split among the parties that carry a share, in whole units (`500000000`).
        #[arg(long, requires = "currency")]
        amount: Option<String>,
        #[arg(long, requires = "amount", value_parser = |t: &str| Currency::parse(t).map_err(|e| e.to_string()))]
        currency: Option<Currency>,
        /// Count records and participation on or before this date (default: today).
        #[arg(long, value_parser = parse_day)]
        as_of: Option<NaiveDate>,
        /// Partners outside the alliance (AUS, NZL) carry a share too.
        #[arg(long)]
        include_partners: bool,
        #[arg(long)]
        json: bool,
    },
}

pub fn run_share_key(ledger: &mut crate::AnyLedger, actor: Option<Role>, command: ShareKeyCommand) -> Result<()> {
    match command {
        ShareKeyCommand::Import { file, name, source_url, confidence, note, common } => {
            // `--date`: the key's date, when its source published the values (default: today).
            let key_date = crate::domain_commands::day(&common);
            let actor = actor.ok_or_else(|| anyhow::anyhow!("the public may not write; pass --as ROLE"))?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let source = Source { url: source_url, date: key_date, confidence };
            let key = tranche_io::share_key::parse(&file.display().to_string(), &text, name, source, note)?;
            submit(ledger, actor, &common, Command::LoadShareKey { key })
        }
        ShareKeyCommand::List => {
            let keys = &ledger.state().share_keys;
            if keys.is_empty() {
                out!("no share key is loaded");
            }
            for key in keys.values() {
                let url = key.source.url.as_ref().map_or("-", |u| u.as_str());
                out!(
                    "{}  {} parties  dated {}  {}  {}",
                    key.name,
                    key.values.len(),
                    key.source.date,
                    key.source.confidence,
                    url
                );
            }
            Ok(())
        }
    }
}

pub fn run_funding(ledger: &crate::AnyLedger, command: FundingCommand) -> Result<()> {
    match command {
        FundingCommand::FairShare { key, amount, currency, as_of, include_partners, json } => {
            let amount = match (amount, currency) {
                (Some(amount), Some(currency)) => Some(Money::parse_positive(&amount, currency)?),
                _ => None,
            };
            let options = fair_share::Options { key, as_of: as_of.unwrap_or_else(today), include_partners, amount };
            let share = fair_share::fair_share(ledger.state(), ledger.rates(), &options)?;
            match json {
                true => print_json(&FairShareDto::from(&share)),
                false => {
                    print_fair_share(&share);
                    Ok(())
                }
            }
        }
    }
}

fn money_or_dash(money: Option<&Money>) -> String {
    money.map_or("-".to_string(), grouped)
}

/// A figure the record may not report: "not reported" when it does not.
fn reported(money: Option<Option<Money>>) -> String {
    match money {
        None => "not reported".to_string(),
        Some(money) => money_or_dash(money.as_ref()),
    }
}

fn print_fair_share(share: &FairShare) {
    let key = &share.key;
    let url = key.source.url.as_ref().map_or("no URL", |u| u.as_str());
    out!(
        "Fair shares as of {} by key {} (dated {}, {}, {url})",
        share.as_of,
        key.name,
        key.source.date,
        key.source.confidence
    );
    if let Some(note) = &key.note {
        out!("  {note}");
    }
    let totals: Vec<String> = share.total.values().map(|m| format!("{} {}", m.currency, grouped(m))).collect();
    out!("Total counted so far: {}", totals.join("  "));
    let partners = match share.include_partners {
        true => "partners included",
        false => "partners outside the alliance carry none (--include-partners)",
    };
    out!("Carried by the participating contributors with a key value; {partners}.");
    let carriers: Vec<_> = share.rows.iter().filter(|r| r.standing == Standing::Carries).collect();
    for currency in &share.currencies {
        out!("\nIn {currency}");
        out!(
            "  {:<5} {:>10} {:>18} {:>18} {:>18} {:>18} {:>19} {:>9}",
            "party",
            "key %",
            "fair share",
            "counted",
            "committed",
            "paid",
            "difference",
            "diff %"
        );
        for row in &carriers {
            let pick = |amounts: &tranche_core::summary::Amounts| amounts.get(currency).copied();
            let difference_percent =
                row.difference_percent.get(currency).map_or("-".to_string(), |p| format!("{p:.2}%"));
            out!(
                "  {:<5} {:>10} {:>18} {:>18}{} {:>18} {:>18} {:>19} {:>9}",
                row.party.as_str(),
                row.key_percent.map_or("-".to_string(), |p| format!("{:.4}", p)),
                money_or_dash(row.fair_share.as_ref().and_then(pick).as_ref()),
                money_or_dash(pick(&row.counted).as_ref()),
                if row.undisclosed { "*" } else { " " },
                reported(row.committed.as_ref().map(|c| pick(c))),
                reported(row.paid.as_ref().map(|p| pick(p))),
                money_or_dash(row.difference.as_ref().and_then(pick).as_ref()),
                difference_percent,
            );
        }
    }
    if carriers.iter().any(|r| r.undisclosed) {
        out!("  * has an undisclosed pledge: its counted figure is a lower bound");
    }
    if let Some(amount) = share.amount {
        out!("\nSplit of {} {} in whole units (largest remainder)", amount.currency, grouped(&amount));
        for row in &carriers {
            out!("  {:<5} {:>22}", row.party.as_str(), money_or_dash(row.proposed.as_ref()));
        }
    }
    let listed = |standing: fn(&Standing) -> bool| -> Vec<&fair_share::Row> {
        share.rows.iter().filter(|r| standing(&r.standing)).collect()
    };
    let no_value = listed(|s| *s == Standing::NoKeyValue);
    if !no_value.is_empty() {
        let names: Vec<&str> = no_value.iter().map(|r| r.party.as_str()).collect();
        out!("\nNo key value in {} (participating; listed, never guessed): {}", key.name, names.join(", "));
    }
    let declined = listed(|s| matches!(s, Standing::NotParticipating { .. }));
    if !declined.is_empty() {
        out!("\nCarry no share (not participating on {}):", share.as_of);
        for row in declined {
            if let Standing::NotParticipating { status, since, source } = &row.standing {
                let url = source.url.as_ref().map_or("no URL", |u| u.as_str());
                out!("  {:<5} {status} since {since} ({}, {url})", row.party.as_str(), source.confidence);
            }
        }
    }
    let partners = listed(|s| *s == Standing::Partner);
    if !partners.is_empty() {
        out!("\nPartners outside the alliance (carry no share; their money counts as paid in):");
        for row in partners {
            let counted: Vec<String> = row.counted.values().map(|m| format!("{} {}", m.currency, grouped(m))).collect();
            out!("  {:<5} counted {}", row.party.as_str(), counted.join("  "));
        }
    }
    let others = listed(|s| matches!(s, Standing::NotContributor { .. }));
    if !others.is_empty() {
        let names: Vec<String> = others
            .iter()
            .map(|r| match &r.standing {
                Standing::NotContributor { role } => format!("{} ({role})", r.party),
                _ => r.party.to_string(),
            })
            .collect();
        out!("\nNot contributors (carry no share): {}", names.join(", "));
    }
}
