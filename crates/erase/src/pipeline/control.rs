//! What a caller sees of a running job: progress reports and cooperative cancellation.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Cooperative cancellation: cheap to clone, checked by every worker between chunks.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every job holding a clone of this token to stop after its current chunk.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// `true` once [`CancelToken::cancel`] was called on this token or a clone.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Which step a progress report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Phase {
    /// Writing pass `pass` (1-based) of `passes`.
    Overwrite {
        /// Pass number, 1-based.
        pass: u32,
        /// Number of passes in the scheme.
        passes: u32,
    },
    /// Reading back pass `pass` (1-based) after writing it.
    PassVerify {
        /// Pass number, 1-based.
        pass: u32,
        /// Number of passes in the scheme.
        passes: u32,
    },
    /// Reading the sample plan before a firmware erase (fingerprints).
    Fingerprint,
    /// Verification read-back.
    Verify,
}

/// A progress report. Sent at most once per [`Progress::DEFAULT_INTERVAL`] (configurable), plus
/// once at the start and once at the end of each phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The phase reported on.
    pub phase: Phase,
    /// Bytes written (or read) so far in this phase.
    pub bytes_done: u64,
    /// Bytes this phase will write (or read) in total.
    pub bytes_total: u64,
    /// Throughput since the previous report, bytes per second.
    pub rate: f64,
    /// Time since the phase started.
    pub elapsed: Duration,
    /// Sectors found unwritable / unreadable so far in this phase.
    pub bad_sectors: u64,
}

impl Progress {
    /// Default time between two reports.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(500);

    /// Fraction done in `[0, 1]`.
    pub fn fraction(&self) -> f64 {
        if self.bytes_total == 0 {
            1.0
        } else {
            self.bytes_done as f64 / self.bytes_total as f64
        }
    }

    /// Estimated time left in this phase, from the average rate so far.
    pub fn eta(&self) -> Option<Duration> {
        let secs = self.elapsed.as_secs_f64();
        if self.bytes_done == 0 || secs <= 0.0 {
            return None;
        }
        let avg = self.bytes_done as f64 / secs;
        Some(Duration::from_secs_f64(
            (self.bytes_total - self.bytes_done.min(self.bytes_total)) as f64 / avg,
        ))
    }
}

/// Where progress goes: a callback run on the caller's thread (never on a worker thread), and the
/// cancellation token. `Control::default()` reports nothing and is never cancelled.
pub struct Control<'a> {
    /// Checked between chunks; a cancelled token stops the job.
    pub cancel: CancelToken,
    /// Called with each report; `None`: nothing is reported.
    pub progress: Option<&'a mut dyn FnMut(&Progress)>,
    /// Minimum time between two reports.
    pub interval: Duration,
}

impl Default for Control<'_> {
    fn default() -> Self {
        Control {
            cancel: CancelToken::new(),
            progress: None,
            interval: Progress::DEFAULT_INTERVAL,
        }
    }
}

impl<'a> Control<'a> {
    /// Reports to `progress` every [`Progress::DEFAULT_INTERVAL`], stopping when `cancel` is
    /// cancelled.
    pub fn new(cancel: CancelToken, progress: &'a mut dyn FnMut(&Progress)) -> Self {
        Control {
            cancel,
            progress: Some(progress),
            interval: Progress::DEFAULT_INTERVAL,
        }
    }

    /// Reports at most once per `interval`.
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    pub(crate) fn report(&mut self, p: &Progress) {
        if let Some(f) = self.progress.as_mut() {
            f(p);
        }
    }
}
