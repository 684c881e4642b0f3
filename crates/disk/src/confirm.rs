//! The disk behind a name is the disk that was confirmed.
//!
//! A technician confirms a disk from a listing; the erase opens it by name later. In between,
//! the name can come to mean another disk: a stick swapped in a USB dock, a loop device
//! re-attached to another file, a re-enumeration after a bus reset. So the erase path describes
//! the disk again *from the exclusive file descriptor it holds* (fstat → dev_t →
//! `/sys/dev/block/MAJ:MIN`), classifies it afresh, and [`compare`] lists every identifying
//! field that differs from what was confirmed. Any difference refuses the job before a single
//! byte is written.

use std::fs::File;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::discovery::{describe_sysfs_disk, file_target, DiscoveryError, DiscoveryOptions};
use crate::disk_info::{DiskInfo, Transport};
use crate::safety::{self, SystemUsage};
use crate::system::{dev_numbers, read_attr};

/// One identifying field whose value changed since the disk was confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The field's name in the message ("serial", "model", "size_bytes"...).
    pub field: &'static str,
    /// Its value when the disk was confirmed.
    pub confirmed: String,
    /// Its value now.
    pub now: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: confirmed {:?}, now {:?}",
            self.field, self.confirmed, self.now
        )
    }
}

/// Every identifying field of `now` that differs from `confirmed`: serial, WWN, NGUID, EUI-64,
/// size, sector size, sysfs path, model and transport. Protection and usage are not identity:
/// they are judged afresh by the caller.
pub fn compare(confirmed: &DiskInfo, now: &DiskInfo) -> Vec<Difference> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let path = |p: &Option<std::path::PathBuf>| {
        p.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    let fields: [(&'static str, String, String); 9] = [
        ("serial", confirmed.serial.clone(), now.serial.clone()),
        ("wwn", opt(&confirmed.wwn), opt(&now.wwn)),
        ("nguid", opt(&confirmed.nguid), opt(&now.nguid)),
        ("eui64", opt(&confirmed.eui64), opt(&now.eui64)),
        (
            "size_bytes",
            confirmed.size_bytes.to_string(),
            now.size_bytes.to_string(),
        ),
        (
            "logical_sector_size",
            confirmed.logical_sector_size.to_string(),
            now.logical_sector_size.to_string(),
        ),
        (
            "sysfs_path",
            path(&confirmed.sysfs_path),
            path(&now.sysfs_path),
        ),
        ("model", confirmed.model.clone(), now.model.clone()),
        (
            "transport",
            confirmed.transport.to_string(),
            now.transport.to_string(),
        ),
    ];
    fields
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(field, confirmed, now)| Difference {
            field,
            confirmed,
            now,
        })
        .collect()
}

/// Why the disk behind an opened file cannot be described: the job is refused with this text.
#[derive(Debug, thiserror::Error)]
pub enum DescribeHeldError {
    /// `fstat` of the opened file failed.
    #[error("fstat of the opened disk failed: {0}")]
    Fstat(std::io::Error),
    /// The opened file is no longer the kind of target that was confirmed.
    #[error("{} is no longer what was confirmed (a {confirmed} was confirmed)", path.display())]
    NotWhatWasConfirmed {
        /// The opened path.
        path: PathBuf,
        /// The transport that was confirmed.
        confirmed: Transport,
    },
    /// The opened device number no longer exists in sysfs: the disk was removed.
    #[error("the kernel has no block device {major}:{minor} any more (the disk was removed)")]
    Removed {
        /// Major device number of the opened file.
        major: u32,
        /// Minor device number of the opened file.
        minor: u32,
    },
    /// sysfs describes another device number than the opened file's.
    #[error("sysfs names device {sysfs_dev:?} at {}, the opened disk is {major}:{minor}", sysfs_path.display())]
    SysfsMismatch {
        /// The `dev` attribute sysfs has.
        sysfs_dev: String,
        /// The sysfs directory read.
        sysfs_path: PathBuf,
        /// Major device number of the opened file.
        major: u32,
        /// Minor device number of the opened file.
        minor: u32,
    },
    /// The opened device is a partition, not a whole disk.
    #[error("{} is a partition, not a whole disk", path.display())]
    Partition {
        /// The opened path.
        path: PathBuf,
    },
    /// `/sys/block/NAME` does not lead to the opened device.
    #[error("/sys/block/{name} is not the opened device {major}:{minor}")]
    NotListed {
        /// The kernel name looked up.
        name: String,
        /// Major device number of the opened file.
        major: u32,
        /// Minor device number of the opened file.
        minor: u32,
    },
    /// Describing the disk from sysfs failed.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// sysfs no longer describes it as a whole disk with a size.
    #[error("{name} is no longer a whole disk with a size")]
    NoLongerWholeDisk {
        /// Its kernel name.
        name: String,
    },
}

