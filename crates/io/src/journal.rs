//! The books as a plain-text accounting journal that hledger and ledger read: every journal
//! entry a transaction, and a balance assertion on each account's last posting in each currency,
//! so `hledger -f FILE bal` and `ledger -f FILE bal` succeed only if their balances equal ours.
//!
//! Form (both tools parse it; checked by `crates/cli/tests/export_journal.rs`):
//! - one transaction per journal entry, dated by its event's date, in date order (the log order
//!   within a date): hledger checks assertions in date order, ledger in file order, so the file
//!   is written in date order and both see the same "last" posting;
//! - description `EVENT-KIND event SEQ, command COMMAND-ID`;
//! - amounts in decimal with every minor digit of the currency, a `.` decimal mark, no thousands
//!   separators and the ISO code after the number (`-1234.56 EUR`, `15 JPY`); a `commodity`
//!   directive per currency fixes the format;
//! - accounts as in docs/ACCOUNTING.md with the book as the top-level prefix: the memo book's
//!   names already begin with `memo:`, the main book's get `main:` (`main:assets:cash:EUR`);
//!   in the variable part (contributor key, package id) any character other than ASCII letters,
//!   digits and `+ - _ .` is written `%XX` (its hex code), so a `:` in a package id never makes
//!   a sub-account and no name holds spaces or `;`. In descriptions, a command id's `;` (which
//!   would begin a comment) and `%` are written the same way.
//!
//! The writer is a builder: [`JournalBuilder::push`] takes each event with its entries in log
//! order (compact, no per-posting allocation), [`JournalBuilder::write`] sorts, checks its own
//! sums against the books replayed by the store (a pair assertion: the file asserts only what
//! the books hold), and streams the text.

use std::collections::HashMap;
use std::io::{self, Write};

use chrono::NaiveDate;
use tranche_core::{Account, Book, Books, Currency, Event, JournalEntry};

/// Which tool the journal is written for; only the commodity directives differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Hledger,
    Ledger,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("event {seq} ({kind}) posts journal entries but has no date")]
    Undated { seq: u64, kind: &'static str },
    #[error("the journal's balances differ from the books: {0}")]
    Differs(String),
    #[error("more than {0} accounts, postings or transactions")]
    TooLarge(u32),
    #[error("cannot write the journal: {0}")]
    Io(#[from] io::Error),
}

/// One posting, compact: the account is an index into the builder's names.
#[derive(Debug, Clone, Copy)]
struct CompactPosting {
    account: u32,
    currency: Currency,
    amount_minor: i64,
}

#[derive(Debug, Clone, Copy)]
struct Transaction {
    date: NaiveDate,
    seq: u64,
    kind: &'static str,
    /// Range of the command id in `JournalBuilder::text`.
    command: (u32, u32),
    /// Range in `JournalBuilder::postings`.
    postings: (u32, u32),
}

/// Collects the journal entries of a log, then writes them as a journal.
#[derive(Debug, Default)]
pub struct JournalBuilder {
    names: Vec<String>,
    index: HashMap<Account, u32>,
    postings: Vec<CompactPosting>,
    transactions: Vec<Transaction>,
    text: String,
}

/// What [`JournalBuilder::write`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub transactions: usize,
    pub postings: usize,
    pub assertions: usize,
}

fn index_u32(value: usize) -> Result<u32, JournalError> {
    u32::try_from(value).map_err(|_| JournalError::TooLarge(u32::MAX))
}

impl JournalBuilder {
    pub fn new() -> JournalBuilder {
        JournalBuilder::default()
    }

    /// Adds one event's entries (call in log order; an event that posts nothing adds nothing).
    pub fn push(
        &mut self,
        seq: u64,
        command_id: &str,
        event: &Event,
        entries: &[JournalEntry],
    ) -> Result<(), JournalError> {
        if entries.is_empty() {
            return Ok(());
        }
        let date = event_date(event).ok_or(JournalError::Undated { seq, kind: event.name() })?;
        let start = index_u32(self.text.len())?;
        escape_description_into(&mut self.text, command_id);
        let command = (start, index_u32(self.text.len())?);
        for entry in entries {
            let first = index_u32(self.postings.len())?;
            for posting in entry.postings() {
                let account = self.account(&posting.account)?;
                self.postings.push(CompactPosting {
                    account,
                    currency: posting.amount.currency,
                    amount_minor: posting.amount.amount_minor,
                });
            }
            let postings = (first, index_u32(self.postings.len())?);
            self.transactions.push(Transaction { date, seq, kind: event.name(), command, postings });
        }
        Ok(())
    }

