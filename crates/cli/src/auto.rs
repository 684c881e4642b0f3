//! `ardoise auto` (and `ardoise.auto=erase` on the live image's kernel command line): erase every
//! disk that is not protected, in parallel, with the policy's method; certify each; upload; and
//! succeed (exit 0, after which the init powers off) only when every disk is erased and, when a
//! registry is configured, every certificate is acknowledged.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use ardoise_disk::controllers::StorageSurvey;
use ardoise_disk::discovery::{discover, DiscoveryOptions};
use ardoise_disk::open::describe_target;
use ardoise_disk::siblings::ControllerLock;
use ardoise_disk::{open_disk, Access, DiskInfo};
use ardoise_erase::job::{execute, prepare, JobEvent, JobRequest, VerifyChoice};
use ardoise_erase::outcome::Outcome;
use ardoise_erase::overwrite::CancelToken;
use ardoise_station::{SessionInfo, Station, StationOptions, VerifyMode};

use crate::exit;
use crate::live::{track, LiveReporter};

type Tracker = Option<std::sync::Arc<std::sync::Mutex<ardoise_station::live::LiveTracker>>>;

#[derive(clap::Args, Debug, Default)]
pub struct AutoArgs {
    /// Erase only these disks (device nodes, `sim:` profiles or files). Without it, every disk
    /// discovery finds that is not protected — allowed only on the live system.
    #[arg(long = "device")]
    pub devices: Vec<PathBuf>,
    /// Method (default: the policy's, normally `auto`).
    #[arg(long)]
    pub method: Option<String>,
    #[arg(long, value_parser = ["sample", "full", "none"])]
    pub verify: Option<String>,
    /// Station data directory.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Registry to upload to (default: configuration / `ardoise.registry=`).
    #[arg(long)]
    pub registry: Option<String>,
    /// How long to keep trying to upload before giving up, seconds.
    #[arg(long, default_value_t = 600)]
    pub upload_timeout: u64,
    /// Operator id written into certificates.
    #[arg(long, default_value = "auto")]
    pub operator: String,
    #[arg(long, default_value_t = 1000, hide = true)]
    pub poll_ms: u64,
    /// Survey the storage controllers under this sysfs root instead of /sys (tests).
    #[arg(long, hide = true)]
    pub sys_root: Option<PathBuf>,
    /// Seconds between two progress heartbeats to the registry (default 5).
    #[arg(long, hide = true)]
    pub heartbeat_secs: Option<u64>,
}

/// Whether this process runs on the live image (its init sets ARDOISE_BOOT_MODE).
fn on_live_system() -> bool {
    std::env::var_os("ARDOISE_BOOT_MODE").is_some()
}

pub fn run(args: &AutoArgs) -> anyhow::Result<ExitCode> {
    let station = match open_station(args)? {
        // Shared with the heartbeat thread.
        Ok(station) => std::sync::Arc::new(station),
        Err(code) => return Ok(code),
    };
    let targets = match choose_targets(args, &station)? {
        Ok(targets) => targets,
        Err(code) => return Ok(code),
    };
    let survey = announce_what_is_left_alone(args, &station, &targets);
    let targets: Vec<DiskInfo> = targets.into_iter().filter(|d| !d.protected).collect();
    if targets.is_empty() {
        println!("ARDOISE-AUTO: no disk to erase");
    }
    let session = match unattended_session(args, &station, &targets) {
        Ok(session) => session,
        Err(code) => return Ok(code),
    };
    let all_ok = erase_all(args, &station, &session, targets);
    let uploaded = upload_certificates(args, &station);
    let (line, code) = ending(all_ok, uploaded, survey.complete());
    println!("ARDOISE-AUTO: {line}");
    Ok(code)
}

/// Prints why nothing was erased; returns the exit status.
fn stop(line: impl std::fmt::Display, code: u8) -> ExitCode {
    println!("ARDOISE-AUTO: {line}");
    ExitCode::from(code)
}

/// Opens the station and finishes the jobs an earlier run left interrupted.
fn open_station(args: &AutoArgs) -> anyhow::Result<Result<Station, ExitCode>> {
    let station = match Station::open(&StationOptions {
        data_dir: args.data_dir.clone(),
        create_key: true,
        kernel_options: true,
        registry: args.registry.clone(),
        ..Default::default()
    }) {
        Ok(s) => s,
        Err(e) => {
            return Ok(Err(stop(
                format!("cannot store certificates, nothing erased: {e}"),
                exit::CANNOT_STORE,
            )))
        }
    };
    println!(
        "ARDOISE-AUTO: station {} / {} key {}",
        station.config.workshop.id,
        station.config.workshop.station,
        station.key_id()
    );
    for r in station
        .recover_interrupted()
        .context("recovering interrupted jobs")?
    {
        println!("ARDOISE-AUTO: {}", crate::erase::recovered_line(&r));
    }
    Ok(Ok(station))
}

