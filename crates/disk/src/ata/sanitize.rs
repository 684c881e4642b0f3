//! SANITIZE feature set (command B4h, 48-bit non-data): sub-commands, their LBA keys and COUNT
//! bits, and the decoding of SANITIZE STATUS EXT.
//!
//! Sources: hdparm `hdparm.h` / `do_sanitize_cmd()`, opensea-transport `ata_helper.h`, and the
//! ACS-4 Sanitize Device feature set as reproduced in WD Ultrastar OEM specifications
//! (docs/standards.md §1.6).

use std::fmt;

use super::passthrough::{op, AtaCommand};
use super::registers::AtaRegisters;

/// FEATURES values.
pub mod feature {
    /// SANITIZE STATUS EXT: reports the state and progress (COUNT bit 0 clears SD3).
    pub const STATUS_EXT: u16 = 0x0000;
    /// CRYPTO SCRAMBLE EXT: changes the internal encryption keys of the user data.
    pub const CRYPTO_SCRAMBLE_EXT: u16 = 0x0011;
    /// BLOCK ERASE EXT: block erase of all user data, allocated or not.
    pub const BLOCK_ERASE_EXT: u16 = 0x0012;
    /// OVERWRITE EXT: writes a 32-bit pattern over all user data.
    pub const OVERWRITE_EXT: u16 = 0x0014;
    /// SANITIZE FREEZE LOCK EXT: enters SD1 until the next power-on reset.
    pub const FREEZE_LOCK_EXT: u16 = 0x0020;
    /// SANITIZE ANTIFREEZE LOCK EXT: makes SANITIZE FREEZE LOCK EXT abort until the next power-on
    /// reset.
    pub const ANTIFREEZE_LOCK_EXT: u16 = 0x0040;
}

/// LBA keys ("Cryp", "BkEr", "FrLk", "Anti"; OVERWRITE carries "OW" in LBA(47:32)).
pub mod key {
    /// "Cryp" (0000_4372_7970h), required in LBA(47:0) by CRYPTO SCRAMBLE EXT.
    pub const CRYPTO_SCRAMBLE: u64 = 0x4372_7970;
    /// "BkEr" (0000_426B_4572h), required in LBA(47:0) by BLOCK ERASE EXT.
    pub const BLOCK_ERASE: u64 = 0x426B_4572;
    /// "FrLk" (0000_4672_4C6Bh), required in LBA(47:0) by SANITIZE FREEZE LOCK EXT.
    pub const FREEZE_LOCK: u64 = 0x4672_4C6B;
    /// "Anti" (0000_416E_7469h), required in LBA(47:0) by SANITIZE ANTIFREEZE LOCK EXT.
    pub const ANTIFREEZE_LOCK: u64 = 0x416E_7469;
    /// "OW" (4F57h), required in LBA(47:32) by OVERWRITE EXT; LBA(31:0) holds the pattern.
    pub const OVERWRITE: u64 = 0x4F57;
}

/// COUNT bits of the sanitize operation commands.
pub mod count_bits {
    /// SANITIZE STATUS EXT: CLEAR SANITIZE OPERATION FAILED.
    pub const CLEAR_FAILED: u16 = 1 << 0;
    /// FAILURE MODE: a failed operation may be left with SANITIZE STATUS EXT + CLEAR.
    pub const FAILURE_MODE: u16 = 1 << 4;
    /// OVERWRITE EXT: DEFINITIVE ENDING PATTERN.
    pub const DEFINITIVE_ENDING: u16 = 1 << 6;
    /// OVERWRITE EXT: INVERT PATTERN BETWEEN OVERWRITE PASSES.
    pub const INVERT: u16 = 1 << 7;
    /// ZONED NO RESET.
    pub const ZONED_NO_RESET: u16 = 1 << 15;
}

/// Options shared by the three sanitize operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SanitizeOptions {
    /// FAILURE MODE bit: allow leaving a failed state with SANITIZE STATUS EXT (CLEAR).
    pub failure_mode: bool,
    /// ZONED NO RESET (zoned devices only).
    pub zoned_no_reset: bool,
}

