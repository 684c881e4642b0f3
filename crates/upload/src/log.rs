//! The registry's log, seen from a station or an auditor: its latest signed checkpoint and
//! consistency proofs (`GET /api/v1/log/checkpoint`, `GET /api/v1/log/consistency`), checked
//! against the largest checkpoint verified before ([`ardoise_cert::logstate`]).

use std::path::{Path, PathBuf};

use ardoise_cert::logstate::{self, Comparison, LogStateError, ProofError};
use ardoise_cert::merkle::Hash;
use ardoise_cert::note::{Checkpoint, NoteVerifier};
use serde::Deserialize;

use crate::options::{build_client, UploadOptions};
use crate::UploadError;

/// Directory of the data partition holding the log state and, after a failed check, the alarm.
pub const LOG_STATE_DIR: &str = "registry";
/// File whose presence stops every upload: the evidence that the registry's log misbehaved.
pub const LOG_ALARM_FILE: &str = "registry/log-alarm.txt";

/// Where a station keeps the largest checkpoint it verified of the log signed by `key`: one
/// file per registry key, so that a station moved to another registry starts afresh.
pub fn checkpoint_state_path(data_dir: &Path, key: &NoteVerifier) -> PathBuf {
    data_dir
        .join(LOG_STATE_DIR)
        .join(format!("{}.checkpoint", hex::encode(key.id)))
}

fn base(url: &str) -> Result<&str, UploadError> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(UploadError::BadUrl(url.into()));
    }
    Ok(url.trim_end_matches('/'))
}

/// A 200 answer's text; a 4xx is the registry refusing ([`ProofError::Refused`]), anything
/// else a failure to ask.
fn get_text(client: &reqwest::blocking::Client, url: &str) -> Result<String, ProofError> {
    let resp = client
        .get(url)
        .send()
        .map_err(|e| ProofError::Unavailable(e.to_string()))?;
    let status = resp.status().as_u16();
    let body =
        crate::body::read_bounded(resp, crate::body::MAX_SMALL_ANSWER).map_err(|e| match e {
            crate::body::BodyError::TooLarge(_) => ProofError::Refused(format!("{url}: {e}")),
            crate::body::BodyError::Read(_) => ProofError::Unavailable(format!("{url}: {e}")),
        })?;
    let text = String::from_utf8_lossy(&body).into_owned();
    let short = || -> String { text.chars().filter(|c| !c.is_control()).take(200).collect() };
    match status {
        200 => Ok(text),
        400..=499 if status != 408 && status != 429 => Err(ProofError::Refused(format!(
            "{url}: HTTP {status} {}",
            short()
        ))),
        _ => Err(ProofError::Unavailable(format!(
            "{url}: HTTP {status} {}",
            short()
        ))),
    }
}

fn describe(e: ProofError) -> String {
    match e {
        ProofError::Unavailable(s) | ProofError::Refused(s) => s,
    }
}

/// The registry's latest signed checkpoint (not yet verified).
pub fn fetch_checkpoint(
    client: &reqwest::blocking::Client,
    registry_url: &str,
) -> Result<String, String> {
    let url = format!(
        "{}/api/v1/log/checkpoint",
        base(registry_url).map_err(|e| e.to_string())?
    );
    get_text(client, &url).map_err(describe)
}

#[derive(Deserialize)]
struct ConsistencyAnswer {
    from: u64,
    to: u64,
    proof: Vec<String>,
}

/// A consistency proof between two tree sizes, as hashes.
pub fn fetch_consistency(
    client: &reqwest::blocking::Client,
    registry_url: &str,
    from: u64,
    to: u64,
) -> Result<Vec<Hash>, ProofError> {
    let url = format!(
        "{}/api/v1/log/consistency?from={from}&to={to}",
        base(registry_url).map_err(|e| ProofError::Unavailable(e.to_string()))?
    );
    let text = get_text(client, &url)?;
    let refused = ProofError::Refused;
    let a: ConsistencyAnswer = serde_json::from_str(&text)
        .map_err(|e| refused(format!("{url}: unreadable answer: {e}")))?;
    if (a.from, a.to) != (from, to) {
        return Err(refused(format!(
            "{url}: answered for sizes {}..{} instead",
            a.from, a.to
        )));
    }
    a.proof
        .iter()
        .map(|h| {
            hex::decode(h)
                .ok()
                .and_then(|v| <Hash>::try_from(v).ok())
                .ok_or_else(|| refused(format!("{url}: proof hash {h:?} is not 32 bytes of hex")))
        })
        .collect()
}

/// Checks `checkpoint_note` (signed by `key`) against the state at `state`, fetching the
/// consistency proof it needs from the registry, and keeps it when it is the largest.
pub fn check_against_state(
    client: &reqwest::blocking::Client,
    registry_url: &str,
    key: &NoteVerifier,
    state: &Path,
    checkpoint_note: &str,
) -> Result<(Comparison, Checkpoint), LogStateError> {
    logstate::advance(state, key, checkpoint_note, &mut |from, to| {
        fetch_consistency(client, registry_url, from, to)
    })
}

/// What `ardoise log check` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCheck {
    /// How the latest checkpoint compares with the one kept from before.
    pub comparison: Comparison,
    /// The registry's latest checkpoint, signature verified.
    pub checkpoint: Checkpoint,
}

/// An HTTP client for the log endpoints (auditors' tools).
pub fn client(timeout: std::time::Duration) -> Result<reqwest::blocking::Client, UploadError> {
    build_client(&UploadOptions {
        timeout,
        ..Default::default()
    })
}

/// Why a log check did not pass.
#[derive(Debug, thiserror::Error)]
pub enum LogCheckError {
    /// The HTTP client could not be built.
    #[error(transparent)]
    Upload(#[from] UploadError),
    /// The latest checkpoint could not be fetched or read.
    #[error("latest checkpoint: {0}")]
    Fetch(String),
    /// The checkpoint's signature, its consistency proof or the kept state failed.
    #[error(transparent)]
    State(#[from] LogStateError),
}

/// Fetches the registry's latest checkpoint, verifies its signature and its consistency with
/// the state file, and keeps it there (an auditor's `ardoise log check`).
pub fn check_log(
    registry_url: &str,
    key: &NoteVerifier,
    state: &Path,
    options: &UploadOptions,
) -> Result<LogCheck, LogCheckError> {
    base(registry_url)?;
    let client = build_client(options)?;
    let note = fetch_checkpoint(&client, registry_url).map_err(LogCheckError::Fetch)?;
    let (comparison, checkpoint) = check_against_state(&client, registry_url, key, state, &note)?;
    Ok(LogCheck {
        comparison,
        checkpoint,
    })
}
