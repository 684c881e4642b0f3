//! The submission parser: from request body bytes to a certificate the registry may log, or
//! the exact reason it may not. Pure (no I/O, no clock of its own): the fuzz target and the
//! property tests call it directly.
//!
//! Order of the checks, and the answer of each failure:
//!
//! | check | status | error |
//! |---|---|---|
//! | body larger than the limit | 413 | `too_large` |
//! | not JSON (or not UTF-8) | 400 | `malformed_json` |
//! | JSON, but not a DSSE envelope (missing field, wrong type, unknown field, bad base64, wrong `payloadType`, not one 64-byte signature), or not its canonical bytes | 400 | `invalid_envelope` (+ `field`) |
//! | signed by a key the registry does not know | 401 | `unknown_key` |
//! | signature does not verify | 401 | `bad_signature` |
//! | payload not a valid v1 certificate (schema, cross-field rules) | 422 | `invalid_certificate` (+ `field`) |
//! | key not valid at `issued_at` (before `not_before`, after `not_after`, revoked), revoked at or before now, or it belongs to another workshop/station | 401 | `key_not_valid` |
//! | `issued_at` more than a day in the future | 422 | `issued_in_future` |
//!
//! The signature, schema and key checks are `ardoise_cert::verify::verify_envelope`, the
//! same code `ardoise verify` runs; this crate only adds the classification.
#![forbid(unsafe_code)]

use ardoise_cert::envelope::{envelope_hash, Envelope, EnvelopeError, MAX_ENVELOPE_BYTES};
use ardoise_cert::merkle::{leaf_hash, Hash};
use ardoise_cert::payload::Certificate;
use ardoise_cert::trust::{KeyStatus, TrustFile};
use ardoise_cert::validate::parse_payload;
use ardoise_cert::verify::{verify_envelope, Check};
use serde::Serialize;
use time::OffsetDateTime;

/// How far in the future `issued_at` may be (station clocks drift; a day more is a wrong clock).
pub const MAX_CLOCK_AHEAD: time::Duration = time::Duration::days(1);

/// A refusal: HTTP status and the JSON error body `{error, message, field?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The HTTP status of the answer (400, 403, 409, 413…); not part of the body.
    #[serde(skip)]
    pub status: u16,
    /// A stable machine-readable code (`unknown_key`, `schema`…) the station acts on.
    pub error: &'static str,
    /// A sentence for the person reading the station's log.
    pub message: String,
    /// The JSON path of the offending field, when one field is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Rejection {
    /// A refusal with `status`, the code `error` and a `message`, blaming no field.
    pub fn new(status: u16, error: &'static str, message: impl Into<String>) -> Rejection {
        Rejection {
            status,
            error,
            message: message.into(),
            field: None,
        }
    }

    /// The same refusal, naming the offending `field`.
    pub fn field(mut self, field: impl Into<String>) -> Rejection {
        self.field = Some(field.into());
        self
    }

    /// Whether a reload of the station keys could change the answer.
    pub fn depends_on_keys(&self) -> bool {
        matches!(self.error, "unknown_key" | "key_not_valid")
    }
}

/// A submission that passed every check that does not depend on what is already stored.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The certificate id: lowercase hex blake3 of the signed payload bytes.
    pub cert_id: String,
    /// The exact envelope bytes (valid UTF-8: they parsed as JSON).
    pub envelope: String,
    /// blake3 of the envelope bytes (what the next certificate's journal link carries).
    pub envelope_hash: Hash,
    /// RFC 6962 leaf hash of the envelope bytes.
    pub leaf_hash: Hash,
    /// The id of the station key whose signature was checked.
    pub key_id: String,
    /// The payload, parsed and validated.
    pub certificate: Certificate,
}

