//! Where a download's bytes go: a region of its temporary file (written in batches, made durable), a
//! part buffer, or straight on to the caller; and the names of the work files beside a target.

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::upload::file_error;
use crate::runtime::error::{Error, ErrorKind};
use crate::runtime::http::body::run_blocking;

pub(super) enum Sink<'a> {
    Writer(Pin<&'a mut (dyn AsyncWrite + Send)>),
    Channel(mpsc::Sender<Result<Bytes, Error>>),
}

impl Sink<'_> {
    pub(super) async fn put(&mut self, chunk: Bytes) -> Result<(), Error> {
        match self {
            Sink::Writer(w) => {
                w.write_all(&chunk).await.map_err(|e| Error::new(ErrorKind::Io, "writing the download to its writer failed").with_source(e))
            }
            Sink::Channel(c) => c.send(Ok(chunk)).await.map_err(|_| {
                Error::new(ErrorKind::Io, "the reader of the download's chunks went away; the download was stopped")
            }),
        }
    }
}

/// Bytes gathered before one write to the temporary file: servers send small chunks (4 KiB is common),
/// and one blocking write per chunk would cost more than the network.
const WRITE_BATCH: usize = 1024 * 1024;

/// Where the bytes of one GET go; `restart` is called before each attempt.
pub(super) enum PartTarget<'a, 'b> {
    /// A region of the temporary file, from `offset`, written in batches on a blocking thread through a
    /// handle of its own (so parts never share a file position). The handle is opened with the first
    /// write, so a part waiting for a request slot holds no file open: open files stay bounded by the
    /// requests in flight, however many downloads run at once. A `whole` file (a download in one GET)
    /// is also created by that first open and made durable by `finish`, all in the GET's slot.
    File {
        file: Option<Arc<std::fs::File>>,
        offset: u64,
        written: u64,
        pending: bytes::BytesMut,
        path: &'a Path,
        whole: bool,
    },
    /// A part buffer (ordered streams).
    Buffer(&'a mut bytes::BytesMut),
    /// Straight on to the caller (a small object in a stream download); cannot restart once bytes left.
    Forward { sink: &'a mut Sink<'b>, delivered: u64 },
}

impl<'a> PartTarget<'a, '_> {
    /// The region of the existing file `path` from `offset`, opened through a new handle at the first
    /// write.
    pub(super) fn file(path: &'a Path, offset: u64) -> PartTarget<'a, 'static> {
        PartTarget::File { file: None, offset, written: 0, pending: bytes::BytesMut::new(), path, whole: false }
    }

    /// All of file `path`, created at the first write (or by `finish`, for an empty object) and
    /// synced by `finish`.
    pub(super) fn whole_file(path: &'a Path) -> PartTarget<'a, 'static> {
        PartTarget::File { file: None, offset: 0, written: 0, pending: bytes::BytesMut::new(), path, whole: true }
    }

    /// The handle of a file target, opened on first use (and the file created, when `create`).
    async fn handle(
        file: &mut Option<Arc<std::fs::File>>,
        path: &Path,
        create: bool,
    ) -> Result<Arc<std::fs::File>, Error> {
        if let Some(handle) = file {
            return Ok(handle.clone());
        }
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create(create).truncate(create);
        let opened = options.open(path).await.map_err(|e| file_error(if create { "create" } else { "open" }, path, e))?;
        Ok(file.insert(Arc::new(opened.into_std().await)).clone())
    }

    pub(super) async fn restart(&mut self) -> Result<(), Error> {
        match self {
            PartTarget::File { written, pending, .. } => {
                *written = 0;
                pending.clear();
            }
            PartTarget::Buffer(buffer) => buffer.clear(),
            PartTarget::Forward { delivered, .. } => {
                if *delivered > 0 {
                    return Err(Error::new(
                        ErrorKind::Io,
                        format!("the GET broke after {delivered} bytes were handed on, so it cannot be retried; download again"),
                    ));
                }
            }
        }
        Ok(())
    }

