//! The drive that answers is the disk confirmed, and ATA security erase only with a vault that
//! survives a power cut and is never shared by two drives (issue 12 §1, §7).

mod firmware_support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::Duration;

use ardoise_disk::block::{Access, AlignedBuf, BlockIo};
use ardoise_disk::sim::ata::{AtaSimConfig, AtaSimState};
use ardoise_disk::sim::profile::SimDeviceSpec;
use ardoise_disk::sim::SimDisk;
use ardoise_disk::{open_disk, Commands, MediaKind, OpenedDisk, Transport};
use ardoise_erase::firmware::{
    run_firmware, FileVault, FirmwareProgress, MemoryVault, PasswordVault, VaultedDrive,
};
use ardoise_erase::job::{prepare, ConfirmedDrive, JobRequest, PreparedJob, Refused, RefusedWhy};
use ardoise_erase::method::Method;
use ardoise_erase::plan::PlanError;
use ardoise_erase::probe::probe;
use firmware_support::*;

fn request(method: &str) -> JobRequest {
    JobRequest {
        method: method.into(),
        firmware_poll: Duration::from_millis(5),
        ..Default::default()
    }
}

/// An HDD whose only firmware erase is ATA SECURITY ERASE UNIT.
fn security_only(serial: &str) -> AtaSimConfig {
    AtaSimConfig {
        sanitize: Default::default(),
        serial: serial.into(),
        ..AtaSimConfig::hdd()
    }
}

fn refused(r: Result<PreparedJob, Refused>) -> Refused {
    match r {
        Ok(job) => panic!("prepared with {}", job.plan.method.id()),
        Err(r) => r,
    }
}

/// The drive behind `disk` as the vault records it.
fn vaulted(disk: &mut OpenedDisk) -> VaultedDrive {
    let Commands::Ata(d) = &mut disk.commands else {
        panic!("not an ATA disk")
    };
    VaultedDrive::from_identify(&d.identify().unwrap())
}

fn sent(disk: &mut OpenedDisk) -> Vec<String> {
    disk.commands
        .take_transcript()
        .into_iter()
        .map(|r| r.name)
        .collect()
}

#[test]
fn a_drive_whose_identify_serial_is_not_the_listed_one_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "d", AtaSimConfig::hdd());
    let mut disk = open(&p);
    fill_text(&*disk.block);
    let before = native_bytes(&media(&disk));
    // The kernel's description names another drive than the one the commands reach.
    disk.info.serial = "WD-SOMEONE-ELSE".into();
    let refused = refused(prepare(disk, request("auto"), &MemoryVault::new()));
    match &refused.error {
        RefusedWhy::NotConfirmed(d) => assert!(d[0].contains("WD-SOMEONE-ELSE"), "{d:?}"),
        other => panic!("{other}"),
    }
    assert!(refused
        .error
        .to_string()
        .contains("not the disk you confirmed"));
    let mut disk = *refused.disk;
    let names = sent(&mut disk);
    assert!(
        names.iter().all(|n| n.starts_with("IDENTIFY")
            || n.starts_with("READ NATIVE MAX")
            || n.starts_with("SMART")
            || n.starts_with("SANITIZE STATUS")
            || n.starts_with("DEVICE CONFIGURATION IDENTIFY")),
        "only questions were sent: {names:?}"
    );
    assert_eq!(native_bytes(&media(&disk)), before);
}

#[test]
fn with_a_vault_in_ram_security_erase_is_refused_and_auto_takes_the_next_method() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "d", security_only("WD-VAULT-1"));
    let ram = MemoryVault::volatile();
    // auto: the planner skips the security erase with the reason, and picks the overwrite.
    let job = prepare(open(&p), request("auto"), &ram).unwrap();
    assert!(
        matches!(job.plan.method, Method::Overwrite { .. }),
        "{:?}",
        job.plan.method
    );
    drop(job);
    // Asked for by name: refused before anything is sent.
    let refused = refused(prepare(
        open(&p),
        request("ata-security-erase-enhanced"),
        &ram,
    ));
    match &refused.error {
        RefusedWhy::Plan(PlanError::Unsupported { reason, .. }) => {
            assert!(reason.contains("persistent data partition"), "{reason}")
        }
        other => panic!("{other}"),
    }
    // And the executor itself refuses, whatever the plan said.
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let out = run_firmware(
        &mut disk.commands,
        &Method::AtaSecurityErase { enhanced: true },
        &caps,
        &mut ctx(&ram),
    );
    assert!(!out.completed);
    assert!(
        !sent(&mut disk).iter().any(|n| n.starts_with("SECURITY")),
        "no security command reached the drive"
    );
    assert!(ram.is_empty());
}

