//! The simulated medium: a backing file holding every native sector, a visible limit (what an
//! HPA or accessible-max-address leaves to the host), and injectable faults.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use nix::errno::Errno;
use serde::{Deserialize, Serialize};

use crate::block::{BlockError, BlockIo};

/// Faults a test can inject into a simulated medium.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultPlan {
    /// Sectors (LBAs) that fail every read with a medium error.
    #[serde(default)]
    pub unreadable: BTreeSet<u64>,
    /// Sectors that fail every write with a medium error.
    #[serde(default)]
    pub unwritable: BTreeSet<u64>,
    /// The device vanishes (every later I/O and command fails as "gone") once this many bytes
    /// have been written through the block path.
    #[serde(default)]
    pub vanish_after_bytes_written: Option<u64>,
    /// Once gone, host reads and writes fail with EIO (a medium error) rather than ENODEV, as
    /// the last writes to a pulled USB disk do.
    #[serde(default)]
    pub vanish_with_eio: bool,
    /// The kernel's idea of the disk's size, in sectors: the host's block view has this size
    /// whatever the drive's max address says (libata answering READ CAPACITY from the size it
    /// cached before a hidden area was lifted; a bridge that reports less, or more, than the
    /// drive). Never beyond the medium. `None`: the block view follows the drive.
    #[serde(default)]
    pub kernel_sectors: Option<u64>,
}

/// The medium shared by a simulated device's command model and its block I/O.
#[derive(Debug)]
pub struct SimMedia {
    path: PathBuf,
    file: File,
    sector_size: u32,
    native_sectors: u64,
    visible_sectors: AtomicU64,
    /// [`FaultPlan::kernel_sectors`], `u64::MAX` for none.
    kernel_sectors: AtomicU64,
    gone: AtomicBool,
    /// Set by a device model whose state forbids media access (security locked, sanitize in
    /// progress or failed): host reads and writes then fail as the kernel reports them, EIO.
    host_io_refused: AtomicBool,
    written: AtomicU64,
    faults: Mutex<FaultPlan>,
}

