//! Signing and verification end to end: round trip, every single-bit flip rejected, key
//! trust (unknown, revoked, expired, wrong station), schema violations named, journal gaps
//! and forks across files.

mod common;

use std::path::PathBuf;

use ardoise_cert::envelope::{Envelope, PAYLOAD_TYPE};
use ardoise_cert::payload::JournalLink;
use ardoise_cert::trust::TrustFile;
use ardoise_cert::verify::{verify_envelope, verify_files, CheckStatus, Verdict, VerifyOptions};
use base64::Engine;
use common::*;

const WS: &str = "ressourcerie-pays-d-auge";
const ST: &str = "st-01";

fn status_of(v: &ardoise_cert::verify::CertificateVerdict, name: &str) -> CheckStatus {
    v.checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no {name} check in {:?}", v.checks))
        .status
}

#[test]
fn sign_verify_round_trip() {
    let k = key(1);
    let tf = trust(&[(&k, WS, ST)]);
    let c = cert_for(&k);
    let s = sign(&c, &k);
    let v = verify_envelope(&s.envelope_bytes, &tf).unwrap();
    assert_eq!(v.certificate, c);
    assert_eq!(v.cert_id, s.cert_id);
    assert_eq!(v.envelope.payload_type, PAYLOAD_TYPE);
}

/// A smaller certificate so that the exhaustive loops stay quick.
fn small_signed() -> (ardoise_cert::keys::StationKey, TrustFile, Vec<u8>) {
    let k = key(2);
    let tf = trust(&[(&k, WS, ST)]);
    let mut c = cert_for(&k);
    c.transcript.commands.truncate(1);
    c.media.capabilities.truncate(1);
    c.sanitization.steps.truncate(1);
    c.sanitization.steps[0].ended_at = c.sanitization.ended_at;
    c.limitations.truncate(1);
    let s = sign(&c, &k);
    assert!(verify_envelope(&s.envelope_bytes, &tf).is_ok());
    (k, tf, s.envelope_bytes)
}

#[test]
fn every_single_bit_flip_of_payload_and_signature_is_rejected() {
    let (k, _tf, bytes) = small_signed();
    let env = Envelope::parse(&bytes).unwrap();
    env.verify_signature(&k.public()).unwrap();
    // Straight at the signature check (the whole-file test below goes through the parser).
    let mut tried = 0;
    for i in 0..env.payload.len() * 8 {
        let mut e = env.clone();
        e.payload[i / 8] ^= 1 << (i % 8);
        assert!(
            e.verify_signature(&k.public()).is_err(),
            "payload bit {i} flip accepted"
        );
        tried += 1;
    }
    for i in 0..64 * 8 {
        let mut e = env.clone();
        e.signatures[0].sig[i / 8] ^= 1 << (i % 8);
        assert!(
            e.verify_signature(&k.public()).is_err(),
            "signature bit {i} flip accepted"
        );
        tried += 1;
    }
    assert!(
        tried > 8 * 2000,
        "payload unexpectedly small: {tried} flips"
    );
}

#[test]
fn every_single_bit_flip_of_the_envelope_file_is_rejected() {
    let (_k, tf, bytes) = small_signed();
    for i in 0..bytes.len() * 8 {
        let mut b = bytes.clone();
        b[i / 8] ^= 1 << (i % 8);
        assert!(
            verify_envelope(&b, &tf).is_err(),
            "envelope file bit {i} (byte {:?}) flip accepted",
            bytes[i / 8] as char
        );
    }
}

#[test]
fn unknown_key_is_rejected() {
    let k = key(3);
    let stranger = key(4);
    let tf = trust(&[(&k, WS, ST)]);
    let s = sign(&cert_for(&stranger), &stranger);
    let fails = verify_envelope(&s.envelope_bytes, &tf).unwrap_err();
    assert_eq!(fails[0].name, "signature");
    assert!(
        fails[0].detail.contains("not in the trust file"),
        "{fails:?}"
    );
}

#[test]
fn a_trusted_key_id_hint_with_another_key_signature_is_rejected() {
    // The keyid is only a hint: a stranger's signature labelled with a trusted key id fails.
    let k = key(3);
    let stranger = key(4);
    let tf = trust(&[(&k, WS, ST)]);
    let mut c = cert_for(&stranger);
    c.issuer.key_id = stranger.key_id().into();
    let s = sign(&c, &stranger);
    let mut env = Envelope::parse(&s.envelope_bytes).unwrap();
    env.signatures[0].keyid = k.key_id().into();
    let fails = verify_envelope(&env.to_bytes(), &tf).unwrap_err();
    assert_eq!(fails[0].name, "signature");
}

