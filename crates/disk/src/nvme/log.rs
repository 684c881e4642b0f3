//! Log pages: SMART / Health Information (02h) and Sanitize Status (81h).
//! Offsets: NVMe Base 2.0 log pages, docs/standards.md §2.4 and §2.6 (libnvme
//! `struct nvme_smart_log`,
//! `struct nvme_sanitize_log_page`).

use serde::{Deserialize, Serialize};

use super::identify::{need, ShortBuffer};
use super::{le128, le16, le32, LOG_PAGE_512};
use crate::health::HealthFigures;

/// SMART / Health Information log (512 bytes). Counters are 128-bit as on the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmartLog {
    /// Bit 0 spare below threshold, 1 temperature, 2 reliability degraded, 3 read-only,
    /// 4 volatile memory backup failed, 5 persistent memory region read-only.
    pub critical_warning: u8,
    /// Composite temperature in kelvin (0 = not reported).
    pub temperature_kelvin: u16,
    /// Byte 3: remaining spare capacity, percent.
    pub available_spare: u8,
    /// Byte 4: the available spare percentage below which critical warning bit 0 is set.
    pub available_spare_threshold: u8,
    /// May exceed 100.
    pub percentage_used: u8,
    /// Byte 6: Endurance Group Critical Warning Summary (a critical warning in any endurance
    /// group).
    pub endurance_group_critical_warning: u8,
    /// In units of 1000 × 512 bytes.
    pub data_units_read: u128,
    /// Bytes 63:48, in units of 1000 × 512 bytes.
    pub data_units_written: u128,
    /// Bytes 79:64: read commands completed.
    pub host_read_commands: u128,
    /// Bytes 95:80: write commands completed.
    pub host_write_commands: u128,
    /// Minutes.
    pub controller_busy_time: u128,
    /// Bytes 127:112: power cycles.
    pub power_cycles: u128,
    /// Bytes 143:128: power-on hours.
    pub power_on_hours: u128,
    /// Bytes 159:144: shutdowns without a shutdown notification.
    pub unsafe_shutdowns: u128,
    /// Bytes 175:160: unrecovered data integrity errors (media and data integrity errors).
    pub media_errors: u128,
    /// Bytes 191:176: error information log entries over the controller's life.
    pub error_log_entries: u128,
    /// Minutes above the warning / critical composite temperature.
    pub warning_temperature_time: u32,
    /// Bytes 199:196 (minutes).
    pub critical_temperature_time: u32,
    /// Temperature sensors 1–8 in kelvin (0 = not implemented).
    pub temperature_sensors: [u16; 8],
    /// Bytes 223:216: how many times the controller entered thermal management for thermal
    /// management temperatures 1 and 2.
    pub thermal_transitions: [u32; 2],
    /// Bytes 231:224: total seconds spent in thermal management for temperatures 1 and 2.
    pub thermal_total_time: [u32; 2],
}

impl SmartLog {
    /// Decodes a 512-byte SMART / Health Information log (LID 02h; docs/standards.md §2.4).
    pub fn parse(buf: &[u8]) -> Result<Self, ShortBuffer> {
        need("SMART / Health log", buf, LOG_PAGE_512)?;
        let mut sensors = [0u16; 8];
        for (i, s) in sensors.iter_mut().enumerate() {
            *s = le16(buf, 200 + 2 * i);
        }
        Ok(SmartLog {
            critical_warning: buf[0],
            temperature_kelvin: le16(buf, 1),
            available_spare: buf[3],
            available_spare_threshold: buf[4],
            percentage_used: buf[5],
            endurance_group_critical_warning: buf[6],
            data_units_read: le128(buf, 32),
            data_units_written: le128(buf, 48),
            host_read_commands: le128(buf, 64),
            host_write_commands: le128(buf, 80),
            controller_busy_time: le128(buf, 96),
            power_cycles: le128(buf, 112),
            power_on_hours: le128(buf, 128),
            unsafe_shutdowns: le128(buf, 144),
            media_errors: le128(buf, 160),
            error_log_entries: le128(buf, 176),
            warning_temperature_time: le32(buf, 192),
            critical_temperature_time: le32(buf, 196),
            temperature_sensors: sensors,
            thermal_transitions: [le32(buf, 216), le32(buf, 220)],
            thermal_total_time: [le32(buf, 224), le32(buf, 228)],
        })
    }

    /// Composite temperature in degrees Celsius, when reported.
    pub fn temperature_celsius(&self) -> Option<i32> {
        (self.temperature_kelvin != 0).then(|| i32::from(self.temperature_kelvin) - 273)
    }

