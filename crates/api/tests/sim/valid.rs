//! Plausible commands of every kind, each issued by the role whose job it is, built as the JSON a
//! client would send. They are chosen from what the state holds (pledges to commit, packages to
//! move on), so a long run walks packages from requirement to delivery. Restricted fields carry
//! planted markers ([`Ctx::marker`]) for the confidentiality oracle.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};
use tranche_core::auth::Role;
use tranche_core::procurement::{Outcome, PackageState, Procedure, Subject};
use tranche_core::{Account, Contributor, Currency, Money, PartyId, PartyRole, Pledge, PledgeStatus, RateTable, State};

use super::rng::Rng;

/// The prefix of every planted restricted text; no public read may ever hold it.
pub const SECRET: &str = "SECRET7f3a";
/// Restricted quantities are this plus a serial: their digits never occur by chance.
pub const SECRET_QUANTITY: u64 = 918_273_645_000;
/// The digits every planted quantity starts with.
pub const SECRET_DIGITS: &str = "918273645";

/// Currencies pledges come in (all with ECB rates over the simulated dates).
const CURRENCIES: &[&str] = &["EUR", "USD", "GBP", "NOK", "SEK", "DKK", "PLN", "CAD", "JPY", "CZK"];

/// What a builder reads: the state, the rates, the simulated date, and fresh serials.
pub struct Ctx<'a> {
    pub state: &'a State,
    pub rates: &'a RateTable,
    pub date: NaiveDate,
    pub rng: &'a mut Rng,
    pub serial: &'a mut u64,
}

pub type Built = Option<(Role, Value)>;
type Builder = fn(&mut Ctx) -> Built;

/// Every kind of valid command with its weight; packages need many steps, so theirs weigh more.
pub const BUILDERS: &[(&str, u32, Builder)] = &[
    ("announce-pledge", 14, announce),
    ("announce-joint", 3, announce_joint),
    ("commit-pledge", 10, commit),
    ("pay-pledge", 10, pay),
    ("withdraw-pledge", 2, withdraw),
    ("supersede-pledge", 2, supersede),
    ("record-participation", 2, participation),
    ("set-target", 1, target),
    ("register-party", 1, register_party),
    ("define-group", 1, define_group),
    ("submit-requirement", 6, requirement),
    ("prioritise-list", 3, prioritise),
    ("draft-package", 5, draft),
    ("quote-package", 5, quote),
    ("propose-package", 5, propose),
    ("open-decision", 5, open_decision),
    ("respond-to-decision", 8, respond),
    ("approve-package", 5, approve),
    ("open-package", 5, open_package),
    ("allocate", 10, allocate),
    ("declare-trigger", 1, declare_trigger),
    ("convert-cash", 3, convert_cash),
    ("contract-package", 4, contract),
    ("disburse", 5, disburse),
    ("record-delivery", 5, record_delivery),
    ("confirm-delivery", 5, confirm_delivery),
    ("close-package", 3, close),
    ("cancel-package", 1, cancel),
];

impl<'a> Ctx<'a> {
    pub fn next(&mut self) -> u64 {
        *self.serial += 1;
        *self.serial
    }

    /// A fresh restricted text holding the secret prefix.
    pub fn marker(&mut self, what: &str) -> String {
        format!("{SECRET}-{} {what}", self.next())
    }

    pub fn day(&self) -> String {
        self.date.to_string()
    }

    /// A day on or after `earliest`: mostly the simulated date.
    fn day_from(&mut self, earliest: NaiveDate) -> String {
        earliest.max(self.date - Duration::days(self.rng.below(3) as i64)).to_string()
    }

    fn source(&mut self) -> Value {
        let confidence = *self.rng.pick(&["confirmed", "reported", "uncertain"]).expect("non-empty");
        json!({"url": format!("https://example.org/sim/{}", self.next()), "date": self.day(), "confidence": confidence})
    }

