//! The R1 card status (response to most commands, and to CMD13), decoded.
//! Bits: JEDEC JESD84 card status, as in mmc-utils `mmc.h` (`R1_*`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Named R1 bits.
pub mod bit {
    /// Bit 31: the command's argument was out of the range this device allows.
    pub const OUT_OF_RANGE: u32 = 1 << 31;
    /// Bit 30: an address not aligned to the block or erase-group boundaries the command needs.
    pub const ADDRESS_MISALIGN: u32 = 1 << 30;
    /// Bit 29: the transferred block length is not allowed for this device.
    pub const BLOCK_LEN_ERROR: u32 = 1 << 29;
    /// Bit 28: CMD35, CMD36 and CMD38 were not sent in that order.
    pub const ERASE_SEQ_ERROR: u32 = 1 << 28;
    /// Bit 27: an invalid selection of erase groups or write blocks for the erase.
    pub const ERASE_PARAM: u32 = 1 << 27;
    /// Bit 26: an attempt to program or erase a write-protected block.
    pub const WP_VIOLATION: u32 = 1 << 26;
    /// Bit 25: the device is locked by a password (a state, not an error).
    pub const DEVICE_IS_LOCKED: u32 = 1 << 25;
    /// Bit 24: a sequence or password error in the lock/unlock command.
    pub const LOCK_UNLOCK_FAILED: u32 = 1 << 24;
    /// Bit 23: the CRC check of the previous command failed.
    pub const COM_CRC_ERROR: u32 = 1 << 23;
    /// Bit 22: the command is not legal in the current state.
    pub const ILLEGAL_COMMAND: u32 = 1 << 22;
    /// Bit 21: the internal ECC was applied but could not correct the data.
    pub const DEVICE_ECC_FAILED: u32 = 1 << 21;
    /// Bit 20: an internal device controller error.
    pub const CC_ERROR: u32 = 1 << 20;
    /// Bit 19: a general or unknown error during the operation.
    pub const ERROR: u32 = 1 << 19;
    /// Bit 16: a write to the CID or to read-only CSD bits was attempted.
    pub const CID_CSD_OVERWRITE: u32 = 1 << 16;
    /// Bit 15: only part of the range was erased, write-protected blocks were skipped.
    pub const WP_ERASE_SKIP: u32 = 1 << 15;
    /// Bit 13: an erase sequence was cleared before CMD38 because another command came in between.
    pub const ERASE_RESET: u32 = 1 << 13;
    /// Bit 8: the device's buffer is empty; it can accept data.
    pub const READY_FOR_DATA: u32 = 1 << 8;
    /// Bit 7: the device did not switch to the mode CMD6 SWITCH asked for.
    pub const SWITCH_ERROR: u32 = 1 << 7;
    /// Bit 6: an exception event is pending (EXT_CSD EXCEPTION_EVENTS_STATUS says which).
    pub const EXCEPTION_EVENT: u32 = 1 << 6;
    /// Bit 5: the device expects the next command to be an application command.
    pub const APP_CMD: u32 = 1 << 5;

    /// Error bits: any of them means the command (or the one before) did not do what was asked.
    pub const ERRORS: u32 = OUT_OF_RANGE
        | ADDRESS_MISALIGN
        | BLOCK_LEN_ERROR
        | ERASE_SEQ_ERROR
        | ERASE_PARAM
        | WP_VIOLATION
        | LOCK_UNLOCK_FAILED
        | COM_CRC_ERROR
        | ILLEGAL_COMMAND
        | DEVICE_ECC_FAILED
        | CC_ERROR
        | ERROR
        | CID_CSD_OVERWRITE
        | SWITCH_ERROR;

    /// For an erase, also a failure: blocks skipped because write-protected, or the erase
    /// sequence cleared before it ran.
    pub const ERASE_FAILURES: u32 = ERRORS | WP_ERASE_SKIP | ERASE_RESET;

