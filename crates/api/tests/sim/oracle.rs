//! What must hold after every step, whatever was sent. Each check returns the first thing wrong,
//! in words; the runner adds the seed and the step. The rules here are written from the issue and
//! docs/ARCHITECTURE.md, not copied from the code under test, so that the two can disagree.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use tranche_core::auth::{Reader, Role};
use tranche_core::procurement::PackageState;
use tranche_core::{Contributor, Currency, Event, PledgeId, State};
use tranche_io::wire;
use tranche_store::{Ledger, SqliteStore, Store, StoredEvent};

use super::valid::{SECRET, SECRET_DIGITS};

pub type Verdict = Result<(), String>;

/// The documented limit on any amount, in minor units (docs/ARCHITECTURE.md).
const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;
/// The log writes numbers as IEEE doubles: integers beyond 2^53 would not survive.
const MAX_EXACT: u64 = 1 << 53;
const MAX_NOTE_CHARS: usize = 2_000;
const MAX_NAME_CHARS: usize = 200;
const MAX_URL_BYTES: usize = 2_048;

// --- Confidentiality -----------------------------------------------------------------------

/// No public read may hold a planted restricted value.
pub fn check_public(what: &str, text: &str) -> Verdict {
    for marker in [SECRET, SECRET_DIGITS] {
        if let Some(at) = text.find(marker) {
            let start = text.floor_char_boundary(at.saturating_sub(60));
            let end = text.ceil_char_boundary((at + 60).min(text.len()));
            return Err(format!("{what} shows a restricted value to the public: ...{}...", &text[start..end]));
        }
    }
    Ok(())
}

fn public_json(what: &str, value: &impl Serialize) -> Verdict {
    check_public(what, &serde_json::to_string(value).map_err(|e| format!("{what} does not serialise: {e}"))?)
}

// --- Who may cause what ----------------------------------------------------------------------

/// Whether `role` may cause `event` (the role matrix of docs/ARCHITECTURE.md, judged by effect:
/// which pledges, parties and packages the event touches, not which command produced it).
pub fn may_cause(role: Role, event: &Event, state: &State) -> bool {
    use Event::*;
    use PackageState::*;
    match role {
        Role::Admin => true,
        Role::Auditor => false,
        Role::Recipient => {
            matches!(event, RequirementSubmitted { .. } | ListPrioritised { .. } | DeliveryConfirmed { .. })
                || matches!(event, PackageMoved { to: Delivered, .. })
        }
        Role::Supplier => {
            matches!(event, PackageQuoted { .. } | Disbursed { .. } | DeliveryRecorded { .. })
                || matches!(event, PackageMoved { to: Contracted | Delivering, .. })
        }
        Role::Coordinator => !matches!(
            event,
            RequirementSubmitted { .. }
                | ListPrioritised { .. }
                | DecisionResponded { .. }
                | PackageQuoted { .. }
                | Disbursed { .. }
                | DeliveryRecorded { .. }
                | DeliveryConfirmed { .. }
                | PackageMoved { to: Contracted | Delivering | Delivered, .. }
        ),
        Role::Contributor(own) => contributor_may_cause(own, event, state),
    }
}

/// A contributor speaks for its own party alone: its participation, its responses, and pledges
/// it makes alone. A joint pledge binds other parties, so no single member may make or move it.
fn contributor_may_cause(own: tranche_core::PartyId, event: &Event, state: &State) -> bool {
    use Event::*;
    let alone = |contributor: &Contributor| *contributor == Contributor::Party(own);
    let pledge_alone = |id: &PledgeId| state.pledge(id).is_ok_and(|p| alone(&p.contributor));
    match event {
        ParticipationRecorded { party, .. } | DecisionResponded { party, .. } => *party == own,
        PledgeAnnounced { announcement } => alone(&announcement.contributor),
        PledgeSuperseded { pledge, by, .. } => pledge_alone(pledge) && pledge_alone(by),
        PledgeCommitted { pledge, .. } | PaymentReceived { pledge, .. } | PledgeWithdrawn { pledge, .. } => {
            pledge_alone(pledge)
        }
        _ => false,
    }
}

/// Every stored event's actor may cause it.
pub fn check_effects(state: &State, stored: &StoredEvent, event: &Event) -> Verdict {
    let role = Role::parse(&stored.actor).map_err(|e| format!("event {}: actor {e}", stored.seq))?;
    match may_cause(role, event, state) {
        true => Ok(()),
        false => Err(format!(
            "{role} caused event {} ({}) by command {:?}, which is not its to cause: {}",
            stored.seq,
            stored.kind,
            stored.command_id,
            excerpt(&stored.payload)
        )),
    }
}

