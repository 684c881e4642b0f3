//! [`ScsiDevice`]: typed SCSI calls over any [`ScsiTransport`], each appended to a transcript.

use std::time::{Duration, Instant};

use crate::record::{NewRecord, Protocol, Transcript};
use crate::transport::{DataDir, ScsiReply, ScsiTransport, TransportError};

use super::cdb::{self, SanitizeServiceAction, ScsiSanitizeRequest};
use super::response::{
    parse_supported_vpd_pages, parse_unit_serial_number, Capacity16, CommandSupport,
    DeviceIdentification, OneCommandSupport, ResponseError, StandardInquiry,
};
use super::sense::{Sense, SenseKey};

/// Timeout of ordinary (short) commands.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// SCSI status byte values (SAM-5).
pub mod status {
    /// The command completed without error.
    pub const GOOD: u8 = 0x00;
    /// The command failed; sense data says why.
    pub const CHECK_CONDITION: u8 = 0x02;
    /// PRE-FETCH (SBC-4) found room in the cache for the requested blocks; ardoise never sends it.
    pub const CONDITION_MET: u8 = 0x04;
    /// The logical unit is busy; the command may be retried later.
    pub const BUSY: u8 = 0x08;
    /// Another initiator holds a reservation on the logical unit.
    pub const RESERVATION_CONFLICT: u8 = 0x18;
    /// The logical unit's task set is full; the command was not accepted.
    pub const TASK_SET_FULL: u8 = 0x28;
    /// An ACA condition is pending; only ACA-tagged commands are accepted.
    pub const ACA_ACTIVE: u8 = 0x30;
    /// The command was aborted by another initiator or by a task management function.
    pub const TASK_ABORTED: u8 = 0x40;
}

/// The SAM name of a status byte.
pub fn status_name(s: u8) -> &'static str {
    match s {
        status::GOOD => "GOOD",
        status::CHECK_CONDITION => "CHECK CONDITION",
        status::CONDITION_MET => "CONDITION MET",
        status::BUSY => "BUSY",
        status::RESERVATION_CONFLICT => "RESERVATION CONFLICT",
        status::TASK_SET_FULL => "TASK SET FULL",
        status::ACA_ACTIVE => "ACA ACTIVE",
        status::TASK_ABORTED => "TASK ABORTED",
        _ => "unknown status",
    }
}

/// Why a SCSI command did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The command could not be delivered or did not come back.
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// The device answered CHECK CONDITION; the sense data says why.
    #[error("CHECK CONDITION: {0}")]
    CheckCondition(Box<Sense>),
    /// CHECK CONDITION without sense data (or with sense that could not be decoded).
    #[error("CHECK CONDITION without usable sense data: {0}")]
    CheckConditionNoSense(String),
    /// Another status (BUSY, RESERVATION CONFLICT, TASK SET FULL...).
    #[error("SCSI status 0x{status:02x} ({})", status_name(*status))]
    Status {
        /// The status byte the device returned.
        status: u8,
    },
    /// The host adapter or driver reported a problem with the delivery.
    #[error("host status 0x{host_status:04x}, driver status 0x{driver_status:04x}")]
    Host {
        /// SCSI mid-layer host status (sg_io_hdr host_status, a DID_* code).
        host_status: u16,
        /// Driver status (sg_io_hdr driver_status, DRIVER_* and SUGGEST_* bits).
        driver_status: u16,
    },
    /// The device answered, but its data does not fit the layout it claims.
    #[error("malformed response: {0}")]
    Malformed(String),
}

impl CommandError {
    /// Whether the transport says the device has disappeared (unplugged, or its node removed).
    pub fn is_device_gone(&self) -> bool {
        matches!(self, CommandError::Transport(t) if t.is_device_gone())
    }

    /// The decoded sense data, for a CHECK CONDITION.
    pub fn sense(&self) -> Option<&Sense> {
        match self {
            CommandError::CheckCondition(s) => Some(s),
            _ => None,
        }
    }

    /// ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE: the device does not implement it.
    pub fn is_unsupported_command(&self) -> bool {
        self.sense().is_some_and(Sense::is_invalid_opcode)
    }
}

impl From<ResponseError> for CommandError {
    fn from(e: ResponseError) -> Self {
        CommandError::Malformed(e.to_string())
    }
}

/// A command that completed with GOOD status (or RECOVERED ERROR, which SPC defines as success).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Sense data returned along with the success, if any (e.g. RECOVERED ERROR).
    pub sense: Option<Sense>,
    /// Bytes of the data-in phase actually transferred.
    pub transferred: usize,
}

