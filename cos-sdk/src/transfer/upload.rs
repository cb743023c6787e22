//! Uploads from a file or a stream: one PutObject below the multipart threshold, otherwise a multipart
//! upload whose parts are read into pooled buffers, sent in parallel with Content-MD5 or the configured
//! flexible checksum, retried one by one, and completed with the retention settings. Any failure or cancel
//! aborts the multipart upload.

use std::collections::BTreeMap;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use serde_json::{json, Map};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::task::JoinSet;

use super::config::{model_algorithm, part_count, part_range, part_size_for, MAX_PARTS};
use super::handle::{until_stopped, StopSignal, Stopped, TransferHandle};
use super::options::{apply_settings, ObjectSettings};
use super::pool::PartBuffer;
use super::progress::{ProgressEvent, ProgressListener, ProgressState, SentBytes};
use super::state::{RecordedPart, StateLog};
use super::{abort_upload, join_message, ManagerInner, TransferManager};
use crate::runtime::retry::{part_backoff, part_is_retryable};
use crate::runtime::error::{Error, ErrorKind};
use crate::runtime::http::body::{run_blocking, BoxError, ByteStream};
use crate::runtime::protocol::checksum::Algorithm;

/// What an upload produced.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadOutput {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The ETag of the new object.
    pub e_tag: Option<String>,
    /// The version id, on versioned buckets.
    pub version_id: Option<String>,
    /// The object's size in bytes.
    pub size: u64,
    /// How many parts were used; 0 for a single PutObject.
    pub parts: u32,
    /// The multipart upload id, for multipart uploads.
    pub upload_id: Option<String>,
}

type BoxStream = Pin<Box<dyn futures_core::Stream<Item = Result<Bytes, BoxError>> + Send>>;

enum Source {
    File(PathBuf),
    Reader(Pin<Box<dyn AsyncRead + Send>>),
    Stream(BoxStream),
}

/// An upload to start: set options, then await it or call [`UploadRequest::start`] for a handle.
#[must_use = "an upload does nothing until it is awaited or started"]
pub struct UploadRequest {
    manager: TransferManager,
    bucket: String,
    key: String,
    source: Source,
    settings: ObjectSettings,
    listener: Option<ProgressListener>,
    state_file: Option<PathBuf>,
    size_hint: Option<u64>,
}

impl fmt::Debug for UploadRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::File(p) => format!("file `{}`", p.display()),
            Source::Reader(_) => "reader".to_string(),
            Source::Stream(_) => "stream".to_string(),
        };
        f.debug_struct("UploadRequest")
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("source", &source)
            .field("settings", &self.settings)
            .field("state_file", &self.state_file)
            .finish_non_exhaustive()
    }
}

impl TransferManager {
    /// Uploads the file at `path` to `bucket`/`key`.
    pub fn upload_file(&self, path: impl AsRef<Path>, bucket: impl Into<String>, key: impl Into<String>) -> UploadRequest {
        self.upload_request(Source::File(path.as_ref().to_path_buf()), bucket.into(), key.into())
    }

    /// Uploads everything `reader` gives until its end; the length need not be known. Parts are
    /// [`TransferConfig::part_size`](super::TransferConfig::part_size) bytes unless a
    /// [`size_hint`](UploadRequest::size_hint) asks for bigger ones, so without a hint at most
    /// 10,000 x part size bytes can be uploaded.
    pub fn upload_stream(
        &self,
        reader: impl AsyncRead + Send + 'static,
        bucket: impl Into<String>,
        key: impl Into<String>,
    ) -> UploadRequest {
        self.upload_request(Source::Reader(Box::pin(reader)), bucket.into(), key.into())
    }

    /// Uploads the chunks of `stream` in order until its end; like [`upload_stream`](Self::upload_stream).
    pub fn upload_chunks<S, E>(&self, stream: S, bucket: impl Into<String>, key: impl Into<String>) -> UploadRequest
    where
        S: futures_core::Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let stream: BoxStream = Box::pin(stream.map(|r| r.map_err(Into::into)));
        self.upload_request(Source::Stream(stream), bucket.into(), key.into())
    }

    fn upload_request(&self, source: Source, bucket: String, key: String) -> UploadRequest {
        UploadRequest {
            manager: self.clone(),
            bucket,
            key,
            source,
            settings: ObjectSettings::default(),
            listener: None,
            state_file: None,
            size_hint: None,
        }
    }
}

