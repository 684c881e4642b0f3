//! What one NVMe command reaches beyond the namespace named.
//!
//! NVMe Sanitize acts on the whole NVM subsystem, and Format NVM with FNA bit 0 (format) or
//! bit 1 (secure erase) set acts on every namespace of the controller (NVMe Base 2.0 §5.23,
//! §5.24, Identify Controller FNA). The other namespaces are disks of their own to the kernel:
//! one of them may be mounted, or be the boot medium. So before such a command, every sibling
//! namespace is described, classified and held with an exclusive open for the whole job
//! ([`hold_siblings`]), and jobs on one controller run one after another
//! ([`ControllerLock`]).
//!
//! Siblings are the whole disks whose sysfs directory has the same parent as the named one: the
//! controller (`/sys/devices/…/nvme/nvme0/nvme0n2`) or, with native multipath, the subsystem
//! (`/sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n2`). Namespaces reached through
//! another controller of the same subsystem without multipath are not seen (PCs have one
//! controller per drive).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use crate::block::{Access, DeviceFile, OpenError};
use crate::discovery::DiscoveryOptions;
use crate::disk_info::{DiskInfo, Transport};
use crate::system::read_attr;

/// Another namespace of the controller, with the exclusive open that keeps it from being
/// mounted while a command that erases it runs.
#[derive(Debug)]
pub struct HeldNamespace {
    /// The namespace as described from sysfs.
    pub info: DiskInfo,
    /// Namespace id (sysfs `nsid`), when the kernel reports it.
    pub nsid: Option<u32>,
    _held: DeviceFile,
}

/// The directory that groups the namespaces of `info`'s controller (or subsystem).
pub fn controller_dir(info: &DiskInfo) -> Option<PathBuf> {
    (info.transport == Transport::Nvme)
        .then(|| info.sysfs_path.as_deref()?.parent().map(Path::to_path_buf))
        .flatten()
}

