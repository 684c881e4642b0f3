//! Running the `ardoise` binary from integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ardoise_disk::sim::profile::{SimDeviceSpec, SimDisk};
use ardoise_disk::testing::run;
use ardoise_disk::{BlockIo, MediaKind, Transport};

/// Sectors of the small simulated disks the tests use (16 MiB).
pub const SECTORS: u64 = 32_768;

/// The binary, with the live image's environment removed so that tests never act as if they ran
/// on the live system.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ardoise"));
    c.env_remove("ARDOISE_BOOT_MODE")
        .env_remove("ARDOISE_DATA_DIR")
        .env_remove("ARDOISE_DATA_PERSISTENT");
    c
}

pub fn ardoise(args: &[&str]) -> Output {
    bin().args(args).output().expect("run ardoise")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

pub fn sim(p: &Path) -> String {
    format!("sim:{}", p.display())
}

pub fn block_disk(dir: &Path, name: &str, sectors: u64) -> PathBuf {
    let spec = SimDeviceSpec::Block {
        model: "virtio disk".into(),
        serial: format!("VD-{name}"),
        transport: Transport::Virtio,
        media: MediaKind::Virtual,
    };
    SimDisk::create(dir, name, spec, 512, sectors).unwrap()
}

/// Writes donor-like content over the whole simulated disk.
pub fn fill(p: &Path) {
    let d = SimDisk::load(p).unwrap();
    let blk = d.block();
    let chunk: Vec<u8> = b"Mairie de Lisieux - etat civil - confidentiel. "
        .iter()
        .cycle()
        .take(1 << 20)
        .copied()
        .collect();
    let mut off = 0;
    while off < blk.size_bytes() {
        let n = (blk.size_bytes() - off).min(1 << 20) as usize;
        blk.write_at(&chunk[..n], off).unwrap();
        off += n as u64;
    }
}

/// Reads the payload of a certificate file.
pub fn payload(path: &Path) -> serde_json::Value {
    let env: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(env["payload"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

pub fn certificates(data: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(data.join("certificates"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with(".dsse.json"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

pub fn untouched(p: &Path) -> bool {
    let d = SimDisk::load(p).unwrap();
    let mut buf = vec![0u8; 4096];
    d.block().read_at(&mut buf, 8 << 20).unwrap();
    buf.starts_with(b"Mairie de Lisieux")
}

/// `ardoise verify` of every certificate in `data` with the station's own trust file.
pub fn verify_all(data: &Path) -> Output {
    let trust = data.join("keys/trust.toml");
    ardoise(&[
        "verify",
        "--keys",
        trust.to_str().unwrap(),
        data.to_str().unwrap(),
    ])
}

/// A tmpfs of `size` mounted for the test; unmounted on drop.
pub struct Tmpfs(pub tempfile::TempDir);

impl Tmpfs {
    pub fn new(size: &str, ro: bool) -> Tmpfs {
        let d = tempfile::tempdir().unwrap();
        let opts = format!("size={size}");
        run(
            "mount",
            &[
                "-t",
                "tmpfs",
                "-o",
                &opts,
                "tmpfs",
                d.path().to_str().unwrap(),
            ],
        )
        .unwrap();
        if ro {
            run("mount", &["-o", "remount,ro", d.path().to_str().unwrap()]).unwrap();
        }
        Tmpfs(d)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = run("umount", &[self.0.path().to_str().unwrap()]);
    }
}
