//! NVMe command layer against the simulated controller: every state and knob of the model, and
//! deliberately wrong encodings that the simulator must reject.

use std::sync::Arc;
use std::time::Duration;

use ardoise_disk::health::HealthGrade;
use ardoise_disk::nvme::command::{identify, identify_controller};
use ardoise_disk::nvme::{
    FormatParams, FormatTarget, GetLogPage, NvmeController, NvmeError, NvmeStatus, SanitizeAction,
    SanitizeParams, SanitizeStatusValue, SecureEraseSetting,
};
use ardoise_disk::sim::nvme::{
    NvmeSimConfig, NvmeSimState, SanitizeProgress, SimLbaFormat, SimNvmeController,
};
use ardoise_disk::sim::SimMedia;
use ardoise_disk::transport::{DataDir, NvmeAdminCmd, NvmeTransport, TransportError};

const SECTORS: u64 = 256;
const LONG: Duration = Duration::from_secs(600);

struct Rig {
    dir: tempfile::TempDir,
    media: Vec<Arc<SimMedia>>,
    ctrl: NvmeController<SimNvmeController>,
}

/// A recognisable non-zero content, different per namespace.
fn original(ns: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 7 + ns * 13) % 251) as u8 + 1)
        .collect()
}

fn rig_with(config: NvmeSimConfig, namespaces: usize) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let media: Vec<_> = (0..namespaces)
        .map(|i| {
            let m = SimMedia::create(&dir.path().join(format!("ns{i}.img")), 512, SECTORS).unwrap();
            m.write_native(0, &original(i, (SECTORS * 512) as usize))
                .unwrap();
            m
        })
        .collect();
    let sim = SimNvmeController::fresh(config, media.clone()).unwrap();
    Rig {
        dir,
        media,
        ctrl: NvmeController::new(sim),
    }
}

fn rig(config: NvmeSimConfig) -> Rig {
    rig_with(config, 1)
}

fn contents(m: &SimMedia) -> Vec<u8> {
    // Read the backing file directly: works even after the device vanished.
    std::fs::read(m.path()).unwrap()
}

fn is_all(b: &[u8], v: u8) -> bool {
    b.iter().all(|&x| x == v)
}

fn raw(ctrl: &mut NvmeController<SimNvmeController>, cmd: NvmeAdminCmd) -> Result<(), NvmeError> {
    ctrl.submit("raw", &cmd, DataDir::None, LONG).map(|_| ())
}

fn status_of(r: Result<(), NvmeError>) -> NvmeStatus {
    r.unwrap_err()
        .status()
        .expect("the controller answered with a status")
}

fn sanitize(action: SanitizeAction, ause: bool, ndas: bool) -> SanitizeParams {
    SanitizeParams {
        action,
        allow_unrestricted_exit: ause,
        no_deallocate: ndas,
    }
}

fn poll_until_done(ctrl: &mut NvmeController<SimNvmeController>) -> Vec<u16> {
    let mut sprogs = Vec::new();
    for _ in 0..100 {
        let log = ctrl.sanitize_status().unwrap();
        sprogs.push(log.sprog);
        if log.status() != SanitizeStatusValue::InProgress {
            return sprogs;
        }
    }
    panic!("sanitize never finished: {sprogs:?}");
}

