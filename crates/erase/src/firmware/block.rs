//! BLKSECDISCARD over the whole block device: the kernel driver's secure erase (on eMMC,
//! secure trim or secure erase; no SATA, SAS or NVMe driver offers it, docs/standards.md
//! §4.5).
//!
//! Only for real block devices. **Untested here**: no device this project's tests can create
//! (loop devices, the simulator, QEMU's emulated disks) supports secure discard, so this path
//! has only been read, not run.

use std::fs::File;
use std::os::unix::fs::FileTypeExt;
use std::sync::Arc;
use std::time::Instant;

use ardoise_disk::record::{NewRecord, Protocol};
use ardoise_disk::transport::linux::blk;
use ardoise_disk::transport::TransportError;
use ardoise_disk::Commands;

use super::session::Run;
use super::{FirmwareContext, FirmwareOutcome};
use crate::capability::DriveCapabilities;
use crate::method::Method;
use crate::outcome::ExceptionCode;

pub(crate) fn secure_discard(
    commands: &mut Commands,
    caps: &DriveCapabilities,
    ctx: &mut FirmwareContext<'_>,
) -> FirmwareOutcome {
    let mut run = Run::new(Method::BlockSecureDiscard.id());
    let (file, size) = match block_device(&mut run, caps, ctx) {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    run.note("BLKSECDISCARD is untested in ardoise's test suite (no test device supports it)");
    ctx.report(None, format!("BLKSECDISCARD over {size} bytes running"));
    let started = Instant::now();
    let result = blk::range(&file, blk::RangeOp::SecureDiscard, 0, size);
    record_ioctl(commands, &mut run, size, &result, started);
    match result {
        Ok(()) => {
            run.note(
                "the kernel reports no device status after BLKSECDISCARD; the read-back verification decides",
            );
            FirmwareOutcome::completed(
                format!("BLKSECDISCARD over bytes 0..{size}: returned success"),
                std::mem::take(&mut run.notes),
            )
        }
        Err(e @ TransportError::DeviceGone { .. }) => {
            run.gone("the device disappeared during BLKSECDISCARD", e.to_string())
        }
        Err(e) => run.fail(
            ExceptionCode::EraseFailed,
            format!("BLKSECDISCARD failed: {e}"),
            e.to_string(),
        ),
    }
}

/// The disk's block device node and its size, when the probe found BLKSECDISCARD support.
fn block_device(
    run: &mut Run,
    caps: &DriveCapabilities,
    ctx: &FirmwareContext<'_>,
) -> Result<(Arc<File>, u64), FirmwareOutcome> {
    if !caps.block_secure_discard {
        return Err(run.refuse("the probe did not find BLKSECDISCARD support for this disk"));
    }
    let Some((path, file)) = ctx.block_device.clone() else {
        return Err(run.refuse(
            "BLKSECDISCARD needs the disk's block device node (a simulated disk or a file has none)",
        ));
    };
    match file.metadata() {
        Ok(m) if m.file_type().is_block_device() => {}
        Ok(_) => return Err(run.refuse(format!("{} is not a block device", path.display()))),
        Err(e) => return Err(run.refuse(format!("{}: {e}", path.display()))),
    }
    let size = blk::size_bytes(&file).map_err(|e| run.refuse(e))?;
    Ok((file, size))
}

/// The ioctl in the device's transcript, where its command layer keeps one (else in a note).
fn record_ioctl(
    commands: &mut Commands,
    run: &mut Run,
    size: u64,
    result: &Result<(), TransportError>,
    started: Instant,
) {
    let outcome_words = match result {
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
    match commands {
        Commands::Mmc(dev) => {
            dev.transcript_mut().push(record);
        }
        Commands::Nvme { controller, .. } => {
            controller.transcript_mut().push(record);
        }
        other => run.note(format!(
            "the {} command layer keeps no transcript this ioctl can be added to: BLKSECDISCARD range 0..{size} {outcome_words}",
            other.kind()
        )),
    }
}
