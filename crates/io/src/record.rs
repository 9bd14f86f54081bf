//! The public-record CSV (`record_id,date,kind,parties,amount,currency,package,supersedes,
//! confidence,status,note,source_url`), turned into commands and planned against a state.
//!
//! Parsing checks each row on its own and the file as a whole (duplicate ids, `supersedes`
//! naming no record). Planning then runs every command against a copy of the state, so a row
//! the domain rejects (a party not registered, superseding a committed pledge) is reported with
//! its line before anything is written.

use std::collections::HashMap;

use chrono::NaiveDate;
use tranche_core::auth::Role;
use tranche_core::text::Note;
use tranche_core::{
    Announcement, Command, CommandId, Confidence, Contributor, Currency, Decided, Envelope, Money, PackageRef,
    ParticipationStatus, PartyId, PledgeId, PledgeKind, RateTable, Source, State, Target, TargetId, TargetKind,
    parse_date,
};

use crate::table::{Chunks, Row, RowError, Table};

const COLUMNS: &[&str] = &[
    "record_id",
    "date",
    "kind",
    "parties",
    "amount",
    "currency",
    "package",
    "supersedes",
    "confidence",
    "status",
    "note",
    "source_url",
];

/// One row of the record and the commands it stands for (in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    pub line: u64,
    pub record_id: String,
    pub envelopes: Vec<Envelope>,
}

/// Every row that parsed, and every row that did not.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<RecordRow>,
    pub errors: Vec<RowError>,
}

fn command_id(record_id: &str, suffix: &str) -> CommandId {
    CommandId::parse(&format!("record:{record_id}{suffix}")).expect("record ids make valid command ids")
}

/// Parses the record. `existing` tells whether a pledge id is already in the store, so a
/// `supersedes` may name a record imported before.
pub fn parse(file: &str, text: &str, existing: &dyn Fn(&PledgeId) -> bool) -> Result<Parsed, RowError> {
    let table = Table::read(file, text, COLUMNS)?;
    let mut parsed = Parsed::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let all_ids: HashMap<&str, u64> = table.rows().map(|row| (row.get("record_id"), row.line())).collect();
    for row in table.rows() {
        let record_id = row.get("record_id");
        if let Some(first) = seen.get(record_id) {
            parsed
                .errors
                .push(row.error("record_id", format!("duplicate record id {record_id} (first on line {first})")));
            continue;
        }
        seen.insert(record_id.to_string(), row.line());
        let result = parse_row(&row).and_then(|envelopes| {
            check_supersedes(&row, &all_ids, existing)?;
            Ok(RecordRow { line: row.line(), record_id: record_id.to_string(), envelopes })
        });
        match result {
            Ok(record) => parsed.rows.push(record),
            Err(error) => parsed.errors.push(error),
        }
    }
    Ok(parsed)
}

fn check_supersedes(
    row: &Row,
    all_ids: &HashMap<&str, u64>,
    existing: &dyn Fn(&PledgeId) -> bool,
) -> Result<(), RowError> {
    let supersedes = row.get("supersedes");
    if supersedes.is_empty() {
        return Ok(());
    }
    match all_ids.get(supersedes) {
        Some(line) if *line > row.line() => Err(row.error(
            "supersedes",
            format!(
                "supersedes {supersedes}, which comes later in the file (line {line}); list the superseded record first"
            ),
        )),
        Some(_) => Ok(()),
        None if PledgeId::parse(supersedes).is_ok_and(|id| existing(&id)) => Ok(()),
        None => Err(row.error("supersedes", format!("supersedes {supersedes}, but no record has that id"))),
    }
}

