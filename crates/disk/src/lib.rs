//! Disks for ardoise: discovery from /sys/block and ioctls, the safety classification that keeps
//! the boot medium and anything in use out of reach, the transports that carry ATA, SCSI, NVMe
//! and MMC commands to the kernel, a byte-level simulator that answers the same raw commands the
//! way a device would, health grading and the machine inventory.
//!
//! Layering: this crate knows nothing of erase methods or certificates. `unsafe` is denied
//! everywhere except [`transport::linux`], where each block carries a `// SAFETY:` comment.
#![deny(unsafe_code)]

pub mod ata;
pub mod block;
pub mod bootmedium;
pub mod bootrecord;
pub mod confirm;
pub mod controllers;
pub mod discovery;
pub mod disk_info;
pub mod durable;
pub mod hardware;
pub mod health;
pub mod inventory;
pub mod mmc;
pub mod nvme;
pub mod open;
pub mod record;
pub mod safety;
pub mod scsi;
pub mod siblings;
pub mod sim;
pub mod system;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transport;

pub use block::{Access, AlignedBuf, BlockError, BlockIo, DeviceFile, IO_ALIGN};
pub use disk_info::{DiskInfo, MediaKind, MountUse, ProtectionReason, Transport};
pub use open::{open_disk, Commands, OpenDiskError, OpenedDisk};
pub use record::{CommandRecord, Protocol, Transcript};
