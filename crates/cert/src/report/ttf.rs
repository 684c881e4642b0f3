//! Just enough TrueType to embed a subset in a PDF: the character map (formats 4 and 12),
//! advance widths, and a subset font program holding only the glyphs a report uses
//! (renumbered from 1, composite glyphs' components included and renumbered), with the
//! tables a PDF CIDFontType2 needs (`head`, `hhea`, `maxp`, `hmtx`, `loca`, `glyf`, and the
//! hinting tables `cvt `, `fpgm`, `prep` when present). Layout per the OpenType
//! specification's table chapters.

use std::collections::BTreeMap;

/// A parsed font (borrowing the font file).
pub(crate) struct Font<'a> {
    data: &'a [u8],
    tables: BTreeMap<[u8; 4], (usize, usize)>,
    pub units_per_em: u16,
    pub num_glyphs: u16,
    long_loca: bool,
    num_h_metrics: u16,
    /// ascender, descender (font units), bounding box.
    pub ascent: i16,
    pub descent: i16,
    pub bbox: [i16; 4],
    cmap: BTreeMap<u32, u16>,
}

fn u16_at(d: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(o..o + 2)?.try_into().ok()?))
}
fn i16_at(d: &[u8], o: usize) -> Option<i16> {
    u16_at(d, o).map(|v| v as i16)
}
fn u32_at(d: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(o..o + 4)?.try_into().ok()?))
}

impl<'a> Font<'a> {
    pub fn parse(data: &'a [u8]) -> Option<Font<'a>> {
        let n = u16_at(data, 4)? as usize;
        let mut tables = BTreeMap::new();
        for i in 0..n {
            let r = 12 + 16 * i;
            let tag: [u8; 4] = data.get(r..r + 4)?.try_into().ok()?;
            let off = u32_at(data, r + 8)? as usize;
            let len = u32_at(data, r + 12)? as usize;
            data.get(off..off + len)?;
            tables.insert(tag, (off, len));
        }
        let head = tables.get(b"head")?.0;
        let hhea = tables.get(b"hhea")?.0;
        let maxp = tables.get(b"maxp")?.0;
        let mut f = Font {
            data,
            units_per_em: u16_at(data, head + 18)?,
            bbox: [
                i16_at(data, head + 36)?,
                i16_at(data, head + 38)?,
                i16_at(data, head + 40)?,
                i16_at(data, head + 42)?,
            ],
            long_loca: i16_at(data, head + 50)? == 1,
            ascent: i16_at(data, hhea + 4)?,
            descent: i16_at(data, hhea + 6)?,
            num_h_metrics: u16_at(data, hhea + 34)?,
            num_glyphs: u16_at(data, maxp + 4)?,
            tables,
            cmap: BTreeMap::new(),
        };
        f.cmap = f.read_cmap().unwrap_or_default();
        Some(f)
    }

    fn table(&self, tag: &[u8; 4]) -> Option<&'a [u8]> {
        let (o, l) = *self.tables.get(tag)?;
        self.data.get(o..o + l)
    }

