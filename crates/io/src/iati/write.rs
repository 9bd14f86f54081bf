//! Writing IATI 2.03 activity XML with `quick-xml` (which escapes every text and attribute).

use std::collections::HashMap;

use chrono::NaiveDate;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event as XmlEvent};
use tranche_core::auth::Reader;
use tranche_core::procurement::{Allocation, PackageState};
use tranche_core::reports::{PackageRow, package_rows};
use tranche_core::{
    Contributor, Event, Mechanism, Money, PackageRef, PartyId, PartyKind, PartyRole, Pledge, PledgeId, State,
};

use super::transaction_type as tt;
use super::{ExportError, NAMESPACE, VERSION};

/// What the state does not keep but an IATI file shows: each payment as received (amount and
/// currency of receipt, date) and each disbursement with its date. Gathered from the events
/// while the log is read ([`Movements::observe`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Movements {
    /// Per pledge, in the order received.
    payments: HashMap<PledgeId, Vec<(Money, NaiveDate)>>,
    /// Per package, in the order made.
    disbursements: HashMap<PackageRef, Vec<(Money, NaiveDate)>>,
}

impl Movements {
    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::PaymentReceived { pledge, amount, date, .. } => {
                self.payments.entry(pledge.clone()).or_default().push((*amount, *date));
            }
            Event::Disbursed { package, amount, date } => {
                self.disbursements.entry(package.clone()).or_default().push((*amount, *date));
            }
            _ => {}
        }
    }
}

type Attributes<'a> = Vec<(&'a str, String)>;

/// An indenting XML writer into memory.
struct Xml {
    writer: quick_xml::Writer<Vec<u8>>,
}

impl Xml {
    fn open(&mut self, name: &str, attributes: Attributes) -> std::io::Result<()> {
        let mut start = BytesStart::new(name);
        for (key, value) in &attributes {
            start.push_attribute((*key, value.as_str()));
        }
        self.writer.write_event(XmlEvent::Start(start))
    }

    fn close(&mut self, name: &str) -> std::io::Result<()> {
        self.writer.write_event(XmlEvent::End(BytesEnd::new(name)))
    }

    fn empty(&mut self, name: &str, attributes: Attributes) -> std::io::Result<()> {
        let mut start = BytesStart::new(name);
        for (key, value) in &attributes {
            start.push_attribute((*key, value.as_str()));
        }
        self.writer.write_event(XmlEvent::Empty(start))
    }

    fn text(&mut self, name: &str, attributes: Attributes, text: &str) -> std::io::Result<()> {
        self.open(name, attributes)?;
        self.writer.write_event(XmlEvent::Text(BytesText::new(text)))?;
        self.close(name)
    }

    /// `<name attributes><narrative>text</narrative></name>`.
    fn narrative(&mut self, name: &str, attributes: Attributes, text: &str) -> std::io::Result<()> {
        self.open(name, attributes)?;
        self.text("narrative", Vec::new(), text)?;
        self.close(name)
    }
}

/// Who the activities are reported by: the coordinator party when there is one.
struct Context<'a> {
    state: &'a State,
    mechanism: &'a Mechanism,
    reporting_ref: String,
    reporting_name: String,
    reporting_type: &'static str,
    mechanism_activity: String,
}

impl Context<'_> {
    fn package_activity(&self, package: &str) -> String {
        format!("{}-{package}", self.mechanism_activity)
    }

    fn party_name(&self, party: &PartyId) -> String {
        self.state.parties.get(party).map_or_else(|| party.to_string(), |p| p.name.to_string())
    }

    fn party_type(&self, party: &PartyId) -> &'static str {
        org_type(self.state.parties.get(party).map(|p| p.kind))
    }

    fn contributor_name(&self, contributor: &Contributor) -> String {
        let names: Vec<String> = contributor.parties().iter().map(|p| self.party_name(p)).collect();
        names.join(", ")
    }
}

/// IATI `OrganisationType`: 10 government, 40 multilateral.
fn org_type(kind: Option<PartyKind>) -> &'static str {
    match kind {
        Some(PartyKind::State) => "10",
        _ => "40",
    }
}

