//! Progress reports with the rate since the previous one.

use std::time::Instant;

use super::{Phase, Progress};

/// Builds progress reports with the rate since the previous one.
pub(crate) struct Meter {
    phase: Phase,
    total: u64,
    start: Instant,
    last: (Instant, u64),
}

impl Meter {
    pub(crate) fn new(phase: Phase, total: u64, start: Instant) -> Self {
        Meter {
            phase,
            total,
            start,
            last: (start, 0),
        }
    }

    pub(crate) fn progress(&mut self, done: u64, bad_sectors: u64) -> Progress {
        let now = Instant::now();
        let dt = now.duration_since(self.last.0).as_secs_f64();
        let rate = if dt > 0.0 {
            done.saturating_sub(self.last.1) as f64 / dt
        } else {
            0.0
        };
        self.last = (now, done);
        Progress {
            phase: self.phase,
            bytes_done: done,
            bytes_total: self.total,
            rate,
            elapsed: now.duration_since(self.start),
            bad_sectors,
        }
    }
}
