use std::collections::BTreeSet;

use super::*;

/// The message keys of a catalogue's files, read with Fluent's own parser.
fn keys(lang: Lang) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for (name, source) in sources(lang) {
        let resource = fluent_syntax::parser::parse(*source).unwrap_or_else(|(_, errors)| panic!("{name}: {errors:?}"));
        for entry in resource.body {
            if let fluent_syntax::ast::Entry::Message(message) = entry {
                assert!(keys.insert(message.id.name.to_string()), "{name} repeats {}", message.id.name);
            }
        }
    }
    keys
}

#[test]
fn catalogues_parse() {
    for lang in Lang::ALL {
        assert!(!keys(lang).is_empty(), "{lang:?}");
    }
}

#[test]
fn both_catalogues_have_the_same_keys() {
    let (en, fr) = (keys(Lang::En), keys(Lang::Fr));
    let only_en: Vec<_> = en.difference(&fr).collect();
    let only_fr: Vec<_> = fr.difference(&en).collect();
    assert!(only_en.is_empty() && only_fr.is_empty(), "only in English: {only_en:?}; only in French: {only_fr:?}");
}

/// Every key the templates and the dashboard's code ask for: `t("…")`, `t1("…"`, `t_html("…"`.
fn used_keys() -> BTreeSet<(String, String)> {
    let call = regex::Regex::new(r#"\bt(?:[0-9]|_html|_args)?\(\s*"([a-z][a-z0-9-]*)""#).expect("a valid pattern");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["templates", "src/web"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("the folder is there") {
            let path = entry.expect("a folder entry").path();
            if path.extension().is_some_and(|e| e == "html" || e == "rs") {
                files.push(path);
            }
        }
    }
    let mut used = BTreeSet::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        for found in call.captures_iter(&text) {
            let file = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            used.insert((found[1].to_string(), file));
        }
    }
    used
}

#[test]
fn every_key_used_is_in_both_catalogues() {
    let used = used_keys();
    assert!(used.iter().any(|(key, file)| key == "nav-overview" && file == "base.html"), "the scan finds keys");
    for lang in Lang::ALL {
        let known = keys(lang);
        let missing: Vec<_> = used.iter().filter(|(key, _)| !known.contains(key)).collect();
        assert!(missing.is_empty(), "missing from the {lang:?} catalogue: {missing:?}");
    }
}

#[test]
fn a_missing_key_shows_as_missing() {
    assert_eq!(Lang::Fr.t("no-such-message"), "⟦no-such-message⟧");
    assert_eq!(Lang::En.t("nav-overview"), "Overview");
    assert_eq!(Lang::Fr.t("nav-overview"), "Vue d’ensemble");
}

#[test]
fn plurals_follow_each_language() {
    let check = |lang: Lang, n: u64, expect: &str| {
        let text =
            lang.t_args("log-checkpoint-entries", &[("size", integer(lang, n.into()).into()), ("count", n.into())]);
        assert_eq!(text, expect, "{lang:?} {n}");
    };
    check(Lang::En, 1, "1 entry");
    check(Lang::En, 0, "0 entries");
    check(Lang::En, 1200, "1,200 entries");
    check(Lang::Fr, 0, "0 entrée");
    check(Lang::Fr, 1, "1 entrée");
    check(Lang::Fr, 2, "2 entrées");
    check(Lang::Fr, 1200, "1\u{202F}200 entrées");
}

#[test]
fn html_arguments_are_inserted_and_the_text_escaped() {
    let html = with_html(Lang::En, "not-found-lead", &[("path", "<code>/x</code>")]);
    assert_eq!(html, "There is no page at <code>/x</code>.");
    // A visitor's text is an ordinary argument, escaped by the template, never a fragment.
    assert_eq!(escape_html("<a href='x'>&"), "&lt;a href=&#39;x&#39;&gt;&amp;");
}

