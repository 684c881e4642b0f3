//! Checks 1 to 5 on the bytes of one envelope (envelope, signature, schema, key, qc, and the
//! clock check between them); the journal and receipt checks need the other files and are in
//! the parent module.

use time::OffsetDateTime;

use super::{check, qc_check, Check, CheckStatus, Partial};
use crate::envelope::Envelope;
use crate::payload::Certificate;
use crate::trust::{KeyEntry, KeyStatus, Revocation, TrustFile};
use crate::validate::parse_payload;

/// The checks `check_envelope` skips after a failure: from the `from`-th on, and why.
struct Skip {
    from: usize,
    why: &'static str,
}

/// Envelope, signature, schema and key checks on envelope bytes.
pub(super) fn check_envelope(bytes: &[u8], trust: &TrustFile) -> Partial {
    let mut p = Partial {
        checks: Vec::new(),
        cert_id: None,
        certificate: None,
        claimed: None,
    };
    if let Err(Skip { from, why }) = run_envelope_checks(bytes, trust, &mut p) {
        for name in ["envelope", "signature", "schema", "key", "qc"]
            .iter()
            .skip(from)
        {
            p.checks.push(check(name, CheckStatus::Skipped, why));
        }
    }
    p
}

/// The checks in order, each recorded in `p`; a failure that stops the rest says which.
fn run_envelope_checks(bytes: &[u8], trust: &TrustFile, p: &mut Partial) -> Result<(), Skip> {
    let (env, key_id) = envelope_check(bytes, p)?;
    signature_check(&env, &key_id, trust, p)?;
    let cert = schema_check(&env, p)?;
    let key_check = key_check(&cert, &key_id, trust);
    let key_ok = key_check.status != CheckStatus::Fail;
    p.checks.push(key_check);
    if let Some(c) = clock_check(cert.issued_at) {
        p.checks.push(c);
    }
    p.checks.push(qc_check(&cert));
    if key_ok {
        p.certificate = Some(cert);
    }
    Ok(())
}

/// Check 1: the envelope parses, names its signer, and holds the bytes the station wrote.
fn envelope_check(bytes: &[u8], p: &mut Partial) -> Result<(Envelope, String), Skip> {
    let env = match Envelope::parse(bytes) {
        Ok(e) => e,
        Err(e) => {
            p.checks
                .push(check("envelope", CheckStatus::Fail, e.to_string()));
            return Err(Skip {
                from: 1,
                why: "envelope unreadable",
            });
        }
    };
    p.cert_id = Some(env.certificate_id());
    p.claimed = serde_json::from_slice(&env.payload).ok();
    let key_id = match env.signer_hint() {
        Ok(k) => k.to_string(),
        Err(e) => {
            p.checks
                .push(check("envelope", CheckStatus::Fail, e.to_string()));
            return Err(Skip {
                from: 1,
                why: "envelope malformed",
            });
        }
    };
    if env.to_bytes() == bytes {
        p.checks.push(check(
            "envelope",
            CheckStatus::Pass,
            "DSSE envelope, one Ed25519 signature",
        ));
    } else {
        // Signature and content may be fine, but these are not the bytes the station wrote
        // (the log leaf and the next certificate's journal link hash the station's bytes).
        p.checks.push(check(
            "envelope",
            CheckStatus::Warn,
            "non-canonical JSON: reformatted after signing (spaces, field order or escapes); \
             the registry refuses this copy, use the station's original file",
        ));
    }
    Ok((env, key_id))
}

/// Check 2: the signature is by a key of the trust file.
fn signature_check(
    env: &Envelope,
    key_id: &str,
    trust: &TrustFile,
    p: &mut Partial,
) -> Result<(), Skip> {
    let Some(public) = trust.public_key(key_id) else {
        p.checks.push(check(
            "signature",
            CheckStatus::Fail,
            format!("signed by key {key_id}, which is not in the trust file"),
        ));
        return Err(Skip {
            from: 2,
            why: "signer unknown",
        });
    };
    if let Err(e) = env.verify_signature(&public) {
        p.checks
            .push(check("signature", CheckStatus::Fail, e.to_string()));
        return Err(Skip {
            from: 2,
            why: "signature invalid",
        });
    }
    p.checks.push(check(
        "signature",
        CheckStatus::Pass,
        format!("valid Ed25519 signature by key {key_id}"),
    ));
    Ok(())
}

