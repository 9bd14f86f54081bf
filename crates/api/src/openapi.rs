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
        crate::log::LogEntry,
        crate::log::LogEntries,
        crate::log::Proof,
        crate::log::Cosignature,
    )),
    modifiers(&BearerAuth)
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

pub fn document() -> String {
    ApiDoc::openapi().to_pretty_json().expect("the document serialises")
}
