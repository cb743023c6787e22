//! Fuzz target: the XML pull reader that every response body goes through (`XmlReader`).
//!
//! The input is a document. Reading must never panic, whatever the reader is asked: elements named
//! like leaves are read as text, `Skip` elements are skipped, the others are walked into; attributes
//! are read; and any text or attribute value the reader yields must come back unchanged after a trip
//! through the request writer (`XmlWriter`) and the reader again.
#![no_main]

use bytes::Bytes;
use cos_sdk::rt::{XmlReader, XmlStart, XmlWriter};
use cos_sdk::ByteStream;
use libfuzzer_sys::fuzz_target;

/// Attribute names the readers and S3 documents use.
const ATTRIBUTES: [&str; 4] = ["xmlns", "type", "xsi:type", "id"];

fuzz_target!(|data: &[u8]| {
    let body = ByteStream::from(Bytes::copy_from_slice(data));
    let Ok(Some((mut reader, root))) = XmlReader::open(&body) else { return };
    if walk(&mut reader, &root).is_ok() {
        let _ = reader.finish();
    }
});

fn walk(reader: &mut XmlReader<'_>, element: &XmlStart<'_>) -> Result<(), cos_sdk::Error> {
    for name in ATTRIBUTES {
        if let Some(value) = element.attribute(name) {
            round_trip(&value, Some(name));
        }
    }
    while let Some(child) = reader.next_child(element)? {
        match child.name().len() % 3 {
            0 => round_trip(&reader.text(&child)?, None),
            1 => reader.skip(&child)?,
            _ => walk(reader, &child)?,
        }
    }
    Ok(())
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
        Some(name) => writer.attribute(local(name), text),
        None => writer.text(text),
    }
    writer.end("R");
    let written = ByteStream::from(writer.finish());
    let (mut reader, root) = XmlReader::open(&written)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("the reader refuses what the writer wrote for {text:?}: {written:?}"));
    let back = match attribute {
        Some(name) => root.attribute(local(name)).unwrap_or_default().into_owned(),
        None => reader.text(&root).unwrap_or_else(|e| panic!("{written:?}: {e}")).into_owned(),
    };
    assert_eq!(back, text, "the writer's {written:?} reads back differently");
}

/// The attribute name without its prefix, which the writer's document does not declare.
fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}
