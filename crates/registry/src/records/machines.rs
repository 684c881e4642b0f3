//! Machines by destination and month, for the workshop report: the figure eco-organisms and
//! funders ask for. Certificates are per disk; the disks of one machine share
//! `host.machine_session`, so a machine is counted once however many disks it had (a
//! certificate without a session counts as one machine). Rows live in `machine_dispositions`
//! (migration 4), written in the same transaction as the certificate; rows of certificates
//! stored before that migration are filled in once at start ([`backfill`]).

use ardoise_cert::envelope::Envelope;
use ardoise_cert::payload::Certificate;
use serde::Serialize;

use crate::db::{Conn, DbError, Value};

/// Inserts one `machine_dispositions` row; its parameters come from [`params`].
pub const INSERT: &str = "INSERT INTO machine_dispositions (log_index, workshop, issued_month, machine, destination) VALUES (?, ?, ?, ?, ?)";

/// The meta row that says the backfill is complete.
const BACKFILLED: &str = "machine_dispositions_backfilled";

/// `YYYY-MM` of the issue date (as `certificates.issued_month`).
pub fn month(c: &Certificate) -> String {
    format!(
        "{:04}-{:02}",
        c.issued_at.year(),
        u8::from(c.issued_at.month())
    )
}

/// The row of certificate `cert_id` at `log_index`.
pub fn params(c: &Certificate, cert_id: &str, log_index: u64) -> Vec<Value> {
    vec![
        Value::Int(log_index as i64),
        c.issuer.workshop_id.clone().into(),
        month(c).into(),
        c.host
            .machine_session
            .clone()
            .unwrap_or_else(|| cert_id.to_string())
            .into(),
        c.disposition
            .as_ref()
            .map(|d| d.destination.as_str().to_string())
            .into(),
    ]
}

/// Fills the rows of certificates stored before migration 4, once (a meta row records that
/// it is done; an interrupted backfill resumes where it stopped). Returns the rows added.
pub fn backfill(c: &mut Conn) -> Result<u64, DbError> {
    if super::meta_get(c, BACKFILLED)?.is_some() {
        return Ok(0);
    }
    let start = c
        .query_one("SELECT MAX(log_index) FROM machine_dispositions", &[])?
        .and_then(|r| r[0].int().ok())
        .map_or(-1, |i| i);
    let mut after = start;
    let mut added = 0;
    loop {
        let rows = c.query(
            "SELECT log_index, cert_id, envelope FROM certificates WHERE log_index > ? ORDER BY log_index LIMIT 500",
            &[Value::Int(after)],
        )?;
        let Some(last) = rows.last() else { break };
        after = last[0].int()?;
        c.transaction(|tx| {
            for r in &rows {
                let (index, id) = (r[0].int()?, r[1].text()?);
                let cert = Envelope::parse(r[2].text()?.as_bytes())
                    .ok()
                    .and_then(|e| ardoise_cert::validate::parse_payload(&e.payload).ok());
                let values = match &cert {
                    Some(cert) => params(cert, &id, index as u64),
                    None => {
                        // Unreadable now: one machine, destination not recorded.
                        tracing::warn!(cert_id = %id, "certificate not readable for the machine count");
                        let (workshop, month) = tx
                            .query_one(
                                "SELECT workshop, issued_month FROM certificates WHERE log_index = ?",
                                &[Value::Int(index)],
                            )?
                            .map(|r| Ok::<_, DbError>((r[0].text()?, r[1].text()?)))
                            .transpose()?
                            .unwrap_or_default();
                        vec![
                            Value::Int(index),
                            workshop.into(),
                            month.into(),
                            id.clone().into(),
                            Value::Null,
                        ]
                    }
                };
                tx.execute(INSERT, &values)?;
            }
            Ok(())
        })?;
        added += rows.len() as u64;
    }
    c.execute(
        "INSERT INTO meta (name, value) VALUES (?, ?)",
        &[BACKFILLED.into(), crate::now_text().into()],
    )?;
    if added > 0 {
        tracing::info!(
            rows = added,
            "machine count filled in for earlier certificates"
        );
    }
    Ok(added)
}

/// Machines of one month by destination.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DestinationMonth {
    /// The issue month, `YYYY-MM`.
    pub month: String,
    /// All machines of the month, whatever their destination (the sum of the four counts
    /// below).
    pub machines: u64,
    /// Machines whose destination is `reuse`.
    pub reuse: u64,
    /// Machines whose destination is `parts`.
    pub parts: u64,
    /// Machines whose destination is `recycling`.
    pub recycling: u64,
    /// Machines whose certificates record no destination.
    pub not_recorded: u64,
}

/// The workshop's machines by month (oldest first) and destination.
pub fn by_month(c: &mut Conn, workshop: &str) -> Result<Vec<DestinationMonth>, DbError> {
    let mut out: Vec<DestinationMonth> = Vec::new();
    for r in c.query(
        "SELECT issued_month, destination, COUNT(DISTINCT machine) FROM machine_dispositions WHERE workshop = ? GROUP BY issued_month, destination ORDER BY issued_month",
        &[workshop.into()],
    )? {
        let month = r[0].text()?;
        let n = r[2].int()? as u64;
        if out.last().map(|m| &m.month) != Some(&month) {
            out.push(DestinationMonth {
                month,
                ..Default::default()
            });
        }
        let m = out.last_mut().expect("pushed");
        m.machines += n;
        match r[1].opt_text()?.as_deref() {
            Some("reuse") => m.reuse += n,
            Some("parts") => m.parts += n,
            Some("recycling") => m.recycling += n,
            _ => m.not_recorded += n,
        }
    }
    Ok(out)
}
