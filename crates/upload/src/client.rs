//! One upload pass over the outbox.

use std::path::Path;
use std::time::Duration;

use ardoise_cert::note::NoteVerifier;
use ardoise_cert::receipt::{self, Receipt};
use ardoise_cert::store::{DataDir, OutboxEntry, Rejection};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::{UploadError, SUBMIT_PATH};

/// How to upload.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// Whole-request timeout (connect, send, wait for the answer).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Attempts per certificate in one pass before leaving it for the next pass.
    pub max_attempts: u32,
    /// First backoff delay; doubles at each attempt up to `backoff_max`, with jitter.
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// The registry's checkpoint key: when given, receipts are fully verified before they
    /// are stored; otherwise only their structure (cert id, leaf hash, inclusion proof).
    pub registry_key: Option<NoteVerifier>,
    /// Also resubmit certificates the registry rejected before.
    pub retry_rejected: bool,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_attempts: 5,
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(60),
            registry_key: None,
            retry_rejected: false,
        }
    }
}

/// Progress of an upload pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadEvent {
    /// A pass starts with this many certificates to send.
    PassStarted { pending: usize },
    /// Stored by the registry (or already known to it); receipt written.
    Uploaded { cert_id: String, duplicate: bool },
    /// Refused for good; kept in the outbox, marked rejected.
    Rejected {
        cert_id: String,
        status: u16,
        error: String,
        message: String,
    },
    /// A transient failure; the next attempt comes after `delay`.
    Retrying {
        cert_id: String,
        attempt: u32,
        delay: Duration,
        error: String,
    },
    /// Still failing after `max_attempts`; left for a later pass.
    GaveUp { cert_id: String, error: String },
    /// The pass is over.
    PassFinished {
        uploaded: usize,
        pending: usize,
        rejected: usize,
    },
    /// The data directory could not be read or written.
    StoreError { message: String },
    /// The background uploader stopped.
    Stopped,
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadSummary {
    /// Newly stored by the registry.
    pub uploaded: Vec<String>,
    /// Already known to the registry (receipt stored all the same).
    pub duplicates: Vec<String>,
    /// Rejected in this pass (cert id, reason).
    pub rejected: Vec<(String, String)>,
    /// Still failing after the pass (cert id, last error).
    pub failed: Vec<(String, String)>,
    /// Rejected earlier and not retried.
    pub previously_rejected: usize,
    /// Entries left in the outbox after the pass (pending and rejected).
    pub remaining: usize,
}

impl UploadSummary {
    /// True when nothing is left to send (rejected ones aside).
    pub fn all_sent(&self) -> bool {
        self.failed.is_empty()
    }
}

/// The outcome of one HTTP attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Stored {
        receipt: Box<Receipt>,
        duplicate: bool,
    },
    Rejected(Rejection),
    Transient(String),
}

#[derive(Deserialize)]
struct SubmitResponse {
    receipt: Receipt,
    #[serde(default)]
    duplicate: bool,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    field: Option<String>,
}

pub(crate) fn build_client(
    options: &UploadOptions,
) -> Result<reqwest::blocking::Client, UploadError> {
    reqwest::blocking::Client::builder()
        .timeout(options.timeout)
        .connect_timeout(options.connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ardoise/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| UploadError::Client(e.to_string()))
}

fn submit_url(registry_url: &str) -> Result<String, UploadError> {
    if !(registry_url.starts_with("http://") || registry_url.starts_with("https://")) {
        return Err(UploadError::BadUrl(registry_url.into()));
    }
    Ok(format!(
        "{}{SUBMIT_PATH}",
        registry_url.trim_end_matches('/')
    ))
}

/// Describes a transport error without the URL noise.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut msg = format!("{kind}: {e}");
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    msg
}

/// Sends one envelope and classifies the answer; a receipt is checked before it counts.
pub(crate) fn attempt(
    client: &reqwest::blocking::Client,
    url: &str,
    envelope: &[u8],
    options: &UploadOptions,
) -> Attempt {
    let resp = match client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json")
        .body(envelope.to_vec())
        .send()
    {
        Ok(r) => r,
        Err(e) => return Attempt::Transient(describe(&e)),
    };
    let status = resp.status().as_u16();
    let body = match resp.bytes() {
        Ok(b) => b,
        Err(e) => return Attempt::Transient(format!("HTTP {status}, body: {}", describe(&e))),
    };
    match status {
        200 | 201 => {
            let parsed: SubmitResponse = match serde_json::from_slice(&body) {
                Ok(p) => p,
                Err(e) => {
                    return Attempt::Transient(format!(
                        "HTTP {status} with an unreadable body: {e}"
                    ))
                }
            };
            let checked = match &options.registry_key {
                Some(key) => receipt::verify_receipt(envelope, &parsed.receipt, key),
                None => receipt::check_receipt_structure(envelope, &parsed.receipt),
            };
            match checked {
                Ok(_) => Attempt::Stored {
                    receipt: Box::new(parsed.receipt),
                    duplicate: parsed.duplicate || status == 200,
                },
                Err(e) => Attempt::Transient(format!("registry returned an invalid receipt: {e}")),
            }
        }
        408 | 429 => Attempt::Transient(format!("HTTP {status}")),
        400..=499 => {
            let (error, message, field) = match serde_json::from_slice::<ErrorBody>(&body) {
                Ok(b) => (b.error, b.message, b.field),
                Err(_) => (
                    format!("http_{status}"),
                    String::from_utf8_lossy(&body).chars().take(500).collect(),
                    None,
                ),
            };
            Attempt::Rejected(Rejection {
                at: OffsetDateTime::now_utc()
                    .replace_nanosecond(0)
                    .expect("0 ns"),
                status,
                error,
                message,
                field,
            })
        }
        _ => Attempt::Transient(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&body)
                .chars()
                .take(200)
                .collect::<String>()
        )),
    }
}

