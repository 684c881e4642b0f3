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
    FormatParams, FormatTarget, IdentifyController, IdentifyNamespace, NvmeController, NvmeError,
    SanitizeAction as Sanact, SanitizeParams, SanitizeStatusLog, SanitizeStatusValue,
    SecureEraseSetting,
};
use ardoise_disk::transport::NvmeTransport;

use super::session::{erase_failed, report_completion, Run};
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
    let scdw10 = log.scdw10;
    let reading = LogReading {
        words: describe_sanitize_log(&log),
        ours: our_cdw10.is_none_or(|c| log.scdw10 & 0x7ff == c & 0x7ff),
        log,
        what,
    };
    match reading.log.status() {
        SanitizeStatusValue::InProgress if reading.ours => {
            *stale_success = false;
            Poll::Running(reading.log.progress(), reading.words)
        }
        SanitizeStatusValue::InProgress => Poll::Done(reading.mismatch(format!(
            "the Sanitize Status log describes another operation (SCDW10 0x{scdw10:08x}) than {what}"
        ))),
        v if v.is_success() => Poll::Done(reading.success(v, started_confirmed, *stale_success)),
        SanitizeStatusValue::Failed => Poll::Done(reading.erase_failed(format!(
            "{what} failed: the Sanitize Status log reports SSTAT=3 (failed)"
        ))),
        SanitizeStatusValue::NeverSanitized if !started_confirmed => {
            Poll::Done(reading.erase_failed(format!(
                "{what} did not start: the log reports no sanitize operation"
            )))
        }
        other => Poll::Done(reading.mismatch(format!(
            "the controller accepted {what} but the Sanitize Status log reports \"{}\"",
            other.as_str()
        ))),
    }
}

/// One reading of the Sanitize Status log that ends the wait, and the verdicts it can give.
struct LogReading<'a> {
    log: SanitizeStatusLog,
    what: &'a str,
    words: String,
    /// Whether the log describes the operation waited for (SCDW10 bits 10:0).
    ours: bool,
}

impl LogReading<'_> {
    fn done(self, code: ExceptionCode, detail: String) -> FirmwareOutcome {
        FirmwareOutcome::failed(code, detail, self.words, Vec::new())
    }

    fn erase_failed(self, detail: String) -> FirmwareOutcome {
        self.done(ExceptionCode::EraseFailed, detail)
    }

    fn mismatch(self, detail: String) -> FirmwareOutcome {
        self.done(ExceptionCode::DeviceStatusMismatch, detail)
    }

    /// The log reports a success: whose, whether it can be told from an earlier one, and
    /// whether it says all user data was erased.
    fn success(
        self,
        value: SanitizeStatusValue,
        started_confirmed: bool,
        stale_success: bool,
    ) -> FirmwareOutcome {
        let what = self.what;
        if !self.ours {
            let code = if started_confirmed {
                ExceptionCode::DeviceStatusMismatch
            } else {
                ExceptionCode::EraseFailed
            };
            let detail = format!(
                "the Sanitize Status log reports the success of another operation (SCDW10 0x{:08x}) than {what}",
                self.log.scdw10
            );
            return self.done(code, detail);
        }
        if stale_success {
            return self.erase_failed(format!(
                "{what}: the controller's answer to the command was unclear and the Sanitize Status log still shows an earlier success of the same operation: whether this one ran cannot be established"
            ));
        }
        if !self.log.global_data_erased() {
            return self.erase_failed(format!(
                "{what}: the Sanitize Status log reports completion without Global Data Erased (SSTAT bit 8): the controller does not say that all user data was erased"
            ));
        }
        let mut notes = Vec::new();
        if value == SanitizeStatusValue::CompletedWithDeallocation {
            notes.push("the controller reports completion with deallocation (SSTAT 4)".into());
        }
        FirmwareOutcome::completed(self.words, notes)
    }
}

/// The controller's estimate for the operation the log describes.
pub(crate) fn estimate(log: &SanitizeStatusLog) -> Option<Duration> {
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

/// After a failed sanitize, if the log still says so: leave the failure state (allowed because
/// ardoise sends AUSE = 1).
fn exit_failure_if_failed<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    out: &mut FirmwareOutcome,
) {
    if erase_failed(out)
        && ctl
            .sanitize_status()
            .is_ok_and(|l| l.status() == SanitizeStatusValue::Failed)
    {
        exit_failure_mode(ctl, out);
    }
}

