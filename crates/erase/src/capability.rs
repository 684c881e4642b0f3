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
    /// NVMe admin commands (NVMe Base 2.0) through `NVME_IOCTL_ADMIN_CMD` (docs/standards.md §2).
    Nvme,
    /// eMMC commands (JESD84-B51) through `MMC_IOC_CMD` (docs/standards.md §4).
    Mmc,
    /// Only reads and writes (virtio, loop, file, USB bridges that pass nothing).
    BlockOnly,
}

/// ATA Security feature set state (IDENTIFY word 128 and the erase-time words 89/90).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtaSecurity {
    /// Security feature set supported (word 128 bit 0).
    pub supported: bool,
    /// A user password is set (word 128 bit 1): the drive is protected until it is disabled.
    pub enabled: bool,
    /// The drive is locked (word 128 bit 2): reads and writes are refused until SECURITY UNLOCK.
    pub locked: bool,
    /// SECURITY FREEZE LOCK is in effect (word 128 bit 3): security commands are refused until a
    /// power-on or hardware reset (docs/standards.md §1.5).
    pub frozen: bool,
    /// The password attempt counter has expired (word 128 bit 4): no further UNLOCK is accepted
    /// until a power cycle.
    pub count_expired: bool,
    /// Enhanced SECURITY ERASE UNIT is supported (word 128 bit 5).
    pub enhanced_supported: bool,
    /// Drive's own estimate for SECURITY ERASE UNIT, minutes (None = not reported).
    pub normal_erase_minutes: Option<u32>,
    /// Drive's own estimate for the enhanced SECURITY ERASE UNIT, minutes (word 90; None = not
    /// reported).
    pub enhanced_erase_minutes: Option<u32>,
}

/// ATA SANITIZE feature set (IDENTIFY word 59).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtaSanitize {
    /// Sanitize feature set supported (word 59 bit 12).
    pub supported: bool,
    /// SANITIZE CRYPTO SCRAMBLE EXT supported (word 59 bit 13).
    pub crypto_scramble: bool,
    /// SANITIZE BLOCK ERASE EXT supported (word 59 bit 15).
    pub block_erase: bool,
    /// SANITIZE OVERWRITE EXT supported (word 59 bit 14).
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
    /// Host Protected Area feature set supported (IDENTIFY word 82 bit 10).
    pub hpa_supported: bool,
    /// Device Configuration Overlay supported (IDENTIFY word 83 bit 11).
    pub dco_supported: bool,
    /// Accessible Max Address Configuration supported (IDENTIFY word 119 bit 8 with word 80 bit
    /// 10), so the native maximum is read with GET NATIVE MAX ADDRESS EXT (docs/standards.md §1.7).
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

    /// An HPA or accessible-max restriction hides sectors: the native maximum exceeds the visible
    /// size.
    pub fn hpa_present(&self) -> bool {
        self.native_sectors
            .is_some_and(|n| n > self.visible_sectors)
    }

    /// DCO hides sectors beyond the native maximum (or beyond the visible size when the native
    /// maximum could not be read).
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
    /// SANICAP bit 0: Sanitize Crypto Erase supported (NVMe Base 2.0, Identify Controller;
    /// docs/standards.md §2.2).
    pub sanitize_crypto: bool,
    /// SANICAP bit 1: Sanitize Block Erase supported.
    pub sanitize_block: bool,
    /// SANICAP bit 2: Sanitize Overwrite supported.
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
    /// Namespace id of the namespace being erased (the block device's NSID).
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
    /// OVERWRITE service action supported (SBC-4, SANITIZE; docs/standards.md §3.2).
    pub overwrite: Option<bool>,
    /// BLOCK ERASE service action supported.
    pub block_erase: Option<bool>,
    /// CRYPTOGRAPHIC ERASE service action supported.
    pub crypto_erase: Option<bool>,
}

