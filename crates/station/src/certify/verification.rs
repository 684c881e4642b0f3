//! The certificate's `verification` record: method, figures, assurance, the sample plan an
//! auditor recomputes positions from, and the evidence of before/after comparisons.

use ardoise_cert::payload as cm;
use ardoise_erase::assurance::Coverage;
use ardoise_erase::plan::{ExpectedState, Plan};
use ardoise_erase::verify::VerifyReport;

use super::CONFIDENCE_PERCENT;

/// The sample plan's recipe, for an auditor to recompute its positions.
fn sample_plan_record(p: &ardoise_erase::verify::PlanSummary) -> cm::SamplePlanRecord {
    cm::SamplePlanRecord {
        algorithm: p.algorithm.clone(),
        device_bytes: p.device_bytes,
        sector_size: p.sector_size,
        strata: p.params.strata,
        samples_per_stratum: p.params.samples_per_stratum,
        coverage_ppm_requested: p.params.coverage_ppm,
        min_sample_bytes: p.params.min_sample_bytes,
        edge_bytes: p.params.edge_bytes,
        unit_bytes: p.unit_bytes,
        extents: p.extents,
        bytes_planned: p.bytes_planned,
    }
}

/// The before/after comparisons: the check right after a crypto erase that kept the data, then
/// the final one.
fn evidence(
    final_check: &VerifyReport,
    crypto_check: Option<&VerifyReport>,
) -> Option<cm::Evidence> {
    let last = final_check.evidence()?;
    let mut comparisons = Vec::new();
    if let Some(e) = crypto_check.and_then(VerifyReport::evidence) {
        comparisons.push(cm::EvidenceComparison {
            stage: "after-crypto-erase".into(),
            informative_blocks: e.informative_blocks,
            uninformative_blocks: e.uninformative_blocks,
        });
    }
    comparisons.push(cm::EvidenceComparison {
        stage: "final".into(),
        informative_blocks: last.informative_blocks,
        uninformative_blocks: last.uninformative_blocks,
    });
    Some(cm::Evidence {
        rule: last.rule,
        block_bytes: last.block_bytes,
        min_informative_share_ppm: last.min_informative_share_ppm,
        comparisons,
    })
}

pub(super) fn verification(
    v: Option<&VerifyReport>,
    crypto_check: Option<&VerifyReport>,
    plan: &Plan,
    capacity: u64,
    lss: u32,
) -> cm::Verification {
    let expected_state = expected_state(&plan.expected);
    let Some(v) = v else {
        return not_run(expected_state);
    };
    let full = v.method == Coverage::Full;
    let method = if plan.expected == ExpectedState::Changed {
        cm::VerificationMethod::CePrePostCompare
    } else if full {
        cm::VerificationMethod::Full
    } else {
        cm::VerificationMethod::StratifiedSample
    };
    let counts = SampleCounts::of(v, full, lss);
    // Unreadable samples alone do not fail the read-back: they were not checked, which the
    // outcome says with the unreadable-sectors exception (the job's decision).
    let only_unreadable = !v.passed()
        && v.aborted.is_none()
        && v.signatures_found == 0
        && counts.unreadable_samples > 0;
    let passed = (v.passed() || only_unreadable) && counts.mismatches == 0 && counts.samples > 0;
    let assurance = passed.then(|| assurance(v, full, counts.samples, capacity, lss));
    cm::Verification {
        method,
        parameters: parameters(v, counts.samples, capacity),
        seed: v.plan.as_ref().map(|p| p.seed.to_hex()),
        expected_state,
        result: if passed {
            cm::VerificationResult::Pass
        } else {
            cm::VerificationResult::Fail
        },
        mismatches: counts.mismatches,
        mismatch_offsets: mismatch_offsets(v, counts.mismatches),
        unreadable_samples: counts.unreadable_samples,
        assurance,
        sample_plan: v.plan.as_ref().map(sample_plan_record),
        evidence: evidence(v, crypto_check),
    }
}

fn expected_state(expected: &ExpectedState) -> String {
    match expected {
        ExpectedState::Overwritten { .. } => "pattern",
        ExpectedState::Fill { byte: 0 } => "zeros",
        ExpectedState::Fill { .. } => "pattern",
        ExpectedState::Changed => "changed-vs-pre",
    }
    .to_string()
}

/// The record of a job that read nothing back.
fn not_run(expected_state: String) -> cm::Verification {
    cm::Verification {
        method: cm::VerificationMethod::None,
        parameters: cm::VerificationParameters {
            subsections: None,
            samples_per_subsection: None,
            sample_bytes: None,
            include_first_last: false,
            samples: 0,
            bytes_read: 0,
            coverage_ppm: 0,
        },
        seed: None,
        expected_state,
        result: cm::VerificationResult::NotRun,
        mismatches: 0,
        mismatch_offsets: Vec::new(),
        unreadable_samples: 0,
        assurance: None,
        sample_plan: None,
        evidence: None,
    }
}

/// Samples checked, mismatched and unreadable. A full read-back checks every sector: each one
/// is a sample.
struct SampleCounts {
    samples: u64,
    mismatches: u64,
    unreadable_samples: u64,
}

impl SampleCounts {
    fn of(v: &VerifyReport, full: bool, lss: u32) -> Self {
        if full {
            SampleCounts {
                samples: v.bytes_read / u64::from(lss),
                mismatches: v.mismatched_bytes.div_ceil(u64::from(lss)),
                unreadable_samples: v.unreadable_bytes.div_ceil(u64::from(lss)),
            }
        } else {
            SampleCounts {
                samples: v.samples_checked,
                mismatches: v.mismatched_samples,
                unreadable_samples: v.unreadable_samples,
            }
        }
    }
}

/// The first mismatching offsets, sorted, at most 100 and never more than the mismatches.
fn mismatch_offsets(v: &VerifyReport, mismatches: u64) -> Vec<u64> {
    let mut offsets: Vec<u64> = v.first_mismatches.iter().map(|r| r.offset).collect();
    offsets.sort_unstable();
    offsets.dedup();
    offsets.truncate(100.min(mismatches as usize));
    offsets
}

/// What a read-back that passed shows: every sector, or the sampling assurance.
fn assurance(v: &VerifyReport, full: bool, samples: u64, capacity: u64, lss: u32) -> cm::Assurance {
    if full {
        cm::Assurance {
            confidence_percent: CONFIDENCE_PERCENT,
            detectable_fraction_ppm: 1,
            contiguous_certain_bytes: Some(u64::from(lss)),
            statement: format!("Every addressable sector ({capacity} bytes) was read back and matched the expected content."),
        }
    } else {
        let strata = v.plan.as_ref().map(|p| p.strata).filter(|s| *s > 0);
        let random = v.plan.as_ref().map(|p| p.random_samples).unwrap_or(samples);
        cm::Assurance::from_samples(random, CONFIDENCE_PERCENT, strata, capacity)
    }
}

fn parameters(v: &VerifyReport, samples: u64, capacity: u64) -> cm::VerificationParameters {
    cm::VerificationParameters {
        subsections: v.plan.as_ref().map(|p| p.strata).filter(|s| *s > 0),
        samples_per_subsection: v.plan.as_ref().map(|p| p.params.samples_per_stratum),
        sample_bytes: v.plan.as_ref().map(|p| p.sample_bytes),
        include_first_last: true,
        samples,
        bytes_read: v.bytes_read,
        coverage_ppm: cm::coverage_ppm(v.bytes_read, capacity),
    }
}
