//! Making a stick a workshop's: the one place that writes a station's identity, key, registry
//! pinning and configuration onto a data partition. `ardoise provision` (from a host, on an
//! image file or a stick) and the TUI's first-run setup (on the live system's `/data`) both
//! call [`set_up`]; they differ only in how they reach the partition ([`DataVolume`]).
//!
//! Order of writes: the key files first, the registry key, then `ardoise.toml` last — a cut
//! in between leaves a demonstration station whose next setup finishes the job, never a
//! configured station without its key.

use std::path::{Path, PathBuf};

use ardoise_cert::keygen::KeyTexts;
use ardoise_cert::keys::{StationKey, PUBLIC_FILE, SECRET_FILE, TRUST_FILE};
use ardoise_cert::note::NoteVerifier;
use ardoise_cert::trust::TrustFile;

use crate::config::{
    Config, ConfigError, Language, Operator, SettingOrigin, Workshop, CONFIG_FILE, DEMO_WORKSHOP_ID,
};
use crate::KEY_DIR;

/// Where the registry's verifier key is kept on the data partition (`registry.key_file`).
pub const REGISTRY_KEY_FILE: &str = "keys/registry.pub";

/// What set-up needs of a data partition: whole-file reads and writes by `/`-separated path.
pub trait DataVolume {
    /// The file's bytes, `None` when it does not exist.
    fn read(&mut self, path: &str) -> std::io::Result<Option<Vec<u8>>>;
    /// Creates or replaces the file (and its parent directories) durably; `secret` files are
    /// readable by their owner only where the file system has modes.
    fn write(&mut self, path: &str, bytes: &[u8], secret: bool) -> std::io::Result<()>;
    /// Entries of a directory (name, is a directory); empty when it does not exist.
    fn list(&mut self, dir: &str) -> std::io::Result<Vec<(String, bool)>>;
    /// Removes a file or an empty directory.
    fn remove(&mut self, path: &str) -> std::io::Result<()>;
}

/// A data partition reached as a mounted directory (the live system's `/data`, tests).
pub struct DirVolume(pub PathBuf);

impl DataVolume for DirVolume {
    fn read(&mut self, path: &str) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.0.join(path)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn write(&mut self, path: &str, bytes: &[u8], secret: bool) -> std::io::Result<()> {
        let p = self.0.join(path);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)?;
        }
        ardoise_cert::station_store::write_atomic(&p, bytes)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        if secret {
            use std::os::unix::fs::PermissionsExt;
            // FAT has no modes (the mount options set them): not an error there.
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
        }
        Ok(())
    }

    fn list(&mut self, dir: &str) -> std::io::Result<Vec<(String, bool)>> {
        match std::fs::read_dir(self.0.join(dir)) {
            Ok(entries) => entries
                .map(|e| {
                    let e = e?;
                    Ok((
                        e.file_name().to_string_lossy().into_owned(),
                        e.file_type()?.is_dir(),
                    ))
                })
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    fn remove(&mut self, path: &str) -> std::io::Result<()> {
        let p = self.0.join(path);
        if p.is_dir() {
            std::fs::remove_dir(&p)
        } else {
            std::fs::remove_file(&p)
        }
    }
}

/// What a workshop decides for one station.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// The workshop and this station's name in it: the identity bound to the station key.
    pub workshop: Workshop,
    /// The registry (`None`: an offline station; certificates stay on the stick).
    pub registry_url: Option<String>,
    /// The registry's verifier key (the vkey line `ardoise-registry key --show` prints).
    pub registry_key: Option<String>,
    /// Operators to offer (replace the file's list when not empty).
    pub operators: Vec<Operator>,
    /// The interface language; `None` keeps the existing configuration's.
    pub language: Option<Language>,
    /// Make a new key even if the partition holds one for another identity (the old one and
    /// its certificates are archived).
    pub replace_key: bool,
}

/// What set-up did, and what the registry's administrator needs.
#[derive(Debug, Clone)]
pub struct SetupOutcome {
    /// The station key's id (BLAKE3 hex of its public key).
    pub key_id: String,
    /// The station's public key in base64.
    pub public_base64: String,
    /// The key's trust entry (for the network's trust file).
    pub trust_toml: String,
    /// `station.pub` as written on the partition.
    pub public_file: String,
    /// Whether the partition's existing key (same identity) was kept.
    pub key_kept: bool,
    /// Where earlier keys and certificates were moved (`archive/…`).
    pub archived: Option<String>,
    /// The `not_before` of the key's trust entry (RFC 3339).
    pub not_before: String,
    /// Why the partition's earlier `ardoise.toml` could not be read and was replaced.
    pub replaced_invalid_config: Option<String>,
    /// The workshop id the key was made for.
    pub workshop: String,
    /// The station id within the workshop.
    pub station: String,
}