    fn contributors(&self) -> Vec<PartyId> {
        let parties = self.state.parties.values();
        parties.filter(|p| p.role == PartyRole::Contributor).map(|p| p.id).collect()
    }

    fn pick_party(&mut self) -> Option<PartyId> {
        let parties = self.contributors();
        self.rng.pick(&parties).copied()
    }

    fn pledges_where(&self, keep: impl Fn(&Pledge) -> bool) -> Vec<&'a Pledge> {
        let state: &'a State = self.state;
        state.pledges().iter().filter(|p| keep(p)).collect()
    }

    fn packages_in(&self, states: &[PackageState]) -> Vec<&'a tranche_core::procurement::Package> {
        let state: &'a State = self.state;
        state.packages.values().filter(|p| states.contains(&p.state)).collect()
    }

    fn package_currency(&self) -> Currency {
        self.state.mechanism.as_ref().map_or(Currency::USD, |m| m.package_currency)
    }

    /// Cash the fund holds in a currency, in minor units.
    fn cash(&self, currency: Currency) -> i64 {
        let held = self.state.books.balance(&Account::Cash(currency), currency);
        i64::try_from(held).unwrap_or(i64::MAX)
    }
}

pub fn money(amount_minor: i64, currency: &str) -> Value {
    json!({"amount_minor": amount_minor, "currency": currency})
}

fn money_of(money: Money) -> Value {
    json!({"amount_minor": money.amount_minor, "currency": money.currency.code()})
}

/// The role that acts for a pledge: its own contributor when it pledges alone, else the
/// coordinator (who records public pledges).
fn owner_or_coordinator(ctx: &mut Ctx, pledge: &Pledge) -> Role {
    match &pledge.contributor {
        Contributor::Party(party) if ctx.rng.chance(70) => Role::Contributor(*party),
        _ => Role::Coordinator,
    }
}

fn announcement(ctx: &mut Ctx, contributor: Value, kind: &str, amount: Value) -> Value {
    let package = match ctx.rng.chance(15) {
        true => ctx.rng.pick(&ctx.packages_in(&[PackageState::Open])).map(|p| p.id.to_string()),
        false => None,
    };
    let contingent = ctx.rng.chance(5).then(|| format!("sim-trigger-{}", ctx.rng.below(4)));
    let note = ctx.rng.chance(30).then(|| format!("simulated pledge {}", ctx.next()));
    json!({
        "pledge": format!("SIM-P{}", ctx.next()), "kind": kind, "contributor": contributor,
        "amount": amount, "package": package, "earmark": ctx.rng.chance(10).then_some("Air defence"),
        "date": ctx.day(), "source": ctx.source(), "note": note, "contingent_on": contingent,
    })
}

fn random_amount(ctx: &mut Ctx) -> Value {
    let currency = *ctx.rng.pick(CURRENCIES).expect("non-empty");
    money(ctx.rng.magnitude(5, 11), currency)
}

fn announce(ctx: &mut Ctx) -> Built {
    let party = ctx.pick_party()?;
    let amount = if ctx.rng.chance(12) { Value::Null } else { random_amount(ctx) };
    let mut announcement = announcement(ctx, json!({"party": party.as_str()}), "solo", amount.clone());
    if amount.is_null() {
        announcement["contingent_on"] = Value::Null;
    }
    let own = |p: &Pledge| p.status == PledgeStatus::Announced && p.contributor == Contributor::Party(party);
    let supersedes = match ctx.rng.chance(15) {
        true => ctx.rng.pick(&ctx.pledges_where(own)).map(|p| p.id.to_string()),
        false => None,
    };
    let actor = if ctx.rng.chance(75) { Role::Contributor(party) } else { Role::Coordinator };
    Some((actor, json!({"type": "announce-pledge", "announcement": announcement, "supersedes": supersedes})))
}

