//! Memory modules from the SMBIOS structure table the kernel exposes as
//! `/sys/firmware/dmi/tables/DMI` (DSP0134 §6.1: structures one after the other, each a
//! formatted area of `length` bytes followed by its strings, the set ended by a double NUL;
//! type 127 ends the table). Only type 17 (Memory Device, §7.18) is read.

use serde::{Deserialize, Serialize};

/// One installed memory module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryModuleFacts {
    /// Module size in bytes.
    pub size_bytes: u64,
    /// Memory type (`ddr4`...; DSP0134 §7.18.2), when known.
    pub kind: Option<String>,
    /// Speed in MT/s (Extended Speed when the 16-bit field says FFFFh), when reported.
    pub speed_mts: Option<u32>,
    /// Form factor (`dimm`, `sodimm`...; DSP0134 §7.18.1), when known.
    pub form_factor: Option<String>,
}

const MEMORY_DEVICE: u8 = 17;
const END_OF_TABLE: u8 = 127;
const MIB: u64 = 1 << 20;

/// The installed modules (empty slots and modules of unknown size left out).
pub fn memory_modules(table: &[u8]) -> Vec<MemoryModuleFacts> {
    structures(table)
        .filter(|s| s.kind == MEMORY_DEVICE)
        .filter_map(|s| memory_device(s.formatted))
        .collect()
}

struct Structure<'a> {
    kind: u8,
    formatted: &'a [u8],
}

/// Walks the table's structures, stopping at the end marker or at anything malformed.
fn structures(table: &[u8]) -> impl Iterator<Item = Structure<'_>> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let header = table.get(at..at + 4)?;
        let (kind, len) = (header[0], header[1] as usize);
        if kind == END_OF_TABLE || len < 4 {
            return None;
        }
        let formatted = table.get(at..at + len)?;
        // The string set: up to and including the double NUL.
        let strings = table.get(at + len..)?;
        let end = strings.windows(2).position(|w| w == [0, 0])?;
        at += len + end + 2;
        Some(Structure { kind, formatted })
    })
}

fn word(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off + 2)?.try_into().ok()?))
}

fn dword(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// One type-17 structure's formatted area.
fn memory_device(b: &[u8]) -> Option<MemoryModuleFacts> {
    let size_bytes = match word(b, 0x0C)? {
        0 | 0xFFFF => return None,
        // Extended Size (SMBIOS 2.7+): MiB in bits 0-30.
        0x7FFF => (dword(b, 0x1C)? & 0x7FFF_FFFF) as u64 * MIB,
        // Bit 15 set: the unit is KiB, else MiB.
        s if s & 0x8000 != 0 => (s & 0x7FFF) as u64 * 1024,
        s => s as u64 * MIB,
    };
    let speed_mts = match word(b, 0x15) {
        Some(0) | None => None,
        // Extended Speed (SMBIOS 3.3+) at 0x54.
        Some(0xFFFF) => dword(b, 0x54).filter(|v| *v != 0),
        Some(v) => Some(v as u32),
    };
    Some(MemoryModuleFacts {
        size_bytes,
        kind: b
            .get(0x12)
            .and_then(|t| memory_type(*t))
            .map(str::to_string),
        speed_mts,
        form_factor: b
            .get(0x0E)
            .and_then(|f| form_factor(*f))
            .map(str::to_string),
    })
}

/// DSP0134 §7.18.2 memory types (the DRAM generations a workshop meets).
fn memory_type(code: u8) -> Option<&'static str> {
    Some(match code {
        0x0F => "sdram",
        0x12 => "ddr",
        0x13 => "ddr2",
        0x14 => "ddr2-fb-dimm",
        0x18 => "ddr3",
        0x1A => "ddr4",
        0x1B => "lpddr",
        0x1C => "lpddr2",
        0x1D => "lpddr3",
        0x1E => "lpddr4",
        0x22 => "ddr5",
        0x23 => "lpddr5",
        _ => return None,
    })
}

/// DSP0134 §7.18.1 form factors.
fn form_factor(code: u8) -> Option<&'static str> {
    Some(match code {
        0x09 => "dimm",
        0x0B => "soldered",
        0x0D => "sodimm",
        0x0F => "fb-dimm",
        0x10 => "die",
        _ => return None,
    })
}

/// Test support: a type-17 structure as the specification lays it out (no strings).
#[doc(hidden)]
pub fn type17_bytes(size_field: u16, extended_mib: u32, kind: u8, form: u8, speed: u16) -> Vec<u8> {
    let mut b = vec![0u8; 0x28];
    b[0] = MEMORY_DEVICE;
    b[1] = 0x28;
    b[0x0C..0x0E].copy_from_slice(&size_field.to_le_bytes());
    b[0x0E] = form;
    b[0x12] = kind;
    b[0x15..0x17].copy_from_slice(&speed.to_le_bytes());
    b[0x1C..0x20].copy_from_slice(&extended_mib.to_le_bytes());
    // No strings: the set is just the double NUL.
    b.extend_from_slice(&[0, 0]);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BIOS structure (type 0) with strings, then `modules`, then the end marker.
    fn table(modules: &[Vec<u8>]) -> Vec<u8> {
        let mut t = vec![0u8, 0x12, 0, 0];
        t.resize(0x12, 0);
        t.extend_from_slice(b"LENOVO\0N24ET76W (1.51 )\0\0");
        for m in modules {
            t.extend_from_slice(m);
        }
        t.extend_from_slice(&[127, 4, 0xFF, 0xFE, 0, 0]);
        t
    }

    #[test]
    fn modules_sizes_types_and_empty_slots() {
        let t = table(&[
            type17_bytes(8192, 0, 0x1A, 0x0D, 2400),
            // An empty slot.
            type17_bytes(0, 0, 0x02, 0x02, 0),
            // 32 GiB through the extended size, DDR5 DIMM.
            type17_bytes(0x7FFF, 32768, 0x22, 0x09, 4800),
            // 512 KiB granularity (bit 15), soldered LPDDR4.
            type17_bytes(0x8000 | 512, 0, 0x1E, 0x0B, 0),
        ]);
        let m = memory_modules(&t);
        assert_eq!(m.len(), 3);
        assert_eq!(
            m[0],
            MemoryModuleFacts {
                size_bytes: 8 << 30,
                kind: Some("ddr4".into()),
                speed_mts: Some(2400),
                form_factor: Some("sodimm".into()),
            }
        );
        assert_eq!(m[1].size_bytes, 32 << 30);
        assert_eq!(m[1].kind.as_deref(), Some("ddr5"));
        assert_eq!(m[2].size_bytes, 512 * 1024);
        assert_eq!(m[2].form_factor.as_deref(), Some("soldered"));
        assert_eq!(m[2].speed_mts, None);
    }

    #[test]
    fn truncated_or_garbage_tables_give_what_was_whole() {
        let mut t = table(&[type17_bytes(4096, 0, 0x18, 0x0D, 1600)]);
        assert_eq!(memory_modules(&t).len(), 1);
        t.truncate(0x12 + 30);
        assert!(memory_modules(&t).is_empty());
        assert!(memory_modules(&[17, 2, 0]).is_empty());
        assert!(memory_modules(&[]).is_empty());
    }
}