    fn account(&mut self, account: &Account) -> Result<u32, JournalError> {
        if let Some(index) = self.index.get(account) {
            return Ok(*index);
        }
        let index = index_u32(self.names.len())?;
        self.names.push(account_name(account));
        self.index.insert(account.clone(), index);
        Ok(index)
    }

    /// Sorts by date, checks every account's final balance per currency equals `books`, and
    /// writes the journal to `out` (buffer it: many small writes).
    pub fn write(mut self, books: &Books, flavour: Flavour, out: &mut dyn Write) -> Result<Written, JournalError> {
        // Stable: the log order within a date.
        self.transactions.sort_by_key(|t| t.date);
        let (last, balances) = self.last_postings_and_balances();
        self.check_against(books, &balances)?;
        write_header(out, flavour, &balances)?;
        let mut postings_written = 0usize;
        for transaction in &self.transactions {
            let command = self.text.get(transaction.command.0 as usize..transaction.command.1 as usize).unwrap_or("");
            write!(
                out,
                "\n{} {} event {}, command {}\n",
                transaction.date, transaction.kind, transaction.seq, command
            )?;
            for at in transaction.postings.0..transaction.postings.1 {
                let Some(posting) = self.postings.get(at as usize) else { continue };
                let name = self.names.get(posting.account as usize).map_or("", String::as_str);
                out.write_all(b"    ")?;
                out.write_all(name.as_bytes())?;
                out.write_all(b"    ")?;
                write_amount(out, i128::from(posting.amount_minor), posting.currency)?;
                if let Some(balance) = last.get(&(posting.account, posting.currency)).filter(|(i, _)| *i == at) {
                    out.write_all(b" = ")?;
                    write_amount(out, balance.1, posting.currency)?;
                }
                out.write_all(b"\n")?;
                postings_written += 1;
            }
        }
        out.flush()?;
        Ok(Written { transactions: self.transactions.len(), postings: postings_written, assertions: last.len() })
    }

    /// Per account and currency: the index of its last posting in date order and its balance.
    #[allow(clippy::type_complexity)]
    fn last_postings_and_balances(&self) -> (HashMap<(u32, Currency), (u32, i128)>, Vec<(String, Currency, i128)>) {
        let mut last: HashMap<(u32, Currency), (u32, i128)> = HashMap::new();
        for transaction in &self.transactions {
            for at in transaction.postings.0..transaction.postings.1 {
                let Some(posting) = self.postings.get(at as usize) else { continue };
                let slot = last.entry((posting.account, posting.currency)).or_insert((at, 0));
                // At most 2^32 postings of at most 2^63 each: an i128 never overflows.
                *slot = (at, slot.1 + i128::from(posting.amount_minor));
            }
        }
        let mut balances: Vec<(String, Currency, i128)> = last
            .iter()
            .map(|((account, currency), (_, sum))| {
                (self.names.get(*account as usize).cloned().unwrap_or_default(), *currency, *sum)
            })
            .collect();
        balances.sort();
        (last, balances)
    }

    /// The pair assertion: the sums this journal asserts are the books' balances, every one.
    fn check_against(&self, books: &Books, balances: &[(String, Currency, i128)]) -> Result<(), JournalError> {
        let ours: HashMap<(&str, Currency), i128> =
            balances.iter().map(|(name, currency, sum)| ((name.as_str(), *currency), *sum)).collect();
        let mut theirs = 0usize;
        for (account, currency, balance) in books.balances() {
            let name = account_name(account);
            let mine = ours.get(&(name.as_str(), currency)).copied();
            if mine.unwrap_or(0) != balance {
                return Err(JournalError::Differs(format!(
                    "{name} holds {balance} {currency} minor units in the books, {} in the journal",
                    mine.unwrap_or(0)
                )));
            }
            theirs += usize::from(mine.is_some());
        }
        if theirs != ours.len() {
            return Err(JournalError::Differs(format!(
                "the journal has {} account balances, the books {theirs}",
                ours.len()
            )));
        }
        Ok(())
    }
}