fn excerpt(text: &str) -> &str {
    &text[..text.floor_char_boundary(400)]
}

// --- Values that were accepted -----------------------------------------------------------------

/// Every value in a stored event is one the boundary should have let in: amounts within the
/// limit, dates as `YYYY-MM-DD`, http(s) source URLs, bounded printable text, sane ids, shares
/// within (0, 100], quantities the log can write exactly.
pub fn check_values(stored: &StoredEvent) -> Verdict {
    let payload: Value =
        serde_json::from_str(&stored.payload).map_err(|e| format!("event {} is not JSON: {e}", stored.seq))?;
    let mut problems = Vec::new();
    walk(&payload, "", &mut problems);
    match problems.first() {
        None => Ok(()),
        Some(problem) => Err(format!("event {} ({}) holds {problem}", stored.seq, stored.kind)),
    }
}

fn walk(value: &Value, key: &str, problems: &mut Vec<String>) {
    if let Some(problem) = value_problem(value, key) {
        problems.push(format!("{key} {problem}"));
    }
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, k, problems)),
        // Array items take their array's key (requirements, order, members, ...).
        Value::Array(items) => items.iter().for_each(|v| walk(v, key, problems)),
        _ => {}
    }
}

fn value_problem(value: &Value, key: &str) -> Option<String> {
    match (key, value) {
        ("amount_minor", Value::Number(n)) if n.as_i64().is_none_or(|a| a.unsigned_abs() > MAX_AMOUNT_MINOR as u64) => {
            Some(format!("{n}, beyond the limit of 10^15 minor units"))
        }
        ("quantity", Value::Number(n)) if n.as_u64().is_none_or(|q| q > MAX_EXACT) => {
            Some(format!("{n}, which the log cannot write exactly"))
        }
        ("date" | "submitted_on" | "deadline" | "opened_on", Value::String(s)) => date_problem(s),
        ("url", Value::String(s)) => url_problem(s),
        ("note" | "reason" | "description" | "earmark" | "reservation", Value::String(s)) => {
            text_problem(s, MAX_NOTE_CHARS, true)
        }
        ("name", Value::String(s)) => text_problem(s, MAX_NAME_CHARS, false),
        (
            "pledge" | "package" | "requirement" | "decision" | "by" | "id" | "requirements" | "order",
            Value::String(s),
        ) if s.is_empty() || s.chars().all(|c| c == '.') => Some(format!("{s:?}, which is not an id")),
        ("trigger" | "contingent_on", Value::String(s)) => trigger_problem(s),
        ("percent", percent) => percent_problem(percent),
        ("gdp_2021_bn_eur", gdp) if decimal_of(gdp).is_some_and(|g| g < 0.0) => Some(format!("{gdp}, a negative GDP")),
        (_, Value::String(s)) => s.chars().find(|c| is_hidden(*c) || c.is_control()).map(|c| hidden(c)),
        _ => None,
    }
}

fn date_problem(text: &str) -> Option<String> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    match shaped && NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
        true => None,
        false => Some(format!("{text:?}, not a YYYY-MM-DD date")),
    }
}

/// A trigger's name: 1 to 64 lowercase letters, digits and '-' (as `contingent_on` documents).
fn trigger_problem(text: &str) -> Option<String> {
    let valid = (1..=64).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    match valid {
        true => None,
        false => Some(format!("{:?}, not a trigger name", &text[..text.floor_char_boundary(80)])),
    }
}

fn url_problem(text: &str) -> Option<String> {
    let scheme = text.starts_with("https://") || text.starts_with("http://");
    let printable = text.bytes().all(|b| b.is_ascii_graphic() && !b"\"<>\\^`{|}".contains(&b));
    match scheme && printable && text.len() <= MAX_URL_BYTES && text.len() > "https://".len() {
        true => None,
        false => Some(format!(
            "{:?}, not a printable http(s) URL of at most 2048 bytes",
            &text[..text.floor_char_boundary(80)]
        )),
    }
}

