//! Where the store is and what moves it: `--database` as a SQLite file or a PostgreSQL URL,
//! `migrate`, `backup`, `restore`, `copy` (between backends, with the reports compared), and
//! API tokens.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, ensure};
use clap::Subcommand;
use tranche_store::{AnyStore, Ledger, Store};

/// A ledger over whichever backend `--database` names.
pub type AnyLedger = Ledger<AnyStore>;

pub use tranche_store::Location;

/// What the command line adds to a store's location: where `--database` points, the signing
/// key beside a file, and a loaded ledger.
pub trait LocationExt: Sized {
    /// What `--database` (or `TRANCHE_DATABASE_URL`) names; the default file otherwise.
    fn of(database: &Option<PathBuf>) -> Result<Self>;
    /// The log's signing key file beside a store file (`<store>.key`); none for PostgreSQL
    /// (give `serve --signing-key`).
    fn key_beside(&self) -> Option<PathBuf>;
    fn ledger(&self) -> Result<AnyLedger>;
}

impl LocationExt for Location {
    fn of(database: &Option<PathBuf>) -> Result<Location> {
        let given = match database {
            Some(path) => path.to_string_lossy().into_owned(),
            None => match std::env::var("TRANCHE_DATABASE_URL") {
                Ok(url) => url,
                Err(_) => return Ok(Location::File(default_database()?)),
            },
        };
        Ok(Location::parse(&given))
    }

    fn key_beside(&self) -> Option<PathBuf> {
        match self {
            Location::File(path) => Some(crate::log_commands::key_path(path)),
            Location::Postgres(_) => None,
        }
    }

    fn ledger(&self) -> Result<AnyLedger> {
        let every = snapshot_every()?;
        let ledger = Ledger::open(self.open()?).with_context(|| format!("cannot load the store {}", self.display()))?;
        Ok(ledger.with_snapshot_every(every))
    }
}

/// How many events apart snapshots are written: `TRANCHE_SNAPSHOT_EVERY` (0: never), else
/// [`tranche_store::snapshot::DEFAULT_EVERY`].
fn snapshot_every() -> Result<u64> {
    let Some(text) = std::env::var_os("TRANCHE_SNAPSHOT_EVERY") else {
        return Ok(tranche_store::snapshot::DEFAULT_EVERY);
    };
    let text = text.to_string_lossy();
    text.parse::<u64>()
        .map_err(|_| anyhow!("TRANCHE_SNAPSHOT_EVERY is {text:?}; give a number of events (0 writes no snapshots)"))
}

fn default_database() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("org", "tranche", "tranche")
        .context("no home directory to keep the store in; pass --database")?;
    Ok(dirs.data_dir().join("tranche.db"))
}

/// `tranche migrate`: brings the schema up to this version and says what it did.
pub fn migrate(location: &Location) -> Result<()> {
    let (from, to) = location.migrate().with_context(|| format!("cannot migrate {}", location.display()))?;
    match from == to {
        true => out!("{}: schema at version {to}, up to date", location.display()),
        false => out!("{}: schema migrated from version {from} to {to}", location.display()),
    }
    Ok(())
}

/// `tranche backup FILE|-`: written beside, then renamed, so a failed backup leaves no file.
pub fn backup(location: &Location, file: &Path) -> Result<()> {
    let store = location.open()?;
    let events = if file.as_os_str() == "-" {
        tranche_store::backup::write(&store, &mut std::io::stdout().lock())?
    } else {
        write_backup(&store, file)?
    };
    eprintln!("backup: {events} events");
    Ok(())
}

fn write_backup(store: &AnyStore, file: &Path) -> Result<u64> {
    let temporary = file.with_extension("partial");
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(&temporary).with_context(|| format!("cannot create {}", temporary.display()))?,
    );
    let events = tranche_store::backup::write(store, &mut out)?;
    out.into_inner().map_err(|e| anyhow!("cannot write {}: {e}", temporary.display()))?.sync_all()?;
    std::fs::rename(&temporary, file).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(events)
}

/// Restores a backup into an empty store: checked whole before anything is kept, then the
/// projections are rebuilt from the events.
fn restore_into(location: &Location, input: &mut dyn std::io::BufRead) -> Result<AnyLedger> {
    let every = snapshot_every()?;
    let mut store = location.open()?;
    tranche_store::backup::restore(&mut store, input)?;
    let mut ledger = Ledger::open(store)?;
    ledger.rebuild_projections()?;
    // A backup carries no snapshot: one is rebuilt here, so the next open replays nothing.
    if every > 0 && ledger.head() >= every {
        ledger.take_snapshot()?;
    }
    Ok(ledger)
}

