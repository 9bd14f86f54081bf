//! `tranche`: a thin binary over the library crates. Parses arguments, opens the store, calls
//! the ledger, prints.

/// `println!` that ends the process quietly when stdout is closed (`tranche ... | head`).
macro_rules! out {
    ($($arg:tt)*) => { $crate::write_line(format_args!($($arg)*)) };
}

mod domain_commands;
mod exercise;
mod import;
mod log_commands;
mod procurement_commands;
mod report;
mod report_procurement;

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser, Subcommand};
use tranche_core::auth::Role;
use tranche_store::{Ledger, SqliteStore};

#[derive(Parser)]
#[command(name = "tranche", version, about = "A verifiable coordination ledger for pooled multinational procurement")]
struct Cli {
    /// The store: a SQLite file (default: tranche.db in the platform data directory), or a
    /// PostgreSQL URL `postgres://user@host:port/database` (also `TRANCHE_DATABASE_URL`).
    #[arg(long, global = true, env = "TRANCHE_DATABASE")]
    database: Option<PathBuf>,
    /// Who acts or reads: admin (the operator), coordinator, contributor:ISO3, recipient,
    /// supplier, auditor, or public (reads only, never sees restricted fields).
    #[arg(long = "as", global = true, default_value = "admin", value_parser = parse_actor)]
    actor: Actor,
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
        /// Also load the SYNTHETIC exercise scenario (packages from requirement to delivery).
        #[arg(long)]
        exercise: bool,
        /// Where the dashboard listens (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
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
    /// Requirements and their prioritised monthly lists (recipient).
    #[command(subcommand)]
    Requirement(procurement_commands::RequirementCommand),
    /// Decisions by consensus or silence procedure.
    #[command(subcommand)]
    Decision(procurement_commands::DecisionCommand),
    /// Packages: draft, propose, quote, approve, open, allocate, contract, disburse, deliver, confirm, close, cancel.
    #[command(subcommand)]
    Package(procurement_commands::PackageCommand),
    /// The fund's cash: currency conversion at the reference rate.
    #[command(subcommand)]
    Cash(procurement_commands::CashCommand),
    /// Triggers of contingent pledges.
    #[command(subcommand)]
    Trigger(procurement_commands::TriggerCommand),
    /// Define groups of parties that act jointly.
    #[command(subcommand)]
    Group(domain_commands::GroupCommand),
    /// Record a target (monthly run rate, cumulative goal, annual need).
    #[command(subcommand)]
    Target(domain_commands::TargetCommand),
    /// Serve the HTTP API (JSON under /api/v1) on the store.
    Serve {
        /// Address to listen on; port 0 picks a free port (the URL is printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Requests per second per token (bursts up to twice that); beyond, 429 with Retry-After.
        #[arg(long, default_value_t = 1000)]
        rate_limit: u32,
        /// Seconds a request may take before it is answered 408.
        #[arg(long, default_value_t = 10)]
        timeout_seconds: u64,
        /// The log's signing key (default: `<store>.key` when it exists); checkpoints are signed
        /// after each batch of writes, at most once a second.
        #[arg(long)]
        signing_key: Option<PathBuf>,
        /// A witness whose cosignatures the server accepts (its public key; repeatable).
        #[arg(long)]
        witness: Vec<String>,
    },
    /// API bearer tokens: create (shown once, stored as an Argon2 hash) and revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write a portable backup (JSON Lines: log, idempotency records, rates) to FILE, or `-`.
    Backup { file: PathBuf },
    /// Restore a backup into an empty store: replayed and checked before anything is kept.
    Restore { file: PathBuf },
    /// Replay the log, check every invariant, and check the projections equal a rebuild.
    Check,
    /// Log keys: the operator's signing key and witnesses' cosigning keys.
    #[command(subcommand)]
    Key(log_commands::KeyCommand),
    /// Verify the log: recompute the Merkle tree from every entry, check every signed checkpoint
    /// and consistency with a saved one, replay the events and check the books and projections.
    /// Offline against the store (default), or online against a server (`--url`).
    Verify {
        /// The trusted public key of the log (note verifier format, or a file holding it).
        #[arg(long)]
        key: Option<String>,
        /// A checkpoint saved earlier: the log must be consistent with it.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// Verify a running server's log instead of a store file.
        #[arg(long)]
        url: Option<String>,
        /// With --url: save the verified checkpoint to this file (for the next --checkpoint).
        #[arg(long)]
        save: Option<PathBuf>,
    },
    /// Proofs from the store, in the API's JSON form (`{"hashes_b64": [...]}`, RFC 6962 order),
    /// and the latest signed checkpoint.
    #[command(subcommand)]
    Proof(log_commands::ProofCommand),
    /// Follow a log as a witness: check each new checkpoint is consistent with the last one
    /// cosigned, cosign it (C2SP cosignature/v1) and send the cosignature to the server; a fork is
    /// refused and reported (exit code 1).
    Witness {
        /// The log server.
        #[arg(long)]
        url: String,
        /// The log's trusted public key (note verifier format, or a file holding it).
        #[arg(long)]
        log_key: String,
        /// The witness's private key file (`tranche key generate --witness`).
        #[arg(long)]
        key: PathBuf,
        /// Where the witness keeps the last checkpoint it cosigned.
        #[arg(long)]
        state: PathBuf,
        /// Keep following, checking every this many seconds (default: one round and exit).
        #[arg(long)]
        interval: Option<u64>,
    },
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// A role, or the public (`None`).
#[derive(Clone, Copy)]
struct Actor(Option<Role>);

fn parse_actor(text: &str) -> Result<Actor, String> {
    match text {
        "public" => Ok(Actor(None)),
        _ => Role::parse(text).map(|role| Actor(Some(role))).map_err(|e| e.to_string()),
    }
}

fn reader(Actor(actor): Actor) -> tranche_core::auth::Reader {
    actor.map_or(tranche_core::auth::Reader::Public, tranche_core::auth::Reader::Role)
}

/// The role that writes; the public writes nothing.
fn writer(Actor(actor): Actor) -> Result<Role> {
    actor.ok_or_else(|| anyhow::anyhow!("the public may not write; pass --as ROLE"))
}

#[derive(Subcommand)]
enum TokenCommand {
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

fn run_token(database: &Option<PathBuf>, command: TokenCommand) -> Result<()> {
    let mut ledger = open(database)?;
    match command {
        TokenCommand::Create { role, party, expires_in_days } => {
            let role = tranche_api::role_for(&role, party.as_deref()).map_err(anyhow::Error::msg)?;
            let expires = chrono::Utc::now() + chrono::Duration::days(i64::from(expires_in_days));
            let expires_at = expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let token = tranche_api::tokens::issue(role, Some(expires_at.clone())).map_err(anyhow::Error::msg)?;
            ledger.store_mut().insert_token(&token.stored)?;
            eprintln!("token {} for {role}, expires {expires_at}; shown once, keep it secret:", token.stored.token_id);
            out!("{}", token.text);
        }
        TokenCommand::Revoke { id } => {
            anyhow::ensure!(ledger.store_mut().revoke_token(&id)?, "no active token {id}");
            out!("revoked token {id}");
        }
    }
    Ok(())
}

fn log_config(
    database: &Option<PathBuf>,
    signing_key: Option<PathBuf>,
    witnesses: &[String],
) -> Result<tranche_api::log::LogConfig> {
    let beside = log_commands::key_path(&database_path(database)?);
    let signer = match signing_key {
        Some(path) => Some(log_commands::read_key(&path)?),
        None if beside.exists() => Some(log_commands::read_key(&beside)?),
        None => None,
    };
    let witnesses = witnesses
        .iter()
        .map(|text| tranche_log::VerifierKey::parse(text).map_err(|e| anyhow::anyhow!("--witness {text}: {e}")))
        .collect::<Result<Vec<_>>>()?;
    if let Some(bad) = witnesses.iter().find(|w| w.kind != tranche_log::KeyType::Cosignature) {
        anyhow::bail!("--witness {}: not a witness (cosignature) key", bad.name);
    }
    Ok(tranche_api::log::LogConfig { signer, witnesses })
}

fn serve(
    database: &Option<PathBuf>,
    listen: &str,
    limits: tranche_api::Limits,
    log: tranche_api::log::LogConfig,
) -> Result<()> {
    let ledger = open(database)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener =
            tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        let url = tranche_api::local_url(listener.local_addr()?);
        // One write, and a closed stdout does not stop the server (a supervisor may read the
        // first line and go).
        let mut stdout = std::io::stdout().lock();
        let _ = write!(stdout, "listening on {url}\ndashboard: {url}/ (Ctrl-C stops)\n").and_then(|()| stdout.flush());
        drop(stdout);
        tranche_api::serve(listener, ledger, limits, log).await?;
        eprintln!("stopped: every acknowledged write is in the store");
        Ok(())
    })
}

