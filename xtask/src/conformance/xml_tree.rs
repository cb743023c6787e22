//! XML documents as trees for comparison: qualified names, attributes as a sorted map, text of leaf
//! elements exactly, whitespace between elements ignored.

use quick_xml::events::Event;
use std::collections::BTreeMap;

#[derive(Debug, Default, PartialEq)]
pub struct Node {
    name: String,
    attributes: BTreeMap<String, String>,
    text: String,
    children: Vec<Node>,
}

pub fn parse(text: &str) -> Result<Node, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => stack.push(node(&e)?),
            Event::Empty(e) => {
                let n = node(&e)?;
                match stack.last_mut() {
                    Some(p) => p.children.push(n),
                    None => root = Some(n),
                }
            }
            Event::End(_) => {
                let mut n = stack.pop().ok_or("unbalanced end tag")?;
                if !n.children.is_empty() && n.text.trim().is_empty() {
                    n.text.clear();
                }
                match stack.last_mut() {
                    Some(p) => p.children.push(n),
                    None => root = Some(n),
                }
            }
            Event::Text(t) => {
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&t.unescape().map_err(|e| e.to_string())?);
                }
            }
            Event::CData(t) => {
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.ok_or_else(|| "no root element".to_string())
}

/// Puts the entries of every map in key order, guided by the model type of `node`: maps are
/// unordered (the SDK holds them in `HashMap`s and writes them sorted), so their order is not
/// part of what a case checks. Everything else keeps its document order.
pub fn sort_map_entries(service: &codegen::ir::Service, node: &mut Node, ty: &codegen::ir::Type) {
    use codegen::ir::Type;
    match ty {
        Type::Structure(name) => {
            let st = service.structure(*name);
            for m in &st.members {
                if let Type::Map(map) = &m.ty {
                    if map.flattened {
                        sort_run(&mut node.children, &m.wire_name, &map.key_xml_name);
                    }
                }
            }
            for child in node.children.iter_mut() {
                let Some(m) = st.members.iter().find(|m| m.wire_name == child.name || m.xml_parse_name == child.name)
                else {
                    continue;
                };
                match &m.ty {
                    Type::List(list) if list.flattened => sort_map_entries(service, child, &list.member),
                    Type::Map(map) if map.flattened => {
                        if let Some(v) = child.children.iter_mut().find(|c| c.name == map.value_xml_name) {
                            sort_map_entries(service, v, &map.value);
                        }
                    }
                    other => sort_map_entries(service, child, other),
                }
            }
        }
        Type::List(list) => {
            for item in node.children.iter_mut() {
                sort_map_entries(service, item, &list.member);
            }
        }
        Type::Map(map) => {
            let names: Vec<String> = node.children.iter().map(|c| c.name.clone()).collect();
            if let Some(first) = names.first() {
                sort_run(&mut node.children, &first.clone(), &map.key_xml_name);
            }
            for entry in node.children.iter_mut() {
                if let Some(v) = entry.children.iter_mut().find(|c| c.name == map.value_xml_name) {
                    sort_map_entries(service, v, &map.value);
                }
            }
        }
        _ => {}
    }
}

/// Sorts the children named `name` by the text of their `key` child, in the positions they hold.
fn sort_run(children: &mut [Node], name: &str, key: &str) {
    let positions: Vec<usize> = (0..children.len()).filter(|i| children[*i].name == name).collect();
    let key_of = |n: &Node| n.children.iter().find(|c| c.name == key).map(|c| c.text.clone()).unwrap_or_default();
    let mut run: Vec<Node> = positions.iter().map(|i| std::mem::take(&mut children[*i])).collect();
    run.sort_by_key(key_of);
    for (i, n) in positions.into_iter().zip(run) {
        children[i] = n;
    }
}

fn node(e: &quick_xml::events::BytesStart<'_>) -> Result<Node, String> {
    let mut attributes = BTreeMap::new();
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let value = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
        attributes.insert(String::from_utf8_lossy(a.key.as_ref()).into_owned(), value);
    }
    Ok(Node {
        name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
        attributes,
        text: String::new(),
        children: Vec::new(),
    })
}
