//! NVMe executors: Sanitize (crypto erase, block erase, overwrite) polled with the Sanitize
//! Status log, and Format NVM with a secure erase setting.
//!
//! Choices:
//! - Sanitize is sent with AUSE = 1, and NDAS = 0 unless the plan asks to keep the data
//!   ([`FirmwareContext::keep_data`]: a crypto erase whose result is then checked, see
//!   docs/methods.md). AUSE allows Exit Failure Mode after a failed operation (the verdict is
//!   `not_erased` either way, and the drive can then be overwritten or sanitized again); without
//!   NDAS the controller deallocates afterwards, so an overwrite reads back as zeros like the
//!   other actions.
//! - The log's word is taken as strictly as ATA's SANITIZE STATUS: when the command's own
//!   answer was unclear and the log still shows an earlier success of the same operation, and
//!   no operation was seen running, whether this one ran cannot be established (`erase-failed`);
//!   a completion without Global Data Erased (SSTAT bit 8) contradicts an erase of all user
//!   data (`erase-failed`).
//! - Overwrite: one pass of a zero pattern, no inversion (the planner expects zeros).
//! - Polling follows nvme-cli's `wait_sanitize()`: the time budget is the controller's own
//!   estimate for the action (ETBE/ETCE/ETO), and a SPROG that stands still for longer than
//!   that, or goes backwards, ends the wait; at the end SSTAT must say "completed" (1, or 4).
//! - Format NVM keeps the namespace's current LBA format and protection settings, addresses
//!   the namespace, or every namespace (NSID FFFFFFFFh) when FNA bit 0 says a format applies to
//!   all anyway; SES = 2 only with FNA bit 2 (QEMU accepts SES = 2 on a controller that reports
//!   FNA = 0 and merely zeroes: success is not proof of support).

use std::time::Duration;

use ardoise_disk::nvme::controller::format_timeout;
use ardoise_disk::nvme::{
    FormatParams, FormatTarget, NvmeController, NvmeError, SanitizeAction as Sanact,
    SanitizeParams, SanitizeStatusLog, SanitizeStatusValue, SecureEraseSetting,
};
use ardoise_disk::transport::NvmeTransport;

use super::{poll_until, FirmwareContext, FirmwareOutcome, Poll};
use crate::capability::DriveCapabilities;
use crate::method::{FormatErase, Method, SanitizeAction};
use crate::outcome::ExceptionCode;

/// QEMU's PCI vendor id (Red Hat): its controller ignores SES (docs/standards.md §6).
const QEMU_VID: u16 = 0x1b36;

/// "Sanitize Status log: SSTAT=1 (completed successfully, global data erased), SPROG=0xffff".
pub fn describe_sanitize_log(log: &SanitizeStatusLog) -> String {
    format!(
        "Sanitize Status log: SSTAT={} ({}), SPROG=0x{:04x}",
        log.sstat & 0x7,
        log.describe(),
        log.sprog
    )
}

fn sanact(action: SanitizeAction) -> Sanact {
    match action {
        SanitizeAction::CryptoErase => Sanact::CryptoErase,
        SanitizeAction::BlockErase => Sanact::BlockErase,
        SanitizeAction::Overwrite => Sanact::Overwrite {
            passes: 1,
            invert_between_passes: false,
            pattern: 0,
        },
    }
}

