//! Probing: ask an opened disk what it is and what it can do, and reduce the answers to the
//! plain [`DriveCapabilities`] the planner reads, the health grade and the drive's own identity.
//!
//! - ATA: IDENTIFY DEVICE; SANITIZE STATUS EXT (sanitize freeze, an operation left running);
//!   READ NATIVE MAX (EXT) or GET NATIVE MAX EXT and DEVICE CONFIGURATION IDENTIFY (hidden
//!   areas); SMART (health). A bridge that passes no ATA command makes the disk block-only.
//! - SCSI: INQUIRY and VPD pages 80h/83h, READ CAPACITY(16), REPORT SUPPORTED OPERATION CODES
//!   for each SANITIZE service action (`None` when the device cannot say).
//! - NVMe: Identify Controller and Namespace, the active namespace list, the Sanitize Status log
//!   (an operation left running), the SMART / Health log.
//! - eMMC: EXT_CSD (security features, life time estimates).
//!
//! Probing never fails: an error becomes a note, and the capability set falls back to what is
//! safe (block-only when the command layer does not answer; a feature whose state cannot be read
//! is not offered). Notes that matter to a technician are also copied into
//! [`DriveCapabilities::notes`].

use ardoise_disk::ata::{AtaDevice, AtaError, Checksum, EraseTime, IdentifyData, Rotation};
use ardoise_disk::health::{HealthFigures, HealthReport};
use ardoise_disk::mmc::{MmcDevice, MmcError};
use ardoise_disk::nvme::{IdentifyController, NvmeController, NvmeError, SanitizeStatusValue};
use ardoise_disk::scsi::{CommandError, CommandSupport, SanitizeServiceAction, ScsiDevice};
use ardoise_disk::transport::{MmcTransport, NvmeTransport, ScsiTransport};
use ardoise_disk::{Commands, DiskInfo, MediaKind, OpenedDisk, Transport};
use serde::{Deserialize, Serialize};

use crate::capability::{
    AtaSanitize, AtaSecurity, CommandSet, DriveCapabilities, HiddenAreas, MmcCaps, NvmeCaps,
    ScsiSanitize,
};

/// Who the drive says it is (refining what discovery read from sysfs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriveIdentity {
    /// Model number as the drive reports it.
    pub model: String,
    /// Serial number as the drive reports it.
    pub serial: String,
    /// Firmware revision as the drive reports it.
    pub firmware: String,
    /// WWN (`naa.…`), or the NVMe namespace NGUID / EUI-64 (`nguid.…`, `eui.…`).
    pub wwn: Option<String>,
}

/// Everything a probe learnt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// What the drive supports.
    pub capabilities: DriveCapabilities,
    /// `None` when no health data could be read.
    pub health: Option<HealthReport>,
    /// Who the drive says it is.
    pub identity: DriveIdentity,
    /// Every note of the probe (the technician-relevant ones are also in the capabilities).
    pub notes: Vec<String>,
}

/// Notes for the log, and the subset a technician should see.
#[derive(Default)]
struct Notes {
    all: Vec<String>,
    tech: Vec<String>,
}

impl Notes {
    fn log(&mut self, s: impl Into<String>) {
        self.all.push(s.into());
    }
    fn tech(&mut self, s: impl Into<String>) {
        let s = s.into();
        self.tech.push(s.clone());
        self.all.push(s);
    }
}

/// Probes an opened disk.
pub fn probe(disk: &mut OpenedDisk) -> ProbeReport {
    probe_commands(&disk.info, &mut disk.commands)
}

/// Probes a disk given its description and command layer.
pub fn probe_commands(info: &DiskInfo, commands: &mut Commands) -> ProbeReport {
    let r = match commands {
        Commands::Ata(dev) => probe_ata(info, dev),
        Commands::Scsi(dev) => probe_scsi(info, dev),
        Commands::Nvme { controller, nsid } => probe_nvme(info, controller, *nsid),
        Commands::Mmc(dev) => probe_mmc(info, dev),
        Commands::None => Err(Fallback(match &info.raid_volume {
            Some(v) => format!(
                "a RAID volume of the {} controller at {}: its member disks cannot be reached one by one, only the volume can be overwritten (switch the controller to HBA/JBOD mode for a purge of each disk)",
                v.driver, v.controller
            ),
            None => "the disk is reached by reads and writes only (no command pass-through)".into(),
        })),
    };
    let mut report = r.unwrap_or_else(|Fallback(why)| block_only(info, why));
    if info.transport == ardoise_disk::Transport::Mmc {
        report.capabilities.mmc_hardware_partitions = mmc_hardware_partitions(info);
        report.capabilities.mmc_card_is_sd = info.sysfs_path.as_deref().is_some_and(|dir| {
            std::fs::read_to_string(dir.join("device/type")).is_ok_and(|t| t.trim() == "SD")
        });
    }
    report
}

