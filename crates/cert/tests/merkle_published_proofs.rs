//! Published known-answer inclusion and consistency proofs for the RFC 6962 reference tree
//! (the eight leaf inputs every Certificate Transparency implementation tests against: "",
//! 00, 10, 2021, 3031, 40414243, 5051525354555657, 606162636465666768696a6b6c6d6e6f). The
//! proofs are those of the transparency-dev Merkle test data ("happy path" cases), as base64
//! hashes: ours must generate exactly these and accept them, and refuse every mutation of
//! them the same data set tries (a bit flipped in a proof hash, a hash added, removed or
//! preceded by garbage, the index or sizes changed, the roots swapped or replaced).

use ardoise_cert::merkle::{self, Hash, MerkleTree};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

fn h(b64: &str) -> Hash {
    B64.decode(b64).unwrap().try_into().unwrap()
}

fn hs(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|s| h(s)).collect()
}

fn reference_tree() -> MerkleTree {
    let mut t = MerkleTree::new();
    for hex_input in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ] {
        t.push(&hex::decode(hex_input).unwrap());
    }
    t
}

struct Inclusion {
    index: u64,
    size: u64,
    root: &'static str,
    leaf: &'static str,
    proof: &'static [&'static str],
}

const INCLUSION: &[Inclusion] = &[
    Inclusion {
        index: 0,
        size: 1,
        root: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
        leaf: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
        proof: &[],
    },
    Inclusion {
        index: 0,
        size: 8,
        root: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
        leaf: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
        proof: &[
            "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
            "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
            "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=",
        ],
    },
    Inclusion {
        index: 5,
        size: 8,
        root: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
        leaf: "QnGia+DYqE8L1UyMMC58s6O10fpngKQLzOKHNHfatlg=",
        proof: &[
            "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
            "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
            "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
        ],
    },
    Inclusion {
        index: 2,
        size: 3,
        root: "rra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=",
        leaf: "ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=",
        proof: &["+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU="],
    },
    Inclusion {
        index: 1,
        size: 5,
        root: "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=",
        leaf: "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
        proof: &[
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
            "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
            "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
        ],
    },
];

struct Consistency {
    size1: u64,
    size2: u64,
    root1: &'static str,
    root2: &'static str,
    proof: &'static [&'static str],
}

const CONSISTENCY: &[Consistency] = &[
    Consistency {
        size1: 1,
        size2: 1,
        root1: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
        root2: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
        proof: &[],
    },
    Consistency {
        size1: 1,
        size2: 8,
        root1: "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
        root2: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
        proof: &[
            "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
            "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
            "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=",
        ],
    },
    Consistency {
        size1: 6,
        size2: 8,
        root1: "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
        root2: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
        proof: &[
            "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
            "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
            "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
        ],
    },
    Consistency {
        size1: 2,
        size2: 5,
        root1: "+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU=",
        root2: "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=",
        proof: &[
            "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
            "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
        ],
    },
    Consistency {
        size1: 6,
        size2: 7,
        root1: "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
        root2: "3bib5AOAnjJXUNPSY814kpwpQreUKjS3fhIslZSnTIw=",
        proof: &[
            "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
            "sIaT7C5yFZcTBkHoIR5+7cy0wmQTlj7ubB4u0W/7Gl8=",
            "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
        ],
    },
];

#[test]
fn published_inclusion_proofs_are_generated_and_verified() {
    let t = reference_tree();
    for v in INCLUSION {
        let leaf = h(v.leaf);
        let root = h(v.root);
        let proof = hs(v.proof);
        assert_eq!(t.leaf_hashes()[v.index as usize], leaf, "leaf {}", v.index);
        assert_eq!(t.root_at(v.size).unwrap(), root, "root of {}", v.size);
        assert_eq!(
            t.inclusion_proof(v.index, v.size).unwrap(),
            proof,
            "proof of {} in {}",
            v.index,
            v.size
        );
        merkle::verify_inclusion(&leaf, v.index, v.size, &proof, &root)
            .unwrap_or_else(|e| panic!("{} in {}: {e}", v.index, v.size));
    }
}

