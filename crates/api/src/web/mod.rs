//! The web dashboard: server-rendered HTML (askama templates in `crates/api/templates`), charts
//! drawn on the server as SVG (`charts`), a vendored htmx for sorting and filtering in place, and
//! the same data as CSV or JSON on every page (`?format=csv|json`). Pages read the ledger like the
//! API does and apply the same reader rules: restricted fields only for signed-in roles.

pub mod charts;
pub mod data;
pub mod fair_share;
pub mod funding;
pub mod glance;
pub mod i18n;
pub mod links;
pub mod reference;
pub mod rules;
mod session;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tranche_core::auth::Reader;

pub use session::Sessions;

use crate::AppState;
use data::Dataset;
use i18n::Arg;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview))
        .route("/contributors", get(contributors))
        .route("/packages", get(packages))
        .route("/fair-share", get(fair_share_page))
        .route("/funding", get(funding_page))
        .route("/funding/accept", post(funding_accept))
        .route("/requirements", get(requirements))
        .route("/months", get(months))
        .route("/records", get(records))
        .route("/rules", get(rules_page))
        .route("/log", get(log))
        .route("/decisions", get(glance::decisions_page))
        .route("/my", get(glance::my_page))
        .route("/my/statement", get(glance::statement_page))
        .route("/sign-in", get(sign_in_form).post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/assets/style.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
        .route("/assets/htmx.min.js", get(|| async { asset("text/javascript; charset=utf-8", HTMX) }))
        .route("/assets/favicon.svg", get(|| async { asset("image/svg+xml", FAVICON) }))
        .route("/favicon.ico", get(|| async { asset("image/svg+xml", FAVICON) }))
}

const STYLE: &str = include_str!("../../assets/style.css");
/// htmx 2.0.11 (BSD Zero Clause licence, `assets/htmx.LICENSE`), vendored unchanged.
const HTMX: &str = include_str!("../../assets/htmx.min.js");
const FAVICON: &str = include_str!("../../assets/favicon.svg");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// The page frame: navigation, who is reading, the CSRF token for the sign-out form.
pub struct Chrome {
    pub page: &'static str,
    pub title: String,
    pub who: String,
    pub signed_in: bool,
    pub csrf: String,
    pub sees_requirements: bool,
    /// The Funding page is in the navigation (coordinator, admin, auditor).
    pub sees_funding: bool,
    pub as_of: String,
    /// The date of the newest record on or before `as_of` (empty: the log holds none).
    pub cutoff: String,
    pub events: u64,
    /// The language the page is written in, and the switch to the other.
    pub i18n: i18n::PageLang,
    /// The page state every internal link carries (the as-of date when one was asked for).
    pub links: links::Links,
    /// This page at today's date, when the page is at another date (empty otherwise).
    pub today_href: String,
    /// The log holds the synthetic exercise (records `EX-*`).
    pub synthetic: bool,
    /// `?synthetic=hide`: the page's figures leave the exercise out.
    pub hide_synthetic: bool,
}

/// What templates call for their words and numbers: `{{ chrome.t("nav-overview") }}`.
impl Chrome {
    /// `<html lang>`.
    pub fn lang(&self) -> &'static str {
        self.i18n.lang.code()
    }

    pub fn t(&self, key: &str) -> String {
        self.i18n.lang.t(key)
    }

    pub fn t1(&self, key: &str, name: &str, value: impl Into<Arg>) -> String {
        self.i18n.lang.t_args(key, &[(name, value.into())])
    }

    pub fn t2(&self, key: &str, name1: &str, value1: impl Into<Arg>, name2: &str, value2: impl Into<Arg>) -> String {
        self.i18n.lang.t_args(key, &[(name1, value1.into()), (name2, value2.into())])
    }

    #[allow(clippy::too_many_arguments)]
    pub fn t3(
        &self,
        key: &str,
        name1: &str,
        value1: impl Into<Arg>,
        name2: &str,
        value2: impl Into<Arg>,
        name3: &str,
        value3: impl Into<Arg>,
    ) -> String {
        self.i18n.lang.t_args(key, &[(name1, value1.into()), (name2, value2.into()), (name3, value3.into())])
    }

    /// A message with HTML fragments for arguments; use with `|safe`.
    pub fn t_html(&self, key: &str, fragments: &[(&str, &str)]) -> String {
        i18n::with_html(self.i18n.lang, key, fragments)
    }

    /// A count with its thousands grouped in the page's language.
    pub fn integer(&self, n: impl std::borrow::Borrow<u64>) -> String {
        i18n::integer(self.i18n.lang, i128::from(*n.borrow()))
    }

    pub fn lang_switch(&self) -> &[i18n::SwitchLink] {
        &self.i18n.switch
    }

    /// The footer's first sentence: the date, the record's cutoff, the log's length.
    pub fn footer_figures(&self) -> String {
        let events = self.integer(self.events);
        if self.cutoff.is_empty() {
            self.t3("footer-figures", "as-of", &self.as_of, "events", events, "count", self.events)
        } else {
            let args = [
                ("as-of", Arg::from(&self.as_of)),
                ("cutoff", Arg::from(&self.cutoff)),
                ("events", Arg::from(events)),
                ("count", Arg::from(self.events)),
            ];
            self.i18n.lang.t_args("footer-figures-cutoff", &args)
        }
    }

    /// The footer's pointer to the counting rules, the link in the page's language (HTML).
    pub fn footer_rules(&self) -> String {
        let link = format!("<a href=\"/rules\">{}</a>", i18n::escape_html(&self.t("footer-rules-link")));
        self.t_html("footer-rules", &[("rules", &link)])
    }

    /// `path` with the page state added: every internal link of a page goes through this.
    pub fn href(&self, path: &str) -> String {
        self.links.href(path)
    }

    /// The page's download in `format`, from `base` (its path, filters and sort, ending in `?`
    /// or `&`) and the page state.
    pub fn download(&self, base: &str, format: &str) -> String {
        self.links.download(base, format)
    }
}

/// Who is asking: their reader rules, and the CSRF token their forms carry.
struct Visitor {
    reader: Reader,
    /// The token the page's forms carry (issued for `csrf_nonce` and the session).
    csrf: String,
    /// The CSRF cookie's value.
    csrf_nonce: String,
    /// The CSRF cookie is new and must be set on the response.
    new_csrf: bool,
    lang: i18n::PageLang,
    /// `?lang=` chose a language the cookie does not hold yet: set it on the response.
    new_lang: bool,
    /// `?lang=` named no language we write: the page answers 400.
    lang_problem: Option<String>,
    /// The page state the page's links carry (set by [`begin`]).
    links: links::Links,
    /// The log holds the synthetic exercise.
    synthetic: bool,
    /// The page leaves the synthetic exercise out (`?synthetic=hide`).
    hide_synthetic: bool,
}

async fn visitor(state: &AppState, headers: &HeaderMap) -> Visitor {
    let (csrf_nonce, new_csrf) = match session::cookie(headers, session::CSRF_COOKIE) {
        Some(nonce) => (nonce, false),
        None => (session::random_hex(), true),
    };
    let csrf = state.sessions.csrf_token(&csrf_nonce, session::cookie(headers, session::SESSION_COOKIE).as_deref());
    let reader = match session::cookie(headers, session::SESSION_COOKIE).and_then(|id| state.sessions.token(&id)) {
        Some(token) => match crate::verify(&state.tokens, &state.ledger, &token).await {
            Ok(role) => Reader::Role(role),
            Err(_) => Reader::Public,
        },
        None => Reader::Public,
    };
    let target = i18n::Target::of(headers);
    let cookie = i18n::cookie(headers);
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let (choice, lang_problem) = match i18n::choose(target.lang.as_deref(), cookie.as_deref(), accept) {
        Ok(choice) => (choice, None),
        Err(problem) => (i18n::negotiated(cookie.as_deref(), accept), Some(problem)),
    };
    let lang = i18n::PageLang::new(choice.lang, &target);
    Visitor {
        reader,
        csrf,
        csrf_nonce,
        new_csrf,
        lang,
        new_lang: choice.set_cookie,
        lang_problem,
        links: links::Links::default(),
        synthetic: false,
        hide_synthetic: false,
    }
}

