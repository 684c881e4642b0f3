//! The certificate's `media` record: the disk's identity, geometry, hidden areas, the methods it
//! offers and its health.

use ardoise_cert::payload as cm;
use ardoise_disk::health::{HealthGrade, HealthReport};
use ardoise_disk::{DiskInfo, MediaKind, Transport};
use ardoise_erase::capability::{DriveCapabilities, HiddenAreas};
use ardoise_erase::job::ErasureReport;
use ardoise_erase::plan::supported_methods;

/// Identifiers as lowercase hex without prefixes or separators, or nothing when they are not hex
/// (e.g. a `t10.` SCSI name string).
pub(super) fn hex_id(s: Option<&str>) -> Option<String> {
    let s = s?.trim().to_ascii_lowercase();
    let s = s
        .strip_prefix("naa.")
        .or_else(|| s.strip_prefix("eui."))
        .or_else(|| s.strip_prefix("0x"))
        .unwrap_or(&s);
    let h: String = s
        .chars()
        .filter(|c| !matches!(c, '-' | ':' | ' '))
        .collect();
    (!h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()) && h.chars().any(|c| c != '0'))
        .then_some(h)
}

pub(super) fn or_none(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

pub(crate) fn media_type(m: MediaKind) -> cm::MediaType {
    match m {
        MediaKind::Hdd => cm::MediaType::Hdd,
        MediaKind::Ssd => cm::MediaType::Ssd,
        MediaKind::NvmeSsd => cm::MediaType::NvmeSsd,
        MediaKind::Emmc => cm::MediaType::Emmc,
        MediaKind::UsbFlash => cm::MediaType::UsbFlash,
        MediaKind::Virtual => cm::MediaType::Virtual,
        MediaKind::RaidVolume => cm::MediaType::RaidVolume,
        MediaKind::Unknown => cm::MediaType::Unknown,
    }
}

fn transport(t: Transport) -> cm::MediaTransport {
    match t {
        Transport::Ata => cm::MediaTransport::Ata,
        Transport::Sas => cm::MediaTransport::Sas,
        Transport::Nvme => cm::MediaTransport::Nvme,
        Transport::Usb => cm::MediaTransport::Usb,
        Transport::Mmc => cm::MediaTransport::Mmc,
        Transport::Virtio => cm::MediaTransport::Virtio,
        Transport::Loop => cm::MediaTransport::Loop,
        Transport::File => cm::MediaTransport::File,
        Transport::Simulated => cm::MediaTransport::Simulated,
        Transport::Other => cm::MediaTransport::Other,
    }
}

pub(super) fn media(report: &ErasureReport, capacity: u64, lss: u32) -> cm::Media {
    let d: &DiskInfo = &report.disk;
    let id = &report.identity;
    let pick = |device: &str, sysfs: &str| {
        if device.trim().is_empty() {
            sysfs.trim().to_string()
        } else {
            device.trim().to_string()
        }
    };
    let model = pick(&id.model, &d.model);
    cm::Media {
        manufacturer: or_none(&d.vendor),
        model: if model.is_empty() {
            "unknown model".into()
        } else {
            model
        },
        serial: pick(&id.serial, &d.serial),
        firmware: or_none(&pick(&id.firmware, &d.firmware)),
        wwn: hex_id(id.wwn.as_deref().or(d.wwn.as_deref())),
        eui64: hex_id(d.eui64.as_deref()),
        nguid: hex_id(d.nguid.as_deref()),
        media_type: media_type(d.media),
        transport: transport(d.transport),
        capacity_bytes: capacity,
        lba_count: capacity / u64::from(lss),
        logical_sector_size: lss,
        physical_sector_size: d.physical_sector_size.max(lss),
        hidden_areas: hidden_areas(report, capacity / u64::from(lss)),
        capabilities: capabilities(&report.capabilities),
        health: health(report.health.as_ref()),
        namespaces: report
            .namespaces
            .iter()
            .map(|n| cm::MediaNamespace {
                nsid: n.nsid,
                device: n.device.clone(),
                capacity_bytes: n.size_bytes,
                nguid: hex_id(n.nguid.as_deref()),
                eui64: hex_id(n.eui64.as_deref()),
            })
            .collect(),
    }
}

fn hidden_state(h: &HiddenAreas) -> cm::HiddenAreaState {
    cm::HiddenAreaState {
        visible_sectors: Some(h.visible_sectors),
        native_sectors: h.native_sectors,
        hpa: h.native_sectors.map(|_| h.hpa_present()),
        dco: h.dco_max_sectors.map(|_| h.dco_present()),
    }
}

fn hidden_areas(report: &ErasureReport, lbas: u64) -> cm::HiddenAreas {
    match (&report.hidden, &report.capabilities.hidden) {
        (Some(outcome), _) => cm::HiddenAreas {
            before: hidden_state(&outcome.before),
            after: hidden_state(&outcome.after),
            action: Some(if outcome.removed && lbas < outcome.after.visible_sectors {
                format!(
                    "{} hidden sectors made visible to the drive, but the kernel reached only {lbas} of its {} sectors (hidden-area-not-erased)",
                    outcome.before.hidden_sectors(),
                    outcome.after.visible_sectors
                )
            } else if outcome.removed {
                format!(
                    "{} hidden sectors made visible before erasing",
                    outcome.before.hidden_sectors()
                )
            } else {
                format!(
                    "{} hidden sectors could not be made visible",
                    outcome.after.hidden_sectors()
                )
            }),
        },
        (None, Some(h)) => cm::HiddenAreas {
            before: hidden_state(h),
            after: hidden_state(h),
            action: None,
        },
        (None, None) => {
            let unknown = cm::HiddenAreaState {
                visible_sectors: Some(lbas),
                native_sectors: None,
                hpa: None,
                dco: None,
            };
            cm::HiddenAreas {
                before: unknown.clone(),
                after: unknown,
                action: None,
            }
        }
    }
}

fn capabilities(caps: &DriveCapabilities) -> Vec<cm::Capability> {
    supported_methods(caps)
        .into_iter()
        .map(|m| cm::Capability {
            id: m.id,
            available: m.supported,
            detail: if m.supported { None } else { Some(m.reason) },
        })
        .collect()
}

fn health(h: Option<&HealthReport>) -> cm::Health {
    let Some(h) = h else {
        return cm::Health {
            grade: cm::HealthGrade::Unknown,
            reasons: vec!["no health data could be read".into()],
            source: None,
            power_on_hours: None,
            reallocated_sectors: None,
            pending_sectors: None,
            uncorrectable_sectors: None,
            media_errors: None,
            percentage_used: None,
            available_spare: None,
            raw_blake3: None,
        };
    };
    let f = &h.figures;
    cm::Health {
        grade: match h.grade {
            HealthGrade::Good => cm::HealthGrade::Good,
            HealthGrade::Worn => cm::HealthGrade::Worn,
            HealthGrade::Failing => cm::HealthGrade::Failing,
            HealthGrade::Unknown => cm::HealthGrade::Unknown,
        },
        reasons: h.reasons.clone(),
        source: or_none(&f.source),
        power_on_hours: f.power_on_hours,
        reallocated_sectors: f.reallocated_sectors,
        pending_sectors: f.pending_sectors,
        uncorrectable_sectors: f.uncorrectable_sectors,
        media_errors: f.media_errors,
        percentage_used: f.percentage_used,
        available_spare: f.available_spare,
        raw_blake3: Some(
            blake3::hash(&serde_json::to_vec(f).unwrap_or_default())
                .to_hex()
                .to_string(),
        ),
    }
}
