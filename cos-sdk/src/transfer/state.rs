//! The resume state file of an interrupted transfer: JSON Lines, a header object first (what is being
//! transferred, the upload id or ETag, the part size), then one line per finished part, appended as each
//! part finishes. Appending keeps each update O(1) for 10,000 parts, and a line cut short by a crash is
//! simply ignored (that part is sent again).
//!
//! Version 1 files have no part checksums. An upload with a flexible checksum writes version 2, which
//! SDKs that predate part checksums refuse instead of resuming it with Content-MD5 parts the service
//! would reject.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use crate::runtime::error::{Error, ErrorKind};
use crate::transfer::config::MAX_PARTS;

/// The largest state file read back: a header and 10,000 part lines take well under 4 MiB, so a larger
/// file is not one this SDK wrote.
const MAX_STATE_FILE: u64 = 16 << 20;

/// One finished part as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RecordedPart {
    pub(crate) part_number: u32,
    pub(crate) size: u64,
    /// The ETag the service gave (uploads); empty for downloads.
    pub(crate) etag: String,
    /// The part's flexible checksum, base64 (uploads with a flexible checksum configured).
    pub(crate) checksum: Option<String>,
}

/// A state file read back: its header and the parts recorded.
#[derive(Debug)]
pub(crate) struct SavedState {
    pub(crate) header: Map<String, Value>,
    pub(crate) parts: Vec<RecordedPart>,
}

impl SavedState {
    pub(crate) fn str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }
    pub(crate) fn u64(&self, name: &str) -> Option<u64> {
        self.header.get(name).and_then(Value::as_u64)
    }
}

/// Reads the state file at `path`; `Ok(None)` when there is none.
pub(crate) fn read_state(path: &Path, kind: &str) -> Result<Option<SavedState>, Error> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(state_error("read", path, e)),
    };
    let mut text = String::new();
    file.take(MAX_STATE_FILE + 1).read_to_string(&mut text).map_err(|e| state_error("read", path, e))?;
    if text.len() as u64 > MAX_STATE_FILE {
        return Err(Error::invalid_input(format!(
            "`{}` is larger than any cos-sdk {kind} state file ({MAX_STATE_FILE} bytes); give the state file of \
             this transfer or delete it to start over",
            path.display()
        )));
    }
    parse_state(&text, kind, path).map(Some)
}

/// Parses the text of a `kind` state file; `path` only names the file in errors. A file whose first
/// line is not a header of this kind and of a known version is refused; a part line that does not
/// parse (cut short by a crash) or names no part S3 can have (1 to 10,000) is skipped, and a part
/// recorded twice keeps its last line.
pub(crate) fn parse_state(text: &str, kind: &str, path: &Path) -> Result<SavedState, Error> {
    let mut lines = text.lines();
    let header = lines
        .next()
        .and_then(|l| serde_json::from_str::<Value>(l).ok())
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .filter(|m| {
            m.get("kind").and_then(Value::as_str) == Some(kind)
                && m.get("version").and_then(Value::as_u64).is_some_and(|v| v == 1 || v == 2)
        })
        .ok_or_else(|| {
            Error::invalid_input(format!(
                "`{}` is not a cos-sdk {kind} state file; give the state file of this transfer or delete it to start over",
                path.display()
            ))
        })?;
    let mut parts: BTreeMap<u32, RecordedPart> = BTreeMap::new();
    for line in lines {
        // A line cut short by a crash does not parse; the part is simply sent again.
        let Ok(Value::Object(m)) = serde_json::from_str::<Value>(line) else { continue };
        let part_number = m.get("part").and_then(Value::as_u64).filter(|n| (1..=MAX_PARTS).contains(n));
        let size = m.get("size").and_then(Value::as_u64);
        if let (Some(part_number), Some(size)) = (part_number.and_then(|n| u32::try_from(n).ok()), size) {
            let etag = m.get("etag").and_then(Value::as_str).unwrap_or_default().to_string();
            let checksum = m.get("checksum").and_then(Value::as_str).map(str::to_string);
            parts.insert(part_number, RecordedPart { part_number, size, etag, checksum });
        }
    }
    Ok(SavedState { header, parts: parts.into_values().collect() })
}

/// The text of a `kind` state file with `header` (given a version 1 when it has none) and `parts`,
/// one line each: what [`StateLog::create`] writes and [`parse_state`] reads back.
pub(crate) fn state_text(kind: &str, mut header: Map<String, Value>, parts: &[RecordedPart]) -> String {
    header.entry("version").or_insert(json!(1));
    header.insert("kind".into(), json!(kind));
    let mut text = Value::Object(header).to_string();
    text.push('\n');
    for part in parts {
        text.push_str(&part_line(part));
    }
    text
}

