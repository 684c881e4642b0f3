//! Magic numbers of partition tables, filesystems and volume headers (LUKS, LVM, swap) found in
//! a buffer: the read-back takes any of them in an erased sample as a sign of surviving data.
//!
//! Each signature is matched against the structure that carries it (a boot sector, a
//! superblock, a header), at every 512-byte-aligned device offset of the buffer, so a sample read
//! anywhere on a disk reveals a structure it contains wherever the filesystem starts. Only
//! signatures with at least ~48 bits of fixed content (magic plus plausibility checks) are used,
//! so that random data (a crypto-erased disk) does not produce false hits in practice.
//!
//! | kind | structure at `p` | test |
//! |---|---|---|
//! | MBR | boot sector | `55 AA` at p+510 and a plausible partition table at p+446 (not a FAT/NTFS/exFAT/BitLocker boot sector) |
//! | GPT | header (LBA 1, backup at the last LBA) | `EFI PART` at p, revision `00 00 01 00` at p+8 |
//! | NTFS | boot sector | `NTFS    ` at p+3 |
//! | exFAT | boot sector | `EXFAT   ` at p+3 |
//! | BitLocker | boot sector | `-FVE-FS-` at p+3 |
//! | FAT | boot sector | `FAT12   `/`FAT16   `/`FAT     ` at p+54 or `FAT32   ` at p+82, and `55 AA` at p+510 |
//! | ext2/3/4 | superblock (fs start + 1024) | magic `53 EF` at p+56 (fs+1080), log block size ≤ 6, blocks per group a non-zero multiple of 8 ≤ 8 × block size, revision ≤ 1, errors behaviour ≤ 3 |
//! | XFS | superblock (fs start) | `XFSB` at p, block size (BE u32 at p+4) a power of two in 512..=65536 |
//! | btrfs | superblock (fs start + 64 KiB) | `_BHRfS_M` at p+64 |
//! | LUKS | header | `LUKS BA BE` (or LUKS2's secondary `SKUL BA BE`) at p, version 1 or 2 at p+6 |
//! | LVM2 | label (one of the first 4 sectors) | `LABELONE` at p, `LVM2 001` at p+24 |
//! | swap | first page | `SWAPSPACE2` or `SWAP-SPACE` at p+4086 |
//! | ISO 9660 | volume descriptor (fs + 32 KiB) | type 0/1/2/255 at p, `CD001` at p+1, version 1 at p+6 |

use serde::{Deserialize, Serialize};

/// A kind of structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    /// MBR partition table (boot signature 55AAh at the end of sector 0).
    Mbr,
    /// GPT header ("EFI PART").
    Gpt,
    /// NTFS boot sector.
    Ntfs,
    /// exFAT boot sector.
    Exfat,
    /// BitLocker volume header.
    BitLocker,
    /// FAT12/16/32 boot sector.
    Fat,
    /// ext2/3/4 superblock.
    Ext,
    /// XFS superblock.
    Xfs,
    /// btrfs superblock.
    Btrfs,
    /// LUKS header.
    Luks,
    /// LVM2 physical volume label.
    Lvm2,
    /// Linux swap header.
    Swap,
    /// ISO 9660 volume descriptor.
    Iso9660,
}

impl SignatureKind {
    /// A human-readable name, as shown in notes and reports.
    pub fn name(self) -> &'static str {
        match self {
            SignatureKind::Mbr => "MBR partition table",
            SignatureKind::Gpt => "GPT header",
            SignatureKind::Ntfs => "NTFS boot sector",
            SignatureKind::Exfat => "exFAT boot sector",
            SignatureKind::BitLocker => "BitLocker volume header",
            SignatureKind::Fat => "FAT boot sector",
            SignatureKind::Ext => "ext2/3/4 superblock",
            SignatureKind::Xfs => "XFS superblock",
            SignatureKind::Btrfs => "btrfs superblock",
            SignatureKind::Luks => "LUKS header",
            SignatureKind::Lvm2 => "LVM2 label",
            SignatureKind::Swap => "Linux swap header",
            SignatureKind::Iso9660 => "ISO 9660 volume descriptor",
        }
    }
}