fn polls(n: u32) -> NvmeSimConfig {
    NvmeSimConfig {
        sanitize_progress: SanitizeProgress::Polls { polls: n },
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------
// QEMU-like controller
// ---------------------------------------------------------------------------------------------

#[test]
fn qemu_like_controller_rejects_sanitize_and_its_log() {
    let mut r = rig(NvmeSimConfig::qemu_like());
    let id = r.ctrl.identify_controller().unwrap();
    assert_eq!(
        (id.vid, id.oacs.0, id.sanicap.0, id.fna.0),
        (0x1b36, 0x12a, 0, 0)
    );
    assert_eq!(id.model, "QEMU NVMe Ctrl");

    // The typed call refuses from SANICAP, without sending anything.
    let before = r.ctrl.transcript().len();
    let e = r
        .ctrl
        .sanitize(&sanitize(SanitizeAction::BlockErase, false, false))
        .unwrap_err();
    assert!(matches!(e, NvmeError::Unsupported(_)), "{e}");
    assert_eq!(r.ctrl.transcript().len(), before);

    // Sent anyway, QEMU answers Invalid Opcode with DNR: 0x4001.
    let cmd = sanitize(SanitizeAction::BlockErase, false, false)
        .encode()
        .unwrap();
    assert_eq!(status_of(raw(&mut r.ctrl, cmd)).raw(), 0x4001);
    // Sanitize Status log: Invalid Field with DNR, 0x4002.
    let e = r.ctrl.sanitize_status().unwrap_err();
    assert_eq!(e.status().unwrap().raw(), 0x4002);
    assert!(e.status().unwrap().means_unsupported());
    assert_eq!(contents(&r.media[0]), original(0, (SECTORS * 512) as usize));

    let last = r.ctrl.transcript().records().last().unwrap().clone();
    assert!(!last.ok);
    assert!(
        last.outcome
            .contains("0x4002 Invalid Field in Command (DNR)"),
        "{}",
        last.outcome
    );
    assert!(last.request.contains("opc=0x02") && last.request.contains("cdw10=0x007f0081"));
}

#[test]
fn qemu_like_controller_accepts_ses2_despite_fna_and_only_zeroes() {
    let mut r = rig(NvmeSimConfig::qemu_like());
    // ardoise refuses SES=2 itself, because FNA bit 2 is clear.
    let p = FormatParams::new(FormatTarget::Namespace(1), 0, SecureEraseSetting::Crypto);
    assert!(matches!(
        r.ctrl.format_nvm(&p, LONG),
        Err(NvmeError::Unsupported(_))
    ));
    assert_eq!(contents(&r.media[0]), original(0, (SECTORS * 512) as usize));
    // QEMU itself accepts it and merely zero-fills (docs/standards.md §6).
    raw(&mut r.ctrl, p.encode().unwrap()).unwrap();
    assert!(is_all(&contents(&r.media[0]), 0));
    // SES=1 works through the typed call, and zeroes.
    r.media[0].write_native(0, &[0xAB; 4096]).unwrap();
    let p = FormatParams::new(FormatTarget::Namespace(1), 0, SecureEraseSetting::UserData);
    r.ctrl.format_nvm(&p, LONG).unwrap();
    assert!(is_all(&contents(&r.media[0]), 0));
    // Its eight LBA formats: format 4 is 4096 bytes.
    let ns = r.ctrl.identify_namespace(1).unwrap();
    assert_eq!(ns.nlbaf, 7);
    assert_eq!(ns.lba_formats[4].data_size(), Some(4096));
}

// ---------------------------------------------------------------------------------------------
// Sanitize: progress, outcomes, failure modes
// ---------------------------------------------------------------------------------------------

#[test]
fn block_erase_advances_per_log_poll_and_blocks_other_commands() {
    let mut r = rig(polls(4));
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::BlockErase, false, false))
        .unwrap();

    let log = r.ctrl.sanitize_status().unwrap();
    assert_eq!(log.status(), SanitizeStatusValue::InProgress);
    assert_eq!(log.sprog, 0x4000);
    assert_eq!(log.scdw10, 0x02);
    assert!(!log.global_data_erased());
    assert_eq!(log.estimate_for_last_operation(), Some(30));

    // Meanwhile: Format and a second Sanitize get Sanitize In Progress; Identify still works.
    let f = FormatParams::new(FormatTarget::Namespace(1), 0, SecureEraseSetting::UserData);
    let e = r.ctrl.format_nvm(&f, LONG).unwrap_err();
    assert!(e.status().unwrap().is_sanitize_in_progress(), "{e}");
    assert!(!e.status().unwrap().dnr());
    let e = r
        .ctrl
        .sanitize(&sanitize(SanitizeAction::CryptoErase, false, false))
        .unwrap_err();
    assert!(e.status().unwrap().is_sanitize_in_progress());
    r.ctrl.identify_controller().unwrap();

    assert_eq!(r.ctrl.sanitize_status().unwrap().sprog, 0x8000);
    // Half way: the first half is erased, the second not yet.
    let data = contents(&r.media[0]);
    let half = data.len() / 2;
    assert!(is_all(&data[..half], 0));
    assert_eq!(data[half..], original(0, data.len())[half..]);

    assert_eq!(poll_until_done(&mut r.ctrl), vec![0xC000, 0xFFFF]);
    let log = r.ctrl.sanitize_status().unwrap();
    assert_eq!(log.status(), SanitizeStatusValue::Completed);
    assert!(log.global_data_erased());
    assert_eq!(log.progress(), None);
    assert!(is_all(&contents(&r.media[0]), 0));
    // Done: Format is allowed again.
    r.ctrl.format_nvm(&f, LONG).unwrap();
}

#[test]
fn crypto_erase_reads_random_without_deallocation_and_zero_with_it() {
    let mut r = rig(polls(1));
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::CryptoErase, false, true))
        .unwrap();
    poll_until_done(&mut r.ctrl);
    let first = contents(&r.media[0]);
    assert_ne!(first, original(0, first.len()));
    assert!(!is_all(&first, 0));
    let distinct: std::collections::BTreeSet<u8> = first.iter().copied().collect();
    assert!(
        distinct.len() > 200,
        "looks random: {} byte values",
        distinct.len()
    );

    // A second crypto erase uses a new key: different bytes again.
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::CryptoErase, false, true))
        .unwrap();
    poll_until_done(&mut r.ctrl);
    let second = contents(&r.media[0]);
    assert_ne!(first, second);

    // Without NDAS the controller deallocates: zeros.
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::CryptoErase, false, false))
        .unwrap();
    poll_until_done(&mut r.ctrl);
    assert!(is_all(&contents(&r.media[0]), 0));
    assert_eq!(
        r.ctrl.sanitize_status().unwrap().status(),
        SanitizeStatusValue::Completed
    );
}

