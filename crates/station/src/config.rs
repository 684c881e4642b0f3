//! Station configuration: one TOML file on the data partition (`ardoise.toml`), overridden by
//! `ardoise.*` kernel command-line options, overridden by command-line flags.

use std::path::{Path, PathBuf};

use ardoise_cert::model::Destination;
use serde::{Deserialize, Serialize};

/// File name of the configuration inside the data directory.
pub const CONFIG_FILE: &str = "ardoise.toml";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub workshop: Workshop,
    /// Operators the technician chooses from (pseudonymous ids go into certificates; names
    /// only appear on screen).
    #[serde(default)]
    pub operators: Vec<Operator>,
    #[serde(default)]
    pub registry: Registry,
    #[serde(default)]
    pub ui: Ui,
    #[serde(default)]
    pub policy: Policy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workshop {
    /// Stable identifier of the workshop, e.g. "ressourcerie-caen".
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siret: Option<String>,
    /// This erasure station's name within the workshop.
    pub station: String,
}

impl Default for Workshop {
    fn default() -> Self {
        Workshop {
            id: "unconfigured".into(),
            name: "Atelier non configuré".into(),
            siret: None,
            station: "station-1".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    /// Pseudonymous id written into certificates (the registry's log is permanent: no names).
    pub id: String,
    /// Display name, never written into a certificate.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    /// Base URL of the registry (`https://registre.example.org`); none = offline station.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Registry public key file (for checking receipts), relative to the data directory;
    /// default `keys/registry.pub` when that file exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<PathBuf>,
    /// Send certificates even with no registry key, accepting receipts whose checkpoint
    /// signature is not checked (anyone answering at the URL could drop certificates).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_unverified_receipts: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Fr,
    En,
}

impl Language {
    pub fn parse(s: &str) -> Option<Language> {
        match s.to_ascii_lowercase().as_str() {
            "fr" | "fr_fr" | "french" | "français" => Some(Language::Fr),
            "en" | "en_gb" | "en_us" | "english" => Some(Language::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Ui {
    #[serde(default)]
    pub language: Language,
}

/// How to verify after erasing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VerifyMode {
    /// NIST SP 800-88 §4.7 stratified sampling.
    #[default]
    Sample,
    /// Read every sector back.
    Full,
    /// No read-back (the certificate then says `erased_with_exceptions`).
    None,
}

impl VerifyMode {
    pub fn parse(s: &str) -> Option<VerifyMode> {
        match s {
            "sample" => Some(VerifyMode::Sample),
            "full" => Some(VerifyMode::Full),
            "none" => Some(VerifyMode::None),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VerifyMode::Sample => "sample",
            VerifyMode::Full => "full",
            VerifyMode::None => "none",
        }
    }
}

/// The workshop's erasure policy (its digest goes into every certificate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub id: String,
    /// `auto` or a method id.
    pub method: String,
    pub verify: VerifyMode,
    /// Share of the disk read back by sampled verification, in percent.
    pub sample_coverage_percent: f64,
    /// Offer "power off / next machine" only when every certificate has been uploaded (when a
    /// registry is configured and the network is up).
    pub require_upload: bool,
    /// Share of certificates selected for independent quality control (a second check of the
    /// disk by someone else), in percent, 0-100. R2v3 asks for at least 5 %.
    #[serde(default = "default_qc_sample_percent")]
    pub qc_sample_percent: f64,
    /// Destination written into certificates whose job names none (`reuse`, `parts`,
    /// `recycling`); unset = not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<Destination>,
}

fn default_qc_sample_percent() -> f64 {
    5.0
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            id: "default".into(),
            method: "auto".into(),
            verify: VerifyMode::Sample,
            sample_coverage_percent: 1.0,
            require_upload: true,
            qc_sample_percent: default_qc_sample_percent(),
            disposition: None,
        }
    }
}

impl Policy {
    /// The quality-control sampling rate in parts per million (what `qc.rate_ppm` carries).
    pub fn qc_rate_ppm(&self) -> u32 {
        (self.qc_sample_percent.clamp(0.0, 100.0) * 10_000.0).round() as u32
    }

    /// blake3 of the policy's canonical TOML form: what a certificate commits to.
    pub fn digest(&self) -> String {
        let text = toml::to_string(self).expect("policy serialises");
        blake3::hash(text.as_bytes()).to_hex().to_string()
    }
}

/// What the unattended mode does (`ardoise.auto=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoMode {
    /// Erase every non-protected disk with the policy's method, upload, power off after success.
    Erase,
    /// List the disks as JSON on the console and power off (boot tests).
    List,
}

/// Settings taken from the kernel command line (`ardoise.*`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KernelOptions {
    pub language: Option<Language>,
    pub registry: Option<String>,
    /// `ardoise.registry_key=`: the registry's verifier key (vkey text), or a file holding it.
    pub registry_key: Option<String>,
    pub auto: Option<AutoMode>,
    pub method: Option<String>,
    pub verify: Option<VerifyMode>,
    pub operator: Option<String>,
    pub image_digest: Option<String>,
    /// Options we did not understand (reported, never fatal: a typo must not stop a boot).
    pub unknown: Vec<String>,
}