impl UploadRequest {
    /// Sets how the object is described and protected (content type, metadata, storage class, tags,
    /// encryption, object lock, retention).
    pub fn settings(mut self, settings: ObjectSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Calls `listener` with progress reports.
    pub fn on_progress(mut self, listener: ProgressListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Records the multipart upload's progress in `path` (file uploads only). If the file already holds
    /// the state of an interrupted upload of the same file to the same object, the upload resumes: the
    /// parts recorded there and confirmed by ListParts are not sent again. The file is deleted when the
    /// upload completes or is cancelled.
    pub fn state_file(mut self, path: impl AsRef<Path>) -> Self {
        self.state_file = Some(path.as_ref().to_path_buf());
        self
    }

    /// The expected size of a stream, used only to choose a part size big enough for 10,000 parts.
    pub fn size_hint(mut self, bytes: u64) -> Self {
        self.size_hint = Some(bytes);
        self
    }

    /// Starts the upload in the background.
    pub fn start(self) -> TransferHandle<UploadOutput> {
        let stop = StopSignal::new();
        let progress = ProgressState::new(self.listener.clone());
        let job = UploadJob {
            inner: self.manager.inner.clone(),
            bucket: self.bucket,
            key: self.key,
            settings: Arc::new(self.settings),
            state_file: self.state_file,
            size_hint: self.size_hint,
            stop: stop.clone(),
            progress: progress.clone(),
        };
        let source = self.source;
        let resumable = job.state_file.is_some();
        let handle = TransferHandle::spawn(stop, progress, async move { job.run(source).await });
        if resumable {
            handle.pause_on_drop()
        } else {
            handle
        }
    }
}

impl IntoFuture for UploadRequest {
    type Output = Result<UploadOutput, Error>;
    type IntoFuture = TransferHandle<UploadOutput>;
    fn into_future(self) -> Self::IntoFuture {
        self.start()
    }
}

/// Everything one upload needs, shared with its part tasks.
pub(crate) struct UploadJob {
    pub(crate) inner: Arc<ManagerInner>,
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) settings: Arc<ObjectSettings>,
    pub(crate) state_file: Option<PathBuf>,
    pub(crate) size_hint: Option<u64>,
    pub(crate) stop: Arc<StopSignal>,
    pub(crate) progress: Arc<ProgressState>,
}

/// The parts of one multipart upload, shared by its part tasks.
pub(crate) struct PartContext {
    pub(crate) inner: Arc<ManagerInner>,
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) upload_id: String,
    pub(crate) settings: Arc<ObjectSettings>,
    pub(crate) progress: Arc<ProgressState>,
    pub(crate) state: Option<StateLog>,
    /// The total number of parts, when known, for messages.
    pub(crate) part_count: Option<u64>,
}

impl UploadJob {
    async fn run(self, source: Source) -> Result<UploadOutput, Error> {
        match source {
            Source::File(path) => self.upload_file(&path).await,
            Source::Reader(reader) => self.upload_sequential(SequentialSource::Reader(reader)).await,
            Source::Stream(stream) => self.upload_sequential(SequentialSource::Stream(stream, Bytes::new())).await,
        }
        .map_err(|e| e.map_message(|m| join_message(m, &format!("uploading to {}/{}", self.bucket, self.key))))
    }

