//! A minimal PDF 1.4 writer: A4 pages, the standard Helvetica and Helvetica-Bold fonts with
//! WinAnsiEncoding (so French accents work without embedding a font), text, filled
//! rectangles and lines. Content streams are left uncompressed: small, and easy to inspect.
//!
//! Characters WinAnsi lacks are drawn with subsets of embedded Unicode fonts
//! ([`super::unicode`]): a Type0 font per embedded font (`/F3`, `/F4`), Identity-H encoding
//! of the subset's glyph ids, a `/W` width array, a ToUnicode CMap so that the text can be
//! searched and copied, and the subset TrueType program (FontFile2). Bold runs of those fonts
//! are filled and stroked (text render mode 2).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::unicode::{self, Run};
use super::winansi;

/// Marks a glyph run in a page's operators until the subsets are known: `\x01<font>:<gid>,…\x02`.
const RUN_START: char = '\u{1}';
const RUN_END: char = '\u{2}';

/// A4 in points.
pub(crate) const PAGE_WIDTH: f32 = 595.0;
pub(crate) const PAGE_HEIGHT: f32 = 842.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    pub(crate) fn is_bold(self) -> bool {
        self == Font::Bold
    }
}

/// An RGB colour, components 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rgb(pub f32, pub f32, pub f32);

pub(crate) const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);
pub(crate) const WHITE: Rgb = Rgb(1.0, 1.0, 1.0);

/// One page's content stream, and its size when it is not A4 (labels).
#[derive(Debug, Default)]
pub(crate) struct Page {
    ops: String,
    /// Embedded-font glyphs drawn on the page: (font, original glyph id) → the text it shows.
    glyphs: BTreeMap<(usize, u16), String>,
    /// The page's size when it is not A4 (labels).
    size: Option<(f32, f32)>,
}

fn num(v: f32) -> String {
    // Two decimals are plenty at 1/72 inch; trim zeros for compactness.
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A PDF literal string of WinAnsi bytes; bytes outside printable ASCII as octal escapes.
fn pdf_string(s: &str) -> String {
    let mut out = String::from("(");
    for b in winansi::encode(s) {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7E => out.push(b as char),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push(')');
    out
}

impl Page {
    pub(crate) fn new() -> Page {
        Page::default()
    }

    /// A page of `width` × `height` points.
    pub(crate) fn sized(width: f32, height: f32) -> Page {
        Page {
            size: Some((width, height)),
            ..Page::default()
        }
    }

    /// Text with its baseline starting at (x, y), in `color`.
    pub(crate) fn text(&mut self, x: f32, y: f32, font: Font, size: f32, color: Rgb, s: &str) {
        let (r, g, b) = (num(color.0), num(color.1), num(color.2));
        let _ = write!(
            self.ops,
            "BT {r} {g} {b} rg {r} {g} {b} RG {} {} Td",
            num(x),
            num(y)
        );
        for run in unicode::runs(s) {
            match run {
                Run::WinAnsi(t) => {
                    let _ = write!(
                        self.ops,
                        " /{} {} Tf {} Tj",
                        font.resource(),
                        num(size),
                        pdf_string(&t)
                    );
                }
                Run::Glyphs { font: f, glyphs } => {
                    let ids: Vec<String> = glyphs.iter().map(|(g, _)| g.to_string()).collect();
                    let (bold_on, bold_off) = if font.is_bold() {
                        (format!(" 2 Tr {} w", num(size * 0.03)), " 0 Tr")
                    } else {
                        (String::new(), "")
                    };
                    let _ = write!(
                        self.ops,
                        " /F{} {} Tf{bold_on} {RUN_START}{f}:{}{RUN_END} Tj{bold_off}",
                        3 + f,
                        num(size),
                        ids.join(",")
                    );
                    for (gid, text) in glyphs {
                        self.glyphs.entry((f, gid)).or_insert(text);
                    }
                }
            }
        }
        self.ops.push_str(" ET\n");
    }

    pub(crate) fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        let _ = writeln!(
            self.ops,
            "{} {} {} rg {} {} {} {} re f",
            num(color.0),
            num(color.1),
            num(color.2),
            num(x),
            num(y),
            num(w),
            num(h)
        );
    }

    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, color: Rgb) {
        let _ = writeln!(
            self.ops,
            "{} {} {} RG {} w {} {} m {} {} l S",
            num(color.0),
            num(color.1),
            num(color.2),
            num(width),
            num(x1),
            num(y1),
            num(x2),
            num(y2)
        );
    }
}

