//! What a drive supports, as plain data: filled by probing (IDENTIFY, Identify Controller,
//! REPORT SUPPORTED OPERATION CODES, EXT_CSD) and read by the planner. Keeping this free of
//! protocol types lets the decision table be tested exhaustively on its own.

use serde::{Deserialize, Serialize};

/// Which command set reaches the drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandSet {
    /// ATA commands through SAT (SATA through libata, or a USB bridge that passes them).
    Ata,
    /// SCSI commands (SAS disks).
    Scsi,
    Nvme,
    Mmc,
    /// Only reads and writes (virtio, loop, file, USB bridges that pass nothing).
    BlockOnly,
}

/// ATA Security feature set state (IDENTIFY word 128 and the erase-time words 89/90).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtaSecurity {
    pub supported: bool,
    pub enabled: bool,
    pub locked: bool,
    pub frozen: bool,
    pub count_expired: bool,
    pub enhanced_supported: bool,
    /// Drive's own estimate for SECURITY ERASE UNIT, minutes (None = not reported).
    pub normal_erase_minutes: Option<u32>,
    pub enhanced_erase_minutes: Option<u32>,
}

/// ATA SANITIZE feature set (IDENTIFY word 59).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtaSanitize {
    pub supported: bool,
    pub crypto_scramble: bool,
    pub block_erase: bool,
    pub overwrite: bool,
    /// SANITIZE FREEZE LOCK is in effect (status reported by SANITIZE STATUS EXT).
    pub frozen: bool,
}

/// Hidden areas: what the host sees versus what the drive holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenAreas {
    /// Sectors the host can address now.
    pub visible_sectors: u64,
    /// Native max + 1 (READ NATIVE MAX ADDRESS / GET NATIVE MAX ADDRESS), if it could be read.
    pub native_sectors: Option<u64>,
    /// Maximum according to DEVICE CONFIGURATION IDENTIFY, if DCO is supported.
    pub dco_max_sectors: Option<u64>,
    pub hpa_supported: bool,
    pub dco_supported: bool,
    pub amax_supported: bool,
}

impl HiddenAreas {
    /// Sectors the host cannot reach (HPA and DCO together), as far as could be measured.
    pub fn hidden_sectors(&self) -> u64 {
        let top = self
            .dco_max_sectors
            .into_iter()
            .chain(self.native_sectors)
            .max()
            .unwrap_or(self.visible_sectors);
        top.saturating_sub(self.visible_sectors)
    }

    pub fn hpa_present(&self) -> bool {
        self.native_sectors
            .is_some_and(|n| n > self.visible_sectors)
    }

    pub fn dco_present(&self) -> bool {
        match (self.dco_max_sectors, self.native_sectors) {
            (Some(dco), Some(native)) => dco > native,
            (Some(dco), None) => dco > self.visible_sectors,
            _ => false,
        }
    }
}

/// NVMe capabilities (Identify Controller SANICAP, OACS, FNA).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NvmeCaps {
    pub sanitize_crypto: bool,
    pub sanitize_block: bool,
    pub sanitize_overwrite: bool,
    /// SANICAP NDI (bit 29) clear: the controller honours No-Deallocate After Sanitize, so a
    /// crypto erase can leave the data in place (readable, under a new key) to be checked.
    #[serde(default)]
    pub sanitize_keeps_data: bool,
    /// OACS bit 1.
    pub format_supported: bool,
    /// FNA bit 0: a format applies to every namespace.
    pub format_applies_to_all_namespaces: bool,
    /// FNA bit 2: Format with SES=2 (cryptographic erase) is supported.
    pub format_crypto_erase: bool,
    /// Number of namespaces (NN) — several means a sanitize or an all-namespace format erases them all.
    pub namespaces: u32,
    pub nsid: u32,
    /// FNA bit 1: a secure erase (Format with SES 1 or 2) of one namespace erases them all.
    #[serde(default)]
    pub secure_erase_applies_to_all_namespaces: bool,
}

/// What the station, not the drive, forbids. Filled in by [`crate::job::prepare`] before
/// planning; the planner marks the methods concerned unsupported with these reasons, so `auto`
/// picks the next one ([`crate::limits`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostLimits {
    /// Why ATA SECURITY ERASE UNIT must not run: the password vault would not survive a power cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_vault: Option<String>,
    /// Why no command may reach the controller's other namespaces (one is protected or in use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_namespaces: Option<String>,
}

/// SCSI SANITIZE service actions the device reports (REPORT SUPPORTED OPERATION CODES).
/// `None` = the device could not say (REPORT SUPPORTED OPERATION CODES not supported).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScsiSanitize {
    pub overwrite: Option<bool>,
    pub block_erase: Option<bool>,
    pub crypto_erase: Option<bool>,
}

/// eMMC capabilities (EXT_CSD SEC_FEATURE_SUPPORT).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MmcCaps {
    pub secure_erase: bool,
    pub secure_trim: bool,
    pub sanitize: bool,
    pub trim: bool,
    /// Size of each boot partition (boot0, boot1), bytes; 0 when there are none.
    #[serde(default)]
    pub boot_partition_bytes: u64,
    /// Sizes of the general-purpose partitions, bytes.
    #[serde(default)]
    pub gp_partition_bytes: Vec<u64>,
    #[serde(default)]
    pub rpmb_bytes: u64,
}

/// Everything the planner needs to know about one drive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriveCapabilities {
    pub command_set: CommandSet,
    pub media: ardoise_disk::MediaKind,
    pub transport: ardoise_disk::Transport,
    /// What the kernel lets the computer reach (the block device's size).
    pub size_bytes: u64,
    pub logical_sector_size: u32,
    /// What the drive itself reports: IDENTIFY's user sectors (after any max address),
    /// READ CAPACITY(16), or NVMe NSZE × LBA size. `None` for block-only disks.
    #[serde(default)]
    pub drive_bytes: Option<u64>,
    #[serde(default)]
    pub ata_security: Option<AtaSecurity>,
    #[serde(default)]
    pub ata_sanitize: Option<AtaSanitize>,
    #[serde(default)]
    pub hidden: Option<HiddenAreas>,
    #[serde(default)]
    pub nvme: Option<NvmeCaps>,
    #[serde(default)]
    pub scsi_sanitize: Option<ScsiSanitize>,
    #[serde(default)]
    pub mmc: Option<MmcCaps>,
    /// BLKSECDISCARD is available on the block device.
    #[serde(default)]
    pub block_secure_discard: bool,
    /// Probing notes that matter to a technician (e.g. "the USB bridge passes no ATA commands").
    #[serde(default)]
    pub notes: Vec<String>,
    /// Limits the station sets (vault durability, other namespaces in use).
    #[serde(default)]
    pub limits: HostLimits,
}

impl DriveCapabilities {
    /// A drive reachable only by reads and writes.
    pub fn block_only(disk: &ardoise_disk::DiskInfo) -> Self {
        DriveCapabilities {
            command_set: CommandSet::BlockOnly,
            media: disk.media,
            transport: disk.transport,
            size_bytes: disk.size_bytes,
            logical_sector_size: disk.logical_sector_size,
            drive_bytes: None,
            ata_security: None,
            ata_sanitize: None,
            hidden: None,
            nvme: None,
            scsi_sanitize: None,
            mmc: None,
            block_secure_discard: false,
            notes: Vec::new(),
            limits: HostLimits::default(),
        }
    }
}
