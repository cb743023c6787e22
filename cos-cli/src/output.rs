//! Everything `cos` prints: result lines (text, or one JSON object each with `--json`), failures and
//! their summary, and the aggregate progress bar, drawn only on a terminal.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cos_sdk::transfer::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};

pub struct Output {
    json: bool,
    bar: Option<ProgressBar>,
    failures: Mutex<Vec<String>>,
    succeeded: AtomicU64,
}

impl Output {
    pub fn new(json: bool, no_progress: bool) -> Output {
        let draw = !json && !no_progress && std::io::stderr().is_terminal();
        let bar = draw.then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(10));
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}")
                    .expect("a valid template"),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Output { json, bar, failures: Mutex::new(Vec::new()), succeeded: AtomicU64::new(0) }
    }

    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints one result: `value` with `--json`, else `text`.
    pub fn result(&self, value: Value, text: impl FnOnce() -> String) {
        self.succeeded.fetch_add(1, Ordering::Relaxed);
        let line = if self.json { value.to_string() } else { text() };
        self.print_line(&line);
    }

    fn print_line(&self, line: &str) {
        let write = || {
            let mut out = std::io::stdout().lock();
            if let Err(e) = writeln!(out, "{}", printable(line)) {
                // The reader went away (`cos ls -r ... | head`): nobody will see more, so stop now, as a
                // program killed by SIGPIPE would (128 + 13).
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    std::process::exit(141);
                }
            }
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Records and prints a failed operation on `target`.
    pub fn failure(&self, operation: &str, target: &str, error: &str) {
        let text = format!("{operation} {target}: {error}");
        if self.json {
            self.print_line(&json!({"operation": operation, "target": target, "error": error}).to_string());
        } else {
            let write = || warn(&format!("error: {text}"));
            match &self.bar {
                Some(bar) => bar.suspend(write),
                None => write(),
            }
        }
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).push(text);
    }

    pub fn failed(&self) -> usize {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Ends the progress bar and, after more than one result, summarizes the failures on stderr.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let total = failures.len() as u64 + self.succeeded.load(Ordering::Relaxed);
        if !failures.is_empty() && total > 1 {
            warn(&format!("{} of {total} operations failed:", failures.len()));
            for failure in failures.iter().take(20) {
                warn(&format!("  {failure}"));
            }
            if failures.len() > 20 {
                warn(&format!("  ... and {} more", failures.len() - 20));
            }
        }
    }

    /// Adds `bytes` still to move to the bar's total.
    pub fn expect_bytes(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc_length(bytes);
        }
    }

    /// What moves the bar as one transfer progresses.
    pub fn transfer_progress(&self) -> Option<Arc<TransferCounter>> {
        let bar = self.bar.clone()?;
        Some(Arc::new(TransferCounter { bar, seen: AtomicU64::new(0) }))
    }
}

/// What one transfer has added to the bar.
pub struct TransferCounter {
    bar: ProgressBar,
    seen: AtomicU64,
}

impl TransferCounter {
    pub fn observe(&self, p: &Progress) {
        // Reports of parts in flight can arrive out of order: only growth counts.
        let before = self.seen.fetch_max(p.bytes_done, Ordering::Relaxed);
        if p.bytes_done > before {
            self.bar.inc(p.bytes_done - before);
        }
    }

    /// The transfer ended having moved `size` bytes in all (0 when it failed) of `expected`.
    pub fn settle(&self, size: u64, expected: u64) {
        let seen = self.seen.load(Ordering::Relaxed);
        if size > seen {
            self.bar.inc(size - seen);
        }
        // A failed or shorter transfer leaves its share of the total unmoved.
        if expected > size.max(seen) {
            self.bar.set_length(self.bar.length().unwrap_or(0).saturating_sub(expected - size.max(seen)));
        }
    }
}

/// Writes a line to stderr; a closed stderr is no reason to stop (or panic, as `eprintln!` would).
pub fn warn(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", printable(line));
}

/// `text` with its control characters other than line breaks and tabs written as escapes (`\u{1b}`):
/// keys and answers come from outside, and a terminal would act on an escape sequence in one.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let control = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.contains(control) {
        return text.into();
    }
    text.chars()
        .map(|c| if control(c) { c.escape_unicode().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// `bytes` as a person reads it: 1023 B, 1.5 KiB, 2.0 GiB.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

pub fn size_text(bytes: u64, human: bool) -> String {
    if human {
        human_size(bytes)
    } else {
        bytes.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{human_size, printable};

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(printable("plain key/é.txt"), "plain key/é.txt");
        assert_eq!(printable("a\nb\tc"), "a\nb\tc");
        assert_eq!(printable("red\u{1b}[31m\r\u{7}"), "red\\u{1b}[31m\\u{d}\\u{7}");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(3 << 30), "3.0 GiB");
        assert_eq!(human_size(u64::MAX), "16384.0 PiB");
    }
}
