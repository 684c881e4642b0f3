//! Station configuration: one TOML file on the data partition (`ardoise.toml`), overridden by
//! `ardoise.*` kernel command-line options, overridden by command-line flags.

use std::path::{Path, PathBuf};

use ardoise_cert::payload::Destination;
use ardoise_cert::validate::{is_id, is_pseudonym, is_station_name, ID_RULE};
use serde::{Deserialize, Serialize};

/// File name of the configuration inside the data directory.
pub const CONFIG_FILE: &str = "ardoise.toml";

/// The station's settings, from `ardoise.toml` in the data directory; every section may be
/// omitted (a missing file gives the demonstration station).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Who issues the certificates: the workshop and this station's name in it.
    #[serde(default)]
    pub workshop: Workshop,
    /// Operators the technician chooses from (pseudonymous ids go into certificates; names
    /// only appear on screen).
    #[serde(default)]
    pub operators: Vec<Operator>,
    /// Where certificates are sent, and how receipts are checked.
    #[serde(default)]
    pub registry: Registry,
    /// Interface preferences.
    #[serde(default)]
    pub ui: Ui,
    /// The erasure policy: method, verification, quality control.
    #[serde(default)]
    pub policy: Policy,
    /// How machines are graded for reuse (the suggested destination).
    #[serde(default)]
    pub reuse: crate::reuse::ReusePolicy,
}

/// The workshop running the station (the certificate's `issuer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workshop {
    /// Stable identifier of the workshop, e.g. "ressourcerie-caen".
    pub id: String,
    /// The workshop's human name (`issuer.workshop_name` in certificates).
    pub name: String,
    /// The workshop's French SIRET (14 digits), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siret: Option<String>,
    /// This erasure station's name within the workshop.
    pub station: String,
}

/// Workshop id of a station that no workshop has set up (no `[workshop]` in ardoise.toml):
/// its certificates say so in `issuer`, and its TUI says so in the header.
pub const DEMO_WORKSHOP_ID: &str = "demonstration";
/// Station id of the demonstration station.
pub const DEMO_STATION_ID: &str = "demo";

impl Default for Workshop {
    fn default() -> Self {
        Workshop {
            id: DEMO_WORKSHOP_ID.into(),
            name: "DÉMONSTRATION – station non configurée (demonstration station, not configured)"
                .into(),
            siret: None,
            station: DEMO_STATION_ID.into(),
        }
    }
}

impl Workshop {
    /// Whether this is the demonstration identity rather than a workshop's.
    pub fn is_demo(&self) -> bool {
        self.id == DEMO_WORKSHOP_ID
    }
}

/// An operator the technician can choose on screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    /// Pseudonymous id written into certificates (the registry's log is permanent: no names).
    pub id: String,
    /// Display name, never written into a certificate.
    pub name: String,
}

/// The transparency registry that receives certificates (`[registry]`).
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

/// The interface language (`[ui] language = "fr"`): the one every front end shares.
pub use ardoise_units::Language;

