//! The log only grows: the largest registry checkpoint a station or an auditor has verified,
//! kept in a file, and the checks that any other checkpoint of the same log is consistent with
//! it (RFC 9162 §2.1.4 consistency proofs).
//!
//! The state file holds one signed checkpoint note, exactly as the registry signed it, so an
//! auditor can read it, pass it to another tool, or check its signature by hand. It is
//! replaced atomically, and only by a larger checkpoint proven to extend it.
//!
//! A checkpoint compared with the held one is:
//! - of the same size: its root must be the same (two roots for one size are a fork);
//! - larger: a consistency proof from the held size must lead from the held root to its root;
//! - smaller: a consistency proof from its size must lead from its root to the held one (a
//!   registry that rolled its log back cannot give one, since it no longer signs that size).
//!
//! The proofs come from whoever calls (the registry's `GET /api/v1/log/consistency`, or none
//! offline). Offline, [`prefix_roots`] gets what an inclusion proof alone proves: the roots of
//! some of the tree's prefixes.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::merkle::{self, Hash, MerkleError};
use crate::note::{self, Checkpoint, NoteError, NoteVerifier};

/// The largest checkpoint verified so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldCheckpoint {
    /// The signed note, as the registry signed it.
    pub note: String,
    /// The checkpoint the note carries (origin, tree size, root hash).
    pub checkpoint: Checkpoint,
}

/// Why a checkpoint could not be checked against the state, or what the check found wrong
/// with the registry's log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogStateError {
    /// The state file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The state file.
        path: PathBuf,
        /// The operating system's error, in words.
        reason: String,
    },
    /// The state file holds something other than a checkpoint signed by the registry key.
    #[error(
        "checkpoint state {path} does not hold a checkpoint signed by the registry key: {reason}"
    )]
    BadState {
        /// The state file.
        path: PathBuf,
        /// What is wrong with its content.
        reason: String,
    },
    /// The offered checkpoint does not parse or its signature does not verify.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    /// The offered checkpoint belongs to another log than the held one.
    #[error("checkpoint of log {offered:?}, but the state holds log {held:?}")]
    Origin {
        /// Origin line of the held checkpoint.
        held: String,
        /// Origin line of the offered checkpoint.
        offered: String,
    },
    /// Two signed checkpoints of the same size with different roots: proof that the log forked.
    #[error("the registry's log forked: two signed checkpoints of tree size {size} with different roots ({held} held, {offered} now)")]
    Fork {
        /// The common tree size.
        size: u64,
        /// Root hash of the held checkpoint.
        held: String,
        /// Root hash of the offered checkpoint.
        offered: String,
    },
    /// The consistency proof between the two checkpoints failed: the log was rewritten.
    #[error("the registry's log is not consistent between tree sizes {from} and {to}: {reason} (the log was rewritten, or shows different trees to different people)")]
    Inconsistent {
        /// Tree size of the smaller checkpoint.
        from: u64,
        /// Tree size of the larger checkpoint.
        to: u64,
        /// Why the proof failed.
        reason: String,
    },
    /// The registry did not provide a consistency proof (network, server error).
    #[error("no consistency proof between tree sizes {from} and {to}: {reason}")]
    ProofUnavailable {
        /// Tree size of the smaller checkpoint.
        from: u64,
        /// Tree size of the larger checkpoint.
        to: u64,
        /// Why it could not be obtained.
        reason: String,
    },
}

impl LogStateError {
    /// True for the evidence of a misbehaving log (fork, failed proof, other log), as opposed
    /// to a failure to check (I/O, network).
    pub fn is_misbehaviour(&self) -> bool {
        matches!(
            self,
            LogStateError::Fork { .. }
                | LogStateError::Inconsistent { .. }
                | LogStateError::Origin { .. }
        )
    }
}

/// How a checkpoint relates to the held one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// Nothing was held: accepted on first use.
    First,
    /// Same size, same root.
    Same,
    /// Larger, and proven to extend the held checkpoint.
    Extends {
        /// Tree size of the held checkpoint.
        from: u64,
    },
    /// Smaller, and proven to be a prefix of the held checkpoint.
    Prefix {
        /// Tree size of the held checkpoint.
        of: u64,
    },
}

