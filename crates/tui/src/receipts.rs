//! How the station's receipts are checked, as the technician must see it: in red when they are
//! not checked at all (`allow_unverified_receipts`), when uploads are refused (no registry
//! key), and when the registry's log was caught misbehaving (the log alarm).

use crate::i18n::{tf, Language, T};

/// How the registry's receipts are checked: anything short of checked is shown in red (machine
/// screen, upload gate).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ReceiptsView {
    /// With the pinned registry key (or no registry at all).
    #[default]
    Checked,
    /// `allow_unverified_receipts = true` and no key.
    Unverified,
    /// Nothing is sent: why (no registry key, unreadable key).
    Halted(String),
    /// The registry's log misbehaved: uploads stopped until the evidence is removed.
    Alarm(String),
}

impl ReceiptsView {
    /// From an upload pass that refused to run ([`ardoise_upload::UploadEvent::Halted`]).
    pub fn from_halt(message: String, alarm: bool) -> ReceiptsView {
        if alarm {
            ReceiptsView::Alarm(message)
        } else {
            ReceiptsView::Halted(message)
        }
    }

    /// The red warning line, when there is one.
    pub fn warning(&self, lang: Language) -> Option<String> {
        match self {
            ReceiptsView::Checked => None,
            ReceiptsView::Unverified => Some(tf(lang, T::ReceiptsUnverified, &[])),
            ReceiptsView::Halted(m) => Some(tf(lang, T::UploadsHalted, &[&crate::fmt::clean(m)])),
            ReceiptsView::Alarm(m) => Some(tf(lang, T::LogAlarm, &[&crate::fmt::clean(m)])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_checked_receipts_have_no_warning() {
        assert_eq!(ReceiptsView::Checked.warning(Language::En), None);
        let w = ReceiptsView::Unverified.warning(Language::En).unwrap();
        assert!(w.contains("NOT checked"), "{w}");
        let w = ReceiptsView::from_halt("forked\x1b[2J".into(), true)
            .warning(Language::Fr)
            .unwrap();
        assert!(w.contains("ALERTE") && !w.contains('\x1b'), "{w}");
    }
}
