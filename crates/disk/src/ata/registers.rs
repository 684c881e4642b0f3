//! ATA output registers as they come back through SAT sense data, and what is known when they
//! do not.
//!
//! Sources: descriptor format — the ATA Status Return descriptor ([`crate::scsi::sense`]).
//! Fixed format — SAT-5 tables 212/213 as quoted in the Linux patch "ata: libata-scsi: Fix
//! offsets for the fixed format sense data" (Igor Pylypiv, 2024): INFORMATION (bytes 3–6) =
//! ERROR, STATUS, DEVICE, COUNT(7:0); COMMAND-SPECIFIC INFORMATION (bytes 8–11) = flags (bit 7
//! EXTEND, bit 6 COUNT UPPER NONZERO, bit 5 LBA UPPER NONZERO, bits 3:0 LOG INDEX), LBA(7:0),
//! LBA(15:8), LBA(23:16). The high bytes of a 48-bit result are therefore lost in fixed format;
//! only whether they were non-zero is known.

use crate::scsi::{Sense, SenseFormat};

/// STATUS register bits.
pub mod status_bits {
    /// Bit 0, error (ACS-4 STATUS field): the ERROR register says why the command failed.
    pub const ERR: u8 = 0x01;
    /// Also "sense data available" in ACS-3; ardoise only reads it as "a transfer was pending".
    pub const DRQ: u8 = 0x08;
    /// Bit 5, device fault: the device cannot continue.
    pub const DF: u8 = 0x20;
    /// Bit 6, device ready: the device accepts commands.
    pub const DRDY: u8 = 0x40;
    /// Bit 7, busy: while set, no other bit of STATUS is valid.
    pub const BSY: u8 = 0x80;
}

/// ERROR register bits.
pub mod error_bits {
    /// Bit 2, command aborted (ACS-4 ERROR field): the device refused the command
    /// (unsupported, bad parameters, or a state such as a frozen feature set).
    pub const ABRT: u8 = 0x04;
    /// Bit 4, ID not found: the address is outside the accessible range.
    pub const IDNF: u8 = 0x10;
    /// Bit 6, uncorrectable data error on the medium.
    pub const UNC: u8 = 0x40;
    /// Bit 7, interface CRC error during the transfer.
    pub const ICRC: u8 = 0x80;
}

/// The registers a device returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AtaRegisters {
    /// ERROR register; meaningful when STATUS has ERR (see [`error_bits`]).
    pub error: u8,
    /// COUNT(15:0); the high byte only when [`AtaRegisters::extended`].
    pub count: u16,
    /// LBA(47:0); LBA(47:24) only when [`AtaRegisters::extended`].
    pub lba: u64,
    /// DEVICE register; a 28-bit result may carry LBA(27:24) in bits 3:0.
    pub device: u8,
    /// STATUS register (see [`status_bits`]).
    pub status: u8,
    /// The device reported 48-bit registers (EXTEND).
    pub extended: bool,
}

impl AtaRegisters {
    /// ERR, DF, DRQ or BSY: the command did not complete successfully (hdparm treats ERR and
    /// DRQ as failure; DF is a device fault; BSY means nothing else is valid).
    pub fn is_failure(&self) -> bool {
        use status_bits::*;
        self.status & (ERR | DRQ | DF | BSY) != 0
    }

    /// ABRT in the error register: the device refused the command.
    pub fn is_aborted(&self) -> bool {
        self.status & status_bits::ERR != 0 && self.error & error_bits::ABRT != 0
    }

    /// The address of a 28-bit result: LBA(23:0) with LBA(27:24) from DEVICE bits 3:0.
    /// A 28-bit command's LBA. ACS puts LBA(27:24) in DEVICE bits 3:0; a SATL may instead
    /// return it in the descriptor's LBA(31:24) byte (SAT's ATA Status Return has no
    /// "DEVICE remap"; hdparm reads it there). DEVICE is taken when it holds the bits, the
    /// LBA(31:24) byte otherwise, so both placements read the same address.
    pub fn lba28(&self) -> u32 {
        let high = match self.device & 0x0f {
            0 => ((self.lba >> 24) & 0x0f) as u8,
            d => d,
        };
        (self.lba & 0x00ff_ffff) as u32 | u32::from(high) << 24
    }
}

