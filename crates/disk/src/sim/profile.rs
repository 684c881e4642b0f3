//! Simulated disks as files: a JSON profile (device kind, configuration, mutable state, faults)
//! beside a backing file holding the medium. The state is written back after every command, so a
//! simulated drive keeps its password, its running sanitize or its failure across processes —
//! which is what lets the CLI, the TUI (`--simulate`) and the fault tests use it like hardware,
//! including "the process died mid-sanitize, what does the drive say at the next start?".
//!
//! A profile is named on the command line as `sim:<path to profile.json>`.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ata::{AtaSimConfig, AtaSimState, SimAtaDisk};
use super::media::{FaultPlan, SimBlock, SimMedia};
use super::mmc::{MmcSimConfig, MmcSimState, SimEmmc};
use super::nvme::{NvmeSimConfig, NvmeSimState, SimNvmeController};
use super::scsi::{SasSimConfig, SasSimState, SimSasDisk};
use crate::disk_info::{DiskInfo, MediaKind, ProtectionReason, Transport};
use crate::transport::{
    DataDir, MmcCmd, MmcReply, MmcTransport, NvmeAdminCmd, NvmeReply, NvmeTransport, ScsiReply,
    ScsiTransport, TransportError,
};

/// Prefix that names a simulated disk on the command line.
pub const SIM_PREFIX: &str = "sim:";

/// Which device a profile simulates, with its configuration and mutable state. Externally
/// tagged (`{"ata": {...}}`): serde's internally tagged form cannot carry the u128 counters of
/// the NVMe health log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimDeviceSpec {
    /// A SATA disk (through libata), or behind a USB bridge when `usb_bridge`.
    Ata {
        /// What the drive is.
        config: Box<AtaSimConfig>,
        /// What the drive remembers, written back after every command.
        state: Box<AtaSimState>,
        /// Discovery reports a USB transport (a SATA disk in a USB enclosure); how the bridge
        /// returns registers is config.sense.
        #[serde(default)]
        usb_bridge: bool,
    },
    /// A SAS (or other SCSI) disk, answering SCSI commands itself.
    Sas {
        /// What the drive is.
        config: Box<SasSimConfig>,
        /// What the drive remembers, written back after every command.
        state: Box<SasSimState>,
    },
    /// An NVMe controller with one namespace.
    Nvme {
        /// What the controller is.
        config: Box<NvmeSimConfig>,
        /// What the controller remembers, written back after every command.
        state: Box<NvmeSimState>,
    },
    /// An eMMC device.
    Emmc {
        /// What the card is.
        config: Box<MmcSimConfig>,
        /// What has happened to the card, written back after every command.
        state: Box<MmcSimState>,
    },
    /// A disk reachable only by reads and writes (USB stick, virtio).
    Block {
        /// The model name discovery reports.
        model: String,
        /// The serial number discovery reports.
        serial: String,
        /// The transport discovery reports (e.g. USB).
        transport: Transport,
        /// Rotational or solid state, as discovery reports it.
        media: MediaKind,
    },
}

/// Where the medium lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaSpec {
    /// Backing file, relative to the profile's directory.
    pub file: PathBuf,
    /// Logical sector size in bytes.
    pub sector_size: u32,
    /// Every sector of the medium, hidden areas included.
    pub native_sectors: u64,
}

/// The JSON profile of one simulated disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimProfile {
    /// A name for the disk in listings and tests.
    pub name: String,
    /// The device kind, its configuration and state.
    pub device: SimDeviceSpec,
    /// The backing file and its geometry.
    pub media: MediaSpec,
    /// Faults injected into the medium.
    #[serde(default)]
    pub faults: FaultPlan,
    /// Makes the disk protected with this reason (e.g. the simulated boot stick).
    #[serde(default)]
    pub protected: Option<String>,
    /// The device vanished; it stays gone until the profile is edited.
    #[serde(default)]
    pub gone: bool,
}

