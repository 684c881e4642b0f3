//! The certificate payload: a plain tree of serde structs, version 1.
//!
//! The station (crate `ardoise-station`) fills it from an erase result; this crate never sees
//! device types. Every field is always serialised (absent facts are `null`, never missing), so
//! a payload is self-describing and `docs/schema/certificate-v1.schema.json` can list every
//! field as required. Unknown fields are refused when reading.
//!
//! Numbers are integers only (no floats), so any JSON tool reads them the same way; ratios
//! are expressed in parts per million (`_ppm`).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

mod evidence;
pub use crate::host_hardware::{HostHardware, OsMinimum};
pub use crate::host_storage::HostStorage;
pub use evidence::{
    Evidence, EvidenceComparison, SamplePlanRecord, EVIDENCE_RULE_V1, SAMPLE_ALGORITHM_V2,
};

/// The value of [`Certificate::schema`] for this version.
pub const SCHEMA_ID: &str = "ardoise/erasure-certificate/v1";

time::serde::format_description!(date_ymd, Date, "[year]-[month]-[day]");

// `deserialize_with = "Option::deserialize"` below makes an `Option` field required but
// nullable when reading (serde would otherwise accept a missing field as `None`).

/// One signed erasure certificate: what was erased, how, how it was checked, and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// Schema identifier and version: always [`SCHEMA_ID`].
    pub schema: String,
    /// When the certificate was finalised and signed (RFC 3339, UTC). Key validity in the
    /// trust file is judged at this instant.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    pub issuer: Issuer,
    pub operator: Operator,
    pub tool: Tool,
    pub policy: Policy,
    pub provenance: Provenance,
    pub host: Host,
    pub media: Media,
    pub sanitization: Sanitization,
    pub verification: Verification,
    pub outcome: Outcome,
    /// What the operator attests was done to the host machine (not the disk); null when
    /// nobody attested (unattended runs). Missing in certificates made before the field
    /// existed, read as null.
    #[serde(default)]
    pub host_reset: Option<HostReset>,
    /// Where the device goes after sanitization; null when not recorded. Missing in older
    /// certificates, read as null.
    #[serde(default)]
    pub disposition: Option<Disposition>,
    /// Whether this disk is in the independent quality-control sample, recomputable from
    /// `issuer.key_id` and `journal.seq` (see [`qc_selected`]). Missing in older
    /// certificates, read as [`Qc::not_recorded`].
    #[serde(default = "Qc::not_recorded")]
    pub qc: Qc,
    /// Fixed statements of what this kind of erasure and check cannot prove; they travel with
    /// the signature so that no reader can miss them.
    pub limitations: Vec<Limitation>,
    /// Summary of the low-level command transcript kept by the station.
    pub transcript: TranscriptSummary,
    /// Position in the station's hash-chained journal.
    pub journal: JournalLink,
}

/// Who issued the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    /// Short stable identifier of the workshop (Ressourcerie/Recyclerie), e.g.
    /// `ressourcerie-pays-d-auge`. Must match the trust file entry of the signing key.
    pub workshop_id: String,
    /// Human name of the workshop.
    pub workshop_name: String,
    /// French SIRET of the workshop, when it has one.
    #[serde(deserialize_with = "Option::deserialize")]
    pub siret: Option<String>,
    /// Identifier of the erasure station within the workshop, e.g. `st-01`. Must match the
    /// trust file entry of the signing key.
    pub station_id: String,
    /// Key id of the station's signing key: lowercase hex blake3 of the 32-byte Ed25519
    /// public key. Must be the key that signed the envelope.
    pub key_id: String,
    /// Base URL of the registry the station submits to (used for the QR code), if any.
    #[serde(deserialize_with = "Option::deserialize")]
    pub registry_url: Option<String>,
}

/// The person who ran the erasure, pseudonymously (the registry log is permanent; the
/// mapping from id to person stays in the workshop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    /// Pseudonymous operator id: 1-64 characters from `A-Z a-z 0-9 . _ -` (no names, no
    /// e-mail addresses).
    pub id: String,
    /// Optional role, e.g. `technician`, `trainee`.
    #[serde(deserialize_with = "Option::deserialize")]
    pub role: Option<String>,
}

/// The software that erased and its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// Always `ardoise` for certificates from this project.
    pub name: String,
    /// Version of the tool, e.g. `0.1.0`.
    pub version: String,
    /// Build identifier (git commit), if known.
    #[serde(deserialize_with = "Option::deserialize")]
    pub build: Option<String>,
    /// Digest of the booted live image as `<algorithm>:<lowercase hex>` (e.g. `sha256:…`),
    /// so an auditor can match it to a published release; null when not booted from an image.
    #[serde(deserialize_with = "Option::deserialize")]
    pub image_digest: Option<String>,
}

/// The erasure policy (method choice rules, verification parameters) that was applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Policy name, e.g. `default-purge`.
    pub id: String,
    /// Version of the policy.
    pub version: String,
    /// Digest of the policy file as `<algorithm>:<lowercase hex>` (e.g. `blake3:…`).
    #[serde(deserialize_with = "Option::deserialize")]
    pub digest: Option<String>,
}

/// Where the machine came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The donor organisation (no personal contact details).
    pub donor: Donor,
    /// Reference of the donation: convention, procès-verbal de cession, …
    #[serde(deserialize_with = "Option::deserialize")]
    pub donation_ref: Option<String>,
    /// Lot number given at intake.
    #[serde(deserialize_with = "Option::deserialize")]
    pub lot: Option<String>,
    /// Date the machine entered the workshop (`YYYY-MM-DD`).
    #[serde(with = "date_ymd::option")]
    pub intake_date: Option<Date>,
}

/// A donor organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Donor {
    /// Name of the organisation.
    pub name: String,
    /// French SIREN of the organisation, when it has one.
    #[serde(deserialize_with = "Option::deserialize")]
    pub siren: Option<String>,
}

/// The machine the disk was in (or attached to) when erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    /// The workshop's own label for the machine (barcode / sticker).
    #[serde(deserialize_with = "Option::deserialize")]
    pub asset_tag: Option<String>,
    /// Identity read from SMBIOS/DMI.
    pub smbios: Smbios,
    /// The machine's storage controllers and whether every disk was visible; null when the
    /// station did not survey them. Missing in certificates made before the field existed,
    /// read as null.
    #[serde(default)]
    pub storage: Option<HostStorage>,
    /// What decides reuse: CPU, memory, TPM, batteries, displays, operating-system minimums;
    /// null when the station did not survey them. Missing in older certificates, read as null.
    #[serde(default)]
    pub hardware: Option<HostHardware>,
    /// Random id (32 lowercase hex digits) the station draws for one machine: the
    /// certificates of the disks of one machine share it, so that a registry counts machines,
    /// not disks. Null when not recorded; missing in older certificates, read as null.
    #[serde(default)]
    pub machine_session: Option<String>,
}

/// SMBIOS/DMI identity of the host; every field is null when not reported by the firmware.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smbios {
    #[serde(deserialize_with = "Option::deserialize")]
    pub system_manufacturer: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub system_product: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub system_version: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub system_serial: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub system_uuid: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub board_serial: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub chassis_serial: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub chassis_asset_tag: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub bios_vendor: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub bios_version: Option<String>,
}

