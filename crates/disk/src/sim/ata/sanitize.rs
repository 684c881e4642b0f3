//! The sanitize feature set: CRYPTO SCRAMBLE, BLOCK ERASE, OVERWRITE, FREEZE LOCK,
//! ANTIFREEZE LOCK and SANITIZE STATUS, with the SD0..SD4 state machine.

use super::super::erase::{
    background_progress, count_poll_until_done, erase_with_knobs, EraseResult, Fill,
};
use super::super::now_unix_ms;
use super::super::scsi::gone;
use super::registers::{abort, abort_reason, ok, ok_with, Done, TaskFile};
use super::{AtaSanitizeCaps, AtaSanitizeOp, AtaSanitizePhase, SimAtaDisk};
use crate::transport::TransportError;

impl SimAtaDisk {
    pub(super) fn sanitize_status_out(&self) -> Done {
        let s = &self.state.sanitize;
        let mut count = 0u16;
        if s.completed_without_error {
            count |= 1 << 15;
        }
        if s.antifreeze {
            count |= 1 << 12;
        }
        let mut lba = 0xffff;
        match &s.phase {
            AtaSanitizePhase::InProgress {
                polls_done,
                started_unix_ms,
                ..
            } => {
                count |= 1 << 14;
                lba = u64::from(
                    background_progress(&self.config.knobs, *polls_done, *started_unix_ms)
                        .unwrap_or(0xffff),
                );
            }
            AtaSanitizePhase::Frozen => count |= 1 << 13,
            _ => {}
        }
        ok_with(count, lba, 0x40)
    }

    /// Counts a progress poll and completes the operation when its time has come.
    pub(super) fn advance(&mut self, poll: bool) -> Result<(), TransportError> {
        let finished = match &mut self.state.sanitize.phase {
            AtaSanitizePhase::InProgress {
                polls_done,
                started_unix_ms,
                ..
            } => count_poll_until_done(&self.config.knobs, polls_done, *started_unix_ms, poll),
            _ => false,
        };
        if finished {
            self.finish_sanitize()?;
        }
        Ok(())
    }

    pub(super) fn finish_sanitize(&mut self) -> Result<(), TransportError> {
        let AtaSanitizePhase::InProgress {
            op,
            failure_mode,
            seed,
            ..
        } = self.state.sanitize.phase.clone()
        else {
            return Ok(());
        };
        let fill = match op {
            AtaSanitizeOp::CryptoScramble => Fill::Random(seed),
            AtaSanitizeOp::BlockErase => Fill::Byte(self.config.block_erase_fill),
            AtaSanitizeOp::Overwrite {
                pattern,
                passes,
                invert,
                definitive_ending,
            } => {
                let inverted_last = invert && passes % 2 == 0 && !definitive_ending;
                let p = if inverted_last { !pattern } else { pattern };
                Fill::Repeat {
                    pattern: p.to_le_bytes().to_vec(),
                    period: self.media.sector_size() as usize,
                }
            }
        };
        let r = erase_with_knobs(
            &self.media,
            0,
            self.media.native_sectors(),
            &fill,
            &self.config.knobs,
        );
        self.state.sanitize.phase = match r {
            EraseResult::Done => {
                self.state.sanitize.completed_without_error = true;
                AtaSanitizePhase::Succeeded
            }
            EraseResult::Failed => AtaSanitizePhase::Failed { failure_mode },
            EraseResult::Vanished => return Err(gone()),
        };
        self.sync_media();
        Ok(())
    }

    /// SANITIZE DEVICE: the feature field picks the operation (status, freeze lock, antifreeze
    /// lock, or an erase, each behind its key in LBA).
    pub(super) fn sanitize(&mut self, tf: &TaskFile) -> Result<Done, TransportError> {
        let caps = self.config.sanitize.clone();
        if !caps.any() {
            return Ok(abort());
        }
        match tf.features {
            0x0000 => return self.sanitize_status(tf.count & 1 != 0),
            0x0020 => return Ok(self.sanitize_freeze_lock(tf)),
            0x0040 if caps.antifreeze => return Ok(self.sanitize_antifreeze_lock(tf)),
            _ => {}
        }
        let op = match requested_operation(tf, &caps) {
            Ok(op) => op,
            Err(refused) => return Ok(refused),
        };
        self.start_sanitize(op, tf.count & (1 << 4) != 0)
    }

