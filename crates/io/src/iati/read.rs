//! Reading IATI 2.03 activity XML back into commands: pledges (13), commitments (11), payments
//! (1) and participation records. Allocations (2) and disbursements (3) are read for their type
//! only: they are written for IATI's readers, and a package's funding is decided here, not
//! imported.

use std::collections::HashMap;

use chrono::NaiveDate;
use tranche_core::auth::Role;
use tranche_core::text::Note;
use tranche_core::{
    Announcement, Command, CommandId, Confidence, Contributor, Currency, Envelope, Known, Money, Name, PackageRef,
    ParticipationStatus, PartyId, PledgeId, PledgeKind, RateTable, Source, SourceUrl, State, parse_date,
};

use super::transaction_type as tt;
use super::xml::{self, Element};
use super::{IatiError, MAX_FILE_BYTES, VERSION};

/// One command read from the file, with the XML path it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub path: String,
    pub envelope: Envelope,
}

/// Everything read from a file, in the order it is applied.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub commands: Vec<Imported>,
    pub pledges: usize,
    pub payments: usize,
    pub participation: usize,
    /// Allocations (2) and disbursements (3): read, not imported.
    pub not_imported: usize,
}

/// A transaction of a pledge.
struct Transaction {
    path: String,
    code: &'static str,
    pledge: PledgeId,
    date: NaiveDate,
    value: Money,
    reversal: Option<String>,
    provider: Option<String>,
}

/// A `tranche:pledge` element: what IATI has no field for.
#[derive(Clone)]
struct PledgeFacts {
    path: String,
    id: PledgeId,
    kind: PledgeKind,
    parties: Vec<PartyId>,
    date: NaiveDate,
    confidence: Confidence,
    url: Option<SourceUrl>,
    package: Option<PackageRef>,
    earmark: Option<Name>,
    contingent_on: Option<String>,
    withdrawn_on: Option<NaiveDate>,
    superseded: Option<(PledgeId, NaiveDate)>,
    note: Option<Note>,
    undisclosed: bool,
}

struct Reading<'a> {
    file: &'a str,
}

impl Reading<'_> {
    fn error(&self, at: &str, problem: impl Into<String>) -> IatiError {
        IatiError { file: self.file.to_string(), at: at.to_string(), problem: problem.into() }
    }

    fn required<'e>(&self, element: &'e Element, name: &str) -> Result<&'e str, IatiError> {
        element.attribute(name).ok_or_else(|| self.error(&element.path, format!("has no {name} attribute")))
    }

    /// An attribute parsed by a validating constructor; the error names the attribute.
    fn attribute<T, E: std::fmt::Display>(
        &self,
        element: &Element,
        name: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<Option<T>, IatiError> {
        element
            .attribute(name)
            .map(|text| parse(text).map_err(|e| self.error(&format!("{}/@{name}", element.path), e.to_string())))
            .transpose()
    }

    fn required_parsed<T, E: std::fmt::Display>(
        &self,
        element: &Element,
        name: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<T, IatiError> {
        self.attribute(element, name, parse)?
            .ok_or_else(|| self.error(&element.path, format!("has no {name} attribute")))
    }

    fn child<'e>(&self, element: &'e Element, name: &str) -> Result<&'e Element, IatiError> {
        element.child(name).ok_or_else(|| self.error(&element.path, format!("has no <{name}>")))
    }
}

