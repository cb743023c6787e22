//! Response headers read into members: text, lists (split on commas outside quotes), timestamps,
//! base64 JSON, and prefixed header maps (`x-amz-meta-*`).

use crate::runtime::error::Error;
use crate::runtime::protocol::datetime::{DateTime, TimestampFormat};
use crate::runtime::protocol::scalars::{
    bad_value, base64_decode, parse_base64, parse_bool, parse_f32, parse_f64, parse_i32, parse_i64, parse_timestamp,
};
use bytes::Bytes;
use http::header::AsHeaderName;
use http::{HeaderMap, HeaderName};
use std::collections::HashMap;

/// A header's name as the generated readers pass it: the `&HeaderName` they matched, or a literal.
pub trait HeaderKey<'a>: AsHeaderName + Copy {
    /// The name as text, for error messages.
    fn text(self) -> &'a str;
}
impl<'a> HeaderKey<'a> for &'a HeaderName {
    fn text(self) -> &'a str {
        self.as_str()
    }
}
impl<'a> HeaderKey<'a> for &'a str {
    fn text(self) -> &'a str {
        self
    }
}

/// A member type read from a header's text by parsing it; a parse error names the member.
pub trait FromHeader: Sized {
    /// Whether the values of a repeated header are joined with `,` before parsing; when not (an
    /// HTTP-date contains a comma itself), the first value counts.
    const JOINED: bool = true;
    /// Parses `text`, the value of model member `member`.
    fn from_header(text: &str, member: &str) -> Result<Self, Error>;
}

macro_rules! from_header_by {
    ($($ty:ty => $parse:expr),* $(,)?) => {$(
        impl FromHeader for $ty {
            fn from_header(text: &str, member: &str) -> Result<Self, Error> {
                $parse(text, member)
            }
        }
    )*};
}

from_header_by! {
    bool => parse_bool,
    i32 => parse_i32,
    i64 => parse_i64,
    f32 => parse_f32,
    f64 => parse_f64,
    Bytes => parse_base64,
}

impl FromHeader for DateTime {
    const JOINED: bool = false;
    fn from_header(text: &str, member: &str) -> Result<Self, Error> {
        parse_timestamp(text, TimestampFormat::HttpDate, member)
    }
}

/// Header `name` parsed into a number, a boolean, base64 bytes or an HTTP-date timestamp; a value
/// that does not parse is an error naming model member `member`.
pub fn header<'a, T: FromHeader>(
    headers: &HeaderMap,
    name: impl HeaderKey<'a>,
    member: &str,
) -> Result<Option<T>, Error> {
    if !T::JOINED {
        return first_value(headers, name)?.map(|text| T::from_header(text, member)).transpose();
    }
    let Some(text) = header_string(headers, name)? else { return Ok(None) };
    T::from_header(&text, member).map(Some)
}

/// Header `name` as text, or as an enum (a value the model does not list is kept as it came).
pub fn header_text<'a, T: From<String>>(headers: &HeaderMap, name: impl HeaderKey<'a>) -> Result<Option<T>, Error> {
    Ok(header_string(headers, name)?.map(T::from))
}

/// A header's value as text (all values of a repeated header, joined with `,`).
pub fn header_string<'a>(headers: &HeaderMap, name: impl HeaderKey<'a>) -> Result<Option<String>, Error> {
    let mut out: Option<String> = None;
    for value in headers.get_all(name) {
        let text = std::str::from_utf8(value.as_bytes())
            .map_err(|_| Error::response_parse(format!("header `{}` is not valid UTF-8", name.text())))?;
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

/// A list header split on commas outside double quotes, items trimmed and unquoted.
pub fn header_list<'a>(headers: &HeaderMap, name: impl HeaderKey<'a>) -> Result<Option<Vec<String>>, Error> {
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
pub fn header_timestamp<'a>(
    headers: &HeaderMap,
    name: impl HeaderKey<'a>,
    format: TimestampFormat,
) -> Result<Option<DateTime>, Error> {
    first_value(headers, name)?.map(|text| parse_timestamp(text, format, name.text())).transpose()
}

/// The first value of header `name` (a repeated one is not joined), which must be ASCII.
fn first_value<'h, 'a>(headers: &'h HeaderMap, name: impl HeaderKey<'a>) -> Result<Option<&'h str>, Error> {
    let Some(value) = headers.get(name) else { return Ok(None) };
    value.to_str().map(Some).map_err(|_| Error::response_parse(format!("header `{}` is not ASCII", name.text())))
}

/// A list of timestamps in one header. HTTP-dates contain a comma themselves
/// (`Mon, 16 Dec 2019 23:48:18 GMT, Tue, 17 Dec 2019 ...`), so a piece that is only a weekday name is
/// joined with the piece after it.
pub fn header_timestamp_list<'a>(
    headers: &HeaderMap,
    name: impl HeaderKey<'a>,
    format: TimestampFormat,
) -> Result<Option<Vec<DateTime>>, Error> {
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
        out.push(parse_timestamp(&item, format, name.text())?);
    }
    Ok(Some(out))
}

/// A header that carries base64-encoded JSON text.
pub fn header_json<'a>(headers: &HeaderMap, name: impl HeaderKey<'a>) -> Result<Option<String>, Error> {
    match header_string(headers, name)? {
        None => Ok(None),
        Some(text) => {
            let bytes = base64_decode(&text).ok_or_else(|| bad_value(name.text(), &text, "base64"))?;
            String::from_utf8(bytes).map(Some).map_err(|_| bad_value(name.text(), &text, "base64 of UTF-8 JSON"))
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

    #[test]
    fn typed_headers_parse_and_name_the_member() {
        let mut h = HeaderMap::new();
        h.insert("content-length", "12".parse().unwrap());
        h.insert("last-modified", "Tue, 29 Apr 2014 18:30:38 GMT".parse().unwrap());
        h.append("x-amz-tags", "a".parse().unwrap());
        h.append("x-amz-tags", "b".parse().unwrap());
        h.insert("x-amz-delete-marker", "maybe".parse().unwrap());
        // A repeated date: the first counts (joined, the two would not parse).
        h.append("last-modified", "Wed, 30 Apr 2014 18:30:38 GMT".parse().unwrap());
        assert_eq!(header::<i64>(&h, "content-length", "ContentLength").unwrap(), Some(12));
        assert_eq!(header::<i64>(&h, "x-absent", "Absent").unwrap(), None);
        let modified: DateTime = header(&h, "last-modified", "LastModified").unwrap().unwrap();
        assert_eq!(modified.secs(), 1_398_796_238);
        assert_eq!(header_text::<String>(&h, "x-amz-tags").unwrap().as_deref(), Some("a,b"));
        let name = HeaderName::from_static("x-amz-delete-marker");
        let err = header::<bool>(&h, &name, "DeleteMarker").unwrap_err().to_string();
        assert!(err.contains("`DeleteMarker` is `maybe`"), "{err}");
    }
}
