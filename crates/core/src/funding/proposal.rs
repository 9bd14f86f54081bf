//! Funding proposals: which pledges fund which open packages, in priority order, exactly.
//!
//! **Priority.** Each month's prioritised list counts in its latest version. A requirement's
//! priority is its (month, rank), earlier months first, rank 1 first; a package's is the best of
//! its requirements'. Packages with no ranked requirement come after all ranked ones, by id; ties
//! between equal priorities go by package id.
//!
//! **Rule (lexicographic in priority).** In priority order, a package is funded in full if it can
//! be while every package above it that could be funded in full is; then whatever is left goes to
//! the *first* package not fully fundable, as partial funding (the most it can get with the funded
//! packages kept full). Later packages that cannot be funded in full get nothing. Each step is an
//! exact integer maximum flow ([`super::flow`]).
//!
//! **Pledges.** Committed, part-paid and paid pledges supply their unallocated money. Announced
//! pledges supply their announced amount only with `include_announced`; a pledge waiting for a
//! trigger not yet declared supplies its announced amount only when `assume_triggers` names the
//! trigger. Undisclosed amounts, withdrawn and superseded pledges supply nothing. A joint-package
//! record supplies only what its members' own pledges for the same package leave of it (the
//! counting rules' remainder), so nothing is counted twice.
//!
//! **Constraints.** An earmark that names a requirement category (trimmed, lowercased, spaces
//! and underscores read as `-`: "Air defence" is `air-defence`) limits the pledge to packages
//! holding a requirement of that category. An earmark that is *not* a category (for example
//! "Patriot") is not guessed at: the pledge is held back and listed as excluded with the reason,
//! since spending it on any package might go against the contributor's wish. A pledge tied to a
//! package funds only that package; a cap per package bounds what it gives any one package.
//!
//! **Currency.** Supplies and caps are converted into the package currency at the reference
//! rate of the proposal date, then stepped down a minor unit at a time until converting back does
//! not exceed the pledge's money, so every proposed allocation passes the allocation rule. When
//! several allocations of one pledge would together round past its money, its supply is lowered by
//! the excess and the proposal solved again. A pledge whose money cannot be converted is excluded
//! with the exchange-rate error as its reason: one bad record never fails the proposal.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::flow::{self, Demand, FlowError, Network};
use crate::command::Command;
use crate::domain::{Pledge, PledgeStatus};
use crate::error::DomainError;
use crate::fx::RateTable;
use crate::ids::{PackageRef, PledgeId, RequirementId};
use crate::money::{Currency, MAX_AMOUNT_MINOR, Money};
use crate::procurement::{PackageState, RequirementCategory};
use crate::state::State;
use crate::summary::YearMonth;

/// What a proposal assumes, passed explicitly by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The proposal date: allocations carry it, and money converts at its reference rates.
    pub as_of: NaiveDate,
    /// Count announced, not yet committed pledges at their announced amount.
    pub include_announced: bool,
    /// Triggers to treat as declared: pledges waiting for them count at their announced amount.
    pub assume_triggers: Vec<String>,
}

/// A package's place in the prioritised lists: month first, then rank (1 is first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Priority {
    pub month: YearMonth,
    pub rank: u32,
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} #{}", self.month, self.rank)
    }
}

/// An open package as the solver sees it: what it still needs, in the instance currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageNeed {
    pub id: PackageRef,
    pub priority: Option<Priority>,
    pub need_minor: i64,
    /// The categories of its requirements, each once.
    pub categories: Vec<RequirementCategory>,
}

/// A pledge as the solver sees it: what it can give, in the instance currency, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeSupply {
    pub id: PledgeId,
    pub supply_minor: i64,
    /// Only packages holding a requirement of this category.
    pub earmark: Option<RequirementCategory>,
    /// Only this package.
    pub package: Option<PackageRef>,
    /// At most this much to any one package, what it already gave the package included.
    pub cap_minor: Option<i64>,
    /// What it already gave open packages (allocated, not released), counted against its cap.
    pub given: Vec<(PackageRef, i64)>,
}

impl PledgeSupply {
    /// Whether the constraints let this pledge fund `package` (its cap aside).
    pub fn may_fund(&self, package: &PackageNeed) -> bool {
        self.package.as_ref().is_none_or(|tied| *tied == package.id)
            && self.earmark.is_none_or(|category| package.categories.contains(&category))
    }

    /// What its cap still lets it give `package`: the cap less what it already gave it.
    pub fn cap_for(&self, package: &PackageNeed) -> Option<i64> {
        let given: i64 = self.given.iter().filter(|(p, _)| *p == package.id).map(|(_, g)| *g).sum();
        self.cap_minor.map(|cap| cap.saturating_sub(given).max(0))
    }
}

/// A funding problem in one currency: packages in priority order, pledges in any order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub currency: Currency,
    pub packages: Vec<PackageNeed>,
    pub pledges: Vec<PledgeSupply>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FundingStatus {
    Funded,
    Partial,
    Unfunded,
}

/// One pledge's money for one package: indices into the instance's pledges and packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub pledge: usize,
    pub package: usize,
    pub amount_minor: i64,
}