/// Kind of storage medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    /// Rotating magnetic disk.
    Hdd,
    /// Flash SSD on ATA or SAS.
    Ssd,
    /// NVMe flash.
    NvmeSsd,
    /// Hybrid (SSHD).
    Hybrid,
    /// eMMC or SD flash.
    Emmc,
    /// USB flash stick or card reader.
    UsbFlash,
    /// Virtual disk (tests, virtual machines).
    Virtual,
    /// A RAID controller's logical volume: the member disks were not reached one by one.
    RaidVolume,
    Unknown,
}

impl MediaType {
    /// Whether the medium is (or may be) flash with spare area the host cannot address.
    pub fn has_hidden_flash(self) -> bool {
        matches!(
            self,
            MediaType::Ssd
                | MediaType::NvmeSsd
                | MediaType::Hybrid
                | MediaType::Emmc
                | MediaType::UsbFlash
                | MediaType::RaidVolume
                | MediaType::Unknown
        )
    }
}

/// How the medium is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaTransport {
    Ata,
    Sas,
    Nvme,
    Usb,
    Mmc,
    Virtio,
    Loop,
    File,
    Simulated,
    Other,
}

/// The erased medium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    /// Manufacturer / vendor as reported.
    #[serde(deserialize_with = "Option::deserialize")]
    pub manufacturer: Option<String>,
    pub model: String,
    /// Serial number as reported (may be empty for some USB bridges: see `wwn`/`eui64`).
    pub serial: String,
    /// Firmware revision.
    #[serde(deserialize_with = "Option::deserialize")]
    pub firmware: Option<String>,
    /// ATA/SCSI world-wide name (lowercase hex, no prefix).
    #[serde(deserialize_with = "Option::deserialize")]
    pub wwn: Option<String>,
    /// NVMe IEEE EUI-64 (lowercase hex).
    #[serde(deserialize_with = "Option::deserialize")]
    pub eui64: Option<String>,
    /// NVMe namespace globally unique identifier (lowercase hex).
    #[serde(deserialize_with = "Option::deserialize")]
    pub nguid: Option<String>,
    #[serde(rename = "type")]
    pub media_type: MediaType,
    pub transport: MediaTransport,
    /// User-addressable capacity in bytes: `lba_count × logical_sector_size`.
    pub capacity_bytes: u64,
    /// Number of user-addressable logical blocks (after any hidden-area change).
    pub lba_count: u64,
    pub logical_sector_size: u32,
    pub physical_sector_size: u32,
    pub hidden_areas: HiddenAreas,
    /// Erase-related capabilities detected on the device.
    pub capabilities: Vec<Capability>,
    pub health: Health,
    /// Every NVMe namespace the erase command reached when it reached more than this one
    /// (Sanitize acts on the whole subsystem; Format with FNA bit 0 or 1 on every namespace),
    /// this one first; empty when the command reached only this medium. Missing in older
    /// certificates, read as empty.
    #[serde(default)]
    pub namespaces: Vec<MediaNamespace>,
}

/// A namespace an erase command reached (see [`Media::namespaces`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaNamespace {
    /// Namespace id, when the kernel reported it.
    #[serde(deserialize_with = "Option::deserialize")]
    pub nsid: Option<u32>,
    /// The device node it had on the erasing machine (`/dev/nvme0n2`).
    pub device: String,
    pub capacity_bytes: u64,
    #[serde(deserialize_with = "Option::deserialize")]
    pub nguid: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub eui64: Option<String>,
}

/// Hidden areas (ATA HPA/DCO/AMA) before and after the erasure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HiddenAreas {
    pub before: HiddenAreaState,
    pub after: HiddenAreaState,
    /// What was done about them, e.g. "HPA removed (SET MAX to native max)".
    #[serde(deserialize_with = "Option::deserialize")]
    pub action: Option<String>,
}

/// Hidden-area state at one instant. `null` means "could not be determined".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HiddenAreaState {
    /// Logical blocks visible to the host.
    #[serde(deserialize_with = "Option::deserialize")]
    pub visible_sectors: Option<u64>,
    /// Native maximum (what the device has without HPA/DCO).
    #[serde(deserialize_with = "Option::deserialize")]
    pub native_sectors: Option<u64>,
    /// Host Protected Area active.
    #[serde(deserialize_with = "Option::deserialize")]
    pub hpa: Option<bool>,
    /// Device Configuration Overlay reducing capacity or features.
    #[serde(deserialize_with = "Option::deserialize")]
    pub dco: Option<bool>,
}

/// One detected capability, e.g. `ata-sanitize-block-erase` available, or
/// `ata-security-erase` unavailable because the drive is frozen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capability {
    /// Kebab-case identifier from the technique vocabulary (docs/certificate.md).
    pub id: String,
    /// Whether it could be used on this device in this session.
    pub available: bool,
    /// Why not, or a qualifier (e.g. "frozen", "estimated 120 min").
    #[serde(deserialize_with = "Option::deserialize")]
    pub detail: Option<String>,
}

/// Health grade, same rule set as `ardoise-disk`'s health module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthGrade {
    Good,
    Worn,
    Failing,
    Unknown,
}

/// SMART / NVMe health summary at erase time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    pub grade: HealthGrade,
    /// Why the grade is not `good`.
    pub reasons: Vec<String>,
    /// Where the figures came from, e.g. `ata-smart`, `nvme-smart-log`.
    #[serde(deserialize_with = "Option::deserialize")]
    pub source: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub power_on_hours: Option<u64>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub reallocated_sectors: Option<u64>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub pending_sectors: Option<u64>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub uncorrectable_sectors: Option<u64>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub media_errors: Option<u64>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub percentage_used: Option<u8>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub available_spare: Option<u8>,
    /// blake3 (lowercase hex) of the raw SMART data as read, kept by the station.
    #[serde(deserialize_with = "Option::deserialize")]
    pub raw_blake3: Option<String>,
}

/// NIST SP 800-88 sanitization level. `destroy` is never claimed by software.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Clear,
    Purge,
}

/// How one step of the sanitization ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Completed,
    Failed,
    Aborted,
    Skipped,
}

/// One command or pass, in order (e.g. crypto erase, then overwrite).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SanitizationStep {
    /// Technique id (same vocabulary as [`Sanitization::technique`]).
    pub technique: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ended_at: OffsetDateTime,
    pub status: StepStatus,
    /// Device-reported status after this step, in words.
    #[serde(deserialize_with = "Option::deserialize")]
    pub device_status: Option<String>,
}

/// Error counts of the sanitization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorCounts {
    /// I/O or command errors seen.
    pub io_errors: u64,
    /// Retries performed.
    pub retries: u64,
    /// Sectors that could not be written or read.
    pub unreadable_sectors: u64,
    /// The first unreadable LBAs (at most 100), ascending.
    pub unreadable_lbas: Vec<u64>,
}

