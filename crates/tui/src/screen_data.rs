//! Plain data the screens show, filled from events; and the translated names of engine values
//! (methods, phases, exceptions, health grades, protection reasons).

use std::path::PathBuf;
use std::time::Duration;

use ardoise_disk::health::{HealthGrade, HealthReport};
use ardoise_disk::inventory::MachineInventory;
use ardoise_disk::{DiskInfo, MediaKind, ProtectionReason};
use ardoise_erase::job::{ConfirmedDrive, JobPhase};
use ardoise_erase::method::{Level, Method};
use ardoise_erase::outcome::{ExceptionCode, Outcome};
use ardoise_erase::overwrite::Scheme;
use ardoise_erase::plan::MethodSupport;
use ardoise_station::VerifyMode;

use crate::i18n::{t, tf, Language, T};
pub use crate::wording::{method_id_label, method_label, method_short, protection_label};

/// What the app needs to know about the opened station (the station itself stays in the runtime).
#[derive(Debug, Clone, PartialEq)]
pub struct StationSummary {
    /// The workshop's id, signed into every certificate.
    pub workshop_id: String,
    /// The workshop's name, shown in the title bar.
    pub workshop_name: String,
    /// This station's id within the workshop.
    pub station_id: String,
    /// (pseudonymous id, display name)
    pub operators: Vec<(String, String)>,
    /// The registry's base URL, when certificates are uploaded.
    pub registry_url: Option<String>,
    /// The policy keeps the technician from leaving a machine before its certificates are
    /// uploaded (when a network exists).
    pub require_upload: bool,
    /// How erasures are read back (`policy.verify`), shown on the method screen.
    pub verify: VerifyMode,
    /// The share of the disk read back when verification samples.
    pub coverage_percent: f64,
    /// The machine's hardware, for the machine and destination screens.
    pub inventory: MachineInventory,
    /// The data partition holding certificates, reports and labels.
    pub data_dir: PathBuf,
    /// `ARDOISE_DATA_PERSISTENT`: `Some(false)` when certificates live in RAM.
    pub persistent: Option<bool>,
    /// Certificates the registry has not acknowledged yet (all sessions).
    pub outbox: usize,
    /// Certificates issued at start for jobs that had none: (certificate id, whether it was
    /// made from the job's kept report — what really happened — rather than as interrupted).
    pub recovered: Vec<(String, bool)>,
    /// No workshop is configured: the station signs as the demonstration station.
    pub demo: bool,
    /// The boot medium cannot be found (docs/image.md): shown on the machine screen.
    pub boot_medium: Option<String>,
    /// How machines are graded for reuse (`[reuse]`).
    pub reuse: ardoise_station::reuse::ReusePolicy,
    /// The workshop's default destination (`policy.disposition`), before the grade's.
    pub default_destination: Option<ardoise_cert::payload::Destination>,
}

/// Network state from the init's lease files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetState {
    /// Not on the live system (no `ARDOISE_NET_DIR`).
    Unknown,
    /// On the live system, without an address.
    Down,
    /// An interface has a lease.
    Up {
        /// The interface's name.
        iface: String,
        /// Its address.
        ip: String,
    },
}

/// Whether the registry answers its health endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryState {
    /// The station has no registry.
    NotConfigured,
    /// A check is under way.
    Checking,
    /// The last check answered.
    Reachable,
    /// The last check failed, with the reason.
    Unreachable(String),
}

/// One disk of the list.
#[derive(Debug, Clone)]
pub struct DiskRow {
    /// The disk as discovered, with its protection.
    pub info: DiskInfo,
    /// What probing it found so far.
    pub probe: ProbeState,
}

/// Where a disk's probe is (protected disks are never probed).
#[derive(Debug, Clone)]
pub enum ProbeState {
    /// Being probed: it cannot be ticked yet.
    Pending,
    /// Probed.
    Done(Box<ProbeSummary>),
    /// The probe failed, with the reason (empty for a protected disk).
    Failed(String),
}

/// What probing a disk taught us, for the list and the method screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeSummary {
    /// SMART or NVMe health, when the drive reports it.
    pub health: Option<HealthReport>,
    /// Every method the planner knows, with whether this disk supports it.
    pub methods: Vec<MethodSupport>,
    /// The ATA security feature set is frozen (the suspend-cycle remedy applies).
    pub frozen: bool,
    /// What the probe noticed along the way, for the journal.
    pub notes: Vec<String>,
    /// What the technician confirms beyond the listing: the drive's own identity as the probe
    /// read it, or its content's fingerprint; the job refuses another drive behind the name.
    pub confirmed: Option<ConfirmedDrive>,
}

