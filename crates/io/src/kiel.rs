//! The Kiel Institute Ukraine Support Tracker's `procurement_trends.csv`: monthly series in bn
//! EUR, of which `nato_purl` is Kiel's own PURL estimate; and a whole release
//! (`release_info.csv`, `procurement_trends.csv`, `data_explorer.csv`) as a reference series.

use rust_decimal::Decimal;
use tranche_core::reference::{BnEur, KielCountryMonth, KielIso, KielPurlMonth, KielRelease, parse_figure};
use tranche_core::{Name, SourceUrl, YearMonth};

use crate::table::{RowError, Table};

/// Kiel's monthly PURL series in bn EUR, one entry per month listed.
pub fn parse_purl_series(file: &str, text: &str) -> Result<Vec<(YearMonth, Decimal)>, RowError> {
    let table = Table::read(file, text, &["year", "month", "nato_purl"])?;
    let mut series = Vec::new();
    for row in table.rows() {
        let year: i32 = row.parse("year", |t| t.parse::<i32>())?;
        let month: u32 = row.parse("month", |t| match t.parse::<u32>() {
            Ok(m) if (1..=12).contains(&m) => Ok(m),
            _ => Err(format!("{t:?} is not a month (1-12)")),
        })?;
        // Kiel writes floats such as 1.88323218983518 or 0.045; scientific notation is accepted.
        let bn_eur = row.parse("nato_purl", |t| Decimal::from_scientific(t).or_else(|_| t.parse::<Decimal>()))?;
        series.push((YearMonth { year, month }, bn_eur));
    }
    Ok(series)
}

/// Who publishes the tracker, and where.
pub const KIEL_PUBLISHER: &str = "Kiel Institute for the World Economy";
pub const KIEL_TRACKER_URL: &str = "https://www.ifw-kiel.de/topics/war-against-ukraine/ukraine-support-tracker/";

/// The files of a Kiel release that Tranche reads, told apart by their headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KielFile {
    /// `release_info.csv`: release, period, date, label.
    ReleaseInfo,
    /// `procurement_trends.csv`: year, month, ..., nato_purl.
    ProcurementTrends,
    /// `data_explorer.csv`: country, iso, year, month, ..., military, ..., gdp, pct_gdp.
    DataExplorer,
}

impl KielFile {
    /// The file name Kiel publishes it under.
    pub fn file_name(self) -> &'static str {
        match self {
            KielFile::ReleaseInfo => "release_info.csv",
            KielFile::ProcurementTrends => "procurement_trends.csv",
            KielFile::DataExplorer => "data_explorer.csv",
        }
    }

    /// Which Kiel file `text` is, by its header; `None` for any other table.
    pub fn of(file: &str, text: &str) -> Result<Option<KielFile>, RowError> {
        let table = Table::read(file, text, &[])?;
        let has = |name: &str| table.headers().iter().any(|h| h == name);
        Ok(match () {
            _ if has("release") && has("date") => Some(KielFile::ReleaseInfo),
            _ if has("nato_purl") => Some(KielFile::ProcurementTrends),
            _ if has("pct_gdp") && has("iso") => Some(KielFile::DataExplorer),
            _ => None,
        })
    }
}

/// A file's name and text.
pub struct Input<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

