//! Our counted PURL money against the Kiel tracker's (a reference series, never counted as our
//! records): by month against Kiel's `nato_purl`, and per country as a share of GDP against
//! Kiel's military aid. Built from the state alone (no HTTP here); see docs/COUNTING.md.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tranche_core::reference::{BnEur, KielRelease};
use tranche_core::{Currency, DomainError, Money, PartyId, RateTable, State, YearMonth, summarise};

use super::charts;
use super::data::{ColumnType, CurrencyOf, Dataset, billions, minor_decimal, month_end, next_month, record_cutoff};
use super::i18n::{self, Lang};

/// Which release the comparison uses, as the page says it.
#[derive(Clone)]
pub struct ReleaseView {
    pub number: u32,
    pub label: String,
    pub date: String,
    pub period: String,
    pub publisher: String,
    pub url: String,
}

pub struct Comparison {
    pub release: ReleaseView,
    /// The log holds the synthetic exercise (records EX-*): its pledges are among ours.
    pub synthetic: bool,
    /// First and last month of the per-GDP window.
    pub window: (String, String),
    pub months: Dataset,
    pub per_gdp: Dataset,
    pub svg: String,
}

/// The comparison with the latest Kiel release loaded, as of `as_of`; `None` before any is loaded.
/// The chart's words are in `lang`.
pub fn comparison(
    lang: Lang,
    state: &State,
    rates: &RateTable,
    as_of: NaiveDate,
) -> Result<Option<Comparison>, DomainError> {
    let Some(release) = state.latest_kiel() else { return Ok(None) };
    let eur = Currency::EUR;
    let summary = summarise(state, rates, as_of, &[eur])?;
    let counted_in = |month: &YearMonth| {
        summary.by_month.get(month).and_then(|a| a.get(&eur)).map_or(0, |m| i128::from(m.amount_minor))
    };
    // From our first month (or, before any record, Kiel's first PURL month) to the later of
    // today's month and the release's last.
    let kiel_first = release.purl.iter().find(|m| !m.nato_purl.value().is_zero()).map(|m| m.month);
    let first = summary.by_month.keys().next().copied().or(kiel_first).unwrap_or(release.period);
    let mut months = Vec::new();
    let mut month = first;
    while month <= YearMonth::of(as_of).max(release.period) {
        months.push(month);
        month = next_month(month);
    }
    // A month after the record's cut-off is not known to us: no figure, never 0.
    let last_recorded = record_cutoff(state, as_of).map(YearMonth::of);
    let mut rows = Vec::new();
    let (mut ours_line, mut kiel_line) = (Vec::new(), Vec::new());
    for month in &months {
        let ours = last_recorded.is_some_and(|last| *month <= last).then(|| counted_in(month));
        let kiel = release.purl_in(*month).map(|bn| kiel_eur(&bn, "nato_purl")).transpose()?;
        let end = month_end(*month);
        if let Some(ours) = ours
            && end <= as_of
        {
            ours_line.push((end, billions(ours, eur)));
        }
        if let Some(kiel) = kiel {
            kiel_line.push((end, billions(i128::from(kiel.amount_minor), eur)));
        }
        let difference = ours.zip(kiel).map(|(ours, k)| ours.saturating_sub(i128::from(k.amount_minor)));
        rows.push(vec![
            month.to_string(),
            ours.map_or_else(String::new, |ours| minor_decimal(ours, eur)),
            kiel.map_or_else(String::new, |k| k.to_decimal_string()),
            difference.map_or_else(String::new, |d| minor_decimal(d, eur)),
        ]);
    }
    let (ours_label, kiel_label) = (lang.t("kiel-chart-ours"), lang.t("kiel-chart-kiel"));
    let lines = [
        charts::Line { label: &ours_label, colour: charts::COUNTED, points: ours_line, dashed: false },
        charts::Line { label: &kiel_label, colour: charts::REFERENCE, points: kiel_line, dashed: false },
    ];
    let svg = charts::cumulative(
        lang,
        &lang.t_args("kiel-chart-title", &[("release", release.release.to_string().into())]),
        &lang.t("chart-eur-bn"),
        &lines,
        &[],
        (640, 320),
    );
    let eur_amount = ColumnType::Amount(CurrencyOf::Fixed(Currency::EUR));
    let months = Dataset::new(
        "kiel-months",
        vec![
            ("month", ColumnType::Text),
            ("ours_counted_in_month_eur", eur_amount),
            ("kiel_nato_purl_eur", eur_amount),
            ("difference_ours_minus_kiel_eur", eur_amount),
        ],
        rows,
    );
    let window = (first, release.period.min(YearMonth::of(as_of)));
    let per_gdp = per_gdp(state, rates, release, window)?;
    Ok(Some(Comparison {
        release: ReleaseView {
            number: release.release,
            label: release.label.to_string(),
            date: release.date.to_string(),
            period: release.period.to_string(),
            publisher: release.publisher.to_string(),
            url: release.url.to_string(),
        },
        synthetic: state.pledges().iter().any(|p| p.id.as_str().starts_with("EX-")),
        window: (window.0.to_string(), window.1.to_string()),
        months,
        per_gdp,
        svg,
    }))
}

