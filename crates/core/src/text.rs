//! Free text and source links at the boundary: bounded, printable, no bidirectional overrides.
//!
//! A [`Name`] (a party, a group, a package) is one line of 1 to [`MAX_NAME_CHARS`] characters; a
//! [`Note`] (notes, reasons, reservations, restricted descriptions) is 1 to [`MAX_NOTE_CHARS`]
//! characters and may span lines. Neither may hold control characters (a note may hold line
//! breaks and tabs) or the invisible formatting characters that reorder or hide text on screen
//! (bidirectional overrides and isolates, zero-width characters). A [`SourceUrl`] is an
//! `http(s)` URL of printable ASCII with a host. All three deserialise through their
//! constructors, so a value that breaks these rules cannot be represented.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;

/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2_000;
/// The longest source URL, in bytes.
pub const MAX_URL_BYTES: usize = 2_048;

/// Characters that change how surrounding text is displayed without being seen: bidirectional
/// marks, embeddings, overrides and isolates, zero-width characters, the byte-order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn check_text(field: &'static str, text: &str, max_chars: usize, multiline: bool) -> Result<(), ParseError> {
    let bad = |problem: &str| Err(ParseError::new(field, &preview(text), problem));
    if text.trim().is_empty() {
        return bad("is empty");
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return bad(&format!("has {chars} characters; the limit is {max_chars}"));
    }
    let allowed_control = |c: char| multiline && matches!(c, '\n' | '\t' | '\r');
    if let Some(c) = text.chars().find(|c| (c.is_control() && !allowed_control(*c)) || is_invisible_format(*c)) {
        return bad(&format!("holds the control or formatting character U+{:04X}", u32::from(c)));
    }
    if text.trim() != text {
        return bad("begins or ends with white space");
    }
    Ok(())
}

/// The start of a long text, for error messages (which must stay short).
fn preview(text: &str) -> String {
    const SHOWN: usize = 80;
    match text.char_indices().nth(SHOWN) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<$name, ParseError> {
                let check: fn(&str) -> Result<(), ParseError> = $check;
                check(text).map(|()| $name(text.to_string()))
            }

            /// `None` for an empty (or blank) text, the parsed value otherwise: for optional
            /// fields of forms and CSV columns, where empty means absent.
            pub fn parse_optional(text: &str) -> Result<Option<$name>, ParseError> {
                match text.trim().is_empty() {
                    true => Ok(None),
                    false => $name::parse(text.trim()).map(Some),
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
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
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                let check: fn(&str) -> Result<(), ParseError> = $check;
                check(&text).map(|()| $name(text))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ParseError;
            fn try_from(text: &str) -> Result<Self, Self::Error> {
                $name::parse(text)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

text_type!(
    /// A name: one line of 1 to 200 printable characters.
    Name, "name", |text| check_text("name", text, MAX_NAME_CHARS, false)
);

text_type!(
    /// A note, reason or description: 1 to 2,000 printable characters, line breaks allowed.
    Note, "note", |text| check_text("note", text, MAX_NOTE_CHARS, true)
);

text_type!(
    /// Where a fact was published: an `http(s)` URL of printable ASCII with a host.
    SourceUrl, "source url", check_url
);

/// ASCII characters that may not appear unescaped in a URL (RFC 3986 excludes them).
const NOT_IN_URLS: &[u8] = b" \"<>\\^`{|}";

fn check_url(text: &str) -> Result<(), ParseError> {
    let bad = |problem: &str| Err(ParseError::new("source url", &preview(text), problem));
    let rest = match text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")) {
        Some(rest) => rest,
        None => return bad("is not an http(s) URL (it must begin with https:// or http://)"),
    };
    if text.len() > MAX_URL_BYTES {
        return bad(&format!("is longer than {MAX_URL_BYTES} bytes"));
    }
    if let Some(b) = text.bytes().find(|b| !b.is_ascii_graphic() || NOT_IN_URLS.contains(b)) {
        return bad(&format!("holds the character {:?}, which a URL must percent-encode", char::from(b)));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with('@') || host.starts_with(':') {
        return bad("has no host");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T>(parsed: Result<T, ParseError>, expect: Result<(), &str>) {
        match (parsed, expect) {
            (Ok(_), Ok(())) => {}
            (Err(error), Err(fragment)) => {
                let message = error.to_string();
                assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
            }
            (Ok(_), Err(fragment)) => panic!("accepted; expected an error with {fragment:?}"),
            (Err(error), Ok(())) => panic!("refused: {error}"),
        }
    }

    #[test]
    fn names_are_one_printable_line() {
        check(Name::parse("Kingdom of the Netherlands"), Ok(()));
        check(Name::parse("Côte d'Ivoire"), Ok(()));
        check(Name::parse(""), Err("is empty"));
        check(Name::parse("   "), Err("is empty"));
        check(Name::parse(&"x".repeat(201)), Err("201 characters; the limit is 200"));
        check(Name::parse(&"é".repeat(200)), Ok(()));
        check(Name::parse("two\nlines"), Err("U+000A"));
        check(Name::parse("evil\u{202E}txt.exe"), Err("U+202E"));
        check(Name::parse("zero\u{200B}width"), Err("U+200B"));
        check(Name::parse("bell\u{7}"), Err("U+0007"));
        check(Name::parse(" padded"), Err("white space"));
    }

    #[test]
    fn notes_are_bounded_and_may_span_lines() {
        check(Note::parse("first line\nsecond line\twith a tab"), Ok(()));
        check(Note::parse(&"n".repeat(2000)), Ok(()));
        check(Note::parse(&"n".repeat(60_000)), Err("60000 characters; the limit is 2000"));
        check(Note::parse("isolate \u{2066}hidden\u{2069}"), Err("U+2066"));
        check(Note::parse("nul \u{0}"), Err("U+0000"));
        assert_eq!(Note::parse_optional("  ").unwrap(), None);
        assert_eq!(Note::parse_optional(" kept ").unwrap().unwrap().as_str(), "kept");
    }

    #[test]
    fn source_urls_are_http_with_a_host() {
        check(SourceUrl::parse("https://www.nato.int/cps/en/natohq/news_237200.htm?x=1#a"), Ok(()));
        check(SourceUrl::parse("http://example.org"), Ok(()));
        check(SourceUrl::parse("javascript:alert(1)"), Err("not an http(s) URL"));
        check(SourceUrl::parse("JAVASCRIPT://x"), Err("not an http(s) URL"));
        check(SourceUrl::parse("ftp://x y"), Err("not an http(s) URL"));
        check(SourceUrl::parse("https://x y"), Err("' '"));
        check(SourceUrl::parse("https://x\"onmouseover=1"), Err("percent-encode"));
        check(SourceUrl::parse("https://ünicode.example"), Err("percent-encode"));
        check(SourceUrl::parse("https://"), Err("no host"));
        check(SourceUrl::parse("https:///path"), Err("no host"));
        check(SourceUrl::parse(&format!("https://e.org/{}", "a".repeat(2100))), Err("longer than 2048"));
    }

    #[test]
    fn serde_goes_through_the_constructor() {
        assert!(serde_json::from_str::<Name>("\"ok\"").is_ok());
        assert!(serde_json::from_str::<Name>("\"\"").is_err());
        assert!(serde_json::from_str::<SourceUrl>("\"javascript:alert(1)\"").is_err());
        let long = format!("\"{}\"", "n".repeat(60_000));
        let message = serde_json::from_str::<Note>(&long).unwrap_err().to_string();
        assert!(message.len() < 300, "the error quotes a preview, not the whole text: {}", message.len());
    }
}
