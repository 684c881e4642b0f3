//! SCSI sense data (SPC-4 §4.5): fixed (0x70/0x71) and descriptor (0x72/0x73) formats, the
//! sense key / ASC / ASCQ with readable names, progress indication, and the ATA Status Return
//! descriptor (SAT, type 0x09) that carries ATA output registers.
//!
//! Byte offsets (SPC-4 tables "Fixed format sense data" and "Descriptor format sense data"):
//! fixed — byte 0 VALID (bit 7) + response code, byte 2 sense key (bits 3:0), bytes 3–6
//! INFORMATION, byte 7 additional length, bytes 8–11 COMMAND-SPECIFIC INFORMATION, byte 12 ASC,
//! byte 13 ASCQ, bytes 15–17 sense-key-specific (SKSV = byte 15 bit 7).
//! descriptor — byte 1 sense key, byte 2 ASC, byte 3 ASCQ, byte 7 additional length, descriptors
//! from byte 8 (type, additional length, body).
//! Progress: sg3_utils `sg_get_sense_progress_fld()` (docs/standards.md §3.3).

use std::fmt;

/// The sense key (SPC-4 table "Sense key descriptions").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenseKey {
    /// 0h NO SENSE: nothing to report (or only progress / ATA registers).
    NoSense,
    /// 1h RECOVERED ERROR: the command succeeded after a recovery action.
    RecoveredError,
    /// 2h NOT READY: the logical unit cannot be accessed (a sanitize in progress, among others).
    NotReady,
    /// 3h MEDIUM ERROR: a flaw in the medium or its recorded data.
    MediumError,
    /// 4h HARDWARE ERROR: a non-recoverable hardware failure.
    HardwareError,
    /// 5h ILLEGAL REQUEST: the CDB or parameter list was refused.
    IllegalRequest,
    /// 6h UNIT ATTENTION: a reset, medium change or mode change happened since the last command.
    UnitAttention,
    /// 7h DATA PROTECT: the operation is forbidden on protected data.
    DataProtect,
    /// 8h BLANK CHECK: blank or end-of-data medium was met (sequential devices).
    BlankCheck,
    /// 9h VENDOR SPECIFIC.
    VendorSpecific,
    /// Ah COPY ABORTED: a copy command was aborted.
    CopyAborted,
    /// Bh ABORTED COMMAND: the device aborted the command (behind SAT: the ATA command was
    /// aborted).
    AbortedCommand,
    /// Ch: obsolete in SPC-5 (formerly EQUAL); ardoise treats it as reserved.
    Reserved,
    /// Dh VOLUME OVERFLOW: a buffered device reached the end of the partition.
    VolumeOverflow,
    /// Eh MISCOMPARE: the source data did not match the medium.
    Miscompare,
    /// Fh COMPLETED: the command completed, with additional information in ASC/ASCQ (SPC-5).
    Completed,
}

impl SenseKey {
    /// Decodes a sense key from the low four bits of v.
    pub fn from_u8(v: u8) -> Self {
        match v & 0x0f {
            0x0 => SenseKey::NoSense,
            0x1 => SenseKey::RecoveredError,
            0x2 => SenseKey::NotReady,
            0x3 => SenseKey::MediumError,
            0x4 => SenseKey::HardwareError,
            0x5 => SenseKey::IllegalRequest,
            0x6 => SenseKey::UnitAttention,
            0x7 => SenseKey::DataProtect,
            0x8 => SenseKey::BlankCheck,
            0x9 => SenseKey::VendorSpecific,
            0xa => SenseKey::CopyAborted,
            0xb => SenseKey::AbortedCommand,
            0xc => SenseKey::Reserved,
            0xd => SenseKey::VolumeOverflow,
            0xe => SenseKey::Miscompare,
            _ => SenseKey::Completed,
        }
    }