    /// Unicode → glyph id, from the best Unicode subtable (format 12, else 4).
    fn read_cmap(&self) -> Option<BTreeMap<u32, u16>> {
        let t = self.table(b"cmap")?;
        let n = u16_at(t, 2)? as usize;
        let mut best: Option<(u8, usize)> = None;
        for i in 0..n {
            let r = 4 + 8 * i;
            let (pid, eid) = (u16_at(t, r)?, u16_at(t, r + 2)?);
            let off = u32_at(t, r + 4)? as usize;
            let format = u16_at(t, off)?;
            let rank = match (pid, eid, format) {
                (3, 10, 12) | (0, 4, 12) | (0, 6, 12) => 2,
                (3, 1, 4) | (0, _, 4) => 1,
                _ => continue,
            };
            if best.is_none_or(|(r, _)| rank > r) {
                best = Some((rank, off));
            }
        }
        let (_, off) = best?;
        let mut map = BTreeMap::new();
        match u16_at(t, off)? {
            4 => {
                let segs = u16_at(t, off + 6)? as usize / 2;
                let ends = off + 14;
                let starts = ends + 2 * segs + 2;
                let deltas = starts + 2 * segs;
                let ranges = deltas + 2 * segs;
                for s in 0..segs {
                    let end = u16_at(t, ends + 2 * s)?;
                    let start = u16_at(t, starts + 2 * s)?;
                    let delta = u16_at(t, deltas + 2 * s)?;
                    let ro = u16_at(t, ranges + 2 * s)? as usize;
                    for c in start..=end {
                        if c == 0xFFFF {
                            break;
                        }
                        let g = if ro == 0 {
                            c.wrapping_add(delta)
                        } else {
                            let at = ranges + 2 * s + ro + 2 * (c - start) as usize;
                            match u16_at(t, at)? {
                                0 => 0,
                                g => g.wrapping_add(delta),
                            }
                        };
                        if g != 0 {
                            map.insert(c as u32, g);
                        }
                    }
                }
            }
            12 => {
                let groups = u32_at(t, off + 12)? as usize;
                for i in 0..groups {
                    let g = off + 16 + 12 * i;
                    let (start, end, gid) = (u32_at(t, g)?, u32_at(t, g + 4)?, u32_at(t, g + 8)?);
                    for (k, c) in (start..=end.min(start + 0xFFFF)).enumerate() {
                        let id = gid as usize + k;
                        if id > 0 && id < 0xFFFF {
                            map.insert(c, id as u16);
                        }
                    }
                }
            }
            _ => return None,
        }
        Some(map)
    }

    /// The glyph of a character, if the font has one.
    pub fn glyph(&self, c: char) -> Option<u16> {
        self.cmap.get(&(c as u32)).copied()
    }

    /// Advance width of a glyph, font units.
    pub fn advance(&self, gid: u16) -> u16 {
        let Some(t) = self.table(b"hmtx") else {
            return self.units_per_em / 2;
        };
        let i = gid.min(self.num_h_metrics.saturating_sub(1)) as usize;
        u16_at(t, 4 * i).unwrap_or(0)
    }

    fn left_bearing(&self, gid: u16) -> i16 {
        let Some(t) = self.table(b"hmtx") else {
            return 0;
        };
        let n = self.num_h_metrics as usize;
        let g = gid as usize;
        let at = if g < n {
            4 * g + 2
        } else {
            4 * n + 2 * (g - n)
        };
        i16_at(t, at).unwrap_or(0)
    }

