//! ATA executors: SANITIZE (crypto scramble, block erase, overwrite) polled with SANITIZE
//! STATUS EXT, and SECURITY ERASE UNIT with a vaulted temporary password, checked with IDENTIFY
//! word 128 — plus [`recover_locked_drive`] for a drive an interruption left locked.
//!
//! Choices:
//! - Sanitize commands carry FAILURE MODE = 1, so that a failed operation (SD3) can be cleared
//!   with CLEAR SANITIZE OPERATION FAILED: the verdict is `not_erased` either way, and a cleared
//!   drive can still be overwritten by the host or sanitized again, where a drive stuck in SD3
//!   refuses all media access until a sanitize succeeds.
//! - SANITIZE OVERWRITE writes a zero pattern in one pass without inversion: the planner expects
//!   zeros (ACS-4 OVERWRITE EXT; docs/standards.md §1.6).
//! - SECURITY SET PASSWORD uses the user password at level High: if everything else failed, the
//!   drive's master password could still unlock it.

use ardoise_disk::ata::{
    erase_timeout, AtaDevice, AtaError, EraseMode, EraseTime, OverwriteOptions, PasswordKind,
    SanitizeOptions, SanitizeState, SanitizeStatus, SecurityLevel, SecurityPassword,
    SecurityStatus,
};
use ardoise_disk::transport::ScsiTransport;
use ardoise_disk::Transport;

use super::vault::{temporary_password, PasswordVault, VaultError};
use super::{poll_until, FirmwareContext, FirmwareOutcome, Poll};
use crate::capability::DriveCapabilities;
use crate::method::{Method, SanitizeAction};
use crate::outcome::ExceptionCode;
use crate::plan::FROZEN_REMEDY;

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