impl ProbeSummary {
    /// The method the planner recommends, if the disk supports any.
    pub fn recommended(&self) -> Option<&MethodSupport> {
        self.methods.iter().find(|m| m.recommended)
    }

    /// Whether a method is blocked by a freeze that a suspend cycle may lift (the method screen
    /// then offers it).
    pub fn has_remedy(&self) -> bool {
        self.methods.iter().any(|m| m.remedy.is_some())
    }
}

impl DiskRow {
    /// What probing found, once probed.
    pub fn summary(&self) -> Option<&ProbeSummary> {
        match &self.probe {
            ProbeState::Done(s) => Some(s),
            _ => None,
        }
    }

    /// Can be ticked: not protected, probed, with at least one supported method.
    pub fn selectable(&self) -> bool {
        !self.info.protected && self.summary().is_some_and(|s| s.recommended().is_some())
    }

    /// The drive's health grade is failing: marked in the list.
    pub fn failing(&self) -> bool {
        self.summary()
            .and_then(|s| s.health.as_ref())
            .is_some_and(|h| h.grade == HealthGrade::Failing)
    }

    /// The ATA security feature set is frozen.
    pub fn frozen(&self) -> bool {
        self.summary().is_some_and(|s| s.frozen)
    }
}

/// One entry of the method screen.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodChoice {
    /// The method's id, as recorded in the plan and the certificate.
    pub id: String,
    /// The method itself.
    pub method: Method,
    /// Clear or purge (NIST SP 800-88).
    pub level: Level,
    /// The disk supports it: only then can it be chosen.
    pub supported: bool,
    /// The planner's recommendation for this disk.
    pub recommended: bool,
    /// Blocked by the BIOS freeze (the remedy would make it possible).
    pub frozen: bool,
    /// A legacy multi-pass overwrite, offered but not needed.
    pub extra: bool,
}

/// The entries of the method screen for a probed disk: what the planner lists, then the other
/// overwrite schemes.
pub fn method_choices(summary: &ProbeSummary) -> Vec<MethodChoice> {
    let mut out: Vec<MethodChoice> = summary
        .methods
        .iter()
        .map(|m| MethodChoice {
            id: m.id.clone(),
            method: m.method.clone(),
            level: m.level,
            supported: m.supported,
            recommended: m.recommended,
            frozen: m.remedy.is_some(),
            extra: false,
        })
        .collect();
    for id in Scheme::IDS {
        let method = Method::Overwrite {
            scheme: id.to_string(),
        };
        if out.iter().any(|c| c.method == method) {
            continue;
        }
        out.push(MethodChoice {
            id: method.id(),
            method,
            level: Level::Clear,
            supported: true,
            recommended: false,
            frozen: false,
            extra: true,
        });
    }
    out
}

/// Where a job is.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Opening and probing before the engine runs.
    Starting,
    /// The engine is in this phase.
    Running(JobPhase),
    /// The engine finished; the certificate is being signed and stored.
    Certifying,
    /// Certificate stored (or storing failed).
    Finished,
    /// The job never started (protected, busy, method refused): nothing was done.
    Refused(crate::problem::Refusal),
}

/// Where a job's certificate is.
#[derive(Debug, Clone, PartialEq)]
pub enum CertState {
    /// Not stored yet (the job runs or is being certified).
    Pending,
    /// Signed and stored on the data partition.
    Stored {
        /// The certificate id.
        id: String,
    },
    /// It could not be stored: the erase counts as not certified.
    Failed(crate::problem::Problem),
    /// Nothing was done, so there is nothing to certify.
    NotIssued,
}

/// One disk being erased.
#[derive(Debug, Clone)]
pub struct JobView {
    /// The disk as confirmed.
    pub info: DiskInfo,
    /// The method's id (the one the engine ran, once it reported).
    pub method_id: String,
    /// Where the job is.
    pub stage: Stage,
    /// Progress of the current phase, 0 to 1, when known.
    pub fraction: Option<f64>,
    /// Throughput of the current phase, bytes per second.
    pub rate: f64,
    /// Time left in the current phase, when known.
    pub eta: Option<Duration>,
    /// Sectors that could not be written or read so far.
    pub bad_sectors: u64,
    /// The technician asked to stop it.
    pub stopping: bool,
    /// The engine's verdict, once it finished.
    pub outcome: Option<Outcome>,
    /// What the engine reported as exceptions, with their details.
    pub exceptions: Vec<(ExceptionCode, String)>,
    /// Where its certificate is.
    pub cert: CertState,
}

