//! One erase job per disk: probe → plan → hidden areas → fingerprints → firmware command or host
//! overwrite → flush → verification → verdict, with progress on a channel and cooperative
//! cancellation. Jobs run on their own threads; nothing blocks the caller.
//!
//! [`prepare`] probes and plans (so a front end can show the plan and refuse an unsupported
//! method before anything is written); [`spawn`] / [`execute`] carry a prepared job out and
//! always end with an [`ErasureReport`], whose verdict comes from [`crate::outcome::decide`] only.

use std::sync::Arc;
use std::time::Duration;

use ardoise_disk::health::HealthReport;
use ardoise_disk::{BlockIo, CommandRecord, DiskInfo, OpenedDisk};
use crossbeam_channel::Sender;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::capability::DriveCapabilities;
use crate::firmware::{FirmwareContext, FirmwareOutcome, FirmwareProgress, PasswordVault};
use crate::hidden::HiddenAreaOutcome;
use crate::method::{Level, Method};
use crate::outcome::{decide, Exception, ExceptionCode, Outcome};
use crate::overwrite::{
    self, derive_seed, CancelToken, Control, OverwriteOutcome, OverwriteReport, Phase, Progress,
    Scheme,
};
use crate::pattern::Seed;
use crate::plan::{Plan, Step};
use crate::probe::ProbeReport;
use crate::verify::{self, Fingerprints, SampleParams, SamplePlan, VerifyReport};

mod evidence;
mod read_back;
mod whole_disk;

pub use crate::identity::ConfirmedDrive;
pub use crate::prepare::{prepare, prepare_with, PreparedJob, Refused, RefusedWhy};
pub use crate::request::{JobRequest, VerifyChoice, FULL_CHANGED_COVERAGE};

/// What the job is doing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum JobPhase {
    /// Reading what the drive supports.
    Probing,
    /// Measuring and removing hidden areas (HPA/DCO).
    HiddenAreas,
    /// Reading the sample plan before a firmware erase, to tell afterwards what changed.
    Fingerprint,
    /// A firmware erase command is running.
    Firmware {
        /// Method id, e.g. `ata-sanitize-block`.
        method: String,
    },
    /// Writing overwrite pass `pass` of `passes`.
    Overwrite {
        /// Pass number, 1-based.
        pass: u32,
        /// Number of passes in the scheme.
        passes: u32,
    },
    /// Reading back pass `pass` of `passes` after writing it.
    PassVerify {
        /// Pass number, 1-based.
        pass: u32,
        /// Number of passes in the scheme.
        passes: u32,
    },
    /// Flushing the drive's write cache.
    Flush,
    /// Verification read-back.
    Verify,
    /// The job has ended (whatever the outcome).
    Done,
}

/// Events a job sends. `disk` is the disk's path as shown to the user.
#[derive(Debug, Clone)]
pub enum JobEvent {
    /// The job entered a new phase.
    Phase {
        /// Path of the disk, as shown to the user.
        disk: String,
        /// The phase entered.
        phase: JobPhase,
    },
    /// How far the current phase is.
    Progress {
        /// Path of the disk, as shown to the user.
        disk: String,
        /// The phase reported on.
        phase: JobPhase,
        /// Fraction done in `[0, 1]`, when known.
        fraction: Option<f64>,
        /// Bytes written or read so far in this phase (0 for firmware operations).
        bytes_done: u64,
        /// Bytes this phase writes or reads in total (0 for firmware operations).
        bytes_total: u64,
        /// Throughput since the previous report, bytes per second.
        rate: f64,
        /// Estimated time left in this phase, when it can be estimated.
        eta: Option<Duration>,
        /// Sectors found unwritable or unreadable so far in this phase.
        bad_sectors: u64,
    },
    /// A note for the user: what a step did or found, or something that needs attention.
    Message {
        /// Path of the disk, as shown to the user.
        disk: String,
        /// The note.
        text: String,
    },
    /// The job is over; sent once, after every other event of the job.
    Finished {
        /// Path of the disk, as shown to the user.
        disk: String,
        /// Everything the certificate needs.
        report: Box<ErasureReport>,
    },
}

