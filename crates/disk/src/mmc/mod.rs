//! eMMC command layer: EXT_CSD read and parse (CMD8), SWITCH (CMD6) to SANITIZE_START, the erase
//! sequence CMD35 / CMD36 / CMD38 with its six arguments, SEND_STATUS (CMD13) with the R1 card
//! status decoded, and [`MmcDevice`], which sends them through any
//! [`crate::transport::MmcTransport`] and records every command in a
//! [`crate::record::Transcript`].
//!
//! Facts from JESD84-B51 as summarised in docs/standards.md §4 (mmc-utils `mmc.h` /
//! `mmc_cmds.c`, kernel `drivers/mmc/core/block.c`). Two kernel behaviours shape this layer:
//! - A SWITCH whose index is SANITIZE_START (165) never reaches the card as sent: the kernel
//!   intercepts it (`__mmc_blk_ioctl_cmd`) and runs its own `mmc_sanitize()`, which answers
//!   -EOPNOTSUPP when EXT_CSD lacks SEC_SANITIZE, -EBADMSG when the card sets SWITCH_ERROR, and
//!   does not copy the card's response back (it reads as zeros).
//! - Status bits detected while a command executes (ERASE_PARAM, WP_ERASE_SKIP, SWITCH_ERROR...)
//!   are reported by the next CMD13 and cleared once read. On hosts without hardware busy
//!   detection the kernel itself polls CMD13 after an R1b command and so consumes them; a clean
//!   CMD13 afterwards therefore does not prove the erase happened — verification by reading
//!   the medium back stays necessary.

pub mod command;
pub mod device;
pub mod ext_csd;
pub mod status;

pub use command::{EraseKind, SwitchAccess};
pub use device::{Addressing, MmcDevice, MmcError};
pub use ext_csd::ExtCsd;
pub use status::{CardState, CardStatus};

/// MMC command indices used here (JEDEC JESD84; mmc-utils `mmc.h`).
pub mod opcode {
    /// CMD6 SWITCH: writes one EXT_CSD byte (R1b).
    pub const SWITCH: u32 = 6;
    /// CMD8 SEND_EXT_CSD: reads the 512-byte EXT_CSD register (R1, one data block).
    pub const SEND_EXT_CSD: u32 = 8;
    /// CMD13 SEND_STATUS: returns the R1 card status of the card at an RCA.
    pub const SEND_STATUS: u32 = 13;
    /// CMD35 ERASE_GROUP_START: the first address of the range to erase.
    pub const ERASE_GROUP_START: u32 = 35;
    /// CMD36 ERASE_GROUP_END: the last address of the range to erase.
    pub const ERASE_GROUP_END: u32 = 36;
    /// CMD38 ERASE: erases the range set by CMD35/CMD36; the argument selects the kind.
    pub const ERASE: u32 = 38;
}

/// Response and command-type flags (`struct mmc_ioc_cmd.flags`, kernel `linux/mmc/core.h`).
pub mod flags {
    /// A response is expected.
    pub const RSP_PRESENT: u32 = 1 << 0;
    /// A 136-bit response (R2); not used here.
    pub const RSP_136: u32 = 1 << 1;
    /// The response carries a valid CRC.
    pub const RSP_CRC: u32 = 1 << 2;
    /// The card may signal busy after the response.
    pub const RSP_BUSY: u32 = 1 << 3;
    /// The response carries the command index.
    pub const RSP_OPCODE: u32 = 1 << 4;
    /// Addressed command without data transfer.
    pub const CMD_AC: u32 = 0 << 5;
    /// Addressed command with data transfer.
    pub const CMD_ADTC: u32 = 1 << 5;
    /// Broadcast command without response; not used here.
    pub const CMD_BC: u32 = 2 << 5;
    /// Mask of the command-type field (bits 6:5).
    pub const CMD_MASK: u32 = 3 << 5;
    /// SPI mode: one status byte in the response.
    pub const RSP_SPI_S1: u32 = 1 << 7;
    /// SPI mode: the card may signal busy.
    pub const RSP_SPI_BUSY: u32 = 1 << 10;
    /// R1 = PRESENT | CRC | OPCODE (0x15).
    pub const RSP_R1: u32 = RSP_PRESENT | RSP_CRC | RSP_OPCODE;
    /// R1b = R1 | BUSY (0x1D).
    pub const RSP_R1B: u32 = RSP_R1 | RSP_BUSY;
    /// The SPI-mode R1 flags, set alongside [`RSP_R1`] as mmc-utils does.
    pub const RSP_SPI_R1: u32 = RSP_SPI_S1;
    /// The SPI-mode R1b flags, set alongside [`RSP_R1B`] as mmc-utils does.
    pub const RSP_SPI_R1B: u32 = RSP_SPI_S1 | RSP_SPI_BUSY;
}

