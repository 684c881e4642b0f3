//! CDB encoders for the SCSI commands ardoise sends (SPC-4 / SBC-4 layouts; SANITIZE and
//! REPORT SUPPORTED OPERATION CODES per sg3_utils `sg_sanitize.c` / `sg_opcodes.c`,
//! docs/standards.md §3).

/// Operation codes.
pub mod opcode {
    /// TEST UNIT READY (SPC-5): asks whether the logical unit is ready; polled during a sanitize.
    pub const TEST_UNIT_READY: u8 = 0x00;
    /// REQUEST SENSE (6) (SPC-5): fetches sense data, including sanitize progress.
    pub const REQUEST_SENSE: u8 = 0x03;
    /// INQUIRY (6) (SPC-5): standard data, or a VPD page when EVPD is set.
    pub const INQUIRY: u8 = 0x12;
    /// SYNCHRONIZE CACHE (10) (SBC-4): writes the volatile cache to the medium.
    pub const SYNCHRONIZE_CACHE_10: u8 = 0x35;
    /// SANITIZE (SBC-4); service actions in SanitizeServiceAction (docs/standards.md §3.2).
    pub const SANITIZE: u8 = 0x48;
    /// ATA PASS-THROUGH (16) (SAT-5): carries an ATA command (docs/standards.md §1.2).
    pub const ATA_PASS_THROUGH_16: u8 = 0x85;
    /// SERVICE ACTION IN(16); READ CAPACITY(16) is service action 0x10.
    pub const SERVICE_ACTION_IN_16: u8 = 0x9e;
    /// MAINTENANCE IN; REPORT SUPPORTED OPERATION CODES is service action 0x0C.
    pub const MAINTENANCE_IN: u8 = 0xa3;
}

/// Service action of SERVICE ACTION IN (16) that selects READ CAPACITY (16) (SBC-4).
pub const SA_READ_CAPACITY_16: u8 = 0x10;
/// Service action of MAINTENANCE IN that selects REPORT SUPPORTED OPERATION CODES (SPC-5).
pub const SA_REPORT_SUPPORTED_OPCODES: u8 = 0x0c;

/// Why a request cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The request contradicts the CDB layout (the message says which field).
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// TEST UNIT READY (6).
pub fn test_unit_ready() -> [u8; 6] {
    [opcode::TEST_UNIT_READY, 0, 0, 0, 0, 0]
}

/// INQUIRY (6): standard data when `vpd_page` is `None`, else EVPD=1 and the page code.
/// Bytes 3–4: ALLOCATION LENGTH, big-endian.
pub fn inquiry(vpd_page: Option<u8>, allocation_length: u16) -> [u8; 6] {
    let [hi, lo] = allocation_length.to_be_bytes();
    match vpd_page {
        None => [opcode::INQUIRY, 0, 0, hi, lo, 0],
        Some(page) => [opcode::INQUIRY, 0x01, page, hi, lo, 0],
    }
}

/// READ CAPACITY (16): SERVICE ACTION IN(16) / 0x10, ALLOCATION LENGTH in bytes 10–13.
pub fn read_capacity16(allocation_length: u32) -> [u8; 16] {
    let mut c = [0u8; 16];
    c[0] = opcode::SERVICE_ACTION_IN_16;
    c[1] = SA_READ_CAPACITY_16;
    c[10..14].copy_from_slice(&allocation_length.to_be_bytes());
    c
}

/// REQUEST SENSE (6): byte 1 bit 0 DESC asks for descriptor format; byte 4 ALLOCATION LENGTH.
pub fn request_sense(descriptor: bool, allocation_length: u8) -> [u8; 6] {
    [
        opcode::REQUEST_SENSE,
        u8::from(descriptor),
        0,
        0,
        allocation_length,
        0,
    ]
}

/// SYNCHRONIZE CACHE (10) of the whole medium (LBA 0, NUMBER OF LOGICAL BLOCKS 0 = to the end).
pub fn synchronize_cache10(immed: bool) -> [u8; 10] {
    [
        opcode::SYNCHRONIZE_CACHE_10,
        if immed { 0x02 } else { 0 },
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ]
}

