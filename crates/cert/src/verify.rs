//! Offline verification of certificate files: one verdict per certificate with the list of
//! checks and why each failed.
//!
//! Checks, in order (a later check is skipped when it cannot be judged):
//! 1. `envelope`  — DSSE JSON well-formed, payload type, exactly one 64-byte signature;
//! 2. `signature` — Ed25519 over PAE(payloadType, payload) by a key listed in the trust file;
//! 3. `schema`    — payload deserialises into the v1 model (unknown fields refused) and passes
//!    the consistency checks; problems name the field path;
//! 4. `key`       — the key was valid at `issued_at` (not before `not_before`, not after
//!    `not_after`, not revoked at that time) and belongs to the workshop and station the
//!    payload names;
//! 5. `qc`        — `qc.selected` recomputed from `qc.rule`, `qc.rate_ppm`, `issuer.key_id`
//!    and `journal.seq`; a disagreement fails (a forged "not selected" dodges quality
//!    control). Rule `none` (certificates made before QC sampling) is a warning; an unknown
//!    rule already fails the `schema` check, and `qc` is then skipped;
//! 6. `journal`   — continuity with the other certificates given (gaps, forks, broken links);
//! 7. `receipt`   — when `<name>.receipt.json` lies beside the file: leaf hash, inclusion
//!    proof against the checkpoint, checkpoint signature by the trusted registry key.

use std::path::{Path, PathBuf};

use serde::Serialize;
use time::OffsetDateTime;

use crate::envelope::{envelope_hash, Envelope};
use crate::journal::{self, JournalMember, LinkStatus, StationJournal};
use crate::note::NoteVerifier;
use crate::payload::Certificate;
use crate::receipt::{self, Receipt, VerifiedReceipt};
use crate::trust::{KeyStatus, TrustFile};

mod envelope_checks;
use envelope_checks::check_envelope;

/// Options of [`verify_files`].
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The registry's checkpoint key; without it receipts are checked structurally only
    /// (and the receipt check is a warning).
    pub registry_key: Option<NoteVerifier>,
    /// The files are the station's complete journal: gaps and a start other than seq 0 fail.
    pub complete_journal: bool,
    /// Witnesses the auditor trusts (C2SP `cosignature/v1`): with any given, a receipt passes
    /// only when at least `witnesses_required` of them cosigned its checkpoint.
    pub witnesses: Vec<crate::cosign::WitnessVerifier>,
    /// How many of `witnesses` must have cosigned each receipt's checkpoint.
    pub witnesses_required: usize,
}

/// Result of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// The check succeeded.
    Pass,
    /// The check succeeded with something the reader should know (does not invalidate).
    Warn,
    /// The check failed: the certificate is invalid.
    Fail,
    /// The check could not run (e.g. no receipt stored, or an earlier check failed).
    Skipped,
}

impl CheckStatus {
    /// The word printed in the text report: `ok`, `WARN`, `FAIL` or `skipped`.
    pub fn word(self) -> &'static str {
        match self {
            CheckStatus::Pass => "ok",
            CheckStatus::Warn => "WARN",
            CheckStatus::Fail => "FAIL",
            CheckStatus::Skipped => "skipped",
        }
    }
}

/// One check on one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked: `envelope`, `signature`, `schema`, `key`, `qc`, `journal`, `receipt`,
    /// `log`.
    pub name: &'static str,
    /// How it ended.
    pub status: CheckStatus,
    /// What was found, in words.
    pub detail: String,
}

/// Overall verdict on one certificate file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed (warnings allowed).
    Valid,
    /// At least one check failed: do not rely on this certificate.
    Invalid,
}

/// The verdict on one file.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateVerdict {
    /// The envelope file checked.
    pub file: PathBuf,
    /// blake3 of the payload, when the envelope could be read.
    pub cert_id: Option<String>,
    /// Valid or invalid.
    pub verdict: Verdict,
    /// Every check run, in order.
    pub checks: Vec<Check>,
    /// The certificate's `issuer.workshop_id`, when the payload could be read.
    pub workshop: Option<String>,
    /// The certificate's `issuer.station_id`, when the payload could be read.
    pub station: Option<String>,
    /// The certificate's `journal.seq`, when the payload could be read.
    pub seq: Option<u64>,
    /// The certificate, once signature and schema passed.
    #[serde(skip)]
    pub certificate: Option<Certificate>,
    /// What the payload claims when it parses at all, even if a check failed (for display
    /// with a warning only; never trust it).
    #[serde(skip)]
    pub claimed: Option<Certificate>,
    /// The registry receipt, when one was found and verified.
    #[serde(skip)]
    pub receipt: Option<VerifiedReceipt>,
}