impl std::fmt::Display for AtaRegisters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ATA status 0x{:02x} error 0x{:02x} count 0x{:04x} lba 0x{:012x} device 0x{:02x}",
            self.status, self.error, self.count, self.lba, self.device
        )
    }
}

/// What is known of the output registers of one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registers {
    /// Every register (descriptor-format sense).
    Complete(AtaRegisters),
    /// Fixed-format sense: ERROR, STATUS, DEVICE, COUNT(7:0) and LBA(23:0) are exact; the high
    /// bytes of COUNT and LBA(47:24) are reported as zero here and are only known to be zero
    /// when the matching flag is false.
    LowOnly {
        /// ERROR, STATUS, DEVICE, COUNT(7:0) and LBA(23:0); the high bytes read as zero.
        regs: AtaRegisters,
        /// COUNT(15:8) was not zero (flag bit 6 of the COMMAND-SPECIFIC INFORMATION).
        count_upper_nonzero: bool,
        /// LBA(47:24) was not zero (flag bit 5 of the COMMAND-SPECIFIC INFORMATION).
        lba_upper_nonzero: bool,
    },
    /// The command did not ask for registers (no CK_COND) and the SAT layer said GOOD, which
    /// SAT defines as "completed without error".
    NotRequested,
    /// The command asked for registers (CK_COND) and none came back (some USB bridges): the
    /// command's outcome is unknown. Re-read the state (IDENTIFY DEVICE) before trusting it.
    Unavailable,
}

impl Registers {
    /// Reads the registers carried by sense data, if it carries any.
    pub fn from_sense(sense: &Sense) -> Option<Registers> {
        if let Some(r) = sense.ata_return {
            return Some(Registers::Complete(AtaRegisters {
                error: r.error,
                count: r.count,
                lba: r.lba,
                device: r.device,
                status: r.status,
                extended: r.extend,
            }));
        }
        let fixed = sense.fixed?;
        // libata sets VALID since Linux 6.10; SAT's "ATA PASS-THROUGH INFORMATION AVAILABLE"
        // (00/1D) also says the fields hold registers. Without either, a fixed sense block
        // (e.g. ILLEGAL REQUEST from the translation layer) carries no registers.
        let ata_info = sense.asc == 0x00 && sense.ascq == 0x1d;
        if sense.format != SenseFormat::Fixed || !(fixed.valid || ata_info) {
            return None;
        }
        let [error, status, device, count] = fixed.information;
        let [flags, l0, l1, l2] = fixed.command_specific;
        Some(Registers::LowOnly {
            regs: AtaRegisters {
                error,
                count: u16::from(count),
                lba: u64::from(l0) | u64::from(l1) << 8 | u64::from(l2) << 16,
                device,
                status,
                extended: flags & 0x80 != 0,
            },
            count_upper_nonzero: flags & 0x40 != 0,
            lba_upper_nonzero: flags & 0x20 != 0,
        })
    }

    /// The registers, exact or low-order only.
    pub fn regs(&self) -> Option<&AtaRegisters> {
        match self {
            Registers::Complete(r) | Registers::LowOnly { regs: r, .. } => Some(r),
            _ => None,
        }
    }

    /// Whether the device's success is confirmed by registers or by a SAT GOOD status.
    pub fn is_confirmed(&self) -> bool {
        !matches!(self, Registers::Unavailable)
    }

    /// LBA(47:0), when all of it is known.
    pub fn lba48(&self) -> Option<u64> {
        match *self {
            Registers::Complete(r) => Some(r.lba),
            Registers::LowOnly {
                regs,
                lba_upper_nonzero: false,
                ..
            } => Some(regs.lba),
            _ => None,
        }
    }

    /// The 28-bit address (LBA(23:0) + DEVICE bits 3:0), known in both sense formats.
    pub fn lba28(&self) -> Option<u32> {
        self.regs().map(AtaRegisters::lba28)
    }

