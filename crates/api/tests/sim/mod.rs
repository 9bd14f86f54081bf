//! A deterministic simulation of many clients (TigerBeetle's VOPR in spirit): a seeded generator
//! sends batches of commands from every role, plausible and hostile, through the API's parsing and
//! the real write path (`Ledger::execute_each`, as the writer's group commit runs them) into a real
//! SQLite store; after every step the oracle (`oracle.rs`) checks what must hold whatever was sent.

pub mod hostile;
pub mod oracle;
pub mod rng;
pub mod valid;

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use serde_json::json;
use tranche_core::auth::Role;
use tranche_core::{Command, CommandId, Envelope};
use tranche_io::{ecb, exercise, parties, record, shipped};
use tranche_log::{KeyType, Signer25519};
use tranche_store::{ExecuteError, Ledger, Outcome, SqliteStore};

use rng::Rng;
use valid::Ctx;

/// What a run does, from the environment (see docs/RELIABILITY.md).
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub seed: u64,
    pub steps: u64,
    /// A full replay, the projections and the log's verification every this many steps.
    pub replay_every: u64,
    /// Every read on every as-of date every this many steps (the summary as of the step's date
    /// after every step).
    pub reads_every: u64,
    /// The dashboard's pages every this many steps.
    pub dashboard_every: u64,
}

/// The seed CI runs with.
pub const FIXED_SEED: u64 = 0x7A5C_2026;

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={text} is not a number")))
}

impl Config {
    pub fn from_env(default_steps: u64) -> Config {
        let random = std::env::var("TRANCHE_SIM_RANDOM").is_ok_and(|v| v == "1");
        let clock_seed = || {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
            now.as_nanos() as u64
        };
        let seed = env_u64("TRANCHE_SIM_SEED").unwrap_or_else(|| if random { clock_seed() } else { FIXED_SEED });
        Config {
            seed,
            steps: env_u64("TRANCHE_SIM_STEPS").unwrap_or(default_steps),
            replay_every: env_u64("TRANCHE_SIM_REPLAY_EVERY").unwrap_or(100).max(1),
            reads_every: env_u64("TRANCHE_SIM_READS_EVERY").unwrap_or(10).max(1),
            dashboard_every: env_u64("TRANCHE_SIM_DASHBOARD_EVERY").unwrap_or(100).max(1),
        }
    }
}

/// Where a run failed: the step and what was wrong.
#[derive(Debug)]
pub struct Failure {
    pub seed: u64,
    pub step: u64,
    pub what: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (seed, step) = (self.seed, self.step);
        write!(
            f,
            "simulation failed at step {step} with seed {seed}: {}; reproduce with TRANCHE_SIM_SEED={seed} \
             TRANCHE_SIM_STEPS={step} cargo test -p tranche-api --test simulation",
            self.what
        )
    }
}

/// Counts per class of request (`valid:allocate`, `hostile:mutated-value`, ...).
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub sent: u64,
    /// Refused when parsed, as the API refuses a body with 422 before the writer sees it.
    pub refused: u64,
    pub rejected: u64,
    pub accepted: u64,
}

#[derive(Debug, Default)]
pub struct Stats {
    pub by_class: BTreeMap<&'static str, Counts>,
    pub events: u64,
    /// Time spent per part of a step (generating and writing, each check), for tuning.
    pub time: BTreeMap<&'static str, std::time::Duration>,
}

/// Runs `f`, adding its time to `what`.
fn timed<T>(stats: &mut Stats, what: &'static str, f: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let out = f();
    *stats.time.entry(what).or_default() += started.elapsed();
    out
}

impl Stats {
    pub fn total(&self) -> Counts {
        self.by_class.values().fold(Counts::default(), |sum, c| Counts {
            sent: sum.sent + c.sent,
            refused: sum.refused + c.refused,
            rejected: sum.rejected + c.rejected,
            accepted: sum.accepted + c.accepted,
        })
    }
}

enum Expect {
    /// A new command: decided on its merits.
    Decided,
    /// The same id, actor and command again: the first outcome, nothing applied.
    Repeat(Outcome),
    /// A used id with another command: refused as reused.
    IdReused,
}

struct Attempt {
    command_id: String,
    actor: Role,
    body: String,
    class: &'static str,
    expect: Expect,
}

struct Accepted {
    command_id: String,
    actor: Role,
    body: String,
    outcome: Outcome,
}

/// The API's request body (`POST /api/v1/commands`), parsed the way the API parses it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Request {
    command_id: Option<String>,
    command: Command,
}

