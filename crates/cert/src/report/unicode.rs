//! Text beyond WinAnsi: names such as Łódź, Ørsted, محمد or 王小明 are drawn with embedded
//! subsets of Unicode fonts instead of `?`.
//!
//! A string is cut into runs: characters the standard Helvetica can show (WinAnsiEncoding)
//! stay in Helvetica, so that French text looks and measures as before; the others are drawn
//! with the first embedded font that has a glyph (DejaVu Sans, then Droid Sans Fallback for
//! CJK). Arabic is shaped first (contextual forms from the Arabic Presentation Forms-B block,
//! lam-alef ligatures) and each Arabic run is put in visual order (right to left).

use std::sync::OnceLock;

use super::ttf;
use super::winansi;

/// DejaVu Sans, copied by build.rs (empty when it was not found at build time).
pub(crate) static SANS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/sans.ttf"));
/// Droid Sans Fallback (CJK).
pub(crate) static CJK: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/cjk.ttf"));
/// PostScript names of the embedded fonts, in the order of [`fonts`].
pub(crate) const NAMES: [&str; 2] = ["DejaVuSans", "DroidSansFallbackFull"];

/// The embedded fonts that parsed (index = position in [`NAMES`]).
pub(crate) fn fonts() -> &'static [Option<ttf::Font<'static>>; 2] {
    static FONTS: OnceLock<[Option<ttf::Font<'static>>; 2]> = OnceLock::new();
    FONTS.get_or_init(|| [ttf::Font::parse(SANS), ttf::Font::parse(CJK)])
}

/// A piece of a line in one font.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Run {
    /// Helvetica (WinAnsi).
    WinAnsi(String),
    /// Glyphs of embedded font `font`, each with the text it stands for.
    Glyphs {
        font: usize,
        glyphs: Vec<(u16, String)>,
    },
}

fn in_winansi(c: char) -> bool {
    matches!(c, '≥' | '≤' | '→' | '?') || winansi::encode_char(c) != b'?'
}

/// Cuts `s` into runs, in the order they are drawn (left to right).
pub(crate) fn runs(s: &str) -> Vec<Run> {
    let fonts = fonts();
    let mut out: Vec<Run> = Vec::new();
    for (c, source) in visual_order(s) {
        let glyph = if in_winansi(c) {
            None
        } else {
            fonts
                .iter()
                .enumerate()
                .find_map(|(i, f)| f.as_ref().and_then(|f| f.glyph(c)).map(|g| (i, g)))
        };
        match (glyph, out.last_mut()) {
            (None, Some(Run::WinAnsi(t))) => t.push(c),
            (None, _) => out.push(Run::WinAnsi(c.to_string())),
            (Some((i, g)), Some(Run::Glyphs { font, glyphs })) if *font == i => {
                glyphs.push((g, source))
            }
            (Some((i, g)), _) => out.push(Run::Glyphs {
                font: i,
                glyphs: vec![(g, source)],
            }),
        }
    }
    out
}

/// Width of a glyph of embedded font `font` in 1/1000 em.
pub(crate) fn glyph_width(font: usize, gid: u16) -> u32 {
    match &fonts()[font] {
        Some(f) => f.advance(gid) as u32 * 1000 / f.units_per_em.max(1) as u32,
        None => 0,
    }
}

/// Width of `s` in points at `size` (Helvetica widths for WinAnsi runs).
pub(crate) fn text_width(s: &str, bold: bool, size: f32) -> f32 {
    runs(s)
        .iter()
        .map(|r| match r {
            Run::WinAnsi(t) => winansi::helvetica_width(t, bold, size),
            Run::Glyphs { font, glyphs } => {
                glyphs
                    .iter()
                    .map(|(g, _)| glyph_width(*font, *g))
                    .sum::<u32>() as f32
                    * size
                    / 1000.0
            }
        })
        .sum()
}

// ---------------------------------------------------------------------------------------
// Arabic

/// How an Arabic letter joins: to both sides, or only to the letter before it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Joining {
    Dual,
    Right,
    None,
}

/// (letter, joining, isolated form in Arabic Presentation Forms-B); final, initial and
/// medial forms follow the isolated one in that order.
const LETTERS: &[(char, Joining, u32)] = &[
    ('\u{0621}', Joining::None, 0xFE80),
    ('\u{0622}', Joining::Right, 0xFE81),
    ('\u{0623}', Joining::Right, 0xFE83),
    ('\u{0624}', Joining::Right, 0xFE85),
    ('\u{0625}', Joining::Right, 0xFE87),
    ('\u{0626}', Joining::Dual, 0xFE89),
    ('\u{0627}', Joining::Right, 0xFE8D),
    ('\u{0628}', Joining::Dual, 0xFE8F),
    ('\u{0629}', Joining::Right, 0xFE93),
    ('\u{062A}', Joining::Dual, 0xFE95),
    ('\u{062B}', Joining::Dual, 0xFE99),
    ('\u{062C}', Joining::Dual, 0xFE9D),
    ('\u{062D}', Joining::Dual, 0xFEA1),
    ('\u{062E}', Joining::Dual, 0xFEA5),
    ('\u{062F}', Joining::Right, 0xFEA9),
    ('\u{0630}', Joining::Right, 0xFEAB),
    ('\u{0631}', Joining::Right, 0xFEAD),
    ('\u{0632}', Joining::Right, 0xFEAF),
    ('\u{0633}', Joining::Dual, 0xFEB1),
    ('\u{0634}', Joining::Dual, 0xFEB5),
    ('\u{0635}', Joining::Dual, 0xFEB9),
    ('\u{0636}', Joining::Dual, 0xFEBD),
    ('\u{0637}', Joining::Dual, 0xFEC1),
    ('\u{0638}', Joining::Dual, 0xFEC5),
    ('\u{0639}', Joining::Dual, 0xFEC9),
    ('\u{063A}', Joining::Dual, 0xFECD),
    ('\u{0641}', Joining::Dual, 0xFED1),
    ('\u{0642}', Joining::Dual, 0xFED5),
    ('\u{0643}', Joining::Dual, 0xFED9),
    ('\u{0644}', Joining::Dual, 0xFEDD),
    ('\u{0645}', Joining::Dual, 0xFEE1),
    ('\u{0646}', Joining::Dual, 0xFEE5),
    ('\u{0647}', Joining::Dual, 0xFEE9),
    ('\u{0648}', Joining::Right, 0xFEED),
    ('\u{0649}', Joining::Right, 0xFEEF),
    ('\u{064A}', Joining::Dual, 0xFEF1),
];

