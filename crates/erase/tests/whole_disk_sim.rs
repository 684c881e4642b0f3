//! The whole disk (issue "the whole disk, with evidence", §3): the kernel's size, the drive's
//! size and the hidden areas must agree before a disk is called erased. Simulated drives whose
//! kernel view is stale or short, whose hidden areas cannot be measured, or that answer reads
//! and writes only; none of them may end `erased`.

mod firmware_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ardoise_disk::sim::ata::{AtaSimConfig, AtaSimState};
use ardoise_disk::sim::profile::{SimDeviceSpec, SimDisk};
use ardoise_disk::sim::FaultPlan;
use ardoise_disk::{open_disk, Access, DiskInfo, MediaKind, Transport};
use ardoise_erase::firmware::MemoryVault;
use ardoise_erase::hidden::revalidate_ata_port;
use ardoise_erase::job::{execute, prepare, ErasureReport, JobRequest, RefusedWhy, VerifyChoice};
use ardoise_erase::outcome::{ExceptionCode, Outcome};
use ardoise_erase::overwrite::CancelToken;
use ardoise_erase::plan::{PlanError, Step};
use firmware_support::*;

fn request(method: &str) -> JobRequest {
    JobRequest {
        method: method.into(),
        verify: VerifyChoice::Sample {
            coverage_percent: 2.0,
        },
        firmware_poll: Duration::from_millis(2),
        ..Default::default()
    }
}

fn run(profile: &Path, method: &str) -> ErasureReport {
    let info = SimDisk::load(profile).unwrap().info();
    let disk = open_disk(&info, Access::ReadWrite).unwrap();
    let vault = MemoryVault::new();
    let job = prepare(disk, request(method), &vault).unwrap_or_else(|r| panic!("{}", r.error));
    let (tx, _rx) = crossbeam_channel::unbounded();
    execute(job, &tx, &CancelToken::new(), &vault)
}

fn exception(r: &ErasureReport, code: ExceptionCode) -> String {
    r.exceptions
        .iter()
        .find(|e| e.code == code)
        .map(|e| e.detail.clone())
        .unwrap_or_else(|| panic!("no {code:?} in {:?}", r.exceptions))
}

/// Sets the fault plan of a profile on disk.
fn with_faults(p: &Path, faults: FaultPlan) {
    let mut prof = SimDisk::load(p).unwrap().profile();
    prof.faults = faults;
    std::fs::write(p, serde_json::to_string(&prof).unwrap()).unwrap();
}

fn kernel_stops_at(p: &Path, sectors: u64) {
    with_faults(
        p,
        FaultPlan {
            kernel_sectors: Some(sectors),
            ..FaultPlan::default()
        },
    );
}

fn hpa_disk(dir: &Path, visible: u64) -> PathBuf {
    let config = AtaSimConfig::hdd();
    let state = AtaSimState::power_on(&config).with_hpa(visible);
    ata_profile(dir, "hpa", config, state, false)
}

#[test]
fn a_kernel_size_stale_after_set_max_leaves_the_lifted_sectors_named_and_not_erased() {
    let dir = tempfile::tempdir().unwrap();
    let p = hpa_disk(dir.path(), SECTORS - 2048);
    // libata keeps answering READ CAPACITY with the size it read at boot.
    kernel_stops_at(&p, SECTORS - 2048);
    let r = run(&p, "auto");
    assert_eq!(r.plan.steps[0], Step::RemoveHiddenAreas);
    assert!(r.hidden.as_ref().unwrap().removed, "the drive did lift it");
    assert_ne!(r.outcome, Outcome::Erased, "{:?}", r.exceptions);
    let detail = exception(&r, ExceptionCode::HiddenAreaNotErased);
    assert!(
        detail.contains("2,048 sectors (LBA 14,336 to 16,383)"),
        "{detail}"
    );
    assert_eq!(
        r.verification.as_ref().unwrap().device_bytes,
        (SECTORS - 2048) * 512
    );
}

#[test]
fn a_drive_larger_than_the_block_device_names_the_unreachable_sectors() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "short", AtaSimConfig::ssd());
    kernel_stops_at(&p, SECTORS - 1000);
    let r = run(&p, "auto");
    assert_eq!(
        r.outcome,
        Outcome::ErasedWithExceptions,
        "{:?}",
        r.exceptions
    );
    let detail = exception(&r, ExceptionCode::UnreachableSectors);
    assert!(
        detail.contains("1,000 sectors (LBA 15,384 to 16,383)"),
        "{detail}"
    );
}

