//! `ardoise config check FILE`: whether an `ardoise.toml` is one the station accepts, and what
//! it means (the image build runs it on the file every stick receives).

use std::path::PathBuf;
use std::process::ExitCode;

use ardoise_station::Config;

/// Check a station configuration file.
#[derive(Debug, clap::Subcommand)]
pub enum ConfigCmd {
    /// Parse FILE with the station's own rules; print the settings it gives, or the first
    /// problem with the setting's name.
    Check {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

pub fn run(cmd: &ConfigCmd) -> anyhow::Result<ExitCode> {
    let ConfigCmd::Check { file } = cmd;
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let config = match Config::parse(&text) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "ardoise: {}: not a valid configuration: {e}",
                file.display()
            );
            return Ok(ExitCode::from(crate::exit::FAILURE));
        }
    };
    let w = &config.workshop;
    if config.is_demo() {
        println!("workshop   none: a demonstration station (set it up with `ardoise provision`)");
    } else {
        println!("workshop   {} ({}), station {}", w.id, w.name, w.station);
    }
    println!(
        "registry   {}",
        config.registry.url.as_deref().unwrap_or("none")
    );
    println!("language   {}", config.ui.language.code());
    println!("operators  {}", config.operators.len());
    println!(
        "policy     {} (method {}, verify {}, digest blake3:{})",
        config.policy.id,
        config.policy.method,
        config.policy.verify.as_str(),
        config.policy.digest()
    );
    Ok(ExitCode::SUCCESS)
}
