//! The seam between ardoise and the kernel.
//!
//! Each transport is one function that hands a raw command (a SCSI CDB, which also carries
//! ATA PASS-THROUGH(16); an NVMe admin command; an MMC command) to the kernel and returns the
//! raw data, status and sense. [`linux`] implements it with ioctls; [`crate::sim`] implements
//! it by interpreting the same bytes the way a device would. Everything above this module —
//! encoders, decoders, state machines, the erase engine — runs unchanged over both.

pub mod linux;

use std::time::Duration;

/// Direction and buffer of a command's data phase.
#[derive(Debug)]
pub enum DataDir<'a> {
    /// No data phase.
    None,
    /// The device fills this buffer (SG_DXFER_FROM_DEV).
    FromDevice(&'a mut [u8]),
    /// The device reads this buffer (SG_DXFER_TO_DEV).
    ToDevice(&'a [u8]),
}

impl DataDir<'_> {
    /// Length of the data buffer in bytes (0 without a data phase).
    pub fn len(&self) -> usize {
        match self {
            DataDir::None => 0,
            DataDir::FromDevice(b) => b.len(),
            DataDir::ToDevice(b) => b.len(),
        }
    }

    /// Whether there is nothing to transfer.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a command could not be delivered or did not come back. A device that *answers* with
/// an error status is not a `TransportError`: that is a reply with a status or sense data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The device node or the device behind it went away (ENODEV, ENXIO, ENOMEDIUM).
    #[error("the device is gone ({op}: {errno})")]
    DeviceGone {
        /// The operation that failed ("open", "SG_IO", ...).
        op: &'static str,
        /// The errno the kernel returned.
        errno: nix::errno::Errno,
    },
    /// The command did not complete within its timeout (reported by the kernel or the HBA).
    #[error("the command timed out ({op})")]
    Timeout {
        /// The operation that timed out.
        op: &'static str,
    },
    /// The kernel refused the ioctl for this device (ENOTTY, EINVAL, EOPNOTSUPP, EPERM...).
    #[error("the kernel refused {op}: {errno}")]
    Refused {
        /// The operation that was refused.
        op: &'static str,
        /// The errno the kernel returned.
        errno: nix::errno::Errno,
    },
    /// Any other operating-system error.
    #[error("{op} failed: {errno}")]
    Os {
        /// The operation that failed.
        op: &'static str,
        /// The errno the kernel returned.
        errno: nix::errno::Errno,
    },
    /// The request itself is malformed (buffer too large, CDB of an impossible length).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl TransportError {
    /// Classifies an errno returned by an ioctl or a read/write.
    pub fn from_errno(op: &'static str, errno: nix::errno::Errno) -> Self {
        use nix::errno::Errno;
        match errno {
            Errno::ENODEV | Errno::ENXIO | Errno::ENOMEDIUM => {
                TransportError::DeviceGone { op, errno }
            }
            Errno::ETIMEDOUT => TransportError::Timeout { op },
            Errno::ENOTTY | Errno::EINVAL | Errno::EOPNOTSUPP | Errno::EPERM | Errno::EACCES => {
                TransportError::Refused { op, errno }
            }
            _ => TransportError::Os { op, errno },
        }
    }

    /// Whether the device disappeared (DeviceGone), as opposed to refusing or failing a command.
    pub fn is_device_gone(&self) -> bool {
        matches!(self, TransportError::DeviceGone { .. })
    }
}

// ---------------------------------------------------------------------------------------------
// SCSI (and ATA through SAT ATA PASS-THROUGH)
// ---------------------------------------------------------------------------------------------

/// What came back from a SCSI command (the output fields of `sg_io_hdr`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScsiReply {
    /// SCSI status byte (0x00 GOOD, 0x02 CHECK CONDITION, 0x08 BUSY...).
    pub status: u8,
    /// Host adapter status (0 = OK; e.g. 0x01 NO_CONNECT, 0x03 TIME_OUT).
    pub host_status: u16,
    /// Driver status (0 = OK; 0x08 DRIVER_SENSE means sense data was written).
    pub driver_status: u16,
    /// Sense data as written by the device or the SAT layer (may be empty: some USB bridges).
    pub sense: Vec<u8>,
    /// Bytes of the data phase not transferred.
    pub resid: i32,
    /// How long the command took, as measured by the kernel (ms) or the simulator.
    pub duration: Duration,
}

impl ScsiReply {
    /// GOOD status with no transport error and no sense data.
    pub fn is_clean_good(&self) -> bool {
        self.status == 0
            && self.host_status == 0
            && (self.driver_status & !0x08) == 0
            && self.sense.is_empty()
    }
}

/// Hands one SCSI CDB to a device. Implemented by SG_IO on a block or sg node, and by the
/// simulator.
pub trait ScsiTransport: Send {
    /// Sends cdb with its data phase and waits at most timeout for the device's answer.
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<ScsiReply, TransportError>;
}

impl<T: ScsiTransport + ?Sized> ScsiTransport for Box<T> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<ScsiReply, TransportError> {
        (**self).execute(cdb, data, timeout)
    }
}

// ---------------------------------------------------------------------------------------------
// NVMe admin
// ---------------------------------------------------------------------------------------------

