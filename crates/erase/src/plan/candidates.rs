//! The decision table of docs/methods.md as data: for each command set, the candidate methods
//! strongest first, and what makes each one available on a drive.

use ardoise_disk::{MediaKind, Transport};

use super::{FALLBACK_SCHEME_FLASH, FALLBACK_SCHEME_MAGNETIC, FROZEN_REMEDY};
use crate::capability::{AtaSanitize, CommandSet, DriveCapabilities, NvmeCaps, ScsiSanitize};
use crate::method::SanitizeAction::{BlockErase, CryptoErase, Overwrite};
use crate::method::{FormatErase, Level, Method};

/// One row of the table.
pub(super) struct Candidate {
    /// Whether the drive gets this row at all (its command set; for sanitize, also its media:
    /// on hard disks an overwrite is listed before a block erase).
    pub listed: fn(&DriveCapabilities) -> bool,
    pub method: fn(&DriveCapabilities) -> Method,
    pub level: fn(&DriveCapabilities) -> Level,
    pub availability: fn(&DriveCapabilities) -> Availability,
}

/// Whether a method is available on the drive and why, and what would make it available.
pub(super) struct Availability {
    pub supported: bool,
    pub reason: String,
    pub remedy: Option<&'static str>,
}

fn yes(reason: impl Into<String>) -> Availability {
    Availability {
        supported: true,
        reason: reason.into(),
        remedy: None,
    }
}

fn no(reason: impl Into<String>) -> Availability {
    Availability {
        supported: false,
        reason: reason.into(),
        remedy: None,
    }
}

fn hdd(c: &DriveCapabilities) -> bool {
    c.media == MediaKind::Hdd
}

fn nvme_sanitize(c: &DriveCapabilities, bit: fn(&NvmeCaps) -> bool, what: &str) -> Availability {
    if bit(&c.nvme.clone().unwrap_or_default()) {
        yes(format!("SANICAP reports {what}"))
    } else {
        no(format!("SANICAP does not report {what}"))
    }
}

fn nvme_format_crypto(c: &DriveCapabilities) -> Availability {
    let n = c.nvme.clone().unwrap_or_default();
    if !n.format_supported {
        no("OACS says Format NVM is not supported")
    } else if !n.format_crypto_erase {
        no("FNA bit 2 says Format with cryptographic erase is not supported")
    } else {
        yes("Format NVM supported, FNA reports cryptographic erase")
    }
}

fn nvme_format_user_data(c: &DriveCapabilities) -> Availability {
    if c.nvme.clone().unwrap_or_default().format_supported {
        yes("Format NVM supported (OACS bit 1)")
    } else {
        no("OACS says Format NVM is not supported")
    }
}

fn ata_sanitize(c: &DriveCapabilities, bit: fn(&AtaSanitize) -> bool, what: &str) -> Availability {
    let s = c.ata_sanitize.clone().unwrap_or_default();
    if !s.supported {
        no("the drive does not support the SANITIZE feature set (IDENTIFY word 59)")
    } else if !bit(&s) {
        no(format!("the drive does not support SANITIZE {what}"))
    } else if s.frozen {
        no("SANITIZE is frozen (SANITIZE FREEZE LOCK) until the next power cycle")
    } else {
        yes(format!("IDENTIFY word 59 reports SANITIZE {what}"))
    }
}

fn ata_security_erase(c: &DriveCapabilities, enhanced: bool) -> Availability {
    let sec = c.ata_security.clone().unwrap_or_default();
    if !sec.supported {
        no("the drive does not support the Security feature set")
    } else if enhanced && !sec.enhanced_supported {
        no("the drive does not support the enhanced security erase")
    } else if sec.frozen {
        Availability {
            remedy: Some(FROZEN_REMEDY),
            ..no("the security feature set is frozen")
        }
    } else if sec.count_expired {
        no("too many failed password attempts: power-cycle the drive")
    } else if sec.locked {
        no("the drive is locked with an unknown password")
    } else if sec.enabled {
        no("a user password is already set on the drive (unknown to ardoise)")
    } else if c.transport == Transport::Usb {
        no("through a USB bridge a long SECURITY ERASE may be cut by a bus reset, leaving the drive locked")
    } else {
        yes("IDENTIFY word 128 reports the Security feature set, not frozen")
    }
}

fn scsi_sanitize(
    c: &DriveCapabilities,
    bit: fn(&ScsiSanitize) -> Option<bool>,
    what: &str,
) -> Availability {
    match bit(&c.scsi_sanitize.clone().unwrap_or_default()) {
        Some(true) => yes(format!(
            "REPORT SUPPORTED OPERATION CODES lists SANITIZE {what}"
        )),
        Some(false) => no(format!("the device does not support SANITIZE {what}")),
        None => no("the device does not report which SANITIZE service actions it supports"),
    }
}

fn mmc_sanitize(c: &DriveCapabilities) -> Availability {
    if c.mmc.clone().unwrap_or_default().sanitize {
        yes("EXT_CSD SEC_FEATURE_SUPPORT reports SANITIZE")
    } else {
        no("EXT_CSD SEC_FEATURE_SUPPORT does not report SANITIZE")
    }
}

fn purge(_: &DriveCapabilities) -> Level {
    Level::Purge
}

fn clear(_: &DriveCapabilities) -> Level {
    Level::Clear
}