    /// The 4-bit sense key value.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The SPC-5 name of the sense key.
    pub fn name(self) -> &'static str {
        match self {
            SenseKey::NoSense => "NO SENSE",
            SenseKey::RecoveredError => "RECOVERED ERROR",
            SenseKey::NotReady => "NOT READY",
            SenseKey::MediumError => "MEDIUM ERROR",
            SenseKey::HardwareError => "HARDWARE ERROR",
            SenseKey::IllegalRequest => "ILLEGAL REQUEST",
            SenseKey::UnitAttention => "UNIT ATTENTION",
            SenseKey::DataProtect => "DATA PROTECT",
            SenseKey::BlankCheck => "BLANK CHECK",
            SenseKey::VendorSpecific => "VENDOR SPECIFIC",
            SenseKey::CopyAborted => "COPY ABORTED",
            SenseKey::AbortedCommand => "ABORTED COMMAND",
            SenseKey::Reserved => "RESERVED (0x0C)",
            SenseKey::VolumeOverflow => "VOLUME OVERFLOW",
            SenseKey::Miscompare => "MISCOMPARE",
            SenseKey::Completed => "COMPLETED",
        }
    }
}

/// Additional sense codes ardoise meets, with their SPC-4 names (sg3_utils `lib/sg_lib_data.c`).
const ASC_NAMES: &[(u8, u8, &str)] = &[
    (0x00, 0x00, "NO ADDITIONAL SENSE INFORMATION"),
    (0x00, 0x16, "OPERATION IN PROGRESS"),
    (0x00, 0x1D, "ATA PASS THROUGH INFORMATION AVAILABLE"),
    (0x04, 0x00, "LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE"),
    (0x04, 0x01, "LOGICAL UNIT IS IN PROCESS OF BECOMING READY"),
    (
        0x04,
        0x02,
        "LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED",
    ),
    (0x04, 0x04, "LOGICAL UNIT NOT READY, FORMAT IN PROGRESS"),
    (0x04, 0x1B, "LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS"),
    (0x11, 0x00, "UNRECOVERED READ ERROR"),
    (
        0x11,
        0x04,
        "UNRECOVERED READ ERROR - AUTO REALLOCATE FAILED",
    ),
    (0x11, 0x15, "WRITE AFTER SANITIZE REQUIRED"),
    (0x13, 0x00, "ADDRESS MARK NOT FOUND FOR DATA FIELD"),
    (0x14, 0x00, "RECORDED ENTITY NOT FOUND"),
    (0x1A, 0x00, "PARAMETER LIST LENGTH ERROR"),
    (0x20, 0x00, "INVALID COMMAND OPERATION CODE"),
    (0x21, 0x00, "LOGICAL BLOCK ADDRESS OUT OF RANGE"),
    (0x24, 0x00, "INVALID FIELD IN CDB"),
    (0x25, 0x00, "LOGICAL UNIT NOT SUPPORTED"),
    (0x26, 0x00, "INVALID FIELD IN PARAMETER LIST"),
    (0x27, 0x00, "WRITE PROTECTED"),
    (0x29, 0x00, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED"),
    (0x2A, 0x01, "MODE PARAMETERS CHANGED"),
    (0x31, 0x00, "MEDIUM FORMAT CORRUPTED"),
    (0x31, 0x03, "SANITIZE COMMAND FAILED"),
    (0x3A, 0x00, "MEDIUM NOT PRESENT"),
    (0x44, 0x00, "INTERNAL TARGET FAILURE"),
    (0x47, 0x00, "SCSI PARITY ERROR"),
    (0x5D, 0x00, "FAILURE PREDICTION THRESHOLD EXCEEDED"),
];

/// The SPC name of an ASC/ASCQ pair, when it is one ardoise knows.
pub fn asc_name(asc: u8, ascq: u8) -> Option<&'static str> {
    ASC_NAMES
        .iter()
        .find(|(a, q, _)| *a == asc && *q == ascq)
        .map(|(_, _, n)| *n)
}

/// Which of the two sense data formats the device used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenseFormat {
    /// Response code 70h / 71h.
    Fixed,
    /// Response code 72h / 73h.
    Descriptor,
}

