//! The rules of the mechanism at work: what each procurement command may do, the events it
//! yields, their journal entries, and how they fold into the state.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::command::{Command, Event};
use crate::error::DomainError;
use crate::fx::RateTable;
use crate::ids::{DecisionId, PackageRef, PartyId, RequirementId};
use crate::ledger::{Account, JournalEntry, Posting};
use crate::money::{Currency, Money, round_half_even};
use crate::procurement::{
    Allocation, Decision, Delivery, Outcome, Package, PackageState, PriorityList, Procedure, Subject,
};
use crate::state::State;
use crate::summary::YearMonth;

fn rule(message: String) -> DomainError {
    DomainError::Rule(message)
}

fn wrong_state(package: &Package, action: &'static str, needs: &'static str) -> DomainError {
    DomainError::WrongPackageState { package: package.id.to_string(), state: package.state.to_string(), action, needs }
}

fn positive_in(amount: Money, currency: Currency, what: &str) -> Result<(), DomainError> {
    if amount.currency != currency {
        return Err(rule(format!("{what} must be in {currency}, the package currency; got {amount}")));
    }
    if !amount.is_positive() {
        return Err(DomainError::NotPositive(amount.to_string()));
    }
    Ok(())
}

fn moved(package: &PackageRef, to: PackageState, date: NaiveDate) -> Event {
    Event::PackageMoved { package: package.clone(), to, date }
}

impl State {
    pub fn package(&self, id: &PackageRef) -> Result<&Package, DomainError> {
        self.packages.get(id).ok_or_else(|| rule(format!("unknown package {id}")))
    }

    pub fn decision(&self, id: &DecisionId) -> Result<&Decision, DomainError> {
        self.decisions.get(id).ok_or_else(|| rule(format!("unknown decision {id}")))
    }

    /// The package currency of the mechanism.
    fn package_currency(&self) -> Result<Currency, DomainError> {
        self.mechanism
            .as_ref()
            .map(|m| m.package_currency)
            .ok_or_else(|| rule("no mechanism is defined; define one before requirements and packages".into()))
    }

    /// A package in `needs` state, else an error naming its state.
    fn package_in(
        &self,
        id: &PackageRef,
        states: &[PackageState],
        action: &'static str,
        needs: &'static str,
    ) -> Result<&Package, DomainError> {
        let package = self.package(id)?;
        match states.contains(&package.state) {
            true => Ok(package),
            false => Err(wrong_state(package, action, needs)),
        }
    }

    /// A pledge still waiting for its trigger on `as_of` does not count and cannot commit.
    pub fn is_pending_contingent(&self, pledge: &crate::domain::Pledge, as_of: NaiveDate) -> bool {
        pledge.contingent_on.as_ref().is_some_and(|trigger| self.triggers.get(trigger).is_none_or(|on| *on > as_of))
    }

