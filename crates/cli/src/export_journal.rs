//! `tranche export hledger|ledger|record [-o FILE]`: the books as a plain-text accounting
//! journal (`tranche_io::journal`), and the public-record CSV (`tranche_io::record`), both from
//! one pass over the log (each event with the id of the command that wrote it). Written to
//! stdout, or to FILE atomically (a temporary file beside it, synced, then renamed).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use tranche_core::{Event, State};
use tranche_io::journal::{Flavour, JournalBuilder};
use tranche_io::record::RecordExport;
use tranche_store::{AnyStore, Store};

/// The formats written from one pass over the log rather than from a loaded ledger.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Hledger,
    Ledger,
    Record,
}

/// Opens the store without loading a ledger: the export's own replay is the one load (and
/// checks what `Ledger::open` checks: a gap-free log up to its head, every invariant).
pub fn run(location: &tranche_store::Location, format: ExportFormat, output: Option<&Path>) -> Result<()> {
    let store = location.open().with_context(|| format!("cannot open the store {}", location.display()))?;
    let write = |out: &mut dyn Write| -> Result<String> {
        match format {
            ExportFormat::Hledger => journal(&store, Flavour::Hledger, out),
            ExportFormat::Ledger => journal(&store, Flavour::Ledger, out),
            ExportFormat::Record => record(&store, out),
        }
    };
    let said = match output {
        None => write(&mut std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock()))?,
        Some(path) => write_atomically(path, write)?,
    };
    eprintln!("{said}");
    Ok(())
}

/// Like every report, an export of a store holding the synthetic exercise says so (stderr).
fn exercise_note(state: &State) -> &'static str {
    match state.pledges().iter().any(|p| p.id.as_str().starts_with("EX-")) {
        true => {
            "\nnote: this store includes the SYNTHETIC exercise (records EX-*), exported with the rest; it is not real data"
        }
        false => "",
    }
}

/// Writes through `write` into a temporary file beside `path`, syncs it and renames it over
/// `path`: a failed export leaves no file and never half a file.
fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<String>) -> Result<String> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let temporary =
        tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write beside {}", path.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, temporary);
    let said = write(&mut out)?;
    let temporary = out.into_inner().map_err(|e| anyhow!("cannot write {}: {}", path.display(), e.error()))?;
    // A temporary file is private (0600); the export is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let permissions = std::fs::Permissions::from_mode(0o644);
        temporary.as_file().set_permissions(permissions).with_context(|| format!("cannot write {}", path.display()))?;
    }
    temporary.as_file().sync_all().with_context(|| format!("cannot write {}", path.display()))?;
    temporary.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(said)
}

/// Every event of the log in order, with its sequence number and command id, and the journal
/// entries it posts (a replay from an empty state, checked as a load is: the head reached,
/// every invariant holding).
fn each_event(
    store: &AnyStore,
    visit: &mut dyn FnMut(u64, &str, &Event, &[tranche_core::JournalEntry]) -> Result<()>,
) -> Result<State> {
    let head = store.head()?;
    let mut state = State::new();
    let mut after = 0;
    loop {
        let page = store.events_after(after, tranche_store::MAX_PAGE)?;
        let Some(last) = page.last() else { break };
        let last = last.seq;
        for stored in page {
            let event: Event = serde_json::from_str(&stored.payload)
                .with_context(|| format!("event {} does not decode", stored.seq))?;
            let entries = state.apply(&event).with_context(|| format!("event {} does not apply", stored.seq))?;
            visit(stored.seq, &stored.command_id, &event, &entries)?;
        }
        after = last;
    }
    if state.events_applied < head {
        bail!("read {} events but the log's head is {head}", state.events_applied);
    }
    state.check_invariants().map_err(|e| anyhow!("the store is damaged: after the replay: {e}"))?;
    Ok(state)
}

fn journal(store: &AnyStore, flavour: Flavour, out: &mut dyn Write) -> Result<String> {
    let mut builder = JournalBuilder::new();
    let state = each_event(store, &mut |seq, command_id, event, entries| {
        builder.push(seq, command_id, event, entries).map_err(Into::into)
    })?;
    // The journal's own sums must equal the replayed books before anything is written.
    let written = builder.write(&state.books, flavour, out)?;
    Ok(format!(
        "exported {} transactions, {} postings, {} balance assertions from {} events",
        written.transactions, written.postings, written.assertions, state.events_applied
    ) + exercise_note(&state))
}

fn record(store: &AnyStore, out: &mut dyn Write) -> Result<String> {
    let mut export = RecordExport::new();
    let state = each_event(store, &mut |seq, command_id, event, _| {
        export.push(seq, command_id, event);
        Ok(())
    })?;
    let rows = export.write(out)?;
    let mut said = format!("exported {rows} record rows from {} events{}", state.events_applied, exercise_note(&state));
    if !export.not_carried.is_empty() {
        // Grouped: the same kind of event many times is one line.
        let mut groups: Vec<(&str, Vec<u64>)> = Vec::new();
        for (seq, what) in &export.not_carried {
            match groups.iter_mut().find(|(w, _)| *w == what.as_str()) {
                Some((_, seqs)) => seqs.push(*seq),
                None => groups.push((what, vec![*seq])),
            }
        }
        said.push_str("\nnot in the record format, so not exported:");
        for (what, seqs) in groups {
            let first = seqs.first().copied().unwrap_or(0);
            match seqs.len() {
                1 => said.push_str(&format!("\n  {what} (event {first})")),
                n => said.push_str(&format!("\n  {n} x {what} (events {first}, ...)")),
            }
        }
    }
    Ok(said)
}
