//! The ECB `eurofxref-hist.csv` layout: `Date,USD,JPY,...` with one row per business day,
//! units per EUR, `N/A` (or empty) where a currency has no rate.

use tranche_core::{Currency, Rate, RateQuote, parse_date};

use crate::table::{RowError, Table};

/// Currency columns the ECB has published that Tranche does not know are skipped, not errors;
/// every value in a known column must parse.
pub fn parse(file: &str, text: &str) -> Result<Vec<RateQuote>, RowError> {
    let table = Table::read(file, text, &["Date"])?;
    let currencies: Vec<(String, Option<Currency>)> = table
        .headers()
        .iter()
        .filter(|h| *h != "Date" && !h.trim().is_empty())
        .map(|h| (h.to_string(), Currency::parse(h.trim()).ok()))
        .collect();
    let mut quotes = Vec::new();
    for row in table.rows() {
        let date = row.parse("Date", parse_date)?;
        for (column, currency) in &currencies {
            let text = row.get(column);
            let Some(currency) = currency else { continue };
            if text.is_empty() || text == "N/A" {
                continue;
            }
            let rate = row.parse(column, Rate::parse)?;
            quotes.push(RateQuote { date, currency: *currency, rate });
        }
    }
    Ok(quotes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_ecb_layout() {
        let text = "Date,USD,JPY,CYP,\n2025-08-05,1.1567,170.5,N/A,\n2025-08-04,1.1575,,N/A,\n";
        let quotes = parse("rates.csv", text).unwrap();
        let shown: Vec<String> = quotes.iter().map(|q| format!("{} {} {}", q.date, q.currency, q.rate)).collect();
        assert_eq!(shown, ["2025-08-05 USD 1.1567", "2025-08-05 JPY 170.5", "2025-08-04 USD 1.1575"]);
    }

    #[test]
    fn bad_values_name_line_and_column() {
        let check = |text: &str, expect: &str| assert_eq!(parse("rates.csv", text).unwrap_err().to_string(), expect);
        check(
            "Date,USD\n2025-08-05,1.1\n2025-13-01,1.2\n",
            "rates.csv:3: column Date: date \"2025-13-01\" is not a calendar date",
        );
        check("Date,USD\n2025-08-05,-1\n", "rates.csv:2: column USD: rate \"-1\" must be positive");
        check("Date,USD\n2025-08-05,x\n", "rates.csv:2: column USD: rate \"x\" not a decimal number");
        check("Day,USD\n", "rates.csv:1: missing column \"Date\" (the header has: Day, USD)");
    }
}