fn parse_row(row: &Row) -> Result<Vec<Envelope>, RowError> {
    let record_id = row.get("record_id");
    if record_id.is_empty() {
        return Err(row.error("record_id", "a record needs an id"));
    }
    PledgeId::parse(record_id).map_err(|e| row.error("record_id", e))?;
    let date = row.parse("date", parse_date)?;
    let source = Source {
        url: row.parse("source_url", tranche_core::domain::parse_source_url)?,
        date,
        confidence: row.parse("confidence", Confidence::parse)?,
    };
    let note = row.parse("note", Note::parse_optional)?;
    let parties = parse_parties(row)?;
    let command = |command: Command| Envelope { command_id: command_id(record_id, ""), actor: Role::Admin, command };
    match row.get("kind") {
        "pledge" | "joint-package" => pledge_row(row, record_id, date, source, note, parties),
        "participation" => {
            let [party] = parties.as_slice() else {
                return Err(row.error("parties", "a participation record names exactly one party"));
            };
            if !row.get("amount").is_empty() {
                return Err(row.error("amount", "a participation record has no amount"));
            }
            let status = row.parse("status", ParticipationStatus::parse)?;
            Ok(vec![command(Command::RecordParticipation { party: *party, status, source, note })])
        }
        "target" => {
            if !parties.is_empty() {
                return Err(row.error("parties", "a target record names no parties"));
            }
            let amount = parse_amount(row)?.ok_or_else(|| row.error("amount", "a target needs an amount"))?;
            let kind = target_kind(row, note.as_deref())?;
            let id = TargetId::parse(record_id).map_err(|e| row.error("record_id", e))?;
            let target = Target { id, kind, amount, date, source, note };
            Ok(vec![command(Command::SetTarget { target })])
        }
        other => {
            Err(row.error("kind", format!("{other:?} is not one of: pledge, joint-package, participation, target")))
        }
    }
}

fn pledge_row(
    row: &Row,
    record_id: &str,
    date: NaiveDate,
    source: Source,
    note: Option<Note>,
    parties: Vec<PartyId>,
) -> Result<Vec<Envelope>, RowError> {
    let joint = row.get("kind") == "joint-package";
    let contributor = match (joint, parties.len()) {
        (true, 0) => return Err(row.error("parties", "a joint-package record names no parties")),
        (true, 1) => {
            return Err(row.error("parties", "a joint-package record needs at least two parties"));
        }
        (false, 0) => return Err(row.error("parties", "a pledge record names no party")),
        (false, 1) => Contributor::Party(parties[0]),
        _ => Contributor::Joint(parties),
    };
    let pledge = PledgeId::parse(record_id).map_err(|e| row.error("record_id", e))?;
    let package = match row.get("package") {
        "" => None,
        _ => Some(row.parse("package", PackageRef::parse)?),
    };
    let supersedes = match row.get("supersedes") {
        "" => None,
        text if text == record_id => {
            return Err(row.error("supersedes", format!("record {record_id} cannot supersede itself")));
        }
        _ => Some(row.parse("supersedes", PledgeId::parse)?),
    };
    let amount = parse_amount(row)?;
    let kind = if joint { PledgeKind::JointPackage } else { PledgeKind::Solo };
    let announcement = Announcement {
        pledge: pledge.clone(),
        kind,
        contributor,
        amount,
        package,
        earmark: None,
        date,
        source,
        note,
        contingent_on: None,
        cap_per_package: None,
        shares: Vec::new(),
    };
    let mut envelopes = vec![Envelope {
        command_id: command_id(record_id, ""),
        actor: Role::Admin,
        command: Command::AnnouncePledge { announcement, supersedes },
    }];
    match row.get("status") {
        "" | "announced" => {}
        "committed" => {
            let commit = Command::CommitPledge { pledge, amount: None, date };
            envelopes.push(Envelope {
                command_id: command_id(record_id, ":commit"),
                actor: Role::Admin,
                command: commit,
            });
        }
        other => {
            return Err(
                row.error("status", format!("{other:?} is not a pledge status of the record (announced, committed)"))
            );
        }
    }
    Ok(envelopes)
}

