//! The trust file: which station keys an auditor accepts, for which workshop and station,
//! during which period, and which keys were revoked when.
//!
//! ```toml
//! [[keys]]
//! key_id = "<64 hex: blake3 of the public key>"
//! public_key = "<base64 of the 32-byte Ed25519 public key>"
//! workshop = "ressourcerie-pays-d-auge"
//! station = "st-01"
//! not_before = "2025-01-01T00:00:00Z"
//! not_after = "2027-12-31T23:59:59Z"   # optional
//! comment = "bench 1"                  # optional
//!
//! [[revocations]]
//! key_id = "<64 hex>"
//! revoked_at = "2026-03-01T00:00:00Z"
//! reason = "laptop stolen"
//! ```
//!
//! Times are RFC 3339 strings or TOML offset date-times. Validity is judged at the
//! certificate's signed `issued_at`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

use crate::keys::{key_id, public_key_from_base64};

/// Why a trust file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The file could not be read.
    #[error("{path}: {error}")]
    Io {
        /// The trust file.
        path: PathBuf,
        // Not a `#[source]`: the message already says it, and chained printing would repeat it.
        /// The operating system's error.
        error: std::io::Error,
    },
    /// The file is not valid TOML of the trust-file shape.
    #[error("trust file: {0}")]
    Parse(String),
    /// An entry breaks a rule (key id not the blake3 of the key, key listed twice, `not_after`
    /// before `not_before`, revocation without a reason).
    #[error("trust file: {field}: {message}")]
    Invalid {
        /// Path of the offending field, e.g. `keys[0].not_after`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

/// The whole trust file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustFile {
    /// The station keys an auditor accepts (`[[keys]]`).
    #[serde(default)]
    pub keys: Vec<KeyEntry>,
    /// Revoked keys (`[[revocations]]`).
    #[serde(default)]
    pub revocations: Vec<Revocation>,
}

/// One trusted station key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// Key id: lowercase hex blake3 of the 32-byte public key; must equal the envelope's
    /// `keyid` and the certificate's `issuer.key_id`.
    pub key_id: String,
    /// The Ed25519 public key, base64 of 32 bytes.
    pub public_key: String,
    /// Workshop the key signs for; must equal the certificate's `issuer.workshop_id`.
    pub workshop: String,
    /// Station the key signs for; must equal `issuer.station_id`, or, for a per-boot entry
    /// ending in [`PER_BOOT_SUFFIX`], match it with any boot id.
    pub station: String,
    /// Start of the validity period (inclusive), compared with the certificate's `issued_at`.
    #[serde(deserialize_with = "de_time")]
    pub not_before: OffsetDateTime,
    /// End of the validity period (inclusive); null when open-ended.
    #[serde(default, deserialize_with = "de_opt_time")]
    pub not_after: Option<OffsetDateTime>,
    /// Free note for the people keeping the file, e.g. `bench 1`.
    #[serde(default)]
    pub comment: Option<String>,
}

pub use crate::ids::{is_boot_id, per_boot_base, PER_BOOT_SUFFIX};

impl KeyEntry {
    /// Whether this key signs for `workshop`/`station`: its own station, or, for a per-boot
    /// entry (`pxe-1-*`), any `pxe-1-<boot id>`.
    pub fn covers(&self, workshop: &str, station: &str) -> bool {
        if workshop != self.workshop {
            return false;
        }
        match per_boot_base(&self.station) {
            Some(base) => station
                .strip_prefix(base)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(is_boot_id),
            None => station == self.station,
        }
    }
}

/// A revocation: the key must not be trusted for certificates issued at or after `revoked_at`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    /// Id of the revoked key.
    pub key_id: String,
    /// From this instant on (inclusive), certificates signed by the key are not trusted.
    #[serde(deserialize_with = "de_time")]
    pub revoked_at: OffsetDateTime,
    /// Why it was revoked, e.g. `laptop stolen` (required).
    pub reason: String,
}

fn parse_time(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("{s:?} is not an RFC 3339 time with offset ({e})"))
}

fn de_time<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    // A TOML date-time arrives as a toml::value::Datetime, a quoted one as a string.
    let v = toml::Value::deserialize(d)?;
    let s = match v {
        toml::Value::String(s) => s,
        toml::Value::Datetime(dt) => dt.to_string(),
        other => {
            return Err(serde::de::Error::custom(format!(
                "expected a time, found {}",
                other.type_str()
            )))
        }
    };
    parse_time(&s).map_err(serde::de::Error::custom)
}

fn de_opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
    de_time(d).map(Some)
}

/// Serialisable mirror, with times as RFC 3339 strings.
#[derive(Serialize)]
struct TrustFileOut<'a> {
    keys: Vec<KeyEntryOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    revocations: Vec<RevocationOut<'a>>,
}

