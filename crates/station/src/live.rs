//! The station's progress as a signed heartbeat for the registry's live page: where each disk
//! of the current machine is (phase, share done, time left, verdict, certificate). The CLI's
//! unattended mode and the TUI feed a [`LiveTracker`] from the jobs' events and hand the signed
//! heartbeat to the uploader's heartbeat sender every few seconds.

use std::time::Duration;

use ardoise_cert::heartbeat::{
    serial_tail, DiskPhase, Heartbeat, HeartbeatDisk, HeartbeatError, HeartbeatMachine,
    HEARTBEAT_SCHEMA,
};
use ardoise_cert::payload as cm;
use ardoise_disk::DiskInfo;
use ardoise_erase::job::{JobEvent, JobPhase};
use ardoise_erase::outcome::Outcome;
use time::OffsetDateTime;

use crate::Station;

/// Seconds between two heartbeats.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);

/// The heartbeat phase of an engine phase.
pub fn disk_phase(p: &JobPhase) -> DiskPhase {
    match p {
        JobPhase::Probing => DiskPhase::Probing,
        JobPhase::HiddenAreas => DiskPhase::HiddenAreas,
        JobPhase::Fingerprint => DiskPhase::Fingerprint,
        JobPhase::Firmware { .. } => DiskPhase::Firmware,
        JobPhase::Overwrite { .. } => DiskPhase::Overwrite,
        JobPhase::PassVerify { .. } => DiskPhase::PassVerify,
        JobPhase::Flush => DiskPhase::Flush,
        JobPhase::Verify => DiskPhase::Verify,
        JobPhase::Done => DiskPhase::Certifying,
    }
}

/// The certificate's word for a verdict.
pub fn outcome_status(o: Outcome) -> cm::OutcomeStatus {
    match o {
        Outcome::Erased => cm::OutcomeStatus::Erased,
        Outcome::ErasedWithExceptions => cm::OutcomeStatus::ErasedWithExceptions,
        Outcome::NotErased => cm::OutcomeStatus::NotErased,
    }
}

/// One disk as a heartbeat shows it.
pub fn heartbeat_disk(
    info: &DiskInfo,
    phase: DiskPhase,
    fraction: Option<f64>,
    eta: Option<Duration>,
    verdict: Option<Outcome>,
    certificate_id: Option<String>,
) -> HeartbeatDisk {
    HeartbeatDisk {
        name: info.name.clone(),
        model: info.model.clone(),
        serial_tail: serial_tail(&info.serial),
        capacity_bytes: info.size_bytes,
        media_type: crate::certify::media_type(info.media),
        phase,
        progress_ppm: fraction.map(|f| (f.clamp(0.0, 1.0) * 1_000_000.0).round() as u32),
        eta_seconds: eta.map(|d| d.as_secs()),
        verdict: verdict.map(outcome_status),
        certificate_id,
    }
}

/// The jobs of one machine, followed from their events.
#[derive(Debug, Clone, Default)]
pub struct LiveTracker {
    disks: Vec<(DiskInfo, HeartbeatDisk)>,
    /// The machine's destination (reuse, parts, recycling), sent in the heartbeat; `None` until
    /// chosen.
    pub destination: Option<cm::Destination>,
}

impl LiveTracker {
    /// A disk whose job is starting.
    pub fn add(&mut self, info: &DiskInfo) {
        let d = heartbeat_disk(info, DiskPhase::Starting, None, None, None, None);
        self.disks.push((info.clone(), d));
    }

    fn disk_mut(&mut self, path: &str) -> Option<&mut HeartbeatDisk> {
        self.disks
            .iter_mut()
            .find(|(i, _)| i.path_display() == path)
            .map(|(_, d)| d)
    }

    /// Follows one job event.
    pub fn on_event(&mut self, ev: &JobEvent) {
        match ev {
            JobEvent::Phase { disk, phase } => {
                if let Some(d) = self.disk_mut(disk) {
                    d.phase = disk_phase(phase);
                    d.progress_ppm = None;
                    d.eta_seconds = None;
                }
            }
            JobEvent::Progress {
                disk,
                phase,
                fraction,
                eta,
                ..
            } => {
                if let Some(d) = self.disk_mut(disk) {
                    d.phase = disk_phase(phase);
                    d.progress_ppm = fraction.map(|f| (f.clamp(0.0, 1.0) * 1e6).round() as u32);
                    d.eta_seconds = eta.map(|e| e.as_secs());
                }
            }
            JobEvent::Finished { disk, report } => {
                if let Some(d) = self.disk_mut(disk) {
                    d.phase = DiskPhase::Certifying;
                    d.verdict = Some(outcome_status(report.outcome));
                    d.progress_ppm = None;
                    d.eta_seconds = None;
                }
            }
            JobEvent::Message { .. } => {}
        }
    }

