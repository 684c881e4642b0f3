//! Exports (`export.csv`, `export.jsonl`): every matching certificate in log order, streamed.
//!
//! They need an auditor token (they carry personal data). Bounded: at most
//! `exports_per_address` at once per client address (429 above); each page of 1,000 rows is
//! read on a connection taken for that page only, so that a client reading slowly holds no
//! database connection; and the whole stream counts against `--request-timeout` (past it the
//! connection is cut).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use futures_core::Stream;
use serde::Deserialize;

use crate::auth::Role;
use crate::handler::{blocking, err, parse_query, require, ApiError, Shared};
use crate::ratelimit::Slot;
use crate::records::{self, Filter, QueryError};

/// Rows read per page (one database connection each).
const PAGE: u32 = 1000;
/// Bytes gathered before a chunk is handed to the client.
const CHUNK: usize = 64 * 1024;

type Chunk = Result<bytes::Bytes, std::io::Error>;

/// A CSV cell: quoted, and defused against spreadsheet formula injection.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

const CSV_HEADER: &str = "cert_id,log_index,received_at,issued_at,workshop,station,seq,key_id,media_serial,media_model,media_type,capacity_bytes,host_serial,asset_tag,donor,lot,outcome,technique,level_achieved,verification_method,verification_result\r\n";

fn csv_line(s: &records::Summary) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let cells = [
        s.cert_id.clone(),
        s.log_index.to_string(),
        s.received_at.clone(),
        s.issued_at.clone(),
        s.workshop.clone(),
        s.station.clone(),
        s.seq.to_string(),
        s.key_id.clone(),
        s.media_serial.clone(),
        s.media_model.clone(),
        s.media_type.clone(),
        s.capacity_bytes.to_string(),
        o(&s.host_serial),
        o(&s.asset_tag),
        s.donor.clone(),
        o(&s.lot),
        s.outcome.clone(),
        s.technique.clone(),
        o(&s.level_achieved),
        s.verification_method.clone(),
        s.verification_result.clone(),
    ];
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

fn jsonl_line(s: records::Summary, env: Option<String>) -> String {
    let mut v = serde_json::to_value(&s).unwrap_or_default();
    if let (Some(e), Some(o)) = (env, v.as_object_mut()) {
        o.insert("envelope".into(), serde_json::Value::String(e));
    }
    let mut line = v.to_string();
    line.push('\n');
    line
}

/// What one export streams.
struct ExportJob {
    filter: Filter,
    with_envelope: bool,
    header_line: Option<&'static str>,
    line: fn(records::Summary, Option<String>) -> String,
}

/// The producer: pages from the database into the channel, until the end, an error, or the
/// client going away (the channel closed).
fn produce(reg: Shared, job: ExportJob, tx: tokio::sync::mpsc::Sender<Chunk>) {
    if let Some(h) = job.header_line {
        if tx
            .blocking_send(Ok(bytes::Bytes::from_static(h.as_bytes())))
            .is_err()
        {
            return;
        }
    }
    let mut after: i64 = -1;
    let mut buf = String::new();
    loop {
        let page = reg.pool.with(|c| {
            records::export_page(c, &job.filter, job.with_envelope, after, PAGE).map_err(
                |e| match e {
                    QueryError::Db(d) => d,
                    QueryError::Filter(f) => crate::db::DbError::Other(f.to_string()),
                },
            )
        });
        let rows = match page {
            Ok(rows) => rows,
            Err(e) => {
                let id = crate::incident::incident(&e);
                let _ = tx.blocking_send(Err(std::io::Error::other(format!(
                    "export interrupted (incident {id})"
                ))));
                return;
            }
        };
        let last_page = rows.len() < PAGE as usize;
        for (s, env) in rows {
            after = s.log_index as i64;
            buf.push_str(&(job.line)(s, env));
            if buf.len() > CHUNK
                && tx
                    .blocking_send(Ok(std::mem::take(&mut buf).into()))
                    .is_err()
            {
                return;
            }
        }
        if last_page {
            break;
        }
    }
    if !buf.is_empty() {
        let _ = tx.blocking_send(Ok(buf.into()));
    }
}

/// The response body: the producer's chunks until `deadline`, then an error (the server cuts
/// the connection). Holds the client's export slot until dropped.
struct DeadlineStream {
    rx: tokio::sync::mpsc::Receiver<Chunk>,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: bool,
    limit: Duration,
    _slot: Slot,
}

impl Stream for DeadlineStream {
    type Item = Chunk;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Chunk>> {
        if self.expired {
            return Poll::Ready(None);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.expired = true;
            let limit = self.limit.as_secs();
            tracing::info!(limit, "export cut at the request timeout");
            return Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the export took longer than {limit} s"),
            ))));
        }
        self.rx.poll_recv(cx)
    }
}

async fn start_export(
    reg: Shared,
    addr: SocketAddr,
    headers: &HeaderMap,
    job: ExportJob,
) -> Result<Body, ApiError> {
    let started = Instant::now();
    require(&reg, headers, Role::Auditor)?;
    let slot = reg.exports.acquire(addr.ip()).ok_or_else(|| {
        err(
            429,
            "too_many_exports",
            format!(
                "{} exports are already streaming to {}: wait for one to end",
                reg.exports.max(),
                addr.ip()
            ),
        )
    })?;
    // Validate the filter before streaming, so that a bad one gets a 400, not a broken body.
    let r2 = reg.clone();
    let mut probe = job.filter.clone();
    probe.limit = Some(1);
    blocking(move || Ok(r2.pool.with(|c| Ok(records::search(c, &probe)))??)).await?;
    let limit = reg.config.request_timeout;
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(16);
    tokio::task::spawn_blocking(move || produce(reg, job, tx));
    let deadline = tokio::time::Instant::from_std(started + limit);
    Ok(Body::from_stream(DeadlineStream {
        rx,
        deadline: Box::pin(tokio::time::sleep_until(deadline)),
        expired: false,
        limit,
        _slot: slot,
    }))
}

/// `GET /api/v1/export.csv` (auditor): the certificates matching the search filter as CSV,
/// streamed, one line per certificate after a header line.
pub async fn export_csv(
    State(reg): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let filter: Filter = parse_query(q.as_deref())?;
    let job = ExportJob {
        filter,
        with_envelope: false,
        header_line: Some(CSV_HEADER),
        line: |s, _| csv_line(&s),
    };
    let body = start_export(reg, addr, &headers, job).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"certificates.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct JsonlQuery {
    #[serde(flatten)]
    filter: Filter,
}

/// `GET /api/v1/export.jsonl` (auditor): the certificates matching the search filter as
/// JSON lines, streamed; `envelope=1` adds each envelope's text.
pub async fn export_jsonl(
    State(reg): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    // `envelope=1` adds the envelope text to each line.
    let raw = q.unwrap_or_default();
    let with_envelope = raw
        .split('&')
        .any(|p| p == "envelope=1" || p == "envelope=true");
    let rest = raw
        .split('&')
        .filter(|p| !p.starts_with("envelope="))
        .collect::<Vec<_>>()
        .join("&");
    let filter: Filter = parse_query::<JsonlQuery>(Some(&rest)).map(|j| j.filter)?;
    let job = ExportJob {
        filter,
        with_envelope,
        header_line: None,
        line: jsonl_line,
    };
    let body = start_export(reg, addr, &headers, job).await?;
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}
