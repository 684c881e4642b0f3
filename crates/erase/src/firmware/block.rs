//! BLKSECDISCARD over the whole block device: the kernel driver's secure erase (on eMMC,
//! secure trim or secure erase; no SATA, SAS or NVMe driver offers it, docs/standards.md
//! §4.5).
//!
//! Only for real block devices. **Untested here**: no device this project's tests can create
//! (loop devices, the simulator, QEMU's emulated disks) supports secure discard, so this path
//! has only been read, not run.

use std::os::unix::fs::FileTypeExt;
use std::time::Instant;

use ardoise_disk::record::{NewRecord, Protocol};
use ardoise_disk::transport::linux::blk;
use ardoise_disk::transport::TransportError;
use ardoise_disk::Commands;

use super::{FirmwareContext, FirmwareOutcome};
use crate::capability::DriveCapabilities;
use crate::method::Method;
use crate::outcome::ExceptionCode;

pub(crate) fn secure_discard(
    commands: &mut Commands,
    caps: &DriveCapabilities,
    ctx: &mut FirmwareContext<'_>,
) -> FirmwareOutcome {
    let method = Method::BlockSecureDiscard.id();
    if !caps.block_secure_discard {
        return FirmwareOutcome::refused(
            &method,
            "the probe did not find BLKSECDISCARD support for this disk",
            Vec::new(),
        );
    }
    let Some((path, file)) = ctx.block_device.clone() else {
        return FirmwareOutcome::refused(
            &method,
            "BLKSECDISCARD needs the disk's block device node (a simulated disk or a file has none)",
            Vec::new(),
        );
    };
    match file.metadata() {
        Ok(m) if m.file_type().is_block_device() => {}
        Ok(_) => {
            return FirmwareOutcome::refused(
                &method,
                format!("{} is not a block device", path.display()),
                Vec::new(),
            )
        }
        Err(e) => {
            return FirmwareOutcome::refused(
                &method,
                format!("{}: {e}", path.display()),
                Vec::new(),
            )
        }
    }
    let size = match blk::size_bytes(&file) {
        Ok(s) => s,
        Err(e) => return FirmwareOutcome::refused(&method, e, Vec::new()),
    };
    let notes = vec![
        "BLKSECDISCARD is untested in ardoise's test suite (no test device supports it)"
            .to_string(),
    ];
    ctx.report(None, format!("BLKSECDISCARD over {size} bytes running"));
    let started = Instant::now();
    let result = blk::range(&file, blk::RangeOp::SecureDiscard, 0, size);
    let outcome_words = match &result {
        Ok(()) => "returned success".to_string(),
        Err(e) => e.to_string(),
    };
    let record = NewRecord {
        protocol: Protocol::Block,
        name: "BLKSECDISCARD".into(),
        request: format!("ioctl BLKSECDISCARD (0x127D) range start=0 len={size}"),
        data_out: None,
        outcome: outcome_words.clone(),
        raw_reply: None,
        ok: result.is_ok(),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    let mut notes = notes;
    match commands {
        Commands::Mmc(dev) => {
            dev.transcript_mut().push(record);
        }
        Commands::Nvme { controller, .. } => {
            controller.transcript_mut().push(record);
        }
        other => notes.push(format!(
            "the {} command layer keeps no transcript this ioctl can be added to: BLKSECDISCARD range 0..{size} {outcome_words}",
            other.kind()
        )),
    }
    match result {
        Ok(()) => {
            notes.push(
                "the kernel reports no device status after BLKSECDISCARD; the read-back verification decides".into(),
            );
            FirmwareOutcome::completed(
                format!("BLKSECDISCARD over bytes 0..{size}: returned success"),
                notes,
            )
        }
        Err(e @ TransportError::DeviceGone { .. }) => FirmwareOutcome::gone(
            "the device disappeared during BLKSECDISCARD",
            e.to_string(),
            notes,
        ),
        Err(e) => FirmwareOutcome::failed(
            ExceptionCode::EraseFailed,
            format!("BLKSECDISCARD failed: {e}"),
            e.to_string(),
            notes,
        ),
    }
}