/// The device's own report after the command (ATA Sanitize status, NVMe Sanitize Status log,
/// completion codes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceStatus {
    /// In words, e.g. "ATA SANITIZE STATUS: SD4 operation succeeded".
    pub summary: String,
    /// Raw status bytes in lowercase hex, if any.
    #[serde(deserialize_with = "Option::deserialize")]
    pub raw: Option<String>,
}

/// What was done to the medium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sanitization {
    pub level_requested: Level,
    /// The level actually reached, or null when the medium cannot be considered sanitized.
    #[serde(deserialize_with = "Option::deserialize")]
    pub level_achieved: Option<Level>,
    /// Main technique id, e.g. `ata-sanitize-block-erase`, `nvme-sanitize-crypto-erase`,
    /// `nvme-format-crypto-erase`, `ata-security-erase-enhanced`, `emmc-sanitize`,
    /// `overwrite`.
    pub technique: String,
    /// Why this technique was chosen (planner's reason).
    pub reason: String,
    /// Standard claimed, e.g. "NIST SP 800-88r1 purge"; null when none is claimed.
    #[serde(deserialize_with = "Option::deserialize")]
    pub standard_claimed: Option<String>,
    /// Every step in order.
    pub steps: Vec<SanitizationStep>,
    /// Overwrite passes requested / completed (null for firmware techniques).
    #[serde(deserialize_with = "Option::deserialize")]
    pub passes_requested: Option<u32>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub passes_completed: Option<u32>,
    /// Pattern of the final pass, e.g. `zeros`, `aes-ctr-stream`, `0x55`.
    #[serde(deserialize_with = "Option::deserialize")]
    pub pattern: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ended_at: OffsetDateTime,
    /// Bytes written by the host (0 for firmware techniques).
    pub bytes_written: u64,
    pub errors: ErrorCounts,
    /// The device's status after the command, when it reports one.
    #[serde(deserialize_with = "Option::deserialize")]
    pub device_status: Option<DeviceStatus>,
}

/// Verification method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    /// Every logical block read back.
    Full,
    /// NIST SP 800-88r1 §4.7 stratified pseudorandom sampling.
    StratifiedSample,
    /// Crypto-erase check: the same sampled blocks compared before and after.
    CePrePostCompare,
    /// Not verified.
    None,
}

/// Result of the verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationResult {
    Pass,
    Fail,
    NotRun,
}

/// Sampling parameters (null where they do not apply, e.g. for a full read-back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationParameters {
    #[serde(deserialize_with = "Option::deserialize")]
    pub subsections: Option<u64>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub samples_per_subsection: Option<u32>,
    /// Bytes read per sample.
    #[serde(deserialize_with = "Option::deserialize")]
    pub sample_bytes: Option<u64>,
    /// First and last logical block included.
    pub include_first_last: bool,
    /// Total number of sampled locations actually read.
    pub samples: u64,
    /// Total bytes read back.
    pub bytes_read: u64,
    /// Share of the user-addressable capacity read back, in parts per million:
    /// `min(10^6, floor(bytes_read × 10^6 / media.capacity_bytes))`.
    pub coverage_ppm: u64,
}

/// What the verification can claim, from the real number of samples (DESIGN.md: if a
/// fraction f is unerased and n samples are read, the chance to miss it is (1−f)^n).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assurance {
    /// Confidence level the next field is stated at, in percent (e.g. 99).
    pub confidence_percent: u32,
    /// Smallest scattered unerased fraction (ppm) that would have been detected with at least
    /// that confidence.
    pub detectable_fraction_ppm: u64,
    /// Length of a contiguous unerased region that is detected with certainty by stratified
    /// sampling (two subsections), in bytes; null when sampling is not stratified.
    #[serde(deserialize_with = "Option::deserialize")]
    pub contiguous_certain_bytes: Option<u64>,
    /// The same in one sentence (English).
    pub statement: String,
}

impl Assurance {
    /// Computes the assurance of `samples` uniformly random samples at `confidence_percent`
    /// (1..=99): the smallest f with 1 − (1 − f)^n ≥ c, i.e. f = 1 − (1 − c)^(1/n), rounded up
    /// to the next ppm.
    pub fn from_samples(
        samples: u64,
        confidence_percent: u32,
        stratified_subsections: Option<u64>,
        capacity_bytes: u64,
    ) -> Assurance {
        let c = (confidence_percent.clamp(1, 99)) as f64 / 100.0;
        let ppm = if samples == 0 {
            1_000_000
        } else {
            let f = 1.0 - (1.0 - c).powf(1.0 / samples as f64);
            ((f * 1_000_000.0).ceil() as u64).clamp(1, 1_000_000)
        };
        let contiguous = stratified_subsections
            .filter(|s| *s > 0)
            .map(|s| capacity_bytes.div_ceil(s) * 2);
        let mut statement = format!(
            "{samples} samples: a scattered unerased share of {} or more would have been detected \
             with probability at least {confidence_percent} %",
            ppm_text(ppm)
        );
        if let Some(c) = contiguous {
            statement.push_str(&format!(
                "; any contiguous unerased region of {c} bytes or more is always detected"
            ));
        }
        statement.push('.');
        Assurance {
            confidence_percent: confidence_percent.clamp(1, 99),
            detectable_fraction_ppm: ppm,
            contiguous_certain_bytes: contiguous,
            statement,
        }
    }
}

/// Share of `capacity_bytes` covered by `bytes_read`, in parts per million, rounded down and
/// capped at 1,000,000: the exact rule [`VerificationParameters::coverage_ppm`] must follow.
pub fn coverage_ppm(bytes_read: u64, capacity_bytes: u64) -> u64 {
    if capacity_bytes == 0 {
        return 0;
    }
    ((bytes_read as u128 * 1_000_000) / capacity_bytes as u128).min(1_000_000) as u64
}

/// A ppm figure as a percentage with enough decimals.
pub fn ppm_text(ppm: u64) -> String {
    let whole = ppm / 10_000;
    let frac = ppm % 10_000;
    if frac == 0 {
        format!("{whole} %")
    } else {
        let s = format!("{whole}.{frac:04}");
        format!("{} %", s.trim_end_matches('0'))
    }
}

/// How the erasure was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    pub method: VerificationMethod,
    pub parameters: VerificationParameters,
    /// Seed the sample positions are derived from (lowercase hex), so an auditor can
    /// recompute which blocks were read; null when not sampled.
    #[serde(deserialize_with = "Option::deserialize")]
    pub seed: Option<String>,
    /// What the blocks were expected to contain: `zeros`, `pattern`, `deallocated`,
    /// `changed-vs-pre`, `read-error`.
    pub expected_state: String,
    pub result: VerificationResult,
    /// Samples that did not match the expected state.
    pub mismatches: u64,
    /// Byte offsets of the first mismatches (at most 100), ascending.
    pub mismatch_offsets: Vec<u64>,
    /// Samples that could not be read.
    pub unreadable_samples: u64,
    #[serde(deserialize_with = "Option::deserialize")]
    pub assurance: Option<Assurance>,
    /// How the sample positions were drawn; null for a full read-back. Missing in
    /// certificates made before the field existed, read as null.
    #[serde(default)]
    pub sample_plan: Option<SamplePlanRecord>,
    /// What the before/after comparisons of a firmware erase prove; null for pattern checks.
    /// Missing in older certificates, read as null.
    #[serde(default)]
    pub evidence: Option<Evidence>,
}

