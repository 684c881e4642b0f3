//! Erase jobs on simulated disks end in signed certificates that say exactly what happened, and
//! that `ardoise verify`'s library accepts as authentic.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ardoise_cert::payload::{Certificate, OutcomeStatus, VerificationMethod, VerificationResult};
use ardoise_cert::trust::TrustFile;
use ardoise_disk::discovery::DiscoveryOptions;
use ardoise_disk::open::describe_target;
use ardoise_disk::sim::profile::{standard_machine, SimDeviceSpec, SimDisk, SimProfile};
use ardoise_disk::{open_disk, Access};
use ardoise_erase::job::{execute, prepare, JobRequest, VerifyChoice};
use ardoise_erase::overwrite::CancelToken;
use ardoise_station::{JobMarker, SessionInfo, Station, StationOptions};

fn station(dir: &Path) -> Station {
    station_with(dir, "")
}

/// A station whose configuration ends with `extra` (e.g. a `[policy]` table).
fn station_with(dir: &Path, extra: &str) -> Station {
    std::fs::write(
        dir.join("ardoise.toml"),
        format!("[workshop]\nid = \"ressourcerie-test\"\nname = \"Ressourcerie de test\"\nstation = \"st-09\"\n\n[registry]\nurl = \"http://127.0.0.1:9\"\n{extra}"),
    )
    .unwrap();
    Station::open(&StationOptions {
        data_dir: Some(dir.to_path_buf()),
        create_key: true,
        ..Default::default()
    })
    .unwrap()
}

fn session() -> SessionInfo {
    SessionInfo {
        operator_id: "op-1234abcd".into(),
        asset_tag: Some("RPA-000042".into()),
        donor: Some("Mairie de Honfleur".into()),
        lot: Some("LOT-7".into()),
        ..Default::default()
    }
}

/// Erases `profile` with `method`/`verify`, certifies, and returns the signed certificate.
fn erase_and_certify(
    st: &Station,
    profile: &Path,
    method: &str,
    verify: VerifyChoice,
) -> (Certificate, PathBuf) {
    erase_and_certify_as(st, profile, method, verify, &session())
}

fn erase_and_certify_as(
    st: &Station,
    profile: &Path,
    method: &str,
    verify: VerifyChoice,
    session: &SessionInfo,
) -> (Certificate, PathBuf) {
    let info = describe_target(
        &DiscoveryOptions::default(),
        &PathBuf::from(format!("sim:{}", profile.display())),
    )
    .unwrap();
    let disk = open_disk(&info, Access::ReadWrite).unwrap();
    let req = JobRequest {
        method: method.into(),
        verify,
        firmware_poll: Duration::from_millis(5),
        ..Default::default()
    };
    let job = prepare(disk, req, st.vault().as_ref()).unwrap_or_else(|r| panic!("{}", r.error));
    st.preflight().unwrap();
    let marker = JobMarker::new(
        &job.disk.info,
        &job.probe.identity,
        &job.probe.capabilities,
        job.probe.health.as_ref(),
        &job.plan,
        ardoise_erase::pattern::Seed([7; 16]),
        session,
    );
    st.begin_job(&marker).unwrap();
    let (tx, _rx) = crossbeam_channel::unbounded();
    let report = execute(job, &tx, &CancelToken::new(), st.vault().as_ref());
    let stored = st.certify(&report, session, Some(&marker)).unwrap();
    let env = ardoise_cert::envelope::Envelope::parse(&stored.envelope_bytes).unwrap();
    let cert = ardoise_cert::validate::parse_payload(&env.payload).unwrap();
    (cert, stored.path)
}

/// A donor's data over the whole disk (a firmware erase of an empty disk proves nothing).
fn write_data(profile: &Path) {
    use ardoise_disk::BlockIo;
    let blk = SimDisk::load(profile).unwrap().block();
    let chunk: Vec<u8> = (0..1u32 << 20).map(|i| (i * 7 % 253) as u8).collect();
    let mut off = 0;
    while off < blk.size_bytes() {
        let n = (blk.size_bytes() - off).min(chunk.len() as u64) as usize;
        blk.write_at(&chunk[..n], off).unwrap();
        off += n as u64;
    }
    blk.flush().unwrap();
}

fn trust(dir: &Path) -> TrustFile {
    TrustFile::load(&dir.join("keys/trust.toml")).unwrap()
}

