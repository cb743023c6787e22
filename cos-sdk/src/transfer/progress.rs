//! Progress of a transfer: events with bytes done and the total, delivered to a callback or a channel,
//! and a snapshot any handle can read at any time.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::runtime::http::body::SentObserver;

/// What just happened in a transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// The transfer started; `total` is known unless the source is a stream of unknown length.
    Started,
    /// A part finished (uploaded, downloaded or copied) with `bytes` bytes.
    PartDone {
        /// The part number, from 1.
        part_number: u32,
        /// The size of the part.
        bytes: u64,
    },
    /// A part was already done before (a resumed transfer) and is not sent again.
    PartSkipped {
        /// The part number, from 1.
        part_number: u32,
        /// The size of the part.
        bytes: u64,
    },
    /// A part attempt failed and the part will be tried again.
    PartRetry {
        /// The part number, from 1.
        part_number: u32,
        /// The attempt that failed, from 1.
        attempt: u32,
        /// Why it failed.
        reason: String,
    },
    /// Bytes were sent or arrived within a part, reported a MiB or more at a time (the rest of an
    /// upload's part with its `PartDone`, the rest of a download's part just before it).
    Bytes,
    /// The transfer finished successfully.
    Completed,
}

/// One progress report: the event, and the bytes done and total at that moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// What happened.
    pub event: ProgressEvent,
    /// Bytes transferred so far (parts skipped on resume count as done).
    pub bytes_done: u64,
    /// The size of the object, when known.
    pub total: Option<u64>,
}

/// A function called with every progress report. It runs on the transfer's tasks and, for upload bytes,
/// while a request body is being sent, so keep it short: a slow listener slows the transfer. Reports
/// of parts in flight at once may arrive slightly out of `bytes_done` order. A listener that panics
/// is logged and otherwise ignored; it never fails the transfer.
#[derive(Clone)]
pub struct ProgressListener(Arc<dyn Fn(&Progress) + Send + Sync>);

impl ProgressListener {
    /// A listener that calls `f`.
    pub fn new(f: impl Fn(&Progress) + Send + Sync + 'static) -> ProgressListener {
        ProgressListener(Arc::new(f))
    }

    /// A listener that sends every report into an unbounded channel, and the receiving end. Reports
    /// come a few per part and one per MiB or more transferred, so what waits in the channel stays small
    /// next to the data, however the server splits it.
    pub fn channel() -> (ProgressListener, tokio::sync::mpsc::UnboundedReceiver<Progress>) {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        (ProgressListener::new(move |p| drop(sender.send(p.clone()))), receiver)
    }
}

impl fmt::Debug for ProgressListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressListener(..)")
    }
}

/// The counters one transfer shares between its tasks and its handle.
#[derive(Debug, Default)]
pub(crate) struct ProgressState {
    done: AtomicU64,
    /// `u64::MAX` while unknown.
    total: AtomicU64,
    listener: Option<ProgressListener>,
    /// The transfer this one is part of (one file of a directory): bytes and part events go there too.
    parent: Option<Arc<ProgressState>>,
}

impl ProgressState {
    pub(crate) fn new(listener: Option<ProgressListener>) -> Arc<ProgressState> {
        Arc::new(ProgressState { done: AtomicU64::new(0), total: AtomicU64::new(u64::MAX), listener, parent: None })
    }

    /// The progress of one object of a directory transfer.
    pub(crate) fn child(parent: &Arc<ProgressState>) -> Arc<ProgressState> {
        Arc::new(ProgressState {
            done: AtomicU64::new(0),
            total: AtomicU64::new(u64::MAX),
            listener: None,
            parent: Some(parent.clone()),
        })
    }

    pub(crate) fn set_total(&self, total: Option<u64>) {
        self.total.store(total.unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub(crate) fn total(&self) -> Option<u64> {
        match self.total.load(Ordering::Relaxed) {
            u64::MAX => None,
            n => Some(n),
        }
    }

    pub(crate) fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Adds `bytes` to the bytes done (without an event).
    pub(crate) fn add(&self, bytes: u64) {
        self.done.fetch_add(bytes, Ordering::Relaxed);
        if let Some(parent) = &self.parent {
            parent.add(bytes);
        }
    }

    /// Takes back `bytes` counted for an attempt that failed.
    pub(crate) fn sub(&self, bytes: u64) {
        if bytes > 0 {
            self.done.fetch_sub(bytes, Ordering::Relaxed);
            if let Some(parent) = &self.parent {
                parent.sub(bytes);
            }
        }
    }

    /// Adds `bytes` and reports `event`.
    pub(crate) fn report(&self, bytes: u64, event: ProgressEvent) {
        let done = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if let Some(parent) = &self.parent {
            match event {
                // A directory reports its own start and end, not each object's.
                ProgressEvent::Started | ProgressEvent::Completed => parent.add(bytes),
                _ => parent.report(bytes, event.clone()),
            }
        }
        if let Some(listener) = &self.listener {
            let progress = Progress { event, bytes_done: done, total: self.total() };
            let called = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (listener.0)(&progress)));
            if called.is_err() {
                tracing::warn!("a transfer progress listener panicked; the transfer goes on");
            }
        }
    }

    /// Whether anyone listens (so callers can skip building per-chunk events).
    #[allow(dead_code)]
    pub(crate) fn has_listener(&self) -> bool {
        self.listener.is_some() || self.parent.as_ref().is_some_and(|p| p.has_listener())
    }
}

/// Reports, as `Bytes` events, what a request body of one part has sent: at least every MiB, and only
/// bytes not reported before, so an attempt that starts over counts nothing twice.
pub(crate) struct SentBytes {
    progress: Arc<ProgressState>,
    reported: AtomicU64,
}

/// Bytes reported at once, at least (the last ones of a part come with its `PartDone` for uploads, just
/// before it for downloads).
pub(crate) const REPORT_STEP: u64 = 1024 * 1024;

impl SentBytes {
    pub(crate) fn new(progress: Arc<ProgressState>) -> Arc<SentBytes> {
        Arc::new(SentBytes { progress, reported: AtomicU64::new(0) })
    }

    /// The observer to give the part's body.
    pub(crate) fn observer(self: &Arc<Self>) -> SentObserver {
        let this = self.clone();
        Arc::new(move |sent| this.sent(sent))
    }

    fn sent(&self, sent: u64) {
        let mut before = self.reported.load(Ordering::Relaxed);
        while sent >= before.saturating_add(REPORT_STEP) {
            match self.reported.compare_exchange(before, sent, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => {
                    self.progress.report(sent - before, ProgressEvent::Bytes);
                    return;
                }
                Err(now) => before = now,
            }
        }
    }

    /// The bytes of a part of `len` bytes not reported yet, for its `PartDone`; nothing sent later
    /// (a body polled after its answer came) is reported again.
    pub(crate) fn rest(&self, len: u64) -> u64 {
        len.saturating_sub(self.reported.swap(len, Ordering::Relaxed))
    }
}
