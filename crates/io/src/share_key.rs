//! Share keys from CSV (`party,value`), and the GDP key the parties table ships.

use std::collections::BTreeMap;

use tranche_core::domain::{KeyEntry, KeyValue, ShareKey, Source};
use tranche_core::{Note, PartyId, ShareKeyName};

use crate::table::{RowError, Table};

/// Reads `party,value` rows into a key named `name` with `source`. A party named twice, a value
/// that is not a non-negative decimal, or an unknown column layout is an error naming the line.
pub fn parse(
    file: &str,
    text: &str,
    name: ShareKeyName,
    source: Source,
    note: Option<Note>,
) -> Result<ShareKey, RowError> {
    let table = Table::read(file, text, &["party", "value"])?;
    let mut values = Vec::new();
    let mut first_line: BTreeMap<PartyId, u64> = BTreeMap::new();
    for row in table.rows() {
        let party = row.parse("party", PartyId::parse)?;
        let value = row.parse("value", KeyValue::parse)?;
        if let Some(line) = first_line.insert(party, row.line()) {
            return Err(row.error("party", format!("{party} is already given a value on line {line}")));
        }
        values.push(KeyEntry { party, value });
    }
    if values.is_empty() {
        return Err(RowError { file: file.to_string(), line: 1, column: None, problem: "no rows".into() });
    }
    Ok(ShareKey { name, source, note, values })
}

/// The parties table's `gdp_2021_bn_eur` column as a key (parties without a GDP are left out).
pub fn gdp_from_parties(file: &str, text: &str, name: ShareKeyName, source: Source) -> Result<ShareKey, RowError> {
    let table = Table::read(file, text, &["party_id", "gdp_2021_bn_eur"])?;
    let mut values = Vec::new();
    for row in table.rows() {
        if row.get("gdp_2021_bn_eur").is_empty() {
            continue;
        }
        let party = row.parse("party_id", PartyId::parse)?;
        let value = row.parse("gdp_2021_bn_eur", KeyValue::parse)?;
        values.push(KeyEntry { party, value });
    }
    let note = Note::parse("GDP 2021 in bn EUR, from the parties table (Kiel tracker, release 29)").ok();
    Ok(ShareKey { name, source, note, values })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tranche_core::Confidence;

    fn check(text: &str, expect: &str) {
        let source = Source {
            url: None,
            date: tranche_core::parse_date("2025-01-01").unwrap(),
            confidence: Confidence::Confirmed,
        };
        let name = ShareKeyName::parse("k").unwrap();
        let got = parse("k.csv", text, name, source, None).map(|k| format!("{} values", k.values.len()));
        assert_eq!(got.unwrap_or_else(|e| e.to_string()), expect, "{text}");
    }

    #[test]
    fn key_files_are_checked_by_line() {
        check("party,value\nNLD,1\nDEU,2.5\n", "2 values");
        check("party,value\r\nNLD,1\r\nDEU,2.5\r\n", "2 values");
        check("party,value\nNLD,1\nNLD,2\n", "k.csv:3: column party: NLD is already given a value on line 2");
        check("party,value\nNLD,-1\n", "k.csv:2: column value: value \"-1\" is negative");
        check("party,value\nNLD,lots\n", "k.csv:2: column value: value \"lots\" is not a decimal number");
        for odd in ["1_000", "1e3", "+5", "1.", ".5", "1,5"] {
            let text = format!("party,value\nNLD,\"{odd}\"\n");
            check(&text, &format!("k.csv:2: column value: value \"{odd}\" is not a decimal number"));
        }
        check(
            "party,value\nnl,1\n",
            "k.csv:2: column party: party \"nl\" is not a party id (3 to 8 capital letters, ISO 3166-1 alpha-3 for states)",
        );
        check("party,weight\nNLD,1\n", "k.csv:1: missing column \"value\" (the header has: party, weight)");
        check("party,value\n", "k.csv:1: no rows");
    }

    #[test]
    fn the_shipped_parties_give_a_gdp_key() {
        let source = Source {
            url: None,
            date: tranche_core::parse_date("2026-04-01").unwrap(),
            confidence: Confidence::Reported,
        };
        let name = ShareKeyName::parse("gdp-2021").unwrap();
        let key = gdp_from_parties("parties.csv", crate::shipped::PARTIES_CSV, name, source).unwrap();
        let deu = key.value_of(&PartyId::parse("DEU").unwrap()).unwrap();
        assert!(deu.value() > rust_decimal::Decimal::from(3000), "{deu:?}");
        for missing in ["ALB", "MNE", "MKD", "UKR", "NATO"] {
            assert_eq!(key.value_of(&PartyId::parse(missing).unwrap()), None, "{missing}");
        }
    }
}
