//! Scalar values on the wire: text forms of numbers, booleans, blobs and timestamps, header and body
//! readers, error documents, and the checks generated builders and readers call. All non-generic.

use crate::datetime::{DateTime, TimestampFormat};
use crate::error::{Error, ServiceError};
use crate::xml::{XmlDocument, XmlElement};
use crate::ByteStream;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use std::collections::HashMap;

/// An enum value the model does not list, kept as the server sent it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    #[doc(hidden)]
    pub fn new(value: &str) -> Self {
        UnknownValue(value.to_string())
    }
    /// The value as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A required member of a builder, or an error that names it and the setter to call.
pub fn required<T>(value: Option<T>, shape: &str, member: &str, setter: &str) -> Result<T, Error> {
    value.ok_or_else(|| Error::invalid_input(format!("{shape}.{member} is required: set it with `.{setter}(...)`")))
}

/// Checks a model `min` constraint (a length, or a value for numbers).
pub fn check_min(shape: &str, member: &str, what: &str, actual: i64, min: i64) -> Result<(), Error> {
    if actual < min {
        return Err(Error::invalid_input(format!(
            "{shape}.{member}: {what} {actual} is below the minimum of {min}"
        )));
    }
    Ok(())
}

/// A member the model requires in a response, or a parse error naming it.
pub fn required_in_response<T>(value: Option<T>, shape: &str, member: &str) -> Result<T, Error> {
    value.ok_or_else(|| {
        Error::response_parse(format!("the response lacks `{member}` of `{shape}`, which the model requires"))
    })
}

/// `true` / `false`.
pub fn fmt_bool(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// A float as text: `1.5`, `1.0`, `NaN`, `Infinity`, `-Infinity`.
pub fn fmt_float(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        format!("{value:?}")
    }
}

/// An `f32` as text in its own shortest form (`4.1`, not the `4.099999904632568` of its `f64` value).
pub fn fmt_f32(value: f32) -> String {
    if value.is_finite() {
        format!("{value:?}")
    } else {
        fmt_float(f64::from(value))
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional, whitespace ignored); `None` when it is not base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut padding = 0;
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            padding += 1;
            continue;
        }
        if padding > 0 {
            return None;
        }
        let v = BASE64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if padding > 2 {
        return None;
    }
    Some(out)
}

fn bad_value(what: &str, text: &str, expected: &str) -> Error {
    Error::response_parse(format!("`{what}` is `{text}`, which is not {expected}"))
}

/// Parses an integer that fits `i32`.
pub fn parse_i32(text: &str, what: &str) -> Result<i32, Error> {
    text.trim().parse().map_err(|_| bad_value(what, text, "a 32-bit integer"))
}
/// Parses an integer that fits `i64`.
pub fn parse_i64(text: &str, what: &str) -> Result<i64, Error> {
    text.trim().parse().map_err(|_| bad_value(what, text, "a 64-bit integer"))
}
/// Parses `true` or `false` (any case).
pub fn parse_bool(text: &str, what: &str) -> Result<bool, Error> {
    match text.trim() {
        t if t.eq_ignore_ascii_case("true") => Ok(true),
        t if t.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(bad_value(what, text, "true or false")),
    }
}
/// Parses a number, including `NaN`, `Infinity` and `-Infinity`.
pub fn parse_f64(text: &str, what: &str) -> Result<f64, Error> {
    match text.trim() {
        "NaN" => Ok(f64::NAN),
        "Infinity" => Ok(f64::INFINITY),
        "-Infinity" => Ok(f64::NEG_INFINITY),
        t => t.parse().map_err(|_| bad_value(what, text, "a number")),
    }
}
/// Parses a timestamp in any of the three forms, `format` first.
pub fn parse_timestamp(text: &str, format: TimestampFormat, what: &str) -> Result<DateTime, Error> {
    DateTime::parse(text, format).ok_or_else(|| bad_value(what, text, "a timestamp"))
}
/// Decodes base64.
pub fn parse_base64(text: &str, what: &str) -> Result<Bytes, Error> {
    base64_decode(text).map(Bytes::from).ok_or_else(|| bad_value(what, text, "base64"))
}