/// An NVMe admin submission as the kernel's `struct nvme_passthru_cmd` carries it (the data
/// pointer and length come from the [`DataDir`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NvmeAdminCmd {
    /// CDW0 bits 7:0, the admin opcode (06h Identify, 02h Get Log Page, 80h Format NVM, 84h
    /// Sanitize).
    pub opcode: u8,
    /// CDW0 bits 15:8: FUSE (bits 1:0) and PSDT (bits 7:6); ardoise leaves it 0 (the kernel
    /// builds the data pointers itself).
    pub flags: u8,
    /// Namespace identifier (0 for controller commands, FFFFFFFFh for all namespaces).
    pub nsid: u32,
    /// Command dword 2, command-specific (unused by the admin commands ardoise sends).
    pub cdw2: u32,
    /// Command dword 3, command-specific (unused by the admin commands ardoise sends).
    pub cdw3: u32,
    /// Command dword 10, command-specific (e.g. CNS for Identify, SANACT for Sanitize).
    pub cdw10: u32,
    /// Command dword 11, command-specific (e.g. OVRPAT for Sanitize).
    pub cdw11: u32,
    /// Command dword 12, command-specific (e.g. the lower log page offset).
    pub cdw12: u32,
    /// Command dword 13, command-specific (e.g. the upper log page offset).
    pub cdw13: u32,
    /// Command dword 14, command-specific.
    pub cdw14: u32,
    /// Command dword 15, command-specific.
    pub cdw15: u32,
}

/// Completion of an NVMe admin command.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NvmeReply {
    /// The status field as the ioctl returns it: 0 = success, otherwise SC in bits 7:0, SCT in
    /// bits 10:8, MORE bit 13, DNR bit 14 (e.g. 0x4001 Invalid Opcode with DNR).
    pub status: u16,
    /// Completion queue entry dword 0.
    pub result: u32,
}

impl NvmeReply {
    /// SCT and SC are both zero: Successful Completion (NVMe Base 2.0, Generic Command Status).
    pub fn is_success(&self) -> bool {
        self.status & 0x7ff == 0
    }
    /// SC, the status code (bits 7:0).
    pub fn status_code(&self) -> u8 {
        (self.status & 0xff) as u8
    }
    /// SCT, the status code type (bits 10:8: 0 generic, 1 command specific, 2 media and data
    /// integrity).
    pub fn status_code_type(&self) -> u8 {
        ((self.status >> 8) & 0x7) as u8
    }
    /// DNR (bit 14): the controller says the same command would fail again.
    pub fn do_not_retry(&self) -> bool {
        self.status & 0x4000 != 0
    }
}

/// Hands one NVMe admin command to a controller. Implemented by NVME_IOCTL_ADMIN_CMD and by
/// the simulator.
pub trait NvmeTransport: Send {
    /// Sends one admin command with its data phase and waits at most timeout for its completion.
    fn admin(
        &mut self,
        cmd: &NvmeAdminCmd,
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<NvmeReply, TransportError>;
}

impl<T: NvmeTransport + ?Sized> NvmeTransport for Box<T> {
    fn admin(
        &mut self,
        cmd: &NvmeAdminCmd,
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<NvmeReply, TransportError> {
        (**self).admin(cmd, data, timeout)
    }
}

// ---------------------------------------------------------------------------------------------
// MMC / eMMC
// ---------------------------------------------------------------------------------------------

/// One MMC command as the kernel's `struct mmc_ioc_cmd` carries it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MmcCmd {
    /// Data direction to the card (and, for SWITCH, "this command writes").
    pub write_flag: bool,
    /// Application-specific command: the kernel sends CMD55 first (SD cards; eMMC has none).
    pub is_acmd: bool,
    /// The command index (6 SWITCH, 8 SEND_EXT_CSD, 13 SEND_STATUS, 35, 36, 38 erase).
    pub opcode: u32,
    /// The 32-bit command argument (JESD84-B51, per command; docs/standards.md §4.1).
    pub arg: u32,
    /// Response type flags (MMC_RSP_* | MMC_CMD_*).
    pub flags: u32,
    /// Block size of the data phase in bytes (512 for SEND_EXT_CSD).
    pub blksz: u32,
    /// Number of blocks in the data phase.
    pub blocks: u32,
    /// Overrides the data timeout the driver computes (0 = keep the driver's).
    pub data_timeout_ns: u32,
    /// Busy-wait timeout of an R1b command such as SWITCH or ERASE (0 = the kernel's default).
    pub cmd_timeout_ms: u32,
}

/// The card's response registers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MmcReply {
    /// The response registers as the kernel returns them: R1 card status in word 0, R2 in all four.
    pub response: [u32; 4],
}

/// Hands MMC commands to a card. `execute_sequence` sends the commands as one
/// MMC_IOC_MULTI_CMD so that no other request can slip in between (ERASE_GROUP_START, _END,
/// ERASE must be consecutive).
pub trait MmcTransport: Send {
    /// Sends one command (MMC_IOC_CMD) with its data phase.
    fn execute(&mut self, cmd: &MmcCmd, data: DataDir<'_>) -> Result<MmcReply, TransportError>;
    /// Sends the commands back to back as one MMC_IOC_MULTI_CMD and returns one reply per command.
    fn execute_sequence(&mut self, cmds: &[MmcCmd]) -> Result<Vec<MmcReply>, TransportError>;
}

impl<T: MmcTransport + ?Sized> MmcTransport for Box<T> {
    fn execute(&mut self, cmd: &MmcCmd, data: DataDir<'_>) -> Result<MmcReply, TransportError> {
        (**self).execute(cmd, data)
    }
    fn execute_sequence(&mut self, cmds: &[MmcCmd]) -> Result<Vec<MmcReply>, TransportError> {
        (**self).execute_sequence(cmds)
    }
}
