//! Encoders: typed requests → the dwords of an NVMe admin submission ([`NvmeAdminCmd`]).
//!
//! Field positions (NVMe Base 2.0, docs/standards.md §2.2, §2.3, §2.5, §2.7; libnvme
//! `NVME_*_CDW10_*`):
//! - Identify: CDW10 bits 7:0 CNS, 31:16 CNTID; NSID per CNS.
//! - Get Log Page: CDW10 = LID | LSP << 8 | RAE << 15 | NUMDL << 16, CDW11 = NUMDU (bits 15:0),
//!   CDW12/13 = byte offset (lower/upper), NUMD = dwords − 1 (0-based).
//! - Sanitize: CDW10 bits 2:0 SANACT, 3 AUSE, 7:4 OWPASS (0 = 16), 8 OIPBP, 9 NDAS;
//!   CDW11 = OVRPAT.
//! - Format NVM: CDW10 bits 3:0 LBAF (low), 4 MSET, 7:5 PI, 8 PIL, 11:9 SES, 13:12 LBAF (upper).

use crate::transport::NvmeAdminCmd;

use super::{cns, opcode};

/// The broadcast namespace id (all namespaces / controller-wide logs).
pub const NSID_ALL: u32 = 0xFFFF_FFFF;

/// A request that cannot be encoded (the value does not fit its field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A value does not fit the field it goes to.
    #[error("{field} = {value} is out of range ({allowed})")]
    OutOfRange {
        /// The field, as the standard names it (e.g. "LSP").
        field: &'static str,
        /// The value asked for.
        value: u64,
        /// The values the field can hold.
        allowed: &'static str,
    },
    /// A combination of fields the command does not allow; the text says which.
    #[error("{0}")]
    Inconsistent(&'static str),
}

fn out_of_range(field: &'static str, value: u64, allowed: &'static str) -> EncodeError {
    EncodeError::OutOfRange {
        field,
        value,
        allowed,
    }
}

/// Identify with the given CNS and NSID (data: 4096 bytes from the controller).
pub fn identify(cns: u8, nsid: u32, cntid: u16) -> NvmeAdminCmd {
    NvmeAdminCmd {
        opcode: opcode::IDENTIFY,
        nsid,
        cdw10: u32::from(cns) | (u32::from(cntid) << 16),
        ..Default::default()
    }
}

/// Identify Controller (CNS 01h). NSID is not used and left 0, as nvme-cli does.
pub fn identify_controller() -> NvmeAdminCmd {
    identify(cns::CONTROLLER, 0, 0)
}

/// Identify Namespace (CNS 00h) for `nsid`.
pub fn identify_namespace(nsid: u32) -> NvmeAdminCmd {
    identify(cns::NAMESPACE, nsid, 0)
}

/// Active Namespace ID list (CNS 02h): active NSIDs greater than `after`, ascending.
pub fn identify_active_namespaces(after: u32) -> NvmeAdminCmd {
    identify(cns::ACTIVE_NAMESPACE_LIST, after, 0)
}

/// A Get Log Page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetLogPage {
    /// Log Page Identifier (LID), e.g. [`super::lid::SANITIZE_STATUS`].
    pub lid: u8,
    /// Namespace the log is read for; [`NSID_ALL`] for a controller-wide log.
    pub nsid: u32,
    /// Bytes to transfer: a non-zero multiple of 4, at most 4 × 2^32.
    pub len: u64,
    /// Byte offset into the log: a multiple of 4.
    pub offset: u64,
    /// Log Specific Parameter (7 bits in NVMe 2.0; 4 in 1.4).
    pub lsp: u8,
    /// Retain Asynchronous Event.
    pub rae: bool,
}

impl GetLogPage {
    /// A whole controller-wide log (NSID FFFFFFFFh, as nvme-cli sends for SMART and sanitize).
    pub fn controller_wide(lid: u8, len: u64) -> Self {
        GetLogPage {
            lid,
            nsid: NSID_ALL,
            len,
            offset: 0,
            lsp: 0,
            rae: false,
        }
    }

    /// The Get Log Page submission (CDW10–CDW13 as in docs/standards.md §2.3), or why these values
    /// cannot be sent.
    pub fn encode(&self) -> Result<NvmeAdminCmd, EncodeError> {
        if self.len == 0 || !self.len.is_multiple_of(4) || self.len > 4 << 32 {
            return Err(out_of_range(
                "log length",
                self.len,
                "a non-zero multiple of 4, at most 2^34",
            ));
        }
        if !self.offset.is_multiple_of(4) {
            return Err(out_of_range(
                "log page offset",
                self.offset,
                "a multiple of 4",
            ));
        }
        if self.lsp > 0x7f {
            return Err(out_of_range("LSP", u64::from(self.lsp), "0..=127"));
        }
        let numd = (self.len / 4 - 1) as u32;
        Ok(NvmeAdminCmd {
            opcode: opcode::GET_LOG_PAGE,
            nsid: self.nsid,
            cdw10: u32::from(self.lid)
                | (u32::from(self.lsp) << 8)
                | (u32::from(self.rae) << 15)
                | ((numd & 0xffff) << 16),
            cdw11: numd >> 16,
            cdw12: self.offset as u32,
            cdw13: (self.offset >> 32) as u32,
            ..Default::default()
        })
    }
}

