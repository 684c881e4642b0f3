//! The ATA command layer against the simulated SATA disk: every state and knob of the model,
//! reached through the same encoders ardoise uses on real hardware (and, where an encoder bug
//! is the point, through hand-made CDBs).

use std::sync::Arc;
use std::time::Duration;

use ardoise_disk::ata::*;
use ardoise_disk::block::{BlockError, BlockIo};
use ardoise_disk::health::HealthGrade;
use ardoise_disk::scsi::{ScsiDevice, SenseKey};
use ardoise_disk::sim::ata::*;
use ardoise_disk::sim::{SimBlock, SimMedia};
use ardoise_disk::transport::{DataDir, ScsiTransport, TransportError};

const SECTORS: u64 = 2048;
const OLD: u8 = 0xab;

struct Rig {
    _dir: tempfile::TempDir,
    media: Arc<SimMedia>,
    dev: AtaDevice<SimAtaDisk>,
}

fn rig(config: AtaSimConfig, state: AtaSimState) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let media = SimMedia::create(&dir.path().join("disk.img"), 512, SECTORS).unwrap();
    media.fill_sectors(0, SECTORS, |b, _| b.fill(OLD)).unwrap();
    let disk = SimAtaDisk::new(config, state, media.clone());
    Rig {
        _dir: dir,
        media,
        dev: AtaDevice::new(disk),
    }
}

fn hdd_with(edit: impl FnOnce(&mut AtaSimConfig)) -> Rig {
    let mut c = AtaSimConfig::hdd();
    edit(&mut c);
    let s = AtaSimState::power_on(&c);
    rig(c, s)
}

fn sectors(media: &SimMedia, first: u64, count: u64) -> Vec<u8> {
    let mut b = vec![0u8; (count * 512) as usize];
    media.read_native(first * 512, &mut b).unwrap();
    b
}

fn all(media: &SimMedia, first: u64, count: u64, byte: u8) -> bool {
    sectors(media, first, count).iter().all(|&b| b == byte)
}

fn pw() -> SecurityPassword {
    SecurityPassword::new(b"ardoise-test").unwrap()
}

fn set_user_password(r: &mut Rig) {
    r.dev
        .security_set_password(&pw(), PasswordKind::User, SecurityLevel::High, None)
        .unwrap();
}

fn timeout_for(r: &mut Rig, mode: EraseMode) -> Duration {
    let id = r.dev.identify().unwrap();
    erase_timeout(Some(&id), mode)
}

// --- IDENTIFY, variants, SCSI side --------------------------------------------------------------

#[test]
fn identify_hdd_and_ssd_variants() {
    let mut r = hdd_with(|_| {});
    let id = r.dev.identify().unwrap();
    assert_eq!(id.model, "WDC WD10EZEX-08WN4A0");
    assert_eq!(id.serial, "WD-WCC6Y0SIMULATED");
    assert_eq!(id.firmware, "01.01A01");
    assert_eq!(id.checksum, Checksum::Valid);
    assert_eq!(id.user_sectors(), SECTORS);
    assert_eq!(id.physical_sector_size, 4096);
    assert_eq!(id.rotation, Rotation::Rpm(7200));
    assert!(id.security.supported && id.security.enhanced_erase_supported);
    assert!(!id.security.enabled && !id.security.frozen && !id.security.locked);
    assert!(id.sanitize.supported && id.sanitize.block_erase && id.sanitize.crypto_scramble);
    assert!(id.hpa.supported && id.dco.supported && !id.amax_supported);
    assert_eq!(id.wwn, Some(0x5001_4ee2_0abc_def0));

    let c = AtaSimConfig::ssd();
    let s = AtaSimState::power_on(&c);
    let mut r = rig(c, s);
    let id = r.dev.identify().unwrap();
    assert!(id.is_solid_state());
    assert!(id.trim.supported && id.trim.deterministic && id.trim.zeroes);
    assert!(id.amax_supported && !id.dco.supported);
    assert_eq!(id.model, "Samsung SSD 860 EVO 250GB");
}

#[test]
fn scsi_side_of_the_ata_disk() {
    let c = AtaSimConfig::hdd();
    let s = AtaSimState::power_on(&c).with_hpa(1000);
    let r = rig(c, s);
    let mut scsi = ScsiDevice::new(r.dev.into_transport());
    let inq = scsi.inquiry().unwrap();
    assert_eq!(inq.vendor, "ATA");
    assert_eq!(inq.product, "WDC WD10EZEX-08W");
    assert_eq!(inq.revision, "1A01");
    assert_eq!(scsi.unit_serial_number().unwrap(), "WD-WCC6Y0SIMULATED");
    assert_eq!(scsi.supported_vpd_pages().unwrap(), vec![0x00, 0x80, 0x83]);
    let ids = scsi.device_identification().unwrap();
    assert_eq!(ids.wwn_hex().as_deref(), Some("50014ee20abcdef0"));
    assert!(ids
        .t10_vendor_id()
        .unwrap()
        .starts_with("ATA     WDC WD10EZEX"));
    let cap = scsi.read_capacity16().unwrap();
    assert_eq!(
        cap.blocks(),
        1000,
        "READ CAPACITY sees the HPA-limited size"
    );
    assert_eq!(cap.physical_block_length(), 4096);
    scsi.test_unit_ready().unwrap();
    scsi.synchronize_cache().unwrap();
    assert_eq!(scsi.request_sense(false).unwrap(), None);
    // An opcode libata does not translate.
    let e = scsi
        .execute(
            "SANITIZE",
            &[0x48, 0x02, 0, 0, 0, 0, 0, 0, 0, 0],
            DataDir::None,
            Duration::from_secs(5),
        )
        .unwrap_err();
    assert!(e.is_unsupported_command());
}

