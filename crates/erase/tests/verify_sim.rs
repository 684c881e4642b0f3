//! Verification on simulated disks: sampled and full read-back, unreadable sectors, and the
//! before/after comparison used for crypto and block erase.

mod overwrite_util;

use ardoise_disk::block::BlockIo;
use ardoise_disk::sim::FaultPlan;
use ardoise_erase::assurance::Coverage;
use ardoise_erase::fs_magic::SignatureKind;
use ardoise_erase::verify::{self, ExtentKind, VerifyError};
use ardoise_erase::{
    Control, Expected, Fingerprints, Pattern, SampleParams, SamplePlan, Seed, Verdict,
    VerifyOptions, VerifyScope,
};
use overwrite_util::*;

fn sampled(dev: &dyn BlockIo, seed: u8) -> SamplePlan {
    SamplePlan::new(
        Seed([seed; 16]),
        dev.size_bytes(),
        dev.logical_sector_size(),
        &SampleParams::default(),
    )
    .unwrap()
}

fn run(dev: &dyn BlockIo, scope: &VerifyScope, expected: &Expected) -> verify::VerifyReport {
    verify::run(
        dev,
        scope,
        expected,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap()
}

fn zero(dev: &dyn BlockIo) {
    let buf = ardoise_disk::AlignedBuf::new(dev.size_bytes() as usize);
    dev.write_at(buf.as_slice(), 0).unwrap();
}

/// "Crypto erase": the device now returns other random bytes everywhere.
fn scramble(dev: &dyn BlockIo, seed: u8) {
    fill_random(dev, seed);
}

#[test]
fn sampled_verification_reads_the_plan_and_states_its_assurance() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 64 * 2048);
    zero(&blk);
    let plan = sampled(&blk, 1);
    assert!(!plan.is_full_read());
    let v = run(
        &blk,
        &VerifyScope::Sampled(plan.clone()),
        &Expected::zeros(),
    );
    assert!(v.passed(), "{}", v.summary());
    assert_eq!(v.method, Coverage::Sampled);
    assert_eq!(v.samples_total, 2002);
    assert_eq!(v.samples_checked, 2002);
    assert_eq!(v.bytes_read, plan.summary().bytes_planned);
    let a = v.assurance.as_ref().unwrap();
    assert_eq!(a.random_samples, 2000);
    assert!(a
        .statement
        .starts_with("With 99.99 % confidence, less than 0.46 %"));
    assert_eq!(v.plan.as_ref().unwrap().seed, Seed([1; 16]));
}

#[test]
fn sampled_verification_finds_a_change_covering_a_stratum() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 64 * 2048);
    zero(&blk);
    let plan = sampled(&blk, 2);
    // Two strata of data in the middle: at least one whole stratum, hence its samples.
    let stratum = plan.summary().stratum_bytes_max;
    let at = 32 * MIB;
    let mut data = ardoise_disk::AlignedBuf::new(2 * stratum as usize + 4096);
    data.as_mut_slice()
        .copy_from_slice(&text(2 * stratum as usize + 4096));
    blk.write_at(data.as_slice(), at).unwrap();
    let v = run(&blk, &VerifyScope::Sampled(plan), &Expected::zeros());
    assert_eq!(v.verdict, Verdict::Fail);
    assert!(v.mismatched_samples >= 2, "{v:?}");
    let first = v.first_mismatches[0];
    assert!(first.offset >= at && first.end() <= at + data.len() as u64);
    assert!(v.assurance.is_none());
    assert!(
        v.summary()
            .contains("samples do not hold the expected content"),
        "{}",
        v.summary()
    );
}

#[test]
fn unreadable_sectors_fail_verification_and_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let (media, blk) = sim_disk(dir.path(), 512, 64 * 2048);
    zero(&blk);
    // Sector 3 is in the head extent that every plan reads.
    media.set_faults(FaultPlan {
        unreadable: [3, 40_000].into(),
        ..FaultPlan::default()
    });
    let full = run(&blk, &VerifyScope::Full, &Expected::zeros());
    assert_eq!(full.verdict, Verdict::Fail);
    assert_eq!(full.unreadable_bytes, 1024);
    assert_eq!(
        full.unreadable,
        vec![
            ardoise_erase::ByteRange::new(3 * 512, 512),
            ardoise_erase::ByteRange::new(40_000 * 512, 512)
        ]
    );
    assert_eq!(full.mismatched_bytes, 0, "the readable rest matched");
    assert_eq!(full.bytes_read, 64 * MIB - 1024);
    assert!(full.summary().contains("1024 bytes could not be read"));
    let s = run(
        &blk,
        &VerifyScope::Sampled(sampled(&blk, 3)),
        &Expected::zeros(),
    );
    assert_eq!(s.verdict, Verdict::Fail);
    assert!(s.unreadable_samples >= 1);
}

