//! The state: a pure fold of events. [`State::decide`] turns a command into events (or a
//! rejection) without changing anything; [`State::apply`] folds one event in and posts its
//! journal entries.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use chrono::NaiveDate;

use crate::command::{Announcement, Command, Event};
use crate::domain::{
    Contributor, Group, Mechanism, ParticipationChange, Party, Pledge, PledgeKind, PledgeStatus, Source, Target,
};
use crate::error::DomainError;
use crate::fx::RateTable;
use crate::ids::{DecisionId, GroupId, PackageRef, PartyId, PledgeId, RequirementId, ShareKeyName, TargetId};
use crate::ledger::{Account, Books, JournalEntry, Posting, Unbalanced};
use crate::money::{Currency, Money};
use crate::procurement::{Decision, Package, PriorityList, Requirement};
use crate::summary::YearMonth;

/// A payment received: the pledge (its index in [`State::pledges`]), the date, and the amount
/// settled in the pledge's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub pledge_index: usize,
    #[serde(with = "crate::dates::iso")]
    pub date: NaiveDate,
    pub settled: Money,
}

/// A participation change with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipationRecord {
    pub change: ParticipationChange,
    pub source: Source,
    pub note: Option<crate::text::Note>,
}

/// Serialised for snapshots without its pledge index; deserialised through [`StateWire`], which
/// rebuilds the index and checks every invariant (the after-load assertion).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StateWire")]
pub struct State {
    pub parties: BTreeMap<PartyId, Party>,
    pub mechanism: Option<Mechanism>,
    pub groups: BTreeMap<GroupId, Group>,
    /// Every change per party, in the order recorded.
    pub participation: BTreeMap<PartyId, Vec<ParticipationRecord>>,
    /// Pledges in announcement order (reports walk this vector; no hashing per pledge).
    pledges: Vec<Pledge>,
    #[serde(skip)]
    pledge_index: FxHashMap<PledgeId, usize>,
    /// Every payment in the order received (one contiguous list, for reports over time).
    payments: Vec<Payment>,
    pub targets: BTreeMap<TargetId, Target>,
    /// Share keys for fair shares, by name.
    pub share_keys: BTreeMap<ShareKeyName, crate::domain::ShareKey>,
    /// Releases of the Kiel tracker by number: reference figures, never counted.
    pub kiel: BTreeMap<u32, crate::reference::KielRelease>,
    pub requirements: BTreeMap<RequirementId, Requirement>,
    /// Every version of each month's prioritised list, oldest first.
    pub lists: BTreeMap<YearMonth, Vec<PriorityList>>,
    pub decisions: BTreeMap<DecisionId, Decision>,
    pub packages: BTreeMap<PackageRef, Package>,
    /// Declared triggers of contingent pledges, with the date declared.
    pub triggers: BTreeMap<String, NaiveDate>,
    pub books: Books,
    pub events_applied: u64,
    /// Every pledge's larger amount, announced or committed, per currency (withdrawn ones too): a bound on
    /// what any report can add up ([`State::check_total`]).
    gross: BTreeMap<Currency, i128>,
}

/// A state as decoded from a snapshot, before its index is rebuilt and its invariants checked.
#[derive(Deserialize)]
struct StateWire {
    parties: BTreeMap<PartyId, Party>,
    mechanism: Option<Mechanism>,
    groups: BTreeMap<GroupId, Group>,
    participation: BTreeMap<PartyId, Vec<ParticipationRecord>>,
    pledges: Vec<Pledge>,
    payments: Vec<Payment>,
    targets: BTreeMap<TargetId, Target>,
    share_keys: BTreeMap<ShareKeyName, crate::domain::ShareKey>,
    kiel: BTreeMap<u32, crate::reference::KielRelease>,
    requirements: BTreeMap<RequirementId, Requirement>,
    lists: BTreeMap<YearMonth, Vec<PriorityList>>,
    decisions: BTreeMap<DecisionId, Decision>,
    packages: BTreeMap<PackageRef, Package>,
    triggers: BTreeMap<String, NaiveDate>,
    books: Books,
    events_applied: u64,
    gross: BTreeMap<Currency, i128>,
}

impl TryFrom<StateWire> for State {
    type Error = String;

    fn try_from(wire: StateWire) -> Result<State, String> {
        let mut pledge_index = FxHashMap::default();
        pledge_index.reserve(wire.pledges.len());
        for (index, pledge) in wire.pledges.iter().enumerate() {
            if pledge_index.insert(pledge.id.clone(), index).is_some() {
                return Err(format!("pledge {} appears twice", pledge.id));
            }
        }
        let state = State {
            parties: wire.parties,
            mechanism: wire.mechanism,
            groups: wire.groups,
            participation: wire.participation,
            pledges: wire.pledges,
            pledge_index,
            payments: wire.payments,
            targets: wire.targets,
            share_keys: wire.share_keys,
            kiel: wire.kiel,
            requirements: wire.requirements,
            lists: wire.lists,
            decisions: wire.decisions,
            packages: wire.packages,
            triggers: wire.triggers,
            books: wire.books,
            events_applied: wire.events_applied,
            gross: wire.gross,
        };
        state.check_invariants()?;
        Ok(state)
    }
}

