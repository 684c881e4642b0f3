//! The overwrite engine on simulated disks and regular files: what it writes, how it reports
//! faults, cancellation and progress.

mod overwrite_util;

use std::time::Duration;

use ardoise_disk::block::{Access, BlockIo, DeviceFile};
use ardoise_disk::sim::FaultPlan;
use ardoise_erase::overwrite::{self, FailReason, PassStatus, PassVerify};
use ardoise_erase::verify::{self, Verdict};
use ardoise_erase::{
    ByteRange, CancelToken, Control, Expected, OverwriteOptions, OverwriteOutcome, Pass,
    PatternSpec, Phase, Progress, SampleParams, Scheme, Seed, VerifyOptions, VerifyScope,
};
use overwrite_util::*;

fn full_verify(dev: &dyn BlockIo, expected: &Expected) -> verify::VerifyReport {
    verify::run(
        dev,
        &VerifyScope::Full,
        expected,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap()
}

fn small_chunks() -> OverwriteOptions {
    // Many pieces on small test disks, so that the threads really interleave.
    OverwriteOptions {
        chunk_bytes: 64 * 1024,
        ..OverwriteOptions::default()
    }
}

#[test]
fn zero_scheme_on_a_simulated_disk() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 8192);
    fill_random(&blk, 1);
    assert!(!full_verify(&blk, &Expected::zeros()).passed());
    let seed = Seed::random().unwrap();
    let r = overwrite::run(
        &blk,
        &Scheme::zero(),
        seed,
        &small_chunks(),
        &mut Control::default(),
    )
    .unwrap();
    assert_eq!(r.outcome, OverwriteOutcome::Completed);
    assert_eq!(r.passes_completed, 1);
    assert_eq!(r.passes[0].status, PassStatus::Written);
    assert_eq!(r.passes[0].bytes_written, 8192 * 512);
    assert!(r.flushed);
    assert_eq!(r.unwritable_sectors, 0);
    let v = full_verify(&blk, &r.expected_state().unwrap());
    assert!(v.passed(), "{}", v.summary());
    assert_eq!(v.bytes_read, 8192 * 512);
}

#[test]
fn random_scheme_writes_the_recomputable_keystream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("target.img");
    std::fs::write(&path, text(3 * MIB as usize + 4096)).unwrap();
    let dev = DeviceFile::open(&path, Access::ReadWrite).unwrap();
    let seed = Seed::random().unwrap();
    let r = overwrite::run(
        &dev,
        &Scheme::random(),
        seed,
        &small_chunks(),
        &mut Control::default(),
    )
    .unwrap();
    assert_eq!(r.outcome, OverwriteOutcome::Completed);
    assert_eq!(r.seed, seed);
    let v = full_verify(&dev, &r.expected_state().unwrap());
    assert!(v.passed(), "{}", v.summary());
    // Another seed, or another stream, is not what was written.
    let other = full_verify(
        &dev,
        &Expected::Pattern(ardoise_erase::Pattern::random(Seed([0; 16]), 0)),
    );
    assert!(!other.passed());
    let other = full_verify(
        &dev,
        &Expected::Pattern(ardoise_erase::Pattern::random(seed, 1)),
    );
    assert!(!other.passed());
}

#[test]
fn three_pass_ends_in_zeros_and_reports_each_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 4096, 1024);
    fill_random(&blk, 2);
    let r = overwrite::run(
        &blk,
        &Scheme::three_pass(),
        Seed::random().unwrap(),
        &small_chunks(),
        &mut Control::default(),
    )
    .unwrap();
    assert_eq!(r.outcome, OverwriteOutcome::Completed);
    assert_eq!(r.passes.len(), 3);
    assert_eq!(r.passes_completed, 3);
    assert_eq!(
        r.passes.iter().map(|p| p.stream).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert!(r.passes.iter().all(|p| p.flushed == Some(true)));
    assert!(full_verify(&blk, &Expected::zeros()).passed());
}