pub struct Sim {
    config: Config,
    _dir: tempfile::TempDir,
    path: PathBuf,
    ledger: Ledger<SqliteStore>,
    signer: Signer25519,
    rng: Rng,
    serial: u64,
    /// Events already checked one by one.
    checked: u64,
    /// Recently accepted commands, to send again (idempotency) or reuse their ids.
    accepted: Vec<Accepted>,
    pub stats: Stats,
}

/// The simulated date of a step: it moves a day every eight steps through the rates' range,
/// whatever the run's length (so the first K steps of any run are the same).
fn clock(step: u64) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).expect("a date");
    start + Duration::days((step / 8).min(290) as i64)
}

fn admin(id: &str, command: serde_json::Value) -> Result<Envelope, String> {
    let command = serde_json::from_value(command).map_err(|e| format!("set-up command {id}: {e}"))?;
    Ok(Envelope { command_id: CommandId::parse(id).map_err(|e| e.to_string())?, actor: Role::Admin, command })
}

/// A fresh store with what `tranche demo --exercise` loads: the shipped rates, parties, the PURL
/// mechanism and record, and the synthetic exercise.
fn load_world(ledger: &mut Ledger<SqliteStore>) -> Result<(), String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    ledger.import_rates(&ecb::parse("rates", shipped::ECB_RATES_CSV).map_err(|e| text(&e))?).map_err(|e| text(&e))?;
    ledger
        .execute_all(&parties::parse("parties", shipped::PARTIES_CSV).map_err(|e| text(&e))?)
        .map_err(|e| text(&e))?;
    let mechanism = json!({"type": "define-mechanism", "mechanism": {"id": "PURL", "name": "PURL", "recipient": "UKR",
        "supplier": "USA", "package_currency": "USD", "reporting_currencies": ["EUR", "USD"]}});
    let members = ["DNK", "EST", "FIN", "ISL", "LVA", "LTU", "NOR", "SWE"];
    let group =
        json!({"type": "define-group", "group": {"id": "NB8", "name": "Nordic-Baltic Eight", "members": members}});
    let set_up = [admin("mechanism:PURL", mechanism)?, admin("group:NB8", group)?];
    ledger.execute_all(&set_up).map_err(|e| text(&e))?;
    let state = ledger.state();
    let parsed = record::parse("record", shipped::PURL_RECORD_CSV, &|id| state.has_pledge(id)).map_err(|e| text(&e))?;
    let known = |e: &Envelope| ledger.known(e).expect("the store answers");
    let plan = record::plan("record", parsed, ledger.state(), ledger.rates(), &known);
    if let Some(rejected) = plan.rejected.first() {
        return Err(format!("the shipped record does not load: {rejected}"));
    }
    ledger.execute_all(&plan.envelopes).map_err(|e| text(&e))?;
    ledger.execute_all(&exercise::steps()).map_err(|e| text(&e))?;
    Ok(())
}

/// Ids a hostile client might send as its command id.
const HOSTILE_IDS: &[&str] = &["", "a b", "\u{202E}id", "..", "id\n"];

