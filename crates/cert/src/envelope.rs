//! DSSE v1 envelope around the exact payload bytes, signed with the station's Ed25519 key.
//!
//! `SIG = Ed25519(PAE(payloadType, payload))`, `PAE(t, b) = "DSSEv1" SP LEN(t) SP t SP LEN(b)
//! SP b` with LEN the decimal byte length. The payload is parsed only after the signature
//! checks out, so nothing depends on re-serialising JSON.
//!
//! The envelope is written as compact JSON `{"payloadType":…,"payload":…,"signatures":[{"keyid":…,"sig":…}]}`
//! with standard padded base64, no trailing newline. Those exact bytes are the `.dsse.json`
//! file, the body uploaded to the registry, the Merkle leaf, and what the next certificate's
//! `journal.prev_envelope_blake3` hashes. Reading is strict: unknown fields, non-canonical
//! base64 and trailing data are refused.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::keys::StationKey;
use crate::payload::Certificate;
use crate::validate::{validate, SchemaErrors};

/// Payload type of version-1 certificates.
pub const PAYLOAD_TYPE: &str = "application/vnd.ardoise.erasure-certificate.v1+json";

/// Largest envelope accepted when reading (a transcript summary can be long).
pub const MAX_ENVELOPE_BYTES: usize = 16 * 1024 * 1024;

/// Why an envelope could not be read, signed or verified.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// Larger than [`MAX_ENVELOPE_BYTES`].
    #[error("envelope is larger than {MAX_ENVELOPE_BYTES} bytes")]
    TooLarge,
    /// Not JSON of the DSSE envelope shape.
    #[error("envelope is not a DSSE JSON envelope: {0}")]
    Json(String),
    /// A field that must be standard padded base64 is not.
    #[error("envelope field {field}: not standard padded base64")]
    Base64 {
        /// The field: `payload` or `sig`.
        field: &'static str,
    },
    /// `payloadType` is not [`PAYLOAD_TYPE`].
    #[error("payloadType is {0:?}, expected {PAYLOAD_TYPE:?}")]
    PayloadType(String),
    /// Not exactly one signature.
    #[error("expected exactly one signature, found {0}")]
    SignatureCount(usize),
    /// The signature is not 64 bytes (Ed25519).
    #[error("signature is {0} bytes, expected 64")]
    SignatureLength(usize),
    /// The Ed25519 signature does not verify over the DSSE pre-authentication encoding.
    #[error("signature does not verify with key {key_id}")]
    BadSignature {
        /// Id of the key tried.
        key_id: String,
    },
    /// The payload breaks the schema or a cross-field rule.
    #[error("certificate is not valid: {0}")]
    Invalid(#[from] SchemaErrors),
    /// The payload's `issuer.key_id` is not the key that signed it.
    #[error("issuer.key_id {in_payload} is not the signing key {signing}")]
    KeyMismatch {
        /// The payload's `issuer.key_id`.
        in_payload: String,
        /// Id of the signing key.
        signing: String,
    },
}

/// One DSSE signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    /// Unauthenticated hint: which key to try (the station's key id).
    pub keyid: String,
    /// The Ed25519 signature (64 bytes) over the DSSE pre-authentication encoding.
    pub sig: Vec<u8>,
}

/// A DSSE envelope with decoded payload and signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `payloadType`: says what the payload is, e.g. [`PAYLOAD_TYPE`].
    pub payload_type: String,
    /// The payload bytes, exactly as signed (base64-decoded).
    pub payload: Vec<u8>,
    /// The signatures (exactly one for certificates).
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEnvelope {
    #[serde(rename = "payloadType")]
    payload_type: String,
    payload: String,
    signatures: Vec<WireSignature>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSignature {
    keyid: String,
    sig: String,
}

/// DSSE v1 pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// Certificate id: lowercase hex blake3 of the payload bytes.
pub fn certificate_id(payload: &[u8]) -> String {
    blake3::hash(payload).to_hex().to_string()
}

/// blake3 (lowercase hex) of envelope bytes: what `journal.prev_envelope_blake3` holds.
pub fn envelope_hash(envelope_bytes: &[u8]) -> String {
    blake3::hash(envelope_bytes).to_hex().to_string()
}

impl Envelope {
    /// Parses envelope bytes strictly (see module docs). Does not check the signature.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(EnvelopeError::TooLarge);
        }
        let wire: WireEnvelope =
            serde_json::from_slice(bytes).map_err(|e| EnvelopeError::Json(e.to_string()))?;
        let payload = B64
            .decode(&wire.payload)
            .map_err(|_| EnvelopeError::Base64 { field: "payload" })?;
        let signatures = wire
            .signatures
            .into_iter()
            .map(|s| {
                Ok(EnvelopeSignature {
                    keyid: s.keyid,
                    sig: B64
                        .decode(&s.sig)
                        .map_err(|_| EnvelopeError::Base64 { field: "sig" })?,
                })
            })
            .collect::<Result<Vec<_>, EnvelopeError>>()?;
        Ok(Envelope {
            payload_type: wire.payload_type,
            payload,
            signatures,
        })
    }

    /// The envelope's canonical bytes (compact JSON, no trailing newline).
    pub fn to_bytes(&self) -> Vec<u8> {
        let wire = WireEnvelope {
            payload_type: self.payload_type.clone(),
            payload: B64.encode(&self.payload),
            signatures: self
                .signatures
                .iter()
                .map(|s| WireSignature {
                    keyid: s.keyid.clone(),
                    sig: B64.encode(&s.sig),
                })
                .collect(),
        };
        serde_json::to_vec(&wire).expect("envelope serialises")
    }

    /// The certificate id: lowercase hex blake3 of the payload bytes.
    pub fn certificate_id(&self) -> String {
        certificate_id(&self.payload)
    }

    /// The single signature's key id hint, after checking the payload type and that there is
    /// exactly one signature of the right length.
    pub fn signer_hint(&self) -> Result<&str, EnvelopeError> {
        if self.payload_type != PAYLOAD_TYPE {
            return Err(EnvelopeError::PayloadType(self.payload_type.clone()));
        }
        if self.signatures.len() != 1 {
            return Err(EnvelopeError::SignatureCount(self.signatures.len()));
        }
        let sig = &self.signatures[0];
        if sig.sig.len() != 64 {
            return Err(EnvelopeError::SignatureLength(sig.sig.len()));
        }
        Ok(&sig.keyid)
    }

    /// Checks the signature over PAE(payloadType, payload) with `key` (strict Ed25519:
    /// canonical S, no small-order keys).
    pub fn verify_signature(&self, key: &VerifyingKey) -> Result<(), EnvelopeError> {
        let key_id = self.signer_hint()?.to_string();
        let sig_bytes: [u8; 64] = self.signatures[0].sig.as_slice().try_into().expect("64");
        let sig = Signature::from_bytes(&sig_bytes);
        key.verify_strict(&pae(&self.payload_type, &self.payload), &sig)
            .map_err(|_| EnvelopeError::BadSignature { key_id })
    }
}