/// eMMC capabilities (EXT_CSD SEC_FEATURE_SUPPORT).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MmcCaps {
    /// SEC_FEATURE_SUPPORT bit 0 SECURE_ER_EN: secure erase (CMD38 argument 8000_0000h) supported
    /// (docs/standards.md §4.2, §4.4).
    pub secure_erase: bool,
    /// Secure trim (CMD38 arguments 8000_0001h then 8000_8000h) supported: SECURE_ER_EN and
    /// SEC_GB_CL_EN both set.
    pub secure_trim: bool,
    /// SEC_FEATURE_SUPPORT bit 6 SEC_SANITIZE: SANITIZE_START supported (docs/standards.md §4.3).
    pub sanitize: bool,
    /// SEC_FEATURE_SUPPORT bit 4 SEC_GB_CL_EN: TRIM (CMD38 argument 0000_0001h) supported.
    pub trim: bool,
    /// Size of each boot partition (boot0, boot1), bytes; 0 when there are none.
    #[serde(default)]
    pub boot_partition_bytes: u64,
    /// Sizes of the general-purpose partitions, bytes.
    #[serde(default)]
    pub gp_partition_bytes: Vec<u64>,
    #[serde(default)]
    /// Size of the replay-protected memory block partition (RPMB_SIZE_MULT × 128 KiB), bytes; 0
    /// when there is none. Erase commands do not reach it.
    pub rpmb_bytes: u64,
}

/// Everything the planner needs to know about one drive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriveCapabilities {
    /// Which command set reaches the drive, hence which firmware methods can be tried.
    pub command_set: CommandSet,
    /// Kind of medium (hard disk, SSD, NVMe, eMMC, USB flash, virtual), which decides what a
    /// method achieves (SP 800-88 Rev. 1, Appendix A).
    pub media: ardoise_disk::MediaKind,
    /// How the drive is attached (SATA, USB, NVMe, virtio, ...).
    pub transport: ardoise_disk::Transport,
    /// What the kernel lets the computer reach (the block device's size).
    pub size_bytes: u64,
    /// Logical sector size, bytes: the unit of addresses on the block device.
    pub logical_sector_size: u32,
    /// What the drive itself reports: IDENTIFY's user sectors (after any max address),
    /// READ CAPACITY(16), or NVMe NSZE × LBA size. `None` for block-only disks.
    #[serde(default)]
    pub drive_bytes: Option<u64>,
    #[serde(default)]
    /// ATA Security feature set, when the drive speaks ATA.
    pub ata_security: Option<AtaSecurity>,
    #[serde(default)]
    /// ATA Sanitize feature set, when the drive speaks ATA.
    pub ata_sanitize: Option<AtaSanitize>,
    #[serde(default)]
    /// Hidden areas (HPA/DCO); `None` when they could not all be measured or the drive is not ATA.
    pub hidden: Option<HiddenAreas>,
    #[serde(default)]
    /// NVMe Sanitize and Format NVM capabilities, when the drive is an NVMe namespace.
    pub nvme: Option<NvmeCaps>,
    #[serde(default)]
    /// SCSI SANITIZE service actions, when the drive speaks SCSI.
    pub scsi_sanitize: Option<ScsiSanitize>,
    #[serde(default)]
    /// eMMC erase and sanitize capabilities, when the drive is an eMMC.
    pub mmc: Option<MmcCaps>,
    /// Kernel names of the card's hardware partitions that sysfs shows beside an MMC disk
    /// (`mmcblk0boot0`, `mmcblk0boot1`, `mmcblk0rpmb`, `mmcblk0gp0`…), whatever EXT_CSD said.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mmc_hardware_partitions: Vec<String>,
    /// The card on the MMC host is an SD card (sysfs `device/type` is `SD`): the SD physical
    /// layer has no boot, RPMB or general-purpose partitions to miss, unlike an eMMC.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mmc_card_is_sd: bool,
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
            mmc_hardware_partitions: Vec::new(),
            mmc_card_is_sd: false,
            block_secure_discard: false,
            notes: Vec::new(),
            limits: HostLimits::default(),
        }
    }
}
