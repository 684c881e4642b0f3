//! Encoders: typed requests → [`MmcCmd`] as `struct mmc_ioc_cmd` carries them.
//!
//! - CMD8 SEND_EXT_CSD: ADTC, R1, one 512-byte block from the card.
//! - CMD6 SWITCH: arg = access << 24 | index << 16 | value << 8 | command set (1 = normal),
//!   R1b, AC; SANITIZE_START is write-byte, index 165, value 1 → 0x03A50101.
//! - CMD35 / CMD36 ERASE_GROUP_START / _END: the first and last address, R1, AC.
//! - CMD38 ERASE: the argument selects the operation (docs/standards.md §4.4), R1b, AC.
//! - CMD13 SEND_STATUS: arg = RCA << 16, R1, AC.

use crate::transport::MmcCmd;

use super::{ext_csd_index, flags, opcode, EXT_CSD_LEN};

/// The CMD38 argument: what the erase does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EraseKind {
    /// 0x00000000: erase whole erase groups; they read as ERASED_MEM_CONT.
    Erase,
    /// 0x00000001: TRIM write blocks; they read as ERASED_MEM_CONT.
    Trim,
    /// 0x00000003: DISCARD write blocks; the content becomes undefined (old data may remain
    /// readable): not an erase.
    Discard,
    /// 0x80000000: secure erase of whole erase groups (obsolete since eMMC 4.5).
    SecureErase,
    /// 0x80000001: secure trim step 1 — marks write blocks (obsolete since eMMC 4.5).
    SecureTrim1,
    /// 0x80008000: secure trim step 2 — purges every marked block.
    SecureTrim2,
}

impl EraseKind {
    /// Every variant, in the order of the CMD38 argument table in docs/standards.md §4.4.
    pub const ALL: [EraseKind; 6] = [
        EraseKind::Erase,
        EraseKind::Trim,
        EraseKind::Discard,
        EraseKind::SecureErase,
        EraseKind::SecureTrim1,
        EraseKind::SecureTrim2,
    ];

    /// The CMD38 argument that selects this operation.
    pub fn arg(self) -> u32 {
        match self {
            EraseKind::Erase => 0x0000_0000,
            EraseKind::Trim => 0x0000_0001,
            EraseKind::Discard => 0x0000_0003,
            EraseKind::SecureErase => 0x8000_0000,
            EraseKind::SecureTrim1 => 0x8000_0001,
            EraseKind::SecureTrim2 => 0x8000_8000,
        }
    }

    /// The operation's name, for transcripts and messages.
    pub fn name(self) -> &'static str {
        match self {
            EraseKind::Erase => "ERASE",
            EraseKind::Trim => "TRIM",
            EraseKind::Discard => "DISCARD",
            EraseKind::SecureErase => "SECURE ERASE",
            EraseKind::SecureTrim1 => "SECURE TRIM step 1",
            EraseKind::SecureTrim2 => "SECURE TRIM step 2",
        }
    }

    /// Erase and secure erase act on whole erase groups (the card widens the range to the
    /// groups containing its ends); the others act on write blocks (sectors).
    pub fn acts_on_erase_groups(self) -> bool {
        matches!(self, EraseKind::Erase | EraseKind::SecureErase)
    }

    /// Argument bit 31: a secure variant (secure erase or secure trim).
    pub fn is_secure(self) -> bool {
        self.arg() & 0x8000_0000 != 0
    }
}

/// CMD6 access modes (arg bits 25:24).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchAccess {
    /// 0: change the command set (the one in arg bits 2:0); no EXT_CSD byte is written.
    CommandSet = 0,
    /// 1: set the bits of `value` in the EXT_CSD byte.
    SetBits = 1,
    /// 2: clear the bits of `value` in the EXT_CSD byte.
    ClearBits = 2,
    /// 3: write `value` to the EXT_CSD byte.
    WriteByte = 3,
}

/// CMD8 SEND_EXT_CSD.
pub fn send_ext_csd() -> MmcCmd {
    MmcCmd {
        write_flag: false,
        opcode: opcode::SEND_EXT_CSD,
        arg: 0,
        flags: flags::RSP_SPI_R1 | flags::RSP_R1 | flags::CMD_ADTC,
        blksz: EXT_CSD_LEN as u32,
        blocks: 1,
        ..Default::default()
    }
}

/// CMD6 SWITCH on EXT_CSD byte `index` (command set 1, normal).
pub fn switch(access: SwitchAccess, index: u8, value: u8, cmd_timeout_ms: u32) -> MmcCmd {
    MmcCmd {
        write_flag: true,
        opcode: opcode::SWITCH,
        arg: (access as u32) << 24 | u32::from(index) << 16 | u32::from(value) << 8 | 1,
        flags: flags::RSP_SPI_R1B | flags::RSP_R1B | flags::CMD_AC,
        cmd_timeout_ms,
        ..Default::default()
    }
}

