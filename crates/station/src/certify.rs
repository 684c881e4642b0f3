//! From an erase report to a certificate: the one place where device facts become the plain
//! certificate model. Nothing here decides a verdict; it copies the job's, and the certificate
//! crate refuses to sign a certificate whose fields contradict it.

use ardoise_cert::model as cm;
use ardoise_disk::health::{HealthGrade, HealthReport};
use ardoise_disk::inventory::MachineInventory;
use ardoise_disk::{DiskInfo, MediaKind, Transport};
use ardoise_erase::capability::{DriveCapabilities, HiddenAreas};
use ardoise_erase::job::ErasureReport;
use ardoise_erase::method::{Level, Method, SanitizeAction};
use ardoise_erase::outcome::{ExceptionCode, Outcome};
use ardoise_erase::plan::{supported_methods, Plan};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::config::Config;

mod verification;
use verification::verification;

/// Confidence at which certificates state the sampling assurance (the schema takes 1-99 %).
pub const CONFIDENCE_PERCENT: u32 = 99;

/// Who erased, for whom, on which machine: what the technician entered for this machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Pseudonymous operator id (from the workshop's list, or derived from a typed name).
    pub operator_id: String,
    #[serde(default)]
    pub operator_role: Option<String>,
    #[serde(default)]
    pub asset_tag: Option<String>,
    #[serde(default)]
    pub donor: Option<String>,
    #[serde(default)]
    pub donor_siren: Option<String>,
    #[serde(default)]
    pub donation_ref: Option<String>,
    #[serde(default)]
    pub lot: Option<String>,
    /// Where the machine goes after erasure; `None` takes the policy's `disposition`.
    #[serde(default)]
    pub disposition: Option<cm::Disposition>,
    /// What the operator attests about the host machine; `None` (unattended runs, nothing
    /// said) leaves `host_reset` null. The attester is `operator_id`.
    #[serde(default)]
    pub host_reset: Option<HostResetChecks>,
    /// The machine session shared by the certificates of this machine's disks
    /// ([`crate::remember::new_machine_session`]); None leaves `host.machine_session` null.
    #[serde(default)]
    pub machine_session: Option<String>,
    /// The reuse policy's grade of the machine ([`crate::reuse::suggest`]), recorded beside
    /// the destination (`disposition.suggestion`).
    #[serde(default)]
    pub suggestion: Option<cm::Suggestion>,
}

/// The operator's statements about the host machine, as the front end collects them: each
/// item `Some(true)` (done), `Some(false)` (not done) or `None` (not attested). Nothing here
/// is ever set by the station itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostResetChecks {
    #[serde(default)]
    pub firmware_settings_reset: Option<bool>,
    #[serde(default)]
    pub tpm_cleared: Option<bool>,
    #[serde(default)]
    pub biometric_templates_cleared: Option<bool>,
    #[serde(default)]
    pub labels_removed: Option<bool>,
}

/// The item names `HostResetChecks::parse_list` accepts, in order.
pub const HOST_RESET_ITEMS: [&str; 4] = ["firmware", "tpm", "biometrics", "labels"];

/// Why a list of host reset items was refused (`--host-reset`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostResetListError {
    #[error("unknown host reset item {item:?} (known: {})", HOST_RESET_ITEMS.join(", "))]
    UnknownItem { item: String },
    #[error("name at least one item of {}", HOST_RESET_ITEMS.join(", "))]
    Empty,
}

impl HostResetChecks {
    /// Parses a comma-separated list of items attested done (`firmware`, `tpm`, `biometrics`,
    /// `labels`). Items not named stay "not attested" (`None`), never `false`.
    pub fn parse_list(list: &str) -> Result<HostResetChecks, HostResetListError> {
        let mut h = HostResetChecks::default();
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let slot = match item {
                "firmware" => &mut h.firmware_settings_reset,
                "tpm" => &mut h.tpm_cleared,
                "biometrics" => &mut h.biometric_templates_cleared,
                "labels" => &mut h.labels_removed,
                other => {
                    return Err(HostResetListError::UnknownItem {
                        item: other.to_string(),
                    })
                }
            };
            *slot = Some(true);
        }
        if h.is_empty() {
            return Err(HostResetListError::Empty);
        }
        Ok(h)
    }

    /// Nothing attested.
    pub fn is_empty(&self) -> bool {
        *self == HostResetChecks::default()
    }

    /// The certificate's record, attested by `operator_id`; `None` when nothing is attested.
    pub fn attested_by(&self, operator_id: &str) -> Option<cm::HostReset> {
        (!self.is_empty()).then(|| cm::HostReset {
            firmware_settings_reset: self.firmware_settings_reset,
            tpm_cleared: self.tpm_cleared,
            biometric_templates_cleared: self.biometric_templates_cleared,
            labels_removed: self.labels_removed,
            attested_by: operator_id.to_string(),
        })
    }
}

