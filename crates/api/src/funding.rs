//! The funding engine over HTTP: fair shares (and, with the proposal and targets, the same
//! numbers as the command line, from the same core functions and wire forms).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use tranche_core::funding::fair_share;
use tranche_core::{Currency, DomainError, Money, ShareKeyName, parse_date};
use tranche_io::funding_wire::FairShareDto;
use tranche_io::targets_wire::TargetsReportDto;

use crate::problem::Problem;
use crate::{AppState, reader};

fn date_or_today(text: &Option<String>, name: &str) -> Result<chrono::NaiveDate, Problem> {
    match text {
        Some(text) => parse_date(text).map_err(|e| Problem::bad_request(format!("{name}: {e}"))),
        None => Ok(chrono::Utc::now().date_naive()),
    }
}

/// A report that cannot be computed for what was asked (an unknown key, an amount it cannot
/// split, a missing rate): 422 naming the problem.
fn unprocessable(error: DomainError) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "cannot-compute", "Cannot compute the report", error.to_string())
}

#[derive(Deserialize, utoipa::IntoParams)]
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
