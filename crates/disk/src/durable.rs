//! Making a rename durable on every filesystem the live image meets, FAT included.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

/// fsync of `dir`, then syncfs of its filesystem. On FAT (the live image's data partition) the
/// directory fsync alone did not commit a rename before a power cut (tests/qemu/test-faults.sh);
/// syncfs does. The data partition is small, so syncing all of it is cheap.
pub fn sync_directory(dir: &Path) -> std::io::Result<()> {
    let d = File::open(dir)?;
    d.sync_all()?;
    nix::unistd::syncfs(d.as_raw_fd()).map_err(std::io::Error::from)
}

/// Whether what is written under a directory survives a power cut, judged from the filesystem
/// that holds it (statfs), not from what a caller says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Persistence {
    /// A filesystem backed by a device (the live image's FAT data partition, ext4…).
    Device {
        /// The filesystem's magic number (statfs `f_type`), in hex.
        fs_type: String,
    },
    /// A filesystem in RAM: its files die with the power.
    Ram {
        /// `tmpfs` or `ramfs`.
        fs: &'static str,
    },
    /// statfs failed: nothing can be said, so nothing may count on it.
    Unknown {
        /// Why statfs failed.
        why: String,
    },
}

impl Persistence {
    /// True only for a device-backed filesystem.
    pub fn survives_power_cut(&self) -> bool {
        matches!(self, Persistence::Device { .. })
    }
}

impl std::fmt::Display for Persistence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Persistence::Device { fs_type } => {
                write!(f, "on a device-backed filesystem (type {fs_type})")
            }
            Persistence::Ram { fs } => write!(f, "in RAM ({fs}): lost at power-off"),
            Persistence::Unknown { why } => {
                write!(f, "on a filesystem that cannot be identified ({why})")
            }
        }
    }
}

/// `TMPFS_MAGIC` (linux/magic.h).
const TMPFS_MAGIC: u64 = 0x0102_1994;
/// `RAMFS_MAGIC` (linux/magic.h); the initramfs root is a ramfs or a tmpfs.
const RAMFS_MAGIC: u64 = 0x8584_58f6;

/// Classifies a statfs `f_type`.
pub fn classify_fs_type(magic: u64) -> Persistence {
    match magic {
        TMPFS_MAGIC => Persistence::Ram { fs: "tmpfs" },
        RAMFS_MAGIC => Persistence::Ram { fs: "ramfs" },
        other => Persistence::Device {
            fs_type: format!("0x{other:x}"),
        },
    }
}

/// Whether files under `dir` survive a power cut: statfs of `dir`'s filesystem.
pub fn persistence_of(dir: &Path) -> Persistence {
    match nix::sys::statfs::statfs(dir) {
        // f_type is a signed word; the magic numbers are 32-bit patterns.
        Ok(s) => classify_fs_type(s.filesystem_type().0 as u64 & 0xffff_ffff),
        Err(e) => Persistence::Unknown {
            why: format!("statfs {}: {e}", dir.display()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tmpfs_and_ramfs_do_not_survive_a_power_cut() {
        assert_eq!(
            classify_fs_type(0x0102_1994),
            Persistence::Ram { fs: "tmpfs" }
        );
        assert_eq!(
            classify_fs_type(0x8584_58f6),
            Persistence::Ram { fs: "ramfs" }
        );
        // ext4 (0xef53) and FAT (0x4d44, the data partition) do.
        assert!(classify_fs_type(0xef53).survives_power_cut());
        assert!(classify_fs_type(0x4d44).survives_power_cut());
        let gone = persistence_of(Path::new("/nonexistent/ardoise"));
        assert!(!gone.survives_power_cut(), "{gone}");
    }

    #[test]
    fn dev_shm_is_in_ram() {
        // /dev/shm is a tmpfs on every Linux this runs on; skip where it is absent.
        let shm = Path::new("/dev/shm");
        if shm.is_dir() {
            assert_eq!(persistence_of(shm), Persistence::Ram { fs: "tmpfs" });
        }
    }
}
