//! The device layer's storage-controller survey, as the certificate's `host.storage`.

use ardoise_cert::host_storage as hs;
use ardoise_disk::controllers::{ControllerBus, ControllerIssue, ControllerKind, StorageSurvey};

/// `host.storage` of every certificate issued while `survey` is the latest one.
pub fn host_storage(survey: &StorageSurvey) -> hs::HostStorage {
    let controllers: Vec<hs::StorageControllerRecord> = survey
        .controllers
        .iter()
        .map(|c| hs::StorageControllerRecord {
            address: c.address.clone(),
            bus: match c.bus {
                ControllerBus::Pci => hs::ControllerBus::Pci,
                ControllerBus::Usb => hs::ControllerBus::Usb,
                ControllerBus::Mmc => hs::ControllerBus::Mmc,
                ControllerBus::Platform => hs::ControllerBus::Platform,
            },
            kind: kind(c.kind),
            vendor_id: c.vendor_id.clone(),
            device_id: c.device_id.clone(),
            description: c.description.clone(),
            driver: c.driver.clone(),
            issue: c.issue.map(|i| match i {
                ControllerIssue::NoDriver => hs::ControllerIssue::NoDriver,
                ControllerIssue::NoDiskSeen => hs::ControllerIssue::NoDiskSeen,
                ControllerIssue::RaidVolumes { .. } => hs::ControllerIssue::RaidVolumes,
            }),
        })
        .collect();
    hs::HostStorage {
        complete: controllers.iter().all(|c| c.issue.is_none()),
        controllers,
    }
}

fn kind(k: ControllerKind) -> hs::ControllerKind {
    match k {
        ControllerKind::Scsi => hs::ControllerKind::Scsi,
        ControllerKind::Ide => hs::ControllerKind::Ide,
        ControllerKind::Raid => hs::ControllerKind::Raid,
        ControllerKind::Ata => hs::ControllerKind::Ata,
        ControllerKind::Sata => hs::ControllerKind::Sata,
        ControllerKind::Sas => hs::ControllerKind::Sas,
        ControllerKind::Nvme => hs::ControllerKind::Nvme,
        ControllerKind::Ufs => hs::ControllerKind::Ufs,
        ControllerKind::OtherStorage => hs::ControllerKind::OtherStorage,
        ControllerKind::SdHost => hs::ControllerKind::SdHost,
        ControllerKind::UsbStorage => hs::ControllerKind::UsbStorage,
        ControllerKind::MemoryCard => hs::ControllerKind::MemoryCard,
    }
}