#[test]
fn overwrite_writes_the_pattern_and_inverts_between_passes() {
    let cases = [
        // (passes, OIPBP, bytes left by the last pass)
        (2u8, true, [0xBB, 0xCC, 0xDD, 0xEE]),
        (3, true, [0x44, 0x33, 0x22, 0x11]),
        (2, false, [0x44, 0x33, 0x22, 0x11]),
        (16, true, [0xBB, 0xCC, 0xDD, 0xEE]),
    ];
    for (passes, oipbp, expected) in cases {
        let mut r = rig(polls(2));
        let action = SanitizeAction::Overwrite {
            passes,
            invert_between_passes: oipbp,
            pattern: 0x1122_3344,
        };
        r.ctrl.sanitize(&sanitize(action, false, true)).unwrap();
        let mid = r.ctrl.sanitize_status().unwrap();
        assert_eq!(mid.overwrite_passes_completed(), passes / 2);
        poll_until_done(&mut r.ctrl);
        let log = r.ctrl.sanitize_status().unwrap();
        assert_eq!(log.overwrite_passes_completed(), passes, "{passes} passes");
        assert_eq!(log.last_sanact(), 3);
        let data = contents(&r.media[0]);
        assert!(
            data.chunks(4).all(|c| c == expected),
            "{passes} passes, OIPBP {oipbp}: {:02x?}",
            &data[..8]
        );
    }
    // Without NDAS the overwritten blocks are deallocated afterwards: zeros.
    let mut r = rig(polls(1));
    let action = SanitizeAction::Overwrite {
        passes: 1,
        invert_between_passes: false,
        pattern: 0x5A5A_5A5A,
    };
    r.ctrl.sanitize(&sanitize(action, false, false)).unwrap();
    poll_until_done(&mut r.ctrl);
    assert!(is_all(&contents(&r.media[0]), 0));
}

#[test]
fn restricted_failure_allows_only_a_new_restricted_sanitize() {
    let mut config = polls(2);
    config.knobs.sanitize_fails_at = Some(0.5);
    let mut r = rig(config.clone());
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::BlockErase, false, false))
        .unwrap();
    poll_until_done(&mut r.ctrl);
    let log = r.ctrl.sanitize_status().unwrap();
    assert_eq!(log.status(), SanitizeStatusValue::Failed);
    assert!(!log.global_data_erased());
    // It failed half way: the second half still holds the data.
    let data = contents(&r.media[0]);
    let half = data.len() / 2;
    assert!(is_all(&data[..half], 0));
    assert_eq!(data[half..], original(0, data.len())[half..]);

    // AUSE was 0: Exit Failure Mode, an unrestricted sanitize and Format all get Sanitize
    // Failed.
    let e = r
        .ctrl
        .sanitize(&sanitize(SanitizeAction::ExitFailureMode, false, false))
        .unwrap_err();
    assert!(e.status().unwrap().is_sanitize_failed(), "{e}");
    let e = r
        .ctrl
        .sanitize(&sanitize(SanitizeAction::BlockErase, true, false))
        .unwrap_err();
    assert!(e.status().unwrap().is_sanitize_failed());
    let f = FormatParams::new(FormatTarget::Namespace(1), 0, SecureEraseSetting::UserData);
    let e = r.ctrl.format_nvm(&f, LONG).unwrap_err();
    assert!(e.status().unwrap().is_sanitize_failed());

    // A later process rebuilds the controller from its persisted state, without the fault.
    let (sim, _) = r.ctrl.into_parts();
    let state_json = serde_json::to_string(sim.state()).unwrap();
    drop(sim);
    let state: NvmeSimState = serde_json::from_str(&state_json).unwrap();
    config.knobs.sanitize_fails_at = None;
    let sim = SimNvmeController::new(config, state, r.media.clone()).unwrap();
    let mut ctrl = NvmeController::new(sim);
    ctrl.sanitize(&sanitize(SanitizeAction::BlockErase, false, false))
        .unwrap();
    poll_until_done(&mut ctrl);
    assert_eq!(
        ctrl.sanitize_status().unwrap().status(),
        SanitizeStatusValue::Completed
    );
    assert!(is_all(&contents(&r.media[0]), 0));
    ctrl.format_nvm(&f, LONG).unwrap();
}

#[test]
fn unrestricted_failure_can_be_exited() {
    let mut config = polls(1);
    config.knobs.sanitize_fails_at = Some(0.0);
    let mut r = rig(config);
    // Exit Failure Mode outside a failure: success, nothing happens.
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::ExitFailureMode, false, false))
        .unwrap();
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::CryptoErase, true, false))
        .unwrap();
    poll_until_done(&mut r.ctrl);
    assert_eq!(
        r.ctrl.sanitize_status().unwrap().status(),
        SanitizeStatusValue::Failed
    );
    assert_eq!(contents(&r.media[0]), original(0, (SECTORS * 512) as usize));
    let f = FormatParams::new(FormatTarget::Namespace(1), 0, SecureEraseSetting::None);
    assert!(r
        .ctrl
        .format_nvm(&f, LONG)
        .unwrap_err()
        .status()
        .unwrap()
        .is_sanitize_failed());
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::ExitFailureMode, false, false))
        .unwrap();
    // The log keeps reporting the failure (the data was not erased); commands are allowed again.
    assert_eq!(
        r.ctrl.sanitize_status().unwrap().status(),
        SanitizeStatusValue::Failed
    );
    r.ctrl.format_nvm(&f, LONG).unwrap();
}

