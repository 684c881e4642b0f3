//! The survey over fake sysfs trees laid out like the kernel's (symlinks from /sys/bus and
//! /sys/block into /sys/devices, `driver` links to /sys/bus/*/drivers/NAME).

use std::os::unix::fs::symlink;

use super::*;

struct FakeSys {
    dir: tempfile::TempDir,
}

impl FakeSys {
    fn new() -> FakeSys {
        FakeSys {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, value: &str) {
        let p = self.root().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, format!("{value}\n")).unwrap();
    }

    fn bind(&self, dev_rel: &str, bus: &str, driver: &str) {
        let drv = self.root().join(format!("bus/{bus}/drivers/{driver}"));
        fs::create_dir_all(&drv).unwrap();
        symlink(&drv, self.root().join(dev_rel).join("driver")).unwrap();
    }

    fn link(&self, from_rel: &str, to_rel: &str) {
        let from = self.root().join(from_rel);
        fs::create_dir_all(from.parent().unwrap()).unwrap();
        symlink(self.root().join(to_rel), from).unwrap();
    }

    /// A PCI function; `driver` None leaves it unbound.
    fn pci(&self, addr: &str, class: &str, vendor: &str, device: &str, driver: Option<&str>) {
        let dev = format!("devices/pci0000:00/{addr}");
        self.write(&format!("{dev}/class"), class);
        self.write(&format!("{dev}/vendor"), vendor);
        self.write(&format!("{dev}/device"), device);
        self.link(&format!("bus/pci/devices/{addr}"), &dev);
        if let Some(d) = driver {
            self.bind(&dev, "pci", d);
        }
    }

    /// A SCSI disk behind the PCI function `addr`, at `hctl`.
    fn scsi_disk(&self, addr: &str, hctl: &str, name: &str) -> PathBuf {
        let host = hctl.split(':').next().unwrap();
        let target: Vec<&str> = hctl.split(':').take(3).collect();
        let dev = format!(
            "devices/pci0000:00/{addr}/host{host}/target{}/{hctl}",
            target.join(":")
        );
        self.write(&format!("{dev}/block/{name}/size"), "32768");
        self.link(&format!("block/{name}"), &format!("{dev}/block/{name}"));
        fs::canonicalize(self.root().join(format!("block/{name}"))).unwrap()
    }
}

fn issue_of(s: &StorageSurvey, addr: &str) -> Option<ControllerIssue> {
    s.controllers
        .iter()
        .find(|c| c.address == addr)
        .unwrap_or_else(|| panic!("{addr} not surveyed: {s:#?}"))
        .issue
}

#[test]
fn storage_functions_are_listed_with_their_driver_and_others_are_not() {
    let sys = FakeSys::new();
    sys.pci("0000:00:1f.2", "0x010601", "0x8086", "0x2922", Some("ahci"));
    sys.pci(
        "0000:00:04.0",
        "0x010000",
        "0x1000",
        "0x0054",
        Some("mptsas"),
    );
    sys.pci("0000:00:05.0", "0x010802", "0x1b36", "0x0010", Some("nvme"));
    sys.pci(
        "0000:00:06.0",
        "0x080501",
        "0x1b36",
        "0x0007",
        Some("sdhci-pci"),
    );
    sys.pci(
        "0000:00:02.0",
        "0x030000",
        "0x1234",
        "0x1111",
        Some("bochs-drm"),
    );
    sys.pci(
        "0000:00:07.0",
        "0x020000",
        "0x8086",
        "0x10d3",
        Some("e1000e"),
    );
    sys.pci("0000:00:08.0", "0x010200", "0x8086", "0x7000", None); // floppy: no disks
    sys.scsi_disk("0000:00:04.0", "2:0:0:0", "sdb");
    let s = survey(sys.root());
    let listed: Vec<(&str, ControllerKind, Option<&str>)> = s
        .controllers
        .iter()
        .map(|c| (c.address.as_str(), c.kind, c.driver.as_deref()))
        .collect();
    assert_eq!(
        listed,
        [
            ("0000:00:04.0", ControllerKind::Scsi, Some("mptsas")),
            ("0000:00:05.0", ControllerKind::Nvme, Some("nvme")),
            ("0000:00:06.0", ControllerKind::SdHost, Some("sdhci-pci")),
            ("0000:00:1f.2", ControllerKind::Sata, Some("ahci")),
        ]
    );
    assert!(s.complete());
    let lsi = &s.controllers[0];
    assert_eq!(lsi.vendor_id.as_deref(), Some("1000"));
    assert_eq!(lsi.device_id.as_deref(), Some("0054"));
    assert_eq!(lsi.description, "LSI / Broadcom");
}

