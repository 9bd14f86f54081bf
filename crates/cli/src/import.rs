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
use tranche_io::kiel::{self, KielFile};
use tranche_io::{ecb, iati, parties, record, share_key, shipped};
use tranche_store::Outcome;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// ECB reference rates in the eurofxref-hist.csv layout.
    Ecb {
        file: PathBuf,
        /// Report what would change and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// The parties table (party_id,name,kind,nato_member_since,default_role,gdp_2021_bn_eur,...).
    Parties {
        file: PathBuf,
        /// Report what would change and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A public record (record_id,date,kind,parties,amount,currency,package,supersedes,...).
    Record {
        file: PathBuf,
        /// Import the valid rows and list every rejected one, instead of importing nothing.
        #[arg(long)]
        skip_invalid: bool,
        /// Report what would change and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// IATI 2.03 activity XML (as `tranche export iati` writes it): pledges, commitments,
    /// payments and participation records. All or nothing.
    Iati {
        file: PathBuf,
        /// Report what would change and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A release of the Kiel tracker as a reference series: a folder holding release_info.csv,
    /// procurement_trends.csv and data_explorer.csv, or the three files. Loaded once per release.
    Kiel {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Report what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

impl ImportCommand {
    /// Whether this import only reports what it would change.
    pub fn dry_run(&self) -> bool {
        match self {
            ImportCommand::Ecb { dry_run, .. }
            | ImportCommand::Parties { dry_run, .. }
            | ImportCommand::Record { dry_run, .. }
            | ImportCommand::Iati { dry_run, .. }
            | ImportCommand::Kiel { dry_run, .. } => *dry_run,
        }
    }
}

/// A progress bar appears only for imports longer than this.
const PROGRESS_AFTER: Duration = Duration::from_secs(1);

fn read(path: &Path) -> Result<(String, String)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok((path.display().to_string(), text))
}

pub fn run(ledger: &mut crate::AnyLedger, actor: Option<Role>, command: ImportCommand) -> Result<()> {
    // Every imported command is issued by `--as` and authorised as that role's would be; the
    // public writes nothing.
    let actor = actor.ok_or_else(|| anyhow::anyhow!("the public may not import; pass --as ROLE"))?;
    match command {
        ImportCommand::Ecb { file, dry_run } => {
            // Reference rates are not commands: only the operator and the coordinator load them.
            if !matches!(actor, Role::Admin | Role::Coordinator) {
                bail!("{actor} may not import reference rates; the operator (admin) or the coordinator may");
            }
            let (name, text) = read(&file)?;
            import_rates(ledger, &name, &text, Mode::from_flag(dry_run))
        }
        ImportCommand::Parties { file, dry_run } => {
            let (name, text) = read(&file)?;
            import_parties(ledger, &name, &text, As(actor), Mode::from_flag(dry_run))
        }
        ImportCommand::Record { file, skip_invalid, dry_run } => {
            let name = file.display().to_string();
            let opened = std::fs::File::open(&file).with_context(|| format!("cannot read {name}"))?;
            let size = opened.metadata().with_context(|| format!("cannot read {name}"))?.len();
            let reader = std::io::BufReader::with_capacity(1 << 16, opened);
            import_record(ledger, &name, reader, size, As(actor), skip_invalid, Mode::from_flag(dry_run))
        }
        ImportCommand::Iati { file, dry_run } => import_iati(ledger, &file, As(actor), dry_run),
        ImportCommand::Kiel { paths, dry_run } => {
            let mut files = Vec::new();
            for path in &paths {
                match path.is_dir() {
                    true => {
                        for kind in [KielFile::ReleaseInfo, KielFile::ProcurementTrends, KielFile::DataExplorer] {
                            files.push(read(&path.join(kind.file_name()))?);
                        }
                    }
                    false => files.push(read(path)?),
                }
            }
            let inputs: Vec<kiel::Input<'_>> = files.iter().map(|(file, text)| kiel::Input { file, text }).collect();
            import_kiel(ledger, actor, &inputs, dry_run)
        }
    }
}

/// Who issues an import's commands: the parsers build them as the operator's, and each is
/// re-issued as this role's before it is checked for repeats, decided and written.
#[derive(Clone)]
struct As(Role);

impl As {
    fn envelope(&self, envelope: &Envelope) -> Envelope {
        Envelope { actor: self.0, ..envelope.clone() }
    }

    fn all(&self, envelopes: &mut [Envelope]) {
        for envelope in envelopes {
            envelope.actor = self.0;
        }
    }
}

/// Whether an import writes, or only reports what it would change (`--dry-run`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    DryRun,
}

impl Mode {
    pub fn from_flag(dry_run: bool) -> Mode {
        if dry_run { Mode::DryRun } else { Mode::Write }
    }

    /// Runs the commands (all or nothing), or decides them on a copy of the state and writes nothing.
    pub fn execute_all(self, ledger: &mut crate::AnyLedger, envelopes: &[Envelope]) -> Result<Vec<Outcome>> {
        Ok(match self {
            Mode::Write => ledger.execute_all(envelopes)?,
            Mode::DryRun => ledger.preview_all(envelopes)?,
        })
    }

    /// The closing words of an import's report line.
    pub fn tail(self) -> &'static str {
        match self {
            Mode::Write => "",
            Mode::DryRun => " (dry run: nothing was written)",
        }
    }
}

/// Loads a Kiel release (or, with `dry_run`, says what loading it would do): once per release;
/// the same release again is "already loaded", the same number with other figures an error.
fn import_kiel(ledger: &mut crate::AnyLedger, actor: Role, inputs: &[kiel::Input<'_>], dry_run: bool) -> Result<()> {
    let release = kiel::parse_release(inputs)?;
    let number = release.release;
    let what = format!(
        "Kiel release {number} ({}, published {}, data to {}): {} months of nato_purl, {} country-months",
        release.label,
        release.date,
        release.period,
        release.purl.len(),
        release.countries.len()
    );
    if let Some(loaded) = ledger.state().kiel.get(&number) {
        if *loaded == release {
            out!("{what}: already loaded; nothing changed");
            return Ok(());
        }
        bail!("Kiel release {number} is already loaded with other figures; nothing was imported");
    }
    let envelope = Envelope {
        command_id: CommandId::parse(&format!("kiel:release-{number}"))?,
        actor,
        command: Command::LoadKielRelease { release: Box::new(release) },
    };
    if dry_run {
        let state = ledger.state();
        tranche_core::auth::authorise(actor, &envelope.command, state)?;
        state.decide(ledger.rates(), &envelope.command)?;
        out!("{what}: would be loaded (dry run: nothing written)");
        return Ok(());
    }
    let outcome = ledger.execute(&envelope)?;
    out!("{what}: loaded as event {}", outcome.first_seq);
    Ok(())
}

fn import_rates(ledger: &mut crate::AnyLedger, name: &str, text: &str, mode: Mode) -> Result<()> {
    let quotes = ecb::parse(name, text)?;
    let imported = match mode {
        Mode::Write => ledger.import_rates(&quotes),
        Mode::DryRun => ledger.preview_rates(&quotes),
    }
    .with_context(|| format!("{name}: the rates do not agree with those loaded"))?;
    out!("{name}: {} rates, {} new, {} already loaded{}", quotes.len(), imported.new, imported.unchanged, mode.tail());
    Ok(())
}

fn import_parties(ledger: &mut crate::AnyLedger, name: &str, text: &str, actor: As, mode: Mode) -> Result<()> {
    let mut envelopes = parties::parse(name, text)?;
    actor.all(&mut envelopes);
    let outcomes = mode.execute_all(ledger, &envelopes).with_context(|| format!("{name}: nothing was imported"))?;
    let new = outcomes.iter().filter(|o| !o.repeated).count();
    out!("{name}: {} parties, {new} new, {} already registered{}", outcomes.len(), outcomes.len() - new, mode.tail());
    Ok(())
}

/// A progress bar that stays hidden unless the work takes longer than a second.
struct Progress {
    bar: ProgressBar,
    started: Instant,
}

impl Progress {
    fn new(length: usize, what: &str) -> Progress {
        Progress::with_template(length as u64, what, "{msg} [{bar:40}] {pos}/{len} ({eta})")
    }

    /// A bar counting the bytes of a file read.
    fn bytes(length: u64, what: &str) -> Progress {
        Progress::with_template(length, what, "{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
    }

    fn with_template(length: u64, what: &str, template: &str) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::hidden());
        bar.set_style(ProgressStyle::with_template(template).expect("a valid template"));
        bar.set_message(what.to_string());
        Progress { bar, started: Instant::now() }
    }

    fn tick(&self) {
        self.bar.inc(1);
        self.show_when_slow();
    }

    fn set(&self, position: u64) {
        self.bar.set_position(position);
        self.show_when_slow();
    }

    /// Drawn (on stderr) once the work has taken a second, and only for someone watching: when
    /// stdout is a terminal and the run is not in CI.
    fn show_when_slow(&self) {
        use std::io::IsTerminal;
        if self.bar.is_hidden()
            && self.started.elapsed() > PROGRESS_AFTER
            && std::io::stdout().is_terminal()
            && std::env::var_os("CI").is_none()
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// How many rows an import reads, decides and writes at a time (`TRANCHE_IMPORT_CHUNK_ROWS`
/// overrides it, for tests: at least 1, at most [`MAX_CHUNK_ROWS`]).
const CHUNK_ROWS: usize = 10_000;
const MAX_CHUNK_ROWS: usize = 1_000_000;

/// How many rejected rows an import lists (the rest are counted).
const MAX_LISTED_REJECTIONS: usize = 100;

fn chunk_rows() -> Result<usize> {
    let Some(text) = std::env::var_os("TRANCHE_IMPORT_CHUNK_ROWS") else { return Ok(CHUNK_ROWS) };
    let text = text.to_string_lossy();
    match text.parse::<usize>() {
        Ok(rows) if (1..=MAX_CHUNK_ROWS).contains(&rows) => Ok(rows),
        _ => bail!("TRANCHE_IMPORT_CHUNK_ROWS is {text:?}; give a number of rows from 1 to {MAX_CHUNK_ROWS}"),
    }
}

/// What ended a streamed import early, besides the store: the file, or its rows.
enum Stop {
    Unreadable(tranche_io::RowError),
    Rebuild(String),
    Invalid,
}

/// Imports a public record read a chunk at a time: each chunk parsed, decided once on the
/// ledger's state and appended, all in one transaction (all or nothing).
fn import_record(
    ledger: &mut crate::AnyLedger,
    name: &str,
    reader: impl std::io::BufRead,
    size_bytes: u64,
    actor: As,
    skip_invalid: bool,
    mode: Mode,
) -> Result<()> {
    let rows = chunk_rows()?;
    let mut stream = record::RecordStream::new(name, reader)?;
    let progress = Progress::bytes(size_bytes, "importing");
    let mut rejections = record::Rejections::new(MAX_LISTED_REJECTIONS);
    let (mut accepted, mut unchanged) = (0usize, 0usize);
    let mut stop = None;
    let result = ledger.append_decided(mode == Mode::Write, &mut |state, rates, store| {
        let chunk = match stream.next_chunk(rows, &|id| state.has_pledge(id)) {
            Ok(Some(chunk)) => chunk,
            Ok(None) if rejections.count > 0 && !skip_invalid => {
                stop = Some(Stop::Invalid);
                return Err(tranche_store::StoreError::Refused("invalid rows".into()));
            }
            Ok(None) => return Ok(None),
            Err(error) => {
                stop = Some(Stop::Unreadable(error));
                return Err(tranche_store::StoreError::Refused("unreadable".into()));
            }
        };
        let named_later = chunk.named_later;
        let stored = known_commands(store, &chunk.parsed)?;
        let known = |envelope: &Envelope| match stored.get(&envelope.command_id) {
            None => Known::New,
            Some(s) if s.fingerprint == tranche_store::fingerprint(envelope) => Known::Same,
            Some(_) => {
                Known::Different(format!("command id {} was already used for a different command", envelope.command_id))
            }
        };
        let mut rebuild =
            |state: &mut tranche_core::State, decided: &[tranche_core::Decided]| rebuilt(store, state, decided);
        let plan = record::plan_chunk(name, chunk.parsed, state, rates, actor.0, &known, &mut rebuild);
        let plan = plan.map_err(|problem| {
            stop = Some(Stop::Rebuild(problem));
            tranche_store::StoreError::Refused("rebuild".into())
        })?;
        accepted += plan.accepted_rows;
        unchanged += plan.unchanged_rows;
        rejections.add(plan.rejected);
        for (line, problem) in named_later {
            rejections.restate(line, problem);
        }
        progress.set(stream.bytes_read());
        Ok(Some(plan.decided))
    });
    progress.finish();
    for rejected in &rejections.listed {
        eprintln!("rejected: {rejected}");
    }
    if rejections.unlisted() > 0 {
        eprintln!(
            "... and {} more rejected rows (the first {} are listed)",
            rejections.unlisted(),
            rejections.listed.len()
        );
    }
    let nothing = if mode == Mode::Write { "nothing was imported" } else { "nothing would be imported" };
    match (result, stop) {
        (_, Some(Stop::Invalid)) => {
            bail!("{name}: {} invalid rows; {nothing} (use --skip-invalid to import the valid rows)", rejections.count)
        }
        (_, Some(Stop::Unreadable(error))) => return Err(error.into()),
        (_, Some(Stop::Rebuild(problem))) => bail!("{name}: {problem}; {nothing}"),
        (Err(error), None) => return Err(error.into()),
        (Ok(_), None) => {}
    }
    let verb = if mode == Mode::Write { "imported" } else { "would be imported" };
    out!("{name}: {accepted} rows {verb}, {unchanged} already imported, {} rejected{}", rejections.count, mode.tail());
    Ok(())
}

/// What the store holds of the command ids of a chunk's rows (one query).
fn known_commands(
    store: &dyn tranche_store::Store,
    parsed: &record::Parsed,
) -> Result<std::collections::HashMap<tranche_core::CommandId, tranche_store::StoredCommand>, tranche_store::StoreError>
{
    let ids: Vec<&tranche_core::CommandId> =
        parsed.rows.iter().flat_map(|row| row.envelopes.iter().map(|e| &e.command_id)).collect();
    store.commands(&ids)
}

/// The state as stored (this transaction's writes included) plus the commands decided since.
fn rebuilt(
    store: &dyn tranche_store::Store,
    state: &mut tranche_core::State,
    decided: &[tranche_core::Decided],
) -> Result<(), String> {
    *state = tranche_store::replay(store).map_err(|e| e.to_string())?;
    for (event, _) in decided.iter().flat_map(|d| &d.events) {
        state.apply(event).map_err(|e| format!("a decided event does not apply again: {e}"))?;
    }
    Ok(())
}

fn import_iati(ledger: &mut crate::AnyLedger, path: &Path, actor: As, dry_run: bool) -> Result<()> {
    let name = path.display().to_string();
    let size = std::fs::metadata(path).with_context(|| format!("cannot read {name}"))?.len();
    if size > iati::MAX_FILE_BYTES as u64 {
        bail!(
            "{name}: {size} bytes, more than the {} an IATI file may have; nothing was imported",
            iati::MAX_FILE_BYTES
        );
    }
    let (name, text) = read(path)?;
    let parsed = iati::parse(&name, &text).map_err(|e| anyhow::anyhow!("{e}; nothing was imported"))?;
    let progress = Progress::new(parsed.commands.len(), "checking");
    let failure = RefCell::new(None);
    let known = |envelope: &Envelope| {
        progress.tick();
        ledger.known(&actor.envelope(envelope)).unwrap_or_else(|error| {
            failure.borrow_mut().get_or_insert(error);
            Known::New
        })
    };
    let plan = iati::plan(&name, &parsed, ledger.state(), ledger.rates(), &known);
    progress.finish();
    if let Some(error) = failure.into_inner() {
        return Err(error.into());
    }
    let mut plan = plan.map_err(|e| anyhow::anyhow!("{e}; nothing was imported"))?;
    actor.all(&mut plan.envelopes);
    let counts = format!(
        "{} pledges, {} payments, {} participation records ({} allocations and disbursements not imported)",
        parsed.pledges, parsed.payments, parsed.participation, parsed.not_imported
    );
    if dry_run {
        // Decided on a copy of the state, as the import would be: a rejection shows here too.
        ledger.preview_all(&plan.envelopes)?;
        out!(
            "{name}: {counts}; would write {} commands, {} already imported; nothing written (--dry-run)",
            plan.envelopes.len(),
            plan.unchanged
        );
        return Ok(());
    }
    ledger.execute_all(&plan.envelopes)?;
    out!("{name}: {counts}; {} commands written, {} already imported", plan.envelopes.len(), plan.unchanged);
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
const KIEL_TRACKER_URL: &str = kiel::KIEL_TRACKER_URL;
const KIEL_RELEASE_DATE: &str = "2026-08-04";

/// Loads the shipped rates, parties, the PURL mechanism, the shipped public record (or `record`)
/// and the shipped Kiel release (a reference series). Idempotent.
pub fn demo(ledger: &mut crate::AnyLedger, record: Option<&Path>) -> Result<()> {
    import_rates(ledger, "shipped ECB rates", shipped::ECB_RATES_CSV, Mode::Write)?;
    import_parties(ledger, "shipped parties", shipped::PARTIES_CSV, As(Role::Admin), Mode::Write)?;
    ledger.execute(&purl_mechanism())?;
    ledger.execute(&nordic_baltic_eight())?;
    ledger.execute(&gdp_key()?)?;
    match record {
        None => {
            let text = shipped::PURL_RECORD_CSV;
            let size = text.len() as u64;
            import_record(ledger, "shipped PURL record", text.as_bytes(), size, As(Role::Admin), false, Mode::Write)?
        }
        Some(path) => {
            let (name, text) = read(path)?;
            let size = text.len() as u64;
            import_record(ledger, &name, text.as_bytes(), size, As(Role::Admin), false, Mode::Write)?
        }
    }
    let kiel = [
        kiel::Input { file: "shipped data/kiel-release-info.csv", text: shipped::KIEL_RELEASE_INFO_CSV },
        kiel::Input { file: "shipped data/kiel-procurement-trends.csv", text: shipped::KIEL_PROCUREMENT_CSV },
        kiel::Input { file: "shipped data/kiel-data-explorer.csv", text: shipped::KIEL_DATA_EXPLORER_CSV },
    ];
    import_kiel(ledger, Role::Admin, &kiel, false)?;
    out!("");
    Ok(())
}
