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
    pub const SWITCH: u32 = 6;
    pub const SEND_EXT_CSD: u32 = 8;
    pub const SEND_STATUS: u32 = 13;
    pub const ERASE_GROUP_START: u32 = 35;
    pub const ERASE_GROUP_END: u32 = 36;
    pub const ERASE: u32 = 38;
}

/// Response and command-type flags (`struct mmc_ioc_cmd.flags`, kernel `linux/mmc/core.h`).
pub mod flags {
    pub const RSP_PRESENT: u32 = 1 << 0;
    pub const RSP_136: u32 = 1 << 1;
    pub const RSP_CRC: u32 = 1 << 2;
    pub const RSP_BUSY: u32 = 1 << 3;
    pub const RSP_OPCODE: u32 = 1 << 4;
    pub const CMD_AC: u32 = 0 << 5;
    pub const CMD_ADTC: u32 = 1 << 5;
    pub const CMD_BC: u32 = 2 << 5;
    pub const CMD_MASK: u32 = 3 << 5;
    pub const RSP_SPI_S1: u32 = 1 << 7;
    pub const RSP_SPI_BUSY: u32 = 1 << 10;
    /// R1 = PRESENT | CRC | OPCODE (0x15).
    pub const RSP_R1: u32 = RSP_PRESENT | RSP_CRC | RSP_OPCODE;
    /// R1b = R1 | BUSY (0x1D).
    pub const RSP_R1B: u32 = RSP_R1 | RSP_BUSY;
    pub const RSP_SPI_R1: u32 = RSP_SPI_S1;
    pub const RSP_SPI_R1B: u32 = RSP_SPI_S1 | RSP_SPI_BUSY;
}

/// EXT_CSD byte indices (mmc-utils `mmc.h`).
pub mod ext_csd_index {
    pub const SECURE_REMOVAL_TYPE: usize = 16;
    pub const CACHE_CTRL: usize = 33;
    pub const PARTITIONING_SUPPORT: usize = 160;
    pub const SANITIZE_START: usize = 165;
    pub const ERASE_GROUP_DEF: usize = 175;
    pub const PARTITION_CONFIG: usize = 179;
    pub const ERASED_MEM_CONT: usize = 181;
    pub const EXT_CSD_REV: usize = 192;
    pub const SEC_COUNT: usize = 212;
    pub const HC_WP_GRP_SIZE: usize = 221;
    pub const ERASE_TIMEOUT_MULT: usize = 223;
    pub const HC_ERASE_GRP_SIZE: usize = 224;
    pub const BOOT_MULT: usize = 226;
    /// GP_SIZE_MULT_GP1..4, three bytes each, least significant first (JESD84-B51 §7.4.89).
    pub const GP_SIZE_MULT: usize = 143;
    pub const PARTITION_SETTING_COMPLETED: usize = 155;
    pub const RPMB_SIZE_MULT: usize = 168;
    pub const SEC_TRIM_MULT: usize = 229;
    pub const SEC_ERASE_MULT: usize = 230;
    pub const SEC_FEATURE_SUPPORT: usize = 231;
    pub const TRIM_MULT: usize = 232;
    pub const CACHE_SIZE: usize = 249;
    pub const PRE_EOL_INFO: usize = 267;
    pub const DEVICE_LIFE_TIME_EST_TYP_A: usize = 268;
    pub const DEVICE_LIFE_TIME_EST_TYP_B: usize = 269;
}

/// Size of the EXT_CSD register.
pub const EXT_CSD_LEN: usize = 512;
/// The relative card address Linux assigns to an eMMC (`mmc_init_card`: `card->rca = 1`), which
/// mmc-utils puts in CMD13's argument.
pub const DEFAULT_RCA: u16 = 1;
