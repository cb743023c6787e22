//! cos-sdk's XML reader against quick-xml. Random well-formed documents of the kinds responses carry
//! (nested elements with and without namespace prefixes, whitespace inside tags, attributes in either
//! quote with `/`, `=`, `>` and the other quote in their values, text with the predefined entities and
//! character references, CDATA, comments, processing instructions, a byte order mark) must read the
//! same in both. The same documents with random damage must never be read where quick-xml refuses
//! them, nor read differently.

use cos_sdk::rt::{XmlReader, XmlStart};
use cos_sdk::ByteStream;
use quick_xml::events::{BytesStart, Event};

/// Leaves are named `t…` and read as text; every other element is read for its children.
fn is_leaf(name: &str) -> bool {
    name.starts_with('t')
}

/// What cos-sdk's reader makes of `body`.
fn ours(body: &[u8]) -> Result<Vec<String>, String> {
    fn element(r: &mut XmlReader<'_>, e: &XmlStart<'_>, out: &mut Vec<String>) -> Result<(), cos_sdk::Error> {
        while let Some(child) = r.next_child(e)? {
            let attr = child.attribute("x:a").map(|v| v.into_owned()).unwrap_or_default();
            if is_leaf(child.name()) {
                let text = r.text(&child)?;
                out.push(format!("{}[{attr}]={text}", child.name()));
            } else {
                out.push(format!("{}[{attr}]{{", child.name()));
                element(r, &child, out)?;
                out.push("}".into());
            }
        }
        Ok(())
    }
    let stream = ByteStream::from(body.to_vec());
    let (mut r, root) = XmlReader::open(&stream).map_err(|e| e.to_string())?.ok_or("empty")?;
    let mut out = vec![root.name().to_string()];
    element(&mut r, &root, &mut out).map_err(|e| e.to_string())?;
    r.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// What the same walk makes of `body` with quick-xml (end names checked, text untrimmed), or why it
/// cannot.
fn reference(body: &[u8]) -> Result<Vec<String>, String> {
    let local = |name: &[u8]| -> Result<String, String> {
        let name = String::from_utf8(name.to_vec()).map_err(|e| e.to_string())?;
        Ok(name.split_once(':').map(|(_, l)| l.to_string()).unwrap_or(name))
    };
    let attr = |start: &BytesStart<'_>| -> Result<String, String> {
        for a in start.attributes() {
            let a = a.map_err(|e| e.to_string())?;
            if local(a.key.as_ref())? == "a" {
                return a.unescape_value().map(|v| v.into_owned()).map_err(|e| e.to_string());
            }
        }
        Ok(String::new())
    };
    let mut reader = quick_xml::Reader::from_reader(body);
    let (mut out, mut depth) = (Vec::new(), 0usize);
    // The open leaf, its text so far, and how deep inside it (its elements are skipped).
    let mut leaf: Option<(String, String, String, usize)> = None;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(_) if leaf.is_some() => {
                if let Some((_, _, _, inner)) = leaf.as_mut() {
                    *inner += 1;
                }
            }
            Event::Empty(_) if leaf.is_some() => {}
            Event::Start(s) => {
                let name = local(s.name().as_ref())?;
                if depth == 0 {
                    out.push(name);
                } else if is_leaf(&name) {
                    leaf = Some((name, attr(&s)?, String::new(), 0));
                } else {
                    out.push(format!("{name}[{}]{{", attr(&s)?));
                }
                depth += 1;
            }
            Event::Empty(s) => {
                let name = local(s.name().as_ref())?;
                match depth {
                    0 => out.push(name),
                    _ if is_leaf(&name) => out.push(format!("{name}[{}]=", attr(&s)?)),
                    _ => out.extend([format!("{name}[{}]{{", attr(&s)?), "}".to_string()]),
                }
            }
            Event::Text(t) => {
                if let Some((_, _, text, 0)) = leaf.as_mut() {
                    text.push_str(&t.unescape().map_err(|e| e.to_string())?);
                }
            }
            Event::CData(t) => {
                if let Some((_, _, text, 0)) = leaf.as_mut() {
                    text.push_str(std::str::from_utf8(&t).map_err(|e| e.to_string())?);
                }
            }
            Event::End(_) => match leaf.take() {
                Some((name, a, text, 0)) => {
                    depth -= 1;
                    out.push(format!("{name}[{a}]={text}"));
                }
                Some((name, a, text, inner)) => leaf = Some((name, a, text, inner - 1)),
                None => {
                    depth -= 1;
                    if depth > 0 {
                        out.push("}".into());
                    }
                }
            },
            Event::Eof if depth > 0 => return Err("truncated".into()),
            Event::Eof => return Ok(out),
            Event::DocType(_) => return Err("a DOCTYPE".into()),
            _ => {}
        }
    }
}