/// What a Sanitize command asks for (SANACT and the fields that belong to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanitizeAction {
    /// SANACT 001b: leave the failure state of an unrestricted (AUSE = 1) failed sanitize.
    ExitFailureMode,
    /// SANACT 010b.
    BlockErase,
    /// SANACT 011b: `passes` 1..=16, the 32-bit `pattern` written `passes` times, inverted
    /// between passes when `invert_between_passes`.
    Overwrite {
        /// Number of passes, 1..=16 (sent in OWPASS, where 0 means 16).
        passes: u8,
        /// OIPBP: invert the pattern between passes.
        invert_between_passes: bool,
        /// OVRPAT: the 32-bit pattern written.
        pattern: u32,
    },
    /// SANACT 100b.
    CryptoErase,
    /// SANACT 101b.
    ExitMediaVerification,
}

impl SanitizeAction {
    /// The SANACT value (CDW10 bits 2:0) of this action.
    pub fn sanact(self) -> u8 {
        match self {
            SanitizeAction::ExitFailureMode => 1,
            SanitizeAction::BlockErase => 2,
            SanitizeAction::Overwrite { .. } => 3,
            SanitizeAction::CryptoErase => 4,
            SanitizeAction::ExitMediaVerification => 5,
        }
    }

    /// The action as NVMe Base 2.0 names it, for transcripts and messages.
    pub fn name(self) -> &'static str {
        match self {
            SanitizeAction::ExitFailureMode => "Exit Failure Mode",
            SanitizeAction::BlockErase => "Block Erase",
            SanitizeAction::Overwrite { .. } => "Overwrite",
            SanitizeAction::CryptoErase => "Crypto Erase",
            SanitizeAction::ExitMediaVerification => "Exit Media Verification State",
        }
    }

    /// Whether this action starts a sanitize operation (rather than leaving a state).
    pub fn starts_operation(self) -> bool {
        matches!(
            self,
            SanitizeAction::BlockErase
                | SanitizeAction::Overwrite { .. }
                | SanitizeAction::CryptoErase
        )
    }
}

/// A Sanitize command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SanitizeParams {
    /// The Sanitize Action (SANACT), with the overwrite fields when it is an overwrite.
    pub action: SanitizeAction,
    /// AUSE: if the operation fails, allow Exit Failure Mode (unrestricted completion).
    pub allow_unrestricted_exit: bool,
    /// NDAS: do not deallocate the LBAs afterwards (so that an overwrite can be read back).
    pub no_deallocate: bool,
}

impl SanitizeParams {
    /// A Sanitize of `action` with AUSE and NDAS clear.
    pub fn new(action: SanitizeAction) -> Self {
        SanitizeParams {
            action,
            allow_unrestricted_exit: false,
            no_deallocate: false,
        }
    }

    /// The Sanitize submission (NSID 0, CDW10 and CDW11 as in docs/standards.md §2.5), or why it
    /// cannot be sent: AUSE or NDAS on an action that starts nothing, or a pass count outside
    /// 1..=16.
    pub fn encode(&self) -> Result<NvmeAdminCmd, EncodeError> {
        let mut cdw10 = u32::from(self.action.sanact());
        let mut cdw11 = 0;
        if !self.action.starts_operation() && (self.allow_unrestricted_exit || self.no_deallocate) {
            // The controller ignores them; nvme-cli refuses them: so do we, to keep the
            // transcript free of misleading bits.
            return Err(EncodeError::Inconsistent(
                "AUSE and NDAS only apply to an action that starts a sanitize operation",
            ));
        }
        if self.allow_unrestricted_exit {
            cdw10 |= 1 << 3;
        }
        if self.no_deallocate {
            cdw10 |= 1 << 9;
        }
        if let SanitizeAction::Overwrite {
            passes,
            invert_between_passes,
            pattern,
        } = self.action
        {
            if !(1..=16).contains(&passes) {
                return Err(out_of_range(
                    "overwrite pass count",
                    u64::from(passes),
                    "1..=16",
                ));
            }
            // OWPASS 0 means 16 passes.
            cdw10 |= u32::from(passes & 0xf) << 4;
            if invert_between_passes {
                cdw10 |= 1 << 8;
            }
            cdw11 = pattern;
        }
        Ok(NvmeAdminCmd {
            opcode: opcode::SANITIZE,
            nsid: 0,
            cdw10,
            cdw11,
            ..Default::default()
        })
    }
}

