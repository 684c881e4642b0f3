//! `ardoise methods` and `ardoise erase`: unattended use of the erase engine.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use ardoise_cert::payload::{Destination, Disposition};
use ardoise_disk::discovery::DiscoveryOptions;
use ardoise_disk::open::describe_target;
use ardoise_disk::{open_disk, Access, DiskInfo, OpenDiskError};
use ardoise_erase::job::{
    execute, prepare, ErasureReport, JobEvent, JobPhase, JobRequest, VerifyChoice,
};
use ardoise_erase::outcome::Outcome;
use ardoise_erase::overwrite::CancelToken;
use ardoise_erase::plan::{plan_auto, supported_methods};
use ardoise_station::{
    pseudonymous_operator_id, HostResetChecks, SessionInfo, Station, StationOptions, VerifyMode,
};
use ardoise_units::Language;
use serde_json::json;

use crate::exit;
use crate::output::human_size;

#[derive(clap::Args, Debug)]
pub struct MethodsArgs {
    /// The disk: a whole-disk device node, `sim:<profile.json>`, or a regular file.
    #[arg(long)]
    pub device: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct EraseArgs {
    /// The disk: a whole-disk device node, `sim:<profile.json>`, or a regular file.
    #[arg(long)]
    pub device: PathBuf,
    /// `auto` (the strongest method the drive supports) or a method id from `ardoise methods`.
    #[arg(long)]
    pub method: Option<String>,
    /// Read-back after the erase.
    #[arg(long, value_parser = ["sample", "full", "none"])]
    pub verify: Option<String>,
    /// Share of the disk read back by sampled verification, in percent.
    #[arg(long)]
    pub coverage: Option<f64>,
    /// Confirms that the disk's content is to be destroyed (required).
    #[arg(long)]
    pub yes: bool,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Station key (default: `<data dir>/keys/station.key`, created if missing).
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Where certificates are kept: the station data directory (certificates land in its
    /// `certificates/` folder). Same as `--data-dir`.
    #[arg(long, alias = "data-dir")]
    pub cert_dir: Option<PathBuf>,
    /// Pseudonymous operator id (or `name:<typed name>` to derive one).
    #[arg(long, default_value = "cli")]
    pub operator: String,
    #[arg(long)]
    pub asset_tag: Option<String>,
    #[arg(long)]
    pub donor: Option<String>,
    #[arg(long)]
    pub lot: Option<String>,
    /// Where the machine goes after the erase: `reuse` (sale or donation), `parts`, or
    /// `recycling` (WEEE through an eco-organisme). Default: the policy's `disposition`, else
    /// not recorded.
    #[arg(long, value_parser = ["reuse", "parts", "recycling"])]
    pub disposition: Option<String>,
    /// Free text about the destination (no personal data); needs --disposition.
    #[arg(long, requires = "disposition")]
    pub disposition_detail: Option<String>,
    /// What you attest was done to this machine (not the disk), comma-separated: `firmware`
    /// (UEFI/BIOS settings reset), `tpm` (TPM cleared), `biometrics` (fingerprint/face
    /// templates deleted), `labels` (previous owner's stickers removed). Each item named is
    /// recorded as done, attested by --operator; items not named are recorded as "not
    /// attested", never as "not done". Without it, the certificate attests nothing.
    #[arg(long, value_name = "LIST", value_parser = HostResetChecks::parse_list)]
    pub host_reset: Option<HostResetChecks>,
    /// Poll interval of firmware commands, milliseconds (tests use small values).
    #[arg(long, default_value_t = 1000, hide = true)]
    pub poll_ms: u64,
}

fn describe(device: &std::path::Path) -> anyhow::Result<DiskInfo> {
    describe_target(&DiscoveryOptions::default(), device)
        .with_context(|| format!("cannot use {}", device.display()))
}

fn protected_exit(info: &DiskInfo, json_out: bool) -> ExitCode {
    let mut reasons: Vec<String> = Vec::new();
    for r in info.protected_reasons.iter().map(|r| r.to_string()) {
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    }
    if json_out {
        println!(
            "{}",
            json!({"device": info.path, "protected": true, "protected_reasons": reasons, "outcome": null})
        );
    }
    eprintln!(
        "ardoise: refused: {} is protected and will not be erased: {}",
        info.path.display(),
        reasons.join("; ")
    );
    ExitCode::from(exit::REFUSED)
}

pub fn methods(args: &MethodsArgs) -> anyhow::Result<ExitCode> {
    let info = describe(&args.device)?;
    if info.protected {
        return Ok(protected_exit(&info, args.json));
    }
    let mut disk = match open_disk(&info, Access::ReadOnly) {
        Ok(d) => d,
        Err(OpenDiskError::Protected { .. }) => return Ok(protected_exit(&info, args.json)),
        Err(e) => return Err(e.into()),
    };
    let mut probe = ardoise_erase::probe::probe(&mut disk);
    // What `erase` would refuse on this station: security erase with /data in RAM.
    if std::env::var("ARDOISE_DATA_PERSISTENT").as_deref() == Ok("0") {
        probe.capabilities.limits.password_vault =
            Some(ardoise_erase::limits::VAULT_NOT_DURABLE.into());
    }
    let methods = supported_methods(&probe.capabilities);
    let auto = plan_auto(&probe.capabilities);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "device": info.path,
                "capabilities": probe.capabilities,
                "health": probe.health,
                "methods": methods,
                "auto": auto.as_ref().ok(),
                "notes": probe.notes,
            }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} — {} {} ({}, {})",
        info.path.display(),
        info.model,
        info.serial,
        human_size(info.size_bytes),
        info.transport
    );
    if let Some(h) = &probe.health {
        println!(
            "health: {}{}",
            h.grade.as_str(),
            if h.reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", h.reasons.join("; "))
            }
        );
    }
    for n in &probe.notes {
        println!("note: {n}");
    }
    println!();
    for m in &methods {
        let mark = if m.recommended {
            "*"
        } else if m.supported {
            " "
        } else {
            "-"
        };
        println!("{mark} {:<30} {:<6} {}", m.id, m.level.as_str(), m.reason);
        if let Some(r) = &m.remedy {
            println!("  {:<30} {:<6} remedy: {r}", "", "");
        }
    }
    match auto {
        Ok(p) => {
            println!("\nauto: {} — {}", p.method.id(), p.reason);
            for w in &p.warnings {
                println!("warning: {w}");
            }
        }
        Err(e) => println!("\nauto: {e}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn erase(args: &EraseArgs) -> anyhow::Result<ExitCode> {
    if !args.yes {
        eprintln!(
            "ardoise: erase destroys every byte of {}; add --yes to confirm",
            args.device.display()
        );
        return Ok(ExitCode::from(exit::USAGE));
    }
    let info = describe(&args.device)?;
    if info.protected {
        return Ok(protected_exit(&info, args.json));
    }
    let (station, session) = match open_station_and_session(args)? {
        Ok(opened) => opened,
        Err(code) => return Ok(code),
    };
    let request = job_request(args, &station.config.policy);
    // One job at a time per NVMe controller (a sanitize reaches its other namespaces).
    let _controller = ardoise_disk::siblings::ControllerLock::acquire(&info);
    let disk = match open_for_erase(args, &info)? {
        Ok(disk) => disk,
        Err(code) => return Ok(code),
    };
    let vault = station.vault();
    let mut job = match prepare(disk, request, vault.as_ref()) {
        Ok(j) => j,
        Err(refused) => return Ok(refuse(args, &info, &refused.error)),
    };
    eprintln!(
        "ardoise: erasing {} ({} {}) with {}: {}",
        info.path.display(),
        info.model,
        info.serial,
        job.plan.method.id(),
        job.plan.reason
    );
    for w in &job.plan.warnings {
        eprintln!("ardoise: warning: {w}");
    }
    let marker = match station.begin_erase(&mut job, &session) {
        Ok(m) => m,
        Err(e) => return Ok(nothing_erased(e)),
    };
    let report = execute_with_progress(job, vault.as_ref());
    let stored = station.certify(&report, &session, Some(&marker));
    print_result(args, &report, stored)
}

/// The station that will sign the certificate, checked with the session it will record before
/// the disk is opened for writing; `Err` is the exit status when nothing can be stored.
fn open_station_and_session(
    args: &EraseArgs,
) -> anyhow::Result<Result<(Station, SessionInfo), ExitCode>> {
    let station = match Station::open(&StationOptions {
        data_dir: args.cert_dir.clone(),
        key_file: args.key.clone(),
        create_key: true,
        kernel_options: false,
        persistent: None,
        registry: None,
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ardoise: cannot store certificates, nothing was erased: {e}");
            return Ok(Err(ExitCode::from(exit::CANNOT_STORE)));
        }
    };
    if let Err(e) = station.preflight() {
        return Ok(Err(nothing_erased(e)));
    }
    for r in station
        .recover_interrupted()
        .context("recovering interrupted jobs")?
    {
        eprintln!("ardoise: {}", recovered_line(&r));
    }
    let session = session_of(args, &station);
    // Everything this certificate will say about the station and the session must pass the
    // certificate's checks before the disk is opened for writing.
    if let Err(e) = station.check_session(&session) {
        return Ok(Err(nothing_erased(e)));
    }
    Ok(Ok((station, session)))
}

fn session_of(args: &EraseArgs, station: &Station) -> SessionInfo {
    SessionInfo {
        operator_id: match args.operator.strip_prefix("name:") {
            Some(name) => pseudonymous_operator_id(&station.config.workshop.id, name),
            None => args.operator.clone(),
        },
        asset_tag: args.asset_tag.clone(),
        donor: args.donor.clone(),
        lot: args.lot.clone(),
        disposition: args.disposition.as_deref().map(|d| Disposition {
            destination: Destination::parse(d).expect("clap checked the value"),
            detail: args.disposition_detail.clone(),
            suggestion: None,
        }),
        host_reset: args.host_reset,
        ..Default::default()
    }
}

/// The method and read-back asked for, else the policy's.
fn job_request(args: &EraseArgs, policy: &ardoise_station::config::Policy) -> JobRequest {
    let verify_mode = match args.verify.as_deref() {
        Some(v) => VerifyMode::parse(v).expect("clap checked the value"),
        None => policy.verify,
    };
    let coverage = args.coverage.unwrap_or(policy.sample_coverage_percent);
    JobRequest {
        method: args.method.clone().unwrap_or_else(|| policy.method.clone()),
        verify: match verify_mode {
            VerifyMode::Sample => VerifyChoice::Sample {
                coverage_percent: coverage,
            },
            VerifyMode::Full => VerifyChoice::Full,
            VerifyMode::None => VerifyChoice::None,
        },
        firmware_poll: Duration::from_millis(args.poll_ms.max(1)),
        ..Default::default()
    }
}

/// Opens the disk for writing (checked again: protection, exclusive use, the confirmed
/// identity); `Err` is the exit status of a refusal already reported.
fn open_for_erase(
    args: &EraseArgs,
    info: &DiskInfo,
) -> anyhow::Result<Result<ardoise_disk::OpenedDisk, ExitCode>> {
    match open_disk(info, Access::ReadWrite) {
        Ok(d) => Ok(Ok(d)),
        Err(OpenDiskError::Protected { path, reasons }) => {
            let now = DiskInfo {
                path,
                protected: true,
                protected_reasons: reasons,
                ..info.clone()
            };
            Ok(Err(protected_exit(&now, args.json)))
        }
        Err(OpenDiskError::Open(ardoise_disk::block::OpenError::Busy(p))) => {
            eprintln!(
                "ardoise: refused: {} is in use (mounted or held by another program)",
                p.display()
            );
            Ok(Err(ExitCode::from(exit::REFUSED)))
        }
        Err(e @ OpenDiskError::NotConfirmed { .. }) => Ok(Err(refuse(args, info, &e))),
        Err(e) => Err(e.into()),
    }
}

/// A refusal before anything was written: said on stderr, and as JSON when asked.
fn refuse(args: &EraseArgs, info: &DiskInfo, why: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("ardoise: refused: {why}");
    if args.json {
        println!(
            "{}",
            json!({"device": info.path, "outcome": null, "refused": why.to_string()})
        );
    }
    ExitCode::from(exit::REFUSED)
}

/// Nothing was written and no certificate could be stored.
fn nothing_erased(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("ardoise: nothing was erased: {e}");
    ExitCode::from(exit::CANNOT_STORE)
}

/// Runs the job, printing its progress; Ctrl-C stops it at the next chunk (the certificate then
/// says not_erased).
fn execute_with_progress(
    job: ardoise_erase::job::PreparedJob,
    vault: &dyn ardoise_erase::firmware::PasswordVault,
) -> ErasureReport {
    let cancel = CancelToken::new();
    let c = cancel.clone();
    let _ = ctrlc::set_handler(move || c.cancel());
    let (tx, rx) = crossbeam_channel::unbounded();
    let printer = std::thread::spawn(move || print_progress(rx));
    let report = execute(job, &tx, &cancel, vault);
    drop(tx);
    let _ = printer.join();
    report
}

/// The outcome and the certificate, as JSON or for a person; the exit status says both.
fn print_result(
    args: &EraseArgs,
    report: &ErasureReport,
    stored: Result<ardoise_cert::station_store::StoredCertificate, ardoise_station::StationError>,
) -> anyhow::Result<ExitCode> {
    let code = match report.outcome {
        Outcome::Erased => ExitCode::SUCCESS,
        Outcome::ErasedWithExceptions => ExitCode::from(exit::WITH_EXCEPTIONS),
        Outcome::NotErased => ExitCode::from(exit::NOT_ERASED),
    };
    // The technician must know at once whether this disk goes to quality control.
    let qc_selected = stored.as_ref().ok().and_then(|s| {
        let env = ardoise_cert::envelope::Envelope::parse(&s.envelope_bytes).ok()?;
        serde_json::from_slice::<ardoise_cert::payload::Certificate>(&env.payload)
            .ok()
            .map(|c| c.qc.selected)
    });
    let cert = match &stored {
        Ok(s) => {
            json!({"id": s.cert_id, "path": s.path, "seq": s.seq, "qc_selected": qc_selected})
        }
        Err(e) => json!({"error": e.to_string()}),
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&result_json(report, cert))?
        );
    } else {
        print_summary(report);
        match &stored {
            Ok(s) => {
                println!("certificate: {} ({})", s.cert_id, s.path.display());
                if qc_selected == Some(true) {
                    println!("quality control: this disk is selected for a second, independent check; set it aside");
                }
            }
            Err(e) => println!("certificate: NOT STORED: {e}"),
        }
    }
    if let Err(e) = stored {
        eprintln!("ardoise: the erase ran but its certificate could not be stored: {e}");
        return Ok(ExitCode::from(exit::CANNOT_STORE));
    }
    Ok(code)
}

