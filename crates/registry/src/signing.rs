//! The registry's log key: an Ed25519 seed in a file (created at first start, never
//! overwritten), used to sign checkpoints as C2SP signed notes. A witness keeps its
//! cosigning key the same way, under another header.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

const HEADER: &str = "ardoise-registry-log-key-v1";

/// Why the log key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The file exists but is not a valid key file.
    #[error("{path}: not an ardoise registry key file ({reason})")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with its content.
        reason: String,
    },
    /// No random bytes for a new key.
    #[error("the system random generator failed: {0}")]
    Random(String),
}

/// Header line of a witness's key file.
pub const WITNESS_HEADER: &str = "ardoise-witness-key-v1";

/// Reads the seed from `path`, creating the file with a fresh random seed (mode 0600,
/// `O_EXCL`) when it does not exist. Returns the seed and whether it was created.
pub fn load_or_create(path: &Path) -> Result<([u8; 32], bool), KeyFileError> {
    load_or_create_with(
        path,
        HEADER,
        "ardoise registry log key (Ed25519 seed): signs the log's checkpoints. Keep secret, back it up.",
    )
}

/// [`load_or_create`] for a key file of another kind (`header` names it, e.g.
/// [`WITNESS_HEADER`]; `comment` is written above it).
pub fn load_or_create_with(
    path: &Path,
    header: &str,
    comment: &str,
) -> Result<([u8; 32], bool), KeyFileError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok((parse(path, &text, header)?, false)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::getrandom(&mut seed).map_err(|e| KeyFileError::Random(e.to_string()))?;
            let text = format!("# {comment}\n{header}\n{}\n", B64.encode(seed));
            let io = |error| KeyFileError::Io {
                path: path.to_path_buf(),
                error,
            };
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::create_dir_all(dir).map_err(io)?;
            }
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(io)?;
            f.write_all(text.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
            Ok((seed, true))
        }
        Err(error) => Err(KeyFileError::Io {
            path: path.to_path_buf(),
            error,
        }),
    }
}

fn parse(path: &Path, text: &str, header: &str) -> Result<[u8; 32], KeyFileError> {
    let bad = |reason: &str| KeyFileError::Malformed {
        path: path.to_path_buf(),
        reason: reason.into(),
    };
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    if lines.next() != Some(header) {
        return Err(bad("missing header line"));
    }
    let b64 = lines.next().ok_or_else(|| bad("missing key line"))?;
    B64.decode(b64.trim())
        .map_err(|_| bad("key line is not base64"))?
        .try_into()
        .map_err(|_| bad("key is not 32 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn created_once_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        let (a, created) = load_or_create(&p).unwrap();
        assert!(created);
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let (b, created) = load_or_create(&p).unwrap();
        assert!(!created);
        assert_eq!(a, b);
        fs::write(&p, "garbage\n").unwrap();
        assert!(load_or_create(&p).is_err());
    }
}