pub fn restore(location: &Location, file: &Path) -> Result<()> {
    let input = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let ledger = restore_into(location, &mut std::io::BufReader::new(input))?;
    out!("restored {} events; books balance, invariants hold, projections rebuilt", ledger.head());
    Ok(())
}

/// `tranche copy --from A --to B`: a backup of A restored into the empty B, then both compared:
/// the state, the rates, the idempotency records, the projections, the log's root and its
/// checkpoints, and the summary and package reports.
pub fn copy(from: &Location, to: &Location) -> Result<()> {
    ensure!(from != to, "--from and --to name the same store");
    let source = Ledger::open(from.open_for_checking()?)
        .with_context(|| format!("cannot load the source {}", from.display()))?;
    let spool = tempfile::NamedTempFile::new().context("cannot make a temporary file for the copy")?;
    write_backup(source.store(), spool.path())?;
    let input = std::fs::File::open(spool.path())?;
    let target = restore_into(to, &mut std::io::BufReader::new(input))
        .with_context(|| format!("cannot copy into {}", to.display()))?;
    let compared = compare(&source, &target)?;
    out!(
        "copied {} events from {} to {}; identical: {}",
        target.head(),
        from.display(),
        to.display(),
        compared.join(", ")
    );
    Ok(())
}

/// Everything two stores must agree on after a copy; an error names the first difference.
fn compare(a: &AnyLedger, b: &AnyLedger) -> Result<Vec<&'static str>> {
    let differ = |what: &str| anyhow!("the copy differs from the source: {what}");
    ensure!(a.state() == b.state(), differ("the replayed state"));
    ensure!(a.rates() == b.rates(), differ("the reference rates"));
    ensure!(a.store().command_rows()? == b.store().command_rows()?, differ("the idempotency records"));
    ensure!(a.store().projection_dump()? == b.store().projection_dump()?, differ("the projections"));
    let (tree_a, tree_b) = (tranche_store::log::tree_of(a.store())?, tranche_store::log::tree_of(b.store())?);
    ensure!(tree_a.root() == tree_b.root(), differ("the log's Merkle root"));
    ensure!(a.store().checkpoints()? == b.store().checkpoints()?, differ("the signed checkpoints"));
    let today = chrono::Utc::now().date_naive();
    let summary = |l: &AnyLedger| -> Result<String> {
        let summary = l.summary(today).map_err(|e| anyhow!("{e}"))?;
        Ok(serde_json::to_string(&tranche_io::wire::SummaryDto::from(&summary))?)
    };
    ensure!(summary(a)? == summary(b)?, differ("the summary"));
    let admin = tranche_core::auth::Reader::Role(tranche_core::auth::Role::Admin);
    let packages = |l: &AnyLedger| serde_json::to_string(&tranche_io::wire::packages(l.state(), admin));
    ensure!(packages(a)? == packages(b)?, differ("the packages report"));
    Ok(vec!["state", "rates", "idempotency records", "projections", "log root", "checkpoints", "summary", "packages"])
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token for a role: admin, coordinator, contributor (with --party), recipient,
    /// supplier, auditor. The token is printed once.
    Create {
        #[arg(long)]
        role: String,
        #[arg(long)]
        party: Option<String>,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        expires_in_days: u32,
    },
    /// Revoke a token by its id (the part after `trn_` and before the next `_`).
    Revoke { id: String },
}

pub fn run_token(location: &Location, command: TokenCommand) -> Result<()> {
    let mut store = location.open()?;
    match command {
        TokenCommand::Create { role, party, expires_in_days } => {
            let role = tranche_api::role_for(&role, party.as_deref()).map_err(anyhow::Error::msg)?;
            let expires = chrono::Utc::now() + chrono::Duration::days(i64::from(expires_in_days));
            let expires_at = expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let token = tranche_api::tokens::issue(role, Some(expires_at.clone())).map_err(anyhow::Error::msg)?;
            store.insert_token(&token.stored)?;
            eprintln!("token {} for {role}, expires {expires_at}; shown once, keep it secret:", token.stored.token_id);
            out!("{}", token.text);
        }
        TokenCommand::Revoke { id } => {
            ensure!(store.revoke_token(&id)?, "no active token {id}");
            out!("revoked token {id}");
        }
    }
    Ok(())
}
