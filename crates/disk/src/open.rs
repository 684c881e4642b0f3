//! Opens a discovered disk for erasure: the exclusive data path plus the command layer that
//! reaches it (ATA through SAT, SCSI, NVMe admin, MMC), for real devices and simulated ones alike.

use std::path::PathBuf;
use std::sync::Arc;

use crate::ata::AtaDevice;
use crate::block::{Access, BlockIo, DeviceFile};
use crate::mmc::{Addressing, MmcDevice};
use crate::model::{DiskInfo, ProtectionReason, Transport};
use crate::nvme::NvmeController;
use crate::scsi::ScsiDevice;
use crate::sim::profile::{is_sim_path, SimDeviceSpec, SimDisk};
use crate::transport::linux::{MmcIoctl, NvmeIoctl, SgIo};
use crate::transport::{MmcTransport, NvmeTransport, ScsiTransport, TransportError};

/// The command layer of an opened disk.
pub enum Commands {
    /// ATA commands through SAT (SATA disks; USB bridges that may or may not pass them).
    Ata(AtaDevice<Box<dyn ScsiTransport>>),
    /// SCSI commands (SAS disks).
    Scsi(ScsiDevice<Box<dyn ScsiTransport>>),
    /// An NVMe controller and the namespace this disk is.
    Nvme {
        controller: NvmeController<Box<dyn NvmeTransport>>,
        nsid: u32,
    },
    Mmc(MmcDevice<Box<dyn MmcTransport>>),
    /// Reads and writes only (virtio, loop, regular file, plain USB stick).
    None,
}

impl Commands {
    /// Moves the command records out of the device's transcript.
    pub fn take_transcript(&mut self) -> Vec<crate::record::CommandRecord> {
        match self {
            Commands::Ata(d) => d.take_transcript().take(),
            Commands::Scsi(d) => d.take_transcript().take(),
            Commands::Nvme { controller, .. } => controller.transcript_mut().take(),
            Commands::Mmc(d) => d.transcript_mut().take(),
            Commands::None => Vec::new(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Commands::Ata(_) => "ata",
            Commands::Scsi(_) => "scsi",
            Commands::Nvme { .. } => "nvme",
            Commands::Mmc(_) => "mmc",
            Commands::None => "none",
        }
    }
}

impl std::fmt::Debug for Commands {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind())
    }
}

/// A disk held for erasure. The block path is opened O_EXCL (real block devices) for as long as
/// this value lives, so nothing can mount the disk meanwhile.
pub struct OpenedDisk {
    pub info: DiskInfo,
    pub block: Arc<dyn BlockIo>,
    pub commands: Commands,
    /// The simulated disk behind a `sim:` path (for power cycles and state persistence).
    pub sim: Option<SimDisk>,
}

impl std::fmt::Debug for OpenedDisk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedDisk")
            .field("path", &self.info.path)
            .field("commands", &self.commands)
            .finish()
    }
}