#[test]
fn repeating_patterns_are_written_in_phase_with_the_device_offset() {
    let dir = tempfile::tempdir().unwrap();
    // 3-byte pattern, 64 KiB chunks: the engine must keep every piece at phase 0.
    let (_m, blk) = sim_disk(dir.path(), 512, 3000);
    let scheme = Scheme::custom(
        "gutmann-7",
        "Gutmann pass 7",
        vec![Pass::write(PatternSpec::repeat(&[0x92, 0x49, 0x24]))],
    )
    .unwrap();
    let seed = Seed([0; 16]);
    let r = overwrite::run(
        &blk,
        &scheme,
        seed,
        &small_chunks(),
        &mut Control::default(),
    )
    .unwrap();
    assert_eq!(r.outcome, OverwriteOutcome::Completed);
    assert!(full_verify(&blk, &r.expected_state().unwrap()).passed());
    let mut b = vec![0u8; 512];
    blk.read_at(&mut b, 65536 * 2).unwrap();
    // 131072 % 3 == 2: the byte there is pattern[2].
    assert_eq!(&b[..3], &[0x24, 0x92, 0x49]);
}

#[test]
fn a_fixed_pattern_pass_then_a_random_pass() {
    // The fixed pass leaves a buffer sized for its period in the pool; the random pass must
    // not use it for a full chunk.
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 4096);
    let scheme = Scheme::custom(
        "mixed",
        "mixed",
        vec![
            Pass::write(PatternSpec::repeat(&[0x6D, 0xB6, 0xDB])),
            Pass::write(PatternSpec::Random),
        ],
    )
    .unwrap();
    let r = overwrite::run(
        &blk,
        &scheme,
        Seed([2; 16]),
        &small_chunks(),
        &mut Control::default(),
    )
    .unwrap();
    assert_eq!(r.outcome, OverwriteOutcome::Completed);
    assert!(full_verify(&blk, &r.expected_state().unwrap()).passed());
}

#[test]
fn gutmann_runs_35_passes_and_ends_with_random() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 2048);
    let r = overwrite::run(
        &blk,
        &Scheme::gutmann(),
        Seed::random().unwrap(),
        &small_chunks(),
        &mut Control::default(),
    )
    .unwrap();
    assert_eq!(r.outcome, OverwriteOutcome::Completed);
    assert_eq!(r.passes_completed, 35);
    assert!(full_verify(&blk, &r.expected_state().unwrap()).passed());
}

#[test]
fn dod_verifies_its_last_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 4096);
    let r = overwrite::run(
        &blk,
        &Scheme::dod_5220_22_m(),
        Seed::random().unwrap(),
        &small_chunks(),
        &mut Control::default(),
    )
    .unwrap();
    assert_eq!(r.outcome, OverwriteOutcome::Completed);
    assert!(r.passes[0].verification.is_none());
    let v = r.passes[2]
        .verification
        .as_ref()
        .expect("pass 3 is verified");
    assert!(v.passed());
    assert_eq!(v.bytes_read, 4096 * 512);

    // Sampled pass verification: the plan's seed is derived from the job seed.
    let opts = OverwriteOptions {
        pass_verify: PassVerify::Sampled(SampleParams::default()),
        ..small_chunks()
    };
    let r = overwrite::run(
        &blk,
        &Scheme::hmg_is5_enhanced(),
        Seed([4; 16]),
        &opts,
        &mut Control::default(),
    )
    .unwrap();
    let v = r.passes[2].verification.as_ref().unwrap();
    assert!(v.passed());
    assert_eq!(
        v.plan.as_ref().unwrap().seed,
        overwrite::derive_seed(Seed([4; 16]), "pass-verify/3")
    );
}