fn parse_parties(row: &Row) -> Result<Vec<PartyId>, RowError> {
    let text = row.get("parties");
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(';').map(|part| PartyId::parse(part.trim()).map_err(|e| row.error("parties", e))).collect()
}

/// The amount in its currency; `None` when undisclosed (empty). Negative and zero are errors.
fn parse_amount(row: &Row) -> Result<Option<Money>, RowError> {
    let text = row.get("amount");
    if text.is_empty() {
        return Ok(None);
    }
    let currency_text = row.get("currency");
    if currency_text.is_empty() {
        return Err(row.error("currency", format!("amount {text} has no currency")));
    }
    let currency = row.parse("currency", Currency::parse)?;
    row.parse("amount", |t| Money::parse_positive(t, currency)).map(Some)
}

/// A target's kind: the `status` column when it names one, else read from the note ("run rate",
/// "need"), else a cumulative goal.
fn target_kind(row: &Row, note: Option<&str>) -> Result<TargetKind, RowError> {
    let status = row.get("status");
    if !status.is_empty() {
        return row.parse("status", TargetKind::parse);
    }
    let note = note.unwrap_or("").to_ascii_lowercase();
    Ok(if note.contains("run rate") || note.contains("a month") {
        TargetKind::MonthlyRunRate
    } else if note.contains("need") {
        TargetKind::AnnualNeed
    } else {
        TargetKind::CumulativeGoal
    })
}

/// The most rows one streamed import reads (a limit, so a runaway file fails with a clear error;
/// memory does not grow with it beyond the ids seen and the state).
pub const MAX_STREAMED_ROWS: u64 = 100_000_000;

/// The record read a chunk at a time ([`RecordStream::next_chunk`]): each row checked on its
/// own and against the rows before it (duplicate ids, `supersedes`), so memory holds one chunk
/// and the ids seen, not the file.
pub struct RecordStream<R> {
    chunks: Chunks<R>,
    /// Every record id read so far, with the line it is on.
    seen: HashMap<String, u64>,
    /// Ids a `supersedes` named before any record had them: the lines that named them.
    named_ahead: HashMap<String, Vec<u64>>,
    rows: u64,
}

/// One chunk of the record, parsed.
#[derive(Debug, Default)]
pub struct ParsedChunk {
    pub parsed: Parsed,
    /// Earlier rows rejected as superseding a record no one had, whose record this chunk holds:
    /// their line and the problem as it now reads (the superseded record comes later).
    pub named_later: Vec<(u64, String)>,
}

impl<R: std::io::BufRead> RecordStream<R> {
    /// Reads the header (and checks its columns).
    pub fn new(file: &str, reader: R) -> Result<RecordStream<R>, RowError> {
        let chunks = Chunks::new(file, reader)?;
        Ok(RecordStream { chunks, seen: HashMap::new(), named_ahead: HashMap::new(), rows: 0 })
    }

    /// Bytes read from the file so far.
    pub fn bytes_read(&self) -> u64 {
        self.chunks.bytes_read()
    }

    /// The next at most `rows` rows, parsed as [`parse`] would; `None` at the end. `existing`
    /// tells whether a pledge id is already in the store (a `supersedes` may name it).
    pub fn next_chunk(
        &mut self,
        rows: usize,
        existing: &dyn Fn(&PledgeId) -> bool,
    ) -> Result<Option<ParsedChunk>, RowError> {
        let Some(table) = self.chunks.next_table(rows, COLUMNS)? else { return Ok(None) };
        let mut chunk = ParsedChunk::default();
        for row in table.rows() {
            self.rows += 1;
            if self.rows > MAX_STREAMED_ROWS {
                return Err(row.error("record_id", format!("more than {MAX_STREAMED_ROWS} rows; split the file")));
            }
            let record_id = row.get("record_id");
            if let Some(first) = self.seen.get(record_id) {
                chunk
                    .parsed
                    .errors
                    .push(row.error("record_id", format!("duplicate record id {record_id} (first on line {first})")));
                continue;
            }
            self.seen.insert(record_id.to_string(), row.line());
            for line in self.named_ahead.remove(record_id).unwrap_or_default() {
                let problem = format!(
                    "supersedes {record_id}, which comes later in the file (line {}); list the superseded record first",
                    row.line()
                );
                chunk.named_later.push((line, problem));
            }
            let result = parse_row(&row).and_then(|envelopes| {
                self.check_supersedes_so_far(&row, existing)?;
                Ok(RecordRow { line: row.line(), record_id: record_id.to_string(), envelopes })
            });
            match result {
                Ok(record) => chunk.parsed.rows.push(record),
                Err(error) => chunk.parsed.errors.push(error),
            }
        }
        Ok(Some(chunk))
    }

