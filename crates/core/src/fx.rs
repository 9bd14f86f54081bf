//! Reference rates and conversion: the latest rate on or before a date, cross rates through EUR,
//! half-even rounding to the target's minor unit.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::error::FxError;
use crate::money::{Currency, Money, Rate, round_half_even};

/// One published reference rate: `rate` units of `currency` per EUR on `date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateQuote {
    pub date: NaiveDate,
    pub currency: Currency,
    pub rate: Rate,
}

/// ECB-style rates, indexed by currency then date. EUR itself is implicit (rate 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateTable {
    by_currency: BTreeMap<Currency, BTreeMap<NaiveDate, Rate>>,
    /// The lowest and highest rate held per currency, for bounds on sums over many dates.
    extremes: BTreeMap<Currency, (Rate, Rate)>,
}

/// What inserting a quote did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    New,
    Unchanged,
}

/// A quote that disagrees with one already held for the same currency and date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("conflicting {currency} rate for {date}: {existing} is loaded, {offered} offered")]
pub struct RateConflict {
    pub currency: Currency,
    pub date: NaiveDate,
    pub existing: Rate,
    pub offered: Rate,
}

impl RateTable {
    pub fn new() -> RateTable {
        RateTable::default()
    }

    /// Adds a quote. The same quote twice is `Unchanged`; a different rate for a held date is a
    /// conflict (reference rates are never silently replaced).
    pub fn insert(&mut self, quote: RateQuote) -> Result<Inserted, RateConflict> {
        let dates = self.by_currency.entry(quote.currency).or_default();
        match dates.get(&quote.date) {
            Some(existing) if *existing == quote.rate => Ok(Inserted::Unchanged),
            Some(existing) => Err(RateConflict {
                currency: quote.currency,
                date: quote.date,
                existing: *existing,
                offered: quote.rate,
            }),
            None => {
                dates.insert(quote.date, quote.rate);
                let extremes = self.extremes.entry(quote.currency).or_insert((quote.rate, quote.rate));
                if quote.rate.units_per_eur() < extremes.0.units_per_eur() {
                    extremes.0 = quote.rate;
                }
                if quote.rate.units_per_eur() > extremes.1.units_per_eur() {
                    extremes.1 = quote.rate;
                }
                Ok(Inserted::New)
            }
        }
    }

    /// The lowest and highest units of `currency` per EUR held (EUR: 1 and 1); `None` without
    /// a rate.
    pub fn rate_range(&self, currency: Currency) -> Option<(Rate, Rate)> {
        match currency == Currency::EUR {
            true => Some((Rate::ONE, Rate::ONE)),
            false => self.extremes.get(&currency).copied(),
        }
    }

