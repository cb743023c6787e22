//! Fuzz target: the INI parser of `~/.aws/credentials` and `~/.aws/config`.
//!
//! The input is the file's text. Parsing must never panic, and what it yields must be clean: section
//! names non-empty, trimmed and with single spaces; keys non-empty, trimmed and lower case; values
//! trimmed.
#![no_main]

use cos_sdk::fuzzing::parse_ini;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(sections) = parse_ini(text) else { return };
    for (name, keys) in &sections {
        assert!(!name.is_empty(), "an empty section name");
        assert_eq!(name.split_whitespace().collect::<Vec<_>>().join(" "), *name, "section name {name:?}");
        for (key, value) in keys {
            assert!(!key.is_empty(), "an empty key in [{name}]");
            assert_eq!(key.trim(), key, "key {key:?} in [{name}]");
            assert_eq!(key.to_ascii_lowercase(), *key, "key {key:?} in [{name}]");
            assert_eq!(value.trim(), value, "value of {key:?} in [{name}]");
        }
    }
});
