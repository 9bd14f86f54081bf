//! The "Funding" page: the funding proposal for the open packages in priority order, with what
//! blocks each package not fully funded, the proposed allocations and the pledges left out. The
//! figures are the engine's (`tranche_core::funding::proposal::propose`) in their wire form
//! (`ProposalDto`, the same as `GET /api/v1/funding/proposal`); this module only arranges them.
//! Accepting goes through the API's own path (`crate::funding::accept_at`): the writer applies
//! the allocations all or nothing, and refuses them when the log has moved on.

use axum::http::StatusCode;
use tranche_core::auth::{Reader, Role};
use tranche_core::funding::proposal::{self, Options};
use tranche_core::{DomainError, RateTable, State};
use tranche_io::funding_wire::ProposalDto;

use super::fair_share::Figure;
use super::i18n::{Arg, Lang};
use crate::funding::{ProposalQuery, proposal_options};

/// What a reader may do on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The coordinator (and the admin): read and accept.
    Accept,
    /// The auditor: read only.
    Read,
}

/// Who may see the page: the coordinator and the admin (who may accept) and the auditor; a
/// signed-in reader of another role gets 403, the public 401 (sign in).
pub fn access(reader: &Reader, lang: Lang) -> Result<Access, (StatusCode, String)> {
    match reader {
        Reader::Role(Role::Coordinator | Role::Admin) => Ok(Access::Accept),
        Reader::Role(Role::Auditor) => Ok(Access::Read),
        Reader::Role(role) => Err((
            StatusCode::FORBIDDEN,
            lang.t_args("funding-restricted-role", &[("role", Arg::from(role.to_string()))]),
        )),
        Reader::Public => Err((StatusCode::UNAUTHORIZED, lang.t("funding-restricted-public"))),
    }
}

/// What the page was asked for, checked: the same parameters as `GET /api/v1/funding/proposal`.
pub struct Request {
    pub(crate) query: ProposalQuery,
    pub options: Options,
}

impl Request {
    /// Checks the form's fields (an empty field is an absent one); the error names the field.
    pub fn parse(
        as_of: Option<&str>,
        include_announced: Option<&str>,
        assume_triggers: Option<&str>,
    ) -> Result<Request, String> {
        let include_announced = match include_announced.map(str::trim).filter(|v| !v.is_empty()) {
            None | Some("false") => false,
            Some("true" | "on") => true,
            Some(other) => return Err(format!("include_announced {other:?} is not true or false")),
        };
        let query = ProposalQuery::new(as_of, include_announced, assume_triggers);
        let options = proposal_options(&query).map_err(|problem| problem.detail)?;
        Ok(Request { query, options })
    }

    /// The parameters as a query string, ending in `&`.
    pub fn query_string(&self) -> String {
        let mut out = format!("as_of={}&", self.options.as_of);
        if self.options.include_announced {
            out.push_str("include_announced=true&");
        }
        if !self.options.assume_triggers.is_empty() {
            // Trigger names are lowercase letters, digits and '-': nothing to escape but the comma.
            out.push_str(&format!("assume_triggers={}&", self.options.assume_triggers.join("%2C")));
        }
        out
    }
}

pub struct PackageRow {
    pub package: String,
    pub priority: String,
    pub price: Figure,
    pub allocated_before: Figure,
    pub need: Figure,
    pub proposed: Figure,
    /// `funded`, `partial` or `unfunded`.
    pub status: String,
    pub explanations: Vec<String>,
}

pub struct AllocationRow {
    pub pledge: String,
    pub package: String,
    pub amount: Figure,
    pub committed: bool,
}

pub struct ExcludedRow {
    pub pledge: String,
    pub reason: String,
}

pub struct PledgeRow {
    pub pledge: String,
    pub supply: Figure,
    pub used: Figure,
    pub left: Figure,
    pub committed: bool,
}

pub struct View {
    pub as_of: String,
    pub log_head: u64,
    pub currency: String,
    pub include_announced: bool,
    pub assume_triggers: String,
    pub packages: Vec<PackageRow>,
    pub allocations: Vec<AllocationRow>,
    /// Allocations of committed money: what Accept writes.
    pub to_accept: usize,
    pub excluded: Vec<ExcludedRow>,
    pub pledges: Vec<PledgeRow>,
}

fn figure(plain: &str, lang: Lang) -> Figure {
    Figure::of(Some(&plain.to_string()), lang)
}

/// The proposal for a checked request, as the page shows it in `lang`. An error is the engine's.
pub fn view(state: &State, rates: &RateTable, request: &Request, lang: Lang) -> Result<View, DomainError> {
    let proposal = proposal::propose(state, rates, &request.options)?;
    Ok(arrange(&ProposalDto::from(&proposal), lang))
}

