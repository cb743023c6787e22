//! Downloads to a file or a stream. Files: parallel ranged GETs pinned to the object's ETag with
//! `If-Match`, written into a temporary file beside the target and renamed into place only when every byte
//! arrived, so the target name never holds a partial file; the finished parts are recorded so an
//! interrupted download resumes. Streams: the same ranged GETs, handed on in order, holding at most
//! `max_concurrency` parts in memory.

use std::fmt;
use std::future::IntoFuture;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{json, Map};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::config::{part_count, part_range};
use super::handle::{until_stopped, StopSignal, Stopped, TransferHandle};
use super::options::DownloadSettings;
use super::progress::{ProgressEvent, ProgressListener, ProgressState, REPORT_STEP};
use super::state::{read_state, RecordedPart, StateLog};
use super::target::{work_files, PartTarget, Sink};
use super::upload::file_error;
use super::pin::{bare_etag, is_object_changed, object_changed, ObjectPin};
use super::{join_message, ManagerInner, TransferManager};
use crate::runtime::retry::{part_backoff, part_is_retryable};
use crate::runtime::error::{Error, ErrorKind};
use crate::types::ChecksumMode;

/// What a download produced.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadOutput {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The ETag of the object that was read (every part was pinned to it).
    pub e_tag: Option<String>,
    /// The object's size in bytes.
    pub size: u64,
    /// How many ranged GETs were used; 0 for a single GET.
    pub parts: u32,
    /// Parts already on disk from an interrupted download that were not fetched again.
    pub resumed_parts: u32,
}

/// A download to a file: set options, then await it or call [`DownloadFileRequest::start`].
#[derive(Debug)]
#[must_use = "a download does nothing until it is awaited or started"]
pub struct DownloadFileRequest {
    manager: TransferManager,
    bucket: String,
    key: String,
    path: PathBuf,
    settings: DownloadSettings,
    listener: Option<ProgressListener>,
    resume: bool,
    known: Option<ObjectPin>,
}

/// A download to a writer or as ordered chunks.
#[derive(Debug)]
#[must_use = "a download does nothing until it is started"]
pub struct DownloadStreamRequest {
    manager: TransferManager,
    bucket: String,
    key: String,
    settings: DownloadSettings,
    listener: Option<ProgressListener>,
}

impl TransferManager {
    /// Downloads `bucket`/`key` to the file at `path`, replacing it only when the whole object arrived.
    pub fn download_file(&self, bucket: impl Into<String>, key: impl Into<String>, path: impl AsRef<Path>) -> DownloadFileRequest {
        DownloadFileRequest {
            manager: self.clone(),
            bucket: bucket.into(),
            key: key.into(),
            path: path.as_ref().to_path_buf(),
            settings: DownloadSettings::default(),
            listener: None,
            resume: true,
            known: None,
        }
    }

    /// Downloads `bucket`/`key` in order, to a writer ([`DownloadStreamRequest::write_to`]) or as chunks
    /// ([`DownloadStreamRequest::into_chunks`]).
    pub fn download_stream(&self, bucket: impl Into<String>, key: impl Into<String>) -> DownloadStreamRequest {
        DownloadStreamRequest {
            manager: self.clone(),
            bucket: bucket.into(),
            key: key.into(),
            settings: DownloadSettings::default(),
            listener: None,
        }
    }
}

