//! Opening the station (waiting while the other console holds it), the first-run setup, and
//! what follows from an open station: uploads, the registry watcher, heartbeats.

use ardoise_disk::discovery::{discover, DiscoveryOptions};
use ardoise_station::config::Workshop;
use ardoise_station::provision::{set_up, DirVolume, Setup, SetupOutcome};
use ardoise_station::{Station, StationError, StationOptions};
use ardoise_upload::{spawn_background, UploadOptions};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{MonitorCmd, Msg, Runtime};
use crate::app::{App, AppEvent, Note, Problem, SetupDone, SetupRequest};
use crate::screen_data::StationSummary;

impl Runtime {
    pub(super) fn open_station(&self) {
        self.open_station_then(None);
    }

    /// Opens the station on its thread; `then` is sent once it is open.
    fn open_station_then(&self, then: Option<AppEvent>) {
        let tx = self.tx.clone();
        let opts = StationOptions {
            data_dir: Some(self.data_dir.clone()),
            key_file: self.opts.key_file.clone(),
            create_key: true,
            kernel_options: true,
            persistent: None,
            registry: None,
        };
        std::thread::Builder::new()
            .name("station".into())
            .spawn(move || {
                let mut attempts = 0u32;
                loop {
                    attempts += 1;
                    match Station::open(&opts) {
                        Ok(station) => {
                            let recovered = match station.recover_interrupted() {
                                Ok(v) => v
                                    .into_iter()
                                    .map(|r| (r.certificate.cert_id, r.report_kept))
                                    .collect(),
                                Err(e) => {
                                    let _ = tx.send(Msg::App(Box::new(AppEvent::Note(
                                        Note::RecoveryFailed(e.to_string()),
                                    ))));
                                    Vec::new()
                                }
                            };
                            let summary = summarize_station(&station, recovered);
                            let _ = tx.send(Msg::Station(Arc::new(station), Box::new(summary)));
                            if let Some(ev) = then {
                                let _ = tx.send(Msg::App(Box::new(ev)));
                            }
                            return;
                        }
                        Err(StationError::Store {
                            source: ardoise_cert::station_store::StoreError::Locked { .. },
                            ..
                        }) => {
                            if tx
                                .send(Msg::App(Box::new(AppEvent::StationBusy { attempts })))
                                .is_err()
                            {
                                return;
                            }
                            std::thread::sleep(Duration::from_secs(2));
                        }
                        Err(e) => {
                            let _ = tx.send(Msg::App(Box::new(AppEvent::StationFailed(
                                Problem::from_station(&e),
                            ))));
                            // A setup's answer is owed even when the station does not open
                            // again: the form waits for it.
                            if let Some(ev) = then {
                                let _ = tx.send(Msg::App(Box::new(ev)));
                            }
                            return;
                        }
                    }
                }
            })
            .expect("spawn the station thread");
    }

    /// The first-run setup: closes the station, writes the workshop's identity, key and
    /// registry onto the data partition (as `ardoise provision` does), opens it again.
    pub(super) fn set_up(&mut self, req: SetupRequest) {
        self.station = None;
        if let Some(u) = self.uploader.take() {
            // It may be inside a request: do not wait for it.
            std::mem::forget(u);
        }
        let result = setup_station(&self.data_dir, &req);
        let then = match result {
            Ok(o) => AppEvent::SetupDone(Ok(SetupDone {
                workshop: o.workshop,
                station: o.station,
                key_id: o.key_id,
            })),
            Err(p) => AppEvent::SetupDone(Err(p)),
        };
        self.open_station_then(Some(then));
    }

