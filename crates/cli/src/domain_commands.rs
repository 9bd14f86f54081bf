//! Domain commands from the command line: pledges, participation, targets.
//!
//! Each takes `--command-id`; without it the id is derived from the command's content, so
//! running the same command line twice applies it once. Give distinct ids to record two
//! identical payments.

use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use sha2::{Digest, Sha256};
use tranche_core::auth::Role;
use tranche_core::command::Percent;
use tranche_core::command::{MemberShare, Share};
use tranche_core::{
    Announcement, Command, CommandId, Confidence, Contributor, Currency, Envelope, Group, GroupId, Money, PackageRef,
    ParticipationStatus, PartyId, PledgeId, PledgeKind, Source, Target, TargetId, TargetKind, parse_date,
};
use tranche_core::{Name, Note, SourceUrl};

#[derive(Args, Clone)]
pub struct Common {
    /// Client-chosen idempotency key. Default: derived from the command's content.
    #[arg(long)]
    command_id: Option<String>,
    /// The date of the fact (YYYY-MM-DD). Default: today.
    #[arg(long, value_parser = parse_day)]
    date: Option<NaiveDate>,
}

#[derive(Args, Clone)]
pub struct SourceArgs {
    /// Where the fact came from (http or https URL).
    #[arg(long, value_parser = |t: &str| SourceUrl::parse(t).map_err(|e| e.to_string()))]
    source_url: Option<SourceUrl>,
    /// confirmed, reported or uncertain.
    #[arg(long, default_value = "confirmed", value_parser = |t: &str| Confidence::parse(t).map_err(|e| e.to_string()))]
    confidence: Confidence,
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    parse_date(text).map_err(|e| e.to_string())
}

