//! The drive that answers the commands is the disk that was described.
//!
//! The disk layer already refuses a disk whose sysfs description changed since it was confirmed
//! ([`ardoise_disk::confirm`]). After the probe, the drive's own answers (IDENTIFY DEVICE, VPD
//! pages 80h/83h, Identify Controller and Namespace) must agree with that description too:
//! where the kernel's serial and WWN come from the same drive fields, a difference means the
//! commands reach another drive than the one whose blocks would be written, and the job is
//! refused before anything is sent that changes the drive.
//!
//! Compared per transport:
//! - ATA (libata) and SAS: serial (VPD 80h as the kernel read it / IDENTIFY words 10-19) and the
//!   NAA WWN, each when both sides have one;
//! - NVMe: the controller serial, and the namespace NGUID or EUI-64 when both sides have it;
//! - USB bridges: the WWN only — the kernel's serial may be the bridge's own, so a differing
//!   serial proves nothing (the fresh sysfs description still pins the bridge and its port);
//! - eMMC and block-only disks: the probe's identity *is* the fresh description.
//!
//! That fresh description can itself be the same for two disks: two drives of one model and
//! size swapped in a USB-SATA dock whose bridge reports its own serial and no WWN, two sticks or
//! memory cards of one model in one reader. So a front end that probed the disk before the
//! technician confirmed it carries what that probe saw in the job request
//! ([`ConfirmedDrive`], [`crate::request::JobRequest::confirmed`]), and after the probe of the
//! exclusive open, for every transport, USB included, [`confirmed_differences`] compares:
//! - the drive's own serial, WWN and model (IDENTIFY through SAT, VPD, Identify, CID), when the
//!   confirming probe read them;
//! - for a disk that gives no identity of its own (reads and writes only, or a drive without
//!   serial nor WWN), a fingerprint of its content taken by the confirming probe: BLAKE3 of its
//!   first and last MiB, where partition tables, boot sectors and filesystem headers differ
//!   from one disk to another. Nothing is written to a disk between its listing and its job,
//!   and nothing mounts it (it would be protected), so its content does not change; a disk
//!   erased since it was listed is refused too, and the list is read again.
//!
//! A drive whose own identity differs, or whose content differs, is refused before anything
//! is sent that changes it.

use ardoise_disk::block::{AlignedBuf, BlockIo};
use ardoise_disk::{DiskInfo, Transport};
use serde::{Deserialize, Serialize};

use crate::capability::CommandSet;
use crate::probe::ProbeReport;

/// Hex digits only, lower case: `"00 25 38 8b"`, `"0025388B"` and `"eui.0025388b"` agree.
fn hex_only(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Serial numbers as drives pad them: surrounding blanks and NULs do not count.
fn serial(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\0')
}

/// Differences between the drive's own identity (`probe`) and the fresh description `info`,
/// in words; empty when they agree or cannot be compared.
pub fn differences(info: &DiskInfo, probe: &ProbeReport) -> Vec<String> {
    let id = &probe.identity;
    let mut out = Vec::new();
    let compare_serial = matches!(
        (probe.capabilities.command_set, info.transport),
        (CommandSet::Ata, Transport::Ata)
            | (CommandSet::Scsi, Transport::Sas)
            | (CommandSet::Nvme, Transport::Nvme)
    );
    let (mine, theirs) = (serial(&info.serial), serial(&id.serial));
    if compare_serial && !mine.is_empty() && !theirs.is_empty() && mine != theirs {
        out.push(format!(
            "the drive reports serial {theirs:?}, the disk was listed with {mine:?}"
        ));
    }
    if probe.capabilities.command_set == CommandSet::BlockOnly {
        return out;
    }
    let Some(drive_wwn) = id.wwn.as_deref() else {
        return out;
    };
    // The kernel's identifier of the same kind as the drive's: NAA with NAA, NGUID with NGUID.
    let kernel = match drive_wwn.split_once('.').map(|(kind, _)| kind) {
        Some("naa") => info.wwn.as_deref().filter(|w| w.starts_with("naa.")),
        Some("nguid") => info.nguid.as_deref(),
        Some("eui") => info.eui64.as_deref(),
        _ => None,
    };
    if let Some(kernel) = kernel {
        if hex_only(kernel.split_once('.').map_or(kernel, |(_, v)| v))
            != hex_only(drive_wwn.split_once('.').map_or(drive_wwn, |(_, v)| v))
        {
            out.push(format!(
                "the drive reports identifier {drive_wwn}, the disk was listed with {kernel}"
            ));
        }
    }
    out
}

/// What the technician confirmed beyond the kernel's description: the drive's own identity as
/// the probe before the confirmation read it, and a fingerprint of the content of a disk that
/// has no identity of its own. Compared by [`confirmed_differences`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmedDrive {
    /// The identity below is the drive's own answer (IDENTIFY, VPD, Identify, an eMMC's CID);
    /// false when that probe reached the disk by reads and writes only.
    pub from_drive: bool,
    /// Serial number (empty when none).
    pub serial: String,
    /// World wide name, NGUID or EUI-64 as the probe spells it, when the drive reports one.
    #[serde(default)]
    pub wwn: Option<String>,
    /// Model.
    pub model: String,
    /// [`content_fingerprint`] of a disk with no identity of its own; `None` when it has one,
    /// or when its first or last MiB could not be read.
    #[serde(default)]
    pub content: Option<String>,
}

