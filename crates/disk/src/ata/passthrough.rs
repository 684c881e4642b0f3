//! ATA PASS-THROUGH(16) (SAT, opcode 0x85): a typed ATA command and its CDB.
//!
//! CDB layout (hdparm `sgio.c` `sg16()`, sg3_utils `sg_sat_identify.c`; docs/standards.md
//! §1.2): byte 1 = PROTOCOL (bits 4:1) | EXTEND (bit 0); byte 2 = CK_COND (5), T_DIR (3),
//! BYT_BLOK (2), T_LENGTH (1:0); bytes 3/4 FEATURES(15:8)/(7:0); 5/6 COUNT(15:8)/(7:0);
//! 7/8 LBA(31:24)/(7:0); 9/10 LBA(39:32)/(15:8); 11/12 LBA(47:40)/(23:16); 13 DEVICE;
//! 14 COMMAND; 15 CONTROL.
//!
//! CK_COND policy (hdparm): non-data commands set CK_COND so that the output registers come back
//! in sense data; data commands do not ("libata/AHCI workaround: don't demand sense data for
//! IDENTIFY"), and their success is the SAT layer's GOOD status.

/// ATA command opcodes used by ardoise (hdparm `sgio.h`, ACS).
pub mod op {
    /// READ NATIVE MAX ADDRESS EXT: the native max LBA in 48 bits (ATA8-ACS / ACS-2, HPA).
    pub const READ_NATIVE_MAX_EXT: u8 = 0x27;
    /// SET MAX ADDRESS EXT: moves the 48-bit accessible maximum (ATA8-ACS / ACS-2, HPA).
    pub const SET_MAX_EXT: u8 = 0x37;
    /// GET NATIVE MAX ADDRESS EXT / SET ACCESSIBLE MAX ADDRESS EXT / FREEZE ACCESSIBLE MAX
    /// ADDRESS EXT (FEATURES 0 / 1 / 2).
    pub const ACCESSIBLE_MAX_ADDRESS: u8 = 0x78;
    /// SMART; the sub-command is in FEATURES (ACS-4 SMART feature set).
    pub const SMART: u8 = 0xb0;
    /// DEVICE CONFIGURATION; the sub-command is in FEATURES (ATA8-ACS / ACS-2, DCO).
    pub const DEVICE_CONFIGURATION: u8 = 0xb1;
    /// SANITIZE DEVICE; the sub-command is in FEATURES (ACS-4 Sanitize Device feature set).
    pub const SANITIZE: u8 = 0xb4;
    /// CHECK POWER MODE: the power state comes back in COUNT (ACS-4).
    pub const CHECK_POWER_MODE: u8 = 0xe5;
    /// FLUSH CACHE, the 28-bit form (ACS-4).
    pub const FLUSH_CACHE: u8 = 0xe7;
    /// FLUSH CACHE EXT: writes the volatile cache to the medium (ACS-4).
    pub const FLUSH_CACHE_EXT: u8 = 0xea;
    /// IDENTIFY DEVICE: the 512-byte identification data (ACS-4).
    pub const IDENTIFY_DEVICE: u8 = 0xec;
    /// SECURITY SET PASSWORD (ACS-4 Security feature set).
    pub const SECURITY_SET_PASSWORD: u8 = 0xf1;
    /// SECURITY UNLOCK (ACS-4 Security feature set).
    pub const SECURITY_UNLOCK: u8 = 0xf2;
    /// SECURITY ERASE PREPARE, which must immediately precede SECURITY ERASE UNIT (ACS-4).
    pub const SECURITY_ERASE_PREPARE: u8 = 0xf3;
    /// SECURITY ERASE UNIT (ACS-4 Security feature set).
    pub const SECURITY_ERASE_UNIT: u8 = 0xf4;
    /// SECURITY FREEZE LOCK (ACS-4 Security feature set).
    pub const SECURITY_FREEZE_LOCK: u8 = 0xf5;
    /// SECURITY DISABLE PASSWORD (ACS-4 Security feature set).
    pub const SECURITY_DISABLE_PASSWORD: u8 = 0xf6;
    /// READ NATIVE MAX ADDRESS: the native max LBA in 28 bits (ATA8-ACS / ACS-2, HPA).
    pub const READ_NATIVE_MAX: u8 = 0xf8;
    /// SET MAX ADDRESS: moves the 28-bit accessible maximum (ATA8-ACS / ACS-2, HPA).
    pub const SET_MAX: u8 = 0xf9;
}