/// The solver's answer: per package (instance order) its amount and status, and the pieces, by
/// package in priority order then by pledge id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub amounts_minor: Vec<i64>,
    pub status: Vec<FundingStatus>,
    pub pieces: Vec<Piece>,
}

fn bad(message: String) -> DomainError {
    DomainError::Rule(message)
}

fn flow_error(error: FlowError) -> DomainError {
    DomainError::Rule(format!("funding proposal: {error}"))
}

fn check_instance(instance: &Instance) -> Result<(), DomainError> {
    let in_range = |minor: i64| (0..=MAX_AMOUNT_MINOR).contains(&minor);
    let mut ids = BTreeSet::new();
    for (index, package) in instance.packages.iter().enumerate() {
        if !in_range(package.need_minor) {
            return Err(bad(format!("package {} (#{index}): need {} is out of range", package.id, package.need_minor)));
        }
        if !ids.insert(&package.id) {
            return Err(bad(format!("package {} is listed twice", package.id)));
        }
    }
    let mut pledge_ids = BTreeSet::new();
    for (index, pledge) in instance.pledges.iter().enumerate() {
        if !in_range(pledge.supply_minor) {
            return Err(bad(format!(
                "pledge {} (#{index}): supply {} is out of range",
                pledge.id, pledge.supply_minor
            )));
        }
        if pledge.cap_minor.is_some_and(|cap| cap <= 0 || cap > MAX_AMOUNT_MINOR) {
            return Err(bad(format!("pledge {} (#{index}): a cap per package must be positive", pledge.id)));
        }
        if pledge.given.iter().any(|(_, given)| !in_range(*given)) {
            return Err(bad(format!("pledge {} (#{index}): what it gave a package is out of range", pledge.id)));
        }
        if !pledge_ids.insert(&pledge.id) {
            return Err(bad(format!("pledge {} is listed twice", pledge.id)));
        }
    }
    Ok(())
}

/// Pledges that pool: no tie, and no cap that could bind (a cap at least every eligible need).
fn pools(pledge: &PledgeSupply, packages: &[PackageNeed]) -> bool {
    let binding = |cap: i64| packages.iter().any(|p| pledge.may_fund(p) && p.need_minor > cap);
    pledge.package.is_none() && pledge.cap_minor.is_none_or(|cap| pledge.given.is_empty() && !binding(cap))
}

/// A pool node: its pledges (by id) and its edges to packages (package index, edge).
type Group = (Vec<usize>, Vec<(usize, usize)>);

/// The network of an instance: pooled pledges through one node per earmark (`None`: the pool),
/// the others through direct edges to each package they may fund.
struct Built {
    network: Network,
    source: usize,
    sink: usize,
    demands: Vec<Demand>,
    groups: Vec<Group>,
    /// (pledge index, package index, edge).
    direct: Vec<(usize, usize, usize)>,
}

fn build(instance: &Instance, order: &[usize]) -> Result<Built, FlowError> {
    let mut network = Network::new();
    let (source, sink) = (network.add_node()?, network.add_node()?);
    let mut demands = Vec::with_capacity(instance.packages.len());
    for package in &instance.packages {
        let node = network.add_node()?;
        let sink_edge = network.add_edge(node, sink, package.need_minor)?;
        demands.push(Demand { node, sink_edge, need: package.need_minor });
    }
    let mut members: BTreeMap<Option<RequirementCategory>, Vec<usize>> = BTreeMap::new();
    let mut direct_pledges = Vec::new();
    for &index in order {
        let pledge = instance.pledges.get(index).ok_or(FlowError::Internal("a pledge index"))?;
        match pools(pledge, &instance.packages) {
            true => members.entry(pledge.earmark).or_default().push(index),
            false => direct_pledges.push(index),
        }
    }
    let mut groups = Vec::with_capacity(members.len());
    for (earmark, pledges) in members {
        let node = network.add_node()?;
        let mut total: i64 = 0;
        for index in &pledges {
            let supply = instance.pledges.get(*index).map_or(0, |p| p.supply_minor);
            total = total.checked_add(supply).ok_or(FlowError::Overflow("the supply of a pool"))?;
        }
        network.add_edge(source, node, total)?;
        let mut edges = Vec::new();
        for (index, (package, demand)) in instance.packages.iter().zip(&demands).enumerate() {
            if earmark.is_none_or(|category| package.categories.contains(&category)) {
                edges.push((index, network.add_edge(node, demand.node, package.need_minor)?));
            }
        }
        groups.push((pledges, edges));
    }
    let mut direct = Vec::new();
    for index in direct_pledges {
        let pledge = instance.pledges.get(index).ok_or(FlowError::Internal("a pledge index"))?;
        let node = network.add_node()?;
        network.add_edge(source, node, pledge.supply_minor)?;
        for (package_index, (package, demand)) in instance.packages.iter().zip(&demands).enumerate() {
            if pledge.may_fund(package) {
                let capacity = pledge.cap_for(package).map_or(package.need_minor, |cap| cap.min(package.need_minor));
                direct.push((index, package_index, network.add_edge(node, demand.node, capacity)?));
            }
        }
    }
    Ok(Built { network, source, sink, demands, groups, direct })
}

