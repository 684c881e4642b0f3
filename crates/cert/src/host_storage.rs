//! `host.storage`: the machine's storage controllers as the station saw them, so that a
//! certificate tells whether the station could see every disk of the machine it came from. A
//! controller with no driver shows none of its disks; a RAID controller in RAID mode shows
//! logical volumes instead of its physical disks. Either makes `complete` false.
//!
//! Plain data: the station fills it from the device layer's survey.

use serde::{Deserialize, Serialize};

/// The bus a controller sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControllerBus {
    /// PCI or PCI Express.
    Pci,
    /// USB.
    Usb,
    /// MMC/SD bus.
    Mmc,
    /// ACPI-enumerated platform device (the SD host of many laptops and tablets).
    Platform,
}

/// The kind of storage controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControllerKind {
    /// SCSI controller.
    Scsi,
    /// IDE (parallel ATA) controller.
    Ide,
    /// RAID controller (may hide its physical disks behind logical volumes).
    Raid,
    /// ATA controller with ADMA interface.
    Ata,
    /// SATA controller (AHCI or vendor-specific).
    Sata,
    /// Serial Attached SCSI controller.
    Sas,
    /// NVMe controller.
    Nvme,
    /// Universal Flash Storage host controller.
    Ufs,
    /// Other mass-storage controller.
    OtherStorage,
    /// SD / MMC host controller (including PCIe card readers).
    SdHost,
    /// USB mass-storage interface (stick, USB-SATA bridge, card reader).
    UsbStorage,
    /// An SD card or eMMC on an MMC host.
    MemoryCard,
}

/// Why disks behind a controller may be missing from what the station erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControllerIssue {
    /// No driver bound: none of its disks were visible.
    NoDriver,
    /// A SCSI, SAS or RAID controller with a driver and no disk under it: empty, or its disks
    /// were out of the driver's reach.
    NoDiskSeen,
    /// It presents RAID logical volumes: its physical disks were not visible one by one.
    RaidVolumes,
}

/// One storage controller of the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageControllerRecord {
    /// Bus address (`0000:00:04.0`, `1-1:1.0`, `mmc0:0001`).
    pub address: String,
    /// The bus it sits on.
    pub bus: ControllerBus,
    /// What kind of storage controller it is.
    pub kind: ControllerKind,
    /// PCI / USB vendor id (4 lowercase hex digits) or ACPI id.
    #[serde(deserialize_with = "Option::deserialize")]
    pub vendor_id: Option<String>,
    /// PCI device / USB product id (4 lowercase hex digits).
    #[serde(deserialize_with = "Option::deserialize")]
    pub device_id: Option<String>,
    /// Vendor name, USB product string or card name, as found.
    pub description: String,
    /// The kernel driver bound to it; null when none.
    #[serde(deserialize_with = "Option::deserialize")]
    pub driver: Option<String>,
    /// Null when its disks were visible.
    #[serde(deserialize_with = "Option::deserialize")]
    pub issue: Option<ControllerIssue>,
}

/// The host's storage controllers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostStorage {
    /// True when no controller has an issue: every disk of the machine was visible to the
    /// station. False means some disks of this machine may not have been erased at all.
    pub complete: bool,
    /// Every storage controller found on the machine.
    pub controllers: Vec<StorageControllerRecord>,
}

impl HostStorage {
    /// `complete` computed from the controllers (what a verifier checks it against).
    pub fn computed_complete(&self) -> bool {
        self.controllers.iter().all(|c| c.issue.is_none())
    }

    /// The example of the documentation: a laptop's SATA and NVMe controllers, both bound.
    pub fn example() -> HostStorage {
        let pci =
            |address: &str, kind, ids: (&str, &str, &str), driver: &str| StorageControllerRecord {
                address: address.into(),
                bus: ControllerBus::Pci,
                kind,
                vendor_id: Some(ids.0.into()),
                device_id: Some(ids.1.into()),
                description: ids.2.into(),
                driver: Some(driver.into()),
                issue: None,
            };
        HostStorage {
            complete: true,
            controllers: vec![
                pci(
                    "0000:00:17.0",
                    ControllerKind::Sata,
                    ("8086", "9d03", "Intel"),
                    "ahci",
                ),
                pci(
                    "0000:3c:00.0",
                    ControllerKind::Nvme,
                    ("144d", "a808", "Samsung"),
                    "nvme",
                ),
            ],
        }
    }
}

impl HostStorage {
    /// A second example: a desktop with an LSI SAS card presenting a RAID volume beside the
    /// disk it passes through, and a card reader without driver.
    pub fn example_incomplete() -> HostStorage {
        HostStorage {
            complete: false,
            controllers: vec![
                StorageControllerRecord {
                    address: "0000:01:00.0".into(),
                    bus: ControllerBus::Pci,
                    kind: ControllerKind::Sas,
                    vendor_id: Some("1000".into()),
                    device_id: Some("0072".into()),
                    description: "LSI / Broadcom".into(),
                    driver: Some("mpt3sas".into()),
                    issue: Some(ControllerIssue::RaidVolumes),
                },
                StorageControllerRecord {
                    address: "0000:02:00.0".into(),
                    bus: ControllerBus::Pci,
                    kind: ControllerKind::SdHost,
                    vendor_id: Some("10ec".into()),
                    device_id: Some("5229".into()),
                    description: "Realtek".into(),
                    driver: None,
                    issue: Some(ControllerIssue::NoDriver),
                },
            ],
        }
    }
}

