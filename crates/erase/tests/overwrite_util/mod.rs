//! Helpers shared by the overwrite and verification integration tests: loop devices the test
//! creates and always detaches, simulated disks, and ways to put recognisable data on them.
#![allow(dead_code)]

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use ardoise_disk::block::{Access, BlockIo, DeviceFile};
use ardoise_disk::sim::{SimBlock, SimMedia};
use ardoise_erase::{Pattern, Seed};

pub const MIB: u64 = 1 << 20;

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

pub fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A loop device over a sparse file in a temporary directory, with direct I/O, detached on drop.
pub struct LoopDevice {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl LoopDevice {
    /// `None` (with a message) when the test cannot create loop devices: not root, or no losetup.
    pub fn new(bytes: u64, sector: u32) -> Option<LoopDevice> {
        if !is_root() {
            eprintln!("SKIP: loop-device test needs root");
            return None;
        }
        if !have("losetup") {
            eprintln!("SKIP: losetup is not installed");
            return None;
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("backing.img");
        std::fs::File::create(&file)
            .and_then(|f| f.set_len(bytes))
            .expect("backing file");
        let out = Command::new("losetup")
            .args(["--find", "--show", "--direct-io=on", "--sector-size"])
            .arg(sector.to_string())
            .arg(&file)
            .output()
            .expect("run losetup");
        assert!(
            out.status.success(),
            "losetup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
        // The guard exists before anything can panic, so the device is always detached.
        let lo = LoopDevice {
            path: PathBuf::from(&name),
            _dir: dir,
        };
        assert!(name.starts_with("/dev/loop"), "unexpected device {name:?}");
        Some(lo)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn open(&self) -> DeviceFile {
        DeviceFile::open(&self.path, Access::ReadWrite).expect("open loop device")
    }
}

impl Drop for LoopDevice {
    fn drop(&mut self) {
        match Command::new("losetup").arg("-d").arg(&self.path).status() {
            Ok(s) if s.success() => {}
            other => eprintln!("could not detach {}: {other:?}", self.path.display()),
        }
    }
}

/// A simulated disk of `sectors` sectors backed by a file in `dir`.
pub fn sim_disk(dir: &Path, sector: u32, sectors: u64) -> (Arc<SimMedia>, SimBlock) {
    let media = SimMedia::create(&dir.join("sim.img"), sector, sectors).expect("sim media");
    let blk = SimBlock::new(media.clone());
    (media, blk)
}

/// Fills a whole target with pseudo-random bytes (something that is neither zeros nor a pattern
/// the engine writes), through its block interface.
pub fn fill_random(dev: &dyn BlockIo, seed: u8) {
    let size = dev.size_bytes();
    let p = Pattern::random(Seed([seed; 16]), 999);
    let mut buf = ardoise_disk::AlignedBuf::new(MIB as usize);
    let mut off = 0;
    while off < size {
        let n = (size - off).min(MIB) as usize;
        p.fill(&mut buf.as_mut_slice()[..n], off);
        dev.write_at(&buf.as_slice()[..n], off).expect("fill");
        off += n as u64;
    }
    dev.flush().expect("flush");
}

/// Human text, like a document left on a donated PC.
pub fn text(len: usize) -> Vec<u8> {
    let line =
        b"Releve de compte - Mme Dupont, 12 rue des Lilas, 76000 Rouen. IBAN FR76 3000 4000 ";
    line.iter().copied().cycle().take(len).collect()
}

/// Writes `data` at `offset` of a block device or file through an ordinary (buffered) file
/// descriptor, behind the engine's back, and makes it durable.
pub fn write_behind(path: &Path, offset: u64, data: &[u8]) {
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open for writing");
    f.write_all_at(data, offset).expect("write behind");
    f.sync_all().expect("sync");
}