impl CertificateVerdict {
    /// The checks that failed.
    pub fn failed_checks(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == CheckStatus::Fail)
    }

    /// One line: verdict, file, id, and either the subject or the first failure.
    pub fn line(&self) -> String {
        let word = match self.verdict {
            Verdict::Valid => "VALID  ",
            Verdict::Invalid => "INVALID",
        };
        let id = self
            .cert_id
            .as_deref()
            .map(|i| format!(" id {}", &i[..16.min(i.len())]))
            .unwrap_or_default();
        let what = match (&self.verdict, &self.certificate) {
            (Verdict::Valid, Some(c)) => format!(
                " {}/{} #{} {} {} {}: {}",
                c.issuer.workshop_id,
                c.issuer.station_id,
                c.journal.seq,
                c.media.model,
                c.media.serial,
                crate::fmt_time(c.issued_at),
                outcome_word(c)
            ),
            _ => {
                let fails: Vec<String> = self
                    .failed_checks()
                    .map(|c| format!("{}: {}", c.name, c.detail))
                    .collect();
                format!(" {}", fails.join("; "))
            }
        };
        format!("{word} {}{id}{what}", self.file.display())
    }
}

fn outcome_word(c: &Certificate) -> &'static str {
    match c.outcome.status {
        crate::payload::OutcomeStatus::Erased => "erased",
        crate::payload::OutcomeStatus::ErasedWithExceptions => "erased with exceptions",
        crate::payload::OutcomeStatus::NotErased => "NOT ERASED",
    }
}

/// Everything `ardoise verify` reports.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// True when every certificate is valid.
    pub ok: bool,
    /// One verdict per file, in the order given.
    pub certificates: Vec<CertificateVerdict>,
    /// One journal summary per station among the certificates given.
    pub journals: Vec<StationJournal>,
}

impl VerifyReport {
    /// Human-readable form: one verdict line per certificate, the checks that did not pass
    /// indented below it, then one line per station journal.
    ///
    /// Everything that comes from a file (names, key ids, field values, error details) is
    /// printed with its control characters escaped, so that no file can move the cursor,
    /// clear a line or fake a verdict on the auditor's terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut push_line = |line: &str| {
            out.push_str(&escape_controls(line));
            out.push('\n');
        };
        for v in &self.certificates {
            push_line(&v.line());
            for c in v
                .checks
                .iter()
                .filter(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Warn))
            {
                push_line(&format!("    {} {}: {}", c.status.word(), c.name, c.detail));
            }
        }
        for j in &self.journals {
            push_line(&format!(
                "journal {}/{}: {} certificate(s), seq {}..={}, {}",
                j.workshop,
                j.station,
                j.certificates,
                j.first_seq,
                j.last_seq,
                if j.findings.is_empty() {
                    "no gap, no fork".to_string()
                } else {
                    format!("{} finding(s)", j.findings.len())
                }
            ));
        }
        let valid = self
            .certificates
            .iter()
            .filter(|v| v.verdict == Verdict::Valid)
            .count();
        push_line(&format!(
            "{} certificate(s): {} valid, {} invalid",
            self.certificates.len(),
            valid,
            self.certificates.len() - valid
        ));
        out
    }

    /// The report as pretty JSON (`ardoise verify --json`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serialises")
    }
}

/// `s` with every control character (C0, DEL, C1) written as a Rust escape (`\u{1b}`,
/// `\r`, `\n`…): what a terminal shows stays what the text says.
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// Path of the receipt stored beside a certificate file: `<name>.receipt.json` where
/// `<name>` is the file name without `.dsse.json` (or `.json`).
pub fn receipt_path_for(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".dsse.json")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(&name);
    file.with_file_name(format!("{stem}.receipt.json"))
}

/// A certificate whose envelope, signature, key and schema checks passed (what the registry
/// accepts).
#[derive(Debug, Clone)]
pub struct VerifiedCertificate {
    /// Its id (64 lowercase hex digits: blake3 of the payload).
    pub cert_id: String,
    /// The parsed payload.
    pub certificate: Certificate,
    /// The envelope as received.
    pub envelope: Envelope,
}