fn write_header(out: &mut dyn Write, flavour: Flavour, balances: &[(String, Currency, i128)]) -> io::Result<()> {
    writeln!(out, "; The books of a Tranche store: memo and main book (docs/ACCOUNTING.md).")?;
    writeln!(out, "; Debits positive, credits negative; a balance assertion on each account's last")?;
    writeln!(out, "; posting in each currency holds Tranche's balance.")?;
    let mut currencies: Vec<Currency> = balances.iter().map(|(_, currency, _)| *currency).collect();
    currencies.sort();
    currencies.dedup();
    for currency in currencies {
        let zeros = "0".repeat(currency.exponent() as usize);
        match flavour {
            // hledger wants a decimal mark in the format, even with no decimals (`1000. JPY`).
            Flavour::Hledger => writeln!(out, "commodity 1000.{zeros} {currency}")?,
            // ledger refuses a format ending in a bare `.`.
            Flavour::Ledger => {
                let mark = if zeros.is_empty() { "" } else { "." };
                writeln!(out, "commodity {currency}\n    format 1000{mark}{zeros} {currency}")?;
            }
        }
    }
    Ok(())
}

/// `-1234.56 EUR`, `15 JPY`: every minor digit, `.` as decimal mark, no grouping.
fn write_amount(out: &mut dyn Write, minor: i128, currency: Currency) -> io::Result<()> {
    write_decimal(out, minor, currency.exponent())?;
    write!(out, " {currency}")
}

fn write_decimal(out: &mut dyn Write, minor: i128, exponent: u32) -> io::Result<()> {
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    if exponent == 0 {
        return write!(out, "{sign}{magnitude}");
    }
    let scale = 10u128.pow(exponent);
    let width = exponent as usize;
    write!(out, "{sign}{}.{:0width$}", magnitude / scale, magnitude % scale)
}

/// `minor` units with `exponent` minor digits as plain decimal text (`-1234.56`); any i128.
pub fn decimal_text(minor: i128, exponent: u32) -> String {
    let mut out = Vec::with_capacity(24);
    // Writing into a Vec never fails.
    let _ = write_decimal(&mut out, minor, exponent);
    String::from_utf8(out).unwrap_or_default()
}

/// The account's name in the journal: the book as the top-level prefix, the variable part escaped.
pub fn account_name(account: &Account) -> String {
    let mut name = String::with_capacity(48);
    let (fixed, variable): (&str, Option<&str>) = match account {
        Account::PledgesAnnounced(key) => ("memo:pledges-announced:", Some(key)),
        Account::AnnouncedContra => ("memo:announced-contra", None),
        Account::PledgesReceivable(key) => ("main:assets:pledges-receivable:", Some(key)),
        Account::Contributions(key) => ("main:net-assets:contributions:", Some(key)),
        Account::Cash(currency) => ("main:assets:cash:", Some(currency.code())),
        Account::Trading(currency) => ("main:trading:fx:", Some(currency.code())),
        Account::PackageFunds(package) => ("main:net-assets:package:", Some(package)),
    };
    debug_assert_eq!(fixed.starts_with("memo:"), account.book() == Book::Memo);
    name.push_str(fixed);
    if let Some(variable) = variable {
        escape_into(&mut name, variable);
    }
    name
}

/// Keeps ASCII letters, digits and `+ - _ .`; writes anything else as `%XX` per byte.
fn escape_into(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'_' | b'.') {
            out.push(char::from(byte));
        } else {
            push_hex(out, byte);
        }
    }
}

/// Keeps visible ASCII but `;` (a comment in both tools) and `%`; writes those and anything
/// else as `%XX`.
fn escape_description_into(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if byte.is_ascii_graphic() && !matches!(byte, b';' | b'%') {
            out.push(char::from(byte));
        } else {
            push_hex(out, byte);
        }
    }
}

fn push_hex(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(char::from(HEX[usize::from(byte >> 4)]));
    out.push(char::from(HEX[usize::from(byte & 0x0f)]));
}