    /// COUNT(15:0), when all of it is known.
    pub fn count16(&self) -> Option<u16> {
        match *self {
            Registers::Complete(r) => Some(r.count),
            Registers::LowOnly {
                regs,
                count_upper_nonzero: false,
                ..
            } => Some(regs.count),
            _ => None,
        }
    }
}

impl std::fmt::Display for Registers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Registers::Complete(r) => write!(f, "{r}"),
            Registers::LowOnly {
                regs,
                count_upper_nonzero,
                lba_upper_nonzero,
            } => write!(
                f,
                "{regs} (fixed sense: upper count {}, upper lba {})",
                if *count_upper_nonzero {
                    "non-zero"
                } else {
                    "zero"
                },
                if *lba_upper_nonzero {
                    "non-zero"
                } else {
                    "zero"
                }
            ),
            Registers::NotRequested => write!(f, "no registers requested"),
            Registers::Unavailable => write!(f, "registers unavailable (no sense data)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_descriptor_sense() {
        let b = [
            0x72, 0x0b, 0x00, 0x00, 0, 0, 0, 0x0e, 0x09, 0x0c, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03,
            0x00, 0x00, 0x00, 0x00, 0x40, 0x51,
        ];
        let s = Sense::parse(&b).unwrap().unwrap();
        let r = Registers::from_sense(&s).unwrap();
        let regs = r.regs().unwrap();
        assert!(regs.is_failure());
        assert!(regs.is_aborted());
        assert_eq!(regs.lba, 3);
        assert_eq!(r.lba48(), Some(3));
    }

    #[test]
    fn from_fixed_sense_sat5_offsets() {
        // RECOVERED ERROR 00/1D, VALID; error 00 status 50 device 4A count 7F;
        // flags EXTEND|COUNT UPPER NONZERO; LBA(7:0)=11 (15:8)=22 (23:16)=33.
        let b = [
            0xf0, 0, 0x01, 0x00, 0x50, 0x4a, 0x7f, 0x0a, 0xc0, 0x11, 0x22, 0x33, 0x00, 0x1d, 0, 0,
            0, 0,
        ];
        let s = Sense::parse(&b).unwrap().unwrap();
        let r = Registers::from_sense(&s).unwrap();
        let regs = *r.regs().unwrap();
        assert_eq!(regs.status, 0x50);
        assert_eq!(regs.error, 0);
        assert_eq!(regs.device, 0x4a);
        assert_eq!(regs.count, 0x7f);
        assert_eq!(regs.lba, 0x33_2211);
        assert!(regs.extended);
        assert!(!regs.is_failure());
        assert_eq!(r.count16(), None, "upper count non-zero, so unknown");
        assert_eq!(r.lba48(), Some(0x33_2211));
        assert_eq!(r.lba28(), Some(0x0a33_2211));
    }

    #[test]
    fn fixed_sense_without_ata_information_has_no_registers() {
        // ILLEGAL REQUEST, INVALID FIELD IN CDB from the SAT layer: no VALID, not 00/1D.
        let b = [
            0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x24, 0x00, 0, 0, 0, 0,
        ];
        let s = Sense::parse(&b).unwrap().unwrap();
        assert_eq!(Registers::from_sense(&s), None);
    }

    #[test]
    fn fixed_sense_upper_lba_unknown() {
        let b = [
            0xf0, 0, 0x01, 0x00, 0x50, 0x40, 0x00, 0x0a, 0xa0, 0xff, 0xff, 0xff, 0x00, 0x1d, 0, 0,
            0, 0,
        ];
        let s = Sense::parse(&b).unwrap().unwrap();
        let r = Registers::from_sense(&s).unwrap();
        assert_eq!(r.lba48(), None);
        assert_eq!(r.count16(), Some(0));
    }

    #[test]
    fn confirmation() {
        assert!(!Registers::Unavailable.is_confirmed());
        assert!(Registers::NotRequested.is_confirmed());
        assert_eq!(Registers::Unavailable.lba48(), None);
        assert_eq!(Registers::NotRequested.regs(), None);
    }
}