impl SanitizeOptions {
    fn count_bits(self) -> u16 {
        let mut c = 0;
        if self.failure_mode {
            c |= count_bits::FAILURE_MODE;
        }
        if self.zoned_no_reset {
            c |= count_bits::ZONED_NO_RESET;
        }
        c
    }
}

/// OVERWRITE EXT parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverwriteOptions {
    /// The 32-bit OVERWRITE PATTERN (LBA(31:0)).
    pub pattern: u32,
    /// Passes, 1–16 (encoded in COUNT bits 3:0, where 0 means 16).
    pub passes: u8,
    /// COUNT bit 7, INVERT PATTERN BETWEEN OVERWRITE PASSES: the pattern is inverted on every
    /// other pass.
    pub invert: bool,
    /// COUNT bit 6, DEFINITIVE ENDING PATTERN: the last pass writes the pattern as given, not
    /// inverted.
    pub definitive_ending: bool,
}

/// An overwrite pass count outside 1–16, which COUNT bits 3:0 cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("overwrite pass count {0} outside 1..=16")]
pub struct BadPassCount(pub u8);

/// Builds the sanitize sub-commands.
pub fn status_command(clear_failed: bool) -> AtaCommand {
    let count = if clear_failed {
        count_bits::CLEAR_FAILED
    } else {
        0
    };
    AtaCommand::non_data_ext(op::SANITIZE, feature::STATUS_EXT, count, 0)
}

/// SANITIZE CRYPTO SCRAMBLE EXT with its key and the option bits in COUNT.
pub fn crypto_scramble_command(opts: SanitizeOptions) -> AtaCommand {
    AtaCommand::non_data_ext(
        op::SANITIZE,
        feature::CRYPTO_SCRAMBLE_EXT,
        opts.count_bits(),
        key::CRYPTO_SCRAMBLE,
    )
}

/// SANITIZE BLOCK ERASE EXT with its key and the option bits in COUNT.
pub fn block_erase_command(opts: SanitizeOptions) -> AtaCommand {
    AtaCommand::non_data_ext(
        op::SANITIZE,
        feature::BLOCK_ERASE_EXT,
        opts.count_bits(),
        key::BLOCK_ERASE,
    )
}

/// SANITIZE OVERWRITE EXT: "OW" and the pattern in the LBA, passes and option bits in COUNT.
/// Refuses a pass count outside 1–16.
pub fn overwrite_command(
    ow: OverwriteOptions,
    opts: SanitizeOptions,
) -> Result<AtaCommand, BadPassCount> {
    if !(1..=16).contains(&ow.passes) {
        return Err(BadPassCount(ow.passes));
    }
    let mut count = opts.count_bits() | u16::from(ow.passes & 0x0f);
    if ow.invert {
        count |= count_bits::INVERT;
    }
    if ow.definitive_ending {
        count |= count_bits::DEFINITIVE_ENDING;
    }
    Ok(AtaCommand::non_data_ext(
        op::SANITIZE,
        feature::OVERWRITE_EXT,
        count,
        key::OVERWRITE << 32 | u64::from(ow.pattern),
    ))
}

/// SANITIZE FREEZE LOCK EXT with its key.
pub fn freeze_lock_command() -> AtaCommand {
    AtaCommand::non_data_ext(op::SANITIZE, feature::FREEZE_LOCK_EXT, 0, key::FREEZE_LOCK)
}

/// SANITIZE ANTIFREEZE LOCK EXT with its key.
pub fn antifreeze_lock_command() -> AtaCommand {
    AtaCommand::non_data_ext(
        op::SANITIZE,
        feature::ANTIFREEZE_LOCK_EXT,
        0,
        key::ANTIFREEZE_LOCK,
    )
}

/// States of the Sanitize Device state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanitizeState {
    /// SD0: idle.
    Idle,
    /// SD1: SANITIZE FREEZE LOCK EXT was accepted; sanitize operations abort until power cycle.
    Frozen,
    /// SD2: an operation is in progress.
    InProgress,
    /// SD3: the last operation failed.
    Failed,
    /// SD4: the last operation completed without error.
    Succeeded,
}

