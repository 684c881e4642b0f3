//! IDENTIFY DEVICE data (512 bytes, 256 little-endian words), decoded for what ardoise needs.
//!
//! Word meanings: hdparm `identify.c` / `hdparm.c` and the ACS-4 IDENTIFY DEVICE data
//! (docs/standards.md §1.3).

use std::fmt;

/// Why an IDENTIFY DEVICE buffer could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifyError {
    /// The buffer does not hold exactly one 512-byte block (the length it had).
    #[error("IDENTIFY data is {0} bytes, expected 512")]
    Length(usize),
    /// All zeros or all ones: no device answered.
    #[error("IDENTIFY data is all zeros or all ones (no device answered)")]
    Empty,
}

/// A feature's "supported" bit (words 82–84) and "enabled" bit (words 85–87).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeatureFlag {
    /// The "supported" bit (words 82–84).
    pub supported: bool,
    /// The "enabled" bit (words 85–87).
    pub enabled: bool,
}

/// Word 59 SANITIZE bits: 12 feature set, 13 CRYPTO SCRAMBLE EXT, 14 OVERWRITE EXT,
/// 15 BLOCK ERASE EXT, 10 ANTIFREEZE LOCK EXT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SanitizeSupport {
    /// Bit 12: the Sanitize Device feature set is supported.
    pub supported: bool,
    /// Bit 13: SANITIZE CRYPTO SCRAMBLE EXT is supported.
    pub crypto_scramble: bool,
    /// Bit 14: SANITIZE OVERWRITE EXT is supported.
    pub overwrite: bool,
    /// Bit 15: SANITIZE BLOCK ERASE EXT is supported.
    pub block_erase: bool,
    /// Bit 10: SANITIZE ANTIFREEZE LOCK EXT is supported.
    pub antifreeze_lock: bool,
}

/// Security level chosen with the user password (word 128 bit 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityLevel {
    /// The master password can unlock the drive.
    High,
    /// The master password can only erase the drive.
    Maximum,
}

/// Word 128: security status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityStatus {
    /// Bit 0, and word 82 bit 1: the Security feature set is supported. When clear, every other
    /// field is false.
    pub supported: bool,
    /// Bit 1: a user password is set, so security is enabled.
    pub enabled: bool,
    /// Bit 2: the drive is locked and refuses media access until SECURITY UNLOCK.
    pub locked: bool,
    /// Bit 3: SECURITY FREEZE LOCK was accepted; Security commands fail until a power-on or
    /// hardware reset (docs/standards.md §1.5).
    pub frozen: bool,
    /// Bit 4: the unlock attempt counter expired; a power-on or hardware reset is needed before
    /// trying again.
    pub count_expired: bool,
    /// Bit 5: the enhanced SECURITY ERASE UNIT is supported.
    pub enhanced_erase_supported: bool,
    /// Bit 8: the level set with the user password.
    pub level: SecurityLevel,
}

/// An erase time estimate (words 89/90), decoded per ACS-3 (hdparm `get_erase_timeout_secs`):
/// bit 15 set → extended format, time in bits 14:0; else bits 7:0; value × 2 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EraseTime {
    /// Zero: the drive gives no estimate.
    NotReported,
    /// The estimate, in minutes.
    Minutes(u32),
    /// The maximum encodable value: "more than N minutes" (508 short, 65532 extended).
    MoreThan(u32),
}

impl EraseTime {
    /// Decodes word 89 or 90.
    pub fn decode(word: u16) -> Self {
        let extended = word & 0x8000 != 0;
        let v = if extended {
            word & 0x7fff
        } else {
            word & 0x00ff
        };
        match (extended, v) {
            (_, 0) => EraseTime::NotReported,
            (true, 0x7fff) => EraseTime::MoreThan(65532),
            (false, 0xff) => EraseTime::MoreThan(508),
            (_, v) => EraseTime::Minutes(u32::from(v) * 2),
        }
    }
}