    /// The disk's certificate is stored (`Some(id)`) or could not be (`None`: not erased).
    pub fn certified(&mut self, disk: &str, cert_id: Option<String>) {
        if let Some(d) = self.disk_mut(disk) {
            d.phase = DiskPhase::Done;
            if cert_id.is_none() {
                d.verdict = Some(cm::OutcomeStatus::NotErased);
            }
            d.certificate_id = cert_id;
        }
    }

    /// The disk's job never started: nothing was done to it.
    pub fn refused(&mut self, info: &DiskInfo) {
        let mut d = heartbeat_disk(info, DiskPhase::Refused, None, None, None, None);
        d.verdict = Some(cm::OutcomeStatus::NotErased);
        match self.disk_mut(&info.path_display()) {
            Some(slot) => *slot = d,
            None => self.disks.push((info.clone(), d)),
        }
    }

    /// The latest state of every disk followed, in the order their jobs started, for the heartbeat.
    pub fn disks(&self) -> Vec<HeartbeatDisk> {
        self.disks.iter().map(|(_, d)| d.clone()).collect()
    }
}

impl Station {
    /// The heartbeat of this station with `disks`, sent now.
    pub fn heartbeat(
        &self,
        disks: Vec<HeartbeatDisk>,
        destination: Option<cm::Destination>,
    ) -> Heartbeat {
        let mut hb = Heartbeat {
            schema: HEARTBEAT_SCHEMA.into(),
            workshop_id: self.config.workshop.id.clone(),
            station_id: self.config.workshop.station.clone(),
            sent_at: OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .expect("0 ns"),
            interval_seconds: HEARTBEAT_INTERVAL.as_secs() as u32,
            machine: Some(HeartbeatMachine {
                manufacturer: self.inventory.manufacturer.clone(),
                product: self.inventory.product.clone(),
                destination,
            }),
            disks,
        };
        hb.disks.truncate(ardoise_cert::heartbeat::MAX_DISKS);
        hb.clean_texts();
        hb
    }

    /// `hb` signed with the station key (the registry refuses heartbeats of unknown keys).
    pub fn sign_heartbeat(&self, hb: &Heartbeat) -> Result<Vec<u8>, HeartbeatError> {
        ardoise_cert::heartbeat::sign_heartbeat(hb, &self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ardoise_disk::{MediaKind, Transport};

    fn info(name: &str) -> DiskInfo {
        DiskInfo {
            name: name.into(),
            path: format!("sim:{name}.json").into(),
            model: "ST500DM002-1BD142".into(),
            serial: "Z3TFAILING".into(),
            firmware: "KC45".into(),
            vendor: String::new(),
            wwn: None,
            eui64: None,
            nguid: None,
            size_bytes: 500_107_862_016,
            logical_sector_size: 512,
            physical_sector_size: 4096,
            rotational: true,
            removable: false,
            read_only: false,
            transport: Transport::Ata,
            media: MediaKind::Hdd,
            sysfs_path: None,
            partitions: Vec::new(),
            holders: Vec::new(),
            mounts: Vec::new(),
            protected: false,
            protected_reason: None,
            protected_reasons: Vec::new(),
            raid_volume: None,
        }
    }

    #[test]
    fn a_job_followed_from_start_to_certificate() {
        let mut t = LiveTracker::default();
        t.add(&info("sim-a"));
        t.add(&info("sim-b"));
        t.on_event(&JobEvent::Progress {
            disk: "sim:sim-a.json".into(),
            phase: JobPhase::Overwrite { pass: 1, passes: 1 },
            fraction: Some(0.25),
            bytes_done: 0,
            bytes_total: 0,
            rate: 1.0,
            eta: Some(Duration::from_secs(90)),
            bad_sectors: 0,
        });
        let d = t.disks();
        assert_eq!(d[0].phase, DiskPhase::Overwrite);
        assert_eq!(d[0].progress_ppm, Some(250_000));
        assert_eq!(d[0].eta_seconds, Some(90));
        assert_eq!(d[0].serial_tail.as_deref(), Some("LING"));
        assert_eq!(d[1].phase, DiskPhase::Starting);
        t.certified("sim:sim-a.json", Some("ab".repeat(32)));
        t.refused(&info("sim-b"));
        let d = t.disks();
        assert_eq!(d[0].phase, DiskPhase::Done);
        assert_eq!(d[1].verdict, Some(cm::OutcomeStatus::NotErased));
        t.certified("sim:sim-b.json", None);
        assert_eq!(t.disks()[1].certificate_id, None);
    }
}