/// Kernel names of the eMMC hardware partitions that sysfs shows for the card of `info`
/// (`mmcblk0boot0`, `mmcblk0boot1`, `mmcblk0rpmb`, `mmcblk0gp0`…), sorted: the kernel makes
/// them block devices beside the card's own (`…/mmc0:0001/block/mmcblk0boot0`), and older
/// kernels below it. Empty without a sysfs path (simulated disks, files).
pub fn mmc_hardware_partitions(info: &DiskInfo) -> Vec<String> {
    let Some(dir) = info.sysfs_path.as_deref() else {
        return Vec::new();
    };
    let is_partition = |n: &str| {
        n.strip_prefix(info.name.as_str()).is_some_and(|rest| {
            ["boot", "rpmb", "gp"].iter().any(|p| {
                rest.strip_prefix(p)
                    .is_some_and(|k| k.bytes().all(|b| b.is_ascii_digit()))
            })
        })
    };
    let mut names: Vec<String> = [Some(dir), dir.parent()]
        .into_iter()
        .flatten()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_partition(n))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Why a probe fell back to block-only.
struct Fallback(String);

fn identity_of(info: &DiskInfo) -> DriveIdentity {
    DriveIdentity {
        model: info.model.clone(),
        serial: info.serial.clone(),
        firmware: info.firmware.clone(),
        wwn: info.wwn.clone(),
    }
}

fn block_only(info: &DiskInfo, why: String) -> ProbeReport {
    let mut capabilities = DriveCapabilities::block_only(info);
    capabilities.notes.push(why.clone());
    ProbeReport {
        capabilities,
        health: None,
        identity: identity_of(info),
        notes: vec![why],
    }
}

fn finish(
    mut capabilities: DriveCapabilities,
    health: Option<HealthReport>,
    identity: DriveIdentity,
    notes: Notes,
) -> ProbeReport {
    capabilities.notes.extend(notes.tech);
    ProbeReport {
        capabilities,
        health,
        identity,
        notes: notes.all,
    }
}

fn base_caps(info: &DiskInfo, command_set: CommandSet) -> DriveCapabilities {
    DriveCapabilities {
        command_set,
        ..DriveCapabilities::block_only(info)
    }
}

// --- ATA -------------------------------------------------------------------------------------

fn ata_gone(e: &AtaError) -> Result<(), Fallback> {
    if e.is_device_gone() {
        Err(Fallback(format!(
            "the device disappeared while it was probed ({e})"
        )))
    } else {
        Ok(())
    }
}

fn minutes(t: EraseTime) -> Option<u32> {
    match t {
        EraseTime::NotReported => None,
        EraseTime::Minutes(m) | EraseTime::MoreThan(m) => Some(m),
    }
}

/// The device disappeared while its native and DCO maxima were read (hidden-area measurement);
/// displays as the ATA error that said so.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DeviceGone(pub AtaError);

