//! `ardoise auto` (and `ardoise.auto=erase` on the live image's kernel command line): erase every
//! disk that is not protected, in parallel, with the policy's method; certify each; upload; and
//! succeed (exit 0, after which the init powers off) only when every disk is erased and, when a
//! registry is configured, every certificate is acknowledged.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use ardoise_disk::discovery::{discover, DiscoveryOptions};
use ardoise_disk::open::describe_target;
use ardoise_disk::{open_disk, Access, DiskInfo};
use ardoise_erase::job::{prepare, spawn, JobEvent, JobRequest, VerifyChoice};
use ardoise_erase::outcome::Outcome;
use ardoise_station::{SessionInfo, Station, StationOptions, VerifyMode};

use crate::exit;
use crate::live::track;

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
    /// Seconds between two progress heartbeats to the registry (default 5).
    #[arg(long, hide = true)]
    pub heartbeat_secs: Option<u64>,
}

/// Whether this process runs on the live image (its init sets ARDOISE_BOOT_MODE).
fn on_live_system() -> bool {
    std::env::var_os("ARDOISE_BOOT_MODE").is_some()
}

pub fn run(args: &AutoArgs) -> anyhow::Result<ExitCode> {
    let station = match Station::open(&StationOptions {
        data_dir: args.data_dir.clone(),
        create_key: true,
        kernel_options: true,
        registry: args.registry.clone(),
        ..Default::default()
    }) {
        Ok(s) => s,
        Err(e) => {
            println!("ARDOISE-AUTO: cannot store certificates, nothing erased: {e}");
            return Ok(ExitCode::from(exit::CANNOT_STORE));
        }
    };
    // Shared with the heartbeat thread.
    let station = std::sync::Arc::new(station);
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
    if let Err(e) = station.preflight() {
        println!("ARDOISE-AUTO: nothing erased: {e}");
        return Ok(ExitCode::from(exit::CANNOT_STORE));
    }
    let targets: Vec<DiskInfo> = if args.devices.is_empty() {
        if !on_live_system() {
            eprintln!("ardoise: refusing to erase every disk of a machine that is not running the ardoise live system; name the disks with --device");
            return Ok(ExitCode::from(exit::REFUSED));
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
    for d in targets.iter().filter(|d| d.protected) {
        println!(
            "ARDOISE-AUTO: skipping {} (protected: {})",
            d.path.display(),
            d.protected_reason.as_deref().unwrap_or("in use")
        );
    }
    let targets: Vec<DiskInfo> = targets.into_iter().filter(|d| !d.protected).collect();
    if targets.is_empty() {
        println!("ARDOISE-AUTO: no disk to erase");
    }
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
    // Unattended: the destination comes from the policy (`disposition`), and nobody is there
    // to attest anything about the machine, so host_reset stays null.
    let mut session = SessionInfo {
        operator_id: args.operator.clone(),
        disposition: None,
        host_reset: None,
        machine_session: Some(ardoise_station::remember::new_machine_session()),
        ..Default::default()
    };
    if let Err(e) = station.check_session(&session) {
        println!("ARDOISE-AUTO: nothing erased: {e}");
        return Ok(ExitCode::from(exit::CANNOT_STORE));
    }
    let (tx, rx) = crossbeam_channel::unbounded();
    let mut running = Vec::new();
    let mut all_ok = true;
    let live =
        crate::live::LiveReporter::start(&station, args.heartbeat_secs.map(Duration::from_secs));
    let tracker = live.as_ref().map(|l| l.tracker());
    let mut grades = Vec::new();
    for info in targets {
        let request = JobRequest {
            method: args.method.clone().unwrap_or_else(|| policy.method.clone()),
            verify,
            firmware_poll: Duration::from_millis(args.poll_ms.max(1)),
            ..Default::default()
        };
        let disk = match open_disk(&info, Access::ReadWrite) {
            Ok(d) => d,
            Err(e) => {
                println!(
                    "ARDOISE-AUTO: {}: cannot open, not erased: {e}",
                    info.path.display()
                );
                track(&tracker, |t| t.refused(&info));
                all_ok = false;
                continue;
            }
        };
        let mut job = match prepare(disk, request, station.vault().as_ref()) {
            Ok(j) => j,
            Err(r) => {
                println!(
                    "ARDOISE-AUTO: {}: refused, not erased: {}",
                    info.path.display(),
                    r.error
                );
                track(&tracker, |t| t.refused(&info));
                all_ok = false;
                continue;
            }
        };
        let marker = match station.begin_erase(&mut job, &session) {
            Ok(m) => m,
            Err(e) => {
                println!(
                    "ARDOISE-AUTO: {}: not erased, nothing written: {e}",
                    info.path.display()
                );
                track(&tracker, |t| t.refused(&info));
                all_ok = false;
                continue;
            }
        };
        println!(
            "ARDOISE-AUTO: {}: {} {} — {} ({})",
            info.path.display(),
            info.model,
            info.serial,
            job.plan.method.id(),
            job.plan.reason
        );
        grades.push(ardoise_station::reuse::DiskGrade {
            name: info.name.clone(),
            grade: job
                .probe
                .health
                .as_ref()
                .map_or(ardoise_disk::health::HealthGrade::Unknown, |h| h.grade),
        });
        track(&tracker, |t| t.add(&info));
        running.push((spawn(job, tx.clone(), station.vault()), marker));
    }
    drop(tx);
    // The machine's grade, recorded beside the policy's destination.
    session.suggestion = Some(ardoise_station::reuse::suggest(
        &station.inventory.hardware,
        &station.inventory,
        &grades,
        &station.config.reuse,
    ));
    let printer_tracker = tracker.clone();
    let printer = std::thread::spawn(move || {
        // Every new phase is logged at once, progress within a phase every 5 s at most.
        let mut last: HashMap<String, (String, Instant)> = HashMap::new();
        for ev in rx {
            track(&printer_tracker, |t| t.on_event(&ev));
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
    });
    for (handle, marker) in running {
        let disk = handle.disk.clone();
        let report = match handle.join() {
            Ok(r) => r,
            Err(_) => {
                println!("ARDOISE-AUTO: {disk}: the erase thread failed; not erased (its marker stays for the next start)");
                all_ok = false;
                continue;
            }
        };
        let stored = station.certify(&report, &session, Some(&marker));
        track(&tracker, |t| {
            t.certified(&disk, stored.as_ref().ok().map(|s| s.cert_id.clone()))
        });
        let cert = match &stored {
            Ok(s) => s.cert_id.clone(),
            Err(e) => format!("NOT STORED ({e})"),
        };
        println!(
            "ARDOISE-AUTO: {disk}: {} — certificate {cert}",
            report.outcome.as_str()
        );
        all_ok &= report.outcome == Outcome::Erased && stored.is_ok();
    }
    let _ = printer.join();
    if let Some(l) = live {
        l.finish();
    }

    let uploaded = match station.config.registry.url.clone() {
        None => {
            println!(
                "ARDOISE-AUTO: no registry configured; certificates stay in {}",
                station.data_dir.display()
            );
            true
        }
        Some(url) => upload_until_done(&station, &url, Duration::from_secs(args.upload_timeout)),
    };
    if all_ok && uploaded {
        println!(
            "ARDOISE-AUTO: DONE all disks erased, certificates stored{}",
            if uploaded { " and acknowledged" } else { "" }
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "ARDOISE-AUTO: NOT DONE (erased: {all_ok}, uploaded: {uploaded}); the machine stays on"
        );
        Ok(ExitCode::from(if all_ok {
            exit::FAILURE
        } else {
            exit::NOT_ERASED
        }))
    }
}

/// Uploads until the outbox is empty or the deadline passes.
fn upload_until_done(station: &Station, url: &str, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let opts = ardoise_upload::UploadOptions {
        timeout: Duration::from_secs(15),
        ..Default::default()
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