    fn glyph_data(&self, gid: u16) -> &'a [u8] {
        let (Some(loca), Some(glyf)) = (self.table(b"loca"), self.table(b"glyf")) else {
            return &[];
        };
        let g = gid as usize;
        let (a, b) = if self.long_loca {
            (u32_at(loca, 4 * g), u32_at(loca, 4 * g + 4))
        } else {
            (
                u16_at(loca, 2 * g).map(|v| v as u32 * 2),
                u16_at(loca, 2 * g + 2).map(|v| v as u32 * 2),
            )
        };
        match (a, b) {
            (Some(a), Some(b)) if a <= b => glyf.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Component glyph ids of a composite glyph, with the offset of each id in its data.
    fn components(data: &[u8]) -> Vec<(usize, u16)> {
        let mut out = Vec::new();
        if i16_at(data, 0).is_none_or(|n| n >= 0) {
            return out;
        }
        let mut o = 10;
        loop {
            let (Some(flags), Some(gid)) = (u16_at(data, o), u16_at(data, o + 2)) else {
                return out;
            };
            out.push((o + 2, gid));
            o += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
            o += if flags & 0x0008 != 0 {
                2
            } else if flags & 0x0040 != 0 {
                4
            } else if flags & 0x0080 != 0 {
                8
            } else {
                0
            };
            if flags & 0x0020 == 0 {
                return out;
            }
        }
    }

    /// A font program with `.notdef` and the glyphs `used` (original ids) renumbered from 1
    /// in ascending order of their original id; returns it with the old → new id map.
    pub fn subset(&self, used: &[u16]) -> (Vec<u8>, BTreeMap<u16, u16>) {
        let mut keep: Vec<u16> = vec![0];
        let mut todo: Vec<u16> = used.to_vec();
        while let Some(g) = todo.pop() {
            if g >= self.num_glyphs || keep.contains(&g) {
                continue;
            }
            keep.push(g);
            todo.extend(Self::components(self.glyph_data(g)).iter().map(|c| c.1));
        }
        keep[1..].sort_unstable();
        let map: BTreeMap<u16, u16> = keep
            .iter()
            .enumerate()
            .map(|(new, &old)| (old, new as u16))
            .collect();
        let (mut glyf, mut loca, mut hmtx) = (Vec::new(), Vec::new(), Vec::new());
        for &old in &keep {
            loca.extend_from_slice(&(glyf.len() as u32).to_be_bytes());
            let mut g = self.glyph_data(old).to_vec();
            for (at, c) in Self::components(&g) {
                let new = map.get(&c).copied().unwrap_or(0);
                g[at..at + 2].copy_from_slice(&new.to_be_bytes());
            }
            glyf.extend_from_slice(&g);
            while glyf.len() % 4 != 0 {
                glyf.push(0);
            }
            hmtx.extend_from_slice(&self.advance(old).to_be_bytes());
            hmtx.extend_from_slice(&self.left_bearing(old).to_be_bytes());
        }
        loca.extend_from_slice(&(glyf.len() as u32).to_be_bytes());
        let n = keep.len() as u16;
        let mut head = self.table(b"head").unwrap_or(&[]).to_vec();
        if head.len() >= 54 {
            head[8..12].copy_from_slice(&[0; 4]); // checkSumAdjustment
            head[50..52].copy_from_slice(&1i16.to_be_bytes()); // long loca
        }
        let mut hhea = self.table(b"hhea").unwrap_or(&[]).to_vec();
        if hhea.len() >= 36 {
            hhea[34..36].copy_from_slice(&n.to_be_bytes());
        }
        let mut maxp = self.table(b"maxp").unwrap_or(&[]).to_vec();
        if maxp.len() >= 6 {
            maxp[4..6].copy_from_slice(&n.to_be_bytes());
        }
        let mut tables: Vec<([u8; 4], Vec<u8>)> = vec![
            (*b"glyf", glyf),
            (*b"head", head),
            (*b"hhea", hhea),
            (*b"hmtx", hmtx),
            (*b"loca", loca),
            (*b"maxp", maxp),
        ];
        for tag in [b"cvt ", b"fpgm", b"prep"] {
            if let Some(t) = self.table(tag) {
                tables.push((*tag, t.to_vec()));
            }
        }
        tables.sort_by_key(|t| t.0);
        (write_sfnt(&tables), map)
    }
}

fn checksum(b: &[u8]) -> u32 {
    b.chunks(4).fold(0u32, |acc, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        acc.wrapping_add(u32::from_be_bytes(w))
    })
}

/// An sfnt file from tables sorted by tag.
fn write_sfnt(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let n = tables.len() as u16;
    let pow = 1u16 << (15 - n.leading_zeros() as u16);
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [n, pow * 16, pow.trailing_zeros() as u16, n * 16 - pow * 16] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut body = Vec::new();
    for (tag, data) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        offset = 12 + 16 * tables.len() + body.len();
    }
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subset_parses_back_with_the_same_glyphs() {
        let data = super::super::unicode::SANS;
        if data.is_empty() {
            panic!("no Unicode font compiled in: install fonts-dejavu-core (cert/build.rs)");
        }
        let f = Font::parse(data).expect("DejaVu Sans parses");
        let used: Vec<u16> = "Łódź Ørsted".chars().filter_map(|c| f.glyph(c)).collect();
        assert_eq!(used.len(), 11, "every character has a glyph");
        let (sub, map) = f.subset(&used);
        let s = Font::parse(&sub).expect("the subset parses");
        assert_eq!(s.num_glyphs as usize, map.len());
        for g in &used {
            let new = map[g];
            assert_eq!(s.advance(new), f.advance(*g));
            assert_eq!(s.glyph_data(new).len() >= 10, f.glyph_data(*g).len() >= 10);
        }
        assert!(sub.len() < data.len() / 20, "{} bytes", sub.len());
    }
}
