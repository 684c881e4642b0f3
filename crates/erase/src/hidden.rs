//! Hidden areas: make every native sector of an ATA drive visible before it is erased, so that
//! the erase and the verification cover the whole capacity (NIST SP 800-88r1 App. A: reset
//! HPA/DCO/AMAX before sanitizing).
//!
//! - HPA: READ NATIVE MAX ADDRESS (EXT) immediately followed by SET MAX ADDRESS (EXT) to the
//!   native maximum (ACS requires the read right before the set).
//! - Accessible Max Address (ACS-3 drives): SET ACCESSIBLE MAX ADDRESS EXT to the native
//!   maximum from GET NATIVE MAX ADDRESS EXT.
//! - DCO: DEVICE CONFIGURATION RESTORE (after the HPA is lifted: drives refuse it while one is
//!   set), then the HPA step again if the restored capacity comes back behind a max address.
//!
//! Then IDENTIFY and the native maxima are read again and compared; sectors that stay hidden
//! become `HiddenAreaNotErased` ("<n> hidden sectors could not be made visible").
//!
//! **Volatile SET MAX.** The HPA is lifted with the volatile form of SET MAX ADDRESS: the
//! erase and its verification run in this power-on session, which is all the volatile setting
//! must last, and nothing about the drive's configuration is changed for good without need
//! (some drives accept only one non-volatile SET MAX per power cycle; some OEM systems keep a
//! recovery area there). After a power cycle the drive hides the same sectors again — now
//! erased. Accessible Max Address and DCO have no volatile form: those changes are permanent,
//! and the notes say so. A suspend cycle (the frozen-drive remedy) must therefore come *before*
//! this step.
//!
//! After a change of visible capacity the kernel must be made to see it: libata answers READ
//! CAPACITY from the size it read at the last probe or revalidation, so a SCSI rescan
//! ([`rescan_block_device`], enough behind SAS and most USB bridges) does not refresh a SATA
//! disk; a revalidation of its ATA port does ([`revalidate_ata_port`]: libata re-reads IDENTIFY,
//! accepts a size that grew to the native maximum it measured — "new n_sectors matches native,
//! probably late HPA unlock" — and rescans the SCSI disk). The job then checks that the block
//! device has the size the drive now reports, and when no way worked the sectors beyond are
//! `hidden-area-not-erased` (crates/erase/src/job/whole_disk.rs).

use std::path::{Path, PathBuf};

use ardoise_disk::ata::{AtaDevice, AtaError, IdentifyData, MaxPersistence};
use ardoise_disk::sim::profile::is_sim_path;
use ardoise_disk::transport::ScsiTransport;
use ardoise_disk::{Commands, DiskInfo};
use serde::{Deserialize, Serialize};

use crate::capability::{DriveCapabilities, HiddenAreas};
use crate::outcome::{Exception, ExceptionCode};
use crate::probe::measure_hidden;

/// What [`remove_hidden_areas`] found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenAreaOutcome {
    /// The hidden areas measured before anything was changed.
    pub before: HiddenAreas,
    /// The hidden areas measured at the end.
    pub after: HiddenAreas,
    /// Hidden sectors existed and all of them are visible now.
    pub removed: bool,
    /// Problems the certificate must state (sectors left hidden, device gone).
    pub exceptions: Vec<Exception>,
    /// What was done and observed, in words, for the report.
    pub notes: Vec<String>,
    /// The visible capacity changed: a real disk must be rescanned and reopened.
    pub capacity_changed: bool,
}

fn unchanged(h: HiddenAreas, notes: Vec<String>, exceptions: Vec<Exception>) -> HiddenAreaOutcome {
    HiddenAreaOutcome {
        before: h.clone(),
        after: h,
        removed: false,
        exceptions,
        notes,
        capacity_changed: false,
    }
}

fn not_visible(n: u64) -> Exception {
    Exception::new(
        ExceptionCode::HiddenAreaNotErased,
        format!("{n} hidden sectors could not be made visible"),
    )
}

