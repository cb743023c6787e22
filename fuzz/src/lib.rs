//! Shared pieces of the fuzz targets: the text envelope that carries one HTTP response in one input.
//!
//! An envelope is readable text, so that seeds can be written from the conformance cases and a crash
//! file can be read by eye:
//!
//! ```text
//! GetObject                  <- the operation: a name from the list, else any line picks one
//! 200                        <- the status: 100 to 999, else any line picks a common one
//! content-length: 5          <- header lines, `name: value`, up to the first empty line
//! etag: "abc"
//!
//! hello                      <- the body: everything after the empty line
//! ```

use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::StatusCode;

/// The statuses a line that is not a status number picks from: the ones the readers treat specially.
pub const STATUSES: [u16; 16] = [200, 206, 204, 200, 301, 304, 307, 400, 403, 404, 409, 412, 416, 500, 503, 200];

/// One HTTP response, read from fuzz input.
#[derive(Debug)]
pub struct Envelope<'a> {
    /// The first line: names or picks the operation.
    pub operation: &'a [u8],
    /// The status the second line names or picks.
    pub status: StatusCode,
    /// The header lines that are valid HTTP headers (the others are skipped).
    pub headers: HeaderMap,
    /// Everything after the first empty line.
    pub body: &'a [u8],
}

/// Splits off the first line (without its `\n` and a trailing `\r`); the rest follows the `\n`.
fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (line, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(end) => (&data[..end], &data[end + 1..]),
        None => (data, &data[data.len()..]),
    };
    (line.strip_suffix(b"\r").unwrap_or(line), rest)
}

/// A small stable hash of a line, to pick among choices when the line names none of them.
fn pick_index(line: &[u8], choices: usize) -> usize {
    let hash = line.iter().fold(0usize, |hash, &b| hash.wrapping_mul(31).wrapping_add(usize::from(b)));
    hash % choices
}

/// The status a line names (`100` to `999`), else one of [`STATUSES`] picked by the line's bytes.
pub fn status_from(line: &[u8]) -> StatusCode {
    let named = std::str::from_utf8(line).ok().and_then(|text| text.trim().parse::<u16>().ok());
    let code = match named {
        Some(code) if (100..=999).contains(&code) => code,
        _ => STATUSES[pick_index(line, STATUSES.len())],
    };
    StatusCode::from_u16(code).unwrap_or(StatusCode::OK)
}

/// The choice a line names exactly, else one picked by the line's bytes.
pub fn pick<'c>(line: &[u8], choices: &[&'c str]) -> &'c str {
    choices
        .iter()
        .find(|choice| choice.as_bytes() == line)
        .copied()
        .unwrap_or_else(|| choices[pick_index(line, choices.len())])
}

/// Reads an envelope; any input is one (missing parts are empty).
pub fn envelope(data: &[u8]) -> Envelope<'_> {
    let (operation, rest) = split_line(data);
    let (status_line, rest) = split_line(rest);
    let (head, body) = match rest.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (rest, &rest[rest.len()..]),
    };
    let mut headers = HeaderMap::new();
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        let name = HeaderName::from_bytes(line[..colon].trim_ascii());
        let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) = (name, value) {
            headers.append(name, value);
        }
    }
    Envelope { operation, status: status_from(status_line), headers, body }
}