/// Reads the native maximum and the DCO maximum. `Err` when the device is gone; the second
/// element lists what could not be read (the measurement is then incomplete).
pub(crate) fn measure_hidden<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    id: &IdentifyData,
) -> Result<(HiddenAreas, Vec<String>), DeviceGone> {
    let mut h = HiddenAreas {
        visible_sectors: id.user_sectors(),
        native_sectors: None,
        dco_max_sectors: None,
        hpa_supported: id.hpa.supported,
        dco_supported: id.dco.supported,
        amax_supported: id.amax_supported,
    };
    let mut problems = Vec::new();
    let native = if id.amax_supported {
        Some(("GET NATIVE MAX ADDRESS EXT", dev.get_native_max_lba_ext()))
    } else if id.hpa.supported {
        Some(if id.lba48 {
            ("READ NATIVE MAX ADDRESS EXT", dev.read_native_max_lba_ext())
        } else {
            ("READ NATIVE MAX ADDRESS", dev.read_native_max_lba())
        })
    } else {
        None
    };
    match native {
        Some((_, Ok(max))) => h.native_sectors = Some(max + 1),
        Some((name, Err(e))) => {
            if e.is_device_gone() {
                return Err(DeviceGone(e));
            }
            problems.push(format!("{name}: {e}"));
        }
        None => {}
    }
    if id.dco.supported {
        match dev.dco_identify() {
            Ok(d) if matches!(d.checksum, Checksum::Invalid { .. }) => {
                problems.push("DEVICE CONFIGURATION IDENTIFY data failed its checksum".into())
            }
            Ok(d) => h.dco_max_sectors = Some(d.real_max_sectors()),
            Err(e) => {
                if e.is_device_gone() {
                    return Err(DeviceGone(e));
                }
                problems.push(format!("DEVICE CONFIGURATION IDENTIFY: {e}"));
            }
        }
    }
    Ok((h, problems))
}

fn probe_ata<T: ScsiTransport>(
    info: &DiskInfo,
    dev: &mut AtaDevice<T>,
) -> Result<ProbeReport, Fallback> {
    let mut n = Notes::default();
    let id = ata_identify(info, dev)?;
    let mut caps = base_caps(info, CommandSet::Ata);
    ata_geometry(info, &id, &mut caps, &mut n);
    caps.ata_security = Some(ata_security(&id, &mut n));
    caps.ata_sanitize = Some(ata_sanitize(dev, &id, &mut n)?);
    caps.hidden = ata_hidden_areas(dev, &id, &mut n)?;
    let health = ata_health(dev, &id, &mut n)?;
    let identity = DriveIdentity {
        model: id.model.clone(),
        serial: id.serial.clone(),
        firmware: id.firmware.clone(),
        wwn: id
            .wwn
            .map(|w| format!("naa.{w:016x}"))
            .or_else(|| info.wwn.clone()),
    };
    Ok(finish(caps, health, identity, n))
}

/// IDENTIFY DEVICE, when the drive answers it with trustworthy ATA data.
fn ata_identify<T: ScsiTransport>(
    info: &DiskInfo,
    dev: &mut AtaDevice<T>,
) -> Result<IdentifyData, Fallback> {
    let id = match dev.identify() {
        Ok(id) => id,
        Err(e) => {
            ata_gone(&e)?;
            return Err(Fallback(if info.transport == Transport::Usb {
                format!("the USB bridge passes no ATA commands (IDENTIFY DEVICE: {e}); only reads and writes reach the disk")
            } else {
                format!("IDENTIFY DEVICE failed ({e}); only reads and writes are used")
            }));
        }
    };
    if !id.is_ata {
        return Err(Fallback("IDENTIFY DEVICE describes an ATAPI device".into()));
    }
    if let Checksum::Invalid { stored, computed } = id.checksum {
        return Err(Fallback(format!(
            "IDENTIFY DEVICE data failed its checksum (stored 0x{stored:02x}, computed 0x{computed:02x}): the bridge or the drive damages what it returns, so no ATA command is trusted"
        )));
    }
    Ok(id)
}

/// Sector size, capacity and media as IDENTIFY states them, noting where discovery differs.
fn ata_geometry(info: &DiskInfo, id: &IdentifyData, caps: &mut DriveCapabilities, n: &mut Notes) {
    caps.logical_sector_size = id.logical_sector_size;
    caps.drive_bytes = Some(id.capacity_bytes());
    caps.media = match id.rotation {
        Rotation::NonRotating => MediaKind::Ssd,
        Rotation::Rpm(_) => MediaKind::Hdd,
        _ => info.media,
    };
    if caps.media != info.media {
        n.log(format!(
            "IDENTIFY word 217 says {:?}, discovery guessed {:?}",
            caps.media, info.media
        ));
    }
    if id.capacity_bytes() != info.size_bytes {
        n.log(format!(
            "IDENTIFY reports {} bytes, the block device {} bytes",
            id.capacity_bytes(),
            info.size_bytes
        ));
    }
}

