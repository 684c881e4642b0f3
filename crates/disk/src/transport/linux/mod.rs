//! Linux ioctl transports: the only place in ardoise where `unsafe` is allowed.
//!
//! Every public function here is safe; each `unsafe` block hands the kernel a pointer to a
//! `#[repr(C)]` structure laid out like the kernel's uapi header, with buffers that outlive
//! the call, and says so in its `// SAFETY:` line. Errors carry the errno.
#![allow(unsafe_code)]

pub mod blk;
pub mod mmc;
pub mod nvme;
pub mod sgio;

pub use mmc::MmcIoctl;
pub use nvme::NvmeIoctl;
pub use sgio::SgIo;

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::TransportError;

/// Opens a device node for pass-through commands: read-write (write-class commands need it),
/// non-blocking (an sg/removable node may have no medium), close-on-exec. Never O_EXCL: the
/// data path holds the exclusive open.
pub fn open_for_passthrough(path: &Path) -> Result<File, TransportError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| {
            TransportError::from_errno(
                "open",
                nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
            )
        })
}
