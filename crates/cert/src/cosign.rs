//! Witness cosignatures (C2SP tlog-cosignature, `cosignature/v1`, Ed25519).
//!
//! A witness that has checked a checkpoint consistent with every earlier one it saw of the
//! same log adds a signature line to the checkpoint note:
//! `— <witness name> base64(key id (4) ‖ timestamp (8, big-endian) ‖ Ed25519 signature (64))`.
//! The key id is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)\[:4\]; the signature covers
//! `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint text. The timestamp (POSIX
//! seconds) is the witness's statement that, at that time, this was the largest consistent
//! tree it had seen: a time signed by someone other than the log operator.
//!
//! Witness verifier keys are vkeys with type 0x04: `<name>+<hex id>+<base64(0x04 ‖ key)>`.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::note::NoteError;

/// Signature type byte of Ed25519 cosignatures (`cosignature/v1`).
const ALG_COSIGNATURE_V1: u8 = 0x04;

/// C2SP key id of an Ed25519 witness key.
pub fn witness_key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0A, ALG_COSIGNATURE_V1]);
    h.update(key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The message a `cosignature/v1` signs: header, time line, checkpoint text.
pub fn cosigned_message(checkpoint_text: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_text}").into_bytes()
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(NoteError::KeyName(name.into()));
    }
    Ok(())
}

/// A witness's signing key.
pub struct WitnessSigner {
    name: String,
    key: SigningKey,
    id: [u8; 4],
}

impl WitnessSigner {
    /// A witness named `name` with the Ed25519 private key `seed`; fails on an invalid name.
    pub fn new(name: &str, seed: &[u8; 32]) -> Result<WitnessSigner, NoteError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(seed);
        let id = witness_key_id(name, &key.verifying_key());
        Ok(WitnessSigner {
            name: name.into(),
            key,
            id,
        })
    }

    /// The witness's name, as written in its cosignature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching witness verifier key.
    pub fn verifier(&self) -> WitnessVerifier {
        WitnessVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// The cosignature line (with its final newline) over `checkpoint_text` at `timestamp`.
    pub fn cosign(&self, checkpoint_text: &str, timestamp: u64) -> String {
        let sig = self.key.sign(&cosigned_message(checkpoint_text, timestamp));
        let mut blob = Vec::with_capacity(76);
        blob.extend_from_slice(&self.id);
        blob.extend_from_slice(&timestamp.to_be_bytes());
        blob.extend_from_slice(&sig.to_bytes());
        format!("\u{2014} {} {}\n", self.name, B64.encode(blob))
    }
}

/// A trusted witness key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessVerifier {
    /// The witness's name, as in its cosignature lines.
    pub name: String,
    /// Key id: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key).
    pub id: [u8; 4],
    /// The Ed25519 public key.
    pub key: VerifyingKey,
}

impl WitnessVerifier {
    /// Parses a witness vkey `<name>+<hex id>+<base64(0x04 ‖ key)>`; the id must match.
    pub fn from_vkey(vkey: &str) -> Result<WitnessVerifier, NoteError> {
        let bad = |m: &str| NoteError::VerifierKey(m.into());
        let mut parts = vkey.trim().splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected name+id+key"));
        };
        check_name(name)?;
        let id: [u8; 4] = hex::decode(id_hex)
            .ok()
            .and_then(|v| v.try_into().ok())
            .filter(|_| id_hex.len() == 8)
            .ok_or_else(|| bad("key id is not 8 hex digits"))?;
        let raw = B64.decode(key_b64).map_err(|_| bad("key is not base64"))?;
        if raw.len() != 33 || raw[0] != ALG_COSIGNATURE_V1 {
            return Err(bad(
                "only Ed25519 cosignature keys (type 0x04, 32 bytes) are supported",
            ));
        }
        let key = VerifyingKey::from_bytes(raw[1..].try_into().expect("32"))
            .map_err(|e| NoteError::VerifierKey(e.to_string()))?;
        if witness_key_id(name, &key) != id {
            return Err(bad("key id does not match name and key"));
        }
        Ok(WitnessVerifier {
            name: name.into(),
            id,
            key,
        })
    }

    /// The witness vkey: `<name>+<hex id>+<base64(0x04 ‖ key)>`.
    pub fn to_vkey(&self) -> String {
        let mut raw = vec![ALG_COSIGNATURE_V1];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex::encode(self.id), B64.encode(raw))
    }
}

/// One verified cosignature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    /// Name of the witness that cosigned.
    pub witness: String,
    /// The witness's signed time.
    pub time: OffsetDateTime,
}