/// Solves an instance by the lexicographic rule. Pure: no state, no rates.
pub fn solve(instance: &Instance) -> Result<Solution, DomainError> {
    check_instance(instance)?;
    let mut order: Vec<usize> = (0..instance.pledges.len()).collect();
    order.sort_by(|a, b| instance.pledges.get(*a).map(|p| &p.id).cmp(&instance.pledges.get(*b).map(|p| &p.id)));
    let mut built = build(instance, &order).map_err(flow_error)?;
    let outcome =
        flow::meet_in_order(&mut built.network, built.source, built.sink, &built.demands).map_err(flow_error)?;
    let mut amounts_minor = Vec::with_capacity(built.demands.len());
    for demand in &built.demands {
        amounts_minor.push(built.network.flow(demand.sink_edge).map_err(flow_error)?);
    }
    let status = amounts_minor
        .iter()
        .zip(&outcome.met)
        .map(|(amount, met)| match (*met, *amount > 0) {
            (true, _) => FundingStatus::Funded,
            (false, true) => FundingStatus::Partial,
            (false, false) => FundingStatus::Unfunded,
        })
        .collect();
    let pieces = assign(instance, &built, &order).map_err(flow_error)?;
    Ok(Solution { amounts_minor, status, pieces })
}

/// Names a pledge for every unit of flow: a pool's flow to each package (in priority order) is
/// taken from its pledges by id; a direct edge's flow is its pledge's.
fn assign(instance: &Instance, built: &Built, order: &[usize]) -> Result<Vec<Piece>, FlowError> {
    let mut pieces: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    let rank: BTreeMap<usize, usize> = order.iter().enumerate().map(|(rank, index)| (*index, rank)).collect();
    for (pledges, edges) in &built.groups {
        let mut left: Vec<(usize, i64)> =
            pledges.iter().map(|i| (*i, instance.pledges.get(*i).map_or(0, |p| p.supply_minor))).collect();
        let mut next = 0;
        for (package, edge) in edges {
            let mut wanted = built.network.flow(*edge)?;
            while wanted > 0 {
                let (pledge, available) =
                    left.get_mut(next).ok_or(FlowError::Internal("a pool gave more than it holds"))?;
                let take = wanted.min(*available);
                if take > 0 {
                    let rank = *rank.get(pledge).ok_or(FlowError::Internal("a pledge rank"))?;
                    let slot = pieces.entry((*package, rank)).or_default();
                    *slot = slot.checked_add(take).ok_or(FlowError::Overflow("a piece"))?;
                }
                *available = available.checked_sub(take).ok_or(FlowError::Overflow("a pledge's supply"))?;
                wanted = wanted.checked_sub(take).ok_or(FlowError::Overflow("a pool's flow"))?;
                if *available == 0 {
                    next = next.saturating_add(1);
                }
            }
        }
    }
    for (pledge, package, edge) in &built.direct {
        let amount = built.network.flow(*edge)?;
        if amount > 0 {
            let rank = *rank.get(pledge).ok_or(FlowError::Internal("a pledge rank"))?;
            pieces.insert((*package, rank), amount);
        }
    }
    let mut out = Vec::with_capacity(pieces.len());
    for ((package, rank), amount_minor) in pieces {
        let pledge = *order.get(rank).ok_or(FlowError::Internal("a pledge rank"))?;
        out.push(Piece { pledge, package, amount_minor });
    }
    Ok(out)
}

/// Why a pledge held back could have funded a package, for the explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    Announced,
    Trigger(String),
}

/// A pledge left out of the proposal, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excluded {
    pub pledge: PledgeId,
    pub reason: String,
    /// What it would supply (in the package currency), its constraints, and what holds it back,
    /// when including it is a matter of an option.
    #[serde(skip)]
    pub held: Option<(Held, Option<Money>, PledgeSupply)>,
}

/// The instance built from a state, with what the instance leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub instance: Instance,
    /// Per instance pledge: the money behind it, in its own currency (for the rounding check).
    pub backing: Vec<Money>,
    /// Per instance pledge: committed (its allocations can be made now) or assumed.
    pub committed: Vec<bool>,
    pub excluded: Vec<Excluded>,
}

/// `trim`, lowercase, spaces and underscores as `-`, then a category, or `None`.
pub fn earmark_category(earmark: &str) -> Option<RequirementCategory> {
    let normal: String =
        earmark.trim().chars().map(|c| if c == ' ' || c == '_' { '-' } else { c.to_ascii_lowercase() }).collect();
    RequirementCategory::parse(&normal).ok()
}

/// `money` in `to` on `date`, stepped down until converting back does not exceed `money`.
fn within(rates: &RateTable, money: Money, to: Currency, date: NaiveDate) -> Result<Money, String> {
    let mut converted = rates.convert(money, to, date).map_err(|e| e.to_string())?;
    for _ in 0..64 {
        let back = rates.convert(converted, money.currency, date).map_err(|e| e.to_string())?;
        if back.amount_minor <= money.amount_minor || converted.amount_minor <= 0 {
            return Ok(Money { amount_minor: converted.amount_minor.max(0), currency: to });
        }
        converted.amount_minor = converted.amount_minor.saturating_sub(1);
    }
    Err(format!("{money} cannot be converted into {to} on {date} without exceeding it"))
}

