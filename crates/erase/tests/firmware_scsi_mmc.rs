//! SCSI SANITIZE against the simulated SAS disk, eMMC erase + SANITIZE against the simulated
//! card, and BLKSECDISCARD's refusals.

mod firmware_support;

use std::path::{Path, PathBuf};

use ardoise_disk::sim::mmc::{MmcSimConfig, MmcSimState};
use ardoise_disk::sim::profile::{SimDeviceSpec, SimDisk};
use ardoise_disk::sim::scsi::SasSimConfig;
use ardoise_disk::OpenedDisk;
use ardoise_erase::capability::CommandSet;
use ardoise_erase::firmware::{run_firmware, FirmwareOutcome, FirmwareProgress, MemoryVault};
use ardoise_erase::method::{Method, SanitizeAction};
use ardoise_erase::outcome::ExceptionCode;
use ardoise_erase::plan::plan_auto;
use ardoise_erase::probe::probe;
use firmware_support::*;

fn codes(o: &FirmwareOutcome) -> Vec<ExceptionCode> {
    o.exceptions.iter().map(|e| e.code).collect()
}

fn run(disk: &mut OpenedDisk, method: Method) -> FirmwareOutcome {
    let caps = probe(disk).capabilities;
    let vault = MemoryVault::new();
    run_firmware(&mut disk.commands, &method, &caps, &mut ctx(&vault))
}

fn sas_with(edit: impl FnOnce(&mut SasSimConfig)) -> SasSimConfig {
    let mut c = SasSimConfig::sas_hdd();
    edit(&mut c);
    c
}

// --- SCSI ------------------------------------------------------------------------------------

#[test]
fn scsi_sanitize_polls_request_sense_to_the_end() {
    for action in [
        SanitizeAction::CryptoErase,
        SanitizeAction::BlockErase,
        SanitizeAction::Overwrite,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let p = sas(dir.path(), "s", sas_with(|c| c.knobs.sanitize_polls = 3));
        let mut disk = open(&p);
        fill_text(&*disk.block);
        let caps = probe(&mut disk).capabilities;
        assert_eq!(caps.command_set, CommandSet::Scsi);
        let vault = MemoryVault::new();
        let mut seen = Vec::new();
        let mut progress = |p: FirmwareProgress| seen.push(p);
        let mut cx = ctx(&vault).with_progress(&mut progress);
        let out = run_firmware(
            &mut disk.commands,
            &Method::ScsiSanitize { action },
            &caps,
            &mut cx,
        );
        drop(cx);
        assert!(out.is_clean(), "{action:?}: {out:?}");
        assert_eq!(
            out.device_status,
            "REQUEST SENSE: no sense data (no sanitize in progress); TEST UNIT READY: GOOD"
        );
        assert!(
            seen.iter()
                .any(|p| p.message.contains("SANITIZE IN PROGRESS")),
            "{seen:?}"
        );
        let fractions: Vec<f64> = seen.iter().filter_map(|p| p.fraction).collect();
        assert!(
            fractions.iter().any(|&f| f > 0.0 && f < 1.0),
            "{fractions:?}"
        );
        let names = sent(&disk);
        assert!(
            names.iter().any(|n| n.ends_with("(IMMED) (AUSE)")),
            "{names:?}"
        );
        let m = media(&disk);
        assert_eq!(text_left(&m), 0.0);
        if action != SanitizeAction::CryptoErase {
            assert!(all_equal(&native_bytes(&m), 0), "{action:?}");
        }
    }
}

#[test]
fn a_device_without_sanitize_is_refused_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let p = sas(dir.path(), "q", SasSimConfig::without_sanitize());
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let s = caps.scsi_sanitize.clone().unwrap();
    assert_eq!(
        (s.overwrite, s.block_erase, s.crypto_erase),
        (Some(false), Some(false), Some(false))
    );
    assert_eq!(plan_auto(&caps).unwrap().method.id(), "overwrite-zero");
    let before = sent(&disk).len();
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::ScsiSanitize {
            action: SanitizeAction::BlockErase,
        },
        &caps,
        &mut ctx(&vault),
    );
    assert!(
        out.exceptions[0].detail.contains("not supported"),
        "{out:?}"
    );
    assert_eq!(sent(&disk).len(), before);
}