/// Why a profile could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The profile or backing file could not be read or written.
    #[error("cannot read simulated disk {path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The profile is not valid JSON, or does not fit its medium.
    #[error("{path} is not a valid simulated disk profile: {message}")]
    Invalid {
        /// The profile.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

enum Device {
    Ata(SimAtaDisk),
    Sas(SimSasDisk),
    Nvme(SimNvmeController),
    Emmc(SimEmmc),
    Block,
}

struct Inner {
    path: PathBuf,
    profile: SimProfile,
    media: Arc<SimMedia>,
    device: Device,
}

impl Inner {
    /// Copies the model's state into the profile and writes it atomically.
    fn persist(&mut self) {
        match (&self.device, &mut self.profile.device) {
            (Device::Ata(d), SimDeviceSpec::Ata { state, .. }) => **state = d.state().clone(),
            (Device::Sas(d), SimDeviceSpec::Sas { state, .. }) => **state = d.state().clone(),
            (Device::Nvme(d), SimDeviceSpec::Nvme { state, .. }) => **state = d.state().clone(),
            (Device::Emmc(d), SimDeviceSpec::Emmc { state, .. }) => **state = d.state().clone(),
            _ => {}
        }
        self.profile.gone = self.media.is_gone();
        if let Err(e) = write_atomically(&self.path, &self.profile) {
            tracing::warn!(profile = %self.path.display(), error = %e, "cannot save the simulated disk's state");
        }
    }
}

fn write_atomically(path: &Path, profile: &SimProfile) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(profile).map_err(std::io::Error::other)?;
    fs::write(&tmp, text)?;
    fs::rename(&tmp, path)
}

/// A loaded simulated disk: its medium, its command model and a way to persist its state.
#[derive(Clone)]
pub struct SimDisk {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for SimDisk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimDisk({})", self.lock().path.display())
    }
}