/// An open state file that finished parts are appended to.
#[derive(Debug)]
pub(crate) struct StateLog {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl StateLog {
    /// Creates (or replaces) the state file with `header` and the parts already known.
    pub(crate) fn create(path: &Path, kind: &str, header: Map<String, Value>, parts: &[RecordedPart]) -> Result<StateLog, Error> {
        let text = state_text(kind, header, parts);
        // Written beside the target and renamed, so a crash never leaves half a header.
        let temp = path.with_extension("tmp-state");
        std::fs::write(&temp, text.as_bytes()).map_err(|e| state_error("write", &temp, e))?;
        std::fs::rename(&temp, path).map_err(|e| state_error("write", path, e))?;
        let file = std::fs::OpenOptions::new().append(true).open(path).map_err(|e| state_error("open", path, e))?;
        Ok(StateLog { path: path.to_path_buf(), file: Mutex::new(file) })
    }

    /// Records one finished part.
    pub(crate) fn record(&self, part: &RecordedPart) -> Result<(), Error> {
        let line = part_line(part);
        let mut file = self.file.lock().map_err(|_| Error::new(ErrorKind::Io, "the state file lock was poisoned"))?;
        file.write_all(line.as_bytes()).map_err(|e| state_error("append to", &self.path, e))
    }

    /// Deletes the state file (the transfer finished or was cancelled).
    pub(crate) fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn part_line(part: &RecordedPart) -> String {
    let mut line = Map::new();
    line.insert("part".into(), json!(part.part_number));
    line.insert("size".into(), json!(part.size));
    if !part.etag.is_empty() {
        line.insert("etag".into(), json!(part.etag));
    }
    if let Some(checksum) = &part.checksum {
        line.insert("checksum".into(), json!(checksum));
    }
    let mut line = Value::Object(line).to_string();
    line.push('\n');
    line
}

fn state_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("could not {what} the transfer state file `{}`; check the directory is writable", path.display()),
    )
    .with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_ignores_a_torn_last_line() {
        let dir = std::env::temp_dir().join(format!("cos-sdk-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("upload.state");
        let mut header = Map::new();
        header.insert("upload_id".into(), json!("abc"));
        header.insert("part_size".into(), json!(5u64 << 20));
        let log = StateLog::create(&path, "upload", header, &[RecordedPart { part_number: 2, size: 10, etag: "\"e2\"".into(), checksum: None }])
            .unwrap();
        log.record(&RecordedPart { part_number: 1, size: 10, etag: "\"e1\"".into(), checksum: Some("yZRlqg==".into()) })
            .unwrap();
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"part\":3,\"si").unwrap();
        let state = read_state(&path, "upload").unwrap().unwrap();
        assert_eq!(state.str("upload_id"), Some("abc"));
        assert_eq!(state.u64("part_size"), Some(5 << 20));
        assert_eq!(state.parts.iter().map(|p| p.part_number).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(state.parts[0].etag, "\"e1\"");
        assert_eq!(state.parts[0].checksum.as_deref(), Some("yZRlqg=="));
        assert_eq!(state.parts[1].checksum, None);
        assert!(read_state(&path, "download").is_err());
        // Version 2 (part checksums) is read; a later version is refused, not misread.
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("\"version\":1", "\"version\":2", 1)).unwrap();
        assert_eq!(read_state(&path, "upload").unwrap().unwrap().parts.len(), 2);
        std::fs::write(&path, text.replacen("\"version\":1", "\"version\":3", 1)).unwrap();
        assert!(read_state(&path, "upload").is_err());
        // A file larger than any this SDK writes is refused before it is parsed.
        std::fs::write(&path, vec![b' '; (MAX_STATE_FILE + 1) as usize]).unwrap();
        let error = read_state(&path, "upload").unwrap_err().to_string();
        assert!(error.contains("larger than any cos-sdk upload state file"), "{error}");
        log.remove();
        assert!(read_state(&path, "upload").unwrap().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn parse_state_reads_what_state_text_writes() {
        let path = Path::new("x.state");
        let mut header = Map::new();
        header.insert("etag".into(), json!("\"e\""));
        let parts = [RecordedPart { part_number: 1, size: 5, etag: String::new(), checksum: None }];
        let text = state_text("download", header, &parts);
        let state = parse_state(&text, "download", path).unwrap();
        assert_eq!((state.str("etag"), state.u64("version")), (Some("\"e\""), Some(1)));
        assert_eq!(state.parts, parts);
        // A part recorded again keeps its last line; lines that are not parts are skipped.
        // Part numbers S3 cannot have (0, past 10,000) are skipped too.
        let more = format!(
            "{text}{{\"part\":1,\"size\":6}}\nnot json\n[1]\n{{\"part\":4294967296,\"size\":1}}\n{{\"part\":0,\"size\":1}}\n{{\"part\":10001,\"size\":1}}\n"
        );
        assert_eq!(parse_state(&more, "download", path).unwrap().parts[0].size, 6);
        assert_eq!(parse_state(&more, "download", path).unwrap().parts.len(), 1);
        for bad in ["", "[]", "{\"kind\":\"download\"}", "{\"kind\":\"upload\",\"version\":1}"] {
            let error = parse_state(bad, "download", path).unwrap_err().to_string();
            assert!(error.contains("x.state"), "{error}");
        }
    }
}
