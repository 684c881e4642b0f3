//! The data path: positioned reads and writes on a whole disk (or a regular file used as a
//! target), with O_DIRECT where the kernel supports it.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;

use crate::transport::linux::blk;

/// Alignment that every buffer and offset given to [`BlockIo`] honours. 4096 covers the logical
/// sector size and DMA alignment of every device seen (512e, 4Kn, NVMe, loop).
pub const IO_ALIGN: usize = 4096;

/// Why a read or write failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The device disappeared (ENODEV, ENXIO, ENOMEDIUM, or a short count at a valid offset on a
    /// removed device).
    #[error("the device is gone at byte {offset}: {errno}")]
    Gone {
        /// Byte offset of the failed I/O.
        offset: u64,
        /// What the kernel returned.
        errno: Errno,
    },
    /// The medium could not read or write this range (EIO, ENODATA, EILSEQ, EBADMSG).
    #[error("medium error at byte {offset} (+{len}): {errno}")]
    Medium {
        /// Byte offset of the failed range.
        offset: u64,
        /// Its length in bytes.
        len: usize,
        /// What the kernel returned.
        errno: Errno,
    },
    /// No space left (a regular-file target on a full filesystem).
    #[error("no space left at byte {offset}")]
    NoSpace {
        /// Byte offset of the failed write.
        offset: u64,
    },
    /// Outside the device.
    #[error("range {offset}+{len} is outside the device ({size} bytes)")]
    OutOfRange {
        /// Byte offset asked for.
        offset: u64,
        /// Length asked for.
        len: usize,
        /// The device's size in bytes.
        size: u64,
    },
    /// Misaligned buffer, offset or length.
    #[error("misaligned I/O at {offset} (+{len}); alignment is {align}")]
    Misaligned {
        /// Byte offset asked for.
        offset: u64,
        /// Length asked for.
        len: usize,
        /// The alignment required, in bytes.
        align: usize,
    },
    /// Any other error.
    #[error("I/O error at byte {offset}: {errno}")]
    Io {
        /// Byte offset of the failed I/O.
        offset: u64,
        /// What the kernel returned.
        errno: Errno,
    },
}

impl BlockError {
    /// Classifies an I/O error of the range `offset` (+`len`) by its errno: a vanished device, a
    /// medium error that can be skipped, a full filesystem, or anything else.
    pub fn from_io(err: &std::io::Error, offset: u64, len: usize) -> Self {
        let errno = Errno::from_raw(err.raw_os_error().unwrap_or(libc::EIO));
        match errno {
            Errno::ENODEV | Errno::ENXIO | Errno::ENOMEDIUM => BlockError::Gone { offset, errno },
            Errno::EIO | Errno::ENODATA | Errno::EILSEQ | Errno::EBADMSG | Errno::EREMOTEIO => {
                BlockError::Medium { offset, len, errno }
            }
            Errno::ENOSPC => BlockError::NoSpace { offset },
            _ => BlockError::Io { offset, errno },
        }
    }

    /// The device disappeared ([`BlockError::Gone`]): stop, nothing more can be done on it.
    pub fn is_gone(&self) -> bool {
        matches!(self, BlockError::Gone { .. })
    }

    /// Errors that concern a range and may be skipped (counted, listed) rather than ending the job.
    pub fn is_medium(&self) -> bool {
        matches!(self, BlockError::Medium { .. })
    }
}

