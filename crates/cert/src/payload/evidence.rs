//! Parts of [`super::Verification`] added after the first certificates (read as null when
//! missing): how the sample positions were drawn, so that an auditor recomputes them from the
//! seed, and what a before/after comparison proves.

use serde::{Deserialize, Serialize};

/// The sample plan algorithm certificates record today.
pub const SAMPLE_ALGORITHM_V2: &str = "ardoise-sample-v2";
/// The evidence rule certificates record today.
pub const EVIDENCE_RULE_V1: &str = "ardoise-evidence-v1";

/// Everything that, with `verification.seed`, fixes the positions a sampled verification read
/// (docs/auditor-guide.md: `ardoise verify --positions` recomputes them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplePlanRecord {
    /// Algorithm id, e.g. `ardoise-sample-v2` (docs/methods.md).
    pub algorithm: String,
    /// Device size the plan was drawn for, bytes (equals `media.capacity_bytes`).
    pub device_bytes: u64,
    /// Logical sector size the plan was drawn for.
    pub sector_size: u32,
    /// Strata asked for.
    pub strata: u64,
    /// Samples asked for in each stratum.
    pub samples_per_stratum: u32,
    /// Coverage asked for, parts per million of the device.
    pub coverage_ppm_requested: u32,
    /// Smallest sample, bytes.
    pub min_sample_bytes: u64,
    /// Bytes read at each end of the device.
    pub edge_bytes: u64,
    /// Position and length granularity the algorithm chose, bytes.
    pub unit_bytes: u64,
    /// Extents the plan reads (the two edges and the stratum samples).
    pub extents: u64,
    /// Bytes the plan reads, extents summed.
    pub bytes_planned: u64,
}

/// One before/after comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceComparison {
    /// `after-crypto-erase` (a crypto erase that kept the data, checked changed and not
    /// uniform) or `final` (the verification after the last step).
    pub stage: String,
    /// Compared blocks that could show a change: they held data before, or read differently
    /// after.
    pub informative_blocks: u64,
    /// Compared blocks that were uniform or unreadable before and read the same after.
    pub uninformative_blocks: u64,
}

impl EvidenceComparison {
    /// Informative blocks, parts per million of the compared ones (0 when none).
    pub fn informative_share_ppm(&self) -> u64 {
        let total = self.informative_blocks + self.uninformative_blocks;
        if total == 0 {
            return 0;
        }
        (u128::from(self.informative_blocks) * 1_000_000 / u128::from(total)) as u64
    }
}

/// What the before/after comparisons of a firmware erase prove (null for pattern checks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Rule id, e.g. `ardoise-evidence-v1` (docs/methods.md).
    pub rule: String,
    /// Bytes per compared block.
    pub block_bytes: u64,
    /// Least share of informative blocks, ppm, for a comparison to count as evidence.
    pub min_informative_share_ppm: u64,
    /// The comparisons, in order.
    pub comparisons: Vec<EvidenceComparison>,
}

impl Evidence {
    /// Whether at least one comparison meets the rule (at least one informative block and at
    /// least the minimum share).
    pub fn sufficient(&self) -> bool {
        self.comparisons.iter().any(|c| {
            c.informative_blocks > 0 && c.informative_share_ppm() >= self.min_informative_share_ppm
        })
    }
}
