//! A grade for reuse: the machine's hardware facts against published operating-system
//! minimums (facts), then against the workshop's reuse policy (`[reuse]` in ardoise.toml),
//! which suggests a destination — reuse, parts or recycling — with its reasons. The technician
//! confirms or changes it; the certificate keeps both (`disposition.destination` and
//! `disposition.suggestion`).
//!
//! Unknown facts never count against a machine: only what the machine reported is judged.

use ardoise_cert::payload as cm;
use ardoise_disk::hardware::{CpuLine, HardwareFacts};
use ardoise_disk::health::HealthGrade;
use ardoise_disk::inventory::{FirmwareKind, MachineInventory, SecureBootState};
use serde::{Deserialize, Serialize};

const GIB: u64 = 1 << 30;

/// Operating systems whose minimums are checked (docs/certificate.md says what each checks).
pub const WINDOWS_11: &str = "windows-11";
/// Ubuntu Desktop 24.04 LTS: the default system of [`ReusePolicy::os`].
pub const UBUNTU_DESKTOP: &str = "ubuntu-desktop-24.04";
/// Every system id a policy may name (besides `none`).
pub const OS_IDS: [&str; 2] = [WINDOWS_11, UBUNTU_DESKTOP];

/// The workshop's reuse policy (`[reuse]` of ardoise.toml).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReusePolicy {
    /// Name written into certificates (`disposition.suggestion.policy`).
    pub id: String,
    /// The system the workshop installs on reused machines: its minimums must be met
    /// (`ubuntu-desktop-24.04`, `windows-11`, or `none`).
    pub os: String,
    /// Least installed memory for reuse, GiB.
    pub min_memory_gib: u32,
    /// Least battery health for reuse (full charge / design capacity), percent.
    pub min_battery_percent: u32,
    /// Most charge cycles for reuse; unset: not judged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_battery_cycles: Option<u32>,
    /// A disk graded failing keeps the machine from reuse as it is.
    pub failing_disk_blocks_reuse: bool,
    /// Memory types worth keeping as spare parts (removable modules only).
    pub parts_memory_kinds: Vec<String>,
    /// A disk graded good is worth keeping as a spare part.
    pub parts_keep_good_disks: bool,
}

impl Default for ReusePolicy {
    fn default() -> Self {
        ReusePolicy {
            id: "reuse-default".into(),
            os: UBUNTU_DESKTOP.into(),
            min_memory_gib: 4,
            min_battery_percent: 50,
            max_battery_cycles: None,
            failing_disk_blocks_reuse: true,
            parts_memory_kinds: vec!["ddr4".into(), "ddr5".into()],
            parts_keep_good_disks: true,
        }
    }
}

impl ReusePolicy {
    /// What a configuration file may not say, as (setting, message).
    pub fn check(&self) -> Result<(), (String, String)> {
        if !ardoise_cert::validate::is_kebab(&self.id) {
            return Err(("reuse.id".into(), "must be a kebab-case id".into()));
        }
        if self.os != "none" && !OS_IDS.contains(&self.os.as_str()) {
            return Err((
                "reuse.os".into(),
                format!(
                    "unknown system {:?} (known: {}, none)",
                    self.os,
                    OS_IDS.join(", ")
                ),
            ));
        }
        Ok(())
    }
}

/// One disk of the machine, for the grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskGrade {
    /// The disk's kernel name (`sda`, `nvme0n1`), as reasons name it.
    pub name: String,
    /// Its health grade; `Unknown` when no health was read (never counts against the machine).
    pub grade: HealthGrade,
}

/// Installed memory: the modules' sum, else what the system sees.
fn installed_memory(h: &HardwareFacts, inv: &MachineInventory) -> u64 {
    h.memory_installed_bytes()
        .unwrap_or(if h.memory_visible_bytes > 0 {
            h.memory_visible_bytes
        } else {
            inv.memory_bytes
        })
}

