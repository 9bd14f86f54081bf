//! Reference series that others publish, kept beside our records and never counted as them:
//! the Kiel Institute's Ukraine Support Tracker, one release at a time. Kiel's figures are kept
//! exactly as published (decimal bn EUR); they turn into money only to be compared with ours,
//! through [`BnEur::to_eur`] (one rounding, half-even to the cent).
//!
//! Invariants, checked by [`KielRelease::check`] before a release is loaded: the PURL months are
//! distinct and ascending, a country appears once per month, and the rows stay within
//! [`MAX_KIEL_ROWS`].

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, ParseError};
use crate::money::{Currency, Money, round_half_even};
use crate::summary::YearMonth;
use crate::text::{Name, SourceUrl};

/// The most rows (months plus country-months) one release may carry.
pub const MAX_KIEL_ROWS: usize = 20_000;

/// The largest figure Kiel may give, in bn EUR (ten times the world's GDP).
pub const MAX_BN_EUR: i64 = 1_000_000;

/// At most this many decimals (all a `Decimal` holds): Kiel prints floats in full, up to 21.
const MAX_DECIMALS: u32 = 28;

/// A figure in billions of euros, as Kiel publishes it: a decimal, within [`MAX_BN_EUR`] either
/// way, at most 28 decimals. Kept exact; never summed into our books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct BnEur(Decimal);

impl BnEur {
    pub fn new(value: Decimal) -> Result<BnEur, ParseError> {
        check_figure("bn EUR", value).map(BnEur)
    }

    /// Parses Kiel's text: `1.88323218983518`, `0`, or scientific notation (`1.5e-05`).
    pub fn parse(text: &str) -> Result<BnEur, ParseError> {
        parse_figure("bn EUR", text).map(BnEur)
    }

    pub fn value(&self) -> Decimal {
        self.0
    }

    /// The figure in EUR, rounded half-even to the cent: the one rounding Kiel's figures get.
    pub fn to_eur(&self) -> Result<Money, ParseError> {
        let euros = self
            .0
            .checked_mul(Decimal::from(1_000_000_000_i64))
            .ok_or_else(|| ParseError::new("bn EUR", &self.0.to_string(), "exceeds the amount limit"))?;
        round_half_even(euros, Currency::EUR)
    }
}

/// A decimal figure as Kiel prints it (plain or scientific), within [`MAX_BN_EUR`] either way.
pub fn parse_figure(field: &'static str, text: &str) -> Result<Decimal, ParseError> {
    let trimmed = text.trim();
    let value = match trimmed.contains(['e', 'E']) {
        true => Decimal::from_scientific(trimmed),
        false => trimmed.parse::<Decimal>(),
    };
    let value = value.map_err(|_| ParseError::new(field, text, "is not a decimal number"))?;
    check_figure(field, value)
}

fn check_figure(field: &'static str, value: Decimal) -> Result<Decimal, ParseError> {
    let bad = |problem| Err(ParseError::new(field, &value.to_string(), problem));
    match value {
        v if v.abs() > Decimal::from(MAX_BN_EUR) => bad("is beyond the limit of 1,000,000"),
        v if v.scale() > MAX_DECIMALS => bad("has more than 28 decimals"),
        v => Ok(v.normalize()),
    }
}

impl TryFrom<Decimal> for BnEur {
    type Error = ParseError;
    fn try_from(value: Decimal) -> Result<BnEur, ParseError> {
        BnEur::new(value)
    }
}

impl From<BnEur> for Decimal {
    fn from(value: BnEur) -> Decimal {
        value.0
    }
}

impl std::fmt::Display for BnEur {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Kiel's country code: two or three capital letters (`DEU`, and `EU` for the EU institutions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KielIso([u8; 3], u8);

impl KielIso {
    pub fn parse(text: &str) -> Result<KielIso, ParseError> {
        let bytes = text.as_bytes();
        let ok = (2..=3).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_uppercase);
        if !ok {
            return Err(ParseError::new("iso", text, "is not a country code (two or three capital letters)"));
        }
        let mut code = [b' '; 3];
        for (slot, byte) in code.iter_mut().zip(bytes) {
            *slot = *byte;
        }
        Ok(KielIso(code, if bytes.len() == 2 { 2 } else { 3 }))
    }

    pub fn as_str(&self) -> &str {
        let code = self.0.get(..usize::from(self.1)).unwrap_or_default();
        std::str::from_utf8(code).unwrap_or_default()
    }
}