/// Derives a pseudonymous operator id from a typed name: the name never leaves the station.
pub fn pseudonymous_operator_id(workshop_id: &str, name: &str) -> String {
    let digest = blake3::hash(format!("{workshop_id}\n{}", name.trim().to_lowercase()).as_bytes());
    format!("op-{}", &digest.to_hex()[..8])
}

/// What the station knows about itself.
#[derive(Debug, Clone)]
pub struct StationFacts<'a> {
    pub config: &'a Config,
    pub inventory: &'a MachineInventory,
    /// `sha256:<hex>` of the booted image, if booted from one.
    pub image_digest: Option<String>,
    /// Build identifier (git commit) of this binary, if known.
    pub build: Option<String>,
    /// The latest storage-controller survey of the machine, if one was made.
    pub storage: Option<cm::HostStorage>,
}

/// The certificate of `report` (journal link and key id are filled in by the store when it
/// signs, and with them `qc.selected`: the policy's rate and rule are set here, the draw
/// needs the key id and sequence number).
pub fn certificate(
    report: &ErasureReport,
    session: &SessionInfo,
    station: &StationFacts<'_>,
) -> cm::Certificate {
    let capacity = report
        .verification
        .as_ref()
        .map(|v| v.device_bytes)
        .or_else(|| report.overwrite.as_ref().map(|o| o.device_bytes))
        .unwrap_or(report.disk.size_bytes);
    let lss = report.disk.logical_sector_size.max(512);
    let now = OffsetDateTime::now_utc();
    let mut cert = cm::Certificate {
        schema: cm::SCHEMA_ID.into(),
        issued_at: now.max(report.ended),
        issuer: issuer(station),
        operator: cm::Operator {
            id: session.operator_id.clone(),
            role: session.operator_role.clone(),
        },
        tool: tool(station),
        policy: policy(station.config),
        provenance: provenance(session),
        host: host(session, station),
        media: media(report, capacity, lss),
        sanitization: sanitization(report, lss),
        verification: verification(
            report.verification.as_ref(),
            report.crypto_check.as_ref(),
            &report.plan,
            capacity,
            lss,
        ),
        outcome: outcome(report),
        host_reset: session
            .host_reset
            .and_then(|h| h.attested_by(&session.operator_id)),
        disposition: disposition(session, station.config),
        qc: cm::Qc::sampled(station.config.policy.qc_rate_ppm()),
        limitations: limitations(&report.plan, report.disk.media),
        transcript: cm::TranscriptSummary {
            blake3: report.transcript_blake3.clone(),
            commands: report
                .transcript
                .iter()
                .map(|r| cm::CommandSummary {
                    seq: r.seq,
                    protocol: serde_json::to_value(r.protocol)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_else(|| "block".into()),
                    name: r.name.clone(),
                    outcome: r.outcome.clone(),
                    ok: r.ok,
                })
                .collect(),
        },
        journal: cm::JournalLink {
            seq: 0,
            prev_envelope_blake3: None,
        },
    };
    // Drives and firmware report what they like (a NUL inside a model string, a 300-byte
    // SMBIOS field): printable and bounded, or the certificate could not be signed.
    ardoise_cert::text::clean_device_texts(&mut cert);
    cert
}

/// A throw-away certificate carrying everything the station and the session put into a real
/// one (issuer, operator, tool, policy, provenance, host, attestations, destination, QC rate)
/// over the fixture's disk fields: signing it checks those settings with the certificate's own
/// rules before any disk is touched.
pub fn session_certificate(session: &SessionInfo, station: &StationFacts<'_>) -> cm::Certificate {
    let mut c = cm::Certificate::example();
    c.issued_at = OffsetDateTime::now_utc().max(c.issued_at);
    c.issuer = issuer(station);
    c.operator = cm::Operator {
        id: session.operator_id.clone(),
        role: session.operator_role.clone(),
    };
    c.tool = tool(station);
    c.policy = policy(station.config);
    c.provenance = provenance(session);
    c.host = host(session, station);
    c.host_reset = session
        .host_reset
        .and_then(|h| h.attested_by(&session.operator_id));
    c.disposition = disposition(session, station.config);
    c.qc = cm::Qc::sampled(station.config.policy.qc_rate_ppm());
    c
}

