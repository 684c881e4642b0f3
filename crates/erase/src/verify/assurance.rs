//! What a passed verification allows one to state, computed from the plan that was really read.
//!
//! Sampling: if a fraction `f` of the device (counted in sample-sized blocks) still held
//! unerased data, `n` independent uniformly placed samples would all miss it with probability
//! `(1 − f)ⁿ`. Setting that to `1 − confidence` and solving gives the largest fraction that could
//! have escaped: `f = 1 − (1 − confidence)^(1/n)`. Stratified samples (each stratum sampled
//! without replacement) miss at most as often, so the bound holds for them too.
//!
//! Stratification adds a certainty: a contiguous unerased region at least two strata long
//! contains a whole stratum, hence every sample of that stratum.
//!
//! A full read-back states that every addressable sector was read and matched.

use serde::{Deserialize, Serialize};

use crate::verify::plan::PlanSummary;

/// Default confidence of the stated bound.
pub const DEFAULT_CONFIDENCE: f64 = 0.9999;

/// How the verification covered the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// Every addressable sector was read.
    Full,
    /// A stratified random sample was read.
    Sampled,
}

/// The assurance of a passed verification, as data and as one English sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assurance {
    /// Full read-back or sampling.
    pub coverage: Coverage,
    /// Size of the device, bytes.
    pub device_bytes: u64,
    /// Pseudo-random samples (0 for a full read).
    pub random_samples: u64,
    /// Strata of the sample plan (0 for a full read).
    pub strata: u64,
    /// Length of each stratum sample, bytes.
    pub sample_bytes: u64,
    /// Confidence of `max_unerased_fraction`.
    pub confidence: f64,
    /// With `confidence`, less than this fraction of the device still holds unerased data
    /// (0 for a full read).
    pub max_unerased_fraction: f64,
    /// Any contiguous unerased region at least this long would have been found with certainty
    /// (one sector for a full read).
    pub certain_region_bytes: u64,
    /// Distinct bytes read, parts per million of the device.
    pub coverage_ppm: u64,
    /// The assurance as one English sentence, for the certificate.
    pub statement: String,
}

/// `f = 1 − (1 − confidence)^(1/n)`: the largest unerased fraction that `n` samples miss with
/// probability at most `1 − confidence`.
pub fn max_unerased_fraction(samples: u64, confidence: f64) -> f64 {
    if samples == 0 {
        return 1.0;
    }
    let miss = (1.0 - confidence).clamp(f64::MIN_POSITIVE, 1.0);
    // 1 − e^(ln(miss)/n), computed without cancellation.
    -(miss.ln() / samples as f64).exp_m1()
}

impl Assurance {
    /// Every addressable sector of a `device_bytes` device was read and matched.
    pub fn full(device_bytes: u64, sector_size: u32) -> Assurance {
        Assurance {
            coverage: Coverage::Full,
            device_bytes,
            random_samples: 0,
            strata: 0,
            sample_bytes: 0,
            confidence: 1.0,
            max_unerased_fraction: 0.0,
            certain_region_bytes: u64::from(sector_size),
            coverage_ppm: 1_000_000,
            statement: format!(
                "Every addressable sector ({}) was read back and matched the expected content.",
                human_bytes(device_bytes)
            ),
        }
    }

    /// The assurance of a sample plan that was read entirely and matched.
    pub fn for_plan(plan: &PlanSummary, confidence: f64) -> Assurance {
        if plan.full_read {
            return Assurance::full(plan.device_bytes, plan.sector_size);
        }
        let n = plan.random_samples;
        let f = max_unerased_fraction(n, confidence);
        let certain = 2 * plan.stratum_bytes_max;
        let statement = format!(
            "With {} confidence, less than {} of the disk still holds unerased data \
             ({} pseudo-random samples of {} in {} equal strata, {} of the disk read); \
             any contiguous unerased region of {} or more would have been found with certainty.",
            percent(confidence, false),
            percent(f, true),
            thousands(n),
            human_bytes(plan.sample_bytes),
            thousands(plan.strata),
            percent(plan.coverage_ppm_actual as f64 / 1e6, false),
            human_bytes(certain),
        );
        Assurance {
            coverage: Coverage::Sampled,
            device_bytes: plan.device_bytes,
            random_samples: n,
            strata: plan.strata,
            sample_bytes: plan.sample_bytes,
            confidence,
            max_unerased_fraction: f,
            certain_region_bytes: certain,
            coverage_ppm: plan.coverage_ppm_actual,
            statement,
        }
    }
}

