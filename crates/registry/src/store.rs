//! What the registry keeps in its database, and the queries over it.

use ardoise_cert::keys::public_key_from_base64;
use ardoise_cert::model::Certificate;
use ardoise_cert::trust::{KeyEntry, Revocation, TrustFile};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::db::{Conn, DbError, Row, Value};
use crate::submit::Accepted;

pub fn rfc3339(t: OffsetDateTime) -> String {
    ardoise_cert::fmt_time(t.replace_nanosecond(0).unwrap_or(t))
}

pub fn parse_rfc3339(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("{s:?} is not an RFC 3339 time ({e})"))
}

pub fn unix_to_text(t: i64) -> String {
    OffsetDateTime::from_unix_timestamp(t)
        .map(rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// Search key of an identifier: trimmed, inner whitespace collapsed, lower case.
pub fn search_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn opt_key(s: &Option<String>) -> Value {
    match s {
        Some(v) if !v.trim().is_empty() => Value::Text(search_key(v)),
        _ => Value::Null,
    }
}

fn enum_text<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

// ---------------------------------------------------------------------------------------
// meta

pub fn meta_get(c: &mut Conn, name: &str) -> Result<Option<String>, DbError> {
    match c.query_one("SELECT value FROM meta WHERE name = ?", &[name.into()])? {
        Some(mut r) => Ok(Some(r.remove(0).take_text()?)),
        None => Ok(None),
    }
}

pub fn meta_set(c: &mut Conn, name: &str, value: &str) -> Result<(), DbError> {
    if c.execute(
        "UPDATE meta SET value = ? WHERE name = ?",
        &[value.into(), name.into()],
    )? == 0
    {
        c.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?)",
            &[name.into(), value.into()],
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// station keys

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

/// A station key as registered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StationKeyRecord {
    pub key_id: String,
    pub public_key: String,
    pub workshop: String,
    pub station: String,
    pub not_before: String,
    pub not_after: Option<String>,
    pub comment: Option<String>,
    pub registered_at: String,
    pub revoked_at: Option<String>,
    pub revocation_reason: Option<String>,
}

/// Why a station key could not be registered or revoked.
#[derive(Debug, thiserror::Error)]
pub enum StationError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("key {0} is already registered")]
    Exists(String),
    #[error("key {0} is not registered")]
    NotFound(String),
    #[error("key {0} is already revoked")]
    AlreadyRevoked(String),
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
    pub public_key: String,
    pub workshop: String,
    pub station: String,
    #[serde(default)]
    pub not_before: Option<String>,
    #[serde(default)]
    pub not_after: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

fn is_kebab(s: &str) -> bool {
    s.len() <= 64 && ardoise_cert::validate::is_kebab(s)
}

pub fn add_station_key(
    c: &mut Conn,
    new: &NewStationKey,
    now: OffsetDateTime,
) -> Result<StationKeyRecord, StationError> {
    let invalid = |field, message: String| StationError::Invalid { field, message };
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
    // Ids are kebab-case in certificates (validate.rs); refuse anything else here so that a
    // typo cannot register a key no certificate can match.
    if !is_kebab(&new.workshop) {
        return Err(invalid(
            "workshop",
            format!("{:?} is not a kebab-case id", new.workshop),
        ));
    }
    // `base-*`: a per-boot PXE station (each boot signs as `base-<boot id>`, see cert::trust).
    let station_base = ardoise_cert::trust::per_boot_base(&new.station).unwrap_or(&new.station);
    if !is_kebab(station_base) {
        return Err(invalid(
            "station",
            format!(
                "{:?} is not a kebab-case id (or one followed by -* for a per-boot PXE station)",
                new.station
            ),
        ));
    }
    let not_before = match &new.not_before {
        Some(s) => parse_rfc3339(s).map_err(|e| invalid("not_before", e))?,
        None => now,
    };
    let not_after = match &new.not_after {
        Some(s) => Some(parse_rfc3339(s).map_err(|e| invalid("not_after", e))?),
        None => None,
    };
    if not_after.is_some_and(|na| na < not_before) {
        return Err(invalid("not_after", "is before not_before".into()));
    }
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
    let r = record.clone();
    let res = c.transaction(|c| {
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
    });
    match res {
        Ok(()) => Ok(record),
        Err(e) if e.is_unique_violation() => Err(StationError::Exists(key_id)),
        Err(e) => Err(e.into()),
    }
}

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
        let bad = |e: String| DbError::Other(format!("station key {}: {e}", k.key_id));
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

// ---------------------------------------------------------------------------------------
// certificates

pub const INSERT_CERTIFICATE: &str = "INSERT INTO certificates (log_index, cert_id, leaf_hash, envelope_hash, envelope, received_at, key_id, workshop, station, seq, prev_hash, issued_at, issued_month, media_serial, media_model, media_type, capacity_bytes, host_serial, board_serial, asset_tag, donor, lot, outcome, technique, level_achieved, verification_method, verification_result, k_media_serial, k_host_serial, k_board_serial, k_asset_tag, k_donor, k_lot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

pub fn certificate_params(a: &Accepted, log_index: u64, received_at: i64) -> Vec<Value> {
    let c: &Certificate = &a.certificate;
    let month = format!(
        "{:04}-{:02}",
        c.issued_at.year(),
        u8::from(c.issued_at.month())
    );
    vec![
        Value::Int(log_index as i64),
        a.cert_id.clone().into(),
        hex::encode(a.leaf_hash).into(),
        hex::encode(a.envelope_hash).into(),
        a.envelope.clone().into(),
        Value::Int(received_at),
        a.key_id.clone().into(),
        c.issuer.workshop_id.clone().into(),
        c.issuer.station_id.clone().into(),
        Value::Int(c.journal.seq as i64),
        c.journal.prev_envelope_blake3.clone().into(),
        Value::Int(c.issued_at.unix_timestamp()),
        month.into(),
        c.media.serial.clone().into(),
        c.media.model.clone().into(),
        enum_text(&c.media.media_type).into(),
        Value::Int(c.media.capacity_bytes as i64),
        c.host.smbios.system_serial.clone().into(),
        c.host.smbios.board_serial.clone().into(),
        c.host.asset_tag.clone().into(),
        c.provenance.donor.name.clone().into(),
        c.provenance.lot.clone().into(),
        enum_text(&c.outcome.status).into(),
        c.sanitization.technique.clone().into(),
        c.sanitization.level_achieved.as_ref().map(enum_text).into(),
        enum_text(&c.verification.method).into(),
        enum_text(&c.verification.result).into(),
        search_key(&c.media.serial).into(),
        opt_key(&c.host.smbios.system_serial),
        opt_key(&c.host.smbios.board_serial),
        opt_key(&c.host.asset_tag),
        search_key(&c.provenance.donor.name).into(),
        opt_key(&c.provenance.lot),
    ]
}

/// One certificate as listed in search results and exports.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub cert_id: String,
    pub log_index: u64,
    pub received_at: String,
    pub issued_at: String,
    pub workshop: String,
    pub station: String,
    pub seq: u64,
    pub key_id: String,
    pub media_serial: String,
    pub media_model: String,
    pub media_type: String,
    pub capacity_bytes: u64,
    pub host_serial: Option<String>,
    pub asset_tag: Option<String>,
    pub donor: String,
    pub lot: Option<String>,
    pub outcome: String,
    pub technique: String,
    pub level_achieved: Option<String>,
    pub verification_method: String,
    pub verification_result: String,
}

