//! The catalogue of erase methods. A method is what a technician chooses; a [`crate::plan::Plan`]
//! is the list of steps that carries it out on one drive.

use serde::{Deserialize, Serialize};

/// NIST SP 800-88 sanitization level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Logical techniques on user-addressable locations (overwrite through normal writes).
    Clear,
    /// Techniques that make recovery infeasible with laboratory techniques (firmware purge).
    Purge,
}

impl Level {
    /// The level as written in certificates and the CLI: `clear` or `purge`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Clear => "clear",
            Level::Purge => "purge",
        }
    }
}

/// What a sanitize-class firmware command does to the media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SanitizeAction {
    /// Changes the media encryption key: all data becomes unreadable noise.
    CryptoErase,
    /// Erases every block (flash) or sets every sector to a vendor value.
    BlockErase,
    /// Overwrites every physical sector with a pattern, inside the drive.
    Overwrite,
}

/// Format NVM Secure Erase Setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatErase {
    /// SES=1: user data erase.
    UserData,
    /// SES=2: cryptographic erase (only when FNA bit 2 says it is supported).
    Crypto,
}

/// What a method does to the data; decides the plan's expected state and steps, its
/// limitations and the certificate's wording. See [`Method::class`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodClass<'a> {
    /// The computer writes the named scheme over every logical block.
    HostOverwrite {
        /// Scheme id, e.g. `zero`.
        scheme: &'a str,
    },
    /// The firmware overwrites every physical sector with a pattern (zeros).
    FirmwareOverwrite,
    /// The firmware changes the media encryption key.
    CryptoErase,
    /// The firmware erases the blocks or the user data (block erase, Format user data erase,
    /// SECURITY ERASE UNIT, eMMC sanitize, secure discard): what it leaves is vendor-defined.
    FirmwareErase,
}

/// How far an erase command reaches beyond the NVMe namespace it is sent to (see
/// [`crate::limits::reaches_other_namespaces`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamespaceReach {
    /// Only the device named (every method that is not an NVMe controller command).
    ThisDevice,
    /// Every namespace of the controller.
    WholeController,
    /// Every namespace when the controller's Format NVM Attributes (FNA bit 0 or 1) say so.
    PerFormatAttributes,
}

/// Every method ardoise knows. The id strings are stable (CLI `--method`, certificates).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Method {
    /// NVMe Sanitize (NVMe Base 2.0, Sanitize command; docs/standards.md §2.5): purge.
    NvmeSanitize {
        /// Which sanitize action.
        action: SanitizeAction,
    },
    /// NVMe Format NVM with a Secure Erase Setting (NVMe Base 2.0, Format NVM command;
    /// docs/standards.md §2.7): purge.
    NvmeFormat {
        /// SES 1 (user data) or SES 2 (cryptographic).
        erase: FormatErase,
    },
    /// ATA SANITIZE DEVICE (ACS-4, Sanitize Device feature set; docs/standards.md §1.6): purge.
    AtaSanitize {
        /// Which sanitize sub-command.
        action: SanitizeAction,
    },
    /// ATA SECURITY ERASE UNIT (ACS-4, Security feature set; docs/standards.md §1.4): purge when
    /// enhanced on a hard disk, clear otherwise.
    AtaSecurityErase {
        /// Enhanced erase (word 0 bit 1 of the data block) rather than normal.
        enhanced: bool,
    },
    /// SCSI SANITIZE (SBC-4, SANITIZE command; docs/standards.md §3.2): purge.
    ScsiSanitize {
        /// Which service action.
        action: SanitizeAction,
    },
    /// eMMC: erase (secure erase or secure trim where supported) of the whole user area, then
    /// SANITIZE so that the unmapped blocks are physically erased too.
    MmcSanitize,
    /// BLKSECDISCARD over the whole device (eMMC secure erase/trim through the kernel driver).
    BlockSecureDiscard,
    /// Host overwrite with a named scheme (see `crate::pattern` schemes).
    Overwrite {
        /// Scheme id, e.g. `zero` (see [`crate::overwrite::Scheme`]).
        scheme: String,
    },
}