impl Accepted {
    /// The issuing workshop's id.
    pub fn workshop(&self) -> &str {
        &self.certificate.issuer.workshop_id
    }
    /// The issuing station's id within its workshop.
    pub fn station(&self) -> &str {
        &self.certificate.issuer.station_id
    }
    /// The certificate's number in its station's journal.
    pub fn seq(&self) -> u64 {
        self.certificate.journal.seq
    }
    /// The journal link to the predecessor, decoded (validated as 64 lowercase hex by the schema).
    pub fn prev(&self) -> Option<Hash> {
        self.certificate
            .journal
            .prev_envelope_blake3
            .as_deref()
            .and_then(decode_hash)
    }
    /// The certificate id as 32 bytes.
    pub fn cert_id_bytes(&self) -> Hash {
        decode_hash(&self.cert_id).expect("cert id is 64 hex")
    }
}

/// 64 hex characters as 32 bytes; `None` for any other length or a non-hex character.
pub fn decode_hash(s: &str) -> Option<Hash> {
    if s.len() != 64 {
        return None;
    }
    hex::decode(s).ok()?.try_into().ok()
}

/// Checks the shape of a parsed JSON value as an envelope, to name the offending field.
fn envelope_shape(v: &serde_json::Value) -> Result<(), Rejection> {
    let bad = |field: &str, msg: &str| {
        Rejection::new(400, "invalid_envelope", format!("{field}: {msg}")).field(field)
    };
    let obj = v
        .as_object()
        .ok_or_else(|| Rejection::new(400, "invalid_envelope", "the body is not a JSON object"))?;
    for k in obj.keys() {
        if !matches!(k.as_str(), "payloadType" | "payload" | "signatures") {
            return Err(bad(k, "unknown field"));
        }
    }
    for f in ["payloadType", "payload"] {
        match obj.get(f) {
            None => return Err(bad(f, "missing")),
            Some(x) if !x.is_string() => return Err(bad(f, "must be a string")),
            _ => {}
        }
    }
    let sigs = match obj.get("signatures") {
        None => return Err(bad("signatures", "missing")),
        Some(serde_json::Value::Array(a)) => a,
        Some(_) => return Err(bad("signatures", "must be an array")),
    };
    for (i, s) in sigs.iter().enumerate() {
        let o = s
            .as_object()
            .ok_or_else(|| bad(&format!("signatures[{i}]"), "must be an object"))?;
        for k in o.keys() {
            if !matches!(k.as_str(), "keyid" | "sig") {
                return Err(bad(&format!("signatures[{i}].{k}"), "unknown field"));
            }
        }
        for f in ["keyid", "sig"] {
            match o.get(f) {
                None => return Err(bad(&format!("signatures[{i}].{f}"), "missing")),
                Some(x) if !x.is_string() => {
                    return Err(bad(&format!("signatures[{i}].{f}"), "must be a string"))
                }
                _ => {}
            }
        }
    }
    Ok(())
}

fn envelope_error(e: EnvelopeError) -> Rejection {
    let msg = e.to_string();
    let r = Rejection::new(400, "invalid_envelope", msg);
    match e {
        EnvelopeError::TooLarge => Rejection::new(413, "too_large", r.message),
        EnvelopeError::Base64 { field } => r.field(if field == "sig" {
            "signatures[0].sig"
        } else {
            field
        }),
        EnvelopeError::PayloadType(_) => r.field("payloadType"),
        EnvelopeError::SignatureCount(_) => r.field("signatures"),
        EnvelopeError::SignatureLength(_) => r.field("signatures[0].sig"),
        _ => r,
    }
}