/// Kiel's bn EUR in EUR (half-even to the cent), or a rejection naming the figure.
fn kiel_eur(bn: &BnEur, what: &str) -> Result<Money, DomainError> {
    bn.to_eur().map_err(|e| DomainError::Rule(format!("Kiel's {what}: {e}")))
}

/// Per country (our contributors that Kiel lists), over the months `window`: our counted PURL
/// money to the window's last day beside Kiel's military aid in the window's months, each as a
/// percentage of Kiel's GDP for the country. Joint groups' remainders belong to no one country.
fn per_gdp(
    state: &State,
    rates: &RateTable,
    release: &KielRelease,
    (first, last): (YearMonth, YearMonth),
) -> Result<Dataset, DomainError> {
    let eur = Currency::EUR;
    let summary = summarise(state, rates, month_end(last), &[eur])?;
    let mut rows = Vec::new();
    for (key, amounts) in &summary.by_party {
        let Ok(party) = PartyId::parse(key) else { continue };
        let ours = amounts.get(&eur).copied().unwrap_or(Money::zero(eur));
        let kiel_rows: Vec<_> = release.countries.iter().filter(|r| r.iso.as_str() == party.to_string()).collect();
        let Some(gdp) = kiel_rows.iter().max_by_key(|r| r.month).map(|r| r.gdp) else {
            let missing = String::new;
            rows.push(vec![key.clone(), ours.to_decimal_string(), missing(), missing(), String::new(), missing()]);
            continue;
        };
        let military_bn: Decimal = kiel_rows
            .iter()
            .filter(|r| r.month >= first && r.month <= last)
            .map(|r| r.military.value())
            .fold(Decimal::ZERO, |sum, v| sum.saturating_add(v));
        let military = kiel_eur(&BnEur::new(military_bn).map_err(|e| DomainError::Rule(e.to_string()))?, "military")?;
        let gdp_eur = gdp.value().saturating_mul(Decimal::from(1_000_000_000_i64));
        let percent = |money: Money| match gdp_eur.is_zero() {
            true => String::new(),
            false => {
                let value = money.to_decimal().saturating_mul(Decimal::ONE_HUNDRED) / gdp_eur;
                format!("{:.4}", value.round_dp(4))
            }
        };
        rows.push(vec![
            key.clone(),
            ours.to_decimal_string(),
            gdp.value().to_string(),
            military.to_decimal_string(),
            percent(ours),
            percent(military),
        ]);
    }
    let eur_amount = ColumnType::Amount(CurrencyOf::Fixed(Currency::EUR));
    Ok(Dataset::new(
        "kiel-per-gdp",
        vec![
            ("party", ColumnType::Text),
            ("ours_purl_counted_eur", eur_amount),
            ("kiel_gdp_bn_eur", ColumnType::Decimal),
            ("kiel_military_aid_eur", eur_amount),
            ("ours_purl_percent_of_gdp", ColumnType::Decimal),
            ("kiel_military_aid_percent_of_gdp", ColumnType::Decimal),
        ],
        rows,
    ))
}

