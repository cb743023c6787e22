//! Fuzz target: the error document reader (`is_error_response`, `read_error_element`, `error_details`)
//! that every operation runs on a failed answer.
//!
//! The input is an envelope (see the fuzz crate's `lib.rs`); its operation line is unused, except that
//! an odd length makes the answer one of an operation that can fail with a 200. Reading must never
//! panic, and the details always carry the status and a non-empty error code.
#![no_main]

use bytes::Bytes;
use cos_sdk::rt::{error_details, is_error_response, read_error_element};
use cos_sdk::ByteStream;
use cos_sdk_fuzz::envelope;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = envelope(data);
    let error_in_200 = input.operation.len() % 2 == 1;
    let body = ByteStream::from(Bytes::copy_from_slice(input.body));
    let is_error = is_error_response(input.status, &body, error_in_200);
    if input.status.as_u16() >= 300 {
        assert!(is_error, "status {} was not taken for an error", input.status);
    }
    let _ = read_error_element(&body, |reader, element| {
        assert!(element.name() == "Error" || element.name().is_empty(), "found {:?}", element.name());
        while let Some(child) = reader.next_child(element)? {
            reader.text(&child)?;
        }
        Ok(())
    });
    let details = error_details(input.status, &input.headers, &body);
    assert_eq!(details.status(), input.status.as_u16());
    assert!(!details.code().is_empty(), "empty error code for {details:?}");
    let _ = cos_sdk::Error::service(details).to_string();
});