impl SetupOutcome {
    /// The command that registers this station's key on the registry.
    pub fn registry_command(&self) -> String {
        format!(
            "ardoise-registry station add --db <DB> --workshop {} --station {} --key-id {} --public-key {} --not-before {}",
            self.workshop, self.station, self.key_id, self.public_base64, self.not_before
        )
    }
}

/// Why a station could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// A file of the partition could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file, as shown to the user.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The existing `ardoise.toml` or the new settings are invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The registry key given is not a verifier key; holds the parser's message.
    #[error(
        "the registry key is not a verifier key as `ardoise-registry key --show` prints it ({0})"
    )]
    RegistryKey(String),
    /// A registry URL was given without the registry's key.
    #[error("a registry URL needs the registry's key (`ardoise-registry key --show` on the registry) so that the station can check its receipts")]
    RegistryKeyMissing,
    /// The partition's key belongs to another identity and no new key was asked for.
    #[error("the partition holds the key of workshop {workshop:?} station {station:?}; to give it another identity, ask for a new key explicitly (its old key and certificates are then archived)")]
    OtherIdentity {
        /// The workshop named in the partition's key.
        workshop: String,
        /// The station named in the partition's key.
        station: String,
    },
    /// The partition's station key could not be read or created.
    #[error("the partition's station key: {0}")]
    Key(#[from] ardoise_cert::keys::KeyError),
}

fn io(path: &str) -> impl FnOnce(std::io::Error) -> ProvisionError + '_ {
    move |error| ProvisionError::Io {
        path: path.to_string(),
        error,
    }
}

/// Checks every setting of `setup` with the rules [`set_up`] applies — identity, registry URL
/// (normalised first), the registry's key — without reading or writing any partition: what
/// `ardoise provision` runs before it opens, let alone writes, its target.
pub fn check_setup(setup: &Setup) -> Result<(), ProvisionError> {
    let config = configured(None, setup)?;
    registry_key(&config, setup)?;
    Ok(())
}

/// Sets up the station on `vol`: identity, key, registry URL and key, configuration.
pub fn set_up(vol: &mut dyn DataVolume, setup: &Setup) -> Result<SetupOutcome, ProvisionError> {
    let (existing, replaced_invalid) = read_config(vol)?;
    let config = configured(existing.as_ref(), setup)?;
    let registry_key = registry_key(&config, setup)?;
    let (key, archived) = station_key(vol, setup)?;
    if let Some(k) = &key.new_texts {
        let dir = KEY_DIR;
        vol.write(&format!("{dir}/{SECRET_FILE}"), k.secret.as_bytes(), true)
            .map_err(io(SECRET_FILE))?;
        vol.write(&format!("{dir}/{PUBLIC_FILE}"), k.public.as_bytes(), false)
            .map_err(io(PUBLIC_FILE))?;
        vol.write(&format!("{dir}/{TRUST_FILE}"), k.trust.as_bytes(), false)
            .map_err(io(TRUST_FILE))?;
    }
    if let Some(k) = &registry_key {
        vol.write(REGISTRY_KEY_FILE, format!("{k}\n").as_bytes(), false)
            .map_err(io(REGISTRY_KEY_FILE))?;
    }
    let text = render_config(&config);
    // What is written must be what the station will read.
    let reread = Config::parse(&text)?;
    debug_assert_eq!(reread.workshop, config.workshop);
    vol.write(CONFIG_FILE, text.as_bytes(), false)
        .map_err(io(CONFIG_FILE))?;
    Ok(SetupOutcome {
        key_id: key.key_id,
        public_base64: key.public_base64,
        trust_toml: key.trust,
        public_file: key.public,
        key_kept: key.new_texts.is_none(),
        archived,
        not_before: key.not_before,
        replaced_invalid_config: replaced_invalid,
        workshop: config.workshop.id.clone(),
        station: config.workshop.station.clone(),
    })
}

