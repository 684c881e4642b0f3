//! Whole erase jobs over simulated disks: the verdict comes out right for every kind of drive and
//! every way an erase goes wrong.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ardoise_disk::discovery::DiscoveryOptions;
use ardoise_disk::open::describe_target;
use ardoise_disk::sim::profile::{standard_machine, SimDeviceSpec, SimDisk, SimProfile};
use ardoise_disk::{open_disk, Access, BlockIo, MediaKind, Transport};
use ardoise_erase::firmware::MemoryVault;
use ardoise_erase::job::{
    execute, prepare, spawn, JobEvent, JobRequest, PreparedJob, VerifyChoice,
};
use ardoise_erase::outcome::{ExceptionCode, Outcome};
use ardoise_erase::overwrite::CancelToken;

const SECTORS: u64 = 32_768; // 16 MiB

fn request(method: &str, verify: VerifyChoice) -> JobRequest {
    JobRequest {
        method: method.into(),
        verify,
        firmware_poll: Duration::from_millis(5),
        ..Default::default()
    }
}

fn machine() -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = standard_machine(dir.path(), SECTORS).unwrap();
    (dir, paths)
}

fn sim_path(p: &Path) -> PathBuf {
    PathBuf::from(format!("sim:{}", p.display()))
}

/// Writes recognisable data (an MBR and text) over the first MiB and a few places further in.
fn fill_with_data(p: &Path) {
    let disk = SimDisk::load(p).unwrap();
    let blk = disk.block();
    let mut buf = vec![0u8; 1 << 20];
    for (i, chunk) in buf.chunks_mut(64).enumerate() {
        let line =
            format!("donor data line {i:08} -- confidential payroll record, do not disclose\n");
        chunk.copy_from_slice(&line.as_bytes()[..64]);
    }
    buf[510] = 0x55;
    buf[511] = 0xAA;
    buf[446 + 4] = 0x07;
    buf[446 + 8..446 + 12].copy_from_slice(&2048u32.to_le_bytes());
    buf[446 + 12..446 + 16].copy_from_slice(&100_000u32.to_le_bytes());
    let size = blk.size_bytes();
    for off in (0..size).step_by(1 << 22) {
        blk.write_at(&buf, off).unwrap();
    }
    blk.flush().unwrap();
}

fn prepared(path: &Path, req: JobRequest) -> PreparedJob {
    let info = describe_target(&DiscoveryOptions::default(), &sim_path(path)).unwrap();
    let disk = open_disk(&info, Access::ReadWrite).unwrap();
    match prepare(disk, req, &MemoryVault::new()) {
        Ok(p) => p,
        Err(r) => panic!("prepare: {}", r.error),
    }
}

fn run(path: &Path, req: JobRequest) -> ardoise_erase::job::ErasureReport {
    let job = prepared(path, req);
    let (tx, _rx) = crossbeam_channel::unbounded();
    execute(job, &tx, &CancelToken::new(), &MemoryVault::new())
}

fn codes(r: &ardoise_erase::job::ErasureReport) -> Vec<ExceptionCode> {
    r.exceptions.iter().map(|e| e.code).collect()
}

#[test]
fn auto_erases_every_erasable_standard_disk() {
    let (_dir, paths) = machine();
    // HDD, frozen SSD (falls back to overwrite), NVMe, eMMC; the failing disk and the boot stick
    // are covered by their own tests.
    for (i, expect_method) in [
        (0, "ata-sanitize-crypto"),
        (1, "overwrite-random-zero"),
        (2, "nvme-sanitize-crypto"),
        (3, "mmc-sanitize"),
    ] {
        fill_with_data(&paths[i]);
        let r = run(
            &paths[i],
            request(
                "auto",
                VerifyChoice::Sample {
                    coverage_percent: 2.0,
                },
            ),
        );
        assert_eq!(r.plan.method.id(), expect_method, "{}", paths[i].display());
        assert_eq!(
            r.outcome,
            Outcome::Erased,
            "{}: {:?}",
            paths[i].display(),
            r.exceptions
        );
        assert!(r.verification.as_ref().unwrap().passed());
        assert!(r.level_achieved.is_some());
        assert!(
            !r.transcript.is_empty() || r.plan.method.id().starts_with("overwrite"),
            "commands are recorded"
        );
        assert_eq!(r.transcript_blake3.len(), 64);
    }
}

#[test]
fn a_lying_drive_is_not_erased() {
    let (dir, _) = machine();
    let mut cfg = ardoise_disk::sim::ata::AtaSimConfig::ssd();
    cfg.knobs.lying = true;
    let state = ardoise_disk::sim::ata::AtaSimState::power_on(&cfg);
    let p = SimDisk::create(
        dir.path(),
        "liar",
        SimDeviceSpec::Ata {
            config: Box::new(cfg),
            state: Box::new(state),
            usb_bridge: false,
        },
        512,
        SECTORS,
    )
    .unwrap();
    fill_with_data(&p);
    let r = run(
        &p,
        request(
            "auto",
            VerifyChoice::Sample {
                coverage_percent: 1.0,
            },
        ),
    );
    assert!(r.plan.method.is_firmware());
    assert!(
        r.firmware.iter().all(|f| f.completed),
        "the drive claims success"
    );
    assert_eq!(r.outcome, Outcome::NotErased);
    assert!(
        codes(&r).contains(&ExceptionCode::VerificationFailed),
        "{:?}",
        r.exceptions
    );
    assert_eq!(r.level_achieved, None);
}

