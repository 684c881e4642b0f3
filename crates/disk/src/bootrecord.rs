//! Recording the boot medium: what `ardoise boot-medium` writes for the init, the identity of
//! the disk the system booted from. It describes that disk through [`crate::discovery`], so it
//! lives apart from [`crate::bootmedium`], which safety uses to recognise the medium and which
//! must not depend on discovery.

use std::path::{Path, PathBuf};

use crate::bootmedium::{fs_ids, BootMedium};
use crate::discovery::{describe_path, DiscoveryError, DiscoveryOptions};
use crate::system::dev_numbers;

/// Why the boot medium could not be described (`ardoise boot-medium` then records it by name
/// only).
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The device, or its sysfs entry, cannot be read.
    #[error("{}: {source}", device.display())]
    Unreadable {
        /// The device named.
        device: PathBuf,
        /// What reading returned.
        source: std::io::Error,
    },
    /// The device is a partition whose parent disk sysfs does not name.
    #[error("{}: no parent disk", device.display())]
    NoParentDisk {
        /// The device named.
        device: PathBuf,
    },
    /// The whole disk could not be described.
    #[error(transparent)]
    Describe(#[from] DiscoveryError),
}

/// What `ardoise boot-medium` writes for the init: the identity of `device` (a whole disk or a
/// partition of it).
pub fn record(
    opts: &DiscoveryOptions,
    device: &Path,
    mode: &str,
    expected: bool,
) -> Result<BootMedium, RecordError> {
    let whole = whole_disk(opts, device)?;
    let disk = describe_path(opts, &whole)?;
    let ids = fs_ids(&opts.dev_root, &disk.name, &disk.partitions);
    Ok(BootMedium {
        mode: mode.to_string(),
        expected,
        device: whole.display().to_string(),
        serials: [disk.serial.clone()]
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .collect(),
        wwns: disk.wwn.iter().cloned().collect(),
        labels: ids.labels,
        uuids: ids.uuids.into_iter().filter(|u| !u.is_empty()).collect(),
    })
}

/// `/dev/sdb3` → `/dev/sdb`; a whole disk is returned as is.
fn whole_disk(opts: &DiscoveryOptions, device: &Path) -> Result<PathBuf, RecordError> {
    use std::os::unix::fs::MetadataExt;
    let unreadable = |source| RecordError::Unreadable {
        device: device.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(device).map_err(unreadable)?;
    let (major, minor) = dev_numbers(meta.rdev());
    let real = std::fs::canonicalize(opts.sys_root.join(format!("dev/block/{major}:{minor}")))
        .map_err(unreadable)?;
    if !real.join("partition").exists() {
        return Ok(device.to_path_buf());
    }
    let parent =
        real.parent()
            .and_then(|p| p.file_name())
            .ok_or_else(|| RecordError::NoParentDisk {
                device: device.to_path_buf(),
            })?;
    Ok(opts.dev_root.join(parent))
}