/// A firmware step as it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmwareStepReport {
    /// Method id (as in the plan), e.g. `nvme-sanitize-crypto`.
    pub method: String,
    /// The drive completed the operation and its status afterwards agrees.
    pub completed: bool,
    /// The drive's own words about the result (sanitize status, security state...).
    pub device_status: String,
    /// What was sent and observed, step by step.
    pub notes: Vec<String>,
    /// What the technician must see (e.g. a drive that may still carry the temporary password).
    #[serde(default)]
    pub attention: Vec<String>,
    /// When the step started (UTC, RFC 3339 in JSON).
    #[serde(with = "time::serde::rfc3339")]
    pub started: OffsetDateTime,
    /// When the step ended (UTC, RFC 3339 in JSON).
    #[serde(with = "time::serde::rfc3339")]
    pub ended: OffsetDateTime,
}

/// Everything a certificate needs about one erase, as plain data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErasureReport {
    /// The disk as the kernel describes it (path, size, transport, media).
    pub disk: DiskInfo,
    /// Identity as the drive itself reports it (IDENTIFY, Identify Controller, INQUIRY).
    pub identity: crate::probe::DriveIdentity,
    /// What the drive supports, as probed (and the station's limits).
    pub capabilities: DriveCapabilities,
    /// Health figures (SMART, NVMe SMART / Health log), when they could be read.
    pub health: Option<HealthReport>,
    /// Probing notes for the technician.
    pub probe_notes: Vec<String>,
    /// The steps chosen to erase the drive, with the level they claim.
    pub plan: Plan,
    /// Key of random patterns and of the verification sample plan.
    pub seed: Seed,
    /// When the job started (UTC, RFC 3339 in JSON).
    #[serde(with = "time::serde::rfc3339")]
    pub started: OffsetDateTime,
    /// When the job ended (UTC, RFC 3339 in JSON).
    #[serde(with = "time::serde::rfc3339")]
    pub ended: OffsetDateTime,
    /// Hidden-area handling (ATA only); `None` when it was not attempted.
    pub hidden: Option<HiddenAreaOutcome>,
    /// The firmware steps that ran, in order.
    pub firmware: Vec<FirmwareStepReport>,
    /// The host overwrite, when the plan has one.
    pub overwrite: Option<OverwriteReport>,
    /// `None` when the job stopped before the flush.
    pub flushed: Option<bool>,
    /// The verification read-back, when it ran.
    pub verification: Option<VerifyReport>,
    /// Why verification was not what was asked (e.g. full → sampled for a crypto erase).
    pub verification_note: Option<String>,
    /// The read-back between an NVMe crypto erase that kept the data and the deallocation that
    /// follows ([`crate::plan::Step::CryptoEraseCheck`]).
    #[serde(default)]
    pub crypto_check: Option<VerifyReport>,
    /// Bytes the host wrote to the disk (overwrite passes), 0 after a firmware-only erase.
    pub bytes_written: u64,
    /// Every command sent to the drive, with its answer, in order.
    pub transcript: Vec<CommandRecord>,
    /// blake3 of the transcript's JSON lines.
    pub transcript_blake3: String,
    /// Problems that limit what the certificate may claim.
    pub exceptions: Vec<Exception>,
    /// The verdict, from [`crate::outcome::decide`].
    pub outcome: Outcome,
    /// The level the plan aimed for (SP 800-88 Rev. 1 Clear or Purge).
    pub level_requested: Level,
    /// The level reached (`None` when not erased).
    pub level_achieved: Option<Level>,
    /// Every namespace the erase command reached, this one first, when it reached others too
    /// (NVMe Sanitize, all-namespace Format); empty otherwise.
    #[serde(default)]
    pub namespaces: Vec<crate::limits::ReachedNamespace>,
}

/// A running job.
pub struct JobHandle {
    /// Path of the disk, as shown to the user.
    pub disk: String,
    cancel: CancelToken,
    thread: std::thread::JoinHandle<ErasureReport>,
}