#[test]
fn a_sas_hba_with_a_driver_and_no_disk_is_reported_and_empty_sata_ports_are_not() {
    let sys = FakeSys::new();
    sys.pci("0000:00:1f.2", "0x010601", "0x8086", "0x2922", Some("ahci"));
    sys.pci(
        "0000:00:04.0",
        "0x010000",
        "0x1000",
        "0x0054",
        Some("mptsas"),
    );
    sys.pci(
        "0000:00:05.0",
        "0x010700",
        "0x1000",
        "0x0072",
        Some("mpt3sas"),
    );
    sys.scsi_disk("0000:00:05.0", "3:0:0:0", "sdc");
    let s = survey(sys.root());
    assert_eq!(
        issue_of(&s, "0000:00:04.0"),
        Some(ControllerIssue::NoDiskSeen)
    );
    assert_eq!(issue_of(&s, "0000:00:05.0"), None);
    assert_eq!(
        issue_of(&s, "0000:00:1f.2"),
        None,
        "an AHCI without disks is common"
    );
    assert!(!s.complete());
    // the disk appears (a rescan after the SAS discovery ended): the survey is complete
    sys.scsi_disk("0000:00:04.0", "2:0:1:0", "sdb");
    assert!(survey(sys.root()).complete());
}

#[test]
fn a_controller_without_driver_makes_the_survey_incomplete() {
    let sys = FakeSys::new();
    sys.pci("0000:00:1f.2", "0x010601", "0x8086", "0x2922", Some("ahci"));
    sys.pci("0000:00:04.0", "0x010000", "0x1000", "0x0054", None);
    let s = survey(sys.root());
    assert_eq!(
        issue_of(&s, "0000:00:04.0"),
        Some(ControllerIssue::NoDriver)
    );
    assert_eq!(issue_of(&s, "0000:00:1f.2"), None);
    assert!(!s.complete());
    assert_eq!(s.problems().count(), 1);
}

#[test]
fn realtek_card_readers_count_and_other_unassigned_functions_do_not() {
    let sys = FakeSys::new();
    sys.pci("0000:02:00.0", "0xff0000", "0x10ec", "0x525a", None);
    sys.pci("0000:03:00.0", "0xff0000", "0x10ec", "0x8168", None);
    let s = survey(sys.root());
    assert_eq!(s.controllers.len(), 1, "{s:#?}");
    assert_eq!(s.controllers[0].kind, ControllerKind::SdHost);
    assert_eq!(
        issue_of(&s, "0000:02:00.0"),
        Some(ControllerIssue::NoDriver)
    );
}

#[test]
fn megaraid_volumes_are_on_channel_two_and_jbod_disks_are_not_volumes() {
    let sys = FakeSys::new();
    sys.pci(
        "0000:00:04.0",
        "0x010400",
        "0x1000",
        "0x0078",
        Some("megaraid_sas"),
    );
    let vol = sys.scsi_disk("0000:00:04.0", "2:2:0:0", "sda");
    let jbod = sys.scsi_disk("0000:00:04.0", "2:0:5:0", "sdb");
    assert_eq!(
        raid_volume_of(&vol),
        Some(RaidVolume {
            controller: "0000:00:04.0".into(),
            driver: "megaraid_sas".into()
        })
    );
    assert_eq!(raid_volume_of(&jbod), None);
    let s = survey(sys.root());
    assert_eq!(
        issue_of(&s, "0000:00:04.0"),
        Some(ControllerIssue::RaidVolumes { volumes: 1 })
    );
    assert!(!s.complete());
}

#[test]
fn hba_disks_are_plain_disks_and_ir_volumes_are_not() {
    let sys = FakeSys::new();
    sys.pci(
        "0000:00:04.0",
        "0x010000",
        "0x1000",
        "0x0054",
        Some("mptsas"),
    );
    let disk = sys.scsi_disk("0000:00:04.0", "3:0:0:0", "sdc");
    let ir = sys.scsi_disk("0000:00:04.0", "3:1:0:0", "sdd");
    assert_eq!(raid_volume_of(&disk), None);
    assert!(raid_volume_of(&ir).is_some());
}