#[test]
fn every_standard_disk_gets_a_valid_certificate_that_tells_the_truth() {
    let data = tempfile::tempdir().unwrap();
    let disks = tempfile::tempdir().unwrap();
    let st = station(data.path());
    let paths = standard_machine(disks.path(), 16_384).unwrap();
    let mut files = Vec::new();
    let cases = [
        (
            0,
            "auto",
            VerifyChoice::Sample {
                coverage_percent: 1.0,
            },
            OutcomeStatus::Erased,
        ),
        (1, "auto", VerifyChoice::Full, OutcomeStatus::Erased),
        (
            2,
            "nvme-format-user-data",
            VerifyChoice::Sample {
                coverage_percent: 5.0,
            },
            OutcomeStatus::Erased,
        ),
        (
            3,
            "auto",
            VerifyChoice::None,
            OutcomeStatus::ErasedWithExceptions,
        ),
        (
            4,
            "ata-security-erase",
            VerifyChoice::Sample {
                coverage_percent: 1.0,
            },
            OutcomeStatus::NotErased,
        ),
    ];
    // A firmware erase over an empty disk proves nothing (verification-inconclusive): the NVMe
    // disk holds a donor's data first.
    write_data(&paths[2]);
    for (i, method, verify, want) in cases {
        let (cert, path) = erase_and_certify(&st, &paths[i], method, verify);
        assert_eq!(
            cert.outcome.status,
            want,
            "{}: {:?}",
            paths[i].display(),
            cert.outcome.exceptions
        );
        assert_eq!(cert.issuer.station_id, "st-09");
        assert_eq!(cert.provenance.lot.as_deref(), Some("LOT-7"));
        // Default policy: 5 % QC sampling, decided by the registry when it logs the
        // certificate (not computable by the station); no destination and no host reset
        // unless someone records them.
        assert_eq!(cert.qc.rate_ppm, 50_000);
        assert_eq!(cert.qc.rule, ardoise_cert::payload::QC_RULE_LOG_V1);
        assert!(!cert.qc.selected, "not decided when signed");
        assert_eq!(cert.disposition, None);
        assert_eq!(cert.host_reset, None);
        assert!(!cert.media.serial.is_empty());
        match want {
            OutcomeStatus::Erased => {
                assert_eq!(cert.verification.result, VerificationResult::Pass);
                assert!(cert.sanitization.level_achieved.is_some());
                assert!(cert.verification.assurance.is_some());
                assert!(cert
                    .sanitization
                    .standard_claimed
                    .as_deref()
                    .unwrap()
                    .starts_with("NIST SP 800-88 Rev. 1"));
                if cert.verification.method == VerificationMethod::CePrePostCompare {
                    let e = cert.verification.evidence.as_ref().unwrap();
                    assert!(e.sufficient(), "{e:?}");
                    assert_eq!(e.block_bytes, 4096);
                }
                if cert.verification.method != VerificationMethod::Full {
                    let p = cert.verification.sample_plan.as_ref().unwrap();
                    assert_eq!(p.algorithm, "ardoise-sample-v2");
                    assert_eq!(p.device_bytes, cert.media.capacity_bytes);
                }
            }
            OutcomeStatus::ErasedWithExceptions => {
                assert_eq!(cert.verification.method, VerificationMethod::None);
                assert_eq!(cert.outcome.exceptions[0].code, "not-verified");
                // Never the plain NIST level over an exception that leaves the disk unshown.
                let claim = cert.sanitization.standard_claimed.as_deref().unwrap();
                assert!(claim.contains("not-verified"), "{claim}");
            }
            OutcomeStatus::NotErased => {
                assert_eq!(cert.sanitization.level_achieved, None);
                assert!(cert
                    .outcome
                    .exceptions
                    .iter()
                    .any(|e| e.code == "erase-failed"));
            }
        }
        files.push(path);
    }
    // The frozen SSD fell back to the host overwrite and says so.
    let (ssd, _) = (&files[1], ());
    let ssd_cert = ardoise_cert::validate::parse_payload(
        &ardoise_cert::envelope::Envelope::parse(&std::fs::read(ssd).unwrap())
            .unwrap()
            .payload,
    )
    .unwrap();
    assert_eq!(ssd_cert.sanitization.technique, "overwrite-random-zero");
    assert_eq!(ssd_cert.verification.method, VerificationMethod::Full);
    assert!(ssd_cert
        .media
        .capabilities
        .iter()
        .any(|c| c.id == "ata-security-erase-enhanced"
            && !c.available
            && c.detail.as_deref().unwrap_or("").contains("frozen")));

    let report = ardoise_cert::verify::verify(&files, &trust(data.path()));
    assert!(report.ok, "{}", report.to_text());
}

