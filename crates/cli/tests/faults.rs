//! The fault matrix (docs/faults.md): each test injects one fault into a real run of the
//! `ardoise` binary and checks the verdict, the exit status, the certificate, and that nothing
//! acknowledged or stored is lost. Faults that need the registry live in the registry's tests;
//! faults that need a virtual machine live in tests/qemu/test-faults.sh.

mod common;
use common::{
    ardoise, bin, block_disk, certificates, code, fill, json, payload, sim, text, untouched,
    verify_all, Tmpfs, SECTORS,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ardoise_disk::sim::ata::{AtaSimConfig, AtaSimState, SenseMode};
use ardoise_disk::sim::nvme::{NvmeSimConfig, NvmeSimState, SanitizeProgress};
use ardoise_disk::sim::profile::{SimDeviceSpec, SimDisk, SimProfile};
use ardoise_disk::sim::SimMedia;
use ardoise_disk::testing::{require_root, LoopDevice, LoopOptions};
use ardoise_disk::BlockIo;

/// `ardoise erase --json` on `device` with certificates in `data`.
fn erase(device: &str, data: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "erase",
        "--device",
        device,
        "--yes",
        "--json",
        "--poll-ms",
        "5",
        "--cert-dir",
        data.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    ardoise(&args)
}

fn ata(
    dir: &Path,
    name: &str,
    config: AtaSimConfig,
    state: Option<AtaSimState>,
    usb: bool,
) -> PathBuf {
    let state = state.unwrap_or_else(|| AtaSimState::power_on(&config));
    SimDisk::create(
        dir,
        name,
        SimDeviceSpec::Ata {
            config: Box::new(config),
            state: Box::new(state),
            usb_bridge: usb,
        },
        512,
        SECTORS,
    )
    .unwrap()
}

fn edit_profile(p: &Path, f: impl FnOnce(&mut SimProfile)) {
    let mut prof: SimProfile = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    f(&mut prof);
    std::fs::write(p, serde_json::to_string_pretty(&prof).unwrap()).unwrap();
}

fn exception_codes(v: &serde_json::Value) -> Vec<String> {
    v["exceptions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn fault_01_drive_reports_success_and_erases_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = AtaSimConfig::ssd();
    c.knobs.lying = true;
    let p = ata(dir.path(), "liar", c, None, false);
    fill(&p);
    let out = erase(&sim(&p), &dir.path().join("data"), &[]);
    assert_eq!(code(&out), 5, "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["outcome"], "not_erased");
    assert!(
        exception_codes(&v).contains(&"verification_failed".into()),
        "{v}"
    );
    assert!(
        v["firmware"][0]["completed"].as_bool().unwrap(),
        "the drive claimed success"
    );
    assert_eq!(
        code(&verify_all(&dir.path().join("data"))),
        0,
        "the not_erased certificate is authentic"
    );
}

#[test]
fn fault_02_drive_erases_only_part() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = AtaSimConfig::ssd();
    c.knobs.partial_fraction = Some(0.5);
    let p = ata(dir.path(), "half", c, None, false);
    fill(&p);
    let out = erase(
        &sim(&p),
        &dir.path().join("data"),
        &["--verify", "sample", "--coverage", "1"],
    );
    assert_eq!(code(&out), 5, "{}", text(&out));
    assert_eq!(json(&out)["outcome"], "not_erased");
}

#[test]
fn fault_03_write_errors_at_random_lbas() {
    let dir = tempfile::tempdir().unwrap();
    let p = block_disk(dir.path(), "vd", SECTORS);
    let bad: std::collections::BTreeSet<u64> = [17, 4242, 9001, 31_000].into();
    edit_profile(&p, |prof| prof.faults.unwritable = bad.clone());
    let data = dir.path().join("data");
    let out = erase(&sim(&p), &data, &[]);
    assert_eq!(code(&out), 4, "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["outcome"], "erased_with_exceptions");
    let cert = payload(Path::new(v["certificate"]["path"].as_str().unwrap()));
    assert_eq!(
        cert["sanitization"]["errors"]["unreadable_lbas"],
        serde_json::json!([17, 4242, 9001, 31000])
    );
    assert!(exception_codes(&v).contains(&"unwritable_sectors".into()));
}

#[test]
fn fault_04_read_errors_during_verification() {
    let dir = tempfile::tempdir().unwrap();
    let p = block_disk(dir.path(), "vd", SECTORS);
    edit_profile(&p, |prof| prof.faults.unreadable = [5, 20_000].into());
    let out = erase(&sim(&p), &dir.path().join("data"), &["--verify", "full"]);
    assert_eq!(code(&out), 4, "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["outcome"], "erased_with_exceptions");
    assert!(
        exception_codes(&v).contains(&"unreadable_sectors".into()),
        "{v}"
    );
}

#[test]
fn fault_05_disk_removed_mid_erase() {
    let dir = tempfile::tempdir().unwrap();
    let p = block_disk(dir.path(), "vd", SECTORS);
    edit_profile(&p, |prof| {
        prof.faults.vanish_after_bytes_written = Some(5 << 20)
    });
    let out = erase(&sim(&p), &dir.path().join("data"), &[]);
    assert_eq!(code(&out), 5, "{}", text(&out));
    let v = json(&out);
    assert!(exception_codes(&v).contains(&"device_gone".into()), "{v}");
    assert!(v["certificate"]["id"].is_string());
}

/// Starts `ardoise erase` in the background and kills it (SIGKILL: no clean-up at all) once the
/// job has reached `marker` on its stderr.
fn kill_during(device: &str, data: &Path, extra: &[&str], marker: &str) {
    let mut args = vec![
        "erase",
        "--device",
        device,
        "--yes",
        "--poll-ms",
        "20",
        "--cert-dir",
        data.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let mut child = bin()
        .args(&args)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let m = marker.to_string();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains(&m) {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("never saw {marker:?}"));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn fault_06_power_loss_during_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let p = block_disk(dir.path(), "big", 8 * SECTORS);
    fill(&p);
    kill_during(
        &sim(&p),
        &data,
        &["--method", "overwrite-gutmann"],
        "overwrite pass 2/35",
    );
    assert!(
        certificates(&data).is_empty(),
        "no certificate yet: the job never finished"
    );
    // Next start of the station (any command that erases): the interrupted job is certified.
    let other = block_disk(dir.path(), "next", SECTORS);
    let out = erase(&sim(&other), &data, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("interrupted"), "{}", text(&out));
    let certs: Vec<serde_json::Value> = certificates(&data).iter().map(|c| payload(c)).collect();
    let interrupted: Vec<&serde_json::Value> = certs
        .iter()
        .filter(|c| c["outcome"]["status"] == "not_erased")
        .collect();
    assert_eq!(interrupted.len(), 1);
    assert_eq!(
        interrupted[0]["outcome"]["exceptions"][0]["code"],
        "interrupted"
    );
    assert_eq!(interrupted[0]["media"]["serial"], "VD-big");
    assert_eq!(code(&verify_all(&data)), 0, "{}", text(&verify_all(&data)));
}

#[test]
fn fault_07_power_loss_during_firmware_sanitize() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = NvmeSimConfig {
        sanitize_progress: SanitizeProgress::WallClock { millis: 4000 },
        ..NvmeSimConfig::default()
    };
    let probe = SimMedia::create(&dir.path().join("probe.img"), 512, 8).unwrap();
    let state = NvmeSimState::initial(&config, &[probe]).unwrap();
    let p = SimDisk::create(
        dir.path(),
        "nvme",
        SimDeviceSpec::Nvme {
            config: Box::new(config),
            state: Box::new(state),
        },
        512,
        SECTORS,
    )
    .unwrap();
    fill(&p);
    kill_during(
        &sim(&p),
        &data,
        &["--method", "nvme-sanitize-block"],
        "SSTAT=2",
    );
    // The drive goes on sanitizing on its own; its state says so (SSTAT 2 = in progress).
    let SimDeviceSpec::Nvme { state, .. } = SimDisk::load(&p).unwrap().profile().device else {
        panic!()
    };
    assert_eq!(
        state.sanitize.status, 2,
        "sanitize still running in the drive"
    );
    assert!(state.sanitize.operation.is_some());
    // Next start: the cut job is certified not_erased, then a new erase waits for the running
    // sanitize before reading the disk, runs its own and is verified. The earlier sanitize had
    // already deallocated everything, so the new one's before/after comparison proves nothing
    // (zeros before, zeros after): erased with the verification-inconclusive exception.
    let out = erase(&sim(&p), &data, &["--method", "nvme-sanitize-block"]);
    assert_eq!(code(&out), 4, "{}", text(&out));
    let v = json(&out);
    assert_eq!(exception_codes(&v), ["verification_inconclusive"], "{v}");
    assert_eq!(v["verification"]["result"], "pass");
    let certs: Vec<serde_json::Value> = certificates(&data).iter().map(|c| payload(c)).collect();
    assert_eq!(certs.len(), 2);
    assert!(certs.iter().any(|c| c["outcome"]["status"] == "not_erased"
        && c["outcome"]["exceptions"][0]["code"] == "interrupted"));
    assert!(certs
        .iter()
        .any(|c| c["outcome"]["status"] == "erased_with_exceptions"
            && c["outcome"]["exceptions"][0]["code"] == "verification-inconclusive"));
}

#[test]
fn fault_08_frozen_drive() {
    let dir = tempfile::tempdir().unwrap();
    let c = AtaSimConfig {
        frozen_at_power_on: true,
        sanitize: Default::default(),
        ..AtaSimConfig::hdd()
    };
    let p = ata(dir.path(), "frozen", c, None, false);
    let m = ardoise(&["methods", "--device", &sim(&p), "--json"]);
    let v = json(&m);
    let sec = v["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "ata-security-erase-enhanced")
        .unwrap()
        .clone();
    assert_eq!(sec["supported"], false);
    assert!(sec["remedy"].as_str().unwrap().contains("suspend"), "{sec}");
    let data = dir.path().join("data");
    let refused = erase(
        &sim(&p),
        &data,
        &["--method", "ata-security-erase-enhanced"],
    );
    assert_eq!(code(&refused), 3, "{}", text(&refused));
    assert!(text(&refused).contains("frozen"));
    let out = erase(&sim(&p), &data, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(
        json(&out)["method"],
        "overwrite-zero",
        "falls back to the host overwrite"
    );
}

#[test]
fn fault_09_drive_left_locked_by_an_interrupted_security_erase() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let c = AtaSimConfig {
        sanitize: Default::default(),
        ..AtaSimConfig::hdd()
    };
    let serial = c.serial.clone();
    let drive = ardoise_erase::firmware::VaultedDrive {
        serial: serial.clone(),
        wwn: c.wwn.map(|w| format!("{w:016x}")),
        model: c.model.clone(),
        sectors: SECTORS,
    };
    let password = "ardoiseTEMP0123456789abc";
    let state = AtaSimState::power_on(&c).with_user_password(password.as_bytes(), true);
    let p = ata(dir.path(), "locked", c, Some(state), false);
    // The station kept the temporary password in its vault before the power went out.
    let vault = ardoise_erase::firmware::FileVault::open(&data.join("vault")).unwrap();
    ardoise_erase::firmware::PasswordVault::remember(&vault, &drive, password).unwrap();
    let out = erase(&sim(&p), &data, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("unlocked") || text(&out).contains("interrupted"),
        "{}",
        text(&out)
    );
    let prof: SimProfile = SimDisk::load(&p).unwrap().profile();
    let SimDeviceSpec::Ata { state, .. } = prof.device else {
        panic!()
    };
    assert!(
        !state.security.locked && !state.security.enabled,
        "the drive is left without a password"
    );
    assert!(
        ardoise_erase::firmware::PasswordVault::recall(&vault, &serial)
            .unwrap()
            .is_none(),
        "the vault is emptied"
    );
}

#[test]
fn fault_10_hidden_area_that_cannot_be_removed() {
    let dir = tempfile::tempdir().unwrap();
    let c = AtaSimConfig {
        refuse_hpa_removal: true,
        sanitize: Default::default(),
        security: None,
        ..AtaSimConfig::hdd()
    };
    let state = AtaSimState::power_on(&c).with_hpa(SECTORS - 2048);
    let p = ata(dir.path(), "hpa", c, Some(state), false);
    let out = erase(&sim(&p), &dir.path().join("data"), &[]);
    assert_eq!(code(&out), 4, "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["outcome"], "erased_with_exceptions");
    assert!(
        exception_codes(&v).contains(&"hidden_area_not_erased".into()),
        "{v}"
    );
    let cert = payload(Path::new(v["certificate"]["path"].as_str().unwrap()));
    assert_eq!(cert["media"]["hidden_areas"]["after"]["hpa"], true);
}

#[test]
fn fault_11_sanitize_aborted_by_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = AtaSimConfig::ssd();
    c.knobs.fail_mid_command = true;
    let p = ata(dir.path(), "abort", c, None, false);
    let out = erase(
        &sim(&p),
        &dir.path().join("data"),
        &["--method", "ata-sanitize-block"],
    );
    assert_eq!(code(&out), 5, "{}", text(&out));
    let v = json(&out);
    assert!(exception_codes(&v).contains(&"erase_failed".into()), "{v}");
    assert!(
        v["firmware"][0]["device_status"]
            .as_str()
            .unwrap_or("")
            .contains("SD3")
            || text(&out).contains("fail"),
        "{v}"
    );
}

#[test]
fn fault_12_data_partition_full() {
    if !require_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = block_disk(dir.path(), "vd", SECTORS);
    fill(&p);
    let fs = Tmpfs::new("512k", false);
    // Fill it up.
    let mut f = std::fs::File::create(fs.0.path().join("filler")).unwrap();
    let _ = std::io::Write::write_all(&mut f, &vec![7u8; 1 << 20]);
    drop(f);
    let out = erase(&sim(&p), fs.0.path(), &[]);
    assert_eq!(code(&out), 7, "{}", text(&out));
    assert!(
        untouched(&p),
        "no erase starts until a certificate can be stored"
    );
}

#[test]
fn fault_13_data_partition_read_only() {
    if !require_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = block_disk(dir.path(), "vd", SECTORS);
    fill(&p);
    let fs = Tmpfs::new("4m", true);
    let out = erase(&sim(&p), fs.0.path(), &[]);
    assert_eq!(code(&out), 7, "{}", text(&out));
    assert!(untouched(&p));
}

#[test]
fn fault_14_data_partition_missing() {
    let dir = tempfile::tempdir().unwrap();
    let p = block_disk(dir.path(), "vd", SECTORS);
    fill(&p);
    // The live image found no ARDOISE partition: /data is RAM, and no registry is configured.
    let out = bin()
        .args([
            "erase",
            "--device",
            &sim(&p),
            "--yes",
            "--cert-dir",
            dir.path().join("ram").to_str().unwrap(),
        ])
        .env("ARDOISE_DATA_PERSISTENT", "0")
        .output()
        .unwrap();
    assert_eq!(code(&out), 7, "{}", text(&out));
    assert!(
        text(&out).contains("data partition is missing"),
        "{}",
        text(&out)
    );
    assert!(untouched(&p));
}

#[test]
fn fault_18_certificate_truncated_or_edited_on_the_stick() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let p = block_disk(dir.path(), "vd", SECTORS);
    let out = erase(&sim(&p), &data, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let cert = certificates(&data)[0].clone();
    let bytes = std::fs::read(&cert).unwrap();
    std::fs::write(&cert, &bytes[..bytes.len() / 2]).unwrap();
    let v = verify_all(&data);
    assert_eq!(code(&v), 6, "{}", text(&v));
    assert!(
        String::from_utf8_lossy(&v.stdout).contains("INVALID"),
        "{}",
        text(&v)
    );
    // A second erase still works: the damaged file does not stop the station from issuing.
    let q = block_disk(dir.path(), "vd2", SECTORS);
    let next = erase(&sim(&q), &data, &[]);
    assert!(matches!(code(&next), 0 | 7), "{}", text(&next));
}

#[test]
fn fault_20_forged_certificate_with_another_stations_key_id() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let p = block_disk(dir.path(), "vd", SECTORS);
    assert_eq!(code(&erase(&sim(&p), &data, &[])), 0);
    let genuine = certificates(&data)[0].clone();
    let cert: ardoise_cert::payload::Certificate =
        serde_json::from_value(payload(&genuine)).unwrap();
    // A forger with their own key signs a certificate that names the genuine station's key.
    // ardoise's own signing refuses a payload naming another key, so the forger signs by hand.
    let forger = ardoise_cert::keys::StationKey::generate().unwrap();
    let forged_payload = serde_json::to_vec(&cert).unwrap();
    let sig = forger.sign(&ardoise_cert::envelope::pae(
        ardoise_cert::envelope::PAYLOAD_TYPE,
        &forged_payload,
    ));
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let envelope = serde_json::json!({
        "payloadType": ardoise_cert::envelope::PAYLOAD_TYPE,
        "payload": b64(&forged_payload),
        "signatures": [{"keyid": forger.key_id(), "sig": b64(&sig)}],
    });
    let out = dir.path().join("forged.dsse.json");
    std::fs::write(&out, serde_json::to_vec(&envelope).unwrap()).unwrap();
    let trust = data.join("keys/trust.toml");
    let v = ardoise(&[
        "verify",
        "--keys",
        trust.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&v), 6, "{}", text(&v));
    // And with the genuine key id written in the envelope's hint, the signature fails.
    let mut e = envelope.clone();
    e["signatures"][0]["keyid"] = serde_json::Value::String(cert.issuer.key_id.clone());
    std::fs::write(&out, serde_json::to_vec(&e).unwrap()).unwrap();
    let v = ardoise(&[
        "verify",
        "--keys",
        trust.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&v), 6, "{}", text(&v));
    assert!(
        text(&v).to_lowercase().contains("signature"),
        "{}",
        text(&v)
    );
}

#[test]
fn fault_22_clock_wrong_on_the_machine() {
    if Command::new("faketime").arg("--version").output().is_err() {
        panic!("faketime (Debian package faketime) is needed; `make deps` installs it");
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The station key is made with the right time...
    let p0 = block_disk(dir.path(), "vd0", SECTORS);
    assert_eq!(code(&erase(&sim(&p0), &data, &[])), 0);
    // ...then the clock is wrong: years in the past, or days in the future.
    let in_ten_days = (time::OffsetDateTime::now_utc() + time::Duration::days(10))
        .format(&time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap();
    for (name, when) in [
        ("past", "2020-01-01 08:00:00".to_string()),
        ("future", in_ten_days),
    ] {
        let p = block_disk(dir.path(), name, SECTORS);
        let out = Command::new("faketime")
            .args([
                when.as_str(),
                env!("CARGO_BIN_EXE_ardoise"),
                "erase",
                "--device",
                &sim(&p),
                "--yes",
                "--poll-ms",
                "5",
                "--cert-dir",
                data.to_str().unwrap(),
            ])
            .env_remove("ARDOISE_DATA_DIR")
            .output()
            .unwrap();
        assert_eq!(
            code(&out),
            0,
            "{name}: the erase itself works: {}",
            text(&out)
        );
    }
    let v = verify_all(&data);
    assert_eq!(code(&v), 6, "{}", text(&v));
    let report = String::from_utf8_lossy(&v.stdout).to_string();
    assert!(report.contains("not yet valid at issue time"), "{report}");
    assert!(report.contains("clock was wrong"), "{report}");
}

#[test]
fn fault_25_disk_larger_than_2_tib_with_4096_byte_sectors() {
    if !require_root() {
        return;
    }
    let lo = LoopDevice::create(LoopOptions {
        size_bytes: 3 << 40,
        sector_size: 4096,
        direct_io: false,
        partscan: false,
    })
    .unwrap();
    let out = ardoise(&["list", "--json"]);
    let disks: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let d = disks
        .iter()
        .find(|d| d["path"] == lo.path.to_str().unwrap())
        .unwrap();
    assert_eq!(d["size_bytes"], 3u64 << 40);
    assert_eq!(d["logical_sector_size"], 4096);
    // A sampled verification over the whole 3 TiB (sparse, reads as zeros) reaches past 2 TiB.
    let dev = ardoise_disk::DeviceFile::open(&lo.path, ardoise_disk::Access::ReadOnly).unwrap();
    let plan = ardoise_erase::verify::SamplePlan::new(
        ardoise_erase::pattern::Seed([3; 16]),
        dev.size_bytes(),
        4096,
        &ardoise_erase::verify::SampleParams::with_coverage_percent(0.0001),
    )
    .unwrap();
    assert!(
        plan.extents().iter().any(|e| e.offset > 2 << 40),
        "samples beyond 2 TiB"
    );
    let started = Instant::now();
    let report = ardoise_erase::verify::run(
        &dev,
        &ardoise_erase::verify::VerifyScope::Sampled(plan),
        &ardoise_erase::verify::Expected::zeros(),
        &Default::default(),
        &mut Default::default(),
    )
    .unwrap();
    assert!(report.passed(), "{}", report.summary());
    assert!(started.elapsed() < Duration::from_secs(600));
}

#[test]
fn fault_26_usb_bridge_that_returns_no_sense_data() {
    let dir = tempfile::tempdir().unwrap();
    let c = AtaSimConfig {
        sense: SenseMode::None,
        ..AtaSimConfig::ssd()
    };
    let p = ata(dir.path(), "usb", c, None, true);
    fill(&p);
    let out = erase(&sim(&p), &dir.path().join("data"), &[]);
    let v = json(&out);
    // The bridge cannot report a sanitize's status, so no firmware command whose result cannot
    // be checked is sent: the host overwrite is used, and the read-back decides. Nor can it
    // report READ NATIVE MAX: the hidden areas are not checked, and the certificate says so.
    assert_eq!(code(&out), 4, "{}", text(&out));
    assert_eq!(v["method"], "overwrite-random-zero", "{v}");
    assert_eq!(v["outcome"], "erased_with_exceptions");
    assert_eq!(exception_codes(&v), ["hidden_areas_not_checked"], "{v}");
    assert_eq!(v["verification"]["result"], "pass");
}

#[test]
fn fault_27_technician_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let p = block_disk(dir.path(), "vd", 8 * SECTORS);
    let child = bin()
        .args([
            "erase",
            "--device",
            &sim(&p),
            "--yes",
            "--json",
            "--method",
            "overwrite-gutmann",
            "--cert-dir",
            data.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 5, "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["outcome"], "not_erased");
    assert!(exception_codes(&v).contains(&"cancelled".into()), "{v}");
}

#[test]
fn fault_28_two_certificates_with_the_same_sequence_on_the_stick() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let p = block_disk(dir.path(), "vd", SECTORS);
    assert_eq!(code(&erase(&sim(&p), &a, &[])), 0);
    // The same key copied to a second stick: both issue sequence 0.
    std::fs::create_dir_all(b.join("keys")).unwrap();
    for f in ["station.key", "station.pub", "trust.toml"] {
        std::fs::copy(a.join("keys").join(f), b.join("keys").join(f)).unwrap();
    }
    assert_eq!(code(&erase(&sim(&p), &b, &[])), 0);
    for c in certificates(&b) {
        std::fs::copy(&c, a.join("certificates").join(c.file_name().unwrap())).unwrap();
    }
    let v = verify_all(&a);
    assert_eq!(code(&v), 6, "{}", text(&v));
    assert!(
        String::from_utf8_lossy(&v.stdout).contains("fork"),
        "{}",
        text(&v)
    );
    let q = block_disk(dir.path(), "vd2", SECTORS);
    fill(&q);
    let out = erase(&sim(&q), &a, &[]);
    assert_eq!(
        code(&out),
        7,
        "a forked journal stops the station before it erases: {}",
        text(&out)
    );
    assert!(untouched(&q));
}

/// The C2SP example verifier key, pinned as the registry's (nothing answers to check it).
const REGISTRY_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";

#[test]
fn fault_15_network_down_for_the_whole_session() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("keys")).unwrap();
    std::fs::write(data.join("keys/registry.pub"), REGISTRY_VKEY).unwrap();
    let p = block_disk(dir.path(), "vd", SECTORS);
    // Nothing listens on port 9 of the loopback: every upload attempt is refused.
    let out = ardoise(&[
        "auto",
        "--device",
        &sim(&p),
        "--data-dir",
        data.to_str().unwrap(),
        "--registry",
        "http://127.0.0.1:9",
        "--upload-timeout",
        "2",
        "--poll-ms",
        "5",
    ]);
    assert_ne!(
        code(&out),
        0,
        "no power-off while certificates are unacknowledged: {}",
        text(&out)
    );
    assert!(text(&out).contains("not acknowledged"), "{}", text(&out));
    let certs = certificates(&data);
    assert_eq!(certs.len(), 1, "the certificate is stored on the stick");
    let outbox: Vec<_> = std::fs::read_dir(data.join("outbox"))
        .unwrap()
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(outbox.len(), 1, "and waits in the outbox");
    assert_eq!(code(&verify_all(&data)), 0);
}

/// A registry without its key: the disk is erased and certified, nothing is sent (a fake
/// registry could acknowledge and drop it), the machine stays on, the certificate waits.
#[test]
fn fault_15b_a_registry_without_its_key_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let p = block_disk(dir.path(), "vd", SECTORS);
    let out = ardoise(&[
        "auto",
        "--device",
        &sim(&p),
        "--data-dir",
        data.to_str().unwrap(),
        "--registry",
        "http://127.0.0.1:9",
        "--upload-timeout",
        "2",
        "--poll-ms",
        "5",
    ]);
    assert_ne!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("not uploading") && text(&out).contains("has no registry key"),
        "{}",
        text(&out)
    );
    assert_eq!(certificates(&data).len(), 1);
    let outbox = std::fs::read_dir(data.join("outbox")).unwrap().count();
    assert_eq!(outbox, 1, "the certificate waits in the outbox");
}