impl SanitizeState {
    /// The state's name as ACS-4 numbers it ("SD0 idle" ... "SD4 operation succeeded").
    pub fn label(self) -> &'static str {
        match self {
            SanitizeState::Idle => "SD0 idle",
            SanitizeState::Frozen => "SD1 frozen",
            SanitizeState::InProgress => "SD2 operation in progress",
            SanitizeState::Failed => "SD3 operation failed",
            SanitizeState::Succeeded => "SD4 operation succeeded",
        }
    }
}

/// SANITIZE DEVICE ERROR REASON (LBA(7:0) of an aborted sanitize command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanitizeErrorReason {
    /// 00h: the device gave no reason.
    NotReported,
    /// 01h: the last sanitize operation completed unsuccessfully (device in SD3).
    LastOperationFailed,
    /// 02h: invalid or unsupported FEATURE value.
    Unsupported,
    /// 03h: device in SD1 (frozen).
    Frozen,
    /// 04h: SANITIZE FREEZE LOCK refused because the antifreeze lock is set.
    AntifreezeLock,
    /// 05h–FFh: a code ACS-4 does not define, kept as read.
    Reserved(u8),
}

impl SanitizeErrorReason {
    /// Decodes the reason code of LBA(7:0).
    pub fn from_code(v: u8) -> Self {
        match v {
            0 => SanitizeErrorReason::NotReported,
            1 => SanitizeErrorReason::LastOperationFailed,
            2 => SanitizeErrorReason::Unsupported,
            3 => SanitizeErrorReason::Frozen,
            4 => SanitizeErrorReason::AntifreezeLock,
            other => SanitizeErrorReason::Reserved(other),
        }
    }

    /// From the registers of an aborted sanitize command.
    pub fn from_registers(r: &AtaRegisters) -> Self {
        Self::from_code((r.lba & 0xff) as u8)
    }
}

impl fmt::Display for SanitizeErrorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SanitizeErrorReason::NotReported => write!(f, "reason not reported"),
            SanitizeErrorReason::LastOperationFailed => {
                write!(f, "last sanitize operation completed unsuccessfully")
            }
            SanitizeErrorReason::Unsupported => write!(f, "unsupported sanitize command"),
            SanitizeErrorReason::Frozen => write!(f, "device in sanitize frozen state"),
            SanitizeErrorReason::AntifreezeLock => write!(f, "antifreeze lock enabled"),
            SanitizeErrorReason::Reserved(v) => write!(f, "reserved reason 0x{v:02x}"),
        }
    }
}

/// SANITIZE STATUS EXT, decoded (hdparm `get_sanitize_state()`, `sanitize_normal_output()`):
/// COUNT bit 15 operation completed without error, 14 in progress, 13 frozen, 12 antifreeze;
/// LBA(15:0) progress (FFFFh when no operation is in progress).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SanitizeStatus {
    /// SD0–SD4 as read from COUNT bits 15:13, or SD3 from an aborted status command.
    pub state: SanitizeState,
    /// Numerator of a fraction of 65536, while in progress.
    pub progress: Option<u16>,
    /// COUNT bit 15 (kept across power cycles).
    pub last_completed_without_error: bool,
    /// COUNT bit 12: SANITIZE ANTIFREEZE LOCK EXT is in effect.
    pub antifreeze: bool,
    /// Why the status command itself was aborted (SD3: [`SanitizeErrorReason::LastOperationFailed`]).
    pub failure: Option<SanitizeErrorReason>,
}

impl SanitizeStatus {
    /// From the output registers of a successful SANITIZE STATUS EXT.
    pub fn from_output(count: u16, lba: u64) -> Self {
        let frozen = count & (1 << 13) != 0;
        let in_progress = count & (1 << 14) != 0;
        let succeeded = count & (1 << 15) != 0;
        let state = if frozen {
            SanitizeState::Frozen
        } else if in_progress {
            SanitizeState::InProgress
        } else if succeeded {
            SanitizeState::Succeeded
        } else {
            SanitizeState::Idle
        };
        let p = (lba & 0xffff) as u16;
        SanitizeStatus {
            state,
            progress: (state == SanitizeState::InProgress && p != 0xffff).then_some(p),
            last_completed_without_error: succeeded,
            antifreeze: count & (1 << 12) != 0,
            failure: None,
        }
    }