const SUMMARY_COLUMNS: &str = "cert_id, log_index, received_at, issued_at, workshop, station, seq, key_id, media_serial, media_model, media_type, capacity_bytes, host_serial, asset_tag, donor, lot, outcome, technique, level_achieved, verification_method, verification_result";

fn summary(r: &Row) -> Result<Summary, DbError> {
    Ok(Summary {
        cert_id: r[0].text()?,
        log_index: r[1].int()? as u64,
        received_at: unix_to_text(r[2].int()?),
        issued_at: unix_to_text(r[3].int()?),
        workshop: r[4].text()?,
        station: r[5].text()?,
        seq: r[6].int()? as u64,
        key_id: r[7].text()?,
        media_serial: r[8].text()?,
        media_model: r[9].text()?,
        media_type: r[10].text()?,
        capacity_bytes: r[11].int()? as u64,
        host_serial: r[12].opt_text()?,
        asset_tag: r[13].opt_text()?,
        donor: r[14].text()?,
        lot: r[15].opt_text()?,
        outcome: r[16].text()?,
        technique: r[17].text()?,
        level_achieved: r[18].opt_text()?,
        verification_method: r[19].text()?,
        verification_result: r[20].text()?,
    })
}

/// A stored certificate with its envelope.
#[derive(Debug, Clone)]
pub struct Stored {
    pub summary: Summary,
    pub envelope: String,
    pub leaf_hash: String,
    pub envelope_hash: String,
    pub prev_hash: Option<String>,
    pub received_at_unix: i64,
}