    pub(super) fn station_opened(&mut self, station: Arc<Station>) {
        use crate::receipts::ReceiptsView;
        use ardoise_station::receipts::ReceiptCheck;
        match station.upload_target(None) {
            Ok(None) => {}
            Ok(Some(target)) => {
                if target.receipts == ReceiptCheck::Unverified {
                    self.send(AppEvent::Receipts(ReceiptsView::Unverified));
                }
                self.uploader = Some(spawn_background(
                    station.data_dir.clone(),
                    target.url.clone(),
                    UploadOptions {
                        timeout: Duration::from_secs(15),
                        connect_timeout: Duration::from_secs(3),
                        max_attempts: 3,
                        backoff_initial: Duration::from_secs(1),
                        backoff_max: Duration::from_secs(30),
                        ..target.upload_options()
                    },
                    Duration::from_secs(30),
                ));
            }
            // No key: nothing is sent, and the technician sees why.
            Err(e) => self.send(AppEvent::Receipts(ReceiptsView::Halted(e.to_string()))),
        }
        let _ = self
            .monitor
            .send(MonitorCmd::Registry(station.config.registry.url.clone()));
        self.heartbeats = station.config.registry.url.as_deref().and_then(|url| {
            ardoise_upload::heartbeat::spawn_heartbeat_sender(url, Duration::from_secs(5)).ok()
        });
        self.station = Some(station);
    }

    /// Every few seconds, the machine's progress to the registry's live page.
    pub(super) fn heartbeat(&mut self, app: &App) {
        let (Some(station), Some(sender)) = (&self.station, &self.heartbeats) else {
            return;
        };
        let interval = ardoise_station::live::HEARTBEAT_INTERVAL;
        if self.last_heartbeat.is_some_and(|t| t.elapsed() < interval) {
            return;
        }
        self.last_heartbeat = Some(Instant::now());
        let destination = app.dest.confirmed.then(|| app.destination()).flatten();
        let hb = station.heartbeat(crate::quick::heartbeat_disks(app), destination);
        if let Ok(bytes) = station.sign_heartbeat(&hb) {
            sender.send(bytes);
        }
    }
}

/// Writes the setup with the station's own provisioning code.
fn setup_station(data_dir: &Path, req: &SetupRequest) -> Result<SetupOutcome, Problem> {
    let registry_key = match &req.registry_key {
        None => None,
        Some(v) => {
            let file = data_dir.join(v);
            if file.is_file() {
                Some(std::fs::read_to_string(&file).map_err(|e| {
                    Problem::RegistryKeyUnreadable {
                        path: file.display().to_string(),
                        detail: e.to_string(),
                    }
                })?)
            } else {
                Some(v.clone())
            }
        }
    };
    let setup = Setup {
        workshop: Workshop {
            id: req.workshop_id.clone(),
            name: req.workshop_name.clone(),
            siret: None,
            station: req.station.clone(),
        },
        registry_url: req.registry_url.clone(),
        registry_key,
        ..Default::default()
    };
    set_up(&mut DirVolume(data_dir.to_path_buf()), &setup).map_err(|e| Problem::from_provision(&e))
}

/// `ARDOISE_DATA_PERSISTENT` (set by the live system's init): whether `/data` is on the stick
/// (`Some(true)`) or in RAM (`Some(false)`); `None` off the live system.
pub(super) fn data_persistent() -> Option<bool> {
    match std::env::var("ARDOISE_DATA_PERSISTENT").as_deref() {
        Ok("1") => Some(true),
        Ok("0") => Some(false),
        _ => None,
    }
}

fn summarize_station(s: &Station, recovered: Vec<(String, bool)>) -> StationSummary {
    let c = &s.config;
    StationSummary {
        workshop_id: c.workshop.id.clone(),
        workshop_name: c.workshop.name.clone(),
        station_id: c.workshop.station.clone(),
        operators: c
            .operators
            .iter()
            .map(|o| (o.id.clone(), o.name.clone()))
            .collect(),
        registry_url: c.registry.url.clone(),
        require_upload: c.policy.require_upload,
        verify: c.policy.verify,
        coverage_percent: c.policy.sample_coverage_percent,
        inventory: s.inventory.clone(),
        data_dir: s.data_dir.clone(),
        demo: c.is_demo(),
        persistent: data_persistent(),
        outbox: s.outbox_len(),
        recovered,
        boot_medium: ardoise_disk::bootmedium::check(&DiscoveryOptions::default(), || {
            discover(&DiscoveryOptions::default())
        })
        .unwrap_or_else(|e| Some(e.to_string())),
        reuse: c.reuse.clone(),
        default_destination: c.policy.disposition,
    }
}
