//! Exhaustive properties of the Merkle primitives over every tree size up to 64:
//! every leaf proves, every consistency pair proves, and every tampered proof fails.

use ardoise_cert::merkle::{self, Hash, MerkleTree};

const MAX: u64 = 64;

fn tree() -> MerkleTree {
    let mut t = MerkleTree::new();
    for i in 0..MAX {
        t.push(format!("entry {i}").as_bytes());
    }
    t
}

fn flip(h: &Hash, bit: usize) -> Hash {
    let mut out = *h;
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

#[test]
fn every_leaf_of_every_size_proves_and_tampering_fails() {
    let t = tree();
    let leaves = t.leaf_hashes();
    for size in 1..=MAX {
        let root = t.root_at(size).unwrap();
        for index in 0..size {
            let leaf = leaves[index as usize];
            let proof = t.inclusion_proof(index, size).unwrap();
            merkle::verify_inclusion(&leaf, index, size, &proof, &root)
                .unwrap_or_else(|e| panic!("size {size} index {index}: {e}"));

            // Wrong index, wrong size, wrong leaf, wrong root.
            for other in 0..size {
                if other != index {
                    assert!(merkle::verify_inclusion(&leaf, other, size, &proof, &root).is_err());
                }
            }
            assert!(merkle::verify_inclusion(&flip(&leaf, 0), index, size, &proof, &root).is_err());
            assert!(
                merkle::verify_inclusion(&leaf, index, size, &proof, &flip(&root, 255)).is_err()
            );
            // Each proof element, each of a few bit positions.
            for i in 0..proof.len() {
                for bit in [0, 7, 128, 255] {
                    let mut bad = proof.clone();
                    bad[i] = flip(&bad[i], bit);
                    assert!(
                        merkle::verify_inclusion(&leaf, index, size, &bad, &root).is_err(),
                        "tampered element {i} accepted at size {size} index {index}"
                    );
                }
            }
            // Truncated, extended, reordered.
            if !proof.is_empty() {
                assert!(merkle::verify_inclusion(&leaf, index, size, &proof[1..], &root).is_err());
                assert!(merkle::verify_inclusion(
                    &leaf,
                    index,
                    size,
                    &proof[..proof.len() - 1],
                    &root
                )
                .is_err());
            }
            let mut longer = proof.clone();
            longer.push(root);
            assert!(merkle::verify_inclusion(&leaf, index, size, &longer, &root).is_err());
            if proof.len() >= 2 && proof[0] != proof[1] {
                let mut swapped = proof.clone();
                swapped.swap(0, 1);
                assert!(merkle::verify_inclusion(&leaf, index, size, &swapped, &root).is_err());
            }
        }
        assert!(t.inclusion_proof(size, size).is_err());
    }
}

#[test]
fn every_consistency_pair_proves_and_tampering_fails() {
    let t = tree();
    for new in 1..=MAX {
        let new_root = t.root_at(new).unwrap();
        for old in 1..=new {
            let old_root = t.root_at(old).unwrap();
            let proof = t.consistency_proof(old, new).unwrap();
            merkle::verify_consistency(old, new, &old_root, &new_root, &proof)
                .unwrap_or_else(|e| panic!("{old} -> {new}: {e}"));

            assert!(
                merkle::verify_consistency(old, new, &flip(&old_root, 3), &new_root, &proof)
                    .is_err()
            );
            assert!(
                merkle::verify_consistency(old, new, &old_root, &flip(&new_root, 3), &proof)
                    .is_err()
            );
            if old < new {
                assert!(
                    merkle::verify_consistency(new, old, &new_root, &old_root, &proof).is_err()
                );
                assert!(merkle::verify_consistency(old, new, &old_root, &new_root, &[]).is_err());
            }
            for i in 0..proof.len() {
                for bit in [0, 100, 255] {
                    let mut bad = proof.clone();
                    bad[i] = flip(&bad[i], bit);
                    assert!(
                        merkle::verify_consistency(old, new, &old_root, &new_root, &bad).is_err(),
                        "tampered element {i} accepted for {old} -> {new}"
                    );
                }
            }
            if !proof.is_empty() {
                assert!(
                    merkle::verify_consistency(old, new, &old_root, &new_root, &proof[1..])
                        .is_err()
                );
            }
            let mut longer = proof.clone();
            longer.push(new_root);
            assert!(merkle::verify_consistency(old, new, &old_root, &new_root, &longer).is_err());
        }
    }
}

#[test]
fn a_rewritten_history_is_not_consistent() {
    let t = tree();
    let mut forked = MerkleTree::new();
    for (i, leaf) in t.leaf_hashes().iter().enumerate() {
        if i == 5 {
            forked.push(b"rewritten entry 5");
        } else {
            forked.push_leaf_hash(*leaf);
        }
    }
    for old in 6..=MAX {
        for new in old..=MAX {
            let old_root = t.root_at(old).unwrap();
            let proof = forked.consistency_proof(old, new).unwrap();
            let new_root = forked.root_at(new).unwrap();
            assert!(
                merkle::verify_consistency(old, new, &old_root, &new_root, &proof).is_err(),
                "fork accepted {old} -> {new}"
            );
        }
    }
}