impl ConfirmedDrive {
    /// What `probe` (of the disk opened as `block`) saw, to be confirmed by the technician.
    pub fn from_probe(probe: &ProbeReport, block: &dyn BlockIo) -> ConfirmedDrive {
        let from_drive = probe.capabilities.command_set != CommandSet::BlockOnly;
        ConfirmedDrive {
            from_drive,
            serial: probe.identity.serial.clone(),
            wwn: probe.identity.wwn.clone(),
            model: probe.identity.model.clone(),
            content: if has_own_identity(probe) {
                None
            } else {
                content_fingerprint(block)
            },
        }
    }
}

/// Whether the drive answered with an identity of its own that tells it from another of its
/// model: a serial number or a world wide name, read by a command.
fn has_own_identity(probe: &ProbeReport) -> bool {
    probe.capabilities.command_set != CommandSet::BlockOnly
        && (!serial(&probe.identity.serial).is_empty() || probe.identity.wwn.is_some())
}

/// One MiB: the edge of the disk read by [`content_fingerprint`].
const EDGE: u64 = 1 << 20;

/// BLAKE3 (hex) of the disk's size, first MiB and last MiB (the whole disk when smaller than
/// two): partition tables (MBR, both GPT copies), boot sectors and filesystem headers. `None`
/// when a read fails (a locked or failing drive).
pub fn content_fingerprint(block: &dyn BlockIo) -> Option<String> {
    let size = block.size_bytes();
    let sector = u64::from(block.logical_sector_size().max(1));
    let edge = EDGE.min(size) / sector * sector;
    let mut h = blake3::Hasher::new();
    h.update(&size.to_le_bytes());
    let mut buf = AlignedBuf::new(edge as usize);
    let tail = size.saturating_sub(edge) / sector * sector;
    for offset in [0, tail] {
        if edge == 0 {
            break;
        }
        block.read_at(buf.as_mut_slice(), offset).ok()?;
        h.update(buf.as_slice());
    }
    Some(h.finalize().to_hex().to_string())
}

