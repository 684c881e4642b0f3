//! Copying the station's certificates to another USB stick (or, under `--simulate`, to a
//! directory standing for one): the signed envelopes and the registry's receipts, into
//! `ardoise-certificats/<workshop>-<station>/`, each file written then fsynced.

use std::path::{Path, PathBuf};

use ardoise_disk::discovery::{discover, DiscoveryOptions};
use ardoise_disk::{MediaKind, Transport};

use crate::app::{ExportKind, ExportTarget};
use crate::i18n::{tf, Language, T};

/// Folder created at the root of the stick.
pub const EXPORT_FOLDER: &str = "ardoise-certificats";
/// Where a partition is mounted for the copy.
pub const MOUNT_POINT: &str = "/run/ardoise/export";

/// Copies every certificate and receipt of `data_dir` into `<root>/ardoise-certificats/<sub>/`.
/// Returns the number of certificates and the folder.
pub fn export_to_dir(data_dir: &Path, root: &Path, sub: &str) -> Result<(usize, PathBuf), String> {
    let src = data_dir.join("certificates");
    let dest = root.join(EXPORT_FOLDER).join(sanitize(sub));
    std::fs::create_dir_all(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let mut names: Vec<String> = match std::fs::read_dir(&src) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".dsse.json") || n.ends_with(".receipt.json"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(format!("{}: {e}", src.display())),
    };
    names.sort();
    let mut certificates = 0;
    for n in &names {
        let bytes = std::fs::read(src.join(n)).map_err(|e| format!("{n}: {e}"))?;
        let target = dest.join(n);
        write_synced(&target, &bytes).map_err(|e| format!("{}: {e}", target.display()))?;
        if n.ends_with(".dsse.json") {
            certificates += 1;
        }
    }
    if let Ok(d) = std::fs::File::open(&dest) {
        let _ = d.sync_all();
    }
    Ok((certificates, dest))
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// A folder name from the workshop and station ids (FAT forbids some characters).
pub fn sanitize(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        "station".into()
    } else {
        out
    }
}

/// Mounts `partition` (trying the file systems a stick may carry), copies, syncs, unmounts.
pub fn export_to_partition(
    partition: &Path,
    mount_point: &Path,
    data_dir: &Path,
    sub: &str,
) -> Result<(usize, PathBuf), String> {
    use nix::mount::{mount, umount, MsFlags};
    std::fs::create_dir_all(mount_point).map_err(|e| format!("{}: {e}", mount_point.display()))?;
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    let mut errors = Vec::new();
    let mut mounted = false;
    for fs in ["vfat", "exfat", "ext4", "ntfs3"] {
        match mount(Some(partition), mount_point, Some(fs), flags, None::<&str>) {
            Ok(()) => {
                mounted = true;
                break;
            }
            Err(e) => errors.push(format!("{fs}: {e}")),
        }
    }
    if !mounted {
        return Err(format!(
            "{} cannot be mounted ({})",
            partition.display(),
            errors.join("; ")
        ));
    }
    let result = export_to_dir(data_dir, mount_point, sub);
    nix::unistd::sync();
    let unmounted = umount(mount_point).map_err(|e| format!("umount: {e}"));
    let (count, dir) = result?;
    unmounted?;
    let shown = Path::new(&partition.display().to_string())
        .join(dir.strip_prefix(mount_point).unwrap_or(&dir));
    Ok((count, shown))
}

/// Partitions of removable or USB disks that are not protected (the ardoise stick is: it is
/// mounted), or the whole disk when it has no partition table.
pub fn find_partitions(lang: Language) -> Result<Vec<ExportTarget>, String> {
    let disks = discover(&DiscoveryOptions {
        include_loop: false,
        ..Default::default()
    })
    .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for d in disks {
        let removable =
            d.removable || d.transport == Transport::Usb || d.media == MediaKind::UsbFlash;
        if !removable || d.protected {
            continue;
        }
        let size = crate::fmt::size(lang, d.size_bytes);
        let model = crate::fmt::clean(&d.model);
        let parts: Vec<String> = if d.partitions.is_empty() {
            vec![d.name.clone()]
        } else {
            d.partitions.clone()
        };
        for p in parts {
            out.push(ExportTarget {
                label: tf(
                    lang,
                    T::ExportPartition,
                    &[&format!("/dev/{p}"), &model, &size],
                ),
                kind: ExportKind::Partition(PathBuf::from(format!("/dev/{p}"))),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_certificates_and_receipts_only() {
        let data = tempfile::tempdir().unwrap();
        let certs = data.path().join("certificates");
        std::fs::create_dir_all(&certs).unwrap();
        std::fs::write(certs.join("aa.dsse.json"), b"{1}").unwrap();
        std::fs::write(certs.join("aa.receipt.json"), b"{r}").unwrap();
        std::fs::write(certs.join("bb.dsse.json"), b"{2}").unwrap();
        std::fs::write(certs.join(".tmp-x"), b"partial").unwrap();
        let stick = tempfile::tempdir().unwrap();
        let (n, dir) = export_to_dir(data.path(), stick.path(), "atelier/1:poste").unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            dir,
            stick.path().join("ardoise-certificats/atelier_1_poste")
        );
        assert_eq!(std::fs::read(dir.join("aa.receipt.json")).unwrap(), b"{r}");
        assert!(!dir.join(".tmp-x").exists());
        // Exporting again overwrites with the same content.
        assert_eq!(
            export_to_dir(data.path(), stick.path(), "atelier/1:poste")
                .unwrap()
                .0,
            2
        );
    }
}