impl fmt::Display for EraseTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EraseTime::NotReported => write!(f, "not reported"),
            EraseTime::Minutes(m) => write!(f, "{m} min"),
            EraseTime::MoreThan(m) => write!(f, "more than {m} min"),
        }
    }
}

/// Word 217: nominal media rotation rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// 0000h: the rate is not reported.
    NotReported,
    /// 0001h: solid state.
    NonRotating,
    /// 0401h–FFFEh: revolutions per minute of a rotating medium.
    Rpm(u16),
    /// 0002h–0400h or FFFFh: reserved values, kept as read.
    Reserved(u16),
}

/// Words 169 / 69: DATA SET MANAGEMENT TRIM and what reads return after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrimSupport {
    /// Word 169 bit 0: DATA SET MANAGEMENT with the TRIM bit is supported.
    pub supported: bool,
    /// Word 69 bit 14: deterministic read after TRIM.
    pub deterministic: bool,
    /// Word 69 bit 5: read zeros after TRIM.
    pub zeroes: bool,
}

/// Word 255: the integrity word (bits 7:0 signature A5h, bits 15:8 checksum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// Signature present and the 512 bytes sum to zero (mod 256).
    Valid,
    /// Signature present, the bytes do not sum to zero: the data was damaged in transit.
    Invalid {
        /// Byte 511 as the device sent it.
        stored: u8,
        /// The byte that would make the 512 bytes sum to zero.
        computed: u8,
    },
    /// No A5h signature: the device does not provide a checksum.
    NotPresent,
}

/// The two's-complement checksum of bytes 0..511 (what byte 511 must hold).
pub fn checksum_byte(buf: &[u8; 512]) -> u8 {
    let sum = buf[..511].iter().fold(0u8, |a, &b| a.wrapping_add(b));
    sum.wrapping_neg()
}

/// Checks the integrity word of a 512-byte structure (IDENTIFY, DCO IDENTIFY).
pub fn verify_checksum(buf: &[u8; 512]) -> Checksum {
    if buf[510] != 0xa5 {
        return Checksum::NotPresent;
    }
    let computed = checksum_byte(buf);
    if computed == buf[511] {
        Checksum::Valid
    } else {
        Checksum::Invalid {
            stored: buf[511],
            computed,
        }
    }
}

/// An ATA string: two characters per word, the first in the high byte; trimmed.
pub fn ata_string(words: &[u16]) -> String {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
    String::from_utf8_lossy(&bytes)
        .trim_matches(|c: char| c == ' ' || c == '\0')
        .to_string()
}

/// Decoded IDENTIFY DEVICE data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifyData {
    /// The raw words, for anything not decoded here.
    pub words: [u16; 256],
    /// Words 10–19: serial number, trimmed.
    pub serial: String,
    /// Words 23–26: firmware revision, trimmed.
    pub firmware: String,
    /// Words 27–46: model number, trimmed.
    pub model: String,
    /// Word 0 bit 15 clear: an ATA (not ATAPI) device.
    pub is_ata: bool,
    /// Words 60–61.
    pub lba28_sectors: u32,
    /// 48-bit addressing supported and enabled (words 83/86 bit 10).
    pub lba48: bool,
    /// Words 100–103.
    pub lba48_sectors: u64,
    /// Bytes per logical sector: 512 unless word 106 bit 12 gives words 117–118.
    pub logical_sector_size: u32,
    /// Bytes per physical sector: the logical size × 2^(word 106 bits 3:0) when bit 13 is set.
    pub physical_sector_size: u32,
    /// Word 59: which SANITIZE sub-commands the drive supports.
    pub sanitize: SanitizeSupport,
    /// SMART feature set (word 82/85 bit 0).
    pub smart: FeatureFlag,
    /// Word 82 bit 1 (and word 85 bit 1 = enabled, mirrored in word 128).
    pub security_feature: FeatureFlag,
    /// Volatile write cache (word 82/85 bit 5).
    pub write_cache: FeatureFlag,
    /// Host Protected Area feature set (word 82/85 bit 10).
    pub hpa: FeatureFlag,
    /// Device Configuration Overlay (word 83/86 bit 11).
    pub dco: FeatureFlag,
    /// FLUSH CACHE EXT supported (word 83 bit 13).
    pub flush_cache_ext: bool,
    /// Word 80 bit 10.
    pub acs3: bool,
    /// Accessible Max Address (ACS-3 and word 119 bit 8, as hdparm `SUPPORTS_AMAX_ADDR`).
    pub amax_supported: bool,
    /// TRIM support and what reads return afterwards.
    pub trim: TrimSupport,
    /// Word 128: security state and capabilities.
    pub security: SecurityStatus,
    /// Word 89: the drive's estimate for the normal SECURITY ERASE UNIT.
    pub erase_time_normal: EraseTime,
    /// Word 90: the drive's estimate for the enhanced SECURITY ERASE UNIT.
    pub erase_time_enhanced: EraseTime,
    /// Word 92; `None` for 0000h / FFFFh (not supported).
    pub master_password_revision: Option<u16>,
    /// Word 217: nominal media rotation rate.
    pub rotation: Rotation,
    /// Words 108–111 when word 87 says the WWN is present.
    pub wwn: Option<u64>,
    /// Word 255: the integrity word.
    pub checksum: Checksum,
}

