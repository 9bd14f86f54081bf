//! `tranche export FORMAT [-o FILE]`: the store in a format other tools read, as the reader
//! (`--as`) may see it. Written to stdout, or atomically to FILE (a temporary file beside it,
//! renamed over it once complete).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tranche_core::auth::Reader;
use tranche_io::iati;
use tranche_store::Store;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// IATI 2.03 activity XML (docs/IATI.md): the mechanism and each package as activities.
    Iati,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(value_enum)]
    format: Format,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(ledger: &crate::AnyLedger, reader: Reader, args: ExportArgs) -> Result<()> {
    let text = match args.format {
        Format::Iati => iati_xml(ledger, reader)?,
    };
    match &args.output {
        Some(path) => write_atomically(path, text.as_bytes()),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
                Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to stdout"),
            }
        }
    }
}

/// The IATI document: the state, and the payments and disbursements read from the log.
pub fn iati_xml(ledger: &crate::AnyLedger, reader: Reader) -> Result<String> {
    let mut movements = iati::Movements::default();
    ledger.store().replay(&mut |_, event| {
        movements.observe(&event);
        Ok(())
    })?;
    Ok(iati::export(ledger.state(), &movements, reader)?)
}

/// Writes `bytes` to a temporary file in `path`'s directory, then renames it over `path`: a
/// reader sees the old file or the whole new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(directory)
        .with_context(|| format!("cannot make a temporary file in {}", directory.display()))?;
    file.write_all(bytes).and_then(|()| file.as_file().sync_all()).context("cannot write the temporary file")?;
    file.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