#[test]
fn transcript_records_every_command_without_passwords() {
    let mut r = hdd_with(|_| {});
    r.dev.identify().unwrap();
    set_user_password(&mut r);
    let _ = r.dev.security_unlock(
        &SecurityPassword::new(b"wrong").unwrap(),
        PasswordKind::User,
    );
    let t = r.dev.transcript();
    assert_eq!(t.len(), 3);
    let recs = t.records();
    assert_eq!(recs[0].name, "IDENTIFY DEVICE");
    assert_eq!(recs[0].request, "85080e0000000100000000000040ec00");
    assert!(recs[0].ok);
    assert_eq!(recs[1].name, "SECURITY SET PASSWORD (user)");
    assert!(recs[1].data_out_blake3.is_some());
    assert!(!recs[2].ok);
    assert!(recs[2].outcome.contains("aborted"), "{}", recs[2].outcome);
    let json = serde_json::to_string(t.records()).unwrap();
    assert!(!json.contains(&hex::encode(b"ardoise-test")));
    assert!(!json.contains("ardoise-test"));
}

// --- security ------------------------------------------------------------------------------

#[test]
fn enabled_then_power_cycle_locks_and_unlock_opens() {
    let mut r = hdd_with(|_| {});
    set_user_password(&mut r);
    let id = r.dev.identify().unwrap();
    assert!(id.security.enabled && !id.security.locked);
    r.dev.transport_mut().power_cycle();
    let id = r.dev.identify().unwrap();
    assert!(id.security.locked);
    let blk = SimBlock::new(r.media.clone());
    let mut buf = vec![0u8; 512];
    assert!(matches!(
        blk.read_at(&mut buf, 0),
        Err(BlockError::Medium { .. })
    ));
    // Media commands and configuration changes abort while locked.
    assert!(r.dev.security_freeze_lock().unwrap_err().is_aborted());
    assert!(r.dev.smart_read_data().is_ok(), "SMART is not media access");
    r.dev.security_unlock(&pw(), PasswordKind::User).unwrap();
    assert!(!r.dev.identify().unwrap().security.locked);
    blk.read_at(&mut buf, 0).unwrap();
    assert!(buf.iter().all(|&b| b == OLD));
}

#[test]
fn locked_drive_from_state_refuses_host_io() {
    let c = AtaSimConfig::hdd();
    let s = AtaSimState::power_on(&c).with_user_password(b"ardoise-test", true);
    let mut r = rig(c, s);
    let blk = SimBlock::new(r.media.clone());
    let mut buf = vec![0u8; 4096];
    assert!(blk.read_at(&mut buf, 0).unwrap_err().is_medium());
    assert!(blk.write_at(&buf, 0).unwrap_err().is_medium());
    assert!(r.dev.identify().unwrap().security.locked);
    r.dev.security_unlock(&pw(), PasswordKind::User).unwrap();
    blk.write_at(&buf, 0).unwrap();
}

#[test]
fn frozen_drive_aborts_password_and_erase_commands() {
    let mut r = hdd_with(|c| c.frozen_at_power_on = true);
    assert!(r.dev.identify().unwrap().security.frozen);
    let e = r
        .dev
        .security_set_password(&pw(), PasswordKind::User, SecurityLevel::High, None)
        .unwrap_err();
    assert!(e.is_aborted());
    assert!(r.dev.security_erase_prepare().unwrap_err().is_aborted());
    assert!(!r.dev.identify().unwrap().security.enabled);
    // A drive frozen after its password was set: ERASE and DISABLE abort too.
    let mut r = hdd_with(|_| {});
    set_user_password(&mut r);
    r.dev.security_freeze_lock().unwrap();
    let t = timeout_for(&mut r, EraseMode::Normal);
    let e = r
        .dev
        .security_erase(&pw(), PasswordKind::User, EraseMode::Normal, t)
        .unwrap_err();
    assert!(e.is_aborted());
    assert!(r
        .dev
        .security_disable_password(&pw(), PasswordKind::User)
        .unwrap_err()
        .is_aborted());
    assert!(all(&r.media, 0, SECTORS, OLD), "nothing erased");
}

#[test]
fn five_bad_unlocks_expire_the_count() {
    let c = AtaSimConfig::hdd();
    let s = AtaSimState::power_on(&c).with_user_password(b"ardoise-test", true);
    let mut r = rig(c, s);
    let bad = SecurityPassword::new(b"guess").unwrap();
    for i in 0..5 {
        assert!(r.dev.identify().unwrap().security.count_expired == (i >= 5));
        assert!(r
            .dev
            .security_unlock(&bad, PasswordKind::User)
            .unwrap_err()
            .is_aborted());
    }
    assert!(r.dev.identify().unwrap().security.count_expired);
    // Even the right password is refused now, and so is ERASE UNIT.
    assert!(r
        .dev
        .security_unlock(&pw(), PasswordKind::User)
        .unwrap_err()
        .is_aborted());
    let t = timeout_for(&mut r, EraseMode::Normal);
    assert!(r
        .dev
        .security_erase(&pw(), PasswordKind::User, EraseMode::Normal, t)
        .unwrap_err()
        .is_aborted());
    r.dev.transport_mut().power_cycle();
    assert!(!r.dev.identify().unwrap().security.count_expired);
    r.dev.security_unlock(&pw(), PasswordKind::User).unwrap();
}

