//! ATA firmware executors against simulated SATA disks opened like real ones: SANITIZE with
//! its status polling and failure paths, SECURITY ERASE UNIT with the password vault, cleanup
//! and recovery after an interruption.

mod firmware_support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use ardoise_disk::ata::{AtaDevice, SanitizeOptions, SanitizeState};
use ardoise_disk::sim::ata::{AtaSanitizeCaps, AtaSimConfig, AtaSimState, SenseMode};
use ardoise_disk::sim::SimDisk;
use ardoise_disk::transport::ScsiTransport;
use ardoise_disk::{Commands, OpenedDisk};
use ardoise_erase::capability::AtaSanitize;
use ardoise_erase::firmware::{
    recover_locked_drive, run_firmware, FileVault, FirmwareProgress, MemoryVault, PasswordVault,
    Recovery, RecoveryError, VaultedDrive,
};
use ardoise_erase::method::{Method, SanitizeAction};
use ardoise_erase::outcome::{decide, ExceptionCode, Outcome};
use ardoise_erase::probe::probe;
use ardoise_erase::remedy::power_cycle_drive;
use ardoise_erase::{CancelToken, Expected, Verdict};
use firmware_support::*;

fn dev(disk: &mut OpenedDisk) -> &mut AtaDevice<Box<dyn ScsiTransport>> {
    match &mut disk.commands {
        Commands::Ata(d) => d,
        other => panic!("not an ATA disk: {other:?}"),
    }
}

/// The drive behind `disk` as the vault records it (IDENTIFY: serial, WWN, model, size).
fn vaulted(disk: &mut OpenedDisk) -> VaultedDrive {
    VaultedDrive::from_identify(&dev(disk).identify().unwrap())
}

fn hdd(edit: impl FnOnce(&mut AtaSimConfig)) -> AtaSimConfig {
    let mut c = AtaSimConfig::hdd();
    edit(&mut c);
    c
}

fn codes(o: &ardoise_erase::firmware::FirmwareOutcome) -> Vec<ExceptionCode> {
    o.exceptions.iter().map(|e| e.code).collect()
}

const SANITIZE: [SanitizeAction; 3] = [
    SanitizeAction::CryptoErase,
    SanitizeAction::BlockErase,
    SanitizeAction::Overwrite,
];

// --- SANITIZE ----------------------------------------------------------------------------------

#[test]
fn sanitize_polls_to_sd4_with_progress_and_erases_every_native_sector() {
    for action in SANITIZE {
        let dir = tempfile::tempdir().unwrap();
        let p = ata(dir.path(), "d", hdd(|c| c.knobs.sanitize_polls = 3));
        let mut disk = open(&p);
        fill_native_text(&media(&disk));
        let caps = probe(&mut disk).capabilities;
        let vault = MemoryVault::new();
        let mut seen = Vec::new();
        let mut progress = |p: FirmwareProgress| seen.push(p);
        let mut cx = ctx(&vault).with_progress(&mut progress);
        let out = run_firmware(
            &mut disk.commands,
            &Method::AtaSanitize { action },
            &caps,
            &mut cx,
        );
        drop(cx);
        assert!(out.is_clean(), "{action:?}: {out:?}");
        assert_eq!(decide(&out.exceptions), Outcome::Erased);
        assert_eq!(
            out.device_status,
            "SANITIZE STATUS EXT: SD4 operation succeeded (completed without error), progress 100 %"
        );
        // Progress came from the drive, never went backwards, and ended at 100 %.
        let fractions: Vec<f64> = seen.iter().filter_map(|p| p.fraction).collect();
        assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");
        assert!(fractions.iter().any(|&f| f > 0.0 && f < 1.0), "{seen:?}");
        assert_eq!(fractions.last(), Some(&1.0));
        let statuses = sent(&disk)
            .iter()
            .filter(|n| *n == "SANITIZE STATUS EXT")
            .count();
        assert!(statuses >= 4, "{:?}", sent(&disk));
        let m = media(&disk);
        assert_eq!(text_left(&m), 0.0, "{action:?}");
        let bytes = native_bytes(&m);
        match action {
            SanitizeAction::Overwrite | SanitizeAction::BlockErase => {
                assert!(all_equal(&bytes, 0), "{action:?} leaves zeros")
            }
            SanitizeAction::CryptoErase => {
                assert!(
                    !all_equal(&bytes[..4096], 0),
                    "crypto scramble leaves noise"
                )
            }
        }
    }
}