impl KernelOptions {
    pub fn parse(cmdline: &str) -> KernelOptions {
        let mut k = KernelOptions::default();
        for word in cmdline.split_whitespace() {
            let Some(rest) = word.strip_prefix("ardoise.") else {
                continue;
            };
            let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
            let ok = match key {
                "lang" => Language::parse(value)
                    .map(|l| k.language = Some(l))
                    .is_some(),
                "registry" => {
                    k.registry = Some(value.to_string());
                    !value.is_empty()
                }
                "registry_key" => {
                    k.registry_key = Some(value.to_string());
                    !value.is_empty()
                }
                "auto" => match value {
                    "erase" | "1" | "yes" => {
                        k.auto = Some(AutoMode::Erase);
                        true
                    }
                    "list" => {
                        k.auto = Some(AutoMode::List);
                        true
                    }
                    _ => false,
                },
                "method" => {
                    k.method = Some(value.to_string());
                    !value.is_empty()
                }
                "verify" => VerifyMode::parse(value)
                    .map(|v| k.verify = Some(v))
                    .is_some(),
                "operator" => {
                    k.operator = Some(value.to_string());
                    !value.is_empty()
                }
                "image_digest" => {
                    k.image_digest = Some(value.to_string());
                    !value.is_empty()
                }
                _ => false,
            };
            if !ok {
                k.unknown.push(word.to_string());
            }
        }
        k
    }

    /// Reads /proc/cmdline (empty when unreadable).
    pub fn from_system() -> KernelOptions {
        KernelOptions::parse(&std::fs::read_to_string("/proc/cmdline").unwrap_or_default())
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid configuration: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Loads `ardoise.toml` from the data directory; a missing file gives the defaults.
    pub fn load(data_dir: &Path) -> Result<Config, ConfigError> {
        let path = data_dir.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                Config::parse(&text).map_err(|message| ConfigError::Invalid { path, message })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let cfg: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), String> {
        if !(0.001..=100.0).contains(&self.policy.sample_coverage_percent) {
            return Err(format!(
                "policy.sample_coverage_percent must be between 0.001 and 100, not {}",
                self.policy.sample_coverage_percent
            ));
        }
        if !(0.0..=100.0).contains(&self.policy.qc_sample_percent) {
            return Err(format!(
                "policy.qc_sample_percent must be between 0 and 100, not {}",
                self.policy.qc_sample_percent
            ));
        }
        let mut ids = std::collections::BTreeSet::new();
        for op in &self.operators {
            if op.id.trim().is_empty() {
                return Err(format!("operator {:?} has an empty id", op.name));
            }
            if !ids.insert(&op.id) {
                return Err(format!("operator id {:?} appears twice", op.id));
            }
        }
        if let Some(url) = &self.registry.url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!(
                    "registry.url must start with http:// or https://, not {url:?}"
                ));
            }
        }
        Ok(())
    }

    /// Applies kernel command-line options on top of the file.
    pub fn apply_kernel(&mut self, k: &KernelOptions) {
        if let Some(l) = k.language {
            self.ui.language = l;
        }
        if let Some(r) = &k.registry {
            self.registry.url = Some(r.clone());
        }
        if let Some(m) = &k.method {
            self.policy.method = m.clone();
        }
        if let Some(v) = k.verify {
            self.policy.verify = v;
        }
    }
}

