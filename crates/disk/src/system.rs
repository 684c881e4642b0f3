//! The running system as ardoise reads it: where its /sys, /proc and /dev are
//! ([`DiscoveryOptions`]) and the raw reads that discovery, safety, the boot medium and the
//! controller survey all share. It imports no other module of the crate, so each of them can use
//! it without import circles.

use std::fs;
use std::path::{Path, PathBuf};

/// Where to look. [`DiscoveryOptions::default`] is the running system.
#[derive(Debug, Clone)]
pub struct DiscoveryOptions {
    /// Where sysfs is (`/sys`; a fake tree in tests).
    pub sys_root: PathBuf,
    /// Where procfs is (`/proc`).
    pub proc_root: PathBuf,
    /// Where the device nodes are (`/dev`).
    pub dev_root: PathBuf,
    /// Include loop devices that have a backing file (tests and development).
    pub include_loop: bool,
    /// Probe each candidate with an O_EXCL open (the last safety check). Off for fake trees.
    pub probe_exclusive_open: bool,
    /// The device the live system booted from, as the init found it (`ARDOISE_BOOT_DEVICE`).
    pub boot_device: Option<PathBuf>,
    /// The partition holding ardoise's data (`ARDOISE_DATA_DEVICE`): its disk is protected even
    /// when it is not the boot medium (booted from CD, data on a second stick).
    pub data_device: Option<PathBuf>,
    /// The file where the init recorded the boot medium's identity (`ARDOISE_BOOT_MEDIUM`);
    /// see [`crate::bootmedium`].
    pub boot_medium: Option<PathBuf>,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        DiscoveryOptions {
            sys_root: PathBuf::from("/sys"),
            proc_root: PathBuf::from("/proc"),
            dev_root: PathBuf::from("/dev"),
            include_loop: true,
            probe_exclusive_open: true,
            boot_device: std::env::var_os("ARDOISE_BOOT_DEVICE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            data_device: std::env::var_os("ARDOISE_DATA_DEVICE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            boot_medium: std::env::var_os("ARDOISE_BOOT_MEDIUM")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }
}

/// Reads a sysfs attribute, trimmed; `None` when absent or empty.
pub fn read_attr(path: &Path) -> Option<String> {
    let s = fs::read_to_string(path).ok()?;
    let s = s
        .trim_matches(|c: char| c.is_whitespace() || c == '\0')
        .to_string();
    (!s.is_empty()).then_some(s)
}

/// Splits a Linux `dev_t` into (major, minor).
pub fn dev_numbers(rdev: u64) -> (u32, u32) {
    (
        nix::sys::stat::major(rdev) as u32,
        nix::sys::stat::minor(rdev) as u32,
    )
}
