//! Money over time: the counted, committed and paid totals on every date they change, in one
//! reporting currency, overall and per contributor. One pass over the pledges, so the overview
//! chart of a large log costs about as much as one summary.
//!
//! The counted series follows the counting rules exactly (docs/COUNTING.md): its value on any
//! date equals `summarise(..).totals` on that date. The committed series applies the same rules
//! to committed amounts only (a pledge counts from its commitment date). The paid series adds
//! every payment received on its date. Every amount converts at the rates of its record's date,
//! as the counting rules do.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use crate::domain::{Contributor, Pledge, PledgeKind};
use crate::error::FxError;
use crate::fx::{Conversion, RateTable};
use crate::money::{Currency, Money};
use crate::state::State;

/// The three measures, in minor units of the series' currency.
pub type Measures = [i128; 3];
pub const COUNTED: usize = 0;
pub const COMMITTED: usize = 1;
pub const PAID: usize = 2;

/// Cumulative values from `date` until the next point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub date: NaiveDate,
    pub values: Measures,
}

/// Changes of the three measures by contributor and date.
#[derive(Debug, Clone)]
pub struct Flows {
    pub currency: Currency,
    /// Contributor keys (`NLD`, `DNK+NOR+SWE`), indexed by the first element of `changes`' keys.
    keys: Vec<String>,
    changes: FxHashMap<(u32, NaiveDate), Measures>,
}

/// A pledge's course under the counting rules: counted from `start` until `end` (exclusive),
/// worth `before` until its commitment and `after` from it (counted and committed measures).
#[derive(Debug, Clone, Copy)]
struct Course {
    start: NaiveDate,
    end: Option<NaiveDate>,
    committed_on: Option<NaiveDate>,
    before: [i128; 2],
    after: [i128; 2],
}

impl Course {
    fn value_on(&self, date: NaiveDate) -> [i128; 2] {
        if date < self.start || self.end.is_some_and(|end| date >= end) {
            return [0, 0];
        }
        match self.committed_on {
            Some(on) if on <= date => self.after,
            _ => self.before,
        }
    }

    /// The dates its value can change on.
    fn changes(&self) -> impl Iterator<Item = NaiveDate> {
        let inside = |d: &NaiveDate| *d > self.start && self.end.is_none_or(|end| *d < end);
        [Some(self.start), self.committed_on.filter(inside), self.end].into_iter().flatten()
    }
}

fn day_before(date: NaiveDate) -> NaiveDate {
    date.pred_opt().unwrap_or(date)
}

/// Converts at the rates of the pledge's date, preparing each (currency, date) conversion once.
struct Converter<'a> {
    rates: &'a RateTable,
    to: Currency,
    prepared: FxHashMap<(Currency, NaiveDate), Conversion>,
    /// The one used last: a pledge's amounts and payments share it.
    last: Option<(Currency, NaiveDate, Conversion)>,
}

impl Converter<'_> {
    fn convert(&mut self, money: Money, date: NaiveDate) -> Result<i128, FxError> {
        if money.currency == self.to {
            return Ok(i128::from(money.amount_minor));
        }
        let conversion = match self.last {
            Some((currency, at, conversion)) if currency == money.currency && at == date => conversion,
            _ => {
                let conversion = match self.prepared.get(&(money.currency, date)) {
                    Some(conversion) => *conversion,
                    None => {
                        let (from, to) =
                            (self.rates.rate_on(money.currency, date)?, self.rates.rate_on(self.to, date)?);
                        let conversion = Conversion::new(money.currency, self.to, from, to);
                        self.prepared.insert((money.currency, date), conversion);
                        conversion
                    }
                };
                self.last = Some((money.currency, date, conversion));
                conversion
            }
        };
        Ok(i128::from(conversion.apply(money)?.amount_minor))
    }
}

impl Flows {
    pub fn compute(state: &State, rates: &RateTable, currency: Currency) -> Result<Flows, FxError> {
        Flows::compute_measures(state, rates, currency, true)
    }

    /// The counted and committed measures only; the paid measure stays zero (payments are not
    /// read, which saves most of the work on a log of many payments).
    pub fn compute_counted(state: &State, rates: &RateTable, currency: Currency) -> Result<Flows, FxError> {
        Flows::compute_measures(state, rates, currency, false)
    }