/// NVMe Sanitize.
pub(crate) fn sanitize<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    action: SanitizeAction,
    caps: &DriveCapabilities,
    ctx: &mut FirmwareContext<'_>,
) -> FirmwareOutcome {
    let mut run = Run::new(Method::NvmeSanitize { action }.id());
    let params = SanitizeParams {
        action: sanact(action),
        allow_unrestricted_exit: true,
        no_deallocate: ctx.keep_data,
    };
    let what = format!("Sanitize {}", params.action.name());
    let mut steps = |run: &mut Run| -> Result<FirmwareOutcome, FirmwareOutcome> {
        let namespaces = check_sanitize_support(ctl, run, caps, action)?;
        let cdw10 = params.encode().map_err(|e| run.refuse(e))?.cdw10;
        let before = settle_previous_sanitize(ctl, ctx, run)?;
        if namespaces > 1 {
            run.note(format!(
                "Sanitize acts on the whole NVM subsystem: all {namespaces} namespaces are erased"
            ));
        }
        run.ensure_not_cancelled(ctx, &what)?;
        ctx.report(Some(0.0), format!("{what}: starting"));
        let confirmed = send_sanitize(ctl, &params, &what, run)?;
        // ATA's rule (firmware/ata.rs): an unclear answer over the same operation's earlier
        // success proves nothing until the operation is seen running.
        let mut stale_success =
            !confirmed && before.status().is_success() && before.scdw10 & 0x7ff == cdw10 & 0x7ff;
        let budget = sanitize_budget(&before, action, params.no_deallocate);
        let mut out = poll_until(ctx, &what, budget, &mut run.notes, |_| {
            poll_log(ctl, &what, Some(cdw10), confirmed, &mut stale_success)
        });
        exit_failure_if_failed(ctl, &mut out);
        report_completion(ctx, &what, &out);
        Ok(out)
    };
    steps(&mut run).unwrap_or_else(|stopped| stopped)
}

/// The action is in SANICAP, as probed and as the controller says now. Returns the number of
/// namespaces (all of them are sanitized).
fn check_sanitize_support<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    run: &mut Run,
    caps: &DriveCapabilities,
    action: SanitizeAction,
) -> Result<u32, FirmwareOutcome> {
    let Some(n) = caps.nvme.as_ref() else {
        return Err(run.refuse("the probe found no NVMe capabilities"));
    };
    let (bit, label) = match action {
        SanitizeAction::CryptoErase => (n.sanitize_crypto, "crypto erase"),
        SanitizeAction::BlockErase => (n.sanitize_block, "block erase"),
        SanitizeAction::Overwrite => (n.sanitize_overwrite, "overwrite"),
    };
    if !bit {
        return Err(run.refuse(format!(
            "Identify Controller SANICAP does not report {label}"
        )));
    }
    let id = run.read_live(ctl.identify_controller(), "the sanitize", |e| e.to_string())?;
    let live = match action {
        SanitizeAction::CryptoErase => id.sanicap.crypto_erase(),
        SanitizeAction::BlockErase => id.sanicap.block_erase(),
        SanitizeAction::Overwrite => id.sanicap.overwrite(),
    };
    if !live {
        return Err(run.refuse(format!(
            "SANICAP 0x{:08x} does not report {label}",
            id.sanicap.0
        )));
    }
    Ok(n.namespaces)
}

/// Reads the Sanitize Status log before sending, waiting for an operation still running.
/// Returns the log an unclear answer would be compared with.
fn settle_previous_sanitize<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    ctx: &mut FirmwareContext<'_>,
    run: &mut Run,
) -> Result<SanitizeStatusLog, FirmwareOutcome> {
    let before = run.read_live(ctl.sanitize_status(), "the sanitize", |e| {
        format!(
            "the Sanitize Status log cannot be read ({e}), so the outcome of a sanitize could not be checked"
        )
    })?;
    match before.status() {
        SanitizeStatusValue::InProgress => {
            run.note(format!(
                "an earlier sanitize was still running ({}), probably from an interrupted job; ardoise waited for it before starting its own",
                describe_sanitize_log(&before)
            ));
            let what = "the earlier sanitize";
            let mut earlier = run.wait_for_earlier(ctx, what, estimate(&before), |_| {
                poll_log(ctl, what, None, true, &mut false)
            })?;
            exit_failure_if_failed(ctl, &mut earlier);
            run.earlier_ended(earlier);
            // What the log says now is what an unclear answer would be compared with.
            Ok(ctl.sanitize_status().unwrap_or(before))
        }
        SanitizeStatusValue::Failed => {
            run.note(format!(
                "the last sanitize had failed ({}); a new sanitize is allowed",
                describe_sanitize_log(&before)
            ));
            Ok(before)
        }
        _ => Ok(before),
    }
}

