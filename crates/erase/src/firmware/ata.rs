//! ATA executors: SANITIZE (crypto scramble, block erase, overwrite) polled with SANITIZE
//! STATUS EXT. SECURITY ERASE UNIT and [`recover_locked_drive`] live in `ata_security.rs`
//! and are re-exported here.
//!
//! Choices:
//! - Sanitize commands carry FAILURE MODE = 1, so that a failed operation (SD3) can be cleared
//!   with CLEAR SANITIZE OPERATION FAILED: the verdict is `not_erased` either way, and a cleared
//!   drive can still be overwritten by the host or sanitized again, where a drive stuck in SD3
//!   refuses all media access until a sanitize succeeds.
//! - SANITIZE OVERWRITE writes a zero pattern in one pass without inversion: the planner expects
//!   zeros (ACS-4 OVERWRITE EXT; docs/standards.md §1.6).

use ardoise_disk::ata::{
    AtaDevice, AtaError, OverwriteOptions, SanitizeOptions, SanitizeState, SanitizeStatus,
};
use ardoise_disk::transport::ScsiTransport;

pub use super::ata_security::{describe_security, recover_locked_drive, Recovery, RecoveryError};
use super::session::Run;
use super::{FirmwareContext, FirmwareOutcome, Poll};
use crate::capability::DriveCapabilities;
use crate::method::{Method, SanitizeAction};
use crate::outcome::ExceptionCode;

/// "SANITIZE STATUS EXT: SD2 operation in progress, 37.5 %", "... SD4 operation succeeded
/// (completed without error), progress 100 %".
pub fn describe_sanitize_status(s: &SanitizeStatus) -> String {
    let mut t = format!("SANITIZE STATUS EXT: {}", s.state.label());
    match s.state {
        SanitizeState::InProgress => {
            if let Some(p) = s.progress_percent() {
                t.push_str(&format!(", {p:.1} %"));
            }
        }
        SanitizeState::Succeeded => {
            t.push_str(" (completed without error), progress 100 %");
        }
        _ => {}
    }
    if let Some(reason) = s.failure {
        t.push_str(&format!(" ({reason})"));
    }
    if s.antifreeze {
        t.push_str(", antifreeze lock set");
    }
    t
}

fn action_name(action: SanitizeAction) -> &'static str {
    match action {
        SanitizeAction::CryptoErase => "CRYPTO SCRAMBLE",
        SanitizeAction::BlockErase => "BLOCK ERASE",
        SanitizeAction::Overwrite => "OVERWRITE",
    }
}

/// One poll of SANITIZE STATUS EXT while waiting for an operation the drive accepted
/// (`started_confirmed`) or may have accepted.
pub(crate) fn poll_sanitize<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    what: &str,
    started_confirmed: bool,
    ambiguous_success: &mut bool,
) -> Poll {
    let st = match dev.sanitize_status(false) {
        Ok(st) => st,
        Err(e) if e.is_device_gone() => {
            return Poll::Done(FirmwareOutcome::gone(
                format!("the device disappeared during {what}"),
                format!("SANITIZE STATUS EXT: {e}"),
                Vec::new(),
            ))
        }
        Err(e) => return Poll::Unreadable(format!("SANITIZE STATUS EXT: {e}")),
    };
    let words = describe_sanitize_status(&st);
    match st.state {
        SanitizeState::InProgress => {
            *ambiguous_success = false;
            Poll::Running(st.progress_percent().map(|p| p / 100.0), words)
        }
        SanitizeState::Succeeded if *ambiguous_success => Poll::Done(FirmwareOutcome::failed(
            ExceptionCode::EraseFailed,
            format!(
                "{what}: the drive's answer to the command was unclear and SANITIZE STATUS EXT still shows the previous operation's success: whether this one ran cannot be established"
            ),
            words,
            Vec::new(),
        )),
        SanitizeState::Succeeded => Poll::Done(FirmwareOutcome::completed(words, Vec::new())),
        SanitizeState::Failed => {
            let mut notes = Vec::new();
            match dev.sanitize_status(true) {
                Ok(after) if after.state != SanitizeState::Failed => notes.push(format!(
                    "the failure was cleared (CLEAR SANITIZE OPERATION FAILED): {}",
                    describe_sanitize_status(&after)
                )),
                Ok(_) | Err(_) => notes.push(
                    "the failure could not be cleared: the drive refuses media access until a sanitize succeeds".into(),
                ),
            }
            Poll::Done(FirmwareOutcome::failed(
                ExceptionCode::EraseFailed,
                format!("{what} failed: the drive reports SD3 (sanitize operation failed)"),
                words,
                notes,
            ))
        }
        SanitizeState::Idle if !started_confirmed => Poll::Done(FirmwareOutcome::failed(
            ExceptionCode::EraseFailed,
            format!("{what} did not start: the drive reports SD0 (no sanitize operation)"),
            words,
            Vec::new(),
        )),
        SanitizeState::Idle | SanitizeState::Frozen => Poll::Done(FirmwareOutcome::failed(
            ExceptionCode::DeviceStatusMismatch,
            format!(
                "the drive accepted {what} but SANITIZE STATUS EXT reports {} without a completed operation",
                st.state.label()
            ),
            words,
            Vec::new(),
        )),
    }
}

