//! The EXT_CSD register (512 bytes) and what ardoise reads from it (JESD84-B51 Extended CSD
//! register; docs/standards.md §4.2).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::command::EraseKind;
use super::ext_csd_index as idx;
use super::EXT_CSD_LEN;

/// SEC_FEATURE_SUPPORT bits.
pub mod sec_feature {
    /// SECURE_ER_EN: secure erase / secure trim purge.
    pub const SECURE_ER_EN: u8 = 1 << 0;
    /// SEC_BD_BLK_EN: secure purge of bad blocks.
    pub const SEC_BD_BLK_EN: u8 = 1 << 2;
    /// SEC_GB_CL_EN: TRIM and secure trim (garbage collection) supported.
    pub const SEC_GB_CL_EN: u8 = 1 << 4;
    /// SEC_SANITIZE: sanitize supported (eMMC 4.5+).
    pub const SEC_SANITIZE: u8 = 1 << 6;
}

/// The EXT_CSD fields ardoise uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtCsd {
    /// [192] 5 = eMMC 4.41, 6 = 4.5, 7 = 5.0, 8 = 5.1.
    pub ext_csd_rev: u8,
    /// [215:212] user-area size in 512-byte sectors (devices over 2 GB).
    pub sec_count: u32,
    /// [231].
    pub sec_feature_support: u8,
    /// [175] bit 0: erase groups are HC_ERASE_GRP_SIZE (else the legacy CSD size).
    pub erase_group_def: u8,
    /// [224] erase group size in units of 512 KiB.
    pub hc_erase_grp_size: u8,
    /// [221] write-protect group size in erase groups.
    pub hc_wp_grp_size: u8,
    /// [223] erase timeout per group in units of 300 ms.
    pub erase_timeout_mult: u8,
    /// [181] 0: erased memory reads 0x00, 1: reads 0xFF.
    pub erased_mem_cont: u8,
    /// [229] / [230] secure trim / secure erase timeout multipliers (obsolete in 4.5).
    pub sec_trim_mult: u8,
    /// SEC_ERASE_MULT (`EXT_CSD[230]`): the secure erase timeout is ERASE_TIMEOUT_MULT ×
    /// 300 ms × this, per erase group.
    pub sec_erase_mult: u8,
    /// [232] TRIM / DISCARD timeout per group in units of 300 ms.
    pub trim_mult: u8,
    /// [16] SECURE_REMOVAL_TYPE.
    pub secure_removal_type: u8,
    /// [160] PARTITIONING_SUPPORT; [179] PARTITION_CONFIG; [226] boot partition size ×128 KiB.
    pub partitioning_support: u8,
    /// PARTITION_CONFIG (`EXT_CSD[179]`): boot partition enable and the partition currently
    /// accessed.
    pub partition_config: u8,
    /// BOOT_SIZE_MULT (`EXT_CSD[226]`): size of each boot partition in units of 128 KiB.
    pub boot_mult: u8,
    /// [154:143] GP_SIZE_MULT of the four general-purpose partitions (0: none);
    /// [155] PARTITION_SETTING_COMPLETED; [168] RPMB size ×128 KiB.
    pub gp_size_mult: [u32; 4],
    /// PARTITION_SETTING_COMPLETED (`EXT_CSD[155]`): bit 0 set once the partition layout is
    /// final.
    pub partition_setting_completed: u8,
    /// RPMB_SIZE_MULT (`EXT_CSD[168]`): size of the replay-protected memory block in units of
    /// 128 KiB.
    pub rpmb_mult: u8,
    /// [252:249] volatile cache size (kilobytes); [33] CACHE_CTRL bit 0 cache on.
    pub cache_size: u32,
    /// CACHE_CTRL (`EXT_CSD[33]`): bit 0 set while the volatile cache is on.
    pub cache_ctrl: u8,
    /// [267] PRE_EOL_INFO, [268]/[269] DEVICE_LIFE_TIME_EST_TYP_A/B (health, eMMC 5.0+).
    pub pre_eol_info: u8,
    /// DEVICE_LIFE_TIME_EST_TYP_A (`EXT_CSD[268]`): wear of type A memory, 01h–0Ah in steps of
    /// 10 % of its life, 0Bh beyond; 0 not defined.
    pub life_time_est_a: u8,
    /// DEVICE_LIFE_TIME_EST_TYP_B (`EXT_CSD[269]`): the same estimate for type B memory.
    pub life_time_est_b: u8,
}

/// An EXT_CSD buffer of the wrong size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("EXT_CSD: {0} bytes, need 512")]
pub struct ExtCsdLength(pub usize);

