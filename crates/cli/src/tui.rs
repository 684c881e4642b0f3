//! `ardoise tui` (and `ardoise` with no arguments): the technician's interface.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use ardoise_station::Language;
use ardoise_tui::{TuiExit, TuiOptions};

#[derive(clap::Args, Debug, Default)]
pub struct TuiArgs {
    /// Interface language (`fr` or `en`); default: `ardoise.lang=` on the kernel command line,
    /// then the configuration, then French.
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<Language>,
    /// Run over the simulator's demonstration machine (ATA HDD, frozen ATA SSD, NVMe, eMMC, a
    /// failing drive, the protected boot stick) instead of this computer's disks.
    #[arg(long)]
    pub simulate: bool,
    /// With --simulate: keep the simulated disks in this directory (created, or reused as they
    /// were left).
    #[arg(long, requires = "simulate")]
    pub sim_dir: Option<PathBuf>,
    /// With --simulate: size of each simulated disk, in MiB.
    #[arg(long, default_value_t = 64, requires = "simulate")]
    pub sim_size_mib: u64,
    /// Station data directory (configuration, key, certificates); default: `ARDOISE_DATA_DIR`,
    /// `/data`, the user's data directory; with --simulate, a temporary directory holding a
    /// demonstration workshop.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Station key (default: `<data dir>/keys/station.key`, created if missing).
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// With --simulate: the directory standing for the export stick (default:
    /// `<sim dir>/export-stick`).
    #[arg(long, requires = "simulate")]
    pub export_dir: Option<PathBuf>,
    /// Poll interval of firmware commands, milliseconds (default 100 with --simulate, else 1000).
    #[arg(long, hide = true)]
    pub poll_ms: Option<u64>,
    /// Survey the storage controllers under this sysfs root instead of /sys (tests).
    #[arg(long, hide = true)]
    pub sys_root: Option<PathBuf>,
}

fn parse_lang(s: &str) -> Result<Language, String> {
    s.parse::<Language>().map_err(|e| e.to_string())
}

pub fn run(args: &TuiArgs) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the interface needs a terminal; for scripts use the subcommands (ardoise --help)"
        );
    }
    let exit = ardoise_tui::run(TuiOptions {
        lang: args.lang,
        simulate: args.simulate,
        sim_dir: args.sim_dir.clone(),
        sim_size_mib: args.sim_size_mib,
        data_dir: args.data_dir.clone(),
        key_file: args.key.clone(),
        firmware_poll: args.poll_ms.map(Duration::from_millis).unwrap_or_default(),
        export_dir: args.export_dir.clone(),
        sys_root: args.sys_root.clone(),
    })?;
    Ok(match exit {
        TuiExit::Quit | TuiExit::PowerOff => ExitCode::SUCCESS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert_eq!(parse_lang("fr").unwrap(), Language::Fr);
        assert_eq!(parse_lang("EN").unwrap(), Language::En);
        assert!(parse_lang("de").is_err());
    }
}
