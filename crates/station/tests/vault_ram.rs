//! The password vault's durability is measured from the filesystem that holds it (issue 12 §7):
//! a data directory on tmpfs keeps no ATA password through a power cut, whatever the station is
//! told, so no security erase starts there. Root only (the test mounts a tmpfs of its own in a
//! directory it creates, and unmounts it).

use std::path::{Path, PathBuf};

use ardoise_disk::discovery::DiscoveryOptions;
use ardoise_disk::open::describe_target;
use ardoise_disk::sim::profile::standard_machine;
use ardoise_disk::testing::{require_root, run};
use ardoise_disk::{open_disk, Access};
use ardoise_erase::job::{prepare, JobRequest, RefusedWhy};
use ardoise_erase::plan::PlanError;
use ardoise_station::{Station, StationOptions};

/// A tmpfs mounted on a new temporary directory, unmounted on drop.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn new() -> Tmpfs {
        let d = tempfile::tempdir().unwrap();
        run(
            "mount",
            &[
                "-t",
                "tmpfs",
                "-o",
                "size=16m",
                "ardoise-test",
                &d.path().to_string_lossy(),
            ],
        )
        .unwrap();
        Tmpfs(d)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = run("umount", &[&self.0.path().to_string_lossy()]);
    }
}

fn open_station(dir: &Path) -> Station {
    std::fs::write(
        dir.join("ardoise.toml"),
        "[workshop]\nid = \"w\"\nname = \"W\"\nstation = \"s\"\n[registry]\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    Station::open(&StationOptions {
        data_dir: Some(dir.to_path_buf()),
        create_key: true,
        // What the init says when it mounted a data partition, or what a caller assumes.
        persistent: Some(true),
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn a_vault_on_tmpfs_is_not_durable_whatever_the_station_is_told() {
    if !require_root() {
        return;
    }
    let disks = tempfile::tempdir().unwrap();
    let hdd = &standard_machine(disks.path(), 16_384).unwrap()[0];
    let info = describe_target(
        &DiscoveryOptions::default(),
        &PathBuf::from(format!("sim:{}", hdd.display())),
    )
    .unwrap();
    let ram = Tmpfs::new();
    {
        let st = open_station(ram.0.path());
        assert!(!st.vault().is_durable());
        let disk = open_disk(&info, Access::ReadWrite).unwrap();
        let req = JobRequest {
            method: "ata-security-erase-enhanced".into(),
            ..Default::default()
        };
        let Err(refused) = prepare(disk, req, st.vault().as_ref()) else {
            panic!("a security erase was prepared with the vault in RAM");
        };
        match &refused.error {
            RefusedWhy::Plan(PlanError::Unsupported { reason, .. }) => {
                assert!(reason.contains("persistent data partition"), "{reason}")
            }
            other => panic!("{other}"),
        }
        // auto takes another method.
        let disk = open_disk(&info, Access::ReadWrite).unwrap();
        let job = prepare(disk, JobRequest::default(), st.vault().as_ref())
            .unwrap_or_else(|r| panic!("{}", r.error));
        assert!(!job.plan.method.id().starts_with("ata-security-erase"));
    }
    // The same station on a disk-backed directory has a durable vault.
    let data = tempfile::tempdir().unwrap();
    let st = open_station(data.path());
    if ardoise_disk::durable::persistence_of(data.path()).survives_power_cut() {
        assert!(st.vault().is_durable());
    }
}