#[test]
fn unsupported_sanitize_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(
        dir.path(),
        "d",
        hdd(|c| {
            c.sanitize = AtaSanitizeCaps {
                block_erase: true,
                ..Default::default()
            }
        }),
    );
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let before = sent(&disk).len();
    let vault = MemoryVault::new();
    for action in [SanitizeAction::CryptoErase, SanitizeAction::Overwrite] {
        let out = run_firmware(
            &mut disk.commands,
            &Method::AtaSanitize { action },
            &caps,
            &mut ctx(&vault),
        );
        assert!(!out.completed);
        assert_eq!(codes(&out), [ExceptionCode::EraseFailed]);
        assert!(
            out.exceptions[0]
                .detail
                .contains("refused before any erase command was sent"),
            "{out:?}"
        );
        assert!(out.exceptions[0].detail.contains("word 59"), "{out:?}");
    }
    assert_eq!(sent(&disk).len(), before, "nothing reached the drive");
    // A method for another command set, or a host overwrite, is refused too.
    for m in [
        Method::NvmeSanitize {
            action: SanitizeAction::BlockErase,
        },
        Method::Overwrite {
            scheme: "zero".into(),
        },
    ] {
        let out = run_firmware(&mut disk.commands, &m, &caps, &mut ctx(&vault));
        assert_eq!(codes(&out), [ExceptionCode::EraseFailed], "{m}");
    }
    assert_eq!(sent(&disk).len(), before);
}

#[test]
fn sanitize_frozen_after_the_probe_is_refused_without_starting() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "d", AtaSimConfig::hdd());
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    assert!(!caps.ata_sanitize.as_ref().unwrap().frozen);
    dev(&mut disk).sanitize_freeze_lock().unwrap();
    let vault = MemoryVault::new();
    let method = Method::AtaSanitize {
        action: SanitizeAction::BlockErase,
    };
    let out = run_firmware(&mut disk.commands, &method, &caps, &mut ctx(&vault));
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed]);
    assert!(out.exceptions[0].detail.contains("SD1 frozen"), "{out:?}");
    assert!(!sent(&disk).iter().any(|n| n == "SANITIZE BLOCK ERASE EXT"));
    // A new probe says so, and the planner's caps refuse it before reaching the drive.
    let caps = probe(&mut disk).capabilities;
    assert!(caps.ata_sanitize.as_ref().unwrap().frozen);
    let n = sent(&disk).len();
    let out = run_firmware(&mut disk.commands, &method, &caps, &mut ctx(&vault));
    assert!(out.exceptions[0].detail.contains("frozen"));
    assert_eq!(sent(&disk).len(), n);
}

#[test]
fn a_sanitize_failing_mid_operation_is_sd3_cleared_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(
        dir.path(),
        "d",
        hdd(|c| {
            c.knobs.sanitize_polls = 2;
            c.knobs.fail_mid_command = true;
        }),
    );
    let mut disk = open(&p);
    fill_native_text(&media(&disk));
    let caps = probe(&mut disk).capabilities;
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSanitize {
            action: SanitizeAction::Overwrite,
        },
        &caps,
        &mut ctx(&vault),
    );
    assert!(!out.completed);
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed]);
    assert!(out.exceptions[0].detail.contains("SD3"), "{out:?}");
    assert!(out.device_status.contains("SD3"), "{out:?}");
    assert!(out.notes.iter().any(|n| n.contains("cleared")), "{out:?}");
    assert_eq!(decide(&out.exceptions), Outcome::NotErased);
    // FAILURE MODE was set, so the failure could be cleared: the drive is usable again.
    assert_eq!(
        dev(&mut disk).sanitize_status(false).unwrap().state,
        SanitizeState::Idle
    );
    assert!(!media(&disk).host_io_refused());
    let left = text_left(&media(&disk));
    assert!(left > 0.4 && left < 0.6, "half erased: {left}");
}

