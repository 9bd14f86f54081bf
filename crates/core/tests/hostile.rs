//! What a hostile client sent through the API, and what the core now does with it: values that
//! cannot be represented are refused when the JSON is read; commands whose money the reports
//! could not count, or that touch another party's pledges, are refused when decided; and
//! whatever is accepted, the summary can count.

use serde_json::{Value, json};
use tranche_core::auth::Role;
use tranche_core::*;

fn date(text: &str) -> chrono::NaiveDate {
    parse_date(text).unwrap()
}

/// Rates for USD from 2024-01-02 (as if the first rate loaded were that day's).
fn rates() -> RateTable {
    let mut rates = RateTable::new();
    for (day, rate) in [("2024-01-02", "1.0956"), ("2025-08-01", "1.1404")] {
        let quote = RateQuote { date: date(day), currency: Currency::USD, rate: Rate::parse(rate).unwrap() };
        rates.insert(quote).unwrap();
    }
    rates
}

fn source() -> Value {
    json!({"url": "https://example.org/a", "date": "2025-08-01", "confidence": "confirmed"})
}

fn announcement(id: &str, contributor: Value, amount_minor: Value) -> Value {
    json!({
        "pledge": id, "kind": "solo", "contributor": contributor,
        "amount": {"amount_minor": amount_minor, "currency": "EUR"},
        "package": null, "earmark": null, "date": "2025-08-01", "source": source(), "note": null,
    })
}

fn announce(announcement: Value, supersedes: Option<&str>) -> Value {
    json!({"type": "announce-pledge", "announcement": announcement, "supersedes": supersedes})
}

fn parse(command: Value) -> Result<Command, String> {
    serde_json::from_value(command).map_err(|e| e.to_string())
}

/// The JSON must be refused when read, with a message containing `expect`.
fn check_unreadable(command: Value, expect: &str) {
    let message = parse(command.clone()).expect_err(&command.to_string());
    assert!(message.contains(expect), "{command}: {message:?} lacks {expect:?}");
}

struct World {
    state: State,
    rates: RateTable,
}

impl World {
    /// NLD, DEU, NOR, SWE registered; DEU's pledge R08 and the joint pledge R33 announced.
    fn new() -> World {
        let mut world = World { state: State::new(), rates: rates() };
        for id in ["NLD", "DEU", "NOR", "SWE"] {
            let party = json!({"type": "register-party", "party":
                {"id": id, "name": id, "kind": "state", "role": "contributor", "gdp_2021_bn_eur": null}});
            world.ok(Role::Admin, party);
        }
        world.ok(Role::Admin, announce(announcement("R08", json!({"party": "DEU"}), json!(10000)), None));
        let joint = announcement("R33", json!({"joint": ["NLD", "DEU", "NOR", "SWE"]}), json!(50000));
        world.ok(Role::Admin, announce(joint, None));
        world
    }

    fn run(&mut self, role: Role, command: Value) -> Result<(), String> {
        let command = parse(command)?;
        let before = self.state.clone();
        let result = self.state.execute_as(role, &self.rates, &command).map(drop).map_err(|e| e.to_string());
        if result.is_err() {
            assert_eq!(self.state, before, "a rejected command changed the state");
        }
        self.state.check_invariants().unwrap();
        summarise(&self.state, &self.rates, date("2026-01-01"), &[Currency::EUR, Currency::USD])
            .expect("whatever is accepted, the summary counts");
        let projection = targets::Projection::default();
        targets::report(&self.state, &self.rates, date("2026-01-01"), &projection)
            .expect("whatever is accepted, the targets report answers");
        reports::months(&self.state, &self.rates, Currency::USD).expect("and the monthly report");
        result
    }

    fn ok(&mut self, role: Role, command: Value) {
        let text = command.to_string();
        self.run(role, command).unwrap_or_else(|e| panic!("{text}: {e}"));
    }

    fn refused(&mut self, role: Role, command: Value, expect: &str) {
        let text = command.to_string();
        let message = self.run(role, command).expect_err(&text);
        assert!(message.contains(expect), "{text}: {message:?} lacks {expect:?}");
    }
}

fn nld() -> Role {
    Role::Contributor(PartyId::parse("NLD").unwrap())
}

