//! Datasets: typed tables of the record and the reports, the one code path behind the
//! dashboard's `?format=csv|json` downloads and `tranche export` (csv, json, xlsx, datapackage).
//! Every column has a type (docs/EXPORTS.md lists them all); amounts are decimal strings in
//! their currency's minor-unit precision, and an empty cell means unknown or not applicable,
//! never zero. The page datasets (months, parties, packages, requirements, records) are built
//! with their pages in [`crate::web::data`]; the others are built here from the state and the
//! log.

use std::collections::HashMap;

use chrono::NaiveDate;
use tranche_core::auth::Reader;
use tranche_core::{Currency, Event, RateTable, State};
use tranche_io::wire;
use tranche_store::{Store, StoreError};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// A whole number, possibly negative.
    Integer,
    /// A plain decimal (a percentage, a key value), not money.
    Decimal,
    /// Money: a decimal string in the currency's minor-unit precision; empty (JSON `null`) when
    /// unknown.
    Amount(CurrencyOf),
    /// `true` or `false` (JSON booleans): a flag such as `undisclosed`.
    Boolean,
}

/// Where an amount column's currency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurrencyOf {
    /// In another column of the same row, by name.
    Column(&'static str),
    /// The same for every row (named in the column's name, such as `counted_eur`).
    Fixed(Currency),
}

impl ColumnType {
    /// The type's name in docs/EXPORTS.md.
    pub fn name(&self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Date => "date",
            ColumnType::Integer => "integer",
            ColumnType::Decimal => "decimal",
            ColumnType::Amount(_) => "amount",
            ColumnType::Boolean => "boolean",
        }
    }
}

/// Rows with named, typed columns: plain values (decimal strings, ISO dates).
pub struct Dataset {
    pub name: &'static str,
    pub columns: Vec<&'static str>,
    pub types: Vec<ColumnType>,
    pub rows: Vec<Vec<String>>,
    /// The day the figures are computed on and the newest record on or before it, once
    /// [`Dataset::with_basis`] has written them into every row.
    pub basis: Option<(NaiveDate, Option<NaiveDate>)>,
}

impl Dataset {
    pub fn new(name: &'static str, columns: Vec<(&'static str, ColumnType)>, rows: Vec<Vec<String>>) -> Dataset {
        let (columns, types) = columns.into_iter().unzip();
        Dataset { name, columns, types, rows, basis: None }
    }

    /// The dataset with the basis of its figures in two last columns of every row: `as_of`, the
    /// day they are computed on, and `record_cutoff`, the date of the newest record on or before
    /// it (empty when there is none yet). A column the dataset has already (the summary's
    /// `as_of`) is not repeated.
    pub fn with_basis(mut self, as_of: NaiveDate, record_cutoff: Option<NaiveDate>) -> Dataset {
        let cutoff = record_cutoff.map(|date| date.to_string()).unwrap_or_default();
        for (column, value) in [("as_of", as_of.to_string()), ("record_cutoff", cutoff)] {
            if self.columns.contains(&column) {
                continue;
            }
            self.columns.push(column);
            self.types.push(ColumnType::Date);
            for row in &mut self.rows {
                row.push(value.clone());
            }
        }
        self.basis = Some((as_of, record_cutoff));
        self
    }

    /// The name a download of it is saved under: `tranche-NAME.EXT`, with the basis when it has
    /// one (`tranche-contributors-asof-2026-12-03-record-2026-02-17.csv`; `record-none` before
    /// the first record).
    pub fn file_name(&self, extension: &str) -> String {
        match self.basis {
            None => format!("tranche-{}.{extension}", self.name),
            Some((as_of, cutoff)) => {
                let cutoff = cutoff.map_or_else(|| "none".to_string(), |date| date.to_string());
                format!("tranche-{}-asof-{as_of}-record-{cutoff}.{extension}", self.name)
            }
        }
    }

    /// The column that holds an amount column's currency, or its fixed currency.
    pub fn currency_of(&self, row: &[String], column: usize) -> Option<Currency> {
        match self.types.get(column)? {
            ColumnType::Amount(CurrencyOf::Fixed(currency)) => Some(*currency),
            ColumnType::Amount(CurrencyOf::Column(name)) => {
                let index = self.columns.iter().position(|c| c == name)?;
                Currency::parse(row.get(index)?).ok()
            }
            _ => None,
        }
    }

    /// The rows as CSV (RFC 4180, UTF-8), every cell passed through [`csv_cell`].
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&self.columns).expect("writing to memory");
        for row in &self.rows {
            let cells: Vec<std::borrow::Cow<'_, str>> = row.iter().map(|cell| csv_cell(cell)).collect();
            writer.write_record(cells.iter().map(|cell| cell.as_bytes())).expect("writing to memory");
        }
        String::from_utf8(writer.into_inner().expect("flushing to memory")).expect("the rows are text")
    }

    pub fn to_json(&self) -> String {
        let rows: Vec<serde_json::Map<String, serde_json::Value>> = self
            .rows
            .iter()
            .map(|row| {
                self.columns
                    .iter()
                    .zip(&self.types)
                    .zip(row)
                    .map(|((c, t), v)| (c.to_string(), json_value(*t, v)))
                    .collect()
            })
            .collect();
        serde_json::to_string_pretty(&serde_json::json!({ "dataset": self.name, "rows": rows }))
            .expect("strings serialise")
    }

    /// The rows as shown: amounts grouped by thousands.
    pub fn display_rows(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&self.types)
                    .map(|(v, t)| if matches!(t, ColumnType::Amount(_)) { grouped(v) } else { v.clone() })
                    .collect()
            })
            .collect()
    }
}