/// The disks named with --device, else every disk of the live system; refused when the boot
/// medium cannot be kept out of reach or certificates cannot be stored.
fn choose_targets(
    args: &AutoArgs,
    station: &Station,
) -> anyhow::Result<Result<Vec<DiskInfo>, ExitCode>> {
    let targets: Vec<DiskInfo> = if args.devices.is_empty() {
        if !on_live_system() {
            eprintln!("ardoise: refusing to erase every disk of a machine that is not running the ardoise live system; name the disks with --device");
            return Ok(Err(ExitCode::from(exit::REFUSED)));
        }
        discover(&DiscoveryOptions {
            include_loop: false,
            ..DiscoveryOptions::default()
        })?
    } else {
        args.devices
            .iter()
            .map(|d| describe_target(&DiscoveryOptions::default(), d))
            .collect::<Result<_, _>>()?
    };
    // Booted from a stick or CD that cannot be found: it cannot be kept out of reach.
    let opts = DiscoveryOptions {
        include_loop: false,
        ..DiscoveryOptions::default()
    };
    let problem = ardoise_disk::bootmedium::check(&opts, || {
        if args.devices.is_empty() {
            Ok(targets.clone())
        } else {
            discover(&opts)
        }
    })?;
    if let Some(problem) = problem {
        return Ok(Err(stop(
            format!("nothing erased: {problem}"),
            exit::REFUSED,
        )));
    }
    if let Err(e) = station.preflight() {
        return Ok(Err(stop(
            format!("nothing erased: {e}"),
            exit::CANNOT_STORE,
        )));
    }
    Ok(Ok(targets))
}

/// Says which disks are skipped (protected), which disks of the machine cannot be seen at all,
/// and which targets are RAID volumes; returns the storage survey.
fn announce_what_is_left_alone(
    args: &AutoArgs,
    station: &Station,
    targets: &[DiskInfo],
) -> StorageSurvey {
    for d in targets.iter().filter(|d| d.protected) {
        println!(
            "ARDOISE-AUTO: skipping {} (protected: {})",
            d.path.display(),
            d.protected_reason.as_deref().unwrap_or("in use")
        );
    }
    // Which disks of the machine cannot be seen at all: a station that cannot see every disk
    // never says "all disks erased" (the survey is also recorded in every certificate).
    let survey = match &args.sys_root {
        Some(root) => station.set_storage_survey(ardoise_disk::controllers::survey(root)),
        None => station.survey_storage(),
    };
    crate::disks::print_controllers(&survey, "ARDOISE-AUTO: ");
    for d in targets.iter().filter(|d| d.raid_volume.is_some()) {
        println!(
            "ARDOISE-AUTO: {} is a RAID volume: only the volume is overwritten, its member disks are not sanitised one by one",
            d.path.display()
        );
    }
    survey
}

/// Unattended: the destination comes from the policy (`disposition`), and nobody is there to
/// attest anything about the machine, so host_reset stays null.
fn unattended_session(
    args: &AutoArgs,
    station: &Station,
    targets: &[DiskInfo],
) -> Result<SessionInfo, ExitCode> {
    let mut session = SessionInfo {
        operator_id: args.operator.clone(),
        disposition: None,
        host_reset: None,
        machine_session: Some(ardoise_station::remember::new_machine_session()),
        ..Default::default()
    };
    // The machine's grade for reuse: `disposition.suggestion` beside the policy's destination,
    // or `suggested_disposition` (a suggestion nobody confirmed) when the policy names none.
    session.suggestion = Some(ardoise_station::reuse::suggest(
        &station.inventory.hardware,
        &station.inventory,
        &health_grades(targets),
        &station.config.reuse,
    ));
    if let Err(e) = station.check_session(&session) {
        return Err(stop(format!("nothing erased: {e}"), exit::CANNOT_STORE));
    }
    Ok(session)
}

/// The method and read-back asked for, else the policy's.
fn job_request(args: &AutoArgs, station: &Station) -> JobRequest {
    let policy = &station.config.policy;
    let verify = match args
        .verify
        .as_deref()
        .and_then(VerifyMode::parse)
        .unwrap_or(policy.verify)
    {
        VerifyMode::Sample => VerifyChoice::Sample {
            coverage_percent: policy.sample_coverage_percent,
        },
        VerifyMode::Full => VerifyChoice::Full,
        VerifyMode::None => VerifyChoice::None,
    };
    JobRequest {
        method: args.method.clone().unwrap_or_else(|| policy.method.clone()),
        verify,
        firmware_poll: Duration::from_millis(args.poll_ms.max(1)),
        ..Default::default()
    }
}

