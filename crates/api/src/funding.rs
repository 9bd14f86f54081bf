//! The funding engine over HTTP: fair shares (and, with the proposal and targets, the same
//! numbers as the command line, from the same core functions and wire forms).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use tranche_core::funding::fair_share;
use tranche_core::{Currency, DomainError, Money, ShareKeyName, parse_date};
use tranche_io::funding_wire::{AcceptedDto, FairShareDto, ProposalDto};
use tranche_io::targets_wire::TargetsReportDto;

use crate::problem::Problem;
use crate::reads::date_or_today;
use crate::writer::{AllRequest, Request};
use crate::{AppState, reader};

/// A report that cannot be computed for what was asked (an unknown key, an amount it cannot
/// split, a missing rate): 422 naming the problem.
fn unprocessable(error: DomainError) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "cannot-compute", "Cannot compute the report", error.to_string())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FairShareQuery {
    /// The share key (default: gdp-2021 when loaded, else the only key).
    key: Option<String>,
    /// An amount to split among the parties that carry a share, in whole units (`500000000`).
    amount: Option<String>,
    /// The amount's currency (ISO 4217).
    currency: Option<String>,
    /// Count records and participation on or before this day (YYYY-MM-DD); default today.
    as_of: Option<String>,
    /// Partners outside the alliance carry a share too.
    include_partners: Option<bool>,
}