impl JobView {
    /// A job about to start on `info` with the chosen method.
    pub fn new(info: DiskInfo, method_id: String) -> JobView {
        JobView {
            info,
            method_id,
            stage: Stage::Starting,
            fraction: None,
            rate: 0.0,
            eta: None,
            bad_sectors: 0,
            stopping: false,
            outcome: None,
            exceptions: Vec::new(),
            cert: CertState::Pending,
        }
    }

    /// Whether the job is over (certificate stored or failed, or never started).
    pub fn done(&self) -> bool {
        matches!(self.stage, Stage::Finished | Stage::Refused(_))
    }

    /// The verdict shown: a refused job erased nothing.
    pub fn verdict(&self) -> Option<Outcome> {
        match self.stage {
            Stage::Refused(_) => Some(Outcome::NotErased),
            _ => self.outcome,
        }
    }
}

/// Upload state of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadState {
    /// Not sent yet.
    Pending,
    /// The registry acknowledged it.
    Uploaded,
    /// Sending failed and will be tried again, with the last error.
    Retrying(String),
    /// The registry refused it, with its message.
    Rejected(String),
    /// Still failing after the pass's attempts, with the last error: left for a later pass.
    GaveUp(String),
}

/// The machine's memory as both machine screens show it: the modules' sum when the firmware
/// describes them, else what the system sees (the figure the reuse grade judges).
pub fn machine_memory_bytes(inv: &MachineInventory) -> u64 {
    let h = &inv.hardware;
    h.memory_installed_bytes()
        .unwrap_or(if h.memory_visible_bytes > 0 {
            h.memory_visible_bytes
        } else {
            inv.memory_bytes
        })
}

// ---- Translated names ------------------------------------------------------------------------

/// The verdict's name for the technician.
pub fn verdict_label(lang: Language, o: Outcome) -> &'static str {
    t(
        lang,
        match o {
            Outcome::Erased => T::VerdictErased,
            Outcome::ErasedWithExceptions => T::VerdictWithExceptions,
            Outcome::NotErased => T::VerdictNotErased,
        },
    )
}

/// An engine exception's name for the technician.
pub fn exception_label(lang: Language, c: ExceptionCode) -> &'static str {
    t(
        lang,
        match c {
            ExceptionCode::EraseFailed => T::ExcEraseFailed,
            ExceptionCode::DeviceGone => T::ExcDeviceGone,
            ExceptionCode::Cancelled => T::ExcCancelled,
            ExceptionCode::Interrupted => T::ExcInterrupted,
            ExceptionCode::DeviceStatusMismatch => T::ExcStatusMismatch,
            ExceptionCode::FlushFailed => T::ExcFlushFailed,
            ExceptionCode::VerificationFailed => T::ExcVerificationFailed,
            ExceptionCode::VerificationError => T::ExcVerificationError,
            ExceptionCode::NotVerified => T::ExcNotVerified,
            ExceptionCode::UnwritableSectors => T::ExcUnwritable,
            ExceptionCode::UnreadableSectors => T::ExcUnreadable,
            ExceptionCode::HiddenAreaNotErased => T::ExcHidden,
            ExceptionCode::HiddenAreasNotChecked => T::ExcHiddenUnchecked,
            ExceptionCode::UnreachableSectors => T::ExcUnreachable,
            ExceptionCode::VerificationInconclusive => T::ExcInconclusive,
        },
    )
}

/// A health grade's name (no report reads as unknown).
pub fn health_label(lang: Language, g: Option<HealthGrade>) -> &'static str {
    t(
        lang,
        match g {
            Some(HealthGrade::Good) => T::HealthGood,
            Some(HealthGrade::Worn) => T::HealthWorn,
            Some(HealthGrade::Failing) => T::HealthFailing,
            Some(HealthGrade::Unknown) | None => T::HealthUnknown,
        },
    )
}