impl Visitor {
    fn chrome(
        &self,
        page: &'static str,
        title: &str,
        as_of: chrono::NaiveDate,
        cutoff: Option<chrono::NaiveDate>,
        events: u64,
    ) -> Chrome {
        Chrome {
            page,
            title: title.to_string(),
            who: match &self.reader {
                Reader::Public => "public".into(),
                Reader::Role(role) => role.to_string(),
            },
            signed_in: self.reader.sees_restricted(),
            csrf: self.csrf.clone(),
            sees_requirements: self.reader.sees_requirements(),
            sees_funding: funding::access(&self.reader, self.lang.lang).is_ok(),
            as_of: as_of.to_string(),
            cutoff: cutoff.map(|d| d.to_string()).unwrap_or_default(),
            events,
            i18n: self.lang.clone(),
            links: self.links.clone(),
            today_href: match (as_of == today(), page) {
                (true, _) | (false, "message" | "sign-in") => String::new(),
                (false, "overview") => "/".into(),
                (false, page) => format!("/{page}"),
            },
            synthetic: self.synthetic,
            hide_synthetic: self.hide_synthetic,
        }
    }

    /// A message of the catalogue in the visitor's language.
    fn t(&self, key: &str) -> String {
        self.lang.lang.t(key)
    }

    /// The 400 page when `?lang=` names no language we write.
    fn lang_refusal(&self, events: u64) -> Option<Response> {
        self.lang_problem.clone().map(|problem| self.bad_request(problem, events))
    }

    /// An HTML response, setting the CSRF cookie when it is new.
    fn html(&self, status: StatusCode, body: String) -> Response {
        let mut response = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.new_csrf {
            response
                .headers_mut()
                .append(header::SET_COOKIE, session::set_cookie(session::CSRF_COOKIE, &self.csrf_nonce));
        }
        if self.new_lang {
            response.headers_mut().append(header::SET_COOKIE, i18n::set_cookie(self.lang.lang));
        }
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept-Language, Cookie"));
        response
    }

    fn bad_request(&self, message: String, events: u64) -> Response {
        self.message(StatusCode::BAD_REQUEST, &self.t("heading-bad-request"), message, events)
    }

    fn message(&self, status: StatusCode, heading: &str, message: String, events: u64) -> Response {
        let page = Message {
            chrome: self.chrome("message", heading, today(), None, events),
            heading: heading.to_string(),
            message,
        };
        self.html(status, render(&page))
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn render(template: &impl Template) -> String {
    template.render().expect("templates render from owned data")
}

/// Query parameters of every page; each page reads the ones it knows.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    format: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    party: Option<String>,
    kind: Option<String>,
    counts: Option<String>,
    month: Option<String>,
    key: Option<String>,
    as_of: Option<String>,
    include_partners: Option<String>,
    amount: Option<String>,
    currency: Option<String>,
    include_announced: Option<String>,
    assume_triggers: Option<String>,
    /// The Funding page after an accept: the log head of the proposal accepted.
    accepted: Option<String>,
    /// The months page's download: `months` (default) or `per-gdp`.
    table: Option<String>,
    /// The overview's month table: `as-of` (default) or `at-the-time`.
    basis: Option<String>,
    /// `hide` leaves the synthetic exercise (records `EX-*`) out of the page's figures; `show`
    /// (the default) shows it, flagged.
    synthetic: Option<String>,
}

/// The names [`PageQuery`] reads: each may appear once in a page's address. (A field left out
/// of this list is still refused twice, by serde's "duplicate field", only less plainly worded.)
const PAGE_PARAMETERS: [&str; 18] = [
    "format",
    "sort",
    "dir",
    "party",
    "kind",
    "counts",
    "month",
    "key",
    "as_of",
    "include_partners",
    "amount",
    "currency",
    "include_announced",
    "assume_triggers",
    "accepted",
    "table",
    "basis",
    "synthetic",
];

impl PageQuery {
    /// The page parameters of a query string, or the message (in the page's language) of why
    /// they cannot be read: a parameter given twice (`?party=A&party=B`) is named, never a guess
    /// which one counts. Parameters no page reads are ignored.
    fn parse(query: &str, lang: i18n::Lang) -> Result<PageQuery, String> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|e| lang.t_args("query-malformed", &[("error", Arg::from(e.to_string()))]))?;
        let mut seen = std::collections::BTreeSet::new();
        for (name, _) in &pairs {
            if PAGE_PARAMETERS.contains(&name.as_str()) && !seen.insert(name.as_str()) {
                return Err(lang.t_args("query-repeated", &[("name", Arg::from(name.clone()))]));
            }
        }
        serde_urlencoded::from_str(query)
            .map_err(|e| lang.t_args("query-malformed", &[("error", Arg::from(e.to_string()))]))
    }
}

/// A page's query, or an HTML 400 page in the visitor's language naming what does not parse.
impl axum::extract::FromRequestParts<AppState> for PageQuery {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<PageQuery, Response> {
        let query = parts.uri.query().unwrap_or_default();
        let lang = visitor_lang(&parts.headers);
        match PageQuery::parse(query, lang) {
            Ok(query) => Ok(query),
            Err(message) => {
                let visitor = visitor(state, &parts.headers).await;
                let events = state.ledger.lock().expect("the ledger lock is not poisoned").head();
                Err(visitor.bad_request(message, events))
            }
        }
    }
}

/// The language a visitor's pages are written in (without verifying a session).
fn visitor_lang(headers: &HeaderMap) -> i18n::Lang {
    let target = i18n::Target::of(headers);
    let cookie = i18n::cookie(headers);
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    match i18n::choose(target.lang.as_deref(), cookie.as_deref(), accept) {
        Ok(choice) => choice.lang,
        Err(_) => i18n::negotiated(cookie.as_deref(), accept).lang,
    }
}

/// Whether a path is the dashboard's (HTML errors) rather than a machine's: the API under
/// `/api`, and `/healthz`, `/readyz`, `/metrics`, answer problem+json.
pub fn is_dashboard_path(path: &str) -> bool {
    let machine = path == "/api" || path.starts_with("/api/") || matches!(path, "/healthz" | "/readyz" | "/metrics");
    !machine
}

/// Turns the problems that the framework and the edge answer before a page handler runs (405,
/// 408, 413, 414, 431) into HTML pages with the same status and headers on a dashboard path;
/// `/api/` keeps problem+json. Decided by path, whatever the `Accept` header says.
pub async fn html_errors(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !is_dashboard_path(request.uri().path()) {
        return next.run(request).await;
    }
    let headers = request.headers().clone();
    let response = next.run(request).await;
    let Some(problem) = response.extensions().get::<crate::problem::Answered>().cloned() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    let visitor = visitor(&state, &headers).await;
    let events = state.ledger.lock().expect("the ledger lock is not poisoned").head();
    let (heading, message) = edge_message(visitor.lang.lang, parts.status, &problem.detail);
    let page = visitor.message(parts.status, &heading, message, events);
    let (page_parts, body) = page.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in page_parts.headers.iter() {
        if name == header::SET_COOKIE {
            parts.headers.append(name, value.clone());
        } else {
            parts.headers.insert(name, value.clone());
        }
    }
    Response::from_parts(parts, body)
}

