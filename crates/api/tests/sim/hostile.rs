//! Hostile requests: what a careless or malicious client sends. Extremes and overflows in every
//! amount, malformed dates and dates outside the rates, unsafe URLs, oversized and invisible text,
//! odd ids, unknown currencies, other parties' pledges, joint pledges that bind others, commands
//! from the wrong role, references to nothing, and bodies that are not the command's JSON at all.
//! Some of these are legal (an amount of exactly 10^15): the oracle judges what is accepted.

use serde_json::{Value, json};
use tranche_core::auth::Role;
use tranche_core::procurement::PackageState;
use tranche_core::{Contributor, PartyId, PartyRole, Pledge, PledgeStatus};

use super::valid::{self, BUILDERS, Ctx, money};

/// A request body as the API would receive it, with the role that sends it.
pub type Sent = Option<(Role, String)>;
type Hostile = fn(&mut Ctx) -> Sent;

pub const HOSTILE: &[(&str, u32, Hostile)] = &[
    ("hostile:mutated-value", 40, mutated),
    ("hostile:foreign-pledge", 10, foreign_pledge),
    ("hostile:joint-binding-others", 5, joint_binding_others),
    ("hostile:wrong-role", 10, wrong_role),
    ("hostile:huge-price", 4, huge_price),
    ("hostile:big-legal-amount", 5, big_legal_amount),
    ("hostile:date-outside-rates", 5, outside_rates),
    ("hostile:missing-reference", 5, missing_reference),
    ("hostile:malformed-body", 5, malformed_body),
];

/// Marks a JSON number (or other raw text) that `serde_json::Value` cannot hold exactly; it is
/// spliced into the body unquoted by [`body`].
const RAW: &str = "\u{0}RAW:";

fn raw(text: &str) -> Value {
    Value::String(format!("{RAW}{text}"))
}

/// The request body `{"command": ...}` with raw values spliced in.
pub fn body(command: &Value) -> String {
    const MARKED: &str = "\"\\u0000RAW:";
    let text = json!({ "command": command }).to_string();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find(MARKED) {
        out.push_str(&rest[..start]);
        let end = start + 1 + closing_quote(&rest[start + 1..]);
        let original: String = serde_json::from_str(&rest[start..=end]).expect("a JSON string");
        out.push_str(original.strip_prefix(RAW).expect("a marked value"));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The index of the quote that closes a JSON string whose body `text` begins with.
fn closing_quote(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut index = 0;
    while bytes[index] != b'"' {
        index += if bytes[index] == b'\\' { 2 } else { 1 };
    }
    index
}

fn sent(role: Role, command: Value) -> Sent {
    Some((role, body(&command)))
}

/// A valid command of a random kind (an announcement when the state offers nothing else).
pub fn any_valid(ctx: &mut Ctx) -> (Role, Value) {
    let weights: Vec<u32> = BUILDERS.iter().map(|b| b.1).collect();
    let index = ctx.rng.weighted(&weights);
    (BUILDERS[index].2)(ctx).or_else(|| valid::BUILDERS[0].2(ctx)).expect("a contributor party exists")
}

/// Which values a key holds, so each can be replaced by a hostile one of its kind.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    Amount,
    Date,
    Url,
    Text,
    Id,
    Currency,
    Percent,
    Party,
    Quantity,
    Gdp,
    Month,
    Version,
    Word,
}

fn class_of(key: &str) -> Option<Class> {
    Some(match key {
        "amount_minor" => Class::Amount,
        "date" | "submitted_on" | "deadline" => Class::Date,
        "url" => Class::Url,
        "note" | "reason" | "description" | "earmark" | "reservation" | "name" => Class::Text,
        "pledge" | "package" | "requirement" | "decision" | "by" | "supersedes" | "id" | "trigger"
        | "contingent_on" | "order" | "requirements" => Class::Id,
        "currency" | "to" => Class::Currency,
        "percent" => Class::Percent,
        "party" | "participants" | "members" | "joint" | "recipient" | "supplier" => Class::Party,
        "quantity" => Class::Quantity,
        "gdp_2021_bn_eur" => Class::Gdp,
        "month" => Class::Month,
        "version" => Class::Version,
        "status" | "kind" | "confidence" | "category" | "response" | "role" => Class::Word,
        _ => return None,
    })
}

/// Every replaceable value of a command: its JSON pointer and class (array items take their
/// array's class).
fn leaves(value: &Value, pointer: String, class: Option<Class>, out: &mut Vec<(String, Class)>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                leaves(item, format!("{pointer}/{key}"), class_of(key), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                leaves(item, format!("{pointer}/{index}"), class, out);
            }
        }
        _ => out.extend(class.map(|c| (pointer, c))),
    }
}

