//! The SCSI command layer against the simulated SAS disk, and SG_IO on a loop device this test
//! creates (which must refuse cleanly rather than answer falsely).

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use ardoise_disk::block::BlockIo;
use ardoise_disk::scsi::*;
use ardoise_disk::sim::scsi::{SasSanitizeState, SasSimConfig, SasSimState, SimSasDisk};
use ardoise_disk::sim::{SimBlock, SimMedia};
use ardoise_disk::transport::linux::SgIo;
use ardoise_disk::transport::{DataDir, ScsiTransport, TransportError};

const SECTORS: u64 = 2048;
const OLD: u8 = 0xab;
const LONG: Duration = Duration::from_secs(3600);

struct Rig {
    _dir: tempfile::TempDir,
    media: Arc<SimMedia>,
    dev: ScsiDevice<SimSasDisk>,
}

fn rig_with(edit: impl FnOnce(&mut SasSimConfig)) -> Rig {
    let mut c = SasSimConfig::sas_hdd();
    edit(&mut c);
    let dir = tempfile::tempdir().unwrap();
    let media = SimMedia::create(&dir.path().join("sas.img"), 512, SECTORS).unwrap();
    media.fill_sectors(0, SECTORS, |b, _| b.fill(OLD)).unwrap();
    let disk = SimSasDisk::new(c, SasSimState::default(), media.clone());
    Rig {
        _dir: dir,
        media,
        dev: ScsiDevice::new(disk),
    }
}

fn all(media: &SimMedia, first: u64, count: u64, byte: u8) -> bool {
    let mut b = vec![0u8; (count * 512) as usize];
    media.read_native(first * 512, &mut b).unwrap();
    b.iter().all(|&x| x == byte)
}

fn req(op: ScsiSanitizeOp, immed: bool, ause: bool) -> ScsiSanitizeRequest {
    ScsiSanitizeRequest {
        op,
        immed,
        ause,
        znr: false,
    }
}

fn sense_of(e: CommandError) -> Sense {
    e.sense()
        .cloned()
        .unwrap_or_else(|| panic!("no sense: {e}"))
}

#[test]
fn identification_and_capacity() {
    let mut r = rig_with(|_| {});
    let i = r.dev.inquiry().unwrap();
    assert_eq!(
        (i.vendor.as_str(), i.product.as_str()),
        ("SEAGATE", "ST4000NM0025")
    );
    assert_eq!(i.revision, "N004");
    assert_eq!(r.dev.supported_vpd_pages().unwrap(), vec![0, 0x80, 0x83]);
    assert_eq!(r.dev.unit_serial_number().unwrap(), "ZC11ABCD0000E7123456");
    let ids = r.dev.device_identification().unwrap();
    assert_eq!(ids.wwn_hex().as_deref(), Some("5000c500a1b2c3d4"));
    let cap = r.dev.read_capacity16().unwrap();
    assert_eq!((cap.blocks(), cap.block_length), (SECTORS, 512));
    r.dev.test_unit_ready().unwrap();
    r.dev.synchronize_cache().unwrap();
    assert_eq!(r.dev.request_sense(false).unwrap(), None);
    let recs = r.dev.transcript().records();
    assert_eq!(recs.len(), 8);
    assert_eq!(recs[0].request, "120000006000");
    assert!(recs.iter().all(|r| r.ok));
}

#[test]
fn report_supported_operation_codes() {
    let mut r = rig_with(|c| c.sanitize.as_mut().unwrap().crypto_erase = false);
    use SanitizeServiceAction::*;
    assert!(r.dev.sanitize_support(BlockErase).unwrap().is_supported());
    assert!(r.dev.sanitize_support(Overwrite).unwrap().is_supported());
    assert_eq!(
        r.dev.sanitize_support(CryptographicErase).unwrap(),
        CommandSupport::NotSupported
    );
    let s = r.dev.report_supported_operation(0x35, None).unwrap();
    assert!(s.support.is_supported());
    assert_eq!(s.cdb_usage.len(), 10);
    // One-command format without a service action for a command that has them: invalid.
    let e = r.dev.report_supported_operation(0x48, None).unwrap_err();
    assert!(sense_of(e).is_invalid_field_in_cdb());
}