#[test]
fn two_drives_with_one_serial_never_share_or_clear_each_others_vault_entry() {
    let dir = tempfile::tempdir().unwrap();
    let a = ata(dir.path(), "a", security_only("CLONE-0001"));
    let b = ata(dir.path(), "b", security_only("CLONE-0001"));
    let vault = FileVault::open(&dir.path().join("vault")).unwrap();
    // Drive A's security erase is running: its password is in the vault, set on the drive.
    let mut first = prepare(open(&a), request("ata-security-erase-enhanced"), &vault).unwrap();
    vault
        .remember(&vaulted(&mut first.disk), "drive A's password")
        .unwrap();
    // Drive B, same serial, prepared meanwhile: the recovery of leftovers leaves A's entry
    // alone, and B's security erase is refused; auto takes the next method.
    let job = prepare(open(&b), request("auto"), &vault).unwrap();
    assert!(
        matches!(job.plan.method, Method::Overwrite { .. }),
        "{:?}",
        job.plan.method
    );
    drop(job);
    let refused = refused(prepare(
        open(&b),
        request("ata-security-erase-enhanced"),
        &vault,
    ));
    assert!(
        refused.error.to_string().contains("same serial"),
        "{}",
        refused.error
    );
    assert_eq!(
        vault.recall("CLONE-0001").unwrap().as_deref(),
        Some("drive A's password")
    );
    // Had B reached its executor anyway, it could not replace A's entry.
    let caps = probe(&mut first.disk).capabilities;
    let mut disk_b = open(&b);
    let out = run_firmware(
        &mut disk_b.commands,
        &Method::AtaSecurityErase { enhanced: true },
        &caps,
        &mut ctx(&vault),
    );
    assert!(!out.completed);
    assert!(
        out.exceptions
            .iter()
            .any(|e| e.detail.contains("already stored")),
        "{out:?}"
    );
    assert_eq!(
        vault.recall("CLONE-0001").unwrap().as_deref(),
        Some("drive A's password")
    );
}

/// Exchanges what two profile paths lead to (the drives swapped in a dock, the sticks in a
/// reader): each profile names its own medium file.
fn swap(a: &Path, b: &Path) {
    let (x, y) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    std::fs::write(a, y).unwrap();
    std::fs::write(b, x).unwrap();
}

/// The medium files of a test directory, by name, to show that nothing was written.
fn media_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "img"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// What the technician confirmed: the disk as listed, probed before the confirmation.
fn confirm(profile: &Path) -> (ardoise_disk::DiskInfo, ConfirmedDrive) {
    let info = SimDisk::load(profile).unwrap().info();
    let mut listed = open_disk(&info, Access::ReadOnly).unwrap();
    let report = probe(&mut listed);
    let confirmed = ConfirmedDrive::from_probe(&report, listed.block.as_ref());
    (info, confirmed)
}

fn confirmed_request(confirmed: &ConfirmedDrive) -> JobRequest {
    JobRequest {
        confirmed: Some(confirmed.clone()),
        ..request("auto")
    }
}

#[test]
fn same_model_drives_swapped_behind_a_usb_bridge_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    // One dock whose bridge answers VPD 80h with its own serial and gives no WWN; two drives
    // of one model and size, told apart only by what IDENTIFY says through SAT.
    let docked = |name: &str, serial: &str, wwn: u64| {
        let config = AtaSimConfig {
            serial: serial.into(),
            wwn: Some(wwn),
            bridge_serial: Some("JMS578-0000000000A1".into()),
            ..AtaSimConfig::hdd()
        };
        let state = AtaSimState::power_on(&config);
        ata_profile(dir.path(), name, config, state, true)
    };
    let a = docked("a", "WD-WCC6Y0AAAAAA", 0x5001_4ee2_0000_000a);
    let b = docked("b", "WD-WCC6Y0BBBBBB", 0x5001_4ee2_0000_000b);
    for p in [&a, &b] {
        fill_text(&SimDisk::load(p).unwrap().block());
    }
    let (info, confirmed) = confirm(&a);
    assert_eq!(info.transport, Transport::Usb);
    assert_eq!(
        confirmed.serial, "WD-WCC6Y0AAAAAA",
        "read through the bridge"
    );
    // Confirmed unchanged, the drive is prepared.
    drop(prepare(open(&a), confirmed_request(&confirmed), &MemoryVault::new()).unwrap());
    // The drives are swapped in the dock: the kernel's description is the same.
    swap(&a, &b);
    let before = media_files(dir.path());
    let disk = open_disk(&info, Access::ReadWrite)
        .expect("nothing the kernel sees tells the two drives apart");
    let refused = refused(prepare(
        disk,
        confirmed_request(&confirmed),
        &MemoryVault::new(),
    ));
    match &refused.error {
        RefusedWhy::NotConfirmed(d) => {
            assert!(d.iter().any(|d| d.contains("WD-WCC6Y0BBBBBB")), "{d:?}")
        }
        other => panic!("{other}"),
    }
    let mut disk = *refused.disk;
    let names = sent(&mut disk);
    assert!(
        names.iter().all(|n| n.starts_with("IDENTIFY")
            || n.starts_with("READ NATIVE MAX")
            || n.starts_with("SMART")
            || n.starts_with("SANITIZE STATUS")
            || n.starts_with("DEVICE CONFIGURATION IDENTIFY")),
        "only questions were sent: {names:?}"
    );
    drop(disk);
    assert_eq!(media_files(dir.path()), before, "nothing was written");
}

