//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ardoise_cert::envelope::{sign_certificate, SignedCertificate};
use ardoise_cert::keys::StationKey;
use ardoise_cert::payload::{Certificate, JournalLink};
use ardoise_cert::trust::TrustFile;

pub fn key(n: u8) -> StationKey {
    StationKey::from_seed(&[n; 32])
}

/// A trust file listing `keys` as (key, workshop, station), valid 2025-01-01..2027-01-01.
pub fn trust(keys: &[(&StationKey, &str, &str)]) -> TrustFile {
    let mut text = String::new();
    for (k, ws, st) in keys {
        text.push_str(&format!(
            "[[keys]]\nkey_id = \"{}\"\npublic_key = \"{}\"\nworkshop = \"{ws}\"\nstation = \"{st}\"\n\
             not_before = \"2025-01-01T00:00:00Z\"\nnot_after = \"2027-01-01T00:00:00Z\"\n\n",
            k.key_id(),
            k.public_base64()
        ));
    }
    TrustFile::parse(&text).unwrap()
}

/// The example certificate issued by `k` at the example's workshop/station.
pub fn cert_for(k: &StationKey) -> Certificate {
    let mut c = Certificate::example();
    c.issuer.key_id = k.key_id().to_string();
    c
}

pub fn sign(c: &Certificate, k: &StationKey) -> SignedCertificate {
    sign_certificate(c, k).unwrap()
}

/// Signs a chain of `n` certificates (seq 0..n) and writes them to `dir`; returns the paths.
pub fn write_chain(dir: &Path, k: &StationKey, n: u64) -> Vec<PathBuf> {
    let mut prev: Option<String> = None;
    let mut paths = Vec::new();
    for seq in 0..n {
        let mut c = cert_for(k);
        c.journal = JournalLink {
            seq,
            prev_envelope_blake3: prev.clone(),
        };
        let s = sign(&c, k);
        prev = Some(blake3::hash(&s.envelope_bytes).to_hex().to_string());
        let p = dir.join(format!("{}.dsse.json", s.cert_id));
        std::fs::write(&p, &s.envelope_bytes).unwrap();
        paths.push(p);
    }
    paths
}
