//! SMART: READ DATA (B0h/D0h), READ THRESHOLDS (B0h/D1h), RETURN STATUS (B0h/DAh), and the
//! reduction of their contents to [`HealthFigures`].
//!
//! Layouts (smartmontools `include/smartmon/atacmds.h`, docs/standards.md §1.8): u16
//! revision, 30 entries × 12 bytes from byte 2 — attribute: id, flags (u16), current, worst,
//! raw[6], reserved; threshold: id, threshold, reserved[10] — byte 511 checksum.
//! Raw value interpretation follows smartmontools' default table (drivedb.h "DEFAULT" entry):
//! 5 raw16, 9 raw24, 12/197/198 raw48, 194 temperature in raw byte 0.

use crate::health::HealthFigures;

/// SMART sub-commands (FEATURES) and the LBA signature they need (LBA(15:8)=4Fh,
/// LBA(23:16)=C2h).
pub mod feature {
    /// SMART READ DATA: the 512-byte attribute page.
    pub const READ_DATA: u8 = 0xd0;
    /// SMART READ THRESHOLDS: the 512-byte threshold page; some drives refuse it.
    pub const READ_THRESHOLDS: u8 = 0xd1;
    /// SMART ENABLE OPERATIONS; defined here for completeness, ardoise does not send it.
    pub const ENABLE: u8 = 0xd8;
    /// SMART RETURN STATUS: the verdict comes back in LBA(23:8), no data phase.
    pub const RETURN_STATUS: u8 = 0xda;
}
/// The signature every SMART command carries: LBA(15:8) = 4Fh, LBA(23:16) = C2h; RETURN STATUS
/// gives it back unchanged (C24Fh) when no threshold is exceeded.
pub const SMART_LBA: u64 = 0x00c2_4f00;
/// RETURN STATUS output LBA(23:8) when a threshold is exceeded (F4h / 2Ch).
pub const SMART_LBA_EXCEEDED: u64 = 0x002c_f400;

/// Attribute ids ardoise reads.
pub mod attr {
    /// Reallocated sector count (raw value, low 16 bits as smartmontools reads them).
    pub const REALLOCATED_SECTORS: u8 = 5;
    /// Power-on hours (raw value, low 24 bits).
    pub const POWER_ON_HOURS: u8 = 9;
    /// Power cycle count (raw 48 bits).
    pub const POWER_CYCLES: u8 = 12;
    /// Temperature in °C (raw byte 0).
    pub const TEMPERATURE: u8 = 194;
    /// Current pending sectors: unreadable sectors awaiting reallocation (raw 48 bits).
    pub const PENDING_SECTORS: u8 = 197;
    /// Offline uncorrectable sectors (raw 48 bits).
    pub const UNCORRECTABLE_SECTORS: u8 = 198;
    /// Intel "Media Wearout Indicator": normalised value declines linearly from 100 to 1 as the
    /// NAND wears (Intel SSD DC S3700 product specification, quoted by Intel support in
    /// communities.intel.com thread 57909); smartmontools' default table names 233
    /// Media_Wearout_Indicator for SSDs.
    pub const MEDIA_WEAROUT_INDICATOR: u8 = 233;
}

/// Why a SMART page could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmartError {
    /// The buffer does not hold exactly one 512-byte page (the length it had).
    #[error("SMART page is {0} bytes, expected 512")]
    Length(usize),
}

/// One attribute entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmartAttribute {
    /// Attribute id (byte 0 of the entry); its meaning is vendor-defined, read with smartmontools'
    /// default table.
    pub id: u8,
    /// Status flags (bytes 1–2); bit 0 pre-failure.
    pub flags: u16,
    /// Normalised current value.
    pub value: u8,
    /// Lowest normalised value recorded.
    pub worst: u8,
    /// Raw value (bytes 5–10), little-endian, vendor-defined.
    pub raw: [u8; 6],
}

impl SmartAttribute {
    /// The 48-bit raw value (little-endian).
    pub fn raw48(&self) -> u64 {
        self.raw
            .iter()
            .rev()
            .fold(0u64, |a, &b| a << 8 | u64::from(b))
    }

    /// Bit 0 of the flags: pre-failure (warranty) attribute.
    pub fn is_prefail(&self) -> bool {
        self.flags & 1 != 0
    }
}

fn sums_to_zero(b: &[u8]) -> bool {
    b.iter().fold(0u8, |a, &x| a.wrapping_add(x)) == 0
}

/// SMART READ DATA page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartData {
    /// Bytes 0–1: data structure revision.
    pub revision: u16,
    /// The non-empty entries among the 30 slots from byte 2 (id 0 marks an empty slot).
    pub attributes: Vec<SmartAttribute>,
    /// Byte 362.
    pub offline_collection_status: u8,
    /// Byte 363.
    pub self_test_status: u8,
    /// The 512 bytes sum to zero.
    pub checksum_ok: bool,
}