/// Reads a release from its three files (in any order, told apart by header) into one
/// [`KielRelease`]: all of it or an error naming file, line, column and problem.
pub fn parse_release(inputs: &[Input<'_>]) -> Result<KielRelease, RowError> {
    let whole = |file: &str, problem: String| RowError { file: file.to_string(), line: 1, column: None, problem };
    let mut found: std::collections::BTreeMap<KielFile, &Input<'_>> = std::collections::BTreeMap::new();
    for input in inputs {
        let kind = KielFile::of(input.file, input.text)?.ok_or_else(|| {
            whole(
                input.file,
                "not a Kiel release_info, procurement_trends or data_explorer table (by its header)".into(),
            )
        })?;
        if let Some(other) = found.insert(kind, input) {
            return Err(whole(input.file, format!("a second {} (the first is {})", kind.file_name(), other.file)));
        }
    }
    let get = |kind: KielFile| {
        found.get(&kind).copied().ok_or_else(|| RowError {
            file: inputs.first().map_or("(no files)", |i| i.file).to_string(),
            line: 0,
            column: None,
            problem: format!("a Kiel release needs {}; it is missing", kind.file_name()),
        })
    };
    let info = get(KielFile::ReleaseInfo)?;
    let trends = get(KielFile::ProcurementTrends)?;
    let explorer = get(KielFile::DataExplorer)?;
    let mut release = parse_release_info(info.file, info.text)?;
    release.purl = parse_purl_months(trends.file, trends.text)?;
    release.countries = parse_countries(explorer.file, explorer.text)?;
    release.check().map_err(|e| whole(info.file, e.to_string()))?;
    Ok(release)
}

/// `release_info.csv`: exactly one row, `"29","04/2026","2026-08-04","Ukraine Support Tracker, ..."`.
fn parse_release_info(file: &str, text: &str) -> Result<KielRelease, RowError> {
    let table = Table::read(file, text, &["release", "period", "date", "label"])?;
    let mut rows = table.rows();
    let row = rows.next().ok_or_else(|| RowError {
        file: file.to_string(),
        line: 2,
        column: None,
        problem: "no release row under the header".into(),
    })?;
    if let Some(extra) = rows.next() {
        return Err(RowError {
            file: file.to_string(),
            line: extra.line(),
            column: None,
            problem: "a second release row; one release is imported at a time".into(),
        });
    }
    let release = row.parse("release", |t| match t.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{t:?} is not a release number (1, 2, ...)")),
    })?;
    let period = row.parse("period", parse_period)?;
    let date = row.parse("date", tranche_core::parse_date)?;
    let label = row.parse("label", Name::parse)?;
    let publisher = Name::parse(KIEL_PUBLISHER).map_err(|e| row.error("label", e))?;
    let url = SourceUrl::parse(KIEL_TRACKER_URL).map_err(|e| row.error("label", e))?;
    Ok(KielRelease { release, period, date, label, publisher, url, purl: Vec::new(), countries: Vec::new() })
}

/// Kiel's period `MM/YYYY`.
fn parse_period(text: &str) -> Result<YearMonth, String> {
    let bad = || format!("{text:?} is not a period (MM/YYYY)");
    let (month, year) = text.split_once('/').ok_or_else(bad)?;
    YearMonth::parse(&format!("{year}-{month}")).map_err(|_| bad())
}

fn year_month(row: &crate::table::Row<'_>) -> Result<YearMonth, RowError> {
    let year: i32 = row.parse("year", |t| match t.parse::<i32>() {
        Ok(y) if (1900..=9999).contains(&y) => Ok(y),
        _ => Err(format!("{t:?} is not a year")),
    })?;
    let month: u32 = row.parse("month", |t| match t.parse::<u32>() {
        Ok(m) if (1..=12).contains(&m) => Ok(m),
        _ => Err(format!("{t:?} is not a month (1-12)")),
    })?;
    Ok(YearMonth { year, month })
}

/// `procurement_trends.csv`'s `nato_purl` by month, each month once, in month order.
fn parse_purl_months(file: &str, text: &str) -> Result<Vec<KielPurlMonth>, RowError> {
    let table = Table::read(file, text, &["year", "month", "nato_purl"])?;
    let mut months: std::collections::BTreeMap<YearMonth, KielPurlMonth> = std::collections::BTreeMap::new();
    for row in table.rows() {
        let month = year_month(&row)?;
        let nato_purl = row.parse("nato_purl", BnEur::parse)?;
        nato_purl.to_eur().map_err(|e| row.error("nato_purl", e))?;
        if months.insert(month, KielPurlMonth { month, nato_purl }).is_some() {
            return Err(row.error("month", format!("{month} appears twice")));
        }
    }
    Ok(months.into_values().collect())
}

/// `data_explorer.csv`: per country and month, military aid, GDP and Kiel's total aid as % of GDP.
fn parse_countries(file: &str, text: &str) -> Result<Vec<KielCountryMonth>, RowError> {
    let table = Table::read(file, text, &["country", "iso", "year", "month", "military", "gdp", "pct_gdp"])?;
    let mut seen = std::collections::BTreeSet::new();
    let mut rows = Vec::new();
    for row in table.rows() {
        let country = row.parse("country", Name::parse)?;
        let iso = row.parse("iso", KielIso::parse)?;
        let month = year_month(&row)?;
        let military = row.parse("military", BnEur::parse)?;
        military.to_eur().map_err(|e| row.error("military", e))?;
        let gdp = row.parse("gdp", BnEur::parse)?;
        if gdp.value().is_sign_negative() && !gdp.value().is_zero() {
            return Err(row.error("gdp", "is negative"));
        }
        let pct_gdp = row.parse("pct_gdp", |t| parse_figure("percent", t))?;
        if !seen.insert((iso, month)) {
            return Err(row.error("iso", format!("{iso} appears twice in {month}")));
        }
        rows.push(KielCountryMonth { country, iso, month, military, gdp, pct_gdp });
    }
    Ok(rows)
}