/// The setting a technician changes to fix a certificate field the validator refused.
pub fn setting_for_field(path: &str) -> &'static str {
    let field = path.split('[').next().unwrap_or(path);
    match field {
        "issuer.workshop_id" => "workshop.id",
        "issuer.workshop_name" => "workshop.name",
        "issuer.station_id" => "workshop.station",
        "issuer.siret" => "workshop.siret",
        "issuer.registry_url" => "registry.url",
        "issuer.key_id" => "station key",
        "operator.id" | "operator.role" | "host_reset.attested_by" => "operator",
        "host.asset_tag" => "asset tag",
        "disposition.detail" => "destination",
        f if f.starts_with("policy.") || f.starts_with("qc.") => "policy",
        f if f.starts_with("provenance.") => "donor / lot",
        f if f.starts_with("tool.") => "image record",
        f if f.starts_with("host.") => "machine inventory",
        _ => "disk record",
    }
}

fn issuer(station: &StationFacts<'_>) -> cm::Issuer {
    let w = &station.config.workshop;
    cm::Issuer {
        workshop_id: w.id.clone(),
        workshop_name: w.name.clone(),
        siret: w.siret.clone(),
        station_id: w.station.clone(),
        key_id: String::new(),
        registry_url: station.config.registry.url.clone(),
    }
}

fn tool(station: &StationFacts<'_>) -> cm::Tool {
    cm::Tool {
        name: "ardoise".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        build: station.build.clone(),
        image_digest: station.image_digest.clone(),
    }
}

fn policy(config: &Config) -> cm::Policy {
    cm::Policy {
        id: config.policy.id.clone(),
        version: "1".into(),
        digest: Some(format!("blake3:{}", config.policy.digest())),
    }
}