/// The registry's verifier key as it will be written (`None` for an offline station); a URL
/// without a key, or a key that is not one, is refused.
fn registry_key(config: &Config, setup: &Setup) -> Result<Option<String>, ProvisionError> {
    match (&config.registry.url, &setup.registry_key) {
        (Some(_), None) => Err(ProvisionError::RegistryKeyMissing),
        (_, Some(k)) => Ok(Some(
            NoteVerifier::from_vkey(k.trim())
                .map_err(|e| ProvisionError::RegistryKey(e.to_string()))?
                .to_vkey(),
        )),
        (None, None) => Ok(None),
    }
}

/// The partition's configuration, if any; one the station cannot read is replaced (its
/// problem is returned so that the caller can say so).
fn read_config(
    vol: &mut dyn DataVolume,
) -> Result<(Option<Config>, Option<String>), ProvisionError> {
    match vol.read(CONFIG_FILE).map_err(io(CONFIG_FILE))? {
        None => Ok((None, None)),
        Some(bytes) => match Config::parse(&String::from_utf8_lossy(&bytes)) {
            Ok(c) => Ok((Some(c), None)),
            Err(e) => Ok((None, Some(e.to_string()))),
        },
    }
}

/// The configuration to write: the existing one's policy, language and operators, with the
/// set-up's identity and registry; checked with the station's own rules.
fn configured(existing: Option<&Config>, setup: &Setup) -> Result<Config, ProvisionError> {
    let mut c = existing.cloned().unwrap_or_default();
    c.workshop = setup.workshop.clone();
    c.registry.url = setup.registry_url.clone();
    c.registry.key_file = setup
        .registry_key
        .as_ref()
        .map(|_| PathBuf::from(REGISTRY_KEY_FILE));
    if !setup.operators.is_empty() {
        c.operators = setup.operators.clone();
    }
    if let Some(l) = setup.language {
        c.ui.language = l;
    }
    c.normalize();
    c.check(&SettingOrigin::CommandLine)
        .map_err(ConfigError::from)?;
    Ok(c)
}

struct StationKeyFiles {
    key_id: String,
    public_base64: String,
    public: String,
    trust: String,
    not_before: String,
    /// `Some` when a new key must be written.
    new_texts: Option<KeyTexts>,
}

/// The key for the set-up's identity: the partition's own when it already is that station's,
/// otherwise a new one (a demonstration key, or with `replace_key` any other, is archived).
fn station_key(
    vol: &mut dyn DataVolume,
    setup: &Setup,
) -> Result<(StationKeyFiles, Option<String>), ProvisionError> {
    let want = (&setup.workshop.id, &setup.workshop.station);
    let secret_path = format!("{KEY_DIR}/{SECRET_FILE}");
    let mut archived = None;
    if let Some(secret) = vol.read(&secret_path).map_err(io(&secret_path))? {
        let existing = existing_key(vol, &secret)?;
        match existing {
            Some((files, ws, st)) if (&ws, &st) == want && !setup.replace_key => {
                return Ok((files, None));
            }
            Some((_, ws, st)) if ws != DEMO_WORKSHOP_ID && !setup.replace_key => {
                return Err(ProvisionError::OtherIdentity {
                    workshop: ws,
                    station: st,
                });
            }
            None if !setup.replace_key => {
                return Err(ProvisionError::OtherIdentity {
                    workshop: "(no identity bound)".into(),
                    station: "(no identity bound)".into(),
                });
            }
            _ => archived = Some(archive(vol)?),
        }
    }
    let texts = KeyTexts::generate(Some((want.0, want.1)))?;
    let not_before = TrustFile::parse(&texts.trust)
        .ok()
        .and_then(|t| t.keys.first().map(|k| ardoise_cert::fmt_time(k.not_before)))
        .unwrap_or_default();
    Ok((
        StationKeyFiles {
            key_id: texts.key_id.clone(),
            public_base64: texts.public_base64.clone(),
            public: texts.public.clone(),
            trust: texts.trust.clone(),
            not_before,
            new_texts: Some(texts),
        },
        archived,
    ))
}