/// Whether the machine has at least `gib` GiB. Without SMBIOS modules, what the system sees
/// counts when it is at least 90 % of it (firmware and graphics reserve some).
fn memory_at_least(h: &HardwareFacts, inv: &MachineInventory, gib: u64) -> bool {
    match h.memory_installed_bytes() {
        Some(b) => b >= gib * GIB,
        None => installed_memory(h, inv) * 10 >= gib * GIB * 9,
    }
}

/// Whether the processor is of a generation Windows 11's processor lists include (Intel Core
/// 8th generation and later, Core Ultra, AMD Ryzen 2000 and later); None when the model name
/// tells no generation.
fn windows_11_cpu(h: &HardwareFacts) -> Option<bool> {
    match (h.cpu.line?, h.cpu.generation) {
        (CpuLine::IntelCoreUltra, _) => Some(true),
        (CpuLine::IntelCore, Some(g)) => Some(g >= 8),
        (CpuLine::AmdRyzen, Some(g)) => Some(g >= 2),
        _ => None,
    }
}

/// The published minimums of `os` checked against the facts.
pub fn os_minimum(os: &str, h: &HardwareFacts, inv: &MachineInventory) -> cm::OsMinimum {
    let cores = h.cpu.cores.or(inv.cpu_physical_cores);
    let mut checks: Vec<(&str, Option<bool>)> = vec![
        ("cpu-64-bit", h.cpu.x86_64_level.map(|_| true)),
        ("cpu-cores", cores.map(|c| c >= 2)),
    ];
    if os == WINDOWS_11 {
        checks.extend([
            ("cpu-generation", windows_11_cpu(h)),
            ("cpu-frequency", h.cpu.max_mhz.map(|m| m >= 1000)),
            ("memory", Some(memory_at_least(h, inv, 4))),
            ("tpm-2.0", Some(h.tpm_version.as_deref() == Some("2.0"))),
            ("uefi", (inv.firmware == FirmwareKind::Uefi).then_some(true)),
            (
                "secure-boot-capable",
                (inv.firmware == FirmwareKind::Uefi && inv.secure_boot != SecureBootState::Unknown)
                    .then_some(true),
            ),
        ]);
    } else {
        checks.extend([
            ("cpu-frequency", h.cpu.max_mhz.map(|m| m >= 2000)),
            ("memory", Some(memory_at_least(h, inv, 4))),
        ]);
    }
    if h.cpu.x86_64_level.is_none() && h.cpu.model.is_none() {
        // Nothing was read about the processor: its checks are unknown, not failed.
        checks.retain(|(id, _)| !id.starts_with("cpu-"));
        checks.extend([("cpu-64-bit", None), ("cpu-cores", None)]);
    }
    let unmet: Vec<String> = checks
        .iter()
        .filter(|(_, v)| *v == Some(false))
        .map(|(id, _)| id.to_string())
        .collect();
    let unknown: Vec<String> = checks
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(id, _)| id.to_string())
        .collect();
    let mut m = cm::OsMinimum {
        id: os.to_string(),
        met: None,
        unmet,
        unknown,
    };
    m.met = m.computed_met();
    m
}