/// Reads an IATI 2.03 `iati-activities` document into the commands that rebuild its pledges,
/// payments and participation records (nothing is checked against a store yet: see [`plan`]).
pub fn parse(file: &str, text: &str) -> Result<Parsed, IatiError> {
    let reading = Reading { file };
    if text.len() > MAX_FILE_BYTES {
        let problem = format!("{} bytes, more than the {MAX_FILE_BYTES} an IATI file may have", text.len());
        return Err(reading.error("", problem));
    }
    let root =
        xml::parse(text).map_err(|(at, problem)| reading.error(&at, format!("not well-formed XML: {problem}")))?;
    if root.name != "iati-activities" {
        return Err(reading.error(&root.path, "the root element is not <iati-activities>"));
    }
    let version = reading.required(&root, "version")?;
    if version != VERSION {
        return Err(reading.error(&format!("{}/@version", root.path), format!("version {version:?}, not {VERSION}")));
    }
    let mut transactions = Vec::new();
    let mut facts = Vec::new();
    let mut parsed = Parsed::default();
    for activity in root.children.iter().filter(|c| c.name == "iati-activity") {
        let default_currency = reading.attribute(activity, "default-currency", Currency::parse)?;
        for child in &activity.children {
            match child.name.as_str() {
                "transaction" => match transaction(&reading, child, default_currency)? {
                    Some(t) => transactions.push(t),
                    None => parsed.not_imported = parsed.not_imported.saturating_add(1),
                },
                "tranche:pledge" => facts.push(pledge_facts(&reading, child)?),
                "tranche:participation" => {
                    parsed.commands.push(participation(&reading, child)?);
                    parsed.participation = parsed.participation.saturating_add(1);
                }
                _ => {}
            }
        }
    }
    commands(&reading, &facts, &transactions, &mut parsed)?;
    Ok(parsed)
}

fn command_id(reading: &Reading, at: &str, text: String) -> Result<CommandId, IatiError> {
    CommandId::parse(&text).map_err(|e| reading.error(at, format!("makes the command id {text:?}: {e}")))
}

fn envelope(reading: &Reading, path: &str, id: String, command: Command) -> Result<Imported, IatiError> {
    let envelope = Envelope { command_id: command_id(reading, path, id)?, actor: Role::Admin, command };
    Ok(Imported { path: path.to_string(), envelope })
}

fn participation(reading: &Reading, element: &Element) -> Result<Imported, IatiError> {
    let party = reading.required_parsed(element, "party", PartyId::parse)?;
    let status = reading.required_parsed(element, "status", ParticipationStatus::parse)?;
    let date = reading.required_parsed(element, "date", parse_date)?;
    let confidence = reading.attribute(element, "confidence", Confidence::parse)?.unwrap_or(Confidence::Reported);
    let url = reading.attribute(element, "source-url", SourceUrl::parse)?;
    let note = reading.attribute(element, "note", Note::parse)?;
    let source = Source { url, date, confidence };
    let id = format!("iati:participation:{party}:{date}:{status}");
    envelope(reading, &element.path, id, Command::RecordParticipation { party, status, source, note })
}

/// A transaction of a pledge, or `None` for an allocation or disbursement (not imported).
fn transaction(
    reading: &Reading,
    element: &Element,
    default_currency: Option<Currency>,
) -> Result<Option<Transaction>, IatiError> {
    let kind = reading.child(element, "transaction-type")?;
    let code = match reading.required(kind, "code")? {
        tt::INCOMING_FUNDS => tt::INCOMING_FUNDS,
        tt::INCOMING_COMMITMENT => tt::INCOMING_COMMITMENT,
        tt::INCOMING_PLEDGE => tt::INCOMING_PLEDGE,
        tt::OUTGOING_COMMITMENT | tt::DISBURSEMENT => return Ok(None),
        other => {
            return Err(reading.error(
                &format!("{}/@code", kind.path),
                format!(
                    "transaction type {other:?} is not one Tranche reads (1 incoming funds, 11 incoming \
                     commitment, 13 incoming pledge; 2 and 3 are read and not imported)"
                ),
            ));
        }
    };
    let date = reading.required_parsed(reading.child(element, "transaction-date")?, "iso-date", parse_date)?;
    let value_element = reading.child(element, "value")?;
    let currency = match reading.attribute(value_element, "currency", Currency::parse)? {
        Some(currency) => currency,
        None => default_currency.ok_or_else(|| {
            reading.error(&value_element.path, "has no currency, and its activity no default-currency")
        })?,
    };
    reading.required_parsed(value_element, "value-date", parse_date)?;
    let reversal = element.attribute("tranche:reversal").map(str::to_string);
    let value = Money::parse(&value_element.text, currency)
        .map_err(|e| reading.error(&value_element.path, format!("value {:?}: {e}", value_element.text.trim())))?;
    match (&reversal, value.amount_minor) {
        (None, minor) if minor <= 0 => {
            let problem = format!("value {} is not positive (only a tranche:reversal is negative)", value);
            return Err(reading.error(&value_element.path, problem));
        }
        (Some(_), minor) if minor >= 0 => {
            return Err(reading.error(&value_element.path, format!("a reversal's value {value} is not negative")));
        }
        _ => {}
    }
    let reference = element.attribute("tranche:pledge").or_else(|| {
        element.attribute("ref").map(|r| r.split_once('/').map_or(r, |(pledge, _)| pledge)).filter(|r| !r.is_empty())
    });
    let reference = reference
        .ok_or_else(|| reading.error(&element.path, "names no pledge (a tranche:pledge attribute or a ref)"))?;
    let pledge = PledgeId::parse(reference).map_err(|e| reading.error(&element.path, e.to_string()))?;
    let provider = element.child("provider-org").and_then(|p| p.attribute("ref")).map(str::to_string);
    Ok(Some(Transaction { path: element.path.clone(), code, pledge, date, value, reversal, provider }))
}