/// Which namespaces a Format NVM addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatTarget {
    /// One namespace, by NSID.
    Namespace(u32),
    /// NSID FFFFFFFFh.
    All,
}

impl FormatTarget {
    /// The NSID sent for this target.
    pub fn nsid(self) -> u32 {
        match self {
            FormatTarget::Namespace(n) => n,
            FormatTarget::All => NSID_ALL,
        }
    }
}

/// Secure Erase Settings (SES).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecureEraseSetting {
    /// 000b: no secure erase requested.
    None,
    /// 001b: User Data Erase.
    UserData,
    /// 010b: Cryptographic Erase (only if Identify Controller FNA bit 2).
    Crypto,
}

impl SecureEraseSetting {
    /// The SES value (CDW10 bits 11:9) of this setting.
    pub fn ses(self) -> u8 {
        match self {
            SecureEraseSetting::None => 0,
            SecureEraseSetting::UserData => 1,
            SecureEraseSetting::Crypto => 2,
        }
    }
}

/// A Format NVM command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatParams {
    /// The namespace, or all of them.
    pub target: FormatTarget,
    /// LBA format index (0..=63; bits 5:4 go to LBAF upper).
    pub lbaf: u8,
    /// MSET: metadata transferred at the end of each LBA (extended) rather than separately.
    pub metadata_at_end: bool,
    /// Protection information type 0..=7 (0 = none).
    pub pi: u8,
    /// PIL: protection information in the first (true) or last bytes of metadata.
    pub pi_first: bool,
    /// Secure Erase Settings (SES) to apply while formatting.
    pub ses: SecureEraseSetting,
}

impl FormatParams {
    /// A plain format of `target` to LBA format `lbaf` with the given erase, no PI.
    pub fn new(target: FormatTarget, lbaf: u8, ses: SecureEraseSetting) -> Self {
        FormatParams {
            target,
            lbaf,
            metadata_at_end: false,
            pi: 0,
            pi_first: false,
            ses,
        }
    }

