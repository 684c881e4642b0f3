//! SCSI SANITIZE (cryptographic erase, block erase, overwrite) with IMMED, polled with REQUEST
//! SENSE (progress in the sense-key-specific field, NOT READY 04/1B while it runs) and checked
//! with TEST UNIT READY.
//!
//! Choices (sg3_utils `sg_sanitize` as the fact source): IMMED so the command returns at once;
//! AUSE = 1 so that a failed operation can be left with EXIT FAILURE MODE (the verdict is
//! `not_erased` either way, and the disk can then be overwritten or sanitized again); OVERWRITE
//! with a 4-byte zero pattern, count 1, no inversion (the planner expects zeros).

use std::time::Duration;

use ardoise_disk::scsi::{
    CommandError, ScsiDevice, ScsiOverwrite, ScsiSanitizeOp, ScsiSanitizeRequest, Sense, SenseKey,
};
use ardoise_disk::transport::ScsiTransport;

use super::session::{erase_failed, report_completion, Run};
use super::{poll_until, FirmwareContext, FirmwareOutcome, Poll};
use crate::capability::DriveCapabilities;
use crate::method::{Method, SanitizeAction};
use crate::outcome::ExceptionCode;

/// Timeout of SANITIZE with IMMED (sg_sanitize uses 20 s).
const IMMED_TIMEOUT: Duration = Duration::from_secs(30);

fn op(action: SanitizeAction) -> ScsiSanitizeOp {
    match action {
        SanitizeAction::CryptoErase => ScsiSanitizeOp::CryptographicErase,
        SanitizeAction::BlockErase => ScsiSanitizeOp::BlockErase,
        SanitizeAction::Overwrite => ScsiSanitizeOp::Overwrite(ScsiOverwrite {
            pattern: vec![0; 4],
            count: 1,
            invert: false,
        }),
    }
}

enum Condition {
    InProgress(Option<f64>, String),
    Failed(String),
    Clear,
    Other,
}

fn condition(sense: Option<&Sense>) -> Condition {
    match sense {
        None => Condition::Clear,
        Some(s) if s.is_sanitize_in_progress() => {
            Condition::InProgress(s.progress_percent().map(|p| p / 100.0), s.to_string())
        }
        Some(s) if s.is_sanitize_failed() => Condition::Failed(s.to_string()),
        Some(s) if s.key == SenseKey::NoSense && s.progress.is_some() => {
            // Some devices report progress with NO SENSE while the operation runs.
            Condition::InProgress(s.progress_percent().map(|p| p / 100.0), s.to_string())
        }
        Some(_) => Condition::Other,
    }
}

fn poll<T: ScsiTransport>(dev: &mut ScsiDevice<T>, what: &str, started_confirmed: bool) -> Poll {
    let gone = |e: &CommandError| {
        Poll::Done(FirmwareOutcome::gone(
            format!("the device disappeared during {what}"),
            e.to_string(),
            Vec::new(),
        ))
    };
    let sense = match dev.request_sense(false) {
        Ok(s) => s,
        Err(e) if e.is_device_gone() => return gone(&e),
        Err(e) => return Poll::Unreadable(format!("REQUEST SENSE: {e}")),
    };
    let rs_words = match &sense {
        Some(s) => format!("REQUEST SENSE: {s}"),
        None => "REQUEST SENSE: no sense data".to_string(),
    };
    match condition(sense.as_ref()) {
        Condition::InProgress(p, _) => return Poll::Running(p, rs_words),
        Condition::Failed(_) => {
            return Poll::Done(FirmwareOutcome::failed(
                ExceptionCode::EraseFailed,
                format!("{what} failed: {rs_words}"),
                rs_words,
                Vec::new(),
            ))
        }
        Condition::Clear | Condition::Other => {}
    }
    // Nothing pending in REQUEST SENSE: TEST UNIT READY says whether the medium is back.
    match dev.test_unit_ready() {
        Ok(()) if !started_confirmed => Poll::Done(FirmwareOutcome::failed(
            ExceptionCode::EraseFailed,
            format!(
                "{what}: the command's answer was unclear and the device shows no sanitize in progress: whether it ran cannot be established"
            ),
            format!("{rs_words}; TEST UNIT READY: GOOD"),
            Vec::new(),
        )),
        Ok(()) => Poll::Done(FirmwareOutcome::completed(
            format!("{rs_words} (no sanitize in progress); TEST UNIT READY: GOOD"),
            Vec::new(),
        )),
        Err(e) if e.is_device_gone() => gone(&e),
        Err(CommandError::CheckCondition(s)) => match condition(Some(&s)) {
            Condition::InProgress(p, _) => {
                Poll::Running(p, format!("TEST UNIT READY: {s}"))
            }
            Condition::Failed(_) => Poll::Done(FirmwareOutcome::failed(
                ExceptionCode::EraseFailed,
                format!("{what} failed: TEST UNIT READY: {s}"),
                format!("TEST UNIT READY: {s}"),
                Vec::new(),
            )),
            _ => Poll::Unreadable(format!("TEST UNIT READY: {s}")),
        },
        Err(e) => Poll::Unreadable(format!("TEST UNIT READY: {e}")),
    }
}