impl TryFrom<String> for KielIso {
    type Error = ParseError;
    fn try_from(text: String) -> Result<KielIso, ParseError> {
        KielIso::parse(&text)
    }
}

impl From<KielIso> for String {
    fn from(iso: KielIso) -> String {
        iso.as_str().to_string()
    }
}

impl std::fmt::Display for KielIso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One month of `procurement_trends.csv`: Kiel's own PURL estimate for the month.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KielPurlMonth {
    pub month: YearMonth,
    pub nato_purl: BnEur,
}

/// One row of `data_explorer.csv`: a country's military aid in a month (bn EUR), its GDP (bn
/// EUR, the denominator Kiel uses) and Kiel's own total aid as a percentage of that GDP.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KielCountryMonth {
    pub country: Name,
    pub iso: KielIso,
    pub month: YearMonth,
    pub military: BnEur,
    pub gdp: BnEur,
    /// Kiel's `pct_gdp`: the month's total aid (not only military) as a percentage of `gdp`.
    #[serde(deserialize_with = "percent")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::DecimalText))]
    pub pct_gdp: Decimal,
}

fn percent<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let value = <Decimal as Deserialize>::deserialize(deserializer)?;
    check_figure("percent", value).map_err(serde::de::Error::custom)
}

/// One release of the Kiel tracker as a dated reference series: who published it, which
/// release, the month its data reach, its date, where it is published, and its figures.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KielRelease {
    pub release: u32,
    /// The last month the release's data cover (`04/2026` in Kiel's `release_info.csv`).
    pub period: YearMonth,
    #[serde(with = "crate::dates::iso")]
    pub date: NaiveDate,
    pub label: Name,
    pub publisher: Name,
    pub url: SourceUrl,
    pub purl: Vec<KielPurlMonth>,
    pub countries: Vec<KielCountryMonth>,
}

impl KielRelease {
    /// The release's own invariants (see the module documentation).
    pub fn check(&self) -> Result<(), DomainError> {
        let rule = |problem: String| Err(DomainError::Rule(format!("Kiel release {}: {problem}", self.release)));
        if self.release == 0 {
            return rule("a release number starts at 1".into());
        }
        if self.purl.len().saturating_add(self.countries.len()) > MAX_KIEL_ROWS {
            return rule(format!("more than {MAX_KIEL_ROWS} rows"));
        }
        if self.purl.is_empty() {
            return rule("no month of nato_purl".into());
        }
        for pair in self.purl.windows(2) {
            if let [a, b] = pair
                && a.month >= b.month
            {
                return rule(format!("the nato_purl months are not ascending ({} then {})", a.month, b.month));
            }
        }
        if self.period > YearMonth::of(self.date) {
            return rule(format!("its data reach {} but it was published on {}", self.period, self.date));
        }
        let beyond = self.purl.iter().map(|m| m.month).chain(self.countries.iter().map(|c| c.month));
        if let Some(month) = beyond.filter(|month| *month > self.period).max() {
            return rule(format!("a figure for {month}, after the release's data end ({})", self.period));
        }
        let mut seen = std::collections::BTreeSet::new();
        for row in &self.countries {
            if !seen.insert((row.iso, row.month)) {
                return rule(format!("{} appears twice in {}", row.iso, row.month));
            }
        }
        Ok(())
    }