/// The partition's key with the identity its trust file binds it to.
fn existing_key(
    vol: &mut dyn DataVolume,
    secret: &[u8],
) -> Result<Option<(StationKeyFiles, String, String)>, ProvisionError> {
    let key = StationKey::parse(
        &String::from_utf8_lossy(secret),
        Path::new(&format!("{KEY_DIR}/{SECRET_FILE}")),
    )?;
    let trust_path = format!("{KEY_DIR}/{TRUST_FILE}");
    let Some(trust) = vol.read(&trust_path).map_err(io(&trust_path))? else {
        return Ok(None);
    };
    let trust = TrustFile::parse(&String::from_utf8_lossy(&trust)).map_err(|e| {
        ProvisionError::Key(ardoise_cert::keys::KeyError::Malformed {
            path: PathBuf::from(&trust_path),
            reason: e.to_string(),
        })
    })?;
    let Some(entry) = trust.entry(key.key_id()) else {
        return Ok(None);
    };
    let public_path = format!("{KEY_DIR}/{PUBLIC_FILE}");
    let public = vol
        .read(&public_path)
        .map_err(io(&public_path))?
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let single = TrustFile {
        keys: vec![entry.clone()],
        revocations: vec![],
    };
    Ok(Some((
        StationKeyFiles {
            key_id: key.key_id().to_string(),
            public_base64: key.public_base64(),
            public,
            trust: single.to_toml(),
            not_before: ardoise_cert::fmt_time(entry.not_before),
            new_texts: None,
        },
        entry.workshop.clone(),
        entry.station.clone(),
    )))
}

/// What an earlier identity leaves on the partition, moved to `archive/<stamp>/`.
const ARCHIVED: [&str; 4] = [KEY_DIR, "certificates", "outbox", "journal"];

pub(crate) fn archive(vol: &mut dyn DataVolume) -> Result<String, ProvisionError> {
    let to = format!(
        "archive/{}",
        time::OffsetDateTime::now_utc().unix_timestamp()
    );
    for item in ARCHIVED {
        move_tree(vol, item, &format!("{to}/{item}"))?;
    }
    Ok(to)
}

