//! Identify data structures: Controller (CNS 01h), Namespace (CNS 00h), Active Namespace ID list
//! (CNS 02h). Offsets: NVMe Base 2.0 and NVM Command Set 1.0, docs/standards.md §2.2 (libnvme
//! `struct nvme_id_ctrl`,
//! `struct nvme_id_ns`).

use serde::{Deserialize, Serialize};

use super::{ascii, le128, le16, le32, le64, IDENTIFY_LEN};

/// A data buffer shorter than the structure it should hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {got} bytes, need {need}")]
pub struct ShortBuffer {
    /// The structure that was expected.
    pub what: &'static str,
    /// Bytes it needs.
    pub need: usize,
    /// Bytes the buffer had.
    pub got: usize,
}

pub(crate) fn need(what: &'static str, buf: &[u8], need: usize) -> Result<(), ShortBuffer> {
    if buf.len() < need {
        Err(ShortBuffer {
            what,
            need,
            got: buf.len(),
        })
    } else {
        Ok(())
    }
}

/// Optional Admin Command Support (Identify Controller bytes 257:256).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Oacs(pub u16);

impl Oacs {
    /// Bit 0: Security Send and Security Receive supported.
    pub fn security_send_receive(self) -> bool {
        self.0 & (1 << 0) != 0
    }
    /// Bit 1: Format NVM supported (docs/standards.md §2.7).
    pub fn format_nvm(self) -> bool {
        self.0 & (1 << 1) != 0
    }
    /// Bit 2: Firmware Commit and Firmware Image Download supported.
    pub fn firmware_download(self) -> bool {
        self.0 & (1 << 2) != 0
    }
    /// Bit 3: Namespace Management and Namespace Attachment supported.
    pub fn namespace_management(self) -> bool {
        self.0 & (1 << 3) != 0
    }
    /// Bit 4: Device Self-test supported.
    pub fn device_self_test(self) -> bool {
        self.0 & (1 << 4) != 0
    }
    /// Bit 5: Directives supported.
    pub fn directives(self) -> bool {
        self.0 & (1 << 5) != 0
    }
    /// Bit 6: NVMe-MI Send and NVMe-MI Receive supported.
    pub fn nvme_mi(self) -> bool {
        self.0 & (1 << 6) != 0
    }
    /// Bit 7: Virtualization Management supported.
    pub fn virtualization_management(self) -> bool {
        self.0 & (1 << 7) != 0
    }
    /// Bit 8: Doorbell Buffer Config supported.
    pub fn doorbell_buffer_config(self) -> bool {
        self.0 & (1 << 8) != 0
    }
    /// Bit 9: Get LBA Status supported.
    pub fn get_lba_status(self) -> bool {
        self.0 & (1 << 9) != 0
    }
    /// Bit 10: Command and Feature Lockdown supported.
    pub fn command_feature_lockdown(self) -> bool {
        self.0 & (1 << 10) != 0
    }
}

/// Sanitize Capabilities (Identify Controller bytes 331:328). Sanitize support is this field:
/// OACS has no Sanitize bit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sanicap(pub u32);

impl Sanicap {
    /// CES: Crypto Erase sanitize supported.
    pub fn crypto_erase(self) -> bool {
        self.0 & (1 << 0) != 0
    }
    /// BES: Block Erase sanitize supported.
    pub fn block_erase(self) -> bool {
        self.0 & (1 << 1) != 0
    }
    /// OWS: Overwrite sanitize supported.
    pub fn overwrite(self) -> bool {
        self.0 & (1 << 2) != 0
    }
    /// VERS: media verification supported.
    pub fn media_verification(self) -> bool {
        self.0 & (1 << 3) != 0
    }
    /// NDI: No-Deallocate Inhibited.
    pub fn no_deallocate_inhibited(self) -> bool {
        self.0 & (1 << 29) != 0
    }
    /// NODMMAS (bits 31:30): 0 not reported, 1 media not additionally modified after a
    /// no-deallocate sanitize, 2 media additionally modified.
    pub fn nodmmas(self) -> u8 {
        (self.0 >> 30) as u8
    }
    /// At least one sanitize operation is supported.
    pub fn any_method(self) -> bool {
        self.crypto_erase() || self.block_erase() || self.overwrite()
    }
}

/// Format NVM Attributes (Identify Controller byte 524).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fna(pub u8);

