//! Firmware erase executors: the drive's own sanitize, security erase and format commands,
//! polled to completion and checked against the drive's status afterwards.
//!
//! Rules every executor follows:
//! - **Capability bits first.** A method the probed capabilities (and the drive's live state,
//!   read again just before) do not allow is refused *before anything is sent*, with the reason
//!   (`EraseFailed`).
//! - **A command's success is never trusted alone.** After completion the drive's own status is
//!   read back (SANITIZE STATUS EXT, the NVMe Sanitize Status log, REQUEST SENSE / TEST UNIT
//!   READY, IDENTIFY word 128, CMD13, Identify Namespace); a contradiction is
//!   `DeviceStatusMismatch`, a status that cannot be established is `EraseFailed`. Even a clean
//!   status proves little: the read-back verification that follows decides.
//! - **Failures are failures.** A device that vanishes is `DeviceGone`; a cancellation between
//!   polls is `Cancelled` (a firmware sanitize cannot be stopped: the drive goes on alone and a
//!   later probe sees it).
//! - **Everything goes through the protocol layers**, so every command lands in the device's
//!   transcript (BLKSECDISCARD, a block-layer ioctl, is recorded by hand where a transcript can
//!   take it).
//!
//! Entry point: [`run_firmware`], callable from the job runner with the opened disk's
//! [`Commands`] and plain data.

pub mod ata;
mod ata_security;
pub mod block;
pub mod mmc;
pub mod nvme;
pub mod scsi;
mod session;
pub mod settle;
pub mod vault;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ardoise_disk::Commands;
use serde::{Deserialize, Serialize};

use crate::capability::DriveCapabilities;
use crate::method::Method;
use crate::outcome::{Exception, ExceptionCode};
use crate::overwrite::CancelToken;

pub use ata::{recover_locked_drive, Recovery, RecoveryError};
pub use settle::{wait_for_running_sanitize, Settled};
pub use vault::{
    temporary_password, FileVault, MemoryVault, PasswordVault, StoredPassword, VaultError,
    VaultedDrive,
};

/// How often a running operation is polled on real devices.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How long progress may stand still before ardoise gives up waiting, when the drive gives no
/// estimate of its own (ATA, SCSI).
pub const DEFAULT_STALL_LIMIT: Duration = Duration::from_secs(2 * 3600);
/// The least stall budget derived from an NVMe estimate (estimates of a few seconds would
/// otherwise trip on one slow poll).
pub const MIN_NVME_STALL_BUDGET: Duration = Duration::from_secs(60);
/// Consecutive unreadable status polls tolerated before the outcome is declared unknown.
pub const STATUS_READ_ATTEMPTS: u32 = 3;

/// One progress report of a firmware operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmwareProgress {
    /// Fraction done in `[0, 1]`, when the drive reports it.
    pub fraction: Option<f64>,
    /// What the operation is doing, in words, for the front end.
    pub message: String,
}

/// What an executor needs besides the drive: cancellation, progress, timing, the vault.
pub struct FirmwareContext<'a> {
    /// Cancels the polling (the drive may go on with an operation it already started).
    pub cancel: CancelToken,
    /// Receives every progress report; `None`: progress is not reported.
    pub progress: Option<&'a mut dyn FnMut(FirmwareProgress)>,
    /// Time between two status polls ([`DEFAULT_POLL_INTERVAL`] on real devices; tests use
    /// milliseconds).
    pub poll_interval: Duration,
    /// Overrides every stall budget (tests). `None`: the NVMe estimate (at least
    /// [`MIN_NVME_STALL_BUDGET`]) or [`DEFAULT_STALL_LIMIT`].
    pub stall_limit: Option<Duration>,
    /// Where the temporary ATA security password is kept while it is set on a drive.
    pub vault: &'a dyn PasswordVault,
    /// The disk's block device node and a descriptor of it (a duplicate of the job's exclusive
    /// open), for BLKSECDISCARD (`None` for simulated disks and files).
    pub block_device: Option<(PathBuf, std::sync::Arc<std::fs::File>)>,
    /// NVMe Sanitize: ask the controller not to deallocate afterwards (No-Deallocate After
    /// Sanitize), so that what a crypto erase leaves can be read and checked.
    pub keep_data: bool,
}

