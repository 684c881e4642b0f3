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

mod disposition;
mod evidence;
mod examples;
pub use crate::host_hardware::{HostHardware, OsMinimum};
pub use crate::host_storage::HostStorage;
pub use disposition::*;
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
    /// The workshop, station and signing key that issued the certificate.
    pub issuer: Issuer,
    /// The person (pseudonymous id) who ran the erasure.
    pub operator: Operator,
    /// The software that erased, its version and live-image digest.
    pub tool: Tool,
    /// The erasure policy that chose the method and verification parameters.
    pub policy: Policy,
    /// Where the machine came from: donor, donation reference, lot, intake date.
    pub provenance: Provenance,
    /// The machine the disk was in when erased (SMBIOS identity, storage, hardware).
    pub host: Host,
    /// The erased medium: identity, capacity, hidden areas, capabilities, health.
    pub media: Media,
    /// What was done to the medium: requested and achieved level, technique, steps.
    pub sanitization: Sanitization,
    /// How the erasure was checked (read-back method, samples, result, assurance).
    pub verification: Verification,
    /// Overall result (`erased`, `erased_with_exceptions`, `not_erased`) and its exceptions.
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
    /// The reuse grade when nobody chose a destination (`disposition` null): an unattended
    /// run whose policy names no `disposition`. A suggestion, not a destination: neither a
    /// technician nor the policy confirmed it (when `disposition` is recorded, the grade is
    /// its `suggestion` and this field is absent). Written only when present, so that a
    /// certificate without it reads as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_disposition: Option<Suggestion>,
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
    /// System manufacturer (SMBIOS type 1).
    #[serde(deserialize_with = "Option::deserialize")]
    pub system_manufacturer: Option<String>,
    /// System product name (SMBIOS type 1).
    #[serde(deserialize_with = "Option::deserialize")]
    pub system_product: Option<String>,
    /// System version (SMBIOS type 1).
    #[serde(deserialize_with = "Option::deserialize")]
    pub system_version: Option<String>,
    /// System serial number (SMBIOS type 1).
    #[serde(deserialize_with = "Option::deserialize")]
    pub system_serial: Option<String>,
    /// System UUID (SMBIOS type 1).
    #[serde(deserialize_with = "Option::deserialize")]
    pub system_uuid: Option<String>,
    /// Baseboard serial number (SMBIOS type 2).
    #[serde(deserialize_with = "Option::deserialize")]
    pub board_serial: Option<String>,
    /// Chassis serial number (SMBIOS type 3).
    #[serde(deserialize_with = "Option::deserialize")]
    pub chassis_serial: Option<String>,
    /// Chassis asset tag set by the owner (SMBIOS type 3).
    #[serde(deserialize_with = "Option::deserialize")]
    pub chassis_asset_tag: Option<String>,
    /// Firmware (BIOS/UEFI) vendor (SMBIOS type 0).
    #[serde(deserialize_with = "Option::deserialize")]
    pub bios_vendor: Option<String>,
    /// Firmware (BIOS/UEFI) version (SMBIOS type 0).
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
    /// Type not determined; treated as possibly flash.
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
    /// ATA or SATA.
    Ata,
    /// Serial Attached SCSI.
    Sas,
    /// NVMe over PCI Express.
    Nvme,
    /// USB, usually through a USB-to-ATA/SCSI bridge.
    Usb,
    /// eMMC or SD card (MMC bus).
    Mmc,
    /// Virtio block device of a virtual machine.
    Virtio,
    /// Linux loop device (tests).
    Loop,
    /// Plain file (tests).
    File,
    /// Simulated device (tests, demonstrations).
    Simulated,
    /// Any other transport.
    Other,
}