fn known(caps: &DriveCapabilities) -> HiddenAreas {
    caps.hidden.clone().unwrap_or(HiddenAreas {
        visible_sectors: caps.size_bytes / u64::from(caps.logical_sector_size.max(1)),
        ..HiddenAreas::default()
    })
}

/// A pre-48-bit drive with the HPA feature whose READ NATIVE MAX ADDRESS could not be read:
/// the host cannot tell whether sectors are hidden (older drives are the ones whose HPA
/// holds vendor recovery images), so the erase cannot be declared complete.
fn unreadable_28bit_hpa(
    h: &HiddenAreas,
    id: &ardoise_disk::ata::IdentifyData,
    problems: &[String],
) -> Option<Exception> {
    (!id.lba48 && h.hpa_supported && h.native_sectors.is_none()).then(|| {
        Exception::new(
            ExceptionCode::HiddenAreaNotErased,
            format!(
                "pre-48-bit drive: its native maximum could not be read ({}), so a host protected area cannot be ruled out",
                problems.join("; ")
            ),
        )
    })
}

/// Makes hidden sectors visible (ATA only; other command sets have nothing to do).
pub fn remove_hidden_areas(commands: &mut Commands, caps: &DriveCapabilities) -> HiddenAreaOutcome {
    match commands {
        Commands::Ata(dev) => remove_ata(dev, caps),
        other => {
            let h = known(caps);
            let n = h.hidden_sectors();
            let exceptions = if n > 0 {
                vec![not_visible(n)]
            } else {
                Vec::new()
            };
            unchanged(
                h,
                vec![format!(
                    "hidden areas (HPA/DCO) are an ATA feature; nothing to do on the {} command layer",
                    other.kind()
                )],
                exceptions,
            )
        }
    }
}

/// Why [`measure`] could not measure the hidden areas at all.
#[derive(Debug, thiserror::Error)]
enum MeasureError {
    /// The device disappeared (during IDENTIFY DEVICE or while the maxima were read).
    #[error("gone: {0}")]
    Gone(#[source] AtaError),
    /// IDENTIFY DEVICE failed for another reason.
    #[error("IDENTIFY DEVICE: {0}")]
    Identify(#[source] AtaError),
}

/// One measurement: IDENTIFY, then the native maxima.
fn measure<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
) -> Result<(HiddenAreas, Vec<String>, ardoise_disk::ata::IdentifyData), MeasureError> {
    let id = dev.identify().map_err(|e| {
        if e.is_device_gone() {
            MeasureError::Gone(e)
        } else {
            MeasureError::Identify(e)
        }
    })?;
    let (h, problems) = measure_hidden(dev, &id).map_err(|g| MeasureError::Gone(g.0))?;
    Ok((h, problems, id))
}

fn gone_or(e: &AtaError, notes: &mut Vec<String>, what: &str) -> Option<Exception> {
    if e.is_device_gone() {
        return Some(Exception::new(
            ExceptionCode::DeviceGone,
            format!("the device disappeared during {what}: {e}"),
        ));
    }
    notes.push(format!("{what}: the drive refused ({e})"));
    None
}

/// Lifts an HPA or accessible-max restriction to `native` sectors. `Err` when the device is gone.
fn lift_max<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    id: &ardoise_disk::ata::IdentifyData,
    native: u64,
    notes: &mut Vec<String>,
) -> Result<(), Exception> {
    let max_lba = native - 1;
    if id.amax_supported {
        match dev.set_accessible_max_address_ext(max_lba) {
            Ok(_) => notes.push(format!(
                "SET ACCESSIBLE MAX ADDRESS EXT to LBA {max_lba} (permanent: accessible max address has no volatile form)"
            )),
            Err(e) => {
                if let Some(x) = gone_or(&e, notes, "SET ACCESSIBLE MAX ADDRESS EXT") {
                    return Err(x);
                }
            }
        }
        return Ok(());
    }
    // READ NATIVE MAX immediately before SET MAX, as ACS requires.
    let (read, set_name) = if id.lba48 {
        (dev.read_native_max_lba_ext(), "SET MAX ADDRESS EXT")
    } else {
        (dev.read_native_max_lba(), "SET MAX ADDRESS")
    };
    let max = match read {
        Ok(m) => m,
        Err(e) => {
            return match gone_or(&e, notes, "READ NATIVE MAX ADDRESS") {
                Some(x) => Err(x),
                None => Ok(()),
            }
        }
    };
    if max != max_lba {
        notes.push(format!(
            "READ NATIVE MAX now answers LBA {max} (measured {max_lba} before); using the fresh value"
        ));
    }
    let set = if id.lba48 {
        dev.set_max_address_ext(max, MaxPersistence::Volatile)
    } else {
        dev.set_max_address(max, MaxPersistence::Volatile)
    };
    match set {
        Ok(_) => notes.push(format!(
            "{set_name} to LBA {max}, volatile (the erase runs in this power-on session; after a power cycle the drive hides the same, now erased, sectors again)"
        )),
        Err(e) => {
            if let Some(x) = gone_or(&e, notes, set_name) {
                return Err(x);
            }
        }
    }
    Ok(())
}