fn long(text: &str, times: usize) -> String {
    text.repeat(times)
}

/// Hostile values per class. Raw ones are JSON numbers or literals spliced in unquoted.
fn hostile_value(ctx: &mut Ctx, class: Class) -> Value {
    let pick = |ctx: &mut Ctx, items: &[&str]| ctx.rng.pick(items).expect("non-empty").to_string();
    let raws = |ctx: &mut Ctx, items: &[&str]| raw(&pick(ctx, items));
    match class {
        Class::Amount => raws(ctx, AMOUNTS),
        Class::Date => Value::from(pick(ctx, DATES)),
        Class::Url => Value::from(match ctx.rng.chance(15) {
            true => format!("https://example.org/{}", long("a", 5000)),
            false => pick(ctx, URLS),
        }),
        Class::Text => Value::from(match ctx.rng.below(6) {
            0 => long("x", 60_000),
            1 => long("x", 2_001),
            2 => long("é", 201),
            _ => pick(ctx, TEXTS),
        }),
        Class::Id => Value::from(match ctx.rng.below(5) {
            0 => long("x", 200),
            1 => format!("MISSING-{}", ctx.next()),
            _ => pick(ctx, IDS),
        }),
        Class::Currency => Value::from(pick(ctx, CURRENCIES)),
        Class::Percent => raws(ctx, PERCENTS),
        Class::Party => Value::from(pick(ctx, PARTIES)),
        Class::Quantity => raws(ctx, QUANTITIES),
        Class::Gdp => raws(ctx, GDPS),
        Class::Month => Value::from(pick(ctx, MONTHS)),
        Class::Version => raws(ctx, &["0", "-1", "4294967296", "1.5"]),
        Class::Word => Value::from(pick(ctx, &["", "Announced", "paid", "object ", "admin", "\u{202E}"])),
    }
}

const AMOUNTS: &[&str] = &[
    "9223372036854775807",
    "-9223372036854775808",
    "1000000000000001",
    "-1000000000000001",
    "1000000000000000",
    "-1000000000000000",
    "-1",
    "0",
    "-0",
    "9007199254740993",
    "18446744073709551615",
    "99999999999999999999999",
    "1e3",
    "1.5",
    "1e400",
    "\"100\"",
    "null",
];
const DATES: &[&str] = &[
    "-0001-01-01",
    "+10000-01-01",
    "2026-1-1",
    " 2026-01-01",
    "2026-01-01 ",
    "1990-01-01",
    "1989-12-31",
    "2023-12-31",
    "2199-12-31",
    "2200-01-01",
    "9999-12-31",
    "2026-02-30",
    "",
    "2026-01-01T00:00:00",
    "0000-01-01",
];
const URLS: &[&str] = &[
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "ftp://x y",
    "https://exa mple.org",
    "data:text/html,<script>alert(1)</script>",
    "https://example.org/\u{202E}gpj.exe",
    "https://",
    "//evil.example",
    " https://example.org",
    "https://example.org/\"><script>alert(1)</script>",
    "",
];
const TEXTS: &[&str] = &[
    "",
    "   ",
    "evil\u{202E}txt.exe",
    "bell\u{7}",
    "nul\u{0}byte",
    "zero\u{200B}width",
    "<script>alert(1)</script>",
    "line\nbreak",
    "=HYPERLINK(\"https://evil.example\")",
    "\u{FEFF}bom",
    " padded ",
];
const IDS: &[&str] = &["..", ".", "", "../../etc/passwd", "a b", "é", "R02", "R33", "\u{202E}", "EX-P1"];
const CURRENCIES: &[&str] = &["XXX", "eur", "", "BTC", "USD ", "EURO", "KWD", "JPY"];
const PERCENTS: &[&str] = &[
    "79228162514264337593543950335",
    "\"79228162514264337593543950335\"",
    "\"-50\"",
    "0",
    "\"100.0000000000000000000000001\"",
    "1e30",
    "\"NaN\"",
    "101",
    "\"99\"",
    "\"1\"",
];
const PARTIES: &[&str] = &["nld", "XX", "ABCDEFGHI", "NL D", "", "UKR", "USA", "DEU", "NLD", "NOSUCH"];
const QUANTITIES: &[&str] = &["-1", "18446744073709551615", "1.5", "1000000000001", "0", "9007199254740993"];
const GDPS: &[&str] = &["-1", "1e30", "\"-5\"", "\"NaN\"", "79228162514264337593543950335"];
const MONTHS: &[&str] = &["2026-13", "0000-00", "+10000-01", "2026-1", "1989-12", "-001-01"];

