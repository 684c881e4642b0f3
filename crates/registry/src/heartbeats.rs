//! The live board's endpoints: `POST /api/v1/heartbeats` (a station's signed progress, judged
//! by [`crate::live::check_heartbeat`]) and `GET /api/v1/atelier/{workshop}` (the board as
//! JSON). The board itself ([`crate::live::LiveBoard`]) is part of the registry's state.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use crate::handler::{err, ApiError, Shared};
use crate::live::check_heartbeat;

/// `POST /api/v1/heartbeats`: 200 `{kept}`; refusals like a submission's (docs/registry.md).
pub async fn post_heartbeat(
    State(reg): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct
        .trim()
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return Err(err(
            415,
            "unsupported_media_type",
            format!("Content-Type must be application/json, not {ct:?}"),
        ));
    }
    let now = OffsetDateTime::now_utc();
    let hb = reg
        .judge_with_fresh_keys(|trust| check_heartbeat(&body, trust, now))
        .await?;
    let kept = reg.live.record(hb, now);
    Ok((
        StatusCode::OK,
        axum::Json(serde_json::json!({"kept": kept, "silent_after_seconds": reg.config.live_silent_after.as_secs()})),
    )
        .into_response())
}

/// `GET /api/v1/atelier/{workshop}`: the workshop's stations and their last heartbeats.
pub async fn get_atelier(State(reg): State<Shared>, Path(w): Path<String>) -> Response {
    let board = reg
        .live
        .workshop(&w, OffsetDateTime::now_utc(), reg.config.live_silent_after);
    axum::Json(board).into_response()
}
