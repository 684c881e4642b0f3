//! [`AtaDevice`]: typed ATA calls through SAT ATA PASS-THROUGH(16), each appended to a
//! transcript, with errors that say whether the device refused, failed, vanished, or left the
//! outcome unknown.

use std::time::Duration;

use crate::health::HealthFigures;
use crate::record::{NewRecord, Protocol, Transcript};
use crate::scsi::device::{exchange, status, transferred};
use crate::scsi::{CommandError, Sense, SenseKey};
use crate::transport::{DataDir, ScsiReply, ScsiTransport, TransportError};

use super::hidden::{amax_feature, dco_feature, DcoIdentify, MaxPersistence};
use super::identify::{IdentifyData, SecurityLevel};
use super::passthrough::{op, AtaCommand, AtaProtocol};
use super::registers::Registers;
use super::sanitize::{
    self, OverwriteOptions, SanitizeErrorReason, SanitizeOptions, SanitizeStatus,
};
use super::security::{self, EraseMode, PasswordKind, SecurityPassword};
use super::smart::{self, SmartData, SmartStatus, SmartThresholds};

/// hdparm's default ATA command timeout (`sgio.c` `default_timeout_secs = 15`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Why an ATA command did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AtaError {
    /// The device disappeared (ENODEV, DID_NO_CONNECT...).
    #[error("the device is gone: {0}")]
    DeviceGone(TransportError),
    /// The command could not be delivered or did not come back (timeout, refused ioctl...).
    #[error("transport: {0}")]
    Transport(TransportError),
    /// The device refused the command (ERR with ABRT).
    #[error("the device aborted the command ({registers})")]
    Aborted {
        /// The output registers (ERR with ABRT), or [`Registers::Unavailable`] when the SAT
        /// layer answered ABORTED COMMAND without them.
        registers: Registers,
        /// The sense data that carried the registers, if any.
        sense: Option<Box<Sense>>,
    },
    /// The device reported an error other than ABRT (device fault, media error, DRQ...).
    #[error("the command failed ({registers})")]
    Failed {
        /// The output registers, whose STATUS and ERROR say what went wrong, or
        /// [`Registers::Unavailable`] when only the sense key reported the failure.
        registers: Registers,
        /// The sense data that carried the registers, if any.
        sense: Option<Box<Sense>>,
    },
    /// The SCSI/SAT layer refused the CDB before the device saw it (ILLEGAL REQUEST, NOT READY,
    /// UNIT ATTENTION...).
    #[error("the SAT layer rejected the command: {0}")]
    Rejected(Box<Sense>),
    /// The command needed output registers and none came back (USB bridge without sense).
    #[error("no ATA registers were returned; the outcome is unknown")]
    RegistersUnavailable,
    /// Fixed-format sense lost the high bytes the answer needs.
    #[error("the returned registers are incomplete: {0}")]
    RegistersIncomplete(String),
    /// A SCSI-level problem (BUSY, host/driver status, CHECK CONDITION without sense).
    #[error("SCSI: {0}")]
    Scsi(CommandError),
    /// The device answered with data or sense that do not fit their layout.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The request could not be encoded (caller error; nothing was sent).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl AtaError {
    /// The device disappeared: nothing more can be sent to it.
    pub fn is_device_gone(&self) -> bool {
        matches!(self, AtaError::DeviceGone(_))
    }

    /// The device refused the command (ERR with ABRT, or ABORTED COMMAND without registers).
    pub fn is_aborted(&self) -> bool {
        matches!(self, AtaError::Aborted { .. })
    }

    /// The registers returned with a refusal or failure.
    pub fn registers(&self) -> Option<&Registers> {
        match self {
            AtaError::Aborted { registers, .. } | AtaError::Failed { registers, .. } => {
                Some(registers)
            }
            _ => None,
        }
    }

    /// SANITIZE DEVICE ERROR REASON of an aborted sanitize command.
    pub fn sanitize_reason(&self) -> Option<SanitizeErrorReason> {
        match self {
            AtaError::Aborted { registers, .. } => {
                registers.regs().map(SanitizeErrorReason::from_registers)
            }
            _ => None,
        }
    }

    fn from_transport(e: TransportError) -> Self {
        if e.is_device_gone() {
            AtaError::DeviceGone(e)
        } else {
            AtaError::Transport(e)
        }
    }
}