/// How the drive reached by the exclusive open (`probe`, `block`) differs from what was
/// confirmed, in words; empty when it is the same drive.
pub fn confirmed_differences(
    confirmed: &ConfirmedDrive,
    probe: &ProbeReport,
    block: &dyn BlockIo,
) -> Vec<String> {
    let id = &probe.identity;
    let mut out = Vec::new();
    if confirmed.from_drive {
        if probe.capabilities.command_set == CommandSet::BlockOnly {
            out.push(format!(
                "the drive answered with its own identity (serial {:?}) when it was confirmed, and answers no command now",
                confirmed.serial
            ));
            return out;
        }
        let (then, now) = (serial(&confirmed.serial), serial(&id.serial));
        if then != now {
            out.push(format!(
                "the drive reports serial {now:?}, the drive confirmed reported {then:?}"
            ));
        }
        let spell = |w: &Option<String>| w.as_deref().map(hex_only).unwrap_or_default();
        if spell(&confirmed.wwn) != spell(&id.wwn) {
            let show = |w: &Option<String>| w.clone().unwrap_or_else(|| "none".into());
            out.push(format!(
                "the drive reports identifier {}, the drive confirmed reported {}",
                show(&id.wwn),
                show(&confirmed.wwn)
            ));
        }
        if confirmed.model.trim() != id.model.trim() {
            out.push(format!(
                "the drive reports model {:?}, the drive confirmed reported {:?}",
                id.model.trim(),
                confirmed.model.trim()
            ));
        }
    }
    if let Some(then) = &confirmed.content {
        match content_fingerprint(block) {
            Some(now) if now == *then => {}
            Some(_) => out.push(
                "its first and last MiB are not those of the disk confirmed (the disk has no identity of its own, so its content is what tells it from another of its model)"
                    .to_string(),
            ),
            None => out.push(
                "its first and last MiB could be read when it was confirmed and cannot be read now"
                    .to_string(),
            ),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capability::DriveCapabilities;
    use crate::probe::DriveIdentity;

    fn disk(transport: Transport) -> DiskInfo {
        let mut d = ardoise_disk::discovery::file_target(std::path::Path::new("/dev/x"), 4096);
        d.transport = transport;
        d.serial = "WD-123".into();
        d.wwn = Some("naa.5000c500a1b2c3d4".into());
        d.nguid = Some("01234567-89ab-cdef-0123-456789abcdef".into());
        d.eui64 = Some("00 25 38 8b 71 b0 12 34".into());
        d
    }

    fn probe(set: CommandSet, serial: &str, wwn: Option<&str>) -> ProbeReport {
        let mut capabilities = DriveCapabilities::block_only(&disk(Transport::Ata));
        capabilities.command_set = set;
        ProbeReport {
            capabilities,
            health: None,
            identity: DriveIdentity {
                model: "M".into(),
                serial: serial.into(),
                firmware: "F".into(),
                wwn: wwn.map(str::to_string),
            },
            notes: Vec::new(),
        }
    }

    #[test]
    fn matching_identities_pass_whatever_the_spelling() {
        let ata = probe(CommandSet::Ata, "  WD-123\0", Some("naa.5000C500A1B2C3D4"));
        assert!(differences(&disk(Transport::Ata), &ata).is_empty());
        let nvme = probe(
            CommandSet::Nvme,
            "WD-123",
            Some("nguid.0123456789abcdef0123456789abcdef"),
        );
        assert!(differences(&disk(Transport::Nvme), &nvme).is_empty());
        let eui = probe(CommandSet::Nvme, "WD-123", Some("eui.0025388b71b01234"));
        assert!(differences(&disk(Transport::Nvme), &eui).is_empty());
    }

    #[test]
    fn another_serial_or_wwn_is_a_difference() {
        let other_serial = probe(CommandSet::Ata, "WD-999", None);
        assert_eq!(differences(&disk(Transport::Ata), &other_serial).len(), 1);
        let other_wwn = probe(CommandSet::Scsi, "WD-123", Some("naa.5000c500ffffffff"));
        assert_eq!(differences(&disk(Transport::Sas), &other_wwn).len(), 1);
        let other_ns = probe(CommandSet::Nvme, "WD-123", Some("eui.0025388b71b0ffff"));
        assert_eq!(differences(&disk(Transport::Nvme), &other_ns).len(), 1);
    }

    #[test]
    fn a_usb_bridge_serial_proves_nothing_but_its_wwn_does() {
        let bridge = probe(CommandSet::Ata, "DRIVE-SERIAL", None);
        assert!(differences(&disk(Transport::Usb), &bridge).is_empty());
        let other = probe(
            CommandSet::Ata,
            "DRIVE-SERIAL",
            Some("naa.5000c500ffffffff"),
        );
        assert_eq!(differences(&disk(Transport::Usb), &other).len(), 1);
    }
}