#[test]
fn lying_controller_reports_success_and_erases_nothing() {
    let mut config = polls(2);
    config.knobs.lying = true;
    let mut r = rig(config);
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::BlockErase, false, false))
        .unwrap();
    poll_until_done(&mut r.ctrl);
    let log = r.ctrl.sanitize_status().unwrap();
    assert_eq!(log.status(), SanitizeStatusValue::Completed);
    assert!(log.global_data_erased());
    assert_eq!(contents(&r.media[0]), original(0, (SECTORS * 512) as usize));
    let f = FormatParams::new(FormatTarget::Namespace(1), 0, SecureEraseSetting::UserData);
    r.ctrl.format_nvm(&f, LONG).unwrap();
    assert_eq!(contents(&r.media[0]), original(0, (SECTORS * 512) as usize));
}

#[test]
fn partial_controller_erases_only_a_fraction() {
    let mut config = polls(1);
    config.knobs.partial_fraction = Some(0.25);
    let mut r = rig(config);
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::BlockErase, false, false))
        .unwrap();
    poll_until_done(&mut r.ctrl);
    assert_eq!(
        r.ctrl.sanitize_status().unwrap().status(),
        SanitizeStatusValue::Completed
    );
    let data = contents(&r.media[0]);
    let quarter = data.len() / 4;
    assert!(is_all(&data[..quarter], 0));
    assert_eq!(data[quarter..], original(0, data.len())[quarter..]);

    r.media[0]
        .write_native(0, &original(0, data.len()))
        .unwrap();
    let f = FormatParams::new(FormatTarget::Namespace(1), 0, SecureEraseSetting::UserData);
    r.ctrl.format_nvm(&f, LONG).unwrap();
    let data = contents(&r.media[0]);
    assert!(is_all(&data[..quarter], 0));
    assert_eq!(data[quarter..], original(0, data.len())[quarter..]);
}

#[test]
fn controller_vanishing_mid_sanitize_is_device_gone() {
    let mut config = polls(4);
    config.knobs.vanish_at = Some(0.5);
    let mut r = rig(config.clone());
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::BlockErase, false, false))
        .unwrap();
    r.ctrl.sanitize_status().unwrap();
    let e = r.ctrl.sanitize_status().unwrap_err();
    assert!(e.is_device_gone(), "{e}");
    assert!(r.media[0].is_gone());
    assert!(r.ctrl.identify_controller().unwrap_err().is_device_gone());
    let data = contents(&r.media[0]);
    let half = data.len() / 2;
    assert!(is_all(&data[..half], 0));
    assert_eq!(data[half..], original(0, data.len())[half..]);
    let rec = r.ctrl.transcript().records().last().unwrap();
    assert!(!rec.ok && rec.outcome.contains("gone"), "{}", rec.outcome);

    // Rebuilt from its state, it is still gone.
    let (sim, _) = r.ctrl.into_parts();
    assert!(sim.state().vanished);
    let m2 = SimMedia::open(r.media[0].path(), 512).unwrap();
    let sim2 = SimNvmeController::new(config, sim.state().clone(), vec![m2]).unwrap();
    let mut c2 = NvmeController::new(sim2);
    assert!(c2.identify_controller().unwrap_err().is_device_gone());
}

#[test]
fn a_medium_vanishing_under_the_block_path_is_remembered_in_the_state() {
    let mut r = rig(NvmeSimConfig::default());
    r.media[0].vanish();
    assert!(r.ctrl.identify_controller().unwrap_err().is_device_gone());
    assert!(r.ctrl.transport().state().vanished);
}

#[test]
fn controller_vanishing_mid_format_is_device_gone() {
    let mut config = NvmeSimConfig::default();
    config.knobs.vanish_at = Some(0.5);
    let mut r = rig(config);
    let f = FormatParams::new(FormatTarget::Namespace(1), 0, SecureEraseSetting::UserData);
    let e = r.ctrl.format_nvm(&f, LONG).unwrap_err();
    assert!(e.is_device_gone(), "{e}");
    let data = contents(&r.media[0]);
    let half = data.len() / 2;
    assert!(is_all(&data[..half], 0));
    assert_eq!(data[half..], original(0, data.len())[half..]);
}

#[test]
fn no_deallocate_inhibited_refuses_ndas_unless_response_mode_set() {
    let mut config = polls(1);
    config.sanicap |= 1 << 29;
    let mut r = rig(config.clone());
    let e = r
        .ctrl
        .sanitize(&sanitize(SanitizeAction::BlockErase, false, true))
        .unwrap_err();
    assert!(e.status().unwrap().is_invalid_field(), "{e}");

    config.no_dealloc_response_mode = true;
    let mut r = rig(config);
    let action = SanitizeAction::Overwrite {
        passes: 1,
        invert_between_passes: false,
        pattern: 0xA5A5_A5A5,
    };
    r.ctrl.sanitize(&sanitize(action, false, true)).unwrap();
    poll_until_done(&mut r.ctrl);
    let log = r.ctrl.sanitize_status().unwrap();
    assert_eq!(log.status(), SanitizeStatusValue::CompletedWithDeallocation);
    assert!(log.status().is_success());
    assert!(is_all(&contents(&r.media[0]), 0));
}

