//! A small, bounded element tree read with `quick-xml`, each element knowing its XML path
//! (`/iati-activities/iati-activity[2]/transaction[3]/value`) for error messages.
//!
//! No DTD is accepted (so no entity of our own is ever expanded): only the five predefined
//! entities and character references. Depth and element count are bounded.

use std::collections::HashMap;

use quick_xml::XmlVersion;
use quick_xml::events::Event as XmlEvent;

/// The deepest nesting read (IATI activity files nest about six deep).
pub const MAX_DEPTH: usize = 32;

/// The most elements read from one file.
pub const MAX_ELEMENTS: usize = 2_000_000;

/// Elements shown with their position even when they are the only one of their name, because
/// a reader expects to count them.
const ALWAYS_INDEXED: &[&str] = &["iati-activity", "transaction", "tranche:pledge", "tranche:participation"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
    pub path: String,
}

impl Element {
    fn new(name: String, attributes: Vec<(String, String)>) -> Element {
        Element { name, attributes, children: Vec::new(), text: String::new(), path: String::new() }
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Gives every element below its path (XPath-like, positions counted from 1 among the
    /// siblings of the same name; shown when there are several or the name is repeatable).
    fn set_paths(&mut self, parent: &str, position: Option<usize>) {
        self.path = match position {
            Some(n) => format!("{parent}/{}[{n}]", self.name),
            None => format!("{parent}/{}", self.name),
        };
        let mut totals: HashMap<String, usize> = HashMap::new();
        for child in &self.children {
            *totals.entry(child.name.clone()).or_default() += 1;
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        let path = self.path.clone();
        for child in &mut self.children {
            let index = seen.entry(child.name.clone()).or_default();
            *index += 1;
            let total = totals.get(&child.name).copied().unwrap_or(1);
            let shown = total > 1 || ALWAYS_INDEXED.contains(&child.name.as_str());
            child.set_paths(&path, shown.then_some(*index));
        }
    }
}

/// Where a syntax problem is: `line L, column C` (1-based, columns in characters).
fn position(text: &str, offset: u64) -> String {
    let offset = usize::try_from(offset).unwrap_or(usize::MAX).min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count().saturating_add(1);
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()).saturating_add(1);
    format!("line {line}, column {column}")
}

/// Parses `text` into its root element. Errors are `(where, problem)`.
pub fn parse(text: &str) -> Result<Element, (String, String)> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0_usize;
    loop {
        // Where the event about to be read begins: a problem with it is shown there.
        let began = reader.buffer_position();
        let at = |_: &quick_xml::Reader<&[u8]>| position(text, began);
        let event = reader.read_event().map_err(|e| (position(text, reader.error_position()), e.to_string()))?;
        match event {
            XmlEvent::Start(start) | XmlEvent::Empty(start) if root.is_some() => {
                let name = start.name().as_ref().to_string();
                return Err((at(&reader), format!("element <{name}> after the document's root element")));
            }
            XmlEvent::Start(ref start) | XmlEvent::Empty(ref start) => {
                elements = elements.saturating_add(1);
                if elements > MAX_ELEMENTS {
                    return Err((at(&reader), format!("more than {MAX_ELEMENTS} elements")));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err((at(&reader), format!("elements nested more than {MAX_DEPTH} deep")));
                }
                let name = start.name().as_ref().to_string();
                let mut attributes = Vec::new();
                for attribute in start.attributes() {
                    let attribute = attribute.map_err(|e| (at(&reader), format!("in <{name}>: {e}")))?;
                    let key = attribute.key.as_ref().to_string();
                    let value = attribute
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(|e| (at(&reader), format!("attribute {key} of <{name}>: {e}")))?;
                    attributes.push((key, value.into_owned()));
                }
                let element = Element::new(name, attributes);
                match event {
                    XmlEvent::Start(_) => stack.push(element),
                    _ => close(element, &mut stack, &mut root),
                }
            }
            XmlEvent::End(_) => match stack.pop() {
                Some(element) => close(element, &mut stack, &mut root),
                None => return Err((at(&reader), "a closing tag without an opening one".to_string())),
            },
            XmlEvent::Text(text_event) => {
                let content = text_event.xml10_content();
                match stack.last_mut() {
                    Some(element) => element.text.push_str(&content),
                    None if content.trim().is_empty() => {}
                    None => return Err((at(&reader), "text outside the root element".to_string())),
                }
            }
            XmlEvent::CData(data) => match stack.last_mut() {
                Some(element) => element.text.push_str(&data.xml10_content()),
                None => return Err((at(&reader), "CDATA outside the root element".to_string())),
            },
            XmlEvent::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match quick_xml::escape::resolve_predefined_entity(&reference.xml10_content()) {
                        Some(text) => text.to_string(),
                        None => {
                            let name = reference.xml10_content();
                            return Err((at(&reader), format!("the entity &{name}; is not one XML predefines")));
                        }
                    },
                    Err(error) => return Err((at(&reader), error.to_string())),
                };
                match stack.last_mut() {
                    Some(element) => element.text.push_str(&resolved),
                    None => return Err((at(&reader), "a reference outside the root element".to_string())),
                }
            }
            XmlEvent::DocType(_) => {
                return Err((at(&reader), "a DOCTYPE is not accepted (IATI files have none)".to_string()));
            }
            XmlEvent::Decl(_) | XmlEvent::Comment(_) | XmlEvent::PI(_) => {}
            XmlEvent::Eof => break,
        }
    }
    match (root, stack.last()) {
        (_, Some(open)) => Err((String::new(), format!("the document ends inside <{}>", open.name))),
        (None, None) => Err((String::new(), "the document has no root element".to_string())),
        (Some(mut root), None) => {
            root.set_paths("", None);
            Ok(root)
        }
    }
}