/// Fair shares by a key: per party the key value and percentage, its fair share of the total
/// counted so far, what it counted, committed and paid, the difference; with `amount`, the split.
#[utoipa::path(get, path = "/api/v1/funding/fair-share", params(FairShareQuery), security((), ("bearer" = [])), responses(
    (status = 200, description = "Fair shares (the same as `tranche funding fair-share --json`)", body = FairShareDto),
    (status = 400, description = "A malformed parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown key, an amount that cannot be split, or a missing rate", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
pub async fn fair_share(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query<FairShareQuery>,
) -> Result<Json<FairShareDto>, Problem> {
    reader(&state, &headers).await?;
    let as_of = date_or_today(&query.as_of, "as_of")?;
    let key =
        query.key.as_deref().map(ShareKeyName::parse).transpose().map_err(|e| Problem::bad_request(e.to_string()))?;
    let amount = match (&query.amount, &query.currency) {
        (Some(amount), Some(currency)) => {
            let currency = Currency::parse(currency).map_err(|e| Problem::bad_request(format!("currency: {e}")))?;
            Some(Money::parse_positive(amount, currency).map_err(|e| Problem::bad_request(format!("amount: {e}")))?)
        }
        (None, None) => None,
        _ => return Err(Problem::bad_request("amount and currency go together")),
    };
    let options = fair_share::Options { key, as_of, include_partners: query.include_partners.unwrap_or(false), amount };
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    let share = fair_share::fair_share(ledger.state(), ledger.rates(), &options).map_err(unprocessable)?;
    Ok(Json(FairShareDto::from(&share)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetsQuery {
    /// Count records on or before this day (YYYY-MM-DD); default today.
    as_of: Option<String>,
    /// Project as if every participating party paid its fair share of the monthly run-rate
    /// target from this day (YYYY-MM-DD); the projected figures are flagged.
    fair_share_from: Option<String>,
}

/// Each target's status (reached, missed, open with the monthly rate required), milestones, run
/// rates over the trailing 1, 3 and 6 months with the dates goals are reached at them, and the
/// monthly shortfall against the run-rate target.
#[utoipa::path(get, path = "/api/v1/targets/report", params(TargetsQuery), security((), ("bearer" = [])), responses(
    (status = 200, description = "The targets report (the same as `tranche targets --json`)", body = TargetsReportDto),
    (status = 400, description = "A malformed date", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A projection without a run-rate target, or a missing rate", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
pub async fn targets_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query<TargetsQuery>,
) -> Result<Json<TargetsReportDto>, Problem> {
    reader(&state, &headers).await?;
    let as_of = date_or_today(&query.as_of, "as_of")?;
    let fair_share_from = query
        .fair_share_from
        .as_deref()
        .map(parse_date)
        .transpose()
        .map_err(|e| Problem::bad_request(format!("fair_share_from: {e}")))?;
    let projection = tranche_core::targets::Projection { what_if: None, fair_share_from };
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    let report =
        tranche_core::targets::report(ledger.state(), ledger.rates(), as_of, &projection).map_err(unprocessable)?;
    Ok(Json(TargetsReportDto::from(&report)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    /// The proposal date: rates, triggers and statuses on this day (YYYY-MM-DD); default today.
    as_of: Option<String>,
    /// Count announced, not yet committed money too (shown; never allocated on accept).
    include_announced: Option<bool>,
    /// Count pledges waiting for this trigger as if it were declared (comma-separated names).
    assume_triggers: Option<String>,
}

impl ProposalQuery {
    /// The parameters as a dashboard form gives them: empty text is an absent field.
    pub(crate) fn new(as_of: Option<&str>, include_announced: bool, assume_triggers: Option<&str>) -> ProposalQuery {
        let given = |text: Option<&str>| text.map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
        ProposalQuery {
            as_of: given(as_of),
            include_announced: Some(include_announced),
            assume_triggers: given(assume_triggers),
        }
    }
}

pub(crate) fn proposal_options(query: &ProposalQuery) -> Result<tranche_core::funding::proposal::Options, Problem> {
    let as_of = date_or_today(&query.as_of, "as_of")?;
    let assume_triggers = match &query.assume_triggers {
        Some(text) => text
            .split(',')
            .map(|t| tranche_core::procurement::parse_trigger(t.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Problem::bad_request(format!("assume_triggers: {e}")))?,
        None => Vec::new(),
    };
    Ok(tranche_core::funding::proposal::Options {
        as_of,
        include_announced: query.include_announced.unwrap_or(false),
        assume_triggers,
    })
}

/// A signed-in role; the public reads no proposal.
async fn role(state: &AppState, headers: &HeaderMap) -> Result<tranche_core::auth::Role, Problem> {
    match reader(state, headers).await? {
        tranche_core::auth::Reader::Role(role) => Ok(role),
        tranche_core::auth::Reader::Public => Err(Problem::unauthorized("funding proposals need a bearer token")),
    }
}

/// The funding proposal for the open packages: lexicographic in priority (each package that can
/// be fully funded, given those above it, is; the rest goes to the first that cannot), with what
/// blocks each package not fully funded. Computes; writes nothing.
#[utoipa::path(get, path = "/api/v1/funding/proposal", params(ProposalQuery), security(("bearer" = [])), responses(
    (status = 200, description = "The proposal (the same as `tranche funding propose --json`); its ETag is the log head", body = ProposalDto),
    (status = 400, description = "A malformed parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No or an invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "The proposal cannot be computed", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
pub async fn proposal(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query<ProposalQuery>,
) -> Result<axum::response::Response, Problem> {
    use axum::response::IntoResponse;
    role(&state, &headers).await?;
    let options = proposal_options(&query)?;
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    let proposal =
        tranche_core::funding::proposal::propose(ledger.state(), ledger.rates(), &options).map_err(unprocessable)?;
    let etag = format!("\"{}\"", proposal.log_head);
    Ok(([(axum::http::header::ETAG, etag)], Json(ProposalDto::from(&proposal))).into_response())
}

/// Accept a proposal: compute it again with the same parameters at the log head given in
/// `If-Match` and write its allocations of committed money in one transaction (coordinator).
/// Refused whole (412) when the log has moved on since; a repeat returns the first outcome.
#[utoipa::path(post, path = "/api/v1/funding/proposal/accept", params(ProposalQuery,
        ("If-Match" = String, Header, description = "The proposal's ETag: its log head, `\"1234\"`"),
    ), security(("bearer" = [])), responses(
    (status = 201, description = "The allocations are written", body = AcceptedDto),
    (status = 200, description = "A repeat: the allocations were written before", body = AcceptedDto),
    (status = 400, description = "A malformed parameter or If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No or an invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not the coordinator", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "The log has moved on since the proposal", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Nothing to accept, or an allocation was refused", body = Problem, content_type = "application/problem+json"),
    (status = 428, description = "No If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "The writer is full or not running", body = Problem, content_type = "application/problem+json"),
))]
pub async fn accept(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query<ProposalQuery>,
) -> Result<axum::response::Response, Problem> {
    let actor = role(&state, &headers).await?;
    let at_head = if_match_head(&headers)?;
    let accepted = accept_at(&state, actor, &query, at_head).await?;
    let status = if accepted.repeated { StatusCode::OK } else { StatusCode::CREATED };
    Ok(axum::response::IntoResponse::into_response((status, Json(accepted))))
}

/// The log head in an `If-Match` header: `"1234"` (or bare `1234`).
fn if_match_head(headers: &HeaderMap) -> Result<u64, Problem> {
    let value = headers.get(axum::http::header::IF_MATCH).ok_or_else(|| {
        Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition-required",
            "If-Match required",
            "give If-Match with the proposal's ETag (its log head)",
        )
    })?;
    let text = value.to_str().map_err(|_| Problem::bad_request("the If-Match header is not text"))?.trim();
    // If-Match compares strongly (RFC 9110): a weak tag never matches.
    if text.starts_with("W/") {
        return Err(Problem::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition-failed",
            "A weak entity tag never matches",
            format!("If-Match {text} is weak; give the proposal's ETag as sent, \"<log head>\""),
        ));
    }
    let text = text.trim_matches('"');
    if text.len() > 1 && text.starts_with('0') {
        return Err(Problem::bad_request(format!("If-Match {text:?} is not a proposal's log head")));
    }
    text.parse().map_err(|_| Problem::bad_request(format!("If-Match {text:?} is not a proposal's log head")))
}

/// Computes the proposal on the replica (which must be at `at_head`), then has the writer
/// apply its allocations all or nothing if the log is still there.
pub(crate) async fn accept_at(
    state: &AppState,
    actor: tranche_core::auth::Role,
    query: &ProposalQuery,
    at_head: u64,
) -> Result<AcceptedDto, Problem> {
    if !matches!(actor, tranche_core::auth::Role::Coordinator | tranche_core::auth::Role::Admin) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Not allowed for this role",
            format!("{actor} may not accept a funding proposal: allocations are the coordinator's"),
        ));
    }
    let options = proposal_options(query)?;
    let envelopes = {
        let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
        let proposal = tranche_core::funding::proposal::propose(ledger.state(), ledger.rates(), &options)
            .map_err(unprocessable)?;
        if proposal.log_head != at_head {
            // Computed at another head: a repeat of an accepted proposal, or a stale one; the
            // writer tells them apart (a repeat's commands are all stored already).
            tracing::debug!(at_head, now = proposal.log_head, "accepting a proposal computed at another head");
        }
        let proposal = match proposal.log_head == at_head {
            true => proposal,
            false => match ledger.state_at(at_head) {
                Ok(past) => {
                    tranche_core::funding::proposal::propose(&past, ledger.rates(), &options).map_err(unprocessable)?
                }
                Err(_) => return Err(head_moved(at_head, proposal.log_head)),
            },
        };
        envelopes(&proposal, actor)?
    };
    if envelopes.is_empty() {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing-to-accept",
            "Nothing to accept",
            "the proposal allocates no committed money",
        ));
    }
    let (reply, answer) = tokio::sync::oneshot::channel();
    state
        .writes
        .try_send(Request::All(AllRequest { envelopes, at_head, reply }))
        .map_err(|_| Problem::unavailable())?;
    let outcomes = answer.await.map_err(|_| Problem::unavailable())?.map_err(crate::write_problem)?;
    let fresh: Vec<&tranche_store::Outcome> = outcomes.iter().filter(|o| !o.repeated).collect();
    Ok(AcceptedDto {
        log_head: at_head,
        allocations: fresh.len(),
        repeated: fresh.is_empty(),
        first_seq: fresh.first().map(|o| o.first_seq),
        event_count: fresh.iter().map(|o| u64::from(o.event_count)).sum(),
    })
}

fn head_moved(expected: u64, current: u64) -> Problem {
    crate::write_problem(crate::writer::WriteError::HeadMoved { expected, current })
}

/// The proposal's allocations as commands, with ids scoped to the actor like every API write:
/// `<actor>/proposal:<head>:<digest>`, so accepting it twice writes once.
fn envelopes(
    proposal: &tranche_core::funding::proposal::Proposal,
    actor: tranche_core::auth::Role,
) -> Result<Vec<tranche_core::Envelope>, Problem> {
    use sha2::{Digest, Sha256};
    proposal
        .commands()
        .into_iter()
        .map(|command| {
            let digest = Sha256::digest(serde_json::to_vec(&command).expect("a command serialises"));
            let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
            let id = format!("{actor}/proposal:{}:{hex}", proposal.log_head);
            let command_id = tranche_core::CommandId::parse(&id).map_err(|e| Problem::bad_request(e.to_string()))?;
            Ok(tranche_core::Envelope { command_id, actor, command })
        })
        .collect()
}