#[test]
fn normal_erase_zeros_user_area_and_clears_the_password() {
    let c = AtaSimConfig::hdd();
    let s = AtaSimState::power_on(&c).with_hpa(1536);
    let mut r = rig(c, s);
    set_user_password(&mut r);
    let t = timeout_for(&mut r, EraseMode::Normal);
    let regs = r
        .dev
        .security_erase(&pw(), PasswordKind::User, EraseMode::Normal, t)
        .unwrap();
    assert!(regs.is_confirmed());
    assert!(all(&r.media, 0, 1536, 0x00));
    assert!(all(&r.media, 1536, SECTORS - 1536, OLD), "HPA left alone");
    let id = r.dev.identify().unwrap();
    assert!(!id.security.enabled && !id.security.locked);
    assert_eq!(r.dev.transport_mut().state().security.user_password, None);
}

#[test]
fn enhanced_erase_writes_the_vendor_pattern_over_all_native_sectors() {
    let c = AtaSimConfig::hdd();
    let s = AtaSimState::power_on(&c).with_hpa(1536);
    let mut r = rig(c, s);
    set_user_password(&mut r);
    let t = timeout_for(&mut r, EraseMode::Enhanced);
    r.dev
        .security_erase(&pw(), PasswordKind::User, EraseMode::Enhanced, t)
        .unwrap();
    assert!(all(&r.media, 0, SECTORS, 0x6b));
    // Master password erase works too, at level Maximum.
    r.dev
        .security_set_password(&pw(), PasswordKind::User, SecurityLevel::Maximum, None)
        .unwrap();
    r.dev
        .security_erase(
            &SecurityPassword::empty(),
            PasswordKind::Master,
            EraseMode::Normal,
            t,
        )
        .unwrap();
    assert!(all(&r.media, 0, 1536, 0x00));
}

#[test]
fn enhanced_erase_unsupported_aborts() {
    let mut r = hdd_with(|c| c.security.as_mut().unwrap().enhanced_erase = false);
    set_user_password(&mut r);
    let t = timeout_for(&mut r, EraseMode::Enhanced);
    assert!(r
        .dev
        .security_erase(&pw(), PasswordKind::User, EraseMode::Enhanced, t)
        .unwrap_err()
        .is_aborted());
}

#[test]
fn erase_unit_without_prepare_is_rejected_by_the_drive() {
    let mut r = hdd_with(|_| {});
    set_user_password(&mut r);
    let t = timeout_for(&mut r, EraseMode::Normal);
    let e = r
        .dev
        .security_erase_unit(&pw(), PasswordKind::User, EraseMode::Normal, t)
        .unwrap_err();
    assert!(e.is_aborted(), "{e}");
    // PREPARE, then another command, then ERASE UNIT: not "immediately preceded".
    r.dev.security_erase_prepare().unwrap();
    r.dev.identify().unwrap();
    assert!(r
        .dev
        .security_erase_unit(&pw(), PasswordKind::User, EraseMode::Normal, t)
        .unwrap_err()
        .is_aborted());
    assert!(all(&r.media, 0, SECTORS, OLD));
    assert!(r.dev.identify().unwrap().security.enabled);
}

#[test]
fn erase_with_wrong_password_or_without_password_aborts() {
    let mut r = hdd_with(|_| {});
    let t = timeout_for(&mut r, EraseMode::Normal);
    assert!(r
        .dev
        .security_erase(&pw(), PasswordKind::User, EraseMode::Normal, t)
        .unwrap_err()
        .is_aborted());
    set_user_password(&mut r);
    assert!(r
        .dev
        .security_erase(
            &SecurityPassword::new(b"nope").unwrap(),
            PasswordKind::User,
            EraseMode::Normal,
            t
        )
        .unwrap_err()
        .is_aborted());
    assert!(all(&r.media, 0, SECTORS, OLD));
}

#[test]
fn failed_erase_leaves_the_drive_locked_with_the_password() {
    let mut r = hdd_with(|c| c.knobs.fail_mid_command = true);
    set_user_password(&mut r);
    let t = timeout_for(&mut r, EraseMode::Normal);
    let e = r
        .dev
        .security_erase(&pw(), PasswordKind::User, EraseMode::Normal, t)
        .unwrap_err();
    assert!(e.is_aborted());
    assert!(all(&r.media, 0, SECTORS / 2, 0x00));
    assert!(all(&r.media, SECTORS / 2, SECTORS / 2, OLD));
    let id = r.dev.identify().unwrap();
    assert!(id.security.enabled && id.security.locked);
    // The logged password still opens it.
    r.dev.security_unlock(&pw(), PasswordKind::User).unwrap();
}

#[test]
fn lying_and_partial_erases_report_success() {
    let mut r = hdd_with(|c| c.knobs.lying = true);
    set_user_password(&mut r);
    let t = timeout_for(&mut r, EraseMode::Normal);
    r.dev
        .security_erase(&pw(), PasswordKind::User, EraseMode::Normal, t)
        .unwrap();
    assert!(all(&r.media, 0, SECTORS, OLD), "the liar erased nothing");

    let mut r = hdd_with(|c| c.knobs.partial_fraction = Some(0.25));
    set_user_password(&mut r);
    r.dev
        .security_erase(&pw(), PasswordKind::User, EraseMode::Normal, t)
        .unwrap();
    assert!(all(&r.media, 0, SECTORS / 4, 0x00));
    assert!(all(&r.media, SECTORS / 4, SECTORS * 3 / 4, OLD));
}

