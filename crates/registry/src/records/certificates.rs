//! Certificate rows: what is written with each accepted submission, and how one is read back.

use ardoise_cert::payload::Certificate;
use serde::Serialize;

use super::{search_key, unix_to_text};
use crate::db::{Conn, DbError, Row, Value};
use crate::submit::Accepted;

/// Inserts one `certificates` row; its parameters, in order, come from
/// [`certificate_params`].
pub const INSERT_CERTIFICATE: &str = "INSERT INTO certificates (log_index, cert_id, leaf_hash, envelope_hash, envelope, received_at, key_id, workshop, station, seq, prev_hash, issued_at, issued_month, media_serial, media_model, media_type, capacity_bytes, host_serial, board_serial, asset_tag, donor, lot, outcome, technique, level_achieved, verification_method, verification_result, k_media_serial, k_host_serial, k_board_serial, k_asset_tag, k_donor, k_lot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// The parameters of [`INSERT_CERTIFICATE`] for an accepted submission placed at `log_index`
/// and received at `received_at` (Unix seconds): the envelope, the fields searched, listed and
/// counted (copied out of the payload so that queries need not parse envelopes), and the
/// search keys of the identifiers.
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
    /// Certificate id: lower-case hex BLAKE3 of the signed payload bytes.
    pub cert_id: String,
    /// Position of the certificate's leaf in the transparency log, from 0.
    pub log_index: u64,
    /// When the registry accepted it, RFC 3339 UTC.
    pub received_at: String,
    /// When the station issued it (the payload's `issued_at`), RFC 3339 UTC.
    pub issued_at: String,
    /// Issuing workshop's id.
    pub workshop: String,
    /// Issuing station's id within its workshop.
    pub station: String,
    /// Position in the issuing station's journal, from 0.
    pub seq: u64,
    /// Id of the station key whose signature was checked.
    pub key_id: String,
    /// The erased medium's serial number, as reported.
    pub media_serial: String,
    /// The erased medium's model, as reported.
    pub media_model: String,
    /// Kind of medium, snake case (`hdd`, `ssd`, `nvme_ssd`, `usb_flash`, …).
    pub media_type: String,
    /// The medium's capacity, bytes.
    pub capacity_bytes: u64,
    /// Serial number of the machine the medium was in (SMBIOS system serial), if known.
    pub host_serial: Option<String>,
    /// The machine's asset tag, if recorded.
    pub asset_tag: Option<String>,
    /// Name of who gave the equipment.
    pub donor: String,
    /// The donation's lot, if recorded.
    pub lot: Option<String>,
    /// `erased`, `erased_with_exceptions` or `not_erased`.
    pub outcome: String,
    /// Main sanitization technique id, kebab case (e.g. `nvme-sanitize-crypto-erase`).
    pub technique: String,
    /// Level reached, `clear` or `purge`; `None` when none was.
    pub level_achieved: Option<String>,
    /// `full`, `stratified_sample`, `ce_pre_post_compare` or `none`.
    pub verification_method: String,
    /// `pass`, `fail` or `not_run`.
    pub verification_result: String,
}

pub(super) const SUMMARY_COLUMNS: &str = "cert_id, log_index, received_at, issued_at, workshop, station, seq, key_id, media_serial, media_model, media_type, capacity_bytes, host_serial, asset_tag, donor, lot, outcome, technique, level_achieved, verification_method, verification_result";

pub(super) fn summary(r: &Row) -> Result<Summary, DbError> {
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

/// A stored certificate with its envelope, as served when one certificate is asked for by id.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The listed columns.
    pub summary: Summary,
    /// The signed envelope exactly as submitted (JSON text).
    pub envelope: String,
    /// RFC 6962 leaf hash of the envelope, lower-case hex.
    pub leaf_hash: String,
    /// BLAKE3 of the envelope bytes, lower-case hex: what the station's next certificate
    /// links to.
    pub envelope_hash: String,
    /// The journal link: the envelope hash of the station's previous certificate, as the payload
    /// carries it; `None` for a journal's first certificate.
    pub prev_hash: Option<String>,
    /// When the registry accepted it, Unix seconds (the same instant as
    /// `summary.received_at`).
    pub received_at_unix: i64,
}

/// The certificate with id `cert_id`, or `None` when the registry has none.
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

/// Number of certificates stored, which is also the log's size.
pub fn certificate_count(c: &mut Conn) -> Result<u64, DbError> {
    Ok(c.query_one("SELECT COUNT(*) FROM certificates", &[])?
        .map(|r| r[0].int())
        .transpose()?
        .unwrap_or(0) as u64)
}