/// Describes and classifies the disk that `file` (the erase's exclusive open of
/// `confirmed.path`) really is. `Err` says why it cannot be described: it vanished, it is a
/// partition, sysfs disagrees with the descriptor.
pub fn describe_held(
    opts: &DiscoveryOptions,
    confirmed: &DiskInfo,
    file: &File,
) -> Result<DiskInfo, DescribeHeldError> {
    let meta = file.metadata().map_err(DescribeHeldError::Fstat)?;
    let mut now = if meta.file_type().is_block_device() {
        describe_dev(opts, dev_numbers(meta.rdev()), &confirmed.path)?
    } else if meta.file_type().is_file() && confirmed.transport == Transport::File {
        file_target(&confirmed.path, meta.len())
    } else {
        return Err(DescribeHeldError::NotWhatWasConfirmed {
            path: confirmed.path.clone(),
            confirmed: confirmed.transport,
        });
    };
    // The caller holds the exclusive open: probing it again would only find ourselves.
    let opts = DiscoveryOptions {
        probe_exclusive_open: false,
        ..opts.clone()
    };
    safety::classify(&mut now, &opts, &SystemUsage::read(&opts));
    Ok(now)
}

/// Describes the whole disk with device number `dev` from sysfs, named `path` (unclassified).
pub fn describe_dev(
    opts: &DiscoveryOptions,
    (major, minor): (u32, u32),
    path: &Path,
) -> Result<DiskInfo, DescribeHeldError> {
    let link = opts.sys_root.join(format!("dev/block/{major}:{minor}"));
    let real =
        std::fs::canonicalize(&link).map_err(|_| DescribeHeldError::Removed { major, minor })?;
    let sysfs_dev = read_attr(&real.join("dev")).unwrap_or_default();
    if sysfs_dev != format!("{major}:{minor}") {
        return Err(DescribeHeldError::SysfsMismatch {
            sysfs_dev,
            sysfs_path: real,
            major,
            minor,
        });
    }
    if real.join("partition").exists() {
        return Err(DescribeHeldError::Partition {
            path: path.to_path_buf(),
        });
    }
    let name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // /sys/block/NAME must be this very device, not a namesake.
    let listed = std::fs::canonicalize(opts.sys_root.join("block").join(&name)).ok();
    if listed.as_deref() != Some(real.as_path()) {
        return Err(DescribeHeldError::NotListed { name, major, minor });
    }
    let mut disk = describe_sysfs_disk(opts, &name)?
        .ok_or_else(|| DescribeHeldError::NoLongerWholeDisk { name: name.clone() })?;
    disk.path = path.to_path_buf();
    Ok(disk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::path::PathBuf;

    fn fake_sys() -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let w = |rel: &str, v: &str| {
            let p = root.path().join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, v).unwrap();
        };
        let dev = "devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sdb";
        w(&format!("{dev}/dev"), "8:16\n");
        w(&format!("{dev}/size"), "2048\n");
        w(&format!("{dev}/device/vendor"), "ATA\n");
        w(&format!("{dev}/device/model"), "DISK ONE\n");
        w(&format!("{dev}/sdb1/partition"), "1\n");
        w(&format!("{dev}/sdb1/dev"), "8:17\n");
        fs::create_dir_all(root.path().join("block")).unwrap();
        fs::create_dir_all(root.path().join("dev/block")).unwrap();
        let abs = root.path().join(dev);
        std::os::unix::fs::symlink(&abs, root.path().join("block/sdb")).unwrap();
        std::os::unix::fs::symlink(&abs, root.path().join("dev/block/8:16")).unwrap();
        std::os::unix::fs::symlink(abs.join("sdb1"), root.path().join("dev/block/8:17")).unwrap();
        root
    }

    fn opts(root: &Path) -> DiscoveryOptions {
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
    fn the_device_number_leads_to_the_disk_and_partitions_are_refused() {
        let root = fake_sys();
        let o = opts(root.path());
        let d = describe_dev(&o, (8, 16), Path::new("/dev/sdb")).unwrap();
        assert_eq!(d.name, "sdb");
        assert_eq!(d.model, "DISK ONE");
        assert_eq!(d.path, PathBuf::from("/dev/sdb"));
        let e = describe_dev(&o, (8, 17), Path::new("/dev/sdb"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("partition"), "{e}");
        let e = describe_dev(&o, (8, 32), Path::new("/dev/sdc"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("removed"), "{e}");
    }

    #[test]
    fn every_identifying_field_is_compared() {
        let root = fake_sys();
        let o = opts(root.path());
        let a = describe_dev(&o, (8, 16), Path::new("/dev/sdb")).unwrap();
        assert!(compare(&a, &a).is_empty());
        let mut b = a.clone();
        b.serial = "OTHER".into();
        b.size_bytes += 512;
        b.wwn = Some("naa.5000".into());
        b.protected = true; // not identity
        let fields: Vec<&str> = compare(&a, &b).iter().map(|d| d.field).collect();
        assert_eq!(fields, ["serial", "wwn", "size_bytes"]);
        assert!(compare(&a, &b)[0].to_string().contains("\"OTHER\""));
    }
}