    /// [`check_supersedes`] with only the rows read so far: a record named before it is read is
    /// refused now, and its problem restated when that record turns up ([`ParsedChunk::named_later`]).
    fn check_supersedes_so_far(&mut self, row: &Row, existing: &dyn Fn(&PledgeId) -> bool) -> Result<(), RowError> {
        let supersedes = row.get("supersedes");
        if supersedes.is_empty() || self.seen.contains_key(supersedes) {
            return Ok(());
        }
        if PledgeId::parse(supersedes).is_ok_and(|id| existing(&id)) {
            return Ok(());
        }
        self.named_ahead.entry(supersedes.to_string()).or_default().push(row.line());
        Err(row.error("supersedes", format!("supersedes {supersedes}, but no record has that id")))
    }
}

/// Rejected rows in line order: the first `cap` kept whole, the rest counted.
#[derive(Debug)]
pub struct Rejections {
    pub listed: Vec<RowError>,
    pub count: usize,
    cap: usize,
}

impl Rejections {
    pub fn new(cap: usize) -> Rejections {
        Rejections { listed: Vec::new(), count: 0, cap }
    }

    /// Adds a chunk's rejections (sorted by line; chunks come in file order).
    pub fn add(&mut self, mut rejected: Vec<RowError>) {
        rejected.sort_by_key(|e| e.line);
        self.count += rejected.len();
        let room = self.cap.saturating_sub(self.listed.len());
        self.listed.extend(rejected.into_iter().take(room));
    }

    /// Restates the problem of the listed rejection on `line` (when it is listed).
    pub fn restate(&mut self, line: u64, problem: String) {
        if let Some(error) =
            self.listed.iter_mut().find(|e| e.line == line && e.column.as_deref() == Some("supersedes"))
        {
            error.problem = problem;
        }
    }

    /// How many rejections are counted but not listed.
    pub fn unlisted(&self) -> usize {
        self.count - self.listed.len()
    }
}

/// What deciding one chunk gives: the commands decided (and applied), the rows rejected, and
/// how many rows were accepted or already in the store.
#[derive(Debug, Default)]
pub struct ChunkPlan {
    pub decided: Vec<Decided>,
    pub accepted_rows: usize,
    pub unchanged_rows: usize,
    pub rejected: Vec<RowError>,
}

/// Decides the parsed rows in file order on `state` itself, as `actor`'s commands: each is
/// authorised, decided and applied once, ready to append without deciding again. A rejected
/// row's commands are left out (and rows that depend on it are rejected in turn). When a row is
/// refused after part of it applied, `rebuild` is called with the commands decided so far in
/// this chunk: it must make `state` the stored state plus those (an error from it ends the plan).
pub fn plan_chunk(
    file: &str,
    parsed: Parsed,
    state: &mut State,
    rates: &RateTable,
    actor: Role,
    known: &dyn Fn(&Envelope) -> Known,
    rebuild: &mut dyn FnMut(&mut State, &[Decided]) -> Result<(), String>,
) -> Result<ChunkPlan, String> {
    let mut plan = ChunkPlan { rejected: parsed.errors, ..ChunkPlan::default() };
    for row in parsed.rows {
        match decide_row(state, rates, actor, &row, known) {
            Ok(decided) if decided.is_empty() => plan.unchanged_rows += 1,
            Ok(decided) => {
                plan.accepted_rows += 1;
                plan.decided.extend(decided);
            }
            Err(RowRejection { problem, partly_applied }) => {
                if partly_applied {
                    rebuild(state, &plan.decided)?;
                }
                plan.rejected.push(RowError { file: file.to_string(), line: row.line, column: None, problem })
            }
        }
    }
    plan.rejected.sort_by_key(|e| e.line);
    Ok(plan)
}