fn bit(word: u16, b: u32) -> bool {
    word & (1 << b) != 0
}

/// Bits 15:14 = 01: the word is filled in (ACS-4 words 83, 87, 106, 119).
fn valid(word: u16) -> bool {
    word & 0xc000 == 0x4000
}

fn little_endian_words(buf: &[u8; 512]) -> [u16; 256] {
    let mut w = [0u16; 256];
    for (i, c) in buf.chunks_exact(2).enumerate() {
        w[i] = u16::from_le_bytes([c[0], c[1]]);
    }
    w
}

/// (logical, physical) sector sizes in bytes from words 106 and 117–118.
fn sector_sizes(w: &[u16; 256]) -> (u32, u32) {
    if !valid(w[106]) {
        return (512, 512);
    }
    let words = if bit(w[106], 12) {
        u32::from(w[118]) << 16 | u32::from(w[117])
    } else {
        256
    };
    let factor = if bit(w[106], 13) {
        1u32 << (w[106] & 0x0f)
    } else {
        1
    };
    (words * 2, words * 2 * factor)
}

fn sanitize_support(w59: u16) -> SanitizeSupport {
    SanitizeSupport {
        supported: bit(w59, 12),
        crypto_scramble: bit(w59, 13),
        overwrite: bit(w59, 14),
        block_erase: bit(w59, 15),
        antifreeze_lock: bit(w59, 10),
    }
}

/// Word 128, believed only when word 82 also says the security feature set is supported.
fn security_status(w82: u16, w128: u16) -> SecurityStatus {
    let security_supported = bit(w82, 1) && bit(w128, 0);
    let w128 = if security_supported { w128 } else { 0 };
    SecurityStatus {
        supported: security_supported,
        enabled: bit(w128, 1),
        locked: bit(w128, 2),
        frozen: bit(w128, 3),
        count_expired: bit(w128, 4),
        enhanced_erase_supported: bit(w128, 5),
        level: if bit(w128, 8) {
            SecurityLevel::Maximum
        } else {
            SecurityLevel::High
        },
    }
}

fn rotation(w217: u16) -> Rotation {
    match w217 {
        0 => Rotation::NotReported,
        1 => Rotation::NonRotating,
        v @ 0x0401..=0xfffe => Rotation::Rpm(v),
        v => Rotation::Reserved(v),
    }
}

/// Word 87 bit 8: the world wide name in words 108–111 is supported.
fn world_wide_name(w: &[u16; 256]) -> Option<u64> {
    (valid(w[87]) && bit(w[87], 8)).then(|| {
        u64::from(w[108]) << 48
            | u64::from(w[109]) << 32
            | u64::from(w[110]) << 16
            | u64::from(w[111])
    })
}

