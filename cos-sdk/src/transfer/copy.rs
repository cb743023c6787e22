//! Server-side copies: one CopyObject below the multipart threshold, otherwise a multipart upload whose
//! parts are UploadPartCopy ranges pinned to the source's ETag, completed with the retention settings.
//! No bytes pass through the client.

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::sync::Arc;

use tokio::task::JoinSet;

use super::config::{part_count, part_range, MAX_PART_SIZE};
use super::handle::{until_stopped, StopSignal, Stopped, TransferHandle};
use super::options::{apply_settings, CustomerKey, ObjectSettings};
use super::pin::{object_changed, ObjectPin};
use super::progress::{ProgressEvent, ProgressListener, ProgressState};
use super::{
    abort_upload, join_message, ManagerInner, TransferManager,
};
use crate::runtime::protocol::copy_source::copy_source;
use crate::runtime::retry::{part_backoff, part_is_retryable};
use crate::runtime::error::{Error, ErrorKind};
use crate::types::{CompletedMultipartUpload, CompletedPart, MetadataDirective, RetentionDirective, TaggingDirective};

/// The object a copy reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopySource {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// A version to copy instead of the latest.
    pub version_id: Option<String>,
}

impl CopySource {
    /// The latest version of `bucket`/`key`.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> CopySource {
        CopySource { bucket: bucket.into(), key: key.into(), version_id: None }
    }
}

/// What a copy produced.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyOutput {
    /// The destination bucket.
    pub bucket: String,
    /// The destination key.
    pub key: String,
    /// The ETag of the new object.
    pub e_tag: Option<String>,
    /// The version id, on versioned buckets.
    pub version_id: Option<String>,
    /// The size in bytes.
    pub size: u64,
    /// How many UploadPartCopy parts were used; 0 for a single CopyObject.
    pub parts: u32,
}

/// A copy to start: set options, then await it or call [`CopyRequest::start`].
#[derive(Debug)]
#[must_use = "a copy does nothing until it is awaited or started"]
pub struct CopyRequest {
    manager: TransferManager,
    source: CopySource,
    bucket: String,
    key: String,
    settings: ObjectSettings,
    source_key: Option<CustomerKey>,
    listener: Option<ProgressListener>,
}

impl TransferManager {
    /// Copies `source` to `bucket`/`key` on the service side. The new object keeps the source's content
    /// type and metadata unless [`CopyRequest::settings`] sets content headers or metadata.
    pub fn copy(&self, source: CopySource, bucket: impl Into<String>, key: impl Into<String>) -> CopyRequest {
        CopyRequest {
            manager: self.clone(),
            source,
            bucket: bucket.into(),
            key: key.into(),
            settings: ObjectSettings::default(),
            source_key: None,
            listener: None,
        }
    }
}