/// EXT_CSD byte indices (mmc-utils `mmc.h`).
pub mod ext_csd_index {
    /// SECURE_REMOVAL_TYPE: how secure erase / trim removes data (supported and configured types).
    pub const SECURE_REMOVAL_TYPE: usize = 16;
    /// CACHE_CTRL: bit 0 turns the volatile cache on.
    pub const CACHE_CTRL: usize = 33;
    /// PARTITIONING_SUPPORT: which partitioning features the device offers.
    pub const PARTITIONING_SUPPORT: usize = 160;
    /// SANITIZE_START: writing 1 starts a sanitize (JESD84-B51, eMMC 4.5+).
    pub const SANITIZE_START: usize = 165;
    /// ERASE_GROUP_DEF: bit 0 selects the high-capacity erase group size.
    pub const ERASE_GROUP_DEF: usize = 175;
    /// PARTITION_CONFIG: boot partition enable and the partition accessed.
    pub const PARTITION_CONFIG: usize = 179;
    /// ERASED_MEM_CONT: erased memory reads 00h (0) or FFh (1).
    pub const ERASED_MEM_CONT: usize = 181;
    /// EXT_CSD_REV: revision of the register (5 = 4.41, 6 = 4.5, 7 = 5.0, 8 = 5.1).
    pub const EXT_CSD_REV: usize = 192;
    /// SEC_COUNT: four bytes, the user area in 512-byte sectors.
    pub const SEC_COUNT: usize = 212;
    /// HC_WP_GRP_SIZE: write-protect group size in erase groups.
    pub const HC_WP_GRP_SIZE: usize = 221;
    /// ERASE_TIMEOUT_MULT: erase timeout per group in units of 300 ms.
    pub const ERASE_TIMEOUT_MULT: usize = 223;
    /// HC_ERASE_GRP_SIZE: erase group size in units of 512 KiB.
    pub const HC_ERASE_GRP_SIZE: usize = 224;
    /// BOOT_SIZE_MULT: boot partition size in units of 128 KiB.
    pub const BOOT_MULT: usize = 226;
    /// GP_SIZE_MULT_GP1..4, three bytes each, least significant first (JESD84-B51 §7.4.89).
    pub const GP_SIZE_MULT: usize = 143;
    /// PARTITION_SETTING_COMPLETED: bit 0 set once the partition layout is final.
    pub const PARTITION_SETTING_COMPLETED: usize = 155;
    /// RPMB_SIZE_MULT: replay-protected memory block size in units of 128 KiB.
    pub const RPMB_SIZE_MULT: usize = 168;
    /// SEC_TRIM_MULT: secure trim timeout factor.
    pub const SEC_TRIM_MULT: usize = 229;
    /// SEC_ERASE_MULT: secure erase timeout factor.
    pub const SEC_ERASE_MULT: usize = 230;
    /// SEC_FEATURE_SUPPORT: secure erase, trim and sanitize support bits.
    pub const SEC_FEATURE_SUPPORT: usize = 231;
    /// TRIM_MULT: TRIM / DISCARD timeout per group in units of 300 ms.
    pub const TRIM_MULT: usize = 232;
    /// CACHE_SIZE: four bytes, the volatile cache size.
    pub const CACHE_SIZE: usize = 249;
    /// PRE_EOL_INFO: reserved block consumption (1 normal, 2 warning, 3 urgent), eMMC 5.0+.
    pub const PRE_EOL_INFO: usize = 267;
    /// DEVICE_LIFE_TIME_EST_TYP_A: wear estimate of type A memory in steps of 10 %, eMMC 5.0+.
    pub const DEVICE_LIFE_TIME_EST_TYP_A: usize = 268;
    /// DEVICE_LIFE_TIME_EST_TYP_B: wear estimate of type B memory in steps of 10 %, eMMC 5.0+.
    pub const DEVICE_LIFE_TIME_EST_TYP_B: usize = 269;
}

/// Size of the EXT_CSD register.
pub const EXT_CSD_LEN: usize = 512;
/// The relative card address Linux assigns to an eMMC (`mmc_init_card`: `card->rca = 1`), which
/// mmc-utils puts in CMD13's argument.
pub const DEFAULT_RCA: u16 = 1;
