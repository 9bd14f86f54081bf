//! The funding engine checked independently: the same random instances solved as a sequence of
//! linear programs (good_lp with its pure-Rust microlp backend) must give the same funded set and
//! the same amount per package; and properties every proposal must hold.

use good_lp::{Expression, ProblemVariables, Solution as _, SolverModel, Variable, constraint, microlp, variable};
use tranche_core::funding::proposal::{FundingStatus, Instance, PackageNeed, PledgeSupply, Solution, solve};
use tranche_core::procurement::RequirementCategory;
use tranche_core::{Currency, PackageRef, PledgeId};

/// SplitMix64: a small seeded generator, so every run checks the same instances.
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

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const CATEGORIES: [RequirementCategory; 3] =
    [RequirementCategory::AirDefence, RequirementCategory::Armour, RequirementCategory::Drones];

/// Up to 6 packages and 8 pledges, small amounts, every kind of constraint.
fn random_instance(seed: u64) -> Instance {
    let mut random = Random(seed);
    let packages: Vec<PackageNeed> = (0..1 + random.below(6))
        .map(|n| {
            let mut categories: Vec<RequirementCategory> =
                CATEGORIES.iter().copied().filter(|_| random.chance(45)).collect();
            if categories.is_empty() {
                categories.push(CATEGORIES[random.below(3) as usize]);
            }
            PackageNeed {
                id: PackageRef::parse(&format!("K{n}")).unwrap(),
                priority: None,
                need_minor: 1 + random.below(100) as i64,
                categories,
            }
        })
        .collect();
    let mut pledges = Vec::new();
    for n in 0..random.below(9) {
        let mut pledge = PledgeSupply {
            // Ids not in insertion order, to check the engine orders by id itself.
            id: PledgeId::parse(&format!("P{}", (n * 7) % 11)).unwrap(),
            supply_minor: random.below(121) as i64,
            earmark: random.chance(30).then(|| CATEGORIES[random.below(3) as usize]),
            package: random.chance(15).then(|| packages[random.below(packages.len() as u64) as usize].id.clone()),
            cap_minor: random.chance(25).then(|| 1 + random.below(60) as i64),
            given: Vec::new(),
        };
        // Some capped pledges already gave a package part of their cap.
        if pledge.cap_minor.is_some() && random.chance(40) {
            let package = &packages[random.below(packages.len() as u64) as usize];
            pledge.given.push((package.id.clone(), random.below(40) as i64));
        }
        pledges.push(pledge);
    }
    Instance { currency: Currency::USD, packages, pledges }
}

/// The LP: a variable per (pledge, package) the constraints allow, bounded by the cap; each
/// pledge gives at most its supply, each package takes at most its need.
struct Lp {
    pairs: Vec<(usize, usize, Variable)>,
    variables: ProblemVariables,
}

fn lp(instance: &Instance) -> Lp {
    let mut variables = ProblemVariables::new();
    let mut pairs = Vec::new();
    for (i, pledge) in instance.pledges.iter().enumerate() {
        for (j, package) in instance.packages.iter().enumerate() {
            let tied_ok = pledge.package.as_ref().is_none_or(|p| *p == package.id);
            let earmark_ok = pledge.earmark.is_none_or(|c| package.categories.contains(&c));
            if tied_ok && earmark_ok {
                let given: i64 = pledge.given.iter().filter(|g| g.0 == package.id).map(|g| g.1).sum();
                let cap = pledge.cap_minor.map_or(i64::MAX, |cap| (cap - given).max(0));
                let bound = cap.min(package.need_minor);
                pairs.push((i, j, variables.add(variable().min(0.0).max(bound as f64))));
            }
        }
    }
    Lp { pairs, variables }
}

/// The most package `target` can take while each package in `fixed` takes its full need.
fn lp_max(instance: &Instance, target: usize, fixed: &[usize]) -> f64 {
    let Lp { pairs, variables } = lp(instance);
    let into = |j: usize| -> Expression { pairs.iter().filter(|p| p.1 == j).map(|p| p.2).sum() };
    let mut problem = variables.maximise(into(target)).using(microlp);
    for (i, pledge) in instance.pledges.iter().enumerate() {
        let out: Expression = pairs.iter().filter(|p| p.0 == i).map(|p| p.2).sum();
        problem = problem.with(constraint!(out <= pledge.supply_minor as f64));
    }
    for (j, package) in instance.packages.iter().enumerate() {
        let taken = into(j);
        problem = match fixed.contains(&j) {
            true => problem.with(constraint!(taken == package.need_minor as f64)),
            false => problem.with(constraint!(taken <= package.need_minor as f64)),
        };
    }
    let solution = problem.solve().expect("the LP is feasible: the fixed packages were fundable");
    solution.eval(into(target))
}

/// The lexicographic rule as a sequence of LPs: per package in order, fundable when its LP
/// maximum reaches its need with the packages funded so far kept full; then the first package
/// not funded gets its LP maximum.
fn lp_amounts(instance: &Instance) -> (Vec<bool>, Vec<f64>) {
    let mut funded = Vec::new();
    for (j, package) in instance.packages.iter().enumerate() {
        if lp_max(instance, j, &funded) >= package.need_minor as f64 - 0.5 {
            funded.push(j);
        }
    }
    let mut amounts: Vec<f64> = instance
        .packages
        .iter()
        .enumerate()
        .map(|(j, p)| if funded.contains(&j) { p.need_minor as f64 } else { 0.0 })
        .collect();
    if let Some(first) = (0..instance.packages.len()).find(|j| !funded.contains(j)) {
        amounts[first] = lp_max(instance, first, &funded);
    }
    ((0..instance.packages.len()).map(|j| funded.contains(&j)).collect(), amounts)
}