pub fn get_certificate(c: &mut Conn, cert_id: &str) -> Result<Option<Stored>, DbError> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, envelope, leaf_hash, envelope_hash, prev_hash FROM certificates WHERE cert_id = ?"
    );
    let Some(r) = c.query_one(&sql, &[cert_id.into()])? else {
        return Ok(None);
    };
    Ok(Some(Stored {
        summary: summary(&r)?,
        envelope: r[21].text()?,
        leaf_hash: r[22].text()?,
        envelope_hash: r[23].text()?,
        prev_hash: r[24].opt_text()?,
        received_at_unix: r[2].int()?,
    }))
}

/// Search criteria (every one optional; all given ones must hold).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Any identifier: certificate id, media serial, host serial (system or board), asset
    /// tag, lot or donor.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub cert_id: Option<String>,
    #[serde(default)]
    pub media_serial: Option<String>,
    /// SMBIOS system or board serial.
    #[serde(default)]
    pub host_serial: Option<String>,
    #[serde(default)]
    pub asset_tag: Option<String>,
    #[serde(default)]
    pub donor: Option<String>,
    #[serde(default)]
    pub lot: Option<String>,
    #[serde(default)]
    pub workshop: Option<String>,
    #[serde(default)]
    pub station: Option<String>,
    /// Issued at or after (`YYYY-MM-DD` or RFC 3339).
    #[serde(default)]
    pub from: Option<String>,
    /// Issued before the end of this day (`YYYY-MM-DD`) or at or before this instant.
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
    /// Page cursor: the `next` value of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page language (pages only).
    #[serde(default)]
    pub lang: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

fn parse_bound(s: &str, end_of_day: bool) -> Option<i64> {
    if let Ok(t) = parse_rfc3339(s) {
        return Some(t.unix_timestamp());
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s, &fmt).ok()?;
    let start = d.midnight().assume_utc().unix_timestamp();
    Some(if end_of_day { start + 86_399 } else { start })
}

fn nonempty(o: &Option<String>) -> Option<&str> {
    o.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        [
            &self.q,
            &self.cert_id,
            &self.media_serial,
            &self.host_serial,
            &self.asset_tag,
            &self.donor,
            &self.lot,
            &self.workshop,
            &self.station,
            &self.from,
            &self.to,
            &self.outcome,
        ]
        .iter()
        .all(|o| nonempty(o).is_none())
    }

    /// SQL conditions and parameters.
    fn sql(&self) -> Result<(Vec<String>, Vec<Value>), FilterError> {
        let mut cond = Vec::new();
        let mut params = Vec::new();
        if let Some(q) = nonempty(&self.q) {
            let k = search_key(q);
            cond.push("(cert_id = ? OR k_media_serial = ? OR k_host_serial = ? OR k_board_serial = ? OR k_asset_tag = ? OR k_lot = ? OR k_donor = ?)".to_string());
            for _ in 0..7 {
                params.push(Value::Text(k.clone()));
            }
        }
        if let Some(v) = nonempty(&self.cert_id) {
            cond.push("cert_id = ?".into());
            params.push(v.to_lowercase().into());
        }
        for (val, col) in [
            (&self.media_serial, "k_media_serial"),
            (&self.asset_tag, "k_asset_tag"),
            (&self.donor, "k_donor"),
            (&self.lot, "k_lot"),
        ] {
            if let Some(v) = nonempty(val) {
                cond.push(format!("{col} = ?"));
                params.push(search_key(v).into());
            }
        }
        if let Some(v) = nonempty(&self.host_serial) {
            cond.push("(k_host_serial = ? OR k_board_serial = ?)".into());
            params.push(search_key(v).into());
            params.push(search_key(v).into());
        }
        for (val, col) in [(&self.workshop, "workshop"), (&self.station, "station")] {
            if let Some(v) = nonempty(val) {
                cond.push(format!("{col} = ?"));
                params.push(v.into());
            }
        }
        if let Some(v) = nonempty(&self.outcome) {
            if !matches!(v, "erased" | "erased_with_exceptions" | "not_erased") {
                return Err(FilterError::Invalid {
                    field: "outcome",
                    message: "expected erased, erased_with_exceptions or not_erased".into(),
                });
            }
            cond.push("outcome = ?".into());
            params.push(v.into());
        }
        if let Some(v) = nonempty(&self.from) {
            let t = parse_bound(v, false).ok_or(FilterError::Invalid {
                field: "from",
                message: "expected YYYY-MM-DD or an RFC 3339 time".into(),
            })?;
            cond.push("issued_at >= ?".into());
            params.push(Value::Int(t));
        }
        if let Some(v) = nonempty(&self.to) {
            let t = parse_bound(v, true).ok_or(FilterError::Invalid {
                field: "to",
                message: "expected YYYY-MM-DD or an RFC 3339 time".into(),
            })?;
            cond.push("issued_at <= ?".into());
            params.push(Value::Int(t));
        }
        Ok((cond, params))
    }

    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    fn cursor(&self) -> Result<Option<i64>, FilterError> {
        match nonempty(&self.cursor) {
            None => Ok(None),
            Some(c) => {
                c.parse::<i64>()
                    .ok()
                    .filter(|v| *v >= 0)
                    .map(Some)
                    .ok_or(FilterError::Invalid {
                        field: "cursor",
                        message: "not a cursor this registry returned".into(),
                    })
            }
        }
    }
}