/// Reads an `i32` element.
pub fn xml_i32(e: &XmlElement) -> Result<i32, Error> {
    parse_i32(e.text(), e.name())
}
/// Reads an `i64` element.
pub fn xml_i64(e: &XmlElement) -> Result<i64, Error> {
    parse_i64(e.text(), e.name())
}
/// Reads a boolean element.
pub fn xml_bool(e: &XmlElement) -> Result<bool, Error> {
    parse_bool(e.text(), e.name())
}
/// Reads a number element.
pub fn xml_f64(e: &XmlElement) -> Result<f64, Error> {
    parse_f64(e.text(), e.name())
}
/// Reads a timestamp element.
pub fn xml_timestamp(e: &XmlElement, format: TimestampFormat) -> Result<DateTime, Error> {
    parse_timestamp(e.text(), format, e.name())
}
/// Reads a base64 element.
pub fn xml_base64(e: &XmlElement) -> Result<Bytes, Error> {
    parse_base64(e.text(), e.name())
}

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

/// A map's entries sorted by key, so that requests are the same bytes every time.
pub fn sorted_entries<V>(map: &HashMap<String, V>) -> Vec<(&str, &V)> {
    let mut entries: Vec<(&str, &V)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
    entries.sort_unstable_by_key(|(k, _)| *k);
    entries
}

fn in_memory(body: &ByteStream) -> Result<&Bytes, Error> {
    body.as_bytes().ok_or_else(|| Error::response_parse("the response body was not read before parsing"))
}

/// A blob payload; an empty body is no payload.
pub fn body_bytes(body: &ByteStream) -> Result<Option<Bytes>, Error> {
    let bytes = in_memory(body)?;
    Ok((!bytes.is_empty()).then(|| bytes.clone()))
}

/// A text payload.
pub fn body_string(body: &ByteStream) -> Result<Option<String>, Error> {
    let bytes = in_memory(body)?;
    String::from_utf8(bytes.to_vec())
        .map(Some)
        .map_err(|_| Error::response_parse("the response body is not valid UTF-8 text"))
}

/// Decodes `application/x-www-form-urlencoded`-style text in place (`+` is a space), as S3 sends
/// keys when asked for `encoding-type=url`.
pub fn url_decode_in_place(value: &mut Option<String>) -> Result<(), Error> {
    if let Some(text) = value.as_mut() {
        let spaced = text.replace('+', " ");
        let decoded = percent_encoding::percent_decode_str(&spaced)
            .decode_utf8()
            .map_err(|_| Error::response_parse(format!("`{text}` does not URL-decode to UTF-8")))?;
        *text = decoded.into_owned();
    }
    Ok(())
}

/// A random UUID (version 4): idempotency tokens and `amz-sdk-invocation-id`.
pub fn idempotency_token() -> String {
    let mut bytes = [0u8; 16];
    bytes.iter_mut().for_each(|b| *b = fastrand::u8(..));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// The `<Error>` element of an error body (also inside `<ErrorResponse>` or `<Errors>`).
pub fn error_element(body: &ByteStream) -> Option<XmlElement<'_>> {
    let doc = XmlDocument::parse_optional(body).ok()??;
    find_error(doc.root()).cloned()
}

fn find_error<'e, 'a>(root: &'e XmlElement<'a>) -> Option<&'e XmlElement<'a>> {
    if root.name() == "Error" {
        return Some(root);
    }
    root.children().find_map(|c| if c.name() == "Error" { Some(c) } else { c.child("Error") })
}

/// Whether a response is an error: any status from 300 up, and for operations that can answer
/// `200 OK` with an error, a 200 whose body is an `<Error>` document or is not XML at all.
pub fn is_error_response(status: StatusCode, body: &ByteStream, error_in_200: bool) -> bool {
    if status.as_u16() >= 300 {
        return true;
    }
    if !error_in_200 {
        return false;
    }
    match XmlDocument::parse_optional(body) {
        Ok(Some(doc)) => doc.root().name() == "Error",
        Ok(None) | Err(_) => true,
    }
}

