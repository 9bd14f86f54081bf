//! Procurement from the command line: requirements and lists, decisions, packages, triggers.
//! Amounts are in the mechanism's package currency (USD for PURL).

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use tranche_core::auth::Role;
use tranche_core::procurement::{Procedure, Requirement, RequirementCategory, Response, Restricted, Subject};
use tranche_core::{Command, Currency, DecisionId, PackageRef, PartyId, PledgeId, RequirementId, YearMonth};
use tranche_core::{Name, Note};

use crate::domain_commands::{Common, day, money, submit};

fn parse_month(text: &str) -> Result<YearMonth, String> {
    YearMonth::parse(text).map_err(|e| e.to_string())
}

#[derive(Subcommand)]
pub enum RequirementCommand {
    /// Submit a requirement (recipient). Quantity and description are restricted fields.
    Submit {
        id: String,
        #[arg(long, value_parser = |t: &str| RequirementCategory::parse(t).map_err(|e| e.to_string()))]
        category: RequirementCategory,
        /// Estimated cost in the package currency, major units.
        #[arg(long)]
        cost: String,
        #[arg(long, value_parser = parse_month)]
        month: YearMonth,
        #[arg(long)]
        quantity: Option<u64>,
        #[arg(long, value_parser = |t: &str| Note::parse(t).map_err(|e| e.to_string()))]
        description: Note,
        #[command(flatten)]
        common: Common,
    },
    /// Record a new version of a month's prioritised list, rank 1 first (recipient).
    Prioritise {
        #[arg(long, value_parser = parse_month)]
        month: YearMonth,
        /// Requirement ids, comma-separated, highest priority first.
        #[arg(value_delimiter = ',', required = true)]
        order: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct SubjectArgs {
    /// The package the decision approves.
    #[arg(long)]
    package: Option<String>,
    /// The list the decision approves: MONTH:VERSION, such as 2026-03:2.
    #[arg(long)]
    list: Option<String>,
}

#[derive(Subcommand)]
pub enum DecisionCommand {
    /// Open a decision by consensus or by silence procedure (coordinator).
    Open {
        id: String,
        #[command(flatten)]
        subject: SubjectArgs,
        /// Silence procedure: adopted at this date unless a participant objects.
        #[arg(long, conflicts_with = "consensus", required_unless_present = "consensus")]
        silence_until: Option<String>,
        #[arg(long)]
        consensus: bool,
        /// Parties named; those that declined or do not participate are recorded but not asked.
        #[arg(long, value_delimiter = ',', required = true)]
        participants: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Respond for a party: --approve, --object, or --reservation TEXT (approval on record).
    Respond {
        id: String,
        #[arg(long)]
        party: String,
        #[arg(long, group = "response")]
        approve: bool,
        #[arg(long, group = "response")]
        object: bool,
        #[arg(long, group = "response", value_parser = |t: &str| Note::parse(t).map_err(|e| e.to_string()))]
        reservation: Option<Note>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
pub enum PackageCommand {
    /// Bundle requirements into a draft package (coordinator).
    Draft {
        id: String,
        #[arg(long, value_parser = |t: &str| Name::parse(t).map_err(|e| e.to_string()))]
        name: Name,
        #[arg(long, value_delimiter = ',', required = true)]
        requirements: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    Propose {
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Quote the package's price (supplier).
    Quote {
        id: String,
        #[arg(long)]
        price: String,
        #[command(flatten)]
        common: Common,
    },
    /// Approve a proposed package with an adopted decision about it (coordinator).
    Approve {
        id: String,
        #[arg(long)]
        decision: String,
        #[command(flatten)]
        common: Common,
    },
    Open {
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Set aside committed money of a pledge for the package (coordinator).
    Allocate {
        id: String,
        #[arg(long)]
        pledge: String,
        #[arg(long)]
        amount: String,
        #[command(flatten)]
        common: Common,
    },
    Contract {
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Pay the supplier from the package's funds (supplier).
    Disburse {
        id: String,
        #[arg(long)]
        amount: String,
        #[command(flatten)]
        common: Common,
    },
    /// Record the delivery of one line (supplier).
    Deliver {
        id: String,
        #[arg(long)]
        requirement: String,
        #[arg(long)]
        quantity: Option<u64>,
        #[arg(long)]
        value: String,
        #[command(flatten)]
        common: Common,
    },
    /// Confirm receipt of one line (recipient).
    Confirm {
        id: String,
        #[arg(long)]
        requirement: String,
        #[command(flatten)]
        common: Common,
    },
    Close {
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Cancel; undisbursed allocations go back to the pool (coordinator).
    Cancel {
        id: String,
        #[arg(long, value_parser = |t: &str| Note::parse(t).map_err(|e| e.to_string()))]
        reason: Option<Note>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
pub enum CashCommand {
    /// Exchange cash the fund holds into another currency at the reference rate (coordinator).
    Convert {
        #[arg(long)]
        amount: String,
        #[arg(long, value_parser = |t: &str| Currency::parse(t).map_err(|e| e.to_string()))]
        currency: Currency,
        #[arg(long, value_parser = |t: &str| Currency::parse(t).map_err(|e| e.to_string()))]
        to: Currency,
        #[command(flatten)]
        common: Common,
    },
}

pub fn run_cash(ledger: &mut crate::AnyLedger, actor: Role, command: CashCommand) -> Result<()> {
    let CashCommand::Convert { amount, currency, to, common } = command;
    let from = money(&amount, currency)?;
    submit(ledger, actor, &common, Command::ConvertCash { from, to, date: day(&common) })
}

#[derive(Subcommand)]
pub enum TriggerCommand {
    /// Declare a trigger (`talks-fail`): contingent pledges waiting for it become committed.
    Declare {
        name: String,
        #[command(flatten)]
        common: Common,
    },
}

fn package_currency(ledger: &crate::AnyLedger) -> Result<Currency> {
    ledger
        .state()
        .mechanism
        .as_ref()
        .map(|m| m.package_currency)
        .context("no mechanism is defined; run `tranche demo` or define one")
}

fn ids<T>(texts: &[String], parse: fn(&str) -> Result<T, tranche_core::ParseError>) -> Result<Vec<T>> {
    texts.iter().map(|t| parse(t.trim()).map_err(Into::into)).collect()
}

pub fn run_requirement(ledger: &mut crate::AnyLedger, actor: Role, command: RequirementCommand) -> Result<()> {
    match command {
        RequirementCommand::Submit { id, category, cost, month, quantity, description, common } => {
            let requirement = Requirement {
                id: RequirementId::parse(&id)?,
                category,
                estimated_cost: money(&cost, package_currency(ledger)?)?,
                month,
                submitted_on: day(&common),
                restricted: Restricted { quantity, description },
            };
            submit(ledger, actor, &common, Command::SubmitRequirement { requirement })
        }
        RequirementCommand::Prioritise { month, order, common } => {
            let order = ids(&order, RequirementId::parse)?;
            submit(ledger, actor, &common, Command::PrioritiseList { month, order, date: day(&common) })
        }
    }
}

pub fn run_decision(ledger: &mut crate::AnyLedger, actor: Role, command: DecisionCommand) -> Result<()> {
    match command {
        DecisionCommand::Open { id, subject, silence_until, consensus: _, participants, common } => {
            let subject = match (subject.package, subject.list) {
                (Some(package), _) => Subject::Package(PackageRef::parse(&package)?),
                (None, Some(list)) => {
                    let (month, version) =
                        list.split_once(':').ok_or_else(|| anyhow!("--list takes MONTH:VERSION, got {list:?}"))?;
                    let version = version.parse().map_err(|_| anyhow!("--list version {version:?} is not a number"))?;
                    Subject::List { month: YearMonth::parse(month)?, version }
                }
                (None, None) => bail!("give --package or --list"),
            };
            let procedure = match silence_until {
                Some(deadline) => Procedure::Silence { deadline: tranche_core::parse_date(&deadline)? },
                None => Procedure::Consensus,
            };
            let participants = ids(&participants, PartyId::parse)?;
            let command = Command::OpenDecision {
                decision: DecisionId::parse(&id)?,
                subject,
                procedure,
                participants,
                date: day(&common),
            };
            submit(ledger, actor, &common, command)
        }
        DecisionCommand::Respond { id, party, approve, object, reservation, common } => {
            let response = match (approve, object, reservation) {
                (true, _, _) => Response::Approve,
                (_, true, _) => Response::Object,
                (_, _, Some(text)) => Response::Reservation(text),
                _ => bail!("give --approve, --object or --reservation TEXT"),
            };
            let command = Command::RespondToDecision {
                decision: DecisionId::parse(&id)?,
                party: PartyId::parse(&party)?,
                response,
                date: day(&common),
            };
            submit(ledger, actor, &common, command)
        }
    }
}

pub fn run_package(ledger: &mut crate::AnyLedger, actor: Role, command: PackageCommand) -> Result<()> {
    let currency = package_currency(ledger)?;
    let package = |id: &str| PackageRef::parse(id);
    let (common, command) = match command {
        PackageCommand::Draft { id, name, requirements, common } => {
            let requirements = ids(&requirements, RequirementId::parse)?;
            let date = day(&common);
            (common, Command::DraftPackage { package: package(&id)?, name, requirements, date })
        }
        PackageCommand::Propose { id, common } => {
            (common.clone(), Command::ProposePackage { package: package(&id)?, date: day(&common) })
        }
        PackageCommand::Quote { id, price, common } => {
            let price = money(&price, currency)?;
            (common.clone(), Command::QuotePackage { package: package(&id)?, price, date: day(&common) })
        }
        PackageCommand::Approve { id, decision, common } => {
            let decision = DecisionId::parse(&decision)?;
            (common.clone(), Command::ApprovePackage { package: package(&id)?, decision, date: day(&common) })
        }
        PackageCommand::Open { id, common } => {
            (common.clone(), Command::OpenPackage { package: package(&id)?, date: day(&common) })
        }
        PackageCommand::Allocate { id, pledge, amount, common } => {
            let (pledge, amount) = (PledgeId::parse(&pledge)?, money(&amount, currency)?);
            (common.clone(), Command::Allocate { package: package(&id)?, pledge, amount, date: day(&common) })
        }
        PackageCommand::Contract { id, common } => {
            (common.clone(), Command::ContractPackage { package: package(&id)?, date: day(&common) })
        }
        PackageCommand::Disburse { id, amount, common } => {
            let amount = money(&amount, currency)?;
            (common.clone(), Command::Disburse { package: package(&id)?, amount, date: day(&common) })
        }
        PackageCommand::Deliver { id, requirement, quantity, value, common } => {
            let (requirement, value) = (RequirementId::parse(&requirement)?, money(&value, currency)?);
            (
                common.clone(),
                Command::RecordDelivery { package: package(&id)?, requirement, quantity, value, date: day(&common) },
            )
        }
        PackageCommand::Confirm { id, requirement, common } => {
            let requirement = RequirementId::parse(&requirement)?;
            (common.clone(), Command::ConfirmDelivery { package: package(&id)?, requirement, date: day(&common) })
        }
        PackageCommand::Close { id, common } => {
            (common.clone(), Command::ClosePackage { package: package(&id)?, date: day(&common) })
        }
        PackageCommand::Cancel { id, reason, common } => {
            (common.clone(), Command::CancelPackage { package: package(&id)?, date: day(&common), reason })
        }
    };
    submit(ledger, actor, &common, command)
}

pub fn run_trigger(ledger: &mut crate::AnyLedger, actor: Role, command: TriggerCommand) -> Result<()> {
    let TriggerCommand::Declare { name, common } = command;
    let trigger = tranche_core::procurement::parse_trigger(&name)?;
    submit(ledger, actor, &common, Command::DeclareTrigger { trigger, date: day(&common) })
}
