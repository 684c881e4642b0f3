//! The verdict of an erase: `erased`, `erased_with_exceptions` or `not_erased`, with the reasons.
//!
//! One function decides, from facts the job collected, so that no executor can declare success
//! on its own. The rules (docs/methods.md, "Verdict"):
//! - **not_erased** when the erase did not complete (command failed, device vanished, job
//!   cancelled or interrupted), when the drive's own status after the command says it failed,
//!   when the final flush failed, or when verification found data that should not be there;
//! - **erased_with_exceptions** when the erase completed and verification found nothing wrong,
//!   but something could not be covered: sectors that could not be written or read, hidden
//!   sectors that could not be made visible or measured, sectors beyond the kernel's size, a
//!   read-back without enough evidence, or no verification at all;
//! - **erased** otherwise.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// The verdict of one erase (see the module documentation for the rules).
pub enum Outcome {
    /// The erase completed, was verified, and nothing limits it.
    Erased,
    /// The erase completed and verification found nothing wrong, but part of the disk could not be
    /// covered or checked; the exceptions say which.
    ErasedWithExceptions,
    /// The erase did not complete, or data that should be gone was found.
    NotErased,
}

impl Outcome {
    /// The verdict as written in certificates: `erased`, `erased_with_exceptions` or `not_erased`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Erased => "erased",
            Outcome::ErasedWithExceptions => "erased_with_exceptions",
            Outcome::NotErased => "not_erased",
        }
    }
}

/// Why an erase is not a clean `erased`. Stable codes (certificates, translations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionCode {
    /// A step of the erase failed or was refused by the drive.
    EraseFailed,
    /// The device disappeared during the job.
    DeviceGone,
    /// The technician cancelled the job.
    Cancelled,
    /// The job was interrupted (power loss, crash) and found unfinished at the next start.
    Interrupted,
    /// The drive's status after the command contradicts success (sanitize status, security state).
    DeviceStatusMismatch,
    /// The final flush (fsync / FLUSH CACHE) failed: written data may not be on the medium.
    FlushFailed,
    /// Verification read data that the erase should have removed.
    VerificationFailed,
    /// Verification could not run.
    VerificationError,
    /// No verification was done (`--verify none`).
    NotVerified,
    /// Sectors could not be written; they were skipped and may still hold data.
    UnwritableSectors,
    /// Samples could not be read back during verification; they were not checked.
    UnreadableSectors,
    /// Hidden sectors (HPA/DCO) could not be made visible: they were neither erased by the host
    /// nor verified.
    HiddenAreaNotErased,
    /// Hidden areas could not be measured (READ NATIVE MAX or DCO IDENTIFY refused, or a disk
    /// reached by reads and writes only that may be an ATA drive): the erase covered what the
    /// computer sees, which may not be the whole drive.
    HiddenAreasNotChecked,
    /// The drive reports more sectors than the kernel lets the computer reach: those sectors
    /// were neither erased by the host nor verified.
    UnreachableSectors,
    /// The read-back found nothing wrong but proves little: too few compared blocks could show
    /// a change (docs/methods.md, rule `ardoise-evidence-v1`).
    VerificationInconclusive,
}

impl ExceptionCode {
    /// Whether this exception means part of the disk was not shown erased, so that the
    /// certificate may not claim a NIST level for the whole disk without saying so.
    pub fn limits_coverage(self) -> bool {
        matches!(
            self,
            ExceptionCode::HiddenAreaNotErased
                | ExceptionCode::HiddenAreasNotChecked
                | ExceptionCode::UnreachableSectors
                | ExceptionCode::NotVerified
                | ExceptionCode::VerificationInconclusive
                | ExceptionCode::UnwritableSectors
                | ExceptionCode::UnreadableSectors
        )
    }

    /// Whether this exception alone means the disk must not be called erased.
    pub fn is_fatal(self) -> bool {
        matches!(
            self,
            ExceptionCode::EraseFailed
                | ExceptionCode::DeviceGone
                | ExceptionCode::Cancelled
                | ExceptionCode::Interrupted
                | ExceptionCode::DeviceStatusMismatch
                | ExceptionCode::FlushFailed
                | ExceptionCode::VerificationFailed
                | ExceptionCode::VerificationError
        )
    }
}

/// One exception with its detail in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    /// What went wrong, as a stable code.
    pub code: ExceptionCode,
    /// The detail in words, for the technician and the certificate.
    pub detail: String,
}

impl Exception {
    /// An exception with code `code` and detail `detail`.
    pub fn new(code: ExceptionCode, detail: impl Into<String>) -> Self {
        Exception {
            code,
            detail: detail.into(),
        }
    }
}

/// Decides the outcome from the exceptions a job collected. An empty list is the only way to
/// `erased`, and a job that never recorded its erase as complete must pass `EraseFailed` or
/// `Interrupted` itself: [`decide`] is deliberately given no other input.
pub fn decide(exceptions: &[Exception]) -> Outcome {
    if exceptions.iter().any(|e| e.code.is_fatal()) {
        Outcome::NotErased
    } else if exceptions.is_empty() {
        Outcome::Erased
    } else {
        Outcome::ErasedWithExceptions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        assert_eq!(decide(&[]), Outcome::Erased);
        assert_eq!(
            decide(&[Exception::new(ExceptionCode::NotVerified, "")]),
            Outcome::ErasedWithExceptions
        );
        assert_eq!(
            decide(&[
                Exception::new(ExceptionCode::UnwritableSectors, "3"),
                Exception::new(ExceptionCode::HiddenAreaNotErased, "")
            ]),
            Outcome::ErasedWithExceptions
        );
        for partial in [
            ExceptionCode::HiddenAreasNotChecked,
            ExceptionCode::UnreachableSectors,
            ExceptionCode::VerificationInconclusive,
        ] {
            assert_eq!(
                decide(&[Exception::new(partial, "")]),
                Outcome::ErasedWithExceptions
            );
            assert!(partial.limits_coverage() && !partial.is_fatal());
        }
        for fatal in [
            ExceptionCode::EraseFailed,
            ExceptionCode::DeviceGone,
            ExceptionCode::Cancelled,
            ExceptionCode::Interrupted,
            ExceptionCode::DeviceStatusMismatch,
            ExceptionCode::FlushFailed,
            ExceptionCode::VerificationFailed,
            ExceptionCode::VerificationError,
        ] {
            assert_eq!(
                decide(&[
                    Exception::new(ExceptionCode::NotVerified, ""),
                    Exception::new(fatal, "")
                ]),
                Outcome::NotErased,
                "{fatal:?}"
            );
        }
    }
}
