//! Loading the SYNTHETIC exercise scenario (`tranche_io::exercise`) into a store, and telling
//! whether a store holds it.

use anyhow::{Context, Result};
use tranche_io::exercise::{LABEL, steps};

/// The exercise's label when the store holds it (its records all carry the `EX-` prefix).
pub fn loaded(ledger: &crate::AnyLedger) -> Option<&'static str> {
    let state = ledger.state();
    let any = state.requirements.keys().any(|id| id.as_str().starts_with("EX-"))
        || state.pledges().iter().any(|p| p.id.as_str().starts_with("EX-"));
    any.then_some(LABEL)
}

/// Loads the exercise (one transaction); a second load changes nothing.
pub fn load(ledger: &mut crate::AnyLedger) -> Result<()> {
    let steps = steps();
    let outcomes = ledger.execute_all(&steps).context("loading the synthetic exercise")?;
    let new = outcomes.iter().filter(|o| !o.repeated).count();
    out!("{LABEL}: {} steps, {new} new, {} already loaded", steps.len(), steps.len() - new);
    Ok(())
}