impl<'a> FirmwareContext<'a> {
    /// A context with the defaults: no cancellation, no progress, [`DEFAULT_POLL_INTERVAL`], no
    /// stall override, no block device, data not kept.
    pub fn new(vault: &'a dyn PasswordVault) -> Self {
        FirmwareContext {
            cancel: CancelToken::new(),
            progress: None,
            poll_interval: DEFAULT_POLL_INTERVAL,
            stall_limit: None,
            vault,
            block_device: None,
            keep_data: false,
        }
    }

    /// Uses `cancel` to stop the wait.
    pub fn with_cancel(mut self, cancel: CancelToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// Sends progress reports to `progress`.
    pub fn with_progress(mut self, progress: &'a mut dyn FnMut(FirmwareProgress)) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Polls the status every `interval`.
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Overrides every stall budget with `limit` (tests).
    pub fn with_stall_limit(mut self, limit: Duration) -> Self {
        self.stall_limit = Some(limit);
        self
    }

    /// Sets [`FirmwareContext::keep_data`].
    pub fn with_keep_data(mut self, keep_data: bool) -> Self {
        self.keep_data = keep_data;
        self
    }

    /// Gives the block device node and an open descriptor of it, for BLKSECDISCARD.
    pub fn with_block_device(mut self, path: PathBuf, file: std::sync::Arc<std::fs::File>) -> Self {
        self.block_device = Some((path, file));
        self
    }

    pub(crate) fn report(&mut self, fraction: Option<f64>, message: impl Into<String>) {
        if let Some(p) = self.progress.as_mut() {
            p(FirmwareProgress {
                fraction: fraction.map(|f| f.clamp(0.0, 1.0)),
                message: message.into(),
            });
        }
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Sleeps one poll interval in short slices; `false` when cancelled meanwhile.
    pub(crate) fn pause(&self) -> bool {
        let end = Instant::now() + self.poll_interval;
        loop {
            if self.cancelled() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(50)));
        }
    }

    fn stall_budget(&self, estimate: Option<Duration>) -> Duration {
        match (self.stall_limit, estimate) {
            (Some(l), _) => l,
            (None, Some(e)) => e.max(MIN_NVME_STALL_BUDGET),
            (None, None) => DEFAULT_STALL_LIMIT,
        }
    }
}

/// How a firmware step ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmwareOutcome {
    /// The drive completed the operation and its status afterwards agrees.
    pub completed: bool,
    /// The drive's own words after the operation (or at the point it stopped), e.g.
    /// "SANITIZE STATUS EXT: SD4 operation succeeded ...".
    pub device_status: String,
    /// Problems that keep the operation from counting as done, or that the certificate must state.
    pub exceptions: Vec<Exception>,
    /// What was done and observed, in words, for the report.
    pub notes: Vec<String>,
    /// Messages the front end must show prominently (a drive possibly left locked with the
    /// vaulted password). Never contains a password.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attention: Vec<String>,
}

impl FirmwareOutcome {
    pub(crate) fn completed(device_status: impl Into<String>, notes: Vec<String>) -> Self {
        FirmwareOutcome {
            completed: true,
            device_status: device_status.into(),
            exceptions: Vec::new(),
            notes,
            attention: Vec::new(),
        }
    }

    pub(crate) fn failed(
        code: ExceptionCode,
        detail: impl Into<String>,
        device_status: impl Into<String>,
        notes: Vec<String>,
    ) -> Self {
        FirmwareOutcome {
            completed: false,
            device_status: device_status.into(),
            exceptions: vec![Exception::new(code, detail)],
            notes,
            attention: Vec::new(),
        }
    }

    /// Refused before any erase command reached the drive (status reads may have).
    pub(crate) fn refused(
        method: &str,
        reason: impl std::fmt::Display,
        notes: Vec<String>,
    ) -> Self {
        Self::failed(
            ExceptionCode::EraseFailed,
            format!("{method} refused before any erase command was sent: {reason}"),
            "no erase command sent",
            notes,
        )
    }

    pub(crate) fn gone(
        detail: impl Into<String>,
        device_status: impl Into<String>,
        notes: Vec<String>,
    ) -> Self {
        Self::failed(ExceptionCode::DeviceGone, detail, device_status, notes)
    }