fn trust_text(k: &ardoise_cert::keys::StationKey, extra: &str, not_after: &str) -> TrustFile {
    TrustFile::parse(&format!(
        "[[keys]]\nkey_id = \"{}\"\npublic_key = \"{}\"\nworkshop = \"{WS}\"\nstation = \"{ST}\"\n\
         not_before = \"2025-01-01T00:00:00Z\"\nnot_after = \"{not_after}\"\n\n{extra}",
        k.key_id(),
        k.public_base64()
    ))
    .unwrap()
}

#[test]
fn revoked_key_is_rejected_for_certificates_issued_after_revocation() {
    let k = key(5);
    let s = sign(&cert_for(&k), &k); // issued 2025-11-26T10:42:17Z
    let revoked_before = trust_text(
        &k,
        &format!(
            "[[revocations]]\nkey_id = \"{}\"\nrevoked_at = \"2025-11-01T00:00:00Z\"\nreason = \"stolen\"\n",
            k.key_id()
        ),
        "2027-01-01T00:00:00Z",
    );
    let fails = verify_envelope(&s.envelope_bytes, &revoked_before).unwrap_err();
    assert_eq!(fails[0].name, "key");
    assert!(fails[0].detail.contains("revoked") && fails[0].detail.contains("stolen"));

    // Revoked after issue: still valid, with a warning.
    let revoked_after = trust_text(
        &k,
        &format!(
            "[[revocations]]\nkey_id = \"{}\"\nrevoked_at = \"2026-02-01T00:00:00Z\"\nreason = \"retired\"\n",
            k.key_id()
        ),
        "2027-01-01T00:00:00Z",
    );
    assert!(verify_envelope(&s.envelope_bytes, &revoked_after).is_ok());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.dsse.json");
    std::fs::write(&p, &s.envelope_bytes).unwrap();
    let r = verify_files(&[p], &revoked_after, &VerifyOptions::default());
    assert_eq!(r.certificates[0].verdict, Verdict::Valid);
    assert_eq!(status_of(&r.certificates[0], "key"), CheckStatus::Warn);
}

#[test]
fn expired_and_not_yet_valid_keys_are_rejected() {
    let k = key(6);
    let s = sign(&cert_for(&k), &k);
    let expired = trust_text(&k, "", "2025-06-30T00:00:00Z");
    let fails = verify_envelope(&s.envelope_bytes, &expired).unwrap_err();
    assert!(fails[0].detail.contains("expired"), "{fails:?}");

    let mut c = cert_for(&k);
    c.issued_at = time::macros::datetime!(2024-12-31 23:00 UTC);
    c.sanitization.started_at = time::macros::datetime!(2024-12-31 22:00 UTC);
    c.sanitization.ended_at = c.sanitization.started_at;
    for s in &mut c.sanitization.steps {
        s.started_at = c.sanitization.started_at;
        s.ended_at = c.sanitization.started_at;
    }
    let s = sign(&c, &k);
    let fails = verify_envelope(&s.envelope_bytes, &trust(&[(&k, WS, ST)])).unwrap_err();
    assert!(fails[0].detail.contains("not yet valid"), "{fails:?}");
}

#[test]
fn a_key_cannot_speak_for_another_station() {
    let k = key(7);
    let tf = trust(&[(&k, WS, "st-02")]);
    let s = sign(&cert_for(&k), &k);
    let fails = verify_envelope(&s.envelope_bytes, &tf).unwrap_err();
    assert_eq!(fails[0].name, "key");
    assert!(fails[0].detail.contains("st-02"), "{fails:?}");
}

