//! The page state a dashboard link carries from page to page: today the as-of date when one was
//! asked for, so that a past figure can be reproduced and linked. Every internal link, sort
//! header, filter form and download is built from it; a further switch of every page (a
//! language, hiding the synthetic exercise) is one more field here and in [`Links::pairs`].

use chrono::NaiveDate;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// `?as_of=` as asked for (absent: today, and links carry none).
    pub as_of: Option<NaiveDate>,
    /// `?synthetic=hide`: the page leaves the synthetic exercise out.
    pub hide_synthetic: bool,
}

impl Links {
    /// The page state's parameters, in the order links write them. Values are dates and
    /// fixed words: nothing to escape.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(as_of) = self.as_of {
            pairs.push(("as_of", as_of.to_string()));
        }
        if self.hide_synthetic {
            pairs.push(("synthetic", "hide".to_string()));
        }
        pairs
    }

    /// The page state as a query string ending in `&` (`as_of=2025-10-01&`), or empty: ready to
    /// follow a `?` or another parameter's `&`.
    pub fn query(&self) -> String {
        self.pairs().iter().map(|(name, value)| format!("{name}={value}&")).collect()
    }

    /// `path` (which may hold a query and a `#fragment` already) with the page state added.
    pub fn href(&self, path: &str) -> String {
        let query = self.query();
        let query = query.trim_end_matches('&');
        let (path, fragment) = path.split_once('#').map_or((path, None), |(p, f)| (p, Some(f)));
        let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
        match (query.is_empty(), path.contains('?')) {
            (true, _) => format!("{path}{fragment}"),
            (false, true) => format!("{path}&{query}{fragment}"),
            (false, false) => format!("{path}?{query}{fragment}"),
        }
    }

    /// A download of the page: `base` (a path and query ending in `?` or `&`, holding the page's
    /// own filters and sort) with the page state it does not hold already, then `format=`.
    pub fn download(&self, base: &str, format: &str) -> String {
        let mut out = base.to_string();
        for (name, value) in self.pairs() {
            if !base.contains(&format!("?{name}=")) && !base.contains(&format!("&{name}=")) {
                out.push_str(&format!("{name}={value}&"));
            }
        }
        out.push_str(&format!("format={format}"));
        out
    }

    /// A sort header's link: `path` sorted by `key` in `dir`, with the page state.
    pub fn sort(&self, path: &str, key: &str, dir: &str) -> String {
        self.href(&format!("{path}?sort={key}&dir={dir}"))
    }

    /// The page state as hidden inputs of a GET form, leaving out the fields the form has itself.
    pub fn hidden(&self, except: &[&str]) -> Vec<(&'static str, String)> {
        self.pairs().into_iter().filter(|(name, _)| !except.contains(name)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(as_of: Option<&str>, path: &str, expect: &str) {
        let links = Links { as_of: as_of.map(|d| d.parse().unwrap()), ..Links::default() };
        assert_eq!(links.href(path), expect, "{as_of:?} {path}");
    }

    #[test]
    fn links_carry_the_as_of_date_only_when_one_was_asked_for() {
        check(None, "/contributors", "/contributors");
        check(None, "/records?counts=yes", "/records?counts=yes");
        check(Some("2025-10-01"), "/", "/?as_of=2025-10-01");
        check(Some("2025-10-01"), "/contributors", "/contributors?as_of=2025-10-01");
        check(Some("2025-10-01"), "/records?counts=yes", "/records?counts=yes&as_of=2025-10-01");
        check(Some("2025-10-01"), "/?basis=at-the-time#by-month", "/?basis=at-the-time&as_of=2025-10-01#by-month");
        check(None, "/#by-month", "/#by-month");
        let links = Links { as_of: Some("2025-10-01".parse().unwrap()), ..Links::default() };
        assert_eq!(links.query(), "as_of=2025-10-01&");
        assert_eq!(Links::default().query(), "");
        assert!(links.hidden(&["as_of"]).is_empty());
        assert_eq!(links.download("/records?party=NLD&", "csv"), "/records?party=NLD&as_of=2025-10-01&format=csv");
        assert_eq!(links.download("/fair-share?as_of=2025-10-01&", "csv"), "/fair-share?as_of=2025-10-01&format=csv");
        assert_eq!(Links::default().download("/?", "json"), "/?format=json");
        assert_eq!(links.hidden(&[]), vec![("as_of", "2025-10-01".to_string())]);
    }
}
