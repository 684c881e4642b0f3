//! The machine's storage controllers and whether their disks can be seen: PCI mass-storage
//! functions (class 01xx) and SD host controllers (class 0805, Realtek/ACPI card readers), USB
//! mass-storage interfaces (class 08) and the memory cards on MMC hosts, each with the driver
//! the kernel bound to it.
//!
//! Discovery lists the disks the kernel shows; this survey says where disks may exist that the
//! kernel does not show: a controller with no driver (its disks never appear), a SCSI, SAS or
//! RAID controller whose driver is bound but under which no disk appeared (an empty HBA cannot
//! be told from one whose disks the driver cannot reach), or a RAID controller that presents
//! logical volumes instead of its physical disks. A station must never claim "all disks
//! erased" while the survey reports any of them (`StorageSurvey::complete`).
//!
//! Everything is read from sysfs under a root given by the caller, so tests build fake trees.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::disk_info::RaidVolume;
use crate::system::read_attr;

/// The bus a controller sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControllerBus {
    /// PCI or PCI Express.
    Pci,
    /// USB.
    Usb,
    /// MMC bus (a card on an SD / MMC host).
    Mmc,
    /// ACPI-enumerated platform device (SD hosts of many laptops and tablets).
    Platform,
}

/// What kind of storage controller (PCI subclass, or the USB / MMC function).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControllerKind {
    /// PCI class 0100h: SCSI bus controller (some SAS HBAs report this class).
    Scsi,
    /// PCI class 0101h: IDE controller.
    Ide,
    /// PCI class 0104h: RAID controller.
    Raid,
    /// PCI class 0105h: ATA controller.
    Ata,
    /// PCI class 0106h: SATA controller.
    Sata,
    /// PCI class 0107h: Serial Attached SCSI controller.
    Sas,
    /// PCI class 0108h: non-volatile memory controller (NVMe).
    Nvme,
    /// PCI class 0109h: Universal Flash Storage controller.
    Ufs,
    /// Another PCI mass storage subclass (01xxh).
    OtherStorage,
    /// SD / MMC host controller (PCI class 0805, ACPI SDHCI, Realtek PCIe card reader).
    SdHost,
    /// USB mass-storage interface (stick, USB-SATA bridge, card reader).
    UsbStorage,
    /// An SD card or eMMC on an MMC host.
    MemoryCard,
}

impl ControllerKind {
    /// The stable snake_case name used in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ControllerKind::Scsi => "scsi",
            ControllerKind::Ide => "ide",
            ControllerKind::Raid => "raid",
            ControllerKind::Ata => "ata",
            ControllerKind::Sata => "sata",
            ControllerKind::Sas => "sas",
            ControllerKind::Nvme => "nvme",
            ControllerKind::Ufs => "ufs",
            ControllerKind::OtherStorage => "other_storage",
            ControllerKind::SdHost => "sd_host",
            ControllerKind::UsbStorage => "usb_storage",
            ControllerKind::MemoryCard => "memory_card",
        }
    }
}

/// Why disks behind a controller may be missing from the disk list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ControllerIssue {
    /// No driver is bound: the kernel shows none of its disks.
    NoDriver,
    /// A SCSI, SAS or RAID controller with a driver but no disk under it: it is empty, or its
    /// disks are out of the driver's reach. Workshops meet both (an unused onboard SAS port of
    /// a workstation; a controller whose firmware and driver do not meet), and only someone
    /// looking inside the machine can tell them apart.
    NoDiskSeen,
    /// The controller presents logical volumes; its physical disks are hidden behind them.
    RaidVolumes {
        /// How many logical volumes the host sees behind it.
        volumes: u32,
    },
}

/// One storage controller (or memory card) of the machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageController {
    /// Bus address: `0000:00:04.0` (PCI), `1-1:1.0` (USB interface), `mmc0:0001` (card),
    /// `80860F14:00` (ACPI platform device).
    pub address: String,
    /// The bus it sits on.
    pub bus: ControllerBus,
    /// What kind of controller it is.
    pub kind: ControllerKind,
    /// PCI or USB vendor id, four lowercase hex digits; ACPI id for platform devices.
    pub vendor_id: Option<String>,
    /// PCI or USB device / product id, four lowercase hex digits.
    pub device_id: Option<String>,
    /// Words a technician can match to the hardware: vendor name, USB product string, card name.
    pub description: String,
    /// The kernel driver bound to it (`ahci`, `mptsas`, `usb-storage`, `mmcblk`), if any.
    pub driver: Option<String>,
    /// Why its disks may be missing from the disk list, if they may.
    pub issue: Option<ControllerIssue>,
}

