//! The boot medium, recognised by what it is rather than by the name it had at boot.
//!
//! The init finds the medium it booted from (ISO 9660 volume `ARDOISE_LIVE`, FAT data partition
//! `ARDOISE`) and records its stable identity in a file (`ARDOISE_BOOT_MEDIUM`, written with
//! `ardoise boot-medium`): serial, WWN, the labels and UUIDs of its filesystems. A USB reset
//! or the frozen-drive suspend remedy can re-enumerate the stick as `sdc` where it was `sdb`;
//! every listing therefore protects any disk that carries an ardoise label or that identity,
//! whatever its name ([`carries_medium`]), and says when a medium that was booted from cannot
//! be found at all ([`problem`]) — an error that blocks unattended runs.
//!
//! The file holds `key=value` lines: `mode` (usb, cd, pxe, none), `expected` (1 when the boot
//! loader says the system came from a local medium), `device`, then any number of `serial`,
//! `wwn`, `label` and `uuid` lines.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::disk_info::DiskInfo;
use crate::system::DiscoveryOptions;

/// Labels that only ardoise media carry: the ISO 9660 volume and the FAT data partition.
pub const MEDIUM_LABELS: [&str; 2] = ["ARDOISE_LIVE", "ARDOISE"];

/// What the init recorded about the medium it booted from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BootMedium {
    /// How the init says the system booted: `usb`, `cd`, `pxe` or `none`.
    pub mode: String,
    /// The boot loader says the system came from a local medium (USB stick, CD, disk).
    pub expected: bool,
    /// The whole disk the init found it on (`/dev/sdb`), empty when it found none.
    pub device: String,
    /// Serial numbers the medium is known by (any disk with one of them is the medium).
    pub serials: Vec<String>,
    /// World wide names of the medium.
    pub wwns: Vec<String>,
    /// Labels of the filesystems on it (`ARDOISE_LIVE`, `ARDOISE`).
    pub labels: Vec<String>,
    /// UUIDs of the filesystems on it, as blkid names them.
    pub uuids: Vec<String>,
}

impl BootMedium {
    /// Reads the record's `key=value` lines; unknown keys and lines without `=` are ignored, empty
    /// values of the repeated keys dropped.
    pub fn parse(text: &str) -> BootMedium {
        let mut m = BootMedium::default();
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim().to_string();
            match key.trim() {
                "mode" => m.mode = value,
                "expected" => m.expected = value == "1",
                "device" => m.device = value,
                _ if value.is_empty() => {}
                "serial" => m.serials.push(value),
                "wwn" => m.wwns.push(value),
                "label" => m.labels.push(value),
                "uuid" => m.uuids.push(value),
                _ => {}
            }
        }
        m
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut out = format!(
            "mode={}\nexpected={}\ndevice={}\n",
            self.mode,
            u8::from(self.expected),
            self.device
        );
        for (key, values) in [
            ("serial", &self.serials),
            ("wwn", &self.wwns),
            ("label", &self.labels),
            ("uuid", &self.uuids),
        ] {
            for v in values {
                out.push_str(&format!("{key}={v}\n"));
            }
        }
        out
    }

    /// Reads the file named by `opts.boot_medium`; `Ok(None)` when there is none to read (not
    /// on the live system), `Err` when it is named but unreadable.
    pub fn read(opts: &DiscoveryOptions) -> Result<Option<BootMedium>, BootMediumError> {
        let Some(path) = &opts.boot_medium else {
            return Ok(None);
        };
        std::fs::read_to_string(path)
            .map(|t| Some(BootMedium::parse(&t)))
            .map_err(|error| BootMediumError::Unreadable {
                path: path.clone(),
                error,
            })
    }
}

/// Why [`BootMedium::read`] could not read the boot medium record. Every listing treats it as a
/// problem: no disk can then be shown not to be the boot medium ([`check`]).
#[derive(Debug, thiserror::Error)]
pub enum BootMediumError {
    /// The record is named (`DiscoveryOptions::boot_medium`) but cannot be read: missing,
    /// unreadable or not UTF-8.
    #[error("cannot read {}: {error}", path.display())]
    Unreadable {
        /// The record's path, as named in the options.
        path: PathBuf,
        /// What reading it returned. Not a `#[source]`: the message already says it, and
        /// chained printing would repeat it.
        error: std::io::Error,
    },
}