#[test]
fn vanishing_during_erase_is_device_gone() {
    let mut r = hdd_with(|c| c.knobs.vanish_mid_command = true);
    set_user_password(&mut r);
    let t = timeout_for(&mut r, EraseMode::Normal);
    let e = r
        .dev
        .security_erase(&pw(), PasswordKind::User, EraseMode::Normal, t)
        .unwrap_err();
    assert!(e.is_device_gone(), "{e}");
    assert!(r.dev.identify().unwrap_err().is_device_gone());
    let blk = SimBlock::new(r.media.clone());
    assert!(blk.read_at(&mut [0u8; 512], 0).unwrap_err().is_gone());
}

#[test]
fn too_short_a_timeout_is_a_transport_timeout() {
    let mut r = hdd_with(|_| {});
    set_user_password(&mut r);
    // Word 89 = 2 → 4 minutes; one minute is too short.
    let e = r
        .dev
        .security_erase(
            &pw(),
            PasswordKind::User,
            EraseMode::Normal,
            Duration::from_secs(60),
        )
        .unwrap_err();
    assert!(matches!(
        e,
        AtaError::Transport(TransportError::Timeout { .. })
    ));
}

#[test]
fn disable_password() {
    let mut r = hdd_with(|_| {});
    set_user_password(&mut r);
    assert!(r
        .dev
        .security_disable_password(&SecurityPassword::new(b"x").unwrap(), PasswordKind::User)
        .unwrap_err()
        .is_aborted());
    r.dev
        .security_disable_password(&pw(), PasswordKind::User)
        .unwrap();
    assert!(!r.dev.identify().unwrap().security.enabled);
}

#[test]
fn security_unsupported_aborts_everything() {
    let mut r = hdd_with(|c| c.security = None);
    assert!(!r.dev.identify().unwrap().security.supported);
    assert!(r
        .dev
        .security_set_password(&pw(), PasswordKind::User, SecurityLevel::High, None)
        .unwrap_err()
        .is_aborted());
    assert!(r.dev.security_freeze_lock().unwrap_err().is_aborted());
}

// --- sanitize ------------------------------------------------------------------------------

#[test]
fn block_erase_with_progress_polls_then_succeeds() {
    let mut r = hdd_with(|c| {
        c.knobs.sanitize_polls = 3;
        c.block_erase_fill = 0xff;
    });
    assert_eq!(
        r.dev.sanitize_status(false).unwrap().state,
        SanitizeState::Idle
    );
    r.dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap();
    let blk = SimBlock::new(r.media.clone());
    assert!(blk.read_at(&mut [0u8; 512], 0).unwrap_err().is_medium());
    // Other commands abort while the operation runs; IDENTIFY does not.
    assert!(r.dev.smart_read_data().unwrap_err().is_aborted());
    assert!(r.dev.flush_cache_ext().unwrap_err().is_aborted());
    r.dev.identify().unwrap();
    r.dev.smart_return_status().unwrap();
    let p1 = r.dev.sanitize_status(false).unwrap();
    assert_eq!(p1.state, SanitizeState::InProgress);
    let p2 = r.dev.sanitize_status(false).unwrap();
    // Three polls in all: 1/3 then 2/3 of 65536, in LBA(15:0).
    assert_eq!((p1.progress, p2.progress), (Some(21845), Some(43690)));
    assert!(all(&r.media, 0, SECTORS, OLD), "erased only at completion");
    let done = r.dev.sanitize_status(false).unwrap();
    assert_eq!(done.state, SanitizeState::Succeeded);
    assert!(done.last_completed_without_error);
    assert!(all(&r.media, 0, SECTORS, 0xff));
    blk.read_at(&mut [0u8; 512], 0).unwrap();
}

#[test]
fn crypto_scramble_leaves_pseudo_random_data_everywhere() {
    let c = AtaSimConfig::hdd();
    let s = AtaSimState::power_on(&c).with_hpa(1000);
    let mut r = rig(c, s);
    r.dev
        .sanitize_crypto_scramble(SanitizeOptions::default())
        .unwrap();
    assert_eq!(
        r.dev.sanitize_status(false).unwrap().state,
        SanitizeState::Succeeded
    );
    let data = sectors(&r.media, 0, SECTORS);
    let old = data.iter().filter(|&&b| b == OLD).count();
    assert!(old < data.len() / 100, "{old} old bytes remain");
    let zeros = data.iter().filter(|&&b| b == 0).count();
    assert!(zeros < data.len() / 100);
    // Hidden sectors are included.
    assert!(!all(&r.media, 1000, SECTORS - 1000, OLD));
}

#[test]
fn overwrite_writes_the_pattern_little_endian() {
    let mut r = hdd_with(|_| {});
    r.dev
        .sanitize_overwrite(
            OverwriteOptions {
                pattern: 0xdead_beef,
                passes: 1,
                invert: false,
                definitive_ending: false,
            },
            SanitizeOptions::default(),
        )
        .unwrap();
    r.dev.sanitize_status(false).unwrap();
    let d = sectors(&r.media, 0, SECTORS);
    assert!(d.chunks(4).all(|c| c == [0xef, 0xbe, 0xad, 0xde]));
    // Two inverted passes end on the inverted pattern.
    r.dev
        .sanitize_overwrite(
            OverwriteOptions {
                pattern: 0x0000_00ff,
                passes: 2,
                invert: true,
                definitive_ending: false,
            },
            SanitizeOptions::default(),
        )
        .unwrap();
    let d = sectors(&r.media, 0, 1);
    assert!(d.chunks(4).all(|c| c == [0x00, 0xff, 0xff, 0xff]));
}

