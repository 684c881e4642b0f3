//! The HTTP server: JSON API under `/api/v1`, pages elsewhere. Every error of the API is a
//! JSON body `{error, message, field?}` with the status of the table in docs/registry.md.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::db::DbError;
use crate::registry::Registry;
use crate::store::{self, Filter, NewStationKey, QueryError, StationError};
use crate::submit::Rejection;

pub type Shared = Arc<Registry>;

/// An API error: status and `{error, message, field?}`.
#[derive(Debug)]
pub struct ApiError(pub Rejection);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, axum::Json(&self.0)).into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        ApiError(r)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        tracing::error!(error = %e, "database error");
        ApiError(Rejection::new(503, "database_unavailable", e.to_string()))
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::Filter(store::FilterError::Invalid { field, message }) => ApiError(
                Rejection::new(400, "invalid_query", format!("{field}: {message}")).field(field),
            ),
            QueryError::Db(d) => d.into(),
        }
    }
}

pub fn err(status: u16, code: &'static str, msg: impl Into<String>) -> ApiError {
    ApiError(Rejection::new(status, code, msg))
}

/// Runs blocking work (database) off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| err(500, "internal", e.to_string()))?
}

pub fn parse_query<T: for<'de> Deserialize<'de> + Default>(q: Option<&str>) -> Result<T, ApiError> {
    match q {
        None | Some("") => Ok(T::default()),
        Some(q) => serde_urlencoded::from_str(q)
            .map_err(|e| err(400, "invalid_query", format!("query string: {e}"))),
    }
}

pub fn router(reg: Shared) -> Router {
    let timeout = reg.config.request_timeout;
    Router::new()
        .route("/api/v1/certificates", post(submit).get(search))
        .route("/api/v1/certificates/{id}", get(certificate))
        .route("/api/v1/certificates/{id}/envelope", get(envelope))
        .route("/api/v1/certificates/{id}/receipt", get(receipt))
        .route("/api/v1/export.csv", get(export_csv))
        .route("/api/v1/export.jsonl", get(export_jsonl))
        .route("/api/v1/stations", get(list_stations).post(add_station))
        .route("/api/v1/stations/{key_id}/revoke", post(revoke_station))
        .route("/api/v1/journals/{workshop}/{station}", get(journal))
        .route("/api/v1/workshops", get(workshops))
        .route("/api/v1/workshops/{workshop}/stats", get(workshop_stats))
        .route("/api/v1/log/checkpoint", get(checkpoint))
        .route("/api/v1/log/checkpoints/{size}", get(checkpoint_at))
        .route("/api/v1/log/consistency", get(consistency))
        .route("/api/v1/log/key", get(log_key))
        .route("/api/v1/audit", get(last_audit).post(run_audit))
        .route("/api/v1/health", get(health))
        .route("/healthz", get(health))
        .merge(crate::pages::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(timeout, with_timeout))
        .layer(middleware::from_fn(security_headers))
        .with_state(reg)
}

async fn with_timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => err(
            408,
            "timeout",
            format!("the request took longer than {} s", limit.as_secs()),
        )
        .into_response(),
    }
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    r
}

async fn not_found(method: Method, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    if uri.path().starts_with("/api/") {
        let code = if method == Method::GET || method == Method::POST {
            404
        } else {
            405
        };
        return err(
            code,
            if code == 404 {
                "not_found"
            } else {
                "method_not_allowed"
            },
            format!("no endpoint {method} {}", uri.path()),
        )
        .into_response();
    }
    crate::pages::not_found_page(&headers, uri.query()).into_response()
}

// ---------------------------------------------------------------------------------------
// submission

/// Bytes read and discarded past the body limit before answering 413.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

fn too_large(max: usize) -> ApiError {
    err(
        413,
        "too_large",
        format!("the body is larger than the limit of {max} bytes"),
    )
}