/// Positioned I/O on a whole target. Shared by reference between a job's threads.
pub trait BlockIo: Send + Sync {
    /// Addressable size in bytes (a multiple of the logical sector size).
    fn size_bytes(&self) -> u64;
    /// Logical sector size in bytes: the unit of offsets and lengths.
    fn logical_sector_size(&self) -> u32;
    /// Physical sector size in bytes (at least the logical one).
    fn physical_sector_size(&self) -> u32;
    /// Whether reads and writes bypass the page cache.
    fn is_direct(&self) -> bool;
    /// Reads exactly `buf.len()` bytes at `offset`. Offset and length are multiples of the
    /// logical sector size, the buffer is [`IO_ALIGN`]-aligned.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), BlockError>;
    /// Writes all of `buf` at `offset`, same alignment rules as [`BlockIo::read_at`].
    fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), BlockError>;
    /// Makes every completed write durable (fsync; the device's cache is flushed by the kernel).
    fn flush(&self) -> Result<(), BlockError>;
    /// Drops cached pages so that the next read comes from the medium (a no-op under O_DIRECT).
    fn drop_cache(&self) -> Result<(), BlockError> {
        Ok(())
    }

    /// Asks the kernel for the size again (after a hidden area was lifted and the disk
    /// rescanned) and returns it.
    fn refresh_size(&self) -> Result<u64, BlockError> {
        Ok(self.size_bytes())
    }

    /// Whether the device is still attached. A pulled disk often answers its last writes with
    /// EIO, which looks like a medium error: callers ask this before counting a bad range.
    fn is_present(&self) -> bool {
        true
    }

    /// Whether the kernel may report a removal late, so a caller should give it a moment
    /// before trusting [`BlockIo::is_present`] (true for real block devices).
    fn removal_may_lag(&self) -> bool {
        false
    }
}

/// A page-aligned, zero-initialised byte buffer for O_DIRECT.
pub struct AlignedBuf {
    pages: Vec<Page>,
    len: usize,
}

#[repr(C, align(4096))]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Page([u8; IO_ALIGN]);

impl AlignedBuf {
    /// A buffer of `len` bytes, rounded up internally to whole pages.
    pub fn new(len: usize) -> Self {
        let pages = vec![Page([0; IO_ALIGN]); len.div_ceil(IO_ALIGN)];
        AlignedBuf { pages, len }
    }

    /// Length in bytes, as asked (not rounded up).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the length is zero.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes, [`IO_ALIGN`]-aligned.
    pub fn as_slice(&self) -> &[u8] {
        &bytemuck::cast_slice(&self.pages)[..self.len]
    }

    /// The bytes, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut bytemuck::cast_slice_mut(&mut self.pages)[..self.len]
    }
}

impl std::fmt::Debug for AlignedBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AlignedBuf({} bytes)", self.len)
    }
}

/// A block device or a regular file opened for erasure: O_DIRECT when the kernel accepts it,
/// and O_EXCL on block devices so that nothing can mount it while we hold it.
#[derive(Debug)]
pub struct DeviceFile {
    path: PathBuf,
    file: File,
    size: std::sync::atomic::AtomicU64,
    logical: u32,
    physical: u32,
    direct: bool,
    is_block: bool,
}

/// How to open a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only: verification, inspection.
    ReadOnly,
    /// Reads and writes: erasure.
    ReadWrite,
}