/// A joint pledge recorded by the coordinator, with shares as percentages or amounts.
fn announce_joint(ctx: &mut Ctx) -> Built {
    let mut parties = ctx.contributors();
    ctx.rng.shuffle(&mut parties);
    parties.truncate(2 + ctx.rng.below(2) as usize);
    if parties.len() < 2 {
        return None;
    }
    let members: Vec<&str> = parties.iter().map(PartyId::as_str).collect();
    let whole = ctx.rng.magnitude(6, 11) * 100;
    let shares: Vec<Value> = match ctx.rng.chance(50) {
        true => split(whole, members.len()).iter().zip(&members).map(|(a, p)| share(p, money(*a, "EUR"))).collect(),
        false => {
            split(100, members.len()).iter().zip(&members).map(|(pc, p)| share(p, json!({"percent": pc}))).collect()
        }
    };
    let mut announcement = announcement(ctx, json!({"joint": members}), "joint-package", money(whole, "EUR"));
    announcement["shares"] = Value::from(shares);
    Some((Role::Coordinator, json!({"type": "announce-pledge", "announcement": announcement, "supersedes": null})))
}

fn share(party: &str, share: Value) -> Value {
    let share = match share.get("percent") {
        Some(percent) => json!({"percent": percent.to_string()}),
        None => json!({"amount": share}),
    };
    json!({"party": party, "share": share})
}

/// `whole` in `parts` positive parts that add up to it exactly.
fn split(whole: i64, parts: usize) -> Vec<i64> {
    let each = whole / parts as i64;
    let mut out = vec![each; parts];
    out[0] += whole - each * parts as i64;
    out
}

fn commit(ctx: &mut Ctx) -> Built {
    let state = ctx.state;
    let date = ctx.date;
    let ready = |p: &Pledge| p.status == PledgeStatus::Announced && !state.is_pending_contingent(p, date);
    let pledge = *ctx.rng.pick(&ctx.pledges_where(ready))?;
    let amount = match (pledge.announced, ctx.rng.chance(30)) {
        (Some(announced), true) => money(announced.amount_minor / 10 * 9, announced.currency.code()),
        (Some(_), false) => Value::Null,
        (None, _) => random_amount(ctx),
    };
    let actor = owner_or_coordinator(ctx, pledge);
    let day = ctx.day_from(pledge.date);
    Some((actor, json!({"type": "commit-pledge", "pledge": pledge.id.to_string(), "amount": amount, "date": day})))
}

fn pay(ctx: &mut Ctx) -> Built {
    let payable = |p: &Pledge| matches!(p.status, PledgeStatus::Committed | PledgeStatus::PartPaid);
    let pledge = *ctx.rng.pick(&ctx.pledges_where(payable))?;
    let outstanding = pledge.outstanding()?;
    let part = match ctx.rng.chance(50) {
        true => outstanding.amount_minor,
        false => (outstanding.amount_minor / 3).max(1),
    };
    let day = ctx.day_from(pledge.committed_on?);
    let amount = match ctx.rng.chance(20) {
        // Paid in another currency: converted at the day's rate, a little under to stay within.
        true => ctx
            .rates
            .convert(Money { amount_minor: part / 10 * 9, ..outstanding }, Currency::EUR, ctx.date)
            .map(money_of)
            .unwrap_or_else(|_| money(part, outstanding.currency.code())),
        false => money(part, outstanding.currency.code()),
    };
    let actor = owner_or_coordinator(ctx, pledge);
    Some((actor, json!({"type": "pay-pledge", "pledge": pledge.id.to_string(), "amount": amount, "date": day})))
}

