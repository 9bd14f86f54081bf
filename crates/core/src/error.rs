//! Errors of the core: parse errors at the boundary, FX gaps, domain rejections.

use chrono::NaiveDate;
use thiserror::Error;

use crate::money::Currency;

/// A value that could not be parsed into a domain type. Names the field, the text and why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field} {text:?} {problem}")]
pub struct ParseError {
    pub field: &'static str,
    pub text: String,
    pub problem: String,
}

impl ParseError {
    pub fn new(field: &'static str, text: &str, problem: &str) -> ParseError {
        ParseError { field, text: text.to_string(), problem: problem.to_string() }
    }
}

/// A conversion that cannot be made: no reference rate on or before the date (never a silent
/// zero), or a result beyond the amount limit.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FxError {
    MissingRate {
        currency: Currency,
        date: NaiveDate,
        /// The first date with a rate for the currency, when there is any.
        first_rate_on: Option<NaiveDate>,
    },
    Overflow {
        amount: String,
        to: Currency,
    },
}

impl std::fmt::Display for FxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FxError::MissingRate { currency, date, first_rate_on } => {
                write!(f, "no exchange rate for {currency} on or before {date}")?;
                match first_rate_on {
                    Some(first) => write!(f, " (the first {currency} rate loaded is for {first})"),
                    None => write!(f, " (no {currency} rates are loaded; import ECB rates first)"),
                }
            }
            FxError::Overflow { amount, to } => write!(f, "{amount} converted into {to} exceeds the amount limit"),
        }
    }
}

/// Why a command was rejected. Each names the thing it is about.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A rule of the mechanism refused the command; the message names the rule and the values.
    #[error("{0}")]
    Rule(String),
    #[error("package {package} is {state}; {action} needs a package that is {needs}")]
    WrongPackageState { package: String, state: String, action: &'static str, needs: &'static str },
    #[error("{role} may not {action}: {why}")]
    Forbidden { role: String, action: &'static str, why: String },
    #[error("unknown party {0}")]
    UnknownParty(String),
    #[error("party {0} is already registered")]
    PartyExists(String),
    #[error("unknown pledge {0}")]
    UnknownPledge(String),
    #[error("pledge {0} already exists")]
    PledgeExists(String),
    #[error("group {0} already exists")]
    GroupExists(String),
    #[error("target {0} already exists")]
    TargetExists(String),
    #[error("pledge {pledge} is {status}; {action} needs a pledge that is {needs}")]
    WrongPledgeStatus { pledge: String, status: String, action: &'static str, needs: &'static str },
    #[error("pledge {pledge} cannot supersede itself")]
    SelfSupersede { pledge: String },
    #[error("a joint pledge needs at least two distinct parties, got {0}")]
    JointTooSmall(String),
    #[error("amount {0} must be positive")]
    NotPositive(String),
    #[error("currency mismatch: pledge {pledge} is in {pledge_currency}, got {given}")]
    CurrencyMismatch { pledge: String, pledge_currency: String, given: String },
    #[error("overpayment: pledge {pledge} has {outstanding} outstanding, payment settles {settles}")]
    Overpayment { pledge: String, outstanding: String, settles: String },
    #[error("pledge {0} has an undisclosed amount; commit it with an amount")]
    UndisclosedCommit(String),
    #[error("{what} on {date} is before the pledge's {earlier} on {earlier_date}")]
    DateOrder { what: &'static str, date: NaiveDate, earlier: &'static str, earlier_date: NaiveDate },
    #[error("amount overflow in {0}")]
    Overflow(String),
    #[error(transparent)]
    Fx(#[from] FxError),
    #[error("unbalanced journal entry for {0}: postings do not sum to zero per currency")]
    Unbalanced(String),
}