/// Erases every target, one thread per disk, printing progress and reporting it live to the
/// registry; returns whether every disk ended erased with its certificate stored.
fn erase_all(
    args: &AutoArgs,
    station: &std::sync::Arc<Station>,
    session: &SessionInfo,
    targets: Vec<DiskInfo>,
) -> bool {
    let request = job_request(args, station);
    let (tx, rx) = crossbeam_channel::unbounded();
    let live = LiveReporter::start(station, args.heartbeat_secs.map(Duration::from_secs));
    let tracker: Tracker = live.as_ref().map(|l| l.tracker());
    let printer = spawn_progress_printer(rx, tracker.clone());
    // One thread per disk; jobs on one NVMe controller wait for each other (a sanitize reaches
    // every namespace), the others run in parallel.
    let all_ok = std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .into_iter()
            .map(|info| {
                let (tx, request, station, session, tracker) =
                    (tx.clone(), request.clone(), &**station, session, &tracker);
                let path = info.path.display().to_string();
                (
                    path,
                    scope.spawn(move || erase_one(station, session, info, request, &tx, tracker)),
                )
            })
            .collect();
        drop(tx);
        handles.into_iter().fold(true, |all, (path, h)| {
            let ok = h.join().unwrap_or_else(|_| {
                println!("ARDOISE-AUTO: {path}: the erase thread failed; not erased (its marker stays for the next start)");
                false
            });
            all & ok
        })
    });
    let _ = printer.join();
    if let Some(l) = live {
        l.finish();
    }
    all_ok
}

/// Every new phase is logged at once, progress within a phase every 5 s at most.
fn spawn_progress_printer(
    rx: crossbeam_channel::Receiver<JobEvent>,
    tracker: Tracker,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut last: HashMap<String, (String, Instant)> = HashMap::new();
        for ev in rx {
            track(&tracker, |t| t.on_event(&ev));
            match ev {
                JobEvent::Progress {
                    disk,
                    phase,
                    fraction: Some(f),
                    ..
                } => {
                    let phase = format!("{phase:?}");
                    let due = last
                        .get(&disk)
                        .is_none_or(|(p, at)| *p != phase || at.elapsed() > Duration::from_secs(5));
                    if due {
                        println!("ARDOISE-AUTO: {disk}: {phase} {:.0} %", f * 100.0);
                        last.insert(disk, (phase, Instant::now()));
                    }
                }
                JobEvent::Message { disk, text } => println!("ARDOISE-AUTO: {disk}: {text}"),
                _ => {}
            }
        }
    })
}

/// Uploads to the configured registry; true when there is none (certificates stay on the
/// station) or every certificate was acknowledged.
fn upload_certificates(args: &AutoArgs, station: &Station) -> bool {
    match station.upload_target(None) {
        Ok(None) => {
            println!(
                "ARDOISE-AUTO: no registry configured; certificates stay in {}",
                station.data_dir.display()
            );
            true
        }
        Ok(Some(target)) => {
            if target.receipts == ardoise_station::receipts::ReceiptCheck::Unverified {
                println!("ARDOISE-AUTO: WARNING: receipts from {} are not checked (allow_unverified_receipts)", target.url);
            }
            upload_until_done(station, &target, Duration::from_secs(args.upload_timeout))
        }
        Err(e) => {
            println!("ARDOISE-AUTO: not uploading: {e}");
            false
        }
    }
}

/// The last console line and the exit status: success (after which the init powers off)
/// only when every visible disk is erased, every certificate acknowledged and no disk of the
/// machine is hidden from the station.
fn ending(all_erased: bool, uploaded: bool, all_visible: bool) -> (String, ExitCode) {
    if all_erased && uploaded && all_visible {
        return (
            "DONE all disks erased, certificates stored and acknowledged".into(),
            ExitCode::SUCCESS,
        );
    }
    let mut line = format!(
        "NOT DONE (erased: {all_erased}, uploaded: {uploaded}, all disks visible: {all_visible}); the machine stays on"
    );
    if !all_visible {
        line.push_str(
            "; some disks of this machine are not visible (see DISKS NOT VISIBLE above): it is not fully erased",
        );
    }
    let code = if !all_erased {
        exit::NOT_ERASED
    } else if !all_visible {
        exit::DISKS_NOT_VISIBLE
    } else {
        exit::FAILURE
    };
    (line, ExitCode::from(code))
}

