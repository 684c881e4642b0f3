//! eMMC: erase the whole user area, then SANITIZE so the unmapped blocks are purged too
//! (JESD84-B51: sanitize only acts on *unmapped* space; docs/standards.md §4.3), with CMD13
//! checked after each step.
//!
//! Which erase: secure erase where the card supports it (tail not aligned to an erase group:
//! secure trim), else secure trim (steps 1 and 2), else erase (tail: trim), else trim. DISCARD
//! is never used: discarded data may stay readable.
//!
//! A clean CMD13 is not proof: on hosts without hardware busy detection the kernel polls CMD13
//! itself after an R1b command and consumes the error bits. The read-back verification decides.

use std::time::Duration;

use ardoise_disk::mmc::{EraseKind, ExtCsd, MmcDevice, MmcError};
use ardoise_disk::transport::MmcTransport;

use super::session::Run;
use super::{FirmwareContext, FirmwareOutcome};
use crate::capability::DriveCapabilities;
use crate::method::Method;
use crate::outcome::ExceptionCode;

/// Why [`erase_steps`] found no sequence of erase commands that covers the user area; the
/// text becomes the reason the method is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EraseStepsError {
    /// EXT_CSD SEC_COUNT (JESD84-B51, Extended CSD register; docs/standards.md §4.2) is zero:
    /// the card reports no user area to erase.
    #[error("EXT_CSD SEC_COUNT is 0")]
    NoSectors,
    /// Neither a whole-erase-group erase (erase groups undefined, or the user area not a
    /// multiple of one) nor a trim of the remainder is available (docs/standards.md §4.4).
    #[error("the card offers no erase that covers the whole user area (erase groups undefined or not aligned, no trim)")]
    NoCover,
}

/// The erase commands that together cover sectors `0..SEC_COUNT`, strongest first.
pub fn erase_steps(ext: &ExtCsd) -> Result<Vec<(EraseKind, u64, u64)>, EraseStepsError> {
    let n = u64::from(ext.sec_count);
    if n == 0 {
        return Err(EraseStepsError::NoSectors);
    }
    let aligned = ext.erase_group_sectors().map(|g| n / g * g);
    let secure_trim = || {
        vec![
            (EraseKind::SecureTrim1, 0, n - 1),
            (EraseKind::SecureTrim2, 0, n - 1),
        ]
    };
    if ext.supports_secure_erase() {
        match aligned {
            Some(a) if a == n => return Ok(vec![(EraseKind::SecureErase, 0, n - 1)]),
            Some(a) if a > 0 && ext.supports_secure_trim() => {
                return Ok(vec![
                    (EraseKind::SecureErase, 0, a - 1),
                    (EraseKind::SecureTrim1, a, n - 1),
                    (EraseKind::SecureTrim2, a, n - 1),
                ])
            }
            _ => {}
        }
    }
    if ext.supports_secure_trim() {
        return Ok(secure_trim());
    }
    match aligned {
        Some(a) if a == n => return Ok(vec![(EraseKind::Erase, 0, n - 1)]),
        Some(a) if a > 0 && ext.supports_trim() => {
            return Ok(vec![
                (EraseKind::Erase, 0, a - 1),
                (EraseKind::Trim, a, n - 1),
            ])
        }
        _ => {}
    }
    if ext.supports_trim() {
        return Ok(vec![(EraseKind::Trim, 0, n - 1)]);
    }
    Err(EraseStepsError::NoCover)
}

fn failed(run: &mut Run, what: String, e: MmcError) -> FirmwareOutcome {
    if e.is_device_gone() {
        return run.gone(
            format!("the device disappeared during {what}"),
            e.to_string(),
        );
    }
    let status = match e.card_status() {
        Some(s) => format!("CMD13: {s}"),
        None => e.to_string(),
    };
    run.fail(
        ExceptionCode::EraseFailed,
        format!("{what} failed: {e}"),
        status,
    )
}