impl Fna {
    /// Bit 0: a format of any namespace formats all namespaces.
    pub fn format_applies_to_all(self) -> bool {
        self.0 & (1 << 0) != 0
    }
    /// Bit 1: a secure erase of any namespace erases all namespaces.
    pub fn secure_erase_applies_to_all(self) -> bool {
        self.0 & (1 << 1) != 0
    }
    /// Bit 2: cryptographic erase (SES = 2) supported.
    pub fn crypto_erase_supported(self) -> bool {
        self.0 & (1 << 2) != 0
    }
    /// Bit 3: Format NVM with NSID FFFFFFFFh not supported.
    pub fn broadcast_format_unsupported(self) -> bool {
        self.0 & (1 << 3) != 0
    }
}

/// The fields of Identify Controller that ardoise uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentifyController {
    /// PCI vendor id (bytes 1:0).
    pub vid: u16,
    /// PCI subsystem vendor id (3:2).
    pub ssvid: u16,
    /// SN (23:4), MN (63:24), FR (71:64), ASCII, trimmed.
    pub serial: String,
    /// MN (63:24): the model number.
    pub model: String,
    /// FR (71:64): the firmware revision.
    pub firmware: String,
    /// RAB (72): Recommended Arbitration Burst, a power of two.
    pub rab: u8,
    /// IEEE OUI (75:73), as stored (least significant byte first).
    pub ieee_oui: [u8; 3],
    /// CMIC (76): multi-path I/O and namespace sharing capabilities.
    pub cmic: u8,
    /// Maximum data transfer size, a power of two in units of the minimum page size (0 = none).
    pub mdts: u8,
    /// CNTLID (79:78): this controller's id within the NVM subsystem.
    pub cntlid: u16,
    /// VER (83:80): major << 16 | minor << 8 | tertiary (0 for pre-1.2 controllers).
    pub version: u32,
    /// OACS (257:256): the optional admin commands supported.
    pub oacs: Oacs,
    /// ACL (258): Abort Command Limit, 0-based.
    pub acl: u8,
    /// AERL (259): Asynchronous Event Request Limit, 0-based.
    pub aerl: u8,
    /// FRMW (260): bit 0 slot 1 read-only, bits 3:1 slots, bit 4 activation without reset.
    pub frmw: u8,
    /// LPA (261): bit 0 SMART log per namespace, bit 1 Commands Supported and Effects log,
    /// bit 2 extended Get Log Page data (NUMDU, offsets).
    pub lpa: u8,
    /// ELPE (262): Error Log Page Entries, 0-based.
    pub elpe: u8,
    /// NPSS (263): Number of Power States Supported, 0-based.
    pub npss: u8,
    /// Warning / critical composite temperature thresholds in kelvin (267:266, 269:268).
    pub wctemp: u16,
    /// CCTEMP (269:268): critical composite temperature threshold, kelvin.
    pub cctemp: u16,
    /// Total / unallocated NVM capacity in bytes (295:280, 311:296).
    pub tnvmcap: u128,
    /// UNVMCAP (311:296): unallocated NVM capacity in bytes.
    pub unvmcap: u128,
    /// SANICAP (331:328): which Sanitize actions the controller supports.
    pub sanicap: Sanicap,
    /// SQES (512): submission queue entry size, required (bits 3:0) and maximum (7:4), powers of
    /// two.
    pub sqes: u8,
    /// CQES (513): completion queue entry size, required (bits 3:0) and maximum (7:4), powers of
    /// two.
    pub cqes: u8,
    /// MAXCMD (515:514): maximum outstanding commands (0 = not reported).
    pub maxcmd: u16,
    /// Number of namespaces (519:516): the highest valid NSID.
    pub nn: u32,
    /// ONCS (521:520): bit 2 Dataset Management, bit 3 Write Zeroes...
    pub oncs: u16,
    /// FNA (524): the scope and kinds of erase Format NVM offers.
    pub fna: Fna,
    /// VWC (525): bit 0 a volatile write cache is present.
    pub vwc: u8,
    /// NVM Subsystem NVMe Qualified Name (1023:768).
    pub subnqn: String,
}