    pub(crate) fn decide_procurement(&self, rates: &RateTable, command: &Command) -> Result<Vec<Event>, DomainError> {
        use PackageState::*;
        match command {
            Command::SubmitRequirement { requirement } => {
                if self.requirements.contains_key(&requirement.id) {
                    return Err(rule(format!("requirement {} already exists", requirement.id)));
                }
                positive_in(requirement.estimated_cost, self.package_currency()?, "an estimated cost")?;
                let description = requirement.restricted.description.trim();
                if description.is_empty() || description.len() > 2000 {
                    return Err(rule("a requirement needs a description of 1 to 2000 characters".into()));
                }
                Ok(vec![Event::RequirementSubmitted { requirement: requirement.clone() }])
            }
            Command::PrioritiseList { month, order, date } => self.decide_list(*month, order, *date),
            Command::OpenDecision { decision, subject, procedure, participants, date } => {
                self.decide_open_decision(decision, subject, *procedure, participants, *date)
            }
            Command::RespondToDecision { decision, party, response, date } => {
                self.check_response(decision, *party, *date)?;
                Ok(vec![Event::DecisionResponded {
                    decision: decision.clone(),
                    party: *party,
                    response: response.clone(),
                    date: *date,
                }])
            }
            Command::DraftPackage { package, name, requirements, date } => {
                self.decide_draft(package, name, requirements, *date)
            }
            Command::ProposePackage { package, date } => {
                self.package_in(package, &[Draft], "proposing", "draft")?;
                Ok(vec![moved(package, Proposed, *date)])
            }
            Command::QuotePackage { package, price, date } => {
                let found = self.package_in(package, &[Draft, Proposed], "quoting", "draft or proposed")?;
                positive_in(*price, found.currency, "a price")?;
                Ok(vec![Event::PackageQuoted { package: package.clone(), price: *price, date: *date }])
            }
            Command::ApprovePackage { package, decision, date } => {
                let found = self.package_in(package, &[Proposed], "approving", "proposed")?;
                if found.price.is_none() {
                    return Err(rule(format!("package {package} has no price; the supplier quotes it first")));
                }
                let decided = self.decision(decision)?;
                if decided.subject != Subject::Package(package.clone()) {
                    return Err(rule(format!(
                        "decision {decision} is about {}, not package {package}",
                        decided.subject
                    )));
                }
                match decided.outcome(*date) {
                    Outcome::Adopted { .. } => Ok(vec![moved(package, Approved, *date)]),
                    Outcome::Pending => Err(rule(format!("decision {decision} is still pending on {date}"))),
                    Outcome::Rejected { by, on } => {
                        Err(rule(format!("decision {decision} was rejected: {by} objected on {on}")))
                    }
                }
            }
            Command::OpenPackage { package, date } => {
                self.package_in(package, &[Approved], "opening", "approved")?;
                Ok(vec![moved(package, Open, *date)])
            }
            Command::Allocate { package, pledge, amount, date } => {
                self.decide_allocate(rates, package, pledge, *amount, *date)
            }
            Command::DeclareTrigger { trigger, date } => self.decide_trigger(trigger, *date),
            Command::ConvertCash { from, to, date } => {
                if !from.is_positive() {
                    return Err(DomainError::NotPositive(from.to_string()));
                }
                if from.currency == *to {
                    return Err(rule(format!("converting {from} into {to} changes nothing")));
                }
                self.check_cash(*from)?;
                let converted = rates.convert(*from, *to, *date)?;
                Ok(vec![Event::CashConverted { from: *from, to: converted, date: *date }])
            }
            Command::ContractPackage { package, date } => {
                self.package_in(package, &[Funded], "contracting", "funded")?;
                Ok(vec![moved(package, Contracted, *date)])
            }
            Command::Disburse { package, amount, date } => {
                let found = self.package_in(
                    package,
                    &[Contracted, Delivering, Delivered],
                    "disbursing",
                    "contracted, delivering or delivered",
                )?;
                positive_in(*amount, found.currency, "a disbursement")?;
                let available = found
                    .allocated()
                    .checked_sub(found.disbursed)
                    .ok_or_else(|| DomainError::Overflow(format!("the funds of package {package}")))?;
                if amount.amount_minor > available.amount_minor {
                    return Err(rule(format!(
                        "over-disbursement: package {package} has {available} funded and not disbursed, asked {amount}"
                    )));
                }
                self.check_cash(*amount)?;
                // Only the package's own paid-in money pays the supplier: never other
                // contributors' cash in the pool (docs/ACCOUNTING.md).
                let paid_in = self.paid_in_by_package().get(package).copied().unwrap_or(Money::zero(found.currency));
                let spendable =
                    i128::from(paid_in.amount_minor).saturating_sub(i128::from(found.disbursed.amount_minor));
                if i128::from(amount.amount_minor) > spendable {
                    return Err(rule(format!(
                        "package {package} has {paid_in} paid in by the pledges allocated to it and {} disbursed; \
                         disbursing {amount} would spend other contributors' money: collect its pledges' payments first",
                        found.disbursed
                    )));
                }
                Ok(vec![Event::Disbursed { package: package.clone(), amount: *amount, date: *date }])
            }
            Command::RecordDelivery { package, requirement, quantity, value, date } => {
                let found = self.package_in(
                    package,
                    &[Contracted, Delivering],
                    "recording a delivery",
                    "contracted or delivering",
                )?;
                self.check_line(found, requirement)?;
                if found.deliveries.contains_key(requirement) {
                    return Err(rule(format!(
                        "the delivery of {requirement} in package {package} is already recorded"
                    )));
                }
                positive_in(*value, found.currency, "a delivered value")?;
                let mut events = vec![Event::DeliveryRecorded {
                    package: package.clone(),
                    requirement: requirement.clone(),
                    quantity: *quantity,
                    value: *value,
                    date: *date,
                }];
                if found.state == Contracted {
                    events.push(moved(package, Delivering, *date));
                }
                Ok(events)
            }
            Command::ConfirmDelivery { package, requirement, date } => {
                let found = self.package_in(package, &[Delivering], "confirming a delivery", "delivering")?;
                self.check_line(found, requirement)?;
                let delivery = found.deliveries.get(requirement).ok_or_else(|| {
                    rule(format!("no delivery of {requirement} in package {package} is recorded yet"))
                })?;
                if delivery.confirmed_on.is_some() {
                    return Err(rule(format!(
                        "the delivery of {requirement} in package {package} is already confirmed"
                    )));
                }
                if *date < delivery.date {
                    return Err(rule(format!("confirmation on {date} is before the delivery on {}", delivery.date)));
                }
                let mut events = vec![Event::DeliveryConfirmed {
                    package: package.clone(),
                    requirement: requirement.clone(),
                    date: *date,
                }];
                let others_confirmed = found
                    .requirements
                    .iter()
                    .filter(|r| *r != requirement)
                    .all(|r| found.deliveries.get(r).is_some_and(|d| d.confirmed_on.is_some()));
                if others_confirmed {
                    events.push(moved(package, Delivered, *date));
                }
                Ok(events)
            }
            Command::ClosePackage { package, date } => {
                self.package_in(package, &[Delivered], "closing", "delivered")?;
                Ok(vec![moved(package, Closed, *date)])
            }
            Command::CancelPackage { package, date, reason } => {
                let found = self.package_in(
                    package,
                    &[Draft, Proposed, Approved, Open, Funded, Contracted, Delivering],
                    "cancelling",
                    "neither delivered, closed nor cancelled",
                )?;
                let released = releasable(found)?;
                Ok(vec![Event::PackageCancelled {
                    package: package.clone(),
                    date: *date,
                    reason: reason.clone(),
                    released,
                }])
            }
            other => Err(rule(format!("{} is not a procurement command", other.name()))),
        }
    }