impl SimMedia {
    /// Creates (or truncates) a backing file of `native_sectors` sectors, filled with zeros.
    pub fn create(
        path: &Path,
        sector_size: u32,
        native_sectors: u64,
    ) -> std::io::Result<Arc<Self>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        file.set_len(native_sectors * u64::from(sector_size))?;
        Ok(Self::from_file(path, file, sector_size, native_sectors))
    }

    /// Opens an existing backing file; its length decides the native capacity.
    pub fn open(path: &Path, sector_size: u32) -> std::io::Result<Arc<Self>> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        let native_sectors = file.metadata()?.len() / u64::from(sector_size);
        Ok(Self::from_file(path, file, sector_size, native_sectors))
    }

    fn from_file(path: &Path, file: File, sector_size: u32, native_sectors: u64) -> Arc<Self> {
        Arc::new(SimMedia {
            path: path.to_path_buf(),
            file,
            sector_size,
            native_sectors,
            visible_sectors: AtomicU64::new(native_sectors),
            kernel_sectors: AtomicU64::new(u64::MAX),
            gone: AtomicBool::new(false),
            host_io_refused: AtomicBool::new(false),
            written: AtomicU64::new(0),
            faults: Mutex::new(FaultPlan::default()),
        })
    }

    /// The backing file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Logical sector size in bytes.
    pub fn sector_size(&self) -> u32 {
        self.sector_size
    }

    /// Every sector of the medium, those hidden by an HPA, accessible max address or DCO included.
    pub fn native_sectors(&self) -> u64 {
        self.native_sectors
    }

    /// Sectors the host can address (less than native when a hidden area is set).
    pub fn visible_sectors(&self) -> u64 {
        self.visible_sectors.load(Ordering::SeqCst)
    }

    /// Set by the device model (SET MAX ADDRESS, DCO, accessible max address).
    pub fn set_visible_sectors(&self, sectors: u64) {
        self.visible_sectors
            .store(sectors.min(self.native_sectors), Ordering::SeqCst);
    }

    /// Replaces the injected faults (and the kernel's idea of the size) from now on.
    pub fn set_faults(&self, plan: FaultPlan) {
        self.kernel_sectors
            .store(plan.kernel_sectors.unwrap_or(u64::MAX), Ordering::SeqCst);
        *self.faults.lock().expect("fault plan lock") = plan;
    }

    /// Sectors the host's block view reaches: the visible ones, or the kernel's stale idea of
    /// them ([`FaultPlan::kernel_sectors`]).
    pub fn host_sectors(&self) -> u64 {
        match self.kernel_sectors.load(Ordering::SeqCst) {
            u64::MAX => self.visible_sectors(),
            k => k.min(self.native_sectors),
        }
    }

    /// The faults in force.
    pub fn faults(&self) -> FaultPlan {
        self.faults.lock().expect("fault plan lock").clone()
    }

    /// Makes the device disappear: every later I/O and command fails as "gone".
    pub fn vanish(&self) {
        self.gone.store(true, Ordering::SeqCst);
    }

    /// Whether the device has vanished, like a pulled disk.
    pub fn is_gone(&self) -> bool {
        self.gone.load(Ordering::SeqCst)
    }

    /// Set by the device model: while `true`, host I/O through [`SimBlock`] fails with EIO
    /// (the device aborts media access commands). Firmware erases are unaffected.
    pub fn refuse_host_io(&self, refused: bool) {
        self.host_io_refused.store(refused, Ordering::SeqCst);
    }

    /// Whether the device model currently makes host reads and writes fail.
    pub fn host_io_refused(&self) -> bool {
        self.host_io_refused.load(Ordering::SeqCst)
    }

    fn sectors_of(&self, offset: u64, len: usize) -> std::ops::Range<u64> {
        let ss = u64::from(self.sector_size);
        offset / ss..(offset + len as u64).div_ceil(ss)
    }

    fn first_faulty(&self, set: &BTreeSet<u64>, offset: u64, len: usize) -> Option<u64> {
        set.range(self.sectors_of(offset, len)).next().copied()
    }

    /// The checks every native access makes: the device is present, the range is inside the
    /// medium, and no sector of it is in the given fault set.
    fn check_native(
        &self,
        offset: u64,
        len: usize,
        faulty: impl FnOnce(&FaultPlan) -> &BTreeSet<u64>,
    ) -> Result<(), BlockError> {
        if self.is_gone() {
            return Err(BlockError::Gone {
                offset,
                errno: Errno::ENODEV,
            });
        }
        let native_bytes = self.native_sectors * u64::from(self.sector_size);
        if offset + len as u64 > native_bytes {
            return Err(BlockError::OutOfRange {
                offset,
                len,
                size: native_bytes,
            });
        }
        let plan = self.faults.lock().expect("fault plan lock");
        match self.first_faulty(faulty(&plan), offset, len) {
            Some(lba) => Err(BlockError::Medium {
                offset: lba * u64::from(self.sector_size),
                len: self.sector_size as usize,
                errno: Errno::EIO,
            }),
            None => Ok(()),
        }
    }

    /// Reads native sectors (the device model's view: ignores the visible limit), honouring
    /// unreadable-sector faults.
    pub fn read_native(&self, offset: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        self.check_native(offset, buf.len(), |p| &p.unreadable)?;
        self.file
            .read_exact_at(buf, offset)
            .map_err(|e| BlockError::from_io(&e, offset, buf.len()))
    }

    /// Writes native sectors (the device model's view), honouring unwritable-sector faults.
    pub fn write_native(&self, offset: u64, buf: &[u8]) -> Result<(), BlockError> {
        self.check_native(offset, buf.len(), |p| &p.unwritable)?;
        self.file
            .write_all_at(buf, offset)
            .map_err(|e| BlockError::from_io(&e, offset, buf.len()))
    }

    /// Fills native sectors `[first, first + count)` with bytes produced by `fill` for each chunk
    /// (the device model's erase primitive). `fill` receives the chunk and its byte offset.
    pub fn fill_sectors(
        &self,
        first: u64,
        count: u64,
        mut fill: impl FnMut(&mut [u8], u64),
    ) -> Result<(), BlockError> {
        const CHUNK: u64 = 1 << 20;
        let ss = u64::from(self.sector_size);
        let (mut offset, end) = (first * ss, (first + count) * ss);
        let mut buf = vec![0u8; CHUNK as usize];
        while offset < end {
            let n = (end - offset).min(CHUNK) as usize;
            fill(&mut buf[..n], offset);
            if self.is_gone() {
                return Err(BlockError::Gone {
                    offset,
                    errno: Errno::ENODEV,
                });
            }
            // Erase commands rewrite even sectors that host writes cannot reach.
            self.file
                .write_all_at(&buf[..n], offset)
                .map_err(|e| BlockError::from_io(&e, offset, n))?;
            offset += n as u64;
        }
        Ok(())
    }

    /// Flushes the backing file (fsync): the simulated drive's cache reaching the medium.
    pub fn sync(&self) -> Result<(), BlockError> {
        self.file
            .sync_all()
            .map_err(|e| BlockError::from_io(&e, 0, 0))
    }
}

/// Block I/O on a simulated disk: the host's view, limited to the visible sectors.
#[derive(Debug, Clone)]
pub struct SimBlock {
    media: Arc<SimMedia>,
}

impl SimBlock {
    /// The host's block view of media.
    pub fn new(media: Arc<SimMedia>) -> Self {
        SimBlock { media }
    }

    /// The medium behind this view.
    pub fn media(&self) -> &Arc<SimMedia> {
        &self.media
    }

    fn check(&self, offset: u64, len: usize) -> Result<(), BlockError> {
        let size = self.size_bytes();
        if offset + len as u64 > size {
            return Err(BlockError::OutOfRange { offset, len, size });
        }
        let ss = u64::from(self.media.sector_size);
        if !offset.is_multiple_of(ss) || !(len as u64).is_multiple_of(ss) {
            return Err(BlockError::Misaligned {
                offset,
                len,
                align: ss as usize,
            });
        }
        if self.media.host_io_refused() && !self.media.is_gone() {
            return Err(BlockError::Medium {
                offset,
                len,
                errno: Errno::EIO,
            });
        }
        Ok(())
    }
}