fn withdraw(ctx: &mut Ctx) -> Built {
    let open = |p: &Pledge| {
        matches!(p.status, PledgeStatus::Announced | PledgeStatus::Committed | PledgeStatus::PartPaid)
            && !p.allocated.is_some_and(|a| a.is_positive())
    };
    let pledge = *ctx.rng.pick(&ctx.pledges_where(open))?;
    let actor = owner_or_coordinator(ctx, pledge);
    let day = ctx.day_from(pledge.date);
    let reason = ctx.rng.chance(50).then_some("budget moved");
    Some((actor, json!({"type": "withdraw-pledge", "pledge": pledge.id.to_string(), "date": day, "reason": reason})))
}

fn supersede(ctx: &mut Ctx) -> Built {
    let announced = |p: &Pledge| p.status == PledgeStatus::Announced;
    let old = *ctx.rng.pick(&ctx.pledges_where(announced))?;
    let same = |p: &Pledge| p.contributor == old.contributor && p.id != old.id;
    let by = *ctx.rng.pick(&ctx.pledges_where(same))?;
    let actor = owner_or_coordinator(ctx, old);
    let day = ctx.day_from(old.date);
    let command =
        json!({"type": "supersede-pledge", "pledge": old.id.to_string(), "by": by.id.to_string(), "date": day});
    Some((actor, command))
}

fn participation(ctx: &mut Ctx) -> Built {
    let party = ctx.pick_party()?;
    let status = *ctx.rng.pick(&["participating", "declined", "deferred", "participating"]).expect("non-empty");
    let actor = if ctx.rng.chance(60) { Role::Contributor(party) } else { Role::Coordinator };
    let source = ctx.source();
    let command = json!({"type": "record-participation", "party": party.as_str(), "status": status, "source": source, "note": null});
    Some((actor, command))
}

fn target(ctx: &mut Ctx) -> Built {
    let kind = *ctx.rng.pick(&["monthly-run-rate", "cumulative-goal", "annual-need"]).expect("non-empty");
    let target = json!({
        "id": format!("SIM-T{}", ctx.next()), "kind": kind, "amount": money(ctx.rng.magnitude(9, 12), "USD"),
        "date": ctx.day(), "source": ctx.source(), "note": null,
    });
    Some((Role::Coordinator, json!({"type": "set-target", "target": target})))
}

/// A party id made of capitals only (`SIMAB`), from a serial.
fn party_id(mut serial: u64) -> String {
    let mut id = String::from("SIM");
    for _ in 0..3 {
        id.push(char::from(b'A' + (serial % 26) as u8));
        serial /= 26;
    }
    id
}

fn register_party(ctx: &mut Ctx) -> Built {
    let id = party_id(ctx.next());
    let party = json!({
        "id": id, "name": format!("Simulated state {id}"), "kind": "state", "role": "contributor",
        "gdp_2021_bn_eur": ctx.rng.chance(50).then(|| ctx.rng.between(1, 4000).to_string()),
    });
    let actor = if ctx.rng.chance(50) { Role::Coordinator } else { Role::Admin };
    Some((actor, json!({"type": "register-party", "party": party})))
}

fn define_group(ctx: &mut Ctx) -> Built {
    let mut parties = ctx.contributors();
    ctx.rng.shuffle(&mut parties);
    parties.truncate(3);
    let members: Vec<&str> = parties.iter().map(PartyId::as_str).collect();
    let group = json!({"id": format!("SIM-G{}", ctx.next()), "name": "Simulated group", "members": members});
    Some((Role::Coordinator, json!({"type": "define-group", "group": group})))
}

fn requirement(ctx: &mut Ctx) -> Built {
    let category = *ctx.rng.pick(&["air-defence", "drones", "medical", "armour", "other"]).expect("non-empty");
    let month = (ctx.date + Duration::days(ctx.rng.below(40) as i64)).format("%Y-%m").to_string();
    let quantity = ctx.rng.chance(80).then(|| SECRET_QUANTITY + ctx.next());
    let requirement = json!({
        "id": format!("SIM-Q{}", ctx.next()), "category": category,
        "estimated_cost": money(ctx.rng.magnitude(7, 10), ctx.package_currency().code()),
        "month": month, "submitted_on": ctx.day(),
        "restricted": {"quantity": quantity, "description": ctx.marker("requirement")},
    });
    Some((Role::Recipient, json!({"type": "submit-requirement", "requirement": requirement})))
}