/// The details of an error response: from its `<Error>` body when there is one, else from the
/// status (a HEAD error has no body) and the `x-amz-request-id` / `x-amz-id-2` headers.
pub fn error_details(status: StatusCode, headers: &HeaderMap, body: &ByteStream) -> ServiceError {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let element = error_element(body);
    let fallback_code = if status.is_success() {
        // A 200 that should have been a result: treat it like the server error it is.
        "InternalError".to_string()
    } else {
        status.canonical_reason().unwrap_or("Unknown").replace([' ', '-'], "")
    };
    let (mut code, mut message, mut request_id, mut host_id, mut extras) = (None, None, None, None, Vec::new());
    if let Some(e) = &element {
        for child in e.children() {
            let text = child.text().to_string();
            match child.name() {
                "Code" => code = Some(text),
                "Message" => message = Some(text),
                "RequestId" => request_id = Some(text),
                "HostId" => host_id = Some(text),
                other => extras.push((other.to_string(), text)),
            }
        }
    }
    if element.is_none() && status.is_success() {
        message = Some("the service answered 200 OK with a body that is not a valid result document".into());
    }
    ServiceError::new(status.as_u16(), code.filter(|c| !c.is_empty()).unwrap_or(fallback_code))
        .with_message(message)
        .with_request_id(request_id.or_else(|| header("x-amz-request-id")))
        .with_host_id(host_id.or_else(|| header("x-amz-id-2")))
        .with_extras(extras)
}

/// serde for floating-point members: numbers, and `"NaN"`, `"Infinity"`, `"-Infinity"` as strings
/// (JSON has no literals for them).
#[cfg(feature = "serde")]
pub mod serde_float {
    /// Writes a number, or a string for values JSON cannot hold.
    pub fn serialize<S: serde::Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        if value.is_finite() {
            s.serialize_f64(*value)
        } else {
            s.serialize_str(&super::fmt_float(*value))
        }
    }

    /// Reads a number or one of the three strings.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = f64;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number, or \"NaN\", \"Infinity\" or \"-Infinity\"")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<f64, E> {
                Ok(v)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<f64, E> {
                super::parse_f64(v, "number").map_err(|_| E::custom(format!("`{v}` is not a number")))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// [`serde_float`] for optional `f64` members.
#[cfg(feature = "serde")]
pub mod serde_float_opt {
    /// Writes a number or a string (callers skip `None`).
    pub fn serialize<S: serde::Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::serde_float::serialize(v, s),
            None => s.serialize_none(),
        }
    }
    /// Reads a number or one of the three strings.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        super::serde_float::deserialize(d).map(Some)
    }
}

/// [`serde_float`] for `f32` members.
#[cfg(feature = "serde")]
pub mod serde_f32 {
    /// Writes a number (in the `f32`'s own shortest form) or a string.
    pub fn serialize<S: serde::Serializer>(value: &f32, s: S) -> Result<S::Ok, S::Error> {
        if value.is_finite() {
            s.serialize_f32(*value)
        } else {
            s.serialize_str(&super::fmt_f32(*value))
        }
    }
    /// Reads a number or one of the three strings.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        super::serde_float::deserialize(d).map(|v| v as f32)
    }
}

/// [`serde_float`] for optional `f32` members.
#[cfg(feature = "serde")]
pub mod serde_f32_opt {
    /// Writes a number or a string (callers skip `None`).
    pub fn serialize<S: serde::Serializer>(value: &Option<f32>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::serde_f32::serialize(v, s),
            None => s.serialize_none(),
        }
    }
    /// Reads a number or one of the three strings.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
        super::serde_f32::deserialize(d).map(Some)
    }
}

/// serde for members holding JSON text (the model's `jsonvalue`): any JSON value in, its compact text
/// kept; the text parsed back into a JSON value out (or kept as a string when it is not JSON).
#[cfg(feature = "serde")]
pub mod serde_json_text {
    /// Writes the JSON value the text holds.
    pub fn serialize<S: serde::Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
        match serde_json::from_str::<serde_json::Value>(value) {
            Ok(json) => serde::Serialize::serialize(&json, s),
            Err(_) => s.serialize_str(value),
        }
    }
    /// Reads any JSON value as its compact text.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
        Ok(value.to_string())
    }
}

/// [`serde_json_text`] for optional members.
#[cfg(feature = "serde")]
pub mod serde_json_text_opt {
    /// Writes the JSON value the text holds (callers skip `None`).
    pub fn serialize<S: serde::Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::serde_json_text::serialize(v, s),
            None => s.serialize_none(),
        }
    }
    /// Reads any JSON value as its compact text.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        super::serde_json_text::deserialize(d).map(Some)
    }
}

