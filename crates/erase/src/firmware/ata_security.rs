//! ATA SECURITY ERASE UNIT with a vaulted temporary password, checked with IDENTIFY word 128,
//! and [`recover_locked_drive`] for a drive an interruption left locked.
//!
//! Choices:
//! - SECURITY SET PASSWORD uses the user password at level High: if everything else failed, the
//!   drive's master password could still unlock it.
//! - The password is in the vault before the drive ever sees it, and leaves the vault only once
//!   IDENTIFY shows the drive without a password.

use ardoise_disk::ata::{
    erase_timeout, AtaDevice, AtaError, EraseMode, EraseTime, IdentifyData, PasswordKind,
    Registers, SecurityLevel, SecurityPassword, SecurityStatus,
};
use ardoise_disk::transport::ScsiTransport;
use ardoise_disk::Transport;

use super::session::Run;
use super::vault::{temporary_password, PasswordVault, VaultError, VaultedDrive};
use super::{FirmwareContext, FirmwareOutcome};
use crate::capability::DriveCapabilities;
use crate::method::Method;
use crate::outcome::ExceptionCode;
use crate::plan::FROZEN_REMEDY;

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

/// The temporary password from the moment it is in the vault: every way out after that goes
/// through [`PasswordRun::fail`] (clean up, and keep the password with a loud message when the
/// drive could not be verified clear) or [`PasswordRun::gone`].
struct PasswordRun<'v> {
    password: SecurityPassword,
    serial: String,
    vault: &'v dyn PasswordVault,
    notes: Vec<String>,
}

impl PasswordRun<'_> {
    /// Removes the password from the vault; `which` names it in the note if that fails.
    fn forget_password(&mut self, which: &str) {
        if let Err(e) = self.vault.forget(&self.serial) {
            self.notes.push(format!(
                "the {which} could not be removed from the vault ({e}); it no longer opens anything"
            ));
        }
    }

    /// Leaves the drive unlocked with no password: UNLOCK (if locked) and DISABLE PASSWORD with
    /// the temporary password, checked with IDENTIFY; only then is the password removed from
    /// the vault. Returns whether the drive is verified clear.
    fn leave_unlocked<T: ScsiTransport>(&mut self, dev: &mut AtaDevice<T>) -> bool {
        let id = match dev.identify() {
            Ok(id) => id,
            Err(e) => {
                self.notes.push(format!(
                    "cleanup: IDENTIFY failed ({e}); the drive's security state is unknown"
                ));
                return false;
            }
        };
        let mut status = id.security;
        if status.enabled || status.locked {
            if status.frozen {
                self.notes.push(format!(
                    "cleanup impossible now: {} (frozen drives refuse UNLOCK and DISABLE PASSWORD)",
                    describe_security(&status)
                ));
                return false;
            }
            if status.locked {
                if let Err(e) = dev.security_unlock(&self.password, PasswordKind::User) {
                    self.notes
                        .push(format!("cleanup: SECURITY UNLOCK failed: {e}"));
                }
            }
            if let Err(e) = dev.security_disable_password(&self.password, PasswordKind::User) {
                self.notes
                    .push(format!("cleanup: SECURITY DISABLE PASSWORD failed: {e}"));
            }
            status = match dev.identify() {
                Ok(id) => id.security,
                Err(e) => {
                    self.notes.push(format!(
                        "cleanup: IDENTIFY after DISABLE PASSWORD failed ({e}); the drive's security state is unknown"
                    ));
                    return false;
                }
            };
        }
        if status.enabled || status.locked {
            self.notes.push(format!(
                "cleanup did not clear the password: {}",
                describe_security(&status)
            ));
            return false;
        }
        self.notes.push(format!(
            "the drive was left unlocked without password: {}",
            describe_security(&status)
        ));
        self.forget_password("unused temporary password");
        true
    }

    /// A failure after the password was (or may have been) set: the one cleanup.
    fn fail<T: ScsiTransport>(
        &mut self,
        dev: &mut AtaDevice<T>,
        code: ExceptionCode,
        detail: String,
    ) -> FirmwareOutcome {
        let clear = self.leave_unlocked(dev);
        let status = match dev.identify() {
            Ok(id) => describe_security(&id.security),
            Err(e) => format!("IDENTIFY failed: {e}"),
        };
        let out = FirmwareOutcome::failed(code, detail, status, std::mem::take(&mut self.notes));
        if clear {
            out
        } else {
            out.with_attention(left_locked_message(&self.serial))
        }
    }

    /// The device vanished while the password was (or may have been) set.
    fn gone(&mut self, detail: String) -> FirmwareOutcome {
        FirmwareOutcome::gone(detail, "device gone", std::mem::take(&mut self.notes))
            .with_attention(left_locked_message(&self.serial))
    }
}

