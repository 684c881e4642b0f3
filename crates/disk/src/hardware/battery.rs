//! Batteries from `/sys/class/power_supply` (the kernel's power-supply class ABI,
//! Documentation/ABI/testing/sysfs-class-power): supplies of type `Battery` powering the
//! system (not a wireless mouse's: `scope` = `Device`), with their design and full-charge
//! capacities — `energy_*` in µWh or `charge_*` in µAh — and their cycle count.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::system::read_attr;

/// The unit a battery reports its capacity in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapacityUnit {
    /// Energy: `energy_*` attributes (µWh), reported in mWh.
    Mwh,
    /// Charge: `charge_*` attributes (µAh), reported in mAh.
    Mah,
}

/// One battery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatteryFacts {
    /// The power supply's sysfs name (`BAT0`).
    pub name: String,
    /// Manufacturer, when reported.
    pub manufacturer: Option<String>,
    /// Model name, when reported.
    pub model: Option<String>,
    /// Cell chemistry (`Li-ion`, `Li-poly`), when known.
    pub technology: Option<String>,
    /// The unit of the capacities below.
    pub unit: CapacityUnit,
    /// In `unit` (milli), when new.
    pub design_capacity: Option<u64>,
    /// In `unit` (milli), a full charge today.
    pub full_capacity: Option<u64>,
    /// Charge/discharge cycles, when reported.
    pub cycle_count: Option<u32>,
}

impl BatteryFacts {
    /// Full charge as a share of the design capacity, percent (rounded down).
    pub fn health_percent(&self) -> Option<u32> {
        let (d, f) = (self.design_capacity?, self.full_capacity?);
        (d > 0).then(|| (f as u128 * 100 / d as u128) as u32)
    }
}

/// Every system battery under `<sys_root>/class/power_supply`, by name.
pub fn read_batteries(sys_root: &Path) -> Vec<BatteryFacts> {
    let dir = sys_root.join("class/power_supply");
    let mut out: Vec<BatteryFacts> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| battery(&e.path()))
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn battery(dir: &Path) -> Option<BatteryFacts> {
    let attr = |n: &str| read_attr(&dir.join(n));
    if attr("type")? != "Battery" || attr("scope").as_deref() == Some("Device") {
        return None;
    }
    let number = |n: &str| attr(n).and_then(|v| v.parse::<u64>().ok());
    // Micro-units in sysfs; milli-units in the record.
    let milli = |n: &str| number(n).map(|v| v / 1000);
    let (unit, design, full) =
        if attr("energy_full_design").is_some() || attr("energy_full").is_some() {
            (
                CapacityUnit::Mwh,
                milli("energy_full_design"),
                milli("energy_full"),
            )
        } else {
            (
                CapacityUnit::Mah,
                milli("charge_full_design"),
                milli("charge_full"),
            )
        };
    Some(BatteryFacts {
        name: dir.file_name()?.to_string_lossy().into_owned(),
        manufacturer: attr("manufacturer"),
        model: attr("model_name"),
        technology: attr("technology").filter(|t| t != "Unknown"),
        unit,
        design_capacity: design.filter(|v| *v > 0),
        full_capacity: full,
        cycle_count: number("cycle_count").map(|v| v.min(u32::MAX as u64) as u32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hardware::fake::{fake_battery, FakeBattery};

    #[test]
    fn worn_healthy_and_no_battery() {
        let root = tempfile::tempdir().unwrap();
        assert!(
            read_batteries(root.path()).is_empty(),
            "no power_supply at all"
        );
        fake_battery(root.path(), "AC", &FakeBattery::mains());
        assert!(read_batteries(root.path()).is_empty(), "mains only");
        fake_battery(root.path(), "BAT0", &FakeBattery::worn());
        fake_battery(root.path(), "BAT1", &FakeBattery::healthy_charge());
        fake_battery(root.path(), "hidpp_battery_0", &FakeBattery::mouse());
        let b = read_batteries(root.path());
        assert_eq!(b.len(), 2, "{b:?}");
        assert_eq!(b[0].name, "BAT0");
        assert_eq!(b[0].unit, CapacityUnit::Mwh);
        assert_eq!(
            (b[0].design_capacity, b[0].full_capacity),
            (Some(24_048), Some(10_820))
        );
        assert_eq!(b[0].health_percent(), Some(44));
        assert_eq!(b[0].cycle_count, Some(612));
        assert_eq!(b[0].technology.as_deref(), Some("Li-poly"));
        assert_eq!(b[1].unit, CapacityUnit::Mah);
        assert_eq!(b[1].health_percent(), Some(96));
        assert_eq!(b[1].cycle_count, Some(31));
    }

    #[test]
    fn a_battery_without_design_capacity_has_no_health() {
        let root = tempfile::tempdir().unwrap();
        let mut f = FakeBattery::worn();
        f.design = None;
        fake_battery(root.path(), "BAT0", &f);
        let b = read_batteries(root.path());
        assert_eq!(b[0].health_percent(), None);
        assert_eq!(b[0].full_capacity, Some(10_820));
    }
}