/// Authorises, decides and applies one row's new commands on `state`, as `actor`'s.
fn decide_row(
    state: &mut State,
    rates: &RateTable,
    actor: Role,
    row: &RecordRow,
    known: &dyn Fn(&Envelope) -> Known,
) -> Result<Vec<Decided>, RowRejection> {
    let mut fresh = Vec::new();
    for envelope in &row.envelopes {
        let envelope = Envelope { actor, ..envelope.clone() };
        match known(&envelope) {
            Known::Same => continue,
            Known::Different(problem) => {
                let problem = format!("record {}: {problem}", row.record_id);
                return Err(RowRejection { problem, partly_applied: false });
            }
            Known::New => fresh.push(envelope),
        }
    }
    let reject = |e: tranche_core::DomainError, partly_applied| RowRejection {
        problem: format!("record {}: {e}", row.record_id),
        partly_applied,
    };
    let mut decided = Vec::with_capacity(fresh.len());
    for (index, envelope) in fresh.into_iter().enumerate() {
        // Decided purely first; a refusal before anything applied leaves `state` as it was.
        let events = tranche_core::auth::authorise(actor, &envelope.command, state)
            .and_then(|()| state.decide(rates, &envelope.command))
            .and_then(|events| {
                tranche_core::auth::authorise_effects(actor, &envelope.command, &events, state).map(|()| events)
            })
            .map_err(|e| reject(e, index > 0))?;
        let mut applied = Vec::with_capacity(events.len());
        for event in events {
            let entries = state.apply(&event).map_err(|e| reject(e, true))?;
            applied.push((event, entries));
        }
        decided.push(Decided { envelope, events: applied });
    }
    Ok(decided)
}

pub use tranche_core::Known;

/// The outcome of planning an import: the commands to write, the rows rejected, and how many
/// rows were already in the store.
#[derive(Debug, Default)]
pub struct Plan {
    pub envelopes: Vec<Envelope>,
    pub accepted_rows: usize,
    pub unchanged_rows: usize,
    pub rejected: Vec<RowError>,
}

/// Runs the parsed rows against a copy of `state`, in file order. A rejected row's commands are
/// left out, and so are the rows that depend on it.
pub fn plan(file: &str, parsed: Parsed, state: &State, rates: &RateTable, known: &dyn Fn(&Envelope) -> Known) -> Plan {
    let mut scratch = state.clone();
    let mut plan = Plan { rejected: parsed.errors, ..Plan::default() };
    for row in parsed.rows {
        match plan_row(&mut scratch, rates, &row, known) {
            Ok(fresh) if fresh.is_empty() => plan.unchanged_rows += 1,
            Ok(fresh) => {
                plan.accepted_rows += 1;
                plan.envelopes.extend(fresh);
            }
            Err(RowRejection { problem, partly_applied }) => {
                if partly_applied {
                    scratch = replayed(state, rates, &plan.envelopes);
                }
                plan.rejected.push(RowError { file: file.to_string(), line: row.line, column: None, problem })
            }
        }
    }
    plan.rejected.sort_by_key(|e| e.line);
    plan
}

/// A row the domain refused; `partly_applied` when the scratch state holds part of it.
struct RowRejection {
    problem: String,
    partly_applied: bool,
}