/// `0.9999` → `99.99 %`, `0.004595` → `0.46 %`, `0.0000123` → `0.0013 %`. Values from 99 % to
/// 100 % keep their nines; others get two significant digits. `up` rounds up (bounds), otherwise
/// down (confidences, coverage), so that the sentence never overstates.
pub fn percent(x: f64, up: bool) -> String {
    const EPS: f64 = 1e-9;
    let p = x * 100.0;
    let round = |v: f64, scale: f64| {
        if up {
            (v * scale - EPS).ceil() / scale
        } else {
            (v * scale + EPS).floor() / scale
        }
    };
    if (99.0..100.0).contains(&p) {
        let mut d = 0;
        while d < 12 && 100.0 - p < 10f64.powi(-d) * (1.0 - EPS) {
            d += 1;
        }
        return format!("{:.*} %", d as usize, round(p, 10f64.powi(d)));
    }
    if p <= 0.0 || p >= 10.0 {
        return format!("{:.0} %", round(p, 1.0).max(0.0));
    }
    let decimals = (1 - p.log10().floor() as i32).max(0);
    format!("{:.*} %", decimals as usize, round(p, 10f64.powi(decimals)))
}

/// `2000` → `2,000`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Decimal units, as disk vendors count (`1.0 TB`, `512 MB`, `4.1 kB`): the figures the screens,
/// the donor PDF and the registry show. Certificate sentences are English.
pub fn human_bytes(b: u64) -> String {
    ardoise_units::size(ardoise_units::Language::En, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::Seed;
    use crate::verify::plan::{SampleParams, SamplePlan};

    #[test]
    fn bound_matches_the_formula() {
        let f = max_unerased_fraction(2000, 0.9999);
        // (1 − f)^2000 = 1e-4.
        assert!(((1.0 - f).powi(2000) - 1e-4).abs() < 1e-9, "{f}");
        assert!((f - 0.004594).abs() < 1e-5, "{f}");
        // The table in certificates.md §5.4: 1,000 samples detect 1 % with ≈ 100 %.
        assert!(1.0 - (1.0 - 0.01f64).powi(1000) > 0.9999);
        assert_eq!(max_unerased_fraction(0, 0.9999), 1.0);
        assert!(max_unerased_fraction(4000, 0.9999) < f);
    }

    #[test]
    fn sentence_for_the_default_plan() {
        let plan = SamplePlan::new(
            Seed([1; 16]),
            1_000_000_000_000 / 4096 * 4096,
            512,
            &SampleParams::default(),
        )
        .unwrap();
        let a = Assurance::for_plan(plan.summary(), DEFAULT_CONFIDENCE);
        assert_eq!(a.coverage, Coverage::Sampled);
        assert_eq!(a.random_samples, 2000);
        assert_eq!(a.certain_region_bytes, 2 * plan.summary().stratum_bytes_max);
        assert!(
            a.statement.starts_with(
                "With 99.99 % confidence, less than 0.46 % of the disk still holds unerased data \
                 (2,000 pseudo-random samples of 5.0 MB in 1,000 equal strata"
            ),
            "{}",
            a.statement
        );
        assert!(a
            .statement
            .ends_with("2.0 GB or more would have been found with certainty."));
    }

    #[test]
    fn full_read_statement() {
        let a = Assurance::full(64 << 20, 512);
        assert_eq!(a.max_unerased_fraction, 0.0);
        assert!(a
            .statement
            .starts_with("Every addressable sector (67.1 MB)"));
    }

    #[test]
    fn percent_formatting() {
        assert_eq!(percent(0.9999, false), "99.99 %");
        assert_eq!(percent(0.99, false), "99 %");
        assert_eq!(percent(0.995, false), "99.5 %");
        assert_eq!(percent(0.99999, false), "99.999 %");
        assert_eq!(percent(0.004594, true), "0.46 %");
        assert_eq!(percent(0.004594, false), "0.45 %");
        assert_eq!(percent(0.0000123, true), "0.0013 %");
        assert_eq!(percent(0.25, true), "25 %");
        assert_eq!(percent(0.01, true), "1.0 %");
        assert_eq!(percent(0.01, false), "1.0 %");
        assert_eq!(percent(0.125, false), "12 %");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(2_000_000_000), "2.0 GB");
        assert_eq!(human_bytes(512_000_000), "512 MB");
    }
}
