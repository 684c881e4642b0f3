//! One station's journal as the registry knows it: sequence numbers, gaps, links.

use serde::Serialize;

use super::unix_to_text;
use crate::db::{Conn, DbError, Value};

/// One station's journal as the registry knows it.
#[derive(Debug, Clone, Serialize)]
pub struct JournalView {
    /// The workshop's id.
    pub workshop: String,
    /// The station's id within the workshop.
    pub station: String,
    /// Number of the station's certificates stored.
    pub certificates: u64,
    /// Lowest sequence number stored; `None` when there is none.
    pub first_seq: Option<u64>,
    /// Highest sequence number stored; `None` when there is none.
    pub last_seq: Option<u64>,
    /// Missing sequence numbers, as inclusive ranges: certificates not (yet) received.
    pub gaps: Vec<(u64, u64)>,
    /// The entries around the one asked about (or the latest ones).
    pub entries: Vec<JournalEntry>,
}

/// One certificate in a [`JournalView`].
#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    /// Sequence number in the station's journal.
    pub seq: u64,
    /// The certificate's id.
    pub cert_id: String,
    /// When the station issued it, RFC 3339 UTC.
    pub issued_at: String,
    /// The erased medium's serial number.
    pub media_serial: String,
    /// `erased`, `erased_with_exceptions` or `not_erased`.
    pub outcome: String,
    /// The entry's predecessor link matches the stored previous entry (None: no previous
    /// entry stored, or seq 0).
    pub link_ok: Option<bool>,
}

/// The journal of station `station` of workshop `workshop`: counts and gaps over all its
/// certificates, and the entries whose sequence numbers lie within `window` of `around`, or
/// without `around` the latest `2 * window + 1`. Gaps are only found before the first and
/// between received numbers: missing certificates after the last one cannot be seen.
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
