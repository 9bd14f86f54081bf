//! English and French, NATO's two official languages: message catalogues in Project Fluent's
//! syntax (`crates/api/locales/{en,fr}/*.ftl`, embedded in the binary), the language a request
//! is answered in, and numbers written the way each language writes them.
//!
//! The language is, in order: `?lang=` on the request (which also sets the `lang` cookie, so the
//! choice persists), the `lang` cookie, the best match in `Accept-Language`, English.
//! Dates stay ISO 8601 (`2026-02-17`) in both languages: they are unambiguous, sort as text, and
//! match the downloads and the API. Numbers group thousands (`1,234,567.89` in English; in French
//! a narrow no-break space and a decimal comma, `1 234 567,89`); currency codes stand before the
//! amount in English (`EUR 1,234.56`) and after it in French (`1 234,56 EUR`).

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue, header};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use tranche_core::{Currency, Money};

/// A language the dashboard is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

/// The cookie that keeps a visitor's choice of language.
pub const LANG_COOKIE: &str = "lang";
/// The most `Accept-Language` entries read; the rest are ignored.
const MAX_ACCEPT_ENTRIES: usize = 32;
/// The narrow no-break space French puts between groups of three digits.
const NARROW_NBSP: char = '\u{202F}';
/// The no-break space between a French amount and its currency code.
const NBSP: char = '\u{00A0}';

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 tag: what `<html lang>`, `hreflang`, the cookie and `?lang=` carry.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's name in itself, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// `?lang=` or the cookie: exactly `en` or `fr`.
    pub fn parse(text: &str) -> Result<Lang, String> {
        Lang::ALL
            .into_iter()
            .find(|lang| lang.code() == text)
            .ok_or_else(|| format!("lang {text:?} is not one of en, fr"))
    }

    /// A language range of `Accept-Language` (`fr`, `fr-CA`, `EN_gb`) by its primary subtag.
    fn of_range(range: &str) -> Option<Lang> {
        let primary = range.split(['-', '_']).next().unwrap_or_default();
        Lang::ALL.into_iter().find(|lang| lang.code().eq_ignore_ascii_case(primary))
    }

    /// The best language for an `Accept-Language` header (RFC 9110 §12.5.4): the highest
    /// q-value wins, the earlier entry on a tie; `*` stands for any language the header does
    /// not name; `q=0` refuses. Entries that do not parse are skipped; English when none fits.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut named: Vec<(Lang, u16)> = Vec::new();
        let mut any: Option<u16> = None;
        for entry in accept_language.split(',').take(MAX_ACCEPT_ENTRIES) {
            let mut parts = entry.split(';');
            let range = parts.next().unwrap_or_default().trim();
            let Some(q) = quality(parts) else {
                continue;
            };
            if range == "*" {
                any = any.or(Some(q));
            } else if let Some(lang) = Lang::of_range(range)
                && !named.iter().any(|(seen, _)| *seen == lang)
            {
                named.push((lang, q));
            }
        }
        if let Some(q) = any {
            for lang in Lang::ALL {
                if !named.iter().any(|(seen, _)| *seen == lang) {
                    named.push((lang, q));
                }
            }
        }
        // `max_by_key` keeps the last of equal keys: walk backwards so the first entry wins ties.
        named.into_iter().rev().filter(|(_, q)| *q > 0).max_by_key(|(_, q)| *q).map_or(Lang::En, |(lang, _)| lang)
    }

    /// The message for `key`, or a visible `⟦key⟧` when the catalogue lacks it (a test keeps
    /// every key used present in both catalogues).
    pub fn t(self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message for `key` with named arguments: text, or integers (for plural forms).
    pub fn t_args(self, key: &str, args: &[(&str, Arg)]) -> String {
        let mut fluent = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            match value {
                Arg::Text(text) => fluent.set(*name, FluentValue::from(text.clone())),
                Arg::Count(n) => fluent.set(*name, FluentValue::from(*n)),
            }
        }
        self.format(key, Some(&fluent))
    }

    fn format(self, key: &str, args: Option<&FluentArgs>) -> String {
        let bundle = bundle(self);
        let Some(pattern) = bundle.get_message(key).and_then(|message| message.value()) else {
            tracing::warn!(key, lang = self.code(), "a message is missing from the catalogue");
            return format!("⟦{key}⟧");
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if errors.is_empty() {
            text.into_owned()
        } else {
            tracing::warn!(key, lang = self.code(), ?errors, "a message did not format");
            format!("{text}⟦{key}⟧")
        }
    }
}

