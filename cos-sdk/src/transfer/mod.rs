//! The transfer manager: uploads, downloads and copies of any size, in parallel parts, with bounded
//! memory, retries per part, cancellation, progress, and resume from a state file.
//!
//! ```no_run
//! # async fn f(client: cos_sdk::Client) -> Result<(), cos_sdk::Error> {
//! use cos_sdk::transfer::{ObjectSettings, TransferManager};
//! let manager = TransferManager::new(client);
//! manager
//!     .upload_file("backup.tar", "my-bucket", "backups/backup.tar")
//!     .settings(ObjectSettings::new().storage_class("GLACIER").retention_period(86_400))
//!     .await?;
//! manager.download_file("my-bucket", "backups/backup.tar", "restored.tar").await?;
//! # Ok(()) }
//! ```
//!
//! Every operation returns a request builder; awaiting it starts the transfer and waits for it, and
//! `start()` gives a [`TransferHandle`] to cancel, pause or watch it.

mod complete;
mod config;
mod copy;
mod directory;
mod download;
mod glob;
mod handle;
mod options;
mod pin;
mod pool;
mod progress;
mod resume;
pub(crate) mod state;
mod target;
mod upload;

use std::sync::Arc;

use tokio::sync::Semaphore;

pub use config::{part_count, part_range, part_size_for, TransferConfig, TransferConfigBuilder, GIB, MAX_PARTS, MAX_PART_SIZE, MIB, MIN_PART_SIZE};
pub use copy::{CopyOutput, CopyRequest, CopySource};
pub use directory::{DirectoryDownloadRequest, DirectoryOutput, DirectoryUploadRequest};
pub use download::{DownloadChunks, DownloadFileRequest, DownloadOutput, DownloadStreamRequest};
pub use glob::Glob;
pub use handle::{was_cancelled, was_paused, Stopped, TransferHandle};
pub use options::{CustomerKey, DownloadSettings, ObjectSettings};
pub use progress::{Progress, ProgressEvent, ProgressListener};
pub use target::{file_identity, is_work_file};
pub use upload::{UploadOutput, UploadRequest};

use crate::client::Client;
use crate::runtime::error::Error;
use crate::runtime::retry::{part_backoff, part_is_retryable};
use pool::BufferPool;

/// Moves objects between local files or streams and buckets, in parallel parts above the multipart
/// threshold. Cheap to clone; clones share the client, the part buffers and the request limit, so all
/// transfers started from one manager together stay within its memory and concurrency bounds.
#[derive(Clone, Debug)]
pub struct TransferManager {
    inner: Arc<ManagerInner>,
}

#[derive(Debug)]
pub(crate) struct ManagerInner {
    pub(crate) client: Client,
    pub(crate) config: TransferConfig,
    /// `max_concurrency` part buffers shared by every transfer.
    pub(crate) buffers: Arc<BufferPool>,
    /// `max_concurrency` request slots shared by every transfer.
    pub(crate) requests: Arc<Semaphore>,
}

impl TransferManager {
    /// A manager with the default [`TransferConfig`] (boto3's settings).
    pub fn new(client: Client) -> TransferManager {
        TransferManager::with_config(client, TransferConfig::default())
    }

    /// A manager with `config`.
    pub fn with_config(client: Client, config: TransferConfig) -> TransferManager {
        let slots = config.max_concurrency();
        TransferManager {
            inner: Arc::new(ManagerInner {
                client,
                config,
                buffers: BufferPool::new(slots),
                requests: Arc::new(Semaphore::new(slots)),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &TransferConfig {
        &self.inner.config
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }
}

/// Whether `error` says the multipart upload no longer exists.
pub(crate) fn is_no_such_upload(error: &Error) -> bool {
    error.service_error().map(|s| s.code() == "NoSuchUpload" || s.status() == 404).unwrap_or(false)
}

/// How many times an abort is sent (each with the client's own retries) before its parts are left to
/// a lifecycle rule: an upload left behind keeps taking space, so this tries harder than a part does.
const ABORT_ROUNDS: u32 = 3;

/// Aborts a multipart upload after a failure or a cancel, and says in `error` what happened to it.
pub(crate) async fn abort_upload(client: &Client, bucket: &str, key: &str, upload_id: &str, error: Error) -> Error {
    let mut round = 1;
    let aborted = loop {
        match client.abort_multipart_upload().bucket(bucket).key(key).upload_id(upload_id).send().await {
            // Already gone: aborted (or completed) by an earlier attempt whose answer was lost.
            Err(e) if is_no_such_upload(&e) => break Err(None),
            Err(e) if round < ABORT_ROUNDS && part_is_retryable(&e) => {
                tokio::time::sleep(part_backoff(round)).await;
                round += 1;
            }
            done => break done.map(|_| ()).map_err(Some),
        }
    };
    match aborted {
        Ok(()) => error.map_message(|m| join_message(m, &format!("the multipart upload {upload_id} was aborted"))),
        Err(None) => error.map_message(|m| {
            join_message(m, &format!("the multipart upload {upload_id} no longer exists (an earlier abort or completion went through)"))
        }),
        Err(Some(e)) => error.map_message(|m| {
            join_message(
                m,
                &format!(
                    "aborting the multipart upload {upload_id} also failed ({e}); abort it with AbortMultipartUpload \
                     or a lifecycle rule, or its parts keep taking space"
                ),
            )
        }),
    }
}

pub(crate) fn join_message(first: &str, second: &str) -> String {
    if first.is_empty() {
        second.to_string()
    } else {
        format!("{first}; {second}")
    }
}