    pub fn len(&self) -> usize {
        self.by_currency.values().map(BTreeMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn quotes(&self) -> impl Iterator<Item = RateQuote> + '_ {
        self.by_currency.iter().flat_map(|(currency, dates)| {
            dates.iter().map(|(date, rate)| RateQuote { date: *date, currency: *currency, rate: *rate })
        })
    }

    /// Units of `currency` per EUR: the latest rate published on or before `date`.
    pub fn rate_on(&self, currency: Currency, date: NaiveDate) -> Result<Rate, FxError> {
        if currency == Currency::EUR {
            return Ok(Rate::ONE);
        }
        let dates = self.by_currency.get(&currency);
        dates.and_then(|dates| dates.range(..=date).next_back()).map(|(_, rate)| *rate).ok_or_else(|| {
            FxError::MissingRate { currency, date, first_rate_on: dates.and_then(|dates| dates.keys().next().copied()) }
        })
    }

    /// The date of the rate [`RateTable::rate_on`] uses: the latest publication of `currency` on
    /// or before `date`; `None` for EUR (rate 1, never published) or without a rate.
    pub fn published_on(&self, currency: Currency, date: NaiveDate) -> Option<NaiveDate> {
        self.by_currency.get(&currency)?.range(..=date).next_back().map(|(published, _)| *published)
    }

    /// Converts `money` into `to` at the rates of `date`, through EUR, rounded half-even once to
    /// the minor unit of `to`. The arithmetic is an exact integer fraction, so the only rounding
    /// is the final one.
    pub fn convert(&self, money: Money, to: Currency, date: NaiveDate) -> Result<Money, FxError> {
        if money.currency == to {
            return Ok(money);
        }
        convert_at(money, to, self.rate_on(money.currency, date)?, self.rate_on(to, date)?)
    }
}

/// Converts `money` into `to` given both currencies' units per EUR, rounded half-even once.
/// A result beyond the amount limit is an error, never a wrapped or saturated number.
pub fn convert_at(money: Money, to: Currency, from_rate: Rate, to_rate: Rate) -> Result<Money, FxError> {
    Conversion::new(money.currency, to, from_rate, to_rate).apply(money)
}

/// A conversion between two currencies at fixed rates, prepared once for many amounts:
/// `minor_to = minor_from × numerator / denominator`, with each rate `m / 10^s`, so both are
/// integers; the result is rounded half-even once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversion {
    from: Currency,
    to: Currency,
    from_rate: Rate,
    to_rate: Rate,
    /// `None` when it does not fit 128 bits (the decimal fallback takes over).
    numerator: Option<i128>,
    denominator: Option<i128>,
}

impl Conversion {
    pub fn new(from: Currency, to: Currency, from_rate: Rate, to_rate: Rate) -> Conversion {
        let (f, t) = (from_rate.units_per_eur(), to_rate.units_per_eur());
        Conversion {
            from,
            to,
            from_rate,
            to_rate,
            numerator: pow10(f.scale(), to.exponent()).and_then(|p| t.mantissa().checked_mul(p)),
            denominator: pow10(t.scale(), from.exponent()).and_then(|p| f.mantissa().checked_mul(p)),
        }
    }

    pub fn apply(&self, money: Money) -> Result<Money, FxError> {
        if money.currency == self.to {
            return Ok(money);
        }
        debug_assert_eq!(money.currency, self.from, "a conversion applies to its own currency");
        let to = self.to;
        let overflow = || FxError::Overflow { amount: money.to_string(), to };
        let numerator = self.numerator.and_then(|n| i128::from(money.amount_minor).checked_mul(n));
        let minor = match (numerator, self.denominator) {
            // Most amounts fit 64 bits, whose division is several times faster.
            (Some(n), Some(d)) if d > 0 => match (i64::try_from(n), i64::try_from(d)) {
                (Ok(n), Ok(d)) => divide_half_even_64(n, d).map(i128::from),
                _ => divide_half_even(n, d),
            },
            _ => {
                let (from_rate, to_rate) = (self.from_rate.units_per_eur(), self.to_rate.units_per_eur());
                let exact = money
                    .to_decimal()
                    .checked_div(from_rate)
                    .and_then(|v| v.checked_mul(to_rate))
                    .ok_or_else(overflow)?;
                return round_half_even(exact, to).map_err(|_| overflow());
            }
        };
        let minor = minor.and_then(|minor| i64::try_from(minor).ok()).ok_or_else(overflow)?;
        Money::new(minor, to).map_err(|_| overflow())
    }
}

/// `10^(a + b)`, `None` beyond 128 bits.
fn pow10(a: u32, b: u32) -> Option<i128> {
    10i128.checked_pow(a.checked_add(b)?)
}

/// `n / d` rounded half to even; `None` only for `d <= 0`, which the caller excludes.
fn divide_half_even_64(n: i64, d: i64) -> Option<i64> {
    let (quotient, remainder) = (n.checked_div_euclid(d)?, n.checked_rem_euclid(d)?);
    // `remainder` is in `0..d`, so `d - remainder` is exact; comparing avoids `2 × remainder`.
    match rounds_up(remainder.cmp(&d.checked_sub(remainder)?), quotient & 1 == 1) {
        true => quotient.checked_add(1),
        false => Some(quotient),
    }
}

