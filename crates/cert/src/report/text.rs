//! Text helpers of the report: word wrapping and the numbers, sizes, dates and durations
//! written the way each language writes them.

use time::OffsetDateTime;

use super::pdf::Font;
use super::winansi;
use super::Language;

/// Greedy word wrap; words longer than a line (hex ids) are cut.
pub(super) fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let bold = font.is_bold();
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if winansi::text_width(&candidate, bold, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut rest = word.to_string();
            while winansi::text_width(&rest, bold, size) > width {
                let cut = longest_fitting_prefix(&rest, bold, size, width);
                lines.push(rest[..cut].to_string());
                rest = rest[cut..].to_string();
            }
            line = rest;
        }
        lines.push(line);
    }
    lines
}

/// Byte length of the longest prefix of `word` that fits in `width` (at least one byte, so
/// cutting always progresses).
fn longest_fitting_prefix(word: &str, bold: bool, size: f32, width: f32) -> usize {
    let mut cut = word.len();
    while cut > 1
        && (!word.is_char_boundary(cut) || winansi::text_width(&word[..cut], bold, size) > width)
    {
        cut -= 1;
    }
    cut
}

/// The first line `text` wraps to in `width` (a table cell).
pub(super) fn first_line(text: &str, font: Font, size: f32, width: f32) -> String {
    wrap(text, font, size, width)
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// The value, or a dash when it was not recorded.
pub(super) fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "\u{2014}".into())
}

/// Digits in groups of three: `1 234` (no-break space) in French, `1,234` in English.
pub(super) fn fmt_int(n: u64, lang: Language) -> String {
    let sep = match lang {
        Language::Fr => '\u{a0}',
        Language::En => ',',
    };
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// Decimal units, as drives are sold: the same figures as the screens and the registry.
pub(super) fn fmt_bytes(n: u64, lang: Language) -> String {
    ardoise_units::size(lang, n)
}

pub(super) fn fmt_datetime(t: OffsetDateTime, lang: Language) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let f = match lang {
        Language::Fr => {
            time::macros::format_description!("[day]/[month]/[year] [hour]:[minute]:[second] UTC")
        }
        Language::En => {
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC")
        }
    };
    t.format(f).unwrap_or_default()
}

/// A span of the erase; a negative one (clock set back) reads as zero.
pub(super) fn fmt_duration(secs: i64, lang: Language) -> String {
    let secs = u64::try_from(secs).unwrap_or(0);
    ardoise_units::duration(lang, std::time::Duration::from_secs(secs))
}

/// A fraction in parts per million as a percentage, with the language's decimal mark.
pub(super) fn fmt_ppm(ppm: u64, lang: Language) -> String {
    let text = crate::payload::ppm_text(ppm);
    match lang {
        Language::Fr => text.replace('.', ","),
        Language::En => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_and_cuts_long_ones() {
        let lines = wrap("un deux trois quatre", Font::Regular, 10.0, 40.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), "un deux trois quatre");
        let id = "a".repeat(64);
        let lines = wrap(&id, Font::Regular, 10.0, 100.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), id);
    }

    #[test]
    fn numbers_in_both_languages() {
        assert_eq!(fmt_int(256060514304, Language::En), "256,060,514,304");
        assert_eq!(fmt_int(1234, Language::Fr), "1\u{a0}234");
        assert_eq!(fmt_bytes(256060514304, Language::Fr), "256 Go");
        assert_eq!(fmt_bytes(256060514304, Language::En), "256 GB");
        assert_eq!(fmt_bytes(4_096, Language::Fr), "4,1 ko");
        assert_eq!(fmt_duration(98, Language::Fr), "1 min 38 s");
        assert_eq!(fmt_duration(-5, Language::En), "0 s");
    }
}