#[test]
fn amounts_beyond_the_limit_cannot_be_read() {
    let cases = [
        (json!(9223372036854775807_i64), "exceeds the amount limit"),
        (json!(1_000_000_000_000_001_i64), "exceeds the amount limit"),
        (json!(-9223372036854775807_i64), "exceeds the amount limit"),
        (json!(1e3), "expected i64"),
        (json!("100"), "expected i64"),
    ];
    for (amount, expect) in cases {
        let announcement = announcement("X1", json!({"party": "NLD"}), amount.clone());
        check_unreadable(announce(announcement, None), expect);
        let commit = json!({"type": "commit-pledge", "pledge": "R08", "date": "2025-08-02",
            "amount": {"amount_minor": amount, "currency": "EUR"}});
        check_unreadable(commit, expect);
    }
    let quote = json!({"type": "quote-package", "package": "P1", "date": "2025-08-02",
        "price": {"amount_minor": 2_000_000_000_000_000_i64, "currency": "USD"}});
    check_unreadable(quote, "exceeds the amount limit");
}

#[test]
fn shares_beyond_a_hundred_percent_cannot_be_read() {
    for percent in ["79228162514264337593543950335", "100.0000001", "0", "-5", "1.1234567"] {
        let mut joint = announcement("J9", json!({"joint": ["NLD", "DEU"]}), json!(10000));
        joint["shares"] = json!([{"party": "NLD", "share": {"percent": percent}}]);
        check_unreadable(announce(joint, None), "percent");
    }
}

#[test]
fn a_contributor_acts_only_for_itself_whatever_the_command_type() {
    let mut world = World::new();
    // Superseding DEU's pledge through announce-pledge's `supersedes` field.
    let mine = announcement("N1", json!({"party": "NLD"}), json!(20000));
    world.refused(nld(), announce(mine.clone(), Some("R08")), "NLD may act only for itself");
    // A joint pledge binding DEU to 99 %.
    let mut binding = announcement("J1", json!({"joint": ["NLD", "DEU"]}), json!(10000));
    binding["shares"] =
        json!([{"party": "NLD", "share": {"percent": "1"}}, {"party": "DEU", "share": {"percent": "99"}}]);
    world.refused(nld(), announce(binding.clone(), None), "NLD may act only for itself");
    // Withdrawing, committing or paying the four-nation pledge R33.
    world.refused(nld(), json!({"type": "withdraw-pledge", "pledge": "R33", "date": "2025-08-03"}), "only for itself");
    world.refused(
        nld(),
        json!({"type": "commit-pledge", "pledge": "R33", "amount": null, "date": "2025-08-03"}),
        "only for itself",
    );
    // What NLD may do: its own pledge, and superseding its own.
    world.ok(nld(), announce(mine, None));
    world.ok(nld(), announce(announcement("N2", json!({"party": "NLD"}), json!(30000)), Some("N1")));
    // The coordinator records joint pledges.
    world.ok(Role::Coordinator, announce(binding, None));
}

#[test]
fn money_the_reports_could_not_count_is_refused_when_decided() {
    let mut world = World::new();
    let mut early = announcement("E1", json!({"party": "NLD"}), json!(10000));
    early["date"] = json!("2023-12-31");
    world.refused(nld(), announce(early, None), "no exchange rate for USD on or before 2023-12-31");
    // EUR 10 trillion is a legal amount, but USD 11.4 trillion is beyond the limit.
    let huge = announcement("H1", json!({"party": "NLD"}), json!(1_000_000_000_000_000_i64));
    world.refused(nld(), announce(huge, None), "exceeds the amount limit");
    // A legal amount that converts is accepted, and the summary counts it (World::run checks).
    world.ok(nld(), announce(announcement("H2", json!({"party": "NLD"}), json!(800_000_000_000_000_i64)), None));
}

#[test]
fn dates_text_urls_and_ids_that_break_the_rules_cannot_be_read() {
    let with = |path: &[&str], value: Value| {
        let mut command = announce(announcement("T1", json!({"party": "NLD"}), json!(100)), None);
        let mut slot = &mut command;
        for key in path {
            slot = &mut slot[*key];
        }
        *slot = value;
        command
    };
    let cases: &[(&[&str], Value, &str)] = &[
        (&["announcement", "date"], json!("-0001-01-01"), "not a date"),
        (&["announcement", "date"], json!("+10000-01-01"), "not a date"),
        (&["announcement", "date"], json!("2026-1-1"), "not a date"),
        (&["announcement", "date"], json!(" 2026-01-01"), "not a date"),
        (&["announcement", "note"], json!("n".repeat(60_000)), "the limit is 2000"),
        (&["announcement", "note"], json!("hidden \u{202E}txt"), "U+202E"),
        (&["announcement", "earmark"], json!(""), "is empty"),
        (&["announcement", "source", "url"], json!("javascript:alert(document.cookie)"), "not an http(s) URL"),
        (&["announcement", "source", "url"], json!("ftp://x y"), "not an http(s) URL"),
        (&["announcement", "pledge"], json!(".."), "not a pledge id"),
        (&["announcement", "pledge"], json!(""), "not a pledge id"),
    ];
    for (path, value, expect) in cases {
        check_unreadable(with(path, value.clone()), expect);
    }
    let party = |name: Value, gdp: Value| {
        json!({"type": "register-party", "party":
            {"id": "XXX", "name": name, "kind": "state", "role": "contributor", "gdp_2021_bn_eur": gdp}})
    };
    check_unreadable(party(json!(""), Value::Null), "is empty");
    check_unreadable(party(json!("x".repeat(60_000)), Value::Null), "the limit is 200");
    check_unreadable(party(json!("bell\u{7}"), Value::Null), "U+0007");
    check_unreadable(party(json!("Name"), json!("-1")), "is negative");
    assert!(parse(party(json!("Name"), json!("1.5"))).is_ok());
}