/// The ATA Status Return sense data descriptor (SAT, descriptor type 0x09, additional length
/// 0x0C). Offsets relative to the descriptor (SAT-5; hdparm `sgio.c`; docs/standards.md §1.2):
/// 2 bit 0 EXTEND, 3 ERROR, 4/5 COUNT(15:8)/(7:0), 6/7 LBA(31:24)/(7:0), 8/9 LBA(39:32)/(15:8),
/// 10/11 LBA(47:40)/(23:16), 12 DEVICE, 13 STATUS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtaStatusReturn {
    /// Offset 2 bit 0 EXTEND: the registers come from a 48-bit command and the high bytes are
    /// valid.
    pub extend: bool,
    /// Offset 3: the ATA ERROR register (ABRT bit 2, IDNF bit 4, UNC bit 6, ICRC bit 7).
    pub error: u8,
    /// Offsets 4–5: COUNT(15:8) and COUNT(7:0).
    pub count: u16,
    /// Offsets 6–11: LBA(47:0), reassembled from SAT's interleaved bytes.
    pub lba: u64,
    /// Offset 12: the ATA DEVICE register.
    pub device: u8,
    /// Offset 13: the ATA STATUS register (ERR bit 0, DRQ 3, DF 5, DRDY 6, BSY 7).
    pub status: u8,
}

impl AtaStatusReturn {
    /// Decodes the 14-byte descriptor (type byte included).
    pub fn decode(d: &[u8]) -> Option<Self> {
        if d.len() < 14 || d[0] != 0x09 || d[1] < 0x0c {
            return None;
        }
        Some(AtaStatusReturn {
            extend: d[2] & 1 != 0,
            error: d[3],
            count: u16::from_be_bytes([d[4], d[5]]),
            lba: u64::from(d[7])
                | u64::from(d[9]) << 8
                | u64::from(d[11]) << 16
                | u64::from(d[6]) << 24
                | u64::from(d[8]) << 32
                | u64::from(d[10]) << 40,
            device: d[12],
            status: d[13],
        })
    }
}

/// The INFORMATION and COMMAND-SPECIFIC INFORMATION fields of fixed-format sense, raw, for
/// layers (SAT) that give them a command-specific meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedFields {
    /// Byte 0 bit 7: the INFORMATION field is defined by a standard.
    pub valid: bool,
    /// Bytes 3–6.
    pub information: [u8; 4],
    /// Bytes 8–11 (zero when the additional length does not reach them).
    pub command_specific: [u8; 4],
}

/// Decoded sense data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sense {
    /// Which layout the sense bytes used.
    pub format: SenseFormat,
    /// Response code 0x71 / 0x73: the error belongs to an earlier command.
    pub deferred: bool,
    /// Fixed byte 2 bits 3:0, or descriptor byte 1 bits 3:0.
    pub key: SenseKey,
    /// ADDITIONAL SENSE CODE (fixed byte 12, descriptor byte 2).
    pub asc: u8,
    /// ADDITIONAL SENSE CODE QUALIFIER (fixed byte 13, descriptor byte 3).
    pub ascq: u8,
    /// INFORMATION: fixed bytes 3–6 when VALID, or the information descriptor (type 0x00).
    pub information: Option<u64>,
    /// Fixed-format fields, raw (absent for descriptor format).
    pub fixed: Option<FixedFields>,
    /// The three sense-key-specific bytes, when SKSV is set.
    pub sense_key_specific: Option<[u8; 3]>,
    /// Progress indication, numerator of a fraction of 65536.
    pub progress: Option<u16>,
    /// The ATA Status Return descriptor, when present.
    pub ata_return: Option<AtaStatusReturn>,
    /// The bytes as received.
    pub raw: Vec<u8>,
}

/// Why sense bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenseError {
    /// Shorter than the minimum of the format it announces (the byte count).
    #[error("sense data too short ({0} bytes)")]
    Truncated(usize),
    /// A response code other than 70h–73h or 7Fh.
    #[error("unknown sense response code 0x{0:02x}")]
    UnknownResponseCode(u8),
    /// Response code 7Fh: a vendor-specific layout ardoise cannot read.
    #[error("vendor-specific sense format (response code 0x7f)")]
    VendorFormat,
    /// A descriptor runs past the end of the sense data, or its length does not fit its type.
    #[error("malformed sense descriptor: {0}")]
    MalformedDescriptor(String),
}

impl Sense {
    /// Decodes sense bytes. Empty or all-zero input means "no sense data" (`Ok(None)`).
    pub fn parse(buf: &[u8]) -> Result<Option<Sense>, SenseError> {
        if buf.iter().all(|&b| b == 0) {
            return Ok(None);
        }
        let code = buf[0] & 0x7f;
        match code {
            0x70 | 0x71 => parse_fixed(buf).map(Some),
            0x72 | 0x73 => parse_descriptor(buf).map(Some),
            0x7f => Err(SenseError::VendorFormat),
            other => Err(SenseError::UnknownResponseCode(other)),
        }
    }