    /// SANITIZE FREEZE LOCK: refused once ANTIFREEZE LOCK was set.
    fn sanitize_freeze_lock(&mut self, tf: &TaskFile) -> Done {
        if tf.lba != 0x4672_4c6b {
            return abort();
        }
        if self.state.sanitize.antifreeze {
            return abort_reason(4);
        }
        match self.state.sanitize.phase {
            AtaSanitizePhase::Idle | AtaSanitizePhase::Succeeded | AtaSanitizePhase::Frozen => {
                self.state.sanitize.phase = AtaSanitizePhase::Frozen;
                ok()
            }
            _ => abort(),
        }
    }

    /// SANITIZE ANTIFREEZE LOCK: refused once frozen.
    fn sanitize_antifreeze_lock(&mut self, tf: &TaskFile) -> Done {
        if tf.lba != 0x416e_7469 {
            return abort();
        }
        if self.state.sanitize.phase == AtaSanitizePhase::Frozen {
            return abort_reason(3);
        }
        self.state.sanitize.antifreeze = true;
        ok()
    }

    /// Starts `op` unless the state machine forbids it (frozen, running, failed without
    /// FAILURE MODE, locked).
    fn start_sanitize(
        &mut self,
        op: AtaSanitizeOp,
        failure_mode: bool,
    ) -> Result<Done, TransportError> {
        match self.state.sanitize.phase {
            AtaSanitizePhase::Frozen => return Ok(abort_reason(3)),
            AtaSanitizePhase::InProgress { .. } => return Ok(abort()),
            // After a failure without FAILURE MODE, an operation with FAILURE MODE aborts.
            AtaSanitizePhase::Failed {
                failure_mode: false,
            } if failure_mode => return Ok(abort_reason(1)),
            _ => {}
        }
        if self.state.security.locked {
            return Ok(abort());
        }
        self.state.sanitize.completed_without_error = false;
        self.state.sanitize.phase = AtaSanitizePhase::InProgress {
            op,
            failure_mode,
            polls_done: 0,
            started_unix_ms: now_unix_ms(),
            seed: now_unix_ms() ^ 0x0123_4567_89ab_cdef,
        };
        self.sync_media();
        // The command returns once the operation has started; with no polls or duration
        // configured it also completes at once.
        self.advance(false)?;
        Ok(ok())
    }

    pub(super) fn sanitize_status(&mut self, clear_failed: bool) -> Result<Done, TransportError> {
        self.advance(true)?;
        if let AtaSanitizePhase::Failed { failure_mode } = self.state.sanitize.phase {
            if clear_failed && failure_mode {
                self.state.sanitize.phase = AtaSanitizePhase::Idle;
            } else {
                return Ok(abort_reason(1));
            }
        }
        Ok(self.sanitize_status_out())
    }
}

/// The erase a SANITIZE command asks for, if the drive supports it and the key in LBA is
/// right; else the abort to return.
fn requested_operation(tf: &TaskFile, caps: &AtaSanitizeCaps) -> Result<AtaSanitizeOp, Done> {
    match tf.features {
        0x0011 if caps.crypto_scramble => {
            if tf.lba != 0x4372_7970 {
                return Err(abort());
            }
            Ok(AtaSanitizeOp::CryptoScramble)
        }
        0x0012 if caps.block_erase => {
            if tf.lba != 0x426b_4572 {
                return Err(abort());
            }
            Ok(AtaSanitizeOp::BlockErase)
        }
        0x0014 if caps.overwrite => {
            if tf.lba >> 32 != 0x4f57 {
                return Err(abort());
            }
            let passes = match (tf.count & 0x0f) as u8 {
                0 => 16,
                n => n,
            };
            Ok(AtaSanitizeOp::Overwrite {
                pattern: tf.lba as u32,
                passes,
                invert: tf.count & (1 << 7) != 0,
                definitive_ending: tf.count & (1 << 6) != 0,
            })
        }
        _ => Err(abort_reason(2)),
    }
}