impl DownloadFileRequest {
    /// Sets the SSE-C key or the version to read.
    pub fn settings(mut self, settings: DownloadSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Calls `listener` with progress reports.
    pub fn on_progress(mut self, listener: ProgressListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Whether an interrupted download of the same object version resumes from the parts already written
    /// (default true). Its temporary file `.NAME.cos-download` and state file `.NAME.cos-download.state`
    /// sit beside the target; they are kept when a download fails or is paused, removed when it is
    /// cancelled or finishes.
    pub fn resume(mut self, enabled: bool) -> Self {
        self.resume = enabled;
        self
    }

    /// The object's size and ETag, already known (from a listing): the download sends no HeadObject,
    /// which halves the requests for an object below the multipart threshold. Every GET still asks for
    /// this ETag (`If-Match`) and its length is checked against `size`, so an object that changed since
    /// it was listed fails the download instead of mixing two versions.
    ///
    /// Ignored when [`DownloadSettings::version_id`] asks for a version (the listing shows the latest).
    /// If the store refuses the listed ETag, the download asks HeadObject once and goes on from there:
    /// some stores list an ETag that differs from the one their GETs answer with.
    pub fn known_object(mut self, size: u64, e_tag: impl AsRef<str>) -> Self {
        self.known = Some(ObjectPin::listed(size, e_tag.as_ref()));
        self
    }

    /// Starts the download in the background.
    pub fn start(self) -> TransferHandle<DownloadOutput> {
        let stop = StopSignal::new();
        let progress = ProgressState::new(self.listener);
        let job = DownloadJob {
            inner: self.manager.inner.clone(),
            bucket: self.bucket,
            key: self.key,
            settings: self.settings,
            stop: stop.clone(),
            progress: progress.clone(),
            known: self.known,
        };
        let (path, resume) = (self.path, self.resume);
        TransferHandle::spawn(stop, progress, async move { Arc::new(job).to_file(&path, resume).await })
    }
}

impl IntoFuture for DownloadFileRequest {
    type Output = Result<DownloadOutput, Error>;
    type IntoFuture = TransferHandle<DownloadOutput>;
    fn into_future(self) -> Self::IntoFuture {
        self.start()
    }
}

impl DownloadStreamRequest {
    /// Sets the SSE-C key or the version to read.
    pub fn settings(mut self, settings: DownloadSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Calls `listener` with progress reports.
    pub fn on_progress(mut self, listener: ProgressListener) -> Self {
        self.listener = Some(listener);
        self
    }

    fn job(self) -> (DownloadJob, Arc<StopSignal>, Arc<ProgressState>) {
        let stop = StopSignal::new();
        let progress = ProgressState::new(self.listener);
        let job = DownloadJob {
            inner: self.manager.inner.clone(),
            bucket: self.bucket,
            key: self.key,
            settings: self.settings,
            stop: stop.clone(),
            progress: progress.clone(),
            known: None,
        };
        (job, stop, progress)
    }

    /// Writes the object into `writer` in order, and flushes it at the end.
    pub fn write_to(self, writer: impl AsyncWrite + Send + 'static) -> TransferHandle<DownloadOutput> {
        let (job, stop, progress) = self.job();
        TransferHandle::spawn(stop, progress, async move {
            let mut writer: Pin<Box<dyn AsyncWrite + Send>> = Box::pin(writer);
            let output = job.to_sink(&mut Sink::Writer(writer.as_mut())).await?;
            writer.flush().await.map_err(|e| Error::new(ErrorKind::Io, "flushing the download's writer failed").with_source(e))?;
            Ok(output)
        })
    }

    /// The object as a stream of chunks in order (see [`DownloadChunks`]).
    pub fn into_chunks(self) -> DownloadChunks {
        let (job, stop, progress) = self.job();
        let (sender, receiver) = mpsc::channel(1);
        let handle = TransferHandle::spawn(stop, progress, async move {
            let errors = sender.clone();
            let result = job.to_sink(&mut Sink::Channel(sender)).await;
            if let Err(e) = &result {
                let copy = Error::new(e.kind(), e.to_string());
                let _ = errors.send(Err(copy)).await;
            }
            result
        });
        DownloadChunks { receiver, handle }
    }
}

/// The chunks of a download in order: a `Stream` of `Result<Bytes, Error>` that ends after the last byte
/// (or after an error). At most `max_concurrency` parts are held in memory ahead of the reader.
pub struct DownloadChunks {
    receiver: mpsc::Receiver<Result<Bytes, Error>>,
    handle: TransferHandle<DownloadOutput>,
}

impl DownloadChunks {
    /// The next chunk; `None` at the end.
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, Error>> {
        self.receiver.recv().await
    }

    /// The handle of the download (to cancel it or read its progress). Await it after the last chunk for
    /// the download's summary.
    pub fn handle(&self) -> &TransferHandle<DownloadOutput> {
        &self.handle
    }

    /// Waits for the download to end and returns its summary; drains chunks not read.
    pub async fn finish(mut self) -> Result<DownloadOutput, Error> {
        self.receiver.close();
        while self.receiver.recv().await.is_some() {}
        self.handle.await
    }
}

impl futures_core::Stream for DownloadChunks {
    type Item = Result<Bytes, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.receiver.poll_recv(cx)
    }
}

impl fmt::Debug for DownloadChunks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadChunks").field("handle", &self.handle).finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub(crate) struct DownloadJob {
    pub(crate) inner: Arc<ManagerInner>,
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) settings: DownloadSettings,
    pub(crate) stop: Arc<StopSignal>,
    pub(crate) progress: Arc<ProgressState>,
    /// The object as a listing showed it, standing in for the HeadObject.
    pub(crate) known: Option<ObjectPin>,
}