/// SAT PROTOCOL field values (hdparm `SG_ATA_PROTO_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AtaProtocol {
    /// 3: no data phase.
    NonData,
    /// 4: PIO data-in (device to host).
    PioIn,
    /// 5: PIO data-out (host to device).
    PioOut,
}

impl AtaProtocol {
    /// The value of the PROTOCOL field (CDB byte 1 bits 4:1).
    pub fn code(self) -> u8 {
        match self {
            AtaProtocol::NonData => 3,
            AtaProtocol::PioIn => 4,
            AtaProtocol::PioOut => 5,
        }
    }
}

/// DEVICE register value hdparm sends (bit 6: LBA addressing).
pub const DEVICE_LBA: u8 = 0x40;

/// One ATA command, as the registers the host writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtaCommand {
    /// COMMAND register: the opcode (see [`op`]).
    pub command: u8,
    /// FEATURES register; the sub-command of SMART, SANITIZE, DCO and Accessible Max Address.
    pub features: u16,
    /// COUNT; for PIO commands, the number of 512-byte blocks transferred.
    pub count: u16,
    /// LBA(47:0); a 28-bit command carries LBA(27:24) in DEVICE bits 3:0.
    pub lba: u64,
    /// DEVICE register; [`DEVICE_LBA`] unless a caller needs otherwise.
    pub device: u8,
    /// How data moves, which sets PROTOCOL and the T_DIR, BYT_BLOK and T_LENGTH flags.
    pub protocol: AtaProtocol,
    /// 48-bit command (EXTEND bit): the high bytes of FEATURES, COUNT and LBA are sent.
    pub extended: bool,
    /// Ask the SAT layer for the output registers even on success (CK_COND).
    pub check_condition: bool,
}

/// Why an [`AtaCommand`] cannot be put in a CDB.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AtaEncodeError {
    /// A 28-bit command was given an LBA above 0FFF_FFFFh.
    #[error("LBA 0x{0:x} does not fit in 28 bits")]
    LbaTooLarge28(u64),
    /// A 48-bit command was given an LBA above FFFF_FFFF_FFFFh.
    #[error("LBA 0x{0:x} does not fit in 48 bits")]
    LbaTooLarge48(u64),
    /// A 28-bit command was given FEATURES or COUNT above FFh, which only the 48-bit form sends.
    #[error("{field} 0x{value:x} needs the 48-bit (EXTEND) form")]
    FieldNeedsExtend {
        /// The register: "FEATURES" or "COUNT".
        field: &'static str,
        /// The value that does not fit in 8 bits.
        value: u16,
    },
    /// A PIO command with COUNT 0, which would transfer nothing.
    #[error("a PIO command must transfer at least one block (COUNT = 0)")]
    NoBlocks,
    /// A 28-bit command whose DEVICE bits 3:0 are not zero, where LBA(27:24) goes.
    #[error("DEVICE bits 3:0 (0x{0:x}) collide with LBA(27:24) of a 28-bit command")]
    DeviceLowBits(u8),
}

impl AtaCommand {
    fn base(command: u8, features: u16, count: u16, lba: u64, protocol: AtaProtocol) -> Self {
        AtaCommand {
            command,
            features,
            count,
            lba,
            device: DEVICE_LBA,
            protocol,
            extended: false,
            check_condition: protocol == AtaProtocol::NonData,
        }
    }

    /// A 28-bit non-data command (CK_COND set).
    pub fn non_data(command: u8, features: u16, count: u16, lba: u64) -> Self {
        Self::base(command, features, count, lba, AtaProtocol::NonData)
    }

    /// A 48-bit non-data command (CK_COND set).
    pub fn non_data_ext(command: u8, features: u16, count: u16, lba: u64) -> Self {
        AtaCommand {
            extended: true,
            ..Self::base(command, features, count, lba, AtaProtocol::NonData)
        }
    }

