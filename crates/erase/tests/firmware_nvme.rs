//! NVMe firmware executors against the simulated controller opened like a real disk: Sanitize
//! with the Sanitize Status log, Format NVM with SES, the QEMU-like controller, failures.

mod firmware_support;

use std::time::Duration;

use ardoise_disk::nvme::{
    FormatParams, FormatTarget, NvmeController, SanitizeAction as Sanact, SanitizeParams,
    SecureEraseSetting,
};
use ardoise_disk::sim::nvme::{NvmeSimConfig, SanitizeProgress};
use ardoise_disk::transport::{DataDir, NvmeTransport};
use ardoise_disk::{Commands, OpenedDisk};
use ardoise_erase::capability::CommandSet;
use ardoise_erase::firmware::{run_firmware, FirmwareOutcome, FirmwareProgress, MemoryVault};
use ardoise_erase::method::{FormatErase, Method, SanitizeAction};
use ardoise_erase::outcome::ExceptionCode;
use ardoise_erase::plan::plan_auto;
use ardoise_erase::probe::probe;
use ardoise_erase::{Expected, Verdict};
use firmware_support::*;

fn ctl(disk: &mut OpenedDisk) -> &mut NvmeController<Box<dyn NvmeTransport>> {
    match &mut disk.commands {
        Commands::Nvme { controller, .. } => controller,
        other => panic!("not NVMe: {other:?}"),
    }
}

fn codes(o: &FirmwareOutcome) -> Vec<ExceptionCode> {
    o.exceptions.iter().map(|e| e.code).collect()
}

fn run(disk: &mut OpenedDisk, method: Method) -> FirmwareOutcome {
    let caps = probe(disk).capabilities;
    let vault = MemoryVault::new();
    run_firmware(&mut disk.commands, &method, &caps, &mut ctx(&vault))
}

#[test]
fn sanitize_polls_the_log_to_completion_and_the_medium_reads_zeros() {
    for action in [
        SanitizeAction::CryptoErase,
        SanitizeAction::BlockErase,
        SanitizeAction::Overwrite,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let p = nvme(dir.path(), "n", NvmeSimConfig::default());
        let mut disk = open(&p);
        fill_text(&*disk.block);
        let caps = probe(&mut disk).capabilities;
        let vault = MemoryVault::new();
        let mut seen = Vec::new();
        let mut progress = |p: FirmwareProgress| seen.push(p);
        let mut cx = ctx(&vault).with_progress(&mut progress);
        let out = run_firmware(
            &mut disk.commands,
            &Method::NvmeSanitize { action },
            &caps,
            &mut cx,
        );
        drop(cx);
        assert!(out.is_clean(), "{action:?}: {out:?}");
        assert!(
            out.device_status
                .starts_with("Sanitize Status log: SSTAT=1 (completed successfully"),
            "{}",
            out.device_status
        );
        assert!(out.device_status.contains("global data erased"));
        let fractions: Vec<f64> = seen.iter().filter_map(|p| p.fraction).collect();
        assert!(fractions.iter().any(|&f| f > 0.0 && f < 1.0), "{seen:?}");
        assert!(fractions.windows(2).all(|w| w[0] <= w[1]));
        // NDAS = 0: the controller deallocates, every action reads back as zeros.
        assert!(all_equal(&native_bytes(&media(&disk)), 0), "{action:?}");
        let names = sent(&disk);
        assert!(
            names
                .iter()
                .filter(|n| n.contains("Sanitize Status"))
                .count()
                >= 3
        );
    }
}

