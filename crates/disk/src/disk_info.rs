//! What ardoise knows about a disk, as plain data shared by every layer above.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How the disk is attached. Decides which command set can reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// SATA/PATA through libata (ATA commands via SAT ATA PASS-THROUGH).
    Ata,
    /// SAS or parallel SCSI (SCSI commands).
    Sas,
    /// NVMe namespace.
    Nvme,
    /// USB mass storage (a SAT bridge may or may not pass ATA commands).
    Usb,
    /// eMMC or SD card on an MMC host.
    Mmc,
    /// virtio-blk (virtual machines).
    Virtio,
    /// Loop device (tests).
    Loop,
    /// A regular file used as a target (development and tests).
    File,
    /// A disk of the built-in simulator.
    Simulated,
    /// Anything else (device-mapper, md, unknown bus).
    Other,
}

impl Transport {
    /// The stable lowercase name used in JSON and reports ("ata", "nvme"...).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Ata => "ata",
            Transport::Sas => "sas",
            Transport::Nvme => "nvme",
            Transport::Usb => "usb",
            Transport::Mmc => "mmc",
            Transport::Virtio => "virtio",
            Transport::Loop => "loop",
            Transport::File => "file",
            Transport::Simulated => "simulated",
            Transport::Other => "other",
        }
    }
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of storage medium, as far as the host can tell. Decides which techniques purge it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// Rotating magnetic disk.
    Hdd,
    /// Flash SSD on an ATA/SAS interface.
    Ssd,
    /// NVMe flash.
    NvmeSsd,
    /// eMMC or SD flash.
    Emmc,
    /// USB flash stick or card reader (no reliable purge).
    UsbFlash,
    /// A virtual or test disk whose physical medium is unknown.
    Virtual,
    /// A logical volume a RAID controller composed from disks the host cannot reach one by one
    /// (see [`crate::controllers::raid_volume_of`]).
    RaidVolume,
    /// Nothing tells what the medium is.
    Unknown,
}

impl MediaKind {
    /// Whether the medium is known to be flash. The planner picks the flash overwrite scheme
    /// and the spare-block limitation from this; a medium it cannot name keeps the magnetic
    /// choices.
    pub fn is_known_flash(self) -> bool {
        match self {
            MediaKind::Ssd | MediaKind::NvmeSsd | MediaKind::Emmc | MediaKind::UsbFlash => true,
            MediaKind::Hdd | MediaKind::Virtual | MediaKind::RaidVolume | MediaKind::Unknown => {
                false
            }
        }
    }

    /// Whether the medium is, or may be, flash with spare blocks the host cannot address. The
    /// certificate says so whenever it cannot be ruled out (a RAID volume's members, an
    /// unknown medium): a certificate must not claim more than was seen, and its validator
    /// requires the statement for these media types.
    pub fn may_hide_spare_flash(self) -> bool {
        match self {
            MediaKind::RaidVolume | MediaKind::Unknown => true,
            MediaKind::Ssd
            | MediaKind::NvmeSsd
            | MediaKind::Emmc
            | MediaKind::UsbFlash
            | MediaKind::Hdd
            | MediaKind::Virtual => self.is_known_flash(),
        }
    }
}

/// Why a disk must never be erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProtectionReason {
    /// It holds the medium the live system booted from (or the root filesystem).
    BootMedium {
        /// What identifies it as the boot medium, in words.
        detail: String,
    },
    /// A filesystem on it (or on a partition or holder of it) is mounted.
    Mounted {
        /// The mounted block device.
        device: String,
        /// Where it is mounted.
        mountpoint: String,
    },
    /// Swap is active on it (or on a partition or holder of it).
    Swap {
        /// The block device swap is on.
        device: String,
    },
    /// An md/device-mapper holder above it is active.
    Holder {
        /// The holder's kernel name (dm-0, md127...).
        holder: String,
    },
    /// Another program holds it open exclusively (O_EXCL open failed with EBUSY).
    Busy {
        /// What the exclusive open returned.
        detail: String,
    },
    /// The kernel marks it read-only.
    ReadOnly,
    /// What is mounted, swapped on or booted from could not be read, so no disk can be called
    /// free.
    CannotTell {
        /// What could not be read, and why.
        detail: String,
    },
}

