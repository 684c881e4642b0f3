//! `ardoise list` and `ardoise inventory`.

use std::process::ExitCode;

use anyhow::Context;
use ardoise_disk::controllers::{survey, ControllerIssue, StorageSurvey};
use ardoise_disk::discovery::{discover, DiscoveryOptions};
use ardoise_disk::inventory::read_inventory;

use crate::output::{fit, human_size};

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Print a JSON array (stable fields documented in docs/cli.md) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Leave out loop devices (they are listed by default: tests and development use them).
    #[arg(long)]
    pub no_loop: bool,
}

#[derive(clap::Args, Debug)]
pub struct InventoryArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn list(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let opts = DiscoveryOptions {
        include_loop: !args.no_loop,
        ..DiscoveryOptions::default()
    };
    let disks = discover(&opts).context("cannot list disks")?;
    if let Some(problem) = boot_medium_problem(&opts, &disks) {
        eprintln!("ardoise: warning: {problem}");
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&disks)?);
        return Ok(ExitCode::SUCCESS);
    }
    let survey = survey(std::path::Path::new("/sys"));
    if disks.is_empty() {
        println!("No disk found.");
        print_controllers(&survey, "");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<9} {:>9} {:<7} {:<24} {:<16} STATUS",
        "DISK", "SIZE", "BUS", "MODEL", "SERIAL"
    );
    for d in &disks {
        let status = if d.protected {
            format!(
                "PROTECTED: {}",
                d.protected_reason.as_deref().unwrap_or("in use")
            )
        } else if d.raid_volume.is_some() {
            "erasable (RAID volume: overwrite only)".to_string()
        } else {
            "erasable".to_string()
        };
        println!(
            "{:<9} {:>9} {:<7} {:<24} {:<16} {}",
            fit(&d.name, 9),
            human_size(d.size_bytes),
            d.transport.as_str(),
            fit(&d.model, 24),
            fit(&d.serial, 16),
            status
        );
    }
    println!();
    print_controllers(&survey, "");
    Ok(ExitCode::SUCCESS)
}

/// One line per storage controller, then one per controller whose disks cannot be seen.
pub fn print_controllers(survey: &StorageSurvey, prefix: &str) {
    for c in &survey.controllers {
        println!(
            "{prefix}controller {} {} {}{} {}: driver {}",
            c.address,
            c.kind.as_str(),
            c.vendor_id.as_deref().unwrap_or("-"),
            c.device_id
                .as_deref()
                .map(|d| format!(":{d}"))
                .unwrap_or_default(),
            c.description,
            c.driver.as_deref().unwrap_or("NONE")
        );
    }
    for c in survey.problems() {
        match c.issue {
            Some(ControllerIssue::NoDriver) => println!(
                "{prefix}DISKS NOT VISIBLE: controller {} ({}) has no driver: its disks are not visible",
                c.address,
                c.kind.as_str()
            ),
            Some(ControllerIssue::NoDiskSeen) => println!(
                "{prefix}DISKS NOT VISIBLE: controller {} ({}, driver {}) shows no disk: it is empty, or its disks are out of reach; look inside the machine",
                c.address,
                c.kind.as_str(),
                c.driver.as_deref().unwrap_or("?")
            ),
            Some(ControllerIssue::RaidVolumes { volumes }) => println!(
                "{prefix}DISKS NOT VISIBLE: controller {} ({}) is in RAID mode ({volumes} volume(s)): its physical disks are not visible one by one",
                c.address,
                c.driver.as_deref().unwrap_or("?")
            ),
            None => {}
        }
    }
}

pub fn inventory(args: &InventoryArgs) -> anyhow::Result<ExitCode> {
    let inv = read_inventory();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&inv)?);
        return Ok(ExitCode::SUCCESS);
    }
    let show =
        |label: &str, v: &Option<String>| println!("{label:<14} {}", v.as_deref().unwrap_or("-"));
    show("Manufacturer", &inv.manufacturer);
    show("Product", &inv.product);
    show("Serial", &inv.serial);
    show("UUID", &inv.uuid);
    show("Chassis", &inv.chassis_type);
    show("Asset tag", &inv.asset_tag);
    show(
        "BIOS",
        &inv.bios_version
            .as_ref()
            .map(|v| format!("{v} ({})", inv.bios_date.as_deref().unwrap_or("?"))),
    );
    show("CPU", &inv.cpu_model);
    println!(
        "{:<14} {} threads, {} cores",
        "",
        inv.cpu_threads,
        inv.cpu_physical_cores
            .map(|c| c.to_string())
            .unwrap_or("?".into())
    );
    println!("{:<14} {}", "Memory", human_size(inv.memory_bytes));
    println!("{:<14} {:?}", "Firmware", inv.firmware);
    println!("{:<14} {:?}", "Secure Boot", inv.secure_boot);
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// Directory for the simulated disks (profiles and backing files).
    #[arg(long)]
    pub dir: std::path::PathBuf,
    /// Size of each simulated disk in MiB.
    #[arg(long, default_value_t = 64)]
    pub size_mib: u64,
}

/// Creates the simulator's demo machine and prints the `sim:` paths to use with `--device`.
pub fn simulate(args: &SimulateArgs) -> anyhow::Result<ExitCode> {
    let paths = ardoise_disk::sim::profile::standard_machine(&args.dir, args.size_mib * 2048)
        .context("creating simulated disks")?;
    for p in paths {
        println!("sim:{}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The boot medium problem of this listing (docs/image.md), if any.
pub fn boot_medium_problem(
    opts: &DiscoveryOptions,
    disks: &[ardoise_disk::DiskInfo],
) -> Option<String> {
    ardoise_disk::bootmedium::check(opts, || Ok::<_, String>(disks.to_vec())).unwrap_or_else(Some)
}

#[derive(clap::Args, Debug)]
pub struct BootMediumArgs {
    /// The disk (or a partition of it) the system booted from; none when it was not found.
    #[arg(long)]
    pub device: Option<std::path::PathBuf>,
    /// How the init says the system booted: usb, cd, pxe or none.
    #[arg(long, default_value = "none")]
    pub mode: String,
    /// The boot loader says the system came from a local medium (USB stick, CD).
    #[arg(long)]
    pub expected: bool,
}

/// Prints the boot medium record the init keeps for every listing (see
/// `ardoise_disk::bootmedium`). A device that cannot be described is recorded as not found.
pub fn boot_medium(args: &BootMediumArgs) -> anyhow::Result<ExitCode> {
    use ardoise_disk::bootmedium::BootMedium;
    use ardoise_disk::bootrecord::record;
    let opts = DiscoveryOptions::default();
    let unfound = BootMedium {
        mode: args.mode.clone(),
        expected: args.expected,
        ..Default::default()
    };
    let (medium, code) = match &args.device {
        None => (unfound, ExitCode::SUCCESS),
        Some(d) => match record(&opts, d, &args.mode, args.expected) {
            Ok(m) => (m, ExitCode::SUCCESS),
            Err(e) => {
                // Found but not described: its labels still protect it, and it counts as found.
                eprintln!("ardoise: boot medium {}: {e}", d.display());
                let named = BootMedium {
                    device: d.display().to_string(),
                    ..unfound
                };
                (named, ExitCode::from(crate::exit::FAILURE))
            }
        },
    };
    print!("{}", medium.render());
    Ok(code)
}