/// Parses and verifies a submission body against the registered station keys, at `now`.
pub fn check_submission(
    body: &[u8],
    max_bytes: usize,
    trust: &TrustFile,
    now: OffsetDateTime,
) -> Result<Accepted, Rejection> {
    let (text, env) = parse_canonical_envelope(body, max_bytes)?;
    let key_id = env.signer_hint().map_err(envelope_error)?.to_string();
    let verified = verify_envelope(body, trust)
        .map_err(|fails| verification_rejection(fails, &env, &key_id, trust))?;
    let cert = verified.certificate;
    key_not_revoked_now(&key_id, trust, now)?;
    issued_before_registry_clock(&cert, now)?;
    if i64::try_from(cert.media.capacity_bytes).is_err() || i64::try_from(cert.journal.seq).is_err()
    {
        return Err(Rejection::new(
            422,
            "invalid_certificate",
            "a number is out of the range the registry stores (2^63 - 1)",
        ));
    }
    Ok(Accepted {
        cert_id: verified.cert_id,
        envelope: text.to_string(),
        envelope_hash: *blake3::hash(body).as_bytes(),
        leaf_hash: leaf_hash(body),
        key_id,
        certificate: cert,
    })
}

/// The body as text and as an envelope: within the size limit, UTF-8, a DSSE envelope, and in
/// its canonical spelling.
fn parse_canonical_envelope(body: &[u8], max_bytes: usize) -> Result<(&str, Envelope), Rejection> {
    let limit = max_bytes.min(MAX_ENVELOPE_BYTES);
    if body.len() > limit {
        return Err(Rejection::new(
            413,
            "too_large",
            format!("the envelope is {} bytes; the limit is {limit}", body.len()),
        ));
    }
    let text = std::str::from_utf8(body).map_err(|e| {
        Rejection::new(
            400,
            "malformed_json",
            format!("the body is not UTF-8 text: {e}"),
        )
    })?;
    let env = match Envelope::parse(body) {
        Ok(env) => env,
        Err(e @ EnvelopeError::Json(_)) => {
            // Say precisely what is wrong: not JSON at all, or which field.
            let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                Rejection::new(400, "malformed_json", format!("the body is not JSON: {e}"))
            })?;
            envelope_shape(&value)?;
            return Err(envelope_error(e));
        }
        Err(e) => return Err(envelope_error(e)),
    };
    if env.to_bytes() != body {
        // Another spelling of the same envelope (spaces, field order, escapes) would be
        // another log leaf and another journal hash than the station's own file.
        return Err(Rejection::new(
            400,
            "invalid_envelope",
            "non-canonical JSON: an envelope is compact JSON with the fields payloadType, payload, \
             signatures in that order and nothing else; submit the exact bytes the station wrote",
        ));
    }
    Ok((text, env))
}

/// The answer to the first check `verify_envelope` failed.
fn verification_rejection(
    fails: Vec<Check>,
    env: &Envelope,
    key_id: &str,
    trust: &TrustFile,
) -> Rejection {
    let Some(first) = fails.into_iter().next() else {
        return Rejection::new(400, "invalid_envelope", "not a valid envelope");
    };
    match first.name {
        "signature" if trust.entry(key_id).is_none() => Rejection::new(
            401,
            "unknown_key",
            format!("key {key_id} is not registered with this registry"),
        )
        .field("signatures[0].keyid"),
        "signature" => {
            Rejection::new(401, "bad_signature", first.detail).field("signatures[0].sig")
        }
        "schema" => {
            let field = match parse_payload(&env.payload) {
                Err(e) => e.0.first().map(|i| i.path.clone()),
                Ok(_) => None,
            };
            let r = Rejection::new(422, "invalid_certificate", first.detail);
            match field {
                Some(f) => r.field(f),
                None => r,
            }
        }
        "key" => Rejection::new(401, "key_not_valid", first.detail).field("issuer"),
        // The certificate crate's own clock check (issued more than a day ahead).
        "time" => Rejection::new(422, "issued_in_future", first.detail).field("issued_at"),
        _ => Rejection::new(400, "invalid_envelope", first.detail),
    }
}