fn remove_ata<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    caps: &DriveCapabilities,
) -> HiddenAreaOutcome {
    let (before, id, mut notes) = match measure_before(dev, caps) {
        Ok(m) => m,
        Err(nothing_done) => return *nothing_done,
    };
    let mut exceptions = Vec::new();
    let after = lift_restrictions(dev, &before, id, &mut notes, &mut exceptions);
    let left = after.hidden_sectors();
    if left > 0 {
        exceptions.push(not_visible(left));
    }
    notes.push(format!(
        "after: visible {}, native {:?}, DCO maximum {:?}",
        after.visible_sectors, after.native_sectors, after.dco_max_sectors
    ));
    HiddenAreaOutcome {
        removed: left == 0,
        capacity_changed: after.visible_sectors != before.visible_sectors,
        before,
        after,
        exceptions,
        notes,
    }
}

fn gone_exception(msg: &str) -> Exception {
    Exception::new(
        ExceptionCode::DeviceGone,
        format!("the device disappeared while hidden areas were handled ({msg})"),
    )
}

/// The hidden areas before anything is changed, with IDENTIFY and the notes so far; `Err` is
/// the outcome when there is nothing to do or nothing can be done.
fn measure_before<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    caps: &DriveCapabilities,
) -> Result<(HiddenAreas, IdentifyData, Vec<String>), Box<HiddenAreaOutcome>> {
    let mut notes = Vec::new();
    let (before, problems, id) = match measure(dev) {
        Ok(m) => m,
        Err(e) => {
            let h = known(caps);
            let n = h.hidden_sectors();
            let mut ex = Vec::new();
            if matches!(e, MeasureError::Gone(_)) {
                ex.push(gone_exception(&e.to_string()));
            }
            if n > 0 {
                ex.push(not_visible(n));
            }
            return Err(Box::new(unchanged(
                h,
                vec![format!("the drive could not be measured: {e}")],
                ex,
            )));
        }
    };
    if !problems.is_empty() {
        notes.push(format!(
            "hidden areas could not be fully measured: {}",
            problems.join("; ")
        ));
    }
    if let Some(e) = unreadable_28bit_hpa(&before, &id, &problems) {
        return Err(Box::new(unchanged(before, notes, vec![e])));
    }
    if before.hidden_sectors() == 0 {
        notes.push("no hidden sectors: nothing to do".into());
        return Err(Box::new(unchanged(before, notes, Vec::new())));
    }
    notes.push(format!(
        "{} hidden sectors before: visible {}, native {:?}, DCO maximum {:?}",
        before.hidden_sectors(),
        before.visible_sectors,
        before.native_sectors,
        before.dco_max_sectors
    ));
    Ok((before, id, notes))
}