#[test]
fn sanitize_unsupported_aborts() {
    let mut r = hdd_with(|c| c.sanitize = AtaSanitizeCaps::default());
    assert!(!r.dev.identify().unwrap().sanitize.supported);
    assert!(r
        .dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap_err()
        .is_aborted());
    assert!(r.dev.sanitize_status(false).unwrap_err().is_aborted());
    // Supported feature set, unsupported method: reason 02h.
    let mut r = hdd_with(|c| c.sanitize.crypto_scramble = false);
    let e = r
        .dev
        .sanitize_crypto_scramble(SanitizeOptions::default())
        .unwrap_err();
    assert_eq!(e.sanitize_reason(), Some(SanitizeErrorReason::Unsupported));
    assert!(all(&r.media, 0, SECTORS, OLD));
}

#[test]
fn failed_sanitize_is_sd3_until_cleared_with_failure_mode() {
    let mut r = hdd_with(|c| c.knobs.fail_mid_command = true);
    r.dev
        .sanitize_block_erase(SanitizeOptions {
            failure_mode: true,
            zoned_no_reset: false,
        })
        .unwrap();
    let s = r.dev.sanitize_status(false).unwrap();
    assert_eq!(s.state, SanitizeState::Failed);
    assert_eq!(s.failure, Some(SanitizeErrorReason::LastOperationFailed));
    assert!(!s.last_completed_without_error);
    assert!(r.dev.smart_read_data().unwrap_err().is_aborted());
    let blk = SimBlock::new(r.media.clone());
    assert!(blk.read_at(&mut [0u8; 512], 0).unwrap_err().is_medium());
    // CLEAR SANITIZE OPERATION FAILED works because FAILURE MODE was set.
    let s = r.dev.sanitize_status(true).unwrap();
    assert_eq!(s.state, SanitizeState::Idle);
    blk.read_at(&mut [0u8; 512], 0).unwrap();
}

#[test]
fn failed_sanitize_without_failure_mode_needs_a_new_successful_sanitize() {
    let mut r = hdd_with(|c| c.knobs.fail_mid_command = true);
    r.dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap();
    assert_eq!(
        r.dev.sanitize_status(true).unwrap().state,
        SanitizeState::Failed,
        "CLEAR refused: FAILURE MODE was 0"
    );
    let e = r
        .dev
        .sanitize_block_erase(SanitizeOptions {
            failure_mode: true,
            zoned_no_reset: false,
        })
        .unwrap_err();
    assert_eq!(
        e.sanitize_reason(),
        Some(SanitizeErrorReason::LastOperationFailed)
    );
    r.dev.transport_mut().config_mut().knobs.fail_mid_command = false;
    r.dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap();
    assert_eq!(
        r.dev.sanitize_status(false).unwrap().state,
        SanitizeState::Succeeded
    );
    assert!(all(&r.media, 0, SECTORS, 0x00));
}

#[test]
fn sanitize_freeze_and_antifreeze() {
    let mut r = hdd_with(|_| {});
    r.dev.sanitize_freeze_lock().unwrap();
    assert_eq!(
        r.dev.sanitize_status(false).unwrap().state,
        SanitizeState::Frozen
    );
    let e = r
        .dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap_err();
    assert_eq!(e.sanitize_reason(), Some(SanitizeErrorReason::Frozen));
    let e = r.dev.sanitize_antifreeze_lock().unwrap_err();
    assert_eq!(e.sanitize_reason(), Some(SanitizeErrorReason::Frozen));
    r.dev.transport_mut().power_cycle();
    r.dev.sanitize_antifreeze_lock().unwrap();
    assert!(r.dev.sanitize_status(false).unwrap().antifreeze);
    let e = r.dev.sanitize_freeze_lock().unwrap_err();
    assert_eq!(
        e.sanitize_reason(),
        Some(SanitizeErrorReason::AntifreezeLock)
    );
    r.dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap();
    assert!(all(&r.media, 0, SECTORS, 0x00));
}

#[test]
fn lying_and_partial_sanitize() {
    let mut r = hdd_with(|c| c.knobs.lying = true);
    r.dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap();
    assert_eq!(
        r.dev.sanitize_status(false).unwrap().state,
        SanitizeState::Succeeded
    );
    assert!(all(&r.media, 0, SECTORS, OLD));
    let mut r = hdd_with(|c| c.knobs.partial_fraction = Some(0.5));
    r.dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap();
    assert!(all(&r.media, 0, SECTORS / 2, 0x00));
    assert!(all(&r.media, SECTORS / 2, SECTORS / 2, OLD));
}

#[test]
fn vanishing_during_sanitize_is_device_gone_at_the_next_poll() {
    let mut r = hdd_with(|c| {
        c.knobs.vanish_mid_command = true;
        c.knobs.sanitize_polls = 2;
    });
    r.dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap();
    assert_eq!(
        r.dev.sanitize_status(false).unwrap().state,
        SanitizeState::InProgress
    );
    assert!(r.dev.sanitize_status(false).unwrap_err().is_device_gone());
    assert!(r.media.is_gone());
}