#[test]
fn a_device_that_cannot_say_is_tried_when_asked_and_the_note_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let p = sas(dir.path(), "s", sas_with(|c| c.report_opcodes = false));
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    assert_eq!(caps.scsi_sanitize.clone().unwrap().overwrite, None);
    assert!(
        caps.notes.iter().any(|n| n.contains("does not say")),
        "{caps:?}"
    );
    assert_eq!(plan_auto(&caps).unwrap().method.id(), "overwrite-zero");
    let out = run(
        &mut disk,
        Method::ScsiSanitize {
            action: SanitizeAction::Overwrite,
        },
    );
    assert!(out.is_clean(), "{out:?}");
    assert!(
        out.notes.iter().any(|n| n.contains("did not report")),
        "{out:?}"
    );
}

#[test]
fn a_failed_scsi_sanitize_is_reported_and_left_with_exit_failure_mode() {
    let dir = tempfile::tempdir().unwrap();
    let p = sas(
        dir.path(),
        "s",
        sas_with(|c| {
            c.knobs.sanitize_polls = 2;
            c.knobs.fail_mid_command = true;
        }),
    );
    let mut disk = open(&p);
    fill_text(&*disk.block);
    let out = run(
        &mut disk,
        Method::ScsiSanitize {
            action: SanitizeAction::BlockErase,
        },
    );
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed], "{out:?}");
    assert!(
        out.exceptions[0].detail.contains("SANITIZE COMMAND FAILED"),
        "{out:?}"
    );
    assert!(
        out.notes.iter().any(|n| n.contains("EXIT FAILURE MODE")),
        "{out:?}"
    );
    assert!(sent(&disk)
        .iter()
        .any(|n| n == "SANITIZE EXIT FAILURE MODE"));
    // Media access is back.
    assert!(!media(&disk).host_io_refused());
    let left = text_left(&media(&disk));
    assert!(left > 0.4 && left < 0.6, "{left}");
}

#[test]
fn a_sas_disk_vanishing_mid_sanitize_is_device_gone() {
    let dir = tempfile::tempdir().unwrap();
    let p = sas(
        dir.path(),
        "s",
        sas_with(|c| {
            c.knobs.sanitize_polls = 2;
            c.knobs.vanish_mid_command = true;
        }),
    );
    let mut disk = open(&p);
    let out = run(
        &mut disk,
        Method::ScsiSanitize {
            action: SanitizeAction::CryptoErase,
        },
    );
    assert_eq!(codes(&out), [ExceptionCode::DeviceGone], "{out:?}");
}

// --- eMMC ------------------------------------------------------------------------------------

fn emmc_state(p: &Path) -> MmcSimState {
    match SimDisk::load(p).unwrap().profile().device {
        SimDeviceSpec::Emmc { state, .. } => *state,
        _ => unreachable!(),
    }
}

fn emmc_with(edit: impl FnOnce(&mut MmcSimConfig)) -> MmcSimConfig {
    let mut c = MmcSimConfig::default();
    edit(&mut c);
    c
}

#[test]
fn emmc_full_erase_then_sanitize_leaves_no_residue() {
    // 0x55: secure erase available; 0x50: plain erase (residue) that only the sanitize purges.
    for features in [0x55u8, 0x50] {
        let dir = tempfile::tempdir().unwrap();
        let p: PathBuf = emmc(
            dir.path(),
            "e",
            emmc_with(|c| c.sec_feature_support = features),
        );
        let mut disk = open(&p);
        fill_text(&*disk.block);
        let caps = probe(&mut disk).capabilities;
        assert_eq!(plan_auto(&caps).unwrap().method, Method::MmcSanitize);
        let vault = MemoryVault::new();
        // What the card holds when the SANITIZE is about to be sent (state persists after every
        // command).
        let mut residue_before_sanitize = None;
        let mut progress = |pr: FirmwareProgress| {
            if pr.message.starts_with("SANITIZE running") {
                residue_before_sanitize = Some(emmc_state(&p).residue.total());
            }
        };
        let mut cx = ctx(&vault).with_progress(&mut progress);
        let out = run_firmware(&mut disk.commands, &Method::MmcSanitize, &caps, &mut cx);
        drop(cx);
        assert!(out.is_clean(), "{out:?}");
        assert!(
            out.device_status.starts_with("CMD13 after SANITIZE"),
            "{out:?}"
        );
        assert!(out.notes.iter().any(|n| n.contains("not proof")));
        let names = sent(&disk);
        let erase = if features == 0x55 {
            "ERASE (SECURE ERASE)"
        } else {
            "ERASE (ERASE)"
        };
        assert!(names.iter().any(|n| n.starts_with(erase)), "{names:?}");
        let s = emmc_state(&p);
        assert_eq!(s.sanitizes, 1);
        assert!(
            s.residue.is_empty(),
            "{features:#x}: residue {:?}",
            s.residue
        );
        assert_eq!(
            s.unmapped.total(),
            SECTORS,
            "the whole user area was erased"
        );
        assert!(all_equal(&native_bytes(&media(&disk)), 0));
        let before = residue_before_sanitize.unwrap();
        if features == 0x50 {
            assert_eq!(
                before, SECTORS,
                "plain erase leaves residue for the sanitize"
            );
        } else {
            assert_eq!(before, 0, "secure erase leaves none");
        }
    }
}