/// Every storage controller found, in bus order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageSurvey {
    /// The controllers, in bus order.
    pub controllers: Vec<StorageController>,
}

impl StorageSurvey {
    /// The controllers whose disks may be missing from the disk list.
    pub fn problems(&self) -> impl Iterator<Item = &StorageController> {
        self.controllers.iter().filter(|c| c.issue.is_some())
    }

    /// True when every controller has a driver and none hides its disks behind RAID volumes.
    pub fn complete(&self) -> bool {
        self.problems().next().is_none()
    }
}

/// Surveys the controllers under `sys_root` (normally `/sys`).
pub fn survey(sys_root: &Path) -> StorageSurvey {
    let mut controllers = pci_controllers(sys_root);
    controllers.extend(platform_sd_hosts(sys_root));
    controllers.extend(usb_storage(sys_root));
    controllers.extend(memory_cards(sys_root));
    let disks = disk_paths(sys_root);
    let volumes = count_raid_volumes(&disks);
    for c in &mut controllers {
        if c.issue.is_none() {
            if let Some(&n) = volumes.get(&c.address) {
                c.issue = Some(ControllerIssue::RaidVolumes { volumes: n });
            } else if expects_a_disk(c) && !has_a_disk(sys_root, &c.address, &disks) {
                c.issue = Some(ControllerIssue::NoDiskSeen);
            }
        }
    }
    StorageSurvey { controllers }
}

/// Controllers that are there only to hold disks: on a PC that carries one, an empty one is
/// rare enough to be worth a look. SATA, IDE, NVMe, SD and USB hosts are left out: empty ports
/// and card readers are the rule on them, and their drivers show every disk they reach.
fn expects_a_disk(c: &StorageController) -> bool {
    c.bus == ControllerBus::Pci
        && c.driver.is_some()
        && matches!(
            c.kind,
            ControllerKind::Scsi | ControllerKind::Sas | ControllerKind::Raid
        )
}

/// The sysfs device paths of every block device (`/sys/block/*`, resolved).
fn disk_paths(sys_root: &Path) -> Vec<PathBuf> {
    entries(&sys_root.join("block"))
        .into_iter()
        .filter_map(|(_, dir)| fs::canonicalize(dir).ok())
        .collect()
}

/// Whether any block device sits under the PCI function `address`.
fn has_a_disk(sys_root: &Path, address: &str, disks: &[PathBuf]) -> bool {
    let Ok(dev) = fs::canonicalize(sys_root.join("bus/pci/devices").join(address)) else {
        return false;
    };
    disks.iter().any(|d| d.starts_with(&dev))
}

fn entries(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    v.sort();
    v
}

