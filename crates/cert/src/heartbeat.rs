//! The progress heartbeat a station sends its registry every few seconds while it works, so
//! that a workshop sees every station at once (the registry's `/atelier/{workshop}` page).
//!
//! A heartbeat is signed by the station key in the same DSSE envelope as a certificate but
//! with its own payload type, so that neither can pass for the other. It is not a record: the
//! registry keeps the last one per station in memory and never logs it. It carries no personal
//! data by construction — no operator, no serial beyond its last four characters, no asset tag
//! — so the live page needs no token (docs/registry.md).

use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::envelope::{pae, Envelope, EnvelopeSignature};
use crate::keys::StationKey;
use crate::payload::{Destination, MediaType, OutcomeStatus};
use crate::text_rule::{TextRule, ID, NAME};

/// Payload type of version-1 heartbeats.
pub const HEARTBEAT_PAYLOAD_TYPE: &str = "application/vnd.ardoise.heartbeat.v1+json";
/// The value of [`Heartbeat::schema`].
pub const HEARTBEAT_SCHEMA: &str = "ardoise/heartbeat/v1";
/// Largest heartbeat envelope a registry reads.
pub const MAX_HEARTBEAT_BYTES: usize = 64 * 1024;
/// Most disks one heartbeat lists.
pub const MAX_DISKS: usize = 64;

/// Where one disk's job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskPhase {
    /// Opening and probing before the engine runs.
    Starting,
    /// Reading the device's identity, capacity and health.
    Probing,
    /// Checking for hidden areas (ATA HPA/DCO).
    HiddenAreas,
    /// Reading the sample blocks before a firmware erase (fingerprints for the before/after
    /// comparison).
    Fingerprint,
    /// A firmware erase command is running.
    Firmware,
    /// The host is overwriting the disk.
    Overwrite,
    /// Reading back after an overwrite pass.
    PassVerify,
    /// Flushing the device's write cache.
    Flush,
    /// Final verification read-back.
    Verify,
    /// The certificate is being signed and stored.
    Certifying,
    /// Certified: `verdict` says how it ended.
    Done,
    /// The job never started: nothing was done to the disk.
    Refused,
}

impl DiskPhase {
    /// The phase as written in JSON (`snake_case`), e.g. `hidden_areas`.
    pub fn as_str(self) -> &'static str {
        match self {
            DiskPhase::Starting => "starting",
            DiskPhase::Probing => "probing",
            DiskPhase::HiddenAreas => "hidden_areas",
            DiskPhase::Fingerprint => "fingerprint",
            DiskPhase::Firmware => "firmware",
            DiskPhase::Overwrite => "overwrite",
            DiskPhase::PassVerify => "pass_verify",
            DiskPhase::Flush => "flush",
            DiskPhase::Verify => "verify",
            DiskPhase::Certifying => "certifying",
            DiskPhase::Done => "done",
            DiskPhase::Refused => "refused",
        }
    }

    /// Whether the disk's job is over.
    pub fn finished(self) -> bool {
        matches!(self, DiskPhase::Done | DiskPhase::Refused)
    }
}

/// The machine the station runs on, as a model (never its serial).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatMachine {
    /// System manufacturer (SMBIOS).
    #[serde(deserialize_with = "Option::deserialize")]
    pub manufacturer: Option<String>,
    /// System product name (SMBIOS).
    #[serde(deserialize_with = "Option::deserialize")]
    pub product: Option<String>,
    /// The destination the technician chose, once chosen.
    #[serde(deserialize_with = "Option::deserialize")]
    pub destination: Option<Destination>,
}

