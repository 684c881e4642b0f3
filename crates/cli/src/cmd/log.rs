//! `ardoise log check --registry URL --registry-key FILE --state FILE`: an auditor's check that
//! the registry's log only grew since the last check.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use ardoise_cert::logstate::Comparison;
use ardoise_upload::log::{check_log, LogCheckError};
use ardoise_upload::UploadOptions;

use super::load_registry_key;

#[derive(Debug, clap::Args)]
pub struct LogArgs {
    #[command(subcommand)]
    pub command: LogCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum LogCommand {
    /// Fetch the registry's latest checkpoint, check its signature and that it extends the
    /// checkpoint held in --state (consistency proof), then hold it there.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Registry base URL.
    #[arg(long, value_name = "URL")]
    pub registry: String,
    /// The registry's checkpoint key (vkey line).
    #[arg(long, value_name = "FILE")]
    pub registry_key: PathBuf,
    /// The largest checkpoint verified so far (a signed note; created at the first check).
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

pub fn run(args: &LogArgs) -> anyhow::Result<ExitCode> {
    let LogCommand::Check(a) = &args.command;
    let key = load_registry_key(Some(&a.registry_key))?.expect("a path was given");
    let options = UploadOptions {
        timeout: Duration::from_secs(a.timeout.max(1)),
        ..Default::default()
    };
    match check_log(&a.registry, &key, &a.state, &options) {
        Ok(c) => {
            let what = match c.comparison {
                Comparison::First => "first checkpoint held".to_string(),
                Comparison::Same => "unchanged".to_string(),
                Comparison::Extends { from } => format!("extends tree size {from} (proven)"),
                Comparison::Prefix { of } => format!("is a prefix of the held size {of}"),
            };
            println!(
                "log {} tree size {}: consistent, {what}; state {}",
                c.checkpoint.origin,
                c.checkpoint.size,
                a.state.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(LogCheckError::State(e)) if e.is_misbehaviour() => {
            println!("LOG INCONSISTENT: {e}; state {} kept", a.state.display());
            Ok(ExitCode::from(crate::exit::INVALID_CERTIFICATE))
        }
        Err(e) => Err(e.into()),
    }
}