/// A cell as JSON: an unknown amount (an empty cell) is `null`, never `""` or 0; a flag is a
/// boolean; everything else is the cell's text.
fn json_value(kind: ColumnType, value: &str) -> serde_json::Value {
    match (kind, value) {
        (ColumnType::Amount(_), "") => serde_json::Value::Null,
        (ColumnType::Boolean, "true") => serde_json::Value::Bool(true),
        (ColumnType::Boolean, "false") => serde_json::Value::Bool(false),
        _ => serde_json::Value::from(value),
    }
}

/// A flag cell: `true` or `false`.
pub fn flag(value: bool) -> String {
    value.to_string()
}

/// A cell as written to a CSV download: text that a spreadsheet would run as a formula (it
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe, as
/// OWASP advises against CSV injection; a plain decimal such as `-5.00` stays a number.
pub fn csv_cell(value: &str) -> std::borrow::Cow<'_, str> {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    match formula && !is_plain_decimal(value) {
        true => std::borrow::Cow::Owned(format!("'{value}")),
        false => std::borrow::Cow::Borrowed(value),
    }
}

/// An optional sign, digits, and optionally a point and more digits.
pub fn is_plain_decimal(value: &str) -> bool {
    let unsigned = value.strip_prefix(['-', '+']).unwrap_or(value);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

/// `1234567.89` → `1,234,567.89`; anything that is not a plain decimal is returned as is.
pub fn grouped(decimal: &str) -> String {
    let (sign, rest) = decimal.strip_prefix('-').map_or(("", decimal), |r| ("-", r));
    let (whole, fraction) = rest.split_once('.').map_or((rest, None), |(w, f)| (w, Some(f)));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return decimal.to_string();
    }
    let mut out = String::with_capacity(decimal.len() + whole.len() / 3);
    out.push_str(sign);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// Minor units (possibly beyond one `Money`) as a decimal string in the currency's precision.
pub fn minor_decimal(minor: i128, currency: Currency) -> String {
    let exponent = currency.exponent();
    let sign = if minor < 0 { "-" } else { "" };
    let digits = minor.unsigned_abs().to_string();
    if exponent == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = exponent as usize + 1);
    let (whole, fraction) = padded.split_at(padded.len() - exponent as usize);
    format!("{sign}{whole}.{fraction}")
}

/// Every dataset `tranche export` writes, in the order of an XLSX workbook's sheets.
pub const NAMES: [&str; 11] = [
    "summary",
    "parties",
    "months",
    "pledges",
    "payments",
    "packages",
    "requirements",
    "decisions",
    "balances",
    "journal",
    "records",
];

/// What a dataset is built from: the ledger's state and rates, its log, who reads, and the day.
pub struct Source<'a, S: Store + ?Sized> {
    pub state: &'a State,
    pub rates: &'a RateTable,
    pub store: &'a S,
    pub currencies: &'a [Currency],
    pub reader: Reader,
    pub as_of: NaiveDate,
}