#[test]
fn wall_clock_progress() {
    let mut r = rig(NvmeSimConfig {
        sanitize_progress: SanitizeProgress::WallClock { millis: 3_600_000 },
        ..Default::default()
    });
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::BlockErase, false, false))
        .unwrap();
    let log = r.ctrl.sanitize_status().unwrap();
    assert_eq!(log.status(), SanitizeStatusValue::InProgress);
    assert!(
        log.sprog < 0x100,
        "one hour operation barely started: {}",
        log.sprog
    );

    let mut r = rig(NvmeSimConfig {
        sanitize_progress: SanitizeProgress::WallClock { millis: 5 },
        ..Default::default()
    });
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::BlockErase, false, false))
        .unwrap();
    std::thread::sleep(Duration::from_millis(30));
    // Any command lets the controller notice the time.
    r.ctrl.identify_controller().unwrap();
    assert_eq!(
        r.ctrl.sanitize_status().unwrap().status(),
        SanitizeStatusValue::Completed
    );
    assert!(is_all(&contents(&r.media[0]), 0));
}

#[test]
fn sanitize_state_survives_a_process_boundary() {
    let config = polls(3);
    let mut r = rig(config.clone());
    r.ctrl
        .sanitize(&sanitize(SanitizeAction::BlockErase, false, false))
        .unwrap();
    r.ctrl.sanitize_status().unwrap();
    let (sim, _) = r.ctrl.into_parts();
    let json = serde_json::to_string(&(sim.config(), sim.state())).unwrap();
    drop(sim);
    let (config2, state2): (NvmeSimConfig, NvmeSimState) = serde_json::from_str(&json).unwrap();
    assert_eq!(config2, config);
    let media = SimMedia::open(r.media[0].path(), 512).unwrap();
    let mut ctrl =
        NvmeController::new(SimNvmeController::new(config2, state2, vec![media]).unwrap());
    assert_eq!(poll_until_done(&mut ctrl), vec![0xAAAA, 0xFFFF]);
    assert!(is_all(&contents(&r.media[0]), 0));
    drop(r.dir);
}

// ---------------------------------------------------------------------------------------------
// Format NVM
// ---------------------------------------------------------------------------------------------

#[test]
fn format_ses_settings_and_fna_bit_2() {
    let len = (SECTORS * 512) as usize;
    // Default controller: FNA bit 2 set.
    let mut r = rig(NvmeSimConfig::default());
    for ses in [SecureEraseSetting::None, SecureEraseSetting::UserData] {
        r.media[0].write_native(0, &original(0, len)).unwrap();
        r.ctrl
            .format_nvm(&FormatParams::new(FormatTarget::Namespace(1), 0, ses), LONG)
            .unwrap();
        assert!(is_all(&contents(&r.media[0]), 0), "{ses:?}");
    }
    r.ctrl
        .format_nvm(
            &FormatParams::new(FormatTarget::Namespace(1), 0, SecureEraseSetting::Crypto),
            LONG,
        )
        .unwrap();
    let data = contents(&r.media[0]);
    assert!(!is_all(&data, 0) && data != original(0, len));

    // FNA bit 2 clear: ardoise refuses, and the simulator rejects the raw command too.
    let config = NvmeSimConfig {
        fna: 0,
        ..Default::default()
    };
    let mut r = rig(config);
    let p = FormatParams::new(FormatTarget::Namespace(1), 0, SecureEraseSetting::Crypto);
    assert!(matches!(
        r.ctrl.format_nvm(&p, LONG),
        Err(NvmeError::Unsupported(_))
    ));
    let s = status_of(raw(&mut r.ctrl, p.encode().unwrap()));
    assert_eq!(s.raw(), 0x4002);
    assert_eq!(contents(&r.media[0]), original(0, len));
}

