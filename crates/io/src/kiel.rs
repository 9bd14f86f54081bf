//! The Kiel Institute Ukraine Support Tracker's `procurement_trends.csv`: monthly series in bn
//! EUR, of which `nato_purl` is Kiel's own PURL estimate.

use rust_decimal::Decimal;
use tranche_core::YearMonth;

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
