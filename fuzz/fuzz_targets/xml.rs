//! Fuzz target: the XML reader that every response body goes through (`XmlDocument::parse`).
//!
//! The input is a document. Parsing must never panic; every element's name, text and attributes are
//! read; and any text or attribute value the reader yields must come back unchanged after a trip
//! through the request writer (`XmlWriter`) and the reader again.
#![no_main]

use cos_sdk::rt::{XmlDocument, XmlElement, XmlWriter};
use libfuzzer_sys::fuzz_target;

/// Attribute names the readers and S3 documents use.
const ATTRIBUTES: [&str; 4] = ["xmlns", "type", "xsi:type", "id"];

fuzz_target!(|data: &[u8]| {
    let Ok(document) = XmlDocument::parse(data) else { return };
    walk(document.root());
    let _ = format!("{document:?}");
});

fn walk(element: &XmlElement<'_>) {
    let _ = element.name();
    round_trip(element.text(), None);
    for name in ATTRIBUTES {
        if let Some(value) = element.attribute(name) {
            round_trip(value, Some(name));
        }
    }
    for child in element.children() {
        let found = element.child(child.name()).expect("a child is found by its own name");
        assert_eq!(element.child_text(child.name()), Some(found.text()));
        walk(child);
    }
}

/// Writes `text` as the content (or as attribute `attribute`) of an element and reads it back.
fn round_trip(text: &str, attribute: Option<&str>) {
    // XML has no way to carry U+0000, escaped or not.
    if text.contains('\0') {
        return;
    }
    let mut writer = XmlWriter::new();
    writer.start("R");
    match attribute {
        Some(name) => {
            writer.attribute(local(name), text);
            writer.end("R");
        }
        None => {
            writer.text(text);
            writer.end("R");
        }
    }
    let written = writer.finish();
    let document = XmlDocument::parse(written.as_bytes())
        .unwrap_or_else(|e| panic!("the reader refuses what the writer wrote for {text:?}: {written:?}: {e}"));
    let back = match attribute {
        Some(name) => document.root().attribute(local(name)).unwrap_or_default().to_string(),
        None => document.root().text().to_string(),
    };
    assert_eq!(back, text, "the writer's {written:?} reads back differently");
}

/// The attribute name without its prefix, which the writer's document does not declare.
fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}
