//! Procurement at a glance: the money-to-delivery funnel of the overview, the decisions page, and
//! a contributor's own page ("My country") with its printable statement of account. Built from
//! the state alone, like `data`; the handlers at the end only read, check who asks, and render.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use tranche_core::auth::{Reader, Role};
use tranche_core::procurement::{Decision, Outcome, PackageState, Procedure, Response as Answer};
use tranche_core::series::{COMMITTED, Flows, PAID, value_on};
use tranche_core::{Currency, DomainError, Money, PartyId, Pledge, RateTable, State, summarise};

use super::data::minor_decimal;
use super::i18n::{self, Arg, Lang};
use super::{Chrome, Format, Page, PageQuery, begin, charts, download, fair_share, render};
use crate::AppState;

/// One stage of the funnel: its amount in the funnel's currency, or `None` when the log records
/// nothing of the kind by the as-of date ("none recorded", never a zero).
pub struct Stage {
    pub key: &'static str,
    pub label: &'static str,
    pub definition: &'static str,
    pub amount_minor: Option<i128>,
    /// As shown: `USD 1,234.00` or `none recorded`.
    pub shown: String,
    /// The plain decimal (for `data-value`); empty when none is recorded.
    pub plain: String,
    /// The stage as a share of the pledged money, drawn as a bar.
    pub bar: String,
    pub percent: String,
}

pub struct Funnel {
    pub currency: Currency,
    pub stages: Vec<Stage>,
}

impl Funnel {
    pub fn stage(&self, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.key == key)
    }
}

const DEFINITIONS: [(&str, &str, &str); 7] = [
    (
        "pledged",
        "Pledged",
        "Announced or committed money that counts by the public counting rules (superseded and withdrawn \
         records do not, a joint package counts its remainder, undisclosed amounts add nothing): the overview's \
         counted total.",
    ),
    ("committed", "Committed", "The part of the pledged money its contributors have made binding."),
    ("paid", "Paid", "Money the contributors have paid into the fund's account, on the dates received."),
    (
        "allocated",
        "Allocated",
        "Committed money the coordinator has set aside for a package, less what a cancellation released.",
    ),
    (
        "contracted",
        "Contracted",
        "The quoted price of the packages the supplier has put under contract (cancelled ones left out).",
    ),
    ("disbursed", "Disbursed", "Money the fund has paid out to the supplier for packages."),
    ("delivered", "Delivered", "The value of deliveries the recipient has confirmed."),
];

/// The funnel on `as_of`, in the package currency (USD for PURL): the pledge stages from the
/// counted series (converted at each record's date, as the counting rules do), the package
/// stages from the packages (converted at each step's date when the package currency differs).
pub fn funnel(state: &State, rates: &RateTable, as_of: NaiveDate) -> Result<Funnel, DomainError> {
    let currency = state.mechanism.as_ref().map(|m| m.package_currency).unwrap_or(Currency::USD);
    let summary = summarise(state, rates, as_of, &[currency])?;
    let now = value_on(&Flows::compute(state, rates, currency)?.total(as_of), as_of);
    let pledges = state.pledges();
    let pledged = pledges
        .iter()
        .any(|p| p.date <= as_of)
        .then(|| summary.totals.get(&currency).map_or(0, |m| i128::from(m.amount_minor)));
    let committed = pledges.iter().any(|p| p.committed_on.is_some_and(|d| d <= as_of)).then_some(now[COMMITTED]);
    let paid = state.payments().iter().any(|p| p.date <= as_of).then_some(now[PAID]);
    let convert =
        |money: Money, date: NaiveDate| rates.convert(money, currency, date).map(|m| i128::from(m.amount_minor));
    let (mut allocated, mut contracted, mut disbursed, mut delivered) = (None, None, None, None);
    let add = |slot: &mut Option<i128>, minor: i128| *slot = Some(slot.unwrap_or(0).saturating_add(minor));
    for package in state.packages.values() {
        let entered = |which: PackageState| package.history.iter().find(|(s, d)| *s == which && *d <= as_of);
        let cancelled_on = entered(PackageState::Cancelled).map(|(_, d)| *d);
        for allocation in package.allocations.iter().filter(|a| a.date <= as_of) {
            add(&mut allocated, convert(allocation.amount, allocation.date)?);
        }
        if let Some(on) = cancelled_on {
            for release in &package.released {
                add(&mut allocated, -convert(release.amount, on)?);
            }
        }
        if let (Some((_, on)), Some(price), None) = (entered(PackageState::Contracted), package.price, cancelled_on) {
            add(&mut contracted, convert(price, *on)?);
        }
        for (on, amount) in package.disbursements.iter().filter(|(d, _)| *d <= as_of) {
            add(&mut disbursed, convert(*amount, *on)?);
        }
        for delivery in package.deliveries.values() {
            if let Some(on) = delivery.confirmed_on.filter(|d| *d <= as_of) {
                add(&mut delivered, convert(delivery.value, on)?);
            }
        }
    }
    let amounts = [pledged, committed, paid, allocated, contracted, disbursed, delivered];
    let base = pledged.filter(|p| *p > 0);
    let stages = DEFINITIONS
        .iter()
        .zip(amounts)
        .map(|(&(key, label, definition), amount)| {
            let share = match (amount, base) {
                (Some(a), Some(b)) => a as f64 / b as f64,
                _ => 0.0,
            };
            let percent = match (amount, base) {
                (Some(_), Some(_)) => format!("{:.1}%", share * 100.0),
                _ => "—".to_string(),
            };
            Stage {
                key,
                label,
                definition,
                amount_minor: amount,
                shown: amount
                    .map(|a| format!("{currency} {}", super::data::grouped(&minor_decimal(a, currency))))
                    .unwrap_or_else(|| "none recorded".into()),
                plain: amount.map(|a| minor_decimal(a, currency)).unwrap_or_default(),
                bar: charts::funding_bar(&format!("{label}: {percent} of the pledged money"), share),
                percent,
            }
        })
        .collect();
    Ok(Funnel { currency, stages })
}