/// "IDENTIFY word 128: security supported, disabled, not locked, not frozen".
pub fn describe_security(s: &SecurityStatus) -> String {
    if !s.supported {
        return "IDENTIFY word 128: security feature set not supported".into();
    }
    let not = |b: bool, what: &str| {
        if b {
            what.to_string()
        } else {
            format!("not {what}")
        }
    };
    let mut t = format!(
        "IDENTIFY word 128: security supported, {}, {}, {}",
        if s.enabled { "enabled" } else { "disabled" },
        not(s.locked, "locked"),
        not(s.frozen, "frozen"),
    );
    if s.count_expired {
        t.push_str(", password attempt counter expired");
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
    let method = Method::AtaSanitize { action }.id();
    let name = action_name(action);
    let what = format!("SANITIZE {name}");
    let Some(s) = caps.ata_sanitize.as_ref().filter(|s| s.supported) else {
        return FirmwareOutcome::refused(
            &method,
            "the drive does not report the SANITIZE feature set (IDENTIFY word 59)",
            Vec::new(),
        );
    };
    let bit = match action {
        SanitizeAction::CryptoErase => s.crypto_scramble,
        SanitizeAction::BlockErase => s.block_erase,
        SanitizeAction::Overwrite => s.overwrite,
    };
    if !bit {
        return FirmwareOutcome::refused(
            &method,
            format!("IDENTIFY word 59 does not report SANITIZE {name}"),
            Vec::new(),
        );
    }
    if s.frozen {
        return FirmwareOutcome::refused(
            &method,
            "SANITIZE is frozen (SANITIZE FREEZE LOCK) until the next power cycle",
            Vec::new(),
        );
    }

    let mut notes = Vec::new();
    let mut failure_mode = true;
    let mut previous = SanitizeState::Idle;
    for round in 0..2 {
        let st = match dev.sanitize_status(false) {
            Ok(st) => st,
            Err(e) if e.is_device_gone() => {
                return FirmwareOutcome::gone(
                    "the device disappeared before the sanitize started",
                    format!("SANITIZE STATUS EXT: {e}"),
                    notes,
                )
            }
            Err(e) => {
                return FirmwareOutcome::refused(
                    &method,
                    format!(
                        "SANITIZE STATUS EXT cannot be read ({e}), so the outcome of a sanitize could not be checked"
                    ),
                    notes,
                )
            }
        };
        previous = st.state;
        match st.state {
            SanitizeState::Frozen => {
                return FirmwareOutcome::refused(
                    &method,
                    format!(
                        "{}: SANITIZE FREEZE LOCK is in effect until the next power cycle",
                        describe_sanitize_status(&st)
                    ),
                    notes,
                )
            }
            SanitizeState::InProgress if round == 0 => {
                notes.push(format!(
                    "an earlier sanitize operation was still running ({}), probably from an interrupted job; ardoise waited for it before starting its own",
                    describe_sanitize_status(&st)
                ));
                let mut ambiguous = false;
                let earlier = poll_until(
                    ctx,
                    "the earlier sanitize operation",
                    None,
                    &mut notes,
                    |_| poll_sanitize(dev, "the earlier sanitize operation", true, &mut ambiguous),
                );
                if earlier
                    .exceptions
                    .iter()
                    .any(|e| matches!(e.code, ExceptionCode::DeviceGone | ExceptionCode::Cancelled))
                {
                    return earlier;
                }
                notes = earlier.notes;
                notes.push(format!(
                    "the earlier operation ended: {}",
                    earlier.device_status
                ));
            }
            SanitizeState::InProgress => {
                return FirmwareOutcome::refused(
                    &method,
                    "a sanitize operation is still in progress",
                    notes,
                )
            }
            SanitizeState::Failed => {
                match dev.sanitize_status(true) {
                    Ok(after) if after.state != SanitizeState::Failed => {
                        notes.push(format!(
                            "the drive was in SD3 (an earlier sanitize failed); cleared with CLEAR SANITIZE OPERATION FAILED: {}",
                            describe_sanitize_status(&after)
                        ));
                        previous = after.state;
                    }
                    Ok(_) | Err(_) => {
                        // A failure without FAILURE MODE can only be left by a sanitize without
                        // it (ACS; the drive aborts one with FAILURE MODE, reason 01h).
                        failure_mode = false;
                        notes.push(
                            "the drive is in SD3 (an earlier sanitize failed) and the failure cannot be cleared; the new sanitize is sent without FAILURE MODE".into(),
                        );
                    }
                }
                break;
            }
            SanitizeState::Idle | SanitizeState::Succeeded => break,
        }
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
    let confirmed = match sent {
        Ok(r) if r.is_confirmed() => true,
        Ok(_) => {
            notes.push(format!(
                "{what}: no ATA registers came back, so the command's outcome is read from SANITIZE STATUS EXT"
            ));
            false
        }
        Err(e) if e.is_device_gone() => {
            return FirmwareOutcome::gone(
                format!("the device disappeared when {what} was sent"),
                e.to_string(),
                notes,
            )
        }
        Err(e @ (AtaError::Aborted { .. } | AtaError::Rejected(_))) => {
            let reason = match e.sanitize_reason() {
                Some(r) => format!("{e}; SANITIZE DEVICE ERROR REASON: {r}"),
                None => e.to_string(),
            };
            return FirmwareOutcome::failed(
                ExceptionCode::EraseFailed,
                format!("the drive refused {what}: {reason}"),
                "command aborted",
                notes,
            );
        }
        Err(e) => {
            notes.push(format!(
                "{what}: unclear answer ({e}); the drive's status decides"
            ));
            false
        }
    };
    let mut ambiguous = !confirmed && previous == SanitizeState::Succeeded;
    let out = poll_until(ctx, &what, None, &mut notes, |_| {
        poll_sanitize(dev, &what, confirmed, &mut ambiguous)
    });
    if out.completed {
        ctx.report(Some(1.0), format!("{what}: {}", out.device_status));
    }
    out
}

// --- SECURITY ERASE UNIT -------------------------------------------------------------------

fn minutes(t: EraseTime) -> String {
    match t {
        EraseTime::NotReported => "no estimate".into(),
        other => format!("the drive estimates {other}"),
    }
}

/// Why the security state forbids SECURITY ERASE, if it does.
fn security_refusal(
    supported: bool,
    enhanced_supported: bool,
    enabled: bool,
    locked: bool,
    frozen: bool,
    expired: bool,
    enhanced: bool,
) -> Option<String> {
    if !supported {
        Some("the drive does not support the Security feature set".into())
    } else if enhanced && !enhanced_supported {
        Some("the drive does not support the enhanced security erase (word 128 bit 5)".into())
    } else if frozen {
        Some(format!(
            "the security feature set is frozen; {FROZEN_REMEDY}"
        ))
    } else if expired {
        Some("too many failed password attempts (count expired): power-cycle the drive".into())
    } else if locked {
        Some("the drive is locked with a password ardoise does not know".into())
    } else if enabled {
        Some("a user password is already set on the drive (unknown to ardoise)".into())
    } else {
        None
    }
}

fn left_locked_message(serial: &str) -> String {
    format!(
        "the drive {serial} may still carry ardoise's temporary security password (possibly locked): the password stays in the password vault, and the next start of ardoise unlocks and clears it (recover_locked_drive); do not hand this drive on before that"
    )
}

/// Leaves the drive unlocked with no password: UNLOCK (if locked) and DISABLE PASSWORD with the
/// temporary password, checked with IDENTIFY; only then is the password removed from the vault.
/// Returns whether the drive is verified clear, and notes.
fn leave_unlocked<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    password: &SecurityPassword,
    serial: &str,
    vault: &dyn PasswordVault,
    notes: &mut Vec<String>,
) -> bool {
    let id = match dev.identify() {
        Ok(id) => id,
        Err(e) => {
            notes.push(format!(
                "cleanup: IDENTIFY failed ({e}); the drive's security state is unknown"
            ));
            return false;
        }
    };
    let mut status = id.security;
    if status.enabled || status.locked {
        if status.frozen {
            notes.push(format!(
                "cleanup impossible now: {} (frozen drives refuse UNLOCK and DISABLE PASSWORD)",
                describe_security(&status)
            ));
            return false;
        }
        if status.locked {
            if let Err(e) = dev.security_unlock(password, PasswordKind::User) {
                notes.push(format!("cleanup: SECURITY UNLOCK failed: {e}"));
            }
        }
        if let Err(e) = dev.security_disable_password(password, PasswordKind::User) {
            notes.push(format!("cleanup: SECURITY DISABLE PASSWORD failed: {e}"));
        }
        status = match dev.identify() {
            Ok(id) => id.security,
            Err(e) => {
                notes.push(format!(
                    "cleanup: IDENTIFY after DISABLE PASSWORD failed ({e}); the drive's security state is unknown"
                ));
                return false;
            }
        };
    }
    if status.enabled || status.locked {
        notes.push(format!(
            "cleanup did not clear the password: {}",
            describe_security(&status)
        ));
        return false;
    }
    notes.push(format!(
        "the drive was left unlocked without password: {}",
        describe_security(&status)
    ));
    if let Err(e) = vault.forget(serial) {
        notes.push(format!(
            "the unused temporary password could not be removed from the vault ({e}); it no longer opens anything"
        ));
    }
    true
}

/// A failure after the password was (or may have been) set: clean up, and keep the password in
/// the vault with a loud message when the drive could not be verified clear.
fn fail_with_cleanup<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    password: &SecurityPassword,
    serial: &str,
    vault: &dyn PasswordVault,
    code: ExceptionCode,
    detail: String,
    mut notes: Vec<String>,
) -> FirmwareOutcome {
    let clear = leave_unlocked(dev, password, serial, vault, &mut notes);
    let status = match dev.identify() {
        Ok(id) => describe_security(&id.security),
        Err(e) => format!("IDENTIFY failed: {e}"),
    };
    let out = FirmwareOutcome::failed(code, detail, status, notes);
    if clear {
        out
    } else {
        out.with_attention(left_locked_message(serial))
    }
}

