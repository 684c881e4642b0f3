//! Preparing a job: probe the opened disk, check that the drive answering is the disk that was
//! described, recover a drive an interrupted security erase left locked, apply the station's
//! limits, plan, and hold the other namespaces a planned command would reach. Nothing here
//! changes the data on the disk; a refusal hands the disk back untouched.

use ardoise_disk::discovery::DiscoveryOptions;
use ardoise_disk::siblings::{hold_siblings, HeldNamespace};
use ardoise_disk::{Commands, OpenedDisk};

use crate::capability::{CommandSet, DriveCapabilities};
use crate::firmware::{recover_locked_drive, PasswordVault, Recovery};
use crate::limits::VAULT_NOT_DURABLE;
use crate::plan::{plan_reaches_other_namespaces, plan_request, Plan, PlanError};
use crate::probe::ProbeReport;
use crate::request::JobRequest;

/// A disk that has been probed and planned, ready to run.
pub struct PreparedJob {
    /// The disk, opened exclusively.
    pub disk: OpenedDisk,
    /// What the probe found.
    pub probe: ProbeReport,
    /// What will be done.
    pub plan: Plan,
    /// What was asked.
    pub request: JobRequest,
    /// The controller's other namespaces that the plan's command also erases, held exclusively
    /// until the job ends.
    pub other_namespaces: Vec<HeldNamespace>,
}

impl PreparedJob {
    /// Every namespace the planned command reaches, this one first; empty when it reaches only
    /// this one.
    pub fn namespaces_reached(&self) -> Vec<crate::limits::ReachedNamespace> {
        if self.other_namespaces.is_empty() {
            return Vec::new();
        }
        let nsid = self.probe.capabilities.nvme.as_ref().map(|n| n.nsid);
        std::iter::once(crate::limits::ReachedNamespace::new(&self.disk.info, nsid))
            .chain(
                self.other_namespaces
                    .iter()
                    .map(|h| crate::limits::ReachedNamespace::new(&h.info, h.nsid)),
            )
            .collect()
    }
}

/// Why a job was not started.
#[derive(Debug, thiserror::Error)]
pub enum RefusedWhy {
    /// The drive cannot run the method asked for (or no method at all).
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The drive's own identity (IDENTIFY, VPD, Identify) differs from the disk described, or
    /// the drive (or, without an identity, the content) differs from the one confirmed.
    #[error("this is not the disk you confirmed: {}", .0.join("; "))]
    NotConfirmed(Vec<String>),
}

/// A job that was not started; the disk is handed back untouched.
pub struct Refused {
    /// The disk, untouched.
    pub disk: Box<OpenedDisk>,
    /// Why the job was refused.
    pub error: RefusedWhy,
}

impl std::fmt::Debug for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Refused({})", self.error)
    }
}

/// Probes the disk and plans `request.method`; refuses an unsupported method with the reason,
/// and a drive whose own identity is not the disk's.
///
/// An ATA drive that an interrupted security erase left with ardoise's temporary password (kept
/// in `vault` under its IDENTIFY serial) is unlocked and cleared, then probed again, so that the
/// plan sees it as it really is.
pub fn prepare(
    disk: OpenedDisk,
    request: JobRequest,
    vault: &dyn PasswordVault,
) -> Result<PreparedJob, Refused> {
    prepare_with(&DiscoveryOptions::default(), disk, request, vault)
}