#[derive(Serialize)]
struct KeyEntryOut<'a> {
    key_id: &'a str,
    public_key: &'a str,
    workshop: &'a str,
    station: &'a str,
    not_before: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
}

#[derive(Serialize)]
struct RevocationOut<'a> {
    key_id: &'a str,
    revoked_at: String,
    reason: &'a str,
}

/// What the trust file says about a key at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus<'a> {
    /// Not listed.
    Unknown,
    /// Listed, but the instant is before its `not_before`.
    NotYetValid {
        /// The key's entry.
        entry: &'a KeyEntry,
    },
    /// Listed, but the instant is after its `not_after`.
    Expired {
        /// The key's entry.
        entry: &'a KeyEntry,
    },
    /// Revoked at or before the instant.
    Revoked {
        /// The key's entry.
        entry: &'a KeyEntry,
        /// The revocation that applies.
        revocation: &'a Revocation,
    },
    /// Valid at the instant; `revoked_later` is set when the key was revoked afterwards (the
    /// certificate predates the revocation, but a stolen key can backdate: say so).
    Valid {
        /// The key's entry.
        entry: &'a KeyEntry,
        /// A revocation dated after the instant, if any.
        revoked_later: Option<&'a Revocation>,
    },
}

impl TrustFile {
    /// Reads and checks a trust file (TOML).
    pub fn load(path: &Path) -> Result<TrustFile, TrustError> {
        let text = std::fs::read_to_string(path).map_err(|source| TrustError::Io {
            path: path.to_path_buf(),
            error: source,
        })?;
        Self::parse(&text)
    }

    /// Parses and checks a trust file: key ids must match their public keys, no key may be
    /// listed twice, periods must not be reversed.
    pub fn parse(text: &str) -> Result<TrustFile, TrustError> {
        let tf: TrustFile = toml::from_str(text).map_err(|e| TrustError::Parse(e.to_string()))?;
        let mut seen = HashSet::new();
        for (i, k) in tf.keys.iter().enumerate() {
            let field = |f: &str| format!("keys[{i}].{f}");
            let public =
                public_key_from_base64(&k.public_key).map_err(|e| TrustError::Invalid {
                    field: field("public_key"),
                    message: e.to_string(),
                })?;
            if key_id(&public) != k.key_id {
                return Err(TrustError::Invalid {
                    field: field("key_id"),
                    message: format!(
                        "{} is not the blake3 of public_key (expected {})",
                        k.key_id,
                        key_id(&public)
                    ),
                });
            }
            if !seen.insert(k.key_id.clone()) {
                return Err(TrustError::Invalid {
                    field: field("key_id"),
                    message: "key listed twice".into(),
                });
            }
            if k.workshop.is_empty() || k.station.is_empty() {
                return Err(TrustError::Invalid {
                    field: field("workshop"),
                    message: "workshop and station must not be empty".into(),
                });
            }
            if let Some(na) = k.not_after {
                if na < k.not_before {
                    return Err(TrustError::Invalid {
                        field: field("not_after"),
                        message: "is before not_before".into(),
                    });
                }
            }
        }
        for (i, r) in tf.revocations.iter().enumerate() {
            if r.reason.trim().is_empty() {
                return Err(TrustError::Invalid {
                    field: format!("revocations[{i}].reason"),
                    message: "must say why".into(),
                });
            }
        }
        Ok(tf)
    }

    /// The entry of `key_id`, if listed.
    pub fn entry(&self, key_id: &str) -> Option<&KeyEntry> {
        self.keys.iter().find(|k| k.key_id == key_id)
    }

    /// The public key of a listed key (checked at parse time).
    pub fn public_key(&self, key_id: &str) -> Option<VerifyingKey> {
        self.entry(key_id)
            .and_then(|k| public_key_from_base64(&k.public_key).ok())
    }

