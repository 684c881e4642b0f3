//! A simulated NVMe controller: answers raw admin commands the way a controller would.
//!
//! It decodes every field itself from the NVMe Base Specification 2.0 layout (docs/standards.md
//! §2) and never calls [`crate::nvme`]'s encoders or parsers, so that an encoder bug gets the
//! answer a real controller gives (Invalid Field in Command, Invalid Opcode...) and a test fails.
//!
//! What it models:
//! - Identify Controller / Namespace / Active Namespace list, SMART / Health log (02h),
//!   Sanitize Status log (81h) with offsets and NUMD, reserved-bit checks.
//! - Sanitize (84h): Block Erase, Crypto Erase, Overwrite (OWPASS, OIPBP, OVRPAT), AUSE, NDAS
//!   (with NDI and the No-Deallocate Response Mode), Exit Failure Mode; progress (SPROG) that
//!   advances per Sanitize Status log read or with wall-clock time; the failure state with
//!   restricted (AUSE = 0) or unrestricted (AUSE = 1) exit; commands refused meanwhile (Format NVM
//!   and a second Sanitize: Sanitize In Progress 1Dh while running, Sanitize Failed 1Ch in the
//!   failure state; Identify and Get Log Page stay allowed).
//! - Format NVM (80h): SES 0/1/2 (SES 2 only with FNA bit 2), FNA bit 0 (format of any namespace
//!   formats all), bit 1 (secure erase of any namespace erases all), bit 3 (no broadcast), LBA
//!   format change (the namespace's LBA size and NSZE follow).
//! - A QEMU-like personality (QEMU `hw/nvme/ctrl.c`, docs/standards.md §6): no Sanitize
//!   (Invalid Opcode 0x4001), log 81h answered with Invalid Field 0x4002, SES ignored (any value
//!   zero-fills).
//! - Knobs: lying (success, nothing erased), partial (only the first fraction erased), sanitize
//!   failure, the device vanishing mid-operation, a Sanitize command lost on its way (unclear
//!   answer), a completion without Global Data Erased, a trim-only fake (zeros whatever NDAS
//!   says), health figures.
//! - Host reads and writes are refused (EIO) while a sanitize runs and in the failure state,
//!   as a controller aborts I/O with Sanitize In Progress / Sanitize Failed.
//!
//! What erase leaves on the medium (one byte pattern per outcome, so tests and verification can
//! tell them apart):
//! - Sanitize, when the controller deallocates afterwards (NDAS = 0, or NDI forcing it, and
//!   `deallocate_after_sanitize`): zeros, whatever the action (deallocated LBAs read as zeros,
//!   DLFEAT = 001b).
//! - Sanitize with NDAS = 1: Block Erase → zeros; Crypto Erase → pseudo-random bytes (the old
//!   ciphertext read through a new key); Overwrite → the 32-bit OVRPAT, little-endian, repeated,
//!   as written by the last pass (inverted when OIPBP is set and the pass count is even).
//! - Format NVM: SES 0 → zeros (as QEMU does; the specification leaves the data indeterminate),
//!   SES 1 → zeros, SES 2 → pseudo-random bytes; QEMU personality → zeros for every SES.
//!
//! Limits: block I/O through [`crate::sim::SimBlock`] does not go through this model, so host
//! writes do not clear Global Data Erased, and a change
//! of LBA format does not change the sector size [`crate::sim::SimMedia`] reports to the block
//! path (the namespace's Identify data does change). Media verification (EMVS, SANACT 5) is not
//! modelled.
//!
//! [`NvmeSimConfig`] (what the controller is) and [`NvmeSimState`] (what happened to it) are
//! separate serde structures, so a later process can rebuild the same controller from JSON.
//!
//! One file per admin command: `identify`, `log` (Get Log Page), `sanitize`, `format`
//! (Format NVM); `reply` holds the status codes and shared helpers, `content` what an erase
//! writes, `config` and `state` what the controller is and what happened to it.

mod config;
mod content;
mod format;
mod identify;
mod log;
mod reply;
mod sanitize;
mod state;

use std::sync::Arc;
use std::time::Duration;

use nix::errno::Errno;

