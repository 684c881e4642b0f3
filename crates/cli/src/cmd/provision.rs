//! `ardoise provision`: make a stick (or an image file) a workshop's — write the image if asked,
//! then set the station's identity, create its key on the data partition, pin the registry's URL
//! and key — and print what the registry's administrator runs to accept the station.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use ardoise_disk::discovery::DiscoveryOptions;
use ardoise_disk::open::describe_target;
use ardoise_station::config::{Operator, Workshop};
use ardoise_station::provision::{check_setup, set_up, DataVolume, DirVolume, Setup, SetupOutcome};
use ardoise_station::Language;

use super::fat_volume::FatVolume;
use crate::exit;

/// Set up a stick for a workshop: identity, station key, registry URL and key.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["image", "device", "data_dir", "pxe"]))]
pub struct ProvisionArgs {
    /// An ardoise image file, set up in place (with --write-image: created from that image).
    #[arg(long, value_name = "FILE")]
    pub image: Option<PathBuf>,
    /// A USB stick (whole-disk device node); refused when mounted, in use or the boot disk.
    #[arg(long, value_name = "DEV")]
    pub device: Option<PathBuf>,
    /// A data partition already mounted at DIR.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A PXE folder (`make pxe`'s out/pxe, or its copy on the TFTP server): writes
    /// station.img and makes the boot configurations load it; every boot is a station of its
    /// own (`<station>-<boot id>`). Needs --registry (certificates live in RAM).
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "write_image",
        requires = "registry"
    )]
    pub pxe: Option<PathBuf>,
    /// Write this image (out/image/ardoise.img) onto the stick or image file first.
    #[arg(long, value_name = "IMG", conflicts_with = "data_dir")]
    pub write_image: Option<PathBuf>,
    /// Confirms that --device is to be overwritten by --write-image.
    #[arg(long)]
    pub yes: bool,
    /// Workshop id: lowercase letters and digits in words joined by dashes, at most 64
    /// characters, e.g. ressourcerie-caen.
    #[arg(long, value_name = "ID")]
    pub workshop: String,
    /// Workshop name as certificates print it.
    #[arg(long, value_name = "NAME")]
    pub workshop_name: String,
    #[arg(long, value_name = "SIRET")]
    pub siret: Option<String>,
    /// This station's id within the workshop, same rule as --workshop, e.g. poste-1.
    #[arg(long, value_name = "ID")]
    pub station: String,
    /// The certificate registry, e.g. https://registre.example.org (a trailing slash is fine).
    #[arg(long, value_name = "URL", requires = "registry_key")]
    pub registry: Option<String>,
    /// The registry's verifier key file (`ardoise-registry key --show > registry.vkey`).
    #[arg(long, value_name = "FILE", requires = "registry")]
    pub registry_key: Option<PathBuf>,
    /// An operator offered by the interface: pseudonymous id and display name.
    #[arg(long = "operator", value_name = "ID=NAME")]
    pub operators: Vec<String>,
    /// Interface language.
    #[arg(long, value_parser = ["fr", "en"])]
    pub lang: Option<String>,
    /// Replace a key made for another identity (it is archived on the partition with its
    /// certificates).
    #[arg(long)]
    pub new_key: bool,
    /// Also write station.pub and trust.toml into DIR, for the registry's administrator.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(args: &ProvisionArgs) -> anyhow::Result<ExitCode> {
    let mut setup = setup_from(args)?;
    if args.pxe.is_some() && ardoise_cert::trust::per_boot_base(&setup.workshop.station).is_none() {
        setup
            .workshop
            .station
            .push_str(ardoise_cert::trust::PER_BOOT_SUFFIX);
    }
    // Every setting is checked before any target is opened: a typo in the workshop id, the
    // registry URL or its key leaves the image file, the stick or the folder as it was.
    check_setup(&setup)?;
    let (outcome, target) = if let Some(pxe) = &args.pxe {
        let staging = tempfile::tempdir()?;
        let outcome = provision(&mut DirVolume(staging.path().to_path_buf()), &setup)?;
        super::pxe_station::write_station_image(staging.path(), pxe)?;
        super::pxe_station::load_station_image(pxe)?;
        (
            outcome,
            format!("{} ({})", pxe.display(), super::pxe_station::STATION_IMAGE),
        )
    } else if let Some(dir) = &args.data_dir {
        let mut vol = DirVolume(dir.clone());
        (provision(&mut vol, &setup)?, dir.display().to_string())
    } else {
        let (file, target) = match open_target(args)? {
            Ok(t) => t,
            Err(code) => return Ok(code),
        };
        let mut vol = FatVolume::open(file)
            .with_context(|| format!("{target}: the ARDOISE data partition"))?;
        let outcome = provision(&mut vol, &setup)?;
        vol.close()
            .with_context(|| format!("{target}: writing the data partition"))?;
        (outcome, target)
    };
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)?;
        std::fs::write(out.join("station.pub"), &outcome.public_file)?;
        std::fs::write(out.join("trust.toml"), &outcome.trust_toml)?;
    }
    report(&outcome, &setup, &target, args.out.as_deref());
    Ok(ExitCode::SUCCESS)
}

fn provision(vol: &mut dyn DataVolume, setup: &Setup) -> anyhow::Result<SetupOutcome> {
    Ok(set_up(vol, setup)?)
}