/// The device vanished while the password was (or may have been) set.
fn gone_with_password(serial: &str, detail: String, notes: Vec<String>) -> FirmwareOutcome {
    FirmwareOutcome::gone(detail, "device gone", notes).with_attention(left_locked_message(serial))
}

/// ATA SECURITY ERASE UNIT (normal or enhanced).
pub(crate) fn security_erase<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    enhanced: bool,
    caps: &DriveCapabilities,
    ctx: &mut FirmwareContext<'_>,
) -> FirmwareOutcome {
    let method = Method::AtaSecurityErase { enhanced }.id();
    let mode = if enhanced {
        EraseMode::Enhanced
    } else {
        EraseMode::Normal
    };
    let what = if enhanced {
        "SECURITY ERASE UNIT (enhanced)"
    } else {
        "SECURITY ERASE UNIT (normal)"
    };
    let Some(sec) = caps.ata_security.as_ref() else {
        return FirmwareOutcome::refused(
            &method,
            "the probe found no Security feature set (IDENTIFY words 82 and 128)",
            Vec::new(),
        );
    };
    if let Some(why) = security_refusal(
        sec.supported,
        sec.enhanced_supported,
        sec.enabled,
        sec.locked,
        sec.frozen,
        sec.count_expired,
        enhanced,
    ) {
        return FirmwareOutcome::refused(&method, why, Vec::new());
    }
    if caps.transport == Transport::Usb {
        return FirmwareOutcome::refused(
            &method,
            "through a USB bridge a long SECURITY ERASE UNIT may be cut by a bus reset, leaving the drive locked",
            Vec::new(),
        );
    }

    // The drive's live state, not the probe's: a suspend cycle or another program may have
    // changed it since.
    let id = match dev.identify() {
        Ok(id) => id,
        Err(e) if e.is_device_gone() => {
            return FirmwareOutcome::gone(
                "the device disappeared before the security erase",
                e.to_string(),
                Vec::new(),
            )
        }
        Err(e) => {
            return FirmwareOutcome::refused(
                &method,
                format!("IDENTIFY DEVICE failed: {e}"),
                Vec::new(),
            )
        }
    };
    if let ardoise_disk::ata::Checksum::Invalid { .. } = id.checksum {
        return FirmwareOutcome::refused(
            &method,
            "IDENTIFY DEVICE data failed its checksum; the drive's state cannot be trusted",
            Vec::new(),
        );
    }
    let s = id.security;
    if let Some(why) = security_refusal(
        s.supported,
        s.enhanced_erase_supported,
        s.enabled,
        s.locked,
        s.frozen,
        s.count_expired,
        enhanced,
    ) {
        return FirmwareOutcome::refused(
            &method,
            format!("{why} ({})", describe_security(&s)),
            Vec::new(),
        );
    }
    let serial = id.serial.clone();
    if serial.is_empty() {
        return FirmwareOutcome::refused(
            &method,
            "the drive reports no serial number, under which the temporary password would be kept",
            Vec::new(),
        );
    }
    // A password in RAM dies with a power cut that leaves the drive locked with it.
    if !ctx.vault.is_durable() {
        return FirmwareOutcome::refused(&method, crate::limits::VAULT_NOT_DURABLE, Vec::new());
    }
    let text = match temporary_password() {
        Ok(t) => t,
        Err(e) => return FirmwareOutcome::refused(&method, e, Vec::new()),
    };
    let password = SecurityPassword::new(text.as_bytes()).expect("24 bytes fit 32");
    // The password is safe before the drive ever sees it.
    if let Err(e) = ctx.vault.remember(&serial, &text) {
        return FirmwareOutcome::refused(
            &method,
            format!("the password vault could not store the temporary password ({e})"),
            Vec::new(),
        );
    }
    drop(text);
    let vault = ctx.vault;
    let mut notes = Vec::new();

    match dev.security_set_password(&password, PasswordKind::User, SecurityLevel::High, None) {
        Ok(r) if !r.is_confirmed() => {
            notes.push("SECURITY SET PASSWORD: no ATA registers came back; IDENTIFY decides".into())
        }
        Ok(_) => {}
        Err(e) if e.is_device_gone() => {
            return gone_with_password(
                &serial,
                format!("the device disappeared during SECURITY SET PASSWORD ({e})"),
                notes,
            )
        }
        Err(e) => {
            // Refused, or unclear: the drive's state says whether a password is set.
            return fail_with_cleanup(
                dev,
                &password,
                &serial,
                vault,
                ExceptionCode::EraseFailed,
                format!("SECURITY SET PASSWORD failed: {e}"),
                notes,
            );
        }
    }
    let id = match dev.identify() {
        Ok(id) => id,
        Err(e) if e.is_device_gone() => {
            return gone_with_password(
                &serial,
                format!("the device disappeared after SECURITY SET PASSWORD ({e})"),
                notes,
            )
        }
        Err(e) => {
            return fail_with_cleanup(
                dev,
                &password,
                &serial,
                vault,
                ExceptionCode::EraseFailed,
                format!("IDENTIFY after SECURITY SET PASSWORD failed: {e}"),
                notes,
            )
        }
    };
    if !id.security.enabled {
        return fail_with_cleanup(
            dev,
            &password,
            &serial,
            vault,
            ExceptionCode::DeviceStatusMismatch,
            format!(
                "SECURITY SET PASSWORD reported success but {}",
                describe_security(&id.security)
            ),
            notes,
        );
    }
    if ctx.cancelled() {
        return fail_with_cleanup(
            dev,
            &password,
            &serial,
            vault,
            ExceptionCode::Cancelled,
            format!("cancelled before {what} was sent; the temporary password was removed"),
            notes,
        );
    }

    let estimate = if enhanced {
        id.erase_time_enhanced
    } else {
        id.erase_time_normal
    };
    let timeout = erase_timeout(Some(&id), mode);
    ctx.report(
        None,
        format!(
            "{what} running ({}, timeout {} min); it cannot be interrupted",
            minutes(estimate),
            timeout.as_secs() / 60
        ),
    );
    let result = dev.security_erase(&password, PasswordKind::User, mode, timeout);
    if let Err(e) = &result {
        if e.is_device_gone() {
            return gone_with_password(
                &serial,
                format!("the device disappeared during {what} ({e})"),
                notes,
            );
        }
    }
    let after = match dev.identify() {
        Ok(id) => id,
        Err(e) if e.is_device_gone() => {
            return gone_with_password(
                &serial,
                format!("the device disappeared after {what} ({e})"),
                notes,
            )
        }
        Err(e) => {
            let detail = match &result {
                Ok(_) => format!("{what} reported success but IDENTIFY failed afterwards ({e})"),
                Err(r) => format!("{what} failed ({r}) and IDENTIFY failed afterwards ({e})"),
            };
            return fail_with_cleanup(
                dev,
                &password,
                &serial,
                vault,
                ExceptionCode::EraseFailed,
                detail,
                notes,
            );
        }
    };
    let state = after.security;
    let words = describe_security(&state);
    match result {
        Err(e @ (AtaError::Aborted { .. } | AtaError::Failed { .. }))
            if !state.enabled && !state.locked =>
        {
            // The drive refused the erase yet its password is gone: its two answers disagree.
            if let Err(f) = vault.forget(&serial) {
                notes.push(format!(
                    "the temporary password could not be removed from the vault ({f}); it no longer opens anything"
                ));
            }
            FirmwareOutcome::failed(
                ExceptionCode::DeviceStatusMismatch,
                format!(
                    "the drive refused {what} ({e}) but {words}: its answers contradict each other"
                ),
                words,
                notes,
            )
        }
        _ if !state.enabled && !state.locked => {
            if let Err(e) = &result {
                notes.push(format!(
                    "{what} did not report completion to the host ({e}), but the drive shows the erase's end state (password cleared)"
                ));
            }
            if let Err(e) = vault.forget(&serial) {
                notes.push(format!(
                    "the used temporary password could not be removed from the vault ({e}); it no longer opens anything"
                ));
            }
            ctx.report(Some(1.0), format!("{what}: {words}"));
            FirmwareOutcome::completed(words, notes)
        }
        Ok(_) => fail_with_cleanup(
            dev,
            &password,
            &serial,
            vault,
            ExceptionCode::DeviceStatusMismatch,
            format!("{what} reported success but {words}: the password is still set"),
            notes,
        ),
        Err(e) => fail_with_cleanup(
            dev,
            &password,
            &serial,
            vault,
            ExceptionCode::EraseFailed,
            format!("{what} failed: {e}"),
            notes,
        ),
    }
}