#[test]
fn a_vanishing_device_aborts_verification_as_failed() {
    let dir = tempfile::tempdir().unwrap();
    let (media, blk) = sim_disk(dir.path(), 512, 8192);
    zero(&blk);
    media.vanish();
    let v = run(&blk, &VerifyScope::Full, &Expected::zeros());
    assert_eq!(v.verdict, Verdict::Fail);
    assert!(v.aborted.as_deref().unwrap().contains("gone"));
}

#[test]
fn crypto_erase_passes_when_every_sample_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 64 * 2048);
    fill_random(&blk, 10);
    let plan = sampled(&blk, 4);
    let fp = Fingerprints::capture(
        &blk,
        &plan,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap();
    assert_eq!(fp.informative_blocks(), fp.blocks());
    scramble(&blk, 11);
    let v = run(
        &blk,
        &VerifyScope::Sampled(plan),
        &Expected::DiffersFrom(fp),
    );
    assert!(v.passed(), "{}", v.summary());
    assert_eq!(v.uninformative_blocks, 0);
    assert_eq!(v.signatures_found, 0);
}

#[test]
fn fingerprints_and_verification_may_use_different_chunk_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 64 * 2048);
    fill_random(&blk, 17);
    let plan = sampled(&blk, 12);
    let fp = Fingerprints::capture(
        &blk,
        &plan,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap();
    let small = VerifyOptions {
        chunk_bytes: 12 * 1024,
        fingerprint_block: 4096,
        ..VerifyOptions::default()
    };
    // Nothing changed: every block must still be found unchanged.
    let expected = Expected::DiffersFrom(fp);
    let v = verify::run(
        &blk,
        &VerifyScope::Sampled(plan.clone()),
        &expected,
        &small,
        &mut Control::default(),
    )
    .unwrap();
    assert_eq!(v.verdict, Verdict::Fail);
    assert_eq!(v.mismatched_samples, v.samples_total);
    scramble(&blk, 18);
    let v = verify::run(
        &blk,
        &VerifyScope::Sampled(plan),
        &expected,
        &small,
        &mut Control::default(),
    )
    .unwrap();
    assert!(v.passed(), "{}", v.summary());
}

#[test]
fn a_lying_drive_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 64 * 2048);
    fill_random(&blk, 12);
    let plan = sampled(&blk, 5);
    let fp = Fingerprints::capture(
        &blk,
        &plan,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap();
    // The "erase" reports success and does nothing.
    let v = run(
        &blk,
        &VerifyScope::Sampled(plan),
        &Expected::DiffersFrom(fp),
    );
    assert_eq!(v.verdict, Verdict::Fail);
    assert_eq!(v.mismatched_samples, v.samples_total);
}

#[test]
fn a_half_erased_drive_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 64 * 2048);
    fill_random(&blk, 13);
    let plan = sampled(&blk, 6);
    let fp = Fingerprints::capture(
        &blk,
        &plan,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap();
    // The first half changes, the second half keeps its data.
    let mut buf = ardoise_disk::AlignedBuf::new(32 * MIB as usize);
    Pattern::random(Seed([14; 16]), 0).fill(buf.as_mut_slice(), 0);
    blk.write_at(buf.as_slice(), 0).unwrap();
    let v = run(
        &blk,
        &VerifyScope::Sampled(plan),
        &Expected::DiffersFrom(fp),
    );
    assert_eq!(v.verdict, Verdict::Fail);
    assert!(v.first_mismatches[0].offset >= 32 * MIB);
    let half = v.samples_total / 2;
    assert!(v.mismatched_samples > half - 20 && v.mismatched_samples < half + 20);
}

