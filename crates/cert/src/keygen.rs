//! A new station key and its files (`ardoise keygen`, provisioning): the secret, the public
//! key and the trust entry that binds it to its workshop and station, and reading that binding
//! back. It sits above [`crate::keys`] (key material) and [`crate::trust`] (trust files), which
//! do not know about each other's files.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use time::OffsetDateTime;

use crate::keys::{
    io, KeyError, StationKey, PUBLIC_FILE, PUBLIC_HEADER, SECRET_FILE, SECRET_HEADER, TRUST_FILE,
};
use crate::trust::{KeyEntry, TrustFile};

/// The station a key belongs to: the workshop and station ids its trust entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyIdentity {
    /// Workshop id (the certificate's `issuer.workshop_id`).
    pub workshop: String,
    /// Station id (the certificate's `issuer.station_id`).
    pub station: String,
}

/// The identity bound to the key in `secret_path`: the entry for `key_id` in the trust file
/// `ardoise keygen` wrote beside it (`trust.toml` in the same directory). `Ok(None)` when there
/// is no trust file or it has no entry for this key (a key made without an identity).
pub fn bound_identity(secret_path: &Path, key_id: &str) -> Result<Option<KeyIdentity>, KeyError> {
    let trust_path = secret_path
        .parent()
        .unwrap_or(Path::new("."))
        .join(TRUST_FILE);
    let text = match fs::read_to_string(&trust_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&trust_path)(e)),
    };
    let trust = TrustFile::parse(&text).map_err(|e| KeyError::Malformed {
        path: trust_path.clone(),
        reason: e.to_string(),
    })?;
    Ok(trust.entry(key_id).map(|e| KeyIdentity {
        workshop: e.workshop.clone(),
        station: e.station.clone(),
    }))
}

/// Writes `contents` to a new file (O_EXCL) with `mode`, fsyncs it.
fn create_new(path: &Path, contents: &[u8], mode: u32) -> Result<(), KeyError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                KeyError::AlreadyExists {
                    path: path.to_path_buf(),
                }
            } else {
                KeyError::Io {
                    path: path.to_path_buf(),
                    error: e,
                }
            }
        })?;
    f.write_all(contents).map_err(io(path))?;
    f.sync_all().map_err(io(path))?;
    Ok(())
}

/// What `generate_key_files` produced.
#[derive(Debug, Clone)]
pub struct GeneratedKey {
    /// Key id: lowercase hex blake3 of the 32-byte public key.
    pub key_id: String,
    /// Base64 of the 32-byte Ed25519 public key, as written in trust files.
    pub public_base64: String,
    /// Where the secret key was written (`station.key`, mode 0600).
    pub secret_path: PathBuf,
    /// Where the public key was written (`station.pub`).
    pub public_path: PathBuf,
    /// A trust file holding only this key, valid from now: enough for the station to check
    /// its own certificates, and the block to paste into the network's trust file. Written
    /// only when the station's identity was given.
    pub trust_path: Option<PathBuf>,
    /// The trust entry (with placeholders when no identity was given).
    pub trust_toml: String,
}

/// A new station key as the three texts of its files, not yet written anywhere.
pub struct KeyTexts {
    /// Key id: lowercase hex blake3 of the 32-byte public key.
    pub key_id: String,
    /// Base64 of the 32-byte Ed25519 public key, as written in trust files.
    pub public_base64: String,
    /// `station.key`: the secret seed (write it with mode 0600, never copy it off the station).
    pub secret: String,
    /// `station.pub`.
    pub public: String,
    /// `trust.toml`: this key alone, bound to `identity` (placeholders without one).
    pub trust: String,
}

/// Refuses an identity whose workshop or station id the registry would not register a key
/// under (and a certificate may not carry): [`crate::validate::is_id`], and for the station
/// [`crate::validate::is_station_name`] (a per-boot `base-*` is allowed).
pub fn check_identity(workshop: &str, station: &str) -> Result<(), KeyError> {
    if !crate::validate::is_id(workshop) {
        return Err(KeyError::InvalidIdentity {
            what: "workshop id",
            value: workshop.to_string(),
        });
    }
    if !crate::validate::is_station_name(station) {
        return Err(KeyError::InvalidIdentity {
            what: "station id",
            value: station.to_string(),
        });
    }
    Ok(())
}

impl KeyTexts {
    /// Generates a key pair from the system's random generator, bound to `identity` (workshop
    /// id, station id) when given; an identity [`check_identity`] refuses makes no key.
    pub fn generate(identity: Option<(&str, &str)>) -> Result<KeyTexts, KeyError> {
        if let Some((workshop, station)) = identity {
            check_identity(workshop, station)?;
        }
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        let key = StationKey::from_seed(&seed);
        let secret = format!(
            "# ardoise station signing key (Ed25519 seed). Keep secret; never copy it off the station.\n\
             {SECRET_HEADER}\n{}\n",
            B64.encode(seed)
        );
        seed.fill(0);
        let public = format!(
            "# ardoise station public key, key id {}\n{PUBLIC_HEADER}\n{}\n",
            key.key_id(),
            key.public_base64()
        );
        let now = OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .expect("0 ns is valid");
        let (workshop, station) = identity.unwrap_or(("<workshop id>", "<station id>"));
        let trust = TrustFile {
            keys: vec![KeyEntry {
                key_id: key.key_id().to_string(),
                public_key: key.public_base64(),
                workshop: workshop.to_string(),
                station: station.to_string(),
                not_before: now,
                not_after: None,
                comment: Some(format!("generated by ardoise on {}", crate::fmt_time(now))),
            }],
            revocations: vec![],
        };
        Ok(KeyTexts {
            key_id: key.key_id().to_string(),
            public_base64: key.public_base64(),
            secret,
            public,
            trust: trust.to_toml(),
        })
    }
}

