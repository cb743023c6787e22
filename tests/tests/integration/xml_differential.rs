//! cos-sdk's XML reader against quick-xml, on random well-formed documents of the kinds responses
//! carry: nested elements with and without namespace prefixes, attributes in either quote, text with
//! the predefined entities and character references, CDATA, comments, processing instructions and a
//! byte order mark.
//! Both must read every document to the same elements, attributes and texts.

use cos_sdk::rt::{XmlReader, XmlStart};
use cos_sdk::ByteStream;
use quick_xml::events::Event;

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

/// What the same walk makes of `body` with quick-xml.
fn reference(body: &[u8]) -> Vec<String> {
    let local = |name: &[u8]| {
        let name = String::from_utf8(name.to_vec()).unwrap();
        name.split_once(':').map(|(_, l)| l.to_string()).unwrap_or(name)
    };
    let attr = |start: &quick_xml::events::BytesStart<'_>| {
        start
            .attributes()
            .map(|a| a.unwrap())
            .find(|a| local(a.key.as_ref()) == "a")
            .map(|a| a.unescape_value().unwrap().into_owned())
            .unwrap_or_default()
    };
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut out = Vec::new();
    let mut depth = 0;
    // The open leaf (leaves hold no elements) and its text so far.
    let mut leaf: Option<(String, String, String)> = None;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(s) => {
                let name = local(s.name().as_ref());
                if depth == 0 {
                    out.push(name);
                } else if is_leaf(&name) {
                    leaf = Some((name, attr(&s), String::new()));
                    depth += 1;
                    continue;
                } else {
                    out.push(format!("{name}[{}]{{", attr(&s)));
                }
                depth += 1;
            }
            Event::Empty(s) => {
                let name = local(s.name().as_ref());
                if depth == 0 {
                    out.push(name);
                } else if is_leaf(&name) {
                    out.push(format!("{name}[{}]=", attr(&s)));
                } else {
                    out.push(format!("{name}[{}]{{", attr(&s)));
                    out.push("}".into());
                }
            }
            Event::Text(t) => {
                if let Some((_, _, text)) = leaf.as_mut() {
                    text.push_str(&t.unescape().unwrap());
                }
            }
            Event::CData(t) => {
                if let Some((_, _, text)) = leaf.as_mut() {
                    text.push_str(std::str::from_utf8(&t).unwrap());
                }
            }
            Event::End(_) => {
                depth -= 1;
                match leaf.take() {
                    Some((name, a, text)) => out.push(format!("{name}[{a}]={text}")),
                    None if depth > 0 => out.push("}".into()),
                    None => {}
                }
            }
            Event::Eof => return out,
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
        const PIECES: [&str; 14] = [
            "plain", " spaced ", "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#65;", "&#x1F600;", "&#xD;&#xA;",
            "<![CDATA[<raw & ]]>", "<!-- note -->", "<?pi x?>", "é漢",
        ];
        (0..rng.usize(..5)).map(|_| PIECES[rng.usize(..PIECES.len())]).collect()
    }
    fn attributes(rng: &mut fastrand::Rng) -> String {
        match rng.u8(..4) {
            0 => format!(" x:a=\"{}\" xmlns:x=\"urn:x\"", ["v", "a&amp;b", "q&quot;", "1>2", ""][rng.usize(..5)]),
            1 => format!(" other='1' a='{}'", ["w", "&lt;x&gt;", "it&apos;s"][rng.usize(..3)]),
            _ => String::new(),
        }
    }
    fn element(rng: &mut fastrand::Rng, depth: usize, out: &mut String) {
        let n = rng.usize(..100);
        let leaf = depth >= 4 || rng.bool();
        let name = name(rng, leaf, n);
        let attrs = attributes(rng);
        if rng.u8(..6) == 0 {
            out.push_str(&format!("<{name}{attrs}/>"));
            return;
        }
        out.push_str(&format!("<{name}{attrs}>"));
        if leaf {
            out.push_str(&text(rng));
        } else {
            for _ in 0..rng.usize(..4) {
                if rng.bool() {
                    out.push_str(["\n  ", "<!-- c -->", "<?pi?>", " "][rng.usize(..4)]);
                }
                element(rng, depth + 1, out);
            }
        }
        out.push_str(&format!("</{name}>"));
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
        let expected = reference(doc.as_bytes());
        let got = ours(doc.as_bytes()).unwrap_or_else(|e| panic!("case {case}: {e}\n{doc}"));
        assert_eq!(got, expected, "case {case}:\n{doc}");
    }
}