/// Reads a SAT reply to ATA PASS-THROUGH.
fn interpret(reply: &ScsiReply, check_condition: bool) -> Result<Registers, AtaError> {
    if reply.host_status != 0 || reply.driver_status & !0x08 != 0 {
        return Err(AtaError::Scsi(CommandError::Host {
            host_status: reply.host_status,
            driver_status: reply.driver_status,
        }));
    }
    let sense =
        Sense::parse(&reply.sense).map_err(|e| AtaError::Malformed(format!("sense data: {e}")))?;
    let without_registers = if check_condition {
        Registers::Unavailable
    } else {
        Registers::NotRequested
    };
    match (reply.status, sense) {
        (status::GOOD, None) => Ok(without_registers),
        (status::GOOD | status::CHECK_CONDITION, Some(s)) => match Registers::from_sense(&s) {
            Some(regs) => {
                let r = *regs.regs().expect("registers from sense");
                let sense_ok = matches!(s.key, SenseKey::NoSense | SenseKey::RecoveredError);
                if r.is_aborted() {
                    Err(AtaError::Aborted {
                        registers: regs,
                        sense: Some(Box::new(s)),
                    })
                } else if r.is_failure() || !sense_ok {
                    // A clean STATUS with an error sense key is still a failure: trust the
                    // worse of the two.
                    Err(AtaError::Failed {
                        registers: regs,
                        sense: Some(Box::new(s)),
                    })
                } else {
                    Ok(regs)
                }
            }
            None => match s.key {
                SenseKey::NoSense | SenseKey::RecoveredError => Ok(without_registers),
                SenseKey::AbortedCommand => Err(AtaError::Aborted {
                    registers: Registers::Unavailable,
                    sense: Some(Box::new(s)),
                }),
                SenseKey::IllegalRequest
                | SenseKey::NotReady
                | SenseKey::UnitAttention
                | SenseKey::DataProtect => Err(AtaError::Rejected(Box::new(s))),
                _ => Err(AtaError::Failed {
                    registers: Registers::Unavailable,
                    sense: Some(Box::new(s)),
                }),
            },
        },
        (status::CHECK_CONDITION, None) => Err(AtaError::Scsi(
            CommandError::CheckConditionNoSense("no sense data returned".into()),
        )),
        (other, _) => Err(AtaError::Scsi(CommandError::Status { status: other })),
    }
}

fn describe(result: &Result<Registers, AtaError>) -> String {
    match result {
        Ok(Registers::NotRequested) => "GOOD".to_string(),
        Ok(Registers::Unavailable) => {
            "GOOD status but no ATA registers returned: outcome unverified".to_string()
        }
        Ok(r) => format!("GOOD ({r})"),
        Err(e @ (AtaError::Aborted { sense, .. } | AtaError::Failed { sense, .. })) => {
            match sense {
                Some(s) => format!("{e}; sense: {s}"),
                None => e.to_string(),
            }
        }
        Err(e) => e.to_string(),
    }
}

/// An ATA device reached through SAT (libata, a SAS HBA, a USB bridge).
pub struct AtaDevice<T: ScsiTransport> {
    transport: T,
    transcript: Transcript,
    timeout: Duration,
}

