//! Format NVM: LBA format, metadata and protection settings, secure erase settings.

use super::content::Content;
use super::reply::{
    INVALID_FIELD, INVALID_FORMAT, INVALID_NAMESPACE, INVALID_OPCODE, NSID_ALL, SANITIZE_FAILED,
    SANITIZE_IN_PROGRESS, SUCCESS,
};
use super::{SimNamespaceState, SimNvmeController};
use crate::transport::{NvmeAdminCmd, TransportError};

/// The fields of a Format NVM command (CDW10).
struct FormatRequest {
    lbaf: u8,
    mset: bool,
    pi: u8,
    pil: bool,
    /// Secure Erase Settings: 0 none, 1 user data erase, 2 cryptographic erase.
    ses: u8,
}

impl FormatRequest {
    fn decode(cdw10: u32) -> FormatRequest {
        FormatRequest {
            lbaf: ((cdw10 & 0xf) | ((cdw10 >> 12) & 0x3) << 4) as u8,
            mset: cdw10 & (1 << 4) != 0,
            pi: ((cdw10 >> 5) & 0x7) as u8,
            pil: cdw10 & (1 << 8) != 0,
            ses: ((cdw10 >> 9) & 0x7) as u8,
        }
    }
}

impl SimNvmeController {
    /// Format NVM: the status field, or an error when the device vanished.
    pub(super) fn format(&mut self, cmd: &NvmeAdminCmd) -> Result<u16, TransportError> {
        if self.config.oacs & (1 << 1) == 0 {
            return Ok(INVALID_OPCODE);
        }
        if self.state.sanitize.operation.is_some() {
            return Ok(SANITIZE_IN_PROGRESS);
        }
        if self.state.sanitize.failure.is_some() {
            return Ok(SANITIZE_FAILED);
        }
        if cmd.cdw10 >> 14 != 0 {
            return Ok(INVALID_FIELD);
        }
        let req = FormatRequest::decode(cmd.cdw10);
        let fna = self.config.fna;
        let qemu = self.is_qemu();
        if !qemu && (req.ses > 2 || (req.ses == 2 && fna & (1 << 2) == 0)) {
            return Ok(INVALID_FIELD);
        }
        let targets = match self.format_targets(cmd.nsid) {
            Ok(targets) => targets,
            Err(status) => return Ok(status),
        };
        if let Err(status) = self.check_format(&req) {
            return Ok(status);
        }
        // Which namespaces lose their data (FNA bit 1: a secure erase erases them all).
        let erase: Vec<usize> = if !qemu && req.ses != 0 && fna & (1 << 1) != 0 {
            (0..self.namespaces.len()).collect()
        } else {
            targets.clone()
        };
        self.erase_for_format(&erase, req.ses == 2 && !qemu)?;
        for &i in &targets {
            self.state.namespaces[i] = SimNamespaceState {
                lbaf: req.lbaf,
                mset: req.mset,
                pi: req.pi,
                pil: req.pil,
            };
        }
        self.state.formats_done += 1;
        Ok(SUCCESS)
    }

    /// The namespaces a format of `nsid` changes (FNA bit 0: all of them at once), or the
    /// status refusing it.
    fn format_targets(&self, nsid: u32) -> Result<Vec<usize>, u16> {
        let fna = self.config.fna;
        let qemu = self.is_qemu();
        let all: Vec<usize> = (0..self.namespaces.len()).collect();
        match nsid {
            NSID_ALL if !qemu && fna & (1 << 3) != 0 => Err(INVALID_FIELD),
            NSID_ALL => Ok(all),
            n if (1..=self.nn()).contains(&n) => {
                if !qemu && fna & 1 != 0 {
                    Ok(all)
                } else {
                    Ok(vec![(n - 1) as usize])
                }
            }
            _ => Err(INVALID_NAMESPACE),
        }
    }

    /// Whether the controller has the LBA format asked for, with its metadata and protection
    /// settings; else the status refusing it.
    fn check_format(&self, req: &FormatRequest) -> Result<(), u16> {
        let Some(format) = self.config.lba_formats.get(usize::from(req.lbaf)).copied() else {
            return Err(INVALID_FORMAT);
        };
        if !(9..32).contains(&format.lbads) {
            return Err(INVALID_FORMAT);
        }
        if req.pi > 3 {
            return Err(INVALID_FIELD);
        }
        if req.pi != 0 && (format.ms < 8 || self.config.dpc & (1 << (req.pi - 1)) == 0) {
            return Err(INVALID_FORMAT);
        }
        if format.ms > 0 {
            let capable = if req.mset {
                self.config.mc & 1
            } else {
                self.config.mc & 2
            };
            if capable == 0 {
                return Err(INVALID_FORMAT);
            }
        }
        Ok(())
    }

    /// Erases the namespaces `erase` (a cryptographic erase under a new key, else zeros) as
    /// far as the knobs let it, then vanishes if a knob says so.
    fn erase_for_format(&mut self, erase: &[usize], crypto: bool) -> Result<(), TransportError> {
        let knobs = self.config.knobs;
        let limit = if knobs.lying {
            0.0
        } else {
            knobs.partial_fraction.unwrap_or(1.0)
        };
        let stop = knobs.vanish_at.map_or(limit, |v| v.min(limit));
        if crypto {
            self.state.key_generation += 1;
        }
        for &i in erase {
            let content = if crypto {
                Content::Random {
                    key: self.crypto_key(self.state.key_generation, i as u32 + 1),
                }
            } else {
                Content::Zeros
            };
            self.fill_fraction(i, 0.0, stop, content)?;
        }
        if knobs.vanish_at.is_some() {
            return Err(self.vanish());
        }
        Ok(())
    }
}