/// One page of results, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub items: Vec<Summary>,
    /// Cursor of the next page, absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Filter(#[from] FilterError),
    #[error(transparent)]
    Db(#[from] DbError),
}

pub fn search(c: &mut Conn, f: &Filter) -> Result<Page, QueryError> {
    let (mut cond, mut params) = f.sql()?;
    if let Some(cur) = f.cursor()? {
        cond.push("log_index < ?".into());
        params.push(Value::Int(cur));
    }
    let limit = f.limit();
    params.push(Value::Int(i64::from(limit) + 1));
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM certificates{} ORDER BY log_index DESC LIMIT ?",
        where_clause(&cond)
    );
    let mut items = c
        .query(&sql, &params)?
        .iter()
        .map(summary)
        .collect::<Result<Vec<_>, _>>()?;
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|s| s.log_index.to_string())
    } else {
        None
    };
    Ok(Page { items, next })
}

fn where_clause(cond: &[String]) -> String {
    if cond.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", cond.join(" AND "))
    }
}

/// One page of an export: the matching certificates after log index `after` (-1: from the
/// start), in log order, at most `limit`, with the envelope text when `with_envelope`.
/// Exports read page by page, each on a connection taken for that page only, so that a
/// client reading slowly holds no database connection while it reads.
pub fn export_page(
    c: &mut Conn,
    f: &Filter,
    with_envelope: bool,
    after: i64,
    limit: u32,
) -> Result<Vec<(Summary, Option<String>)>, QueryError> {
    let (mut cond, mut params) = f.sql()?;
    cond.push("log_index > ?".into());
    params.push(Value::Int(after));
    params.push(Value::Int(i64::from(limit)));
    let cols = if with_envelope {
        format!("{SUMMARY_COLUMNS}, envelope")
    } else {
        SUMMARY_COLUMNS.to_string()
    };
    let sql = format!(
        "SELECT {cols} FROM certificates{} ORDER BY log_index ASC LIMIT ?",
        where_clause(&cond)
    );
    let mut out = Vec::new();
    c.query_each(&sql, &params, |r| {
        let env = if with_envelope {
            Some(r[21].text()?)
        } else {
            None
        };
        out.push((summary(&r)?, env));
        Ok(true)
    })?;
    Ok(out)
}

pub fn certificate_count(c: &mut Conn) -> Result<u64, DbError> {
    Ok(c.query_one("SELECT COUNT(*) FROM certificates", &[])?
        .map(|r| r[0].int())
        .transpose()?
        .unwrap_or(0) as u64)
}

// ---------------------------------------------------------------------------------------
// journals

