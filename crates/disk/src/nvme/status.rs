//! The NVMe completion status field, decoded into words.
//!
//! `NVME_IOCTL_ADMIN_CMD` returns the status field of the completion queue entry without its
//! phase bit: SC in bits 7:0, SCT in bits 10:8, CRD in bits 12:11, MORE bit 13, DNR bit 14
//! (NVMe Base 2.0 completion queue entry; docs/standards.md §2.1; libnvme `NVME_SC_*`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Status Code Type values.
pub mod sct {
    /// Generic Command Status: codes that apply to every command.
    pub const GENERIC: u8 = 0x0;
    /// Command Specific Status: the meaning of SC depends on the opcode.
    pub const COMMAND_SPECIFIC: u8 = 0x1;
    /// Media and Data Integrity Errors.
    pub const MEDIA_ERROR: u8 = 0x2;
    /// Path Related Status.
    pub const PATH: u8 = 0x3;
    /// Vendor Specific: SC is defined by the drive's maker.
    pub const VENDOR: u8 = 0x7;
}

/// Generic command status codes (SCT 0) that ardoise meets.
pub mod generic {
    /// The command completed without error.
    pub const SUCCESS: u8 = 0x00;
    /// Invalid Command Opcode: the controller does not implement the command (QEMU's answer to
    /// Sanitize, status 4001h; docs/standards.md §6).
    pub const INVALID_OPCODE: u8 = 0x01;
    /// Invalid Field in Command: a field (CNS, LID, SANACT, SES...) is unsupported or out of range.
    pub const INVALID_FIELD: u8 = 0x02;
    /// Data Transfer Error: transferring the command's data or metadata failed.
    pub const DATA_TRANSFER_ERROR: u8 = 0x04;
    /// Internal Error: the controller failed the command for a reason of its own.
    pub const INTERNAL_ERROR: u8 = 0x06;
    /// Command Abort Requested: an Abort command ended this command.
    pub const ABORT_REQUESTED: u8 = 0x07;
    /// Invalid Namespace or Format: NSID not valid for the command, or the namespace format does not
    /// allow it.
    pub const INVALID_NAMESPACE: u8 = 0x0B;
    /// Command Sequence Error: the command violates a command sequence requirement.
    pub const COMMAND_SEQUENCE_ERROR: u8 = 0x0C;
    /// Sanitize Failed: the most recent sanitize operation failed and no recovery (a successful
    /// sanitize, or Exit Failure Mode after an unrestricted one) has completed since.
    pub const SANITIZE_FAILED: u8 = 0x1C;
    /// Sanitize In Progress: a sanitize operation is running, so the command is refused.
    pub const SANITIZE_IN_PROGRESS: u8 = 0x1D;
    /// Namespace is Write Protected.
    pub const NAMESPACE_WRITE_PROTECTED: u8 = 0x20;
    /// LBA Out of Range: the command addresses blocks beyond the namespace.
    pub const LBA_OUT_OF_RANGE: u8 = 0x80;
    /// Namespace Not Ready: the namespace cannot process commands right now.
    pub const NAMESPACE_NOT_READY: u8 = 0x82;
    /// "Format In Progress": a generic status in the NVM-command-set range 80h–BFh (SCT 0), not a
    /// command-specific one (libnvme `NVME_SC_FORMAT_IN_PROGRESS = 0x84`, QEMU `0x0084`).
    pub const FORMAT_IN_PROGRESS: u8 = 0x84;
}

/// Command-specific status codes (SCT 1) that ardoise meets.
pub mod specific {
    /// Invalid Log Page: the controller does not support the LID asked for.
    pub const INVALID_LOG_PAGE: u8 = 0x09;
    /// Invalid Format: Format NVM asked for an LBA format or setting the controller does not support.
    pub const INVALID_FORMAT: u8 = 0x0A;
}

/// The raw status field of a completed NVMe command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NvmeStatus(pub u16);

impl NvmeStatus {
    /// Do Not Retry (bit 14): the same command would fail again.
    pub const DNR: u16 = 0x4000;
    /// More (bit 13): further details are in the Error Information log page.
    pub const MORE: u16 = 0x2000;

