//! OpenAPI schemas of the types that are read through a constructor (`try_from = "String"`,
//! `try_from = "Decimal"`, `try_from = "MoneyWire"`): their JSON form is a string or an object
//! that the derive cannot see, so it is written here beside the rule it states. Only with the
//! `openapi` feature; the structs and enums built from them derive theirs (`utoipa::ToSchema`).

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::command::Percent;
use crate::domain::KeyValue;
use crate::ids::{
    CommandId, DecisionId, GroupId, MechanismId, PackageRef, PartyId, PledgeId, RequirementId, ShareKeyName, TargetId,
};
use crate::money::{Currency, MAX_AMOUNT_MINOR, Money};
use crate::reference::{BnEur, KielIso};
use crate::summary::YearMonth;
use crate::text::{MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_URL_BYTES, Name, Note, SourceUrl};

/// A plain decimal number as a string (`"1681.127"`): how every `Decimal` is read and written.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";

/// A string schema: description, pattern, length limit and an example.
fn text(description: &str, pattern: Option<&str>, max_length: Option<usize>, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(pattern)
        .min_length(Some(1))
        .max_length(max_length)
        .examples([serde_json::Value::String(example.to_string())])
        .into()
}

macro_rules! string_schema {
    ($($name:ident: $description:literal, $pattern:expr, $max:expr, $example:literal;)+) => {$(
        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                text($description, $pattern, $max, $example)
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    )+};
}

/// Letters, digits and `-_.:`, beginning with a letter or digit (`ids::is_token`).
const TOKEN: Option<&str> = Some("^[A-Za-z0-9][A-Za-z0-9._:-]*$");

string_schema! {
    PartyId: "A party: 3 to 8 capital letters (ISO 3166-1 alpha-3 for states)", Some("^[A-Z]{3,8}$"), Some(8), "NLD";
    PledgeId: "A pledge id: the public record's (`R12`) or any client-chosen token", TOKEN, Some(64), "R12";
    PackageRef: "A package: publicly numbered (`2`) or a local id", TOKEN, Some(64), "PLNODE-2025-12";
    GroupId: "A group of parties that acts jointly", TOKEN, Some(32), "NB8";
    RequirementId: "A requirement on the recipient's list", TOKEN, Some(64), "REQ-2026-03-07";
    DecisionId: "A decision", TOKEN, Some(64), "D-2026-03-list";
    TargetId: "A target", TOKEN, Some(64), "T01";
    MechanismId: "A mechanism", TOKEN, Some(32), "PURL";
    ShareKeyName: "A share key: lowercase letters, digits and '-'", Some("^[a-z0-9-]+$"), Some(64), "gdp-2021";
    CommandId: "A command id: visible ASCII", Some("^[!-~]+$"), Some(160), "announce-R12";
    Name: "A name: one line of printable characters", Some(r"^[^\n\r]+$"), Some(MAX_NAME_CHARS), "Air defence package";
    Note: "A note, reason or description: printable characters, line breaks allowed", None, Some(MAX_NOTE_CHARS), "As announced by the ministry";
    SourceUrl: "Where a fact was published: an http(s) URL with a host", Some("^https?://[^/?#]+"), Some(MAX_URL_BYTES), "https://www.government.nl/latest/news";
    Currency: "An ISO 4217 currency code known to Tranche", Some("^[A-Z]{3}$"), Some(3), "EUR";
    YearMonth: "A calendar month, YYYY-MM", Some("^[0-9]{4}-(0[1-9]|1[0-2])$"), Some(7), "2026-03";
    DecimalText: "A decimal number in plain notation, as a string", Some(DECIMAL_PATTERN), None, "1681.127";
    Percent: "A percentage: more than 0, at most 100, at most six decimals, as a string", Some(DECIMAL_PATTERN), None, "25";
    BnEur: "A Kiel tracker figure in billions of EUR (negative where Kiel corrects an earlier month), plain notation, as a string", Some(DECIMAL_PATTERN), None, "1.883232";
    KielIso: "A country code as the Kiel tracker writes it: two or three capital letters (EU for the EU)", Some("^[A-Z]{2,3}$"), Some(3), "NLD";
    KeyValue: "A share key value: not negative, at most 1,000,000,000,000, at most six decimals, as a string", Some(DECIMAL_PATTERN), None, "1681.127";
}

/// The schema of a `Decimal` (read and written as a string), for fields that hold one.
pub struct DecimalText;

impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        let amount = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .description(Some("Integer minor units (cents for EUR); an integer, never a float"))
            .minimum(Some(-MAX_AMOUNT_MINOR))
            .maximum(Some(MAX_AMOUNT_MINOR));
        ObjectBuilder::new()
            .description(Some("An amount of one currency in integer minor units"))
            .property("amount_minor", amount)
            .property("currency", Currency::schema())
            .required("amount_minor")
            .required("currency")
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::<Schema>::FreeForm(false)))
            .examples([serde_json::json!({"amount_minor": 150_000_000, "currency": "EUR"})])
            .into()
    }
}

impl ToSchema for Money {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Money")
    }
}
