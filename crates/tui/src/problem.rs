//! The station's errors as the technician reads them: a sentence in the interface's language
//! that names the setting or the thing to fix, then the program's own words (English, the
//! detail an administrator looks up) on lines of their own.

use ardoise_station::{SettingOrigin, StationError};

use crate::i18n::{t, tf, Language, T};

/// A station error, kept structured so that it can be shown in the language chosen later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// `ardoise.toml` does not parse.
    ConfigUnreadable {
        /// The configuration file.
        path: String,
        /// The parser's message (English).
        detail: String,
    },
    /// A setting a certificate would refuse.
    Setting {
        /// The setting's name, as written in `ardoise.toml`.
        setting: String,
        /// Where its value came from (the file, the kernel command line, a flag, the key, the
        /// setup form).
        origin: SettingOrigin,
        /// Why it is refused (English).
        detail: String,
    },
    /// The key belongs to another station than the configuration names.
    IdentityMismatch {
        /// The workshop the station key was made for.
        key_workshop: String,
        /// The station the key was made for.
        key_station: String,
        /// The workshop `ardoise.toml` names.
        config_workshop: String,
        /// The station `ardoise.toml` names.
        config_station: String,
    },
    /// The certificate of this session would be refused.
    NotCertifiable {
        /// The settings behind the refused fields.
        settings: Vec<String>,
        /// The validator's message (English).
        detail: String,
    },
    /// The data partition cannot hold certificates (missing, full, read-only).
    Storage {
        /// The storage error (English).
        detail: String,
    },
    /// An erase ran but its certificate could not be stored.
    NotStored {
        /// The erasure report was kept, so a certificate can be issued from it at the next start.
        report_kept: bool,
        /// The storage error (English).
        detail: String,
    },
    /// Any other station error.
    Other {
        /// The error (English).
        detail: String,
    },
}

impl Problem {
    /// The problem of a station error, with what the technician must fix picked out.
    pub fn from_station(e: &StationError) -> Problem {
        use ardoise_station::config::ConfigError;
        match e {
            StationError::Config(ConfigError::Invalid { path, message }) => {
                Problem::ConfigUnreadable {
                    path: path.display().to_string(),
                    detail: message.clone(),
                }
            }
            StationError::Config(ConfigError::Setting(s)) | StationError::Setting(s) => {
                Problem::Setting {
                    setting: s.setting.clone(),
                    origin: s.origin.clone(),
                    detail: s.message.clone(),
                }
            }
            StationError::IdentityMismatch {
                key_workshop,
                key_station,
                config_workshop,
                config_station,
                ..
            } => Problem::IdentityMismatch {
                key_workshop: key_workshop.clone(),
                key_station: key_station.clone(),
                config_workshop: config_workshop.clone(),
                config_station: config_station.clone(),
            },
            StationError::NotCertifiable { issues } => {
                let mut settings: Vec<String> = issues
                    .iter()
                    .map(|i| ardoise_station::certify::setting_for_field(&i.path).to_string())
                    .collect();
                settings.dedup();
                Problem::NotCertifiable {
                    settings,
                    detail: e.to_string(),
                }
            }
            StationError::NotStored { report_kept, .. } => Problem::NotStored {
                report_kept: report_kept.is_some(),
                detail: e.to_string(),
            },
            StationError::NotWritable { .. }
            | StationError::NoPersistentStorage
            | StationError::Store { .. } => Problem::Storage {
                detail: e.to_string(),
            },
            other => Problem::Other {
                detail: other.to_string(),
            },
        }
    }

