//! Identifiers, parsed once at the boundary.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $field:literal, $valid:expr, $rule:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<$name, ParseError> {
                let valid: fn(&str) -> bool = $valid;
                if valid(text) {
                    Ok($name(text.to_string()))
                } else {
                    Err(ParseError::new($field, text, $rule))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                $name::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

/// Letters, digits and `-_.:`, beginning with a letter or digit (so never `..` or `.hidden`).
fn is_token(text: &str, max_len: usize) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && text.len() <= max_len
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A state (ISO 3166-1 alpha-3, `NLD`) or an organisation (`NATO`): 3 to 8 capital letters.
/// Stored inline (no heap), so reports that group by party touch no pointers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartyId {
    /// ASCII capitals, zero-padded; zero sorts before any letter, so `Ord` is the text order.
    bytes: [u8; 8],
}

impl PartyId {
    pub fn parse(text: &str) -> Result<PartyId, ParseError> {
        if !(3..=8).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ParseError::new(
                "party",
                text,
                "is not a party id (3 to 8 capital letters, ISO 3166-1 alpha-3 for states)",
            ));
        }
        let mut bytes = [0u8; 8];
        for (slot, byte) in bytes.iter_mut().zip(text.bytes()) {
            *slot = byte;
        }
        Ok(PartyId { bytes })
    }

    pub fn as_str(&self) -> &str {
        let text = self.bytes.split(|b| *b == 0).next().unwrap_or_default();
        // `parse` admits only ASCII capitals, so this is always valid UTF-8; the empty fallback
        // is never taken.
        std::str::from_utf8(text).unwrap_or_default()
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for PartyId {
    type Error = ParseError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        PartyId::parse(&text)
    }
}

impl From<PartyId> for String {
    fn from(id: PartyId) -> String {
        id.as_str().to_string()
    }
}

identifier!(
    /// A pledge: the public record id (`R12`) or any client-chosen token.
    PledgeId,
    "pledge",
    |t| is_token(t, 64),
    "is not a pledge id (1 to 64 letters, digits, '-', '_', '.', ':', beginning with a letter or digit)"
);

identifier!(
    /// A package as publicly numbered (`2`) or a local id (`PLNODE-2025-12`).
    PackageRef,
    "package",
    |t| is_token(t, 64),
    "is not a package reference (1 to 64 letters, digits, '-', '_', '.', ':', beginning with a letter or digit)"
);

identifier!(
    /// A named group of parties that acts jointly (`NB8`).
    GroupId,
    "group",
    |t| is_token(t, 32),
    "is not a group id (1 to 32 letters, digits, '-', '_', '.', ':', beginning with a letter or digit)"
);

identifier!(
    /// A requirement on the recipient's list (`REQ-2026-03-07`).
    RequirementId,
    "requirement",
    |t| is_token(t, 64),
    "is not a requirement id (1 to 64 letters, digits, '-', '_', '.', ':', beginning with a letter or digit)"
);

identifier!(
    /// A decision (`D-2026-03-list`).
    DecisionId,
    "decision",
    |t| is_token(t, 64),
    "is not a decision id (1 to 64 letters, digits, '-', '_', '.', ':', beginning with a letter or digit)"
);

identifier!(
    /// A target (`T01`).
    TargetId,
    "target",
    |t| is_token(t, 64),
    "is not a target id (1 to 64 letters, digits, '-', '_', '.', ':', beginning with a letter or digit)"
);

identifier!(
    /// A mechanism (`PURL`).
    MechanismId,
    "mechanism",
    |t| is_token(t, 32),
    "is not a mechanism id (1 to 32 letters, digits, '-', '_', '.', ':', beginning with a letter or digit)"
);

identifier!(
    /// A share key of the mechanism (`gdp-2021`, `nato-cost-shares-2025`).
    ShareKeyName,
    "share key",
    |t| !t.is_empty() && t.len() <= 64 && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
    "is not a share key name (1 to 64 lowercase letters, digits and '-')"
);

identifier!(
    /// The client-chosen id of a command; a repeat returns the first outcome.
    CommandId,
    "command id",
    // 160: a client's key of up to 128 characters, scoped by the API as `<actor>/<key>`.
    |t| !t.is_empty() && t.len() <= 160 && t.bytes().all(|b| b.is_ascii_graphic()),
    "is not a command id (1 to 160 visible ASCII characters)"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_ids() {
        assert!(PartyId::parse("NLD").is_ok());
        assert_eq!(PartyId::parse("NATO").unwrap().as_str(), "NATO");
        let mut sorted =
            [PartyId::parse("NLDA").unwrap(), PartyId::parse("NLD").unwrap(), PartyId::parse("ALB").unwrap()];
        sorted.sort();
        assert_eq!(sorted.iter().map(|p| p.as_str()).collect::<Vec<_>>(), ["ALB", "NLD", "NLDA"]);
        for bad in ["nl", "nld", "NL", "N1D", "", "ABCDEFGHI"] {
            let message = PartyId::parse(bad).unwrap_err().to_string();
            assert!(message.contains("not a party id"), "{bad}: {message}");
        }
    }

    #[test]
    fn tokens() {
        assert!(PackageRef::parse("PLNODE-2025-12").is_ok());
        assert!(PledgeId::parse("R12").is_ok());
        assert!(PledgeId::parse("a b").is_err());
        assert!(CommandId::parse("record:R01").is_ok());
        assert!(CommandId::parse("").is_err());
    }
}