#[test]
fn format_applies_to_all_namespaces_with_fna_bit_0() {
    let len = (SECTORS * 512) as usize;
    // Bit 0 clear: only the target namespace.
    let mut r = rig_with(NvmeSimConfig::default(), 2);
    let p = FormatParams::new(FormatTarget::Namespace(1), 1, SecureEraseSetting::UserData);
    r.ctrl.format_nvm(&p, LONG).unwrap();
    assert!(is_all(&contents(&r.media[0]), 0));
    assert_eq!(contents(&r.media[1]), original(1, len));
    assert_eq!(r.ctrl.identify_namespace(1).unwrap().lba_size(), Some(4096));
    assert_eq!(r.ctrl.identify_namespace(2).unwrap().lba_size(), Some(512));

    // Bit 0 set: formatting namespace 1 formats both.
    let config = NvmeSimConfig {
        fna: 0b101,
        ..Default::default()
    };
    let mut r = rig_with(config, 2);
    r.ctrl.format_nvm(&p, LONG).unwrap();
    assert!(is_all(&contents(&r.media[0]), 0));
    assert!(is_all(&contents(&r.media[1]), 0));
    assert_eq!(r.ctrl.identify_namespace(2).unwrap().lba_size(), Some(4096));

    // Bit 1 only: the secure erase reaches both, the new format only the target.
    let config = NvmeSimConfig {
        fna: 0b110,
        ..Default::default()
    };
    let mut r = rig_with(config, 2);
    r.ctrl.format_nvm(&p, LONG).unwrap();
    assert!(is_all(&contents(&r.media[1]), 0));
    assert_eq!(r.ctrl.identify_namespace(2).unwrap().lba_size(), Some(512));

    // Broadcast NSID, and its refusal when FNA bit 3 forbids it.
    let mut r = rig_with(NvmeSimConfig::default(), 2);
    let all = FormatParams::new(FormatTarget::All, 0, SecureEraseSetting::UserData);
    r.ctrl.format_nvm(&all, LONG).unwrap();
    assert!(is_all(&contents(&r.media[1]), 0));
    let config = NvmeSimConfig {
        fna: 0b1100,
        ..Default::default()
    };
    let mut r = rig_with(config, 2);
    assert!(matches!(
        r.ctrl.format_nvm(&all, LONG),
        Err(NvmeError::Unsupported(_))
    ));
    assert!(status_of(raw(&mut r.ctrl, all.encode().unwrap())).is_invalid_field());
    assert_eq!(contents(&r.media[1]), original(1, len));
}

#[test]
fn format_changes_the_lba_format_including_upper_index_bits() {
    let mut r = rig(NvmeSimConfig::default());
    let ns = r.ctrl.identify_namespace(1).unwrap();
    assert_eq!(
        (ns.current_lbaf_index(), ns.nsze, ns.lba_size()),
        (0, SECTORS, Some(512))
    );
    r.ctrl
        .format_nvm(
            &FormatParams::new(FormatTarget::Namespace(1), 1, SecureEraseSetting::None),
            LONG,
        )
        .unwrap();
    let ns = r.ctrl.identify_namespace(1).unwrap();
    assert_eq!((ns.current_lbaf_index(), ns.nsze), (1, SECTORS / 8));
    assert_eq!(ns.capacity_bytes(), Some(u128::from(SECTORS) * 512));
    assert_eq!(r.ctrl.transport().lba_size(1), Some(4096));

    // Format 2 carries 8 metadata bytes, which this controller cannot place: Invalid Format.
    let e = r
        .ctrl
        .format_nvm(
            &FormatParams::new(FormatTarget::Namespace(1), 2, SecureEraseSetting::None),
            LONG,
        )
        .unwrap_err();
    assert_eq!(e.status().unwrap().raw(), 0x410A);
    // A format index past NLBAF: Invalid Format.
    let e = r
        .ctrl
        .format_nvm(
            &FormatParams::new(FormatTarget::Namespace(1), 9, SecureEraseSetting::None),
            LONG,
        )
        .unwrap_err();
    assert!(e.status().unwrap().is_invalid_format());

    // Twenty formats: index 17 needs the LBAF upper bits.
    let config = NvmeSimConfig {
        lba_formats: (0..20)
            .map(|i| SimLbaFormat::new(0, if i == 17 { 12 } else { 9 }, 0))
            .collect(),
        ..Default::default()
    };
    let mut r = rig(config);
    r.ctrl
        .format_nvm(
            &FormatParams::new(FormatTarget::Namespace(1), 17, SecureEraseSetting::None),
            LONG,
        )
        .unwrap();
    let ns = r.ctrl.identify_namespace(1).unwrap();
    assert_eq!(ns.current_lbaf_index(), 17);
    assert_eq!(ns.lba_size(), Some(4096));
}

// ---------------------------------------------------------------------------------------------
// Wrong encodings: the simulator answers like a controller
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_sanitize_encodings_are_rejected() {
    let mut r = rig(polls(1));
    let good = sanitize(SanitizeAction::BlockErase, false, false)
        .encode()
        .unwrap();
    for (what, cdw10) in [
        ("SANACT 0", 0u32),
        ("SANACT 6", 6),
        ("SANACT 7", 7),
        ("reserved bit 11", good.cdw10 | 1 << 11),
        ("reserved bit 12", good.cdw10 | 1 << 12),
        ("reserved bit 31", good.cdw10 | 1 << 31),
        ("EMVS without media verification", good.cdw10 | 1 << 10),
        ("exit media verification unsupported", 5),
    ] {
        let cmd = NvmeAdminCmd { cdw10, ..good };
        let s = status_of(raw(&mut r.ctrl, cmd));
        assert!(s.is_invalid_field(), "{what}: {s}");
        assert!(s.dnr());
    }
    // A method the controller lacks.
    let mut config = polls(1);
    config.sanicap = 0b010;
    let mut r2 = rig(config);
    let crypto = sanitize(SanitizeAction::CryptoErase, false, false)
        .encode()
        .unwrap();
    assert!(status_of(raw(&mut r2.ctrl, crypto)).is_invalid_field());
    assert_eq!(contents(&r.media[0]), original(0, (SECTORS * 512) as usize));
    assert_eq!(r.ctrl.transport().state().sanitizes_started, 0);
}

