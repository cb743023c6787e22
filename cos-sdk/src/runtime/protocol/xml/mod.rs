//! XML for the rest-xml protocol: a writer for request bodies and a small, tolerant, bounded pull
//! reader that the generated readers walk, filling typed outputs with no tree in between, over our own
//! tokenizer ([`tokens`]). Names and text borrow from the body; only text with references, or in
//! several pieces, is copied.
//!
//! The reader keeps local names (namespaces are ignored, as S3-compatible servers differ in them),
//! ignores what it does not know, and refuses documents deeper than [`MAX_DEPTH`] or with more than
//! [`MAX_ELEMENTS`] elements, so a hostile body cannot exhaust memory or the stack.

use std::borrow::Cow;
use std::fmt;

use crate::runtime::error::Error;
use crate::runtime::http::body::ByteStream;
use tokens::{Token, Tokenizer};

mod tokens;

/// The deepest nesting a response may have.
pub const MAX_DEPTH: usize = 64;
/// The most elements a response may have: a full 1,000-key listing has about 10,000 and a 10,000-part
/// ListParts about 60,000, so about a million leaves ample room while capping what a hostile answer
/// can make a reader build.
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

/// The body a reader reads, checked once to be UTF-8, so that the tokens (slices of its bytes) are
/// handed out as text without checking each again.
#[derive(Debug, Clone, Copy)]
struct Source<'a> {
    text: &'a str,
}

impl<'a> Source<'a> {
    /// `part`, a slice of the body's bytes, as text; `None` for a slice from elsewhere or one that
    /// splits a character (tokens never do: they end at ASCII delimiters).
    #[inline]
    fn str_of(&self, part: &[u8]) -> Option<&'a str> {
        let start = (part.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize)?;
        let inside = self.text.get(start..start.checked_add(part.len())?)?;
        (inside.as_ptr() == part.as_ptr()).then_some(inside)
    }
}

/// Appends `more` to `text`, keeping it borrowed when it was empty.
#[inline]
fn append<'a>(text: &mut Cow<'a, str>, more: Cow<'a, str>) {
    if text.is_empty() {
        *text = more;
    } else {
        text.to_mut().push_str(&more);
    }
}

/// A name without its namespace prefix: what follows the first `:`.
fn local_part(name: &[u8]) -> &[u8] {
    match name.iter().position(|&b| b == b':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

/// An element the reader has reached: its local name and attributes. What is inside it is read next,
/// through the [`XmlReader`] with [`XmlReader::next_child`], [`XmlReader::text`] or [`XmlReader::skip`].
#[derive(Debug, Clone)]
pub struct XmlStart<'a> {
    name: &'a str,
    /// What follows the name in the start tag.
    attributes: &'a [u8],
    empty: bool,
    /// How many elements are open while inside this one (itself included unless it is empty).
    depth: usize,
}

impl<'a> XmlStart<'a> {
    /// The local name (without namespace prefix).
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The value of an attribute, matched by local name (`xsi:type` matches `type`). (The reader
    /// refused the start tag if any of its attributes was malformed, not UTF-8 or had a bad reference.)
    pub fn attribute(&self, name: &str) -> Option<Cow<'a, str>> {
        let wanted = local_part(name.as_bytes());
        let (_, raw) = tokens::attributes(self.attributes).find(|(key, _)| local_part(key) == wanted)?;
        tokens::unescape(std::str::from_utf8(raw).ok()?).ok()
    }
}

/// A bounded pull reader over a response body: the generated readers walk a document with it, filling
/// their typed outputs as they go, with no tree in between. Names and text borrow from the body where
/// they need no unescaping.
///
/// It keeps local names (namespaces are ignored, as S3-compatible servers differ in them), ignores what
/// it does not know, and refuses documents nested deeper than 64 levels, with more than about a
/// million elements, malformed, truncated, or with content after the root element.
pub struct XmlReader<'a> {
    tokens: Tokenizer<'a>,
    source: Source<'a>,
    depth: usize,
    elements: usize,
    max_depth: usize,
    max_elements: usize,
}

impl fmt::Debug for XmlReader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XmlReader").field("position", &self.tokens.position()).field("depth", &self.depth).finish()
    }
}

impl<'a> XmlReader<'a> {
    fn new(text: &'a str, max_depth: usize, max_elements: usize) -> XmlReader<'a> {
        XmlReader { tokens: Tokenizer::new(text.as_bytes()), source: Source { text }, depth: 0, elements: 0, max_depth, max_elements }
    }

    /// `part` (a token) as text of the body.
    #[inline]
    fn str_of(&self, part: &[u8]) -> Result<&'a str, Error> {
        self.source.str_of(part).ok_or_else(|| self.fail("a token that is not a slice of the document; this is a bug in cos-sdk, please report it"))
    }

