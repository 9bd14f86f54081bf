//! Tranche io: the file formats users already have. Parses the ECB reference-rate CSV, the
//! public-record CSV, the parties table and the Kiel tracker into core types and commands, with
//! errors that name file, line, column and problem. Knows CSV; knows nothing of the store.

pub mod ecb;
pub mod exercise;
pub mod funding_wire;
pub mod iati;
pub mod journal;
pub mod kiel;
pub mod kiel_wire;
pub mod parties;
pub mod record;
pub mod share_key;
mod table;
pub mod targets_wire;
pub mod wire;

pub use table::RowError;

/// Data shipped inside the binary, so `tranche demo` works on a fresh machine (see data/README.md).
pub mod shipped {
    pub const PARTIES_CSV: &str = include_str!("../../../data/parties.csv");
    pub const PURL_RECORD_CSV: &str = include_str!("../../../data/purl-public-record.csv");
    pub const ECB_RATES_CSV: &str = include_str!("../../../data/ecb-eurofxref-2024-2026.csv");
    pub const KIEL_PROCUREMENT_CSV: &str = include_str!("../../../data/kiel-procurement-trends.csv");
    pub const KIEL_DATA_EXPLORER_CSV: &str = include_str!("../../../data/kiel-data-explorer.csv");
    pub const KIEL_RELEASE_INFO_CSV: &str = include_str!("../../../data/kiel-release-info.csv");
}
