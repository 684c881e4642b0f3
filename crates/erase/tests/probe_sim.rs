//! Probing simulated disks of every kind: the capabilities the planner reads, the method it
//! then picks, and the firmware step of that plan run and verified end to end.

mod firmware_support;

use std::sync::Arc;
use std::time::Duration;

use ardoise_disk::ata::AtaDevice;
use ardoise_disk::block::{Access, BlockIo};
use ardoise_disk::health::HealthGrade;
use ardoise_disk::sim::ata::{AtaSimConfig, AtaSimState, SenseMode};
use ardoise_disk::sim::mmc::MmcSimConfig;
use ardoise_disk::sim::nvme::NvmeSimConfig;
use ardoise_disk::sim::profile::{standard_machine, SimDisk};
use ardoise_disk::sim::scsi::SasSimConfig;
use ardoise_disk::transport::{DataDir, ScsiReply, ScsiTransport, TransportError};
use ardoise_disk::{open_disk, Commands, MediaKind, OpenDiskError, OpenedDisk, Transport};
use ardoise_erase::capability::CommandSet;
use ardoise_erase::firmware::{run_firmware, MemoryVault};
use ardoise_erase::method::{Level, Method};
use ardoise_erase::outcome::ExceptionCode;
use ardoise_erase::plan::{plan_auto, ExpectedState, Plan, Step};
use ardoise_erase::probe::{probe, ProbeReport};
use ardoise_erase::remedy::power_cycle_drive;
use ardoise_erase::Expected;
use firmware_support::*;

/// Runs the firmware steps of `plan` with fingerprints and verification, as the job runner
/// will. Returns the firmware exceptions and whether verification passed.
fn run_plan(
    disk: &mut OpenedDisk,
    report: &ProbeReport,
    plan: &Plan,
) -> (Vec<ExceptionCode>, bool) {
    let sample = sample_plan(&*disk.block);
    let fp = plan
        .steps
        .contains(&Step::Fingerprint)
        .then(|| fingerprints(&*disk.block, &sample));
    let vault = MemoryVault::new();
    let mut codes = Vec::new();
    for step in &plan.steps {
        if let Step::Firmware { method, keep_data } = step {
            let out = run_firmware(
                &mut disk.commands,
                method,
                &report.capabilities,
                &mut ctx(&vault).with_keep_data(*keep_data),
            );
            codes.extend(out.exceptions.iter().map(|e| e.code));
            if !out.completed {
                return (codes, false);
            }
        }
    }
    let expected = match (&plan.expected, fp) {
        (ExpectedState::Changed, Some(fp)) => Expected::DiffersFrom(fp),
        (ExpectedState::Fill { byte }, _) => Expected::byte(*byte),
        other => panic!("unexpected {other:?}"),
    };
    let v = verify(&*disk.block, &sample, &expected);
    (codes, v.passed())
}