impl DownloadJob {
    fn context(&self, e: Error) -> Error {
        e.map_message(|m| join_message(m, &format!("downloading {}/{}", self.bucket, self.key)))
    }

    async fn head(&self) -> Result<ObjectPin, Error> {
        if let Some(pin) = self.known.as_ref().filter(|_| self.settings.version_id.is_none()) {
            self.progress.set_total(Some(pin.size));
            self.progress.report(0, ProgressEvent::Started);
            return Ok(pin.clone());
        }
        let (algorithm, key, key_md5) = self.settings.sse_c();
        let head = self
            .inner
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .set_version_id(self.settings.version_id.clone())
            .set_sse_customer_algorithm(algorithm)
            .set_sse_customer_key(key)
            .set_sse_customer_key_md5(key_md5)
            .send()
            .await?;
        let pin = ObjectPin::from_head(&head, "the object")?;
        self.progress.set_total(Some(pin.size));
        self.progress.report(0, ProgressEvent::Started);
        Ok(pin)
    }

    /// One GET of `range` (or the whole object) pinned to the ETag, into `target`; a GET that breaks
    /// mid-way is attempted again from the start of its range, up to `part_attempts` times. Bytes count
    /// towards the progress as they arrive.
    async fn get_range(
        &self,
        info: &ObjectPin,
        range: Option<(u64, u64)>,
        part_number: u32,
        target: &mut PartTarget<'_, '_>,
    ) -> Result<u64, Error> {
        let expected = range.map(|(_, len)| len).unwrap_or(info.size);
        let attempts = self.inner.config.part_attempts();
        let (algorithm, key, key_md5) = self.settings.sse_c();
        // A whole-object GET checks the object's checksum when the transfers use flexible checksums.
        let checksum_mode = (range.is_none() && self.inner.config.checksum_algorithm().is_some()).then_some(ChecksumMode::Enabled);
        let mut attempt = 0;
        let mut failed: Option<Error> = None;
        loop {
            attempt += 1;
            if let Err(e) = target.restart().await {
                // Bytes already handed on cannot be taken back: report why the last attempt failed.
                return Err(match failed {
                    Some(failed) => failed.map_message(|m| join_message(m, "the bytes before it were already handed on")),
                    None => e,
                });
            }
            let permit = self.inner.requests.acquire().await;
            // Bytes are reported to the progress a step at a time (and the rest at the end), so a server
            // sending tiny chunks cannot flood a listener's channel.
            let (mut got, mut reported) = (0u64, 0u64);
            let result: Result<(), Error> = async {
                let mut output = self
                    .inner
                    .client
                    .get_object()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .set_range(range.map(|(offset, len)| format!("bytes={}-{}", offset, offset + len - 1)))
                    .set_if_match(info.e_tag.clone())
                    // On a versioned bucket every part asks for the version the HEAD saw.
                    .set_version_id(self.settings.version_id.clone().or_else(|| info.version_id.clone()))
                    .set_sse_customer_algorithm(algorithm.clone())
                    .set_sse_customer_key(key.clone())
                    .set_sse_customer_key_md5(key_md5.clone())
                    .set_checksum_mode(checksum_mode.clone())
                    .send()
                    .await?;
                info.check_get(&output, range)?;
                while let Some(chunk) = output.body.next_chunk().await {
                    let chunk = chunk?;
                    let len = chunk.len() as u64;
                    if got + len > expected {
                        return Err(Error::response_parse(format!(
                            "the service sent more than the {expected} bytes asked for; the object may have changed"
                        )));
                    }
                    got += len;
                    target.write(chunk).await?;
                    if got - reported >= REPORT_STEP {
                        self.progress.report(got - reported, ProgressEvent::Bytes);
                        reported = got;
                    }
                }
                if got > reported {
                    self.progress.report(got - reported, ProgressEvent::Bytes);
                    reported = got;
                }
                if got != expected {
                    return Err(Error::transport(format!("the body ended after {got} of {expected} bytes")));
                }
                target.finish().await
            }
            .await;
            drop(permit);
            target.close();
            match result {
                Ok(()) => return Ok(got),
                Err(e) => {
                    // Bytes of a failed attempt are taken back from the progress.
                    self.progress.sub(reported);
                    if is_object_changed(&e) {
                        return Err(match e.service_error() {
                            // The store kept If-Match: the same outcome, said the same way.
                            Some(details) => object_changed("the store refused the object's ETag (412 Precondition Failed)")
                                .with_service_error(details.clone()),
                            None => e,
                        });
                    }
                    if attempt < attempts && part_is_retryable(&e) {
                        self.progress.report(0, ProgressEvent::PartRetry { part_number, attempt, reason: e.to_string() });
                        tokio::time::sleep(part_backoff(attempt)).await;
                        failed = Some(e);
                        continue;
                    }
                    let what = match range {
                        Some((offset, len)) => format!("part {part_number} (bytes {offset}-{})", offset + len - 1),
                        None => "the GET".to_string(),
                    };
                    return Err(e.map_message(|m| join_message(m, &format!("{what} failed after {attempt} attempt(s)"))));
                }
            }
        }
    }

