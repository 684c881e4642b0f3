//! Export to a real partition: a loop device this test creates over a file, formatted with
//! mkfs.vfat (or mkfs.ext4 when the kernel running the tests has no FAT driver; the live image
//! has one), mounted and unmounted by the export, then read back. Needs root (loop devices and
//! mount); never touches another device.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Loop(PathBuf);

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").arg("-d").arg(&self.0).status();
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn certificates_are_copied_to_a_fat_stick_and_it_is_unmounted() {
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("skipped: loop devices and mount need root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("stick.img");
    std::fs::File::create(&img)
        .unwrap()
        .set_len(40 << 20)
        .unwrap();
    let fat = std::fs::read_to_string("/proc/filesystems")
        .unwrap()
        .lines()
        .any(|l| l.trim_end().ends_with("vfat"))
        || Command::new("modprobe")
            .arg("vfat")
            .status()
            .is_ok_and(|s| s.success());
    if fat {
        run(Command::new("mkfs.vfat").arg("-n").arg("EXPORT").arg(&img));
    } else {
        eprintln!("no vfat in this kernel: exporting to ext4 instead");
        run(Command::new("mkfs.ext4").arg("-q").arg("-F").arg(&img));
    }
    let dev = PathBuf::from(run(Command::new("losetup")
        .args(["-f", "--show"])
        .arg(&img)));
    let _guard = Loop(dev.clone());

    let data = dir.path().join("data");
    let certs = data.join("certificates");
    std::fs::create_dir_all(&certs).unwrap();
    let id = "ab".repeat(32);
    std::fs::write(certs.join(format!("{id}.dsse.json")), b"{\"payload\":1}").unwrap();
    std::fs::write(certs.join(format!("{id}.receipt.json")), b"{\"r\":1}").unwrap();

    let mnt = dir.path().join("mnt");
    let (n, shown) =
        ardoise_tui::export::export_to_partition(&dev, &mnt, &data, "atelier-poste").unwrap();
    assert_eq!(n, 1);
    assert!(shown.starts_with(&dev), "{}", shown.display());
    // Unmounted afterwards.
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap();
    assert!(!mounts.contains(&mnt.display().to_string()), "{mounts}");

    // Read it back.
    let check = dir.path().join("check");
    std::fs::create_dir_all(&check).unwrap();
    run(Command::new("mount")
        .arg("-o")
        .arg("ro")
        .arg(&dev)
        .arg(&check));
    let folder = check.join("ardoise-certificats/atelier-poste");
    let got = std::fs::read(folder.join(format!("{id}.dsse.json")));
    let receipt = folder.join(format!("{id}.receipt.json")).exists();
    run(Command::new("umount").arg(&check));
    assert_eq!(got.unwrap(), b"{\"payload\":1}");
    assert!(receipt);
}

#[test]
fn a_partition_that_cannot_be_mounted_is_an_error() {
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("blank.img");
    std::fs::File::create(&img)
        .unwrap()
        .set_len(8 << 20)
        .unwrap();
    let dev = PathBuf::from(run(Command::new("losetup")
        .args(["-f", "--show"])
        .arg(&img)));
    let _guard = Loop(dev.clone());
    let err = ardoise_tui::export::export_to_partition(
        &dev,
        &dir.path().join("mnt"),
        Path::new("/nonexistent"),
        "x",
    )
    .unwrap_err();
    assert!(err.contains("cannot be mounted"), "{err}");
}