/// Backoff before attempt `n + 1` (n ≥ 1): half of min(max, initial × 2^(n−1)) plus a random
/// part up to the other half, so that stations coming back online do not retry in step.
pub(crate) fn backoff(options: &UploadOptions, n: u32) -> Duration {
    let base = options
        .backoff_initial
        .saturating_mul(1u32 << (n - 1).min(20))
        .min(options.backoff_max);
    let half = base / 2;
    let mut r = [0u8; 4];
    let jitter = match getrandom::getrandom(&mut r) {
        Ok(()) => half.mul_f64(u32::from_le_bytes(r) as f64 / u32::MAX as f64),
        Err(_) => half / 2,
    };
    half + jitter
}

/// One pass over the outbox, reporting each step to `on_event`. `sleep` waits for a backoff
/// and returns `false` when the pass must stop early (background uploader shutting down).
pub fn upload_pass(
    data_dir: &Path,
    registry_url: &str,
    options: &UploadOptions,
    on_event: &mut dyn FnMut(UploadEvent),
    sleep: &mut dyn FnMut(Duration) -> bool,
) -> Result<UploadSummary, UploadError> {
    let url = submit_url(registry_url)?;
    let dd = DataDir::open(data_dir)?;
    let client = build_client(options)?;
    let entries = dd.outbox()?;
    let mut summary = UploadSummary::default();
    let todo: Vec<OutboxEntry> = entries
        .into_iter()
        .filter(|e| {
            if e.rejected.is_some() && !options.retry_rejected {
                summary.previously_rejected += 1;
                false
            } else {
                true
            }
        })
        .collect();
    on_event(UploadEvent::PassStarted {
        pending: todo.len(),
    });

    'entries: for mut entry in todo {
        let id = entry.cert_id.clone();
        let envelope = dd.read_envelope(&id)?;
        let mut n = 0;
        loop {
            n += 1;
            entry.attempts += 1;
            entry.last_attempt_at = Some(
                OffsetDateTime::now_utc()
                    .replace_nanosecond(0)
                    .expect("0 ns"),
            );
            match attempt(&client, &url, &envelope, options) {
                Attempt::Stored { receipt, duplicate } => {
                    dd.complete_upload(&id, &receipt)?;
                    if duplicate {
                        summary.duplicates.push(id.clone());
                    } else {
                        summary.uploaded.push(id.clone());
                    }
                    on_event(UploadEvent::Uploaded {
                        cert_id: id,
                        duplicate,
                    });
                    continue 'entries;
                }
                Attempt::Rejected(r) => {
                    tracing::warn!(cert_id = %id, status = r.status, error = %r.error, "registry rejected certificate");
                    entry.last_error =
                        Some(format!("HTTP {} {}: {}", r.status, r.error, r.message));
                    summary
                        .rejected
                        .push((id.clone(), format!("{}: {}", r.error, r.message)));
                    on_event(UploadEvent::Rejected {
                        cert_id: id,
                        status: r.status,
                        error: r.error.clone(),
                        message: r.message.clone(),
                    });
                    entry.rejected = Some(r);
                    dd.write_outbox_entry(&entry)?;
                    continue 'entries;
                }
                Attempt::Transient(err) => {
                    tracing::info!(cert_id = %id, attempt = n, error = %err, "upload attempt failed");
                    entry.last_error = Some(err.clone());
                    dd.write_outbox_entry(&entry)?;
                    if n >= options.max_attempts {
                        summary.failed.push((id.clone(), err.clone()));
                        on_event(UploadEvent::GaveUp {
                            cert_id: id,
                            error: err,
                        });
                        continue 'entries;
                    }
                    let delay = backoff(options, n);
                    on_event(UploadEvent::Retrying {
                        cert_id: id.clone(),
                        attempt: n,
                        delay,
                        error: err.clone(),
                    });
                    if !sleep(delay) {
                        summary.failed.push((id, err));
                        break 'entries;
                    }
                }
            }
        }
    }
    let left = dd.outbox()?;
    summary.remaining = left.len();
    on_event(UploadEvent::PassFinished {
        uploaded: summary.uploaded.len() + summary.duplicates.len(),
        pending: left.iter().filter(|e| e.rejected.is_none()).count(),
        rejected: left.iter().filter(|e| e.rejected.is_some()).count(),
    });
    Ok(summary)
}

/// One pass for `ardoise upload`: sends every pending certificate, retrying transient
/// failures with backoff, and returns what happened.
pub fn upload_once(
    data_dir: &Path,
    registry_url: &str,
    options: &UploadOptions,
) -> Result<UploadSummary, UploadError> {
    upload_pass(data_dir, registry_url, options, &mut |_| {}, &mut |d| {
        std::thread::sleep(d);
        true
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let o = UploadOptions {
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1000),
            ..Default::default()
        };
        for n in 1..=10 {
            let base = (100u64 << (n - 1)).min(1000);
            let d = backoff(&o, n).as_millis() as u64;
            assert!(
                d >= base / 2 && d <= base,
                "attempt {n}: {d} ms not in [{}, {base}]",
                base / 2
            );
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            submit_url("https://r.example/").unwrap(),
            "https://r.example/api/v1/certificates"
        );
        assert!(submit_url("r.example").is_err());
    }
}
