//! Finds every whole disk from /sys/block and describes it (identity, geometry, transport,
//! partitions, holders, mounts). Classification into protected / erasable is done by
//! [`crate::safety`], which every listing runs.
//!
//! The roots (/sys, /proc, /dev) are parameters so that tests can point discovery at a fake tree.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::disk_info::{DiskInfo, MediaKind, MountUse, Transport};
use crate::safety;
pub use crate::system::DiscoveryOptions;
use crate::system::{dev_numbers, read_attr};

/// Why discovery could not run at all (a single unreadable disk is skipped, not an error).
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// A directory, file or link discovery needs could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// What was read.
        path: PathBuf,
        /// What reading returned.
        source: std::io::Error,
    },
    /// The named path is not a whole disk (a partition, another kind of file...); the text says
    /// why.
    #[error("{0} is not a disk ardoise can erase: {1}")]
    NotADisk(PathBuf, String),
}

/// Lists every whole disk, classified (protected or not), sorted by kernel name.
pub fn discover(opts: &DiscoveryOptions) -> Result<Vec<DiskInfo>, DiscoveryError> {
    let block_dir = opts.sys_root.join("block");
    let entries = fs::read_dir(&block_dir).map_err(|source| DiscoveryError::Read {
        path: block_dir.clone(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_candidate_name(n, opts.include_loop))
        .collect();
    names.sort_by_key(|n| natural_key(n));
    let usage = safety::SystemUsage::read(opts);
    let mut disks = Vec::new();
    for name in names {
        match describe_sysfs_disk(opts, &name) {
            Ok(Some(mut disk)) => {
                safety::classify(&mut disk, opts, &usage);
                disks.push(disk);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(disk = %name, error = %e, "skipping a disk that could not be described")
            }
        }
    }
    Ok(disks)
}

/// Describes the target a user named on the command line: a whole-disk block device node or a
/// regular file (development and tests). Partitions are refused: ardoise erases whole disks.
pub fn describe_path(opts: &DiscoveryOptions, path: &Path) -> Result<DiskInfo, DiscoveryError> {
    use std::os::unix::fs::FileTypeExt;
    let meta = fs::metadata(path).map_err(|source| DiscoveryError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let usage = safety::SystemUsage::read(opts);
    if meta.file_type().is_file() {
        let mut disk = file_target(path, meta.len());
        safety::classify(&mut disk, opts, &usage);
        return Ok(disk);
    }
    if !meta.file_type().is_block_device() {
        return Err(DiscoveryError::NotADisk(
            path.to_path_buf(),
            "neither a block device nor a regular file".into(),
        ));
    }
    let (major, minor) = dev_numbers(std::os::unix::fs::MetadataExt::rdev(&meta));
    let sys_dev = opts.sys_root.join(format!("dev/block/{major}:{minor}"));
    let real = fs::canonicalize(&sys_dev).map_err(|source| DiscoveryError::Read {
        path: sys_dev.clone(),
        source,
    })?;
    if real.join("partition").exists() {
        let parent = real
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Err(DiscoveryError::NotADisk(
            path.to_path_buf(),
            format!(
                "it is a partition of {parent}; ardoise erases whole disks (name /dev/{parent})"
            ),
        ));
    }
    let name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut disk = describe_sysfs_disk(opts, &name)?.ok_or_else(|| {
        DiscoveryError::NotADisk(
            path.to_path_buf(),
            "not a whole disk (virtual, hidden or empty)".into(),
        )
    })?;
    disk.path = path.to_path_buf();
    safety::classify(&mut disk, opts, &usage);
    Ok(disk)
}

/// A regular file used as a target.
pub fn file_target(path: &Path, len: u64) -> DiskInfo {
    DiskInfo {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string()),
        path: path.to_path_buf(),
        model: "regular file".into(),
        serial: String::new(),
        firmware: String::new(),
        vendor: String::new(),
        wwn: None,
        eui64: None,
        nguid: None,
        size_bytes: len / 512 * 512,
        logical_sector_size: 512,
        physical_sector_size: 512,
        rotational: false,
        removable: false,
        read_only: false,
        transport: Transport::File,
        media: MediaKind::Virtual,
        sysfs_path: None,
        partitions: Vec::new(),
        holders: Vec::new(),
        mounts: Vec::new(),
        protected: false,
        protected_reason: None,
        protected_reasons: Vec::new(),
        raid_volume: None,
    }
}

/// Names under /sys/block that can be whole erasable disks.
fn is_candidate_name(name: &str, include_loop: bool) -> bool {
    const SKIP: &[&str] = &[
        "ram", "zram", "sr", "fd", "dm-", "md", "nbd", "pmem", "ubiblock", "mtdblock",
    ];
    if SKIP.iter().any(|p| name.starts_with(p)) {
        return false;
    }
    // eMMC hardware partitions (boot0/1, RPMB, general-purpose gp0..3) are areas of the card
    // mmcblkN, not disks of their own: the card's erase accounts for them.
    if name.starts_with("mmcblk")
        && (name.contains("boot") || name.contains("rpmb") || name.contains("gp"))
    {
        return false;
    }
    if name.starts_with("loop") {
        return include_loop;
    }
    true
}

/// Describes one /sys/block entry, or `None` when it is not a usable whole disk (hidden NVMe
/// multipath path, empty loop device, zero size).
pub(crate) fn describe_sysfs_disk(
    opts: &DiscoveryOptions,
    name: &str,
) -> Result<Option<DiskInfo>, DiscoveryError> {
    let dir = opts.sys_root.join("block").join(name);
    let attr = |rel: &str| read_attr(&dir.join(rel));
    if attr("hidden").as_deref() == Some("1") {
        return Ok(None);
    }
    if name.starts_with("loop") && !dir.join("loop/backing_file").exists() {
        return Ok(None);
    }
    let sectors: u64 = attr("size").and_then(|s| s.parse().ok()).unwrap_or(0);
    if sectors == 0 {
        return Ok(None);
    }
    let sysfs_path = fs::canonicalize(&dir).ok();
    let path_text = sysfs_path
        .as_deref()
        .unwrap_or(&dir)
        .to_string_lossy()
        .into_owned();
    let transport = classify_transport(name, &path_text, &dir);
    let geometry = QueueGeometry::read(&dir);
    let identity = read_identity(name, transport, &dir, sysfs_path.as_deref());
    let raid_volume = sysfs_path
        .as_deref()
        .and_then(crate::controllers::raid_volume_of);
    let media = media_kind(transport, geometry.rotational, raid_volume.is_some());
    let partitions = list_partitions(&dir);
    let holders = holders_of_disk_and_partitions(opts, &dir, &partitions);
    Ok(Some(DiskInfo {
        name: name.to_string(),
        path: opts.dev_root.join(name),
        model: identity.model,
        serial: identity.serial,
        firmware: identity.firmware,
        vendor: identity.vendor,
        wwn: identity.wwn,
        eui64: identity.eui64,
        nguid: identity.nguid,
        size_bytes: sectors * 512,
        logical_sector_size: geometry.logical,
        physical_sector_size: geometry.physical.max(geometry.logical),
        rotational: geometry.rotational,
        removable: attr("removable").as_deref() == Some("1"),
        read_only: attr("ro").as_deref() == Some("1"),
        transport,
        media,
        sysfs_path,
        partitions,
        holders,
        mounts: Vec::<MountUse>::new(),
        protected: false,
        protected_reason: None,
        protected_reasons: Vec::new(),
        raid_volume,
    }))
}

/// Sector sizes and rotation from the disk's `queue/` directory.
struct QueueGeometry {
    logical: u32,
    physical: u32,
    rotational: bool,
}

impl QueueGeometry {
    fn read(dir: &Path) -> Self {
        let attr = |rel: &str| read_attr(&dir.join(rel));
        let logical = attr("queue/logical_block_size")
            .and_then(|s| s.parse().ok())
            .unwrap_or(512);
        let physical = attr("queue/physical_block_size")
            .and_then(|s| s.parse().ok())
            .unwrap_or(logical);
        let rotational = attr("queue/rotational").as_deref() == Some("1");
        QueueGeometry {
            logical,
            physical,
            rotational,
        }
    }
}

/// What kind of medium the transport and rotation suggest; a RAID volume is one whatever its bus.
fn media_kind(transport: Transport, rotational: bool, raid_volume: bool) -> MediaKind {
    match transport {
        _ if raid_volume => MediaKind::RaidVolume,
        Transport::Nvme => MediaKind::NvmeSsd,
        Transport::Mmc => MediaKind::Emmc,
        Transport::Usb if !rotational => MediaKind::UsbFlash,
        Transport::Ata | Transport::Sas | Transport::Usb if rotational => MediaKind::Hdd,
        Transport::Ata | Transport::Sas => MediaKind::Ssd,
        Transport::Virtio | Transport::Loop | Transport::File | Transport::Simulated => {
            MediaKind::Virtual
        }
        _ => MediaKind::Unknown,
    }
}

/// Holders (dm, md...) of the disk and of each of its partitions, sorted and without repeats.
fn holders_of_disk_and_partitions(
    opts: &DiscoveryOptions,
    dir: &Path,
    partitions: &[String],
) -> Vec<String> {
    let mut holders = BTreeSet::new();
    collect_holders(opts, dir, &mut holders);
    for p in partitions {
        collect_holders(opts, &dir.join(p), &mut holders);
    }
    holders.into_iter().collect()
}

fn classify_transport(name: &str, sysfs_path: &str, dir: &Path) -> Transport {
    if name.starts_with("loop") {
        Transport::Loop
    } else if sysfs_path.contains("/usb") {
        Transport::Usb
    } else if name.starts_with("nvme") || sysfs_path.contains("/nvme/") {
        Transport::Nvme
    } else if name.starts_with("mmcblk") || sysfs_path.contains("/mmc_host/") {
        Transport::Mmc
    } else if name.starts_with("vd")
        || sysfs_path.contains("/virtio") && !dir.join("device/vendor").exists()
    {
        Transport::Virtio
    } else if sysfs_path.contains("/ata") {
        Transport::Ata
    } else if sysfs_path.contains("end_device-") || dir.join("device/sas_address").exists() {
        Transport::Sas
    } else if read_attr(&dir.join("device/vendor")).as_deref() == Some("ATA") {
        // libata disks behind a SAS HBA (mpt3sas) report vendor "ATA".
        Transport::Ata
    } else if dir.join("device/scsi_level").exists() {
        Transport::Sas
    } else {
        Transport::Other
    }
}

#[derive(Default)]
struct Identity {
    model: String,
    serial: String,
    firmware: String,
    vendor: String,
    wwn: Option<String>,
    eui64: Option<String>,
    nguid: Option<String>,
}

fn read_identity(
    name: &str,
    transport: Transport,
    dir: &Path,
    sysfs_path: Option<&Path>,
) -> Identity {
    let attr = |rel: &str| read_attr(&dir.join(rel)).unwrap_or_default();
    let mut id = Identity::default();
    match transport {
        Transport::Nvme => {
            id.model = attr("device/model");
            id.serial = attr("device/serial");
            id.firmware = attr("device/firmware_rev");
            id.vendor = read_attr(&dir.join("device/device/vendor")).unwrap_or_default();
            id.eui64 =
                read_attr(&dir.join("eui")).filter(|v| !v.trim_matches(['0', ' ', ':']).is_empty());
            id.nguid = read_attr(&dir.join("nguid"))
                .filter(|v| !v.trim_matches(['0', ' ', '-']).is_empty());
            id.wwn = read_attr(&dir.join("wwid"));
        }
        Transport::Mmc => {
            id.model = attr("device/name");
            id.serial = attr("device/serial");
            id.firmware = attr("device/fwrev");
            id.vendor = attr("device/manfid");
        }
        Transport::Virtio => {
            id.model = "virtio disk".into();
            id.serial = attr("serial");
        }
        Transport::Loop => {
            id.model = "loop device".into();
            id.serial = attr("loop/backing_file");
        }
        _ => {
            id.vendor = attr("device/vendor");
            id.model = attr("device/model");
            id.firmware = attr("device/rev");
            id.serial = vpd_serial(&dir.join("device/vpd_pg80")).unwrap_or_default();
            id.wwn = read_attr(&dir.join("device/wwid")).or_else(|| read_attr(&dir.join("wwid")));
            if id.serial.is_empty() && transport == Transport::Usb {
                id.serial = usb_serial(sysfs_path).unwrap_or_default();
            }
        }
    }
    let _ = name;
    id
}

/// Serial number from a VPD page 0x80 blob (4-byte header, then ASCII).
fn vpd_serial(path: &Path) -> Option<String> {
    let bytes = fs::read(path).ok()?;
    if bytes.len() < 4 || bytes[1] != 0x80 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
    let body = bytes.get(4..4 + len.min(bytes.len() - 4))?;
    let s = String::from_utf8_lossy(body)
        .trim_matches(|c: char| c.is_whitespace() || c == '\0')
        .to_string();
    (!s.is_empty()).then_some(s)
}

/// The serial of the USB device above a disk (the first ancestor directory with `idVendor`).
fn usb_serial(sysfs_path: Option<&Path>) -> Option<String> {
    let mut cur = sysfs_path?.parent();
    while let Some(dir) = cur {
        if dir.join("idVendor").exists() {
            return read_attr(&dir.join("serial"));
        }
        cur = dir.parent();
    }
    None
}

fn list_partitions(dir: &Path) -> Vec<String> {
    let mut parts: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("partition").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    parts.sort_by_key(|n| natural_key(n));
    parts
}

/// Adds the holders of `dir` (a disk or partition directory) and, recursively, theirs.
fn collect_holders(opts: &DiscoveryOptions, dir: &Path, out: &mut BTreeSet<String>) {
    for e in fs::read_dir(dir.join("holders"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
    {
        let holder = e.file_name().to_string_lossy().into_owned();
        if out.insert(holder.clone()) {
            collect_holders(opts, &opts.sys_root.join("block").join(&holder), out);
        }
    }
}

/// Sort key so that disks of one family stay together, sdb < sdaa and nvme2n1 < nvme10n1.
fn natural_key(name: &str) -> (String, usize, String, u64, String) {
    let split = name
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(name.len());
    let (alpha, rest) = name.split_at(split);
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let tail = rest[digits.len()..].to_string();
    let family: String = alpha.chars().take(2).collect();
    (
        family,
        alpha.len(),
        alpha.to_string(),
        digits.parse().unwrap_or(0),
        tail,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_names() {
        for n in ["sda", "nvme0n1", "mmcblk0", "vda", "loop3"] {
            assert!(is_candidate_name(n, true), "{n}");
        }
        for n in [
            "ram0",
            "zram0",
            "sr0",
            "dm-0",
            "md127",
            "mmcblk0boot0",
            "mmcblk0rpmb",
            "mmcblk0gp0",
            "mmcblk1gp3",
            "fd0",
        ] {
            assert!(!is_candidate_name(n, true), "{n}");
        }
        assert!(!is_candidate_name("loop0", false));
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["sdaa", "sdb", "nvme10n1", "nvme2n1", "sda"];
        v.sort_by_key(|n| natural_key(n));
        assert_eq!(v, ["nvme2n1", "nvme10n1", "sda", "sdb", "sdaa"]);
    }

    #[test]
    fn vpd_page_80() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("vpd_pg80");
        fs::write(
            &p,
            [
                0x00, 0x80, 0x00, 0x0c, b' ', b' ', b'W', b'D', b'-', b'1', b'2', b'3', b'4', b'5',
                b' ', b' ',
            ],
        )
        .unwrap();
        assert_eq!(vpd_serial(&p).as_deref(), Some("WD-12345"));
        fs::write(&p, [0x00, 0x83, 0x00, 0x01, b'x']).unwrap();
        assert_eq!(vpd_serial(&p), None);
    }
}
