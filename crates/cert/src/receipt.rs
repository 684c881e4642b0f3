//! Registry receipts: proof that a certificate's envelope is in the registry's Merkle log.
//!
//! ```json
//! {"cert_id": "<hex>", "log_index": 41, "leaf_hash": "<hex SHA-256(0x00 || envelope bytes)>",
//!  "inclusion_proof": ["<hex>", …], "checkpoint": "<signed note text>",
//!  "registry_key": "<vkey>", "received_at": "<RFC 3339>"}
//! ```
//!
//! `registry_key` is informational: verification always uses the key the auditor trusts.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::cosign::{self, Cosignature, WitnessVerifier};
use crate::envelope::Envelope;
use crate::merkle::{self, Hash, MerkleError};
use crate::note::{self, Checkpoint, NoteError, NoteVerifier};
use crate::statement::{self as stmt, Statement};

/// A receipt as stored beside a certificate (`<id>.receipt.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Id of the certificate the receipt is for (64 lowercase hex digits).
    pub cert_id: String,
    /// Position of the envelope in the registry's Merkle log, from 0.
    pub log_index: u64,
    /// Lowercase hex of the RFC 6962 leaf hash of the envelope bytes.
    pub leaf_hash: String,
    /// Lowercase hex hashes of the inclusion proof at the checkpoint's tree size.
    pub inclusion_proof: Vec<String>,
    /// The signed checkpoint (C2SP signed note) the proof leads to.
    pub checkpoint: String,
    /// The registry's verifier key (vkey form), for information.
    pub registry_key: String,
    /// When the registry received the certificate (its clock). Signed in `statement`.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// The registry's signed statement on this entry: received time, first checkpoint,
    /// quality-control selection ([`crate::statement`]). Absent in older receipts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// The first checkpoint that includes the entry, as the registry signed it: lets an
    /// auditor recompute the `registry-log-v1` selection offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_checkpoint: Option<String>,
}

/// Why a receipt does not prove that the certificate is in the registry's log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The receipt file is not valid JSON of the receipt shape.
    #[error("receipt is not valid JSON: {0}")]
    Json(String),
    /// The certificate's envelope cannot be parsed.
    #[error("envelope cannot be read: {0}")]
    Envelope(String),
    /// The receipt names another certificate.
    #[error("receipt is for certificate {in_receipt}, not {actual}")]
    CertId {
        /// The id the receipt names.
        in_receipt: String,
        /// The id of the envelope given.
        actual: String,
    },
    /// `leaf_hash` is not the RFC 6962 leaf hash of the envelope bytes.
    #[error("leaf_hash does not match the envelope bytes")]
    LeafHash,
    /// A hash field is not 64 lowercase hex digits.
    #[error("{field} is not a 32-byte lowercase hex hash")]
    BadHash {
        /// The field, e.g. `inclusion_proof[2]`.
        field: String,
    },
    /// The checkpoint does not parse or its signature does not verify.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    /// The entry's index is outside the tree the checkpoint describes.
    #[error("log_index {index} is not below the checkpoint's tree size {size}")]
    IndexBeyondCheckpoint {
        /// The receipt's `log_index`.
        index: u64,
        /// The checkpoint's tree size.
        size: u64,
    },
    /// The inclusion proof does not lead to the checkpoint's root hash.
    #[error("inclusion proof: {0}")]
    Inclusion(#[from] MerkleError),
    /// The registry's signed statement is malformed, badly signed, or disagrees with the
    /// receipt.
    #[error("statement: {0}")]
    Statement(String),
    /// Fewer trusted witnesses than required cosigned the checkpoint.
    #[error(
        "the checkpoint is cosigned by {got} of the trusted witnesses ({names}); {needed} needed"
    )]
    NotWitnessed {
        /// Cosignatures required.
        needed: usize,
        /// Valid cosignatures from trusted witnesses found.
        got: usize,
        /// Names of all the trusted witnesses given, comma-separated.
        names: String,
    },
}