/// One poll of the Sanitize Status log. `our_cdw10`: the CDW10 ardoise sent (bits 10:0 must
/// come back in SCDW10), `None` while waiting for an earlier operation. `stale_success`: the
/// command's answer was unclear and the log showed the same operation's success before it was
/// sent; cleared once the operation is seen running.
pub(crate) fn poll_log<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    what: &str,
    our_cdw10: Option<u32>,
    started_confirmed: bool,
    stale_success: &mut bool,
) -> Poll {
    let log = match ctl.sanitize_status() {
        Ok(l) => l,
        Err(e) if e.is_device_gone() => {
            return Poll::Done(FirmwareOutcome::gone(
                format!("the device disappeared during {what}"),
                e.to_string(),
                Vec::new(),
            ))
        }
        Err(e) => return Poll::Unreadable(e.to_string()),
    };
    let words = describe_sanitize_log(&log);
    let ours = our_cdw10.is_none_or(|c| log.scdw10 & 0x7ff == c & 0x7ff);
    match log.status() {
        SanitizeStatusValue::InProgress if ours => {
            *stale_success = false;
            Poll::Running(log.progress(), words)
        }
        SanitizeStatusValue::InProgress => Poll::Done(FirmwareOutcome::failed(
            ExceptionCode::DeviceStatusMismatch,
            format!(
                "the Sanitize Status log describes another operation (SCDW10 0x{:08x}) than {what}",
                log.scdw10
            ),
            words,
            Vec::new(),
        )),
        v if v.is_success() && !ours => Poll::Done(FirmwareOutcome::failed(
            if started_confirmed {
                ExceptionCode::DeviceStatusMismatch
            } else {
                ExceptionCode::EraseFailed
            },
            format!(
                "the Sanitize Status log reports the success of another operation (SCDW10 0x{:08x}) than {what}",
                log.scdw10
            ),
            words,
            Vec::new(),
        )),
        v if v.is_success() && *stale_success => Poll::Done(FirmwareOutcome::failed(
            ExceptionCode::EraseFailed,
            format!(
                "{what}: the controller's answer to the command was unclear and the Sanitize Status log still shows an earlier success of the same operation: whether this one ran cannot be established"
            ),
            words,
            Vec::new(),
        )),
        v if v.is_success() && !log.global_data_erased() => Poll::Done(FirmwareOutcome::failed(
            ExceptionCode::EraseFailed,
            format!(
                "{what}: the Sanitize Status log reports completion without Global Data Erased (SSTAT bit 8): the controller does not say that all user data was erased"
            ),
            words,
            Vec::new(),
        )),
        v if v.is_success() => {
            let mut notes = Vec::new();
            if v == SanitizeStatusValue::CompletedWithDeallocation {
                notes.push("the controller reports completion with deallocation (SSTAT 4)".into());
            }
            Poll::Done(FirmwareOutcome::completed(words, notes))
        }
        SanitizeStatusValue::Failed => Poll::Done(FirmwareOutcome::failed(
            ExceptionCode::EraseFailed,
            format!("{what} failed: the Sanitize Status log reports SSTAT=3 (failed)"),
            words,
            Vec::new(),
        )),
        SanitizeStatusValue::NeverSanitized if !started_confirmed => {
            Poll::Done(FirmwareOutcome::failed(
                ExceptionCode::EraseFailed,
                format!("{what} did not start: the log reports no sanitize operation"),
                words,
                Vec::new(),
            ))
        }
        other => Poll::Done(FirmwareOutcome::failed(
            ExceptionCode::DeviceStatusMismatch,
            format!(
                "the controller accepted {what} but the Sanitize Status log reports \"{}\"",
                other.as_str()
            ),
            words,
            Vec::new(),
        )),
    }
}

fn estimate(log: &SanitizeStatusLog) -> Option<Duration> {
    log.estimate_for_last_operation()
        .map(|s| Duration::from_secs(u64::from(s)))
}

/// After a failed sanitize: leave the failure state (allowed because ardoise sends AUSE = 1).
fn exit_failure_mode<T: NvmeTransport>(ctl: &mut NvmeController<T>, out: &mut FirmwareOutcome) {
    match ctl.sanitize(&SanitizeParams::new(Sanact::ExitFailureMode)) {
        Ok(()) => out
            .notes
            .push("the controller left the sanitize failure state (Exit Failure Mode)".into()),
        Err(e) => out.notes.push(format!(
            "Exit Failure Mode failed ({e}): the controller refuses media access until a sanitize succeeds"
        )),
    }
}

