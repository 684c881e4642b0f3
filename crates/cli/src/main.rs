//! `ardoise`: the binary the live image carries. With no arguments it starts the technician's
//! interface; subcommands serve unattended use, scripts and auditors.
#![forbid(unsafe_code)]

mod auto;
mod cmd;
mod disks;
mod erase;
mod exit;
mod live;
mod output;
mod tui;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "ardoise",
    version,
    about = "Secure erase with signed certificates (NIST SP 800-88 purge, verified, certified)",
    after_help = exit::EXIT_CODES_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List every disk with its identity, size, transport and whether it is protected.
    List(disks::ListArgs),
    /// Describe this machine (SMBIOS identity, firmware, Secure Boot, CPU, memory).
    Inventory(disks::InventoryArgs),
    /// Show what a disk supports and what `--method auto` would do.
    Methods(erase::MethodsArgs),
    /// Erase a disk, verify it and write its signed certificate.
    Erase(erase::EraseArgs),
    /// Erase every disk that is not protected (or the ones named), certify, upload: the live
    /// image's unattended mode (`ardoise.auto=erase`).
    Auto(auto::AutoArgs),
    /// Create simulated disks (an ATA HDD, a frozen ATA SSD, an NVMe, an eMMC, a failing drive,
    /// a protected boot stick) to try ardoise on any machine: `--device sim:<path>`.
    Simulate(disks::SimulateArgs),
    /// Create a station key pair (and a trust-file entry).
    Keygen(cmd::keygen::KeygenArgs),
    /// Make a stick (or an image file) a workshop's: write the image, set the station's
    /// identity, create its key, pin the registry's URL and key.
    Provision(cmd::provision::ProvisionArgs),
    /// Check a configuration file (ardoise.toml).
    #[command(subcommand)]
    Config(cmd::config::ConfigCmd),
    /// Check certificates: signature, trusted key, schema, journal, registry receipt.
    Verify(cmd::verify::VerifyArgs),
    /// Write the donor's PDF report from signed certificates.
    Report(cmd::report::ReportArgs),
    /// Send the certificates the registry has not acknowledged yet.
    Upload(cmd::upload::UploadArgs),
    /// Check that the registry's log only grows (auditors: keep a state file between checks).
    Log(cmd::log::LogArgs),
    /// The technician's interface (the default without a subcommand).
    Tui(tui::TuiArgs),
    /// Print the identity of the boot medium (for the live image's init; docs/image.md).
    #[command(hide = true)]
    BootMedium(disks::BootMediumArgs),
}

fn main() -> ExitCode {
    let cli = Cli::try_parse();
    // The interface captures stderr into its journal: never colour it.
    let tui = matches!(
        &cli,
        Ok(Cli {
            command: None | Some(Command::Tui(_))
        })
    );
    init_logging(!tui);
    let cli = match cli {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(exit::USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match &cli.command {
        Some(Command::List(a)) => disks::list(a),
        Some(Command::Inventory(a)) => disks::inventory(a),
        Some(Command::Methods(a)) => erase::methods(a),
        Some(Command::Erase(a)) => erase::erase(a),
        Some(Command::Auto(a)) => auto::run(a),
        Some(Command::Simulate(a)) => disks::simulate(a),
        Some(Command::Keygen(a)) => cmd::keygen::run(a),
        Some(Command::Provision(a)) => cmd::provision::run(a),
        Some(Command::Config(c)) => cmd::config::run(c),
        Some(Command::Verify(a)) => cmd::verify::run(a),
        Some(Command::Report(a)) => cmd::report::run(a),
        Some(Command::Upload(a)) => cmd::upload::run(a),
        Some(Command::Log(a)) => cmd::log::run(a),
        Some(Command::Tui(a)) => tui::run(a),
        Some(Command::BootMedium(a)) => disks::boot_medium(a),
        None => without_subcommand(),
    };
    result.unwrap_or_else(|e| {
        eprintln!("ardoise: error: {e:#}");
        ExitCode::from(exit::FAILURE)
    })
}

/// The live image starts `ardoise` without arguments: the kernel command line chooses between
/// the unattended run (`ardoise.auto=erase`, certificates naming `ardoise.operator=` or "auto"),
/// the boot tests' disk list (`ardoise.auto=list`) and the terminal UI.
fn without_subcommand() -> anyhow::Result<ExitCode> {
    use ardoise_station::config::AutoMode;
    let kernel = ardoise_station::KernelOptions::from_system();
    match kernel.auto {
        Some(AutoMode::Erase) => auto::run(&auto::AutoArgs {
            upload_timeout: 600,
            operator: unattended_operator(&kernel),
            poll_ms: 1000,
            ..Default::default()
        }),
        Some(AutoMode::List) => disks::list(&disks::ListArgs {
            json: true,
            no_loop: true,
        }),
        None => tui::run(&tui::TuiArgs::default()),
    }
}

/// The operator id an unattended run certifies: `ardoise.operator=` when given, else "auto".
/// It is checked like every certificate field before the first erase (`check_session`).
fn unattended_operator(kernel: &ardoise_station::KernelOptions) -> String {
    kernel
        .operator
        .clone()
        .filter(|o| !o.is_empty())
        .unwrap_or_else(|| "auto".into())
}

/// Logs on stderr; colour only when `colour_allowed` and stderr is an interactive terminal
/// of a user — never on the live image's consoles (`ARDOISE_TERMINAL`, a serial line may be
/// captured to a file), never with `NO_COLOR`.
fn init_logging(colour_allowed: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ARDOISE_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let ansi = colour_allowed
        && std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("ARDOISE_TERMINAL").is_none()
        && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::unattended_operator;
    use ardoise_station::KernelOptions;

    #[test]
    fn unattended_runs_certify_the_operator_given_at_boot() {
        let given = KernelOptions::parse("quiet ardoise.auto=erase ardoise.operator=camille");
        assert_eq!(unattended_operator(&given), "camille");
        let none = KernelOptions::parse("quiet ardoise.auto=erase");
        assert_eq!(unattended_operator(&none), "auto");
        let empty = KernelOptions::parse("ardoise.auto=erase ardoise.operator=");
        assert_eq!(unattended_operator(&empty), "auto");
    }
}