/// The heading and sentence of an edge error page in the visitor's language.
fn edge_message(lang: i18n::Lang, status: StatusCode, detail: &str) -> (String, String) {
    let key = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "too-large",
        StatusCode::URI_TOO_LONG => "uri-too-long",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers-too-large",
        StatusCode::BAD_REQUEST => return (lang.t("heading-bad-request"), detail.to_string()),
        _ => return (lang.t("heading-edge-failed"), detail.to_string()),
    };
    let args = [
        ("body", Arg::from(crate::MAX_BODY_BYTES as u64)),
        ("uri", Arg::from(crate::edge::MAX_URI_BYTES as u64)),
        ("headers", Arg::from(crate::edge::MAX_HEADERS as u64)),
        ("header-bytes", Arg::from(crate::edge::MAX_HEADER_BYTES as u64)),
    ];
    (lang.t(&format!("heading-edge-{key}")), lang.t_args(&format!("edge-{key}"), &args))
}

/// `?synthetic=`: whether to hide the synthetic exercise.
fn hide_synthetic(query: &PageQuery) -> Result<bool, String> {
    match query.synthetic.as_deref().map(str::trim) {
        None | Some("" | "show") => Ok(false),
        Some("hide") => Ok(true),
        Some(other) => Err(format!("synthetic {other:?} is not show or hide")),
    }
}

/// The ledger as a page sees it: the store's, or without the synthetic exercise's pledges
/// (`?synthetic=hide`). Its `state()` is the one the page's figures are computed on; everything
/// else (rates, the log, the store) is the ledger's.
pub(crate) struct PageLedger<'a> {
    guard: std::sync::MutexGuard<'a, tranche_store::Ledger<tranche_store::AnyStore>>,
    without_synthetic: Option<tranche_core::State>,
}

impl PageLedger<'_> {
    pub(crate) fn state(&self) -> &tranche_core::State {
        self.without_synthetic.as_ref().unwrap_or_else(|| self.guard.state())
    }
}

impl std::ops::Deref for PageLedger<'_> {
    type Target = tranche_store::Ledger<tranche_store::AnyStore>;
    fn deref(&self) -> &Self::Target {
        &self.guard
    }
}

enum Format {
    Html,
    Csv,
    Json,
}

fn format_of(query: &PageQuery) -> Result<Format, String> {
    match query.format.as_deref() {
        None | Some("" | "html") => Ok(Format::Html),
        Some("csv") => Ok(Format::Csv),
        Some("json") => Ok(Format::Json),
        Some(other) => Err(format!("format {other:?} is not one of html, csv, json")),
    }
}

/// The dataset as a download, with the page's basis (as-of date and record cut-off) in every
/// row and in the file name.
fn download(dataset: Dataset, format: Format, as_of: chrono::NaiveDate, cutoff: Option<chrono::NaiveDate>) -> Response {
    let dataset = dataset.with_basis(as_of, cutoff);
    let (content_type, body, extension) = match format {
        Format::Csv => ("text/csv; charset=utf-8", dataset.to_csv(), "csv"),
        Format::Json => ("application/json", dataset.to_json(), "json"),
        Format::Html => unreachable!("HTML is rendered by the page"),
    };
    let disposition = format!("attachment; filename=\"{}\"", dataset.file_name(extension));
    let disposition = HeaderValue::from_str(&disposition).expect("dataset names are ascii");
    ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type)), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response()
}

/// What every page handler starts with: who asks, the ledger, the log's length, the format.
struct Page<'a> {
    visitor: Visitor,
    ledger: PageLedger<'a>,
    events: u64,
    format: Format,
    /// `?as_of=YYYY-MM-DD`, today when absent: the date every figure of the page is computed at.
    as_of: chrono::NaiveDate,
    /// The newest record on or before `as_of`.
    cutoff: Option<chrono::NaiveDate>,
}

async fn begin<'a>(state: &'a AppState, headers: &HeaderMap, query: &PageQuery) -> Result<Page<'a>, Response> {
    let mut visitor = visitor(state, headers).await;
    let guard = state.ledger.lock().expect("the ledger lock is not poisoned");
    let events = guard.head();
    if let Some(refusal) = visitor.lang_refusal(events) {
        return Err(refusal);
    }
    let format = match format_of(query) {
        Ok(format) => format,
        Err(message) => return Err(visitor.bad_request(message, events)),
    };
    visitor.synthetic = guard.state().pledges().iter().any(data::is_synthetic);
    visitor.hide_synthetic = match hide_synthetic(query) {
        Ok(hide) => hide && visitor.synthetic,
        Err(message) => return Err(visitor.bad_request(message, events)),
    };
    let without_synthetic =
        visitor.hide_synthetic.then(|| guard.state().with_pledges_only(|pledge| !data::is_synthetic(pledge)));
    let ledger = PageLedger { guard, without_synthetic };
    let as_of = match as_of_of(query) {
        Ok(as_of) => as_of,
        Err(message) => return Err(visitor.bad_request(message, events)),
    };
    let cutoff = data::record_cutoff(ledger.state(), as_of);
    visitor.links = links_of(query, as_of, visitor.hide_synthetic);
    Ok(Page { visitor, ledger, events, format, as_of, cutoff })
}

/// `?as_of=`: a date, today when absent or empty.
fn as_of_of(query: &PageQuery) -> Result<chrono::NaiveDate, String> {
    match query.as_of.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(today()),
        Some(text) => tranche_core::parse_date(text).map_err(|e| format!("as_of: {e}")),
    }
}

/// The page state a page's links carry: the as-of date when `?as_of=` asked for one, and the
/// synthetic exercise hidden.
fn links_of(query: &PageQuery, as_of: chrono::NaiveDate, hide_synthetic: bool) -> links::Links {
    let asked = query.as_of.as_deref().is_some_and(|d| !d.trim().is_empty());
    links::Links { as_of: asked.then_some(as_of), hide_synthetic }
}

fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    chrome: Chrome,
    download_base: &'static str,
    headline: data::Headline,
    cumulative_svg: String,
    cumulative_currency: String,
    monthly_svg: String,
    monthly_currency: String,
    monthly_target: Option<String>,
    run_rate: String,
    goals: Vec<data::GoalRow>,
    projections: Vec<data::GoalProjection>,
    projection_error: Option<String>,
    projection_left_out: Option<String>,
    months: Vec<Vec<String>>,
    /// The month table as reported at the time (`?basis=at-the-time`) instead of on the as-of basis.
    at_the_time: bool,
    kiel: Option<reference::View>,
    full: bool,
    funnel: data::FunnelView,
}

/// The overview page for a ledger state: what `GET /` serves (public for the bench).
pub fn overview_html(
    ledger: &tranche_store::Ledger<impl tranche_store::Store>,
    as_of: chrono::NaiveDate,
    chrome: Chrome,
) -> Result<(String, Dataset), tranche_core::DomainError> {
    overview_page(ledger.state(), ledger.rates(), &ledger.reporting_currencies(), as_of, chrome, MonthsBasis::AsOf)
}

/// The basis of the overview's month table (`?basis=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthsBasis {
    /// Every column on the counting rules as of the page's date (`tranche report months`).
    AsOf,
    /// Counted to date as it stood at each month's end, beside the as-of basis.
    AtTheTime,
}

fn basis_of(query: &PageQuery) -> Result<MonthsBasis, String> {
    match query.basis.as_deref().map(str::trim) {
        None | Some("" | "as-of") => Ok(MonthsBasis::AsOf),
        Some("at-the-time") => Ok(MonthsBasis::AtTheTime),
        Some(other) => Err(format!("basis {other:?} is not one of as-of, at-the-time")),
    }
}

