//! The "Fair share" page: what each party carrying a share would carry of the money counted so
//! far, by a share key, against what it counted, committed and paid (docs/COUNTING.md, "Fair
//! shares"). The figures are the engine's (`tranche_core::funding::fair_share`) in their wire form
//! (`FairShareDto`, the same as `GET /api/v1/funding/fair-share`); this module only arranges them.

use chrono::NaiveDate;
use tranche_core::funding::fair_share::{self, FairShare, Standing};
use tranche_core::{Currency, DomainError, Money, RateTable, ShareKeyName, State, parse_date};
use tranche_io::funding_wire::{FairShareDto, FairShareRowDto};

use super::charts;
use super::data::{Dataset, SourceView, leak};
use super::i18n::{self, Arg, Lang};

/// What the page was asked for, checked: every field a page parameter.
#[derive(Debug, Clone)]
pub struct Request {
    /// `None`: the engine's default key.
    pub key: Option<ShareKeyName>,
    pub as_of: NaiveDate,
    pub include_partners: bool,
    /// The currency the chart and the table show; also the amount's.
    pub currency: Currency,
    /// An amount to split, in whole units of `currency`.
    pub amount: Option<Money>,
}

/// An empty form field is an absent one.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

impl Request {
    /// Checks the page parameters against the state: a key that is loaded, a date, a reporting
    /// currency, a positive whole amount. The error names the parameter and what is wrong.
    pub fn parse(
        state: &State,
        key: Option<&str>,
        as_of: Option<&str>,
        include_partners: Option<&str>,
        amount: Option<&str>,
        currency: Option<&str>,
        today: NaiveDate,
    ) -> Result<Request, String> {
        let key = match given(key) {
            None => None,
            Some(text) => {
                let name = ShareKeyName::parse(text).map_err(|e| format!("key: {e}"))?;
                if !state.share_keys.contains_key(&name) {
                    let loaded: Vec<&str> = state.share_keys.keys().map(|k| k.as_str()).collect();
                    return Err(match loaded.is_empty() {
                        true => format!("unknown share key {name}: no key is loaded"),
                        false => format!("unknown share key {name}; loaded: {}", loaded.join(", ")),
                    });
                }
                Some(name)
            }
        };
        let as_of = match given(as_of) {
            None => today,
            Some(text) => parse_date(text).map_err(|e| format!("as_of: {e}"))?,
        };
        let include_partners = match given(include_partners) {
            None | Some("false") => false,
            Some("true" | "on") => true,
            Some(other) => return Err(format!("include_partners {other:?} is not true or false")),
        };
        let currencies = state.reporting_currencies();
        let currency = match given(currency) {
            None => currencies.first().copied().unwrap_or(Currency::EUR),
            Some(text) => {
                let currency = Currency::parse(text).map_err(|e| format!("currency: {e}"))?;
                if !currencies.contains(&currency) {
                    let codes: Vec<&str> = currencies.iter().map(|c| c.code()).collect();
                    return Err(format!("currency {currency} is not a reporting currency ({})", codes.join(", ")));
                }
                currency
            }
        };
        let amount = match given(amount) {
            None => None,
            Some(text) => {
                let money = Money::parse_positive(text, currency).map_err(|e| e.to_string())?;
                let unit = 10i64.pow(currency.exponent());
                if money.amount_minor % unit != 0 {
                    return Err(format!("amount {text:?} must be a positive whole number of {currency}"));
                }
                Some(money)
            }
        };
        Ok(Request { key, as_of, include_partners, currency, amount })
    }

    /// The parameters as a query string (ending in `&`, ready for `format=`).
    pub fn query(&self) -> String {
        let mut out = String::new();
        if let Some(key) = &self.key {
            out.push_str(&format!("key={key}&"));
        }
        out.push_str(&format!("as_of={}&", self.as_of));
        if self.include_partners {
            out.push_str("include_partners=true&");
        }
        if let Some(amount) = &self.amount {
            out.push_str(&format!("amount={}&", amount.to_decimal_string()));
        }
        out.push_str(&format!("currency={}&", self.currency));
        out
    }
}