    /// A 28-bit PIO data-in command of `blocks` 512-byte blocks (no CK_COND).
    pub fn pio_in(command: u8, features: u16, blocks: u16, lba: u64) -> Self {
        Self::base(command, features, blocks, lba, AtaProtocol::PioIn)
    }

    /// A 28-bit PIO data-out command of `blocks` 512-byte blocks (no CK_COND).
    pub fn pio_out(command: u8, features: u16, blocks: u16, lba: u64) -> Self {
        Self::base(command, features, blocks, lba, AtaProtocol::PioOut)
    }

    /// Bytes of the data phase.
    pub fn data_len(&self) -> usize {
        match self.protocol {
            AtaProtocol::NonData => 0,
            _ => usize::from(self.count) * 512,
        }
    }

    /// The ATA PASS-THROUGH(16) CDB.
    pub fn encode(&self) -> Result<[u8; 16], AtaEncodeError> {
        let mut device = self.device;
        if self.extended {
            if self.lba >> 48 != 0 {
                return Err(AtaEncodeError::LbaTooLarge48(self.lba));
            }
        } else {
            if self.lba >> 28 != 0 {
                return Err(AtaEncodeError::LbaTooLarge28(self.lba));
            }
            for (field, value) in [("FEATURES", self.features), ("COUNT", self.count)] {
                if value > 0xff {
                    return Err(AtaEncodeError::FieldNeedsExtend { field, value });
                }
            }
            if device & 0x0f != 0 {
                return Err(AtaEncodeError::DeviceLowBits(device));
            }
            device |= ((self.lba >> 24) & 0x0f) as u8;
        }
        let t_flags = match self.protocol {
            AtaProtocol::NonData => 0,
            // T_DIR=1 (from device) | BYT_BLOK=1 | T_LENGTH=2 (in COUNT)
            AtaProtocol::PioIn => 0x08 | 0x04 | 0x02,
            // T_DIR=0 | BYT_BLOK=1 | T_LENGTH=2
            AtaProtocol::PioOut => 0x04 | 0x02,
        };
        if self.protocol != AtaProtocol::NonData && self.count == 0 {
            return Err(AtaEncodeError::NoBlocks);
        }
        let [f_hi, f_lo] = self.features.to_be_bytes();
        let [c_hi, c_lo] = self.count.to_be_bytes();
        let l = self.lba.to_le_bytes();
        let hi = |b: u8| if self.extended { b } else { 0 };
        Ok([
            0x85,
            (self.protocol.code() << 1) | u8::from(self.extended),
            if self.check_condition { 0x20 } else { 0 } | t_flags,
            hi(f_hi),
            f_lo,
            hi(c_hi),
            c_lo,
            hi(l[3]),
            l[0],
            hi(l[4]),
            l[1],
            hi(l[5]),
            l[2],
            device,
            self.command,
            0,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex16(s: &str) -> [u8; 16] {
        let v = hex::decode(s.replace(' ', "")).unwrap();
        v.try_into().unwrap()
    }

    /// The CDBs of docs/standards.md §1.2 and §1.6 (SAT-5 layout, ACS-4 fields).
    #[test]
    fn reference_cdbs() {
        assert_eq!(
            AtaCommand::pio_in(op::IDENTIFY_DEVICE, 0, 1, 0)
                .encode()
                .unwrap(),
            hex16("85 08 0E 00 00 00 01 00 00 00 00 00 00 40 EC 00")
        );
        assert_eq!(
            AtaCommand::pio_in(op::SMART, 0xd0, 1, 0xc2_4f00)
                .encode()
                .unwrap(),
            hex16("85 08 0E 00 D0 00 01 00 00 00 4F 00 C2 40 B0 00")
        );
        assert_eq!(
            AtaCommand::non_data(op::SECURITY_ERASE_PREPARE, 0, 0, 0)
                .encode()
                .unwrap(),
            hex16("85 06 20 00 00 00 00 00 00 00 00 00 00 40 F3 00")
        );
        // hdparm's DCO IDENTIFY CDB quoted in nwipe issue #444.
        assert_eq!(
            AtaCommand::pio_in(op::DEVICE_CONFIGURATION, 0xc2, 1, 0)
                .encode()
                .unwrap(),
            hex16("85 08 0e 00 c2 00 01 00 00 00 00 00 00 40 b1 00")
        );
        assert_eq!(
            AtaCommand::non_data_ext(op::SANITIZE, 0x12, 0, 0x0000_426B_4572)
                .encode()
                .unwrap(),
            hex16("85 07 20 00 12 00 00 42 72 00 45 00 6B 40 B4 00")
        );
        assert_eq!(
            AtaCommand::non_data_ext(op::SANITIZE, 0x11, 0, 0x0000_4372_7970)
                .encode()
                .unwrap(),
            hex16("85 07 20 00 11 00 00 43 70 00 79 00 72 40 B4 00")
        );
        // OVERWRITE EXT, pattern P = 0xA1B2C3D4, 1 pass: 85 07 20 00 14 00 01 P3 P0 57 P1 4F P2 40 B4 00
        assert_eq!(
            AtaCommand::non_data_ext(op::SANITIZE, 0x14, 1, 0x4F57_A1B2_C3D4)
                .encode()
                .unwrap(),
            hex16("85 07 20 00 14 00 01 A1 D4 57 C3 4F B2 40 B4 00")
        );
        assert_eq!(
            AtaCommand::non_data_ext(op::SANITIZE, 0, 0, 0)
                .encode()
                .unwrap(),
            hex16("85 07 20 00 00 00 00 00 00 00 00 00 00 40 B4 00")
        );
        // PIO data-out, 1 sector (security commands): byte 1 = 0x0A, byte 2 = 0x06.
        assert_eq!(
            AtaCommand::pio_out(op::SECURITY_SET_PASSWORD, 0, 1, 0)
                .encode()
                .unwrap(),
            hex16("85 0A 06 00 00 00 01 00 00 00 00 00 00 40 F1 00")
        );
    }

    #[test]
    fn lba28_high_nibble_goes_to_device() {
        let c = AtaCommand::non_data(op::SET_MAX, 0, 1, 0x0ABC_DEF0)
            .encode()
            .unwrap();
        assert_eq!(c[13], 0x4A);
        assert_eq!((c[8], c[10], c[12]), (0xF0, 0xDE, 0xBC));
        assert_eq!((c[7], c[9], c[11]), (0, 0, 0));
    }

    #[test]
    fn extended_fields_are_split() {
        let c = AtaCommand::non_data_ext(op::SET_MAX_EXT, 0x1234, 0x5678, 0xAABB_CCDD_EEFF)
            .encode()
            .unwrap();
        assert_eq!(
            c,
            [
                0x85, 0x07, 0x20, 0x12, 0x34, 0x56, 0x78, 0xCC, 0xFF, 0xBB, 0xEE, 0xAA, 0xDD, 0x40,
                0x37, 0x00
            ]
        );
    }

    #[test]
    fn encoding_errors() {
        assert_eq!(
            AtaCommand::non_data(op::SET_MAX, 0, 0, 1 << 28).encode(),
            Err(AtaEncodeError::LbaTooLarge28(1 << 28))
        );
        assert_eq!(
            AtaCommand::non_data_ext(op::SET_MAX_EXT, 0, 0, 1 << 48).encode(),
            Err(AtaEncodeError::LbaTooLarge48(1 << 48))
        );
        assert!(matches!(
            AtaCommand::non_data(op::SMART, 0x1d0, 0, 0).encode(),
            Err(AtaEncodeError::FieldNeedsExtend { .. })
        ));
        assert_eq!(
            AtaCommand::pio_in(op::IDENTIFY_DEVICE, 0, 0, 0).encode(),
            Err(AtaEncodeError::NoBlocks)
        );
        let mut c = AtaCommand::non_data(op::SET_MAX, 0, 0, 0);
        c.device = 0x41;
        assert_eq!(c.encode(), Err(AtaEncodeError::DeviceLowBits(0x41)));
    }

    #[test]
    fn data_length() {
        assert_eq!(
            AtaCommand::pio_in(op::IDENTIFY_DEVICE, 0, 1, 0).data_len(),
            512
        );
        assert_eq!(AtaCommand::non_data(op::FLUSH_CACHE, 0, 0, 0).data_len(), 0);
    }
}