/// The overview page with its month table on `basis`, and the table as a dataset.
/// The overview page for a state (the ledger's, or a view of it) with its month table on
/// `basis`, and the table as a dataset.
pub fn overview_page(
    state: &tranche_core::State,
    rates: &tranche_core::RateTable,
    currencies: &[tranche_core::Currency],
    as_of: chrono::NaiveDate,
    chrome: Chrome,
    basis: MonthsBasis,
) -> Result<(String, Dataset), tranche_core::DomainError> {
    let lang = chrome.i18n.lang;
    let overview = data::overview(lang, state, rates, currencies, as_of)?;
    let kiel = reference::comparison(chrome.i18n.lang, state, rates, as_of)?;
    let funnel = data::funnel_view(lang, &glance::funnel(state, rates, as_of)?);
    let page = OverviewPage {
        funnel,
        chrome,
        download_base: match basis {
            MonthsBasis::AsOf => "/?",
            MonthsBasis::AtTheTime => "/?basis=at-the-time&",
        },
        headline: overview.headline,
        cumulative_svg: overview.cumulative_svg,
        cumulative_currency: overview.cumulative_currency,
        monthly_svg: overview.monthly_svg,
        monthly_currency: overview.monthly_currency,
        monthly_target: overview.monthly_target,
        run_rate: overview.run_rate,
        goals: overview.goals,
        projections: overview.projections,
        projection_error: overview.projection_error,
        months: match basis {
            MonthsBasis::AsOf => data::shown_rows(lang, &overview.months),
            MonthsBasis::AtTheTime => data::shown_rows(lang, &overview.months_at_the_time),
        },
        at_the_time: basis == MonthsBasis::AtTheTime,
        projection_left_out: overview.projection_left_out,
        kiel: kiel.as_ref().map(|k| k.view(lang)),
        full: false,
    };
    let dataset = match basis {
        MonthsBasis::AsOf => overview.months,
        MonthsBasis::AtTheTime => overview.months_at_the_time,
    };
    Ok((render(&page), dataset))
}

async fn overview(State(state): State<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let Page { visitor, ledger, events, format, as_of, cutoff } = match begin(&state, &headers, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let basis = match basis_of(&query) {
        Ok(basis) => basis,
        Err(message) => return visitor.bad_request(message, events),
    };
    let chrome = visitor.chrome("overview", &visitor.t("nav-overview"), as_of, cutoff, events);
    match overview_page(ledger.state(), ledger.rates(), &ledger.reporting_currencies(), as_of, chrome, basis) {
        Ok((html, dataset)) => match format {
            Format::Html => visitor.html(StatusCode::OK, html),
            format => download(dataset, format, as_of, cutoff),
        },
        Err(error) => {
            visitor.message(StatusCode::UNPROCESSABLE_ENTITY, "Cannot compute the overview", error.to_string(), events)
        }
    }
}

#[derive(Template)]
#[template(path = "contributors.html")]
struct ContributorsPage {
    chrome: Chrome,
    table: String,
}

#[derive(Template)]
#[template(path = "contributors_table.html")]
struct ContributorsTable {
    lang: i18n::Lang,
    columns: Vec<data::Column>,
    rows: Vec<data::ContributorRow>,
    sort: String,
    dir: String,
    links: links::Links,
    /// The download of the table in this order (`/contributors?sort=..&dir=..&`).
    download_base: String,
}

impl ContributorsTable {
    fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    fn t1(&self, key: &str, name: &str, value: impl Into<Arg>) -> String {
        self.lang.t_args(key, &[(name, value.into())])
    }

    /// The heading of the column the table is sorted by.
    fn sort_label(&self) -> String {
        self.columns.iter().find(|c| c.key == self.sort).map_or_else(|| self.sort.clone(), |c| c.label.clone())
    }
}

async fn contributors(State(state): State<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let Page { visitor, ledger, events, format, as_of, cutoff } = match begin(&state, &headers, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let sort = query.sort.as_deref().unwrap_or("counted");
    let dir = query.dir.as_deref().unwrap_or(if sort == "party" || sort == "status" { "asc" } else { "desc" });
    let order = match data::SortOrder::parse(sort, dir) {
        Ok(order) => order,
        Err(message) => return visitor.bad_request(message, events),
    };
    let lang = visitor.lang.lang;
    let table = match data::contributors(lang, ledger.state(), ledger.rates(), as_of, order) {
        Ok(table) => table,
        Err(e) => return visitor.message(StatusCode::UNPROCESSABLE_ENTITY, "No exchange rate", e.to_string(), events),
    };
    if !matches!(format, Format::Html) {
        return download(table.dataset, format, as_of, cutoff);
    }
    let fragment = render(&ContributorsTable {
        lang,
        columns: data::contributor_columns(lang, order),
        rows: table.rows,
        sort: sort.to_string(),
        dir: dir.to_string(),
        links: visitor.links.clone(),
        download_base: format!("/contributors?sort={sort}&dir={dir}&"),
    });
    if is_htmx(&headers) {
        return visitor.html(StatusCode::OK, fragment);
    }
    let page = ContributorsPage {
        chrome: visitor.chrome("contributors", &visitor.t("nav-contributors"), as_of, cutoff, events),
        table: fragment,
    };
    visitor.html(StatusCode::OK, render(&page))
}

#[derive(Template)]
#[template(path = "packages.html")]
struct PackagesPage {
    chrome: Chrome,
    download_base: &'static str,
    currency: String,
    pipeline: Vec<tranche_io::wire::PipelineDto>,
    pipeline_total: (usize, String),
    packages: Vec<data::PackageView>,
    cancelled: Vec<data::PackageView>,
    paid_total: (String, String),
    /// The overview's paid figure (the funnel's), shown and plain; empty when none is recorded.
    paid_overall: (String, String),
    named: Vec<data::RecordPackage>,
}

impl PackagesPage {
    /// The link to the records page, for the sentence on packages named in the record (HTML).
    fn records_link(&self) -> String {
        let href = i18n::escape_html(&self.chrome.href("/records"));
        format!("<a href=\"{href}\">{}</a>", i18n::escape_html(&self.chrome.t("nav-records")))
    }

    fn rule_3_link(&self) -> String {
        format!("<a href=\"/rules#rule-3\">{}</a>", i18n::escape_html(&self.chrome.t("packages-rule-3")))
    }
}

async fn packages(State(state): State<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let Page { visitor, ledger, events, format, as_of, cutoff } = match begin(&state, &headers, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let lang = visitor.lang.lang;
    let view = data::packages(lang, ledger.state(), visitor.reader, as_of);
    if !matches!(format, Format::Html) {
        return download(view.dataset, format, as_of, cutoff);
    }
    let paid_overall = match glance::funnel(ledger.state(), ledger.rates(), as_of) {
        Ok(funnel) => (funnel.stage("paid"))
            .and_then(|s| {
                s.amount_minor.map(|minor| (i18n::money_minor(lang, minor, funnel.currency), s.plain.clone()))
            })
            .unwrap_or_default(),
        Err(e) => return visitor.message(StatusCode::UNPROCESSABLE_ENTITY, "No exchange rate", e.to_string(), events),
    };
    let page = PackagesPage {
        chrome: visitor.chrome("packages", &visitor.t("nav-packages"), as_of, cutoff, events),
        download_base: "/packages?",
        currency: view.currency,
        pipeline: view.pipeline,
        pipeline_total: view.pipeline_total,
        packages: view.packages,
        cancelled: view.cancelled,
        paid_total: view.paid_total,
        paid_overall,
        named: view.named,
    };
    visitor.html(StatusCode::OK, render(&page))
}

#[derive(Template)]
#[template(path = "fair_share.html")]
struct FairSharePage {
    chrome: Chrome,
    download_base: String,
    include_partners: bool,
    /// The amount to split as typed back into the form: whole units.
    amount_input: String,
    /// The opening sentence: the total, the key and its source, in the page's language (HTML).
    lead_html: String,
    view: fair_share::View,
}

async fn fair_share_page(State(state): State<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let Page { visitor, ledger, events, format, as_of, cutoff } = match begin(&state, &headers, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let request = match fair_share::Request::parse(
        ledger.state(),
        query.key.as_deref(),
        query.as_of.as_deref(),
        query.include_partners.as_deref(),
        query.amount.as_deref(),
        query.currency.as_deref(),
        today(),
    ) {
        Ok(request) => request,
        Err(message) => return visitor.bad_request(message, events),
    };
    let view = match fair_share::view(ledger.state(), ledger.rates(), &request, visitor.lang.lang) {
        Ok(view) => view,
        Err(e) => {
            let heading = visitor.t("fair-share-cannot-compute");
            return visitor.message(StatusCode::UNPROCESSABLE_ENTITY, &heading, e.to_string(), events);
        }
    };
    if !matches!(format, Format::Html) {
        return download(view.dataset, format, as_of, cutoff);
    }
    let unit = 10i64.pow(request.currency.exponent());
    let page = FairSharePage {
        chrome: visitor.chrome("fair-share", &visitor.t("nav-fair-share"), request.as_of, cutoff, events),
        download_base: format!("/fair-share?{}", request.query()),
        include_partners: request.include_partners,
        amount_input: request.amount.map(|m| (m.amount_minor / unit).to_string()).unwrap_or_default(),
        lead_html: fair_share_lead(visitor.lang.lang, request.as_of, &view),
        view,
    };
    visitor.html(StatusCode::OK, render(&page))
}

/// The fair-share page's opening sentence (HTML): every value escaped, the key in bold, its
/// source a link when it is a web address.
fn fair_share_lead(lang: i18n::Lang, as_of: chrono::NaiveDate, view: &fair_share::View) -> String {
    let escape = i18n::escape_html;
    let key = format!("<strong>{}</strong>", escape(&view.key.name));
    let source = &view.key.source;
    let source = match (source.href.is_empty(), source.text.is_empty()) {
        (false, _) => format!(", <a href=\"{}\" rel=\"noreferrer\">{}</a>", escape(&source.href), escape(&source.text)),
        (true, false) => format!(", {}", escape(&source.text)),
        (true, true) => String::new(),
    };
    let fragments = [
        ("as-of", escape(&i18n::date(lang, as_of))),
        ("total", escape(&view.total.shown)),
        ("currency", escape(&view.currency)),
        ("key", key),
        ("date", escape(&view.key.date)),
        ("confidence", escape(&view.key.confidence)),
        ("source", source),
    ];
    let fragments: Vec<(&str, &str)> = fragments.iter().map(|(name, html)| (*name, html.as_str())).collect();
    i18n::with_html(lang, "fair-share-lead", &fragments)
}

/// A line above the funding proposal: what an accept did or why it did not.
struct Notice {
    /// `error` or `notice` (the CSS class).
    class: &'static str,
    /// `stale`, `refused`: for tests and styles.
    kind: &'static str,
    text: String,
}

/// What accepting the proposal computed at `head` wrote.
struct Written {
    head: u64,
    rows: Vec<funding::WrittenRow>,
}

#[derive(Template)]
#[template(path = "funding.html")]
struct FundingPage {
    chrome: Chrome,
    /// The log head the proposal was computed at, as the opening sentence shows it (HTML).
    head_html: String,
    view: funding::View,
    can_accept: bool,
    notice: Option<Notice>,
    written: Option<Written>,
}

async fn funding_page(State(state): State<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let mut visitor = visitor(&state, &headers).await;
    let events = state.ledger.lock().expect("the ledger lock is not poisoned").head();
    let access = match funding::access(&visitor.reader, visitor.lang.lang) {
        Ok(access) => access,
        Err((status, message)) => return visitor.message(status, &visitor.t("heading-restricted"), message, events),
    };
    if !matches!(format_of(&query), Ok(Format::Html)) {
        return visitor.bad_request(visitor.t("funding-no-download"), events);
    }
    let request = match funding::Request::parse(
        query.as_of.as_deref(),
        query.include_announced.as_deref(),
        query.assume_triggers.as_deref(),
    ) {
        Ok(request) => request,
        Err(message) => return visitor.bad_request(message, events),
    };
    visitor.links = links_of(&query, request.options.as_of, false);
    let accepted = match query.accepted.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(text) => match text.parse::<u64>() {
            Ok(head) if head <= events => Some(head),
            _ => return visitor.bad_request(format!("accepted {text:?} is not a log head (0 to {events})"), events),
        },
    };
    funding_response(&state, &visitor, access, &request, accepted, None, StatusCode::OK)
}

/// The Funding page for a checked request, with what an accept at `accepted` wrote and a notice.
fn funding_response(
    state: &AppState,
    visitor: &Visitor,
    access: funding::Access,
    request: &funding::Request,
    accepted: Option<u64>,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let ledger = state.ledger.lock().expect("the ledger lock is not poisoned");
    let events = ledger.head();
    let view = match funding::view(ledger.state(), ledger.rates(), request, visitor.lang.lang) {
        Ok(view) => view,
        Err(e) => {
            let heading = visitor.t("funding-cannot-compute");
            return visitor.message(StatusCode::UNPROCESSABLE_ENTITY, &heading, e.to_string(), events);
        }
    };
    let written = match accepted {
        None => None,
        Some(head) => {
            let rows = ledger
                .state_at(head)
                .map_err(|e| e.to_string())
                .and_then(|past| {
                    funding::written(ledger.state(), &past, ledger.rates(), &request.options, visitor.lang.lang)
                        .map_err(|e| e.to_string())
                })
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, head, "the funding page could not show what was accepted");
                    Vec::new()
                });
            Some(Written { head, rows })
        }
    };
    let as_of = request.options.as_of;
    let page = FundingPage {
        chrome: visitor.chrome(
            "funding",
            &visitor.t("nav-funding"),
            as_of,
            data::record_cutoff(ledger.state(), as_of),
            events,
        ),
        head_html: format!("<strong id=\"proposal-head\" data-value=\"{0}\">{0}</strong>", view.log_head),
        view,
        can_accept: access == funding::Access::Accept,
        notice,
        written,
    };
    visitor.html(status, render(&page))
}

