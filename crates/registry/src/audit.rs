//! The log audit: recomputes the Merkle tree from the envelopes stored in the database and
//! compares it with every checkpoint the registry signed. A certificate removed, altered or
//! inserted behind the registry's back shows up here.
//!
//! For each stored row, in log order: the index follows the previous one; the leaf hash
//! recomputed from the envelope text equals the stored one; the envelope's certificate id and
//! the searchable columns agree with the signed payload; the signature still verifies with
//! the registered key. Then every stored checkpoint: signed by the registry key, and its root
//! equals the root recomputed from the envelopes at its size; the latest covers every row.

use ardoise_cert::envelope::Envelope;
use ardoise_cert::merkle::leaf_hash;
use ardoise_cert::note::{verify_checkpoint, NoteVerifier};
use ardoise_cert::trust::TrustFile;
use ardoise_cert::verify::{verify_envelope, VerifiedCertificate};
use serde::Serialize;

use crate::db::{Conn, DbError, Row};
use crate::records;
use crate::tree::LogTree;

/// One inconsistency the audit found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// `missing_entry`, `altered_envelope`, `column_mismatch`, `signature`, `checkpoint_signature`,
    /// `checkpoint_mismatch`, `checkpoint_beyond_log`, `unchecked_entries`, `key_id_mismatch`.
    pub kind: &'static str,
    /// Log position concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
    /// Certificate concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_id: Option<String>,
    /// Human-readable explanation.
    pub detail: String,
}

/// Result of one audit run (served by `/api/v1/audit` and the audit page).
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// True when no problem was found.
    pub ok: bool,
    /// When the audit ran (RFC 3339 UTC).
    pub at: String,
    /// Log entries checked.
    pub entries: u64,
    /// Signed checkpoints checked.
    pub checkpoints: u64,
    /// Largest checkpoint whose root matched (the log up to there is as signed).
    pub last_good_checkpoint: Option<u64>,
    /// Problems found, at most `MAX_PROBLEMS`.
    pub problems: Vec<Problem>,
}

const MAX_PROBLEMS: usize = 1000;

/// Audits the log on one snapshot of the database (entries and checkpoints committed while
/// it runs are not half seen).
pub fn audit(
    c: &mut Conn,
    verifier: &NoteVerifier,
    trust: &TrustFile,
) -> Result<AuditReport, DbError> {
    c.read_snapshot(|c| audit_snapshot(c, verifier, trust))
}

fn audit_snapshot(
    c: &mut Conn,
    verifier: &NoteVerifier,
    trust: &TrustFile,
) -> Result<AuditReport, DbError> {
    let mut problems = Problems::default();
    let (tree, entries) = check_entries(c, trust, &mut problems)?;
    for (key_id, detail) in records::station_key_problems(c)? {
        problems.push(
            "key_id_mismatch",
            None,
            None,
            format!("station key {key_id}: {detail}"),
        );
    }
    let checkpoints = records::all_checkpoints(c)?;
    let last_good = check_checkpoints(&checkpoints, verifier, &tree, &mut problems);
    let max_cp = checkpoints.iter().map(|c| c.tree_size).max();
    if max_cp.is_none_or(|m| m < tree.size()) && tree.size() > 0 {
        problems.push(
            "unchecked_entries",
            max_cp,
            None,
            format!(
                "{} entries are not covered by any signed checkpoint: they were not appended by the registry",
                tree.size() - max_cp.unwrap_or(0)
            ),
        );
    }
    let problems = problems.0;
    Ok(AuditReport {
        ok: problems.is_empty(),
        at: records::rfc3339(time::OffsetDateTime::now_utc()),
        entries,
        checkpoints: checkpoints.len() as u64,
        last_good_checkpoint: last_good,
        problems,
    })
}

/// The problems found so far; past [`MAX_PROBLEMS`] the others are not kept.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn push(
        &mut self,
        kind: &'static str,
        log_index: Option<u64>,
        cert_id: Option<String>,
        detail: String,
    ) {
        if self.0.len() < MAX_PROBLEMS {
            self.0.push(Problem {
                kind,
                log_index,
                cert_id,
                detail,
            });
        }
    }
}

