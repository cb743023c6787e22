//! Fuzz target: the service credential file parser (`~/.bluemix/cos_credentials`, or the file named
//! by `COS_CREDENTIALS_FILE`).
//!
//! The input is the file's text. Parsing must never panic, and neither the credentials' `Debug` form
//! nor an error may show a secret (an `apikey` or `secret_access_key` of the file) unless the same
//! text is also a value shown on purpose (the access key id, instance id, endpoint or source).
#![no_main]

use cos_sdk::fuzzing::parse_service_credentials;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Secrets shorter than this are too likely to appear in other text by chance.
const MIN_SECRET_LEN: usize = 8;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let result = parse_service_credentials(text);
    let mut secrets = Vec::new();
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        collect_secrets(&value, &mut secrets);
    }
    let shown = shown(&result);
    if let Ok(found) = &result {
        let on_purpose = [
            found.credentials.access_key_id().unwrap_or_default(),
            found.instance_id.as_deref().unwrap_or_default(),
            found.iam_endpoint.as_deref().unwrap_or_default(),
            found.source.as_str(),
        ];
        // `Debug` escapes what it prints (a NUL becomes `\0`), so a value shown on purpose is compared in
        // that form too.
        let escaped: Vec<String> = on_purpose.iter().map(|value| format!("{value:?}")).collect();
        secrets.retain(|secret| {
            !on_purpose.iter().any(|value| value.contains(secret.as_str()))
                && !escaped.iter().any(|value| value.contains(secret.as_str()))
        });
    }
    // A secret that is part of a field name of the input or of the parser's own words (such as `cos_hmac_ke`
    // in `cos_hmac_keys`, or `redentials ` in the `credentials error: ` of every error's text) shows up in
    // its messages without being a leak.
    let mut names: Vec<String> = FIELD_NAMES.iter().map(|n| n.to_string()).chain(scaffolding().iter().cloned()).collect();
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        collect_keys(&value, &mut names);
    }
    for secret in &secrets {
        if names.iter().any(|name| name.contains(secret.as_str())) {
            continue;
        }
        assert!(!shown.contains(secret.as_str()), "the secret {secret:?} is shown: {shown}");
    }
});

/// What the parser's result shows: the `Debug` form of the credentials, or the error's text and `Debug`.
fn shown<T: std::fmt::Debug>(result: &Result<T, cos_sdk::Error>) -> String {
    match result {
        Ok(found) => format!("{found:?}"),
        Err(error) => format!("{error} {error:?}"),
    }
}

/// What the parser shows for a few files whose values are one character long: the words of its
/// `Debug` forms and error texts, which hold no value of the fuzzed input.
fn scaffolding() -> &'static [String] {
    static SHOWN: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SHOWN.get_or_init(|| {
        [
            r#"{"cos_hmac_keys":{"access_key_id":"A","secret_access_key":"B"},"resource_instance_id":"C"}"#,
            r#"{"apikey":"E","resource_instance_id":"C","iam_auth_endpoint":"https://i"}"#,
            r#"{"apikey":""}"#,
            r#"{"cos_hmac_keys":{}}"#,
            "{}",
            "[]",
            "1",
        ]
        .iter()
        .map(|file| shown(&parse_service_credentials(file)))
        .collect()
    })
}

/// The field names, the file name and the words of the parser's messages.
const FIELD_NAMES: &[&str] = &[
    "service credential file `fuzz-input` is malformed: ",
    "expected a JSON object with `apikey` or `cos_hmac_keys`",
    "`cos_hmac_keys` needs both `access_key_id` and `secret_access_key` strings",
    "it has neither `cos_hmac_keys` nor `apikey`",
    "the array is empty; it must hold at least one credential",
    "`apikey` is empty; put the service credential's API key there",
    " must be a string",
    "apikey",
    "cos_hmac_keys",
    "access_key_id",
    "secret_access_key",
    "resource_instance_id",
    "iam_auth_endpoint",
    "credentials",
    "fuzz-input",
];

/// Every object key, anywhere in the document.
fn collect_keys(value: &Value, keys: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                keys.push(key.clone());
                collect_keys(value, keys);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_keys(item, keys)),
        _ => {}
    }
}

/// Every string under a key named like a secret, anywhere in the document.
fn collect_secrets(value: &Value, secrets: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if let ("apikey" | "secret_access_key", Value::String(secret)) = (key.as_str(), value) {
                    if secret.len() >= MIN_SECRET_LEN {
                        secrets.push(secret.clone());
                    }
                }
                collect_secrets(value, secrets);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_secrets(item, secrets)),
        _ => {}
    }
}