/// The certificate's `host.hardware`.
pub fn host_hardware(h: &HardwareFacts, inv: &MachineInventory) -> cm::HostHardware {
    use ardoise_cert::host_hardware as hh;
    cm::HostHardware {
        cpu: hh::HostCpu {
            model: h.cpu.model.clone().or_else(|| inv.cpu_model.clone()),
            vendor: h.cpu.vendor.clone(),
            line: h.cpu.line.map(|l| l.as_str().to_string()),
            generation: h.cpu.generation,
            cores: h.cpu.cores.or(inv.cpu_physical_cores),
            threads: if h.cpu.threads > 0 {
                h.cpu.threads
            } else {
                inv.cpu_threads
            },
            max_mhz: h.cpu.max_mhz,
            x86_64_level: h.cpu.x86_64_level,
        },
        memory: hh::HostMemory {
            visible_bytes: if h.memory_visible_bytes > 0 {
                h.memory_visible_bytes
            } else {
                inv.memory_bytes
            },
            installed_bytes: h.memory_installed_bytes(),
            modules: h
                .memory_modules
                .iter()
                .map(|m| hh::MemoryModule {
                    size_bytes: m.size_bytes,
                    kind: m.kind.clone(),
                    speed_mts: m.speed_mts,
                    form_factor: m.form_factor.clone(),
                })
                .collect(),
        },
        tpm_version: h.tpm_version.clone(),
        batteries: h
            .batteries
            .iter()
            .map(|b| hh::HostBattery {
                name: b.name.clone(),
                manufacturer: b.manufacturer.clone(),
                model: b.model.clone(),
                technology: b.technology.clone(),
                unit: match b.unit {
                    ardoise_disk::hardware::CapacityUnit::Mwh => hh::CapacityUnit::Mwh,
                    ardoise_disk::hardware::CapacityUnit::Mah => hh::CapacityUnit::Mah,
                },
                design_capacity: b.design_capacity,
                full_capacity: b.full_capacity,
                health_percent: b.health_percent(),
                cycle_count: b.cycle_count,
            })
            .collect(),
        displays: h
            .displays
            .iter()
            .map(|d| hh::HostDisplay {
                connector: d.connector.clone(),
                internal: d.internal,
                width_mm: d.width_mm,
                height_mm: d.height_mm,
                diagonal_tenths_inch: d
                    .width_mm
                    .zip(d.height_mm)
                    .map(|(w, h)| hh::diagonal_tenths_inch(w, h)),
                width_px: d.width_px,
                height_px: d.height_px,
            })
            .collect(),
        os_minimums: OS_IDS.iter().map(|os| os_minimum(os, h, inv)).collect(),
    }
}

/// A spare part worth keeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeptPart {
    /// Removable memory of one type, all modules together.
    Memory {
        /// The memory type, as `parts_memory_kinds` names it (`ddr4`).
        kind: String,
        /// The modules' total size, bytes.
        bytes: u64,
    },
    /// A disk graded good.
    Disk {
        /// The disk's kernel name.
        name: String,
    },
}

/// Why the policy suggests what it suggests (each front end words it in its language; the
/// certificate carries [`ReuseReason::code`] and [`ReuseReason::english`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReuseReason {
    /// The machine fails some of the reuse system's published minimums.
    OsMinimumUnmet {
        /// The system id (`windows-11`, `ubuntu-desktop-24.04`).
        os: String,
        /// The ids of the checks reported failed (`cpu-cores`, `memory`, …); unknown ones are not here.
        unmet: Vec<String>,
    },
    /// Less memory than the policy's `min_memory_gib`.
    MemoryBelowPolicy {
        /// Installed memory in bytes: the modules' sum, else what the system sees.
        installed_bytes: u64,
        /// The policy's minimum, GiB.
        min_gib: u32,
    },
    /// A battery holds less than the policy's `min_battery_percent` of its design capacity.
    BatteryWorn {
        /// The battery's name as the system reports it (`BAT0`).
        name: String,
        /// Full charge over design capacity, percent.
        percent: u32,
        /// The policy's minimum, percent.
        min_percent: u32,
    },
    /// A battery has more charge cycles than the policy's `max_battery_cycles`.
    BatteryCycles {
        /// The battery's name as the system reports it (`BAT0`).
        name: String,
        /// Charge cycles the battery reports.
        cycles: u32,
        /// The policy's maximum.
        max: u32,
    },
    /// A disk predicts its own failure (and the policy blocks reuse for that).
    DiskFailing {
        /// The disk's kernel name.
        name: String,
    },
    /// Every judged fact meets the policy: suggested for reuse.
    MeetsPolicy,
    /// Not for reuse, but these parts are worth keeping: suggested for parts.
    PartsWorthKeeping {
        /// The parts, memory grouped by type.
        parts: Vec<KeptPart>,
    },
    /// Not for reuse and nothing the policy keeps: suggested for recycling.
    NothingWorthKeeping,
}

