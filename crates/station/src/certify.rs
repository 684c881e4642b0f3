//! From an erase report to a certificate: the one place where device facts become the plain
//! certificate model. Nothing here decides a verdict; it copies the job's, and the certificate
//! crate refuses to sign a certificate whose fields contradict it.

use ardoise_cert::payload as cm;
use ardoise_disk::inventory::MachineInventory;
use ardoise_erase::job::ErasureReport;
use time::OffsetDateTime;

use crate::config::Config;

mod context;
mod media;
mod outcome;
mod sanitization;
mod session;
mod verification;

use context::{disposition, host, issuer, policy, provenance, suggested_disposition, tool};
use media::media;
pub(crate) use media::media_type;
pub use outcome::{degrade_to_not_erased, exception_code};
use outcome::{limitations, outcome};
use sanitization::sanitization;
pub use session::{
    pseudonymous_operator_id, HostResetChecks, HostResetListError, SessionInfo, HOST_RESET_ITEMS,
};
use verification::verification;

/// Confidence at which certificates state the sampling assurance (the schema takes 1-99 %).
pub const CONFIDENCE_PERCENT: u32 = 99;

/// What the station knows about itself.
#[derive(Debug, Clone)]
pub struct StationFacts<'a> {
    /// The settings in effect: the workshop and station identity, the registry, the policy.
    pub config: &'a Config,
    /// The machine's inventory, recorded in `host`.
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
        suggested_disposition: suggested_disposition(session, station.config),
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
    c.suggested_disposition = suggested_disposition(session, station.config);
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

#[cfg(test)]
mod tests {
    use super::media::hex_id;
    use super::*;
    use ardoise_disk::{MediaKind, Transport};
    use ardoise_erase::capability::DriveCapabilities;
    use ardoise_erase::outcome::ExceptionCode;

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
            mmc_hardware_partitions: Vec::new(),
            mmc_card_is_sd: false,
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
        assert_eq!(
            suggested_disposition(&session, &config),
            Some(grade.clone()),
            "but it is recorded, as a suggestion"
        );
        config.policy.disposition = Some(cm::Destination::Recycling);
        assert_eq!(
            disposition(&session, &config).unwrap().suggestion,
            Some(grade.clone())
        );
        assert_eq!(
            suggested_disposition(&session, &config),
            None,
            "with a destination, the grade is its suggestion"
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