fn default_database() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("org", "tranche", "tranche")
        .context("no home directory to keep the store in; pass --database")?;
    Ok(dirs.data_dir().join("tranche.db"))
}

/// A ledger over whichever backend `--database` names.
pub type AnyLedger = Ledger<Box<dyn tranche_store::Store>>;

/// The PostgreSQL URL `--database` (or `TRANCHE_DATABASE_URL`) names, if it names one.
fn postgres_url(database: &Option<PathBuf>) -> Option<String> {
    let given = match database {
        Some(path) => path.to_string_lossy().into_owned(),
        None => std::env::var("TRANCHE_DATABASE_URL").ok()?,
    };
    (given.starts_with("postgres://") || given.starts_with("postgresql://")).then_some(given)
}

/// The SQLite file: commands that work on files only (tokens, serve, backup, restore, verify,
/// keys beside the store) refuse a PostgreSQL URL with a clear message.
pub fn database_path(database: &Option<PathBuf>) -> Result<PathBuf> {
    if postgres_url(database).is_some() {
        anyhow::bail!("this command works on a SQLite store file only, not on PostgreSQL yet");
    }
    match database {
        Some(path) => Ok(path.clone()),
        None => default_database(),
    }
}

/// Opens the store on either backend.
pub fn open_any(database: &Option<PathBuf>) -> Result<AnyLedger> {
    let store: Box<dyn tranche_store::Store> = match postgres_url(database) {
        Some(url) => Box::new(tranche_store::PostgresStore::connect(&url).context("cannot open the PostgreSQL store")?),
        None => Box::new(open(database)?.into_store()),
    };
    Ledger::open(store).context("cannot load the store")
}

