//! Merkle log primitives, RFC 6962 / RFC 9162 §2.1: leaf and node hashing, tree heads,
//! inclusion and consistency proofs (generation and verification).
//!
//! Shared by the station (checking receipts), `ardoise verify` and the registry server,
//! so it depends on nothing but SHA-256. Generation works over the leaf hashes of the
//! first `n` entries held in memory; a server with a large log can keep its own storage
//! and still verify with the functions here.
//!
//! Verification follows the RFC 9162 algorithms (§2.1.3.2, §2.1.4.2) step by step;
//! generation follows the recursive definitions PATH (§2.1.3.1) and SUBPROOF (§2.1.4.1).

use sha2::{Digest, Sha256};

/// A SHA-256 output.
pub type Hash = [u8; 32];

/// Root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Why a proof could not be produced or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// The leaf index is outside the tree.
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// The leaf index, from 0.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A proof was asked for a tree larger than the leaves held.
    #[error("tree size {requested} is larger than the {available} leaves available")]
    SizeOutOfRange {
        /// The tree size asked for.
        requested: u64,
        /// The number of leaves held.
        available: u64,
    },
    /// A consistency proof was asked from a larger tree to a smaller one.
    #[error("old tree size {old} is larger than new tree size {new}")]
    SizesReversed {
        /// The old tree size.
        old: u64,
        /// The new tree size.
        new: u64,
    },
    /// A consistency proof from the empty tree was asked for (RFC 9162 defines none).
    #[error("a consistency proof from the empty tree proves nothing")]
    EmptyOldTree,
    /// The proof does not have the number of hashes the tree sizes require.
    #[error("proof has the wrong number of hashes")]
    WrongProofLength,
    /// The proof does not lead to the expected root hash.
    #[error("proof does not lead to the expected root hash")]
    RootMismatch,
}

