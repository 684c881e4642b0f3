//! The grade over fake sysfs trees (a worn battery, a healthy one, no battery) and the
//! policy's mapping to a destination.

use ardoise_disk::hardware::fake::{FakeBattery, FakeMachine};
use ardoise_disk::hardware::read_hardware_from;
use ardoise_disk::inventory::{FirmwareKind, MachineInventory, SecureBootState};

use super::*;

fn inventory(firmware: FirmwareKind) -> MachineInventory {
    MachineInventory {
        manufacturer: Some("LENOVO".into()),
        product: Some("20L5S02E00".into()),
        version: None,
        serial: None,
        uuid: None,
        sku: None,
        family: None,
        chassis_type_code: Some(10),
        chassis_type: Some("notebook".into()),
        chassis_serial: None,
        asset_tag: None,
        board_vendor: None,
        board_name: None,
        board_serial: None,
        bios_vendor: None,
        bios_version: None,
        bios_date: None,
        cpu_model: None,
        cpu_physical_cores: None,
        cpu_threads: 1,
        memory_bytes: 0,
        firmware,
        secure_boot: if firmware == FirmwareKind::Uefi {
            SecureBootState::Enabled
        } else {
            SecureBootState::NotApplicable
        },
        hardware: Default::default(),
    }
}

fn good_disk() -> Vec<DiskGrade> {
    vec![DiskGrade {
        name: "nvme0n1".into(),
        grade: HealthGrade::Good,
    }]
}

fn codes(s: &cm::Suggestion) -> Vec<&str> {
    s.reasons.iter().map(|r| r.code.as_str()).collect()
}

#[test]
fn a_laptop_with_a_healthy_battery_is_for_reuse() {
    let m = FakeMachine::laptop(Some(FakeBattery::healthy_charge()));
    let h = read_hardware_from(&m.sys(), &m.proc());
    let inv = inventory(FirmwareKind::Uefi);
    let s = suggest(&h, &inv, &good_disk(), &ReusePolicy::default());
    assert_eq!(s.destination, cm::Destination::Reuse, "{s:?}");
    assert_eq!(codes(&s), ["meets-policy"]);
    assert_eq!(s.policy, "reuse-default");
    let hw = host_hardware(&h, &inv);
    assert_eq!(ardoise_cert::host_hardware::check(&hw), Vec::new());
    assert_eq!(hw.batteries[0].health_percent, Some(96));
    assert_eq!(hw.displays[0].diagonal_tenths_inch, Some(140));
    for m in &hw.os_minimums {
        assert_eq!(m.met, Some(true), "{m:?}");
    }
}

#[test]
fn a_worn_battery_sends_the_laptop_to_parts_keeping_its_ddr4_and_disk() {
    let m = FakeMachine::laptop(Some(FakeBattery::worn()));
    let h = read_hardware_from(&m.sys(), &m.proc());
    let s = suggest(
        &h,
        &inventory(FirmwareKind::Uefi),
        &good_disk(),
        &ReusePolicy::default(),
    );
    assert_eq!(s.destination, cm::Destination::Parts, "{s:?}");
    assert_eq!(codes(&s), ["battery-worn", "parts-worth-keeping"]);
    assert!(s.reasons[0].detail.contains("44 %"), "{s:?}");
    assert_eq!(
        s.reasons[1].detail,
        "8.0 GiB of DDR4 memory; disk nvme0n1 (good health)"
    );
    // A workshop that replaces batteries: 40 % is enough.
    let lenient = ReusePolicy {
        min_battery_percent: 40,
        ..ReusePolicy::default()
    };
    let s = suggest(&h, &inventory(FirmwareKind::Uefi), &good_disk(), &lenient);
    assert_eq!(s.destination, cm::Destination::Reuse);
    // Cycles judged when the policy says so.
    let cycles = ReusePolicy {
        min_battery_percent: 40,
        max_battery_cycles: Some(500),
        ..ReusePolicy::default()
    };
    let s = suggest(&h, &inventory(FirmwareKind::Uefi), &good_disk(), &cycles);
    assert_eq!(codes(&s), ["battery-cycles", "parts-worth-keeping"]);
}

