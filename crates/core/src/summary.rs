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

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use rustc_hash::FxHashMap;

use chrono::{Datelike, NaiveDate};

use crate::domain::{Contributor, Pledge, PledgeKind};
use crate::error::FxError;
use crate::fx::{Conversion, RateTable};
use crate::ids::PartyId;
use crate::money::{Currency, Money};
use crate::state::State;

/// Amounts per reporting currency.
pub type Amounts = BTreeMap<Currency, Money>;

/// A calendar month, `2025-08`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth { year: date.year(), month: date.month() }
    }
}

impl YearMonth {
    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Result<YearMonth, crate::error::ParseError> {
        let bad = || crate::error::ParseError::new("month", text, "is not a month (YYYY-MM)");
        let (year, month) = text.split_once('-').ok_or_else(bad)?;
        let (year, month): (i32, u32) = (year.parse().map_err(|_| bad())?, month.parse().map_err(|_| bad())?);
        if year.to_string().len() != 4 || !(1..=12).contains(&month) || text.len() != 7 {
            return Err(bad());
        }
        Ok(YearMonth { year, month })
    }
}

impl TryFrom<String> for YearMonth {
    type Error = crate::error::ParseError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        YearMonth::parse(&text)
    }
}

impl From<YearMonth> for String {
    fn from(month: YearMonth) -> String {
        month.to_string()
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
    /// The `by_party` keys with at least one counted record whose amount is undisclosed: their
    /// figure is a lower bound.
    pub with_undisclosed: BTreeSet<String>,
    /// The `by_party` keys whose every counted record is undisclosed: their amount is unknown,
    /// not zero.
    pub undisclosed_only: BTreeSet<String>,
    /// Contingent pledges whose trigger is not declared by `as_of`: counted apart, not above.
    pub contingent: usize,
    pub contingent_totals: Amounts,
}

/// Minor units per reporting currency, in the order of the `currencies` slice. A plain vector,
/// so summing hundreds of thousands of pledges allocates nothing per pledge; `i128`, so no sum
/// of bounded amounts overflows (a total beyond `i64` is an error when it is reported).
pub(crate) type Sums = Vec<i128>;

pub(crate) fn add(into: &mut Sums, amounts: &[i128]) {
    for (slot, amount) in into.iter_mut().zip(amounts) {
        *slot = slot.saturating_add(*amount);
    }
}

pub(crate) fn to_amounts(sums: &[i128], currencies: &[Currency]) -> Result<Amounts, FxError> {
    let total = |currency: &Currency, minor: &i128| match i64::try_from(*minor) {
        Ok(amount_minor) => Ok((*currency, Money { amount_minor, currency: *currency })),
        Err(_) => Err(FxError::Overflow { amount: format!("a total of {minor} minor units"), to: *currency }),
    };
    currencies.iter().zip(sums).map(|(c, minor)| total(c, minor)).collect()
}

/// Converts each counted record at the rates of its own date, preparing each conversion once
/// (records cluster on few dates).
pub(crate) struct Converter<'a> {
    rates: &'a RateTable,
    currencies: &'a [Currency],
    /// Per (record currency, date): the conversion into each reporting currency.
    prepared: FxHashMap<(Currency, NaiveDate), Vec<Conversion>>,
}

impl<'a> Converter<'a> {
    pub(crate) fn new(rates: &'a RateTable, currencies: &'a [Currency]) -> Converter<'a> {
        Converter { rates, currencies, prepared: FxHashMap::default() }
    }

    /// Adds `money` in each reporting currency at the rates of `date` (each rounded once) into
    /// `into`, slot by slot.
    pub(crate) fn add_money(&mut self, money: Money, date: NaiveDate, into: &mut [i128]) -> Result<(), FxError> {
        let conversions = self.prepare(money.currency, date)?;
        for (slot, conversion) in into.iter_mut().zip(conversions) {
            *slot = slot.saturating_add(i128::from(conversion.apply(money)?.amount_minor));
        }
        Ok(())
    }

    fn prepare(&mut self, currency: Currency, date: NaiveDate) -> Result<&[Conversion], FxError> {
        let (rates, currencies) = (self.rates, self.currencies);
        match self.prepared.entry((currency, date)) {
            Entry::Occupied(prepared) => Ok(prepared.into_mut()),
            Entry::Vacant(slot) => {
                let from_rate = rates.rate_on(currency, date)?;
                let mut conversions = Vec::with_capacity(currencies.len());
                for to in currencies {
                    conversions.push(Conversion::new(currency, *to, from_rate, rates.rate_on(*to, date)?));
                }
                Ok(slot.insert(conversions))
            }
        }
    }

    /// The record's amount in each reporting currency, rounded per conversion; `None` when
    /// undisclosed.
    fn convert(&mut self, pledge: &Pledge, as_of: NaiveDate) -> Result<Option<Sums>, FxError> {
        let Some(amount) = pledge.amount_as_of(as_of) else {
            return Ok(None);
        };
        let conversions = self.prepare(amount.currency, pledge.date)?;
        let mut sums = Vec::with_capacity(conversions.len());
        for conversion in conversions {
            sums.push(i128::from(conversion.apply(amount)?.amount_minor));
        }
        Ok(Some(sums))
    }
}