impl ReuseReason {
    /// The code of the vocabulary (docs/certificate.md).
    pub fn code(&self) -> &'static str {
        match self {
            ReuseReason::OsMinimumUnmet { .. } => "os-minimum-unmet",
            ReuseReason::MemoryBelowPolicy { .. } => "memory-below-policy",
            ReuseReason::BatteryWorn { .. } => "battery-worn",
            ReuseReason::BatteryCycles { .. } => "battery-cycles",
            ReuseReason::DiskFailing { .. } => "disk-failing",
            ReuseReason::MeetsPolicy => "meets-policy",
            ReuseReason::PartsWorthKeeping { .. } => "parts-worth-keeping",
            ReuseReason::NothingWorthKeeping => "nothing-worth-keeping",
        }
    }

    /// In words, for the certificate (English, like every sentence of it).
    pub fn english(&self, policy: &ReusePolicy) -> String {
        match self {
            ReuseReason::OsMinimumUnmet { os, unmet } => {
                format!("does not meet the {os} minimums: {}", unmet.join(", "))
            }
            ReuseReason::MemoryBelowPolicy {
                installed_bytes,
                min_gib,
            } => format!(
                "{} of memory (policy: at least {min_gib} GiB)",
                gib(*installed_bytes)
            ),
            ReuseReason::BatteryWorn {
                name,
                percent,
                min_percent,
            } => format!(
                "battery {name} holds {percent} % of its design capacity (policy: at least {min_percent} %)"
            ),
            ReuseReason::BatteryCycles { name, cycles, max } => {
                format!("battery {name} has {cycles} charge cycles (policy: at most {max})")
            }
            ReuseReason::DiskFailing { name } => format!("disk {name} predicts its own failure"),
            ReuseReason::MeetsPolicy => format!(
                "meets the reuse policy {}{}, at least {} GiB of memory, batteries at least {} %",
                policy.id,
                if policy.os == "none" {
                    String::new()
                } else {
                    format!(": the {} minimums", policy.os)
                },
                policy.min_memory_gib,
                policy.min_battery_percent
            ),
            ReuseReason::PartsWorthKeeping { parts } => parts
                .iter()
                .map(|p| match p {
                    KeptPart::Memory { kind, bytes } => {
                        format!("{} of {} memory", gib(*bytes), kind.to_uppercase())
                    }
                    KeptPart::Disk { name } => format!("disk {name} (good health)"),
                })
                .collect::<Vec<_>>()
                .join("; "),
            ReuseReason::NothingWorthKeeping => {
                "no part the policy keeps (memory types, good disks)".into()
            }
        }
    }
}

/// The policy's grade of a machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    /// The suggested destination (reuse, parts or recycling).
    pub destination: cm::Destination,
    /// The policy the machine was graded against (its id goes into the certificate).
    pub policy: ReusePolicy,
    /// Why: the unmet requirements, or what meets the policy or is worth keeping.
    pub reasons: Vec<ReuseReason>,
}

impl Grade {
    /// The certificate's `disposition.suggestion`.
    pub fn suggestion(&self) -> cm::Suggestion {
        cm::Suggestion {
            destination: self.destination,
            policy: self.policy.id.clone(),
            reasons: self
                .reasons
                .iter()
                .map(|r| cm::SuggestionReason {
                    code: r.code().into(),
                    detail: r.english(&self.policy),
                })
                .collect(),
        }
    }
}

/// `n` bytes as GiB with one decimal.
pub fn gib(n: u64) -> String {
    format!("{:.1} GiB", n as f64 / GIB as f64)
}

