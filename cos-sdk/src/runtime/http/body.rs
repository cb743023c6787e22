//! `ByteStream`: the body of a request or response, in memory, read from a file, or streamed.
//!
//! A body in memory or in a file can be sent again when a request is retried (a file is simply reopened);
//! a stream handed over by the caller, or a response streaming in from the network, is read once and
//! never buffered whole.

use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};
use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, ReadBuf};

use crate::runtime::error::{Error, ErrorKind};

/// The error type of a streaming body: anything that can be boxed and sent between threads.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

type BoxBody = http_body_util::combinators::BoxBody<Bytes, BoxError>;

/// How many bytes a file body reads at a time (one chunk is read ahead while the previous one is
/// sent); memory stays bounded by twice this whatever the file size.
const FILE_CHUNK_SIZE: usize = 512 * 1024;
/// How many bytes a body over a caller's reader asks for at a time.
const READER_CHUNK_SIZE: usize = 64 * 1024;
/// How many received chunks may wait for the file writer of [`ByteStream::write_to_file`].
const WRITE_QUEUE: usize = 8;
/// The largest chunk an in-memory body hands over at once, so that what watches it sees progress at
/// least every MiB (the bytes are shared, not copied).
const MEMORY_CHUNK_SIZE: usize = 1024 * 1024;

/// Told, after each chunk of a request body goes out, how many bytes that body has sent so far.
pub(crate) type SentObserver = Arc<dyn Fn(u64) + Send + Sync>;

/// A request or response body: bytes in memory, a file, or a stream that is never buffered whole.
///
/// In-memory and file bodies are *replayable*: [`ByteStream::try_clone`] gives a fresh copy, so a failed
/// request can be retried. A stream from [`ByteStream::from_body`] or [`ByteStream::from_reader`], and a
/// streaming response body, can be read only once.
pub struct ByteStream {
    inner: Inner,
    /// Noted each time a chunk is handed to the connection, so the transport can tell a slow upload
    /// from a stalled one.
    progress: Option<Arc<Progress>>,
    /// Told the bytes sent so far after each chunk (a transfer's progress); copies share it, each
    /// counting from zero.
    observer: Option<SentObserver>,
    sent: u64,
}

/// When a body last made progress, shared between the body being sent and the transport waiting on it.
#[derive(Debug)]
pub(crate) struct Progress {
    start: Instant,
    last_nanos: AtomicU64,
}

impl Progress {
    pub(crate) fn new() -> Progress {
        Progress { start: Instant::now(), last_nanos: AtomicU64::new(0) }
    }

    fn touch(&self) {
        let nanos = u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.last_nanos.store(nanos, Ordering::Relaxed);
    }

    /// The last time a chunk went out (or when sending began).
    pub(crate) fn last(&self) -> Instant {
        self.start + Duration::from_nanos(self.last_nanos.load(Ordering::Relaxed))
    }
}

enum Inner {
    Bytes(Bytes),
    File(FileBody),
    Stream { body: BoxBody, length: Option<u64> },
    Reader(ReaderBody),
}

impl ByteStream {
    fn of(inner: Inner) -> ByteStream {
        ByteStream { inner, progress: None, observer: None, sent: 0 }
    }

    /// An empty body.
    pub fn new() -> Self {
        ByteStream::of(Inner::Bytes(Bytes::new()))
    }

    /// A body from static bytes.
    pub fn from_static(bytes: &'static [u8]) -> Self {
        ByteStream::from(Bytes::from_static(bytes))
    }