/// Document metadata.
pub(crate) struct Info<'a> {
    pub title: &'a str,
    pub producer: &'a str,
    /// PDF date string body, e.g. `20251126104217Z`.
    pub creation_date: &'a str,
}

/// An embedded font's subset for the whole document.
struct Embedded {
    /// Index in [`unicode::NAMES`].
    font: usize,
    program: Vec<u8>,
    /// Original glyph id → subset glyph id (= CID).
    map: BTreeMap<u16, u16>,
    /// Original glyph id → the text it shows.
    text: BTreeMap<u16, String>,
}

fn embed_fonts(pages: &[Page]) -> Vec<Embedded> {
    let mut used: BTreeMap<usize, BTreeMap<u16, String>> = BTreeMap::new();
    for p in pages {
        for ((f, g), t) in &p.glyphs {
            used.entry(*f).or_default().insert(*g, t.clone());
        }
    }
    used.into_iter()
        .filter_map(|(font, text)| {
            let f = unicode::fonts()[font].as_ref()?;
            let gids: Vec<u16> = text.keys().copied().collect();
            let (program, map) = f.subset(&gids);
            Some(Embedded {
                font,
                program,
                map,
                text,
            })
        })
        .collect()
}

/// A page's operators with each glyph run written as subset glyph ids (hex, Identity-H).
fn resolve_runs(ops: &str, embedded: &[Embedded]) -> String {
    let mut out = String::with_capacity(ops.len());
    let mut rest = ops;
    while let Some(start) = rest.find(RUN_START) {
        out.push_str(&rest[..start]);
        let after = &rest[start + RUN_START.len_utf8()..];
        let end = after.find(RUN_END).unwrap_or(after.len());
        let (font, ids) = after[..end].split_once(':').unwrap_or(("0", ""));
        let font: usize = font.parse().unwrap_or(0);
        let e = embedded.iter().find(|e| e.font == font);
        out.push('<');
        for id in ids.split(',').filter_map(|i| i.parse::<u16>().ok()) {
            let new = e.and_then(|e| e.map.get(&id)).copied().unwrap_or(0);
            let _ = write!(out, "{new:04X}");
        }
        out.push('>');
        rest = after.get(end + RUN_END.len_utf8()..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// The five objects of an embedded font, numbered from `first`: Type0 font, CIDFontType2,
/// font descriptor, font program, ToUnicode CMap.
fn font_objects(e: &Embedded, first: usize) -> Vec<Vec<u8>> {
    let f = unicode::fonts()[e.font]
        .as_ref()
        .expect("embedded fonts parsed");
    let name = format!(
        "{}+{}",
        ["ARDSAN", "ARDCJK"][e.font.min(1)],
        unicode::NAMES[e.font]
    );
    let scale = |v: i16| (v as i32 * 1000 / f.units_per_em.max(1) as i32).to_string();
    let mut widths = String::new();
    for (old, new) in &e.map {
        let _ = write!(widths, "{new} [{}] ", unicode::glyph_width(e.font, *old));
    }
    let mut program =
        format!("<< /Length {0} /Length1 {0} >>\nstream\n", e.program.len()).into_bytes();
    program.extend_from_slice(&e.program);
    program.extend_from_slice(b"\nendstream");
    let cmap = to_unicode_cmap(e);
    let mut cmap_obj = format!("<< /Length {} >>\nstream\n", cmap.len()).into_bytes();
    cmap_obj.extend_from_slice(cmap.as_bytes());
    cmap_obj.extend_from_slice(b"\nendstream");
    vec![
        format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H \
             /DescendantFonts [{} 0 R] /ToUnicode {} 0 R >>",
            first + 1,
            first + 4
        )
        .into_bytes(),
        format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} \
             /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
             /FontDescriptor {} 0 R /CIDToGIDMap /Identity /DW 1000 /W [{widths}] >>",
            first + 2
        )
        .into_bytes(),
        format!(
            "<< /Type /FontDescriptor /FontName /{name} /Flags 4 /FontBBox [{} {} {} {}] \
             /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 {} 0 R >>",
            scale(f.bbox[0]),
            scale(f.bbox[1]),
            scale(f.bbox[2]),
            scale(f.bbox[3]),
            scale(f.ascent),
            scale(f.descent),
            scale(f.ascent),
            first + 3
        )
        .into_bytes(),
        program,
        cmap_obj,
    ]
}

