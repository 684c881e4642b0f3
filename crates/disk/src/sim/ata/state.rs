//! What a simulated ATA drive remembers: security, sanitize and hidden-area state.

use serde::{Deserialize, Serialize};

use super::AtaSimConfig;

/// Security state (word 128 and the passwords).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AtaSecurityState {
    pub enabled: bool,
    pub locked: bool,
    pub frozen: bool,
    /// Security level Maximum (else High).
    pub level_maximum: bool,
    pub user_password: Option<[u8; 32]>,
    pub master_password: [u8; 32],
    pub master_revision: u16,
    /// Wrong passwords since power on; five set "count expired".
    pub failed_attempts: u8,
}

impl AtaSecurityState {
    pub fn count_expired(&self) -> bool {
        self.failed_attempts >= 5
    }
}

/// A sanitize operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AtaSanitizeOp {
    CryptoScramble,
    BlockErase,
    Overwrite {
        pattern: u32,
        passes: u8,
        invert: bool,
        definitive_ending: bool,
    },
}

/// Sanitize Device state machine.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AtaSanitizePhase {
    /// SD0.
    #[default]
    Idle,
    /// SD1.
    Frozen,
    /// SD2.
    InProgress {
        op: AtaSanitizeOp,
        failure_mode: bool,
        polls_done: u32,
        started_unix_ms: u64,
        seed: u64,
    },
    /// SD3; `failure_mode` is the FAILURE MODE bit of the failed command.
    Failed { failure_mode: bool },
    /// SD4.
    Succeeded,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AtaSanitizeState {
    pub phase: AtaSanitizePhase,
    pub antifreeze: bool,
    /// "Sanitize operation completed without error" (kept across power cycles).
    pub completed_without_error: bool,
}

/// Mutable state of the simulated SATA disk (persisted between processes by a later layer).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AtaSimState {
    pub security: AtaSecurityState,
    pub sanitize: AtaSanitizeState,
    /// Sectors visible to the host (HPA / AMAX); `None`: all of the native size.
    pub max_sectors: Option<u64>,
    /// What `max_sectors` returns to at power on (a volatile SET MAX is forgotten).
    pub max_sectors_at_power_on: Option<u64>,
    /// Native size as reduced by a DCO SET; `None`: the medium's size.
    pub dco_sectors: Option<u64>,
    pub dco_frozen: bool,
    pub amax_frozen: bool,
    /// The previous ATA command (ERASE PREPARE → ERASE UNIT, READ NATIVE MAX → SET MAX).
    pub last_command: Option<u8>,
}

impl AtaSimState {
    /// The state right after power on.
    pub fn power_on(config: &AtaSimConfig) -> Self {
        let mut s = AtaSimState::default();
        s.security.frozen = config.frozen_at_power_on;
        s
    }

    /// A drive with an HPA (persistent) leaving `visible` sectors to the host.
    pub fn with_hpa(mut self, visible: u64) -> Self {
        self.max_sectors = Some(visible);
        self.max_sectors_at_power_on = Some(visible);
        self
    }

    /// A drive whose user password is set (and, if `locked`, locked as after a power cycle).
    pub fn with_user_password(mut self, password: &[u8], locked: bool) -> Self {
        let mut p = [0u8; 32];
        p[..password.len().min(32)].copy_from_slice(&password[..password.len().min(32)]);
        self.security.user_password = Some(p);
        self.security.enabled = true;
        self.security.locked = locked;
        self
    }
}
