//! [`NvmeController`]: typed NVMe admin calls over any [`NvmeTransport`], each one recorded in
//! the controller's [`Transcript`].

use std::time::{Duration, Instant};

use crate::health::HealthFigures;
use crate::record::{NewRecord, Protocol, Transcript};
use crate::transport::{DataDir, NvmeAdminCmd, NvmeReply, NvmeTransport, TransportError};

use super::command::{self, EncodeError, FormatParams, FormatTarget, GetLogPage, SanitizeAction};
use super::command::{SanitizeParams, SecureEraseSetting};
use super::identify::{ActiveNamespaceList, IdentifyController, IdentifyNamespace, ShortBuffer};
use super::log::{SanitizeStatusLog, SmartLog};
use super::status::NvmeStatus;
use super::{lid, IDENTIFY_LEN, LOG_PAGE_512};

/// Timeout for admin commands that complete at once (Identify, logs, Sanitize start): the
/// kernel's own default `admin_timeout`.
pub const ADMIN_TIMEOUT: Duration = Duration::from_secs(60);

/// A Format NVM timeout for a namespace of `capacity_bytes`: nvme-cli's 600 s, or longer for
/// drives that may overwrite at a pessimistic 50 MB/s.
pub fn format_timeout(capacity_bytes: u64) -> Duration {
    Duration::from_secs(600.max(capacity_bytes / 50_000_000))
}

/// Why an NVMe call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NvmeError {
    /// The controller disappeared (removed, reset for good, powered off).
    #[error("{command}: the device is gone ({source})")]
    DeviceGone {
        /// The command's name in the transcript.
        command: String,
        /// What the transport reported.
        source: TransportError,
    },
    /// The command could not be delivered or did not come back (timeout, refused ioctl...).
    #[error("{command}: transport failure: {source}")]
    Transport {
        /// The command's name in the transcript.
        command: String,
        /// What the transport reported.
        source: TransportError,
    },
    /// The controller completed the command with an error status.
    #[error("{command} failed: {status}")]
    Command {
        /// The command's name in the transcript.
        command: String,
        /// The status the controller completed it with.
        status: NvmeStatus,
    },
    /// The answer could not be understood.
    #[error("{command}: malformed answer: {source}")]
    Malformed {
        /// The command's name in the transcript.
        command: String,
        /// What was wrong with the data that came back.
        source: ShortBuffer,
    },
    /// The request could not be encoded.
    #[error("invalid request: {0}")]
    Encode(#[from] EncodeError),
    /// The controller says (Identify) it does not support what was asked; nothing was sent.
    #[error("not supported by this controller: {0}")]
    Unsupported(String),
}

impl NvmeError {
    /// The controller disappeared while the command ran ([`NvmeError::DeviceGone`]).
    pub fn is_device_gone(&self) -> bool {
        matches!(self, NvmeError::DeviceGone { .. })
    }

