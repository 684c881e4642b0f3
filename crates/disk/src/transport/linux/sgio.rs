//! SCSI commands through the SG_IO ioctl (`include/scsi/sg.h`), on a block device or sg node.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Duration;

use nix::errno::Errno;

use crate::transport::{DataDir, ScsiReply, ScsiTransport, TransportError};

const SG_IO: libc::c_ulong = 0x2285;
const SG_DXFER_NONE: libc::c_int = -1;
const SG_DXFER_TO_DEV: libc::c_int = -2;
const SG_DXFER_FROM_DEV: libc::c_int = -3;
/// Largest sense buffer we ask for (descriptor sense with an ATA status return fits in 32).
const SENSE_LEN: usize = 64;
/// SG_IO caps one transfer at what the queue accepts; 16 MiB is far above any command we send.
const MAX_TRANSFER: usize = 16 << 20;

/// `struct sg_io_hdr` for x86-64 and other LP64 targets (88 bytes).
#[repr(C)]
#[derive(Debug)]
struct SgIoHdr {
    interface_id: libc::c_int,
    dxfer_direction: libc::c_int,
    cmd_len: u8,
    mx_sb_len: u8,
    iovec_count: u16,
    dxfer_len: u32,
    dxferp: *mut libc::c_void,
    cmdp: *const u8,
    sbp: *mut u8,
    timeout: u32,
    flags: u32,
    pack_id: libc::c_int,
    usr_ptr: *mut libc::c_void,
    status: u8,
    masked_status: u8,
    msg_status: u8,
    sb_len_wr: u8,
    host_status: u16,
    driver_status: u16,
    resid: libc::c_int,
    duration: u32,
    info: u32,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<SgIoHdr>() == 88);

/// SG_IO on an open device node.
#[derive(Debug)]
pub struct SgIo {
    file: File,
}

impl SgIo {
    /// Opens a block (/dev/sdX) or sg (/dev/sgN) node for SG_IO.
    pub fn open(path: &Path) -> Result<Self, TransportError> {
        Ok(SgIo {
            file: super::open_for_passthrough(path)?,
        })
    }

    /// Wraps a node the caller has already opened (read-write, for write-class commands).
    pub fn from_file(file: File) -> Self {
        SgIo { file }
    }
}

impl ScsiTransport for SgIo {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<ScsiReply, TransportError> {
        if cdb.is_empty() || cdb.len() > 16 {
            return Err(TransportError::InvalidRequest(format!(
                "CDB of {} bytes",
                cdb.len()
            )));
        }
        if data.len() > MAX_TRANSFER {
            return Err(TransportError::InvalidRequest(format!(
                "transfer of {} bytes",
                data.len()
            )));
        }
        let mut sense = [0u8; SENSE_LEN];
        let (direction, ptr, len) = match data {
            DataDir::None => (SG_DXFER_NONE, std::ptr::null_mut(), 0),
            DataDir::FromDevice(buf) => (SG_DXFER_FROM_DEV, buf.as_mut_ptr().cast(), buf.len()),
            DataDir::ToDevice(buf) => (SG_DXFER_TO_DEV, buf.as_ptr().cast_mut().cast(), buf.len()),
        };
        let timeout_ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
        let mut hdr = SgIoHdr {
            interface_id: b'S' as libc::c_int,
            dxfer_direction: direction,
            cmd_len: cdb.len() as u8,
            mx_sb_len: SENSE_LEN as u8,
            iovec_count: 0,
            dxfer_len: len as u32,
            dxferp: ptr,
            cmdp: cdb.as_ptr(),
            sbp: sense.as_mut_ptr(),
            timeout: timeout_ms,
            flags: 0,
            pack_id: 0,
            usr_ptr: std::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        };
        // SAFETY: `hdr` is a valid sg_io_hdr; cmdp/sbp/dxferp point into `cdb`, `sense` and the
        // caller's buffer, all alive and of the stated lengths until the synchronous ioctl returns;
        // a to-device buffer is only read by the kernel despite the *mut cast.
        let rc = unsafe { libc::ioctl(self.file.as_raw_fd(), SG_IO, &mut hdr as *mut SgIoHdr) };
        if rc < 0 {
            return Err(TransportError::from_errno("SG_IO", Errno::last()));
        }
        let sense_len = usize::from(hdr.sb_len_wr).min(SENSE_LEN);
        // SG_INFO_OK_MASK / host status 0x03 (DID_TIME_OUT) is how a timeout reaches us.
        if hdr.host_status == 0x03 {
            return Err(TransportError::Timeout { op: "SG_IO" });
        }
        if hdr.host_status == 0x01 || hdr.host_status == 0x04 {
            // DID_NO_CONNECT / DID_BAD_TARGET: the device went away.
            return Err(TransportError::DeviceGone {
                op: "SG_IO",
                errno: Errno::ENODEV,
            });
        }
        Ok(ScsiReply {
            status: hdr.status,
            host_status: hdr.host_status,
            driver_status: hdr.driver_status,
            sense: sense[..sense_len].to_vec(),
            resid: hdr.resid,
            duration: Duration::from_millis(u64::from(hdr.duration)),
        })
    }
}
