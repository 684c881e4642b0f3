//! What decides whether a machine can be reused, read from the kernel: processor
//! ([`cpu`]), memory modules ([`smbios`]), batteries ([`battery`]), displays ([`edid`]) and the
//! TPM. Each reader takes the sysfs and procfs roots, so that tests run them over fake trees
//! (`fake`, with the `testing` feature); a fact the machine does not report is `None`, never a guess.

pub mod battery;
pub mod cpu;
pub mod edid;
#[cfg(feature = "testing")]
pub mod fake;
pub mod smbios;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use battery::{BatteryFacts, CapacityUnit};
pub use cpu::{CpuFacts, CpuLine};
pub use edid::DisplayFacts;
pub use smbios::MemoryModuleFacts;

use crate::system::read_attr;

/// The reuse-relevant facts of the machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HardwareFacts {
    /// The processor.
    pub cpu: CpuFacts,
    /// Memory the kernel manages (`MemTotal`).
    pub memory_visible_bytes: u64,
    /// Installed modules from SMBIOS; empty when the firmware lists none.
    pub memory_modules: Vec<MemoryModuleFacts>,
    /// `2.0` or `1.2`; None when no TPM is visible.
    pub tpm_version: Option<String>,
    /// Batteries powering the system.
    pub batteries: Vec<BatteryFacts>,
    /// Displays with a readable EDID, built-in panels first.
    pub displays: Vec<DisplayFacts>,
}

impl HardwareFacts {
    /// Sum of the installed modules, None when SMBIOS lists none.
    pub fn memory_installed_bytes(&self) -> Option<u64> {
        (!self.memory_modules.is_empty())
            .then(|| self.memory_modules.iter().map(|m| m.size_bytes).sum())
    }
}

/// Reads the facts of the running machine.
pub fn read_hardware() -> HardwareFacts {
    read_hardware_from(Path::new("/sys"), Path::new("/proc"))
}

/// Reads the facts with given sysfs and procfs roots (tests point them at fake trees).
pub fn read_hardware_from(sys_root: &Path, proc_root: &Path) -> HardwareFacts {
    HardwareFacts {
        cpu: cpu::read_cpu(sys_root, proc_root),
        memory_visible_bytes: mem_total(proc_root).unwrap_or(0),
        memory_modules: std::fs::read(sys_root.join("firmware/dmi/tables/DMI"))
            .map(|t| smbios::memory_modules(&t))
            .unwrap_or_default(),
        tpm_version: tpm_version(sys_root),
        batteries: battery::read_batteries(sys_root),
        displays: edid::read_displays(sys_root),
    }
}

/// `MemTotal` of `/proc/meminfo`, bytes.
fn mem_total(proc_root: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(proc_root.join("meminfo")).ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The first TPM's version: `tpm_version_major` (kernel 5.6+), else the TPM 1.2 `caps` file.
fn tpm_version(sys_root: &Path) -> Option<String> {
    let tpm = sys_root.join("class/tpm/tpm0");
    match read_attr(&tpm.join("tpm_version_major")).as_deref() {
        Some("2") => return Some("2.0".into()),
        Some("1") => return Some("1.2".into()),
        _ => {}
    }
    let caps = std::fs::read_to_string(tpm.join("device/caps")).ok()?;
    caps.contains("TCG version: 1.2").then(|| "1.2".to_string())
}

#[cfg(test)]
mod tests {
    use super::fake::{FakeBattery, FakeMachine};
    use super::*;

    #[test]
    fn a_whole_laptop_from_a_fake_tree() {
        let m = FakeMachine::laptop(Some(FakeBattery::worn()));
        let h = read_hardware_from(&m.sys(), &m.proc());
        assert_eq!(h.cpu.generation, Some(8));
        assert_eq!(h.cpu.max_mhz, Some(3400), "cpufreq wins over cpu MHz");
        assert_eq!(h.memory_visible_bytes, 8_060_660 * 1024);
        assert_eq!(h.memory_installed_bytes(), Some(8 << 30));
        assert_eq!(h.tpm_version.as_deref(), Some("2.0"));
        assert_eq!(h.batteries.len(), 1);
        assert_eq!(h.batteries[0].health_percent(), Some(44));
        assert_eq!(h.displays.len(), 1);
        assert_eq!(h.displays[0].connector, "eDP-1");
    }

    #[test]
    fn a_desktop_without_battery_tpm_or_smbios_memory() {
        let m = FakeMachine::desktop();
        let h = read_hardware_from(&m.sys(), &m.proc());
        assert!(h.batteries.is_empty());
        assert_eq!(h.tpm_version, None);
        assert_eq!(h.memory_installed_bytes(), None);
        assert!(h.displays.is_empty(), "the monitor is disconnected");
        assert_eq!(h.cpu.line, None, "a virtual CPU tells no generation");
    }

    #[test]
    fn nothing_readable_gives_nothing() {
        let root = tempfile::tempdir().unwrap();
        let h = read_hardware_from(root.path(), root.path());
        assert_eq!(h, HardwareFacts::default());
    }
}