pub use config::{
    NvmeKnobs, NvmePersonality, NvmeSimConfig, SanitizeEstimates, SanitizeProgress, SimHealth,
    SimLbaFormat,
};
pub use state::{
    NvmeSimState, SimNamespaceState, SimNvmeError, SimSanitizeFailure, SimSanitizeOperation,
    SimSanitizeState,
};

use crate::sim::media::SimMedia;
use crate::transport::{DataDir, NvmeAdminCmd, NvmeReply, NvmeTransport, TransportError};
use content::Content;
use reply::{gone, reply, INVALID_OPCODE, OP};

/// The simulated controller; implements [`NvmeTransport`].
#[derive(Debug)]
pub struct SimNvmeController {
    config: NvmeSimConfig,
    state: NvmeSimState,
    namespaces: Vec<Arc<SimMedia>>,
}

impl SimNvmeController {
    /// A controller in the given state over one medium per namespace (NSID 1 first); checks that
    /// they fit together.
    pub fn new(
        config: NvmeSimConfig,
        state: NvmeSimState,
        namespaces: Vec<Arc<SimMedia>>,
    ) -> Result<Self, SimNvmeError> {
        if namespaces.is_empty() {
            return Err(SimNvmeError::NoNamespace);
        }
        if config.lba_formats.is_empty() || config.lba_formats.len() > 64 {
            return Err(SimNvmeError::LbaFormats(config.lba_formats.len()));
        }
        if state.namespaces.len() != namespaces.len() {
            return Err(SimNvmeError::NamespaceCount {
                state: state.namespaces.len(),
                media: namespaces.len(),
            });
        }
        for (i, ns) in state.namespaces.iter().enumerate() {
            if usize::from(ns.lbaf) >= config.lba_formats.len() {
                return Err(SimNvmeError::UnknownFormat {
                    nsid: i as u32 + 1,
                    lbaf: ns.lbaf,
                });
            }
        }
        if state.vanished {
            namespaces.iter().for_each(|m| m.vanish());
        }
        let c = SimNvmeController {
            config,
            state,
            namespaces,
        };
        c.sync_host_io();
        Ok(c)
    }

    /// Host I/O is aborted while a sanitize runs and in the sanitize failure state.
    fn sync_host_io(&self) {
        let refused =
            self.state.sanitize.operation.is_some() || self.state.sanitize.failure.is_some();
        self.namespaces
            .iter()
            .for_each(|m| m.refuse_host_io(refused));
    }

    /// A controller fresh from the factory.
    pub fn fresh(
        config: NvmeSimConfig,
        namespaces: Vec<Arc<SimMedia>>,
    ) -> Result<Self, SimNvmeError> {
        let state = NvmeSimState::initial(&config, &namespaces)?;
        Self::new(config, state, namespaces)
    }

    /// What the controller is.
    pub fn config(&self) -> &NvmeSimConfig {
        &self.config
    }

    /// What has happened to the controller.
    pub fn state(&self) -> &NvmeSimState {
        &self.state
    }

    /// The media of the namespaces, NSID 1 first.
    pub fn namespaces(&self) -> &[Arc<SimMedia>] {
        &self.namespaces
    }

    /// The namespace's current LBA data size in bytes.
    pub fn lba_size(&self, nsid: u32) -> Option<u32> {
        let ns = self.state.namespaces.get(nsid.checked_sub(1)? as usize)?;
        let f = self.config.lba_formats[usize::from(ns.lbaf)];
        (f.lbads < 32).then(|| 1u32 << f.lbads)
    }

    fn nn(&self) -> u32 {
        self.namespaces.len() as u32
    }

    fn is_qemu(&self) -> bool {
        self.config.personality == NvmePersonality::Qemu
    }

    fn sanitize_supported(&self) -> bool {
        !self.is_qemu() && self.config.sanicap & 0b111 != 0
    }

    fn vanish(&mut self) -> TransportError {
        self.namespaces.iter().for_each(|m| m.vanish());
        self.state.vanished = true;
        gone(Errno::ENODEV)
    }

    fn media_gone(e: crate::block::BlockError) -> TransportError {
        if e.is_gone() {
            gone(Errno::ENODEV)
        } else {
            TransportError::Os {
                op: OP,
                errno: Errno::EIO,
            }
        }
    }