fn ata_security(id: &IdentifyData, n: &mut Notes) -> AtaSecurity {
    let s = &id.security;
    if s.locked {
        n.tech("the drive is locked with a security password: if ardoise set it during an interrupted erase, the password vault opens it; otherwise only its owner's password can");
    } else if s.enabled {
        n.tech("a security password is set on the drive (not locked until the next power cycle)");
    }
    AtaSecurity {
        supported: s.supported,
        enabled: s.enabled,
        locked: s.locked,
        frozen: s.frozen,
        count_expired: s.count_expired,
        enhanced_supported: s.enhanced_erase_supported,
        normal_erase_minutes: minutes(id.erase_time_normal),
        enhanced_erase_minutes: minutes(id.erase_time_enhanced),
    }
}

/// The SANITIZE feature set, and its state (SANITIZE STATUS EXT): frozen, or an operation left
/// running or failed. A state that cannot be read offers no sanitize.
fn ata_sanitize<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    id: &IdentifyData,
    n: &mut Notes,
) -> Result<AtaSanitize, Fallback> {
    let mut sanitize = AtaSanitize {
        supported: id.sanitize.supported,
        crypto_scramble: id.sanitize.supported && id.sanitize.crypto_scramble,
        block_erase: id.sanitize.supported && id.sanitize.block_erase,
        overwrite: id.sanitize.supported && id.sanitize.overwrite,
        frozen: false,
    };
    if !sanitize.supported {
        return Ok(sanitize);
    }
    match dev.sanitize_status(false) {
        Ok(st) => {
            use ardoise_disk::ata::SanitizeState as S;
            let words = crate::firmware::ata::describe_sanitize_status(&st);
            match st.state {
                S::Frozen => {
                    sanitize.frozen = true;
                    n.tech(format!("{words}: SANITIZE is frozen until the next power cycle"));
                }
                S::InProgress => n.tech(format!(
                    "{words}: a sanitize operation is running (started earlier); the drive refuses other commands until it ends"
                )),
                S::Failed => n.tech(format!(
                    "{words}: the last sanitize failed; the drive refuses media access until it is cleared or a sanitize succeeds"
                )),
                S::Idle | S::Succeeded => n.log(words),
            }
        }
        Err(e) => {
            ata_gone(&e)?;
            n.tech(format!(
                "SANITIZE STATUS EXT cannot be read ({e}): a sanitize could not be checked, so it is not offered"
            ));
            sanitize = AtaSanitize::default();
        }
    }
    Ok(sanitize)
}

/// The hidden areas (HPA/DCO), `None` when they could not all be measured.
fn ata_hidden_areas<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    id: &IdentifyData,
    n: &mut Notes,
) -> Result<Option<HiddenAreas>, Fallback> {
    match measure_hidden(dev, id) {
        Err(g) => Err(Fallback(format!(
            "the device disappeared while it was probed ({g})"
        ))),
        Ok((h, problems)) if problems.is_empty() => {
            if h.visible_sectors > h.native_sectors.unwrap_or(h.visible_sectors) {
                n.tech(format!(
                    "the drive reports more visible sectors ({}) than native ones ({:?}): its max address setting seems invalid",
                    h.visible_sectors, h.native_sectors
                ));
            }
            if h.hpa_present() || h.dco_present() {
                n.tech(format!(
                    "{} sectors are hidden from the computer (visible {}, native {:?}, DCO maximum {:?})",
                    h.hidden_sectors(),
                    h.visible_sectors,
                    h.native_sectors,
                    h.dco_max_sectors
                ));
            }
            Ok(Some(h))
        }
        Ok((_, problems)) => {
            n.tech(format!(
                "hidden areas (HPA/DCO) could not be checked: {}",
                problems.join("; ")
            ));
            Ok(None)
        }
    }
}

fn ata_health<T: ScsiTransport>(
    dev: &mut AtaDevice<T>,
    id: &IdentifyData,
    n: &mut Notes,
) -> Result<Option<HealthReport>, Fallback> {
    if !id.smart.supported {
        n.log("the drive does not support SMART");
        return Ok(None);
    }
    match dev.health(id.is_solid_state()) {
        Ok(f) => Ok(Some(f.grade())),
        Err(e) => {
            ata_gone(&e)?;
            n.log(format!("SMART could not be read: {e}"));
            Ok(None)
        }
    }
}