    /// The readable name of the ASC/ASCQ, if known.
    pub fn asc_name(&self) -> Option<&'static str> {
        asc_name(self.asc, self.ascq)
    }

    /// Progress as a percentage (progress × 100 / 65536).
    pub fn progress_percent(&self) -> Option<f64> {
        self.progress.map(|p| f64::from(p) * 100.0 / 65536.0)
    }

    /// NOT READY, LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS (04/1B).
    pub fn is_sanitize_in_progress(&self) -> bool {
        self.key == SenseKey::NotReady && self.asc == 0x04 && self.ascq == 0x1b
    }

    /// SANITIZE COMMAND FAILED (31/03), whatever the sense key.
    pub fn is_sanitize_failed(&self) -> bool {
        self.asc == 0x31 && self.ascq == 0x03
    }

    /// ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE (20/00): the command is not implemented.
    pub fn is_invalid_opcode(&self) -> bool {
        self.key == SenseKey::IllegalRequest && self.asc == 0x20 && self.ascq == 0x00
    }

    /// ILLEGAL REQUEST, INVALID FIELD IN CDB (24/00).
    pub fn is_invalid_field_in_cdb(&self) -> bool {
        self.key == SenseKey::IllegalRequest && self.asc == 0x24 && self.ascq == 0x00
    }
}

impl fmt::Display for Sense {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.key.name())?;
        match self.asc_name() {
            Some(n) => write!(f, ", {n} ({:02X}/{:02X})", self.asc, self.ascq)?,
            None => write!(f, ", ASC/ASCQ {:02X}/{:02X}", self.asc, self.ascq)?,
        }
        if let Some(p) = self.progress_percent() {
            write!(f, ", progress {p:.1}%")?;
        }
        if self.deferred {
            write!(f, " [deferred]")?;
        }
        Ok(())
    }
}

fn parse_fixed(buf: &[u8]) -> Result<Sense, SenseError> {
    if buf.len() < 3 {
        return Err(SenseError::Truncated(buf.len()));
    }
    // Bytes beyond 8 + ADDITIONAL SENSE LENGTH are not part of the sense data.
    let end = if buf.len() >= 8 {
        (8 + usize::from(buf[7])).min(buf.len())
    } else {
        buf.len()
    };
    let b = &buf[..end];
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let valid = buf[0] & 0x80 != 0;
    let information = [at(3), at(4), at(5), at(6)];
    let key = SenseKey::from_u8(at(2));
    let sks = (at(15) & 0x80 != 0).then(|| [at(15), at(16), at(17)]);
    let progress = match (key, sks) {
        (SenseKey::NoSense | SenseKey::NotReady, Some(s)) => Some(u16::from_be_bytes([s[1], s[2]])),
        _ => None,
    };
    Ok(Sense {
        format: SenseFormat::Fixed,
        deferred: buf[0] & 0x7f == 0x71,
        key,
        asc: at(12),
        ascq: at(13),
        information: valid.then(|| u64::from(u32::from_be_bytes(information))),
        fixed: Some(FixedFields {
            valid,
            information,
            command_specific: [at(8), at(9), at(10), at(11)],
        }),
        sense_key_specific: sks,
        progress,
        ata_return: None,
        raw: buf.to_vec(),
    })
}