impl IdentifyController {
    /// Decodes a 4096-byte Identify Controller structure (CNS 01h); only a shorter buffer fails.
    pub fn parse(buf: &[u8]) -> Result<Self, ShortBuffer> {
        need("Identify Controller", buf, IDENTIFY_LEN)?;
        Ok(IdentifyController {
            vid: le16(buf, 0),
            ssvid: le16(buf, 2),
            serial: ascii(&buf[4..24]),
            model: ascii(&buf[24..64]),
            firmware: ascii(&buf[64..72]),
            rab: buf[72],
            ieee_oui: [buf[73], buf[74], buf[75]],
            cmic: buf[76],
            mdts: buf[77],
            cntlid: le16(buf, 78),
            version: le32(buf, 80),
            oacs: Oacs(le16(buf, 256)),
            acl: buf[258],
            aerl: buf[259],
            frmw: buf[260],
            lpa: buf[261],
            elpe: buf[262],
            npss: buf[263],
            wctemp: le16(buf, 266),
            cctemp: le16(buf, 268),
            tnvmcap: le128(buf, 280),
            unvmcap: le128(buf, 296),
            sanicap: Sanicap(le32(buf, 328)),
            sqes: buf[512],
            cqes: buf[513],
            maxcmd: le16(buf, 514),
            nn: le32(buf, 516),
            oncs: le16(buf, 520),
            fna: Fna(buf[524]),
            vwc: buf[525],
            subnqn: ascii(&buf[768..1024]),
        })
    }

    /// VWC bit 0: a volatile write cache is present (a flush is needed before reading back).
    pub fn volatile_write_cache(&self) -> bool {
        self.vwc & 1 != 0
    }
    /// LPA bit 0: the SMART / Health log can be read per namespace.
    pub fn smart_per_namespace(&self) -> bool {
        self.lpa & 1 != 0
    }
    /// ONCS bit 3: Write Zeroes supported.
    pub fn write_zeroes(&self) -> bool {
        self.oncs & (1 << 3) != 0
    }
    /// ONCS bit 2: Dataset Management (deallocate) supported.
    pub fn dataset_management(&self) -> bool {
        self.oncs & (1 << 2) != 0
    }
    /// "1.4.0" style version string ("<1.2" when VER is 0).
    pub fn version_string(&self) -> String {
        if self.version == 0 {
            return "<1.2".into();
        }
        format!(
            "{}.{}.{}",
            self.version >> 16,
            (self.version >> 8) & 0xff,
            self.version & 0xff
        )
    }
}

/// One LBA Format descriptor (Identify Namespace bytes 128 + 4·i).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbaFormat {
    /// Metadata size in bytes per LBA.
    pub ms: u16,
    /// LBA data size as a power of two (9 = 512 bytes); 0 = format not available.
    pub lbads: u8,
    /// Relative performance (0 best … 3 degraded).
    pub rp: u8,
}

impl LbaFormat {
    /// Decodes one 4-byte descriptor.
    pub fn parse(d: [u8; 4]) -> Self {
        LbaFormat {
            ms: u16::from_le_bytes([d[0], d[1]]),
            lbads: d[2],
            rp: d[3] & 0x3,
        }
    }

    /// The 4-byte descriptor (the inverse of [`Self::parse`]; the simulator builds Identify data
    /// with it).
    pub fn to_bytes(self) -> [u8; 4] {
        let ms = self.ms.to_le_bytes();
        [ms[0], ms[1], self.lbads, self.rp & 0x3]
    }

    /// Data bytes per LBA, when the format is usable (LBADS between 9 and 31).
    pub fn data_size(self) -> Option<u32> {
        (9..32).contains(&self.lbads).then(|| 1u32 << self.lbads)
    }
}

/// The fields of Identify Namespace that ardoise uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentifyNamespace {
    /// Size, capacity and utilisation in LBAs (bytes 7:0, 15:8, 23:16).
    pub nsze: u64,
    /// NCAP (15:8): LBAs that may be allocated.
    pub ncap: u64,
    /// NUSE (23:16): LBAs currently allocated.
    pub nuse: u64,
    /// NSFEAT (24): namespace features.
    pub nsfeat: u8,
    /// Number of LBA formats, 0-based (byte 25).
    pub nlbaf: u8,
    /// FLBAS (26): bits 3:0 format index (low), bit 4 metadata at end of LBA, bits 6:5 index
    /// (upper).
    pub flbas: u8,
    /// MC (27): metadata capabilities.
    pub mc: u8,
    /// DPC (28): end-to-end data protection capabilities (PI types supported).
    pub dpc: u8,
    /// DPS (29): bits 2:0 PI type, bit 3 PI in first bytes of metadata.
    pub dps: u8,
    /// NMIC (30): multi-path I/O and namespace sharing capabilities.
    pub nmic: u8,
    /// DLFEAT (33): bits 2:0 what a deallocated LBA reads as (1 = zeros, 2 = FFh).
    pub dlfeat: u8,
    /// NVM capacity in bytes (63:48).
    pub nvmcap: u128,
    /// NGUID (119:104) and EUI64 (127:120); all zeros when not reported.
    pub nguid: [u8; 16],
    /// EUI64 (127:120), all zeros when not reported.
    pub eui64: [u8; 8],
    /// The `nlbaf + 1` LBA formats (at most 64).
    pub lba_formats: Vec<LbaFormat>,
}

