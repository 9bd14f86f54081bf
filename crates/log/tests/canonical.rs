//! The leaf serialisation against the RFC 8785 reference crate, for arbitrary JSON: nested
//! objects with keys outside ASCII (where UTF-16 and UTF-8 orders differ), control characters,
//! integers at the extremes and fractions.

use proptest::prelude::*;
use serde_json::Value;
use tranche_log::leaf::write_canonical;

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1.0e12f64..1.0e12).prop_map(Value::from),
        "(?s).{0,12}".prop_map(Value::String),
        prop_oneof![Just("\u{e000}"), Just("\u{1f600}"), Just("a\u{7}b"), Just("\u{2028}")].prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        "[a-z]{1,4}",
                        "(?s).{0,3}",
                        Just("\u{e000}".to_string()),
                        Just("\u{1f600}".to_string())
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn agrees_with_the_rfc_8785_crate(value in json()) {
        let mut ours = Vec::new();
        write_canonical(&value, &mut ours).unwrap();
        let reference = serde_json_canonicalizer::to_vec(&value).unwrap();
        prop_assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&reference));
    }
}

#[test]
fn keys_sort_by_utf16_code_units() {
    // U+E000 sorts after U+1F600 in UTF-8 but before it in UTF-16 (a surrogate pair, 0xD83D).
    let value: Value = serde_json::from_str(r#"{"\ue000": 1, "\ud83d\ude00": 2, "a": 3}"#).unwrap();
    let mut out = Vec::new();
    write_canonical(&value, &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "{\"a\":3,\"\u{1f600}\":2,\"\u{e000}\":1}");
}
