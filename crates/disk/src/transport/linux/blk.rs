//! Generic block-device ioctls (`include/uapi/linux/fs.h`).

use std::fs::File;
use std::os::fd::AsRawFd;

use nix::errno::Errno;

use crate::transport::TransportError;

const BLKRRPART: libc::c_ulong = 0x125F;
const BLKSSZGET: libc::c_ulong = 0x1268;
const BLKDISCARD: libc::c_ulong = 0x1277;
const BLKGETSIZE64: libc::c_ulong = 0x8008_1272;
const BLKPBSZGET: libc::c_ulong = 0x127B;
const BLKSECDISCARD: libc::c_ulong = 0x127D;
const BLKROTATIONAL: libc::c_ulong = 0x127E;
const BLKZEROOUT: libc::c_ulong = 0x127F;
const BLKFLSBUF: libc::c_ulong = 0x1261;

/// Size in bytes of a block device (BLKGETSIZE64).
pub fn size_bytes(file: &File) -> Result<u64, TransportError> {
    let mut size: u64 = 0;
    // SAFETY: BLKGETSIZE64 writes one u64 through the pointer, which points to `size`.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), BLKGETSIZE64, &mut size as *mut u64) };
    check(rc, "BLKGETSIZE64").map(|_| size)
}

/// Logical sector size (BLKSSZGET).
pub fn logical_sector_size(file: &File) -> Result<u32, TransportError> {
    let mut v: libc::c_int = 0;
    // SAFETY: BLKSSZGET writes one int through the pointer, which points to `v`.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), BLKSSZGET, &mut v as *mut libc::c_int) };
    check(rc, "BLKSSZGET").map(|_| v as u32)
}

/// Physical sector size (BLKPBSZGET).
pub fn physical_sector_size(file: &File) -> Result<u32, TransportError> {
    let mut v: libc::c_uint = 0;
    // SAFETY: BLKPBSZGET writes one unsigned int through the pointer, which points to `v`.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), BLKPBSZGET, &mut v as *mut libc::c_uint) };
    check(rc, "BLKPBSZGET").map(|_| v)
}

/// Whether the queue is rotational (BLKROTATIONAL).
pub fn rotational(file: &File) -> Result<bool, TransportError> {
    let mut v: libc::c_ushort = 0;
    // SAFETY: BLKROTATIONAL writes one unsigned short through the pointer, which points to `v`.
    let rc = unsafe {
        libc::ioctl(
            file.as_raw_fd(),
            BLKROTATIONAL,
            &mut v as *mut libc::c_ushort,
        )
    };
    check(rc, "BLKROTATIONAL").map(|_| v != 0)
}

/// Drops the buffer cache of the device (BLKFLSBUF), so that later buffered reads hit the media.
pub fn flush_buffers(file: &File) -> Result<(), TransportError> {
    // SAFETY: BLKFLSBUF takes no argument.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), BLKFLSBUF, 0) };
    check(rc, "BLKFLSBUF").map(|_| ())
}

/// Asks the kernel to re-read the partition table (BLKRRPART; whole-disk descriptor only).
pub fn reread_partitions(file: &File) -> Result<(), TransportError> {
    // SAFETY: BLKRRPART takes no argument.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), BLKRRPART, 0) };
    check(rc, "BLKRRPART").map(|_| ())
}

/// The range ioctls BLKDISCARD / BLKSECDISCARD / BLKZEROOUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeOp {
    /// A hint: no guarantee about the data afterwards.
    Discard,
    /// Secure discard (MMC secure erase/trim, where the driver supports it).
    SecureDiscard,
    /// The range reads back as zeros afterwards.
    ZeroOut,
}

/// Issues a range ioctl on `[offset, offset + len)`; both must be multiples of 512.
pub fn range(file: &File, op: RangeOp, offset: u64, len: u64) -> Result<(), TransportError> {
    let (req, name) = match op {
        RangeOp::Discard => (BLKDISCARD, "BLKDISCARD"),
        RangeOp::SecureDiscard => (BLKSECDISCARD, "BLKSECDISCARD"),
        RangeOp::ZeroOut => (BLKZEROOUT, "BLKZEROOUT"),
    };
    let arg: [u64; 2] = [offset, len];
    // SAFETY: the range ioctls read two u64 (start, length) through the pointer, which points to
    // `arg`, alive for the call.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), req, arg.as_ptr()) };
    check(rc, name).map(|_| ())
}

fn check(rc: libc::c_int, op: &'static str) -> Result<libc::c_int, TransportError> {
    if rc < 0 {
        Err(TransportError::from_errno(op, Errno::last()))
    } else {
        Ok(rc)
    }
}
