//! XML for the rest-xml protocol: a writer for request bodies and a small, tolerant, bounded reader
//! that turns a response body into a tree of elements for the generated readers to walk. The tree
//! borrows names and text from the body; only text with escapes or CDATA is copied.
//!
//! The reader keeps local names (namespaces are ignored, as S3-compatible servers differ in them),
//! ignores what it does not know, and refuses documents deeper than [`MAX_DEPTH`] or with more than
//! [`MAX_ELEMENTS`] elements, so a hostile body cannot exhaust memory or the stack.

use std::borrow::Cow;

use crate::runtime::error::Error;
use quick_xml::events::Event;

/// The deepest nesting a response may have.
pub const MAX_DEPTH: usize = 64;
/// The most elements a response may have: a full 1,000-key listing has about 10,000 and a 10,000-part
/// ListParts about 60,000, so about a million leaves ample room while capping the tree (roughly 100
/// bytes per element) at about 100 MiB.
pub const MAX_ELEMENTS: usize = 1 << 20;

/// Writes an XML document into a string. Attributes must follow `start` before any content.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
    tag_open: bool,
}

impl XmlWriter {
    /// An empty document.
    pub fn new() -> Self {
        XmlWriter::default()
    }

    fn close_tag(&mut self) {
        if self.tag_open {
            self.out.push('>');
            self.tag_open = false;
        }
    }

    /// Opens element `name`.
    pub fn start(&mut self, name: &str) {
        self.close_tag();
        self.out.push('<');
        self.out.push_str(name);
        self.tag_open = true;
    }

    /// Adds an attribute to the element just opened.
    pub fn attribute(&mut self, name: &str, value: &str) {
        debug_assert!(self.tag_open, "attribute {name} written after element content");
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_into(&mut self.out, value, true);
        self.out.push('"');
    }

    /// Writes escaped text content.
    pub fn text(&mut self, text: &str) {
        self.close_tag();
        escape_into(&mut self.out, text, false);
    }

    /// Closes element `name`.
    pub fn end(&mut self, name: &str) {
        self.close_tag();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Writes `<name>text</name>`.
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.start(name);
        self.text(text);
        self.end(name);
    }

    /// The document.
    pub fn finish(mut self) -> String {
        self.close_tag();
        self.out
    }
}

/// Escapes markup characters, and `\r`, `\n`, `\t` and other control characters as character
/// references, so that object keys with line breaks survive XML's line-end normalization.
fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            '\n' => out.push_str("&#xA;"),
            '\t' if attribute => out.push_str("&#x9;"),
            c if (c as u32) < 0x20 && c != '\t' => out.push_str(&format!("&#x{:X};", c as u32)),
            c => out.push(c),
        }
    }
}

/// An element of a parsed document: local name, attributes, text and child elements, borrowed from
/// the document's bytes where they need no unescaping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XmlElement<'a> {
    name: Cow<'a, str>,
    attributes: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    text: Cow<'a, str>,
    children: Vec<XmlElement<'a>>,
}

impl XmlElement<'static> {
    /// An element with no name, content or children (stands in for an absent body).
    pub fn empty() -> Self {
        XmlElement::default()
    }
}

impl<'a> XmlElement<'a> {
    /// The local name (without namespace prefix).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The text directly inside the element (character data and CDATA, unescaped).
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The child elements in document order.
    pub fn children(&self) -> std::slice::Iter<'_, XmlElement<'a>> {
        self.children.iter()
    }
    /// The first child element with local name `name`.
    pub fn child(&self, name: &str) -> Option<&XmlElement<'a>> {
        self.children.iter().find(|c| c.name == name)
    }
    /// The text of the first child element named `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(XmlElement::text)
    }
    /// The value of an attribute, matched by local name (`xsi:type` matches `type`).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        let local = local_name(name);
        self.attributes.iter().find(|(k, _)| local_name(k) == local).map(|(_, v)| v.as_ref())
    }
}

fn local_name(name: &str) -> &str {
    name.rsplit_once(':').map(|(_, l)| l).unwrap_or(name)
}

/// Text of the document as a string borrowed from `input` when `part` lies inside it (the reader hands
/// out slices of the input), else copied; bytes that are not UTF-8 become U+FFFD.
fn text_from<'a>(input: &'a [u8], part: &[u8]) -> Cow<'a, str> {
    let start = (part.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
    match input.get(start..start.wrapping_add(part.len())) {
        Some(inside) if inside.as_ptr() == part.as_ptr() => String::from_utf8_lossy(inside),
        _ => Cow::Owned(String::from_utf8_lossy(part).into_owned()),
    }
}