// --- SCSI ------------------------------------------------------------------------------------

fn scsi_gone(e: &CommandError) -> Result<(), Fallback> {
    if e.is_device_gone() {
        Err(Fallback(format!(
            "the device disappeared while it was probed ({e})"
        )))
    } else {
        Ok(())
    }
}

fn probe_scsi<T: ScsiTransport>(
    info: &DiskInfo,
    dev: &mut ScsiDevice<T>,
) -> Result<ProbeReport, Fallback> {
    let mut n = Notes::default();
    let identity = scsi_identity(info, dev, &mut n)?;
    let mut caps = base_caps(info, CommandSet::Scsi);
    scsi_capacity(info, dev, &mut caps, &mut n)?;
    caps.scsi_sanitize = Some(scsi_sanitize(dev, &mut n)?);
    n.log("health is not read from SCSI disks (log pages are not implemented)");
    Ok(finish(caps, None, identity, n))
}

/// INQUIRY, the unit serial number (VPD 80h) and the WWN (VPD 83h).
fn scsi_identity<T: ScsiTransport>(
    info: &DiskInfo,
    dev: &mut ScsiDevice<T>,
    n: &mut Notes,
) -> Result<DriveIdentity, Fallback> {
    let inq = match dev.inquiry() {
        Ok(i) => i,
        Err(e) => {
            scsi_gone(&e)?;
            return Err(Fallback(format!(
                "INQUIRY failed ({e}); only reads and writes are used"
            )));
        }
    };
    let mut identity = identity_of(info);
    identity.model = if inq.vendor.is_empty() {
        inq.product.clone()
    } else {
        format!("{} {}", inq.vendor, inq.product)
    };
    identity.firmware = inq.revision.clone();
    match dev.unit_serial_number() {
        Ok(s) if !s.is_empty() => identity.serial = s,
        Ok(_) => n.log("VPD page 80h holds no serial number"),
        Err(e) => {
            scsi_gone(&e)?;
            n.log(format!("VPD page 80h (serial number): {e}"));
        }
    }
    match dev.device_identification() {
        Ok(d) => {
            if let Some(w) = d.wwn_hex() {
                identity.wwn = Some(format!("naa.{w}"));
            }
        }
        Err(e) => {
            scsi_gone(&e)?;
            n.log(format!("VPD page 83h (device identification): {e}"));
        }
    }
    Ok(identity)
}

/// READ CAPACITY(16); its sense data also tells of a sanitize left running or failed.
fn scsi_capacity<T: ScsiTransport>(
    info: &DiskInfo,
    dev: &mut ScsiDevice<T>,
    caps: &mut DriveCapabilities,
    n: &mut Notes,
) -> Result<(), Fallback> {
    match dev.read_capacity16() {
        Ok(c) => {
            caps.logical_sector_size = c.block_length;
            caps.drive_bytes = Some(c.bytes());
            if c.bytes() != info.size_bytes {
                n.log(format!(
                    "READ CAPACITY(16) reports {} bytes, the block device {} bytes",
                    c.bytes(),
                    info.size_bytes
                ));
            }
        }
        Err(e) => {
            scsi_gone(&e)?;
            if e.sense().is_some_and(|s| s.is_sanitize_in_progress()) {
                n.tech(format!(
                    "a sanitize operation is running (started earlier): {e}"
                ));
            } else if e.sense().is_some_and(|s| s.is_sanitize_failed()) {
                n.tech(format!("the last sanitize failed: {e}"));
            } else {
                n.log(format!("READ CAPACITY(16): {e}"));
            }
        }
    }
    Ok(())
}

