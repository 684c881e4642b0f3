//! How this station's uploads are checked: the registry's verifier key travels with the
//! station, and every upload gets it.
//!
//! Where the key comes from, first found wins:
//! 1. `ardoise.registry_key=` on the kernel command line: the key itself (the vkey line
//!    `<name>+<id>+<key>` that `ardoise-registry key --show` prints), or a file holding it
//!    (absolute, or relative to the data directory);
//! 2. `[registry] key_file` in `ardoise.toml`, relative to the data directory;
//! 3. `keys/registry.pub` on the data partition, where `ardoise provision` puts it.
//!
//! A registry URL with no key refuses uploads, unless `[registry] allow_unverified_receipts =
//! true` says otherwise explicitly.

use std::path::{Path, PathBuf};

use ardoise_cert::note::NoteVerifier;

use crate::config::{Config, KernelOptions};

/// Where `ardoise provision` writes the registry's key, inside the data directory.
pub const REGISTRY_KEY_FILE: &str = crate::provision::REGISTRY_KEY_FILE;

/// How receipts from the registry are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptCheck {
    /// With this key, named by where it came from.
    Pinned {
        /// The registry's verifier key that receipt checkpoints must be signed with.
        key: Box<NoteVerifier>,
        /// Where the key came from: `ardoise.registry_key`, or the key file's path.
        source: String,
    },
    /// Structure only: `allow_unverified_receipts = true` and no key.
    Unverified,
}

/// Where and how this station uploads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTarget {
    /// The registry's base URL (`--registry`, else `[registry] url`).
    pub url: String,
    /// How the registry's receipts are checked.
    pub receipts: ReceiptCheck,
}

impl UploadTarget {
    /// The options every upload of this station starts from.
    pub fn upload_options(&self) -> ardoise_upload::UploadOptions {
        let (registry_key, allow) = match &self.receipts {
            ReceiptCheck::Pinned { key, .. } => (Some((**key).clone()), false),
            ReceiptCheck::Unverified => (None, true),
        };
        ardoise_upload::UploadOptions {
            registry_key,
            allow_unverified_receipts: allow,
            ..Default::default()
        }
    }
}

/// Why the registry key could not be had: uploads are refused rather than trust any answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryKeyError {
    /// A registry is configured but no key was found, and unverified receipts are not allowed.
    #[error("registry {url} has no registry key: uploads are refused, since an unchecked receipt would let anyone answering at that address drop certificates. Put the key that `ardoise-registry key --show` prints into {default}, name a file with [registry] key_file, or pass ardoise.registry_key= on the kernel command line (or, knowingly, set allow_unverified_receipts = true in [registry])")]
    Missing {
        /// The registry's URL.
        url: String,
        /// Where the key is looked for by default (`<data>/keys/registry.pub`).
        default: PathBuf,
    },
    /// A key file was found but holds no usable key.
    #[error("registry key {source_desc}: {message}")]
    Invalid {
        /// The key file's path.
        source_desc: String,
        /// Why it could not be read or parsed.
        message: String,
    },
}

/// Why the text of a key file holds no usable key.
#[derive(Debug, thiserror::Error)]
pub enum KeyTextError {
    /// The text has no line other than blank lines and `#` comments.
    #[error("no key line")]
    NoKeyLine,
    /// The key line is not a valid verifier key.
    #[error(transparent)]
    Invalid(#[from] ardoise_cert::note::NoteError),
}

/// Parses the text of a key file: the first line that is neither empty nor a `#` comment.
pub fn parse_key_text(text: &str) -> Result<NoteVerifier, KeyTextError> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or(KeyTextError::NoKeyLine)?;
    Ok(NoteVerifier::from_vkey(line)?)
}

