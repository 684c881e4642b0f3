//! `ardoise keygen --out DIR [--workshop W --station S]`: a new station signing key.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use ardoise_cert::keygen::generate_key_files;

/// Generate a station signing key (Ed25519). Never overwrites an existing key.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Directory for station.key (secret, mode 0600), station.pub and trust.toml.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Workshop id the key belongs to (as in certificates' issuer.workshop_id).
    #[arg(long, value_name = "W", requires = "station")]
    pub workshop: Option<String>,
    /// Station id the key belongs to (as in certificates' issuer.station_id).
    #[arg(long, value_name = "S", requires = "workshop")]
    pub station: Option<String>,
}

pub fn run(args: &KeygenArgs) -> anyhow::Result<ExitCode> {
    let identity = match (&args.workshop, &args.station) {
        (Some(w), Some(s)) => Some((w.as_str(), s.as_str())),
        (None, None) => None,
        _ => bail!("--workshop and --station go together"),
    };
    let g = generate_key_files(&args.out, identity)
        .with_context(|| format!("generating a key in {}", args.out.display()))?;
    println!("key id      {}", g.key_id);
    println!("public key  {}", g.public_base64);
    println!(
        "secret key  {} (keep it on the station; never copy it elsewhere)",
        g.secret_path.display()
    );
    println!("public file {}", g.public_path.display());
    match &g.trust_path {
        Some(p) => println!(
            "trust file  {} (this key alone; add the entry below to the network's trust file)",
            p.display()
        ),
        None => println!(
            "no trust file written: give --workshop and --station, or fill in the entry below"
        ),
    }
    println!();
    print!("{}", g.trust_toml);
    Ok(ExitCode::SUCCESS)
}
