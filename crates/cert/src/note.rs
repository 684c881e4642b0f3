//! C2SP signed notes (Ed25519 only) and transparency-log checkpoints.
//!
//! A signed note is a text ending in a newline, a blank line, then signature lines
//! `— <key name> base64(key id (4 bytes, big-endian) || signature)`. For Ed25519 the key id is
//! SHA-256(name || 0x0A || 0x01 || public key)\[:4\] and the signature covers the text
//! (including its final newline). A checkpoint's text is the origin line, the decimal tree
//! size, the base64 root hash, and optional extension lines.
//!
//! Verifier keys use the vkey form `<name>+<hex key id>+<base64(0x01 || public key)>`.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// Signature type byte of Ed25519 in C2SP signed notes.
const ALG_ED25519: u8 = 0x01;
/// Signatures looked at per note (the spec asks verifiers to accept at least 16).
const MAX_SIGNATURES: usize = 64;

/// Why a signed note, verifier key or checkpoint was refused (C2SP signed-note and
/// tlog-checkpoint).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The note text or its signature lines do not have the signed-note shape.
    #[error("malformed note: {0}")]
    Malformed(String),
    /// A key name is empty or contains white space or `+`.
    #[error("invalid key name {0:?} (non-empty, no spaces, no '+')")]
    KeyName(String),
    /// A verifier key is not `<name>+<hex id>+<base64(0x01 ‖ key)>` or its id does not match.
    #[error("malformed verifier key: {0}")]
    VerifierKey(String),
    /// A signature by a trusted key name and id does not verify.
    #[error("signature by {0} does not verify")]
    BadSignature(String),
    /// No signature by any of the trusted keys.
    #[error("no signature by a trusted key ({0})")]
    NoTrustedSignature(String),
    /// The note text is not a checkpoint (origin, tree size, base64 root hash).
    #[error("malformed checkpoint: {0}")]
    Checkpoint(String),
}

fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(NoteError::KeyName(name.into()));
    }
    Ok(())
}

/// C2SP key id of an Ed25519 key.
pub fn note_key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0A, ALG_ED25519]);
    h.update(key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// A named Ed25519 key that signs notes (the registry's log key).
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    id: [u8; 4],
}

impl NoteSigner {
    /// A signer named `name` with the Ed25519 private key `seed`; fails on an invalid name.
    pub fn new(name: &str, seed: &[u8; 32]) -> Result<NoteSigner, NoteError> {
        check_key_name(name)?;
        let key = SigningKey::from_bytes(seed);
        let id = note_key_id(name, &key.verifying_key());
        Ok(NoteSigner {
            name: name.into(),
            key,
            id,
        })
    }

    /// The key name written in its signature lines (e.g. the log's origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching verifier key.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// Signs `text` (which must end with a newline) and returns the whole signed note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        let sig = self.key.sign(text.as_bytes());
        let mut blob = Vec::with_capacity(68);
        blob.extend_from_slice(&self.id);
        blob.extend_from_slice(&sig.to_bytes());
        Ok(format!(
            "{text}\n\u{2014} {} {}\n",
            self.name,
            B64.encode(blob)
        ))
    }
}

/// A trusted note verifier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    /// Key name, as in the signature lines.
    pub name: String,
    /// Key id: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
    pub id: [u8; 4],
    /// The Ed25519 public key.
    pub key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses a vkey `<name>+<hex id>+<base64(0x01 || key)>`; the id must match.
    pub fn from_vkey(vkey: &str) -> Result<NoteVerifier, NoteError> {
        let bad = |m: &str| NoteError::VerifierKey(m.into());
        let vkey = vkey.trim();
        let (name, rest) = vkey
            .split_once('+')
            .ok_or_else(|| bad("expected name+id+key"))?;
        let (id_hex, key_b64) = rest
            .split_once('+')
            .ok_or_else(|| bad("expected name+id+key"))?;
        check_key_name(name)?;
        let id: [u8; 4] = hex::decode(id_hex)
            .ok()
            .and_then(|v| v.try_into().ok())
            .filter(|_| id_hex.len() == 8)
            .ok_or_else(|| bad("key id is not 8 hex digits"))?;
        let raw = B64.decode(key_b64).map_err(|_| bad("key is not base64"))?;
        if raw.len() != 33 || raw[0] != ALG_ED25519 {
            return Err(bad("only Ed25519 keys (type 0x01, 32 bytes) are supported"));
        }
        let key = VerifyingKey::from_bytes(raw[1..].try_into().expect("32"))
            .map_err(|e| NoteError::VerifierKey(e.to_string()))?;
        if note_key_id(name, &key) != id {
            return Err(bad("key id does not match name and key"));
        }
        Ok(NoteVerifier {
            name: name.into(),
            id,
            key,
        })
    }

    /// The verifier key in vkey form: `<name>+<hex id>+<base64(0x01 ‖ key)>`.
    pub fn to_vkey(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex::encode(self.id), B64.encode(raw))
    }
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("text must end with a newline".into()));
    }
    if text.chars().any(|c| (c as u32) < 0x20 && c != '\n') {
        return Err(NoteError::Malformed("control character in note".into()));
    }
    Ok(())
}