#[test]
fn disposition_host_reset_and_qc_reach_the_signed_certificate() {
    use ardoise_cert::payload::{Destination, Disposition};
    let data = tempfile::tempdir().unwrap();
    let disks = tempfile::tempdir().unwrap();
    let st = station_with(
        data.path(),
        "\n[policy]\nid = \"all-checked\"\nmethod = \"auto\"\nverify = \"sample\"\nsample_coverage_percent = 1.0\nrequire_upload = false\nqc_sample_percent = 100\ndisposition = \"recycling\"\n",
    );
    let paths = standard_machine(disks.path(), 16_384).unwrap();
    let sample = VerifyChoice::Sample {
        coverage_percent: 1.0,
    };
    // The policy's default destination; nothing attested.
    let (a, pa) = erase_and_certify(&st, &paths[0], "auto", sample);
    assert_eq!(
        a.disposition,
        Some(Disposition {
            destination: Destination::Recycling,
            detail: None,
            suggestion: None,
        })
    );
    assert_eq!(a.host_reset, None);
    assert_eq!((a.qc.rate_ppm, a.qc.selected), (1_000_000, false));

    // The job's own destination and the operator's attestation.
    let mut s = session();
    s.disposition = Some(Disposition {
        destination: Destination::Reuse,
        detail: Some("boutique".into()),
        suggestion: None,
    });
    s.host_reset = Some(ardoise_station::HostResetChecks::parse_list("firmware,labels").unwrap());
    let (b, pb) = erase_and_certify_as(&st, &paths[2], "auto", sample, &s);
    assert_eq!(b.disposition, s.disposition);
    let h = b.host_reset.expect("attested");
    assert_eq!(h.attested_by, "op-1234abcd");
    assert_eq!(h.firmware_settings_reset, Some(true));
    assert_eq!(h.labels_removed, Some(true));
    assert_eq!(h.tpm_cleared, None, "not named, not attested");
    assert_eq!(b.qc.rule, ardoise_cert::payload::QC_RULE_LOG_V1);

    // Without the registry's receipt the selection is not known yet: valid, with a warning.
    let report = ardoise_cert::verify::verify(&[pa, pb], &trust(data.path()));
    assert!(report.ok, "{}", report.to_text());
    for v in &report.certificates {
        let qc = v.checks.iter().find(|c| c.name == "qc").unwrap();
        assert_eq!(qc.status, ardoise_cert::verify::CheckStatus::Warn, "{qc:?}");
        assert!(qc.detail.contains("decided by the registry"), "{qc:?}");
    }
}

#[test]
fn a_lying_drive_gets_a_not_erased_certificate() {
    let data = tempfile::tempdir().unwrap();
    let disks = tempfile::tempdir().unwrap();
    let st = station(data.path());
    let mut cfg = ardoise_disk::sim::ata::AtaSimConfig::ssd();
    cfg.knobs.lying = true;
    let state = ardoise_disk::sim::ata::AtaSimState::power_on(&cfg);
    let p = SimDisk::create(
        disks.path(),
        "liar",
        SimDeviceSpec::Ata {
            config: Box::new(cfg),
            state: Box::new(state),
            usb_bridge: false,
        },
        512,
        16_384,
    )
    .unwrap();
    // Content the erase should have removed.
    let d = SimDisk::load(&p).unwrap();
    let blk = d.block();
    let text: Vec<u8> = b"payroll 2024, confidential -- "
        .iter()
        .cycle()
        .take(1 << 20)
        .copied()
        .collect();
    for off in (0..8u64 << 20).step_by(1 << 20) {
        ardoise_disk::BlockIo::write_at(&blk, &text, off).unwrap();
    }
    let (cert, path) = erase_and_certify(
        &st,
        &p,
        "auto",
        VerifyChoice::Sample {
            coverage_percent: 1.0,
        },
    );
    assert_eq!(cert.outcome.status, OutcomeStatus::NotErased);
    assert_eq!(cert.verification.result, VerificationResult::Fail);
    assert!(cert.verification.mismatches > 0);
    assert!(cert
        .outcome
        .exceptions
        .iter()
        .any(|e| e.code == "verification-failed"));
    assert!(
        ardoise_cert::verify::verify(&[path], &trust(data.path())).ok,
        "the certificate itself is authentic"
    );
}

