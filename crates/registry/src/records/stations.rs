//! Station keys: registration, revocation, listing, and the trust file built from them.

use ardoise_cert::keys::public_key_from_base64;
use ardoise_cert::trust::{KeyEntry, Revocation, TrustFile};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{meta_get, meta_set, parse_rfc3339, rfc3339};
use crate::db::{Conn, DbError};

/// The version counter bumped by every change of station keys, so that a running server
/// notices keys added or revoked by another process (`ardoise-registry station add`).
pub fn keys_version(c: &mut Conn) -> Result<i64, DbError> {
    Ok(meta_get(c, "keys_version")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

pub(crate) fn bump_keys_version(c: &mut Conn) -> Result<(), DbError> {
    let v = keys_version(c)? + 1;
    meta_set(c, "keys_version", &v.to_string())
}

/// A station key as registered: its `station_keys` row joined with its `revocations` row, if
/// any. Times are RFC 3339 UTC text, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StationKeyRecord {
    /// Key id: lower-case hex BLAKE3 of the public key; the primary key.
    pub key_id: String,
    /// The Ed25519 public key, standard base64 of its 32 bytes.
    pub public_key: String,
    /// Workshop the key signs for.
    pub workshop: String,
    /// Station the key signs for; `<base>-*` for a per-boot PXE station.
    pub station: String,
    /// Start of the validity period (inclusive), compared with certificates' `issued_at`.
    pub not_before: String,
    /// End of the validity period (inclusive); `None` when open-ended.
    pub not_after: Option<String>,
    /// Free note for the operators, e.g. `bench 1`.
    pub comment: Option<String>,
    /// When the key was registered.
    pub registered_at: String,
    /// From this instant on (inclusive), certificates signed by the key are not trusted;
    /// `None` when not revoked.
    pub revoked_at: Option<String>,
    /// Why it was revoked; set exactly when `revoked_at` is.
    pub revocation_reason: Option<String>,
}

/// Why a station key could not be registered or revoked.
#[derive(Debug, thiserror::Error)]
pub enum StationError {
    /// A given value cannot be used.
    #[error("{field}: {message}")]
    Invalid {
        /// The field's name, as in [`NewStationKey`] (or `reason` for a revocation).
        field: &'static str,
        /// What is wrong with it, for the operator.
        message: String,
    },
    /// A key with this key id is already registered.
    #[error("key {0} is already registered")]
    Exists(String),
    /// No key with this key id is registered.
    #[error("key {0} is not registered")]
    NotFound(String),
    /// The key already has a revocation; it is kept, not replaced.
    #[error("key {0} is already revoked")]
    AlreadyRevoked(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What an operator gives to register a key.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NewStationKey {
    /// Optional: when given, must be the blake3 of the public key.
    #[serde(default)]
    pub key_id: Option<String>,
    /// The Ed25519 public key, standard base64 of its 32 bytes (surrounding whitespace
    /// ignored).
    pub public_key: String,
    /// Workshop the key signs for: a kebab-case id of at most 64 bytes.
    pub workshop: String,
    /// Station the key signs for: a kebab-case id of at most 64 bytes, or such an id followed
    /// by `-*` for a per-boot PXE station.
    pub station: String,
    #[serde(default)]
    /// Start of validity, RFC 3339; registration time when absent.
    pub not_before: Option<String>,
    #[serde(default)]
    /// End of validity, RFC 3339, not before `not_before`; open-ended when absent.
    pub not_after: Option<String>,
    #[serde(default)]
    /// Free note for the operators, at most 500 bytes.
    pub comment: Option<String>,
}

/// Registers a station key after checking it (public key decodes, key id matches it, ids are
/// kebab case, validity in order, comment at most 500 bytes); `now` is the registration time
/// and the default `not_before`. Bumps the keys version. Returns the row as stored.
pub fn add_station_key(
    c: &mut Conn,
    new: &NewStationKey,
    now: OffsetDateTime,
) -> Result<StationKeyRecord, StationError> {
    let key_id = checked_key_id(new)?;
    check_ids(new)?;
    let (not_before, not_after) = checked_validity(new, now)?;
    if let Some(cm) = &new.comment {
        if cm.len() > 500 {
            return Err(invalid("comment", "longer than 500 bytes".into()));
        }
    }
    let record = StationKeyRecord {
        key_id: key_id.clone(),
        public_key: new.public_key.trim().to_string(),
        workshop: new.workshop.clone(),
        station: new.station.clone(),
        not_before: rfc3339(not_before),
        not_after: not_after.map(rfc3339),
        comment: new.comment.clone(),
        registered_at: rfc3339(now),
        revoked_at: None,
        revocation_reason: None,
    };
    match c.transaction(|c| insert_station_key(c, &record)) {
        Ok(()) => Ok(record),
        Err(e) if e.is_unique_violation() => Err(StationError::Exists(key_id)),
        Err(e) => Err(e.into()),
    }
}

fn invalid(field: &'static str, message: String) -> StationError {
    StationError::Invalid { field, message }
}

/// The key id of the new key's public key; a given `key_id` must be it.
fn checked_key_id(new: &NewStationKey) -> Result<String, StationError> {
    let public = public_key_from_base64(&new.public_key)
        .map_err(|e| invalid("public_key", e.to_string()))?;
    let key_id = ardoise_cert::keys::key_id(&public);
    if let Some(given) = &new.key_id {
        if given != &key_id {
            return Err(invalid(
                "key_id",
                format!("{given} is not the blake3 of the public key ({key_id})"),
            ));
        }
    }
    Ok(key_id)
}

fn check_ids(new: &NewStationKey) -> Result<(), StationError> {
    // The one id rule of certificates, keygen and the station's configuration
    // (cert::validate): a typo cannot register a key no certificate can match.
    use ardoise_cert::validate::{is_id, is_station_name, ID_RULE};
    if !is_id(&new.workshop) {
        return Err(invalid(
            "workshop",
            format!("{:?} is not an id: {ID_RULE}", new.workshop),
        ));
    }
    // `base-*`: a per-boot PXE station (each boot signs as `base-<boot id>`, see cert::trust).
    if !is_station_name(&new.station) {
        return Err(invalid(
            "station",
            format!(
                "{:?} is not an id ({ID_RULE}), nor one followed by -* for a per-boot PXE station",
                new.station
            ),
        ));
    }
    Ok(())
}

/// `not_before` (default: now) and `not_after`, in order.
fn checked_validity(
    new: &NewStationKey,
    now: OffsetDateTime,
) -> Result<(OffsetDateTime, Option<OffsetDateTime>), StationError> {
    let not_before = match &new.not_before {
        Some(s) => parse_rfc3339(s).map_err(|e| invalid("not_before", e.to_string()))?,
        None => now,
    };
    let not_after = match &new.not_after {
        Some(s) => Some(parse_rfc3339(s).map_err(|e| invalid("not_after", e.to_string()))?),
        None => None,
    };
    if not_after.is_some_and(|na| na < not_before) {
        return Err(invalid("not_after", "is before not_before".into()));
    }
    Ok((not_before, not_after))
}

fn insert_station_key(c: &mut Conn, r: &StationKeyRecord) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO station_keys (key_id, public_key, workshop, station, not_before, not_after, comment, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            r.key_id.clone().into(),
            r.public_key.clone().into(),
            r.workshop.clone().into(),
            r.station.clone().into(),
            r.not_before.clone().into(),
            r.not_after.clone().into(),
            r.comment.clone().into(),
            r.registered_at.clone().into(),
        ],
    )?;
    bump_keys_version(c)
}

/// Revokes a registered key from `revoked_at` on, for `reason` (required, must not be blank);
/// `now` is when the revocation is recorded. `revoked_at` is not checked against `now`: it
/// may be backdated to when a key was lost. Bumps the keys version.
pub fn revoke_station_key(
    c: &mut Conn,
    key_id: &str,
    revoked_at: OffsetDateTime,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), StationError> {
    if reason.trim().is_empty() {
        return Err(StationError::Invalid {
            field: "reason",
            message: "must say why".into(),
        });
    }
    c.transaction(|c| {
        if c.query_one(
            "SELECT key_id FROM station_keys WHERE key_id = ?",
            &[key_id.into()],
        )?
        .is_none()
        {
            return Ok(Err(StationError::NotFound(key_id.to_string())));
        }
        if c.query_one(
            "SELECT key_id FROM revocations WHERE key_id = ?",
            &[key_id.into()],
        )?
        .is_some()
        {
            return Ok(Err(StationError::AlreadyRevoked(key_id.to_string())));
        }
        c.execute(
            "INSERT INTO revocations (key_id, revoked_at, reason, recorded_at) VALUES (?, ?, ?, ?)",
            &[
                key_id.into(),
                rfc3339(revoked_at).into(),
                reason.into(),
                rfc3339(now).into(),
            ],
        )?;
        bump_keys_version(c)?;
        Ok(Ok(()))
    })?
}

/// Every registered key, revoked ones included, by workshop, station and registration time.
pub fn list_station_keys(c: &mut Conn) -> Result<Vec<StationKeyRecord>, DbError> {
    c.query(
        "SELECT k.key_id, k.public_key, k.workshop, k.station, k.not_before, k.not_after, k.comment, k.registered_at, r.revoked_at, r.reason \
         FROM station_keys k LEFT JOIN revocations r ON r.key_id = k.key_id ORDER BY k.workshop, k.station, k.registered_at",
        &[],
    )?
    .into_iter()
    .map(|r| {
        Ok(StationKeyRecord {
            key_id: r[0].text()?,
            public_key: r[1].text()?,
            workshop: r[2].text()?,
            station: r[3].text()?,
            not_before: r[4].text()?,
            not_after: r[5].opt_text()?,
            comment: r[6].opt_text()?,
            registered_at: r[7].text()?,
            revoked_at: r[8].opt_text()?,
            revocation_reason: r[9].opt_text()?,
        })
    })
    .collect()
}

/// Why a stored station key cannot be trusted: its public key does not decode, or its
/// `key_id` is not the blake3 of it (the database was edited: a key id that names one
/// station's key while the row holds another key would let that key speak for the station).
pub fn key_row_problem(k: &StationKeyRecord) -> Option<String> {
    match public_key_from_base64(&k.public_key) {
        Err(e) => Some(format!("public_key does not decode: {e}")),
        Ok(public) => {
            let actual = ardoise_cert::keys::key_id(&public);
            (actual != k.key_id).then(|| {
                format!(
                    "key_id {} is not the blake3 of its public key ({actual})",
                    k.key_id
                )
            })
        }
    }
}

/// Every stored station key that cannot be trusted, with why (reported by the audit).
pub fn station_key_problems(c: &mut Conn) -> Result<Vec<(String, String)>, DbError> {
    Ok(list_station_keys(c)?
        .iter()
        .filter_map(|k| key_row_problem(k).map(|p| (k.key_id.clone(), p)))
        .collect())
}

/// The registered keys as a trust file (what `verify_envelope` takes). A row whose key id
/// does not match its public key is left out (and logged): its certificates are refused.
pub fn load_trust(c: &mut Conn) -> Result<TrustFile, DbError> {
    let mut tf = TrustFile::default();
    for k in list_station_keys(c)? {
        if let Some(p) = key_row_problem(&k) {
            tracing::error!(key_id = %k.key_id, problem = %p, "station key row not trusted");
            continue;
        }
        let bad =
            |e: super::TimeParseError| DbError::Other(format!("station key {}: {e}", k.key_id));
        tf.keys.push(KeyEntry {
            key_id: k.key_id.clone(),
            public_key: k.public_key.clone(),
            workshop: k.workshop.clone(),
            station: k.station.clone(),
            not_before: parse_rfc3339(&k.not_before).map_err(bad)?,
            not_after: k
                .not_after
                .as_deref()
                .map(parse_rfc3339)
                .transpose()
                .map_err(bad)?,
            comment: k.comment.clone(),
        });
        if let (Some(at), Some(reason)) = (&k.revoked_at, &k.revocation_reason) {
            tf.revocations.push(Revocation {
                key_id: k.key_id.clone(),
                revoked_at: parse_rfc3339(at).map_err(bad)?,
                reason: reason.clone(),
            });
        }
    }
    Ok(tf)
}
