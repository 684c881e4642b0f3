//! Fault matrix rows of issue 12 (docs/faults.md): what the station may reach and keep — the
//! password vault's durability, the boot medium whatever its name — run through the real
//! `ardoise` binary over simulated drives.

mod common;
use common::{ardoise, bin, code, json, text};
use std::path::{Path, PathBuf};

use ardoise_disk::sim::ata::{AtaSimConfig, AtaSimState};
use ardoise_disk::sim::profile::{SimDeviceSpec, SimDisk};
use ardoise_disk::BlockIo;

const SECTORS: u64 = 32_768; // 16 MiB

fn sim(p: &Path) -> String {
    format!("sim:{}", p.display())
}

/// An HDD whose only firmware erase is ATA SECURITY ERASE UNIT, filled with a donor's text.
fn security_only_hdd(dir: &Path) -> PathBuf {
    let config = AtaSimConfig {
        sanitize: Default::default(),
        ..AtaSimConfig::hdd()
    };
    let state = AtaSimState::power_on(&config);
    let p = SimDisk::create(
        dir,
        "hdd",
        SimDeviceSpec::Ata {
            config: Box::new(config),
            state: Box::new(state),
            usb_bridge: false,
        },
        512,
        SECTORS,
    )
    .unwrap();
    let blk = SimDisk::load(&p).unwrap().block();
    let mib: Vec<u8> = b"Mairie de Lisieux - etat civil - confidentiel. "
        .iter()
        .cycle()
        .take(1 << 20)
        .copied()
        .collect();
    for off in (0..blk.size_bytes()).step_by(1 << 20) {
        blk.write_at(&mib, off).unwrap();
    }
    p
}

fn untouched(p: &Path) -> bool {
    let mut buf = vec![0u8; 4096];
    SimDisk::load(p)
        .unwrap()
        .block()
        .read_at(&mut buf, 8 << 20)
        .unwrap();
    buf.starts_with(b"Mairie de Lisieux")
}

/// `ardoise erase --json` with the data directory in RAM (PXE boot) and a registry configured,
/// as the live image runs it when it found no data partition.
fn erase_with_data_in_ram(device: &str, data: &Path, method: &str) -> std::process::Output {
    std::fs::create_dir_all(data).unwrap();
    std::fs::write(
        data.join("ardoise.toml"),
        "[workshop]\nid = \"w\"\nname = \"W\"\nstation = \"s\"\n[registry]\nurl = \"http://127.0.0.1:18101\"\n",
    )
    .unwrap();
    bin()
        .args([
            "erase",
            "--device",
            device,
            "--yes",
            "--json",
            "--poll-ms",
            "5",
            "--method",
            method,
            "--cert-dir",
            data.to_str().unwrap(),
        ])
        .env("ARDOISE_DATA_PERSISTENT", "0")
        .output()
        .unwrap()
}

#[test]
fn fault_31_security_erase_with_the_password_vault_in_ram() {
    let dir = tempfile::tempdir().unwrap();
    let p = security_only_hdd(dir.path());
    let data = dir.path().join("ram");
    // Asked for by name: refused (exit 3) with the reason, nothing sent, nothing written.
    let out = erase_with_data_in_ram(&sim(&p), &data, "ata-security-erase-enhanced");
    assert_eq!(code(&out), 3, "{}", text(&out));
    assert!(
        text(&out).contains("not on a persistent data partition"),
        "{}",
        text(&out)
    );
    assert!(untouched(&p));
    // `ardoise methods` on such a station says so.
    let out = bin()
        .args(["methods", "--json", "--device", &sim(&p)])
        .env("ARDOISE_DATA_PERSISTENT", "0")
        .output()
        .unwrap();
    let v = json(&out);
    let security = v["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "ata-security-erase-enhanced")
        .unwrap();
    assert_eq!(security["supported"], false, "{security}");
    assert!(
        v["auto"]["method"]["kind"] != "ata_security_erase",
        "{}",
        v["auto"]
    );
    // auto: the security erase is skipped and the next method erases the disk.
    let out = erase_with_data_in_ram(&sim(&p), &data, "auto");
    assert_eq!(code(&out), 0, "{}", text(&out));
    let v = json(&out);
    assert!(
        v["method"].as_str().unwrap().starts_with("overwrite"),
        "{v}"
    );
    assert!(!untouched(&p));
    // With the data partition (durable vault), the same drive gets its security erase.
    let durable = dir.path().join("stick");
    let q = security_only_hdd(&dir.path().join("second"));
    let out = ardoise(&[
        "erase",
        "--device",
        &sim(&q),
        "--yes",
        "--json",
        "--poll-ms",
        "5",
        "--cert-dir",
        durable.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(json(&out)["method"], "ata-security-erase-enhanced");
}

#[test]
fn fault_32_boot_medium_that_cannot_be_found_blocks_an_unattended_run() {
    let dir = tempfile::tempdir().unwrap();
    let p = security_only_hdd(dir.path());
    let data = dir.path().join("data");
    // The image's boot loader said "booted from a medium", and the init found none.
    let record = dir.path().join("boot-medium");
    std::fs::write(&record, "mode=none\nexpected=1\ndevice=\n").unwrap();
    let out = bin()
        .args([
            "auto",
            "--device",
            &sim(&p),
            "--data-dir",
            data.to_str().unwrap(),
            "--poll-ms",
            "5",
        ])
        .env("ARDOISE_BOOT_MEDIUM", &record)
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", text(&out));
    assert!(
        text(&out).contains(
            "ARDOISE-AUTO: nothing erased: the system was started from a USB stick or CD"
        ),
        "{}",
        text(&out)
    );
    assert!(untouched(&p));
    assert!(
        !data.join("certificates").exists()
            || std::fs::read_dir(data.join("certificates"))
                .unwrap()
                .next()
                .is_none()
    );
    // An unreadable record blocks it too.
    let out = bin()
        .args([
            "auto",
            "--device",
            &sim(&p),
            "--data-dir",
            data.to_str().unwrap(),
        ])
        .env("ARDOISE_BOOT_MEDIUM", dir.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", text(&out));
    assert!(untouched(&p));
    // Without a record (not the live image's init), the same run erases.
    let out = bin()
        .args([
            "auto",
            "--device",
            &sim(&p),
            "--data-dir",
            data.to_str().unwrap(),
            "--poll-ms",
            "5",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(!untouched(&p));
}