#[test]
fn sanitize_progress_by_wall_clock() {
    let mut r = hdd_with(|c| c.knobs.sanitize_duration_ms = Some(1500));
    r.dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap();
    let s = r.dev.sanitize_status(false).unwrap();
    assert_eq!(s.state, SanitizeState::InProgress);
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(
        r.dev.sanitize_status(false).unwrap().state,
        SanitizeState::Succeeded
    );
}

#[test]
fn state_survives_serialisation_between_processes() {
    let mut r = hdd_with(|c| c.knobs.sanitize_polls = 3);
    set_user_password(&mut r);
    r.dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap();
    r.dev.sanitize_status(false).unwrap();
    let disk = r.dev.into_transport();
    let config = serde_json::to_string(disk.config()).unwrap();
    let state = serde_json::to_string(disk.state()).unwrap();
    drop(disk);
    let disk = SimAtaDisk::new(
        serde_json::from_str(&config).unwrap(),
        serde_json::from_str(&state).unwrap(),
        r.media.clone(),
    );
    let mut dev = AtaDevice::new(disk);
    let s = dev.sanitize_status(false).unwrap();
    assert_eq!(s.state, SanitizeState::InProgress);
    assert!(dev.identify().unwrap().security.enabled);
    assert_eq!(
        dev.sanitize_status(false).unwrap().state,
        SanitizeState::Succeeded
    );
}

// --- hand-made CDBs: encoder bugs get a real device's answer --------------------------------

fn raw(
    disk: &mut SimAtaDisk,
    cdb: [u8; 16],
    data: DataDir<'_>,
) -> ardoise_disk::transport::ScsiReply {
    disk.execute(&cdb, data, Duration::from_secs(10)).unwrap()
}

#[test]
fn wrong_sanitize_key_or_missing_extend_is_aborted() {
    let r = hdd_with(|_| {});
    let mut disk = r.dev.into_transport();
    // BLOCK ERASE EXT with "BkEr" mistyped (LBA(7:0) 0x73 instead of 0x72).
    let rep = raw(
        &mut disk,
        [
            0x85, 0x07, 0x20, 0, 0x12, 0, 0, 0x42, 0x73, 0, 0x45, 0, 0x6b, 0x40, 0xb4, 0,
        ],
        DataDir::None,
    );
    assert_eq!(rep.status, 2);
    assert_eq!(rep.sense[1] & 0x0f, 0x0b, "ABORTED COMMAND");
    assert_eq!(rep.sense[8..10], [0x09, 0x0c]);
    assert_eq!(rep.sense[21], 0x51, "ATA status ERR");
    assert_eq!(rep.sense[11], 0x04, "ABRT");
    // The right key, but EXTEND clear: the drive sees LBA(47:24) = 0, so the key is wrong.
    let rep = raw(
        &mut disk,
        [
            0x85, 0x06, 0x20, 0, 0x12, 0, 0, 0x42, 0x72, 0, 0x45, 0, 0x6b, 0x40, 0xb4, 0,
        ],
        DataDir::None,
    );
    assert_eq!(rep.sense[1] & 0x0f, 0x0b);
    assert!(all(&r.media, 0, SECTORS, OLD));
    // The correct CDB (docs/standards.md §1.6) works.
    let rep = raw(
        &mut disk,
        [
            0x85, 0x07, 0x20, 0, 0x12, 0, 0, 0x42, 0x72, 0, 0x45, 0, 0x6b, 0x40, 0xb4, 0,
        ],
        DataDir::None,
    );
    assert_eq!(
        rep.sense[1] & 0x0f,
        0x01,
        "RECOVERED ERROR: pass-through information"
    );
    assert!(all(&r.media, 0, SECTORS, 0x00));
}

#[test]
fn wrong_t_length_direction_or_protocol_is_rejected() {
    let r = hdd_with(|_| {});
    let mut disk = r.dev.into_transport();
    let mut buf = [0u8; 512];
    // IDENTIFY with T_LENGTH = 0 but a data buffer: libata's INVALID FIELD IN CDB.
    let rep = raw(
        &mut disk,
        [
            0x85, 0x08, 0x08, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0xec, 0,
        ],
        DataDir::FromDevice(&mut buf),
    );
    assert_eq!(
        (rep.sense[2], rep.sense[12], rep.sense[13]),
        (0x05, 0x24, 0x00)
    );
    // PIO data-in with T_DIR = 0 (to device).
    let rep = raw(
        &mut disk,
        [
            0x85, 0x08, 0x06, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0xec, 0,
        ],
        DataDir::FromDevice(&mut buf),
    );
    assert_eq!(rep.sense[12], 0x24);
    // An unknown PROTOCOL (2).
    let rep = raw(
        &mut disk,
        [
            0x85, 0x04, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0xf5, 0,
        ],
        DataDir::None,
    );
    assert_eq!(rep.sense[12], 0x24);
    // COUNT = 2 blocks for a 512-byte buffer.
    let rep = raw(
        &mut disk,
        [
            0x85, 0x08, 0x0e, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0x40, 0xec, 0,
        ],
        DataDir::FromDevice(&mut buf),
    );
    assert_eq!(rep.sense[12], 0x24);
    // SET PASSWORD sent as non-data: the drive expects a data-out phase and aborts.
    let rep = raw(
        &mut disk,
        [
            0x85, 0x06, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0xf1, 0,
        ],
        DataDir::None,
    );
    assert_eq!(rep.sense[1] & 0x0f, 0x0b);
    assert!(!disk.state().security.enabled);
    // A well-formed IDENTIFY passes.
    let rep = raw(
        &mut disk,
        [
            0x85, 0x08, 0x0e, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0xec, 0,
        ],
        DataDir::FromDevice(&mut buf),
    );
    assert_eq!(rep.status, 0);
    assert_eq!(buf[510], 0xa5);
}

