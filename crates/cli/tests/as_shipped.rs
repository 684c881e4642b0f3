//! The station as a workshop gets it: the shipped configuration, keys made by `ardoise keygen`,
//! registry URLs written as the docs write them. Nothing is erased unless its certificate can be
//! written, and every certificate verifies with the trust file keygen wrote.

mod common;
use common::{
    ardoise, bin, block_disk, certificates, code, fill, payload, sim, text, untouched, verify_all,
    Tmpfs, SECTORS,
};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use ardoise_disk::sim::nvme::{NvmeSimConfig, NvmeSimState, SanitizeProgress};
use ardoise_disk::sim::profile::{SimDeviceSpec, SimDisk};
use ardoise_disk::sim::SimMedia;
use ardoise_disk::testing::require_root;

/// The configuration `make image` puts on every stick.
const SHIPPED: &str = include_str!("../../../image/data/ardoise.toml");

fn erase(device: &str, data: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "erase",
        "--device",
        device,
        "--yes",
        "--poll-ms",
        "5",
        "--cert-dir",
        data.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    ardoise(&args)
}

fn only_certificate(data: &Path) -> serde_json::Value {
    let certs = certificates(data);
    assert_eq!(certs.len(), 1, "{certs:?}");
    payload(&certs[0])
}

const WORKSHOP: &str = "[workshop]\nid = \"ressourcerie-caen\"\nname = \"Ressourcerie de Caen\"\nstation = \"poste-1\"\n";

#[test]
fn the_shipped_configuration_runs_a_visible_demonstration_station() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("ardoise.toml"), SHIPPED).unwrap();
    let p = block_disk(dir.path(), "vd", SECTORS);
    fill(&p);
    let out = erase(&sim(&p), &data, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let c = only_certificate(&data);
    assert_eq!(c["issuer"]["workshop_id"], "demonstration");
    assert!(c["issuer"]["workshop_name"]
        .as_str()
        .unwrap()
        .contains("DÉMONSTRATION"));
    assert_eq!(code(&verify_all(&data)), 0, "{}", text(&verify_all(&data)));
}

#[test]
fn a_registry_url_with_a_trailing_slash_gives_stored_valid_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("ardoise.toml"),
        format!("{WORKSHOP}[registry]\nurl = \"http://10.0.2.100/\"\n"),
    )
    .unwrap();
    let p = block_disk(dir.path(), "vd", SECTORS);
    fill(&p);
    let out = erase(&sim(&p), &data, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let c = only_certificate(&data);
    assert_eq!(c["issuer"]["registry_url"], "http://10.0.2.100");
    assert_eq!(code(&verify_all(&data)), 0, "{}", text(&verify_all(&data)));

    // `ardoise auto --registry URL/` (the flag the live image's kernel option maps to).
    let q = block_disk(dir.path(), "vd2", SECTORS);
    fill(&q);
    let out = ardoise(&[
        "auto",
        "--device",
        &sim(&q),
        "--data-dir",
        data.to_str().unwrap(),
        "--registry",
        "http://127.0.0.1:9/",
        "--upload-timeout",
        "0",
        "--poll-ms",
        "5",
    ]);
    assert!(
        text(&out).contains("— certificate "),
        "the certificate must be stored even when the upload fails: {}",
        text(&out)
    );
    assert!(!text(&out).contains("NOT STORED"), "{}", text(&out));
    assert_eq!(certificates(&data).len(), 2);
    assert_eq!(code(&verify_all(&data)), 0, "{}", text(&verify_all(&data)));
}

#[test]
fn a_setting_that_cannot_be_certified_refuses_the_erase_and_leaves_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let p = block_disk(dir.path(), "vd", SECTORS);
    fill(&p);
    // An operator written as a name (certificates carry pseudonyms only).
    let data = dir.path().join("a");
    let out = erase(&sim(&p), &data, &["--operator", "Jean Dupont"]);
    assert_eq!(code(&out), 7, "{}", text(&out));
    assert!(text(&out).contains("operator.id"), "{}", text(&out));
    assert!(text(&out).contains("nothing was erased"), "{}", text(&out));
    assert!(untouched(&p));
    assert!(certificates(&data).is_empty());
    // A workshop id with spaces, and a registry URL that cannot be normalised.
    for (config, setting) in [
        (
            "[workshop]\nid = \"Ressourcerie de Caen\"\nname = \"x\"\nstation = \"p1\"\n",
            "workshop.id",
        ),
        (
            "[registry]\nurl = \"registre.example.org\"\n",
            "registry.url",
        ),
    ] {
        let data = dir.path().join(setting);
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("ardoise.toml"), config).unwrap();
        let out = erase(&sim(&p), &data, &[]);
        assert_eq!(code(&out), 7, "{config}: {}", text(&out));
        assert!(text(&out).contains(setting), "{}", text(&out));
        assert!(untouched(&p), "{config}");
    }
}

