//! The glyphs the Linux text console can draw with its built-in font.
//!
//! Without `setfont`, the kernel draws with its VGA font (8x16, or Terminus 16x32 on large
//! framebuffers), both laid out as code page 437, and maps Unicode to it with the default CP437
//! table. So the interface may use ASCII, the CP437 accented letters (é è ê à ç ô û ù î ï ë É
//! Ç, but not À È Ê Ô Œ), box drawing, and the block elements █ ▀ ▄ ▌ ▐ ░ ▒ ▓ — and nothing
//! else: no typographic apostrophe, no ellipsis, no en or em dash, no partial blocks such as ▏.

/// The upper half of code page 437 (0x80-0xFF) as Unicode.
const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

/// Whether `c` can be drawn by the console's default font.
pub fn in_console_font(c: char) -> bool {
    (' '..='~').contains(&c) || CP437_HIGH.contains(c)
}

/// The first character of `s` the console font lacks, if any.
pub fn first_unsupported(s: &str) -> Option<char> {
    s.chars().find(|&c| !in_console_font(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_the_whole_upper_half() {
        assert_eq!(CP437_HIGH.chars().count(), 128);
    }

    #[test]
    fn accents_blocks_and_boxes_but_no_typography() {
        for c in "éèêàçôûùîïëÉÇ█▀▄─│┌┐└┘°".chars() {
            assert!(in_console_font(c), "{c}");
        }
        for c in "’…—–ÀÈÊÔŒœ▏━╭✓→".chars() {
            assert!(!in_console_font(c), "{c}");
        }
        assert_eq!(first_unsupported("l’atelier"), Some('’'));
        assert_eq!(first_unsupported("l'atelier"), None);
    }
}
