//! The Merkle primitives against known answers and an independent oracle:
//! - the widely published RFC 6962 reference tree (eight leaf inputs and the root of every
//!   prefix, as used by Certificate Transparency implementations' tests);
//! - a deliberately naive implementation written here straight from the recursive definitions
//!   of RFC 6962 §2.1 (MTH, PATH, PROOF/SUBPROOF): every inclusion and consistency proof the
//!   library generates for trees up to 40 leaves must equal the oracle's, element for element.

use ardoise_cert::merkle::{self, Hash};
use sha2::{Digest, Sha256};

fn h(s: &str) -> Hash {
    hex::decode(s).unwrap().try_into().unwrap()
}

fn leaf_inputs() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|s| hex::decode(s).unwrap())
    .collect()
}

/// Roots of the reference tree for sizes 0..=8.
fn reference_roots() -> Vec<Hash> {
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    .iter()
    .map(|s| h(s))
    .collect()
}

fn reference_leaf_hashes() -> Vec<Hash> {
    leaf_inputs().iter().map(|d| merkle::leaf_hash(d)).collect()
}

#[test]
fn reference_tree_leaf_hashes() {
    // Level-0 node hashes of the reference tree.
    let want = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ];
    for (got, want) in reference_leaf_hashes().iter().zip(want) {
        assert_eq!(hex::encode(got), want);
    }
}

#[test]
fn reference_tree_roots_for_every_size() {
    let leaves = reference_leaf_hashes();
    for (n, want) in reference_roots().iter().enumerate() {
        assert_eq!(&merkle::root(&leaves[..n]), want, "root of size {n}");
    }
}

// ----- RFC 6962 §2.1, written as the RFC states it (no iteration, no caching) -----

fn sha(parts: &[&[u8]]) -> Hash {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The largest power of two smaller than n (n > 1).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH(D[n]).
fn mth(d: &[Vec<u8>]) -> Hash {
    match d.len() {
        0 => sha(&[]),
        1 => sha(&[&[0u8], &d[0]]),
        n => {
            let k = split(n);
            sha(&[&[1u8], &mth(&d[..k]), &mth(&d[k..])])
        }
    }
}

/// PATH(m, D[n]).
fn path(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
    let n = d.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

/// SUBPROOF(m, D[n], b).
fn subproof(m: usize, d: &[Vec<u8>], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(d)] };
    }
    let k = split(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

/// PROOF(m, D[n]).
fn consistency(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
    if m == 0 || m == d.len() {
        return Vec::new();
    }
    subproof(m, d, true)
}

fn entries(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!("oracle entry {i}").into_bytes())
        .collect()
}

#[test]
fn oracle_agrees_with_the_reference_tree() {
    let d = leaf_inputs();
    for (n, want) in reference_roots().iter().enumerate() {
        assert_eq!(&mth(&d[..n]), want, "oracle root of size {n}");
    }
}

#[test]
fn inclusion_proofs_equal_the_rfc_definition() {
    let d = entries(40);
    let leaves: Vec<Hash> = d.iter().map(|e| merkle::leaf_hash(e)).collect();
    for n in 1..=d.len() {
        assert_eq!(merkle::root(&leaves[..n]), mth(&d[..n]), "root of size {n}");
        for m in 0..n {
            let got = merkle::inclusion_proof(&leaves[..n], m as u64).unwrap();
            assert_eq!(got, path(m, &d[..n]), "PATH({m}, D[{n}])");
        }
    }
}

#[test]
fn consistency_proofs_equal_the_rfc_definition() {
    let d = entries(40);
    let leaves: Vec<Hash> = d.iter().map(|e| merkle::leaf_hash(e)).collect();
    for n in 1..=d.len() {
        for m in 1..=n {
            let got = merkle::consistency_proof(&leaves[..n], m as u64).unwrap();
            assert_eq!(got, consistency(m, &d[..n]), "PROOF({m}, D[{n}])");
        }
    }
}