/// The best (month, rank) of each requirement in the latest version of each month's list.
fn ranks(state: &State) -> BTreeMap<&RequirementId, Priority> {
    let mut best: BTreeMap<&RequirementId, Priority> = BTreeMap::new();
    for (month, versions) in &state.lists {
        let Some(latest) = versions.last() else { continue };
        for (index, id) in latest.order.iter().enumerate() {
            let Some(rank) = u32::try_from(index).ok().and_then(|i| i.checked_add(1)) else { continue };
            let priority = Priority { month: *month, rank };
            best.entry(id).and_modify(|p| *p = (*p).min(priority)).or_insert(priority);
        }
    }
    best
}

/// The open packages with a price, in priority order, with what each still needs.
fn open_packages(state: &State, currency: Currency) -> Result<Vec<PackageNeed>, DomainError> {
    let ranks = ranks(state);
    let mut packages = Vec::new();
    for package in state.packages.values().filter(|p| p.state == PackageState::Open) {
        let Some(price) = package.price else { continue };
        if price.currency != currency {
            return Err(bad(format!("package {} is priced in {}, not {currency}", package.id, price.currency)));
        }
        let need = price
            .checked_sub(package.allocated())
            .ok_or_else(|| DomainError::Overflow(format!("the need of package {}", package.id)))?;
        let priority = package.requirements.iter().filter_map(|r| ranks.get(r)).min().copied();
        let categories: BTreeSet<RequirementCategory> =
            package.requirements.iter().filter_map(|r| state.requirements.get(r)).map(|r| r.category).collect();
        packages.push(PackageNeed {
            id: package.id.clone(),
            priority,
            need_minor: need.amount_minor.max(0),
            categories: categories.into_iter().collect(),
        });
    }
    packages.sort_by(|a, b| (a.priority.is_none(), a.priority, &a.id).cmp(&(b.priority.is_none(), b.priority, &b.id)));
    Ok(packages)
}

/// What a pledge offers: its money in its own currency and whether it is committed, or why not.
enum Offer {
    Skip,
    Money { amount: Money, committed: bool },
    Held(Held, Money, String),
    Out(String),
}

fn offer(state: &State, pledge: &Pledge, options: &Options) -> Offer {
    if matches!(pledge.status, PledgeStatus::Withdrawn | PledgeStatus::Superseded) {
        return Offer::Skip;
    }
    if pledge.date > options.as_of {
        return Offer::Out(format!("announced on {}, after the proposal date {}", pledge.date, options.as_of));
    }
    let trigger = pledge.contingent_on.as_ref().filter(|_| state.is_pending_contingent(pledge, options.as_of));
    match (trigger, pledge.status, pledge.announced) {
        (_, PledgeStatus::Announced, None) => Offer::Out("its amount is undisclosed".into()),
        (Some(trigger), _, Some(amount)) if options.assume_triggers.contains(trigger) => {
            Offer::Money { amount, committed: false }
        }
        (Some(trigger), _, Some(amount)) => Offer::Held(
            Held::Trigger(trigger.clone()),
            amount,
            format!("waits for trigger {trigger} (--assume-trigger {trigger})"),
        ),
        (Some(trigger), _, None) => Offer::Out(format!("waits for trigger {trigger} and has no amount")),
        (None, PledgeStatus::Announced, Some(amount)) if options.include_announced => {
            Offer::Money { amount, committed: false }
        }
        (None, PledgeStatus::Announced, Some(amount)) => Offer::Held(
            Held::Announced,
            amount,
            format!("{} is announced, not committed (--include-announced)", grouped(&amount)),
        ),
        _ => match pledge.unallocated() {
            Some(left) if left.is_positive() => Offer::Money { amount: left, committed: true },
            Some(_) => Offer::Skip,
            None => Offer::Out("its unallocated amount overflows".into()),
        },
    }
}

/// What the members' own pledges for the same package cover of a joint-package record, in
/// `currency` on `date` (the counting rules' remainder: nothing is counted twice).
fn covered_by_members(
    state: &State,
    rates: &RateTable,
    joint: &Pledge,
    currency: Currency,
    date: NaiveDate,
) -> Result<i64, String> {
    let mut covered: i64 = 0;
    let members = joint.contributor.parties();
    for other in state.pledges() {
        let same = other.id != joint.id
            && other.package.is_some()
            && other.package == joint.package
            && !other.kind.is_joint()
            && !matches!(other.status, PledgeStatus::Withdrawn | PledgeStatus::Superseded)
            && other.contributor.parties().iter().all(|p| members.contains(p));
        if let Some(amount) = other.committed.or(other.announced).filter(|_| same) {
            let converted = rates.convert(amount, currency, date).map_err(|e| e.to_string())?;
            covered = covered.checked_add(converted.amount_minor).ok_or("members' pledges overflow")?;
        }
    }
    Ok(covered)
}

