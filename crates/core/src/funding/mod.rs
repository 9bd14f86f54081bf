//! The funding engine: who can fund which open package, decided exactly.

pub mod flow;
pub mod proposal;