/// ATA SANITIZE: checks, start, poll to completion, check.
pub(crate) fn sanitize<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    action: SanitizeAction,
    caps: &DriveCapabilities,
    ctx: &mut FirmwareContext<'_>,
) -> FirmwareOutcome {
    let mut run = Run::new(Method::AtaSanitize { action }.id());
    let what = format!("SANITIZE {}", action_name(action));
    let mut steps = |run: &mut Run,
                     ctx: &mut FirmwareContext<'_>|
     -> Result<FirmwareOutcome, FirmwareOutcome> {
        check_sanitize_support(run, caps, action)?;
        let previous = settle_previous_sanitize(dev, ctx, run)?;
        run.ensure_not_cancelled(ctx, &what)?;
        ctx.report(Some(0.0), format!("{what}: starting"));
        let confirmed = send_sanitize(dev, action, previous.failure_mode, &what, run)?;
        let mut ambiguous = !confirmed && previous.state == SanitizeState::Succeeded;
        Ok(run.poll_to_end(ctx, &what, None, |_| {
            poll_sanitize(dev, &what, confirmed, &mut ambiguous)
        }))
    };
    steps(&mut run, ctx).unwrap_or_else(|stopped| stopped)
}

/// The probe's word on SANITIZE and this action (IDENTIFY word 59).
fn check_sanitize_support(
    run: &mut Run,
    caps: &DriveCapabilities,
    action: SanitizeAction,
) -> Result<(), FirmwareOutcome> {
    let Some(s) = caps.ata_sanitize.as_ref().filter(|s| s.supported) else {
        return Err(
            run.refuse("the drive does not report the SANITIZE feature set (IDENTIFY word 59)")
        );
    };
    let bit = match action {
        SanitizeAction::CryptoErase => s.crypto_scramble,
        SanitizeAction::BlockErase => s.block_erase,
        SanitizeAction::Overwrite => s.overwrite,
    };
    if !bit {
        return Err(run.refuse(format!(
            "IDENTIFY word 59 does not report SANITIZE {}",
            action_name(action)
        )));
    }
    if s.frozen {
        return Err(
            run.refuse("SANITIZE is frozen (SANITIZE FREEZE LOCK) until the next power cycle")
        );
    }
    Ok(())
}

/// The sanitize state found before sending, and how to send.
struct PreviousSanitize {
    /// The state the new operation's unclear answer would be compared with.
    state: SanitizeState,
    /// Whether the new sanitize may carry FAILURE MODE.
    failure_mode: bool,
}