async fn submit(
    State(reg): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "application/json" {
        return Err(err(
            415,
            "unsupported_media_type",
            format!("Content-Type must be application/json, not {ct:?}"),
        ));
    }
    let max = reg.config.max_body;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > (max + DRAIN_LIMIT) as u64) {
        // Far too large to read even to discard it: answer now (the client may see the
        // connection close before it has sent everything).
        return Err(too_large(max));
    }
    // Read up to the limit; past it, keep reading (discarding, up to DRAIN_LIMIT more) so
    // that the client, still sending, gets the 413 rather than a reset connection.
    let mut body = body;
    let mut buf = bytes::BytesMut::new();
    let mut seen: usize = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            err(
                400,
                "unreadable_body",
                format!("the body could not be read: {e}"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen <= max {
                buf.extend_from_slice(&data);
            } else if seen > max + DRAIN_LIMIT {
                break;
            }
        }
    }
    if seen > max {
        return Err(too_large(max));
    }
    let bytes = buf.freeze();
    let stored = reg.submit(&bytes).await?;
    let (status, body) = if stored.duplicate {
        (
            StatusCode::OK,
            json!({"receipt": stored.receipt, "duplicate": true}),
        )
    } else {
        (StatusCode::CREATED, json!({"receipt": stored.receipt}))
    };
    let mut resp = (status, axum::Json(body)).into_response();
    if let Ok(v) =
        HeaderValue::from_str(&format!("/api/v1/certificates/{}", stored.receipt.cert_id))
    {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

// ---------------------------------------------------------------------------------------
// reading

fn check_id(id: &str) -> Result<String, ApiError> {
    let id = id.trim_end_matches(".json").to_ascii_lowercase();
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(err(
            400,
            "invalid_id",
            "a certificate id is 64 hexadecimal digits",
        )
        .field_err("id"));
    }
    Ok(id)
}

trait FieldErr {
    fn field_err(self, f: &str) -> ApiError;
}
impl FieldErr for ApiError {
    fn field_err(self, f: &str) -> ApiError {
        ApiError(self.0.field(f))
    }
}

async fn search(State(reg): State<Shared>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let f: Filter = parse_query(q.as_deref())?;
    let page = blocking(move || Ok(reg.pool.with(|c| Ok(store::search(c, &f)))??)).await?;
    Ok(axum::Json(page).into_response())
}

async fn load(reg: &Shared, id: String) -> Result<store::Stored, ApiError> {
    let r = reg.clone();
    let idc = id.clone();
    blocking(move || Ok(r.pool.with(|c| store::get_certificate(c, &idc))?))
        .await?
        .ok_or_else(|| err(404, "not_found", format!("no certificate {id}")))
}

async fn certificate(
    State(reg): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = check_id(&id)?;
    let s = load(&reg, id.clone()).await?;
    let r2 = reg.clone();
    let (idx, rat) = (s.summary.log_index, s.received_at_unix);
    let idc = id.clone();
    let receipt = blocking(move || {
        r2.receipt_for(&idc, idx, rat)
            .map_err(|e| err(503, "unavailable", e))
    })
    .await?;
    let check = crate::pages::verification(&reg, &s, Some(&receipt));
    let payload: serde_json::Value = ardoise_cert::envelope::Envelope::parse(s.envelope.as_bytes())
        .ok()
        .and_then(|e| serde_json::from_slice(&e.payload).ok())
        .unwrap_or(serde_json::Value::Null);
    Ok(axum::Json(json!({
        "summary": s.summary,
        "envelope": s.envelope,
        "certificate": payload,
        "receipt": receipt,
        "verification": check,
    }))
    .into_response())
}

async fn envelope(State(reg): State<Shared>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = check_id(&id)?;
    let s = load(&reg, id.clone()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{id}.dsse.json\""),
            ),
        ],
        s.envelope,
    )
        .into_response())
}

async fn receipt(State(reg): State<Shared>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = check_id(&id)?;
    let s = load(&reg, id.clone()).await?;
    let (idx, rat) = (s.summary.log_index, s.received_at_unix);
    let idc = id.clone();
    let r = blocking(move || {
        reg.receipt_for(&idc, idx, rat)
            .map_err(|e| err(503, "unavailable", e))
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{id}.receipt.json\""),
            ),
        ],
        r.to_bytes(),
    )
        .into_response())
}

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