/// Kernel names of the other namespaces of `info`'s controller, sorted.
pub fn sibling_names(opts: &DiscoveryOptions, info: &DiskInfo) -> Vec<String> {
    let Some(parent) = controller_dir(info) else {
        return Vec::new();
    };
    let mut names: Vec<String> = std::fs::read_dir(opts.sys_root.join("block"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("nvme") && *n != info.name)
        .filter(|n| {
            let dir = opts.sys_root.join("block").join(n);
            read_attr(&dir.join("hidden")).as_deref() != Some("1")
                && std::fs::canonicalize(&dir)
                    .ok()
                    .is_some_and(|real| real.parent() == Some(parent.as_path()))
        })
        .collect();
    names.sort();
    names
}

/// Describes, classifies and exclusively opens every sibling namespace of `info`. Returns the
/// holds, or every reason that forbids a command reaching them (protected, in use, cannot be
/// described). On error nothing stays held.
pub fn hold_siblings(
    opts: &DiscoveryOptions,
    info: &DiskInfo,
) -> Result<Vec<HeldNamespace>, Vec<String>> {
    let mut held = Vec::new();
    let mut problems = Vec::new();
    for name in sibling_names(opts, info) {
        let path = opts.dev_root.join(&name);
        let file = match DeviceFile::open(&path, Access::ReadOnly) {
            Ok(f) => f,
            Err(OpenError::Busy(_)) => {
                problems.push(format!(
                    "{} is in use (mounted, or held by another program or job)",
                    path.display()
                ));
                continue;
            }
            Err(e) => {
                problems.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let confirmed = DiskInfo {
            path: path.clone(),
            ..crate::discovery::file_target(&path, 0)
        };
        match crate::confirm::describe_held(opts, &confirmed, file.file()) {
            Ok(now) if now.protected => problems.push(format!(
                "{} is protected: {}",
                path.display(),
                now.protected_reasons
                    .iter()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            Ok(now) => {
                let nsid = read_attr(&opts.sys_root.join("block").join(&name).join("nsid"))
                    .and_then(|v| v.parse().ok());
                held.push(HeldNamespace {
                    info: now,
                    nsid,
                    _held: file,
                });
            }
            Err(why) => problems.push(format!("{}: {why}", path.display())),
        }
    }
    if problems.is_empty() {
        Ok(held)
    } else {
        Err(problems)
    }
}

/// Controllers with a job running in this process.
static BUSY: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
static FREED: Condvar = Condvar::new();

/// One job at a time per NVMe controller: held for the whole job, released on drop.
#[derive(Debug)]
pub struct ControllerLock {
    key: Option<PathBuf>,
}

impl ControllerLock {
    /// Waits until no other job of this process holds `info`'s controller, then holds it.
    /// Disks that are not NVMe namespaces need no lock.
    pub fn acquire(info: &DiskInfo) -> ControllerLock {
        let Some(key) = controller_dir(info) else {
            return ControllerLock { key: None };
        };
        let mut busy = BUSY.lock().unwrap_or_else(|p| p.into_inner());
        while busy.get_or_insert_with(HashSet::new).contains(&key) {
            busy = FREED.wait(busy).unwrap_or_else(|p| p.into_inner());
        }
        busy.get_or_insert_with(HashSet::new).insert(key.clone());
        ControllerLock { key: Some(key) }
    }
}

impl Drop for ControllerLock {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut busy = BUSY.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(set) = busy.as_mut() {
                set.remove(&key);
            }
            FREED.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// Two controllers: nvme0 with namespaces 1 and 2 (and a hidden multipath path), nvme1 with
    /// one namespace.
    fn fake_sys() -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let ctl0 = root
            .path()
            .join("devices/pci0000:00/0000:00:04.0/nvme/nvme0");
        let ctl1 = root
            .path()
            .join("devices/pci0000:00/0000:00:05.0/nvme/nvme1");
        fs::create_dir_all(root.path().join("block")).unwrap();
        for (ctl, name, dev) in [
            (&ctl0, "nvme0n1", "259:0"),
            (&ctl0, "nvme0n2", "259:1"),
            (&ctl0, "nvme0c0n3", "259:3"),
            (&ctl1, "nvme1n1", "259:2"),
        ] {
            let d = ctl.join(name);
            fs::create_dir_all(&d).unwrap();
            fs::write(d.join("dev"), dev).unwrap();
            fs::write(d.join("size"), "2048").unwrap();
            if name.contains('c') {
                fs::write(d.join("hidden"), "1").unwrap();
            }
            std::os::unix::fs::symlink(&d, root.path().join("block").join(name)).unwrap();
        }
        root
    }

    fn info(root: &Path, name: &str) -> DiskInfo {
        let opts = opts(root);
        crate::discovery::describe_sysfs_disk(&opts, name)
            .unwrap()
            .unwrap()
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
    fn siblings_are_the_visible_namespaces_of_the_same_controller() {
        let root = fake_sys();
        let o = opts(root.path());
        assert_eq!(
            sibling_names(&o, &info(root.path(), "nvme0n1")),
            ["nvme0n2"]
        );
        assert_eq!(
            sibling_names(&o, &info(root.path(), "nvme0n2")),
            ["nvme0n1"]
        );
        assert!(sibling_names(&o, &info(root.path(), "nvme1n1")).is_empty());
    }

    #[test]
    fn a_sibling_that_cannot_be_opened_forbids_the_reach() {
        let root = fake_sys();
        let o = opts(root.path());
        // No device node for nvme0n2 in the fake /dev: it cannot be held, so it cannot be
        // called free.
        let problems = hold_siblings(&o, &info(root.path(), "nvme0n1")).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("nvme0n2"), "{problems:?}");
        assert!(hold_siblings(&o, &info(root.path(), "nvme1n1"))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn jobs_on_one_controller_wait_for_each_other() {
        let root = fake_sys();
        let a = info(root.path(), "nvme0n1");
        let b = info(root.path(), "nvme0n2");
        let other = info(root.path(), "nvme1n1");
        let first = ControllerLock::acquire(&a);
        // Another controller does not wait.
        drop(ControllerLock::acquire(&other));
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            let _second = ControllerLock::acquire(&b);
            tx.send(()).unwrap();
        });
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(200))
            .is_err());
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        t.join().unwrap();
    }
}