/// Bidirectional overrides and isolates, zero-width characters, the byte-order mark.
fn is_hidden(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn hidden(c: char) -> String {
    format!("the control or invisible character U+{:04X}", u32::from(c))
}

fn text_problem(text: &str, max_chars: usize, multiline: bool) -> Option<String> {
    let chars = text.chars().count();
    if text.trim().is_empty() || chars > max_chars {
        return Some(format!("a text of {chars} characters (1 to {max_chars} allowed)"));
    }
    let line_break = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    text.chars().find(|c| is_hidden(*c) || (c.is_control() && !line_break(*c))).map(hidden)
}

fn decimal_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn percent_problem(value: &Value) -> Option<String> {
    match decimal_of(value) {
        Some(p) if p > 0.0 && p <= 100.0 => None,
        _ => Some(format!("{value}, a share outside (0, 100]%")),
    }
}

// --- The books ---------------------------------------------------------------------------------

pub fn check_books(state: &State) -> Verdict {
    state.books.check_trial_balance().map_err(|e| format!("the trial balance fails: {e}"))?;
    state.check_invariants().map_err(|e| format!("an invariant fails: {e}"))
}

// --- Reads ---------------------------------------------------------------------------------------

type SimLedger = Ledger<SqliteStore>;

/// The summary and every report answer for each date, and none shows the public a restricted
/// value.
pub fn check_reads(ledger: &SimLedger, dates: &[NaiveDate]) -> Verdict {
    let state = ledger.state();
    for date in dates {
        check_reads_on(ledger, *date)?;
    }
    let pledges: Vec<wire::PledgeDto> = state.pledges().iter().map(wire::PledgeDto::from).collect();
    public_json("the public pledges", &pledges)?;
    public_json("the public packages", &wire::packages(state, Reader::Public))?;
    public_json("the public requirements", &wire::requirements(state, Reader::Public))?;
    public_json("the targets", &wire::targets(state))?;
    for role in [Role::Coordinator, Role::Auditor, Role::Recipient] {
        serde_json::to_string(&wire::packages(state, Reader::Role(role))).map_err(|e| e.to_string())?;
        serde_json::to_string(&wire::requirements(state, Reader::Role(role))).map_err(|e| e.to_string())?;
    }
    for currency in [Currency::EUR, Currency::USD] {
        let months = wire::months(state, ledger.rates(), currency).map_err(|e| format!("reports/months fails: {e}"))?;
        public_json("reports/months", &months)?;
        tranche_core::series::Flows::compute(state, ledger.rates(), currency)
            .map_err(|e| format!("the {currency} series (Flows) fails: {e}"))?;
    }
    Ok(())
}

/// The summary and the dated reads as of one date.
pub fn check_reads_on(ledger: &SimLedger, date: NaiveDate) -> Verdict {
    let state = ledger.state();
    let summary = ledger.summary(date).map_err(|e| format!("the summary as of {date} fails: {e}"))?;
    public_json("the summary", &wire::SummaryDto::from(&summary))?;
    public_json("the parties", &wire::parties(state, date))?;
    public_json("the decisions", &wire::decisions(state, date))?;
    public_json("reports/pipeline", &wire::pipeline(state, Currency::USD, date))?;
    Ok(())
}

/// The dashboard's pages as the public sees them, for each date.
pub fn check_dashboard(ledger: &SimLedger, dates: &[NaiveDate]) -> Verdict {
    dates.iter().try_for_each(|date| check_dashboard_on(ledger, *date))
}

/// The overview rendered, and every page's data.
fn check_dashboard_on(ledger: &SimLedger, date: NaiveDate) -> Verdict {
    use tranche_api::web::i18n::Lang;
    use tranche_api::web::{self, data};
    let (state, rates) = (ledger.state(), ledger.rates());
    let chrome = web::Chrome {
        page: "overview",
        title: "Overview".into(),
        who: "public".into(),
        signed_in: false,
        csrf: String::new(),
        sees_requirements: false,
        sees_funding: false,
        as_of: date.to_string(),
        cutoff: String::new(),
        events: ledger.head(),
        i18n: Default::default(),
        links: Default::default(),
        today_href: String::new(),
        synthetic: false,
        hide_synthetic: false,
    };
    let (html, _) =
        web::overview_html(ledger, date, chrome).map_err(|e| format!("the overview as of {date} fails: {e}"))?;
    check_public("the overview page", &html)?;
    let order = data::SortOrder::parse("counted", "desc").map_err(|e| format!("sort order: {e}"))?;
    let table = data::contributors(Lang::En, state, rates, date, order)
        .map_err(|e| format!("/contributors as of {date} fails: {e}"))?;
    check_public("/contributors", &table.dataset.to_json())?;
    let packages = data::packages(Lang::En, state, Reader::Public, date);
    check_public("/packages", &packages.dataset.to_json())?;
    for view in &packages.packages {
        if view.name.is_some() || !view.lines.is_empty() {
            return Err(format!("/packages shows the public package {}'s name or lines", view.id));
        }
    }
    let requirements =
        data::requirements(state, rates, Reader::Public).map_err(|e| format!("/requirements fails: {e}"))?;
    check_public("/requirements", &requirements.dataset.to_json())?;
    let records = data::records(Lang::En, state, rates, date, &data::RecordFilter::default())
        .map_err(|e| format!("/records as of {date} fails: {e}"))?;
    check_public("/records", &records.dataset.to_json())?;
    check_public("/records", &format!("{:?}", records.rows))?;
    let request = web::fair_share::Request::parse(state, None, None, None, None, None, date)
        .map_err(|e| format!("/fair-share's default parameters are refused: {e}"))?;
    match web::fair_share::view(state, rates, &request, web::i18n::Lang::En) {
        Ok(view) => check_public("/fair-share", &view.dataset.to_json()),
        Err(_) if state.share_keys.is_empty() => Ok(()),
        Err(e) => Err(format!("/fair-share as of {date} fails: {e}")),
    }
}

// --- The event log --------------------------------------------------------------------------------

/// One stored event: it decodes, its values passed the boundary, its actor may cause it, its
/// public view and its log leaf hold no restricted value, and the leaf replays publicly.
pub fn check_event(state: &State, stored: &StoredEvent, secret: &[u8; 32]) -> Verdict {
    let event: Event = serde_json::from_str(&stored.payload)
        .map_err(|e| format!("event {} ({}) does not decode: {e}", stored.seq, stored.kind))?;
    check_values(stored)?;
    check_effects(state, stored, &event)?;
    check_public(&format!("the public view of event {}", stored.seq), &public_view(stored)?)?;
    let leaf = tranche_store::leaf_of(stored, secret).map_err(|e| format!("the leaf of event {}: {e}", stored.seq))?;
    check_public(&format!("the log leaf of event {}", stored.seq), &String::from_utf8_lossy(&leaf))?;
    tranche_store::log::event_of_leaf(&leaf)
        .map_err(|e| format!("the public leaf of event {} does not replay: {e}", stored.seq))?;
    Ok(())
}

/// The event as `GET /api/v1/events` shows it to the public: the restricted fields removed by the
/// log's one table.
fn public_view(stored: &StoredEvent) -> Result<String, String> {
    let mut payload: Value = serde_json::from_str(&stored.payload).map_err(|e| e.to_string())?;
    let Ok(()) = tranche_log::leaf::for_each_restricted::<std::convert::Infallible>(
        &stored.kind,
        &mut payload,
        |_, map, key| {
            map.remove(key);
            Ok(())
        },
    );
    Ok(payload.to_string())
}

// --- The store ---------------------------------------------------------------------------------------

/// A full replay equals the ledger's state, the projections agree, a signed checkpoint of the
/// log verifies, and the state as of an earlier event summarises.
pub fn check_store(
    ledger: &mut SimLedger,
    path: &std::path::Path,
    signer: &tranche_log::Signer25519,
    date: NaiveDate,
) -> Verdict {
    // What `serve` and `check` do at start: open the file afresh, replay, check the invariants.
    let store = SqliteStore::open(path).map_err(|e| format!("the store does not open: {e}"))?;
    let reopened = Ledger::open(store).map_err(|e| format!("the store does not load: {e}"))?;
    if reopened.state() != ledger.state() {
        return Err(format!(
            "a replay of the store differs from the ledger's state ({} and {} events applied)",
            reopened.head(),
            ledger.head()
        ));
    }
    match tranche_store::replay_and_compare(ledger.store()) {
        Ok(None) => {}
        Ok(Some(difference)) => return Err(format!("the projections differ from a replay: {difference}")),
        Err(e) => return Err(format!("replay_and_compare fails: {e}")),
    }
    let tree = tranche_store::log::tree_of(ledger.store()).map_err(|e| format!("the log's tree: {e}"))?;
    tranche_store::log::sign_checkpoint(ledger.store_mut(), &tree, signer).map_err(|e| format!("signing: {e}"))?;
    let (verified, _) = tranche_store::log::verify_store(ledger.store(), Some(&signer.verifier()))
        .map_err(|e| format!("the log does not verify: {e}"))?;
    if verified.size != ledger.head() {
        return Err(format!("the log verifies {} entries, the ledger holds {}", verified.size, ledger.head()));
    }
    let earlier = ledger.state_at(ledger.head() / 2).map_err(|e| format!("state_at: {e}"))?;
    tranche_core::summarise(&earlier, ledger.rates(), date, &ledger.reporting_currencies())
        .map_err(|e| format!("the summary as of event {} fails: {e}", ledger.head() / 2))?;
    Ok(())
}

/// Events stored after `after`, for the per-event checks.
pub fn events_after(ledger: &SimLedger, after: u64) -> Result<Vec<StoredEvent>, String> {
    let mut events = Vec::new();
    let mut from = after;
    loop {
        let page = ledger.store().events_after(from, tranche_store::MAX_PAGE).map_err(|e| e.to_string())?;
        match page.last() {
            None => return Ok(events),
            Some(last) => from = last.seq,
        }
        events.extend(page);
    }
}