    /// Cancelled between two polls: the drive continues on its own.
    pub(crate) fn cancelled_running(
        what: &str,
        device_status: impl Into<String>,
        notes: Vec<String>,
    ) -> Self {
        Self::failed(
            ExceptionCode::Cancelled,
            format!(
                "cancelled while {what} was running; a firmware operation cannot be stopped: the drive continues on its own, and the next probe of this disk shows its state"
            ),
            device_status,
            notes,
        )
    }

    pub(crate) fn with_attention(mut self, message: impl Into<String>) -> Self {
        self.attention.push(message.into());
        self
    }

    /// Whether the outcome carries no exception (completed and clean).
    pub fn is_clean(&self) -> bool {
        self.completed && self.exceptions.is_empty()
    }
}

/// Runs one firmware method on an opened disk's command layer. Never panics on device errors:
/// every failure is in the outcome.
pub fn run_firmware(
    commands: &mut Commands,
    method: &Method,
    caps: &DriveCapabilities,
    ctx: &mut FirmwareContext<'_>,
) -> FirmwareOutcome {
    let id = method.id();
    if ctx.cancelled() {
        return FirmwareOutcome::failed(
            ExceptionCode::Cancelled,
            format!("cancelled before {id} started; nothing was sent"),
            "no command sent",
            Vec::new(),
        );
    }
    // Matched on the method first, with no catch-all arm, so that a new method does not
    // compile until it is dispatched; each then names the command set it needs.
    let wrong_command_set = |commands: &Commands| {
        FirmwareOutcome::refused(
            &id,
            format!(
                "{} needs another command set than the {} commands this disk offers",
                method.describe(),
                commands.kind()
            ),
            Vec::new(),
        )
    };
    match method {
        Method::AtaSanitize { action } => match commands {
            Commands::Ata(dev) => ata::sanitize(dev, *action, caps, ctx),
            other => wrong_command_set(other),
        },
        Method::AtaSecurityErase { enhanced } => match commands {
            Commands::Ata(dev) => ata_security::security_erase(dev, *enhanced, caps, ctx),
            other => wrong_command_set(other),
        },
        Method::NvmeSanitize { action } => match commands {
            Commands::Nvme { controller, .. } => nvme::sanitize(controller, *action, caps, ctx),
            other => wrong_command_set(other),
        },
        Method::NvmeFormat { erase } => match commands {
            Commands::Nvme { controller, nsid } => {
                nvme::format(controller, *nsid, *erase, caps, ctx)
            }
            other => wrong_command_set(other),
        },
        Method::ScsiSanitize { action } => match commands {
            Commands::Scsi(dev) => scsi::sanitize(dev, *action, caps, ctx),
            other => wrong_command_set(other),
        },
        Method::MmcSanitize => match commands {
            Commands::Mmc(dev) => mmc::sanitize(dev, caps, ctx),
            other => wrong_command_set(other),
        },
        Method::BlockSecureDiscard => block::secure_discard(commands, caps, ctx),
        Method::Overwrite { .. } => FirmwareOutcome::refused(
            &id,
            "a host overwrite is not a firmware command; the overwrite engine runs it",
            Vec::new(),
        ),
    }
}

/// What one status poll found.
pub(crate) enum Poll {
    /// Still running; progress in `[0, 1]` if reported, the status in words.
    Running(Option<f64>, String),
    /// Finished, one way or another.
    Done(FirmwareOutcome),
    /// The status could not be read this time (the error in words).
    Unreadable(String),
}