#[test]
fn the_standard_machine_probes_to_the_methods_the_planner_expects() {
    let dir = tempfile::tempdir().unwrap();
    let paths = standard_machine(dir.path(), SECTORS).unwrap();
    let mut seen = Vec::new();
    for p in &paths {
        let info = SimDisk::load(p).unwrap().info();
        let mut disk = match open_disk(&info, Access::ReadWrite) {
            Ok(d) => d,
            Err(OpenDiskError::Protected { .. }) => {
                seen.push(info.name.clone());
                continue;
            }
            Err(e) => panic!("{e}"),
        };
        fill_text(&*disk.block);
        let r = probe(&mut disk);
        let caps = &r.capabilities;
        let plan = plan_auto(caps).unwrap();
        match info.name.as_str() {
            "sim-ata-hdd" => {
                assert_eq!(caps.command_set, CommandSet::Ata);
                assert_eq!(caps.media, MediaKind::Hdd);
                assert_eq!(plan.method.id(), "ata-sanitize-crypto");
                assert_eq!(r.identity.serial, "WD-WCC6Y0SIMULATED");
                assert_eq!(r.identity.wwn.as_deref(), Some("naa.50014ee20abcdef0"));
                assert_eq!(r.health.as_ref().unwrap().grade, HealthGrade::Good);
                let h = caps.hidden.clone().unwrap();
                assert_eq!(h.native_sectors, Some(SECTORS));
                assert_eq!(h.dco_max_sectors, Some(SECTORS));
                assert_eq!(h.hidden_sectors(), 0);
                assert_eq!(run_plan(&mut disk, &r, &plan), (vec![], true));
            }
            "sim-ata-ssd-frozen" => {
                assert_eq!(caps.media, MediaKind::Ssd);
                assert!(caps.ata_security.as_ref().unwrap().frozen);
                assert_eq!(plan.method.id(), "overwrite-random-zero");
                assert!(
                    plan.warnings.iter().any(|w| w.contains("suspend")),
                    "{plan:?}"
                );
                // The remedy, then the drive offers its security erase (a clear on flash).
                power_cycle_drive(&disk, dir.path(), Duration::from_secs(10)).unwrap();
                let r = probe(&mut disk);
                let plan = plan_auto(&r.capabilities).unwrap();
                assert_eq!(plan.method.id(), "ata-security-erase-enhanced");
                assert_eq!(plan.level, Level::Clear);
                assert_eq!(run_plan(&mut disk, &r, &plan), (vec![], true));
            }
            "sim-nvme" => {
                assert_eq!(caps.command_set, CommandSet::Nvme);
                let n = caps.nvme.as_ref().unwrap();
                assert_eq!((n.namespaces, n.nsid), (1, 1));
                assert!(n.format_crypto_erase && n.format_supported);
                assert_eq!(plan.method.id(), "nvme-sanitize-crypto");
                assert!(plan.steps.contains(&Step::firmware(
                    Method::from_id("nvme-sanitize-block").unwrap()
                )));
                assert_eq!(r.identity.serial, "ARDSIM0001");
                assert!(r.identity.wwn.as_deref().unwrap().starts_with("nguid."));
                assert_eq!(r.health.as_ref().unwrap().grade, HealthGrade::Good);
                assert_eq!(run_plan(&mut disk, &r, &plan), (vec![], true));
            }
            "sim-emmc" => {
                assert_eq!(caps.command_set, CommandSet::Mmc);
                let m = caps.mmc.as_ref().unwrap();
                assert!(m.sanitize && m.secure_erase && m.secure_trim && m.trim);
                assert!(!caps.block_secure_discard);
                assert_eq!(plan.method, Method::MmcSanitize);
                assert_eq!(run_plan(&mut disk, &r, &plan), (vec![], true));
            }
            "sim-ata-failing" => {
                assert_eq!(r.health.as_ref().unwrap().grade, HealthGrade::Failing);
                assert!(!caps.ata_sanitize.as_ref().unwrap().supported);
                assert_eq!(plan.method.id(), "ata-security-erase-enhanced");
                assert_eq!(plan.level, Level::Purge);
                // Its erase fails half-way: reported, and the drive is left without password.
                let (codes, _) = run_plan(&mut disk, &r, &plan);
                assert_eq!(codes, [ExceptionCode::EraseFailed]);
                let sec = probe(&mut disk).capabilities.ata_security.unwrap();
                assert!(!sec.enabled && !sec.locked);
            }
            other => panic!("unexpected disk {other}"),
        }
        seen.push(info.name.clone());
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
}

/// A USB bridge that passes no ATA command: ILLEGAL REQUEST for ATA PASS-THROUGH, or GOOD with
/// no data at all.
struct DeafBridge {
    zeros: bool,
}

impl ScsiTransport for DeafBridge {
    fn execute(
        &mut self,
        _cdb: &[u8],
        data: DataDir<'_>,
        _timeout: Duration,
    ) -> Result<ScsiReply, TransportError> {
        if self.zeros {
            if let DataDir::FromDevice(b) = data {
                b.fill(0);
            }
            return Ok(ScsiReply::default());
        }
        Ok(ScsiReply {
            status: 2,
            driver_status: 0x08,
            sense: vec![
                0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0,
            ],
            ..Default::default()
        })
    }
}

#[test]
fn a_usb_bridge_that_passes_no_ata_command_makes_the_disk_block_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "d", AtaSimConfig::hdd());
    for zeros in [false, true] {
        let sim = SimDisk::load(&p).unwrap();
        let mut info = sim.info();
        info.transport = Transport::Usb;
        info.media = MediaKind::UsbFlash;
        let mut disk = OpenedDisk {
            info,
            block: Arc::new(sim.block()) as Arc<dyn BlockIo>,
            commands: Commands::Ata(AtaDevice::new(Box::new(DeafBridge { zeros }))),
            sim: None,
            device: None,
        };
        let r = probe(&mut disk);
        assert_eq!(r.capabilities.command_set, CommandSet::BlockOnly, "{r:?}");
        assert!(
            r.capabilities.notes[0].contains("USB bridge passes no ATA commands"),
            "{r:?}"
        );
        assert_eq!(r.identity.serial, "WD-WCC6Y0SIMULATED", "from discovery");
        assert!(r.health.is_none());
        assert_eq!(
            plan_auto(&r.capabilities).unwrap().method.id(),
            "overwrite-random-zero"
        );
        // The refusals happened on the wire and are in the transcript.
        assert_eq!(sent(&disk), ["IDENTIFY DEVICE"]);
    }
}