    pub(crate) async fn upload_file(&self, path: &Path) -> Result<UploadOutput, Error> {
        let (size, modified) = file_stamp(path).await?;
        // A file rewritten while it is read would be stored as a mix of old and new bytes: it must be
        // the same after its last byte is read as before the first.
        let unchanged = || async {
            let (size_now, modified_now) = file_stamp(path).await?;
            if size_now == size && modified_now == modified {
                Ok(())
            } else {
                Err(Error::new(
                    ErrorKind::Integrity,
                    format!("`{}` changed while it was uploaded, so it was not stored; upload it again once it is still", path.display()),
                ))
            }
        };
        self.progress.set_total(Some(size));
        self.progress.report(0, ProgressEvent::Started);
        let config = &self.inner.config;
        if size < config.multipart_threshold() {
            let mut buffer = self.inner.buffers.take(size as usize).await?;
            let algorithm = config.part_checksum();
            let (filled, checksum) = read_file_part(path.to_path_buf(), 0, size, algorithm, buffer.data_mut()).await?;
            *buffer.data_mut() = filled;
            unchanged().await?;
            let output = self.put_single(buffer, checksum).await?;
            self.progress.report(0, ProgressEvent::Completed);
            return Ok(output);
        }

        let mut resumed: Option<(String, u64, Vec<RecordedPart>)> = None;
        if let Some(state_path) = &self.state_file {
            resumed = self.check_resume(state_path, path, size, &modified).await?;
        }
        let (upload_id, part_size, done_parts) = match resumed {
            Some(r) => r,
            None => (self.create_upload().await?, config.part_size_for(size)?, Vec::new()),
        };
        let count = part_count(size, part_size);
        let state = match &self.state_file {
            Some(state_path) => {
                let mut header = Map::new();
                header.insert("bucket".into(), json!(self.bucket));
                header.insert("key".into(), json!(self.key));
                header.insert("upload_id".into(), json!(upload_id));
                header.insert("part_size".into(), json!(part_size));
                header.insert("source".into(), json!(path.to_string_lossy()));
                header.insert("source_size".into(), json!(size));
                header.insert("source_modified".into(), json!(modified));
                header.insert("checksum_algorithm".into(), json!(config.part_checksum().name()));
                if config.part_checksum() != Algorithm::Md5 {
                    header.insert("version".into(), json!(2));
                }
                match StateLog::create(state_path, "upload", header, &done_parts) {
                    Ok(log) => Some(log),
                    Err(e) => return Err(abort_upload(&self.inner.client, &self.bucket, &self.key, &upload_id, e).await),
                }
            }
            None => None,
        };
        let ctx = Arc::new(PartContext {
            inner: self.inner.clone(),
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            upload_id: upload_id.clone(),
            settings: self.settings.clone(),
            progress: self.progress.clone(),
            state,
            part_count: Some(count),
        });
        let path_buf = path.to_path_buf();
        let parts = self.run_parts(&ctx, async {
            let mut finished: BTreeMap<u32, RecordedPart> = BTreeMap::new();
            let mut tasks = JoinSet::new();
            for part in &done_parts {
                ctx.progress.report(part.size, ProgressEvent::PartSkipped { part_number: part.part_number, bytes: part.size });
                finished.insert(part.part_number, part.clone());
            }
            for n in 1..=count {
                let part_number = n as u32;
                if finished.contains_key(&part_number) {
                    continue;
                }
                while let Some(joined) = tasks.try_join_next() {
                    let part = joined_part(joined)?;
                    finished.insert(part.part_number, part);
                }
                let (offset, len) = part_range(size, part_size, n);
                // Back-pressure: the next part is read only when a buffer is free.
                let mut buffer = self.inner.buffers.take(len as usize).await?;
                let ctx = ctx.clone();
                let path = path_buf.clone();
                let algorithm = config.part_checksum();
                tasks.spawn(async move {
                    let (filled, checksum) = read_file_part(path, offset, len, algorithm, buffer.data_mut()).await?;
                    *buffer.data_mut() = filled;
                    send_part(&ctx, part_number, offset, buffer, checksum).await
                });
            }
            while let Some(joined) = tasks.join_next().await {
                let part = joined_part(joined)?;
                finished.insert(part.part_number, part);
            }
            unchanged().await?;
            Ok(finished)
        });
        let parts = parts.await?;
        let output = self.complete(&ctx, parts, Some(size)).await?;
        self.progress.report(0, ProgressEvent::Completed);
        Ok(output)
    }

    /// Runs the part loop; on failure or cancel aborts the upload, on pause keeps it.
    async fn run_parts(
        &self,
        ctx: &PartContext,
        work: impl Future<Output = Result<BTreeMap<u32, RecordedPart>, Error>>,
    ) -> Result<BTreeMap<u32, RecordedPart>, Error> {
        let client = &self.inner.client;
        match until_stopped(&self.stop, work).await {
            Ok(Ok(parts)) => Ok(parts),
            // The state file goes only once the abort has run: a process that ends before then keeps it,
            // and the next run with it finds the upload to abort or resume.
            Ok(Err(e)) => {
                let error = abort_upload(client, &self.bucket, &self.key, &ctx.upload_id, e).await;
                if let Some(state) = &ctx.state {
                    state.remove();
                }
                Err(error)
            }
            Err(Stopped::Paused) => Err(StopSignal::error(Stopped::Paused, "upload")
                .map_message(|m| join_message(m, &format!("multipart upload {} kept", ctx.upload_id)))),
            Err(Stopped::Cancelled) => {
                let cancelled = StopSignal::error(Stopped::Cancelled, "upload");
                let error = abort_upload(client, &self.bucket, &self.key, &ctx.upload_id, cancelled).await;
                if let Some(state) = &ctx.state {
                    state.remove();
                }
                Err(error)
            }
        }
    }