    /// Judges a key at instant `at` (the certificate's issue time). The earliest revocation
    /// of the key counts.
    pub fn status(&self, key_id: &str, at: OffsetDateTime) -> KeyStatus<'_> {
        let Some(entry) = self.entry(key_id) else {
            return KeyStatus::Unknown;
        };
        let revocation = self
            .revocations
            .iter()
            .filter(|r| r.key_id == key_id)
            .min_by_key(|r| r.revoked_at);
        if let Some(r) = revocation {
            if r.revoked_at <= at {
                return KeyStatus::Revoked {
                    entry,
                    revocation: r,
                };
            }
        }
        if at < entry.not_before {
            return KeyStatus::NotYetValid { entry };
        }
        if entry.not_after.is_some_and(|na| at > na) {
            return KeyStatus::Expired { entry };
        }
        KeyStatus::Valid {
            entry,
            revoked_later: revocation,
        }
    }

    /// TOML text of this trust file.
    pub fn to_toml(&self) -> String {
        let out = TrustFileOut {
            keys: self
                .keys
                .iter()
                .map(|k| KeyEntryOut {
                    key_id: &k.key_id,
                    public_key: &k.public_key,
                    workshop: &k.workshop,
                    station: &k.station,
                    not_before: crate::fmt_time(k.not_before),
                    not_after: k.not_after.map(crate::fmt_time),
                    comment: k.comment.as_deref(),
                })
                .collect(),
            revocations: self
                .revocations
                .iter()
                .map(|r| RevocationOut {
                    key_id: &r.key_id,
                    revoked_at: crate::fmt_time(r.revoked_at),
                    reason: &r.reason,
                })
                .collect(),
        };
        let body = toml::to_string(&out).expect("trust file serialises");
        format!("# ardoise trust file: station keys accepted for certificates\n\n{body}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::StationKey;

    fn t(s: &str) -> OffsetDateTime {
        parse_time(s).unwrap()
    }

    fn trust_for(k: &StationKey) -> String {
        format!(
            r#"
[[keys]]
key_id = "{}"
public_key = "{}"
workshop = "ws"
station = "st-01"
not_before = 2025-01-01T00:00:00Z
not_after = "2026-01-01T00:00:00Z"

[[revocations]]
key_id = "{}"
revoked_at = "2025-09-01T00:00:00Z"
reason = "laptop stolen"
"#,
            k.key_id(),
            k.public_base64(),
            k.key_id()
        )
    }

    #[test]
    fn validity_periods_and_revocations() {
        let k = StationKey::from_seed(&[1; 32]);
        let tf = TrustFile::parse(&trust_for(&k)).unwrap();
        assert!(matches!(
            tf.status(k.key_id(), t("2024-12-31T23:59:59Z")),
            KeyStatus::NotYetValid { .. }
        ));
        assert!(matches!(
            tf.status(k.key_id(), t("2025-03-01T00:00:00Z")),
            KeyStatus::Valid {
                revoked_later: Some(_),
                ..
            }
        ));
        assert!(matches!(
            tf.status(k.key_id(), t("2025-09-01T00:00:00Z")),
            KeyStatus::Revoked { .. }
        ));
        let other = StationKey::from_seed(&[2; 32]);
        assert_eq!(
            tf.status(other.key_id(), t("2025-03-01T00:00:00Z")),
            KeyStatus::Unknown
        );
    }

    #[test]
    fn expiry_without_revocation() {
        let k = StationKey::from_seed(&[1; 32]);
        let text = trust_for(&k);
        let text = &text[..text.find("[[revocations]]").unwrap()];
        let tf = TrustFile::parse(text).unwrap();
        assert!(matches!(
            tf.status(k.key_id(), t("2026-01-01T00:00:01Z")),
            KeyStatus::Expired { .. }
        ));
        assert!(matches!(
            tf.status(k.key_id(), t("2026-01-01T00:00:00Z")),
            KeyStatus::Valid {
                revoked_later: None,
                ..
            }
        ));
    }

    #[test]
    fn mismatched_key_id_is_refused() {
        let k = StationKey::from_seed(&[1; 32]);
        let text = trust_for(&k).replacen(k.key_id(), &"0".repeat(64), 1);
        let err = TrustFile::parse(&text).unwrap_err();
        assert!(err.to_string().contains("keys[0].key_id"), "{err}");
    }

    #[test]
    fn round_trips_through_toml() {
        let k = StationKey::from_seed(&[1; 32]);
        let tf = TrustFile::parse(&trust_for(&k)).unwrap();
        assert_eq!(TrustFile::parse(&tf.to_toml()).unwrap(), tf);
    }

    #[test]
    fn a_per_boot_entry_covers_each_boot_of_its_station_only() {
        let k = StationKey::from_seed(&[2; 32]);
        let sample = trust_for(&k);
        let per_boot =
            TrustFile::parse(&sample.replace("station = \"st-01\"", "station = \"pxe-1-*\""))
                .unwrap();
        let e = &per_boot.keys[0];
        assert!(e.covers(&e.workshop, "pxe-1-3fa2c9d1"));
        for bad in [
            "pxe-1",
            "pxe-1-",
            "pxe-1-3FA2",
            "pxe-1-a-b",
            "pxe-10-3fa2",
            "pxe-1-*",
        ] {
            assert!(!e.covers(&e.workshop, bad), "{bad}");
        }
        assert!(!e.covers("another-workshop", "pxe-1-3fa2c9d1"));
        let fixed = TrustFile::parse(&sample).unwrap();
        assert!(fixed.keys[0].covers(&fixed.keys[0].workshop, "st-01"));
        assert!(!fixed.keys[0].covers(&fixed.keys[0].workshop, "st-01-3fa2"));
    }
}