fn wrong_status(pledge: &Pledge, action: &'static str, needs: &'static str) -> DomainError {
    DomainError::WrongPledgeStatus { pledge: pledge.id.to_string(), status: pledge.status.to_string(), action, needs }
}

fn unbalanced(error: Unbalanced) -> DomainError {
    DomainError::Unbalanced(error.0)
}

impl State {
    pub fn new() -> State {
        State::default()
    }

    pub fn pledge(&self, id: &PledgeId) -> Result<&Pledge, DomainError> {
        let pledge = self.pledge_index.get(id).and_then(|i| self.pledges.get(*i));
        pledge.ok_or_else(|| DomainError::UnknownPledge(id.to_string()))
    }

    /// The latest Kiel release loaded (the highest number), if any.
    pub fn latest_kiel(&self) -> Option<&crate::reference::KielRelease> {
        self.kiel.values().next_back()
    }

    pub fn has_pledge(&self, id: &PledgeId) -> bool {
        self.pledge_index.contains_key(id)
    }

    /// Every pledge, in announcement order.
    /// Every payment received, in order.
    pub fn payments(&self) -> &[Payment] {
        &self.payments
    }

    pub fn pledges(&self) -> &[Pledge] {
        &self.pledges
    }

    /// The state with only the pledges `keep` accepts, and only their payments: a view for
    /// reports that leave some pledges out (the synthetic exercise). Everything else (books,
    /// packages, participation, targets) is as recorded; the view is never applied to.
    pub fn with_pledges_only(&self, keep: impl Fn(&Pledge) -> bool) -> State {
        let mut view = self.clone();
        let mut new_index: Vec<Option<usize>> = Vec::with_capacity(self.pledges.len());
        view.pledges.clear();
        view.pledge_index.clear();
        for pledge in &self.pledges {
            match keep(pledge) {
                true => {
                    new_index.push(Some(view.pledges.len()));
                    view.pledge_index.insert(pledge.id.clone(), view.pledges.len());
                    view.pledges.push(pledge.clone());
                }
                false => new_index.push(None),
            }
        }
        view.payments = self
            .payments
            .iter()
            .filter_map(|payment| {
                let pledge_index = new_index.get(payment.pledge_index).copied().flatten()?;
                Some(Payment { pledge_index, ..*payment })
            })
            .collect();
        view
    }

    fn require_party(&self, party: &PartyId) -> Result<(), DomainError> {
        match self.parties.contains_key(party) {
            true => Ok(()),
            false => Err(DomainError::UnknownParty(party.to_string())),
        }
    }

    /// The party's latest participation status on or before `as_of` (by date, then by order).
    pub fn participation_on(&self, party: &PartyId, as_of: NaiveDate) -> Option<&ParticipationRecord> {
        let records = self.participation.get(party)?;
        records.iter().filter(|r| r.change.date <= as_of).max_by_key(|r| r.change.date)
    }

