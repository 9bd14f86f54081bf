//! The committed OpenAPI document (`docs/openapi.json`) equals the one the code generates.
//! After an intended change: `UPDATE_OPENAPI=1 cargo test -p tranche-api --test openapi`.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::json;

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

fn document() -> serde_json::Value {
    serde_json::from_str(&tranche_api::openapi::document()).unwrap()
}

/// The command types named in `Command::name` (read from its source, apart from the schema).
fn command_names_in_source() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src/command.rs");
    let source = std::fs::read_to_string(path).unwrap();
    let body = source.split("pub fn name(&self)").nth(1).unwrap().split("\n    }\n").next().unwrap();
    body.lines()
        .filter_map(|line| line.trim().strip_prefix("Command::"))
        .filter_map(|arm| arm.split("=> \"").nth(1))
        .map(|rest| rest.trim_end_matches(['"', ',']).to_string())
        .collect()
}

/// The `Command` schema: a `oneOf` of references, one per type, with a discriminator mapping.
fn command_variants(document: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    let schemas = &document["components"]["schemas"];
    let command = &schemas["Command"];
    assert_eq!(command["discriminator"]["propertyName"], "type");
    let mapping = command["discriminator"]["mapping"].as_object().unwrap();
    let mut variants = Vec::new();
    for item in command["oneOf"].as_array().unwrap() {
        let reference = item["$ref"].as_str().expect("each variant is a reference");
        let name = reference.strip_prefix("#/components/schemas/").unwrap();
        let schema = schemas[name].clone();
        let kind = schema["properties"]["type"]["enum"][0].as_str().unwrap().to_string();
        assert_eq!(mapping[&kind], reference, "the discriminator maps {kind} to its schema");
        variants.push((kind, schema));
    }
    assert_eq!(mapping.len(), variants.len());
    variants
}

#[test]
fn every_command_type_has_a_schema_with_an_example_the_endpoint_accepts() {
    let document = document();
    let variants = command_variants(&document);
    let documented: BTreeSet<String> = variants.iter().map(|(kind, _)| kind.clone()).collect();
    let named = command_names_in_source();
    assert!(named.len() >= 29, "read {} command names from command.rs", named.len());
    assert_eq!(documented, named, "documented command types differ from Command::name's");
    for (kind, schema) in &variants {
        let examples = schema["examples"].as_array().unwrap_or_else(|| panic!("{kind} has no example"));
        assert_eq!(examples.len(), 1, "{kind}");
        let example = &examples[0];
        assert_eq!(example["type"], kind.as_str());
        let body = json!({"command_id": "example", "command": example}).to_string();
        let (id, command) = tranche_api::read_command_body(body.as_bytes())
            .unwrap_or_else(|problem| panic!("the endpoint refuses the {kind} example: {}", problem.detail));
        assert_eq!(id.as_deref(), Some("example"));
        assert_eq!(command.name(), kind, "the {kind} example reads as another command");
        check_fields(kind, schema, example, &serde_json::to_value(&command).unwrap());
    }
}

/// The schema's fields are the command's: every field the command writes is a property, every
/// required property is needed by the parser (dropping it is refused), and every optional one
/// is not.
fn check_fields(kind: &str, schema: &serde_json::Value, example: &serde_json::Value, written: &serde_json::Value) {
    let properties: BTreeSet<&str> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    let fields: BTreeSet<&str> = written.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(properties, fields, "{kind}: the schema's properties are not the command's fields");
    let required: BTreeSet<&str> = schema["required"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    for property in properties.iter().filter(|p| **p != "type") {
        let mut without = example.clone();
        without.as_object_mut().unwrap().remove(*property);
        let body = json!({"command_id": "example", "command": without}).to_string();
        let accepted = tranche_api::read_command_body(body.as_bytes()).is_ok();
        assert_eq!(
            accepted,
            !required.contains(property),
            "{kind}.{property}: required in the schema is {}, the parser accepts it missing: {accepted}",
            required.contains(property)
        );
    }
}

#[test]
fn formats_are_stated() {
    let document = document();
    let schemas = &document["components"]["schemas"];
    assert_eq!(schemas["Currency"]["pattern"], "^[A-Z]{3}$");
    assert_eq!(schemas["Money"]["properties"]["amount_minor"]["type"], "integer");
    assert_eq!(schemas["Money"]["required"], json!(["amount_minor", "currency"]));
    assert!(schemas["KeyValue"]["pattern"].as_str().unwrap().contains("[0-9]+"));
    let date = &schemas["PayPledgeCommand"]["properties"]["date"];
    assert_eq!(date["format"], "date");
    // The date pattern admits exactly the years parse_date reads.
    let pattern = regex::Regex::new(date["pattern"].as_str().unwrap()).unwrap();
    for year in (0..10_000).step_by(7).chain([1989, 1990, 2199, 2200]) {
        for (month, day) in [(1, 1), (3, 17), (12, 31), (13, 1), (2, 0)] {
            let text = format!("{year:04}-{month:02}-{day:02}");
            // Any date parse_date reads matches; a well-formed day it refuses is out of range.
            let read = tranche_core::parse_date(&text).is_ok();
            let matched = pattern.is_match(&text);
            assert!(!read || matched, "{text} is read but does not match {pattern}");
            assert!(read || !matched || month == 2, "{text} matches {pattern} but is refused");
        }
    }
}

/// Every operation's parameters: query parameters are `in: query` (none declared as a path
/// parameter unless the path has a `{name}` for it), and no response lacks a schema.
/// Responses that have no body at all (the handler answers with a status alone).
const BODYLESS: &[(&str, &str, &str)] = &[("post", "/api/v1/log/cosignatures", "201")];

#[test]
fn parameters_and_responses_are_typed() {
    let document = document();
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                let place = parameter["in"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                assert_eq!(place == "path", in_path, "{method} {path}: parameter {name} is in {place}");
                checked += 1;
            }
            for (status, response) in operation["responses"].as_object().unwrap() {
                if BODYLESS.contains(&(method.as_str(), path.as_str(), status.as_str())) {
                    assert!(response.get("content").is_none(), "{method} {path} {status} has a body now");
                    continue;
                }
                let content = response["content"].as_object();
                let content = content.unwrap_or_else(|| panic!("{method} {path} {status}: no content"));
                assert!(!content.is_empty(), "{method} {path} {status}: no content");
                for (media, body) in content {
                    let schema = &body["schema"];
                    assert!(
                        schema.as_object().is_some_and(|s| !s.is_empty()),
                        "{method} {path} {status} {media}: no schema"
                    );
                }
            }
        }
    }
    assert!(checked >= 21, "only {checked} parameters were checked");
}

#[test]
fn no_pointer_to_a_missing_file() {
    let text = tranche_api::openapi::document();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for (at, _) in text.match_indices("docs/") {
        let name: String =
            text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || "/._-".contains(*c)).collect();
        let name = name.trim_end_matches('.');
        assert!(root.join(name).exists(), "the document points to {name}, which does not exist");
    }
}