fn check_negotiate(header: &str, expect: Lang) {
    assert_eq!(Lang::negotiate(header), expect, "Accept-Language: {header:?}");
}

#[test]
fn accept_language_picks_the_best_language_we_write() {
    check_negotiate("fr", Lang::Fr);
    check_negotiate("en", Lang::En);
    check_negotiate("fr-CA", Lang::Fr);
    check_negotiate("fr_BE", Lang::Fr);
    check_negotiate("FR-ch", Lang::Fr);
    check_negotiate("en-GB,en;q=0.9", Lang::En);
    check_negotiate("de-DE,de;q=0.9,fr;q=0.8,en;q=0.7", Lang::Fr);
    check_negotiate("de-DE,de;q=0.9,en;q=0.8,fr;q=0.7", Lang::En);
    check_negotiate("en;q=0.5, fr;q=0.8", Lang::Fr);
    check_negotiate("en;q=0.8, fr;q=0.8", Lang::En);
    check_negotiate("fr;q=0.8, en;q=0.8", Lang::Fr);
    check_negotiate("fr ; q=1.0", Lang::Fr);
    check_negotiate("fr;q=1.000, en;q=0.999", Lang::Fr);
}

#[test]
fn accept_language_wildcards_and_refusals() {
    check_negotiate("*", Lang::En);
    check_negotiate("de, *;q=0.5", Lang::En);
    check_negotiate("en;q=0, *", Lang::Fr);
    check_negotiate("fr;q=0", Lang::En);
    check_negotiate("fr;q=0.0, en;q=0", Lang::En);
    check_negotiate("de, fr;q=0.1", Lang::Fr);
}

#[test]
fn accept_language_garbage_falls_back_to_english() {
    check_negotiate("", Lang::En);
    check_negotiate("de", Lang::En);
    check_negotiate("français", Lang::En);
    check_negotiate(";;;,,,", Lang::En);
    check_negotiate("fr;q=2", Lang::En);
    check_negotiate("fr;q=-1", Lang::En);
    check_negotiate("fr;q=0.5555", Lang::En);
    check_negotiate("fr;q=abc", Lang::En);
    check_negotiate("fr;q=abc, en;q=0.1", Lang::En);
    check_negotiate("fr;q=", Lang::En);
    check_negotiate("frr, fra", Lang::En);
    check_negotiate(&"x, ".repeat(10_000), Lang::En);
    // Only the first entries are read.
    check_negotiate(&format!("{}fr", "de, ".repeat(MAX_ACCEPT_ENTRIES)), Lang::En);
}

fn check_choice(query: Option<&str>, cookie: Option<&str>, accept: Option<&str>, expect: Result<(Lang, bool), ()>) {
    let got = choose(query, cookie, accept).map(|c| (c.lang, c.set_cookie)).map_err(|_| ());
    assert_eq!(got, expect, "?lang={query:?} cookie={cookie:?} Accept-Language={accept:?}");
}

#[test]
fn the_switch_beats_the_cookie_which_beats_the_browser() {
    check_choice(None, None, None, Ok((Lang::En, false)));
    check_choice(None, None, Some("fr"), Ok((Lang::Fr, false)));
    check_choice(None, Some("en"), Some("fr"), Ok((Lang::En, false)));
    check_choice(None, Some("fr"), Some("en"), Ok((Lang::Fr, false)));
    // A cookie that names no language of ours is ignored.
    check_choice(None, Some("de"), Some("fr"), Ok((Lang::Fr, false)));
    check_choice(None, Some(""), None, Ok((Lang::En, false)));
    // `?lang=` wins, and sets the cookie unless it already holds that language.
    check_choice(Some("fr"), Some("en"), Some("en"), Ok((Lang::Fr, true)));
    check_choice(Some("fr"), None, None, Ok((Lang::Fr, true)));
    check_choice(Some("fr"), Some("fr"), None, Ok((Lang::Fr, false)));
    check_choice(Some("en"), Some("fr"), Some("fr"), Ok((Lang::En, true)));
    // A `?lang=` we do not write is a bad request, not a silent fallback.
    check_choice(Some("de"), None, None, Err(()));
    check_choice(Some("FR"), None, None, Err(()));
    check_choice(Some(""), None, None, Err(()));
}