    async fn upload_sequential(&self, mut source: SequentialSource) -> Result<UploadOutput, Error> {
        if self.state_file.is_some() {
            return Err(Error::invalid_input(
                "a state file can only be used with upload_file; a stream cannot be read again to resume",
            ));
        }
        let config = &self.inner.config;
        self.progress.set_total(self.size_hint);
        self.progress.report(0, ProgressEvent::Started);
        let part_size = match self.size_hint {
            Some(hint) => part_size_for(hint, config.part_size())?,
            None => config.part_size(),
        };
        // The first part decides: a stream that ends below the threshold is one PutObject.
        let mut first = self.inner.buffers.take(part_size as usize).await?;
        let first_len = source.fill(first.data_mut(), part_size as usize).await?;
        if first_len < part_size as usize && (first_len as u64) < config.multipart_threshold() {
            let checksum = config.part_checksum().base64(first.data_mut());
            let output = self.put_single(first, checksum).await?;
            self.progress.report(0, ProgressEvent::Completed);
            return Ok(output);
        }
        let upload_id = self.create_upload().await?;
        let ctx = Arc::new(PartContext {
            inner: self.inner.clone(),
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            upload_id,
            settings: self.settings.clone(),
            progress: self.progress.clone(),
            state: None,
            part_count: None,
        });
        let parts = self.run_parts(&ctx, async {
            let mut finished: BTreeMap<u32, RecordedPart> = BTreeMap::new();
            let mut tasks = JoinSet::new();
            let mut next = Some(first);
            let mut offset = 0u64;
            let mut part_number = 0u32;
            loop {
                while let Some(joined) = tasks.try_join_next() {
                    let part = joined_part(joined)?;
                    finished.insert(part.part_number, part);
                }
                let mut buffer = match next.take() {
                    Some(b) => b,
                    None => {
                        let mut b = self.inner.buffers.take(part_size as usize).await?;
                        if source.fill(b.data_mut(), part_size as usize).await? == 0 {
                            break;
                        }
                        b
                    }
                };
                part_number += 1;
                if u64::from(part_number) > MAX_PARTS {
                    return Err(Error::invalid_input(format!(
                        "the stream is longer than {MAX_PARTS} parts of {part_size} bytes; give a size_hint so bigger parts are used"
                    )));
                }
                let len = buffer.data_mut().len() as u64;
                let ctx = ctx.clone();
                let part_offset = offset;
                offset += len;
                let algorithm = config.part_checksum();
                tasks.spawn(async move {
                    let checksum = algorithm.base64(buffer.data_mut());
                    send_part(&ctx, part_number, part_offset, buffer, checksum).await
                });
                if len < part_size {
                    break;
                }
            }
            while let Some(joined) = tasks.join_next().await {
                let part = joined_part(joined)?;
                finished.insert(part.part_number, part);
            }
            Ok(finished)
        });
        let parts = parts.await?;
        let output = self.complete(&ctx, parts, None).await?;
        self.progress.report(0, ProgressEvent::Completed);
        Ok(output)
    }

    async fn create_upload(&self) -> Result<String, Error> {
        let s = &*self.settings;
        let request = self
            .inner
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .set_checksum_algorithm(model_algorithm(self.inner.config.part_checksum()));
        let request = apply_settings!(request, s, content);
        let request = apply_settings!(request, s, object);
        let request = apply_settings!(request, s, sse_c);
        let output = request.send().await?;
        output.upload_id.filter(|id| !id.is_empty()).ok_or_else(|| {
            Error::response_parse("CreateMultipartUpload answered without an UploadId; the service is not S3-compatible here")
        })
    }