/// REPORT SUPPORTED OPERATION CODES for each SANITIZE service action; once the device shows it
/// cannot answer, the remaining actions are unknown (`None`) without asking again.
fn scsi_sanitize<T: ScsiTransport>(
    dev: &mut ScsiDevice<T>,
    n: &mut Notes,
) -> Result<ScsiSanitize, Fallback> {
    let mut sanitize = ScsiSanitize::default();
    let mut rsoc_missing = false;
    for action in [
        SanitizeServiceAction::Overwrite,
        SanitizeServiceAction::BlockErase,
        SanitizeServiceAction::CryptographicErase,
    ] {
        let v = if rsoc_missing {
            None
        } else {
            match dev.sanitize_support(action) {
                Ok(CommandSupport::Supported | CommandSupport::VendorSpecific) => Some(true),
                Ok(CommandSupport::NotSupported) => Some(false),
                Ok(other) => {
                    n.log(format!(
                        "REPORT SUPPORTED OPERATION CODES for SANITIZE {}: {other:?}",
                        action.name()
                    ));
                    None
                }
                Err(e) => {
                    scsi_gone(&e)?;
                    rsoc_missing = true;
                    n.tech(format!(
                        "the device does not say which SANITIZE service actions it supports (REPORT SUPPORTED OPERATION CODES: {e})"
                    ));
                    None
                }
            }
        };
        match action {
            SanitizeServiceAction::Overwrite => sanitize.overwrite = v,
            SanitizeServiceAction::BlockErase => sanitize.block_erase = v,
            _ => sanitize.crypto_erase = v,
        }
    }
    Ok(sanitize)
}

// --- NVMe ------------------------------------------------------------------------------------

fn nvme_gone(e: &NvmeError) -> Result<(), Fallback> {
    if e.is_device_gone() {
        Err(Fallback(format!(
            "the device disappeared while it was probed ({e})"
        )))
    } else {
        Ok(())
    }
}

fn probe_nvme<T: NvmeTransport>(
    info: &DiskInfo,
    ctl: &mut NvmeController<T>,
    nsid: u32,
) -> Result<ProbeReport, Fallback> {
    let mut n = Notes::default();
    let id = match ctl.identify_controller() {
        Ok(id) => id,
        Err(e) => {
            nvme_gone(&e)?;
            return Err(Fallback(format!(
                "Identify Controller failed ({e}); only reads and writes are used"
            )));
        }
    };
    let mut identity = DriveIdentity {
        model: id.model.clone(),
        serial: id.serial.clone(),
        firmware: id.firmware.clone(),
        wwn: info.wwn.clone(),
    };
    let mut caps = base_caps(info, CommandSet::Nvme);
    nvme_namespace(ctl, nsid, &mut caps, &mut identity, &mut n)?;
    let namespaces = match ctl.active_namespaces() {
        Ok(list) => list.len() as u32,
        Err(e) => {
            nvme_gone(&e)?;
            n.log(format!("active namespace list: {e}; using NN = {}", id.nn));
            id.nn
        }
    };
    let mut nv = nvme_caps(&id, namespaces, nsid);
    if namespaces > 1 {
        n.tech(format!(
            "the controller has {namespaces} namespaces: a sanitize erases them all"
        ));
    }
    if id.sanicap.any_method() {
        nvme_sanitize_state(ctl, &mut nv, &mut n)?;
    }
    caps.nvme = Some(nv);
    let health = match ctl.health_figures() {
        Ok(f) => Some(f.grade()),
        Err(e) => {
            nvme_gone(&e)?;
            n.log(format!("SMART / Health log: {e}"));
            None
        }
    };
    Ok(finish(caps, health, identity, n))
}

/// Identify Namespace: the sector size, the capacity, and the NGUID or EUI-64 as identity.
fn nvme_namespace<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    nsid: u32,
    caps: &mut DriveCapabilities,
    identity: &mut DriveIdentity,
    n: &mut Notes,
) -> Result<(), Fallback> {
    match ctl.identify_namespace(nsid) {
        Ok(ns) => {
            if let Some(size) = ns.lba_size() {
                caps.logical_sector_size = size;
            }
            caps.drive_bytes = ns
                .capacity_bytes()
                .map(|b| u64::try_from(b).unwrap_or(u64::MAX));
            identity.wwn = ns
                .nguid_hex()
                .map(|h| format!("nguid.{h}"))
                .or_else(|| ns.eui64_hex().map(|h| format!("eui.{h}")))
                .or(identity.wwn.take());
        }
        Err(e) => {
            nvme_gone(&e)?;
            n.log(format!("Identify Namespace {nsid}: {e}"));
        }
    }
    Ok(())
}