/// Reads a state file: `None` when it does not exist; an error when it holds anything but a
/// checkpoint signed by `key`.
pub fn load(path: &Path, key: &NoteVerifier) -> Result<Option<HeldCheckpoint>, LogStateError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(LogStateError::Io {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        }
    };
    let checkpoint = note::verify_checkpoint(&text, key).map_err(|e| LogStateError::BadState {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(Some(HeldCheckpoint {
        note: text,
        checkpoint,
    }))
}

/// Replaces the state file atomically (temporary file, fsync, rename).
pub fn save(path: &Path, note: &str) -> Result<(), LogStateError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| LogStateError::Io {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
    }
    crate::station_store::write_atomic(path, note.as_bytes()).map_err(|e| LogStateError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Why no consistency proof came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofError {
    /// It could not be asked for (offline, network down, server error): nothing is proven
    /// either way.
    Unavailable(String),
    /// The registry answered that it will not or cannot give it, for sizes it signed: an
    /// honest log always can, so this counts as a failed proof.
    Refused(String),
}

impl From<String> for ProofError {
    fn from(s: String) -> Self {
        ProofError::Unavailable(s)
    }
}

/// Where a consistency proof between two tree sizes comes from (`from` < `to`).
pub type ProofSource<'a> = dyn FnMut(u64, u64) -> Result<Vec<Hash>, ProofError> + 'a;

/// Compares `offered` with the held checkpoint (see the module docs).
pub fn compare(
    held: Option<&Checkpoint>,
    offered: &Checkpoint,
    proof: &mut ProofSource<'_>,
) -> Result<Comparison, LogStateError> {
    let Some(held) = held else {
        return Ok(Comparison::First);
    };
    if held.origin != offered.origin {
        return Err(LogStateError::Origin {
            held: held.origin.clone(),
            offered: offered.origin.clone(),
        });
    }
    use base64::Engine;
    let b64 = |h: &Hash| base64::engine::general_purpose::STANDARD.encode(h);
    if held.size == offered.size {
        return if held.root == offered.root {
            Ok(Comparison::Same)
        } else {
            Err(LogStateError::Fork {
                size: held.size,
                held: b64(&held.root),
                offered: b64(&offered.root),
            })
        };
    }
    let (old, new) = if held.size < offered.size {
        (held, offered)
    } else {
        (offered, held)
    };
    // The empty tree is a prefix of every tree.
    if old.size > 0 {
        let hashes = proof(old.size, new.size).map_err(|e| match e {
            ProofError::Unavailable(reason) => LogStateError::ProofUnavailable {
                from: old.size,
                to: new.size,
                reason,
            },
            ProofError::Refused(reason) => LogStateError::Inconsistent {
                from: old.size,
                to: new.size,
                reason: format!("the registry gives no proof: {reason}"),
            },
        })?;
        merkle::verify_consistency(old.size, new.size, &old.root, &new.root, &hashes).map_err(
            |e| LogStateError::Inconsistent {
                from: old.size,
                to: new.size,
                reason: e.to_string(),
            },
        )?;
    }
    Ok(if held.size < offered.size {
        Comparison::Extends { from: held.size }
    } else {
        Comparison::Prefix { of: held.size }
    })
}

/// Checks a signed checkpoint against the state file at `path` and, when it is larger and
/// proven consistent (or nothing was held), makes it the new state. Holds a lock beside the
/// file meanwhile, so that two uploaders of one station never replace a larger state by a
/// smaller one.
pub fn advance(
    path: &Path,
    key: &NoteVerifier,
    offered_note: &str,
    proof: &mut ProofSource<'_>,
) -> Result<(Comparison, Checkpoint), LogStateError> {
    let offered = note::verify_checkpoint(offered_note, key)?;
    let _lock = lock_beside(path)?;
    let held = load(path, key)?;
    let cmp = compare(held.as_ref().map(|h| &h.checkpoint), &offered, proof)?;
    if matches!(cmp, Comparison::First | Comparison::Extends { .. }) {
        save(path, offered_note)?;
    }
    Ok((cmp, offered))
}

/// An exclusive lock on `<path>.lock`, released when the file is dropped.
fn lock_beside(path: &Path) -> Result<File, LogStateError> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    let io = |e: std::io::Error| LogStateError::Io {
        path: lock_path.clone(),
        reason: e.to_string(),
    };
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io)?;
    f.lock().map_err(io)?;
    Ok(f)
}

