//! Entry points for the fuzz targets in `fuzz/` to the crate's private parsers of outside input (files
//! and token answers). Compiled only with `--cfg fuzzing`, which `cargo xtask fuzz` sets; not an API.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::runtime::auth::credentials::ResolvedCredentials;
use crate::runtime::error::Error;

use crate::transfer::state as transfer_state;

/// The file name the parsers put in their error messages: fuzz input comes from no file.
const INPUT_PATH: &str = "fuzz-input";

/// The service credential file parser (`~/.bluemix/cos_credentials`).
pub fn parse_service_credentials(text: &str) -> Result<ResolvedCredentials, Error> {
    crate::runtime::auth::credentials::parse_service_credentials(Path::new(INPUT_PATH), text)
}

/// The INI parser of `~/.aws/credentials` and `~/.aws/config`: sections of lower-cased keys and values.
pub fn parse_ini(text: &str) -> Result<BTreeMap<String, BTreeMap<String, String>>, Error> {
    crate::runtime::auth::credentials::parse_ini(Path::new(INPUT_PATH), text)
}

/// The IAM token service's JSON answer, read as if it arrived at `now` from `endpoint`. The token it
/// yields stays private to the crate; the target checks that reading never panics.
pub fn parse_token_response(body: &[u8], endpoint: &str, now: SystemTime) -> Result<(), Error> {
    crate::runtime::auth::iam::parse_token_response(body, endpoint, now).map(drop)
}

/// A transfer state file as read back: its header object and the parts it records.
#[derive(Clone, Debug, PartialEq)]
pub struct StateFile {
    /// The header object of the first line.
    pub header: Map<String, Value>,
    /// The recorded parts, by part number.
    pub parts: Vec<StatePart>,
}

/// One recorded part of a [`StateFile`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatePart {
    /// The part number.
    pub number: u32,
    /// The part's size in bytes.
    pub size: u64,
    /// The part's ETag (empty for downloads).
    pub etag: String,
    /// The part's flexible checksum, when one was recorded.
    pub checksum: Option<String>,
}

/// The transfer state file parser, for a file of `kind` (`upload`, `download`, ...).
pub fn parse_state(text: &str, kind: &str) -> Result<StateFile, Error> {
    let saved = transfer_state::parse_state(text, kind, Path::new(INPUT_PATH))?;
    let parts = saved
        .parts
        .into_iter()
        .map(|p| StatePart { number: p.part_number, size: p.size, etag: p.etag, checksum: p.checksum })
        .collect();
    Ok(StateFile { header: saved.header, parts })
}

/// The text the transfer manager writes for `state` when it creates a state file of `kind`.
pub fn state_text(kind: &str, state: &StateFile) -> String {
    let parts: Vec<transfer_state::RecordedPart> = state
        .parts
        .iter()
        .map(|p| transfer_state::RecordedPart {
            part_number: p.number,
            size: p.size,
            etag: p.etag.clone(),
            checksum: p.checksum.clone(),
        })
        .collect();
    transfer_state::state_text(kind, state.header.clone(), &parts)
}
