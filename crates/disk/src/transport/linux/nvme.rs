//! NVMe admin commands through NVME_IOCTL_ADMIN_CMD (`include/uapi/linux/nvme_ioctl.h`).

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Duration;

use nix::errno::Errno;

use crate::transport::{DataDir, NvmeAdminCmd, NvmeReply, NvmeTransport, TransportError};

/// `_IOWR('N', 0x41, struct nvme_admin_cmd)`.
const NVME_IOCTL_ADMIN_CMD: libc::c_ulong = 0xC048_4E41;
/// `_IO('N', 0x40)`: the namespace id of a namespace block device.
const NVME_IOCTL_ID: libc::c_ulong = 0x4E40;

/// `struct nvme_passthru_cmd` (72 bytes).
#[repr(C)]
#[derive(Debug, Default)]
struct NvmePassthruCmd {
    opcode: u8,
    flags: u8,
    rsvd1: u16,
    nsid: u32,
    cdw2: u32,
    cdw3: u32,
    metadata: u64,
    addr: u64,
    metadata_len: u32,
    data_len: u32,
    cdw10: u32,
    cdw11: u32,
    cdw12: u32,
    cdw13: u32,
    cdw14: u32,
    cdw15: u32,
    timeout_ms: u32,
    result: u32,
}

const _: () = assert!(std::mem::size_of::<NvmePassthruCmd>() == 72);

/// NVMe admin pass-through on a controller character device or a namespace block device.
#[derive(Debug)]
pub struct NvmeIoctl {
    file: File,
}

impl NvmeIoctl {
    /// Opens an NVMe controller (/dev/nvmeN) or namespace (/dev/nvmeNnM) node for admin
    /// pass-through.
    pub fn open(path: &Path) -> Result<Self, TransportError> {
        Ok(NvmeIoctl {
            file: super::open_for_passthrough(path)?,
        })
    }

    /// Commands through an already open descriptor of the device (a duplicate of the erase's
    /// exclusive open, so that they reach the disk that was checked, not a namesake).
    pub fn from_file(file: File) -> Self {
        NvmeIoctl { file }
    }

    /// The namespace id behind a namespace block device (NVME_IOCTL_ID).
    pub fn namespace_id(&self) -> Result<u32, TransportError> {
        // SAFETY: NVME_IOCTL_ID takes no argument and returns the nsid or -1 with errno.
        let rc = unsafe { libc::ioctl(self.file.as_raw_fd(), NVME_IOCTL_ID) };
        if rc < 0 {
            return Err(TransportError::from_errno("NVME_IOCTL_ID", Errno::last()));
        }
        Ok(rc as u32)
    }
}

impl NvmeTransport for NvmeIoctl {
    fn admin(
        &mut self,
        cmd: &NvmeAdminCmd,
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<NvmeReply, TransportError> {
        let (addr, len) = match data {
            DataDir::None => (0u64, 0usize),
            DataDir::FromDevice(buf) => (buf.as_mut_ptr() as u64, buf.len()),
            DataDir::ToDevice(buf) => (buf.as_ptr() as u64, buf.len()),
        };
        let data_len = u32::try_from(len)
            .map_err(|_| TransportError::InvalidRequest(format!("{len} bytes")))?;
        let mut raw = NvmePassthruCmd {
            opcode: cmd.opcode,
            flags: cmd.flags,
            nsid: cmd.nsid,
            cdw2: cmd.cdw2,
            cdw3: cmd.cdw3,
            addr,
            data_len,
            cdw10: cmd.cdw10,
            cdw11: cmd.cdw11,
            cdw12: cmd.cdw12,
            cdw13: cmd.cdw13,
            cdw14: cmd.cdw14,
            cdw15: cmd.cdw15,
            timeout_ms: u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX),
            ..Default::default()
        };
        // SAFETY: `raw` is a valid nvme_passthru_cmd; `addr`/`data_len` describe the caller's
        // buffer, which stays alive and unaliased until this synchronous ioctl returns.
        let rc = unsafe {
            libc::ioctl(
                self.file.as_raw_fd(),
                NVME_IOCTL_ADMIN_CMD,
                &mut raw as *mut NvmePassthruCmd,
            )
        };
        if rc < 0 {
            return Err(TransportError::from_errno(
                "NVME_IOCTL_ADMIN_CMD",
                Errno::last(),
            ));
        }
        // rc > 0 is the NVMe status field of a completed command.
        Ok(NvmeReply {
            status: rc as u16,
            result: raw.result,
        })
    }
}
