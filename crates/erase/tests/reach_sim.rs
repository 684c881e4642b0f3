//! What one command reaches beyond the disk named (issue 12 §6), on simulated drives: eMMC
//! hardware partitions outside the user area, whether EXT_CSD could be read or not. (NVMe
//! sibling namespaces need real block devices: reach_loop.rs, tests/qemu/test-reach.sh.)

mod firmware_support;

use std::time::Duration;

use ardoise_disk::sim::mmc::MmcSimConfig;
use ardoise_disk::{MediaKind, Transport};
use ardoise_erase::capability::{CommandSet, DriveCapabilities, MmcCaps};
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

#[test]
fn an_emmc_whose_ext_csd_cannot_be_read_has_its_hardware_partitions_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = MmcSimConfig {
        boot_size_mult: 32,
        ..Default::default()
    };
    config.knobs.ext_csd_unreadable = true;
    let card = emmc(dir.path(), "card", config);
    let caps = probe(&mut open(&card)).capabilities;
    assert_eq!(caps.command_set, CommandSet::BlockOnly, "{:?}", caps.notes);
    assert_eq!(caps.mmc, None);
    fill_text(&*open(&card).block);
    let r = erase(&card);
    // Reads and writes only: the host overwrite, verified, over the user area.
    assert_eq!(r.plan.method.id(), "overwrite-random-zero");
    assert!(r.verification.as_ref().unwrap().passed());
    assert_eq!(
        r.outcome,
        Outcome::ErasedWithExceptions,
        "{:?}",
        r.exceptions
    );
    let e = r
        .exceptions
        .iter()
        .find(|e| e.code == ExceptionCode::HiddenAreasNotChecked)
        .expect("hidden-areas-not-checked");
    assert!(
        e.detail.contains("hardware partitions not checked") && e.detail.contains("boot"),
        "{}",
        e.detail
    );
}

/// A fake sysfs card directory: `mmc0:0001/block/` holding `mmcblk0` and the partitions.
fn card_in_sysfs(root: &std::path::Path, partitions: &[&str]) -> ardoise_disk::DiskInfo {
    let block = root.join("devices/platform/mmc/mmc_host/mmc0/mmc0:0001/block");
    for n in std::iter::once(&"mmcblk0").chain(partitions) {
        std::fs::create_dir_all(block.join(n)).unwrap();
    }
    std::fs::create_dir_all(block.join("mmcblk0/mmcblk0p1")).unwrap();
    let mut info =
        ardoise_disk::discovery::file_target(std::path::Path::new("/dev/mmcblk0"), 8 << 20);
    info.name = "mmcblk0".into();
    info.transport = Transport::Mmc;
    info.media = MediaKind::Emmc;
    info.sysfs_path = Some(block.join("mmcblk0"));
    info
}

#[test]
fn boot_partitions_the_kernel_shows_are_never_passed_over() {
    let root = tempfile::tempdir().unwrap();
    let info = card_in_sysfs(
        root.path(),
        &["mmcblk0boot0", "mmcblk0boot1", "mmcblk0rpmb", "mmcblk1"],
    );
    let seen = ardoise_erase::probe::mmc_hardware_partitions(&info);
    assert_eq!(seen, ["mmcblk0boot0", "mmcblk0boot1", "mmcblk0rpmb"]);
    // Block-only (EXT_CSD unread): not checked, and the exception names what the kernel shows.
    let mut caps = DriveCapabilities::block_only(&info);
    caps.mmc_hardware_partitions = seen.clone();
    let e = ardoise_erase::hidden::unchecked(&caps).expect("an exception");
    assert_eq!(e.code, ExceptionCode::HiddenAreasNotChecked);
    assert!(
        e.detail.contains("mmcblk0boot0, mmcblk0boot1"),
        "{}",
        e.detail
    );
    // EXT_CSD read, but reporting no boot partition the kernel shows: not erased, named.
    caps.command_set = CommandSet::Mmc;
    caps.mmc = Some(MmcCaps::default());
    assert_eq!(ardoise_erase::hidden::unchecked(&caps), None);
    let e = ardoise_erase::limits::areas_not_reached(&caps);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].code, ExceptionCode::HiddenAreaNotErased);
    assert!(
        e[0].detail.contains("mmcblk0boot0, mmcblk0boot1"),
        "{}",
        e[0].detail
    );
    // A card whose kernel shows none, and whose EXT_CSD reports none: nothing to say.
    caps.mmc_hardware_partitions.clear();
    assert!(ardoise_erase::limits::areas_not_reached(&caps).is_empty());
}

#[test]
fn an_sd_card_has_no_hardware_partitions_to_miss_and_an_emmc_does() {
    let root = tempfile::tempdir().unwrap();
    let info = card_in_sysfs(root.path(), &["mmcblk1"]);
    let mut caps = DriveCapabilities::block_only(&info);
    caps.mmc_card_is_sd = true;
    assert_eq!(ardoise_erase::hidden::unchecked(&caps), None, "an SD card");
    // …unless the kernel shows one after all.
    caps.mmc_hardware_partitions = vec!["mmcblk0boot0".into()];
    assert!(ardoise_erase::hidden::unchecked(&caps).is_some());
    // An eMMC read by block only: not checked.
    caps.mmc_hardware_partitions.clear();
    caps.mmc_card_is_sd = false;
    assert!(ardoise_erase::hidden::unchecked(&caps).is_some(), "an eMMC");
}
