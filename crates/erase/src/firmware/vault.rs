//! Where the temporary ATA security password lives while a SECURITY ERASE UNIT runs.
//!
//! SECURITY ERASE UNIT needs a user password. ardoise sets a random one just before the erase;
//! if the erase is interrupted (crash, power loss, bus reset) the drive is left locked with it,
//! and without that password the drive is lost to the workshop. So the password is stored
//! *before* SET PASSWORD is sent, and removed only once the drive is verified unlocked with no
//! password. The station keeps a [`FileVault`] on its data partition; tests use a
//! [`MemoryVault`].
//!
//! Passwords never go into notes, exceptions or certificates: a certificate is public, and a
//! drive left locked still holds the donor's data.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Keeps one temporary password per drive serial number.
pub trait PasswordVault: Send + Sync {
    /// Stores `password` for `disk_serial`, durably, replacing any earlier one. An error means
    /// the password is not safely stored and the erase must not start.
    fn remember(&self, disk_serial: &str, password: &str) -> Result<(), String>;
    /// Removes the password of `disk_serial` (no error when there is none).
    fn forget(&self, disk_serial: &str) -> Result<(), String>;
    /// The password stored for `disk_serial`, if any.
    fn recall(&self, disk_serial: &str) -> Result<Option<String>, String>;
}

/// Characters of a generated password: letters and digits only, so that a technician can type
/// it into `hdparm --security-unlock` if everything else fails.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// 24 characters of 62: about 142 bits.
pub const PASSWORD_LEN: usize = 24;

/// A fresh random password from the operating system's generator.
pub fn temporary_password() -> Result<String, String> {
    let mut out = String::with_capacity(PASSWORD_LEN);
    let mut buf = [0u8; 64];
    while out.len() < PASSWORD_LEN {
        getrandom::getrandom(&mut buf).map_err(|e| format!("no random numbers: {e}"))?;
        // Rejection sampling: 248 = 4 × 62, so every accepted byte is uniform over the alphabet.
        for &b in buf.iter().filter(|&&b| b < 248) {
            if out.len() == PASSWORD_LEN {
                break;
            }
            out.push(ALPHABET[usize::from(b) % ALPHABET.len()] as char);
        }
    }
    Ok(out)
}

/// A vault in memory (tests, and dry runs). `refusing()` builds one whose `remember` fails.
#[derive(Debug, Default)]
pub struct MemoryVault {
    entries: Mutex<HashMap<String, String>>,
    refuse: bool,
}

impl MemoryVault {
    pub fn new() -> Self {
        Self::default()
    }