/// What a certificate issued at start for an earlier job says, in one line.
pub(crate) fn recovered_line(r: &ardoise_station::Recovered) -> String {
    let c = &r.certificate;
    if r.report_kept {
        format!(
            "an earlier job's certificate could not be stored; certificate {} now records what it did, from its kept report ({})",
            c.cert_id,
            c.path.display()
        )
    } else {
        format!(
            "an earlier job was interrupted; certificate {} says not_erased ({})",
            c.cert_id,
            c.path.display()
        )
    }
}

fn result_json(r: &ErasureReport, certificate: serde_json::Value) -> serde_json::Value {
    json!({
        "device": r.disk.path,
        "model": r.disk.model,
        "serial": r.disk.serial,
        "outcome": r.outcome.as_str(),
        "method": r.plan.method.id(),
        "level_requested": r.level_requested.as_str(),
        "level_achieved": r.level_achieved.map(|l| l.as_str()),
        "reason": r.plan.reason,
        "bytes_written": r.bytes_written,
        "verification": r.verification.as_ref().map(|v| json!({
            "method": v.method,
            "result": if v.passed() { "pass" } else { "fail" },
            "bytes_read": v.bytes_read,
            "summary": v.summary(),
        })),
        "verification_note": r.verification_note,
        "exceptions": r.exceptions,
        "firmware": r.firmware,
        "seed": r.seed.to_hex(),
        "started": ardoise_cert::fmt_time(r.started),
        "ended": ardoise_cert::fmt_time(r.ended),
        "certificate": certificate,
    })
}

