//! Tranche core: domain types, commands, events, the fold, the ledger rules and the counting
//! rules. No IO, no async, no HTTP, no SQL: only the edges know those.

pub mod auth;
pub mod command;
#[macro_use]
pub mod domain;
pub mod error;
pub mod fx;
pub mod ids;
pub mod ledger;
pub mod money;
pub mod procurement;
pub mod reports;
mod rules;
pub mod series;
pub mod state;
pub mod summary;

pub use command::{Announcement, Command, Envelope, Event, Known};
pub use domain::*;
pub use error::{DomainError, FxError, ParseError};
pub use fx::{RateQuote, RateTable, parse_date};
pub use ids::{CommandId, DecisionId, GroupId, MechanismId, PackageRef, PartyId, PledgeId, RequirementId, TargetId};
pub use ledger::{Account, Book, Books, JournalEntry, Posting};
pub use money::{Currency, Money, Rate};
pub use state::{Payment, State};
pub use summary::{Summary, YearMonth, first_date_reaching, summarise};
