//! `tranche share-key ...` and `tranche funding ...`: share keys, fair shares, funding proposals.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;
use tranche_core::auth::Role;
use tranche_core::domain::Source;
use tranche_core::funding::fair_share::{self, FairShare, Standing};
use tranche_core::funding::proposal::{self, FundingStatus, Proposal};
use tranche_core::{Command, Confidence, Currency, Money, Note, ShareKeyName, SourceUrl, parse_date};
use tranche_core::{CommandId, Envelope};
use tranche_io::funding_wire::{AcceptedDto, FairShareDto, ProposalDto};

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
    /// Which open packages the pledged money can fund, in priority order, with what blocks the
    /// rest; `--accept` (coordinator) writes its allocations, all or nothing.
    Propose {
        /// The proposal date: rates, triggers and statuses on this day (default: today).
        #[arg(long, value_parser = parse_day)]
        as_of: Option<NaiveDate>,
        /// Count announced, not yet committed money too (shown; never allocated on --accept).
        #[arg(long)]
        include_announced: bool,
        /// Count pledges waiting for this trigger as if it were declared (repeatable).
        #[arg(long = "assume-trigger")]
        assume_triggers: Vec<String>,
        #[arg(long)]
        json: bool,
        /// Write the allocations of the proposal you reviewed, in one transaction; needs
        /// --at-head with that proposal's `log_head`.
        #[arg(long, requires = "at_head")]
        accept: bool,
        /// With --accept: the log head the reviewed proposal was computed at; refused whole
        /// when the log has moved on since (a repeat of an accepted proposal changes nothing).
        #[arg(long, requires = "accept")]
        at_head: Option<u64>,
    },
}

/// The largest share-key file read (a key names at most 1,000 parties).
const MAX_KEY_FILE_BYTES: u64 = 1 << 20;

/// Reads a text file of at most `limit` bytes, refusing a larger one (or an endless one) early.
fn read_limited(path: &std::path::Path, limit: u64) -> Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > limit {
        anyhow::bail!("{}: larger than {limit} bytes; a share key names at most 1,000 parties", path.display());
    }
    String::from_utf8(bytes).with_context(|| format!("{}: not UTF-8 text", path.display()))
}