/// Splits a signed note, verifies it against `verifiers` and returns its text.
///
/// Per C2SP: signatures from unknown keys are ignored; a signature from a known key that
/// fails to verify rejects the note; at least one known key must have signed.
pub fn open_note<'a>(note: &'a str, verifiers: &[NoteVerifier]) -> Result<&'a str, NoteError> {
    check_text(note)?;
    // The text ends at the last blank line: "\n\n" then signature lines.
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| NoteError::Malformed("no blank line before signatures".into()))?;
    let text = &note[..split + 1];
    let sigs = &note[split + 2..];
    if sigs.is_empty() {
        return Err(NoteError::Malformed("no signature lines".into()));
    }
    let mut verified = false;
    for (n, line) in sigs.split_terminator('\n').enumerate() {
        if n >= MAX_SIGNATURES {
            return Err(NoteError::Malformed("too many signatures".into()));
        }
        let rest = line
            .strip_prefix("\u{2014} ")
            .ok_or_else(|| NoteError::Malformed(format!("bad signature line {line:?}")))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| NoteError::Malformed(format!("bad signature line {line:?}")))?;
        check_key_name(name)?;
        let blob = B64
            .decode(b64)
            .map_err(|_| NoteError::Malformed("signature is not base64".into()))?;
        if blob.len() < 4 {
            return Err(NoteError::Malformed("signature too short".into()));
        }
        let id: [u8; 4] = blob[..4].try_into().expect("4");
        let Some(v) = verifiers.iter().find(|v| v.name == name && v.id == id) else {
            continue;
        };
        let sig: [u8; 64] = blob[4..]
            .try_into()
            .map_err(|_| NoteError::BadSignature(name.into()))?;
        v.key
            .verify_strict(text.as_bytes(), &Signature::from_bytes(&sig))
            .map_err(|_| NoteError::BadSignature(name.into()))?;
        verified = true;
    }
    if verified {
        Ok(text)
    } else {
        Err(NoteError::NoTrustedSignature(
            verifiers
                .iter()
                .map(|v| v.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ))
    }
}

/// A transparency-log checkpoint (the note text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line, e.g. `registre.example.org/log`.
    pub origin: String,
    /// Tree size: number of entries in the log.
    pub size: u64,
    /// Merkle root hash (RFC 6962) of the first `size` entries.
    pub root: Hash,
    /// Extension lines after the root, if any.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The checkpoint's note text (what is signed), ending with a newline.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses checkpoint text (not a signed note: use [`verify_checkpoint`]).
    pub fn parse_text(text: &str) -> Result<Checkpoint, NoteError> {
        let bad = |m: &str| NoteError::Checkpoint(m.into());
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("must end with a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| bad("empty origin"))?;
        let size_line = lines.next().ok_or_else(|| bad("missing tree size"))?;
        if size_line.is_empty()
            || !size_line.bytes().all(|b| b.is_ascii_digit())
            || (size_line.len() > 1 && size_line.starts_with('0'))
        {
            return Err(bad("tree size is not a decimal without leading zeros"));
        }
        let size: u64 = size_line
            .parse()
            .map_err(|_| bad("tree size out of range"))?;
        let root_line = lines.next().ok_or_else(|| bad("missing root hash"))?;
        let root: Hash = B64
            .decode(root_line)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| bad("root hash is not 32 bytes of base64"))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(|e| e.is_empty()) {
            return Err(bad("empty extension line"));
        }
        Ok(Checkpoint {
            origin: origin.into(),
            size,
            root,
            extensions,
        })
    }

    /// Signs this checkpoint as a note.
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, NoteError> {
        signer.sign(&self.to_text())
    }
}