/// A decision as the decisions page shows it (all public: procedure, responses and outcome).
pub struct DecisionRow {
    pub id: String,
    pub subject: String,
    pub opened_on: String,
    /// `consensus` or `silence`.
    pub procedure: &'static str,
    pub deadline: String,
    pub participants: Vec<String>,
    /// `(party, response, date)`, responses on or before the as-of date.
    pub responses: Vec<(String, String, String)>,
    /// Asked and not yet answered.
    pub awaiting: Vec<String>,
    pub reservations: Vec<(String, String)>,
    /// Named but not asked: their latest status is declined or non-participation.
    pub opted_out: Vec<String>,
    /// `pending`, `adopted` or `rejected`.
    pub outcome: &'static str,
    pub outcome_on: String,
    pub objected_by: String,
}

fn decision_row(decision: &Decision, as_of: NaiveDate, lang: Lang) -> DecisionRow {
    let known: Vec<_> = decision.responses.iter().filter(|r| r.2 <= as_of).collect();
    let (outcome, outcome_on, objected_by) = match decision.outcome(as_of) {
        Outcome::Pending => ("pending", String::new(), String::new()),
        Outcome::Adopted { on } => ("adopted", on.to_string(), String::new()),
        Outcome::Rejected { by, on } => ("rejected", on.to_string(), by.to_string()),
    };
    let (procedure, deadline) = match decision.procedure {
        Procedure::Consensus => ("consensus", String::new()),
        Procedure::Silence { deadline } => ("silence", deadline.to_string()),
    };
    DecisionRow {
        id: decision.id.to_string(),
        subject: decision.subject.to_string(),
        opened_on: decision.opened_on.to_string(),
        procedure,
        deadline,
        participants: decision.participants.iter().map(|p| p.to_string()).collect(),
        responses: known
            .iter()
            .map(|(party, answer, on)| {
                let text = match answer {
                    Answer::Approve => lang.t("decisions-approve"),
                    Answer::Reservation(note) => {
                        lang.t_args("decisions-approve-with-reservation", &[("note", Arg::from(note.as_str()))])
                    }
                    Answer::Object => lang.t("decisions-object"),
                };
                (party.to_string(), text, on.to_string())
            })
            .collect(),
        awaiting: decision
            .participants
            .iter()
            .filter(|p| !known.iter().any(|r| r.0 == **p))
            .map(|p| p.to_string())
            .collect(),
        reservations: known
            .iter()
            .filter_map(|(party, answer, _)| match answer {
                Answer::Reservation(note) => Some((party.to_string(), note.as_str().to_string())),
                _ => None,
            })
            .collect(),
        opted_out: decision.not_asked.iter().map(|p| p.to_string()).collect(),
        outcome,
        outcome_on,
        objected_by,
    }
}

pub struct Decisions {
    pub open: Vec<DecisionRow>,
    pub closed: Vec<DecisionRow>,
}

