//! What every firmware executor does the same way, written once: the ways out of a run (refused,
//! gone, failed, cancelled before sending) carrying the notes gathered so far, reading the
//! drive's live state again just before the erase, and waiting for an operation an interrupted
//! job left running.

use std::fmt::Display;
use std::time::Duration;

use ardoise_disk::ata::AtaError;
use ardoise_disk::mmc::MmcError;
use ardoise_disk::nvme::NvmeError;
use ardoise_disk::scsi::CommandError;

use super::{poll_until, FirmwareContext, FirmwareOutcome, Poll};
use crate::outcome::ExceptionCode;

/// A command layer's error, as far as an executor needs to tell: did the device vanish?
pub(crate) trait CommandFailure: Display {
    fn device_gone(&self) -> bool;
}

macro_rules! command_failure {
    ($($error:ty),*) => {$(
        impl CommandFailure for $error {
            fn device_gone(&self) -> bool {
                self.is_device_gone()
            }
        }
    )*};
}
command_failure!(AtaError, NvmeError, MmcError, CommandError);

/// One executor's run: the method it stands for and the notes gathered so far. Every early
/// return goes through one of its exits, so each outcome carries the notes once.
///
/// An executor's steps return `Result<_, FirmwareOutcome>`, where `Err` is the run stopped
/// early with that outcome: `?` chains the steps, and the executor returns either side.
pub(crate) struct Run {
    pub method: String,
    pub notes: Vec<String>,
}

impl Run {
    pub fn new(method: String) -> Self {
        Run {
            method,
            notes: Vec::new(),
        }
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// Refused before any erase command was sent.
    pub fn refuse(&mut self, reason: impl Display) -> FirmwareOutcome {
        let notes = self.take_notes();
        FirmwareOutcome::refused(&self.method, reason, notes)
    }

    pub fn gone(
        &mut self,
        detail: impl Into<String>,
        device_status: impl Into<String>,
    ) -> FirmwareOutcome {
        FirmwareOutcome::gone(detail, device_status, self.take_notes())
    }

    pub fn fail(
        &mut self,
        code: ExceptionCode,
        detail: impl Into<String>,
        device_status: impl Into<String>,
    ) -> FirmwareOutcome {
        FirmwareOutcome::failed(code, detail, device_status, self.take_notes())
    }

    /// The last look at the cancel token before `what` is sent.
    pub fn ensure_not_cancelled(
        &mut self,
        ctx: &FirmwareContext<'_>,
        what: &str,
    ) -> Result<(), FirmwareOutcome> {
        if ctx.cancelled() {
            return Err(self.fail(
                ExceptionCode::Cancelled,
                format!("cancelled before {what} was sent"),
                "no erase command sent",
            ));
        }
        Ok(())
    }

    /// The drive's live state, read again just before `before` (a suspend cycle or another
    /// program may have changed it since the probe): a vanished device is `DeviceGone`, any
    /// other failure a refusal worded by `refusal`.
    pub fn read_live<V, E: CommandFailure>(
        &mut self,
        read: Result<V, E>,
        before: &str,
        refusal: impl FnOnce(&E) -> String,
    ) -> Result<V, FirmwareOutcome> {
        match read {
            Ok(value) => Ok(value),
            Err(e) if e.device_gone() => Err(self.gone(
                format!("the device disappeared before {before}"),
                e.to_string(),
            )),
            Err(e) => Err(self.refuse(refusal(&e))),
        }
    }

    /// Waits for an operation an interrupted job left running, polling with `step`. `Err`: the
    /// device vanished or the wait was cancelled, and the run stops there; otherwise the
    /// earlier operation's outcome (its notes carry the run's), for [`Run::earlier_ended`].
    pub fn wait_for_earlier(
        &mut self,
        ctx: &mut FirmwareContext<'_>,
        what: &str,
        estimate: Option<Duration>,
        step: impl FnMut(&mut FirmwareContext<'_>) -> Poll,
    ) -> Result<FirmwareOutcome, FirmwareOutcome> {
        let earlier = poll_until(ctx, what, estimate, &mut self.notes, step);
        if earlier
            .exceptions
            .iter()
            .any(|e| matches!(e.code, ExceptionCode::DeviceGone | ExceptionCode::Cancelled))
        {
            return Err(earlier);
        }
        Ok(earlier)
    }

    /// Takes back the notes after [`Run::wait_for_earlier`] and says how the earlier operation
    /// ended.
    pub fn earlier_ended(&mut self, earlier: FirmwareOutcome) {
        self.notes = earlier.notes;
        self.notes.push(format!(
            "the earlier operation ended: {}",
            earlier.device_status
        ));
    }

    /// Polls `what` to its end with `step`, and reports completion.
    pub fn poll_to_end(
        &mut self,
        ctx: &mut FirmwareContext<'_>,
        what: &str,
        estimate: Option<Duration>,
        step: impl FnMut(&mut FirmwareContext<'_>) -> Poll,
    ) -> FirmwareOutcome {
        let out = poll_until(ctx, what, estimate, &mut self.notes, step);
        report_completion(ctx, what, &out);
        out
    }
}

/// The last progress report of a completed operation, in the drive's own words.
pub(crate) fn report_completion(ctx: &mut FirmwareContext<'_>, what: &str, out: &FirmwareOutcome) {
    if out.completed {
        ctx.report(Some(1.0), format!("{what}: {}", out.device_status));
    }
}

/// Whether an operation ended in the erase failing (the cue to leave a failure state).
pub(crate) fn erase_failed(out: &FirmwareOutcome) -> bool {
    out.exceptions
        .iter()
        .any(|e| e.code == ExceptionCode::EraseFailed)
}