    /// A body that reads the whole file at `path`. Its length is taken now; the file is opened when the body
    /// is first read, and opened again for each retry.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<ByteStream, Error> {
        let path = path.as_ref().to_path_buf();
        let metadata = tokio::fs::metadata(&path).await.map_err(|e| file_error("read the metadata of", &path, e))?;
        if !metadata.is_file() {
            return Err(Error::invalid_input(format!(
                "`{}` is not a regular file; give the path of a file to upload",
                path.display()
            )));
        }
        Ok(ByteStream::of(Inner::File(FileBody::new(path, 0, metadata.len()))))
    }

    /// A body that reads `length` bytes of the file at `path`, starting at byte `offset` (one part of a
    /// multipart upload). Fails when the file is shorter than `offset + length`.
    pub async fn from_file_range(path: impl AsRef<Path>, offset: u64, length: u64) -> Result<ByteStream, Error> {
        let path = path.as_ref().to_path_buf();
        let metadata = tokio::fs::metadata(&path).await.map_err(|e| file_error("read the metadata of", &path, e))?;
        let end = offset.checked_add(length).ok_or_else(|| Error::invalid_input("file range offset + length overflows u64"))?;
        if end > metadata.len() {
            return Err(Error::invalid_input(format!(
                "file range {offset}..{end} is past the end of `{}` ({} bytes); give a range inside the file",
                path.display(),
                metadata.len()
            )));
        }
        Ok(ByteStream::of(Inner::File(FileBody::new(path, offset, length))))
    }

    /// A one-shot body from any [`http_body::Body`] of [`Bytes`]. `length`, when given, is sent as
    /// `Content-Length`; the body must produce exactly that many bytes.
    pub fn from_body<B>(body: B, length: Option<u64>) -> ByteStream
    where
        B: Body<Data = Bytes> + Send + Sync + 'static,
        B::Error: Into<BoxError>,
    {
        use http_body_util::BodyExt;
        let length = length.or_else(|| body.size_hint().exact());
        ByteStream::of(Inner::Stream { body: BoxBody::new(body.map_err(Into::into)), length })
    }

    /// A one-shot body that reads `reader` to its end. `length`, when given, is sent as `Content-Length`.
    pub fn from_reader<R>(reader: R, length: Option<u64>) -> ByteStream
    where
        R: AsyncRead + Send + Sync + 'static,
    {
        ByteStream::of(Inner::Reader(ReaderBody { reader: Box::pin(reader), length, done: false }))
    }

    /// The whole body, when it is held in memory.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.inner {
            Inner::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The length in bytes, when it is known before reading.
    pub fn content_length(&self) -> Option<u64> {
        match &self.inner {
            Inner::Bytes(b) => Some(b.len() as u64),
            Inner::File(f) => Some(f.length),
            Inner::Stream { length, .. } => *length,
            Inner::Reader(r) => r.length,
        }
    }

    /// Whether the body can be sent again (in memory or a file), so a failed request can be retried.
    pub fn is_replayable(&self) -> bool {
        matches!(self.inner, Inner::Bytes(_) | Inner::File(_))
    }

    /// The file, first byte and length of a file body.
    pub(crate) fn file_range(&self) -> Option<(&Path, u64, u64)> {
        match &self.inner {
            Inner::File(f) => Some((&f.path, f.offset, f.length)),
            _ => None,
        }
    }

    /// A fresh copy of a replayable body (a file body starts again from its first byte); `None` for a stream.
    pub fn try_clone(&self) -> Option<ByteStream> {
        let mut copy = match &self.inner {
            Inner::Bytes(b) => ByteStream::from(b.clone()),
            Inner::File(f) => ByteStream::of(Inner::File(FileBody::new(f.path.clone(), f.offset, f.length))),
            _ => return None,
        };
        copy.observer = self.observer.clone();
        Some(copy)
    }

    /// Calls `observer` with the bytes sent so far after each chunk goes out.
    pub(crate) fn observe_sent(mut self, observer: SentObserver) -> ByteStream {
        self.observer = Some(observer);
        self
    }

    /// Reads the whole body into memory.
    pub async fn collect(self) -> Result<Bytes, Error> {
        self.collect_up_to(u64::MAX, "").await
    }

    /// Reads the whole body into memory, failing as soon as it passes `limit` bytes, so a server cannot
    /// make the client hold more than the limit of an answer meant to be small. `setting` names the
    /// configuration that raises the limit, for the error.
    pub(crate) async fn collect_up_to(self, limit: u64, setting: &str) -> Result<Bytes, Error> {
        let too_large = || {
            Error::response_parse(format!(
                "the response body is larger than {limit} bytes, the most read into memory for this answer; the \
                 server may be misbehaving, or raise {setting} if such an answer is expected"
            ))
        };
        if let Inner::Bytes(b) = self.inner {
            return if b.len() as u64 > limit { Err(too_large()) } else { Ok(b) };
        }
        let mut this = self;
        if this.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        // A body that arrives in one chunk (most small answers) is handed on as it is, not copied.
        let mut first: Option<Bytes> = None;
        let mut buf = BytesMut::new();
        let mut len = 0u64;
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut this).poll_frame(cx)).await {
            let frame = frame.map_err(body_error)?;
            if let Ok(data) = frame.into_data() {
                len += data.len() as u64;
                if len > limit {
                    return Err(too_large());
                }
                match first.take() {
                    None if buf.is_empty() => first = Some(data),
                    earlier => {
                        if buf.is_empty() {
                            // What the length promises, up to 16 MiB, and never less than what came.
                            let promised = this.content_length().unwrap_or(len).min(16 * 1024 * 1024);
                            buf.reserve(promised.max(len) as usize);
                        }
                        buf.extend_from_slice(&earlier.unwrap_or_default());
                        buf.extend_from_slice(&data);
                    }
                }
            }
        }
        Ok(first.unwrap_or_else(|| buf.freeze()))
    }

    /// Streams the body into the file at `path` and returns the number of bytes written. The bytes go to
    /// a temporary file beside it, renamed into place only when the whole body arrived and was flushed to
    /// disk, so a failed or truncated download never leaves a partial file under `path`.
    pub async fn write_to_file(mut self, path: impl AsRef<Path>) -> Result<u64, Error> {
        let path = path.as_ref();
        let name = path.file_name().ok_or_else(|| {
            Error::invalid_input(format!("`{}` is not a file path; name the file to write", path.display()))
        })?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".cos-sdk-{:08x}.part", fastrand::u32(..)));
        let temp = path.with_file_name(temp_name);
        let write_error = |what: &str, e: io::Error| {
            Error::new(ErrorKind::Io, format!("could not {what} `{}`; check the directory exists and is writable", temp.display()))
                .with_source(e)
        };
        // One blocking task writes the chunks as they come, from a short queue (memory stays bounded
        // by a few chunks), and flushes the file to disk at the end.
        let mut file = tokio::fs::File::create(&temp).await.map_err(|e| write_error("create", e))?.into_std().await;
        let (chunks, mut queue) = tokio::sync::mpsc::channel::<Bytes>(WRITE_QUEUE);
        let writer = run_blocking("the file writing task", move || -> Result<(), (&'static str, io::Error)> {
            use std::io::Write;
            while let Some(chunk) = queue.blocking_recv() {
                file.write_all(&chunk).map_err(|e| ("write to", e))?;
            }
            file.sync_all().map_err(|e| ("flush", e))
        });
        let sending = async {
            let mut written = 0u64;
            while let Some(chunk) = self.next_chunk().await {
                let chunk = chunk?;
                written += chunk.len() as u64;
                if chunks.send(chunk).await.is_err() {
                    break; // the writer failed; its error follows
                }
            }
            drop(chunks);
            Ok::<u64, Error>(written)
        };
        let (sent, wrote) = futures_util::future::join(sending, writer).await;
        let result = match (sent, wrote) {
            (Err(e), _) => Err(e),
            (_, Err(e)) => Err(e),
            (_, Ok(Err((what, e)))) => Err(write_error(what, e)),
            (Ok(written), Ok(Ok(()))) => Ok(written),
        };
        match result {
            Ok(written) => {
                tokio::fs::rename(&temp, path).await.map_err(|e| {
                    Error::new(ErrorKind::Io, format!("could not move the download into place at `{}`", path.display()))
                        .with_source(e)
                })?;
                Ok(written)
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&temp).await;
                Err(e)
            }
        }
    }

    /// The body as a [`tokio::io::AsyncRead`], to copy it into a file or parse it incrementally.
    pub fn into_async_read(self) -> ByteStreamReader {
        ByteStreamReader { body: self, chunk: Bytes::new() }
    }

    /// Reads the next chunk of the body; `None` at its end. (`ByteStream` is also a `futures::Stream`
    /// of the same items, for stream adapters.)
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, Error>> {
        std::future::poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut *self), cx)).await
    }
}