    /// Creates the temporary file `temp` of `size` bytes for a download in parts. Like every other use
    /// of the file (each part's writes, the final sync) it takes a request slot, so files held open stay
    /// bounded by the slots however many downloads start or end at once.
    async fn create_file(&self, temp: &Path, size: u64) -> Result<(), Error> {
        let _slot = self.inner.requests.acquire().await;
        let file = tokio::fs::File::create(temp).await.map_err(|e| file_error("create", temp, e))?;
        file.set_len(size).await.map_err(|e| file_error("set the size of", temp, e))
    }

    /// Makes the finished temporary file's data durable before it is renamed into place (in a
    /// request slot, as `create_file` explains).
    async fn sync_file(&self, temp: &Path) -> Result<(), Error> {
        let _slot = self.inner.requests.acquire().await;
        let file = tokio::fs::OpenOptions::new().write(true).open(temp).await.map_err(|e| file_error("open", temp, e))?;
        file.sync_all().await.map_err(|e| file_error("sync", temp, e))
    }

    pub(crate) async fn to_file(self: Arc<Self>, target: &Path, resume: bool) -> Result<DownloadOutput, Error> {
        let mut result = self.clone().to_file_inner(target, resume).await;
        // A listed ETag the store refuses: ask HeadObject once, then pin what it says.
        if matches!(&result, Err(e) if is_object_changed(e)) && self.known.is_some() {
            // The parts of the refused version no longer count.
            self.progress.sub(self.progress.done());
            let headed = Arc::new(DownloadJob { known: None, ..(*self).clone() });
            result = headed.to_file_inner(target, resume).await;
        }
        result.map_err(|e| self.context(e))
    }