/// The instance a state poses on `options.as_of`, in the mechanism's package currency.
pub fn instance(state: &State, rates: &RateTable, options: &Options) -> Result<Prepared, DomainError> {
    let currency = state
        .mechanism
        .as_ref()
        .map(|m| m.package_currency)
        .ok_or_else(|| bad("no mechanism is defined; a funding proposal needs its package currency".into()))?;
    let packages = open_packages(state, currency)?;
    let mut prepared = Prepared {
        instance: Instance { currency, packages, pledges: Vec::new() },
        backing: Vec::new(),
        committed: Vec::new(),
        excluded: Vec::new(),
    };
    let mut pledges: Vec<&Pledge> = state.pledges().iter().collect();
    pledges.sort_by(|a, b| a.id.cmp(&b.id));
    let given = given_to_open(state);
    for pledge in pledges {
        add_pledge(state, rates, options, pledge, &given, &mut prepared);
    }
    Ok(prepared)
}

/// What each pledge already gave each open package (allocated less released), package currency.
fn given_to_open(state: &State) -> BTreeMap<PledgeId, Vec<(PackageRef, i64)>> {
    let mut sums: BTreeMap<(PledgeId, PackageRef), i128> = BTreeMap::new();
    for package in state.packages.values().filter(|p| p.state == PackageState::Open) {
        let allocated = package.allocations.iter().map(|a| (a, 1i128));
        for (allocation, sign) in allocated.chain(package.released.iter().map(|a| (a, -1i128))) {
            let sum = sums.entry((allocation.pledge.clone(), package.id.clone())).or_default();
            *sum = sum.saturating_add(sign.saturating_mul(i128::from(allocation.amount.amount_minor)));
        }
    }
    let mut given: BTreeMap<PledgeId, Vec<(PackageRef, i64)>> = BTreeMap::new();
    for ((pledge, package), sum) in sums.into_iter().filter(|(_, sum)| *sum > 0) {
        given.entry(pledge).or_default().push((package, i64::try_from(sum).unwrap_or(i64::MAX)));
    }
    given
}

fn add_pledge(
    state: &State,
    rates: &RateTable,
    options: &Options,
    pledge: &Pledge,
    given: &BTreeMap<PledgeId, Vec<(PackageRef, i64)>>,
    prepared: &mut Prepared,
) {
    let currency = prepared.instance.currency;
    let out = |prepared: &mut Prepared, reason: String, held| {
        prepared.excluded.push(Excluded { pledge: pledge.id.clone(), reason, held })
    };
    let offer = offer(state, pledge, options);
    if matches!(offer, Offer::Skip) {
        return;
    }
    let earmark = match pledge.earmark.as_ref() {
        Some(text) => match earmark_category(text) {
            Some(category) => Some(category),
            None => {
                let allowed: Vec<&str> = RequirementCategory::ALL.iter().map(|c| c.as_str()).collect();
                let reason = format!(
                    "earmark {:?} is not a requirement category ({}); held back rather than spent against it",
                    text.as_str(),
                    allowed.join(", ")
                );
                return out(prepared, reason, None);
            }
        },
        None => None,
    };
    let date = options.as_of;
    let cap = match pledge.cap_per_package.map(|cap| within(rates, cap, currency, date)).transpose() {
        Ok(Some(converted)) if converted.amount_minor <= 0 => {
            let reason = format!(
                "its cap per package, {}, is less than one minor unit of {currency} on {date}",
                pledge.cap_per_package.map_or(String::new(), |c| grouped(&c))
            );
            return out(prepared, reason, None);
        }
        Ok(cap) => cap.map(|c| c.amount_minor),
        Err(error) => return out(prepared, error, None),
    };
    let (amount, committed) = match offer {
        Offer::Money { amount, committed } => (amount, committed),
        Offer::Held(held, amount, reason) => {
            let converted = within(rates, amount, currency, date).ok();
            let supply = PledgeSupply {
                id: pledge.id.clone(),
                supply_minor: converted.map_or(0, |m| m.amount_minor),
                earmark,
                package: pledge.package.clone(),
                cap_minor: cap,
                given: Vec::new(),
            };
            return out(prepared, reason, Some((held, converted, supply)));
        }
        Offer::Out(reason) => return out(prepared, reason, None),
        Offer::Skip => return,
    };
    let mut supply = match within(rates, amount, currency, date) {
        Ok(supply) => supply.amount_minor,
        Err(error) => return out(prepared, error, None),
    };
    if pledge.kind.is_joint() {
        match covered_by_members(state, rates, pledge, currency, date) {
            Ok(covered) => supply = supply.saturating_sub(covered).max(0),
            Err(error) => return out(prepared, error, None),
        }
        if supply == 0 {
            return out(prepared, "its members' own pledges for the package cover it".into(), None);
        }
    }
    prepared.instance.pledges.push(PledgeSupply {
        id: pledge.id.clone(),
        supply_minor: supply,
        earmark,
        package: pledge.package.clone(),
        cap_minor: cap,
        given: given.get(&pledge.id).cloned().unwrap_or_default(),
    });
    prepared.backing.push(amount);
    prepared.committed.push(committed);
}