fn parse_descriptor(buf: &[u8]) -> Result<Sense, SenseError> {
    if buf.len() < 4 {
        return Err(SenseError::Truncated(buf.len()));
    }
    let key = SenseKey::from_u8(buf[1]);
    let mut sense = Sense {
        format: SenseFormat::Descriptor,
        deferred: buf[0] & 0x7f == 0x73,
        key,
        asc: buf[2],
        ascq: buf[3],
        information: None,
        fixed: None,
        sense_key_specific: None,
        progress: None,
        ata_return: None,
        raw: buf.to_vec(),
    };
    if buf.len() < 8 {
        return Ok(sense);
    }
    let end = (8 + usize::from(buf[7])).min(buf.len());
    let mut i = 8;
    while i + 2 <= end {
        let (ty, len) = (buf[i], usize::from(buf[i + 1]));
        let d_end = i + 2 + len;
        if d_end > end {
            return Err(SenseError::MalformedDescriptor(format!(
                "descriptor type 0x{ty:02x} at byte {i} claims {len} bytes, only {} remain",
                end - i - 2
            )));
        }
        let d = &buf[i..d_end];
        match ty {
            0x00 if len >= 0x0a && d[2] & 0x80 != 0 => {
                sense.information = Some(u64::from_be_bytes(d[4..12].try_into().expect("8")));
            }
            0x02 if len >= 0x06 && d[4] & 0x80 != 0 => {
                let s = [d[4], d[5], d[6]];
                sense.sense_key_specific = Some(s);
                if matches!(key, SenseKey::NoSense | SenseKey::NotReady) {
                    sense.progress = Some(u16::from_be_bytes([s[1], s[2]]));
                }
            }
            0x0a if len >= 0x06 => {
                sense.progress = Some(u16::from_be_bytes([d[6], d[7]]));
            }
            0x09 => {
                sense.ata_return = Some(AtaStatusReturn::decode(d).ok_or_else(|| {
                    SenseError::MalformedDescriptor(format!(
                        "ATA Status Return descriptor with additional length {len} (expected 12)"
                    ))
                })?);
            }
            _ => {}
        }
        i = d_end;
    }
    Ok(sense)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_all_zero_sense_mean_no_sense() {
        assert_eq!(Sense::parse(&[]).unwrap(), None);
        assert_eq!(Sense::parse(&[0u8; 18]).unwrap(), None);
    }

    #[test]
    fn fixed_not_ready_sanitize_in_progress_with_progress() {
        // 70 00 02 .. additional length 0A .. ASC 04 ASCQ 1B .. SKSV|00 80 00 (50 %)
        let b = [
            0x70, 0, 0x02, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x04, 0x1b, 0, 0x80, 0x80, 0x00,
        ];
        let s = Sense::parse(&b).unwrap().unwrap();
        assert_eq!(s.format, SenseFormat::Fixed);
        assert_eq!(s.key, SenseKey::NotReady);
        assert!(s.is_sanitize_in_progress());
        assert_eq!(s.progress, Some(0x8000));
        assert_eq!(s.progress_percent(), Some(50.0));
        assert_eq!(
            s.to_string(),
            "NOT READY, LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS (04/1B), progress 50.0%"
        );
    }

    #[test]
    fn fixed_sksv_clear_means_no_progress() {
        let b = [
            0x70, 0, 0x02, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x04, 0x1b, 0, 0x00, 0x80, 0x00,
        ];
        assert_eq!(Sense::parse(&b).unwrap().unwrap().progress, None);
    }

    #[test]
    fn fixed_progress_only_for_no_sense_or_not_ready() {
        // ILLEGAL REQUEST with SKSV set: the field is a field pointer, not progress.
        let b = [
            0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x24, 0x00, 0, 0xc0, 0x00, 0x02,
        ];
        let s = Sense::parse(&b).unwrap().unwrap();
        assert!(s.is_invalid_field_in_cdb());
        assert_eq!(s.progress, None);
        assert_eq!(s.sense_key_specific, Some([0xc0, 0x00, 0x02]));
    }

    #[test]
    fn fixed_valid_information_and_command_specific() {
        let b = [
            0xf0, 0, 0x0b, 0x04, 0x51, 0x40, 0x00, 0x0a, 0x80, 0x12, 0x34, 0x56, 0x00, 0x00, 0, 0,
            0, 0,
        ];
        let s = Sense::parse(&b).unwrap().unwrap();
        assert_eq!(s.key, SenseKey::AbortedCommand);
        assert_eq!(s.information, Some(0x0451_4000));
        let f = s.fixed.unwrap();
        assert!(f.valid);
        assert_eq!(f.information, [0x04, 0x51, 0x40, 0x00]);
        assert_eq!(f.command_specific, [0x80, 0x12, 0x34, 0x56]);
    }

    #[test]
    fn fixed_deferred_and_short_additional_length() {
        // Additional length 6: bytes 14.. are not sense data even if present.
        let b = [
            0x71, 0, 0x03, 0, 0, 0, 0, 0x06, 0, 0, 0, 0, 0x11, 0x00, 0, 0x80, 0x12, 0x34,
        ];
        let s = Sense::parse(&b).unwrap().unwrap();
        assert!(s.deferred);
        assert_eq!(s.key, SenseKey::MediumError);
        assert_eq!(s.asc_name(), Some("UNRECOVERED READ ERROR"));
        assert_eq!(s.sense_key_specific, None);
    }

    #[test]
    fn descriptor_with_ata_status_return() {
        // What libata returns for a CK_COND command that succeeded (RECOVERED ERROR 00/1D).
        let b = [
            0x72, 0x01, 0x00, 0x1d, 0, 0, 0, 0x0e, // header
            0x09, 0x0c, 0x01, 0x00, 0xab, 0xcd, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x40, 0x50,
        ];
        let s = Sense::parse(&b).unwrap().unwrap();
        assert_eq!(s.key, SenseKey::RecoveredError);
        assert_eq!(s.asc_name(), Some("ATA PASS THROUGH INFORMATION AVAILABLE"));
        let r = s.ata_return.unwrap();
        assert!(r.extend);
        assert_eq!(r.error, 0);
        assert_eq!(r.count, 0xabcd);
        // LBA(31:24)=11 (7:0)=22 (39:32)=33 (15:8)=44 (47:40)=55 (23:16)=66
        assert_eq!(r.lba, 0x5533_1166_4422);
        assert_eq!(r.device, 0x40);
        assert_eq!(r.status, 0x50);
    }

    #[test]
    fn descriptor_progress_from_sks_and_progress_descriptors() {
        let sks = [
            0x72, 0x02, 0x04, 0x1b, 0, 0, 0, 0x08, 0x02, 0x06, 0, 0, 0x80, 0x40, 0x00, 0,
        ];
        let s = Sense::parse(&sks).unwrap().unwrap();
        assert_eq!(s.progress, Some(0x4000));
        assert!(s.is_sanitize_in_progress());
        let pid = [
            0x72, 0x00, 0x00, 0x16, 0, 0, 0, 0x08, 0x0a, 0x06, 0x02, 0x04, 0x1b, 0, 0xc0, 0x00,
        ];
        let s = Sense::parse(&pid).unwrap().unwrap();
        assert_eq!(s.progress, Some(0xc000));
    }

    #[test]
    fn descriptor_information_descriptor() {
        let b = [
            0x72, 0x03, 0x11, 0x00, 0, 0, 0, 0x0c, 0x00, 0x0a, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x12,
            0x34,
        ];
        let s = Sense::parse(&b).unwrap().unwrap();
        assert_eq!(s.information, Some(0x1234));
    }

    #[test]
    fn descriptor_overrun_is_malformed() {
        let b = [
            0x72, 0x01, 0x00, 0x1d, 0, 0, 0, 0x06, 0x09, 0x0c, 0, 0, 0, 0,
        ];
        assert!(matches!(
            Sense::parse(&b),
            Err(SenseError::MalformedDescriptor(_))
        ));
        // An ATA descriptor shorter than 12 is malformed too.
        let b = [
            0x72, 0x01, 0x00, 0x1d, 0, 0, 0, 0x06, 0x09, 0x04, 0, 0, 0, 0,
        ];
        assert!(matches!(
            Sense::parse(&b),
            Err(SenseError::MalformedDescriptor(_))
        ));
    }

    #[test]
    fn unknown_formats_are_errors() {
        assert_eq!(
            Sense::parse(&[0x7f, 0, 0, 0]),
            Err(SenseError::VendorFormat)
        );
        assert_eq!(
            Sense::parse(&[0x05, 0, 0, 0]),
            Err(SenseError::UnknownResponseCode(0x05))
        );
        assert_eq!(Sense::parse(&[0x70, 0]), Err(SenseError::Truncated(2)));
    }

    #[test]
    fn names_of_the_codes_we_meet() {
        assert_eq!(asc_name(0x31, 0x03), Some("SANITIZE COMMAND FAILED"));
        assert_eq!(asc_name(0x20, 0x00), Some("INVALID COMMAND OPERATION CODE"));
        assert_eq!(asc_name(0x24, 0x00), Some("INVALID FIELD IN CDB"));
        assert_eq!(SenseKey::from_u8(0x06).name(), "UNIT ATTENTION");
        assert_eq!(SenseKey::from_u8(0xf3), SenseKey::MediumError);
        assert_eq!(SenseKey::from_u8(0x0f), SenseKey::Completed);
    }
}