impl DeviceFile {
    /// Opens `path`. A block device is opened O_EXCL (fails with EBUSY when mounted or held by
    /// another exclusive opener); a regular file is accepted as a development/test target.
    pub fn open(path: &Path, access: Access) -> Result<Self, OpenError> {
        let meta = std::fs::metadata(path).map_err(|e| OpenError::io(path, &e))?;
        let is_block = meta.file_type().is_block_device();
        if !is_block && !meta.file_type().is_file() {
            return Err(OpenError::NotABlockDevice(path.to_path_buf()));
        }
        let open = |direct: bool| {
            let mut flags = libc::O_CLOEXEC;
            if direct {
                flags |= libc::O_DIRECT;
            }
            if is_block {
                flags |= libc::O_EXCL;
            }
            OpenOptions::new()
                .read(true)
                .write(access == Access::ReadWrite)
                .custom_flags(flags)
                .open(path)
        };
        // Some filesystems (tmpfs before 6.6, overlayfs) refuse O_DIRECT: fall back to buffered
        // I/O with explicit flushes rather than refuse a file target.
        let (file, direct) = match open(true) {
            Ok(f) => (f, true),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) && !is_block => {
                (open(false).map_err(|e| OpenError::io(path, &e))?, false)
            }
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                return Err(OpenError::Busy(path.to_path_buf()))
            }
            Err(e) => return Err(OpenError::io(path, &e)),
        };
        let (size, logical, physical) = if is_block {
            let size =
                blk::size_bytes(&file).map_err(|e| OpenError::Ioctl(path.to_path_buf(), e))?;
            let logical = blk::logical_sector_size(&file).unwrap_or(512);
            let physical = blk::physical_sector_size(&file)
                .unwrap_or(logical)
                .max(logical);
            (size, logical, physical)
        } else {
            // A regular file is treated as a 512-byte-sector disk; a partial trailing sector is not
            // addressable.
            (meta.len() / 512 * 512, 512, 512)
        };
        Ok(DeviceFile {
            path: path.to_path_buf(),
            file,
            size: size.into(),
            logical,
            physical,
            direct,
            is_block,
        })
    }

    /// The path it was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open file (for ioctls).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Whether it is a block device rather than a regular file.
    pub fn is_block_device(&self) -> bool {
        self.is_block
    }

    /// An I/O error as a [`BlockError`]; a medium error on a device that has since vanished is
    /// reported as [`BlockError::Gone`].
    fn classify(&self, err: &std::io::Error, offset: u64, len: usize) -> BlockError {
        match BlockError::from_io(err, offset, len) {
            BlockError::Medium { errno, .. } | BlockError::Io { errno, .. }
                if !self.is_present() =>
            {
                BlockError::Gone { offset, errno }
            }
            other => other,
        }
    }

    fn check(&self, offset: u64, len: usize, buf_addr: usize) -> Result<(), BlockError> {
        let size = self.size_bytes();
        let end = offset.checked_add(len as u64);
        if end.is_none_or(|end| end > size) {
            return Err(BlockError::OutOfRange { offset, len, size });
        }
        let sector = u64::from(self.logical);
        let align = if self.direct {
            IO_ALIGN.max(self.logical as usize)
        } else {
            1
        };
        if !offset.is_multiple_of(sector)
            || !(len as u64).is_multiple_of(sector)
            || !buf_addr.is_multiple_of(align)
        {
            return Err(BlockError::Misaligned { offset, len, align });
        }
        Ok(())
    }
}

