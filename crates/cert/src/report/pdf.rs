//! A minimal PDF 1.4 writer: A4 pages, the standard Helvetica and Helvetica-Bold fonts with
//! WinAnsiEncoding (so French accents work without embedding a font), text, filled
//! rectangles and lines. Content streams are left uncompressed: small, and easy to inspect.

use std::fmt::Write as _;

use super::winansi;

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
        let _ = writeln!(
            self.ops,
            "BT {} {} {} rg /{} {} Tf {} {} Td {} Tj ET",
            num(color.0),
            num(color.1),
            num(color.2),
            font.resource(),
            num(size),
            num(x),
            num(y),
            pdf_string(s)
        );
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

/// Serialises pages into a complete PDF file with a correct cross-reference table.
pub(crate) fn write(pages: &[Page], info: &Info<'_>) -> Vec<u8> {
    // Object numbers: 1 catalog, 2 page tree, 3 Helvetica, 4 Helvetica-Bold, 5 info,
    // then for page i: 6 + 2i the page, 7 + 2i its content stream.
    let n_objects = 5 + 2 * pages.len();
    let mut out: Vec<u8> = Vec::new();
    let mut offsets = vec![0usize; n_objects + 1];
    out.extend_from_slice(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");

    let mut obj = |out: &mut Vec<u8>, n: usize, body: &[u8]| {
        offsets[n] = out.len();
        out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };

    obj(&mut out, 1, b"<< /Type /Catalog /Pages 2 0 R >>");
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 6 + 2 * i))
        .collect();
    obj(
        &mut out,
        2,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .as_bytes(),
    );
    obj(
        &mut out,
        3,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    );
    obj(
        &mut out,
        4,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    );
    obj(
        &mut out,
        5,
        format!(
            "<< /Title {} /Producer {} /CreationDate (D:{}) >>",
            pdf_string(info.title),
            pdf_string(info.producer),
            info.creation_date
        )
        .as_bytes(),
    );
    for (i, page) in pages.iter().enumerate() {
        let page_obj = 6 + 2 * i;
        obj(
            &mut out,
            page_obj,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                num(page.size.map_or(PAGE_WIDTH, |s| s.0)),
                num(page.size.map_or(PAGE_HEIGHT, |s| s.1)),
                page_obj + 1
            )
            .as_bytes(),
        );
        let mut body = format!("<< /Length {} >>\nstream\n", page.ops.len()).into_bytes();
        body.extend_from_slice(page.ops.as_bytes());
        body.extend_from_slice(b"\nendstream");
        obj(&mut out, page_obj + 1, &body);
    }

    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n", n_objects + 1).as_bytes());
    out.extend_from_slice(b"0000000000 65535 f \n");
    for off in &offsets[1..] {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            n_objects + 1
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
