//! Parsers for the data-in of the SCSI commands ardoise sends (SPC-4 / SBC-4 layouts).

/// A response whose bytes do not fit the layout they claim.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {what}: {detail}")]
pub struct ResponseError {
    /// The structure that could not be parsed.
    pub what: &'static str,
    /// What is wrong with it.
    pub detail: String,
}

fn malformed(what: &'static str, detail: impl Into<String>) -> ResponseError {
    ResponseError {
        what,
        detail: detail.into(),
    }
}

/// ASCII field trimmed of the space/NUL padding SCSI uses.
fn ascii_field(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim_matches(|c: char| c == ' ' || c == '\0')
        .to_string()
}

/// Standard INQUIRY data: byte 0 peripheral qualifier (7:5) / device type (4:0), byte 1 bit 7
/// RMB, byte 2 VERSION, byte 3 bits 3:0 RESPONSE DATA FORMAT, byte 4 ADDITIONAL LENGTH, bytes
/// 8–15 T10 VENDOR IDENTIFICATION, 16–31 PRODUCT IDENTIFICATION, 32–35 PRODUCT REVISION LEVEL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardInquiry {
    /// Byte 0 bits 7:5: 0 means a device of device_type is connected to this logical unit.
    pub peripheral_qualifier: u8,
    /// Byte 0 bits 4:0 PERIPHERAL DEVICE TYPE (0 direct-access block device, 5 CD/DVD, ...).
    pub device_type: u8,
    /// Byte 1 bit 7 RMB: the medium is removable.
    pub removable: bool,
    /// Byte 2 VERSION: the SPC version claimed (6 = SPC-4, 7 = SPC-5, 0 = none).
    pub version: u8,
    /// Byte 3 bits 3:0 RESPONSE DATA FORMAT (2 for every current device).
    pub response_data_format: u8,
    /// Bytes 8–15 T10 VENDOR IDENTIFICATION ("ATA" behind libata's SAT layer).
    pub vendor: String,
    /// Bytes 16–31 PRODUCT IDENTIFICATION.
    pub product: String,
    /// Bytes 32–35 PRODUCT REVISION LEVEL.
    pub revision: String,
}

impl StandardInquiry {
    /// Decodes at least 36 bytes of standard INQUIRY data.
    pub fn parse(b: &[u8]) -> Result<Self, ResponseError> {
        if b.len() < 36 {
            return Err(malformed(
                "standard INQUIRY data",
                format!("{} bytes, need 36", b.len()),
            ));
        }
        Ok(StandardInquiry {
            peripheral_qualifier: b[0] >> 5,
            device_type: b[0] & 0x1f,
            removable: b[1] & 0x80 != 0,
            version: b[2],
            response_data_format: b[3] & 0x0f,
            vendor: ascii_field(&b[8..16]),
            product: ascii_field(&b[16..32]),
            revision: ascii_field(&b[32..36]),
        })
    }
}

/// Checks the 4-byte VPD header (byte 1 PAGE CODE, bytes 2–3 PAGE LENGTH) and returns the page
/// body.
fn vpd_body<'a>(b: &'a [u8], page: u8, what: &'static str) -> Result<&'a [u8], ResponseError> {
    if b.len() < 4 {
        return Err(malformed(what, format!("{} bytes, need 4", b.len())));
    }
    if b[1] != page {
        return Err(malformed(
            what,
            format!("page code 0x{:02x}, expected 0x{page:02x}", b[1]),
        ));
    }
    let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
    if 4 + len > b.len() {
        return Err(malformed(
            what,
            format!(
                "page length {len} exceeds the {} bytes returned",
                b.len() - 4
            ),
        ));
    }
    Ok(&b[4..4 + len])
}

/// VPD page 0x00: the list of supported VPD page codes.
pub fn parse_supported_vpd_pages(b: &[u8]) -> Result<Vec<u8>, ResponseError> {
    Ok(vpd_body(b, 0x00, "Supported VPD Pages page")?.to_vec())
}

/// VPD page 0x80: PRODUCT SERIAL NUMBER (ASCII, trimmed).
pub fn parse_unit_serial_number(b: &[u8]) -> Result<String, ResponseError> {
    Ok(ascii_field(vpd_body(b, 0x80, "Unit Serial Number page")?))
}