#[test]
fn wrong_get_log_page_encodings_are_rejected() {
    let mut r = rig(NvmeSimConfig::default());
    let good = GetLogPage::controller_wide(0x02, 512).encode().unwrap();
    let mut buf = vec![0u8; 512];

    // NUMD not 0-based (512/4 instead of 512/4 − 1): the controller would write past the buffer.
    let numd_wrong = NvmeAdminCmd {
        cdw10: 0x02 | (128 << 16),
        ..good
    };
    let e = r
        .ctrl
        .submit("bad NUMD", &numd_wrong, DataDir::FromDevice(&mut buf), LONG)
        .unwrap_err();
    assert!(
        matches!(
            e,
            NvmeError::Transport {
                source: TransportError::InvalidRequest(_),
                ..
            }
        ),
        "{e}"
    );

    for (what, cmd, expected) in [
        (
            "offset not dword aligned",
            NvmeAdminCmd { cdw12: 2, ..good },
            0x4002u16,
        ),
        (
            "offset past the log",
            NvmeAdminCmd { cdw12: 512, ..good },
            0x4002,
        ),
        (
            "LSP on a log without one",
            NvmeAdminCmd {
                cdw10: good.cdw10 | 0x100,
                ..good
            },
            0x4002,
        ),
        (
            "unknown log",
            NvmeAdminCmd {
                cdw10: (good.cdw10 & !0xff) | 0x55,
                ..good
            },
            0x4109,
        ),
        (
            "namespace that does not exist",
            NvmeAdminCmd { nsid: 9, ..good },
            0x400B,
        ),
    ] {
        let e = r
            .ctrl
            .submit(what, &cmd, DataDir::FromDevice(&mut buf), LONG)
            .unwrap_err();
        assert_eq!(e.status().map(|s| s.raw()), Some(expected), "{what}: {e}");
    }
    // Reading the second half of the log through the offset works, and past the end reads 0.
    let cmd = GetLogPage {
        offset: 256,
        ..GetLogPage::controller_wide(0x02, 512)
    }
    .encode()
    .unwrap();
    r.ctrl
        .submit("offset", &cmd, DataDir::FromDevice(&mut buf), LONG)
        .unwrap();
    assert!(is_all(&buf[256..], 0));
}

#[test]
fn wrong_identify_format_and_opcode_encodings_are_rejected() {
    let mut r = rig(NvmeSimConfig::default());
    let mut buf = vec![0u8; 4096];
    let mut send = |r: &mut Rig, cmd: NvmeAdminCmd| {
        r.ctrl
            .submit("raw", &cmd, DataDir::FromDevice(&mut buf), LONG)
            .unwrap_err()
            .status()
            .unwrap()
            .raw()
    };
    assert_eq!(send(&mut r, identify(0x55, 0, 0)), 0x4002);
    assert_eq!(send(&mut r, identify(0x00, 0, 0)), 0x400B);
    assert_eq!(send(&mut r, identify(0x00, 2, 0)), 0x400B);
    assert_eq!(send(&mut r, identify(0x02, 0xFFFF_FFFF, 0)), 0x400B);
    assert_eq!(send(&mut r, identify(0x02, 0xFFFF_FFFE, 0)), 0x400B);
    assert_eq!(
        send(
            &mut r,
            NvmeAdminCmd {
                opcode: 0xC0,
                ..Default::default()
            }
        ),
        0x4001
    );
    // A 512-byte buffer for a 4096-byte Identify: the controller would overrun it.
    let mut small = vec![0u8; 512];
    let e = r
        .ctrl
        .submit(
            "short identify",
            &identify_controller(),
            DataDir::FromDevice(&mut small),
            LONG,
        )
        .unwrap_err();
    assert!(matches!(e, NvmeError::Transport { .. }), "{e}");

    let good = FormatParams::new(FormatTarget::Namespace(1), 0, SecureEraseSetting::UserData)
        .encode()
        .unwrap();
    for (what, cmd, expected) in [
        (
            "reserved bit 20",
            NvmeAdminCmd {
                cdw10: good.cdw10 | 1 << 20,
                ..good
            },
            0x4002u16,
        ),
        (
            "SES 3",
            NvmeAdminCmd {
                cdw10: 3 << 9,
                ..good
            },
            0x4002,
        ),
        (
            "PI type 5",
            NvmeAdminCmd {
                cdw10: 5 << 5,
                ..good
            },
            0x4002,
        ),
        (
            "PI without metadata",
            NvmeAdminCmd {
                cdw10: 1 << 5,
                ..good
            },
            0x410A,
        ),
        ("NSID 0", NvmeAdminCmd { nsid: 0, ..good }, 0x400B),
    ] {
        let s = status_of(raw(&mut r.ctrl, cmd));
        assert_eq!(s.raw(), expected, "{what}: {s}");
    }
    assert_eq!(contents(&r.media[0]), original(0, (SECTORS * 512) as usize));
}

// ---------------------------------------------------------------------------------------------
// Identify, health, transcript
// ---------------------------------------------------------------------------------------------

