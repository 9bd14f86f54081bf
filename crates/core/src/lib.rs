//! Tranche core: domain types, commands, events, the fold, the ledger rules and the counting
//! rules. No IO, no async, no HTTP, no SQL: only the edges know those.
//!
//! Total functions: whatever a client sends, `decide`, `apply` and every report return a value or
//! an error, never a panic. The lints below deny the ways to panic outside tests; the few proven
//! exceptions carry an `#[allow]` with the reason beside it.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

pub mod auth;
pub mod command;
pub mod dates;
#[macro_use]
pub mod domain;
pub mod error;
pub mod funding;
pub mod fx;
pub mod ids;
pub mod ledger;
pub mod money;
pub mod procurement;
pub mod reference;
pub mod reports;
mod rules;
#[cfg(feature = "openapi")]
pub mod schema;
pub mod series;
pub mod state;
pub mod summary;
pub mod targets;
pub mod text;

pub use command::{Announcement, Command, Decided, Envelope, Event, Known};
pub use dates::parse_date;
pub use domain::*;
pub use error::{DomainError, FxError, ParseError};
pub use fx::{RateQuote, RateTable};
pub use ids::{
    CommandId, DecisionId, GroupId, MechanismId, PackageRef, PartyId, PledgeId, RequirementId, ShareKeyName, TargetId,
};
pub use ledger::{Account, Book, Books, JournalEntry, Posting};
pub use money::{Currency, Money, Rate};
pub use state::{Payment, State};
pub use summary::{Contribution, Effect, Summary, YearMonth, contributions, first_date_reaching, summarise};
pub use text::{Name, Note, SourceUrl};