/// The erase commands Identify Controller reports (SANICAP, OACS, FNA).
fn nvme_caps(id: &IdentifyController, namespaces: u32, nsid: u32) -> NvmeCaps {
    NvmeCaps {
        sanitize_crypto: id.sanicap.crypto_erase(),
        sanitize_block: id.sanicap.block_erase(),
        sanitize_overwrite: id.sanicap.overwrite(),
        sanitize_keeps_data: id.sanicap.any_method() && !id.sanicap.no_deallocate_inhibited(),
        format_supported: id.oacs.format_nvm(),
        format_applies_to_all_namespaces: id.fna.format_applies_to_all(),
        format_crypto_erase: id.fna.crypto_erase_supported(),
        namespaces,
        nsid,
        secure_erase_applies_to_all_namespaces: id.fna.secure_erase_applies_to_all(),
    }
}

/// The Sanitize Status log: an operation left running or failed. When it cannot be read, no
/// sanitize is offered.
fn nvme_sanitize_state<T: NvmeTransport>(
    ctl: &mut NvmeController<T>,
    nv: &mut NvmeCaps,
    n: &mut Notes,
) -> Result<(), Fallback> {
    match ctl.sanitize_status() {
        Ok(log) => {
            let words = crate::firmware::nvme::describe_sanitize_log(&log);
            match log.status() {
                SanitizeStatusValue::InProgress => n.tech(format!(
                    "{words}: a sanitize operation is running (started earlier)"
                )),
                SanitizeStatusValue::Failed => n.tech(format!(
                    "{words}: the last sanitize failed; the controller may refuse media access until a sanitize succeeds"
                )),
                _ => n.log(words),
            }
        }
        Err(e) => {
            nvme_gone(&e)?;
            n.tech(format!(
                "SANICAP reports sanitize but the Sanitize Status log cannot be read ({e}): a sanitize could not be checked, so it is not offered"
            ));
            nv.sanitize_crypto = false;
            nv.sanitize_block = false;
            nv.sanitize_overwrite = false;
            nv.sanitize_keeps_data = false;
        }
    }
    Ok(())
}

// --- eMMC ------------------------------------------------------------------------------------

fn probe_mmc<T: MmcTransport>(
    info: &DiskInfo,
    dev: &mut MmcDevice<T>,
) -> Result<ProbeReport, Fallback> {
    let mut n = Notes::default();
    let ext = match dev.read_ext_csd() {
        Ok(e) => e,
        Err(e @ MmcError::DeviceGone { .. }) => {
            return Err(Fallback(format!(
                "the device disappeared while it was probed ({e})"
            )))
        }
        Err(e) => {
            return Err(Fallback(format!(
                "EXT_CSD could not be read ({e}); only reads and writes are used"
            )))
        }
    };
    let mut caps = base_caps(info, CommandSet::Mmc);
    caps.logical_sector_size = 512;
    caps.mmc = Some(MmcCaps {
        secure_erase: ext.supports_secure_erase(),
        secure_trim: ext.supports_secure_trim(),
        sanitize: ext.supports_sanitize(),
        trim: ext.supports_trim(),
        boot_partition_bytes: ext.boot_partition_bytes(),
        gp_partition_bytes: ext.gp_partition_bytes(),
        rpmb_bytes: ext.rpmb_bytes(),
    });
    n.log(format!(
        "EXT_CSD revision {} (eMMC {}), SEC_FEATURE_SUPPORT 0x{:02x}",
        ext.ext_csd_rev,
        ext.version(),
        ext.sec_feature_support
    ));
    // BLKSECDISCARD support cannot be known without issuing it; it stays off.
    n.log("BLKSECDISCARD support is not probed");
    // DEVICE_LIFE_TIME_EST_TYP_A/B: 01h = 0-10 % used ... 0Ah = 90-100 %, 0Bh = exceeded.
    let life = ext.life_time_est_a.max(ext.life_time_est_b);
    let health = (1..=0x0b).contains(&life).then(|| {
        HealthFigures {
            source: "emmc-ext-csd".into(),
            percentage_used: Some((life - 1) * 10),
            ..Default::default()
        }
        .grade()
    });
    match ext.pre_eol_info {
        2 => n.tech("EXT_CSD PRE_EOL_INFO: warning, 80 % of the reserved blocks are consumed"),
        3 => n.tech("EXT_CSD PRE_EOL_INFO: urgent, the reserved blocks are almost exhausted"),
        _ => {}
    }
    Ok(finish(caps, health, identity_of(info), n))
}
