//! MMC commands through MMC_IOC_CMD / MMC_IOC_MULTI_CMD (`include/uapi/linux/mmc/ioctl.h`).

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

use nix::errno::Errno;

use crate::transport::{DataDir, MmcCmd, MmcReply, MmcTransport, TransportError};

/// `_IOWR(MMC_BLOCK_MAJOR, 0, struct mmc_ioc_cmd)`.
const MMC_IOC_CMD: libc::c_ulong = 0xC048_B300;
/// `_IOWR(MMC_BLOCK_MAJOR, 1, struct mmc_ioc_multi_cmd)`.
const MMC_IOC_MULTI_CMD: libc::c_ulong = 0xC008_B301;
/// MMC_IOC_MAX_CMDS.
const MAX_CMDS: usize = 255;

/// `struct mmc_ioc_cmd` (72 bytes).
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
struct MmcIocCmd {
    write_flag: libc::c_int,
    is_acmd: libc::c_int,
    opcode: u32,
    arg: u32,
    response: [u32; 4],
    flags: u32,
    blksz: u32,
    blocks: u32,
    postsleep_min_us: u32,
    postsleep_max_us: u32,
    data_timeout_ns: u32,
    cmd_timeout_ms: u32,
    pad: u32,
    data_ptr: u64,
}

const _: () = assert!(std::mem::size_of::<MmcIocCmd>() == 72);

/// `struct mmc_ioc_multi_cmd` header followed by its commands, as one allocation.
#[repr(C)]
struct MmcIocMulti {
    num_of_cmds: u64,
    cmds: [MmcIocCmd; MAX_CMDS],
}

fn to_raw(cmd: &MmcCmd, data_ptr: u64) -> MmcIocCmd {
    MmcIocCmd {
        write_flag: libc::c_int::from(cmd.write_flag),
        is_acmd: libc::c_int::from(cmd.is_acmd),
        opcode: cmd.opcode,
        arg: cmd.arg,
        flags: cmd.flags,
        blksz: cmd.blksz,
        blocks: cmd.blocks,
        data_timeout_ns: cmd.data_timeout_ns,
        cmd_timeout_ms: cmd.cmd_timeout_ms,
        data_ptr,
        ..Default::default()
    }
}

/// MMC pass-through on an eMMC/SD block device (`/dev/mmcblkN`).
#[derive(Debug)]
pub struct MmcIoctl {
    file: File,
}

impl MmcIoctl {
    /// Opens the whole MMC block device (e.g. /dev/mmcblk0) read-write; the kernel accepts
    /// MMC_IOC_CMD only from CAP_SYS_RAWIO and not on a partition.
    pub fn open(path: &Path) -> Result<Self, TransportError> {
        Ok(MmcIoctl {
            file: super::open_for_passthrough(path)?,
        })
    }

    /// Commands through an already open descriptor of the device (a duplicate of the erase's
    /// exclusive open, so that they reach the disk that was checked, not a namesake).
    pub fn from_file(file: File) -> Self {
        MmcIoctl { file }
    }
}

impl MmcTransport for MmcIoctl {
    fn execute(&mut self, cmd: &MmcCmd, data: DataDir<'_>) -> Result<MmcReply, TransportError> {
        let expected = (cmd.blksz as usize) * (cmd.blocks as usize);
        if matches!(data, DataDir::None) && expected != 0 {
            return Err(TransportError::InvalidRequest(
                "MMC data command without a buffer".into(),
            ));
        }
        let ptr = match data {
            DataDir::None => 0u64,
            DataDir::FromDevice(buf) if buf.len() >= expected => buf.as_mut_ptr() as u64,
            DataDir::ToDevice(buf) if buf.len() >= expected => buf.as_ptr() as u64,
            _ => {
                return Err(TransportError::InvalidRequest(format!(
                    "MMC buffer shorter than {expected} bytes"
                )))
            }
        };
        let mut raw = to_raw(cmd, ptr);
        // SAFETY: `raw` is a valid mmc_ioc_cmd whose data_ptr (if any) points to a live buffer of
        // at least blksz*blocks bytes, checked above, for the duration of this synchronous ioctl.
        let rc = unsafe {
            libc::ioctl(
                self.file.as_raw_fd(),
                MMC_IOC_CMD,
                &mut raw as *mut MmcIocCmd,
            )
        };
        if rc < 0 {
            return Err(TransportError::from_errno("MMC_IOC_CMD", Errno::last()));
        }
        Ok(MmcReply {
            response: raw.response,
        })
    }

    fn execute_sequence(&mut self, cmds: &[MmcCmd]) -> Result<Vec<MmcReply>, TransportError> {
        if cmds.is_empty() || cmds.len() > MAX_CMDS {
            return Err(TransportError::InvalidRequest(format!(
                "{} MMC commands in one sequence",
                cmds.len()
            )));
        }
        if cmds.iter().any(|c| c.blksz != 0 && c.blocks != 0) {
            return Err(TransportError::InvalidRequest(
                "data commands cannot be sequenced".into(),
            ));
        }
        let mut multi = Box::new(MmcIocMulti {
            num_of_cmds: cmds.len() as u64,
            cmds: [MmcIocCmd::default(); MAX_CMDS],
        });
        for (slot, cmd) in multi.cmds.iter_mut().zip(cmds) {
            *slot = to_raw(cmd, 0);
        }
        // SAFETY: `multi` starts with num_of_cmds followed by that many valid mmc_ioc_cmd entries
        // (none carries a data pointer), exactly the layout of struct mmc_ioc_multi_cmd; it is
        // heap-allocated and alive until the synchronous ioctl returns.
        let rc = unsafe {
            libc::ioctl(
                self.file.as_raw_fd(),
                MMC_IOC_MULTI_CMD,
                &mut *multi as *mut MmcIocMulti,
            )
        };
        if rc < 0 {
            return Err(TransportError::from_errno(
                "MMC_IOC_MULTI_CMD",
                Errno::last(),
            ));
        }
        Ok(multi.cmds[..cmds.len()]
            .iter()
            .map(|c| MmcReply {
                response: c.response,
            })
            .collect())
    }
}
