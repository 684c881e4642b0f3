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