/// serde for blobs as base64 strings (boto3's JSON form).
#[cfg(feature = "serde")]
pub mod serde_blob {
    use bytes::Bytes;

    /// Writes base64.
    pub fn serialize<S: serde::Serializer>(value: &Bytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::base64_encode(value))
    }

    /// Reads base64.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        super::base64_decode(&text).map(Bytes::from).ok_or_else(|| serde::de::Error::custom("expected a base64 string"))
    }
}

/// serde for optional blobs as base64 strings.
#[cfg(feature = "serde")]
pub mod serde_blob_opt {
    use bytes::Bytes;

    /// Writes base64 (callers skip `None`).
    pub fn serialize<S: serde::Serializer>(value: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => super::serde_blob::serialize(bytes, s),
            None => s.serialize_none(),
        }
    }

    /// Reads base64.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Bytes>, D::Error> {
        super::serde_blob::deserialize(d).map(Some)
    }
}

/// The runtime side of the JSON bridge (`generated/json.rs`, the `serde` feature): boto3-style JSON
/// in and out of the generated types, raw payloads as strings, errors as boto3's error dict.
#[cfg(feature = "serde")]
pub mod json_bridge {
    use crate::error::Error;
    use crate::ByteStream;
    use bytes::Bytes;
    use serde_json::{Map, Value};

    /// A JSON value (what the bridge takes and gives).
    pub type JsonValue = Value;

    /// The error for an operation name the table does not have.
    pub fn json_unknown_operation(operation: &str) -> Error {
        Error::invalid_input(format!("`{operation}` is not an operation of this service; see `json::OPERATIONS`"))
    }

    /// The members of a JSON input: an object (`null` counts as `{}`).
    pub fn json_fields(input: Value, operation: &str) -> Result<Map<String, Value>, Error> {
        match input {
            Value::Object(map) => Ok(map),
            Value::Null => Ok(Map::new()),
            other => Err(Error::invalid_input(format!(
                "the JSON input of {operation} must be an object of its members, not `{other}`"
            ))),
        }
    }

