//! Discovery and safety on loop devices this test creates and removes.

use std::time::Duration;

use ardoise_disk::discovery::{describe_path, discover, DiscoveryOptions};
use ardoise_disk::testing::{require_root, run, LoopDevice, LoopOptions, Mount};
use ardoise_disk::{ProtectionReason, Transport};

fn find(name: &str) -> ardoise_disk::DiskInfo {
    let disks = discover(&DiscoveryOptions::default()).expect("discovery runs");
    disks
        .into_iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("{name} not discovered"))
}

#[test]
fn loop_device_is_listed_with_size_and_sector_size() {
    if !require_root() {
        return;
    }
    let lo = LoopDevice::create(LoopOptions {
        size_bytes: 48 << 20,
        ..Default::default()
    })
    .unwrap();
    let d = find(&lo.name());
    assert_eq!(d.transport, Transport::Loop);
    assert_eq!(d.size_bytes, 48 << 20);
    assert_eq!(d.logical_sector_size, 512);
    assert_eq!(d.path, lo.path);
    assert!(
        !d.protected,
        "an idle loop device is erasable: {:?}",
        d.protected_reasons
    );
    assert_eq!(d.serial, lo.backing.display().to_string());
}

#[test]
fn loop_device_with_4096_byte_sectors() {
    if !require_root() {
        return;
    }
    let lo = LoopDevice::create(LoopOptions {
        size_bytes: 32 << 20,
        sector_size: 4096,
        ..Default::default()
    })
    .unwrap();
    let d = find(&lo.name());
    assert_eq!(d.logical_sector_size, 4096);
    assert_eq!(d.physical_sector_size, 4096);
    assert_eq!(d.size_bytes, 32 << 20);
}

#[test]
fn mounted_loop_device_is_protected() {
    if !require_root() {
        return;
    }
    let lo = LoopDevice::create(LoopOptions::default()).unwrap();
    run("mkfs.ext4", &["-q", "-F", &lo.path.to_string_lossy()]).unwrap();
    let m = Mount::new(&lo.path, &[]).unwrap();
    let d = find(&lo.name());
    assert!(d.protected);
    let mountpoint = m.dir.path().to_string_lossy().into_owned();
    assert!(
        d.protected_reasons.iter().any(
            |r| matches!(r, ProtectionReason::Mounted { mountpoint: mp, .. } if *mp == mountpoint)
        ),
        "{:?}",
        d.protected_reasons
    );
    assert_eq!(d.mounts.len(), 1);
    drop(m);
    assert!(
        !find(&lo.name()).protected,
        "unmounted again, it is erasable"
    );
}