fn prioritise(ctx: &mut Ctx) -> Built {
    let requirement = ctx.rng.pick(&ctx.state.requirements.values().collect::<Vec<_>>()).copied()?;
    let month = requirement.month;
    let mut order: Vec<String> =
        ctx.state.requirements.values().filter(|r| r.month == month).map(|r| r.id.to_string()).collect();
    ctx.rng.shuffle(&mut order);
    let command = json!({"type": "prioritise-list", "month": month.to_string(), "order": order, "date": ctx.day()});
    Some((Role::Recipient, command))
}

/// Requirements no live package bundles yet.
fn unbundled(state: &State) -> Vec<String> {
    let bundled =
        |id| state.packages.values().any(|p| p.state != PackageState::Cancelled && p.requirements.contains(id));
    state.requirements.keys().filter(|id| !bundled(*id)).map(ToString::to_string).collect()
}

fn draft(ctx: &mut Ctx) -> Built {
    let mut free = unbundled(ctx.state);
    ctx.rng.shuffle(&mut free);
    free.truncate(1 + ctx.rng.below(3) as usize);
    if free.is_empty() {
        return None;
    }
    let command = json!({
        "type": "draft-package", "package": format!("SIM-K{}", ctx.next()), "name": ctx.marker("package"),
        "requirements": free, "date": ctx.day(),
    });
    Some((Role::Coordinator, command))
}

/// A package in one of `states`, with its id.
fn package_in(ctx: &mut Ctx, states: &[PackageState]) -> Option<String> {
    ctx.rng.pick(&ctx.packages_in(states)).map(|p| p.id.to_string())
}

fn quote(ctx: &mut Ctx) -> Built {
    let id = package_in(ctx, &[PackageState::Draft, PackageState::Proposed])?;
    let package = &ctx.state.packages.values().find(|p| p.id.as_str() == id)?;
    let estimate: i64 = package
        .requirements
        .iter()
        .filter_map(|r| ctx.state.requirements.get(r))
        .map(|r| r.estimated_cost.amount_minor)
        .sum();
    let price = money((estimate / 100 * ctx.rng.between(90, 110)).max(1), package.currency.code());
    Some((Role::Supplier, json!({"type": "quote-package", "package": id, "price": price, "date": ctx.day()})))
}

fn propose(ctx: &mut Ctx) -> Built {
    let id = package_in(ctx, &[PackageState::Draft])?;
    Some((Role::Coordinator, json!({"type": "propose-package", "package": id, "date": ctx.day()})))
}

fn open_decision(ctx: &mut Ctx) -> Built {
    let decided: Vec<&Subject> = ctx.state.decisions.values().map(|d| &d.subject).collect();
    let proposed: Vec<String> = ctx
        .packages_in(&[PackageState::Proposed])
        .iter()
        .filter(|p| !decided.contains(&&Subject::Package(p.id.clone())))
        .map(|p| p.id.to_string())
        .collect();
    let subject = match ctx.rng.pick(&proposed) {
        Some(package) => json!({"package": package}),
        None => {
            let (month, versions) = ctx.rng.pick(&ctx.state.lists.iter().collect::<Vec<_>>()).copied()?;
            json!({"list": {"month": month.to_string(), "version": versions.len()}})
        }
    };
    let mut participants = ctx.contributors();
    ctx.rng.shuffle(&mut participants);
    participants.truncate(1 + ctx.rng.below(3) as usize);
    let participants: Vec<&str> = participants.iter().map(PartyId::as_str).collect();
    let procedure = match ctx.rng.chance(50) {
        true => json!("consensus"),
        false => json!({"silence": {"deadline": (ctx.date + Duration::days(ctx.rng.below(10) as i64)).to_string()}}),
    };
    let command = json!({
        "type": "open-decision", "decision": format!("SIM-D{}", ctx.next()), "subject": subject,
        "procedure": procedure, "participants": participants, "date": ctx.day(),
    });
    Some((Role::Coordinator, command))
}

