//! The read-back at the end of a job: what it compares with and where it reads, and the
//! exception a failed read-back records.

use ardoise_disk::block::BlockIo;

use super::{JobPhase, JobRequest, Run, VerifyChoice, FULL_CHANGED_COVERAGE};
use crate::outcome::ExceptionCode;
use crate::overwrite::Control;
use crate::pattern::Seed;
use crate::plan::{ExpectedState, Plan};
use crate::verify::{self, Expected, VerifyReport, VerifyScope};

impl Run<'_> {
    pub(super) fn verify(
        &mut self,
        dev: &dyn BlockIo,
        plan: &Plan,
        request: &JobRequest,
        seed: Seed,
    ) {
        let coverage = match request.verify {
            VerifyChoice::None => {
                return self.fail(ExceptionCode::NotVerified, "no read-back was requested");
            }
            VerifyChoice::Sample { coverage_percent } => Some(coverage_percent),
            VerifyChoice::Full => None,
        };
        self.phase(JobPhase::Verify);
        let Some((expected, scope)) = self.verify_target(dev, plan, request, seed, coverage) else {
            return;
        };
        let cancel = self.cancel.clone();
        let result = {
            let mut sink = self.progress_sink();
            let mut ctl = Control::new(cancel, &mut sink);
            verify::run(dev, &scope, &expected, &request.verify_options, &mut ctl)
        };
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                return self.fail(
                    ExceptionCode::VerificationError,
                    format!("verification could not start: {e}"),
                )
            }
        };
        if report.passed() {
            self.judge_evidence(&report);
            self.judge_unkept_crypto_erase(plan);
        } else {
            self.judge_failed_verification(&report);
        }
        self.verification = Some(report);
    }

    /// What the read-back compares with, and where it reads: the fingerprinted samples after a
    /// firmware erase, else the fill or the last overwrite pass over the scope asked for.
    /// `None` (with the exception recorded) when there is nothing to compare with.
    fn verify_target(
        &mut self,
        dev: &dyn BlockIo,
        plan: &Plan,
        request: &JobRequest,
        seed: Seed,
        coverage: Option<f64>,
    ) -> Option<(Expected, VerifyScope)> {
        let (expected, scope) = match &plan.expected {
            ExpectedState::Changed => {
                let (Some(fp), Some(sp)) = (self.fingerprints.take(), self.sample_plan.take())
                else {
                    self.fail(
                        ExceptionCode::VerificationError,
                        "no fingerprints were taken before the erase",
                    );
                    return None;
                };
                if request.verify == VerifyChoice::Full {
                    self.verification_note = Some(format!(
                        "the drive decides what an erased sector reads back as, so instead of a full read-back the samples ({FULL_CHANGED_COVERAGE} % of the disk) were compared with their state before the erase"
                    ));
                }
                (Expected::DiffersFrom(fp), Ok(VerifyScope::Sampled(sp)))
            }
            ExpectedState::Fill { byte } => {
                (Expected::byte(*byte), self.scope(dev, seed, coverage))
            }
            ExpectedState::Overwritten { .. } => {
                match self.overwrite.as_ref().and_then(|o| o.expected_state()) {
                    Some(e) => (e, self.scope(dev, seed, coverage)),
                    None => {
                        self.fail(
                            ExceptionCode::VerificationError,
                            "the overwrite did not complete, nothing to compare with",
                        );
                        return None;
                    }
                }
            }
        };
        match scope {
            Ok(s) => Some((expected, s)),
            Err(e) => {
                self.fail(
                    ExceptionCode::VerificationError,
                    format!("cannot plan the samples: {e}"),
                );
                None
            }
        }
    }

    /// The exception a failed read-back records: unreadable sectors alone, a device gone, a
    /// cancellation, or a plain failure.
    fn judge_failed_verification(&mut self, report: &VerifyReport) {
        let only_unreadable = report.mismatched_samples == 0
            && report.mismatched_bytes == 0
            && report.signatures_found == 0
            && report.aborted.is_none()
            && report.unreadable_bytes > 0;
        if only_unreadable {
            self.fail(
                ExceptionCode::UnreadableSectors,
                format!(
                    "{} bytes could not be read back and were not checked",
                    report.unreadable_bytes
                ),
            );
        } else if report
            .aborted
            .as_deref()
            .is_some_and(|a| a.contains("gone"))
        {
            self.fail(ExceptionCode::DeviceGone, report.summary());
        } else if self.cancel.is_cancelled() {
            self.fail(
                ExceptionCode::Cancelled,
                "the technician cancelled the verification",
            );
        } else {
            self.fail(ExceptionCode::VerificationFailed, report.summary());
        }
    }

    fn scope(
        &self,
        dev: &dyn BlockIo,
        seed: Seed,
        coverage: Option<f64>,
    ) -> Result<VerifyScope, verify::PlanError> {
        match coverage {
            None => Ok(VerifyScope::Full),
            Some(c) => self.sample_plan(dev, seed, c).map(VerifyScope::Sampled),
        }
    }
}