    pub(super) async fn write(&mut self, chunk: Bytes) -> Result<(), Error> {
        match self {
            PartTarget::File { pending, .. } => {
                pending.extend_from_slice(&chunk);
                if pending.len() >= WRITE_BATCH {
                    self.flush_pending().await?;
                }
                Ok(())
            }
            PartTarget::Buffer(buffer) => {
                buffer.extend_from_slice(&chunk);
                Ok(())
            }
            PartTarget::Forward { sink, delivered } => {
                *delivered += chunk.len() as u64;
                sink.put(chunk).await
            }
        }
    }

    /// Closes a file target's handle when its request slot is given back: a part waiting for a retry
    /// or done holds no file open. The next write opens it again.
    pub(super) fn close(&mut self) {
        if let PartTarget::File { file, .. } = self {
            *file = None;
        }
    }

    /// Writes what is gathered at its place in the file.
    async fn flush_pending(&mut self) -> Result<(), Error> {
        let PartTarget::File { file, offset, written, pending, path, whole } = self else { return Ok(()) };
        if pending.is_empty() {
            return Ok(());
        }
        let position = *offset + *written;
        let len = pending.len() as u64;
        let handle = Self::handle(file, path, *whole).await?;
        let mut data = std::mem::take(pending);
        let (result, data) = run_blocking("the file writing task", move || {
            use std::io::{Seek, SeekFrom, Write};
            let mut f: &std::fs::File = &handle;
            let written = f.seek(SeekFrom::Start(position)).and_then(|_| f.write_all(&data));
            data.clear();
            (written, data)
        })
        .await?;
        result.map_err(|e| file_error("write", path, e))?;
        *pending = data;
        *written += len;
        Ok(())
    }

    /// Writes what is left and makes it durable: a whole file is created if nothing was written (an
    /// empty object); a part's bytes are on disk before the state file records the part, so a resume
    /// after a power loss never trusts a range the file system had not kept.
    pub(super) async fn finish(&mut self) -> Result<(), Error> {
        self.flush_pending().await?;
        if let PartTarget::File { file, path, whole, .. } = self {
            let whole = *whole;
            let handle = Self::handle(file, path, whole).await?;
            let synced = run_blocking("the file sync task", move || if whole { handle.sync_all() } else { handle.sync_data() }).await?;
            synced.map_err(|e| file_error("sync", path, e))?;
        }
        Ok(())
    }
}

/// What ends the name of a download's temporary file, and then of its state file.
const WORK_SUFFIX: &str = ".cos-download";
const STATE_SUFFIX: &str = ".state";

/// The names of the files a download to a file called `name` works in beside it: the temporary file
/// the bytes land in (`.NAME.cos-download`) and its resume state (`.NAME.cos-download.state`).
pub(super) fn work_files(name: &std::ffi::OsStr) -> [std::ffi::OsString; 2] {
    let mut temp = std::ffi::OsString::from(".");
    temp.push(name);
    temp.push(WORK_SUFFIX);
    let mut state = temp.clone();
    state.push(STATE_SUFFIX);
    [temp, state]
}

/// Whether the file name `name` is the temporary or state file of a download (`.NAME.cos-download`,
/// `.NAME.cos-download.state`). Directory transfers leave such files and keys out; a tool that turns
/// keys into files should too, or a key named so could take the place of another download's bytes.
pub fn is_work_file(name: &str) -> bool {
    let temp = name.strip_suffix(STATE_SUFFIX).unwrap_or(name);
    temp.len() > 1 + WORK_SUFFIX.len() && temp.starts_with('.') && temp.ends_with(WORK_SUFFIX)
}

/// `path` as the local file system tells names apart: ignoring case on macOS and Windows, whose
/// volumes do by default, and on Windows the trailing dots and spaces of each name, which it drops.
/// Two paths with one identity are one file. (Unicode normalization, which some macOS volumes apply,
/// is not folded.)
pub fn file_identity(path: &Path) -> String {
    let name = path.to_string_lossy();
    if cfg!(windows) {
        name.split(['/', '\\']).map(|part| part.trim_end_matches(['.', ' '])).collect::<Vec<_>>().join("/").to_lowercase()
    } else if cfg!(target_os = "macos") {
        name.to_lowercase()
    } else {
        name.into_owned()
    }
}