    /// One PutObject with everything, retention included, and the body's checksum.
    async fn put_single(&self, mut buffer: PartBuffer, checksum: String) -> Result<UploadOutput, Error> {
        let s = &*self.settings;
        let bytes = buffer.freeze();
        let size = bytes.len() as u64;
        let sent_bytes = SentBytes::new(self.progress.clone());
        let request = self
            .inner
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_length(size as i64)
            .body(ByteStream::from(bytes.clone()).observe_sent(sent_bytes.observer()));
        let request = apply_checksum!(request, self.inner.config.part_checksum(), &checksum, with_algorithm);
        let request = apply_settings!(request, s, content);
        let request = apply_settings!(request, s, object);
        let request = apply_settings!(request, s, sse_c);
        let request = apply_settings!(request, s, retention);
        let permit = self.inner.requests.acquire().await;
        let sent = until_stopped(&self.stop, request.send()).await;
        drop(permit);
        buffer.recycle(bytes);
        let output = match sent {
            Ok(result) => result?,
            Err(reason) => return Err(StopSignal::error(reason, "upload")),
        };
        self.progress.report(sent_bytes.rest(size), ProgressEvent::PartDone { part_number: 1, bytes: size });
        Ok(UploadOutput {
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            e_tag: output.e_tag,
            version_id: output.version_id,
            size,
            parts: 0,
            upload_id: None,
        })
    }
}

/// Unwraps a finished part task.
fn joined_part(joined: Result<Result<RecordedPart, Error>, tokio::task::JoinError>) -> Result<RecordedPart, Error> {
    match joined {
        Ok(result) => result,
        Err(e) => Err(Error::new(ErrorKind::Io, "a part task ended abnormally (it panicked or was aborted)").with_source(e)),
    }
}

/// Sends one part with its checksum (base64, of the configured algorithm), attempting it up to
/// `part_attempts` times, and records it.
async fn send_part(
    ctx: &PartContext,
    part_number: u32,
    offset: u64,
    mut buffer: PartBuffer,
    checksum: String,
) -> Result<RecordedPart, Error> {
    let bytes = buffer.freeze();
    let len = bytes.len() as u64;
    let attempts = ctx.inner.config.part_attempts();
    let algorithm = ctx.inner.config.part_checksum();
    let mut attempt = 0;
    let sent_bytes = SentBytes::new(ctx.progress.clone());
    let result = loop {
        attempt += 1;
        let permit = ctx.inner.requests.acquire().await;
        let request = ctx
            .inner
            .client
            .upload_part()
            .bucket(&ctx.bucket)
            .key(&ctx.key)
            .upload_id(&ctx.upload_id)
            .part_number(part_number as i32)
            .content_length(len as i64)
            .body(ByteStream::from(bytes.clone()).observe_sent(sent_bytes.observer()));
        let request = apply_checksum!(request, algorithm, &checksum, with_algorithm);
        let sent = apply_settings!(request, &*ctx.settings, sse_c).send().await;
        drop(permit);
        match sent {
            Ok(output) => match output.e_tag {
                Some(etag) if !etag.is_empty() => break Ok(etag),
                _ => break Err(Error::response_parse("UploadPart answered without an ETag")),
            },
            Err(e) if attempt < attempts && part_is_retryable(&e) => {
                ctx.progress.report(0, ProgressEvent::PartRetry { part_number, attempt, reason: e.to_string() });
                tokio::time::sleep(part_backoff(attempt)).await;
            }
            Err(e) => break Err(e.into_error()),
        }
    };
    buffer.recycle(bytes);
    let etag = result.map_err(|e| {
        let of = ctx.part_count.map(|c| format!(" of {c}")).unwrap_or_default();
        let end = (offset + len).saturating_sub(1);
        e.map_message(|m| {
            join_message(m, &format!("part {part_number}{of} (bytes {offset}-{end}) failed after {attempt} attempt(s)"))
        })
    })?;
    let part = RecordedPart { part_number, size: len, etag, checksum: (algorithm != Algorithm::Md5).then_some(checksum) };
    if let Some(state) = &ctx.state {
        // A part that cannot be recorded is only sent again on resume; the upload itself goes on.
        if let Err(e) = state.record(&part) {
            tracing::warn!(error = %e, "could not record a finished part in the state file");
        }
    }
    ctx.progress.report(sent_bytes.rest(len), ProgressEvent::PartDone { part_number, bytes: len });
    Ok(part)
}