    fn compute_measures(state: &State, rates: &RateTable, currency: Currency, paid: bool) -> Result<Flows, FxError> {
        let mut converter = Converter { rates, to: currency, prepared: FxHashMap::default(), last: None };
        let mut flows = Flows { currency, keys: Vec::new(), changes: FxHashMap::default() };
        let mut key_of: FxHashMap<&Contributor, u32> = FxHashMap::default();
        // Courses kept for the joint-remainder pass: single-party pledges that name a package.
        let mut kept: FxHashMap<usize, Course> = FxHashMap::default();
        let mut joints = Vec::new();
        let mut members: FxHashMap<(&str, &crate::ids::PartyId), Vec<usize>> = FxHashMap::default();
        // One pledge's changes, merged by date before they reach the map.
        let mut own: Vec<(NaiveDate, Measures)> = Vec::new();
        let mut keys: Vec<u32> = Vec::with_capacity(state.pledges().len());
        for (index, pledge) in state.pledges().iter().enumerate() {
            let next = key_of.len() as u32;
            let key = *key_of.entry(&pledge.contributor).or_insert(next);
            if key == next {
                flows.keys.push(pledge.contributor.key());
            }
            keys.push(key);
            own.clear();
            if let Some(course) = course(state, pledge, &mut converter)? {
                if pledge.kind == PledgeKind::JointPackage {
                    joints.push((pledge, key, course));
                } else {
                    if let (Some(package), [party]) = (&pledge.package, pledge.contributor.parties()) {
                        members.entry((package.as_str(), party)).or_default().push(index);
                        kept.insert(index, course);
                    }
                    for date in course.changes() {
                        let [now, was] = [course.value_on(date), course.value_on(day_before(date))];
                        own.push((date, step(now, was)));
                    }
                }
            }
            own.sort_unstable_by_key(|(date, _)| *date);
            let mut pending: Option<(NaiveDate, Measures)> = None;
            for (date, change) in own.drain(..) {
                match &mut pending {
                    Some((at, sum)) if *at == date => accumulate(sum, change),
                    _ => {
                        if let Some((at, sum)) = pending.replace((date, change)) {
                            flows.add(key, at, sum);
                        }
                    }
                }
            }
            if let Some((at, sum)) = pending {
                flows.add(key, at, sum);
            }
        }
        // Payments from their own contiguous list; each converts at its pledge's date.
        let payments: &[crate::state::Payment] = if paid { state.payments() } else { &[] };
        for payment in payments {
            // Every payment names a pledge folded before it, so none is skipped.
            let index = payment.pledge_index;
            let (Some(pledge), Some(key)) = (state.pledges().get(index), keys.get(index)) else { continue };
            let paid = converter.convert(payment.settled, pledge.date)?;
            flows.add(*key, payment.date, [0, 0, paid]);
        }
        for (joint, key, course) in joints {
            let parts: Vec<Course> = match &joint.package {
                Some(package) => joint
                    .contributor
                    .parties()
                    .iter()
                    .filter_map(|party| members.get(&(package.as_str(), party)))
                    .flatten()
                    .filter_map(|member| kept.get(member).copied())
                    .collect(),
                None => Vec::new(),
            };
            let remainder = |date: NaiveDate| {
                let mut left = course.value_on(date);
                for part in &parts {
                    let value = part.value_on(date);
                    left = difference(left, value);
                }
                [left[0].max(0), left[1].max(0)]
            };
            let mut dates: Vec<NaiveDate> = course.changes().chain(parts.iter().flat_map(Course::changes)).collect();
            dates.sort_unstable();
            dates.dedup();
            for date in dates {
                let [now, was] = [remainder(date), remainder(day_before(date))];
                flows.add(key, date, step(now, was));
            }
        }
        flows.changes.retain(|_, change| *change != [0, 0, 0]);
        Ok(flows)
    }

    fn add(&mut self, key: u32, date: NaiveDate, change: Measures) {
        accumulate(self.changes.entry((key, date)).or_insert([0; 3]), change);
    }