impl JobHandle {
    /// Asks the job to stop at the next chunk or poll (a firmware command already started
    /// continues inside the drive; the report says so).
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// `true` once the job thread has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Waits for the report. A job thread that panicked yields no report: that is an error of
    /// ardoise, never a verdict.
    pub fn join(self) -> std::thread::Result<ErasureReport> {
        self.thread.join()
    }
}

/// Runs a prepared job on its own thread.
pub fn spawn(
    job: PreparedJob,
    events: Sender<JobEvent>,
    vault: Arc<dyn PasswordVault>,
) -> JobHandle {
    let cancel = CancelToken::new();
    let disk = job.disk.info.path_display();
    let c = cancel.clone();
    let thread = std::thread::Builder::new()
        .name(format!("erase {}", job.disk.info.name))
        .spawn(move || execute(job, &events, &c, vault.as_ref()))
        .expect("spawn an erase thread");
    JobHandle {
        disk,
        cancel,
        thread,
    }
}

/// Runs a prepared job on the calling thread and returns its report (also sent as
/// [`JobEvent::Finished`]).
pub fn execute(
    job: PreparedJob,
    events: &Sender<JobEvent>,
    cancel: &CancelToken,
    vault: &dyn PasswordVault,
) -> ErasureReport {
    let namespaces = job.namespaces_reached();
    let PreparedJob {
        mut disk,
        probe,
        plan,
        request,
        other_namespaces,
    } = job;
    let name = disk.info.path_display();
    let mut run = Run::new(name.clone(), events, cancel.clone());
    // Areas of the medium that no method reaches (eMMC boot/GP partitions) are never erased.
    run.exceptions
        .extend(crate::limits::areas_not_reached(&probe.capabilities));
    let started = OffsetDateTime::now_utc();
    let seed = request
        .seed
        .unwrap_or_else(|| Seed::random().expect("the kernel provides random bytes"));
    run.steps(&mut disk, &probe, &plan, &request, seed, vault);
    if let Some(sim) = &disk.sim {
        sim.persist();
    }
    let report = run.into_report(&mut disk, &probe, plan, seed, started, namespaces);
    drop(other_namespaces);
    let _ = events.send(JobEvent::Phase {
        disk: name.clone(),
        phase: JobPhase::Done,
    });
    let _ = events.send(JobEvent::Finished {
        disk: name,
        report: Box::new(report.clone()),
    });
    report
}

/// The mutable state of one run.
struct Run<'a> {
    name: String,
    events: &'a Sender<JobEvent>,
    cancel: CancelToken,
    exceptions: Vec<Exception>,
    firmware: Vec<FirmwareStepReport>,
    hidden: Option<HiddenAreaOutcome>,
    overwrite: Option<OverwriteReport>,
    flushed: Option<bool>,
    verification: Option<VerifyReport>,
    verification_note: Option<String>,
    crypto_check: Option<VerifyReport>,
    fingerprints: Option<Fingerprints>,
    sample_plan: Option<SamplePlan>,
}

impl<'a> Run<'a> {
    fn new(name: String, events: &'a Sender<JobEvent>, cancel: CancelToken) -> Run<'a> {
        Run {
            name,
            events,
            cancel,
            exceptions: Vec::new(),
            firmware: Vec::new(),
            hidden: None,
            overwrite: None,
            flushed: None,
            verification: None,
            verification_note: None,
            crypto_check: None,
            fingerprints: None,
            sample_plan: None,
        }
    }

    /// The report of the finished run: its verdict decided from the exceptions alone, with the
    /// command transcript taken from the disk.
    fn into_report(
        self,
        disk: &mut OpenedDisk,
        probe: &ProbeReport,
        plan: Plan,
        seed: Seed,
        started: OffsetDateTime,
        namespaces: Vec<crate::limits::ReachedNamespace>,
    ) -> ErasureReport {
        let mut transcript = ardoise_disk::Transcript::new();
        transcript.extend(disk.commands.take_transcript());
        let outcome = decide(&self.exceptions);
        let bytes_written = self
            .overwrite
            .as_ref()
            .map(|o| o.passes.iter().map(|p| p.bytes_written).sum())
            .unwrap_or(0);
        ErasureReport {
            disk: disk.info.clone(),
            identity: probe.identity.clone(),
            capabilities: probe.capabilities.clone(),
            health: probe.health.clone(),
            probe_notes: probe.notes.clone(),
            level_requested: plan.level,
            level_achieved: (outcome != Outcome::NotErased).then_some(plan.level),
            plan,
            seed,
            started,
            ended: OffsetDateTime::now_utc(),
            hidden: self.hidden,
            firmware: self.firmware,
            overwrite: self.overwrite,
            flushed: self.flushed,
            verification: self.verification,
            verification_note: self.verification_note,
            crypto_check: self.crypto_check,
            bytes_written,
            transcript_blake3: transcript.digest().to_hex().to_string(),
            transcript: transcript.take(),
            exceptions: self.exceptions,
            outcome,
            namespaces,
        }
    }
}

impl Run<'_> {
    fn phase(&self, phase: JobPhase) {
        let _ = self.events.send(JobEvent::Phase {
            disk: self.name.clone(),
            phase,
        });
    }

