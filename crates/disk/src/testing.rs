//! Test support: loop devices that a test creates and always removes, and mounts it undoes.
//! Only devices created here are ever touched; nothing names a host disk.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs a command and returns its stdout, or a message that says what failed.
pub fn run(cmd: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// True when loop-device tests can run (root, losetup present). When they cannot, tests fail
/// with this message unless `ARDOISE_NO_ROOT_TESTS=1` says to skip them on purpose.
pub fn require_root() -> bool {
    let root = nix::unistd::Uid::effective().is_root();
    let losetup = Command::new("losetup").arg("--version").output().is_ok();
    if root && losetup {
        return true;
    }
    if std::env::var("ARDOISE_NO_ROOT_TESTS").as_deref() == Ok("1") {
        eprintln!("skipped: loop-device tests need root and losetup (ARDOISE_NO_ROOT_TESTS=1)");
        return false;
    }
    panic!("loop-device tests need root and losetup; run as root or set ARDOISE_NO_ROOT_TESTS=1 to skip them knowingly");
}

/// A loop device over a file in a private temporary directory; detached and deleted on drop.
pub struct LoopDevice {
    /// The loop device (`/dev/loopN`).
    pub path: PathBuf,
    /// The file behind it.
    pub backing: PathBuf,
    _dir: tempfile::TempDir,
}

/// Options for [`LoopDevice::create`].
#[derive(Debug, Clone, Copy)]
pub struct LoopOptions {
    /// Size of the backing file.
    pub size_bytes: u64,
    /// Logical sector size (`losetup --sector-size`).
    pub sector_size: u32,
    /// Direct I/O on the backing file (`losetup --direct-io`).
    pub direct_io: bool,
    /// Scan partitions (`losetup -P`).
    pub partscan: bool,
}

impl Default for LoopOptions {
    fn default() -> Self {
        LoopOptions {
            size_bytes: 64 << 20,
            sector_size: 512,
            direct_io: true,
            partscan: false,
        }
    }
}

impl LoopDevice {
    /// Creates and attaches a loop device in a new temporary directory.
    pub fn create(opts: LoopOptions) -> Result<Self, String> {
        Self::create_in(None, opts)
    }

    /// Creates the backing file under `parent` (e.g. a tmpfs) or the default temp dir.
    pub fn create_in(parent: Option<&Path>, opts: LoopOptions) -> Result<Self, String> {
        let dir = match parent {
            Some(p) => tempfile::tempdir_in(p),
            None => tempfile::tempdir(),
        }
        .map_err(|e| e.to_string())?;
        let backing = dir.path().join("disk.img");
        let f = fs::File::create(&backing).map_err(|e| e.to_string())?;
        f.set_len(opts.size_bytes).map_err(|e| e.to_string())?;
        drop(f);
        Self::attach(dir, backing, opts)
    }

    /// Attaches an existing file (kept in `dir`, deleted with it).
    pub fn attach(
        dir: tempfile::TempDir,
        backing: PathBuf,
        opts: LoopOptions,
    ) -> Result<Self, String> {
        let sector = opts.sector_size.to_string();
        let mut args = vec!["--find", "--show", "--sector-size", sector.as_str()];
        if opts.direct_io {
            args.push("--direct-io=on");
        }
        if opts.partscan {
            args.push("--partscan");
        }
        let backing_str = backing.to_str().ok_or("non-UTF-8 temp path")?.to_string();
        args.push(&backing_str);
        let path = PathBuf::from(run("losetup", &args)?);
        Ok(LoopDevice {
            path,
            backing,
            _dir: dir,
        })
    }

    /// Detaches the device and attaches the same node to `backing` (a file the caller keeps):
    /// the name stays, the disk behind it changes.
    pub fn reattach(&mut self, backing: &Path) -> Result<(), String> {
        let node = self.path.to_string_lossy().into_owned();
        run("losetup", &["-d", &node])?;
        // The kernel clears the device asynchronously; retry while it is still busy.
        let file = backing.to_str().ok_or("non-UTF-8 temp path")?;
        let mut last = String::new();
        for _ in 0..20 {
            match run("losetup", &["--direct-io=on", &node, file]) {
                Ok(_) => {
                    self.backing = backing.to_path_buf();
                    return Ok(());
                }
                Err(e) => last = e,
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Err(last)
    }

    /// Kernel name (`loop7`).
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

impl Drop for LoopDevice {
    fn drop(&mut self) {
        // Retry: udev or a just-closed holder can keep the device busy for a moment.
        for _ in 0..20 {
            if run("losetup", &["-d", &self.path.to_string_lossy()]).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        eprintln!("warning: could not detach {}", self.path.display());
    }
}

/// A filesystem mounted for the duration of a test; unmounted on drop.
pub struct Mount {
    /// The mount point.
    pub dir: tempfile::TempDir,
}

impl Mount {
    /// Mounts `device` (with `mount`'s extra arguments) on a new temporary directory.
    pub fn new(device: &Path, fstype_args: &[&str]) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut args: Vec<&str> = fstype_args.to_vec();
        let dev = device.to_string_lossy().into_owned();
        let target = dir.path().to_string_lossy().into_owned();
        args.push(&dev);
        args.push(&target);
        run("mount", &args)?;
        Ok(Mount { dir })
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = run("umount", &[&self.dir.path().to_string_lossy()]);
    }
}
