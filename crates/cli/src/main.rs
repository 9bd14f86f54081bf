//! `tranche`: a thin binary over the library crates. Parses arguments, opens the store, calls
//! the ledger, prints.

/// `println!` that ends the process quietly when stdout is closed (`tranche ... | head`).
macro_rules! out {
    ($($arg:tt)*) => { $crate::write_line(format_args!($($arg)*)) };
}

mod domain_commands;
mod exercise;
mod export;
mod export_journal;
mod funding;
mod import;
mod log_commands;
mod procurement_commands;
mod report;
mod report_procurement;
mod store_commands;
mod targets;

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser, Subcommand};
use store_commands::{AnyLedger, Location, LocationExt};
use tranche_core::auth::Role;

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
    /// How log lines on stderr look: text (for people) or json (one object per line). Which
    /// lines: `TRANCHE_LOG` or `RUST_LOG` (such as `debug` or `warn,tranche_api=debug`; default
    /// info for Tranche's own crates, warn for the others).
    #[arg(long, global = true, value_enum, default_value = "text", env = "TRANCHE_LOG_FORMAT")]
    log_format: LogFormat,
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
        /// Load this public record (CSV) instead of the shipped one.
        #[arg(long)]
        record: Option<PathBuf>,
    },
    /// Import a file: ECB rates, the parties table, a public record, IATI 2.03 XML, or a Kiel
    /// tracker release.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Reports computed by the counting rules.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Export the record, the reports and the books in the formats other tools read, as `--as`
    /// may see them: csv, json, xlsx, datapackage (docs/EXPORTS.md), iati (docs/IATI.md).
    Export(export::ExportArgs),
    /// Targets: each one's status, the milestones, the run rates and the monthly shortfall;
    /// what-if and fair-share projections (nothing written).
    Targets(targets::TargetsArgs),
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
    /// Share keys for fair shares (GDP, GNI-based cost shares, population): import, list.
    #[command(subcommand)]
    ShareKey(funding::ShareKeyCommand),
    /// The funding engine: fair shares by a key, and funding proposals for the open packages.
    #[command(subcommand)]
    Funding(funding::FundingCommand),
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
        /// Seconds a client has to send a request's headers, and an idle keep-alive connection
        /// waits for its next request, before the connection is closed.
        #[arg(long, default_value_t = 10)]
        header_timeout_seconds: u64,
        /// Connections served at once; one more is closed as soon as it is accepted.
        #[arg(long, default_value_t = 1024)]
        max_connections: usize,
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
    Token(store_commands::TokenCommand),
    /// Write a portable backup (JSON Lines: log, idempotency records, rates) to FILE, or `-`.
    Backup { file: PathBuf },
    /// Restore a backup into an empty store: replayed and checked before anything is kept.
    Restore { file: PathBuf },
    /// Bring the store's schema to this version (also done on open; run it once before
    /// starting several servers on one database).
    Migrate,
    /// Copy a whole store into an empty one, on either backend (`sqlite:PATH` or a path,
    /// `postgres://...`), then check both give the same state, books, log and reports.
    Copy {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
    /// Replay the log, check every invariant, check the projections equal a rebuild and the
    /// latest snapshot equals the replay at its position.
    Check,
    /// Write a snapshot of the state at the log's head, so that later opens replay only the
    /// events after it (one is also written with every append crossing a multiple of 100,000
    /// events, an interval that doubles while it is under an eighth of the log).
    Snapshot,
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

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Tranche's own crates log from info up; the others (hyper, axum) from warn up.
const DEFAULT_LOG_FILTER: &str =
    "warn,tranche=info,tranche_api=info,tranche_store=info,tranche_core=info,tranche_io=info,tranche_log=info";

/// Logs to stderr, once per process, in the chosen format, filtered by `TRANCHE_LOG` or
/// `RUST_LOG` (a filter that does not parse is reported and the default used).
fn init_logs(format: LogFormat) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let default = || DEFAULT_LOG_FILTER.parse::<Targets>().expect("the default filter parses");
    let filter = match std::env::var("TRANCHE_LOG").or_else(|_| std::env::var("RUST_LOG")) {
        Ok(text) => text.parse::<Targets>().unwrap_or_else(|error| {
            eprintln!("warning: the log filter {text:?} is not valid ({error}); using {DEFAULT_LOG_FILTER}");
            default()
        }),
        Err(_) => default(),
    };
    let registry = tracing_subscriber::registry().with(filter);
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    match format {
        LogFormat::Text => registry.with(lines).init(),
        LogFormat::Json => registry.with(lines.json()).init(),
    }
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

fn log_config(
    database: &Option<PathBuf>,
    signing_key: Option<PathBuf>,
    witnesses: &[String],
) -> Result<tranche_api::log::LogConfig> {
    let beside = Location::of(database)?.key_beside().filter(|path| path.exists());
    let signer = match signing_key.or(beside) {
        Some(path) => Some(log_commands::read_key(&path)?),
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
    let location = Location::of(database)?;
    let ledger = location.ledger()?;
    let reads = location.open()?;
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
        tranche_api::serve(listener, ledger, reads, limits, log).await?;
        eprintln!("stopped: every acknowledged write is in the store");
        Ok(())
    })
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
    init_logs(cli.log_format);
    // Commands that may append to the log: a signed checkpoint follows when the store has a key
    // (a dry run writes nothing, a checkpoint included).
    let writes = matches!(
        cli.command,
        Top::Import(ref import) if !import.dry_run()
    ) || matches!(
        cli.command,
        Top::Pledge(_)
            | Top::Participation(_)
            | Top::Requirement(_)
            | Top::Decision(_)
            | Top::Package(_)
            | Top::Cash(_)
            | Top::Trigger(_)
            | Top::Group(_)
            | Top::Target(_)
            | Top::ShareKey(_)
            | Top::Funding(funding::FundingCommand::Propose { accept: true, .. })
            | Top::Restore { .. }
    );
    // Commands that only read refuse a store file that is not there, rather than create an empty
    // one and report zeros for a mistyped path.
    let reads_only =
        matches!(cli.command, Top::Report(_) | Top::Export(_) | Top::Targets(_) | Top::Check | Top::Snapshot);
    let database = cli.database.clone();
    let result = match reads_only {
        true => store_exists(&database),
        false => Ok(()),
    };
    let result = result.and_then(|()| run(cli)).and_then(|()| match writes {
        true => log_commands::sign_if_keyed(&Location::of(&database)?).map(|_| ()),
        false => Ok(()),
    });
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

/// `Err` naming the path when the store is a SQLite file that does not exist.
fn store_exists(database: &Option<PathBuf>) -> Result<()> {
    match Location::of(database)? {
        Location::File(path) if !path.exists() => Err(anyhow::anyhow!(
            "no store at {} (`tranche demo`, an import or any other write creates one)",
            path.display()
        )),
        _ => Ok(()),
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Top::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "tranche", &mut std::io::stdout());
            Ok(())
        }
        Top::Demo { no_serve, exercise, listen, record } => {
            let mut ledger = Location::of(&cli.database)?.ledger()?;
            import::demo(&mut ledger, record.as_deref())?;
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
            let location = Location::of(&cli.database)?;
            if let Some(key) = location.key_beside().filter(|key| !key.exists()) {
                let signer = tranche_log::Signer25519::generate("tranche.local/demo", tranche_log::KeyType::Note)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                log_commands::write_key(&key, &signer)?;
                eprintln!("log signing key: {} (public: {})", key.display(), signer.verifier().to_text());
            }
            if let Some(size) = log_commands::sign_if_keyed(&location)? {
                eprintln!("signed a checkpoint of the log at {size} entries");
            }
            if no_serve {
                return Ok(());
            }
            out!("");
            serve(&cli.database, &listen, tranche_api::Limits::default(), log_config(&cli.database, None, &[])?)
        }
        Top::Import(command) => import::run(&mut Location::of(&cli.database)?.ledger()?, cli.actor.0, command),
        Top::Report(command) => report::run(&Location::of(&cli.database)?.ledger()?, reader(cli.actor), command),
        Top::Export(args) => {
            let role = cli.actor.0.map_or("public".to_string(), |role| role.to_string());
            export::run(&Location::of(&cli.database)?, reader(cli.actor), &role, args)
        }
        Top::Targets(args) => targets::run(&Location::of(&cli.database)?.ledger()?, args),
        Top::Pledge(command) => {
            domain_commands::run_pledge(&mut Location::of(&cli.database)?.ledger()?, writer(cli.actor)?, command)
        }
        Top::Participation(command) => {
            domain_commands::run_participation(&mut Location::of(&cli.database)?.ledger()?, writer(cli.actor)?, command)
        }
        Top::Requirement(command) => procurement_commands::run_requirement(
            &mut Location::of(&cli.database)?.ledger()?,
            writer(cli.actor)?,
            command,
        ),
        Top::Decision(command) => {
            procurement_commands::run_decision(&mut Location::of(&cli.database)?.ledger()?, writer(cli.actor)?, command)
        }
        Top::Package(command) => {
            procurement_commands::run_package(&mut Location::of(&cli.database)?.ledger()?, writer(cli.actor)?, command)
        }
        Top::Cash(command) => {
            procurement_commands::run_cash(&mut Location::of(&cli.database)?.ledger()?, writer(cli.actor)?, command)
        }
        Top::Trigger(command) => {
            procurement_commands::run_trigger(&mut Location::of(&cli.database)?.ledger()?, writer(cli.actor)?, command)
        }
        Top::Group(command) => {
            domain_commands::run_group(&mut Location::of(&cli.database)?.ledger()?, writer(cli.actor)?, command)
        }
        Top::Target(command) => {
            domain_commands::run_target(&mut Location::of(&cli.database)?.ledger()?, writer(cli.actor)?, command)
        }
        Top::ShareKey(command) => {
            funding::run_share_key(&mut Location::of(&cli.database)?.ledger()?, cli.actor.0, command)
        }
        Top::Funding(command) => {
            funding::run_funding(&mut Location::of(&cli.database)?.ledger()?, cli.actor.0, command)
        }
        Top::Serve {
            listen,
            rate_limit,
            timeout_seconds,
            header_timeout_seconds,
            max_connections,
            signing_key,
            witness,
        } => {
            let limits = tranche_api::Limits {
                per_token_per_second: rate_limit,
                request_timeout: std::time::Duration::from_secs(timeout_seconds.max(1)),
                header_timeout: std::time::Duration::from_secs(header_timeout_seconds.max(1)),
                max_connections: max_connections.max(1),
            };
            let log = log_config(&cli.database, signing_key, &witness)?;
            serve(&cli.database, &listen, limits, log)
        }
        Top::Token(command) => store_commands::run_token(&Location::of(&cli.database)?, command),
        Top::Key(command) => log_commands::run_key(&Location::of(&cli.database)?, command),
        Top::Verify { key, checkpoint, url, save } => match url {
            Some(url) => {
                let key = key.ok_or_else(|| anyhow::anyhow!("--url needs the log's trusted --key"))?;
                log_commands::verify_online(&url, &key, checkpoint.as_deref(), save.as_deref())
            }
            None => {
                anyhow::ensure!(save.is_none(), "--save goes with --url");
                log_commands::verify_offline(&Location::of(&cli.database)?, key.as_deref(), checkpoint.as_deref())
            }
        },
        Top::Proof(command) => log_commands::run_proof(&Location::of(&cli.database)?, command),
        Top::Witness { url, log_key, key, state, interval } => {
            log_commands::witness(&url, &log_key, &key, &state, interval)
        }
        Top::Backup { file } => store_commands::backup(&Location::of(&cli.database)?, &file),
        Top::Restore { file } => store_commands::restore(&Location::of(&cli.database)?, &file),
        Top::Migrate => store_commands::migrate(&Location::of(&cli.database)?),
        Top::Copy { from, to } => store_commands::copy(&Location::parse(&from), &Location::parse(&to)),
        Top::Snapshot => {
            let mut ledger = Location::of(&cli.database)?.ledger()?;
            let at = ledger.take_snapshot()?;
            out!("snapshot written at event {at}");
            Ok(())
        }
        Top::Check => {
            let mut ledger = Location::of(&cli.database)?.ledger()?;
            let before = tranche_store::Store::projection_dump(ledger.store())?;
            ledger.rebuild_projections()?;
            let after = tranche_store::Store::projection_dump(ledger.store())?;
            anyhow::ensure!(before == after, "the projections differed from a rebuild; they have been rebuilt");
            if let Some(difference) = tranche_store::check_latest_snapshot(ledger.store())? {
                anyhow::bail!("{difference}; `tranche snapshot` writes a new one");
            }
            let snapshot = match tranche_store::Store::snapshots(ledger.store())?.first() {
                Some(row) => format!(", the snapshot at event {} equals its replay", row.seq),
                None => String::new(),
            };
            out!(
                "ok: {} events replayed, books balance, invariants hold, projections equal a rebuild{snapshot}",
                ledger.head()
            );
            Ok(())
        }
    }
}