/// eMMC erase of the user area, then SANITIZE.
pub(crate) fn sanitize<T: MmcTransport>(
    dev: &mut MmcDevice<T>,
    caps: &DriveCapabilities,
    ctx: &mut FirmwareContext<'_>,
) -> FirmwareOutcome {
    let mut run = Run::new(Method::MmcSanitize.id());
    let mut steps = |run: &mut Run| -> Result<FirmwareOutcome, FirmwareOutcome> {
        let steps = plan_erase(dev, caps, run)?;
        run.note(format!(
            "user area erased with {} before SANITIZE",
            steps
                .iter()
                .map(|(k, a, b)| format!("{} of sectors {a}..={b}", k.name()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let total = steps.len() as f64 + 1.0;
        erase_user_area(dev, ctx, run, &steps, total)?;
        if ctx.cancelled() {
            return Err(run.fail(
                ExceptionCode::Cancelled,
                "cancelled after the erase, before SANITIZE was sent",
                "sanitize not sent",
            ));
        }
        sanitize_and_check(dev, ctx, run, total)
    };
    steps(&mut run).unwrap_or_else(|stopped| stopped)
}

/// SANITIZE in the probe and in the card's live EXT_CSD, and the erase commands that cover the
/// user area.
fn plan_erase<T: MmcTransport>(
    dev: &mut MmcDevice<T>,
    caps: &DriveCapabilities,
    run: &mut Run,
) -> Result<Vec<(EraseKind, u64, u64)>, FirmwareOutcome> {
    if !caps.mmc.as_ref().is_some_and(|m| m.sanitize) {
        return Err(run.refuse("EXT_CSD SEC_FEATURE_SUPPORT does not report SANITIZE"));
    }
    let ext = run.read_live(dev.read_ext_csd(), "the erase", |e| format!("EXT_CSD: {e}"))?;
    if !ext.supports_sanitize() {
        return Err(run.refuse(format!(
            "EXT_CSD SEC_FEATURE_SUPPORT 0x{:02x} does not report SANITIZE",
            ext.sec_feature_support
        )));
    }
    erase_steps(&ext).map_err(|why| run.refuse(why))
}

/// The erase commands one after the other, each checked with CMD13.
fn erase_user_area<T: MmcTransport>(
    dev: &mut MmcDevice<T>,
    ctx: &mut FirmwareContext<'_>,
    run: &mut Run,
    steps: &[(EraseKind, u64, u64)],
    total: f64,
) -> Result<(), FirmwareOutcome> {
    for (i, (kind, first, last)) in steps.iter().copied().enumerate() {
        if ctx.cancelled() {
            return Err(run.fail(
                ExceptionCode::Cancelled,
                format!("cancelled before {} was sent", kind.name()),
                "erase incomplete",
            ));
        }
        let what = format!("ERASE ({}) of sectors {first}..={last}", kind.name());
        ctx.report(Some(i as f64 / total), format!("{what}: running"));
        match dev.erase(kind, first, last, None) {
            Ok(status) => run.note(format!("{what}: CMD13 {status}")),
            Err(e) => return Err(failed(run, what, e)),
        }
    }
    Ok(())
}

/// SANITIZE, then CMD13.
fn sanitize_and_check<T: MmcTransport>(
    dev: &mut MmcDevice<T>,
    ctx: &mut FirmwareContext<'_>,
    run: &mut Run,
    total: f64,
) -> Result<FirmwareOutcome, FirmwareOutcome> {
    ctx.report(
        Some((total - 1.0) / total),
        "SANITIZE running; it cannot be interrupted",
    );
    // Long enough for the whole card by its own erase figures (the kernel's default 240 s
    // can be too short for a large card, and a timed-out sanitize is reported as failed).
    let timeout = dev
        .ext_csd()
        .map(|e| e.sanitize_timeout())
        .unwrap_or(Duration::from_secs(240));
    if let Err(e) = dev.sanitize(timeout) {
        return Err(failed(run, "SANITIZE".into(), e));
    }
    let status = match dev.send_status() {
        Ok(s) => s,
        Err(e) => return Err(failed(run, "CMD13 after SANITIZE".into(), e)),
    };
    if status.has_error() {
        return Err(run.fail(
            ExceptionCode::DeviceStatusMismatch,
            format!("SANITIZE completed but CMD13 reports errors: {status}"),
            format!("CMD13 after SANITIZE: {status}"),
        ));
    }
    run.note(
        "a clean card status is not proof of the erase (the kernel may have consumed the error bits while polling busy); the read-back verification decides",
    );
    let words = format!("CMD13 after SANITIZE: {status}, no error bits");
    ctx.report(Some(1.0), words.clone());
    Ok(FirmwareOutcome::completed(
        words,
        std::mem::take(&mut run.notes),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(sec_count: u32, features: u8, group: u8) -> ExtCsd {
        let mut b = vec![0u8; 512];
        b[175] = u8::from(group != 0);
        b[192] = 8;
        b[212..216].copy_from_slice(&sec_count.to_le_bytes());
        b[224] = group;
        b[231] = features;
        ExtCsd::parse(&b).unwrap()
    }

    #[test]
    fn erase_steps_pick_the_strongest_cover() {
        // Secure erase, aligned.
        assert_eq!(
            erase_steps(&ext(2048, 0x55, 1)).unwrap(),
            vec![(EraseKind::SecureErase, 0, 2047)]
        );
        // Secure erase with an unaligned tail: secure trim for the tail.
        assert_eq!(
            erase_steps(&ext(2500, 0x55, 1)).unwrap(),
            vec![
                (EraseKind::SecureErase, 0, 2047),
                (EraseKind::SecureTrim1, 2048, 2499),
                (EraseKind::SecureTrim2, 2048, 2499)
            ]
        );
        // Secure erase without trim, unaligned, no group smaller than the card: nothing secure
        // covers the tail, plain erase cannot either, no trim: refused.
        assert!(erase_steps(&ext(500, 0x41, 1)).is_err());
        // No secure features: erase + trim tail.
        assert_eq!(
            erase_steps(&ext(2500, 0x50, 1)).unwrap(),
            vec![(EraseKind::Erase, 0, 2047), (EraseKind::Trim, 2048, 2499)]
        );
        // Groups undefined: trim.
        assert_eq!(
            erase_steps(&ext(2500, 0x50, 0)).unwrap(),
            vec![(EraseKind::Trim, 0, 2499)]
        );
        assert!(erase_steps(&ext(0, 0x55, 1)).is_err());
    }
}