impl ExtCsd {
    /// Reads the fields from a buffer of at least 512 bytes (longer buffers are accepted; the
    /// bytes past 512 are ignored).
    pub fn parse(b: &[u8]) -> Result<Self, ExtCsdLength> {
        if b.len() < EXT_CSD_LEN {
            return Err(ExtCsdLength(b.len()));
        }
        let le32 = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"));
        Ok(ExtCsd {
            ext_csd_rev: b[idx::EXT_CSD_REV],
            sec_count: le32(idx::SEC_COUNT),
            sec_feature_support: b[idx::SEC_FEATURE_SUPPORT],
            erase_group_def: b[idx::ERASE_GROUP_DEF],
            hc_erase_grp_size: b[idx::HC_ERASE_GRP_SIZE],
            hc_wp_grp_size: b[idx::HC_WP_GRP_SIZE],
            erase_timeout_mult: b[idx::ERASE_TIMEOUT_MULT],
            erased_mem_cont: b[idx::ERASED_MEM_CONT],
            sec_trim_mult: b[idx::SEC_TRIM_MULT],
            sec_erase_mult: b[idx::SEC_ERASE_MULT],
            trim_mult: b[idx::TRIM_MULT],
            secure_removal_type: b[idx::SECURE_REMOVAL_TYPE],
            partitioning_support: b[idx::PARTITIONING_SUPPORT],
            partition_config: b[idx::PARTITION_CONFIG],
            boot_mult: b[idx::BOOT_MULT],
            gp_size_mult: std::array::from_fn(|i| {
                let at = idx::GP_SIZE_MULT + 3 * i;
                u32::from_le_bytes([b[at], b[at + 1], b[at + 2], 0])
            }),
            partition_setting_completed: b[idx::PARTITION_SETTING_COMPLETED],
            rpmb_mult: b[idx::RPMB_SIZE_MULT],
            cache_size: le32(idx::CACHE_SIZE),
            cache_ctrl: b[idx::CACHE_CTRL],
            pre_eol_info: b[idx::PRE_EOL_INFO],
            life_time_est_a: b[idx::DEVICE_LIFE_TIME_EST_TYP_A],
            life_time_est_b: b[idx::DEVICE_LIFE_TIME_EST_TYP_B],
        })
    }

    /// Size of each of the two boot partitions (boot0, boot1), bytes.
    pub fn boot_partition_bytes(&self) -> u64 {
        u64::from(self.boot_mult) * (128 << 10)
    }

    /// Sizes of the general-purpose partitions that exist, bytes (GP_SIZE_MULT ×
    /// HC_WP_GRP_SIZE × HC_ERASE_GRP_SIZE × 512 KiB).
    pub fn gp_partition_bytes(&self) -> Vec<u64> {
        let unit = u64::from(self.hc_wp_grp_size) * u64::from(self.hc_erase_grp_size) * (512 << 10);
        self.gp_size_mult
            .iter()
            .filter(|&&m| m != 0)
            .map(|&m| u64::from(m) * unit)
            .collect()
    }

    /// Size of the replay-protected memory block, bytes.
    pub fn rpmb_bytes(&self) -> u64 {
        u64::from(self.rpmb_mult) * (128 << 10)
    }