    /// Kiel's `nato_purl` for `month`; `None` when the release does not report the month (not 0).
    pub fn purl_in(&self, month: YearMonth) -> Option<BnEur> {
        self.purl.iter().find(|m| m.month == month).map(|m| m.nato_purl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_eur(bn: &str, expect_minor: i64) {
        let money = BnEur::parse(bn).and_then(|b| b.to_eur()).unwrap();
        assert_eq!(money, Money::new(expect_minor, Currency::EUR).unwrap(), "{bn}");
    }

    #[test]
    fn kiel_figures_round_half_even_to_the_cent() {
        check_eur("1.88323218983518", 188_323_218_984); // 1,883,232,189.83518 EUR: .518 of a cent rounds up
        check_eur("0.045", 4_500_000_000);
        check_eur("0.0000000000125", 1); // 0.0125 EUR: 1.25 cents, half-even down to 1
        check_eur("0.0000000000135", 1); // 1.35 cents rounds to 1
        check_eur("0.000000000015", 2); // 1.5 cents, half-even up to 2
        check_eur("0.000000000025", 2); // 2.5 cents, half-even down to 2
        check_eur("1.5e-05", 1_500_000);
        check_eur("0", 0);
    }

    #[test]
    fn refuses_what_is_not_a_figure() {
        for bad in ["", "abc", "1,5", "2000000", "-2000000", "NaN"] {
            assert!(BnEur::parse(bad).is_err(), "{bad:?}");
        }
        assert!(BnEur::parse("20000").unwrap().to_eur().is_err(), "20,000 bn EUR is beyond the amount limit");
    }

    fn release(months: &[(&str, &str)]) -> KielRelease {
        let month = |m: &str| YearMonth::parse(m).unwrap();
        KielRelease {
            release: 29,
            period: month("2026-04"),
            date: crate::parse_date("2026-08-04").unwrap(),
            label: Name::parse("Ukraine Support Tracker, Release 29 (04/2026)").unwrap(),
            publisher: Name::parse("Kiel Institute for the World Economy").unwrap(),
            url: SourceUrl::parse("https://www.ifw-kiel.de/").unwrap(),
            purl: months
                .iter()
                .map(|(m, bn)| KielPurlMonth { month: month(m), nato_purl: BnEur::parse(bn).unwrap() })
                .collect(),
            countries: Vec::new(),
        }
    }

    #[test]
    fn a_release_loads_once_and_posts_nothing() {
        use crate::{Command, State};
        let rates = crate::RateTable::default();
        let mut state = State::new();
        let load = |r: KielRelease| Command::LoadKielRelease { release: Box::new(r) };
        state.execute(&rates, &load(release(&[("2025-08", "1.88323218983518"), ("2025-09", "0.045")]))).unwrap();
        assert_eq!(state.events_applied, 1);
        assert!(state.books.check_trial_balance().is_ok());
        assert_eq!(
            state.latest_kiel().and_then(|r| r.purl_in(YearMonth::parse("2025-09").unwrap())),
            BnEur::parse("0.045").ok()
        );
        assert_eq!(state.latest_kiel().and_then(|r| r.purl_in(YearMonth::parse("2026-05").unwrap())), None);
        let again = state.decide(&rates, &load(release(&[("2025-08", "1")]))).unwrap_err();
        assert!(again.to_string().contains("Kiel release 29 is already loaded"), "{again}");

        let fresh = State::new();
        let twice = fresh.decide(&rates, &load(release(&[("2025-09", "1"), ("2025-08", "1")]))).unwrap_err();
        assert!(twice.to_string().contains("not ascending (2025-09 then 2025-08)"), "{twice}");
        let none = fresh.decide(&rates, &load(release(&[]))).unwrap_err();
        assert!(none.to_string().contains("no month of nato_purl"), "{none}");
        let mut zero = release(&[("2025-08", "1")]);
        zero.release = 0;
        assert!(fresh.decide(&rates, &load(zero)).is_err());
        let mut doubled = release(&[("2025-08", "1")]);
        let row = KielCountryMonth {
            country: Name::parse("Germany").unwrap(),
            iso: KielIso::parse("DEU").unwrap(),
            month: YearMonth::parse("2025-08").unwrap(),
            military: BnEur::parse("1.117662").unwrap(),
            gdp: BnEur::parse("3601.74999999994").unwrap(),
            pct_gdp: Decimal::ZERO,
        };
        doubled.countries = vec![row.clone(), row];
        let error = fresh.decide(&rates, &load(doubled)).unwrap_err();
        assert!(error.to_string().contains("DEU appears twice in 2025-08"), "{error}");

        // A release's figures end with its data (04/2026), and its data end before it is published.
        let late = fresh.decide(&rates, &load(release(&[("2026-04", "1"), ("2027-01", "1")]))).unwrap_err();
        assert!(late.to_string().contains("a figure for 2027-01, after the release's data end (2026-04)"), "{late}");
        let mut early = release(&[("2025-08", "1")]);
        early.date = crate::parse_date("2026-03-31").unwrap();
        let early = fresh.decide(&rates, &load(early)).unwrap_err();
        assert!(early.to_string().contains("its data reach 2026-04 but it was published on 2026-03-31"), "{early}");
    }

    #[test]
    fn country_codes() {
        assert_eq!(KielIso::parse("EU").unwrap().as_str(), "EU");
        assert_eq!(KielIso::parse("DEU").unwrap().to_string(), "DEU");
        for bad in ["", "D", "deu", "DEUT", "D1U"] {
            assert!(KielIso::parse(bad).is_err(), "{bad:?}");
        }
    }
}
