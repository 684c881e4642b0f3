//! [`MmcDevice`]: typed eMMC calls over any [`MmcTransport`], each command recorded in the
//! device's [`Transcript`].

use std::time::{Duration, Instant};

use crate::record::{NewRecord, Protocol, Transcript};
use crate::transport::{DataDir, MmcCmd, MmcReply, MmcTransport, TransportError};

use super::command::{self, EraseKind, SwitchAccess};
use super::ext_csd::{ExtCsd, ExtCsdLength};
use super::status::CardStatus;
use super::{ext_csd_index, DEFAULT_RCA, EXT_CSD_LEN};

/// mmc-utils' CMD38 timeout when nothing better is known: 300 ms × 255 × 255.
pub const FALLBACK_ERASE_TIMEOUT: Duration = Duration::from_millis(300 * 255 * 255);

/// How the card reads erase addresses: sector numbers (high-capacity cards, every eMMC over
/// 2 GB) or byte offsets (small legacy cards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// Erase addresses are 512-byte sector numbers (high-capacity cards, every eMMC over 2 GB).
    Sector,
    /// Erase addresses are byte offsets (sector × 512; small legacy cards).
    Byte,
}

/// Why an eMMC call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MmcError {
    /// The device disappeared: nothing more can be sent to it.
    #[error("{command}: the device is gone ({source})")]
    DeviceGone {
        /// The command's name, as recorded in the transcript.
        command: String,
        /// The transport error that showed the device gone.
        source: TransportError,
    },
    /// The ioctl failed: timeout, or the kernel refused (e.g. EOPNOTSUPP for a sanitize the
    /// card cannot do, EBADMSG when the card reported SWITCH_ERROR during the kernel's sanitize).
    #[error("{command}: transport failure: {source}")]
    Transport {
        /// The command's name, as recorded in the transcript.
        command: String,
        /// The ioctl error.
        source: TransportError,
    },
    /// The card reported error bits, in the command's response or in the CMD13 that followed.
    #[error("{command}: card reported {status}")]
    Card {
        /// The command's name, as recorded in the transcript.
        command: String,
        /// The R1 card status with the error bits set.
        status: CardStatus,
    },
    /// The answer did not fit its layout (an EXT_CSD of the wrong length).
    #[error("{command}: malformed answer: {source}")]
    Malformed {
        /// The command's name, as recorded in the transcript.
        command: String,
        /// What was wrong with the answer.
        source: ExtCsdLength,
    },
    /// EXT_CSD says the card cannot do this; nothing was sent.
    #[error("not supported by this card: {0}")]
    Unsupported(String),
    /// The range does not fit the card or its erase groups; nothing was sent.
    #[error("invalid erase range: {0}")]
    InvalidRange(String),
}

impl MmcError {
    /// The device disappeared: nothing more can be sent to it.
    pub fn is_device_gone(&self) -> bool {
        matches!(self, MmcError::DeviceGone { .. })
    }