/// Why a disk could not be opened for erasure.
#[derive(Debug, thiserror::Error)]
pub enum OpenDiskError {
    #[error("{path} is protected and will not be erased: {}", reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>().join("; "))]
    Protected {
        path: PathBuf,
        reasons: Vec<ProtectionReason>,
    },
    #[error(transparent)]
    Open(#[from] crate::block::OpenError),
    #[error("cannot reach the commands of {path}: {source}")]
    Transport {
        path: PathBuf,
        source: TransportError,
    },
    #[error(transparent)]
    Sim(#[from] crate::sim::profile::SimError),
}

/// Opens `info` for erasure (or, with [`Access::ReadOnly`], for probing and verifying).
/// Protected disks are refused, whatever the caller asked.
pub fn open_disk(info: &DiskInfo, access: Access) -> Result<OpenedDisk, OpenDiskError> {
    if info.protected {
        return Err(OpenDiskError::Protected {
            path: info.path.clone(),
            reasons: info.protected_reasons.clone(),
        });
    }
    if is_sim_path(&info.path) {
        return open_sim(info);
    }
    let block = DeviceFile::open(&info.path, access)?;
    let transport_err = |source| OpenDiskError::Transport {
        path: info.path.clone(),
        source,
    };
    // A RAID volume's SCSI commands reach the controller's firmware, not a drive: only reads
    // and writes of the volume mean what they say.
    let commands = if !block.is_block_device() || info.raid_volume.is_some() {
        Commands::None
    } else {
        match info.transport {
            Transport::Ata | Transport::Usb => {
                let t: Box<dyn ScsiTransport> =
                    Box::new(SgIo::open(&info.path).map_err(transport_err)?);
                Commands::Ata(AtaDevice::new(t))
            }
            Transport::Sas => {
                let t: Box<dyn ScsiTransport> =
                    Box::new(SgIo::open(&info.path).map_err(transport_err)?);
                Commands::Scsi(ScsiDevice::new(t))
            }
            Transport::Nvme => {
                let ioctl = NvmeIoctl::open(&info.path).map_err(transport_err)?;
                let nsid = ioctl.namespace_id().map_err(transport_err)?;
                let t: Box<dyn NvmeTransport> = Box::new(ioctl);
                Commands::Nvme {
                    controller: NvmeController::new(t),
                    nsid,
                }
            }
            Transport::Mmc => {
                // Cards above 2 GB are sector-addressed (JEDEC high capacity).
                let addressing = if info.size_bytes > 2 << 30 {
                    Addressing::Sector
                } else {
                    Addressing::Byte
                };
                let t: Box<dyn MmcTransport> =
                    Box::new(MmcIoctl::open(&info.path).map_err(transport_err)?);
                Commands::Mmc(MmcDevice::new(t).with_addressing(addressing))
            }
            Transport::Virtio
            | Transport::Loop
            | Transport::File
            | Transport::Simulated
            | Transport::Other => Commands::None,
        }
    };
    Ok(OpenedDisk {
        info: info.clone(),
        block: Arc::new(block),
        commands,
        sim: None,
    })
}

fn open_sim(info: &DiskInfo) -> Result<OpenedDisk, OpenDiskError> {
    let sim = SimDisk::load(&info.path)?;
    let profile = sim.profile();
    let commands = match &profile.device {
        SimDeviceSpec::Ata { .. } => Commands::Ata(AtaDevice::new(
            sim.scsi_transport()
                .expect("ATA profile has SCSI transport"),
        )),
        SimDeviceSpec::Sas { .. } => Commands::Scsi(ScsiDevice::new(
            sim.scsi_transport()
                .expect("SAS profile has SCSI transport"),
        )),
        SimDeviceSpec::Nvme { .. } => Commands::Nvme {
            controller: NvmeController::new(
                sim.nvme_transport()
                    .expect("NVMe profile has NVMe transport"),
            ),
            nsid: 1,
        },
        SimDeviceSpec::Emmc { config, .. } => {
            let addressing = if config.byte_addressed {
                Addressing::Byte
            } else {
                Addressing::Sector
            };
            Commands::Mmc(
                MmcDevice::new(sim.mmc_transport().expect("eMMC profile has MMC transport"))
                    .with_addressing(addressing)
                    .with_rca(config.rca),
            )
        }
        SimDeviceSpec::Block { .. } => Commands::None,
    };
    Ok(OpenedDisk {
        info: sim.info(),
        block: Arc::new(sim.block()),
        commands,
        sim: Some(sim),
    })
}

/// Describes a target named on the command line: `sim:<profile>`, a whole-disk device node or
/// a regular file.
pub fn describe_target(
    opts: &crate::discovery::DiscoveryOptions,
    path: &std::path::Path,
) -> Result<DiskInfo, OpenDiskError> {
    if is_sim_path(path) {
        return Ok(SimDisk::load(path)?.info());
    }
    crate::discovery::describe_path(opts, path).map_err(|e| match e {
        crate::discovery::DiscoveryError::Read { path, source } => {
            OpenDiskError::Open(crate::block::OpenError::Io {
                path,
                error: source,
            })
        }
        crate::discovery::DiscoveryError::NotADisk(path, why) => {
            OpenDiskError::Open(crate::block::OpenError::Io {
                path,
                error: std::io::Error::new(std::io::ErrorKind::InvalidInput, why),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_disks_are_refused_and_sim_disks_open_with_their_commands() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::sim::profile::standard_machine(dir.path(), 2048).unwrap();
        let opts = crate::discovery::DiscoveryOptions::default();
        let kinds: Vec<String> = paths
            .iter()
            .map(|p| {
                let info =
                    describe_target(&opts, &PathBuf::from(format!("sim:{}", p.display()))).unwrap();
                match open_disk(&info, Access::ReadWrite) {
                    Ok(d) => d.commands.kind().to_string(),
                    Err(OpenDiskError::Protected { .. }) => "protected".into(),
                    Err(e) => panic!("{e}"),
                }
            })
            .collect();
        assert_eq!(kinds, ["ata", "ata", "nvme", "mmc", "ata", "protected"]);
    }

    #[test]
    fn regular_files_open_without_commands() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("t.img");
        std::fs::write(&f, vec![0u8; 65536]).unwrap();
        let info = describe_target(&crate::discovery::DiscoveryOptions::default(), &f).unwrap();
        let d = open_disk(&info, Access::ReadWrite).unwrap();
        assert_eq!(d.commands.kind(), "none");
        assert_eq!(d.block.size_bytes(), 65536);
    }
}
