//! ATA command layer over SAT: ATA PASS-THROUGH(16) encoding, output registers from sense
//! data, IDENTIFY DEVICE, SMART, security, sanitize, hidden areas, and [`AtaDevice`], the typed
//! calls the erase engine makes.
//!
//! Everything here travels through [`crate::transport::ScsiTransport`]; the simulator
//! ([`crate::sim::ata`]) decodes the same CDBs independently from the specification tables.

pub mod device;
pub mod hidden;
pub mod identify;
pub mod passthrough;
pub mod registers;
pub mod sanitize;
pub mod security;
pub mod smart;

pub use device::{AtaDevice, AtaError, DEFAULT_TIMEOUT};
pub use hidden::{DcoIdentify, MaxAddresses, MaxPersistence};
pub use identify::{
    Checksum, EraseTime, FeatureFlag, IdentifyData, Rotation, SanitizeSupport, SecurityLevel,
    SecurityStatus, TrimSupport,
};
pub use passthrough::{AtaCommand, AtaEncodeError, AtaProtocol};
pub use registers::{AtaRegisters, Registers};
pub use sanitize::{
    OverwriteOptions, SanitizeErrorReason, SanitizeOptions, SanitizeState, SanitizeStatus,
};
pub use security::{erase_timeout, EraseMode, PasswordKind, SecurityPassword};
pub use smart::{SmartAttribute, SmartData, SmartStatus, SmartThresholds};