/// One station's journal as the registry knows it.
#[derive(Debug, Clone, Serialize)]
pub struct JournalView {
    pub workshop: String,
    pub station: String,
    pub certificates: u64,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    /// Missing sequence numbers, as inclusive ranges: certificates not (yet) received.
    pub gaps: Vec<(u64, u64)>,
    /// The entries around the one asked about (or the latest ones).
    pub entries: Vec<JournalEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    pub seq: u64,
    pub cert_id: String,
    pub issued_at: String,
    pub media_serial: String,
    pub outcome: String,
    /// The entry's predecessor link matches the stored previous entry (None: no previous
    /// entry stored, or seq 0).
    pub link_ok: Option<bool>,
}

pub fn journal(
    c: &mut Conn,
    workshop: &str,
    station: &str,
    around: Option<u64>,
    window: u64,
) -> Result<JournalView, DbError> {
    let seqs: Vec<u64> = c
        .query(
            "SELECT seq FROM certificates WHERE workshop = ? AND station = ? ORDER BY seq",
            &[workshop.into(), station.into()],
        )?
        .iter()
        .map(|r| r[0].int().map(|v| v as u64))
        .collect::<Result<_, _>>()?;
    let mut gaps = Vec::new();
    if let Some(&first) = seqs.first() {
        if first > 0 {
            gaps.push((0, first - 1));
        }
    }
    for w in seqs.windows(2) {
        if w[1] > w[0] + 1 {
            gaps.push((w[0] + 1, w[1] - 1));
        }
    }
    let last = seqs.last().copied();
    let (lo, hi) = match (around, last) {
        (Some(s), _) => (s.saturating_sub(window), s.saturating_add(window)),
        (None, Some(l)) => (l.saturating_sub(2 * window), l),
        (None, None) => (0, 0),
    };
    let rows = c.query(
        "SELECT seq, cert_id, issued_at, media_serial, outcome, prev_hash, envelope_hash FROM certificates WHERE workshop = ? AND station = ? AND seq >= ? AND seq <= ? ORDER BY seq",
        &[
            workshop.into(),
            station.into(),
            Value::Int(lo.saturating_sub(1).min(i64::MAX as u64) as i64),
            Value::Int(hi.min(i64::MAX as u64) as i64),
        ],
    )?;
    let mut entries = Vec::new();
    let mut prev: Option<(u64, String)> = None;
    for r in rows {
        let seq = r[0].int()? as u64;
        let env_hash = r[6].text()?;
        let prev_link = r[5].opt_text()?;
        let link_ok = match &prev {
            Some((ps, ph)) if *ps + 1 == seq => Some(prev_link.as_deref() == Some(ph.as_str())),
            _ => None,
        };
        if seq >= lo {
            entries.push(JournalEntry {
                seq,
                cert_id: r[1].text()?,
                issued_at: unix_to_text(r[2].int()?),
                media_serial: r[3].text()?,
                outcome: r[4].text()?,
                link_ok,
            });
        }
        prev = Some((seq, env_hash));
    }
    Ok(JournalView {
        workshop: workshop.into(),
        station: station.into(),
        certificates: seqs.len() as u64,
        first_seq: seqs.first().copied(),
        last_seq: last,
        gaps,
        entries,
    })
}

// ---------------------------------------------------------------------------------------
// statistics