/// Lifts the max address and restores the DCO while that makes progress, measuring again after
/// each step; returns the last measurement.
fn lift_restrictions<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    before: &HiddenAreas,
    mut id: IdentifyData,
    notes: &mut Vec<String>,
    exceptions: &mut Vec<Exception>,
) -> HiddenAreas {
    let mut current = before.clone();
    let mut dco_tried = false;
    // At most: lift the max address, restore the DCO, lift the max address it left.
    for _ in 0..3 {
        if current.hpa_present() {
            let native = current.native_sectors.expect("hpa_present needs it");
            if let Err(x) = lift_max(dev, &id, native, notes) {
                exceptions.push(x);
                break;
            }
        } else if current.dco_present() && !dco_tried {
            dco_tried = true;
            match dev.dco_restore() {
                Ok(_) => notes.push(
                    "DEVICE CONFIGURATION RESTORE (permanent: the factory configuration is back)"
                        .into(),
                ),
                Err(e) => {
                    if let Some(x) = gone_or(&e, notes, "DEVICE CONFIGURATION RESTORE") {
                        exceptions.push(x);
                        break;
                    }
                }
            }
        } else {
            break;
        }
        match measure(dev) {
            Ok((h, p, fresh)) => {
                if !p.is_empty() {
                    notes.push(format!("re-measurement incomplete: {}", p.join("; ")));
                }
                let progress = h.hidden_sectors() < current.hidden_sectors()
                    || h.visible_sectors != current.visible_sectors;
                current = h;
                id = fresh;
                let dco_left_to_try = current.dco_present() && !dco_tried;
                if !progress && !dco_left_to_try {
                    break;
                }
            }
            Err(e) => {
                if matches!(e, MeasureError::Gone(_)) {
                    exceptions.push(gone_exception(&e.to_string()));
                } else {
                    notes.push(format!("the drive could not be measured again: {e}"));
                }
                break;
            }
        }
    }
    current
}

/// Why the kernel could not be asked to read a disk's capacity again. The texts go into the
/// job's exception when the disk keeps its old size.
#[derive(Debug, thiserror::Error)]
pub enum KernelRescanError {
    /// The disk has no `device/rescan` attribute in sysfs.
    #[error("{} does not exist: the kernel cannot be asked to read the new capacity (reboot, or BLKRRPART after reopening)", attr.display())]
    NoRescanAttribute {
        /// The missing attribute.
        attr: PathBuf,
    },
    /// Writing to the rescan attribute failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The rescan attribute.
        path: PathBuf,
        /// Why the write failed.
        source: std::io::Error,
    },
    /// The disk's `device` link in sysfs could not be resolved.
    #[error("cannot resolve {}: {source}", link.display())]
    UnresolvedDeviceLink {
        /// The link.
        link: PathBuf,
        /// Why it could not be resolved.
        source: std::io::Error,
    },
    /// The `device` link does not lead to a SCSI address.
    #[error("{} does not point to a SCSI device (host:channel:target:lun), it points to {}", link.display(), target.display())]
    NotScsi {
        /// The link.
        link: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// The disk is simulated: it has no ATA port to revalidate.
    #[error("a simulated disk has no ATA port to revalidate")]
    SimulatedDisk,
    /// The disk is not attached through libata.
    #[error("{disk} is not behind libata: there is no ATA port to revalidate")]
    NotBehindLibata {
        /// Kernel name of the disk.
        disk: String,
    },
}

/// After a change of visible capacity: asks the kernel to read the disk's capacity again by
/// writing "1" to `<sys_root>/block/<name>/device/rescan` (SCSI and libata disks). The caller
/// must then reopen the disk. A simulated disk needs nothing. **Untested on real hardware**
/// (no drive with a removable HPA is available to the tests); tested against a fake sysfs.
pub fn rescan_block_device(info: &DiskInfo, sys_root: &Path) -> Result<String, KernelRescanError> {
    if is_sim_path(&info.path) {
        return Ok("simulated disk: its block view follows the drive at once".into());
    }
    let attr = sys_root
        .join("block")
        .join(&info.name)
        .join("device")
        .join("rescan");
    if !attr.exists() {
        return Err(KernelRescanError::NoRescanAttribute { attr });
    }
    if let Err(source) = std::fs::write(&attr, "1") {
        return Err(KernelRescanError::Write { path: attr, source });
    }
    Ok(format!(
        "wrote 1 to {}: the kernel reads the capacity again; reopen the disk before writing",
        attr.display()
    ))
}