fn respond(ctx: &mut Ctx) -> Built {
    let date = ctx.date;
    let waiting: Vec<(String, PartyId, NaiveDate)> = ctx
        .state
        .decisions
        .values()
        .filter(|d| d.outcome(date) == Outcome::Pending)
        .flat_map(|d| {
            let answered = |p: &PartyId| d.responses.iter().any(|r| r.0 == *p) || d.not_asked.contains(p);
            d.participants.iter().filter(move |p| !answered(p)).map(move |p| (d.id.to_string(), *p, d.opened_on))
        })
        .collect();
    let (decision, party, opened) = ctx.rng.pick(&waiting).cloned()?;
    let response = match ctx.rng.below(20) {
        0 => json!("object"),
        1 | 2 => json!({"reservation": "with a reservation on delivery dates"}),
        _ => json!("approve"),
    };
    let day = ctx.day_from(opened);
    let command = json!({"type": "respond-to-decision", "decision": decision, "party": party.as_str(), "response": response, "date": day});
    Some((Role::Contributor(party), command))
}

fn approve(ctx: &mut Ctx) -> Built {
    let date = ctx.date;
    let adopted: Vec<(String, String, NaiveDate)> = ctx
        .state
        .decisions
        .values()
        .filter_map(|d| match (&d.subject, d.procedure, d.outcome(date)) {
            (Subject::Package(p), _, Outcome::Adopted { on }) => Some((p.to_string(), d.id.to_string(), on)),
            (Subject::Package(p), Procedure::Silence { deadline }, Outcome::Pending) => {
                Some((p.to_string(), d.id.to_string(), deadline))
            }
            _ => None,
        })
        .filter(|(p, _, _)| {
            ctx.state.packages.values().any(|k| k.id.as_str() == p && k.state == PackageState::Proposed)
        })
        .collect();
    let (package, decision, on) = ctx.rng.pick(&adopted).cloned()?;
    let day = on.max(date).to_string();
    let command = json!({"type": "approve-package", "package": package, "decision": decision, "date": day});
    Some((Role::Coordinator, command))
}

fn open_package(ctx: &mut Ctx) -> Built {
    let id = package_in(ctx, &[PackageState::Approved])?;
    Some((Role::Coordinator, json!({"type": "open-package", "package": id, "date": ctx.day()})))
}

fn allocate(ctx: &mut Ctx) -> Built {
    let package = *ctx.rng.pick(&ctx.packages_in(&[PackageState::Open]))?;
    let remaining = package.price?.amount_minor - package.allocated().amount_minor;
    let fits = |p: &Pledge| {
        matches!(p.status, PledgeStatus::Committed | PledgeStatus::PartPaid | PledgeStatus::Paid)
            && p.package.as_ref().is_none_or(|k| *k == package.id)
            && p.unallocated().is_some_and(|u| u.is_positive())
    };
    let pledge = *ctx.rng.pick(&ctx.pledges_where(fits))?;
    let available = ctx.rates.convert(pledge.unallocated()?, package.currency, ctx.date).ok()?;
    let amount = remaining.min(available.amount_minor / 100 * 99).max(1);
    let command = json!({
        "type": "allocate", "package": package.id.to_string(), "pledge": pledge.id.to_string(),
        "amount": money(amount, package.currency.code()), "date": ctx.day(),
    });
    Some((Role::Coordinator, command))
}