/// The date an event's entries are booked on; `None` for events that post nothing.
pub fn event_date(event: &Event) -> Option<NaiveDate> {
    match event {
        Event::PledgeAnnounced { announcement } => Some(announcement.date),
        Event::ParticipationRecorded { source, .. } => Some(source.date),
        Event::PledgeCommitted { date, .. }
        | Event::PaymentReceived { date, .. }
        | Event::PledgeWithdrawn { date, .. }
        | Event::PledgeSuperseded { date, .. }
        | Event::DecisionResponded { date, .. }
        | Event::PackageDrafted { date, .. }
        | Event::PackageQuoted { date, .. }
        | Event::PackageMoved { date, .. }
        | Event::TriggerDeclared { date, .. }
        | Event::CashConverted { date, .. }
        | Event::Disbursed { date, .. }
        | Event::DeliveryRecorded { date, .. }
        | Event::DeliveryConfirmed { date, .. }
        | Event::PackageCancelled { date, .. } => Some(*date),
        Event::Allocated { allocation, .. } => Some(allocation.date),
        Event::PartyRegistered { .. }
        | Event::MechanismDefined { .. }
        | Event::GroupDefined { .. }
        | Event::TargetSet { .. }
        | Event::ShareKeyLoaded { .. }
        | Event::KielReleaseLoaded { .. }
        | Event::RequirementSubmitted { .. }
        | Event::ListPrioritised { .. }
        | Event::DecisionOpened { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(minor: i128, code: &str) -> String {
        let mut out = Vec::new();
        write_amount(&mut out, minor, Currency::parse(code).unwrap()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn amounts_carry_every_minor_digit() {
        assert_eq!(amount(123456, "EUR"), "1234.56 EUR");
        assert_eq!(amount(-5, "EUR"), "-0.05 EUR");
        assert_eq!(amount(0, "USD"), "0.00 USD");
        assert_eq!(amount(-15, "JPY"), "-15 JPY");
        assert_eq!(amount(1000, "KWD"), "1.000 KWD");
    }

    fn committed(minor: i64) -> (Event, JournalEntry) {
        let amount = tranche_core::Money::new(minor, Currency::EUR).unwrap();
        let pledge = tranche_core::PledgeId::parse("R1").unwrap();
        let date = tranche_core::parse_date("2025-08-11").unwrap();
        let entry = JournalEntry::transfer(
            Account::PledgesReceivable("NLD".into()),
            Account::Contributions("NLD".into()),
            amount,
        )
        .unwrap();
        (Event::PledgeCommitted { pledge, amount, date }, entry)
    }

    fn written(books_minor: i64) -> Result<String, JournalError> {
        let (event, entry) = committed(500);
        let mut builder = JournalBuilder::new();
        builder.push(7, "cmd;1", &event, std::slice::from_ref(&entry))?;
        let mut books = Books::default();
        books.post(&committed(books_minor).1);
        let mut out = Vec::new();
        builder.write(&books, Flavour::Hledger, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn a_journal_asserts_the_books_balances() {
        let text = written(500).unwrap();
        let expected = "\n2025-08-11 pledge-committed event 7, command cmd%3B1\n    \
            main:assets:pledges-receivable:NLD    5.00 EUR = 5.00 EUR\n    \
            main:net-assets:contributions:NLD    -5.00 EUR = -5.00 EUR\n";
        assert!(text.ends_with(expected), "{text}");
        assert!(text.contains("commodity 1000.00 EUR\n"), "{text}");
    }

    #[test]
    fn a_journal_that_would_differ_from_the_books_is_not_written() {
        let error = written(501).unwrap_err();
        assert!(error.to_string().contains("holds 501 EUR minor units in the books, 500 in the journal"), "{error}");
    }

    #[test]
    fn variable_parts_are_escaped() {
        assert_eq!(account_name(&Account::PackageFunds("EX:P1".into())), "main:net-assets:package:EX%3AP1");
        assert_eq!(account_name(&Account::PledgesAnnounced("DNK+NOR".into())), "memo:pledges-announced:DNK+NOR");
        let mut text = String::new();
        escape_into(&mut text, "a;b c%");
        assert_eq!(text, "a%3Bb%20c%25");
        let mut text = String::new();
        escape_description_into(&mut text, "contributor:NLD/a;b%");
        assert_eq!(text, "contributor:NLD/a%3Bb%25");
    }
}
