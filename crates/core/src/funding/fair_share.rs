//! Fair shares: what each party would carry of the money counted so far (or of a new amount) if
//! it were shared by a key (GDP, GNI-based cost shares, population). docs/COUNTING.md, "Fair shares".
//!
//! - Who carries a share on a date: the parties whose role is contributor, that are NATO members
//!   on that date (partners outside the alliance too, with `include_partners`), and whose latest
//!   participation status on that date is participating (or not recorded). Declined,
//!   non-participating, deferred and withdrawn parties, the supplier, the recipient and the
//!   coordinator carry nothing. A carrier without a value in the key is listed as such, never given
//!   a guessed one; the key is renormalised over the carriers that have a value.
//! - What a party has put in: each counted record (counting rules 1-7) is attributed to its
//!   contributor; a joint record is split among its members by their stated shares, or, when it
//!   states none (a joint package's remainder among them), by the key over the members that have a
//!   value (equally when none has). Committed and paid amounts are attributed the same way. Every
//!   split is in whole minor units by largest remainder, so the parties' figures add up exactly to
//!   the totals.
//! - Splits of a new amount (`amount`) are in whole units of its currency, by largest remainder
//!   (ties to the party first by id), so they add up exactly to the amount.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::command::Share;
use crate::domain::{KeyValue, ParticipationStatus, Party, PartyRole, Pledge, PledgeKind, ShareKey, Source};
use crate::error::DomainError;
use crate::fx::RateTable;
use crate::ids::{PartyId, ShareKeyName};
use crate::money::{Currency, Money};
use crate::state::State;
use crate::summary::{Amounts, Converter, Sums, add, joint_remainder, to_amounts};

/// The key `demo` loads from the parties table (GDP 2021, Kiel tracker).
pub const DEFAULT_KEY: &str = "gdp-2021";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The key to share by; `None`: [`DEFAULT_KEY`] when loaded, else the only key loaded.
    pub key: Option<ShareKeyName>,
    pub as_of: NaiveDate,
    /// Partners outside the alliance (no `nato_member_since`) carry a share too.
    pub include_partners: bool,
    /// A new amount to split among the carriers, in whole units of its currency.
    pub amount: Option<Money>,
}

/// Why a party carries a share or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "standing", rename_all = "kebab-case")]
pub enum Standing {
    /// Carries a share by its key value.
    Carries,
    /// Would carry one, but the key gives it no value.
    NoKeyValue,
    /// Its latest participation status on the date is not participating.
    NotParticipating {
        status: ParticipationStatus,
        #[serde(with = "crate::dates::iso")]
        since: NaiveDate,
        source: Source,
    },
    /// Not a NATO member on the date (partners carry a share only when included).
    Partner,
    /// The supplier, the recipient, the coordinator (or any party whose role is not contributor).
    NotContributor { role: PartyRole },
}

/// One party's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub party: PartyId,
    pub name: String,
    pub standing: Standing,
    pub key_value: Option<KeyValue>,
    /// Its part of the key over the carriers, in percent (half-even, six decimals).
    pub key_percent: Option<Decimal>,
    /// Its fair share of the total counted so far, per reporting currency (carriers only).
    pub fair_share: Option<Amounts>,
    /// What it put in, by the counting rules (announced, or committed once committed).
    pub counted: Amounts,
    /// `None`: not reported (none of its counted records is committed by the date, as in a
    /// record that holds only announcements), never a made-up zero.
    pub committed: Option<Amounts>,
    /// `None`: not reported (as committed).
    pub paid: Option<Amounts>,
    /// It has a counted record whose amount is undisclosed (its figures are then a lower bound).
    pub undisclosed: bool,
    /// Counted less fair share, per currency (carriers only).
    pub difference: Option<Amounts>,
    /// The difference as a percentage of the fair share (half-even, two decimals); absent for a
    /// zero fair share.
    pub difference_percent: BTreeMap<Currency, Decimal>,
    /// Its part of the amount to split (carriers with a key value only).
    pub proposed: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FairShare {
    pub as_of: NaiveDate,
    pub key: ShareKey,
    pub include_partners: bool,
    pub currencies: Vec<Currency>,
    /// The total counted so far (the summary's totals).
    pub total: Amounts,
    /// Every party, by id.
    pub rows: Vec<Row>,
    /// The amount split, when one was given.
    pub amount: Option<Money>,
}

