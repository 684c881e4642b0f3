//! What one NVMe command reaches, through `prepare` (issue 12 §6): two loop devices stand for
//! two namespaces of one controller in a fake sysfs tree (their own device numbers, device
//! nodes that lead to them), the command layer is the simulator's controller, and the sibling
//! namespace is really mounted. Root only; each test creates and removes its loop devices.

mod firmware_support;

use std::os::unix::fs::{symlink, MetadataExt};
use std::sync::Arc;
use std::time::Duration;

use ardoise_disk::block::{Access, DeviceFile};
use ardoise_disk::discovery::{discover, DiscoveryOptions};
use ardoise_disk::nvme::NvmeController;
use ardoise_disk::sim::nvme::NvmeSimConfig;
use ardoise_disk::sim::SimDisk;
use ardoise_disk::testing::{require_root, run, LoopDevice, LoopOptions, Mount};
use ardoise_disk::{Commands, DiskInfo, OpenedDisk};
use ardoise_erase::firmware::MemoryVault;
use ardoise_erase::job::{prepare_with, JobRequest, RefusedWhy};
use ardoise_erase::method::Method;
use ardoise_erase::plan::PlanError;
use firmware_support::*;

/// `nvme0n1` and `nvme0n2` of one controller, backed by `a` and `b`.
fn fake_controller(a: &LoopDevice, b: &LoopDevice) -> (tempfile::TempDir, DiscoveryOptions) {
    let root = tempfile::tempdir().unwrap();
    let ctl = root
        .path()
        .join("devices/pci0000:00/0000:00:04.0/nvme/nvme0");
    for d in ["block", "dev/block"] {
        std::fs::create_dir_all(root.path().join(d)).unwrap();
    }
    for (lo, name, nsid) in [(a, "nvme0n1", 1), (b, "nvme0n2", 2)] {
        let rdev = std::fs::metadata(&lo.path).unwrap().rdev();
        let (major, minor) = ardoise_disk::safety::dev_numbers(rdev);
        let dev = format!("{major}:{minor}");
        let dir = ctl.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("dev"), &dev).unwrap();
        std::fs::write(dir.join("size"), "16384").unwrap();
        std::fs::write(dir.join("nsid"), nsid.to_string()).unwrap();
        symlink(&dir, root.path().join("block").join(name)).unwrap();
        symlink(&dir, root.path().join("dev/block").join(&dev)).unwrap();
        symlink(&lo.path, root.path().join("dev").join(name)).unwrap();
    }
    let opts = DiscoveryOptions {
        sys_root: root.path().to_path_buf(),
        dev_root: root.path().join("dev"),
        include_loop: false,
        probe_exclusive_open: false,
        boot_device: None,
        data_device: None,
        boot_medium: None,
        ..DiscoveryOptions::default()
    };
    (root, opts)
}

/// `nvme0n1` opened for erasure: its loop device held with O_EXCL, its commands answered by a
/// simulated controller whose Sanitize reaches the subsystem and whose Format NVM reaches
/// every namespace (FNA bits 0 and 1).
fn opened(info: &DiskInfo, a: &LoopDevice, controller: &std::path::Path) -> OpenedDisk {
    let block = DeviceFile::open(&a.path, Access::ReadWrite).unwrap();
    let transport = SimDisk::load(controller).unwrap().nvme_transport().unwrap();
    OpenedDisk {
        info: info.clone(),
        block: Arc::new(block),
        commands: Commands::Nvme {
            controller: NvmeController::new(transport),
            nsid: 1,
        },
        sim: None,
        device: None,
    }
}

fn request(method: &str) -> JobRequest {
    JobRequest {
        method: method.into(),
        firmware_poll: Duration::from_millis(5),
        ..Default::default()
    }
}

#[test]
fn a_mounted_sibling_namespace_refuses_sanitize_and_format_through_prepare() {
    if !require_root() {
        return;
    }
    let size = LoopOptions {
        size_bytes: (SECTORS * 512),
        ..Default::default()
    };
    let (a, b) = (
        LoopDevice::create(size).unwrap(),
        LoopDevice::create(size).unwrap(),
    );
    let (_root, opts) = fake_controller(&a, &b);
    let n1 = discover(&opts)
        .unwrap()
        .into_iter()
        .find(|d| d.name == "nvme0n1")
        .unwrap();
    assert!(!n1.protected, "{:?}", n1.protected_reasons);
    let sims = tempfile::tempdir().unwrap();
    let controller = nvme(
        sims.path(),
        "ctl",
        NvmeSimConfig {
            fna: 0b111,
            ..NvmeSimConfig::default()
        },
    );
    std::fs::write(&a.backing, vec![0xA5u8; (SECTORS * 512) as usize]).unwrap();
    run("mkfs.ext4", &["-q", "-F", &b.path.to_string_lossy()]).unwrap();
    let vault = MemoryVault::new();
    {
        let mounted = Mount::new(&b.path, &[]).unwrap();
        for method in [
            "nvme-sanitize-crypto",
            "nvme-sanitize-block",
            "nvme-format-user-data",
            "nvme-format-crypto",
        ] {
            let refused =
                prepare_with(&opts, opened(&n1, &a, &controller), request(method), &vault)
                    .err()
                    .unwrap_or_else(|| panic!("{method} was prepared"));
            match &refused.error {
                RefusedWhy::Plan(PlanError::Unsupported { reason, .. }) => assert!(
                    reason.contains("other namespaces") && reason.contains("nvme0n2"),
                    "{method}: {reason}"
                ),
                other => panic!("{method}: {other}"),
            }
        }
        // auto takes what reaches only the namespace named.
        let job = prepare_with(&opts, opened(&n1, &a, &controller), request("auto"), &vault)
            .unwrap_or_else(|r| panic!("{}", r.error));
        assert!(
            matches!(job.plan.method, Method::Overwrite { .. }),
            "{:?}",
            job.plan.method
        );
        assert!(job.other_namespaces.is_empty());
        drop(job);
        assert!(
            mounted.dir.path().join("lost+found").is_dir(),
            "the mounted namespace is still mounted"
        );
    }
    // Both namespaces free: the sanitize is planned, and the other namespace is held for it.
    let job = prepare_with(&opts, opened(&n1, &a, &controller), request("auto"), &vault)
        .unwrap_or_else(|r| panic!("{}", r.error));
    assert!(
        matches!(job.plan.method, Method::NvmeSanitize { .. }),
        "{:?}",
        job.plan.method
    );
    let reached: Vec<String> = job
        .namespaces_reached()
        .into_iter()
        .map(|n| n.device)
        .collect();
    assert_eq!(reached.len(), 2, "{reached:?}");
    assert!(reached[1].ends_with("nvme0n2"), "{reached:?}");
    assert!(
        Mount::new(&b.path, &[]).is_err(),
        "a held namespace cannot be mounted"
    );
    drop(job);
    // Nothing was written by preparing.
    assert!(std::fs::read(&a.backing)
        .unwrap()
        .iter()
        .all(|&x| x == 0xA5));
}
