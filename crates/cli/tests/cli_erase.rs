//! The `ardoise` binary as a user runs it: on loop devices this test creates (and removes), on
//! simulated disks and on regular files. The disk is read back byte by byte afterwards.

mod common;
use common::{ardoise, code, text};
use std::io::Read;
use std::path::{Path, PathBuf};

use ardoise_disk::testing::{require_root, run, LoopDevice, LoopOptions, Mount};

/// Fills a device or file with recognisable text.
fn fill_text(path: &Path, len: u64) {
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    let line = b"Confidential: payroll of the Mairie, do not disclose.\n";
    let block: Vec<u8> = line.iter().cycle().take(1 << 20).copied().collect();
    use std::io::Write;
    for _ in 0..len / (1 << 20) {
        f.write_all(&block).unwrap();
    }
    f.sync_all().unwrap();
}

/// Counts non-zero bytes of the whole device, reading it through the kernel.
fn nonzero_bytes(path: &Path) -> u64 {
    let mut f = std::fs::File::open(path).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let r = f.read(&mut buf).unwrap();
        if r == 0 {
            return n;
        }
        n += buf[..r].iter().filter(|&&b| b != 0).count() as u64;
    }
}

fn cert_path(stdout: &[u8]) -> PathBuf {
    let v: serde_json::Value = serde_json::from_slice(stdout).expect("JSON result");
    PathBuf::from(v["certificate"]["path"].as_str().expect("certificate path"))
}