#[test]
fn identical_sticks_swapped_in_one_reader_are_told_apart_by_their_content() {
    let dir = tempfile::tempdir().unwrap();
    // Two sticks of one model that report one serial (or a reader's): reads and writes only.
    let stick = || SimDeviceSpec::Block {
        model: "Flash Disk".into(),
        serial: "0123456789ABCDEF".into(),
        transport: Transport::Usb,
        media: MediaKind::UsbFlash,
    };
    let a = SimDisk::create(dir.path(), "a", stick(), 512, SECTORS).unwrap();
    let b = SimDisk::create(dir.path(), "b", stick(), 512, SECTORS).unwrap();
    fill_text(&SimDisk::load(&a).unwrap().block());
    // B holds other files: its first sectors differ.
    let other = SimDisk::load(&b).unwrap().block();
    let mut buf = AlignedBuf::new(4096);
    buf.as_mut_slice().fill(0x42);
    other.write_at(buf.as_slice(), 0).unwrap();
    other.flush().unwrap();
    let (info, confirmed) = confirm(&a);
    assert!(!confirmed.from_drive);
    assert!(confirmed.content.is_some(), "{confirmed:?}");
    drop(prepare(open(&a), confirmed_request(&confirmed), &MemoryVault::new()).unwrap());
    swap(&a, &b);
    let before = media_files(dir.path());
    let disk = open_disk(&info, Access::ReadWrite)
        .expect("nothing the kernel sees tells the two sticks apart");
    let refused = refused(prepare(
        disk,
        confirmed_request(&confirmed),
        &MemoryVault::new(),
    ));
    match &refused.error {
        RefusedWhy::NotConfirmed(d) => {
            assert!(d.iter().any(|d| d.contains("first and last MiB")), "{d:?}")
        }
        other => panic!("{other}"),
    }
    drop(refused);
    assert_eq!(media_files(dir.path()), before, "nothing was written");
}

#[test]
fn a_clear_drive_with_the_serial_of_a_locked_one_keeps_its_vault_entry_across_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let vault_dir = dir.path().join("vault");
    // Two drives with one serial, model and size; only their WWN tells them apart.
    let clone = |wwn: u64| AtaSimConfig {
        wwn: Some(wwn),
        ..security_only("CLONE-0002")
    };
    let a = ata(dir.path(), "a", clone(0x5000_c500_0000_000a));
    let b = ata(dir.path(), "b", clone(0x5000_c500_0000_000b));
    // First session: A's security erase is cut by a power failure once its password is set.
    {
        let vault = FileVault::open(&vault_dir).unwrap();
        let mut disk = open(&a);
        let caps = probe(&mut disk).capabilities;
        let mut die = |p: FirmwareProgress| {
            if p.message.contains("SECURITY ERASE UNIT") && p.message.contains("running") {
                panic!("simulated power cut");
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
    SimDisk::load(&a).unwrap().power_cycle();
    // Second session, a new process: B, which carries no password, is prepared first.
    let vault = FileVault::open(&vault_dir).unwrap();
    let job = prepare(open(&b), request("auto"), &vault).unwrap();
    assert!(
        job.probe.notes.iter().any(|n| n
            .contains("cannot be shown to be the drive it was stored for")
            && n.contains("WWN")),
        "{:?}",
        job.probe.notes
    );
    // B's security erase would need that entry: auto takes the next method.
    assert!(
        matches!(job.plan.method, Method::Overwrite { .. }),
        "{:?}",
        job.plan.method
    );
    drop(job);
    assert!(
        vault.recall("CLONE-0002").unwrap().is_some(),
        "A's password is still in the vault"
    );
    // A, locked, is unlocked with it at its turn, and only then is the entry removed.
    let job = prepare(open(&a), request("auto"), &vault).unwrap();
    let sec = job.probe.capabilities.ata_security.clone().unwrap();
    assert!(!sec.locked && !sec.enabled, "{sec:?}");
    assert!(
        job.probe.notes.iter().any(|n| n.contains("was unlocked")),
        "{:?}",
        job.probe.notes
    );
    assert_eq!(vault.recall("CLONE-0002").unwrap(), None);
}
