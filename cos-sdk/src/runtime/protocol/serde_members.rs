//! serde helpers for members JSON cannot hold as they are (the `serde` feature): non-finite floats,
//! JSON text members and blobs.

use crate::runtime::protocol::scalars::{base64_decode, base64_encode, fmt_f32, fmt_float, parse_f64};

/// serde for floating-point members: numbers, and `"NaN"`, `"Infinity"`, `"-Infinity"` as strings
/// (JSON has no literals for them).
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