impl SmartData {
    /// Decodes a 512-byte SMART READ DATA page; a bad checksum is reported in
    /// [`SmartData::checksum_ok`], not as an error.
    pub fn parse(b: &[u8]) -> Result<Self, SmartError> {
        if b.len() != 512 {
            return Err(SmartError::Length(b.len()));
        }
        let attributes = b[2..362]
            .chunks_exact(12)
            .filter(|e| e[0] != 0)
            .map(|e| SmartAttribute {
                id: e[0],
                flags: u16::from_le_bytes([e[1], e[2]]),
                value: e[3],
                worst: e[4],
                raw: e[5..11].try_into().expect("6"),
            })
            .collect();
        Ok(SmartData {
            revision: u16::from_le_bytes([b[0], b[1]]),
            attributes,
            offline_collection_status: b[362],
            self_test_status: b[363],
            checksum_ok: sums_to_zero(b),
        })
    }

    /// The entry with attribute id `id`, if the drive reports it.
    pub fn attribute(&self, id: u8) -> Option<&SmartAttribute> {
        self.attributes.iter().find(|a| a.id == id)
    }
}

/// SMART READ THRESHOLDS page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartThresholds {
    /// Bytes 0–1: data structure revision.
    pub revision: u16,
    /// (attribute id, threshold).
    pub thresholds: Vec<(u8, u8)>,
    /// The 512 bytes sum to zero.
    pub checksum_ok: bool,
}

impl SmartThresholds {
    /// Decodes a 512-byte SMART READ THRESHOLDS page; a bad checksum is reported in
    /// [`SmartThresholds::checksum_ok`], not as an error.
    pub fn parse(b: &[u8]) -> Result<Self, SmartError> {
        if b.len() != 512 {
            return Err(SmartError::Length(b.len()));
        }
        Ok(SmartThresholds {
            revision: u16::from_le_bytes([b[0], b[1]]),
            thresholds: b[2..362]
                .chunks_exact(12)
                .filter(|e| e[0] != 0)
                .map(|e| (e[0], e[1]))
                .collect(),
            checksum_ok: sums_to_zero(b),
        })
    }

    /// The threshold for attribute id `id`, if the drive reports one.
    pub fn threshold(&self, id: u8) -> Option<u8> {
        self.thresholds
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, t)| *t)
    }
}

/// SMART RETURN STATUS verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmartStatus {
    /// LBA(23:8) = C24Fh: no attribute is at or below its threshold.
    Passed,
    /// LBA(23:8) = 2CF4h: the drive predicts its own failure.
    ThresholdExceeded,
}

impl SmartStatus {
    /// From the output LBA(23:8): C24Fh passed, 2CF4h exceeded (smartmontools checks the same
    /// values), anything else is not a SMART answer.
    pub fn from_lba(lba: u64) -> Option<Self> {
        match lba & 0x00ff_ff00 {
            SMART_LBA => Some(SmartStatus::Passed),
            SMART_LBA_EXCEEDED => Some(SmartStatus::ThresholdExceeded),
            _ => None,
        }
    }
}

/// Attributes whose current value is at or below a non-zero threshold: the drive's own failure
/// prediction (smartmontools `ata_get_attr_state`: threshold 0 never fails; values 0, FEh and
/// FFh are not valid normalised values).
pub fn attributes_at_or_below_threshold(data: &SmartData, thresholds: &SmartThresholds) -> Vec<u8> {
    data.attributes
        .iter()
        .filter(|a| (1..=0xfd).contains(&a.value))
        .filter(|a| {
            thresholds
                .threshold(a.id)
                .is_some_and(|t| t != 0 && a.value <= t)
        })
        .map(|a| a.id)
        .collect()
}

