//! The one translation mechanism of every front end: a table of keys, each with its French and
//! its English text, checked when it compiles.
//!
//! [`texts!`](crate::texts) defines the key enum and both languages together, so a key without
//! its French or its English text does not compile, and a page cannot ask for a key that does not
//! exist. Placeholders are `{0}`, `{1}`…, so a translation may put them in another order;
//! [`placeholders`] lets each table's tests check that both languages use the same ones.

use std::fmt::Display;

/// Defines `enum $name` with one variant per key (documented by its English text) and, on it,
/// `ALL`, `fr()`, `en()` and `get(Language)`.
///
/// ```
/// ardoise_units::texts! {
///     /// A word of the example.
///     pub enum Word {
///         Erased => "effacé", "erased";
///         Disks => "{0} disques", "{0} disks";
///     }
/// }
/// use ardoise_units::Language;
/// assert_eq!(Word::Erased.get(Language::Fr), "effacé");
/// assert_eq!(ardoise_units::fill(Word::Disks.get(Language::En), &[&4]), "4 disks");
/// ```
#[macro_export]
macro_rules! texts {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($key:ident => $fr:expr, $en:expr;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name { $(#[doc = $en] $key,)* }

        impl $name {
            /// Every key (tests walk them).
            pub const ALL: &'static [$name] = &[$($name::$key,)*];

            /// The French text.
            pub fn fr(self) -> &'static str {
                match self { $($name::$key => $fr,)* }
            }

            /// The English text.
            pub fn en(self) -> &'static str {
                match self { $($name::$key => $en,)* }
            }

            /// The text in `lang`.
            pub fn get(self, lang: $crate::Language) -> &'static str {
                lang.pick(self.fr(), self.en())
            }
        }
    };
}

/// Replaces `{n}` in `template` by the n-th argument (unknown indices are left as they are).
pub fn fill(template: &str, args: &[&dyn Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if end > 0 && after[..end].bytes().all(|b| b.is_ascii_digit()) => {
                let idx: usize = after[..end].parse().unwrap_or(usize::MAX);
                match args.get(idx) {
                    Some(a) => out.push_str(&a.to_string()),
                    None => out.push_str(&rest[start..start + end + 2]),
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders a template uses, sorted and without repeats (for the tables' tests).
pub fn placeholders(template: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        if let Some(end) = after.find('}') {
            if let Ok(n) = after[..end].parse::<usize>() {
                out.push(n);
            }
            rest = &after[end + 1..];
        } else {
            break;
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Language;

    crate::texts! {
        enum Sample {
            Plain => "oui", "yes";
            Ordered => "{1} puis {0}", "{0} then {1}";
        }
    }

    #[test]
    fn a_table_gives_each_language_its_text() {
        assert_eq!(Sample::ALL.len(), 2);
        assert_eq!(Sample::Plain.get(Language::Fr), "oui");
        assert_eq!(Sample::Plain.get(Language::En), "yes");
    }

    #[test]
    fn fill_replaces_numbered_placeholders_in_any_order() {
        assert_eq!(fill(Sample::Ordered.fr(), &[&"a", &2]), "2 puis a");
        assert_eq!(fill("{0} % {9}", &[&"x"]), "x % {9}");
        assert_eq!(fill("{a} {", &[&"x"]), "{a} {");
    }

    #[test]
    fn placeholders_are_listed_once_in_order() {
        assert_eq!(placeholders("{1} puis {0} et {1}"), vec![0, 1]);
        assert_eq!(placeholders("sans"), Vec::<usize>::new());
    }
}