/// RFC 6962 leaf hash: SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// RFC 6962 interior node hash: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Largest power of two strictly smaller than `n` (n ≥ 2): the split point k of RFC 9162.
fn split_point(n: usize) -> usize {
    debug_assert!(n >= 2);
    let mut k = 1usize;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// Merkle tree hash MTH(D\[n\]) over leaf hashes (not raw entries).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => EMPTY_ROOT,
        1 => leaves[0],
        n => {
            let k = split_point(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// Inclusion proof PATH(m, D\[n\]) for leaf `index` in the tree made of all of `leaves`.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, MerkleError> {
    let size = leaves.len() as u64;
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let mut out = Vec::new();
    path(index as usize, leaves, &mut out);
    Ok(out)
}

fn path(m: usize, d: &[Hash], out: &mut Vec<Hash>) {
    let n = d.len();
    if n <= 1 {
        return;
    }
    let k = split_point(n);
    if m < k {
        path(m, &d[..k], out);
        out.push(root(&d[k..]));
    } else {
        path(m - k, &d[k..], out);
        out.push(root(&d[..k]));
    }
}

/// Consistency proof PROOF(m, D\[n\]) between the first `old_size` leaves and all of `leaves`.
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, MerkleError> {
    let new_size = leaves.len() as u64;
    if old_size > new_size {
        return Err(MerkleError::SizesReversed {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 {
        return Err(MerkleError::EmptyOldTree);
    }
    let mut out = Vec::new();
    if old_size < new_size {
        subproof(old_size as usize, leaves, true, &mut out);
    }
    Ok(out)
}

fn subproof(m: usize, d: &[Hash], b: bool, out: &mut Vec<Hash>) {
    let n = d.len();
    if m == n {
        if !b {
            out.push(root(d));
        }
        return;
    }
    let k = split_point(n);
    if m <= k {
        subproof(m, &d[..k], b, out);
        out.push(root(&d[k..]));
    } else {
        subproof(m - k, &d[k..], false, out);
        out.push(root(&d[..k]));
    }
}

/// Recomputes the root from an inclusion proof (RFC 9162 §2.1.3.2, steps 1-4).
pub fn root_from_inclusion_proof(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let mut fn_ = index;
    let mut sn = size - 1;
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(MerkleError::WrongProofLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(MerkleError::WrongProofLength);
    }
    Ok(r)
}

/// Verifies that `leaf` (a leaf hash) is at `index` in the tree of `size` leaves with `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    expected_root: &Hash,
) -> Result<(), MerkleError> {
    let r = root_from_inclusion_proof(leaf, index, size, proof)?;
    if &r == expected_root {
        Ok(())
    } else {
        Err(MerkleError::RootMismatch)
    }
}

/// Verifies that the tree of `old_size` leaves with `old_root` is a prefix of the tree of
/// `new_size` leaves with `new_root` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), MerkleError> {
    if old_size > new_size {
        return Err(MerkleError::SizesReversed {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 {
        return Err(MerkleError::EmptyOldTree);
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(MerkleError::WrongProofLength);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(MerkleError::RootMismatch)
        };
    }
    // Step 1.
    if proof.is_empty() {
        return Err(MerkleError::WrongProofLength);
    }
    // Step 2: when the old tree is a complete subtree, its root is the first path element.
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    // Steps 3-4.
    let mut fn_ = old_size - 1;
    let mut sn = new_size - 1;
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    let mut fr = path[0];
    let mut sr = path[0];
    // Step 6.
    for c in &path[1..] {
        if sn == 0 {
            return Err(MerkleError::WrongProofLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7.
    if sn != 0 {
        return Err(MerkleError::WrongProofLength);
    }
    if &fr == old_root && &sr == new_root {
        Ok(())
    } else {
        Err(MerkleError::RootMismatch)
    }
}

/// An append-only in-memory log of leaf hashes, with tree heads and proofs for any past size.
#[derive(Debug, Clone, Default)]
pub struct MerkleTree {
    leaves: Vec<Hash>,
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a tree from leaf hashes already computed (e.g. loaded from a database).
    pub fn from_leaf_hashes(leaves: Vec<Hash>) -> Self {
        Self { leaves }
    }

    /// Appends an entry (hashed as a leaf) and returns its index.
    pub fn push(&mut self, entry: &[u8]) -> u64 {
        self.push_leaf_hash(leaf_hash(entry))
    }

    /// Appends an already computed leaf hash and returns its index.
    pub fn push_leaf_hash(&mut self, leaf: Hash) -> u64 {
        self.leaves.push(leaf);
        self.leaves.len() as u64 - 1
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.leaves.len() as u64
    }

    /// The leaf hashes, in order of insertion.
    pub fn leaf_hashes(&self) -> &[Hash] {
        &self.leaves
    }

    /// The current root.
    pub fn root(&self) -> Hash {
        root(&self.leaves)
    }

    fn prefix(&self, size: u64) -> Result<&[Hash], MerkleError> {
        if size > self.size() {
            return Err(MerkleError::SizeOutOfRange {
                requested: size,
                available: self.size(),
            });
        }
        Ok(&self.leaves[..size as usize])
    }

    /// The root of the tree made of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, MerkleError> {
        Ok(root(self.prefix(size)?))
    }

    /// Inclusion proof for `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, MerkleError> {
        inclusion_proof(self.prefix(size)?, index)
    }

    /// Consistency proof from the tree of `old_size` leaves to the tree of `new_size` leaves.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<Vec<Hash>, MerkleError> {
        consistency_proof(self.prefix(new_size)?, old_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        let h: Hash = Sha256::digest([]).into();
        assert_eq!(h, EMPTY_ROOT);
        assert_eq!(root(&[]), EMPTY_ROOT);
    }

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
    }

    #[test]
    fn leaf_and_node_hashes_are_domain_separated() {
        let a = leaf_hash(b"a");
        let mut both = [0u8; 64];
        both[..32].copy_from_slice(&a);
        both[32..].copy_from_slice(&a);
        // A node over (a, a) is not the leaf hash of the concatenation.
        assert_ne!(node_hash(&a, &a), leaf_hash(&both));
    }
}