    /// The figures [`HealthFigures::grade`] works from.
    pub fn health_figures(&self) -> HealthFigures {
        let sat = |v: u128| Some(u64::try_from(v).unwrap_or(u64::MAX));
        HealthFigures {
            source: "nvme-health-log".into(),
            power_on_hours: sat(self.power_on_hours),
            power_cycles: sat(self.power_cycles),
            temperature_celsius: self.temperature_celsius(),
            percentage_used: Some(self.percentage_used),
            available_spare: Some(self.available_spare),
            available_spare_threshold: Some(self.available_spare_threshold),
            media_errors: sat(self.media_errors),
            critical_warning: Some(self.critical_warning),
            ..Default::default()
        }
    }
}

/// SSTAT bits 2:0: the outcome of the most recent sanitize operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SanitizeStatusValue {
    /// 0: the NVM subsystem has never been sanitized.
    NeverSanitized,
    /// 1: completed successfully.
    Completed,
    /// 2: in progress.
    InProgress,
    /// 3: failed.
    Failed,
    /// 4: completed successfully, but the controller deallocated although No-Deallocate was
    /// requested.
    CompletedWithDeallocation,
    /// 5–7: reserved values.
    Reserved(u8),
}

impl SanitizeStatusValue {
    /// Decodes SSTAT bits 2:0 (higher bits of `v` are ignored).
    pub fn from_bits(v: u8) -> Self {
        match v & 0x7 {
            0 => Self::NeverSanitized,
            1 => Self::Completed,
            2 => Self::InProgress,
            3 => Self::Failed,
            4 => Self::CompletedWithDeallocation,
            other => Self::Reserved(other),
        }
    }

    /// The status in words, for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NeverSanitized => "never sanitized",
            Self::Completed => "completed successfully",
            Self::InProgress => "in progress",
            Self::Failed => "failed",
            Self::CompletedWithDeallocation => {
                "completed successfully with deallocation despite No-Deallocate"
            }
            Self::Reserved(_) => "reserved status value",
        }
    }

    /// Statuses that mean the most recent operation completed successfully.
    pub fn is_success(self) -> bool {
        matches!(self, Self::Completed | Self::CompletedWithDeallocation)
    }
}

/// Sanitize Status log (512 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SanitizeStatusLog {
    /// SPROG: progress numerator over 65536; 0xFFFF when no operation is in progress.
    pub sprog: u16,
    /// SSTAT raw.
    pub sstat: u16,
    /// CDW10 of the Sanitize command that started the most recent operation.
    pub scdw10: u32,
    /// Estimated seconds for overwrite / block erase / crypto erase, and the same with
    /// No-Deallocate (ETOND, ETBEND, ETCEND), then ETPVDS; `None` = not reported (FFFFFFFFh).
    pub estimated_overwrite: Option<u32>,
    /// Block erase estimate (15:12).
    pub estimated_block_erase: Option<u32>,
    /// Crypto erase estimate (19:16).
    pub estimated_crypto_erase: Option<u32>,
    /// ETOND (23:20): overwrite with No-Deallocate.
    pub estimated_overwrite_no_dealloc: Option<u32>,
    /// ETBEND (27:24): block erase with No-Deallocate.
    pub estimated_block_erase_no_dealloc: Option<u32>,
    /// ETCEND (31:28): crypto erase with No-Deallocate.
    pub estimated_crypto_erase_no_dealloc: Option<u32>,
    /// ETPVDS (35:32): estimate for the post-verification deallocation state (media
    /// verification).
    pub estimated_post_verification_dealloc: Option<u32>,
    /// SSI (byte 36): sanitize state information (NVMe 2.0).
    pub ssi: u8,
}

fn estimate(v: u32) -> Option<u32> {
    (v != u32::MAX).then_some(v)
}

impl SanitizeStatusLog {
    /// Decodes the first 37 bytes of the Sanitize Status log (LID 81h; docs/standards.md §2.6), the
    /// part ardoise reads.
    pub fn parse(buf: &[u8]) -> Result<Self, ShortBuffer> {
        need("Sanitize Status log", buf, 37)?;
        Ok(SanitizeStatusLog {
            sprog: le16(buf, 0),
            sstat: le16(buf, 2),
            scdw10: le32(buf, 4),
            estimated_overwrite: estimate(le32(buf, 8)),
            estimated_block_erase: estimate(le32(buf, 12)),
            estimated_crypto_erase: estimate(le32(buf, 16)),
            estimated_overwrite_no_dealloc: estimate(le32(buf, 20)),
            estimated_block_erase_no_dealloc: estimate(le32(buf, 24)),
            estimated_crypto_erase_no_dealloc: estimate(le32(buf, 28)),
            estimated_post_verification_dealloc: estimate(le32(buf, 32)),
            ssi: buf[36],
        })
    }