/// The kind of medium, for the disk list.
pub fn media_label(lang: Language, m: MediaKind) -> &'static str {
    t(
        lang,
        match m {
            MediaKind::Hdd => T::MediaHdd,
            MediaKind::Ssd => T::MediaSsd,
            MediaKind::NvmeSsd => T::MediaNvme,
            MediaKind::Emmc => T::MediaEmmc,
            MediaKind::UsbFlash => T::MediaUsbFlash,
            MediaKind::Virtual => T::MediaVirtual,
            MediaKind::RaidVolume => T::MediaRaidVolume,
            MediaKind::Unknown => T::MediaUnknown,
        },
    )
}

/// All the reasons a disk is protected, joined, each said once (the boot stick is the boot
/// medium both as the ISO and as the data partition's disk, and its data partition is mounted
/// by ardoise itself: one reason for the technician).
pub fn protection_reasons(lang: Language, info: &DiskInfo) -> String {
    if info
        .protected_reasons
        .iter()
        .any(|r| matches!(r, ProtectionReason::BootMedium { .. }))
    {
        return t(lang, T::ProtBoot).to_string();
    }
    let mut v: Vec<String> = Vec::new();
    for label in info
        .protected_reasons
        .iter()
        .map(|r| protection_label(lang, r))
    {
        if !v.contains(&label) {
            v.push(label);
        }
    }
    if v.is_empty() {
        t(lang, T::Unknown).to_string()
    } else {
        v.join("; ")
    }
}

/// Clear or purge, for the method screen.
pub fn level_label(lang: Language, l: Level) -> &'static str {
    t(
        lang,
        match l {
            Level::Purge => T::LevelPurge,
            Level::Clear => T::LevelClear,
        },
    )
}

/// The one-line reason shown under the highlighted method.
pub fn method_reason(lang: Language, c: &MethodChoice) -> &'static str {
    let k = if !c.supported {
        if c.frozen {
            T::ReasonFrozen
        } else {
            T::ReasonUnsupported
        }
    } else if c.recommended {
        match (c.level, c.method.is_firmware()) {
            (Level::Purge, _) => T::ReasonRecommendedPurge,
            (Level::Clear, true) => T::ReasonRecommendedFirmwareClear,
            (Level::Clear, false) => T::ReasonRecommendedClear,
        }
    } else if c.extra {
        T::ReasonExtraPasses
    } else {
        match (c.level, c.method.is_firmware()) {
            (Level::Purge, _) => T::ReasonPurge,
            (Level::Clear, true) => T::ReasonFirmwareClear,
            (Level::Clear, false) => T::ReasonClear,
        }
    };
    t(lang, k)
}

/// Where a job is, for the progress and results screens ("stopping" once asked).
pub fn phase_label(lang: Language, stage: &Stage, stopping: bool) -> String {
    if stopping && !matches!(stage, Stage::Finished | Stage::Refused(_)) {
        return t(lang, T::PhStopping).to_string();
    }
    match stage {
        Stage::Starting => t(lang, T::PhStarting).to_string(),
        Stage::Certifying => t(lang, T::PhCertify).to_string(),
        Stage::Finished => t(lang, T::PhDone).to_string(),
        Stage::Refused(why) => tf(lang, T::PhRefused, &[&crate::fmt::clean(&why.text(lang))]),
        Stage::Running(p) => match p {
            JobPhase::Probing => t(lang, T::PhProbing).to_string(),
            JobPhase::HiddenAreas => t(lang, T::PhHidden).to_string(),
            JobPhase::Fingerprint => t(lang, T::PhFingerprint).to_string(),
            JobPhase::Firmware { .. } => t(lang, T::PhFirmware).to_string(),
            JobPhase::Overwrite { pass, passes } => tf(lang, T::PhOverwrite, &[pass, passes]),
            JobPhase::PassVerify { pass, passes } => tf(lang, T::PhPassVerify, &[pass, passes]),
            JobPhase::Flush => t(lang, T::PhFlush).to_string(),
            JobPhase::Verify => t(lang, T::PhVerify).to_string(),
            JobPhase::Done => t(lang, T::PhCertify).to_string(),
        },
    }
}

/// An operating system of the reuse minimums (`windows-11`, `ubuntu-desktop-24.04`) by its name;
/// an id this version does not know is shown as it is.
pub fn os_name(lang: Language, id: &str) -> String {
    use ardoise_station::reuse::{UBUNTU_DESKTOP, WINDOWS_11};
    match id {
        WINDOWS_11 => t(lang, T::OsWindows11).to_string(),
        UBUNTU_DESKTOP => t(lang, T::OsUbuntuDesktop).to_string(),
        other => crate::fmt::clean(other),
    }
}

