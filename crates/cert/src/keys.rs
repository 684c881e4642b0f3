//! Station signing keys: Ed25519 key pairs, key ids, and the key files' names and formats
//! (written by [`crate::keygen`]).
//!
//! Key id = lowercase hex blake3 of the 32-byte public key. The secret file holds the 32-byte
//! seed in base64 under a one-line header; it is created with `O_EXCL` (an existing key is
//! never overwritten) and mode 0600. On the FAT32 data partition the mode is emulated by the
//! mount options, which is why loading does not insist on it.

use std::fs;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};

pub(crate) const SECRET_HEADER: &str = "ardoise-station-secret-key-v1";
pub(crate) const PUBLIC_HEADER: &str = "ardoise-station-public-key-v1";

/// File names `generate_key_files` writes: the secret key (Ed25519 seed, base64, mode 0600;
/// never leaves the station).
pub const SECRET_FILE: &str = "station.key";
/// The public key file (base64 of the 32-byte Ed25519 public key).
pub const PUBLIC_FILE: &str = "station.pub";
/// A trust file holding the new key alone, valid from its creation.
pub const TRUST_FILE: &str = "trust.toml";

/// Why a station key could not be created, read or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file exists already; keys are never overwritten.
    #[error("{path}: already exists; an existing key is never overwritten")]
    AlreadyExists {
        /// The existing file.
        path: PathBuf,
    },
    /// Reading or writing a key file failed.
    #[error("{path}: {error}")]
    Io {
        /// The key file.
        path: PathBuf,
        // Not a `#[source]`: the message already says it, and chained printing would repeat it.
        /// The operating system's error.
        error: std::io::Error,
    },
    /// The file is not an ardoise key file (header line, base64, length).
    #[error("{path}: not an ardoise key file ({reason})")]
    Malformed {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The operating system's random generator failed.
    #[error("the system random generator failed: {0}")]
    Random(String),
    /// A public key is not valid base64 of a 32-byte Ed25519 key.
    #[error("invalid public key: {0}")]
    InvalidPublicKey(String),
    /// The workshop or station id a new key would be bound to is not one the registry
    /// registers keys under, nor a certificate may carry ([`crate::ids::is_id`]).
    #[error("{what} {value:?} must be {}{}", crate::ids::ID_RULE, per_boot_note(.what))]
    InvalidIdentity {
        /// `workshop id` or `station id`.
        what: &'static str,
        /// The id refused.
        value: String,
    },
}

/// What [`KeyError::InvalidIdentity`] adds for a station id.
fn per_boot_note(what: &str) -> &'static str {
    if what == "station id" {
        "; a per-boot PXE station is such an id followed by -*"
    } else {
        ""
    }
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_path_buf(),
        error: source,
    }
}

/// Key id of a public key: lowercase hex blake3 of its 32 bytes.
pub fn key_id(public: &VerifyingKey) -> String {
    blake3::hash(public.as_bytes()).to_hex().to_string()
}

/// Decodes a base64 (standard, padded) Ed25519 public key.
pub fn public_key_from_base64(s: &str) -> Result<VerifyingKey, KeyError> {
    let bytes = B64
        .decode(s.trim())
        .map_err(|e| KeyError::InvalidPublicKey(format!("base64: {e}")))?;
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| KeyError::InvalidPublicKey("not 32 bytes".into()))?;
    let key =
        VerifyingKey::from_bytes(&arr).map_err(|e| KeyError::InvalidPublicKey(e.to_string()))?;
    if key.is_weak() {
        return Err(KeyError::InvalidPublicKey("weak (small-order) key".into()));
    }
    Ok(key)
}

/// A station's signing key.
pub struct StationKey {
    signing: SigningKey,
    key_id: String,
}

impl std::fmt::Debug for StationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StationKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl StationKey {
    /// A fresh key from the operating system's random generator.
    pub fn generate() -> Result<StationKey, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(Self::from_seed(&seed))
    }

    /// A key from its 32-byte seed (tests use fixed seeds).
    pub fn from_seed(seed: &[u8; 32]) -> StationKey {
        let signing = SigningKey::from_bytes(seed);
        let key_id = key_id(&signing.verifying_key());
        StationKey { signing, key_id }
    }

    /// Key id: lowercase hex blake3 of the 32-byte public key (as in `issuer.key_id`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The Ed25519 public key.
    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// Base64 of the 32-byte public key, as written in trust files.
    pub fn public_base64(&self) -> String {
        B64.encode(self.public().as_bytes())
    }

    /// The Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// Loads a secret key file written by [`generate_key_files`].
    pub fn load(path: &Path) -> Result<StationKey, KeyError> {
        let text = fs::read_to_string(path).map_err(io(path))?;
        let key = Self::parse(&text, path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = fs::metadata(path) {
                if meta.permissions().mode() & 0o077 != 0 {
                    tracing::warn!(
                        path = %path.display(),
                        "secret key file is readable by group or others (expected on FAT32)"
                    );
                }
            }
        }
        Ok(key)
    }

    /// Reads the text of a secret key file (`origin` names it in errors).
    pub fn parse(text: &str, origin: &Path) -> Result<StationKey, KeyError> {
        let malformed = |reason: &str| KeyError::Malformed {
            path: origin.to_path_buf(),
            reason: reason.into(),
        };
        let mut lines = text.lines().filter(|l| !l.starts_with('#'));
        if lines.next() != Some(SECRET_HEADER) {
            return Err(malformed("missing header line"));
        }
        let b64 = lines.next().ok_or_else(|| malformed("missing key line"))?;
        if lines.any(|l| !l.trim().is_empty()) {
            return Err(malformed("unexpected extra lines"));
        }
        let seed: [u8; 32] = B64
            .decode(b64.trim())
            .map_err(|_| malformed("key line is not base64"))?
            .try_into()
            .map_err(|_| malformed("key is not 32 bytes"))?;
        Ok(Self::from_seed(&seed))
    }
}

/// Reads a public key file written by [`generate_key_files`].
pub fn load_public_key(path: &Path) -> Result<VerifyingKey, KeyError> {
    let text = fs::read_to_string(path).map_err(io(path))?;
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    if lines.next() != Some(PUBLIC_HEADER) {
        return Err(KeyError::Malformed {
            path: path.to_path_buf(),
            reason: "missing header line".into(),
        });
    }
    let b64 = lines.next().ok_or_else(|| KeyError::Malformed {
        path: path.to_path_buf(),
        reason: "missing key line".into(),
    })?;
    public_key_from_base64(b64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_id_is_blake3_of_public_key() {
        let k = StationKey::from_seed(&[7; 32]);
        assert_eq!(
            k.key_id(),
            blake3::hash(k.public().as_bytes()).to_hex().as_str()
        );
        assert_eq!(k.key_id().len(), 64);
    }
}