/// A message whose arguments are HTML fragments (given by templates, not by visitors): the
/// catalogue's text is escaped, the fragments are inserted as they are. For `|safe`.
pub fn with_html(lang: Lang, key: &str, fragments: &[(&str, &str)]) -> String {
    let marks: Vec<(String, &str)> =
        fragments.iter().enumerate().map(|(i, (_, html))| (format!("\u{E000}{i}\u{E001}"), *html)).collect();
    let args: Vec<(&str, Arg)> =
        fragments.iter().zip(&marks).map(|((name, _), (mark, _))| (*name, Arg::Text(mark.clone()))).collect();
    let mut out = escape_html(&lang.t_args(key, &args));
    for (mark, html) in &marks {
        out = out.replace(mark.as_str(), html);
    }
    out
}

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A message argument.
#[derive(Clone, Debug)]
pub enum Arg {
    Text(String),
    /// A count: selects plural forms, shown as written by [`integer`].
    Count(i64),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Arg {
        Arg::Text(text.to_string())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Arg {
        Arg::Text(text)
    }
}

impl From<u64> for Arg {
    fn from(n: u64) -> Arg {
        Arg::Count(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// Templates hand their values by reference.
impl<T: Clone + Into<Arg>> From<&T> for Arg {
    fn from(value: &T) -> Arg {
        value.clone().into()
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Arg {
        Arg::Count(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// An `Accept-Language` entry's weight in thousandths (1000 without `q=`), `None` when its
/// `q=` is not a valid q-value (the entry is then skipped).
fn quality<'a>(params: impl Iterator<Item = &'a str>) -> Option<u16> {
    let mut q = Some(1000);
    for param in params.map(str::trim) {
        if let Some(value) = param.strip_prefix("q=").or_else(|| param.strip_prefix("Q=")) {
            q = q_value(value);
        }
    }
    q
}

fn q_value(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The catalogues, one list per language; a new `.ftl` file is added to both lists.
fn sources(lang: Lang) -> &'static [(&'static str, &'static str)] {
    match lang {
        Lang::En => &[
            ("en/frame.ftl", include_str!("../../locales/en/frame.ftl")),
            ("en/pages.ftl", include_str!("../../locales/en/pages.ftl")),
            ("en/figures.ftl", include_str!("../../locales/en/figures.ftl")),
            ("en/work.ftl", include_str!("../../locales/en/work.ftl")),
        ],
        Lang::Fr => &[
            ("fr/frame.ftl", include_str!("../../locales/fr/frame.ftl")),
            ("fr/pages.ftl", include_str!("../../locales/fr/pages.ftl")),
            ("fr/figures.ftl", include_str!("../../locales/fr/figures.ftl")),
            ("fr/work.ftl", include_str!("../../locales/fr/work.ftl")),
        ],
    }
}

static BUNDLES: LazyLock<[FluentBundle<FluentResource>; 2]> = LazyLock::new(|| Lang::ALL.map(build_bundle));

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    match lang {
        Lang::En => &BUNDLES[0],
        Lang::Fr => &BUNDLES[1],
    }
}

/// A language's bundle. The catalogues are part of the binary, so an error in one is a bug
/// caught by the tests (`catalogues_parse`); the messages that parse are still served.
fn build_bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.code().parse().expect("en and fr are language tags");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // The output is HTML, escaped by the templates: no Unicode isolation marks around arguments.
    bundle.set_use_isolating(false);
    for (name, source) in sources(lang) {
        let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(resource, errors)| {
            tracing::error!(file = name, ?errors, "a message catalogue does not parse");
            resource
        });
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(file = name, ?errors, "a message catalogue repeats a key");
        }
    }
    bundle
}

/// The language of a request, and whether the `lang` cookie must be (re)set on the response.
#[derive(Debug, PartialEq, Eq)]
pub struct Choice {
    pub lang: Lang,
    pub set_cookie: bool,
}

/// The language by precedence: `?lang=` (an error when it is neither `en` nor `fr`), then the
/// cookie (ignored when it is neither), then `Accept-Language`.
pub fn choose(query: Option<&str>, cookie: Option<&str>, accept_language: Option<&str>) -> Result<Choice, String> {
    match query {
        Some(text) => {
            let lang = Lang::parse(text)?;
            let held = cookie.and_then(|value| Lang::parse(value).ok());
            Ok(Choice { lang, set_cookie: held != Some(lang) })
        }
        None => Ok(negotiated(cookie, accept_language)),
    }
}

/// The language without `?lang=`: the cookie's when it names one, else `Accept-Language`'s.
pub fn negotiated(cookie: Option<&str>, accept_language: Option<&str>) -> Choice {
    let lang = cookie
        .and_then(|value| Lang::parse(value).ok())
        .unwrap_or_else(|| accept_language.map_or(Lang::En, Lang::negotiate));
    Choice { lang, set_cookie: false }
}

/// The `lang` cookie: a year, every path, sent on top-level navigation from other sites
/// (`SameSite=Lax`), readable by scripts (it is no secret).
pub fn set_cookie(lang: Lang) -> HeaderValue {
    HeaderValue::from_static(match lang {
        Lang::En => "lang=en; Path=/; SameSite=Lax; Max-Age=31536000",
        Lang::Fr => "lang=fr; Path=/; SameSite=Lax; Max-Age=31536000",
    })
}

/// The header in which the server hands a page handler the request's path and query, for the
/// language switch's links. Set by [`remember_target`]; a client's own is dropped.
pub const TARGET_HEADER: &str = "x-tranche-target";

/// Middleware: passes the request target (path and query) to the handlers in [`TARGET_HEADER`].
pub async fn remember_target(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let target = request.uri().path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_else(|| "/".into());
    let headers = request.headers_mut();
    headers.remove(TARGET_HEADER);
    if let Ok(value) = HeaderValue::from_str(&target) {
        headers.insert(TARGET_HEADER, value);
    }
    next.run(request).await
}

/// The request's path and query, split, and the `?lang=` in it.
pub struct Target {
    pub path: String,
    /// The query's pairs other than `lang`, in order.
    pub pairs: Vec<(String, String)>,
    /// The last `?lang=` given.
    pub lang: Option<String>,
}

impl Target {
    pub fn of(headers: &HeaderMap) -> Target {
        let text = headers.get(TARGET_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("/");
        let (path, query) = text.split_once('?').unwrap_or((text, ""));
        let all: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let lang = all.iter().rev().find(|(key, _)| key == "lang").map(|(_, value)| value.clone());
        let pairs = all.into_iter().filter(|(key, _)| key != "lang").collect();
        Target { path: path.to_string(), pairs, lang }
    }

    /// This page in `lang`: the same path and query, with `lang=` set.
    pub fn in_lang(&self, lang: Lang) -> String {
        let mut pairs: Vec<(&str, &str)> = self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        pairs.push(("lang", lang.code()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_else(|_| format!("lang={}", lang.code()));
        format!("{}?{query}", self.path)
    }
}

/// The language a page is written in, and its language switch.
#[derive(Clone, Debug)]
pub struct PageLang {
    pub lang: Lang,
    pub switch: Vec<SwitchLink>,
}

/// One link of the switch: this page (same path and query) in another language.
#[derive(Clone, Debug)]
pub struct SwitchLink {
    pub code: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

impl PageLang {
    pub fn new(lang: Lang, target: &Target) -> PageLang {
        let switch = Lang::ALL
            .into_iter()
            .map(|other| SwitchLink {
                code: other.code(),
                name: other.name(),
                href: target.in_lang(other),
                current: other == lang,
            })
            .collect();
        PageLang { lang, switch }
    }
}

impl Default for PageLang {
    /// English, the switch pointing at the overview.
    fn default() -> PageLang {
        PageLang::new(Lang::En, &Target { path: "/".into(), pairs: Vec::new(), lang: None })
    }
}

/// The `lang` cookie's value as sent.
pub fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == LANG_COOKIE)
        .map(|(_, value)| value.trim().to_string())
}

/// A plain decimal (`-1234567.89`, as `datasets::minor_decimal` and `Money::to_decimal_string`
/// write it) with its thousands grouped and its decimal mark in `lang`'s way. Text that is not
/// a plain decimal is returned as it is.
pub fn decimal(lang: Lang, plain: &str) -> String {
    let (sign, rest) = plain.strip_prefix('-').map_or(("", plain), |r| ("-", r));
    let (whole, fraction) = rest.split_once('.').map_or((rest, None), |(w, f)| (w, Some(f)));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return plain.to_string();
    }
    let (separator, mark) = match lang {
        Lang::En => (',', '.'),
        Lang::Fr => (NARROW_NBSP, ','),
    };
    let mut out = String::with_capacity(plain.len() + whole.len() / 3 * 3);
    out.push_str(sign);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(separator);
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push(mark);
        out.push_str(fraction);
    }
    out
}

/// An integer (a count) with its thousands grouped.
pub fn integer(lang: Lang, n: i128) -> String {
    decimal(lang, &n.to_string())
}

/// Minor units of a currency, in its precision, with the currency code: `EUR 1,234.56`,
/// `1 234,56 EUR`.
pub fn money_minor(lang: Lang, minor: i128, currency: Currency) -> String {
    let amount = decimal(lang, &crate::datasets::minor_decimal(minor, currency));
    match lang {
        Lang::En => format!("{currency} {amount}"),
        Lang::Fr => format!("{amount}{NBSP}{currency}"),
    }
}

/// An amount with its currency code, as [`money_minor`].
pub fn money(lang: Lang, money: &Money) -> String {
    let amount = decimal(lang, &money.to_decimal_string());
    match lang {
        Lang::En => format!("{} {amount}", money.currency),
        Lang::Fr => format!("{amount}{NBSP}{}", money.currency),
    }
}

/// A date as shown: ISO 8601 in both languages (see the module's documentation).
pub fn date(_lang: Lang, date: chrono::NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests;
