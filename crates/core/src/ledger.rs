//! Double-entry books. Every money event becomes journal entries whose postings sum to zero per
//! currency (enforced by [`JournalEntry::new`]). Debits are positive, credits negative.
//!
//! Chart of accounts (see docs/ACCOUNTING.md):
//! - memo book: `memo:pledges-announced:<contributor>` / `memo:announced-contra`
//! - main book: `assets:pledges-receivable:<contributor>`, `net-assets:contributions:<contributor>`,
//!   `assets:cash:<currency>`, `trading:fx:<currency>`

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Book {
    /// Off-balance: announced, non-binding pledges.
    Memo,
    /// Binding commitments, payments and FX.
    Main,
}

impl Book {
    pub fn as_str(&self) -> &'static str {
        match self {
            Book::Memo => "memo",
            Book::Main => "main",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Account {
    PledgesAnnounced(String),
    AnnouncedContra,
    PledgesReceivable(String),
    Contributions(String),
    Cash(Currency),
    Trading(Currency),
    /// Money set aside for one package (allocations less disbursements and releases).
    PackageFunds(String),
}

impl Account {
    pub fn book(&self) -> Book {
        match self {
            Account::PledgesAnnounced(_) | Account::AnnouncedContra => Book::Memo,
            _ => Book::Main,
        }
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Account::PledgesAnnounced(key) => write!(f, "memo:pledges-announced:{key}"),
            Account::AnnouncedContra => f.write_str("memo:announced-contra"),
            Account::PledgesReceivable(key) => write!(f, "assets:pledges-receivable:{key}"),
            Account::Contributions(key) => write!(f, "net-assets:contributions:{key}"),
            Account::Cash(currency) => write!(f, "assets:cash:{currency}"),
            Account::Trading(currency) => write!(f, "trading:fx:{currency}"),
            Account::PackageFunds(package) => write!(f, "net-assets:package:{package}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub account: Account,
    pub amount: Money,
}

/// A balanced set of postings in one book. Constructed only through [`JournalEntry::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    book: Book,
    postings: Vec<Posting>,
}

/// The postings given do not balance, or mix books.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unbalanced journal entry: {0}")]
pub struct Unbalanced(pub String);

impl JournalEntry {
    /// Checks the invariant: one book, and per currency the postings sum to zero.
    pub fn new(postings: Vec<Posting>) -> Result<JournalEntry, Unbalanced> {
        let book = postings.first().ok_or_else(|| Unbalanced("no postings".into()))?.account.book();
        if let Some(other) = postings.iter().find(|p| p.account.book() != book) {
            return Err(Unbalanced(format!("{} is not in the {} book", other.account, book.as_str())));
        }
        let mut sums: BTreeMap<Currency, i128> = BTreeMap::new();
        for posting in &postings {
            let sum = sums.entry(posting.amount.currency).or_default();
            *sum = sum
                .checked_add(i128::from(posting.amount.amount_minor))
                .ok_or_else(|| Unbalanced(format!("the {} postings overflow", posting.amount.currency)))?;
        }
        if let Some((currency, sum)) = sums.iter().find(|(_, sum)| **sum != 0) {
            return Err(Unbalanced(format!("{currency} postings sum to {sum} minor units")));
        }
        Ok(JournalEntry { book, postings })
    }

    /// Debit `debit`, credit `credit`, both by `amount`.
    pub fn transfer(debit: Account, credit: Account, amount: Money) -> Result<JournalEntry, Unbalanced> {
        JournalEntry::new(vec![
            Posting { account: debit, amount },
            Posting { account: credit, amount: amount.negated() },
        ])
    }

    pub fn book(&self) -> Book {
        self.book
    }

    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }
}

/// Running balances per account and currency. `i128`, so no sum of bounded amounts overflows.
/// Deserialised only inside a [`crate::State`], whose invariants (the trial balance among them)
/// are checked after the load.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Books {
    balances: BTreeMap<Account, BTreeMap<Currency, i128>>,
    entries: u64,
}

impl Books {
    pub fn post(&mut self, entry: &JournalEntry) {
        for posting in entry.postings() {
            let amount = i128::from(posting.amount.amount_minor);
            match self.balances.get_mut(&posting.account) {
                // A balance sums postings of at most ±2^63 each, and i128 holds ±2^127: it would
                // take 2^64 postings into one account, more than any store holds or replay posts.
                #[allow(clippy::arithmetic_side_effects)]
                Some(by_currency) => *by_currency.entry(posting.amount.currency).or_default() += amount,
                None => {
                    let by_currency = BTreeMap::from([(posting.amount.currency, amount)]);
                    self.balances.insert(posting.account.clone(), by_currency);
                }
            }
        }
        self.entries = self.entries.saturating_add(1);
    }

    pub fn balance(&self, account: &Account, currency: Currency) -> i128 {
        self.balances.get(account).and_then(|b| b.get(&currency)).copied().unwrap_or(0)
    }

    pub fn entry_count(&self) -> u64 {
        self.entries
    }

    pub fn balances(&self) -> impl Iterator<Item = (&Account, Currency, i128)> {
        self.balances.iter().flat_map(|(account, by_currency)| {
            by_currency.iter().map(move |(currency, sum)| (account, *currency, *sum))
        })
    }

    /// Trial balance: per book and currency, all balances sum to zero.
    pub fn check_trial_balance(&self) -> Result<(), Unbalanced> {
        let mut sums: BTreeMap<(Book, Currency), i128> = BTreeMap::new();
        for (account, currency, balance) in self.balances() {
            let sum = sums.entry((account.book(), currency)).or_default();
            *sum = sum.checked_add(balance).ok_or_else(|| {
                Unbalanced(format!("the {} book's {currency} balances overflow", account.book().as_str()))
            })?;
        }
        match sums.iter().find(|(_, sum)| **sum != 0) {
            None => Ok(()),
            Some(((book, currency), sum)) => {
                Err(Unbalanced(format!("the {} book's {currency} balances sum to {sum}", book.as_str())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(minor: i64, code: &str) -> Money {
        Money::new(minor, Currency::parse(code).unwrap()).unwrap()
    }

    #[test]
    fn entry_must_balance_per_currency() {
        let balanced = JournalEntry::new(vec![
            Posting { account: Account::Cash(Currency::USD), amount: money(578, "USD") },
            Posting { account: Account::Trading(Currency::USD), amount: money(-578, "USD") },
            Posting { account: Account::Trading(Currency::EUR), amount: money(500, "EUR") },
            Posting { account: Account::PledgesReceivable("NLD".into()), amount: money(-500, "EUR") },
        ]);
        assert!(balanced.is_ok());
        let unbalanced = JournalEntry::new(vec![
            Posting { account: Account::Cash(Currency::USD), amount: money(578, "USD") },
            Posting { account: Account::PledgesReceivable("NLD".into()), amount: money(-500, "EUR") },
        ]);
        assert_eq!(
            unbalanced.unwrap_err().to_string(),
            "unbalanced journal entry: EUR postings sum to -500 minor units"
        );
    }

    #[test]
    fn entry_may_not_mix_books() {
        let mixed = JournalEntry::new(vec![
            Posting { account: Account::AnnouncedContra, amount: money(1, "EUR") },
            Posting { account: Account::Cash(Currency::EUR), amount: money(-1, "EUR") },
        ]);
        assert!(mixed.unwrap_err().0.contains("not in the memo book"));
        assert!(JournalEntry::new(vec![]).is_err());
    }
}