/// Which SECURITY ERASE UNIT: its mode and its name in messages.
struct SecurityErase {
    enhanced: bool,
    mode: EraseMode,
    what: &'static str,
}

impl SecurityErase {
    fn new(enhanced: bool) -> Self {
        if enhanced {
            SecurityErase {
                enhanced,
                mode: EraseMode::Enhanced,
                what: "SECURITY ERASE UNIT (enhanced)",
            }
        } else {
            SecurityErase {
                enhanced,
                mode: EraseMode::Normal,
                what: "SECURITY ERASE UNIT (normal)",
            }
        }
    }
}

/// ATA SECURITY ERASE UNIT (normal or enhanced).
pub(crate) fn security_erase<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    enhanced: bool,
    caps: &DriveCapabilities,
    ctx: &mut FirmwareContext<'_>,
) -> FirmwareOutcome {
    let erase = SecurityErase::new(enhanced);
    let mut run = Run::new(Method::AtaSecurityErase { enhanced }.id());
    let prepared = check_security_caps(&mut run, caps, enhanced)
        .and_then(|()| live_drive(dev, &mut run, enhanced))
        .and_then(|drive| vault_password(&mut run, ctx, drive));
    let mut pw = match prepared {
        Ok(pw) => pw,
        Err(refused) => return refused,
    };
    let mut steps = |pw: &mut PasswordRun<'_>| -> Result<FirmwareOutcome, FirmwareOutcome> {
        let id = set_password(dev, pw, ctx, &erase)?;
        let (result, after) = erase_unit(dev, pw, ctx, &erase, &id)?;
        Ok(judge_erase(dev, pw, ctx, &erase, result, after.security))
    };
    steps(&mut pw).unwrap_or_else(|stopped| stopped)
}

/// The probe's word on the Security feature set, and the transport.
fn check_security_caps(
    run: &mut Run,
    caps: &DriveCapabilities,
    enhanced: bool,
) -> Result<(), FirmwareOutcome> {
    let Some(sec) = caps.ata_security.as_ref() else {
        return Err(
            run.refuse("the probe found no Security feature set (IDENTIFY words 82 and 128)")
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
        return Err(run.refuse(why));
    }
    if caps.transport == Transport::Usb {
        return Err(run.refuse(
            "through a USB bridge a long SECURITY ERASE UNIT may be cut by a bus reset, leaving the drive locked",
        ));
    }
    Ok(())
}

/// The drive's live security state allows the erase; returns its identity, under which the
/// temporary password is kept.
fn live_drive<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    run: &mut Run,
    enhanced: bool,
) -> Result<VaultedDrive, FirmwareOutcome> {
    let id = run.read_live(dev.identify(), "the security erase", |e| {
        format!("IDENTIFY DEVICE failed: {e}")
    })?;
    if let ardoise_disk::ata::Checksum::Invalid { .. } = id.checksum {
        return Err(run.refuse(
            "IDENTIFY DEVICE data failed its checksum; the drive's state cannot be trusted",
        ));
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
        return Err(run.refuse(format!("{why} ({})", describe_security(&s))));
    }
    if id.serial.is_empty() {
        return Err(run.refuse(
            "the drive reports no serial number, under which the temporary password would be kept",
        ));
    }
    Ok(VaultedDrive::from_identify(&id))
}

/// A fresh temporary password, safe in the vault before the drive ever sees it.
fn vault_password<'v>(
    run: &mut Run,
    ctx: &FirmwareContext<'v>,
    drive: VaultedDrive,
) -> Result<PasswordRun<'v>, FirmwareOutcome> {
    // A password in RAM dies with a power cut that leaves the drive locked with it.
    if !ctx.vault.is_durable() {
        return Err(run.refuse(crate::limits::VAULT_NOT_DURABLE));
    }
    let text = temporary_password().map_err(|e| run.refuse(e))?;
    let password = SecurityPassword::new(text.as_bytes()).expect("24 bytes fit 32");
    if let Err(e) = ctx.vault.remember(&drive, &text) {
        return Err(run.refuse(format!(
            "the password vault could not store the temporary password ({e})"
        )));
    }
    drop(text);
    Ok(PasswordRun {
        password,
        serial: drive.serial,
        vault: ctx.vault,
        notes: std::mem::take(&mut run.notes),
    })
}