#[test]
fn sectors_the_kernel_never_reached_are_named_and_the_claim_says_so() {
    // An HPA the drive lifts while the kernel keeps its old size: the certificate is not
    // `erased`, names the exception in its NIST claim, and its hidden-area record says why.
    let data = tempfile::tempdir().unwrap();
    let disks = tempfile::tempdir().unwrap();
    let st = station(data.path());
    let cfg = ardoise_disk::sim::ata::AtaSimConfig::hdd();
    let state = ardoise_disk::sim::ata::AtaSimState::power_on(&cfg).with_hpa(16_384 - 2048);
    let p = SimDisk::create(
        disks.path(),
        "hpa",
        SimDeviceSpec::Ata {
            config: Box::new(cfg),
            state: Box::new(state),
            usb_bridge: false,
        },
        512,
        16_384,
    )
    .unwrap();
    let mut prof: SimProfile = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    prof.faults.kernel_sectors = Some(16_384 - 2048);
    std::fs::write(&p, serde_json::to_string(&prof).unwrap()).unwrap();
    write_data(&p);
    let (cert, path) = erase_and_certify(
        &st,
        &p,
        "auto",
        VerifyChoice::Sample {
            coverage_percent: 2.0,
        },
    );
    assert_eq!(
        cert.outcome.status,
        OutcomeStatus::ErasedWithExceptions,
        "{:?}",
        cert.outcome.exceptions
    );
    assert!(cert
        .outcome
        .exceptions
        .iter()
        .any(|e| e.code == "hidden-area-not-erased"));
    let claim = cert.sanitization.standard_claimed.as_deref().unwrap();
    assert!(claim.contains("hidden-area-not-erased"), "{claim}");
    assert_eq!(cert.media.hidden_areas.after.visible_sectors, Some(16_384));
    assert_eq!(cert.media.capacity_bytes, (16_384 - 2048) * 512);
    let action = cert.media.hidden_areas.action.as_deref().unwrap();
    assert!(action.contains("the kernel reached only 14336"), "{action}");
    assert!(ardoise_cert::verify::verify(&[path], &trust(data.path())).ok);
}

#[test]
fn an_interrupted_job_becomes_a_not_erased_certificate_at_the_next_start() {
    let data = tempfile::tempdir().unwrap();
    let disks = tempfile::tempdir().unwrap();
    let paths = standard_machine(disks.path(), 16_384).unwrap();
    {
        let st = station(data.path());
        let info = describe_target(
            &DiscoveryOptions::default(),
            &PathBuf::from(format!("sim:{}", paths[0].display())),
        )
        .unwrap();
        let disk = open_disk(&info, Access::ReadWrite).unwrap();
        let req = JobRequest {
            method: "overwrite-zero".into(),
            ..Default::default()
        };
        let job = prepare(disk, req, st.vault().as_ref()).unwrap_or_else(|r| panic!("{}", r.error));
        let marker = JobMarker::new(
            &job.disk.info,
            &job.probe.identity,
            &job.probe.capabilities,
            job.probe.health.as_ref(),
            &job.plan,
            ardoise_erase::pattern::Seed([1; 16]),
            &session(),
        );
        st.begin_job(&marker).unwrap();
        // ...and the power goes out: no report, no certificate.
    }
    let st = station(data.path());
    let recovered = st.recover_interrupted().unwrap();
    assert_eq!(recovered.len(), 1);
    let env =
        ardoise_cert::envelope::Envelope::parse(&recovered[0].certificate.envelope_bytes).unwrap();
    let cert = ardoise_cert::validate::parse_payload(&env.payload).unwrap();
    assert_eq!(cert.outcome.status, OutcomeStatus::NotErased);
    assert_eq!(cert.outcome.exceptions[0].code, "interrupted");
    assert_eq!(cert.sanitization.technique, "overwrite-zero");
    assert!(
        st.recover_interrupted().unwrap().is_empty(),
        "reported once"
    );
    assert!(
        ardoise_cert::verify::verify(
            &[recovered[0].certificate.path.clone()],
            &trust(data.path())
        )
        .ok
    );
}