    /// The status, when the controller answered with one.
    pub fn status(&self) -> Option<NvmeStatus> {
        match self {
            NvmeError::Command { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// An NVMe controller reached through `T`.
#[derive(Debug)]
pub struct NvmeController<T: NvmeTransport> {
    transport: T,
    transcript: Transcript,
    identity: Option<IdentifyController>,
}

fn request_text(cmd: &NvmeAdminCmd, data: &DataDir<'_>) -> String {
    let dir = match data {
        DataDir::None => "none",
        DataDir::FromDevice(_) => "from-device",
        DataDir::ToDevice(_) => "to-device",
    };
    format!(
        "opc=0x{:02x} flags=0x{:02x} nsid=0x{:08x} cdw2=0x{:08x} cdw3=0x{:08x} \
         cdw10=0x{:08x} cdw11=0x{:08x} cdw12=0x{:08x} cdw13=0x{:08x} cdw14=0x{:08x} \
         cdw15=0x{:08x} data={} {}",
        cmd.opcode,
        cmd.flags,
        cmd.nsid,
        cmd.cdw2,
        cmd.cdw3,
        cmd.cdw10,
        cmd.cdw11,
        cmd.cdw12,
        cmd.cdw13,
        cmd.cdw14,
        cmd.cdw15,
        data.len(),
        dir
    )
}

impl<T: NvmeTransport> NvmeController<T> {
    /// A controller reached through `transport`, with an empty transcript; nothing is sent.
    pub fn new(transport: T) -> Self {
        NvmeController {
            transport,
            transcript: Transcript::new(),
            identity: None,
        }
    }

    /// The transport commands go through.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Every command sent so far.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The transcript, mutably (to take its records, for instance).
    pub fn transcript_mut(&mut self) -> &mut Transcript {
        &mut self.transcript
    }

    /// The transport and the transcript, once the controller is no longer needed.
    pub fn into_parts(self) -> (T, Transcript) {
        (self.transport, self.transcript)
    }

    /// Sends one admin command, records it, and returns the completion when its status is
    /// success. Public so that callers (and tests) can send a command this module has no
    /// typed call for; it is recorded like any other.
    pub fn submit(
        &mut self,
        name: &str,
        cmd: &NvmeAdminCmd,
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<NvmeReply, NvmeError> {
        let request = request_text(cmd, &data);
        let data_out = match &data {
            DataDir::ToDevice(b) => Some(b.to_vec()),
            _ => None,
        };
        let started = Instant::now();
        let result = self.transport.admin(cmd, data, timeout);
        let duration_ms = started.elapsed().as_millis() as u64;
        let (outcome, raw_reply, ok) = match &result {
            Ok(reply) => {
                let status = NvmeStatus(reply.status);
                let outcome = if status.is_success() {
                    "Successful Completion".to_string()
                } else {
                    status.to_string()
                };
                (
                    outcome,
                    Some(format!(
                        "status=0x{:04x} result=0x{:08x}",
                        reply.status, reply.result
                    )),
                    status.is_success(),
                )
            }
            Err(e) => (format!("not completed: {e}"), None, false),
        };
        self.transcript.push(NewRecord {
            protocol: Protocol::Nvme,
            name: name.to_string(),
            request,
            data_out,
            outcome,
            raw_reply,
            ok,
            duration_ms,
        });
        match result {
            Ok(reply) if NvmeStatus(reply.status).is_success() => Ok(reply),
            Ok(reply) => Err(NvmeError::Command {
                command: name.to_string(),
                status: NvmeStatus(reply.status),
            }),
            Err(e) if e.is_device_gone() => Err(NvmeError::DeviceGone {
                command: name.to_string(),
                source: e,
            }),
            Err(e) => Err(NvmeError::Transport {
                command: name.to_string(),
                source: e,
            }),
        }
    }

    fn read_4k(&mut self, name: &str, cmd: NvmeAdminCmd) -> Result<Vec<u8>, NvmeError> {
        let mut buf = vec![0u8; IDENTIFY_LEN];
        self.submit(name, &cmd, DataDir::FromDevice(&mut buf), ADMIN_TIMEOUT)?;
        Ok(buf)
    }

    /// Identify Controller; the answer is kept for the support checks of [`Self::sanitize`] and
    /// [`Self::format_nvm`].
    pub fn identify_controller(&mut self) -> Result<IdentifyController, NvmeError> {
        let name = "IDENTIFY CONTROLLER";
        let buf = self.read_4k(name, command::identify_controller())?;
        let id = IdentifyController::parse(&buf).map_err(|source| NvmeError::Malformed {
            command: name.into(),
            source,
        })?;
        self.identity = Some(id.clone());
        Ok(id)
    }

    /// The Identify Controller data, read once.
    pub fn identity(&mut self) -> Result<&IdentifyController, NvmeError> {
        if self.identity.is_none() {
            self.identify_controller()?;
        }
        Ok(self.identity.as_ref().expect("just read"))
    }

    /// Identify Namespace (CNS 00h) for `nsid`; an all-zero answer is an inactive namespace.
    pub fn identify_namespace(&mut self, nsid: u32) -> Result<IdentifyNamespace, NvmeError> {
        let name = format!("IDENTIFY NAMESPACE {nsid}");
        let buf = self.read_4k(&name, command::identify_namespace(nsid))?;
        IdentifyNamespace::parse(&buf).map_err(|source| NvmeError::Malformed {
            command: name,
            source,
        })
    }

    /// Every active namespace id, following the list page by page.
    pub fn active_namespaces(&mut self) -> Result<Vec<u32>, NvmeError> {
        let mut all = Vec::new();
        let mut after = 0u32;
        loop {
            let name = format!("IDENTIFY ACTIVE NAMESPACE LIST after {after}");
            let buf = self.read_4k(&name, command::identify_active_namespaces(after))?;
            let page = ActiveNamespaceList::parse(&buf).map_err(|source| NvmeError::Malformed {
                command: name,
                source,
            })?;
            let full = page.is_full();
            let last = page.0.last().copied();
            all.extend(page.0);
            match last {
                Some(l) if full && l < 0xFFFF_FFFE => after = l,
                _ => return Ok(all),
            }
        }
    }

    fn read_log(&mut self, name: &str, lid: u8, len: usize) -> Result<Vec<u8>, NvmeError> {
        let cmd = GetLogPage::controller_wide(lid, len as u64).encode()?;
        let mut buf = vec![0u8; len];
        self.submit(name, &cmd, DataDir::FromDevice(&mut buf), ADMIN_TIMEOUT)?;
        Ok(buf)
    }

    /// SMART / Health Information, controller-wide (NSID FFFFFFFFh).
    pub fn smart_log(&mut self) -> Result<SmartLog, NvmeError> {
        let name = "GET LOG PAGE 02h SMART / Health";
        let buf = self.read_log(name, lid::SMART_HEALTH, LOG_PAGE_512)?;
        SmartLog::parse(&buf).map_err(|source| NvmeError::Malformed {
            command: name.into(),
            source,
        })
    }

    /// The health figures from the SMART / Health log.
    pub fn health_figures(&mut self) -> Result<HealthFigures, NvmeError> {
        Ok(self.smart_log()?.health_figures())
    }

    /// The Sanitize Status log. A controller without sanitize answers with an error status
    /// (QEMU: Invalid Field 0x4002; others: Invalid Log Page).
    pub fn sanitize_status(&mut self) -> Result<SanitizeStatusLog, NvmeError> {
        let name = "GET LOG PAGE 81h Sanitize Status";
        let buf = self.read_log(name, lid::SANITIZE_STATUS, LOG_PAGE_512)?;
        SanitizeStatusLog::parse(&buf).map_err(|source| NvmeError::Malformed {
            command: name.into(),
            source,
        })
    }

    /// Starts a sanitize operation (or exits a failure state). The command completes at once;
    /// poll [`Self::sanitize_status`] for progress and outcome. Refused without sending when
    /// Identify Controller SANICAP does not advertise the action.
    pub fn sanitize(&mut self, params: &SanitizeParams) -> Result<(), NvmeError> {
        let cmd = params.encode()?;
        let sanicap = self.identity()?.sanicap;
        let supported = match params.action {
            SanitizeAction::BlockErase => sanicap.block_erase(),
            SanitizeAction::CryptoErase => sanicap.crypto_erase(),
            SanitizeAction::Overwrite { .. } => sanicap.overwrite(),
            SanitizeAction::ExitFailureMode => sanicap.any_method(),
            SanitizeAction::ExitMediaVerification => sanicap.media_verification(),
        };
        if !supported {
            return Err(NvmeError::Unsupported(format!(
                "sanitize {} (SANICAP 0x{:08x})",
                params.action.name(),
                sanicap.0
            )));
        }
        let name = format!("SANITIZE {}", params.action.name());
        self.submit(&name, &cmd, DataDir::None, ADMIN_TIMEOUT)?;
        Ok(())
    }

    /// Format NVM. Synchronous: returns when the controller has finished. Refused without
    /// sending when OACS lacks Format NVM, when SES = 2 is asked of a controller whose FNA
    /// bit 2 says it cannot crypto-erase (QEMU would accept it and merely zero the data), or
    /// when a broadcast format is asked of a controller that forbids it (FNA bit 3).
    pub fn format_nvm(
        &mut self,
        params: &FormatParams,
        timeout: Duration,
    ) -> Result<(), NvmeError> {
        let cmd = params.encode()?;
        let id = self.identity()?;
        if !id.oacs.format_nvm() {
            return Err(NvmeError::Unsupported(format!(
                "Format NVM (OACS 0x{:04x})",
                id.oacs.0
            )));
        }
        if params.ses == SecureEraseSetting::Crypto && !id.fna.crypto_erase_supported() {
            return Err(NvmeError::Unsupported(format!(
                "Format NVM with cryptographic erase (FNA 0x{:02x}, bit 2 clear)",
                id.fna.0
            )));
        }
        if params.target == FormatTarget::All && id.fna.broadcast_format_unsupported() {
            return Err(NvmeError::Unsupported(format!(
                "Format NVM of all namespaces (FNA 0x{:02x}, bit 3 set)",
                id.fna.0
            )));
        }
        let name = format!(
            "FORMAT NVM nsid=0x{:08x} lbaf={} ses={}",
            params.target.nsid(),
            params.lbaf,
            params.ses.ses()
        );
        self.submit(&name, &cmd, DataDir::None, timeout)?;
        Ok(())
    }
}