#[test]
fn smart_array_volumes_are_told_by_their_raid_level() {
    let sys = FakeSys::new();
    sys.pci("0000:05:00.0", "0x010400", "0x103c", "0x323a", Some("hpsa"));
    let logical = sys.scsi_disk("0000:05:00.0", "0:1:0:0", "sda");
    let physical = sys.scsi_disk("0000:05:00.0", "0:0:1:0", "sdb");
    sys.write(
        "devices/pci0000:00/0000:05:00.0/host0/target0:1:0/0:1:0:0/raid_level",
        "RAID 1(+0)",
    );
    sys.write(
        "devices/pci0000:00/0000:05:00.0/host0/target0:0:1/0:0:1:0/raid_level",
        "N/A",
    );
    assert!(raid_volume_of(&logical).is_some());
    assert_eq!(raid_volume_of(&physical), None);
}

#[test]
fn disks_of_plain_hbas_are_never_volumes() {
    let sys = FakeSys::new();
    sys.pci("0000:00:1f.2", "0x010601", "0x8086", "0x2922", Some("ahci"));
    let sata = sys.scsi_disk("0000:00:1f.2", "0:0:0:0", "sda");
    sys.pci(
        "0000:00:09.0",
        "0x010000",
        "0x15ad",
        "0x07c0",
        Some("vmw_pvscsi"),
    );
    let pv = sys.scsi_disk("0000:00:09.0", "4:0:2:0", "sdb");
    assert_eq!(raid_volume_of(&sata), None);
    assert_eq!(raid_volume_of(&pv), None);
    assert!(survey(sys.root()).complete());
}

#[test]
fn usb_mass_storage_interfaces_and_memory_cards() {
    let sys = FakeSys::new();
    sys.write("devices/pci0000:00/0000:00:14.0/usb1/1-1/idVendor", "0bda");
    sys.write("devices/pci0000:00/0000:00:14.0/usb1/1-1/idProduct", "9210");
    sys.write(
        "devices/pci0000:00/0000:00:14.0/usb1/1-1/product",
        "RTL9210",
    );
    sys.write(
        "devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/bInterfaceClass",
        "08",
    );
    sys.link(
        "bus/usb/devices/1-1:1.0",
        "devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0",
    );
    sys.bind(
        "devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0",
        "usb",
        "uas",
    );
    // a USB keyboard interface is not storage
    sys.write(
        "devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/bInterfaceClass",
        "03",
    );
    sys.link(
        "bus/usb/devices/1-2:1.0",
        "devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0",
    );
    // an SD card with no block driver, an SDIO Wi-Fi function
    let card = "devices/pci0000:00/0000:00:06.0/mmc_host/mmc0/mmc0:aaaa";
    sys.write(&format!("{card}/type"), "SD");
    sys.write(&format!("{card}/name"), "QEMU!");
    sys.link("bus/mmc/devices/mmc0:aaaa", card);
    let wifi = "devices/pci0000:00/0000:00:06.0/mmc_host/mmc1/mmc1:0001";
    sys.write(&format!("{wifi}/type"), "SDIO");
    sys.link("bus/mmc/devices/mmc1:0001", wifi);

    let s = survey(sys.root());
    assert_eq!(s.controllers.len(), 2, "{s:#?}");
    let usb = &s.controllers[0];
    assert_eq!(usb.kind, ControllerKind::UsbStorage);
    assert_eq!(usb.driver.as_deref(), Some("uas"));
    assert_eq!(usb.vendor_id.as_deref(), Some("0bda"));
    assert_eq!(usb.description, "RTL9210");
    let sd = &s.controllers[1];
    assert_eq!(sd.kind, ControllerKind::MemoryCard);
    assert_eq!(sd.description, "SD QEMU!");
    assert_eq!(sd.issue, Some(ControllerIssue::NoDriver));
}

#[test]
fn acpi_sd_hosts_without_driver_are_reported() {
    let sys = FakeSys::new();
    let dev = "devices/platform/80860F14:00";
    sys.write(&format!("{dev}/modalias"), "acpi:80860F14:PNP0D40:");
    sys.link("bus/platform/devices/80860F14:00", dev);
    sys.write(
        "devices/platform/serial8250/modalias",
        "platform:serial8250",
    );
    sys.link(
        "bus/platform/devices/serial8250",
        "devices/platform/serial8250",
    );
    let s = survey(sys.root());
    assert_eq!(s.controllers.len(), 1);
    assert_eq!(s.controllers[0].kind, ControllerKind::SdHost);
    assert_eq!(s.controllers[0].issue, Some(ControllerIssue::NoDriver));
}

#[test]
fn address_shapes() {
    assert!(is_hctl("2:2:0:0"));
    assert!(!is_hctl("target2:2:0"));
    assert!(!is_hctl("2:2:0"));
    assert!(is_pci_address("0000:00:1f.2"));
    assert!(!is_pci_address("pci0000:00"));
    assert!(!is_pci_address("0000:00:1f"));
}