#[derive(Deserialize)]
struct AcceptForm {
    csrf: String,
    at_head: String,
    as_of: Option<String>,
    include_announced: Option<String>,
    assume_triggers: Option<String>,
}

/// Accepts the proposal a coordinator saw (its log head in the form): on success a redirect to
/// the page showing what was written; when the log has moved on, the proposal again and nothing
/// written; a refused allocation, the page with the error.
async fn funding_accept(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let visitor = visitor(&state, &headers).await;
    let events = state.ledger.lock().expect("the ledger lock is not poisoned").head();
    let form: AcceptForm = match serde_urlencoded_form(&body) {
        Ok(form) => form,
        Err(message) => return visitor.bad_request(message, events),
    };
    if let Some(why) = state.sessions.csrf_refusal(&headers, &form.csrf) {
        return visitor.message(StatusCode::FORBIDDEN, &visitor.t("heading-refused"), why.to_string(), events);
    }
    let access = match funding::access(&visitor.reader, visitor.lang.lang) {
        Ok(access) => access,
        Err((status, message)) => return visitor.message(status, &visitor.t("heading-restricted"), message, events),
    };
    let Reader::Role(role) = visitor.reader else {
        let message = visitor.t("funding-sign-in-to-accept");
        return visitor.message(StatusCode::UNAUTHORIZED, &visitor.t("heading-restricted"), message, events);
    };
    if access != funding::Access::Accept {
        let message = visitor.lang.lang.t_args("funding-may-not-accept", &[("role", Arg::from(role.to_string()))]);
        return visitor.message(StatusCode::FORBIDDEN, &visitor.t("heading-refused"), message, events);
    }
    let request = match funding::Request::parse(
        form.as_of.as_deref(),
        form.include_announced.as_deref(),
        form.assume_triggers.as_deref(),
    ) {
        Ok(request) => request,
        Err(message) => return visitor.bad_request(message, events),
    };
    let Ok(at_head) = form.at_head.trim().parse::<u64>() else {
        return visitor.bad_request(format!("at_head {:?} is not a log head", form.at_head), events);
    };
    let again = |kind, class, text: String, status| {
        let notice = Some(Notice { class, kind, text });
        funding_response(&state, &visitor, access, &request, None, notice, status)
    };
    let moved_on = |why: bool| {
        let now = state.ledger.lock().expect("the ledger lock is not poisoned").head();
        let args = [("at-head", Arg::from(at_head)), ("now", Arg::from(now))];
        match why {
            true => visitor.lang.lang.t_args("funding-moved-on-accepted", &args),
            false => visitor.lang.lang.t_args("funding-moved-on", &args),
        }
    };
    match crate::funding::accept_at(&state, role, &request.query, at_head).await {
        Ok(accepted) if !accepted.repeated => {
            let location = format!("/funding?{}accepted={at_head}#written", request.query_string());
            match HeaderValue::from_str(&location) {
                Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
                Err(_) => again("refused", "error", visitor.t("funding-address-not-valid"), StatusCode::BAD_REQUEST),
            }
        }
        Ok(_) => again("stale", "error", moved_on(true), StatusCode::CONFLICT),
        Err(problem) if problem.status == StatusCode::PRECONDITION_FAILED.as_u16() => {
            again("stale", "error", moved_on(false), StatusCode::CONFLICT)
        }
        Err(problem) => {
            let status = StatusCode::from_u16(problem.status)
                .ok()
                .filter(|s| s.is_client_error() || *s == StatusCode::SERVICE_UNAVAILABLE)
                .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let text = visitor.lang.lang.t_args("funding-nothing-written", &[("detail", Arg::from(problem.detail))]);
            again("refused", "error", text, status)
        }
    }
}