    /// SSTAT bits 2:0: the outcome of the most recent sanitize operation.
    pub fn status(&self) -> SanitizeStatusValue {
        SanitizeStatusValue::from_bits(self.sstat as u8)
    }

    /// SSTAT bits 7:3: overwrite passes completed (most recent overwrite).
    pub fn overwrite_passes_completed(&self) -> u8 {
        ((self.sstat >> 3) & 0x1f) as u8
    }

    /// SSTAT bit 8: no user data written since manufacture or the last successful sanitize.
    pub fn global_data_erased(&self) -> bool {
        self.sstat & (1 << 8) != 0
    }

    /// SSTAT bit 9: media verification cancelled.
    pub fn media_verification_cancelled(&self) -> bool {
        self.sstat & (1 << 9) != 0
    }

    /// Progress as a fraction 0.0..1.0 while in progress; `None` otherwise.
    pub fn progress(&self) -> Option<f64> {
        (self.status() == SanitizeStatusValue::InProgress && self.sprog != 0xFFFF)
            .then(|| f64::from(self.sprog) / 65536.0)
    }

    /// SANACT of the most recent operation (from SCDW10).
    pub fn last_sanact(&self) -> u8 {
        (self.scdw10 & 0x7) as u8
    }

    /// The controller's estimate, in seconds, for the operation described by SCDW10 (the
    /// budget nvme-cli's `wait_sanitize()` uses); `None` when not reported.
    pub fn estimate_for_last_operation(&self) -> Option<u32> {
        let ndas = self.scdw10 & (1 << 9) != 0;
        match (self.last_sanact(), ndas) {
            (2, false) => self.estimated_block_erase,
            (2, true) => self.estimated_block_erase_no_dealloc,
            (3, false) => self.estimated_overwrite,
            (3, true) => self.estimated_overwrite_no_dealloc,
            (4, false) => self.estimated_crypto_erase,
            (4, true) => self.estimated_crypto_erase_no_dealloc,
            _ => None,
        }
    }

