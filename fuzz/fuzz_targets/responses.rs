//! Fuzz target: every generated response reader, through the JSON bridge's `parse_response`.
//!
//! The input is an envelope (see the fuzz crate's `lib.rs`): its first line picks the operation from
//! `cos_sdk::json::OPERATIONS`, its second the status, then header lines and the body. Reading must
//! never panic, and a status from 300 up must always be an error.
#![no_main]

use bytes::Bytes;
use cos_sdk::ByteStream;
use cos_sdk_fuzz::{envelope, pick};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = envelope(data);
    let operation = pick(input.operation, cos_sdk::json::OPERATIONS);
    let status = input.status;
    let mut response = http::Response::new(ByteStream::from(Bytes::copy_from_slice(input.body)));
    *response.status_mut() = status;
    *response.headers_mut() = input.headers;
    match cos_sdk::json::parse_response(operation, response) {
        Ok(output) => {
            assert!(status.as_u16() < 300, "{operation} answered {status} was read as a success: {output}");
            // What a caller does with the output: print it.
            let _ = output.to_string();
        }
        Err(error) => {
            let _ = cos_sdk::json::error_to_json(operation, &error);
            let _ = error.to_string();
        }
    }
});
