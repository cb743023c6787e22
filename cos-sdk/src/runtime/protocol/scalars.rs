//! Scalar values on the wire: text forms of numbers, booleans, blobs and timestamps, body readers, and
//! the checks generated builders and readers call. All non-generic.

use crate::runtime::error::Error;
pub use crate::runtime::base64::{base64_decode, base64_encode};
use crate::runtime::http::body::ByteStream;
use crate::runtime::protocol::datetime::{DateTime, TimestampFormat};
use bytes::Bytes;
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

/// The conversions every generated enum has besides its own `as_str` and `From<&str>` (which hold
/// the model's values): from and into `String`, `FromStr` (never failing), `AsRef<str>` and
/// `Display`, all by way of those two. Generated code calls it as `rt::wire_enum_conversions!`.
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_enum_conversions {
    ($name:ident) => {
        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }
        impl ::std::convert::From<$name> for ::std::string::String {
            fn from(value: $name) -> Self {
                value.as_str().to_string()
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, ::std::convert::Infallible> {
                ::std::result::Result::Ok(Self::from(value))
            }
        }
        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
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

pub(crate) fn bad_value(what: &str, text: &str, expected: &str) -> Error {
    Error::response_parse(format!("`{what}` is `{text}`, which is not {expected}"))
}

/// A 32-bit float member: parsed as `f64` (with its `NaN` and infinity forms) and narrowed.
pub fn parse_f32(text: &str, what: &str) -> Result<f32, Error> {
    parse_f64(text, what).map(|value| value as f32)
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
    let mut token = String::with_capacity(36);
    for (i, group) in [&bytes[0..4], &bytes[4..6], &bytes[6..8], &bytes[8..10], &bytes[10..16]].into_iter().enumerate() {
        if i > 0 {
            token.push('-');
        }
        crate::runtime::base64::push_hex(&mut token, group);
    }
    token
}

#[cfg(test)]
mod tests {
    use super::*;

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
