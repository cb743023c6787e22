//! URIs as the comparison sees them: authority, raw path, decoded query parameters.

pub struct Uri {
    pub authority: String,
    pub path: String,
    pub query: Vec<(String, Option<String>)>,
}

pub fn parse(text: &str) -> Uri {
    let (authority, rest) = match text.split_once("://") {
        Some((_, after)) => match after.find('/') {
            Some(i) => (after[..i].to_string(), &after[i..]),
            None => match after.find('?') {
                Some(i) => (after[..i].to_string(), &after[i..]),
                None => (after.to_string(), "/"),
            },
        },
        None => (String::new(), text),
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = if path.is_empty() { "/".to_string() } else { path.to_string() };
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), Some(decode(v))),
            None => (decode(p), None),
        })
        .collect();
    Uri { authority, path, query }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