// --- hidden areas --------------------------------------------------------------------------

#[test]
fn hpa_present_and_removed() {
    let c = AtaSimConfig::hdd();
    let s = AtaSimState::power_on(&c).with_hpa(1500);
    let mut r = rig(c, s);
    let blk = SimBlock::new(r.media.clone());
    assert_eq!(blk.size_bytes(), 1500 * 512);
    let id = r.dev.identify().unwrap();
    let native = r.dev.read_native_max_lba_ext().unwrap() + 1;
    let m = MaxAddresses {
        visible_sectors: id.user_sectors(),
        native_sectors: native,
    };
    assert_eq!(m.hidden_sectors(), SECTORS - 1500);
    assert_eq!(r.dev.read_native_max_lba().unwrap() + 1, SECTORS);
    // SET MAX without READ NATIVE MAX immediately before: aborted.
    assert!(r
        .dev
        .set_max_address_ext(SECTORS - 1, MaxPersistence::NonVolatile)
        .unwrap_err()
        .is_aborted());
    // Past the native max: aborted.
    r.dev.read_native_max_lba_ext().unwrap();
    assert!(r
        .dev
        .set_max_address_ext(SECTORS, MaxPersistence::NonVolatile)
        .unwrap_err()
        .is_aborted());
    r.dev.read_native_max_lba_ext().unwrap();
    r.dev
        .set_max_address_ext(SECTORS - 1, MaxPersistence::NonVolatile)
        .unwrap();
    assert_eq!(r.dev.identify().unwrap().user_sectors(), SECTORS);
    assert_eq!(blk.size_bytes(), SECTORS * 512);
    r.dev.transport_mut().power_cycle();
    assert_eq!(blk.size_bytes(), SECTORS * 512, "non-volatile");
}

#[test]
fn volatile_set_max_reverts_at_power_cycle_and_28_bit_form_works() {
    let c = AtaSimConfig::hdd();
    let s = AtaSimState::power_on(&c).with_hpa(1500);
    let mut r = rig(c, s);
    r.dev.read_native_max_lba().unwrap();
    r.dev
        .set_max_address(SECTORS - 1, MaxPersistence::Volatile)
        .unwrap();
    assert_eq!(r.dev.identify().unwrap().user_sectors(), SECTORS);
    r.dev.transport_mut().power_cycle();
    assert_eq!(r.dev.identify().unwrap().user_sectors(), 1500);
}

#[test]
fn hpa_removal_refused() {
    let mut c = AtaSimConfig::hdd();
    c.refuse_hpa_removal = true;
    let s = AtaSimState::power_on(&c).with_hpa(1500);
    let mut r = rig(c, s);
    r.dev.read_native_max_lba_ext().unwrap();
    assert!(r
        .dev
        .set_max_address_ext(SECTORS - 1, MaxPersistence::NonVolatile)
        .unwrap_err()
        .is_aborted());
    assert_eq!(r.dev.identify().unwrap().user_sectors(), 1500);
    assert!(r.dev.dco_restore().unwrap_err().is_aborted());
}

#[test]
fn dco_restriction_identify_and_restore() {
    let c = AtaSimConfig::hdd();
    let mut s = AtaSimState::power_on(&c);
    s.dco_sectors = Some(1800);
    let mut r = rig(c, s);
    assert_eq!(r.dev.identify().unwrap().user_sectors(), 1800);
    assert_eq!(r.dev.read_native_max_lba_ext().unwrap() + 1, 1800);
    let dco = r.dev.dco_identify().unwrap();
    assert_eq!(dco.checksum, Checksum::Valid);
    assert_eq!(dco.real_max_sectors(), SECTORS);
    assert!(dco.can_hide_hpa() && dco.can_hide_security());
    r.dev.dco_restore().unwrap();
    assert_eq!(r.dev.identify().unwrap().user_sectors(), SECTORS);
    assert_eq!(SimBlock::new(r.media.clone()).size_bytes(), SECTORS * 512);
}

#[test]
fn dco_restore_refused_with_hpa_or_frozen() {
    let c = AtaSimConfig::hdd();
    let mut s = AtaSimState::power_on(&c).with_hpa(1000);
    s.dco_sectors = Some(1800);
    let mut r = rig(c, s);
    assert!(r.dev.dco_restore().unwrap_err().is_aborted(), "HPA set");
    r.dev.read_native_max_lba_ext().unwrap();
    r.dev
        .set_max_address_ext(1799, MaxPersistence::NonVolatile)
        .unwrap();
    r.dev.dco_freeze_lock().unwrap();
    assert!(r.dev.dco_restore().unwrap_err().is_aborted(), "DCO frozen");
    r.dev.transport_mut().power_cycle();
    r.dev.dco_restore().unwrap();
    assert_eq!(r.dev.identify().unwrap().user_sectors(), SECTORS);
}