    /// The fund must hold `amount` in cash of its currency.
    fn check_cash(&self, amount: Money) -> Result<(), DomainError> {
        let held = self.books.balance(&Account::Cash(amount.currency), amount.currency);
        if i128::from(amount.amount_minor) > held {
            let held =
                Money::new(i64::try_from(held).unwrap_or(0), amount.currency).unwrap_or(Money::zero(amount.currency));
            return Err(rule(format!(
                "insufficient {} cash: the fund holds {held}, needs {amount}; collect payments or convert cash first",
                amount.currency
            )));
        }
        Ok(())
    }

    fn check_line(&self, package: &Package, requirement: &RequirementId) -> Result<(), DomainError> {
        match package.requirements.contains(requirement) {
            true => Ok(()),
            false => Err(rule(format!("requirement {requirement} is not in package {}", package.id))),
        }
    }

    fn decide_list(
        &self,
        month: YearMonth,
        order: &[RequirementId],
        date: NaiveDate,
    ) -> Result<Vec<Event>, DomainError> {
        if order.is_empty() {
            return Err(rule(format!("the list for {month} names no requirement")));
        }
        for (index, id) in order.iter().enumerate() {
            let requirement = self.requirements.get(id).ok_or_else(|| rule(format!("unknown requirement {id}")))?;
            if requirement.month != month {
                return Err(rule(format!("requirement {id} is for {}, not {month}", requirement.month)));
            }
            if order.iter().take(index).any(|earlier| earlier == id) {
                return Err(rule(format!("requirement {id} is ranked twice in the list for {month}")));
            }
        }
        let versions = self.lists.get(&month).map_or(0, Vec::len);
        let version = u32::try_from(versions)
            .ok()
            .and_then(|versions| versions.checked_add(1))
            .ok_or_else(|| DomainError::Overflow(format!("versions of the list for {month}")))?;
        Ok(vec![Event::ListPrioritised { list: PriorityList { month, version, order: order.to_vec(), date } }])
    }