/// What keeps the machine from reuse under `policy`.
fn against_reuse(
    h: &HardwareFacts,
    inv: &MachineInventory,
    disks: &[DiskGrade],
    policy: &ReusePolicy,
) -> Vec<ReuseReason> {
    let mut out = Vec::new();
    if policy.os != "none" {
        let m = os_minimum(&policy.os, h, inv);
        if m.met == Some(false) {
            out.push(ReuseReason::OsMinimumUnmet {
                os: m.id,
                unmet: m.unmet,
            });
        }
    }
    if !memory_at_least(h, inv, policy.min_memory_gib as u64) {
        out.push(ReuseReason::MemoryBelowPolicy {
            installed_bytes: installed_memory(h, inv),
            min_gib: policy.min_memory_gib,
        });
    }
    for b in &h.batteries {
        if let Some(p) = b
            .health_percent()
            .filter(|p| *p < policy.min_battery_percent)
        {
            out.push(ReuseReason::BatteryWorn {
                name: b.name.clone(),
                percent: p,
                min_percent: policy.min_battery_percent,
            });
        }
        if let (Some(c), Some(max)) = (b.cycle_count, policy.max_battery_cycles) {
            if c > max {
                out.push(ReuseReason::BatteryCycles {
                    name: b.name.clone(),
                    cycles: c,
                    max,
                });
            }
        }
    }
    if policy.failing_disk_blocks_reuse {
        for d in disks.iter().filter(|d| d.grade == HealthGrade::Failing) {
            out.push(ReuseReason::DiskFailing {
                name: d.name.clone(),
            });
        }
    }
    out
}

/// What is worth keeping as spare parts under `policy`.
fn parts_worth_keeping(
    h: &HardwareFacts,
    disks: &[DiskGrade],
    policy: &ReusePolicy,
) -> Vec<KeptPart> {
    let mut kept: Vec<KeptPart> = Vec::new();
    let removable = h
        .memory_modules
        .iter()
        .filter(|m| m.form_factor.as_deref() != Some("soldered"));
    for m in removable {
        let Some(kind) = m
            .kind
            .as_deref()
            .filter(|k| policy.parts_memory_kinds.iter().any(|p| p == k))
        else {
            continue;
        };
        let same = kept.iter_mut().find_map(|p| match p {
            KeptPart::Memory { kind: k, bytes } if k == kind => Some(bytes),
            _ => None,
        });
        match same {
            Some(bytes) => *bytes += m.size_bytes,
            None => kept.push(KeptPart::Memory {
                kind: kind.to_string(),
                bytes: m.size_bytes,
            }),
        }
    }
    if policy.parts_keep_good_disks {
        for d in disks.iter().filter(|d| d.grade == HealthGrade::Good) {
            kept.push(KeptPart::Disk {
                name: d.name.clone(),
            });
        }
    }
    kept
}

/// The policy's grade of the machine: the destination it suggests, with its reasons.
pub fn grade(
    h: &HardwareFacts,
    inv: &MachineInventory,
    disks: &[DiskGrade],
    policy: &ReusePolicy,
) -> Grade {
    let mut reasons = against_reuse(h, inv, disks, policy);
    let destination = if reasons.is_empty() {
        reasons.push(ReuseReason::MeetsPolicy);
        cm::Destination::Reuse
    } else {
        let parts = parts_worth_keeping(h, disks, policy);
        if parts.is_empty() {
            reasons.push(ReuseReason::NothingWorthKeeping);
            cm::Destination::Recycling
        } else {
            reasons.push(ReuseReason::PartsWorthKeeping { parts });
            cm::Destination::Parts
        }
    };
    Grade {
        destination,
        policy: policy.clone(),
        reasons,
    }
}

/// The certificate's suggestion for the machine ([`grade`] in the certificate's words).
pub fn suggest(
    h: &HardwareFacts,
    inv: &MachineInventory,
    disks: &[DiskGrade],
    policy: &ReusePolicy,
) -> cm::Suggestion {
    grade(h, inv, disks, policy).suggestion()
}

#[cfg(test)]
mod tests;