impl Method {
    /// The stable identifier, e.g. `nvme-sanitize-crypto`, `overwrite-zero`.
    pub fn id(&self) -> String {
        let action = |a: &SanitizeAction| match a {
            SanitizeAction::CryptoErase => "crypto",
            SanitizeAction::BlockErase => "block",
            SanitizeAction::Overwrite => "overwrite",
        };
        match self {
            Method::NvmeSanitize { action: a } => format!("nvme-sanitize-{}", action(a)),
            Method::NvmeFormat {
                erase: FormatErase::UserData,
            } => "nvme-format-user-data".into(),
            Method::NvmeFormat {
                erase: FormatErase::Crypto,
            } => "nvme-format-crypto".into(),
            Method::AtaSanitize { action: a } => format!("ata-sanitize-{}", action(a)),
            Method::AtaSecurityErase { enhanced: true } => "ata-security-erase-enhanced".into(),
            Method::AtaSecurityErase { enhanced: false } => "ata-security-erase".into(),
            Method::ScsiSanitize { action: a } => format!("scsi-sanitize-{}", action(a)),
            Method::MmcSanitize => "mmc-sanitize".into(),
            Method::BlockSecureDiscard => "block-secure-discard".into(),
            Method::Overwrite { scheme } => format!("overwrite-{scheme}"),
        }
    }

    /// Parses an id produced by [`Method::id`].
    pub fn from_id(id: &str) -> Option<Method> {
        let action = |s: &str| match s {
            "crypto" => Some(SanitizeAction::CryptoErase),
            "block" => Some(SanitizeAction::BlockErase),
            "overwrite" => Some(SanitizeAction::Overwrite),
            _ => None,
        };
        Some(match id {
            "nvme-format-user-data" => Method::NvmeFormat {
                erase: FormatErase::UserData,
            },
            "nvme-format-crypto" => Method::NvmeFormat {
                erase: FormatErase::Crypto,
            },
            "ata-security-erase-enhanced" => Method::AtaSecurityErase { enhanced: true },
            "ata-security-erase" => Method::AtaSecurityErase { enhanced: false },
            "mmc-sanitize" => Method::MmcSanitize,
            "block-secure-discard" => Method::BlockSecureDiscard,
            _ => {
                if let Some(a) = id.strip_prefix("nvme-sanitize-") {
                    Method::NvmeSanitize { action: action(a)? }
                } else if let Some(a) = id.strip_prefix("ata-sanitize-") {
                    Method::AtaSanitize { action: action(a)? }
                } else if let Some(a) = id.strip_prefix("scsi-sanitize-") {
                    Method::ScsiSanitize { action: action(a)? }
                } else if let Some(s) = id.strip_prefix("overwrite-") {
                    if s.is_empty() {
                        return None;
                    }
                    Method::Overwrite {
                        scheme: s.to_string(),
                    }
                } else {
                    return None;
                }
            }
        })
    }

