//! The "Fair share" page: what each party carrying a share would carry of the money counted so
//! far, by a share key, against what it counted, committed and paid (docs/COUNTING.md, "Fair
//! shares"). The figures are the engine's (`tranche_core::funding::fair_share`) in their wire form
//! (`FairShareDto`, the same as `GET /api/v1/funding/fair-share`); this module only arranges them.

use chrono::NaiveDate;
use tranche_core::funding::fair_share::{self, FairShare, Standing};
use tranche_core::{Currency, DomainError, Money, RateTable, ShareKeyName, State, parse_date};
use tranche_io::funding_wire::{FairShareDto, FairShareRowDto};

use super::charts;
use super::data::{Dataset, SourceView, grouped, leak};

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
    pub(super) fn of(plain: Option<&String>) -> Figure {
        match plain {
            Some(plain) => Figure { shown: grouped(plain), plain: plain.clone() },
            None => Figure { shown: "—".into(), plain: String::new() },
        }
    }

    /// Committed or paid: "not reported" when the record does not report it, never a zero.
    fn reported(amounts: Option<&std::collections::BTreeMap<String, String>>, currency: &str) -> Figure {
        match amounts {
            None => Figure { shown: "not reported".into(), plain: String::new() },
            Some(amounts) => Figure::of(amounts.get(currency)),
        }
    }
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
    pub undisclosed: bool,
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

/// The page's data for a checked request. An error is one the engine gives for what was asked
/// (no key loaded, nothing to split by).
pub fn view(state: &State, rates: &RateTable, request: &Request) -> Result<View, DomainError> {
    let options = fair_share::Options {
        key: request.key.clone(),
        as_of: request.as_of,
        include_partners: request.include_partners,
        amount: request.amount,
    };
    let share = fair_share::fair_share(state, rates, &options)?;
    let dto = FairShareDto::from(&share);
    let currency = request.currency.code();
    let mut carriers: Vec<(i64, CarrierRow)> = Vec::new();
    let (mut declined, mut no_key_value, mut partners, mut others) = (vec![], vec![], vec![], vec![]);
    for (row, wire) in share.rows.iter().zip(&dto.rows) {
        let pick = |amounts: Option<&std::collections::BTreeMap<String, String>>| {
            Figure::of(amounts.and_then(|a| a.get(currency)))
        };
        if row.standing == Standing::Carries {
            let difference_minor =
                row.difference.as_ref().and_then(|d| d.get(&request.currency)).map_or(0, |m| m.amount_minor);
            carriers.push((
                difference_minor,
                CarrierRow {
                    party: wire.party.clone(),
                    name: wire.name.clone(),
                    key_value: Figure::of(wire.key_value.as_ref()),
                    key_percent: Figure::of(wire.key_percent.as_ref()),
                    fair_share: pick(wire.fair_share.as_ref()),
                    counted: pick(Some(&wire.counted)),
                    committed: Figure::reported(wire.committed.as_ref(), currency),
                    paid: Figure::reported(wire.paid.as_ref(), currency),
                    paid_of_fair_share: paid_of_fair_share(row, request.currency),
                    difference: pick(wire.difference.as_ref()),
                    difference_percent: Figure::of(wire.difference_percent.get(currency)),
                    proposed: Figure::of(wire.proposed.as_ref()),
                    undisclosed: wire.undisclosed,
                    above: difference_minor >= 0,
                },
            ));
            continue;
        }
        let apart = ApartRow {
            party: wire.party.clone(),
            name: wire.name.clone(),
            status: wire.status.clone().unwrap_or_default(),
            since: wire.status_date.clone().unwrap_or_default(),
            source: SourceView::of(wire.status_source_url.as_deref().unwrap_or_default()),
            counted: pick(Some(&wire.counted)),
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
    // Most above its fair share first, most below last; ties by party.
    carriers.sort_by(|(a, ra), (b, rb)| b.cmp(a).then_with(|| ra.party.cmp(&rb.party)));
    let exponent = request.currency.exponent();
    let bars: Vec<charts::Diverging> = carriers
        .iter()
        .map(|(minor, row)| charts::Diverging {
            label: &row.party,
            value: *minor as f64 / 10f64.powi(exponent as i32) / 1e6,
        })
        .collect();
    let chart_svg = charts::diverging(
        &format!(
            "Counted minus fair share in {currency} millions, per party carrying a share by key {}: \
             left of zero below its fair share, right of zero above it",
            dto.key.name
        ),
        &format!("{currency} m, counted minus fair share"),
        &bars,
        ("Below its fair share", "Above its fair share"),
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
        total: Figure::of(dto.total.get(currency)),
        amount: share.amount.map(|a| format!("{} {}", a.currency, grouped(&a.to_decimal_string()))),
        chart_svg,
        carriers: carriers.into_iter().map(|(_, row)| row).collect(),
        declined,
        no_key_value,
        partners,
        others,
        dataset: dataset(&share, &dto),
    })
}

/// Paid as a percentage of the fair share, for the eye (one decimal, half away from zero):
/// "not reported" when the record does not report what the party paid, "—" for a zero share.
fn paid_of_fair_share(row: &fair_share::Row, currency: Currency) -> String {
    let Some(paid) = &row.paid else { return "not reported".into() };
    let minor = |amounts: Option<&tranche_core::summary::Amounts>| {
        amounts.and_then(|a| a.get(&currency)).map_or(0, |m| i128::from(m.amount_minor))
    };
    let (paid, fair) = (minor(Some(paid)), minor(row.fair_share.as_ref()));
    if fair <= 0 {
        return "—".into();
    }
    let tenths = (paid * 2000 + fair) / (2 * fair);
    format!("{}.{}%", tenths / 10, tenths % 10)
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