/// Uploads until the outbox is empty or the deadline passes (or the registry's log is caught
/// misbehaving: then nothing more is sent).
fn upload_until_done(
    station: &Station,
    target: &ardoise_station::receipts::UploadTarget,
    timeout: Duration,
) -> bool {
    let deadline = Instant::now() + timeout;
    let url = target.url.as_str();
    let opts = ardoise_upload::UploadOptions {
        timeout: Duration::from_secs(15),
        ..target.upload_options()
    };
    loop {
        match ardoise_upload::upload_once(&station.data_dir, url, &opts) {
            Ok(s) => {
                for id in &s.uploaded {
                    println!("ARDOISE-AUTO: uploaded {id}");
                }
                for (id, why) in &s.rejected {
                    println!("ARDOISE-AUTO: the registry rejected {id}: {why}");
                }
                if s.remaining == 0 {
                    return true;
                }
                if s.failed.is_empty() && !s.rejected.is_empty() {
                    return false;
                }
            }
            Err(e @ ardoise_upload::UploadError::LogAlarm { .. }) => {
                println!("ARDOISE-AUTO: LOG ALARM: {e}");
                return false;
            }
            Err(e) => println!("ARDOISE-AUTO: upload to {url}: {e}"),
        }
        if Instant::now() >= deadline {
            println!(
                "ARDOISE-AUTO: {} certificate(s) not acknowledged by {url}",
                station.outbox_len()
            );
            return false;
        }
        std::thread::sleep(Duration::from_secs(5));
    }
}

/// Each disk's health grade, read before anything is erased (a read-only probe: IDENTIFY and
/// SMART, no command that changes data): the machine's grade for reuse needs all of them, and
/// the jobs run in parallel.
fn health_grades(targets: &[DiskInfo]) -> Vec<ardoise_station::reuse::DiskGrade> {
    targets
        .iter()
        .map(|info| ardoise_station::reuse::DiskGrade {
            name: info.name.clone(),
            grade: open_disk(info, Access::ReadOnly)
                .ok()
                .and_then(|mut d| ardoise_erase::probe::probe(&mut d).health)
                .map_or(ardoise_disk::health::HealthGrade::Unknown, |h| h.grade),
        })
        .collect()
}

/// One disk, unattended: open (the disk listed, checked again), prepare, record the job, erase,
/// certify. Returns whether it ended `erased` with its certificate stored.
fn erase_one(
    station: &Station,
    session: &SessionInfo,
    info: DiskInfo,
    request: JobRequest,
    events: &crossbeam_channel::Sender<JobEvent>,
    tracker: &Tracker,
) -> bool {
    let path = info.path.display().to_string();
    let _controller = ControllerLock::acquire(&info);
    let disk = match open_disk(&info, Access::ReadWrite) {
        Ok(d) => d,
        Err(e) => {
            println!("ARDOISE-AUTO: {path}: cannot open, not erased: {e}");
            track(tracker, |t| t.refused(&info));
            return false;
        }
    };
    let vault = station.vault();
    let mut job = match prepare(disk, request, vault.as_ref()) {
        Ok(j) => j,
        Err(r) => {
            println!("ARDOISE-AUTO: {path}: refused, not erased: {}", r.error);
            track(tracker, |t| t.refused(&info));
            return false;
        }
    };
    let marker = match station.begin_erase(&mut job, session) {
        Ok(m) => m,
        Err(e) => {
            println!("ARDOISE-AUTO: {path}: not erased, nothing written: {e}");
            track(tracker, |t| t.refused(&info));
            return false;
        }
    };
    println!(
        "ARDOISE-AUTO: {path}: {} {} — {} ({})",
        job.disk.info.model,
        job.disk.info.serial,
        job.plan.method.id(),
        job.plan.reason
    );
    let name = job.disk.info.path_display();
    track(tracker, |t| t.add(&info));
    let run =
        std::panic::AssertUnwindSafe(|| execute(job, events, &CancelToken::new(), vault.as_ref()));
    let Ok(report) = std::panic::catch_unwind(run) else {
        println!("ARDOISE-AUTO: {path}: the erase thread failed; not erased (its marker stays for the next start)");
        return false;
    };
    let stored = station.certify(&report, session, Some(&marker));
    track(tracker, |t| {
        t.certified(&name, stored.as_ref().ok().map(|s| s.cert_id.clone()))
    });
    let cert = match &stored {
        Ok(s) => s.cert_id.clone(),
        Err(e) => format!("NOT STORED ({e})"),
    };
    println!(
        "ARDOISE-AUTO: {path}: {} — certificate {cert}",
        report.outcome.as_str()
    );
    report.outcome == Outcome::Erased && stored.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_only_when_erased_uploaded_and_every_disk_visible() {
        let (line, code) = ending(true, true, true);
        assert!(line.starts_with("DONE all disks erased"));
        assert_eq!(code, ExitCode::SUCCESS);
        let (line, code) = ending(true, true, false);
        assert!(line.starts_with("NOT DONE"), "{line}");
        assert!(line.contains("not fully erased"), "{line}");
        assert_eq!(code, ExitCode::from(exit::DISKS_NOT_VISIBLE));
        assert_eq!(
            ending(false, true, false).1,
            ExitCode::from(exit::NOT_ERASED)
        );
        assert_eq!(ending(true, false, true).1, ExitCode::from(exit::FAILURE));
    }
}