#[test]
fn mounted_partition_protects_the_whole_disk() {
    if !require_root() {
        return;
    }
    let lo = LoopDevice::create(LoopOptions {
        partscan: true,
        ..Default::default()
    })
    .unwrap();
    // One MBR partition from sector 2048 to the end (type 0x83), written by hand.
    let mut mbr = vec![0u8; 512];
    let entry = &mut mbr[446..462];
    entry[4] = 0x83;
    entry[8..12].copy_from_slice(&2048u32.to_le_bytes());
    entry[12..16].copy_from_slice(&((64u32 << 20) / 512 - 2048).to_le_bytes());
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    std::fs::write(&lo.backing, [mbr, vec![0u8; (64 << 20) - 512]].concat()).unwrap();
    run("blockdev", &["--rereadpt", &lo.path.to_string_lossy()]).unwrap();
    if !kernel_parses_mbr() {
        // Some build hosts run a kernel without partition parsers; the same logic is covered by
        // safety::tests on a fake sysfs tree, and by the QEMU tests with Debian's kernel.
        eprintln!(
            "skipped: this kernel has no MBR partition parser (CONFIG_MSDOS_PARTITION unset)"
        );
        return;
    }
    let part = std::path::PathBuf::from(format!("{}p1", lo.path.display()));
    for _ in 0..50 {
        if part.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(part.exists(), "partition node {} appeared", part.display());
    run("mkfs.ext4", &["-q", "-F", &part.to_string_lossy()]).unwrap();
    let _m = Mount::new(&part, &[]).unwrap();
    let d = find(&lo.name());
    assert_eq!(d.partitions, vec![format!("{}p1", lo.name())]);
    assert!(d.protected);
    assert!(
        matches!(&d.protected_reasons[0], ProtectionReason::Mounted { device, .. } if device.ends_with("p1"))
    );
    let err = describe_path(&DiscoveryOptions::default(), &part)
        .unwrap_err()
        .to_string();
    assert!(err.contains("partition"), "{err}");
}

#[test]
fn loop_device_held_exclusively_by_another_process_is_protected() {
    if !require_root() {
        return;
    }
    let lo = LoopDevice::create(LoopOptions::default()).unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "hold_exclusive_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ARDOISE_TEST_HOLD", &lo.path)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the child to say it holds the device.
    use std::io::BufRead;
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    assert!(
        lines
            .by_ref()
            .map_while(Result::ok)
            .any(|l| l.contains("HOLDING")),
        "helper did not start"
    );
    let d = find(&lo.name());
    let _ = child.kill();
    let _ = child.wait();
    assert!(d.protected, "an O_EXCL holder makes the disk protected");
    assert!(
        matches!(d.protected_reasons[0], ProtectionReason::Busy { .. }),
        "{:?}",
        d.protected_reasons
    );
}

/// Not a test on its own: holds the device named by ARDOISE_TEST_HOLD open O_EXCL for the test
/// above, which runs it as a child process.
#[test]
fn hold_exclusive_helper() {
    use std::os::unix::fs::OpenOptionsExt;
    let Some(dev) = std::env::var_os("ARDOISE_TEST_HOLD") else {
        return;
    };
    let _f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc_o_excl())
        .open(dev)
        .expect("hold O_EXCL");
    println!("HOLDING");
    std::thread::sleep(Duration::from_secs(30));
}

fn kernel_parses_mbr() -> bool {
    let config = std::process::Command::new("zcat")
        .arg("/proc/config.gz")
        .output();
    match config {
        Ok(out) if out.status.success() => {
            String::from_utf8_lossy(&out.stdout).contains("CONFIG_MSDOS_PARTITION=y")
        }
        // No config exposed: assume a distribution kernel, which parses MBR.
        _ => true,
    }
}

fn libc_o_excl() -> i32 {
    0o200 // O_EXCL on Linux
}