/// IATI `ActivityStatus` of a package: 1 pipeline, 2 implementation, 3 finalisation, 4 closed,
/// 5 cancelled.
fn activity_status(state: PackageState) -> &'static str {
    match state {
        PackageState::Draft | PackageState::Proposed | PackageState::Approved | PackageState::Open => "1",
        PackageState::Funded | PackageState::Contracted | PackageState::Delivering => "2",
        PackageState::Delivered => "3",
        PackageState::Closed => "4",
        PackageState::Cancelled => "5",
    }
}

/// The state as an IATI 2.03 `iati-activities` document, as `reader` may see it.
pub fn export(state: &State, movements: &Movements, reader: Reader) -> Result<String, ExportError> {
    let mechanism = state.mechanism.as_ref().ok_or(ExportError::NoMechanism)?;
    let coordinator = state.parties.values().find(|p| p.role == PartyRole::Coordinator);
    let reporting_ref = coordinator.map_or_else(|| mechanism.id.to_string(), |p| p.id.to_string());
    let context = Context {
        state,
        mechanism,
        mechanism_activity: format!("{reporting_ref}-{}", mechanism.id),
        reporting_name: coordinator.map_or_else(|| mechanism.name.to_string(), |p| p.name.to_string()),
        reporting_type: org_type(coordinator.map(|p| p.kind)),
        reporting_ref,
    };
    let mut xml = Xml { writer: quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2) };
    xml.writer.write_event(XmlEvent::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    xml.open("iati-activities", vec![("version", VERSION.to_string()), ("xmlns:tranche", NAMESPACE.to_string())])?;
    let rows = package_rows(state, reader);
    write_mechanism(&mut xml, &context, movements, &rows)?;
    for (row, package) in rows.iter().zip(state.packages.values()) {
        write_package(&mut xml, &context, movements, row, &package.id)?;
    }
    xml.close("iati-activities")?;
    let mut bytes = xml.writer.into_inner();
    bytes.push(b'\n');
    String::from_utf8(bytes).map_err(|e| ExportError::Write(std::io::Error::other(e)))
}

fn reporting_org(xml: &mut Xml, context: &Context) -> std::io::Result<()> {
    let attributes = vec![("ref", context.reporting_ref.clone()), ("type", context.reporting_type.to_string())];
    xml.narrative("reporting-org", attributes, &context.reporting_name)
}

fn write_mechanism(
    xml: &mut Xml,
    context: &Context,
    movements: &Movements,
    rows: &[PackageRow],
) -> std::io::Result<()> {
    let (state, mechanism) = (context.state, context.mechanism);
    xml.open("iati-activity", vec![("default-currency", mechanism.package_currency.to_string())])?;
    xml.text("iati-identifier", Vec::new(), &context.mechanism_activity)?;
    reporting_org(xml, context)?;
    xml.narrative("title", Vec::new(), &mechanism.name.to_string())?;
    let description = format!(
        "Pooled fund {} ({}): contributors' pledges, commitments and payments; allocations to packages \
         bought from {} for {}.",
        mechanism.id,
        mechanism.name,
        context.party_name(&mechanism.supplier),
        context.party_name(&mechanism.recipient)
    );
    xml.narrative("description", vec![("type", "1".to_string())], &description)?;
    let mut funders: Vec<PartyId> = Vec::new();
    for party in state.pledges().iter().flat_map(|p| p.contributor.parties()) {
        if !funders.contains(party) {
            funders.push(*party);
        }
    }
    for party in &funders {
        participating(xml, context, party, "1")?;
    }
    participating_org(xml, "3", &context.reporting_ref, context.reporting_type, &context.reporting_name)?;
    participating(xml, context, &mechanism.supplier, "4")?;
    xml.empty("activity-status", vec![("code", "2".to_string())])?;
    let start = state.pledges().iter().map(|p| p.date).min();
    if let Some(start) = start {
        xml.empty("activity-date", vec![("type", "2".to_string()), ("iso-date", start.to_string())])?;
    } else {
        xml.empty("activity-date", vec![("type", "1".to_string()), ("iso-date", planned_start(state))])?;
    }
    for pledge in state.pledges() {
        pledge_transactions(xml, context, movements, pledge)?;
    }
    for package in state.packages.values() {
        allocation_transactions(xml, context, package)?;
    }
    for row in rows {
        let attributes = vec![("ref", context.package_activity(&row.package)), ("type", "2".to_string())];
        xml.empty("related-activity", attributes)?;
    }
    for (party, records) in &state.participation {
        for record in records {
            let mut attributes = vec![
                ("party", party.to_string()),
                ("status", record.change.status.to_string()),
                ("date", record.change.date.to_string()),
                ("confidence", record.source.confidence.to_string()),
            ];
            if let Some(url) = &record.source.url {
                attributes.push(("source-url", url.to_string()));
            }
            if let Some(note) = &record.note {
                attributes.push(("note", note.to_string()));
            }
            xml.empty("tranche:participation", attributes)?;
        }
    }
    for pledge in state.pledges() {
        xml.empty("tranche:pledge", pledge_attributes(pledge))?;
    }
    xml.close("iati-activity")
}