/// REPORT SUPPORTED OPERATION CODES, one-command format. REPORTING OPTIONS (byte 2 bits 2:0):
/// 1 = opcode only (the opcode must have no service actions), 2 = opcode + service action.
/// Bytes 3 REQUESTED OPERATION CODE, 4–5 REQUESTED SERVICE ACTION, 6–9 ALLOCATION LENGTH.
pub fn report_supported_opcode(
    requested_opcode: u8,
    service_action: Option<u16>,
    allocation_length: u32,
) -> [u8; 12] {
    let mut c = [0u8; 12];
    c[0] = opcode::MAINTENANCE_IN;
    c[1] = SA_REPORT_SUPPORTED_OPCODES;
    c[2] = if service_action.is_some() { 2 } else { 1 };
    c[3] = requested_opcode;
    c[4..6].copy_from_slice(&service_action.unwrap_or(0).to_be_bytes());
    c[6..10].copy_from_slice(&allocation_length.to_be_bytes());
    c
}

/// SANITIZE service actions (SBC-4, byte 1 bits 4:0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SanitizeServiceAction {
    /// Overwrites every logical block with the parameter list's pattern.
    Overwrite = 0x01,
    /// Erases the medium's physical blocks (flash), leaving their content vendor-defined.
    BlockErase = 0x02,
    /// Changes the media encryption key, so that the old data can no longer be decrypted.
    CryptographicErase = 0x03,
    /// Leaves the sanitize failure state entered after a failed SANITIZE with AUSE set.
    ExitFailureMode = 0x1f,
}

impl SanitizeServiceAction {
    /// The 5-bit code sent in byte 1 bits 4:0.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The SBC-4 name of the service action, for transcripts and messages.
    pub fn name(self) -> &'static str {
        match self {
            SanitizeServiceAction::Overwrite => "OVERWRITE",
            SanitizeServiceAction::BlockErase => "BLOCK ERASE",
            SanitizeServiceAction::CryptographicErase => "CRYPTOGRAPHIC ERASE",
            SanitizeServiceAction::ExitFailureMode => "EXIT FAILURE MODE",
        }
    }
}

/// The OVERWRITE parameter list (SBC-4): byte 0 bit 7 INVERT, bits 6:5 TEST, bits 4:0
/// OVERWRITE COUNT (1–31); bytes 2–3 INITIALIZATION PATTERN LENGTH; then the pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScsiOverwrite {
    /// Written repeatedly from the start of every logical block.
    pub pattern: Vec<u8>,
    /// Number of passes, 1–31.
    pub count: u8,
    /// Invert the pattern between consecutive passes.
    pub invert: bool,
}

/// What one SANITIZE command asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScsiSanitizeOp {
    /// OVERWRITE, with its parameter list.
    Overwrite(ScsiOverwrite),
    /// BLOCK ERASE (no parameter list).
    BlockErase,
    /// CRYPTOGRAPHIC ERASE (no parameter list).
    CryptographicErase,
    /// EXIT FAILURE MODE (no parameter list).
    ExitFailureMode,
}

impl ScsiSanitizeOp {
    /// The service action code this operation is sent with.
    pub fn service_action(&self) -> SanitizeServiceAction {
        match self {
            ScsiSanitizeOp::Overwrite(_) => SanitizeServiceAction::Overwrite,
            ScsiSanitizeOp::BlockErase => SanitizeServiceAction::BlockErase,
            ScsiSanitizeOp::CryptographicErase => SanitizeServiceAction::CryptographicErase,
            ScsiSanitizeOp::ExitFailureMode => SanitizeServiceAction::ExitFailureMode,
        }
    }
}

/// A SANITIZE (0x48) request: the operation and the CDB flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScsiSanitizeRequest {
    /// The service action, and its parameter list for OVERWRITE.
    pub op: ScsiSanitizeOp,
    /// Return as soon as the CDB and parameter list are validated; poll with REQUEST SENSE.
    pub immed: bool,
    /// Allow unrestricted sanitize exit: a failure may be left with EXIT FAILURE MODE.
    pub ause: bool,
    /// Zoned no reset (zoned devices only).
    pub znr: bool,
}