/// The name of the driver bound to a device directory (the `driver` link's target), if any.
fn bound_driver(dev: &Path) -> Option<String> {
    let target = fs::read_link(dev.join("driver")).ok()?;
    target.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// A sysfs id such as `0x1000` as four lowercase hex digits.
fn hex_id(dev: &Path, attr: &str) -> Option<String> {
    let v = read_attr(&dev.join(attr))?;
    let v = v.trim_start_matches("0x").to_ascii_lowercase();
    (!v.is_empty() && v.chars().all(|c| c.is_ascii_hexdigit())).then_some(v)
}

/// PCI class code → storage kind; `None` for functions that hold no disks.
fn pci_storage_kind(class: u32, vendor: Option<&str>) -> Option<ControllerKind> {
    let (base, sub) = (class >> 16, (class >> 8) & 0xff);
    match (base, sub) {
        (0x01, 0x00) => Some(ControllerKind::Scsi),
        (0x01, 0x01) => Some(ControllerKind::Ide),
        // 02 floppy, 03 IPI: no disk ardoise could erase
        (0x01, 0x02) | (0x01, 0x03) => None,
        (0x01, 0x04) => Some(ControllerKind::Raid),
        (0x01, 0x05) => Some(ControllerKind::Ata),
        (0x01, 0x06) => Some(ControllerKind::Sata),
        (0x01, 0x07) => Some(ControllerKind::Sas),
        (0x01, 0x08) => Some(ControllerKind::Nvme),
        (0x01, 0x09) => Some(ControllerKind::Ufs),
        (0x01, _) => Some(ControllerKind::OtherStorage),
        (0x08, 0x05) => Some(ControllerKind::SdHost),
        // Realtek PCIe card readers (rtsx_pci) report "unassigned class" ff00.
        (0xff, _) if vendor == Some("10ec") => Some(ControllerKind::SdHost),
        _ => None,
    }
}

fn pci_controllers(sys_root: &Path) -> Vec<StorageController> {
    let mut out = Vec::new();
    for (address, dev) in entries(&sys_root.join("bus/pci/devices")) {
        let Some(class) = read_attr(&dev.join("class"))
            .and_then(|c| u32::from_str_radix(c.trim_start_matches("0x"), 16).ok())
        else {
            continue;
        };
        let vendor_id = hex_id(&dev, "vendor");
        let Some(kind) = pci_storage_kind(class, vendor_id.as_deref()) else {
            continue;
        };
        // A Realtek function of class ff00 is a card reader only when its id says so.
        if class >> 16 == 0xff && !is_realtek_card_reader(hex_id(&dev, "device").as_deref()) {
            continue;
        }
        out.push(StorageController {
            description: vendor_name(vendor_id.as_deref()).to_string(),
            device_id: hex_id(&dev, "device"),
            vendor_id,
            driver: bound_driver(&dev),
            issue: None,
            address,
            bus: ControllerBus::Pci,
            kind,
        });
    }
    for c in &mut out {
        if c.driver.is_none() {
            c.issue = Some(ControllerIssue::NoDriver);
        }
    }
    out
}

/// Realtek PCIe card readers handled by rtsx_pci (RTS5209 … RTS5261, RTL8411 family).
fn is_realtek_card_reader(device: Option<&str>) -> bool {
    const IDS: &[&str] = &[
        "5209", "5227", "5228", "5229", "522a", "5249", "524a", "525a", "5260", "5261", "5286",
        "5287", "5289",
    ];
    device.is_some_and(|d| IDS.contains(&d))
}

/// ACPI ids of SD host controllers (sdhci-acpi) that appear as platform devices.
const ACPI_SD_HOSTS: &[&str] = &[
    "PNP0D40", "80860F14", "80860F16", "80865ACA", "80865ACC", "80865AD0", "INT33BB", "INT33C6",
    "INT3436", "INT344D", "AMDI0040", "AMDI0041",
];

fn platform_sd_hosts(sys_root: &Path) -> Vec<StorageController> {
    let mut out = Vec::new();
    for (address, dev) in entries(&sys_root.join("bus/platform/devices")) {
        let Some(alias) = read_attr(&dev.join("modalias")) else {
            continue;
        };
        let Some(ids) = alias.strip_prefix("acpi:") else {
            continue;
        };
        let Some(id) = ids
            .split(':')
            .find(|id| ACPI_SD_HOSTS.contains(&id.to_ascii_uppercase().as_str()))
        else {
            continue;
        };
        let driver = bound_driver(&dev);
        out.push(StorageController {
            address,
            bus: ControllerBus::Platform,
            kind: ControllerKind::SdHost,
            vendor_id: Some(id.to_string()),
            device_id: None,
            description: format!("ACPI {id}"),
            issue: driver.is_none().then_some(ControllerIssue::NoDriver),
            driver,
        });
    }
    out
}

fn usb_storage(sys_root: &Path) -> Vec<StorageController> {
    let mut out = Vec::new();
    for (address, dev) in entries(&sys_root.join("bus/usb/devices")) {
        // Interfaces are named BUS-PORT[.PORT]:CONFIG.INTERFACE; devices carry no colon.
        if !address.contains(':')
            || read_attr(&dev.join("bInterfaceClass")).as_deref() != Some("08")
        {
            continue;
        }
        let parent = fs::canonicalize(&dev)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        let usb_attr = |a: &str| parent.as_ref().and_then(|p| read_attr(&p.join(a)));
        let description = [usb_attr("manufacturer"), usb_attr("product")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let driver = bound_driver(&dev);
        out.push(StorageController {
            address,
            bus: ControllerBus::Usb,
            kind: ControllerKind::UsbStorage,
            vendor_id: parent.as_ref().and_then(|p| hex_id(p, "idVendor")),
            device_id: parent.as_ref().and_then(|p| hex_id(p, "idProduct")),
            description: if description.is_empty() {
                "USB mass storage".into()
            } else {
                description
            },
            issue: driver.is_none().then_some(ControllerIssue::NoDriver),
            driver,
        });
    }
    out
}

fn memory_cards(sys_root: &Path) -> Vec<StorageController> {
    let mut out = Vec::new();
    for (address, dev) in entries(&sys_root.join("bus/mmc/devices")) {
        let card_type = read_attr(&dev.join("type")).unwrap_or_default();
        // SDIO functions (Wi-Fi, Bluetooth) hold no data.
        if !matches!(card_type.as_str(), "SD" | "MMC") {
            continue;
        }
        let name = read_attr(&dev.join("name")).unwrap_or_default();
        let driver = bound_driver(&dev);
        out.push(StorageController {
            address,
            bus: ControllerBus::Mmc,
            kind: ControllerKind::MemoryCard,
            vendor_id: hex_id(&dev, "manfid"),
            device_id: None,
            description: format!("{} {}", if card_type == "SD" { "SD" } else { "eMMC" }, name)
                .trim()
                .to_string(),
            issue: driver.is_none().then_some(ControllerIssue::NoDriver),
            driver,
        });
    }
    out
}

/// RAID logical volumes per controller address, over every disk of `/sys/block` (`disks`,
/// resolved by [`disk_paths`]).
fn count_raid_volumes(disks: &[PathBuf]) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for v in disks.iter().filter_map(|p| raid_volume_of(p)) {
        *out.entry(v.controller).or_insert(0) += 1;
    }
    out
}

/// Whether the disk at `disk_sysfs` (a canonical `/sys/devices/...` path) is a RAID logical
/// volume, from its controller's driver and the SCSI address the driver gave it. Each RAID
/// driver puts its volumes on a channel of its own (or marks them in sysfs):
///
/// - `megaraid_sas` (Dell PERC, LSI MegaRAID): volumes on channels 2 and 3, physical disks
///   passed through (JBOD) on 0 and 1;
/// - `mptsas`, `mpt3sas` (LSI Integrated RAID): volumes on channel 1;
/// - `hpsa` (HP Smart Array): the device's `raid_level` attribute is not `N/A`;
/// - `aacraid` (Adaptec): containers on channel 0;
/// - `arcmsr`, `3w-9xxx`, `3w-sas`, `3w-xxxx`, `megaraid`, `megaraid_mbox`, `ips`: every disk
///   is a unit the controller composed.
pub fn raid_volume_of(disk_sysfs: &Path) -> Option<RaidVolume> {
    let scsi_dev = disk_sysfs
        .ancestors()
        .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(is_hctl))?;
    let channel: u32 = scsi_dev
        .file_name()?
        .to_str()?
        .split(':')
        .nth(1)?
        .parse()
        .ok()?;
    let (controller_dir, driver) = scsi_dev.ancestors().find_map(|p| {
        let name = p.file_name()?.to_str()?;
        (is_pci_address(name))
            .then(|| bound_driver(p).map(|d| (p, d)))
            .flatten()
    })?;
    let volume = match driver.as_str() {
        "megaraid_sas" => channel >= 2,
        "mptsas" | "mpt3sas" | "mpt2sas" => channel == 1,
        "hpsa" => read_attr(&scsi_dev.join("raid_level")).is_some_and(|l| l != "N/A"),
        "aacraid" => channel == 0,
        "arcmsr" | "3w-9xxx" | "3w-sas" | "3w-xxxx" | "megaraid" | "megaraid_mbox" | "ips" => true,
        _ => false,
    };
    let controller = controller_dir.file_name()?.to_string_lossy().into_owned();
    volume.then_some(RaidVolume { controller, driver })
}

