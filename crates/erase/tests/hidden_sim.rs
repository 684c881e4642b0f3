//! Hidden areas on simulated ATA disks: HPA, accessible max address and DCO made visible (or
//! not), checked against the drive's own answers, then erased and verified end to end.

mod firmware_support;

use ardoise_disk::sim::ata::{AtaSimConfig, AtaSimState};
use ardoise_disk::sim::SimDisk;
use ardoise_disk::{Commands, DiskInfo};
use ardoise_erase::firmware::{run_firmware, MemoryVault};
use ardoise_erase::hidden::{remove_hidden_areas, rescan_block_device};
use ardoise_erase::method::{Method, SanitizeAction};
use ardoise_erase::outcome::{decide, ExceptionCode, Outcome};
use ardoise_erase::plan::{plan_auto, Step};
use ardoise_erase::probe::probe;
use ardoise_erase::{Expected, VerifyScope};
use firmware_support::*;

fn hidden_disk(
    dir: &std::path::Path,
    name: &str,
    config: AtaSimConfig,
    edit: impl FnOnce(AtaSimState) -> AtaSimState,
) -> std::path::PathBuf {
    let s = edit(AtaSimState::power_on(&config));
    ata_profile(dir, name, config, s, false)
}

#[test]
fn an_hpa_is_made_visible_volatile_and_the_block_view_follows() {
    let dir = tempfile::tempdir().unwrap();
    let p = hidden_disk(dir.path(), "hpa", AtaSimConfig::hdd(), |s| {
        s.with_hpa(SECTORS - 2048)
    });
    let mut disk = open(&p);
    assert_eq!(disk.block.size_bytes(), (SECTORS - 2048) * 512);
    let caps = probe(&mut disk).capabilities;
    let out = remove_hidden_areas(&mut disk.commands, &caps);
    assert!(out.removed, "{out:?}");
    assert!(out.exceptions.is_empty(), "{out:?}");
    assert!(out.capacity_changed);
    assert_eq!(out.before.hidden_sectors(), 2048);
    assert_eq!(out.before.visible_sectors, SECTORS - 2048);
    assert_eq!(out.after.visible_sectors, SECTORS);
    assert_eq!(out.after.hidden_sectors(), 0);
    // SET MAX ADDRESS EXT came right after READ NATIVE MAX ADDRESS EXT.
    let names = sent(&disk);
    let set = names
        .iter()
        .position(|n| n == "SET MAX ADDRESS EXT")
        .unwrap();
    assert_eq!(names[set - 1], "READ NATIVE MAX ADDRESS EXT");
    assert!(out.notes.iter().any(|n| n.contains("volatile")), "{out:?}");
    // The simulated block device sees the whole native capacity at once.
    assert_eq!(disk.block.size_bytes(), SECTORS * 512);
    // Volatile: a power cycle brings the donor's HPA back.
    disk.sim.as_ref().unwrap().power_cycle();
    assert_eq!(disk.block.size_bytes(), (SECTORS - 2048) * 512);
}

#[test]
fn hpa_and_dco_together_are_removed_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let p = hidden_disk(dir.path(), "both", AtaSimConfig::hdd(), |s| {
        let mut s = s.with_hpa(SECTORS - 3000);
        s.dco_sectors = Some(SECTORS - 1000);
        s
    });
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let out = remove_hidden_areas(&mut disk.commands, &caps);
    assert!(out.removed, "{out:?}");
    assert_eq!(out.before.hidden_sectors(), 3000);
    assert_eq!(out.after.visible_sectors, SECTORS);
    assert_eq!(out.after.native_sectors, Some(SECTORS));
    let names = sent(&disk);
    let set = names
        .iter()
        .position(|n| n == "SET MAX ADDRESS EXT")
        .unwrap();
    let restore = names
        .iter()
        .position(|n| n == "DEVICE CONFIGURATION RESTORE")
        .unwrap();
    assert!(
        set < restore,
        "the HPA is lifted before the DCO restore: {names:?}"
    );
    assert!(out.notes.iter().any(|n| n.contains("permanent")), "{out:?}");
    assert_eq!(disk.block.size_bytes(), SECTORS * 512);
}

#[test]
fn an_accessible_max_address_is_lifted_on_acs3_drives() {
    let dir = tempfile::tempdir().unwrap();
    let p = hidden_disk(dir.path(), "amax", AtaSimConfig::ssd(), |s| {
        s.with_hpa(SECTORS / 2)
    });
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    assert!(caps.hidden.as_ref().unwrap().amax_supported);
    let out = remove_hidden_areas(&mut disk.commands, &caps);
    assert!(out.removed, "{out:?}");
    assert!(sent(&disk)
        .iter()
        .any(|n| n == "SET ACCESSIBLE MAX ADDRESS EXT"));
    assert_eq!(disk.block.size_bytes(), SECTORS * 512);
}