/// A structure found at device offset `offset` (where the structure itself starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SignatureHit {
    /// Which structure.
    pub kind: SignatureKind,
    /// Device offset, bytes, where the structure starts.
    pub offset: u64,
}

/// Step between candidate positions.
pub const STEP: usize = 512;

/// Every signature in `buf`, which holds device bytes from `base` (positions are tried where
/// `base + i` is a multiple of 512).
pub fn scan(buf: &[u8], base: u64) -> Vec<SignatureHit> {
    let mut hits = Vec::new();
    scan_each(buf, base, |h| hits.push(h));
    hits
}

/// Like [`scan`], calling `found` for each hit in increasing offset order.
pub fn scan_each(buf: &[u8], base: u64, mut found: impl FnMut(SignatureHit)) {
    let first = ((STEP as u64 - base % STEP as u64) % STEP as u64) as usize;
    let mut i = first;
    while i < buf.len() {
        for kind in check_at(buf, i) {
            found(SignatureHit {
                kind,
                offset: base + i as u64,
            });
        }
        i += STEP;
    }
}

/// Whether `buf` holds any signature.
pub fn any(buf: &[u8], base: u64) -> bool {
    let mut seen = false;
    scan_each(buf, base, |_| seen = true);
    seen
}

fn at(b: &[u8], p: usize, len: usize) -> Option<&[u8]> {
    b.get(p..p.checked_add(len)?)
}

fn eq(b: &[u8], p: usize, want: &[u8]) -> bool {
    at(b, p, want.len()) == Some(want)
}