/// SECURITY SET PASSWORD, checked with IDENTIFY; the last look at the cancel token. Returns
/// the IDENTIFY data read after it (the erase time estimates).
fn set_password<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    pw: &mut PasswordRun<'_>,
    ctx: &FirmwareContext<'_>,
    erase: &SecurityErase,
) -> Result<IdentifyData, FirmwareOutcome> {
    match dev.security_set_password(&pw.password, PasswordKind::User, SecurityLevel::High, None) {
        Ok(r) if !r.is_confirmed() => pw
            .notes
            .push("SECURITY SET PASSWORD: no ATA registers came back; IDENTIFY decides".into()),
        Ok(_) => {}
        Err(e) if e.is_device_gone() => {
            return Err(pw.gone(format!(
                "the device disappeared during SECURITY SET PASSWORD ({e})"
            )))
        }
        Err(e) => {
            // Refused, or unclear: the drive's state says whether a password is set.
            return Err(pw.fail(
                dev,
                ExceptionCode::EraseFailed,
                format!("SECURITY SET PASSWORD failed: {e}"),
            ));
        }
    }
    let id = match dev.identify() {
        Ok(id) => id,
        Err(e) if e.is_device_gone() => {
            return Err(pw.gone(format!(
                "the device disappeared after SECURITY SET PASSWORD ({e})"
            )))
        }
        Err(e) => {
            return Err(pw.fail(
                dev,
                ExceptionCode::EraseFailed,
                format!("IDENTIFY after SECURITY SET PASSWORD failed: {e}"),
            ))
        }
    };
    if !id.security.enabled {
        return Err(pw.fail(
            dev,
            ExceptionCode::DeviceStatusMismatch,
            format!(
                "SECURITY SET PASSWORD reported success but {}",
                describe_security(&id.security)
            ),
        ));
    }
    if ctx.cancelled() {
        return Err(pw.fail(
            dev,
            ExceptionCode::Cancelled,
            format!(
                "cancelled before {} was sent; the temporary password was removed",
                erase.what
            ),
        ));
    }
    Ok(id)
}

/// SECURITY ERASE UNIT itself, then IDENTIFY: the command's result and the drive's state after.
fn erase_unit<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    pw: &mut PasswordRun<'_>,
    ctx: &mut FirmwareContext<'_>,
    erase: &SecurityErase,
    id: &IdentifyData,
) -> Result<(Result<Registers, AtaError>, IdentifyData), FirmwareOutcome> {
    let what = erase.what;
    let estimate = if erase.enhanced {
        id.erase_time_enhanced
    } else {
        id.erase_time_normal
    };
    let timeout = erase_timeout(Some(id), erase.mode);
    ctx.report(
        None,
        format!(
            "{what} running ({}, timeout {} min); it cannot be interrupted",
            minutes(estimate),
            timeout.as_secs() / 60
        ),
    );
    let result = dev.security_erase(&pw.password, PasswordKind::User, erase.mode, timeout);
    if let Err(e) = &result {
        if e.is_device_gone() {
            return Err(pw.gone(format!("the device disappeared during {what} ({e})")));
        }
    }
    match dev.identify() {
        Ok(after) => Ok((result, after)),
        Err(e) if e.is_device_gone() => {
            Err(pw.gone(format!("the device disappeared after {what} ({e})")))
        }
        Err(e) => {
            let detail = match &result {
                Ok(_) => format!("{what} reported success but IDENTIFY failed afterwards ({e})"),
                Err(r) => format!("{what} failed ({r}) and IDENTIFY failed afterwards ({e})"),
            };
            Err(pw.fail(dev, ExceptionCode::EraseFailed, detail))
        }
    }
}

/// The verdict from the command's result and word 128 afterwards: the password must be gone.
fn judge_erase<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    pw: &mut PasswordRun<'_>,
    ctx: &mut FirmwareContext<'_>,
    erase: &SecurityErase,
    result: Result<Registers, AtaError>,
    state: SecurityStatus,
) -> FirmwareOutcome {
    let what = erase.what;
    let words = describe_security(&state);
    match result {
        Err(e @ (AtaError::Aborted { .. } | AtaError::Failed { .. }))
            if !state.enabled && !state.locked =>
        {
            // The drive refused the erase yet its password is gone: its two answers disagree.
            pw.forget_password("temporary password");
            FirmwareOutcome::failed(
                ExceptionCode::DeviceStatusMismatch,
                format!(
                    "the drive refused {what} ({e}) but {words}: its answers contradict each other"
                ),
                words,
                std::mem::take(&mut pw.notes),
            )
        }
        _ if !state.enabled && !state.locked => {
            if let Err(e) = &result {
                pw.notes.push(format!(
                    "{what} did not report completion to the host ({e}), but the drive shows the erase's end state (password cleared)"
                ));
            }
            pw.forget_password("used temporary password");
            ctx.report(Some(1.0), format!("{what}: {words}"));
            FirmwareOutcome::completed(words, std::mem::take(&mut pw.notes))
        }
        Ok(_) => pw.fail(
            dev,
            ExceptionCode::DeviceStatusMismatch,
            format!("{what} reported success but {words}: the password is still set"),
        ),
        Err(e) => pw.fail(
            dev,
            ExceptionCode::EraseFailed,
            format!("{what} failed: {e}"),
        ),
    }
}

