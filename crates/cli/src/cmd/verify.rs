//! `ardoise verify FILE... [--keys TRUSTFILE] [--registry-key FILE] [--json | --positions]`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
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
    /// A file holding the largest registry checkpoint verified so far (a signed note; created
    /// when missing): every receipt's checkpoint must be consistent with it, and the largest
    /// one proven replaces it. Needs --registry-key.
    #[arg(long, value_name = "FILE", requires = "registry_key")]
    pub checkpoint_state: Option<PathBuf>,
    /// Registry to ask for the consistency proofs that the receipts themselves do not give
    /// (with --checkpoint-state); offline, such receipts get a warning.
    #[arg(long, value_name = "URL", requires = "checkpoint_state")]
    pub registry: Option<String>,
    /// A witness's verifier key file (what `ardoise-registry witness key` prints); repeat for
    /// several. Each receipt's checkpoint must then be cosigned by --witnesses-required of
    /// them: independent parties saw that tree and found it consistent with what they saw.
    #[arg(long = "witness", value_name = "FILE", requires = "registry_key")]
    pub witnesses: Vec<PathBuf>,
    /// How many of the --witness keys must have cosigned each receipt (default: 1).
    #[arg(long, value_name = "K", default_value_t = 1, requires = "witnesses")]
    pub witnesses_required: usize,
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
        witnesses: load_witnesses(&args.witnesses)?,
        witnesses_required: args.witnesses_required,
    };
    if !options.witnesses.is_empty() && options.witnesses_required > options.witnesses.len() {
        bail!(
            "--witnesses-required {} but only {} --witness key(s) given",
            options.witnesses_required,
            options.witnesses.len()
        );
    }
    let mut report = verify_files(&files, &trust, &options);
    super::positions::check_all(&mut report);
    let state = match (&args.checkpoint_state, &options.registry_key) {
        (Some(path), Some(key)) => Some(check_state(&mut report, path, key, args)?),
        _ => None,
    };
    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
        if let (Some(o), Some(path)) = (&state, &args.checkpoint_state) {
            let size = |s: Option<u64>| s.map_or("none".to_string(), |n| n.to_string());
            println!(
                "checkpoint state {}: tree size {} -> {}{}",
                path.display(),
                size(o.before),
                size(o.after),
                if o.saved { " (saved)" } else { "" }
            );
        }
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

fn load_witnesses(files: &[PathBuf]) -> anyhow::Result<Vec<ardoise_cert::cosign::WitnessVerifier>> {
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("witness key {}", f.display()))?;
            ardoise_cert::cosign::WitnessVerifier::from_vkey(&text)
                .with_context(|| format!("witness key {}", f.display()))
        })
        .collect()
}

fn check_state(
    report: &mut ardoise_cert::verify::VerifyReport,
    path: &std::path::Path,
    key: &ardoise_cert::note::NoteVerifier,
    args: &VerifyArgs,
) -> anyhow::Result<ardoise_cert::logstate::StateOutcome> {
    let client = match &args.registry {
        Some(_) => Some(ardoise_upload::log::client(
            std::time::Duration::from_secs(30),
        )?),
        None => None,
    };
    let outcome = ardoise_cert::logstate::check_report(report, path, key, &mut |from, to| match (
        &client,
        &args.registry,
    ) {
        (Some(c), Some(url)) => ardoise_upload::log::fetch_consistency(c, url, from, to),
        _ => Err(ardoise_cert::logstate::ProofError::Unavailable(
            "offline: give --registry URL to fetch a consistency proof".into(),
        )),
    })
    .with_context(|| format!("checkpoint state {}", path.display()))?;
    Ok(outcome)
}
