//! NVMe admin command layer: encoders for the commands ardoise sends (Identify, Get Log Page,
//! Sanitize, Format NVM), parsers for the data structures they return (Identify Controller and
//! Namespace, SMART / Health log, Sanitize Status log), status decoding, and
//! [`NvmeController`], which sends them through any [`crate::transport::NvmeTransport`] and
//! records every command in a [`crate::record::Transcript`].
//!
//! Byte offsets and bit positions follow the NVMe Base Specification 2.0 as summarised in
//! docs/standards.md §2 (libnvme `types.h` / `ioctl.h`, nvme-cli). Everything here is
//! plain data in, plain data out; only [`controller`] talks to a transport.
//!
//! Flush: NVMe Flush (opcode 00h) is an I/O command, not an admin command, and cannot travel
//! through `NVME_IOCTL_ADMIN_CMD`. To flush a namespace's volatile write cache, `fsync` the
//! namespace block device (`/dev/nvmeXnY`): the block layer sends a Flush when the namespace
//! advertises a volatile write cache (Identify Controller VWC bit 0); [`crate::block::BlockIo::flush`]
//! does exactly that.

pub mod command;
pub mod controller;
pub mod identify;
pub mod log;
pub mod status;

pub use command::{
    EncodeError, FormatParams, FormatTarget, GetLogPage, SanitizeAction, SanitizeParams,
    SecureEraseSetting, NSID_ALL,
};
pub use controller::{NvmeController, NvmeError};
pub use identify::{
    ActiveNamespaceList, Fna, IdentifyController, IdentifyNamespace, LbaFormat, Oacs, Sanicap,
};
pub use log::{SanitizeStatusLog, SanitizeStatusValue, SmartLog};
pub use status::NvmeStatus;

/// Admin opcodes used by ardoise (NVMe Base Specification, Admin Command Set).
pub mod opcode {
    /// Get Log Page (NVMe Base 2.0, Get Log Page command; docs/standards.md §2.3).
    pub const GET_LOG_PAGE: u8 = 0x02;
    /// Identify (NVMe Base 2.0, Identify command; docs/standards.md §2.2).
    pub const IDENTIFY: u8 = 0x06;
    /// Format NVM (NVMe Base 2.0, Format NVM command; docs/standards.md §2.7).
    pub const FORMAT_NVM: u8 = 0x80;
    /// Sanitize (NVMe Base 2.0, Sanitize command; docs/standards.md §2.5).
    pub const SANITIZE: u8 = 0x84;
}

/// Log page identifiers.
pub mod lid {
    /// SMART / Health Information log (NVMe Base 2.0; docs/standards.md §2.4).
    pub const SMART_HEALTH: u8 = 0x02;
    /// Sanitize Status log (NVMe Base 2.0; docs/standards.md §2.6).
    pub const SANITIZE_STATUS: u8 = 0x81;
}

/// Identify CNS values.
pub mod cns {
    /// Identify Namespace data structure for the namespace in NSID (NVMe NVM 1.0).
    pub const NAMESPACE: u8 = 0x00;
    /// Identify Controller data structure (NSID 0, as nvme-cli sends it).
    pub const CONTROLLER: u8 = 0x01;
    /// Active Namespace ID list: the active NSIDs above the one given in NSID.
    pub const ACTIVE_NAMESPACE_LIST: u8 = 0x02;
}

/// Size of every Identify data structure.
pub const IDENTIFY_LEN: usize = 4096;
/// Size of the SMART / Health log and of the Sanitize Status log.
pub const LOG_PAGE_512: usize = 512;

pub(crate) fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

pub(crate) fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

pub(crate) fn le128(b: &[u8], at: usize) -> u128 {
    u128::from_le_bytes(b[at..at + 16].try_into().expect("16 bytes"))
}

/// An ASCII field padded with spaces (or NULs), trimmed.
pub(crate) fn ascii(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim_end_matches([' ', '\0'])
        .trim_start()
        .to_string()
}