/// The erased medium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    /// Manufacturer / vendor as reported.
    #[serde(deserialize_with = "Option::deserialize")]
    pub manufacturer: Option<String>,
    /// Model as reported (non-empty).
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
    /// Kind of medium (serialised as `type`).
    #[serde(rename = "type")]
    pub media_type: MediaType,
    /// How the medium is attached.
    pub transport: MediaTransport,
    /// User-addressable capacity in bytes: `lba_count × logical_sector_size`.
    pub capacity_bytes: u64,
    /// Number of user-addressable logical blocks (after any hidden-area change).
    pub lba_count: u64,
    /// Size of a logical block in bytes: a power of two, at least 512.
    pub logical_sector_size: u32,
    /// Size of a physical sector in bytes: a power of two, at least the logical size.
    pub physical_sector_size: u32,
    /// ATA hidden areas (HPA/DCO) before and after the erasure.
    pub hidden_areas: HiddenAreas,
    /// Erase-related capabilities detected on the device.
    pub capabilities: Vec<Capability>,
    /// SMART / NVMe health summary at erase time.
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
    /// Capacity of the namespace in bytes.
    pub capacity_bytes: u64,
    /// NVMe namespace globally unique identifier (lowercase hex), when reported.
    #[serde(deserialize_with = "Option::deserialize")]
    pub nguid: Option<String>,
    /// NVMe IEEE EUI-64 of the namespace (lowercase hex), when reported.
    #[serde(deserialize_with = "Option::deserialize")]
    pub eui64: Option<String>,
}

/// Hidden areas (ATA HPA/DCO/AMA) before and after the erasure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HiddenAreas {
    /// State before the erasure.
    pub before: HiddenAreaState,
    /// State after the erasure (and any hidden-area removal).
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
    /// No sign of wear or failure.
    Good,
    /// Signs of wear: reallocated sectors, media errors, 80 % or more of the endurance used, a
    /// temperature warning, or more than 50,000 power-on hours.
    Worn,
    /// The drive predicts its own failure, or shows pending or uncorrectable sectors, spare
    /// below threshold, or 100 % of the endurance used.
    Failing,
    /// Nothing could be read.
    Unknown,
}

/// SMART / NVMe health summary at erase time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// Health grade (rules in `docs/architecture.md`, Health).
    pub grade: HealthGrade,
    /// Why the grade is not `good`.
    pub reasons: Vec<String>,
    /// Where the figures came from: `ata-smart`, `nvme-health-log` (the NVMe SMART / Health
    /// Information log page), `none`.
    #[serde(deserialize_with = "Option::deserialize")]
    pub source: Option<String>,
    /// Hours the device has been powered on.
    #[serde(deserialize_with = "Option::deserialize")]
    pub power_on_hours: Option<u64>,
    /// Reallocated sectors (ATA SMART attribute 5, raw value).
    #[serde(deserialize_with = "Option::deserialize")]
    pub reallocated_sectors: Option<u64>,
    /// Sectors pending reallocation (ATA SMART attribute 197, raw value).
    #[serde(deserialize_with = "Option::deserialize")]
    pub pending_sectors: Option<u64>,
    /// Uncorrectable sectors (ATA SMART attribute 198, raw value).
    #[serde(deserialize_with = "Option::deserialize")]
    pub uncorrectable_sectors: Option<u64>,
    /// Media and data integrity errors (NVMe SMART / Health log).
    #[serde(deserialize_with = "Option::deserialize")]
    pub media_errors: Option<u64>,
    /// NVMe endurance used, in percent of the rated life (0-255; may exceed 100).
    #[serde(deserialize_with = "Option::deserialize")]
    pub percentage_used: Option<u8>,
    /// NVMe available spare capacity, in percent (0-100).
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
    /// NIST SP 800-88 Rev. 1 Clear: protects against simple, non-invasive recovery through the
    /// host interface (e.g. overwrite of every logical block).
    Clear,
    /// NIST SP 800-88 Rev. 1 Purge: protects against laboratory recovery (e.g. firmware sanitize
    /// or cryptographic erase).
    Purge,
}

/// How one step of the sanitization ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// The step ran to its end.
    Completed,
    /// The step ended in error.
    Failed,
    /// The step was interrupted before its end.
    Aborted,
    /// The step was not run.
    Skipped,
}

