//! `ardoise upload --registry URL [--data-dir DIR]`: send the outbox to the registry.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use ardoise_upload::{upload_pass, UploadEvent, UploadOptions};

use super::{load_registry_key, DATA_DIR_ENV};

/// Upload the certificates the registry has not acknowledged yet; store the receipts.
#[derive(Debug, clap::Args)]
pub struct UploadArgs {
    /// Registry base URL, e.g. https://registre.example.org
    #[arg(long, value_name = "URL")]
    pub registry: String,
    /// Data directory (default: $ARDOISE_DATA_DIR, else the current directory).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The registry's checkpoint key (vkey line): receipts are fully verified before storing.
    /// Default: the station's pinned key (`ardoise.registry_key=`, `[registry] key_file`,
    /// `keys/registry.pub` in the data directory).
    #[arg(long, value_name = "FILE")]
    pub registry_key: Option<PathBuf>,
    /// Send even without a registry key, checking receipts for structure only.
    #[arg(long)]
    pub allow_unverified_receipts: bool,
    /// Attempts per certificate before leaving it for a later run.
    #[arg(long, default_value_t = 5)]
    pub attempts: u32,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Resubmit certificates the registry rejected before.
    #[arg(long)]
    pub retry_rejected: bool,
}

pub fn run(args: &UploadArgs) -> anyhow::Result<ExitCode> {
    let data_dir = args
        .data_dir
        .clone()
        .or_else(|| std::env::var_os(DATA_DIR_ENV).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."));
    let registry_key = match load_registry_key(args.registry_key.as_deref())? {
        Some(k) => Some(k),
        None => station_key(&data_dir, &args.registry, args.allow_unverified_receipts)?,
    };
    let options = UploadOptions {
        timeout: Duration::from_secs(args.timeout.max(1)),
        max_attempts: args.attempts.max(1),
        registry_key,
        allow_unverified_receipts: args.allow_unverified_receipts,
        retry_rejected: args.retry_rejected,
        ..Default::default()
    };
    let summary = upload_pass(
        &data_dir,
        &args.registry,
        &options,
        &mut |e| match e {
            UploadEvent::PassStarted { pending } => println!("{pending} certificate(s) to send"),
            UploadEvent::Uploaded { cert_id, duplicate } => println!(
                "sent     {cert_id}{}",
                if duplicate {
                    " (already in the registry)"
                } else {
                    ""
                }
            ),
            UploadEvent::Rejected {
                cert_id,
                status,
                error,
                message,
            } => {
                println!("REJECTED {cert_id}: HTTP {status} {error}: {message}")
            }
            UploadEvent::Retrying {
                cert_id,
                attempt,
                delay,
                error,
            } => println!(
                "retry    {cert_id} (attempt {attempt} failed: {error}; next in {:.1} s)",
                delay.as_secs_f32()
            ),
            UploadEvent::GaveUp { cert_id, error } => println!("not sent {cert_id}: {error}"),
            UploadEvent::Halted { alarm: true, .. } => println!("LOG ALARM: uploads stopped"),
            _ => {}
        },
        &mut |d| {
            std::thread::sleep(d);
            true
        },
    )
    .with_context(|| format!("uploading from {}", data_dir.display()))?;
    println!(
        "{} sent, {} already known, {} rejected now, {} previously rejected, {} not sent; {} left in the outbox",
        summary.uploaded.len(),
        summary.duplicates.len(),
        summary.rejected.len(),
        summary.previously_rejected,
        summary.failed.len(),
        summary.remaining
    );
    Ok(
        if summary.failed.is_empty()
            && summary.rejected.is_empty()
            && summary.previously_rejected == 0
        {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(crate::exit::FAILURE)
        },
    )
}

/// The key the station in `data_dir` pins (its configuration and this machine's kernel
/// command line); a registry without one is refused unless unverified receipts are allowed.
fn station_key(
    data_dir: &std::path::Path,
    url: &str,
    allow_unverified: bool,
) -> anyhow::Result<Option<ardoise_cert::note::NoteVerifier>> {
    use ardoise_station::receipts::{upload_target, ReceiptCheck, RegistryKeyError};
    let config = ardoise_station::Config::load(data_dir)?;
    let kernel = ardoise_station::KernelOptions::from_system();
    match upload_target(data_dir, &config, &kernel, Some(url)) {
        Ok(Some(t)) => Ok(match t.receipts {
            ReceiptCheck::Pinned { key, .. } => Some(*key),
            ReceiptCheck::Unverified => None,
        }),
        Ok(None) => Ok(None),
        Err(RegistryKeyError::Missing { .. }) if allow_unverified => Ok(None),
        Err(e) => Err(e.into()),
    }
}
