//! The processor from `/proc/cpuinfo` and cpufreq: model, vendor, cores, the highest
//! frequency, the x86-64 microarchitecture level its flags give, and the product line and
//! generation its model name gives (what the Windows 11 processor lists go by).

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// What the station knows about the processor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuFacts {
    /// Model name as /proc/cpuinfo gives it, white space collapsed.
    pub model: Option<String>,
    /// Vendor id (`GenuineIntel`, `AuthenticAMD`).
    pub vendor: Option<String>,
    /// The product line the model name belongs to, when known.
    pub line: Option<CpuLine>,
    /// The generation within that line, read from the model name.
    pub generation: Option<u32>,
    /// Physical cores (cores per package × packages), when reported.
    pub cores: Option<u32>,
    /// Logical processors listed.
    pub threads: u32,
    /// Highest frequency in MHz: cpufreq's maximum, else the highest `cpu MHz` in cpuinfo.
    pub max_mhz: Option<u32>,
    /// x86-64 microarchitecture level (1 to 4) the CPU flags satisfy.
    pub x86_64_level: Option<u8>,
}

/// Product lines whose generation a model name tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CpuLine {
    /// Intel Core i3/i5/i7/i9: the generation is the model number's leading digits.
    IntelCore,
    /// Intel Core Ultra (2023 on): every one is newer than any Core i generation.
    IntelCoreUltra,
    /// AMD Ryzen: the generation is the series' first digit (Ryzen 5 2500U: 2).
    AmdRyzen,
}

impl CpuLine {
    /// The stable kebab-case name used in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            CpuLine::IntelCore => "intel-core",
            CpuLine::IntelCoreUltra => "intel-core-ultra",
            CpuLine::AmdRyzen => "amd-ryzen",
        }
    }
}

/// Reads `<proc_root>/cpuinfo` and `<sys_root>/devices/system/cpu/cpu*/cpufreq`.
pub fn read_cpu(sys_root: &Path, proc_root: &Path) -> CpuFacts {
    let text = std::fs::read_to_string(proc_root.join("cpuinfo")).unwrap_or_default();
    let mut facts = parse_cpuinfo(&text);
    facts.max_mhz = max_mhz(sys_root).or(facts.max_mhz);
    facts
}

/// The highest `cpuinfo_max_freq` (kHz) of any CPU, in MHz.
fn max_mhz(sys_root: &Path) -> Option<u32> {
    let dir = sys_root.join("devices/system/cpu");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            crate::system::read_attr(&e.path().join("cpufreq/cpuinfo_max_freq"))?
                .parse::<u64>()
                .ok()
        })
        .max()
        .map(|khz| (khz / 1000) as u32)
}

/// Parses the text of `/proc/cpuinfo` (x86 layout: `key\t: value` lines, one block per
/// logical CPU).
pub fn parse_cpuinfo(text: &str) -> CpuFacts {
    let mut facts = CpuFacts::default();
    let mut cores_per_package: Option<u32> = None;
    let mut packages: BTreeSet<String> = BTreeSet::new();
    let mut flags: Option<BTreeSet<String>> = None;
    let mut mhz: Option<f64> = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "processor" => facts.threads += 1,
            "vendor_id" if facts.vendor.is_none() => facts.vendor = Some(value.to_string()),
            "model name" if facts.model.is_none() && !value.is_empty() => {
                facts.model = Some(value.split_whitespace().collect::<Vec<_>>().join(" "))
            }
            "cpu cores" if cores_per_package.is_none() => cores_per_package = value.parse().ok(),
            "physical id" => {
                packages.insert(value.to_string());
            }
            "flags" if flags.is_none() => {
                flags = Some(value.split_whitespace().map(str::to_string).collect())
            }
            "cpu MHz" => {
                let v: Option<f64> = value.parse().ok();
                mhz = match (mhz, v) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                }
            }
            _ => {}
        }
    }
    facts.cores = cores_per_package.map(|c| c * packages.len().max(1) as u32);
    facts.x86_64_level = flags.as_ref().and_then(x86_64_level);
    facts.max_mhz = mhz.map(|m| m.round() as u32);
    if let Some(model) = &facts.model {
        if let Some((line, generation)) = line_and_generation(model) {
            facts.line = Some(line);
            facts.generation = generation;
        }
    }
    facts
}

/// The x86-64 psABI microarchitecture level the flags reach (1-4); None without long mode.
pub fn x86_64_level(flags: &BTreeSet<String>) -> Option<u8> {
    let has = |list: &[&str]| list.iter().all(|f| flags.contains(*f));
    if !has(&["lm", "cmov", "cx8", "fpu", "fxsr", "mmx", "syscall", "sse2"]) {
        return None;
    }
    // `pni` is SSE3 and `abm` LZCNT in the kernel's names.
    let v2 = has(&[
        "cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3",
    ]);
    let v3 = v2
        && has(&[
            "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave",
        ]);
    let v4 = v3 && has(&["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"]);
    Some(match (v2, v3, v4) {
        (_, _, true) => 4,
        (_, true, _) => 3,
        (true, _, _) => 2,
        _ => 1,
    })
}