#[test]
fn unwritable_sectors_are_skipped_counted_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let (media, blk) = sim_disk(dir.path(), 512, 8192);
    fill_random(&blk, 3);
    media.set_faults(FaultPlan {
        unwritable: [100, 101, 5000].into(),
        ..FaultPlan::default()
    });
    let r = overwrite::run(
        &blk,
        &Scheme::three_pass(),
        Seed::random().unwrap(),
        &small_chunks(),
        &mut Control::default(),
    )
    .unwrap();
    assert_eq!(r.outcome, OverwriteOutcome::CompletedWithUnwritable);
    assert!(!r.outcome.is_success());
    // Every pass went on to the end.
    assert_eq!(r.passes.len(), 3);
    assert_eq!(r.passes_completed, 0);
    for p in &r.passes {
        assert_eq!(p.status, PassStatus::WrittenExceptUnwritable);
        assert_eq!(p.unwritable_sectors, 3);
        assert_eq!(p.bytes_written, (8192 - 3) * 512);
    }
    let want = vec![
        ByteRange::new(100 * 512, 1024),
        ByteRange::new(5000 * 512, 512),
    ];
    assert_eq!(r.unwritable, want);
    assert_eq!(r.unwritable_sectors, 3);
    assert_eq!(r.error_count, 6, "two failing chunks per pass");
    assert!(r.errors.iter().all(|e| e.unwritable_sectors > 0));
    // Those sectors still hold the old data: a full read-back says exactly where.
    let v = full_verify(&blk, &Expected::zeros());
    assert_eq!(v.verdict, Verdict::Fail);
    assert_eq!(v.first_mismatches, want);
    assert!(v.assurance.is_none());
}

#[test]
fn too_many_bad_sectors_fail_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let (media, blk) = sim_disk(dir.path(), 512, 4096);
    media.set_faults(FaultPlan {
        unwritable: (1000..1100).collect(),
        ..FaultPlan::default()
    });
    let opts = OverwriteOptions {
        max_bad_sectors: 10,
        ..small_chunks()
    };
    let r = overwrite::run(
        &blk,
        &Scheme::zero(),
        Seed([0; 16]),
        &opts,
        &mut Control::default(),
    )
    .unwrap();
    assert!(matches!(
        r.outcome,
        OverwriteOutcome::Failed {
            reason: FailReason::TooManyBadSectors,
            ..
        }
    ));
    assert_eq!(r.passes[0].status, PassStatus::Interrupted);
    assert_eq!(r.passes_completed, 0);
}