/// Runs `f` on Tokio's blocking pool; `what` names the work in the error of a task that panicked. A
/// blocking task is otherwise only lost when the runtime shuts down: then this never returns, and the
/// caller is dropped with the runtime instead of taking its failure path (for a transfer, that path
/// would abort the multipart upload and delete its resume state, as a killed process never does).
pub(crate) async fn run_blocking<T, F>(what: &str, f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(value) => Ok(value),
        Err(e) if e.is_cancelled() => std::future::pending().await,
        Err(e) => Err(Error::new(ErrorKind::Io, format!("{what} ended abnormally")).with_source(e)),
    }
}

/// Turns an error from a body stream into our error, keeping a timeout or I/O kind when one is inside.
pub(crate) fn body_error(e: BoxError) -> Error {
    match e.downcast::<Error>() {
        Ok(e) => *e,
        Err(e) => {
            let kind = match e.downcast_ref::<io::Error>() {
                Some(io) if io.kind() == io::ErrorKind::TimedOut => ErrorKind::Timeout,
                Some(_) => ErrorKind::Io,
                None if e.downcast_ref::<hyper::Error>().is_some() => ErrorKind::Transport,
                None => ErrorKind::Io,
            };
            Error::new(kind, "reading the body failed; retry the operation").with_source(e)
        }
    }
}

