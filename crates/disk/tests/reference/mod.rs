//! Helpers of the reference-tool comparison: the data the fake device answers with, the
//! recorder's line format, and the byte-for-byte comparison rules.
#![allow(dead_code)]

use std::process::Command;

use ardoise_disk::transport::{MmcCmd, NvmeAdminCmd};

pub const TOOLS: [(&str, &str); 4] = [
    ("hdparm", "hdparm"),
    ("nvme", "nvme-cli"),
    ("sg_sanitize", "sg3-utils"),
    ("mmc", "mmc-utils"),
];

/// True when every reference tool and gcc are installed. Missing tools fail the test when
/// `ARDOISE_REQUIRE_REFERENCE_TOOLS=1` (`make test` installs them), else it is skipped.
pub fn tools_present() -> bool {
    let mut missing = Vec::new();
    for (bin, pkg) in TOOLS.iter().chain([("gcc", "gcc")].iter()) {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {bin}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !found {
            missing.push(*pkg);
        }
    }
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "reference tools missing: {} (make deps installs them)",
        missing.join(", ")
    );
    if std::env::var("ARDOISE_REQUIRE_REFERENCE_TOOLS").as_deref() == Ok("1") {
        panic!("{msg}");
    }
    eprintln!("SKIP: {msg}");
    false
}

/// IDENTIFY DEVICE data of a plausible 48-bit SATA drive: security supported (enhanced erase
/// too), SANITIZE with its three methods, HPA, 32768 user sectors.
pub fn identify_data() -> Vec<u8> {
    let mut w = [0u16; 256];
    w[0] = 0x0040;
    w[49] = 0x0200; // LBA
    w[59] = 0x1000 | 0x2000 | 0x4000 | 0x8000; // SANITIZE: supported, crypto, block, overwrite
    w[60] = 0x8000; // 28-bit capacity
    w[82] = 0x4400; // HPA (bit 10), NOP
    w[83] = 0x4400; // 48-bit (bit 10)
    w[86] = 0x0400;
    w[85] = 0x4400;
    w[128] = 0x0001 | 0x0020; // security supported, enhanced erase supported
    w[100] = 0x8000; // 48-bit capacity
    let mut b: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
    // integrity word: signature a5, checksum making the 512 bytes sum to 0
    b[510] = 0xa5;
    let sum: u8 = b[..511].iter().fold(0u8, |a, x| a.wrapping_add(*x));
    b[511] = 0u8.wrapping_sub(sum);
    b
}

/// EXT_CSD of an eMMC 5.1 card offering secure erase/trim and sanitize.
pub fn ext_csd_data() -> Vec<u8> {
    let mut b = vec![0u8; 512];
    b[192] = 8; // EXT_CSD_REV 8 (5.1)
    b[231] = 0x01 | 0x10 | 0x40 | 0x04; // SEC_FEATURE_SUPPORT: ER_EN, GB_CL_EN, SANITIZE, BD_BLK
    b[175] = 1; // ERASE_GROUP_DEF
    b[224] = 1; // HC_ERASE_GRP_SIZE
    b[223] = 1; // ERASE_TIMEOUT_MULT
    b[229] = 1; // SEC_ERASE_MULT
    b[230] = 1; // SEC_TRIM_MULT
    b[232] = 1; // TRIM_MULT
    b[212..216].copy_from_slice(&32768u32.to_le_bytes()); // SEC_COUNT
    b
}

pub fn nvme_line(c: &NvmeAdminCmd, data_len: usize) -> String {
    format!(
        "NVME opcode={:02x} flags={:02x} nsid={:08x} cdw2={:08x} cdw3={:08x} cdw10={:08x} cdw11={:08x} cdw12={:08x} cdw13={:08x} cdw14={:08x} cdw15={:08x} data_len={data_len}",
        c.opcode, c.flags, c.nsid, c.cdw2, c.cdw3, c.cdw10, c.cdw11, c.cdw12, c.cdw13, c.cdw14, c.cdw15
    )
}

