//! The OpenAPI 3.1 document, generated from the handlers' annotations and the wire types.
//! `docs/openapi.json` is its committed snapshot; a test keeps the two equal.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tranche API",
        description = "A verifiable coordination ledger for pooled multinational procurement. Money is public; package contents are restricted to roles. Errors are RFC 9457 problem+json.",
        version = "1"
    ),
    paths(
        crate::health,
        crate::ready,
        crate::summary,
        crate::packages,
        crate::reads::package,
        crate::reads::parties,
        crate::reads::pledges,
        crate::reads::decisions,
        crate::reads::targets,
        crate::reads::kiel,
        crate::reads::pipeline,
        crate::reads::months,
        crate::reads::requirements,
        crate::funding::fair_share,
        crate::funding::targets_report,
        crate::funding::proposal,
        crate::funding::accept,
        crate::command,
        crate::events::outcome,
        crate::events::page,
        crate::events::stream,
        crate::openapi_json,
        crate::log::checkpoint,
        crate::log::entries,
        crate::log::inclusion,
        crate::log::consistency,
        crate::log::cosign,
    ),
    components(schemas(
        tranche_io::wire::SummaryDto,
        tranche_io::wire::PackageDto,
        tranche_io::wire::LineDto,
        tranche_io::wire::PledgeDto,
        tranche_io::wire::PledgePage,
        tranche_io::wire::PartyDto,
        tranche_io::wire::DecisionDto,
        tranche_io::wire::TargetDto,
        tranche_io::kiel_wire::KielComparisonDto,
        tranche_io::kiel_wire::KielReleaseDto,
        tranche_io::kiel_wire::KielMonthDto,
        tranche_io::kiel_wire::KielPerGdpDto,
        tranche_io::wire::PipelineDto,
        tranche_io::wire::RequirementDto,
        tranche_io::wire::MonthDto,
        tranche_io::funding_wire::FairShareDto,
        tranche_io::funding_wire::FairShareRowDto,
        tranche_io::funding_wire::ShareKeyDto,
        tranche_io::funding_wire::ProposalDto,
        tranche_io::funding_wire::PackageProposalDto,
        tranche_io::funding_wire::ProposedAllocationDto,
        tranche_io::funding_wire::ExcludedDto,
        tranche_io::funding_wire::PledgeUseDto,
        tranche_io::funding_wire::AcceptedDto,
        tranche_io::targets_wire::TargetsReportDto,
        tranche_io::targets_wire::ProjectionDto,
        tranche_io::targets_wire::WhatIfDto,
        tranche_io::targets_wire::TargetStatusDto,
        tranche_io::targets_wire::ProjectedDto,
        tranche_io::targets_wire::ReachAtRateDto,
        tranche_io::targets_wire::ReachDto,
        tranche_io::targets_wire::MilestoneDto,
        tranche_io::targets_wire::RunRateDto,
        tranche_io::targets_wire::MonthShortfallDto,
        tranche_io::targets_wire::FairShareProjectionDto,
        crate::problem::Problem,
        crate::CommandRequest,
        crate::CommandResponse,
        crate::events::EventPage,
        crate::events::EventDto,
        crate::events::CommandOutcomeDto,
        crate::log::LogEntry,
        crate::log::LogEntries,
        crate::log::Proof,
        crate::log::Cosignature,
    )),
    modifiers(&BearerAuth, &CommandVariants, &Tags, &NamedVariantBodies, &DateRange)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("A token from `tranche token create`; without one you read as the public."))
                .build(),
        );
        openapi.components.get_or_insert_with(Default::default).add_security_scheme("bearer", scheme);
    }
}

/// Operations tagged by the module that serves them (`events`, `reads`, `funding`, `log`; the
/// router's own: `api`), not by Rust path (`crate::events`): generated clients group by tag.
struct Tags;

impl utoipa::Modify for Tags {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                for tag in operation.tags.iter_mut().flatten() {
                    *tag = match tag.strip_prefix("crate::") {
                        Some(module) => module.to_string(),
                        None if tag == "crate" => "api".to_string(),
                        None => tag.clone(),
                    };
                }
            }
        }
    }
}

/// An externally tagged enum variant with fields (`{"silence": {"deadline": ...}}`) is derived
/// with its fields as an inline object; each such object becomes a schema of its own
/// (`ProcedureSilence`), referenced from the variant, since generators (openapi-python-client)
/// otherwise name it twice and drop it.
struct NamedVariantBodies;

