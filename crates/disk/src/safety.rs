//! Which disks must never be erased, and why.
//!
//! A disk is *protected* when it holds the medium the live system booted from or the root
//! filesystem, a mounted filesystem or active swap (directly, through a partition, or through an
//! md/device-mapper holder), when such a holder is active at all, when the kernel marks it
//! read-only, or when an exclusive (O_EXCL) open fails because another program holds it. Every
//! listing runs [`classify`]; the erase path re-checks by holding its own O_EXCL open for the
//! whole job, so that nothing can mount the disk between the check and the erase.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::bootmedium::{carries_medium, fs_ids, BootMedium};
use crate::disk_info::{DiskInfo, MountUse, ProtectionReason, Transport};
pub use crate::system::dev_numbers;
use crate::system::{read_attr, DiscoveryOptions};

/// Mounts, swaps and the root filesystem of the running system, read once per listing.
#[derive(Debug, Clone, Default)]
pub struct SystemUsage {
    /// Every mounted filesystem.
    pub mounts: Vec<MountEntry>,
    /// Every active swap area.
    pub swaps: Vec<SwapEntry>,
    /// Device number of the filesystem holding "/", when it is a block device.
    pub root_dev: Option<(u32, u32)>,
    /// Whole-disk device number of the boot medium named by the init.
    pub boot_disk_dev: Option<(u32, u32)>,
    /// Whole-disk device number of the disk holding ardoise's data partition.
    pub data_disk_dev: Option<(u32, u32)>,
    /// The boot medium's identity as the init recorded it.
    pub boot_medium: Option<BootMedium>,
    /// What could not be read (mount table, swaps, the boot medium record): while anything is
    /// listed here, every disk is protected, since none can be shown to be free.
    pub cannot_tell: Vec<String>,
}

/// One line of /proc/self/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountEntry {
    /// Device number of the mounted filesystem (major:minor field; anonymous for btrfs, tmpfs...).
    pub dev: (u32, u32),
    /// Where it is mounted.
    pub mountpoint: String,
    /// Filesystem type.
    pub fstype: String,
    /// Mount source (a device path for disk filesystems).
    pub source: String,
    /// Device number of `source` when it names a block device (btrfs reports an anonymous
    /// device number in the major:minor field).
    pub source_dev: Option<(u32, u32)>,
}

/// One line of /proc/swaps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapEntry {
    /// The swap file or device, as /proc/swaps names it.
    pub path: String,
    /// Its device number when it is a block device.
    pub dev: Option<(u32, u32)>,
}

impl SystemUsage {
    /// Reads the mount table, swaps, the device numbers of /, the boot disk and the data disk, and
    /// the boot medium record; what cannot be read goes to [`SystemUsage::cannot_tell`] rather
    /// than failing.
    pub fn read(opts: &DiscoveryOptions) -> Self {
        let mut cannot_tell = Vec::new();
        let mut read = |rel: &str| {
            let path = opts.proc_root.join(rel);
            fs::read_to_string(&path).unwrap_or_else(|e| {
                cannot_tell.push(format!("cannot read {}: {e}", path.display()));
                String::new()
            })
        };
        let mountinfo = read("self/mountinfo");
        let swaps = read("swaps");
        let boot_medium = BootMedium::read(opts).unwrap_or_else(|e| {
            cannot_tell.push(e.to_string());
            None
        });
        let root_dev = fs::metadata("/")
            .ok()
            .map(|m| dev_numbers(m.dev()))
            .filter(|(major, _)| *major != 0);
        let boot_disk_dev = opts
            .boot_device
            .as_deref()
            .and_then(|p| whole_disk_dev(opts, p));
        let data_disk_dev = opts
            .data_device
            .as_deref()
            .and_then(|p| whole_disk_dev(opts, p));
        SystemUsage {
            mounts: parse_mountinfo(&mountinfo),
            swaps: parse_swaps(&swaps),
            root_dev,
            boot_disk_dev,
            data_disk_dev,
            boot_medium,
            cannot_tell,
        }
    }
}

fn rdev_of(path: &str) -> Option<(u32, u32)> {
    use std::os::unix::fs::FileTypeExt;
    let m = fs::metadata(path).ok()?;
    m.file_type()
        .is_block_device()
        .then(|| dev_numbers(m.rdev()))
}

