//! Uploads the station's certificates to the registry and stores the receipts.
//!
//! The outbox is the `outbox/` directory of the data partition (see
//! [`ardoise_cert::station_store`]): one entry per certificate the registry has not acknowledged.
//! For each pending entry the uploader POSTs the exact envelope bytes to
//! `{registry}/api/v1/certificates` and classifies the answer:
//!
//! | answer | meaning | action |
//! |---|---|---|
//! | `201 {"receipt": …}` | stored | check the receipt, write it beside the certificate, remove the entry |
//! | `200 {"receipt": …, "duplicate": true}` | already known | same |
//! | `4xx` other than 408/429 `{"error", "message", "field"?}` | refused for good | keep the entry, marked rejected with the reason; never delete |
//! | `408`, `429`, `5xx`, timeout, refused or reset connection, bad receipt | transient | retry with exponential backoff and jitter |
//!
//! Receipts count only when checked with the registry key the station pins (an unsigned or
//! wrongly signed receipt is transient), and when their checkpoint is consistent with the
//! largest one verified before ([`log`]): a fork or a failed consistency proof writes the
//! evidence to `registry/log-alarm.txt` and stops every upload until someone removes it.
//! Without a key nothing is sent, unless unverified receipts are explicitly allowed.
//!
//! [`upload_once`] runs one pass (for `ardoise upload`); [`spawn_background`] runs passes on
//! a thread and reports each step on a channel (for the TUI). [`heartbeat`] sends the
//! station's signed progress heartbeats (the registry's live page).
#![forbid(unsafe_code)]

mod background;
mod body;
mod client;
pub mod heartbeat;
pub mod log;
mod options;

pub use background::{spawn_background, BackgroundUploader};
pub use client::{upload_once, upload_pass, Attempt, UploadEvent, UploadSummary};
pub use options::UploadOptions;

/// Path of the submission endpoint under a registry base URL.
pub const SUBMIT_PATH: &str = "/api/v1/certificates";

/// Why uploading cannot start or go on.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The data directory (outbox, receipts) could not be read or written.
    #[error("data directory: {0}")]
    Store(#[from] ardoise_cert::station_store::StoreError),
    /// The registry URL has another scheme.
    #[error("registry URL {0:?} must start with http:// or https://")]
    BadUrl(String),
    /// The HTTP client could not be built (TLS roots, options).
    #[error("HTTP client: {0}")]
    Client(String),
    /// No registry key is installed and unverified receipts are not allowed.
    #[error("no registry key: the registry's receipts cannot be checked, so no certificate is sent (anyone answering at the registry's address could otherwise drop them); install the registry's key (keys/registry.pub, [registry] key_file or ardoise.registry_key=), or set allow_unverified_receipts = true in [registry]")]
    NoRegistryKey,
    /// A past check caught the registry's log misbehaving; its evidence file is still there.
    #[error("uploads stopped: the registry's log misbehaved ({evidence}); the evidence is in {path}: have it examined, then remove that file to upload again")]
    LogAlarm {
        /// The evidence file.
        path: std::path::PathBuf,
        /// What was caught.
        evidence: String,
    },
}