/// Reduces SMART pages to the figures the health grade uses. `solid_state` enables the SSD wear
/// attribute (233), which means something else on a rotating disk.
pub fn health_figures(
    data: &SmartData,
    thresholds: Option<&SmartThresholds>,
    status: Option<SmartStatus>,
    solid_state: bool,
) -> HealthFigures {
    let raw = |id| data.attribute(id).map(SmartAttribute::raw48);
    HealthFigures {
        source: "ata-smart".to_string(),
        power_on_hours: raw(attr::POWER_ON_HOURS).map(|r| r & 0x00ff_ffff),
        power_cycles: raw(attr::POWER_CYCLES),
        temperature_celsius: data
            .attribute(attr::TEMPERATURE)
            .map(|a| i32::from(a.raw[0])),
        reallocated_sectors: raw(attr::REALLOCATED_SECTORS).map(|r| r & 0xffff),
        pending_sectors: raw(attr::PENDING_SECTORS),
        uncorrectable_sectors: raw(attr::UNCORRECTABLE_SECTORS),
        percentage_used: if solid_state {
            data.attribute(attr::MEDIA_WEAROUT_INDICATOR)
                .filter(|a| (1..=100).contains(&a.value))
                .map(|a| 100 - a.value)
        } else {
            None
        },
        attributes_below_threshold: thresholds
            .map(|t| attributes_at_or_below_threshold(data, t))
            .unwrap_or_default(),
        smart_status_failed: status.map(|s| s == SmartStatus::ThresholdExceeded),
        ..HealthFigures::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::HealthGrade;

    fn entry(b: &mut [u8; 512], slot: usize, id: u8, value: u8, raw: u64) {
        let o = 2 + slot * 12;
        b[o] = id;
        b[o + 1] = 0x33;
        b[o + 3] = value;
        b[o + 4] = value;
        b[o + 5..o + 11].copy_from_slice(&raw.to_le_bytes()[..6]);
    }

    fn seal(b: &mut [u8; 512]) {
        let s = b[..511].iter().fold(0u8, |a, &x| a.wrapping_add(x));
        b[511] = s.wrapping_neg();
    }

    fn pages() -> ([u8; 512], [u8; 512]) {
        let mut d = [0u8; 512];
        d[0] = 0x10;
        entry(&mut d, 0, 5, 100, 0x0001_0000_0003); // raw16 → 3
        entry(&mut d, 1, 9, 90, 0x0005_0000_c350); // raw24 → 50,000
        entry(&mut d, 2, 12, 100, 1234);
        entry(&mut d, 3, 194, 64, 0x0000_0031_0012_0024); // 36 °C (min/max in higher bytes)
        entry(&mut d, 4, 197, 100, 0);
        entry(&mut d, 5, 198, 100, 0);
        entry(&mut d, 6, 233, 93, 0);
        seal(&mut d);
        let mut t = [0u8; 512];
        t[0] = 0x10;
        for (slot, (id, thr)) in [
            (5, 36),
            (9, 0),
            (12, 20),
            (194, 0),
            (197, 0),
            (198, 0),
            (233, 0),
        ]
        .into_iter()
        .enumerate()
        {
            t[2 + slot * 12] = id;
            t[3 + slot * 12] = thr;
        }
        seal(&mut t);
        (d, t)
    }

    #[test]
    fn parse_pages() {
        let (d, t) = pages();
        let d = SmartData::parse(&d).unwrap();
        assert!(d.checksum_ok);
        assert_eq!(d.revision, 0x10);
        assert_eq!(d.attributes.len(), 7);
        assert_eq!(d.attribute(12).unwrap().raw48(), 1234);
        assert!(d.attribute(5).unwrap().is_prefail());
        let t = SmartThresholds::parse(&t).unwrap();
        assert!(t.checksum_ok);
        assert_eq!(t.threshold(5), Some(36));
        assert!(SmartData::parse(&[0; 100]).is_err());
    }

    #[test]
    fn figures_from_attributes() {
        let (d, t) = pages();
        let (d, t) = (
            SmartData::parse(&d).unwrap(),
            SmartThresholds::parse(&t).unwrap(),
        );
        let f = health_figures(&d, Some(&t), Some(SmartStatus::Passed), false);
        assert_eq!(f.source, "ata-smart");
        assert_eq!(f.reallocated_sectors, Some(3));
        assert_eq!(f.power_on_hours, Some(50_000));
        assert_eq!(f.power_cycles, Some(1234));
        assert_eq!(f.temperature_celsius, Some(36));
        assert_eq!(f.pending_sectors, Some(0));
        assert_eq!(f.percentage_used, None, "233 is ignored on a rotating disk");
        assert!(f.attributes_below_threshold.is_empty());
        assert_eq!(f.smart_status_failed, Some(false));
        assert_eq!(f.grade().grade, HealthGrade::Worn);
        let f = health_figures(&d, Some(&t), None, true);
        assert_eq!(f.percentage_used, Some(7));
    }

    #[test]
    fn threshold_trip_and_failed_status() {
        let (mut d, t) = pages();
        entry(&mut d, 0, 5, 36, 2000); // value == threshold
        seal(&mut d);
        let (d, t) = (
            SmartData::parse(&d).unwrap(),
            SmartThresholds::parse(&t).unwrap(),
        );
        assert_eq!(attributes_at_or_below_threshold(&d, &t), vec![5]);
        let f = health_figures(&d, Some(&t), Some(SmartStatus::ThresholdExceeded), false);
        assert_eq!(f.smart_status_failed, Some(true));
        assert_eq!(f.grade().grade, HealthGrade::Failing);
    }

    #[test]
    fn zero_threshold_and_invalid_values_never_trip() {
        let (mut d, t) = pages();
        entry(&mut d, 1, 9, 0, 1); // value 0 with threshold 0
        entry(&mut d, 2, 12, 0xfe, 1); // invalid normalised value, threshold 20
        seal(&mut d);
        let (d, t) = (
            SmartData::parse(&d).unwrap(),
            SmartThresholds::parse(&t).unwrap(),
        );
        assert!(attributes_at_or_below_threshold(&d, &t).is_empty());
    }

    #[test]
    fn return_status_lba() {
        assert_eq!(SmartStatus::from_lba(0xc2_4f00), Some(SmartStatus::Passed));
        assert_eq!(
            SmartStatus::from_lba(0x2c_f400),
            Some(SmartStatus::ThresholdExceeded)
        );
        assert_eq!(SmartStatus::from_lba(0), None);
    }

    #[test]
    fn checksum_flag() {
        let (mut d, _) = pages();
        d[100] ^= 1;
        assert!(!SmartData::parse(&d).unwrap().checksum_ok);
    }
}