/// Running sums while the counting rules walk the pledges.
struct Tally<'a> {
    width: usize,
    totals: Sums,
    by_contributor: FxHashMap<&'a Contributor, Sums>,
    by_month: BTreeMap<YearMonth, Sums>,
}

impl<'a> Tally<'a> {
    fn record(&mut self, pledge: &'a Pledge, amounts: &[i128]) {
        let width = self.width;
        add(&mut self.totals, amounts);
        add(self.by_contributor.entry(&pledge.contributor).or_insert_with(|| vec![0; width]), amounts);
        add(self.by_month.entry(YearMonth::of(pledge.date)).or_insert_with(|| vec![0; width]), amounts);
    }
}

/// What the counting rules do with a pledge that counts on the day (rules 1 and 7 passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Its amount counts in full to its contributor (rule 1).
    Counted,
    /// A joint-package total: only its remainder over its members' own pledges counts, to the
    /// group (rule 3).
    Remainder,
    /// It names a contributor but adds nothing: the amount is undisclosed (rule 4).
    Undisclosed,
    /// Contingent on a trigger not declared by the day: counted apart (rule 8).
    Apart,
}

/// One pledge's part in the summary: the summary's `by_party` for a contributor key is the sum
/// of `counted` over that key's contributions (both are built by the same walk).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution<'a> {
    pub pledge: &'a Pledge,
    pub effect: Effect,
    /// The record's amount converted at the rates of its date (a joint package's total, before
    /// its members' pledges are subtracted); `None` when undisclosed.
    pub converted: Option<Amounts>,
    /// What it adds to its contributor's figure and to the totals: the converted amount, the
    /// remainder of a joint package, zero when undisclosed or apart (apart adds to the
    /// contingent totals instead).
    pub counted: Amounts,
}

/// Walks the pledges that count on `as_of` under the counting rules, calling `visit` with each
/// pledge, its effect, its converted amount (`None` when undisclosed) and what it adds to its
/// contributor's figure. Joint-package totals come last, once every member's pledge is known.
fn walk<'a>(
    state: &'a State,
    rates: &RateTable,
    as_of: NaiveDate,
    currencies: &[Currency],
    mut visit: impl FnMut(&'a Pledge, Effect, Option<&[i128]>, &[i128]),
) -> Result<(), FxError> {
    let width = currencies.len();
    let nothing: Sums = vec![0; width];
    let mut converter = Converter { rates, currencies, prepared: FxHashMap::default() };
    // Disclosed member pledges per package and party, converted, to subtract from joint totals.
    let mut members_by_package: FxHashMap<(&str, &PartyId), Sums> = FxHashMap::default();
    let mut joint: Vec<(&Pledge, Sums)> = Vec::new();
    for pledge in state.pledges().iter().filter(|p| p.counts_on(as_of)) {
        let converted = converter.convert(pledge, as_of)?;
        if state.is_pending_contingent(pledge, as_of) {
            visit(pledge, Effect::Apart, converted.as_deref(), &nothing);
            continue;
        }
        let Some(amounts) = converted else {
            visit(pledge, Effect::Undisclosed, None, &nothing);
            continue;
        };
        if pledge.kind == PledgeKind::JointPackage {
            joint.push((pledge, amounts));
            continue;
        }
        if let (Some(package), [party]) = (&pledge.package, pledge.contributor.parties()) {
            add(members_by_package.entry((package.as_str(), party)).or_insert_with(|| vec![0; width]), &amounts);
        }
        visit(pledge, Effect::Counted, Some(&amounts), &amounts);
    }
    for (pledge, total) in joint {
        let remainder = joint_remainder(pledge, total.clone(), &members_by_package);
        visit(pledge, Effect::Remainder, Some(&total), &remainder);
    }
    Ok(())
}