    /// What the method does to the data. Every variant is classified here, with no catch-all
    /// arm, so that a new method does not compile until it is: the planner, the limits and the
    /// certificate decide through this class (and the predicates below), never by listing
    /// variants themselves.
    pub fn class(&self) -> MethodClass<'_> {
        let sanitize = |action: &SanitizeAction| match action {
            SanitizeAction::CryptoErase => MethodClass::CryptoErase,
            SanitizeAction::BlockErase => MethodClass::FirmwareErase,
            SanitizeAction::Overwrite => MethodClass::FirmwareOverwrite,
        };
        match self {
            Method::NvmeSanitize { action }
            | Method::AtaSanitize { action }
            | Method::ScsiSanitize { action } => sanitize(action),
            Method::NvmeFormat {
                erase: FormatErase::Crypto,
            } => MethodClass::CryptoErase,
            Method::NvmeFormat {
                erase: FormatErase::UserData,
            }
            | Method::AtaSecurityErase { .. }
            | Method::MmcSanitize
            | Method::BlockSecureDiscard => MethodClass::FirmwareErase,
            Method::Overwrite { scheme } => MethodClass::HostOverwrite { scheme },
        }
    }

    /// Whether the drive's firmware does the work (as opposed to host writes).
    pub fn is_firmware(&self) -> bool {
        match self.class() {
            MethodClass::HostOverwrite { .. } => false,
            MethodClass::FirmwareOverwrite
            | MethodClass::CryptoErase
            | MethodClass::FirmwareErase => true,
        }
    }

    /// Whether the method changes the media encryption key: only as strong as the drive's
    /// encryption of all data since its first use, which the computer cannot check.
    pub fn is_crypto_erase(&self) -> bool {
        match self.class() {
            MethodClass::CryptoErase => true,
            MethodClass::HostOverwrite { .. }
            | MethodClass::FirmwareOverwrite
            | MethodClass::FirmwareErase => false,
        }
    }

    /// Whether the drive's firmware overwrites every sector with a pattern (zeros).
    pub fn is_firmware_overwrite(&self) -> bool {
        match self.class() {
            MethodClass::FirmwareOverwrite => true,
            MethodClass::HostOverwrite { .. }
            | MethodClass::CryptoErase
            | MethodClass::FirmwareErase => false,
        }
    }

    /// How far the command reaches beyond the NVMe namespace it is sent to.
    pub fn namespace_reach(&self) -> NamespaceReach {
        match self {
            // Sanitize acts on the whole NVM subsystem.
            Method::NvmeSanitize { .. } => NamespaceReach::WholeController,
            // Every Format ardoise sends erases (SES 1 or 2), so FNA bit 1 (secure erase)
            // applies as well as bit 0 (format).
            Method::NvmeFormat {
                erase: FormatErase::UserData | FormatErase::Crypto,
            } => NamespaceReach::PerFormatAttributes,
            Method::AtaSanitize { .. }
            | Method::AtaSecurityErase { .. }
            | Method::ScsiSanitize { .. }
            | Method::MmcSanitize
            | Method::BlockSecureDiscard
            | Method::Overwrite { .. } => NamespaceReach::ThisDevice,
        }
    }

    /// Whether the method sets a temporary drive password that, if the command is cut (power
    /// loss), leaves the drive locked: the password must survive in the vault.
    pub fn sets_temporary_password(&self) -> bool {
        match self {
            Method::AtaSecurityErase { .. } => true,
            Method::NvmeSanitize { .. }
            | Method::NvmeFormat { .. }
            | Method::AtaSanitize { .. }
            | Method::ScsiSanitize { .. }
            | Method::MmcSanitize
            | Method::BlockSecureDiscard
            | Method::Overwrite { .. } => false,
        }
    }

    /// One line for a technician (English; the front ends translate by id).
    pub fn describe(&self) -> &'static str {
        match self {
            Method::NvmeSanitize {
                action: SanitizeAction::CryptoErase,
            } => "NVMe Sanitize, cryptographic erase",
            Method::NvmeSanitize {
                action: SanitizeAction::BlockErase,
            } => "NVMe Sanitize, block erase",
            Method::NvmeSanitize {
                action: SanitizeAction::Overwrite,
            } => "NVMe Sanitize, overwrite",
            Method::NvmeFormat {
                erase: FormatErase::UserData,
            } => "NVMe Format, user data erase",
            Method::NvmeFormat {
                erase: FormatErase::Crypto,
            } => "NVMe Format, cryptographic erase",
            Method::AtaSanitize {
                action: SanitizeAction::CryptoErase,
            } => "ATA SANITIZE, crypto scramble",
            Method::AtaSanitize {
                action: SanitizeAction::BlockErase,
            } => "ATA SANITIZE, block erase",
            Method::AtaSanitize {
                action: SanitizeAction::Overwrite,
            } => "ATA SANITIZE, overwrite",
            Method::AtaSecurityErase { enhanced: true } => "ATA SECURITY ERASE UNIT, enhanced",
            Method::AtaSecurityErase { enhanced: false } => "ATA SECURITY ERASE UNIT, normal",
            Method::ScsiSanitize {
                action: SanitizeAction::CryptoErase,
            } => "SCSI SANITIZE, cryptographic erase",
            Method::ScsiSanitize {
                action: SanitizeAction::BlockErase,
            } => "SCSI SANITIZE, block erase",
            Method::ScsiSanitize {
                action: SanitizeAction::Overwrite,
            } => "SCSI SANITIZE, overwrite",
            Method::MmcSanitize => "eMMC secure erase and SANITIZE",
            Method::BlockSecureDiscard => "secure discard (BLKSECDISCARD)",
            Method::Overwrite { .. } => "overwrite by the computer",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        let all = [
            Method::NvmeSanitize {
                action: SanitizeAction::CryptoErase,
            },
            Method::NvmeSanitize {
                action: SanitizeAction::BlockErase,
            },
            Method::NvmeSanitize {
                action: SanitizeAction::Overwrite,
            },
            Method::NvmeFormat {
                erase: FormatErase::UserData,
            },
            Method::NvmeFormat {
                erase: FormatErase::Crypto,
            },
            Method::AtaSanitize {
                action: SanitizeAction::CryptoErase,
            },
            Method::AtaSanitize {
                action: SanitizeAction::BlockErase,
            },
            Method::AtaSanitize {
                action: SanitizeAction::Overwrite,
            },
            Method::AtaSecurityErase { enhanced: true },
            Method::AtaSecurityErase { enhanced: false },
            Method::ScsiSanitize {
                action: SanitizeAction::CryptoErase,
            },
            Method::ScsiSanitize {
                action: SanitizeAction::BlockErase,
            },
            Method::ScsiSanitize {
                action: SanitizeAction::Overwrite,
            },
            Method::MmcSanitize,
            Method::BlockSecureDiscard,
            Method::Overwrite {
                scheme: "zero".into(),
            },
            Method::Overwrite {
                scheme: "dod-5220.22-m".into(),
            },
        ];
        for m in all {
            assert_eq!(Method::from_id(&m.id()), Some(m.clone()), "{}", m.id());
        }
        assert_eq!(Method::from_id("overwrite-"), None);
        assert_eq!(Method::from_id("nvme-sanitize-nothing"), None);
        assert_eq!(Method::from_id("shred"), None);
    }

    #[test]
    fn classes_decide_the_predicates() {
        let class = |id: &str| Method::from_id(id).unwrap();
        assert_eq!(
            class("overwrite-zero").class(),
            MethodClass::HostOverwrite { scheme: "zero" }
        );
        assert!(!class("overwrite-zero").is_firmware());
        for id in [
            "nvme-sanitize-crypto",
            "ata-sanitize-crypto",
            "scsi-sanitize-crypto",
            "nvme-format-crypto",
        ] {
            assert!(class(id).is_crypto_erase(), "{id}");
            assert!(class(id).is_firmware(), "{id}");
        }
        for id in [
            "nvme-sanitize-overwrite",
            "ata-sanitize-overwrite",
            "scsi-sanitize-overwrite",
        ] {
            assert!(class(id).is_firmware_overwrite(), "{id}");
        }
        for id in [
            "nvme-format-user-data",
            "ata-security-erase-enhanced",
            "mmc-sanitize",
            "block-secure-discard",
        ] {
            assert_eq!(class(id).class(), MethodClass::FirmwareErase, "{id}");
        }
        assert_eq!(
            class("nvme-sanitize-block").namespace_reach(),
            NamespaceReach::WholeController
        );
        assert_eq!(
            class("nvme-format-crypto").namespace_reach(),
            NamespaceReach::PerFormatAttributes
        );
        assert_eq!(
            class("ata-sanitize-block").namespace_reach(),
            NamespaceReach::ThisDevice
        );
        assert!(class("ata-security-erase").sets_temporary_password());
        assert!(!class("ata-sanitize-block").sets_temporary_password());
    }
}
