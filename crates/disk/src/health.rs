//! Drive health reduced to a grade a trainee understands, keeping the raw figures.
//!
//! The protocol layers ([`crate::ata`] SMART, [`crate::nvme`] SMART/Health log) fill a
//! [`HealthFigures`]; [`HealthFigures::grade`] applies one documented rule set to both.

use serde::{Deserialize, Serialize};

/// What a technician needs to decide: keep the drive, keep it with a warning, or discard it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthGrade {
    /// No warning sign.
    Good,
    /// Worn or showing early defects: reusable, but say so.
    Worn,
    /// The drive reports a failure or is likely to fail: do not reuse.
    Failing,
    /// No health data could be read (USB bridge, virtual disk...).
    Unknown,
}

impl HealthGrade {
    /// The stable lowercase name used in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthGrade::Good => "good",
            HealthGrade::Worn => "worn",
            HealthGrade::Failing => "failing",
            HealthGrade::Unknown => "unknown",
        }
    }
}

/// Raw health figures, from ATA SMART or the NVMe SMART/Health log. `None` = not reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthFigures {
    /// Where the figures came from: "ata-smart", "nvme-health-log", "none".
    pub source: String,
    /// Hours powered on (ATA attribute 9, NVMe power-on hours).
    pub power_on_hours: Option<u64>,
    /// Power cycles (ATA attribute 12, NVMe power cycles).
    pub power_cycles: Option<u64>,
    /// Current temperature in °C (ATA attribute 194, NVMe composite temperature).
    pub temperature_celsius: Option<i32>,
    /// ATA attribute 5 raw value.
    pub reallocated_sectors: Option<u64>,
    /// ATA attribute 197 raw value.
    pub pending_sectors: Option<u64>,
    /// ATA attribute 198 raw value.
    pub uncorrectable_sectors: Option<u64>,
    /// NVMe percentage used (may exceed 100), or ATA SSD wear indicator converted to "% used".
    pub percentage_used: Option<u8>,
    /// NVMe available spare (%) and its threshold.
    pub available_spare: Option<u8>,
    /// NVMe available spare threshold (%): below it, critical warning bit 0 is set.
    pub available_spare_threshold: Option<u8>,
    /// NVMe media and data integrity errors.
    pub media_errors: Option<u64>,
    /// NVMe critical warning byte (bit 0 spare, 1 temperature, 2 reliability, 3 read-only,
    /// 4 volatile backup, 5 PMR read-only).
    pub critical_warning: Option<u8>,
    /// ATA: ids of attributes whose normalised value is at or below their threshold
    /// (a "pre-fail"/"old-age" trip: the drive's own failure prediction).
    #[serde(default)]
    pub attributes_below_threshold: Vec<u8>,
    /// ATA SMART RETURN STATUS said the threshold was exceeded.
    pub smart_status_failed: Option<bool>,
}

/// Why a grade was given, in words (shown in the TUI, kept in the certificate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    /// The grade given.
    pub grade: HealthGrade,
    /// Why, in words: the findings of the grade given (empty for a good drive).
    pub reasons: Vec<String>,
    /// The figures it was given from.
    pub figures: HealthFigures,
}

impl HealthFigures {
    /// The rule set (docs/architecture.md, "Health"):
    /// failing — the drive's own verdict (SMART status, attribute below threshold, NVMe critical
    ///   warning bits 0/2/3), pending or uncorrectable sectors, NVMe media errors with spare below
    ///   threshold, or percentage used >= 100;
    /// worn — any reallocated sector, NVMe media errors, percentage used >= 80, temperature
    ///   warning (critical warning bit 1), more than 50,000 power-on hours;
    /// good — otherwise, when at least one figure was read; unknown when none was.
    pub fn grade(&self) -> HealthReport {
        let mut failing = Vec::new();
        let mut worn = Vec::new();
        if self.smart_status_failed == Some(true) {
            failing.push("SMART status: threshold exceeded".to_string());
        }
        if !self.attributes_below_threshold.is_empty() {
            failing.push(format!(
                "SMART attributes at or below threshold: {:?}",
                self.attributes_below_threshold
            ));
        }
        if let Some(cw) = self.critical_warning {
            if cw & 0b1101 != 0 {
                failing.push(format!("NVMe critical warning 0x{cw:02x}"));
            } else if cw & 0b10 != 0 {
                worn.push("temperature warning".to_string());
            }
        }
        if let Some(n) = self.pending_sectors.filter(|&n| n > 0) {
            failing.push(format!("{n} pending sectors"));
        }
        if let Some(n) = self.uncorrectable_sectors.filter(|&n| n > 0) {
            failing.push(format!("{n} uncorrectable sectors"));
        }
        if let Some(p) = self.percentage_used {
            if p >= 100 {
                failing.push(format!("{p}% of rated endurance used"));
            } else if p >= 80 {
                worn.push(format!("{p}% of rated endurance used"));
            }
        }
        if let (Some(s), Some(t)) = (self.available_spare, self.available_spare_threshold) {
            if s < t {
                failing.push(format!("available spare {s}% below threshold {t}%"));
            }
        }
        if let Some(n) = self.reallocated_sectors.filter(|&n| n > 0) {
            worn.push(format!("{n} reallocated sectors"));
        }
        if let Some(n) = self.media_errors.filter(|&n| n > 0) {
            worn.push(format!("{n} media errors"));
        }
        if let Some(h) = self.power_on_hours.filter(|&h| h > 50_000) {
            worn.push(format!("{h} power-on hours"));
        }
        let any_figure = self.power_on_hours.is_some()
            || self.temperature_celsius.is_some()
            || self.reallocated_sectors.is_some()
            || self.percentage_used.is_some()
            || self.critical_warning.is_some()
            || self.smart_status_failed.is_some();
        let (grade, reasons) = if !failing.is_empty() {
            (HealthGrade::Failing, failing)
        } else if !worn.is_empty() {
            (HealthGrade::Worn, worn)
        } else if any_figure {
            (HealthGrade::Good, Vec::new())
        } else {
            (
                HealthGrade::Unknown,
                vec!["no health data could be read".to_string()],
            )
        };
        HealthReport {
            grade,
            reasons,
            figures: self.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades() {
        let none = HealthFigures::default();
        assert_eq!(none.grade().grade, HealthGrade::Unknown);
        let good = HealthFigures {
            power_on_hours: Some(1200),
            reallocated_sectors: Some(0),
            ..Default::default()
        };
        assert_eq!(good.grade().grade, HealthGrade::Good);
        let worn = HealthFigures {
            reallocated_sectors: Some(8),
            ..good.clone()
        };
        assert_eq!(worn.grade().grade, HealthGrade::Worn);
        let failing = HealthFigures {
            pending_sectors: Some(1),
            ..worn.clone()
        };
        let r = failing.grade();
        assert_eq!(r.grade, HealthGrade::Failing);
        assert!(r.reasons[0].contains("pending"));
        let nvme = HealthFigures {
            critical_warning: Some(0x04),
            percentage_used: Some(3),
            ..Default::default()
        };
        assert_eq!(nvme.grade().grade, HealthGrade::Failing);
        let hot = HealthFigures {
            critical_warning: Some(0x02),
            percentage_used: Some(3),
            ..Default::default()
        };
        assert_eq!(hot.grade().grade, HealthGrade::Worn);
    }
}
