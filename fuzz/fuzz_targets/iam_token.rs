//! Fuzz target: the IAM token service's JSON answer (`parse_token_response`), read at a few clock
//! readings (the epoch, a day before it, today, and far ahead), as a token refresh does.
//!
//! The input is the answer's body. Reading must never panic, and an error must not show the tokens.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use cos_sdk::fuzzing::parse_token_response;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const ENDPOINT: &str = "https://iam.cloud.ibm.com/identity/token";

fuzz_target!(|data: &[u8]| {
    let tokens: Vec<String> = match serde_json::from_slice::<Value>(data) {
        Ok(value) => ["access_token", "refresh_token"]
            .iter()
            .filter_map(|name| value.get(name).and_then(Value::as_str))
            .filter(|token| token.len() >= 8)
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    };
    let clocks = [
        UNIX_EPOCH,
        UNIX_EPOCH - Duration::from_secs(86_400),
        UNIX_EPOCH + Duration::from_secs(1_795_529_280),
        UNIX_EPOCH + Duration::from_secs(1 << 40),
    ];
    for now in clocks {
        if let Err(error) = parse_token_response(data, ENDPOINT, now) {
            let shown = format!("{error} {error:?}");
            for token in &tokens {
                assert!(!shown.contains(token.as_str()), "an error shows the token {token:?}: {shown}");
            }
        }
    }
});