impl IdentifyData {
    /// Decodes a 512-byte IDENTIFY DEVICE block. A bad checksum is reported in
    /// [`IdentifyData::checksum`], not as an error, so that the caller decides.
    pub fn parse(buf: &[u8]) -> Result<Self, IdentifyError> {
        let buf: &[u8; 512] = buf
            .try_into()
            .map_err(|_| IdentifyError::Length(buf.len()))?;
        if buf.iter().all(|&b| b == 0) || buf.iter().all(|&b| b == 0xff) {
            return Err(IdentifyError::Empty);
        }
        let w = little_endian_words(buf);
        let (w82, w83) = if valid(w[83]) { (w[82], w[83]) } else { (0, 0) };
        let (w85, w86) = if valid(w[87]) { (w[85], w[86]) } else { (0, 0) };
        let flag = |sup: u16, en: u16, b| FeatureFlag {
            supported: bit(sup, b),
            enabled: bit(en, b),
        };
        let (logical, physical) = sector_sizes(&w);
        let acs3 = w[80] != 0xffff && bit(w[80], 10);
        Ok(IdentifyData {
            serial: ata_string(&w[10..20]),
            firmware: ata_string(&w[23..27]),
            model: ata_string(&w[27..47]),
            is_ata: !bit(w[0], 15),
            lba28_sectors: u32::from(w[61]) << 16 | u32::from(w[60]),
            // hdparm SUPPORTS_48BIT_ADDR: (w83 & 0xc400) == 0x4400 && (w86 & 0x0400).
            lba48: w[83] & 0xc400 == 0x4400 && bit(w86, 10),
            lba48_sectors: (0..4).fold(0u64, |a, i| a | u64::from(w[100 + i]) << (16 * i)),
            logical_sector_size: logical,
            physical_sector_size: physical,
            sanitize: sanitize_support(w[59]),
            smart: flag(w82, w85, 0),
            security_feature: flag(w82, w85, 1),
            write_cache: flag(w82, w85, 5),
            hpa: flag(w82, w85, 10),
            dco: flag(w83, w86, 11),
            flush_cache_ext: bit(w83, 13),
            acs3,
            amax_supported: acs3 && valid(w[119]) && bit(w[119], 8),
            trim: TrimSupport {
                supported: w[169] != 0xffff && bit(w[169], 0),
                deterministic: bit(w[69], 14),
                zeroes: bit(w[69], 5),
            },
            security: security_status(w82, w[128]),
            erase_time_normal: EraseTime::decode(w[89]),
            erase_time_enhanced: EraseTime::decode(w[90]),
            master_password_revision: match w[92] {
                0x0000 | 0xffff => None,
                v => Some(v),
            },
            rotation: rotation(w[217]),
            wwn: world_wide_name(&w),
            checksum: verify_checksum(buf),
            words: w,
        })
    }

    /// User-addressable sectors: words 100–103 when 48-bit addressing is on, else 60–61.
    pub fn user_sectors(&self) -> u64 {
        if self.lba48 && self.lba48_sectors != 0 {
            self.lba48_sectors
        } else {
            u64::from(self.lba28_sectors)
        }
    }

    /// User-addressable capacity in bytes.
    pub fn capacity_bytes(&self) -> u64 {
        self.user_sectors() * u64::from(self.logical_sector_size)
    }