#[test]
fn a_vanishing_device_fails_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let (media, blk) = sim_disk(dir.path(), 512, 16384);
    media.set_faults(FaultPlan {
        vanish_after_bytes_written: Some(3 * MIB),
        ..FaultPlan::default()
    });
    let r = overwrite::run(
        &blk,
        &Scheme::three_pass(),
        Seed::random().unwrap(),
        &small_chunks(),
        &mut Control::default(),
    )
    .unwrap();
    match &r.outcome {
        OverwriteOutcome::Failed { reason, detail } => {
            assert_eq!(*reason, FailReason::DeviceGone);
            assert!(detail.contains("gone"), "{detail}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(r.passes.len(), 1, "no pass after the device vanished");
    assert_eq!(r.passes[0].status, PassStatus::Interrupted);
    assert!(r.passes[0].bytes_written <= 3 * MIB);
    assert_eq!(r.passes_completed, 0);
    assert!(!r.flushed);
    assert!(r.expected_state().is_none());
}

#[test]
fn a_device_that_vanishes_with_eio_is_gone_not_unwritable() {
    // A pulled USB disk answers its last writes with EIO: the engine must not count the rest of
    // the disk as bad sectors, it must see that the disk left.
    let dir = tempfile::tempdir().unwrap();
    let (media, blk) = sim_disk(dir.path(), 512, 16384);
    media.set_faults(FaultPlan {
        vanish_after_bytes_written: Some(3 * MIB),
        vanish_with_eio: true,
        ..FaultPlan::default()
    });
    let r = overwrite::run(
        &blk,
        &Scheme::three_pass(),
        Seed::random().unwrap(),
        &small_chunks(),
        &mut Control::default(),
    )
    .unwrap();
    match &r.outcome {
        OverwriteOutcome::Failed { reason, detail } => {
            assert_eq!(*reason, FailReason::DeviceGone, "{detail}");
            assert!(detail.contains("EIO"), "{detail}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert_eq!(
        r.unwritable_sectors, 0,
        "a vanished disk is not a bad range"
    );
    assert_eq!(r.passes.len(), 1);
}

#[test]
fn a_full_filesystem_fails_the_job() {
    if !is_root() {
        eprintln!("SKIP: mounting a small tmpfs needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let ok = std::process::Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "size=2m",
            "ardoise-test",
            mnt.to_str().unwrap(),
        ])
        .status()
        .unwrap()
        .success();
    assert!(ok, "mount tmpfs");
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mnt.clone());
    // A sparse 8 MiB file on a 2 MiB filesystem.
    let path = mnt.join("big.img");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(8 * MIB)
        .unwrap();
    let dev = DeviceFile::open(&path, Access::ReadWrite).unwrap();
    let r = overwrite::run(
        &dev,
        &Scheme::zero(),
        Seed([0; 16]),
        &small_chunks(),
        &mut Control::default(),
    )
    .unwrap();
    drop(dev);
    assert!(
        matches!(
            r.outcome,
            OverwriteOutcome::Failed {
                reason: FailReason::NoSpace,
                ..
            }
        ),
        "{:?}",
        r.outcome
    );
    assert_eq!(r.passes[0].status, PassStatus::Interrupted);
    assert_eq!(r.passes_completed, 0);
}

#[test]
fn cancellation_stops_between_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 65536);
    let cancel = CancelToken::new();
    let c2 = cancel.clone();
    let mut seen = Vec::new();
    let mut on_progress = |p: &Progress| {
        seen.push(p.clone());
        if p.bytes_done > 0 {
            c2.cancel();
        }
    };
    let mut ctl = Control::new(cancel, &mut on_progress).with_interval(Duration::from_millis(1));
    let opts = OverwriteOptions {
        chunk_bytes: 64 * 1024,
        writer_threads: 1,
        ..OverwriteOptions::default()
    };
    let r = overwrite::run(&blk, &Scheme::three_pass(), Seed([1; 16]), &opts, &mut ctl).unwrap();
    assert_eq!(r.outcome, OverwriteOutcome::Cancelled);
    assert_eq!(r.passes.len(), 1);
    assert_eq!(r.passes[0].status, PassStatus::Interrupted);
    assert!(r.passes[0].bytes_written < 65536 * 512);
    assert_eq!(r.passes_completed, 0);
    assert!(r.expected_state().is_none());
    assert!(matches!(
        seen[0].phase,
        Phase::Overwrite { pass: 1, passes: 3 }
    ));
}

#[test]
fn progress_is_reported_at_a_bounded_rate_and_ends_at_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 32768);
    let mut seen: Vec<Progress> = Vec::new();
    let mut on_progress = |p: &Progress| seen.push(p.clone());
    let interval = Duration::from_millis(20);
    let mut ctl = Control::new(CancelToken::new(), &mut on_progress).with_interval(interval);
    let started = std::time::Instant::now();
    let r = overwrite::run(
        &blk,
        &Scheme::three_pass(),
        Seed([1; 16]),
        &small_chunks(),
        &mut ctl,
    )
    .unwrap();
    let elapsed = started.elapsed();
    assert!(r.outcome.is_success());
    // Per pass: one report at the start, one at the end, at most one per interval between.
    let bound = 3 * 2 + (elapsed.as_millis() / interval.as_millis()) as usize + 3;
    assert!(seen.len() <= bound, "{} reports in {elapsed:?}", seen.len());
    for pass in 1..=3 {
        let last = seen
            .iter()
            .rfind(|p| p.phase == Phase::Overwrite { pass, passes: 3 })
            .unwrap();
        assert_eq!(last.bytes_done, 32768 * 512);
        assert_eq!(last.bytes_total, 32768 * 512);
        assert_eq!(last.fraction(), 1.0);
    }
    // bytes_done never goes backwards within a pass.
    for w in seen.windows(2) {
        if w[0].phase == w[1].phase {
            assert!(w[1].bytes_done >= w[0].bytes_done);
        }
    }
}

#[test]
fn bad_input_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 64);
    fill_random(&blk, 9);
    let empty = Scheme::custom("none", "none", vec![]).unwrap();
    assert_eq!(
        overwrite::run(
            &blk,
            &empty,
            Seed([0; 16]),
            &OverwriteOptions::default(),
            &mut Control::default()
        )
        .unwrap_err(),
        overwrite::OverwriteError::EmptyScheme
    );
    let opts = OverwriteOptions {
        writer_threads: 0,
        ..OverwriteOptions::default()
    };
    assert!(overwrite::run(
        &blk,
        &Scheme::zero(),
        Seed([0; 16]),
        &opts,
        &mut Control::default()
    )
    .is_err());
    // Nothing was written.
    assert!(!full_verify(&blk, &Expected::zeros()).passed());
}
