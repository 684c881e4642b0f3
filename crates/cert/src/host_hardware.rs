//! `host.hardware`: what decides whether a machine can be reused — CPU, memory, TPM, batteries,
//! displays — and whether the CPU and memory meet the published minimums of current operating
//! systems. Facts as the firmware and the kernel report them, never advice: the workshop's
//! grade (`disposition.suggestion`) is a separate record computed from them by its policy.
//!
//! Plain data: the station fills it from the device layer's survey. Integers only (like the
//! rest of the certificate): tenths of an inch, percent, MHz.

use serde::{Deserialize, Serialize};

use crate::text_rule::{TextRule, ID, NAME};

/// The reuse-relevant facts of the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostHardware {
    /// The processor.
    pub cpu: HostCpu,
    /// Visible and installed memory.
    pub memory: HostMemory,
    /// TPM version the firmware exposes (`2.0`, `1.2`); null when no TPM is visible (absent,
    /// or disabled in the firmware settings).
    #[serde(deserialize_with = "Option::deserialize")]
    pub tpm_version: Option<String>,
    /// Every battery the kernel lists (none on a desktop).
    pub batteries: Vec<HostBattery>,
    /// Every connected display whose EDID could be read.
    pub displays: Vec<HostDisplay>,
    /// Whether the machine meets published operating-system minimums (see docs/certificate.md).
    pub os_minimums: Vec<OsMinimum>,
}

/// The processor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostCpu {
    /// Model name as reported (`Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz`).
    #[serde(deserialize_with = "Option::deserialize")]
    pub model: Option<String>,
    /// Vendor id (`GenuineIntel`, `AuthenticAMD`).
    #[serde(deserialize_with = "Option::deserialize")]
    pub vendor: Option<String>,
    /// Product line read from the model name (`intel-core`, `intel-core-ultra`, `amd-ryzen`);
    /// null when not recognised.
    #[serde(deserialize_with = "Option::deserialize")]
    pub line: Option<String>,
    /// Generation within the line (Intel Core: 8 for an i5-8250U; AMD Ryzen: the series'
    /// first digit, 2 for a Ryzen 5 2500U); null when not recognised.
    #[serde(deserialize_with = "Option::deserialize")]
    pub generation: Option<u32>,
    /// Physical cores; null when not reported.
    #[serde(deserialize_with = "Option::deserialize")]
    pub cores: Option<u32>,
    /// Hardware threads (logical CPUs) the kernel sees.
    pub threads: u32,
    /// Highest frequency the kernel reports, MHz.
    #[serde(deserialize_with = "Option::deserialize")]
    pub max_mhz: Option<u32>,
    /// x86-64 microarchitecture level (1-4) from the CPU flags; null when not x86-64.
    #[serde(deserialize_with = "Option::deserialize")]
    pub x86_64_level: Option<u8>,
}

/// Memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostMemory {
    /// What the operating system sees (a little less than what is installed).
    pub visible_bytes: u64,
    /// Sum of the installed modules (SMBIOS memory devices); null when the firmware lists none.
    #[serde(deserialize_with = "Option::deserialize")]
    pub installed_bytes: Option<u64>,
    /// Installed modules, empty slots left out.
    pub modules: Vec<MemoryModule>,
}

/// One memory module (SMBIOS type 17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryModule {
    /// Module size in bytes.
    pub size_bytes: u64,
    /// Memory type (`ddr3`, `ddr4`, `ddr5`, `lpddr4`…); null when not reported.
    #[serde(deserialize_with = "Option::deserialize")]
    pub kind: Option<String>,
    /// Rated speed, megatransfers per second.
    #[serde(deserialize_with = "Option::deserialize")]
    pub speed_mts: Option<u32>,
    /// `dimm`, `sodimm`, `soldered` (SMBIOS "row of chips"), …; null when not reported.
    #[serde(deserialize_with = "Option::deserialize")]
    pub form_factor: Option<String>,
}

/// The unit a battery reports its capacity in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapacityUnit {
    /// milliwatt-hours (the kernel's `energy_*` attributes).
    Mwh,
    /// milliampere-hours (the kernel's `charge_*` attributes).
    Mah,
}