    fn decide_open_decision(
        &self,
        id: &DecisionId,
        subject: &Subject,
        procedure: Procedure,
        participants: &[PartyId],
        date: NaiveDate,
    ) -> Result<Vec<Event>, DomainError> {
        if self.decisions.contains_key(id) {
            return Err(rule(format!("decision {id} already exists")));
        }
        match subject {
            Subject::List { month, version } => {
                let known =
                    self.lists.get(month).is_some_and(|versions| versions.len() as u32 >= *version && *version > 0);
                if !known {
                    return Err(rule(format!("there is no list {month} v{version}")));
                }
            }
            Subject::Package(package) => {
                self.package_in(package, &[PackageState::Proposed], "deciding on", "proposed")?;
            }
        }
        if let Procedure::Silence { deadline } = procedure
            && deadline < date
        {
            return Err(rule(format!("the deadline {deadline} is before the decision opens on {date}")));
        }
        let mut asked = Vec::new();
        let mut not_asked = Vec::new();
        for party in participants {
            if !self.parties.contains_key(party) {
                return Err(DomainError::UnknownParty(party.to_string()));
            }
            if asked.contains(party) || not_asked.contains(party) {
                return Err(rule(format!("{party} is named twice among the participants")));
            }
            let status = self.participation_on(party, date).map(|r| r.change.status);
            match status {
                Some(
                    crate::domain::ParticipationStatus::Declined | crate::domain::ParticipationStatus::NonParticipation,
                ) => not_asked.push(*party),
                _ => asked.push(*party),
            }
        }
        if asked.is_empty() {
            return Err(rule(format!("decision {id} has no participant to ask")));
        }
        let decision = Decision {
            id: id.clone(),
            subject: subject.clone(),
            procedure,
            participants: asked,
            not_asked,
            opened_on: date,
            responses: Vec::new(),
        };
        Ok(vec![Event::DecisionOpened { decision }])
    }

    fn check_response(&self, id: &DecisionId, party: PartyId, date: NaiveDate) -> Result<(), DomainError> {
        let decision = self.decision(id)?;
        if decision.not_asked.contains(&party) {
            return Err(rule(format!(
                "{party} is not asked in decision {id} (declined or non-participation) and does not block it"
            )));
        }
        if !decision.participants.contains(&party) {
            return Err(rule(format!("{party} is not a participant in decision {id}")));
        }
        if date < decision.opened_on {
            return Err(rule(format!("a response on {date} is before decision {id} opened on {}", decision.opened_on)));
        }
        if decision.responses.iter().any(|r| r.0 == party) {
            return Err(rule(format!("{party} has already responded to decision {id}")));
        }
        if let Procedure::Silence { deadline } = decision.procedure
            && date > deadline
        {
            return Err(rule(format!(
                "decision {id} closed at its deadline {deadline}; a response on {date} is after the deadline"
            )));
        }
        match decision.outcome(date) {
            Outcome::Rejected { by, on } => {
                Err(rule(format!("decision {id} was already rejected: {by} objected on {on}")))
            }
            Outcome::Adopted { on } if decision.procedure == Procedure::Consensus => {
                Err(rule(format!("decision {id} was already adopted on {on}")))
            }
            _ => Ok(()),
        }
    }

