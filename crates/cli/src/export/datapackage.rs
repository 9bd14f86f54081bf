//! `tranche export datapackage -o DIR`: a Frictionless Data Package (the form open-data portals
//! take): `datapackage.json` with the licence, the sources and one Table Schema per resource,
//! and one CSV per dataset, the same bytes as `tranche export csv`.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde_json::{Value, json};
use tranche_api::datasets::{ColumnType, CurrencyOf, Dataset};

use super::Context;

/// The licence the package declares (the shipped record is compiled from public sources, whose
/// attribution data/README.md keeps).
const LICENCE: (&str, &str, &str) =
    ("CC-BY-4.0", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/");

/// The most distinct source URLs listed in `sources`.
const MAX_SOURCES: usize = 1000;

/// Each dataset's primary key, where it has one.
fn primary_key(name: &str) -> &'static [&'static str] {
    match name {
        "parties" => &["contributor"],
        "months" => &["month"],
        "pledges" => &["pledge"],
        "payments" => &["event"],
        "packages" => &["package"],
        "requirements" => &["requirement"],
        "decisions" => &["decision"],
        "balances" => &["account", "currency"],
        _ => &[],
    }
}

/// The Table Schema type of a column type.
pub fn field_type(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Text => "string",
        ColumnType::Date => "date",
        ColumnType::Integer => "integer",
        ColumnType::Decimal | ColumnType::Amount(_) => "number",
        ColumnType::Boolean => "boolean",
    }
}

fn schema(name: &str, dataset: &Dataset) -> Value {
    let fields: Vec<Value> = dataset
        .columns
        .iter()
        .zip(&dataset.types)
        .map(|(column, kind)| {
            let mut field = json!({ "name": column, "type": field_type(*kind) });
            let description = match kind {
                ColumnType::Amount(CurrencyOf::Column(currency)) => {
                    Some(format!("An amount in the currency named in column {currency}"))
                }
                ColumnType::Amount(CurrencyOf::Fixed(currency)) => Some(format!("An amount in {currency}")),
                _ => None,
            };
            if let Some(description) = description {
                field["description"] = Value::from(description);
            }
            field
        })
        .collect();
    let mut schema = json!({ "fields": fields, "missingValues": [""] });
    let key = primary_key(name);
    if !key.is_empty() && key.iter().all(|k| dataset.columns.contains(k)) {
        schema["primaryKey"] = json!(key);
    }
    schema
}

pub fn descriptor(datasets: &[(&str, Dataset)], sources: &Dataset, context: &Context<'_>) -> Value {
    let url = sources.columns.iter().position(|c| *c == "source_url");
    let urls: BTreeSet<&str> = sources
        .rows
        .iter()
        .filter_map(|row| url.and_then(|i| row.get(i)))
        .map(String::as_str)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .collect();
    let sources: Vec<Value> = urls.into_iter().take(MAX_SOURCES).map(|u| json!({ "title": u, "path": u })).collect();
    let resources: Vec<Value> = datasets
        .iter()
        .map(|(name, dataset)| {
            json!({
                "name": name,
                "path": format!("{name}.csv"),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema(name, dataset),
            })
        })
        .collect();
    json!({
        "name": "tranche",
        "title": "Tranche: the record and the reports of a pooled procurement mechanism",
        "description": format!(
            "Made by tranche export from the log at its head of {} events, figures as of {}, read as {}. \
             Column meanings: docs/EXPORTS.md; counting rules: docs/COUNTING.md.",
            context.head, context.as_of, context.role
        ),
        "profile": "tabular-data-package",
        "licenses": [{ "name": LICENCE.0, "title": LICENCE.1, "path": LICENCE.2 }],
        "sources": sources,
        "resources": resources,
    })
}

/// Writes the package into a new folder `output` (required), whole or not at all: the files go
/// to a temporary folder beside it, which is renamed into place.
pub fn write(
    datasets: &[(&str, Dataset)],
    sources: &Dataset,
    context: &Context<'_>,
    output: Option<&Path>,
) -> Result<()> {
    let output = output.ok_or_else(|| anyhow::anyhow!("export datapackage writes a folder: pass -o DIR"))?;
    if output.exists() {
        let empty = std::fs::read_dir(output).map(|mut d| d.next().is_none()).unwrap_or(false);
        anyhow::ensure!(empty, "{} exists and is not an empty folder", output.display());
    }
    let parent = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let folder = tempfile::Builder::new()
        .prefix(".tranche-datapackage-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a folder in {}", parent.display()))?;
    for (name, dataset) in datasets {
        let path = folder.path().join(format!("{name}.csv"));
        std::fs::write(&path, dataset.to_csv()).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let descriptor = serde_json::to_string_pretty(&descriptor(datasets, sources, context))?;
    std::fs::write(folder.path().join("datapackage.json"), descriptor + "\n")
        .context("cannot write datapackage.json")?;
    if output.exists() {
        std::fs::remove_dir(output).with_context(|| format!("cannot replace {}", output.display()))?;
    }
    let kept = folder.keep();
    std::fs::rename(&kept, output).with_context(|| format!("cannot move the package to {}", output.display()))?;
    Ok(())
}