#[test]
fn a_drive_smaller_than_the_block_device_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    // An HPA the kernel does not know about: it still shows the full size.
    let p = hpa_disk(dir.path(), SECTORS - 1000);
    kernel_stops_at(&p, SECTORS);
    let disk = SimDisk::load(&p).unwrap();
    fill_native_text(&disk.media());
    drop(disk);
    let info = SimDisk::load(&p).unwrap().info();
    let opened = open_disk(&info, Access::ReadWrite).unwrap();
    let Err(refused) = prepare(opened, request("auto"), &MemoryVault::new()) else {
        panic!("a drive smaller than the kernel's size was accepted");
    };
    assert!(
        matches!(
            refused.error,
            RefusedWhy::Plan(PlanError::DriveSmallerThanKernel {
                drive_bytes,
                kernel_bytes
            }) if drive_bytes == (SECTORS - 1000) * 512 && kernel_bytes == SECTORS * 512
        ),
        "{}",
        refused.error
    );
    assert_eq!(text_left(&SimDisk::load(&p).unwrap().media()), 1.0);
}

#[test]
fn hidden_areas_that_cannot_be_measured_are_an_exception() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = AtaSimConfig::hdd();
    config.refuse_read_native_max = true;
    let p = ata(dir.path(), "nomax", config);
    let r = run(&p, "overwrite-zero");
    assert_eq!(
        r.outcome,
        Outcome::ErasedWithExceptions,
        "{:?}",
        r.exceptions
    );
    let detail = exception(&r, ExceptionCode::HiddenAreasNotChecked);
    assert!(detail.contains("READ NATIVE MAX"), "{detail}");
}

#[test]
fn a_usb_disk_that_answers_reads_and_writes_only_has_its_hidden_areas_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    let block = |transport, media| SimDeviceSpec::Block {
        model: "USB3.0 SATA bridge".into(),
        serial: "BRIDGE0001".into(),
        transport,
        media,
    };
    // A disk in an enclosure and a stick look alike when no ATA command passes.
    for (name, media) in [("usb-hdd", MediaKind::Hdd), ("stick", MediaKind::UsbFlash)] {
        let p =
            SimDisk::create(dir.path(), name, block(Transport::Usb, media), 512, SECTORS).unwrap();
        let r = run(&p, "auto");
        assert_eq!(
            r.outcome,
            Outcome::ErasedWithExceptions,
            "{:?}",
            r.exceptions
        );
        exception(&r, ExceptionCode::HiddenAreasNotChecked);
    }
    // A virtual disk has no hidden areas.
    let vd = SimDisk::create(
        dir.path(),
        "vd",
        block(Transport::Virtio, MediaKind::Virtual),
        512,
        SECTORS,
    )
    .unwrap();
    let r = run(&vd, "auto");
    assert_eq!(r.outcome, Outcome::Erased, "{:?}", r.exceptions);
}

#[test]
fn a_libata_port_is_revalidated_through_its_scsi_host() {
    let sys = tempfile::tempdir().unwrap();
    let s = sys.path();
    let dev = "devices/pci0000:00/0000:00:1f.2/ata3/host2/target2:0:0/2:0:0:0";
    std::fs::create_dir_all(s.join(dev)).unwrap();
    std::fs::create_dir_all(s.join("block/sdz")).unwrap();
    std::os::unix::fs::symlink(format!("../../{dev}"), s.join("block/sdz/device")).unwrap();
    std::fs::create_dir_all(s.join("class/scsi_host/host2")).unwrap();
    std::fs::write(s.join("class/scsi_host/host2/scan"), "").unwrap();
    let info = DiskInfo {
        name: "sdz".into(),
        path: "/dev/sdz".into(),
        ..SimDisk::load(&ata(s, "a", AtaSimConfig::hdd()))
            .unwrap()
            .info()
    };
    let note = revalidate_ata_port(&info, s).unwrap();
    assert!(note.contains("host2/scan"), "{note}");
    assert_eq!(
        std::fs::read_to_string(s.join("class/scsi_host/host2/scan")).unwrap(),
        "0 0 0"
    );
    // A disk behind a USB bridge has no ATA port of libata's to revalidate.
    let usb = "devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host5/target5:0:0/5:0:0:0";
    std::fs::create_dir_all(s.join(usb)).unwrap();
    std::fs::create_dir_all(s.join("block/sdy")).unwrap();
    std::os::unix::fs::symlink(format!("../../{usb}"), s.join("block/sdy/device")).unwrap();
    let usb_info = DiskInfo {
        name: "sdy".into(),
        ..info.clone()
    };
    assert!(revalidate_ata_port(&usb_info, s)
        .unwrap_err()
        .to_string()
        .contains("not behind libata"));
    // A simulated disk is never touched through sysfs.
    let sim = SimDisk::load(&ata(s, "b", AtaSimConfig::hdd()))
        .unwrap()
        .info();
    assert!(revalidate_ata_port(&sim, s).is_err());
}
