//! The registry's signed receipt statement: what the registry says about one entry, signed
//! with its log key as a C2SP signed note, so that the time it received the certificate and
//! the quality-control selection it drew are signed, not just written in a JSON file.
//!
//! ```text
//! ardoise-receipt/v1
//! <origin>
//! cert <certificate id>
//! index <log index>
//! leaf <leaf hash, lowercase hex>
//! received <Unix seconds>
//! first <size> <base64 signature>
//! qc <rule> <rate ppm> <selected|not-selected>
//! ```
//!
//! `first` is the first checkpoint that includes the entry, with the base64 text of the
//! registry's signature line on it. The `qc` line is present for rule `registry-log-v1`: the
//! selection is [`qc_log_draw`]`(cert id, that signature) < rate`. The signature did not exist
//! before the certificate was logged, and only the registry key can make it: the station
//! could not compute the selection when it signed, nor steer it by retrying.
//! The first line is not an origin and the second not a tree size: a statement can never be
//! read as a checkpoint.

use crate::note::{open_note, NoteError, NoteSigner, NoteVerifier};

/// First line of every statement.
pub const HEADER: &str = "ardoise-receipt/v1";
/// Domain-separation prefix of the `registry-log-v1` draw.
pub const QC_LOG_DOMAIN: &str = "ardoise-qc-log-v1";

/// The draw of rule `registry-log-v1`, in 0..1_000_000: the first 8 bytes (little-endian
/// u64) of blake3(`ardoise-qc-log-v1` ‖ cert id ‖ `:` ‖ base64 signature), modulo 1,000,000.
pub fn qc_log_draw(cert_id: &str, first_signature_b64: &str) -> u32 {
    let digest = blake3::hash(format!("{QC_LOG_DOMAIN}{cert_id}:{first_signature_b64}").as_bytes());
    let first: [u8; 8] = digest.as_bytes()[..8].try_into().expect("32 bytes");
    (u64::from_le_bytes(first) % 1_000_000) as u32
}

/// The base64 text of the signature line by `name` on a signed note (the last field of
/// `— <name> <base64>`), if there is one.
pub fn signature_of(note: &str, name: &str) -> Option<String> {
    let prefix = format!("\u{2014} {name} ");
    note.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(str::to_string)
}

/// The quality-control decision the registry states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QcDecision {
    /// The selection rule, e.g. `registry-log-v1`.
    pub rule: String,
    /// Selection rate in parts per million (e.g. 50,000 = 5 %).
    pub rate_ppm: u32,
    /// Whether the entry is in the quality-control sample.
    pub selected: bool,
}

/// A receipt statement's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The log's origin (same as the checkpoint's).
    pub origin: String,
    /// Id of the certificate (64 lowercase hex digits).
    pub cert_id: String,
    /// Position of the envelope in the log, from 0.
    pub log_index: u64,
    /// RFC 6962 leaf hash of the envelope bytes, lowercase hex.
    pub leaf_hash: String,
    /// The registry's clock when it received the certificate (Unix seconds).
    pub received_at: i64,
    /// Tree size of the first checkpoint that includes the entry.
    pub first_size: u64,
    /// Base64 of the registry's signature on that first checkpoint.
    pub first_signature: String,
    /// The quality-control selection; present only for rule `registry-log-v1`.
    pub qc: Option<QcDecision>,
}

fn bad(m: &str) -> NoteError {
    NoteError::Malformed(format!("receipt statement: {m}"))
}