/// A signed certificate ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCertificate {
    /// Its id: lowercase hex blake3 of the payload bytes.
    pub cert_id: String,
    /// The exact payload bytes that were signed.
    pub payload: Vec<u8>,
    /// The exact envelope bytes (the `.dsse.json` file).
    pub envelope_bytes: Vec<u8>,
}

/// Serialises `cert` once (pretty JSON, trailing newline, so `base64 -d` output is readable),
/// refuses it if [`validate`] finds problems or `issuer.key_id` is not `key`'s id, and signs
/// the bytes.
pub fn sign_certificate(
    cert: &Certificate,
    key: &StationKey,
) -> Result<SignedCertificate, EnvelopeError> {
    if cert.issuer.key_id != key.key_id() {
        return Err(EnvelopeError::KeyMismatch {
            in_payload: cert.issuer.key_id.clone(),
            signing: key.key_id().to_string(),
        });
    }
    let issues = validate(cert);
    if !issues.is_empty() {
        return Err(EnvelopeError::Invalid(SchemaErrors(issues)));
    }
    let mut payload = serde_json::to_vec_pretty(cert).expect("certificate serialises");
    payload.push(b'\n');
    let sig = key.sign(&pae(PAYLOAD_TYPE, &payload));
    let envelope = Envelope {
        payload_type: PAYLOAD_TYPE.to_string(),
        payload,
        signatures: vec![EnvelopeSignature {
            keyid: key.key_id().to_string(),
            sig: sig.to_vec(),
        }],
    };
    Ok(SignedCertificate {
        cert_id: envelope.certificate_id(),
        envelope_bytes: envelope.to_bytes(),
        payload: envelope.payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_definition() {
        // DSSE protocol.md example: PAE("http://example.com/HelloWorld", "hello world").
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn envelope_bytes_round_trip_exactly() {
        let key = StationKey::from_seed(&[3; 32]);
        let mut c = Certificate::example();
        c.issuer.key_id = key.key_id().to_string();
        let s = sign_certificate(&c, &key).unwrap();
        let env = Envelope::parse(&s.envelope_bytes).unwrap();
        assert_eq!(env.to_bytes(), s.envelope_bytes);
        env.verify_signature(&key.public()).unwrap();
        assert_eq!(env.certificate_id(), s.cert_id);
        assert_eq!(s.cert_id, blake3::hash(&s.payload).to_hex().to_string());
    }

    #[test]
    fn signing_refuses_an_inconsistent_certificate() {
        let key = StationKey::from_seed(&[3; 32]);
        let mut c = Certificate::example();
        c.issuer.key_id = key.key_id().to_string();
        c.outcome.status = crate::payload::OutcomeStatus::ErasedWithExceptions;
        let err = sign_certificate(&c, &key).unwrap_err();
        assert!(err.to_string().contains("outcome.exceptions"), "{err}");
        c.issuer.key_id = "0".repeat(64);
        assert!(matches!(
            sign_certificate(&c, &key),
            Err(EnvelopeError::KeyMismatch { .. })
        ));
    }

    #[test]
    fn non_canonical_base64_is_refused() {
        // "QQ==" is "A"; "QR==" decodes to the same byte with non-zero trailing bits.
        let text = br#"{"payloadType":"x","payload":"QR==","signatures":[]}"#;
        assert!(matches!(
            Envelope::parse(text),
            Err(EnvelopeError::Base64 { field: "payload" })
        ));
        let text = br#"{"payloadType":"x","payload":"QQ==","signatures":[]} x"#;
        assert!(matches!(Envelope::parse(text), Err(EnvelopeError::Json(_))));
    }
}