    /// A SANITIZE STATUS EXT aborted with reason 01h: the device is in SD3.
    pub fn failed(reason: SanitizeErrorReason) -> Self {
        SanitizeStatus {
            state: SanitizeState::Failed,
            progress: None,
            last_completed_without_error: false,
            antifreeze: false,
            failure: Some(reason),
        }
    }

    /// Progress in percent, hdparm's way: (progress + 1) × 100 / FFFFh.
    pub fn progress_percent(&self) -> Option<f64> {
        self.progress
            .map(|p| (f64::from(p) + 1.0) * 100.0 / f64::from(0xffffu16))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_fields() {
        let c = crypto_scramble_command(SanitizeOptions {
            failure_mode: true,
            zoned_no_reset: false,
        });
        assert_eq!((c.features, c.count, c.lba), (0x11, 0x10, 0x4372_7970));
        assert!(c.extended && c.check_condition);
        let c = block_erase_command(SanitizeOptions::default());
        assert_eq!((c.features, c.count, c.lba), (0x12, 0, 0x426B_4572));
        let c = overwrite_command(
            OverwriteOptions {
                pattern: 0xdead_beef,
                passes: 16,
                invert: true,
                definitive_ending: true,
            },
            SanitizeOptions {
                failure_mode: false,
                zoned_no_reset: true,
            },
        )
        .unwrap();
        assert_eq!(c.features, 0x14);
        assert_eq!(c.count, 0x8000 | 0x80 | 0x40);
        assert_eq!(c.lba, 0x4f57_dead_beef);
        let c = overwrite_command(
            OverwriteOptions {
                pattern: 0,
                passes: 3,
                invert: false,
                definitive_ending: false,
            },
            SanitizeOptions::default(),
        )
        .unwrap();
        assert_eq!(c.count, 3);
        assert_eq!(status_command(true).count, 1);
        assert_eq!(status_command(false).features, 0);
        assert_eq!(freeze_lock_command().lba, 0x4672_4C6B);
        assert_eq!(antifreeze_lock_command().features, 0x40);
    }

    #[test]
    fn pass_count_limits() {
        let ow = |passes| OverwriteOptions {
            pattern: 0,
            passes,
            invert: false,
            definitive_ending: false,
        };
        assert_eq!(
            overwrite_command(ow(0), SanitizeOptions::default()),
            Err(BadPassCount(0))
        );
        assert_eq!(
            overwrite_command(ow(17), SanitizeOptions::default()),
            Err(BadPassCount(17))
        );
    }

    #[test]
    fn status_decoding() {
        let s = SanitizeStatus::from_output(0x4000, 0x8000);
        assert_eq!(s.state, SanitizeState::InProgress);
        assert_eq!(s.progress, Some(0x8000));
        assert!((s.progress_percent().unwrap() - 50.0).abs() < 0.01);
        let s = SanitizeStatus::from_output(0x8000, 0xffff);
        assert_eq!(s.state, SanitizeState::Succeeded);
        assert_eq!(s.progress, None);
        assert!(s.last_completed_without_error);
        let s = SanitizeStatus::from_output(0x2000 | 0x1000, 0xffff);
        assert_eq!(s.state, SanitizeState::Frozen);
        assert!(s.antifreeze);
        assert_eq!(
            SanitizeStatus::from_output(0, 0xffff).state,
            SanitizeState::Idle
        );
        let f = SanitizeStatus::failed(SanitizeErrorReason::from_code(1));
        assert_eq!(f.state, SanitizeState::Failed);
        assert_eq!(
            SanitizeErrorReason::from_code(4),
            SanitizeErrorReason::AntifreezeLock
        );
    }
}