/// NVMe Sanitize.
pub(crate) fn sanitize<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    action: SanitizeAction,
    caps: &DriveCapabilities,
    ctx: &mut FirmwareContext<'_>,
) -> FirmwareOutcome {
    let method = Method::NvmeSanitize { action }.id();
    let params = SanitizeParams {
        action: sanact(action),
        allow_unrestricted_exit: true,
        no_deallocate: ctx.keep_data,
    };
    let what = format!("Sanitize {}", params.action.name());
    let Some(n) = caps.nvme.as_ref() else {
        return FirmwareOutcome::refused(
            &method,
            "the probe found no NVMe capabilities",
            Vec::new(),
        );
    };
    let (bit, label) = match action {
        SanitizeAction::CryptoErase => (n.sanitize_crypto, "crypto erase"),
        SanitizeAction::BlockErase => (n.sanitize_block, "block erase"),
        SanitizeAction::Overwrite => (n.sanitize_overwrite, "overwrite"),
    };
    if !bit {
        return FirmwareOutcome::refused(
            &method,
            format!("Identify Controller SANICAP does not report {label}"),
            Vec::new(),
        );
    }
    let id = match ctl.identify_controller() {
        Ok(id) => id,
        Err(e) if e.is_device_gone() => {
            return FirmwareOutcome::gone(
                "the device disappeared before the sanitize",
                e.to_string(),
                Vec::new(),
            )
        }
        Err(e) => return FirmwareOutcome::refused(&method, e, Vec::new()),
    };
    let live = match action {
        SanitizeAction::CryptoErase => id.sanicap.crypto_erase(),
        SanitizeAction::BlockErase => id.sanicap.block_erase(),
        SanitizeAction::Overwrite => id.sanicap.overwrite(),
    };
    if !live {
        return FirmwareOutcome::refused(
            &method,
            format!("SANICAP 0x{:08x} does not report {label}", id.sanicap.0),
            Vec::new(),
        );
    }
    let cdw10 = match params.encode() {
        Ok(c) => c.cdw10,
        Err(e) => return FirmwareOutcome::refused(&method, e, Vec::new()),
    };

    let mut notes = Vec::new();
    let mut before = match ctl.sanitize_status() {
        Ok(l) => l,
        Err(e) if e.is_device_gone() => {
            return FirmwareOutcome::gone("the device disappeared before the sanitize", e.to_string(), notes)
        }
        Err(e) => {
            return FirmwareOutcome::refused(
                &method,
                format!(
                    "the Sanitize Status log cannot be read ({e}), so the outcome of a sanitize could not be checked"
                ),
                notes,
            )
        }
    };
    match before.status() {
        SanitizeStatusValue::InProgress => {
            notes.push(format!(
                "an earlier sanitize was still running ({}), probably from an interrupted job; ardoise waited for it before starting its own",
                describe_sanitize_log(&before)
            ));
            let budget = estimate(&before);
            let mut earlier = poll_until(ctx, "the earlier sanitize", budget, &mut notes, |_| {
                poll_log(ctl, "the earlier sanitize", None, true, &mut false)
            });
            if earlier
                .exceptions
                .iter()
                .any(|e| matches!(e.code, ExceptionCode::DeviceGone | ExceptionCode::Cancelled))
            {
                return earlier;
            }
            if earlier
                .exceptions
                .iter()
                .any(|e| e.code == ExceptionCode::EraseFailed)
                && ctl
                    .sanitize_status()
                    .is_ok_and(|l| l.status() == SanitizeStatusValue::Failed)
            {
                exit_failure_mode(ctl, &mut earlier);
            }
            notes = earlier.notes;
            notes.push(format!(
                "the earlier operation ended: {}",
                earlier.device_status
            ));
            // What the log says now is what an unclear answer would be compared with.
            if let Ok(now) = ctl.sanitize_status() {
                before = now;
            }
        }
        SanitizeStatusValue::Failed => notes.push(format!(
            "the last sanitize had failed ({}); a new sanitize is allowed",
            describe_sanitize_log(&before)
        )),
        _ => {}
    }
    if n.namespaces > 1 {
        notes.push(format!(
            "Sanitize acts on the whole NVM subsystem: all {} namespaces are erased",
            n.namespaces
        ));
    }
    if ctx.cancelled() {
        return FirmwareOutcome::failed(
            ExceptionCode::Cancelled,
            format!("cancelled before {what} was sent"),
            "no erase command sent",
            notes,
        );
    }

    ctx.report(Some(0.0), format!("{what}: starting"));
    let confirmed = match ctl.sanitize(&params) {
        Ok(()) => true,
        Err(e) if e.is_device_gone() => {
            return FirmwareOutcome::gone(
                format!("the device disappeared when {what} was sent"),
                e.to_string(),
                notes,
            )
        }
        Err(e @ (NvmeError::Command { .. } | NvmeError::Unsupported(_) | NvmeError::Encode(_))) => {
            return FirmwareOutcome::failed(
                ExceptionCode::EraseFailed,
                format!("the controller refused {what}: {e}"),
                "command refused",
                notes,
            )
        }
        Err(e) => {
            notes.push(format!(
                "{what}: unclear answer ({e}); the Sanitize Status log decides"
            ));
            false
        }
    };
    // nvme-cli's budget: the controller's estimate for this action, with or without
    // No-Deallocate.
    let budget = match (action, params.no_deallocate) {
        (SanitizeAction::CryptoErase, false) => before.estimated_crypto_erase,
        (SanitizeAction::CryptoErase, true) => before.estimated_crypto_erase_no_dealloc,
        (SanitizeAction::BlockErase, false) => before.estimated_block_erase,
        (SanitizeAction::BlockErase, true) => before.estimated_block_erase_no_dealloc,
        (SanitizeAction::Overwrite, false) => before.estimated_overwrite,
        (SanitizeAction::Overwrite, true) => before.estimated_overwrite_no_dealloc,
    }
    .map(|s| Duration::from_secs(u64::from(s)));
    // ATA's rule (firmware/ata.rs): an unclear answer over the same operation's earlier success
    // proves nothing until the operation is seen running.
    let mut stale_success =
        !confirmed && before.status().is_success() && before.scdw10 & 0x7ff == cdw10 & 0x7ff;
    let mut out = poll_until(ctx, &what, budget, &mut notes, |_| {
        poll_log(ctl, &what, Some(cdw10), confirmed, &mut stale_success)
    });
    if out
        .exceptions
        .iter()
        .any(|e| e.code == ExceptionCode::EraseFailed)
        && ctl
            .sanitize_status()
            .is_ok_and(|l| l.status() == SanitizeStatusValue::Failed)
    {
        exit_failure_mode(ctl, &mut out);
    }
    if out.completed {
        ctx.report(Some(1.0), format!("{what}: {}", out.device_status));
    }
    out
}