    fn decide_draft(
        &self,
        package: &PackageRef,
        name: &crate::text::Name,
        requirements: &[RequirementId],
        date: NaiveDate,
    ) -> Result<Vec<Event>, DomainError> {
        if self.packages.contains_key(package) {
            return Err(rule(format!("package {package} already exists")));
        }
        if name.trim().is_empty() || name.len() > 200 {
            return Err(rule("a package needs a name of 1 to 200 characters".into()));
        }
        if requirements.is_empty() {
            return Err(rule(format!("package {package} bundles no requirement")));
        }
        for (index, id) in requirements.iter().enumerate() {
            if !self.requirements.contains_key(id) {
                return Err(rule(format!("unknown requirement {id}")));
            }
            if requirements.iter().take(index).any(|earlier| earlier == id) {
                return Err(rule(format!("requirement {id} is bundled twice in package {package}")));
            }
            let elsewhere =
                self.packages.values().find(|p| p.state != PackageState::Cancelled && p.requirements.contains(id));
            if let Some(other) = elsewhere {
                return Err(rule(format!("requirement {id} is already in package {}", other.id)));
            }
        }
        Ok(vec![Event::PackageDrafted {
            package: package.clone(),
            name: name.clone(),
            requirements: requirements.to_vec(),
            currency: self.package_currency()?,
            date,
        }])
    }

    fn decide_allocate(
        &self,
        rates: &RateTable,
        id: &PackageRef,
        pledge_id: &crate::ids::PledgeId,
        amount: Money,
        date: NaiveDate,
    ) -> Result<Vec<Event>, DomainError> {
        let package = self.package_in(id, &[PackageState::Open], "allocating to", "open")?;
        positive_in(amount, package.currency, "an allocation")?;
        let pledge = self.pledge(pledge_id)?;
        if let Some(earmarked) = pledge.package.as_ref().filter(|p| *p != id) {
            return Err(rule(format!("pledge {pledge_id} is earmarked for package {earmarked}, not {id}")));
        }
        let unallocated = match pledge.status {
            crate::domain::PledgeStatus::Committed
            | crate::domain::PledgeStatus::PartPaid
            | crate::domain::PledgeStatus::Paid => pledge
                .unallocated()
                .ok_or_else(|| DomainError::Overflow(format!("the unallocated money of pledge {pledge_id}")))?,
            status => {
                return Err(rule(format!("pledge {pledge_id} is {status}; only committed money is allocated")));
            }
        };
        let price = package.price.ok_or_else(|| rule(format!("package {id} is open but has no price")))?;
        let remaining = price
            .checked_sub(package.allocated())
            .ok_or_else(|| DomainError::Overflow(format!("the allocations of package {id}")))?;
        if amount.amount_minor > remaining.amount_minor {
            return Err(rule(format!(
                "over-allocation: package {id} needs {remaining} more to reach its price {price}, asked {amount}"
            )));
        }
        let pledge_amount = rates.convert(amount, unallocated.currency, date)?;
        if pledge_amount.amount_minor > unallocated.amount_minor {
            return Err(rule(format!(
                "pledge {pledge_id} has {unallocated} committed and unallocated; {amount} needs {pledge_amount}"
            )));
        }
        if let Some(cap) = pledge.cap_per_package {
            let given: i128 = package
                .allocations
                .iter()
                .filter(|a| a.pledge == *pledge_id)
                .map(|a| i128::from(a.pledge_amount.amount_minor))
                .sum();
            let after = given.saturating_add(i128::from(pledge_amount.amount_minor));
            if after > i128::from(cap.amount_minor) {
                return Err(rule(format!(
                    "pledge {pledge_id} is capped at {cap} per package; package {id} would get {} of it with {amount} \
                     ({pledge_amount})",
                    crate::procurement::saturated(after, cap.currency)
                )));
            }
        }
        let allocation = Allocation { pledge: pledge_id.clone(), amount, pledge_amount, date };
        let mut events = vec![Event::Allocated { package: id.clone(), allocation }];
        if amount == remaining {
            events.push(moved(id, PackageState::Funded, date));
        }
        Ok(events)
    }