/// The three measures: counted (by the counting rules), committed, paid.
const MEASURES: usize = 3;

/// What each pledge put in on `as_of`: per pledge, per measure, per reporting currency, in one
/// flat vector (no allocation per pledge).
struct Measured {
    width: usize,
    values: Vec<i128>,
    /// The pledge counts on the date.
    counts: Vec<bool>,
    /// The pledge was committed by the date: its committed and paid money is reported.
    reported: Vec<bool>,
}

impl Measured {
    fn row(&self, pledge: usize) -> &[i128] {
        let start = pledge.saturating_mul(MEASURES).saturating_mul(self.width);
        self.values.get(start..start.saturating_add(MEASURES.saturating_mul(self.width))).unwrap_or_default()
    }

    fn slot(&mut self, pledge: usize, measure: usize) -> &mut [i128] {
        let start = pledge.saturating_mul(MEASURES).saturating_add(measure).saturating_mul(self.width);
        self.values.get_mut(start..start.saturating_add(self.width)).unwrap_or_default()
    }
}

trait CopyChecked {
    fn copy_from_slice_checked(&mut self, from: &[i128]);
}

impl CopyChecked for [i128] {
    /// Copies what fits, never panicking on a length mismatch.
    fn copy_from_slice_checked(&mut self, from: &[i128]) {
        for (cell, value) in self.iter_mut().zip(from) {
            *cell = *value;
        }
    }
}

/// One party's sums: the measures per currency, and whether its committed money is reported.
struct PartySums {
    values: Vec<i128>,
    reported: bool,
}