/// A figure as shown and as a plain decimal (for `data-value`, and for tests).
pub struct Figure {
    pub shown: String,
    pub plain: String,
}

impl Figure {
    /// A plain decimal written in `lang`'s way; "—" when there is none.
    pub(super) fn of(plain: Option<&String>, lang: Lang) -> Figure {
        match plain {
            Some(plain) => Figure { shown: i18n::decimal(lang, plain), plain: plain.clone() },
            None => Figure { shown: "—".into(), plain: String::new() },
        }
    }

    /// An amount nobody disclosed: shown as such, with no plain value (never a zero).
    fn undisclosed(lang: Lang) -> Figure {
        Figure { shown: lang.t("fair-share-undisclosed"), plain: String::new() }
    }

    /// Committed or paid: "not reported" when the record does not report it, never a zero.
    fn reported(amounts: Option<&std::collections::BTreeMap<String, String>>, currency: &str, lang: Lang) -> Figure {
        match amounts {
            None => Figure { shown: lang.t("fair-share-not-reported"), plain: String::new() },
            Some(amounts) => Figure::of(amounts.get(currency), lang),
        }
    }
}

/// Every counted record of the party is undisclosed: what it put in is unknown, so its counted
/// figure, its difference and its percentage are not figures at all (a zero would be made up).
pub fn amount_unknown(row: &fair_share::Row) -> bool {
    row.undisclosed && row.counted.values().all(|m| m.amount_minor == 0)
}

/// One party carrying a share.
pub struct CarrierRow {
    pub party: String,
    pub name: String,
    pub key_value: Figure,
    pub key_percent: Figure,
    pub fair_share: Figure,
    pub counted: Figure,
    pub committed: Figure,
    pub paid: Figure,
    /// Paid as a percentage of the fair share (one decimal), "not reported" when paid is not.
    pub paid_of_fair_share: String,
    pub difference: Figure,
    pub difference_percent: Figure,
    pub proposed: Figure,
    /// Some counted record of it is undisclosed: its counted figure is a lower bound.
    pub undisclosed: bool,
    /// Every counted record of it is undisclosed: counted, difference and Diff % are unknown.
    pub unknown: bool,
    /// Counted at least its fair share.
    pub above: bool,
}

/// A party that carries no share, and why.
pub struct ApartRow {
    pub party: String,
    pub name: String,
    /// The participation status, or the role of a party that is not a contributor.
    pub status: String,
    pub since: String,
    pub source: SourceView,
    pub counted: Figure,
    pub undisclosed: bool,
}

pub struct KeyView {
    pub name: String,
    pub date: String,
    pub confidence: String,
    pub source: SourceView,
    pub note: String,
}

pub struct View {
    pub keys: Vec<String>,
    pub key: KeyView,
    pub currency: String,
    pub currencies: Vec<String>,
    pub total: Figure,
    pub amount: Option<String>,
    pub chart_svg: String,
    pub carriers: Vec<CarrierRow>,
    pub declined: Vec<ApartRow>,
    pub no_key_value: Vec<ApartRow>,
    pub partners: Vec<ApartRow>,
    pub others: Vec<ApartRow>,
    pub dataset: Dataset,
}