/// Labels and UUIDs of the filesystems on a disk and its partitions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FsIds {
    /// Non-empty volume labels (ISO 9660 volume identifier, FAT volume label).
    pub labels: Vec<String>,
    /// Volume UUIDs as blkid names them (ISO 9660 creation date, FAT volume serial); an entry is
    /// empty for an ISO 9660 volume without a creation date.
    pub uuids: Vec<String>,
}

/// Reads the ISO 9660 volume descriptor of the whole disk and the FAT boot sector of the disk
/// and of each partition (`dev_root/NAME`). What cannot be read is skipped.
pub fn fs_ids(dev_root: &Path, disk: &str, partitions: &[String]) -> FsIds {
    let mut ids = FsIds::default();
    let mut add = |found: Option<(String, String)>| {
        if let Some((label, uuid)) = found {
            if !label.is_empty() {
                ids.labels.push(label);
            }
            ids.uuids.push(uuid);
        }
    };
    let read = |name: &str, offset: u64, len: usize| -> Option<Vec<u8>> {
        let f = File::open(dev_root.join(name)).ok()?;
        let mut buf = vec![0u8; len];
        f.read_exact_at(&mut buf, offset).ok()?;
        Some(buf)
    };
    add(read(disk, 32_768, 2048).and_then(|b| iso9660(&b)));
    for name in std::iter::once(disk).chain(partitions.iter().map(String::as_str)) {
        add(read(name, 0, 512).and_then(|b| fat(&b)));
    }
    ids
}

/// Volume identifier and creation date (blkid's UUID) of an ISO 9660 primary volume
/// descriptor (ECMA-119 §8.4: type 1, "CD001", identifier at 40..72, creation date at 813).
fn iso9660(pvd: &[u8]) -> Option<(String, String)> {
    if pvd.len() < 830 || pvd[0] != 1 || &pvd[1..6] != b"CD001" {
        return None;
    }
    let label = String::from_utf8_lossy(&pvd[40..72]).trim().to_string();
    let d = String::from_utf8_lossy(&pvd[813..829]).to_string();
    let uuid = if d.chars().all(|c| c.is_ascii_digit()) {
        format!(
            "{}-{}-{}-{}-{}-{}-{}",
            &d[0..4],
            &d[4..6],
            &d[6..8],
            &d[8..10],
            &d[10..12],
            &d[12..14],
            &d[14..16]
        )
    } else {
        String::new()
    };
    Some((label, uuid))
}

/// Volume label and serial of a FAT boot sector (FAT12/16: extended BPB at 36; FAT32: at 64).
fn fat(bs: &[u8]) -> Option<(String, String)> {
    if bs.len() < 512 || bs[510] != 0x55 || bs[511] != 0xAA {
        return None;
    }
    let fat32 = u16::from_le_bytes([bs[22], bs[23]]) == 0;
    let ext = if fat32 { 64 } else { 36 };
    if bs[ext + 2] != 0x29 || !bs[ext + 18..ext + 26].starts_with(b"FAT") {
        return None;
    }
    let id = u32::from_le_bytes(bs[ext + 3..ext + 7].try_into().ok()?);
    let label = String::from_utf8_lossy(&bs[ext + 7..ext + 18])
        .trim()
        .to_string();
    let label = if label == "NO NAME" {
        String::new()
    } else {
        label
    };
    Some((label, format!("{:04X}-{:04X}", id >> 16, id & 0xffff)))
}

