//! What one command reaches beyond the disk named (issue 12 §6), on simulated drives: eMMC
//! hardware partitions outside the user area. (NVMe sibling namespaces need real block
//! devices: tests/qemu/test-reach.sh.)

mod firmware_support;

use std::time::Duration;

use ardoise_disk::sim::mmc::MmcSimConfig;
use ardoise_erase::firmware::MemoryVault;
use ardoise_erase::job::{execute, prepare, JobRequest, VerifyChoice};
use ardoise_erase::outcome::{ExceptionCode, Outcome};
use ardoise_erase::overwrite::CancelToken;
use ardoise_erase::probe::probe;
use firmware_support::*;

fn erase(p: &std::path::Path) -> ardoise_erase::job::ErasureReport {
    let vault = MemoryVault::new();
    let req = JobRequest {
        method: "auto".into(),
        verify: VerifyChoice::Sample {
            coverage_percent: 2.0,
        },
        firmware_poll: Duration::from_millis(5),
        ..Default::default()
    };
    let job = prepare(open(p), req, &vault).unwrap_or_else(|r| panic!("{}", r.error));
    let (tx, _rx) = crossbeam_channel::unbounded();
    execute(job, &tx, &CancelToken::new(), &vault)
}

#[test]
fn an_emmc_with_boot_and_general_purpose_partitions_is_never_simply_erased() {
    let dir = tempfile::tempdir().unwrap();
    let card = emmc(
        dir.path(),
        "card",
        MmcSimConfig {
            boot_size_mult: 32,         // 2 × 4 MiB
            gp_size_mult: [8, 0, 0, 0], // 8 × 1 × 1 × 512 KiB
            rpmb_size_mult: 32,
            ..Default::default()
        },
    );
    let caps = probe(&mut open(&card)).capabilities;
    let m = caps.mmc.clone().unwrap();
    assert_eq!(m.boot_partition_bytes, 4 << 20);
    assert_eq!(m.gp_partition_bytes, [4 << 20]);
    assert_eq!(m.rpmb_bytes, 4 << 20);
    fill_text(&*open(&card).block);
    let r = erase(&card);
    assert_eq!(r.plan.method.id(), "mmc-sanitize");
    assert_eq!(
        r.outcome,
        Outcome::ErasedWithExceptions,
        "{:?}",
        r.exceptions
    );
    let e = &r.exceptions[0];
    assert_eq!(e.code, ExceptionCode::HiddenAreaNotErased);
    for words in [
        "two boot partitions of 4.0 MiB each",
        "1 general-purpose partition(s) (4.0 MiB)",
        "replay-protected block (4.0 MiB)",
    ] {
        assert!(e.detail.contains(words), "{}", e.detail);
    }
    // The user area itself was erased and verified.
    assert!(r.verification.as_ref().unwrap().passed());

    // A card without them (the simulator's default) is simply erased.
    let plain = emmc(dir.path(), "plain", MmcSimConfig::default());
    fill_text(&*open(&plain).block);
    let r = erase(&plain);
    assert_eq!(r.outcome, Outcome::Erased, "{:?}", r.exceptions);
}
