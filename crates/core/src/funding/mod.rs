//! The funding engine: fair shares by a key, and funding proposals (who can fund which open
//! package, decided exactly). Targets and projections are in `crate::targets`.

pub mod fair_share;
pub mod flow;
pub mod proposal;