pub fn fair_share(state: &State, rates: &RateTable, options: &Options) -> Result<FairShare, DomainError> {
    let key = choose_key(state, options.key.as_ref())?;
    let as_of = options.as_of;
    let currencies = state.reporting_currencies();
    let width = currencies.len();
    let (measured, undisclosed) = measure(state, rates, as_of, &currencies)?;
    let mut by_party: FxHashMap<PartyId, PartySums> = FxHashMap::default();
    let mut total: Sums = vec![0; width];
    let new_sums = || PartySums { values: vec![0; MEASURES.saturating_mul(width)], reported: false };
    for (index, pledge) in state.pledges().iter().enumerate() {
        if !measured.counts.get(index).copied().unwrap_or(false) {
            continue;
        }
        let row = measured.row(index);
        let reported = measured.reported.get(index).copied().unwrap_or(false);
        add(&mut total, row.get(..width).unwrap_or_default());
        if let [one] = pledge.contributor.parties() {
            let entry = by_party.entry(*one).or_insert_with(new_sums);
            add(&mut entry.values, row);
            entry.reported |= reported;
            continue;
        }
        let weights = member_weights(pledge, key);
        for (slot, amount) in row.iter().enumerate() {
            let parts = split(*amount, &weights).ok_or_else(|| overflow("a joint record's split"))?;
            for ((party, _), part) in weights.iter().zip(parts) {
                let entry = by_party.entry(*party).or_insert_with(new_sums);
                entry.reported |= reported;
                if let Some(cell) = entry.values.get_mut(slot) {
                    *cell = cell.saturating_add(part);
                }
            }
        }
    }
    // Every party, by id (a BTreeMap's order).
    let parties: Vec<&Party> = state.parties.values().collect();
    let standings: Vec<Standing> = parties.iter().map(|p| standing(state, key, p, options)).collect();
    // The carriers with a key value: (row, weight in millionths).
    let carriers: Vec<(usize, i128)> = standings
        .iter()
        .enumerate()
        .filter(|(_, s)| **s == Standing::Carries)
        .filter_map(|(i, _)| parties.get(i).and_then(|p| key.value_of(&p.id)).map(|v| (i, micro(v))))
        .collect();
    let weights = carriers;
    let key_sum: i128 = weights.iter().map(|(_, w)| *w).sum();
    if key_sum <= 0 && total.iter().any(|t| *t != 0) {
        return Err(DomainError::Rule(format!(
            "no party that carries a share on {as_of} has a value above zero in key {}: participating NATO \
             contributors{} need a value in the key",
            key.name,
            if options.include_partners { " and partners" } else { "" }
        )));
    }
    let mut fair: Vec<Option<Sums>> = vec![None; parties.len()];
    for (currency_index, amount) in total.iter().enumerate() {
        let parts = split(*amount, &weights).ok_or_else(|| overflow("the fair shares"))?;
        for ((row, _), part) in weights.iter().zip(parts) {
            if let Some(slot) = fair.get_mut(*row) {
                let sums = slot.get_or_insert_with(|| vec![0; width]);
                if let Some(cell) = sums.get_mut(currency_index) {
                    *cell = part;
                }
            }
        }
    }
    let proposed = match options.amount {
        Some(amount) => Some(split_whole(amount, &weights)?),
        None => None,
    };
    let zero = vec![0; MEASURES.saturating_mul(width)];
    let mut rows = Vec::with_capacity(parties.len());
    for (index, (party, standing)) in parties.iter().zip(standings).enumerate() {
        let sums = by_party.get(&party.id);
        let values = sums.map_or(zero.as_slice(), |m| m.values.as_slice());
        let measure = |m: usize| values.get(m.saturating_mul(width)..m.saturating_add(1).saturating_mul(width));
        let counted = measure(0).unwrap_or_default();
        let reported = sums.is_some_and(|s| s.reported);
        let fair_share = fair.get(index).cloned().flatten();
        let key_value = key.value_of(&party.id);
        let carries = standing == Standing::Carries;
        let key_percent = key_value.filter(|_| carries && key_sum > 0).and_then(|v| percent(micro(v), key_sum, 6));
        let (difference, difference_percent) = match &fair_share {
            Some(fair_share) => differences(counted, fair_share, &currencies)?,
            None => (None, BTreeMap::new()),
        };
        rows.push(Row {
            party: party.id,
            name: party.name.to_string(),
            standing,
            key_value,
            key_percent,
            fair_share: fair_share.map(|f| to_amounts(&f, &currencies)).transpose()?,
            counted: to_amounts(counted, &currencies)?,
            committed: measure(1).filter(|_| reported).map(|m| to_amounts(m, &currencies)).transpose()?,
            paid: measure(2).filter(|_| reported).map(|m| to_amounts(m, &currencies)).transpose()?,
            undisclosed: undisclosed.contains(&party.id),
            difference,
            difference_percent,
            proposed: proposed.as_ref().and_then(|p| p.get(&index).copied()),
        });
    }
    Ok(FairShare {
        as_of,
        key: key.clone(),
        include_partners: options.include_partners,
        total: to_amounts(&total, &currencies)?,
        currencies,
        rows,
        amount: options.amount,
    })
}

fn overflow(what: &str) -> DomainError {
    DomainError::Overflow(what.to_string())
}

fn choose_key<'a>(state: &'a State, name: Option<&ShareKeyName>) -> Result<&'a ShareKey, DomainError> {
    let loaded = || state.share_keys.keys().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
    match name {
        Some(name) => state.share_keys.get(name).ok_or_else(|| match state.share_keys.is_empty() {
            true => DomainError::Rule(format!("unknown share key {name}: no key is loaded")),
            false => DomainError::Rule(format!("unknown share key {name}; loaded: {}", loaded())),
        }),
        None => {
            let default = ShareKeyName::parse(DEFAULT_KEY).ok().and_then(|name| state.share_keys.get(&name));
            match (default, state.share_keys.len()) {
                (Some(key), _) => Ok(key),
                (None, 1) => state.share_keys.values().next().ok_or_else(|| DomainError::Rule("no key".into())),
                (None, 0) => Err(DomainError::Rule(
                    "no share key is loaded; load one with `tranche share-key import FILE --name NAME ...`".into(),
                )),
                (None, _) => Err(DomainError::Rule(format!("several share keys are loaded; name one: {}", loaded()))),
            }
        }
    }
}