#[test]
fn qemu_like_controller_gets_format_user_data_and_never_a_crypto_format() {
    let dir = tempfile::tempdir().unwrap();
    let p = nvme(dir.path(), "qemu", NvmeSimConfig::qemu_like());
    let mut disk = open(&p);
    fill_text(&*disk.block);
    let r = probe(&mut disk);
    let caps = r.capabilities.clone();
    assert_eq!(caps.command_set, CommandSet::Nvme);
    let n = caps.nvme.clone().unwrap();
    assert!(!n.sanitize_block && !n.sanitize_crypto && !n.sanitize_overwrite);
    assert!(n.format_supported && !n.format_crypto_erase);
    assert_eq!(r.identity.model, "QEMU NVMe Ctrl");
    assert_eq!(
        plan_auto(&caps).unwrap().method,
        Method::NvmeFormat {
            erase: FormatErase::UserData
        }
    );
    let vault = MemoryVault::new();
    let before = sent(&disk).len();
    // Sanitize: SANICAP = 0, refused before sending.
    let out = run_firmware(
        &mut disk.commands,
        &Method::NvmeSanitize {
            action: SanitizeAction::BlockErase,
        },
        &caps,
        &mut ctx(&vault),
    );
    assert!(out.exceptions[0].detail.contains("SANICAP"), "{out:?}");
    // SES = 2: FNA bit 2 = 0, refused before sending, even with caps that claim otherwise.
    let out = run_firmware(
        &mut disk.commands,
        &Method::NvmeFormat {
            erase: FormatErase::Crypto,
        },
        &caps,
        &mut ctx(&vault),
    );
    assert!(out.exceptions[0].detail.contains("FNA bit 2"), "{out:?}");
    let mut lying_caps = caps.clone();
    lying_caps.nvme.as_mut().unwrap().format_crypto_erase = true;
    let out = run_firmware(
        &mut disk.commands,
        &Method::NvmeFormat {
            erase: FormatErase::Crypto,
        },
        &lying_caps,
        &mut ctx(&vault),
    );
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed]);
    assert!(
        out.exceptions[0].detail.contains("bit 2 is clear"),
        "{out:?}"
    );
    assert_eq!(
        sent(&disk).len(),
        before + 1,
        "only Identify Controller was sent"
    );
    assert_eq!(sent(&disk).last().unwrap(), "IDENTIFY CONTROLLER");

    // SES = 1 works and zeroes the namespace.
    let out = run_firmware(
        &mut disk.commands,
        &Method::NvmeFormat {
            erase: FormatErase::UserData,
        },
        &caps,
        &mut ctx(&vault),
    );
    assert!(out.is_clean(), "{out:?}");
    assert_eq!(
        out.device_status,
        format!(
            "Format NVM: Successful Completion; Identify Namespace 1: LBA format 0 (512 bytes), {SECTORS} blocks"
        )
    );
    assert!(out.notes.iter().any(|n| n.contains("QEMU")), "{out:?}");
    assert!(sent(&disk)
        .iter()
        .any(|n| n == "FORMAT NVM nsid=0x00000001 lbaf=0 ses=1"));
    assert!(all_equal(&native_bytes(&media(&disk)), 0));

    // Why the check matters: the QEMU controller itself would have accepted SES = 2.
    let raw = FormatParams::new(FormatTarget::Namespace(1), 0, SecureEraseSetting::Crypto)
        .encode()
        .unwrap();
    let reply = ctl(&mut disk)
        .submit(
            "raw FORMAT NVM ses=2",
            &raw,
            DataDir::None,
            Duration::from_secs(60),
        )
        .unwrap();
    assert!(reply.is_success());
}

#[test]
fn crypto_format_on_a_capable_controller_scrambles_the_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let p = nvme(dir.path(), "n", NvmeSimConfig::default());
    let mut disk = open(&p);
    fill_text(&*disk.block);
    let out = run(
        &mut disk,
        Method::NvmeFormat {
            erase: FormatErase::Crypto,
        },
    );
    assert!(out.is_clean(), "{out:?}");
    assert!(sent(&disk).iter().any(|n| n.ends_with("ses=2")));
    let m = media(&disk);
    assert_eq!(text_left(&m), 0.0);
    assert!(!all_equal(&native_bytes(&m)[..4096], 0));
}

#[test]
fn a_failed_sanitize_is_reported_and_the_failure_state_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = NvmeSimConfig::default();
    c.knobs.sanitize_fails_at = Some(0.5);
    c.sanitize_progress = SanitizeProgress::Polls { polls: 4 };
    let p = nvme(dir.path(), "n", c);
    let mut disk = open(&p);
    fill_text(&*disk.block);
    let out = run(
        &mut disk,
        Method::NvmeSanitize {
            action: SanitizeAction::BlockErase,
        },
    );
    assert!(!out.completed);
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed]);
    assert!(out.device_status.contains("SSTAT=3"), "{out:?}");
    assert!(
        out.notes.iter().any(|n| n.contains("Exit Failure Mode")),
        "{out:?}"
    );
    let left = text_left(&media(&disk));
    assert!(left > 0.4 && left < 0.6, "{left}");
    // AUSE = 1 made the exit possible: the controller accepts a Format NVM again.
    let out = run(
        &mut disk,
        Method::NvmeFormat {
            erase: FormatErase::UserData,
        },
    );
    assert!(out.is_clean(), "{out:?}");
}