/// The kind of controller in words, French or English.
pub fn kind_words(kind: ControllerKind, french: bool) -> &'static str {
    let (fr, en) = match kind {
        ControllerKind::Scsi => ("SCSI", "SCSI"),
        ControllerKind::Ide => ("IDE", "IDE"),
        ControllerKind::Raid => ("RAID", "RAID"),
        ControllerKind::Ata => ("ATA", "ATA"),
        ControllerKind::Sata => ("SATA", "SATA"),
        ControllerKind::Sas => ("SAS", "SAS"),
        ControllerKind::Nvme => ("NVMe", "NVMe"),
        ControllerKind::Ufs => ("UFS", "UFS"),
        ControllerKind::OtherStorage => ("de stockage", "storage"),
        ControllerKind::SdHost => ("SD/MMC", "SD/MMC"),
        ControllerKind::UsbStorage => ("de stockage USB", "USB storage"),
        ControllerKind::MemoryCard => ("de carte mémoire", "memory card"),
    };
    if french {
        fr
    } else {
        en
    }
}

/// One sentence per controller with an issue, e.g. « contrôleur SCSI LSI / Broadcom
/// (1000:0054, 0000:00:04.0) sans pilote : ses disques ne sont pas visibles ».
pub fn problem_sentences(storage: &HostStorage, french: bool) -> Vec<String> {
    storage
        .controllers
        .iter()
        .filter_map(|c| {
            let ids = match (&c.vendor_id, &c.device_id) {
                (Some(v), Some(d)) => format!("{v}:{d}, {}", c.address),
                _ => c.address.clone(),
            };
            let kind = kind_words(c.kind, french);
            let what = if french {
                format!("contrôleur {kind} {} ({ids})", c.description)
            } else {
                format!("{kind} controller {} ({ids})", c.description)
            }
            .replace("  ", " ");
            match c.issue? {
                ControllerIssue::NoDriver => Some(if french {
                    format!("{what} sans pilote : ses disques ne sont pas visibles")
                } else {
                    format!("{what} has no driver: its disks are not visible")
                }),
                ControllerIssue::NoDiskSeen => Some(if french {
                    format!(
                        "{what} (pilote {}) sans aucun disque visible : vide, ou ses disques sont hors de portée",
                        c.driver.as_deref().unwrap_or("?")
                    )
                } else {
                    format!(
                        "{what} (driver {}) shows no disk: empty, or its disks are out of reach",
                        c.driver.as_deref().unwrap_or("?")
                    )
                }),
                ControllerIssue::RaidVolumes => Some(if french {
                    format!(
                        "{what} en mode RAID ({}) : ses disques physiques ne sont pas visibles un par un",
                        c.driver.as_deref().unwrap_or("?")
                    )
                } else {
                    format!(
                        "{what} in RAID mode ({}): its physical disks are not visible one by one",
                        c.driver.as_deref().unwrap_or("?")
                    )
                }),
            }
        })
        .collect()
}

/// Rules across the fields of `host.storage`, as (field path, problem) pairs.
pub fn check(storage: &HostStorage) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if storage.complete != storage.computed_complete() {
        out.push((
            "host.storage.complete".to_string(),
            format!(
                "is {} but {} controller has an issue",
                storage.complete,
                if storage.complete { "a" } else { "no" }
            ),
        ));
    }
    for (i, c) in storage.controllers.iter().enumerate() {
        if c.address.trim().is_empty() {
            out.push((
                format!("host.storage.controllers[{i}].address"),
                "must not be empty".into(),
            ));
        }
        let hex4 = |v: &Option<String>| {
            v.as_ref().is_none_or(|v| {
                v.len() == 4
                    && v.chars()
                        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            })
        };
        if matches!(c.bus, ControllerBus::Pci | ControllerBus::Usb) {
            for (name, v) in [("vendor_id", &c.vendor_id), ("device_id", &c.device_id)] {
                if !hex4(v) {
                    out.push((
                        format!("host.storage.controllers[{i}].{name}"),
                        "must be 4 lowercase hex digits".into(),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_must_agree_with_the_controllers() {
        let mut s = HostStorage::example();
        assert!(check(&s).is_empty());
        s.controllers[1].issue = Some(ControllerIssue::NoDriver);
        let paths: Vec<String> = check(&s).into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["host.storage.complete"]);
        s.complete = false;
        assert!(check(&s).is_empty());
        s.controllers[0].vendor_id = Some("8086X".into());
        s.controllers[1].address = " ".into();
        let paths: Vec<String> = check(&s).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "host.storage.controllers[0].vendor_id",
                "host.storage.controllers[1].address"
            ]
        );
    }
}
