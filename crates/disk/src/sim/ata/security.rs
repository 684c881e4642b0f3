//! The security feature set: passwords, UNLOCK, ERASE PREPARE / ERASE UNIT, FREEZE LOCK,
//! DISABLE PASSWORD.

use std::time::Duration;

use super::super::erase::{erase_with_knobs, EraseResult, Fill};
use super::super::scsi::gone;
use super::registers::{abort, ok, Done};
use super::SimAtaDisk;
use crate::transport::{DataDir, TransportError};

/// Minutes encoded in an erase-time word (bit 15: extended format).
fn erase_minutes(word: u16) -> u64 {
    let v = if word & 0x8000 != 0 {
        word & 0x7fff
    } else {
        word & 0xff
    };
    u64::from(v) * 2
}

impl SimAtaDisk {
    pub(super) fn password_block(data: &DataDir<'_>) -> Option<(bool, u16, [u8; 32])> {
        let DataDir::ToDevice(b) = data else {
            return None;
        };
        let word0 = u16::from_le_bytes([b[0], b[1]]);
        let pw: [u8; 32] = b[2..34].try_into().ok()?;
        Some((word0 & 1 != 0, word0, pw))
    }

    pub(super) fn wrong_password(&mut self) -> Done {
        let s = &mut self.state.security;
        s.failed_attempts = (s.failed_attempts + 1).min(5);
        abort()
    }

    pub(super) fn set_password(&mut self, data: &DataDir<'_>) -> Done {
        if self.config.security.is_none() || self.state.security.frozen {
            return abort();
        }
        let Some((master, word0, pw)) = Self::password_block(data) else {
            return abort();
        };
        let DataDir::ToDevice(b) = data else {
            return abort();
        };
        let s = &mut self.state.security;
        if master {
            s.master_password = pw;
            let rev = u16::from_le_bytes([b[34], b[35]]);
            if rev != 0xffff {
                s.master_revision = rev;
            }
        } else {
            s.user_password = Some(pw);
            s.enabled = true;
            s.level_maximum = word0 & (1 << 8) != 0;
        }
        ok()
    }

    pub(super) fn unlock(&mut self, data: &DataDir<'_>) -> Done {
        let s = &self.state.security;
        if self.config.security.is_none() || s.frozen || s.count_expired() || !s.enabled {
            return abort();
        }
        let Some((master, _, pw)) = Self::password_block(data) else {
            return abort();
        };
        let matches = if master {
            if s.level_maximum {
                return abort();
            }
            pw == s.master_password
        } else {
            s.user_password == Some(pw)
        };
        if !matches {
            return self.wrong_password();
        }
        self.state.security.locked = false;
        self.state.security.failed_attempts = 0;
        ok()
    }

    pub(super) fn erase_prepare(&mut self) -> Done {
        if self.config.security.is_none() || self.state.security.frozen {
            return abort();
        }
        ok()
    }

    pub(super) fn erase_unit(
        &mut self,
        data: &DataDir<'_>,
        prepared: bool,
        timeout: Duration,
    ) -> Result<Done, TransportError> {
        let Some(caps) = self.config.security.clone() else {
            return Ok(abort());
        };
        let s = &self.state.security;
        if s.frozen || s.count_expired() || !prepared || !s.enabled {
            return Ok(abort());
        }
        let Some((master, word0, pw)) = Self::password_block(data) else {
            return Ok(abort());
        };
        let enhanced = word0 & (1 << 1) != 0;
        if enhanced && !caps.enhanced_erase {
            return Ok(abort());
        }
        let matches = if master {
            pw == s.master_password
        } else {
            s.user_password == Some(pw)
        };
        if !matches {
            return Ok(self.wrong_password());
        }
        let (count, fill) = if enhanced {
            (
                self.media.native_sectors(),
                Fill::Byte(self.config.enhanced_erase_fill),
            )
        } else {
            (self.visible_sectors(), Fill::Byte(0x00))
        };
        match erase_with_knobs(&self.media, 0, count, &fill, &self.config.knobs) {
            EraseResult::Done => {
                let s = &mut self.state.security;
                s.enabled = false;
                s.locked = false;
                s.user_password = None;
                s.level_maximum = false;
                s.failed_attempts = 0;
            }
            EraseResult::Failed => {
                self.state.security.locked = true;
                return Ok(abort());
            }
            EraseResult::Vanished => return Err(gone()),
        }
        // A timeout shorter than the drive's own estimate: the host gives up (and resets the
        // link) while the drive finishes the erase.
        let word = if enhanced {
            caps.erase_time_enhanced_word
        } else {
            caps.erase_time_normal_word
        };
        let estimate = Duration::from_secs(erase_minutes(word) * 60);
        if timeout < estimate {
            self.sync_media();
            return Err(TransportError::Timeout {
                op: "SECURITY ERASE UNIT",
            });
        }
        Ok(ok())
    }

    pub(super) fn security_freeze_lock(&mut self) -> Done {
        if self.config.security.is_none() {
            return abort();
        }
        self.state.security.frozen = true;
        ok()
    }

    pub(super) fn disable_password(&mut self, data: &DataDir<'_>) -> Done {
        let s = &self.state.security;
        if self.config.security.is_none() || s.frozen || !s.enabled {
            return abort();
        }
        let Some((master, _, pw)) = Self::password_block(data) else {
            return abort();
        };
        let matches = if master {
            !s.level_maximum && pw == s.master_password
        } else {
            s.user_password == Some(pw)
        };
        if !matches {
            return self.wrong_password();
        }
        let s = &mut self.state.security;
        s.enabled = false;
        s.user_password = None;
        s.level_maximum = false;
        ok()
    }
}