/// The roots of tree prefixes that a verified inclusion proof determines, smallest first.
///
/// The proof of leaf `index` in a tree of `size` leaves holds, as the siblings it hashes on
/// the left, the complete subtrees that tile `[0, index)` (one per bit set in `index`). With
/// them, the root of every prefix ending at one of their boundaries is known, and with the
/// leaf itself the root of `[0, index + 1)`. The proof is checked against `root` first.
pub fn prefix_roots(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<Vec<(u64, Hash)>, MerkleError> {
    merkle::verify_inclusion(leaf, index, size, proof, root)?;
    // Left siblings, bottom-up, in the order RFC 9162 §2.1.3.2 hashes them.
    let mut left = Vec::new();
    let (mut fn_, mut sn) = (index, size - 1);
    for p in proof {
        if fn_ & 1 == 1 || fn_ == sn {
            left.push(*p);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    let bits: Vec<u32> = (0..64).filter(|b| index >> b & 1 == 1).collect();
    if bits.len() != left.len() {
        return Err(MerkleError::WrongProofLength);
    }
    // (subtree size, hash), largest (leftmost) first.
    let tiles: Vec<(u64, Hash)> = bits
        .iter()
        .zip(&left)
        .map(|(b, h)| (1u64 << b, *h))
        .rev()
        .collect();
    let mut out = Vec::new();
    let mut end = 0;
    for k in 1..=tiles.len() {
        end += tiles[k - 1].0;
        out.push((end, fold_right(&tiles[..k])));
    }
    // [0, index + 1): the tiles and the leaf, equal neighbours merged as in a binary counter.
    let mut with_leaf = tiles;
    with_leaf.push((1, *leaf));
    while with_leaf.len() >= 2 {
        let n = with_leaf.len();
        if with_leaf[n - 2].0 != with_leaf[n - 1].0 {
            break;
        }
        let (s, right) = with_leaf.pop().expect("two tiles");
        let (_, l) = with_leaf.pop().expect("two tiles");
        with_leaf.push((2 * s, merkle::node_hash(&l, &right)));
    }
    out.push((index + 1, fold_right(&with_leaf)));
    Ok(out)
}

/// MTH of a prefix tiled by complete subtrees of decreasing sizes: RFC 9162's split point
/// of such a prefix is always the first tile's end.
fn fold_right(tiles: &[(u64, Hash)]) -> Hash {
    let mut it = tiles.iter().rev();
    let mut acc = it.next().expect("at least one tile").1;
    for (_, h) in it {
        acc = merkle::node_hash(h, &acc);
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::MerkleTree;
    use crate::note::NoteSigner;

    fn tree(n: u64, tweak: Option<u64>) -> MerkleTree {
        let mut t = MerkleTree::new();
        for i in 0..n {
            let v = if Some(i) == tweak { 1000 + i } else { i };
            t.push(format!("leaf {v}").as_bytes());
        }
        t
    }

    #[test]
    fn prefix_roots_are_the_roots_of_those_prefixes() {
        for size in 1..=33u64 {
            let t = tree(size, None);
            for index in 0..size {
                let leaf = merkle::leaf_hash(format!("leaf {index}").as_bytes());
                let proof = t.inclusion_proof(index, size).unwrap();
                let roots = prefix_roots(&leaf, index, size, &proof, &t.root()).unwrap();
                assert_eq!(roots.len() as u32, index.count_ones() + 1);
                assert_eq!(roots.last().unwrap().0, index + 1);
                for (p, r) in roots {
                    assert_eq!(
                        r,
                        t.root_at(p).unwrap(),
                        "size {size} index {index} prefix {p}"
                    );
                }
            }
        }
    }

    #[test]
    fn prefix_roots_refuse_a_proof_that_does_not_verify() {
        let t = tree(6, None);
        let proof = t.inclusion_proof(5, 6).unwrap();
        let leaf = merkle::leaf_hash(b"leaf 5");
        assert!(prefix_roots(&leaf, 5, 6, &proof, &[0; 32]).is_err());
    }

    fn cp(t: &MerkleTree) -> Checkpoint {
        Checkpoint {
            origin: "registre.test/log".into(),
            size: t.size(),
            root: t.root(),
            extensions: vec![],
        }
    }

    #[test]
    fn compare_accepts_growth_and_refuses_forks_and_rewrites() {
        let a = tree(5, None);
        let grown = tree(9, None);
        let forked = tree(6, Some(2));
        let mut honest = |from: u64, to: u64| {
            tree(to, None)
                .consistency_proof(from, to)
                .map_err(|e| ProofError::Refused(e.to_string()))
        };
        assert_eq!(
            compare(None, &cp(&a), &mut honest).unwrap(),
            Comparison::First
        );
        assert_eq!(
            compare(Some(&cp(&a)), &cp(&a), &mut honest).unwrap(),
            Comparison::Same
        );
        assert_eq!(
            compare(Some(&cp(&a)), &cp(&grown), &mut honest).unwrap(),
            Comparison::Extends { from: 5 }
        );
        assert_eq!(
            compare(Some(&cp(&grown)), &cp(&a), &mut honest).unwrap(),
            Comparison::Prefix { of: 9 }
        );
        // The forked log's own proof cannot lead from the held root.
        let mut forked_proof = |from: u64, to: u64| {
            tree(to, Some(2))
                .consistency_proof(from, to)
                .map_err(|e| ProofError::Refused(e.to_string()))
        };
        let e = compare(Some(&cp(&a)), &cp(&forked), &mut forked_proof).unwrap_err();
        assert!(
            matches!(e, LogStateError::Inconsistent { from: 5, to: 6, .. }),
            "{e}"
        );
        assert!(e.is_misbehaviour());
        let same_size = tree(5, Some(2));
        let e = compare(Some(&cp(&a)), &cp(&same_size), &mut honest).unwrap_err();
        assert!(matches!(e, LogStateError::Fork { size: 5, .. }), "{e}");
        let mut none = |_: u64, _: u64| Err::<Vec<Hash>, _>("offline".to_string().into());
        let e = compare(Some(&cp(&a)), &cp(&grown), &mut none).unwrap_err();
        assert!(!e.is_misbehaviour(), "{e}");
        // A registry that rolled back cannot prove the held checkpoint: a failed proof.
        let mut rolled_back = |from: u64, to: u64| {
            tree(7, None)
                .consistency_proof(from, to)
                .map_err(|e| ProofError::Refused(e.to_string()))
        };
        let e = compare(Some(&cp(&grown)), &cp(&a), &mut rolled_back).unwrap_err();
        assert!(e.is_misbehaviour(), "{e}");
    }

    #[test]
    fn advance_keeps_the_largest_checkpoint_and_only_after_a_proof() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/checkpoint");
        let signer = NoteSigner::new("registre.test/log", &[3; 32]).unwrap();
        let key = signer.verifier();
        let note = |t: &MerkleTree| cp(t).sign(&signer).unwrap();
        let mut honest = |from: u64, to: u64| {
            tree(to, None)
                .consistency_proof(from, to)
                .map_err(|e| ProofError::Refused(e.to_string()))
        };
        let (c, _) = advance(&path, &key, &note(&tree(5, None)), &mut honest).unwrap();
        assert_eq!(c, Comparison::First);
        advance(&path, &key, &note(&tree(9, None)), &mut honest).unwrap();
        advance(&path, &key, &note(&tree(7, None)), &mut honest).unwrap();
        assert_eq!(load(&path, &key).unwrap().unwrap().checkpoint.size, 9);
        let mut forked = |from: u64, to: u64| {
            tree(to, Some(2))
                .consistency_proof(from, to)
                .map_err(|e| ProofError::Refused(e.to_string()))
        };
        assert!(advance(&path, &key, &note(&tree(12, Some(2))), &mut forked).is_err());
        assert_eq!(load(&path, &key).unwrap().unwrap().checkpoint.size, 9);
        // A state that is not signed by the key is refused, not overwritten.
        let other = NoteSigner::new("registre.test/log", &[4; 32]).unwrap();
        std::fs::write(&path, cp(&tree(3, None)).sign(&other).unwrap()).unwrap();
        assert!(matches!(
            advance(&path, &key, &note(&tree(9, None)), &mut honest),
            Err(LogStateError::BadState { .. })
        ));
    }
}

/// What [`check_report`] did with the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateOutcome {
    /// Tree size held before and after (`None`: no state yet).
    pub before: Option<u64>,
    /// Tree size held after the check.
    pub after: Option<u64>,
    /// The state file was replaced (nothing failed and a larger checkpoint was proven).
    pub saved: bool,
}

/// `ardoise verify --checkpoint-state`: compares the checkpoint of every receipt verified with
/// the registry key against the state file, adds a `log` check to each certificate, and keeps
/// the largest checkpoint proven consistent when no check failed.
///
/// A comparison needs a consistency proof unless the sizes are equal or the receipt's own
/// inclusion proof gives the root at the held size ([`prefix_roots`]); `proof` supplies the
/// others (the registry), or fails offline, which leaves a warning.
pub fn check_report(
    report: &mut crate::verify::VerifyReport,
    state: &Path,
    key: &NoteVerifier,
    proof: &mut ProofSource<'_>,
) -> Result<StateOutcome, LogStateError> {
    use crate::verify::{CheckStatus, Verdict};
    let _lock = lock_beside(state)?;
    let mut held = load(state, key)?;
    let before = held.as_ref().map(|h| h.checkpoint.size);
    let mut order: Vec<usize> = (0..report.certificates.len())
        .filter(|&i| {
            report.certificates[i]
                .receipt
                .as_ref()
                .is_some_and(|r| r.signature_checked)
        })
        .collect();
    // Smallest first, so that the state grows one proven step at a time.
    order.sort_by_key(|&i| {
        report.certificates[i]
            .receipt
            .as_ref()
            .map(|r| r.checkpoint.size)
    });
    let mut any_failed = false;
    for i in order {
        let v = &mut report.certificates[i];
        let (status, detail) = match log_check_one(v, held.as_ref(), proof) {
            Ok((text, Some(new))) => {
                held = Some(new);
                (CheckStatus::Pass, text)
            }
            Ok((text, None)) => (CheckStatus::Pass, text),
            Err(e) if e.is_misbehaviour() => (CheckStatus::Fail, e.to_string()),
            Err(e) => (
                CheckStatus::Warn,
                format!("not compared with the state: {e}"),
            ),
        };
        any_failed |= status == CheckStatus::Fail;
        v.checks.push(crate::verify::Check {
            name: "log",
            status,
            detail,
        });
        if status == CheckStatus::Fail {
            v.verdict = Verdict::Invalid;
            report.ok = false;
        }
    }
    let after = held.as_ref().map(|h| h.checkpoint.size);
    let saved = !any_failed && after != before;
    if saved {
        save(
            state,
            &held.as_ref().expect("a checkpoint when sizes differ").note,
        )?;
    }
    Ok(StateOutcome {
        before,
        after: if saved { after } else { before },
        saved,
    })
}

/// The `log` check of one certificate whose receipt verified: its text, and the checkpoint to
/// hold next when it is larger and proven.
fn log_check_one(
    v: &crate::verify::CertificateVerdict,
    held: Option<&HeldCheckpoint>,
    proof: &mut ProofSource<'_>,
) -> Result<(String, Option<HeldCheckpoint>), LogStateError> {
    let path = crate::verify::receipt_path_for(&v.file);
    let receipt = std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|b| crate::receipt::Receipt::parse(&b).map_err(|e| e.to_string()))
        .map_err(|reason| LogStateError::Io {
            path: path.clone(),
            reason,
        })?;
    let cp = note::checkpoint_unverified(&receipt.checkpoint)?;
    let new = HeldCheckpoint {
        note: receipt.checkpoint.clone(),
        checkpoint: cp.clone(),
    };
    let Some(h) = held else {
        return Ok((
            format!("first checkpoint held: tree size {}", cp.size),
            Some(new),
        ));
    };
    // Offline: the receipt's inclusion proof may give the root at the held size.
    let known = prefix_roots_of(&receipt, &cp)
        .into_iter()
        .find(|(size, _)| *size == h.checkpoint.size && h.checkpoint.size < cp.size);
    let cmp = match known {
        Some((size, root)) if h.checkpoint.origin == cp.origin => {
            if root != h.checkpoint.root {
                return Err(LogStateError::Inconsistent {
                    from: size,
                    to: cp.size,
                    reason: "the receipt's inclusion proof gives another root at the held size"
                        .into(),
                });
            }
            Comparison::Extends { from: size }
        }
        _ => compare(Some(&h.checkpoint), &cp, proof)?,
    };
    Ok(match cmp {
        Comparison::Extends { from } => (
            format!("tree size {} extends the held size {from}", cp.size),
            Some(new),
        ),
        Comparison::Prefix { of } => (
            format!("tree size {} is a prefix of the held size {of}", cp.size),
            None,
        ),
        Comparison::Same | Comparison::First => (
            format!("tree size {} is the held checkpoint", cp.size),
            None,
        ),
    })
}

fn prefix_roots_of(receipt: &crate::receipt::Receipt, cp: &Checkpoint) -> Vec<(u64, Hash)> {
    let Ok(leaf) = hex::decode(&receipt.leaf_hash)
        .ok()
        .and_then(|v| <Hash>::try_from(v).ok())
        .ok_or(())
    else {
        return Vec::new();
    };
    let Ok(proof) = receipt.proof_hashes() else {
        return Vec::new();
    };
    prefix_roots(&leaf, receipt.log_index, cp.size, &proof, &cp.root).unwrap_or_default()
}