/// Why `disk` is (or may be) the boot medium, or `None`. `ids` are its filesystems' labels and
/// UUIDs.
pub fn carries_medium(disk: &DiskInfo, ids: &FsIds, medium: Option<&BootMedium>) -> Option<String> {
    if let Some(label) = ids
        .labels
        .iter()
        .find(|l| MEDIUM_LABELS.contains(&l.as_str()))
    {
        return Some(format!(
            "it carries the ardoise label {label} (a boot or data stick of ardoise)"
        ));
    }
    let m = medium?;
    let serial = disk.serial.trim();
    if !serial.is_empty() && m.serials.iter().any(|s| s.trim() == serial) {
        return Some(format!(
            "its serial {serial} is the one of the medium the system booted from"
        ));
    }
    if let Some(w) = disk
        .wwn
        .as_deref()
        .filter(|w| m.wwns.iter().any(|x| x == w))
    {
        return Some(format!(
            "its identifier {w} is the one of the medium the system booted from"
        ));
    }
    if let Some(l) = ids.labels.iter().find(|l| m.labels.contains(l)) {
        return Some(format!(
            "it carries the label {l} of the medium the system booted from"
        ));
    }
    ids.uuids
        .iter()
        .find(|u| !u.is_empty() && m.uuids.contains(u))
        .map(|u| format!("it carries the filesystem {u} of the medium the system booted from"))
}

/// The boot medium problem of this listing: a system booted from a local medium that the init
/// could not find, or that none of `disks` is any more. Blocks unattended runs.
pub fn problem(
    opts: &DiscoveryOptions,
    medium: Option<&BootMedium>,
    disks: &[DiskInfo],
) -> Option<String> {
    let m = medium.filter(|m| m.expected || !m.device.is_empty())?;
    if m.device.is_empty() {
        return Some(
            "the system was started from a USB stick or CD, but the init could not find which one (no disk carries the ARDOISE_LIVE or ARDOISE label): it cannot be kept out of reach, so nothing is erased unattended".into(),
        );
    }
    // A CD drive is not a disk ardoise lists; a disc cannot be re-enumerated as one.
    if m.mode == "cd" || m.device.starts_with("/dev/sr") {
        return None;
    }
    let present = disks.iter().any(|d| {
        let ids = fs_ids(&opts.dev_root, &d.name, &d.partitions);
        carries_medium(d, &ids, Some(m)).is_some()
    });
    (!present).then(|| {
        format!(
            "the medium the system booted from ({}, serial {}) is no longer among the disks (unplugged, or re-enumerating): nothing is erased unattended until it is back",
            m.device,
            m.serials.first().map(String::as_str).unwrap_or("unknown")
        )
    })
}