pub fn run_share_key(ledger: &mut crate::AnyLedger, actor: Option<Role>, command: ShareKeyCommand) -> Result<()> {
    match command {
        ShareKeyCommand::Import { file, name, source_url, confidence, note, common } => {
            // `--date`: the key's date, when its source published the values (default: today).
            let key_date = crate::domain_commands::day(&common);
            let actor = actor.ok_or_else(|| anyhow::anyhow!("the public may not write; pass --as ROLE"))?;
            let text = read_limited(&file, MAX_KEY_FILE_BYTES)?;
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

pub fn run_funding(ledger: &mut crate::AnyLedger, actor: Option<Role>, command: FundingCommand) -> Result<()> {
    match command {
        FundingCommand::Propose { as_of, include_announced, assume_triggers, json, accept, at_head } => {
            for trigger in &assume_triggers {
                tranche_core::procurement::parse_trigger(trigger)?;
            }
            let options = proposal::Options { as_of: as_of.unwrap_or_else(today), include_announced, assume_triggers };
            let proposal = proposal::propose(ledger.state(), ledger.rates(), &options)?;
            if accept {
                let actor = actor.ok_or_else(|| anyhow::anyhow!("the public may not write; pass --as coordinator"))?;
                return accept_proposal(ledger, actor, &proposal, &options, at_head, json);
            }
            match json {
                true => print_json(&ProposalDto::from(&proposal)),
                false => {
                    print_proposal(&proposal);
                    Ok(())
                }
            }
        }
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
                row.key_percent.map_or("-".to_string(), |p| {
                    format!("{:.4}", p.round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointNearestEven))
                }),
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

/// The command ids of a proposal's allocations: the log head it was computed at and a digest of
/// each allocation, so accepting the same proposal again applies nothing twice.
pub fn proposal_envelopes(proposal: &Proposal, actor: Role, scope: &str) -> Result<Vec<Envelope>> {
    use sha2::{Digest, Sha256};
    proposal
        .commands()
        .into_iter()
        .map(|command| {
            let digest = Sha256::digest(serde_json::to_vec(&command)?);
            let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
            let command_id = CommandId::parse(&format!("{scope}proposal:{}:{hex}", proposal.log_head))?;
            Ok(Envelope { command_id, actor, command })
        })
        .collect()
}

fn accept_proposal(
    ledger: &mut crate::AnyLedger,
    actor: Role,
    proposal: &Proposal,
    options: &proposal::Options,
    at_head: Option<u64>,
    json: bool,
) -> Result<()> {
    if let Some(expected) = at_head
        && expected != proposal.log_head
    {
        // A repeat: the proposal reviewed at `expected` was accepted already.
        let earlier =
            ledger.state_at(expected).ok().and_then(|past| proposal::propose(&past, ledger.rates(), options).ok());
        if let Some(earlier) = earlier {
            let envelopes = proposal_envelopes(&earlier, actor, "")?;
            let known = envelopes.iter().map(|e| ledger.known(e)).collect::<Result<Vec<_>, _>>()?;
            if !envelopes.is_empty() && known.iter().all(|k| *k == tranche_core::Known::Same) {
                out!("the proposal at log head {expected} was already accepted; nothing changed");
                return Ok(());
            }
        }
        anyhow::bail!(
            "the log is at head {}, not {expected}: the packages or pledges may have changed since the proposal you \
             reviewed; run `tranche funding propose` again",
            proposal.log_head
        );
    }
    let envelopes = proposal_envelopes(proposal, actor, "")?;
    if envelopes.is_empty() {
        anyhow::bail!("the proposal allocates no committed money; nothing to accept");
    }
    let outcomes = ledger.execute_all(&envelopes)?;
    let repeated = outcomes.iter().all(|o| o.repeated);
    let event_count: u64 = outcomes.iter().filter(|o| !o.repeated).map(|o| u64::from(o.event_count)).sum();
    let accepted = AcceptedDto {
        log_head: proposal.log_head,
        allocations: outcomes.iter().filter(|o| !o.repeated).count(),
        repeated,
        first_seq: outcomes.iter().find(|o| !o.repeated).map(|o| o.first_seq),
        event_count,
    };
    match json {
        true => print_json(&accepted),
        false => {
            match repeated {
                true => out!("the proposal at log head {} was already accepted; nothing changed", proposal.log_head),
                false => out!(
                    "accepted: {} allocations written as {} events (proposal computed at log head {})",
                    accepted.allocations,
                    accepted.event_count,
                    proposal.log_head
                ),
            }
            Ok(())
        }
    }
}

fn print_proposal(proposal: &Proposal) {
    let currency = proposal.currency;
    out!(
        "Funding proposal as of {} (computed at log head {}; amounts in {currency}; nothing written)",
        proposal.as_of,
        proposal.log_head
    );
    let mut options = Vec::new();
    if proposal.include_announced {
        options.push("announced money included (shown, never allocated)".to_string());
    }
    if !proposal.assume_triggers.is_empty() {
        options.push(format!("assuming triggers: {}", proposal.assume_triggers.join(", ")));
    }
    if !options.is_empty() {
        out!("  PROJECTION: {}", options.join("; "));
    }
    if proposal.packages.is_empty() {
        out!("\nNo open package needs money.");
    }
    out!(
        "\n  {:<10} {:<16} {:>18} {:>18} {:>18} {:>18}  status",
        "priority",
        "package",
        "price",
        "allocated",
        "need",
        "proposed"
    );
    for package in &proposal.packages {
        let status = match package.status {
            FundingStatus::Funded => "funded",
            FundingStatus::Partial => "partial",
            FundingStatus::Unfunded => "unfunded",
        };
        out!(
            "  {:<10} {:<16} {:>18} {:>18} {:>18} {:>18}  {status}",
            package.priority.as_ref().map_or("-".to_string(), |p| p.to_string()),
            package.package.as_str(),
            grouped(&package.price),
            grouped(&package.allocated_before),
            grouped(&package.need),
            grouped(&package.proposed),
        );
        for explanation in &package.explanations {
            out!("      {explanation}");
        }
    }
    if !proposal.allocations.is_empty() {
        out!("\nAllocations (pledge -> package)");
        for allocation in &proposal.allocations {
            let note = if allocation.committed { "" } else { "  (not committed: shown, not allocated on --accept)" };
            out!(
                "  {:<16} -> {:<16} {currency} {:>18}{note}",
                allocation.pledge.as_str(),
                allocation.package.as_str(),
                grouped(&allocation.amount)
            );
        }
    }
    if !proposal.excluded.is_empty() {
        out!("\nLeft out");
        for excluded in &proposal.excluded {
            out!("  {:<16} {}", excluded.pledge.as_str(), excluded.reason);
        }
    }
    out!("\nAccept with: tranche --as coordinator funding propose --accept --at-head {}", proposal.log_head);
}
