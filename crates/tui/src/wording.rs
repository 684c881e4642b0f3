//! How methods and protection reasons are said on screen, in the interface's language: the
//! words of the method table, the confirmation, the results and the problems shown about them.
//! A leaf of the interface (i18n and the erase layer's types only), so that every screen and the
//! problem wording use it without depending on each other.

use ardoise_disk::ProtectionReason;
use ardoise_erase::method::{FormatErase, Method, SanitizeAction};
use ardoise_erase::overwrite::Scheme;

use crate::i18n::{t, tf, Language, T};

/// Why a disk is protected, with device-given names cleaned for the console.
pub fn protection_label(lang: Language, r: &ProtectionReason) -> String {
    use crate::fmt::clean;
    match r {
        ProtectionReason::BootMedium { .. } => t(lang, T::ProtBoot).to_string(),
        ProtectionReason::Mounted { device, mountpoint } => {
            tf(lang, T::ProtMounted, &[&clean(device), &clean(mountpoint)])
        }
        ProtectionReason::Swap { device } => tf(lang, T::ProtSwap, &[&clean(device)]),
        ProtectionReason::Holder { holder } => tf(lang, T::ProtHolder, &[&clean(holder)]),
        ProtectionReason::Busy { .. } => t(lang, T::ProtBusy).to_string(),
        ProtectionReason::ReadOnly => t(lang, T::ProtReadOnly).to_string(),
        ProtectionReason::CannotTell { .. } => t(lang, T::ProtCannotTell).to_string(),
    }
}

fn scheme_label(lang: Language, scheme: &str) -> String {
    let k = match scheme {
        "zero" => T::SZero,
        "random" => T::SRandom,
        "random-zero" => T::SRandomZero,
        "three-pass" => T::SThreePass,
        "dod-5220.22-m" => T::SDod,
        "hmg-is5-enhanced" => T::SHmg,
        "gutmann" => T::SGutmann,
        other => return crate::fmt::clean(other),
    };
    t(lang, k).to_string()
}

/// The method's name for the technician.
pub fn method_label(lang: Language, m: &Method) -> String {
    use SanitizeAction::*;
    let k = match m {
        Method::NvmeSanitize {
            action: CryptoErase,
        } => T::MNvmeSanCrypto,
        Method::NvmeSanitize { action: BlockErase } => T::MNvmeSanBlock,
        Method::NvmeSanitize { action: Overwrite } => T::MNvmeSanOverwrite,
        Method::NvmeFormat {
            erase: FormatErase::Crypto,
        } => T::MNvmeFmtCrypto,
        Method::NvmeFormat {
            erase: FormatErase::UserData,
        } => T::MNvmeFmtUser,
        Method::AtaSanitize {
            action: CryptoErase,
        } => T::MAtaSanCrypto,
        Method::AtaSanitize { action: BlockErase } => T::MAtaSanBlock,
        Method::AtaSanitize { action: Overwrite } => T::MAtaSanOverwrite,
        Method::AtaSecurityErase { enhanced: true } => T::MAtaSecEnhanced,
        Method::AtaSecurityErase { enhanced: false } => T::MAtaSecNormal,
        Method::ScsiSanitize {
            action: CryptoErase,
        } => T::MScsiSanCrypto,
        Method::ScsiSanitize { action: BlockErase } => T::MScsiSanBlock,
        Method::ScsiSanitize { action: Overwrite } => T::MScsiSanOverwrite,
        Method::MmcSanitize => T::MMmcSanitize,
        Method::BlockSecureDiscard => T::MSecDiscard,
        Method::Overwrite { scheme } => {
            return tf(lang, T::MOverwrite, &[&scheme_label(lang, scheme)]);
        }
    };
    t(lang, k).to_string()
}

/// A short name (at most 15 characters) for the disk table.
pub fn method_short(lang: Language, m: &Method) -> String {
    use SanitizeAction::*;
    let k = match m {
        Method::NvmeSanitize {
            action: CryptoErase,
        }
        | Method::AtaSanitize {
            action: CryptoErase,
        }
        | Method::ScsiSanitize {
            action: CryptoErase,
        } => T::ShortSanCrypto,
        Method::NvmeSanitize { action: BlockErase }
        | Method::AtaSanitize { action: BlockErase }
        | Method::ScsiSanitize { action: BlockErase } => T::ShortSanBlock,
        Method::NvmeSanitize { action: Overwrite }
        | Method::AtaSanitize { action: Overwrite }
        | Method::ScsiSanitize { action: Overwrite } => T::ShortSanOverwrite,
        Method::NvmeFormat {
            erase: FormatErase::Crypto,
        } => T::ShortFmtCrypto,
        Method::NvmeFormat {
            erase: FormatErase::UserData,
        } => T::ShortFmtUser,
        Method::AtaSecurityErase { enhanced: true } => T::ShortSecEnhanced,
        Method::AtaSecurityErase { enhanced: false } => T::ShortSecNormal,
        Method::MmcSanitize => T::ShortMmc,
        Method::BlockSecureDiscard => T::ShortDiscard,
        Method::Overwrite { scheme } => {
            let passes = Scheme::by_id(scheme).map(|s| s.passes.len()).unwrap_or(0);
            return tf(lang, T::ShortOverwrite, &[&passes]);
        }
    };
    t(lang, k).to_string()
}

/// A method id as a label (ids that do not parse are shown as they are).
pub fn method_id_label(lang: Language, id: &str) -> String {
    Method::from_id(id)
        .map(|m| method_label(lang, &m))
        .unwrap_or_else(|| crate::fmt::clean(id))
}