#[test]
fn list_json_has_the_documented_fields() {
    if !require_root() {
        return;
    }
    let lo = LoopDevice::create(LoopOptions {
        size_bytes: 32 << 20,
        sector_size: 4096,
        ..Default::default()
    })
    .unwrap();
    let out = ardoise(&["list", "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let disks: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let d = disks
        .iter()
        .find(|d| d["path"] == lo.path.to_str().unwrap())
        .expect("the loop device is listed");
    for field in [
        "path",
        "model",
        "serial",
        "size_bytes",
        "logical_sector_size",
        "transport",
        "rotational",
        "protected",
        "protected_reason",
    ] {
        assert!(d.get(field).is_some(), "field {field} in {d}");
    }
    assert_eq!(d["size_bytes"], 32 << 20);
    assert_eq!(d["logical_sector_size"], 4096);
    assert_eq!(d["transport"], "loop");
    assert_eq!(d["protected"], false);
    assert!(d["protected_reason"].is_null());
}

#[test]
fn erase_a_loop_device_reads_back_as_zeros_and_its_certificate_verifies() {
    if !require_root() {
        return;
    }
    let lo = LoopDevice::create(LoopOptions {
        size_bytes: 64 << 20,
        ..Default::default()
    })
    .unwrap();
    fill_text(&lo.path, 64 << 20);
    assert!(nonzero_bytes(&lo.path) > 60 << 20);
    let data = tempfile::tempdir().unwrap();
    let dev = lo.path.to_str().unwrap();
    let out = ardoise(&[
        "erase",
        "--device",
        dev,
        "--verify",
        "full",
        "--yes",
        "--json",
        "--cert-dir",
        data.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "erased");
    assert_eq!(v["method"], "overwrite-zero");
    assert_eq!(v["verification"]["result"], "pass");
    assert_eq!(
        nonzero_bytes(&lo.path),
        0,
        "every byte of the device is zero"
    );

    let cert = cert_path(&out.stdout);
    let trust = data.path().join("keys/trust.toml");
    let ok = ardoise(&[
        "verify",
        "--keys",
        trust.to_str().unwrap(),
        cert.to_str().unwrap(),
    ]);
    assert_eq!(code(&ok), 0, "{}", text(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("VALID"));

    // One flipped character in the signed payload: the certificate no longer verifies.
    let mut env: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&cert).unwrap()).unwrap();
    let payload = env["payload"].as_str().unwrap().to_string();
    let mut bytes: Vec<u8> = payload.into_bytes();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    env["payload"] = serde_json::Value::String(String::from_utf8(bytes).unwrap());
    let tampered = data.path().join("tampered.dsse.json");
    std::fs::write(&tampered, serde_json::to_vec(&env).unwrap()).unwrap();
    let bad = ardoise(&[
        "verify",
        "--keys",
        trust.to_str().unwrap(),
        tampered.to_str().unwrap(),
    ]);
    assert_eq!(code(&bad), 6, "{}", text(&bad));
}

#[test]
fn a_mounted_disk_is_refused_and_left_untouched() {
    if !require_root() {
        return;
    }
    let lo = LoopDevice::create(LoopOptions::default()).unwrap();
    run("mkfs.ext4", &["-q", "-F", &lo.path.to_string_lossy()]).unwrap();
    let m = Mount::new(&lo.path, &[]).unwrap();
    std::fs::write(m.dir.path().join("keep.txt"), b"still here").unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = ardoise(&[
        "erase",
        "--device",
        lo.path.to_str().unwrap(),
        "--yes",
        "--cert-dir",
        data.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 3, "{}", text(&out));
    assert!(text(&out).contains("protected"), "{}", text(&out));
    assert_eq!(
        std::fs::read(m.dir.path().join("keep.txt")).unwrap(),
        b"still here"
    );
    assert!(
        !data.path().join("certificates").exists()
            || std::fs::read_dir(data.path().join("certificates"))
                .unwrap()
                .next()
                .is_none(),
        "no certificate for an erase that never happened"
    );
}

#[test]
fn erase_needs_yes() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.img");
    std::fs::write(&f, vec![1u8; 1 << 20]).unwrap();
    let out = ardoise(&["erase", "--device", f.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        std::fs::read(&f).unwrap(),
        vec![1u8; 1 << 20],
        "nothing written"
    );
}

#[test]
fn simulated_drives_give_the_right_exit_codes_and_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let sims = dir.path().join("sim");
    let out = ardoise(&[
        "simulate",
        "--dir",
        sims.to_str().unwrap(),
        "--size-mib",
        "16",
    ]);
    assert_eq!(code(&out), 0);
    let paths: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(paths.len(), 6);
    let data = dir.path().join("data");
    let erase = |dev: &str, extra: &[&str]| {
        let mut args = vec![
            "erase",
            "--device",
            dev,
            "--yes",
            "--json",
            "--poll-ms",
            "5",
            "--cert-dir",
            data.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        ardoise(&args)
    };
    // NVMe: purge by crypto erase (+ block erase), verified.
    let nvme = erase(&paths[2], &[]);
    assert_eq!(code(&nvme), 0, "{}", text(&nvme));
    let v: serde_json::Value = serde_json::from_slice(&nvme.stdout).unwrap();
    assert_eq!(v["method"], "nvme-sanitize-crypto");
    assert_eq!(v["level_achieved"], "purge");
    // The failing drive: not erased, exit 5, and a certificate that says so.
    let failing = erase(&paths[4], &[]);
    assert_eq!(code(&failing), 5, "{}", text(&failing));
    let v: serde_json::Value = serde_json::from_slice(&failing.stdout).unwrap();
    assert_eq!(v["outcome"], "not_erased");
    assert!(
        v["certificate"]["id"].is_string(),
        "failed erases are certified too"
    );
    // A method the drive does not support: refused, exit 3.
    let refused = erase(&paths[2], &["--method", "ata-security-erase"]);
    assert_eq!(code(&refused), 3, "{}", text(&refused));
    // The boot stick: protected, exit 3.
    let stick = erase(&paths[5], &[]);
    assert_eq!(code(&stick), 3, "{}", text(&stick));
    // methods --json lists what the NVMe supports.
    let m = ardoise(&["methods", "--device", &paths[2], "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&m.stdout).unwrap();
    let ids: Vec<&str> = v["methods"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["supported"] == true)
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"nvme-sanitize-crypto") && ids.contains(&"nvme-format-user-data"),
        "{ids:?}"
    );
    // Every certificate issued verifies, and the journal has no gap.
    let trust = data.join("keys/trust.toml");
    let all = ardoise(&[
        "verify",
        "--keys",
        trust.to_str().unwrap(),
        data.to_str().unwrap(),
    ]);
    assert_eq!(code(&all), 0, "{}", text(&all));
    assert!(
        String::from_utf8_lossy(&all.stdout).contains("no gap, no fork"),
        "{}",
        text(&all)
    );
}

#[test]
fn disposition_and_host_reset_flags_reach_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let sims = dir.path().join("sim");
    let out = ardoise(&[
        "simulate",
        "--dir",
        sims.to_str().unwrap(),
        "--size-mib",
        "16",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let paths: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let data = dir.path().join("data");
    let out = ardoise(&[
        "erase",
        "--device",
        &paths[2],
        "--yes",
        "--json",
        "--poll-ms",
        "5",
        "--cert-dir",
        data.to_str().unwrap(),
        "--operator",
        "op-42",
        "--disposition",
        "parts",
        "--disposition-detail",
        "motherboard kept",
        "--host-reset",
        "tpm,labels",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let env =
        ardoise_cert::envelope::Envelope::parse(&std::fs::read(cert_path(&out.stdout)).unwrap())
            .unwrap();
    let c = ardoise_cert::validate::parse_payload(&env.payload).unwrap();
    let d = c.disposition.expect("disposition recorded");
    assert_eq!(d.destination, ardoise_cert::payload::Destination::Parts);
    assert_eq!(d.detail.as_deref(), Some("motherboard kept"));
    let h = c.host_reset.expect("host reset attested");
    assert_eq!(h.attested_by, "op-42");
    assert_eq!((h.tpm_cleared, h.labels_removed), (Some(true), Some(true)));
    assert_eq!(
        (h.firmware_settings_reset, h.biometric_templates_cleared),
        (None, None),
        "unnamed items are not attested, not false"
    );
    assert_eq!(c.qc.rate_ppm, 50_000);
    assert_eq!(v["certificate"]["qc_selected"], c.qc.selected);

    // Without the flags: nothing recorded, nothing attested.
    let out = ardoise(&[
        "erase",
        "--device",
        &paths[0],
        "--yes",
        "--json",
        "--poll-ms",
        "5",
        "--cert-dir",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let env =
        ardoise_cert::envelope::Envelope::parse(&std::fs::read(cert_path(&out.stdout)).unwrap())
            .unwrap();
    let c = ardoise_cert::validate::parse_payload(&env.payload).unwrap();
    assert_eq!((c.disposition, c.host_reset), (None, None));

    // Bad values are usage errors and erase nothing.
    for bad in [["--disposition", "landfill"], ["--host-reset", "tpm,bios"]] {
        let mut args = vec![
            "erase",
            "--device",
            &paths[0],
            "--yes",
            "--cert-dir",
            data.to_str().unwrap(),
        ];
        args.extend_from_slice(&bad);
        let out = ardoise(&args);
        assert_eq!(code(&out), 2, "{bad:?}: {}", text(&out));
    }
    let help = ardoise(&["erase", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--host-reset") && help.contains("not attested"),
        "{help}"
    );
}
