//! "Where does the money stand": the counting rules for public records (docs/COUNTING.md).
//!
//! 1. Pledges and joint-package totals count; one superseded (on or before `as_of`) does not.
//! 2. Each amount converts at the reference rate of its own date; each converted amount is rounded
//!    half-even to the minor unit, then summed.
//! 3. A joint-package total counts only its remainder: the total minus its members' disclosed
//!    pledges that name the same package (each converted at its own date), floored at zero, and is
//!    attributed to the group (`DNK+NOR+SWE`), shown even when zero.
//! 4. An undisclosed amount adds nothing and is counted as undisclosed.
//! 5. A party's status is its latest participation record by date; declined, non-participation and
//!    deferred are listed as declined.
//! 6. Contributors: distinct parties named in counted records, undisclosed ones included.
//! 7. Only records dated on or before `as_of` count.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};

use crate::domain::{Pledge, PledgeKind};
use crate::error::FxError;
use crate::fx::RateTable;
use crate::ids::PartyId;
use crate::money::{Currency, Money};
use crate::state::State;

/// Amounts per reporting currency.
pub type Amounts = BTreeMap<Currency, Money>;

/// A calendar month, `2025-08`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth { year: date.year(), month: date.month() }
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub as_of: NaiveDate,
    pub currencies: Vec<Currency>,
    pub totals: Amounts,
    pub contributors: usize,
    pub undisclosed: usize,
    pub declined: Vec<PartyId>,
    /// By contributor key: `NLD`, or a joint group's remainder under `DNK+NOR+SWE`.
    pub by_party: BTreeMap<String, Amounts>,
    pub by_month: BTreeMap<YearMonth, Amounts>,
}

fn zeros(currencies: &[Currency]) -> Amounts {
    currencies.iter().map(|c| (*c, Money::zero(*c))).collect()
}

fn add_into(into: &mut Amounts, amounts: &Amounts) {
    for (currency, money) in amounts {
        let slot = into.entry(*currency).or_insert(Money::zero(*currency));
        *slot = slot.checked_add(*money).expect("sums of bounded amounts stay within the amount limit");
    }
}

/// One counted record's contribution in each reporting currency.
fn converted(rates: &RateTable, pledge: &Pledge, as_of: NaiveDate, currencies: &[Currency]) -> Result<Option<Amounts>, FxError> {
    let Some(amount) = pledge.amount_as_of(as_of) else { return Ok(None) };
    let mut amounts = Amounts::new();
    for currency in currencies {
        amounts.insert(*currency, rates.convert(amount, *currency, pledge.date)?);
    }
    Ok(Some(amounts))
}

/// Applies the counting rules to the state as of `as_of`, in the given reporting currencies.
pub fn summarise(state: &State, rates: &RateTable, as_of: NaiveDate, currencies: &[Currency]) -> Result<Summary, FxError> {
    let counted: Vec<&Pledge> = state.pledges_in_order().filter(|p| p.counts_on(as_of)).collect();
    let mut summary = Summary {
        as_of,
        currencies: currencies.to_vec(),
        totals: zeros(currencies),
        contributors: 0,
        undisclosed: 0,
        declined: declined_on(state, as_of),
        by_party: BTreeMap::new(),
        by_month: BTreeMap::new(),
    };
    let mut contributors: BTreeSet<&PartyId> = BTreeSet::new();
    // Disclosed member pledges per package, converted, to subtract from joint totals.
    let mut members_by_package: BTreeMap<(&str, &PartyId), Amounts> = BTreeMap::new();
    let mut joint: Vec<(&Pledge, Amounts)> = Vec::new();
    for pledge in &counted {
        contributors.extend(pledge.contributor.parties());
        let amounts = converted(rates, pledge, as_of, currencies)?;
        let Some(amounts) = amounts else {
            summary.undisclosed += 1;
            summary.by_party.entry(pledge.contributor.key()).or_insert_with(|| zeros(currencies));
            continue;
        };
        if pledge.kind == PledgeKind::JointPackage {
            joint.push((pledge, amounts));
            continue;
        }
        if let (Some(package), [party]) = (&pledge.package, pledge.contributor.parties()) {
            add_into(members_by_package.entry((package.as_str(), party)).or_default(), &amounts);
        }
        record(&mut summary, pledge, &amounts);
    }
    for (pledge, total) in joint {
        let remainder = joint_remainder(pledge, &total, &members_by_package);
        record(&mut summary, pledge, &remainder);
    }
    summary.contributors = contributors.len();
    Ok(summary)
}

fn record(summary: &mut Summary, pledge: &Pledge, amounts: &Amounts) {
    add_into(&mut summary.totals, amounts);
    add_into(summary.by_party.entry(pledge.contributor.key()).or_default(), amounts);
    add_into(summary.by_month.entry(YearMonth::of(pledge.date)).or_default(), amounts);
}

/// The joint total minus its members' disclosed pledges naming the same package, floored at zero.
fn joint_remainder(pledge: &Pledge, total: &Amounts, members: &BTreeMap<(&str, &PartyId), Amounts>) -> Amounts {
    let mut remainder = total.clone();
    let Some(package) = &pledge.package else { return remainder };
    for party in pledge.contributor.parties() {
        let Some(member) = members.get(&(package.as_str(), party)) else { continue };
        for (currency, money) in member {
            let slot = remainder.get_mut(currency).expect("same reporting currencies");
            *slot = slot.checked_sub(*money).expect("bounded amounts");
        }
    }
    for money in remainder.values_mut() {
        money.amount_minor = money.amount_minor.max(0);
    }
    remainder
}

/// Parties whose latest participation status on `as_of` is declined, non-participation or
/// deferred, sorted.
pub fn declined_on(state: &State, as_of: NaiveDate) -> Vec<PartyId> {
    state
        .participation
        .keys()
        .filter(|party| state.participation_on(party, as_of).is_some_and(|r| r.change.status.is_declined()))
        .cloned()
        .collect()
}

/// The most dates [`first_date_reaching`] evaluates: a limit on report work.
pub const MAX_CROSSING_DATES: usize = 4096;

/// The first date, up to `as_of`, on which the counted total in `goal`'s currency reaches
/// `goal`. Totals are evaluated on every date a pledge was announced or committed (the only
/// dates they can rise); `None` when never reached or when there are more dates than
/// [`MAX_CROSSING_DATES`].
pub fn first_date_reaching(state: &State, rates: &RateTable, goal: Money, as_of: NaiveDate) -> Result<Option<NaiveDate>, FxError> {
    let mut dates: BTreeSet<NaiveDate> = BTreeSet::new();
    for pledge in state.pledges.values() {
        dates.insert(pledge.date);
        dates.extend(pledge.committed_on);
    }
    let dates: Vec<NaiveDate> = dates.into_iter().filter(|d| *d <= as_of).collect();
    if dates.len() > MAX_CROSSING_DATES {
        return Ok(None);
    }
    for date in dates {
        let summary = summarise(state, rates, date, &[goal.currency])?;
        if summary.totals[&goal.currency].amount_minor >= goal.amount_minor {
            return Ok(Some(date));
        }
    }
    Ok(None)
}
