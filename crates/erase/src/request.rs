//! What a front end asks of a job: the method, how to verify, the overwrite and read-back
//! options. Plain data, read by [`crate::prepare`] and [`crate::job`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::identity::ConfirmedDrive;
use crate::overwrite::OverwriteOptions;
use crate::pattern::Seed;
use crate::verify::VerifyOptions;

/// How to verify after the erase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum VerifyChoice {
    /// Stratified sampling covering this share of the disk.
    Sample {
        /// Share of the disk read back, percent (0 to 100).
        coverage_percent: f64,
    },
    /// Every sector (for firmware methods whose result is vendor-defined, a sampled comparison with
    /// the pre-erase fingerprints at [`FULL_CHANGED_COVERAGE`] is done instead, and said).
    Full,
    /// No read-back: the verdict can then be at best `erased_with_exceptions`.
    None,
}

/// Coverage used when a full read-back was asked for a method whose result cannot be predicted
/// byte for byte (crypto/block erase): NIST SP 800-88r1 §4.7's 10 %.
pub const FULL_CHANGED_COVERAGE: f64 = 10.0;

/// What the front end asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRequest {
    /// `auto` or a method id (`ardoise methods`).
    pub method: String,
    /// How to verify after the erase.
    pub verify: VerifyChoice,
    /// Key of random patterns and of the sample plan; random when `None` (recorded in the report).
    #[serde(default)]
    pub seed: Option<Seed>,
    /// Tuning of the host overwrite.
    #[serde(default)]
    pub overwrite: OverwriteOptions,
    /// Tuning of the verification read-back.
    #[serde(default)]
    pub verify_options: VerifyOptions,
    /// Interval between status polls of a running firmware command.
    #[serde(default = "default_poll")]
    pub firmware_poll: Duration,
    /// What the technician confirmed, from a probe before the confirmation: the drive's own
    /// identity, or its content's fingerprint. The job is refused when the drive reached now
    /// is another ([`crate::identity::confirmed_differences`]); `None` when nothing was probed
    /// before (the command line, which describes the disk as it opens it).
    #[serde(default)]
    pub confirmed: Option<ConfirmedDrive>,
}

fn default_poll() -> Duration {
    Duration::from_secs(1)
}

impl Default for JobRequest {
    fn default() -> Self {
        JobRequest {
            method: "auto".into(),
            verify: VerifyChoice::Sample {
                coverage_percent: 1.0,
            },
            seed: None,
            overwrite: OverwriteOptions::default(),
            verify_options: VerifyOptions::default(),
            firmware_poll: default_poll(),
            confirmed: None,
        }
    }
}