/// Polls `step` until it reports `Done`, with progress reports, the stall budget and
/// cancellation between polls. `first_immediately`: read once before the first pause.
pub(crate) fn poll_until(
    ctx: &mut FirmwareContext<'_>,
    what: &str,
    estimate: Option<Duration>,
    notes: &mut Vec<String>,
    mut step: impl FnMut(&mut FirmwareContext<'_>) -> Poll,
) -> FirmwareOutcome {
    let budget = ctx.stall_budget(estimate);
    let mut last: Option<f64> = None;
    let mut last_change = Instant::now();
    let mut unreadable = 0u32;
    let mut last_status = String::from("status not read yet");
    loop {
        match step(ctx) {
            Poll::Done(mut o) => {
                let mut n = std::mem::take(notes);
                n.append(&mut o.notes);
                o.notes = n;
                return o;
            }
            Poll::Running(fraction, status) => {
                unreadable = 0;
                if let (Some(now), Some(before)) = (fraction, last) {
                    if now + 1e-9 < before {
                        return FirmwareOutcome::failed(
                            ExceptionCode::EraseFailed,
                            format!(
                                "{what}: the progress went backwards ({:.1} % after {:.1} %); the drive's report cannot be followed",
                                now * 100.0,
                                before * 100.0
                            ),
                            status,
                            std::mem::take(notes),
                        );
                    }
                }
                let changed = match (fraction, last) {
                    (Some(a), Some(b)) => a != b,
                    // Without figures, a change of the status words counts as progress.
                    (None, None) => status != last_status,
                    _ => true,
                };
                if changed {
                    last_change = Instant::now();
                }
                last = fraction;
                ctx.report(fraction, format!("{what}: {status}"));
                last_status = status;
                if last_change.elapsed() > budget {
                    return FirmwareOutcome::failed(
                        ExceptionCode::EraseFailed,
                        format!(
                            "{what}: no progress for {} s (budget {} s); ardoise stopped waiting, the drive may still be working on its own",
                            last_change.elapsed().as_secs(),
                            budget.as_secs()
                        ),
                        last_status,
                        std::mem::take(notes),
                    );
                }
            }
            Poll::Unreadable(e) => {
                unreadable += 1;
                if unreadable >= STATUS_READ_ATTEMPTS {
                    return FirmwareOutcome::failed(
                        ExceptionCode::EraseFailed,
                        format!(
                            "{what}: the drive's status could not be established ({e}); whether the operation completed is unknown, and the drive may still be working on its own"
                        ),
                        format!("status unreadable: {e}"),
                        std::mem::take(notes),
                    );
                }
            }
        }
        if !ctx.pause() {
            return FirmwareOutcome::cancelled_running(what, last_status, std::mem::take(notes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stalled_operation_is_given_up_with_a_failure() {
        let vault = MemoryVault::new();
        let mut ctx = FirmwareContext::new(&vault)
            .with_poll_interval(Duration::from_millis(1))
            .with_stall_limit(Duration::from_millis(30));
        let mut notes = vec!["kept".to_string()];
        let o = poll_until(&mut ctx, "test op", None, &mut notes, |_| {
            Poll::Running(Some(0.25), "25 %".into())
        });
        assert!(!o.completed);
        assert_eq!(o.exceptions[0].code, ExceptionCode::EraseFailed);
        assert!(o.exceptions[0].detail.contains("no progress"), "{o:?}");
        assert_eq!(o.notes, ["kept"]);
    }

    #[test]
    fn progress_going_backwards_and_unreadable_status_fail() {
        let vault = MemoryVault::new();
        let mut ctx = FirmwareContext::new(&vault).with_poll_interval(Duration::from_millis(1));
        let mut p = [0.5, 0.4].into_iter();
        let o = poll_until(&mut ctx, "op", None, &mut Vec::new(), |_| {
            Poll::Running(p.next(), "x".into())
        });
        assert!(o.exceptions[0].detail.contains("backwards"), "{o:?}");
        let mut calls = 0;
        let o = poll_until(&mut ctx, "op", None, &mut Vec::new(), |_| {
            calls += 1;
            Poll::Unreadable("no registers".into())
        });
        assert_eq!(calls, STATUS_READ_ATTEMPTS);
        assert!(o.exceptions[0].detail.contains("could not be established"));
    }

    #[test]
    fn cancellation_between_polls_says_the_drive_continues() {
        let vault = MemoryVault::new();
        let cancel = CancelToken::new();
        let mut seen = Vec::new();
        let mut progress = |p: FirmwareProgress| seen.push(p);
        let mut ctx = FirmwareContext::new(&vault)
            .with_cancel(cancel.clone())
            .with_progress(&mut progress)
            .with_poll_interval(Duration::from_millis(1));
        let mut n = 0;
        let o = poll_until(&mut ctx, "SANITIZE", None, &mut Vec::new(), |_| {
            n += 1;
            if n == 3 {
                cancel.cancel();
            }
            Poll::Running(Some(f64::from(n) / 10.0), format!("{n}0 %"))
        });
        drop(ctx);
        assert_eq!(o.exceptions[0].code, ExceptionCode::Cancelled);
        assert!(o.exceptions[0].detail.contains("continues on its own"));
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[2].fraction, Some(0.3));
    }
}