fn close(element: Element, stack: &mut [Element], root: &mut Option<Element>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path of every element, in document order.
    fn paths(element: &Element, out: &mut Vec<String>) {
        out.push(element.path.clone());
        element.children.iter().for_each(|c| paths(c, out));
    }

    fn check(xml: &str, expect: &[&str]) {
        let root = parse(xml).unwrap_or_else(|e| panic!("{xml}: {e:?}"));
        let mut found = Vec::new();
        paths(&root, &mut found);
        assert_eq!(found, expect, "{xml}");
    }

    fn refused(xml: &str, at: &str, problem: &str) {
        let (found_at, found) = parse(xml).expect_err(xml);
        assert_eq!(found_at, at, "{xml}: {found}");
        assert!(found.contains(problem), "{xml}: {found}");
    }

    #[test]
    fn paths_count_siblings_of_the_same_name_from_one() {
        check("<a/>", &["/a"]);
        check("<a><b/><c/></a>", &["/a", "/a/b", "/a/c"]);
        check("<a><b/><c/><b/></a>", &["/a", "/a/b[1]", "/a/c", "/a/b[2]"]);
        check(
            "<iati-activities><iati-activity><transaction><value>1</value></transaction></iati-activity></iati-activities>",
            &[
                "/iati-activities",
                "/iati-activities/iati-activity[1]",
                "/iati-activities/iati-activity[1]/transaction[1]",
                "/iati-activities/iati-activity[1]/transaction[1]/value",
            ],
        );
    }

    #[test]
    fn text_and_attributes_are_unescaped() {
        let root = parse("<a k=\"x &amp; &#65;\">1 &lt; 2 <![CDATA[&]]>&#x42;</a>").unwrap();
        assert_eq!(root.attribute("k"), Some("x & A"));
        assert_eq!(root.text, "1 < 2 &B");
    }

    #[test]
    fn what_is_not_read_is_refused_with_its_place() {
        refused("<a>\n<b></c></a>", "line 2, column 4", "");
        refused("<a/><b/>", "line 1, column 5", "after the document's root element");
        refused("<a>&x;</a>", "line 1, column 4", "not one XML predefines");
        refused("<!DOCTYPE a><a/>", "line 1, column 1", "DOCTYPE");
        refused("<a><b>", "", "ends inside <b>");
        refused("", "", "no root element");
        refused(&"<a>".repeat(MAX_DEPTH + 1), "line 1, column 97", "nested more than 32 deep");
    }
}