#[test]
fn amax_get_set_and_freeze() {
    let c = AtaSimConfig::ssd();
    let s = AtaSimState::power_on(&c).with_hpa(1024);
    let mut r = rig(c, s);
    assert_eq!(r.dev.get_native_max_lba_ext().unwrap() + 1, SECTORS);
    r.dev.set_accessible_max_address_ext(SECTORS - 1).unwrap();
    assert_eq!(r.dev.identify().unwrap().user_sectors(), SECTORS);
    r.dev.set_accessible_max_address_ext(999).unwrap();
    r.dev.freeze_accessible_max_address_ext().unwrap();
    assert!(r
        .dev
        .set_accessible_max_address_ext(SECTORS - 1)
        .unwrap_err()
        .is_aborted());
    assert_eq!(r.dev.identify().unwrap().user_sectors(), 1000);
    // HPA commands are not supported on this model.
    assert!(r.dev.dco_identify().unwrap_err().is_aborted());
}

// --- sense formats -------------------------------------------------------------------------

#[test]
fn usb_bridge_without_sense_leaves_outcomes_unknown() {
    let mut r = hdd_with(|c| c.sense = SenseMode::None);
    // Data-in still works: GOOD is the SAT's word for success.
    let id = r.dev.identify().unwrap();
    assert_eq!(id.checksum, Checksum::Valid);
    // Non-data commands with CK_COND: no registers.
    assert_eq!(
        r.dev.security_freeze_lock().unwrap(),
        Registers::Unavailable
    );
    assert!(!r.dev.transcript().records().last().unwrap().ok);
    assert!(matches!(
        r.dev.read_native_max_lba_ext(),
        Err(AtaError::RegistersUnavailable)
    ));
    assert!(matches!(
        r.dev.sanitize_status(false),
        Err(AtaError::RegistersUnavailable)
    ));
    assert!(matches!(
        r.dev.smart_return_status(),
        Err(AtaError::RegistersUnavailable)
    ));
    // The caller re-reads IDENTIFY to learn what happened.
    assert!(r.dev.identify().unwrap().security.frozen);
    // A failure is still a failure, without registers.
    let e = r
        .dev
        .security_set_password(&pw(), PasswordKind::User, SecurityLevel::High, None)
        .unwrap_err();
    assert!(e.is_aborted());
    assert_eq!(e.registers(), Some(&Registers::Unavailable));
}

#[test]
fn fixed_format_sense_gives_low_registers() {
    let mut r = hdd_with(|c| c.sense = SenseMode::Fixed);
    // A small native max fits in LBA(23:0).
    assert_eq!(r.dev.read_native_max_lba_ext().unwrap(), SECTORS - 1);
    assert_eq!(r.dev.read_native_max_lba().unwrap(), SECTORS - 1);
    assert_eq!(r.dev.smart_return_status().unwrap(), SmartStatus::Passed);
    // Idle status: COUNT(15:8) = 0 is known to be zero.
    assert_eq!(
        r.dev.sanitize_status(false).unwrap().state,
        SanitizeState::Idle
    );
    // After success bit 15 is set: fixed sense cannot carry it.
    r.dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap();
    assert!(matches!(
        r.dev.sanitize_status(false),
        Err(AtaError::RegistersIncomplete(_))
    ));
    // Aborts carry the low registers, including the reason in LBA(7:0).
    r.dev.sanitize_freeze_lock().unwrap();
    let e = r
        .dev
        .sanitize_block_erase(SanitizeOptions::default())
        .unwrap_err();
    assert!(matches!(e.registers(), Some(Registers::LowOnly { .. })));
    assert_eq!(e.sanitize_reason(), Some(SanitizeErrorReason::Frozen));
}

// --- SMART ---------------------------------------------------------------------------------

#[test]
fn smart_healthy_failing_and_ssd_wear() {
    let mut r = hdd_with(|_| {});
    let f = r.dev.health(false).unwrap();
    assert_eq!(f.power_on_hours, Some(1234));
    assert_eq!(f.temperature_celsius, Some(36));
    assert_eq!(f.smart_status_failed, Some(false));
    assert_eq!(f.grade().grade, HealthGrade::Good);

    let mut r = hdd_with(|c| {
        let s = c.smart.as_mut().unwrap();
        s.threshold_exceeded = true;
        for a in &mut s.attributes {
            match a.id {
                5 => {
                    a.value = 5;
                    a.raw = 1800;
                }
                197 => a.raw = 12,
                _ => {}
            }
        }
    });
    let f = r.dev.health(false).unwrap();
    assert_eq!(f.attributes_below_threshold, vec![5]);
    assert_eq!(f.pending_sectors, Some(12));
    assert_eq!(f.smart_status_failed, Some(true));
    assert_eq!(f.grade().grade, HealthGrade::Failing);

    let c = AtaSimConfig::ssd();
    let s = AtaSimState::power_on(&c);
    let mut r = rig(c, s);
    let solid = r.dev.identify().unwrap().is_solid_state();
    assert_eq!(r.dev.health(solid).unwrap().percentage_used, Some(3));

    let mut r = hdd_with(|c| c.smart = None);
    assert!(r.dev.health(false).unwrap_err().is_aborted());
}

#[test]
fn sanitize_in_progress_aborts_scsi_sync_cache() {
    let r = hdd_with(|c| c.knobs.sanitize_polls = 2);
    let mut dev = r.dev;
    dev.sanitize_block_erase(SanitizeOptions::default())
        .unwrap();
    let mut scsi = ScsiDevice::new(dev.into_transport());
    let e = scsi.synchronize_cache().unwrap_err();
    assert_eq!(e.sense().unwrap().key, SenseKey::AbortedCommand);
    scsi.test_unit_ready().unwrap();
}
