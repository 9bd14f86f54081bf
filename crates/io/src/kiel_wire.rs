//! The JSON form of the comparison with a Kiel tracker release (`GET /api/v1/reference/kiel`):
//! amounts as decimal strings in EUR; `null` where Kiel's release has no figure ("not reported")
//! and where ours is not known (a month after the record's cut-off: "not recorded", never 0).

use serde::Serialize;

/// Which release, who published it, when, and where.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KielReleaseDto {
    pub release: u32,
    pub label: String,
    pub publisher: String,
    /// The date the release was published, `YYYY-MM-DD`.
    pub date: String,
    /// The last month its data cover, `YYYY-MM`.
    pub period: String,
    pub url: String,
}

/// One month: ours counted in the month, Kiel's `nato_purl` (EUR, half-even to the cent), and
/// ours minus Kiel's; Kiel's and the difference are `null` for a month the release does not cover,
/// ours and the difference `null` for a month after the record's cut-off (the date of the newest
/// record): that month is not recorded yet, which is not 0.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KielMonthDto {
    pub month: String,
    pub ours_counted_in_month_eur: Option<String>,
    pub kiel_nato_purl_eur: Option<String>,
    pub difference_ours_minus_kiel_eur: Option<String>,
}

/// One party we count alone: our PURL money counted to the end of the window beside Kiel's
/// military aid in the window's months, each as a percentage of Kiel's GDP for the country;
/// Kiel's figures `null` when Kiel does not list the country.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KielPerGdpDto {
    pub party: String,
    pub ours_purl_counted_eur: String,
    pub kiel_gdp_bn_eur: Option<String>,
    pub kiel_military_aid_eur: Option<String>,
    pub ours_purl_percent_of_gdp: Option<String>,
    pub kiel_military_aid_percent_of_gdp: Option<String>,
}

/// Our counted PURL money against the latest Kiel release loaded (a reference series, never
/// counted as our records).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KielComparisonDto {
    pub release: KielReleaseDto,
    /// The months of the per-GDP comparison, `YYYY-MM` to `YYYY-MM`.
    pub per_gdp_from: String,
    pub per_gdp_to: String,
    pub months: Vec<KielMonthDto>,
    pub per_gdp: Vec<KielPerGdpDto>,
}