/// SCSI SANITIZE.
pub(crate) fn sanitize<T: ScsiTransport>(
    dev: &mut ScsiDevice<T>,
    action: SanitizeAction,
    caps: &DriveCapabilities,
    ctx: &mut FirmwareContext<'_>,
) -> FirmwareOutcome {
    let mut run = Run::new(Method::ScsiSanitize { action }.id());
    let request = ScsiSanitizeRequest {
        op: op(action),
        immed: true,
        ause: true,
        znr: false,
    };
    let name = request.op.service_action().name();
    let what = format!("SANITIZE {name}");
    let mut steps = |run: &mut Run| -> Result<FirmwareOutcome, FirmwareOutcome> {
        check_sanitize_support(run, caps, action, name)?;
        settle_previous_sanitize(dev, ctx, run)?;
        run.ensure_not_cancelled(ctx, &what)?;
        ctx.report(Some(0.0), format!("{what}: starting"));
        let confirmed = send_sanitize(dev, &request, caps.logical_sector_size, &what, run)?;
        let mut out = poll_until(ctx, &what, None, &mut run.notes, |_| {
            poll(dev, &what, confirmed)
        });
        exit_failure_if_failed(dev, caps.logical_sector_size, &mut out);
        report_completion(ctx, &what, &out);
        Ok(out)
    };
    steps(&mut run).unwrap_or_else(|stopped| stopped)
}

/// REPORT SUPPORTED OPERATION CODES' word on this service action, if the device gave one.
fn check_sanitize_support(
    run: &mut Run,
    caps: &DriveCapabilities,
    action: SanitizeAction,
    name: &str,
) -> Result<(), FirmwareOutcome> {
    let reported = caps.scsi_sanitize.as_ref().and_then(|s| match action {
        SanitizeAction::CryptoErase => s.crypto_erase,
        SanitizeAction::BlockErase => s.block_erase,
        SanitizeAction::Overwrite => s.overwrite,
    });
    match reported {
        Some(true) => {}
        Some(false) => {
            return Err(run.refuse(format!(
                "REPORT SUPPORTED OPERATION CODES says SANITIZE {name} is not supported"
            )))
        }
        None => run.note(format!(
            "the device did not report whether it supports SANITIZE {name}; the command was tried as the technician asked"
        )),
    }
    Ok(())
}

/// An operation already running (an interrupted job) must end first.
fn settle_previous_sanitize<T: ScsiTransport>(
    dev: &mut ScsiDevice<T>,
    ctx: &mut FirmwareContext<'_>,
    run: &mut Run,
) -> Result<(), FirmwareOutcome> {
    match dev.request_sense(false) {
        Ok(s) => match condition(s.as_ref()) {
            Condition::InProgress(_, words) => {
                run.note(format!(
                    "an earlier sanitize was still running ({words}); ardoise waited for it before starting its own"
                ));
                let what = "the earlier sanitize";
                let earlier = run.wait_for_earlier(ctx, what, None, |_| poll(dev, what, true))?;
                run.earlier_ended(earlier);
            }
            Condition::Failed(words) => run.note(format!(
                "an earlier sanitize had failed ({words}); a new one may start"
            )),
            _ => {}
        },
        Err(e) if e.is_device_gone() => {
            return Err(run.gone("the device disappeared before the sanitize", e.to_string()))
        }
        Err(e) => run.note(format!("REQUEST SENSE before the sanitize failed: {e}")),
    }
    Ok(())
}

/// Sends SANITIZE with IMMED. `Ok(confirmed)`: whether the device accepted it (if not, its
/// sense data decides).
fn send_sanitize<T: ScsiTransport>(
    dev: &mut ScsiDevice<T>,
    request: &ScsiSanitizeRequest,
    logical_sector_size: u32,
    what: &str,
    run: &mut Run,
) -> Result<bool, FirmwareOutcome> {
    match dev.sanitize(request, logical_sector_size, IMMED_TIMEOUT) {
        Ok(()) => Ok(true),
        Err(e) if e.is_device_gone() => Err(run.gone(
            format!("the device disappeared when {what} was sent"),
            e.to_string(),
        )),
        Err(e @ (CommandError::CheckCondition(_) | CommandError::Malformed(_))) => Err(run.fail(
            ExceptionCode::EraseFailed,
            format!("the device refused {what}: {e}"),
            "command refused",
        )),
        Err(e) => {
            run.note(format!(
                "{what}: unclear answer ({e}); the device's sense data decides"
            ));
            Ok(false)
        }
    }
}

/// After a failed sanitize, if the sense data still says so: EXIT FAILURE MODE (allowed
/// because the sanitize was sent with AUSE = 1).
fn exit_failure_if_failed<T: ScsiTransport>(
    dev: &mut ScsiDevice<T>,
    logical_sector_size: u32,
    out: &mut FirmwareOutcome,
) {
    if !erase_failed(out)
        || !dev
            .request_sense(false)
            .is_ok_and(|s| matches!(condition(s.as_ref()), Condition::Failed(_)))
    {
        return;
    }
    let exit = ScsiSanitizeRequest {
        op: ScsiSanitizeOp::ExitFailureMode,
        immed: false,
        ause: false,
        znr: false,
    };
    match dev.sanitize(&exit, logical_sector_size, IMMED_TIMEOUT) {
        Ok(()) => out
            .notes
            .push("the device left the sanitize failure state (EXIT FAILURE MODE)".into()),
        Err(e) => out.notes.push(format!(
            "EXIT FAILURE MODE failed ({e}): the device refuses media access until a sanitize succeeds"
        )),
    }
}