/// NVMe Format NVM with SES = 1 or 2.
pub(crate) fn format<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    nsid: u32,
    erase: FormatErase,
    caps: &DriveCapabilities,
    ctx: &mut FirmwareContext<'_>,
) -> FirmwareOutcome {
    let method = Method::NvmeFormat { erase }.id();
    let Some(n) = caps.nvme.as_ref() else {
        return FirmwareOutcome::refused(
            &method,
            "the probe found no NVMe capabilities",
            Vec::new(),
        );
    };
    if !n.format_supported {
        return FirmwareOutcome::refused(
            &method,
            "OACS says Format NVM is not supported",
            Vec::new(),
        );
    }
    if erase == FormatErase::Crypto && !n.format_crypto_erase {
        return FirmwareOutcome::refused(
            &method,
            "FNA bit 2 says Format with cryptographic erase is not supported",
            Vec::new(),
        );
    }
    let id = match ctl.identify_controller() {
        Ok(id) => id,
        Err(e) if e.is_device_gone() => {
            return FirmwareOutcome::gone(
                "the device disappeared before the format",
                e.to_string(),
                Vec::new(),
            )
        }
        Err(e) => return FirmwareOutcome::refused(&method, e, Vec::new()),
    };
    if !id.oacs.format_nvm() {
        return FirmwareOutcome::refused(
            &method,
            format!("OACS 0x{:04x} says Format NVM is not supported", id.oacs.0),
            Vec::new(),
        );
    }
    if erase == FormatErase::Crypto && !id.fna.crypto_erase_supported() {
        return FirmwareOutcome::refused(
            &method,
            format!(
                "FNA 0x{:02x} bit 2 is clear: Format with cryptographic erase is not supported",
                id.fna.0
            ),
            Vec::new(),
        );
    }
    let ns = match ctl.identify_namespace(nsid) {
        Ok(ns) if ns.is_active() => ns,
        Ok(_) => {
            return FirmwareOutcome::refused(
                &method,
                format!("namespace {nsid} is not active"),
                Vec::new(),
            )
        }
        Err(e) if e.is_device_gone() => {
            return FirmwareOutcome::gone(
                "the device disappeared before the format",
                e.to_string(),
                Vec::new(),
            )
        }
        Err(e) => return FirmwareOutcome::refused(&method, e, Vec::new()),
    };
    let mut notes = Vec::new();
    let lbaf = ns.current_lbaf_index();
    let lba_size = ns.lba_size();
    let target = if id.fna.format_applies_to_all() && !id.fna.broadcast_format_unsupported() {
        FormatTarget::All
    } else {
        FormatTarget::Namespace(nsid)
    };
    if id.fna.format_applies_to_all() || id.fna.secure_erase_applies_to_all() {
        notes.push(format!(
            "FNA 0x{:02x}: the format erases every namespace of the controller ({})",
            id.fna.0, id.nn
        ));
    }
    if id.vid == QEMU_VID {
        notes.push(
            "QEMU's emulated controller ignores the secure erase setting and zero-fills the namespace".into(),
        );
    }
    let ses = match erase {
        FormatErase::UserData => SecureEraseSetting::UserData,
        FormatErase::Crypto => SecureEraseSetting::Crypto,
    };
    let params = FormatParams {
        target,
        lbaf,
        metadata_at_end: ns.metadata_at_end(),
        pi: ns.pi_type(),
        pi_first: ns.dps & 0x08 != 0,
        ses,
    };
    let capacity = match target {
        FormatTarget::All if id.tnvmcap > 0 => u64::try_from(id.tnvmcap).unwrap_or(u64::MAX),
        _ => ns
            .capacity_bytes()
            .map_or(caps.size_bytes, |c| u64::try_from(c).unwrap_or(u64::MAX)),
    };
    let timeout = format_timeout(capacity);
    if ctx.cancelled() {
        return FirmwareOutcome::failed(
            ExceptionCode::Cancelled,
            "cancelled before Format NVM was sent",
            "no erase command sent",
            notes,
        );
    }
    let what = format!("Format NVM (SES={})", ses.ses());
    ctx.report(
        None,
        format!(
            "{what} running (timeout {} min); it cannot be interrupted",
            timeout.as_secs() / 60
        ),
    );
    match ctl.format_nvm(&params, timeout) {
        Ok(()) => {}
        Err(e) if e.is_device_gone() => {
            return FirmwareOutcome::gone(
                format!("the device disappeared during {what}"),
                e.to_string(),
                notes,
            )
        }
        Err(NvmeError::Unsupported(s)) => return FirmwareOutcome::refused(&method, s, notes),
        Err(e @ NvmeError::Transport { .. }) => {
            return FirmwareOutcome::failed(
                ExceptionCode::EraseFailed,
                format!("{what} did not complete ({e}); the controller may still be formatting"),
                "no completion",
                notes,
            )
        }
        Err(e) => {
            return FirmwareOutcome::failed(
                ExceptionCode::EraseFailed,
                format!("the controller refused {what}: {e}"),
                "command refused",
                notes,
            )
        }
    }
    // The command's success alone proves nothing: the namespace must still be there, with the
    // format that was asked for.
    let after = match ctl.identify_namespace(nsid) {
        Ok(a) => a,
        Err(e) if e.is_device_gone() => {
            return FirmwareOutcome::gone(
                format!("the device disappeared after {what}"),
                e.to_string(),
                notes,
            )
        }
        Err(e) => {
            return FirmwareOutcome::failed(
                ExceptionCode::EraseFailed,
                format!("{what} completed but Identify Namespace failed afterwards: {e}"),
                "Format NVM: Successful Completion",
                notes,
            )
        }
    };
    let words = format!(
        "Format NVM: Successful Completion; Identify Namespace {nsid}: LBA format {} ({} bytes), {} blocks",
        after.current_lbaf_index(),
        after
            .lba_size()
            .map_or("unknown".to_string(), |s| s.to_string()),
        after.nsze
    );
    if !after.is_active() || after.current_lbaf_index() != lbaf || after.lba_size() != lba_size {
        return FirmwareOutcome::failed(
            ExceptionCode::DeviceStatusMismatch,
            format!(
                "{what} reported success but the namespace changed: LBA format {} → {}, {} blocks",
                lbaf,
                after.current_lbaf_index(),
                after.nsze
            ),
            words,
            notes,
        );
    }
    notes.push(
        "Format NVM reports nothing about the erase beyond its completion; the read-back verification decides".into(),
    );
    ctx.report(Some(1.0), format!("{what}: {words}"));
    FirmwareOutcome::completed(words, notes)
}
