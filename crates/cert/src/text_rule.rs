//! The length and character rules a free-text field of a certificate (or of a heartbeat) must
//! meet, and [`check`]/[`clean`] under one rule. Which rule each field follows is [`crate::text`]'s
//! business; this module is the leaf both it and the sections it visits use.

/// How one field may look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// Largest length in characters (Unicode scalar values).
    pub max_chars: usize,
    /// Newline and tab allowed (sentences, device reports).
    pub multiline: bool,
}

/// Identifiers: ids, versions, codes, hex digests.
pub const ID: TextRule = TextRule {
    max_chars: 128,
    multiline: false,
};
/// Names and references a person types or a device reports (donor, model, serial, …).
pub const NAME: TextRule = TextRule {
    max_chars: 256,
    multiline: false,
};
/// Long single values: URLs, raw status bytes in hex.
pub const LONG: TextRule = TextRule {
    max_chars: 8192,
    multiline: false,
};
/// Sentences: reasons, details, device reports, statements.
pub const TEXT: TextRule = TextRule {
    max_chars: 4000,
    multiline: true,
};

/// Whether `c` is a control character this field may not hold.
fn forbidden(c: char, multiline: bool) -> bool {
    let u = c as u32;
    let control = u < 0x20 || u == 0x7f || (0x80..=0x9f).contains(&u);
    control && !(multiline && (c == '\n' || c == '\t'))
}

/// The problem with `value` under `rule`, if any.
pub fn check(value: &str, rule: TextRule) -> Option<String> {
    if let Some((i, c)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| forbidden(*c, rule.multiline))
    {
        return Some(format!(
            "holds the control character U+{:04X} at position {i}{}",
            c as u32,
            if rule.multiline {
                " (only newline and tab are allowed)"
            } else {
                ""
            }
        ));
    }
    let n = value.chars().count();
    if n > rule.max_chars {
        return Some(format!(
            "is {n} characters long; the limit is {}",
            rule.max_chars
        ));
    }
    None
}

/// `value` made acceptable under `rule`: control characters become U+FFFD, and text past the
/// limit is cut (ending with `…`).
pub fn clean(value: &str, rule: TextRule) -> String {
    let mut out: String = value
        .chars()
        .map(|c| {
            if forbidden(c, rule.multiline) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    if out.chars().count() > rule.max_chars {
        out = out.chars().take(rule.max_chars - 1).collect();
        out.push('…');
    }
    out
}