/// The page's data for a checked request, written in `lang`. An error is one the engine gives
/// for what was asked (no key loaded, nothing to split by).
pub fn view(state: &State, rates: &RateTable, request: &Request, lang: Lang) -> Result<View, DomainError> {
    let options = fair_share::Options {
        key: request.key.clone(),
        as_of: request.as_of,
        include_partners: request.include_partners,
        amount: request.amount,
    };
    let share = fair_share::fair_share(state, rates, &options)?;
    let dto = FairShareDto::from(&share);
    let currency = request.currency.code();
    let mut carriers: Vec<(Option<i64>, CarrierRow)> = Vec::new();
    let (mut declined, mut no_key_value, mut partners, mut others) = (vec![], vec![], vec![], vec![]);
    for (row, wire) in share.rows.iter().zip(&dto.rows) {
        if row.standing == Standing::Carries {
            carriers.push(carrier(row, wire, request.currency, lang));
            continue;
        }
        let apart = ApartRow {
            party: wire.party.clone(),
            name: wire.name.clone(),
            status: wire.status.clone().unwrap_or_default(),
            since: wire.status_date.clone().unwrap_or_default(),
            source: SourceView::of(wire.status_source_url.as_deref().unwrap_or_default()),
            counted: match amount_unknown(row) {
                true => Figure::undisclosed(lang),
                false => Figure::of(wire.counted.get(currency), lang),
            },
            undisclosed: wire.undisclosed,
        };
        match row.standing {
            Standing::Carries => {}
            Standing::NotParticipating { .. } => declined.push(apart),
            Standing::NoKeyValue => no_key_value.push(apart),
            Standing::Partner => partners.push(apart),
            Standing::NotContributor { .. } => others.push(apart),
        }
    }
    // Most above its fair share first, most below last, those whose difference is unknown after
    // them; ties by party.
    carriers.sort_by(|(a, ra), (b, rb)| {
        match (a, b) {
            (Some(a), Some(b)) => b.cmp(a),
            (a, b) => a.is_none().cmp(&b.is_none()),
        }
        .then_with(|| ra.party.cmp(&rb.party))
    });
    let exponent = request.currency.exponent();
    // A party whose difference is unknown has no bar: it is in the table, marked undisclosed.
    let bars: Vec<charts::Diverging> = carriers
        .iter()
        .filter_map(|(minor, row)| minor.map(|m| (m, row)))
        .map(|(minor, row)| charts::Diverging {
            label: &row.party,
            value: minor as f64 / 10f64.powi(exponent as i32) / 1e6,
        })
        .collect();
    let chart_svg = charts::diverging(
        &lang.t_args(
            "fair-share-chart-title",
            &[("currency", Arg::from(currency)), ("key", Arg::from(dto.key.name.as_str()))],
        ),
        &lang.t_args("fair-share-chart-unit", &[("currency", Arg::from(currency))]),
        &bars,
        (&lang.t("fair-share-chart-below"), &lang.t("fair-share-chart-above")),
        640,
    );
    let key = KeyView {
        name: dto.key.name.clone(),
        date: dto.key.date.clone(),
        confidence: dto.key.confidence.clone(),
        source: SourceView::of(dto.key.source_url.as_deref().unwrap_or_default()),
        note: dto.key.note.clone().unwrap_or_default(),
    };
    Ok(View {
        keys: state.share_keys.keys().map(|k| k.to_string()).collect(),
        key,
        currency: currency.to_string(),
        currencies: share.currencies.iter().map(|c| c.to_string()).collect(),
        total: Figure::of(dto.total.get(currency), lang),
        amount: share.amount.map(|a| i18n::money(lang, &a)),
        chart_svg,
        carriers: carriers.into_iter().map(|(_, row)| row).collect(),
        declined,
        no_key_value,
        partners,
        others,
        dataset: dataset(&share, &dto),
    })
}