#[test]
fn emmc_failures_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let p = emmc(
        dir.path(),
        "s",
        emmc_with(|c| c.knobs.sanitize_fails = true),
    );
    let mut disk = open(&p);
    let out = run(&mut disk, Method::MmcSanitize);
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed], "{out:?}");
    assert!(
        out.exceptions[0].detail.starts_with("SANITIZE failed"),
        "{out:?}"
    );

    let p = emmc(dir.path(), "e", emmc_with(|c| c.knobs.erase_fails = true));
    let mut disk = open(&p);
    fill_text(&*disk.block);
    let out = run(&mut disk, Method::MmcSanitize);
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed], "{out:?}");
    assert!(
        out.exceptions[0].detail.starts_with("ERASE (SECURE ERASE)"),
        "{out:?}"
    );
    assert!(!sent(&disk).iter().any(|n| n.starts_with("SANITIZE")));

    let p = emmc(
        dir.path(),
        "v",
        emmc_with(|c| c.knobs.vanish_at = Some(0.5)),
    );
    let mut disk = open(&p);
    let out = run(&mut disk, Method::MmcSanitize);
    assert_eq!(codes(&out), [ExceptionCode::DeviceGone], "{out:?}");

    // No SANITIZE on the card: refused before anything is sent.
    let p = emmc(dir.path(), "n", emmc_with(|c| c.sec_feature_support = 0x15));
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    assert!(!caps.mmc.as_ref().unwrap().sanitize);
    let n = sent(&disk).len();
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::MmcSanitize,
        &caps,
        &mut ctx(&vault),
    );
    assert!(out.exceptions[0].detail.contains("SANITIZE"), "{out:?}");
    assert_eq!(sent(&disk).len(), n);
}

// --- BLKSECDISCARD -----------------------------------------------------------------------------

#[test]
fn secure_discard_is_refused_without_support_or_a_real_block_device() {
    let dir = tempfile::tempdir().unwrap();
    let p = emmc(dir.path(), "e", MmcSimConfig::default());
    let mut disk = open(&p);
    let mut caps = probe(&mut disk).capabilities;
    assert!(
        !caps.block_secure_discard,
        "never claimed without a way to know"
    );
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::BlockSecureDiscard,
        &caps,
        &mut ctx(&vault),
    );
    assert!(out.exceptions[0].detail.contains("did not find"), "{out:?}");
    caps.block_secure_discard = true;
    let out = run_firmware(
        &mut disk.commands,
        &Method::BlockSecureDiscard,
        &caps,
        &mut ctx(&vault),
    );
    assert!(
        out.exceptions[0].detail.contains("block device node"),
        "{out:?}"
    );
    // A regular file is not a block device: the descriptor says so, whatever its name.
    let f = dir.path().join("plain.img");
    std::fs::write(&f, vec![0u8; 4096]).unwrap();
    let file = std::sync::Arc::new(std::fs::File::open(&f).unwrap());
    let mut cx = ctx(&vault).with_block_device(f, file);
    let out = run_firmware(
        &mut disk.commands,
        &Method::BlockSecureDiscard,
        &caps,
        &mut cx,
    );
    assert!(
        out.exceptions[0].detail.contains("not a block device"),
        "{out:?}"
    );
}