fn file_error(what: &str, path: &Path, e: io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("could not {what} `{}`; check that the file exists and is readable", path.display()))
        .with_source(e)
}

/// The body's data chunks as they arrive, for `futures` stream adapters (without a trait import,
/// [`ByteStream::next_chunk`] reads them one by one).
impl futures_core::Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut *this).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => return Poll::Ready(Some(Ok(data))),
                    // Trailers carry no data.
                    Err(_) => continue,
                },
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(body_error(e)))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, None)
    }
}

impl Body for ByteStream {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let polled = this.poll_inner(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(progress) = &this.progress {
                progress.touch();
            }
            if let (Some(observer), Some(data)) = (&this.observer, frame.data_ref()) {
                this.sent += data.len() as u64;
                observer(this.sent);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.is_end()
    }

    fn size_hint(&self) -> SizeHint {
        self.hint()
    }
}

impl ByteStream {
    /// Notes every chunk sent in `progress`.
    pub(crate) fn watch(&mut self, progress: Arc<Progress>) {
        self.progress = Some(progress);
    }

    fn poll_inner(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.inner {
            Inner::Bytes(b) => {
                if b.is_empty() {
                    Poll::Ready(None)
                } else {
                    Poll::Ready(Some(Ok(Frame::data(b.split_to(b.len().min(MEMORY_CHUNK_SIZE))))))
                }
            }
            Inner::File(f) => f.poll_chunk(cx).map(|o| o.map(|r| r.map(Frame::data).map_err(Into::into))),
            Inner::Stream { body, .. } => Pin::new(body).poll_frame(cx),
            Inner::Reader(r) => r.poll_chunk(cx).map(|o| o.map(|r| r.map(Frame::data).map_err(Into::into))),
        }
    }

    fn is_end(&self) -> bool {
        match &self.inner {
            Inner::Bytes(b) => b.is_empty(),
            Inner::File(f) => f.remaining == 0,
            Inner::Stream { body, .. } => body.is_end_stream(),
            Inner::Reader(r) => r.done,
        }
    }