#[test]
fn a_mechanism_cannot_report_in_currencies_the_recorded_money_cannot_be_counted_in() {
    let mut world = World::new();
    let mechanism = |reporting: &str| {
        json!({"type": "define-mechanism", "mechanism": {"id": "PURL", "name": "PURL", "recipient": "NLD",
            "supplier": "DEU", "package_currency": "USD", "reporting_currencies": ["EUR", reporting]}})
    };
    world.refused(Role::Coordinator, mechanism("KWD"), "no exchange rate for KWD");
    world.ok(Role::Coordinator, mechanism("USD"));
    let target = json!({"type": "set-target", "target": {"id": "T1", "kind": "monthly-run-rate",
        "amount": {"amount_minor": 100000, "currency": "KWD"}, "date": "2025-08-01", "source": source(), "note": null}});
    world.refused(Role::Coordinator, target, "no exchange rate for KWD");
}

#[test]
fn a_trigger_is_declared_only_by_its_name() {
    let mut world = World::new();
    for bad in ["", "\u{202E}", "é", "R02"] {
        let declare = json!({"type": "declare-trigger", "trigger": bad, "date": "2025-08-02"});
        world.refused(Role::Coordinator, declare, "not a trigger name");
    }
    world.ok(Role::Coordinator, json!({"type": "declare-trigger", "trigger": "talks-fail", "date": "2025-08-02"}));
}

#[test]
fn a_goal_cannot_be_set_in_a_currency_the_recorded_money_cannot_be_counted_in() {
    let mut world = World::new();
    let mut rates = rates();
    let jpy = Currency::parse("JPY").unwrap();
    rates.insert(RateQuote { date: date("2024-01-02"), currency: jpy, rate: Rate::parse("155.7").unwrap() }).unwrap();
    world.rates = rates;
    // EUR 8 trillion converts into EUR and USD, but not into JPY within the amount limit.
    world.ok(Role::Admin, announce(announcement("BIG", json!({"party": "NLD"}), json!(800_000_000_000_000_i64)), None));
    let goal = |currency: &str| {
        json!({"type": "set-target", "target": {"id": format!("G-{currency}"), "kind": "cumulative-goal",
            "amount": {"amount_minor": 100000, "currency": currency}, "date": "2025-08-01", "source": source(), "note": null}})
    };
    world.refused(Role::Coordinator, goal("JPY"), "converted into JPY exceeds the amount limit");
    world.ok(Role::Coordinator, goal("USD"));
}

/// Two legal amounts must not add up past what the reports can count (found by a hostile client:
/// two pledges of USD 8 trillion broke the targets report for everyone).
#[test]
fn the_money_recorded_stays_within_what_the_reports_can_add_up() {
    let mut world = World::new();
    let big = |id: &str, minor: i64| announce(announcement(id, json!({"party": "NLD"}), json!(minor)), None);
    world.ok(nld(), big("B1", 800_000_000_000_000));
    // EUR 8 + 1 trillion is within the EUR limit, but at the highest USD rate held beyond USD's.
    world.refused(nld(), big("B2", 100_000_000_000_000), "would let the money recorded pass the amount limit in USD");
    world.ok(nld(), big("B3", 10_000_000_000_000));
    // Committing the announced amount adds nothing; committing more adds the difference.
    let commit = |minor: i64| json!({"type": "commit-pledge", "pledge": "B1", "amount": {"amount_minor": minor, "currency": "EUR"}, "date": "2025-08-02"});
    world.refused(nld(), commit(870_000_000_000_000), "would let the money recorded pass the amount limit");
    world.ok(nld(), commit(800_000_000_000_000));
}