/// One battery (`/sys/class/power_supply/*` of type `Battery`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostBattery {
    /// Kernel name (`BAT0`).
    pub name: String,
    /// Battery manufacturer, as reported.
    #[serde(deserialize_with = "Option::deserialize")]
    pub manufacturer: Option<String>,
    /// Battery model name, as reported.
    #[serde(deserialize_with = "Option::deserialize")]
    pub model: Option<String>,
    /// `Li-ion`, `Li-poly`, …
    #[serde(deserialize_with = "Option::deserialize")]
    pub technology: Option<String>,
    /// The unit of `design_capacity` and `full_capacity`.
    pub unit: CapacityUnit,
    /// Capacity when new, in `unit`.
    #[serde(deserialize_with = "Option::deserialize")]
    pub design_capacity: Option<u64>,
    /// Capacity of a full charge today, in `unit`.
    #[serde(deserialize_with = "Option::deserialize")]
    pub full_capacity: Option<u64>,
    /// `floor(full_capacity × 100 / design_capacity)`; null when either is unknown or the
    /// design capacity is 0.
    #[serde(deserialize_with = "Option::deserialize")]
    pub health_percent: Option<u32>,
    /// Charge cycles, as reported; null when not reported.
    #[serde(deserialize_with = "Option::deserialize")]
    pub cycle_count: Option<u32>,
}

impl HostBattery {
    /// The health figure the capacities give (the rule `health_percent` must follow).
    pub fn computed_health_percent(&self) -> Option<u32> {
        health_percent(self.design_capacity?, self.full_capacity?)
    }
}

/// `floor(full × 100 / design)`, None when `design` is 0.
pub fn health_percent(design: u64, full: u64) -> Option<u32> {
    (design > 0).then(|| (full as u128 * 100 / design as u128).min(u32::MAX as u128) as u32)
}

/// One display, from its EDID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostDisplay {
    /// DRM connector (`eDP-1`, `HDMI-A-1`).
    pub connector: String,
    /// The machine's own panel (eDP, LVDS, DSI), not a monitor plugged into it.
    pub internal: bool,
    /// Physical width of the image, in millimetres (EDID); null when not given.
    #[serde(deserialize_with = "Option::deserialize")]
    pub width_mm: Option<u32>,
    /// Physical height of the image, in millimetres (EDID); null when not given.
    #[serde(deserialize_with = "Option::deserialize")]
    pub height_mm: Option<u32>,
    /// Diagonal in tenths of an inch (140 = 14.0"), rounded to the nearest.
    #[serde(deserialize_with = "Option::deserialize")]
    pub diagonal_tenths_inch: Option<u32>,
    /// Native resolution (the EDID's preferred timing).
    #[serde(deserialize_with = "Option::deserialize")]
    pub width_px: Option<u32>,
    /// Native vertical resolution in pixels.
    #[serde(deserialize_with = "Option::deserialize")]
    pub height_px: Option<u32>,
}

/// The diagonal of a `w` × `h` mm panel in tenths of an inch, rounded.
pub fn diagonal_tenths_inch(width_mm: u32, height_mm: u32) -> u32 {
    let d = ((width_mm as f64).powi(2) + (height_mm as f64).powi(2)).sqrt();
    (d / 25.4 * 10.0).round() as u32
}

/// Whether the machine meets one operating system's published minimums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OsMinimum {
    /// `windows-11`, `ubuntu-desktop-24.04` (docs/certificate.md lists what each checks).
    pub id: String,
    /// true: every requirement checked is met; false: at least one is not; null: none failed
    /// but some could not be checked.
    #[serde(deserialize_with = "Option::deserialize")]
    pub met: Option<bool>,
    /// Requirements not met (`cpu-generation`, `memory`, `tpm-2.0`, …).
    pub unmet: Vec<String>,
    /// Requirements that could not be checked.
    pub unknown: Vec<String>,
}