/// The job's destination, else the policy's default, else not recorded; with the reuse
/// grade when one was made (a grade alone, with no destination chosen, is not recorded).
fn disposition(session: &SessionInfo, config: &Config) -> Option<cm::Disposition> {
    let suggestion = session
        .suggestion
        .clone()
        .or_else(|| session.disposition.as_ref()?.suggestion.clone());
    match &session.disposition {
        Some(d) => Some(cm::Disposition {
            destination: d.destination,
            detail: non_empty(&d.detail),
            suggestion,
        }),
        None => config
            .policy
            .disposition
            .map(|destination| cm::Disposition {
                destination,
                detail: None,
                suggestion,
            }),
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn provenance(session: &SessionInfo) -> cm::Provenance {
    cm::Provenance {
        donor: cm::Donor {
            name: non_empty(&session.donor).unwrap_or_else(|| "not recorded".into()),
            siren: non_empty(&session.donor_siren),
        },
        donation_ref: non_empty(&session.donation_ref),
        lot: non_empty(&session.lot),
        intake_date: None,
    }
}

fn host(session: &SessionInfo, station: &StationFacts<'_>) -> cm::Host {
    let inv = station.inventory;
    cm::Host {
        asset_tag: non_empty(&session.asset_tag),
        smbios: cm::Smbios {
            system_manufacturer: inv.manufacturer.clone(),
            system_product: inv.product.clone(),
            system_version: inv.version.clone(),
            system_serial: inv.serial.clone(),
            system_uuid: inv.uuid.clone(),
            board_serial: inv.board_serial.clone(),
            chassis_serial: inv.chassis_serial.clone(),
            chassis_asset_tag: inv.asset_tag.clone(),
            bios_vendor: inv.bios_vendor.clone(),
            bios_version: inv.bios_version.clone(),
        },
        storage: station.storage.clone(),
        hardware: Some(crate::reuse::host_hardware(&inv.hardware, inv)),
        machine_session: session.machine_session.clone(),
    }
}

/// Identifiers as lowercase hex without prefixes or separators, or nothing when they are not hex
/// (e.g. a `t10.` SCSI name string).
fn hex_id(s: Option<&str>) -> Option<String> {
    let s = s?.trim().to_ascii_lowercase();
    let s = s
        .strip_prefix("naa.")
        .or_else(|| s.strip_prefix("eui."))
        .or_else(|| s.strip_prefix("0x"))
        .unwrap_or(&s);
    let h: String = s
        .chars()
        .filter(|c| !matches!(c, '-' | ':' | ' '))
        .collect();
    (!h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()) && h.chars().any(|c| c != '0'))
        .then_some(h)
}

fn or_none(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

pub(crate) fn media_type(m: MediaKind) -> cm::MediaType {
    match m {
        MediaKind::Hdd => cm::MediaType::Hdd,
        MediaKind::Ssd => cm::MediaType::Ssd,
        MediaKind::NvmeSsd => cm::MediaType::NvmeSsd,
        MediaKind::Emmc => cm::MediaType::Emmc,
        MediaKind::UsbFlash => cm::MediaType::UsbFlash,
        MediaKind::Virtual => cm::MediaType::Virtual,
        MediaKind::RaidVolume => cm::MediaType::RaidVolume,
        MediaKind::Unknown => cm::MediaType::Unknown,
    }
}

fn transport(t: Transport) -> cm::MediaTransport {
    match t {
        Transport::Ata => cm::MediaTransport::Ata,
        Transport::Sas => cm::MediaTransport::Sas,
        Transport::Nvme => cm::MediaTransport::Nvme,
        Transport::Usb => cm::MediaTransport::Usb,
        Transport::Mmc => cm::MediaTransport::Mmc,
        Transport::Virtio => cm::MediaTransport::Virtio,
        Transport::Loop => cm::MediaTransport::Loop,
        Transport::File => cm::MediaTransport::File,
        Transport::Simulated => cm::MediaTransport::Simulated,
        Transport::Other => cm::MediaTransport::Other,
    }
}

fn media(report: &ErasureReport, capacity: u64, lss: u32) -> cm::Media {
    let d: &DiskInfo = &report.disk;
    let id = &report.identity;
    let pick = |device: &str, sysfs: &str| {
        if device.trim().is_empty() {
            sysfs.trim().to_string()
        } else {
            device.trim().to_string()
        }
    };
    let model = pick(&id.model, &d.model);
    cm::Media {
        manufacturer: or_none(&d.vendor),
        model: if model.is_empty() {
            "unknown model".into()
        } else {
            model
        },
        serial: pick(&id.serial, &d.serial),
        firmware: or_none(&pick(&id.firmware, &d.firmware)),
        wwn: hex_id(id.wwn.as_deref().or(d.wwn.as_deref())),
        eui64: hex_id(d.eui64.as_deref()),
        nguid: hex_id(d.nguid.as_deref()),
        media_type: media_type(d.media),
        transport: transport(d.transport),
        capacity_bytes: capacity,
        lba_count: capacity / u64::from(lss),
        logical_sector_size: lss,
        physical_sector_size: d.physical_sector_size.max(lss),
        hidden_areas: hidden_areas(report, capacity / u64::from(lss)),
        capabilities: capabilities(&report.capabilities),
        health: health(report.health.as_ref()),
        namespaces: report
            .namespaces
            .iter()
            .map(|n| cm::MediaNamespace {
                nsid: n.nsid,
                device: n.device.clone(),
                capacity_bytes: n.size_bytes,
                nguid: hex_id(n.nguid.as_deref()),
                eui64: hex_id(n.eui64.as_deref()),
            })
            .collect(),
    }
}

fn hidden_state(h: &HiddenAreas) -> cm::HiddenAreaState {
    cm::HiddenAreaState {
        visible_sectors: Some(h.visible_sectors),
        native_sectors: h.native_sectors,
        hpa: h.native_sectors.map(|_| h.hpa_present()),
        dco: h.dco_max_sectors.map(|_| h.dco_present()),
    }
}

fn hidden_areas(report: &ErasureReport, lbas: u64) -> cm::HiddenAreas {
    match (&report.hidden, &report.capabilities.hidden) {
        (Some(outcome), _) => cm::HiddenAreas {
            before: hidden_state(&outcome.before),
            after: hidden_state(&outcome.after),
            action: Some(if outcome.removed && lbas < outcome.after.visible_sectors {
                format!(
                    "{} hidden sectors made visible to the drive, but the kernel reached only {lbas} of its {} sectors (hidden-area-not-erased)",
                    outcome.before.hidden_sectors(),
                    outcome.after.visible_sectors
                )
            } else if outcome.removed {
                format!(
                    "{} hidden sectors made visible before erasing",
                    outcome.before.hidden_sectors()
                )
            } else {
                format!(
                    "{} hidden sectors could not be made visible",
                    outcome.after.hidden_sectors()
                )
            }),
        },
        (None, Some(h)) => cm::HiddenAreas {
            before: hidden_state(h),
            after: hidden_state(h),
            action: None,
        },
        (None, None) => {
            let unknown = cm::HiddenAreaState {
                visible_sectors: Some(lbas),
                native_sectors: None,
                hpa: None,
                dco: None,
            };
            cm::HiddenAreas {
                before: unknown.clone(),
                after: unknown,
                action: None,
            }
        }
    }
}

fn capabilities(caps: &DriveCapabilities) -> Vec<cm::Capability> {
    supported_methods(caps)
        .into_iter()
        .map(|m| cm::Capability {
            id: m.id,
            available: m.supported,
            detail: if m.supported { None } else { Some(m.reason) },
        })
        .collect()
}

fn health(h: Option<&HealthReport>) -> cm::Health {
    let Some(h) = h else {
        return cm::Health {
            grade: cm::HealthGrade::Unknown,
            reasons: vec!["no health data could be read".into()],
            source: None,
            power_on_hours: None,
            reallocated_sectors: None,
            pending_sectors: None,
            uncorrectable_sectors: None,
            media_errors: None,
            percentage_used: None,
            available_spare: None,
            raw_blake3: None,
        };
    };
    let f = &h.figures;
    cm::Health {
        grade: match h.grade {
            HealthGrade::Good => cm::HealthGrade::Good,
            HealthGrade::Worn => cm::HealthGrade::Worn,
            HealthGrade::Failing => cm::HealthGrade::Failing,
            HealthGrade::Unknown => cm::HealthGrade::Unknown,
        },
        reasons: h.reasons.clone(),
        source: or_none(&f.source),
        power_on_hours: f.power_on_hours,
        reallocated_sectors: f.reallocated_sectors,
        pending_sectors: f.pending_sectors,
        uncorrectable_sectors: f.uncorrectable_sectors,
        media_errors: f.media_errors,
        percentage_used: f.percentage_used,
        available_spare: f.available_spare,
        raw_blake3: Some(
            blake3::hash(&serde_json::to_vec(f).unwrap_or_default())
                .to_hex()
                .to_string(),
        ),
    }
}

fn level(l: Level) -> cm::Level {
    match l {
        Level::Clear => cm::Level::Clear,
        Level::Purge => cm::Level::Purge,
    }
}

fn sanitization(report: &ErasureReport, lss: u32) -> cm::Sanitization {
    let mut steps = Vec::new();
    if let Some(h) = &report.hidden {
        steps.push(cm::SanitizationStep {
            technique: "hidden-area-removal".into(),
            started_at: report.started,
            ended_at: report.started,
            status: if h.removed {
                cm::StepStatus::Completed
            } else {
                cm::StepStatus::Failed
            },
            device_status: h.notes.first().cloned(),
        });
    }
    for f in &report.firmware {
        steps.push(cm::SanitizationStep {
            technique: f.method.clone(),
            started_at: f.started.max(report.started),
            ended_at: f.ended.min(report.ended).max(f.started.max(report.started)),
            status: if f.completed {
                cm::StepStatus::Completed
            } else {
                cm::StepStatus::Failed
            },
            device_status: or_none(&f.device_status),
        });
    }
    let mut unreadable_lbas = Vec::new();
    let (mut passes_requested, mut passes_completed, mut pattern, mut io_errors, mut unwritable) =
        (None, None, None, 0, 0);
    if let Some(o) = &report.overwrite {
        let mut t = o.started.max(report.started);
        for p in &o.passes {
            let end = (t + time::Duration::seconds_f64(p.seconds))
                .min(report.ended)
                .max(t);
            steps.push(cm::SanitizationStep {
                technique: "overwrite".into(),
                started_at: t,
                ended_at: end,
                status: match p.status {
                    ardoise_erase::overwrite::PassStatus::Written => cm::StepStatus::Completed,
                    ardoise_erase::overwrite::PassStatus::WrittenExceptUnwritable => {
                        cm::StepStatus::Completed
                    }
                    ardoise_erase::overwrite::PassStatus::Interrupted => cm::StepStatus::Aborted,
                },
                device_status: Some(format!(
                    "pass {} of {}: {}, {} bytes written, {} unwritable sectors",
                    p.pass,
                    o.scheme.passes.len(),
                    p.pattern.describe(),
                    p.bytes_written,
                    p.unwritable_sectors
                )),
            });
            t = end;
        }
        passes_requested = Some(o.scheme.passes.len() as u32);
        passes_completed = Some(o.passes_completed);
        pattern = o.passes.last().map(|p| p.pattern.describe());
        io_errors = o.error_count;
        unwritable = o.unwritable_sectors;
        for r in &o.unwritable {
            let first = r.offset / u64::from(lss);
            let last = (r.offset + r.len).div_ceil(u64::from(lss));
            unreadable_lbas.extend(first..last);
            if unreadable_lbas.len() >= 100 {
                break;
            }
        }
    } else if report.plan.method.is_firmware_overwrite() {
        pattern = Some("zeros (firmware overwrite, 1 pass)".into());
    }
    let unreadable_in_verify = report
        .verification
        .as_ref()
        .map(|v| v.unreadable_bytes / u64::from(lss))
        .unwrap_or(0);
    if let Some(v) = &report.verification {
        for r in &v.unreadable {
            let first = r.offset / u64::from(lss);
            unreadable_lbas.extend(first..(r.offset + r.len).div_ceil(u64::from(lss)));
        }
    }
    unreadable_lbas.sort_unstable();
    unreadable_lbas.dedup();
    unreadable_lbas.truncate(100);
    let unreadable_sectors = (unwritable + unreadable_in_verify).max(unreadable_lbas.len() as u64);
    let achieved = report.level_achieved.map(level);
    cm::Sanitization {
        level_requested: level(report.level_requested),
        level_achieved: achieved,
        technique: report.plan.method.id(),
        reason: report.plan.reason.clone(),
        standard_claimed: achieved.map(|l| standard_claimed(l, report)),
        steps,
        passes_requested,
        passes_completed,
        pattern,
        started_at: report.started,
        ended_at: report.ended.max(report.started),
        bytes_written: report.bytes_written,
        errors: cm::ErrorCounts {
            io_errors,
            retries: 0,
            unreadable_sectors,
            unreadable_lbas,
        },
        device_status: report
            .firmware
            .last()
            .and_then(|f| or_none(&f.device_status))
            .map(|summary| cm::DeviceStatus { summary, raw: None }),
    }
}

/// The NIST level reached, qualified by every exception that leaves part of the disk unshown
/// (hidden sectors, sectors out of reach, no or too little read-back evidence, sectors that
/// could not be written or read): such a certificate never claims the plain level for the whole
/// disk.
fn standard_claimed(l: cm::Level, report: &ErasureReport) -> String {
    let base = format!(
        "NIST SP 800-88 Rev. 1 {}",
        if l == cm::Level::Purge {
            "purge"
        } else {
            "clear"
        }
    );
    let mut limits: Vec<String> = Vec::new();
    for e in report
        .exceptions
        .iter()
        .filter(|e| e.code.limits_coverage())
    {
        let code = exception_code(e.code);
        if !limits.contains(&code) {
            limits.push(code);
        }
    }
    if limits.is_empty() {
        base
    } else {
        format!(
            "{base}, except what these exceptions leave out: {}",
            limits.join(", ")
        )
    }
}

/// The last resort when a certificate contradicts itself: the same record, declared not erased,
/// with the contradiction as an exception. A not_erased certificate is always consistent.
pub fn degrade_to_not_erased(mut cert: cm::Certificate, issues: &str) -> cm::Certificate {
    cert.outcome.status = cm::OutcomeStatus::NotErased;
    cert.outcome.exceptions.push(cm::Exception {
        code: "station-error".into(),
        detail: format!("the station produced an inconsistent certificate ({issues}); the disk is not certified as erased"),
    });
    cert.sanitization.level_achieved = None;
    cert.sanitization.standard_claimed = None;
    cert
}

/// Exception codes in the certificate's kebab-case vocabulary.
pub fn exception_code(c: ExceptionCode) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', "-")))
        .unwrap_or_else(|| "unknown".into())
}

fn outcome(report: &ErasureReport) -> cm::Outcome {
    cm::Outcome {
        status: match report.outcome {
            Outcome::Erased => cm::OutcomeStatus::Erased,
            Outcome::ErasedWithExceptions => cm::OutcomeStatus::ErasedWithExceptions,
            Outcome::NotErased => cm::OutcomeStatus::NotErased,
        },
        exceptions: report
            .exceptions
            .iter()
            .map(|e| cm::Exception {
                code: exception_code(e.code),
                detail: e.detail.clone(),
            })
            .collect(),
    }
}

fn limitations(plan: &Plan, media: MediaKind) -> Vec<cm::Limitation> {
    use cm::limitations as l;
    let mut out = Vec::new();
    if media.may_hide_spare_flash() {
        out.push(l::host_readback_spare_flash());
    }
    if plan.method.is_firmware() {
        out.push(l::firmware_trusted());
    }
    if plan.method.is_crypto_erase() {
        out.push(cm::Limitation {
            code: "crypto-erase-depends-on-encryption".into(),
            text: "A cryptographic erase is only as strong as the drive's encryption of all data since its first use, which the computer cannot check.".into(),
        });
    }
    // An NVMe crypto erase that could not keep the data (SANICAP NDI) reads back as zeros, as a
    // mere deallocation would (docs/methods.md).
    if plan.method
        == (Method::NvmeSanitize {
            action: SanitizeAction::CryptoErase,
        })
        && !plan
            .steps
            .contains(&ardoise_erase::plan::Step::CryptoEraseCheck)
    {
        out.push(cm::Limitation {
            code: "crypto-erase-not-told-from-deallocation".into(),
            text: "The controller deallocates after every sanitize, so what its crypto erase left reads as zeros, as a deallocation without erasure would: the read-back cannot tell them apart.".into(),
        });
    }
    if media == MediaKind::RaidVolume {
        out.push(l::raid_members_not_sanitised());
    }
    out.push(l::bad_sectors_not_covered());
    out.push(l::no_conformance_claim());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spare_flash_limitation_follows_what_the_validator_requires() {
        for m in [
            MediaKind::Hdd,
            MediaKind::Ssd,
            MediaKind::NvmeSsd,
            MediaKind::Emmc,
            MediaKind::UsbFlash,
            MediaKind::Virtual,
            MediaKind::RaidVolume,
            MediaKind::Unknown,
        ] {
            assert_eq!(
                m.may_hide_spare_flash(),
                media_type(m).has_hidden_flash(),
                "{m:?}"
            );
        }
    }

    #[test]
    fn identifiers_are_normalised() {
        assert_eq!(
            hex_id(Some("naa.5000C500A1B2C3D4")).as_deref(),
            Some("5000c500a1b2c3d4")
        );
        assert_eq!(
            hex_id(Some("eui.0025388b91b1c7d2")).as_deref(),
            Some("0025388b91b1c7d2")
        );
        assert_eq!(
            hex_id(Some("e8238fa6-bf53-0001-001b-448b4a3c9a5c")).as_deref(),
            Some("e8238fa6bf530001001b448b4a3c9a5c")
        );
        assert_eq!(hex_id(Some("t10.ATA     QEMU HARDDISK")), None);
        assert_eq!(hex_id(Some("00000000")), None);
        assert_eq!(hex_id(None), None);
    }

    #[test]
    fn operator_ids_are_pseudonymous_and_stable() {
        let a = pseudonymous_operator_id("ws", "Camille Dupont");
        assert_eq!(a, pseudonymous_operator_id("ws", " camille dupont "));
        assert!(a.starts_with("op-") && a.len() == 11);
        assert!(!a.contains("amille"));
        assert_ne!(a, pseudonymous_operator_id("other-ws", "Camille Dupont"));
    }

    #[test]
    fn a_contradictory_certificate_degrades_to_a_valid_not_erased_one() {
        let mut c = cm::Certificate::example();
        c.verification.result = cm::VerificationResult::Fail;
        assert!(
            !ardoise_cert::validate::validate(&c).is_empty(),
            "the example made inconsistent"
        );
        let d = degrade_to_not_erased(c, "verification.result: is fail");
        assert!(
            ardoise_cert::validate::validate(&d).is_empty(),
            "{:?}",
            ardoise_cert::validate::validate(&d)
        );
        assert_eq!(d.outcome.status, cm::OutcomeStatus::NotErased);
        assert!(d
            .outcome
            .exceptions
            .iter()
            .any(|e| e.code == "station-error"));
    }

    #[test]
    fn host_reset_lists_attest_only_what_is_named() {
        let h = HostResetChecks::parse_list("tpm, labels").unwrap();
        assert_eq!(h.tpm_cleared, Some(true));
        assert_eq!(h.labels_removed, Some(true));
        assert_eq!(h.firmware_settings_reset, None, "not named: not attested");
        assert_eq!(h.biometric_templates_cleared, None);
        let all = HostResetChecks::parse_list("firmware,tpm,biometrics,labels").unwrap();
        let r = all.attested_by("op-1").unwrap();
        assert_eq!(r.attested_by, "op-1");
        assert!(r.items().iter().all(|(_, v)| *v == Some(true)));
        assert!(HostResetChecks::parse_list("tpm,bios")
            .unwrap_err()
            .to_string()
            .contains("bios"));
        assert!(HostResetChecks::parse_list(" , ").is_err());
        assert_eq!(HostResetChecks::default().attested_by("op-1"), None);
    }

    #[test]
    fn disposition_comes_from_the_job_then_the_policy() {
        let mut config = Config::default();
        let mut session = SessionInfo::default();
        assert_eq!(disposition(&session, &config), None);
        config.policy.disposition = Some(cm::Destination::Recycling);
        assert_eq!(
            disposition(&session, &config),
            Some(cm::Disposition {
                destination: cm::Destination::Recycling,
                detail: None,
                suggestion: None,
            })
        );
        session.disposition = Some(cm::Disposition {
            destination: cm::Destination::Reuse,
            detail: Some("  ".into()),
            suggestion: None,
        });
        assert_eq!(
            disposition(&session, &config),
            Some(cm::Disposition {
                destination: cm::Destination::Reuse,
                detail: None,
                suggestion: None,
            }),
            "the job wins; blank detail becomes null"
        );
    }

    #[test]
    fn every_exception_that_limits_coverage_is_one_the_certificate_rules_know() {
        use ardoise_cert::validate::COVERAGE_EXCEPTIONS;
        for code in [
            ExceptionCode::HiddenAreaNotErased,
            ExceptionCode::HiddenAreasNotChecked,
            ExceptionCode::UnreachableSectors,
            ExceptionCode::NotVerified,
            ExceptionCode::VerificationInconclusive,
            ExceptionCode::UnwritableSectors,
            ExceptionCode::UnreadableSectors,
        ] {
            assert!(code.limits_coverage(), "{code:?}");
            assert!(
                COVERAGE_EXCEPTIONS.contains(&exception_code(code).as_str()),
                "{code:?}"
            );
        }
        for code in [
            ExceptionCode::EraseFailed,
            ExceptionCode::VerificationFailed,
        ] {
            assert!(!code.limits_coverage());
        }
    }

    #[test]
    fn a_crypto_erase_that_could_not_keep_the_data_says_the_read_back_cannot_tell() {
        use ardoise_erase::capability::{CommandSet, NvmeCaps};
        let mut caps = DriveCapabilities {
            command_set: CommandSet::Nvme,
            media: MediaKind::NvmeSsd,
            transport: Transport::Nvme,
            size_bytes: 1 << 30,
            logical_sector_size: 512,
            drive_bytes: Some(1 << 30),
            ata_security: None,
            ata_sanitize: None,
            hidden: None,
            nvme: Some(NvmeCaps {
                sanitize_crypto: true,
                sanitize_block: true,
                namespaces: 1,
                nsid: 1,
                ..Default::default()
            }),
            scsi_sanitize: None,
            mmc: None,
            block_secure_discard: false,
            notes: Vec::new(),
            limits: Default::default(),
        };
        let code = "crypto-erase-not-told-from-deallocation";
        let plan = ardoise_erase::plan::plan_auto(&caps).unwrap();
        let with = limitations(&plan, MediaKind::NvmeSsd);
        assert!(with.iter().any(|l| l.code == code), "{with:?}");
        caps.nvme.as_mut().unwrap().sanitize_keeps_data = true;
        let plan = ardoise_erase::plan::plan_auto(&caps).unwrap();
        assert!(!limitations(&plan, MediaKind::NvmeSsd)
            .iter()
            .any(|l| l.code == code));
    }

    #[test]
    fn the_grade_travels_with_the_chosen_destination() {
        let mut config = Config::default();
        let grade = cm::Suggestion {
            destination: cm::Destination::Parts,
            policy: "reuse-default".into(),
            reasons: vec![cm::SuggestionReason {
                code: "battery-worn".into(),
                detail: "battery BAT0 holds 44 %".into(),
            }],
        };
        let mut session = SessionInfo {
            suggestion: Some(grade.clone()),
            ..Default::default()
        };
        assert_eq!(
            disposition(&session, &config),
            None,
            "a grade nobody acted on is not a destination"
        );
        config.policy.disposition = Some(cm::Destination::Recycling);
        assert_eq!(
            disposition(&session, &config).unwrap().suggestion,
            Some(grade.clone())
        );
        // The technician overrode the grade: both are kept.
        session.disposition = Some(cm::Disposition {
            destination: cm::Destination::Reuse,
            detail: None,
            suggestion: None,
        });
        let d = disposition(&session, &config).unwrap();
        assert_eq!(d.destination, cm::Destination::Reuse);
        assert_eq!(d.suggestion, Some(grade));
    }

    #[test]
    fn exception_codes_are_kebab_case() {
        assert_eq!(
            exception_code(ExceptionCode::HiddenAreaNotErased),
            "hidden-area-not-erased"
        );
        assert_eq!(exception_code(ExceptionCode::NotVerified), "not-verified");
    }
}