impl BlockIo for DeviceFile {
    fn size_bytes(&self) -> u64 {
        self.size.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn logical_sector_size(&self) -> u32 {
        self.logical
    }

    fn physical_sector_size(&self) -> u32 {
        self.physical
    }

    fn is_direct(&self) -> bool {
        self.direct
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), BlockError> {
        self.check(offset, buf.len(), buf.as_ptr() as usize)?;
        let mut done = 0;
        while done < buf.len() {
            let at = offset + done as u64;
            match self.file.read_at(&mut buf[done..], at) {
                // A short read of zero bytes inside the device means the device shrank or vanished.
                Ok(0) => {
                    return Err(BlockError::Gone {
                        offset: at,
                        errno: Errno::ENXIO,
                    })
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.classify(&e, at, buf.len() - done)),
            }
        }
        Ok(())
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), BlockError> {
        self.check(offset, buf.len(), buf.as_ptr() as usize)?;
        let mut done = 0;
        while done < buf.len() {
            let at = offset + done as u64;
            match self.file.write_at(&buf[done..], at) {
                Ok(0) => {
                    return Err(BlockError::Gone {
                        offset: at,
                        errno: Errno::ENXIO,
                    })
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.classify(&e, at, buf.len() - done)),
            }
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), BlockError> {
        self.file.sync_all().map_err(|e| self.classify(&e, 0, 0))
    }

    fn removal_may_lag(&self) -> bool {
        self.is_block
    }

    fn is_present(&self) -> bool {
        if !self.is_block {
            return true;
        }
        // After removal the kernel deletes the disk's sysfs node, marks the SCSI device
        // "cancel"/"deleted" and sets the capacity of the (still open) disk to zero.
        let Ok(meta) = self.file.metadata() else {
            return false;
        };
        let rdev = std::os::unix::fs::MetadataExt::rdev(&meta);
        let node = PathBuf::from(format!(
            "/sys/dev/block/{}:{}",
            libc::major(rdev),
            libc::minor(rdev)
        ));
        if !node.exists() {
            return false;
        }
        if let Ok(state) = std::fs::read_to_string(node.join("device/state")) {
            if matches!(state.trim(), "cancel" | "deleted") {
                return false;
            }
        }
        blk::size_bytes(&self.file).is_ok_and(|size| size > 0)
    }

    fn refresh_size(&self) -> Result<u64, BlockError> {
        if self.is_block {
            let size = blk::size_bytes(&self.file).map_err(|_| BlockError::Io {
                offset: 0,
                errno: Errno::EIO,
            })?;
            self.size.store(size, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(self.size_bytes())
    }

    fn drop_cache(&self) -> Result<(), BlockError> {
        if self.direct {
            return Ok(());
        }
        if self.is_block {
            blk::flush_buffers(&self.file).map_err(|_| BlockError::Io {
                offset: 0,
                errno: Errno::EIO,
            })
        } else {
            nix::fcntl::posix_fadvise(
                std::os::fd::AsRawFd::as_raw_fd(&self.file),
                0,
                0,
                nix::fcntl::PosixFadviseAdvice::POSIX_FADV_DONTNEED,
            )
            .map_err(|errno| BlockError::Io { offset: 0, errno })
        }
    }
}

/// Why a target could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The path is neither a block device nor a regular file.
    #[error("{0} is neither a block device nor a regular file")]
    NotABlockDevice(PathBuf),
    /// Opening with O_EXCL failed with EBUSY: mounted or held by another program.
    #[error("{0} is busy: mounted or opened exclusively by another program")]
    Busy(PathBuf),
    /// Opening failed otherwise.
    #[error("cannot open {path}: {error}")]
    Io {
        /// The path opened.
        path: PathBuf,
        /// What opening returned.
        // Not a `#[source]`: the message already says it, and chained printing would repeat it.
        error: std::io::Error,
    },
    /// The size query (BLKGETSIZE64) failed on the opened block device.
    #[error("cannot query {0}: {1}")]
    Ioctl(PathBuf, crate::transport::TransportError),
}

impl OpenError {
    fn io(path: &Path, e: &std::io::Error) -> Self {
        OpenError::Io {
            path: path.to_path_buf(),
            error: std::io::Error::from_raw_os_error(e.raw_os_error().unwrap_or(libc::EIO)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_buffer_is_page_aligned() {
        let mut b = AlignedBuf::new(10_000);
        assert_eq!(b.len(), 10_000);
        assert_eq!(b.as_slice().as_ptr() as usize % IO_ALIGN, 0);
        b.as_mut_slice()[9_999] = 7;
        assert_eq!(b.as_slice()[9_999], 7);
    }

    #[test]
    fn regular_file_round_trip_and_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("disk.img");
        std::fs::write(&p, vec![0u8; 1 << 20]).unwrap();
        let dev = DeviceFile::open(&p, Access::ReadWrite).unwrap();
        assert_eq!(dev.size_bytes(), 1 << 20);
        let mut buf = AlignedBuf::new(8192);
        buf.as_mut_slice().fill(0xA5);
        dev.write_at(buf.as_slice(), 4096).unwrap();
        dev.flush().unwrap();
        let mut back = AlignedBuf::new(8192);
        dev.read_at(back.as_mut_slice(), 4096).unwrap();
        assert!(back.as_slice().iter().all(|&b| b == 0xA5));
        assert!(matches!(
            dev.read_at(back.as_mut_slice(), (1 << 20) - 4096),
            Err(BlockError::OutOfRange { .. })
        ));
        assert!(matches!(
            dev.write_at(&buf.as_slice()[..100], 0),
            Err(BlockError::Misaligned { .. })
        ));
    }
}