fn standing(state: &State, key: &ShareKey, party: &Party, options: &Options) -> Standing {
    let mechanism = state.mechanism.as_ref();
    let supplies_or_receives = mechanism.is_some_and(|m| m.supplier == party.id || m.recipient == party.id);
    if party.role != PartyRole::Contributor || supplies_or_receives {
        let role = match supplies_or_receives {
            true if mechanism.is_some_and(|m| m.supplier == party.id) => PartyRole::Supplier,
            true => PartyRole::Recipient,
            false => party.role,
        };
        return Standing::NotContributor { role };
    }
    let member = party.nato_member_since.is_some_and(|year| i32::from(year) <= options.as_of.year());
    if !member && !options.include_partners {
        return Standing::Partner;
    }
    if let Some(record) = state.participation_on(&party.id, options.as_of)
        && record.change.status != ParticipationStatus::Participating
    {
        return Standing::NotParticipating {
            status: record.change.status,
            since: record.change.date,
            source: record.source.clone(),
        };
    }
    match key.value_of(&party.id) {
        Some(_) => Standing::Carries,
        None => Standing::NoKeyValue,
    }
}

/// A key value in millionths (key values have at most six decimals and are at most 10^12).
fn micro(value: KeyValue) -> i128 {
    let scaled = value.value().checked_mul(Decimal::from(1_000_000)).unwrap_or_default();
    scaled.trunc().mantissa().checked_div(10i128.pow(scaled.trunc().scale())).unwrap_or_default()
}

/// `part / whole` in percent, half-even to `decimals`.
fn percent(part: i128, whole: i128, decimals: u32) -> Option<Decimal> {
    let (part, whole) = (Decimal::from_i128_with_scale(part, 0), Decimal::from_i128_with_scale(whole, 0));
    let ratio = part.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(whole)?;
    Some(ratio.round_dp_with_strategy(decimals, RoundingStrategy::MidpointNearestEven))
}

type Differences = (Option<Amounts>, BTreeMap<Currency, Decimal>);

fn differences(counted: &[i128], fair: &[i128], currencies: &[Currency]) -> Result<Differences, DomainError> {
    let mut difference = Vec::with_capacity(currencies.len());
    let mut percents = BTreeMap::new();
    for ((counted, fair), currency) in counted.iter().zip(fair).zip(currencies) {
        let gap = counted.saturating_sub(*fair);
        difference.push(gap);
        if *fair != 0
            && let Some(p) = percent(gap, *fair, 2)
        {
            percents.insert(*currency, p);
        }
    }
    Ok((Some(to_amounts(&difference, currencies)?), percents))
}

/// How a record's money is attributed to its parties: one party takes all; a joint record by
/// its members' stated shares, else by the key over the members with a value, else equally.
fn member_weights(pledge: &Pledge, key: &ShareKey) -> Vec<(PartyId, i128)> {
    let members = pledge.contributor.parties();
    if let [one] = members {
        return vec![(*one, 1)];
    }
    let stated: Vec<(PartyId, i128)> = pledge
        .shares
        .iter()
        .map(|s| {
            let weight = match &s.share {
                Share::Percent(p) => micro_decimal(p.value()),
                Share::Amount(a) => i128::from(a.amount_minor),
            };
            (s.party, weight)
        })
        .collect();
    if !stated.is_empty() && stated.iter().map(|(_, w)| *w).sum::<i128>() > 0 {
        return stated;
    }
    let by_key: Vec<(PartyId, i128)> = members.iter().map(|m| (*m, key.value_of(m).map_or(0, micro))).collect();
    match by_key.iter().any(|(_, w)| *w > 0) {
        true => by_key,
        false => members.iter().map(|m| (*m, 1)).collect(),
    }
}

fn micro_decimal(value: Decimal) -> i128 {
    KeyValue::new(value).map_or(0, micro)
}

