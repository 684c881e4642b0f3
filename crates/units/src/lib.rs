//! The language of a screen, page or PDF, the one translation mechanism ([`texts!`]: a key
//! enum with both languages' texts), and the one way every front end (interface, command line,
//! donor PDF, registry pages, certificate sentences) writes sizes, rates and durations.
//!
//! Sizes are decimal, as drives are sold: a disk reads "500 GB" / "500 Go" everywhere, never
//! "500.1 GB" on one screen and "500,11 Go" in the PDF. The rule, taken from the interface:
//! an exact count below 1 000 bytes ("512 B" / "512 o"), one decimal below 100 units
//! ("4.1 kB" / "4,1 ko", "1.5 TB" / "1,5 To"), whole units from 100 ("500 GB" / "500 Go").
//! Memory, sold in binary gigabytes, has its own [`memory_size`].
#![forbid(unsafe_code)]

mod texts;
pub use texts::{fill, placeholders};

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A language every front end offers. French is the default (the workshops are in France).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum Language {
    /// French, the default.
    #[default]
    Fr,
    /// English, on request.
    En,
}

/// A language name that is neither French nor English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?} (fr or en)")]
pub struct UnknownLanguage(pub String);

impl Language {
    /// Every language, in the order the interface lists them.
    pub const ALL: [Language; 2] = [Language::Fr, Language::En];

    /// From a code or a name: `fr`, `fr_FR`, `fr-FR`, `french`, `français`; likewise for English.
    pub fn parse(s: &str) -> Option<Language> {
        match s.trim().to_lowercase().as_str() {
            "fr" | "fr_fr" | "fr-fr" | "french" | "français" | "francais" => Some(Language::Fr),
            "en" | "en_gb" | "en-gb" | "en_us" | "en-us" | "english" => Some(Language::En),
            _ => None,
        }
    }

    /// The two-letter code (`lang` attribute of a page, configuration value).
    pub fn code(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }

    /// `french` or `english`, whichever is this language's.
    pub fn pick<T>(self, french: T, english: T) -> T {
        match self {
            Language::Fr => french,
            Language::En => english,
        }
    }

    /// The decimal separator: "1,5" in French, "1.5" in English.
    pub fn decimal_separator(self) -> char {
        self.pick(',', '.')
    }
}

impl FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Language, UnknownLanguage> {
        Language::parse(s).ok_or_else(|| UnknownLanguage(s.to_string()))
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Byte, kilo-, mega-, giga-, tera- and petabyte in `lang` ("octet" is "o" in French).
fn byte_units(lang: Language) -> [&'static str; 6] {
    lang.pick(
        ["o", "ko", "Mo", "Go", "To", "Po"],
        ["B", "kB", "MB", "GB", "TB", "PB"],
    )
}

/// `numerator / denominator` rounded half up.
fn div_round(numerator: u128, denominator: u128) -> u128 {
    (numerator + denominator / 2) / denominator
}

/// A count of tenths written with one decimal in `lang` ("67,1").
fn tenths_text(lang: Language, tenths: u128) -> String {
    format!("{}{}{}", tenths / 10, lang.decimal_separator(), tenths % 10)
}

/// A size in decimal units, as drives are sold: "512 B", "4.1 kB", "67.1 MB", "500 GB", "1.5 TB"
/// (French: "512 o", "4,1 ko", "67,1 Mo", "500 Go", "1,5 To").
///
/// The unit is the largest one the rounded figure stays below 1 000 in, so 999 999 bytes read
/// "1.0 MB", not "1000 kB", and 99.95 GB reads "100 GB", not "100.0 GB".
pub fn size(lang: Language, bytes: u64) -> String {
    let units = byte_units(lang);
    if bytes < 1000 {
        return format!("{bytes} {}", units[0]);
    }
    let bytes = u128::from(bytes);
    let mut scale: u128 = 1;
    for (index, unit) in units.iter().enumerate().skip(1) {
        scale *= 1000;
        let tenths = div_round(bytes * 10, scale);
        if tenths < 1000 {
            return format!("{} {unit}", tenths_text(lang, tenths));
        }
        let whole = div_round(bytes, scale);
        if whole < 1000 || index == units.len() - 1 {
            return format!("{whole} {unit}");
        }
    }
    unreachable!("the last unit always returns")
}

/// A transfer rate: [`size`] per second ("142 MB/s", "31,3 Mo/s"). Negative or not-a-number
/// rates (a clock that went back) read as zero.
pub fn rate(lang: Language, bytes_per_second: f64) -> String {
    // `as` saturates: NaN and negatives give 0, huge values u64::MAX.
    format!("{}/s", size(lang, bytes_per_second as u64))
}

/// A duration to the second, the larger units first: "45 s", "3 min 20 s", "1 h 05 min" (the
/// seconds are dropped from an hour on). Both languages write it the same way.
pub fn duration(lang: Language, d: Duration) -> String {
    let (hour, minute, second) = lang.pick(("h", "min", "s"), ("h", "min", "s"));
    let s = d.as_secs();
    if s >= 3600 {
        format!("{} {hour} {:02} {minute}", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{} {minute} {:02} {second}", s / 60, s % 60)
    } else {
        format!("{s} {second}")
    }
}

/// Installed memory in binary gigabytes, labelled the way memory is sold ("8 GB" for 8 GiB,
/// "1,9 Go" for 1.9 GiB): whole when within 0.05 of a whole number, else one decimal.
pub fn memory_size(lang: Language, bytes: u64) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    let gib = bytes as f64 / GIB;
    let figure = if (gib - gib.round()).abs() < 0.05 {
        format!("{gib:.0}")
    } else {
        format!("{gib:.1}").replace('.', &lang.decimal_separator().to_string())
    };
    format!("{figure} {}", byte_units(lang)[3])
}

#[cfg(test)]
mod tests {
    use super::*;
    use Language::{En, Fr};