    fn message(&self, text: impl Into<String>) {
        let _ = self.events.send(JobEvent::Message {
            disk: self.name.clone(),
            text: text.into(),
        });
    }

    fn fail(&mut self, code: ExceptionCode, detail: impl Into<String>) {
        self.exceptions.push(Exception::new(code, detail));
    }

    fn stopped(&self) -> bool {
        self.exceptions.iter().any(|e| e.code.is_fatal())
    }

    fn steps(
        &mut self,
        disk: &mut OpenedDisk,
        probe: &ProbeReport,
        plan: &Plan,
        request: &JobRequest,
        seed: Seed,
        vault: &dyn PasswordVault,
    ) {
        // A sanitize left running by an earlier job refuses reads and most commands: wait for
        // it before anything else.
        if !self.settle(disk, request, vault) {
            return;
        }
        let mut whole_disk_checked = false;
        for step in &plan.steps {
            if self.stopped() {
                return;
            }
            if self.cancel.is_cancelled() {
                self.fail(ExceptionCode::Cancelled, "the technician cancelled the job");
                return;
            }
            if !whole_disk_checked && *step != Step::RemoveHiddenAreas {
                whole_disk_checked = true;
                self.check_whole_disk(disk, probe);
                if self.stopped() {
                    return;
                }
            }
            match step {
                Step::RemoveHiddenAreas => {
                    self.phase(JobPhase::HiddenAreas);
                    let outcome =
                        crate::hidden::remove_hidden_areas(&mut disk.commands, &probe.capabilities);
                    self.exceptions.extend(outcome.exceptions.iter().cloned());
                    for n in &outcome.notes {
                        self.message(n.clone());
                    }
                    if outcome.capacity_changed {
                        self.reopen_after_resize(disk, &outcome);
                    }
                    self.hidden = Some(outcome);
                }
                Step::Fingerprint => {
                    if request.verify == VerifyChoice::None {
                        continue;
                    }
                    self.phase(JobPhase::Fingerprint);
                    self.fingerprint(disk.block.as_ref(), request, seed);
                }
                Step::Firmware { method, keep_data } => {
                    self.firmware_step(disk, method, probe, request, vault, *keep_data)
                }
                Step::CryptoEraseCheck => {
                    if request.verify != VerifyChoice::None {
                        self.crypto_erase_check(disk.block.as_ref(), request);
                    }
                }
                Step::Overwrite { scheme } => {
                    self.overwrite_step(disk.block.as_ref(), scheme, request, seed)
                }
                Step::Flush => {
                    self.phase(JobPhase::Flush);
                    self.flush(disk, probe);
                }
                Step::Verify => self.verify(disk.block.as_ref(), plan, request, seed),
            }
        }
    }

