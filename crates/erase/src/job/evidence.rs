//! The parts of a job that make its read-back count as evidence: waiting for a sanitize that was
//! already running before the disk is read, keeping the fingerprints within memory, the check
//! of a crypto erase that kept the data, the minimum share of informative blocks, and the ATA
//! cache flush after an overwrite (docs/methods.md, "Verification").

use ardoise_disk::block::BlockIo;
use ardoise_disk::{Commands, OpenedDisk};

use super::{JobRequest, Run};
use crate::capability::CommandSet;
use crate::firmware::{wait_for_running_sanitize, FirmwareContext, PasswordVault, Settled};
use crate::method::{Method, SanitizeAction};
use crate::outcome::ExceptionCode;
use crate::overwrite::Control;
use crate::plan::{Plan, Step};
use crate::probe::ProbeReport;
use crate::verify::{self, Expected, Fingerprints, VerifyOptions, VerifyReport, VerifyScope};

impl Run<'_> {
    /// Waits for a sanitize already running on the drive, so that the fingerprints are read
    /// from a disk that answers. False when the job must stop (device gone, cancelled).
    pub(super) fn settle(
        &mut self,
        disk: &mut OpenedDisk,
        request: &JobRequest,
        vault: &dyn PasswordVault,
    ) -> bool {
        let mut ctx = FirmwareContext::new(vault)
            .with_cancel(self.cancel.clone())
            .with_poll_interval(request.firmware_poll);
        match wait_for_running_sanitize(&mut disk.commands, &mut ctx) {
            Settled::Idle => true,
            Settled::Waited(notes) => {
                for n in notes {
                    self.message(n);
                }
                true
            }
            Settled::Stopped(e) => {
                self.exceptions.push(e);
                false
            }
        }
    }

    /// The coverage of the fingerprinted samples: `wanted`, or less when the fingerprints would
    /// not fit in [`verify::FINGERPRINT_MEMORY_BUDGET`] (said in the verification note).
    pub(super) fn fingerprint_coverage(
        &mut self,
        dev: &dyn BlockIo,
        wanted: f64,
        options: &VerifyOptions,
    ) -> f64 {
        let fitted = Fingerprints::coverage_within_budget(
            wanted,
            dev.size_bytes(),
            options.fingerprint_block,
        );
        if fitted < wanted {
            self.verification_note = Some(format!(
                "the samples compared with their state before the erase cover {fitted:.3} % of the disk instead of {wanted} %, so that their fingerprints fit in {} MiB of memory",
                verify::FINGERPRINT_MEMORY_BUDGET >> 20
            ));
        }
        fitted
    }

    /// After an NVMe crypto erase sent with No-Deallocate: every block that held data must read
    /// differently and not uniformly (a drive that only deallocates reads zeros).
    pub(super) fn crypto_erase_check(&mut self, dev: &dyn BlockIo, request: &JobRequest) {
        let (Some(fp), Some(plan)) = (self.fingerprints.take(), self.sample_plan.clone()) else {
            return self.fail(
                ExceptionCode::VerificationError,
                "no fingerprints were taken before the crypto erase",
            );
        };
        self.phase(super::JobPhase::Verify);
        let expected = Expected::ChangedNotUniform(fp);
        let cancel = self.cancel.clone();
        let result = {
            let mut sink = self.progress_sink();
            let mut ctl = Control::new(cancel, &mut sink);
            verify::run(
                dev,
                &VerifyScope::Sampled(plan),
                &expected,
                &request.verify_options,
                &mut ctl,
            )
        };
        self.fingerprints = expected.into_fingerprints();
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                return self.fail(
                    ExceptionCode::VerificationError,
                    format!("the check after the crypto erase could not start: {e}"),
                )
            }
        };
        if !report.passed() {
            let code = if self.cancel.is_cancelled() {
                ExceptionCode::Cancelled
            } else {
                ExceptionCode::VerificationFailed
            };
            self.fail(
                code,
                format!(
                    "after the crypto erase, which was asked to keep the data, the samples that held data must read as new, non-uniform bytes: {}",
                    report.summary()
                ),
            );
        }
        self.crypto_check = Some(report);
    }

    /// Below the evidence rule's share of informative blocks, a passed comparison proves too
    /// little: `verification-inconclusive`. The check after a crypto erase that kept the data
    /// counts too (its blocks read as new bytes even where they held zeros).
    pub(super) fn judge_evidence(&mut self, report: &VerifyReport) {
        let Some(final_evidence) = report.evidence() else {
            return;
        };
        if final_evidence.sufficient() {
            return;
        }
        let earlier = self
            .crypto_check
            .as_ref()
            .filter(|c| c.passed())
            .and_then(VerifyReport::evidence);
        if earlier.as_ref().is_some_and(|e| e.sufficient()) {
            return;
        }
        self.fail(
            ExceptionCode::VerificationInconclusive,
            format!(
                "the read-back found nothing wrong but proves little: {}. Blocks that were uniform or unreadable before the erase and read the same after look alike whether the drive erased them or not",
                final_evidence.describe()
            ),
        );
    }

    /// An NVMe crypto erase that could not keep the data (the controller deallocates after
    /// every sanitize, SANICAP NDI) was never checked on its own: what it left reads as zeros,
    /// exactly as a drive that only deallocates would read. A read-back that passes then proves
    /// the deallocation, not the crypto erase: `verification-inconclusive`.
    pub(super) fn judge_unkept_crypto_erase(&mut self, plan: &Plan) {
        let crypto = Method::NvmeSanitize {
            action: SanitizeAction::CryptoErase,
        };
        let crypto_ran = plan
            .steps
            .iter()
            .any(|s| matches!(s, Step::Firmware { method, .. } if *method == crypto));
        if crypto_ran && !plan.steps.contains(&Step::CryptoEraseCheck) {
            self.fail(
                ExceptionCode::VerificationInconclusive,
                "the controller deallocates after every sanitize (SANICAP NDI), so its crypto erase could not be checked before the deallocation: the disk reads as zeros, as it would if the drive had only deallocated its blocks without erasing them",
            );
        }
    }

    /// FLUSH CACHE EXT on an ATA drive that answers ATA commands. After a host overwrite a
    /// failure is `flush-failed` (the written data may not be on the medium); otherwise a note.
    pub(super) fn flush_ata_cache(&mut self, disk: &mut OpenedDisk, probe: &ProbeReport) -> bool {
        let Commands::Ata(ata) = &mut disk.commands else {
            return true;
        };
        if probe.capabilities.command_set != CommandSet::Ata {
            return true;
        }
        match ata.flush_cache_ext() {
            Ok(_) => true,
            Err(e) if self.overwrite.is_some() => {
                let code = if e.is_device_gone() {
                    ExceptionCode::DeviceGone
                } else {
                    ExceptionCode::FlushFailed
                };
                self.fail(
                    code,
                    format!("FLUSH CACHE EXT failed after the overwrite ({e}): the written data may not be on the medium"),
                );
                false
            }
            Err(e) => {
                self.message(format!("FLUSH CACHE EXT: {e}"));
                true
            }
        }
    }
}