/// The SCSI address `host:channel:target:lun` of a disk, from its `device` link in sysfs.
fn scsi_address(
    info: &DiskInfo,
    sys_root: &Path,
) -> Result<(u32, [u32; 3], bool), KernelRescanError> {
    // `/sys/block/sdX/device` is a relative link (`../../../H:C:T:L`); the resolved path runs
    // through the controller, the `ataN` port for a disk behind libata, and the SCSI host.
    let link = sys_root.join("block").join(&info.name).join("device");
    let target = match std::fs::canonicalize(&link) {
        Ok(target) => target,
        Err(source) => return Err(KernelRescanError::UnresolvedDeviceLink { link, source }),
    };
    let libata = target.components().any(|c| {
        let c = c.as_os_str().to_string_lossy();
        c.strip_prefix("ata")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let parts: Vec<u32> = name.split(':').filter_map(|p| p.parse().ok()).collect();
    match parts[..] {
        [h, c, t, l] => Ok((h, [c, t, l], libata)),
        _ => Err(KernelRescanError::NotScsi { link, target }),
    }
}

/// Makes libata revalidate the ATA device behind `info`: writing "channel target lun" to
/// `<sys_root>/class/scsi_host/host<H>/scan` resets the port and re-reads IDENTIFY
/// (`ata_scsi_user_scan`); a size that grew to the native maximum is then taken and the SCSI
/// disk rescanned, asynchronously. Only for disks behind libata (an `ataN` in the device path).
/// **Tested against a fake sysfs only**: no drive with a removable HPA is available to the
/// tests, and QEMU's ATA disks have none.
pub fn revalidate_ata_port(info: &DiskInfo, sys_root: &Path) -> Result<String, KernelRescanError> {
    if is_sim_path(&info.path) {
        return Err(KernelRescanError::SimulatedDisk);
    }
    let (host, [channel, target, lun], libata) = scsi_address(info, sys_root)?;
    if !libata {
        return Err(KernelRescanError::NotBehindLibata {
            disk: info.name.clone(),
        });
    }
    let scan = sys_root
        .join("class/scsi_host")
        .join(format!("host{host}"))
        .join("scan");
    if let Err(source) = std::fs::write(&scan, format!("{channel} {target} {lun}")) {
        return Err(KernelRescanError::Write { path: scan, source });
    }
    Ok(format!(
        "wrote \"{channel} {target} {lun}\" to {}: libata resets the port and reads the drive's size again",
        scan.display()
    ))
}

/// Measures the hidden areas of an ATA drive again (the probe could not: a sanitize was still
/// running, say). `None` when it still cannot be done.
pub fn measure_again(commands: &mut Commands) -> Option<HiddenAreas> {
    let Commands::Ata(dev) = commands else {
        return None;
    };
    match measure(dev) {
        Ok((h, problems, _)) if problems.is_empty() => Some(h),
        _ => None,
    }
}

/// The hidden-area exception of a drive whose hidden areas could not be measured at all: an ATA
/// drive whose READ NATIVE MAX or DEVICE CONFIGURATION IDENTIFY failed, or a disk reached by
/// reads and writes only that may be an ATA drive: behind a USB bridge that passes no ATA
/// command (a stick and a disk in an enclosure look alike from here: the kernel calls most USB
/// sticks rotational), or on an unknown transport; and an MMC disk whose EXT_CSD could not be
/// read, whose boot, RPMB and general-purpose partitions are then unknown. Virtual disks, loop
/// devices and files have no hidden areas; SCSI and NVMe have none of the ATA kind.
pub fn unchecked(caps: &DriveCapabilities) -> Option<Exception> {
    use crate::capability::CommandSet;
    use ardoise_disk::Transport;
    let why = match caps.command_set {
        CommandSet::Ata if caps.hidden.is_none() => {
            "READ NATIVE MAX ADDRESS or DEVICE CONFIGURATION IDENTIFY did not answer, so a host protected area or a configuration overlay could not be measured"
        }
        CommandSet::BlockOnly
            if matches!(caps.transport, Transport::Usb | Transport::Ata | Transport::Other) =>
        {
            "the disk answers reads and writes only (no ATA command reaches it), so whether it hides sectors (HPA/DCO) cannot be checked"
        }
        // An SD card has no hardware partitions unless the kernel shows one (it never does).
        CommandSet::BlockOnly
            if caps.transport == Transport::Mmc
                && caps.mmc_card_is_sd
                && caps.mmc_hardware_partitions.is_empty() =>
        {
            return None;
        }
        CommandSet::BlockOnly if caps.transport == Transport::Mmc => {
            let seen = if caps.mmc_hardware_partitions.is_empty() {
                String::new()
            } else {
                format!(
                    " (the kernel shows {})",
                    caps.mmc_hardware_partitions.join(", ")
                )
            };
            return Some(Exception::new(
                ExceptionCode::HiddenAreasNotChecked,
                format!(
                    "hardware partitions not checked: the card's EXT_CSD could not be read, so whether it has boot, RPMB or general-purpose partitions{seen}, which neither the erase nor the read-back reaches, cannot be told; the erase covers the user area the computer sees"
                ),
            ));
        }
        _ => return None,
    };
    Some(Exception::new(
        ExceptionCode::HiddenAreasNotChecked,
        format!("hidden areas not checked: {why}; the erase covers the sectors the computer sees"),
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ardoise_disk::ata::AtaDevice;
    use ardoise_disk::transport::{DataDir, ScsiReply, ScsiTransport, TransportError};

    use super::*;

    /// A 28-bit drive with the HPA feature that aborts READ NATIVE MAX ADDRESS.
    struct OldDrive;

    impl ScsiTransport for OldDrive {
        fn execute(
            &mut self,
            cdb: &[u8],
            data: DataDir<'_>,
            _timeout: Duration,
        ) -> Result<ScsiReply, TransportError> {
            if let DataDir::FromDevice(b) = data {
                // IDENTIFY: LBA, 28-bit capacity 0x8000, HPA supported, no 48-bit.
                b.fill(0);
                let mut w = [0u16; 256];
                w[49] = 0x0200;
                w[60] = 0x8000;
                w[82] = 0x4400;
                w[83] = 0x4000;
                for (i, x) in w.iter().enumerate() {
                    b[2 * i..2 * i + 2].copy_from_slice(&x.to_le_bytes());
                }
                return Ok(ScsiReply::default());
            }
            // Every non-data command (READ NATIVE MAX ADDRESS) ends with ERR/ABRT.
            let mut sense = vec![0x72, 0x01, 0x00, 0x1d, 0, 0, 0, 14, 0x09, 0x0c];
            sense.resize(22, 0);
            sense[8 + 3] = 0x04;
            sense[8 + 13] = 0x51;
            assert_eq!(cdb[14], 0xf8, "only READ NATIVE MAX ADDRESS is expected");
            Ok(ScsiReply {
                status: 2,
                driver_status: 0x08,
                sense,
                ..Default::default()
            })
        }
    }

    #[test]
    fn a_pre_48_bit_drive_whose_native_max_cannot_be_read_gets_an_exception() {
        let mut commands = Commands::Ata(AtaDevice::new(Box::new(OldDrive)));
        let disk =
            ardoise_disk::discovery::file_target(std::path::Path::new("old.img"), 0x8000 * 512);
        let caps = DriveCapabilities {
            command_set: crate::capability::CommandSet::Ata,
            ..DriveCapabilities::block_only(&disk)
        };
        let out = remove_hidden_areas(&mut commands, &caps);
        assert_eq!(out.exceptions.len(), 1, "{out:#?}");
        assert_eq!(out.exceptions[0].code, ExceptionCode::HiddenAreaNotErased);
        assert!(out.exceptions[0].detail.contains("pre-48-bit"));
    }
}
