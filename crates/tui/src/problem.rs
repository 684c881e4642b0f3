//! The station's errors as the technician reads them: a sentence in the interface's language
//! that names the setting or the thing to fix, then the program's own words (English, the
//! detail an administrator looks up) on lines of their own.

use ardoise_disk::{OpenDiskError, ProtectionReason};
use ardoise_erase::job::RefusedWhy;
use ardoise_erase::plan::PlanError;
use ardoise_station::provision::ProvisionError;
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
    /// The setup names a registry without the registry's key.
    RegistryKeyMissing,
    /// The registry key given in the setup is not a verifier key.
    RegistryKeyInvalid {
        /// The parser's message (English).
        detail: String,
    },
    /// The registry key file named in the setup could not be read.
    RegistryKeyUnreadable {
        /// The file.
        path: String,
        /// The I/O error (English).
        detail: String,
    },
    /// The stick already holds the signing key of another station.
    OtherIdentity {
        /// The workshop the stick's key was made for.
        workshop: String,
        /// The station the stick's key was made for.
        station: String,
    },
    /// A file of the data partition could not be read or written during the setup.
    SetupFile {
        /// The file, relative to the data partition.
        path: String,
        /// The I/O error (English).
        detail: String,
    },
    /// The station key on the data partition could not be read or created during the setup.
    SetupKey {
        /// The key error (English).
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

    /// The problem of a refused first-run setup, each cause with its own sentence.
    pub fn from_provision(e: &ProvisionError) -> Problem {
        use ardoise_station::config::ConfigError;
        match e {
            ProvisionError::Config(ConfigError::Setting(s)) => Problem::Setting {
                setting: s.setting.clone(),
                origin: SettingOrigin::SetupForm,
                detail: s.message.clone(),
            },
            ProvisionError::RegistryKeyMissing => Problem::RegistryKeyMissing,
            ProvisionError::RegistryKey(detail) => Problem::RegistryKeyInvalid {
                detail: detail.clone(),
            },
            ProvisionError::OtherIdentity { workshop, station } => Problem::OtherIdentity {
                workshop: workshop.clone(),
                station: station.clone(),
            },
            ProvisionError::Io { path, error } => Problem::SetupFile {
                path: path.clone(),
                detail: error.to_string(),
            },
            ProvisionError::Key(k) => Problem::SetupKey {
                detail: k.to_string(),
            },
            // What set-up wrote does not read back (an unreadable file cannot reach here:
            // set-up replaces it): nothing a technician can fix from the form.
            ProvisionError::Config(c) => Problem::Other {
                detail: c.to_string(),
            },
        }
    }

    /// Whether the first-run setup can fix it: the configuration file cannot be read, or one
    /// of its settings is refused (the setup writes a new file).
    pub fn setup_fixes(&self) -> bool {
        match self {
            Problem::ConfigUnreadable { .. } => true,
            Problem::Setting { origin, .. } => matches!(origin, SettingOrigin::File(_)),
            _ => false,
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
            Problem::NotCertifiable { settings, detail } => {
                let names: Vec<String> = settings.iter().map(|s| setting_name(lang, s)).collect();
                (tf(lang, T::PbNotCertifiable, &[&names.join(", ")]), detail)
            }
            Problem::Storage { detail } => (t(lang, T::PbStorage).to_string(), detail),
            Problem::NotStored {
                report_kept: true,
                detail,
            } => (t(lang, T::PbNotStoredKept).to_string(), detail),
            Problem::NotStored {
                report_kept: false,
                detail,
            } => (t(lang, T::PbNotStoredLost).to_string(), detail),
            Problem::RegistryKeyMissing => {
                (t(lang, T::PbRegistryKeyMissing).to_string(), &String::new())
            }
            Problem::RegistryKeyInvalid { detail } => {
                (t(lang, T::PbRegistryKeyInvalid).to_string(), detail)
            }
            Problem::RegistryKeyUnreadable { path, detail } => {
                (tf(lang, T::PbRegistryKeyUnreadable, &[path]), detail)
            }
            Problem::OtherIdentity { workshop, station } => (
                tf(lang, T::PbOtherIdentity, &[workshop, station]),
                &String::new(),
            ),
            Problem::SetupFile { path, detail } => (tf(lang, T::PbSetupFile, &[path]), detail),
            Problem::SetupKey { detail } => (t(lang, T::PbSetupKey).to_string(), detail),
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

/// Why an erase job was refused before anything was written, kept typed so that it is said in
/// the interface's language; the program's own words (English) follow in parentheses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The disk is protected (the boot stick, a mounted disk…).
    Protected {
        /// Why, as discovery found it.
        reasons: Vec<ProtectionReason>,
    },
    /// The exclusive open failed: mounted or held by another program.
    Busy {
        /// The open's error (English).
        detail: String,
    },
    /// The disk or its command layer could not be opened.
    CannotOpen {
        /// The open's error (English).
        detail: String,
    },
    /// The drive does not support the method chosen.
    Unsupported {
        /// The method's id.
        method: String,
        /// Why, in the planner's words (English).
        detail: String,
    },
    /// No method has this id.
    UnknownMethod {
        /// The id asked for.
        method: String,
    },
    /// No erase method is possible on this drive.
    NothingAvailable {
        /// The planner's reasons (English).
        detail: String,
    },
    /// The drive's own size is smaller than the block device's: not the disk it seems.
    SizeMismatch {
        /// What the drive reports, bytes.
        drive_bytes: u64,
        /// What the kernel shows, bytes.
        kernel_bytes: u64,
    },
    /// The disk behind the name, or the drive answering, is not the one confirmed.
    NotConfirmed {
        /// Each identifying field that differs (English).
        differences: String,
    },
    /// The station refused to start the job (the certificate could not be signed or stored).
    Station(Problem),
}

impl Refusal {
    /// The refusal of a failed open.
    pub fn from_open(e: &OpenDiskError) -> Refusal {
        match e {
            OpenDiskError::Protected { reasons, .. } => Refusal::Protected {
                reasons: reasons.clone(),
            },
            OpenDiskError::Open(ardoise_disk::block::OpenError::Busy(_)) => Refusal::Busy {
                detail: e.to_string(),
            },
            OpenDiskError::NotConfirmed { differences, .. } => Refusal::NotConfirmed {
                differences: differences.join("; "),
            },
            other => Refusal::CannotOpen {
                detail: other.to_string(),
            },
        }
    }

    /// The refusal of a job the engine would not prepare.
    pub fn from_prepare(e: &RefusedWhy) -> Refusal {
        match e {
            RefusedWhy::NotConfirmed(d) => Refusal::NotConfirmed {
                differences: d.join("; "),
            },
            RefusedWhy::Plan(PlanError::Unsupported { method, reason }) => Refusal::Unsupported {
                method: method.clone(),
                detail: reason.clone(),
            },
            RefusedWhy::Plan(PlanError::UnknownMethod(m)) => {
                Refusal::UnknownMethod { method: m.clone() }
            }
            RefusedWhy::Plan(PlanError::NothingAvailable(d)) => {
                Refusal::NothingAvailable { detail: d.clone() }
            }
            RefusedWhy::Plan(PlanError::DriveSmallerThanKernel {
                drive_bytes,
                kernel_bytes,
            }) => Refusal::SizeMismatch {
                drive_bytes: *drive_bytes,
                kernel_bytes: *kernel_bytes,
            },
        }
    }

    /// One line in `lang`: the reason in words, then the English detail in parentheses.
    pub fn text(&self, lang: Language) -> String {
        let with = |head: String, detail: &str| {
            let detail = strip_ansi(detail);
            let detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
            if detail.is_empty() {
                head
            } else {
                tf(lang, T::RefDetail, &[&head, &detail])
            }
        };
        match self {
            Refusal::Protected { reasons } => {
                let mut words: Vec<String> = Vec::new();
                for r in reasons {
                    let w = crate::wording::protection_label(lang, r);
                    if !words.contains(&w) {
                        words.push(w);
                    }
                }
                tf(lang, T::RefProtected, &[&words.join("; ")])
            }
            Refusal::Busy { detail } => with(t(lang, T::RefBusy).into(), detail),
            Refusal::CannotOpen { detail } => with(t(lang, T::RefOpen).into(), detail),
            Refusal::Unsupported { method, detail } => with(
                tf(
                    lang,
                    T::RefUnsupported,
                    &[&crate::wording::method_id_label(lang, method)],
                ),
                detail,
            ),
            Refusal::UnknownMethod { method } => {
                tf(lang, T::RefUnknownMethod, &[&crate::fmt::clean(method)])
            }
            Refusal::NothingAvailable { detail } => with(t(lang, T::RefNothing).into(), detail),
            Refusal::SizeMismatch {
                drive_bytes,
                kernel_bytes,
            } => tf(
                lang,
                T::RefSizes,
                &[
                    &crate::fmt::size(lang, *drive_bytes),
                    &crate::fmt::size(lang, *kernel_bytes),
                ],
            ),
            Refusal::NotConfirmed { differences } => tf(lang, T::NotConfirmedDisk, &[differences]),
            Refusal::Station(p) => p.summary(lang),
        }
    }
}

/// A setting as `ardoise_station::certify::setting_for_field` names it, in `lang`: the
/// settings of `ardoise.toml` keep their written name (`workshop.id`), what the technician
/// enters or the station records is said in words.
pub fn setting_name(lang: Language, setting: &str) -> String {
    let k = match setting {
        "station key" => T::SetStationKey,
        "operator" => T::SetOperator,
        "asset tag" => T::SetAssetTag,
        "destination" => T::SetDestination,
        "policy" => T::SetPolicy,
        "donor / lot" => T::SetDonorLot,
        "image record" => T::SetImageRecord,
        "machine inventory" => T::SetMachineInventory,
        "disk record" => T::SetDiskRecord,
        other => return crate::fmt::clean(other),
    };
    t(lang, k).to_string()
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
