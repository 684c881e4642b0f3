//! `ardoise verify FILE... [--keys TRUSTFILE] [--registry-key FILE] [--json | --positions]`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use ardoise_cert::verify::{verify_files, VerifyOptions};

use super::{certificate_files, load_registry_key, load_trust, TRUST_ENV};

/// Verify certificates offline: signature, trusted key, schema, station journal, receipts.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Certificate files (*.dsse.json), or directories holding them (a data directory works).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Trust file listing the station keys to accept (default: $ARDOISE_TRUST).
    #[arg(long, value_name = "TRUSTFILE")]
    pub keys: Option<PathBuf>,
    /// The registry's checkpoint key (vkey line), to verify receipts stored beside the files.
    #[arg(long, value_name = "FILE")]
    pub registry_key: Option<PathBuf>,
    /// The files are the station's complete journal: any gap is a failure.
    #[arg(long)]
    pub complete_journal: bool,
    /// Print the verdicts as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also print every sample position each certificate's verification read, recomputed from
    /// its seed (`file,offset,length,kind` lines after the verdicts).
    #[arg(long, conflicts_with = "json")]
    pub positions: bool,
}

pub fn run(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let files = certificate_files(&args.files)?;
    let Some(trust) = load_trust(args.keys.as_deref())? else {
        bail!(
            "no trust file: pass --keys FILE or set {TRUST_ENV} (`ardoise keygen` writes one for a station)"
        );
    };
    let options = VerifyOptions {
        registry_key: load_registry_key(args.registry_key.as_deref())?,
        complete_journal: args.complete_journal,
    };
    let mut report = verify_files(&files, &trust, &options);
    super::positions::check_all(&mut report);
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    if args.positions {
        print!("{}", super::positions::listing(&report));
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::exit::INVALID_CERTIFICATE)
    })
}