#[test]
fn block_erase_immed_progress_by_tur_and_request_sense() {
    let mut r = rig_with(|c| {
        c.knobs.sanitize_polls = 4;
        c.block_erase_fill = 0xff;
    });
    r.dev
        .sanitize(&req(ScsiSanitizeOp::BlockErase, true, false), 512, LONG)
        .unwrap();
    let blk = SimBlock::new(r.media.clone());
    assert!(blk.read_at(&mut [0u8; 512], 0).unwrap_err().is_medium());
    let s1 = sense_of(r.dev.test_unit_ready().unwrap_err());
    assert!(s1.is_sanitize_in_progress());
    let s2 = r.dev.request_sense(false).unwrap().unwrap();
    assert!(s2.is_sanitize_in_progress());
    // Four polls in all: 1/4 then 2/4 of 65536.
    assert_eq!((s1.progress, s2.progress), (Some(0x4000), Some(0x8000)));
    // Media commands are refused; INQUIRY is served.
    assert!(sense_of(r.dev.read_capacity16().unwrap_err()).is_sanitize_in_progress());
    let e = r
        .dev
        .sanitize(&req(ScsiSanitizeOp::BlockErase, true, false), 512, LONG)
        .unwrap_err();
    assert!(sense_of(e).is_sanitize_in_progress());
    r.dev.inquiry().unwrap();
    let s3 = r.dev.request_sense(true).unwrap().unwrap();
    assert_eq!(s3.format, SenseFormat::Descriptor);
    assert_eq!(s3.progress, Some(0xc000));
    assert!(all(&r.media, 0, SECTORS, OLD));
    // Fourth poll: done.
    r.dev.test_unit_ready().unwrap();
    assert_eq!(r.dev.request_sense(false).unwrap(), None);
    assert!(all(&r.media, 0, SECTORS, 0xff));
    blk.read_at(&mut [0u8; 512], 0).unwrap();
}

#[test]
fn descriptor_sense_progress() {
    let mut r = rig_with(|c| {
        c.knobs.sanitize_polls = 2;
        c.descriptor_sense = true;
    });
    r.dev
        .sanitize(
            &req(ScsiSanitizeOp::CryptographicErase, true, false),
            512,
            LONG,
        )
        .unwrap();
    let s = sense_of(r.dev.test_unit_ready().unwrap_err());
    assert_eq!(s.format, SenseFormat::Descriptor);
    assert_eq!(s.progress, Some(0x8000));
    r.dev.test_unit_ready().unwrap();
    assert!(!all(&r.media, 0, SECTORS, OLD));
}

#[test]
fn overwrite_without_immed_completes_in_the_command() {
    let mut r = rig_with(|_| {});
    let ow = ScsiOverwrite {
        pattern: vec![0x11, 0x22, 0x33],
        count: 2,
        invert: true,
    };
    r.dev
        .sanitize(&req(ScsiSanitizeOp::Overwrite(ow), false, false), 512, LONG)
        .unwrap();
    // Two inverted passes end on the inverted pattern, restarting at every block.
    let mut b = vec![0u8; 1024];
    r.media.read_native(0, &mut b).unwrap();
    let expect: Vec<u8> = (0..512).map(|i| ![0x11u8, 0x22, 0x33][i % 3]).collect();
    assert_eq!(&b[..512], &expect[..]);
    assert_eq!(&b[512..], &expect[..]);
}

#[test]
fn crypto_erase_randomises() {
    let mut r = rig_with(|_| {});
    r.dev
        .sanitize(
            &req(ScsiSanitizeOp::CryptographicErase, false, false),
            512,
            LONG,
        )
        .unwrap();
    let mut b = vec![0u8; (SECTORS * 512) as usize];
    r.media.read_native(0, &mut b).unwrap();
    assert!(b.iter().filter(|&&x| x == OLD).count() < b.len() / 100);
    assert!(b.iter().filter(|&&x| x == 0).count() < b.len() / 100);
}