    /// The sentence to show, in `lang`, then the detail's own lines.
    pub fn lines(&self, lang: Language) -> Vec<String> {
        let (head, detail) = match self {
            Problem::ConfigUnreadable { path, detail } => {
                (tf(lang, T::PbConfigUnreadable, &[path]), detail)
            }
            Problem::Setting {
                setting,
                origin,
                detail,
            } => (
                tf(lang, T::PbSetting, &[setting, &origin_text(lang, origin)]),
                detail,
            ),
            Problem::IdentityMismatch {
                key_workshop,
                key_station,
                config_workshop,
                config_station,
            } => (
                tf(
                    lang,
                    T::PbIdentity,
                    &[key_workshop, key_station, config_workshop, config_station],
                ),
                &String::new(),
            ),
            Problem::NotCertifiable { settings, detail } => (
                tf(lang, T::PbNotCertifiable, &[&settings.join(", ")]),
                detail,
            ),
            Problem::Storage { detail } => (t(lang, T::PbStorage).to_string(), detail),
            Problem::NotStored {
                report_kept: true,
                detail,
            } => (t(lang, T::PbNotStoredKept).to_string(), detail),
            Problem::NotStored {
                report_kept: false,
                detail,
            } => (t(lang, T::PbNotStoredLost).to_string(), detail),
            Problem::Other { detail } => (t(lang, T::PbOther).to_string(), detail),
        };
        let mut out = vec![head];
        let detail = strip_ansi(detail);
        let detail_lines: Vec<&str> = detail.lines().filter(|l| !l.trim().is_empty()).collect();
        if !detail_lines.is_empty() {
            out.push(tf(lang, T::PbDetail, &[&detail_lines[0]]));
            out.extend(detail_lines[1..].iter().map(|l| format!("  {l}")));
        }
        out
    }

    /// One line (for the flash and the journal).
    pub fn summary(&self, lang: Language) -> String {
        self.lines(lang).join(" ")
    }
}

fn origin_text(lang: Language, o: &SettingOrigin) -> String {
    match o {
        SettingOrigin::File(p) => tf(lang, T::OriginFile, &[&p.display()]),
        SettingOrigin::KernelCommandLine => t(lang, T::OriginKernel).to_string(),
        SettingOrigin::CommandLine => t(lang, T::OriginCommandLine).to_string(),
        SettingOrigin::Key(p) => tf(lang, T::OriginKey, &[&p.display()]),
        SettingOrigin::SetupForm => t(lang, T::OriginSetupForm).to_string(),
    }
}

/// `s` without ANSI escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL`, two-byte `ESC x`):
/// colour codes a library wrote for a terminal are noise in the journal and on a console log.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for n in chars.by_ref() {
                    if ('@'..='~').contains(&n) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(n) = chars.next() {
                    if n == '\u{7}' || (n == '\u{1b}' && chars.peek() == Some(&'\\')) {
                        if n == '\u{1b}' {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn colour_codes_are_removed() {
        assert_eq!(
            strip_ansi("\u{1b}[2m2026-12-04\u{1b}[0m \u{1b}[33m WARN\u{1b}[0m created a key"),
            "2026-12-04  WARN created a key"
        );
        assert_eq!(strip_ansi("\u{1b}]0;title\u{7}text"), "text");
        assert_eq!(strip_ansi("plain"), "plain");
    }

    #[test]
    fn a_french_screen_says_it_in_french_and_lays_the_detail_out_in_lines() {
        let p = Problem::ConfigUnreadable {
            path: "/data/ardoise.toml".into(),
            detail: "TOML parse error at line 8, column 12\n  |\n8 | workshop = \"\"\n  |            ^^\ninvalid type".into(),
        };
        let fr = p.lines(Language::Fr);
        assert!(
            fr[0].contains("/data/ardoise.toml") && fr[0].contains("configuration"),
            "{fr:?}"
        );
        assert!(
            fr[1].starts_with("Détail (en anglais) : TOML parse error"),
            "{fr:?}"
        );
        assert_eq!(fr.len(), 6, "{fr:?}");
        assert!(fr.iter().all(|l| !l.contains('\n')));
        let s = Problem::Setting {
            setting: "registry.url".into(),
            origin: SettingOrigin::File(PathBuf::from("/data/ardoise.toml")),
            detail: "must be an http(s) base URL".into(),
        };
        let fr = s.lines(Language::Fr);
        assert!(
            fr[0].contains("registry.url") && fr[0].contains("Corrigez"),
            "{fr:?}"
        );
        let en = s.lines(Language::En);
        assert!(
            en[0].contains("registry.url") && en[0].contains("Fix"),
            "{en:?}"
        );
    }
}