/// Sends Sanitize. `Ok(confirmed)`: whether the controller completed the command (if not, the
/// Sanitize Status log decides).
fn send_sanitize<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    params: &SanitizeParams,
    what: &str,
    run: &mut Run,
) -> Result<bool, FirmwareOutcome> {
    match ctl.sanitize(params) {
        Ok(()) => Ok(true),
        Err(e) if e.is_device_gone() => Err(run.gone(
            format!("the device disappeared when {what} was sent"),
            e.to_string(),
        )),
        Err(e @ (NvmeError::Command { .. } | NvmeError::Unsupported(_) | NvmeError::Encode(_))) => {
            Err(run.fail(
                ExceptionCode::EraseFailed,
                format!("the controller refused {what}: {e}"),
                "command refused",
            ))
        }
        Err(e) => {
            run.note(format!(
                "{what}: unclear answer ({e}); the Sanitize Status log decides"
            ));
            Ok(false)
        }
    }
}

/// nvme-cli's budget: the controller's estimate for this action, with or without
/// No-Deallocate.
fn sanitize_budget(
    before: &SanitizeStatusLog,
    action: SanitizeAction,
    no_deallocate: bool,
) -> Option<Duration> {
    match (action, no_deallocate) {
        (SanitizeAction::CryptoErase, false) => before.estimated_crypto_erase,
        (SanitizeAction::CryptoErase, true) => before.estimated_crypto_erase_no_dealloc,
        (SanitizeAction::BlockErase, false) => before.estimated_block_erase,
        (SanitizeAction::BlockErase, true) => before.estimated_block_erase_no_dealloc,
        (SanitizeAction::Overwrite, false) => before.estimated_overwrite,
        (SanitizeAction::Overwrite, true) => before.estimated_overwrite_no_dealloc,
    }
    .map(|s| Duration::from_secs(u64::from(s)))
}

/// NVMe Format NVM with SES = 1 or 2.
pub(crate) fn format<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    nsid: u32,
    erase: FormatErase,
    caps: &DriveCapabilities,
    ctx: &mut FirmwareContext<'_>,
) -> FirmwareOutcome {
    let mut run = Run::new(Method::NvmeFormat { erase }.id());
    let mut steps = |run: &mut Run| -> Result<FirmwareOutcome, FirmwareOutcome> {
        check_format_caps(run, caps, erase)?;
        let id = live_format_support(ctl, run, erase)?;
        let ns = run.read_live(ctl.identify_namespace(nsid), "the format", |e| {
            e.to_string()
        })?;
        if !ns.is_active() {
            return Err(run.refuse(format!("namespace {nsid} is not active")));
        }
        let plan = plan_format(run, &id, &ns, nsid, erase, caps);
        run.ensure_not_cancelled(ctx, "Format NVM")?;
        let what = format!("Format NVM (SES={})", plan.params.ses.ses());
        send_format(ctl, ctx, run, &plan, &what)?;
        check_formatted(ctl, ctx, run, &plan, nsid, &what)
    };
    steps(&mut run).unwrap_or_else(|stopped| stopped)
}

/// The probe's word on Format NVM (OACS) and its cryptographic erase (FNA bit 2).
fn check_format_caps(
    run: &mut Run,
    caps: &DriveCapabilities,
    erase: FormatErase,
) -> Result<(), FirmwareOutcome> {
    let Some(n) = caps.nvme.as_ref() else {
        return Err(run.refuse("the probe found no NVMe capabilities"));
    };
    if !n.format_supported {
        return Err(run.refuse("OACS says Format NVM is not supported"));
    }
    if erase == FormatErase::Crypto && !n.format_crypto_erase {
        return Err(run.refuse("FNA bit 2 says Format with cryptographic erase is not supported"));
    }
    Ok(())
}

/// The same, as the controller says now; returns Identify Controller.
fn live_format_support<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    run: &mut Run,
    erase: FormatErase,
) -> Result<IdentifyController, FirmwareOutcome> {
    let id = run.read_live(ctl.identify_controller(), "the format", |e| e.to_string())?;
    if !id.oacs.format_nvm() {
        return Err(run.refuse(format!(
            "OACS 0x{:04x} says Format NVM is not supported",
            id.oacs.0
        )));
    }
    if erase == FormatErase::Crypto && !id.fna.crypto_erase_supported() {
        return Err(run.refuse(format!(
            "FNA 0x{:02x} bit 2 is clear: Format with cryptographic erase is not supported",
            id.fna.0
        )));
    }
    Ok(id)
}

/// What Format NVM is sent with, and what the namespace must look like afterwards.
struct FormatPlan {
    params: FormatParams,
    lbaf: u8,
    lba_size: Option<u32>,
    timeout: Duration,
}