/// [`prepare`] with the discovery roots the disk was listed with: the controller's other
/// namespaces are found, described and classified with them.
///
/// The drive's own identity must agree with the fresh description of the disk, and with what
/// was confirmed when the request carries it ([`JobRequest::confirmed`]), for every transport.
pub fn prepare_with(
    opts: &DiscoveryOptions,
    mut disk: OpenedDisk,
    request: JobRequest,
    vault: &dyn PasswordVault,
) -> Result<PreparedJob, Refused> {
    let mut probe = crate::probe::probe(&mut disk);
    let mut differences = crate::identity::differences(&disk.info, &probe);
    if let Some(confirmed) = &request.confirmed {
        differences.extend(crate::identity::confirmed_differences(
            confirmed,
            &probe,
            disk.block.as_ref(),
        ));
    }
    if !differences.is_empty() {
        return Err(Refused {
            disk: Box::new(disk),
            error: RefusedWhy::NotConfirmed(differences),
        });
    }
    if let Some(note) = recover(&mut disk, &probe, vault) {
        probe = crate::probe::probe(&mut disk);
        probe.notes.push(note);
    }
    // A drive smaller than the kernel's block device is not the medium the kernel describes.
    let kernel_bytes = disk.block.size_bytes();
    if let Some(drive_bytes) = probe.capabilities.drive_bytes.filter(|d| *d < kernel_bytes) {
        return Err(Refused {
            disk: Box::new(disk),
            error: PlanError::DriveSmallerThanKernel {
                drive_bytes,
                kernel_bytes,
            }
            .into(),
        });
    }
    if !vault.is_durable() {
        probe.capabilities.limits.password_vault = Some(VAULT_NOT_DURABLE.into());
    } else if vault.in_use(&probe.identity.serial) {
        probe.capabilities.limits.password_vault = Some(format!(
            "another drive with the same serial ({:?}) is being security-erased by this station: the password vault keeps one entry per serial, and that one is not replaced",
            probe.identity.serial
        ));
    } else if vault_holds(vault, &probe) {
        probe.capabilities.limits.password_vault = Some(format!(
            "the password vault still holds a temporary password under this serial ({:?}), kept for a drive that may still be locked with it (another drive with the same serial, or this one if it could not be unlocked): the vault keeps one entry per serial, and that one is not replaced",
            probe.identity.serial
        ));
    }
    let held = hold_other_namespaces(opts, &disk, &mut probe);
    let plan = match plan_request(&probe.capabilities, &request.method) {
        Ok(plan) => plan,
        Err(e) => {
            return Err(Refused {
                disk: Box::new(disk),
                error: e.into(),
            })
        }
    };
    let other_namespaces = if plan_reaches_other_namespaces(&plan, &probe.capabilities) {
        held
    } else {
        Vec::new()
    };
    Ok(PreparedJob {
        disk,
        probe,
        plan,
        request,
        other_namespaces,
    })
}

/// Holds the controller's other namespaces when a command could reach them; when one is
/// protected or in use, records why in the capabilities' limits so that the planner refuses
/// those commands.
fn hold_other_namespaces(
    opts: &DiscoveryOptions,
    disk: &OpenedDisk,
    probe: &mut ProbeReport,
) -> Vec<HeldNamespace> {
    let caps: &mut DriveCapabilities = &mut probe.capabilities;
    if disk.sim.is_some() || caps.command_set != CommandSet::Nvme {
        return Vec::new();
    }
    match hold_siblings(opts, &disk.info) {
        Ok(held) => {
            let namespaces = caps.nvme.as_ref().map_or(1, |n| n.namespaces);
            if namespaces as usize > held.len() + 1 {
                probe.notes.push(format!(
                    "the controller reports {namespaces} namespaces, the kernel shows {} as disks: the others have no block device and cannot be in use",
                    held.len() + 1
                ));
            }
            held
        }
        Err(problems) => {
            caps.limits.other_namespaces = Some(format!(
                "this command would also erase the controller's other namespaces, and {}",
                problems.join("; ")
            ));
            Vec::new()
        }
    }
}

/// Whether the vault still holds an entry under this ATA drive's serial after its recovery (an
/// entry kept for another drive, or one that could not be read).
fn vault_holds(vault: &dyn PasswordVault, probe: &ProbeReport) -> bool {
    let serial = probe.identity.serial.as_str();
    probe.capabilities.command_set == CommandSet::Ata
        && !serial.trim().is_empty()
        && !matches!(vault.recall_entry(serial), Ok(None))
}

fn recover(
    disk: &mut OpenedDisk,
    probe: &ProbeReport,
    vault: &dyn PasswordVault,
) -> Option<String> {
    let Commands::Ata(ata) = &mut disk.commands else {
        return None;
    };
    // The vault keys passwords by the serial the drive itself reports (IDENTIFY), which a USB
    // bridge may not pass on to the kernel.
    let serial = probe.identity.serial.as_str();
    if probe.capabilities.command_set != CommandSet::Ata || serial.trim().is_empty() {
        return None;
    }
    if vault.in_use(serial) {
        // Another drive with this serial is being erased by this station: the password in the
        // vault is that drive's, not a leftover to clear.
        return None;
    }
    match recover_locked_drive(ata, vault, serial) {
        Ok(Recovery::NothingToDo) => None,
        Ok(Recovery::AlreadyClear { device_status }) => {
            Some(format!("an earlier security erase was interrupted; the drive carries no password ({device_status})"))
        }
        Ok(Recovery::KeptForAnotherDrive { device_status, differences }) => Some(format!(
            "the password vault holds a temporary password for serial {serial:?}, but this drive carries no password ({device_status}) and cannot be shown to be the drive it was stored for ({}): the password is kept for that drive, which may still be locked with it; the next erase of that drive from this station unlocks it (remove the entry from the vault directory by hand only once that drive is known to be clear)",
            differences.join("; ")
        )),
        Ok(Recovery::Unlocked { device_status }) => {
            Some(format!("an earlier security erase was interrupted; the drive was unlocked and its temporary password removed ({device_status})"))
        }
        Err(e) => Some(format!("an earlier security erase left a temporary password that could not be removed: {e}")),
    }
}