/// Interface settings (`[ui]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Ui {
    /// The language every front end shows (certificates stay in English).
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
    /// Parses a setting's value (`sample`, `full`, `none`); `None` for anything else.
    pub fn parse(s: &str) -> Option<VerifyMode> {
        match s {
            "sample" => Some(VerifyMode::Sample),
            "full" => Some(VerifyMode::Full),
            "none" => Some(VerifyMode::None),
            _ => None,
        }
    }

    /// The setting's value as written in `ardoise.toml` and on the command line.
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
    /// The policy's identifier, written in certificates beside its digest.
    pub id: String,
    /// `auto` or a method id.
    pub method: String,
    /// How the disk is read back after erasing.
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
    /// `ardoise.lang=`: the interface language.
    pub language: Option<Language>,
    /// `ardoise.registry=`: the registry URL, overriding the file's.
    pub registry: Option<String>,
    /// `ardoise.registry_key=`: the registry's verifier key (vkey text), or a file holding it.
    pub registry_key: Option<String>,
    /// `ardoise.auto=`: run unattended (`erase`, or `list` for boot tests).
    pub auto: Option<AutoMode>,
    /// `ardoise.method=`: the erasure method (`auto` or a method id), overriding the policy's.
    pub method: Option<String>,
    /// `ardoise.verify=`: the verification mode, overriding the policy's.
    pub verify: Option<VerifyMode>,
    /// `ardoise.operator=`: the operator id an unattended run (`ardoise.auto=erase`) writes into
    /// its certificates (default "auto"); the terminal UI asks the technician instead.
    pub operator: Option<String>,
    /// `ardoise.image_digest=`: `sha256:<hex>` of the booted image, set by the image's boot
    /// configuration.
    pub image_digest: Option<String>,
    /// Options we did not understand (reported, never fatal: a typo must not stop a boot).
    pub unknown: Vec<String>,
}

impl KernelOptions {
    /// Reads the `ardoise.*` words of a kernel command line; other words are ignored, and
    /// `ardoise.*` words that are unknown or have an invalid value go to `unknown`.
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

/// Where a setting came from: what a technician must edit to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingOrigin {
    /// `ardoise.toml` on the data partition.
    File(PathBuf),
    /// An `ardoise.*` option on the kernel command line (`boot/boot.cfg` on the stick, or the
    /// PXE configuration).
    KernelCommandLine,
    /// A flag of the command that was run.
    CommandLine,
    /// The station key and the identity `ardoise keygen` bound to it.
    Key(PathBuf),
    /// The first-run setup form of the interface.
    SetupForm,
}

impl std::fmt::Display for SettingOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingOrigin::File(p) => write!(f, "in {}", p.display()),
            SettingOrigin::KernelCommandLine => f.write_str("on the kernel command line"),
            SettingOrigin::CommandLine => f.write_str("on the command line"),
            SettingOrigin::Key(p) => write!(f, "bound to the station key {}", p.display()),
            SettingOrigin::SetupForm => f.write_str("in the setup form"),
        }
    }
}

/// A setting that a certificate would refuse, named, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("setting {setting} {origin}: {message}")]
pub struct SettingError {
    /// The setting's name as the file writes it (`registry.url`, `workshop.id`, …).
    pub setting: String,
    /// Where the value came from, so the technician knows what to edit.
    pub origin: SettingOrigin,
    /// What is wrong with the value.
    pub message: String,
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The configuration file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for a `Config` (unknown key, wrong type, bad syntax).
    #[error("{path} is not a valid configuration: {message}")]
    Invalid {
        /// The configuration file.
        path: PathBuf,
        /// What the TOML parser refused (unknown key, wrong type, syntax), with where.
        message: String,
    },
    /// A value is well formed but a certificate would refuse it.
    #[error(transparent)]
    Setting(#[from] SettingError),
}

impl Config {
    /// Loads `ardoise.toml` from the data directory; a missing file gives the defaults (a
    /// demonstration station).
    pub fn load(data_dir: &Path) -> Result<Config, ConfigError> {
        let path = data_dir.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse_from(&text, SettingOrigin::File(path.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Parses and checks a configuration text (settings normalised, see [`Config::normalize`]).
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse_from(text, SettingOrigin::File(PathBuf::from(CONFIG_FILE)))
    }

    fn parse_from(text: &str, origin: SettingOrigin) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: match &origin {
                SettingOrigin::File(p) => p.clone(),
                _ => PathBuf::from(CONFIG_FILE),
            },
            message: e.to_string(),
        })?;
        cfg.normalize();
        cfg.check(&origin)?;
        Ok(cfg)
    }

    /// Whether no workshop is configured: certificates then name the demonstration station.
    pub fn is_demo(&self) -> bool {
        self.workshop.is_demo()
    }

