//! The disks: discovery and probing, the remedy of a frozen drive, and the erase jobs.

use ardoise_disk::discovery::{discover, DiscoveryOptions};
use ardoise_disk::open::describe_target;
use ardoise_disk::{open_disk, Access, DiskInfo, OpenDiskError};
use ardoise_erase::job::{
    execute, prepare, ConfirmedDrive, JobEvent, JobRequest, RefusedWhy, VerifyChoice,
};
use ardoise_erase::overwrite::CancelToken;
use ardoise_erase::plan::supported_methods;
use ardoise_erase::probe::ProbeReport;
use ardoise_station::{Station, VerifyMode};
use crossbeam_channel::Sender;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Disks, Msg, Runtime};
use crate::app::{AppEvent, JobSpec, Problem};
use crate::problem::Refusal;
use crate::screen_data::ProbeSummary;

impl Runtime {
    pub(super) fn scan(&self, generation: u64) {
        let tx = self.tx.clone();
        let disks = self.disks.clone();
        let station = self.station.clone();
        let sys_root = self.opts.sys_root.clone();
        std::thread::Builder::new()
            .name("discovery".into())
            .spawn(move || {
                // Controllers with every listing: a driver may have loaded since. The simulator
                // has none of its own: it is surveyed only over a given (fake) sysfs tree.
                if let Some(station) = &station {
                    let survey = match (&sys_root, &disks) {
                        (Some(root), _) => Some(
                            station.set_storage_survey(ardoise_disk::controllers::survey(root)),
                        ),
                        (None, Disks::Real) => Some(station.survey_storage()),
                        (None, Disks::Sim(_)) => None,
                    };
                    if let Some(survey) = survey {
                        let _ = tx.send(Msg::App(Box::new(AppEvent::StorageSurveyed(survey))));
                    }
                }
                let result: Result<Vec<DiskInfo>, String> = match &disks {
                    Disks::Real => {
                        discover(&DiscoveryOptions::default()).map_err(|e| e.to_string())
                    }
                    Disks::Sim(paths) => paths
                        .iter()
                        .map(|p| {
                            describe_target(
                                &DiscoveryOptions::default(),
                                &PathBuf::from(format!("sim:{}", p.display())),
                            )
                            .map_err(|e| e.to_string())
                        })
                        .collect(),
                };
                let list = result.clone().unwrap_or_default();
                let _ = tx.send(Msg::App(Box::new(AppEvent::DisksScanned {
                    generation,
                    result,
                })));
                for info in list.into_iter().filter(|d| !d.protected) {
                    let tx = tx.clone();
                    let _ = std::thread::Builder::new()
                        .name(format!("probe {}", info.name))
                        .spawn(move || {
                            let result = probe_disk(&info);
                            let _ = tx.send(Msg::App(Box::new(AppEvent::DiskProbed {
                                generation,
                                path: info.path.clone(),
                                result,
                            })));
                        });
                }
            })
            .expect("spawn the discovery thread");
    }

    fn verify_choice(station: &Station) -> VerifyChoice {
        let p = &station.config.policy;
        match p.verify {
            VerifyMode::Sample => VerifyChoice::Sample {
                coverage_percent: p.sample_coverage_percent,
            },
            VerifyMode::Full => VerifyChoice::Full,
            VerifyMode::None => VerifyChoice::None,
        }
    }

    pub(super) fn start_jobs(&mut self, specs: Vec<JobSpec>) {
        let Some(station) = self.station.clone() else {
            self.send(AppEvent::PreflightFailed(Problem::Other {
                detail: "the station is not open".into(),
            }));
            return;
        };
        self.cancels = specs.iter().map(|_| CancelToken::new()).collect();
        let cancels = self.cancels.clone();
        let tx = self.tx.clone();
        let job_tx = self.job_tx.clone();
        let poll = self.opts.firmware_poll;
        std::thread::Builder::new()
            .name("start jobs".into())
            .spawn(move || {
                // A full or read-only data partition must stop the erase, not the certificate.
                // A full or read-only data partition, or a session whose certificate the
                // validator would refuse, stops the erase before any disk is touched.
                let checked = station.preflight().and_then(|()| {
                    specs
                        .iter()
                        .try_for_each(|s| station.check_session(&s.session))
                });
                if let Err(e) = checked {
                    let _ = tx.send(Msg::App(Box::new(AppEvent::PreflightFailed(
                        Problem::from_station(&e),
                    ))));
                    return;
                }
                for (spec, cancel) in specs.into_iter().zip(cancels) {
                    let (station, tx, job_tx) = (station.clone(), tx.clone(), job_tx.clone());
                    let _ = std::thread::Builder::new()
                        .name(format!("erase {}", spec.info.name))
                        .spawn(move || {
                            let job = spec.job;
                            let run = std::panic::AssertUnwindSafe(|| {
                                run_job(spec, &station, &tx, &job_tx, &cancel, poll)
                            });
                            if std::panic::catch_unwind(run).is_err() {
                                // No report: never a verdict. The job's marker stays on the
                                // data partition and becomes a not_erased certificate at the
                                // next start.
                                let _ = tx.send(Msg::App(Box::new(AppEvent::Certified {
                                    job,
                                    result: Err(Problem::Other {
                                        detail: "internal error: the erase thread stopped (see the log); the disk is not erased".into(),
                                    }),
                                })));
                            }
                        });
                }
            })
            .expect("spawn the job starter");
    }