/// One disk of the station's current machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatDisk {
    /// Kernel name (`nvme0n1`) or simulated disk name.
    pub name: String,
    /// Model as reported.
    pub model: String,
    /// The serial's last four characters (what the public certificate page shows).
    #[serde(deserialize_with = "Option::deserialize")]
    pub serial_tail: Option<String>,
    /// User-addressable capacity in bytes.
    pub capacity_bytes: u64,
    /// Kind of medium.
    pub media_type: MediaType,
    /// Where the job is.
    pub phase: DiskPhase,
    /// Share of the current phase done, parts per million; null when the phase has no measure.
    #[serde(deserialize_with = "Option::deserialize")]
    pub progress_ppm: Option<u32>,
    /// Seconds left in the current phase, when estimated.
    #[serde(deserialize_with = "Option::deserialize")]
    pub eta_seconds: Option<u64>,
    /// Set once the job ended.
    #[serde(deserialize_with = "Option::deserialize")]
    pub verdict: Option<OutcomeStatus>,
    /// The certificate's id once stored.
    #[serde(deserialize_with = "Option::deserialize")]
    pub certificate_id: Option<String>,
}

/// One heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    /// Always [`HEARTBEAT_SCHEMA`].
    pub schema: String,
    /// Workshop id of the station (as in the certificate's `issuer.workshop_id`).
    pub workshop_id: String,
    /// Station id (as in the certificate's `issuer.station_id`).
    pub station_id: String,
    /// When the station sent it (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    /// Seconds until the next heartbeat (the registry calls a station silent after a minute).
    pub interval_seconds: u32,
    /// The machine being worked on; null when none.
    #[serde(deserialize_with = "Option::deserialize")]
    pub machine: Option<HeartbeatMachine>,
    /// Every disk of the current machine (at most [`MAX_DISKS`]).
    pub disks: Vec<HeartbeatDisk>,
}