    pub(super) const NAMES: [(u32, &str); 20] = [
        (OUT_OF_RANGE, "OUT_OF_RANGE"),
        (ADDRESS_MISALIGN, "ADDRESS_MISALIGN"),
        (BLOCK_LEN_ERROR, "BLOCK_LEN_ERROR"),
        (ERASE_SEQ_ERROR, "ERASE_SEQ_ERROR"),
        (ERASE_PARAM, "ERASE_PARAM"),
        (WP_VIOLATION, "WP_VIOLATION"),
        (DEVICE_IS_LOCKED, "DEVICE_IS_LOCKED"),
        (LOCK_UNLOCK_FAILED, "LOCK_UNLOCK_FAILED"),
        (COM_CRC_ERROR, "COM_CRC_ERROR"),
        (ILLEGAL_COMMAND, "ILLEGAL_COMMAND"),
        (DEVICE_ECC_FAILED, "DEVICE_ECC_FAILED"),
        (CC_ERROR, "CC_ERROR"),
        (ERROR, "ERROR"),
        (CID_CSD_OVERWRITE, "CID/CSD_OVERWRITE"),
        (WP_ERASE_SKIP, "WP_ERASE_SKIP"),
        (ERASE_RESET, "ERASE_RESET"),
        (READY_FOR_DATA, "READY_FOR_DATA"),
        (SWITCH_ERROR, "SWITCH_ERROR"),
        (EXCEPTION_EVENT, "EXCEPTION_EVENT"),
        (APP_CMD, "APP_CMD"),
    ];
}

/// CURRENT_STATE (bits 12:9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardState {
    /// 0: idle.
    Idle,
    /// 1: ready, during card identification.
    Ready,
    /// 2: identification (ident).
    Ident,
    /// 3: stand-by (stby): identified, not selected.
    Standby,
    /// 4: transfer (tran): selected and waiting for a command; the normal state between commands.
    Transfer,
    /// 5: sending data to the host (data).
    Data,
    /// 6: receiving data from the host (rcv).
    Receive,
    /// 7: programming (prg): busy writing or erasing.
    Program,
    /// 8: disconnect (dis).
    Disconnect,
    /// 9: bus testing (btst).
    BusTest,
    /// 10: sleep (slp).
    Sleep,
    /// 11–15: reserved values, kept as read.
    Reserved(u8),
}

impl CardState {
    /// Decodes CURRENT_STATE (bits 12:9 already shifted down).
    pub fn from_bits(v: u8) -> Self {
        match v {
            0 => Self::Idle,
            1 => Self::Ready,
            2 => Self::Ident,
            3 => Self::Standby,
            4 => Self::Transfer,
            5 => Self::Data,
            6 => Self::Receive,
            7 => Self::Program,
            8 => Self::Disconnect,
            9 => Self::BusTest,
            10 => Self::Sleep,
            other => Self::Reserved(other),
        }
    }

    /// The CURRENT_STATE value.
    pub fn code(self) -> u8 {
        match self {
            Self::Idle => 0,
            Self::Ready => 1,
            Self::Ident => 2,
            Self::Standby => 3,
            Self::Transfer => 4,
            Self::Data => 5,
            Self::Receive => 6,
            Self::Program => 7,
            Self::Disconnect => 8,
            Self::BusTest => 9,
            Self::Sleep => 10,
            Self::Reserved(v) => v,
        }
    }

    /// The state's short name ("tran", "prg"...), for transcripts.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Ready => "ready",
            Self::Ident => "ident",
            Self::Standby => "stby",
            Self::Transfer => "tran",
            Self::Data => "data",
            Self::Receive => "rcv",
            Self::Program => "prg",
            Self::Disconnect => "dis",
            Self::BusTest => "btst",
            Self::Sleep => "slp",
            Self::Reserved(_) => "reserved",
        }
    }
}

/// An R1 card status word.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CardStatus(pub u32);