    /// Takes a raw payload member (a blob, string or stream body) out of the input: a string is sent as
    /// its UTF-8 bytes, `{"base64": "..."}` as the decoded bytes; `null` or absent is no payload.
    pub fn json_take_payload(fields: &mut Map<String, Value>, member: &str, operation: &str) -> Result<Option<Bytes>, Error> {
        match fields.remove(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(Bytes::from(text))),
            Some(Value::Object(map)) if map.len() == 1 && map.get("base64").is_some_and(Value::is_string) => {
                let text = map["base64"].as_str().unwrap_or_default();
                super::base64_decode(text).map(|b| Some(Bytes::from(b))).ok_or_else(|| {
                    Error::invalid_input(format!("{operation}.{member}: `base64` is not valid base64"))
                })
            }
            Some(other) => Err(Error::invalid_input(format!(
                "{operation}.{member} is the request body: give a string or {{\"base64\": \"...\"}}, not `{other}`"
            ))),
        }
    }

    /// Deserializes an operation's input type from its members.
    pub fn json_input<T: serde::de::DeserializeOwned>(fields: Map<String, Value>, operation: &str) -> Result<T, Error> {
        serde_json::from_value(Value::Object(fields))
            .map_err(|e| Error::invalid_input(format!("the JSON input of {operation} does not fit its model: {e}")))
    }

    /// Serializes an output (or modeled error) to JSON.
    pub fn json_output<T: serde::Serialize>(value: &T, operation: &str) -> Result<Value, Error> {
        serde_json::to_value(value)
            .map_err(|e| Error::response_parse(format!("the output of {operation} cannot be written as JSON: {e}")))
    }

    /// Puts a raw payload into a JSON output: text when it is UTF-8, else base64 in `{"base64": "..."}`.
    pub fn json_put_payload(output: &mut Value, member: &str, payload: Option<&[u8]>) {
        let (Value::Object(map), Some(bytes)) = (output, payload) else { return };
        let value = match std::str::from_utf8(bytes) {
            Ok(text) => Value::String(text.to_string()),
            Err(_) => {
                let mut b = Map::new();
                b.insert("base64".into(), Value::String(super::base64_encode(bytes)));
                Value::Object(b)
            }
        };
        map.insert(member.to_string(), value);
    }

    /// boto3's error dict: `Error` (`Code`, `Message`, the other fields of the error document),
    /// `ResponseMetadata` (`HTTPStatusCode`, `RequestId`, `HostId`), and for a modeled error its
    /// members and `ModeledError`, the name of its shape.
    pub fn json_error(error: &Error, modeled: Option<(&str, Value)>) -> Value {
        let mut out = match &modeled {
            Some((_, Value::Object(map))) => map.clone(),
            _ => Map::new(),
        };
        if let Some((shape, _)) = modeled {
            out.insert("ModeledError".into(), Value::String(shape.to_string()));
        }
        let mut details = Map::new();
        let mut metadata = Map::new();
        match error.service_error() {
            Some(service) => {
                details.insert("Code".into(), Value::String(service.code().to_string()));
                if let Some(message) = service.message() {
                    details.insert("Message".into(), Value::String(message.to_string()));
                }
                for (name, value) in service.extras() {
                    details.insert(name.clone(), Value::String(value.clone()));
                }
                metadata.insert("HTTPStatusCode".into(), Value::from(service.status()));
                if let Some(id) = service.request_id() {
                    metadata.insert("RequestId".into(), Value::String(id.to_string()));
                }
                if let Some(id) = service.host_id() {
                    metadata.insert("HostId".into(), Value::String(id.to_string()));
                }
            }
            None => {
                details.insert("Code".into(), Value::String(format!("{:?}", error.kind())));
                details.insert("Message".into(), Value::String(error.to_string()));
            }
        }
        out.insert("Error".into(), Value::Object(details));
        out.insert("ResponseMetadata".into(), Value::Object(metadata));
        Value::Object(out)
    }

    /// Reads a response's body into memory, so the JSON bridge can parse and print it.
    pub async fn read_response_body(response: http::Response<ByteStream>) -> Result<http::Response<ByteStream>, Error> {
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await?;
        Ok(http::Response::from_parts(parts, ByteStream::from(bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for (raw, enc) in [(&b""[..], ""), (b"f", "Zg=="), (b"fo", "Zm8="), (b"foo", "Zm9v"), (b"foob", "Zm9vYg==")] {
            assert_eq!(base64_encode(raw), enc);
            assert_eq!(base64_decode(enc).unwrap(), raw);
        }
        assert_eq!(base64_decode("Zm9v!"), None);
    }

    #[test]
    fn list_headers() {
        let mut h = HeaderMap::new();
        h.insert("x-list", "a, \"b,c\" ,\"d\\\"e\"".parse().unwrap());
        assert_eq!(header_list(&h, "x-list").unwrap().unwrap(), vec!["a", "b,c", "d\"e"]);
        assert_eq!(quote_header_list_item("b,c"), "\"b,c\"");
    }

    #[test]
    fn error_details_from_body_and_status() {
        let body = ByteStream::from(
            "<Error><Code>NoSuchKey</Code><Message>gone</Message><Key>k</Key><RequestId>r1</RequestId></Error>",
        );
        let d = error_details(StatusCode::NOT_FOUND, &HeaderMap::new(), &body);
        assert_eq!((d.code(), d.message(), d.request_id(), d.extra("Key")), ("NoSuchKey", Some("gone"), Some("r1"), Some("k")));
        let mut h = HeaderMap::new();
        h.insert("x-amz-request-id", "r2".parse().unwrap());
        let d = error_details(StatusCode::NOT_FOUND, &h, &ByteStream::new());
        assert_eq!((d.code(), d.request_id()), ("NotFound", Some("r2")));
        assert!(is_error_response(StatusCode::OK, &ByteStream::from("<Error><Code>InternalError</Code></Error>"), true));
        assert!(is_error_response(StatusCode::OK, &ByteStream::from("<CopyObjectResult"), true));
        assert!(!is_error_response(StatusCode::OK, &ByteStream::from("<CopyObjectResult/>"), true));
    }

    #[test]
    fn url_decoding() {
        let mut v = Some("a+b%2Fc%C3%A9".to_string());
        url_decode_in_place(&mut v).unwrap();
        assert_eq!(v.as_deref(), Some("a b/cé"));
    }

    #[test]
    fn uuid_shape() {
        let t = idempotency_token();
        assert_eq!(t.len(), 36);
        assert_eq!(&t[14..15], "4");
        assert_ne!(t, idempotency_token());
    }
}
