//! The status codes the controller answers with and the helpers every command shares.

use nix::errno::Errno;

use crate::transport::{NvmeReply, TransportError};

pub(super) const OP: &str = "NVME_IOCTL_ADMIN_CMD";
pub(super) const NSID_ALL: u32 = 0xFFFF_FFFF;

// Status field values (SC | SCT << 8 | DNR << 14), written out here rather than taken from
// crate::nvme so that the model stays independent of the code it tests.
pub(super) const SUCCESS: u16 = 0x0000;
pub(super) const DNR: u16 = 0x4000;
pub(super) const INVALID_OPCODE: u16 = 0x0001 | DNR;
pub(super) const INVALID_FIELD: u16 = 0x0002 | DNR;
pub(super) const INVALID_NAMESPACE: u16 = 0x000B | DNR;
pub(super) const SANITIZE_FAILED: u16 = 0x001C | DNR;
pub(super) const SANITIZE_IN_PROGRESS: u16 = 0x001D;
pub(super) const INVALID_LOG_PAGE: u16 = 0x0109 | DNR;
pub(super) const INVALID_FORMAT: u16 = 0x010A | DNR;

pub(super) fn gone(errno: Errno) -> TransportError {
    TransportError::DeviceGone { op: OP, errno }
}

pub(super) fn reply(status: u16) -> Result<NvmeReply, TransportError> {
    Ok(NvmeReply { status, result: 0 })
}

pub(super) fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    buf[at..at + bytes.len()].copy_from_slice(bytes);
}

pub(super) fn put_ascii(buf: &mut [u8], at: usize, len: usize, s: &str) {
    let mut field = vec![b' '; len];
    let n = s.len().min(len);
    field[..n].copy_from_slice(&s.as_bytes()[..n]);
    put(buf, at, &field);
}