/// `state` with the accepted commands applied: the scratch state rebuilt after a partial row.
fn replayed(state: &State, rates: &RateTable, accepted: &[Envelope]) -> State {
    let mut scratch = state.clone();
    for envelope in accepted {
        scratch.execute(rates, &envelope.command).expect("accepted commands apply again in order");
    }
    scratch
}

fn plan_row(
    scratch: &mut State,
    rates: &RateTable,
    row: &RecordRow,
    known: &dyn Fn(&Envelope) -> Known,
) -> Result<Vec<Envelope>, RowRejection> {
    let mut fresh = Vec::new();
    for envelope in &row.envelopes {
        match known(envelope) {
            Known::Same => continue,
            Known::Different(problem) => {
                let problem = format!("record {}: {problem}", row.record_id);
                return Err(RowRejection { problem, partly_applied: false });
            }
            Known::New => fresh.push(envelope),
        }
    }
    let reject = |e: tranche_core::DomainError| format!("record {}: {e}", row.record_id);
    match fresh.as_slice() {
        [] => {}
        // The common case: one command, decided (purely) before it is applied.
        [one] => {
            let rejection = |e| RowRejection { problem: reject(e), partly_applied: false };
            let events = scratch.decide(rates, &one.command).map_err(rejection)?;
            for event in &events {
                scratch.apply(event).map_err(|e| RowRejection { problem: reject(e), partly_applied: true })?;
            }
        }
        // Several commands (announce, then commit): applied in turn. A rejection after the first
        // leaves the scratch state holding part of the row, which `plan` then rebuilds.
        several => {
            for (index, envelope) in several.iter().enumerate() {
                if let Err(error) = scratch.execute(rates, &envelope.command) {
                    return Err(RowRejection { problem: reject(error), partly_applied: index > 0 });
                }
            }
        }
    }
    Ok(fresh.into_iter().cloned().collect())
}

/// The public record written back from a log (`tranche export record`): one row per pledge
/// announcement, participation record and target, in log order, so a superseded record always
/// comes before the one superseding it. What the record's columns cannot carry is listed in
/// [`RecordExport::not_carried`] instead (payments, withdrawals, commitments on another date or
/// of another amount than announced, allocations and the rest of procurement, earmarks,
/// contingencies, caps and members' shares).
#[derive(Debug, Default)]
pub struct RecordExport {
    rows: Vec<ExportRow>,
    pledges: HashMap<PledgeId, usize>,
    /// What the record does not carry: the event's number and what of it (its kind, or a
    /// part of an announcement or commitment).
    pub not_carried: Vec<(u64, String)>,
}

#[derive(Debug)]
struct ExportRow {
    record_id: String,
    date: NaiveDate,
    kind: &'static str,
    parties: String,
    amount: Option<Money>,
    package: String,
    supersedes: String,
    confidence: Confidence,
    status: &'static str,
    note: String,
    source_url: String,
}

impl ExportRow {
    fn new(record_id: String, date: NaiveDate, kind: &'static str, source: &Source, note: &Option<Note>) -> ExportRow {
        ExportRow {
            record_id,
            date,
            kind,
            parties: String::new(),
            amount: None,
            package: String::new(),
            supersedes: String::new(),
            confidence: source.confidence,
            status: "",
            note: note.as_deref().unwrap_or("").to_string(),
            source_url: source.url.as_ref().map_or("", |url| url.as_str()).to_string(),
        }
    }
}

impl RecordExport {
    pub fn new() -> RecordExport {
        RecordExport::default()
    }

