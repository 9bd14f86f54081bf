//! IATI 2.03 activity XML (docs/IATI.md): the mechanism and each package as activities, the
//! pledges, commitments, payments, allocations and disbursements as transactions.
//!
//! [`export`] writes what a reader may see (restricted package contents only for the roles that
//! read them, through [`tranche_core::reports::package_rows`]). [`parse`] reads such a file back
//! into the commands that rebuild its pledges, payments and participation, and [`plan`] runs them
//! against a copy of the state, so that every problem is reported with its file and XML path
//! (`/iati-activities/iati-activity[1]/transaction[3]/value`) before anything is written.
//!
//! What IATI has no field for (a pledge's kind, parties, status, source and note, participation
//! records) travels in our own namespace ([`NAMESPACE`], prefix `tranche`), which the IATI schema
//! allows on every element.

mod read;
mod write;
mod xml;

pub use read::{Imported, Parsed, Plan, parse, plan};
pub use write::{Movements, export};

/// The IATI standard version written and read.
pub const VERSION: &str = "2.03";

/// The namespace of the elements and attributes that carry what IATI has no field for.
pub const NAMESPACE: &str = "urn:tranche:iati:1";

/// The largest IATI file read (bytes); larger ones are refused before parsing.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Transaction types (IATI codelist `TransactionType`).
pub mod transaction_type {
    pub const INCOMING_FUNDS: &str = "1";
    pub const OUTGOING_COMMITMENT: &str = "2";
    pub const DISBURSEMENT: &str = "3";
    pub const INCOMING_COMMITMENT: &str = "11";
    pub const INCOMING_PLEDGE: &str = "13";
}

/// A problem in an IATI file: the file, where in it (an XML path, or the line and column of a
/// syntax error) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IatiError {
    pub file: String,
    pub at: String,
    pub problem: String,
}

impl std::fmt::Display for IatiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at.is_empty() {
            true => write!(f, "{}: {}", self.file, self.problem),
            false => write!(f, "{}: {}: {}", self.file, self.at, self.problem),
        }
    }
}

impl std::error::Error for IatiError {}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no mechanism is defined; there is nothing to export as IATI activities")]
    NoMechanism,
    #[error("cannot write the IATI XML: {0}")]
    Write(#[from] std::io::Error),
}