#[test]
fn engine_agrees_with_the_lp_sequence_on_1000_random_instances() {
    let mut partial = 0;
    for seed in 0..1_000u64 {
        let instance = random_instance(seed);
        let solution = solve(&instance).unwrap();
        let (lp_funded, lp_amounts) = lp_amounts(&instance);
        let funded: Vec<bool> = solution.status.iter().map(|s| *s == FundingStatus::Funded).collect();
        assert_eq!(funded, lp_funded, "seed {seed}: funded set, instance {instance:?}");
        for (j, (engine, lp)) in solution.amounts_minor.iter().zip(&lp_amounts).enumerate() {
            assert!((*engine as f64 - lp).abs() < 0.5, "seed {seed}: package {j}: engine {engine}, LP {lp}");
        }
        partial += solution.status.iter().filter(|s| **s == FundingStatus::Partial).count();
    }
    // The instances are not trivial: many have a partially funded package.
    assert!(partial > 100, "only {partial} partial packages in 1,000 instances");
}

/// Every property a solution must hold, whatever the instance.
fn check_properties(instance: &Instance, solution: &Solution) -> Result<(), String> {
    let mut used = vec![0i64; instance.pledges.len()];
    let mut taken = vec![0i64; instance.packages.len()];
    for piece in &solution.pieces {
        let (pledge, package) = (&instance.pledges[piece.pledge], &instance.packages[piece.package]);
        if piece.amount_minor <= 0 {
            return Err(format!("a piece of {} for {} is not positive", pledge.id, package.id));
        }
        if pledge.earmark.is_some_and(|c| !package.categories.contains(&c)) {
            return Err(format!("earmarked pledge {} funds {}", pledge.id, package.id));
        }
        if pledge.package.as_ref().is_some_and(|p| *p != package.id) {
            return Err(format!("tied pledge {} funds {}", pledge.id, package.id));
        }
        let given: i64 = pledge.given.iter().filter(|g| g.0 == package.id).map(|g| g.1).sum();
        if pledge.cap_minor.is_some_and(|cap| piece.amount_minor + given > cap) {
            return Err(format!("pledge {} gives {} beyond its cap", pledge.id, package.id));
        }
        used[piece.pledge] += piece.amount_minor;
        taken[piece.package] += piece.amount_minor;
    }
    for (pledge, used) in instance.pledges.iter().zip(&used) {
        if *used > pledge.supply_minor {
            return Err(format!("pledge {} over-used: {used} of {}", pledge.id, pledge.supply_minor));
        }
    }
    for (j, package) in instance.packages.iter().enumerate() {
        let amount = solution.amounts_minor[j];
        if taken[j] != amount {
            return Err(format!("package {}: pieces sum to {}, amount {amount}", package.id, taken[j]));
        }
        if amount > package.need_minor {
            return Err(format!("package {} over-funded", package.id));
        }
        let status_fits = match solution.status[j] {
            FundingStatus::Funded => amount == package.need_minor,
            FundingStatus::Partial => amount > 0 && amount < package.need_minor,
            FundingStatus::Unfunded => amount == 0,
        };
        if !status_fits {
            return Err(format!("package {}: status {:?} with {amount}", package.id, solution.status[j]));
        }
    }
    let first_short = solution.status.iter().position(|s| *s != FundingStatus::Funded);
    for (j, status) in solution.status.iter().enumerate() {
        if *status == FundingStatus::Partial && Some(j) != first_short {
            return Err(format!("package {j} is partial but not the first package short"));
        }
    }
    let total_pieces: i128 = solution.pieces.iter().map(|p| i128::from(p.amount_minor)).sum();
    let total_packages: i128 = solution.amounts_minor.iter().map(|a| i128::from(*a)).sum();
    match total_pieces == total_packages {
        true => Ok(()),
        false => Err(format!("money not conserved: pieces {total_pieces}, packages {total_packages}")),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

    #[test]
    fn proposals_hold_every_constraint_and_are_deterministic(seed in proptest::prelude::any::<u64>()) {
        let instance = random_instance(seed);
        let solution = solve(&instance).unwrap();
        if let Err(problem) = check_properties(&instance, &solution) {
            proptest::prop_assert!(false, "{}: {:?}", problem, instance);
        }
        proptest::prop_assert_eq!(&solve(&instance).unwrap(), &solution);
        // The order pledges are given in changes nothing: pledges are taken by id.
        let mut reversed = instance.clone();
        reversed.pledges.reverse();
        let again = solve(&reversed).unwrap();
        proptest::prop_assert_eq!(&again.amounts_minor, &solution.amounts_minor);
        let named = |instance: &Instance, solution: &Solution| -> Vec<(PledgeId, usize, i64)> {
            solution.pieces.iter().map(|p| (instance.pledges[p.pledge].id.clone(), p.package, p.amount_minor)).collect()
        };
        proptest::prop_assert_eq!(named(&reversed, &again), named(&instance, &solution));
    }
}
