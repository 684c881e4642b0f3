//! Numbers, sizes and durations in the interface's language; text from devices made safe for the
//! console font.

use crate::i18n::Language;

// One rule for sizes, rates and durations on every screen, page and PDF.
pub use ardoise_units::{duration, memory_size, rate, size};

/// A percentage with the language's decimal separator ("1,5").
pub fn number(lang: Language, v: f64) -> String {
    let s = if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    };
    s.replace('.', &lang.decimal_separator().to_string())
}

/// Text that came from a device, a file or another program, with every character the console
/// font cannot draw (and every control character) replaced by `?`.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if crate::glyphs::in_console_font(c) {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// `s` cut to `width` characters (a `~` marks the cut), padded with spaces to exactly `width`.
pub fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        let mut out = s.to_string();
        out.extend(std::iter::repeat_n(' ', width - n));
        out
    } else if width == 0 {
        String::new()
    } else {
        let mut out: String = s.chars().take(width - 1).collect();
        out.push('~');
        out
    }
}

/// `s` cut to `width` characters without padding.
pub fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        pad(s, width)
    }
}

/// The first 12 hexadecimal digits of a certificate id: enough to find it, short enough to read.
pub fn short_id(cert_id: &str) -> String {
    cert_id.chars().take(12).collect()
}

/// A folder name from the workshop and station ids (FAT forbids some characters).
pub fn sanitize(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        "station".into()
    } else {
        out
    }
}

/// Greedy word wrap (character counts: every console glyph is one column).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let wl = word.chars().count();
            let ll = line.chars().count();
            if ll > 0 && ll + 1 + wl > width {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            if wl > width {
                // A word longer than the line (a path): cut it in pieces.
                let chars: Vec<char> = word.chars().collect();
                for chunk in chars.chunks(width) {
                    if !line.is_empty() {
                        out.push(std::mem::take(&mut line));
                    }
                    line = chunk.iter().collect();
                }
            } else {
                line.push_str(word);
            }
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sizes_in_both_languages() {
        assert_eq!(size(Language::Fr, 512), "512 o");
        assert_eq!(size(Language::Fr, 64 << 20), "67,1 Mo");
        assert_eq!(size(Language::En, 64 << 20), "67.1 MB");
        assert_eq!(size(Language::En, 500_107_862_016), "500 GB");
        assert_eq!(rate(Language::Fr, 123_456_789.0), "123 Mo/s");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(Language::Fr, Duration::from_secs(45)), "45 s");
        assert_eq!(
            duration(Language::En, Duration::from_secs(200)),
            "3 min 20 s"
        );
        assert_eq!(
            duration(Language::Fr, Duration::from_secs(3900)),
            "1 h 05 min"
        );
    }

    #[test]
    fn padding_and_cleaning() {
        assert_eq!(pad("abc", 5), "abc  ");
        assert_eq!(pad("abcdefgh", 5), "abcd~");
        assert_eq!(cut("abcdefgh", 5), "abcd~");
        assert_eq!(cut("ab", 5), "ab");
        assert_eq!(clean("Samsung\u{2019}s SSD\n"), "Samsung?s SSD?");
        assert_eq!(number(Language::Fr, 1.5), "1,5");
        assert_eq!(number(Language::En, 1.0), "1");
    }
}