#[test]
fn switch_links_keep_the_path_and_query() {
    let mut headers = HeaderMap::new();
    headers.insert(TARGET_HEADER, HeaderValue::from_static("/months?as_of=2026-01-31&lang=en&sort=a%26b"));
    let target = Target::of(&headers);
    assert_eq!(target.lang.as_deref(), Some("en"));
    assert_eq!(target.in_lang(Lang::Fr), "/months?as_of=2026-01-31&sort=a%26b&lang=fr");
    let page = PageLang::new(Lang::En, &target);
    let current: Vec<_> = page.switch.iter().map(|l| (l.code, l.current)).collect();
    assert_eq!(current, [("en", true), ("fr", false)]);
    assert_eq!(Target::of(&HeaderMap::new()).in_lang(Lang::En), "/?lang=en");
}

fn check_decimal(plain: &str, en: &str, fr: &str) {
    assert_eq!(decimal(Lang::En, plain), en, "English {plain}");
    assert_eq!(decimal(Lang::Fr, plain), fr.replace(' ', "\u{202F}"), "French {plain}");
}

#[test]
fn decimals_are_grouped_and_marked_per_language() {
    check_decimal("0", "0", "0");
    check_decimal("0.50", "0.50", "0,50");
    check_decimal("999", "999", "999");
    check_decimal("1000", "1,000", "1 000");
    check_decimal("1234567.89", "1,234,567.89", "1 234 567,89");
    check_decimal("-1234567.89", "-1,234,567.89", "-1 234 567,89");
    check_decimal("-0.01", "-0.01", "-0,01");
    check_decimal("-100", "-100", "-100");
    check_decimal(
        "170141183460469231731687303715884105727",
        "170,141,183,460,469,231,731,687,303,715,884,105,727",
        "170 141 183 460 469 231 731 687 303 715 884 105 727",
    );
    // Text that is not a plain decimal is left alone.
    check_decimal("undisclosed", "undisclosed", "undisclosed");
    check_decimal("1.2.3", "1.2.3", "1.2.3");
    check_decimal("", "", "");
    check_decimal("-", "-", "-");
    check_decimal("12.", "12.", "12.");
}

#[test]
fn integers_and_money_per_language() {
    assert_eq!(integer(Lang::En, -1_234_567), "-1,234,567");
    assert_eq!(integer(Lang::Fr, i128::MIN).chars().filter(|c| *c == '\u{202F}').count(), 12);
    let eur = Currency::parse("EUR").expect("a currency");
    let jpy = Currency::parse("JPY").expect("a currency");
    assert_eq!(money_minor(Lang::En, 123_456_789, eur), "EUR 1,234,567.89");
    assert_eq!(money_minor(Lang::Fr, 123_456_789, eur), "1\u{202F}234\u{202F}567,89\u{A0}EUR");
    assert_eq!(money_minor(Lang::Fr, -5, eur), "-0,05\u{A0}EUR");
    assert_eq!(money_minor(Lang::En, 1_000_000, jpy), "JPY 1,000,000");
    // The English form is the one the dashboard showed before it spoke French.
    let amount = Money::new(123_456_789, eur).expect("an amount");
    assert_eq!(money(Lang::En, &amount), crate::web::data::shown(&amount));
    assert_eq!(money(Lang::Fr, &amount), money_minor(Lang::Fr, 123_456_789, eur));
}

#[test]
fn dates_stay_iso_in_both_languages() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 2, 17).expect("a date");
    for lang in Lang::ALL {
        assert_eq!(date(lang, day), "2026-02-17");
    }
}