impl Sim {
    pub fn new(config: Config) -> Result<Sim, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("simulation.db");
        let store = SqliteStore::open(&path).map_err(|e| e.to_string())?;
        let mut ledger = Ledger::open(store).map_err(|e| e.to_string())?;
        load_world(&mut ledger)?;
        let signer = Signer25519::generate("simulation.local", KeyType::Note).map_err(|e| e.to_string())?;
        let rng = Rng::new(config.seed);
        let stats = Stats::default();
        Ok(Sim { config, _dir: dir, path, ledger, signer, rng, serial: 0, checked: 0, accepted: Vec::new(), stats })
    }

    /// Runs every step (and checks the loaded world first); stops at the first failure.
    pub fn run(&mut self) -> Result<(), Failure> {
        let seed = self.config.seed;
        let _quiet = QuietPanics::install();
        for step in 0..=self.config.steps {
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| self.step(step)));
            let what = match outcome {
                Ok(Ok(())) => continue,
                Ok(Err(what)) => what,
                Err(payload) => format!("panic: {}", QuietPanics::message(payload)),
            };
            return Err(Failure { seed, step, what });
        }
        Ok(())
    }

    /// Step 0 checks the loaded world; every later step sends a batch first.
    fn step(&mut self, step: u64) -> Result<(), String> {
        if step > 0 {
            let started = std::time::Instant::now();
            let attempts = self.generate(step);
            *self.stats.time.entry("generate").or_default() += started.elapsed();
            let started = std::time::Instant::now();
            self.execute(attempts)?;
            *self.stats.time.entry("execute").or_default() += started.elapsed();
        }
        self.check(step)
    }

    fn generate(&mut self, step: u64) -> Vec<Attempt> {
        let count = 1 + self.rng.below(8);
        (0..count).map(|index| self.attempt(step, index)).collect()
    }

    fn attempt(&mut self, step: u64, index: u64) -> Attempt {
        let mut command_id = format!("sim:{step}:{index}");
        if self.rng.chance(2) {
            command_id = self.rng.pick(HOSTILE_IDS).expect("non-empty").to_string();
        }
        let roll = self.rng.below(100);
        if roll < 5 && !self.accepted.is_empty() {
            return self.again(roll < 3);
        }
        let Sim { ledger, rng, serial, .. } = self;
        let mut ctx = Ctx { state: ledger.state(), rates: ledger.rates(), date: clock(step), rng, serial };
        let (class, actor, body) = match roll < 62 {
            true => valid_request(&mut ctx),
            false => hostile_request(&mut ctx),
        };
        Attempt { command_id, actor, body, class, expect: Expect::Decided }
    }

    /// An accepted command sent again as it was, or its id with another command.
    fn again(&mut self, same: bool) -> Attempt {
        let index = self.rng.below(self.accepted.len() as u64) as usize;
        let earlier = &self.accepted[index];
        let (actor, command_id) = (earlier.actor, earlier.command_id.clone());
        if same {
            let (body, outcome) = (earlier.body.clone(), earlier.outcome);
            return Attempt { command_id, actor, body, class: "again:same", expect: Expect::Repeat(outcome) };
        }
        let other = json!({"type": "declare-trigger", "trigger": format!("reused-{}", self.rng.next_u64() % 1000), "date": "2026-02-01"});
        Attempt { command_id, actor, body: hostile::body(&other), class: "again:other", expect: Expect::IdReused }
    }

    /// Parses each request as the API does; runs the parsed ones as one group commit.
    fn execute(&mut self, attempts: Vec<Attempt>) -> Result<(), String> {
        let mut parsed = Vec::new();
        for attempt in attempts {
            self.stats.by_class.entry(attempt.class).or_default().sent += 1;
            match parse(&attempt) {
                Ok(envelope) => parsed.push((attempt, envelope)),
                Err(why) => {
                    trace(&attempt, &format!("refused: {why}"));
                    self.stats.by_class.entry(attempt.class).or_default().refused += 1;
                }
            }
        }
        let envelopes: Vec<Envelope> = parsed.iter().map(|(_, e)| e.clone()).collect();
        let results = self.ledger.execute_each(&envelopes).map_err(|e| format!("a batch failed in the store: {e}"))?;
        for ((attempt, _), result) in parsed.into_iter().zip(results) {
            self.judge(attempt, result)?;
        }
        Ok(())
    }

    /// Checks one outcome against what its attempt expects, and counts it.
    fn judge(&mut self, attempt: Attempt, result: Result<Outcome, ExecuteError>) -> Result<(), String> {
        trace(&attempt, &format!("{result:?}"));
        let counts = self.stats.by_class.entry(attempt.class).or_default();
        match (&attempt.expect, &result) {
            (_, Err(ExecuteError::Store(e))) => {
                return Err(format!("command {} failed in the store: {e}", attempt.command_id));
            }
            (Expect::Repeat(first), Ok(again)) if again.repeated && again.first_seq == first.first_seq => {}
            (Expect::Repeat(first), _) => {
                return Err(format!(
                    "command {} sent again gave {result:?}, not its first outcome {first:?}",
                    attempt.command_id
                ));
            }
            (Expect::IdReused, Err(ExecuteError::IdReused(_))) => {}
            (Expect::IdReused, _) => {
                return Err(format!("command id {} reused for another command gave {result:?}", attempt.command_id));
            }
            (Expect::Decided, Err(ExecuteError::IdReused(_)))
                if !HOSTILE_IDS.contains(&attempt.command_id.as_str()) =>
            {
                return Err(format!("the fresh command id {} was called reused", attempt.command_id));
            }
            (Expect::Decided, _) => {}
        }
        match result {
            Ok(outcome) => {
                counts.accepted += 1;
                if !outcome.repeated {
                    self.remember(attempt, outcome);
                }
            }
            Err(_) => counts.rejected += 1,
        }
        Ok(())
    }

    fn remember(&mut self, attempt: Attempt, outcome: Outcome) {
        const KEPT: usize = 256;
        let accepted = Accepted { command_id: attempt.command_id, actor: attempt.actor, body: attempt.body, outcome };
        match self.accepted.len() < KEPT {
            true => self.accepted.push(accepted),
            false => {
                let index = self.rng.below(KEPT as u64) as usize;
                self.accepted[index] = accepted;
            }
        }
    }

    /// The oracle: every new event, the books, every read; now and then the whole store.
    fn check(&mut self, step: u64) -> Result<(), String> {
        let secret = tranche_store::Store::log_secret(self.ledger.store());
        let Sim { ledger, stats, config, .. } = self;
        let events = timed(stats, "check events", || -> Result<_, String> {
            let events = oracle::events_after(ledger, self.checked)?;
            for stored in &events {
                oracle::check_event(ledger.state(), stored, &secret)?;
            }
            Ok(events)
        })?;
        self.checked = events.last().map_or(self.checked, |e| e.seq);
        stats.events += events.len() as u64;
        timed(stats, "check books", || oracle::check_books(ledger.state()))?;
        let last = step == config.steps;
        timed(stats, "check summary", || oracle::check_reads_on(ledger, clock(step)))?;
        if last || step.is_multiple_of(config.reads_every) {
            timed(stats, "check reads", || oracle::check_reads(ledger, &read_dates(step)))?;
        }
        if last || step.is_multiple_of(config.dashboard_every) {
            timed(stats, "check dashboard", || oracle::check_dashboard(ledger, &read_dates(step)))?;
        }
        if last || step.is_multiple_of(config.replay_every) {
            timed(stats, "check store", || oracle::check_store(ledger, &self.path, &self.signer, clock(step)))?;
        }
        Ok(())
    }
}