#[test]
fn a_key_made_by_keygen_signs_certificates_its_own_trust_file_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let out = ardoise(&[
        "keygen",
        "--out",
        keys.to_str().unwrap(),
        "--workshop",
        "ressourcerie-caen",
        "--station",
        "poste-3",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let p = block_disk(dir.path(), "vd", SECTORS);
    fill(&p);
    let data = dir.path().join("station");
    let key = keys.join("station.key");
    let out = erase(&sim(&p), &data, &["--key", key.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let c = only_certificate(&data);
    assert_eq!(c["issuer"]["workshop_id"], "ressourcerie-caen");
    assert_eq!(c["issuer"]["station_id"], "poste-3");
    let trust = keys.join("trust.toml");
    let v = ardoise(&[
        "verify",
        "--keys",
        trust.to_str().unwrap(),
        data.to_str().unwrap(),
    ]);
    assert_eq!(code(&v), 0, "{}", text(&v));
    assert!(text(&v).contains("VALID"), "{}", text(&v));

    // The same key with a configuration naming another station: refused at start, saying both.
    std::fs::write(data.join("ardoise.toml"), WORKSHOP).unwrap();
    let q = block_disk(dir.path(), "vd2", SECTORS);
    fill(&q);
    let out = erase(&sim(&q), &data, &["--key", key.to_str().unwrap()]);
    assert_eq!(code(&out), 7, "{}", text(&out));
    assert!(
        text(&out).contains("poste-3") && text(&out).contains("poste-1"),
        "{}",
        text(&out)
    );
    assert!(untouched(&q));
}

/// `keygen --workshop "Atelier Caen"` used to make a key whose certificates the registry
/// refuses (it registers kebab-case ids only): keygen refuses the id, and a key an older keygen
/// bound to such an id stops the station at start, disk untouched.
#[test]
fn an_id_the_registry_refuses_is_never_signed() {
    let dir = tempfile::tempdir().unwrap();
    for (workshop, station, named) in [
        ("Atelier Caen", "poste-1", "workshop id \"Atelier Caen\""),
        ("atelier.caen", "poste-1", "workshop id \"atelier.caen\""),
        ("atelier-caen", "Poste_1", "station id \"Poste_1\""),
    ] {
        let keys = dir
            .path()
            .join(format!("keys-{station}-{}", workshop.len()));
        let out = ardoise(&[
            "keygen",
            "--out",
            keys.to_str().unwrap(),
            "--workshop",
            workshop,
            "--station",
            station,
        ]);
        assert_ne!(code(&out), 0, "{}", text(&out));
        assert!(text(&out).contains(named), "{}", text(&out));
        assert!(
            text(&out).contains("lowercase letters and digits"),
            "{}",
            text(&out)
        );
        assert!(!keys.join("station.key").exists(), "no key made");
    }

    // A key bound to "Atelier Caen" (what keygen wrote before it checked the ids).
    let keys = dir.path().join("old-keys");
    let out = ardoise(&[
        "keygen",
        "--out",
        keys.to_str().unwrap(),
        "--workshop",
        "atelier-caen",
        "--station",
        "poste-1",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let trust = keys.join("trust.toml");
    let bound = std::fs::read_to_string(&trust)
        .unwrap()
        .replace("\"atelier-caen\"", "\"Atelier Caen\"");
    assert!(bound.contains("\"Atelier Caen\""), "{bound}");
    std::fs::write(&trust, bound).unwrap();
    let p = block_disk(dir.path(), "vd", SECTORS);
    fill(&p);
    // A demonstration data directory takes the key's identity: checked like the file's.
    let data = dir.path().join("station");
    let key = keys.join("station.key");
    let out = erase(&sim(&p), &data, &["--key", key.to_str().unwrap()]);
    assert_eq!(code(&out), 7, "{}", text(&out));
    assert!(
        text(&out).contains("workshop.id") && text(&out).contains("Atelier Caen"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("station key"), "{}", text(&out));
    assert!(untouched(&p));
    assert!(certificates(&data).is_empty());
}

/// `ardoise auto` grades the machine for reuse. With a policy `disposition`, the grade is that
/// destination's `suggestion`; without one, nobody chose a destination, and the grade is kept as
/// `suggested_disposition` — never dropped, never passed off as a destination.
#[test]
fn an_unattended_run_keeps_the_reuse_grade_as_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    for (policy, destination) in [
        ("", None),
        ("disposition = \"recycling\"\n", Some("recycling")),
    ] {
        let data = dir.path().join(format!("data{}", policy.len()));
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(
            data.join("ardoise.toml"),
            format!(
                "{WORKSHOP}[policy]\nid = \"default\"\nmethod = \"auto\"\nverify = \"sample\"\n\
                 sample_coverage_percent = 1.0\nrequire_upload = true\n{policy}"
            ),
        )
        .unwrap();
        let p = block_disk(dir.path(), &format!("vd{}", policy.len()), SECTORS);
        fill(&p);
        let out = ardoise(&[
            "auto",
            "--device",
            &sim(&p),
            "--data-dir",
            data.to_str().unwrap(),
            "--registry",
            "http://127.0.0.1:9",
            "--upload-timeout",
            "0",
            "--poll-ms",
            "5",
        ]);
        assert!(text(&out).contains("— certificate "), "{}", text(&out));
        let c = only_certificate(&data);
        match destination {
            None => {
                assert!(c["disposition"].is_null(), "{c}");
                let grade = &c["suggested_disposition"];
                assert!(grade["destination"].is_string(), "{c}");
                assert!(!grade["reasons"].as_array().unwrap().is_empty(), "{c}");
            }
            Some(d) => {
                assert_eq!(c["disposition"]["destination"], d, "{c}");
                assert!(
                    c["disposition"]["suggestion"]["destination"].is_string(),
                    "{c}"
                );
                assert!(c.get("suggested_disposition").is_none(), "{c}");
            }
        }
        assert_eq!(code(&verify_all(&data)), 0, "{}", text(&verify_all(&data)));
    }
}

#[test]
fn a_demonstration_stick_set_up_for_a_workshop_starts_a_clean_journal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let p = block_disk(dir.path(), "vd", SECTORS);
    fill(&p);
    assert_eq!(code(&erase(&sim(&p), &data, &[])), 0);
    let demo_key = std::fs::read(data.join("keys/station.key")).unwrap();
    // The workshop sets the stick up (what `ardoise provision` and the first-run setup write).
    std::fs::write(data.join("ardoise.toml"), WORKSHOP).unwrap();
    fill(&p);
    let out = erase(&sim(&p), &data, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let c = only_certificate(&data);
    assert_eq!(c["issuer"]["workshop_id"], "ressourcerie-caen");
    assert_eq!(
        c["journal"]["seq"], 0,
        "a new station's journal starts at 0"
    );
    assert_ne!(
        std::fs::read(data.join("keys/station.key")).unwrap(),
        demo_key
    );
    let archived: Vec<_> = std::fs::read_dir(data.join("archive"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(archived.len(), 1);
    assert_eq!(
        std::fs::read(archived[0].join("keys/station.key")).unwrap(),
        demo_key
    );
    assert_eq!(
        certificates(&archived[0]).len(),
        1,
        "demo certificates kept"
    );
    assert_eq!(code(&verify_all(&data)), 0, "{}", text(&verify_all(&data)));
}

/// An NVMe whose block sanitize takes `millis` of wall-clock time.
fn slow_nvme(dir: &Path, millis: u64) -> std::path::PathBuf {
    let config = NvmeSimConfig {
        sanitize_progress: SanitizeProgress::WallClock { millis },
        ..NvmeSimConfig::default()
    };
    let probe = SimMedia::create(&dir.join("probe.img"), 512, 8).unwrap();
    let state = NvmeSimState::initial(&config, &[probe]).unwrap();
    SimDisk::create(
        dir,
        "nvme",
        SimDeviceSpec::Nvme {
            config: Box::new(config),
            state: Box::new(state),
        },
        512,
        SECTORS,
    )
    .unwrap()
}

#[test]
fn a_certificate_that_cannot_be_stored_after_the_erase_is_issued_at_the_next_start() {
    if !require_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = slow_nvme(dir.path(), 3000);
    fill(&p);
    let fs = Tmpfs::new("4m", false);
    let data = fs.0.path().join("data");
    let child = bin()
        .args([
            "erase",
            "--device",
            &sim(&p),
            "--yes",
            "--method",
            "nvme-sanitize-block",
            "--poll-ms",
            "20",
            "--cert-dir",
            data.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the job runs, the data partition fills up (another program, a log, a copy…).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !std::fs::read_dir(data.join("jobs"))
        .map(|d| d.count() > 0)
        .unwrap_or(false)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the job never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let filler = fs.0.path().join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let _ = std::io::Write::write_all(&mut f, &vec![7u8; 8 << 20]);
    drop(f);
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 7, "{}", text(&out));
    assert!(text(&out).contains("report is kept"), "{}", text(&out));
    assert!(certificates(&data).is_empty());

    // Space again; the next start (any erase) certifies what really happened.
    std::fs::remove_file(&filler).unwrap();
    let q = block_disk(dir.path(), "next", SECTORS);
    let out = erase(&sim(&q), &data, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let certs: Vec<serde_json::Value> = certificates(&data).iter().map(|c| payload(c)).collect();
    assert_eq!(certs.len(), 2);
    let nvme = certs
        .iter()
        .find(|c| c["sanitization"]["technique"] == "nvme-sanitize-block")
        .expect("the NVMe's certificate");
    assert_eq!(nvme["outcome"]["status"], "erased", "{nvme}");
    assert!(std::fs::read_dir(data.join("jobs"))
        .unwrap()
        .next()
        .is_none());
    assert_eq!(code(&verify_all(&data)), 0, "{}", text(&verify_all(&data)));
}
