//! The two complete certificates the tests and the documentation use as fixtures.

use super::*;

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
            suggested_disposition: None,
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
