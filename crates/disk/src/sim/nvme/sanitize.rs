//! Sanitize: block erase, overwrite, crypto erase and exit failure mode, with progress by polls
//! or wall clock and the knobs that make it fail, vanish or lie.

use super::super::now_unix_ms;
use super::content::Content;
use super::reply::{INVALID_FIELD, INVALID_OPCODE, SANITIZE_FAILED, SANITIZE_IN_PROGRESS, SUCCESS};
use super::{SanitizeProgress, SimNvmeController, SimSanitizeFailure, SimSanitizeOperation};
use crate::transport::{NvmeAdminCmd, TransportError};

impl SimNvmeController {
    pub(super) fn progress_of(&self, op: &SimSanitizeOperation) -> f64 {
        match self.config.sanitize_progress {
            SanitizeProgress::Polls { polls: 0 } => 1.0,
            SanitizeProgress::Polls { polls } => f64::from(op.polls) / f64::from(polls),
            SanitizeProgress::WallClock { millis: 0 } => 1.0,
            SanitizeProgress::WallClock { millis } => {
                now_unix_ms().saturating_sub(op.started_unix_ms) as f64 / millis as f64
            }
        }
    }

    pub(super) fn overwrite_passes(cdw10: u32) -> u8 {
        match ((cdw10 >> 4) & 0xf) as u8 {
            0 => 16,
            n => n,
        }
    }

    pub(super) fn sanitize_content(&self, op: &SimSanitizeOperation, nsid: u32) -> Content {
        if op.deallocate || self.config.knobs.deallocate_only {
            return Content::Zeros;
        }
        match op.cdw10 & 0x7 {
            3 => {
                let passes = Self::overwrite_passes(op.cdw10);
                let invert = op.cdw10 & (1 << 8) != 0 && passes.is_multiple_of(2);
                Content::Pattern(if invert { !op.ovrpat } else { op.ovrpat })
            }
            4 => Content::Random {
                key: self.crypto_key(op.key_generation, nsid),
            },
            _ => Content::Zeros,
        }
    }

    /// Moves the running operation to its current progress: erases the newly covered part,
    /// then vanishes, fails or completes when the knobs or the progress say so.
    pub(super) fn advance_sanitize(&mut self) -> Result<(), TransportError> {
        let Some(op) = self.state.sanitize.operation.clone() else {
            return Ok(());
        };
        let progress = self.progress_of(&op).min(1.0);
        let knobs = self.config.knobs;
        let vanish = knobs.vanish_at.filter(|&v| v <= progress);
        let fail = knobs.sanitize_fails_at.filter(|&f| f <= progress);
        let stop = [Some(progress), vanish, fail]
            .into_iter()
            .flatten()
            .fold(f64::INFINITY, f64::min);
        let limit = if knobs.lying {
            0.0
        } else {
            knobs.partial_fraction.unwrap_or(1.0)
        };
        let to = stop.min(limit);
        if to > op.erased_fraction {
            for i in 0..self.namespaces.len() {
                let content = self.sanitize_content(&op, i as u32 + 1);
                self.fill_fraction(i, op.erased_fraction, to, content)?;
            }
            if let Some(o) = self.state.sanitize.operation.as_mut() {
                o.erased_fraction = to;
            }
        }
        let passes = if op.cdw10 & 0x7 == 3 {
            Self::overwrite_passes(op.cdw10)
        } else {
            0
        };
        let s = &mut self.state.sanitize;
        if vanish.is_some() {
            s.passes_completed = (f64::from(passes) * stop) as u8;
            return Err(self.vanish());
        }
        if fail.is_some() {
            s.operation = None;
            s.status = 3;
            s.passes_completed = (f64::from(passes) * stop) as u8;
            s.global_data_erased = false;
            s.failure = Some(SimSanitizeFailure {
                unrestricted: op.cdw10 & (1 << 3) != 0,
            });
            return Ok(());
        }
        if progress >= 1.0 {
            s.operation = None;
            s.status = if op.forced_deallocation { 4 } else { 1 };
            s.passes_completed = passes;
            s.global_data_erased = !knobs.sanitize_without_global_data_erased;
            s.failure = None;
        } else {
            s.passes_completed = (f64::from(passes) * progress) as u8;
        }
        Ok(())
    }

    pub(super) fn sanitize(&mut self, cmd: &NvmeAdminCmd) -> Result<u16, TransportError> {
        if !self.sanitize_supported() {
            return Ok(INVALID_OPCODE);
        }
        if self.state.sanitize.operation.is_some() {
            return Ok(SANITIZE_IN_PROGRESS);
        }
        let cdw10 = cmd.cdw10;
        let sanact = cdw10 & 0x7;
        let ause = cdw10 & (1 << 3) != 0;
        let ndas = cdw10 & (1 << 9) != 0;
        let emvs = cdw10 & (1 << 10) != 0;
        let vers = self.config.sanicap & (1 << 3) != 0;
        let ndi = self.config.sanicap & (1 << 29) != 0;
        // Bits 31:11 are reserved; EMVS only exists with media verification support.
        if cdw10 >> 11 != 0 || (emvs && !vers) {
            return Ok(INVALID_FIELD);
        }
        let method_bit = match sanact {
            1 => {
                return Ok(match self.state.sanitize.failure {
                    None => SUCCESS,
                    Some(f) if f.unrestricted => {
                        self.state.sanitize.failure = None;
                        SUCCESS
                    }
                    Some(_) => SANITIZE_FAILED,
                });
            }
            5 if vers => return Ok(SUCCESS),
            2 => 1,
            3 => 2,
            4 => 0,
            _ => return Ok(INVALID_FIELD),
        };
        if self.config.sanicap & (1 << method_bit) == 0 {
            return Ok(INVALID_FIELD);
        }
        if let Some(f) = self.state.sanitize.failure {
            // After a restricted failure only a new restricted sanitize may start.
            if !f.unrestricted && ause {
                return Ok(SANITIZE_FAILED);
            }
        }
        let mut forced_deallocation = false;
        if ndas && ndi {
            if !self.config.no_dealloc_response_mode {
                return Ok(INVALID_FIELD);
            }
            forced_deallocation = true;
        }
        let deallocate = forced_deallocation || (!ndas && self.config.deallocate_after_sanitize);
        let key_generation = if sanact == 4 {
            self.state.key_generation += 1;
            self.state.key_generation
        } else {
            self.state.key_generation
        };
        self.state.sanitizes_started += 1;
        let s = &mut self.state.sanitize;
        s.operation = Some(SimSanitizeOperation {
            cdw10,
            ovrpat: cmd.cdw11,
            started_unix_ms: now_unix_ms(),
            polls: 0,
            erased_fraction: 0.0,
            deallocate,
            forced_deallocation,
            key_generation,
        });
        s.scdw10 = cdw10;
        s.status = 2;
        s.passes_completed = 0;
        s.global_data_erased = false;
        s.failure = None;
        Ok(SUCCESS)
    }
}