#[test]
fn a_lying_drive_succeeds_here_and_is_caught_by_verification() {
    for lying in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let p = ata(dir.path(), "d", hdd(|c| c.knobs.lying = lying));
        let mut disk = open(&p);
        fill_text(&*disk.block);
        let caps = probe(&mut disk).capabilities;
        let plan = sample_plan(&*disk.block);
        let fp = fingerprints(&*disk.block, &plan);
        let vault = MemoryVault::new();
        let out = run_firmware(
            &mut disk.commands,
            &Method::AtaSanitize {
                action: SanitizeAction::BlockErase,
            },
            &caps,
            &mut ctx(&vault),
        );
        // The drive says SD4 either way: the firmware step cannot tell.
        assert!(out.is_clean(), "{out:?}");
        assert!(out.device_status.contains("SD4"));
        let v = verify(&*disk.block, &plan, &Expected::DiffersFrom(fp));
        if lying {
            assert_eq!(v.verdict, Verdict::Fail, "{}", v.summary());
            assert_eq!(v.mismatched_samples, v.samples_total);
        } else {
            assert!(v.passed(), "{}", v.summary());
        }
    }
}

#[test]
fn a_partial_erase_reported_complete_fails_verification() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(
        dir.path(),
        "d",
        hdd(|c| c.knobs.partial_fraction = Some(0.5)),
    );
    let mut disk = open(&p);
    fill_text(&*disk.block);
    let caps = probe(&mut disk).capabilities;
    let plan = sample_plan(&*disk.block);
    let fp = fingerprints(&*disk.block, &plan);
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSanitize {
            action: SanitizeAction::CryptoErase,
        },
        &caps,
        &mut ctx(&vault),
    );
    assert!(out.is_clean(), "{out:?}");
    let v = verify(&*disk.block, &plan, &Expected::DiffersFrom(fp));
    assert_eq!(v.verdict, Verdict::Fail);
    let half = v.samples_total / 2;
    assert!(
        v.mismatched_samples > half - 50 && v.mismatched_samples < half + 50,
        "{v:?}"
    );
}

#[test]
fn a_disk_vanishing_mid_sanitize_is_device_gone() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(
        dir.path(),
        "d",
        hdd(|c| {
            c.knobs.sanitize_polls = 2;
            c.knobs.vanish_mid_command = true;
        }),
    );
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSanitize {
            action: SanitizeAction::BlockErase,
        },
        &caps,
        &mut ctx(&vault),
    );
    assert!(!out.completed);
    assert_eq!(codes(&out), [ExceptionCode::DeviceGone], "{out:?}");
    // And a probe of the vanished disk falls back to block-only with the reason.
    let r = probe(&mut disk);
    assert!(
        r.notes[0].contains("disappeared") || r.notes[0].contains("gone"),
        "{r:?}"
    );
}

#[test]
fn an_earlier_sanitize_left_running_is_waited_for_first() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "d", hdd(|c| c.knobs.sanitize_polls = 3));
    {
        // A job started a block erase, then the process died.
        let mut disk = open(&p);
        dev(&mut disk)
            .sanitize_block_erase(SanitizeOptions::default())
            .unwrap();
    }
    let mut disk = open(&p);
    let r = probe(&mut disk);
    assert!(
        r.capabilities
            .notes
            .iter()
            .any(|n| n.contains("sanitize operation is running")),
        "{r:?}"
    );
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSanitize {
            action: SanitizeAction::CryptoErase,
        },
        &r.capabilities,
        &mut ctx(&vault),
    );
    assert!(out.is_clean(), "{out:?}");
    assert!(
        out.notes.iter().any(|n| n.contains("earlier sanitize")),
        "{out:?}"
    );
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("earlier operation ended")),
        "{out:?}"
    );
    let names = sent(&disk);
    assert!(
        names.iter().any(|n| n == "SANITIZE CRYPTO SCRAMBLE EXT"),
        "{names:?}"
    );
}

#[test]
fn cancelling_between_polls_leaves_the_drive_sanitizing_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "d", hdd(|c| c.knobs.sanitize_polls = 50));
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let vault = MemoryVault::new();
    let cancel = CancelToken::new();
    let c2 = cancel.clone();
    let mut progress = move |p: FirmwareProgress| {
        if p.fraction.is_some_and(|f| f > 0.05) {
            c2.cancel();
        }
    };
    let mut cx = ctx(&vault).with_cancel(cancel).with_progress(&mut progress);
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSanitize {
            action: SanitizeAction::BlockErase,
        },
        &caps,
        &mut cx,
    );
    drop(cx);
    assert_eq!(codes(&out), [ExceptionCode::Cancelled]);
    assert!(out.exceptions[0].detail.contains("continues on its own"));
    assert!(out.device_status.contains("SD2"), "{out:?}");
    // A later probe sees it running; the drive finishes by itself.
    let r = probe(&mut disk);
    assert!(r.notes.iter().any(|n| n.contains("running")), "{r:?}");
    let d = dev(&mut disk);
    let mut state = SanitizeState::InProgress;
    for _ in 0..60 {
        state = d.sanitize_status(false).unwrap().state;
        if state != SanitizeState::InProgress {
            break;
        }
    }
    assert_eq!(state, SanitizeState::Succeeded);
}