    fn hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Bytes(b) => SizeHint::with_exact(b.len() as u64),
            Inner::File(f) => SizeHint::with_exact(f.remaining),
            Inner::Stream { body, length } => match length {
                Some(n) => SizeHint::with_exact(*n),
                None => body.size_hint(),
            },
            Inner::Reader(r) => match r.length {
                Some(n) => SizeHint::with_exact(n),
                None => SizeHint::default(),
            },
        }
    }
}

/// A file (or a range of one) read in chunks; opened lazily on a blocking thread.
struct FileBody {
    path: PathBuf,
    offset: u64,
    length: u64,
    remaining: u64,
    state: FileState,
}

enum FileState {
    Closed,
    /// A blocking task opening the file (when it is the first chunk) and reading the next chunk; the
    /// file comes back with the chunk. One chunk is read ahead while the previous one is sent.
    Reading(tokio::task::JoinHandle<io::Result<(std::fs::File, Bytes)>>),
}

/// Reads up to `want` bytes at the file's position (fewer only at its end).
fn read_chunk(file: &mut std::fs::File, want: usize) -> io::Result<Bytes> {
    use std::io::Read;
    let mut buf = vec![0u8; want];
    let mut filled = 0;
    while filled < want {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(Bytes::from(buf))
}

impl FileBody {
    fn new(path: PathBuf, offset: u64, length: u64) -> FileBody {
        FileBody { path, offset, length, remaining: length, state: FileState::Closed }
    }

    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        if self.remaining == 0 {
            self.state = FileState::Closed;
            return Poll::Ready(None);
        }
        let want = self.remaining.min(FILE_CHUNK_SIZE as u64) as usize;
        if let FileState::Closed = self.state {
            let (path, offset) = (self.path.clone(), self.offset);
            self.state = FileState::Reading(tokio::task::spawn_blocking(move || {
                use std::io::Seek;
                let mut file = std::fs::File::open(&path)?;
                if offset > 0 {
                    file.seek(io::SeekFrom::Start(offset))?;
                }
                let chunk = read_chunk(&mut file, want)?;
                Ok((file, chunk))
            }));
        }
        let FileState::Reading(handle) = &mut self.state else { return Poll::Ready(None) };
        let read = ready!(Pin::new(handle).poll(cx)).map_err(io::Error::other).and_then(|r| r);
        let (mut file, chunk) = match read {
            Ok(read) => read,
            Err(e) => {
                self.remaining = 0;
                self.state = FileState::Closed;
                let message = format!("could not read `{}` to send it: {e}", self.path.display());
                return Poll::Ready(Some(Err(io::Error::new(e.kind(), message))));
            }
        };
        if chunk.is_empty() {
            let message = format!("`{}` ended {} bytes early; it changed while being sent", self.path.display(), self.remaining);
            self.remaining = 0;
            self.state = FileState::Closed;
            return Poll::Ready(Some(Err(io::Error::new(io::ErrorKind::UnexpectedEof, message))));
        }
        self.remaining -= (chunk.len() as u64).min(self.remaining);
        self.state = if self.remaining > 0 {
            let next = self.remaining.min(FILE_CHUNK_SIZE as u64) as usize;
            FileState::Reading(tokio::task::spawn_blocking(move || read_chunk(&mut file, next).map(|chunk| (file, chunk))))
        } else {
            FileState::Closed
        };
        Poll::Ready(Some(Ok(chunk)))
    }
}

/// A caller's reader, read in chunks until it ends.
struct ReaderBody {
    reader: Pin<Box<dyn AsyncRead + Send + Sync>>,
    length: Option<u64>,
    done: bool,
}

impl ReaderBody {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let mut buf = vec![0u8; READER_CHUNK_SIZE];
        let mut read_buf = ReadBuf::new(&mut buf);
        ready!(self.reader.as_mut().poll_read(cx, &mut read_buf))?;
        let n = read_buf.filled().len();
        if n == 0 {
            self.done = true;
            return Poll::Ready(None);
        }
        buf.truncate(n);
        Poll::Ready(Some(Ok(Bytes::from(buf))))
    }
}

