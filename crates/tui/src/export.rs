//! Copying the station's certificates to another USB stick (or, under `--simulate`, to a
//! directory standing for one): the signed envelopes and the registry's receipts, into
//! `ardoise-certificats/<workshop>-<station>/`, each file written then fsynced.
//!
//! The stick is not trusted: it is mounted `nosymfollow`, the folders must be real folders
//! (not symbolic links), and each file is written under a new name (`O_CREAT|O_EXCL|
//! O_NOFOLLOW`) then renamed over the old one, which replaces a link rather than writing
//! through it. Symbolic links in the data directory are refused too.

use std::path::{Path, PathBuf};

use ardoise_disk::discovery::{discover, DiscoveryOptions};
use ardoise_disk::{MediaKind, Transport};

use crate::app::{ExportKind, ExportTarget};
pub use crate::fmt::sanitize;
use crate::i18n::{tf, Language, T};

/// Folder created at the root of the stick.
pub const EXPORT_FOLDER: &str = "ardoise-certificats";
/// Where a partition is mounted for the copy.
pub const MOUNT_POINT: &str = "/run/ardoise/export";

/// Copies every certificate and receipt of `data_dir` into `<root>/ardoise-certificats/<sub>/`.
/// Returns the number of certificates and the folder.
pub fn export_to_dir(data_dir: &Path, root: &Path, sub: &str) -> Result<(usize, PathBuf), String> {
    let src = data_dir.join("certificates");
    let folder = root.join(EXPORT_FOLDER);
    let dest = folder.join(sanitize(sub));
    real_dir(&folder)?;
    real_dir(&dest)?;
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
        let bytes = read_no_follow(&src.join(n)).map_err(|e| format!("{n}: {e}"))?;
        let target = dest.join(n);
        write_synced(&target, &bytes).map_err(|e| format!("{}: {e}", target.display()))?;
        if n.ends_with(".dsse.json") {
            certificates += 1;
        }
    }
    // The machines' labels (crate::labels), beside the certificates.
    crate::labels::copy_labels(data_dir, &dest)?;
    if let Ok(d) = std::fs::File::open(&dest) {
        let _ = d.sync_all();
    }
    Ok((certificates, dest))
}

/// Creates `dir` if needed; refuses it when it is anything but a real directory.
fn real_dir(dir: &Path) -> Result<(), String> {
    match std::fs::create_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let meta =
                std::fs::symlink_metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            if meta.file_type().is_dir() {
                Ok(())
            } else {
                Err(format!(
                    "{} exists and is not a folder (a symbolic link?): nothing exported",
                    dir.display()
                ))
            }
        }
        Err(e) => Err(format!("{}: {e}", dir.display())),
    }
}

fn read_no_follow(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Writes a new file (`O_EXCL|O_NOFOLLOW`) beside `path`, syncs it, renames it over `path`.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// How an export stick is mounted: no devices, no set-uid, no programs, and no symbolic link
/// followed (`nosymfollow`, Linux 5.10).
fn mount_flags() -> nix::mount::MsFlags {
    use nix::mount::MsFlags;
    MsFlags::MS_NOSUID
        | MsFlags::MS_NODEV
        | MsFlags::MS_NOEXEC
        | MsFlags::from_bits_retain(nix::libc::MS_NOSYMFOLLOW)
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
    let flags: MsFlags = mount_flags();
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
        // Exporting again overwrites with the same content, leaving no temporary file.
        assert_eq!(
            export_to_dir(data.path(), stick.path(), "atelier/1:poste")
                .unwrap()
                .0,
            2
        );
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }

    fn one_certificate() -> tempfile::TempDir {
        let data = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(data.path().join("certificates")).unwrap();
        std::fs::write(data.path().join("certificates/aa.dsse.json"), b"{1}").unwrap();
        data
    }

    #[test]
    fn a_symbolic_link_on_the_stick_is_never_followed() {
        use std::os::unix::fs::symlink;
        let data = one_certificate();
        let victim = tempfile::tempdir().unwrap();
        std::fs::write(victim.path().join("station.key"), b"secret").unwrap();

        // The export folder is a link to elsewhere: refused, nothing written there.
        let stick = tempfile::tempdir().unwrap();
        symlink(victim.path(), stick.path().join(EXPORT_FOLDER)).unwrap();
        let e = export_to_dir(data.path(), stick.path(), "st").unwrap_err();
        assert!(e.contains("not a folder"), "{e}");
        assert_eq!(std::fs::read_dir(victim.path()).unwrap().count(), 1);

        // A file is a link to a file elsewhere: the link is replaced, its target untouched.
        let stick = tempfile::tempdir().unwrap();
        let dest = stick.path().join(EXPORT_FOLDER).join("st");
        std::fs::create_dir_all(&dest).unwrap();
        symlink(victim.path().join("station.key"), dest.join("aa.dsse.json")).unwrap();
        export_to_dir(data.path(), stick.path(), "st").unwrap();
        assert_eq!(
            std::fs::read(victim.path().join("station.key")).unwrap(),
            b"secret"
        );
        let meta = std::fs::symlink_metadata(dest.join("aa.dsse.json")).unwrap();
        assert!(meta.file_type().is_file());
        assert_eq!(std::fs::read(dest.join("aa.dsse.json")).unwrap(), b"{1}");
    }

    #[test]
    fn a_symbolic_link_in_the_data_directory_is_not_copied() {
        let data = one_certificate();
        let secret = data.path().join("secret");
        std::fs::write(&secret, b"station key").unwrap();
        std::os::unix::fs::symlink(&secret, data.path().join("certificates/bb.dsse.json")).unwrap();
        let stick = tempfile::tempdir().unwrap();
        let e = export_to_dir(data.path(), stick.path(), "st").unwrap_err();
        assert!(e.contains("bb.dsse.json"), "{e}");
    }

    #[test]
    fn the_stick_is_mounted_nosymfollow() {
        assert!(mount_flags().bits() & nix::libc::MS_NOSYMFOLLOW != 0);
    }
}