/// Sends one CDB, measuring the time when the transport does not report it.
pub(crate) fn exchange<T: ScsiTransport + ?Sized>(
    transport: &mut T,
    cdb: &[u8],
    data: DataDir<'_>,
    timeout: Duration,
) -> (Result<ScsiReply, TransportError>, u64) {
    let started = Instant::now();
    let reply = transport.execute(cdb, data, timeout);
    let measured = started.elapsed();
    let ms = match &reply {
        Ok(r) if !r.duration.is_zero() => r.duration,
        _ => measured,
    };
    (reply, u64::try_from(ms.as_millis()).unwrap_or(u64::MAX))
}

/// Bytes transferred in a data phase of `len` bytes given the residual count.
pub(crate) fn transferred(len: usize, resid: i32) -> usize {
    len.saturating_sub(usize::try_from(resid.max(0)).unwrap_or(usize::MAX))
}

/// Classifies a reply for an ordinary SCSI command.
fn classify(reply: &ScsiReply, data_len: usize) -> Result<Completion, CommandError> {
    if reply.host_status != 0 || reply.driver_status & !0x08 != 0 {
        return Err(CommandError::Host {
            host_status: reply.host_status,
            driver_status: reply.driver_status,
        });
    }
    let sense = match Sense::parse(&reply.sense) {
        Ok(s) => s,
        Err(e) if reply.status == status::CHECK_CONDITION => {
            return Err(CommandError::CheckConditionNoSense(e.to_string()))
        }
        Err(e) => return Err(CommandError::Malformed(format!("sense data: {e}"))),
    };
    let done = |sense| Completion {
        sense,
        transferred: transferred(data_len, reply.resid),
    };
    match reply.status {
        status::GOOD | status::CONDITION_MET => Ok(done(sense)),
        status::CHECK_CONDITION => match sense {
            Some(s) if s.key == SenseKey::RecoveredError => Ok(done(Some(s))),
            Some(s) => Err(CommandError::CheckCondition(Box::new(s))),
            None => Err(CommandError::CheckConditionNoSense(
                "no sense data returned".into(),
            )),
        },
        other => Err(CommandError::Status { status: other }),
    }
}

/// One line saying how a SCSI command ended, for the transcript.
fn describe(result: &Result<Completion, CommandError>) -> String {
    match result {
        Ok(Completion { sense: None, .. }) => "GOOD".to_string(),
        Ok(Completion { sense: Some(s), .. }) => format!("GOOD ({s})"),
        Err(e) => e.to_string(),
    }
}

/// A SCSI logical unit reached through a transport.
pub struct ScsiDevice<T: ScsiTransport> {
    transport: T,
    transcript: Transcript,
    timeout: Duration,
}