/// What [`recover_locked_drive`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// The vault holds no password for this drive: nothing to do (the drive was not touched).
    NothingToDo,
    /// The vault held a password but the drive carries none: the password was removed.
    AlreadyClear { device_status: String },
    /// The drive was unlocked and its password disabled; the vault entry was removed.
    Unlocked { device_status: String },
}

/// Why a drive could not be recovered. The password stays in the vault in every case.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error("password vault: {0}")]
    Vault(#[from] VaultError),
    #[error("password vault: the vaulted password is unusable: {0}")]
    UnusablePassword(String),
    #[error("the device: {0}")]
    Device(String),
    #[error("the drive is frozen, so it refuses UNLOCK and DISABLE PASSWORD: {0}")]
    Frozen(String),
    #[error("the drive refused the vaulted password: {0}")]
    Refused(String),
    #[error("the drive answers with serial {found:?}, not {expected:?}")]
    WrongDrive { expected: String, found: String },
}

/// At the start after an interruption: if the vault holds a temporary password for `serial`,
/// unlock the drive with it and disable it, check IDENTIFY word 128, and only then remove the
/// password from the vault.
pub fn recover_locked_drive<T: ScsiTransport>(
    ata: &mut AtaDevice<T>,
    vault: &dyn PasswordVault,
    serial: &str,
) -> Result<Recovery, RecoveryError> {
    let Some(text) = vault.recall(serial)? else {
        return Ok(Recovery::NothingToDo);
    };
    let password = SecurityPassword::new(text.as_bytes())
        .map_err(|e| RecoveryError::UnusablePassword(e.to_string()))?;
    drop(text);
    let id = ata
        .identify()
        .map_err(|e| RecoveryError::Device(format!("IDENTIFY DEVICE: {e}")))?;
    if id.serial != serial {
        return Err(RecoveryError::WrongDrive {
            expected: serial.to_string(),
            found: id.serial,
        });
    }
    let s = id.security;
    if !s.enabled && !s.locked {
        vault.forget(serial)?;
        return Ok(Recovery::AlreadyClear {
            device_status: describe_security(&s),
        });
    }
    if s.frozen {
        return Err(RecoveryError::Frozen(format!(
            "{}; {FROZEN_REMEDY}",
            describe_security(&s)
        )));
    }
    if s.count_expired {
        return Err(RecoveryError::Refused(format!(
            "{}: power-cycle the drive, then try again",
            describe_security(&s)
        )));
    }
    if s.locked {
        ata.security_unlock(&password, PasswordKind::User)
            .map_err(|e| RecoveryError::Refused(format!("SECURITY UNLOCK: {e}")))?;
    }
    ata.security_disable_password(&password, PasswordKind::User)
        .map_err(|e| RecoveryError::Refused(format!("SECURITY DISABLE PASSWORD: {e}")))?;
    let after = ata
        .identify()
        .map_err(|e| RecoveryError::Device(format!("IDENTIFY DEVICE after unlocking: {e}")))?
        .security;
    if after.enabled || after.locked {
        return Err(RecoveryError::Refused(format!(
            "the drive accepted the commands but {}",
            describe_security(&after)
        )));
    }
    vault.forget(serial)?;
    Ok(Recovery::Unlocked {
        device_status: describe_security(&after),
    })
}