/// Decisions opened on or before `as_of`: open ones (pending) and closed ones (adopted or rejected).
pub fn decisions(state: &State, as_of: NaiveDate, lang: Lang) -> Decisions {
    let (open, closed) = state
        .decisions
        .values()
        .filter(|d| d.opened_on <= as_of)
        .map(|d| decision_row(d, as_of, lang))
        .partition(|row| row.outcome == "pending");
    Decisions { open, closed }
}

/// One pledge of a contributor, on the statement's as-of date.
pub struct PledgeLine {
    pub id: String,
    pub date: String,
    pub contributor: String,
    pub status: String,
    pub package: String,
    pub currency: String,
    /// Shown amounts: `undisclosed`, `—` (not yet), or a grouped decimal.
    pub announced: String,
    pub committed: String,
    pub paid: String,
    pub outstanding: String,
}

pub struct PaymentLine {
    pub date: String,
    pub pledge: String,
    pub settled: String,
}

/// Per currency of the pledges: the sums of the statement's columns.
pub struct TotalLine {
    pub currency: String,
    pub announced: String,
    pub committed: String,
    pub paid: String,
    pub outstanding: String,
}

pub struct FundedPackage {
    pub package: String,
    pub state: String,
    pub allocated: String,
    pub price: String,
    pub delivered: String,
}

pub struct Account {
    pub party: String,
    pub name: String,
    pub period_from: String,
    pub pledges: Vec<PledgeLine>,
    pub payments: Vec<PaymentLine>,
    pub totals: Vec<TotalLine>,
    pub packages: Vec<FundedPackage>,
    pub awaiting: Vec<DecisionRow>,
}

/// An amount without its currency code, written in `lang`'s way.
fn grouped_money(money: Money, lang: Lang) -> String {
    i18n::decimal(lang, &money.to_decimal_string())
}

/// `party`'s pledges (its own and the joint ones it is a member of) dated on or before `as_of`,
/// their payments up to it, the packages their allocations fund, and the open decisions that
/// wait for its response.
pub fn account(state: &State, party: &PartyId, as_of: NaiveDate, lang: Lang) -> Account {
    let own = |pledge: &Pledge| pledge.contributor.parties().contains(party) && pledge.date <= as_of;
    let mut pledges = Vec::new();
    // Per currency: announced, committed, paid, outstanding (minor units).
    let mut totals: BTreeMap<Currency, [i128; 4]> = BTreeMap::new();
    let mut payments = Vec::new();
    for (index, pledge) in state.pledges().iter().enumerate().filter(|(_, p)| own(p)) {
        let paid_minor: i128 = state
            .payments()
            .iter()
            .filter(|p| p.pledge_index == index && p.date <= as_of)
            .map(|p| i128::from(p.settled.amount_minor))
            .sum();
        for payment in state.payments().iter().filter(|p| p.pledge_index == index && p.date <= as_of) {
            payments.push(PaymentLine {
                date: payment.date.to_string(),
                pledge: pledge.id.to_string(),
                settled: i18n::money(lang, &payment.settled),
            });
        }
        let committed = pledge.committed.filter(|_| pledge.committed_on.is_some_and(|d| d <= as_of));
        let currency = committed.or(pledge.announced).map(|m| m.currency);
        let outstanding = committed.map(|c| i128::from(c.amount_minor) - paid_minor);
        if let Some(currency) = currency {
            let sums = totals.entry(currency).or_default();
            let figures = [
                pledge.announced.map_or(0, |m| i128::from(m.amount_minor)),
                committed.map_or(0, |m| i128::from(m.amount_minor)),
                paid_minor,
                outstanding.unwrap_or(0),
            ];
            for (sum, figure) in sums.iter_mut().zip(figures) {
                *sum = sum.saturating_add(figure);
            }
        }
        let in_currency =
            |minor: i128| currency.map(|c| i18n::decimal(lang, &minor_decimal(minor, c))).unwrap_or_else(|| "—".into());
        pledges.push(PledgeLine {
            id: pledge.id.to_string(),
            date: pledge.date.to_string(),
            contributor: pledge.contributor.key(),
            status: lang.t_args("my-pledge-status", &[("status", Arg::from(pledge.status.to_string()))]),
            package: pledge.package.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            currency: currency.map(|c| c.to_string()).unwrap_or_default(),
            announced: pledge.announced.map(|m| grouped_money(m, lang)).unwrap_or_else(|| lang.t("my-undisclosed")),
            committed: committed.map(|m| grouped_money(m, lang)).unwrap_or_else(|| lang.t("my-not-committed")),
            paid: if committed.is_some() || paid_minor != 0 { in_currency(paid_minor) } else { "—".into() },
            outstanding: outstanding.map(in_currency).unwrap_or_else(|| "—".into()),
        });
    }
    payments.sort_by(|a, b| (&a.date, &a.pledge).cmp(&(&b.date, &b.pledge)));
    let totals = totals
        .into_iter()
        .map(|(c, [announced, committed, paid, outstanding])| {
            let money = |minor: i128| i18n::decimal(lang, &minor_decimal(minor, c));
            TotalLine {
                currency: c.to_string(),
                announced: money(announced),
                committed: money(committed),
                paid: money(paid),
                outstanding: money(outstanding),
            }
        })
        .collect();
    let ours: Vec<&str> =
        state.pledges().iter().filter(|p| p.contributor.parties().contains(party)).map(|p| p.id.as_str()).collect();
    let packages = state
        .packages
        .values()
        .filter_map(|package| {
            let minor: i128 = package
                .allocations
                .iter()
                .filter(|a| a.date <= as_of && ours.contains(&a.pledge.as_str()))
                .map(|a| i128::from(a.amount.amount_minor))
                .sum();
            (minor != 0).then(|| FundedPackage {
                package: package.id.to_string(),
                state: lang.t_args("work-package-state", &[("state", Arg::from(package.state.to_string()))]),
                allocated: i18n::money(
                    lang,
                    &Money { amount_minor: i64::try_from(minor).unwrap_or(i64::MAX), currency: package.currency },
                ),
                price: package.price.map(|p| i18n::money(lang, &p)).unwrap_or_else(|| lang.t("my-no-price")),
                delivered: i18n::money(lang, &package.delivered_value()),
            })
        })
        .collect();
    let awaiting = state
        .decisions
        .values()
        .filter(|d| d.opened_on <= as_of && matches!(d.outcome(as_of), Outcome::Pending))
        .map(|d| decision_row(d, as_of, lang))
        .filter(|row| row.awaiting.iter().any(|p| p == party.as_str()))
        .collect();
    let first = state.pledges().iter().filter(|p| own(p)).map(|p| p.date).min();
    Account {
        party: party.to_string(),
        name: state.parties.get(party).map(|p| p.name.to_string()).unwrap_or_else(|| party.to_string()),
        period_from: first.map(|d| d.to_string()).unwrap_or_else(|| as_of.to_string()),
        pledges,
        payments,
        totals,
        packages,
        awaiting,
    }
}