/// The ToUnicode CMap: subset glyph id → the UTF-16 text it shows.
fn to_unicode_cmap(e: &Embedded) -> String {
    let mut pairs: Vec<String> = Vec::new();
    for (old, new) in &e.map {
        let Some(text) = e.text.get(old) else {
            continue;
        };
        let utf16: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
        pairs.push(format!("<{new:04X}> <{utf16}>"));
    }
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for chunk in pairs.chunks(100) {
        let _ = writeln!(s, "{} beginbfchar", chunk.len());
        for p in chunk {
            s.push_str(p);
            s.push('\n');
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend");
    s
}

/// Serialises pages into a complete PDF file with a correct cross-reference table.
pub(crate) fn write(pages: &[Page], info: &Info<'_>) -> Vec<u8> {
    serialise(&objects(pages, info))
}

/// Every object's body, object `n` at index `n - 1`: 1 catalog, 2 page tree, 3 Helvetica,
/// 4 Helvetica-Bold, 5 info, then for page i: 6 + 2i the page, 7 + 2i its content stream,
/// then five objects per embedded font.
fn objects(pages: &[Page], info: &Info<'_>) -> Vec<Vec<u8>> {
    let embedded = embed_fonts(pages);
    let fonts_at = 6 + 2 * pages.len();
    let mut font_refs = String::from("/F1 3 0 R /F2 4 0 R");
    for (k, e) in embedded.iter().enumerate() {
        let _ = write!(font_refs, " /F{} {} 0 R", 3 + e.font, fonts_at + 5 * k);
    }
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 6 + 2 * i))
        .collect();
    let mut objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_vec(),
        format!(
            "<< /Title {} /Producer {} /CreationDate (D:{}) >>",
            pdf_string(info.title),
            pdf_string(info.producer),
            info.creation_date
        )
        .into_bytes(),
    ];
    for (i, page) in pages.iter().enumerate() {
        objs.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] \
                 /Resources << /Font << {font_refs} >> >> /Contents {} 0 R >>",
                num(page.size.map_or(PAGE_WIDTH, |s| s.0)),
                num(page.size.map_or(PAGE_HEIGHT, |s| s.1)),
                7 + 2 * i
            )
            .into_bytes(),
        );
        let ops = resolve_runs(&page.ops, &embedded);
        let mut body = format!("<< /Length {} >>\nstream\n", ops.len()).into_bytes();
        body.extend_from_slice(ops.as_bytes());
        body.extend_from_slice(b"\nendstream");
        objs.push(body);
    }
    for (k, e) in embedded.iter().enumerate() {
        objs.extend(font_objects(e, fonts_at + 5 * k));
    }
    objs
}

/// The file: header, objects 1..=n, cross-reference table, trailer.
fn serialise(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    let mut offsets = Vec::with_capacity(objects.len());
    out.extend_from_slice(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n", objects.len() + 1).as_bytes());
    out.extend_from_slice(b"0000000000 65535 f \n");
    for off in &offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(pdf_string("a(b)c\\"), "(a\\(b\\)c\\\\)");
        assert_eq!(pdf_string("é"), "(\\351)");
    }

    #[test]
    fn xref_offsets_point_at_objects() {
        let mut p = Page::new();
        p.text(10.0, 10.0, Font::Regular, 12.0, BLACK, "Bonjour");
        let pdf = write(
            &[p, Page::new()],
            &Info {
                title: "t",
                producer: "p",
                creation_date: "20250101000000Z",
            },
        );
        let find_last = |needle: &[u8]| {
            (0..=pdf.len() - needle.len())
                .rev()
                .find(|&i| &pdf[i..i + needle.len()] == needle)
                .unwrap()
        };
        let sx = find_last(b"startxref\n") + 10;
        let xref_at: usize = std::str::from_utf8(&pdf[sx..])
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let tail = std::str::from_utf8(&pdf[xref_at..]).unwrap();
        assert!(tail.starts_with("xref\n0 10\n"));
        let entries: Vec<&str> = tail.lines().skip(3).take(9).collect();
        for (i, e) in entries.iter().enumerate() {
            let off: usize = e[..10].parse().unwrap();
            assert!(
                pdf[off..].starts_with(format!("{} 0 obj", i + 1).as_bytes()),
                "object {} not at {off}",
                i + 1
            );
            assert_eq!(e.len() + 1, 20, "xref entries are 20 bytes");
        }
    }
}
