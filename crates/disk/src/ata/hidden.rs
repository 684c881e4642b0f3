//! Hidden areas: Host Protected Area (READ NATIVE MAX / SET MAX ADDRESS), Accessible Max Address
//! (78h), Device Configuration Overlay (B1h).
//!
//! Sources: hdparm `hdparm.c` (`do_get_native_max_sectors()`, `do_set_max_sectors()`,
//! `get_dco_identify_data()`), `identify.c` (`dco_identify_print()`); docs/standards.md §1.7.

use super::identify::{verify_checksum, Checksum};

/// DEVICE CONFIGURATION (B1h) FEATURES.
pub mod dco_feature {
    /// RESTORE: removes every DCO restriction and returns the device to its factory
    /// configuration (ATA8-ACS / ACS-2, DEVICE CONFIGURATION RESTORE).
    pub const RESTORE: u16 = 0xc0;
    /// FREEZE LOCK: makes the DCO settings immutable until the next power cycle
    /// (DEVICE CONFIGURATION FREEZE LOCK).
    pub const FREEZE_LOCK: u16 = 0xc1;
    /// IDENTIFY: returns the 512-byte DEVICE CONFIGURATION IDENTIFY data
    /// ([`DcoIdentify`](super::DcoIdentify)).
    pub const IDENTIFY: u16 = 0xc2;
    /// SET: writes a new overlay; defined here for completeness, ardoise never sends it.
    pub const SET: u16 = 0xc3;
}

/// ACCESSIBLE MAX ADDRESS (78h) FEATURES.
pub mod amax_feature {
    /// GET NATIVE MAX ADDRESS EXT: the native max LBA comes back in LBA(47:0) (ACS-3 and later).
    pub const GET_NATIVE_MAX_EXT: u16 = 0x0000;
    /// SET ACCESSIBLE MAX ADDRESS EXT: the new max LBA goes in LBA(47:0).
    pub const SET_ACCESSIBLE_MAX_EXT: u16 = 0x0001;
    /// FREEZE ACCESSIBLE MAX ADDRESS EXT: blocks further SET ACCESSIBLE MAX ADDRESS EXT until the
    /// next power-on reset.
    pub const FREEZE_ACCESSIBLE_MAX_EXT: u16 = 0x0002;
}

/// Whether a SET MAX ADDRESS survives a power cycle (COUNT bit 0, hdparm `-N p`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxPersistence {
    /// COUNT bit 0 clear: the new maximum is lost at the next power-on or hardware reset.
    Volatile,
    /// COUNT bit 0 set: the new maximum is kept across power cycles.
    NonVolatile,
}

/// What the host can address versus what the device holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxAddresses {
    /// From IDENTIFY (words 100–103 or 60–61).
    pub visible_sectors: u64,
    /// READ NATIVE MAX / GET NATIVE MAX + 1.
    pub native_sectors: u64,
}

impl MaxAddresses {
    /// Sectors hidden from the host (HPA or AMAX), 0 when none.
    pub fn hidden_sectors(&self) -> u64 {
        self.native_sectors.saturating_sub(self.visible_sectors)
    }

    /// visible > native: hdparm calls this "HPA setting seems invalid".
    pub fn is_inconsistent(&self) -> bool {
        self.visible_sectors > self.native_sectors
    }
}

/// DEVICE CONFIGURATION IDENTIFY data (512 bytes): word 0 revision, words 3–6 maximum LBA the
/// device can be restored to, word 7 command sets that DCO can hide (bit 3 security, bit 7 HPA,
/// bit 8 48-bit), word 8 SATA features, word 255 integrity (A5h + checksum).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DcoIdentify {
    /// Word 0: DCO data structure revision.
    pub revision: u16,
    /// Words 3–6: the maximum LBA that DEVICE CONFIGURATION RESTORE gives back.
    pub max_lba: u64,
    /// Word 7: command sets and features DCO can hide (bit 3 Security, bit 7 HPA, bit 8 48-bit
    /// addressing).
    pub command_sets: u16,
    /// Word 8: SATA features DCO can hide; recorded, not interpreted.
    pub sata_features: u16,
    /// Word 255: the integrity word, checked as for IDENTIFY DEVICE.
    pub checksum: Checksum,
}

/// Why a DEVICE CONFIGURATION IDENTIFY buffer could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DcoError {
    /// The buffer does not hold exactly one 512-byte block (the length it had).
    #[error("DCO IDENTIFY data is {0} bytes, expected 512")]
    Length(usize),
}

impl DcoIdentify {
    /// Decodes a 512-byte DEVICE CONFIGURATION IDENTIFY block; a bad checksum is reported in
    /// [`DcoIdentify::checksum`], not as an error.
    pub fn parse(b: &[u8]) -> Result<Self, DcoError> {
        let b: &[u8; 512] = b.try_into().map_err(|_| DcoError::Length(b.len()))?;
        let w = |i: usize| u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
        Ok(DcoIdentify {
            revision: w(0),
            max_lba: (0..4).fold(0u64, |a, i| a | u64::from(w(3 + i)) << (16 * i)),
            command_sets: w(7),
            sata_features: w(8),
            checksum: verify_checksum(b),
        })
    }

    /// The sectors the device has when every DCO restriction is removed (hdparm "Real max
    /// sectors").
    pub fn real_max_sectors(&self) -> u64 {
        self.max_lba + 1
    }

    /// Word 7 bit 3: DCO can hide the Security feature set.
    pub fn can_hide_security(&self) -> bool {
        self.command_sets & (1 << 3) != 0
    }

    /// Word 7 bit 7: DCO can hide the Host Protected Area feature set.
    pub fn can_hide_hpa(&self) -> bool {
        self.command_sets & (1 << 7) != 0
    }

    /// Word 7 bit 8: DCO can hide 48-bit addressing (and with it the sectors above 2^28).
    pub fn can_hide_48bit(&self) -> bool {
        self.command_sets & (1 << 8) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ata::identify::checksum_byte;

    fn dco(max_lba: u64) -> [u8; 512] {
        let mut b = [0u8; 512];
        b[0] = 0x02;
        b[6..14].copy_from_slice(&max_lba.to_le_bytes());
        b[14..16].copy_from_slice(&(1u16 << 3 | 1 << 7 | 1 << 8).to_le_bytes());
        b[510] = 0xa5;
        b[511] = checksum_byte(&b);
        b
    }

    #[test]
    fn dco_identify_parse_and_checksum() {
        let d = DcoIdentify::parse(&dco(0x7470_C0AF)).unwrap();
        assert_eq!(d.revision, 2);
        assert_eq!(d.real_max_sectors(), 0x7470_C0B0);
        assert!(d.can_hide_hpa() && d.can_hide_security() && d.can_hide_48bit());
        assert_eq!(d.checksum, Checksum::Valid);
        let mut b = dco(1000);
        b[6] ^= 0x10;
        assert!(matches!(
            DcoIdentify::parse(&b).unwrap().checksum,
            Checksum::Invalid { .. }
        ));
        assert_eq!(DcoIdentify::parse(&[0; 10]), Err(DcoError::Length(10)));
    }

    #[test]
    fn max_addresses() {
        let m = MaxAddresses {
            visible_sectors: 900,
            native_sectors: 1000,
        };
        assert_eq!(m.hidden_sectors(), 100);
        assert!(!m.is_inconsistent());
        let m = MaxAddresses {
            visible_sectors: 1001,
            native_sectors: 1000,
        };
        assert_eq!(m.hidden_sectors(), 0);
        assert!(m.is_inconsistent());
    }
}