/// One party carrying a share, as shown in `lang`, and its difference in minor units (`None`
/// when unknown: every counted record of it is undisclosed).
fn carrier(row: &fair_share::Row, wire: &FairShareRowDto, currency: Currency, lang: Lang) -> (Option<i64>, CarrierRow) {
    let code = currency.code();
    let pick = |amounts: Option<&std::collections::BTreeMap<String, String>>| {
        Figure::of(amounts.and_then(|a| a.get(code)), lang)
    };
    let unknown = amount_unknown(row);
    let difference_minor = match unknown {
        true => None,
        false => Some(row.difference.as_ref().and_then(|d| d.get(&currency)).map_or(0, |m| m.amount_minor)),
    };
    let shown = CarrierRow {
        party: wire.party.clone(),
        name: wire.name.clone(),
        key_value: Figure::of(wire.key_value.as_ref(), lang),
        key_percent: Figure::of(wire.key_percent.as_ref(), lang),
        fair_share: pick(wire.fair_share.as_ref()),
        counted: if unknown { Figure::undisclosed(lang) } else { pick(Some(&wire.counted)) },
        committed: Figure::reported(wire.committed.as_ref(), code, lang),
        paid: Figure::reported(wire.paid.as_ref(), code, lang),
        paid_of_fair_share: paid_of_fair_share(row, currency, lang),
        difference: if unknown { Figure::undisclosed(lang) } else { pick(wire.difference.as_ref()) },
        difference_percent: match unknown {
            true => Figure::undisclosed(lang),
            false => Figure::of(wire.difference_percent.get(code), lang),
        },
        proposed: Figure::of(wire.proposed.as_ref(), lang),
        undisclosed: wire.undisclosed,
        unknown,
        above: difference_minor.is_some_and(|d| d >= 0),
    };
    (difference_minor, shown)
}

/// Paid as a percentage of the fair share, for the eye (one decimal, half away from zero):
/// "not reported" when the record does not report what the party paid, "—" for a zero share.
fn paid_of_fair_share(row: &fair_share::Row, currency: Currency, lang: Lang) -> String {
    let Some(paid) = &row.paid else { return lang.t("fair-share-not-reported") };
    let minor = |amounts: Option<&tranche_core::summary::Amounts>| {
        amounts.and_then(|a| a.get(&currency)).map_or(0, |m| i128::from(m.amount_minor))
    };
    let (paid, fair) = (minor(Some(paid)), minor(row.fair_share.as_ref()));
    if fair <= 0 {
        return "—".into();
    }
    let tenths = (paid * 2000 + fair) / (2 * fair);
    let percent = format!("{}.{}", tenths / 10, tenths % 10);
    lang.t_args("fair-share-percent", &[("value", Arg::from(i18n::decimal(lang, &percent)))])
}

