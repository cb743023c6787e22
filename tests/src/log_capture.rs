//! A minimal `tracing` subscriber that records every span and event field as text, so tests can check
//! what the SDK logs (and that no secret is among it) without pulling in tracing-subscriber.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Everything logged while it was the thread's default subscriber, at every level.
#[derive(Clone, Default)]
pub struct LogCapture {
    text: Arc<Mutex<String>>,
    next_id: Arc<AtomicU64>,
}

impl LogCapture {
    /// The captured text: one line per span or event, `name: field=value ...`.
    pub fn text(&self) -> String {
        self.text.lock().unwrap().clone()
    }

    fn line(&self, name: &str, record: impl FnOnce(&mut FieldWriter)) {
        let mut writer = FieldWriter(format!("{name}:"));
        record(&mut writer);
        let mut text = self.text.lock().unwrap();
        let _ = writeln!(text, "{}", writer.0);
    }
}

struct FieldWriter(String);

impl Visit for FieldWriter {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }
}

impl Subscriber for LogCapture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.line(span.metadata().name(), |w| span.record(w));
        Id::from_u64(self.next_id.fetch_add(1, Ordering::SeqCst) + 1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        self.line("record", |w| values.record(w));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        self.line(event.metadata().target(), |w| event.record(w));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}
