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

use ardoise_disk::{DiskInfo, Transport};

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