/// `n / d` rounded half to even; `None` only for `d <= 0`, which the caller excludes.
fn divide_half_even(n: i128, d: i128) -> Option<i128> {
    let (quotient, remainder) = (n.checked_div_euclid(d)?, n.checked_rem_euclid(d)?);
    match rounds_up(remainder.cmp(&d.checked_sub(remainder)?), quotient & 1 == 1) {
        true => quotient.checked_add(1),
        false => Some(quotient),
    }
}

/// Whether a quotient rounds up (half to even), given how its remainder compares with the rest
/// of the divisor and whether the quotient is odd.
fn rounds_up(remainder_vs_rest: std::cmp::Ordering, odd: bool) -> bool {
    match remainder_vs_rest {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => odd,
    }
}

pub use crate::dates::parse_date;

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn date(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    fn table(quotes: &[(&str, &str, &str)]) -> RateTable {
        let mut table = RateTable::new();
        for (day, code, rate) in quotes {
            let quote = RateQuote {
                date: date(day),
                currency: Currency::parse(code).unwrap(),
                rate: Rate::parse(rate).unwrap(),
            };
            table.insert(quote).unwrap();
        }
        table
    }

    fn check(table: &RateTable, amount: &str, from: &str, to: &str, day: &str, expect: &str) {
        let money = Money::parse(amount, Currency::parse(from).unwrap()).unwrap();
        let got = table.convert(money, Currency::parse(to).unwrap(), date(day));
        let got = got.map(|m| m.to_decimal_string()).unwrap_or_else(|e| e.to_string());
        assert_eq!(got, expect, "{amount} {from} -> {to} on {day}");
    }

    #[test]
    fn converts_with_latest_rate_on_or_before() {
        let rates = table(&[("2025-08-01", "USD", "1.1"), ("2025-08-04", "USD", "1.2"), ("2025-08-04", "NOK", "12")]);
        check(&rates, "100", "EUR", "USD", "2025-08-01", "110.00");
        check(&rates, "100", "EUR", "USD", "2025-08-03", "110.00");
        check(&rates, "100", "EUR", "USD", "2025-08-04", "120.00");
        check(&rates, "120", "USD", "EUR", "2025-08-05", "100.00");
        check(&rates, "1200", "NOK", "USD", "2025-08-04", "120.00");
        check(&rates, "1", "USD", "EUR", "2025-08-04", "0.83");
        check(&rates, "5", "EUR", "EUR", "1999-01-01", "5.00");
    }

    #[test]
    fn rounds_once_half_even() {
        let rates = table(&[("2025-01-01", "USD", "1.5")]);
        // 0.05 / 1.5 * ... : 0.15 USD = 0.1 EUR exactly; 0.01 USD = 0.00666.. EUR -> 0.01
        check(&rates, "0.01", "USD", "EUR", "2025-01-01", "0.01");
        // 0.03 EUR * 1.5 = 0.045 USD -> 0.04 (half to even)
        check(&rates, "0.03", "EUR", "USD", "2025-01-01", "0.04");
        // 0.05 EUR * 1.5 = 0.075 USD -> 0.08 (half to even)
        check(&rates, "0.05", "EUR", "USD", "2025-01-01", "0.08");
    }

    #[test]
    fn missing_rate_is_an_error_naming_currency_and_date() {
        let rates = table(&[("2025-08-04", "USD", "1.2")]);
        check(
            &rates,
            "1",
            "USD",
            "EUR",
            "2025-08-01",
            "no exchange rate for USD on or before 2025-08-01 (the first USD rate loaded is for 2025-08-04)",
        );
        check(
            &rates,
            "1",
            "NOK",
            "USD",
            "2025-08-05",
            "no exchange rate for NOK on or before 2025-08-05 (no NOK rates are loaded; import ECB rates first)",
        );
    }

    proptest::proptest! {
        /// The exact integer path agrees with a straightforward decimal computation.
        #[test]
        fn integer_conversion_matches_decimal_reference(
            minor in -1_000_000_000_000i64..1_000_000_000_000,
            from_mantissa in 1i64..100_000_000, from_scale in 0u32..7,
            to_mantissa in 1i64..100_000_000, to_scale in 0u32..7,
            codes in proptest::sample::select(vec![("USD", "NOK"), ("JPY", "USD"), ("NOK", "ISK"), ("EUR", "GBP"), ("KWD", "EUR")]),
        ) {
            let (from, to) = (Currency::parse(codes.0).unwrap(), Currency::parse(codes.1).unwrap());
            let day = date("2025-01-01");
            let mut rates = RateTable::new();
            for (currency, mantissa, scale) in [(from, from_mantissa, from_scale), (to, to_mantissa, to_scale)] {
                if currency != Currency::EUR {
                    let rate = Rate::new(Decimal::new(mantissa, scale)).unwrap();
                    rates.insert(RateQuote { date: day, currency, rate }).unwrap();
                }
            }
            let money = Money::new(minor, from).unwrap();
            // Never panics: either the same amount as the decimal reference, or an overflow error
            // exactly when the reference is out of range too.
            let got = rates.convert(money, to, day);
            let (from_rate, to_rate) = (rates.rate_on(from, day).unwrap().units_per_eur(), rates.rate_on(to, day).unwrap().units_per_eur());
            let reference = money.to_decimal().checked_div(from_rate).and_then(|v| v.checked_mul(to_rate)).map(|exact| round_half_even(exact, to));
            match reference {
                Some(Ok(reference)) => proptest::prop_assert_eq!(got.unwrap(), reference),
                _ => {
                    let overflowed = matches!(got, Err(FxError::Overflow { .. }));
                    proptest::prop_assert!(overflowed, "expected an overflow error, got {:?}", got);
                }
            }
        }
    }

    #[test]
    fn a_conversion_beyond_the_amount_limit_is_an_error() {
        let rates = table(&[("2025-01-01", "IDR", "20000")]);
        check(
            &rates,
            "10000000000000",
            "EUR",
            "IDR",
            "2025-01-01",
            "EUR 10000000000000.00 converted into IDR exceeds the amount limit",
        );
        check(&rates, "1000000", "EUR", "IDR", "2025-01-01", "20000000000.00");
    }

    #[test]
    fn extreme_rates_are_a_value_or_an_error_never_a_panic() {
        // The divisor is 10^38 and the remainder 9 × 10^37: twice it does not fit 128 bits.
        let rates = table(&[
            ("2025-01-01", "USD", "1000000000000000000000000000"),
            ("2025-01-01", "NOK", "1000000000000.000000001"),
        ]);
        check(&rates, "9000000000000", "USD", "NOK", "2025-01-01", "0.01");
        // Beyond 128 bits the decimal path converts; its result times 100 exceeds a decimal.
        let rates = table(&[
            ("2025-01-01", "USD", "1.0000000000000000000000000001"),
            ("2025-01-01", "NOK", "70000000000000000000000000000"),
        ]);
        check(&rates, "1", "USD", "NOK", "2025-01-01", "USD 1.00 converted into NOK exceeds the amount limit");
    }

    #[test]
    fn conflicting_quote_is_rejected_and_repeat_is_unchanged() {
        let mut rates = table(&[("2025-08-04", "USD", "1.2")]);
        let same = RateQuote { date: date("2025-08-04"), currency: Currency::USD, rate: Rate::parse("1.20").unwrap() };
        assert_eq!(rates.insert(same), Ok(Inserted::Unchanged));
        let other = RateQuote { rate: Rate::parse("1.3").unwrap(), ..same };
        let message = rates.insert(other).unwrap_err().to_string();
        assert_eq!(message, "conflicting USD rate for 2025-08-04: 1.2 is loaded, 1.3 offered");
    }
}