/// A planned start for a mechanism with no pledge yet (IATI requires an activity date): the
/// earliest participation record's date, else 1990-01-01, the first date Tranche accepts.
fn planned_start(state: &State) -> String {
    let first = state.participation.values().flatten().map(|r| r.change.date).min();
    first.map_or_else(|| "1990-01-01".to_string(), |d| d.to_string())
}

fn participating(xml: &mut Xml, context: &Context, party: &PartyId, role: &str) -> std::io::Result<()> {
    participating_org(xml, role, party.as_str(), context.party_type(party), &context.party_name(party))
}

fn participating_org(xml: &mut Xml, role: &str, reference: &str, kind: &str, name: &str) -> std::io::Result<()> {
    let attributes = vec![("ref", reference.to_string()), ("role", role.to_string()), ("type", kind.to_string())];
    xml.narrative("participating-org", attributes, name)
}

/// What IATI has no field for, on the mechanism activity's `tranche:pledge` element.
fn pledge_attributes(pledge: &Pledge) -> Attributes<'static> {
    let parties: Vec<&str> = pledge.contributor.parties().iter().map(PartyId::as_str).collect();
    let mut attributes = vec![
        ("id", pledge.id.to_string()),
        ("kind", pledge.kind.to_string()),
        ("parties", parties.join(" ")),
        ("date", pledge.date.to_string()),
        ("status", pledge.status.to_string()),
        ("confidence", pledge.source.confidence.to_string()),
    ];
    if pledge.announced.is_none() {
        attributes.push(("undisclosed", "true".to_string()));
    }
    let optional = [
        ("source-url", pledge.source.url.as_ref().map(ToString::to_string)),
        ("package", pledge.package.as_ref().map(ToString::to_string)),
        ("earmark", pledge.earmark.as_ref().map(ToString::to_string)),
        ("contingent-on", pledge.contingent_on.clone()),
        ("withdrawn-on", pledge.withdrawn_on.map(|d| d.to_string())),
        ("superseded-by", pledge.superseded.as_ref().map(|(by, _)| by.to_string())),
        ("superseded-on", pledge.superseded.as_ref().map(|(_, on)| on.to_string())),
        ("note", pledge.note.as_ref().map(ToString::to_string)),
    ];
    attributes.extend(optional.into_iter().filter_map(|(key, value)| value.map(|v| (key, v))));
    attributes
}

/// One transaction: its type, date, value, provider and receiver.
struct Transaction<'a> {
    reference: String,
    pledge: Option<&'a PledgeId>,
    reversal: Option<&'static str>,
    code: &'static str,
    date: NaiveDate,
    value: Money,
    description: Option<String>,
    provider: (String, String, Option<String>),
    receiver: (String, String, Option<String>),
}