fn csv_line(s: &store::Summary) -> String {
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

/// Streams an export: a blocking producer fills a channel the response body drains.
fn stream_export(
    reg: Shared,
    f: Filter,
    with_envelope: bool,
    header_line: Option<&'static str>,
    line: fn(store::Summary, Option<String>) -> String,
) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(16);
    tokio::task::spawn_blocking(move || {
        if let Some(h) = header_line {
            let _ = tx.blocking_send(Ok(bytes::Bytes::from_static(h.as_bytes())));
        }
        let mut buf = String::new();
        let res = reg.pool.with(|c| {
            store::export(c, &f, with_envelope, |s, env| {
                buf.push_str(&line(s, env));
                if buf.len() > 64 * 1024 {
                    let chunk = std::mem::take(&mut buf);
                    return tx.blocking_send(Ok(bytes::Bytes::from(chunk))).is_ok();
                }
                true
            })
            .map_err(|e| match e {
                QueryError::Db(d) => d,
                QueryError::Filter(f) => DbError::Other(f.to_string()),
            })
        });
        match res {
            Ok(()) => {
                if !buf.is_empty() {
                    let _ = tx.blocking_send(Ok(bytes::Bytes::from(buf)));
                }
            }
            Err(e) => {
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        }
    });
    Body::from_stream(tokio_stream(rx))
}

fn tokio_stream(
    mut rx: tokio::sync::mpsc::Receiver<Result<bytes::Bytes, std::io::Error>>,
) -> impl futures_core_stream::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    futures_core_stream::from_fn(move |cx| rx.poll_recv(cx))
}

/// A minimal Stream adapter (avoids a dependency for one function).
mod futures_core_stream {
    pub use futures_core::Stream;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pub struct FromFn<F>(F);
    impl<T, F: FnMut(&mut Context<'_>) -> Poll<Option<T>> + Unpin> Stream for FromFn<F> {
        type Item = T;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
            (self.0)(cx)
        }
    }
    pub fn from_fn<T, F: FnMut(&mut Context<'_>) -> Poll<Option<T>> + Unpin>(f: F) -> FromFn<F> {
        FromFn(f)
    }
}