/// The namespace's current LBA format and protection settings, the target (one namespace, or
/// all when FNA says a format applies to all anyway) and the timeout.
fn plan_format(
    run: &mut Run,
    id: &IdentifyController,
    ns: &IdentifyNamespace,
    nsid: u32,
    erase: FormatErase,
    caps: &DriveCapabilities,
) -> FormatPlan {
    let target = if id.fna.format_applies_to_all() && !id.fna.broadcast_format_unsupported() {
        FormatTarget::All
    } else {
        FormatTarget::Namespace(nsid)
    };
    if id.fna.format_applies_to_all() || id.fna.secure_erase_applies_to_all() {
        run.note(format!(
            "FNA 0x{:02x}: the format erases every namespace of the controller ({})",
            id.fna.0, id.nn
        ));
    }
    if id.vid == QEMU_VID {
        run.note(
            "QEMU's emulated controller ignores the secure erase setting and zero-fills the namespace",
        );
    }
    let ses = match erase {
        FormatErase::UserData => SecureEraseSetting::UserData,
        FormatErase::Crypto => SecureEraseSetting::Crypto,
    };
    let capacity = match target {
        FormatTarget::All if id.tnvmcap > 0 => u64::try_from(id.tnvmcap).unwrap_or(u64::MAX),
        _ => ns
            .capacity_bytes()
            .map_or(caps.size_bytes, |c| u64::try_from(c).unwrap_or(u64::MAX)),
    };
    FormatPlan {
        params: FormatParams {
            target,
            lbaf: ns.current_lbaf_index(),
            metadata_at_end: ns.metadata_at_end(),
            pi: ns.pi_type(),
            pi_first: ns.dps & 0x08 != 0,
            ses,
        },
        lbaf: ns.current_lbaf_index(),
        lba_size: ns.lba_size(),
        timeout: format_timeout(capacity),
    }
}

/// Format NVM itself, waited for to its completion.
fn send_format<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    ctx: &mut FirmwareContext<'_>,
    run: &mut Run,
    plan: &FormatPlan,
    what: &str,
) -> Result<(), FirmwareOutcome> {
    ctx.report(
        None,
        format!(
            "{what} running (timeout {} min); it cannot be interrupted",
            plan.timeout.as_secs() / 60
        ),
    );
    match ctl.format_nvm(&plan.params, plan.timeout) {
        Ok(()) => Ok(()),
        Err(e) if e.is_device_gone() => Err(run.gone(
            format!("the device disappeared during {what}"),
            e.to_string(),
        )),
        Err(NvmeError::Unsupported(s)) => Err(run.refuse(s)),
        Err(e @ NvmeError::Transport { .. }) => Err(run.fail(
            ExceptionCode::EraseFailed,
            format!("{what} did not complete ({e}); the controller may still be formatting"),
            "no completion",
        )),
        Err(e) => Err(run.fail(
            ExceptionCode::EraseFailed,
            format!("the controller refused {what}: {e}"),
            "command refused",
        )),
    }
}

/// The command's success alone proves nothing: the namespace must still be there, with the
/// format that was asked for.
fn check_formatted<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    ctx: &mut FirmwareContext<'_>,
    run: &mut Run,
    plan: &FormatPlan,
    nsid: u32,
    what: &str,
) -> Result<FirmwareOutcome, FirmwareOutcome> {
    let after = match ctl.identify_namespace(nsid) {
        Ok(a) => a,
        Err(e) if e.is_device_gone() => {
            return Err(run.gone(
                format!("the device disappeared after {what}"),
                e.to_string(),
            ))
        }
        Err(e) => {
            return Err(run.fail(
                ExceptionCode::EraseFailed,
                format!("{what} completed but Identify Namespace failed afterwards: {e}"),
                "Format NVM: Successful Completion",
            ))
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
    if !after.is_active()
        || after.current_lbaf_index() != plan.lbaf
        || after.lba_size() != plan.lba_size
    {
        return Err(run.fail(
            ExceptionCode::DeviceStatusMismatch,
            format!(
                "{what} reported success but the namespace changed: LBA format {} → {}, {} blocks",
                plan.lbaf,
                after.current_lbaf_index(),
                after.nsze
            ),
            words,
        ));
    }
    run.note(
        "Format NVM reports nothing about the erase beyond its completion; the read-back verification decides",
    );
    ctx.report(Some(1.0), format!("{what}: {words}"));
    Ok(FirmwareOutcome::completed(
        words,
        std::mem::take(&mut run.notes),
    ))
}