/// Splits a note into its text and its signature lines.
fn split_note(note: &str) -> Result<(&str, &str), NoteError> {
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| NoteError::Malformed("no blank line before signatures".into()))?;
    Ok((&note[..split + 1], &note[split + 2..]))
}

/// Verifies the cosignatures of `witnesses` on a checkpoint note (other signature lines,
/// the log's own included, are ignored). A line whose name and key id match a witness but
/// whose signature does not verify is an error (C2SP: such a note is malformed). Returns one
/// entry per witness that cosigned (the latest time if a witness signed twice).
pub fn verify_cosignatures(
    note: &str,
    witnesses: &[WitnessVerifier],
) -> Result<Vec<Cosignature>, NoteError> {
    let (text, sigs) = split_note(note)?;
    let mut found: Vec<Cosignature> = Vec::new();
    for line in sigs.split_terminator('\n') {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return Err(NoteError::Malformed(format!("bad signature line {line:?}")));
        };
        let Some((name, b64)) = rest.split_once(' ') else {
            return Err(NoteError::Malformed(format!("bad signature line {line:?}")));
        };
        let Ok(blob) = B64.decode(b64) else {
            return Err(NoteError::Malformed("signature is not base64".into()));
        };
        if blob.len() < 4 {
            return Err(NoteError::Malformed("signature too short".into()));
        }
        let Some(w) = witnesses
            .iter()
            .find(|w| w.name == name && w.id[..] == blob[..4])
        else {
            continue;
        };
        let bad = || NoteError::BadSignature(name.into());
        if blob.len() != 4 + 8 + 64 {
            return Err(bad());
        }
        let timestamp = u64::from_be_bytes(blob[4..12].try_into().expect("8"));
        let sig = Signature::from_bytes(blob[12..].try_into().expect("64"));
        w.key
            .verify_strict(&cosigned_message(text, timestamp), &sig)
            .map_err(|_| bad())?;
        let time = i64::try_from(timestamp)
            .ok()
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .ok_or_else(bad)?;
        match found.iter_mut().find(|c| c.witness == w.name) {
            Some(c) => c.time = c.time.max(time),
            None => found.push(Cosignature {
                witness: w.name.clone(),
                time,
            }),
        }
    }
    Ok(found)
}

/// The checkpoint note with `cosignature_lines` appended after its own signature lines.
pub fn with_cosignatures(note: &str, cosignature_lines: &[String]) -> String {
    let mut out = note.to_string();
    for l in cosignature_lines {
        if !out.contains(l.as_str()) {
            out.push_str(l);
            if !l.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{verify_checkpoint, Checkpoint, NoteSigner};

    fn checkpoint() -> (NoteSigner, String) {
        let log = NoteSigner::new("example.com/behind-the-sofa", &[3; 32]).unwrap();
        let cp = Checkpoint {
            origin: "example.com/behind-the-sofa".into(),
            size: 20852163,
            root: [7; 32],
            extensions: vec![],
        };
        let note = cp.sign(&log).unwrap();
        (log, note)
    }

    #[test]
    fn cosigned_message_is_the_c2sp_layout() {
        // The example of c2sp.org/tlog-cosignature ("Ed25519 signed message").
        let text =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        assert_eq!(
            String::from_utf8(cosigned_message(text, 1679315147)).unwrap(),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
    }

    #[test]
    fn cosign_verify_and_vkey_round_trip() {
        let (log, note) = checkpoint();
        let w = WitnessSigner::new("witness.example/w1", &[9; 32]).unwrap();
        let text = note.split_once("\n\n").unwrap().0.to_string() + "\n";
        let line = w.cosign(&text, 1_700_000_000);
        let cosigned = with_cosignatures(&note, std::slice::from_ref(&line));
        // The log's own verification ignores the witness line; the witness's finds its own.
        assert!(verify_checkpoint(&cosigned, &log.verifier()).is_ok());
        let v = WitnessVerifier::from_vkey(&w.verifier().to_vkey()).unwrap();
        assert_eq!(v, w.verifier());
        let found = verify_cosignatures(&cosigned, std::slice::from_ref(&v)).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].time.unix_timestamp(), 1_700_000_000);
        // Another witness's key finds nothing; a tampered line is an error.
        let other = WitnessSigner::new("witness.example/w2", &[8; 32]).unwrap();
        assert!(verify_cosignatures(&cosigned, &[other.verifier()])
            .unwrap()
            .is_empty());
        let forged = cosigned.replace("20852163", "20852164");
        assert!(verify_cosignatures(&forged, std::slice::from_ref(&v)).is_err());
        // A log key is not a witness key (type 0x01 vkey refused).
        assert!(WitnessVerifier::from_vkey(&log.verifier().to_vkey()).is_err());
    }
}