#[test]
fn failure_with_ause_is_left_with_exit_failure_mode() {
    let mut r = rig_with(|c| c.knobs.fail_mid_command = true);
    r.dev
        .sanitize(&req(ScsiSanitizeOp::BlockErase, true, true), 512, LONG)
        .unwrap();
    let s = sense_of(r.dev.test_unit_ready().unwrap_err());
    assert_eq!(s.key, SenseKey::MediumError);
    assert!(s.is_sanitize_failed());
    assert!(r
        .dev
        .request_sense(false)
        .unwrap()
        .unwrap()
        .is_sanitize_failed());
    assert!(sense_of(r.dev.read_capacity16().unwrap_err()).is_sanitize_failed());
    assert!(matches!(
        r.dev.transport_mut().state().sanitize,
        SasSanitizeState::Failed { ause: true }
    ));
    r.dev
        .sanitize(
            &req(ScsiSanitizeOp::ExitFailureMode, false, false),
            512,
            LONG,
        )
        .unwrap();
    r.dev.test_unit_ready().unwrap();
    assert!(all(&r.media, 0, SECTORS / 2, 0));
    assert!(all(&r.media, SECTORS / 2, SECTORS / 2, OLD));
}

#[test]
fn failure_without_ause_needs_a_new_successful_sanitize() {
    let mut r = rig_with(|c| c.knobs.fail_mid_command = true);
    let e = r
        .dev
        .sanitize(&req(ScsiSanitizeOp::BlockErase, false, false), 512, LONG)
        .unwrap_err();
    assert!(
        sense_of(e).is_sanitize_failed(),
        "non-IMMED reports the failure itself"
    );
    let e = r
        .dev
        .sanitize(
            &req(ScsiSanitizeOp::ExitFailureMode, false, false),
            512,
            LONG,
        )
        .unwrap_err();
    assert!(sense_of(e).is_invalid_field_in_cdb());
    let e = r
        .dev
        .sanitize(&req(ScsiSanitizeOp::BlockErase, false, true), 512, LONG)
        .unwrap_err();
    assert!(
        sense_of(e).is_invalid_field_in_cdb(),
        "AUSE=1 after a restricted failure"
    );
    r.dev.transport_mut().config();
    let disk = r.dev.into_transport();
    let mut config = disk.config().clone();
    config.knobs.fail_mid_command = false;
    let state = disk.state().clone();
    let mut dev = ScsiDevice::new(SimSasDisk::new(config, state, r.media.clone()));
    dev.test_unit_ready().unwrap_err();
    dev.sanitize(&req(ScsiSanitizeOp::BlockErase, false, false), 512, LONG)
        .unwrap();
    dev.test_unit_ready().unwrap();
    assert!(all(&r.media, 0, SECTORS, 0));
}

#[test]
fn lying_partial_and_vanishing_sanitize() {
    let mut r = rig_with(|c| c.knobs.lying = true);
    r.dev
        .sanitize(&req(ScsiSanitizeOp::BlockErase, false, false), 512, LONG)
        .unwrap();
    assert!(all(&r.media, 0, SECTORS, OLD));

    let mut r = rig_with(|c| c.knobs.partial_fraction = Some(0.5));
    r.dev
        .sanitize(&req(ScsiSanitizeOp::BlockErase, false, false), 512, LONG)
        .unwrap();
    assert!(all(&r.media, 0, SECTORS / 2, 0));
    assert!(all(&r.media, SECTORS / 2, SECTORS / 2, OLD));

    let mut r = rig_with(|c| {
        c.knobs.vanish_mid_command = true;
        c.knobs.sanitize_polls = 2;
    });
    r.dev
        .sanitize(&req(ScsiSanitizeOp::BlockErase, true, false), 512, LONG)
        .unwrap();
    assert!(r.dev.test_unit_ready().unwrap_err().sense().is_some());
    assert!(r.dev.test_unit_ready().unwrap_err().is_device_gone());
    assert!(r.dev.inquiry().unwrap_err().is_device_gone());
    assert!(r.media.is_gone());
}

#[test]
fn sanitize_unsupported_like_qemu_scsi_hd() {
    let dir = tempfile::tempdir().unwrap();
    let media = SimMedia::create(&dir.path().join("q.img"), 512, SECTORS).unwrap();
    let disk = SimSasDisk::new(
        SasSimConfig::without_sanitize(),
        SasSimState::default(),
        media.clone(),
    );
    let mut dev = ScsiDevice::new(disk);
    let e = dev
        .sanitize(&req(ScsiSanitizeOp::BlockErase, true, false), 512, LONG)
        .unwrap_err();
    assert!(e.is_unsupported_command(), "{e}");
    assert_eq!(
        dev.sanitize_support(SanitizeServiceAction::BlockErase)
            .unwrap(),
        CommandSupport::NotSupported
    );
    assert_eq!(SimBlock::new(media).size_bytes(), SECTORS * 512);
}

