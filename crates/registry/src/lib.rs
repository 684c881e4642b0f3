//! ardoise-registry: the network's certificate registry.
//!
//! - [`submit`]: the submission parser (envelope, signature, schema, key; exact refusals);
//! - [`registry`]: running state and receipts; [`writer`]: the group-commit writer;
//!   [`log_view`]: the signed checkpoints and the log readers see; [`incident`]: internal
//!   errors as clients see them;
//!   [`journal_index`]: duplicate and journal-continuity rules; [`pool`]: read connections;
//! - [`tree`]: the Merkle log with O(log² n) proofs; [`audit`]: tamper detection;
//! - [`db`], [`records`]: SQLite/PostgreSQL with the same SQL, queries; [`pg_tls`]: TLS to
//!   PostgreSQL (`sslmode`, `sslrootcert`);
//! - [`http`], [`pages`], [`html`], [`i18n`]: the API and the pages; [`live`]: the stations'
//!   progress heartbeats and the workshop's live page ([`heartbeats`]: their endpoints);
//! - [`witness`]: a C2SP tlog-witness (`witness serve`); [`cosigner`]: the registry asking
//!   its witnesses to cosign its checkpoints.
//!
//! Documented in `docs/registry.md` and `docs/openapi.yaml`.
#![forbid(unsafe_code)]

pub mod admin;
pub mod audit;
pub mod auth;
pub mod cosigner;
pub mod db;
pub mod export;
pub mod handler;
pub mod heartbeats;
pub mod html;
pub mod http;
pub mod i18n;
pub mod incident;
pub mod journal_index;
pub mod live;
pub mod log_view;
pub mod pages;
pub mod pg_tls;
pub mod pool;
pub mod ratelimit;
pub mod receipts;
pub mod records;
pub mod registry;
pub mod signing;
/// The submission parser lives in its own crate (the fuzz target builds it alone).
pub use ardoise_submission as submit;
/// Machines by destination are stored with the certificates; kept at their old path too.
pub use records::machines;
pub mod tree;
pub mod witness;
pub mod writer;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use registry::{Config, Registry, RegistryError};

/// Now, RFC 3339 UTC, whole seconds.
pub fn now_text() -> String {
    records::rfc3339(time::OffsetDateTime::now_utc())
}

/// Runs the log audit against the database and keeps the report for the audit page.
pub async fn run_audit(reg: Arc<Registry>) -> Result<audit::AuditReport, handler::ApiError> {
    let r2 = reg.clone();
    let report = handler::blocking(move || {
        let trust = r2.trust();
        Ok(r2.pool.with(|c| audit::audit(c, &r2.verifier, &trust))?)
    })
    .await?;
    if !report.ok {
        tracing::error!(problems = report.problems.len(), "log audit found problems");
    }
    *reg.last_audit.lock().expect("lock") = Some(report.clone());
    Ok(report)
}

/// Serves `reg` on `listener` until `shutdown` completes; background tasks: station keys
/// compared with the database every 2 s (keys added by `ardoise-registry station add`),
/// the log audit at start and every `audit_every` (None: only at start).
pub async fn serve(
    reg: Arc<Registry>,
    listener: tokio::net::TcpListener,
    audit_every: Option<Duration>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let r = reg.clone();
    let keys_task = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let r2 = r.clone();
            if let Ok(Err(e)) = tokio::task::spawn_blocking(move || r2.refresh_keys()).await {
                tracing::warn!(error = %e, "station keys could not be reloaded");
            }
        }
    });
    let r = reg.clone();
    let audit_task = tokio::spawn(async move {
        loop {
            match run_audit(r.clone()).await {
                Ok(a) if a.ok => tracing::info!(entries = a.entries, "log audit: intact"),
                Ok(a) => {
                    tracing::error!(problems = ?a.problems.first(), "log audit: TAMPERING DETECTED")
                }
                Err(e) => tracing::warn!(error = %e.0.message, "log audit could not run"),
            }
            match audit_every {
                Some(d) => tokio::time::sleep(d).await,
                None => break,
            }
        }
    });
    let app = http::router(reg).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let res = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    keys_task.abort();
    audit_task.abort();
    res
}