impl std::fmt::Display for ProtectionReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProtectionReason::BootMedium { detail } => write!(f, "boot medium ({detail})"),
            ProtectionReason::Mounted { device, mountpoint } => {
                write!(f, "{device} is mounted on {mountpoint}")
            }
            ProtectionReason::Swap { device } => write!(f, "swap is active on {device}"),
            ProtectionReason::Holder { holder } => write!(f, "in use by {holder}"),
            ProtectionReason::Busy { detail } => write!(f, "busy: {detail}"),
            ProtectionReason::ReadOnly => f.write_str("read-only"),
            ProtectionReason::CannotTell { detail } => {
                write!(f, "cannot tell whether it is in use ({detail})")
            }
        }
    }
}

/// A mounted filesystem or active swap found on the disk or one of its partitions/holders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountUse {
    /// The block device that is mounted (`/dev/sda1`, `/dev/dm-0`...).
    pub device: String,
    /// The mount point, or "[swap]".
    pub mountpoint: String,
    /// The filesystem type ("ext4", "swap"...).
    pub fstype: String,
}

/// One whole disk as discovered. Serialised as the stable `ardoise list --json` object
/// documented in docs/cli.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskInfo {
    /// Kernel name (`sda`, `nvme0n1`, `loop3`) or the file name for file and simulated targets.
    pub name: String,
    /// Device node or file path used to open it (for a simulated disk: `sim:<profile>`).
    pub path: PathBuf,
    /// Model as the device reports it.
    pub model: String,
    /// Serial number as the device reports it (empty when unknown).
    pub serial: String,
    /// Firmware revision, when reported.
    pub firmware: String,
    /// Vendor as reported by the device or bus (SCSI vendor, NVMe PCI vendor id...), if any.
    #[serde(default)]
    pub vendor: String,
    /// World Wide Name (ATA/SCSI), if any.
    #[serde(default)]
    pub wwn: Option<String>,
    /// NVMe namespace EUI-64, if any.
    #[serde(default)]
    pub eui64: Option<String>,
    /// NVMe namespace NGUID, if any.
    #[serde(default)]
    pub nguid: Option<String>,
    /// Addressable size in bytes.
    pub size_bytes: u64,
    /// Logical sector size in bytes.
    pub logical_sector_size: u32,
    /// Physical sector size in bytes.
    pub physical_sector_size: u32,
    /// The kernel's rotational flag (queue/rotational).
    pub rotational: bool,
    /// The kernel's removable flag.
    pub removable: bool,
    /// The kernel marks the device read-only.
    pub read_only: bool,
    /// How the disk is attached, hence which commands reach it.
    pub transport: Transport,
    /// What kind of medium it is, as far as can be told.
    pub media: MediaKind,
    /// `/sys/devices/...` path of the disk, when it has one.
    #[serde(default)]
    pub sysfs_path: Option<PathBuf>,
    /// Kernel names of its partitions.
    #[serde(default)]
    pub partitions: Vec<String>,
    /// Kernel names of holders (dm-*, md*) above the disk or its partitions.
    #[serde(default)]
    pub holders: Vec<String>,
    /// Mounted filesystems and active swap on it, its partitions or holders.
    #[serde(default)]
    pub mounts: Vec<MountUse>,
    /// True when the disk must never be erased; `protected_reasons` says why.
    pub protected: bool,
    /// First reason in words (stable field for scripts), or null.
    pub protected_reason: Option<String>,
    /// Every reason the disk is protected, in order.
    #[serde(default)]
    pub protected_reasons: Vec<ProtectionReason>,
    /// Set when the disk is a RAID controller's logical volume rather than a physical disk.
    #[serde(default)]
    pub raid_volume: Option<RaidVolume>,
}

impl DiskInfo {
    /// Adds a protection reason and keeps the summary fields in step.
    pub fn protect(&mut self, reason: ProtectionReason) {
        if !self.protected_reasons.contains(&reason) {
            if self.protected_reason.is_none() {
                self.protected_reason = Some(reason.to_string());
            }
            self.protected_reasons.push(reason);
        }
        self.protected = true;
    }

    /// The path as a string, for display.
    pub fn path_display(&self) -> String {
        self.path.display().to_string()
    }
}

/// A disk that is a RAID logical volume, and the controller that makes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaidVolume {
    /// PCI address of the RAID controller.
    pub controller: String,
    /// Its driver (`megaraid_sas`, `hpsa`...).
    pub driver: String,
}
