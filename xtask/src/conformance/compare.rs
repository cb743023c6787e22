//! Value comparison guided by the model type: structures, lists, maps, timestamps, blobs and floats.

use super::base64::unbase64;
use codegen::ir::{Location, Scalar, Service, Type};
use serde_json::Value;

/// Compares an expected value (botocore's test form) with our JSON output, guided by the model type.
/// `raw` marks a raw payload member (a blob or stream body given as text).
pub(super) fn compare(service: &Service, ty: &Type, expected: &Value, actual: &Value, path: &str, raw: bool) -> Result<(), String> {
    let mismatch = || Err(format!("{path}: expected {expected}, got {actual}"));
    match ty {
        Type::Structure(name) => {
            let (Value::Object(want), Value::Object(got)) = (expected, actual) else { return mismatch() };
            let st = service.structure(*name);
            for (k, v) in want {
                let member = st.members.iter().find(|m| &m.name == k);
                let sub = format!("{path}.{k}");
                match (member, got.get(k)) {
                    (Some(m), Some(a)) => compare(service, &m.ty, v, a, &sub, matches!(m.location, Location::Payload(_)))?,
                    (Some(_), None) if is_empty(v) => {}
                    (None, Some(a)) => compare_untyped(v, a, &sub)?,
                    (_, None) => return Err(format!("{sub}: expected {v}, but it is absent")),
                }
            }
            for (k, v) in got {
                if !want.contains_key(k) && !is_empty(v) {
                    return Err(format!("{path}.{k}: not expected, got {v}"));
                }
            }
            Ok(())
        }
        Type::List(list) => {
            let (Value::Array(want), Value::Array(got)) = (expected, actual) else { return mismatch() };
            if want.len() != got.len() {
                return mismatch();
            }
            for (i, (w, g)) in want.iter().zip(got).enumerate() {
                compare(service, &list.member, w, g, &format!("{path}[{i}]"), false)?;
            }
            Ok(())
        }
        Type::Map(map) => {
            let (Value::Object(want), Value::Object(got)) = (expected, actual) else { return mismatch() };
            if want.len() != got.len() {
                return mismatch();
            }
            for (k, w) in want {
                let Some(g) = got.get(k) else { return mismatch() };
                compare(service, &map.value, w, g, &format!("{path}.{k}"), false)?;
            }
            Ok(())
        }
        Type::Scalar(Scalar::Timestamp) => match (timestamp_value(expected), timestamp_value(actual)) {
            (Some(w), Some(g)) if (w - g).abs() < 1e-3 => Ok(()),
            _ => mismatch(),
        },
        Type::Scalar(Scalar::Blob) | Type::Stream => {
            let want = expected.as_str().map(|s| s.as_bytes().to_vec());
            let got = match actual {
                Value::String(s) if raw || *ty == Type::Stream => Some(s.as_bytes().to_vec()),
                Value::String(s) => unbase64(s),
                Value::Object(o) => o.get("base64").and_then(Value::as_str).and_then(unbase64),
                _ => None,
            };
            if want.is_some() && want == got {
                Ok(())
            } else {
                mismatch()
            }
        }
        Type::Scalar(Scalar::Float | Scalar::Double) => {
            let (Some(w), Some(g)) = (float_value(expected), float_value(actual)) else { return mismatch() };
            let same = if w.is_nan() || g.is_nan() {
                w.is_nan() && g.is_nan()
            } else if *ty == Type::Scalar(Scalar::Float) {
                (w as f32) == (g as f32)
            } else {
                w == g || (w - g).abs() <= 1e-9 * w.abs().max(1.0)
            };
            if same {
                Ok(())
            } else {
                mismatch()
            }
        }
        _ => compare_untyped(expected, actual, path),
    }
}

pub(super) fn compare_untyped(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (k, v) in want {
                match got.get(k) {
                    Some(g) => compare_untyped(v, g, &format!("{path}.{k}"))?,
                    None => return Err(format!("{path}.{k}: expected {v}, but it is absent")),
                }
            }
            for (k, v) in got {
                if !want.contains_key(k) && !is_empty(v) {
                    return Err(format!("{path}.{k}: not expected, got {v}"));
                }
            }
            Ok(())
        }
        (Value::Number(w), Value::Number(g)) if w.as_f64() == g.as_f64() => Ok(()),
        (w, g) if w == g => Ok(()),
        _ => Err(format!("{path}: expected {expected}, got {actual}")),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn float_value(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            other => other.parse().ok(),
        },
        _ => None,
    }
}

/// Seconds since the epoch of a timestamp given as a number or an ISO 8601 string.
fn timestamp_value(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_iso8601(s),
        _ => None,
    }
}

fn parse_iso8601(s: &str) -> Option<f64> {
    let s = s.trim();
    let (date, time) = s.split_once(['T', 't', ' '])?;
    let mut d = date.split('-');
    let (y, mo, da): (i64, i64, i64) = (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
    let time = time.trim_end_matches(['Z', 'z']);
    let (time, offset) = match time.rfind(['+', '-']) {
        Some(i) if i >= 8 => {
            let (t, o) = time.split_at(i);
            let sign = if o.starts_with('-') { -1.0 } else { 1.0 };
            let (oh, om) = o[1..].split_once(':').unwrap_or((&o[1..], "0"));
            (t, sign * (oh.parse::<f64>().ok()? * 3600.0 + om.parse::<f64>().ok()? * 60.0))
        }
        _ => (time, 0.0),
    };
    let mut t = time.split(':');
    let (h, mi, sec): (f64, f64, f64) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy.rem_euclid(400);
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + h * 3600.0 + mi * 60.0 + sec - offset)
}
