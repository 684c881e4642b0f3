//! The certificate's `outcome` and `limitations`, and the not-erased fallback for a
//! certificate that contradicts itself.

use ardoise_cert::payload as cm;
use ardoise_disk::MediaKind;
use ardoise_erase::job::ErasureReport;
use ardoise_erase::method::{Method, SanitizeAction};
use ardoise_erase::outcome::{ExceptionCode, Outcome};
use ardoise_erase::plan::Plan;

/// The last resort when a certificate contradicts itself: the same record, declared not erased,
/// with the contradiction as an exception. A not_erased certificate is always consistent.
pub fn degrade_to_not_erased(mut cert: cm::Certificate, issues: &str) -> cm::Certificate {
    cert.outcome.status = cm::OutcomeStatus::NotErased;
    cert.outcome.exceptions.push(cm::Exception {
        code: "station-error".into(),
        detail: format!("the station produced an inconsistent certificate ({issues}); the disk is not certified as erased"),
    });
    cert.sanitization.level_achieved = None;
    cert.sanitization.standard_claimed = None;
    cert
}

/// Exception codes in the certificate's kebab-case vocabulary.
pub fn exception_code(c: ExceptionCode) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', "-")))
        .unwrap_or_else(|| "unknown".into())
}

pub(super) fn outcome(report: &ErasureReport) -> cm::Outcome {
    cm::Outcome {
        status: match report.outcome {
            Outcome::Erased => cm::OutcomeStatus::Erased,
            Outcome::ErasedWithExceptions => cm::OutcomeStatus::ErasedWithExceptions,
            Outcome::NotErased => cm::OutcomeStatus::NotErased,
        },
        exceptions: report
            .exceptions
            .iter()
            .map(|e| cm::Exception {
                code: exception_code(e.code),
                detail: e.detail.clone(),
            })
            .collect(),
    }
}

pub(super) fn limitations(plan: &Plan, media: MediaKind) -> Vec<cm::Limitation> {
    use cm::limitations as l;
    let mut out = Vec::new();
    if media.may_hide_spare_flash() {
        out.push(l::host_readback_spare_flash());
    }
    if plan.method.is_firmware() {
        out.push(l::firmware_trusted());
    }
    if plan.method.is_crypto_erase() {
        out.push(cm::Limitation {
            code: "crypto-erase-depends-on-encryption".into(),
            text: "A cryptographic erase is only as strong as the drive's encryption of all data since its first use, which the computer cannot check.".into(),
        });
    }
    // An NVMe crypto erase that could not keep the data (SANICAP NDI) reads back as zeros, as a
    // mere deallocation would (docs/methods.md).
    if plan.method
        == (Method::NvmeSanitize {
            action: SanitizeAction::CryptoErase,
        })
        && !plan
            .steps
            .contains(&ardoise_erase::plan::Step::CryptoEraseCheck)
    {
        out.push(cm::Limitation {
            code: "crypto-erase-not-told-from-deallocation".into(),
            text: "The controller deallocates after every sanitize, so what its crypto erase left reads as zeros, as a deallocation without erasure would: the read-back cannot tell them apart.".into(),
        });
    }
    if media == MediaKind::RaidVolume {
        out.push(l::raid_members_not_sanitised());
    }
    out.push(l::bad_sectors_not_covered());
    out.push(l::no_conformance_claim());
    out
}