/// Check 3: the payload follows the schema.
fn schema_check(env: &Envelope, p: &mut Partial) -> Result<Certificate, Skip> {
    match parse_payload(&env.payload) {
        Ok(cert) => {
            p.checks.push(check(
                "schema",
                CheckStatus::Pass,
                crate::payload::SCHEMA_ID.to_string(),
            ));
            Ok(cert)
        }
        Err(e) => {
            p.checks
                .push(check("schema", CheckStatus::Fail, e.to_string()));
            Err(Skip {
                from: 3,
                why: "payload does not follow the schema",
            })
        }
    }
}

/// Check 4: the key was valid at issue time and belongs to the issuer the payload names.
fn key_check(cert: &Certificate, key_id: &str, trust: &TrustFile) -> Check {
    let when = crate::fmt_time(cert.issued_at);
    match trust.status(key_id, cert.issued_at) {
        KeyStatus::Unknown => check("key", CheckStatus::Fail, "key not in the trust file"),
        KeyStatus::NotYetValid { entry } => check(
            "key",
            CheckStatus::Fail,
            format!(
                "key not yet valid at issue time {when} (valid from {})",
                crate::fmt_time(entry.not_before)
            ),
        ),
        KeyStatus::Expired { entry } => check(
            "key",
            CheckStatus::Fail,
            format!(
                "key expired at issue time {when} (valid until {})",
                entry.not_after.map(crate::fmt_time).unwrap_or_default()
            ),
        ),
        KeyStatus::Revoked { revocation, .. } => check(
            "key",
            CheckStatus::Fail,
            format!(
                "key revoked at {} ({}), before issue time {when}",
                crate::fmt_time(revocation.revoked_at),
                revocation.reason
            ),
        ),
        KeyStatus::Valid {
            entry,
            revoked_later,
        } => valid_key_check(cert, key_id, entry, revoked_later, &when),
    }
}

/// Check 4 for a key valid at issue time: it must be the issuer's, and a later revocation is
/// worth a warning.
fn valid_key_check(
    cert: &Certificate,
    key_id: &str,
    entry: &KeyEntry,
    revoked_later: Option<&Revocation>,
    when: &str,
) -> Check {
    if cert.issuer.key_id != key_id {
        check(
            "key",
            CheckStatus::Fail,
            format!(
                "issuer.key_id {} is not the signing key {key_id}",
                cert.issuer.key_id
            ),
        )
    } else if !entry.covers(&cert.issuer.workshop_id, &cert.issuer.station_id) {
        check(
            "key",
            CheckStatus::Fail,
            format!(
                "key belongs to {}/{} but the certificate claims {}/{}",
                entry.workshop, entry.station, cert.issuer.workshop_id, cert.issuer.station_id
            ),
        )
    } else if let Some(r) = revoked_later {
        check(
            "key",
            CheckStatus::Warn,
            format!(
                "key of {}/{} was valid at issue time {when} but revoked later, at {} ({}): \
                 a stolen key can backdate, check the registry receipt time",
                entry.workshop,
                entry.station,
                crate::fmt_time(r.revoked_at),
                r.reason
            ),
        )
    } else {
        check(
            "key",
            CheckStatus::Pass,
            format!(
                "key of {}/{} valid at issue time {when}",
                entry.workshop, entry.station
            ),
        )
    }
}

/// A station whose clock runs ahead dates certificates in the future, where no trust-file
/// validity window can catch them: refuse anything dated more than a day ahead of now.
fn clock_check(at: OffsetDateTime) -> Option<Check> {
    let now = OffsetDateTime::now_utc();
    (at > now + time::Duration::days(1)).then(|| {
        check(
            "time",
            CheckStatus::Fail,
            format!(
                "issued at {}, more than a day after this check ({}): the station's clock was wrong",
                crate::fmt_time(at),
                crate::fmt_time(now)
            ),
        )
    })
}