struct Partial {
    checks: Vec<Check>,
    cert_id: Option<String>,
    certificate: Option<Certificate>,
    claimed: Option<Certificate>,
}

fn check(name: &'static str, status: CheckStatus, detail: impl Into<String>) -> Check {
    Check {
        name,
        status,
        detail: detail.into(),
    }
}

/// Recomputes the quality-control selection from the certificate's own fields: a station
/// that claims "not selected" against its rule would dodge the secondary verification.
pub fn qc_check(cert: &Certificate) -> Check {
    let qc = &cert.qc;
    let rate = crate::payload::ppm_text(u64::from(qc.rate_ppm));
    let word = |b: bool| if b { "selected" } else { "not selected" };
    if qc.rule == crate::payload::QC_RULE_LOG_V1 {
        // Decided when the registry logged the certificate: the receipt statement says it
        // (see `apply_statement`), the certificate alone cannot.
        return check(
            "qc",
            CheckStatus::Warn,
            format!(
                "selection decided by the registry when it logged the certificate (rule {}, rate {rate}): no verified receipt statement to read it from",
                qc.rule
            ),
        );
    }
    match qc.expected(&cert.issuer.key_id, cert.journal.seq) {
        // Unreachable through the schema check (it refuses unknown rules); kept so that no
        // caller can take an unrecomputable selection for a valid one.
        None => check(
            "qc",
            CheckStatus::Fail,
            format!(
                "selection rule \"{}\" is unknown: the selection cannot be recomputed",
                qc.rule
            ),
        ),
        Some(_) if qc.rule == crate::payload::QC_RULE_NONE => check(
            "qc",
            CheckStatus::Warn,
            "no quality-control selection recorded (rule none: certificate made before QC sampling)",
        ),
        Some(expected) if expected != qc.selected => check(
            "qc",
            CheckStatus::Fail,
            format!(
                "claims {} but rule {} at rate {rate} gives {} for key {} seq {}",
                word(qc.selected),
                qc.rule,
                word(expected),
                cert.issuer.key_id,
                cert.journal.seq
            ),
        ),
        Some(expected) => check(
            "qc",
            CheckStatus::Pass,
            format!(
                "{} for quality control (rule {}, rate {rate}), recomputed",
                word(expected),
                qc.rule
            ),
        ),
    }
}

/// What a verified receipt statement adds: the quality-control selection of rule
/// `registry-log-v1`, and the registry's signed received time against a later revocation.
fn apply_statement(
    checks: &mut [Check],
    cert: &Certificate,
    st: &crate::statement::Statement,
    trust: &TrustFile,
) {
    let rate = crate::payload::ppm_text(u64::from(cert.qc.rate_ppm));
    if cert.qc.rule == crate::payload::QC_RULE_LOG_V1 {
        let qc = match &st.qc {
            Some(q) if q.rule == cert.qc.rule && q.rate_ppm == cert.qc.rate_ppm => check(
                "qc",
                CheckStatus::Pass,
                format!(
                    "{} for quality control by the registry's log (rule {}, rate {rate}, first checkpoint {}), recomputed from the signed statement",
                    if q.selected { "selected" } else { "not selected" },
                    q.rule,
                    st.first_size
                ),
            ),
            _ => check(
                "qc",
                CheckStatus::Fail,
                "the registry's statement does not state the certificate's rule and rate",
            ),
        };
        if let Some(c) = checks.iter_mut().find(|c| c.name == "qc") {
            *c = qc;
        }
    }
    if let KeyStatus::Valid {
        revoked_later: Some(r),
        ..
    } = trust.status(&cert.issuer.key_id, cert.issued_at)
    {
        let received = st.received_at;
        if received < r.revoked_at.unix_timestamp() {
            if let Some(c) = checks.iter_mut().find(|c| c.name == "key") {
                c.status = CheckStatus::Pass;
                c.detail.push_str(&format!(
                    "; the registry's signed statement shows it received the certificate at {}, before the revocation",
                    OffsetDateTime::from_unix_timestamp(received)
                        .map(crate::fmt_time)
                        .unwrap_or_default()
                ));
            }
        }
    }
}