#[test]
fn a_sim_disk_with_unwritable_sectors_is_erased_with_exceptions() {
    let data = tempfile::tempdir().unwrap();
    let disks = tempfile::tempdir().unwrap();
    let st = station(data.path());
    let paths = standard_machine(disks.path(), 16_384).unwrap();
    let mut prof: SimProfile =
        serde_json::from_str(&std::fs::read_to_string(&paths[0]).unwrap()).unwrap();
    prof.faults.unwritable = [100, 101, 5000].into();
    std::fs::write(&paths[0], serde_json::to_string(&prof).unwrap()).unwrap();
    let (cert, _) = erase_and_certify(
        &st,
        &paths[0],
        "overwrite-zero",
        VerifyChoice::Sample {
            coverage_percent: 1.0,
        },
    );
    assert_eq!(
        cert.outcome.status,
        OutcomeStatus::ErasedWithExceptions,
        "{:?}",
        cert.outcome.exceptions
    );
    assert_eq!(cert.sanitization.errors.unreadable_sectors, 3);
    assert_eq!(
        cert.sanitization.errors.unreadable_lbas,
        vec![100, 101, 5000]
    );
    assert!(cert
        .outcome
        .exceptions
        .iter()
        .any(|e| e.code == "unwritable-sectors"));
}

#[test]
fn without_a_data_partition_or_a_registry_nothing_may_start() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("ardoise.toml"),
        "[workshop]\nid = \"w\"\nname = \"W\"\nstation = \"s\"\n",
    )
    .unwrap();
    let open = |persistent| {
        Station::open(&StationOptions {
            data_dir: Some(data.path().to_path_buf()),
            create_key: true,
            persistent: Some(persistent),
            ..Default::default()
        })
        .unwrap()
    };
    let err = open(false).preflight().unwrap_err();
    assert!(
        matches!(err, ardoise_station::StationError::NoPersistentStorage),
        "{err}"
    );
    open(true).preflight().unwrap();
    // With a registry to receive them, a RAM data directory is acceptable (PXE mode).
    std::fs::write(data.path().join("ardoise.toml"), "[workshop]\nid = \"w\"\nname = \"W\"\nstation = \"s\"\n[registry]\nurl = \"http://127.0.0.1:9\"\n").unwrap();
    open(false).preflight().unwrap();
}

#[test]
fn an_interrupted_security_erase_says_the_drive_may_be_locked_and_how_it_is_unlocked() {
    let data = tempfile::tempdir().unwrap();
    let disks = tempfile::tempdir().unwrap();
    let paths = standard_machine(disks.path(), 16_384).unwrap();
    {
        let st = station(data.path());
        let info = describe_target(
            &DiscoveryOptions::default(),
            &PathBuf::from(format!("sim:{}", paths[0].display())),
        )
        .unwrap();
        let disk = open_disk(&info, Access::ReadWrite).unwrap();
        let req = JobRequest {
            method: "ata-security-erase-enhanced".into(),
            ..Default::default()
        };
        let mut job =
            prepare(disk, req, st.vault().as_ref()).unwrap_or_else(|r| panic!("{}", r.error));
        st.begin_erase(&mut job, &session()).unwrap();
        // ...and the power goes out in the middle of SECURITY ERASE UNIT.
    }
    let st = station(data.path());
    let recovered = st.recover_interrupted().unwrap();
    let env =
        ardoise_cert::envelope::Envelope::parse(&recovered[0].certificate.envelope_bytes).unwrap();
    let cert = ardoise_cert::validate::parse_payload(&env.payload).unwrap();
    assert_eq!(cert.outcome.status, OutcomeStatus::NotErased);
    let detail = cert.outcome.exceptions[0].detail.clone();
    assert!(detail.contains("may be locked"), "{detail}");
    assert!(
        detail.contains("the next erase of this drive started from this station unlocks"),
        "{detail}"
    );
    // An interrupted overwrite says nothing of the kind.
    assert!(!cert.sanitization.technique.starts_with("overwrite"));
}