    fn decide_trigger(&self, trigger: &str, date: NaiveDate) -> Result<Vec<Event>, DomainError> {
        crate::procurement::parse_trigger(trigger).map_err(|e| rule(e.to_string()))?;
        if let Some(on) = self.triggers.get(trigger) {
            return Err(rule(format!("trigger {trigger} was already declared on {on}")));
        }
        let mut events = vec![Event::TriggerDeclared { trigger: trigger.to_string(), date }];
        for pledge in self.pledges() {
            let waiting = pledge.contingent_on.as_deref() == Some(trigger)
                && pledge.status == crate::domain::PledgeStatus::Announced;
            if waiting {
                // A contingent pledge has an amount (`decide_announce`); one without is left waiting.
                let Some(amount) = pledge.announced else { continue };
                events.push(Event::PledgeCommitted { pledge: pledge.id.clone(), amount, date: date.max(pledge.date) });
            }
        }
        Ok(events)
    }

    pub(crate) fn journal_procurement(&self, event: &Event) -> Result<Vec<JournalEntry>, DomainError> {
        let unbalanced = |e: crate::ledger::Unbalanced| DomainError::Unbalanced(e.0);
        match event {
            Event::Allocated { package, allocation } => Ok(vec![self.allocation_entry(package, allocation, false)?]),
            Event::PackageCancelled { package, released, .. } => {
                released.iter().map(|allocation| self.allocation_entry(package, allocation, true)).collect()
            }
            Event::CashConverted { from, to, .. } => {
                let postings = vec![
                    Posting { account: Account::Cash(to.currency), amount: *to },
                    Posting { account: Account::Trading(to.currency), amount: to.negated() },
                    Posting { account: Account::Trading(from.currency), amount: *from },
                    Posting { account: Account::Cash(from.currency), amount: from.negated() },
                ];
                Ok(vec![JournalEntry::new(postings).map_err(unbalanced)?])
            }
            Event::Disbursed { package, amount, .. } => {
                let entry = JournalEntry::transfer(
                    Account::PackageFunds(package.to_string()),
                    Account::Cash(amount.currency),
                    *amount,
                );
                Ok(vec![entry.map_err(unbalanced)?])
            }
            _ => Ok(vec![]),
        }
    }

    /// Contributions to package funds (or back, when `release`), through the trading accounts
    /// when the pledge's currency is not the package's.
    fn allocation_entry(
        &self,
        package: &PackageRef,
        allocation: &Allocation,
        release: bool,
    ) -> Result<JournalEntry, DomainError> {
        let pledge = self.pledge(&allocation.pledge)?;
        let contributions = Account::Contributions(pledge.contributor.key());
        let funds = Account::PackageFunds(package.to_string());
        let (from, to) = (allocation.pledge_amount, allocation.amount);
        let sign = |money: Money| if release { money.negated() } else { money };
        let mut postings = vec![Posting { account: contributions, amount: sign(from) }];
        if from.currency != to.currency {
            postings.push(Posting { account: Account::Trading(from.currency), amount: sign(from.negated()) });
            postings.push(Posting { account: Account::Trading(to.currency), amount: sign(to) });
        }
        postings.push(Posting { account: funds, amount: sign(to.negated()) });
        JournalEntry::new(postings).map_err(|e| DomainError::Unbalanced(e.0))
    }