impl utoipa::Modify for NamedVariantBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::Schema;
        use utoipa::openapi::{Ref, RefOr};
        let Some(components) = openapi.components.as_mut() else { return };
        let mut hoisted = Vec::new();
        for (parent, schema) in components.schemas.iter_mut() {
            let RefOr::T(Schema::OneOf(one_of)) = schema else { continue };
            for item in one_of.items.iter_mut() {
                let RefOr::T(Schema::Object(variant)) = item else { continue };
                if variant.properties.len() != 1 {
                    continue;
                }
                for (tag, body) in variant.properties.iter_mut() {
                    let RefOr::T(Schema::Object(fields)) = body else { continue };
                    if fields.properties.is_empty() {
                        continue;
                    }
                    let name = format!("{parent}{}", variant_schema_name(tag).trim_end_matches("Command"));
                    hoisted.push((name.clone(), RefOr::T(Schema::Object(fields.clone()))));
                    *body = RefOr::Ref(Ref::new(format!("#/components/schemas/{name}")));
                }
            }
        }
        components.schemas.extend(hoisted);
    }
}

/// Every `format: date` string of the components is `YYYY-MM-DD` in the years 1990 to 2199, the
/// range `tranche_core::parse_date` reads: stated as a pattern, so generated values fall in it.
struct DateRange;

/// Years 1990 to 2199 (`tranche_core::dates::FIRST_YEAR`..=`LAST_YEAR`), months 01 to 12, days 01 to 31.
pub const DATE_PATTERN: &str = "^(199[0-9]|2[01][0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";

impl utoipa::Modify for DateRange {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else { return };
        for schema in components.schemas.values_mut() {
            bound_dates(schema);
        }
    }
}

fn bound_dates(schema: &mut utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ArrayItems, KnownFormat, Schema, SchemaFormat};
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(object) => {
            if object.format == Some(SchemaFormat::KnownFormat(KnownFormat::Date)) {
                object.pattern = Some(DATE_PATTERN.to_string());
            }
            object.properties.values_mut().for_each(bound_dates);
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                bound_dates(items);
            }
        }
        Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(bound_dates),
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(bound_dates),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(bound_dates),
        _ => {}
    }
}

/// Each command `type` as a schema of its own (`AnnouncePledgeCommand`, ...), with an example,
/// and `Command` as a `oneOf` of them discriminated by `type`. The variants are the ones utoipa
/// derives from `tranche_core::Command`; only their place in the document changes here.
struct CommandVariants;

impl utoipa::Modify for CommandVariants {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{Discriminator, OneOf, Schema};
        use utoipa::openapi::{Ref, RefOr};
        let Some(components) = openapi.components.as_mut() else { return };
        let Some(RefOr::T(Schema::OneOf(derived))) = components.schemas.get("Command").cloned() else { return };
        let examples = command_examples();
        let mut one_of = OneOf::new();
        let mut mapping = Vec::new();
        for item in derived.items {
            let RefOr::T(Schema::Object(mut variant)) = item else { continue };
            let Some(kind) = variant_type(&variant) else { continue };
            let name = variant_schema_name(&kind);
            variant.title = Some(kind.clone());
            if let Some(example) = examples.iter().find(|e| e["type"] == kind.as_str()) {
                variant.examples = vec![example.clone()];
            }
            components.schemas.insert(name.clone(), RefOr::T(Schema::Object(variant)));
            let reference = format!("#/components/schemas/{name}");
            mapping.push((kind, reference.clone()));
            one_of.items.push(RefOr::Ref(Ref::new(reference)));
        }
        one_of.description = Some("A command, by its `type`; each type has its own schema and example.".into());
        one_of.discriminator = Some(Discriminator::with_mapping("type", mapping));
        components.schemas.insert("Command".into(), RefOr::T(Schema::OneOf(one_of)));
    }
}

/// The `type` a derived variant schema fixes (its `type` property's one value).
fn variant_type(variant: &utoipa::openapi::schema::Object) -> Option<String> {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;
    let RefOr::T(Schema::Object(property)) = variant.properties.get("type")? else { return None };
    property.enum_values.as_ref()?.first()?.as_str().map(str::to_string)
}

/// `announce-pledge` -> `AnnouncePledgeCommand`.
pub fn variant_schema_name(kind: &str) -> String {
    let mut name: String = kind
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect();
    name.push_str("Command");
    name
}