    /// Decides a command against this state. Changes nothing.
    pub fn decide(&self, rates: &RateTable, command: &Command) -> Result<Vec<Event>, DomainError> {
        match command {
            Command::RegisterParty { party } => {
                if self.parties.contains_key(&party.id) {
                    return Err(DomainError::PartyExists(party.id.to_string()));
                }
                Ok(vec![Event::PartyRegistered { party: party.clone() }])
            }
            Command::DefineMechanism { mechanism } => {
                self.require_party(&mechanism.recipient)?;
                self.require_party(&mechanism.supplier)?;
                let mut currencies = mechanism.reporting_currencies.clone();
                currencies.push(mechanism.package_currency);
                self.check_countable_in(rates, &currencies)?;
                Ok(vec![Event::MechanismDefined { mechanism: mechanism.clone() }])
            }
            Command::DefineGroup { group } => {
                if self.groups.contains_key(&group.id) {
                    return Err(DomainError::GroupExists(group.id.to_string()));
                }
                for party in &group.members {
                    self.require_party(party)?;
                }
                check_joint(&group.members, group.id.as_str())?;
                Ok(vec![Event::GroupDefined { group: group.clone() }])
            }
            Command::RecordParticipation { party, status, source, note } => {
                self.require_party(party)?;
                Ok(vec![Event::ParticipationRecorded {
                    party: *party,
                    status: *status,
                    source: source.clone(),
                    note: note.clone(),
                }])
            }
            Command::AnnouncePledge { announcement, supersedes } => {
                if let Some(amount) = announcement.amount {
                    self.check_reportable(rates, amount, &[announcement.date])?;
                    self.check_total(rates, amount)?;
                }
                self.decide_announce(announcement, supersedes.as_ref())
            }
            Command::CommitPledge { pledge, amount, date } => {
                let events = self.decide_commit(pledge, *amount, *date)?;
                if let Some(Event::PledgeCommitted { amount, .. }) = events.first() {
                    // The reports count a committed amount at the pledge's date, and the
                    // committed series at the commitment's.
                    self.check_reportable(rates, *amount, &[self.pledge(pledge)?.date, *date])?;
                    if let Some(increase) = self.pledge(pledge)?.increase_by_committing(*amount) {
                        self.check_total(rates, increase)?;
                    }
                }
                Ok(events)
            }
            Command::PayPledge { pledge, amount, date } => {
                self.check_reportable(rates, *amount, &[*date])?;
                self.decide_pay(rates, pledge, *amount, *date)
            }
            Command::WithdrawPledge { pledge, date, reason } => self.decide_withdraw(pledge, *date, reason.clone()),
            Command::SupersedePledge { pledge, by, date } => {
                self.check_supersede(pledge, by, *date)?;
                self.pledge(by)?;
                Ok(vec![Event::PledgeSuperseded { pledge: pledge.clone(), by: by.clone(), date: *date }])
            }
            Command::SetTarget { target } => {
                if self.targets.contains_key(&target.id) {
                    return Err(DomainError::TargetExists(target.id.to_string()));
                }
                if !target.amount.is_positive() {
                    return Err(DomainError::NotPositive(target.amount.to_string()));
                }
                self.check_reportable(rates, target.amount, &[target.date])?;
                if !self.counting_currencies().contains(&target.amount.currency) {
                    self.check_countable_in(rates, &[target.amount.currency])?;
                }
                Ok(vec![Event::TargetSet { target: target.clone() }])
            }
            Command::LoadShareKey { key } => self.decide_share_key(key),
            Command::LoadKielRelease { release } => {
                if self.kiel.contains_key(&release.release) {
                    return Err(DomainError::Rule(format!("Kiel release {} is already loaded", release.release)));
                }
                release.check()?;
                Ok(vec![Event::KielReleaseLoaded { release: release.clone() }])
            }
            procurement => self.decide_procurement(rates, procurement),
        }
    }

