//! The funding engine on 500 open packages × 2,000 constrained pledges, against the LP
//! formulation of the same network (good_lp, microlp):
//! `cargo bench -p tranche-core --bench proposal`.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use good_lp::{Expression, ProblemVariables, Solution as _, SolverModel, constraint, microlp, variable};
use tranche_core::funding::proposal::{Instance, PackageNeed, PledgeSupply, solve};
use tranche_core::procurement::RequirementCategory;
use tranche_core::{Currency, PackageRef, PledgeId};

const PACKAGES: usize = 500;
const PLEDGES: usize = 2_000;
const MILLION_MINOR: i64 = 100_000_000;

/// SplitMix64, seeded: the same instance every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Packages of USD 400-600 M with one to three categories; pledges of USD 10-140 M: 45 %
/// unconstrained, 25 % earmarked, 10 % tied to one package, 20 % capped at USD 20-100 M per
/// package (half of those earmarked too). Supply is about 60 % of the need.
fn instance() -> Instance {
    let mut random = Random(13);
    let all = RequirementCategory::ALL;
    let packages: Vec<PackageNeed> = (0..PACKAGES)
        .map(|n| {
            let mut categories: Vec<RequirementCategory> =
                (0..1 + random.below(3)).map(|_| all[random.below(all.len() as u64) as usize]).collect();
            categories.sort();
            categories.dedup();
            PackageNeed {
                id: PackageRef::parse(&format!("K{n:04}")).unwrap(),
                priority: None,
                need_minor: (400 + random.below(201) as i64) * MILLION_MINOR,
                categories,
            }
        })
        .collect();
    let pledges = (0..PLEDGES)
        .map(|n| {
            let kind = random.below(100);
            let category = all[random.below(all.len() as u64) as usize];
            let tied = packages[random.below(PACKAGES as u64) as usize].id.clone();
            let cap = (20 + random.below(81) as i64) * MILLION_MINOR;
            PledgeSupply {
                id: PledgeId::parse(&format!("G{n:05}")).unwrap(),
                supply_minor: (10 + random.below(131) as i64) * MILLION_MINOR,
                earmark: ((45..70).contains(&kind) || (90..100).contains(&kind)).then_some(category),
                package: (70..80).contains(&kind).then_some(tied),
                cap_minor: (80..100).contains(&kind).then_some(cap),
                given: Vec::new(),
            }
        })
        .collect();
    Instance { currency: Currency::USD, packages, pledges }
}

/// One LP of the lexicographic sequence on the same aggregated network the engine builds (one
/// pool per earmark for uncapped, untied pledges; direct edges for the others): the most package
/// `target` can take while the packages marked `fixed` take their full need.
fn lp_max(instance: &Instance, target: usize, fixed: &[bool]) -> f64 {
    let mut variables = ProblemVariables::new();
    let mut into: Vec<Expression> = vec![Expression::from(0.0); instance.packages.len()];
    let mut outs: Vec<(Expression, f64)> = Vec::new();
    let mut pools: std::collections::BTreeMap<Option<RequirementCategory>, f64> = Default::default();
    for pledge in &instance.pledges {
        let direct = pledge.package.is_some() || pledge.cap_minor.is_some();
        if !direct {
            *pools.entry(pledge.earmark).or_default() += pledge.supply_minor as f64;
            continue;
        }
        let mut out = Expression::from(0.0);
        for (j, package) in instance.packages.iter().enumerate().filter(|(_, p)| pledge.may_fund(p)) {
            let bound = pledge.cap_minor.unwrap_or(i64::MAX).min(package.need_minor) as f64;
            let x = variables.add(variable().min(0.0).max(bound));
            out += x;
            into[j] += x;
        }
        outs.push((out, pledge.supply_minor as f64));
    }
    for (earmark, supply) in pools {
        let mut out = Expression::from(0.0);
        for (j, package) in instance.packages.iter().enumerate() {
            if earmark.is_none_or(|c| package.categories.contains(&c)) {
                let x = variables.add(variable().min(0.0).max(package.need_minor as f64));
                out += x;
                into[j] += x;
            }
        }
        outs.push((out, supply));
    }
    let mut problem = variables.maximise(into[target].clone()).using(microlp);
    for (out, supply) in outs {
        problem = problem.with(constraint!(out <= supply));
    }
    for ((taken, package), fixed) in into.iter().zip(&instance.packages).zip(fixed) {
        problem = match fixed {
            true => problem.with(constraint!(taken.clone() == package.need_minor as f64)),
            false => problem.with(constraint!(taken.clone() <= package.need_minor as f64)),
        };
    }
    let solution = problem.solve().unwrap();
    solution.eval(into[target].clone())
}

/// The whole rule as LPs: one per package in order, then one for the first package short.
fn lp_sequence(instance: &Instance) -> Vec<f64> {
    let mut fixed = vec![false; instance.packages.len()];
    for (j, package) in instance.packages.iter().enumerate() {
        fixed[j] = lp_max(instance, j, &fixed) >= package.need_minor as f64 - 0.5;
    }
    let mut amounts: Vec<f64> =
        instance.packages.iter().zip(&fixed).map(|(p, f)| if *f { p.need_minor as f64 } else { 0.0 }).collect();
    if let Some(first) = fixed.iter().position(|f| !f) {
        amounts[first] = lp_max(instance, first, &fixed);
    }
    amounts
}

fn bench(c: &mut Criterion) {
    let instance = instance();
    let solution = solve(&instance).unwrap();
    let funded =
        solution.status.iter().filter(|s| **s == tranche_core::funding::proposal::FundingStatus::Funded).count();
    eprintln!("engine: {funded} of {PACKAGES} packages funded, {} allocations", solution.pieces.len());
    if std::env::var_os("PROPOSAL_LP_SEQUENCE").is_some() {
        // Minutes: measured once, on request.
        let start = Instant::now();
        let amounts = lp_sequence(&instance);
        let elapsed = start.elapsed();
        for (engine, lp) in solution.amounts_minor.iter().zip(&amounts) {
            assert!((*engine as f64 - lp).abs() < 0.5, "engine {engine}, LP {lp}");
        }
        eprintln!("LP sequence ({} LPs): {elapsed:?}, same amounts as the engine", PACKAGES + 1);
    }
    let mut group = c.benchmark_group("proposal");
    group.sample_size(10);
    if std::env::var_os("TRANCHE_BENCH_QUICK").is_none() {
        group.measurement_time(Duration::from_secs(10));
    }
    group.bench_function("engine_500x2000", |b| b.iter(|| solve(&instance).unwrap()));
    group.bench_function("lp_one_of_the_sequence_500x2000", |b| {
        b.iter_custom(|iterations| {
            let start = Instant::now();
            for _ in 0..iterations {
                let value = lp_max(&instance, 0, &vec![false; PACKAGES]);
                // The first package gets its maximum either way (funded, or the first short).
                assert!((value - solution.amounts_minor[0] as f64).abs() < 0.5, "LP {value}");
            }
            start.elapsed()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