#[test]
fn a_drive_failing_mid_erase_is_not_erased_and_left_without_password() {
    let (_dir, paths) = machine();
    let failing = &paths[4];
    let r = run(
        failing,
        request(
            "ata-security-erase-enhanced",
            VerifyChoice::Sample {
                coverage_percent: 1.0,
            },
        ),
    );
    assert_eq!(r.outcome, Outcome::NotErased);
    assert!(
        codes(&r).contains(&ExceptionCode::EraseFailed),
        "{:?}",
        r.exceptions
    );
    let profile: SimProfile = SimDisk::load(failing).unwrap().profile();
    let SimDeviceSpec::Ata { state, .. } = profile.device else {
        panic!()
    };
    assert!(
        !state.security.enabled && !state.security.locked,
        "no password left behind"
    );
}

#[test]
fn overwrite_without_verification_is_only_erased_with_exceptions() {
    let (_dir, paths) = machine();
    let r = run(&paths[0], request("overwrite-zero", VerifyChoice::None));
    assert_eq!(r.outcome, Outcome::ErasedWithExceptions);
    assert_eq!(codes(&r), vec![ExceptionCode::NotVerified]);
    assert_eq!(r.bytes_written, SECTORS * 512);
}

#[test]
fn a_disk_that_vanishes_mid_overwrite_is_not_erased() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SimDeviceSpec::Block {
        model: "stick".into(),
        serial: "S1".into(),
        transport: Transport::Usb,
        media: MediaKind::UsbFlash,
    };
    let p = SimDisk::create(dir.path(), "stick", spec, 512, SECTORS).unwrap();
    let mut prof: SimProfile = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    prof.faults.vanish_after_bytes_written = Some(3 << 20);
    std::fs::write(&p, serde_json::to_string(&prof).unwrap()).unwrap();
    let r = run(&p, request("auto", VerifyChoice::Full));
    assert_eq!(r.outcome, Outcome::NotErased);
    assert!(
        codes(&r).contains(&ExceptionCode::DeviceGone),
        "{:?}",
        r.exceptions
    );
    assert!(
        SimDisk::load(&p).unwrap().profile().gone,
        "the simulated disk stays gone"
    );
}

#[test]
fn an_unsupported_method_is_refused_before_anything_happens() {
    let (_dir, paths) = machine();
    let info = describe_target(&DiscoveryOptions::default(), &sim_path(&paths[2])).unwrap();
    let disk = open_disk(&info, Access::ReadWrite).unwrap();
    let Err(ardoise_erase::job::Refused { error: e, .. }) = prepare(
        disk,
        request("ata-sanitize-block", VerifyChoice::None),
        &MemoryVault::new(),
    ) else {
        panic!("must refuse")
    };
    assert!(e.to_string().contains("not"), "{e}");
    let disk = open_disk(&info, Access::ReadWrite).unwrap();
    let Err(ardoise_erase::job::Refused { error: e, .. }) = prepare(
        disk,
        request("shred", VerifyChoice::None),
        &MemoryVault::new(),
    ) else {
        panic!("must refuse")
    };
    assert!(e.to_string().contains("unknown method"), "{e}");
}

#[test]
fn cancelling_gives_not_erased_and_events_flow() {
    let (_dir, paths) = machine();
    let job = prepared(&paths[0], request("overwrite-gutmann", VerifyChoice::Full));
    let (tx, rx) = crossbeam_channel::unbounded();
    let handle = spawn(job, tx, std::sync::Arc::new(MemoryVault::new()));
    // Wait until writing has started, then cancel.
    let mut saw_progress = false;
    for ev in rx.iter() {
        if let JobEvent::Progress { bytes_done, .. } = ev {
            if bytes_done > 0 {
                saw_progress = true;
                handle.cancel();
                break;
            }
        }
    }
    assert!(saw_progress);
    let report = handle.join().expect("the job thread ends with a report");
    assert_eq!(report.outcome, Outcome::NotErased);
    assert!(
        codes(&report).contains(&ExceptionCode::Cancelled),
        "{:?}",
        report.exceptions
    );
    let finished = rx.iter().any(|e| matches!(e, JobEvent::Finished { .. }));
    assert!(finished, "a Finished event closes every job");
}

#[test]
fn data_changed_behind_the_engines_back_fails_verification() {
    // An overwrite whose last pass is checked in full: a region rewritten between the overwrite
    // and the read-back (a drive that reorders or drops writes) must fail the job.
    let (_dir, paths) = machine();
    let job = prepared(&paths[0], request("overwrite-zero", VerifyChoice::Full));
    let media = SimDisk::load(&paths[0]).unwrap().media();
    // A rendezvous channel: the job cannot send its next event (the verification phase),
    // let alone read anything back, before this thread has taken the flush event and written.
    let (tx, rx) = crossbeam_channel::bounded(0);
    let handle = spawn(job, tx, std::sync::Arc::new(MemoryVault::new()));
    let mut written = false;
    for ev in rx.iter() {
        if let JobEvent::Phase {
            phase: ardoise_erase::job::JobPhase::Flush,
            ..
        } = ev
        {
            media.write_native(8 << 20, &vec![0x41u8; 4096]).unwrap();
            written = true;
        }
    }
    assert!(written, "no flush phase");
    let r = handle.join().unwrap();
    assert_eq!(r.outcome, Outcome::NotErased, "{:?}", r.exceptions);
    assert!(codes(&r).contains(&ExceptionCode::VerificationFailed));
}
