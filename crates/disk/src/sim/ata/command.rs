//! The ATA command set: which protocol each command uses, what a sanitizing or locked drive
//! still processes, and the dispatch to each command family.

use std::time::Duration;

use super::super::scsi::gone;
use super::registers::{
    abort, ok, ok_with, put_in, Done, Proto, TaskFile, AMAX, CHECK_POWER_MODE, DCO,
    DISABLE_PASSWORD, ERASE_PREPARE, ERASE_UNIT, FLUSH_CACHE, FLUSH_CACHE_EXT, FREEZE_LOCK,
    IDENTIFY, READ_NATIVE_MAX, READ_NATIVE_MAX_EXT, SANITIZE, SET_MAX, SET_MAX_EXT, SET_PASSWORD,
    SMART, UNLOCK,
};
use super::{AtaSanitizePhase, SimAtaDisk};
use crate::transport::{DataDir, TransportError};

impl SimAtaDisk {
    pub(super) fn expected_protocol(tf: &TaskFile) -> Proto {
        match tf.command {
            IDENTIFY => Proto::PioIn,
            SMART if matches!(tf.features_low(), 0xd0 | 0xd1) => Proto::PioIn,
            DCO if tf.features_low() == 0xc2 => Proto::PioIn,
            DCO if tf.features_low() == 0xc3 => Proto::PioOut,
            SET_PASSWORD | UNLOCK | ERASE_UNIT | DISABLE_PASSWORD => Proto::PioOut,
            _ => Proto::NonData,
        }
    }

    /// Commands a drive processes while sanitizing (SD2) or after a failed sanitize (SD3).
    pub(super) fn allowed_while_sanitizing(tf: &TaskFile) -> bool {
        match tf.command {
            IDENTIFY | CHECK_POWER_MODE | SANITIZE | UNLOCK => true,
            SMART => tf.features_low() == 0xda,
            _ => false,
        }
    }

    /// Commands a locked drive processes (no media access, no configuration change).
    pub(super) fn allowed_when_locked(tf: &TaskFile) -> bool {
        match tf.command {
            IDENTIFY | CHECK_POWER_MODE | UNLOCK | ERASE_PREPARE | ERASE_UNIT | FLUSH_CACHE
            | FLUSH_CACHE_EXT | SMART | READ_NATIVE_MAX | READ_NATIVE_MAX_EXT => true,
            AMAX => tf.features == 0,
            SANITIZE => tf.features == 0,
            _ => false,
        }
    }

    pub(super) fn ata_command(
        &mut self,
        tf: &TaskFile,
        proto: Proto,
        data: &mut DataDir<'_>,
        timeout: Duration,
    ) -> Result<Done, TransportError> {
        let previous = self.state.last_command.replace(tf.command);
        // Every command of this model transfers at most one block.
        if proto != Self::expected_protocol(tf) || (proto != Proto::NonData && data.len() != 512) {
            return Ok(abort());
        }
        let sanitizing = matches!(
            self.state.sanitize.phase,
            AtaSanitizePhase::InProgress { .. } | AtaSanitizePhase::Failed { .. }
        );
        if sanitizing && !Self::allowed_while_sanitizing(tf) {
            return Ok(abort());
        }
        if self.state.security.locked && !Self::allowed_when_locked(tf) {
            return Ok(abort());
        }
        let out = match tf.command {
            IDENTIFY => {
                let b = self.identify_block();
                put_in(data, &b);
                ok()
            }
            CHECK_POWER_MODE => ok_with(0xff, 0, 0x40),
            FLUSH_CACHE | FLUSH_CACHE_EXT if self.config.flush_cache_fails => abort(),
            FLUSH_CACHE | FLUSH_CACHE_EXT => match self.media.sync() {
                Ok(()) => ok(),
                Err(e) if e.is_gone() => return Err(gone()),
                Err(_) => abort(),
            },
            SMART => self.smart(tf, data),
            SET_PASSWORD => self.set_password(data),
            UNLOCK => self.unlock(data),
            ERASE_PREPARE => self.erase_prepare(),
            ERASE_UNIT => self.erase_unit(data, previous == Some(ERASE_PREPARE), timeout)?,
            FREEZE_LOCK => self.security_freeze_lock(),
            DISABLE_PASSWORD => self.disable_password(data),
            READ_NATIVE_MAX | READ_NATIVE_MAX_EXT => self.read_native_max(tf),
            SET_MAX | SET_MAX_EXT => self.set_max(tf, previous),
            AMAX => self.amax(tf),
            DCO => self.dco(tf, data),
            SANITIZE => self.sanitize(tf)?,
            _ => abort(),
        };
        Ok(out)
    }
}