    /// "4.41", "4.5", "5.0", "5.1"...
    pub fn version(&self) -> &'static str {
        match self.ext_csd_rev {
            0 => "4.0",
            1 => "4.1",
            2 => "4.2",
            3 => "4.3",
            5 => "4.41",
            6 => "4.5",
            7 => "5.0",
            8 => "5.1",
            _ => "unknown",
        }
    }

    /// SEC_FEATURE_SUPPORT bit 0 (SECURE_ER_EN): secure erase and the secure trim purge.
    pub fn supports_secure_erase(&self) -> bool {
        self.sec_feature_support & sec_feature::SECURE_ER_EN != 0
    }
    /// SEC_FEATURE_SUPPORT bit 4 (SEC_GB_CL_EN): TRIM.
    pub fn supports_trim(&self) -> bool {
        self.sec_feature_support & sec_feature::SEC_GB_CL_EN != 0
    }
    /// Secure trim needs both the secure purge and the trim support bits.
    pub fn supports_secure_trim(&self) -> bool {
        self.supports_secure_erase() && self.supports_trim()
    }
    /// SEC_FEATURE_SUPPORT bit 6 (SEC_SANITIZE): sanitize (eMMC 4.5+).
    pub fn supports_sanitize(&self) -> bool {
        self.sec_feature_support & sec_feature::SEC_SANITIZE != 0
    }
    /// DISCARD exists from eMMC 4.5 (EXT_CSD_REV 6).
    pub fn supports_discard(&self) -> bool {
        self.ext_csd_rev >= 6
    }

    /// Whether the card advertises the CMD38 variant `kind`.
    pub fn supports(&self, kind: EraseKind) -> bool {
        match kind {
            EraseKind::Erase => true,
            EraseKind::Trim => self.supports_trim(),
            EraseKind::Discard => self.supports_discard(),
            EraseKind::SecureErase => self.supports_secure_erase(),
            EraseKind::SecureTrim1 | EraseKind::SecureTrim2 => self.supports_secure_trim(),
        }
    }

    /// User area in bytes: SEC_COUNT × 512.
    pub fn capacity_bytes(&self) -> u64 {
        u64::from(self.sec_count) * 512
    }

    /// Erase group size in 512-byte sectors, when EXT_CSD defines it (ERASE_GROUP_DEF bit 0
    /// and a non-zero HC_ERASE_GRP_SIZE); otherwise the legacy CSD value applies, which this
    /// layer does not read.
    pub fn erase_group_sectors(&self) -> Option<u64> {
        (self.erase_group_def & 1 != 0 && self.hc_erase_grp_size != 0)
            .then(|| u64::from(self.hc_erase_grp_size) * 1024)
    }

    /// How long SANITIZE may take: the card gives no figure of its own for it, so the time
    /// its own figures allow to erase every erase group (300 ms × ERASE_TIMEOUT_MULT per
    /// group), and never less than the kernel's default (MMC_SANITIZE_TIMEOUT_MS, 240 s),
    /// which a large card's sanitize can outlast.
    pub fn sanitize_timeout(&self) -> Duration {
        const KERNEL_DEFAULT: Duration = Duration::from_secs(240);
        let whole_card = self.erase_group_sectors().and_then(|g| {
            let groups = u64::from(self.sec_count).div_ceil(g);
            self.erase_timeout(EraseKind::Erase, groups)
        });
        whole_card.map_or(KERNEL_DEFAULT, |t| t.max(KERNEL_DEFAULT))
    }

    /// The byte erased memory reads as.
    pub fn erased_byte(&self) -> u8 {
        if self.erased_mem_cont & 1 != 0 {
            0xFF
        } else {
            0x00
        }
    }

    /// The kernel's erase timeout rule (`mmc_mmc_erase_timeout`): 300 ms × TRIM_MULT per group
    /// for TRIM and DISCARD; 300 ms × ERASE_TIMEOUT_MULT per group for everything else — erase,
    /// secure erase and both secure trim steps (their arguments are not the TRIM argument) —
    /// times SEC_ERASE_MULT for secure erase and SEC_TRIM_MULT for secure trim. `None` when a
    /// multiplier it needs is 0 or the erase groups are not defined by EXT_CSD.
    pub fn erase_timeout(&self, kind: EraseKind, groups: u64) -> Option<Duration> {
        self.erase_group_sectors()?;
        let per_group_ms = match kind {
            EraseKind::Trim | EraseKind::Discard => 300 * u64::from(self.trim_mult),
            _ => 300 * u64::from(self.erase_timeout_mult),
        };
        let secure = match kind {
            EraseKind::SecureErase => u64::from(self.sec_erase_mult),
            EraseKind::SecureTrim1 | EraseKind::SecureTrim2 => u64::from(self.sec_trim_mult),
            _ => 1,
        };
        let ms = per_group_ms.checked_mul(secure)?.checked_mul(groups)?;
        (ms > 0).then(|| Duration::from_millis(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A register built from the mmc-utils indices, independently of the parser.
    pub(crate) fn register() -> Vec<u8> {
        let mut b = vec![0u8; 512];
        b[16] = 0x3b;
        b[33] = 1;
        b[160] = 0x07;
        b[175] = 1;
        b[179] = 0x48;
        b[181] = 1;
        b[192] = 8;
        b[212..216].copy_from_slice(&0x00E9_0000u32.to_le_bytes());
        b[221] = 16;
        b[223] = 2;
        b[224] = 4;
        b[226] = 32;
        b[229] = 3;
        b[230] = 5;
        b[231] = 0x55;
        b[232] = 1;
        b[249..253].copy_from_slice(&512u32.to_le_bytes());
        b[267] = 1;
        b[268] = 2;
        b[269] = 3;
        b
    }

    #[test]
    fn indices() {
        let e = ExtCsd::parse(&register()).unwrap();
        assert_eq!(e.secure_removal_type, 0x3b);
        assert_eq!(e.cache_ctrl, 1);
        assert_eq!(e.partitioning_support, 7);
        assert_eq!(e.erase_group_def, 1);
        assert_eq!(e.partition_config, 0x48);
        assert_eq!(e.erased_mem_cont, 1);
        assert_eq!(e.erased_byte(), 0xFF);
        assert_eq!(e.ext_csd_rev, 8);
        assert_eq!(e.version(), "5.1");
        assert_eq!(e.sec_count, 0x00E9_0000);
        assert_eq!(e.capacity_bytes(), 0x00E9_0000u64 * 512);
        assert_eq!(e.hc_wp_grp_size, 16);
        assert_eq!(e.erase_timeout_mult, 2);
        assert_eq!(e.hc_erase_grp_size, 4);
        assert_eq!(e.erase_group_sectors(), Some(4096));
        assert_eq!(e.boot_mult, 32);
        assert_eq!((e.sec_trim_mult, e.sec_erase_mult, e.trim_mult), (3, 5, 1));
        assert_eq!(e.sec_feature_support, 0x55);
        assert_eq!(e.cache_size, 512);
        assert_eq!(
            (e.pre_eol_info, e.life_time_est_a, e.life_time_est_b),
            (1, 2, 3)
        );
        assert!(e.supports_secure_erase() && e.supports_trim() && e.supports_sanitize());
        assert!(e.supports_secure_trim() && e.supports_discard());
        for k in EraseKind::ALL {
            assert!(e.supports(k));
        }
        assert!(ExtCsd::parse(&[0u8; 511]).is_err());
    }

    #[test]
    fn feature_bits_one_by_one() {
        let mut b = register();
        b[231] = 0x40;
        b[192] = 5;
        let e = ExtCsd::parse(&b).unwrap();
        assert!(e.supports_sanitize());
        assert!(!e.supports_secure_erase() && !e.supports_trim() && !e.supports_discard());
        assert!(!e.supports(EraseKind::SecureTrim1) && e.supports(EraseKind::Erase));
        b[231] = 0x01;
        let e = ExtCsd::parse(&b).unwrap();
        assert!(e.supports_secure_erase() && !e.supports_secure_trim() && !e.supports_sanitize());
        b[231] = 0x10;
        assert!(ExtCsd::parse(&b).unwrap().supports_trim());
        b[181] = 0;
        assert_eq!(ExtCsd::parse(&b).unwrap().erased_byte(), 0x00);
        b[175] = 0;
        assert_eq!(ExtCsd::parse(&b).unwrap().erase_group_sectors(), None);
    }

    #[test]
    fn erase_timeouts_follow_the_kernel_rule() {
        let e = ExtCsd::parse(&register()).unwrap();
        // erase: 300 ms × 2 per group.
        assert_eq!(
            e.erase_timeout(EraseKind::Erase, 10),
            Some(Duration::from_millis(6000))
        );
        // secure erase: × SEC_ERASE_MULT 5.
        assert_eq!(
            e.erase_timeout(EraseKind::SecureErase, 1),
            Some(Duration::from_millis(3000))
        );
        // trim: 300 ms × TRIM_MULT 1; secure trim × 3.
        assert_eq!(
            e.erase_timeout(EraseKind::Trim, 2),
            Some(Duration::from_millis(600))
        );
        // secure trim: 300 ms × ERASE_TIMEOUT_MULT 2 × SEC_TRIM_MULT 3 (not TRIM_MULT).
        assert_eq!(
            e.erase_timeout(EraseKind::SecureTrim2, 1),
            Some(Duration::from_millis(1800))
        );
        assert_eq!(
            e.erase_timeout(EraseKind::SecureTrim1, 2),
            Some(Duration::from_millis(3600))
        );
    }

    #[test]
    fn sanitize_timeout_covers_every_erase_group_of_a_large_card() {
        let mut b = register();
        // 0x00E90000 sectors (7.3 GB) in groups of 4 × 1024 sectors: 3728 groups × 600 ms.
        let e = ExtCsd::parse(&b).unwrap();
        assert_eq!(e.sanitize_timeout(), Duration::from_millis(3728 * 600));
        // A small card keeps the kernel's 240 s.
        b[212..216].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        assert_eq!(
            ExtCsd::parse(&b).unwrap().sanitize_timeout(),
            Duration::from_secs(240)
        );
        // No EXT_CSD erase groups: the kernel's default.
        b[175] = 0;
        assert_eq!(
            ExtCsd::parse(&b).unwrap().sanitize_timeout(),
            Duration::from_secs(240)
        );
    }
}
