//! Where the temporary ATA security password lives while a SECURITY ERASE UNIT runs.
//!
//! SECURITY ERASE UNIT needs a user password. ardoise sets a random one just before the erase;
//! if the erase is interrupted (crash, power loss, bus reset) the drive is left locked with it,
//! and without that password the drive is lost to the workshop. So the password is stored
//! *before* SET PASSWORD is sent, and removed only once the drive is verified unlocked with no
//! password. The station keeps a [`FileVault`] on its data partition; tests use a
//! [`MemoryVault`].
//!
//! An entry is found by the drive's serial number, and it also records the drive's WWN, model
//! and size ([`VaultedDrive`]): two drives can share a serial, and an entry is only ever removed
//! by the drive it belongs to (one that its password unlocks, or that matches all of these).
//!
//! Passwords never go into notes, exceptions or certificates: a certificate is public, and a
//! drive left locked still holds the donor's data.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ardoise_disk::durable::Persistence;
use serde::{Deserialize, Serialize};

/// Why the vault could not generate, store, read or remove a password. The texts are shown to
/// the technician (notes, refusals) and some are asserted by tests.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The operating system's random number generator failed, so no password was generated.
    #[error("no random numbers: {0}")]
    NoRandomNumbers(getrandom::Error),
    /// The vault was built to refuse every password ([`MemoryVault::refusing`]).
    #[error("this vault refuses to store passwords")]
    Refusing,
    /// A password is already stored for this serial number.
    #[error("a temporary password is already stored for a drive with serial {serial:?} (another drive with the same serial in this run, or an interrupted erase whose drive may still be locked with it); it is not replaced")]
    Occupied {
        /// Serial number of the drive the stored password belongs to.
        serial: String,
    },
    /// The vault directory could not be created.
    #[error("cannot create the password vault {}: {source}", dir.display())]
    CreateDir {
        /// Directory that was to be created.
        dir: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The vault path exists but is not a directory.
    #[error("the password vault {} is not a directory", dir.display())]
    NotADirectory {
        /// The vault path.
        dir: PathBuf,
    },
    /// The vault entry could not be serialized.
    #[error("{0}")]
    Encode(serde_json::Error),
    /// The entry could not be written (or synced) to its file.
    #[error("cannot store the password in {}: {source}", path.display())]
    Store {
        /// File the entry was written to.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The directory could not be synced, so the new or removed entry may not survive a power cut.
    #[error("cannot sync {}: {source}", dir.display())]
    SyncDir {
        /// Vault directory.
        dir: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// An entry could not be removed.
    #[error("cannot remove {}: {source}", path.display())]
    Remove {
        /// File that was to be removed.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// An entry could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// File that was to be read.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// An entry is not valid JSON (truncated by a power cut, or altered).
    #[error("{} is damaged: {source}", path.display())]
    Damaged {
        /// The damaged file.
        path: PathBuf,
        /// Why it does not parse.
        source: serde_json::Error,
    },
    /// An entry's file names another serial number than the drive asked for: it is not used.
    #[error("{} belongs to drive {found:?}, not {expected:?}", path.display())]
    ForeignEntry {
        /// The entry's file.
        path: PathBuf,
        /// Serial number stored in the entry.
        found: String,
        /// Serial number the entry was looked up for.
        expected: String,
    },
}

/// The drive a vaulted password belongs to, as IDENTIFY DEVICE described it when the password
/// was stored: its serial number (under which the entry is found) and what tells two drives
/// with the same serial apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultedDrive {
    /// IDENTIFY words 10-19.
    pub serial: String,
    /// IDENTIFY words 108-111 in hex (16 digits), when the drive reports a world wide name.
    pub wwn: Option<String>,
    /// IDENTIFY words 27-46.
    pub model: String,
    /// User-addressable sectors (IDENTIFY words 100-103, or 60-61), after any max address.
    pub sectors: u64,
}

impl VaultedDrive {
    /// The drive that answered `id`.
    pub fn from_identify(id: &ardoise_disk::ata::IdentifyData) -> VaultedDrive {
        VaultedDrive {
            serial: id.serial.clone(),
            wwn: id.wwn.map(|w| format!("{w:016x}")),
            model: id.model.clone(),
            sectors: id.user_sectors(),
        }
    }

    /// How the drive that answers `id` differs from this one, in words; empty when it is the
    /// same drive as far as its serial, WWN, model and size tell. `native_sectors` (READ NATIVE
    /// MAX + 1, when read) also counts as its size: the HPA is lifted with a volatile SET MAX,
    /// so after a power cycle the drive shows fewer sectors than when the password was stored.
    pub fn differences(
        &self,
        id: &ardoise_disk::ata::IdentifyData,
        native_sectors: Option<u64>,
    ) -> Vec<String> {
        let now = VaultedDrive::from_identify(id);
        let mut out = Vec::new();
        if now.serial != self.serial {
            out.push(format!("serial {:?}, not {:?}", now.serial, self.serial));
        }
        if now.wwn != self.wwn {
            let show = |w: &Option<String>| w.clone().unwrap_or_else(|| "none".into());
            out.push(format!("WWN {}, not {}", show(&now.wwn), show(&self.wwn)));
        }
        if now.model.trim() != self.model.trim() {
            out.push(format!("model {:?}, not {:?}", now.model, self.model));
        }
        if now.sectors != self.sectors && native_sectors != Some(self.sectors) {
            out.push(format!("{} sectors, not {}", now.sectors, self.sectors));
        }
        out
    }
}

/// A stored password and the drive it was stored for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPassword {
    /// The temporary password.
    pub password: String,
    /// The drive it belongs to; `None` for an entry that records only a serial number (written
    /// before entries recorded the drive), which no clear drive may claim.
    pub drive: Option<VaultedDrive>,
}

/// Keeps one temporary password per drive serial number.
pub trait PasswordVault: Send + Sync {
    /// Stores `password` for `drive`, durably, under its serial. Never replaces an entry: one
    /// that exists belongs to another drive with the same serial in this run, or to an
    /// interrupted erase whose drive may still be locked with it. An error means the password
    /// is not safely stored and the erase must not start.
    fn remember(&self, drive: &VaultedDrive, password: &str) -> Result<(), VaultError>;
    /// Whether this process stored the password of `disk_serial` and has not removed it yet: a
    /// job is running on a drive with that serial, and its entry must not be touched by the
    /// recovery of another drive with the same serial.
    fn in_use(&self, disk_serial: &str) -> bool;
    /// Whether a stored password survives a power cut (false for a vault in RAM: PXE boot, no
    /// data partition). SECURITY ERASE UNIT is only started with a durable vault.
    fn is_durable(&self) -> bool;
    /// Removes the password of `disk_serial` (no error when there is none).
    fn forget(&self, disk_serial: &str) -> Result<(), VaultError>;
    /// The password stored for `disk_serial` and the drive it was stored for, if any.
    fn recall_entry(&self, disk_serial: &str) -> Result<Option<StoredPassword>, VaultError>;
    /// The password stored for `disk_serial`, if any.
    fn recall(&self, disk_serial: &str) -> Result<Option<String>, VaultError> {
        Ok(self.recall_entry(disk_serial)?.map(|e| e.password))
    }
}

/// Characters of a generated password: letters and digits only, so that a technician can type
/// it into `hdparm --security-unlock` if everything else fails.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// 24 characters of 62: about 142 bits.
pub const PASSWORD_LEN: usize = 24;

/// A fresh random password from the operating system's generator.
pub fn temporary_password() -> Result<String, VaultError> {
    let mut out = String::with_capacity(PASSWORD_LEN);
    let mut buf = [0u8; 64];
    while out.len() < PASSWORD_LEN {
        getrandom::getrandom(&mut buf).map_err(VaultError::NoRandomNumbers)?;
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

/// The refusal of [`PasswordVault::remember`] when an entry exists.
fn occupied(serial: &str) -> VaultError {
    VaultError::Occupied {
        serial: serial.to_string(),
    }
}

/// A vault in memory, for tests. [`MemoryVault::new`] stands for a durable vault (as the data
/// partition's [`FileVault`] is); [`MemoryVault::volatile`] for one that is not, and
/// [`MemoryVault::refusing`] for one whose `remember` fails.
#[derive(Debug, Default)]
pub struct MemoryVault {
    entries: Mutex<HashMap<String, StoredPassword>>,
    refuse: bool,
    volatile: bool,
}

impl MemoryVault {
    /// An empty vault that claims to survive a power cut.
    pub fn new() -> Self {
        Self::default()
    }

    /// A vault that says it would not survive a power cut.
    pub fn volatile() -> Self {
        MemoryVault {
            volatile: true,
            ..Self::default()
        }
    }

    /// A vault that cannot store anything (to show that an erase does not start then).
    pub fn refusing() -> Self {
        MemoryVault {
            refuse: true,
            ..Self::default()
        }
    }

    /// Number of stored passwords.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// `true` when no password is stored.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredPassword>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl PasswordVault for MemoryVault {
    fn remember(&self, drive: &VaultedDrive, password: &str) -> Result<(), VaultError> {
        if self.refuse {
            return Err(VaultError::Refusing);
        }
        let mut entries = self.lock();
        if entries.contains_key(&drive.serial) {
            return Err(occupied(&drive.serial));
        }
        entries.insert(
            drive.serial.clone(),
            StoredPassword {
                password: password.to_string(),
                drive: Some(drive.clone()),
            },
        );
        Ok(())
    }

    fn is_durable(&self) -> bool {
        !self.volatile
    }

    fn in_use(&self, disk_serial: &str) -> bool {
        self.lock().contains_key(disk_serial)
    }

    fn forget(&self, disk_serial: &str) -> Result<(), VaultError> {
        self.lock().remove(disk_serial);
        Ok(())
    }

    fn recall_entry(&self, disk_serial: &str) -> Result<Option<StoredPassword>, VaultError> {
        Ok(self.lock().get(disk_serial).cloned())
    }
}

/// One file per drive in a directory (mode 0700), each written atomically with mode 0600:
/// a temporary file is written and synced, renamed over the final name, and the directory is
/// synced, so a power cut leaves either the old file or the new one.
///
/// Whether it survives a power cut is measured from the filesystem that holds the directory
/// ([`ardoise_disk::durable::persistence_of`]: tmpfs and ramfs do not), never taken on trust.
#[derive(Debug, Clone)]
pub struct FileVault {
    dir: PathBuf,
    persistence: Persistence,
    declared_volatile: bool,
    /// Serials whose entry this process wrote and has not removed.
    mine: std::sync::Arc<Mutex<std::collections::HashSet<String>>>,
}

/// Serialises `remember` within the process: the exists-check and the rename are one step.
/// (One station process issues per data directory: the certificate store's lock.)
static REMEMBER: Mutex<()> = Mutex::new(());

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    serial: String,
    password: String,
    #[serde(with = "time::serde::rfc3339")]
    stored: time::OffsetDateTime,
    /// The drive's identity beyond its serial; absent in entries written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wwn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sectors: Option<u64>,
}

impl Entry {
    /// The drive the entry was stored for, when it records more than the serial.
    fn drive(&self) -> Option<VaultedDrive> {
        Some(VaultedDrive {
            serial: self.serial.clone(),
            wwn: self.wwn.clone(),
            model: self.model.clone()?,
            sectors: self.sectors?,
        })
    }
}

impl FileVault {
    /// Opens (creating it if needed) the vault directory.
    pub fn open(dir: &Path) -> Result<FileVault, VaultError> {
        if !dir.exists() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|source| VaultError::CreateDir {
                    dir: dir.to_path_buf(),
                    source,
                })?;
        }
        if !dir.is_dir() {
            return Err(VaultError::NotADirectory {
                dir: dir.to_path_buf(),
            });
        }
        Ok(FileVault {
            dir: dir.to_path_buf(),
            persistence: ardoise_disk::durable::persistence_of(dir),
            declared_volatile: false,
            mine: Default::default(),
        })
    }

    /// The station's word that its data directory is in RAM (`ARDOISE_DATA_PERSISTENT=0`)
    /// makes the vault volatile. Nothing makes a vault on tmpfs or ramfs durable.
    pub fn declared_volatile(mut self, volatile: bool) -> Self {
        self.declared_volatile |= volatile;
        self
    }

    /// What the filesystem holding the directory is, as measured when the vault was opened.
    pub fn persistence(&self) -> &Persistence {
        &self.persistence
    }

    /// Directory holding one file per stored password.
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

    fn mine_mut(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.mine.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sync_dir(&self) -> Result<(), VaultError> {
        ardoise_disk::durable::sync_directory(&self.dir).map_err(|source| VaultError::SyncDir {
            dir: self.dir.clone(),
            source,
        })
    }
}

impl PasswordVault for FileVault {
    fn remember(&self, drive: &VaultedDrive, password: &str) -> Result<(), VaultError> {
        let _one_at_a_time = REMEMBER.lock().unwrap_or_else(|p| p.into_inner());
        let disk_serial = drive.serial.as_str();
        let path = self.path_for(disk_serial);
        if path.exists() {
            return Err(occupied(disk_serial));
        }
        let tmp = path.with_extension("json.tmp");
        let entry = Entry {
            serial: disk_serial.to_string(),
            password: password.to_string(),
            stored: time::OffsetDateTime::now_utc(),
            wwn: drive.wwn.clone(),
            model: Some(drive.model.clone()),
            sectors: Some(drive.sectors),
        };
        let text = serde_json::to_vec_pretty(&entry).map_err(VaultError::Encode)?;
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
        if let Err(source) = write() {
            let _ = fs::remove_file(&tmp);
            return Err(VaultError::Store { path, source });
        }
        self.mine_mut().insert(disk_serial.to_string());
        self.sync_dir()
    }

    fn is_durable(&self) -> bool {
        self.persistence.survives_power_cut() && !self.declared_volatile
    }

    fn in_use(&self, disk_serial: &str) -> bool {
        self.mine_mut().contains(disk_serial)
    }

    fn forget(&self, disk_serial: &str) -> Result<(), VaultError> {
        let path = self.path_for(disk_serial);
        match fs::remove_file(&path) {
            Ok(()) => {
                self.mine_mut().remove(disk_serial);
                self.sync_dir()
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(VaultError::Remove { path, source }),
        }
    }

    fn recall_entry(&self, disk_serial: &str) -> Result<Option<StoredPassword>, VaultError> {
        let path = self.path_for(disk_serial);
        let text = match fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(VaultError::Read { path, source }),
        };
        let entry: Entry = match serde_json::from_slice(&text) {
            Ok(entry) => entry,
            Err(source) => return Err(VaultError::Damaged { path, source }),
        };
        if entry.serial != disk_serial {
            return Err(VaultError::ForeignEntry {
                path,
                found: entry.serial,
                expected: disk_serial.to_string(),
            });
        }
        let drive = entry.drive();
        Ok(Some(StoredPassword {
            password: entry.password,
            drive,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn drive(serial: &str) -> VaultedDrive {
        VaultedDrive {
            serial: serial.into(),
            wwn: Some("5001b448b1234567".into()),
            model: "WDC WD10EZEX".into(),
            sectors: 1_953_525_168,
        }
    }

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
        v.remember(&drive("S1"), "pw").unwrap();
        assert_eq!(v.recall("S1").unwrap().as_deref(), Some("pw"));
        v.forget("S1").unwrap();
        assert!(v.is_empty());
        assert!(MemoryVault::refusing()
            .remember(&drive("S1"), "pw")
            .is_err());
    }

    #[test]
    fn file_vault_round_trip_mode_and_odd_serials() {
        let dir = tempfile::tempdir().unwrap();
        let v = FileVault::open(&dir.path().join("vault")).unwrap();
        let serial = "WD-WCC6Y0 / SIM";
        assert_eq!(v.recall(serial).unwrap(), None);
        v.remember(&drive(serial), "first").unwrap();
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
        assert_eq!(again.recall(serial).unwrap().as_deref(), Some("first"));
        // With the drive it belongs to, beyond its serial.
        assert_eq!(
            again.recall_entry(serial).unwrap().unwrap().drive,
            Some(drive(serial))
        );
        assert_eq!(again.recall("WD-WCC6Y0 / SIN").unwrap(), None);
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(v.dir()).unwrap().count(), 1);
        again.forget(serial).unwrap();
        again.forget(serial).unwrap();
        assert_eq!(v.recall(serial).unwrap(), None);
    }

    #[test]
    fn an_entry_is_never_replaced_so_two_drives_with_one_serial_keep_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let file = FileVault::open(dir.path()).unwrap();
        let memory = MemoryVault::new();
        for v in [&file as &dyn PasswordVault, &memory] {
            v.remember(&drive("SAME-SERIAL"), "first drive").unwrap();
            let e = v
                .remember(&drive("SAME-SERIAL"), "second drive")
                .unwrap_err();
            assert!(e.to_string().contains("already stored"), "{e}");
            assert_eq!(
                v.recall("SAME-SERIAL").unwrap().as_deref(),
                Some("first drive")
            );
            assert!(v.in_use("SAME-SERIAL"));
            v.forget("SAME-SERIAL").unwrap();
            assert!(!v.in_use("SAME-SERIAL"));
            v.remember(&drive("SAME-SERIAL"), "second drive").unwrap();
        }
        // An entry left by an earlier run is not in use by this one: recovery may take it.
        assert!(!FileVault::open(dir.path()).unwrap().in_use("SAME-SERIAL"));
    }

    #[test]
    fn durability_is_measured_and_the_station_can_only_lower_it() {
        let dir = tempfile::tempdir().unwrap();
        let disk = FileVault::open(dir.path()).unwrap();
        // The test's temporary directory is on a disk-backed filesystem (skip where it is not).
        if disk.persistence().survives_power_cut() {
            assert!(disk.is_durable());
        }
        let ram = FileVault::open(dir.path()).unwrap().declared_volatile(true);
        assert!(!ram.is_durable());
        assert!(!ram.declared_volatile(false).is_durable());
        // /dev/shm is a tmpfs: a vault there is not durable, whatever the station says.
        let shm = Path::new("/dev/shm");
        if shm.is_dir() {
            let d = tempfile::tempdir_in(shm).unwrap();
            let v = FileVault::open(d.path()).unwrap().declared_volatile(false);
            assert!(!v.is_durable(), "{}", v.persistence());
        }
        assert!(MemoryVault::new().is_durable());
        assert!(!MemoryVault::volatile().is_durable());
    }

    #[test]
    fn an_entry_written_before_drive_identities_were_kept_names_no_drive() {
        let dir = tempfile::tempdir().unwrap();
        let v = FileVault::open(dir.path()).unwrap();
        fs::write(
            v.path_for("OLD-1"),
            br#"{"serial":"OLD-1","password":"pw","stored":"2026-01-02T03:04:05Z"}"#,
        )
        .unwrap();
        let e = v.recall_entry("OLD-1").unwrap().unwrap();
        assert_eq!(e.password, "pw");
        assert_eq!(e.drive, None);
    }

    #[test]
    fn a_damaged_or_foreign_file_is_an_error_not_a_password() {
        let dir = tempfile::tempdir().unwrap();
        let v = FileVault::open(dir.path()).unwrap();
        fs::write(v.path_for("A"), b"{not json").unwrap();
        assert!(v.recall("A").is_err());
        v.remember(&drive("B"), "pw").unwrap();
        fs::copy(v.path_for("B"), v.path_for("C")).unwrap();
        assert!(v
            .recall("C")
            .unwrap_err()
            .to_string()
            .contains("belongs to drive"));
    }
}
