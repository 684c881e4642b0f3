//! Fake sysfs/procfs trees for the hardware readers' tests (here and in the crates above):
//! a laptop with a worn, a healthy or no battery, a desktop. Files are laid out as the kernel
//! lays them out; values are those of real machines.

use std::fs;
use std::path::{Path, PathBuf};

use super::edid::edid_bytes;
use super::smbios::type17_bytes;

/// One power supply's attributes.
#[derive(Debug, Clone)]
pub struct FakeBattery {
    /// `type` ("Battery", "Mains", "UPS").
    pub kind: &'static str,
    /// `scope` ("Device" for a peripheral's battery), absent on a laptop's own.
    pub scope: Option<&'static str>,
    /// Energy (µWh) or, when false, charge (µAh).
    pub energy: bool,
    /// Design capacity (`energy_full_design` or `charge_full_design`).
    pub design: Option<u64>,
    /// Last full capacity (`energy_full` or `charge_full`).
    pub full: Option<u64>,
    /// `cycle_count`.
    pub cycles: Option<u64>,
    /// `technology` ("Li-ion", "Li-poly").
    pub technology: &'static str,
}

impl FakeBattery {
    /// A ThinkPad battery at 44 % of its design capacity after 612 cycles.
    pub fn worn() -> FakeBattery {
        FakeBattery {
            kind: "Battery",
            scope: None,
            energy: true,
            design: Some(24_048_000),
            full: Some(10_820_000),
            cycles: Some(612),
            technology: "Li-poly",
        }
    }

    /// A battery reporting charge (µAh), at 96 % after 31 cycles.
    pub fn healthy_charge() -> FakeBattery {
        FakeBattery {
            kind: "Battery",
            scope: None,
            energy: false,
            design: Some(4_000_000),
            full: Some(3_840_000),
            cycles: Some(31),
            technology: "Li-ion",
        }
    }

    /// The mains adapter.
    pub fn mains() -> FakeBattery {
        FakeBattery {
            kind: "Mains",
            scope: None,
            energy: false,
            design: None,
            full: None,
            cycles: None,
            technology: "Unknown",
        }
    }

    /// A wireless mouse's battery (scope Device: not the machine's).
    pub fn mouse() -> FakeBattery {
        FakeBattery {
            scope: Some("Device"),
            ..FakeBattery::healthy_charge()
        }
    }
}

fn write(path: &Path, contents: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().expect("a parent")).expect("fake tree");
    fs::write(path, contents).expect("fake tree");
}

/// Writes `<sys_root>/class/power_supply/<name>/…`.
pub fn fake_battery(sys_root: &Path, name: &str, b: &FakeBattery) {
    let dir = sys_root.join("class/power_supply").join(name);
    write(&dir.join("type"), format!("{}\n", b.kind));
    if let Some(s) = b.scope {
        write(&dir.join("scope"), format!("{s}\n"));
    }
    let prefix = if b.energy { "energy" } else { "charge" };
    if let Some(v) = b.design {
        write(&dir.join(format!("{prefix}_full_design")), format!("{v}\n"));
    }
    if let Some(v) = b.full {
        write(&dir.join(format!("{prefix}_full")), format!("{v}\n"));
    }
    if let Some(v) = b.cycles {
        write(&dir.join("cycle_count"), format!("{v}\n"));
    }
    write(&dir.join("technology"), format!("{}\n", b.technology));
    if b.kind == "Battery" {
        write(&dir.join("manufacturer"), "SMP\n");
        write(&dir.join("model_name"), "01AV423\n");
    }
}

/// A machine's /sys and /proc in a temporary directory.
pub struct FakeMachine {
    root: tempfile::TempDir,
}

impl FakeMachine {
    /// The fake sysfs root.
    pub fn sys(&self) -> PathBuf {
        self.root.path().join("sys")
    }

    /// The fake procfs root.
    pub fn proc(&self) -> PathBuf {
        self.root.path().join("proc")
    }

    fn empty() -> FakeMachine {
        FakeMachine {
            root: tempfile::tempdir().expect("temporary directory"),
        }
    }

    fn cpuinfo(&self, model: &str, threads: u32, cores: u32, flags: &str) {
        let mut text = String::new();
        for n in 0..threads {
            text.push_str(&format!(
                "processor\t: {n}\nvendor_id\t: GenuineIntel\nmodel name\t: {model}\n\
                 cpu MHz\t\t: 1800.000\nphysical id\t: 0\ncpu cores\t: {cores}\nflags\t\t: {flags}\n\n"
            ));
        }
        write(&self.proc().join("cpuinfo"), text);
    }

    /// A ThinkPad T480: i5-8250U, one 8 GiB DDR4 SODIMM, TPM 2.0, a 14" panel, `battery`.
    pub fn laptop(battery: Option<FakeBattery>) -> FakeMachine {
        let m = FakeMachine::empty();
        let flags = "fpu cx8 cmov mmx fxsr sse sse2 syscall nx lm pni ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt xsave avx f16c lahf_lm abm bmi1 avx2 bmi2";
        m.cpuinfo("Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz", 8, 4, flags);
        write(
            &m.sys()
                .join("devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"),
            "3400000\n",
        );
        write(
            &m.proc().join("meminfo"),
            "MemTotal:        8060660 kB\nMemFree:         7000000 kB\n",
        );
        let mut dmi = type17_bytes(8192, 0, 0x1A, 0x0D, 2400);
        dmi.extend_from_slice(&type17_bytes(0, 0, 0x02, 0x02, 0));
        dmi.extend_from_slice(&[127, 4, 0xFF, 0xFE, 0, 0]);
        write(&m.sys().join("firmware/dmi/tables/DMI"), dmi);
        write(&m.sys().join("class/tpm/tpm0/tpm_version_major"), "2\n");
        let panel = m.sys().join("class/drm/card0-eDP-1");
        write(&panel.join("status"), "connected\n");
        write(&panel.join("edid"), edid_bytes(1920, 1080, 309, 174));
        write(&m.sys().join("class/drm/card0/dev"), "226:0\n");
        fake_battery(&m.sys(), "AC", &FakeBattery::mains());
        if let Some(b) = battery {
            fake_battery(&m.sys(), "BAT0", &b);
        }
        m
    }

    /// An old desktop: a virtual CPU without cpufreq, 2 GiB, no TPM, no SMBIOS memory
    /// devices, a disconnected monitor.
    pub fn desktop() -> FakeMachine {
        let m = FakeMachine::empty();
        m.cpuinfo(
            "QEMU Virtual CPU version 2.5+",
            2,
            2,
            "fpu cx8 cmov mmx fxsr sse sse2 syscall lm",
        );
        write(&m.proc().join("meminfo"), "MemTotal:        2030000 kB\n");
        let vga = m.sys().join("class/drm/card0-VGA-1");
        write(&vga.join("status"), "disconnected\n");
        write(&vga.join("edid"), b"");
        m
    }
}
