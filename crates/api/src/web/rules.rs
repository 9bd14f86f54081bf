//! The counting rules as a page (`/rules`): docs/COUNTING.md, compiled in and rendered by a small
//! renderer of the Markdown it uses (headings, paragraphs, numbered and bulleted lists, tables,
//! fenced code, `code`, **bold**, *emphasis*). The first numbered list is the counting rules:
//! each rule has the anchor `rule-N`, and every "(rule N)" on a page links to it (`links`).

/// docs/COUNTING.md as it was when the server was built.
pub const COUNTING: &str = include_str!("../../../../docs/COUNTING.md");
/// Its French translation, docs/COUNTING.fr.md: the same sections, rules and anchors (a heading
/// names its English anchor as `{#id}`); the English text is authoritative.
pub const COUNTING_FR: &str = include_str!("../../../../docs/COUNTING.fr.md");

/// The counting rules in `lang`.
pub fn counting(lang: super::i18n::Lang) -> &'static str {
    match lang {
        super::i18n::Lang::En => COUNTING,
        super::i18n::Lang::Fr => COUNTING_FR,
    }
}

/// Text escaped for HTML (element content and quoted attribute values).
pub fn escape(text: &str) -> String {
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

/// `text` escaped for HTML, with every "(rule N)" (in French "(règle N)") a link to the rule
/// on `/rules`.
pub fn links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let next =
        |rest: &str| ["(rule ", "(règle "].into_iter().filter_map(|word| rest.find(word).map(|at| (at, word))).min();
    while let Some((at, opening)) = next(rest) {
        let (before, from) = rest.split_at(at);
        out.push_str(&escape(before));
        let after = &from[opening.len()..];
        let word = &opening[1..opening.len() - 1];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match (digits, after.as_bytes().get(digits)) {
            (1..=3, Some(b')')) => {
                let n = &after[..digits];
                out.push_str(&format!("(<a href=\"/rules#rule-{n}\">{word} {n}</a>)"));
                rest = &after[digits + 1..];
            }
            _ => {
                out.push_str(opening);
                rest = after;
            }
        }
    }
    out.push_str(&escape(rest));
    out
}

/// Inline Markdown: `code`, **bold**, *emphasis*; everything else escaped.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["`", "**", "*"]
            .iter()
            .filter_map(|mark| rest.find(mark).map(|at| (at, *mark)))
            .min_by_key(|(at, mark)| (*at, std::cmp::Reverse(mark.len())));
        let Some((at, mark)) = next else { break };
        let (before, from) = rest.split_at(at);
        let inner = &from[mark.len()..];
        let Some(end) = inner.find(mark).filter(|end| *end > 0) else {
            out.push_str(&links(&rest[..at + mark.len()]));
            rest = inner;
            continue;
        };
        out.push_str(&links(before));
        let (tag, body) = match mark {
            "`" => ("code", escape(&inner[..end])),
            "**" => ("strong", inline(&inner[..end])),
            _ => ("em", inline(&inner[..end])),
        };
        out.push_str(&format!("<{tag}>{body}</{tag}>"));
        rest = &inner[end + mark.len()..];
    }
    out.push_str(&links(rest));
    out
}

/// An id from a heading: lower case, words joined by `-`.
fn slug(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.join("-")
}