/// Generates a station key pair in `dir` (created if needed): `station.key` (secret, 0600,
/// never overwritten), `station.pub`, and — when the station's identity (workshop id,
/// station id) is given — `trust.toml`. Refuses if any of them exists.
pub fn generate_key_files(
    dir: &Path,
    identity: Option<(&str, &str)>,
) -> Result<GeneratedKey, KeyError> {
    if let Some((workshop, station)) = identity {
        check_identity(workshop, station)?;
    }
    fs::create_dir_all(dir).map_err(io(dir))?;
    let secret_path = dir.join(SECRET_FILE);
    let public_path = dir.join(PUBLIC_FILE);
    let trust_path = dir.join(TRUST_FILE);
    // Check all three first so that a refusal leaves nothing half-written.
    for p in [&secret_path, &public_path, &trust_path] {
        if p.symlink_metadata().is_ok() {
            return Err(KeyError::AlreadyExists { path: p.clone() });
        }
    }
    let texts = KeyTexts::generate(identity)?;
    create_new(&secret_path, texts.secret.as_bytes(), 0o600)?;
    create_new(&public_path, texts.public.as_bytes(), 0o644)?;
    let trust_path = if identity.is_some() {
        create_new(&trust_path, texts.trust.as_bytes(), 0o644)?;
        Some(trust_path)
    } else {
        None
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(GeneratedKey {
        key_id: texts.key_id,
        public_base64: texts.public_base64,
        secret_path,
        public_path,
        trust_path,
        trust_toml: texts.trust,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::load_public_key;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn generated_files_load_and_are_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let g = generate_key_files(dir.path(), Some(("ws", "st-01"))).unwrap();
        let mode = fs::metadata(&g.secret_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let k = StationKey::load(&g.secret_path).unwrap();
        assert_eq!(k.key_id(), g.key_id);
        assert_eq!(load_public_key(&g.public_path).unwrap(), k.public());
        let trust = TrustFile::load(g.trust_path.as_ref().unwrap()).unwrap();
        assert_eq!(trust.keys[0].key_id, g.key_id);

        let before = fs::read(&g.secret_path).unwrap();
        let err = generate_key_files(dir.path(), Some(("ws", "st-01"))).unwrap_err();
        assert!(matches!(err, KeyError::AlreadyExists { .. }), "{err}");
        assert_eq!(fs::read(&g.secret_path).unwrap(), before);
    }

    #[test]
    fn an_existing_secret_alone_blocks_generation() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(SECRET_FILE), b"precious").unwrap();
        assert!(matches!(
            generate_key_files(dir.path(), Some(("ws", "st"))),
            Err(KeyError::AlreadyExists { .. })
        ));
        assert_eq!(fs::read(dir.path().join(SECRET_FILE)).unwrap(), b"precious");
        assert!(!dir.path().join(PUBLIC_FILE).exists());
    }

    #[test]
    fn an_identity_the_registry_refuses_makes_no_key() {
        for (workshop, station, named) in [
            ("Atelier Caen", "poste-1", "workshop id"),
            ("atelier_caen", "poste-1", "workshop id"),
            ("atelier-caen", "Poste 1", "station id"),
            ("atelier-caen", "poste-1\u{0}", "station id"),
            ("atelier-caen", "", "station id"),
        ] {
            let parent = tempfile::tempdir().unwrap();
            let dir = parent.path().join("keys");
            let err = generate_key_files(&dir, Some((workshop, station))).unwrap_err();
            assert!(
                matches!(err, KeyError::InvalidIdentity { what, .. } if what == named),
                "{err}"
            );
            assert!(err.to_string().contains("lowercase"), "{err}");
            assert!(!dir.exists(), "nothing made: {err}");
        }
        // A per-boot PXE station is bound as `base-*`.
        let dir = tempfile::tempdir().unwrap();
        generate_key_files(dir.path(), Some(("atelier-caen", "pxe-1-*"))).unwrap();
    }

    #[test]
    fn the_identity_keygen_wrote_is_bound_to_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let g = generate_key_files(dir.path(), Some(("ws", "st-01"))).unwrap();
        assert_eq!(
            bound_identity(&g.secret_path, &g.key_id).unwrap(),
            Some(KeyIdentity {
                workshop: "ws".into(),
                station: "st-01".into()
            })
        );
        assert_eq!(
            bound_identity(&g.secret_path, &"0".repeat(64)).unwrap(),
            None
        );
        let bare = tempfile::tempdir().unwrap();
        let g = generate_key_files(bare.path(), None).unwrap();
        assert_eq!(bound_identity(&g.secret_path, &g.key_id).unwrap(), None);
        fs::write(bare.path().join(TRUST_FILE), "keys = 3").unwrap();
        assert!(matches!(
            bound_identity(&g.secret_path, &g.key_id),
            Err(KeyError::Malformed { .. })
        ));
    }
}