async fn export_csv(
    State(reg): State<Shared>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let f: Filter = parse_query(q.as_deref())?;
    // Validate the filter before streaming, so that a bad one gets a 400, not a broken body.
    let f2 = f.clone();
    let r2 = reg.clone();
    blocking(move || {
        let mut probe = f2;
        probe.limit = Some(1);
        Ok(r2.pool.with(|c| Ok(store::search(c, &probe)))??)
    })
    .await?;
    let body = stream_export(reg, f, false, Some(CSV_HEADER), |s, _| csv_line(&s));
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

async fn export_jsonl(
    State(reg): State<Shared>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    // `envelope=1` adds the envelope text to each line.
    let mut raw = q.unwrap_or_default();
    let with_envelope = raw
        .split('&')
        .any(|p| p == "envelope=1" || p == "envelope=true");
    raw = raw
        .split('&')
        .filter(|p| !p.starts_with("envelope="))
        .collect::<Vec<_>>()
        .join("&");
    let f: Filter = parse_query::<JsonlQuery>(Some(&raw)).map(|j| j.filter)?;
    let f2 = f.clone();
    let r2 = reg.clone();
    blocking(move || {
        let mut probe = f2;
        probe.limit = Some(1);
        Ok(r2.pool.with(|c| Ok(store::search(c, &probe)))??)
    })
    .await?;
    let body = stream_export(reg, f, with_envelope, None, |s, env| {
        let mut v = serde_json::to_value(&s).unwrap_or_default();
        if let (Some(e), Some(o)) = (env, v.as_object_mut()) {
            o.insert("envelope".into(), serde_json::Value::String(e));
        }
        let mut line = v.to_string();
        line.push('\n');
        line
    });
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct JournalQuery {
    around: Option<u64>,
    lang: Option<String>,
}

async fn journal(
    State(reg): State<Shared>,
    Path((workshop, station)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let jq: JournalQuery = parse_query(q.as_deref())?;
    let _ = jq.lang;
    let j = blocking(move || {
        Ok(reg
            .pool
            .with(|c| store::journal(c, &workshop, &station, jq.around, 50))?)
    })
    .await?;
    Ok(axum::Json(j).into_response())
}

async fn workshops(State(reg): State<Shared>) -> Result<Response, ApiError> {
    let w = blocking(move || Ok(reg.pool.with(store::workshops)?)).await?;
    let list: Vec<_> = w
        .into_iter()
        .map(|(w, n)| json!({"workshop": w, "certificates": n}))
        .collect();
    Ok(axum::Json(list).into_response())
}

async fn workshop_stats(
    State(reg): State<Shared>,
    Path(w): Path<String>,
) -> Result<Response, ApiError> {
    let s = blocking(move || Ok(reg.pool.with(|c| store::workshop_stats(c, &w))?)).await?;
    Ok(axum::Json(s).into_response())
}

// ---------------------------------------------------------------------------------------
// log

async fn checkpoint(State(reg): State<Shared>) -> Result<Response, ApiError> {
    let note = reg
        .log
        .read()
        .expect("log lock")
        .checkpoint
        .as_ref()
        .map(|c| c.note.clone())
        .ok_or_else(|| err(503, "unavailable", "no checkpoint yet"))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response())
}

async fn checkpoint_at(
    State(reg): State<Shared>,
    Path(size): Path<u64>,
) -> Result<Response, ApiError> {
    let cp = blocking(move || Ok(reg.pool.with(|c| store::checkpoint_at(c, size))?))
        .await?
        .ok_or_else(|| {
            err(
                404,
                "not_found",
                format!("the registry signed no checkpoint of size {size}"),
            )
        })?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        cp.note,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    from: Option<u64>,
    to: Option<u64>,
}

async fn consistency(
    State(reg): State<Shared>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let cq: ConsistencyQuery = parse_query(q.as_deref())?;
    let from = cq.from.ok_or_else(|| {
        err(
            400,
            "invalid_query",
            "from (the tree size you hold) is required",
        )
        .field_err("from")
    })?;
    let view = reg.log.read().expect("log lock");
    let latest = view
        .checkpoint
        .as_ref()
        .ok_or_else(|| err(503, "unavailable", "no checkpoint yet"))?;
    let to = cq.to.unwrap_or(latest.size);
    if to > latest.size {
        return Err(err(
            400,
            "invalid_query",
            format!("to: the latest signed size is {}", latest.size),
        )
        .field_err("to"));
    }
    let proof = view
        .tree
        .consistency_proof(from, to)
        .map_err(|e| err(400, "invalid_query", e.to_string()).field_err("from"))?;
    Ok(axum::Json(json!({
        "from": from,
        "to": to,
        "proof": proof.iter().map(hex::encode).collect::<Vec<_>>(),
        "checkpoint": if to == latest.size { Some(latest.note.clone()) } else { None },
    }))
    .into_response())
}

async fn log_key(State(reg): State<Shared>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", reg.verifier.to_vkey()),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------
// admin

fn require_admin(reg: &Registry, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = &reg.config.admin_token else {
        return Err(err(403, "admin_disabled", "the admin API is disabled: start the registry with --admin-token-file or ARDOISE_REGISTRY_ADMIN_TOKEN"));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            err(
                401,
                "unauthorized",
                "an admin token is required (Authorization: Bearer …)",
            )
        })?;
    // Compare digests: constant time with respect to the token's content.
    if blake3::hash(given.trim().as_bytes()) != blake3::hash(token.as_bytes()) {
        return Err(err(401, "unauthorized", "wrong admin token"));
    }
    Ok(())
}

fn station_error(e: StationError) -> ApiError {
    match e {
        StationError::Invalid { field, message } => ApiError(
            Rejection::new(422, "invalid_station_key", format!("{field}: {message}")).field(field),
        ),
        StationError::Exists(_) => err(409, "key_exists", e.to_string()),
        StationError::NotFound(_) => err(404, "not_found", e.to_string()),
        StationError::AlreadyRevoked(_) => err(409, "already_revoked", e.to_string()),
        StationError::Db(d) => d.into(),
    }
}

async fn read_json<T: for<'de> Deserialize<'de>>(
    headers: &HeaderMap,
    body: Body,
) -> Result<T, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.to_ascii_lowercase().starts_with("application/json") {
        return Err(err(
            415,
            "unsupported_media_type",
            "Content-Type must be application/json",
        ));
    }
    let bytes = http_body_util::Limited::new(body, 64 * 1024)
        .collect()
        .await
        .map_err(|_| err(413, "too_large", "admin requests are limited to 64 KiB"))?
        .to_bytes();
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error_lite(&mut de)
}

fn serde_path_to_error_lite<'de, T: Deserialize<'de>>(
    de: &mut serde_json::Deserializer<serde_json::de::SliceRead<'de>>,
) -> Result<T, ApiError> {
    let v = T::deserialize(&mut *de).map_err(|e| {
        let code = if e.is_syntax() || e.is_eof() {
            "malformed_json"
        } else {
            "invalid_request"
        };
        err(400, code, e.to_string())
    })?;
    de.end()
        .map_err(|e| err(400, "malformed_json", e.to_string()))?;
    Ok(v)
}

async fn list_stations(
    State(reg): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_admin(&reg, &headers)?;
    let keys = blocking(move || Ok(reg.pool.with(store::list_station_keys)?)).await?;
    Ok(axum::Json(keys).into_response())
}

async fn add_station(
    State(reg): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require_admin(&reg, &headers)?;
    let new: NewStationKey = read_json(&headers, body).await?;
    let r2 = reg.clone();
    let rec = blocking(move || {
        r2.pool
            .with(|c| Ok(store::add_station_key(c, &new, OffsetDateTime::now_utc())))?
            .map_err(station_error)
    })
    .await?;
    let r3 = reg.clone();
    blocking(move || Ok(r3.refresh_keys()?)).await?;
    Ok((StatusCode::CREATED, axum::Json(rec)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeRequest {
    reason: String,
    #[serde(default)]
    revoked_at: Option<String>,
}

async fn revoke_station(
    State(reg): State<Shared>,
    Path(key_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require_admin(&reg, &headers)?;
    let req: RevokeRequest = read_json(&headers, body).await?;
    let now = OffsetDateTime::now_utc();
    let at = match &req.revoked_at {
        Some(s) => store::parse_rfc3339(s)
            .map_err(|e| ApiError(Rejection::new(422, "invalid_request", e).field("revoked_at")))?,
        None => now,
    };
    let r2 = reg.clone();
    let k2 = key_id.clone();
    blocking(move || {
        r2.pool
            .with(|c| Ok(store::revoke_station_key(c, &k2, at, &req.reason, now)))?
            .map_err(station_error)
    })
    .await?;
    let r3 = reg.clone();
    blocking(move || Ok(r3.refresh_keys()?)).await?;
    Ok(axum::Json(json!({"key_id": key_id, "revoked_at": store::rfc3339(at)})).into_response())
}

async fn last_audit(State(reg): State<Shared>) -> Result<Response, ApiError> {
    let a = reg.last_audit.lock().expect("lock").clone();
    match a {
        Some(a) => Ok(axum::Json(a).into_response()),
        None => Err(err(
            404,
            "not_found",
            "no audit has run since the registry started",
        )),
    }
}

async fn run_audit(State(reg): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    require_admin(&reg, &headers)?;
    let report = crate::run_audit(reg).await?;
    let status = if report.ok {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    Ok((status, axum::Json(report)).into_response())
}

async fn health(State(reg): State<Shared>) -> Response {
    let (size, cp) = {
        let v = reg.log.read().expect("log lock");
        (v.tree.size(), v.checkpoint.as_ref().map(|c| c.size))
    };
    let integrity = reg.integrity.read().expect("lock").clone();
    let r2 = reg.clone();
    let db_ok = blocking(move || Ok(r2.pool.with(|c| c.query_one("SELECT 1", &[]))?))
        .await
        .is_ok();
    let ok = db_ok && integrity.is_none();
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(json!({
            "status": if ok { "ok" } else { "degraded" },
            "database": if db_ok { "ok" } else { "unreachable" },
            "log_size": size,
            "checkpoint_size": cp,
            "log_integrity": integrity.unwrap_or_else(|| "ok".into()),
            "origin": reg.origin,
            "version": env!("CARGO_PKG_VERSION"),
        })),
    )
        .into_response()
}