/// One example body per command `type`, shown in the document and checked by a test against the
/// endpoint's own parser. A new command adds its line here.
pub fn command_examples() -> Vec<serde_json::Value> {
    use serde_json::json;
    let source =
        json!({"url": "https://www.government.nl/latest/news", "date": "2026-01-02", "confidence": "confirmed"});
    let eur = json!({"amount_minor": 150_000_000, "currency": "EUR"});
    let usd = json!({"amount_minor": 90_000_000, "currency": "USD"});
    vec![
        json!({"type": "register-party", "party": {"id": "ISL", "name": "Iceland", "kind": "state", "role": "contributor", "gdp_2021_bn_eur": "21.7", "nato_member_since": 1949}}),
        json!({"type": "define-mechanism", "mechanism": {"id": "PURL", "name": "Prioritised Ukraine Requirements List", "recipient": "UKR", "supplier": "USA", "package_currency": "USD", "reporting_currencies": ["EUR", "USD"]}}),
        json!({"type": "define-group", "group": {"id": "NB8", "name": "Nordic-Baltic Eight", "members": ["DNK", "EST", "FIN", "ISL", "LVA", "LTU", "NOR", "SWE"]}}),
        json!({"type": "record-participation", "party": "NLD", "status": "participating", "source": source, "note": null}),
        json!({"type": "announce-pledge", "announcement": {"pledge": "N9", "kind": "solo", "contributor": {"party": "NLD"}, "amount": eur, "package": null, "earmark": "Air defence", "date": "2026-01-02", "source": source, "note": null, "contingent_on": null, "shares": [], "cap_per_package": null}, "supersedes": null}),
        json!({"type": "commit-pledge", "pledge": "N9", "amount": eur, "date": "2026-01-10"}),
        json!({"type": "pay-pledge", "pledge": "N9", "amount": eur, "date": "2026-01-20"}),
        json!({"type": "withdraw-pledge", "pledge": "N9", "date": "2026-01-21", "reason": "Replaced by a bilateral package"}),
        json!({"type": "supersede-pledge", "pledge": "R23", "by": "N9", "date": "2026-01-02"}),
        json!({"type": "set-target", "target": {"id": "T01", "kind": "monthly-run-rate", "amount": {"amount_minor": 50_000_000_000i64, "currency": "USD"}, "date": "2026-01-01", "source": source, "note": null}}),
        json!({"type": "load-share-key", "key": {"name": "gdp-2021", "source": source, "note": null, "values": [{"party": "NLD", "value": "856.4"}, {"party": "DEU", "value": "3601.8"}]}}),
        json!({"type": "load-kiel-release", "release": {"release": 29, "period": "2026-04", "date": "2026-08-04", "label": "Ukraine Support Tracker, Release 29 (04/2026)", "publisher": "Kiel Institute for the World Economy", "url": "https://www.ifw-kiel.de/topics/war-against-ukraine/ukraine-support-tracker/", "purl": [{"month": "2025-08", "nato_purl": "1.883232"}], "countries": [{"country": "Netherlands", "iso": "NLD", "month": "2025-08", "military": "0.5", "gdp": "856.4", "pct_gdp": "0.06"}]}}),
        json!({"type": "submit-requirement", "requirement": {"id": "REQ-2026-03-07", "category": "air-defence", "estimated_cost": usd, "month": "2026-03", "submitted_on": "2026-02-01", "restricted": {"quantity": 2, "description": "Interceptors"}}}),
        json!({"type": "prioritise-list", "month": "2026-03", "order": ["REQ-2026-03-07"], "date": "2026-02-02"}),
        json!({"type": "open-decision", "decision": "D-2026-03-list", "subject": {"list": {"month": "2026-03", "version": 1}}, "procedure": {"silence": {"deadline": "2026-02-10"}}, "participants": ["NLD", "DEU"], "date": "2026-02-03"}),
        json!({"type": "respond-to-decision", "decision": "D-2026-03-list", "party": "NLD", "response": "approve", "date": "2026-02-04"}),
        json!({"type": "draft-package", "package": "PLNODE-2026-03", "name": "Air defence, March", "requirements": ["REQ-2026-03-07"], "date": "2026-02-05"}),
        json!({"type": "propose-package", "package": "PLNODE-2026-03", "date": "2026-02-06"}),
        json!({"type": "quote-package", "package": "PLNODE-2026-03", "price": usd, "date": "2026-02-06"}),
        json!({"type": "approve-package", "package": "PLNODE-2026-03", "decision": "D-2026-03-pkg", "date": "2026-02-07"}),
        json!({"type": "open-package", "package": "PLNODE-2026-03", "date": "2026-02-07"}),
        json!({"type": "allocate", "package": "PLNODE-2026-03", "pledge": "N9", "amount": usd, "date": "2026-02-08"}),
        json!({"type": "declare-trigger", "trigger": "talks-fail", "date": "2026-02-08"}),
        json!({"type": "convert-cash", "from": eur, "to": "USD", "date": "2026-02-08"}),
        json!({"type": "contract-package", "package": "PLNODE-2026-03", "date": "2026-02-09"}),
        json!({"type": "disburse", "package": "PLNODE-2026-03", "amount": usd, "date": "2026-02-10"}),
        json!({"type": "record-delivery", "package": "PLNODE-2026-03", "requirement": "REQ-2026-03-07", "quantity": 2, "value": usd, "date": "2026-02-11"}),
        json!({"type": "confirm-delivery", "package": "PLNODE-2026-03", "requirement": "REQ-2026-03-07", "date": "2026-02-12"}),
        json!({"type": "close-package", "package": "PLNODE-2026-03", "date": "2026-02-13"}),
        json!({"type": "cancel-package", "package": "PLNODE-2026-03", "date": "2026-02-13", "reason": "Requirement met elsewhere"}),
    ]
}

pub fn document() -> String {
    ApiDoc::openapi().to_pretty_json().expect("the document serialises")
}