/// Reads a registry key file.
pub fn load_key_file(path: &Path) -> Result<NoteVerifier, RegistryKeyError> {
    let invalid = |message: String| RegistryKeyError::Invalid {
        source_desc: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
    parse_key_text(&text).map_err(|e| invalid(e.to_string()))
}

/// The registry key this station pins, if any (see the module docs for the order).
pub fn pinned_key(
    data_dir: &Path,
    config: &Config,
    kernel: &KernelOptions,
) -> Result<Option<(NoteVerifier, String)>, RegistryKeyError> {
    if let Some(value) = kernel.registry_key.as_deref().filter(|v| !v.is_empty()) {
        if let Ok(key) = NoteVerifier::from_vkey(value) {
            return Ok(Some((key, "ardoise.registry_key".into())));
        }
        let path = data_dir.join(value);
        return load_key_file(&path).map(|k| Some((k, path.display().to_string())));
    }
    if let Some(file) = &config.registry.key_file {
        let path = data_dir.join(file);
        return load_key_file(&path).map(|k| Some((k, path.display().to_string())));
    }
    let conventional = data_dir.join(REGISTRY_KEY_FILE);
    if conventional.exists() {
        return load_key_file(&conventional).map(|k| Some((k, conventional.display().to_string())));
    }
    Ok(None)
}

/// Where this station uploads and how receipts are checked: `None` for an offline station;
/// an error for a registry without a key (unless unverified receipts are allowed) or with a
/// key that cannot be read.
pub fn upload_target(
    data_dir: &Path,
    config: &Config,
    kernel: &KernelOptions,
    url: Option<&str>,
) -> Result<Option<UploadTarget>, RegistryKeyError> {
    let Some(url) = url.or(config.registry.url.as_deref()) else {
        return Ok(None);
    };
    let receipts = match pinned_key(data_dir, config, kernel)? {
        Some((key, source)) => ReceiptCheck::Pinned {
            key: Box::new(key),
            source,
        },
        None if config.registry.allow_unverified_receipts => ReceiptCheck::Unverified,
        None => {
            return Err(RegistryKeyError::Missing {
                url: url.to_string(),
                default: data_dir.join(REGISTRY_KEY_FILE),
            })
        }
    };
    Ok(Some(UploadTarget {
        url: url.to_string(),
        receipts,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ardoise_cert::note::NoteSigner;

    fn vkey(seed: u8) -> String {
        NoteSigner::new("registre.test/log", &[seed; 32])
            .unwrap()
            .verifier()
            .to_vkey()
    }

    fn config(extra: &str) -> Config {
        Config::parse(&format!(
            "[registry]\nurl = \"http://127.0.0.1:18140\"\n{extra}"
        ))
        .unwrap()
    }

    fn key_of(t: Option<UploadTarget>) -> NoteVerifier {
        match t.unwrap().receipts {
            ReceiptCheck::Pinned { key, .. } => *key,
            ReceiptCheck::Unverified => panic!("not pinned"),
        }
    }

    #[test]
    fn a_registry_without_a_key_is_refused_unless_explicitly_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let none = KernelOptions::default();
        let e = upload_target(dir.path(), &config(""), &none, None).unwrap_err();
        assert!(matches!(e, RegistryKeyError::Missing { .. }), "{e}");
        assert!(e.to_string().contains("keys/registry.pub"), "{e}");
        let allowed = config("allow_unverified_receipts = true\n");
        let t = upload_target(dir.path(), &allowed, &none, None)
            .unwrap()
            .unwrap();
        assert_eq!(t.receipts, ReceiptCheck::Unverified);
        let o = t.upload_options();
        assert!(o.registry_key.is_none() && o.allow_unverified_receipts);
        // Offline: nothing to check.
        let offline = Config::parse("").unwrap();
        assert_eq!(
            upload_target(dir.path(), &offline, &none, None).unwrap(),
            None
        );
    }

    #[test]
    fn the_key_comes_from_the_kernel_then_key_file_then_keys_registry_pub() {
        let dir = tempfile::tempdir().unwrap();
        let none = KernelOptions::default();
        std::fs::create_dir_all(dir.path().join("keys")).unwrap();
        std::fs::write(
            dir.path().join(REGISTRY_KEY_FILE),
            format!("# the registry\n{}\n", vkey(1)),
        )
        .unwrap();
        let k = key_of(upload_target(dir.path(), &config(""), &none, None).unwrap());
        assert_eq!(k.to_vkey(), vkey(1));

        std::fs::write(dir.path().join("other.pub"), vkey(2)).unwrap();
        let with_file = config("key_file = \"other.pub\"\n");
        let k = key_of(upload_target(dir.path(), &with_file, &none, None).unwrap());
        assert_eq!(k.to_vkey(), vkey(2));

        let kernel = KernelOptions::parse(&format!("quiet ardoise.registry_key={}", vkey(3)));
        let k = key_of(upload_target(dir.path(), &with_file, &kernel, None).unwrap());
        assert_eq!(k.to_vkey(), vkey(3));
        let kernel = KernelOptions::parse("ardoise.registry_key=other.pub");
        let k = key_of(upload_target(dir.path(), &config(""), &kernel, None).unwrap());
        assert_eq!(k.to_vkey(), vkey(2));
    }

    #[test]
    fn an_unreadable_key_names_its_source() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.pub"), "not a key\n").unwrap();
        let c = config("key_file = \"bad.pub\"\n");
        let e = upload_target(dir.path(), &c, &KernelOptions::default(), None).unwrap_err();
        assert!(e.to_string().contains("bad.pub"), "{e}");
        let c = config("key_file = \"missing.pub\"\nallow_unverified_receipts = true\n");
        let e = upload_target(dir.path(), &c, &KernelOptions::default(), None).unwrap_err();
        assert!(e.to_string().contains("missing.pub"), "{e}");
        let kernel = KernelOptions::parse("ardoise.registry_key=nonsense+1+2");
        let e = upload_target(dir.path(), &config(""), &kernel, None).unwrap_err();
        assert!(e.to_string().contains("nonsense"), "{e}");
    }
}