/// Verifies a signed checkpoint with the registry's key and parses it. The checkpoint's
/// origin must be the key's name (the log the key was given for): a key that signs for
/// several logs cannot pass one log's checkpoint off as another's.
pub fn verify_checkpoint(note: &str, registry: &NoteVerifier) -> Result<Checkpoint, NoteError> {
    let text = open_note(note, std::slice::from_ref(registry))?;
    let cp = Checkpoint::parse_text(text)?;
    if cp.origin != registry.name {
        return Err(NoteError::Checkpoint(format!(
            "origin {:?} is not the expected log {:?}",
            cp.origin, registry.name
        )));
    }
    Ok(cp)
}

/// Parses the checkpoint inside a signed note without checking any signature (for display,
/// or when no registry key is at hand; never for a trust decision).
pub fn checkpoint_unverified(note: &str) -> Result<Checkpoint, NoteError> {
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| NoteError::Malformed("no blank line before signatures".into()))?;
    Checkpoint::parse_text(&note[..split + 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of c2sp.org/signed-note ("Verifier keys" section).
    const VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    #[test]
    fn c2sp_example_note_verifies() {
        let v = NoteVerifier::from_vkey(VKEY).unwrap();
        assert_eq!(v.to_vkey(), VKEY);
        assert_eq!(
            open_note(NOTE, &[v]).unwrap(),
            "This is an example message.\n"
        );
    }

    #[test]
    fn c2sp_example_note_tampered_is_rejected() {
        let v = NoteVerifier::from_vkey(VKEY).unwrap();
        let tampered = NOTE.replace("example message", "example massage");
        assert_eq!(
            open_note(&tampered, std::slice::from_ref(&v)),
            Err(NoteError::BadSignature("example.com/foo".into()))
        );
        // Unknown keys are ignored, so a note signed only by others is rejected.
        let other = NoteSigner::new("example.com/other", &[9; 32]).unwrap();
        let signed_by_other = other.sign("This is an example message.\n").unwrap();
        assert!(matches!(
            open_note(&signed_by_other, &[v]),
            Err(NoteError::NoTrustedSignature(_))
        ));
    }

    #[test]
    fn checkpoint_sign_parse_verify() {
        let signer = NoteSigner::new("registre.example.org/log", &[5; 32]).unwrap();
        let cp = Checkpoint {
            origin: "registre.example.org/log".into(),
            size: 20852163,
            root: [0xab; 32],
            extensions: vec![],
        };
        let note = cp.sign(&signer).unwrap();
        assert!(note.starts_with("registre.example.org/log\n20852163\n"));
        assert_eq!(verify_checkpoint(&note, &signer.verifier()).unwrap(), cp);
        assert_eq!(checkpoint_unverified(&note).unwrap(), cp);
        let vkey = signer.verifier().to_vkey();
        assert_eq!(NoteVerifier::from_vkey(&vkey).unwrap(), signer.verifier());
        let forged = note.replace("20852163", "20852164");
        assert!(verify_checkpoint(&forged, &signer.verifier()).is_err());
    }

    #[test]
    fn checkpoint_of_another_origin_is_refused() {
        // The same key signing a checkpoint whose first line names another log.
        let signer = NoteSigner::new("registre.example.org/log", &[5; 32]).unwrap();
        let other = Checkpoint {
            origin: "elsewhere.example/log".into(),
            size: 3,
            root: [1; 32],
            extensions: vec![],
        };
        let note = signer.sign(&other.to_text()).unwrap();
        let err = verify_checkpoint(&note, &signer.verifier()).unwrap_err();
        assert!(err.to_string().contains("not the expected log"), "{err}");
    }

    #[test]
    fn checkpoint_text_rules() {
        assert!(Checkpoint::parse_text("o\n01\nq83vEjRWeJA=\n").is_err());
        assert!(Checkpoint::parse_text("o\n1\nAAAA\n").is_err());
        assert!(Checkpoint::parse_text("\n1\n").is_err());
        let root = B64.encode([1u8; 32]);
        assert!(Checkpoint::parse_text(&format!("o\n0\n{root}\next\n")).is_ok());
        assert!(Checkpoint::parse_text(&format!("o\n0\n{root}\n\n")).is_err());
    }
}
