//! `ardoise verify` recomputes the sample positions a certificate's verification read from its
//! seed and recorded plan (docs/auditor-guide.md), and refuses a certificate whose figures the
//! recomputed plan contradicts.

mod common;

use std::path::{Path, PathBuf};

use ardoise_cert::envelope::sign_certificate;
use ardoise_cert::keys::StationKey;
use ardoise_cert::payload::Certificate;
use ardoise_disk::sim::nvme::{NvmeSimConfig, NvmeSimState};
use ardoise_disk::sim::profile::{SimDeviceSpec, SimDisk};
use ardoise_disk::sim::SimMedia;
use ardoise_disk::BlockIo;
use common::{ardoise, code, json, text};

fn nvme_disk(dir: &Path) -> PathBuf {
    let config = NvmeSimConfig::default();
    let probe = SimMedia::create(&dir.join(".probe"), 512, 8).unwrap();
    let state = NvmeSimState::initial(&config, &[probe]).unwrap();
    let p = SimDisk::create(
        dir,
        "nvme",
        SimDeviceSpec::Nvme {
            config: Box::new(config),
            state: Box::new(state),
        },
        512,
        32_768,
    )
    .unwrap();
    let blk = SimDisk::load(&p).unwrap().block();
    let chunk: Vec<u8> = (0..1u32 << 20).map(|i| (i * 13 % 251) as u8).collect();
    let mut off = 0;
    while off < blk.size_bytes() {
        blk.write_at(&chunk, off).unwrap();
        off += chunk.len() as u64;
    }
    p
}

fn the_certificate(data: &Path) -> PathBuf {
    std::fs::read_dir(data.join("certificates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".dsse.json"))
        .unwrap()
}

fn payload(path: &Path) -> Certificate {
    let env = ardoise_cert::envelope::Envelope::parse(&std::fs::read(path).unwrap()).unwrap();
    serde_json::from_slice(&env.payload).unwrap()
}

fn verify(data: &Path, files: &[&Path], extra: &[&str]) -> std::process::Output {
    let trust = data.join("keys/trust.toml");
    let mut args = vec!["verify", "--keys", trust.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    ardoise(&args)
}

#[test]
fn verify_recomputes_the_sample_positions_and_refuses_figures_that_contradict_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let disk = nvme_disk(dir.path());
    let out = ardoise(&[
        "erase",
        "--device",
        &format!("sim:{}", disk.display()),
        "--yes",
        "--json",
        "--poll-ms",
        "5",
        "--cert-dir",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let file = the_certificate(&data);
    let cert = payload(&file);
    let plan = cert
        .verification
        .sample_plan
        .clone()
        .expect("a sample plan is recorded");

    // The check passes, and --positions lists every extent the plan reads.
    let out = verify(&data, &[&file], &["--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let checks = json(&out)["certificates"][0]["checks"].clone();
    assert!(
        checks
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "samples" && c["status"] == "pass"),
        "{checks}"
    );
    let out = verify(&data, &[&file], &["--positions"]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let listing = text(&out);
    let rows: Vec<&str> = listing
        .lines()
        .skip_while(|l| *l != "file,offset,length,kind")
        .skip(1)
        .collect();
    assert_eq!(rows.len() as u64, plan.extents, "{listing}");
    let bytes: u64 = rows
        .iter()
        .map(|r| r.split(',').nth(2).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(bytes, plan.bytes_planned);
    assert!(
        rows.iter().any(|r| r.ends_with(",0,1048576,head")),
        "{listing}"
    );
    assert!(rows.iter().any(|r| r.ends_with("stratum 999")));

    // A certificate signed by the same station whose sample length the plan does not give.
    let key = StationKey::load(&data.join("keys/station.key")).unwrap();
    let mut forged = cert.clone();
    let b = forged
        .verification
        .parameters
        .sample_bytes
        .as_mut()
        .unwrap();
    *b += 4096;
    let signed = sign_certificate(&forged, &key).unwrap();
    let other = dir.path().join("forged.dsse.json");
    std::fs::write(&other, &signed.envelope_bytes).unwrap();
    let out = verify(&data, &[&other], &[]);
    assert_eq!(code(&out), 6, "{}", text(&out));
    assert!(text(&out).contains("FAIL samples"), "{}", text(&out));
    assert!(text(&out).contains("sample_bytes"), "{}", text(&out));
}