fn declare_trigger(ctx: &mut Ctx) -> Built {
    let waiting: Vec<String> = ctx
        .state
        .pledges()
        .iter()
        .filter_map(|p| p.contingent_on.clone())
        .filter(|t| !ctx.state.triggers.contains_key(t))
        .collect();
    let trigger = ctx.rng.pick(&waiting)?.clone();
    Some((Role::Coordinator, json!({"type": "declare-trigger", "trigger": trigger, "date": ctx.day()})))
}

/// Cash of another currency converted into the package currency, so disbursements can go on.
fn convert_cash(ctx: &mut Ctx) -> Built {
    let to = ctx.package_currency();
    let held: Vec<(Currency, i64)> = CURRENCIES
        .iter()
        .filter_map(|c| Currency::parse(c).ok())
        .filter(|c| *c != to)
        .map(|c| (c, ctx.cash(c)))
        .filter(|(_, cash)| *cash > 0)
        .collect();
    let (from, cash) = *ctx.rng.pick(&held)?;
    let amount = if ctx.rng.chance(50) { cash } else { (cash / 2).max(1) };
    let command =
        json!({"type": "convert-cash", "from": money(amount, from.code()), "to": to.code(), "date": ctx.day()});
    Some((Role::Coordinator, command))
}

fn contract(ctx: &mut Ctx) -> Built {
    let id = package_in(ctx, &[PackageState::Funded])?;
    Some((Role::Supplier, json!({"type": "contract-package", "package": id, "date": ctx.day()})))
}

fn disburse(ctx: &mut Ctx) -> Built {
    let states = [PackageState::Contracted, PackageState::Delivering, PackageState::Delivered];
    let package = *ctx.rng.pick(&ctx.packages_in(&states))?;
    let available = package.allocated().amount_minor - package.disbursed.amount_minor;
    let amount = available.min(ctx.cash(package.currency));
    if amount <= 0 {
        return None;
    }
    let command = json!({
        "type": "disburse", "package": package.id.to_string(),
        "amount": money(amount, package.currency.code()), "date": ctx.day(),
    });
    Some((Role::Supplier, command))
}

fn record_delivery(ctx: &mut Ctx) -> Built {
    let package = *ctx.rng.pick(&ctx.packages_in(&[PackageState::Contracted, PackageState::Delivering]))?;
    let open: Vec<_> = package.requirements.iter().filter(|r| !package.deliveries.contains_key(*r)).collect();
    let requirement = ctx.rng.pick(&open)?.to_string();
    let value = package.price?.amount_minor / package.requirements.len().max(1) as i64;
    let command = json!({
        "type": "record-delivery", "package": package.id.to_string(), "requirement": requirement,
        "quantity": SECRET_QUANTITY + ctx.next(), "value": money(value.max(1), package.currency.code()),
        "date": ctx.day(),
    });
    Some((Role::Supplier, command))
}

fn confirm_delivery(ctx: &mut Ctx) -> Built {
    let package = *ctx.rng.pick(&ctx.packages_in(&[PackageState::Delivering]))?;
    let waiting: Vec<_> = package.deliveries.iter().filter(|(_, d)| d.confirmed_on.is_none()).collect();
    let (requirement, delivery) = *ctx.rng.pick(&waiting)?;
    let command = json!({
        "type": "confirm-delivery", "package": package.id.to_string(), "requirement": requirement.to_string(),
        "date": ctx.day_from(delivery.date),
    });
    Some((Role::Recipient, command))
}

fn close(ctx: &mut Ctx) -> Built {
    let id = package_in(ctx, &[PackageState::Delivered])?;
    Some((Role::Coordinator, json!({"type": "close-package", "package": id, "date": ctx.day()})))
}

fn cancel(ctx: &mut Ctx) -> Built {
    use PackageState::*;
    let id = package_in(ctx, &[Draft, Proposed, Approved, Open, Funded, Contracted, Delivering])?;
    let reason = ctx.marker("cancellation");
    Some((Role::Coordinator, json!({"type": "cancel-package", "package": id, "date": ctx.day(), "reason": reason})))
}
