//! Overwrite and verification on real block devices: loop devices with direct I/O that each test
//! creates and always detaches (skipped, with a message, when not root or without losetup).

mod overwrite_util;

use std::process::Command;

use ardoise_disk::block::BlockIo;
use ardoise_erase::assurance::Coverage;
use ardoise_erase::fs_magic::{self, SignatureKind};
use ardoise_erase::overwrite;
use ardoise_erase::verify::{self, VerifyReport};
use ardoise_erase::{
    Control, Expected, Fingerprints, OverwriteOptions, OverwriteOutcome, SampleParams, SamplePlan,
    Scheme, Seed, Verdict, VerifyOptions, VerifyScope,
};
use overwrite_util::*;

fn plan_for(dev: &dyn BlockIo, seed: u8) -> SamplePlan {
    SamplePlan::new(
        Seed([seed; 16]),
        dev.size_bytes(),
        dev.logical_sector_size(),
        &SampleParams::default(),
    )
    .unwrap()
}

fn check(dev: &dyn BlockIo, scope: &VerifyScope, expected: &Expected) -> VerifyReport {
    verify::run(
        dev,
        scope,
        expected,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap()
}

fn erase(dev: &dyn BlockIo, scheme: &Scheme) -> overwrite::OverwriteReport {
    let r = overwrite::run(
        dev,
        scheme,
        Seed::random().unwrap(),
        &OverwriteOptions::default(),
        &mut Control::default(),
    )
    .unwrap();
    assert_eq!(r.outcome, OverwriteOutcome::Completed, "{r:?}");
    r
}

#[test]
fn overwrite_then_full_and_sampled_verification_pass() {
    let Some(lo) = LoopDevice::new(64 * MIB, 512) else {
        return;
    };
    write_behind(lo.path(), 0, &text(64 * MIB as usize));
    let dev = lo.open();
    assert!(dev.is_direct(), "the loop device is opened with O_DIRECT");
    assert_eq!(dev.size_bytes(), 64 * MIB);
    let r = erase(&dev, &Scheme::zero());
    assert!(r.settings.direct_io);
    let expected = r.expected_state().unwrap();
    let full = check(&dev, &VerifyScope::Full, &expected);
    assert!(full.passed(), "{}", full.summary());
    assert_eq!(full.method, Coverage::Full);
    assert_eq!(full.bytes_read, 64 * MIB);
    let sampled = check(&dev, &VerifyScope::Sampled(plan_for(&dev, 1)), &expected);
    assert!(sampled.passed(), "{}", sampled.summary());
    assert_eq!(sampled.samples_checked, 2002);
}

#[test]
fn random_and_three_pass_read_back_as_written() {
    let Some(lo) = LoopDevice::new(32 * MIB, 512) else {
        return;
    };
    let dev = lo.open();
    for scheme in [Scheme::random(), Scheme::three_pass()] {
        let r = erase(&dev, &scheme);
        let v = check(&dev, &VerifyScope::Full, &r.expected_state().unwrap());
        assert!(v.passed(), "{}: {}", scheme.id, v.summary());
    }
}

#[test]
fn data_changed_after_the_erase_fails_verification() {
    let Some(lo) = LoopDevice::new(64 * MIB, 512) else {
        return;
    };
    let dev = lo.open();
    let r = erase(&dev, &Scheme::random());
    let expected = r.expected_state().unwrap();
    // Someone writes 3 MiB of text into the middle of the disk after the erase.
    let at = 30 * MIB + 4096;
    let len = 3 * MIB as usize;
    write_behind(lo.path(), at, &text(len));

    let full = check(&dev, &VerifyScope::Full, &expected);
    assert_eq!(full.verdict, Verdict::Fail);
    assert_eq!(full.mismatched_bytes, len as u64);
    assert_eq!(
        full.first_mismatches,
        vec![ardoise_erase::ByteRange::new(at, len as u64)]
    );
    assert!(full.assurance.is_none());
    assert!(
        full.summary().contains(&format!(
            "{len} bytes do not hold the expected content, first at byte {at}"
        )),
        "{}",
        full.summary()
    );

    // 3 MiB spans many 64 KiB strata: the samples of the strata inside it all hit it.
    let plan = plan_for(&dev, 2);
    let stratum = plan.summary().stratum_bytes_max;
    assert!(len as u64 >= 2 * stratum);
    let inside = plan
        .extents()
        .iter()
        .filter(|e| e.offset >= at && e.offset + e.len <= at + len as u64)
        .count() as u64;
    let sampled = check(&dev, &VerifyScope::Sampled(plan), &expected);
    assert_eq!(sampled.verdict, Verdict::Fail);
    assert!(
        sampled.mismatched_samples >= inside && inside > 0,
        "{inside} {sampled:?}"
    );
    assert!(sampled
        .summary()
        .contains("samples do not hold the expected content"));
}

#[test]
fn a_4096_byte_sector_device_works() {
    let Some(lo) = LoopDevice::new(64 * MIB, 4096) else {
        return;
    };
    let dev = lo.open();
    assert_eq!(dev.logical_sector_size(), 4096);
    write_behind(lo.path(), 0, &text(64 * MIB as usize));
    let r = erase(&dev, &Scheme::dod_5220_22_m());
    assert_eq!(r.sector_size, 4096);
    assert!(r.passes[2].verification.as_ref().unwrap().passed());
    let expected = r.expected_state().unwrap();
    assert!(check(&dev, &VerifyScope::Full, &expected).passed());
    let plan = plan_for(&dev, 3);
    assert_eq!(plan.summary().sector_size, 4096);
    assert!(plan
        .extents()
        .iter()
        .all(|e| e.offset % 4096 == 0 && e.len % 4096 == 0));
    let v = check(&dev, &VerifyScope::Sampled(plan), &expected);
    assert!(v.passed(), "{}", v.summary());
    // One changed sector is found and reported in device units.
    write_behind(lo.path(), 40 * MIB, &text(4096));
    let v = check(&dev, &VerifyScope::Full, &expected);
    assert_eq!(
        v.first_mismatches,
        vec![ardoise_erase::ByteRange::new(40 * MIB, 4096)]
    );
}

#[test]
fn a_lying_drive_fails_the_before_after_comparison() {
    let Some(lo) = LoopDevice::new(64 * MIB, 512) else {
        return;
    };
    write_behind(lo.path(), 0, &text(64 * MIB as usize));
    let dev = lo.open();
    let plan = plan_for(&dev, 4);
    let fp = Fingerprints::capture(
        &dev,
        &plan,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap();
    // The drive claims a crypto erase and does nothing.
    let v = check(
        &dev,
        &VerifyScope::Sampled(plan.clone()),
        &Expected::DiffersFrom(fp),
    );
    assert_eq!(v.verdict, Verdict::Fail);
    assert_eq!(v.mismatched_samples, v.samples_total);

    // A real change of every byte passes.
    let fp = Fingerprints::capture(
        &dev,
        &plan,
        &VerifyOptions::default(),
        &mut Control::default(),
    )
    .unwrap();
    erase(&dev, &Scheme::random());
    let v = check(
        &dev,
        &VerifyScope::Sampled(plan),
        &Expected::DiffersFrom(fp),
    );
    assert!(v.passed(), "{}", v.summary());
}

fn mkfs(tool: &str, args: &[&str], dev: &std::path::Path) -> bool {
    if !have(tool) {
        eprintln!("SKIP: {tool} is not installed");
        return false;
    }
    let out = Command::new(tool).args(args).arg(dev).output().unwrap();
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

#[test]
fn signatures_of_real_filesystems_are_found_and_fail_a_fingerprint_check() {
    let Some(lo) = LoopDevice::new(64 * MIB, 512) else {
        return;
    };
    for (tool, args, kind) in [
        ("mkfs.ext4", &["-q", "-F"][..], SignatureKind::Ext),
        ("mkfs.vfat", &["-F", "32"][..], SignatureKind::Fat),
        ("mkswap", &[][..], SignatureKind::Swap),
    ] {
        if !mkfs(tool, args, lo.path()) {
            continue;
        }
        let dev = lo.open();
        let mut head = ardoise_disk::AlignedBuf::new(MIB as usize);
        dev.read_at(head.as_mut_slice(), 0).unwrap();
        let hits = fs_magic::scan(head.as_slice(), 0);
        assert!(hits.iter().any(|h| h.kind == kind), "{tool}: {hits:?}");

        // A "crypto erase" that rewrote everything but the first MiB.
        let plan = plan_for(&dev, 5);
        let fp = Fingerprints::capture(
            &dev,
            &plan,
            &VerifyOptions::default(),
            &mut Control::default(),
        )
        .unwrap();
        fill_random(&dev, 20);
        dev.write_at(head.as_slice(), 0).unwrap();
        let v = check(
            &dev,
            &VerifyScope::Sampled(plan),
            &Expected::DiffersFrom(fp),
        );
        assert_eq!(v.verdict, Verdict::Fail);
        assert!(v.signatures.iter().any(|h| h.kind == kind), "{tool}: {v:?}");
        drop(dev);
        // Clean slate for the next tool.
        write_behind(lo.path(), 0, &vec![0u8; MIB as usize]);
    }
}