fn transaction(xml: &mut Xml, t: Transaction) -> std::io::Result<()> {
    let mut attributes = vec![("ref", t.reference)];
    if let Some(pledge) = t.pledge {
        attributes.push(("tranche:pledge", pledge.to_string()));
    }
    if let Some(reversal) = t.reversal {
        attributes.push(("tranche:reversal", reversal.to_string()));
    }
    xml.open("transaction", attributes)?;
    xml.empty("transaction-type", vec![("code", t.code.to_string())])?;
    xml.empty("transaction-date", vec![("iso-date", t.date.to_string())])?;
    let value_attributes = vec![("currency", t.value.currency.to_string()), ("value-date", t.date.to_string())];
    xml.text("value", value_attributes, &t.value.to_decimal_string())?;
    if let Some(description) = &t.description {
        xml.narrative("description", Vec::new(), description)?;
    }
    for (element, activity_attribute, (reference, name, activity)) in
        [("provider-org", "provider-activity-id", t.provider), ("receiver-org", "receiver-activity-id", t.receiver)]
    {
        let mut attributes = vec![("ref", reference)];
        if let Some(activity) = activity {
            attributes.push((activity_attribute, activity));
        }
        xml.narrative(element, attributes, &name)?;
    }
    xml.close("transaction")
}

/// Incoming pledge (13), commitment (11) and funds (1); a withdrawal or supersession as a
/// negative transaction of the kind it reverses.
fn pledge_transactions(
    xml: &mut Xml,
    context: &Context,
    movements: &Movements,
    pledge: &Pledge,
) -> std::io::Result<()> {
    let provider = (pledge.contributor.key(), context.contributor_name(&pledge.contributor), None);
    let receiver =
        (context.reporting_ref.clone(), context.reporting_name.clone(), Some(context.mechanism_activity.clone()));
    let make = |reference: String, code, date, value, reversal| Transaction {
        reference,
        pledge: Some(&pledge.id),
        reversal,
        code,
        date,
        value,
        description: None,
        provider: provider.clone(),
        receiver: receiver.clone(),
    };
    if let Some(announced) = pledge.announced {
        let mut pledged = make(pledge.id.to_string(), tt::INCOMING_PLEDGE, pledge.date, announced, None);
        pledged.description = pledge.note.as_ref().map(ToString::to_string);
        transaction(xml, pledged)?;
    }
    if let (Some(committed), Some(on)) = (pledge.committed, pledge.committed_on) {
        transaction(xml, make(format!("{}/commitment", pledge.id), tt::INCOMING_COMMITMENT, on, committed, None))?;
    }
    let payments = movements.payments.get(&pledge.id).map_or(&[][..], Vec::as_slice);
    for (index, (amount, date)) in payments.iter().enumerate() {
        let reference = format!("{}/payment/{}", pledge.id, index.saturating_add(1));
        transaction(xml, make(reference, tt::INCOMING_FUNDS, *date, *amount, None))?;
    }
    if let Some(on) = pledge.withdrawn_on {
        let reversed = match pledge.committed {
            Some(_) => pledge.outstanding().map(|left| (tt::INCOMING_COMMITMENT, left)),
            None => pledge.announced.map(|announced| (tt::INCOMING_PLEDGE, announced)),
        };
        if let Some((code, amount)) = reversed.filter(|(_, amount)| amount.is_positive()) {
            let reference = format!("{}/withdrawal", pledge.id);
            transaction(xml, make(reference, code, on, amount.negated(), Some("withdrawal")))?;
        }
    }
    if let (Some((_, on)), Some(announced)) = (&pledge.superseded, pledge.announced) {
        let reference = format!("{}/supersession", pledge.id);
        transaction(xml, make(reference, tt::INCOMING_PLEDGE, *on, announced.negated(), Some("supersession")))?;
    }
    Ok(())
}

/// Outgoing commitments (2) from the pool to a package, one per allocation; a cancelled
/// package's released allocations as negative ones on the cancellation date.
fn allocation_transactions(
    xml: &mut Xml,
    context: &Context,
    package: &tranche_core::procurement::Package,
) -> std::io::Result<()> {
    let activity = context.package_activity(package.id.as_str());
    let cancelled_on = package.history.iter().rev().find(|(s, _)| *s == PackageState::Cancelled).map(|(_, d)| *d);
    let entries = package
        .allocations
        .iter()
        .map(|a| (a, None))
        .chain(package.released.iter().filter_map(|a| cancelled_on.map(|on| (a, Some(on)))));
    for (index, (allocation, released_on)) in entries.enumerate() {
        let Allocation { pledge, amount, date, .. } = allocation;
        let provider = context.state.pledge(pledge).ok().map(|p| &p.contributor);
        let provider = provider.map_or_else(
            || (context.reporting_ref.clone(), context.reporting_name.clone(), None),
            |c| (c.key(), context.contributor_name(c), Some(context.mechanism_activity.clone())),
        );
        let (value, date, reversal) = match released_on {
            Some(on) => (amount.negated(), on, Some("release")),
            None => (*amount, *date, None),
        };
        transaction(
            xml,
            Transaction {
                reference: format!("{pledge}/allocation/{}/{}", package.id, index.saturating_add(1)),
                pledge: Some(pledge),
                reversal,
                code: tt::OUTGOING_COMMITMENT,
                date,
                value,
                description: None,
                provider,
                receiver: (context.reporting_ref.clone(), format!("Package {}", package.id), Some(activity.clone())),
            },
        )?;
    }
    Ok(())
}