fn parse_currency(text: &str) -> Result<Currency, String> {
    Currency::parse(text).map_err(|e| e.to_string())
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub enum PledgeCommand {
    /// Announce a pledge (non-binding; memo book).
    Announce {
        /// The pledge id (for example a record id).
        id: String,
        /// The pledging party; several (comma-separated) for a joint pledge.
        #[arg(long, value_delimiter = ',', required_unless_present = "group", conflicts_with = "group")]
        party: Vec<String>,
        /// A defined group pledging jointly (its members, as listed in the group).
        #[arg(long)]
        group: Option<String>,
        /// The amount in major units (`500000000`, `12.50`); omit with --undisclosed.
        #[arg(long, required_unless_present = "undisclosed")]
        amount: Option<String>,
        #[arg(long, value_parser = parse_currency, required_unless_present = "undisclosed")]
        currency: Option<Currency>,
        /// The amount is not public.
        #[arg(long, conflicts_with_all = ["amount", "currency"])]
        undisclosed: bool,
        /// The pledge is a joint package's total (its members' own pledges are subtracted).
        #[arg(long)]
        joint_package: bool,
        #[arg(long)]
        package: Option<String>,
        /// Earmark (a requirement category such as air-defence).
        #[arg(long, value_parser = |t: &str| Name::parse(t).map_err(|e| e.to_string()))]
        earmark: Option<Name>,
        /// A member's share of a joint pledge: PARTY=AMOUNT or PARTY=PERCENT% (repeat per member;
        /// the shares must sum to the whole).
        #[arg(long = "share")]
        shares: Vec<String>,
        /// The pledge counts apart and commits only when the coordinator declares this trigger.
        #[arg(long)]
        contingent_on: Option<String>,
        /// The most this pledge may give any one package, in major units of its currency.
        #[arg(long, conflicts_with = "undisclosed")]
        cap_per_package: Option<String>,
        /// An earlier announcement this one replaces.
        #[arg(long)]
        supersedes: Option<String>,
        #[arg(long, value_parser = |t: &str| Note::parse(t).map_err(|e| e.to_string()))]
        note: Option<Note>,
        #[command(flatten)]
        source: SourceArgs,
        #[command(flatten)]
        common: Common,
    },
    /// Make a pledge binding (main book). The amount defaults to the announced one.
    Commit {
        id: String,
        #[arg(long, requires = "currency")]
        amount: Option<String>,
        #[arg(long, value_parser = parse_currency, requires = "amount")]
        currency: Option<Currency>,
        #[command(flatten)]
        common: Common,
    },
    /// Record a payment against a committed pledge, in any currency with a reference rate.
    Pay {
        id: String,
        #[arg(long)]
        amount: String,
        #[arg(long, value_parser = parse_currency)]
        currency: Currency,
        #[command(flatten)]
        common: Common,
    },
    /// Withdraw a pledge; a binding one releases its unpaid remainder.
    Withdraw {
        id: String,
        #[arg(long, value_parser = |t: &str| Note::parse(t).map_err(|e| e.to_string()))]
        reason: Option<Note>,
        #[command(flatten)]
        common: Common,
    },
    /// Mark an announced pledge as replaced by another.
    Supersede {
        id: String,
        #[arg(long)]
        by: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
pub enum ParticipationCommand {
    /// Record a party's status: participating, declined, non-participation, deferred, withdrawn.
    Record {
        party: String,
        #[arg(long, value_parser = |t: &str| ParticipationStatus::parse(t).map_err(|e| e.to_string()))]
        status: ParticipationStatus,
        #[arg(long, value_parser = |t: &str| Note::parse(t).map_err(|e| e.to_string()))]
        note: Option<Note>,
        #[command(flatten)]
        source: SourceArgs,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
pub enum GroupCommand {
    /// Define a named group of parties that acts jointly.
    Define {
        id: String,
        #[arg(long, value_parser = |t: &str| Name::parse(t).map_err(|e| e.to_string()))]
        name: Name,
        /// The members, comma-separated, in the order they are listed.
        #[arg(long, value_delimiter = ',', required = true)]
        members: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
}

pub fn run_group(ledger: &mut crate::AnyLedger, actor: Role, command: GroupCommand) -> Result<()> {
    let GroupCommand::Define { id, name, members, common } = command;
    let members = members.iter().map(|p| PartyId::parse(p.trim())).collect::<Result<Vec<_>, _>>()?;
    let group = Group { id: GroupId::parse(&id)?, name, members };
    submit(ledger, actor, &common, Command::DefineGroup { group })
}

#[derive(Subcommand)]
pub enum TargetCommand {
    /// Record a target: monthly-run-rate, cumulative-goal or annual-need.
    Set {
        id: String,
        #[arg(long, value_parser = |t: &str| TargetKind::parse(t).map_err(|e| e.to_string()))]
        kind: TargetKind,
        #[arg(long)]
        amount: String,
        #[arg(long, value_parser = parse_currency)]
        currency: Currency,
        #[arg(long, value_parser = |t: &str| Note::parse(t).map_err(|e| e.to_string()))]
        note: Option<Note>,
        #[command(flatten)]
        source: SourceArgs,
        #[command(flatten)]
        common: Common,
    },
}

pub(crate) fn day(common: &Common) -> NaiveDate {
    common.date.unwrap_or_else(|| chrono::Utc::now().date_naive())
}

fn source(args: &SourceArgs, date: NaiveDate) -> Result<Source> {
    let url = args.source_url.clone();
    Ok(Source { url, date, confidence: args.confidence })
}

/// Runs one command with its idempotency key and prints what happened.
pub(crate) fn submit(ledger: &mut crate::AnyLedger, actor: Role, common: &Common, command: Command) -> Result<()> {
    let command_id = match &common.command_id {
        Some(id) => CommandId::parse(id)?,
        None => {
            let digest = Sha256::digest(serde_json::to_vec(&(actor, &command))?);
            let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
            CommandId::parse(&format!("cli:{hex}")).expect("hex makes a valid id")
        }
    };
    let name = command.name();
    let outcome = ledger.execute(&Envelope { command_id: command_id.clone(), actor, command })?;
    let last = outcome.first_seq + u64::from(outcome.event_count) - 1;
    match outcome.repeated {
        true => out!("{name} {command_id}: already applied as events {}..={last}; nothing changed", outcome.first_seq),
        false => out!("{name} {command_id}: accepted as events {}..={last}", outcome.first_seq),
    }
    Ok(())
}

/// `NLD=60%` or `NLD=300000000` (in the pledge's currency).
fn parse_shares(texts: &[String], currency: Option<Currency>) -> Result<Vec<MemberShare>> {
    texts
        .iter()
        .map(|text| {
            let (party, share) = text
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("--share takes PARTY=AMOUNT or PARTY=PERCENT%, got {text:?}"))?;
            let share = match share.strip_suffix('%') {
                Some(percent) => Share::Percent(Percent::new(
                    percent.trim().parse().map_err(|_| anyhow::anyhow!("share {share:?} is not a percentage"))?,
                )?),
                None => {
                    let currency = currency
                        .ok_or_else(|| anyhow::anyhow!("an undisclosed pledge takes its shares as percentages"))?;
                    Share::Amount(money(share, currency)?)
                }
            };
            Ok(MemberShare { party: PartyId::parse(party.trim())?, share })
        })
        .collect()
}

pub(crate) fn money(amount: &str, currency: Currency) -> Result<Money> {
    Ok(Money::parse_positive(amount, currency)?)
}

pub fn run_pledge(ledger: &mut crate::AnyLedger, actor: Role, command: PledgeCommand) -> Result<()> {
    match command {
        PledgeCommand::Announce {
            id,
            party,
            group,
            amount,
            currency,
            undisclosed,
            joint_package,
            package,
            earmark,
            supersedes,
            contingent_on,
            cap_per_package,
            shares,
            note,
            source: source_args,
            common,
        } => {
            let parties = match group {
                Some(group) => {
                    let id = GroupId::parse(&group)?;
                    let group = ledger.state().groups.get(&id).ok_or_else(|| anyhow::anyhow!("unknown group {id}"))?;
                    group.members.clone()
                }
                None => party.iter().map(|p| PartyId::parse(p.trim())).collect::<Result<Vec<_>, _>>()?,
            };
            let contributor = match parties.as_slice() {
                [one] => Contributor::Party(*one),
                _ => Contributor::Joint(parties),
            };
            if joint_package && matches!(contributor, Contributor::Party(_)) {
                bail!("a joint package needs at least two parties (--party A,B)");
            }
            let amount = match (undisclosed, amount, currency) {
                (true, _, _) => None,
                (false, Some(amount), Some(currency)) => Some(money(&amount, currency)?),
                _ => bail!("give --amount and --currency, or --undisclosed"),
            };
            let date = day(&common);
            let announcement = Announcement {
                pledge: PledgeId::parse(&id)?,
                kind: if joint_package { PledgeKind::JointPackage } else { PledgeKind::Solo },
                contributor,
                amount,
                package: package.as_deref().map(PackageRef::parse).transpose()?,
                earmark,
                date,
                source: source(&source_args, date)?,
                note,
                contingent_on,
                shares: parse_shares(&shares, amount.map(|a| a.currency))?,
                cap_per_package: match (cap_per_package, amount) {
                    (Some(cap), Some(amount)) => Some(money(&cap, amount.currency)?),
                    _ => None,
                },
            };
            let supersedes = supersedes.as_deref().map(PledgeId::parse).transpose()?;
            submit(ledger, actor, &common, Command::AnnouncePledge { announcement, supersedes })
        }
        PledgeCommand::Commit { id, amount, currency, common } => {
            let amount = match (amount, currency) {
                (Some(amount), Some(currency)) => Some(money(&amount, currency)?),
                _ => None,
            };
            submit(
                ledger,
                actor,
                &common,
                Command::CommitPledge { pledge: PledgeId::parse(&id)?, amount, date: day(&common) },
            )
        }
        PledgeCommand::Pay { id, amount, currency, common } => {
            let amount = money(&amount, currency)?;
            submit(
                ledger,
                actor,
                &common,
                Command::PayPledge { pledge: PledgeId::parse(&id)?, amount, date: day(&common) },
            )
        }
        PledgeCommand::Withdraw { id, reason, common } => submit(
            ledger,
            actor,
            &common,
            Command::WithdrawPledge { pledge: PledgeId::parse(&id)?, date: day(&common), reason },
        ),
        PledgeCommand::Supersede { id, by, common } => {
            let command = Command::SupersedePledge {
                pledge: PledgeId::parse(&id)?,
                by: PledgeId::parse(&by)?,
                date: day(&common),
            };
            submit(ledger, actor, &common, command)
        }
    }
}

pub fn run_participation(ledger: &mut crate::AnyLedger, actor: Role, command: ParticipationCommand) -> Result<()> {
    let ParticipationCommand::Record { party, status, note, source: source_args, common } = command;
    let command = Command::RecordParticipation {
        party: PartyId::parse(&party)?,
        status,
        source: source(&source_args, day(&common))?,
        note,
    };
    submit(ledger, actor, &common, command)
}

pub fn run_target(ledger: &mut crate::AnyLedger, actor: Role, command: TargetCommand) -> Result<()> {
    let TargetCommand::Set { id, kind, amount, currency, note, source: source_args, common } = command;
    let date = day(&common);
    let target = Target {
        id: TargetId::parse(&id)?,
        kind,
        amount: money(&amount, currency)?,
        date,
        source: source(&source_args, date)?,
        note,
    };
    submit(ledger, actor, &common, Command::SetTarget { target })
}
