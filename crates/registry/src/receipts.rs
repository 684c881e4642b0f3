//! Receipts: the inclusion proof of an entry against the newest checkpoint (with the
//! witnesses' cosignatures held for it), and the registry's signed statement on the entry
//! (its received time, the first checkpoint that includes it and, for rule
//! `registry-log-v1`, the quality-control selection drawn from that checkpoint's signature).

use ardoise_cert::merkle::MerkleError;
use ardoise_cert::note::NoteSigner;
use ardoise_cert::payload::{Qc, QC_RULE_LOG_V1};
use ardoise_cert::receipt::Receipt;
use ardoise_cert::statement::{qc_log_draw, signature_of, QcDecision, Statement};
use time::OffsetDateTime;

use crate::db::{Conn, DbError, Value};
use crate::log_view::{LogView, SignedCheckpoint};

/// What the registry knows of one entry when it writes its receipt.
pub struct Entry<'a> {
    /// Certificate id.
    pub cert_id: &'a str,
    /// Position in the log.
    pub index: u64,
    /// When the registry received it, Unix seconds.
    pub received_at: i64,
    /// The certificate's quality-control field (None when unreadable).
    pub qc: Option<&'a Qc>,
}

/// The first checkpoint the registry signed that includes entry `index`.
pub fn first_checkpoint_including(
    c: &mut Conn,
    index: u64,
) -> Result<Option<SignedCheckpoint>, DbError> {
    let Some(r) = c.query_one(
        "SELECT tree_size, note FROM checkpoints WHERE tree_size > ? ORDER BY tree_size LIMIT 1",
        &[Value::Int(index as i64)],
    )?
    else {
        return Ok(None);
    };
    let note = r[1].text()?;
    let cp = ardoise_cert::note::checkpoint_unverified(&note)
        .map_err(|e| DbError::Other(format!("stored checkpoint: {e}")))?;
    Ok(Some(SignedCheckpoint {
        size: r[0].int()? as u64,
        root: cp.root,
        note,
    }))
}

/// The signed statement on `entry` and the first checkpoint's note (for the receipt).
pub fn statement(
    signer: &NoteSigner,
    view: &LogView,
    entry: &Entry<'_>,
    first: &SignedCheckpoint,
) -> Option<(String, String)> {
    let first_signature = signature_of(&first.note, signer.name())?;
    let leaf = hex::encode(view.tree.leaf(entry.index)?);
    let qc = entry
        .qc
        .filter(|q| q.rule == QC_RULE_LOG_V1)
        .map(|q| QcDecision {
            rule: q.rule.clone(),
            rate_ppm: q.rate_ppm,
            selected: qc_log_draw(entry.cert_id, &first_signature) < q.rate_ppm,
        });
    let s = Statement {
        origin: signer.name().to_string(),
        cert_id: entry.cert_id.to_string(),
        log_index: entry.index,
        leaf_hash: leaf,
        received_at: entry.received_at,
        first_size: first.size,
        first_signature,
        qc,
    };
    Some((s.sign(signer).ok()?, first.note.clone()))
}

/// A receipt for `entry` against the view's checkpoint, with `statement` (from
/// [`statement`]) when given.
pub fn build_receipt(
    view: &LogView,
    entry: &Entry<'_>,
    registry_key: &str,
    statement: Option<(String, String)>,
) -> Result<Receipt, MerkleError> {
    let index = entry.index;
    let cp = view
        .checkpoint
        .as_ref()
        .ok_or(MerkleError::IndexOutOfRange { index, size: 0 })?;
    let proof = view
        .tree
        .inclusion_proof_with(index, cp.size, Some(&view.spine))?;
    let (statement, first_checkpoint) = match statement {
        Some((s, f)) => (Some(s), Some(f)),
        None => (None, None),
    };
    Ok(Receipt {
        cert_id: entry.cert_id.to_string(),
        log_index: index,
        leaf_hash: hex::encode(view.tree.leaf(index).expect("index below size")),
        inclusion_proof: proof.iter().map(hex::encode).collect(),
        checkpoint: view.cosigned_note(cp),
        registry_key: registry_key.to_string(),
        received_at: OffsetDateTime::from_unix_timestamp(entry.received_at)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        statement,
        first_checkpoint,
    })
}