#[derive(Template)]
#[template(path = "requirements.html")]
struct RequirementsPage {
    chrome: Chrome,
    download_base: &'static str,
    currency: String,
    coverage: Vec<Vec<String>>,
    rows: Vec<Vec<String>>,
}

impl RequirementsPage {
    /// A number as the lists give it (`1,234.56`, `45.0%`), written in the page's language;
    /// other text as it is.
    fn number(&self, text: &str) -> String {
        let lang = self.chrome.i18n.lang;
        if lang == i18n::Lang::En {
            return text.to_string();
        }
        let (plain, percent) = match text.strip_suffix('%') {
            Some(number) => (number.replace(',', ""), true),
            None => (text.replace(',', ""), false),
        };
        let shown = i18n::decimal(lang, &plain);
        match (shown == plain && plain.parse::<f64>().is_err(), percent) {
            (true, _) => text.to_string(),
            (false, true) => lang.t_args("fair-share-percent", &[("value", Arg::from(shown))]),
            (false, false) => shown,
        }
    }
}

async fn requirements(State(state): State<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let Page { visitor, ledger, events, format, as_of, cutoff } = match begin(&state, &headers, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    if !visitor.reader.sees_requirements() {
        let status = if visitor.reader.sees_restricted() { StatusCode::FORBIDDEN } else { StatusCode::UNAUTHORIZED };
        let message = visitor.t("requirements-restricted");
        return visitor.message(status, &visitor.t("heading-restricted"), message, events);
    }
    let view = match data::requirements(ledger.state(), ledger.rates(), visitor.reader) {
        Ok(view) => view,
        Err(e) => return visitor.message(StatusCode::UNPROCESSABLE_ENTITY, "No exchange rate", e.to_string(), events),
    };
    if !matches!(format, Format::Html) {
        return download(view.dataset, format, as_of, cutoff);
    }
    let page = RequirementsPage {
        chrome: visitor.chrome("requirements", &visitor.t("nav-requirements"), as_of, cutoff, events),
        download_base: "/requirements?",
        currency: view.currency,
        coverage: view.coverage,
        rows: view.dataset.display_rows(),
    };
    visitor.html(StatusCode::OK, render(&page))
}

#[derive(Template)]
#[template(path = "months.html")]
struct MonthsPage {
    chrome: Chrome,
    kiel: Option<reference::View>,
    full: bool,
}

/// Our monthly PURL money against the latest Kiel release, and per GDP against Kiel's military aid.
async fn months(State(state): State<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let Page { visitor, ledger, events, format, as_of, cutoff } = match begin(&state, &headers, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let lang = visitor.lang.lang;
    // Checked on the page too, whose download links carry it: an unknown table is never ignored.
    let per_gdp = match query.table.as_deref().map(str::trim) {
        None | Some("" | "months") => false,
        Some("per-gdp") => true,
        Some(other) => return visitor.bad_request(format!("table {other:?} is not one of months, per-gdp"), events),
    };
    let comparison = match reference::comparison(lang, ledger.state(), ledger.rates(), as_of) {
        Ok(comparison) => comparison,
        Err(e) => return visitor.message(StatusCode::UNPROCESSABLE_ENTITY, "Cannot compare", e.to_string(), events),
    };
    if !matches!(format, Format::Html) {
        let Some(comparison) = comparison else {
            let message = "No Kiel tracker release is loaded: there is nothing to download.".to_string();
            return visitor.message(StatusCode::NOT_FOUND, "No Kiel release", message, events);
        };
        let table = if per_gdp { comparison.per_gdp } else { comparison.months };
        return download(table, format, as_of, cutoff);
    }
    let page = MonthsPage {
        chrome: visitor.chrome("months", &visitor.t("nav-months"), as_of, cutoff, events),
        kiel: comparison.as_ref().map(|k| k.view(lang)),
        full: true,
    };
    visitor.html(StatusCode::OK, render(&page))
}

#[derive(Template)]
#[template(path = "records.html")]
struct RecordsPage {
    chrome: Chrome,
    filter: data::RecordFilter,
    parties: Vec<String>,
    kinds: Vec<String>,
    counts: Vec<String>,
    months: Vec<String>,
    table: String,
}

#[derive(Template)]
#[template(path = "records_table.html")]
struct RecordsTable {
    lang: i18n::Lang,
    rows: Vec<Vec<String>>,
    links: links::Links,
    /// The download of the records this filter keeps (`/records?party=..&`).
    download_base: String,
    /// The contributor the rows are filtered by (a party or a joint key); empty for all.
    party: String,
    total_eur: String,
    total_usd: String,
    partly_undisclosed: bool,
}

impl RecordsPage {
    fn word(&self, text: &str) -> String {
        data::word(self.chrome.i18n.lang, text)
    }
}

/// The words of the table fragments (served alone to htmx, so without the page's `chrome`).
impl RecordsTable {
    fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    fn t1(&self, key: &str, name: &str, value: impl Into<Arg>) -> String {
        self.lang.t_args(key, &[(name, value.into())])
    }

    fn word(&self, text: &str) -> String {
        data::word(self.lang, text)
    }

    fn t_html(&self, key: &str, fragments: &[(&str, &str)]) -> String {
        i18n::with_html(self.lang, key, fragments)
    }

    fn rule_links(&self, text: &str) -> String {
        data::rule_links(self.lang, text)
    }

    /// "12 records match.", the count in its own `<span id="record-count">` (HTML).
    fn count_sentence(&self) -> String {
        let mark = "\u{E000}count\u{E001}";
        let count = Arg::from(self.rows.len());
        let text = i18n::escape_html(&self.lang.t_args("records-count", &[("count", count), ("number", mark.into())]));
        let number = i18n::integer(self.lang, i128::try_from(self.rows.len()).unwrap_or(i128::MAX));
        text.replace(mark, &format!("<span id=\"record-count\">{number}</span>"))
    }

    /// What the total row adds up to, and where the same figure stands (HTML).
    fn total_sentence(&self) -> String {
        let rule = format!("<a href=\"/rules#rule-2\">{}</a>", i18n::escape_html(&self.t("records-rule-2")));
        if self.party.is_empty() {
            let link = format!(
                "<a href=\"{}\">{}</a>",
                i18n::escape_html(&self.links.href("/")),
                i18n::escape_html(&self.t("nav-overview"))
            );
            self.t_html("records-total-all", &[("link", &link), ("rule", &rule)])
        } else {
            let link = format!(
                "<a href=\"{}\">{}</a>",
                i18n::escape_html(&self.links.href("/contributors")),
                i18n::escape_html(&self.t("nav-contributors"))
            );
            let party = i18n::escape_html(&self.party);
            self.t_html("records-total-party", &[("party", &party), ("link", &link), ("rule", &rule)])
        }
    }
}

async fn records(State(state): State<AppState>, headers: HeaderMap, uri: Uri, query: PageQuery) -> Response {
    let Page { visitor, ledger, events, format, as_of, cutoff } = match begin(&state, &headers, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let filter = match data::RecordFilter::parse(
        query.party.as_deref(),
        query.kind.as_deref(),
        query.counts.as_deref(),
        query.month.as_deref(),
    ) {
        Ok(filter) => filter,
        Err(message) => return visitor.bad_request(message, events),
    };
    let lang = visitor.lang.lang;
    match data::contributor_key(ledger.state(), &filter.party) {
        _ if filter.party.is_empty() => {}
        data::ContributorKey::Known => {}
        data::ContributorKey::Reordered(canonical) => return redirect_with(&uri, "party", &canonical),
        data::ContributorKey::Unknown => {
            let message =
                visitor.lang.lang.t_args("query-unknown-party", &[("party", Arg::from(filter.party.clone()))]);
            return visitor.message(StatusCode::NOT_FOUND, &visitor.t("heading-not-found"), message, events);
        }
    }
    let view = match data::records(lang, ledger.state(), ledger.rates(), as_of, &filter) {
        Ok(view) => view,
        Err(e) => return visitor.message(StatusCode::UNPROCESSABLE_ENTITY, "No exchange rate", e.to_string(), events),
    };
    if !matches!(format, Format::Html) {
        return download(view.dataset, format, as_of, cutoff);
    }
    let download_base = format!("/records?{}", filter.query());
    let table = render(&RecordsTable {
        lang,
        rows: view.rows,
        links: visitor.links.clone(),
        download_base,
        party: filter.party.clone(),
        total_eur: view.total_eur,
        total_usd: view.total_usd,
        partly_undisclosed: view.partly_undisclosed,
    });
    if is_htmx(&headers) {
        return visitor.html(StatusCode::OK, table);
    }
    let page = RecordsPage {
        chrome: visitor.chrome("records", &visitor.t("nav-records"), as_of, cutoff, events),
        filter,
        parties: view.parties,
        kinds: data::RECORD_KINDS.iter().map(|k| k.to_string()).collect(),
        counts: data::COUNTS_FILTERS.iter().map(|k| k.to_string()).collect(),
        months: view.months,
        table,
    };
    visitor.html(StatusCode::OK, render(&page))
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    chrome: Chrome,
    /// docs/COUNTING.md (or its French translation) rendered (from the text compiled in: no
    /// input reaches it).
    body: String,
}

impl RulesPage {
    /// The link to the Records page, for the opening sentence (HTML).
    fn records_link(&self) -> String {
        let href = i18n::escape_html(&self.chrome.href("/records"));
        format!("<a href=\"{href}\">{}</a>", i18n::escape_html(&self.chrome.t("nav-records")))
    }
}

/// The counting rules (docs/COUNTING.md), each rule with its anchor `#rule-N`.
async fn rules_page(State(state): State<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let Page { visitor, ledger, events, format, as_of, cutoff } = match begin(&state, &headers, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    drop(ledger);
    if !matches!(format, Format::Html) {
        return visitor.bad_request(visitor.t("rules-no-download"), events);
    }
    let page = RulesPage {
        chrome: visitor.chrome("rules", &visitor.t("rules-heading"), as_of, cutoff, events),
        body: rules::html(rules::counting(visitor.lang.lang)),
    };
    visitor.html(StatusCode::OK, render(&page))
}

#[derive(Template)]
#[template(path = "log.html")]
struct LogPage {
    chrome: Chrome,
    download_base: &'static str,
    head: u64,
    latest: LatestEvent,
    checkpoint: Option<data::CheckpointView>,
    public_key: Option<String>,
    base_url: String,
}

async fn log(State(state): State<AppState>, headers: HeaderMap, query: PageQuery) -> Response {
    let Page { visitor, ledger, events: head, format, as_of, cutoff } = match begin(&state, &headers, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    // The download: every event as the reader may see it (the public: no restricted field).
    if !matches!(format, Format::Html) {
        return match crate::datasets::events(ledger.store(), visitor.reader) {
            Ok(dataset) if matches!(format, Format::Csv) => {
                download(crate::datasets::events_for_spreadsheets(dataset), format, as_of, cutoff)
            }
            Ok(dataset) => download(dataset, format, as_of, cutoff),
            Err(crate::datasets::DatasetError::TooLarge { limit }) => {
                let error = crate::datasets::DatasetError::TooLarge { limit }.to_string();
                visitor.message(StatusCode::PAYLOAD_TOO_LARGE, "Too many events", error, head)
            }
            Err(error) => {
                tracing::error!(%error, "the log download could not read the events");
                let message = "The events could not be read; try again later.".to_string();
                visitor.message(StatusCode::SERVICE_UNAVAILABLE, "Log unavailable", message, head)
            }
        };
    }
    let latest = match tranche_store::Store::events_after(ledger.store(), head.saturating_sub(1), 1) {
        Ok(events) => events.first().map_or(LatestEvent::None, |e| LatestEvent::Event {
            seq: e.seq.to_string(),
            kind: e.kind.to_string(),
            at: e.recorded_at.to_string(),
        }),
        Err(error) => {
            tracing::error!(%error, "the log page could not read the latest event");
            LatestEvent::Unavailable
        }
    };
    let checkpoint = tranche_store::log::latest_note(ledger.store())
        .inspect_err(|error| tracing::error!(%error, "the log page could not read the latest checkpoint"))
        .ok()
        .flatten()
        .and_then(|(_, note)| data::checkpoint_view(&note));
    drop(ledger);
    let public_key = state.log.lock().expect("the log lock is not poisoned").public_key();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    let page = LogPage {
        chrome: visitor.chrome("log", &visitor.t("page-log"), as_of, cutoff, head),
        download_base: "/log?",
        head,
        latest,
        checkpoint,
        public_key,
        base_url: format!("http://{host}"),
    };
    visitor.html(StatusCode::OK, render(&page))
}

/// The newest event of the log, as the log page shows it.
enum LatestEvent {
    Event { seq: String, kind: String, at: String },
    None,
    Unavailable,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    error: Option<String>,
    /// How long a session lasts.
    session_hours: u64,
}

impl SignInPage {
    fn new(visitor: &Visitor, events: u64, error: Option<String>) -> SignInPage {
        SignInPage {
            chrome: visitor.chrome("sign-in", &visitor.t("page-sign-in"), today(), None, events),
            error,
            session_hours: session::LIFETIME.as_secs() / 3600,
        }
    }
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {
    chrome: Chrome,
    path: String,
}

/// Every URL no route answers: problem+json under `/api/`, an HTML page in the frame elsewhere.
pub async fn not_found(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        return crate::problem::Problem::not_found("no such resource").into_response();
    }
    let visitor = visitor(&state, &headers).await;
    let events = state.ledger.lock().expect("the ledger lock is not poisoned").head();
    let page = NotFoundPage {
        chrome: visitor.chrome("not-found", &visitor.t("page-not-found"), today(), None, events),
        path: uri.path().to_string(),
    };
    visitor.html(StatusCode::NOT_FOUND, render(&page))
}
#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    chrome: Chrome,
    heading: String,
    message: String,
}

async fn sign_in_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let visitor = visitor(&state, &headers).await;
    let events = state.ledger.lock().expect("the ledger lock is not poisoned").head();
    if let Some(refusal) = visitor.lang_refusal(events) {
        return refusal;
    }
    visitor.html(StatusCode::OK, render(&SignInPage::new(&visitor, events, None)))
}

#[derive(Deserialize)]
struct SignInForm {
    csrf: String,
    token: String,
}

#[derive(Deserialize)]
struct SignOutForm {
    csrf: String,
}

/// A permanent redirect to this address with the parameter `name` set to `value` (the others
/// kept in their order).
fn redirect_with(uri: &Uri, name: &str, value: &str) -> Response {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    let pairs: Vec<(String, String)> =
        pairs.into_iter().map(|(k, v)| if k == name { (k, value.to_string()) } else { (k, v) }).collect();
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    match HeaderValue::from_str(&format!("{}?{query}", uri.path())) {
        Ok(location) => (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

fn redirect_home() -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response()
}

async fn sign_in(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let visitor = visitor(&state, &headers).await;
    let events = state.ledger.lock().expect("the ledger lock is not poisoned").head();
    let refuse = |status: StatusCode, error: String| {
        visitor.html(status, render(&SignInPage::new(&visitor, events, Some(error))))
    };
    let form: SignInForm = match serde_urlencoded_form(&body) {
        Ok(form) => form,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, message),
    };
    if let Some(why) = state.sessions.csrf_refusal(&headers, &form.csrf) {
        return refuse(StatusCode::FORBIDDEN, why.to_string());
    }
    let token = form.token.trim().to_string();
    if let Err(problem) = crate::verify(&state.tokens, &state.ledger, &token).await {
        let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::UNAUTHORIZED);
        return refuse(status, format!("Not signed in: {}", problem.detail));
    }
    let id = state.sessions.open(token);
    let mut response = redirect_home();
    response.headers_mut().append(header::SET_COOKIE, session::set_cookie(session::SESSION_COOKIE, &id));
    // A new CSRF value with the new session: a token read before signing in no longer posts.
    let nonce = session::random_hex();
    response.headers_mut().append(header::SET_COOKIE, session::set_cookie(session::CSRF_COOKIE, &nonce));
    response
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let visitor = visitor(&state, &headers).await;
    let events = state.ledger.lock().expect("the ledger lock is not poisoned").head();
    let form: SignOutForm = match serde_urlencoded_form(&body) {
        Ok(form) => form,
        Err(message) => return visitor.bad_request(message, events),
    };
    if let Some(why) = state.sessions.csrf_refusal(&headers, &form.csrf) {
        return visitor.message(StatusCode::FORBIDDEN, &visitor.t("heading-refused"), why.to_string(), events);
    }
    if let Some(id) = session::cookie(&headers, session::SESSION_COOKIE) {
        state.sessions.close(&id);
    }
    let mut response = redirect_home();
    response.headers_mut().append(header::SET_COOKIE, session::clear_cookie(session::SESSION_COOKIE));
    let nonce = session::random_hex();
    response.headers_mut().append(header::SET_COOKIE, session::set_cookie(session::CSRF_COOKIE, &nonce));
    response
}

fn serde_urlencoded_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_urlencoded::from_bytes(body).map_err(|e| format!("the form is malformed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::data::{Dataset, SourceView, csv_cell};
    use super::*;

    #[test]
    fn every_page_parameter_given_twice_is_named_and_others_are_ignored() {
        for name in PAGE_PARAMETERS {
            let refused = PageQuery::parse(&format!("{name}=a&x=1&{name}=b"), i18n::Lang::En).err();
            let expected = format!("The parameter {name} is given more than once in the address: give it once.");
            assert_eq!(refused.as_deref(), Some(expected.as_str()));
            let french = PageQuery::parse(&format!("{name}=a&{name}=a"), i18n::Lang::Fr).err().unwrap_or_default();
            assert!(french.starts_with(&format!("Le paramètre {name} figure plus d’une fois")), "{french}");
            assert!(PageQuery::parse(&format!("{name}=a&utm=1&utm=2"), i18n::Lang::En).is_ok(), "{name}");
        }
        let query = PageQuery::parse("party=NOR%2BSWE&as_of=2025-09-01", i18n::Lang::En).ok().unwrap_or_default();
        assert_eq!((query.party.as_deref(), query.as_of.as_deref()), (Some("NOR+SWE"), Some("2025-09-01")));
    }

    fn check_source(url: &str, href: &str, text: &str) {
        let view = SourceView::of(url);
        assert_eq!((view.href.as_str(), view.text.as_str()), (href, text), "{url:?}");
    }

    #[test]
    fn only_http_sources_are_links() {
        check_source("https://www.nato.int/x", "https://www.nato.int/x", "nato.int");
        check_source("HTTP://example.org/a", "HTTP://example.org/a", "example.org");
        check_source("", "", "");
        check_source("javascript:alert(1)", "", "javascript:alert(1)");
        check_source("JavaScript:alert(1)", "", "JavaScript:alert(1)");
        check_source(" javascript:alert(1)", "", " javascript:alert(1)");
        check_source("data:text/html,<script>1</script>", "", "data:text/html,<script>1</script>");
        check_source("//evil.example/x", "", "//evil.example/x");
        check_source("http:alert(1)", "", "http:alert(1)");
        check_source("ftp://x y", "", "ftp://x y");
    }

    /// The records table as rendered for one record whose source is `url`.
    fn records_table_with_source(url: &str) -> String {
        let source = SourceView::of(url);
        let mut row = vec!["R01".to_string(); 8];
        row.extend([source.href, source.text]);
        row.extend(vec![String::new(); 9]);
        render(&RecordsTable {
            lang: i18n::Lang::En,
            rows: vec![row],
            links: links::Links::default(),
            download_base: "/records?".into(),
            party: String::new(),
            total_eur: "0.00".into(),
            total_usd: "0.00".into(),
            partly_undisclosed: false,
        })
    }

    #[test]
    fn a_javascript_source_is_shown_as_text_not_as_a_link() {
        let html = records_table_with_source("javascript:fetch('/requirements')");
        assert!(!html.contains("href=\"javascript"), "{html}");
        // The rows hold no link (the total row below them links to the rules).
        let rows = html.split("<tbody>").nth(1).and_then(|b| b.split("</tbody>").next()).unwrap_or_default();
        assert!(!rows.is_empty() && !rows.contains("<a "), "{html}");
        assert!(html.contains("javascript:fetch(&#39;/requirements&#39;)"), "{html}");
        let html = records_table_with_source("https://example.org/x");
        assert!(html.contains("<a href=\"https://example.org/x\" rel=\"noreferrer\">example.org</a>"), "{html}");
    }

    fn check_cell(cell: &str, written: &str) {
        assert_eq!(csv_cell(cell), written, "{cell:?}");
    }

    #[test]
    fn csv_cells_that_would_run_as_formulas_get_an_apostrophe() {
        check_cell("=HYPERLINK(\"https://evil.example\",\"x\")", "'=HYPERLINK(\"https://evil.example\",\"x\")");
        check_cell("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0");
        check_cell("-2+3", "'-2+3");
        check_cell("@SUM(A1)", "'@SUM(A1)");
        check_cell("\t=1", "'\t=1");
        check_cell("\r=1", "'\r=1");
        check_cell("-", "'-");
        check_cell("-.5", "'-.5");
        // Numbers stay numbers; ordinary text stays as it is.
        check_cell("-5.00", "-5.00");
        check_cell("-1250000", "-1250000");
        check_cell("+3.5", "+3.5");
        check_cell("1234.56", "1234.56");
        check_cell("NLD", "NLD");
        check_cell("a=b", "a=b");
        check_cell("", "");
    }

    #[test]
    fn csv_downloads_neutralise_formulas() {
        let dataset = Dataset::new(
            "records",
            vec![
                ("record", data::ColumnType::Text),
                ("amount", data::ColumnType::Amount(data::CurrencyOf::Fixed(tranche_core::Currency::EUR))),
                ("reason", data::ColumnType::Text),
            ],
            vec![vec!["R01".into(), "-5.00".into(), "=HYPERLINK(\"https://evil.example\")".into()]],
        );
        assert_eq!(dataset.to_csv(), "record,amount,reason\nR01,-5.00,\"'=HYPERLINK(\"\"https://evil.example\"\")\"\n");
    }
}