fn pledge_facts(reading: &Reading, element: &Element) -> Result<PledgeFacts, IatiError> {
    let parties_text = reading.required(element, "parties")?;
    let parties = parties_text
        .split_whitespace()
        .map(PartyId::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| reading.error(&format!("{}/@parties", element.path), e.to_string()))?;
    let superseded_by = reading.attribute(element, "superseded-by", PledgeId::parse)?;
    let superseded_on = reading.attribute(element, "superseded-on", parse_date)?;
    let superseded = match (superseded_by, superseded_on) {
        (Some(by), Some(on)) => Some((by, on)),
        (None, None) => None,
        _ => return Err(reading.error(&element.path, "superseded-by and superseded-on go together")),
    };
    let undisclosed = match element.attribute("undisclosed") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(
                reading.error(&format!("{}/@undisclosed", element.path), format!("{other:?} is not true or false"))
            );
        }
    };
    Ok(PledgeFacts {
        path: element.path.clone(),
        id: reading.required_parsed(element, "id", PledgeId::parse)?,
        kind: reading.attribute(element, "kind", PledgeKind::parse)?.unwrap_or(PledgeKind::Solo),
        parties,
        date: reading.required_parsed(element, "date", parse_date)?,
        confidence: reading.attribute(element, "confidence", Confidence::parse)?.unwrap_or(Confidence::Reported),
        url: reading.attribute(element, "source-url", SourceUrl::parse)?,
        package: reading.attribute(element, "package", PackageRef::parse)?,
        earmark: reading.attribute(element, "earmark", Name::parse)?,
        contingent_on: reading.attribute(element, "contingent-on", tranche_core::procurement::parse_trigger)?,
        withdrawn_on: reading.attribute(element, "withdrawn-on", parse_date)?,
        superseded,
        note: reading.attribute(element, "note", Note::parse)?,
        undisclosed,
    })
}