/// Reads `len` bytes at `offset` of `path` into `buffer` on a blocking thread, and computes their checksum.
async fn read_file_part(
    path: PathBuf,
    offset: u64,
    len: u64,
    algorithm: Algorithm,
    buffer: &mut BytesMut,
) -> Result<(BytesMut, String), Error> {
    let mut data = std::mem::take(buffer);
    run_blocking("the file reading task", move || {
        use std::io::{Read, Seek, SeekFrom};
        let read = (|| {
            let mut file = std::fs::File::open(&path)?;
            file.seek(SeekFrom::Start(offset))?;
            data.clear();
            data.resize(len as usize, 0);
            file.read_exact(&mut data[..])
        })();
        match read {
            Ok(()) => {
                let checksum = algorithm.base64(&data);
                Ok((data, checksum))
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(Error::new(
                ErrorKind::Io,
                format!("`{}` ended before byte {}; it changed during the upload, upload it again", path.display(), offset + len),
            )),
            Err(e) => Err(file_error("read", &path, e)),
        }
    })
    .await?
}

/// Sets a part's checksum on a request builder: `Content-MD5`, or the flexible checksum (with its algorithm
/// when the request has a member for it).
macro_rules! apply_checksum {
    ($builder:expr, $algorithm:expr, $value:expr, with_algorithm) => {{
        let (algorithm, value): (Algorithm, &String) = ($algorithm, $value);
        let builder = apply_checksum!($builder, algorithm, Some(value), values);
        builder.set_content_md5((algorithm == Algorithm::Md5).then(|| value.clone())).set_checksum_algorithm(model_algorithm(algorithm))
    }};
    ($builder:expr, $algorithm:expr, $value:expr, values) => {{
        let (algorithm, value): (Algorithm, Option<&String>) = ($algorithm, $value);
        let of = |wanted: Algorithm| value.filter(|_| algorithm == wanted).cloned();
        $builder
            .set_checksum_crc32(of(Algorithm::Crc32))
            .set_checksum_crc32c(of(Algorithm::Crc32c))
            .set_checksum_crc64_nvme(of(Algorithm::Crc64Nvme))
            .set_checksum_sha1(of(Algorithm::Sha1))
            .set_checksum_sha256(of(Algorithm::Sha256))
    }};
}
pub(crate) use apply_checksum;

/// A regular file's size and modification time (nanoseconds since the epoch, as text; empty where the
/// file system keeps none): what tells one state of the file from another.
async fn file_stamp(path: &Path) -> Result<(u64, String), Error> {
    let metadata = tokio::fs::metadata(path).await.map_err(|e| file_error("read the metadata of", path, e))?;
    if !metadata.is_file() {
        return Err(Error::invalid_input(format!("`{}` is not a regular file; give the path of a file", path.display())));
    }
    let modified = metadata.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok());
    Ok((metadata.len(), modified.map(|d| d.as_nanos().to_string()).unwrap_or_default()))
}

pub(crate) fn file_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("could not {what} `{}`; check that it exists and is accessible", path.display()))
        .with_source(e)
}

/// A source read in order: a reader, or a stream of chunks with what is left of the last one.
enum SequentialSource {
    Reader(Pin<Box<dyn AsyncRead + Send>>),
    Stream(BoxStream, Bytes),
}

impl SequentialSource {
    /// Appends up to `want` bytes to `buffer` (fewer only at the end of the source); returns how many.
    async fn fill(&mut self, buffer: &mut BytesMut, want: usize) -> Result<usize, Error> {
        let start = buffer.len();
        match self {
            SequentialSource::Reader(reader) => {
                buffer.resize(start + want, 0);
                let mut filled = 0;
                while filled < want {
                    let n = reader
                        .read(&mut buffer[start + filled..start + want])
                        .await
                        .map_err(|e| Error::new(ErrorKind::Io, "reading the stream to upload failed").with_source(e))?;
                    if n == 0 {
                        break;
                    }
                    filled += n;
                }
                buffer.truncate(start + filled);
                Ok(filled)
            }
            SequentialSource::Stream(stream, rest) => {
                while buffer.len() - start < want {
                    if rest.is_empty() {
                        match stream.next().await {
                            None => break,
                            Some(Ok(chunk)) => *rest = chunk,
                            Some(Err(e)) => {
                                return Err(Error::new(ErrorKind::Io, "the stream to upload failed").with_source(e))
                            }
                        }
                    }
                    let take = rest.len().min(want - (buffer.len() - start));
                    buffer.extend_from_slice(&rest.split_to(take));
                }
                Ok(buffer.len() - start)
            }
        }
    }
}