/// A requirement of an operating system's minimums (`tpm-2.0`, `cpu-generation`…) in words; an
/// id this version does not know is shown as it is.
pub fn requirement_label(lang: Language, id: &str) -> String {
    let k = match id {
        "cpu-64-bit" => T::ReqCpu64,
        "cpu-cores" => T::ReqCpuCores,
        "cpu-generation" => T::ReqCpuGeneration,
        "cpu-frequency" => T::ReqCpuFrequency,
        "memory" => T::ReqMemory,
        "tpm-2.0" => T::ReqTpm2,
        "uefi" => T::ReqUefi,
        "secure-boot-capable" => T::ReqSecureBoot,
        other => return crate::fmt::clean(other),
    };
    t(lang, k).to_string()
}

/// Several requirements in words, joined.
pub fn requirement_list(lang: Language, ids: &[String]) -> String {
    ids.iter()
        .map(|id| requirement_label(lang, id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A processor line by its brand name.
pub fn cpu_line_label(lang: Language, line: ardoise_disk::hardware::CpuLine) -> &'static str {
    use ardoise_disk::hardware::CpuLine;
    t(
        lang,
        match line {
            CpuLine::IntelCore => T::CpuIntelCore,
            CpuLine::IntelCoreUltra => T::CpuIntelCoreUltra,
            CpuLine::AmdRyzen => T::CpuAmdRyzen,
        },
    )
}

/// A certificate's upload state for the results screen (`registry`: the station has one).
pub fn upload_label(lang: Language, u: Option<&UploadState>, registry: bool) -> String {
    if !registry {
        return t(lang, T::UpNoRegistry).to_string();
    }
    match u {
        None | Some(UploadState::Pending) => t(lang, T::UpPending).to_string(),
        Some(UploadState::Uploaded) => t(lang, T::UpDone).to_string(),
        Some(UploadState::Retrying(_)) => t(lang, T::UpRetry).to_string(),
        Some(UploadState::Rejected(_)) => t(lang, T::UpRejected).to_string(),
        Some(UploadState::GaveUp(_)) => t(lang, T::UpGaveUp).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ardoise_erase::method::{FormatErase, SanitizeAction};

    #[test]
    fn the_boot_stick_is_protected_for_one_reason_and_others_list_theirs() {
        let mut info = ardoise_disk::discovery::file_target(std::path::Path::new("/dev/sdb"), 1);
        info.protected_reasons = vec![
            ProtectionReason::BootMedium {
                detail: "label ARDOISE_LIVE".into(),
            },
            ProtectionReason::Mounted {
                device: "/dev/sdb3".into(),
                mountpoint: "/data".into(),
            },
        ];
        assert_eq!(
            protection_reasons(Language::Fr, &info),
            "support de démarrage d'ardoise"
        );
        info.protected_reasons.remove(0);
        info.protected_reasons.push(ProtectionReason::Swap {
            device: "/dev/sdb2".into(),
        });
        let two = protection_reasons(Language::Fr, &info);
        assert!(two.contains("/data") && two.contains("/dev/sdb2"), "{two}");
    }

    #[test]
    fn every_method_has_a_short_name_that_fits_the_table() {
        let mut methods = vec![
            Method::MmcSanitize,
            Method::BlockSecureDiscard,
            Method::AtaSecurityErase { enhanced: true },
            Method::AtaSecurityErase { enhanced: false },
            Method::NvmeFormat {
                erase: FormatErase::Crypto,
            },
            Method::NvmeFormat {
                erase: FormatErase::UserData,
            },
        ];
        for a in [
            SanitizeAction::CryptoErase,
            SanitizeAction::BlockErase,
            SanitizeAction::Overwrite,
        ] {
            methods.push(Method::NvmeSanitize { action: a });
            methods.push(Method::AtaSanitize { action: a });
            methods.push(Method::ScsiSanitize { action: a });
        }
        for s in Scheme::IDS {
            methods.push(Method::Overwrite {
                scheme: s.to_string(),
            });
        }
        for lang in [Language::Fr, Language::En] {
            for m in &methods {
                let s = method_short(lang, m);
                assert!(s.chars().count() <= 15, "{s}");
                assert!(method_label(lang, m).chars().count() <= 60);
            }
        }
        assert_eq!(
            method_short(
                Language::Fr,
                &Method::Overwrite {
                    scheme: "gutmann".into()
                }
            ),
            "Réécriture 35p"
        );
    }
}
