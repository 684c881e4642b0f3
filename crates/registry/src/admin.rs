//! The admin API: station keys and access tokens (admin role), see docs/registry.md §3.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::auth::{self, Role};
use crate::handler::{blocking, err, require, ApiError, Shared};
use crate::records::{self, NewStationKey, StationError};
use crate::submit::Rejection;

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

/// `GET /api/v1/stations` (admin): every station key, revoked ones included, as JSON.
pub async fn list_stations(
    State(reg): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require(&reg, &headers, Role::Admin)?;
    let keys = blocking(move || Ok(reg.pool.with(records::list_station_keys)?)).await?;
    Ok(axum::Json(keys).into_response())
}

/// `POST /api/v1/stations` (admin): registers a station key; 201 with the stored record,
/// and the running key set is reloaded at once.
pub async fn add_station(
    State(reg): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require(&reg, &headers, Role::Admin)?;
    let new: NewStationKey = read_json(&headers, body).await?;
    let r2 = reg.clone();
    let rec = blocking(move || {
        r2.pool
            .with(|c| Ok(records::add_station_key(c, &new, OffsetDateTime::now_utc())))?
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

/// `POST /api/v1/stations/{key_id}/revoke` (admin): revokes a key from `revoked_at`
/// (default now); returns the key id and the revocation time.
pub async fn revoke_station(
    State(reg): State<Shared>,
    Path(key_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require(&reg, &headers, Role::Admin)?;
    let req: RevokeRequest = read_json(&headers, body).await?;
    let now = OffsetDateTime::now_utc();
    let at = match &req.revoked_at {
        Some(s) => records::parse_rfc3339(s).map_err(|e| {
            ApiError(Rejection::new(422, "invalid_request", e.to_string()).field("revoked_at"))
        })?,
        None => now,
    };
    let r2 = reg.clone();
    let k2 = key_id.clone();
    blocking(move || {
        r2.pool
            .with(|c| Ok(records::revoke_station_key(c, &k2, at, &req.reason, now)))?
            .map_err(station_error)
    })
    .await?;
    let r3 = reg.clone();
    blocking(move || Ok(r3.refresh_keys()?)).await?;
    Ok(axum::Json(json!({"key_id": key_id, "revoked_at": records::rfc3339(at)})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    role: String,
    #[serde(default)]
    comment: Option<String>,
}

/// `POST /api/v1/tokens {role, comment?}` → 201 `{token, token_id, role, …}`: the token is
/// shown this once (only its blake3 is stored).
pub async fn issue_token(
    State(reg): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require(&reg, &headers, Role::Admin)?;
    let new: NewToken = read_json(&headers, body).await?;
    let role = Role::parse(&new.role).ok_or_else(|| {
        ApiError(
            Rejection::new(422, "invalid_request", "role: expected auditor or admin").field("role"),
        )
    })?;
    if let Some(c) = &new.comment {
        if let Some(problem) = ardoise_cert::text::check(c, ardoise_cert::text::NAME) {
            return Err(ApiError(
                Rejection::new(422, "invalid_request", format!("comment {problem}"))
                    .field("comment"),
            ));
        }
    }
    let r2 = reg.clone();
    let (rec, token) = blocking(move || {
        Ok(r2
            .pool
            .with(|c| auth::issue(c, role, new.comment, OffsetDateTime::now_utc()))?)
    })
    .await?;
    let r3 = reg.clone();
    blocking(move || Ok(r3.refresh_keys()?)).await?;
    let mut v = serde_json::to_value(&rec).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("token".into(), json!(token));
    }
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

/// `GET /api/v1/tokens`: the tokens issued (ids, roles, dates; never the tokens).
pub async fn list_tokens(
    State(reg): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require(&reg, &headers, Role::Admin)?;
    let list = blocking(move || Ok(reg.pool.with(auth::list)?)).await?;
    Ok(axum::Json(list).into_response())
}

/// `POST /api/v1/tokens/{token_id}/revoke`.
pub async fn revoke_token(
    State(reg): State<Shared>,
    Path(token_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require(&reg, &headers, Role::Admin)?;
    let r2 = reg.clone();
    let id2 = token_id.clone();
    let done = blocking(move || {
        Ok(r2
            .pool
            .with(|c| auth::revoke(c, &id2, OffsetDateTime::now_utc()))?)
    })
    .await?;
    if !done {
        return Err(err(404, "not_found", format!("no live token {token_id}")));
    }
    let r3 = reg.clone();
    blocking(move || Ok(r3.refresh_keys()?)).await?;
    Ok(axum::Json(json!({"token_id": token_id, "revoked": true})).into_response())
}
