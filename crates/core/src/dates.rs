//! Calendar dates at the boundary: `YYYY-MM-DD` exactly, within [`FIRST_YEAR`]..=[`LAST_YEAR`].
//!
//! chrono's own parser accepts `+10000-01-01`, `-0001-01-01`, `2026-1-1` and surrounding
//! spaces; every date that enters (HTTP JSON, CSV, the command line, backups) goes through
//! [`parse_date`] instead, so none of those can be represented. Dates are serialised by chrono,
//! which writes exactly this form for these years.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serializer};

use crate::error::ParseError;

/// The earliest year a date may have (before any reference rate of the euro).
pub const FIRST_YEAR: i32 = 1990;
/// The latest year a date may have.
pub const LAST_YEAR: i32 = 2199;

/// Parses `YYYY-MM-DD`: four-digit year, two-digit month and day, nothing around it.
pub fn parse_date(text: &str) -> Result<NaiveDate, ParseError> {
    let bad = |problem: &str| ParseError::new("date", text, problem);
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        return Err(bad("is not a date (YYYY-MM-DD)"));
    }
    // The shape holds, so each part is all digits: read them directly (a format string would be
    // parsed again for every date, which shows when a snapshot of millions is decoded).
    let number = |range: std::ops::Range<usize>| text.get(range).and_then(|part| part.parse::<u32>().ok());
    let date = match (number(0..4).and_then(|y| i32::try_from(y).ok()), number(5..7), number(8..10)) {
        (Some(year), Some(month), Some(day)) => NaiveDate::from_ymd_opt(year, month, day),
        _ => None,
    }
    .ok_or_else(|| bad("is not a calendar date"))?;
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return Err(bad(&format!("is outside the years {FIRST_YEAR} to {LAST_YEAR}")));
    }
    Ok(date)
}

/// `#[serde(with = "crate::dates::iso")]`: a date field that deserialises through [`parse_date`].
pub mod iso {
    use super::*;

    pub fn serialize<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(date)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        parse_date(&text).map_err(serde::de::Error::custom)
    }
}

/// The same for `Option<NaiveDate>` (`null` or absent is `None`; pair it with `#[serde(default)]`).
pub mod iso_option {
    use super::*;

    pub fn serialize<S: Serializer>(date: &Option<NaiveDate>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.collect_str(date),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
        let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(deserializer)?;
        text.map(|text| parse_date(&text).map_err(serde::de::Error::custom)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expect: Result<&str, &str>) {
        let got = parse_date(text).map(|d| d.to_string()).map_err(|e| e.to_string());
        match expect {
            Ok(date) => assert_eq!(got, Ok(date.to_string()), "{text:?}"),
            Err(fragment) => {
                let message = got.expect_err(text);
                assert!(message.contains(fragment), "{text:?}: {message:?} lacks {fragment:?}");
            }
        }
    }

    #[test]
    fn only_plain_iso_dates_within_the_years() {
        check("2025-08-05", Ok("2025-08-05"));
        check("1999-01-04", Ok("1999-01-04"));
        check("2024-02-29", Ok("2024-02-29"));
        check("-0001-01-01", Err("not a date"));
        check("+10000-01-01", Err("not a date"));
        check("2026-1-1", Err("not a date"));
        check(" 2026-01-01", Err("not a date"));
        check("2026-01-01 ", Err("not a date"));
        check("2026/01/01", Err("not a date"));
        check("2025-02-29", Err("not a calendar date"));
        check("2026-13-01", Err("not a calendar date"));
        check("2026-00-10", Err("not a calendar date"));
        check("2026-04-31", Err("not a calendar date"));
        check("2026-01-00", Err("not a calendar date"));
        check("0000-01-01", Err("outside the years"));
        check("2199-12-31", Ok("2199-12-31"));
        check("0001-01-01", Err("outside the years"));
        check("9999-12-31", Err("outside the years"));
        check("", Err("not a date"));
    }

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Dated {
        #[serde(with = "iso")]
        on: NaiveDate,
        #[serde(default, with = "iso_option")]
        until: Option<NaiveDate>,
    }

    #[test]
    fn serde_goes_through_the_parser_both_ways() {
        let dated: Dated = serde_json::from_str(r#"{"on": "2025-08-05", "until": null}"#).unwrap();
        assert_eq!(serde_json::to_string(&dated).unwrap(), r#"{"on":"2025-08-05","until":null}"#);
        let absent: Dated = serde_json::from_str(r#"{"on": "2025-08-05"}"#).unwrap();
        assert_eq!(absent.until, None);
        for bad in
            [r#"{"on": "+10000-01-01"}"#, r#"{"on": "2026-1-1"}"#, r#"{"on": "2025-08-05", "until": " 2026-01-01"}"#]
        {
            assert!(serde_json::from_str::<Dated>(bad).is_err(), "{bad}");
        }
    }
}
