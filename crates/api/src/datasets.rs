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
    /// Money: a decimal string in the currency's minor-unit precision.
    Amount(CurrencyOf),
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
        }
    }
}

/// Rows with named, typed columns: plain values (decimal strings, ISO dates).
pub struct Dataset {
    pub name: &'static str,
    pub columns: Vec<&'static str>,
    pub types: Vec<ColumnType>,
    pub rows: Vec<Vec<String>>,
}

impl Dataset {
    pub fn new(name: &'static str, columns: Vec<(&'static str, ColumnType)>, rows: Vec<Vec<String>>) -> Dataset {
        let (columns, types) = columns.into_iter().unzip();
        Dataset { name, columns, types, rows }
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
                    .zip(row)
                    .map(|(c, v)| (c.to_string(), serde_json::Value::from(v.as_str())))
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
}

/// Whether `reader` may read the dataset `name` (the requirements only for the roles the
/// dashboard's requirements page admits).
pub fn readable(name: &str, reader: Reader) -> bool {
    name != "requirements" || reader.sees_requirements()
}

/// The dataset `name`, built by the same function the dashboard's download of it calls.
pub fn build<S: Store + ?Sized>(name: &str, source: &Source<'_, S>) -> Result<Dataset, DatasetError> {
    use crate::web::data;
    let (state, rates) = (source.state, source.rates);
    match name {
        "summary" => summary(state, rates, source.as_of, source.currencies),
        "parties" => Ok(data::contributors(state, rates, source.as_of, data::SortOrder::default())?.dataset),
        "months" => Ok(data::overview(state, rates, source.currencies, source.as_of)?.months),
        "pledges" => Ok(pledges(state)),
        "payments" => payments(state, source.store),
        "packages" => Ok(data::packages(state, source.reader, source.as_of).dataset),
        "requirements" if !readable(name, source.reader) => Err(DatasetError::Restricted),
        "requirements" => Ok(data::requirements(state, rates, source.reader)?.dataset),
        "decisions" => Ok(decisions(state, source.as_of)),
        "balances" => Ok(balances(state)),
        "journal" => journal(source.store),
        "records" => Ok(data::records(state, source.rates, source.as_of, &data::RecordFilter::default())?.dataset),
        other => Err(DatasetError::Unknown { name: other.to_string() }),
    }
}

use ColumnType::{Date, Integer, Text};

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
    let row = |measure: &str, currency: String, amount: String, count: String, detail: String| {
        vec![day.clone(), measure.to_string(), currency, amount, count, detail]
    };
    for money in summary.totals.values() {
        rows.push(row("counted", money.currency.to_string(), money.to_decimal_string(), String::new(), String::new()));
    }
    for money in summary.contingent_totals.values() {
        let count = summary.contingent.to_string();
        rows.push(row("contingent", money.currency.to_string(), money.to_decimal_string(), count, String::new()));
    }
    rows.push(row("contributors", String::new(), String::new(), summary.contributors.to_string(), String::new()));
    rows.push(row("undisclosed", String::new(), String::new(), summary.undisclosed.to_string(), String::new()));
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