/// Splits `total` minor units in proportion to `weights` by largest remainder (ties to the
/// earlier entry): the parts add up exactly to `total`. `None` when the weights sum to zero (and
/// `total` is not zero) or the arithmetic overflows.
pub fn split<T>(total: i128, weights: &[(T, i128)]) -> Option<Vec<i128>> {
    let whole: i128 = weights.iter().try_fold(0i128, |sum, (_, w)| sum.checked_add(*w))?;
    if whole <= 0 {
        return match total {
            0 => Some(vec![0; weights.len()]),
            _ => None,
        };
    }
    let negative = total < 0;
    let magnitude = total.checked_abs()?;
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut given: i128 = 0;
    for (index, (_, weight)) in weights.iter().enumerate() {
        let quota = magnitude.checked_mul(*weight)?;
        let part = quota.checked_div(whole)?;
        remainders.push((quota.checked_rem(whole)?, index));
        given = given.checked_add(part)?;
        parts.push(part);
    }
    let left = usize::try_from(magnitude.checked_sub(given)?).ok()?;
    // Largest remainder first; equal remainders to the earlier entry.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, index) in remainders.into_iter().take(left) {
        let part = parts.get_mut(index)?;
        *part = part.checked_add(1)?;
    }
    if negative {
        parts.iter_mut().for_each(|p| *p = p.saturating_neg());
    }
    Some(parts)
}

/// Splits `amount` in whole units of its currency among the weighted rows; the result by row.
fn split_whole(amount: Money, weights: &[(usize, i128)]) -> Result<BTreeMap<usize, Money>, DomainError> {
    let unit = 10i64.checked_pow(amount.currency.exponent()).ok_or_else(|| overflow("a currency unit"))?;
    if amount.amount_minor.checked_rem(unit) != Some(0) || !amount.is_positive() {
        return Err(DomainError::Rule(format!(
            "the amount to split, {amount}, must be a positive whole number of {}",
            amount.currency
        )));
    }
    if weights.is_empty() {
        return Err(DomainError::Rule("no party carries a share on this date, so there is nothing to split by".into()));
    }
    let units = i128::from(amount.amount_minor.checked_div(unit).unwrap_or_default());
    let parts = split(units, weights).ok_or_else(|| overflow("the split"))?;
    let mut split = BTreeMap::new();
    for ((row, _), part) in weights.iter().zip(parts) {
        let minor = part.checked_mul(i128::from(unit)).and_then(|m| i64::try_from(m).ok());
        let minor = minor.ok_or_else(|| overflow("the split"))?;
        split.insert(*row, Money { amount_minor: minor, currency: amount.currency });
    }
    Ok(split)
}

