//! The erase the simulated ATA and SAS disks run on their medium (SANITIZE, SECURITY ERASE
//! UNIT): what it writes, the knobs that make it lie, stop halfway or vanish, and how far a
//! background operation has come, by polls or by wall clock.

use serde::{Deserialize, Serialize};

use super::media::SimMedia;
use super::now_unix_ms;

/// Failure and timing knobs of a simulated erase (SANITIZE, SECURITY ERASE UNIT).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EraseKnobs {
    /// Report success and erase nothing.
    #[serde(default)]
    pub lying: bool,
    /// Erase only this leading fraction (0.0–1.0) of the range and report success.
    #[serde(default)]
    pub partial_fraction: Option<f64>,
    /// The operation fails halfway (sanitize ends failed; security erase aborts).
    #[serde(default)]
    pub fail_mid_command: bool,
    /// The device disappears halfway through the operation.
    #[serde(default)]
    pub vanish_mid_command: bool,
    /// A background sanitize completes after this many progress polls (0: at once).
    #[serde(default)]
    pub sanitize_polls: u32,
    /// Or after this much wall-clock time (takes precedence over polls).
    #[serde(default)]
    pub sanitize_duration_ms: Option<u64>,
    /// Erase only the first `erased_bytes` of every `period_bytes` (e.g. 4 KiB of every
    /// 64 KiB) and report success.
    #[serde(default)]
    pub stride: Option<EraseStride>,
}

/// A drive that rewrites only part of each stretch of the medium.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EraseStride {
    /// Bytes erased at the start of each period.
    pub erased_bytes: u64,
    /// Length of each period in bytes.
    pub period_bytes: u64,
}

/// What an erase writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fill {
    Byte(u8),
    /// `pattern` repeated from the start of every `period`-byte block.
    Repeat {
        pattern: Vec<u8>,
        period: usize,
    },
    /// Pseudo-random bytes (blake3 XOF keyed by the seed): what a crypto erase leaves.
    Random(u64),
}

impl Fill {
    fn fill(&self, buf: &mut [u8], offset: u64) {
        match self {
            Fill::Byte(b) => buf.fill(*b),
            Fill::Repeat { pattern, period } => {
                for (i, x) in buf.iter_mut().enumerate() {
                    let in_block = (offset + i as u64) % *period as u64;
                    *x = pattern[in_block as usize % pattern.len()];
                }
            }
            Fill::Random(seed) => {
                let key = blake3::hash(&seed.to_le_bytes());
                let mut xof = blake3::Hasher::new_keyed(key.as_bytes()).finalize_xof();
                xof.set_position(offset);
                xof.fill(buf);
            }
        }
    }
}

/// How a simulated erase ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EraseResult {
    Done,
    Failed,
    Vanished,
}

/// Writes `fill` over native sectors `[first, first + count)`, bent by the knobs.
pub(crate) fn erase_with_knobs(
    media: &SimMedia,
    first: u64,
    count: u64,
    fill: &Fill,
    knobs: &EraseKnobs,
) -> EraseResult {
    let write = |n: u64| match media.fill_sectors(first, n, |b, o| fill.fill(b, o)) {
        Ok(()) => None,
        Err(e) if e.is_gone() => Some(EraseResult::Vanished),
        Err(_) => Some(EraseResult::Failed),
    };
    if knobs.lying {
        return EraseResult::Done;
    }
    if knobs.vanish_mid_command {
        if let Some(r) = write(count / 2) {
            return r;
        }
        media.vanish();
        return EraseResult::Vanished;
    }
    if knobs.fail_mid_command {
        return write(count / 2).unwrap_or(EraseResult::Failed);
    }
    if let Some(stride) = knobs.stride {
        return erase_stride(media, first, count, fill, stride);
    }
    let n = match knobs.partial_fraction {
        Some(f) => ((count as f64) * f.clamp(0.0, 1.0)) as u64,
        None => count,
    };
    write(n).unwrap_or(EraseResult::Done)
}

/// Writes `fill` over the first `erased_bytes` of every `period_bytes` of the range only.
fn erase_stride(
    media: &SimMedia,
    first: u64,
    count: u64,
    fill: &Fill,
    stride: EraseStride,
) -> EraseResult {
    let ss = u64::from(media.sector_size());
    let period = (stride.period_bytes / ss).max(1);
    let erased = (stride.erased_bytes / ss).clamp(1, period);
    let mut at = first;
    while at < first + count {
        let n = erased.min(first + count - at);
        match media.fill_sectors(at, n, |b, o| fill.fill(b, o)) {
            Ok(()) => {}
            Err(e) if e.is_gone() => return EraseResult::Vanished,
            Err(_) => return EraseResult::Failed,
        }
        at += period;
    }
    EraseResult::Done
}

/// Where a background operation stands: `None` when finished, else progress out of 65536.
pub(crate) fn background_progress(
    knobs: &EraseKnobs,
    polls_done: u32,
    started_unix_ms: u64,
) -> Option<u16> {
    if let Some(total) = knobs.sanitize_duration_ms {
        let elapsed = now_unix_ms().saturating_sub(started_unix_ms);
        return (elapsed < total).then(|| (elapsed * 65536 / total.max(1)) as u16);
    }
    (polls_done < knobs.sanitize_polls)
        .then(|| (u64::from(polls_done) * 65536 / u64::from(knobs.sanitize_polls)) as u16)
}

/// Counts one progress poll of a background operation (when the command is a poll) and says
/// whether the operation's time has come: by polls, or by wall clock when the knobs time it.
pub(crate) fn count_poll_until_done(
    knobs: &EraseKnobs,
    polls_done: &mut u32,
    started_unix_ms: u64,
    poll: bool,
) -> bool {
    if poll {
        *polls_done += 1;
    }
    background_progress(knobs, *polls_done, started_unix_ms).is_none()
}