    async fn to_file_inner(self: Arc<Self>, target: &Path, resume: bool) -> Result<DownloadOutput, Error> {
        let name = target
            .file_name()
            .ok_or_else(|| Error::invalid_input(format!("`{}` does not name a file; give a file path", target.display())))?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let [temp, state_path] = work_files(name).map(|n| dir.join(n));

        // The file is created only with the first bytes: a missing directory is said before any request.
        if !tokio::fs::metadata(&dir).await.is_ok_and(|m| m.is_dir()) {
            return Err(Error::invalid_input(format!(
                "`{}` is not a directory, so `{}` cannot be written; create the directory first",
                dir.display(),
                target.display()
            )));
        }
        if tokio::fs::metadata(target).await.is_ok_and(|m| m.is_dir()) {
            return Err(Error::invalid_input(format!(
                "`{}` is a directory; give the path of the file to write (for example `{}`)",
                target.display(),
                target.join(self.key.rsplit('/').next().unwrap_or("object")).display()
            )));
        }
        let info = match until_stopped(&self.stop, self.head()).await {
            Ok(r) => r?,
            Err(reason) => return Err(StopSignal::error(reason, "download")),
        };
        if info.size < self.inner.config.multipart_threshold() || !info.identifies() {
            // One request slot covers creating, writing and syncing the file. An object that shows no
            // ETag or version id is read in one GET too: its ranges could not be told to be of one version.
            let work = async { self.get_range(&info, None, 1, &mut PartTarget::whole_file(&temp)).await.map(drop) };
            return match until_stopped(&self.stop, work).await {
                Ok(Ok(())) => {
                    tokio::fs::rename(&temp, target).await.map_err(|e| file_error("rename the finished download to", target, e))?;
                    self.progress.report(0, ProgressEvent::Completed);
                    Ok(self.output(&info, 0, 0))
                }
                Ok(Err(e)) => {
                    let _ = tokio::fs::remove_file(&temp).await;
                    Err(e)
                }
                Err(reason) => {
                    let _ = tokio::fs::remove_file(&temp).await;
                    Err(StopSignal::error(reason, "download"))
                }
            };
        }

        let part_size = self.inner.config.part_size_for(info.size)?;
        let count = part_count(info.size, part_size);
        let etag = info.e_tag.clone().unwrap_or_default();
        let mut done: Vec<RecordedPart> = Vec::new();
        if resume {
            if let Some(saved) = read_state(&state_path, "download").ok().flatten() {
                let temp_len = tokio::fs::metadata(&temp).await.map(|m| m.len()).ok();
                let matches = saved.str("bucket") == Some(self.bucket.as_str())
                    && saved.str("key") == Some(self.key.as_str())
                    && !etag.is_empty()
                    && saved.str("etag").map(bare_etag) == Some(bare_etag(&etag))
                    && saved.u64("size") == Some(info.size)
                    && saved.u64("part_size") == Some(part_size)
                    && temp_len == Some(info.size);
                if matches {
                    done = saved
                        .parts
                        .into_iter()
                        .filter(|p| (1..=count).contains(&u64::from(p.part_number)) && part_range(info.size, part_size, u64::from(p.part_number)).1 == p.size)
                        .collect();
                }
            }
        }
        if done.is_empty() {
            self.create_file(&temp, info.size).await?;
        }
        let mut header = Map::new();
        header.insert("bucket".into(), json!(self.bucket));
        header.insert("key".into(), json!(self.key));
        header.insert("etag".into(), json!(etag));
        header.insert("size".into(), json!(info.size));
        header.insert("part_size".into(), json!(part_size));
        let state = Arc::new(StateLog::create(&state_path, "download", header, &done)?);
        let resumed = done.len() as u32;

        let work = async {
            let skip: std::collections::HashSet<u32> = done.iter().map(|p| p.part_number).collect();
            for p in &done {
                self.progress.report(p.size, ProgressEvent::PartSkipped { part_number: p.part_number, bytes: p.size });
            }
            let mut tasks: JoinSet<Result<(), Error>> = JoinSet::new();
            for n in 1..=count {
                let part_number = n as u32;
                if skip.contains(&part_number) {
                    continue;
                }
                // At most max_concurrency part tasks exist at a time.
                while tasks.len() >= self.inner.config.max_concurrency() {
                    if let Some(joined) = tasks.join_next().await {
                        joined.map_err(task_error)??;
                    }
                }
                let (offset, len) = part_range(info.size, part_size, n);
                let this = self.clone();
                let info = info.clone();
                let temp = temp.clone();
                let state = state.clone();
                tasks.spawn(async move {
                    let mut part = PartTarget::file(&temp, offset);
                    this.get_range(&info, Some((offset, len)), part_number, &mut part).await?;
                    state.record(&RecordedPart { part_number, size: len, etag: String::new(), checksum: None })?;
                    this.progress.report(0, ProgressEvent::PartDone { part_number, bytes: len });
                    Ok(())
                });
            }
            while let Some(joined) = tasks.join_next().await {
                joined.map_err(task_error)??;
            }
            self.sync_file(&temp).await
        };
        match until_stopped(&self.stop, work).await {
            Ok(Ok(())) => {
                tokio::fs::rename(&temp, target).await.map_err(|e| file_error("rename the finished download to", target, e))?;
                state.remove();
                self.progress.report(0, ProgressEvent::Completed);
                Ok(self.output(&info, count as u32, resumed))
            }
            Ok(Err(e)) => {
                if !resume || is_object_changed(&e) {
                    state.remove();
                    let _ = tokio::fs::remove_file(&temp).await;
                    Err(e)
                } else {
                    Err(e.map_message(|m| {
                        join_message(m, &format!("the parts already downloaded are kept in `{}`; download again to resume", temp.display()))
                    }))
                }
            }
            Err(Stopped::Paused) => Err(StopSignal::error(Stopped::Paused, "download")),
            Err(Stopped::Cancelled) => {
                state.remove();
                let _ = tokio::fs::remove_file(&temp).await;
                Err(StopSignal::error(Stopped::Cancelled, "download"))
            }
        }
    }