    /// Word 217 is 0001h: a solid-state (non-rotating) device.
    pub fn is_solid_state(&self) -> bool {
        self.rotation == Rotation::NonRotating
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Puts an ASCII string in ATA order (first character in the high byte of each word).
    pub(crate) fn put_string(buf: &mut [u8], first_word: usize, words: usize, s: &str) {
        let mut padded = s.as_bytes().to_vec();
        padded.resize(words * 2, b' ');
        for i in 0..words {
            buf[(first_word + i) * 2] = padded[2 * i + 1];
            buf[(first_word + i) * 2 + 1] = padded[2 * i];
        }
    }

    pub(crate) fn put_word(buf: &mut [u8], word: usize, v: u16) {
        buf[word * 2..word * 2 + 2].copy_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn seal(buf: &mut [u8; 512]) {
        buf[510] = 0xa5;
        buf[511] = checksum_byte(buf);
    }

    /// An IDENTIFY buffer built by hand from the word table.
    pub(crate) fn sample() -> [u8; 512] {
        let mut b = [0u8; 512];
        put_word(&mut b, 0, 0x0040);
        put_string(&mut b, 10, 10, "  WD-WCC4N1234567");
        put_string(&mut b, 23, 4, "82.00A82");
        put_string(&mut b, 27, 20, "WDC WD10EZEX-08WN4A0");
        put_word(&mut b, 59, 0xf000 | 0x0400);
        put_word(&mut b, 60, 0xffff);
        put_word(&mut b, 61, 0x0fff);
        put_word(&mut b, 69, 0x4020);
        put_word(&mut b, 80, 0x07f0);
        put_word(&mut b, 82, 1 | 2 | 1 << 5 | 1 << 10);
        put_word(&mut b, 83, 0x4000 | 1 << 10 | 1 << 11 | 1 << 13);
        put_word(&mut b, 84, 0x4000);
        put_word(&mut b, 85, 1 | 2 | 1 << 10);
        put_word(&mut b, 86, 1 << 10 | 1 << 11 | 1 << 13);
        put_word(&mut b, 87, 0x4000 | 1 << 8);
        put_word(&mut b, 89, 0x8000 | 0x0258); // extended: 600 × 2 = 1200 min
        put_word(&mut b, 90, 0x0006); // short: 12 min
        put_word(&mut b, 92, 0xfffe);
        // 1,953,525,168 sectors = 0x7470_6DB0
        put_word(&mut b, 100, 0x6db0);
        put_word(&mut b, 101, 0x7470);
        put_word(&mut b, 106, 0x6003); // 8 logical per physical
        put_word(&mut b, 108, 0x5001);
        put_word(&mut b, 109, 0x4ee2);
        put_word(&mut b, 110, 0x0abc);
        put_word(&mut b, 111, 0xdef0);
        put_word(&mut b, 119, 0x4000 | 1 << 8);
        put_word(&mut b, 128, 1 | 2 | 8 | 32 | 1 << 8);
        put_word(&mut b, 169, 1);
        put_word(&mut b, 217, 7200);
        seal(&mut b);
        b
    }

    #[test]
    fn strings_are_byte_swapped_and_trimmed() {
        let d = IdentifyData::parse(&sample()).unwrap();
        assert_eq!(d.model, "WDC WD10EZEX-08WN4A0");
        assert_eq!(d.serial, "WD-WCC4N1234567");
        assert_eq!(d.firmware, "82.00A82");
        assert!(d.is_ata);
    }

    #[test]
    fn capacity_and_sector_sizes() {
        let d = IdentifyData::parse(&sample()).unwrap();
        assert!(d.lba48);
        assert_eq!(d.lba28_sectors, 0x0fff_ffff);
        assert_eq!(d.user_sectors(), 1_953_525_168);
        assert_eq!(d.logical_sector_size, 512);
        assert_eq!(d.physical_sector_size, 4096);
        assert_eq!(d.capacity_bytes(), 1_953_525_168 * 512);
    }

    #[test]
    fn logical_sector_size_from_words_117_118() {
        let mut b = sample();
        put_word(&mut b, 106, 0x5000); // bit 12: logical sector longer than 256 words
        put_word(&mut b, 117, 2048); // words
        put_word(&mut b, 118, 0);
        seal(&mut b);
        let d = IdentifyData::parse(&b).unwrap();
        assert_eq!(d.logical_sector_size, 4096);
        assert_eq!(d.physical_sector_size, 4096);
    }

    #[test]
    fn feature_words() {
        let d = IdentifyData::parse(&sample()).unwrap();
        assert_eq!(
            d.sanitize,
            SanitizeSupport {
                supported: true,
                crypto_scramble: true,
                overwrite: true,
                block_erase: true,
                antifreeze_lock: true
            }
        );
        assert!(d.smart.supported && d.smart.enabled);
        assert!(d.hpa.supported && d.hpa.enabled);
        assert!(d.dco.supported && d.dco.enabled);
        assert!(d.write_cache.supported && !d.write_cache.enabled);
        assert!(d.flush_cache_ext && d.acs3 && d.amax_supported);
        assert_eq!(
            d.trim,
            TrimSupport {
                supported: true,
                deterministic: true,
                zeroes: true
            }
        );
        assert_eq!(d.rotation, Rotation::Rpm(7200));
        assert_eq!(d.wwn, Some(0x5001_4ee2_0abc_def0));
        assert_eq!(d.master_password_revision, Some(0xfffe));
    }

    #[test]
    fn security_word_128() {
        let d = IdentifyData::parse(&sample()).unwrap();
        let s = d.security;
        assert!(s.supported && s.enabled && s.frozen && s.enhanced_erase_supported);
        assert!(!s.locked && !s.count_expired);
        assert_eq!(s.level, SecurityLevel::Maximum);
        let mut b = sample();
        put_word(&mut b, 128, 1 | 2 | 4 | 16);
        seal(&mut b);
        let s = IdentifyData::parse(&b).unwrap().security;
        assert!(s.locked && s.count_expired && !s.frozen);
        assert_eq!(s.level, SecurityLevel::High);
        // Word 82 bit 1 clear: word 128 is not believed.
        let mut b = sample();
        put_word(&mut b, 82, 1);
        seal(&mut b);
        let s = IdentifyData::parse(&b).unwrap().security;
        assert!(!s.supported && !s.frozen);
    }

    #[test]
    fn erase_times() {
        let d = IdentifyData::parse(&sample()).unwrap();
        assert_eq!(d.erase_time_normal, EraseTime::Minutes(1200));
        assert_eq!(d.erase_time_enhanced, EraseTime::Minutes(12));
        assert_eq!(EraseTime::decode(0), EraseTime::NotReported);
        assert_eq!(EraseTime::decode(0x00ff), EraseTime::MoreThan(508));
        assert_eq!(EraseTime::decode(0xffff), EraseTime::MoreThan(65532));
        // Short format ignores bits 14:8.
        assert_eq!(EraseTime::decode(0x7f01), EraseTime::Minutes(2));
        assert_eq!(EraseTime::decode(0x8000), EraseTime::NotReported);
    }

    #[test]
    fn checksum_is_checked() {
        assert_eq!(
            IdentifyData::parse(&sample()).unwrap().checksum,
            Checksum::Valid
        );
        let mut b = sample();
        b[54] ^= 0x01; // one bit of the model string flipped in transit
        assert!(matches!(
            IdentifyData::parse(&b).unwrap().checksum,
            Checksum::Invalid { .. }
        ));
        let mut b = sample();
        b[510] = 0;
        assert_eq!(
            IdentifyData::parse(&b).unwrap().checksum,
            Checksum::NotPresent
        );
    }

    #[test]
    fn invalid_words_are_not_believed() {
        let mut b = sample();
        put_word(&mut b, 83, 0x0400); // bits 15:14 = 00: words 82/83 invalid
        seal(&mut b);
        let d = IdentifyData::parse(&b).unwrap();
        assert!(!d.lba48);
        assert_eq!(d.user_sectors(), 0x0fff_ffff);
        assert!(!d.hpa.supported && !d.security.supported);
    }

    #[test]
    fn bad_buffers() {
        assert_eq!(
            IdentifyData::parse(&[0; 511]),
            Err(IdentifyError::Length(511))
        );
        assert_eq!(IdentifyData::parse(&[0; 512]), Err(IdentifyError::Empty));
        assert_eq!(IdentifyData::parse(&[0xff; 512]), Err(IdentifyError::Empty));
    }
}