/// CMD6 writing 1 to SANITIZE_START. `cmd_timeout_ms` 0 = the kernel's 240 s.
pub fn sanitize_start(cmd_timeout_ms: u32) -> MmcCmd {
    switch(
        SwitchAccess::WriteByte,
        ext_csd_index::SANITIZE_START as u8,
        1,
        cmd_timeout_ms,
    )
}

fn erase_address(op: u32, address: u32) -> MmcCmd {
    MmcCmd {
        write_flag: true,
        opcode: op,
        arg: address,
        flags: flags::RSP_SPI_R1 | flags::RSP_R1 | flags::CMD_AC,
        ..Default::default()
    }
}

/// CMD35 ERASE_GROUP_START.
pub fn erase_group_start(address: u32) -> MmcCmd {
    erase_address(opcode::ERASE_GROUP_START, address)
}

/// CMD36 ERASE_GROUP_END.
pub fn erase_group_end(address: u32) -> MmcCmd {
    erase_address(opcode::ERASE_GROUP_END, address)
}

/// CMD38 ERASE with the argument of `kind`.
pub fn erase(kind: EraseKind, cmd_timeout_ms: u32) -> MmcCmd {
    MmcCmd {
        write_flag: true,
        opcode: opcode::ERASE,
        arg: kind.arg(),
        flags: flags::RSP_SPI_R1B | flags::RSP_R1B | flags::CMD_AC,
        cmd_timeout_ms,
        ..Default::default()
    }
}

/// The three commands sent as one MMC_IOC_MULTI_CMD so nothing slips in between.
pub fn erase_sequence(kind: EraseKind, start: u32, end: u32, cmd_timeout_ms: u32) -> [MmcCmd; 3] {
    [
        erase_group_start(start),
        erase_group_end(end),
        erase(kind, cmd_timeout_ms),
    ]
}

/// CMD13 SEND_STATUS to the card at `rca`.
pub fn send_status(rca: u16) -> MmcCmd {
    MmcCmd {
        write_flag: false,
        opcode: opcode::SEND_STATUS,
        arg: u32::from(rca) << 16,
        flags: flags::RSP_R1 | flags::CMD_AC,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_values_match_the_kernel_header() {
        assert_eq!(flags::RSP_R1, 0x15);
        assert_eq!(flags::RSP_R1B, 0x1D);
        assert_eq!(flags::RSP_SPI_R1, 0x80);
        assert_eq!(flags::RSP_SPI_R1B, 0x480);
        assert_eq!(flags::CMD_ADTC, 0x20);
    }

    #[test]
    fn ext_csd_read() {
        let c = send_ext_csd();
        assert_eq!((c.opcode, c.arg, c.blksz, c.blocks), (8, 0, 512, 1));
        assert_eq!(c.flags, 0x80 | 0x15 | 0x20);
        assert!(!c.write_flag);
    }

    #[test]
    fn sanitize_switch_argument() {
        let c = sanitize_start(0);
        assert_eq!(c.opcode, 6);
        assert_eq!(c.arg, 0x03A5_0101);
        assert_eq!(c.flags, 0x480 | 0x1D);
        assert!(c.write_flag);
        assert_eq!(sanitize_start(5000).cmd_timeout_ms, 5000);
        // ERASE_GROUP_DEF (175) set to 1, write byte.
        assert_eq!(switch(SwitchAccess::WriteByte, 175, 1, 0).arg, 0x03AF_0101);
        assert_eq!(switch(SwitchAccess::SetBits, 33, 1, 0).arg, 0x0121_0101);
    }

    #[test]
    fn erase_sequence_arguments() {
        let expected = [
            (EraseKind::Erase, 0x0000_0000u32),
            (EraseKind::Trim, 0x0000_0001),
            (EraseKind::Discard, 0x0000_0003),
            (EraseKind::SecureErase, 0x8000_0000),
            (EraseKind::SecureTrim1, 0x8000_0001),
            (EraseKind::SecureTrim2, 0x8000_8000),
        ];
        for (kind, arg) in expected {
            let [s, e, x] = erase_sequence(kind, 1024, 2047, 1000);
            assert_eq!((s.opcode, s.arg, s.flags), (35, 1024, 0x95));
            assert_eq!((e.opcode, e.arg, e.flags), (36, 2047, 0x95));
            assert_eq!((x.opcode, x.arg, x.flags), (38, arg, 0x49D));
            assert_eq!(x.cmd_timeout_ms, 1000);
            assert_eq!(kind.is_secure(), arg & 0x8000_0000 != 0);
        }
        assert!(EraseKind::Erase.acts_on_erase_groups());
        assert!(EraseKind::SecureErase.acts_on_erase_groups());
        assert!(!EraseKind::Trim.acts_on_erase_groups());
    }

    #[test]
    fn send_status_carries_the_rca() {
        let c = send_status(1);
        assert_eq!((c.opcode, c.arg, c.flags), (13, 0x0001_0000, 0x15));
        assert_eq!(send_status(0x1234).arg, 0x1234_0000);
    }
}
