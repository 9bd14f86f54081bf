//! `tranche`: a thin binary over the library crates. Parses arguments, opens the store, calls
//! the ledger, prints.

/// `println!` that ends the process quietly when stdout is closed (`tranche ... | head`).
macro_rules! out {
    ($($arg:tt)*) => { $crate::write_line(format_args!($($arg)*)) };
}

mod domain_commands;
mod import;
mod report;

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser, Subcommand};
use tranche_core::auth::Role;
use tranche_store::{Ledger, SqliteStore};

#[derive(Parser)]
#[command(name = "tranche", version, about = "A verifiable coordination ledger for pooled multinational procurement")]
struct Cli {
    /// The store file (SQLite). Default: tranche.db in the platform data directory.
    #[arg(long, global = true, env = "TRANCHE_DATABASE")]
    database: Option<PathBuf>,
    /// The role commands are issued as: admin (the operator), coordinator, contributor:ISO3,
    /// recipient, supplier, auditor.
    #[arg(long = "as", global = true, default_value = "admin", value_parser = |t: &str| Role::parse(t).map_err(|e| e.to_string()))]
    actor: Role,
    #[command(subcommand)]
    command: Top,
}

#[derive(Subcommand)]
enum Top {
    /// Load the shipped PURL record, parties and ECB rates into the store and print the summary.
    Demo {
        /// Do not serve the dashboard afterwards.
        #[arg(long)]
        no_serve: bool,
    },
    /// Import a file: ECB rates, the parties table, or a public record.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Reports computed by the counting rules.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Announce, commit, pay, withdraw and supersede pledges.
    #[command(subcommand)]
    Pledge(domain_commands::PledgeCommand),
    /// Record a party's participation status.
    #[command(subcommand)]
    Participation(domain_commands::ParticipationCommand),
    /// Define groups of parties that act jointly.
    #[command(subcommand)]
    Group(domain_commands::GroupCommand),
    /// Record a target (monthly run rate, cumulative goal, annual need).
    #[command(subcommand)]
    Target(domain_commands::TargetCommand),
    /// Replay the log, check every invariant, and check the projections equal a rebuild.
    Check,
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

fn default_database() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("org", "tranche", "tranche")
        .context("no home directory to keep the store in; pass --database")?;
    Ok(dirs.data_dir().join("tranche.db"))
}

pub fn open(database: &Option<PathBuf>) -> Result<Ledger<SqliteStore>> {
    let path = match database {
        Some(path) => path.clone(),
        None => default_database()?,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let store = SqliteStore::open(&path)?;
    Ledger::open(store).with_context(|| format!("cannot load the store {}", path.display()))
}

pub fn write_line(args: std::fmt::Arguments) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_fmt(args).and_then(|()| stdout.write_all(b"\n")) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {error}");
        std::process::exit(1);
    }
}

fn main() {
    let cli = Cli::parse();
    if let Err(error) = run(cli) {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Top::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "tranche", &mut std::io::stdout());
            Ok(())
        }
        Top::Demo { no_serve } => {
            let mut ledger = open(&cli.database)?;
            import::demo(&mut ledger)?;
            report::print_summary(&ledger, None, false)?;
            if !no_serve {
                eprintln!("(the dashboard is not part of this build; the summary above is the demo's output)");
            }
            Ok(())
        }
        Top::Import(command) => import::run(&mut open(&cli.database)?, command),
        Top::Report(command) => report::run(&open(&cli.database)?, command),
        Top::Pledge(command) => domain_commands::run_pledge(&mut open(&cli.database)?, cli.actor, command),
        Top::Participation(command) => {
            domain_commands::run_participation(&mut open(&cli.database)?, cli.actor, command)
        }
        Top::Group(command) => domain_commands::run_group(&mut open(&cli.database)?, cli.actor, command),
        Top::Target(command) => domain_commands::run_target(&mut open(&cli.database)?, cli.actor, command),
        Top::Check => {
            let mut ledger = open(&cli.database)?;
            let before = tranche_store::Store::projection_dump(ledger.store())?;
            ledger.rebuild_projections()?;
            let after = tranche_store::Store::projection_dump(ledger.store())?;
            anyhow::ensure!(before == after, "the projections differed from a rebuild; they have been rebuilt");
            out!("ok: {} events replayed, books balance, invariants hold, projections equal a rebuild", ledger.head());
            Ok(())
        }
    }
}