/// Every party's line, in every reporting currency: the API's figures, one row per party.
fn dataset(share: &FairShare, dto: &FairShareDto) -> Dataset {
    use super::data::{ColumnType, CurrencyOf};
    let text = ColumnType::Text;
    let mut columns = vec![
        ("party", text),
        ("name", text),
        ("standing", text),
        ("status", text),
        ("status_date", ColumnType::Date),
        ("status_source_url", text),
        ("key", text),
        ("key_value", ColumnType::Decimal),
        ("key_percent", ColumnType::Decimal),
        ("undisclosed", text),
    ];
    let measures = ["fair_share", "counted", "committed", "paid", "difference"];
    for currency in &share.currencies {
        let code = currency.code().to_lowercase();
        let amount = ColumnType::Amount(CurrencyOf::Fixed(*currency));
        columns.extend(measures.iter().map(|m| (leak(format!("{m}_{code}")), amount)));
        columns.push((leak(format!("difference_percent_{code}")), ColumnType::Decimal));
    }
    columns.extend([
        ("proposed", ColumnType::Amount(CurrencyOf::Column("proposed_currency"))),
        ("proposed_currency", text),
    ]);
    let cell = |value: Option<&String>| value.cloned().unwrap_or_default();
    let rows = dto
        .rows
        .iter()
        .map(|row: &FairShareRowDto| {
            let mut out = vec![
                row.party.clone(),
                row.name.clone(),
                row.standing.clone(),
                cell(row.status.as_ref()),
                cell(row.status_date.as_ref()),
                cell(row.status_source_url.as_ref()),
                dto.key.name.clone(),
                cell(row.key_value.as_ref()),
                cell(row.key_percent.as_ref()),
                row.undisclosed.to_string(),
            ];
            for currency in &share.currencies {
                let code = currency.code().to_string();
                let of = |amounts: Option<&std::collections::BTreeMap<String, String>>| {
                    amounts.and_then(|a| a.get(&code)).cloned().unwrap_or_default()
                };
                out.extend([
                    of(row.fair_share.as_ref()),
                    of(Some(&row.counted)),
                    of(row.committed.as_ref()),
                    of(row.paid.as_ref()),
                    of(row.difference.as_ref()),
                    of(Some(&row.difference_percent)),
                ]);
            }
            out.push(cell(row.proposed.as_ref()));
            out.push(row.proposed.as_ref().and(dto.amount_currency.clone()).unwrap_or_default());
            out
        })
        .collect();
    Dataset::new("fair-share", columns, rows)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::NaiveDate;
    use tranche_core::funding::fair_share::{FairShare, Row, Standing};
    use tranche_core::{Confidence, Currency, Money, PartyId, ShareKey, ShareKeyName, Source};
    use tranche_io::funding_wire::FairShareDto;

    use super::{Lang, carrier};

    fn eur(minor: i64) -> BTreeMap<Currency, Money> {
        BTreeMap::from([(Currency::EUR, Money { amount_minor: minor, currency: Currency::EUR })])
    }

    /// A carrier whose counted money is `counted` minor units against a fair share of 1,000.00
    /// EUR, `undisclosed` when a counted record of it gives no amount.
    fn row(counted: i64, undisclosed: bool) -> Row {
        Row {
            party: PartyId::parse("NLD").expect("a party id"),
            name: "Netherlands".into(),
            standing: Standing::Carries,
            key_value: None,
            key_percent: None,
            fair_share: Some(eur(100_000)),
            counted: eur(counted),
            committed: None,
            paid: None,
            undisclosed,
            difference: Some(eur(counted - 100_000)),
            difference_percent: BTreeMap::from([(
                Currency::EUR,
                rust_decimal::Decimal::new((counted - 100_000) * 100 / 1000, 2),
            )]),
            proposed: None,
        }
    }

    /// The carrier's counted, difference and Diff % cells as shown, and its bar's value.
    fn shown(row: Row, lang: Lang) -> (Vec<String>, Option<i64>) {
        let date = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
        let key = ShareKey {
            name: ShareKeyName::parse("gdp").expect("a key name"),
            source: Source { url: None, date, confidence: Confidence::Reported },
            note: None,
            values: Vec::new(),
        };
        let share = FairShare {
            as_of: date,
            key,
            include_partners: false,
            currencies: vec![Currency::EUR],
            total: eur(100_000),
            rows: vec![row],
            amount: None,
        };
        let dto = FairShareDto::from(&share);
        let (difference, view) = carrier(&share.rows[0], &dto.rows[0], Currency::EUR, lang);
        (vec![view.counted.shown, view.difference.shown, view.difference_percent.shown], difference)
    }

    #[test]
    fn a_party_whose_every_pledge_is_undisclosed_has_no_figure_and_no_gap() {
        for (lang, word) in [(Lang::En, "undisclosed"), (Lang::Fr, "non divulgué")] {
            let (cells, bar) = shown(row(0, true), lang);
            assert_eq!(cells, vec![word; 3], "{lang:?}");
            assert_eq!(bar, None, "no bar for an unknown difference ({lang:?})");
        }
    }

    #[test]
    fn a_lower_bound_and_a_true_zero_keep_their_figures() {
        // Some of its money is known: a lower bound, shown as a figure.
        let (cells, bar) = shown(row(25_000, true), Lang::En);
        assert_eq!(cells, ["250.00", "-750.00", "-75.00"]);
        assert_eq!(bar, Some(-75_000));
        // Nothing undisclosed and nothing counted: a real zero, and a real gap.
        let (cells, bar) = shown(row(0, false), Lang::Fr);
        assert_eq!(cells, ["0,00", "-1\u{202F}000,00", "-100,00"]);
        assert_eq!(bar, Some(-100_000));
    }
}