/// Checks one envelope (no journal, no receipt): what the registry runs on submission.
/// On failure, returns the failed checks.
pub fn verify_envelope(bytes: &[u8], trust: &TrustFile) -> Result<VerifiedCertificate, Vec<Check>> {
    let p = check_envelope(bytes, trust);
    match (p.certificate, p.cert_id) {
        (Some(certificate), Some(cert_id))
            if p.checks.iter().all(|c| c.status != CheckStatus::Fail) =>
        {
            Ok(VerifiedCertificate {
                cert_id,
                certificate,
                envelope: Envelope::parse(bytes).expect("parsed above"),
            })
        }
        _ => Err(p
            .checks
            .into_iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .collect()),
    }
}

/// [`verify_files`] with default options (no registry key, journal may be partial).
pub fn verify(files: &[PathBuf], trust: &TrustFile) -> VerifyReport {
    verify_files(files, trust, &VerifyOptions::default())
}

/// Verifies certificate files against a trust file; see the module docs for the checks.
pub fn verify_files(files: &[PathBuf], trust: &TrustFile, options: &VerifyOptions) -> VerifyReport {
    let mut verdicts = Vec::new();
    let mut journal_members = JournalMembers::default();
    // For each verdict, its index among the journal members (None: not a member).
    let mut member_of = Vec::new();

    for file in files {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                verdicts.push(unreadable_verdict(file, &e));
                member_of.push(None);
                continue;
            }
        };
        let mut p = check_envelope(&bytes, trust);
        member_of.push(journal_members.admit(&mut p, file, &bytes));
        let (receipt_check, verified_receipt) = receipt_check(file, &bytes, &mut p, trust, options);
        p.checks.push(receipt_check);
        verdicts.push(file_verdict(file, p, verified_receipt));
    }

    let (member_verdicts, journals) =
        journal::analyse(&journal_members.members, options.complete_journal);
    apply_journal_verdicts(&mut verdicts, &member_of, &member_verdicts);
    VerifyReport {
        ok: verdicts.iter().all(|v| v.verdict == Verdict::Valid),
        certificates: verdicts,
        journals,
    }
}

/// The verdict of a file that could not be read.
fn unreadable_verdict(file: &Path, e: &std::io::Error) -> CertificateVerdict {
    CertificateVerdict {
        file: file.to_path_buf(),
        cert_id: None,
        verdict: Verdict::Invalid,
        checks: vec![check(
            "envelope",
            CheckStatus::Fail,
            format!("cannot read: {e}"),
        )],
        workshop: None,
        station: None,
        seq: None,
        certificate: None,
        claimed: None,
        receipt: None,
    }
}

/// The verdict of a file read, valid until the journal analysis says otherwise.
fn file_verdict(
    file: &Path,
    p: Partial,
    verified_receipt: Option<VerifiedReceipt>,
) -> CertificateVerdict {
    let (workshop, station, seq) = match &p.certificate {
        Some(c) => (
            Some(c.issuer.workshop_id.clone()),
            Some(c.issuer.station_id.clone()),
            Some(c.journal.seq),
        ),
        None => (None, None, None),
    };
    CertificateVerdict {
        file: file.to_path_buf(),
        cert_id: p.cert_id,
        verdict: Verdict::Valid,
        checks: p.checks,
        workshop,
        station,
        seq,
        certificate: p.certificate,
        claimed: p.claimed,
        receipt: verified_receipt,
    }
}

/// The certificates given that take part in the journal analysis, each counted once.
#[derive(Default)]
struct JournalMembers {
    members: Vec<JournalMember>,
    /// Each certificate id admitted, with the first file that held it.
    seen_ids: Vec<(String, PathBuf)>,
}

impl JournalMembers {
    /// Admits the certificate of `p` when its signature and schema passed and it was not given
    /// before; returns its index among the members. Records a `journal` check otherwise.
    fn admit(&mut self, p: &mut Partial, file: &Path, bytes: &[u8]) -> Option<usize> {
        let (Some(c), Some(id)) = (&p.certificate, &p.cert_id) else {
            p.checks.push(check(
                "journal",
                CheckStatus::Skipped,
                "certificate not trusted",
            ));
            return None;
        };
        if let Some((_, first)) = self.seen_ids.iter().find(|(i, _)| i == id) {
            p.checks.push(check(
                "journal",
                CheckStatus::Pass,
                format!("same certificate as {} (counted once)", first.display()),
            ));
            return None;
        }
        self.seen_ids.push((id.clone(), file.to_path_buf()));
        self.members.push(JournalMember {
            cert_id: id.clone(),
            workshop: c.issuer.workshop_id.clone(),
            station: c.issuer.station_id.clone(),
            seq: c.journal.seq,
            prev: c.journal.prev_envelope_blake3.clone(),
            envelope_hash: envelope_hash(bytes),
        });
        Some(self.members.len() - 1)
    }
}

