//! The committed OpenAPI document (`docs/openapi.json`) equals the one the code generates.
//! After an intended change: `UPDATE_OPENAPI=1 cargo test -p tranche-api --test openapi`.

use std::path::Path;

#[test]
fn committed_openapi_document_is_current() {
    let generated = tranche_api::openapi::document() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date; run UPDATE_OPENAPI=1 cargo test -p tranche-api --test openapi and commit it"
    );
    let document: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    for path in ["/api/v1/summary", "/api/v1/packages", "/api/v1/commands", "/api/v1/events", "/api/v1/events/stream"] {
        assert!(document["paths"].get(path).is_some(), "{path} is not documented");
    }
}
