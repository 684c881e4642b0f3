//! `ardoise tui --simulate`: the simulator's standard machine (ATA HDD, frozen ATA SSD, NVMe,
//! eMMC, a failing drive, the protected boot stick) in a directory, and a demonstration
//! workshop when no data directory is given.

use std::path::{Path, PathBuf};

use ardoise_disk::sim::profile::standard_machine;

/// The profiles `standard_machine` writes, in its order.
pub const STANDARD_NAMES: [&str; 6] = [
    "sim-ata-hdd",
    "sim-ata-ssd-frozen",
    "sim-nvme",
    "sim-emmc",
    "sim-ata-failing",
    "sim-boot-stick",
];

/// The simulated disks of this run.
pub struct SimMachine {
    /// The directory holding the simulated disks.
    pub dir: PathBuf,
    /// The disks' profile files, the standard ones first in the order of [`STANDARD_NAMES`].
    pub profiles: Vec<PathBuf>,
    _temp: Option<tempfile::TempDir>,
}

/// Creates the standard machine in `dir` (or a temporary directory), with disks of `size_mib`
/// MiB; an existing machine in `dir` is reused as it is (its drives keep their state).
pub fn prepare(dir: Option<&Path>, size_mib: u64) -> Result<SimMachine, String> {
    let (dir, temp) = match dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
            (d.to_path_buf(), None)
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("ardoise-sim-")
                .tempdir()
                .map_err(|e| format!("temporary directory: {e}"))?;
            (t.path().to_path_buf(), Some(t))
        }
    };
    let existing = existing_profiles(&dir);
    let profiles = if existing.is_empty() {
        let sectors = size_mib.max(1) * 2048;
        standard_machine(&dir, sectors).map_err(|e| e.to_string())?
    } else {
        existing
    };
    Ok(SimMachine {
        dir,
        profiles,
        _temp: temp,
    })
}

/// Profiles already in `dir`: the standard ones first, in their order, then any other.
fn existing_profiles(dir: &Path) -> Vec<PathBuf> {
    let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("json"))
                .collect()
        })
        .unwrap_or_default();
    others.sort();
    let mut out = Vec::new();
    for name in STANDARD_NAMES {
        if let Some(i) = others
            .iter()
            .position(|p| p.file_stem().and_then(|s| s.to_str()) == Some(name))
        {
            out.push(others.remove(i));
        }
    }
    out.extend(others);
    out
}

/// The configuration of the demonstration workshop (written only into a temporary data
/// directory this run created).
pub const DEMO_CONFIG: &str = r#"# Demonstration workshop of `ardoise tui --simulate`.
[workshop]
id = "atelier-demo"
name = "Atelier de démonstration"
station = "poste-1"

[[operators]]
id = "op-camille"
name = "Camille"

[[operators]]
id = "op-yanis"
name = "Yanis"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_is_created_once_then_reused() {
        let d = tempfile::tempdir().unwrap();
        let m = prepare(Some(d.path()), 1).unwrap();
        assert_eq!(m.profiles.len(), 6);
        let again = prepare(Some(d.path()), 1).unwrap();
        assert_eq!(m.profiles, again.profiles);
        ardoise_station::Config::parse(DEMO_CONFIG).unwrap();
    }
}
