//! The HTTP server: JSON API under `/api/v1`, pages elsewhere. Every error of the API is a
//! JSON body `{error, message, field?}` with the status of the table in docs/registry.md.

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

use crate::auth::Role;
use crate::handler::{blocking, err, parse_query, require, ApiError, Shared};
use crate::records::{self, Filter};

/// The whole HTTP application: the API under `/api/v1`, the pages and the health checks,
/// each request bounded by the configured request timeout, with security headers.
pub fn router(reg: Shared) -> Router {
    let timeout = reg.config.request_timeout;
    Router::new()
        .route("/api/v1/certificates", post(submit).get(search))
        .route("/api/v1/certificates/{id}", get(certificate))
        .route("/api/v1/certificates/{id}/envelope", get(envelope))
        .route("/api/v1/certificates/{id}/receipt", get(receipt))
        .route("/api/v1/export.csv", get(crate::export::export_csv))
        .route("/api/v1/export.jsonl", get(crate::export::export_jsonl))
        .route(
            "/api/v1/stations",
            get(crate::admin::list_stations).post(crate::admin::add_station),
        )
        .route(
            "/api/v1/stations/{key_id}/revoke",
            post(crate::admin::revoke_station),
        )
        .route(
            "/api/v1/tokens",
            get(crate::admin::list_tokens).post(crate::admin::issue_token),
        )
        .route(
            "/api/v1/tokens/{token_id}/revoke",
            post(crate::admin::revoke_token),
        )
        .route("/api/v1/journals/{workshop}/{station}", get(journal))
        .route("/api/v1/workshops", get(workshops))
        .route("/api/v1/workshops/{workshop}/stats", get(workshop_stats))
        .route("/api/v1/log/checkpoint", get(checkpoint))
        .route("/api/v1/log/checkpoints/{size}", get(checkpoint_at))
        .route("/api/v1/log/consistency", get(consistency))
        .route("/api/v1/log/key", get(log_key))
        .route("/api/v1/audit", get(last_audit).post(run_audit))
        .route(
            "/api/v1/heartbeats",
            post(crate::heartbeats::post_heartbeat),
        )
        .route(
            "/api/v1/atelier/{workshop}",
            get(crate::heartbeats::get_atelier),
        )
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

async fn search(
    State(reg): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    require(&reg, &headers, Role::Auditor)?;
    let f: Filter = parse_query(q.as_deref())?;
    let page = blocking(move || Ok(reg.pool.with(|c| Ok(records::search(c, &f)))??)).await?;
    Ok(axum::Json(page).into_response())
}

async fn load(reg: &Shared, id: String) -> Result<records::Stored, ApiError> {
    let r = reg.clone();
    let idc = id.clone();
    blocking(move || Ok(r.pool.with(|c| records::get_certificate(c, &idc))?))
        .await?
        .ok_or_else(|| err(404, "not_found", format!("no certificate {id}")))
}

async fn certificate(
    State(reg): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    require(&reg, &headers, Role::Auditor)?;
    let id = check_id(&id)?;
    let s = load(&reg, id.clone()).await?;
    let r2 = reg.clone();
    let s2 = s.clone();
    let receipt = blocking(move || Ok(r2.receipt_for(&s2)?)).await?;
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

async fn envelope(
    State(reg): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    // The envelope carries the whole signed payload, personal fields included.
    require(&reg, &headers, Role::Auditor)?;
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
    let r = blocking(move || Ok(reg.receipt_for(&s)?)).await?;
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

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct JournalQuery {
    around: Option<u64>,
    lang: Option<String>,
}

async fn journal(
    State(reg): State<Shared>,
    headers: HeaderMap,
    Path((workshop, station)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    require(&reg, &headers, Role::Auditor)?;
    let jq: JournalQuery = parse_query(q.as_deref())?;
    let _ = jq.lang;
    let j = blocking(move || {
        Ok(reg
            .pool
            .with(|c| records::journal(c, &workshop, &station, jq.around, 50))?)
    })
    .await?;
    Ok(axum::Json(j).into_response())
}

async fn workshops(State(reg): State<Shared>) -> Result<Response, ApiError> {
    let w = blocking(move || Ok(reg.pool.with(records::workshops)?)).await?;
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
    let s = blocking(move || Ok(reg.pool.with(|c| records::workshop_stats(c, &w))?)).await?;
    Ok(axum::Json(s).into_response())
}

// ---------------------------------------------------------------------------------------
// log

async fn checkpoint(State(reg): State<Shared>) -> Result<Response, ApiError> {
    let note = {
        let view = reg.log.read().expect("log lock");
        view.checkpoint
            .as_ref()
            .map(|c| view.cosigned_note(c))
            .ok_or_else(|| err(503, "unavailable", "no checkpoint yet"))?
    };
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response())
}

async fn checkpoint_at(
    State(reg): State<Shared>,
    Path(size): Path<u64>,
) -> Result<Response, ApiError> {
    let found = blocking(move || {
        Ok(reg.pool.with(|c| {
            let Some(cp) = records::checkpoint_at(c, size)? else {
                return Ok(None);
            };
            let lines = crate::cosigner::cosignatures_at(c, size)?;
            Ok(Some(ardoise_cert::cosign::with_cosignatures(
                &cp.note, &lines,
            )))
        })?)
    })
    .await?;
    let note = found.ok_or_else(|| {
        err(
            404,
            "not_found",
            format!("the registry signed no checkpoint of size {size}"),
        )
    })?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response())
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
    require(&reg, &headers, Role::Admin)?;
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
            // Public so that an auditor can see the quality-control minimum in force.
            "qc_min_rate_ppm": reg.config.qc_min_rate_ppm,
            "version": env!("CARGO_PKG_VERSION"),
        })),
    )
        .into_response()
}