    fn progress_sink(&self) -> impl FnMut(&Progress) + '_ {
        move |p: &Progress| {
            let phase = match p.phase {
                Phase::Overwrite { pass, passes } => JobPhase::Overwrite { pass, passes },
                Phase::PassVerify { pass, passes } => JobPhase::PassVerify { pass, passes },
                Phase::Fingerprint => JobPhase::Fingerprint,
                Phase::Verify => JobPhase::Verify,
            };
            let _ = self.events.send(JobEvent::Progress {
                disk: self.name.clone(),
                phase,
                fraction: Some(p.fraction()),
                bytes_done: p.bytes_done,
                bytes_total: p.bytes_total,
                rate: p.rate,
                eta: p.eta(),
                bad_sectors: p.bad_sectors,
            });
        }
    }

    fn sample_plan(
        &self,
        dev: &dyn BlockIo,
        seed: Seed,
        coverage_percent: f64,
    ) -> Result<SamplePlan, verify::PlanError> {
        SamplePlan::new(
            derive_seed(seed, "verify"),
            dev.size_bytes(),
            dev.logical_sector_size(),
            &SampleParams::with_coverage_percent(coverage_percent),
        )
    }

    fn fingerprint(&mut self, dev: &dyn BlockIo, request: &JobRequest, seed: Seed) {
        let coverage = match request.verify {
            VerifyChoice::Sample { coverage_percent } => coverage_percent,
            _ => FULL_CHANGED_COVERAGE,
        };
        let coverage = self.fingerprint_coverage(dev, coverage, &request.verify_options);
        let plan = match self.sample_plan(dev, seed, coverage) {
            Ok(p) => p,
            Err(e) => {
                return self.fail(
                    ExceptionCode::VerificationError,
                    format!("cannot plan the samples: {e}"),
                )
            }
        };
        let cancel = self.cancel.clone();
        let result = {
            let mut sink = self.progress_sink();
            let mut ctl = Control::new(cancel, &mut sink);
            Fingerprints::capture(dev, &plan, &request.verify_options, &mut ctl)
        };
        match result {
            Ok(fp) => {
                self.fingerprints = Some(fp);
                self.sample_plan = Some(plan);
            }
            Err(verify::VerifyError::Cancelled) => self.fail(
                ExceptionCode::Cancelled,
                "cancelled while reading the samples before the erase",
            ),
            Err(verify::VerifyError::Device(e)) if e.contains("gone") => {
                self.fail(ExceptionCode::DeviceGone, e)
            }
            // Nothing has been erased yet: without fingerprints the erase could not be verified,
            // so do not start it.
            Err(e) => self.fail(
                ExceptionCode::VerificationError,
                format!("cannot read the samples before the erase: {e}"),
            ),
        }
    }

    fn firmware_step(
        &mut self,
        disk: &mut OpenedDisk,
        method: &Method,
        probe: &ProbeReport,
        request: &JobRequest,
        vault: &dyn PasswordVault,
        keep_data: bool,
    ) {
        self.phase(JobPhase::Firmware {
            method: method.id(),
        });
        let started = OffsetDateTime::now_utc();
        let name = self.name.clone();
        let events = self.events;
        let method_id = method.id();
        let mut on_progress = |p: FirmwareProgress| {
            let _ = events.send(JobEvent::Progress {
                disk: name.clone(),
                phase: JobPhase::Firmware {
                    method: method_id.clone(),
                },
                fraction: p.fraction,
                bytes_done: 0,
                bytes_total: 0,
                rate: 0.0,
                eta: None,
                bad_sectors: 0,
            });
            if !p.message.is_empty() {
                let _ = events.send(JobEvent::Message {
                    disk: name.clone(),
                    text: p.message,
                });
            }
        };
        let mut ctx = FirmwareContext::new(vault)
            .with_cancel(self.cancel.clone())
            .with_progress(&mut on_progress)
            .with_poll_interval(request.firmware_poll)
            .with_keep_data(keep_data);
        if let Some(file) = &disk.device {
            ctx = ctx.with_block_device(disk.info.path.clone(), file.clone());
        }
        let outcome: FirmwareOutcome = crate::firmware::run_firmware(
            &mut disk.commands,
            method,
            &probe.capabilities,
            &mut ctx,
        );
        for a in &outcome.attention {
            self.message(a.clone());
        }
        if !outcome.completed && !outcome.exceptions.iter().any(|e| e.code.is_fatal()) {
            // A firmware step that did not complete must never pass as an erase.
            self.fail(
                ExceptionCode::EraseFailed,
                format!("{} did not complete", method.describe()),
            );
        }
        self.exceptions.extend(outcome.exceptions.iter().cloned());
        for n in &outcome.notes {
            self.message(n.clone());
        }
        self.firmware.push(FirmwareStepReport {
            method: method.id(),
            completed: outcome.completed,
            device_status: outcome.device_status,
            notes: outcome.notes,
            attention: outcome.attention,
            started,
            ended: OffsetDateTime::now_utc(),
        });
    }

    fn overwrite_step(
        &mut self,
        dev: &dyn BlockIo,
        scheme_id: &str,
        request: &JobRequest,
        seed: Seed,
    ) {
        let Some(scheme) = Scheme::by_id(scheme_id) else {
            return self.fail(
                ExceptionCode::EraseFailed,
                format!("unknown overwrite scheme {scheme_id:?}"),
            );
        };
        let cancel = self.cancel.clone();
        let result = {
            let mut sink = self.progress_sink();
            let mut ctl = Control::new(cancel, &mut sink);
            overwrite::run(dev, &scheme, seed, &request.overwrite, &mut ctl)
        };
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                return self.fail(
                    ExceptionCode::EraseFailed,
                    format!("the overwrite could not start: {e}"),
                )
            }
        };
        let failed = !matches!(
            report.outcome,
            OverwriteOutcome::Completed | OverwriteOutcome::Cancelled
        );
        if failed && vanished(dev) {
            self.fail(
                ExceptionCode::DeviceGone,
                match &report.outcome {
                    OverwriteOutcome::Failed { detail, .. } => {
                        format!("the device disappeared during the overwrite ({detail})")
                    }
                    _ => "the device disappeared during the overwrite".to_string(),
                },
            );
            self.overwrite = Some(report);
            return;
        }
        match &report.outcome {
            OverwriteOutcome::Completed => {}
            OverwriteOutcome::CompletedWithUnwritable => self.fail(
                ExceptionCode::UnwritableSectors,
                format!(
                    "{} sectors could not be written and may still hold data",
                    report.unwritable_sectors
                ),
            ),
            OverwriteOutcome::Cancelled => self.fail(
                ExceptionCode::Cancelled,
                "the technician cancelled the overwrite",
            ),
            OverwriteOutcome::Failed { reason, detail } => {
                use crate::overwrite::FailReason::*;
                let code = match reason {
                    DeviceGone => ExceptionCode::DeviceGone,
                    FlushFailed => ExceptionCode::FlushFailed,
                    VerificationFailed => ExceptionCode::VerificationFailed,
                    NoSpace | IoError | TooManyBadSectors => ExceptionCode::EraseFailed,
                };
                self.fail(code, detail.clone());
            }
        }
        self.overwrite = Some(report);
    }

    fn flush(&mut self, disk: &mut OpenedDisk, probe: &ProbeReport) {
        let ok = match disk.block.flush() {
            Ok(()) => true,
            Err(e) => {
                let code = if e.is_gone() {
                    ExceptionCode::DeviceGone
                } else {
                    ExceptionCode::FlushFailed
                };
                self.fail(code, format!("flush failed: {e}"));
                false
            }
        };
        // fsync reaches the drive's cache through the kernel; an ATA disk also gets an explicit
        // FLUSH CACHE EXT so the transcript shows it. After a host overwrite its failure means
        // written data may not be on the medium.
        let ata_ok = self.flush_ata_cache(disk, probe);
        self.flushed = Some(ok && ata_ok);
    }
}

/// Whether `dev` has left the machine, giving the kernel a moment to notice: a pulled disk's
/// last writes fail with EIO before its node is removed.
fn vanished(dev: &dyn BlockIo) -> bool {
    let tries = if dev.removal_may_lag() { 20 } else { 1 };
    for attempt in 1..=tries {
        if !dev.is_present() {
            return true;
        }
        if attempt < tries {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
    false
}