impl CardStatus {
    fn has(self, b: u32) -> bool {
        self.0 & b != 0
    }
    /// Bit 31: the argument was outside the device's range.
    pub fn out_of_range(self) -> bool {
        self.has(bit::OUT_OF_RANGE)
    }
    /// Bit 30: the address was not aligned as the command requires.
    pub fn address_misalign(self) -> bool {
        self.has(bit::ADDRESS_MISALIGN)
    }
    /// Bit 28: the erase commands came out of order.
    pub fn erase_seq_error(self) -> bool {
        self.has(bit::ERASE_SEQ_ERROR)
    }
    /// Bit 27: an invalid erase range.
    pub fn erase_param(self) -> bool {
        self.has(bit::ERASE_PARAM)
    }
    /// Bit 26: a write or erase hit a write-protected block.
    pub fn wp_violation(self) -> bool {
        self.has(bit::WP_VIOLATION)
    }
    /// Bit 25: the device is password-locked.
    pub fn device_is_locked(self) -> bool {
        self.has(bit::DEVICE_IS_LOCKED)
    }
    /// Bit 22: the command was not legal in the card's state.
    pub fn illegal_command(self) -> bool {
        self.has(bit::ILLEGAL_COMMAND)
    }
    /// Bit 19 (ERROR): a general or unknown error.
    pub fn generic_error(self) -> bool {
        self.has(bit::ERROR)
    }
    /// Bit 15: write-protected blocks were left unerased.
    pub fn wp_erase_skip(self) -> bool {
        self.has(bit::WP_ERASE_SKIP)
    }
    /// Bit 13: the erase sequence was cleared before it ran.
    pub fn erase_reset(self) -> bool {
        self.has(bit::ERASE_RESET)
    }
    /// Bit 8: the card's buffer can accept data.
    pub fn ready_for_data(self) -> bool {
        self.has(bit::READY_FOR_DATA)
    }
    /// Bit 7: a CMD6 SWITCH did not take effect.
    pub fn switch_error(self) -> bool {
        self.has(bit::SWITCH_ERROR)
    }
    /// Bit 6: an exception event is pending.
    pub fn exception_event(self) -> bool {
        self.has(bit::EXCEPTION_EVENT)
    }
    /// Bits 12:9: the state the card was in when it answered.
    pub fn current_state(self) -> CardState {
        CardState::from_bits(((self.0 >> 9) & 0xf) as u8)
    }
    /// Any error bit.
    pub fn has_error(self) -> bool {
        self.0 & bit::ERRORS != 0
    }
    /// Any bit that means an erase did not cover what was asked.
    pub fn has_erase_failure(self) -> bool {
        self.0 & bit::ERASE_FAILURES != 0
    }
    /// Names of the bits set (state excluded).
    pub fn flag_names(self) -> Vec<&'static str> {
        bit::NAMES
            .iter()
            .filter(|(b, _)| self.has(*b))
            .map(|(_, n)| *n)
            .collect()
    }
}

impl fmt::Display for CardStatus {
    /// "R1 0x00000900 state tran [READY_FOR_DATA]".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "R1 0x{:08x} state {}",
            self.0,
            self.current_state().as_str()
        )?;
        let names = self.flag_names();
        if !names.is_empty() {
            write!(f, " [{}]", names.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r1_bits_and_state() {
        // tran state (4 << 9), READY_FOR_DATA: the normal idle answer.
        let ok = CardStatus(0x0000_0900);
        assert_eq!(ok.current_state(), CardState::Transfer);
        assert!(ok.ready_for_data() && !ok.has_error() && !ok.has_erase_failure());
        assert_eq!(ok.to_string(), "R1 0x00000900 state tran [READY_FOR_DATA]");

        let e = CardStatus(1 << 27 | 1 << 28 | 1 << 15 | 7 << 9);
        assert!(e.erase_param() && e.erase_seq_error() && e.wp_erase_skip());
        assert_eq!(e.current_state(), CardState::Program);
        assert!(e.has_error());
        let skip_only = CardStatus(1 << 15 | 4 << 9);
        assert!(!skip_only.has_error() && skip_only.has_erase_failure());
        let reset = CardStatus(1 << 13 | 4 << 9);
        assert!(reset.erase_reset() && reset.has_erase_failure());
        let sw = CardStatus(1 << 7 | 4 << 9);
        assert!(sw.switch_error() && sw.has_error());
        assert!(CardStatus(1 << 31).out_of_range());
        assert!(CardStatus(1 << 30).address_misalign());
        assert!(CardStatus(1 << 22).illegal_command());
        assert!(CardStatus(1 << 19).generic_error());
        assert!(CardStatus(1 << 26).wp_violation());
        assert!(CardStatus(1 << 25).device_is_locked() && !CardStatus(1 << 25).has_error());
        assert!(CardStatus(1 << 6).exception_event());
        assert_eq!(
            CardStatus(1 << 27 | 1 << 8).flag_names(),
            vec!["ERASE_PARAM", "READY_FOR_DATA"]
        );
        assert_eq!(CardState::from_bits(10), CardState::Sleep);
        assert_eq!(CardState::from_bits(13), CardState::Reserved(13));
        for v in 0..16 {
            assert_eq!(CardState::from_bits(v).code(), v);
        }
    }
}