/// Appends `more` to `text`, keeping it borrowed when it was empty.
fn append<'a>(text: &mut Cow<'a, str>, more: Cow<'a, str>) {
    if text.is_empty() {
        *text = more;
    } else {
        text.to_mut().push_str(&more);
    }
}

/// A parsed document, borrowing from the bytes it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlDocument<'a> {
    root: XmlElement<'a>,
}

impl<'a> XmlDocument<'a> {
    /// Parses a whole document; errors name the problem and where it was found.
    pub fn parse(bytes: &'a [u8]) -> Result<XmlDocument<'a>, Error> {
        XmlDocument::parse_bounded(bytes, MAX_DEPTH, MAX_ELEMENTS)
    }

    fn parse_bounded(bytes: &'a [u8], max_depth: usize, max_elements: usize) -> Result<XmlDocument<'a>, Error> {
        let mut reader = quick_xml::Reader::from_reader(bytes);
        reader.config_mut().trim_text(false);
        reader.config_mut().check_end_names = true;
        let mut stack: Vec<XmlElement<'a>> = Vec::new();
        let mut root: Option<XmlElement<'a>> = None;
        let mut count = 0usize;
        let fail = |reader: &quick_xml::Reader<&[u8]>, what: String| {
            Error::response_parse(format!("malformed XML at byte {}: {what}", reader.buffer_position()))
        };
        loop {
            let event = reader.read_event().map_err(|e| fail(&reader, e.to_string()))?;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    count += 1;
                    if count > max_elements {
                        return Err(fail(&reader, format!("more than {max_elements} elements")));
                    }
                    if stack.len() >= max_depth {
                        return Err(fail(&reader, format!("nested deeper than {max_depth} levels")));
                    }
                    if root.is_some() && stack.is_empty() {
                        return Err(fail(&reader, "content after the root element".into()));
                    }
                    let name = text_from(bytes, e.local_name().as_ref());
                    let mut attributes = Vec::new();
                    for attr in e.attributes() {
                        let attr = attr.map_err(|err| fail(&reader, err.to_string()))?;
                        let key = text_from(bytes, attr.key.as_ref());
                        let value = match attr.unescape_value() {
                            Ok(Cow::Borrowed(value)) => text_from(bytes, value.as_bytes()),
                            Ok(Cow::Owned(value)) => Cow::Owned(value),
                            Err(err) => return Err(fail(&reader, format!("attribute {key}: {err}"))),
                        };
                        attributes.push((key, value));
                    }
                    let element = XmlElement { name, attributes, text: Cow::Borrowed(""), children: Vec::new() };
                    if matches!(event, Event::Empty(_)) {
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(element),
                            None => root = Some(element),
                        }
                    } else {
                        stack.push(element);
                    }
                }
                Event::End(_) => {
                    let element = stack.pop().ok_or_else(|| fail(&reader, "unexpected end tag".into()))?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => root = Some(element),
                    }
                }
                Event::Text(ref t) => {
                    if let Some(current) = stack.last_mut() {
                        let text = t.unescape().map_err(|e| fail(&reader, e.to_string()))?;
                        append(&mut current.text, text);
                    } else if !t.iter().all(u8::is_ascii_whitespace) {
                        return Err(fail(&reader, "text outside the root element".into()));
                    }
                }
                Event::CData(ref t) => {
                    if let Some(current) = stack.last_mut() {
                        append(&mut current.text, text_from(bytes, t));
                    }
                }
                Event::Eof => break,
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            }
        }
        if let Some(open) = stack.last() {
            return Err(Error::response_parse(format!(
                "truncated XML: element `{}` is never closed",
                open.name
            )));
        }
        root.map(|root| XmlDocument { root })
            .ok_or_else(|| Error::response_parse("the XML document has no root element"))
    }

    /// Parses a body that may be empty (no document at all).
    pub fn parse_optional(body: &'a crate::runtime::http::body::ByteStream) -> Result<Option<XmlDocument<'a>>, Error> {
        match body.as_bytes() {
            Some(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(None),
            Some(bytes) => XmlDocument::parse(bytes).map(Some),
            None => Err(Error::response_parse("the response body was not read before parsing")),
        }
    }

    /// The root element.
    pub fn root(&self) -> &XmlElement<'a> {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_escaped_xml() {
        let mut w = XmlWriter::new();
        w.start("Delete");
        w.attribute("xmlns", "http://s3.amazonaws.com/doc/2006-03-01/");
        w.start("Object");
        w.leaf("Key", "a&b<c>\r\n\"d\"");
        w.end("Object");
        w.start("Empty");
        w.end("Empty");
        w.end("Delete");
        assert_eq!(
            w.finish(),
            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>a&amp;b&lt;c&gt;&#xD;&#xA;\"d\"</Key></Object><Empty></Empty></Delete>"
        );
    }

    #[test]
    fn reads_tolerantly() {
        let doc = XmlDocument::parse(
            b"<?xml version=\"1.0\"?>\n<r:Root xmlns:r=\"urn:x\" a=\"1\"><Key> sp&amp;ce </Key><Empty/><E></E>\
              <Unknown><Deep/></Unknown><C><![CDATA[<raw>]]></C><G xmlns:xsi=\"urn:i\" xsi:type=\"Group\"/></r:Root>",
        )
        .unwrap();
        let root = doc.root();
        assert_eq!(root.name(), "Root");
        assert_eq!(root.attribute("a"), Some("1"));
        assert_eq!(root.child_text("Key"), Some(" sp&ce "));
        assert_eq!(root.child_text("Empty"), Some(""));
        assert_eq!(root.child_text("C"), Some("<raw>"));
        assert_eq!(root.child("G").unwrap().attribute("xsi:type"), Some("Group"));
        assert_eq!(root.children().count(), 6);
    }

    #[test]
    fn names_and_plain_text_borrow_from_the_body() {
        let body = b"<R a=\"v\" b=\"x&amp;y\"><K>plain</K><E>a&lt;b</E><M>one<![CDATA[two]]></M></R>";
        let doc = XmlDocument::parse(body).unwrap();
        let root = doc.root();
        let k = root.child("K").unwrap();
        assert!(matches!(k.name, Cow::Borrowed(_)) && matches!(k.text, Cow::Borrowed("plain")));
        assert!(matches!(root.attributes[0].1, Cow::Borrowed("v")));
        // Unescaped or joined text is a copy, with the right content.
        assert_eq!(root.attribute("b"), Some("x&y"));
        assert!(matches!(root.child("E").unwrap().text, Cow::Owned(_)));
        assert_eq!(root.child_text("E"), Some("a<b"));
        assert_eq!(root.child_text("M"), Some("onetwo"));
        // A slice from elsewhere is copied, never misread.
        assert_eq!(text_from(b"abc", b"xyz"), "xyz");
        assert!(matches!(text_from(body, &body[1..2]), Cow::Borrowed("R")));
    }

    #[test]
    fn rejects_bad_documents_with_clear_errors() {
        for (body, expect) in [
            (&b"<A><B>text</B>"[..], "never closed"),
            (b"<A></B>", "malformed"),
            (b"", "no root"),
            (b"<A/><B/>", "after the root"),
            (b"not xml", "outside the root"),
        ] {
            let err = XmlDocument::parse(body).unwrap_err().to_string();
            assert!(err.contains(expect), "{body:?}: {err}");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        let err = XmlDocument::parse(deep.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("deeper"), "{err}");
        // Exactly at the depth limit is fine.
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(XmlDocument::parse(ok.as_bytes()).is_ok());
    }

    #[test]
    fn element_count_is_bounded() {
        let body = format!("<r>{}</r>", "<e/>".repeat(99));
        assert!(XmlDocument::parse_bounded(body.as_bytes(), MAX_DEPTH, 100).is_ok());
        let body = format!("<r>{}</r>", "<e/>".repeat(100));
        let err = XmlDocument::parse_bounded(body.as_bytes(), MAX_DEPTH, 100).unwrap_err().to_string();
        assert!(err.contains("more than 100 elements"), "{err}");
    }

    #[test]
    fn hostile_and_broken_bodies_never_panic() {
        let cases: [&[u8]; 9] = [
            b"<a><b></a></b>",
            b"<a attr=\"unterminated></a>",
            b"<a>&undefined;</a>",
            b"<a>&#xFFFFFFFF;</a>",
            b"<?xml version=\"1.0\"?>",
            b"<a><![CDATA[never closed</a>",
            b"\xff\xfe<\x00a\x00>",
            b"<a></a></a>",
            b"<!DOCTYPE a [<!ENTITY x \"&x;&x;\">]><a>&x;</a>",
        ];
        for body in cases {
            assert!(XmlDocument::parse(body).is_err(), "{:?} parsed", String::from_utf8_lossy(body));
        }
    }
}