/// A package in the proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageProposal {
    pub package: PackageRef,
    pub priority: Option<Priority>,
    pub price: Money,
    pub allocated_before: Money,
    pub need: Money,
    pub proposed: Money,
    pub status: FundingStatus,
    /// For a package not fully funded: what blocks it, with amounts.
    pub explanations: Vec<String>,
}

/// One proposed allocation, in the package currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposedAllocation {
    pub pledge: PledgeId,
    pub package: PackageRef,
    pub amount: Money,
    /// False for announced or assumed-trigger money: shown, but not allocated by [`Proposal::commands`].
    pub committed: bool,
}

/// A pledge's supply, what the proposal uses of it and what is left, in the package currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PledgeUse {
    pub pledge: PledgeId,
    pub supply: Money,
    pub used: Money,
    pub left: Money,
    pub committed: bool,
}

/// A funding proposal: computed from the state at `log_head`, nothing written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub as_of: NaiveDate,
    /// The number of events applied to the state it was computed from.
    pub log_head: u64,
    pub currency: Currency,
    pub include_announced: bool,
    pub assume_triggers: Vec<String>,
    /// In priority order.
    pub packages: Vec<PackageProposal>,
    pub allocations: Vec<ProposedAllocation>,
    pub excluded: Vec<Excluded>,
    pub pledges: Vec<PledgeUse>,
}

impl Proposal {
    /// The allocations of committed money as commands, dated `as_of`.
    pub fn commands(&self) -> Vec<Command> {
        self.allocations
            .iter()
            .filter(|a| a.committed)
            .map(|a| Command::Allocate {
                package: a.package.clone(),
                pledge: a.pledge.clone(),
                amount: a.amount,
                date: self.as_of,
            })
            .collect()
    }
}

/// How many times a proposal is solved again after lowering supplies whose pieces round past
/// the pledge's money.
const MAX_ROUNDING_ROUNDS: usize = 8;

/// The funding proposal for the open packages of `state` on `options.as_of`.
pub fn propose(state: &State, rates: &RateTable, options: &Options) -> Result<Proposal, DomainError> {
    let mut prepared = instance(state, rates, options)?;
    for _ in 0..MAX_ROUNDING_ROUNDS {
        let solution = solve(&prepared.instance)?;
        let cuts = rounding_cuts(&prepared, &solution, rates, options.as_of)?;
        if cuts.is_empty() {
            return assemble(state, options, &prepared, &solution);
        }
        for (index, cut) in cuts {
            if let Some(pledge) = prepared.instance.pledges.get_mut(index) {
                pledge.supply_minor = pledge.supply_minor.saturating_sub(cut).max(0);
            }
        }
    }
    Err(bad(format!(
        "funding proposal: the allocations still round past some pledge's money after {MAX_ROUNDING_ROUNDS} rounds"
    )))
}

/// Per pledge in another currency: by how much (package minor units) its pieces, converted back
/// one by one as the allocation rule does, exceed its money.
fn rounding_cuts(
    prepared: &Prepared,
    solution: &Solution,
    rates: &RateTable,
    date: NaiveDate,
) -> Result<Vec<(usize, i64)>, DomainError> {
    let currency = prepared.instance.currency;
    let mut left: BTreeMap<usize, i64> = BTreeMap::new();
    for piece in &solution.pieces {
        let Some(backing) = prepared.backing.get(piece.pledge).filter(|b| b.currency != currency) else { continue };
        let back = rates.convert(Money { amount_minor: piece.amount_minor, currency }, backing.currency, date)?;
        let remaining = left.entry(piece.pledge).or_insert(backing.amount_minor);
        *remaining =
            remaining.checked_sub(back.amount_minor).ok_or_else(|| DomainError::Overflow("a pledge".into()))?;
    }
    let mut cuts = Vec::new();
    for (index, remaining) in left.into_iter().filter(|(_, r)| *r < 0) {
        let Some(backing) = prepared.backing.get(index) else { continue };
        let excess = Money { amount_minor: remaining.saturating_neg(), currency: backing.currency };
        let cut = rates.convert(excess, currency, date)?.amount_minor.saturating_add(1);
        cuts.push((index, cut));
    }
    Ok(cuts)
}

fn money(amount_minor: i64, currency: Currency) -> Money {
    Money { amount_minor, currency }
}