/// A list item's marker and its text: `1. text` (numbered) or `- text`.
fn item(line: &str) -> Option<(bool, Option<u32>, &str)> {
    if let Some(text) = line.strip_prefix("- ") {
        return Some((false, None, text));
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let text = line.get(digits..)?.strip_prefix(". ")?;
    Some((true, line.get(..digits)?.parse().ok(), text))
}

fn table(rows: &[&str]) -> String {
    let cells =
        |row: &str| -> Vec<String> { row.trim().trim_matches('|').split('|').map(|c| c.trim().to_string()).collect() };
    let Some((head, body)) = rows.split_first() else { return String::new() };
    let aligns: Vec<bool> =
        body.first().map(|r| cells(r).iter().map(|c| c.ends_with(':')).collect()).unwrap_or_default();
    let class = |i: usize| if aligns.get(i).copied().unwrap_or(false) { " class=\"num\"" } else { "" };
    let mut out = String::from("<div class=\"table-wrap\"><table><thead><tr>");
    for (i, cell) in cells(head).iter().enumerate() {
        out.push_str(&format!("<th scope=\"col\"{}>{}</th>", class(i), inline(cell)));
    }
    out.push_str("</tr></thead><tbody>");
    for row in body.iter().skip(1) {
        out.push_str("<tr>");
        for (i, cell) in cells(row).iter().enumerate() {
            out.push_str(&format!("<td{}>{}</td>", class(i), inline(cell)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>\n");
    out
}

/// docs/COUNTING.md as HTML. Headings are shifted one level down (the page has its own `h1`) and
/// carry ids; the items of the first numbered list carry `rule-N`, those of later numbered lists
/// `<section>-N`.
pub fn html(markdown: &str) -> String {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out = String::new();
    let mut section = String::new();
    let mut numbered_lists = 0usize;
    let mut i = 0;
    while let Some(line) = lines.get(i).copied() {
        if line.trim().is_empty() {
            i += 1;
        } else if line.starts_with("```") {
            let end = lines.iter().skip(i + 1).position(|l| l.starts_with("```")).map_or(lines.len(), |p| p + i + 1);
            let body = lines.get(i + 1..end).unwrap_or_default().join("\n");
            out.push_str(&format!("<pre><code>{}</code></pre>\n", escape(&body)));
            i = end + 1;
        } else if line.starts_with('#') {
            let level = line.bytes().take_while(|b| *b == b'#').count();
            let text = line[level..].trim();
            // `## Title {#id}`: the id given (a translation keeps the English anchors).
            let (text, id) = match text.strip_suffix('}').and_then(|t| t.rsplit_once("{#")) {
                Some((text, id)) => (text.trim(), slug(id)),
                None => (text, slug(text)),
            };
            section = id;
            let level = (level + 1).min(6);
            out.push_str(&format!("<h{level} id=\"{section}\">{}</h{level}>\n", inline(text)));
            i += 1;
        } else if line.starts_with('|') {
            let end = lines.iter().skip(i).position(|l| !l.starts_with('|')).map_or(lines.len(), |p| p + i);
            out.push_str(&table(lines.get(i..end).unwrap_or_default()));
            i = end;
        } else if let Some((numbered, _, _)) = item(line) {
            let tag = if numbered { "ol" } else { "ul" };
            let prefix = match numbered {
                true if numbered_lists == 0 => Some("rule".to_string()),
                true => Some(section.clone()),
                false => None,
            };
            if numbered {
                numbered_lists += 1;
            }
            out.push_str(&format!("<{tag}>\n"));
            while let Some((_, n, first)) = lines.get(i).and_then(|l| item(l)).filter(|(kind, _, _)| *kind == numbered)
            {
                let mut text = first.to_string();
                i += 1;
                while let Some(more) = lines.get(i).filter(|l| l.starts_with(' ') && !l.trim().is_empty()) {
                    text.push(' ');
                    text.push_str(more.trim());
                    i += 1;
                }
                match (&prefix, n) {
                    (Some(prefix), Some(n)) => {
                        out.push_str(&format!("<li id=\"{prefix}-{n}\">{}</li>\n", inline(&text)))
                    }
                    _ => out.push_str(&format!("<li>{}</li>\n", inline(&text))),
                }
            }
            out.push_str(&format!("</{tag}>\n"));
        } else {
            let end = lines
                .iter()
                .skip(i)
                .position(|l| {
                    l.trim().is_empty()
                        || l.starts_with('#')
                        || l.starts_with('|')
                        || l.starts_with("```")
                        || item(l).is_some()
                })
                .map_or(lines.len(), |p| p + i)
                .max(i + 1);
            let text = lines.get(i..end).unwrap_or_default().join(" ");
            out.push_str(&format!("<p>{}</p>\n", inline(&text)));
            i = end;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_links(text: &str, expected: &str) {
        assert_eq!(links(text), expected, "{text:?}");
    }

    #[test]
    fn each_rule_reference_becomes_a_link_and_everything_else_is_escaped() {
        check_links("Counts (rule 3)", "Counts (<a href=\"/rules#rule-3\">rule 3</a>)");
        check_links(
            "a (rule 1) and (rule 12).",
            "a (<a href=\"/rules#rule-1\">rule 1</a>) and (<a href=\"/rules#rule-12\">rule 12</a>).",
        );
        check_links("<script>(rule 4)", "&lt;script&gt;(<a href=\"/rules#rule-4\">rule 4</a>)");
        check_links("(rule x) (rule 5", "(rule x) (rule 5");
        check_links("(rule 5\"><b>)", "(rule 5&quot;&gt;&lt;b&gt;)");
        check_links(
            "the trigger 'a&b' (rule 8)",
            "the trigger &#39;a&amp;b&#39; (<a href=\"/rules#rule-8\">rule 8</a>)",
        );
        check_links("", "");
    }

    #[test]
    fn every_counting_rule_has_its_anchor() {
        let page = html(COUNTING);
        let numbered = COUNTING
            .lines()
            .skip_while(|l| !l.starts_with("1. "))
            .take_while(|l| !l.starts_with('#'))
            .filter(|l| item(l).is_some_and(|(numbered, _, _)| numbered))
            .count();
        assert!(numbered >= 8, "{numbered}");
        for n in 1..=numbered {
            assert_eq!(page.matches(&format!("<li id=\"rule-{n}\">")).count(), 1, "rule {n}");
        }
        assert!(!page.contains(&format!("id=\"rule-{}\"", numbered + 1)));
        assert!(page.contains("<li id=\"fair-shares-1\">"), "later lists are named by their section");
        assert!(page.contains("<table>") && page.contains("<pre><code>"));
        assert!(!page.contains("**") && !page.contains("<script"));
    }

    /// Every `id="…"` of a rendered document, in order.
    fn ids(html: &str) -> Vec<&str> {
        html.split(" id=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect()
    }

    /// The counting rules' ids (`rule-N`), in order.
    fn rules(html: &str) -> Vec<&str> {
        ids(html).into_iter().filter(|id| id.starts_with("rule-")).collect()
    }

    #[test]
    fn the_french_rules_have_the_english_rule_ids_in_the_same_order() {
        let (english, french) = (html(COUNTING), html(COUNTING_FR));
        assert!(rules(&english).len() >= 8, "{:?}", rules(&english));
        assert_eq!(rules(&french), rules(&english));
        // Headings and later lists keep their anchors too, so a link into either page lands.
        assert_eq!(ids(&french), ids(&english));
        assert!(COUNTING_FR.contains("la version\nanglaise fait foi"), "the French text says the English one rules");
        assert!(!french.contains("{#"), "heading ids are not shown");
    }

    #[test]
    fn french_rule_references_link_too() {
        check_links("Compte (règle 3).", "Compte (<a href=\"/rules#rule-3\">règle 3</a>).");
        check_links("(règle x) (rule 2)", "(règle x) (<a href=\"/rules#rule-2\">rule 2</a>)");
    }

    #[test]
    fn a_heading_may_name_its_id() {
        assert_eq!(html("## Justes parts {#fair-shares}\n"), "<h3 id=\"fair-shares\">Justes parts</h3>\n");
    }

    #[test]
    fn inline_marks_and_html_in_the_text() {
        assert_eq!(inline("a `x<y` **b** *c* d"), "a <code>x&lt;y</code> <strong>b</strong> <em>c</em> d");
        assert_eq!(inline("3 * 4 = 12"), "3 * 4 = 12");
        assert_eq!(
            html("# T\n\npara\nline\n\n- one\n  more\n- two\n"),
            "<h2 id=\"t\">T</h2>\n<p>para line</p>\n<ul>\n<li>one more</li>\n<li>two</li>\n</ul>\n"
        );
    }
}
