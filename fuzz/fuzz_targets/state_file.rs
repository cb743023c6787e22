//! Fuzz target: the transfer state file parser that resuming an upload or download reads.
//!
//! The input's first byte picks the kind of file expected (upload, download, copy); the rest is the
//! file's text. Parsing must never panic; the parts it yields must be unique and in order; and writing
//! what was read the way the transfer manager does must read back the same (header numbers that are
//! not integers only nearly: serde_json does not promise to round floats exactly, and none is used).
#![no_main]

use cos_sdk::fuzzing::{parse_state, state_text};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const KINDS: [&str; 3] = ["upload", "download", "copy"];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let kind = KINDS[usize::from(first) % KINDS.len()];
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let Ok(state) = parse_state(text, kind) else { return };
    assert!(state.parts.windows(2).all(|w| w[0].number < w[1].number), "parts out of order: {state:?}");
    let written = state_text(kind, &state);
    let back = parse_state(&written, kind).unwrap_or_else(|e| panic!("{written:?} does not read back: {e}"));
    assert_eq!(back.parts, state.parts, "{written:?} reads back other parts");
    let same_header = back.header.len() == state.header.len()
        && back.header.iter().all(|(name, value)| state.header.get(name).is_some_and(|old| same(value, old)));
    assert!(same_header, "{written:?} reads back another header: {:?}", back.header);
});

/// Whether two JSON values are equal, floats within a relative 1e-12.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(name, value)| y.get(name).is_some_and(|other| same(value, other)))
        }
        _ => a == b,
    }
}
