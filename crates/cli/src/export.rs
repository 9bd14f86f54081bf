//! `tranche export FORMAT [WHAT] [-o FILE]`: the record and the reports in the formats their
//! users already work with. One arm per format, each calling one function; the tables are
//! `tranche_api::datasets`, the same the dashboard's downloads write (docs/EXPORTS.md).

mod datapackage;
mod xlsx;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use tranche_api::datasets::{self, Dataset, Source};
use tranche_core::auth::Reader;

use crate::LocationExt as _;
use crate::export_journal::ExportFormat;
use tranche_store::Store as _;

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The format.
    #[arg(value_enum)]
    format: Format,
    /// Which dataset (csv and json: required; xlsx and datapackage: default every dataset the
    /// reader may read): summary, parties, months, pledges, payments, packages, requirements,
    /// decisions, balances, journal, records.
    #[arg(value_parser = parse_what)]
    what: Option<String>,
    /// Write to FILE (datapackage: a new folder) instead of stdout; written whole or not at all.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// The day figures are computed on (YYYY-MM-DD; default today): summary, parties, months,
    /// decisions and records; the other datasets are the log's head.
    #[arg(long, value_parser = crate::report::parse_as_of)]
    as_of: Option<NaiveDate>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    /// One dataset as CSV (RFC 4180, UTF-8).
    Csv,
    /// One dataset as JSON: `{"dataset": NAME, "rows": [{column: value, ...}]}`.
    Json,
    /// A workbook: a cover sheet, one sheet per dataset with typed cells, and the sources.
    Xlsx,
    /// A Frictionless Data Package: a folder with datapackage.json and one CSV per dataset.
    Datapackage,
    /// IATI 2.03 activity XML (docs/IATI.md): the mechanism and each package as activities.
    Iati,
    /// The books as an hledger journal, with a balance assertion on each account's last posting.
    Hledger,
    /// The books as a ledger (ledger-cli) journal, with the same assertions.
    Ledger,
    /// The public-record CSV (`import record` reads it back): announcements, commitments made
    /// on the announcement date, participation and targets.
    Record,
}

fn parse_what(text: &str) -> Result<String, String> {
    match datasets::NAMES.contains(&text) {
        true => Ok(text.to_string()),
        false => Err(format!("{text:?} is not a dataset; the datasets are {}", datasets::NAMES.join(", "))),
    }
}

pub fn run(location: &tranche_store::Location, reader: Reader, role: &str, args: ExportArgs) -> Result<()> {
    // The journals and the record are written from one pass over the log, without loading a
    // ledger first (one replay, not two, on a large store); they hold no restricted field.
    let journal = match args.format {
        Format::Hledger => Some((ExportFormat::Hledger, "hledger")),
        Format::Ledger => Some((ExportFormat::Ledger, "ledger")),
        Format::Record => Some((ExportFormat::Record, "record")),
        _ => None,
    };
    // `-o -` is stdout, as for `backup`.
    let args = ExportArgs { output: args.output.filter(|path| path.as_os_str() != "-"), ..args };
    // A data package is a new folder (checked where it is written); every other format a file.
    if let Some(output) = args.output.as_deref().filter(|_| !matches!(args.format, Format::Datapackage)) {
        check_target(output, location)?;
    }
    if let Some((journal, name)) = journal {
        no_what(args.what.as_deref(), name)?;
        return crate::export_journal::run(location, journal, args.output.as_deref());
    }
    let ledger = &location.ledger()?;
    crate::report::exercise_banner(ledger);
    let as_of = args.as_of.unwrap_or_else(crate::report::today);
    let currencies = ledger.reporting_currencies();
    let source = Source {
        state: ledger.state(),
        rates: ledger.rates(),
        store: ledger.store(),
        currencies: &currencies,
        reader,
        as_of,
    };
    let context = Context { head: ledger.head(), as_of, role };
    let output = args.output.as_deref();
    match args.format {
        Format::Csv => emit(output, one(&source, args.what.as_deref(), "csv")?.to_csv().as_bytes()),
        Format::Json => emit(output, one(&source, args.what.as_deref(), "json")?.to_json().as_bytes()),
        Format::Xlsx => {
            let sources = datasets::build("records", &source)?;
            emit(output, &xlsx::workbook(&every(&source, args.what.as_deref())?, &sources, &context)?)
        }
        Format::Datapackage => {
            let sources = datasets::build("records", &source)?;
            datapackage::write(&every(&source, args.what.as_deref())?, &sources, &context, output)
        }
        Format::Iati => {
            no_what(args.what.as_deref(), "iati")?;
            emit(output, iati_xml(ledger, reader)?.as_bytes())
        }
        // Written above, from the log.
        Format::Hledger | Format::Ledger | Format::Record => Ok(()),
    }
}