#[test]
fn a_sanitize_status_that_cannot_be_read_is_never_trusted() {
    // USB bridge without sense data: SANITIZE STATUS EXT returns no registers. The probe does
    // not offer sanitize; caps from elsewhere are refused before anything starts.
    let dir = tempfile::tempdir().unwrap();
    let c = hdd(|c| c.sense = SenseMode::None);
    let s = AtaSimState::power_on(&c);
    let p = ata_profile(dir.path(), "usb", c, s, true);
    let mut disk = open(&p);
    let r = probe(&mut disk);
    assert!(!r.capabilities.ata_sanitize.as_ref().unwrap().supported);
    assert!(r
        .capabilities
        .notes
        .iter()
        .any(|n| n.contains("SANITIZE STATUS EXT cannot be read")));
    let mut caps = r.capabilities.clone();
    caps.ata_sanitize = Some(AtaSanitize {
        supported: true,
        block_erase: true,
        ..Default::default()
    });
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSanitize {
            action: SanitizeAction::BlockErase,
        },
        &caps,
        &mut ctx(&vault),
    );
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed]);
    assert!(
        out.exceptions[0].detail.contains("cannot be read"),
        "{out:?}"
    );
    assert!(!sent(&disk).iter().any(|n| n == "SANITIZE BLOCK ERASE EXT"));

    // Fixed-format sense: the idle status reads, but COUNT(15:8) of the running or finished
    // operation is lost: the outcome cannot be established, whatever the drive did.
    let p = ata(dir.path(), "fixed", hdd(|c| c.sense = SenseMode::Fixed));
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSanitize {
            action: SanitizeAction::BlockErase,
        },
        &caps,
        &mut ctx(&vault),
    );
    assert!(!out.completed);
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed]);
    assert!(
        out.exceptions[0]
            .detail
            .contains("could not be established"),
        "{out:?}"
    );
    assert!(sent(&disk).iter().any(|n| n == "SANITIZE BLOCK ERASE EXT"));
}

// --- SECURITY ERASE UNIT -------------------------------------------------------------------

fn word128(disk: &mut OpenedDisk) -> ardoise_disk::ata::SecurityStatus {
    dev(disk).identify().unwrap().security
}

#[test]
fn security_erase_sets_a_vaulted_password_erases_and_leaves_the_drive_clear() {
    for (enhanced, fill) in [(true, 0x6b), (false, 0x00)] {
        let dir = tempfile::tempdir().unwrap();
        let p = ata(dir.path(), "d", AtaSimConfig::hdd());
        let mut disk = open(&p);
        fill_text(&*disk.block);
        let caps = probe(&mut disk).capabilities;
        let vault = MemoryVault::new();
        let mut seen = Vec::new();
        let mut progress = |p: FirmwareProgress| seen.push(p.message);
        let mut cx = ctx(&vault).with_progress(&mut progress);
        let out = run_firmware(
            &mut disk.commands,
            &Method::AtaSecurityErase { enhanced },
            &caps,
            &mut cx,
        );
        drop(cx);
        assert!(out.is_clean(), "{out:?}");
        assert_eq!(
            out.device_status,
            "IDENTIFY word 128: security supported, disabled, not locked, not frozen"
        );
        assert!(
            seen.iter().any(|m| m.contains("cannot be interrupted")),
            "{seen:?}"
        );
        assert!(vault.is_empty(), "the used password left the vault");
        let s = word128(&mut disk);
        assert!(!s.enabled && !s.locked);
        let names = sent(&disk);
        let pos = |n: &str| names.iter().position(|x| x.starts_with(n)).unwrap();
        assert!(pos("SECURITY SET PASSWORD (user)") < pos("SECURITY ERASE PREPARE"));
        assert!(pos("SECURITY ERASE PREPARE") < pos("SECURITY ERASE UNIT"));
        let visible = disk.block.size_bytes() as usize;
        assert!(all_equal(&native_bytes(&media(&disk))[..visible], fill));
        // The password never appears in the transcript, only a hash of its block.
        if let Commands::Ata(d) = &disk.commands {
            let json = serde_json::to_string(d.transcript()).unwrap();
            assert!(!json.contains("SECURITY SET PASSWORD (user)\",\"request\":\"\""));
            let rec = d
                .transcript()
                .records()
                .iter()
                .find(|r| r.name.starts_with("SECURITY SET PASSWORD"))
                .unwrap();
            assert!(rec.data_out_blake3.is_some());
        }
    }
}