    pub(crate) fn fold_procurement(&mut self, event: &Event) -> Result<(), DomainError> {
        match event {
            Event::RequirementSubmitted { requirement } => {
                self.requirements.insert(requirement.id.clone(), requirement.clone());
            }
            Event::ListPrioritised { list } => self.lists.entry(list.month).or_default().push(list.clone()),
            Event::DecisionOpened { decision } => {
                self.decisions.insert(decision.id.clone(), decision.clone());
            }
            Event::DecisionResponded { decision, party, response, date } => {
                let decision =
                    self.decisions.get_mut(decision).ok_or_else(|| rule(format!("unknown decision {decision}")))?;
                decision.responses.push((*party, response.clone(), *date));
            }
            Event::PackageDrafted { package, name, requirements, currency, date } => {
                let drafted = Package {
                    id: package.clone(),
                    name: name.clone(),
                    requirements: requirements.clone(),
                    currency: *currency,
                    price: None,
                    state: PackageState::Draft,
                    history: vec![(PackageState::Draft, *date)],
                    allocations: Vec::new(),
                    released: Vec::new(),
                    disbursed: Money::zero(*currency),
                    disbursements: Vec::new(),
                    deliveries: Default::default(),
                };
                self.packages.insert(package.clone(), drafted);
            }
            Event::PackageQuoted { package, price, .. } => self.package_mut(package)?.price = Some(*price),
            Event::PackageMoved { package, to, date } => {
                let package = self.package_mut(package)?;
                package.state = *to;
                package.history.push((*to, *date));
            }
            Event::Allocated { package, allocation } => {
                self.add_allocated(&allocation.pledge, allocation.pledge_amount)?;
                self.package_mut(package)?.allocations.push(allocation.clone());
            }
            Event::TriggerDeclared { trigger, date } => {
                self.triggers.insert(trigger.clone(), *date);
            }
            Event::CashConverted { .. } => {}
            Event::Disbursed { package, amount, date } => {
                let package = self.package_mut(package)?;
                package.disbursed = package
                    .disbursed
                    .checked_add(*amount)
                    .ok_or_else(|| DomainError::Overflow("disbursements".into()))?;
                package.disbursements.push((*date, *amount));
            }
            Event::DeliveryRecorded { package, requirement, quantity, value, date } => {
                let delivery = Delivery { quantity: *quantity, value: *value, date: *date, confirmed_on: None };
                self.package_mut(package)?.deliveries.insert(requirement.clone(), delivery);
            }
            Event::DeliveryConfirmed { package, requirement, date } => {
                let package = self.package_mut(package)?;
                let delivery = package
                    .deliveries
                    .get_mut(requirement)
                    .ok_or_else(|| rule(format!("no delivery of {requirement}")))?;
                delivery.confirmed_on = Some(*date);
            }
            Event::PackageCancelled { package, date, released, .. } => {
                for allocation in released {
                    self.add_allocated(&allocation.pledge, allocation.pledge_amount.negated())?;
                }
                let package = self.package_mut(package)?;
                package.released.extend(released.iter().cloned());
                package.state = PackageState::Cancelled;
                package.history.push((PackageState::Cancelled, *date));
            }
            other => return Err(rule(format!("{} is not a procurement event", other.name()))),
        }
        Ok(())
    }

    fn package_mut(&mut self, id: &PackageRef) -> Result<&mut Package, DomainError> {
        self.packages.get_mut(id).ok_or_else(|| rule(format!("unknown package {id}")))
    }

    fn add_allocated(&mut self, pledge: &crate::ids::PledgeId, amount: Money) -> Result<(), DomainError> {
        let pledge = self.pledge_mut(pledge)?;
        let allocated = pledge.allocated.unwrap_or(Money::zero(amount.currency));
        pledge.allocated =
            Some(allocated.checked_add(amount).ok_or_else(|| DomainError::Overflow("allocations".into()))?);
        Ok(())
    }

    /// Package funds must equal allocations less releases and disbursements.
    pub(crate) fn check_package_funds(&self) -> Result<(), String> {
        for package in self.packages.values() {
            // A credit balance: disbursed less allocated, both i64, so the i128 difference is exact.
            let owed =
                i128::from(package.disbursed.amount_minor).saturating_sub(i128::from(package.allocated().amount_minor));
            let balance = self.books.balance(&Account::PackageFunds(package.id.to_string()), package.currency);
            if balance != owed {
                return Err(format!("net-assets:package:{} holds {balance}, its allocations say {owed}", package.id));
            }
        }
        Ok(())
    }
}