/// `host:channel:target:lun`, the name of a SCSI device directory.
fn is_hctl(name: &str) -> bool {
    let parts: Vec<&str> = name.split(':').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// `dddd:bb:dd.f`
fn is_pci_address(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 12
        && b[4] == b':'
        && b[7] == b':'
        && b[10] == b'.'
        && name
            .chars()
            .enumerate()
            .all(|(i, c)| matches!(i, 4 | 7 | 10) || c.is_ascii_hexdigit())
}

/// Names of the vendors whose storage controllers refurbished PCs carry (PCI-SIG vendor ids).
fn vendor_name(id: Option<&str>) -> &'static str {
    match id.unwrap_or("") {
        "1000" => "LSI / Broadcom",
        "9005" => "Adaptec / Microchip",
        "103c" => "HP",
        "1590" => "HPE",
        "8086" => "Intel",
        "1022" => "AMD",
        "1b4b" => "Marvell",
        "10de" => "NVIDIA",
        "1106" => "VIA",
        "1095" => "Silicon Image",
        "105a" => "Promise",
        "1039" => "SiS",
        "1002" => "ATI",
        "197b" => "JMicron",
        "1b21" => "ASMedia",
        "17d3" => "Areca",
        "13c1" => "3ware",
        "15ad" => "VMware",
        "1af4" => "virtio",
        "1b36" => "QEMU",
        "10ec" => "Realtek",
        "1217" => "O2 Micro",
        "1180" => "Ricoh",
        "144d" => "Samsung",
        "15b7" => "SanDisk / WD",
        "1c5c" => "SK hynix",
        "1987" => "Phison",
        "126f" => "Silicon Motion",
        "1e0f" => "KIOXIA",
        "2646" => "Kingston",
        "1344" => "Micron",
        "c0a9" => "Micron / Crucial",
        "1179" => "Toshiba",
        "1028" => "Dell",
        _ => "",
    }
}

#[cfg(test)]
mod tests;