fn setup_from(args: &ProvisionArgs) -> anyhow::Result<Setup> {
    let registry_key = match &args.registry_key {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("reading the registry key {}", p.display()))?,
        ),
        None => None,
    };
    let operators = args
        .operators
        .iter()
        .map(|o| match o.split_once('=') {
            Some((id, name)) => Ok(Operator {
                id: id.trim().to_string(),
                name: name.trim().to_string(),
            }),
            None => bail!("--operator {o:?}: write ID=NAME, e.g. op-7f3a=Camille"),
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Setup {
        workshop: Workshop {
            id: args.workshop.clone(),
            name: args.workshop_name.clone(),
            siret: args.siret.clone(),
            station: args.station.clone(),
        },
        registry_url: args.registry.clone(),
        registry_key,
        operators,
        language: args.lang.as_deref().and_then(Language::parse),
        replace_key: args.new_key,
    })
}

/// The image file or the stick, opened read-write (the stick exclusively), with the image
/// written onto it first when asked. `Err(code)` when refused.
fn open_target(args: &ProvisionArgs) -> anyhow::Result<Result<(File, String), ExitCode>> {
    if let Some(path) = &args.image {
        if let Some(img) = &args.write_image {
            std::fs::copy(img, path)
                .with_context(|| format!("copying {} to {}", img.display(), path.display()))?;
        }
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        return Ok(Ok((f, path.display().to_string())));
    }
    let dev = args.device.as_ref().expect("clap requires a target");
    let info = describe_target(&DiscoveryOptions::default(), dev)
        .with_context(|| format!("cannot use {}", dev.display()))?;
    if info.protected {
        let reasons: Vec<String> = info
            .protected_reasons
            .iter()
            .map(|r| r.to_string())
            .collect();
        eprintln!(
            "ardoise: refused: {} is protected and will not be written: {}",
            dev.display(),
            reasons.join("; ")
        );
        return Ok(Err(ExitCode::from(exit::REFUSED)));
    }
    if args.write_image.is_some() && !args.yes {
        eprintln!(
            "ardoise: writing the image destroys everything on {} ({} {}); add --yes to confirm",
            dev.display(),
            info.model,
            info.serial
        );
        return Ok(Err(ExitCode::from(exit::USAGE)));
    }
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_EXCL)
        .open(dev)
        .with_context(|| {
            format!(
                "{} is in use (mounted or held by another program)",
                dev.display()
            )
        })?;
    if let Some(img) = &args.write_image {
        write_image(img, &mut f, info.size_bytes)
            .with_context(|| format!("writing {} onto {}", img.display(), dev.display()))?;
    }
    Ok(Ok((
        f,
        format!("{} ({} {})", dev.display(), info.model, info.serial),
    )))
}

/// Copies the image onto the device, flushes it, and reads it back to compare.
fn write_image(img: &Path, dev: &mut File, dev_size: u64) -> anyhow::Result<()> {
    let mut src = File::open(img)?;
    let len = src.metadata()?.len();
    if len > dev_size {
        bail!("the image ({len} bytes) is larger than the stick ({dev_size} bytes)");
    }
    let mut written = blake3::Hasher::new();
    let mut buf = vec![0u8; 4 << 20];
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        dev.write_all(&buf[..n])?;
        written.update(&buf[..n]);
    }
    dev.sync_all()?;
    let mut back = blake3::Hasher::new();
    let mut left = len;
    std::io::Seek::seek(dev, std::io::SeekFrom::Start(0))?;
    while left > 0 {
        let n = dev.read(&mut buf[..left.min(4 << 20) as usize])?;
        if n == 0 {
            bail!("the stick ended before the image was read back");
        }
        back.update(&buf[..n]);
        left -= n as u64;
    }
    if back.finalize() != written.finalize() {
        bail!("the stick does not read back what was written: it may be faulty");
    }
    Ok(())
}

fn report(o: &SetupOutcome, setup: &Setup, target: &str, out: Option<&Path>) {
    println!("provisioned  {target}");
    println!(
        "station      workshop {} ({}), station {}",
        o.workshop, setup.workshop.name, o.station
    );
    println!(
        "station key  {} ({})",
        o.key_id,
        if o.key_kept {
            "kept: already this station's"
        } else {
            "new, on the data partition"
        }
    );
    match &setup.registry_url {
        Some(_) => println!(
            "registry     {} (its key pinned in keys/registry.pub)",
            ardoise_cert::validate::normalize_registry_url(
                setup.registry_url.as_deref().unwrap_or("")
            )
        ),
        None => println!(
            "registry     none: certificates stay on the stick (export them from the interface)"
        ),
    }
    if let Some(why) = &o.replaced_invalid_config {
        println!(
            "replaced     the partition's ardoise.toml, which the station could not read ({why})"
        );
    }
    if let Some(a) = &o.archived {
        println!("archived     earlier key and certificates moved to {a} on the partition");
    }
    if let Some(d) = out {
        println!(
            "written      {} and {}",
            d.join("station.pub").display(),
            d.join("trust.toml").display()
        );
    }
    println!();
    println!("On the registry, accept this station's certificates with:");
    println!("  {}", o.registry_command());
    println!();
    println!("Trust entry for auditors (add it to the network's trust file):");
    print!("{}", o.trust_toml);
}