    /// A share key names registered parties, each once, and is loaded under a new name.
    fn decide_share_key(&self, key: &crate::domain::ShareKey) -> Result<Vec<Event>, DomainError> {
        let name = &key.name;
        if self.share_keys.contains_key(name) {
            return Err(DomainError::Rule(format!(
                "share key {name} is already loaded; load a new version under a new name"
            )));
        }
        if key.values.is_empty() {
            return Err(DomainError::Rule(format!("share key {name} gives no party a value")));
        }
        if key.values.len() > crate::domain::MAX_KEY_PARTIES {
            return Err(DomainError::Rule(format!(
                "share key {name} names {} parties; at most {} are allowed",
                key.values.len(),
                crate::domain::MAX_KEY_PARTIES
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for entry in &key.values {
            self.require_party(&entry.party)?;
            if !seen.insert(entry.party) {
                return Err(DomainError::Rule(format!("share key {name} gives {} two values", entry.party)));
            }
        }
        Ok(vec![Event::ShareKeyLoaded { key: key.clone() }])
    }

    /// The currencies the reports count in: the mechanism's, or EUR and USD before one is defined.
    pub fn reporting_currencies(&self) -> Vec<Currency> {
        match &self.mechanism {
            Some(mechanism) if !mechanism.reporting_currencies.is_empty() => mechanism.reporting_currencies.clone(),
            _ => vec![Currency::EUR, Currency::USD],
        }
    }

    /// Refuses money that the reports could not count: it must convert into every reporting
    /// currency at each date the reports convert it (a rate held on or before the date, a result
    /// within the amount limit). So whatever is accepted, the summary and the reports answer.
    fn check_reportable(&self, rates: &RateTable, money: Money, dates: &[NaiveDate]) -> Result<(), DomainError> {
        let currencies = self.counting_currencies();
        for date in dates {
            for currency in &currencies {
                rates.convert(money, *currency, *date)?;
            }
        }
        Ok(())
    }

    /// Refuses money that would let some report's total pass the amount limit: the amounts ever
    /// announced or committed, with `new`, must stay within [`crate::money::MAX_AMOUNT_MINOR`] in
    /// their own currency and, each converted at the least favourable rate held, in every
    /// counting currency. A bound, not the total (withdrawn and superseded money stays in it), so
    /// every sum a report takes (totals, months, balances, run rates) fits.
    fn check_total(&self, rates: &RateTable, new: Money) -> Result<(), DomainError> {
        use rust_decimal::Decimal;
        let limit = i128::from(crate::money::MAX_AMOUNT_MINOR);
        let beyond = |currency: Currency| {
            DomainError::Rule(format!(
                "recording {new} would let the money recorded pass the amount limit in {currency}: \
                 the reports could not count it"
            ))
        };
        // The recorded sums with `new` added to its currency's, without copying the map.
        let own = self.gross.get(&new.currency).copied().unwrap_or(0);
        let own = own.checked_add(i128::from(new.amount_minor)).ok_or_else(|| beyond(new.currency))?;
        if own > limit {
            return Err(beyond(new.currency));
        }
        let others = self.gross.iter().filter(|(currency, _)| **currency != new.currency);
        let gross: Vec<(Currency, i128)> =
            others.map(|(currency, minor)| (*currency, *minor)).chain([(new.currency, own)]).collect();
        for to in self.counting_currencies() {
            let Some((_, highest)) = rates.rate_range(to) else { continue };
            let mut bound = Decimal::ZERO;
            for (from, minor) in &gross {
                let Some((lowest, _)) = rates.rate_range(*from) else { continue };
                let value = Decimal::try_from_i128_with_scale(*minor, from.exponent())
                    .ok()
                    .and_then(|major| major.checked_mul(highest.units_per_eur()))
                    .and_then(|scaled| scaled.checked_div(lowest.units_per_eur()));
                bound = value.and_then(|value| bound.checked_add(value)).ok_or_else(|| beyond(to))?;
            }
            let most = Decimal::try_from_i128_with_scale(limit, to.exponent()).map_err(|_| beyond(to))?;
            if bound > most {
                return Err(beyond(to));
            }
        }
        Ok(())
    }

    /// Every currency some report counts money in: the reporting currencies, the package
    /// currency, and each goal's currency (the overview finds the date a goal was reached).
    fn counting_currencies(&self) -> std::collections::BTreeSet<Currency> {
        let mut currencies: std::collections::BTreeSet<Currency> = self.reporting_currencies().into_iter().collect();
        currencies.extend(self.mechanism.as_ref().map(|m| m.package_currency));
        currencies.extend(self.targets.values().map(|t| t.amount.currency));
        currencies
    }

    /// Refuses a mechanism whose currencies the money already recorded could not be counted in:
    /// every pledge, commitment, payment and target must convert into each of `currencies` at
    /// the dates the reports convert it.
    fn check_countable_in(&self, rates: &RateTable, currencies: &[Currency]) -> Result<(), DomainError> {
        let pledged = self.pledges.iter().flat_map(|p| {
            let announced = p.announced.map(|a| (a, p.date));
            let committed = p.committed.into_iter().flat_map(|c| [Some((c, p.date)), p.committed_on.map(|on| (c, on))]);
            announced.into_iter().chain(committed.flatten())
        });
        let paid = self.payments.iter().map(|p| (p.settled, p.date));
        let targets = self.targets.values().map(|t| (t.amount, t.date));
        for (money, date) in pledged.chain(paid).chain(targets) {
            for currency in currencies {
                rates.convert(money, *currency, date)?;
            }
        }
        Ok(())
    }

    fn decide_announce(
        &self,
        announcement: &Announcement,
        supersedes: Option<&PledgeId>,
    ) -> Result<Vec<Event>, DomainError> {
        if self.has_pledge(&announcement.pledge) {
            return Err(DomainError::PledgeExists(announcement.pledge.to_string()));
        }
        for party in announcement.contributor.parties() {
            self.require_party(party)?;
        }
        if let Contributor::Joint(parties) = &announcement.contributor {
            check_joint(parties, &announcement.contributor.key())?;
        }
        if let Some(amount) = announcement.amount.filter(|a| !a.is_positive()) {
            return Err(DomainError::NotPositive(amount.to_string()));
        }
        if let Some(cap) = announcement.cap_per_package {
            let fits = announcement.amount.is_some_and(|a| a.currency == cap.currency) && cap.is_positive();
            if !fits {
                return Err(DomainError::Rule(format!(
                    "the cap per package of pledge {} must be a positive amount in the pledge's currency, got {cap}",
                    announcement.pledge
                )));
            }
        }
        if let Some(trigger) = &announcement.contingent_on {
            crate::procurement::parse_trigger(trigger).map_err(|e| DomainError::Rule(e.to_string()))?;
            if announcement.amount.is_none() {
                return Err(DomainError::Rule(format!("contingent pledge {} needs an amount", announcement.pledge)));
            }
        }
        check_shares(announcement)?;
        let mut events = vec![Event::PledgeAnnounced { announcement: announcement.clone() }];
        if let Some(old) = supersedes {
            if *old == announcement.pledge {
                return Err(DomainError::SelfSupersede { pledge: old.to_string() });
            }
            self.check_supersede(old, &announcement.pledge, announcement.date)?;
            events.push(Event::PledgeSuperseded {
                pledge: old.clone(),
                by: announcement.pledge.clone(),
                date: announcement.date,
            });
        }
        Ok(events)
    }

    fn check_supersede(&self, old: &PledgeId, by: &PledgeId, date: NaiveDate) -> Result<(), DomainError> {
        if old == by {
            return Err(DomainError::SelfSupersede { pledge: old.to_string() });
        }
        let pledge = self.pledge(old)?;
        if pledge.status != PledgeStatus::Announced {
            return Err(wrong_status(pledge, "superseding", "announced"));
        }
        if date < pledge.date {
            return Err(DomainError::DateOrder {
                what: "superseding",
                date,
                earlier: "announcement",
                earlier_date: pledge.date,
            });
        }
        Ok(())
    }

    fn decide_commit(&self, id: &PledgeId, amount: Option<Money>, date: NaiveDate) -> Result<Vec<Event>, DomainError> {
        let pledge = self.pledge(id)?;
        if pledge.status != PledgeStatus::Announced {
            return Err(wrong_status(pledge, "committing", "announced"));
        }
        if let Some(trigger) = pledge.contingent_on.as_ref().filter(|_| self.is_pending_contingent(pledge, date)) {
            return Err(DomainError::Rule(format!(
                "pledge {id} is contingent on {trigger}; it commits when the coordinator declares the trigger"
            )));
        }
        if date < pledge.date {
            return Err(DomainError::DateOrder {
                what: "commitment",
                date,
                earlier: "announcement",
                earlier_date: pledge.date,
            });
        }
        if let (Some(given), Some(announced)) = (amount, pledge.announced)
            && given.currency != announced.currency
        {
            return Err(DomainError::CurrencyMismatch {
                pledge: id.to_string(),
                pledge_currency: announced.currency.to_string(),
                given: given.currency.to_string(),
            });
        }
        let amount = amount.or(pledge.announced).ok_or_else(|| DomainError::UndisclosedCommit(id.to_string()))?;
        if !amount.is_positive() {
            return Err(DomainError::NotPositive(amount.to_string()));
        }
        Ok(vec![Event::PledgeCommitted { pledge: id.clone(), amount, date }])
    }

    fn decide_pay(
        &self,
        rates: &RateTable,
        id: &PledgeId,
        amount: Money,
        date: NaiveDate,
    ) -> Result<Vec<Event>, DomainError> {
        let pledge = self.pledge(id)?;
        if !matches!(pledge.status, PledgeStatus::Committed | PledgeStatus::PartPaid) {
            return Err(wrong_status(pledge, "paying", "committed or part-paid"));
        }
        if !amount.is_positive() {
            return Err(DomainError::NotPositive(amount.to_string()));
        }
        let committed_on = pledge.committed_on.ok_or_else(|| wrong_status(pledge, "paying", "committed"))?;
        if date < committed_on {
            return Err(DomainError::DateOrder {
                what: "payment",
                date,
                earlier: "commitment",
                earlier_date: committed_on,
            });
        }
        let outstanding = pledge
            .outstanding()
            .ok_or_else(|| DomainError::Overflow(format!("the outstanding amount of pledge {id}")))?;
        let settled = rates.convert(amount, outstanding.currency, date)?;
        if settled.amount_minor > outstanding.amount_minor {
            return Err(DomainError::Overpayment {
                pledge: id.to_string(),
                outstanding: outstanding.to_string(),
                settles: settled.to_string(),
            });
        }
        if !settled.is_positive() {
            return Err(DomainError::NotPositive(settled.to_string()));
        }
        Ok(vec![Event::PaymentReceived { pledge: id.clone(), amount, settled, date }])
    }

    fn decide_withdraw(
        &self,
        id: &PledgeId,
        date: NaiveDate,
        reason: Option<crate::text::Note>,
    ) -> Result<Vec<Event>, DomainError> {
        let pledge = self.pledge(id)?;
        if let Some(allocated) = pledge.allocated.filter(Money::is_positive) {
            return Err(DomainError::Rule(format!(
                "pledge {id} has {allocated} allocated to packages; cancel those packages before withdrawing it"
            )));
        }
        let released = match pledge.status {
            PledgeStatus::Announced => None,
            PledgeStatus::Committed | PledgeStatus::PartPaid => pledge.outstanding(),
            _ => {
                return Err(wrong_status(pledge, "withdrawing", "announced, committed or part-paid"));
            }
        };
        if date < pledge.date {
            return Err(DomainError::DateOrder {
                what: "withdrawal",
                date,
                earlier: "announcement",
                earlier_date: pledge.date,
            });
        }
        Ok(vec![Event::PledgeWithdrawn { pledge: id.clone(), date, reason, released }])
    }

    /// The journal entries an event posts, computed from the state before it is applied.
    pub fn journal(&self, event: &Event) -> Result<Vec<JournalEntry>, DomainError> {
        let memo_reversal = |pledge: &Pledge| -> Result<Option<JournalEntry>, DomainError> {
            match (pledge.status, pledge.announced) {
                (PledgeStatus::Announced, Some(announced)) => {
                    let key = pledge.contributor.key();
                    JournalEntry::transfer(Account::AnnouncedContra, Account::PledgesAnnounced(key), announced)
                        .map(Some)
                        .map_err(unbalanced)
                }
                _ => Ok(None),
            }
        };
        let entries = match event {
            Event::PledgeAnnounced { announcement } => match announcement.amount {
                Some(amount) => {
                    let key = announcement.contributor.key();
                    vec![
                        JournalEntry::transfer(Account::PledgesAnnounced(key), Account::AnnouncedContra, amount)
                            .map_err(unbalanced)?,
                    ]
                }
                None => vec![],
            },
            Event::PledgeCommitted { pledge, amount, .. } => {
                let pledge = self.pledge(pledge)?;
                let key = pledge.contributor.key();
                let main = JournalEntry::transfer(
                    Account::PledgesReceivable(key.clone()),
                    Account::Contributions(key),
                    *amount,
                )
                .map_err(unbalanced)?;
                memo_reversal(pledge)?.into_iter().chain([main]).collect()
            }
            Event::PaymentReceived { pledge, amount, settled, .. } => {
                let pledge = self.pledge(pledge)?;
                vec![payment_entry(&pledge.contributor.key(), *amount, *settled)?]
            }
            Event::PledgeWithdrawn { pledge, released, .. } => {
                let pledge = self.pledge(pledge)?;
                let key = pledge.contributor.key();
                let release = match released {
                    Some(released) if released.is_positive() => Some(
                        JournalEntry::transfer(
                            Account::Contributions(key.clone()),
                            Account::PledgesReceivable(key),
                            *released,
                        )
                        .map_err(unbalanced)?,
                    ),
                    _ => None,
                };
                memo_reversal(pledge)?.into_iter().chain(release).collect()
            }
            Event::PledgeSuperseded { pledge, .. } => memo_reversal(self.pledge(pledge)?)?.into_iter().collect(),
            Event::PartyRegistered { .. }
            | Event::MechanismDefined { .. }
            | Event::GroupDefined { .. }
            | Event::ParticipationRecorded { .. }
            | Event::TargetSet { .. }
            | Event::ShareKeyLoaded { .. }
            | Event::KielReleaseLoaded { .. } => vec![],
            procurement => self.journal_procurement(procurement)?,
        };
        Ok(entries)
    }

    /// Folds one event in and posts its journal entries, which it returns. Fails (changing
    /// nothing) only for an event that does not fit the state, as in a damaged store.
    pub fn apply(&mut self, event: &Event) -> Result<Vec<JournalEntry>, DomainError> {
        let applied =
            self.events_applied.checked_add(1).ok_or_else(|| DomainError::Overflow("the event count".into()))?;
        let entries = self.journal(event)?;
        self.fold(event)?;
        for entry in &entries {
            self.books.post(entry);
        }
        self.events_applied = applied;
        Ok(entries)
    }

    fn fold(&mut self, event: &Event) -> Result<(), DomainError> {
        match event {
            Event::PartyRegistered { party } => {
                self.parties.insert(party.id, party.clone());
            }
            Event::MechanismDefined { mechanism } => self.mechanism = Some(mechanism.clone()),
            Event::GroupDefined { group } => {
                self.groups.insert(group.id.clone(), group.clone());
            }
            Event::ParticipationRecorded { party, status, source, note } => {
                let change = ParticipationChange { status: *status, date: source.date };
                let record = ParticipationRecord { change, source: source.clone(), note: note.clone() };
                self.participation.entry(*party).or_default().push(record);
            }
            Event::PledgeAnnounced { announcement } => {
                if self.has_pledge(&announcement.pledge) {
                    return Err(DomainError::PledgeExists(announcement.pledge.to_string()));
                }
                self.pledge_index.insert(announcement.pledge.clone(), self.pledges.len());
                self.pledges.push(new_pledge(announcement));
                if let Some(amount) = announcement.amount {
                    self.add_gross(amount);
                }
            }
            Event::PledgeCommitted { pledge, amount, date } => {
                let pledge = self.pledge_mut(pledge)?;
                let increase = pledge.increase_by_committing(*amount);
                pledge.status = PledgeStatus::Committed;
                pledge.committed = Some(*amount);
                pledge.committed_on = Some(*date);
                pledge.paid = Some(Money::zero(amount.currency));
                if let Some(increase) = increase {
                    self.add_gross(increase);
                }
            }
            Event::PaymentReceived { pledge: id, settled, date, .. } => {
                let pledge_index =
                    *self.pledge_index.get(id).ok_or_else(|| DomainError::UnknownPledge(id.to_string()))?;
                let pledge =
                    self.pledges.get_mut(pledge_index).ok_or_else(|| DomainError::UnknownPledge(id.to_string()))?;
                let paid = pledge.paid.and_then(|paid| paid.checked_add(*settled));
                let paid = paid.ok_or_else(|| DomainError::Overflow(format!("payments of pledge {id}")))?;
                pledge.status = match Some(paid) == pledge.committed {
                    true => PledgeStatus::Paid,
                    false => PledgeStatus::PartPaid,
                };
                pledge.paid = Some(paid);
                self.payments.push(Payment { pledge_index, date: *date, settled: *settled });
            }
            Event::PledgeWithdrawn { pledge, date, .. } => {
                let pledge = self.pledge_mut(pledge)?;
                pledge.status = PledgeStatus::Withdrawn;
                pledge.withdrawn_on = Some(*date);
            }
            Event::PledgeSuperseded { pledge, by, date } => {
                let pledge = self.pledge_mut(pledge)?;
                pledge.status = PledgeStatus::Superseded;
                pledge.superseded = Some((by.clone(), *date));
            }
            Event::TargetSet { target } => {
                self.targets.insert(target.id.clone(), target.clone());
            }
            Event::ShareKeyLoaded { key } => {
                self.share_keys.insert(key.name.clone(), key.clone());
            }
            Event::KielReleaseLoaded { release } => {
                self.kiel.insert(release.release, release.as_ref().clone());
            }
            procurement => self.fold_procurement(procurement)?,
        }
        Ok(())
    }

    fn add_gross(&mut self, amount: Money) {
        let slot = self.gross.entry(amount.currency).or_default();
        *slot = slot.saturating_add(i128::from(amount.amount_minor));
    }

    pub(crate) fn pledge_mut(&mut self, id: &PledgeId) -> Result<&mut Pledge, DomainError> {
        let pledge = self.pledge_index.get(id).and_then(|index| self.pledges.get_mut(*index));
        pledge.ok_or_else(|| DomainError::UnknownPledge(id.to_string()))
    }

    /// Decides and applies a command: the events and the journal entries each posted.
    pub fn execute(
        &mut self,
        rates: &RateTable,
        command: &Command,
    ) -> Result<Vec<(Event, Vec<JournalEntry>)>, DomainError> {
        let events = self.decide(rates, command)?;
        self.apply_all(events)
    }

    /// Authorises `command` for `role` by its type, decides it, authorises what its events
    /// touch ([`crate::auth::authorise_effects`]), and applies them.
    pub fn execute_as(
        &mut self,
        role: crate::auth::Role,
        rates: &RateTable,
        command: &Command,
    ) -> Result<Vec<(Event, Vec<JournalEntry>)>, DomainError> {
        crate::auth::authorise(role, command, self)?;
        let events = self.decide(rates, command)?;
        crate::auth::authorise_effects(role, command, &events, self)?;
        self.apply_all(events)
    }

    fn apply_all(&mut self, events: Vec<Event>) -> Result<Vec<(Event, Vec<JournalEntry>)>, DomainError> {
        let mut applied = Vec::with_capacity(events.len());
        for event in events {
            let entries = self.apply(&event)?;
            applied.push((event, entries));
        }
        Ok(applied)
    }

    /// The invariants that must hold after every load and replay:
    /// - the trial balance of each book is zero per currency;
    /// - memo `pledges-announced` per contributor equals its announced, not yet committed pledges;
    /// - main `pledges-receivable` per contributor equals its committed, unpaid amounts;
    /// - no pledge is paid beyond its commitment;
    /// - each pledge's payments add up to its paid amount.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.books.check_trial_balance().map_err(|e| e.to_string())?;
        self.check_package_funds()?;
        let mut expected: BTreeMap<(Account, Currency), i128> = BTreeMap::new();
        let mut received = vec![0i128; self.pledges.len()];
        for payment in &self.payments {
            let sum = received.get_mut(payment.pledge_index).ok_or("a payment names no pledge")?;
            *sum = sum.checked_add(i128::from(payment.settled.amount_minor)).ok_or("a pledge's payments overflow")?;
        }
        for (pledge, received) in self.pledges.iter().zip(received) {
            let key = pledge.contributor.key();
            if received != pledge.paid.map_or(0, |p| i128::from(p.amount_minor)) {
                return Err(format!("pledge {}: its payments do not add up to its paid amount", pledge.id));
            }
            if let (PledgeStatus::Announced, Some(announced)) = (pledge.status, pledge.announced) {
                expect(&mut expected, Account::PledgesAnnounced(key.clone()), announced)?;
            }
            let outstanding = match pledge.status {
                PledgeStatus::Committed | PledgeStatus::PartPaid => pledge.outstanding(),
                _ => None,
            };
            if let Some(outstanding) = outstanding {
                if outstanding.amount_minor < 0 {
                    return Err(format!("pledge {} is paid beyond its commitment", pledge.id));
                }
                expect(&mut expected, Account::PledgesReceivable(key), outstanding)?;
            }
        }
        for (account, currency, balance) in self.books.balances() {
            let tracked = matches!(account, Account::PledgesAnnounced(_) | Account::PledgesReceivable(_));
            let want = expected.remove(&(account.clone(), currency)).unwrap_or(0);
            if tracked && balance != want {
                return Err(format!("{account} holds {balance} {currency} minor units, the pledges say {want}"));
            }
        }
        match expected.into_iter().find(|(_, want)| *want != 0) {
            Some(((account, currency), want)) => {
                Err(format!("{account} has no {currency} balance, the pledges say {want}"))
            }
            None => Ok(()),
        }
    }
}

/// Adds `amount` to what `account` is expected to hold, refusing an overflow.
fn expect(expected: &mut BTreeMap<(Account, Currency), i128>, account: Account, amount: Money) -> Result<(), String> {
    let sum = expected.entry((account, amount.currency)).or_default();
    *sum = sum.checked_add(i128::from(amount.amount_minor)).ok_or("the expected balances overflow")?;
    Ok(())
}

/// Members' shares of a joint pledge name members only, once each, and sum to the whole:
/// amounts to the pledged amount, percentages to 100.
fn check_shares(announcement: &Announcement) -> Result<(), DomainError> {
    use crate::command::Share;
    let shares = &announcement.shares;
    if shares.is_empty() {
        return Ok(());
    }
    let pledge = &announcement.pledge;
    let members = announcement.contributor.parties();
    for (index, share) in shares.iter().enumerate() {
        if !members.contains(&share.party) {
            return Err(DomainError::Rule(format!(
                "{} holds a share of pledge {pledge} but is not one of its members",
                share.party
            )));
        }
        if shares.iter().take(index).any(|s| s.party == share.party) {
            return Err(DomainError::Rule(format!("{} has two shares of pledge {pledge}", share.party)));
        }
    }
    let percents: Option<Vec<rust_decimal::Decimal>> =
        shares.iter().map(|s| if let Share::Percent(p) = &s.share { Some(p.value()) } else { None }).collect();
    let amounts: Option<Vec<Money>> =
        shares.iter().map(|s| if let Share::Amount(a) = &s.share { Some(*a) } else { None }).collect();
    match (percents, amounts, announcement.amount) {
        (Some(percents), _, _) => {
            // Each share is within (0, 100] (`Percent`), and checked_add still refuses an overflow.
            let total = percents
                .iter()
                .try_fold(rust_decimal::Decimal::ZERO, |sum, p| sum.checked_add(*p))
                .ok_or_else(|| DomainError::Overflow("shares".into()))?;
            if total != rust_decimal::Decimal::ONE_HUNDRED {
                return Err(DomainError::Rule(format!("the shares of pledge {pledge} sum to {total}%, not 100%")));
            }
        }
        (_, Some(amounts), Some(whole)) => {
            let mut total = Money::zero(whole.currency);
            for amount in amounts {
                if amount.currency != whole.currency || !amount.is_positive() {
                    return Err(DomainError::Rule(format!(
                        "share {amount} of pledge {pledge} is not a positive {}",
                        whole.currency
                    )));
                }
                total = total.checked_add(amount).ok_or_else(|| DomainError::Overflow("shares".into()))?;
            }
            if total != whole {
                return Err(DomainError::Rule(format!("the shares of pledge {pledge} sum to {total}, not {whole}")));
            }
        }
        (_, Some(_), None) => {
            return Err(DomainError::Rule(format!("pledge {pledge} is undisclosed; give its shares as percentages")));
        }
        (None, None, _) => {
            return Err(DomainError::Rule(format!("the shares of pledge {pledge} mix amounts and percentages")));
        }
    }
    Ok(())
}

/// A joint list names at least two parties, each once.
fn check_joint(parties: &[PartyId], name: &str) -> Result<(), DomainError> {
    let mut distinct = parties.to_vec();
    distinct.sort();
    distinct.dedup();
    if distinct.len() < 2 || distinct.len() != parties.len() {
        return Err(DomainError::JointTooSmall(name.to_string()));
    }
    Ok(())
}

fn new_pledge(announcement: &Announcement) -> Pledge {
    Pledge {
        id: announcement.pledge.clone(),
        kind: announcement.kind,
        contributor: announcement.contributor.clone(),
        announced: announcement.amount,
        package: announcement.package.clone(),
        earmark: announcement.earmark.clone(),
        date: announcement.date,
        source: announcement.source.clone(),
        note: announcement.note.clone(),
        status: PledgeStatus::Announced,
        committed: None,
        committed_on: None,
        paid: None,
        withdrawn_on: None,
        superseded: None,
        contingent_on: announcement.contingent_on.clone(),
        cap_per_package: announcement.cap_per_package,
        shares: announcement.shares.clone(),
        allocated: None,
    }
}

/// Cash in, receivable down; through the trading accounts when the payment's currency differs
/// from the pledge's, so that each currency balances on its own.
fn payment_entry(key: &str, amount: Money, settled: Money) -> Result<JournalEntry, DomainError> {
    let receivable = Account::PledgesReceivable(key.to_string());
    if amount.currency == settled.currency {
        return JournalEntry::transfer(Account::Cash(amount.currency), receivable, amount).map_err(unbalanced);
    }
    JournalEntry::new(vec![
        Posting { account: Account::Cash(amount.currency), amount },
        Posting { account: Account::Trading(amount.currency), amount: amount.negated() },
        Posting { account: Account::Trading(settled.currency), amount: settled },
        Posting { account: receivable, amount: settled.negated() },
    ])
    .map_err(unbalanced)
}

impl PledgeKind {
    pub fn is_joint(&self) -> bool {
        matches!(self, PledgeKind::JointPackage)
    }
}