impl OsMinimum {
    /// `met` as the lists give it (the rule the field must follow).
    pub fn computed_met(&self) -> Option<bool> {
        if !self.unmet.is_empty() {
            Some(false)
        } else if self.unknown.is_empty() {
            Some(true)
        } else {
            None
        }
    }
}

impl HostHardware {
    /// The documentation's example: a ThinkPad T480 with a worn battery.
    pub fn example() -> HostHardware {
        HostHardware {
            cpu: HostCpu {
                model: Some("Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz".into()),
                vendor: Some("GenuineIntel".into()),
                line: Some("intel-core".into()),
                generation: Some(8),
                cores: Some(4),
                threads: 8,
                max_mhz: Some(3400),
                x86_64_level: Some(3),
            },
            memory: HostMemory {
                visible_bytes: 8_254_115_840,
                installed_bytes: Some(8 << 30),
                modules: vec![MemoryModule {
                    size_bytes: 8 << 30,
                    kind: Some("ddr4".into()),
                    speed_mts: Some(2400),
                    form_factor: Some("sodimm".into()),
                }],
            },
            tpm_version: Some("2.0".into()),
            batteries: vec![HostBattery {
                name: "BAT0".into(),
                manufacturer: Some("SMP".into()),
                model: Some("01AV423".into()),
                technology: Some("Li-poly".into()),
                unit: CapacityUnit::Mwh,
                design_capacity: Some(24_048),
                full_capacity: Some(10_820),
                health_percent: Some(44),
                cycle_count: Some(612),
            }],
            displays: vec![HostDisplay {
                connector: "eDP-1".into(),
                internal: true,
                width_mm: Some(309),
                height_mm: Some(174),
                diagonal_tenths_inch: Some(140),
                width_px: Some(1920),
                height_px: Some(1080),
            }],
            os_minimums: vec![
                OsMinimum {
                    id: "windows-11".into(),
                    met: Some(true),
                    unmet: vec![],
                    unknown: vec![],
                },
                OsMinimum {
                    id: "ubuntu-desktop-24.04".into(),
                    met: Some(true),
                    unmet: vec![],
                    unknown: vec![],
                },
            ],
        }
    }
}

/// Cross-field problems of `h` as (path below `host.hardware`, message).
pub fn check(h: &HostHardware) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let p = "host.hardware";
    if h.cpu.x86_64_level.is_some_and(|l| !(1..=4).contains(&l)) {
        out.push((format!("{p}.cpu.x86_64_level"), "must be 1 to 4".into()));
    }
    if let (Some(total), false) = (h.memory.installed_bytes, h.memory.modules.is_empty()) {
        let sum: u64 = h.memory.modules.iter().map(|m| m.size_bytes).sum();
        if sum != total {
            out.push((
                format!("{p}.memory.installed_bytes"),
                format!("{total} is not the sum of the modules ({sum})"),
            ));
        }
    }
    for (n, b) in h.batteries.iter().enumerate() {
        if b.health_percent != b.computed_health_percent() {
            out.push((
                format!("{p}.batteries[{n}].health_percent"),
                format!(
                    "must be floor(full_capacity × 100 / design_capacity): {:?}",
                    b.computed_health_percent()
                ),
            ));
        }
    }
    for (n, d) in h.displays.iter().enumerate() {
        if let (Some(w), Some(hh), Some(diag)) = (d.width_mm, d.height_mm, d.diagonal_tenths_inch) {
            if diag != diagonal_tenths_inch(w, hh) {
                out.push((
                    format!("{p}.displays[{n}].diagonal_tenths_inch"),
                    format!(
                        "{diag} does not match {w} × {hh} mm ({})",
                        diagonal_tenths_inch(w, hh)
                    ),
                ));
            }
        }
    }
    for (n, m) in h.os_minimums.iter().enumerate() {
        if m.met != m.computed_met() {
            out.push((
                format!("{p}.os_minimums[{n}].met"),
                "must be false when a requirement is unmet, null when one is unknown, true otherwise"
                    .into(),
            ));
        }
        for r in m.unmet.iter().chain(&m.unknown) {
            if !is_requirement_id(r) {
                out.push((
                    format!("{p}.os_minimums[{n}]"),
                    format!("requirement {r:?} is not an id of a-z, 0-9, dots and dashes"),
                ));
            }
        }
    }
    out
}