/// One designation descriptor of VPD page 0x83: byte 0 PROTOCOL IDENTIFIER (7:4) / CODE SET
/// (3:0), byte 1 PIV (7) / ASSOCIATION (5:4) / DESIGNATOR TYPE (3:0), byte 3 DESIGNATOR LENGTH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Designator {
    /// Byte 0 bits 7:4 PROTOCOL IDENTIFIER; meaningful only when piv is set.
    pub protocol_identifier: u8,
    /// 1 binary, 2 ASCII, 3 UTF-8.
    pub code_set: u8,
    /// Byte 1 bit 7 PIV: protocol_identifier is valid.
    pub piv: bool,
    /// 0 logical unit, 1 target port, 2 target device.
    pub association: u8,
    /// 0 vendor specific, 1 T10 vendor ID, 2 EUI-64, 3 NAA, 8 SCSI name string...
    pub designator_type: u8,
    /// The DESIGNATOR bytes, as long as DESIGNATOR LENGTH says.
    pub value: Vec<u8>,
}

/// DESIGNATOR TYPE 1: T10 vendor ID based (libata's carries "ATA", model and serial).
pub const DESIGNATOR_T10_VENDOR_ID: u8 = 1;
/// DESIGNATOR TYPE 2: EUI-64 based.
pub const DESIGNATOR_EUI64: u8 = 2;
/// DESIGNATOR TYPE 3: NAA; for the logical unit, the disk's world wide name.
pub const DESIGNATOR_NAA: u8 = 3;

/// VPD page 0x83 (Device Identification).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceIdentification {
    /// The designation descriptors, in the order the page lists them.
    pub designators: Vec<Designator>,
}

impl DeviceIdentification {
    /// Decodes page 83h (4-byte page header included).
    pub fn parse(b: &[u8]) -> Result<Self, ResponseError> {
        let what = "Device Identification page";
        let body = vpd_body(b, 0x83, what)?;
        let mut designators = Vec::new();
        let mut i = 0;
        while i < body.len() {
            if i + 4 > body.len() {
                return Err(malformed(
                    what,
                    format!("truncated descriptor header at {i}"),
                ));
            }
            let len = usize::from(body[i + 3]);
            if i + 4 + len > body.len() {
                return Err(malformed(
                    what,
                    format!("designator at {i} claims {len} bytes past the page end"),
                ));
            }
            designators.push(Designator {
                protocol_identifier: body[i] >> 4,
                code_set: body[i] & 0x0f,
                piv: body[i + 1] & 0x80 != 0,
                association: (body[i + 1] >> 4) & 0x03,
                designator_type: body[i + 1] & 0x0f,
                value: body[i + 4..i + 4 + len].to_vec(),
            });
            i += 4 + len;
        }
        Ok(DeviceIdentification { designators })
    }

    /// The logical unit's NAA designator (association 0, binary), e.g. the WWN of a disk.
    pub fn naa(&self) -> Option<&[u8]> {
        self.designators
            .iter()
            .find(|d| d.designator_type == DESIGNATOR_NAA && d.association == 0 && d.code_set == 1)
            .map(|d| d.value.as_slice())
    }

    /// The NAA designator as lowercase hex (e.g. "5000c500a1b2c3d4"), the usual WWN spelling.
    pub fn wwn_hex(&self) -> Option<String> {
        self.naa().map(hex::encode)
    }

    /// The T10 vendor identification designator as text (libata: "ATA     " + model + serial).
    pub fn t10_vendor_id(&self) -> Option<String> {
        self.designators
            .iter()
            .find(|d| d.designator_type == DESIGNATOR_T10_VENDOR_ID && d.association == 0)
            .map(|d| String::from_utf8_lossy(&d.value).to_string())
    }
}

/// READ CAPACITY (16) parameter data: bytes 0–7 RETURNED LOGICAL BLOCK ADDRESS (the last LBA),
/// 8–11 LOGICAL BLOCK LENGTH IN BYTES, 12 bits 3:1 P_TYPE / bit 0 PROT_EN, 13 bits 3:0
/// LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT, 14 bit 7 LBPME / bit 6 LBPRZ, 14–15 bits 13:0
/// LOWEST ALIGNED LOGICAL BLOCK ADDRESS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity16 {
    /// Bytes 0–7 RETURNED LOGICAL BLOCK ADDRESS: the last LBA, one less than the block count.
    pub last_lba: u64,
    /// Bytes 8–11 LOGICAL BLOCK LENGTH IN BYTES (never 0 once parsed).
    pub block_length: u32,
    /// Byte 12 bit 0 PROT_EN: protection information is enabled.
    pub protection_enabled: bool,
    /// Byte 12 bits 3:1 P_TYPE: the protection type minus one, when PROT_EN is set.
    pub protection_type: u8,
    /// Byte 13 bits 3:0: log2 of the logical blocks per physical block.
    pub logical_per_physical_exponent: u8,
    /// Byte 14 bit 7 LBPME: logical block provisioning (UNMAP) is enabled.
    pub lbpme: bool,
    /// Byte 14 bit 6 LBPRZ: unmapped blocks read as zeros.
    pub lbprz: bool,
    /// Bytes 14–15 bits 13:0: the first LBA aligned to a physical block.
    pub lowest_aligned_lba: u16,
}

