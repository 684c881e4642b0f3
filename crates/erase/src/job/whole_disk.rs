//! The whole disk: what the kernel lets the computer reach must be what the drive holds.
//!
//! - After hidden sectors were made visible, the kernel is made to see the new size (SCSI
//!   rescan, then a libata port revalidation) and the block device's size is checked against
//!   `visible sectors × sector size`; sectors it still does not reach are
//!   `hidden-area-not-erased`, named.
//! - Before the first read or write, the drive's own size (IDENTIFY, READ CAPACITY(16), NVMe
//!   NSZE × LBA size) is compared with the kernel's: sectors beyond the kernel's size are
//!   `unreachable-sectors`, named (a smaller drive is refused earlier, in `prepare`).
//! - Hidden areas that could not be measured are `hidden-areas-not-checked`.

use std::path::Path;
use std::time::Duration;

use ardoise_disk::block::BlockIo;
use ardoise_disk::OpenedDisk;

use super::Run;
use crate::hidden::{self, HiddenAreaOutcome, KernelRescanError};
use crate::outcome::ExceptionCode;
use crate::probe::ProbeReport;

/// How long the kernel gets to show a new size after each attempt (libata rescans the SCSI
/// disk asynchronously after a revalidation).
const SIZE_SETTLE: Duration = Duration::from_secs(5);
const SIZE_POLL: Duration = Duration::from_millis(200);

/// "2,048 sectors (LBA 1,000,000 to 1,002,047)".
pub(crate) fn sector_span(first: u64, end: u64) -> String {
    use crate::assurance::thousands;
    format!(
        "{} sectors (LBA {} to {})",
        thousands(end - first),
        thousands(first),
        thousands(end.saturating_sub(1))
    )
}

/// The block device's size could not be read again after a resize.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the disk's size: {0}")]
struct SizeUnreadable(ardoise_disk::block::BlockError);

/// Re-reads the block device's size until it is `want` bytes or the settle time is over.
fn wait_for_size(dev: &dyn BlockIo, want: u64) -> Result<u64, SizeUnreadable> {
    let tries = if dev.removal_may_lag() {
        (SIZE_SETTLE.as_millis() / SIZE_POLL.as_millis()) as u32
    } else {
        1
    };
    let mut size = 0;
    for attempt in 0..tries {
        size = dev.refresh_size().map_err(SizeUnreadable)?;
        if size == want {
            break;
        }
        if attempt + 1 < tries {
            std::thread::sleep(SIZE_POLL);
        }
    }
    Ok(size)
}

impl Run<'_> {
    /// After a change of visible capacity: makes the kernel see `outcome.after`'s size, trying
    /// each way in turn, and names the sectors it still does not reach.
    pub(super) fn reopen_after_resize(
        &mut self,
        disk: &mut OpenedDisk,
        outcome: &HiddenAreaOutcome,
    ) {
        let sector = u64::from(disk.block.logical_sector_size().max(1));
        let want = outcome.after.visible_sectors * sector;
        let sys = Path::new("/sys");
        type Attempt = fn(&ardoise_disk::DiskInfo, &Path) -> Result<String, KernelRescanError>;
        let attempts: [(&str, Attempt); 2] = [
            ("SCSI rescan", hidden::rescan_block_device),
            ("ATA port revalidation", hidden::revalidate_ata_port),
        ];
        let mut tried = Vec::new();
        let mut size = disk.block.size_bytes();
        for (name, attempt) in attempts {
            match attempt(&disk.info, sys) {
                Ok(note) => self.message(note),
                Err(e) => {
                    tried.push(format!("{name}: {e}"));
                    continue;
                }
            }
            size = match wait_for_size(disk.block.as_ref(), want) {
                Ok(s) => s,
                Err(e) => return self.fail(ExceptionCode::EraseFailed, e.to_string()),
            };
            if size == want {
                self.message(format!(
                    "the disk now shows {size} bytes to the computer ({name})"
                ));
                return;
            }
            tried.push(format!("{name}: the kernel still reports {size} bytes"));
        }
        if size > want {
            return self.fail(
                ExceptionCode::EraseFailed,
                format!("after the hidden area was lifted the kernel reports {size} bytes, more than the drive's {want}"),
            );
        }
        self.fail(
            ExceptionCode::HiddenAreaNotErased,
            format!(
                "the drive now shows {} sectors but the kernel still stops at {} bytes ({}): {} were neither erased by the computer nor verified",
                outcome.after.visible_sectors,
                size,
                tried.join("; "),
                sector_span(size / sector, want / sector)
            ),
        );
    }

    /// Before the first read or write: the drive's size against the kernel's, and hidden areas
    /// that could not be measured.
    pub(super) fn check_whole_disk(&mut self, disk: &mut OpenedDisk, probe: &ProbeReport) {
        let caps = &probe.capabilities;
        let kernel = disk.block.size_bytes();
        let sector = u64::from(caps.logical_sector_size.max(1));
        let resized = self.hidden.as_ref().is_some_and(|h| h.capacity_changed);
        let drive = match &self.hidden {
            Some(h) => Some(h.after.visible_sectors * sector),
            None => caps.drive_bytes,
        };
        match drive {
            // A resize was followed by its own check, which named what stays out of reach.
            Some(_) if resized => {}
            Some(d) if d > kernel => self.fail(
                ExceptionCode::UnreachableSectors,
                format!(
                    "the drive reports {d} bytes but the kernel lets the computer reach {kernel}: {} were neither erased by the computer nor verified",
                    sector_span(kernel / sector, d / sector)
                ),
            ),
            Some(d) if d < kernel => self.fail(
                ExceptionCode::EraseFailed,
                format!("the drive reports {d} bytes, fewer than the {kernel} the kernel shows"),
            ),
            _ => {}
        }
        self.check_hidden_measured(disk, probe);
    }

    /// Hidden areas the probe could not measure are measured again now that any sanitize left
    /// running has ended; sectors found hidden then were not part of the plan, and stay so.
    fn check_hidden_measured(&mut self, disk: &mut OpenedDisk, probe: &ProbeReport) {
        let Some(unchecked) = hidden::unchecked(&probe.capabilities) else {
            return;
        };
        match hidden::measure_again(&mut disk.commands) {
            Some(h) if h.hidden_sectors() == 0 => self.message(format!(
                "hidden areas measured once the drive answered: none (visible {}, native {:?})",
                h.visible_sectors, h.native_sectors
            )),
            Some(h) => self.fail(
                ExceptionCode::HiddenAreaNotErased,
                format!(
                    "measured only once the drive answered, after the plan was made: {} were not made visible, erased nor verified",
                    sector_span(h.visible_sectors, h.visible_sectors + h.hidden_sectors())
                ),
            ),
            None => self.exceptions.push(unchecked),
        }
    }
}