    /// The card status of a [`MmcError::Card`] error.
    pub fn card_status(&self) -> Option<CardStatus> {
        match self {
            MmcError::Card { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// An eMMC reached through `T`.
#[derive(Debug)]
pub struct MmcDevice<T: MmcTransport> {
    transport: T,
    transcript: Transcript,
    addressing: Addressing,
    rca: u16,
    ext_csd: Option<ExtCsd>,
}

fn request_text(cmd: &MmcCmd, data_len: usize) -> String {
    format!(
        "CMD{} arg=0x{:08x} flags=0x{:03x} write={} acmd={} blksz={} blocks={} \
         cmd_timeout_ms={} data={}",
        cmd.opcode,
        cmd.arg,
        cmd.flags,
        u8::from(cmd.write_flag),
        u8::from(cmd.is_acmd),
        cmd.blksz,
        cmd.blocks,
        cmd.cmd_timeout_ms,
        data_len
    )
}

fn response_text(r: &MmcReply) -> String {
    format!(
        "resp=0x{:08x} 0x{:08x} 0x{:08x} 0x{:08x}",
        r.response[0], r.response[1], r.response[2], r.response[3]
    )
}

fn is_sanitize_switch(cmd: &MmcCmd) -> bool {
    cmd.opcode == super::opcode::SWITCH
        && (cmd.arg >> 16) & 0xff == ext_csd_index::SANITIZE_START as u32
}

impl<T: MmcTransport> MmcDevice<T> {
    /// A sector-addressed card at the RCA Linux assigns (1).
    pub fn new(transport: T) -> Self {
        MmcDevice {
            transport,
            transcript: Transcript::new(),
            addressing: Addressing::Sector,
            rca: DEFAULT_RCA,
            ext_csd: None,
        }
    }

    /// Byte addressing for a small legacy card (the default is sector addressing).
    pub fn with_addressing(mut self, addressing: Addressing) -> Self {
        self.addressing = addressing;
        self
    }

    /// Another relative card address for CMD13 (the default is [`DEFAULT_RCA`]).
    pub fn with_rca(mut self, rca: u16) -> Self {
        self.rca = rca;
        self
    }

    /// The underlying transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The underlying transport, mutably (used by tests and the simulator to reach the card).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Every command sent so far, with its outcome.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The transcript, mutably, for a caller that adds its own records.
    pub fn transcript_mut(&mut self) -> &mut Transcript {
        &mut self.transcript
    }

    /// Gives back the transport and the transcript.
    pub fn into_parts(self) -> (T, Transcript) {
        (self.transport, self.transcript)
    }

    fn outcome(cmd: &MmcCmd, reply: &MmcReply) -> (String, bool) {
        if is_sanitize_switch(cmd) {
            // The kernel ran mmc_sanitize() and returned no card response.
            return (
                "completed (kernel sanitize path, no card response)".into(),
                true,
            );
        }
        if cmd.flags & super::flags::RSP_PRESENT == 0 {
            return ("completed (no response expected)".into(), true);
        }
        let status = CardStatus(reply.response[0]);
        (status.to_string(), !status.has_error())
    }

    fn map_transport(name: &str, e: TransportError) -> MmcError {
        if e.is_device_gone() {
            MmcError::DeviceGone {
                command: name.to_string(),
                source: e,
            }
        } else {
            MmcError::Transport {
                command: name.to_string(),
                source: e,
            }
        }
    }

    /// Sends one command and records it. Returns the raw reply whatever the status bits; the
    /// typed calls interpret them. Public so that a command this module has no typed call for
    /// is still recorded.
    pub fn execute(
        &mut self,
        name: &str,
        cmd: &MmcCmd,
        data: DataDir<'_>,
    ) -> Result<MmcReply, MmcError> {
        let request = request_text(cmd, data.len());
        let data_out = match &data {
            DataDir::ToDevice(b) => Some(b.to_vec()),
            _ => None,
        };
        let started = Instant::now();
        let result = self.transport.execute(cmd, data);
        let duration_ms = started.elapsed().as_millis() as u64;
        let (outcome, raw_reply, ok) = match &result {
            Ok(r) => {
                let (o, ok) = Self::outcome(cmd, r);
                (o, Some(response_text(r)), ok)
            }
            Err(e) => (format!("not completed: {e}"), None, false),
        };
        self.transcript.push(NewRecord {
            protocol: Protocol::Mmc,
            name: name.to_string(),
            request,
            data_out,
            outcome,
            raw_reply,
            ok,
            duration_ms,
        });
        result.map_err(|e| Self::map_transport(name, e))
    }

    /// Sends commands as one MMC_IOC_MULTI_CMD; one record per command (the duration of the
    /// whole ioctl is on the last one).
    pub fn execute_sequence(
        &mut self,
        names: &[&str],
        cmds: &[MmcCmd],
    ) -> Result<Vec<MmcReply>, MmcError> {
        let started = Instant::now();
        let result = self.transport.execute_sequence(cmds);
        let duration_ms = started.elapsed().as_millis() as u64;
        let n = cmds.len();
        for (i, cmd) in cmds.iter().enumerate() {
            let name = format!(
                "{} ({}/{n} of one MMC_IOC_MULTI_CMD)",
                names.get(i).copied().unwrap_or("MMC command"),
                i + 1
            );
            let (outcome, raw_reply, ok) = match &result {
                Ok(replies) => match replies.get(i) {
                    Some(r) => {
                        let (o, ok) = Self::outcome(cmd, r);
                        (o, Some(response_text(r)), ok)
                    }
                    None => ("no response returned".into(), None, false),
                },
                Err(e) => (format!("sequence not completed: {e}"), None, false),
            };
            self.transcript.push(NewRecord {
                protocol: Protocol::Mmc,
                name,
                request: request_text(cmd, 0),
                data_out: None,
                outcome,
                raw_reply,
                ok,
                duration_ms: if i + 1 == n { duration_ms } else { 0 },
            });
        }
        let what = names.join(" + ");
        let replies = result.map_err(|e| Self::map_transport(&what, e))?;
        if replies.len() != n {
            return Err(MmcError::Transport {
                command: what,
                source: TransportError::InvalidRequest(format!(
                    "{} responses for {n} commands",
                    replies.len()
                )),
            });
        }
        Ok(replies)
    }

    /// CMD8: reads and parses EXT_CSD, and keeps it for the support checks.
    pub fn read_ext_csd(&mut self) -> Result<ExtCsd, MmcError> {
        let name = "SEND_EXT_CSD";
        let mut buf = vec![0u8; EXT_CSD_LEN];
        let reply = self.execute(
            name,
            &command::send_ext_csd(),
            DataDir::FromDevice(&mut buf),
        )?;
        let status = CardStatus(reply.response[0]);
        if status.has_error() {
            return Err(MmcError::Card {
                command: name.into(),
                status,
            });
        }
        let ext = ExtCsd::parse(&buf).map_err(|source| MmcError::Malformed {
            command: name.into(),
            source,
        })?;
        self.ext_csd = Some(ext.clone());
        Ok(ext)
    }

    /// EXT_CSD, read once.
    pub fn ext_csd(&mut self) -> Result<&ExtCsd, MmcError> {
        if self.ext_csd.is_none() {
            self.read_ext_csd()?;
        }
        Ok(self.ext_csd.as_ref().expect("just read"))
    }

    /// CMD13: the card status, whatever bits it carries (reading clears the error bits).
    pub fn send_status(&mut self) -> Result<CardStatus, MmcError> {
        let reply = self.execute(
            "SEND_STATUS",
            &command::send_status(self.rca),
            DataDir::None,
        )?;
        Ok(CardStatus(reply.response[0]))
    }

    fn check_status(&mut self, command: &str, erase: bool) -> Result<CardStatus, MmcError> {
        let status = self.send_status()?;
        let failed = if erase {
            status.has_erase_failure()
        } else {
            status.has_error()
        };
        if failed {
            return Err(MmcError::Card {
                command: command.into(),
                status,
            });
        }
        Ok(status)
    }

    /// CMD6 on an EXT_CSD byte, then CMD13 to catch SWITCH_ERROR.
    pub fn switch(
        &mut self,
        access: SwitchAccess,
        index: u8,
        value: u8,
        timeout: Duration,
    ) -> Result<CardStatus, MmcError> {
        let name = format!("SWITCH EXT_CSD[{index}] = 0x{value:02x}");
        let cmd = command::switch(access, index, value, timeout_ms(timeout));
        let reply = self.execute(&name, &cmd, DataDir::None)?;
        let status = CardStatus(reply.response[0]);
        if status.has_error() {
            return Err(MmcError::Card {
                command: name,
                status,
            });
        }
        self.check_status(&name, false)
    }

    /// Sanitize (CMD6 SANITIZE_START), refused without sending when EXT_CSD lacks
    /// SEC_SANITIZE. `timeout` ZERO lets the kernel use its 240 s. Sanitize removes only
    /// *unmapped* data: erase or trim the user area first (JESD84-B51; docs/standards.md §4.3).
    pub fn sanitize(&mut self, timeout: Duration) -> Result<(), MmcError> {
        if !self.ext_csd()?.supports_sanitize() {
            return Err(MmcError::Unsupported(
                "sanitize (SEC_FEATURE_SUPPORT bit 6 clear)".into(),
            ));
        }
        let name = "SANITIZE (SWITCH SANITIZE_START)";
        self.execute(
            name,
            &command::sanitize_start(timeout_ms(timeout)),
            DataDir::None,
        )?;
        self.check_status(name, false)?;
        Ok(())
    }

    fn address(&self, sector: u64) -> Result<u32, MmcError> {
        let a = match self.addressing {
            Addressing::Sector => Some(sector),
            Addressing::Byte => sector.checked_mul(512),
        };
        a.and_then(|a| u32::try_from(a).ok()).ok_or_else(|| {
            MmcError::InvalidRange(format!(
                "sector {sector} does not fit a 32-bit {:?} address",
                self.addressing
            ))
        })
    }

    /// One erase sequence (CMD35, CMD36, CMD38 as one MMC_IOC_MULTI_CMD) over sectors
    /// `first..=last`, then CMD13. Refused without sending when EXT_CSD does not advertise
    /// `kind`, or when an erase-group operation would be widened by the card beyond the range.
    /// `timeout` `None` = the kernel's rule from EXT_CSD (or mmc-utils' fallback).
    pub fn erase(
        &mut self,
        kind: EraseKind,
        first: u64,
        last: u64,
        timeout: Option<Duration>,
    ) -> Result<CardStatus, MmcError> {
        let ext = self.ext_csd()?.clone();
        if !ext.supports(kind) {
            return Err(MmcError::Unsupported(format!(
                "{} (SEC_FEATURE_SUPPORT 0x{:02x}, EXT_CSD_REV {})",
                kind.name(),
                ext.sec_feature_support,
                ext.ext_csd_rev
            )));
        }
        if first > last || last >= u64::from(ext.sec_count) {
            return Err(MmcError::InvalidRange(format!(
                "sectors {first}..={last} on a card of {} sectors",
                ext.sec_count
            )));
        }
        let group = ext.erase_group_sectors();
        if kind.acts_on_erase_groups() {
            let g = group.ok_or_else(|| {
                MmcError::Unsupported(format!(
                    "{}: erase group size not defined in EXT_CSD (ERASE_GROUP_DEF 0)",
                    kind.name()
                ))
            })?;
            if !first.is_multiple_of(g) || !(last + 1).is_multiple_of(g) {
                return Err(MmcError::InvalidRange(format!(
                    "{} acts on whole erase groups of {g} sectors; {first}..={last} is not aligned",
                    kind.name()
                )));
            }
        }
        let groups = match group {
            Some(g) => last / g - first / g + 1,
            None => 1,
        };
        let timeout = timeout
            .or_else(|| ext.erase_timeout(kind, groups))
            .unwrap_or(FALLBACK_ERASE_TIMEOUT);
        let cmds = command::erase_sequence(
            kind,
            self.address(first)?,
            self.address(last)?,
            timeout_ms(timeout),
        );
        let erase_name = format!("ERASE ({})", kind.name());
        let replies = self.execute_sequence(
            &["ERASE_GROUP_START", "ERASE_GROUP_END", &erase_name],
            &cmds,
        )?;
        if let Some(bad) = replies
            .iter()
            .map(|r| CardStatus(r.response[0]))
            .find(|s| s.has_erase_failure())
        {
            return Err(MmcError::Card {
                command: erase_name,
                status: bad,
            });
        }
        self.check_status(&erase_name, true)
    }

    /// [`Self::erase`] over the whole user area.
    pub fn erase_all(&mut self, kind: EraseKind) -> Result<CardStatus, MmcError> {
        let sectors = u64::from(self.ext_csd()?.sec_count);
        if sectors == 0 {
            return Err(MmcError::InvalidRange("SEC_COUNT is 0".into()));
        }
        self.erase(kind, 0, sectors - 1, None)
    }
}

fn timeout_ms(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}