/// Overall outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    /// The requested level was reached and verified; no exceptions.
    Erased,
    /// A level was reached but with listed exceptions (e.g. unreadable sectors, hidden area
    /// that could not be removed).
    ErasedWithExceptions,
    /// The medium must not be considered erased.
    NotErased,
}

/// The outcome and its exceptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub status: OutcomeStatus,
    pub exceptions: Vec<Exception>,
}

/// One exception to a clean erasure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// Kebab-case code, e.g. `unreadable-sectors`, `hpa-not-removed`, `verification-failed`.
    pub code: String,
    /// In words.
    pub detail: String,
}

/// Statements the operator attests about the host machine after the erasure (ANSSI
/// reconditioning guide: firmware settings, TPM, biometric templates, stickers). Each item is
/// `true` (attested done), `false` (attested not done) or null (not attested: nobody said).
/// The station never fills an item on its own; these are the operator's word, not a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostReset {
    /// Firmware (UEFI/BIOS) settings reset to factory defaults, passwords removed.
    #[serde(deserialize_with = "Option::deserialize")]
    pub firmware_settings_reset: Option<bool>,
    /// TPM cleared (owner hierarchy reset).
    #[serde(deserialize_with = "Option::deserialize")]
    pub tpm_cleared: Option<bool>,
    /// Fingerprint / face templates stored by the reader or firmware deleted.
    #[serde(deserialize_with = "Option::deserialize")]
    pub biometric_templates_cleared: Option<bool>,
    /// Stickers, asset labels and engravings of the previous owner removed.
    #[serde(deserialize_with = "Option::deserialize")]
    pub labels_removed: Option<bool>,
    /// Pseudonymous id of the operator who attests (same rules as `operator.id`).
    pub attested_by: String,
}

impl HostReset {
    /// The four items in document order, with their field names.
    pub fn items(&self) -> [(&'static str, Option<bool>); 4] {
        [
            ("firmware_settings_reset", self.firmware_settings_reset),
            ("tpm_cleared", self.tpm_cleared),
            (
                "biometric_templates_cleared",
                self.biometric_templates_cleared,
            ),
            ("labels_removed", self.labels_removed),
        ]
    }
}

/// Where a sanitized device goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    /// Reused whole: sale or donation.
    Reuse,
    /// Dismantled for spare parts.
    Parts,
    /// Recycled as WEEE (DEEE) through an eco-organisme.
    Recycling,
}

impl Destination {
    pub fn as_str(self) -> &'static str {
        match self {
            Destination::Reuse => "reuse",
            Destination::Parts => "parts",
            Destination::Recycling => "recycling",
        }
    }

    pub fn parse(s: &str) -> Option<Destination> {
        match s {
            "reuse" => Some(Destination::Reuse),
            "parts" => Some(Destination::Parts),
            "recycling" => Some(Destination::Recycling),
            _ => None,
        }
    }
}

/// The post-sanitization destination of the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disposition {
    pub destination: Destination,
    /// Free text, e.g. the buyer programme or the eco-organisme; no personal data.
    #[serde(deserialize_with = "Option::deserialize")]
    pub detail: Option<String>,
    /// What the workshop's reuse policy suggested from `host.hardware` and the disks' health
    /// (the technician chose `destination`, which may differ); null when no grade was made.
    /// Missing in older certificates, read as null.
    #[serde(default)]
    pub suggestion: Option<Suggestion>,
}

/// The destination a workshop's reuse policy suggests, with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suggestion {
    pub destination: Destination,
    /// Id of the reuse policy that graded the machine (the station's `[reuse] id`).
    pub policy: String,
    /// Why, in order: each a code of the vocabulary in docs/certificate.md and its detail.
    pub reasons: Vec<SuggestionReason>,
}

/// One reason of a [`Suggestion`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuggestionReason {
    /// Kebab-case code, e.g. `battery-worn`, `cpu-below-minimum`, `meets-policy`.
    pub code: String,
    /// In words (English), with the figures.
    pub detail: String,
}

/// Identifier of the quality-control selection rule implemented by [`qc_selected`]: the
/// station can compute it before it erases (kept for older certificates; a registry that
/// enforces the network's rate refuses it).
pub const QC_RULE_V1: &str = "blake3-key-seq-v1";
/// The selection rule decided by the registry's log: the draw hashes the certificate id with
/// the registry's signature on the first checkpoint that includes the certificate, which
/// nobody knows before the certificate is logged (see [`crate::statement::qc_log_draw`]).
/// The certificate carries `selected: false` (not decided when signed); the registry's
/// signed receipt statement says the selection.
pub const QC_RULE_LOG_V1: &str = "registry-log-v1";
/// The rule of certificates that carry no QC selection (made before the field existed).
pub const QC_RULE_NONE: &str = "none";
/// Domain-separation prefix hashed before the key id and sequence number.
pub const QC_DOMAIN: &str = "ardoise-qc-v1";

/// The draw of rule [`QC_RULE_V1`] for one certificate, in 0..1_000_000: the first 8 bytes
/// (little-endian u64) of blake3(`ardoise-qc-v1` ‖ key_id ‖ `:` ‖ seq in decimal), modulo
/// 1,000,000. Anyone can recompute it from `issuer.key_id` and `journal.seq`.
pub fn qc_draw(key_id: &str, seq: u64) -> u32 {
    let digest = blake3::hash(format!("{QC_DOMAIN}{key_id}:{seq}").as_bytes());
    let first: [u8; 8] = digest.as_bytes()[..8]
        .try_into()
        .expect("blake3 gives 32 bytes");
    (u64::from_le_bytes(first) % 1_000_000) as u32
}

/// Whether rule [`QC_RULE_V1`] selects the certificate of `key_id` at journal `seq` for
/// quality control at `rate_ppm`: `qc_draw(key_id, seq) < rate_ppm`.
pub fn qc_selected(key_id: &str, seq: u64, rate_ppm: u32) -> bool {
    qc_draw(key_id, seq) < rate_ppm
}

/// Selection for independent quality control (NIST SP 800-88r1 §4.7 secondary verification;
/// R2v3 asks for at least 5 %): a later validation record refers to the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qc {
    /// In the sample. Must equal what `rule` gives for this certificate.
    pub selected: bool,
    /// Sampling rate of the policy, parts per million (0-1,000,000).
    pub rate_ppm: u32,
    /// The selection rule: [`QC_RULE_V1`] or [`QC_RULE_NONE`].
    pub rule: String,
}

impl Qc {
    /// What a certificate without the field reads as: no selection, rate 0, rule `none`.
    pub fn not_recorded() -> Qc {
        Qc {
            selected: false,
            rate_ppm: 0,
            rule: QC_RULE_NONE.into(),
        }
    }

    /// Rule [`QC_RULE_LOG_V1`] at `rate_ppm`: the registry decides when it logs the
    /// certificate, so the station cannot know (or steer) the selection when it signs.
    pub fn sampled(rate_ppm: u32) -> Qc {
        Qc {
            selected: false,
            rate_ppm,
            rule: QC_RULE_LOG_V1.into(),
        }
    }