/// A [`ByteStream`] read through [`tokio::io::AsyncRead`]; made by [`ByteStream::into_async_read`].
pub struct ByteStreamReader {
    body: ByteStream,
    chunk: Bytes,
}

impl AsyncRead for ByteStreamReader {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, out: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        while this.chunk.is_empty() {
            match ready!(Pin::new(&mut this.body).poll_frame(cx)) {
                None => return Poll::Ready(Ok(())),
                Some(Err(e)) => {
                    let e = body_error(e);
                    let kind = if e.kind() == ErrorKind::Timeout { io::ErrorKind::TimedOut } else { io::ErrorKind::Other };
                    return Poll::Ready(Err(io::Error::new(kind, e)));
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        this.chunk = data;
                    }
                }
            }
        }
        let n = this.chunk.len().min(out.remaining());
        out.put_slice(&this.chunk.split_to(n));
        Poll::Ready(Ok(()))
    }
}

impl fmt::Debug for ByteStreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStreamReader").field("body", &self.body).finish_non_exhaustive()
    }
}

impl Default for ByteStream {
    fn default() -> Self {
        ByteStream::new()
    }
}

impl From<Bytes> for ByteStream {
    fn from(bytes: Bytes) -> Self {
        ByteStream::of(Inner::Bytes(bytes))
    }
}

impl From<Vec<u8>> for ByteStream {
    fn from(bytes: Vec<u8>) -> Self {
        ByteStream::from(Bytes::from(bytes))
    }
}

impl From<String> for ByteStream {
    fn from(text: String) -> Self {
        ByteStream::from(Bytes::from(text))
    }
}