    /// A vault that cannot store anything (to show that an erase does not start then).
    pub fn refusing() -> Self {
        MemoryVault {
            refuse: true,
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl PasswordVault for MemoryVault {
    fn remember(&self, disk_serial: &str, password: &str) -> Result<(), String> {
        if self.refuse {
            return Err("this vault refuses to store passwords".into());
        }
        self.lock()
            .insert(disk_serial.to_string(), password.to_string());
        Ok(())
    }

    fn forget(&self, disk_serial: &str) -> Result<(), String> {
        self.lock().remove(disk_serial);
        Ok(())
    }

    fn recall(&self, disk_serial: &str) -> Result<Option<String>, String> {
        Ok(self.lock().get(disk_serial).cloned())
    }
}

/// One file per drive in a directory (mode 0700), each written atomically with mode 0600:
/// a temporary file is written and synced, renamed over the final name, and the directory is
/// synced, so a power cut leaves either the old file or the new one.
#[derive(Debug, Clone)]
pub struct FileVault {
    dir: PathBuf,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    serial: String,
    password: String,
    #[serde(with = "time::serde::rfc3339")]
    stored: time::OffsetDateTime,
}

impl FileVault {
    /// Opens (creating it if needed) the vault directory.
    pub fn open(dir: &Path) -> Result<FileVault, String> {
        if !dir.exists() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| format!("cannot create the password vault {}: {e}", dir.display()))?;
        }
        if !dir.is_dir() {
            return Err(format!(
                "the password vault {} is not a directory",
                dir.display()
            ));
        }
        Ok(FileVault {
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds the password of `serial`: a readable part of the serial and a hash
    /// of all of it (serials may hold any character, and two may differ only in those).
    pub fn path_for(&self, serial: &str) -> PathBuf {
        let readable: String = serial
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        let hash = blake3::hash(serial.as_bytes()).to_hex();
        self.dir
            .join(format!("{readable}-{}.json", &hash.as_str()[..16]))
    }

    fn sync_dir(&self) -> Result<(), String> {
        ardoise_disk::durable::sync_directory(&self.dir)
            .map_err(|e| format!("cannot sync {}: {e}", self.dir.display()))
    }
}

impl PasswordVault for FileVault {
    fn remember(&self, disk_serial: &str, password: &str) -> Result<(), String> {
        let path = self.path_for(disk_serial);
        let tmp = path.with_extension("json.tmp");
        let entry = Entry {
            serial: disk_serial.to_string(),
            password: password.to_string(),
            stored: time::OffsetDateTime::now_utc(),
        };
        let text = serde_json::to_vec_pretty(&entry).map_err(|e| e.to_string())?;
        let write = || -> std::io::Result<()> {
            let _ = fs::remove_file(&tmp);
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(&text)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        };
        if let Err(e) = write() {
            let _ = fs::remove_file(&tmp);
            return Err(format!(
                "cannot store the password in {}: {e}",
                path.display()
            ));
        }
        self.sync_dir()
    }

    fn forget(&self, disk_serial: &str) -> Result<(), String> {
        let path = self.path_for(disk_serial);
        match fs::remove_file(&path) {
            Ok(()) => self.sync_dir(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
        }
    }

    fn recall(&self, disk_serial: &str) -> Result<Option<String>, String> {
        let path = self.path_for(disk_serial);
        let text = match fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let entry: Entry = serde_json::from_slice(&text)
            .map_err(|e| format!("{} is damaged: {e}", path.display()))?;
        if entry.serial != disk_serial {
            return Err(format!(
                "{} belongs to drive {:?}, not {disk_serial:?}",
                path.display(),
                entry.serial
            ));
        }
        Ok(Some(entry.password))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn passwords_are_random_and_typeable() {
        let a = temporary_password().unwrap();
        let b = temporary_password().unwrap();
        assert_eq!(a.len(), PASSWORD_LEN);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn memory_vault_and_refusal() {
        let v = MemoryVault::new();
        v.remember("S1", "pw").unwrap();
        assert_eq!(v.recall("S1").unwrap().as_deref(), Some("pw"));
        v.forget("S1").unwrap();
        assert!(v.is_empty());
        assert!(MemoryVault::refusing().remember("S1", "pw").is_err());
    }

    #[test]
    fn file_vault_round_trip_mode_and_odd_serials() {
        let dir = tempfile::tempdir().unwrap();
        let v = FileVault::open(&dir.path().join("vault")).unwrap();
        let serial = "WD-WCC6Y0 / SIM";
        assert_eq!(v.recall(serial).unwrap(), None);
        v.remember(serial, "first").unwrap();
        v.remember(serial, "second").unwrap();
        let path = v.path_for(serial);
        assert!(path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("WD-WCC6Y0_SIM-"));
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::metadata(v.dir()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        // A second handle (the next start of the station) finds it.
        let again = FileVault::open(v.dir()).unwrap();
        assert_eq!(again.recall(serial).unwrap().as_deref(), Some("second"));
        assert_eq!(again.recall("WD-WCC6Y0 / SIN").unwrap(), None);
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(v.dir()).unwrap().count(), 1);
        again.forget(serial).unwrap();
        again.forget(serial).unwrap();
        assert_eq!(v.recall(serial).unwrap(), None);
    }

    #[test]
    fn a_damaged_or_foreign_file_is_an_error_not_a_password() {
        let dir = tempfile::tempdir().unwrap();
        let v = FileVault::open(dir.path()).unwrap();
        fs::write(v.path_for("A"), b"{not json").unwrap();
        assert!(v.recall("A").is_err());
        v.remember("B", "pw").unwrap();
        fs::copy(v.path_for("B"), v.path_for("C")).unwrap();
        assert!(v.recall("C").unwrap_err().contains("belongs to drive"));
    }
}