#[test]
fn identify_and_active_namespaces() {
    let mut r = rig_with(NvmeSimConfig::default(), 3);
    let id = r.ctrl.identify_controller().unwrap();
    assert_eq!(id.nn, 3);
    assert_eq!(id.serial, "ARDSIM0001");
    assert_eq!(id.tnvmcap, 3 * u128::from(SECTORS) * 512);
    assert!(id.sanicap.block_erase() && id.sanicap.crypto_erase() && id.sanicap.overwrite());
    assert!(id.fna.crypto_erase_supported() && !id.fna.format_applies_to_all());
    assert!(id.oacs.format_nvm());
    assert_eq!(id.version_string(), "1.4.0");
    assert_eq!(r.ctrl.active_namespaces().unwrap(), vec![1, 2, 3]);
    let a = r.ctrl.identify_namespace(1).unwrap();
    let b = r.ctrl.identify_namespace(2).unwrap();
    assert!(a.nguid_hex().is_some() && a.nguid != b.nguid && a.eui64 != b.eui64);
    assert_eq!(a.dlfeat & 0x7, 1);
    assert_eq!(a.lba_formats.len(), 3);
}

#[test]
fn health_log_knobs_reach_the_grade() {
    let mut config = NvmeSimConfig::default();
    config.health.media_errors = 5;
    config.health.percentage_used = 85;
    config.health.power_on_hours = u128::from(u64::MAX) + 10;
    let mut r = rig(config);
    let h = r.ctrl.health_figures().unwrap();
    assert_eq!(h.media_errors, Some(5));
    assert_eq!(h.percentage_used, Some(85));
    assert_eq!(
        h.power_on_hours,
        Some(u64::MAX),
        "128-bit counter saturates"
    );
    assert_eq!(h.temperature_celsius, Some(35));
    assert_eq!(h.grade().grade, HealthGrade::Worn);
    let smart = r.ctrl.smart_log().unwrap();
    assert_eq!(smart.power_on_hours, u128::from(u64::MAX) + 10);

    let mut config = NvmeSimConfig::default();
    config.health.critical_warning = 0x04;
    let mut r = rig(config);
    let report = r.ctrl.health_figures().unwrap().grade();
    assert_eq!(report.grade, HealthGrade::Failing);

    let mut config = NvmeSimConfig::default();
    config.health.percentage_used = 100;
    let mut r = rig(config);
    assert_eq!(
        r.ctrl.health_figures().unwrap().grade().grade,
        HealthGrade::Failing
    );
    assert_eq!(
        rig(NvmeSimConfig::default())
            .ctrl
            .health_figures()
            .unwrap()
            .grade()
            .grade,
        HealthGrade::Good
    );

    // A per-namespace SMART request needs LPA bit 0.
    let mut buf = vec![0u8; 512];
    let per_ns = GetLogPage {
        nsid: 1,
        ..GetLogPage::controller_wide(0x02, 512)
    }
    .encode()
    .unwrap();
    r.ctrl
        .submit("smart ns1", &per_ns, DataDir::FromDevice(&mut buf), LONG)
        .unwrap();
    let config = NvmeSimConfig {
        lpa: 0,
        ..Default::default()
    };
    let mut r = rig(config);
    let e = r
        .ctrl
        .submit("smart ns1", &per_ns, DataDir::FromDevice(&mut buf), LONG)
        .unwrap_err();
    assert!(e.status().unwrap().is_invalid_field());
}

#[test]
fn transcript_records_every_command_in_words_and_hex() {
    let mut r = rig(polls(1));
    r.ctrl.identify_controller().unwrap();
    let p = SanitizeParams {
        action: SanitizeAction::Overwrite {
            passes: 3,
            invert_between_passes: true,
            pattern: 0xDEAD_BEEF,
        },
        allow_unrestricted_exit: true,
        no_deallocate: true,
    };
    r.ctrl.sanitize(&p).unwrap();
    poll_until_done(&mut r.ctrl);
    let recs = r.ctrl.transcript().records();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0].name, "IDENTIFY CONTROLLER");
    assert!(recs[0].request.contains("opc=0x06") && recs[0].request.contains("data=4096"));
    assert_eq!(recs[1].name, "SANITIZE Overwrite");
    assert!(
        recs[1].request.contains("cdw10=0x0000033b"),
        "{}",
        recs[1].request
    );
    assert!(recs[1].request.contains("cdw11=0xdeadbeef"));
    assert_eq!(recs[1].outcome, "Successful Completion");
    assert_eq!(
        recs[1].raw_reply.as_deref(),
        Some("status=0x0000 result=0x00000000")
    );
    assert!(recs.iter().all(|r| r.ok));
    assert_eq!(
        recs.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
}

/// The simulator is a transport like the ioctl one: usable behind a trait object.
#[test]
fn simulator_is_a_transport() {
    let r = rig(NvmeSimConfig::default());
    let (sim, _) = r.ctrl.into_parts();
    let mut boxed: Box<dyn NvmeTransport> = Box::new(sim);
    let mut buf = vec![0u8; 4096];
    let reply = boxed
        .admin(&identify_controller(), DataDir::FromDevice(&mut buf), LONG)
        .unwrap();
    assert_eq!(reply.status, 0);
    assert_eq!(u16::from_le_bytes([buf[0], buf[1]]), 0xA5D1);
}