    /// Builds a status from its parts (used by the simulator and tests).
    pub const fn new(sct: u8, sc: u8, dnr: bool) -> Self {
        NvmeStatus(((sct as u16 & 0x7) << 8) | sc as u16 | if dnr { Self::DNR } else { 0 })
    }

    /// The whole status field, as returned by the ioctl.
    pub fn raw(self) -> u16 {
        self.0
    }
    /// Status Code (SC, bits 7:0).
    pub fn sc(self) -> u8 {
        (self.0 & 0xff) as u8
    }
    /// Status Code Type (SCT, bits 10:8): see [`sct`].
    pub fn sct(self) -> u8 {
        ((self.0 >> 8) & 0x7) as u8
    }
    /// Command Retry Delay index (bits 12:11).
    pub fn crd(self) -> u8 {
        ((self.0 >> 11) & 0x3) as u8
    }
    /// The More bit (13): the Error Information log page has details.
    pub fn more(self) -> bool {
        self.0 & Self::MORE != 0
    }
    /// The Do Not Retry bit (14).
    pub fn dnr(self) -> bool {
        self.0 & Self::DNR != 0
    }
    /// Successful Completion (SCT 0, SC 00h).
    pub fn is_success(self) -> bool {
        self.sct() == 0 && self.sc() == 0
    }
    /// Same status code type and code, whatever the DNR/MORE/CRD bits.
    pub fn is(self, sct: u8, sc: u8) -> bool {
        self.sct() == sct && self.sc() == sc
    }
    /// Invalid Command Opcode: the command is not implemented.
    pub fn is_invalid_opcode(self) -> bool {
        self.is(sct::GENERIC, generic::INVALID_OPCODE)
    }
    /// Invalid Field in Command.
    pub fn is_invalid_field(self) -> bool {
        self.is(sct::GENERIC, generic::INVALID_FIELD)
    }
    /// Sanitize Failed (SCT 0, SC 1Ch).
    pub fn is_sanitize_failed(self) -> bool {
        self.is(sct::GENERIC, generic::SANITIZE_FAILED)
    }
    /// Sanitize In Progress (SCT 0, SC 1Dh).
    pub fn is_sanitize_in_progress(self) -> bool {
        self.is(sct::GENERIC, generic::SANITIZE_IN_PROGRESS)
    }
    /// Format In Progress (SCT 0, SC 84h).
    pub fn is_format_in_progress(self) -> bool {
        self.is(sct::GENERIC, generic::FORMAT_IN_PROGRESS)
    }
    /// Invalid Format (SCT 1, SC 0Ah).
    pub fn is_invalid_format(self) -> bool {
        self.is(sct::COMMAND_SPECIFIC, specific::INVALID_FORMAT)
    }
    /// Invalid Log Page (SCT 1, SC 09h).
    pub fn is_invalid_log_page(self) -> bool {
        self.is(sct::COMMAND_SPECIFIC, specific::INVALID_LOG_PAGE)
    }
    /// The controller does not implement the command or the log page asked for: Invalid Opcode,
    /// Invalid Log Page, or (as QEMU answers for an unknown log) Invalid Field.
    pub fn means_unsupported(self) -> bool {
        self.is_invalid_opcode() || self.is_invalid_log_page() || self.is_invalid_field()
    }