/// Where the station keeps its configuration, key, certificates and outbox: `--data-dir`, then
/// `ARDOISE_DATA_DIR` (set by the live image's init), then `/data` on the live system, then
/// the user's data directory.
pub fn resolve_data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("ARDOISE_DATA_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    if Path::new("/data/ardoise.toml").exists() {
        return PathBuf::from("/data");
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("ardoise")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
[workshop]
id = "ressourcerie-caen"
name = "Ressourcerie de Caen"
station = "poste-2"

[[operators]]
id = "op-7f3a"
name = "Camille"

[[operators]]
id = "op-19c2"
name = "Yanis"

[registry]
url = "https://registre.example.org"

[ui]
language = "en"

[policy]
id = "atelier-2026"
method = "auto"
verify = "full"
sample_coverage_percent = 2.5
require_upload = true
"#;

    #[test]
    fn parses_the_sample_file() {
        let c = Config::parse(SAMPLE).unwrap();
        assert_eq!(c.workshop.station, "poste-2");
        assert_eq!(c.operators.len(), 2);
        assert_eq!(c.ui.language, Language::En);
        assert_eq!(c.policy.verify, VerifyMode::Full);
    }

    #[test]
    fn errors_name_the_problem() {
        let e = Config::parse("[workshop]\nid = 'x'\nname = 'y'\nstation = 'z'\ncolour = 'red'\n")
            .unwrap_err();
        assert!(e.contains("colour"), "{e}");
        let bad_cov = SAMPLE.replace("2.5", "0");
        assert!(Config::parse(&bad_cov)
            .unwrap_err()
            .contains("sample_coverage_percent"));
        let dup = SAMPLE.replace("op-19c2", "op-7f3a");
        assert!(Config::parse(&dup).unwrap_err().contains("twice"));
        let url = SAMPLE.replace("https://registre", "ftp://registre");
        assert!(Config::parse(&url).unwrap_err().contains("registry.url"));
    }

    #[test]
    fn qc_sampling_and_default_disposition() {
        let c = Config::parse(SAMPLE).unwrap();
        assert_eq!(c.policy.qc_sample_percent, 5.0, "5 % when not given");
        assert_eq!(c.policy.qc_rate_ppm(), 50_000);
        assert_eq!(c.policy.disposition, None);
        let with = SAMPLE.replace(
            "require_upload = true\n",
            "require_upload = true\nqc_sample_percent = 12.5\ndisposition = \"parts\"\n",
        );
        let c = Config::parse(&with).unwrap();
        assert_eq!(c.policy.qc_rate_ppm(), 125_000);
        assert_eq!(c.policy.disposition, Some(Destination::Parts));
        for (bad, field) in [
            ("qc_sample_percent = 100.5", "qc_sample_percent"),
            ("qc_sample_percent = -1", "qc_sample_percent"),
            ("disposition = \"landfill\"", "landfill"),
        ] {
            let text = SAMPLE.replace(
                "require_upload = true\n",
                &format!("require_upload = true\n{bad}\n"),
            );
            let e = Config::parse(&text).unwrap_err();
            assert!(e.contains(field), "{bad}: {e}");
        }
        let all = SAMPLE.replace(
            "require_upload = true\n",
            "require_upload = true\nqc_sample_percent = 100\n",
        );
        assert_eq!(Config::parse(&all).unwrap().policy.qc_rate_ppm(), 1_000_000);
        // The sampling rate is part of the policy a certificate commits to.
        let p = Policy {
            qc_sample_percent: 10.0,
            ..Default::default()
        };
        assert_ne!(p.digest(), Policy::default().digest());
    }

    #[test]
    fn kernel_options_override_the_file() {
        let k = KernelOptions::parse(
            "BOOT_IMAGE=/vmlinuz console=ttyS0 ardoise.lang=fr ardoise.registry=http://10.0.2.2:8080 ardoise.auto=erase ardoise.verify=sample ardoise.bogus=1 ardoise.lang=xx",
        );
        assert_eq!(k.language, Some(Language::Fr));
        assert_eq!(k.auto, Some(AutoMode::Erase));
        assert_eq!(k.unknown, vec!["ardoise.bogus=1", "ardoise.lang=xx"]);
        let mut c = Config::parse(SAMPLE).unwrap();
        c.apply_kernel(&k);
        assert_eq!(c.ui.language, Language::Fr);
        assert_eq!(c.registry.url.as_deref(), Some("http://10.0.2.2:8080"));
        assert_eq!(c.policy.verify, VerifyMode::Sample);
    }

    #[test]
    fn missing_file_gives_defaults_and_policy_digest_is_stable() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load(dir.path()).unwrap();
        assert_eq!(c.ui.language, Language::Fr, "French by default");
        assert_eq!(c.policy.digest(), Policy::default().digest());
        let p = Policy {
            verify: VerifyMode::Full,
            ..Default::default()
        };
        assert_ne!(p.digest(), Policy::default().digest());
    }
}