#[test]
fn schema_violations_name_the_field() {
    let k = key(8);
    let tf = trust(&[(&k, WS, ST)]);
    // Signed but schema-violating payloads: built by hand, since sign_certificate refuses.
    let sign_raw = |payload: Vec<u8>| {
        let sig = k.sign(&ardoise_cert::envelope::pae(PAYLOAD_TYPE, &payload));
        Envelope {
            payload_type: PAYLOAD_TYPE.into(),
            payload,
            signatures: vec![ardoise_cert::envelope::EnvelopeSignature {
                keyid: k.key_id().into(),
                sig: sig.to_vec(),
            }],
        }
        .to_bytes()
    };
    let base = serde_json::to_value(cert_for(&k)).unwrap();

    let mut v = base.clone();
    v["media"]["health"]["unexpected"] = serde_json::json!(true);
    let fails = verify_envelope(&sign_raw(serde_json::to_vec(&v).unwrap()), &tf).unwrap_err();
    assert_eq!(fails[0].name, "schema");
    assert!(
        fails[0].detail.contains("media.health.unexpected"),
        "{fails:?}"
    );

    let mut v = base.clone();
    v["verification"]["parameters"]["samples"] = serde_json::json!(-1);
    let fails = verify_envelope(&sign_raw(serde_json::to_vec(&v).unwrap()), &tf).unwrap_err();
    assert!(
        fails[0].detail.contains("verification.parameters.samples"),
        "{fails:?}"
    );

    let mut v = base.clone();
    v["outcome"]["status"] = serde_json::json!("erased");
    v["verification"]["result"] = serde_json::json!("fail");
    let fails = verify_envelope(&sign_raw(serde_json::to_vec(&v).unwrap()), &tf).unwrap_err();
    assert!(fails[0].detail.contains("verification.result"), "{fails:?}");

    let mut v = base;
    v["schema"] = serde_json::json!("ardoise/erasure-certificate/v2");
    let fails = verify_envelope(&sign_raw(serde_json::to_vec(&v).unwrap()), &tf).unwrap_err();
    assert!(fails[0].detail.starts_with("schema:"), "{fails:?}");
}

#[test]
fn wrong_payload_type_is_rejected() {
    let k = key(9);
    let tf = trust(&[(&k, WS, ST)]);
    let s = sign(&cert_for(&k), &k);
    let mut env = Envelope::parse(&s.envelope_bytes).unwrap();
    env.payload_type = "application/json".into();
    let fails = verify_envelope(&env.to_bytes(), &tf).unwrap_err();
    assert_eq!(fails[0].name, "envelope");
}

#[test]
fn journal_gaps_are_found_across_files() {
    let k = key(10);
    let tf = trust(&[(&k, WS, ST)]);
    let dir = tempfile::tempdir().unwrap();
    let mut paths = write_chain(dir.path(), &k, 6);
    let r = verify_files(&paths, &tf, &VerifyOptions::default());
    assert!(r.ok, "{}", r.to_text());
    assert!(r.journals[0].findings.is_empty());

    paths.remove(2);
    let r = verify_files(&paths, &tf, &VerifyOptions::default());
    assert!(r.ok, "a gap alone is a warning: {}", r.to_text());
    assert_eq!(status_of(&r.certificates[2], "journal"), CheckStatus::Warn);
    assert!(r.to_text().contains("gap: seq 2..=2"), "{}", r.to_text());

    let complete = VerifyOptions {
        complete_journal: true,
        ..Default::default()
    };
    let r = verify_files(&paths, &tf, &complete);
    assert!(!r.ok);
    assert_eq!(r.certificates[2].verdict, Verdict::Invalid);
    assert_eq!(r.certificates[1].verdict, Verdict::Valid);
}

#[test]
fn journal_forks_and_broken_links_are_found_across_files() {
    let k = key(11);
    let tf = trust(&[(&k, WS, ST)]);
    let dir = tempfile::tempdir().unwrap();
    let mut paths = write_chain(dir.path(), &k, 4);
    // A second seq-2 certificate, correctly linked to seq 1: a fork.
    let prev1 = blake3::hash(&std::fs::read(&paths[1]).unwrap())
        .to_hex()
        .to_string();
    let mut c = cert_for(&k);
    c.operator.id = "op-fork".into();
    c.journal = JournalLink {
        seq: 2,
        prev_envelope_blake3: Some(prev1),
    };
    let s = sign(&c, &k);
    let fork: PathBuf = dir.path().join("fork.dsse.json");
    std::fs::write(&fork, &s.envelope_bytes).unwrap();
    paths.push(fork);
    let r = verify_files(&paths, &tf, &VerifyOptions::default());
    assert!(!r.ok);
    assert_eq!(r.certificates[2].verdict, Verdict::Invalid);
    assert_eq!(r.certificates[4].verdict, Verdict::Invalid);
    assert_eq!(r.certificates[0].verdict, Verdict::Valid);
    assert!(r.to_text().contains("fork"), "{}", r.to_text());

    // A broken link: seq 1 pointing at garbage.
    let dir2 = tempfile::tempdir().unwrap();
    let mut paths = write_chain(dir2.path(), &k, 2);
    let mut c = cert_for(&k);
    c.journal = JournalLink {
        seq: 2,
        prev_envelope_blake3: Some("ab".repeat(32)),
    };
    let s = sign(&c, &k);
    let p = dir2.path().join("broken.dsse.json");
    std::fs::write(&p, &s.envelope_bytes).unwrap();
    paths.push(p);
    let r = verify_files(&paths, &tf, &VerifyOptions::default());
    assert_eq!(r.certificates[2].verdict, Verdict::Invalid);
    assert!(
        r.certificates[2].line().contains("broken link"),
        "{}",
        r.certificates[2].line()
    );
}