fn write_package(
    xml: &mut Xml,
    context: &Context,
    movements: &Movements,
    row: &PackageRow,
    id: &PackageRef,
) -> std::io::Result<()> {
    let mechanism = context.mechanism;
    xml.open("iati-activity", vec![("default-currency", mechanism.package_currency.to_string())])?;
    xml.text("iati-identifier", Vec::new(), &context.package_activity(&row.package))?;
    reporting_org(xml, context)?;
    let title = row.name.clone().unwrap_or_else(|| format!("Package {}", row.package));
    xml.narrative("title", Vec::new(), &title)?;
    let price = row.price.map_or_else(|| "not quoted".to_string(), |p| p.to_string());
    let general = format!("Package {} of {}: {}; price {price}.", row.package, mechanism.id, row.state);
    xml.narrative("description", vec![("type", "1".to_string())], &general)?;
    if !row.lines.is_empty() {
        let lines: Vec<String> = row
            .lines
            .iter()
            .map(|line| {
                let quantity = line.quantity.map_or_else(String::new, |q| format!(" x{q}"));
                format!("{} ({}){quantity}: {}", line.requirement, line.category.as_str(), line.description)
            })
            .collect();
        xml.narrative("description", vec![("type", "2".to_string())], &lines.join("; "))?;
    }
    let mut funders: Vec<PartyId> = Vec::new();
    if let Some(package) = context.state.packages.get(id) {
        for allocation in &package.allocations {
            let parties = context.state.pledge(&allocation.pledge).map(|p| p.contributor.parties().to_vec());
            for party in parties.unwrap_or_default() {
                if !funders.contains(&party) {
                    funders.push(party);
                }
            }
        }
    }
    for party in &funders {
        participating(xml, context, party, "1")?;
    }
    participating_org(xml, "3", &context.reporting_ref, context.reporting_type, &context.reporting_name)?;
    participating(xml, context, &mechanism.supplier, "4")?;
    xml.empty("activity-status", vec![("code", activity_status(row.state).to_string())])?;
    if let Some((_, started)) = row.history.first() {
        xml.empty("activity-date", vec![("type", "2".to_string()), ("iso-date", started.to_string())])?;
    }
    let ended = row.history.iter().rev().find(|(s, _)| matches!(s, PackageState::Closed | PackageState::Cancelled));
    if let Some((_, ended)) = ended {
        xml.empty("activity-date", vec![("type", "4".to_string()), ("iso-date", ended.to_string())])?;
    }
    let disbursements = movements.disbursements.get(id).map_or(&[][..], Vec::as_slice);
    for (index, (amount, date)) in disbursements.iter().enumerate() {
        transaction(
            xml,
            Transaction {
                reference: format!("{}/disbursement/{}", row.package, index.saturating_add(1)),
                pledge: None,
                reversal: None,
                code: tt::DISBURSEMENT,
                date: *date,
                value: *amount,
                description: None,
                provider: (
                    context.reporting_ref.clone(),
                    context.reporting_name.clone(),
                    Some(context.package_activity(&row.package)),
                ),
                receiver: (mechanism.supplier.to_string(), context.party_name(&mechanism.supplier), None),
            },
        )?;
    }
    let attributes = vec![("ref", context.mechanism_activity.clone()), ("type", "1".to_string())];
    xml.empty("related-activity", attributes)?;
    xml.close("iati-activity")
}