    pub(super) fn remedy(&self, row: usize, info: DiskInfo) {
        let tx = self.tx.clone();
        std::thread::Builder::new()
            .name("remedy".into())
            .spawn(move || {
                let result = (|| {
                    let disk = open_disk(&info, Access::ReadOnly).map_err(|e| e.to_string())?;
                    let report = ardoise_erase::remedy::power_cycle_drive(
                        &disk,
                        Path::new("/sys"),
                        Duration::from_secs(10),
                    )
                    .map_err(|e| e.to_string())?;
                    drop(disk);
                    let summary = probe_disk(&info)?;
                    Ok((summary, report.notes))
                })();
                let _ = tx.send(Msg::App(Box::new(AppEvent::RemedyDone { row, result })));
            })
            .expect("spawn the remedy thread");
    }
}

/// What the list and the method screen need from a probe.
pub fn summarize_probe(r: ProbeReport) -> ProbeSummary {
    let frozen = r
        .capabilities
        .ata_security
        .as_ref()
        .is_some_and(|s| s.supported && s.frozen);
    ProbeSummary {
        methods: supported_methods(&r.capabilities),
        health: r.health,
        frozen,
        notes: r.notes,
        confirmed: None,
    }
}

fn probe_disk(info: &DiskInfo) -> Result<ProbeSummary, String> {
    let mut disk = open_disk(info, Access::ReadOnly).map_err(|e| e.to_string())?;
    let mut report = ardoise_erase::probe::probe(&mut disk);
    // The method screen offers what the job will accept: no security erase with /data in RAM.
    if std::env::var("ARDOISE_DATA_PERSISTENT").as_deref() == Ok("0") {
        report.capabilities.limits.password_vault =
            Some(ardoise_erase::limits::VAULT_NOT_DURABLE.into());
    }
    // The drive's own identity (IDENTIFY through a USB bridge included) or, for a disk that has
    // none, a fingerprint of its content: the job compares them with the drive it reaches.
    let confirmed = ConfirmedDrive::from_probe(&report, disk.block.as_ref());
    let mut summary = summarize_probe(report);
    summary.confirmed = Some(confirmed);
    Ok(summary)
}

/// One disk: open → prepare (probe, plan) → marker → erase → certificate. The order of
/// `ardoise erase`, so that an interrupted job is found at the next start.
fn run_job(
    spec: JobSpec,
    station: &Station,
    tx: &Sender<Msg>,
    job_tx: &Sender<JobEvent>,
    cancel: &CancelToken,
    poll: Duration,
) {
    let refused = |reason: Refusal| {
        let _ = tx.send(Msg::App(Box::new(AppEvent::JobRefused {
            job: spec.job,
            reason,
        })));
    };
    let not_confirmed = |detail: String| {
        let _ = tx.send(Msg::App(Box::new(AppEvent::JobNotConfirmed {
            job: spec.job,
            detail,
        })));
    };
    // One job at a time per NVMe controller: a sanitize reaches every namespace.
    let _controller = ardoise_disk::siblings::ControllerLock::acquire(&spec.info);
    let disk = match open_disk(&spec.info, Access::ReadWrite) {
        Ok(d) => d,
        Err(OpenDiskError::NotConfirmed { differences, .. }) => {
            return not_confirmed(differences.join("; "))
        }
        Err(e) => return refused(Refusal::from_open(&e)),
    };
    let request = JobRequest {
        method: spec.method.clone(),
        verify: Runtime::verify_choice(station),
        firmware_poll: poll,
        confirmed: spec.confirmed.clone(),
        ..Default::default()
    };
    let vault = station.vault();
    let mut job = match prepare(disk, request, vault.as_ref()) {
        Ok(j) => j,
        Err(r) => match r.error {
            RefusedWhy::NotConfirmed(d) => return not_confirmed(d.join("; ")),
            other => return refused(Refusal::from_prepare(&other)),
        },
    };
    let marker = match station.begin_erase(&mut job, &spec.session) {
        Ok(m) => m,
        Err(e) => return refused(Refusal::Station(Problem::from_station(&e))),
    };
    let report = execute(job, job_tx, cancel, vault.as_ref());
    let result = station
        .certify(&report, &spec.session, Some(&marker))
        .map(|s| s.cert_id)
        .map_err(|e| Problem::from_station(&e));
    let _ = tx.send(Msg::App(Box::new(AppEvent::Certified {
        job: spec.job,
        result,
    })));
}