/// Reads SANITIZE STATUS EXT before sending: waits for an operation still running (once),
/// clears an earlier failure, refuses a frozen drive.
fn settle_previous_sanitize<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    ctx: &mut FirmwareContext<'_>,
    run: &mut Run,
) -> Result<PreviousSanitize, FirmwareOutcome> {
    let mut previous = PreviousSanitize {
        state: SanitizeState::Idle,
        failure_mode: true,
    };
    for round in 0..2 {
        let st = match dev.sanitize_status(false) {
            Ok(st) => st,
            Err(e) if e.is_device_gone() => {
                return Err(run.gone(
                    "the device disappeared before the sanitize started",
                    format!("SANITIZE STATUS EXT: {e}"),
                ))
            }
            Err(e) => {
                return Err(run.refuse(format!(
                    "SANITIZE STATUS EXT cannot be read ({e}), so the outcome of a sanitize could not be checked"
                )))
            }
        };
        previous.state = st.state;
        match st.state {
            SanitizeState::Frozen => {
                return Err(run.refuse(format!(
                    "{}: SANITIZE FREEZE LOCK is in effect until the next power cycle",
                    describe_sanitize_status(&st)
                )))
            }
            SanitizeState::InProgress if round == 0 => {
                run.note(format!(
                    "an earlier sanitize operation was still running ({}), probably from an interrupted job; ardoise waited for it before starting its own",
                    describe_sanitize_status(&st)
                ));
                let what = "the earlier sanitize operation";
                let mut ambiguous = false;
                let earlier = run.wait_for_earlier(ctx, what, None, |_| {
                    poll_sanitize(dev, what, true, &mut ambiguous)
                })?;
                run.earlier_ended(earlier);
            }
            SanitizeState::InProgress => {
                return Err(run.refuse("a sanitize operation is still in progress"))
            }
            SanitizeState::Failed => {
                clear_earlier_failure(dev, run, &mut previous);
                break;
            }
            SanitizeState::Idle | SanitizeState::Succeeded => break,
        }
    }
    Ok(previous)
}

/// The drive is in SD3 (an earlier sanitize failed): CLEAR SANITIZE OPERATION FAILED, or send
/// the new sanitize without FAILURE MODE.
fn clear_earlier_failure<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    run: &mut Run,
    previous: &mut PreviousSanitize,
) {
    match dev.sanitize_status(true) {
        Ok(after) if after.state != SanitizeState::Failed => {
            run.note(format!(
                "the drive was in SD3 (an earlier sanitize failed); cleared with CLEAR SANITIZE OPERATION FAILED: {}",
                describe_sanitize_status(&after)
            ));
            previous.state = after.state;
        }
        Ok(_) | Err(_) => {
            // A failure without FAILURE MODE can only be left by a sanitize without
            // it (ACS; the drive aborts one with FAILURE MODE, reason 01h).
            previous.failure_mode = false;
            run.note(
                "the drive is in SD3 (an earlier sanitize failed) and the failure cannot be cleared; the new sanitize is sent without FAILURE MODE",
            );
        }
    }
}

/// Sends the sanitize command. `Ok(confirmed)`: whether the drive's registers confirmed it (if
/// not, SANITIZE STATUS EXT decides).
fn send_sanitize<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    action: SanitizeAction,
    failure_mode: bool,
    what: &str,
    run: &mut Run,
) -> Result<bool, FirmwareOutcome> {
    let opts = SanitizeOptions {
        failure_mode,
        zoned_no_reset: false,
    };
    let sent = match action {
        SanitizeAction::CryptoErase => dev.sanitize_crypto_scramble(opts),
        SanitizeAction::BlockErase => dev.sanitize_block_erase(opts),
        SanitizeAction::Overwrite => dev.sanitize_overwrite(
            OverwriteOptions {
                pattern: 0,
                passes: 1,
                invert: false,
                definitive_ending: false,
            },
            opts,
        ),
    };
    match sent {
        Ok(r) if r.is_confirmed() => Ok(true),
        Ok(_) => {
            run.note(format!(
                "{what}: no ATA registers came back, so the command's outcome is read from SANITIZE STATUS EXT"
            ));
            Ok(false)
        }
        Err(e) if e.is_device_gone() => Err(run.gone(
            format!("the device disappeared when {what} was sent"),
            e.to_string(),
        )),
        Err(e @ (AtaError::Aborted { .. } | AtaError::Rejected(_))) => {
            let reason = match e.sanitize_reason() {
                Some(r) => format!("{e}; SANITIZE DEVICE ERROR REASON: {r}"),
                None => e.to_string(),
            };
            Err(run.fail(
                ExceptionCode::EraseFailed,
                format!("the drive refused {what}: {reason}"),
                "command aborted",
            ))
        }
        Err(e) => {
            run.note(format!(
                "{what}: unclear answer ({e}); the drive's status decides"
            ));
            Ok(false)
        }
    }
}