    #[test]
    fn language_codes_and_names() {
        for l in Language::ALL {
            assert_eq!(Language::parse(l.code()), Some(l));
            assert_eq!(l.code().parse::<Language>(), Ok(l));
            assert_eq!(l.to_string(), l.code());
        }
        assert_eq!(Language::parse("Français"), Some(Fr));
        assert_eq!(Language::parse("fr_FR"), Some(Fr));
        assert_eq!(Language::parse("en-GB"), Some(En));
        assert_eq!(Language::parse("English"), Some(En));
        assert_eq!(Language::parse("de"), None);
        assert_eq!(
            "de".parse::<Language>().unwrap_err().to_string(),
            "unknown language \"de\" (fr or en)"
        );
        assert_eq!(Language::default(), Fr);
        assert_eq!(Fr.pick(1, 2), 1);
        assert_eq!(En.pick(1, 2), 2);
    }

    #[test]
    fn bytes_are_counted_exactly() {
        assert_eq!(size(Fr, 0), "0 o");
        assert_eq!(size(Fr, 512), "512 o");
        assert_eq!(size(En, 512), "512 B");
        assert_eq!(size(En, 999), "999 B");
        assert_eq!(size(En, 1000), "1.0 kB");
        assert_eq!(size(Fr, 1000), "1,0 ko");
    }

    #[test]
    fn one_decimal_below_a_hundred_units() {
        assert_eq!(size(En, 4096), "4.1 kB");
        assert_eq!(size(Fr, 4096), "4,1 ko");
        assert_eq!(size(En, 64 << 20), "67.1 MB");
        assert_eq!(size(Fr, 64 << 20), "67,1 Mo");
        assert_eq!(size(En, 1_500_000_000_000), "1.5 TB");
        assert_eq!(size(Fr, 1_500_000_000_000), "1,5 To");
        assert_eq!(size(En, 99_940_000_000), "99.9 GB");
    }

    #[test]
    fn whole_units_from_a_hundred() {
        assert_eq!(size(En, 500_107_862_016), "500 GB");
        assert_eq!(size(Fr, 500_107_862_016), "500 Go");
        assert_eq!(size(Fr, 256_060_514_304), "256 Go");
        assert_eq!(size(En, 100_000_000), "100 MB");
        // 99.95 rounds to 100: no "100.0".
        assert_eq!(size(En, 99_950_000_000), "100 GB");
        assert_eq!(size(Fr, 99_950_000_000), "100 Go");
    }

    #[test]
    fn the_unit_changes_where_the_figure_would_reach_a_thousand() {
        assert_eq!(size(En, 999_499), "999 kB");
        assert_eq!(size(En, 999_500), "1.0 MB");
        assert_eq!(size(En, 999_999), "1.0 MB");
        assert_eq!(size(En, 999_999_999_999), "1.0 TB");
        assert_eq!(size(En, 1_000_000_000_000), "1.0 TB");
        assert_eq!(size(En, 2_500_000_000_000_000), "2.5 PB");
        // Petabytes are the largest unit.
        assert_eq!(size(En, u64::MAX), "18447 PB");
    }

    #[test]
    fn rates() {
        assert_eq!(rate(Fr, 123_456_789.0), "123 Mo/s");
        assert_eq!(rate(En, 80_000_000.0), "80.0 MB/s");
        assert_eq!(rate(Fr, 31_300_000.0), "31,3 Mo/s");
        assert_eq!(rate(En, -5.0), "0 B/s");
        assert_eq!(rate(En, f64::NAN), "0 B/s");
    }

    #[test]
    fn durations() {
        let secs = Duration::from_secs;
        assert_eq!(duration(Fr, secs(0)), "0 s");
        assert_eq!(duration(Fr, secs(45)), "45 s");
        assert_eq!(duration(En, secs(59)), "59 s");
        assert_eq!(duration(En, secs(60)), "1 min 00 s");
        assert_eq!(duration(En, secs(200)), "3 min 20 s");
        assert_eq!(duration(Fr, secs(98)), "1 min 38 s");
        assert_eq!(duration(En, secs(3599)), "59 min 59 s");
        assert_eq!(duration(Fr, secs(3600)), "1 h 00 min");
        assert_eq!(duration(Fr, secs(3900)), "1 h 05 min");
        assert_eq!(duration(En, secs(3959)), "1 h 05 min");
        assert_eq!(duration(En, secs(30 * 3600)), "30 h 00 min");
        assert_eq!(duration(En, Duration::from_millis(1999)), "1 s");
    }

    #[test]
    fn memory_in_binary_gigabytes() {
        assert_eq!(memory_size(Fr, 8 << 30), "8 Go");
        assert_eq!(memory_size(En, 8 << 30), "8 GB");
        assert_eq!(memory_size(Fr, 2_040_000_000), "1,9 Go");
        assert_eq!(memory_size(En, 2_040_000_000), "1.9 GB");
    }
}