#[test]
fn verdicts_have_a_json_form() {
    let k = key(12);
    let tf = trust(&[(&k, WS, ST)]);
    let dir = tempfile::tempdir().unwrap();
    let paths = write_chain(dir.path(), &k, 2);
    let mut files = paths.clone();
    let bad = dir.path().join("bad.dsse.json");
    let mut bytes = std::fs::read(&paths[0]).unwrap();
    let pos = bytes.len() - 10; // inside the signature
    bytes[pos] = if bytes[pos] == b'A' { b'B' } else { b'A' };
    std::fs::write(&bad, &bytes).unwrap();
    files.push(bad);
    let r = verify_files(&files, &tf, &VerifyOptions::default());
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["certificates"][0]["verdict"], "valid");
    assert_eq!(json["certificates"][2]["verdict"], "invalid");
    let checks = json["certificates"][2]["checks"].as_array().unwrap();
    assert!(checks
        .iter()
        .any(|c| c["name"] == "signature" && c["status"] == "fail"));
    let text = r.to_text();
    assert_eq!(text.lines().filter(|l| l.starts_with("VALID")).count(), 2);
    assert_eq!(text.lines().filter(|l| l.starts_with("INVALID")).count(), 1);
}

#[test]
fn payload_is_exactly_what_base64_decodes_to() {
    let k = key(13);
    let s = sign(&cert_for(&k), &k);
    let v: serde_json::Value = serde_json::from_slice(&s.envelope_bytes).unwrap();
    let payload = base64::engine::general_purpose::STANDARD
        .decode(v["payload"].as_str().unwrap())
        .unwrap();
    assert_eq!(payload, s.payload);
    assert_eq!(s.cert_id, blake3::hash(&payload).to_hex().to_string());
}

/// Signs `v` as it is (no validation), as a forger holding the station key could.
fn sign_raw(k: &ardoise_cert::keys::StationKey, v: &serde_json::Value) -> Vec<u8> {
    let payload = serde_json::to_vec(v).unwrap();
    let sig = k.sign(&ardoise_cert::envelope::pae(PAYLOAD_TYPE, &payload));
    Envelope {
        payload_type: PAYLOAD_TYPE.into(),
        payload,
        signatures: vec![ardoise_cert::envelope::EnvelopeSignature {
            keyid: k.key_id().into(),
            sig: sig.to_vec(),
        }],
    }
    .to_bytes()
}

fn verify_one(bytes: &[u8], tf: &TrustFile) -> ardoise_cert::verify::CertificateVerdict {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.dsse.json");
    std::fs::write(&p, bytes).unwrap();
    verify_files(&[p], tf, &VerifyOptions::default())
        .certificates
        .remove(0)
}

#[test]
fn qc_selection_is_recomputed_and_a_flipped_claim_fails() {
    use ardoise_cert::payload::{qc_selected, Qc};
    let k = key(14);
    let tf = trust(&[(&k, WS, ST)]);
    // Both claims at seq 0..: find one certificate selected and one not at 50 %.
    let mut seen = [false; 2];
    for seq in 0..32u64 {
        let mut c = cert_for(&k);
        c.journal = JournalLink {
            seq,
            prev_envelope_blake3: (seq > 0).then(|| "ab".repeat(32)),
        };
        c.qc = Qc {
            selected: qc_selected(k.key_id(), seq, 500_000),
            rate_ppm: 500_000,
            rule: ardoise_cert::payload::QC_RULE_V1.into(),
        };
        let honest = sign(&c, &k);
        assert!(verify_envelope(&honest.envelope_bytes, &tf).is_ok());
        let v = verify_one(&honest.envelope_bytes, &tf);
        assert_eq!(status_of(&v, "qc"), CheckStatus::Pass, "{:?}", v.checks);

        // The same payload with `selected` flipped, re-signed by the station key.
        let mut forged = c.clone();
        forged.qc.selected = !forged.qc.selected;
        let bytes = sign(&forged, &k).envelope_bytes;
        let fails = verify_envelope(&bytes, &tf).unwrap_err();
        assert_eq!(fails.len(), 1, "{fails:?}");
        assert_eq!(fails[0].name, "qc");
        assert!(fails[0].detail.contains(&format!("seq {seq}")), "{fails:?}");
        let v = verify_one(&bytes, &tf);
        assert_eq!(v.verdict, Verdict::Invalid);
        assert_eq!(status_of(&v, "qc"), CheckStatus::Fail);
        seen[c.qc.selected as usize] = true;
    }
    assert_eq!(seen, [true, true], "both claims were forged and caught");
}