/// The `receipt` check of `file`'s certificate, and the receipt when fully verified. A verified
/// receipt's statement also settles the quality-control checks of `p`.
fn receipt_check(
    file: &Path,
    bytes: &[u8],
    p: &mut Partial,
    trust: &TrustFile,
    options: &VerifyOptions,
) -> (Check, Option<VerifiedReceipt>) {
    let rpath = receipt_path_for(file);
    if !rpath.exists() {
        let c = check(
            "receipt",
            CheckStatus::Skipped,
            "no receipt stored beside the file",
        );
        return (c, None);
    }
    let r = match std::fs::read(&rpath)
        .map_err(|e| e.to_string())
        .and_then(|b| Receipt::parse(&b).map_err(|e| e.to_string()))
    {
        Ok(r) => r,
        Err(e) => {
            let c = check(
                "receipt",
                CheckStatus::Fail,
                format!("{}: {e}", rpath.display()),
            );
            return (c, None);
        }
    };
    let Some(key) = &options.registry_key else {
        return (unsigned_receipt_check(bytes, &r), None);
    };
    let verified = if options.witnesses.is_empty() {
        receipt::verify_receipt(bytes, &r, key).map(|v| (v, String::new()))
    } else {
        receipt::verify_receipt_witnessed(
            bytes,
            &r,
            key,
            &options.witnesses,
            options.witnesses_required,
        )
        .map(|w| {
            let names: Vec<String> = w
                .cosignatures
                .iter()
                .map(|c| format!("{} at {}", c.witness, crate::fmt_time(c.time)))
                .collect();
            (w.receipt, format!("; cosigned by {}", names.join(", ")))
        })
    };
    match verified {
        Ok((v, cosigned)) => {
            if let (Some(st), Some(c)) = (&v.statement, &p.certificate) {
                apply_statement(&mut p.checks, c, st, trust);
            }
            let d = format!(
                "in the log of {} at index {} (tree size {}), received {}{cosigned}",
                v.checkpoint.origin,
                v.log_index,
                v.checkpoint.size,
                crate::fmt_time(r.received_at)
            );
            (check("receipt", CheckStatus::Pass, d), Some(v))
        }
        Err(e) => (check("receipt", CheckStatus::Fail, e.to_string()), None),
    }
}

/// Without a registry key, only the receipt's structure and inclusion proof can be checked.
fn unsigned_receipt_check(bytes: &[u8], r: &Receipt) -> Check {
    match receipt::check_receipt_structure(bytes, r) {
        Ok(v) => check(
            "receipt",
            CheckStatus::Warn,
            format!(
                "inclusion proof leads to the checkpoint root (index {}, tree size {}), \
                 but the checkpoint signature was not checked: no registry key given",
                v.log_index, v.checkpoint.size
            ),
        ),
        Err(e) => check("receipt", CheckStatus::Fail, e.to_string()),
    }
}

/// Adds each journal member's `journal` check and turns verdicts with a failed check invalid.
fn apply_journal_verdicts(
    verdicts: &mut [CertificateVerdict],
    member_of: &[Option<usize>],
    member_verdicts: &[journal::MemberVerdict],
) {
    for (v, m) in verdicts.iter_mut().zip(member_of) {
        if let Some(i) = m {
            let mv = &member_verdicts[*i];
            let status = match mv.status {
                LinkStatus::Pass => CheckStatus::Pass,
                LinkStatus::Warn => CheckStatus::Warn,
                LinkStatus::Fail => CheckStatus::Fail,
            };
            // Keep the documented order: journal before receipt.
            let pos = v.checks.len() - 1;
            v.checks
                .insert(pos, check("journal", status, mv.detail.clone()));
        }
        if v.checks.iter().any(|c| c.status == CheckStatus::Fail) {
            v.verdict = Verdict::Invalid;
        }
    }
}