impl IdentifyNamespace {
    /// Decodes a 4096-byte Identify Namespace structure (CNS 00h); only a shorter buffer fails.
    pub fn parse(buf: &[u8]) -> Result<Self, ShortBuffer> {
        need("Identify Namespace", buf, IDENTIFY_LEN)?;
        let nlbaf = buf[25];
        let count = (usize::from(nlbaf) + 1).min(64);
        let lba_formats = (0..count)
            .map(|i| {
                let at = 128 + 4 * i;
                LbaFormat::parse(buf[at..at + 4].try_into().expect("4 bytes"))
            })
            .collect();
        Ok(IdentifyNamespace {
            nsze: le64(buf, 0),
            ncap: le64(buf, 8),
            nuse: le64(buf, 16),
            nsfeat: buf[24],
            nlbaf,
            flbas: buf[26],
            mc: buf[27],
            dpc: buf[28],
            dps: buf[29],
            nmic: buf[30],
            dlfeat: buf[33],
            nvmcap: le128(buf, 48),
            nguid: buf[104..120].try_into().expect("16 bytes"),
            eui64: buf[120..128].try_into().expect("8 bytes"),
            lba_formats,
        })
    }

    /// An inactive (unattached) namespace reads back as all zeros.
    pub fn is_active(&self) -> bool {
        self.nsze != 0
    }

    /// The index of the format in use, upper bits included.
    pub fn current_lbaf_index(&self) -> u8 {
        (self.flbas & 0xf) | (((self.flbas >> 5) & 0x3) << 4)
    }

    /// FLBAS bit 4: metadata travels at the end of each LBA (extended LBA) rather than apart.
    pub fn metadata_at_end(&self) -> bool {
        self.flbas & (1 << 4) != 0
    }

    /// The LBA format in use, when the index designates one the namespace lists.
    pub fn current_format(&self) -> Option<LbaFormat> {
        self.lba_formats
            .get(usize::from(self.current_lbaf_index()))
            .copied()
    }

    /// Bytes per LBA of the current format.
    pub fn lba_size(&self) -> Option<u32> {
        self.current_format().and_then(LbaFormat::data_size)
    }

    /// NSZE × LBA size.
    pub fn capacity_bytes(&self) -> Option<u128> {
        self.lba_size()
            .map(|s| u128::from(self.nsze) * u128::from(s))
    }

    /// Protection information type in use (0 = none).
    pub fn pi_type(&self) -> u8 {
        self.dps & 0x7
    }

    /// The index of the first format with the given data size and no metadata.
    pub fn format_index_for(&self, data_size: u32) -> Option<u8> {
        self.lba_formats
            .iter()
            .position(|f| f.data_size() == Some(data_size) && f.ms == 0)
            .map(|i| i as u8)
    }

    /// NGUID in lowercase hex, when reported (not all zeros).
    pub fn nguid_hex(&self) -> Option<String> {
        (self.nguid != [0; 16]).then(|| hex::encode(self.nguid))
    }

    /// EUI64 in lowercase hex, when reported (not all zeros).
    pub fn eui64_hex(&self) -> Option<String> {
        (self.eui64 != [0; 8]).then(|| hex::encode(self.eui64))
    }
}

/// Identify CNS 02h: up to 1024 active NSIDs, ascending, zero-terminated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveNamespaceList(pub Vec<u32>);

impl ActiveNamespaceList {
    /// Most NSIDs one page holds (4096 / 4).
    pub const CAPACITY: usize = IDENTIFY_LEN / 4;

    /// Decodes one 4096-byte page; the list ends at the first zero NSID.
    pub fn parse(buf: &[u8]) -> Result<Self, ShortBuffer> {
        need("Active Namespace ID list", buf, IDENTIFY_LEN)?;
        Ok(ActiveNamespaceList(
            (0..Self::CAPACITY)
                .map(|i| le32(buf, 4 * i))
                .take_while(|&n| n != 0)
                .collect(),
        ))
    }

