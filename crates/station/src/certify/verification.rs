//! The certificate's `verification` record: method, figures, assurance, the sample plan an
//! auditor recomputes positions from, and the evidence of before/after comparisons.

use ardoise_cert::model as cm;
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
    let expected_state = match &plan.expected {
        ExpectedState::Overwritten { .. } => "pattern",
        ExpectedState::Fill { byte: 0 } => "zeros",
        ExpectedState::Fill { .. } => "pattern",
        ExpectedState::Changed => "changed-vs-pre",
    }
    .to_string();
    let Some(v) = v else {
        return cm::Verification {
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
        };
    };
    let full = v.method == Coverage::Full;
    let method = if plan.expected == ExpectedState::Changed {
        cm::VerificationMethod::CePrePostCompare
    } else if full {
        cm::VerificationMethod::Full
    } else {
        cm::VerificationMethod::StratifiedSample
    };
    // A full read-back checks every sector: each one is a sample.
    let samples = if full {
        v.bytes_read / u64::from(lss)
    } else {
        v.samples_checked
    };
    let mismatches = if full {
        v.mismatched_bytes.div_ceil(u64::from(lss))
    } else {
        v.mismatched_samples
    };
    let unreadable_samples = if full {
        v.unreadable_bytes.div_ceil(u64::from(lss))
    } else {
        v.unreadable_samples
    };
    let mut mismatch_offsets: Vec<u64> = v.first_mismatches.iter().map(|r| r.offset).collect();
    mismatch_offsets.sort_unstable();
    mismatch_offsets.dedup();
    mismatch_offsets.truncate(100.min(mismatches as usize));
    // Unreadable samples alone do not fail the read-back: they were not checked, which the
    // outcome says with the unreadable-sectors exception (the job's decision).
    let only_unreadable =
        !v.passed() && v.aborted.is_none() && v.signatures_found == 0 && unreadable_samples > 0;
    let passed = (v.passed() || only_unreadable) && mismatches == 0 && samples > 0;
    let assurance = passed.then(|| {
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
    });
    cm::Verification {
        method,
        parameters: cm::VerificationParameters {
            subsections: v.plan.as_ref().map(|p| p.strata).filter(|s| *s > 0),
            samples_per_subsection: v.plan.as_ref().map(|p| p.params.samples_per_stratum),
            sample_bytes: v.plan.as_ref().map(|p| p.sample_bytes),
            include_first_last: true,
            samples,
            bytes_read: v.bytes_read,
            coverage_ppm: cm::coverage_ppm(v.bytes_read, capacity),
        },
        seed: v.plan.as_ref().map(|p| p.seed.to_hex()),
        expected_state,
        result: if passed {
            cm::VerificationResult::Pass
        } else {
            cm::VerificationResult::Fail
        },
        mismatches,
        mismatch_offsets,
        unreadable_samples,
        assurance,
        sample_plan: v.plan.as_ref().map(sample_plan_record),
        evidence: evidence(v, crypto_check),
    }
}