/// The whole disk's device number for a disk or partition node.
fn whole_disk_dev(opts: &DiscoveryOptions, path: &Path) -> Option<(u32, u32)> {
    let (major, minor) = rdev_of(path.to_str()?)?;
    let real = fs::canonicalize(opts.sys_root.join(format!("dev/block/{major}:{minor}"))).ok()?;
    let disk_dir = if real.join("partition").exists() {
        real.parent()?.to_path_buf()
    } else {
        real
    };
    parse_dev(&read_attr(&disk_dir.join("dev"))?)
}

fn parse_dev(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.trim().split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Undoes mountinfo's octal escapes (`\040` for space...).
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4]
                .iter()
                .all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (bytes[i + 1] - b'0') * 64 + (bytes[i + 2] - b'0') * 8 + (bytes[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses /proc/self/mountinfo (octal escapes in paths decoded); malformed lines are skipped.
pub fn parse_mountinfo(text: &str) -> Vec<MountEntry> {
    text.lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let f: Vec<&str> = left.split(' ').collect();
            let r: Vec<&str> = right.split(' ').collect();
            let dev = parse_dev(f.get(2)?)?;
            let source = unescape(r.get(1).copied().unwrap_or(""));
            let source_dev = source.starts_with('/').then(|| rdev_of(&source)).flatten();
            Some(MountEntry {
                dev,
                mountpoint: unescape(f.get(4)?),
                fstype: r.first().copied().unwrap_or("").to_string(),
                source,
                source_dev,
            })
        })
        .collect()
}

/// Parses /proc/swaps, skipping its header line.
pub fn parse_swaps(text: &str) -> Vec<SwapEntry> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let path = unescape(line.split_whitespace().next()?);
            let dev = rdev_of(&path);
            Some(SwapEntry { path, dev })
        })
        .collect()
}

/// Device numbers of the disk, its partitions and its holders, each with a display name.
struct RelatedDevices {
    named: Vec<((u32, u32), String)>,
    devs: BTreeSet<(u32, u32)>,
}

impl RelatedDevices {
    fn of(disk: &DiskInfo, opts: &DiscoveryOptions) -> Self {
        let block = opts.sys_root.join("block");
        let mut named = Vec::new();
        let mut push = |dir: PathBuf, name: &str| {
            if let Some(dev) = read_attr(&dir.join("dev")).and_then(|d| parse_dev(&d)) {
                named.push((dev, format!("/dev/{name}")));
            }
        };
        push(block.join(&disk.name), &disk.name);
        for p in &disk.partitions {
            push(block.join(&disk.name).join(p), p);
        }
        for h in &disk.holders {
            push(block.join(h), h);
        }
        let devs = named.iter().map(|(d, _)| *d).collect();
        RelatedDevices { named, devs }
    }

    fn contains(&self, dev: &(u32, u32)) -> bool {
        self.devs.contains(dev)
    }

    fn name_of(&self, dev: (u32, u32)) -> String {
        self.named
            .iter()
            .find(|(d, _)| *d == dev)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    }
}

/// Marks `disk` protected with every reason that applies, and fills its `mounts`.
pub fn classify(disk: &mut DiskInfo, opts: &DiscoveryOptions, usage: &SystemUsage) {
    if disk.transport == Transport::File {
        classify_file(disk, usage);
        return;
    }
    if disk.transport == Transport::Simulated {
        return;
    }
    let related = RelatedDevices::of(disk, opts);
    protect_the_running_system(disk, opts, usage, &related);
    disk.mounts = protect_mounted(disk, usage, &related);
    protect_held_read_only_or_busy(disk, opts);
}

