//! Currencies, money in integer minor units, and exchange rates.
//!
//! Invariant: an amount is always an `i64` count of the currency's minor unit; decimals appear
//! only in [`Rate`] and at the text boundary ([`Money::parse`], [`Money::to_decimal_string`]).

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::error::ParseError;

/// The largest absolute amount accepted in any currency, in minor units (10^15: ten trillion
/// units of a two-decimal currency). A limit, so sums over millions of entries cannot overflow.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

/// ISO 4217 alphabetic codes with their minor-unit exponent. Covers every currency of the ECB
/// reference rates (current and historical) and the main currencies of contributors.
const ISO_4217: &[(&str, u8)] = &[
    ("AUD", 2),
    ("BGN", 2),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("CYP", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EEK", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HRK", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("ISK", 0),
    ("JPY", 0),
    ("KRW", 0),
    ("LTL", 2),
    ("LVL", 2),
    ("MTL", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("PHP", 2),
    ("PLN", 2),
    ("ROL", 2),
    ("RON", 2),
    ("RUB", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SIT", 2),
    ("SKK", 2),
    ("THB", 2),
    ("TRL", 0),
    ("TRY", 2),
    ("UAH", 2),
    ("USD", 2),
    ("ZAR", 2),
    ("ALL", 2),
    ("MKD", 2),
    ("RSD", 2),
    ("KWD", 3),
    ("BHD", 3),
];

/// An ISO 4217 currency known to Tranche. Parsed, so a `Currency` always has an exponent.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

impl Currency {
    pub const EUR: Currency = Currency { code: *b"EUR", exponent: 2 };
    pub const USD: Currency = Currency { code: *b"USD", exponent: 2 };

    pub fn parse(text: &str) -> Result<Currency, ParseError> {
        ISO_4217
            .iter()
            .find(|(code, _)| *code == text)
            .and_then(|(code, exponent)| Some(Currency { code: code.as_bytes().try_into().ok()?, exponent: *exponent }))
            .ok_or_else(|| ParseError::new("currency", text, "not a known ISO 4217 currency code"))
    }

    pub fn code(&self) -> &str {
        // Only `parse` (from the ASCII table) and the ASCII constants make a code, so this is always
        // valid UTF-8; the empty fallback is never taken.
        std::str::from_utf8(&self.code).unwrap_or_default()
    }

    /// Digits after the decimal point of the minor unit (2 for EUR, 0 for JPY).
    pub fn exponent(&self) -> u32 {
        u32::from(self.exponent)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl TryFrom<String> for Currency {
    type Error = ParseError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Currency::parse(&text)
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> String {
        currency.code().to_string()
    }
}

/// An amount of one currency in integer minor units. Deserialised through [`Money::new`]: an
/// amount beyond [`MAX_AMOUNT_MINOR`] (or not an integer) cannot be read from any input.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "MoneyWire")]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

/// The JSON form of [`Money`], before its limit is checked. `amount_minor` is read as an
/// integer (serde_json never passes it through a float; `1e3` and `1.0` are refused).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoneyWire {
    amount_minor: i64,
    currency: Currency,
}

impl TryFrom<MoneyWire> for Money {
    type Error = ParseError;
    fn try_from(wire: MoneyWire) -> Result<Money, ParseError> {
        Money::new(wire.amount_minor, wire.currency)
    }
}

impl Money {
    /// A money value within [`MAX_AMOUNT_MINOR`].
    pub fn new(amount_minor: i64, currency: Currency) -> Result<Money, ParseError> {
        if amount_minor.checked_abs().is_none_or(|abs| abs > MAX_AMOUNT_MINOR) {
            return Err(ParseError::new("amount", &amount_minor.to_string(), "exceeds the amount limit"));
        }
        Ok(Money { amount_minor, currency })
    }

    pub fn zero(currency: Currency) -> Money {
        Money { amount_minor: 0, currency }
    }

    /// Parses a decimal amount (`"1500000000"`, `"12.5"`) in `currency`. The text may not have
    /// more decimals than the currency's minor unit: nothing is rounded at the boundary.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, ParseError> {
        let value: Decimal =
            text.trim().parse().map_err(|_| ParseError::new("amount", text, "not a decimal number"))?;
        let scaled = value
            .checked_mul(Decimal::from(10_i64.pow(currency.exponent())))
            .ok_or_else(|| ParseError::new("amount", text, "exceeds the amount limit"))?;
        if scaled.fract() != Decimal::ZERO {
            let problem = format!("has more decimals than {} allows ({})", currency, currency.exponent());
            return Err(ParseError::new("amount", text, &problem));
        }
        let minor =
            i64::try_from(scaled.trunc()).map_err(|_| ParseError::new("amount", text, "exceeds the amount limit"))?;
        Money::new(minor, currency).map_err(|_| ParseError::new("amount", text, "exceeds the amount limit"))
    }

    /// Parses an amount that must be strictly positive (pledges, payments, targets).
    pub fn parse_positive(text: &str, currency: Currency) -> Result<Money, ParseError> {
        let money = Money::parse(text, currency)?;
        if money.amount_minor < 0 {
            return Err(ParseError::new("amount", text, "is negative; amounts must be positive"));
        }
        if money.amount_minor == 0 {
            return Err(ParseError::new("amount", text, "is zero; amounts must be positive"));
        }
        Ok(money)
    }

    pub fn is_positive(&self) -> bool {
        self.amount_minor > 0
    }

    /// The value as a `Decimal` in major units (exact).
    pub fn to_decimal(&self) -> Decimal {
        Decimal::new(self.amount_minor, self.currency.exponent())
    }

    /// `"4434608230.02"`: all minor digits, no grouping, no currency.
    pub fn to_decimal_string(&self) -> String {
        self.to_decimal().to_string()
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        let sum = self.amount_minor.checked_add(other.amount_minor)?;
        Money::new(sum, self.currency).ok()
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.checked_add(Money { amount_minor: other.amount_minor.checked_neg()?, ..other })
    }

    pub fn negated(self) -> Money {
        // |amount| <= MAX_AMOUNT_MINOR, so the negation is exact and never saturates.
        Money { amount_minor: self.amount_minor.saturating_neg(), currency: self.currency }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.to_decimal_string())
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Rounds a decimal amount of `currency` half-even to its minor unit.
pub fn round_half_even(value: Decimal, currency: Currency) -> Result<Money, ParseError> {
    let rounded = value.round_dp_with_strategy(currency.exponent(), RoundingStrategy::MidpointNearestEven);
    let scaled = 10_i64.checked_pow(currency.exponent()).and_then(|unit| rounded.checked_mul(Decimal::from(unit)));
    let minor = scaled
        .and_then(|scaled| i64::try_from(scaled.trunc()).ok())
        .ok_or_else(|| ParseError::new("amount", &value.to_string(), "exceeds the amount limit"))?;
    Money::new(minor, currency)
}

/// An exchange rate: units of a currency per one EUR (the ECB reference convention). Positive.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rate(Decimal);

impl Rate {
    /// The rate of EUR itself.
    pub const ONE: Rate = Rate(Decimal::ONE);

    pub fn parse(text: &str) -> Result<Rate, ParseError> {
        let value: Decimal = text.trim().parse().map_err(|_| ParseError::new("rate", text, "not a decimal number"))?;
        Rate::new(value).ok_or_else(|| ParseError::new("rate", text, "must be positive"))
    }

    pub fn new(units_per_eur: Decimal) -> Option<Rate> {
        (units_per_eur > Decimal::ZERO).then_some(Rate(units_per_eur.normalize()))
    }

    pub fn units_per_eur(&self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl TryFrom<String> for Rate {
    type Error = ParseError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Rate::parse(&text)
    }
}

impl From<Rate> for String {
    fn from(rate: Rate) -> String {
        rate.0.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_parse(text: &str, code: &str, expect: Result<i64, &str>) {
        let currency = Currency::parse(code).unwrap();
        let got = Money::parse(text, currency).map(|m| m.amount_minor).map_err(|e| e.to_string());
        match expect {
            Ok(minor) => assert_eq!(got, Ok(minor), "{text} {code}"),
            Err(fragment) => {
                let message = got.expect_err(text);
                assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
            }
        }
    }

    #[test]
    fn parses_amounts_exactly() {
        check_parse("1500000000", "NOK", Ok(150_000_000_000));
        check_parse("12.5", "EUR", Ok(1250));
        check_parse("0.01", "USD", Ok(1));
        check_parse("-3", "EUR", Ok(-300));
        check_parse("136", "ISK", Ok(136));
        check_parse("1.5", "JPY", Err("more decimals than JPY allows"));
        check_parse("1.005", "EUR", Err("more decimals than EUR allows"));
        check_parse("abc", "EUR", Err("not a decimal number"));
        check_parse("10000000000000.01", "EUR", Err("amount limit"));
    }

    #[test]
    fn positive_amounts_reject_zero_and_negative() {
        let eur = Currency::EUR;
        assert!(Money::parse_positive("0", eur).unwrap_err().to_string().contains("zero"));
        assert!(Money::parse_positive("-1", eur).unwrap_err().to_string().contains("negative"));
        assert_eq!(Money::parse_positive("2", eur).unwrap().amount_minor, 200);
    }

    #[test]
    fn unknown_currency_is_named() {
        let message = Currency::parse("XYZ").unwrap_err().to_string();
        assert!(message.contains("XYZ") && message.contains("ISO 4217"), "{message}");
    }

    #[test]
    fn rounds_half_even() {
        let eur = Currency::EUR;
        let check = |text: &str, minor: i64| {
            assert_eq!(round_half_even(text.parse().unwrap(), eur).unwrap().amount_minor, minor, "{text}")
        };
        check("0.125", 12);
        check("0.135", 14);
        check("0.1250001", 13);
        check("-0.125", -12);
        check("2.675", 268);
    }

    #[test]
    fn deserialises_only_within_the_limit() {
        let read = |json: &str| serde_json::from_str::<Money>(json).map_err(|e| e.to_string());
        assert_eq!(read(r#"{"amount_minor": 100, "currency": "EUR"}"#).unwrap().amount_minor, 100);
        assert_eq!(
            read(r#"{"amount_minor": 1000000000000000, "currency": "EUR"}"#).unwrap().amount_minor,
            MAX_AMOUNT_MINOR
        );
        for (json, fragment) in [
            (r#"{"amount_minor": 9223372036854775807, "currency": "EUR"}"#, "exceeds the amount limit"),
            (r#"{"amount_minor": 1000000000000001, "currency": "EUR"}"#, "exceeds the amount limit"),
            (r#"{"amount_minor": -9223372036854775808, "currency": "EUR"}"#, "exceeds the amount limit"),
            (r#"{"amount_minor": 99999999999999999999, "currency": "EUR"}"#, "invalid"),
            (r#"{"amount_minor": 1e3, "currency": "EUR"}"#, "invalid type"),
            (r#"{"amount_minor": 1.0, "currency": "EUR"}"#, "invalid type"),
            (r#"{"amount_minor": "100", "currency": "EUR"}"#, "invalid type"),
            (r#"{"amount_minor": 100, "currency": "XYZ"}"#, "ISO 4217"),
            (r#"{"amount_minor": 100, "currency": "EUR", "extra": 1}"#, "unknown field"),
        ] {
            let message = read(json).expect_err(json);
            assert!(message.contains(fragment), "{json}: {message:?} lacks {fragment:?}");
        }
    }

    #[test]
    fn formats_as_plain_decimal() {
        let money = Money::new(443_460_823_002, Currency::EUR).unwrap();
        assert_eq!(money.to_decimal_string(), "4434608230.02");
        assert_eq!(Money::new(0, Currency::USD).unwrap().to_decimal_string(), "0.00");
        assert_eq!(Money::new(-5, Currency::EUR).unwrap().to_decimal_string(), "-0.05");
    }
}