fn u16le(b: &[u8], p: usize) -> Option<u16> {
    at(b, p, 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32le(b: &[u8], p: usize) -> Option<u32> {
    at(b, p, 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u32be(b: &[u8], p: usize) -> Option<u32> {
    at(b, p, 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn check_at(b: &[u8], p: usize) -> impl Iterator<Item = SignatureKind> {
    let mut out: [Option<SignatureKind>; 4] = [None; 4];
    let mut n = 0;
    let mut push = |k| {
        if n < out.len() {
            out[n] = Some(k);
            n += 1;
        }
    };
    let boot_sig = eq(b, p + 510, &[0x55, 0xAA]);
    let vbr = if eq(b, p + 3, b"NTFS    ") {
        Some(SignatureKind::Ntfs)
    } else if eq(b, p + 3, b"EXFAT   ") {
        Some(SignatureKind::Exfat)
    } else if eq(b, p + 3, b"-FVE-FS-") {
        Some(SignatureKind::BitLocker)
    } else if boot_sig
        && (eq(b, p + 54, b"FAT12   ")
            || eq(b, p + 54, b"FAT16   ")
            || eq(b, p + 54, b"FAT     ")
            || eq(b, p + 82, b"FAT32   "))
    {
        Some(SignatureKind::Fat)
    } else {
        None
    };
    if let Some(k) = vbr {
        push(k);
    } else if boot_sig && plausible_partition_table(b, p + 446) {
        push(SignatureKind::Mbr);
    }
    if eq(b, p, b"EFI PART") && eq(b, p + 8, &[0, 0, 1, 0]) {
        push(SignatureKind::Gpt);
    }
    if is_ext_superblock(b, p) {
        push(SignatureKind::Ext);
    }
    if eq(b, p, b"XFSB")
        && u32be(b, p + 4).is_some_and(|bs| bs.is_power_of_two() && (512..=65536).contains(&bs))
    {
        push(SignatureKind::Xfs);
    }
    if eq(b, p + 64, b"_BHRfS_M") {
        push(SignatureKind::Btrfs);
    }
    if (eq(b, p, b"LUKS\xBA\xBE") || eq(b, p, b"SKUL\xBA\xBE"))
        && (eq(b, p + 6, &[0, 1]) || eq(b, p + 6, &[0, 2]))
    {
        push(SignatureKind::Luks);
    }
    if eq(b, p, b"LABELONE") && eq(b, p + 24, b"LVM2 001") {
        push(SignatureKind::Lvm2);
    }
    if eq(b, p + 4086, b"SWAPSPACE2") || eq(b, p + 4086, b"SWAP-SPACE") {
        push(SignatureKind::Swap);
    }
    if eq(b, p + 1, b"CD001")
        && matches!(b.get(p), Some(0 | 1 | 2 | 255))
        && b.get(p + 6) == Some(&1)
    {
        push(SignatureKind::Iso9660);
    }
    out.into_iter().take(n).flatten()
}

/// Four 16-byte entries: status 0x00 or 0x80; an entry is empty when its type is 0; at least one
/// entry has a type, a non-zero start LBA and a non-zero length.
fn plausible_partition_table(b: &[u8], t: usize) -> bool {
    let Some(table) = at(b, t, 64) else {
        return false;
    };
    let mut used = 0;
    for e in table.chunks_exact(16) {
        if e[0] != 0x00 && e[0] != 0x80 {
            return false;
        }
        if e[4] == 0 {
            continue;
        }
        let start = u32::from_le_bytes([e[8], e[9], e[10], e[11]]);
        let len = u32::from_le_bytes([e[12], e[13], e[14], e[15]]);
        if start == 0 || len == 0 {
            return false;
        }
        used += 1;
    }
    used > 0
}

/// The ext2/3/4 superblock at `p` (1024 bytes after the filesystem start).
fn is_ext_superblock(b: &[u8], p: usize) -> bool {
    if !eq(b, p + 56, &[0x53, 0xEF]) {
        return false;
    }
    let (Some(log_bs), Some(per_group), Some(errors), Some(rev)) = (
        u32le(b, p + 24),
        u32le(b, p + 32),
        u16le(b, p + 60),
        u32le(b, p + 76),
    ) else {
        return false;
    };
    log_bs <= 6
        && per_group != 0
        && per_group % 8 == 0
        && u64::from(per_group) <= 8 * (1024u64 << log_bs)
        && errors <= 3
        && rev <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(buf: &[u8], base: u64) -> Vec<(SignatureKind, u64)> {
        scan(buf, base)
            .into_iter()
            .map(|h| (h.kind, h.offset))
            .collect()
    }

    /// A hand-made example of each structure, built from the layouts in the module table.
    pub(crate) fn example(kind: SignatureKind) -> Vec<u8> {
        let mut b = vec![0u8; 8192];
        match kind {
            SignatureKind::Mbr => {
                b[446] = 0x80;
                b[446 + 4] = 0x83;
                b[446 + 8..446 + 12].copy_from_slice(&2048u32.to_le_bytes());
                b[446 + 12..446 + 16].copy_from_slice(&100_000u32.to_le_bytes());
                b[510..512].copy_from_slice(&[0x55, 0xAA]);
            }
            SignatureKind::Gpt => {
                b[..8].copy_from_slice(b"EFI PART");
                b[8..12].copy_from_slice(&[0, 0, 1, 0]);
            }
            SignatureKind::Ntfs => b[3..11].copy_from_slice(b"NTFS    "),
            SignatureKind::Exfat => b[3..11].copy_from_slice(b"EXFAT   "),
            SignatureKind::BitLocker => b[3..11].copy_from_slice(b"-FVE-FS-"),
            SignatureKind::Fat => {
                b[82..90].copy_from_slice(b"FAT32   ");
                b[510..512].copy_from_slice(&[0x55, 0xAA]);
            }
            SignatureKind::Ext => {
                b[24..28].copy_from_slice(&2u32.to_le_bytes());
                b[32..36].copy_from_slice(&32768u32.to_le_bytes());
                b[56..58].copy_from_slice(&[0x53, 0xEF]);
                b[60..62].copy_from_slice(&1u16.to_le_bytes());
                b[76..80].copy_from_slice(&1u32.to_le_bytes());
            }
            SignatureKind::Xfs => {
                b[..4].copy_from_slice(b"XFSB");
                b[4..8].copy_from_slice(&4096u32.to_be_bytes());
            }
            SignatureKind::Btrfs => b[64..72].copy_from_slice(b"_BHRfS_M"),
            SignatureKind::Luks => {
                b[..6].copy_from_slice(b"LUKS\xBA\xBE");
                b[6..8].copy_from_slice(&[0, 2]);
            }
            SignatureKind::Lvm2 => {
                b[..8].copy_from_slice(b"LABELONE");
                b[24..32].copy_from_slice(b"LVM2 001");
            }
            SignatureKind::Swap => b[4086..4096].copy_from_slice(b"SWAPSPACE2"),
            SignatureKind::Iso9660 => {
                b[0] = 1;
                b[1..6].copy_from_slice(b"CD001");
                b[6] = 1;
            }
        }
        b
    }

    const ALL: [SignatureKind; 13] = [
        SignatureKind::Mbr,
        SignatureKind::Gpt,
        SignatureKind::Ntfs,
        SignatureKind::Exfat,
        SignatureKind::BitLocker,
        SignatureKind::Fat,
        SignatureKind::Ext,
        SignatureKind::Xfs,
        SignatureKind::Btrfs,
        SignatureKind::Luks,
        SignatureKind::Lvm2,
        SignatureKind::Swap,
        SignatureKind::Iso9660,
    ];

    #[test]
    fn each_signature_is_found_where_it_is() {
        for kind in ALL {
            let ex = example(kind);
            let mut buf = vec![0u8; 64 * 1024];
            buf[8192..16384].copy_from_slice(&ex);
            assert_eq!(
                kinds(&buf, 1 << 20),
                vec![(kind, (1 << 20) + 8192)],
                "{kind:?}"
            );
        }
    }

    #[test]
    fn breaking_one_byte_of_the_magic_hides_it() {
        let magic_at = |k| match k {
            SignatureKind::Mbr | SignatureKind::Fat => 510,
            SignatureKind::Gpt | SignatureKind::Xfs | SignatureKind::Luks | SignatureKind::Lvm2 => {
                0
            }
            SignatureKind::Ntfs | SignatureKind::Exfat | SignatureKind::BitLocker => 3,
            SignatureKind::Ext => 56,
            SignatureKind::Btrfs => 64,
            SignatureKind::Swap => 4086,
            SignatureKind::Iso9660 => 1,
        };
        for kind in ALL {
            let mut ex = example(kind);
            ex[magic_at(kind)] ^= 0x01;
            assert!(scan(&ex, 0).is_empty(), "{kind:?}");
        }
    }

    #[test]
    fn positions_follow_device_alignment() {
        let ex = example(SignatureKind::Gpt);
        let mut buf = vec![0u8; 4096];
        buf[100..108].copy_from_slice(&ex[..8]);
        buf[108..112].copy_from_slice(&ex[8..12]);
        // Device offset 412 + 100 = 512: aligned.
        assert_eq!(kinds(&buf, 412), vec![(SignatureKind::Gpt, 512)]);
        // Device offset 100: not a sector boundary.
        assert!(kinds(&buf, 0).is_empty());
    }

    #[test]
    fn zeros_ones_and_random_data_carry_none() {
        assert!(!any(&vec![0u8; 1 << 20], 0));
        assert!(!any(&vec![0xFFu8; 1 << 20], 0));
        let mut r = vec![0u8; 32 << 20];
        crate::pattern::Pattern::random(crate::pattern::Seed([0x77; 16]), 0).fill(&mut r, 0);
        assert!(scan(&r, 0).is_empty());
    }

    #[test]
    fn an_implausible_partition_table_is_not_an_mbr() {
        let mut ex = example(SignatureKind::Mbr);
        ex[446] = 0x12;
        assert!(scan(&ex, 0).is_empty());
        let mut ex = example(SignatureKind::Mbr);
        ex[446 + 4] = 0;
        assert!(scan(&ex, 0).is_empty(), "no used entry");
    }
}