    /// The status code in words, e.g. "Invalid Field in Command".
    pub fn name(self) -> String {
        let known = match (self.sct(), self.sc()) {
            (0, 0x00) => Some("Successful Completion"),
            (0, 0x01) => Some("Invalid Command Opcode"),
            (0, 0x02) => Some("Invalid Field in Command"),
            (0, 0x03) => Some("Command ID Conflict"),
            (0, 0x04) => Some("Data Transfer Error"),
            (0, 0x05) => Some("Commands Aborted due to Power Loss Notification"),
            (0, 0x06) => Some("Internal Error"),
            (0, 0x07) => Some("Command Abort Requested"),
            (0, 0x08) => Some("Command Aborted due to SQ Deletion"),
            (0, 0x0B) => Some("Invalid Namespace or Format"),
            (0, 0x0C) => Some("Command Sequence Error"),
            (0, 0x0F) => Some("Invalid Number of SGL Descriptors"),
            (0, 0x13) => Some("Invalid PRP Offset"),
            (0, 0x1C) => Some("Sanitize Failed"),
            (0, 0x1D) => Some("Sanitize In Progress"),
            (0, 0x20) => Some("Namespace is Write Protected"),
            (0, 0x21) => Some("Command Interrupted"),
            (0, 0x22) => Some("Transient Transport Error"),
            (0, 0x80) => Some("LBA Out of Range"),
            (0, 0x81) => Some("Capacity Exceeded"),
            (0, 0x82) => Some("Namespace Not Ready"),
            (0, 0x83) => Some("Reservation Conflict"),
            (0, 0x84) => Some("Format In Progress"),
            (1, 0x01) => Some("Invalid Queue Identifier"),
            (1, 0x06) => Some("Invalid Firmware Slot"),
            (1, 0x07) => Some("Invalid Firmware Image"),
            (1, 0x09) => Some("Invalid Log Page"),
            (1, 0x0A) => Some("Invalid Format"),
            (1, 0x0B) => Some("Firmware Activation Requires Conventional Reset"),
            (1, 0x81) => Some("Invalid Protection Information"),
            (1, 0x82) => Some("Attempted Write to Read Only Range"),
            (2, 0x80) => Some("Write Fault"),
            (2, 0x81) => Some("Unrecovered Read Error"),
            (2, 0x86) => Some("Access Denied"),
            _ => None,
        };
        match known {
            Some(s) => s.to_string(),
            None => {
                let kind = match self.sct() {
                    sct::GENERIC => "generic",
                    sct::COMMAND_SPECIFIC => "command-specific",
                    sct::MEDIA_ERROR => "media/data-integrity",
                    sct::PATH => "path",
                    sct::VENDOR => "vendor-specific",
                    _ => "reserved type",
                };
                format!("{kind} status 0x{:02x}", self.sc())
            }
        }
    }
}

impl fmt::Display for NvmeStatus {
    /// "NVMe status 0x4001 Invalid Command Opcode (DNR)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NVMe status 0x{:04x} {}", self.0, self.name())?;
        let mut flags = Vec::new();
        if self.more() {
            flags.push("MORE");
        }
        if self.dnr() {
            flags.push("DNR");
        }
        if !flags.is_empty() {
            write!(f, " ({})", flags.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_follow_the_ioctl_layout() {
        // 0x4001: Invalid Opcode with DNR (what QEMU answers to Sanitize).
        let s = NvmeStatus(0x4001);
        assert_eq!((s.sct(), s.sc(), s.dnr(), s.more()), (0, 0x01, true, false));
        assert!(s.is_invalid_opcode() && !s.is_success());
        assert_eq!(
            s.to_string(),
            "NVMe status 0x4001 Invalid Command Opcode (DNR)"
        );
        // 0x4002: Invalid Field with DNR (QEMU, log 81h).
        assert!(NvmeStatus(0x4002).is_invalid_field());
        // Invalid Format is command specific: SCT 1, SC 0x0A.
        let f = NvmeStatus(0x410A);
        assert_eq!((f.sct(), f.sc()), (1, 0x0A));
        assert!(f.is_invalid_format() && !f.is_invalid_field());
        assert_eq!(f.name(), "Invalid Format");
        // Format In Progress: SCT 0, SC 0x84.
        assert!(NvmeStatus(0x0084).is_format_in_progress());
        assert!(!NvmeStatus(0x0184).is_format_in_progress());
        // Sanitize codes.
        assert!(NvmeStatus(0x001D).is_sanitize_in_progress());
        assert!(NvmeStatus(0x401C).is_sanitize_failed());
        // MORE bit 13, CRD bits 12:11.
        let m = NvmeStatus(0x2000 | 0x1000 | 0x0281);
        assert!(m.more() && !m.dnr());
        assert_eq!(m.crd(), 2);
        assert_eq!((m.sct(), m.sc()), (2, 0x81));
        assert_eq!(m.name(), "Unrecovered Read Error");
        assert!(m.to_string().ends_with("(MORE)"));
        assert_eq!(NvmeStatus::new(1, 0x0A, true), f);
        assert_eq!(NvmeStatus(0x0000).name(), "Successful Completion");
        assert_eq!(NvmeStatus(0x07C3).name(), "vendor-specific status 0xc3");
    }
}