/// The boot medium, the data partition's disk and the root filesystem's disk, and any disk when
/// the system's usage could not be read.
fn protect_the_running_system(
    disk: &mut DiskInfo,
    opts: &DiscoveryOptions,
    usage: &SystemUsage,
    related: &RelatedDevices,
) {
    if !usage.cannot_tell.is_empty() {
        disk.protect(ProtectionReason::CannotTell {
            detail: usage.cannot_tell.join("; "),
        });
    }
    let ids = fs_ids(&opts.dev_root, &disk.name, &disk.partitions);
    if let Some(detail) = carries_medium(disk, &ids, usage.boot_medium.as_ref()) {
        disk.protect(ProtectionReason::BootMedium { detail });
    }
    let system_devices = [
        (usage.boot_disk_dev, "the live system booted from this disk"),
        (
            usage.data_disk_dev,
            "it holds ardoise's data partition (certificates)",
        ),
        (
            usage.root_dev,
            "it holds the running system's root filesystem",
        ),
    ];
    for (dev, detail) in system_devices {
        if dev.is_some_and(|d| related.contains(&d)) {
            disk.protect(ProtectionReason::BootMedium {
                detail: detail.into(),
            });
        }
    }
}

/// Protects the disk for each mount and swap on it or its partitions and holders; returns them.
fn protect_mounted(
    disk: &mut DiskInfo,
    usage: &SystemUsage,
    related: &RelatedDevices,
) -> Vec<MountUse> {
    let mut mounts = Vec::new();
    for m in &usage.mounts {
        let hit = [Some(m.dev), m.source_dev]
            .into_iter()
            .flatten()
            .find(|d| related.contains(d));
        if let Some(dev) = hit {
            let device = if m.source.starts_with("/dev/") {
                m.source.clone()
            } else {
                related.name_of(dev)
            };
            mounts.push(MountUse {
                device: device.clone(),
                mountpoint: m.mountpoint.clone(),
                fstype: m.fstype.clone(),
            });
            disk.protect(ProtectionReason::Mounted {
                device,
                mountpoint: m.mountpoint.clone(),
            });
        }
    }
    for s in &usage.swaps {
        if let Some(dev) = s.dev.filter(|d| related.contains(d)) {
            let device = related.name_of(dev);
            mounts.push(MountUse {
                device: device.clone(),
                mountpoint: "[swap]".into(),
                fstype: "swap".into(),
            });
            disk.protect(ProtectionReason::Swap { device });
        }
    }
    mounts
}

/// Holders (dm, md), a read-only disk, and the last check: an exclusive open held elsewhere.
fn protect_held_read_only_or_busy(disk: &mut DiskInfo, opts: &DiscoveryOptions) {
    for h in disk.holders.clone() {
        disk.protect(ProtectionReason::Holder { holder: h });
    }
    if disk.read_only {
        disk.protect(ProtectionReason::ReadOnly);
    }
    if opts.probe_exclusive_open && !disk.protected && held_exclusively_elsewhere(&disk.path) {
        disk.protect(ProtectionReason::Busy {
            detail: "another program holds it open exclusively".into(),
        });
    }
}

fn classify_file(disk: &mut DiskInfo, usage: &SystemUsage) {
    let canonical = fs::canonicalize(&disk.path).ok();
    for s in &usage.swaps {
        if canonical.as_deref() == Some(Path::new(&s.path)) {
            disk.protect(ProtectionReason::Swap {
                device: s.path.clone(),
            });
        }
    }
}

