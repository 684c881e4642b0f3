//! Numbers, sizes and durations in the interface's language; text from devices made safe for the
//! console font.

use std::time::Duration;

use crate::i18n::{t, tf, Language, T};

/// Size in decimal units, as drive vendors label them ("500,1 Go" / "500.1 GB").
pub fn size(lang: Language, bytes: u64) -> String {
    let units = [
        T::UnitBytes,
        T::UnitKilo,
        T::UnitMega,
        T::UnitGiga,
        T::UnitTera,
    ];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit < units.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} {}", t(lang, units[0]))
    } else {
        let n = if v >= 100.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}").replace('.', t(lang, T::DecimalSep))
        };
        format!("{n} {}", t(lang, units[unit]))
    }
}

/// A transfer rate ("120 Mo/s").
pub fn rate(lang: Language, bytes_per_second: f64) -> String {
    tf(
        lang,
        T::PerSecond,
        &[&size(lang, bytes_per_second.max(0.0) as u64)],
    )
}

/// A remaining time ("1 h 05 min", "3 min 20 s", "45 s").
pub fn duration(lang: Language, d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        tf(
            lang,
            T::DurHours,
            &[&(s / 3600), &format!("{:02}", (s % 3600) / 60)],
        )
    } else if s >= 60 {
        tf(lang, T::DurMinutes, &[&(s / 60), &format!("{:02}", s % 60)])
    } else {
        tf(lang, T::DurSeconds, &[&s])
    }
}

/// A percentage with the language's decimal separator ("1,5").
pub fn number(lang: Language, v: f64) -> String {
    let s = if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    };
    s.replace('.', t(lang, T::DecimalSep))
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

#[cfg(test)]
mod tests {
    use super::*;

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