fn print_summary(r: &ErasureReport) {
    let verdict = match r.outcome {
        Outcome::Erased => "ERASED",
        Outcome::ErasedWithExceptions => "ERASED WITH EXCEPTIONS",
        Outcome::NotErased => "NOT ERASED",
    };
    println!(
        "{verdict}: {} ({} {}) — {}",
        r.disk.path.display(),
        r.disk.model,
        r.disk.serial,
        r.plan.method.describe()
    );
    if let Some(v) = &r.verification {
        println!("verification: {}", v.summary());
    }
    if let Some(n) = &r.verification_note {
        println!("note: {n}");
    }
    for e in &r.exceptions {
        println!(
            "exception: {}: {}",
            ardoise_station::certify::exception_code(e.code),
            e.detail
        );
    }
}

/// Prints progress on stderr, at most a few lines a second.
fn print_progress(rx: crossbeam_channel::Receiver<JobEvent>) {
    let mut last = std::time::Instant::now() - Duration::from_secs(10);
    for ev in rx {
        match ev {
            JobEvent::Phase { phase, .. } if phase != JobPhase::Done => {
                eprintln!("ardoise: {}", phase_name(&phase))
            }
            JobEvent::Progress {
                phase,
                fraction,
                rate,
                eta,
                ..
            } if last.elapsed() >= Duration::from_secs(2) => {
                last = std::time::Instant::now();
                let pct = fraction
                    .map(|f| format!("{:5.1} %", f * 100.0))
                    .unwrap_or_else(|| "  ?  ".into());
                let speed = if rate > 0.0 {
                    format!(", {}", ardoise_units::rate(Language::En, rate))
                } else {
                    String::new()
                };
                let eta = eta
                    .map(|d| format!(", {} left", ardoise_units::duration(Language::En, d)))
                    .unwrap_or_default();
                eprintln!("ardoise: {} {pct}{speed}{eta}", phase_name(&phase));
            }
            JobEvent::Message { text, .. } => eprintln!("ardoise: {text}"),
            _ => {}
        }
    }
}

fn phase_name(p: &JobPhase) -> String {
    match p {
        JobPhase::Probing => "probing".into(),
        JobPhase::HiddenAreas => "hidden areas".into(),
        JobPhase::Fingerprint => "reading samples before the erase".into(),
        JobPhase::Firmware { method } => format!("firmware erase ({method})"),
        JobPhase::Overwrite { pass, passes } => format!("overwrite pass {pass}/{passes}"),
        JobPhase::PassVerify { pass, passes } => format!("checking pass {pass}/{passes}"),
        JobPhase::Flush => "flushing".into(),
        JobPhase::Verify => "verifying".into(),
        JobPhase::Done => "done".into(),
    }
}