#[test]
fn a_controller_vanishing_mid_sanitize_is_device_gone() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = NvmeSimConfig::default();
    c.knobs.vanish_at = Some(0.5);
    c.sanitize_progress = SanitizeProgress::Polls { polls: 4 };
    let p = nvme(dir.path(), "n", c);
    let mut disk = open(&p);
    let out = run(
        &mut disk,
        Method::NvmeSanitize {
            action: SanitizeAction::CryptoErase,
        },
    );
    assert!(!out.completed);
    assert_eq!(codes(&out), [ExceptionCode::DeviceGone], "{out:?}");
    // Still gone at the next start: the probe falls back with the reason.
    let mut disk = open(&p);
    let r = probe(&mut disk);
    assert_eq!(r.capabilities.command_set, CommandSet::BlockOnly);
    assert!(r.notes[0].contains("disappeared"), "{r:?}");
}

#[test]
fn a_lying_controller_passes_here_and_fails_verification() {
    for lying in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut c = NvmeSimConfig::default();
        c.knobs.lying = lying;
        let p = nvme(dir.path(), "n", c);
        let mut disk = open(&p);
        fill_text(&*disk.block);
        let plan = sample_plan(&*disk.block);
        let fp = fingerprints(&*disk.block, &plan);
        let out = run(
            &mut disk,
            Method::NvmeSanitize {
                action: SanitizeAction::CryptoErase,
            },
        );
        assert!(out.is_clean(), "{out:?}");
        let v = verify(&*disk.block, &plan, &Expected::DiffersFrom(fp));
        assert_eq!(v.verdict == Verdict::Fail, lying, "{}", v.summary());
    }
}

#[test]
fn an_earlier_sanitize_left_running_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    // Every read of the log moves the simulated operation one step: leave room for the probes.
    let c = NvmeSimConfig {
        sanitize_progress: SanitizeProgress::Polls { polls: 10 },
        ..Default::default()
    };
    let p = nvme(dir.path(), "n", c);
    {
        let mut disk = open(&p);
        ctl(&mut disk)
            .sanitize(&SanitizeParams::new(Sanact::BlockErase))
            .unwrap();
    }
    let mut disk = open(&p);
    let r = probe(&mut disk);
    assert!(
        r.capabilities.notes.iter().any(|n| n.contains("running")),
        "{r:?}"
    );
    let out = run(
        &mut disk,
        Method::NvmeSanitize {
            action: SanitizeAction::CryptoErase,
        },
    );
    assert!(out.is_clean(), "{out:?}");
    assert!(
        out.notes.iter().any(|n| n.contains("earlier sanitize")),
        "{out:?}"
    );
    assert!(sent(&disk).iter().any(|n| n == "SANITIZE Crypto Erase"));
}

#[test]
fn a_sanitize_that_stops_progressing_is_given_up() {
    let dir = tempfile::tempdir().unwrap();
    // SPROG moves one step every ~15 s: within the test's tiny budget it stands still.
    let c = NvmeSimConfig {
        sanitize_progress: SanitizeProgress::WallClock {
            millis: 1_000_000_000,
        },
        ..Default::default()
    };
    let p = nvme(dir.path(), "n", c);
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let vault = MemoryVault::new();
    let mut cx = ctx(&vault).with_stall_limit(Duration::from_millis(40));
    let out = run_firmware(
        &mut disk.commands,
        &Method::NvmeSanitize {
            action: SanitizeAction::BlockErase,
        },
        &caps,
        &mut cx,
    );
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed]);
    assert!(out.exceptions[0].detail.contains("no progress"), "{out:?}");
    assert!(out.device_status.contains("SSTAT=2"), "{out:?}");
}

#[test]
fn a_sanitize_log_that_cannot_be_read_means_no_sanitize() {
    // A QEMU-like controller that nevertheless advertises block erase in SANICAP: its log 81h
    // is unknown, so nothing could be checked.
    let dir = tempfile::tempdir().unwrap();
    let mut c = NvmeSimConfig::qemu_like();
    c.sanicap = 0b010;
    let p = nvme(dir.path(), "n", c);
    let mut disk = open(&p);
    let r = probe(&mut disk);
    assert!(!r.capabilities.nvme.as_ref().unwrap().sanitize_block);
    assert!(r
        .capabilities
        .notes
        .iter()
        .any(|n| n.contains("Sanitize Status log cannot be read")));
    let mut caps = r.capabilities.clone();
    caps.nvme.as_mut().unwrap().sanitize_block = true;
    let vault = MemoryVault::new();
    let out = run_firmware(
        &mut disk.commands,
        &Method::NvmeSanitize {
            action: SanitizeAction::BlockErase,
        },
        &caps,
        &mut ctx(&vault),
    );
    assert_eq!(codes(&out), [ExceptionCode::EraseFailed]);
    assert!(
        out.exceptions[0]
            .detail
            .contains("refused before any erase command was sent"),
        "{out:?}"
    );
    assert!(!sent(&disk).iter().any(|n| n.starts_with("SANITIZE ")));
}
