//! Opens a discovered disk for erasure: the exclusive data path plus the command layer that
//! reaches it (ATA through SAT, SCSI, NVMe admin, MMC), for real devices and simulated ones alike.

use std::path::PathBuf;
use std::sync::Arc;

use crate::ata::AtaDevice;
use crate::block::{Access, BlockIo, DeviceFile};
use crate::disk_info::{DiskInfo, ProtectionReason, Transport};
use crate::mmc::{Addressing, MmcDevice};
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
        /// The controller the namespace belongs to; its admin commands reach it through the namespace.
        controller: NvmeController<Box<dyn NvmeTransport>>,
        /// The namespace id of this disk.
        nsid: u32,
    },
    /// MMC commands (eMMC, SD cards).
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

    /// The command layer's name ("ata", "scsi", "nvme", "mmc", "none").
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
    /// The disk as described (and confirmed) before opening.
    pub info: DiskInfo,
    /// Positioned reads and writes on the whole disk.
    pub block: Arc<dyn BlockIo>,
    /// The command layer that reaches the disk.
    pub commands: Commands,
    /// The simulated disk behind a `sim:` path (for power cycles and state persistence).
    pub sim: Option<SimDisk>,
    /// A duplicate of the exclusive descriptor of a real block device, for block-layer ioctls
    /// (BLKSECDISCARD) that must reach the disk that was checked, not whatever has its name now.
    pub device: Option<Arc<std::fs::File>>,
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
    /// The disk is protected: nothing is opened.
    #[error("{path} is protected and will not be erased: {}", reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>().join("; "))]
    Protected {
        /// The disk's path.
        path: PathBuf,
        /// Why it is protected.
        reasons: Vec<ProtectionReason>,
    },
    /// The data path could not be opened.
    #[error(transparent)]
    Open(#[from] crate::block::OpenError),
    /// The command layer could not be opened.
    #[error("cannot reach the commands of {path}: {source}")]
    Transport {
        /// The disk's path.
        path: PathBuf,
        /// What the transport reported.
        source: TransportError,
    },
    /// The simulated disk could not be loaded.
    #[error(transparent)]
    Sim(#[from] crate::sim::profile::SimError),
    /// What is behind the name now is not the disk that was confirmed (or it cannot be told):
    /// nothing was written.
    #[error("{path}: this is not the disk you confirmed ({}); nothing was written", differences.join("; "))]
    NotConfirmed {
        /// The disk's path.
        path: PathBuf,
        /// Each identifying field that differs, in words.
        differences: Vec<String>,
    },
}

impl OpenDiskError {
    fn not_confirmed(info: &DiskInfo, differences: Vec<String>) -> Self {
        OpenDiskError::NotConfirmed {
            path: info.path.clone(),
            differences,
        }
    }
}

/// Opens `info` for erasure (or, with [`Access::ReadOnly`], for probing and verifying).
/// Protected disks are refused, whatever the caller asked; so is a disk that is no longer the
/// one `info` describes (see [`crate::confirm`]).
pub fn open_disk(info: &DiskInfo, access: Access) -> Result<OpenedDisk, OpenDiskError> {
    open_disk_with(&crate::discovery::DiscoveryOptions::default(), info, access)
}

/// [`open_disk`] with explicit discovery roots.
///
/// Right after the exclusive open, the disk behind the descriptor is described and classified
/// afresh; any identifying difference from `info` (serial, WWN/NGUID, size, sysfs path...) or a
/// protection found now refuses the open. The command layer is reached through duplicates of
/// the same descriptor, never by opening the name again. The returned disk carries the fresh
/// description.
pub fn open_disk_with(
    opts: &crate::discovery::DiscoveryOptions,
    info: &DiskInfo,
    access: Access,
) -> Result<OpenedDisk, OpenDiskError> {
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
    let now = crate::confirm::describe_held(opts, info, block.file())
        .map_err(|why| OpenDiskError::not_confirmed(info, vec![why.to_string()]))?;
    check_confirmed(info, &now)?;
    let (commands, device) = commands_for(&now, &block)?;
    Ok(OpenedDisk {
        info: now,
        block: Arc::new(block),
        commands,
        sim: None,
        device,
    })
}

/// The command layer of the disk `now` describes, reached through duplicates of `block`'s
/// exclusive descriptor; and one more duplicate for block-layer ioctls.
#[allow(clippy::type_complexity)]
fn commands_for(
    now: &DiskInfo,
    block: &DeviceFile,
) -> Result<(Commands, Option<Arc<std::fs::File>>), OpenDiskError> {
    let transport_err = |source| OpenDiskError::Transport {
        path: now.path.clone(),
        source,
    };
    let passthrough = || {
        block.file().try_clone().map_err(|e| {
            transport_err(TransportError::from_errno(
                "dup",
                nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
            ))
        })
    };
    // A RAID volume's SCSI commands reach the controller's firmware, not a drive: only reads
    // and writes of the volume mean what they say.
    let commands = if !block.is_block_device() || now.raid_volume.is_some() {
        Commands::None
    } else {
        match now.transport {
            Transport::Ata | Transport::Usb => {
                let t: Box<dyn ScsiTransport> = Box::new(SgIo::from_file(passthrough()?));
                Commands::Ata(AtaDevice::new(t))
            }
            Transport::Sas => {
                let t: Box<dyn ScsiTransport> = Box::new(SgIo::from_file(passthrough()?));
                Commands::Scsi(ScsiDevice::new(t))
            }
            Transport::Nvme => {
                let ioctl = NvmeIoctl::from_file(passthrough()?);
                let nsid = ioctl.namespace_id().map_err(transport_err)?;
                let t: Box<dyn NvmeTransport> = Box::new(ioctl);
                Commands::Nvme {
                    controller: NvmeController::new(t),
                    nsid,
                }
            }
            Transport::Mmc => {
                // Cards above 2 GB are sector-addressed (JEDEC high capacity).
                let addressing = if now.size_bytes > 2 << 30 {
                    Addressing::Sector
                } else {
                    Addressing::Byte
                };
                let t: Box<dyn MmcTransport> = Box::new(MmcIoctl::from_file(passthrough()?));
                Commands::Mmc(MmcDevice::new(t).with_addressing(addressing))
            }
            Transport::Virtio
            | Transport::Loop
            | Transport::File
            | Transport::Simulated
            | Transport::Other => Commands::None,
        }
    };
    let device = if block.is_block_device() {
        Some(Arc::new(passthrough()?))
    } else {
        None
    };
    Ok((commands, device))
}

/// Refuses `now` unless it is the disk `confirmed` describes and is not protected now.
fn check_confirmed(confirmed: &DiskInfo, now: &DiskInfo) -> Result<(), OpenDiskError> {
    let differences = crate::confirm::compare(confirmed, now);
    if !differences.is_empty() {
        tracing::warn!(path = %confirmed.path.display(), ?differences, "not the confirmed disk");
        return Err(OpenDiskError::not_confirmed(
            confirmed,
            differences.iter().map(|d| d.to_string()).collect(),
        ));
    }
    if now.protected {
        return Err(OpenDiskError::Protected {
            path: now.path.clone(),
            reasons: now.protected_reasons.clone(),
        });
    }
    Ok(())
}

fn open_sim(info: &DiskInfo) -> Result<OpenedDisk, OpenDiskError> {
    let sim = SimDisk::load(&info.path)?;
    check_confirmed(info, &sim.info())?;
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
        device: None,
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
    fn two_sim_profiles_swapped_behind_one_path_are_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::sim::profile::standard_machine(dir.path(), 2048).unwrap();
        let opts = crate::discovery::DiscoveryOptions::default();
        let sim = |p: &std::path::Path| PathBuf::from(format!("sim:{}", p.display()));
        let (hdd, failing) = (&paths[0], &paths[4]);
        let confirmed = describe_target(&opts, &sim(hdd)).unwrap();
        // Same path, same kind of disk: only its identity differs.
        let (a, b) = (std::fs::read(hdd).unwrap(), std::fs::read(failing).unwrap());
        std::fs::write(hdd, &b).unwrap();
        std::fs::write(failing, &a).unwrap();
        let media = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
        let before = (media("sim-ata-hdd.img"), media("sim-ata-failing.img"));
        match open_disk(&confirmed, Access::ReadWrite) {
            Err(OpenDiskError::NotConfirmed { differences, .. }) => {
                assert!(
                    differences.iter().any(|d| d.starts_with("serial:")),
                    "{differences:?}"
                )
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(
            (media("sim-ata-hdd.img"), media("sim-ata-failing.img")),
            before
        );
        // What is there now opens, described as it is.
        let now = describe_target(&opts, &sim(hdd)).unwrap();
        assert_eq!(
            open_disk(&now, Access::ReadWrite).unwrap().info.serial,
            now.serial
        );
        assert_ne!(now.serial, confirmed.serial);
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
