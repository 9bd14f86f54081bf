//! The funding engine: fair shares by a key, funding proposals, targets and projections.

pub mod fair_share;
