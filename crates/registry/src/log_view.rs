//! The log as readers see it: the signed checkpoints and the in-memory view the writer
//! publishes and the receipts, the cosigner and the pages read. Shared by [`crate::registry`]
//! (which composes them) and its parts ([`crate::writer`], [`crate::receipts`],
//! [`crate::cosigner`]), none of which imports the registry back.

use std::collections::HashMap;

use ardoise_cert::merkle::Hash;
use ardoise_cert::note::{Checkpoint, NoteSigner};

use crate::tree::{LogTree, Spine};

/// A signed checkpoint the registry holds.
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    /// Number of leaves the checkpoint covers.
    pub size: u64,
    /// Merkle root of those leaves.
    pub root: Hash,
    /// The signed note, as served.
    pub note: String,
}

/// What readers see of the log: the tree (possibly with appends not yet committed at its
/// end) and the latest committed checkpoint, which bounds every proof handed out.
#[derive(Debug, Default)]
pub struct LogView {
    /// The whole Merkle tree of the log.
    pub tree: LogTree,
    /// Latest committed checkpoint (None before the first commit).
    pub checkpoint: Option<SignedCheckpoint>,
    /// The checkpoint size's incomplete subtree hashes: proofs cost O(log n).
    pub spine: Spine,
    /// Witness cosignature lines of recent checkpoints, by tree size.
    pub cosignatures: HashMap<u64, Vec<String>>,
}

impl LogView {
    /// The signed note of checkpoint `cp` with the witness cosignatures held for its size.
    pub fn cosigned_note(&self, cp: &SignedCheckpoint) -> String {
        match self.cosignatures.get(&cp.size) {
            Some(lines) => ardoise_cert::cosign::with_cosignatures(&cp.note, lines),
            None => cp.note.clone(),
        }
    }
}

impl LogView {
    pub(crate) fn set_checkpoint(&mut self, cp: SignedCheckpoint) {
        self.spine = self.tree.spine(cp.size).unwrap_or_default();
        self.checkpoint = Some(cp);
    }
}

/// Why a checkpoint could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The tree has no root at the size asked (an integrity problem).
    #[error("{0}")]
    Tree(String),
    /// The signed note could not be made.
    #[error("{0}")]
    Note(String),
}

/// Signs the checkpoint of `tree` at `size` (the writer signs every commit's; the registry the
/// empty log's at first start).
pub(crate) fn sign(
    signer: &NoteSigner,
    origin: &str,
    tree: &LogTree,
    size: u64,
) -> Result<SignedCheckpoint, SignError> {
    let root = tree
        .root_at(size)
        .map_err(|e| SignError::Tree(e.to_string()))?;
    let note = Checkpoint {
        origin: origin.to_string(),
        size,
        root,
        extensions: vec![],
    }
    .sign(signer)
    .map_err(|e| SignError::Note(e.to_string()))?;
    Ok(SignedCheckpoint { size, root, note })
}