/// Checks every stored row in log order and rebuilds the tree from the envelopes; returns it
/// with the number of entries the indexes account for (gaps included).
fn check_entries(
    c: &mut Conn,
    trust: &TrustFile,
    problems: &mut Problems,
) -> Result<(LogTree, u64), DbError> {
    let mut tree = LogTree::new();
    let mut expected: u64 = 0;
    c.query_each(
        "SELECT log_index, cert_id, leaf_hash, envelope, workshop, station, seq, prev_hash, media_serial, outcome, issued_at, key_id FROM certificates ORDER BY log_index",
        &[],
        |r| {
            let index = r[0].int()? as u64;
            let cert_id = r[1].text()?;
            if index != expected {
                problems.push(
                    "missing_entry",
                    Some(expected),
                    None,
                    format!(
                        "log entries {expected}..{} are missing from the database",
                        index.saturating_sub(1)
                    ),
                );
            }
            expected = index + 1;
            let envelope = r[3].text()?;
            let leaf = leaf_hash(envelope.as_bytes());
            if hex::encode(leaf) != r[2].text()? {
                problems.push(
                    "altered_envelope",
                    Some(index),
                    Some(cert_id.clone()),
                    "the stored envelope does not hash to the leaf the registry logged".into(),
                );
            }
            tree.push(leaf);
            let columns = match verify_envelope(envelope.as_bytes(), trust) {
                Err(fails) => {
                    problems.push(
                        "signature",
                        Some(index),
                        Some(cert_id.clone()),
                        fails
                            .iter()
                            .map(|f| format!("{}: {}", f.name, f.detail))
                            .collect::<Vec<_>>()
                            .join("; "),
                    );
                    Vec::new()
                }
                Ok(v) => mismatched_columns(&v, &cert_id, &envelope, &r)?,
            };
            if !columns.is_empty() {
                problems.push(
                    "column_mismatch",
                    Some(index),
                    Some(cert_id.clone()),
                    format!(
                        "stored columns differ from the signed certificate: {}",
                        columns.join(", ")
                    ),
                );
            }
            Ok(true)
        },
    )?;
    Ok((tree, expected))
}

/// The stored columns of row `r` (the query of [`check_entries`]) that differ from the
/// signed certificate.
fn mismatched_columns(
    v: &VerifiedCertificate,
    cert_id: &str,
    envelope: &str,
    r: &Row,
) -> Result<Vec<&'static str>, DbError> {
    let mut columns = Vec::new();
    let cert = &v.certificate;
    if v.cert_id != cert_id {
        columns.push("cert_id");
    }
    if cert.issuer.workshop_id != r[4].text()? {
        columns.push("workshop");
    }
    if cert.issuer.station_id != r[5].text()? {
        columns.push("station");
    }
    if cert.journal.seq as i64 != r[6].int()? {
        columns.push("seq");
    }
    if cert.journal.prev_envelope_blake3 != r[7].opt_text()? {
        columns.push("prev_hash");
    }
    if cert.media.serial != r[8].text()? {
        columns.push("media_serial");
    }
    if serde_json::to_value(cert.outcome.status).ok()
        != Some(serde_json::Value::String(r[9].text()?))
    {
        columns.push("outcome");
    }
    if cert.issued_at.unix_timestamp() != r[10].int()? {
        columns.push("issued_at");
    }
    if Envelope::parse(envelope.as_bytes())
        .ok()
        .and_then(|e| e.signer_hint().ok().map(str::to_string))
        != Some(r[11].text()?)
    {
        columns.push("key_id");
    }
    Ok(columns)
}

/// Checks every stored checkpoint against the registry key and the rebuilt tree; returns
/// the largest size whose root matched.
fn check_checkpoints(
    checkpoints: &[records::StoredCheckpoint],
    verifier: &NoteVerifier,
    tree: &LogTree,
    problems: &mut Problems,
) -> Option<u64> {
    let mut last_good = None;
    let mut first_bad_reported = false;
    for cp in checkpoints {
        let parsed = match verify_checkpoint(&cp.note, verifier) {
            Ok(p) => p,
            Err(e) => {
                problems.push(
                    "checkpoint_signature",
                    None,
                    None,
                    format!("checkpoint of size {}: {e}", cp.tree_size),
                );
                continue;
            }
        };
        if parsed.size != cp.tree_size || hex::encode(parsed.root) != cp.root_hash {
            problems.push(
                "checkpoint_signature",
                None,
                None,
                format!(
                    "checkpoint row of size {} does not match its signed note",
                    cp.tree_size
                ),
            );
        }
        if parsed.size > tree.size() {
            problems.push(
                "checkpoint_beyond_log",
                Some(tree.size()),
                None,
                format!(
                    "the registry signed a checkpoint of {} entries but the database holds {}: entries were removed",
                    parsed.size,
                    tree.size()
                ),
            );
            continue;
        }
        match tree.root_at(parsed.size) {
            Ok(root) if root == parsed.root => last_good = Some(parsed.size),
            _ => {
                if !first_bad_reported {
                    first_bad_reported = true;
                    problems.push(
                        "checkpoint_mismatch",
                        None,
                        None,
                        format!(
                            "the stored envelopes do not hash to the signed root at size {} (the log matched up to size {}): an entry between them was altered, removed or inserted",
                            parsed.size,
                            last_good.map_or("none".to_string(), |s: u64| s.to_string())
                        ),
                    );
                }
            }
        }
    }
    last_good
}