/// Opens the disk read-only with O_EXCL and closes it at once: true when that fails with EBUSY,
/// the kernel or another program holding it exclusively (a mounted filesystem, md/dm, or an
/// O_EXCL opener).
fn held_exclusively_elsewhere(path: &Path) -> bool {
    match fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_EXCL | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(_) => false,
        Err(e) if e.raw_os_error() == Some(libc::EBUSY) => true,
        // Not being able to look is not a reason to protect a disk; the erase path's own O_EXCL
        // open will refuse it if it really is busy.
        Err(e) => {
            tracing::debug!(path = %path.display(), error = %e, "exclusive-open probe could not run");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_lines() {
        let text = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n\
                    40 22 7:3 / /mnt/my\\040disk rw - vfat /dev/loop3 rw\n\
                    41 22 0:45 / /home rw - btrfs /dev/nonexistent-xyz rw\n";
        let m = parse_mountinfo(text);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].dev, (254, 0));
        assert_eq!(m[1].mountpoint, "/mnt/my disk");
        assert_eq!(m[1].fstype, "vfat");
        assert_eq!(m[2].source_dev, None);
    }

    #[test]
    fn swaps_lines() {
        let s = parse_swaps(
            "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swapfile file 1048572 0 -2\n",
        );
        assert_eq!(
            s,
            vec![SwapEntry {
                path: "/swapfile".into(),
                dev: None
            }]
        );
    }

    /// A fake /sys with sdz (partition sdz1 held by dm-3) and an idle sdy.
    fn fake_tree() -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let b = root.path().join("block");
        let w = |rel: &str, v: &str| {
            let p = b.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, v).unwrap();
        };
        w("sdz/dev", "8:0\n");
        w("sdz/size", "2048\n");
        w("sdz/device/vendor", "ATA\n");
        w("sdz/device/model", "FAKE DISK\n");
        w("sdz/sdz1/partition", "1\n");
        w("sdz/sdz1/dev", "8:1\n");
        fs::create_dir_all(b.join("sdz/sdz1/holders/dm-3")).unwrap();
        w("dm-3/dev", "253:3\n");
        fs::create_dir_all(b.join("dm-3/holders")).unwrap();
        w("sdy/dev", "8:16\n");
        w("sdy/size", "2048\n");
        w("../proc/self/mountinfo", "");
        w("../proc/swaps", "Filename Type Size Used Priority\n");
        root
    }

    fn fake_opts(root: &Path) -> DiscoveryOptions {
        DiscoveryOptions {
            sys_root: root.to_path_buf(),
            proc_root: root.join("proc"),
            dev_root: root.join("dev"),
            include_loop: false,
            probe_exclusive_open: false,
            boot_device: None,
            data_device: None,
            boot_medium: None,
        }
    }

    #[test]
    fn mount_on_a_holder_of_a_partition_protects_the_disk() {
        let root = fake_tree();
        let opts = fake_opts(root.path());
        let usage = SystemUsage {
            mounts: parse_mountinfo("30 1 253:3 / /srv rw - xfs /dev/mapper/vg-srv rw\n"),
            ..Default::default()
        };
        let disks = crate::discovery::discover(&opts).unwrap();
        let mut sdz = disks.into_iter().find(|d| d.name == "sdz").unwrap();
        assert_eq!(sdz.partitions, ["sdz1"]);
        assert_eq!(sdz.holders, ["dm-3"]);
        sdz.protected_reasons.clear();
        sdz.protected = false;
        classify(&mut sdz, &opts, &usage);
        assert!(sdz.protected);
        assert!(sdz.protected_reasons.contains(&ProtectionReason::Holder {
            holder: "dm-3".into()
        }));
        assert!(sdz.protected_reasons.iter().any(
            |r| matches!(r, ProtectionReason::Mounted { mountpoint, .. } if mountpoint == "/srv")
        ));
    }

    #[test]
    fn swap_on_a_partition_and_idle_disk() {
        let root = fake_tree();
        let opts = fake_opts(root.path());
        let disks = crate::discovery::discover(&opts).unwrap();
        let sdy = disks.iter().find(|d| d.name == "sdy").unwrap();
        assert!(!sdy.protected, "{:?}", sdy.protected_reasons);
        let mut sdz = disks.into_iter().find(|d| d.name == "sdz").unwrap();
        sdz.holders.clear();
        sdz.protected_reasons.clear();
        sdz.protected = false;
        let usage = SystemUsage {
            swaps: vec![SwapEntry {
                path: "/dev/sdz1".into(),
                dev: Some((8, 1)),
            }],
            ..Default::default()
        };
        classify(&mut sdz, &opts, &usage);
        assert_eq!(
            sdz.protected_reasons,
            vec![ProtectionReason::Swap {
                device: "/dev/sdz1".into()
            }]
        );
        let usage = SystemUsage {
            boot_disk_dev: Some((8, 0)),
            ..Default::default()
        };
        sdz.protected_reasons.clear();
        classify(&mut sdz, &opts, &usage);
        assert!(matches!(
            sdz.protected_reasons[0],
            ProtectionReason::BootMedium { .. }
        ));
    }

    #[test]
    fn unescape_octal() {
        assert_eq!(unescape("a\\040b\\011c"), "a b\tc");
        assert_eq!(unescape("plain\\"), "plain\\");
    }
}
