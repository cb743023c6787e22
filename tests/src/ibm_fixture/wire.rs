//! Parsing and formatting helpers for what goes over the wire: request paths and query strings,
//! byte ranges, XML escaping, hex, and a small XML reader for request bodies.

use quick_xml::events::Event;

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` against an object of `len` bytes -> inclusive (first, last).
pub(super) fn parse_range(range: &str, len: u64) -> Option<(u64, u64)> {
    let spec = range.trim().strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    let (first, last) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            if n == 0 {
                return None;
            }
            (len.saturating_sub(n), len.checked_sub(1)?)
        }
        (a, "") => (a.parse().ok()?, len.checked_sub(1)?),
        (a, b) => (
            a.parse().ok()?,
            b.parse::<u64>().ok()?.min(len.checked_sub(1)?),
        ),
    };
    (first <= last && first < len).then_some((first, last))
}

/// `/bucket/key/with/slashes` -> (bucket, key), both percent-decoded.
pub(super) fn split_path(path: &str) -> (Option<String>, Option<String>) {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    if trimmed.is_empty() {
        return (None, None);
    }
    match trimmed.split_once('/') {
        None => (Some(percent_decode(trimmed)), None),
        Some((b, "")) => (Some(percent_decode(b)), None),
        Some((b, k)) => (Some(percent_decode(b)), Some(percent_decode(k))),
    }
}

/// Splits a query string into decoded (name, value) pairs; a name without `=` has an empty value.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (percent_decode(n), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

pub(super) fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

pub(super) fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A small element tree for the request bodies the fixture reads.
#[derive(Debug, Default)]
pub(super) struct XmlNode {
    pub(super) name: String,
    pub(super) text: String,
    pub(super) children: Vec<XmlNode>,
}

impl XmlNode {
    pub(super) fn parse(bytes: &[u8]) -> Result<XmlNode, String> {
        let mut reader = quick_xml::Reader::from_reader(bytes);
        let mut stack: Vec<XmlNode> = Vec::new();
        loop {
            match reader
                .read_event()
                .map_err(|e| format!("malformed XML: {e}"))?
            {
                Event::Start(start) => {
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    stack.push(XmlNode {
                        name,
                        ..XmlNode::default()
                    });
                }
                Event::Empty(start) => {
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    let node = XmlNode {
                        name,
                        ..XmlNode::default()
                    };
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None => return Ok(node),
                    }
                }
                Event::Text(text) => {
                    if let Some(top) = stack.last_mut() {
                        top.text += &text.unescape().map_err(|e| format!("bad text: {e}"))?;
                    }
                }
                Event::CData(data) => {
                    if let Some(top) = stack.last_mut() {
                        top.text += &String::from_utf8_lossy(&data);
                    }
                }
                Event::End(_) => {
                    let node = stack.pop().ok_or("unbalanced end tag")?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None => return Ok(node),
                    }
                }
                Event::Eof => return Err("no root element".to_string()),
                _ => {}
            }
        }
    }

    pub(super) fn child(&self, name: &str) -> Option<&XmlNode> {
        self.children.iter().find(|c| c.name == name)
    }
}
