//! Resource reads: parties, pledges (filtered, cursor-paginated), decisions, targets, one
//! package with its entity tag, and the pipeline report.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tranche_core::auth::Reader;
use tranche_core::{Currency, PackageRef, parse_date};
use tranche_io::wire;

use crate::problem::Problem;
use crate::{AppState, reader};

pub(crate) fn date_or_today(text: &Option<String>, name: &str) -> Result<chrono::NaiveDate, Problem> {
    match text {
        Some(text) => parse_date(text).map_err(|e| Problem::bad_request(format!("{name}: {e}"))),
        None => Ok(chrono::Utc::now().date_naive()),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnDay {
    /// The day to read statuses and outcomes on (YYYY-MM-DD); default today.
    as_of: Option<String>,
}

/// Parties with their participation status on the day.
#[utoipa::path(get, path = "/api/v1/parties", params(OnDay), security((), ("bearer" = [])), responses(
    (status = 200, description = "Every registered party", body = [wire::PartyDto]),
    (status = 400, description = "A malformed date", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
pub async fn parties(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query<OnDay>,
) -> Result<Json<Vec<wire::PartyDto>>, Problem> {
    reader(&state, &headers).await?;
    let as_of = date_or_today(&query.as_of, "as_of")?;
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    Ok(Json(wire::parties(ledger.state(), as_of)))
}

/// The most pledges one page returns.
const MAX_PLEDGES: usize = 500;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PledgeFilter {
    /// Pledges that name this party (alone or jointly).
    party: Option<String>,
    /// Pledges linked to this package.
    package: Option<String>,
    /// announced, committed, part-paid, paid, withdrawn or superseded.
    status: Option<String>,
    /// Announced on or after this date.
    from: Option<String>,
    /// Announced on or before this date.
    to: Option<String>,
    /// From a previous page's `next_cursor`.
    cursor: Option<String>,
    /// 1 to 500, default 100.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

/// Pledges in announcement order, filtered, a page at a time.
#[utoipa::path(get, path = "/api/v1/pledges", params(PledgeFilter), security((), ("bearer" = [])), responses(
    (status = 200, description = "A page of pledges", body = wire::PledgePage),
    (status = 400, description = "A bad filter, cursor or limit", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
pub async fn pledges(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query<PledgeFilter>,
) -> Result<Json<wire::PledgePage>, Problem> {
    reader(&state, &headers).await?;
    let limit = query.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_PLEDGES {
        return Err(Problem::bad_request(format!("limit must be 1 to {MAX_PLEDGES}")));
    }
    let party = query
        .party
        .as_deref()
        .map(tranche_core::PartyId::parse)
        .transpose()
        .map_err(|e| Problem::bad_request(e.to_string()))?;
    let from =
        query.from.as_deref().map(parse_date).transpose().map_err(|e| Problem::bad_request(format!("from: {e}")))?;
    let to = query.to.as_deref().map(parse_date).transpose().map_err(|e| Problem::bad_request(format!("to: {e}")))?;
    let start: usize = match &query.cursor {
        Some(cursor) => {
            cursor.parse().map_err(|_| Problem::bad_request(format!("cursor {cursor:?} is not one this API gave")))?
        }
        None => 0,
    };
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    let all = ledger.state().pledges();
    let mut page = Vec::new();
    let mut next_cursor = None;
    for (index, pledge) in all.iter().enumerate().skip(start) {
        let keep = party.is_none_or(|p| pledge.contributor.parties().contains(&p))
            && query.package.as_deref().is_none_or(|p| pledge.package.as_ref().is_some_and(|q| q.as_str() == p))
            && query.status.as_deref().is_none_or(|s| pledge.status.as_str() == s)
            && from.is_none_or(|d| pledge.date >= d)
            && to.is_none_or(|d| pledge.date <= d);
        if !keep {
            continue;
        }
        if page.len() == limit {
            next_cursor = Some(index.to_string());
            break;
        }
        page.push(wire::PledgeDto::from(pledge));
    }
    Ok(Json(wire::PledgePage { pledges: page, next_cursor }))
}

/// Decisions with their outcome on the day (computed, never set by hand).
#[utoipa::path(get, path = "/api/v1/decisions", params(OnDay), security((), ("bearer" = [])), responses(
    (status = 200, description = "Every decision", body = [wire::DecisionDto]),
    (status = 400, description = "A malformed date", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
pub async fn decisions(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Query<OnDay>,
) -> Result<Json<Vec<wire::DecisionDto>>, Problem> {
    reader(&state, &headers).await?;
    let as_of = date_or_today(&query.as_of, "as_of")?;
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    Ok(Json(wire::decisions(ledger.state(), as_of)))
}

/// Targets: monthly run rate, cumulative goals, annual need.
#[utoipa::path(get, path = "/api/v1/targets", security((), ("bearer" = [])), responses(
    (status = 200, description = "Every target", body = [wire::TargetDto]),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
pub async fn targets(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<wire::TargetDto>>, Problem> {
    reader(&state, &headers).await?;
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    Ok(Json(wire::targets(ledger.state())))
}

/// Our counted PURL money by month against the latest Kiel tracker release loaded (its
/// `nato_purl`, with the difference), and per GDP against Kiel's military aid: a reference
/// series, never counted as our records. The same rows as the dashboard's `/months` page.
#[utoipa::path(get, path = "/api/v1/reference/kiel", security((), ("bearer" = [])), responses(
    (status = 200, description = "The comparison with the latest Kiel release", body = tranche_io::kiel_wire::KielComparisonDto),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No Kiel release is loaded", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An amount cannot be counted (a missing rate)", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
pub async fn kiel(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<tranche_io::kiel_wire::KielComparisonDto>, Problem> {
    reader(&state, &headers).await?;
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    let today = chrono::Utc::now().date_naive();
    let comparison = crate::web::reference::comparison(
        crate::web::i18n::Lang::En,
        ledger.state(),
        ledger.rates(),
        today,
    )
    .map_err(|e| {
        Problem::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "missing-rate", "No exchange rate", e.to_string())
    })?;
    let comparison = comparison.ok_or_else(|| Problem::not_found("no Kiel tracker release is loaded"))?;
    Ok(Json(comparison.dto()))
}

/// Packages and money per state, mean days in each.
#[utoipa::path(get, path = "/api/v1/reports/pipeline", security((), ("bearer" = [])), responses(
    (status = 200, description = "The pipeline", body = [wire::PipelineDto]),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
pub async fn pipeline(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<wire::PipelineDto>>, Problem> {
    reader(&state, &headers).await?;
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    let currency = ledger.state().mechanism.as_ref().map_or(Currency::USD, |m| m.package_currency);
    Ok(Json(wire::pipeline(ledger.state(), currency, chrono::Utc::now().date_naive())))
}

/// One package, with its entity tag in `ETag`: send it back as `If-Match` on a package command
/// to refuse (412) a change made in between.
#[utoipa::path(get, path = "/api/v1/packages/{package}", params(("package" = String, Path, description = "The package id")), security((), ("bearer" = [])), responses(
    (status = 200, description = "The package", body = wire::PackageDto),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such package", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
pub async fn package(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let reader = reader(&state, &headers).await?;
    let id = PackageRef::parse(&id).map_err(|_| Problem::not_found(format!("no package {id}")))?;
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    let row =
        tranche_core::reports::package_rows(ledger.state(), reader).into_iter().find(|r| r.package == id.as_str());
    let row = row.ok_or_else(|| Problem::not_found(format!("no package {id}")))?;
    let etag = crate::package_etag(&ledger, &id).expect("the package exists");
    let mut response = Json(wire::PackageDto::from(&row)).into_response();
    response.headers_mut().insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex is a valid header"));
    Ok(response)
}

/// Requirements ranked by the latest list of their month; quantity and description for the
/// recipient, the coordinator, suppliers, the operator and auditors (not contributors).
#[utoipa::path(get, path = "/api/v1/requirements", security((), ("bearer" = [])), responses(
    (status = 200, description = "Every requirement", body = [wire::RequirementDto]),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
pub async fn requirements(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<wire::RequirementDto>>, Problem> {
    let reader = reader(&state, &headers).await?;
    // Contributors read requirements as the public does (the rule is `Reader::sees_requirements`).
    let reader = if reader.sees_requirements() { reader } else { Reader::Public };
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    Ok(Json(wire::requirements(ledger.state(), reader)))
}

/// Per month: required, funded and delivered against the monthly run-rate target.
#[utoipa::path(get, path = "/api/v1/reports/months", security((), ("bearer" = [])), responses(
    (status = 200, description = "The months", body = [wire::MonthDto]),
    (status = 401, description = "An invalid token", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A rate is missing for the target's date", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Over the token's rate", body = Problem, content_type = "application/problem+json"),
))]
pub async fn months(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<wire::MonthDto>>, Problem> {
    reader(&state, &headers).await?;
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    let currency = ledger.state().mechanism.as_ref().map_or(Currency::USD, |m| m.package_currency);
    let rows = wire::months(ledger.state(), ledger.rates(), currency).map_err(|e| {
        Problem::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "missing-rate", "No exchange rate", e.to_string())
    })?;
    Ok(Json(rows))
}