#[test]
fn every_namespace_a_command_reached_is_named_in_the_certificate() {
    let data = tempfile::tempdir().unwrap();
    let disks = tempfile::tempdir().unwrap();
    let st = station(data.path());
    let paths = standard_machine(disks.path(), 16_384).unwrap();
    let info = describe_target(
        &DiscoveryOptions::default(),
        &PathBuf::from(format!("sim:{}", paths[2].display())),
    )
    .unwrap();
    let disk = open_disk(&info, Access::ReadWrite).unwrap();
    let req = JobRequest {
        method: "nvme-sanitize-block".into(),
        firmware_poll: Duration::from_millis(5),
        ..Default::default()
    };
    let job = prepare(disk, req, st.vault().as_ref()).unwrap_or_else(|r| panic!("{}", r.error));
    // A simulated controller has one namespace: nothing else reached.
    assert!(job.namespaces_reached().is_empty());
    let (tx, _rx) = crossbeam_channel::unbounded();
    let mut report = execute(job, &tx, &CancelToken::new(), st.vault().as_ref());
    // What a two-namespace controller's job reports (the QEMU test runs the real one).
    report.namespaces = vec![
        ardoise_erase::limits::ReachedNamespace {
            device: "/dev/nvme0n1".into(),
            nsid: Some(1),
            size_bytes: 8 << 20,
            nguid: Some("01234567-89AB-CDEF-0123-456789ABCDEF".into()),
            eui64: None,
        },
        ardoise_erase::limits::ReachedNamespace {
            device: "/dev/nvme0n2".into(),
            nsid: Some(2),
            size_bytes: 16 << 20,
            nguid: None,
            eui64: Some("00 25 38 8b 71 b0 12 34".into()),
        },
    ];
    let stored = st.certify(&report, &session(), None).unwrap();
    let env = ardoise_cert::envelope::Envelope::parse(&stored.envelope_bytes).unwrap();
    let cert = ardoise_cert::validate::parse_payload(&env.payload).unwrap();
    let ns = &cert.media.namespaces;
    assert_eq!(ns.len(), 2);
    assert_eq!(ns[1].device, "/dev/nvme0n2");
    assert_eq!(ns[1].nsid, Some(2));
    assert_eq!(
        ns[0].nguid.as_deref(),
        Some("0123456789abcdef0123456789abcdef")
    );
    assert_eq!(ns[1].eui64.as_deref(), Some("0025388b71b01234"));
    assert!(ardoise_cert::verify::verify(&[stored.path], &trust(data.path())).ok);
}

#[test]
fn what_the_read_back_cannot_show_is_named_in_the_certificate_never_erased() {
    use ardoise_disk::sim::mmc::{MmcSimConfig, MmcSimState};
    use ardoise_disk::sim::nvme::{NvmeSimConfig, NvmeSimState};
    use ardoise_disk::sim::SimMedia;
    let data = tempfile::tempdir().unwrap();
    let disks = tempfile::tempdir().unwrap();
    let st = station(data.path());
    let sample = VerifyChoice::Sample {
        coverage_percent: 2.0,
    };
    // An eMMC whose EXT_CSD cannot be read: its boot partitions are never mentioned by the
    // card itself.
    let mut mmc = MmcSimConfig {
        boot_size_mult: 32,
        ..Default::default()
    };
    mmc.knobs.ext_csd_unreadable = true;
    let state = MmcSimState::initial(&mmc);
    let card = SimDisk::create(
        disks.path(),
        "card",
        SimDeviceSpec::Emmc {
            config: Box::new(mmc),
            state: Box::new(state),
        },
        512,
        16_384,
    )
    .unwrap();
    write_data(&card);
    // An NVMe controller that deallocates after every sanitize (SANICAP NDI).
    let nvme = NvmeSimConfig {
        sanicap: 0b111 | 1 << 29,
        ..NvmeSimConfig::default()
    };
    let probe_media = SimMedia::create(&disks.path().join(".probe"), 512, 8).unwrap();
    let state = NvmeSimState::initial(&nvme, &[probe_media]).unwrap();
    let ndi = SimDisk::create(
        disks.path(),
        "ndi",
        SimDeviceSpec::Nvme {
            config: Box::new(nvme),
            state: Box::new(state),
        },
        512,
        16_384,
    )
    .unwrap();
    write_data(&ndi);
    for (profile, code, words) in [
        (
            &card,
            "hidden-areas-not-checked",
            "hardware partitions not checked",
        ),
        (&ndi, "verification-inconclusive", "SANICAP NDI"),
    ] {
        let (cert, path) = erase_and_certify(&st, profile, "auto", sample);
        assert_eq!(
            cert.outcome.status,
            OutcomeStatus::ErasedWithExceptions,
            "{:?}",
            cert.outcome.exceptions
        );
        let e = cert
            .outcome
            .exceptions
            .iter()
            .find(|e| e.code == code)
            .unwrap_or_else(|| panic!("{code}: {:?}", cert.outcome.exceptions));
        assert!(e.detail.contains(words), "{}", e.detail);
        let claim = cert.sanitization.standard_claimed.clone().unwrap();
        assert!(claim.contains(code), "{claim}");
        assert_eq!(cert.verification.result, VerificationResult::Pass);
        if code == "verification-inconclusive" {
            assert!(
                cert.limitations
                    .iter()
                    .any(|l| l.code == "crypto-erase-not-told-from-deallocation"),
                "{:?}",
                cert.limitations
            );
        }
        assert!(ardoise_cert::verify::verify(&[path], &trust(data.path())).ok);
    }
}