    /// The Format NVM submission (CDW10 as in docs/standards.md §2.7), or why it cannot be sent: LBAF
    /// above 63, PI above 7, or namespace 0.
    pub fn encode(&self) -> Result<NvmeAdminCmd, EncodeError> {
        if self.lbaf > 63 {
            return Err(out_of_range(
                "LBA format index",
                u64::from(self.lbaf),
                "0..=63",
            ));
        }
        if self.pi > 7 {
            return Err(out_of_range("PI", u64::from(self.pi), "0..=7"));
        }
        if let FormatTarget::Namespace(0) = self.target {
            return Err(EncodeError::Inconsistent("namespace id 0 is not valid"));
        }
        let lbaf = u32::from(self.lbaf);
        let cdw10 = (lbaf & 0xf)
            | (u32::from(self.metadata_at_end) << 4)
            | (u32::from(self.pi) << 5)
            | (u32::from(self.pi_first) << 8)
            | (u32::from(self.ses.ses()) << 9)
            | ((lbaf >> 4) << 12);
        Ok(NvmeAdminCmd {
            opcode: opcode::FORMAT_NVM,
            nsid: self.target.nsid(),
            cdw10,
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identify_encodings() {
        let c = identify_controller();
        assert_eq!((c.opcode, c.nsid, c.cdw10), (0x06, 0, 0x01));
        let n = identify_namespace(5);
        assert_eq!((n.opcode, n.nsid, n.cdw10), (0x06, 5, 0x00));
        let l = identify_active_namespaces(7);
        assert_eq!((l.opcode, l.nsid, l.cdw10), (0x06, 7, 0x02));
        assert_eq!(identify(0x01, 0, 0x1234).cdw10, 0x1234_0001);
        assert_eq!(c.cdw11 | c.cdw12 | c.cdw13 | c.cdw14 | c.cdw15, 0);
    }

    #[test]
    fn get_log_page_numd_lid_offset() {
        // SMART: 512 bytes → NUMD 127 (0-based dwords), NSID all.
        let c = GetLogPage::controller_wide(0x02, 512).encode().unwrap();
        assert_eq!(c.opcode, 0x02);
        assert_eq!(c.nsid, 0xFFFF_FFFF);
        assert_eq!(c.cdw10, 0x007F_0002);
        assert_eq!((c.cdw11, c.cdw12, c.cdw13), (0, 0, 0));
        // Sanitize status with RAE and LSP; offset split over CDW12/13.
        let c = GetLogPage {
            lid: 0x81,
            nsid: NSID_ALL,
            len: 512,
            offset: 0x1_0000_0008,
            lsp: 0x5,
            rae: true,
        }
        .encode()
        .unwrap();
        assert_eq!(c.cdw10, 0x007F_0000 | 0x8000 | 0x0500 | 0x81);
        assert_eq!((c.cdw12, c.cdw13), (8, 1));
        // 2^18 + 4 bytes → NUMD 0x10000: NUMDL 0, NUMDU 1.
        let c = GetLogPage::controller_wide(0x02, (1 << 18) + 4)
            .encode()
            .unwrap();
        assert_eq!((c.cdw10 >> 16, c.cdw11), (0, 1));
        // 4 bytes → NUMD 0.
        assert_eq!(
            GetLogPage::controller_wide(2, 4).encode().unwrap().cdw10 >> 16,
            0
        );
        assert!(GetLogPage::controller_wide(2, 0).encode().is_err());
        assert!(GetLogPage::controller_wide(2, 6).encode().is_err());
        let mut odd = GetLogPage::controller_wide(2, 512);
        odd.offset = 2;
        assert!(odd.encode().is_err());
    }

    #[test]
    fn sanitize_fields() {
        let mut p = SanitizeParams::new(SanitizeAction::BlockErase);
        p.allow_unrestricted_exit = true;
        let c = p.encode().unwrap();
        assert_eq!((c.opcode, c.nsid, c.cdw10, c.cdw11), (0x84, 0, 0x0A, 0));

        let p = SanitizeParams {
            action: SanitizeAction::Overwrite {
                passes: 3,
                invert_between_passes: true,
                pattern: 0xDEAD_BEEF,
            },
            allow_unrestricted_exit: false,
            no_deallocate: true,
        };
        let c = p.encode().unwrap();
        assert_eq!(c.cdw10, 3 | (3 << 4) | (1 << 8) | (1 << 9));
        assert_eq!(c.cdw11, 0xDEAD_BEEF);

        // 16 passes encode as OWPASS 0.
        let c = SanitizeParams::new(SanitizeAction::Overwrite {
            passes: 16,
            invert_between_passes: false,
            pattern: 0,
        })
        .encode()
        .unwrap();
        assert_eq!(c.cdw10, 0x03);
        for bad in [0u8, 17] {
            assert!(SanitizeParams::new(SanitizeAction::Overwrite {
                passes: bad,
                invert_between_passes: false,
                pattern: 0
            })
            .encode()
            .is_err());
        }
        assert_eq!(
            SanitizeParams::new(SanitizeAction::CryptoErase)
                .encode()
                .unwrap()
                .cdw10,
            4
        );
        assert_eq!(
            SanitizeParams::new(SanitizeAction::ExitFailureMode)
                .encode()
                .unwrap()
                .cdw10,
            1
        );
        assert_eq!(
            SanitizeParams::new(SanitizeAction::ExitMediaVerification)
                .encode()
                .unwrap()
                .cdw10,
            5
        );
        let mut exit = SanitizeParams::new(SanitizeAction::ExitFailureMode);
        exit.allow_unrestricted_exit = true;
        assert!(exit.encode().is_err());
    }

    #[test]
    fn format_fields() {
        // LBAF 21 = 0b01_0101: low nibble 5 in bits 3:0, upper bits 01 in 13:12.
        let c = FormatParams::new(FormatTarget::Namespace(1), 21, SecureEraseSetting::None)
            .encode()
            .unwrap();
        assert_eq!((c.opcode, c.nsid, c.cdw10), (0x80, 1, 0x1005));
        let c = FormatParams {
            target: FormatTarget::All,
            lbaf: 1,
            metadata_at_end: true,
            pi: 1,
            pi_first: true,
            ses: SecureEraseSetting::Crypto,
        }
        .encode()
        .unwrap();
        assert_eq!(c.nsid, 0xFFFF_FFFF);
        assert_eq!(c.cdw10, 1 | (1 << 4) | (1 << 5) | (1 << 8) | (2 << 9));
        let c = FormatParams::new(FormatTarget::Namespace(2), 0, SecureEraseSetting::UserData)
            .encode()
            .unwrap();
        assert_eq!(c.cdw10, 1 << 9);
        assert!(
            FormatParams::new(FormatTarget::Namespace(1), 64, SecureEraseSetting::None)
                .encode()
                .is_err()
        );
        assert!(
            FormatParams::new(FormatTarget::Namespace(0), 0, SecureEraseSetting::None)
                .encode()
                .is_err()
        );
    }
}