    /// The harmless normalisations: a registry URL loses its trailing slashes, an empty one
    /// means none.
    pub fn normalize(&mut self) {
        self.registry.url = self
            .registry
            .url
            .as_deref()
            .map(ardoise_cert::validate::normalize_registry_url)
            .filter(|u| !u.is_empty());
    }

    /// Checks every setting that goes into a certificate with the certificate's own rules, and
    /// the policy's ranges. `origin` says where the settings came from, for the error.
    pub fn check(&self, origin: &SettingOrigin) -> Result<(), SettingError> {
        let refuse = |setting: &str, message: String| SettingError {
            setting: setting.into(),
            origin: origin.clone(),
            message,
        };
        let w = &self.workshop;
        // The registry's rule for ids (one definition, in ardoise-cert). A PXE station's id
        // may be `base-*`: each boot signs as `base-<boot id>`.
        for (setting, value, ok) in [
            ("workshop.id", &w.id, is_id(&w.id)),
            ("workshop.station", &w.station, is_station_name(&w.station)),
        ] {
            if !ok {
                return Err(refuse(
                    setting,
                    format!(
                        "{value:?} must be {ID_RULE}: the registry registers keys under such ids"
                    ),
                ));
            }
        }
        if w.name.trim().is_empty() {
            return Err(refuse("workshop.name", "must not be empty".into()));
        }
        if let Some(url) = &self.registry.url {
            ardoise_cert::validate::check_registry_url(url)
                .map_err(|e| refuse("registry.url", e.to_string()))?;
        }
        let p = &self.policy;
        if p.id.trim().is_empty() {
            return Err(refuse("policy.id", "must not be empty".into()));
        }
        if p.method != "auto" && ardoise_erase::method::Method::from_id(&p.method).is_none() {
            return Err(refuse(
                "policy.method",
                format!(
                    "{:?} is neither \"auto\" nor a method id of `ardoise methods`",
                    p.method
                ),
            ));
        }
        if !(0.001..=100.0).contains(&p.sample_coverage_percent) {
            return Err(refuse(
                "policy.sample_coverage_percent",
                format!(
                    "must be between 0.001 and 100, not {}",
                    p.sample_coverage_percent
                ),
            ));
        }
        if !(0.0..=100.0).contains(&p.qc_sample_percent) {
            return Err(refuse(
                "policy.qc_sample_percent",
                format!("must be between 0 and 100, not {}", p.qc_sample_percent),
            ));
        }
        self.reuse
            .check()
            .map_err(|(setting, message)| refuse(&setting, message))?;
        let mut ids = std::collections::BTreeSet::new();
        for op in &self.operators {
            if !is_pseudonym(&op.id) {
                return Err(refuse(
                    "operators.id",
                    format!("operator {:?}: id {:?} must be a pseudonym of 1-64 characters from A-Z a-z 0-9 . _ - (no names: certificates are permanent)", op.name, op.id),
                ));
            }
            if !ids.insert(&op.id) {
                return Err(refuse(
                    "operators.id",
                    format!("operator id {:?} appears twice", op.id),
                ));
            }
        }
        Ok(())
    }