/// Each pledge's counted, committed and paid money on `as_of` (counting rules; a joint package
/// total counts its remainder), `None` for a pledge that does not count; and the parties with an
/// undisclosed counted record.
fn measure(
    state: &State,
    rates: &RateTable,
    as_of: NaiveDate,
    currencies: &[Currency],
) -> Result<(Measured, std::collections::BTreeSet<PartyId>), DomainError> {
    let width = currencies.len();
    let pledges = state.pledges();
    let mut converter = Converter::new(rates, currencies);
    let size = pledges.len().saturating_mul(MEASURES).saturating_mul(width);
    let mut measured = Measured {
        width,
        values: vec![0; size],
        counts: vec![false; pledges.len()],
        reported: vec![false; pledges.len()],
    };
    let mut undisclosed = std::collections::BTreeSet::new();
    let mut counted_members: FxHashMap<(&str, &PartyId), Sums> = FxHashMap::default();
    let mut committed_members: FxHashMap<(&str, &PartyId), Sums> = FxHashMap::default();
    for (index, pledge) in pledges.iter().enumerate() {
        if !pledge.counts_on(as_of) || state.is_pending_contingent(pledge, as_of) {
            continue;
        }
        let Some(amount) = pledge.amount_as_of(as_of) else {
            undisclosed.extend(pledge.contributor.parties().iter().copied());
            continue;
        };
        converter.add_money(amount, pledge.date, measured.slot(index, 0))?;
        if let (Some(committed), Some(on)) = (pledge.committed, pledge.committed_on)
            && on <= as_of
        {
            match committed == amount {
                // The counted amount is the committed one: the same conversion.
                true => {
                    let counted = measured.slot(index, 0).to_vec();
                    measured.slot(index, 1).copy_from_slice_checked(&counted);
                }
                false => converter.add_money(committed, pledge.date, measured.slot(index, 1))?,
            }
            if let Some(flag) = measured.reported.get_mut(index) {
                *flag = true;
            }
        }
        if let Some(flag) = measured.counts.get_mut(index) {
            *flag = true;
        }
        if let (PledgeKind::Solo, Some(package), [party]) = (pledge.kind, &pledge.package, pledge.contributor.parties())
        {
            let counted = measured.slot(index, 0).to_vec();
            add(counted_members.entry((package.as_str(), party)).or_insert_with(|| vec![0; width]), &counted);
            let committed = measured.slot(index, 1).to_vec();
            add(committed_members.entry((package.as_str(), party)).or_insert_with(|| vec![0; width]), &committed);
        }
    }
    for (index, pledge) in pledges.iter().enumerate() {
        if pledge.kind != PledgeKind::JointPackage || !measured.counts.get(index).copied().unwrap_or(false) {
            continue;
        }
        for (measure, members) in [(0, &counted_members), (1, &committed_members)] {
            let slot = measured.slot(index, measure);
            let remainder = joint_remainder(pledge, slot.to_vec(), members);
            for (cell, value) in slot.iter_mut().zip(remainder) {
                *cell = value;
            }
        }
    }
    // A pledge's payments to the date, summed in its currency, then converted once at its date.
    let mut settled: Vec<i128> = vec![0; pledges.len()];
    for payment in state.payments().iter().filter(|p| p.date <= as_of) {
        if let Some(sum) = settled.get_mut(payment.pledge_index) {
            *sum = sum.saturating_add(i128::from(payment.settled.amount_minor));
        }
    }
    for (index, (pledge, sum)) in pledges.iter().zip(settled).enumerate() {
        let currency = pledge.paid.map(|p| p.currency);
        let (Some(true), Some(currency), false) = (measured.counts.get(index).copied(), currency, sum == 0) else {
            continue;
        };
        let paid = i64::try_from(sum).ok().and_then(|minor| Money::new(minor, currency).ok());
        let paid = paid.ok_or_else(|| overflow("a pledge's payments"))?;
        converter.add_money(paid, pledge.date, measured.slot(index, 2))?;
    }
    Ok((measured, undisclosed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(total: i128, weights: &[i128], expect: &[i128]) {
        let weighted: Vec<((), i128)> = weights.iter().map(|w| ((), *w)).collect();
        assert_eq!(split(total, &weighted).unwrap(), expect, "{total} by {weights:?}");
    }

    #[test]
    fn largest_remainder_splits_add_up() {
        check(10, &[1, 1, 1], &[4, 3, 3]);
        check(100, &[1, 1, 1], &[34, 33, 33]);
        check(7, &[5, 3, 2], &[4, 2, 1]);
        check(-10, &[1, 1, 1], &[-4, -3, -3]);
        check(0, &[0, 0], &[0, 0]);
        check(5, &[0, 2], &[0, 5]);
        assert_eq!(split(5, &[((), 0), ((), 0)]), None);
        // 2 by 1:1:1: the remainders tie, so the first two get the extra units.
        check(2, &[1, 1, 1], &[1, 1, 0]);
    }

    #[test]
    fn percents_round_half_even() {
        assert_eq!(percent(1, 3, 2), Some(Decimal::new(3333, 2)));
        assert_eq!(percent(1, 8, 1), Some(Decimal::new(125, 1)));
        assert_eq!(percent(1, 0, 2), None);
    }

    #[test]
    fn key_values_in_millionths() {
        assert_eq!(micro(KeyValue::parse("1681.127").unwrap()), 1_681_127_000);
        assert_eq!(micro(KeyValue::parse("0.000001").unwrap()), 1);
        assert_eq!(micro(KeyValue::parse("1000000000000").unwrap()), 1_000_000_000_000_000_000);
    }
}