/// One command or pass, in order (e.g. crypto erase, then overwrite).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SanitizationStep {
    /// Technique id (same vocabulary as [`Sanitization::technique`]).
    pub technique: String,
    /// When the step started (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When the step ended (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub ended_at: OffsetDateTime,
    /// How the step ended.
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
    /// The level the policy asked for (`clear` or `purge`).
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
    /// Overwrite passes completed.
    #[serde(deserialize_with = "Option::deserialize")]
    pub passes_completed: Option<u32>,
    /// Pattern of the final pass, e.g. `zeros`, `aes-ctr-stream`, `0x55`.
    #[serde(deserialize_with = "Option::deserialize")]
    pub pattern: Option<String>,
    /// Start of the first step (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// End of the last step (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub ended_at: OffsetDateTime,
    /// Bytes written by the host (0 for firmware techniques).
    pub bytes_written: u64,
    /// Error counts of the whole sanitization.
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
    /// Every sample matched the expected state.
    Pass,
    /// At least one sample did not match or could not be read.
    Fail,
    /// No verification was run.
    NotRun,
}

/// Sampling parameters (null where they do not apply, e.g. for a full read-back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationParameters {
    /// Number of strata (equal-sized subsections of the disk) sampled.
    #[serde(deserialize_with = "Option::deserialize")]
    pub subsections: Option<u64>,
    /// Samples drawn in each stratum.
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
    /// Verification method: full read-back, stratified sample, crypto-erase before/after
    /// comparison, or none.
    pub method: VerificationMethod,
    /// Sampling parameters and how much was read.
    pub parameters: VerificationParameters,
    /// Seed the sample positions are derived from (lowercase hex), so an auditor can
    /// recompute which blocks were read; null when not sampled.
    #[serde(deserialize_with = "Option::deserialize")]
    pub seed: Option<String>,
    /// What the blocks were expected to contain: `zeros`, `pattern`, `deallocated`,
    /// `changed-vs-pre`, `read-error`.
    pub expected_state: String,
    /// Whether the verification passed (`pass`, `fail`, `not_run`).
    pub result: VerificationResult,
    /// Samples that did not match the expected state.
    pub mismatches: u64,
    /// Byte offsets of the first mismatches (at most 100), ascending.
    pub mismatch_offsets: Vec<u64>,
    /// Samples that could not be read.
    pub unreadable_samples: u64,
    /// What the samples can claim given their number; null when nothing was sampled.
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
    /// Overall result.
    pub status: OutcomeStatus,
    /// Each exception to a clean erasure; empty for `erased`.
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

/// A fixed limitation statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limitation {
    /// Kebab-case code (see [`limitations`] for the standard ones).
    pub code: String,
    /// The limitation in one English sentence.
    pub text: String,
}

/// Limitation codes and texts the station attaches.
pub mod limitations {
    use super::Limitation;

    /// Code of [`host_readback_spare_flash`]: read-back cannot see spare flash.
    pub const HOST_READBACK_SPARE_FLASH: &str = "host-readback-cannot-see-spare-flash";
    /// Code of [`firmware_trusted`]: a firmware command's completeness is the drive's claim.
    pub const FIRMWARE_TRUSTED: &str = "firmware-command-trusted";
    /// Code of [`bad_sectors_not_covered`]: remapped or unreadable sectors may keep old data.
    pub const BAD_SECTORS_NOT_COVERED: &str = "bad-sectors-not-covered";
    /// Code of [`no_conformance_claim`]: no conformance to IEEE 2883 is claimed.
    pub const NO_CONFORMANCE_CLAIM: &str = "no-ieee-2883-claim";
    /// Code of [`raid_members_not_sanitised`]: a RAID volume's member disks were not sanitised
    /// one by one.
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
    /// Whether the device reported success.
    pub ok: bool,
}

/// Summary of the low-level command transcript: its digest and each command's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptSummary {
    /// blake3 (lowercase hex) of the transcript in JSON-lines form, as computed by
    /// `ardoise_disk::record::Transcript::digest`.
    pub blake3: String,
    /// Every command of the transcript, in order, none left out.
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
