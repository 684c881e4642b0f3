//! Checks that a certificate does not claim more of the disk than its own facts show (issue
//! "the whole disk, with evidence"): an `erased` disk must have been erased up to the visible
//! size the drive reported after its hidden areas were lifted; a before/after comparison that
//! proves too little must be reported as `verification-inconclusive`; a certificate whose
//! exceptions leave part of the disk unshown may not claim a NIST level for the whole disk
//! without naming them; a recorded sample plan must describe the disk it was drawn for.

use super::SchemaIssue;
use crate::payload::{Certificate, OutcomeStatus, VerificationResult, EVIDENCE_RULE_V1};

/// Exception codes that mean part of the disk was not shown erased. A `standard_claimed` next to
/// any of them must name it (or be null).
pub const COVERAGE_EXCEPTIONS: [&str; 7] = [
    "hidden-area-not-erased",
    "hidden-areas-not-checked",
    "unreachable-sectors",
    "not-verified",
    "verification-inconclusive",
    "unwritable-sectors",
    "unreadable-sectors",
];

/// Sample plan algorithms a certificate may record.
pub const KNOWN_SAMPLE_ALGORITHMS: [&str; 1] = [crate::payload::SAMPLE_ALGORITHM_V2];

/// What the certificate claims beyond its own facts, as schema issues.
pub(super) fn issues(c: &Certificate) -> Vec<SchemaIssue> {
    let mut v = Vec::new();
    whole_disk(c, &mut v);
    evidence(c, &mut v);
    sample_plan(c, &mut v);
    standard_claimed(c, &mut v);
    v
}

fn issue(v: &mut Vec<SchemaIssue>, path: &str, message: String) {
    v.push(SchemaIssue {
        path: path.to_string(),
        message,
    })
}

fn has_exception(c: &Certificate, code: &str) -> bool {
    c.outcome.exceptions.iter().any(|e| e.code == code)
}

/// The whole disk: what was erased reaches what the drive showed after its hidden areas
/// were lifted.
fn whole_disk(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let m = &c.media;
    let o = &c.outcome;
    if let Some(visible) = m.hidden_areas.after.visible_sectors {
        let drive = u128::from(visible) * u128::from(m.logical_sector_size);
        if o.status == OutcomeStatus::Erased && u128::from(m.capacity_bytes) < drive {
            issue(
                v,
                "media.capacity_bytes",
                format!(
                    "{} is less than hidden_areas.after.visible_sectors × logical_sector_size ({drive}): the sectors beyond were not erased, so outcome.status cannot be erased",
                    m.capacity_bytes
                ),
            );
        }
    }
}

/// Evidence: a passed comparison that proves too little is inconclusive.
fn evidence(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let ver = &c.verification;
    let o = &c.outcome;
    if let Some(e) = &ver.evidence {
        if e.rule != EVIDENCE_RULE_V1 {
            issue(
                v,
                "verification.evidence.rule",
                format!(
                    "unknown evidence rule \"{}\" (known: {EVIDENCE_RULE_V1})",
                    e.rule
                ),
            );
        }
        if e.block_bytes == 0 {
            issue(
                v,
                "verification.evidence.block_bytes",
                "must not be 0".into(),
            );
        }
        for (i, cmp) in e.comparisons.iter().enumerate() {
            if !matches!(cmp.stage.as_str(), "after-crypto-erase" | "final") {
                issue(
                    v,
                    &format!("verification.evidence.comparisons[{i}].stage"),
                    format!(
                        "unknown stage \"{}\" (after-crypto-erase, final)",
                        cmp.stage
                    ),
                );
            }
        }
        if ver.result == VerificationResult::Pass
            && o.status != OutcomeStatus::NotErased
            && !e.sufficient()
            && !has_exception(c, "verification-inconclusive")
        {
            issue(
                v,
                "outcome.exceptions",
                "the evidence does not meet its rule, so the outcome must list verification-inconclusive".into(),
            );
        }
    }
}

/// The sample plan describes this disk.
fn sample_plan(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let m = &c.media;
    let ver = &c.verification;
    if let Some(p) = &ver.sample_plan {
        if !KNOWN_SAMPLE_ALGORITHMS.contains(&p.algorithm.as_str()) {
            issue(
                v,
                "verification.sample_plan.algorithm",
                format!(
                    "unknown algorithm \"{}\" (known: {})",
                    p.algorithm,
                    KNOWN_SAMPLE_ALGORITHMS.join(", ")
                ),
            );
        }
        if p.device_bytes != m.capacity_bytes {
            issue(
                v,
                "verification.sample_plan.device_bytes",
                format!(
                    "is {} but media.capacity_bytes is {}",
                    p.device_bytes, m.capacity_bytes
                ),
            );
        }
        if ver.seed.is_none() {
            issue(
                v,
                "verification.seed",
                "is null but a sample plan is recorded: its positions cannot be recomputed".into(),
            );
        }
        if ver.parameters.bytes_read > p.bytes_planned {
            issue(
                v,
                "verification.parameters.bytes_read",
                format!(
                    "exceeds verification.sample_plan.bytes_planned ({})",
                    p.bytes_planned
                ),
            );
        }
    }
}