    /// Adds one event of the log (in log order) and the id of the command that wrote it.
    pub fn push(&mut self, seq: u64, command_id: &str, event: &tranche_core::Event) {
        use tranche_core::Event;
        match event {
            Event::PledgeAnnounced { announcement } => self.announced(seq, announcement),
            Event::PledgeCommitted { pledge, amount, date } => {
                let carried = self
                    .pledges
                    .get(pledge)
                    .and_then(|i| self.rows.get_mut(*i))
                    .filter(|row| row.date == *date && row.amount == Some(*amount) && row.status == "announced");
                match carried {
                    Some(row) => row.status = "committed",
                    None => self.not_carried.push((
                        seq,
                        format!(
                            "pledge {pledge}'s commitment of {} {} on {date} (the record commits as announced, on the announcement date)",
                            amount.currency,
                            amount.to_decimal_string()
                        ),
                    )),
                }
            }
            Event::PledgeSuperseded { pledge, by, .. } => {
                match self.pledges.get(by).and_then(|i| self.rows.get_mut(*i)) {
                    Some(row) => row.supersedes = pledge.to_string(),
                    None => self.not_carried.push((seq, format!("{pledge} superseded by {by}"))),
                }
            }
            Event::ParticipationRecorded { party, status, source, note } => {
                let record_id = command_id
                    .strip_prefix("record:")
                    .filter(|id| PledgeId::parse(id).is_ok())
                    .map_or_else(|| format!("E{seq}"), str::to_string);
                let mut row = ExportRow::new(record_id, source.date, "participation", source, note);
                row.parties = party.to_string();
                row.status = status.as_str();
                self.rows.push(row);
            }
            Event::TargetSet { target } => {
                let mut row =
                    ExportRow::new(target.id.to_string(), target.date, "target", &target.source, &target.note);
                row.amount = Some(target.amount);
                row.status = target.kind.as_str();
                self.rows.push(row);
            }
            Event::PartyRegistered { .. }
            | Event::MechanismDefined { .. }
            | Event::GroupDefined { .. }
            | Event::ShareKeyLoaded { .. }
            | Event::KielReleaseLoaded { .. } => {}
            other => self.not_carried.push((seq, other.name().to_string())),
        }
    }

    fn announced(&mut self, seq: u64, announcement: &Announcement) {
        let kind = match announcement.kind {
            PledgeKind::Solo => "pledge",
            PledgeKind::JointPackage => "joint-package",
        };
        let mut row = ExportRow::new(
            announcement.pledge.to_string(),
            announcement.date,
            kind,
            &announcement.source,
            &announcement.note,
        );
        let parties: Vec<&str> = announcement.contributor.parties().iter().map(PartyId::as_str).collect();
        row.parties = parties.join(";");
        row.amount = announcement.amount;
        row.status = "announced";
        row.package = announcement.package.as_ref().map_or(String::new(), ToString::to_string);
        let id = &announcement.pledge;
        if announcement.source.date != announcement.date {
            self.not_carried.push((seq, format!("pledge {id}'s source date {}", announcement.source.date)));
        }
        let extras = [
            (announcement.earmark.is_some(), "earmark"),
            (announcement.contingent_on.is_some(), "contingency"),
            (announcement.cap_per_package.is_some(), "cap per package"),
            (!announcement.shares.is_empty(), "members' shares"),
        ];
        for (_, what) in extras.iter().filter(|(present, _)| *present) {
            self.not_carried.push((seq, format!("pledge {id}'s {what}")));
        }
        self.pledges.insert(id.clone(), self.rows.len());
        self.rows.push(row);
    }

    /// Writes the record as CSV (RFC 4180, the columns `import record` reads).
    pub fn write(&self, out: &mut dyn std::io::Write) -> Result<usize, csv::Error> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(COLUMNS)?;
        for row in &self.rows {
            let amount = row.amount.map(|m| m.to_decimal().normalize().to_string()).unwrap_or_default();
            let currency = row.amount.map(|m| m.currency.to_string()).unwrap_or_default();
            writer.write_record([
                row.record_id.as_str(),
                &row.date.to_string(),
                row.kind,
                &row.parties,
                &amount,
                &currency,
                &row.package,
                &row.supersedes,
                row.confidence.as_str(),
                row.status,
                &row.note,
                &row.source_url,
            ])?;
        }
        writer.flush()?;
        Ok(self.rows.len())
    }
}