    /// A full page means more NSIDs may follow: ask again after the last one.
    pub fn is_full(&self) -> bool {
        self.0.len() == Self::CAPACITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
        buf[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// A controller buffer built from the spec offsets, independently of the parser.
    fn controller_buffer() -> Vec<u8> {
        let mut b = vec![0u8; 4096];
        put(&mut b, 0, &0x1b36u16.to_le_bytes());
        put(&mut b, 2, &0x1af4u16.to_le_bytes());
        put(&mut b, 4, b"SN-0042             ");
        put(
            &mut b,
            24,
            format!("{:<40}", "ardoise test controller").as_bytes(),
        );
        put(&mut b, 64, b"1.0     ");
        b[72] = 6;
        put(&mut b, 73, &[0x00, 0x54, 0x52]);
        b[77] = 7;
        put(&mut b, 78, &0x0005u16.to_le_bytes());
        put(&mut b, 80, &0x0001_0400u32.to_le_bytes());
        put(&mut b, 256, &0x012au16.to_le_bytes());
        b[258] = 3;
        b[259] = 4;
        b[260] = 0x03;
        b[261] = 0x07;
        b[262] = 0x3f;
        b[263] = 2;
        put(&mut b, 266, &343u16.to_le_bytes());
        put(&mut b, 268, &373u16.to_le_bytes());
        put(&mut b, 280, &(1u128 << 40 | 5).to_le_bytes());
        put(&mut b, 296, &7u128.to_le_bytes());
        // SANICAP: CES, OWS, NDI, NODMMAS = 2.
        put(&mut b, 328, &(0b101u32 | 1 << 29 | 2 << 30).to_le_bytes());
        b[512] = 0x66;
        b[513] = 0x44;
        put(&mut b, 514, &256u16.to_le_bytes());
        put(&mut b, 516, &3u32.to_le_bytes());
        put(&mut b, 520, &0x000cu16.to_le_bytes());
        b[524] = 0b1101;
        b[525] = 1;
        put(&mut b, 768, b"nqn.2019-08.org.qemu:SN-0042");
        b
    }

    #[test]
    fn identify_controller_offsets() {
        let c = IdentifyController::parse(&controller_buffer()).unwrap();
        assert_eq!(c.vid, 0x1b36);
        assert_eq!(c.ssvid, 0x1af4);
        assert_eq!(c.serial, "SN-0042");
        assert_eq!(c.model, "ardoise test controller");
        assert_eq!(c.firmware, "1.0");
        assert_eq!(c.rab, 6);
        assert_eq!(c.ieee_oui, [0x00, 0x54, 0x52]);
        assert_eq!(c.mdts, 7);
        assert_eq!(c.cntlid, 5);
        assert_eq!(c.version, 0x0001_0400);
        assert_eq!(c.version_string(), "1.4.0");
        // QEMU's OACS 0x12a: Format, NS management, directives, doorbell buffer; no security.
        assert!(c.oacs.format_nvm() && c.oacs.namespace_management() && c.oacs.directives());
        assert!(c.oacs.doorbell_buffer_config());
        assert!(!c.oacs.security_send_receive() && !c.oacs.device_self_test());
        assert_eq!(
            (c.acl, c.aerl, c.frmw, c.lpa, c.elpe, c.npss),
            (3, 4, 3, 7, 0x3f, 2)
        );
        assert!(c.smart_per_namespace());
        assert_eq!((c.wctemp, c.cctemp), (343, 373));
        assert_eq!(c.tnvmcap, 1u128 << 40 | 5);
        assert_eq!(c.unvmcap, 7);
        assert!(c.sanicap.crypto_erase() && !c.sanicap.block_erase() && c.sanicap.overwrite());
        assert!(!c.sanicap.media_verification());
        assert!(c.sanicap.no_deallocate_inhibited());
        assert_eq!(c.sanicap.nodmmas(), 2);
        assert!(c.sanicap.any_method());
        assert_eq!((c.sqes, c.cqes, c.maxcmd, c.nn), (0x66, 0x44, 256, 3));
        assert!(c.write_zeroes() && c.dataset_management());
        assert!(c.fna.format_applies_to_all());
        assert!(!c.fna.secure_erase_applies_to_all());
        assert!(c.fna.crypto_erase_supported());
        assert!(c.fna.broadcast_format_unsupported());
        assert!(c.volatile_write_cache());
        assert_eq!(c.subnqn, "nqn.2019-08.org.qemu:SN-0042");
        assert!(IdentifyController::parse(&[0u8; 4095]).is_err());
    }

    #[test]
    fn qemu_controller_has_no_sanitize_and_no_crypto_format() {
        let mut b = controller_buffer();
        put(&mut b, 328, &0u32.to_le_bytes());
        b[524] = 0;
        let c = IdentifyController::parse(&b).unwrap();
        assert!(!c.sanicap.any_method());
        assert!(!c.fna.crypto_erase_supported());
    }

    #[test]
    fn identify_namespace_offsets() {
        let mut b = vec![0u8; 4096];
        put(&mut b, 0, &1000u64.to_le_bytes());
        put(&mut b, 8, &900u64.to_le_bytes());
        put(&mut b, 16, &800u64.to_le_bytes());
        b[24] = 0x01;
        b[25] = 19; // 20 formats
                    // FLBAS: index 18 = 0b01_0010 → low nibble 2, upper bits 01 in 6:5; bit 4 metadata at end.
        b[26] = 0x02 | 0x10 | (0x01 << 5);
        b[27] = 0x03;
        b[28] = 0x1f;
        b[29] = 0x09;
        b[30] = 0x01;
        b[33] = 0x01;
        put(&mut b, 48, &(512_000u128).to_le_bytes());
        put(&mut b, 104, &[0xAA; 16]);
        put(&mut b, 120, &[1, 2, 3, 4, 5, 6, 7, 8]);
        for i in 0..20usize {
            let lbads = if i % 2 == 0 { 9 } else { 12 };
            let ms = (i as u16) * 8;
            put(
                &mut b,
                128 + 4 * i,
                &[ms as u8, (ms >> 8) as u8, lbads, (i % 4) as u8],
            );
        }
        let n = IdentifyNamespace::parse(&b).unwrap();
        assert_eq!((n.nsze, n.ncap, n.nuse), (1000, 900, 800));
        assert_eq!(
            (n.nsfeat, n.nlbaf, n.mc, n.dpc, n.nmic, n.dlfeat),
            (1, 19, 3, 0x1f, 1, 1)
        );
        assert_eq!(n.current_lbaf_index(), 18);
        assert!(n.metadata_at_end());
        assert_eq!(n.pi_type(), 1);
        assert_eq!(n.nvmcap, 512_000);
        assert_eq!(n.lba_formats.len(), 20);
        assert_eq!(
            n.lba_formats[3],
            LbaFormat {
                ms: 24,
                lbads: 12,
                rp: 3
            }
        );
        assert_eq!(n.current_format().unwrap().ms, 144);
        assert_eq!(n.lba_size(), Some(512));
        assert_eq!(n.capacity_bytes(), Some(512_000));
        assert_eq!(n.nguid_hex().unwrap(), "aa".repeat(16));
        assert_eq!(n.eui64_hex().unwrap(), "0102030405060708");
        assert_eq!(n.format_index_for(512), Some(0));
        assert_eq!(
            n.format_index_for(4096),
            None,
            "4096 formats all carry metadata"
        );
        assert!(n.is_active());
        let empty = IdentifyNamespace::parse(&[0u8; 4096]).unwrap();
        assert!(!empty.is_active());
        assert_eq!(empty.nguid_hex(), None);
    }

    #[test]
    fn active_namespace_list() {
        let mut b = vec![0u8; 4096];
        for (i, ns) in [1u32, 2, 7].iter().enumerate() {
            put(&mut b, 4 * i, &ns.to_le_bytes());
        }
        put(&mut b, 20, &9u32.to_le_bytes()); // after the terminator: ignored
        let l = ActiveNamespaceList::parse(&b).unwrap();
        assert_eq!(l.0, vec![1, 2, 7]);
        assert!(!l.is_full());
    }

    #[test]
    fn lba_format_sizes() {
        assert_eq!(LbaFormat::parse([0, 0, 9, 0]).data_size(), Some(512));
        assert_eq!(LbaFormat::parse([8, 0, 12, 0xfe]).rp, 2);
        assert_eq!(LbaFormat::parse([0, 0, 0, 0]).data_size(), None);
        let f = LbaFormat {
            ms: 0x1234,
            lbads: 12,
            rp: 1,
        };
        assert_eq!(LbaFormat::parse(f.to_bytes()), f);
    }
}
