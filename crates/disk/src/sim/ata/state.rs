//! What a simulated ATA drive remembers: security, sanitize and hidden-area state.

use serde::{Deserialize, Serialize};

use super::AtaSimConfig;

/// Security state (word 128 and the passwords).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AtaSecurityState {
    /// Word 128 bit 1: a user password is set, so the drive locks at power on.
    pub enabled: bool,
    /// Word 128 bit 2: media access commands abort until SECURITY UNLOCK.
    pub locked: bool,
    /// Word 128 bit 3: security commands abort until the next power cycle (SECURITY FREEZE LOCK).
    pub frozen: bool,
    /// Security level Maximum (else High).
    pub level_maximum: bool,
    /// The user password, when one is set (32 bytes as sent in the data block).
    pub user_password: Option<[u8; 32]>,
    /// The master password (all zero until SET PASSWORD with the master identifier).
    pub master_password: [u8; 32],
    /// IDENTIFY word 92, master password revision code.
    pub master_revision: u16,
    /// Wrong passwords since power on; five set "count expired".
    pub failed_attempts: u8,
}

impl AtaSecurityState {
    /// Word 128 bit 4: five wrong passwords since power on, so the commands that take a password
    /// abort until the next power cycle (ACS-4, Security feature set).
    pub fn count_expired(&self) -> bool {
        self.failed_attempts >= 5
    }
}

/// A sanitize operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AtaSanitizeOp {
    /// CRYPTO SCRAMBLE EXT: the medium reads as random bytes afterwards.
    CryptoScramble,
    /// BLOCK ERASE EXT: the medium reads as the drive's block-erase fill.
    BlockErase,
    /// OVERWRITE EXT with its COUNT and LBA fields.
    Overwrite {
        /// LBA(31:0): the 32-bit pattern.
        pattern: u32,
        /// COUNT bits 3:0: number of passes (0 meaning 16).
        passes: u8,
        /// COUNT bit 7 INVERT PATTERN BETWEEN PASSES.
        invert: bool,
        /// COUNT bit 6 DEFINITIVE ENDING PATTERN: the last pass writes the pattern itself, not its
        /// inverse.
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
        /// The operation running.
        op: AtaSanitizeOp,
        /// COUNT bit 4 FAILURE MODE of the command that started it.
        failure_mode: bool,
        /// SANITIZE STATUS EXT polls answered so far (the knobs may end the operation after a
        /// number of polls).
        polls_done: u32,
        /// Wall-clock start, for knobs that time the operation instead.
        started_unix_ms: u64,
        /// Seed of the random bytes a crypto scramble leaves.
        seed: u64,
    },
    /// SD3: the last sanitize failed and host I/O is refused.
    Failed {
        /// COUNT bit 4 FAILURE MODE of the failed command: when set, SANITIZE STATUS EXT with
        /// CLEAR SANITIZE OPERATION FAILED returns to SD0; otherwise another sanitize must
        /// succeed.
        failure_mode: bool,
    },
    /// SD4.
    Succeeded,
}

/// The Sanitize Device state, and what SANITIZE STATUS EXT reports.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AtaSanitizeState {
    /// SD0 to SD4.
    pub phase: AtaSanitizePhase,
    /// SANITIZE ANTIFREEZE LOCK EXT was accepted: SANITIZE FREEZE LOCK EXT aborts (reason 04h)
    /// until power cycle.
    pub antifreeze: bool,
    /// "Sanitize operation completed without error" (kept across power cycles).
    pub completed_without_error: bool,
}

/// Mutable state of the simulated SATA disk (persisted between processes by a later layer).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AtaSimState {
    /// Security feature set state.
    pub security: AtaSecurityState,
    /// Sanitize Device feature set state.
    pub sanitize: AtaSanitizeState,
    /// Sectors visible to the host (HPA / AMAX); `None`: all of the native size.
    pub max_sectors: Option<u64>,
    /// What `max_sectors` returns to at power on (a volatile SET MAX is forgotten).
    pub max_sectors_at_power_on: Option<u64>,
    /// Native size as reduced by a DCO SET; `None`: the medium's size.
    pub dco_sectors: Option<u64>,
    /// DEVICE CONFIGURATION FREEZE LOCK was accepted: DEVICE CONFIGURATION RESTORE aborts until
    /// power cycle.
    pub dco_frozen: bool,
    /// FREEZE ACCESSIBLE MAX ADDRESS EXT was accepted: SET ACCESSIBLE MAX aborts until power cycle.
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