fn assemble(
    state: &State,
    options: &Options,
    prepared: &Prepared,
    solution: &Solution,
) -> Result<Proposal, DomainError> {
    let instance = &prepared.instance;
    let currency = instance.currency;
    let mut used = vec![0i64; instance.pledges.len()];
    let mut allocations = Vec::with_capacity(solution.pieces.len());
    for piece in &solution.pieces {
        let (Some(pledge), Some(package), Some(sum)) =
            (instance.pledges.get(piece.pledge), instance.packages.get(piece.package), used.get_mut(piece.pledge))
        else {
            return Err(bad("funding proposal: a piece names no pledge or package".into()));
        };
        *sum = sum.checked_add(piece.amount_minor).ok_or_else(|| DomainError::Overflow("a pledge's use".into()))?;
        allocations.push(ProposedAllocation {
            pledge: pledge.id.clone(),
            package: package.id.clone(),
            amount: money(piece.amount_minor, currency),
            committed: prepared.committed.get(piece.pledge).copied().unwrap_or(false),
        });
    }
    let pledges: Vec<PledgeUse> = instance
        .pledges
        .iter()
        .zip(&used)
        .zip(&prepared.committed)
        .map(|((pledge, used), committed)| PledgeUse {
            pledge: pledge.id.clone(),
            supply: money(pledge.supply_minor, currency),
            used: money(*used, currency),
            left: money(pledge.supply_minor.saturating_sub(*used), currency),
            committed: *committed,
        })
        .collect();
    let explainer = Explainer { prepared, solution, pledges: &pledges };
    let mut packages = Vec::with_capacity(instance.packages.len());
    for (index, need) in instance.packages.iter().enumerate() {
        let found = state.package(&need.id)?;
        let price = found.price.ok_or_else(|| bad(format!("package {} has no price", need.id)))?;
        let status = solution.status.get(index).copied().unwrap_or(FundingStatus::Unfunded);
        packages.push(PackageProposal {
            package: need.id.clone(),
            priority: need.priority,
            price,
            allocated_before: found.allocated(),
            need: money(need.need_minor, currency),
            proposed: money(solution.amounts_minor.get(index).copied().unwrap_or(0), currency),
            status,
            explanations: match status {
                FundingStatus::Funded => Vec::new(),
                _ => explainer.explain(index),
            },
        });
    }
    Ok(Proposal {
        as_of: options.as_of,
        log_head: state.events_applied,
        currency,
        include_announced: options.include_announced,
        assume_triggers: options.assume_triggers.clone(),
        packages,
        allocations,
        excluded: prepared.excluded.clone(),
        pledges,
    })
}

/// `USD 120,000,000.00`.
pub fn grouped(money: &Money) -> String {
    let text = money.to_decimal_string();
    let (sign, digits) = text.strip_prefix('-').map_or(("", text.as_str()), |rest| ("-", rest));
    let (whole, fraction) = digits.split_once('.').map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut out = String::with_capacity(whole.len().saturating_mul(2));
    let length = whole.len();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && length.saturating_sub(index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{} {sign}{out}.{fraction}", money.currency),
        None => format!("{} {sign}{out}", money.currency),
    }
}

struct Explainer<'a> {
    prepared: &'a Prepared,
    solution: &'a Solution,
    pledges: &'a [PledgeUse],
}