impl SimDisk {
    /// Writes a new profile and a zero-filled backing file beside it.
    pub fn create(
        dir: &Path,
        name: &str,
        device: SimDeviceSpec,
        sector_size: u32,
        native_sectors: u64,
    ) -> Result<PathBuf, SimError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SimError::Io { path, source }
        };
        fs::create_dir_all(dir).map_err(io(dir))?;
        let file = PathBuf::from(format!("{name}.img"));
        SimMedia::create(&dir.join(&file), sector_size, native_sectors)
            .map_err(io(&dir.join(&file)))?;
        let profile = SimProfile {
            name: name.to_string(),
            device,
            media: MediaSpec {
                file,
                sector_size,
                native_sectors,
            },
            faults: FaultPlan::default(),
            protected: None,
            gone: false,
        };
        let path = dir.join(format!("{name}.json"));
        write_atomically(&path, &profile).map_err(io(&path))?;
        Ok(path)
    }

    /// Loads a profile (`sim:` prefix accepted) and builds its device model.
    pub fn load(path: &Path) -> Result<SimDisk, SimError> {
        let path = strip_prefix(path);
        let text = fs::read_to_string(&path).map_err(|source| SimError::Io {
            path: path.clone(),
            source,
        })?;
        let profile: SimProfile = serde_json::from_str(&text).map_err(|e| SimError::Invalid {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let media_path = dir.join(&profile.media.file);
        let media = SimMedia::open(&media_path, profile.media.sector_size).map_err(|source| {
            SimError::Io {
                path: media_path.clone(),
                source,
            }
        })?;
        media.set_faults(profile.faults.clone());
        if profile.gone {
            media.vanish();
        }
        let invalid = |message: String| SimError::Invalid {
            path: path.clone(),
            message,
        };
        // The model is built before anyone touches the medium: it applies hidden areas and the
        // refusal of host I/O of a locked or sanitizing drive.
        let device = match &profile.device {
            SimDeviceSpec::Ata { config, state, .. } => Device::Ata(SimAtaDisk::new(
                (**config).clone(),
                (**state).clone(),
                media.clone(),
            )),
            SimDeviceSpec::Sas { config, state } => Device::Sas(SimSasDisk::new(
                (**config).clone(),
                (**state).clone(),
                media.clone(),
            )),
            SimDeviceSpec::Nvme { config, state } => Device::Nvme(
                SimNvmeController::new((**config).clone(), (**state).clone(), vec![media.clone()])
                    .map_err(|e| invalid(e.to_string()))?,
            ),
            SimDeviceSpec::Emmc { config, state } => Device::Emmc(
                SimEmmc::new((**config).clone(), (**state).clone(), media.clone())
                    .map_err(|e| invalid(e.to_string()))?,
            ),
            SimDeviceSpec::Block { .. } => Device::Block,
        };
        Ok(SimDisk {
            inner: Arc::new(Mutex::new(Inner {
                path,
                profile,
                media,
                device,
            })),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A copy of the profile as it stands (state included).
    pub fn profile(&self) -> SimProfile {
        self.lock().profile.clone()
    }

    /// Where the profile is stored.
    pub fn profile_path(&self) -> PathBuf {
        self.lock().path.clone()
    }

    /// The medium shared by the device model and the block view.
    pub fn media(&self) -> Arc<SimMedia> {
        self.lock().media.clone()
    }

    /// Host block I/O on the visible sectors.
    pub fn block(&self) -> SimBlock {
        SimBlock::new(self.media())
    }

    /// Saves the current state (also done after every command).
    pub fn persist(&self) {
        self.lock().persist();
    }

    /// Power-cycles the drive the way a suspend/resume does: clears frozen states (the BIOS does
    /// not freeze the drive again on resume), locks a drive whose password is set, forgets
    /// volatile max addresses.
    pub fn power_cycle(&self) {
        let mut g = self.lock();
        if let Device::Ata(d) = &mut g.device {
            d.suspend_resume();
        }
        g.persist();
    }

    /// SCSI pass-through (ATA disks answer ATA PASS-THROUGH through their SAT layer).
    pub fn scsi_transport(&self) -> Option<Box<dyn ScsiTransport>> {
        matches!(self.lock().device, Device::Ata(_) | Device::Sas(_))
            .then(|| Box::new(Shared(self.inner.clone())) as Box<dyn ScsiTransport>)
    }

    /// NVMe admin pass-through, for an NVMe profile.
    pub fn nvme_transport(&self) -> Option<Box<dyn NvmeTransport>> {
        matches!(self.lock().device, Device::Nvme(_))
            .then(|| Box::new(Shared(self.inner.clone())) as Box<dyn NvmeTransport>)
    }

    /// MMC pass-through, for an eMMC profile.
    pub fn mmc_transport(&self) -> Option<Box<dyn MmcTransport>> {
        matches!(self.lock().device, Device::Emmc(_))
            .then(|| Box::new(Shared(self.inner.clone())) as Box<dyn MmcTransport>)
    }

    /// The disk as discovery would describe it.
    pub fn info(&self) -> DiskInfo {
        let g = self.lock();
        let p = &g.profile;
        let SimIdentity {
            model,
            serial,
            firmware,
            vendor,
            wwn,
            transport,
            media,
            rotational,
        } = SimIdentity::of(&p.device, &p.name);
        let ss = g.media.sector_size();
        let mut info = DiskInfo {
            name: p.name.clone(),
            path: PathBuf::from(format!("{SIM_PREFIX}{}", g.path.display())),
            model,
            serial,
            firmware,
            vendor,
            wwn,
            eui64: None,
            nguid: None,
            size_bytes: g.media.host_sectors() * u64::from(ss),
            logical_sector_size: ss,
            physical_sector_size: ss,
            rotational,
            removable: transport == Transport::Usb,
            read_only: false,
            transport,
            media,
            sysfs_path: None,
            partitions: Vec::new(),
            holders: Vec::new(),
            mounts: Vec::new(),
            protected: false,
            protected_reason: None,
            protected_reasons: Vec::new(),
            raid_volume: None,
        };
        if let Some(reason) = &p.protected {
            info.protect(ProtectionReason::BootMedium {
                detail: reason.clone(),
            });
        }
        info
    }
}

/// What a simulated device says it is, as discovery would read it from a real one.
struct SimIdentity {
    model: String,
    serial: String,
    firmware: String,
    vendor: String,
    wwn: Option<String>,
    transport: Transport,
    media: MediaKind,
    rotational: bool,
}

impl SimIdentity {
    fn of(device: &SimDeviceSpec, name: &str) -> Self {
        match device {
            SimDeviceSpec::Ata {
                config, usb_bridge, ..
            } => SimIdentity {
                model: config.model.clone(),
                // A bridge that answers VPD page 80h itself gives the kernel its own serial,
                // and no WWN of the drive.
                serial: match (&config.bridge_serial, *usb_bridge) {
                    (Some(bridge), true) => bridge.clone(),
                    _ => config.serial.clone(),
                },
                firmware: config.firmware.clone(),
                vendor: "ATA".to_string(),
                wwn: config
                    .wwn
                    .filter(|_| !(*usb_bridge && config.bridge_serial.is_some()))
                    .map(|w| format!("naa.{w:016x}")),
                transport: if *usb_bridge {
                    Transport::Usb
                } else {
                    Transport::Ata
                },
                media: if config.rotation_rate == 1 {
                    MediaKind::Ssd
                } else {
                    MediaKind::Hdd
                },
                rotational: config.rotation_rate != 1,
            },
            SimDeviceSpec::Sas { config, .. } => SimIdentity {
                model: config.product.clone(),
                serial: config.serial.clone(),
                firmware: config.revision.clone(),
                vendor: config.vendor.clone(),
                wwn: config.naa.map(|w| format!("naa.{w:016x}")),
                transport: Transport::Sas,
                media: MediaKind::Hdd,
                rotational: true,
            },
            SimDeviceSpec::Nvme { config, .. } => SimIdentity {
                model: config.model.clone(),
                serial: config.serial.clone(),
                firmware: "SIM1.0".into(),
                vendor: format!("{:04x}", config.vid),
                wwn: None,
                transport: Transport::Nvme,
                media: MediaKind::NvmeSsd,
                rotational: false,
            },
            SimDeviceSpec::Emmc { .. } => SimIdentity {
                model: "SIM eMMC".into(),
                serial: format!(
                    "0x{:08x}",
                    blake3::hash(name.as_bytes()).as_bytes()[0] as u32 * 0x0101_0101
                ),
                firmware: "0x1".into(),
                vendor: "0x15".into(),
                wwn: None,
                transport: Transport::Mmc,
                media: MediaKind::Emmc,
                rotational: false,
            },
            SimDeviceSpec::Block {
                model,
                serial,
                transport,
                media,
            } => SimIdentity {
                model: model.clone(),
                serial: serial.clone(),
                firmware: String::new(),
                vendor: String::new(),
                wwn: None,
                transport: *transport,
                media: *media,
                rotational: *media == MediaKind::Hdd,
            },
        }
    }
}

/// Accepts `sim:/path/x.json` or `/path/x.json`.
pub fn strip_prefix(path: &Path) -> PathBuf {
    let s = path.to_string_lossy();
    PathBuf::from(s.strip_prefix(SIM_PREFIX).unwrap_or(&s).to_string())
}

/// Whether a command-line path names a simulated disk.
pub fn is_sim_path(path: &Path) -> bool {
    path.to_string_lossy().starts_with(SIM_PREFIX)
}

/// One transport handle over the shared model; persists the state after every command.
struct Shared(Arc<Mutex<Inner>>);

impl Shared {
    fn with<R>(
        &self,
        f: impl FnOnce(&mut Device) -> Result<R, TransportError>,
    ) -> Result<R, TransportError> {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let r = f(&mut g.device);
        g.persist();
        r
    }
}

fn wrong_kind(op: &'static str) -> TransportError {
    TransportError::Refused {
        op,
        errno: nix::errno::Errno::ENOTTY,
    }
}

impl ScsiTransport for Shared {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<ScsiReply, TransportError> {
        self.with(|d| match d {
            Device::Ata(d) => d.execute(cdb, data, timeout),
            Device::Sas(d) => d.execute(cdb, data, timeout),
            _ => Err(wrong_kind("SG_IO")),
        })
    }
}

impl NvmeTransport for Shared {
    fn admin(
        &mut self,
        cmd: &NvmeAdminCmd,
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<NvmeReply, TransportError> {
        self.with(|d| match d {
            Device::Nvme(d) => d.admin(cmd, data, timeout),
            _ => Err(wrong_kind("NVME_IOCTL_ADMIN_CMD")),
        })
    }
}

impl MmcTransport for Shared {
    fn execute(&mut self, cmd: &MmcCmd, data: DataDir<'_>) -> Result<MmcReply, TransportError> {
        self.with(|d| match d {
            Device::Emmc(d) => d.execute(cmd, data),
            _ => Err(wrong_kind("MMC_IOC_CMD")),
        })
    }

    fn execute_sequence(&mut self, cmds: &[MmcCmd]) -> Result<Vec<MmcReply>, TransportError> {
        self.with(|d| match d {
            Device::Emmc(d) => d.execute_sequence(cmds),
            _ => Err(wrong_kind("MMC_IOC_MULTI_CMD")),
        })
    }
}

/// The disks of `ardoise tui --simulate`: one of each kind a workshop meets, plus the cases a
/// trainee must learn to read. Returns the profile paths.
pub fn standard_machine(dir: &Path, sectors: u64) -> Result<Vec<PathBuf>, SimError> {
    let mut out = Vec::new();
    let mut create = |name: &str, spec: SimDeviceSpec| -> Result<(), SimError> {
        out.push(SimDisk::create(dir, name, spec, 512, sectors)?);
        Ok(())
    };
    create("sim-ata-hdd", ata_spec(AtaSimConfig::hdd()))?;
    create("sim-ata-ssd-frozen", ata_spec(frozen_ssd()))?;
    create("sim-nvme", nvme_spec(dir)?)?;
    create("sim-emmc", emmc_spec())?;
    create("sim-ata-failing", ata_spec(failing_hdd()))?;
    out.push(create_boot_stick(dir, sectors)?);
    Ok(out)
}

fn ata_spec(config: AtaSimConfig) -> SimDeviceSpec {
    let state = AtaSimState::power_on(&config);
    SimDeviceSpec::Ata {
        config: Box::new(config),
        state: Box::new(state),
        usb_bridge: false,
    }
}

/// An SSD frozen at power-on, as a BIOS leaves it, and without the sanitize feature set.
fn frozen_ssd() -> AtaSimConfig {
    AtaSimConfig {
        frozen_at_power_on: true,
        sanitize: Default::default(),
        ..AtaSimConfig::ssd()
    }
}

/// The NVMe controller's initial state is computed against a throw-away 8-sector probe medium.
fn nvme_spec(dir: &Path) -> Result<SimDeviceSpec, SimError> {
    let nvme = NvmeSimConfig::default();
    let media_probe =
        SimMedia::create(&dir.join(".probe.img"), 512, 8).map_err(|source| SimError::Io {
            path: dir.join(".probe.img"),
            source,
        })?;
    let nvme_state =
        NvmeSimState::initial(&nvme, &[media_probe]).map_err(|e| SimError::Invalid {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
    let _ = fs::remove_file(dir.join(".probe.img"));
    Ok(SimDeviceSpec::Nvme {
        config: Box::new(nvme),
        state: Box::new(nvme_state),
    })
}

fn emmc_spec() -> SimDeviceSpec {
    let emmc = MmcSimConfig::default();
    let emmc_state = MmcSimState::initial(&emmc);
    SimDeviceSpec::Emmc {
        config: Box::new(emmc),
        state: Box::new(emmc_state),
    }
}

/// A dying HDD: SMART past its threshold, and a write that fails mid-command.
fn failing_hdd() -> AtaSimConfig {
    let mut failing = AtaSimConfig::hdd();
    failing.model = "ST500DM002-1BD142".into();
    failing.serial = "Z3TFAILING".into();
    if let Some(smart) = failing.smart.as_mut() {
        // 1,890 reallocated sectors (normalised value under its threshold) and 24 pending ones.
        for a in smart.attributes.iter_mut() {
            match a.id {
                5 => (a.value, a.worst, a.raw) = (5, 5, 1890),
                197 => a.raw = 24,
                _ => {}
            }
        }
        smart.threshold_exceeded = true;
    }
    failing.knobs.fail_mid_command = true;
    failing.sanitize = Default::default();
    failing
}

/// The USB stick the live system booted from: a small plain block device whose profile is
/// marked protected, so every listing keeps it out of reach.
fn create_boot_stick(dir: &Path, sectors: u64) -> Result<PathBuf, SimError> {
    let stick = SimDeviceSpec::Block {
        model: "SanDisk Cruzer Blade".into(),
        serial: "4C530001BOOTSTICK".into(),
        transport: Transport::Usb,
        media: MediaKind::UsbFlash,
    };
    let stick_path = SimDisk::create(dir, "sim-boot-stick", stick, 512, sectors.min(65_536))?;
    let mut p: SimProfile = serde_json::from_str(&fs::read_to_string(&stick_path).map_err(
        |source| SimError::Io {
            path: stick_path.clone(),
            source,
        },
    )?)
    .map_err(|e| SimError::Invalid {
        path: stick_path.clone(),
        message: e.to_string(),
    })?;
    p.protected = Some("the live system booted from this disk".into());
    write_atomically(&stick_path, &p).map_err(|source| SimError::Io {
        path: stick_path.clone(),
        source,
    })?;
    Ok(stick_path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::BlockIo;

    #[test]
    fn state_survives_a_reload_and_protection_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let paths = standard_machine(dir.path(), 4096).unwrap();
        assert_eq!(paths.len(), 6);
        let disks: Vec<SimDisk> = paths.iter().map(|p| SimDisk::load(p).unwrap()).collect();
        let infos: Vec<DiskInfo> = disks.iter().map(|d| d.info()).collect();
        assert_eq!(infos.iter().filter(|i| i.protected).count(), 1);
        assert_eq!(infos[0].transport, Transport::Ata);
        assert_eq!(infos[0].media, MediaKind::Hdd);
        assert_eq!(infos[2].transport, Transport::Nvme);
        assert_eq!(infos[3].media, MediaKind::Emmc);
        assert!(infos[0].path.to_string_lossy().starts_with("sim:"));
        assert!(disks[0].scsi_transport().is_some() && disks[0].nvme_transport().is_none());
        assert!(disks[2].nvme_transport().is_some());
        assert!(disks[3].mmc_transport().is_some());
        assert!(disks[5].scsi_transport().is_none());

        // Block I/O reaches the backing file.
        let blk = disks[0].block();
        let mut buf = vec![0xA5u8; 4096];
        blk.write_at(&buf, 0).unwrap();
        buf.fill(0);
        SimDisk::load(&paths[0])
            .unwrap()
            .block()
            .read_at(&mut buf, 0)
            .unwrap();
        assert!(buf.iter().all(|&b| b == 0xA5));

        // A vanished disk stays gone after a reload.
        disks[1].media().vanish();
        disks[1].persist();
        assert!(SimDisk::load(&paths[1]).unwrap().media().is_gone());
    }

    #[test]
    fn invalid_profiles_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        fs::write(&p, "{\"name\": 3}").unwrap();
        let e = SimDisk::load(&p).unwrap_err().to_string();
        assert!(e.contains("not a valid simulated disk profile"), "{e}");
        assert!(SimDisk::load(&dir.path().join("missing.json")).is_err());
    }
}