#[derive(Debug, Clone, Serialize, Default)]
pub struct WorkshopStats {
    pub workshop: String,
    pub certificates: u64,
    /// Outcome `erased` or `erased_with_exceptions`.
    pub disks_erased: u64,
    pub outcomes: Vec<(String, u64)>,
    pub techniques: Vec<(String, u64)>,
    pub verification_methods: Vec<(String, u64)>,
    /// Per month (`YYYY-MM`): certificates, erased, erased with exceptions, not erased.
    pub months: Vec<MonthStats>,
    /// Per month: machines (not disks) by destination.
    pub destinations: Vec<crate::machines::DestinationMonth>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct MonthStats {
    pub month: String,
    pub certificates: u64,
    pub erased: u64,
    pub erased_with_exceptions: u64,
    pub not_erased: u64,
}

fn counts(c: &mut Conn, sql: &str, workshop: &str) -> Result<Vec<(String, u64)>, DbError> {
    c.query(sql, &[workshop.into()])?
        .iter()
        .map(|r| Ok((r[0].text()?, r[1].int()? as u64)))
        .collect()
}

pub fn workshop_stats(c: &mut Conn, workshop: &str) -> Result<WorkshopStats, DbError> {
    let outcomes = counts(
        c,
        "SELECT outcome, COUNT(*) FROM certificates WHERE workshop = ? GROUP BY outcome ORDER BY outcome",
        workshop,
    )?;
    let techniques = counts(
        c,
        "SELECT technique, COUNT(*) FROM certificates WHERE workshop = ? GROUP BY technique ORDER BY COUNT(*) DESC, technique",
        workshop,
    )?;
    let verification_methods = counts(
        c,
        "SELECT verification_method, COUNT(*) FROM certificates WHERE workshop = ? GROUP BY verification_method ORDER BY COUNT(*) DESC, verification_method",
        workshop,
    )?;
    let mut months: Vec<MonthStats> = Vec::new();
    for r in c.query(
        "SELECT issued_month, outcome, COUNT(*) FROM certificates WHERE workshop = ? GROUP BY issued_month, outcome ORDER BY issued_month",
        &[workshop.into()],
    )? {
        let month = r[0].text()?;
        let n = r[2].int()? as u64;
        if months.last().map(|m| &m.month) != Some(&month) {
            months.push(MonthStats {
                month: month.clone(),
                ..Default::default()
            });
        }
        let m = months.last_mut().expect("pushed");
        m.certificates += n;
        match r[1].text()?.as_str() {
            "erased" => m.erased += n,
            "erased_with_exceptions" => m.erased_with_exceptions += n,
            _ => m.not_erased += n,
        }
    }
    let certificates = outcomes.iter().map(|(_, n)| n).sum();
    let disks_erased = outcomes
        .iter()
        .filter(|(o, _)| o != "not_erased")
        .map(|(_, n)| n)
        .sum();
    Ok(WorkshopStats {
        workshop: workshop.into(),
        certificates,
        disks_erased,
        outcomes,
        techniques,
        verification_methods,
        months,
        destinations: crate::machines::by_month(c, workshop)?,
    })
}

/// Every workshop with its certificate count.
pub fn workshops(c: &mut Conn) -> Result<Vec<(String, u64)>, DbError> {
    c.query(
        "SELECT workshop, COUNT(*) FROM certificates GROUP BY workshop ORDER BY workshop",
        &[],
    )?
    .iter()
    .map(|r| Ok((r[0].text()?, r[1].int()? as u64)))
    .collect()
}

// ---------------------------------------------------------------------------------------
// checkpoints

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub tree_size: u64,
    pub root_hash: String,
    pub note: String,
    pub created_at: i64,
}

pub fn insert_checkpoint(c: &mut Conn, cp: &StoredCheckpoint) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO checkpoints (tree_size, root_hash, note, created_at) VALUES (?, ?, ?, ?)",
        &[
            Value::Int(cp.tree_size as i64),
            cp.root_hash.clone().into(),
            cp.note.clone().into(),
            Value::Int(cp.created_at),
        ],
    )?;
    Ok(())
}

fn checkpoint_row(r: &Row) -> Result<StoredCheckpoint, DbError> {
    Ok(StoredCheckpoint {
        tree_size: r[0].int()? as u64,
        root_hash: r[1].text()?,
        note: r[2].text()?,
        created_at: r[3].int()?,
    })
}

pub fn latest_checkpoint(c: &mut Conn) -> Result<Option<StoredCheckpoint>, DbError> {
    c.query_one(
        "SELECT tree_size, root_hash, note, created_at FROM checkpoints ORDER BY tree_size DESC LIMIT 1",
        &[],
    )?
    .as_ref()
    .map(checkpoint_row)
    .transpose()
}

pub fn checkpoint_at(c: &mut Conn, size: u64) -> Result<Option<StoredCheckpoint>, DbError> {
    c.query_one(
        "SELECT tree_size, root_hash, note, created_at FROM checkpoints WHERE tree_size = ?",
        &[Value::Int(size as i64)],
    )?
    .as_ref()
    .map(checkpoint_row)
    .transpose()
}

pub fn all_checkpoints(c: &mut Conn) -> Result<Vec<StoredCheckpoint>, DbError> {
    c.query(
        "SELECT tree_size, root_hash, note, created_at FROM checkpoints ORDER BY tree_size",
        &[],
    )?
    .iter()
    .map(checkpoint_row)
    .collect()
}