#[test]
fn no_battery_is_no_reason_and_a_failing_disk_is_one() {
    let m = FakeMachine::laptop(None);
    let h = read_hardware_from(&m.sys(), &m.proc());
    let inv = inventory(FirmwareKind::Uefi);
    let failing = vec![DiskGrade {
        name: "sda".into(),
        grade: HealthGrade::Failing,
    }];
    let s = suggest(&h, &inv, &good_disk(), &ReusePolicy::default());
    assert_eq!(s.destination, cm::Destination::Reuse);
    let s = suggest(&h, &inv, &failing, &ReusePolicy::default());
    assert_eq!(codes(&s), ["disk-failing", "parts-worth-keeping"]);
    assert_eq!(s.reasons[1].detail, "8.0 GiB of DDR4 memory");
}

#[test]
fn an_old_desktop_goes_to_recycling_with_its_reasons() {
    let m = FakeMachine::desktop();
    let h = read_hardware_from(&m.sys(), &m.proc());
    let inv = inventory(FirmwareKind::Bios);
    let s = suggest(&h, &inv, &[], &ReusePolicy::default());
    assert_eq!(s.destination, cm::Destination::Recycling, "{s:?}");
    assert_eq!(
        codes(&s),
        [
            "os-minimum-unmet",
            "memory-below-policy",
            "nothing-worth-keeping"
        ]
    );
    assert_eq!(
        s.reasons[0].detail,
        "does not meet the ubuntu-desktop-24.04 minimums: cpu-frequency, memory"
    );
    assert_eq!(
        s.reasons[1].detail,
        "1.9 GiB of memory (policy: at least 4 GiB)"
    );
    let w = os_minimum(WINDOWS_11, &h, &inv);
    assert_eq!(w.met, Some(false));
    assert_eq!(w.unmet, ["memory", "tpm-2.0"]);
    assert_eq!(
        w.unknown,
        ["cpu-generation", "uefi", "secure-boot-capable"],
        "a virtual CPU and a BIOS boot tell nothing: unknown, not failed"
    );
    // Without an OS requirement, memory alone keeps it from reuse.
    let none = ReusePolicy {
        os: "none".into(),
        ..ReusePolicy::default()
    };
    assert_eq!(
        codes(&suggest(&h, &inv, &[], &none))[0],
        "memory-below-policy"
    );
}

#[test]
fn windows_11_processor_generations() {
    let m = FakeMachine::laptop(None);
    let mut h = read_hardware_from(&m.sys(), &m.proc());
    let inv = inventory(FirmwareKind::Uefi);
    assert_eq!(os_minimum(WINDOWS_11, &h, &inv).met, Some(true));
    h.cpu.generation = Some(7);
    assert_eq!(os_minimum(WINDOWS_11, &h, &inv).unmet, ["cpu-generation"]);
    h.cpu.line = Some(CpuLine::AmdRyzen);
    h.cpu.generation = Some(2);
    assert_eq!(os_minimum(WINDOWS_11, &h, &inv).met, Some(true));
    h.cpu.generation = Some(1);
    assert_eq!(os_minimum(WINDOWS_11, &h, &inv).met, Some(false));
    h.cpu.line = None;
    assert_eq!(os_minimum(WINDOWS_11, &h, &inv).met, None);
}

#[test]
fn policy_settings_are_checked() {
    assert!(ReusePolicy::default().check().is_ok());
    let bad = ReusePolicy {
        os: "windows-10".into(),
        ..ReusePolicy::default()
    };
    assert_eq!(bad.check().unwrap_err().0, "reuse.os");
    let bad = ReusePolicy {
        id: "Mon Atelier".into(),
        ..ReusePolicy::default()
    };
    assert_eq!(bad.check().unwrap_err().0, "reuse.id");
}