pub fn mmc_line(c: &MmcCmd) -> String {
    format!(
        "MMC write={} acmd={} opcode={} arg={:08x} flags={:08x} blksz={} blocks={} cmd_timeout_ms={}",
        c.write_flag as i32, c.is_acmd as i32, c.opcode, c.arg, c.flags, c.blksz, c.blocks, c.cmd_timeout_ms
    )
}

/// `key=value` fields of a recorder line.
pub fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
}

/// An ATA PASS-THROUGH(16) record: CDB and data sent.
#[derive(Debug)]
pub struct AtaRecord {
    pub cdb: Vec<u8>,
    pub data: Vec<u8>,
}

/// The last ATA PASS-THROUGH(16) whose COMMAND is `command`.
pub fn ata_record(lines: &[String], command: u8) -> Option<AtaRecord> {
    lines.iter().rev().find_map(|l| {
        let cdb = hex::decode(field(l, "cdb")?).ok()?;
        (cdb.len() == 16 && cdb[0] == 0x85 && cdb[14] == command).then(|| AtaRecord {
            data: hex::decode(field(l, "data").unwrap_or("")).unwrap_or_default(),
            cdb,
        })
    })
}

/// Compares two ATA PASS-THROUGH(16) commands byte by byte. Allowed to differ:
/// - byte 2 CK_COND (bit 5): whether the registers come back in sense data is a host policy
///   (hdparm asks for them on non-data commands only; SAT-4 §12.2.2.4);
/// - byte 13 DEVICE bits 7 and 5 (obsolete in ACS-4 §7.1.4 "DEVICE field") and bit 6 (LBA)
///   for commands that carry no LBA;
/// - byte 15 CONTROL (0 either way in practice);
/// - byte 1 EXTEND (bit 0) for the 28-bit READ NATIVE MAX ADDRESS (F8h): hdparm sets it to get
///   the high-order registers back; SAT-4 §12.2.2.2 wants 0 for a 28-bit command, and the
///   answer's placement is compared separately.
pub fn compare_ata(what: &str, theirs: &AtaRecord, ours: &AtaRecord) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..16 {
        let (t, o) = (theirs.cdb[i], ours.cdb[i]);
        let mask: u8 = match i {
            1 if ours.cdb[14] == 0xf8 => !0x01,
            2 => !0x20,
            13 => !0xe0,
            15 => 0x00,
            _ => 0xff,
        };
        if t & mask != o & mask {
            out.push(format!(
                "{what}: CDB byte {i}: hdparm {t:02x}, ardoise {o:02x} (hdparm {}, ardoise {})",
                hex::encode(&theirs.cdb),
                hex::encode(&ours.cdb)
            ));
        }
    }
    if theirs.data != ours.data {
        out.push(format!(
            "{what}: data-out block differs:\n  hdparm  {}\n  ardoise {}",
            hex::encode(&theirs.data),
            hex::encode(&ours.data)
        ));
    }
    out
}

/// The fields of an MMC command that are compared: write flag, ACMD, opcode, argument,
/// response/command-type flags, block size and count. Not compared: `cmd_timeout_ms` (a host
/// policy: the tools choose their own), the SPI-mode response flags (bits 7-10 of `flags`,
/// meaningless on an SD/MMC host), and for SWITCH with the WRITE BYTE access the Cmd Set bits
/// 2:0 of the argument, which JESD84-B51 §6.6.1 says are ignored for that access.
pub fn mmc_compared(line: &str) -> String {
    let num = |k: &str| u32::from_str_radix(field(line, k).unwrap_or("0"), 16).unwrap_or(0);
    let opcode: u32 = field(line, "opcode").unwrap_or("0").parse().unwrap_or(0);
    let mut arg = num("arg");
    if opcode == 6 && (arg >> 24) & 3 == 3 {
        arg &= !0x7;
    }
    let flags = num("flags") & !0x780;
    format!(
        "write={} acmd={} opcode={opcode} arg={arg:08x} flags={flags:08x} blksz={} blocks={}",
        field(line, "write").unwrap_or("?"),
        field(line, "acmd").unwrap_or("?"),
        field(line, "blksz").unwrap_or("?"),
        field(line, "blocks").unwrap_or("?"),
    )
}
