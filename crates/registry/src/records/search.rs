//! Searching and exporting certificates: the filter of the API and the pages, pages of
//! results newest first, export pages in log order.

use serde::{Deserialize, Serialize};

use super::certificates::{summary, Summary, SUMMARY_COLUMNS};
use super::{parse_rfc3339, search_key};
use crate::db::{Conn, DbError, Value};

/// Search criteria (every one optional; all given ones must hold).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Any identifier: certificate id, media serial, host serial (system or board), asset
    /// tag, lot or donor.
    #[serde(default)]
    pub q: Option<String>,
    /// Certificate id, exact (case ignored).
    #[serde(default)]
    pub cert_id: Option<String>,
    /// Medium serial number. It, the host serial, asset tag, donor and lot compare by search
    /// key (case and extra whitespace ignored), whole value, not substring.
    #[serde(default)]
    pub media_serial: Option<String>,
    /// SMBIOS system or board serial.
    #[serde(default)]
    pub host_serial: Option<String>,
    /// The machine's asset tag.
    #[serde(default)]
    pub asset_tag: Option<String>,
    /// Donor name.
    #[serde(default)]
    pub donor: Option<String>,
    /// Donation lot.
    #[serde(default)]
    pub lot: Option<String>,
    /// Issuing workshop's id, exact (case kept).
    #[serde(default)]
    pub workshop: Option<String>,
    /// Issuing station's id, exact (case kept).
    #[serde(default)]
    pub station: Option<String>,
    /// Issued at or after (`YYYY-MM-DD` or RFC 3339).
    #[serde(default)]
    pub from: Option<String>,
    /// Issued before the end of this day (`YYYY-MM-DD`) or at or before this instant.
    #[serde(default)]
    pub to: Option<String>,
    /// `erased`, `erased_with_exceptions` or `not_erased`; anything else is refused.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Results per page: [`DEFAULT_LIMIT`] when absent, kept within 1..=[`MAX_LIMIT`].
    #[serde(default)]
    pub limit: Option<u32>,
    /// Page cursor: the `next` value of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page language (pages only).
    #[serde(default)]
    pub lang: Option<String>,
}

/// A filter the registry refuses, answered to the client as a bad request.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    /// One criterion has a value that cannot be used.
    #[error("{field}: {message}")]
    Invalid {
        /// The criterion's name, as in the query string (`outcome`, `from`, `to`, `cursor`).
        field: &'static str,
        /// What was expected, for the client.
        message: String,
    },
}

/// Results per page when the filter gives no `limit`.
pub const DEFAULT_LIMIT: u32 = 50;
/// Most results per page, whatever `limit` asks, to bound the work of one request.
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
    /// Whether no criterion is given (blank ones do not count; `limit`, `cursor` and `lang`
    /// are not criteria): then a search would list everything.
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

    /// The page size to use: `limit`, else [`DEFAULT_LIMIT`], kept within 1..=[`MAX_LIMIT`].
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
    /// The matching certificates, by decreasing log index.
    pub items: Vec<Summary>,
    /// Cursor of the next page, absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Why a search or an export failed: the client's filter, or the database.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The filter was refused (the client's fault).
    #[error(transparent)]
    Filter(#[from] FilterError),
    /// The database failed (the registry's fault).
    #[error(transparent)]
    Db(#[from] DbError),
}

/// One page of the certificates matching `f`, newest (highest log index) first, starting
/// after the filter's cursor. The cursor is a log index, so pages stay stable while new
/// certificates arrive.
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