fn letter(c: char) -> Option<(Joining, u32)> {
    LETTERS
        .iter()
        .find(|(l, _, _)| *l == c)
        .map(|(_, j, f)| (*j, *f))
}

/// Harakat and other marks: they do not break a join.
fn transparent(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}')
}

fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// Lam-alef ligature (isolated form) for the alef that follows a lam.
fn lam_alef(alef: char) -> Option<u32> {
    match alef {
        '\u{0622}' => Some(0xFEF5),
        '\u{0623}' => Some(0xFEF7),
        '\u{0625}' => Some(0xFEF9),
        '\u{0627}' => Some(0xFEFB),
        _ => None,
    }
}

/// Contextual forms of one Arabic run (logical order), each with its source text.
fn shape_arabic(run: &[char]) -> Vec<(char, String)> {
    let joins_next = |i: usize| -> bool {
        // Whether the letter at i joins the next letter (skipping marks).
        let Some((Joining::Dual, _)) = letter(run[i]) else {
            return false;
        };
        run[i + 1..]
            .iter()
            .find(|c| !transparent(**c))
            .and_then(|c| letter(*c))
            .is_some_and(|(j, _)| j != Joining::None)
    };
    let mut out = Vec::new();
    let mut prev_joins = false;
    let mut i = 0;
    while i < run.len() {
        let c = run[i];
        if transparent(c) {
            out.push((c, c.to_string()));
            i += 1;
            continue;
        }
        let Some((_, isolated)) = letter(c) else {
            out.push((c, c.to_string()));
            prev_joins = false;
            i += 1;
            continue;
        };
        if c == '\u{0644}' {
            if let Some(lig) = run.get(i + 1).and_then(|a| lam_alef(*a)) {
                let form = lig + u32::from(prev_joins);
                let ch = char::from_u32(form).unwrap_or(c);
                out.push((ch, run[i..i + 2].iter().collect()));
                prev_joins = false;
                i += 2;
                continue;
            }
        }
        let next = joins_next(i);
        let offset = match (prev_joins, next) {
            (true, true) => 3,
            (false, true) => 2,
            (true, false) => 1,
            (false, false) => 0,
        };
        out.push((
            char::from_u32(isolated + offset).unwrap_or(c),
            c.to_string(),
        ));
        prev_joins = next;
        i += 1;
    }
    out
}

/// The characters of `s` as drawn from left to right, each with the text it stands for:
/// Arabic runs (with the spaces between their words) shaped and reversed.
pub(crate) fn visual_order(s: &str) -> Vec<(char, String)> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_arabic(chars[i]) {
            out.push((chars[i], chars[i].to_string()));
            i += 1;
            continue;
        }
        let mut end = i;
        let mut j = i;
        while j < chars.len() && (is_arabic(chars[j]) || chars[j] == ' ') {
            if is_arabic(chars[j]) {
                end = j + 1;
            }
            j += 1;
        }
        let mut shaped = shape_arabic(&chars[i..end]);
        shaped.reverse();
        out.extend(shaped);
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_letters_take_their_contextual_forms_right_to_left() {
        // محمد: meem initial, hah medial, meem medial, dal final; drawn reversed.
        let v: String = visual_order("محمد").iter().map(|(c, _)| *c).collect();
        assert_eq!(v, "\u{FEAA}\u{FEE4}\u{FEA4}\u{FEE3}");
        // لا is one ligature; a non-joining alef starts a new word form.
        let v: Vec<(char, String)> = visual_order("سلام");
        let drawn: String = v.iter().map(|(c, _)| *c).collect();
        assert_eq!(drawn, "\u{FEE1}\u{FEFC}\u{FEB3}");
        assert_eq!(v[1].1, "لا");
        // Latin around Arabic keeps its order.
        let v: String = visual_order("A علي B").iter().map(|(c, _)| *c).collect();
        assert!(v.starts_with("A ") && v.ends_with(" B"), "{v}");
    }

    #[test]
    fn names_beyond_winansi_get_embedded_glyphs() {
        assert!(
            fonts().iter().all(|f| f.is_some()),
            "the Unicode fonts are not compiled in: install fonts-dejavu-core and fonts-droid-fallback (cert/build.rs)"
        );
        for name in ["Łódź", "Ørsted Ñ", "محمد", "王小明", "Ελένη Σ"] {
            for r in runs(name) {
                if let Run::WinAnsi(t) = r {
                    assert!(!t.contains('?'), "{name}: {t}");
                }
            }
        }
        // French stays in Helvetica.
        assert_eq!(
            runs("Effacé à 100 %"),
            vec![Run::WinAnsi("Effacé à 100 %".into())]
        );
        assert!(text_width("王小明", false, 10.0) > 25.0);
    }
}