impl<T: ScsiTransport> ScsiDevice<T> {
    /// A device with an empty transcript and the default timeout.
    pub fn new(transport: T) -> Self {
        ScsiDevice {
            transport,
            transcript: Transcript::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Timeout for ordinary commands (SANITIZE takes its own).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The records of the commands sent so far.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// Hands over the records so far, leaving an empty transcript.
    pub fn take_transcript(&mut self) -> Transcript {
        std::mem::take(&mut self.transcript)
    }

    /// The transport, for callers that must send something ScsiDevice does not model.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Gives the transport back, dropping the transcript.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Sends any CDB, records it, and classifies the answer.
    pub fn execute(
        &mut self,
        name: &str,
        cdb: &[u8],
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<Completion, CommandError> {
        let data_len = data.len();
        let data_out = match &data {
            DataDir::ToDevice(b) => Some(b.to_vec()),
            _ => None,
        };
        let (reply, duration_ms) = exchange(&mut self.transport, cdb, data, timeout);
        let (result, raw) = match reply {
            Ok(r) => (
                classify(&r, data_len),
                (!r.sense.is_empty()).then(|| hex::encode(&r.sense)),
            ),
            Err(e) => (Err(CommandError::Transport(e)), None),
        };
        self.transcript.push(NewRecord {
            protocol: Protocol::Scsi,
            name: name.to_string(),
            request: hex::encode(cdb),
            data_out,
            outcome: describe(&result),
            raw_reply: raw,
            ok: result.is_ok(),
            duration_ms,
        });
        result
    }

    fn data_in(&mut self, name: &str, cdb: &[u8], len: usize) -> Result<Vec<u8>, CommandError> {
        let mut buf = vec![0u8; len];
        let done = self.execute(name, cdb, DataDir::FromDevice(&mut buf), self.timeout)?;
        buf.truncate(done.transferred);
        Ok(buf)
    }

    /// TEST UNIT READY. A device that is sanitizing answers NOT READY, 04/1B, with progress.
    pub fn test_unit_ready(&mut self) -> Result<(), CommandError> {
        self.execute(
            "TEST UNIT READY",
            &cdb::test_unit_ready(),
            DataDir::None,
            self.timeout,
        )
        .map(|_| ())
    }

    /// Standard INQUIRY data.
    pub fn inquiry(&mut self) -> Result<StandardInquiry, CommandError> {
        let b = self.data_in("INQUIRY", &cdb::inquiry(None, 96), 96)?;
        Ok(StandardInquiry::parse(&b)?)
    }

    /// VPD page 0x00.
    pub fn supported_vpd_pages(&mut self) -> Result<Vec<u8>, CommandError> {
        let b = self.data_in(
            "INQUIRY VPD 0x00 (supported pages)",
            &cdb::inquiry(Some(0x00), 255),
            255,
        )?;
        Ok(parse_supported_vpd_pages(&b)?)
    }

    /// VPD page 0x80.
    pub fn unit_serial_number(&mut self) -> Result<String, CommandError> {
        let b = self.data_in(
            "INQUIRY VPD 0x80 (unit serial number)",
            &cdb::inquiry(Some(0x80), 255),
            255,
        )?;
        Ok(parse_unit_serial_number(&b)?)
    }

    /// VPD page 0x83.
    pub fn device_identification(&mut self) -> Result<DeviceIdentification, CommandError> {
        let b = self.data_in(
            "INQUIRY VPD 0x83 (device identification)",
            &cdb::inquiry(Some(0x83), 512),
            512,
        )?;
        Ok(DeviceIdentification::parse(&b)?)
    }

    /// READ CAPACITY (16).
    pub fn read_capacity16(&mut self) -> Result<Capacity16, CommandError> {
        let b = self.data_in("READ CAPACITY(16)", &cdb::read_capacity16(32), 32)?;
        Ok(Capacity16::parse(&b)?)
    }

    /// REQUEST SENSE: the device's pending sense data (`None` when it has nothing to say). This
    /// is how a sanitize in progress is polled (progress in the sense-key-specific field).
    pub fn request_sense(&mut self, descriptor: bool) -> Result<Option<Sense>, CommandError> {
        let b = self.data_in("REQUEST SENSE", &cdb::request_sense(descriptor, 252), 252)?;
        let sense = Sense::parse(&b)
            .map_err(|e| CommandError::Malformed(format!("REQUEST SENSE data: {e}")))?;
        // NO SENSE, 00/00, no progress: nothing to report.
        Ok(sense.filter(|s| {
            !(s.key == SenseKey::NoSense && s.asc == 0 && s.ascq == 0 && s.progress.is_none())
        }))
    }

    /// SANITIZE. With `immed` the command returns once validated and progress is polled with
    /// [`ScsiDevice::request_sense`]; without it `timeout` must cover the whole operation.
    pub fn sanitize(
        &mut self,
        req: &ScsiSanitizeRequest,
        logical_block_size: u32,
        timeout: Duration,
    ) -> Result<(), CommandError> {
        let (c, param) = req
            .encode(logical_block_size)
            .map_err(|e| CommandError::Malformed(e.to_string()))?;
        let name = format!(
            "SANITIZE {}{}{}",
            req.op.service_action().name(),
            if req.immed { " (IMMED)" } else { "" },
            if req.ause { " (AUSE)" } else { "" }
        );
        let data = if param.is_empty() {
            DataDir::None
        } else {
            DataDir::ToDevice(&param)
        };
        self.execute(&name, &c, data, timeout).map(|_| ())
    }

    /// REPORT SUPPORTED OPERATION CODES for one command (with its service action, if it has
    /// service actions).
    pub fn report_supported_operation(
        &mut self,
        opcode: u8,
        service_action: Option<u16>,
    ) -> Result<OneCommandSupport, CommandError> {
        let name = match service_action {
            Some(sa) => format!("REPORT SUPPORTED OPERATION CODES (0x{opcode:02x}/0x{sa:02x})"),
            None => format!("REPORT SUPPORTED OPERATION CODES (0x{opcode:02x})"),
        };
        let b = self.data_in(
            &name,
            &cdb::report_supported_opcode(opcode, service_action, 64),
            64,
        )?;
        Ok(OneCommandSupport::parse(&b)?)
    }

    /// Whether the device supports one SANITIZE service action. A device that does not
    /// implement REPORT SUPPORTED OPERATION CODES answers with an error, which is returned.
    pub fn sanitize_support(
        &mut self,
        action: SanitizeServiceAction,
    ) -> Result<CommandSupport, CommandError> {
        self.report_supported_operation(cdb::opcode::SANITIZE, Some(u16::from(action.code())))
            .map(|s| s.support)
    }

    /// SYNCHRONIZE CACHE (10) of the whole medium.
    pub fn synchronize_cache(&mut self) -> Result<(), CommandError> {
        self.execute(
            "SYNCHRONIZE CACHE(10)",
            &cdb::synchronize_cache10(false),
            DataDir::None,
            self.timeout,
        )
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transport that returns one canned reply and remembers what it was sent.
    struct Canned {
        reply: Result<ScsiReply, TransportError>,
        data_in: Vec<u8>,
        seen: Vec<Vec<u8>>,
    }

    impl ScsiTransport for Canned {
        fn execute(
            &mut self,
            cdb: &[u8],
            data: DataDir<'_>,
            _timeout: Duration,
        ) -> Result<ScsiReply, TransportError> {
            self.seen.push(cdb.to_vec());
            if let DataDir::FromDevice(b) = data {
                let n = b.len().min(self.data_in.len());
                b[..n].copy_from_slice(&self.data_in[..n]);
            }
            self.reply.clone()
        }
    }

    fn canned(reply: Result<ScsiReply, TransportError>) -> ScsiDevice<Canned> {
        ScsiDevice::new(Canned {
            reply,
            data_in: Vec::new(),
            seen: Vec::new(),
        })
    }

    #[test]
    fn check_condition_is_decoded_and_recorded() {
        let mut d = canned(Ok(ScsiReply {
            status: 2,
            driver_status: 0x08,
            sense: vec![
                0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x20, 0x00, 0, 0, 0, 0,
            ],
            ..Default::default()
        }));
        let e = d.test_unit_ready().unwrap_err();
        assert!(e.is_unsupported_command());
        let r = &d.transcript().records()[0];
        assert_eq!(r.name, "TEST UNIT READY");
        assert_eq!(r.request, "000000000000");
        assert!(!r.ok);
        assert!(r.outcome.contains("INVALID COMMAND OPERATION CODE"));
        assert_eq!(
            r.raw_reply.as_deref(),
            Some("700005000000000a00000000200000000000")
        );
    }

    #[test]
    fn recovered_error_is_success_and_busy_is_not() {
        let mut d = canned(Ok(ScsiReply {
            status: 2,
            sense: vec![0x72, 0x01, 0x00, 0x1d, 0, 0, 0, 0],
            ..Default::default()
        }));
        d.test_unit_ready().unwrap();
        let mut d = canned(Ok(ScsiReply {
            status: 8,
            ..Default::default()
        }));
        assert_eq!(
            d.test_unit_ready().unwrap_err(),
            CommandError::Status { status: 8 }
        );
    }

    #[test]
    fn check_condition_without_sense_and_host_errors() {
        let mut d = canned(Ok(ScsiReply {
            status: 2,
            ..Default::default()
        }));
        assert!(matches!(
            d.test_unit_ready(),
            Err(CommandError::CheckConditionNoSense(_))
        ));
        let mut d = canned(Ok(ScsiReply {
            host_status: 0x07,
            ..Default::default()
        }));
        assert!(matches!(
            d.test_unit_ready(),
            Err(CommandError::Host { .. })
        ));
        let mut d = canned(Err(TransportError::DeviceGone {
            op: "SG_IO",
            errno: nix::errno::Errno::ENODEV,
        }));
        assert!(d.test_unit_ready().unwrap_err().is_device_gone());
        assert!(d.transcript().records()[0].outcome.contains("gone"));
    }

    #[test]
    fn short_data_in_is_malformed() {
        let mut d = canned(Ok(ScsiReply {
            resid: 90,
            ..Default::default()
        }));
        assert!(matches!(d.inquiry(), Err(CommandError::Malformed(_))));
    }

    #[test]
    fn sanitize_records_the_parameter_list_as_a_hash() {
        let mut d = canned(Ok(ScsiReply::default()));
        let req = ScsiSanitizeRequest {
            op: cdb::ScsiSanitizeOp::Overwrite(cdb::ScsiOverwrite {
                pattern: vec![1, 2, 3, 4],
                count: 1,
                invert: false,
            }),
            immed: true,
            ause: false,
            znr: false,
        };
        d.sanitize(&req, 512, Duration::from_secs(20)).unwrap();
        let r = &d.transcript().records()[0];
        assert_eq!(r.name, "SANITIZE OVERWRITE (IMMED)");
        assert_eq!(r.request, "48810000000000000800");
        assert_eq!(
            r.data_out_blake3.as_deref(),
            Some(blake3::hash(&[0x01, 0, 0, 4, 1, 2, 3, 4]).to_hex().as_str())
        );
    }
}