/// What [`recover_locked_drive`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// The vault holds no password for this drive: nothing to do (the drive was not touched).
    NothingToDo,
    /// The vault held a password but the drive carries none, and it is the drive the password
    /// was stored for (serial, WWN, model and size): the password was removed.
    AlreadyClear {
        /// The drive's security state as IDENTIFY DEVICE reported it (no password set).
        device_status: String,
    },
    /// The vault holds a password for this serial, but the drive carries none and is not the
    /// drive the password was stored for (another drive with the same serial, or an entry
    /// that records only the serial): the entry is kept for its own drive, which may be locked
    /// with it.
    KeptForAnotherDrive {
        /// The drive's security state as IDENTIFY DEVICE reported it (no password set).
        device_status: String,
        /// How this drive differs from the one the password was stored for, in words.
        differences: Vec<String>,
    },
    /// The drive was unlocked and its password disabled; the vault entry was removed.
    Unlocked {
        /// The drive's security state as read after DISABLE PASSWORD.
        device_status: String,
    },
}

/// Why a drive could not be recovered. The password stays in the vault in every case.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// The vault could not be read or updated.
    #[error("password vault: {0}")]
    Vault(#[from] VaultError),
    /// The vault entry is not a password the drive can take.
    #[error("password vault: the vaulted password is unusable: {0}")]
    UnusablePassword(String),
    /// IDENTIFY DEVICE failed, before or after unlocking.
    #[error("the device: {0}")]
    Device(String),
    /// SECURITY FREEZE LOCK is in effect (IDENTIFY word 128 bit 3), so the drive refuses UNLOCK and
    /// DISABLE PASSWORD until a power-on reset; a suspend and resume usually clears it
    /// (docs/standards.md §1.5).
    #[error("the drive is frozen, so it refuses UNLOCK and DISABLE PASSWORD: {0}")]
    Frozen(String),
    /// The drive refused SECURITY UNLOCK or DISABLE PASSWORD with the vaulted password, its attempt
    /// counter has expired, or it still reports a password afterwards.
    #[error("the drive refused the vaulted password: {0}")]
    Refused(String),
    /// The drive's serial number differs from the one the password was vaulted for: another
    /// drive sits at that path, and it is not touched.
    #[error("the drive answers with serial {found:?}, not {expected:?}")]
    WrongDrive {
        /// Serial number recorded with the vaulted password.
        expected: String,
        /// Serial number the drive reports now (IDENTIFY DEVICE words 10–19).
        found: String,
    },
}

/// At the start after an interruption: if the vault holds a temporary password for `serial`,
/// unlock the drive with it and disable it, check IDENTIFY word 128, and only then remove the
/// password from the vault.
///
/// A drive that carries no password may be another drive with the same serial number: the
/// entry is removed only when the drive's WWN, model and size are those recorded with it
/// ([`Recovery::KeptForAnotherDrive`] otherwise). A drive that a vaulted password unlocks is
/// the drive it was stored for (the password is random, 142 bits).
pub fn recover_locked_drive<T: ScsiTransport>(
    ata: &mut AtaDevice<T>,
    vault: &dyn PasswordVault,
    serial: &str,
) -> Result<Recovery, RecoveryError> {
    let Some(stored) = vault.recall_entry(serial)? else {
        return Ok(Recovery::NothingToDo);
    };
    let password = SecurityPassword::new(stored.password.as_bytes())
        .map_err(|e| RecoveryError::UnusablePassword(e.to_string()))?;
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
        let differences = match &stored.drive {
            Some(drive) => drive.differences(&id, native_sectors(ata, &id)),
            None => vec![
                "the entry records only the serial number, not which drive it was stored for"
                    .to_string(),
            ],
        };
        if !differences.is_empty() {
            return Ok(Recovery::KeptForAnotherDrive {
                device_status: describe_security(&s),
                differences,
            });
        }
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

/// READ NATIVE MAX ADDRESS (EXT) + 1 when IDENTIFY shows the HPA feature and the drive answers.
fn native_sectors<T: ScsiTransport>(ata: &mut AtaDevice<T>, id: &IdentifyData) -> Option<u64> {
    if !id.hpa.supported {
        return None;
    }
    let max = if id.lba48 {
        ata.read_native_max_lba_ext()
    } else {
        ata.read_native_max_lba()
    };
    max.ok().map(|m| m + 1)
}