/// Why a dataset could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{name:?} is not a dataset; the datasets are {}", NAMES.join(", "))]
    Unknown { name: String },
    #[error("the requirements are restricted to the recipient, the coordinator, suppliers, auditors and the operator")]
    Restricted,
    #[error(transparent)]
    Domain(#[from] tranche_core::DomainError),
    #[error(transparent)]
    Fx(#[from] tranche_core::FxError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the log holds more than {limit} events, too many for one download: read it in pages at /api/v1/events")]
    TooLarge { limit: usize },
}

/// Whether `reader` may read the dataset `name` (the requirements only for the roles the
/// dashboard's requirements page admits).
pub fn readable(name: &str, reader: Reader) -> bool {
    name != "requirements" || reader.sees_requirements()
}

/// The dataset `name`, built by the same function the dashboard's download of it calls.
pub fn build<S: Store + ?Sized>(name: &str, source: &Source<'_, S>) -> Result<Dataset, DatasetError> {
    let dataset = of_state(name, source)?;
    // The datasets a dashboard page downloads carry the page's basis, as its download does.
    match BASED.contains(&name) {
        true => Ok(dataset.with_basis(source.as_of, crate::web::data::record_cutoff(source.state, source.as_of))),
        false => Ok(dataset),
    }
}

/// The datasets that carry `as_of` and `record_cutoff` on every row: those computed on a day,
/// and those a dashboard page downloads (the packages and the requirements: the log's head).
pub const BASED: [&str; 7] = ["summary", "parties", "months", "packages", "requirements", "decisions", "records"];

fn of_state<S: Store + ?Sized>(name: &str, source: &Source<'_, S>) -> Result<Dataset, DatasetError> {
    use crate::web::data;
    let (state, rates) = (source.state, source.rates);
    match name {
        "summary" => summary(state, rates, source.as_of, source.currencies),
        "parties" => {
            Ok(data::contributors(crate::web::i18n::Lang::En, state, rates, source.as_of, data::SortOrder::default())?
                .dataset)
        }
        "months" => {
            Ok(data::overview(crate::web::i18n::Lang::En, state, rates, source.currencies, source.as_of)?.months)
        }
        "pledges" => Ok(pledges(state)),
        "payments" => payments(state, source.store),
        "packages" => Ok(data::packages(crate::web::i18n::Lang::En, state, source.reader, source.as_of).dataset),
        "requirements" if !readable(name, source.reader) => Err(DatasetError::Restricted),
        "requirements" => Ok(data::requirements(state, rates, source.reader)?.dataset),
        "decisions" => Ok(decisions(state, source.as_of)),
        "balances" => Ok(balances(state)),
        "journal" => journal(source.store),
        "records" => Ok(data::records(
            crate::web::i18n::Lang::En,
            state,
            source.rates,
            source.as_of,
            &data::RecordFilter::default(),
        )?
        .dataset),
        other => Err(DatasetError::Unknown { name: other.to_string() }),
    }
}

use ColumnType::{Boolean, Date, Integer, Text};

fn amount_in(column: &'static str) -> ColumnType {
    ColumnType::Amount(CurrencyOf::Column(column))
}

/// The headline figures, one measure per row.
pub fn summary(
    state: &State,
    rates: &RateTable,
    as_of: NaiveDate,
    currencies: &[Currency],
) -> Result<Dataset, DatasetError> {
    let summary = tranche_core::summarise(state, rates, as_of, currencies)?;
    let day = summary.as_of.to_string();
    let mut rows = Vec::new();
    // A total leaves undisclosed amounts out: it is then a lower bound, and flagged so.
    let partial = flag(summary.undisclosed > 0);
    let row = |measure: &str, currency: String, amount: String, count: String, detail: String| {
        let undisclosed = if measure == "counted" { partial.clone() } else { flag(false) };
        vec![day.clone(), measure.to_string(), currency, amount, count, detail, undisclosed]
    };
    for money in summary.totals.values() {
        rows.push(row("counted", money.currency.to_string(), money.to_decimal_string(), String::new(), String::new()));
    }
    for money in summary.contingent_totals.values() {
        let count = summary.contingent.to_string();
        rows.push(row("contingent", money.currency.to_string(), money.to_decimal_string(), count, String::new()));
    }
    rows.push(row("contributors", String::new(), String::new(), summary.contributors.to_string(), String::new()));
    let only: Vec<&str> = summary.undisclosed_only.iter().map(String::as_str).collect();
    rows.push(row("undisclosed", String::new(), String::new(), summary.undisclosed.to_string(), only.join(" ")));
    let declined: Vec<String> = summary.declined.iter().map(|p| p.to_string()).collect();
    rows.push(row("declined", String::new(), String::new(), declined.len().to_string(), declined.join(" ")));
    Ok(Dataset::new(
        "summary",
        vec![
            ("as_of", Date),
            ("measure", Text),
            ("currency", Text),
            ("amount", amount_in("currency")),
            ("count", Integer),
            ("detail", Text),
            ("undisclosed", Boolean),
        ],
        rows,
    ))
}

/// Every pledge as it stands at the log's head (its money-level facts, all public).
pub fn pledges(state: &State) -> Dataset {
    let rows = state
        .pledges()
        .iter()
        .map(|pledge| {
            let dto = wire::PledgeDto::from(pledge);
            let cell = |value: Option<String>| value.unwrap_or_default();
            vec![
                dto.pledge,
                dto.date,
                dto.kind,
                dto.contributor,
                dto.status,
                cell(dto.currency),
                cell(dto.announced),
                cell(dto.committed),
                cell(dto.paid),
                cell(dto.package),
                cell(dto.earmark),
                cell(dto.contingent_on),
                cell(dto.source_url),
                dto.confidence,
                cell(dto.note),
                flag(pledge.announced.is_none() && pledge.committed.is_none()),
                flag(pledge.committed_on.is_some()),
            ]
        })
        .collect();
    Dataset::new(
        "pledges",
        vec![
            ("pledge", Text),
            ("date", Date),
            ("kind", Text),
            ("contributor", Text),
            ("status", Text),
            ("currency", Text),
            ("announced", amount_in("currency")),
            ("committed", amount_in("currency")),
            ("paid", amount_in("currency")),
            ("package", Text),
            ("earmark", Text),
            ("contingent_on", Text),
            ("source_url", Text),
            ("confidence", Text),
            ("note", Text),
            ("undisclosed", Boolean),
            ("commitment_reported", Boolean),
        ],
        rows,
    )
}

/// Every payment received, in log order: the amount paid and what it settled of the pledge.
pub fn payments<S: Store + ?Sized>(state: &State, store: &S) -> Result<Dataset, DatasetError> {
    let contributors: HashMap<&str, String> =
        state.pledges().iter().map(|p| (p.id.as_str(), p.contributor.key())).collect();
    let mut rows = Vec::new();
    store.replay(&mut |seq, event| {
        if let Event::PaymentReceived { pledge, amount, settled, date } = event {
            rows.push(vec![
                seq.to_string(),
                date.to_string(),
                pledge.to_string(),
                contributors.get(pledge.as_str()).cloned().unwrap_or_default(),
                amount.currency.to_string(),
                amount.to_decimal_string(),
                settled.currency.to_string(),
                settled.to_decimal_string(),
            ]);
        }
        Ok(())
    })?;
    Ok(Dataset::new(
        "payments",
        vec![
            ("event", Integer),
            ("date", Date),
            ("pledge", Text),
            ("contributor", Text),
            ("currency", Text),
            ("amount", amount_in("currency")),
            ("settled_currency", Text),
            ("settled", amount_in("settled_currency")),
        ],
        rows,
    ))
}

/// Every decision and its outcome on `as_of`.
pub fn decisions(state: &State, as_of: NaiveDate) -> Dataset {
    let rows = wire::decisions(state, as_of)
        .into_iter()
        .map(|d| {
            vec![
                d.decision,
                d.subject,
                d.procedure,
                d.deadline.unwrap_or_default(),
                d.participants.join(" "),
                d.not_asked.join(" "),
                d.outcome,
                d.outcome_on.unwrap_or_default(),
                d.objected_by.unwrap_or_default(),
                d.reservations.iter().map(|(party, text)| format!("{party}: {text}")).collect::<Vec<_>>().join("; "),
            ]
        })
        .collect();
    Dataset::new(
        "decisions",
        vec![
            ("decision", Text),
            ("subject", Text),
            ("procedure", Text),
            ("deadline", Date),
            ("participants", Text),
            ("not_asked", Text),
            ("outcome", Text),
            ("outcome_on", Date),
            ("objected_by", Text),
            ("reservations", Text),
        ],
        rows,
    )
}

/// Every account's balance per currency, both books; debits positive, credits negative.
pub fn balances(state: &State) -> Dataset {
    let rows = state
        .books
        .balances()
        .filter(|(_, _, minor)| *minor != 0)
        .map(|(account, currency, minor)| {
            vec![
                account.book().as_str().to_string(),
                account.to_string(),
                currency.to_string(),
                minor_decimal(minor, currency),
            ]
        })
        .collect();
    Dataset::new(
        "balances",
        vec![("book", Text), ("account", Text), ("currency", Text), ("balance", amount_in("currency"))],
        rows,
    )
}

/// Every posting of every journal entry, in log order (a replay of the log).
pub fn journal<S: Store + ?Sized>(store: &S) -> Result<Dataset, DatasetError> {
    let mut state = State::new();
    let mut rows = Vec::new();
    store.replay(&mut |seq, event| {
        // The date the books post the entries on, as in the hledger and ledger journals.
        let date = tranche_io::journal::event_date(&event).map_or_else(String::new, |d| d.to_string());
        let entries =
            state.apply(&event).map_err(|e| StoreError::Corrupt(format!("event {seq} does not apply: {e}")))?;
        for (index, entry) in entries.iter().enumerate() {
            for posting in entry.postings() {
                rows.push(vec![
                    seq.to_string(),
                    date.clone(),
                    event.name().to_string(),
                    (index + 1).to_string(),
                    entry.book().as_str().to_string(),
                    posting.account.to_string(),
                    posting.amount.currency.to_string(),
                    posting.amount.to_decimal_string(),
                ]);
            }
        }
        Ok(())
    })?;
    Ok(Dataset::new(
        "journal",
        vec![
            ("event", Integer),
            ("date", Date),
            ("kind", Text),
            ("entry", Integer),
            ("book", Text),
            ("account", Text),
            ("currency", Text),
            ("amount", amount_in("currency")),
        ],
        rows,
    ))
}

/// The most events one download of the log holds.
pub const MAX_EVENTS: usize = 200_000;

/// Every event of the log in sequence order, as `GET /api/v1/events` gives it to `reader` (the
/// public: without restricted fields), the event itself as JSON text; at most [`MAX_EVENTS`].
pub fn events<S: Store + ?Sized>(store: &S, reader: Reader) -> Result<Dataset, DatasetError> {
    let mut rows = Vec::new();
    let mut after = 0;
    loop {
        let page = store.events_after(after, tranche_store::MAX_PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        if rows.len() + page.len() > MAX_EVENTS {
            return Err(DatasetError::TooLarge { limit: MAX_EVENTS });
        }
        rows.extend(page.iter().map(|event| crate::events::cells(event, reader)));
    }
    Ok(Dataset::new(
        "log",
        vec![
            ("seq", Integer),
            ("kind", Text),
            ("actor", Text),
            ("recorded_at", Text),
            ("command_id", Text),
            ("event", Text),
        ],
        rows,
    ))
}

/// The most characters a spreadsheet cell holds (Excel and LibreOffice Calc count UTF-16 units).
pub const MAX_CELL_CHARS: usize = 32_767;

/// The log download as its CSV carries it: a spreadsheet refuses a cell over
/// [`MAX_CELL_CHARS`], so an event's JSON longer than that is cut to it (at a character
/// boundary) and a last column `event_cut` says `true`; the JSON download (`?format=json`) and
/// `/api/v1/events` always hold the whole event.
pub fn events_for_spreadsheets(mut dataset: Dataset) -> Dataset {
    let Some(event) = dataset.columns.iter().position(|c| *c == "event") else {
        return dataset;
    };
    dataset.columns.push("event_cut");
    dataset.types.push(Boolean);
    for row in &mut dataset.rows {
        let cut = row.get_mut(event).is_some_and(cut_to_cell);
        row.push(cut.to_string());
    }
    dataset
}

/// Cuts `text` to at most [`MAX_CELL_CHARS`] UTF-16 units; whether it was cut.
fn cut_to_cell(text: &mut String) -> bool {
    let mut units = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_CELL_CHARS {
            text.truncate(at);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_cut(text: &str, kept_units: usize, cut: bool) {
        let mut cell = text.to_string();
        assert_eq!(cut_to_cell(&mut cell), cut, "{}", text.len());
        assert_eq!(cell.encode_utf16().count(), kept_units);
        assert!(text.starts_with(&cell));
    }

    #[test]
    fn a_cell_is_cut_at_the_spreadsheet_limit_and_never_inside_a_character() {
        check_cut("", 0, false);
        check_cut(&"a".repeat(MAX_CELL_CHARS), MAX_CELL_CHARS, false);
        check_cut(&"a".repeat(MAX_CELL_CHARS + 1), MAX_CELL_CHARS, true);
        // A character outside the BMP counts two units: it is left out whole, not split.
        check_cut(&format!("{}\u{1F600}", "a".repeat(MAX_CELL_CHARS - 1)), MAX_CELL_CHARS - 1, true);
        check_cut(&format!("{}\u{1F600}", "a".repeat(MAX_CELL_CHARS - 2)), MAX_CELL_CHARS, false);
        check_cut(&"é".repeat(MAX_CELL_CHARS + 5), MAX_CELL_CHARS, true);
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_basis_is_on_every_row_and_in_the_file_name() {
        let rows = vec![vec!["NLD".to_string()], vec!["DEU".to_string()]];
        let dataset = Dataset::new("contributors", vec![("contributor", Text)], rows.clone());
        assert_eq!(dataset.file_name("csv"), "tranche-contributors.csv");
        let dataset = dataset.with_basis(date("2026-12-03"), Some(date("2026-02-17")));
        assert_eq!(
            dataset.to_csv(),
            "contributor,as_of,record_cutoff\nNLD,2026-12-03,2026-02-17\nDEU,2026-12-03,2026-02-17\n"
        );
        assert_eq!(dataset.file_name("csv"), "tranche-contributors-asof-2026-12-03-record-2026-02-17.csv");
        assert_eq!(dataset.types, [Text, Date, Date]);
        // Before the first record: an empty cut-off; a column the dataset has is not repeated.
        let summary = Dataset::new(
            "summary",
            vec![("as_of", Date), ("measure", Text)],
            vec![vec!["2000-01-01".into(), "x".into()]],
        );
        let summary = summary.with_basis(date("2000-01-01"), None);
        assert_eq!(summary.to_csv(), "as_of,measure,record_cutoff\n2000-01-01,x,\n");
        assert_eq!(summary.file_name("json"), "tranche-summary-asof-2000-01-01-record-none.json");
    }

    fn check(kind: ColumnType, cell: &str, expect: serde_json::Value) {
        let dataset = Dataset::new("t", vec![("c", kind)], vec![vec![cell.to_string()]]);
        let json: serde_json::Value = serde_json::from_str(&dataset.to_json()).unwrap();
        assert_eq!(json["rows"][0]["c"], expect, "{kind:?} {cell:?}");
    }

    #[test]
    fn an_unknown_amount_is_null_in_json_and_a_flag_is_a_boolean() {
        let amount = ColumnType::Amount(CurrencyOf::Fixed(Currency::EUR));
        check(amount, "", serde_json::Value::Null);
        check(amount, "0.00", serde_json::json!("0.00"));
        check(amount, "12.50", serde_json::json!("12.50"));
        check(ColumnType::Boolean, "true", serde_json::json!(true));
        check(ColumnType::Boolean, "false", serde_json::json!(false));
        check(ColumnType::Text, "", serde_json::json!(""));
        check(ColumnType::Date, "", serde_json::json!(""));
    }

    #[test]
    fn an_unknown_amount_is_an_empty_csv_cell() {
        let amount = ColumnType::Amount(CurrencyOf::Fixed(Currency::EUR));
        let dataset = Dataset::new(
            "t",
            vec![("counted_eur", amount), ("undisclosed", ColumnType::Boolean)],
            vec![vec![String::new(), flag(true)], vec!["0.00".into(), flag(false)]],
        );
        assert_eq!(dataset.to_csv(), "counted_eur,undisclosed\n,true\n0.00,false\n");
    }
}