impl State {
    /// Each package's paid-in money, in its currency: every pledge's payments pay its
    /// allocations (net of releases) oldest first, by first allocation date then package id; an
    /// allocation paid in part counts the paid fraction of its package-currency amount, rounded
    /// down. Money a pledge paid beyond its allocations stays in the pool, unattributed.
    pub fn paid_in_by_package(&self) -> BTreeMap<PackageRef, Money> {
        // Per pledge: (first allocation date, package, net pledge-currency amount, net package amount).
        let mut by_pledge: BTreeMap<&crate::ids::PledgeId, Vec<(NaiveDate, &PackageRef, i128, i128)>> = BTreeMap::new();
        for package in self.packages.values() {
            let mut net: BTreeMap<&crate::ids::PledgeId, (NaiveDate, i128, i128)> = BTreeMap::new();
            for allocation in &package.allocations {
                let entry = net.entry(&allocation.pledge).or_insert((allocation.date, 0, 0));
                entry.0 = entry.0.min(allocation.date);
                entry.1 = entry.1.saturating_add(i128::from(allocation.pledge_amount.amount_minor));
                entry.2 = entry.2.saturating_add(i128::from(allocation.amount.amount_minor));
            }
            for released in &package.released {
                if let Some(entry) = net.get_mut(&released.pledge) {
                    entry.1 = entry.1.saturating_sub(i128::from(released.pledge_amount.amount_minor));
                    entry.2 = entry.2.saturating_sub(i128::from(released.amount.amount_minor));
                }
            }
            for (pledge, (date, pledge_amount, amount)) in net {
                by_pledge.entry(pledge).or_default().push((date, &package.id, pledge_amount, amount));
            }
        }
        let mut paid_in: BTreeMap<PackageRef, i128> = BTreeMap::new();
        for (pledge, mut allocations) in by_pledge {
            let Ok(found) = self.pledge(pledge) else { continue };
            let mut left = found.paid.map_or(0, |p| i128::from(p.amount_minor));
            allocations.sort();
            for (_, package, pledge_amount, amount) in allocations {
                let covered = left.min(pledge_amount).max(0);
                left = left.saturating_sub(covered);
                let part = match covered == pledge_amount {
                    true => amount,
                    false => amount.checked_mul(covered).and_then(|n| n.checked_div(pledge_amount)).unwrap_or(0),
                };
                let slot = paid_in.entry(package.clone()).or_default();
                *slot = slot.saturating_add(part.max(0));
            }
        }
        self.packages
            .values()
            .map(|p| {
                (p.id.clone(), crate::procurement::saturated(paid_in.get(&p.id).copied().unwrap_or(0), p.currency))
            })
            .collect()
    }
}

/// What cancelling releases: allocations not yet disbursed, latest first; the one that straddles
/// the disbursed amount is split, its pledge-currency part in proportion (half-even).
fn releasable(package: &Package) -> Result<Vec<Allocation>, DomainError> {
    let overflow = || DomainError::Overflow(format!("the release of package {}", package.id));
    let mut to_release =
        package.allocated().amount_minor.checked_sub(package.disbursed.amount_minor).ok_or_else(overflow)?;
    let mut released = Vec::new();
    for allocation in package.allocations.iter().rev() {
        if to_release <= 0 {
            break;
        }
        let part = allocation.amount.amount_minor.min(to_release);
        let pledge_amount = if part == allocation.amount.amount_minor {
            allocation.pledge_amount
        } else {
            let share = rust_decimal::Decimal::from(part)
                .checked_div(rust_decimal::Decimal::from(allocation.amount.amount_minor));
            let exact = share.and_then(|share| allocation.pledge_amount.to_decimal().checked_mul(share));
            round_half_even(exact.ok_or_else(overflow)?, allocation.pledge_amount.currency)
                .map_err(|e| rule(e.to_string()))?
        };
        released.push(Allocation {
            amount: Money { amount_minor: part, ..allocation.amount },
            pledge_amount,
            ..allocation.clone()
        });
        to_release = to_release.checked_sub(part).ok_or_else(overflow)?;
    }
    Ok(released)
}