    /// What `rule` gives for the certificate of `key_id` at `seq`; `None` for an unknown rule.
    /// Rule [`QC_RULE_LOG_V1`] gives `false` here: nothing is decided at signing time.
    pub fn expected(&self, key_id: &str, seq: u64) -> Option<bool> {
        match self.rule.as_str() {
            QC_RULE_V1 => Some(qc_selected(key_id, seq, self.rate_ppm)),
            QC_RULE_NONE | QC_RULE_LOG_V1 => Some(false),
            _ => None,
        }
    }
}

impl Certificate {
    /// Sets `qc.selected` from its rule, `issuer.key_id` and `journal.seq` (called by the
    /// store once those are final). An unknown rule is left alone (validation refuses it).
    pub fn apply_qc_rule(&mut self) {
        if let Some(s) = self.qc.expected(&self.issuer.key_id, self.journal.seq) {
            self.qc.selected = s;
        }
    }
}

/// A fixed limitation statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limitation {
    pub code: String,
    pub text: String,
}

/// Limitation codes and texts the station attaches.
pub mod limitations {
    use super::Limitation;

    pub const HOST_READBACK_SPARE_FLASH: &str = "host-readback-cannot-see-spare-flash";
    pub const FIRMWARE_TRUSTED: &str = "firmware-command-trusted";
    pub const BAD_SECTORS_NOT_COVERED: &str = "bad-sectors-not-covered";
    pub const NO_CONFORMANCE_CLAIM: &str = "no-ieee-2883-claim";
    pub const RAID_MEMBERS_NOT_SANITISED: &str = "raid-members-not-individually-sanitised";

    /// A RAID volume was overwritten, not the disks it is made of.
    pub fn raid_members_not_sanitised() -> Limitation {
        Limitation {
            code: RAID_MEMBERS_NOT_SANITISED.into(),
            text: "This is a RAID controller's logical volume: it was overwritten through the \
                   controller, and its member disks were not individually sanitised (their \
                   spare, metadata and unused areas, and any disk outside the volume, were not \
                   reached)."
                .into(),
        }
    }

    /// Host read-back sees only logical blocks, never spare or over-provisioned flash.
    pub fn host_readback_spare_flash() -> Limitation {
        Limitation {
            code: HOST_READBACK_SPARE_FLASH.into(),
            text: "Host read-back sees only the logical blocks; it cannot observe spare, \
                   over-provisioned or remapped flash."
                .into(),
        }
    }

    /// A firmware command's result is the drive's own claim, checked only by sampling.
    pub fn firmware_trusted() -> Limitation {
        Limitation {
            code: FIRMWARE_TRUSTED.into(),
            text: "A firmware sanitize command is executed by the drive; its completeness is \
                   the manufacturer's claim, checked here only by read-back."
                .into(),
        }
    }

    /// Sectors remapped or unreadable may keep old data.
    pub fn bad_sectors_not_covered() -> Limitation {
        Limitation {
            code: BAD_SECTORS_NOT_COVERED.into(),
            text: "Sectors the drive has remapped or cannot read may still hold old data.".into(),
        }
    }

    /// No conformance to IEEE 2883 is claimed.
    pub fn no_conformance_claim() -> Limitation {
        Limitation {
            code: NO_CONFORMANCE_CLAIM.into(),
            text: "No conformance to IEEE 2883 is claimed.".into(),
        }
    }
}

/// One command of the transcript, summarised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSummary {
    /// Position in the transcript (0-based).
    pub seq: u32,
    /// `ata`, `scsi`, `nvme`, `mmc` or `block`.
    pub protocol: String,
    /// Human name of the command, e.g. "SANITIZE BLOCK ERASE".
    pub name: String,
    /// The device's answer in words.
    pub outcome: String,
    pub ok: bool,
}

/// Summary of the low-level command transcript: its digest and each command's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptSummary {
    /// blake3 (lowercase hex) of the transcript in JSON-lines form, as computed by
    /// `ardoise_disk::record::Transcript::digest`.
    pub blake3: String,
    pub commands: Vec<CommandSummary>,
}

/// Link into the station's journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalLink {
    /// Sequence number at this station, from 0.
    pub seq: u64,
    /// blake3 (lowercase hex) of the previous certificate's envelope bytes (the exact bytes
    /// of its `.dsse.json` file); null only for seq 0.
    #[serde(deserialize_with = "Option::deserialize")]
    pub prev_envelope_blake3: Option<String>,
}

fn ts(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .expect("example timestamp")
}