impl<T: ScsiTransport> AtaDevice<T> {
    /// A device on `transport`, with [`DEFAULT_TIMEOUT`] and an empty transcript.
    pub fn new(transport: T) -> Self {
        AtaDevice {
            transport,
            transcript: Transcript::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Timeout for ordinary commands (SECURITY ERASE UNIT takes its own).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Every command sent so far, with its outcome.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// Takes the transcript, leaving an empty one.
    pub fn take_transcript(&mut self) -> Transcript {
        std::mem::take(&mut self.transcript)
    }

    /// The underlying transport (used by tests and the simulator to reach the device).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Gives the transport back, dropping the transcript.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Sends one ATA command and records it. `data` must match the command's protocol and
    /// block count.
    pub fn execute(
        &mut self,
        name: &str,
        cmd: &AtaCommand,
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<Registers, AtaError> {
        let direction_ok = matches!(
            (cmd.protocol, &data),
            (AtaProtocol::NonData, DataDir::None)
                | (AtaProtocol::PioIn, DataDir::FromDevice(_))
                | (AtaProtocol::PioOut, DataDir::ToDevice(_))
        );
        if !direction_ok || data.len() != cmd.data_len() {
            return Err(AtaError::InvalidRequest(format!(
                "{name}: a {:?} command of {} bytes was given a {}-byte buffer of another direction",
                cmd.protocol,
                cmd.data_len(),
                data.len()
            )));
        }
        let cdb = cmd
            .encode()
            .map_err(|e| AtaError::InvalidRequest(format!("{name}: {e}")))?;
        let data_len = data.len();
        let data_out = match &data {
            DataDir::ToDevice(b) => Some(b.to_vec()),
            _ => None,
        };
        let (reply, duration_ms) = exchange(&mut self.transport, &cdb, data, timeout);
        let (result, raw) = match reply {
            Ok(r) => {
                let mut res = interpret(&r, cmd.check_condition);
                if res.is_ok()
                    && cmd.protocol == AtaProtocol::PioIn
                    && transferred(data_len, r.resid) != data_len
                {
                    res = Err(AtaError::Malformed(format!(
                        "short transfer: {} of {data_len} bytes",
                        transferred(data_len, r.resid)
                    )));
                }
                (res, (!r.sense.is_empty()).then(|| hex::encode(&r.sense)))
            }
            Err(e) => (Err(AtaError::from_transport(e)), None),
        };
        let ok = matches!(&result, Ok(r) if r.is_confirmed());
        self.transcript.push(NewRecord {
            protocol: Protocol::Ata,
            name: name.to_string(),
            request: hex::encode(cdb),
            data_out,
            outcome: describe(&result),
            raw_reply: raw,
            ok,
            duration_ms,
        });
        result
    }

    fn non_data(&mut self, name: &str, cmd: AtaCommand) -> Result<Registers, AtaError> {
        self.execute(name, &cmd, DataDir::None, self.timeout)
    }

    fn read_block(&mut self, name: &str, cmd: AtaCommand) -> Result<[u8; 512], AtaError> {
        let mut buf = [0u8; 512];
        self.execute(name, &cmd, DataDir::FromDevice(&mut buf), self.timeout)?;
        Ok(buf)
    }

    fn write_block(
        &mut self,
        name: &str,
        cmd: AtaCommand,
        mut block: [u8; 512],
        timeout: Duration,
    ) -> Result<Registers, AtaError> {
        let r = self.execute(name, &cmd, DataDir::ToDevice(&block), timeout);
        block.fill(0);
        r
    }

    // --- identification and health -------------------------------------------------------

    /// IDENTIFY DEVICE. A bad checksum is reported in [`IdentifyData::checksum`], not as an
    /// error, so that the caller decides.
    pub fn identify(&mut self) -> Result<IdentifyData, AtaError> {
        let b = self.read_block(
            "IDENTIFY DEVICE",
            AtaCommand::pio_in(op::IDENTIFY_DEVICE, 0, 1, 0),
        )?;
        IdentifyData::parse(&b).map_err(|e| AtaError::Malformed(e.to_string()))
    }

    /// SMART READ DATA (B0h/D0h): the 512-byte attribute page (ACS-4 SMART feature set; layout as
    /// smartmontools reads it, docs/standards.md §1.8).
    pub fn smart_read_data(&mut self) -> Result<SmartData, AtaError> {
        let b = self.read_block(
            "SMART READ DATA",
            AtaCommand::pio_in(
                op::SMART,
                u16::from(smart::feature::READ_DATA),
                1,
                smart::SMART_LBA,
            ),
        )?;
        SmartData::parse(&b).map_err(|e| AtaError::Malformed(e.to_string()))
    }

    /// SMART READ THRESHOLDS (B0h/D1h): the threshold page matching
    /// [`AtaDevice::smart_read_data`]; some drives refuse it.
    pub fn smart_read_thresholds(&mut self) -> Result<SmartThresholds, AtaError> {
        let b = self.read_block(
            "SMART READ THRESHOLDS",
            AtaCommand::pio_in(
                op::SMART,
                u16::from(smart::feature::READ_THRESHOLDS),
                1,
                smart::SMART_LBA,
            ),
        )?;
        SmartThresholds::parse(&b).map_err(|e| AtaError::Malformed(e.to_string()))
    }

    /// SMART RETURN STATUS: the drive's own pass/fail verdict, read from LBA(23:8).
    pub fn smart_return_status(&mut self) -> Result<SmartStatus, AtaError> {
        let regs = self.non_data(
            "SMART RETURN STATUS",
            AtaCommand::non_data(
                op::SMART,
                u16::from(smart::feature::RETURN_STATUS),
                0,
                smart::SMART_LBA,
            ),
        )?;
        let lba = regs.lba28().ok_or(AtaError::RegistersUnavailable)?;
        SmartStatus::from_lba(u64::from(lba)).ok_or_else(|| {
            AtaError::Malformed(format!("SMART RETURN STATUS answered LBA 0x{lba:07x}"))
        })
    }

    /// SMART data, thresholds and status reduced to [`HealthFigures`]. Thresholds and status are
    /// optional (some drives refuse them); READ DATA is required, and a vanished device is
    /// always an error.
    pub fn health(&mut self, solid_state: bool) -> Result<HealthFigures, AtaError> {
        let data = self.smart_read_data()?;
        let thresholds = optional_unless_gone(self.smart_read_thresholds())?;
        let status = optional_unless_gone(self.smart_return_status())?;
        Ok(smart::health_figures(
            &data,
            thresholds.as_ref(),
            status,
            solid_state,
        ))
    }

    // --- hidden areas --------------------------------------------------------------------

    /// READ NATIVE MAX ADDRESS (F8h, 28-bit): the native max LBA.
    pub fn read_native_max_lba(&mut self) -> Result<u64, AtaError> {
        let regs = self.non_data(
            "READ NATIVE MAX ADDRESS",
            AtaCommand::non_data(op::READ_NATIVE_MAX, 0, 0, 0),
        )?;
        regs.lba28()
            .map(u64::from)
            .ok_or(AtaError::RegistersUnavailable)
    }

    fn lba48_of(regs: Registers) -> Result<u64, AtaError> {
        match regs {
            Registers::Unavailable | Registers::NotRequested => Err(AtaError::RegistersUnavailable),
            r => r.lba48().ok_or_else(|| {
                AtaError::RegistersIncomplete(
                    "fixed-format sense does not carry LBA(47:24), which is non-zero".into(),
                )
            }),
        }
    }

    /// READ NATIVE MAX ADDRESS EXT (27h).
    pub fn read_native_max_lba_ext(&mut self) -> Result<u64, AtaError> {
        let regs = self.non_data(
            "READ NATIVE MAX ADDRESS EXT",
            AtaCommand::non_data_ext(op::READ_NATIVE_MAX_EXT, 0, 0, 0),
        )?;
        Self::lba48_of(regs)
    }

    /// GET NATIVE MAX ADDRESS EXT (78h/0000h, ACS-3 AMAX).
    pub fn get_native_max_lba_ext(&mut self) -> Result<u64, AtaError> {
        let regs = self.non_data(
            "GET NATIVE MAX ADDRESS EXT",
            AtaCommand::non_data_ext(
                op::ACCESSIBLE_MAX_ADDRESS,
                amax_feature::GET_NATIVE_MAX_EXT,
                0,
                0,
            ),
        )?;
        Self::lba48_of(regs)
    }

    /// SET MAX ADDRESS (F9h, 28-bit). ACS requires READ NATIVE MAX ADDRESS immediately before.
    pub fn set_max_address(
        &mut self,
        max_lba: u64,
        persistence: MaxPersistence,
    ) -> Result<Registers, AtaError> {
        let count = u16::from(persistence == MaxPersistence::NonVolatile);
        self.non_data(
            "SET MAX ADDRESS",
            AtaCommand::non_data(op::SET_MAX, 0, count, max_lba),
        )
    }

    /// SET MAX ADDRESS EXT (37h). ACS requires READ NATIVE MAX ADDRESS EXT immediately before.
    pub fn set_max_address_ext(
        &mut self,
        max_lba: u64,
        persistence: MaxPersistence,
    ) -> Result<Registers, AtaError> {
        let count = u16::from(persistence == MaxPersistence::NonVolatile);
        self.non_data(
            "SET MAX ADDRESS EXT",
            AtaCommand::non_data_ext(op::SET_MAX_EXT, 0, count, max_lba),
        )
    }

    /// SET ACCESSIBLE MAX ADDRESS EXT (78h/0001h).
    pub fn set_accessible_max_address_ext(&mut self, max_lba: u64) -> Result<Registers, AtaError> {
        self.non_data(
            "SET ACCESSIBLE MAX ADDRESS EXT",
            AtaCommand::non_data_ext(
                op::ACCESSIBLE_MAX_ADDRESS,
                amax_feature::SET_ACCESSIBLE_MAX_EXT,
                0,
                max_lba,
            ),
        )
    }

    /// FREEZE ACCESSIBLE MAX ADDRESS EXT (78h/0002h).
    pub fn freeze_accessible_max_address_ext(&mut self) -> Result<Registers, AtaError> {
        self.non_data(
            "FREEZE ACCESSIBLE MAX ADDRESS EXT",
            AtaCommand::non_data_ext(
                op::ACCESSIBLE_MAX_ADDRESS,
                amax_feature::FREEZE_ACCESSIBLE_MAX_EXT,
                0,
                0,
            ),
        )
    }

    /// DEVICE CONFIGURATION IDENTIFY (B1h/C2h). A bad checksum is reported in the result.
    pub fn dco_identify(&mut self) -> Result<DcoIdentify, AtaError> {
        let b = self.read_block(
            "DEVICE CONFIGURATION IDENTIFY",
            AtaCommand::pio_in(op::DEVICE_CONFIGURATION, dco_feature::IDENTIFY, 1, 0),
        )?;
        DcoIdentify::parse(&b).map_err(|e| AtaError::Malformed(e.to_string()))
    }

    /// DEVICE CONFIGURATION RESTORE (B1h/C0h): back to the factory configuration.
    pub fn dco_restore(&mut self) -> Result<Registers, AtaError> {
        self.non_data(
            "DEVICE CONFIGURATION RESTORE",
            AtaCommand::non_data(op::DEVICE_CONFIGURATION, dco_feature::RESTORE, 0, 0),
        )
    }

    /// DEVICE CONFIGURATION FREEZE LOCK (B1h/C1h).
    pub fn dco_freeze_lock(&mut self) -> Result<Registers, AtaError> {
        self.non_data(
            "DEVICE CONFIGURATION FREEZE LOCK",
            AtaCommand::non_data(op::DEVICE_CONFIGURATION, dco_feature::FREEZE_LOCK, 0, 0),
        )
    }

    // --- security ------------------------------------------------------------------------

    /// SECURITY SET PASSWORD (F1h): sets the user or master password (ACS-4 Security feature set).
    /// Setting the user password enables security at `level`; `master_revision` is only sent with
    /// the master password.
    pub fn security_set_password(
        &mut self,
        password: &SecurityPassword,
        kind: PasswordKind,
        level: SecurityLevel,
        master_revision: Option<u16>,
    ) -> Result<Registers, AtaError> {
        let name = match kind {
            PasswordKind::User => "SECURITY SET PASSWORD (user)",
            PasswordKind::Master => "SECURITY SET PASSWORD (master)",
        };
        self.write_block(
            name,
            AtaCommand::pio_out(op::SECURITY_SET_PASSWORD, 0, 1, 0),
            security::set_password_block(password, kind, level, master_revision),
            self.timeout,
        )
    }

    /// SECURITY UNLOCK (F2h): unlocks a locked drive with the user or master password.
    pub fn security_unlock(
        &mut self,
        password: &SecurityPassword,
        kind: PasswordKind,
    ) -> Result<Registers, AtaError> {
        self.write_block(
            "SECURITY UNLOCK",
            AtaCommand::pio_out(op::SECURITY_UNLOCK, 0, 1, 0),
            security::unlock_block(password, kind),
            self.timeout,
        )
    }

    /// SECURITY ERASE PREPARE: must immediately precede SECURITY ERASE UNIT.
    pub fn security_erase_prepare(&mut self) -> Result<Registers, AtaError> {
        self.non_data(
            "SECURITY ERASE PREPARE",
            AtaCommand::non_data(op::SECURITY_ERASE_PREPARE, 0, 0, 0),
        )
    }

    /// SECURITY ERASE UNIT alone; `timeout` should come from
    /// [`security::erase_timeout`]. Prefer [`AtaDevice::security_erase`].
    pub fn security_erase_unit(
        &mut self,
        password: &SecurityPassword,
        kind: PasswordKind,
        mode: EraseMode,
        timeout: Duration,
    ) -> Result<Registers, AtaError> {
        let name = match mode {
            EraseMode::Normal => "SECURITY ERASE UNIT (normal)",
            EraseMode::Enhanced => "SECURITY ERASE UNIT (enhanced)",
        };
        self.write_block(
            name,
            AtaCommand::pio_out(op::SECURITY_ERASE_UNIT, 0, 1, 0),
            security::erase_unit_block(password, kind, mode),
            timeout,
        )
    }

    /// ERASE PREPARE immediately followed by ERASE UNIT, as hdparm sends them.
    pub fn security_erase(
        &mut self,
        password: &SecurityPassword,
        kind: PasswordKind,
        mode: EraseMode,
        timeout: Duration,
    ) -> Result<Registers, AtaError> {
        let prepared = self.security_erase_prepare()?;
        if !prepared.is_confirmed() {
            // The bridge did not report the PREPARE's outcome; the ERASE UNIT result decides.
            tracing::warn!("SECURITY ERASE PREPARE outcome unverified (no registers)");
        }
        self.security_erase_unit(password, kind, mode, timeout)
    }

    /// SECURITY DISABLE PASSWORD (F6h): clears the user password, which disables security.
    pub fn security_disable_password(
        &mut self,
        password: &SecurityPassword,
        kind: PasswordKind,
    ) -> Result<Registers, AtaError> {
        self.write_block(
            "SECURITY DISABLE PASSWORD",
            AtaCommand::pio_out(op::SECURITY_DISABLE_PASSWORD, 0, 1, 0),
            security::disable_block(password, kind),
            self.timeout,
        )
    }

    /// SECURITY FREEZE LOCK (F5h): blocks every Security command until the next power-on or
    /// hardware reset (docs/standards.md §1.5).
    pub fn security_freeze_lock(&mut self) -> Result<Registers, AtaError> {
        self.non_data(
            "SECURITY FREEZE LOCK",
            AtaCommand::non_data(op::SECURITY_FREEZE_LOCK, 0, 0, 0),
        )
    }

    // --- sanitize ------------------------------------------------------------------------

    /// SANITIZE STATUS EXT. A device in SD3 aborts this command with reason 01h; that answer is
    /// returned as a status in [`SanitizeState::Failed`](super::sanitize::SanitizeState::Failed).
    pub fn sanitize_status(&mut self, clear_failed: bool) -> Result<SanitizeStatus, AtaError> {
        let name = if clear_failed {
            "SANITIZE STATUS EXT (clear failed)"
        } else {
            "SANITIZE STATUS EXT"
        };
        match self.non_data(name, sanitize::status_command(clear_failed)) {
            Ok(Registers::Complete(r)) => Ok(SanitizeStatus::from_output(r.count, r.lba)),
            Ok(Registers::LowOnly {
                regs,
                count_upper_nonzero: false,
                ..
            }) => Ok(SanitizeStatus::from_output(regs.count, regs.lba)),
            Ok(Registers::LowOnly { .. }) => Err(AtaError::RegistersIncomplete(
                "fixed-format sense does not carry COUNT(15:8), the sanitize state flags".into(),
            )),
            Ok(_) => Err(AtaError::RegistersUnavailable),
            Err(e) => match e.sanitize_reason() {
                Some(reason @ SanitizeErrorReason::LastOperationFailed) => {
                    Ok(SanitizeStatus::failed(reason))
                }
                _ => Err(e),
            },
        }
    }

    /// SANITIZE CRYPTO SCRAMBLE EXT (B4h/0011h): changes the internal encryption keys, so that all
    /// user data becomes unreadable (ACS-4 Sanitize Device feature set).
    pub fn sanitize_crypto_scramble(
        &mut self,
        opts: SanitizeOptions,
    ) -> Result<Registers, AtaError> {
        self.non_data(
            "SANITIZE CRYPTO SCRAMBLE EXT",
            sanitize::crypto_scramble_command(opts),
        )
    }

    /// SANITIZE BLOCK ERASE EXT (B4h/0012h): a block erase of every user data area, including areas
    /// not currently allocated (ACS-4 Sanitize Device feature set).
    pub fn sanitize_block_erase(&mut self, opts: SanitizeOptions) -> Result<Registers, AtaError> {
        self.non_data(
            "SANITIZE BLOCK ERASE EXT",
            sanitize::block_erase_command(opts),
        )
    }

    /// SANITIZE OVERWRITE EXT (B4h/0014h): writes `overwrite`'s pattern over all user data, the
    /// given number of passes (ACS-4 Sanitize Device feature set). Refused before sending when the
    /// options cannot be encoded.
    pub fn sanitize_overwrite(
        &mut self,
        overwrite: OverwriteOptions,
        opts: SanitizeOptions,
    ) -> Result<Registers, AtaError> {
        let cmd = sanitize::overwrite_command(overwrite, opts)
            .map_err(|e| AtaError::InvalidRequest(e.to_string()))?;
        self.non_data("SANITIZE OVERWRITE EXT", cmd)
    }

    /// SANITIZE FREEZE LOCK EXT (B4h/0020h): blocks the Sanitize commands until the next power-on
    /// reset (state SD1).
    pub fn sanitize_freeze_lock(&mut self) -> Result<Registers, AtaError> {
        self.non_data("SANITIZE FREEZE LOCK EXT", sanitize::freeze_lock_command())
    }

    /// SANITIZE ANTIFREEZE LOCK EXT (B4h/0040h): makes SANITIZE FREEZE LOCK EXT fail until the next
    /// power-on reset, so that a BIOS cannot freeze the Sanitize feature set.
    pub fn sanitize_antifreeze_lock(&mut self) -> Result<Registers, AtaError> {
        self.non_data(
            "SANITIZE ANTIFREEZE LOCK EXT",
            sanitize::antifreeze_lock_command(),
        )
    }

    /// FLUSH CACHE EXT (EAh).
    pub fn flush_cache_ext(&mut self) -> Result<Registers, AtaError> {
        self.non_data(
            "FLUSH CACHE EXT",
            AtaCommand::non_data_ext(op::FLUSH_CACHE_EXT, 0, 0, 0),
        )
    }
}

/// A reading some drives refuse: refused is `None`, but a vanished device is always an error.
fn optional_unless_gone<T>(reading: Result<T, AtaError>) -> Result<Option<T>, AtaError> {
    match reading {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_device_gone() => Err(e),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u8, sense: &[u8]) -> ScsiReply {
        ScsiReply {
            status,
            driver_status: if sense.is_empty() { 0 } else { 0x08 },
            sense: sense.to_vec(),
            ..Default::default()
        }
    }

    fn desc(key: u8, asc: u8, ascq: u8, error: u8, status: u8, lba_lo: u8) -> Vec<u8> {
        vec![
            0x72, key, asc, ascq, 0, 0, 0, 0x0e, 0x09, 0x0c, 0x00, error, 0, 0, 0, lba_lo, 0, 0, 0,
            0, 0x40, status,
        ]
    }

    #[test]
    fn ck_cond_success_with_registers() {
        let r = interpret(&reply(2, &desc(0x01, 0, 0x1d, 0, 0x50, 7)), true).unwrap();
        assert_eq!(r.lba48(), Some(7));
        assert!(r.is_confirmed());
    }

    #[test]
    fn no_sense_after_ck_cond_is_unavailable_not_success() {
        let r = interpret(&reply(0, &[]), true).unwrap();
        assert_eq!(r, Registers::Unavailable);
        assert!(!r.is_confirmed());
        assert_eq!(
            interpret(&reply(0, &[]), false).unwrap(),
            Registers::NotRequested
        );
    }

    #[test]
    fn abrt_is_aborted_with_registers() {
        let e = interpret(&reply(2, &desc(0x0b, 0, 0, 0x04, 0x51, 3)), true).unwrap_err();
        assert!(e.is_aborted());
        assert_eq!(e.sanitize_reason(), Some(SanitizeErrorReason::Frozen));
    }

    #[test]
    fn device_fault_and_error_sense_with_clean_status_are_failures() {
        let e = interpret(&reply(2, &desc(0x04, 0, 0, 0, 0x70, 0)), true).unwrap_err();
        assert!(matches!(e, AtaError::Failed { .. }));
        let e = interpret(&reply(2, &desc(0x03, 0x11, 0, 0, 0x50, 0)), true).unwrap_err();
        assert!(matches!(e, AtaError::Failed { .. }));
    }

    #[test]
    fn sat_rejections_and_scsi_problems() {
        let ir = [
            0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0,
        ];
        assert!(matches!(
            interpret(&reply(2, &ir), true),
            Err(AtaError::Rejected(s)) if s.is_invalid_field_in_cdb()
        ));
        assert!(matches!(
            interpret(&reply(2, &[]), true),
            Err(AtaError::Scsi(CommandError::CheckConditionNoSense(_)))
        ));
        assert!(matches!(
            interpret(&reply(0x08, &[]), true),
            Err(AtaError::Scsi(CommandError::Status { status: 8 }))
        ));
        assert!(matches!(
            interpret(&reply(2, &[0x72, 1, 0, 0x1d, 0, 0, 0, 6, 9, 12]), true),
            Err(AtaError::Malformed(_))
        ));
        // Bridge answer: ABORTED COMMAND in fixed format without registers.
        let bridge = [
            0x70, 0, 0x0b, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let e = interpret(&reply(2, &bridge), true).unwrap_err();
        assert_eq!(e.registers(), Some(&Registers::Unavailable));
    }
}