impl CopyRequest {
    /// Settings of the new object (retention goes on CopyObject or CompleteMultipartUpload).
    pub fn settings(mut self, settings: ObjectSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The SSE-C key the source was written with.
    pub fn source_customer_key(mut self, key: CustomerKey) -> Self {
        self.source_key = Some(key);
        self
    }

    /// Calls `listener` with progress reports.
    pub fn on_progress(mut self, listener: ProgressListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Starts the copy in the background.
    pub fn start(self) -> TransferHandle<CopyOutput> {
        let stop = StopSignal::new();
        let progress = ProgressState::new(self.listener);
        let job = Arc::new(CopyJob {
            inner: self.manager.inner.clone(),
            source: self.source,
            bucket: self.bucket,
            key: self.key,
            settings: self.settings,
            source_key: self.source_key,
            stop: stop.clone(),
            progress: progress.clone(),
        });
        TransferHandle::spawn(stop, progress, async move {
            let context = format!("copying {}/{} to {}/{}", job.source.bucket, job.source.key, job.bucket, job.key);
            job.run().await.map_err(|e| e.map_message(|m| join_message(m, &context)))
        })
    }
}

impl IntoFuture for CopyRequest {
    type Output = Result<CopyOutput, Error>;
    type IntoFuture = TransferHandle<CopyOutput>;
    fn into_future(self) -> Self::IntoFuture {
        self.start()
    }
}

struct CopyJob {
    inner: Arc<ManagerInner>,
    source: CopySource,
    bucket: String,
    key: String,
    settings: ObjectSettings,
    source_key: Option<CustomerKey>,
    stop: Arc<StopSignal>,
    progress: Arc<ProgressState>,
}

impl CopyJob {
    fn source_sse_c(&self) -> (Option<String>, Option<String>, Option<String>) {
        match &self.source_key {
            Some(k) => (k.algorithm(), k.key(), k.key_md5()),
            None => (None, None, None),
        }
    }

    async fn run(self: Arc<Self>) -> Result<CopyOutput, Error> {
        let client = &self.inner.client;
        let (algorithm, key, key_md5) = self.source_sse_c();
        let head = client
            .head_object()
            .bucket(&self.source.bucket)
            .key(&self.source.key)
            .set_version_id(self.source.version_id.clone())
            .set_sse_customer_algorithm(algorithm.clone())
            .set_sse_customer_key(key.clone())
            .set_sse_customer_key_md5(key_md5.clone())
            .send()
            .await?;
        let pin = ObjectPin::from_head(&head, "the copy source")?;
        let size = pin.size;
        self.progress.set_total(Some(size));
        self.progress.report(0, ProgressEvent::Started);
        // On a versioned bucket the copy reads the version the HEAD saw.
        let version = self.source.version_id.as_deref().or(pin.version_id.as_deref());
        let copy_source = copy_source(&self.source.bucket, &self.source.key, version);
        let s = &self.settings;

        // A source that shows no ETag or version id is copied whole, in one CopyObject (up to 5 GiB, as
        // much as one part): its parts could not be told to be of one version.
        if !pin.identifies() && size > MAX_PART_SIZE {
            return Err(Error::new(
                ErrorKind::Integrity,
                format!(
                    "the copy source answers without an ETag or a version id, so a copy of its {size} bytes in parts \
                     could mix versions unnoticed, and one CopyObject takes at most 5 GiB; copy a version of it (give \
                     its version id) or download and upload it"
                ),
            ));
        }
        if size < self.inner.config.multipart_threshold() || !pin.identifies() {
            let request = client
                .copy_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .copy_source(copy_source)
                .set_copy_source_if_match(pin.e_tag.clone())
                .set_copy_source_sse_customer_algorithm(algorithm)
                .set_copy_source_sse_customer_key(key)
                .set_copy_source_sse_customer_key_md5(key_md5);
            let request = if s.has_content_settings() {
                let request = request.metadata_directive(MetadataDirective::Replace);
                apply_settings!(request, s, content)
            } else {
                request
            };
            let request = if s.tags.is_empty() { request } else { request.tagging_directive(TaggingDirective::Replace) };
            let request = apply_settings!(request, s, object);
            let request = apply_settings!(request, s, sse_c);
            let request = if s.has_retention() { request.retention_directive(RetentionDirective::Replace) } else { request };
            let request = apply_settings!(request, s, retention);
            let output = match until_stopped(&self.stop, request.send()).await {
                Ok(r) => r?,
                Err(reason) => return Err(StopSignal::error(reason, "copy")),
            };
            pin.check_identity(None, output.copy_source_version_id.as_deref())?;
            self.progress.report(size, ProgressEvent::PartDone { part_number: 1, bytes: size });
            self.progress.report(0, ProgressEvent::Completed);
            return Ok(CopyOutput {
                bucket: self.bucket.clone(),
                key: self.key.clone(),
                e_tag: output.copy_object_result.and_then(|r| r.e_tag),
                version_id: output.version_id,
                size,
                parts: 0,
            });
        }

        // Multipart: the new object takes the source's content headers and metadata unless overridden.
        let request = client.create_multipart_upload().bucket(&self.bucket).key(&self.key);
        let request = if s.has_content_settings() {
            apply_settings!(request, s, content)
        } else {
            request
                .set_content_type(head.content_type.clone())
                .set_cache_control(head.cache_control.clone())
                .set_content_disposition(head.content_disposition.clone())
                .set_content_encoding(head.content_encoding.clone())
                .set_content_language(head.content_language.clone())
                .set_metadata(head.metadata.clone())
        };
        let request = apply_settings!(request, s, object);
        let request = apply_settings!(request, s, sse_c);
        let upload_id = request
            .send()
            .await?
            .upload_id
            .ok_or_else(|| Error::response_parse("CreateMultipartUpload answered without an UploadId"))?;

        let part_size = self.inner.config.part_size_for(size)?;
        let count = part_count(size, part_size);
        let this = self.clone();
        let work = async {
            let mut tasks: JoinSet<Result<(u32, String), Error>> = JoinSet::new();
            let mut parts = BTreeMap::new();
            for n in 1..=count {
                while tasks.len() >= this.inner.config.max_concurrency() {
                    if let Some(joined) = tasks.join_next().await {
                        let (number, etag) = joined.map_err(task_error)??;
                        parts.insert(number, etag);
                    }
                }
                let (offset, len) = part_range(size, part_size, n);
                let job = this.clone();
                let upload_id = upload_id.clone();
                let copy_source = copy_source.clone();
                let pin = pin.clone();
                tasks.spawn(async move {
                    let part_number = n as u32;
                    let etag = job.copy_part(&upload_id, &copy_source, &pin, part_number, offset, len, count).await?;
                    job.progress.report(len, ProgressEvent::PartDone { part_number, bytes: len });
                    Ok((part_number, etag))
                });
            }
            while let Some(joined) = tasks.join_next().await {
                let (number, etag) = joined.map_err(task_error)??;
                parts.insert(number, etag);
            }
            // Stores that ignore x-amz-copy-source-if-match copy whatever the source is now: before the
            // parts become an object, the source must still be the one the copy started from.
            let (algorithm, key, key_md5) = this.source_sse_c();
            let again = client
                .head_object()
                .bucket(&this.source.bucket)
                .key(&this.source.key)
                .set_version_id(this.source.version_id.clone().or_else(|| pin.version_id.clone()))
                .set_sse_customer_algorithm(algorithm)
                .set_sse_customer_key(key)
                .set_sse_customer_key_md5(key_md5)
                .send()
                .await?;
            pin.check_identity(again.e_tag.as_deref(), again.version_id.as_deref())?;
            if again.content_length != head.content_length {
                return Err(object_changed("the copy source's size changed during the copy"));
            }
            let completed = parts
                .iter()
                .map(|(n, etag)| CompletedPart::builder().part_number(*n as i32).e_tag(etag.clone()).build())
                .collect::<Vec<_>>();
            let request = client
                .complete_multipart_upload()
                .bucket(&this.bucket)
                .key(&this.key)
                .upload_id(&upload_id)
                .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(completed)).build());
            let request = apply_settings!(request, s, sse_c);
            let request = apply_settings!(request, s, retention);
            request.send().await.map_err(Error::from)
        };
        let output = match until_stopped(&self.stop, work).await {
            Ok(Ok(output)) => output,
            Ok(Err(e)) => return Err(abort_upload(client, &self.bucket, &self.key, &upload_id, e).await),
            Err(Stopped::Paused) => {
                let e = StopSignal::error(Stopped::Cancelled, "copy")
                    .map_message(|m| join_message(m, "a copy cannot be paused, so it was cancelled"));
                return Err(abort_upload(client, &self.bucket, &self.key, &upload_id, e).await);
            }
            Err(reason) => return Err(abort_upload(client, &self.bucket, &self.key, &upload_id, StopSignal::error(reason, "copy")).await),
        };
        self.progress.report(0, ProgressEvent::Completed);
        Ok(CopyOutput {
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            e_tag: output.e_tag,
            version_id: output.version_id,
            size,
            parts: count as u32,
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn copy_part(
        &self,
        upload_id: &str,
        copy_source: &str,
        pin: &ObjectPin,
        part_number: u32,
        offset: u64,
        len: u64,
        count: u64,
    ) -> Result<String, Error> {
        let (src_algorithm, src_key, src_key_md5) = self.source_sse_c();
        let (algorithm, key, key_md5) = self.settings.sse_c();
        let attempts = self.inner.config.part_attempts();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let permit = self.inner.requests.acquire().await;
            let sent = self
                .inner
                .client
                .upload_part_copy()
                .bucket(&self.bucket)
                .key(&self.key)
                .upload_id(upload_id)
                .part_number(part_number as i32)
                .copy_source(copy_source)
                .copy_source_range(format!("bytes={}-{}", offset, offset + len - 1))
                .set_copy_source_if_match(pin.e_tag.clone())
                .set_copy_source_sse_customer_algorithm(src_algorithm.clone())
                .set_copy_source_sse_customer_key(src_key.clone())
                .set_copy_source_sse_customer_key_md5(src_key_md5.clone())
                .set_sse_customer_algorithm(algorithm.clone())
                .set_sse_customer_key(key.clone())
                .set_sse_customer_key_md5(key_md5.clone())
                .send()
                .await;
            drop(permit);
            let failed = match sent {
                Ok(output) => {
                    pin.check_identity(None, output.copy_source_version_id.as_deref())?;
                    match output.copy_part_result.and_then(|r| r.e_tag) {
                        Some(etag) => return Ok(etag),
                        None => Error::response_parse("UploadPartCopy answered without an ETag"),
                    }
                }
                Err(e) => e.into_error(),
            };
            if attempt < attempts && part_is_retryable(&failed) {
                self.progress.report(0, ProgressEvent::PartRetry { part_number, attempt, reason: failed.to_string() });
                tokio::time::sleep(part_backoff(attempt)).await;
                continue;
            }
            let end = offset + len - 1;
            return Err(failed.map_message(|m| {
                join_message(m, &format!("part {part_number} of {count} (bytes {offset}-{end}) failed after {attempt} attempt(s)"))
            }));
        }
    }
}

fn task_error(e: tokio::task::JoinError) -> Error {
    Error::new(ErrorKind::Io, "a part task ended abnormally (it panicked or was aborted)").with_source(e)
}