/// A random document: a root with nested containers and leaves.
fn document(rng: &mut fastrand::Rng) -> String {
    fn name(rng: &mut fastrand::Rng, leaf: bool, n: usize) -> String {
        let base = format!("{}{n}", if leaf { "t" } else { "c" });
        if rng.u8(..4) == 0 { format!("p:{base}") } else { base }
    }
    fn text(rng: &mut fastrand::Rng) -> String {
        const PIECES: [&str; 15] = [
            "plain", " spaced ", "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#65;", "&#x1F600;", "&#xD;&#xA;",
            "<![CDATA[<raw & ]]>", "<!-- note -->", "<?pi x?>", "é漢", "line\r\nbreak",
        ];
        (0..rng.usize(..5)).map(|_| PIECES[rng.usize(..PIECES.len())]).collect()
    }
    fn space(rng: &mut fastrand::Rng) -> &'static str {
        [" ", "  ", "\n ", "\t", "\r\n"][rng.usize(..5)]
    }
    fn attributes(rng: &mut fastrand::Rng) -> String {
        let value = ["v", "a&amp;b", "q&quot;", "1>2", "", "a/b", "k=v", "it's", "&lt;x&gt;"][rng.usize(..9)];
        match rng.u8(..4) {
            0 => format!("{}x:a=\"{value}\"{}xmlns:x=\"urn:x\"", space(rng), space(rng)),
            1 => format!("{}other='1'{}a{}={}'{}'", space(rng), space(rng), ["", " "][rng.usize(..2)], ["", " "][rng.usize(..2)], value.replace('\'', "\"")),
            _ => String::new(),
        }
    }
    fn element(rng: &mut fastrand::Rng, depth: usize, out: &mut String) {
        let n = rng.usize(..100);
        let leaf = depth >= 4 || rng.bool();
        let name = name(rng, leaf, n);
        let attrs = attributes(rng);
        let inner_space = ["", "", " ", "\n"][rng.usize(..4)];
        if rng.u8(..6) == 0 {
            out.push_str(&format!("<{name}{attrs}{inner_space}/>"));
            return;
        }
        out.push_str(&format!("<{name}{attrs}{inner_space}>"));
        if leaf {
            out.push_str(&text(rng));
        } else {
            for _ in 0..rng.usize(..4) {
                if rng.bool() {
                    out.push_str(["\n  ", "<!-- c -->", "<?pi?>", " ", "stray text"][rng.usize(..5)]);
                }
                element(rng, depth + 1, out);
            }
        }
        out.push_str(&format!("</{name}{inner_space}>"));
    }
    // Some documents start with a UTF-8 byte order mark, which both skip.
    let mut out = String::from(if rng.u8(..10) == 0 { "\u{FEFF}" } else { "" });
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r:Root xmlns:r=\"urn:r\">");
    for _ in 0..rng.usize(1..5) {
        element(rng, 1, &mut out);
    }
    out.push_str("</r:Root>\n");
    out
}

#[test]
fn reads_random_documents_as_quick_xml_does() {
    let mut rng = fastrand::Rng::with_seed(20261130);
    for case in 0..3000 {
        let doc = document(&mut rng);
        let expected = reference(doc.as_bytes()).unwrap_or_else(|e| panic!("case {case}: quick-xml: {e}\n{doc}"));
        let got = ours(doc.as_bytes()).unwrap_or_else(|e| panic!("case {case}: {e}\n{doc}"));
        assert_eq!(got, expected, "case {case}:\n{doc}");
    }
}

#[test]
fn never_reads_a_damaged_document_that_quick_xml_refuses_or_reads_otherwise() {
    const DAMAGE: &[u8] = b"<>/\"'=&;! \x0C\x00x:[]-?\xff";
    let mut rng = fastrand::Rng::with_seed(11302026);
    let mut accepted = 0;
    for case in 0..6000 {
        let mut doc = document(&mut rng).into_bytes();
        for _ in 0..rng.usize(1..4) {
            let at = rng.usize(..=doc.len());
            let byte = DAMAGE[rng.usize(..DAMAGE.len())];
            match rng.u8(..3) {
                0 => doc.insert(at, byte),
                1 if at < doc.len() => doc[at] = byte,
                _ if at < doc.len() => {
                    doc.remove(at);
                }
                _ => {}
            }
        }
        if let Ok(got) = ours(&doc) {
            accepted += 1;
            let expected = reference(&doc);
            assert_eq!(Ok(got), expected, "case {case}: read what quick-xml reads otherwise:\n{}", String::from_utf8_lossy(&doc));
        }
    }
    // Damage in text or comments leaves many documents readable; the comparison must have run.
    assert!(accepted > 500, "only {accepted} damaged documents were read");
}