/// The product line and generation a model name tells: `Intel(R) Core(TM) i5-8250U` →
/// (intel-core, 8); `i7-10510U` → 10; `i5-1135G7` and `i5-1235U` → 11, 12; `Core Ultra 7
/// 155H` → (intel-core-ultra, None); `AMD Ryzen 5 2500U` → (amd-ryzen, 2). None for names
/// that tell neither (Celeron, Pentium, Xeon, Athlon, virtual CPUs).
pub fn line_and_generation(model: &str) -> Option<(CpuLine, Option<u32>)> {
    let lower = model.to_ascii_lowercase();
    if lower.contains("core(tm) ultra") || lower.contains("core ultra") {
        return Some((CpuLine::IntelCoreUltra, None));
    }
    if lower.contains("intel") {
        for tier in ["i3-", "i5-", "i7-", "i9-"] {
            if let Some(at) = lower.find(tier) {
                let digits: String = lower[at + 3..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                return Some((CpuLine::IntelCore, intel_generation(&digits)));
            }
        }
        return None;
    }
    if let Some(at) = lower.find("ryzen") {
        // "ryzen 5 2500u", "ryzen 7 pro 4750u", "ryzen threadripper 2950x"
        let series = lower[at + 5..]
            .split_whitespace()
            .find(|w| w.len() >= 4 && w.chars().take(4).all(|c| c.is_ascii_digit()))?;
        let generation = series.chars().next()?.to_digit(10)?;
        return Some((CpuLine::AmdRyzen, Some(generation)));
    }
    None
}

/// Intel Core model numbers: 3 digits are the first generation (i5-520M), 4 digits the
/// generation in the first digit (i5-8250U: 8) — or in the first two when they start with 1,
/// since no 4-digit model of generation 1 exists (i5-1135G7: 11, i5-1235U: 12) — and 5 digits
/// the first two (i7-10510U: 10, i5-12400: 12).
fn intel_generation(digits: &str) -> Option<u32> {
    match digits.len() {
        3 => Some(1),
        4 if digits.starts_with('1') => digits[..2].parse().ok(),
        4 => digits[..1].parse().ok(),
        5 => digits[..2].parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_from_model_names() {
        type Expected = Option<(CpuLine, Option<u32>)>;
        let cases: [(&str, Expected); 12] = [
            (
                "Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz",
                Some((CpuLine::IntelCore, Some(8))),
            ),
            (
                "Intel(R) Core(TM) i7-10510U CPU @ 1.80GHz",
                Some((CpuLine::IntelCore, Some(10))),
            ),
            (
                "11th Gen Intel(R) Core(TM) i5-1135G7 @ 2.40GHz",
                Some((CpuLine::IntelCore, Some(11))),
            ),
            (
                "12th Gen Intel(R) Core(TM) i5-1235U",
                Some((CpuLine::IntelCore, Some(12))),
            ),
            (
                "Intel(R) Core(TM) i5-3320M CPU @ 2.60GHz",
                Some((CpuLine::IntelCore, Some(3))),
            ),
            ("Intel(R) Core(TM) i5 CPU       M 520  @ 2.40GHz", None),
            (
                "Intel(R) Core(TM) Ultra 7 155H",
                Some((CpuLine::IntelCoreUltra, None)),
            ),
            (
                "AMD Ryzen 5 2500U with Radeon Vega Mobile Gfx",
                Some((CpuLine::AmdRyzen, Some(2))),
            ),
            (
                "AMD Ryzen 7 PRO 4750U with Radeon Graphics",
                Some((CpuLine::AmdRyzen, Some(4))),
            ),
            (
                "AMD Ryzen 7 1700 Eight-Core Processor",
                Some((CpuLine::AmdRyzen, Some(1))),
            ),
            ("Intel(R) Celeron(R) N4000 CPU @ 1.10GHz", None),
            ("QEMU Virtual CPU version 2.5+", None),
        ];
        for (name, want) in cases {
            assert_eq!(line_and_generation(name), want, "{name}");
        }
    }

    #[test]
    fn cpuinfo_of_a_four_core_laptop() {
        let mut text = String::new();
        for n in 0..8 {
            text.push_str(&format!(
                "processor\t: {n}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz\n\
                 cpu MHz\t\t: {}.000\nphysical id\t: 0\ncpu cores\t: 4\n\
                 flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx lm pni ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt xsave avx f16c lahf_lm abm bmi1 avx2 bmi2\n\n",
                800 + n * 100
            ));
        }
        let f = parse_cpuinfo(&text);
        assert_eq!(f.threads, 8);
        assert_eq!(f.cores, Some(4));
        assert_eq!(f.vendor.as_deref(), Some("GenuineIntel"));
        assert_eq!(f.line, Some(CpuLine::IntelCore));
        assert_eq!(f.generation, Some(8));
        assert_eq!(f.x86_64_level, Some(3));
        assert_eq!(f.max_mhz, Some(1500));
    }

    #[test]
    fn levels_from_flags() {
        let set = |s: &str| s.split_whitespace().map(str::to_string).collect();
        let v1 = "fpu cx8 cmov mmx fxsr sse sse2 syscall lm";
        assert_eq!(x86_64_level(&set(v1)), Some(1));
        let v2 = format!("{v1} cx16 lahf_lm popcnt pni sse4_1 sse4_2 ssse3");
        assert_eq!(x86_64_level(&set(&v2)), Some(2));
        // 32-bit only: no long mode.
        assert_eq!(x86_64_level(&set("fpu cx8 cmov mmx fxsr sse sse2")), None);
    }
}
