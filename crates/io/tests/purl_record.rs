//! The shipped PURL public record, folded in memory and summarised by the counting rules.

use tranche_core::{Currency, RateTable, State, Summary, parse_date, summarise};
use tranche_io::record::{self, Known};
use tranche_io::{ecb, parties, shipped};

fn loaded() -> (State, RateTable) {
    let mut rates = RateTable::new();
    for quote in ecb::parse("ecb.csv", shipped::ECB_RATES_CSV).unwrap() {
        rates.insert(quote).unwrap();
    }
    let mut state = State::new();
    for envelope in parties::parse("parties.csv", shipped::PARTIES_CSV).unwrap() {
        state.execute(&rates, &envelope.command).unwrap();
    }
    let parsed = record::parse("purl.csv", shipped::PURL_RECORD_CSV, &|_| false).unwrap();
    let plan = record::plan("purl.csv", parsed, &state, &rates, &|_| Known::New);
    assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
    for envelope in &plan.envelopes {
        state.execute(&rates, &envelope.command).unwrap();
    }
    state.check_invariants().unwrap();
    (state, rates)
}

fn summary(as_of: &str) -> Summary {
    let (state, rates) = loaded();
    summarise(&state, &rates, parse_date(as_of).unwrap(), &[Currency::EUR, Currency::USD]).unwrap()
}

fn totals(summary: &Summary) -> (String, String) {
    (summary.totals[&Currency::EUR].to_decimal_string(), summary.totals[&Currency::USD].to_decimal_string())
}

#[test]
fn full_record_totals() {
    let summary = summary("2026-11-26");
    assert_eq!(totals(&summary), ("4434608230.02".to_string(), "5168314728.80".to_string()));
    assert_eq!(summary.contributors, 20);
    assert_eq!(summary.undisclosed, 4);
    let declined: Vec<&str> = summary.declined.iter().map(|p| p.as_str()).collect();
    assert_eq!(declined, ["CZE", "FRA", "HUN", "ITA", "SVK"]);
}

#[test]
fn totals_as_of_2025_12_04() {
    assert_eq!(totals(&summary("2025-12-04")).0, "3953094151.45");
}

#[test]
fn crossing_dates_of_the_goals() {
    assert!(summary("2025-12-20").totals[&Currency::EUR].amount_minor < 400_000_000_000);
    assert!(summary("2025-12-21").totals[&Currency::EUR].amount_minor >= 400_000_000_000);
    let end_2025 = summary("2025-12-31").totals[&Currency::USD];
    assert_eq!(500_000_000_000 - end_2025.amount_minor, 34_351_127_120, "USD 5bn goal missed by");
    assert!(summary("2026-02-12").totals[&Currency::USD].amount_minor < 500_000_000_000);
    assert!(summary("2026-02-13").totals[&Currency::USD].amount_minor >= 500_000_000_000);
}

/// Reconciles our monthly series (counted EUR by record month) with the Kiel tracker's own
/// `nato_purl` estimate. Kiel's figures are estimates with their own dating, so only August
/// 2025, the first full PURL month, is held to 1%; every month's difference is printed.
#[test]
fn monthly_series_reconciles_with_kiel() {
    use rust_decimal::Decimal;
    use tranche_core::YearMonth;
    let kiel = tranche_io::kiel::parse_purl_series("kiel.csv", shipped::KIEL_PROCUREMENT_CSV).unwrap();
    let ours = summary("2026-04-30").by_month;
    let billion = Decimal::from(1_000_000_000);
    println!("{:<8} {:>14} {:>14} {:>14}", "month", "tranche bn", "kiel bn", "difference");
    let mut compared = 0;
    for (month, kiel_bn) in kiel.iter().filter(|(m, _)| *m >= YearMonth { year: 2025, month: 7 }) {
        let ours_bn = ours.get(month).map_or(Decimal::ZERO, |a| a[&Currency::EUR].to_decimal() / billion);
        println!("{:<8} {:>14.4} {:>14.4} {:>14.4}", month.to_string(), ours_bn, kiel_bn, ours_bn - kiel_bn);
        compared += 1;
    }
    assert!(compared >= 9, "Kiel lists the PURL months from July 2025");
    let august = YearMonth { year: 2025, month: 8 };
    let kiel_august = kiel.iter().find(|(m, _)| *m == august).unwrap().1;
    let ours_august = ours[&august][&Currency::EUR].to_decimal() / billion;
    let relative = ((ours_august - kiel_august) / kiel_august).abs();
    assert!(relative < Decimal::new(1, 2), "August 2025: ours {ours_august} bn, Kiel {kiel_august} bn ({relative})");
}