impl Certificate {
    /// A complete, consistent certificate with every field filled: the fixture used by tests
    /// and documentation (an NVMe SSD purged by crypto erase followed by a block erase).
    pub fn example() -> Certificate {
        let capacity_lbas = 500_118_192u64;
        let sector = 512u32;
        let capacity = capacity_lbas * sector as u64;
        Certificate {
            schema: SCHEMA_ID.into(),
            issued_at: ts("2025-11-26T10:42:17Z"),
            issuer: Issuer {
                workshop_id: "ressourcerie-pays-d-auge".into(),
                workshop_name: "Ressourcerie du Pays d'Auge".into(),
                siret: Some("12345678900012".into()),
                station_id: "st-01".into(),
                key_id: "0000000000000000000000000000000000000000000000000000000000000000".into(),
                registry_url: Some("https://registre.example.org".into()),
            },
            operator: Operator {
                id: "op-7f3a".into(),
                role: Some("technician".into()),
            },
            tool: Tool {
                name: "ardoise".into(),
                version: "0.1.0".into(),
                build: Some("8af7e06".into()),
                image_digest: Some(
                    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                        .into(),
                ),
            },
            policy: Policy {
                id: "default-purge".into(),
                version: "1".into(),
                digest: Some(
                    "blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
                        .into(),
                ),
            },
            provenance: Provenance {
                donor: Donor {
                    name: "Communauté de communes de Lisieux".into(),
                    siren: Some("200069532".into()),
                },
                donation_ref: Some("PV-2025-041".into()),
                lot: Some("LOT-2025-11-03".into()),
                intake_date: Some(
                    Date::from_calendar_date(2025, time::Month::November, 3).unwrap(),
                ),
            },
            host: Host {
                asset_tag: Some("RPA-004217".into()),
                smbios: Smbios {
                    system_manufacturer: Some("LENOVO".into()),
                    system_product: Some("20L5S02E00".into()),
                    system_version: Some("ThinkPad T480".into()),
                    system_serial: Some("PF1ABCDE".into()),
                    system_uuid: Some("4c4c4544-0042-3510-8052-b4c04f4a3732".into()),
                    board_serial: Some("L1HF8AB01CD".into()),
                    chassis_serial: Some("PF1ABCDE".into()),
                    chassis_asset_tag: Some("No Asset Information".into()),
                    bios_vendor: Some("LENOVO".into()),
                    bios_version: Some("N24ET76W (1.51 )".into()),
                },
                storage: Some(HostStorage::example()),
                hardware: Some(HostHardware::example()),
                machine_session: Some("6f1c0e9a2b7d4c35a8e1f0b3d2c4e5a7".into()),
            },
            media: Media {
                manufacturer: Some("Samsung".into()),
                model: "SAMSUNG MZVLB256HBHQ-000L7".into(),
                serial: "S4ELNX0N123456".into(),
                firmware: Some("4L7QEXA7".into()),
                wwn: None,
                eui64: Some("002538b781b2c3d4".into()),
                nguid: Some("002538b7f1b2c3d4e5f60718293a4b5c".into()),
                media_type: MediaType::NvmeSsd,
                transport: MediaTransport::Nvme,
                capacity_bytes: capacity,
                lba_count: capacity_lbas,
                logical_sector_size: sector,
                physical_sector_size: sector,
                hidden_areas: HiddenAreas {
                    before: HiddenAreaState {
                        visible_sectors: Some(capacity_lbas),
                        native_sectors: Some(capacity_lbas),
                        hpa: Some(false),
                        dco: Some(false),
                    },
                    after: HiddenAreaState {
                        visible_sectors: Some(capacity_lbas),
                        native_sectors: Some(capacity_lbas),
                        hpa: Some(false),
                        dco: Some(false),
                    },
                    action: Some("none needed (NVMe has no HPA/DCO)".into()),
                },
                capabilities: vec![
                    Capability {
                        id: "nvme-sanitize-crypto-erase".into(),
                        available: true,
                        detail: None,
                    },
                    Capability {
                        id: "nvme-sanitize-block-erase".into(),
                        available: true,
                        detail: None,
                    },
                    Capability {
                        id: "nvme-sanitize-overwrite".into(),
                        available: false,
                        detail: Some("SANICAP OWS=0".into()),
                    },
                    Capability {
                        id: "nvme-format-crypto-erase".into(),
                        available: true,
                        detail: Some("FNA: format applies to all namespaces".into()),
                    },
                ],
                health: Health {
                    grade: HealthGrade::Worn,
                    reasons: vec!["power-on hours above 50,000".into()],
                    source: Some("nvme-smart-log".into()),
                    power_on_hours: Some(51_234),
                    reallocated_sectors: None,
                    pending_sectors: None,
                    uncorrectable_sectors: None,
                    media_errors: Some(0),
                    percentage_used: Some(7),
                    available_spare: Some(100),
                    raw_blake3: Some(
                        "5d9c3e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d".into(),
                    ),
                },
                namespaces: Vec::new(),
            },
            sanitization: Sanitization {
                level_requested: Level::Purge,
                level_achieved: Some(Level::Purge),
                technique: "nvme-sanitize-crypto-erase".into(),
                reason: "strongest purge the drive supports; followed by a block erase so that \
                         the result can be verified by read-back"
                    .into(),
                standard_claimed: Some("NIST SP 800-88r1 purge".into()),
                steps: vec![
                    SanitizationStep {
                        technique: "nvme-sanitize-crypto-erase".into(),
                        started_at: ts("2025-11-26T10:30:02Z"),
                        ended_at: ts("2025-11-26T10:30:09Z"),
                        status: StepStatus::Completed,
                        device_status: Some(
                            "sanitize log SSTAT=0x0101: completed successfully".into(),
                        ),
                    },
                    SanitizationStep {
                        technique: "nvme-sanitize-block-erase".into(),
                        started_at: ts("2025-11-26T10:30:10Z"),
                        ended_at: ts("2025-11-26T10:31:40Z"),
                        status: StepStatus::Completed,
                        device_status: Some(
                            "sanitize log SSTAT=0x0101: completed successfully".into(),
                        ),
                    },
                ],
                passes_requested: None,
                passes_completed: None,
                pattern: None,
                started_at: ts("2025-11-26T10:30:02Z"),
                ended_at: ts("2025-11-26T10:31:40Z"),
                bytes_written: 0,
                errors: ErrorCounts {
                    io_errors: 0,
                    retries: 0,
                    unreadable_sectors: 0,
                    unreadable_lbas: vec![],
                },
                device_status: Some(DeviceStatus {
                    summary:
                        "NVMe Sanitize Status log: most recent sanitize completed successfully"
                            .into(),
                    raw: Some("01010000ffffffff".into()),
                }),
            },
            verification: Verification {
                method: VerificationMethod::CePrePostCompare,
                parameters: VerificationParameters {
                    subsections: Some(1000),
                    samples_per_subsection: Some(2),
                    sample_bytes: Some(1_048_576),
                    include_first_last: true,
                    samples: 2002,
                    bytes_read: 2002 * 1_048_576,
                    coverage_ppm: coverage_ppm(2002 * 1_048_576, capacity),
                },
                seed: Some("6a09e667f3bcc908bb67ae8584caa73b".into()),
                expected_state: "changed-vs-pre".into(),
                result: VerificationResult::Pass,
                mismatches: 0,
                mismatch_offsets: vec![],
                unreadable_samples: 0,
                assurance: Some(Assurance::from_samples(2002, 99, Some(1000), capacity)),
                sample_plan: Some(SamplePlanRecord {
                    algorithm: SAMPLE_ALGORITHM_V2.into(),
                    device_bytes: capacity,
                    sector_size: sector,
                    strata: 1000,
                    samples_per_stratum: 2,
                    // 1 MiB samples on this disk.
                    coverage_ppm_requested: 8190,
                    min_sample_bytes: 4096,
                    edge_bytes: 1_048_576,
                    unit_bytes: 4096,
                    extents: 2002,
                    bytes_planned: 2002 * 1_048_576,
                }),
                evidence: Some(Evidence {
                    rule: EVIDENCE_RULE_V1.into(),
                    block_bytes: 4096,
                    min_informative_share_ppm: 10_000,
                    comparisons: vec![
                        EvidenceComparison {
                            stage: "after-crypto-erase".into(),
                            informative_blocks: 512_512,
                            uninformative_blocks: 0,
                        },
                        EvidenceComparison {
                            stage: "final".into(),
                            informative_blocks: 118_316,
                            uninformative_blocks: 394_196,
                        },
                    ],
                }),
            },
            outcome: Outcome {
                status: OutcomeStatus::Erased,
                exceptions: vec![],
            },
            host_reset: Some(HostReset {
                firmware_settings_reset: Some(true),
                tpm_cleared: Some(true),
                biometric_templates_cleared: None,
                labels_removed: Some(true),
                attested_by: "op-7f3a".into(),
            }),
            disposition: Some(Disposition {
                destination: Destination::Reuse,
                detail: Some("battery replaced; sold in the workshop shop".into()),
                suggestion: Some(Suggestion {
                    destination: Destination::Parts,
                    policy: "reuse-default".into(),
                    reasons: vec![
                        SuggestionReason {
                            code: "battery-worn".into(),
                            detail: "battery BAT0 holds 44 % of its design capacity (policy: at least 50 %)".into(),
                        },
                        SuggestionReason {
                            code: "parts-worth-keeping".into(),
                            detail: "8 GiB of DDR4 memory".into(),
                        },
                    ],
                }),
            }),
            // Rate 1,000,000: every certificate is selected, whatever key signs the fixture.
            qc: Qc {
                selected: true,
                rate_ppm: 1_000_000,
                rule: QC_RULE_V1.into(),
            },
            limitations: vec![
                limitations::host_readback_spare_flash(),
                limitations::firmware_trusted(),
                limitations::no_conformance_claim(),
            ],
            transcript: TranscriptSummary {
                blake3: blake3::hash(b"example transcript").to_hex().to_string(),
                commands: vec![
                    CommandSummary {
                        seq: 0,
                        protocol: "nvme".into(),
                        name: "IDENTIFY CONTROLLER".into(),
                        outcome: "success".into(),
                        ok: true,
                    },
                    CommandSummary {
                        seq: 1,
                        protocol: "nvme".into(),
                        name: "SANITIZE (crypto erase)".into(),
                        outcome: "success".into(),
                        ok: true,
                    },
                    CommandSummary {
                        seq: 2,
                        protocol: "nvme".into(),
                        name: "GET LOG PAGE (sanitize status)".into(),
                        outcome: "success".into(),
                        ok: true,
                    },
                    CommandSummary {
                        seq: 3,
                        protocol: "nvme".into(),
                        name: "SANITIZE (block erase)".into(),
                        outcome: "success".into(),
                        ok: true,
                    },
                    CommandSummary {
                        seq: 4,
                        protocol: "nvme".into(),
                        name: "GET LOG PAGE (sanitize status)".into(),
                        outcome: "success".into(),
                        ok: true,
                    },
                    CommandSummary {
                        seq: 5,
                        protocol: "block".into(),
                        name: "READ (2002 samples)".into(),
                        outcome: "all samples read as deallocated".into(),
                        ok: true,
                    },
                ],
            },
            journal: JournalLink {
                seq: 0,
                prev_envelope_blake3: None,
            },
        }
    }
}

