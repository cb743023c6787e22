//! Fuzz target: timestamp parsing (`DateTime::parse` with each preferred `TimestampFormat`), as done
//! on every date a server sends.
//!
//! The input is the text. Parsing must never panic; every value parsed must print in each form, and
//! that text must parse back to the same value (to the second for HTTP-dates, which have no fraction);
//! and the value must convert to a `SystemTime`.
#![no_main]

use std::time::SystemTime;

use cos_sdk::{DateTime, TimestampFormat};
use libfuzzer_sys::fuzz_target;

const FORMATS: [TimestampFormat; 3] = [TimestampFormat::Iso8601, TimestampFormat::HttpDate, TimestampFormat::EpochSeconds];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for preferred in FORMATS {
        let Some(parsed) = DateTime::parse(&text, preferred) else { continue };
        for form in FORMATS {
            let printed = parsed.format(form);
            let back = DateTime::parse(&printed, form);
            let expected = match form {
                TimestampFormat::HttpDate => DateTime::from_secs(parsed.secs()),
                _ => parsed,
            };
            assert_eq!(back, Some(expected), "{text:?} parsed ({preferred:?}) as {parsed:?}, printed ({form:?}) as {printed:?}");
        }
        let _ = SystemTime::from(parsed);
    }
});