fn token_ok(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl Statement {
    /// The statement's note text (what is signed), ending with a newline.
    pub fn to_text(&self) -> String {
        let mut t = format!(
            "{HEADER}\n{}\ncert {}\nindex {}\nleaf {}\nreceived {}\nfirst {} {}\n",
            self.origin,
            self.cert_id,
            self.log_index,
            self.leaf_hash,
            self.received_at,
            self.first_size,
            self.first_signature
        );
        if let Some(q) = &self.qc {
            t.push_str(&format!(
                "qc {} {} {}\n",
                q.rule,
                q.rate_ppm,
                if q.selected {
                    "selected"
                } else {
                    "not-selected"
                }
            ));
        }
        t
    }

    /// Parses a statement's note text (without signature lines).
    pub fn parse_text(text: &str) -> Result<Statement, NoteError> {
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("no final newline"))?;
        let mut lines = body.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(bad("not an ardoise-receipt/v1 statement"));
        }
        let origin = lines
            .next()
            .filter(|o| token_ok(o))
            .ok_or_else(|| bad("origin"))?;
        let mut field = |key: &str| -> Result<Vec<String>, NoteError> {
            let line = lines.next().ok_or_else(|| bad(&format!("missing {key}")))?;
            let rest = line
                .strip_prefix(&format!("{key} "))
                .ok_or_else(|| bad(&format!("expected {key}")))?;
            let parts: Vec<String> = rest.split(' ').map(str::to_string).collect();
            if parts.iter().any(|p| !token_ok(p)) {
                return Err(bad(key));
            }
            Ok(parts)
        };
        let num = |v: &str, k: &str| v.parse::<u64>().map_err(|_| bad(k));
        let cert = field("cert")?;
        let index = field("index")?;
        let leaf = field("leaf")?;
        let received = field("received")?;
        let first = field("first")?;
        let qc_line = lines.next();
        if lines.next().is_some() || first.len() != 2 {
            return Err(bad("unexpected lines"));
        }
        let qc = match qc_line {
            None => None,
            Some(l) => {
                let p: Vec<&str> = l
                    .strip_prefix("qc ")
                    .ok_or_else(|| bad("expected qc"))?
                    .split(' ')
                    .collect();
                let [rule, rate, sel] = p[..] else {
                    return Err(bad("qc"));
                };
                Some(QcDecision {
                    rule: rule.into(),
                    rate_ppm: u32::try_from(num(rate, "qc")?).map_err(|_| bad("qc"))?,
                    selected: match sel {
                        "selected" => true,
                        "not-selected" => false,
                        _ => return Err(bad("qc")),
                    },
                })
            }
        };
        Ok(Statement {
            origin: origin.into(),
            cert_id: cert[0].clone(),
            log_index: num(&index[0], "index")?,
            leaf_hash: leaf[0].clone(),
            received_at: i64::try_from(num(&received[0], "received")?)
                .map_err(|_| bad("received"))?,
            first_size: num(&first[0], "first")?,
            first_signature: first[1].clone(),
            qc,
        })
    }

    /// The statement as a note signed by the registry key.
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, NoteError> {
        signer.sign(&self.to_text())
    }
}

/// Verifies a statement note with the registry key; its origin must be the key's name.
pub fn verify_statement(note: &str, registry: &NoteVerifier) -> Result<Statement, NoteError> {
    let text = open_note(note, std::slice::from_ref(registry))?;
    let s = Statement::parse_text(text)?;
    if s.origin != registry.name {
        return Err(bad(&format!(
            "origin {:?} is not the expected log {:?}",
            s.origin, registry.name
        )));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_signature() {
        let signer = NoteSigner::new("registre.test/log", &[2; 32]).unwrap();
        let s = Statement {
            origin: "registre.test/log".into(),
            cert_id: "ab".repeat(32),
            log_index: 41,
            leaf_hash: "cd".repeat(32),
            received_at: 1_764_153_737,
            first_size: 42,
            first_signature: "AbCd+/==".into(),
            qc: Some(QcDecision {
                rule: "registry-log-v1".into(),
                rate_ppm: 50_000,
                selected: true,
            }),
        };
        let note = s.sign(&signer).unwrap();
        assert_eq!(verify_statement(&note, &signer.verifier()).unwrap(), s);
        let forged = note.replace("received 1764153737", "received 1764153736");
        assert!(verify_statement(&forged, &signer.verifier()).is_err());
        // Not a checkpoint: line 2 is not a size.
        assert!(crate::note::verify_checkpoint(&note, &signer.verifier()).is_err());
    }

    #[test]
    fn the_draw_is_fixed_by_id_and_signature() {
        let a = qc_log_draw(&"ab".repeat(32), "sig-1");
        assert_eq!(a, qc_log_draw(&"ab".repeat(32), "sig-1"));
        assert!(a < 1_000_000);
        assert_ne!(a, qc_log_draw(&"ab".repeat(32), "sig-2"));
    }
}