/// Copies a directory tree and removes the original (FAT renames of directories are not
/// something every writer gets right; a copy is).
fn move_tree(vol: &mut dyn DataVolume, from: &str, to: &str) -> Result<(), ProvisionError> {
    for (name, is_dir) in vol.list(from).map_err(io(from))? {
        let (f, t) = (format!("{from}/{name}"), format!("{to}/{name}"));
        if is_dir {
            move_tree(vol, &f, &t)?;
        } else if let Some(bytes) = vol.read(&f).map_err(io(&f))? {
            vol.write(&t, &bytes, name == SECRET_FILE).map_err(io(&t))?;
            vol.remove(&f).map_err(io(&f))?;
        }
    }
    Ok(())
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The configuration file's text: commented like the shipped one, values from `c`.
pub fn render_config(c: &Config) -> String {
    let mut t = String::from(
        "# ardoise — configuration de l'atelier / workshop configuration\n\
         # Écrit par `ardoise provision` ou l'assistant de premier démarrage ; pour changer\n\
         # d'atelier ou de registre, relancez-les plutôt que de modifier ce fichier.\n\
         # Written by `ardoise provision` or the first-run setup; run them again to change the\n\
         # workshop or the registry rather than editing this file.\n\n",
    );
    t += &format!("[ui]\nlanguage = {}\n\n", quoted(c.ui.language.code()));
    let w = &c.workshop;
    t += &format!(
        "[workshop]\nid = {}\nname = {}\nstation = {}\n",
        quoted(&w.id),
        quoted(&w.name),
        quoted(&w.station)
    );
    if let Some(s) = &w.siret {
        t += &format!("siret = {}\n", quoted(s));
    }
    t += "\n";
    if c.registry.url.is_some() || c.registry.key_file.is_some() {
        t += "[registry]\n";
        if let Some(u) = &c.registry.url {
            t += &format!("url = {}\n", quoted(u));
        }
        if let Some(k) = &c.registry.key_file {
            t += &format!("key_file = {}\n", quoted(&k.to_string_lossy()));
        }
        t += "\n";
    }
    for op in &c.operators {
        t += &format!(
            "[[operators]]\nid = {}\nname = {}\n\n",
            quoted(&op.id),
            quoted(&op.name)
        );
    }
    t += "# Politique d'effacement / erasure policy (its digest is in every certificate)\n[policy]\n";
    t += &toml::to_string(&c.policy).expect("the policy serialises");
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vkey() -> String {
        ardoise_cert::note::NoteSigner::new("registre.example.org", &[9; 32])
            .unwrap()
            .verifier()
            .to_vkey()
    }

    fn setup() -> Setup {
        Setup {
            workshop: Workshop {
                id: "ressourcerie-caen".into(),
                name: "Ressourcerie de Caen".into(),
                siret: None,
                station: "poste-1".into(),
            },
            registry_url: Some("https://registre.example.org/".into()),
            registry_key: Some(vkey()),
            operators: vec![Operator {
                id: "op-1".into(),
                name: "Camille \"Cam\" Dupont".into(),
            }],
            language: Some(Language::En),
            replace_key: false,
        }
    }

    #[test]
    fn a_new_partition_gets_a_key_bound_to_its_identity_and_a_valid_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let mut vol = DirVolume(dir.path().to_path_buf());
        let out = set_up(&mut vol, &setup()).unwrap();
        let c = Config::load(dir.path()).unwrap();
        assert_eq!(c.workshop.id, "ressourcerie-caen");
        assert_eq!(
            c.registry.url.as_deref(),
            Some("https://registre.example.org")
        );
        assert_eq!(
            c.registry.key_file.as_deref(),
            Some(Path::new(REGISTRY_KEY_FILE))
        );
        assert_eq!(c.ui.language, Language::En);
        assert_eq!(c.operators[0].name, "Camille \"Cam\" Dupont");
        assert_eq!(c.policy, crate::config::Policy::default());
        let key = StationKey::load(&dir.path().join("keys/station.key")).unwrap();
        assert_eq!(key.key_id(), out.key_id);
        let bound =
            ardoise_cert::keygen::bound_identity(&dir.path().join("keys/station.key"), &out.key_id)
                .unwrap()
                .unwrap();
        assert_eq!(
            (bound.workshop.as_str(), bound.station.as_str()),
            ("ressourcerie-caen", "poste-1")
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join(REGISTRY_KEY_FILE))
                .unwrap()
                .trim(),
            vkey()
        );
        assert!(out.registry_command().contains(&out.public_base64));
        // Again with the same identity: the key is kept (idempotent).
        let again = set_up(&mut vol, &setup()).unwrap();
        assert!(again.key_kept);
        assert_eq!(again.key_id, out.key_id);
        // Another identity: refused unless a new key is asked for.
        let mut other = setup();
        other.workshop.station = "poste-2".into();
        assert!(matches!(
            set_up(&mut vol, &other),
            Err(ProvisionError::OtherIdentity { .. })
        ));
        other.replace_key = true;
        let replaced = set_up(&mut vol, &other).unwrap();
        assert_ne!(replaced.key_id, out.key_id);
        let archive = replaced.archived.unwrap();
        assert!(dir.path().join(&archive).join("keys/station.key").exists());
    }

    #[test]
    fn good_settings_pass_the_check_that_comes_before_any_write() {
        check_setup(&setup()).unwrap();
        let offline = Setup {
            registry_url: None,
            registry_key: None,
            ..setup()
        };
        check_setup(&offline).unwrap();
    }

    #[test]
    fn bad_settings_are_refused_and_nothing_is_written() {
        for (mutate, expect) in [
            (
                (|s: &mut Setup| s.registry_key = None) as fn(&mut Setup),
                "registry's key",
            ),
            (
                |s: &mut Setup| s.registry_key = Some("not a key".into()),
                "verifier key",
            ),
            (
                |s: &mut Setup| s.workshop.id = "Ressourcerie de Caen".into(),
                "workshop.id",
            ),
            (
                |s: &mut Setup| s.registry_url = Some("ftp://x".into()),
                "registry.url",
            ),
            (
                |s: &mut Setup| s.workshop.station = "Poste 1".into(),
                "workshop.station",
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let mut s = setup();
            mutate(&mut s);
            let checked = check_setup(&s).unwrap_err();
            assert!(checked.to_string().contains(expect), "{checked}");
            let e = set_up(&mut DirVolume(dir.path().to_path_buf()), &s).unwrap_err();
            assert!(e.to_string().contains(expect), "{e}");
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{e}");
        }
    }

    #[test]
    fn a_demonstration_key_is_archived_with_its_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let demo = ardoise_cert::keygen::generate_key_files(
            &dir.path().join("keys"),
            Some((DEMO_WORKSHOP_ID, "demo")),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("certificates")).unwrap();
        std::fs::write(dir.path().join("certificates/x.dsse.json"), b"{}").unwrap();
        let out = set_up(&mut DirVolume(dir.path().to_path_buf()), &setup()).unwrap();
        assert_ne!(out.key_id, demo.key_id);
        let archive = dir.path().join(out.archived.unwrap());
        assert!(archive.join("certificates/x.dsse.json").exists());
        assert!(archive.join("keys/station.key").exists());
        assert!(!dir.path().join("certificates/x.dsse.json").exists());
    }
}