impl Capacity16 {
    /// Decodes at least 16 bytes of READ CAPACITY (16) data.
    pub fn parse(b: &[u8]) -> Result<Self, ResponseError> {
        if b.len() < 16 {
            return Err(malformed(
                "READ CAPACITY(16) data",
                format!("{} bytes, need 16", b.len()),
            ));
        }
        let block_length = u32::from_be_bytes(b[8..12].try_into().expect("4"));
        if block_length == 0 {
            return Err(malformed("READ CAPACITY(16) data", "block length 0"));
        }
        Ok(Capacity16 {
            last_lba: u64::from_be_bytes(b[0..8].try_into().expect("8")),
            block_length,
            protection_enabled: b[12] & 1 != 0,
            protection_type: (b[12] >> 1) & 0x07,
            logical_per_physical_exponent: b[13] & 0x0f,
            lbpme: b[14] & 0x80 != 0,
            lbprz: b[14] & 0x40 != 0,
            lowest_aligned_lba: u16::from_be_bytes([b[14] & 0x3f, b[15]]),
        })
    }

    /// Number of logical blocks.
    pub fn blocks(&self) -> u64 {
        self.last_lba + 1
    }

    /// Capacity in bytes.
    pub fn bytes(&self) -> u64 {
        self.blocks() * u64::from(self.block_length)
    }

    /// Physical block size in bytes.
    pub fn physical_block_length(&self) -> u32 {
        self.block_length << self.logical_per_physical_exponent
    }
}

/// SUPPORT field of the one-command REPORT SUPPORTED OPERATION CODES format (byte 1 bits 2:0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandSupport {
    /// 000b: data about the command is not available.
    NotAvailable,
    /// 001b: the device does not support the command.
    NotSupported,
    /// 011b: supported as the standard defines it.
    Supported,
    /// 101b: supported in a vendor-specific manner.
    VendorSpecific,
    /// A reserved SUPPORT value (010b, 100b, 110b, 111b), kept raw.
    Reserved(u8),
}

impl CommandSupport {
    /// Decodes the SUPPORT field (bits 2:0 of v; the other bits are ignored).
    pub fn from_bits(v: u8) -> Self {
        match v & 0x07 {
            0 => CommandSupport::NotAvailable,
            1 => CommandSupport::NotSupported,
            3 => CommandSupport::Supported,
            5 => CommandSupport::VendorSpecific,
            other => CommandSupport::Reserved(other),
        }
    }

    /// Whether the device implements the command, in the standard or a vendor-specific manner.
    pub fn is_supported(self) -> bool {
        matches!(
            self,
            CommandSupport::Supported | CommandSupport::VendorSpecific
        )
    }
}

/// One-command REPORT SUPPORTED OPERATION CODES data: byte 1 SUPPORT, bytes 2–3 CDB SIZE, then
/// the CDB USAGE DATA (which bits of the CDB the device looks at).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneCommandSupport {
    /// Byte 1 bits 2:0 SUPPORT.
    pub support: CommandSupport,
    /// The CDB USAGE DATA: a bit mask of the CDB, one byte per CDB byte (CDB SIZE bytes).
    pub cdb_usage: Vec<u8>,
}