/// The mutations of the published data set, applied to each inclusion case.
#[test]
fn every_mutation_of_a_published_inclusion_proof_is_refused() {
    for v in INCLUSION {
        let (leaf, root, proof) = (h(v.leaf), h(v.root), hs(v.proof));
        let refuse = |what: &str, leaf: &Hash, index: u64, size: u64, p: &[Hash], r: &Hash| {
            assert!(
                merkle::verify_inclusion(leaf, index, size, p, r).is_err(),
                "{what}: {} in {} accepted",
                v.index,
                v.size
            );
        };
        let garbage = merkle::leaf_hash(b"garbage");
        refuse("wrong leaf", &garbage, v.index, v.size, &proof, &root);
        refuse("random root", &leaf, v.index, v.size, &proof, &garbage);
        refuse(
            "empty root",
            &leaf,
            v.index,
            v.size,
            &proof,
            &merkle::EMPTY_ROOT,
        );
        refuse("index + 1", &leaf, v.index + 1, v.size, &proof, &root);
        if v.index > 0 {
            refuse("index - 1", &leaf, v.index - 1, v.size, &proof, &root);
        }
        refuse("index ^ 2", &leaf, v.index ^ 2, v.size, &proof, &root);
        refuse("size * 2", &leaf, v.index, v.size * 2, &proof, &root);
        if v.size / 2 > v.index {
            refuse("size / 2", &leaf, v.index, v.size / 2, &proof, &root);
        }
        let mut p = proof.clone();
        p.push(garbage);
        refuse("trailing garbage", &leaf, v.index, v.size, &p, &root);
        let mut p = vec![garbage];
        p.extend(&proof);
        refuse("preceding garbage", &leaf, v.index, v.size, &p, &root);
        let mut p = proof.clone();
        p.push(root);
        refuse("trailing root", &leaf, v.index, v.size, &p, &root);
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][3] ^= 1;
            refuse("bit flipped", &leaf, v.index, v.size, &p, &root);
            let mut p = proof.clone();
            p.remove(i);
            refuse("removed component", &leaf, v.index, v.size, &p, &root);
        }
    }
}

#[test]
fn published_consistency_proofs_are_generated_and_verified() {
    let t = reference_tree();
    for v in CONSISTENCY {
        let (r1, r2, proof) = (h(v.root1), h(v.root2), hs(v.proof));
        assert_eq!(t.root_at(v.size1).unwrap(), r1);
        assert_eq!(t.root_at(v.size2).unwrap(), r2);
        assert_eq!(
            t.consistency_proof(v.size1, v.size2).unwrap(),
            proof,
            "{} -> {}",
            v.size1,
            v.size2
        );
        merkle::verify_consistency(v.size1, v.size2, &r1, &r2, &proof)
            .unwrap_or_else(|e| panic!("{} -> {}: {e}", v.size1, v.size2));
    }
}

#[test]
fn every_mutation_of_a_published_consistency_proof_is_refused() {
    for v in CONSISTENCY {
        let (r1, r2, proof) = (h(v.root1), h(v.root2), hs(v.proof));
        let refuse = |what: &str, s1: u64, s2: u64, a: &Hash, b: &Hash, p: &[Hash]| {
            assert!(
                merkle::verify_consistency(s1, s2, a, b, p).is_err(),
                "{what}: {} -> {} accepted",
                v.size1,
                v.size2
            );
        };
        let garbage = merkle::leaf_hash(b"garbage");
        refuse("wrong root1", v.size1, v.size2, &garbage, &r2, &proof);
        refuse("wrong root2", v.size1, v.size2, &r1, &garbage, &proof);
        if r1 != r2 {
            refuse("swapped roots", v.size1, v.size2, &r2, &r1, &proof);
        }
        refuse("size1 + 1", v.size1 + 1, v.size2, &r1, &r2, &proof);
        if v.size1 > 1 {
            refuse("size1 - 1", v.size1 - 1, v.size2, &r1, &r2, &proof);
        }
        refuse("size2 * 2", v.size1, v.size2 * 2, &r1, &r2, &proof);
        let mut p = proof.clone();
        p.push(garbage);
        refuse("trailing garbage", v.size1, v.size2, &r1, &r2, &p);
        let mut p = vec![garbage];
        p.extend(&proof);
        refuse("preceding garbage", v.size1, v.size2, &r1, &r2, &p);
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][4] ^= 1;
            refuse("bit flipped", v.size1, v.size2, &r1, &r2, &p);
        }
        if !proof.is_empty() {
            refuse(
                "truncated",
                v.size1,
                v.size2,
                &r1,
                &r2,
                &proof[..proof.len() - 1],
            );
            refuse("empty proof", v.size1, v.size2, &r1, &r2, &[]);
        }
    }
}