impl Certificate {
    /// A second complete fixture covering what [`Certificate::example`] leaves null: a SATA
    /// hard disk overwritten by the host after its HPA was removed, with unreadable sectors,
    /// hence `erased_with_exceptions`.
    pub fn example_overwrite() -> Certificate {
        let mut c = Certificate::example();
        let lbas = 976_773_168u64;
        let capacity = lbas * 512;
        c.issued_at = ts("2025-11-27T16:05:41Z");
        c.host.asset_tag = Some("RPA-004233".into());
        c.host.smbios.system_product = Some("OptiPlex 7050".into());
        c.host.smbios.system_manufacturer = Some("Dell Inc.".into());
        c.host.smbios.system_version = Some("1.0".into());
        c.host.smbios.system_serial = Some("5CD1234XYZ".into());
        c.host.smbios.system_uuid = Some("4c4c4544-0035-4310-8031-b5c04f325a31".into());
        c.host.storage = Some(HostStorage::example_incomplete());
        // Erased before the station surveyed hardware: no facts, no machine session.
        c.host.hardware = None;
        c.host.machine_session = None;
        c.media = Media {
            manufacturer: Some("Western Digital".into()),
            model: "WDC WD5000AAKX-08U6AA0".into(),
            serial: "WD-WCC2EUA12345".into(),
            firmware: Some("19.01H19".into()),
            wwn: Some("50014ee2b1c2d3e4".into()),
            eui64: None,
            nguid: None,
            media_type: MediaType::Hdd,
            transport: MediaTransport::Ata,
            capacity_bytes: capacity,
            lba_count: lbas,
            logical_sector_size: 512,
            physical_sector_size: 4096,
            hidden_areas: HiddenAreas {
                before: HiddenAreaState {
                    visible_sectors: Some(976_771_055),
                    native_sectors: Some(lbas),
                    hpa: Some(true),
                    dco: Some(false),
                },
                after: HiddenAreaState {
                    visible_sectors: Some(lbas),
                    native_sectors: Some(lbas),
                    hpa: Some(false),
                    dco: Some(false),
                },
                action: Some("HPA removed (SET MAX ADDRESS EXT to native max)".into()),
            },
            capabilities: vec![
                Capability {
                    id: "ata-security-erase-enhanced".into(),
                    available: false,
                    detail: Some("frozen".into()),
                },
                Capability {
                    id: "ata-sanitize-overwrite".into(),
                    available: false,
                    detail: Some("not supported".into()),
                },
                Capability {
                    id: "overwrite".into(),
                    available: true,
                    detail: Some("host writes every visible block".into()),
                },
            ],
            health: Health {
                grade: HealthGrade::Failing,
                reasons: vec!["2 pending sectors".into(), "8 reallocated sectors".into()],
                source: Some("ata-smart".into()),
                power_on_hours: Some(23_118),
                reallocated_sectors: Some(8),
                pending_sectors: Some(2),
                uncorrectable_sectors: Some(2),
                media_errors: None,
                percentage_used: None,
                available_spare: None,
                raw_blake3: Some(blake3::hash(b"example smart data").to_hex().to_string()),
            },
            namespaces: Vec::new(),
        };
        c.sanitization = Sanitization {
            level_requested: Level::Purge,
            level_achieved: Some(Level::Clear),
            technique: "overwrite".into(),
            reason: "security erase unavailable (drive frozen) and no sanitize feature: host \
                     overwrite, which reaches clear only"
                .into(),
            standard_claimed: Some("NIST SP 800-88r1 clear".into()),
            steps: vec![SanitizationStep {
                technique: "overwrite".into(),
                started_at: ts("2025-11-27T14:01:10Z"),
                ended_at: ts("2025-11-27T15:48:52Z"),
                status: StepStatus::Completed,
                device_status: Some("2 sectors reported UNC during the pass".into()),
            }],
            passes_requested: Some(1),
            passes_completed: Some(1),
            pattern: Some("aes-ctr-stream".into()),
            started_at: ts("2025-11-27T14:00:58Z"),
            ended_at: ts("2025-11-27T15:48:52Z"),
            bytes_written: capacity - 2 * 512,
            errors: ErrorCounts {
                io_errors: 2,
                retries: 6,
                unreadable_sectors: 2,
                unreadable_lbas: vec![312_550_001, 312_550_002],
            },
            device_status: Some(DeviceStatus {
                summary: "last write: ATA status 0x51 error 0x40 (UNC) at LBA 312550002".into(),
                raw: Some("5140".into()),
            }),
        };
        c.verification = Verification {
            method: VerificationMethod::Full,
            parameters: VerificationParameters {
                subsections: None,
                samples_per_subsection: None,
                sample_bytes: None,
                include_first_last: true,
                samples: lbas - 2,
                bytes_read: capacity - 2 * 512,
                coverage_ppm: coverage_ppm(capacity - 2 * 512, capacity),
            },
            seed: None,
            expected_state: "pattern".into(),
            result: VerificationResult::Pass,
            mismatches: 0,
            mismatch_offsets: vec![],
            unreadable_samples: 0,
            assurance: None,
            sample_plan: None,
            evidence: None,
        };
        c.outcome = Outcome {
            status: OutcomeStatus::ErasedWithExceptions,
            exceptions: vec![
                Exception {
                    code: "unreadable-sectors".into(),
                    detail: "2 sectors could not be written or read (LBA 312550001-312550002)"
                        .into(),
                },
                Exception {
                    code: "purge-not-reached".into(),
                    detail: "purge requested, clear reached (host overwrite)".into(),
                },
            ],
        };
        c.host_reset = None;
        c.disposition = Some(Disposition {
            destination: Destination::Recycling,
            detail: None,
            suggestion: None,
        });
        // Rate 0: never selected, whatever key signs the fixture.
        c.qc = Qc::sampled(0);
        c.limitations = vec![
            limitations::bad_sectors_not_covered(),
            limitations::no_conformance_claim(),
        ];
        c.transcript = TranscriptSummary {
            blake3: blake3::hash(b"example overwrite transcript")
                .to_hex()
                .to_string(),
            commands: vec![
                CommandSummary {
                    seq: 0,
                    protocol: "ata".into(),
                    name: "IDENTIFY DEVICE".into(),
                    outcome: "GOOD".into(),
                    ok: true,
                },
                CommandSummary {
                    seq: 1,
                    protocol: "ata".into(),
                    name: "SET MAX ADDRESS EXT".into(),
                    outcome: "GOOD".into(),
                    ok: true,
                },
                CommandSummary {
                    seq: 2,
                    protocol: "block".into(),
                    name: "WRITE (1 pass, aes-ctr-stream)".into(),
                    outcome: "2 sectors failed (UNC)".into(),
                    ok: false,
                },
                CommandSummary {
                    seq: 3,
                    protocol: "block".into(),
                    name: "READ (full verification)".into(),
                    outcome: "all readable sectors match the pattern".into(),
                    ok: true,
                },
            ],
        };
        c.journal = JournalLink {
            seq: 1,
            prev_envelope_blake3: Some(blake3::hash(b"previous envelope").to_hex().to_string()),
        };
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_round_trips_through_json() {
        let c = Certificate::example();
        let text = serde_json::to_string_pretty(&c).unwrap();
        let back: Certificate = serde_json::from_str(&text).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn the_two_examples_fill_every_field_between_them() {
        fn nulls(v: &serde_json::Value, path: String, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Null => out.push(path),
                serde_json::Value::Object(m) => {
                    for (k, x) in m {
                        nulls(x, format!("{path}.{k}"), out)
                    }
                }
                serde_json::Value::Array(a) => {
                    for x in a {
                        nulls(x, format!("{path}[]"), out)
                    }
                }
                _ => {}
            }
        }
        let (mut a, mut b) = (vec![], vec![]);
        nulls(
            &serde_json::to_value(Certificate::example()).unwrap(),
            String::new(),
            &mut a,
        );
        nulls(
            &serde_json::to_value(Certificate::example_overwrite()).unwrap(),
            String::new(),
            &mut b,
        );
        let both: Vec<_> = a.iter().filter(|p| b.contains(p)).collect();
        assert!(both.is_empty(), "null in both examples: {both:?}");
        let mut c = Certificate::example_overwrite();
        c.issuer.key_id = "ab".repeat(32);
        assert_eq!(crate::validate::validate(&c), vec![]);
    }

    #[test]
    fn nullable_fields_are_required() {
        let mut v = serde_json::to_value(Certificate::example()).unwrap();
        v["issuer"].as_object_mut().unwrap().remove("siret");
        let err = serde_json::from_value::<Certificate>(v).unwrap_err();
        assert!(err.to_string().contains("siret"), "{err}");
    }

    #[test]
    fn certificates_without_the_new_fields_still_read() {
        let mut v = serde_json::to_value(Certificate::example()).unwrap();
        for f in ["host_reset", "disposition", "qc"] {
            v.as_object_mut().unwrap().remove(f);
        }
        let c: Certificate = serde_json::from_value(v).unwrap();
        assert_eq!(c.host_reset, None);
        assert_eq!(c.disposition, None);
        assert_eq!(c.qc, Qc::not_recorded());
    }

    #[test]
    fn qc_draw_follows_the_documented_rule() {
        // Recomputed by hand from the definition, not through qc_draw.
        let key = "ab".repeat(32);
        let h = blake3::hash(format!("ardoise-qc-v1{key}:42").as_bytes());
        let mut le = [0u8; 8];
        le.copy_from_slice(&h.as_bytes()[..8]);
        let expected = u64::from_le_bytes(le) % 1_000_000;
        assert_eq!(u64::from(qc_draw(&key, 42)), expected);
        assert!(qc_selected(&key, 42, expected as u32 + 1));
        assert!(!qc_selected(&key, 42, expected as u32));
        assert!(!qc_selected(&key, 42, 0));
        assert!(qc_selected(&key, 42, 1_000_000));
        // Key and sequence both matter.
        assert_ne!(qc_draw(&key, 42), qc_draw(&key, 43));
        assert_ne!(qc_draw(&key, 42), qc_draw(&"cd".repeat(32), 42));
    }

    #[test]
    fn qc_rate_is_honoured_over_many_certificates() {
        let key = "ab".repeat(32);
        let n = 20_000u64;
        let hits = (0..n).filter(|s| qc_selected(&key, *s, 50_000)).count() as f64;
        let share = hits / n as f64;
        // 5 % ± 0.6 % (about 4 standard deviations at n = 20,000).
        assert!((0.044..0.056).contains(&share), "{share}");
    }

    #[test]
    fn apply_qc_rule_sets_selected_from_key_and_seq() {
        let mut c = Certificate::example();
        c.issuer.key_id = "ab".repeat(32);
        c.qc = Qc {
            selected: false,
            rate_ppm: 500_000,
            rule: QC_RULE_V1.into(),
        };
        let mut seen = [false; 2];
        for seq in 0..64 {
            c.journal.seq = seq;
            c.qc.selected = !qc_selected(&c.issuer.key_id, seq, 500_000);
            c.apply_qc_rule();
            assert_eq!(c.qc.selected, qc_selected(&c.issuer.key_id, seq, 500_000));
            seen[c.qc.selected as usize] = true;
        }
        assert_eq!(seen, [true, true], "both outcomes occur at 50 %");
        c.qc = Qc::not_recorded();
        c.qc.selected = true;
        c.apply_qc_rule();
        assert!(!c.qc.selected);
        // Decided by the registry's log: never selected when signed.
        c.qc = Qc::sampled(1_000_000);
        c.qc.selected = true;
        c.apply_qc_rule();
        assert!(!c.qc.selected);
        c.qc = Qc {
            selected: true,
            rate_ppm: 0,
            rule: "dice-roll".into(),
        };
        c.apply_qc_rule();
        assert!(
            c.qc.selected,
            "an unknown rule is left for validation to refuse"
        );
    }

    #[test]
    fn assurance_matches_the_formula() {
        // 2002 samples at 99 %: f = 1 - 0.01^(1/2002) ≈ 0.2298 % → 2298 ppm (rounded up).
        let a = Assurance::from_samples(2002, 99, Some(1000), 1_000_000_000);
        assert_eq!(a.detectable_fraction_ppm, 2298);
        assert_eq!(a.contiguous_certain_bytes, Some(2_000_000));
        // Check the claim itself: the miss probability at that f is at most 1 %.
        let f = a.detectable_fraction_ppm as f64 / 1e6;
        assert!((1.0 - f).powi(2002) <= 0.01);
        assert_eq!(ppm_text(2298), "0.2298 %");
        assert_eq!(ppm_text(10_000), "1 %");
    }
}
