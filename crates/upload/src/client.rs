//! One upload pass over the outbox.

use std::path::Path;
use std::time::Duration;

use ardoise_cert::receipt::{self, Receipt};
use ardoise_cert::station_store::{DataDir, OutboxEntry, Rejection};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::log::{check_against_state, checkpoint_state_path, LOG_ALARM_FILE};
use crate::options::{build_client, UploadOptions};
use crate::{UploadError, SUBMIT_PATH};

/// Progress of an upload pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadEvent {
    /// A pass starts with this many certificates to send.
    PassStarted {
        /// Certificates waiting in the outbox.
        pending: usize,
    },
    /// Stored by the registry (or already known to it); receipt written.
    Uploaded {
        /// The certificate's id.
        cert_id: String,
        /// The registry already had it.
        duplicate: bool,
    },
    /// Refused for good; kept in the outbox, marked rejected.
    Rejected {
        /// The certificate's id.
        cert_id: String,
        /// The HTTP status of the refusal.
        status: u16,
        /// The registry's refusal code (`schema`, `unknown_key`…).
        error: String,
        /// The registry's explanation.
        message: String,
    },
    /// A transient failure; the next attempt comes after `delay`.
    Retrying {
        /// The certificate's id.
        cert_id: String,
        /// The attempt that failed, from 1.
        attempt: u32,
        /// The wait before the next attempt.
        delay: Duration,
        /// What went wrong.
        error: String,
    },
    /// Still failing after `max_attempts`; left for a later pass.
    GaveUp {
        /// The certificate's id.
        cert_id: String,
        /// The last error.
        error: String,
    },
    /// The pass is over.
    PassFinished {
        /// Stored by the registry in this pass (duplicates included).
        uploaded: usize,
        /// Left to send in a later pass.
        pending: usize,
        /// Refused for good, in this pass or earlier.
        rejected: usize,
    },
    /// The data directory could not be read or written.
    StoreError {
        /// What failed, with the path.
        message: String,
    },
    /// Nothing is sent: no registry key to check receipts with (`alarm: false`), or the
    /// registry's log was caught misbehaving (`alarm: true`, until the evidence is removed).
    Halted {
        /// Why nothing is sent, and what to do.
        message: String,
        /// True when the registry's log was caught misbehaving.
        alarm: bool,
    },
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
    /// The registry stored it (or already had it) and its receipt checked out (in full with the
    /// pinned registry key, its structure alone without one).
    Stored {
        /// The registry's signed receipt.
        receipt: Box<Receipt>,
        /// The registry already had it.
        duplicate: bool,
    },
    /// Refused for good (4xx other than 408/429): sending again cannot help.
    Rejected(Rejection),
    /// Worth another try (network, timeout, 5xx, 408/429, a receipt that did not check out).
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
    let body = match crate::body::read_bounded(resp, crate::body::MAX_SUBMIT_ANSWER) {
        Ok(b) => b,
        Err(e) => return Attempt::Transient(format!("HTTP {status}, body: {e}")),
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

/// [`attempt`], then, for a receipt checked with the pinned key, the log check: its
/// checkpoint must be consistent with the largest one verified before (fetching the proof from
/// the registry). A failure to check is transient (the certificate stays queued); evidence of
/// a misbehaving log raises the alarm and stops the pass.
fn attempt_logged(
    client: &reqwest::blocking::Client,
    submit: &str,
    registry_url: &str,
    dd: &DataDir,
    envelope: &[u8],
    options: &UploadOptions,
) -> Result<Attempt, UploadError> {
    let a = attempt(client, submit, envelope, options);
    let (Attempt::Stored { receipt, .. }, Some(key)) = (&a, &options.registry_key) else {
        return Ok(a);
    };
    let state = checkpoint_state_path(dd.root(), key);
    match check_against_state(client, registry_url, key, &state, &receipt.checkpoint) {
        Ok(_) => Ok(a),
        Err(e) if e.is_misbehaviour() => Err(raise_alarm(dd, &e.to_string(), &state, receipt)),
        Err(e) => Ok(Attempt::Transient(format!(
            "the receipt's checkpoint was not checked against the log state: {e}"
        ))),
    }
}

/// Writes the evidence of a misbehaving log (the held and the offered checkpoints) where
/// every later pass finds it and refuses to send.
fn raise_alarm(dd: &DataDir, what: &str, state: &Path, receipt: &Receipt) -> UploadError {
    let path = dd.root().join(LOG_ALARM_FILE);
    let held = std::fs::read_to_string(state).unwrap_or_default();
    let text = format!(
        "{what}\n\nat: {}\ncertificate: {}\n\nheld checkpoint ({}):\n{held}\noffered checkpoint:\n{}",
        ardoise_cert::fmt_time(OffsetDateTime::now_utc().replace_nanosecond(0).expect("0 ns")),
        receipt.cert_id,
        state.display(),
        receipt.checkpoint
    );
    if let Err(e) = ardoise_cert::logstate::save(&path, &text) {
        tracing::error!(error = %e, "the log alarm could not be written");
    }
    tracing::error!(evidence = %path.display(), "{what}");
    UploadError::LogAlarm {
        path,
        evidence: what.to_string(),
    }
}

/// Refuses to send while the alarm of an earlier pass is on the data partition.
fn check_no_alarm(dd: &DataDir) -> Result<(), UploadError> {
    let path = dd.root().join(LOG_ALARM_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Err(UploadError::LogAlarm {
            evidence: text.lines().next().unwrap_or("").to_string(),
            path,
        }),
        Err(_) => Ok(()),
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
///
/// Refused before anything is sent, with [`UploadEvent::Halted`]: no registry key and
/// unverified receipts not allowed; the log alarm of an earlier pass still on the data
/// partition. A pass whose log check finds the registry misbehaving stops the same way.
pub fn upload_pass(
    data_dir: &Path,
    registry_url: &str,
    options: &UploadOptions,
    on_event: &mut dyn FnMut(UploadEvent),
    sleep: &mut dyn FnMut(Duration) -> bool,
) -> Result<UploadSummary, UploadError> {
    let submit = submit_url(registry_url)?;
    let dd = DataDir::open(data_dir)?;
    let halted = if options.registry_key.is_none() && !options.allow_unverified_receipts {
        Err(UploadError::NoRegistryKey)
    } else {
        check_no_alarm(&dd)
    };
    if let Err(e) = halted {
        on_event(halt_event(&e));
        return Err(e);
    }
    let client = build_client(options)?;
    let mut summary = UploadSummary::default();
    let todo: Vec<OutboxEntry> = dd
        .outbox()?
        .into_iter()
        .filter(|e| {
            let skip = e.rejected.is_some() && !options.retry_rejected;
            summary.previously_rejected += usize::from(skip);
            !skip
        })
        .collect();
    on_event(UploadEvent::PassStarted {
        pending: todo.len(),
    });
    let pass = Pass {
        dd: &dd,
        client: &client,
        submit: &submit,
        registry_url,
        options,
    };
    for entry in todo {
        match pass.send(entry, &mut summary, on_event, sleep) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                if matches!(e, UploadError::LogAlarm { .. }) {
                    on_event(halt_event(&e));
                }
                return Err(e);
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

fn halt_event(e: &UploadError) -> UploadEvent {
    UploadEvent::Halted {
        message: e.to_string(),
        alarm: matches!(e, UploadError::LogAlarm { .. }),
    }
}

/// What every entry of one pass shares.
struct Pass<'a> {
    dd: &'a DataDir,
    client: &'a reqwest::blocking::Client,
    submit: &'a str,
    registry_url: &'a str,
    options: &'a UploadOptions,
}

impl Pass<'_> {
    /// Sends one entry until it is stored, rejected or out of attempts. Returns `false` when
    /// the pass must stop (shutting down).
    fn send(
        &self,
        mut entry: OutboxEntry,
        summary: &mut UploadSummary,
        on_event: &mut dyn FnMut(UploadEvent),
        sleep: &mut dyn FnMut(Duration) -> bool,
    ) -> Result<bool, UploadError> {
        let (dd, options) = (self.dd, self.options);
        let id = entry.cert_id.clone();
        let envelope = dd.read_envelope(&id)?;
        for n in 1.. {
            entry.attempts += 1;
            entry.last_attempt_at = Some(
                OffsetDateTime::now_utc()
                    .replace_nanosecond(0)
                    .expect("0 ns"),
            );
            let outcome = attempt_logged(
                self.client,
                self.submit,
                self.registry_url,
                dd,
                &envelope,
                options,
            )?;
            match outcome {
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
                    return Ok(true);
                }
                Attempt::Rejected(r) => {
                    self.rejected(entry, r, summary, on_event)?;
                    return Ok(true);
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
                        return Ok(true);
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
                        return Ok(false);
                    }
                }
            }
        }
        unreachable!("the attempts loop returns")
    }

    /// A refusal for good: kept in the outbox, marked rejected with the reason.
    fn rejected(
        &self,
        mut entry: OutboxEntry,
        r: Rejection,
        summary: &mut UploadSummary,
        on_event: &mut dyn FnMut(UploadEvent),
    ) -> Result<(), UploadError> {
        let id = entry.cert_id.clone();
        tracing::warn!(cert_id = %id, status = r.status, error = %r.error, "registry rejected certificate");
        entry.last_error = Some(format!("HTTP {} {}: {}", r.status, r.error, r.message));
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
        Ok(self.dd.write_outbox_entry(&entry)?)
    }
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