/// The as-of dates every read is asked for: the step's date, today, the first and last rate,
/// before any rate, and far ahead.
fn read_dates(step: u64) -> Vec<NaiveDate> {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    let today = chrono::Utc::now().date_naive();
    vec![clock(step), today, day(2026, 10, 30), day(2024, 1, 2), day(1990, 1, 1), day(2199, 12, 31)]
}

/// With `TRANCHE_SIM_TRACE=1`, every request and what became of it (to see that hostile requests
/// are refused for the reason meant, not by a fault of the generator).
fn trace(attempt: &Attempt, outcome: &str) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *ON.get_or_init(|| std::env::var("TRANCHE_SIM_TRACE").is_ok_and(|v| v == "1")) {
        let body = &attempt.body[..attempt.body.floor_char_boundary(300)];
        let outcome = &outcome[..outcome.floor_char_boundary(300)];
        println!("{} {} {} {body}\n    -> {outcome}", attempt.class, attempt.actor, attempt.command_id);
    }
}

fn parse(attempt: &Attempt) -> Result<Envelope, String> {
    let request: Request = serde_json::from_slice(attempt.body.as_bytes()).map_err(|e| e.to_string())?;
    let command_id = CommandId::parse(&attempt.command_id).map_err(|e| e.to_string())?;
    Ok(Envelope { command_id, actor: attempt.actor, command: request.command })
}

fn valid_request(ctx: &mut Ctx) -> (&'static str, Role, String) {
    let weights: Vec<u32> = valid::BUILDERS.iter().map(|b| b.1).collect();
    let (name, _, build) = valid::BUILDERS[ctx.rng.weighted(&weights)];
    match build(ctx) {
        Some((role, command)) => (name, role, hostile::body(&command)),
        // Nothing of that kind to do yet: announce a pledge instead.
        None => {
            let (role, command) = valid::BUILDERS[0].2(ctx).expect("a contributor party exists");
            (valid::BUILDERS[0].0, role, hostile::body(&command))
        }
    }
}

fn hostile_request(ctx: &mut Ctx) -> (&'static str, Role, String) {
    let weights: Vec<u32> = hostile::HOSTILE.iter().map(|h| h.1).collect();
    let (name, _, build) = hostile::HOSTILE[ctx.rng.weighted(&weights)];
    match build(ctx) {
        Some((role, body)) => (name, role, body),
        None => {
            let (role, command) = hostile::any_valid(ctx);
            ("hostile:fallback", role, hostile::body(&command))
        }
    }
}

/// While installed, panics on this thread are recorded (message and place) instead of printed,
/// so a failing step reports one line with its seed; other threads' panics print as usual.
struct QuietPanics {
    previous: Option<Box<dyn Fn(&panic::PanicHookInfo<'_>) + Sync + Send>>,
}

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

impl QuietPanics {
    fn install() -> QuietPanics {
        let previous: std::sync::Arc<dyn Fn(&panic::PanicHookInfo<'_>) + Sync + Send> = panic::take_hook().into();
        let forward = previous.clone();
        let ours = std::thread::current().id();
        panic::set_hook(Box::new(move |info| match std::thread::current().id() == ours {
            true => *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(info.to_string()),
            false => forward(info),
        }));
        let restore: Box<dyn Fn(&panic::PanicHookInfo<'_>) + Sync + Send> = Box::new(move |info| previous(info));
        QuietPanics { previous: Some(restore) }
    }

    fn message(payload: Box<dyn std::any::Any + Send>) -> String {
        let recorded = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take();
        let text = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        recorded.unwrap_or(text).replace('\n', " ")
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            panic::set_hook(previous);
        }
    }
}