    /// "in progress (37.5 %)", "completed successfully, global data erased"...
    pub fn describe(&self) -> String {
        let mut s = self.status().as_str().to_string();
        if let Some(p) = self.progress() {
            s.push_str(&format!(" ({:.1} %)", p * 100.0));
        }
        if self.last_sanact() == 3 && self.status() != SanitizeStatusValue::NeverSanitized {
            s.push_str(&format!(
                ", {} overwrite passes completed",
                self.overwrite_passes_completed()
            ));
        }
        if self.global_data_erased() {
            s.push_str(", global data erased");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
        buf[at..at + bytes.len()].copy_from_slice(bytes);
    }

    #[test]
    fn smart_log_offsets_and_128_bit_counters() {
        let mut b = vec![0u8; 512];
        b[0] = 0x05;
        put(&mut b, 1, &310u16.to_le_bytes());
        b[3] = 90;
        b[4] = 10;
        b[5] = 104;
        b[6] = 0x02;
        put(&mut b, 32, &(u128::from(u64::MAX) + 2).to_le_bytes());
        put(&mut b, 48, &2u128.to_le_bytes());
        put(&mut b, 64, &3u128.to_le_bytes());
        put(&mut b, 80, &4u128.to_le_bytes());
        put(&mut b, 96, &5u128.to_le_bytes());
        put(&mut b, 112, &6u128.to_le_bytes());
        put(&mut b, 128, &61_000u128.to_le_bytes());
        put(&mut b, 144, &8u128.to_le_bytes());
        put(&mut b, 160, &9u128.to_le_bytes());
        put(&mut b, 176, &10u128.to_le_bytes());
        put(&mut b, 192, &11u32.to_le_bytes());
        put(&mut b, 196, &12u32.to_le_bytes());
        for i in 0..8u16 {
            put(&mut b, 200 + 2 * usize::from(i), &(300 + i).to_le_bytes());
        }
        put(&mut b, 216, &13u32.to_le_bytes());
        put(&mut b, 220, &14u32.to_le_bytes());
        put(&mut b, 224, &15u32.to_le_bytes());
        put(&mut b, 228, &16u32.to_le_bytes());
        let s = SmartLog::parse(&b).unwrap();
        assert_eq!(s.critical_warning, 5);
        assert_eq!(s.temperature_kelvin, 310);
        assert_eq!(s.temperature_celsius(), Some(37));
        assert_eq!((s.available_spare, s.available_spare_threshold), (90, 10));
        assert_eq!(s.percentage_used, 104);
        assert_eq!(s.endurance_group_critical_warning, 2);
        assert_eq!(s.data_units_read, u128::from(u64::MAX) + 2);
        assert_eq!(
            (
                s.data_units_written,
                s.host_read_commands,
                s.host_write_commands,
                s.controller_busy_time,
                s.power_cycles
            ),
            (2, 3, 4, 5, 6)
        );
        assert_eq!(s.power_on_hours, 61_000);
        assert_eq!(
            (s.unsafe_shutdowns, s.media_errors, s.error_log_entries),
            (8, 9, 10)
        );
        assert_eq!(
            (s.warning_temperature_time, s.critical_temperature_time),
            (11, 12)
        );
        assert_eq!(s.temperature_sensors[0], 300);
        assert_eq!(s.temperature_sensors[7], 307);
        assert_eq!(s.thermal_transitions, [13, 14]);
        assert_eq!(s.thermal_total_time, [15, 16]);

        let h = s.health_figures();
        assert_eq!(h.source, "nvme-health-log");
        assert_eq!(h.power_on_hours, Some(61_000));
        assert_eq!(h.media_errors, Some(9));
        assert_eq!(h.critical_warning, Some(5));
        assert_eq!(h.percentage_used, Some(104));
        assert_eq!(h.temperature_celsius, Some(37));
        assert_eq!(h.grade().grade, crate::health::HealthGrade::Failing);
        assert!(SmartLog::parse(&b[..511]).is_err());
    }

    #[test]
    fn sanitize_log_offsets_and_sstat() {
        let mut b = vec![0u8; 512];
        put(&mut b, 0, &0x8000u16.to_le_bytes());
        // In progress, 5 passes completed, global data erased.
        put(&mut b, 2, &(2u16 | 5 << 3 | 1 << 8).to_le_bytes());
        put(&mut b, 4, &0x0000_0233u32.to_le_bytes());
        for (i, v) in [10u32, 20, 30, 40, 50, 60, u32::MAX].iter().enumerate() {
            put(&mut b, 8 + 4 * i, &v.to_le_bytes());
        }
        b[36] = 0x21;
        let l = SanitizeStatusLog::parse(&b).unwrap();
        assert_eq!(l.sprog, 0x8000);
        assert_eq!(l.status(), SanitizeStatusValue::InProgress);
        assert_eq!(l.overwrite_passes_completed(), 5);
        assert!(l.global_data_erased());
        assert!(!l.media_verification_cancelled());
        assert_eq!(l.progress(), Some(0.5));
        assert_eq!(l.scdw10, 0x233);
        assert_eq!(l.last_sanact(), 3);
        assert_eq!(l.estimated_overwrite, Some(10));
        assert_eq!(l.estimated_block_erase, Some(20));
        assert_eq!(l.estimated_crypto_erase, Some(30));
        assert_eq!(l.estimated_overwrite_no_dealloc, Some(40));
        assert_eq!(l.estimated_block_erase_no_dealloc, Some(50));
        assert_eq!(l.estimated_crypto_erase_no_dealloc, Some(60));
        assert_eq!(l.estimated_post_verification_dealloc, None);
        // SCDW10 0x233 has NDAS set: the no-deallocate overwrite estimate applies.
        assert_eq!(l.estimate_for_last_operation(), Some(40));
        assert_eq!(l.ssi, 0x21);
        assert!(l.describe().starts_with("in progress (50.0 %)"));

        put(&mut b, 0, &0xFFFFu16.to_le_bytes());
        put(&mut b, 2, &(3u16 | 1 << 9).to_le_bytes());
        let l = SanitizeStatusLog::parse(&b).unwrap();
        assert_eq!(l.status(), SanitizeStatusValue::Failed);
        assert!(l.media_verification_cancelled() && !l.global_data_erased());
        assert_eq!(l.progress(), None);
        for (v, s) in [
            (0u8, SanitizeStatusValue::NeverSanitized),
            (1, SanitizeStatusValue::Completed),
            (4, SanitizeStatusValue::CompletedWithDeallocation),
            (6, SanitizeStatusValue::Reserved(6)),
        ] {
            assert_eq!(SanitizeStatusValue::from_bits(v), s);
        }
        assert!(SanitizeStatusValue::CompletedWithDeallocation.is_success());
        assert!(!SanitizeStatusValue::Failed.is_success());
    }
}