/// Whether `path` may be written by renaming a new file over it: it is absent or an ordinary,
/// writable file, and it is not the store or a file beside it that the store keeps (`-wal`,
/// `-shm`, the signing key). A device, a FIFO or a symbolic link is refused, not replaced.
pub fn check_target(path: &Path, location: &tranche_store::Location) -> Result<()> {
    let shown = path.display();
    if let Ok(metadata) = std::fs::symlink_metadata(path) {
        let kind = metadata.file_type();
        if kind.is_symlink() {
            anyhow::bail!("{shown} is a symbolic link; name the file itself");
        }
        if !kind.is_file() {
            anyhow::bail!("{shown} exists and is not an ordinary file; nothing was written");
        }
        if metadata.permissions().readonly() {
            anyhow::bail!("{shown} is read-only; nothing was written");
        }
    }
    if let tranche_store::Location::File(store) = location {
        let resolved = |p: &Path| -> Option<PathBuf> {
            let name = p.file_name()?;
            let parent = match p.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            Some(std::fs::canonicalize(parent).ok()?.join(name))
        };
        let target = resolved(path);
        let store_name = store.as_os_str().to_string_lossy();
        let kept =
            ["", "-wal", "-shm", "-journal", ".key"].map(|suffix| PathBuf::from(format!("{store_name}{suffix}")));
        if target.is_some() && kept.iter().any(|file| resolved(file) == target) {
            anyhow::bail!("{shown} is the store or a file the store keeps; nothing was written");
        }
    }
    Ok(())
}

/// Formats that write the whole store take no WHAT.
fn no_what(what: Option<&str>, format: &str) -> Result<()> {
    match what {
        Some(what) => anyhow::bail!("export {format} writes the whole store; it takes no WHAT (got {what:?})"),
        None => Ok(()),
    }
}

/// The IATI document: the state, and the payments and disbursements read from the log.
pub fn iati_xml(ledger: &crate::AnyLedger, reader: Reader) -> Result<String> {
    let mut movements = tranche_io::iati::Movements::default();
    ledger.store().replay(&mut |_, event| {
        movements.observe(&event);
        Ok(())
    })?;
    Ok(tranche_io::iati::export(ledger.state(), &movements, reader)?)
}

/// What the cover of an export says it was made from.
pub struct Context<'a> {
    /// The log's head: how many events the export reflects.
    pub head: u64,
    pub as_of: NaiveDate,
    /// `--as`: who read.
    pub role: &'a str,
}

fn one<S: tranche_store::Store + ?Sized>(source: &Source<'_, S>, what: Option<&str>, format: &str) -> Result<Dataset> {
    let what =
        what.ok_or_else(|| anyhow::anyhow!("export {format} needs WHAT, one of {}", datasets::NAMES.join(", ")))?;
    Ok(datasets::build(what, source)?)
}

/// The named dataset, or every dataset the reader may read.
fn every<S: tranche_store::Store + ?Sized>(
    source: &Source<'_, S>,
    what: Option<&str>,
) -> Result<Vec<(&'static str, Dataset)>> {
    let names: Vec<&'static str> = match what {
        Some(what) => datasets::NAMES.into_iter().filter(|n| *n == what).collect(),
        None => datasets::NAMES.into_iter().filter(|n| datasets::readable(n, source.reader)).collect(),
    };
    names
        .into_iter()
        .map(|name| datasets::build(name, source).map(|d| (name, d)).map_err(|e| anyhow::anyhow!("{name}: {e}")))
        .collect()
}

/// The bytes to stdout, or to `output` atomically: a temporary file in the same folder, synced,
/// then renamed over the name, so a reader never sees half a file.
fn emit(output: Option<&Path>, bytes: &[u8]) -> Result<()> {
    let Some(path) = output else {
        let mut stdout = std::io::stdout().lock();
        return match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.context("cannot write to stdout"),
        };
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(folder)
        .with_context(|| format!("cannot create a file in {}", folder.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    // A temporary file is private (0600); an export is as readable as a file written the usual way.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    file.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
