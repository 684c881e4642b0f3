//! `ardoise auto` and the storage-controller survey: a machine with a controller whose disks
//! cannot be seen (no driver) never ends "DONE all disks erased"; its certificates record
//! the controllers in `host.storage`. The survey reads a fake sysfs tree (hidden
//! `--sys-root`); the disk is a simulated one.

mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use ardoise_disk::sim::profile::{SimDeviceSpec, SimDisk};
use ardoise_disk::{MediaKind, Transport};
use common::{ardoise, code, text};

/// A fake /sys with an AHCI controller (bound) and an LSI SAS HBA, bound or not, with a disk
/// behind it or not.
fn fake_sys(dir: &Path, hba_driver: Option<&str>, hba_disk: bool) -> PathBuf {
    let root = dir.join("sys");
    for (addr, class, vendor, device, driver) in [
        ("0000:00:1f.2", "0x010601", "0x8086", "0x2922", Some("ahci")),
        ("0000:00:04.0", "0x010000", "0x1000", "0x0054", hba_driver),
    ] {
        let dev = root.join("devices/pci0000:00").join(addr);
        std::fs::create_dir_all(&dev).unwrap();
        for (k, v) in [("class", class), ("vendor", vendor), ("device", device)] {
            std::fs::write(dev.join(k), format!("{v}\n")).unwrap();
        }
        std::fs::create_dir_all(root.join("bus/pci/devices")).unwrap();
        symlink(&dev, root.join("bus/pci/devices").join(addr)).unwrap();
        if let Some(d) = driver {
            let drv = root.join("bus/pci/drivers").join(d);
            std::fs::create_dir_all(&drv).unwrap();
            symlink(&drv, dev.join("driver")).unwrap();
        }
    }
    if hba_disk {
        let disk = root.join("devices/pci0000:00/0000:00:04.0/host2/target2:0:0/2:0:0:0/block/sdb");
        std::fs::create_dir_all(&disk).unwrap();
        std::fs::create_dir_all(root.join("block")).unwrap();
        symlink(&disk, root.join("block/sdb")).unwrap();
    }
    root
}

fn disk(dir: &Path) -> String {
    let spec = SimDeviceSpec::Block {
        model: "virtio disk".into(),
        serial: "VD-CTRL".into(),
        transport: Transport::Virtio,
        media: MediaKind::Virtual,
    };
    let p = SimDisk::create(dir, "vd", spec, 512, 4096).unwrap();
    format!("sim:{}", p.display())
}

fn payloads(data: &Path) -> Vec<serde_json::Value> {
    use base64::Engine;
    let mut out = Vec::new();
    for e in std::fs::read_dir(data.join("certificates")).unwrap() {
        let p = e.unwrap().path();
        if p.to_string_lossy().ends_with(".dsse.json") {
            let env: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(env["payload"].as_str().unwrap())
                .unwrap();
            out.push(serde_json::from_slice(&bytes).unwrap());
        }
    }
    out
}

fn auto(dir: &Path, sys: &Path) -> std::process::Output {
    let data = dir.join("data");
    ardoise(&[
        "auto",
        "--device",
        &disk(dir),
        "--data-dir",
        data.to_str().unwrap(),
        "--sys-root",
        sys.to_str().unwrap(),
        "--poll-ms",
        "5",
    ])
}

#[test]
fn a_controller_without_driver_ends_not_done_and_is_in_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let sys = fake_sys(dir.path(), None, false);
    let out = auto(dir.path(), &sys);
    let t = text(&out);
    assert_eq!(code(&out), 8, "{t}");
    assert!(!t.contains("DONE all disks erased"), "{t}");
    assert!(t.contains("ARDOISE-AUTO: NOT DONE"), "{t}");
    assert!(
        t.contains("DISKS NOT VISIBLE: controller 0000:00:04.0 (scsi) has no driver"),
        "{t}"
    );
    let certs = payloads(&dir.path().join("data"));
    assert_eq!(
        certs.len(),
        1,
        "the disk it could see is erased and certified"
    );
    let storage = &certs[0]["host"]["storage"];
    assert_eq!(storage["complete"], false, "{storage}");
    let hba = &storage["controllers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "0000:00:04.0")
        .cloned()
        .unwrap();
    assert_eq!(hba["issue"], "no_driver");
    assert_eq!(hba["driver"], serde_json::Value::Null);
    assert_eq!(hba["vendor_id"], "1000");
    assert_eq!(certs[0]["outcome"]["status"], "erased");
}

#[test]
fn every_controller_with_its_driver_ends_done() {
    let dir = tempfile::tempdir().unwrap();
    let sys = fake_sys(dir.path(), Some("mptsas"), true);
    let out = auto(dir.path(), &sys);
    let t = text(&out);
    assert_eq!(code(&out), 0, "{t}");
    assert!(t.contains("DONE all disks erased"), "{t}");
    assert!(
        t.contains("controller 0000:00:04.0 scsi 1000:0054 LSI / Broadcom: driver mptsas"),
        "{t}"
    );
    let certs = payloads(&dir.path().join("data"));
    assert_eq!(certs[0]["host"]["storage"]["complete"], true);
    assert_eq!(
        certs[0]["host"]["storage"]["controllers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn a_sas_hba_with_its_driver_and_no_disk_ends_not_done() {
    let dir = tempfile::tempdir().unwrap();
    let sys = fake_sys(dir.path(), Some("mptsas"), false);
    let out = auto(dir.path(), &sys);
    let t = text(&out);
    assert_eq!(code(&out), 8, "{t}");
    assert!(!t.contains("DONE all disks erased"), "{t}");
    assert!(
        t.contains(
            "DISKS NOT VISIBLE: controller 0000:00:04.0 (scsi, driver mptsas) shows no disk"
        ),
        "{t}"
    );
    let certs = payloads(&dir.path().join("data"));
    let storage = &certs[0]["host"]["storage"];
    assert_eq!(storage["complete"], false, "{storage}");
    assert!(
        storage["controllers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["address"] == "0000:00:04.0" && c["issue"] == "no_disk_seen"),
        "{storage}"
    );
}