fn parse_hash(s: &str, field: &str) -> Result<Hash, ReceiptError> {
    let bad = || ReceiptError::BadHash {
        field: field.into(),
    };
    if s.len() != 64 || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(bad());
    }
    hex::decode(s)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(bad)
}

impl Receipt {
    /// Reads a receipt from its JSON bytes (shape only; nothing is verified).
    pub fn parse(bytes: &[u8]) -> Result<Receipt, ReceiptError> {
        serde_json::from_slice(bytes).map_err(|e| ReceiptError::Json(e.to_string()))
    }

    /// Pretty JSON with a trailing newline (how receipts are stored).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("receipt serialises");
        v.push(b'\n');
        v
    }

    /// The proof as typed hashes.
    pub fn proof_hashes(&self) -> Result<Vec<Hash>, ReceiptError> {
        self.inclusion_proof
            .iter()
            .enumerate()
            .map(|(i, h)| parse_hash(h, &format!("inclusion_proof[{i}]")))
            .collect()
    }
}

/// A receipt whose every part checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReceipt {
    /// The checkpoint the inclusion proof leads to.
    pub checkpoint: Checkpoint,
    /// Position of the envelope in the log, from 0.
    pub log_index: u64,
    /// Whether the checkpoint's signature was checked with a trusted registry key.
    pub signature_checked: bool,
    /// The registry's signed statement, when the receipt has one and the key was given.
    pub statement: Option<Statement>,
}

/// Checks everything a receipt claims except the checkpoint signature: cert id and leaf hash
/// match the envelope bytes, and the inclusion proof leads to the checkpoint's root.
pub fn check_receipt_structure(
    envelope_bytes: &[u8],
    receipt: &Receipt,
) -> Result<VerifiedReceipt, ReceiptError> {
    let cp = note::checkpoint_unverified(&receipt.checkpoint)?;
    check_against(envelope_bytes, receipt, cp, false)
}

/// Full receipt verification: [`check_receipt_structure`] plus the checkpoint's signature by
/// the trusted `registry` key.
pub fn verify_receipt(
    envelope_bytes: &[u8],
    receipt: &Receipt,
    registry: &NoteVerifier,
) -> Result<VerifiedReceipt, ReceiptError> {
    let cp = note::verify_checkpoint(&receipt.checkpoint, registry)?;
    let mut verified = check_against(envelope_bytes, receipt, cp, true)?;
    verified.statement = check_statement(receipt, registry)?;
    Ok(verified)
}

/// The statement, when present, must be signed by the registry key and agree with the
/// receipt; its `first` checkpoint, when given, must be the registry's and include the
/// entry; a `registry-log-v1` selection must be what the draw gives.
fn check_statement(
    receipt: &Receipt,
    registry: &NoteVerifier,
) -> Result<Option<Statement>, ReceiptError> {
    let Some(note) = &receipt.statement else {
        return Ok(None);
    };
    let bad = ReceiptError::Statement;
    let s = stmt::verify_statement(note, registry)?;
    if s.cert_id != receipt.cert_id
        || s.log_index != receipt.log_index
        || s.leaf_hash != receipt.leaf_hash
    {
        return Err(bad("names another entry than the receipt".into()));
    }
    if s.received_at != receipt.received_at.unix_timestamp() {
        return Err(bad(format!(
            "received {} but the receipt says {}",
            s.received_at,
            crate::fmt_time(receipt.received_at)
        )));
    }
    if s.first_size <= s.log_index {
        return Err(bad("its first checkpoint does not include the entry".into()));
    }
    if let Some(first) = &receipt.first_checkpoint {
        let cp = note::verify_checkpoint(first, registry)?;
        if cp.size != s.first_size
            || stmt::signature_of(first, &registry.name).as_deref() != Some(&s.first_signature)
        {
            return Err(bad("first_checkpoint is not the checkpoint it names".into()));
        }
    }
    if let Some(q) = &s.qc {
        if q.rule == crate::payload::QC_RULE_LOG_V1 {
            let drawn = stmt::qc_log_draw(&s.cert_id, &s.first_signature) < q.rate_ppm;
            if drawn != q.selected {
                return Err(bad(format!(
                    "says {} for quality control but the draw gives {}",
                    if q.selected {
                        "selected"
                    } else {
                        "not selected"
                    },
                    if drawn { "selected" } else { "not selected" }
                )));
            }
        }
    }
    Ok(Some(s))
}