/// The pledge's facts: from its `tranche:pledge` element, else from its incoming pledge (a
/// solo pledge by the provider, or a joint one when the provider names several parties).
fn facts_of<'a>(
    reading: &Reading,
    id: &PledgeId,
    described: Option<&'a PledgeFacts>,
    pledged: Option<&Transaction>,
) -> Result<std::borrow::Cow<'a, PledgeFacts>, IatiError> {
    if let Some(found) = described {
        return Ok(std::borrow::Cow::Borrowed(found));
    }
    let Some(pledged) = pledged else {
        return Err(reading.error("", format!("pledge {id} has transactions but no incoming pledge (13)")));
    };
    let provider = pledged
        .provider
        .as_deref()
        .ok_or_else(|| reading.error(&pledged.path, "has no provider-org ref naming the pledging party"))?;
    let parties = provider
        .split('+')
        .map(PartyId::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| reading.error(&format!("{}/provider-org/@ref", pledged.path), e.to_string()))?;
    let kind = if parties.len() > 1 { PledgeKind::JointPackage } else { PledgeKind::Solo };
    Ok(std::borrow::Cow::Owned(PledgeFacts {
        path: pledged.path.clone(),
        id: id.clone(),
        kind,
        parties,
        date: pledged.date,
        confidence: Confidence::Reported,
        url: None,
        package: None,
        earmark: None,
        contingent_on: None,
        withdrawn_on: None,
        superseded: None,
        note: None,
        undisclosed: false,
    }))
}

/// The single transaction of `code` (not a reversal) of a pledge; a second one is an error.
fn only<'t>(
    reading: &Reading,
    transactions: &[&'t Transaction],
    id: &PledgeId,
    code: &str,
) -> Result<Option<&'t Transaction>, IatiError> {
    let mut found = transactions.iter().copied().filter(|t| t.code == code && t.reversal.is_none());
    let first = found.next();
    match (first, found.next()) {
        (Some(first), Some(second)) => Err(reading.error(
            &second.path,
            format!("a second transaction of type {code} for pledge {id} (the first is {})", first.path),
        )),
        (first, None) => Ok(first),
        (None, Some(_)) => Ok(None),
    }
}

/// Announcements, then commitments, payments, withdrawals and supersessions, so that each
/// command finds what it needs already applied.
fn commands(
    reading: &Reading,
    facts: &[PledgeFacts],
    transactions: &[Transaction],
    parsed: &mut Parsed,
) -> Result<(), IatiError> {
    // Each pledge's transactions in file order, and the pledges in the order first described.
    let mut order: Vec<&PledgeId> = Vec::new();
    let mut described: HashMap<&PledgeId, &PledgeFacts> = HashMap::new();
    for fact in facts {
        if described.insert(&fact.id, fact).is_some() {
            return Err(reading.error(&fact.path, format!("pledge {} is described twice", fact.id)));
        }
        order.push(&fact.id);
    }
    let mut grouped: HashMap<&PledgeId, Vec<&Transaction>> = HashMap::new();
    for t in transactions {
        let own = grouped.entry(&t.pledge).or_default();
        if own.is_empty() && !described.contains_key(&t.pledge) {
            order.push(&t.pledge);
        }
        own.push(t);
    }
    let mut later: Vec<Imported> = Vec::new();
    let mut payments: Vec<Imported> = Vec::new();
    let mut triggers: std::collections::HashSet<String> = std::collections::HashSet::new();
    for id in order {
        let own = grouped.get(id).map_or(&[][..], Vec::as_slice);
        let pledged = only(reading, own, id, tt::INCOMING_PLEDGE)?;
        let fact = facts_of(reading, id, described.get(id).copied(), pledged)?;
        parsed.commands.push(announcement(reading, &fact, pledged)?);
        parsed.pledges = parsed.pledges.saturating_add(1);
        if let Some(committed) = only(reading, own, id, tt::INCOMING_COMMITMENT)? {
            let path = &committed.path;
            let (command_id, command) = match &fact.contingent_on {
                Some(trigger) if !triggers.insert(trigger.clone()) => (None, None),
                Some(trigger) => {
                    let command = Command::DeclareTrigger { trigger: trigger.clone(), date: committed.date };
                    (Some(format!("iati:trigger:{trigger}")), Some(command))
                }
                None => {
                    let command = Command::CommitPledge {
                        pledge: id.clone(),
                        amount: Some(committed.value),
                        date: committed.date,
                    };
                    (Some(format!("iati:{id}:commit")), Some(command))
                }
            };
            if let (Some(command_id), Some(command)) = (command_id, command) {
                parsed.commands.push(envelope(reading, path, command_id, command)?);
            }
        }
        let paid = own.iter().filter(|t| t.code == tt::INCOMING_FUNDS);
        for (index, payment) in paid.enumerate() {
            if payment.reversal.is_some() {
                return Err(reading.error(&payment.path, "a payment cannot be a reversal"));
            }
            let command = Command::PayPledge { pledge: id.clone(), amount: payment.value, date: payment.date };
            payments.push(envelope(
                reading,
                &payment.path,
                format!("iati:{id}:pay:{}", index.saturating_add(1)),
                command,
            )?);
        }
        let reversed = own.iter().find(|t| t.reversal.as_deref() == Some("withdrawal"));
        if let Some(on) = fact.withdrawn_on.or(reversed.map(|t| t.date)) {
            let command = Command::WithdrawPledge { pledge: id.clone(), date: on, reason: None };
            later.push(envelope(reading, &fact.path, format!("iati:{id}:withdraw"), command)?);
        }
        if let Some((by, on)) = &fact.superseded {
            let command = Command::SupersedePledge { pledge: id.clone(), by: by.clone(), date: *on };
            later.push(envelope(reading, &fact.path, format!("iati:{id}:superseded"), command)?);
        }
    }
    parsed.payments = payments.len();
    parsed.commands.extend(payments);
    parsed.commands.extend(later);
    Ok(())
}

