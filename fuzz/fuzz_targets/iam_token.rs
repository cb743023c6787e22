//! Fuzz target: the IAM token service's JSON answer (`parse_token_response`), read at a few clock
//! readings (the epoch, a day before it, today, and far ahead), as a token refresh does.
//!
//! The input is the answer's body. Reading must never panic, and an error must not show the tokens: an
//! error text that contains a token must read the same when that token is swapped for another of the
//! same length (then the words are the SDK's own, as with a token `"expires_in"`).
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use cos_sdk::fuzzing::parse_token_response;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const ENDPOINT: &str = "https://iam.cloud.ibm.com/identity/token";

fuzz_target!(|data: &[u8]| {
    let value = serde_json::from_slice::<Value>(data).ok();
    let tokens: Vec<(&str, String)> = ["access_token", "refresh_token"]
        .into_iter()
        .filter_map(|name| Some((name, value.as_ref()?.get(name)?.as_str()?.to_string())))
        .filter(|(_, token)| token.len() >= 8)
        .collect();
    let clocks = [
        UNIX_EPOCH,
        UNIX_EPOCH - Duration::from_secs(86_400),
        UNIX_EPOCH + Duration::from_secs(1_795_529_280),
        UNIX_EPOCH + Duration::from_secs(1 << 40),
    ];
    let render = |error: &cos_sdk::Error| [format!("{error}"), format!("{error:?}")];
    for now in clocks {
        let Err(error) = parse_token_response(data, ENDPOINT, now) else { continue };
        let shown = render(&error);
        for (name, token) in &tokens {
            if !shown.iter().any(|text| text.contains(token.as_str())) {
                continue;
            }
            let mut other = value.clone().expect("tokens come from a JSON value");
            other[*name] = Value::String(token.chars().map(|c| if c == 'q' { 'z' } else { 'q' }).collect());
            let body = serde_json::to_vec(&other).expect("a JSON value serializes");
            let again = parse_token_response(&body, ENDPOINT, now).err().map(|e| render(&e));
            assert_eq!(again.as_ref(), Some(&shown), "an error shows the token {token:?}: {shown:?}");
        }
    }
});