    fn fail(&self, what: impl fmt::Display) -> Error {
        Error::response_parse(format!("malformed XML at byte {}: {what}", self.tokens.position()))
    }

    #[inline]
    fn token(&mut self) -> Result<Token<'a>, Error> {
        self.tokens.next_token().map_err(|e| self.fail(e))
    }

    /// Counts an element and turns its start tag into an [`XmlStart`].
    #[inline]
    fn reached(&mut self, name: &'a [u8], attributes: &'a [u8], empty: bool) -> Result<XmlStart<'a>, Error> {
        self.elements += 1;
        if self.elements > self.max_elements {
            return Err(self.fail(format!("more than {} elements", self.max_elements)));
        }
        if !empty {
            self.depth += 1;
            if self.depth > self.max_depth {
                return Err(self.fail(format!("nested deeper than {} levels", self.max_depth)));
            }
        }
        let name = self.str_of(local_part(name))?;
        Ok(XmlStart { name, attributes, empty, depth: self.depth })
    }

    /// Reads a document up to its root element; `None` for a body that is empty or only whitespace.
    pub fn open(body: &'a ByteStream) -> Result<Option<(XmlReader<'a>, XmlStart<'a>)>, Error> {
        match body.as_bytes() {
            Some(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(None),
            Some(bytes) => XmlReader::open_bytes(bytes, MAX_DEPTH, MAX_ELEMENTS).map(Some),
            None => Err(Error::response_parse("the response body was not read before parsing")),
        }
    }

    /// Like [`XmlReader::open`], with an element that has no content standing in for an absent body.
    pub fn open_or_empty(body: &'a ByteStream) -> Result<(XmlReader<'a>, XmlStart<'a>), Error> {
        Ok(XmlReader::open(body)?.unwrap_or_else(XmlReader::nothing))
    }

    /// A reader with nothing to read, at an element without content.
    pub fn nothing() -> (XmlReader<'a>, XmlStart<'a>) {
        let reader = XmlReader::new("", MAX_DEPTH, MAX_ELEMENTS);
        (reader, XmlStart { name: "", attributes: b"", empty: true, depth: 0 })
    }

    fn open_bytes(bytes: &'a [u8], max_depth: usize, max_elements: usize) -> Result<(XmlReader<'a>, XmlStart<'a>), Error> {
        // Responses are UTF-8 (what S3 declares); anything else is refused whole rather than read in
        // part, so no name, attribute or text is ever a lossy copy.
        let text = std::str::from_utf8(bytes)
            .map_err(|e| Error::response_parse(format!("the XML document is not UTF-8 text: {e}")))?;
        let mut reader = XmlReader::new(text, max_depth, max_elements);
        loop {
            match reader.token()? {
                Token::Start { name, attributes, empty } => return reader.reached(name, attributes, empty).map(|root| (reader, root)),
                Token::Text(t) | Token::CData(t) if !t.iter().all(u8::is_ascii_whitespace) => {
                    return Err(reader.fail("text outside the root element"))
                }
                Token::Eof => return Err(Error::response_parse("the XML document has no root element")),
                Token::End => return Err(reader.fail("unexpected end tag")),
                Token::Text(_) | Token::CData(_) | Token::Skipped => {}
            }
        }
    }

    /// The next child element of `parent` (the element last reached), or `None` at its end. Text
    /// between children is ignored. Each child must be read (`text`, `skip`, or its own children)
    /// before the next is asked for.
    pub fn next_child(&mut self, parent: &XmlStart<'_>) -> Result<Option<XmlStart<'a>>, Error> {
        if parent.empty {
            return Ok(None);
        }
        loop {
            match self.token()? {
                Token::Start { name, attributes, empty } => return self.reached(name, attributes, empty).map(Some),
                Token::End => {
                    self.close(parent);
                    return Ok(None);
                }
                Token::Eof => return Err(self.truncated(parent)),
                Token::Text(_) | Token::CData(_) | Token::Skipped => {}
            }
        }
    }

    /// Leaves `element` at its end tag. (The tokenizer checks end names, so the tag is the innermost
    /// open element's; the assertion catches a reader that left one of its children unread.)
    fn close(&mut self, element: &XmlStart<'_>) {
        debug_assert_eq!(self.depth, element.depth, "`{}` closed with a child left unread", element.name);
        self.depth = self.depth.saturating_sub(1);
    }

    fn truncated(&self, element: &XmlStart<'_>) -> Error {
        Error::response_parse(format!("truncated XML: element `{}` is never closed", element.name))
    }

    /// The text inside `element` (character data and CDATA, unescaped), reading to its end; elements
    /// inside it are skipped.
    pub fn text(&mut self, element: &XmlStart<'_>) -> Result<Cow<'a, str>, Error> {
        let mut text = Cow::Borrowed("");
        if element.empty {
            return Ok(text);
        }
        loop {
            match self.token()? {
                Token::Text(raw) => {
                    // Borrowed from the body unless it has references to resolve.
                    let raw = self.str_of(raw)?;
                    append(&mut text, tokens::unescape(raw).map_err(|e| self.fail(e))?);
                }
                Token::CData(t) => append(&mut text, Cow::Borrowed(self.str_of(t)?)),
                Token::Start { name, attributes, empty } => {
                    let inner = self.reached(name, attributes, empty)?;
                    self.skip(&inner)?;
                }
                Token::End => {
                    self.close(element);
                    return Ok(text);
                }
                Token::Eof => return Err(self.truncated(element)),
                Token::Skipped => {}
            }
        }
    }

    /// Reads past everything inside `element` to its end; what it skips still counts towards the depth
    /// and element limits.
    pub fn skip(&mut self, element: &XmlStart<'_>) -> Result<(), Error> {
        if element.empty {
            return Ok(());
        }
        let floor = self.depth;
        loop {
            match self.token()? {
                Token::Start { name, attributes, empty } => {
                    self.reached(name, attributes, empty)?;
                }
                Token::End if self.depth == floor => {
                    self.close(element);
                    return Ok(());
                }
                Token::End => self.depth -= 1,
                Token::Eof => return Err(self.truncated(element)),
                Token::Text(_) | Token::CData(_) | Token::Skipped => {}
            }
        }
    }

    /// Checks that nothing but whitespace, comments and processing instructions follows the root
    /// element, once it has been read.
    pub fn finish(mut self) -> Result<(), Error> {
        loop {
            match self.token()? {
                Token::Eof => return Ok(()),
                Token::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
                Token::Skipped => {}
                _ => return Err(self.fail("content after the root element")),
            }
        }
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

    /// Reads a whole document the way generated readers do: `Some(text)` for leaves named in `leaves`,
    /// children for the others; answers `name[attr]=text` lines in document order.
    fn walk(body: &[u8], leaves: &[&str]) -> Result<Vec<String>, Error> {
        fn element(r: &mut XmlReader<'_>, e: &XmlStart<'_>, leaves: &[&str], out: &mut Vec<String>) -> Result<(), Error> {
            while let Some(child) = r.next_child(e)? {
                if leaves.contains(&child.name()) {
                    let text = r.text(&child)?;
                    out.push(format!("{}={text}", child.name()));
                } else if child.name() == "Skip" {
                    r.skip(&child)?;
                } else {
                    out.push(format!("{}[{}]", child.name(), child.attribute("xsi:type").unwrap_or_default()));
                    element(r, &child, leaves, out)?;
                }
            }
            Ok(())
        }
        let (mut r, root) = XmlReader::open_bytes(body, MAX_DEPTH, MAX_ELEMENTS)?;
        let mut out = vec![root.name().to_string()];
        element(&mut r, &root, leaves, &mut out)?;
        r.finish()?;
        Ok(out)
    }

    #[test]
    fn reads_tolerantly() {
        let body = b"<?xml version=\"1.0\"?>\n<r:Root xmlns:r=\"urn:x\" a=\"1\"><Key> sp&amp;ce </Key><Empty/><E></E>\
              <Skip><Deep><Deeper/></Deep>text</Skip><C><![CDATA[<raw>]]></C><G xmlns:xsi=\"urn:i\" xsi:type=\"Group\"/>\
              <K>a<ignored>x</ignored>b</K></r:Root>\n<!-- trailing comment -->";
        let read = walk(body, &["Key", "Empty", "E", "C", "K"]).unwrap();
        assert_eq!(read, ["Root", "Key= sp&ce ", "Empty=", "E=", "C=<raw>", "G[Group]", "K=ab"]);
        let (_, root) = XmlReader::open_bytes(body, MAX_DEPTH, MAX_ELEMENTS).unwrap();
        assert_eq!(root.attribute("a").as_deref(), Some("1"));
        assert_eq!(root.attribute("missing"), None);
    }

    #[test]
    fn names_and_plain_text_borrow_from_the_body() {
        let body = b"<R a=\"v\" b=\"x&amp;y\"><K>plain</K><E>a&lt;b</E><M>one<![CDATA[two]]></M></R>";
        let (mut r, root) = XmlReader::open_bytes(body, MAX_DEPTH, MAX_ELEMENTS).unwrap();
        assert!(matches!(root.attribute("a"), Some(Cow::Borrowed("v"))));
        assert_eq!(root.attribute("b").as_deref(), Some("x&y"));
        let k = r.next_child(&root).unwrap().unwrap();
        assert_eq!(k.name(), "K");
        assert!(matches!(r.text(&k).unwrap(), Cow::Borrowed("plain")));
        // Unescaped or joined text is a copy, with the right content.
        let e = r.next_child(&root).unwrap().unwrap();
        assert!(matches!(r.text(&e).unwrap(), Cow::Owned(t) if t == "a<b"));
        let m = r.next_child(&root).unwrap().unwrap();
        assert_eq!(r.text(&m).unwrap(), "onetwo");
        assert!(r.next_child(&root).unwrap().is_none());
        r.finish().unwrap();
        // Only a slice of the body is text of the body.
        let source = Source { text: "<R>é</R>" };
        assert_eq!(source.str_of(&source.text.as_bytes()[1..2]), Some("R"));
        assert_eq!(source.str_of(b"R"), None);
        assert_eq!(source.str_of(&source.text.as_bytes()[3..4]), None, "half of `é`");
        // A document that is not UTF-8 anywhere (a name, an attribute, text, a comment) is an error.
        for body in [&b"<R a=\"\xff\"/>"[..], b"<R\xff/>", b"<R><K>\xff</K></R>", b"<R><!-- \xff --></R>"] {
            let err = XmlReader::open_bytes(body, MAX_DEPTH, MAX_ELEMENTS).unwrap_err().to_string();
            assert!(err.contains("not UTF-8"), "{err}");
        }
    }

    #[test]
    fn rejects_bad_documents_with_clear_errors() {
        for (body, expect) in [
            (&b"<A><B>text</B>"[..], "never closed"),
            (b"<A><B>text", "never closed"),
            (b"<A></B>", "malformed"),
            (b"", "no root"),
            (b"<A/><B/>", "after the root"),
            (b"<A/>text", "after the root"),
            (b"not xml", "outside the root"),
            (b"<A><Skip><x></Skip></A>", "malformed"),
        ] {
            let err = walk(body, &["B"]).unwrap_err().to_string();
            assert!(err.contains(expect), "{:?}: {err}", String::from_utf8_lossy(body));
        }
        let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
        let err = walk(deep.as_bytes(), &[]).unwrap_err().to_string();
        assert!(err.contains("deeper"), "{err}");
        // Exactly at the depth limit is fine; what is skipped, or inside a text element, counts too.
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(walk(ok.as_bytes(), &[]).is_ok());
        for leaf in ["Skip", "B"] {
            let deep = format!("<r><{leaf}>{}{}</{leaf}></r>", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
            let err = walk(deep.as_bytes(), &["B"]).unwrap_err().to_string();
            assert!(err.contains("deeper"), "{leaf}: {err}");
        }
    }

    #[test]
    fn element_count_is_bounded() {
        let read = |body: &str| -> Result<usize, Error> {
            let (mut r, root) = XmlReader::open_bytes(body.as_bytes(), MAX_DEPTH, 100)?;
            let mut n = 0;
            while let Some(child) = r.next_child(&root)? {
                r.skip(&child)?;
                n += 1;
            }
            Ok(n)
        };
        assert_eq!(read(&format!("<r>{}</r>", "<e/>".repeat(99))).unwrap(), 99);
        let err = read(&format!("<r>{}</r>", "<e/>".repeat(100))).unwrap_err().to_string();
        assert!(err.contains("more than 100 elements"), "{err}");
    }

    #[test]
    fn hostile_and_broken_bodies_never_panic() {
        let cases: [&[u8]; 9] = [
            b"<a><b></a></b>",
            b"<a attr=\"unterminated></a>",
            b"<a><b>&undefined;</b></a>",
            b"<a><b>&#xFFFFFFFF;</b></a>",
            b"<?xml version=\"1.0\"?>",
            b"<a><b><![CDATA[never closed</b></a>",
            b"\xff\xfe<\x00a\x00>",
            b"<a></a></a>",
            b"<!DOCTYPE a [<!ENTITY x \"&x;&x;\">]><a><b>&x;</b></a>",
        ];
        for body in cases {
            assert!(walk(body, &["b"]).is_err(), "{:?} parsed", String::from_utf8_lossy(body));
        }
    }
}