#[test]
fn unknown_qc_rule_fails_the_schema_and_skips_qc() {
    let k = key(15);
    let tf = trust(&[(&k, WS, ST)]);
    let mut v = serde_json::to_value(cert_for(&k)).unwrap();
    v["qc"]["rule"] = serde_json::json!("operator-choice");
    let bytes = sign_raw(&k, &v);
    let fails = verify_envelope(&bytes, &tf).unwrap_err();
    assert_eq!(fails[0].name, "schema");
    assert!(fails[0].detail.contains("qc.rule"), "{fails:?}");
    let verdict = verify_one(&bytes, &tf);
    assert_eq!(verdict.verdict, Verdict::Invalid);
    assert_eq!(status_of(&verdict, "qc"), CheckStatus::Skipped);
}

#[test]
fn a_certificate_from_before_qc_is_valid_with_a_warning() {
    let k = key(16);
    let tf = trust(&[(&k, WS, ST)]);
    let mut v = serde_json::to_value(cert_for(&k)).unwrap();
    for f in ["host_reset", "disposition", "qc"] {
        v.as_object_mut().unwrap().remove(f);
    }
    let bytes = sign_raw(&k, &v);
    let verdict = verify_one(&bytes, &tf);
    assert_eq!(verdict.verdict, Verdict::Valid, "{:?}", verdict.checks);
    assert_eq!(status_of(&verdict, "qc"), CheckStatus::Warn);
    assert!(verify_envelope(&bytes, &tf).is_ok());
}

#[test]
fn a_reformatted_envelope_is_valid_with_a_warning() {
    let k = key(7);
    let tf = trust(&[(&k, WS, ST)]);
    let s = sign(&cert_for(&k), &k);
    assert_eq!(
        status_of(&verify_one(&s.envelope_bytes, &tf), "envelope"),
        CheckStatus::Pass
    );
    // Same signature and payload, other JSON bytes (pretty-printed).
    let v: serde_json::Value = serde_json::from_slice(&s.envelope_bytes).unwrap();
    let pretty = serde_json::to_vec_pretty(&v).unwrap();
    let verdict = verify_one(&pretty, &tf);
    assert_eq!(verdict.verdict, Verdict::Valid);
    let env = verdict
        .checks
        .iter()
        .find(|c| c.name == "envelope")
        .unwrap();
    assert_eq!(env.status, CheckStatus::Warn);
    assert!(env.detail.contains("non-canonical JSON"), "{env:?}");
}

#[test]
fn control_characters_and_overlong_text_fail_the_schema_with_the_field() {
    let k = key(8);
    let tf = trust(&[(&k, WS, ST)]);
    let mut v = serde_json::to_value(cert_for(&k)).unwrap();
    v["media"]["model"] = serde_json::json!("WDC\u{1b}[2K\rVALID");
    let verdict = verify_one(&sign_raw(&k, &v), &tf);
    assert_eq!(verdict.verdict, Verdict::Invalid);
    let schema = verdict.checks.iter().find(|c| c.name == "schema").unwrap();
    assert!(
        schema.detail.contains("media.model") && schema.detail.contains("U+001B"),
        "{schema:?}"
    );
    let mut v = serde_json::to_value(cert_for(&k)).unwrap();
    v["provenance"]["donor"]["name"] = serde_json::json!("D".repeat(257));
    let verdict = verify_one(&sign_raw(&k, &v), &tf);
    let schema = verdict.checks.iter().find(|c| c.name == "schema").unwrap();
    assert!(
        schema.detail.contains("provenance.donor.name"),
        "{schema:?}"
    );
    // Newlines are allowed where sentences are.
    let mut v = serde_json::to_value(cert_for(&k)).unwrap();
    v["sanitization"]["reason"] = serde_json::json!("first line\nsecond line");
    assert_eq!(verify_one(&sign_raw(&k, &v), &tf).verdict, Verdict::Valid);
}