fn arrange(dto: &ProposalDto, lang: Lang) -> View {
    let figure = |plain: &str| figure(plain, lang);
    View {
        as_of: dto.as_of.clone(),
        log_head: dto.log_head,
        currency: dto.currency.clone(),
        include_announced: dto.include_announced,
        assume_triggers: dto.assume_triggers.join(","),
        packages: dto
            .packages
            .iter()
            .map(|p| PackageRow {
                package: p.package.clone(),
                priority: p.priority.clone().unwrap_or_else(|| lang.t("funding-not-ranked")),
                price: figure(&p.price),
                allocated_before: figure(&p.allocated_before),
                need: figure(&p.need),
                proposed: figure(&p.proposed),
                status: p.status.clone(),
                explanations: p.explanations.clone(),
            })
            .collect(),
        allocations: dto
            .allocations
            .iter()
            .map(|a| AllocationRow {
                pledge: a.pledge.clone(),
                package: a.package.clone(),
                amount: figure(&a.amount),
                committed: a.committed,
            })
            .collect(),
        to_accept: dto.allocations.iter().filter(|a| a.committed).count(),
        excluded: dto
            .excluded
            .iter()
            .map(|e| ExcludedRow { pledge: e.pledge.clone(), reason: reason_in(&e.reason, lang) })
            .collect(),
        pledges: dto
            .pledges
            .iter()
            .map(|p| PledgeRow {
                pledge: p.pledge.clone(),
                supply: figure(&p.supply),
                used: figure(&p.used),
                left: figure(&p.left),
                committed: p.committed,
            })
            .collect(),
    }
}

/// Why the engine left a pledge out (`tranche_core::funding::proposal`), in `lang`: its known
/// sentences are translated, their amounts written in `lang`'s way; any other is shown as given.
fn reason_in(reason: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return reason.to_string();
    }
    let text = |value: &str| Arg::from(value);
    if reason == "its amount is undisclosed" {
        return lang.t("funding-reason-undisclosed");
    }
    if let Some(amount) = reason.strip_suffix(" is announced, not committed (--include-announced)") {
        let amount = match amount.split_once(' ') {
            Some((currency, figure)) => {
                format!("{}\u{A0}{currency}", super::i18n::decimal(lang, &figure.replace(',', "")))
            }
            None => amount.to_string(),
        };
        return lang.t_args("funding-reason-announced", &[("amount", Arg::from(amount))]);
    }
    if let Some((on, after)) =
        reason.strip_prefix("announced on ").and_then(|r| r.split_once(", after the proposal date "))
    {
        return lang.t_args("funding-reason-later", &[("date", text(on)), ("as-of", text(after))]);
    }
    if let Some(trigger) = reason.strip_prefix("waits for trigger ").and_then(|r| r.strip_suffix(" and has no amount"))
    {
        return lang.t_args("funding-reason-trigger-no-amount", &[("trigger", text(trigger))]);
    }
    if let Some((trigger, _)) =
        reason.strip_prefix("waits for trigger ").and_then(|r| r.split_once(" (--assume-trigger "))
    {
        return lang.t_args("funding-reason-trigger", &[("trigger", text(trigger))]);
    }
    reason.to_string()
}

/// One allocation an accepted proposal wrote, and its package's state now.
pub struct WrittenRow {
    pub pledge: String,
    pub package: String,
    pub amount: Figure,
    pub package_state: String,
}

/// What accepting the proposal computed at log head `head` wrote: its committed allocations
/// (computed again on the state at that head) that the current state holds, each with its
/// package's state now. Empty when none is in the log (nothing was accepted at that head).
pub fn written(
    current: &State,
    past: &State,
    rates: &RateTable,
    options: &Options,
    lang: Lang,
) -> Result<Vec<WrittenRow>, DomainError> {
    let proposal = proposal::propose(past, rates, options)?;
    let rows = proposal
        .allocations
        .iter()
        .filter(|a| a.committed)
        .filter_map(|a| {
            let package = current.packages.get(&a.package)?;
            let held = package
                .allocations
                .iter()
                .any(|held| held.pledge == a.pledge && held.amount == a.amount && held.date == proposal.as_of);
            held.then(|| WrittenRow {
                pledge: a.pledge.to_string(),
                package: a.package.to_string(),
                amount: figure(&a.amount.to_decimal_string(), lang),
                package_state: package.state.to_string(),
            })
        })
        .collect();
    Ok(rows)
}
