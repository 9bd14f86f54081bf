//! `tranche import ...` and the demo's loading of the shipped data.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tranche_core::Name;
use tranche_core::auth::Role;
use tranche_core::{
    Command, CommandId, Currency, Envelope, Group, GroupId, Known, Mechanism, MechanismId, PartyId, ShareKeyName,
    SourceUrl,
};
use tranche_io::{ecb, parties, record, share_key, shipped};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// ECB reference rates in the eurofxref-hist.csv layout.
    Ecb { file: PathBuf },
    /// The parties table (party_id,name,kind,nato_member_since,default_role,gdp_2021_bn_eur,...).
    Parties { file: PathBuf },
    /// A public record (record_id,date,kind,parties,amount,currency,package,supersedes,...).
    Record {
        file: PathBuf,
        /// Import the valid rows and list every rejected one, instead of importing nothing.
        #[arg(long)]
        skip_invalid: bool,
    },
}

/// A progress bar appears only for imports longer than this.
const PROGRESS_AFTER: Duration = Duration::from_secs(1);

fn read(path: &Path) -> Result<(String, String)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok((path.display().to_string(), text))
}

pub fn run(ledger: &mut crate::AnyLedger, command: ImportCommand) -> Result<()> {
    match command {
        ImportCommand::Ecb { file } => {
            let (name, text) = read(&file)?;
            import_rates(ledger, &name, &text)
        }
        ImportCommand::Parties { file } => {
            let (name, text) = read(&file)?;
            import_parties(ledger, &name, &text)
        }
        ImportCommand::Record { file, skip_invalid } => {
            let (name, text) = read(&file)?;
            import_record(ledger, &name, &text, skip_invalid)
        }
    }
}

fn import_rates(ledger: &mut crate::AnyLedger, name: &str, text: &str) -> Result<()> {
    let quotes = ecb::parse(name, text)?;
    let imported = ledger.import_rates(&quotes)?;
    out!("{name}: {} rates, {} new, {} already loaded", quotes.len(), imported.new, imported.unchanged);
    Ok(())
}

fn import_parties(ledger: &mut crate::AnyLedger, name: &str, text: &str) -> Result<()> {
    let envelopes = parties::parse(name, text)?;
    let outcomes = ledger.execute_all(&envelopes)?;
    let new = outcomes.iter().filter(|o| !o.repeated).count();
    out!("{name}: {} parties, {new} new, {} already registered", outcomes.len(), outcomes.len() - new);
    Ok(())
}

/// A progress bar that stays hidden unless the work takes longer than a second.
struct Progress {
    bar: ProgressBar,
    started: Instant,
}

