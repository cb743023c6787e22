//! `TransferHandle`: a running transfer that can be awaited, cancelled, paused and observed; and the
//! stop signal its tasks watch.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::progress::ProgressState;
use crate::runtime::error::{Error, ErrorKind};

const RUNNING: u8 = 0;
const CANCELLED: u8 = 1;
const PAUSED: u8 = 2;

/// Why a transfer stopped early; the source of the error a cancelled or paused transfer returns.
/// Test for it with [`was_cancelled`] and [`was_paused`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// [`TransferHandle::cancel`]: multipart uploads were aborted, partial downloads removed.
    Cancelled,
    /// [`TransferHandle::pause`]: the multipart upload and the state file were kept for a resume.
    Paused,
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stopped::Cancelled => f.write_str("the transfer was cancelled"),
            Stopped::Paused => f.write_str("the transfer was paused"),
        }
    }
}

impl std::error::Error for Stopped {}

/// Whether `error` is the result of [`TransferHandle::cancel`].
pub fn was_cancelled(error: &Error) -> bool {
    stopped_reason(error) == Some(Stopped::Cancelled)
}

/// Whether `error` is the result of [`TransferHandle::pause`].
pub fn was_paused(error: &Error) -> bool {
    stopped_reason(error) == Some(Stopped::Paused)
}

fn stopped_reason(error: &Error) -> Option<Stopped> {
    std::error::Error::source(error).and_then(|s| s.downcast_ref::<Stopped>()).copied()
}

/// The stop signal of one transfer, shared by its handle and its tasks.
#[derive(Debug, Default)]
pub(crate) struct StopSignal {
    state: AtomicU8,
    notify: Notify,
}

impl StopSignal {
    pub(crate) fn new() -> Arc<StopSignal> {
        Arc::new(StopSignal::default())
    }

    fn stop(&self, how: u8) {
        if self.state.compare_exchange(RUNNING, how, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            self.notify.notify_waiters();
        }
    }

    /// How the transfer was stopped, if it was.
    pub(crate) fn reason(&self) -> Option<Stopped> {
        match self.state.load(Ordering::SeqCst) {
            CANCELLED => Some(Stopped::Cancelled),
            PAUSED => Some(Stopped::Paused),
            _ => None,
        }
    }

    /// Waits until the transfer is stopped.
    pub(crate) async fn stopped(&self) -> Stopped {
        loop {
            let notified = self.notify.notified();
            if let Some(reason) = self.reason() {
                return reason;
            }
            notified.await;
        }
    }

    /// The error a stopped transfer returns.
    pub(crate) fn error(reason: Stopped, what: &str) -> Error {
        let advice = match reason {
            Stopped::Cancelled => "nothing was left behind",
            Stopped::Paused => "start it again with the same state file to resume",
        };
        Error::new(ErrorKind::Stopped, format!("{what}: {reason}; {advice}")).with_source(reason)
    }
}

/// Runs `work` until it finishes or the transfer is stopped; on a stop, `work` is dropped (its tasks are
/// aborted) and the reason is returned.
pub(crate) async fn until_stopped<T, E: Into<Error>>(
    stop: &StopSignal,
    work: impl Future<Output = Result<T, E>>,
) -> Result<Result<T, Error>, Stopped> {
    let work = std::pin::pin!(work);
    let stopped = std::pin::pin!(stop.stopped());
    match futures_util::future::select(work, stopped).await {
        futures_util::future::Either::Left((result, _)) => Ok(result.map_err(Into::into)),
        futures_util::future::Either::Right((reason, _)) => Err(reason),
    }
}

/// A running transfer. Await it (it is a `Future`) for the result; [`cancel`](Self::cancel) it to stop
/// and clean up; [`pause`](Self::pause) it to stop and keep what is needed to resume; read
/// [`bytes_done`](Self::bytes_done) and [`total`](Self::total) at any time.
///
/// Dropping the handle before the transfer ends stops it: an upload with a state file is paused (its
/// state and multipart upload are kept for a resume), anything else is cancelled as by
/// [`cancel`](Self::cancel), so a `tokio::time::timeout(limit, handle)` that runs out cleans up too.
/// The cleanup runs on the transfer's task, so it needs the runtime to keep running a moment.
/// [`detach`](Self::detach) lets the transfer run on in the background instead.
#[must_use = "dropping a TransferHandle stops the transfer; await it, or call detach() to let it run on"]
pub struct TransferHandle<T> {
    task: JoinHandle<Result<T, Error>>,
    stop: Arc<StopSignal>,
    progress: Arc<ProgressState>,
    /// What a drop before the end does: `CANCELLED`, or `PAUSED` when the transfer can resume.
    on_drop: u8,
    detached: bool,
}

impl<T: Send + 'static> TransferHandle<T> {
    pub(crate) fn spawn(
        stop: Arc<StopSignal>,
        progress: Arc<ProgressState>,
        work: impl Future<Output = Result<T, Error>> + Send + 'static,
    ) -> TransferHandle<T> {
        TransferHandle { task: tokio::spawn(work), stop, progress, on_drop: CANCELLED, detached: false }
    }

    /// Makes a drop before the end pause the transfer rather than cancel it (it has a state file to
    /// resume from).
    pub(crate) fn pause_on_drop(mut self) -> TransferHandle<T> {
        self.on_drop = PAUSED;
        self
    }
}

impl<T> TransferHandle<T> {
    /// Stops the transfer: a multipart upload is aborted, a partial download and its state are removed.
    /// The awaited result is then an error for which [`was_cancelled`] is true.
    pub fn cancel(&self) {
        self.stop.stop(CANCELLED);
    }

    /// Stops the transfer but keeps the multipart upload (or the partial download) and its state file, so
    /// the same transfer started again with the same state file resumes. The awaited result is then an
    /// error for which [`was_paused`] is true.
    pub fn pause(&self) {
        self.stop.stop(PAUSED);
    }

    /// Bytes transferred so far.
    pub fn bytes_done(&self) -> u64 {
        self.progress.done()
    }

    /// The size of the object, once known.
    pub fn total(&self) -> Option<u64> {
        self.progress.total()
    }

    /// Whether the transfer has ended (successfully or not).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Lets the transfer run to its end in the background, its result unread: dropping the handle then
    /// no longer cancels it. Progress listeners still hear from it.
    pub fn detach(mut self) {
        self.detached = true;
    }
}

impl<T> Drop for TransferHandle<T> {
    fn drop(&mut self) {
        // A stop after the end changes nothing; before it, the task sees it and cleans up on its own.
        if !self.detached && !self.task.is_finished() {
            self.stop.stop(self.on_drop);
        }
    }
}

impl<T> Future for TransferHandle<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match Pin::new(&mut self.task).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(result)) => Poll::Ready(result),
            Poll::Ready(Err(join)) => Poll::Ready(Err(Error::new(
                ErrorKind::Io,
                "the transfer task ended abnormally (it panicked or its runtime shut down); start the transfer again",
            )
            .with_source(join))),
        }
    }
}

impl<T> fmt::Debug for TransferHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransferHandle")
            .field("bytes_done", &self.progress.done())
            .field("total", &self.progress.total())
            .field("stopped", &self.stop.reason())
            .field("finished", &self.task.is_finished())
            .finish()
    }
}