    fn output(&self, info: &ObjectPin, parts: u32, resumed_parts: u32) -> DownloadOutput {
        DownloadOutput {
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            e_tag: info.e_tag.clone(),
            size: info.size,
            parts,
            resumed_parts,
        }
    }

    async fn to_sink(&self, sink: &mut Sink<'_>) -> Result<DownloadOutput, Error> {
        let result = match until_stopped(&self.stop, self.to_sink_inner(sink)).await {
            Ok(r) => r,
            Err(reason) => Err(StopSignal::error(reason, "download")),
        };
        result.map_err(|e| self.context(e))
    }

    async fn to_sink_inner(&self, sink: &mut Sink<'_>) -> Result<DownloadOutput, Error> {
        let info = self.head().await?;
        if info.size < self.inner.config.multipart_threshold() || !info.identifies() {
            let mut part = PartTarget::Forward { sink, delivered: 0 };
            self.get_range(&info, None, 1, &mut part).await?;
            self.progress.report(0, ProgressEvent::Completed);
            return Ok(self.output(&info, 0, 0));
        }
        let part_size = self.inner.config.part_size_for(info.size)?;
        let count = part_count(info.size, part_size);
        let info_ref = &info;
        // Parts are fetched up to max_concurrency ahead, each into a pooled buffer, and handed on in order.
        let mut parts = futures_util::stream::iter(1..=count)
            .map(|n| async move {
                let (offset, len) = part_range(info_ref.size, part_size, n);
                let mut buffer = self.inner.buffers.take(len as usize).await?;
                let mut part = PartTarget::Buffer(buffer.data_mut());
                self.get_range(info_ref, Some((offset, len)), n as u32, &mut part).await?;
                Ok::<_, Error>((n as u32, len, buffer))
            })
            .buffered(self.inner.config.max_concurrency());
        while let Some(part) = parts.next().await {
            let (part_number, len, mut buffer) = part?;
            let bytes = buffer.freeze();
            sink.put(bytes.clone()).await?;
            buffer.recycle(bytes);
            self.progress.report(0, ProgressEvent::PartDone { part_number, bytes: len });
        }
        self.progress.report(0, ProgressEvent::Completed);
        Ok(self.output(&info, count as u32, 0))
    }
}

fn task_error(e: tokio::task::JoinError) -> Error {
    Error::new(ErrorKind::Io, "a part task ended abnormally (it panicked or was aborted)").with_source(e)
}