    /// Writes `content` over the fraction `[from, to)` of namespace `index`.
    fn fill_fraction(
        &self,
        index: usize,
        from: f64,
        to: f64,
        content: Content,
    ) -> Result<(), TransportError> {
        let media = &self.namespaces[index];
        let n = media.native_sectors();
        let first = ((from.clamp(0.0, 1.0)) * n as f64).floor() as u64;
        let end = ((to.clamp(0.0, 1.0)) * n as f64).floor() as u64;
        if end > first {
            media
                .fill_sectors(first, end - first, |chunk, off| content.fill(chunk, off))
                .map_err(Self::media_gone)?;
        }
        Ok(())
    }

    fn crypto_key(&self, generation: u64, nsid: u32) -> [u8; 32] {
        let mut material = Vec::new();
        material.extend_from_slice(self.config.serial.as_bytes());
        material.extend_from_slice(&generation.to_le_bytes());
        material.extend_from_slice(&nsid.to_le_bytes());
        blake3::derive_key("ardoise simulated NVMe media encryption key", &material)
    }
}

impl NvmeTransport for SimNvmeController {
    fn admin(
        &mut self,
        cmd: &NvmeAdminCmd,
        data: DataDir<'_>,
        _timeout: Duration,
    ) -> Result<NvmeReply, TransportError> {
        if self.state.vanished || self.namespaces.iter().any(|m| m.is_gone()) {
            // Also when the block path made the medium vanish: remember it in the state.
            return Err(self.vanish());
        }
        if matches!(
            self.config.sanitize_progress,
            SanitizeProgress::WallClock { .. }
        ) {
            self.advance_sanitize()?;
        }
        let out = match cmd.opcode {
            0x06 | 0x02 => {
                // Controller-to-host transfers (opcode bits 1:0 = 10b).
                let DataDir::FromDevice(buf) = data else {
                    return Err(TransportError::InvalidRequest(format!(
                        "opcode 0x{:02x} returns data but no host buffer was given",
                        cmd.opcode
                    )));
                };
                if cmd.opcode == 0x06 {
                    if buf.len() < 4096 {
                        return Err(TransportError::InvalidRequest(format!(
                            "Identify transfers 4096 bytes; the host buffer holds {}",
                            buf.len()
                        )));
                    }
                    reply(self.identify(cmd, buf)?)
                } else {
                    reply(self.get_log_page(cmd, buf)?)
                }
            }
            0x84 if self.config.knobs.sanitize_answer_lost => Err(TransportError::Os {
                op: OP,
                errno: Errno::EIO,
            }),
            0x84 => reply(self.sanitize(cmd)?),
            0x80 => reply(self.format(cmd)?),
            _ => reply(INVALID_OPCODE),
        };
        self.sync_host_io();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(dir: &std::path::Path, name: &str, sectors: u64) -> Arc<SimMedia> {
        SimMedia::create(&dir.join(name), 512, sectors).unwrap()
    }

    #[test]
    fn state_round_trips_through_json_and_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let m = media(dir.path(), "a.img", 64);
        let config = NvmeSimConfig::default();
        let state = NvmeSimState::initial(&config, std::slice::from_ref(&m)).unwrap();
        let json = serde_json::to_string(&(&config, &state)).unwrap();
        let (c2, s2): (NvmeSimConfig, NvmeSimState) = serde_json::from_str(&json).unwrap();
        assert_eq!((c2.clone(), s2.clone()), (config.clone(), state.clone()));
        assert!(SimNvmeController::new(c2.clone(), s2.clone(), vec![m.clone()]).is_ok());
        assert_eq!(
            SimNvmeController::new(c2.clone(), s2.clone(), vec![m.clone(), m.clone()]).unwrap_err(),
            SimNvmeError::NamespaceCount { state: 1, media: 2 }
        );
        let mut bad = s2;
        bad.namespaces[0].lbaf = 9;
        assert!(SimNvmeController::new(c2, bad, vec![m.clone()]).is_err());
        let m4k = SimMedia::create(&dir.path().join("b.img"), 4096, 8).unwrap();
        assert_eq!(
            NvmeSimState::initial(&config, &[m4k]).unwrap().namespaces[0].lbaf,
            1
        );
    }
}