#[test]
fn a_partition_table_left_after_the_erase_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 64 * 2048);
    fill_random(&blk, 15);
    let plan = sampled(&blk, 7);
    let fp = Fingerprints::capture(
        &blk,
        &plan,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap();
    scramble(&blk, 16);
    // The erase spared the GPT header at LBA 1.
    let mut lba1 = ardoise_disk::AlignedBuf::new(512);
    lba1.as_mut_slice()[..8].copy_from_slice(b"EFI PART");
    lba1.as_mut_slice()[8..12].copy_from_slice(&[0, 0, 1, 0]);
    blk.write_at(lba1.as_slice(), 512).unwrap();
    let v = run(
        &blk,
        &VerifyScope::Sampled(plan),
        &Expected::DiffersFrom(fp),
    );
    assert_eq!(v.verdict, Verdict::Fail);
    assert_eq!(v.signatures_found, 1);
    assert_eq!(v.signatures[0].kind, SignatureKind::Gpt);
    assert_eq!(v.signatures[0].offset, 512);
    assert!(v.summary().contains("GPT header"), "{}", v.summary());
}

#[test]
fn blank_blocks_cannot_show_a_change_and_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 64 * 2048);
    zero(&blk);
    let plan = sampled(&blk, 8);
    let fp = Fingerprints::capture(
        &blk,
        &plan,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap();
    assert_eq!(fp.informative_blocks(), 0);
    let block = VerifyOptions::default().fingerprint_block as u64;
    let blocks: u64 = plan.extents().iter().map(|e| e.len.div_ceil(block)).sum();
    assert_eq!(fp.blocks() as u64, blocks);
    // Block erase of a never-written disk: zeros before, zeros after. Nothing to show, nothing
    // left either: it passes, and the report says how many blocks proved nothing.
    let v = run(
        &blk,
        &VerifyScope::Sampled(plan),
        &Expected::DiffersFrom(fp),
    );
    assert!(v.passed());
    assert_eq!(v.uninformative_blocks, blocks);
}

#[test]
fn fingerprints_only_fit_their_plan() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 64 * 2048);
    let plan = sampled(&blk, 9);
    let fp = Fingerprints::capture(
        &blk,
        &plan,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap();
    let err = verify::run(
        &blk,
        &VerifyScope::Sampled(sampled(&blk, 10)),
        &Expected::DiffersFrom(fp),
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap_err();
    assert_eq!(err, VerifyError::FingerprintsNeedTheirPlan);
    // A plan for another disk size is refused too.
    let other = SamplePlan::new(Seed([1; 16]), 128 * MIB, 512, &SampleParams::default()).unwrap();
    assert!(matches!(
        verify::run(
            &blk,
            &VerifyScope::Sampled(other),
            &Expected::zeros(),
            &VerifyOptions::default(),
            &mut Control::default()
        ),
        Err(VerifyError::PlanMismatch { .. })
    ));
}

#[test]
fn tiny_disks_are_read_entirely() {
    let dir = tempfile::tempdir().unwrap();
    let (_m, blk) = sim_disk(dir.path(), 512, 1000);
    zero(&blk);
    let plan = sampled(&blk, 11);
    assert!(plan.is_full_read());
    assert_eq!(plan.extents()[0].kind, ExtentKind::Whole);
    let v = run(&blk, &VerifyScope::Sampled(plan), &Expected::zeros());
    assert!(v.passed());
    assert_eq!(v.bytes_read, 1000 * 512);
    assert!(v
        .assurance
        .unwrap()
        .statement
        .starts_with("Every addressable sector"));
}

#[test]
fn separate_comparer_threads_find_the_same_faults() {
    let dir = tempfile::tempdir().unwrap();
    let (media, blk) = sim_disk(dir.path(), 512, 64 * 2048);
    zero(&blk);
    let mut one = ardoise_disk::AlignedBuf::new(4096);
    one.as_mut_slice().fill(0x41);
    blk.write_at(one.as_slice(), 20 * MIB).unwrap();
    media.set_faults(FaultPlan {
        unreadable: [7].into(),
        ..FaultPlan::default()
    });
    for compare_threads in [0, 1, 2] {
        let opts = VerifyOptions {
            compare_threads,
            ..VerifyOptions::default()
        };
        let v = verify::run(
            &blk,
            &VerifyScope::Full,
            &Expected::zeros(),
            &opts,
            &mut Control::default(),
        )
        .unwrap();
        assert_eq!(v.verdict, Verdict::Fail);
        assert_eq!(
            v.first_mismatches,
            vec![ardoise_erase::ByteRange::new(20 * MIB, 4096)],
            "{compare_threads}"
        );
        assert_eq!(
            v.unreadable,
            vec![ardoise_erase::ByteRange::new(7 * 512, 512)]
        );
        assert_eq!(v.bytes_read + 512, 64 * MIB);
    }
}