#[test]
fn malformed_sanitize_cdbs_and_parameter_lists_are_rejected() {
    let r = rig_with(|_| {});
    let mut disk = r.dev.into_transport();
    let t = Duration::from_secs(5);
    let key_asc = |rep: ardoise_disk::transport::ScsiReply| (rep.sense[2] & 0x0f, rep.sense[12]);
    // BLOCK ERASE with a parameter list.
    let p = [0x01, 0, 0, 1, 0];
    let rep = disk
        .execute(
            &[0x48, 0x82, 0, 0, 0, 0, 0, 0, 5, 0],
            DataDir::ToDevice(&p),
            t,
        )
        .unwrap();
    assert_eq!(key_asc(rep), (0x05, 0x24));
    // OVERWRITE with count 0 in the parameter list.
    let p = [0x00, 0, 0, 1, 0xaa];
    let rep = disk
        .execute(
            &[0x48, 0x81, 0, 0, 0, 0, 0, 0, 5, 0],
            DataDir::ToDevice(&p),
            t,
        )
        .unwrap();
    assert_eq!(key_asc(rep), (0x05, 0x26));
    // OVERWRITE whose PARAMETER LIST LENGTH disagrees with the pattern length.
    let p = [0x01, 0, 0, 2, 0xaa, 0xbb];
    let rep = disk
        .execute(
            &[0x48, 0x81, 0, 0, 0, 0, 0, 0, 6, 0],
            DataDir::ToDevice(&p[..6]),
            t,
        )
        .unwrap();
    assert_eq!(rep.status, 0, "consistent list accepted");
    let p = [0x01, 0, 0, 3, 0xaa, 0xbb];
    let rep = disk
        .execute(
            &[0x48, 0x81, 0, 0, 0, 0, 0, 0, 6, 0],
            DataDir::ToDevice(&p),
            t,
        )
        .unwrap();
    assert_eq!(key_asc(rep), (0x05, 0x26));
    // Unknown service action.
    let rep = disk
        .execute(&[0x48, 0x04, 0, 0, 0, 0, 0, 0, 0, 0], DataDir::None, t)
        .unwrap();
    assert_eq!(key_asc(rep), (0x05, 0x24));
    // Wrong CDB length for the opcode.
    let rep = disk
        .execute(&[0x48, 0x02, 0, 0, 0, 0], DataDir::None, t)
        .unwrap();
    assert_eq!(key_asc(rep), (0x05, 0x24));
    assert_eq!(disk.state().sanitize, SasSanitizeState::Idle);
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// Sets up a loop device on a file and detaches it when dropped.
struct Loop(String);

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.0]).status();
    }
}

#[test]
fn sg_io_on_a_loop_device_is_refused_cleanly() {
    if !is_root() {
        eprintln!("SKIPPED: needs root to create a loop device");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("loop.img");
    std::fs::write(&file, vec![0u8; 1 << 20]).unwrap();
    let out = Command::new("losetup")
        .args(["-f", "--show"])
        .arg(&file)
        .output()
        .expect("losetup");
    assert!(out.status.success(), "losetup failed: {out:?}");
    let path = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(path.starts_with("/dev/loop"), "{path}");
    let guard = Loop(path.clone());
    let mut sg = SgIo::open(std::path::Path::new(&guard.0)).unwrap();
    let mut buf = [0u8; 96];
    let r = sg.execute(
        &[0x12, 0, 0, 0, 96, 0],
        DataDir::FromDevice(&mut buf),
        Duration::from_secs(5),
    );
    match r {
        Err(TransportError::Refused { errno, .. }) => {
            eprintln!("SG_IO on {path}: refused with {errno}");
        }
        other => panic!("SG_IO on a loop device must be refused, got {other:?}"),
    }
    // Through the typed layer: a transport error, never a parsed INQUIRY.
    let mut dev = ScsiDevice::new(sg);
    assert!(matches!(dev.inquiry(), Err(CommandError::Transport(_))));
    drop(dev);
    drop(guard);
}