/// A valid command with one value replaced by a hostile one of the same kind.
fn mutated(ctx: &mut Ctx) -> Sent {
    let (role, mut command) = any_valid(ctx);
    let mut found = Vec::new();
    leaves(&command, String::new(), None, &mut found);
    if let Some((pointer, class)) = ctx.rng.pick(&found).cloned() {
        let value = hostile_value(ctx, class);
        *command.pointer_mut(&pointer).expect("a leaf found above") = value;
    }
    sent(role, command)
}

fn contributors(ctx: &Ctx) -> Vec<PartyId> {
    ctx.state.parties.values().filter(|p| p.role == PartyRole::Contributor).map(|p| p.id).collect()
}

/// A contributor acting on a pledge that is not its own alone: another party's, or a joint one.
fn foreign_pledge(ctx: &mut Ctx) -> Sent {
    let own = *ctx.rng.pick(&contributors(ctx))?;
    let foreign = |p: &Pledge| p.contributor != Contributor::Party(own);
    let pledges: Vec<&Pledge> = ctx.state.pledges().iter().filter(|p| foreign(p)).collect();
    let pledge = *ctx.rng.pick(&pledges)?;
    let (id, day) = (pledge.id.to_string(), ctx.day());
    let amount = pledge.committed.or(pledge.announced).map(|m| money(m.amount_minor.min(1_000_000), m.currency.code()));
    let fresh = format!("SIM-P{}", ctx.next());
    let command = match ctx.rng.below(6) {
        0 => json!({"type": "commit-pledge", "pledge": id, "amount": null, "date": day}),
        1 => json!({"type": "pay-pledge", "pledge": id, "amount": amount, "date": day}),
        2 => json!({"type": "withdraw-pledge", "pledge": id, "date": day, "reason": "not ours"}),
        3 => {
            let mine = ctx.state.pledges().iter().find(|p| p.contributor == Contributor::Party(own));
            let by = mine.map_or(fresh, |p| p.id.to_string());
            json!({"type": "supersede-pledge", "pledge": id, "by": by, "date": day})
        }
        4 => {
            let announcement = json!({
                "pledge": fresh, "kind": "solo", "contributor": {"party": own.as_str()},
                "amount": money(100, "EUR"), "package": null, "earmark": null, "date": day,
                "source": {"url": null, "date": day, "confidence": "reported"}, "note": null,
            });
            json!({"type": "announce-pledge", "announcement": announcement, "supersedes": id})
        }
        _ => json!({"type": "allocate", "package": "EX-P1", "pledge": id, "amount": money(100, "USD"), "date": day}),
    };
    sent(Role::Contributor(own), command)
}

/// One contributor announces (or commits) a joint pledge that binds another party to 99%.
fn joint_binding_others(ctx: &mut Ctx) -> Sent {
    let parties = contributors(ctx);
    let own = *ctx.rng.pick(&parties)?;
    let other = *ctx.rng.pick(&parties).filter(|p| **p != own)?;
    let day = ctx.day();
    let shares = json!([
        {"party": own.as_str(), "share": {"percent": "1"}},
        {"party": other.as_str(), "share": {"percent": "99"}},
    ]);
    let announcement = json!({
        "pledge": format!("SIM-P{}", ctx.next()), "kind": "joint-package",
        "contributor": {"joint": [own.as_str(), other.as_str()]}, "amount": money(ctx.rng.magnitude(8, 12), "EUR"),
        "package": null, "earmark": null, "date": day,
        "source": {"url": "https://example.org/joint", "date": day, "confidence": "confirmed"},
        "note": null, "shares": shares,
    });
    sent(Role::Contributor(own), json!({"type": "announce-pledge", "announcement": announcement, "supersedes": null}))
}

/// Any valid command, sent by a role chosen at random.
fn wrong_role(ctx: &mut Ctx) -> Sent {
    let (_, command) = any_valid(ctx);
    let party = *ctx.rng.pick(&contributors(ctx))?;
    let roles = [Role::Coordinator, Role::Contributor(party), Role::Recipient, Role::Supplier, Role::Auditor];
    sent(*ctx.rng.pick(&roles).expect("non-empty"), command)
}