impl From<&'static str> for ByteStream {
    fn from(text: &'static str) -> Self {
        ByteStream::from(Bytes::from_static(text.as_bytes()))
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Bytes(b) => write!(f, "ByteStream({} bytes in memory)", b.len()),
            Inner::File(b) => write!(f, "ByteStream({} bytes of file `{}` from byte {})", b.length, b.path.display(), b.offset),
            Inner::Stream { length: Some(n), .. } | Inner::Reader(ReaderBody { length: Some(n), .. }) => {
                write!(f, "ByteStream(stream of {n} bytes)")
            }
            Inner::Stream { .. } | Inner::Reader(_) => f.write_str("ByteStream(stream of unknown length)"),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    pub(crate) fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn in_memory_body_is_replayable_and_collects() {
        runtime().block_on(async {
            let body = ByteStream::from("hello");
            assert!(body.is_replayable());
            let copy = body.try_clone().unwrap();
            assert_eq!(body.collect().await.unwrap(), Bytes::from_static(b"hello"));
            assert_eq!(copy.as_bytes().unwrap(), &Bytes::from_static(b"hello"));
        });
    }

    #[test]
    fn file_range_reads_exactly_its_bytes_and_replays() {
        runtime().block_on(async {
            let dir = std::env::temp_dir().join(format!("cos-sdk-body-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("data.bin");
            let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &data).unwrap();

            let whole = ByteStream::from_path(&path).await.unwrap();
            assert_eq!(whole.content_length(), Some(200_000));
            let again = whole.try_clone().unwrap();
            assert_eq!(whole.collect().await.unwrap().as_ref(), &data[..]);
            assert_eq!(again.collect().await.unwrap().as_ref(), &data[..]);

            let part = ByteStream::from_file_range(&path, 70_000, 100_000).await.unwrap();
            let mut read = Vec::new();
            part.into_async_read().read_to_end(&mut read).await.unwrap();
            assert_eq!(read, &data[70_000..170_000]);

            let err = ByteStream::from_file_range(&path, 150_000, 100_000).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(err.to_string().contains("past the end"), "{err}");
            let err = ByteStream::from_path(dir.join("missing")).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Io);
            assert!(err.to_string().contains("missing"), "{err}");
            std::fs::remove_dir_all(&dir).unwrap();
        });
    }

    #[test]
    fn streams_are_not_replayable() {
        runtime().block_on(async {
            let reader = std::io::Cursor::new(b"abc".to_vec());
            let body = ByteStream::from_reader(reader, Some(3));
            assert!(!body.is_replayable());
            assert!(body.try_clone().is_none());
            assert_eq!(body.content_length(), Some(3));
            assert_eq!(body.collect().await.unwrap(), Bytes::from_static(b"abc"));

            let inner = http_body_util::Full::new(Bytes::from_static(b"xyz"));
            let body = ByteStream::from_body(inner, None);
            assert_eq!(body.content_length(), Some(3));
            assert!(format!("{body:?}").contains("stream of 3 bytes"));
            assert_eq!(body.collect().await.unwrap(), Bytes::from_static(b"xyz"));
        });
    }

    #[test]
    fn write_to_file_lands_only_complete_bodies() {
        runtime().block_on(async {
            let dir = std::env::temp_dir().join(format!("cos-sdk-write-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let chunk = |i: u8| Ok::<_, io::Error>(Frame::data(Bytes::from(vec![i; 100_000])));
            // More chunks than the writer's queue holds: the sender waits, nothing is lost.
            let body = http_body_util::StreamBody::new(futures_util::stream::iter((0..40).map(chunk)));
            let written = ByteStream::from_body(body, None).write_to_file(dir.join("whole.bin")).await.unwrap();
            let back = std::fs::read(dir.join("whole.bin")).unwrap();
            assert_eq!((written, back.len()), (4_000_000, 4_000_000));
            assert!(back.chunks(100_000).enumerate().all(|(i, c)| c.iter().all(|b| usize::from(*b) == i)));

            // A body that breaks part-way leaves nothing under the name, and no temporary file.
            let broken = (0..3).map(chunk).chain([Err(io::Error::other("connection reset"))]);
            let body = http_body_util::StreamBody::new(futures_util::stream::iter(broken));
            let err = ByteStream::from_body(body, None).write_to_file(dir.join("broken.bin")).await.unwrap_err();
            assert!(err.to_string().contains("connection reset"), "{err}");
            let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert_eq!(names, ["whole.bin"]);
            std::fs::remove_dir_all(&dir).unwrap();
        });
    }

    #[test]
    fn collecting_joins_chunks_and_keeps_a_single_one_as_it_is() {
        runtime().block_on(async {
            let frames = |parts: Vec<&'static [u8]>| {
                let stream = futures_util::stream::iter(parts.into_iter().map(|p| Ok::<_, io::Error>(Frame::data(Bytes::from_static(p)))));
                ByteStream::from_body(http_body_util::StreamBody::new(stream), None)
            };
            let one: &'static [u8] = b"whole";
            let got = frames(vec![one]).collect().await.unwrap();
            assert_eq!(got.as_ptr(), one.as_ptr(), "a single chunk is not copied");
            assert_eq!(frames(vec![b"ab", b"", b"cd", b"e"]).collect().await.unwrap(), Bytes::from_static(b"abcde"));
            assert_eq!(frames(vec![]).collect().await.unwrap(), Bytes::new());
            let err = frames(vec![b"abc", b"def"]).collect_up_to(5, "the limit").await.unwrap_err();
            assert!(err.to_string().contains("larger than 5 bytes"), "{err}");

            // Chunks of a transport of one's own may be large: two of 9 MiB are 18 MiB, past the most
            // that is reserved ahead.
            let big = |byte: u8| Ok::<_, io::Error>(Frame::data(Bytes::from(vec![byte; 9 << 20])));
            let body = http_body_util::StreamBody::new(futures_util::stream::iter([big(1), big(2)]));
            let got = ByteStream::from_body(body, None).collect().await.unwrap();
            assert_eq!(got.len(), 18 << 20);
            assert!(got[..9 << 20].iter().all(|b| *b == 1) && got[9 << 20..].iter().all(|b| *b == 2));
        });
    }
}