/// A NIST level for the whole disk is not claimed over exceptions that leave part of it
/// unshown. Certificates made before these fields existed are judged as they were issued.
fn standard_claimed(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let ver = &c.verification;
    let current = ver.sample_plan.is_some() || ver.evidence.is_some();
    if let (true, Some(claim)) = (current, &c.sanitization.standard_claimed) {
        for code in COVERAGE_EXCEPTIONS
            .iter()
            .filter(|code| has_exception(c, code))
        {
            if !claim.contains(code) {
                issue(
                    v,
                    "sanitization.standard_claimed",
                    format!("claims \"{claim}\" for the whole disk but does not name the exception {code}"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::payload::*;
    use crate::validate::validate;

    fn example() -> Certificate {
        let mut c = Certificate::example();
        c.issuer.key_id = "ab".repeat(32);
        c
    }

    fn paths(c: &Certificate) -> Vec<String> {
        validate(c).into_iter().map(|i| i.path).collect()
    }

    fn exception(code: &str) -> Exception {
        Exception {
            code: code.into(),
            detail: "test".into(),
        }
    }

    #[test]
    fn erased_needs_the_capacity_the_drive_showed_after_its_hidden_areas_were_lifted() {
        let mut c = example();
        c.media.hidden_areas.after.visible_sectors = Some(c.media.lba_count + 2048);
        assert_eq!(paths(&c), vec!["media.capacity_bytes"]);
        // Not claimed erased: the shortfall is an exception, and the certificate is consistent.
        c.outcome.status = OutcomeStatus::ErasedWithExceptions;
        c.outcome.exceptions = vec![exception("hidden-area-not-erased")];
        c.sanitization.standard_claimed = None;
        assert!(paths(&c).is_empty(), "{:?}", validate(&c));
    }

    #[test]
    fn too_little_evidence_must_be_called_inconclusive() {
        let mut c = example();
        let e = c.verification.evidence.as_mut().unwrap();
        e.comparisons.remove(0);
        e.comparisons[0].informative_blocks = 3;
        assert_eq!(paths(&c), vec!["outcome.exceptions"]);
        c.outcome.status = OutcomeStatus::ErasedWithExceptions;
        c.outcome.exceptions = vec![exception("verification-inconclusive")];
        c.sanitization.standard_claimed =
            Some("NIST SP 800-88 Rev. 1 purge, except: verification-inconclusive".into());
        assert!(paths(&c).is_empty(), "{:?}", validate(&c));
        c.verification.evidence.as_mut().unwrap().rule = "coin-toss".into();
        assert_eq!(paths(&c), vec!["verification.evidence.rule"]);
    }

    #[test]
    fn a_plain_nist_claim_over_coverage_exceptions_is_refused() {
        for code in crate::validate::COVERAGE_EXCEPTIONS {
            let mut c = example();
            c.outcome.status = OutcomeStatus::ErasedWithExceptions;
            c.outcome.exceptions = vec![exception(code)];
            assert_eq!(paths(&c), vec!["sanitization.standard_claimed"], "{code}");
            c.sanitization.standard_claimed =
                Some(format!("NIST SP 800-88 Rev. 1 purge, except: {code}"));
            assert!(paths(&c).is_empty(), "{code}");
            c.sanitization.standard_claimed = None;
            assert!(paths(&c).is_empty(), "{code}");
        }
        // Other exceptions do not limit the claim.
        let mut c = example();
        c.outcome.status = OutcomeStatus::ErasedWithExceptions;
        c.outcome.exceptions = vec![exception("purge-not-reached")];
        assert!(paths(&c).is_empty());
        // Certificates from before the plan and evidence fields are judged as they were issued.
        c.verification.sample_plan = None;
        c.verification.evidence = None;
        c.outcome.exceptions = vec![exception("not-verified")];
        assert!(paths(&c).is_empty(), "{:?}", validate(&c));
    }

    #[test]
    fn a_sample_plan_must_describe_this_disk() {
        let mut c = example();
        c.verification.sample_plan.as_mut().unwrap().device_bytes += 4096;
        assert_eq!(paths(&c), vec!["verification.sample_plan.device_bytes"]);
        let mut c = example();
        c.verification.sample_plan.as_mut().unwrap().algorithm = "ardoise-sample-v1".into();
        assert_eq!(paths(&c), vec!["verification.sample_plan.algorithm"]);
        let mut c = example();
        c.verification.seed = None;
        assert_eq!(paths(&c), vec!["verification.seed"]);
    }
}