#[test]
fn a_refused_removal_is_an_exception_with_the_sector_count() {
    let dir = tempfile::tempdir().unwrap();
    let c = AtaSimConfig {
        refuse_hpa_removal: true,
        ..AtaSimConfig::hdd()
    };
    let p = hidden_disk(dir.path(), "refuse", c, |s| {
        let mut s = s.with_hpa(SECTORS - 1500);
        s.dco_sectors = Some(SECTORS - 500);
        s
    });
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let out = remove_hidden_areas(&mut disk.commands, &caps);
    assert!(!out.removed);
    assert_eq!(out.exceptions.len(), 1, "{out:?}");
    assert_eq!(out.exceptions[0].code, ExceptionCode::HiddenAreaNotErased);
    assert_eq!(
        out.exceptions[0].detail,
        "1500 hidden sectors could not be made visible"
    );
    assert_eq!(decide(&out.exceptions), Outcome::ErasedWithExceptions);
    assert!(out.notes.iter().any(|n| n.contains("refused")), "{out:?}");
    assert_eq!(out.after, out.before);
    assert_eq!(disk.block.size_bytes(), (SECTORS - 1500) * 512);
}

#[test]
fn nothing_hidden_or_not_ata_means_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "plain", AtaSimConfig::hdd());
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let n = sent(&disk).len();
    let out = remove_hidden_areas(&mut disk.commands, &caps);
    assert!(!out.removed && out.exceptions.is_empty() && !out.capacity_changed);
    assert!(!sent(&disk)[n..].iter().any(|c| c.starts_with("SET")));

    let p = nvme(dir.path(), "n", Default::default());
    let mut disk = open(&p);
    let caps = probe(&mut disk).capabilities;
    let out = remove_hidden_areas(&mut disk.commands, &caps);
    assert!(!out.removed && out.exceptions.is_empty());
    assert!(matches!(disk.commands, Commands::Nvme { .. }));
}

#[test]
fn hidden_sectors_are_erased_and_verified_once_visible() {
    // A donor's data in the HPA: the plan lifts it, a sanitize overwrite erases every native
    // sector, and a full read-back of the now visible capacity reads zeros.
    let dir = tempfile::tempdir().unwrap();
    let p = hidden_disk(dir.path(), "h", AtaSimConfig::hdd(), |s| {
        s.with_hpa(SECTORS - 4096)
    });
    let mut disk = open(&p);
    fill_native_text(&media(&disk));
    let caps = probe(&mut disk).capabilities;
    let plan = plan_auto(&caps).unwrap();
    assert!(plan.steps.contains(&Step::RemoveHiddenAreas), "{plan:?}");
    let out = remove_hidden_areas(&mut disk.commands, &caps);
    assert!(out.removed);
    let vault = MemoryVault::new();
    let fw = run_firmware(
        &mut disk.commands,
        &Method::AtaSanitize {
            action: SanitizeAction::Overwrite,
        },
        &caps,
        &mut ctx(&vault),
    );
    assert!(fw.is_clean(), "{fw:?}");
    let v = ardoise_erase::verify::run(
        &*disk.block,
        &VerifyScope::Full,
        &Expected::zeros(),
        &Default::default(),
        &mut Default::default(),
    )
    .unwrap();
    assert!(v.passed(), "{}", v.summary());
    assert_eq!(
        v.device_bytes,
        SECTORS * 512,
        "the hidden sectors were read back too"
    );
}

#[test]
fn rescan_writes_the_sysfs_attribute_of_real_disks_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = ata(dir.path(), "s", AtaSimConfig::hdd());
    let sim_info = SimDisk::load(&p).unwrap().info();
    let sys = tempfile::tempdir().unwrap();
    assert!(rescan_block_device(&sim_info, sys.path())
        .unwrap()
        .contains("simulated"));
    assert_eq!(std::fs::read_dir(sys.path()).unwrap().count(), 0);

    let real = DiskInfo {
        name: "sdz".into(),
        path: "/dev/sdz".into(),
        ..sim_info
    };
    assert!(rescan_block_device(&real, sys.path()).is_err());
    let attr = sys.path().join("block/sdz/device/rescan");
    std::fs::create_dir_all(attr.parent().unwrap()).unwrap();
    std::fs::write(&attr, "").unwrap();
    rescan_block_device(&real, sys.path()).unwrap();
    assert_eq!(std::fs::read_to_string(&attr).unwrap(), "1");
}