/// The rows, in the order the methods are listed (strongest first within a command set).
pub(super) static CANDIDATES: &[Candidate] = &[
    // NVMe
    Candidate {
        listed: |c| c.command_set == CommandSet::Nvme,
        method: |_| Method::NvmeSanitize {
            action: CryptoErase,
        },
        level: purge,
        availability: |c| nvme_sanitize(c, |n| n.sanitize_crypto, "crypto erase"),
    },
    Candidate {
        listed: |c| c.command_set == CommandSet::Nvme,
        method: |_| Method::NvmeSanitize { action: BlockErase },
        level: purge,
        availability: |c| nvme_sanitize(c, |n| n.sanitize_block, "block erase"),
    },
    Candidate {
        listed: |c| c.command_set == CommandSet::Nvme,
        method: |_| Method::NvmeFormat {
            erase: FormatErase::Crypto,
        },
        level: purge,
        availability: nvme_format_crypto,
    },
    Candidate {
        listed: |c| c.command_set == CommandSet::Nvme,
        method: |_| Method::NvmeFormat {
            erase: FormatErase::UserData,
        },
        level: purge,
        availability: nvme_format_user_data,
    },
    Candidate {
        listed: |c| c.command_set == CommandSet::Nvme,
        method: |_| Method::NvmeSanitize { action: Overwrite },
        level: purge,
        availability: |c| nvme_sanitize(c, |n| n.sanitize_overwrite, "overwrite"),
    },
    // ATA: on hard disks the sanitize overwrite comes before the block erase.
    Candidate {
        listed: |c| c.command_set == CommandSet::Ata,
        method: |_| Method::AtaSanitize {
            action: CryptoErase,
        },
        level: purge,
        availability: |c| ata_sanitize(c, |s| s.crypto_scramble, "CRYPTO SCRAMBLE"),
    },
    Candidate {
        listed: |c| c.command_set == CommandSet::Ata && hdd(c),
        method: |_| Method::AtaSanitize { action: Overwrite },
        level: purge,
        availability: |c| ata_sanitize(c, |s| s.overwrite, "OVERWRITE"),
    },
    Candidate {
        listed: |c| c.command_set == CommandSet::Ata,
        method: |_| Method::AtaSanitize { action: BlockErase },
        level: purge,
        availability: |c| ata_sanitize(c, |s| s.block_erase, "BLOCK ERASE"),
    },
    Candidate {
        listed: |c| c.command_set == CommandSet::Ata && !hdd(c),
        method: |_| Method::AtaSanitize { action: Overwrite },
        level: purge,
        availability: |c| ata_sanitize(c, |s| s.overwrite, "OVERWRITE"),
    },
    // NIST SP 800-88r1 Table A: enhanced security erase is a purge for hard disks only;
    // on flash, SECURITY ERASE UNIT is a clear.
    Candidate {
        listed: |c| c.command_set == CommandSet::Ata,
        method: |_| Method::AtaSecurityErase { enhanced: true },
        level: |c| if hdd(c) { Level::Purge } else { Level::Clear },
        availability: |c| ata_security_erase(c, true),
    },
    Candidate {
        listed: |c| c.command_set == CommandSet::Ata,
        method: |_| Method::AtaSecurityErase { enhanced: false },
        level: clear,
        availability: |c| ata_security_erase(c, false),
    },
    // SCSI: as ATA sanitize.
    Candidate {
        listed: |c| c.command_set == CommandSet::Scsi,
        method: |_| Method::ScsiSanitize {
            action: CryptoErase,
        },
        level: purge,
        availability: |c| scsi_sanitize(c, |s| s.crypto_erase, "CRYPTOGRAPHIC ERASE"),
    },
    Candidate {
        listed: |c| c.command_set == CommandSet::Scsi && hdd(c),
        method: |_| Method::ScsiSanitize { action: Overwrite },
        level: purge,
        availability: |c| scsi_sanitize(c, |s| s.overwrite, "OVERWRITE"),
    },
    Candidate {
        listed: |c| c.command_set == CommandSet::Scsi,
        method: |_| Method::ScsiSanitize { action: BlockErase },
        level: purge,
        availability: |c| scsi_sanitize(c, |s| s.block_erase, "BLOCK ERASE"),
    },
    Candidate {
        listed: |c| c.command_set == CommandSet::Scsi && !hdd(c),
        method: |_| Method::ScsiSanitize { action: Overwrite },
        level: purge,
        availability: |c| scsi_sanitize(c, |s| s.overwrite, "OVERWRITE"),
    },
    // eMMC
    Candidate {
        listed: |c| c.command_set == CommandSet::Mmc,
        method: |_| Method::MmcSanitize,
        level: purge,
        availability: mmc_sanitize,
    },
    // Any command set
    Candidate {
        listed: |c| c.block_secure_discard,
        method: |_| Method::BlockSecureDiscard,
        level: clear,
        availability: |_| yes("the kernel driver supports BLKSECDISCARD"),
    },
    Candidate {
        listed: |_| true,
        method: |c| Method::Overwrite {
            scheme: if c.media.is_known_flash() {
                FALLBACK_SCHEME_FLASH
            } else {
                FALLBACK_SCHEME_MAGNETIC
            }
            .to_string(),
        },
        level: clear,
        availability: |_| yes("every writable disk can be overwritten by the computer"),
    },
];