#[test]
fn a_vault_that_cannot_store_the_password_stops_everything() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "d", AtaSimConfig::hdd());
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let vault = MemoryVault::refusing();
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSecurityErase { enhanced: true },
        &caps,
        &mut ctx(&vault),
    );
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed]);
    assert!(out.exceptions[0].detail.contains("vault"), "{out:?}");
    assert!(!sent(&disk).iter().any(|n| n.starts_with("SECURITY")));
    assert!(!word128(&mut disk).enabled);
}

#[test]
fn frozen_drive_is_refused_with_the_remedy_and_works_after_a_power_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(
        dir.path(),
        "ssd",
        AtaSimConfig {
            frozen_at_power_on: true,
            sanitize: AtaSanitizeCaps::default(),
            ..AtaSimConfig::ssd()
        },
    );
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    assert!(caps.ata_security.as_ref().unwrap().frozen);
    let vault = MemoryVault::new();
    let method = Method::AtaSecurityErase { enhanced: true };
    let out = run_firmware(&mut disk.commands, &method, &caps, &mut ctx(&vault));
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed]);
    assert!(out.exceptions[0].detail.contains("frozen"));
    assert!(out.exceptions[0].detail.contains("suspend"), "{out:?}");
    assert!(!sent(&disk).iter().any(|n| n.starts_with("SECURITY")));

    // The remedy: for a simulated disk, a power cycle (never a real suspend in a test).
    let fake_sys = tempfile::tempdir().unwrap();
    power_cycle_drive(&disk, fake_sys.path(), Duration::from_secs(10)).unwrap();
    assert_eq!(std::fs::read_dir(fake_sys.path()).unwrap().count(), 0);
    let caps = probe(&mut disk).capabilities;
    assert!(!caps.ata_security.as_ref().unwrap().frozen);
    let out = run_firmware(&mut disk.commands, &method, &caps, &mut ctx(&vault));
    assert!(out.is_clean(), "{out:?}");
}

#[test]
fn a_drive_frozen_or_locked_since_the_probe_is_refused_before_set_password() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "d", AtaSimConfig::hdd());
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    dev(&mut disk).security_freeze_lock().unwrap();
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSecurityErase { enhanced: false },
        &caps,
        &mut ctx(&vault),
    );
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed]);
    assert!(
        out.exceptions[0].detail.contains("IDENTIFY word 128"),
        "{out:?}"
    );
    assert!(!sent(&disk).iter().any(|n| n.starts_with("SECURITY SET")));
    assert!(vault.is_empty());

    // A drive locked by its owner's password.
    let c = AtaSimConfig::hdd();
    let s = AtaSimState::power_on(&c).with_user_password(b"owner", true);
    let p = ata_profile(dir.path(), "locked", c, s, false);
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    assert!(caps.ata_security.as_ref().unwrap().locked);
    assert!(caps.notes.iter().any(|n| n.contains("locked")));
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSecurityErase { enhanced: true },
        &caps,
        &mut ctx(&vault),
    );
    assert!(
        out.exceptions[0].detail.contains("does not know"),
        "{out:?}"
    );
}

#[test]
fn security_erase_through_a_usb_bridge_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = AtaSimConfig::hdd();
    let s = AtaSimState::power_on(&c);
    let p = ata_profile(dir.path(), "usb", c, s, true);
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSecurityErase { enhanced: true },
        &caps,
        &mut ctx(&vault),
    );
    assert!(out.exceptions[0].detail.contains("USB bridge"), "{out:?}");
    assert!(!sent(&disk).iter().any(|n| n.starts_with("SECURITY")));
}