impl ScsiSanitizeRequest {
    /// The 10-byte CDB and the data-out parameter list (empty unless OVERWRITE).
    /// Byte 1: bit 7 IMMED, bit 6 ZNR, bit 5 AUSE, bits 4:0 service action; bytes 7–8
    /// PARAMETER LIST LENGTH (big-endian).
    pub fn encode(&self, logical_block_size: u32) -> Result<([u8; 10], Vec<u8>), EncodeError> {
        let param = match &self.op {
            ScsiSanitizeOp::Overwrite(ow) => {
                if !(1..=31).contains(&ow.count) {
                    return Err(EncodeError::Invalid(format!(
                        "overwrite count {} outside 1..=31",
                        ow.count
                    )));
                }
                if ow.pattern.is_empty() || ow.pattern.len() as u64 > u64::from(logical_block_size)
                {
                    return Err(EncodeError::Invalid(format!(
                        "initialization pattern of {} bytes (must be 1..={logical_block_size})",
                        ow.pattern.len()
                    )));
                }
                let mut p = Vec::with_capacity(4 + ow.pattern.len());
                p.push(if ow.invert { 0x80 } else { 0 } | ow.count);
                p.push(0);
                p.extend_from_slice(&(ow.pattern.len() as u16).to_be_bytes());
                p.extend_from_slice(&ow.pattern);
                p
            }
            _ => Vec::new(),
        };
        let mut c = [0u8; 10];
        c[0] = opcode::SANITIZE;
        c[1] = self.op.service_action().code()
            | if self.immed { 0x80 } else { 0 }
            | if self.znr { 0x40 } else { 0 }
            | if self.ause { 0x20 } else { 0 };
        c[7..9].copy_from_slice(&(param.len() as u16).to_be_bytes());
        Ok((c, param))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_cdbs() {
        assert_eq!(test_unit_ready(), [0, 0, 0, 0, 0, 0]);
        assert_eq!(inquiry(None, 96), [0x12, 0, 0, 0, 96, 0]);
        assert_eq!(inquiry(Some(0x83), 0x200), [0x12, 1, 0x83, 0x02, 0x00, 0]);
        assert_eq!(request_sense(true, 252), [0x03, 1, 0, 0, 252, 0]);
        assert_eq!(
            synchronize_cache10(false),
            [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            read_capacity16(32),
            [0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0]
        );
    }

    #[test]
    fn report_supported_opcodes_one_command() {
        assert_eq!(
            report_supported_opcode(0x48, Some(0x03), 20),
            [0xa3, 0x0c, 0x02, 0x48, 0x00, 0x03, 0, 0, 0, 20, 0, 0]
        );
        assert_eq!(
            report_supported_opcode(0x35, None, 20)[..4],
            [0xa3, 0x0c, 0x01, 0x35]
        );
    }

    #[test]
    fn sanitize_block_erase_immed_ause() {
        let r = ScsiSanitizeRequest {
            op: ScsiSanitizeOp::BlockErase,
            immed: true,
            ause: true,
            znr: false,
        };
        let (c, p) = r.encode(512).unwrap();
        assert_eq!(c, [0x48, 0xa2, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(p.is_empty());
        let r = ScsiSanitizeRequest {
            op: ScsiSanitizeOp::ExitFailureMode,
            immed: false,
            ause: false,
            znr: true,
        };
        assert_eq!(r.encode(512).unwrap().0[1], 0x5f);
        let r = ScsiSanitizeRequest {
            op: ScsiSanitizeOp::CryptographicErase,
            immed: false,
            ause: false,
            znr: false,
        };
        assert_eq!(r.encode(512).unwrap().0[1], 0x03);
    }

    #[test]
    fn sanitize_overwrite_parameter_list() {
        let r = ScsiSanitizeRequest {
            op: ScsiSanitizeOp::Overwrite(ScsiOverwrite {
                pattern: vec![0xde, 0xad, 0xbe, 0xef],
                count: 3,
                invert: true,
            }),
            immed: true,
            ause: false,
            znr: false,
        };
        let (c, p) = r.encode(512).unwrap();
        assert_eq!(c, [0x48, 0x81, 0, 0, 0, 0, 0, 0x00, 0x08, 0]);
        assert_eq!(p, [0x83, 0x00, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef]);
    }

    #[test]
    fn sanitize_overwrite_rejects_bad_parameters() {
        let bad = |pattern: Vec<u8>, count| ScsiSanitizeRequest {
            op: ScsiSanitizeOp::Overwrite(ScsiOverwrite {
                pattern,
                count,
                invert: false,
            }),
            immed: true,
            ause: false,
            znr: false,
        };
        assert!(bad(vec![0], 0).encode(512).is_err());
        assert!(bad(vec![0], 32).encode(512).is_err());
        assert!(bad(vec![], 1).encode(512).is_err());
        assert!(bad(vec![0; 513], 1).encode(512).is_err());
        assert!(bad(vec![0; 512], 31).encode(512).is_ok());
    }
}
