//! Small formatting helpers for human-readable output.

/// Size in decimal units, as drives are sold ("500 GB"): the rule of every other front end.
pub fn human_size(bytes: u64) -> String {
    ardoise_units::size(ardoise_units::Language::En, bytes)
}

/// Truncates to `width` characters (keeps tables aligned on an 80-column console).
pub fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
        out.push('~');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(500_107_862_016), "500 GB");
        assert_eq!(human_size(64 << 20), "67.1 MB");
    }

    #[test]
    fn fitting() {
        assert_eq!(fit("abc", 5), "abc");
        assert_eq!(fit("abcdefgh", 5), "abcd~");
    }
}
