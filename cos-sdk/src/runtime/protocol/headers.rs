//! Response headers read into members: text, lists (split on commas outside quotes), timestamps,
//! base64 JSON, and prefixed header maps (`x-amz-meta-*`).

use crate::runtime::error::Error;
use crate::runtime::protocol::datetime::{DateTime, TimestampFormat};
use crate::runtime::protocol::scalars::{bad_value, base64_decode, parse_timestamp};
use http::HeaderMap;
use std::collections::HashMap;

/// A header's value as text (all values of a repeated header, joined with `,`).
pub fn header_string(headers: &HeaderMap, name: &str) -> Result<Option<String>, Error> {
    let mut out: Option<String> = None;
    for value in headers.get_all(name) {
        let text = std::str::from_utf8(value.as_bytes())
            .map_err(|_| Error::response_parse(format!("header `{name}` is not valid UTF-8")))?;
        match &mut out {
            Some(existing) => {
                existing.push(',');
                existing.push_str(text);
            }
            None => out = Some(text.to_string()),
        }
    }
    Ok(out)
}

/// A header's value read by `parse` (one of the scalar `parse_*` functions), whose errors name the
/// model member `member`.
pub fn header_parsed<T>(
    headers: &HeaderMap,
    name: &str,
    member: &str,
    parse: fn(&str, &str) -> Result<T, Error>,
) -> Result<Option<T>, Error> {
    header_string(headers, name)?.map(|text| parse(&text, member)).transpose()
}

/// A list header split on commas outside double quotes, items trimmed and unquoted.
pub fn header_list(headers: &HeaderMap, name: &str) -> Result<Option<Vec<String>>, Error> {
    let Some(text) = header_string(headers, name)? else { return Ok(None) };
    let mut items = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut item = String::new();
        let mut more = false;
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => item.extend(chars.next()),
                    '"' => break,
                    c => item.push(c),
                }
            }
            // Skip anything between the closing quote and the next comma.
            for c in chars.by_ref() {
                if c == ',' {
                    more = true;
                    break;
                }
            }
        } else {
            for c in chars.by_ref() {
                if c == ',' {
                    more = true;
                    break;
                }
                item.push(c);
            }
            item.truncate(item.trim_end().len());
        }
        items.push(item);
        if !more {
            return Ok(Some(items));
        }
    }
}

/// Quotes a list item for a list header when it contains a comma or a double quote.
pub fn quote_header_list_item(item: &str) -> String {
    if item.contains([',', '"']) {
        format!("\"{}\"", item.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        item.to_string()
    }
}

/// A timestamp header (an HTTP-date contains a comma, so it is never split).
pub fn header_timestamp(headers: &HeaderMap, name: &str, format: TimestampFormat) -> Result<Option<DateTime>, Error> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => {
            let text = value.to_str().map_err(|_| Error::response_parse(format!("header `{name}` is not ASCII")))?;
            parse_timestamp(text, format, name).map(Some)
        }
    }
}

/// A list of timestamps in one header. HTTP-dates contain a comma themselves
/// (`Mon, 16 Dec 2019 23:48:18 GMT, Tue, 17 Dec 2019 ...`), so a piece that is only a weekday name is
/// joined with the piece after it.
pub fn header_timestamp_list(headers: &HeaderMap, name: &str, format: TimestampFormat) -> Result<Option<Vec<DateTime>>, Error> {
    let Some(text) = header_string(headers, name)? else { return Ok(None) };
    let mut out = Vec::new();
    let mut pieces = text.split(',').map(str::trim).peekable();
    while let Some(piece) = pieces.next() {
        let is_weekday = piece.len() == 3 && ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].contains(&piece);
        let item = match (is_weekday, pieces.peek()) {
            (true, Some(rest)) => {
                let joined = format!("{piece}, {rest}");
                pieces.next();
                joined
            }
            _ => piece.to_string(),
        };
        out.push(parse_timestamp(&item, format, name)?);
    }
    Ok(Some(out))
}

/// A header that carries base64-encoded JSON text.
pub fn header_json(headers: &HeaderMap, name: &str) -> Result<Option<String>, Error> {
    match header_string(headers, name)? {
        None => Ok(None),
        Some(text) => {
            let bytes = base64_decode(&text).ok_or_else(|| bad_value(name, &text, "base64"))?;
            String::from_utf8(bytes).map(Some).map_err(|_| bad_value(name, &text, "base64 of UTF-8 JSON"))
        }
    }
}

/// Headers starting with `prefix` (case-insensitive), keyed by the rest of their name.
pub fn prefix_headers(headers: &HeaderMap, prefix: &str) -> Option<HashMap<String, String>> {
    let prefix = prefix.to_ascii_lowercase();
    let map: HashMap<String, String> = headers
        .iter()
        .filter_map(|(name, value)| {
            let key = name.as_str().strip_prefix(prefix.as_str())?;
            Some((key.to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        })
        .collect();
    (!map.is_empty()).then_some(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_headers() {
        let mut h = HeaderMap::new();
        h.insert("x-list", "a, \"b,c\" ,\"d\\\"e\"".parse().unwrap());
        assert_eq!(header_list(&h, "x-list").unwrap().unwrap(), vec!["a", "b,c", "d\"e"]);
        assert_eq!(quote_header_list_item("b,c"), "\"b,c\"");
    }
}
