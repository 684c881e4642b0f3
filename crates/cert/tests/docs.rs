//! The examples in docs/certificate.md are real: the trust file parses, and the example
//! payload is `Certificate::example()` signed by the documented key, with the documented id.

use ardoise_cert::envelope::sign_certificate;
use ardoise_cert::keys::StationKey;
use ardoise_cert::payload::Certificate;
use ardoise_cert::trust::TrustFile;

const DOC: &str = include_str!("../../../docs/certificate.md");

fn block_after(marker: &str, lang: &str) -> &'static str {
    let start = DOC
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} not in the doc"));
    let open = format!("```{lang}\n");
    let body = start + DOC[start..].find(&open).unwrap() + open.len();
    let end = body + DOC[body..].find("\n```").unwrap();
    &DOC[body..=end]
}

#[test]
fn documented_trust_file_parses() {
    let tf = TrustFile::parse(block_after("A trust file lists", "toml")).unwrap();
    assert_eq!(tf.keys.len(), 1);
    assert_eq!(tf.revocations.len(), 1);
    assert_eq!(tf.keys[0].key_id, StationKey::from_seed(&[1; 32]).key_id());
}

#[test]
fn documented_example_payload_is_the_signed_example() {
    let k = StationKey::from_seed(&[1; 32]);
    let mut c = Certificate::example();
    c.issuer.key_id = k.key_id().into();
    let s = sign_certificate(&c, &k).unwrap();
    let documented = block_after("## 4. Example payload", "json");
    assert_eq!(documented, std::str::from_utf8(&s.payload).unwrap());
    assert!(DOC.contains(&format!("certificate id `{}`", s.cert_id)));
}

#[test]
fn documented_qc_worked_example_is_recomputed() {
    use ardoise_cert::payload::{qc_draw, qc_selected};
    let key = StationKey::from_seed(&[1; 32]).key_id().to_string();
    let start = DOC
        .find("#### Quality-control selection")
        .expect("QC section");
    let section = &DOC[start..start + DOC[start..].find("### Rules across fields").unwrap()];
    assert!(section.contains(&key));
    for (seq, selected) in [(0u64, false), (33, true)] {
        let digest = blake3::hash(format!("ardoise-qc-v1{key}:{seq}").as_bytes());
        let le = u64::from_le_bytes(digest.as_bytes()[..8].try_into().unwrap());
        let draw = qc_draw(&key, seq);
        assert_eq!(u64::from(draw), le % 1_000_000);
        assert_eq!(qc_selected(&key, seq, 50_000), selected);
        let row = format!(
            "| {seq} | `{}` | {le} | {draw} | {} |",
            digest.to_hex(),
            if selected { "yes" } else { "no" }
        );
        assert!(section.contains(&row), "row not in the doc: {row}");
    }
    assert!(section.contains("# 21309: below 50000, selected"));
}