fn announcement(reading: &Reading, fact: &PledgeFacts, pledged: Option<&Transaction>) -> Result<Imported, IatiError> {
    let amount = match (pledged, fact.undisclosed) {
        (Some(t), false) => Some(t.value),
        (None, true) => None,
        (Some(t), true) => {
            return Err(reading.error(&t.path, format!("pledge {} is marked undisclosed but has a value", fact.id)));
        }
        (None, false) => {
            let problem = format!("pledge {} has no incoming pledge (13) and is not marked undisclosed", fact.id);
            return Err(reading.error(&fact.path, problem));
        }
    };
    let contributor = match fact.parties.as_slice() {
        [] => return Err(reading.error(&fact.path, format!("pledge {} names no party", fact.id))),
        [one] => Contributor::Party(*one),
        several => Contributor::Joint(several.to_vec()),
    };
    let announcement = Announcement {
        pledge: fact.id.clone(),
        kind: fact.kind,
        contributor,
        amount,
        package: fact.package.clone(),
        earmark: fact.earmark.clone(),
        date: fact.date,
        source: Source { url: fact.url.clone(), date: fact.date, confidence: fact.confidence },
        note: fact.note.clone(),
        contingent_on: fact.contingent_on.clone(),
        shares: Vec::new(),
        cap_per_package: None,
    };
    let path = pledged.map_or(fact.path.as_str(), |t| t.path.as_str());
    let command = Command::AnnouncePledge { announcement, supersedes: None };
    envelope(reading, path, format!("iati:{}", fact.id), command)
}

/// What an import would write: the new commands, and how many were imported before.
#[derive(Debug, Default)]
pub struct Plan {
    pub envelopes: Vec<Envelope>,
    pub unchanged: usize,
}

/// Runs every command against a copy of `state`, in order. The first one the store or the
/// domain refuses is an error naming its XML path; then nothing is to be written.
pub fn plan(
    file: &str,
    parsed: &Parsed,
    state: &State,
    rates: &RateTable,
    known: &dyn Fn(&Envelope) -> Known,
) -> Result<Plan, IatiError> {
    let reading = Reading { file };
    let mut scratch = state.clone();
    let mut plan = Plan::default();
    for Imported { path, envelope } in &parsed.commands {
        match known(envelope) {
            Known::Same => plan.unchanged = plan.unchanged.saturating_add(1),
            Known::Different(problem) => return Err(reading.error(path, problem)),
            Known::New => {
                scratch.execute(rates, &envelope.command).map_err(|e| reading.error(path, e.to_string()))?;
                plan.envelopes.push(envelope.clone());
            }
        }
    }
    Ok(plan)
}