/// The boot medium problem now: reads the record and, when a medium was found at boot, looks
/// for it among the disks `list` returns (called only then). An unreadable record is a
/// problem: no disk can be shown not to be the boot medium.
pub fn check<E: std::fmt::Display>(
    opts: &DiscoveryOptions,
    list: impl FnOnce() -> Result<Vec<DiskInfo>, E>,
) -> Result<Option<String>, E> {
    match BootMedium::read(opts) {
        Ok(None) => Ok(None),
        Ok(Some(m)) if m.device.is_empty() => Ok(problem(opts, Some(&m), &[])),
        Ok(Some(m)) => Ok(problem(opts, Some(&m), &list()?)),
        Err(e) => Ok(Some(format!(
            "the boot medium record is unreadable ({e}): no disk can be shown not to be the boot medium"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::discover;
    use crate::disk_info::ProtectionReason;
    use std::fs;
    use std::path::PathBuf;

    /// An ISO 9660 image's first 34 KiB with volume `label` (what xorriso writes at 32 KiB).
    fn iso(label: &str) -> Vec<u8> {
        let mut b = vec![0u8; 34_816];
        let pvd = &mut b[32_768..];
        pvd[0] = 1;
        pvd[1..6].copy_from_slice(b"CD001");
        pvd[40..72].copy_from_slice(format!("{label:<32}").as_bytes());
        pvd[813..830].copy_from_slice(b"2024010112000000\0");
        b
    }

    /// A FAT32 boot sector with volume `label` and serial `id` (mkfs.fat's layout).
    fn fat32(label: &str, id: u32) -> Vec<u8> {
        let mut b = vec![0u8; 512];
        b[11..13].copy_from_slice(&512u16.to_le_bytes());
        b[66] = 0x29;
        b[67..71].copy_from_slice(&id.to_le_bytes());
        b[71..82].copy_from_slice(format!("{label:<11}").as_bytes());
        b[82..90].copy_from_slice(b"FAT32   ");
        b[510] = 0x55;
        b[511] = 0xAA;
        b
    }

    struct Tree {
        root: tempfile::TempDir,
    }

    impl Tree {
        fn new() -> Tree {
            let root = tempfile::tempdir().unwrap();
            for d in ["block", "dev", "proc/self"] {
                fs::create_dir_all(root.path().join(d)).unwrap();
            }
            fs::write(root.path().join("proc/self/mountinfo"), "").unwrap();
            fs::write(root.path().join("proc/swaps"), "Filename Type\n").unwrap();
            Tree { root }
        }

        fn path(&self, rel: &str) -> PathBuf {
            self.root.path().join(rel)
        }

        /// A USB disk `name` (serial in VPD page 80h) with one partition `{name}3`; `fs` puts
        /// the image's filesystems on it.
        fn usb_disk(&self, name: &str, minor: u32, serial: &str, fs: bool) {
            let dir = self.path(&format!(
                "devices/pci0000:00/0000:00:14.0/usb1/1-{minor}/1-{minor}:1.0/host{minor}/target{minor}:0:0/{minor}:0:0:0/block/{name}"
            ));
            let w = |rel: &str, v: &[u8]| {
                let p = dir.join(rel);
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                fs::write(p, v).unwrap();
            };
            w("dev", format!("8:{minor}").as_bytes());
            w("size", b"131072");
            w("removable", b"1");
            w("device/model", b"Cruzer Blade");
            let mut vpd = vec![0, 0x80, 0, serial.len() as u8];
            vpd.extend_from_slice(serial.as_bytes());
            w("device/vpd_pg80", &vpd);
            w(&format!("{name}3/partition"), b"3");
            w(
                &format!("{name}3/dev"),
                format!("8:{}", minor + 3).as_bytes(),
            );
            std::os::unix::fs::symlink(&dir, self.path(&format!("block/{name}"))).unwrap();
            let (disk, part) = if fs {
                (iso("ARDOISE_LIVE"), fat32("ARDOISE", 0xA4D0_DA7A))
            } else {
                (vec![0u8; 34_816], vec![0u8; 512])
            };
            fs::write(self.path(&format!("dev/{name}")), disk).unwrap();
            fs::write(self.path(&format!("dev/{name}3")), part).unwrap();
        }

        fn opts(&self, medium: Option<&str>) -> DiscoveryOptions {
            let file = medium.map(|text| {
                let p = self.path("boot-medium");
                fs::write(&p, text).unwrap();
                p
            });
            DiscoveryOptions {
                sys_root: self.root.path().to_path_buf(),
                proc_root: self.path("proc"),
                dev_root: self.path("dev"),
                include_loop: false,
                probe_exclusive_open: false,
                boot_device: None,
                data_device: None,
                boot_medium: file,
            }
        }
    }

    /// What the init recorded when it booted from the stick named sdb.
    const RECORDED: &str = "mode=usb\nexpected=1\ndevice=/dev/sdb\nserial=STICK-0001\nlabel=ARDOISE_LIVE\nlabel=ARDOISE\nuuid=2024-01-01-12-00-00-00\nuuid=A4D0-DA7A\n";

    fn boot_reason(d: &DiskInfo) -> Option<&str> {
        d.protected_reasons.iter().find_map(|r| match r {
            ProtectionReason::BootMedium { detail } => Some(detail.as_str()),
            _ => None,
        })
    }

    #[test]
    fn filesystems_of_the_image_are_read_as_blkid_names_them() {
        let t = Tree::new();
        t.usb_disk("sdc", 32, "STICK-0001", true);
        let ids = fs_ids(&t.path("dev"), "sdc", &["sdc3".into()]);
        assert_eq!(ids.labels, ["ARDOISE_LIVE", "ARDOISE"]);
        assert_eq!(ids.uuids, ["2024-01-01-12-00-00-00", "A4D0-DA7A"]);
        assert_eq!(BootMedium::parse(RECORDED).render(), RECORDED);
    }

    #[test]
    fn the_stick_that_moved_from_sdb_to_sdc_is_protected() {
        let t = Tree::new();
        t.usb_disk("sdc", 32, "STICK-0001", true);
        t.usb_disk("sdd", 48, "DONATED-9", false);
        let opts = t.opts(Some(RECORDED));
        let disks = discover(&opts).unwrap();
        let sdc = disks.iter().find(|d| d.name == "sdc").unwrap();
        assert!(sdc.protected, "{:?}", sdc.protected_reasons);
        assert!(boot_reason(sdc).unwrap().contains("ARDOISE"));
        let sdd = disks.iter().find(|d| d.name == "sdd").unwrap();
        assert!(!sdd.protected, "{:?}", sdd.protected_reasons);
        assert_eq!(
            problem(&opts, BootMedium::read(&opts).unwrap().as_ref(), &disks),
            None
        );
    }

    #[test]
    fn the_stick_is_known_by_its_serial_when_its_filesystems_cannot_be_read() {
        let t = Tree::new();
        t.usb_disk("sdc", 32, "STICK-0001", false);
        let disks = discover(&t.opts(Some(RECORDED))).unwrap();
        assert!(boot_reason(&disks[0]).unwrap().contains("STICK-0001"));
    }

    #[test]
    fn two_sticks_with_the_label_are_both_protected_even_without_a_record() {
        let t = Tree::new();
        t.usb_disk("sdb", 16, "STICK-0001", true);
        t.usb_disk("sdc", 32, "ANOTHER-STICK", true);
        for opts in [t.opts(Some(RECORDED)), t.opts(None)] {
            let disks = discover(&opts).unwrap();
            assert_eq!(disks.len(), 2);
            assert!(disks.iter().all(|d| boot_reason(d).is_some()), "{disks:?}");
        }
    }

    #[test]
    fn a_boot_medium_that_cannot_be_found_is_a_problem() {
        let t = Tree::new();
        t.usb_disk("sdd", 48, "DONATED-9", false);
        let opts = t.opts(Some(RECORDED));
        let disks = discover(&opts).unwrap();
        let medium = BootMedium::read(&opts).unwrap();
        let p = problem(&opts, medium.as_ref(), &disks).unwrap();
        assert!(p.contains("no longer among the disks"), "{p}");
        // The init found none at all.
        let none = BootMedium::parse("mode=none\nexpected=1\ndevice=\n");
        assert!(problem(&opts, Some(&none), &disks)
            .unwrap()
            .contains("could not find"));
        // PXE, or a development machine: nothing was booted from a medium.
        let pxe = BootMedium::parse("mode=pxe\nexpected=0\ndevice=\n");
        assert_eq!(problem(&opts, Some(&pxe), &disks), None);
        assert_eq!(problem(&opts, None, &disks), None);
    }

    #[test]
    fn unreadable_mount_table_swaps_or_record_protect_every_disk() {
        let t = Tree::new();
        t.usb_disk("sdd", 48, "DONATED-9", false);
        for broken in ["proc/self/mountinfo", "proc/swaps", "boot-medium"] {
            let opts = t.opts(Some(RECORDED));
            fs::remove_file(t.path(broken)).unwrap();
            let disks = discover(&opts).unwrap();
            assert!(
                matches!(&disks[0].protected_reasons[0], ProtectionReason::CannotTell { detail } if detail.contains(broken.rsplit('/').next().unwrap())),
                "{broken}: {:?}",
                disks[0].protected_reasons
            );
            let _ = fs::write(
                t.path(broken),
                if broken.ends_with("swaps") {
                    "Filename\n"
                } else {
                    ""
                },
            );
        }
    }

    #[test]
    fn an_unreadable_record_is_a_typed_error_with_the_path() {
        let t = Tree::new();
        let opts = t.opts(Some(RECORDED));
        fs::remove_file(t.path("boot-medium")).unwrap();
        let e = BootMedium::read(&opts).unwrap_err();
        let BootMediumError::Unreadable { path, .. } = &e;
        assert_eq!(path, &t.path("boot-medium"));
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("cannot read {}: ", path.display())),
            "{msg}"
        );
    }
}