#[test]
fn a_security_erase_failing_midway_leaves_the_drive_unlocked_without_password() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "d", hdd(|c| c.knobs.fail_mid_command = true));
    let mut disk = open(&p);
    fill_text(&*disk.block);
    let caps = probe(&mut disk).capabilities;
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSecurityErase { enhanced: true },
        &caps,
        &mut ctx(&vault),
    );
    assert!(!out.completed);
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed], "{out:?}");
    assert!(out.attention.is_empty(), "{out:?}");
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("left unlocked without password")),
        "{out:?}"
    );
    // IDENTIFY word 128 after: no password, not locked; the vault is empty.
    let s = word128(&mut disk);
    assert!(!s.enabled && !s.locked, "{s:?}");
    assert!(vault.is_empty());
    let names = sent(&disk);
    assert!(names.iter().any(|n| n == "SECURITY UNLOCK"), "{names:?}");
    assert!(
        names.iter().any(|n| n == "SECURITY DISABLE PASSWORD"),
        "{names:?}"
    );
    // The drive is usable again.
    assert!(disk.block.write_at(&vec![0u8; 4096], 0).is_ok());
}

#[test]
fn a_drive_vanishing_during_security_erase_keeps_the_password_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let vault = FileVault::open(&dir.path().join("vault")).unwrap();
    let p = ata(dir.path(), "d", hdd(|c| c.knobs.vanish_mid_command = true));
    let serial;
    {
        let mut disk = open(&p);
        let r = probe(&mut disk);
        serial = r.identity.serial.clone();
        let out = run_firmware(
            &mut disk.commands,
            &Method::AtaSecurityErase { enhanced: false },
            &r.capabilities,
            &mut ctx(&vault),
        );
        assert_eq!(codes(&out), [ExceptionCode::DeviceGone], "{out:?}");
        assert_eq!(out.attention.len(), 1);
        assert!(out.attention[0].contains("password vault"), "{out:?}");
        let json = serde_json::to_string(&out).unwrap();
        let pw = vault.recall(&serial).unwrap().expect("kept in the vault");
        assert!(!json.contains(&pw), "the password never leaves the vault");
    }
    // The drive comes back (reseated), powered off and on: locked with the vaulted password.
    let mut profile: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    profile["gone"] = false.into();
    std::fs::write(&p, serde_json::to_string(&profile).unwrap()).unwrap();
    SimDisk::load(&p).unwrap().power_cycle();
    let mut disk = open(&p);
    assert!(word128(&mut disk).locked);
    let r = recover_locked_drive(dev(&mut disk), &vault, &serial).unwrap();
    assert!(matches!(r, Recovery::Unlocked { .. }), "{r:?}");
    let s = word128(&mut disk);
    assert!(!s.enabled && !s.locked);
    assert_eq!(vault.recall(&serial).unwrap(), None);
}

#[test]
fn an_interrupted_security_erase_is_recovered_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let vault = FileVault::open(&dir.path().join("vault")).unwrap();
    let p = ata(dir.path(), "d", AtaSimConfig::hdd());
    {
        let mut disk = open(&p);
        let caps = probe(&mut disk).capabilities;
        // The process dies right before ERASE UNIT, with the password set on the drive.
        let mut die = |p: FirmwareProgress| {
            if p.message.contains("SECURITY ERASE UNIT") && p.message.contains("running") {
                panic!("simulated process death");
            }
        };
        let r = catch_unwind(AssertUnwindSafe(|| {
            let mut cx = ctx(&vault).with_progress(&mut die);
            run_firmware(
                &mut disk.commands,
                &Method::AtaSecurityErase { enhanced: true },
                &caps,
                &mut cx,
            )
        }));
        assert!(r.is_err());
    }
    // The machine restarts: the drive lost power with the password set, so it is locked.
    SimDisk::load(&p).unwrap().power_cycle();
    let mut disk = open(&p);
    let r = probe(&mut disk);
    let sec = r.capabilities.ata_security.clone().unwrap();
    assert!(sec.enabled && sec.locked, "{sec:?}");
    assert!(
        disk.block.write_at(&vec![0u8; 4096], 0).is_err(),
        "locked drives refuse I/O"
    );
    let serial = r.identity.serial;
    assert!(vault.recall(&serial).unwrap().is_some());
    // Not the vault of another drive.
    assert!(matches!(
        recover_locked_drive(dev(&mut disk), &vault, "SOMEONE-ELSE"),
        Ok(Recovery::NothingToDo)
    ));
    let someone_else = VaultedDrive {
        serial: "SOMEONE-ELSE".into(),
        ..vaulted(&mut disk)
    };
    vault.remember(&someone_else, "x").unwrap();
    assert!(matches!(
        recover_locked_drive(dev(&mut disk), &vault, "SOMEONE-ELSE"),
        Err(RecoveryError::WrongDrive { .. })
    ));
    let rec = recover_locked_drive(dev(&mut disk), &vault, &serial).unwrap();
    assert_eq!(
        rec,
        Recovery::Unlocked {
            device_status:
                "IDENTIFY word 128: security supported, disabled, not locked, not frozen".into()
        }
    );
    assert_eq!(vault.recall(&serial).unwrap(), None);
    assert!(disk.block.write_at(&vec![0u8; 4096], 0).is_ok());
    // A second start finds nothing to do.
    assert_eq!(
        recover_locked_drive(dev(&mut disk), &vault, &serial).unwrap(),
        Recovery::NothingToDo
    );
}