#[test]
fn a_usb_bridge_without_sense_data_offers_only_what_it_can_check() {
    let dir = tempfile::tempdir().unwrap();
    let c = AtaSimConfig {
        sense: SenseMode::None,
        ..AtaSimConfig::hdd()
    };
    let s = AtaSimState::power_on(&c);
    let p = ata_profile(dir.path(), "usb", c, s, true);
    let mut disk = open(&p);
    let r = probe(&mut disk);
    let caps = &r.capabilities;
    assert_eq!(caps.command_set, CommandSet::Ata);
    assert_eq!(caps.transport, Transport::Usb);
    assert_eq!(
        caps.media,
        MediaKind::Hdd,
        "IDENTIFY word 217 refines the guess"
    );
    assert!(caps.hidden.is_none());
    assert!(caps
        .notes
        .iter()
        .any(|n| n.contains("hidden areas (HPA/DCO) could not be checked")));
    assert!(!caps.ata_sanitize.as_ref().unwrap().supported);
    let plan = plan_auto(caps).unwrap();
    assert_eq!(plan.method.id(), "overwrite-zero");
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("could not be checked")),
        "{plan:?}"
    );
    // SMART data still reads (data-in needs no registers).
    assert!(r.health.is_some());
}

#[test]
fn locked_drives_and_hidden_areas_show_in_the_probe() {
    let dir = tempfile::tempdir().unwrap();
    let c = AtaSimConfig::hdd();
    let mut s = AtaSimState::power_on(&c).with_hpa(SECTORS - 1000);
    s.dco_sectors = Some(SECTORS - 200);
    let p = ata_profile(dir.path(), "hidden", c.clone(), s, false);
    let mut disk = open(&p);
    let r = probe(&mut disk);
    let h = r.capabilities.hidden.clone().unwrap();
    assert_eq!(h.visible_sectors, SECTORS - 1000);
    assert_eq!(h.native_sectors, Some(SECTORS - 200));
    assert_eq!(h.dco_max_sectors, Some(SECTORS));
    assert_eq!(h.hidden_sectors(), 1000);
    assert!(h.hpa_present() && h.dco_present());
    assert!(r
        .capabilities
        .notes
        .iter()
        .any(|n| n.contains("1000 sectors are hidden")));
    assert_eq!(
        plan_auto(&r.capabilities).unwrap().steps[0],
        Step::RemoveHiddenAreas
    );

    let s = AtaSimState::power_on(&c).with_user_password(b"owner", true);
    let p = ata_profile(dir.path(), "locked", c, s, false);
    let mut disk = open(&p);
    let r = probe(&mut disk);
    let sec = r.capabilities.ata_security.clone().unwrap();
    assert!(sec.locked && sec.enabled);
    // A locked drive refuses DEVICE CONFIGURATION IDENTIFY: hidden areas unknown, said so.
    assert!(r.capabilities.hidden.is_none());
    assert!(r.capabilities.notes.iter().any(|n| n.contains("locked")));
}

#[test]
fn sas_nvme_and_emmc_probes() {
    let dir = tempfile::tempdir().unwrap();
    let mut disk = open(&sas(dir.path(), "s", SasSimConfig::sas_hdd()));
    let r = probe(&mut disk);
    assert_eq!(r.identity.model, "SEAGATE ST4000NM0025");
    assert_eq!(r.identity.serial, "ZC11ABCD0000E7123456");
    assert_eq!(r.identity.wwn.as_deref(), Some("naa.5000c500a1b2c3d4"));
    let s = r.capabilities.scsi_sanitize.clone().unwrap();
    assert_eq!(
        (s.overwrite, s.block_erase, s.crypto_erase),
        (Some(true), Some(true), Some(true))
    );
    assert_eq!(
        plan_auto(&r.capabilities).unwrap().method.id(),
        "scsi-sanitize-crypto"
    );
    assert!(r.health.is_none());

    let mut disk = open(&nvme(dir.path(), "n", NvmeSimConfig::qemu_like()));
    let r = probe(&mut disk);
    assert_eq!(r.identity.serial, "deadbeef");
    assert_eq!(r.capabilities.logical_sector_size, 512);
    assert!(
        !r.notes.iter().any(|n| n.contains("Sanitize Status")),
        "log 81h not read when SANICAP is 0"
    );

    let mut disk = open(&emmc(dir.path(), "e", MmcSimConfig::default()));
    let r = probe(&mut disk);
    assert_eq!(r.capabilities.logical_sector_size, 512);
    assert!(
        r.health.is_none(),
        "the simulated card reports no life time estimate"
    );
    assert!(r.notes.iter().any(|n| n.contains("eMMC 5.1")), "{r:?}");
}

#[test]
fn files_and_vanished_disks_are_block_only_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.img");
    std::fs::write(&f, vec![0u8; 1 << 20]).unwrap();
    let info = ardoise_disk::open::describe_target(&Default::default(), &f).unwrap();
    let mut disk = open_disk(&info, Access::ReadWrite).unwrap();
    let r = probe(&mut disk);
    assert_eq!(r.capabilities.command_set, CommandSet::BlockOnly);
    assert!(r.notes[0].contains("reads and writes only"));
    assert_eq!(
        plan_auto(&r.capabilities).unwrap().method.id(),
        "overwrite-zero"
    );

    let p = ata(dir.path(), "gone", AtaSimConfig::hdd());
    let mut disk = open(&p);
    media(&disk).vanish();
    let r = probe(&mut disk);
    assert_eq!(r.capabilities.command_set, CommandSet::BlockOnly);
    assert!(r.notes[0].contains("disappeared"), "{r:?}");
}
