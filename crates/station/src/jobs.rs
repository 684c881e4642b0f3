//! Markers of jobs in progress, on the data partition. A marker is written (atomically) before a
//! job touches a disk and removed once the job's certificate is stored; a marker found at the next
//! start means the job was cut (power loss, crash, disk pulled with the machine) and becomes a
//! `not_erased` certificate with the `interrupted` exception — never silence.

use std::path::{Path, PathBuf};

use ardoise_cert::station_store::write_atomic;
use ardoise_disk::health::HealthReport;
use ardoise_disk::DiskInfo;
use ardoise_erase::capability::DriveCapabilities;
use ardoise_erase::job::ErasureReport;
use ardoise_erase::outcome::{Exception, ExceptionCode, Outcome};
use ardoise_erase::pattern::Seed;
use ardoise_erase::plan::{Plan, Step};
use ardoise_erase::probe::DriveIdentity;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::certify::{certificate, SessionInfo, StationFacts};
use crate::StationError;

const DIR: &str = "jobs";
/// Space set aside for each running job on the data partition, so that its report can still
/// be written when the partition filled up during the erase (a report is a few tens of KiB).
pub const REPORT_RESERVE_BYTES: usize = 256 * 1024;

/// What is known about a job when it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobMarker {
    /// 16 hex digits of BLAKE3 over the disk path, start time and seed; names the marker file.
    pub id: String,
    /// When the job started (UTC), written as RFC 3339.
    #[serde(with = "time::serde::rfc3339")]
    pub started: OffsetDateTime,
    /// The disk as listed when the job started.
    pub disk: DiskInfo,
    /// The drive's identity (model, serial, firmware) as probed.
    pub identity: DriveIdentity,
    /// The erase commands the drive supports, as probed.
    pub capabilities: DriveCapabilities,
    /// The drive's health (SMART / NVMe log) at the start; `None` when none was read.
    pub health: Option<HealthReport>,
    /// The planned erasure (method and steps).
    pub plan: Plan,
    /// The seed of the overwrite pattern, so the certificate can name it.
    pub seed: Seed,
    /// What the technician entered for the machine.
    pub session: SessionInfo,
    /// The controller's namespaces the planned command reaches (see `ErasureReport::namespaces`).
    #[serde(default)]
    pub namespaces: Vec<ardoise_erase::limits::ReachedNamespace>,
}

impl JobMarker {
    /// A marker for a job starting now; its id is derived from the disk path, the time and the seed.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        disk: &DiskInfo,
        identity: &DriveIdentity,
        capabilities: &DriveCapabilities,
        health: Option<&HealthReport>,
        plan: &Plan,
        seed: Seed,
        session: &SessionInfo,
    ) -> JobMarker {
        let started = OffsetDateTime::now_utc();
        let id = blake3::hash(
            format!(
                "{}\n{}\n{}",
                disk.path.display(),
                started.unix_timestamp_nanos(),
                seed.to_hex()
            )
            .as_bytes(),
        )
        .to_hex()[..16]
            .to_string();
        JobMarker {
            id,
            started,
            disk: disk.clone(),
            identity: identity.clone(),
            capabilities: capabilities.clone(),
            health: health.cloned(),
            plan: plan.clone(),
            seed,
            session: session.clone(),
            namespaces: Vec::new(),
        }
    }
}

fn path(data_dir: &Path, id: &str) -> PathBuf {
    data_dir.join(DIR).join(format!("{id}.json"))
}

fn reserve_path(data_dir: &Path, id: &str) -> PathBuf {
    data_dir.join(DIR).join(format!("{id}.reserve"))
}

fn report_path(data_dir: &Path, id: &str) -> PathBuf {
    data_dir.join(DIR).join(format!("{id}.report"))
}

pub(crate) fn write_marker(data_dir: &Path, m: &JobMarker) -> Result<(), StationError> {
    let dir = data_dir.join(DIR);
    std::fs::create_dir_all(&dir)
        .map_err(|e| StationError::Marker(format!("{}: {e}", dir.display())))?;
    // Zeros really written: FAT has no sparse files, so the clusters are the job's.
    write_atomic(
        &reserve_path(data_dir, &m.id),
        &vec![0u8; REPORT_RESERVE_BYTES],
    )
    .map_err(|e| StationError::Marker(e.to_string()))?;
    let bytes = serde_json::to_vec_pretty(m).map_err(|e| StationError::Marker(e.to_string()))?;
    write_atomic(&path(data_dir, &m.id), &bytes).map_err(|e| StationError::Marker(e.to_string()))
}