impl OneCommandSupport {
    /// Decodes the one-command format (4-byte header and the usage data).
    pub fn parse(b: &[u8]) -> Result<Self, ResponseError> {
        let what = "REPORT SUPPORTED OPERATION CODES data";
        if b.len() < 4 {
            return Err(malformed(what, format!("{} bytes, need 4", b.len())));
        }
        let size = usize::from(u16::from_be_bytes([b[2], b[3]]));
        if 4 + size > b.len() {
            return Err(malformed(
                what,
                format!("CDB size {size} exceeds the {} bytes returned", b.len() - 4),
            ));
        }
        Ok(OneCommandSupport {
            support: CommandSupport::from_bits(b[1]),
            cdb_usage: b[4..4 + size].to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_inquiry() {
        let mut b = [0u8; 36];
        b[0] = 0x00;
        b[1] = 0x80;
        b[2] = 0x06;
        b[3] = 0x02;
        b[4] = 31;
        b[8..16].copy_from_slice(b"ATA     ");
        b[16..32].copy_from_slice(b"ST1000DM003-1CH1");
        b[32..36].copy_from_slice(b"CC47");
        let i = StandardInquiry::parse(&b).unwrap();
        assert_eq!(i.vendor, "ATA");
        assert_eq!(i.product, "ST1000DM003-1CH1");
        assert_eq!(i.revision, "CC47");
        assert!(i.removable);
        assert_eq!(i.version, 6);
        assert_eq!(i.response_data_format, 2);
        assert!(StandardInquiry::parse(&b[..35]).is_err());
    }

    #[test]
    fn vpd_pages_and_serial() {
        let b = [0, 0x00, 0, 3, 0x00, 0x80, 0x83];
        assert_eq!(parse_supported_vpd_pages(&b).unwrap(), vec![0, 0x80, 0x83]);
        let b = [0, 0x80, 0, 8, b' ', b' ', b'W', b'D', b'-', b'1', b' ', 0];
        assert_eq!(parse_unit_serial_number(&b).unwrap(), "WD-1");
        // Wrong page code, overlong page length.
        assert!(parse_unit_serial_number(&[0, 0x83, 0, 0]).is_err());
        assert!(parse_supported_vpd_pages(&[0, 0, 0, 9, 1]).is_err());
    }

    #[test]
    fn device_identification_naa() {
        let b = [
            0x00, 0x83, 0x00, 0x18, // header, 24 bytes
            0x02, 0x01, 0x00, 0x08, b'A', b'T', b'A', b' ', b' ', b' ', b' ', b' ', // T10
            0x01, 0x03, 0x00, 0x08, 0x50, 0x00, 0xc5, 0x00, 0xa1, 0xb2, 0xc3, 0xd4, // NAA
        ];
        let d = DeviceIdentification::parse(&b).unwrap();
        assert_eq!(d.designators.len(), 2);
        assert_eq!(d.wwn_hex().as_deref(), Some("5000c500a1b2c3d4"));
        assert_eq!(d.t10_vendor_id().as_deref(), Some("ATA     "));
        let mut bad = b;
        bad[3] = 0x20;
        assert!(DeviceIdentification::parse(&bad).is_err());
        let mut bad = b;
        bad[19] = 0x09; // NAA claims 9 bytes
        assert!(DeviceIdentification::parse(&bad).is_err());
    }

    #[test]
    fn read_capacity16() {
        let mut b = [0u8; 32];
        b[0..8].copy_from_slice(&0x0000_0000_0747_6B2Fu64.to_be_bytes());
        b[8..12].copy_from_slice(&512u32.to_be_bytes());
        b[13] = 3;
        b[14] = 0xc0;
        b[15] = 0x00;
        let c = Capacity16::parse(&b).unwrap();
        assert_eq!(c.blocks(), 0x0747_6B30);
        assert_eq!(c.physical_block_length(), 4096);
        assert!(c.lbpme && c.lbprz);
        assert_eq!(c.bytes(), 0x0747_6B30 * 512);
        b[8..12].copy_from_slice(&0u32.to_be_bytes());
        assert!(Capacity16::parse(&b).is_err());
        assert!(Capacity16::parse(&[0; 12]).is_err());
    }

    #[test]
    fn one_command_support() {
        let b = [0, 0x03, 0, 10, 0x48, 0xff, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07];
        let s = OneCommandSupport::parse(&b).unwrap();
        assert_eq!(s.support, CommandSupport::Supported);
        assert!(s.support.is_supported());
        assert_eq!(s.cdb_usage.len(), 10);
        let s = OneCommandSupport::parse(&[0, 0x01, 0, 0]).unwrap();
        assert_eq!(s.support, CommandSupport::NotSupported);
        assert!(!s.support.is_supported());
        assert!(OneCommandSupport::parse(&[0, 0x03, 0, 10, 0x48]).is_err());
    }
}