pub fn open(database: &Option<PathBuf>) -> Result<Ledger<SqliteStore>> {
    let path = database_path(database)?;
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
    // Commands that may append to the log: a signed checkpoint follows when the store has a key.
    let writes = matches!(
        cli.command,
        Top::Import(_)
            | Top::Pledge(_)
            | Top::Participation(_)
            | Top::Requirement(_)
            | Top::Decision(_)
            | Top::Package(_)
            | Top::Cash(_)
            | Top::Trigger(_)
            | Top::Group(_)
            | Top::Target(_)
            | Top::Restore { .. }
    );
    let database = cli.database.clone();
    let result = run(cli).and_then(|()| match writes && postgres_url(&database).is_none() {
        true => log_commands::sign_if_keyed(&database_path(&database)?).map(|_| ()),
        false => Ok(()),
    });
    if let Err(error) = result {
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
        Top::Demo { no_serve, exercise, listen } => {
            let mut ledger = open_any(&cli.database)?;
            import::demo(&mut ledger)?;
            if exercise {
                exercise::load(&mut ledger)?;
                report::exercise_banner(&ledger);
            }
            report::print_summary(&ledger, None, false)?;
            if exercise {
                out!("");
                report_procurement::print_pipeline(&ledger, false)?;
            }
            drop(ledger);
            if postgres_url(&cli.database).is_some() {
                anyhow::ensure!(no_serve, "serving from PostgreSQL is not available yet; pass --no-serve");
                return Ok(());
            }
            let path = database_path(&cli.database)?;
            let key = log_commands::key_path(&path);
            if !key.exists() {
                let signer = tranche_log::Signer25519::generate("tranche.local/demo", tranche_log::KeyType::Note)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                log_commands::write_key(&key, &signer)?;
                eprintln!("log signing key: {} (public: {})", key.display(), signer.verifier().to_text());
            }
            if let Some(size) = log_commands::sign_if_keyed(&path)? {
                eprintln!("signed a checkpoint of the log at {size} entries");
            }
            if no_serve {
                return Ok(());
            }
            out!("");
            serve(&cli.database, &listen, tranche_api::Limits::default(), log_config(&cli.database, None, &[])?)
        }
        Top::Import(command) => import::run(&mut open_any(&cli.database)?, command),
        Top::Report(command) => report::run(&open_any(&cli.database)?, reader(cli.actor), command),
        Top::Pledge(command) => domain_commands::run_pledge(&mut open_any(&cli.database)?, writer(cli.actor)?, command),
        Top::Participation(command) => {
            domain_commands::run_participation(&mut open_any(&cli.database)?, writer(cli.actor)?, command)
        }
        Top::Requirement(command) => {
            procurement_commands::run_requirement(&mut open_any(&cli.database)?, writer(cli.actor)?, command)
        }
        Top::Decision(command) => {
            procurement_commands::run_decision(&mut open_any(&cli.database)?, writer(cli.actor)?, command)
        }
        Top::Package(command) => {
            procurement_commands::run_package(&mut open_any(&cli.database)?, writer(cli.actor)?, command)
        }
        Top::Cash(command) => {
            procurement_commands::run_cash(&mut open_any(&cli.database)?, writer(cli.actor)?, command)
        }
        Top::Trigger(command) => {
            procurement_commands::run_trigger(&mut open_any(&cli.database)?, writer(cli.actor)?, command)
        }
        Top::Group(command) => domain_commands::run_group(&mut open_any(&cli.database)?, writer(cli.actor)?, command),
        Top::Target(command) => domain_commands::run_target(&mut open_any(&cli.database)?, writer(cli.actor)?, command),
        Top::Serve { listen, rate_limit, timeout_seconds, signing_key, witness } => {
            let limits = tranche_api::Limits {
                per_token_per_second: rate_limit,
                request_timeout: std::time::Duration::from_secs(timeout_seconds.max(1)),
            };
            let log = log_config(&cli.database, signing_key, &witness)?;
            serve(&cli.database, &listen, limits, log)
        }
        Top::Token(command) => run_token(&cli.database, command),
        Top::Key(command) => log_commands::run_key(&database_path(&cli.database)?, command),
        Top::Verify { key, checkpoint, url, save } => match url {
            Some(url) => {
                let key = key.ok_or_else(|| anyhow::anyhow!("--url needs the log's trusted --key"))?;
                log_commands::verify_online(&url, &key, checkpoint.as_deref(), save.as_deref())
            }
            None => {
                anyhow::ensure!(save.is_none(), "--save goes with --url");
                log_commands::verify_offline(&database_path(&cli.database)?, key.as_deref(), checkpoint.as_deref())
            }
        },
        Top::Proof(command) => log_commands::run_proof(&database_path(&cli.database)?, command),
        Top::Witness { url, log_key, key, state, interval } => {
            log_commands::witness(&url, &log_key, &key, &state, interval)
        }
        Top::Backup { file } => {
            let ledger = open(&cli.database)?;
            let events = if file.as_os_str() == "-" {
                tranche_store::backup::write(ledger.store(), &mut std::io::stdout().lock())?
            } else {
                let temporary = file.with_extension("partial");
                let mut out = std::io::BufWriter::new(
                    std::fs::File::create(&temporary)
                        .with_context(|| format!("cannot create {}", temporary.display()))?,
                );
                let events = tranche_store::backup::write(ledger.store(), &mut out)?;
                drop(out);
                std::fs::rename(&temporary, &file).with_context(|| format!("cannot write {}", file.display()))?;
                events
            };
            eprintln!("backup: {events} events");
            Ok(())
        }
        Top::Restore { file } => {
            let input = std::fs::File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut ledger = open(&cli.database)?;
            let events = tranche_store::backup::restore(ledger.store_mut(), &mut std::io::BufReader::new(input))?;
            let mut ledger = Ledger::open(ledger.into_store())?;
            ledger.rebuild_projections()?;
            out!("restored {events} events; books balance, invariants hold, projections rebuilt");
            Ok(())
        }
        Top::Check => {
            let mut ledger = open_any(&cli.database)?;
            let before = tranche_store::Store::projection_dump(ledger.store())?;
            ledger.rebuild_projections()?;
            let after = tranche_store::Store::projection_dump(ledger.store())?;
            anyhow::ensure!(before == after, "the projections differed from a rebuild; they have been rebuilt");
            out!("ok: {} events replayed, books balance, invariants hold, projections equal a rebuild", ledger.head());
            Ok(())
        }
    }
}