#[test]
fn host_root_disk_is_protected_and_regular_files_are_targets() {
    // Reads only: the disk holding "/" must come out protected as the boot/root medium.
    let disks = discover(&DiscoveryOptions {
        include_loop: false,
        ..Default::default()
    })
    .unwrap();
    for d in disks
        .iter()
        .filter(|d| d.mounts.iter().any(|m| m.mountpoint == "/"))
    {
        assert!(d.protected, "{} holds / and must be protected", d.name);
        assert!(d
            .protected_reasons
            .iter()
            .any(|r| matches!(r, ProtectionReason::BootMedium { .. })));
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("target.img");
    std::fs::write(&f, vec![0u8; 1 << 20]).unwrap();
    let d = describe_path(&DiscoveryOptions::default(), &f).unwrap();
    assert_eq!(d.transport, Transport::File);
    assert_eq!(d.size_bytes, 1 << 20);
    assert!(!d.protected);
}

#[test]
fn a_device_whose_capacity_drops_to_zero_is_no_longer_present() {
    // The kernel sets a removed disk's capacity to zero before its node goes: an open handle
    // then sees a present-looking path but an empty disk.
    use ardoise_disk::block::{Access, BlockIo, DeviceFile};
    if !require_root() {
        return;
    }
    let lo = LoopDevice::create(LoopOptions {
        size_bytes: 8 << 20,
        ..Default::default()
    })
    .unwrap();
    let dev = DeviceFile::open(&lo.path, Access::ReadWrite).unwrap();
    assert!(dev.is_present());
    assert!(dev.removal_may_lag());
    std::fs::OpenOptions::new()
        .write(true)
        .open(&lo.backing)
        .unwrap()
        .set_len(0)
        .unwrap();
    run("losetup", &["-c", &lo.path.to_string_lossy()]).unwrap();
    assert!(!dev.is_present());
}

#[test]
fn a_loop_device_reattached_to_another_file_is_not_the_confirmed_disk() {
    use ardoise_disk::{open_disk, Access, OpenDiskError};
    if !require_root() {
        return;
    }
    let size = 8usize << 20;
    let mut lo = LoopDevice::create(LoopOptions {
        size_bytes: size as u64,
        ..Default::default()
    })
    .unwrap();
    std::fs::write(&lo.backing, vec![0xA5u8; size]).unwrap();
    let confirmed = describe_path(&DiscoveryOptions::default(), &lo.path).unwrap();
    assert!(!confirmed.protected, "{:?}", confirmed.protected_reasons);
    // Same node, same size, another file behind it.
    let other_dir = tempfile::tempdir().unwrap();
    let other = other_dir.path().join("other.img");
    std::fs::write(&other, vec![0x5Au8; size]).unwrap();
    let first = lo.backing.clone();
    lo.reattach(&other).unwrap();
    match open_disk(&confirmed, Access::ReadWrite) {
        Err(OpenDiskError::NotConfirmed { differences, .. }) => assert!(
            differences.iter().any(|d| d.starts_with("serial:")),
            "{differences:?}"
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(std::fs::read(&first).unwrap().iter().all(|&b| b == 0xA5));
    assert!(std::fs::read(&other).unwrap().iter().all(|&b| b == 0x5A));
    // The disk that is there now, described now, opens; its description is the fresh one.
    let now = describe_path(&DiscoveryOptions::default(), &lo.path).unwrap();
    let opened = open_disk(&now, Access::ReadOnly).unwrap();
    assert_eq!(opened.info.serial, other.display().to_string());
}

/// Two loop devices stand for two namespaces of one NVMe controller: a fake sysfs tree whose
/// device numbers are the loop devices' own, and device nodes that lead to them.
fn fake_controller(a: &LoopDevice, b: &LoopDevice) -> (tempfile::TempDir, DiscoveryOptions) {
    use std::os::unix::fs::{symlink, MetadataExt};
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

#[test]
fn a_mounted_sibling_namespace_forbids_the_reach_and_a_free_one_is_held_for_the_job() {
    use ardoise_disk::siblings::hold_siblings;
    if !require_root() {
        return;
    }
    let opts8 = LoopOptions {
        size_bytes: 8 << 20,
        ..Default::default()
    };
    let (a, b) = (
        LoopDevice::create(opts8).unwrap(),
        LoopDevice::create(opts8).unwrap(),
    );
    let (_root, opts) = fake_controller(&a, &b);
    let n1 = discover(&opts)
        .unwrap()
        .into_iter()
        .find(|d| d.name == "nvme0n1")
        .unwrap();
    // The other namespace is mounted: a command reaching it is forbidden.
    run("mkfs.ext4", &["-q", "-F", &b.path.to_string_lossy()]).unwrap();
    let m = Mount::new(&b.path, &[]).unwrap();
    let problems = hold_siblings(&opts, &n1).unwrap_err();
    assert!(
        problems.len() == 1 && problems[0].contains("nvme0n2"),
        "{problems:?}"
    );
    drop(m);
    // Free: it is held, and nothing can mount it while the job runs.
    let held = hold_siblings(&opts, &n1).unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].info.name, "nvme0n2");
    assert_eq!(held[0].nsid, Some(2));
    assert!(
        Mount::new(&b.path, &[]).is_err(),
        "a held namespace cannot be mounted"
    );
    drop(held);
    drop(Mount::new(&b.path, &[]).unwrap());
}