/// Valid at its claimed issue time, but a thief holding a revoked key can write any issue
/// time: from the revocation on, nothing new signed with the key is accepted.
fn key_not_revoked_now(
    key_id: &str,
    trust: &TrustFile,
    now: OffsetDateTime,
) -> Result<(), Rejection> {
    if let KeyStatus::Revoked { revocation, .. } = trust.status(key_id, now) {
        return Err(Rejection::new(
            401,
            "key_not_valid",
            format!(
                "key {key_id} was revoked at {} ({}); the registry accepts no certificate signed with it after that",
                ardoise_cert::fmt_time(revocation.revoked_at),
                revocation.reason
            ),
        )
        .field("signatures[0].keyid"));
    }
    Ok(())
}

/// `issued_at` at most [`MAX_CLOCK_AHEAD`] after the registry's clock.
fn issued_before_registry_clock(cert: &Certificate, now: OffsetDateTime) -> Result<(), Rejection> {
    if cert.issued_at > now + MAX_CLOCK_AHEAD {
        return Err(Rejection::new(
            422,
            "issued_in_future",
            format!(
                "issued_at {} is more than a day after the registry's clock ({}): the station's clock is wrong",
                ardoise_cert::fmt_time(cert.issued_at),
                ardoise_cert::fmt_time(now.replace_nanosecond(0).unwrap_or(now))
            ),
        )
        .field("issued_at"));
    }
    Ok(())
}

/// For tests and the fuzz target: the envelope hash helper under its usual name.
pub fn envelope_hash_hex(body: &[u8]) -> String {
    envelope_hash(body)
}

/// Error codes [`check_submission`] may return, with their statuses.
pub const REJECTION_CODES: &[(u16, &str)] = &[
    (400, "malformed_json"),
    (400, "invalid_envelope"),
    (401, "unknown_key"),
    (401, "bad_signature"),
    (401, "key_not_valid"),
    (413, "too_large"),
    (422, "invalid_certificate"),
    (422, "issued_in_future"),
];

/// The fuzzing harness (shared by the `cargo fuzz` target and the property tests): feeds
/// `data` to the parser as a body, and as byte patches over a valid envelope, and checks the
/// invariants: no panic; every refusal is one of [`REJECTION_CODES`]; anything accepted is
/// the genuine certificate (a signature cannot be forged by mutation).
#[doc(hidden)]
pub fn fuzz_check(data: &[u8]) {
    use std::sync::OnceLock;
    static FIXTURE: OnceLock<(TrustFile, Vec<u8>, String)> = OnceLock::new();
    let (trust, valid, valid_id) = FIXTURE.get_or_init(|| {
        let key = ardoise_cert::keys::StationKey::from_seed(&[7; 32]);
        let mut c = Certificate::example();
        c.issuer.key_id = key.key_id().to_string();
        let signed = ardoise_cert::envelope::sign_certificate(&c, &key).expect("example signs");
        let trust = TrustFile::parse(&format!(
            "[[keys]]\nkey_id = \"{}\"\npublic_key = \"{}\"\nworkshop = \"{}\"\nstation = \"{}\"\nnot_before = \"2025-01-01T00:00:00Z\"\n",
            key.key_id(),
            key.public_base64(),
            c.issuer.workshop_id,
            c.issuer.station_id
        ))
        .expect("trust file");
        (trust, signed.envelope_bytes, signed.cert_id)
    });
    let now = time::macros::datetime!(2025-12-01 0:00 UTC);
    let judge = |body: &[u8]| match check_submission(body, 1 << 20, trust, now) {
        Ok(a) => assert_eq!(&a.cert_id, valid_id, "a mutated envelope was accepted"),
        Err(r) => assert!(
            REJECTION_CODES.contains(&(r.status, r.error)),
            "unexpected refusal {} {}",
            r.status,
            r.error
        ),
    };
    judge(data);
    let mut patched = valid.clone();
    for chunk in data.chunks_exact(3) {
        let pos = usize::from(u16::from_be_bytes([chunk[0], chunk[1]])) % patched.len();
        patched[pos] = chunk[2];
    }
    judge(&patched);
}