impl SimBlock {
    /// A vanished device's error as the host sees it (EIO when the fault plan says so).
    fn as_host_sees_it(&self, e: BlockError, len: usize) -> BlockError {
        let eio = self
            .media
            .faults
            .lock()
            .expect("fault plan lock")
            .vanish_with_eio;
        match e {
            BlockError::Gone { offset, .. } if eio => BlockError::Medium {
                offset,
                len,
                errno: Errno::EIO,
            },
            e => e,
        }
    }
}

impl BlockIo for SimBlock {
    fn size_bytes(&self) -> u64 {
        self.media.host_sectors() * u64::from(self.media.sector_size)
    }

    fn logical_sector_size(&self) -> u32 {
        self.media.sector_size
    }

    fn physical_sector_size(&self) -> u32 {
        self.media.sector_size
    }

    fn is_direct(&self) -> bool {
        false
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), BlockError> {
        self.check(offset, buf.len())?;
        self.media
            .read_native(offset, buf)
            .map_err(|e| self.as_host_sees_it(e, buf.len()))
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), BlockError> {
        self.check(offset, buf.len())?;
        let limit = self
            .media
            .faults
            .lock()
            .expect("fault plan lock")
            .vanish_after_bytes_written;
        let before = self
            .media
            .written
            .fetch_add(buf.len() as u64, Ordering::SeqCst);
        if let Some(limit) = limit {
            if before + buf.len() as u64 > limit {
                self.media.vanish();
            }
        }
        self.media
            .write_native(offset, buf)
            .map_err(|e| self.as_host_sees_it(e, buf.len()))
    }

    fn is_present(&self) -> bool {
        !self.media.is_gone()
    }

    fn flush(&self) -> Result<(), BlockError> {
        if self.media.is_gone() {
            return Err(BlockError::Gone {
                offset: 0,
                errno: Errno::ENODEV,
            });
        }
        self.media.sync()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_sectors_are_outside_the_block_view_but_reachable_natively() {
        let dir = tempfile::tempdir().unwrap();
        let m = SimMedia::create(&dir.path().join("d.img"), 512, 100).unwrap();
        m.set_visible_sectors(90);
        let blk = SimBlock::new(m.clone());
        assert_eq!(blk.size_bytes(), 90 * 512);
        assert!(matches!(
            blk.write_at(&[1u8; 512], 90 * 512),
            Err(BlockError::OutOfRange { .. })
        ));
        m.write_native(95 * 512, &[7u8; 512]).unwrap();
        let mut b = [0u8; 512];
        m.read_native(95 * 512, &mut b).unwrap();
        assert_eq!(b, [7u8; 512]);
    }

    #[test]
    fn a_stale_kernel_size_is_the_host_view_whatever_the_drive_says() {
        let dir = tempfile::tempdir().unwrap();
        let m = SimMedia::create(&dir.path().join("d.img"), 512, 100).unwrap();
        m.set_visible_sectors(90);
        m.set_faults(FaultPlan {
            kernel_sectors: Some(80),
            ..FaultPlan::default()
        });
        let blk = SimBlock::new(m.clone());
        assert_eq!(blk.size_bytes(), 80 * 512);
        m.set_visible_sectors(100);
        assert_eq!(
            blk.refresh_size().unwrap(),
            80 * 512,
            "the kernel did not notice"
        );
        m.set_faults(FaultPlan {
            kernel_sectors: Some(200),
            ..FaultPlan::default()
        });
        assert_eq!(blk.size_bytes(), 100 * 512, "never beyond the medium");
        m.set_faults(FaultPlan::default());
        assert_eq!(blk.size_bytes(), 100 * 512);
    }

    #[test]
    fn faults_unreadable_unwritable_and_vanish() {
        let dir = tempfile::tempdir().unwrap();
        let m = SimMedia::create(&dir.path().join("d.img"), 512, 64).unwrap();
        m.set_faults(FaultPlan {
            unreadable: [3].into(),
            unwritable: [5].into(),
            vanish_after_bytes_written: Some(4096),
            vanish_with_eio: false,
            kernel_sectors: None,
        });
        let blk = SimBlock::new(m.clone());
        let mut b = vec![0u8; 1024];
        assert!(matches!(
            blk.read_at(&mut b, 1024),
            Err(BlockError::Medium { offset: 1536, .. })
        ));
        assert!(matches!(
            blk.write_at(&b, 2048),
            Err(BlockError::Medium { offset: 2560, .. })
        ));
        blk.write_at(&vec![0u8; 2048], 8192).unwrap();
        assert!(blk.write_at(&vec![0u8; 2048], 16384).unwrap_err().is_gone());
        assert!(blk.read_at(&mut b, 0).unwrap_err().is_gone());
    }
}