/// Each pledge that counts on `as_of` with what it adds to its contributor's figure, in the
/// given reporting currencies: the records a summary's figures are the sums of.
pub fn contributions<'a>(
    state: &'a State,
    rates: &RateTable,
    as_of: NaiveDate,
    currencies: &[Currency],
) -> Result<Vec<Contribution<'a>>, FxError> {
    let mut out: Vec<(&Pledge, Effect, Option<Sums>, Sums)> = Vec::new();
    walk(state, rates, as_of, currencies, |pledge, effect, converted, counted| {
        out.push((pledge, effect, converted.map(<[i128]>::to_vec), counted.to_vec()));
    })?;
    out.into_iter()
        .map(|(pledge, effect, converted, counted)| {
            Ok(Contribution {
                pledge,
                effect,
                converted: converted.map(|sums| to_amounts(&sums, currencies)).transpose()?,
                counted: to_amounts(&counted, currencies)?,
            })
        })
        .collect()
}

/// Applies the counting rules to the state as of `as_of`, in the given reporting currencies.
pub fn summarise(
    state: &State,
    rates: &RateTable,
    as_of: NaiveDate,
    currencies: &[Currency],
) -> Result<Summary, FxError> {
    let width = currencies.len();
    let mut tally =
        Tally { width, totals: vec![0; width], by_contributor: FxHashMap::default(), by_month: BTreeMap::new() };
    let mut undisclosed: usize = 0;
    let (mut with_undisclosed, mut disclosed) = (HashSet::new(), HashSet::new());
    let (mut contingent, mut contingent_totals): (usize, Sums) = (0, vec![0; width]);
    walk(state, rates, as_of, currencies, |pledge, effect, converted, counted| match effect {
        Effect::Counted | Effect::Remainder => {
            disclosed.insert(&pledge.contributor);
            tally.record(pledge, counted)
        }
        Effect::Undisclosed => {
            undisclosed = undisclosed.saturating_add(1);
            tally.by_contributor.entry(&pledge.contributor).or_insert_with(|| vec![0; width]);
            with_undisclosed.insert(&pledge.contributor);
        }
        Effect::Apart => {
            contingent = contingent.saturating_add(1);
            if let Some(amounts) = converted {
                add(&mut contingent_totals, amounts);
            }
        }
    })?;
    // Every counted record has an entry by contributor (undisclosed ones included).
    let contributors: HashSet<&PartyId> = tally.by_contributor.keys().flat_map(|c| c.parties()).collect();
    Ok(Summary {
        as_of,
        currencies: currencies.to_vec(),
        totals: to_amounts(&tally.totals, currencies)?,
        contributors: contributors.len(),
        undisclosed,
        declined: declined_on(state, as_of),
        by_party: tally
            .by_contributor
            .iter()
            .map(|(c, sums)| Ok((c.key(), to_amounts(sums, currencies)?)))
            .collect::<Result<_, FxError>>()?,
        by_month: tally
            .by_month
            .iter()
            .map(|(m, sums)| Ok((*m, to_amounts(sums, currencies)?)))
            .collect::<Result<_, FxError>>()?,
        undisclosed_only: with_undisclosed.difference(&disclosed).map(|c| c.key()).collect(),
        with_undisclosed: with_undisclosed.iter().map(|c| c.key()).collect(),
        contingent,
        contingent_totals: to_amounts(&contingent_totals, currencies)?,
    })
}

/// The joint total minus its members' disclosed pledges naming the same package, floored at zero.
pub(crate) fn joint_remainder(
    pledge: &Pledge,
    mut remainder: Sums,
    members: &FxHashMap<(&str, &PartyId), Sums>,
) -> Sums {
    let Some(package) = &pledge.package else {
        return remainder;
    };
    for party in pledge.contributor.parties() {
        let Some(member) = members.get(&(package.as_str(), party)) else {
            continue;
        };
        for (slot, amount) in remainder.iter_mut().zip(member) {
            *slot = slot.saturating_sub(*amount);
        }
    }
    for slot in remainder.iter_mut() {
        *slot = (*slot).max(0);
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
pub fn first_date_reaching(
    state: &State,
    rates: &RateTable,
    goal: Money,
    as_of: NaiveDate,
) -> Result<Option<NaiveDate>, FxError> {
    let mut dates: BTreeSet<NaiveDate> = BTreeSet::new();
    for pledge in state.pledges() {
        dates.insert(pledge.date);
        dates.extend(pledge.committed_on);
    }
    let dates: Vec<NaiveDate> = dates.into_iter().filter(|d| *d <= as_of).collect();
    if dates.len() > MAX_CROSSING_DATES {
        return Ok(None);
    }
    for date in dates {
        let summary = summarise(state, rates, date, &[goal.currency])?;
        if summary.totals.get(&goal.currency).is_some_and(|total| total.amount_minor >= goal.amount_minor) {
            return Ok(Some(date));
        }
    }
    Ok(None)
}