    /// Contributor keys with any change, sorted.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self
            .changes
            .keys()
            .filter_map(|(key, _)| usize::try_from(*key).ok().and_then(|key| self.keys.get(key)))
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// The cumulative totals on every date something changed, up to `as_of`.
    pub fn total(&self, as_of: NaiveDate) -> Vec<Point> {
        self.cumulative(|_| true, as_of)
    }

    /// One contributor's cumulative values (by key, as in the summary's `by_party`).
    pub fn of(&self, contributor: &str, as_of: NaiveDate) -> Vec<Point> {
        match self.keys.iter().position(|k| k == contributor).and_then(|index| u32::try_from(index).ok()) {
            Some(index) => self.cumulative(|key| key == index, as_of),
            None => Vec::new(),
        }
    }

    fn cumulative(&self, wanted: impl Fn(u32) -> bool, as_of: NaiveDate) -> Vec<Point> {
        let mut by_date: BTreeMap<NaiveDate, Measures> = BTreeMap::new();
        for ((key, date), change) in &self.changes {
            if *date <= as_of && wanted(*key) {
                accumulate(by_date.entry(*date).or_insert([0; 3]), *change);
            }
        }
        let mut running = [0i128; 3];
        by_date
            .into_iter()
            .map(|(date, change)| {
                accumulate(&mut running, change);
                Point { date, values: running }
            })
            .collect()
    }
}

/// The change from `was` to `now` of the counted and committed measures. Each value is a sum of
/// amounts within `i64`, far inside `i128`, so the saturation never applies to real data.
fn step(now: [i128; 2], was: [i128; 2]) -> Measures {
    let [counted, committed] = difference(now, was);
    [counted, committed, 0]
}

fn difference(a: [i128; 2], b: [i128; 2]) -> [i128; 2] {
    [a[0].saturating_sub(b[0]), a[1].saturating_sub(b[1])]
}

/// Adds `change` into `sums` (saturating: a report, never a panic).
fn accumulate(sums: &mut Measures, change: Measures) {
    for (sum, change) in sums.iter_mut().zip(change) {
        *sum = sum.saturating_add(change);
    }
}

/// The value of a series on `date`: the last point on or before it (zero before the first).
pub fn value_on(points: &[Point], date: NaiveDate) -> Measures {
    let after = points.partition_point(|p| p.date <= date);
    after.checked_sub(1).and_then(|last| points.get(last)).map_or([0; 3], |p| p.values)
}

/// `None` when the pledge never counts (a contingent pledge whose trigger is not declared, or
/// one withdrawn or superseded before it started counting).
fn course(state: &State, pledge: &Pledge, converter: &mut Converter) -> Result<Option<Course>, FxError> {
    let mut start = pledge.date;
    if let Some(trigger) = &pledge.contingent_on {
        match state.triggers.get(trigger) {
            Some(declared) => start = start.max(*declared),
            None => return Ok(None),
        }
    }
    let end = [pledge.withdrawn_on, pledge.superseded.as_ref().map(|(_, on)| *on)].into_iter().flatten().min();
    if end.is_some_and(|end| end <= start) {
        return Ok(None);
    }
    let announced = match pledge.announced {
        Some(amount) => converter.convert(amount, pledge.date)?,
        None => 0,
    };
    let committed = match (pledge.committed, pledge.committed_on) {
        (Some(amount), Some(_)) => converter.convert(amount, pledge.date)?,
        _ => 0,
    };
    Ok(Some(Course {
        start,
        end,
        committed_on: pledge.committed_on.filter(|_| pledge.committed.is_some()),
        before: [announced, 0],
        after: [committed, committed],
    }))
}

/// Average growth of the counted total per day over the `days` before `as_of`, in minor units.
pub fn run_rate_per_day(points: &[Point], as_of: NaiveDate, days: u32) -> i128 {
    // Before the first representable date nothing had counted yet.
    let from = as_of.checked_sub_days(chrono::Days::new(u64::from(days))).unwrap_or(NaiveDate::MIN);
    let grown = value_on(points, as_of)[COUNTED].saturating_sub(value_on(points, from)[COUNTED]);
    // The divisor is at least 1, so the division always succeeds.
    grown.checked_div(i128::from(days.max(1))).unwrap_or_default()
}
