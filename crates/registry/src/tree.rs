//! The registry's Merkle log in memory: every complete subtree hash is kept, so that roots,
//! inclusion proofs and consistency proofs for any past size cost O(log² n) hashes instead of
//! the O(n) of [`ardoise_cert::merkle::MerkleTree`] (which stays the reference: the tests
//! compare both, and clients verify with `ardoise_cert::merkle`).
//!
//! `levels[k][i]` is the RFC 6962 hash of leaves `i·2^k .. (i+1)·2^k`.

use ardoise_cert::merkle::{node_hash, Hash, MerkleError, EMPTY_ROOT};

/// See [`LogTree::spine`].
#[derive(Debug, Clone, Default)]
pub struct Spine {
    size: u64,
    ranges: Vec<(u64, Hash)>,
}

/// Every complete subtree hash of the log's leaves (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct LogTree {
    levels: Vec<Vec<Hash>>,
}

/// Largest power of two strictly below `n` (n ≥ 2).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

impl LogTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree of these leaf hashes, in order.
    pub fn from_leaf_hashes(leaves: impl IntoIterator<Item = Hash>) -> Self {
        let mut t = Self::new();
        for l in leaves {
            t.push(l);
        }
        t
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash; returns its index.
    pub fn push(&mut self, leaf: Hash) -> u64 {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let index = self.levels[0].len() as u64 - 1;
        let mut k = 0;
        while self.levels[k].len().is_multiple_of(2) {
            let n = self.levels[k].len();
            let h = node_hash(&self.levels[k][n - 2], &self.levels[k][n - 1]);
            if self.levels.len() == k + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[k + 1].push(h);
            k += 1;
        }
        index
    }

    /// Forgets every leaf from `size` on (undo of appends whose commit failed).
    pub fn truncate(&mut self, size: u64) {
        for (k, level) in self.levels.iter_mut().enumerate() {
            level.truncate((size >> k) as usize);
        }
        while self.levels.last().is_some_and(|l| l.is_empty()) {
            self.levels.pop();
        }
    }

    /// Hash of leaf `index`, if it exists.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels.first()?.get(index as usize).copied()
    }

    /// MTH of leaves `start .. start + len` (len ≥ 1, inside the tree). Complete aligned
    /// subtrees are looked up; the others all end at the size a proof is for, and are looked
    /// up in `spine` when it was computed for that size.
    fn range_hash(&self, start: u64, len: u64, spine: Option<&Spine>) -> Hash {
        if len.is_power_of_two() && start.is_multiple_of(len) {
            let k = len.trailing_zeros() as usize;
            return self.levels[k][(start >> k) as usize];
        }
        if let Some(sp) = spine.filter(|sp| sp.size == start + len) {
            if let Some((_, h)) = sp.ranges.iter().find(|(s, _)| *s == start) {
                return *h;
            }
        }
        let k = split_point(len);
        node_hash(
            &self.range_hash(start, k, spine),
            &self.range_hash(start + k, len - k, spine),
        )
    }

    /// The hashes of the incomplete subtrees of the tree of `size` leaves: every range
    /// `[o, size)` where `o` starts one of the complete subtrees `size` decomposes into. With
    /// them, any inclusion proof at `size` is O(log n) lookups.
    pub fn spine(&self, size: u64) -> Result<Spine, MerkleError> {
        self.check_size(size)?;
        // Offsets and sizes of the complete subtrees, largest first.
        let mut parts = Vec::new();
        let mut off = 0u64;
        for bit in (0..64).rev() {
            let p = 1u64 << bit;
            if size & p != 0 {
                parts.push((off, p));
                off += p;
            }
        }
        let mut ranges = Vec::new();
        let mut acc: Option<Hash> = None;
        for &(o, p) in parts.iter().rev() {
            let here = self.range_hash(o, p, None);
            acc = Some(match acc {
                None => here,
                Some(right) => {
                    let h = node_hash(&here, &right);
                    ranges.push((o, h));
                    h
                }
            });
        }
        Ok(Spine { size, ranges })
    }

    fn check_size(&self, size: u64) -> Result<(), MerkleError> {
        if size > self.size() {
            return Err(MerkleError::SizeOutOfRange {
                requested: size,
                available: self.size(),
            });
        }
        Ok(())
    }

    /// Root of the tree of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, MerkleError> {
        self.check_size(size)?;
        Ok(if size == 0 {
            EMPTY_ROOT
        } else {
            self.range_hash(0, size, None)
        })
    }

    /// Inclusion proof of leaf `index` in the tree of the first `size` leaves (RFC 9162
    /// §2.1.3.1 PATH).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, MerkleError> {
        self.inclusion_proof_with(index, size, None)
    }

    /// [`Self::inclusion_proof`] using the spine of `size` (computed once per checkpoint).
    pub fn inclusion_proof_with(
        &self,
        index: u64,
        size: u64,
        spine: Option<&Spine>,
    ) -> Result<Vec<Hash>, MerkleError> {
        self.check_size(size)?;
        if index >= size {
            return Err(MerkleError::IndexOutOfRange { index, size });
        }
        let mut out = Vec::new();
        self.path(index, 0, size, &mut out, spine);
        Ok(out)
    }

    fn path(&self, m: u64, start: u64, len: u64, out: &mut Vec<Hash>, spine: Option<&Spine>) {
        if len <= 1 {
            return;
        }
        let k = split_point(len);
        if m < k {
            self.path(m, start, k, out, spine);
            out.push(self.range_hash(start + k, len - k, spine));
        } else {
            self.path(m - k, start + k, len - k, out, spine);
            out.push(self.range_hash(start, k, spine));
        }
    }

    /// Consistency proof from size `old` to size `new` (RFC 9162 §2.1.4.1 PROOF).
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, MerkleError> {
        self.check_size(new)?;
        if old > new {
            return Err(MerkleError::SizesReversed { old, new });
        }
        if old == 0 {
            return Err(MerkleError::EmptyOldTree);
        }
        let mut out = Vec::new();
        if old < new {
            self.subproof(old, 0, new, true, &mut out);
        }
        Ok(out)
    }

    fn subproof(&self, m: u64, start: u64, len: u64, whole: bool, out: &mut Vec<Hash>) {
        if m == len {
            if !whole {
                out.push(self.range_hash(start, len, None));
            }
            return;
        }
        let k = split_point(len);
        if m <= k {
            self.subproof(m, start, k, whole, out);
            out.push(self.range_hash(start + k, len - k, None));
        } else {
            self.subproof(m - k, start + k, len - k, false, out);
            out.push(self.range_hash(start, k, None));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ardoise_cert::merkle::{self, leaf_hash, MerkleTree};

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect()
    }

    #[test]
    fn agrees_with_the_reference_tree_for_every_size_index_and_pair() {
        let all = leaves(70);
        let reference = MerkleTree::from_leaf_hashes(all.clone());
        let mut t = LogTree::new();
        assert_eq!(t.root_at(0).unwrap(), merkle::EMPTY_ROOT);
        for (i, l) in all.iter().enumerate() {
            assert_eq!(t.push(*l), i as u64);
        }
        for size in 0..=70u64 {
            assert_eq!(t.root_at(size).unwrap(), reference.root_at(size).unwrap());
            let spine = t.spine(size).unwrap();
            for index in 0..size {
                let p = t.inclusion_proof(index, size).unwrap();
                assert_eq!(p, reference.inclusion_proof(index, size).unwrap());
                assert_eq!(
                    p,
                    t.inclusion_proof_with(index, size, Some(&spine)).unwrap()
                );
                merkle::verify_inclusion(
                    &all[index as usize],
                    index,
                    size,
                    &p,
                    &t.root_at(size).unwrap(),
                )
                .unwrap();
            }
            for old in 1..=size {
                let p = t.consistency_proof(old, size).unwrap();
                assert_eq!(p, reference.consistency_proof(old, size).unwrap());
                merkle::verify_consistency(
                    old,
                    size,
                    &t.root_at(old).unwrap(),
                    &t.root_at(size).unwrap(),
                    &p,
                )
                .unwrap();
            }
        }
        assert!(t.root_at(71).is_err());
        assert!(t.inclusion_proof(5, 5).is_err());
    }

    #[test]
    fn truncate_undoes_appends() {
        let all = leaves(37);
        let mut t = LogTree::from_leaf_hashes(all[..20].iter().copied());
        let root20 = t.root_at(20).unwrap();
        for l in &all[20..] {
            t.push(*l);
        }
        t.truncate(20);
        assert_eq!(t.size(), 20);
        assert_eq!(t.root_at(20).unwrap(), root20);
        for l in &all[20..] {
            t.push(*l);
        }
        assert_eq!(
            t.root_at(37).unwrap(),
            MerkleTree::from_leaf_hashes(all).root()
        );
        t.truncate(0);
        assert_eq!(t.size(), 0);
    }
}