#[test]
fn a_vaulted_password_on_a_clear_drive_is_just_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "d", AtaSimConfig::hdd());
    let mut disk = open(&p);
    let serial = probe(&mut disk).identity.serial;
    let vault = MemoryVault::new();
    vault.remember(&vaulted(&mut disk), "stale").unwrap();
    let r = recover_locked_drive(dev(&mut disk), &vault, &serial).unwrap();
    assert!(matches!(r, Recovery::AlreadyClear { .. }), "{r:?}");
    assert!(vault.is_empty());
}

#[test]
fn without_sense_data_security_erase_is_confirmed_by_identify() {
    // A SATA path that returns no registers for CK_COND (like some bridges): the PREPARE's
    // outcome is unknown, so IDENTIFY decides.
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "d", hdd(|c| c.sense = SenseMode::None));
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSecurityErase { enhanced: true },
        &caps,
        &mut ctx(&vault),
    );
    assert!(out.is_clean(), "{out:?}");
    assert!(out.device_status.starts_with("IDENTIFY word 128"));
    if let Commands::Ata(d) = &disk.commands {
        let recs = d.transcript().records();
        let prep = recs
            .iter()
            .position(|r| r.name == "SECURITY ERASE PREPARE")
            .unwrap();
        assert!(
            !recs[prep].ok,
            "an unverified PREPARE is not recorded as ok"
        );
        assert_eq!(recs.last().unwrap().name, "IDENTIFY DEVICE");
    }
}

#[test]
fn recovery_without_a_power_cycle_and_with_a_wrong_password() {
    use ardoise_disk::ata::{PasswordKind, SecurityLevel, SecurityPassword};
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "d", AtaSimConfig::hdd());
    let mut disk = open(&p);
    let serial = probe(&mut disk).identity.serial;
    let vault = MemoryVault::new();
    // The process died after SET PASSWORD; the machine stayed on: enabled, not locked.
    vault.remember(&vaulted(&mut disk), "Interrupted0").unwrap();
    let pw = SecurityPassword::new(b"Interrupted0").unwrap();
    dev(&mut disk)
        .security_set_password(&pw, PasswordKind::User, SecurityLevel::High, None)
        .unwrap();
    let s = word128(&mut disk);
    assert!(s.enabled && !s.locked);
    let r = recover_locked_drive(dev(&mut disk), &vault, &serial).unwrap();
    assert!(matches!(r, Recovery::Unlocked { .. }), "{r:?}");
    assert!(
        !sent(&disk).iter().any(|n| n == "SECURITY UNLOCK"),
        "nothing to unlock"
    );
    assert!(vault.is_empty());

    // Someone else's password on the drive: the vaulted one is refused and kept.
    let other = SecurityPassword::new(b"not ours").unwrap();
    dev(&mut disk)
        .security_set_password(&other, PasswordKind::User, SecurityLevel::High, None)
        .unwrap();
    vault.remember(&vaulted(&mut disk), "Interrupted0").unwrap();
    let e = recover_locked_drive(dev(&mut disk), &vault, &serial).unwrap_err();
    assert!(matches!(e, RecoveryError::Refused(_)), "{e}");
    assert_eq!(
        vault.recall(&serial).unwrap().as_deref(),
        Some("Interrupted0")
    );
}