/// Requirement ids: lowercase letters, digits, dots and dashes (`tpm-2.0`, `cpu-generation`).
fn is_requirement_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

/// Calls `f(path, value, rule)` for every text field of `h` (for [`crate::text`]).
pub fn visit_texts(h: &mut HostHardware, f: &mut dyn FnMut(&str, &mut String, TextRule)) {
    let p = "host.hardware";
    let mut opt = |path: &str, v: &mut Option<String>, rule: TextRule| {
        if let Some(s) = v {
            f(path, s, rule)
        }
    };
    opt(&format!("{p}.cpu.model"), &mut h.cpu.model, NAME);
    opt(&format!("{p}.cpu.vendor"), &mut h.cpu.vendor, ID);
    opt(&format!("{p}.cpu.line"), &mut h.cpu.line, ID);
    opt(&format!("{p}.tpm_version"), &mut h.tpm_version, ID);
    for (n, m) in h.memory.modules.iter_mut().enumerate() {
        opt(&format!("{p}.memory.modules[{n}].kind"), &mut m.kind, ID);
        opt(
            &format!("{p}.memory.modules[{n}].form_factor"),
            &mut m.form_factor,
            ID,
        );
    }
    for (n, b) in h.batteries.iter_mut().enumerate() {
        opt(
            &format!("{p}.batteries[{n}].manufacturer"),
            &mut b.manufacturer,
            NAME,
        );
        opt(&format!("{p}.batteries[{n}].model"), &mut b.model, NAME);
        opt(
            &format!("{p}.batteries[{n}].technology"),
            &mut b.technology,
            ID,
        );
    }
    for (n, b) in h.batteries.iter_mut().enumerate() {
        f(&format!("{p}.batteries[{n}].name"), &mut b.name, ID);
    }
    for (n, d) in h.displays.iter_mut().enumerate() {
        f(
            &format!("{p}.displays[{n}].connector"),
            &mut d.connector,
            ID,
        );
    }
    for (n, m) in h.os_minimums.iter_mut().enumerate() {
        f(&format!("{p}.os_minimums[{n}].id"), &mut m.id, ID);
        for (i, r) in m.unmet.iter_mut().enumerate() {
            f(&format!("{p}.os_minimums[{n}].unmet[{i}]"), r, ID);
        }
        for (i, r) in m.unknown.iter_mut().enumerate() {
            f(&format!("{p}.os_minimums[{n}].unknown[{i}]"), r, ID);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_is_consistent() {
        assert_eq!(check(&HostHardware::example()), Vec::new());
    }

    #[test]
    fn derived_figures_must_match_the_facts() {
        let mut h = HostHardware::example();
        h.batteries[0].health_percent = Some(80);
        h.displays[0].diagonal_tenths_inch = Some(156);
        h.os_minimums[0].unmet = vec!["tpm-2.0".into()];
        h.os_minimums[1].unknown = vec!["Memory".into()];
        h.memory.installed_bytes = Some(16 << 30);
        h.cpu.x86_64_level = Some(7);
        let paths: Vec<String> = check(&h).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "host.hardware.cpu.x86_64_level",
                "host.hardware.memory.installed_bytes",
                "host.hardware.batteries[0].health_percent",
                "host.hardware.displays[0].diagonal_tenths_inch",
                "host.hardware.os_minimums[0].met",
                "host.hardware.os_minimums[1].met",
                "host.hardware.os_minimums[1]",
            ]
        );
    }

    #[test]
    fn health_and_diagonal_rules() {
        assert_eq!(health_percent(24_048, 10_820), Some(44));
        assert_eq!(health_percent(0, 10), None);
        assert_eq!(health_percent(50_000, 51_000), Some(102));
        // A 14" 16:9 panel, a 15.6" one.
        assert_eq!(diagonal_tenths_inch(309, 174), 140);
        assert_eq!(diagonal_tenths_inch(344, 194), 155);
    }
}