impl Progress {
    fn new(length: usize, what: &str) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(length as u64), ProgressDrawTarget::hidden());
        bar.set_style(ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})").expect("a valid template"));
        bar.set_message(what.to_string());
        Progress { bar, started: Instant::now() }
    }

    fn tick(&self) {
        self.bar.inc(1);
        if self.bar.is_hidden() && self.started.elapsed() > PROGRESS_AFTER {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn import_record(ledger: &mut crate::AnyLedger, name: &str, text: &str, skip_invalid: bool) -> Result<()> {
    let state = ledger.state();
    let parsed = record::parse(name, text, &|id| state.has_pledge(id))?;
    let progress = Progress::new(parsed.rows.len() + parsed.errors.len(), "checking");
    let failure = RefCell::new(None);
    let known = |envelope: &Envelope| {
        progress.tick();
        ledger.known(envelope).unwrap_or_else(|error| {
            failure.borrow_mut().get_or_insert(error);
            Known::New
        })
    };
    let plan = record::plan(name, parsed, ledger.state(), ledger.rates(), &known);
    progress.finish();
    if let Some(error) = failure.into_inner() {
        return Err(error.into());
    }
    for rejected in &plan.rejected {
        eprintln!("rejected: {rejected}");
    }
    if !plan.rejected.is_empty() && !skip_invalid {
        bail!(
            "{name}: {} invalid rows; nothing was imported (use --skip-invalid to import the valid rows)",
            plan.rejected.len()
        );
    }
    if !progress.bar.is_hidden() {
        eprintln!("writing {} commands in one transaction...", plan.envelopes.len());
    }
    ledger.execute_all(&plan.envelopes)?;
    out!(
        "{name}: {} rows imported, {} already imported, {} rejected",
        plan.accepted_rows,
        plan.unchanged_rows,
        plan.rejected.len()
    );
    Ok(())
}

fn purl_mechanism() -> Envelope {
    let party = |id: &str| PartyId::parse(id).expect("a valid party id");
    let mechanism = Mechanism {
        id: MechanismId::parse("PURL").expect("a valid id"),
        name: Name::parse("Prioritized Ukraine Requirements List").expect("a valid name"),
        recipient: party("UKR"),
        supplier: party("USA"),
        package_currency: Currency::USD,
        reporting_currencies: vec![Currency::EUR, Currency::USD],
    };
    Envelope {
        command_id: CommandId::parse("mechanism:PURL").expect("a valid id"),
        actor: Role::Admin,
        command: Command::DefineMechanism { mechanism },
    }
}

/// The Nordic-Baltic Eight, members in the order the public record lists them.
fn nordic_baltic_eight() -> Envelope {
    let members = ["DNK", "EST", "FIN", "ISL", "LVA", "LTU", "NOR", "SWE"];
    let group = Group {
        id: GroupId::parse("NB8").expect("a valid id"),
        name: Name::parse("Nordic-Baltic Eight").expect("a valid name"),
        members: members.iter().map(|m| PartyId::parse(m).expect("a valid party id")).collect(),
    };
    Envelope {
        command_id: CommandId::parse("group:NB8").expect("a valid id"),
        actor: Role::Admin,
        command: Command::DefineGroup { group },
    }
}

/// The parties table's GDP column as the share key `gdp-2021` (source: the Kiel tracker).
fn gdp_key() -> Result<Envelope> {
    let source = tranche_core::Source {
        url: Some(SourceUrl::parse(KIEL_TRACKER_URL)?),
        date: tranche_core::parse_date(KIEL_RELEASE_DATE)?,
        confidence: tranche_core::Confidence::Reported,
    };
    let name = ShareKeyName::parse(tranche_core::funding::fair_share::DEFAULT_KEY)?;
    let key = share_key::gdp_from_parties("shipped parties", shipped::PARTIES_CSV, name, source)?;
    Ok(Envelope {
        command_id: CommandId::parse("share-key:gdp-2021")?,
        actor: Role::Admin,
        command: Command::LoadShareKey { key },
    })
}

/// The Kiel Institute's Ukraine Support Tracker; its release 29 (data to 04/2026, published
/// 2026-08-04) gives the GDP.
const KIEL_TRACKER_URL: &str = "https://www.ifw-kiel.de/topics/war-against-ukraine/ukraine-support-tracker/";
const KIEL_RELEASE_DATE: &str = "2026-08-04";

/// Loads the shipped rates, parties, the PURL mechanism and the public record. Idempotent.
/// The shipped rates, parties, mechanism, groups and key, then the shipped record or `record`.
pub fn demo(ledger: &mut crate::AnyLedger, record: Option<&Path>) -> Result<()> {
    import_rates(ledger, "shipped ECB rates", shipped::ECB_RATES_CSV)?;
    import_parties(ledger, "shipped parties", shipped::PARTIES_CSV)?;
    ledger.execute(&purl_mechanism())?;
    ledger.execute(&nordic_baltic_eight())?;
    ledger.execute(&gdp_key()?)?;
    match record {
        None => import_record(ledger, "shipped PURL record", shipped::PURL_RECORD_CSV, false)?,
        Some(path) => {
            let (name, text) = read(path)?;
            import_record(ledger, &name, &text, false)?
        }
    }
    out!("");
    Ok(())
}