#[derive(Template)]
#[template(path = "decisions.html")]
struct DecisionsPage {
    chrome: Chrome,
    download_base: &'static str,
    decisions: Decisions,
    /// The two procedures' names in bold, for the opening sentence (HTML).
    consensus_html: String,
    silence_html: String,
}

impl DecisionsPage {
    /// A deadline (an ISO date) as a `<time>` element.
    fn deadline_html(&self, date: &str) -> String {
        let date = i18n::escape_html(date);
        format!("<time datetime=\"{date}\">{date}</time>")
    }

    /// An outcome (`adopted`, `rejected`) in the page's language, in bold.
    fn outcome_html(&self, outcome: &str) -> String {
        let word = self.chrome.i18n.lang.t_args("decisions-outcome", &[("outcome", Arg::from(outcome))]);
        format!("<strong>{}</strong>", i18n::escape_html(&word))
    }
}

pub(super) async fn decisions_page(
    AxumState(state): AxumState<AppState>,
    headers: HeaderMap,
    query: PageQuery,
) -> Response {
    let Page { visitor, ledger, events, format, as_of, cutoff } = match begin(&state, &headers, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    if !matches!(format, Format::Html) {
        return download(crate::datasets::decisions(ledger.state(), as_of), format, as_of, cutoff);
    }
    let page = DecisionsPage {
        chrome: visitor.chrome("decisions", &visitor.t("nav-decisions"), as_of, cutoff, events),
        download_base: "/decisions?",
        decisions: decisions(ledger.state(), as_of, visitor.lang.lang),
        consensus_html: format!("<strong>{}</strong>", i18n::escape_html(&visitor.t("decisions-consensus-term"))),
        silence_html: format!("<strong>{}</strong>", i18n::escape_html(&visitor.t("decisions-silence-term"))),
    };
    visitor.html(StatusCode::OK, render(&page))
}

/// The contributor's own fair share under the default key, in the first reporting currency.
pub struct OwnShare {
    pub currency: String,
    pub fair_share: String,
    pub counted: String,
    pub paid: String,
    pub paid_of_fair_share: String,
}

#[derive(Template)]
#[template(path = "my.html")]
struct MyPage {
    chrome: Chrome,
    account: Account,
    share: Option<OwnShare>,
    /// Why there is no share for this party (not a carrier, or the engine's error).
    no_share: String,
}

impl MyPage {
    fn escaped(&self, text: &str) -> String {
        i18n::escape_html(text)
    }

    /// The party's code in the heading, as tests find it (HTML).
    fn party_html(&self) -> String {
        format!("<span id=\"my-party\">{}</span>", i18n::escape_html(&self.account.party))
    }
}

#[derive(Template)]
#[template(path = "statement.html")]
struct StatementPage {
    chrome: Chrome,
    account: Account,
    head: u64,
    root: String,
}

/// The party of a signed-in contributor; a message for anyone else (401 for the public).
fn own_party(visitor: &super::Visitor, events: u64) -> Result<PartyId, Response> {
    match visitor.reader {
        Reader::Role(Role::Contributor(party)) => Ok(party),
        Reader::Public => {
            Err(visitor.message(StatusCode::UNAUTHORIZED, &visitor.t("sign-in"), visitor.t("my-sign-in"), events))
        }
        Reader::Role(role) => Err(visitor.message(
            StatusCode::FORBIDDEN,
            &visitor.t("my-not-a-contributor"),
            visitor.lang.lang.t_args("my-not-a-contributor-detail", &[("role", Arg::from(role.to_string()))]),
            events,
        )),
    }
}

pub(super) async fn my_page(AxumState(state): AxumState<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let Page { visitor, ledger, events, format, as_of, cutoff } = match begin(&state, &headers, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    if !matches!(format, Format::Html) {
        return visitor.bad_request(
            "format: the My country page has no download: /records?party=YOUR-PARTY&format=csv|json gives your records"
                .into(),
            events,
        );
    }
    let party = match own_party(&visitor, events) {
        Ok(party) => party,
        Err(response) => return response,
    };
    let lang = visitor.lang.lang;
    let account = account(ledger.state(), &party, as_of, lang);
    let currency = ledger.state().reporting_currencies().first().copied().unwrap_or(Currency::EUR);
    let request = fair_share::Request { key: None, as_of, include_partners: false, currency, amount: None };
    let (share, no_share) = match fair_share::view(ledger.state(), ledger.rates(), &request, visitor.lang.lang) {
        Ok(view) => match view.carriers.iter().find(|row| row.party == party.as_str()) {
            Some(row) => (
                Some(OwnShare {
                    currency: view.currency.clone(),
                    fair_share: row.fair_share.shown.clone(),
                    counted: row.counted.shown.clone(),
                    paid: row.paid.shown.clone(),
                    paid_of_fair_share: row.paid_of_fair_share.clone(),
                }),
                String::new(),
            ),
            None => {
                let args = [
                    ("party", Arg::from(party.to_string())),
                    ("key", Arg::from(view.key.name.as_str())),
                    ("date", Arg::from(i18n::date(lang, as_of))),
                ];
                (None, lang.t_args("my-no-share", &args))
            }
        },
        Err(error) => (None, lang.t_args("my-share-error", &[("error", Arg::from(error.to_string()))])),
    };
    let chrome = visitor.chrome("my", &visitor.t("nav-my"), as_of, cutoff, events);
    let page = MyPage { chrome, account, share, no_share };
    visitor.html(StatusCode::OK, render(&page))
}

pub(super) async fn statement_page(
    AxumState(state): AxumState<AppState>,
    headers: HeaderMap,
    query: PageQuery,
) -> Response {
    let Page { visitor, ledger, events, format, as_of, cutoff } = match begin(&state, &headers, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    if !matches!(format, Format::Html) {
        return visitor.bad_request("format: the statement has no download: it is a page to print; /records?party=YOUR-PARTY&format=csv|json gives your records".into(), events);
    }
    let party = match own_party(&visitor, events) {
        Ok(party) => party,
        Err(response) => return response,
    };
    let root = match tranche_store::log::tree_of(ledger.store()) {
        Ok(tree) => tree
            .root_at(events)
            .map(|hash| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, hash))
            .unwrap_or_default(),
        Err(error) => {
            tracing::error!(%error, "the statement could not read the log's tree");
            return visitor.message(
                StatusCode::SERVICE_UNAVAILABLE,
                &visitor.t("statement-log-unavailable"),
                visitor.t("statement-log-unavailable-detail"),
                events,
            );
        }
    };
    let page = StatementPage {
        chrome: visitor.chrome("statement", &visitor.t("statement-heading"), as_of, cutoff, events),
        account: account(ledger.state(), &party, as_of, visitor.lang.lang),
        head: events,
        root,
    };
    visitor.html(StatusCode::OK, render(&page))
}