pub(crate) fn remove_marker(data_dir: &Path, m: &JobMarker) {
    // The marker last: a crash in between leaves a marker (certified again), never a report
    // without its marker.
    for p in [
        report_path(data_dir, &m.id),
        reserve_path(data_dir, &m.id),
        path(data_dir, &m.id),
    ] {
        if let Err(e) = std::fs::remove_file(&p) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(file = %p.display(), error = %e, "cannot remove a job file");
            }
        }
    }
}

/// Keeps the report of a job whose certificate could not be stored, in the space the job
/// reserved; the next start certifies it ([`kept_report`]). Returns where it is.
pub(crate) fn keep_report(
    data_dir: &Path,
    m: &JobMarker,
    report: &ErasureReport,
) -> Result<PathBuf, StationError> {
    let bytes = serde_json::to_vec(report).map_err(|e| StationError::Marker(e.to_string()))?;
    let reserve = reserve_path(data_dir, &m.id);
    let _ = std::fs::remove_file(&reserve);
    let to = report_path(data_dir, &m.id);
    write_atomic(&to, &bytes).map_err(|e| StationError::Marker(e.to_string()))?;
    Ok(to)
}

/// The report [`keep_report`] kept for this job, if any and readable.
pub(crate) fn kept_report(data_dir: &Path, m: &JobMarker) -> Option<ErasureReport> {
    let p = report_path(data_dir, &m.id);
    let bytes = std::fs::read(&p).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(r) => Some(r),
        Err(e) => {
            // Unreadable: the job is certified as interrupted (never as erased).
            tracing::error!(report = %p.display(), error = %e, "unreadable job report");
            None
        }
    }
}

pub(crate) fn list_markers(data_dir: &Path) -> Result<Vec<JobMarker>, StationError> {
    let dir = data_dir.join(DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StationError::Marker(format!("{}: {e}", dir.display()))),
    };
    let mut out = Vec::new();
    for e in entries.filter_map(|e| e.ok()) {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        match std::fs::read(&p)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice::<JobMarker>(&b).map_err(|e| e.to_string()))
        {
            Ok(m) => out.push(m),
            // A marker that cannot be read is kept and reported: it is evidence of something.
            Err(e) => tracing::error!(marker = %p.display(), error = %e, "unreadable job marker"),
        }
    }
    out.sort_by_key(|m| m.started);
    Ok(out)
}

/// What the certificate of an interrupted job says, including, after a security erase, that
/// the drive may be locked and how it gets unlocked.
fn interrupted_detail(m: &JobMarker) -> String {
    let mut detail = format!(
        "the job started at {} never finished (power loss, crash or disk removed); the disk may be partly erased and must be erased again",
        ardoise_cert::fmt_time(m.started)
    );
    let sets_temporary_password = m.plan.steps.iter().any(|s| match s {
        Step::Firmware { method, .. } => method.sets_temporary_password(),
        _ => false,
    });
    if sets_temporary_password {
        detail.push_str(&format!(
            "; it was running ATA SECURITY ERASE UNIT, so the drive (serial {:?}) may be locked with ardoise's temporary password: the password stays in the password vault on this station's data partition, and the next erase of this drive started from this station unlocks the drive and removes the password before anything else; do not hand the drive on before that",
            m.identity.serial
        ));
    }
    detail
}

/// The `not_erased` certificate of a job that never finished.
pub(crate) fn interrupted_certificate(
    m: &JobMarker,
    facts: &StationFacts<'_>,
) -> ardoise_cert::payload::Certificate {
    let transcript = ardoise_disk::Transcript::new();
    let report = ErasureReport {
        disk: m.disk.clone(),
        identity: m.identity.clone(),
        capabilities: m.capabilities.clone(),
        health: m.health.clone(),
        probe_notes: Vec::new(),
        plan: m.plan.clone(),
        seed: m.seed,
        started: m.started,
        ended: OffsetDateTime::now_utc().max(m.started),
        hidden: None,
        firmware: Vec::new(),
        overwrite: None,
        flushed: None,
        verification: None,
        verification_note: None,
        crypto_check: None,
        bytes_written: 0,
        transcript_blake3: transcript.digest().to_hex().to_string(),
        transcript: Vec::new(),
        exceptions: vec![Exception::new(
            ExceptionCode::Interrupted,
            interrupted_detail(m),
        )],
        outcome: Outcome::NotErased,
        level_requested: m.plan.level,
        level_achieved: None,
        namespaces: m.namespaces.clone(),
    };
    certificate(&report, &m.session, facts)
}