    /// Applies kernel command-line options on top of the file, normalised and checked like
    /// the file's own settings.
    pub fn apply_kernel(&mut self, k: &KernelOptions) -> Result<(), SettingError> {
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
        self.normalize();
        self.check(&SettingOrigin::KernelCommandLine)
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
            .unwrap_err()
            .to_string();
        assert!(e.contains("colour"), "{e}");
        let bad_cov = SAMPLE.replace("2.5", "0");
        assert!(Config::parse(&bad_cov)
            .unwrap_err()
            .to_string()
            .contains("sample_coverage_percent"));
        let dup = SAMPLE.replace("op-19c2", "op-7f3a");
        assert!(Config::parse(&dup)
            .unwrap_err()
            .to_string()
            .contains("twice"));
        let url = SAMPLE.replace("https://registre", "ftp://registre");
        assert!(Config::parse(&url)
            .unwrap_err()
            .to_string()
            .contains("registry.url"));
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
            let e = Config::parse(&text).unwrap_err().to_string();
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
        c.apply_kernel(&k).unwrap();
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

    /// The file `make image` puts on every stick, exactly as shipped.
    const SHIPPED: &str = include_str!("../../../image/data/ardoise.toml");

    #[test]
    fn the_shipped_file_is_a_valid_demonstration_station() {
        let c = Config::parse(SHIPPED).unwrap_or_else(|e| panic!("image/data/ardoise.toml: {e}"));
        assert!(
            c.is_demo(),
            "a new stick is a demonstration station until set up"
        );
        assert_eq!(c.ui.language, Language::Fr);
        assert_eq!(c.registry.url, None);
        // Every commented example in the file, uncommented, is valid too.
        let uncommented: String = SHIPPED
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|r| looks_like_toml(r))
                    .unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let c = Config::parse(&uncommented)
            .unwrap_or_else(|e| panic!("uncommented examples: {e}\n{uncommented}"));
        assert!(!c.is_demo());
        assert!(c.registry.url.is_some() && !c.operators.is_empty());
    }

    fn looks_like_toml(line: &str) -> bool {
        line.starts_with('[')
            || line
                .split_once(" = ")
                .is_some_and(|(k, _)| !k.contains(' '))
    }

    #[test]
    fn registry_urls_are_normalised_or_refused_at_start() {
        for given in [
            "http://10.0.2.100/",
            "http://10.0.2.100",
            "http://10.0.2.100//",
        ] {
            let c = Config::parse(&format!("[registry]\nurl = \"{given}\"\n")).unwrap();
            assert_eq!(c.registry.url.as_deref(), Some("http://10.0.2.100"));
            let mut k = Config::default();
            k.apply_kernel(&KernelOptions::parse(&format!("ardoise.registry={given}")))
                .unwrap();
            assert_eq!(k.registry.url.as_deref(), Some("http://10.0.2.100"));
        }
        assert_eq!(
            Config::parse("[registry]\nurl = \"\"\n")
                .unwrap()
                .registry
                .url,
            None
        );
        let e = Config::parse("[registry]\nurl = \"https://h/?x=1\"\n").unwrap_err();
        assert!(
            matches!(&e, ConfigError::Setting(s) if s.setting == "registry.url"),
            "{e}"
        );
        let e = Config::default()
            .apply_kernel(&KernelOptions::parse(
                "ardoise.registry=registre.example.org",
            ))
            .unwrap_err();
        assert_eq!(e.setting, "registry.url");
        assert_eq!(e.origin, SettingOrigin::KernelCommandLine);
    }

    #[test]
    fn identifiers_that_a_certificate_refuses_are_refused_at_start() {
        for (bad, setting) in [
            ("[workshop]\nid = \"Ressourcerie de Caen\"\nname = \"x\"\nstation = \"p1\"\n", "workshop.id"),
            ("[workshop]\nid = \"caen\"\nname = \" \"\nstation = \"p1\"\n", "workshop.name"),
            ("[workshop]\nid = \"caen\"\nname = \"x\"\nstation = \"poste 1\"\n", "workshop.station"),
            ("[workshop]\nid = \"Caen\"\nname = \"x\"\nstation = \"p1\"\n", "workshop.id"),
            ("[workshop]\nid = \"caen\"\nname = \"x\"\nstation = \"poste_1\"\n", "workshop.station"),
            ("[[operators]]\nid = \"Camille Martin\"\nname = \"Camille\"\n", "operators.id"),
            ("[policy]\nid = \"p\"\nmethod = \"shred\"\nverify = \"sample\"\nsample_coverage_percent = 1\nrequire_upload = true\n", "policy.method"),
        ] {
            match Config::parse(bad) {
                Err(ConfigError::Setting(s)) => assert_eq!(s.setting, setting, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