/// A price at or beyond the amount limit, then allocations against such a package.
fn huge_price(ctx: &mut Ctx) -> Sent {
    let prices = ["1000000000000000", "2000000000000000", "999999999999999"];
    let price = ctx.rng.pick(&prices).expect("non-empty").to_string();
    let day = ctx.day();
    let quotable: Vec<String> = ctx
        .state
        .packages
        .values()
        .filter(|p| matches!(p.state, PackageState::Draft | PackageState::Proposed))
        .map(|p| p.id.to_string())
        .collect();
    match (ctx.rng.chance(60), ctx.rng.pick(&quotable)) {
        (true, Some(package)) => {
            let command = json!({"type": "quote-package", "package": package, "price": {"amount_minor": raw(&price), "currency": "USD"}, "date": day});
            sent(Role::Supplier, command)
        }
        _ => {
            let open: Vec<String> = ctx
                .state
                .packages
                .values()
                .filter(|p| p.state == PackageState::Open)
                .map(|p| p.id.to_string())
                .collect();
            let package = ctx.rng.pick(&open)?.clone();
            let committed: Vec<String> = ctx
                .state
                .pledges()
                .iter()
                .filter(|p| matches!(p.status, PledgeStatus::Committed | PledgeStatus::PartPaid))
                .map(|p| p.id.to_string())
                .collect();
            let pledge = ctx.rng.pick(&committed)?.clone();
            let command = json!({"type": "allocate", "package": package, "pledge": pledge, "amount": {"amount_minor": raw(&price), "currency": "USD"}, "date": day});
            sent(Role::Coordinator, command)
        }
    }
}

/// Amounts at the limit itself, in currencies whose other currencies' values pass it.
fn big_legal_amount(ctx: &mut Ctx) -> Sent {
    let party = *ctx.rng.pick(&contributors(ctx))?;
    let currency = *ctx.rng.pick(&["EUR", "USD", "JPY", "KWD", "GBP"]).expect("non-empty");
    let amount =
        *ctx.rng.pick(&[1_000_000_000_000_000_i64, 999_999_999_999_999, 500_000_000_000_000]).expect("non-empty");
    let day = ctx.day();
    let announcement = json!({
        "pledge": format!("SIM-P{}", ctx.next()), "kind": "solo", "contributor": {"party": party.as_str()},
        "amount": money(amount, currency), "package": null, "earmark": null, "date": day,
        "source": {"url": null, "date": day, "confidence": "reported"}, "note": null,
    });
    let actor = if ctx.rng.chance(50) { Role::Contributor(party) } else { Role::Coordinator };
    sent(actor, json!({"type": "announce-pledge", "announcement": announcement, "supersedes": null}))
}

/// A valid command whose dates lie before the first reference rate or far beyond the last.
fn outside_rates(ctx: &mut Ctx) -> Sent {
    let (role, mut command) = any_valid(ctx);
    let day =
        *ctx.rng.pick(&["1990-01-01", "2023-12-31", "2000-06-30", "2199-12-31", "2150-01-01"]).expect("non-empty");
    let mut found = Vec::new();
    leaves(&command, String::new(), None, &mut found);
    for (pointer, class) in found {
        if class == Class::Date {
            *command.pointer_mut(&pointer).expect("a leaf") = Value::from(day);
        }
    }
    sent(role, command)
}

fn missing_reference(ctx: &mut Ctx) -> Sent {
    let missing = format!("MISSING-{}", ctx.next());
    let day = ctx.day();
    let (role, command) = match ctx.rng.below(5) {
        0 => (Role::Coordinator, json!({"type": "commit-pledge", "pledge": missing, "amount": null, "date": day})),
        1 => (Role::Coordinator, json!({"type": "open-package", "package": missing, "date": day})),
        2 => (
            Role::Coordinator,
            json!({"type": "approve-package", "package": "EX-P1", "decision": missing, "date": day}),
        ),
        3 => (Role::Recipient, json!({"type": "prioritise-list", "month": "2026-03", "order": [missing], "date": day})),
        _ => (
            Role::Recipient,
            json!({"type": "confirm-delivery", "package": missing, "requirement": missing, "date": day}),
        ),
    };
    sent(role, command)
}

/// Bodies that are not a command's JSON: missing fields, unknown types and fields, deep nesting,
/// duplicate keys, lone surrogates, trailing bytes.
fn malformed_body(ctx: &mut Ctx) -> Sent {
    let (role, command) = any_valid(ctx);
    let text = body(&command);
    let deep = format!("{{\"command\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    let choices = [
        r#"{"command": {"type": "announce-pledge"}}"#.to_string(),
        r#"{"command": {"type": "no-such-command"}}"#.to_string(),
        deep,
        text.replacen('{', r#"{"extra": 1, "#, 1),
        format!("{text}garbage"),
        text.replacen(r#""type":"#, r#""type": "commit-pledge", "type":"#, 1),
        r#"{"command": {"type": "withdraw-pledge", "pledge": "R02", "date": "2026-02-01", "reason": "\ud800"}}"#
            .to_string(),
        text.get(..text.len() / 2).unwrap_or_default().to_string(),
        String::new(),
        "null".to_string(),
    ];
    Some((role, ctx.rng.pick(&choices).expect("non-empty").clone()))
}