impl Explainer<'_> {
    fn show(&self, amount_minor: i64) -> String {
        grouped(&money(amount_minor, self.prepared.instance.currency))
    }

    /// What blocks package `index`: its shortfall, what went above it, the constraints that
    /// keep money left over away from it, and the money held back that could have come.
    fn explain(&self, index: usize) -> Vec<String> {
        let instance = &self.prepared.instance;
        let Some(package) = instance.packages.get(index) else { return Vec::new() };
        let proposed = self.solution.amounts_minor.get(index).copied().unwrap_or(0);
        let mut lines = vec![format!("shortfall {}", self.show(package.need_minor.saturating_sub(proposed)))];
        let above: i128 = self
            .solution
            .pieces
            .iter()
            .filter(|p| p.package < index && instance.pledges.get(p.pledge).is_some_and(|s| s.may_fund(package)))
            .map(|p| i128::from(p.amount_minor))
            .sum();
        if above > 0 {
            let above = i64::try_from(above).unwrap_or(i64::MAX);
            lines.push(format!("{} it could have had went to higher-priority packages", self.show(above)));
        }
        let mut earmarked: BTreeMap<RequirementCategory, i64> = BTreeMap::new();
        let mut eligible_left: i64 = 0;
        for (pledge, usage) in instance.pledges.iter().zip(self.pledges) {
            let left = usage.left.amount_minor;
            if left <= 0 {
                continue;
            }
            match (&pledge.package, pledge.earmark) {
                (Some(tied), _) if *tied != package.id => {
                    lines.push(format!("pledge {} is tied to package {tied} ({} left)", pledge.id, self.show(left)));
                }
                (_, Some(category)) if !package.categories.contains(&category) => {
                    let sum = earmarked.entry(category).or_default();
                    *sum = sum.saturating_add(left);
                }
                _ => {
                    let given = self.given(pledge, index);
                    let cap_left = pledge.cap_for(package);
                    if let Some(cap) = pledge.cap_minor.filter(|_| cap_left.is_some_and(|left| given >= left)) {
                        lines.push(format!(
                            "pledge {} is capped at {} per package ({} of it left)",
                            pledge.id,
                            self.show(cap),
                            self.show(left)
                        ));
                    } else {
                        eligible_left = eligible_left.saturating_add(left.min(pledge.cap_minor.unwrap_or(left)));
                    }
                }
            }
        }
        let categories: Vec<&str> = package.categories.iter().map(|c| c.as_str()).collect();
        let categories =
            if categories.is_empty() { "a package without categories".into() } else { categories.join(", ") };
        for (category, sum) in earmarked {
            lines.push(format!("{} earmarked to {category} cannot go to {categories}", self.show(sum)));
        }
        self.explain_rest(index, eligible_left, &mut lines);
        lines
    }

    fn given(&self, pledge: &PledgeSupply, package: usize) -> i64 {
        let instance = &self.prepared.instance;
        self.solution
            .pieces
            .iter()
            .filter(|p| p.package == package && instance.pledges.get(p.pledge).is_some_and(|s| s.id == pledge.id))
            .map(|p| p.amount_minor)
            .sum()
    }

    fn explain_rest(&self, index: usize, eligible_left: i64, lines: &mut Vec<String>) {
        let instance = &self.prepared.instance;
        let Some(package) = instance.packages.get(index) else { return };
        let first_short = self.solution.status.iter().position(|s| *s != FundingStatus::Funded);
        if let Some(first) = first_short.filter(|first| *first < index && eligible_left > 0) {
            let name = instance.packages.get(first).map(|p| p.id.to_string()).unwrap_or_default();
            lines.push(format!(
                "{} that could come here is left unallocated: what is left goes only to package {name}, the first that cannot be fully funded",
                self.show(eligible_left)
            ));
        }
        for excluded in &self.prepared.excluded {
            let Some((held, amount, supply)) = &excluded.held else { continue };
            if !supply.may_fund(package) {
                continue;
            }
            let amount = amount.map(|a| grouped(&a)).unwrap_or_else(|| "an amount".into());
            lines.push(match held {
                Held::Announced => {
                    format!(
                        "{amount} of pledge {} is announced, not committed (use --include-announced)",
                        excluded.pledge
                    )
                }
                Held::Trigger(trigger) => format!(
                    "pledge {} ({amount}) waits for trigger {trigger} (--assume-trigger {trigger})",
                    excluded.pledge
                ),
            });
        }
        if lines.len() == 1 {
            lines.push("no pledge in the proposal may fund this package".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(id: &str, need: i64, categories: &[RequirementCategory]) -> PackageNeed {
        PackageNeed {
            id: PackageRef::parse(id).unwrap(),
            priority: None,
            need_minor: need,
            categories: categories.to_vec(),
        }
    }

    fn pledge(id: &str, supply: i64) -> PledgeSupply {
        PledgeSupply {
            id: PledgeId::parse(id).unwrap(),
            supply_minor: supply,
            earmark: None,
            package: None,
            cap_minor: None,
            given: Vec::new(),
        }
    }

    fn check(packages: Vec<PackageNeed>, pledges: Vec<PledgeSupply>, expect: &[i64]) {
        let instance = Instance { currency: Currency::USD, packages, pledges };
        assert_eq!(solve(&instance).unwrap().amounts_minor, expect);
    }

    #[test]
    fn funds_in_order_then_gives_the_rest_to_the_first_short() {
        use RequirementCategory::*;
        // 100 for A (60), B (70), C (30): A funded, B short, C funded, B gets the 10 left.
        check(
            vec![package("A", 60, &[Armour]), package("B", 70, &[Armour]), package("C", 30, &[Armour])],
            vec![pledge("p", 100)],
            &[60, 10, 30],
        );
        // An earmark keeps money from a package.
        let earmarked = PledgeSupply { earmark: Some(AirDefence), ..pledge("e", 50) };
        check(vec![package("A", 50, &[Armour]), package("B", 50, &[AirDefence])], vec![earmarked], &[0, 50]);
        // A cap per package splits a pledge.
        let capped = PledgeSupply { cap_minor: Some(30), ..pledge("c", 100) };
        check(vec![package("A", 30, &[Armour]), package("B", 30, &[Drones])], vec![capped.clone()], &[30, 30]);
        // Neither 50 can be met under the cap: only the first short package gets money.
        check(vec![package("A", 50, &[Armour]), package("B", 50, &[Drones])], vec![capped], &[30, 0]);
        // A tie.
        let tied = PledgeSupply { package: Some(PackageRef::parse("B").unwrap()), ..pledge("t", 100) };
        check(vec![package("A", 50, &[Armour]), package("B", 50, &[Drones])], vec![tied], &[0, 50]);
    }

    #[test]
    fn bad_instances_are_named() {
        let instance = Instance { currency: Currency::USD, packages: vec![package("A", -1, &[])], pledges: vec![] };
        assert_eq!(solve(&instance).unwrap_err().to_string(), "package A (#0): need -1 is out of range");
        let instance =
            Instance { currency: Currency::USD, packages: vec![], pledges: vec![pledge("p", 1), pledge("p", 2)] };
        assert_eq!(solve(&instance).unwrap_err().to_string(), "pledge p is listed twice");
    }

    #[test]
    fn earmarks_are_normalised() {
        assert_eq!(earmark_category(" Air defence "), Some(RequirementCategory::AirDefence));
        assert_eq!(earmark_category("artillery_ammunition"), Some(RequirementCategory::ArtilleryAmmunition));
        assert_eq!(earmark_category("Patriot"), None);
    }

    #[test]
    fn amounts_are_grouped() {
        assert_eq!(grouped(&Money::new(12_000_000_000, Currency::EUR).unwrap()), "EUR 120,000,000.00");
        assert_eq!(grouped(&Money::new(-5, Currency::USD).unwrap()), "USD -0.05");
        assert_eq!(grouped(&Money::new(100_000, Currency::USD).unwrap()), "USD 1,000.00");
    }
}
