//! The dashboard's overview page over a store of 1,000,000 events: the server's time to build
//! the page (summary, money-over-time series, both charts, the template) from the loaded
//! ledger. Figures in docs/PERFORMANCE.md; run with `cargo bench -p tranche-api --bench dashboard`.

use criterion::{Criterion, criterion_group, criterion_main};
use tranche_api::web::{Chrome, overview_html};
use tranche_core::Currency;
use tranche_core::series::Flows;
use tranche_store::synthetic::{build_store, date};

fn chrome(events: u64) -> Chrome {
    Chrome {
        page: "overview",
        title: "Overview".into(),
        who: "public".into(),
        signed_in: false,
        csrf: "0".repeat(48),
        sees_requirements: false,
        sees_funding: false,
        as_of: "2027-01-01".into(),
        cutoff: String::new(),
        events,
        i18n: Default::default(),
        links: Default::default(),
        today_href: String::new(),
        synthetic: false,
        hide_synthetic: false,
    }
}

fn overview(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    // `TRANCHE_BENCH_EVENTS`: default 1,000,000; `scripts/bench --quick` sets a small one.
    let events = std::env::var("TRANCHE_BENCH_EVENTS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let ledger = build_store(&dir.path().join("million.db"), events);
    let as_of = date("2027-01-01");
    let (html, _) = overview_html(&ledger, as_of, chrome(events)).unwrap();
    eprintln!("overview page over {events} events: {} bytes", html.len());
    let mut group = c.benchmark_group(format!("dashboard/{events}_events"));
    group.sample_size(20);
    group.bench_function("overview_page", |b| b.iter(|| overview_html(&ledger, as_of, chrome(events)).unwrap()));
    // Its two largest parts, for where the time goes.
    group.bench_function("summary_eur_usd", |b| b.iter(|| ledger.summary(as_of).unwrap()));
    let (state, rates) = (ledger.state(), ledger.rates());
    group.bench_function("series_usd", |b| b.iter(|| Flows::compute(state, rates, Currency::USD).unwrap()));
    group.finish();
}

criterion_group!(benches, overview);
criterion_main!(benches);