/// A receipt verified with the registry key whose checkpoint enough witnesses cosigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessedReceipt {
    /// The receipt, verified with the registry key.
    pub receipt: VerifiedReceipt,
    /// The trusted witnesses that cosigned the checkpoint, with their signed times.
    pub cosignatures: Vec<Cosignature>,
}

/// [`verify_receipt`], and at least `k` of the named `witnesses` cosigned the receipt's
/// checkpoint (C2SP `cosignature/v1`): independent parties saw that tree and checked it
/// consistent with every earlier one they saw, so the registry cannot show this tree to some
/// and another to others unnoticed.
pub fn verify_receipt_witnessed(
    envelope_bytes: &[u8],
    receipt: &Receipt,
    registry: &NoteVerifier,
    witnesses: &[WitnessVerifier],
    k: usize,
) -> Result<WitnessedReceipt, ReceiptError> {
    let verified = verify_receipt(envelope_bytes, receipt, registry)?;
    let cosignatures = cosign::verify_cosignatures(&receipt.checkpoint, witnesses)?;
    if cosignatures.len() < k {
        return Err(ReceiptError::NotWitnessed {
            needed: k,
            got: cosignatures.len(),
            names: witnesses
                .iter()
                .map(|w| w.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(WitnessedReceipt {
        receipt: verified,
        cosignatures,
    })
}

fn check_against(
    envelope_bytes: &[u8],
    receipt: &Receipt,
    checkpoint: Checkpoint,
    signature_checked: bool,
) -> Result<VerifiedReceipt, ReceiptError> {
    let env = Envelope::parse(envelope_bytes).map_err(|e| ReceiptError::Envelope(e.to_string()))?;
    let actual = env.certificate_id();
    if receipt.cert_id != actual {
        return Err(ReceiptError::CertId {
            in_receipt: receipt.cert_id.clone(),
            actual,
        });
    }
    let leaf = parse_hash(&receipt.leaf_hash, "leaf_hash")?;
    if leaf != merkle::leaf_hash(envelope_bytes) {
        return Err(ReceiptError::LeafHash);
    }
    if receipt.log_index >= checkpoint.size {
        return Err(ReceiptError::IndexBeyondCheckpoint {
            index: receipt.log_index,
            size: checkpoint.size,
        });
    }
    let proof = receipt.proof_hashes()?;
    merkle::verify_inclusion(
        &leaf,
        receipt.log_index,
        checkpoint.size,
        &proof,
        &checkpoint.root,
    )?;
    Ok(VerifiedReceipt {
        checkpoint,
        log_index: receipt.log_index,
        signature_checked,
        statement: None,
    })
}

/// Checks that the log only appended between two signed checkpoints: both signatures with
/// the trusted key, same origin, and the consistency proof (hex hashes) from old to new.
pub fn verify_checkpoint_consistency(
    old_note: &str,
    new_note: &str,
    proof: &[String],
    registry: &NoteVerifier,
) -> Result<(Checkpoint, Checkpoint), ReceiptError> {
    let old = note::verify_checkpoint(old_note, registry)?;
    let new = note::verify_checkpoint(new_note, registry)?;
    if old.origin != new.origin {
        return Err(ReceiptError::Checkpoint(NoteError::Checkpoint(format!(
            "origins differ: {:?} and {:?}",
            old.origin, new.origin
        ))));
    }
    let proof: Vec<Hash> = proof
        .iter()
        .enumerate()
        .map(|(i, h)| parse_hash(h, &format!("consistency_proof[{i}]")))
        .collect::<Result<_, _>>()?;
    merkle::verify_consistency(old.size, new.size, &old.root, &new.root, &proof)?;
    Ok((old, new))
}