/// Why a heartbeat envelope was refused.
#[derive(Debug, thiserror::Error)]
pub enum HeartbeatError {
    /// The envelope is not valid DSSE JSON.
    #[error("heartbeat envelope: {0}")]
    Envelope(String),
    /// The envelope's payload type is not [`HEARTBEAT_PAYLOAD_TYPE`].
    #[error("payloadType is {0:?}, expected {HEARTBEAT_PAYLOAD_TYPE:?}")]
    PayloadType(String),
    /// Not exactly one signature, or not 64 bytes.
    #[error("expected exactly one signature of 64 bytes")]
    Signature,
    /// The signature does not verify with the key whose id is given.
    #[error("the signature does not verify with key {0}")]
    BadSignature(String),
    /// The payload breaks a rule (shape, length, characters).
    #[error("heartbeat payload: {field}: {message}")]
    Invalid {
        /// Path of the offending field, e.g. `disks[0].phase`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

fn invalid(field: &str, message: impl Into<String>) -> HeartbeatError {
    HeartbeatError::Invalid {
        field: field.to_string(),
        message: message.into(),
    }
}

impl Heartbeat {
    /// The checks a registry makes after the signature: schema, ids, limits, text rules.
    pub fn check(&self) -> Result<(), HeartbeatError> {
        if self.schema != HEARTBEAT_SCHEMA {
            return Err(invalid("schema", format!("must be {HEARTBEAT_SCHEMA}")));
        }
        for (field, v) in [
            ("workshop_id", &self.workshop_id),
            ("station_id", &self.station_id),
        ] {
            if !crate::validate::is_kebab(v) {
                return Err(invalid(field, "must be a kebab-case id"));
            }
        }
        if !(1..=3600).contains(&self.interval_seconds) {
            return Err(invalid("interval_seconds", "must be 1 to 3600"));
        }
        if self.disks.len() > MAX_DISKS {
            return Err(invalid("disks", format!("at most {MAX_DISKS} disks")));
        }
        for (n, d) in self.disks.iter().enumerate() {
            if d.progress_ppm.is_some_and(|p| p > 1_000_000) {
                return Err(invalid(
                    &format!("disks[{n}].progress_ppm"),
                    "at most 1000000",
                ));
            }
            if d.serial_tail
                .as_ref()
                .is_some_and(|s| s.chars().count() > 4)
            {
                return Err(invalid(
                    &format!("disks[{n}].serial_tail"),
                    "at most the serial's last 4 characters",
                ));
            }
            if d.certificate_id
                .as_ref()
                .is_some_and(|id| id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(invalid(
                    &format!("disks[{n}].certificate_id"),
                    "must be 64 hexadecimal digits",
                ));
            }
        }
        let mut problem = None;
        self.clone().visit_texts(&mut |path, value, rule| {
            if problem.is_none() {
                if let Some(m) = crate::text_rule::check(value, rule) {
                    problem = Some(invalid(path, m));
                }
            }
        });
        problem.map_or(Ok(()), Err)
    }

    fn visit_texts(&mut self, f: &mut dyn FnMut(&str, &mut String, TextRule)) {
        if let Some(m) = &mut self.machine {
            for (name, v) in [
                ("machine.manufacturer", &mut m.manufacturer),
                ("machine.product", &mut m.product),
            ] {
                if let Some(s) = v {
                    f(name, s, NAME);
                }
            }
        }
        for (n, d) in self.disks.iter_mut().enumerate() {
            f(&format!("disks[{n}].name"), &mut d.name, ID);
            f(&format!("disks[{n}].model"), &mut d.model, NAME);
            if let Some(s) = &mut d.serial_tail {
                f(&format!("disks[{n}].serial_tail"), s, ID);
            }
        }
    }

    /// Makes what drives and firmware reported printable and bounded (as the station does for
    /// certificates), so that an odd model string never stops the heartbeats.
    pub fn clean_texts(&mut self) {
        self.visit_texts(&mut |_, value, rule| {
            if crate::text_rule::check(value, rule).is_some() {
                *value = crate::text_rule::clean(value, rule);
            }
        });
    }
}

/// The envelope bytes of `hb` signed by `key` (after [`Heartbeat::check`]).
pub fn sign_heartbeat(hb: &Heartbeat, key: &StationKey) -> Result<Vec<u8>, HeartbeatError> {
    hb.check()?;
    let payload = serde_json::to_vec(hb).expect("heartbeat serialises");
    let sig = key.sign(&pae(HEARTBEAT_PAYLOAD_TYPE, &payload));
    Ok(Envelope {
        payload_type: HEARTBEAT_PAYLOAD_TYPE.into(),
        payload,
        signatures: vec![EnvelopeSignature {
            keyid: key.key_id().to_string(),
            sig: sig.to_vec(),
        }],
    }
    .to_bytes())
}

/// A heartbeat envelope read but not yet verified: the registry looks its key up by `key_id`.
#[derive(Debug, Clone)]
pub struct UnverifiedHeartbeat {
    envelope: Envelope,
    /// Unauthenticated hint: the signing key's id.
    pub key_id: String,
}

/// Parses heartbeat envelope bytes (strictly, as certificates are) and checks its type.
pub fn parse_heartbeat(bytes: &[u8]) -> Result<UnverifiedHeartbeat, HeartbeatError> {
    if bytes.len() > MAX_HEARTBEAT_BYTES {
        return Err(HeartbeatError::Envelope(format!(
            "larger than {MAX_HEARTBEAT_BYTES} bytes"
        )));
    }
    let envelope = Envelope::parse(bytes).map_err(|e| HeartbeatError::Envelope(e.to_string()))?;
    if envelope.to_bytes() != bytes {
        return Err(HeartbeatError::Envelope("not the canonical bytes".into()));
    }
    if envelope.payload_type != HEARTBEAT_PAYLOAD_TYPE {
        return Err(HeartbeatError::PayloadType(envelope.payload_type));
    }
    if envelope.signatures.len() != 1 || envelope.signatures[0].sig.len() != 64 {
        return Err(HeartbeatError::Signature);
    }
    let key_id = envelope.signatures[0].keyid.clone();
    Ok(UnverifiedHeartbeat { envelope, key_id })
}

impl UnverifiedHeartbeat {
    /// Checks the signature with `key` (strict Ed25519), then parses and checks the payload.
    pub fn verify(&self, key: &VerifyingKey) -> Result<Heartbeat, HeartbeatError> {
        let sig: [u8; 64] = self.envelope.signatures[0]
            .sig
            .as_slice()
            .try_into()
            .map_err(|_| HeartbeatError::Signature)?;
        key.verify_strict(
            &pae(&self.envelope.payload_type, &self.envelope.payload),
            &Signature::from_bytes(&sig),
        )
        .map_err(|_| HeartbeatError::BadSignature(self.key_id.clone()))?;
        let mut de = serde_json::Deserializer::from_slice(&self.envelope.payload);
        let hb: Heartbeat = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| invalid(&e.path().to_string(), e.into_inner().to_string()))?;
        de.end()
            .map_err(|e| invalid(".", format!("trailing data: {e}")))?;
        hb.check()?;
        Ok(hb)
    }
}

/// The last four characters of a serial (what a heartbeat may carry).
pub fn serial_tail(serial: &str) -> Option<String> {
    let chars: Vec<char> = serial.trim().chars().collect();
    (!chars.is_empty()).then(|| chars[chars.len().saturating_sub(4)..].iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Heartbeat {
        Heartbeat {
            schema: HEARTBEAT_SCHEMA.into(),
            workshop_id: "ressourcerie-caen".into(),
            station_id: "poste-2".into(),
            sent_at: OffsetDateTime::from_unix_timestamp(1_764_000_000).unwrap(),
            interval_seconds: 5,
            machine: Some(HeartbeatMachine {
                manufacturer: Some("LENOVO".into()),
                product: Some("20L5S02E00".into()),
                destination: None,
            }),
            disks: vec![HeartbeatDisk {
                name: "nvme0n1".into(),
                model: "SAMSUNG MZVLB256HBHQ-000L7".into(),
                serial_tail: serial_tail("S4ELNX0N123456"),
                capacity_bytes: 256_060_514_304,
                media_type: MediaType::NvmeSsd,
                phase: DiskPhase::Overwrite,
                progress_ppm: Some(420_000),
                eta_seconds: Some(95),
                verdict: None,
                certificate_id: None,
            }],
        }
    }

    #[test]
    fn signed_by_the_station_verified_with_its_key() {
        let key = StationKey::from_seed(&[3; 32]);
        let bytes = sign_heartbeat(&example(), &key).unwrap();
        let parsed = parse_heartbeat(&bytes).unwrap();
        assert_eq!(parsed.key_id, key.key_id());
        assert_eq!(parsed.verify(&key.public()).unwrap(), example());
        // Another key: refused.
        let other = StationKey::from_seed(&[4; 32]);
        assert!(matches!(
            parsed.verify(&other.public()),
            Err(HeartbeatError::BadSignature(_))
        ));
    }

    #[test]
    fn a_certificate_envelope_is_not_a_heartbeat_and_back() {
        let key = StationKey::from_seed(&[3; 32]);
        let mut c = crate::payload::Certificate::example();
        c.issuer.key_id = key.key_id().into();
        let cert = crate::envelope::sign_certificate(&c, &key).unwrap();
        assert!(matches!(
            parse_heartbeat(&cert.envelope_bytes),
            Err(HeartbeatError::PayloadType(_))
        ));
        let hb = sign_heartbeat(&example(), &key).unwrap();
        let env = Envelope::parse(&hb).unwrap();
        assert!(env.verify_signature(&key.public()).is_err());
    }

    #[test]
    fn payload_rules() {
        let mut hb = example();
        hb.disks[0].serial_tail = Some("N123456".into());
        assert!(
            matches!(hb.check(), Err(HeartbeatError::Invalid { field, .. }) if field == "disks[0].serial_tail")
        );
        let mut hb = example();
        hb.disks[0].progress_ppm = Some(1_000_001);
        assert!(hb.check().is_err());
        let mut hb = example();
        hb.station_id = "Poste 2".into();
        assert!(hb.check().is_err());
        let mut hb = example();
        hb.disks[0].model = "bad\u{0}model".into();
        assert!(
            matches!(hb.check(), Err(HeartbeatError::Invalid { field, .. }) if field == "disks[0].model")
        );
        hb.clean_texts();
        assert!(hb.check().is_ok());
        assert_eq!(serial_tail("  AB "), Some("AB".into()));
        assert_eq!(serial_tail(""), None);
    }
}
