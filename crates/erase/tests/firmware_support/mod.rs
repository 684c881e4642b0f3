//! Helpers shared by the firmware, probe and hidden-area tests: simulated disks as profiles on
//! disk (so state survives "process death"), opened like real ones, with recognisable data.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ardoise_disk::block::{Access, AlignedBuf, BlockIo};
use ardoise_disk::sim::ata::{AtaSimConfig, AtaSimState};
use ardoise_disk::sim::mmc::{MmcSimConfig, MmcSimState};
use ardoise_disk::sim::nvme::{NvmeSimConfig, NvmeSimState};
use ardoise_disk::sim::profile::{SimDeviceSpec, SimDisk};
use ardoise_disk::sim::scsi::{SasSimConfig, SasSimState};
use ardoise_disk::sim::SimMedia;
use ardoise_disk::{open_disk, OpenedDisk};
use ardoise_erase::firmware::{FirmwareContext, PasswordVault};
use ardoise_erase::{
    Control, Expected, Fingerprints, SampleParams, SamplePlan, Seed, VerifyOptions, VerifyReport,
    VerifyScope,
};

/// 8 MiB: large enough for a sample plan of 4 KiB units (1,000 strata × 2 samples).
pub const SECTORS: u64 = 16_384;

pub fn ata_profile(
    dir: &Path,
    name: &str,
    config: AtaSimConfig,
    state: AtaSimState,
    usb_bridge: bool,
) -> PathBuf {
    SimDisk::create(
        dir,
        name,
        SimDeviceSpec::Ata {
            config: Box::new(config),
            state: Box::new(state),
            usb_bridge,
        },
        512,
        SECTORS,
    )
    .unwrap()
}

/// An ATA disk at power-on state.
pub fn ata(dir: &Path, name: &str, config: AtaSimConfig) -> PathBuf {
    let state = AtaSimState::power_on(&config);
    ata_profile(dir, name, config, state, false)
}

pub fn nvme(dir: &Path, name: &str, config: NvmeSimConfig) -> PathBuf {
    let probe = SimMedia::create(&dir.join(format!(".{name}.probe")), 512, 8).unwrap();
    let state = NvmeSimState::initial(&config, &[probe]).unwrap();
    let _ = std::fs::remove_file(dir.join(format!(".{name}.probe")));
    SimDisk::create(
        dir,
        name,
        SimDeviceSpec::Nvme {
            config: Box::new(config),
            state: Box::new(state),
        },
        512,
        SECTORS,
    )
    .unwrap()
}

pub fn sas(dir: &Path, name: &str, config: SasSimConfig) -> PathBuf {
    SimDisk::create(
        dir,
        name,
        SimDeviceSpec::Sas {
            config: Box::new(config),
            state: Box::new(SasSimState::default()),
        },
        512,
        SECTORS,
    )
    .unwrap()
}

pub fn emmc(dir: &Path, name: &str, config: MmcSimConfig) -> PathBuf {
    let state = MmcSimState::initial(&config);
    SimDisk::create(
        dir,
        name,
        SimDeviceSpec::Emmc {
            config: Box::new(config),
            state: Box::new(state),
        },
        512,
        SECTORS,
    )
    .unwrap()
}

/// Opens a simulated disk the way the station does.
pub fn open(profile: &Path) -> OpenedDisk {
    let info = SimDisk::load(profile).unwrap().info();
    open_disk(&info, Access::ReadWrite).unwrap()
}

/// The medium behind an opened simulated disk.
pub fn media(disk: &OpenedDisk) -> Arc<SimMedia> {
    disk.sim.as_ref().unwrap().media()
}

/// A donor's document: text, repeated, with the sector number in every sector so that no two
/// sectors are equal.
pub fn fill_text(dev: &dyn BlockIo) {
    let size = dev.size_bytes();
    let mut buf = AlignedBuf::new(1 << 20);
    let mut off = 0u64;
    while off < size {
        let n = (size - off).min(1 << 20) as usize;
        let b = &mut buf.as_mut_slice()[..n];
        for s in (0..n).step_by(512) {
            b[s..s + 512].copy_from_slice(&text_sector((off + s as u64) / 512));
        }
        dev.write_at(b, off).unwrap();
        off += n as u64;
    }
    dev.flush().unwrap();
}

/// Every native sector of the medium, hidden ones included.
pub fn native_bytes(m: &SimMedia) -> Vec<u8> {
    let mut b = vec![0u8; (m.native_sectors() * u64::from(m.sector_size())) as usize];
    m.read_native(0, &mut b).unwrap();
    b
}

pub fn all_equal(b: &[u8], v: u8) -> bool {
    b.iter().all(|&x| x == v)
}

const LINE: &[u8] =
    b"Releve de compte - Mme Dupont, 12 rue des Lilas, 76000 Rouen. IBAN FR76 3000 4000 ";

/// Sector `lba` as [`fill_text`] writes it.
pub fn text_sector(lba: u64) -> Vec<u8> {
    let mut s: Vec<u8> = (0..512u64)
        .map(|j| LINE[((lba * 512 + j) % LINE.len() as u64) as usize])
        .collect();
    s[..8].copy_from_slice(&lba.to_le_bytes());
    s
}

/// How much of the text written by [`fill_text`] is still on the medium (fraction of native
/// sectors).
pub fn text_left(m: &SimMedia) -> f64 {
    let b = native_bytes(m);
    let sectors = b.len() / 512;
    let left = b
        .chunks(512)
        .enumerate()
        .filter(|(lba, s)| *s == text_sector(*lba as u64).as_slice())
        .count();
    left as f64 / sectors as f64
}

/// A context for tests: polls every millisecond.
pub fn ctx(vault: &dyn PasswordVault) -> FirmwareContext<'_> {
    FirmwareContext::new(vault).with_poll_interval(Duration::from_millis(1))
}

pub fn sample_plan(dev: &dyn BlockIo) -> SamplePlan {
    SamplePlan::new(
        Seed([7; 16]),
        dev.size_bytes(),
        dev.logical_sector_size(),
        &SampleParams::default(),
    )
    .unwrap()
}

pub fn fingerprints(dev: &dyn BlockIo, plan: &SamplePlan) -> Fingerprints {
    Fingerprints::capture(
        dev,
        plan,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap()
}

pub fn verify(dev: &dyn BlockIo, plan: &SamplePlan, expected: &Expected) -> VerifyReport {
    ardoise_erase::verify::run(
        dev,
        &VerifyScope::Sampled(plan.clone()),
        expected,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap()
}

/// The names of the commands a disk's command layer has sent so far.
pub fn sent(disk: &OpenedDisk) -> Vec<String> {
    use ardoise_disk::Commands;
    let t = match &disk.commands {
        Commands::Ata(d) => d.transcript(),
        Commands::Scsi(d) => d.transcript(),
        Commands::Nvme { controller, .. } => controller.transcript(),
        Commands::Mmc(d) => d.transcript(),
        Commands::None => return Vec::new(),
    };
    t.records().iter().map(|r| r.name.clone()).collect()
}

/// Writes the text of [`fill_text`] on every native sector, hidden ones included.
pub fn fill_native_text(m: &SimMedia) {
    let mut b = Vec::with_capacity((m.native_sectors() * 512) as usize);
    for lba in 0..m.native_sectors() {
        b.extend_from_slice(&text_sector(lba));
    }
    m.write_native(0, &b).unwrap();
}
