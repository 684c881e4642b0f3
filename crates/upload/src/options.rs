//! How to upload ([`UploadOptions`]) and the HTTP client built from it, shared by the upload
//! pass, the log checks and the heartbeats.

use std::time::Duration;

use ardoise_cert::note::NoteVerifier;

use crate::UploadError;

/// How to upload.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// Whole-request timeout (connect, send, wait for the answer).
    pub timeout: Duration,
    /// Timeout of the TCP and TLS connection alone.
    pub connect_timeout: Duration,
    /// Attempts per certificate in one pass before leaving it for the next pass.
    pub max_attempts: u32,
    /// First backoff delay; doubles at each attempt up to `backoff_max`, with jitter.
    pub backoff_initial: Duration,
    /// The longest backoff delay.
    pub backoff_max: Duration,
    /// The registry's checkpoint key (pinned on the station): receipts are fully verified
    /// before they count, and each receipt's checkpoint must be consistent with the largest
    /// one verified before. Without it nothing is sent, unless `allow_unverified_receipts`.
    pub registry_key: Option<NoteVerifier>,
    /// Without a registry key, accept receipts after checking only their structure (cert id,
    /// leaf hash, inclusion proof): anyone answering at the registry's address could then
    /// drop certificates. An explicit choice (`[registry] allow_unverified_receipts`).
    pub allow_unverified_receipts: bool,
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
            allow_unverified_receipts: false,
            retry_rejected: false,
        }
    }
}

/// The HTTP client of every request to the registry: the options' timeouts, no redirects.
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
