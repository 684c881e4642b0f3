//! A byte-level simulator of storage devices, beside the transports it imitates.
//!
//! Each simulated device implements the same transport trait as the real one
//! ([`crate::transport::ScsiTransport`] for ATA-behind-SAT and SAS, [`crate::transport::NvmeTransport`],
//! [`crate::transport::MmcTransport`]) and decodes the raw command bytes itself, from the
//! specification tables, independently of ardoise's encoders: an encoder bug is answered the way
//! a device would answer it (ILLEGAL REQUEST, Invalid Field...), so tests catch it.
//!
//! User data lives in a file ([`media::SimMedia`]); the same store backs the simulated disk's
//! block I/O ([`media::SimBlock`]), so firmware commands and host reads/writes see one medium.

pub mod ata;
pub mod erase;
pub mod media;
pub mod mmc;
pub mod nvme;
pub mod profile;
pub mod scsi;

pub use media::{FaultPlan, SimBlock, SimMedia};
pub use profile::{SimDisk, SimProfile, SIM_PREFIX};

/// Wall-clock milliseconds: when a background operation started, so that one timed in
/// milliseconds (`sanitize_duration_ms`, NVMe `WallClock`) ends on time across processes.
pub(crate) fn now_unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