/// A per-GDP row as shown in `lang`: figures written the language's way, an empty cell (Kiel
/// has no figure: empty in the downloads, as in every export) as "not reported".
fn display_per_gdp(lang: Lang, dataset: &Dataset) -> Vec<Vec<String>> {
    let shown = |cell: &String| match cell.is_empty() {
        true => lang.t("kiel-not-reported"),
        false => i18n::decimal(lang, cell),
    };
    dataset.rows.iter().map(|row| row.iter().map(shown).collect()).collect()
}

/// A month as shown in `lang`: ours empty is a month after the record's cut-off ("not
/// recorded"), Kiel's empty a month its release does not cover ("not reported"); the difference
/// says which of the two is missing.
fn display_months(lang: Lang, dataset: &Dataset) -> Vec<Vec<String>> {
    let not_recorded = lang.t("kiel-not-recorded");
    let not_reported = lang.t("kiel-not-reported");
    let figure = |cell: Option<&String>, missing: &str| match cell {
        Some(cell) if !cell.is_empty() => i18n::decimal(lang, cell),
        _ => missing.to_string(),
    };
    (dataset.rows.iter())
        .map(|row| {
            let ours_missing = row.get(1).is_none_or(String::is_empty);
            let difference_missing = if ours_missing { &not_recorded } else { &not_reported };
            vec![
                row.first().cloned().unwrap_or_default(),
                figure(row.get(1), &not_recorded),
                figure(row.get(2), &not_reported),
                figure(row.get(3), difference_missing),
            ]
        })
        .collect()
}

/// The comparison as a page shows it.
pub struct View {
    pub release: ReleaseView,
    /// The publisher, escaped, and the link to the release: fragments of the page's sentence.
    pub publisher_html: String,
    pub link_html: String,
    pub synthetic: bool,
    pub window: (String, String),
    pub months: Vec<Vec<String>>,
    pub per_gdp: Vec<Vec<String>>,
    pub svg: String,
}

impl Comparison {
    pub fn view(&self, lang: Lang) -> View {
        let link_html = format!(
            "<a href=\"{}\" rel=\"noreferrer\">{}</a>",
            i18n::escape_html(&self.release.url),
            i18n::escape_html(&self.release.label)
        );
        View {
            release: self.release.clone(),
            publisher_html: i18n::escape_html(&self.release.publisher),
            link_html,
            synthetic: self.synthetic,
            window: self.window.clone(),
            months: display_months(lang, &self.months),
            per_gdp: display_per_gdp(lang, &self.per_gdp),
            svg: self.svg.clone(),
        }
    }
}

impl Comparison {
    /// The JSON form (`GET /api/v1/reference/kiel`): the same rows as the page and its downloads.
    pub fn dto(&self) -> tranche_io::kiel_wire::KielComparisonDto {
        use tranche_io::kiel_wire::{KielComparisonDto, KielMonthDto, KielPerGdpDto, KielReleaseDto};
        let cell = |row: &[String], i: usize| row.get(i).cloned().unwrap_or_default();
        let figure = |row: &[String], i: usize| Some(cell(row, i)).filter(|c| !c.is_empty());
        KielComparisonDto {
            release: KielReleaseDto {
                release: self.release.number,
                label: self.release.label.clone(),
                publisher: self.release.publisher.clone(),
                date: self.release.date.clone(),
                period: self.release.period.clone(),
                url: self.release.url.clone(),
            },
            per_gdp_from: self.window.0.clone(),
            per_gdp_to: self.window.1.clone(),
            months: (self.months.rows.iter())
                .map(|row| KielMonthDto {
                    month: cell(row, 0),
                    ours_counted_in_month_eur: figure(row, 1),
                    kiel_nato_purl_eur: figure(row, 2),
                    difference_ours_minus_kiel_eur: figure(row, 3),
                })
                .collect(),
            per_gdp: (self.per_gdp.rows.iter())
                .map(|row| KielPerGdpDto {
                    party: cell(row, 0),
                    ours_purl_counted_eur: cell(row, 1),
                    kiel_gdp_bn_eur: figure(row, 2),
                    kiel_military_aid_eur: figure(row, 3),
                    ours_purl_percent_of_gdp: figure(row, 4),
                    kiel_military_aid_percent_of_gdp: figure(row, 5),
                })
                .collect(),
        }
    }
}
